// Assembles pkg/ from pkg-template/, js/ and the wasm-bindgen output in target/wasm-bindgen/.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';

const out = 'pkg';
mkdirSync(out, { recursive: true });
cpSync('pkg-template', out, { recursive: true });
cpSync('LICENSE', `${out}/LICENSE`);

const common = { bundle: true, loader: { '.wasm': 'binary' }, logLevel: 'warning', legalComments: 'none', target: 'es2022' };
// The ESM entry: readable, bundlers minify it again anyway.
await build({ ...common, entryPoints: ['js/entry.js'], format: 'esm', outfile: `${out}/index.js` });
await build({ ...common, entryPoints: ['js/polyfill.js'], format: 'esm', outfile: `${out}/polyfill.js`, external: ['./index.js'] });
// The script tag: one self-contained file, minified by terser (about 200 B smaller gzipped than
// esbuild's minifier here), with the deflated ffi module embedded (see js/core-entry.js).
const script = await build({ ...common, entryPoints: ['js/script.js'], format: 'iife', write: false, outfile: 'script.js' });
const terse = async (code) => (await minify(code, { ecma: 2022, compress: { passes: 3 }, mangle: true, format: { comments: false } })).code;
const bundled = script.outputFiles[0].text;
// The alphabet comes from the minified code; the payload goes in before minifying for real, so
// that nothing is folded from the placeholders.
const alphabet = alphabetOf(await terse(bundled));
const payload = readFileSync('target/wasm-core/eventsource_wasm_core.wasm.deflate');
writeFileSync(`${out}/eventsource-wasm.min.js`, await terse(embed(bundled, payload, alphabet)));

/**
 * The 64 characters the script uses most (never a quote, a backslash or '<'): the payload
 * written in them shares gzip's Huffman table with the code at little cost.
 */
function alphabetOf(code) {
  const counts = new Map();
  for (const c of code) counts.set(c, (counts.get(c) ?? 0) + 1);
  const alphabet = [...counts.keys()]
    .filter((c) => c >= ' ' && c <= '~' && !'"\\<'.includes(c))
    .sort((a, b) => counts.get(b) - counts.get(a) || (a < b ? -1 : 1))
    .slice(0, 64)
    .join('');
  if (alphabet.length !== 64) throw new Error('bundle: the script uses fewer than 64 distinct characters');
  return alphabet;
}

/** Puts the deflated module into the script, 6 bits per character of `alphabet`. */
function embed(code, payload, alphabet) {
  const placeholder = (name) => new RegExp(`(["'\`])@@${name}@@\\1`);
  for (const name of ['PACKED', 'ALPHABET']) {
    if (!placeholder(name).test(code)) throw new Error(`bundle: the @@${name}@@ placeholder is missing from the script`);
  }
  let text = '';
  let acc = 0;
  let bits = 0;
  for (const byte of payload) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 6) text += alphabet[(acc >> (bits -= 6)) & 63];
  }
  if (bits) text += alphabet[(acc << (6 - bits)) & 63];
  return code.replace(placeholder('PACKED'), () => `"${text}"`).replace(placeholder('ALPHABET'), () => `"${alphabet}"`);
}

// Size report: raw, minified, and gzip -9 of the minified file, by zlib and, where the
// gzip command exists, by GNU gzip too (its blocks differ, so it is up to 1% larger here).
const { transform } = await import('esbuild');
const { execFileSync } = await import('node:child_process');
const gnuGzip = (data) => {
  try {
    return execFileSync('gzip', ['-9c'], { input: data, maxBuffer: 1 << 26 }).length;
  } catch {
    return null;
  }
};
const report = {};
for (const f of ['eventsource-wasm.min.js', 'index.js']) {
  const raw = readFileSync(`${out}/${f}`, 'utf8');
  // The script-tag file ships minified; the ESM entry is measured as a bundler would minify it.
  const min = f === 'index.js' ? (await transform(raw, { minify: true, format: 'esm', legalComments: 'none' })).code : raw;
  report[f] = { raw: Buffer.byteLength(raw), min: Buffer.byteLength(min), gzip9: gzipSync(min, { level: 9 }).length, gnuGzip9: gnuGzip(min) };
}
for (const [name, path] of [
  ['eventsource_wasm_bg.wasm (in index.js)', 'target/wasm-bindgen/eventsource_wasm_bg.wasm'],
  ['eventsource_wasm_core.wasm (in .min.js)', 'target/wasm-core/eventsource_wasm_core.wasm'],
]) {
  const wasm = readFileSync(path);
  report[name] = { raw: wasm.length, min: wasm.length, gzip9: gzipSync(wasm, { level: 9 }).length, gnuGzip9: gnuGzip(wasm) };
}
writeFileSync('target/size-report.json', JSON.stringify(report, null, 2) + '\n');
console.log(`${'file'.padEnd(42)} ${'raw'.padStart(8)} ${'min'.padStart(8)} ${'gzip -9'.padStart(8)} ${'GNU gzip'.padStart(8)}`);
for (const [f, r] of Object.entries(report)) {
  const cols = [r.raw, r.min, r.gzip9, r.gnuGzip9 ?? '-'].map((v) => String(v).padStart(8));
  console.log(`${f.padEnd(42)} ${cols.join(' ')}`);
}
