// Assembles pkg/ from pkg-template/, js/ and the wasm-bindgen output in target/wasm-bindgen/.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const out = 'pkg';
mkdirSync(out, { recursive: true });
cpSync('pkg-template', out, { recursive: true });
cpSync('LICENSE', `${out}/LICENSE`);

const common = { bundle: true, loader: { '.wasm': 'binary' }, logLevel: 'warning', legalComments: 'none', target: 'es2022' };
// The ESM entry: readable, bundlers minify it again anyway.
await build({ ...common, entryPoints: ['js/entry.js'], format: 'esm', outfile: `${out}/index.js` });
await build({ ...common, entryPoints: ['js/polyfill.js'], format: 'esm', outfile: `${out}/polyfill.js`, external: ['./index.js'] });
// The script tag: one self-contained file.
await build({ ...common, entryPoints: ['js/script.js'], format: 'iife', minify: true, outfile: `${out}/eventsource-wasm.min.js` });

const report = {};
for (const f of ['eventsource-wasm.min.js', 'index.js']) {
  const bytes = readFileSync(`${out}/${f}`);
  report[f] = { raw: bytes.length, gzip9: gzipSync(bytes, { level: 9 }).length };
}
const wasm = readFileSync('target/wasm-bindgen/eventsource_wasm_bg.wasm');
report['eventsource_wasm_bg.wasm'] = { raw: wasm.length, gzip9: gzipSync(wasm, { level: 9 }).length };
writeFileSync('target/size-report.json', JSON.stringify(report, null, 2) + '\n');
for (const [f, s] of Object.entries(report)) console.log(`${f.padEnd(28)} ${String(s.raw).padStart(8)} B raw ${String(s.gzip9).padStart(7)} B gzip -9`);
