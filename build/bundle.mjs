// Assembles pkg/ from pkg-template/, js/ and the C-ABI wasm module in target/wasm-core/.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import zlib, { brotliCompressSync, gzipSync } from 'node:zlib';
import { minify } from 'terser';

const out = 'pkg';
mkdirSync(out, { recursive: true });
cpSync('pkg-template', out, { recursive: true });
cpSync('LICENSE', `${out}/LICENSE`);

// esbuild's syntax minification before terser's: its `const` to `let` lets terser join the
// declarations (about 25 B less gzipped; esbuild fails the build on any assignment to a const).
const common = { bundle: true, loader: { '.wasm': 'binary' }, logLevel: 'warning', legalComments: 'none', target: 'es2022', define: { EDGE_BUILD: 'false' } };
const syntax = { ...common, minifySyntax: true };
const terse = async (code, module) =>
  (await minify(code, { ecma: 2022, module, compress: { passes: 3 }, mangle: true, format: { comments: false } })).code;
const payload = readFileSync('target/wasm-core/eventsource_wasm_core.wasm.deflate');

/**
 * One minified file with the deflated module embedded (see js/core-entry.js): terser (about
 * 200 B smaller gzipped than esbuild's minifier here). The alphabet comes from the minified
 * code; the payload goes in before minifying for real, so that nothing is folded from the
 * placeholders.
 */
async function embedded(entry, format, external = []) {
  const built = await build({ ...syntax, entryPoints: [entry], format, external, write: false, outfile: 'out.js' });
  const code = built.outputFiles[0].text;
  const module = format === 'esm';
  return terse(embed(code, payload, alphabetOf(await terse(code, module))), module);
}

// Every entry runs the same driver over the same module: the ESM entry (what bundlers and Node
// import), the polyfill over it, and the script tag (one self-contained classic script). Chromium's
// compile hint compiles every function while the file loads, not at the first `new EventSource`
// (construct to first event: about 3 ms less, measured cold).
const HINT = '//# allFunctionsCalledOnLoad\n';
const { transform } = await import('esbuild');
writeFileSync(`${out}/index.js`, HINT + (await embedded('js/entry.js', 'esm', ['./wasm.js', './shared.js'])));
await build({ ...common, entryPoints: ['js/polyfill.js'], format: 'esm', outfile: `${out}/polyfill.js`, external: ['./index.js'] });
writeFileSync(`${out}/eventsource-wasm.min.js`, HINT + (await embedded('js/script.js', 'iife')));
// What only shared sources need (`shared: true`), which index.js and the script tag (from beside
// itself) import when one is made.
writeFileSync(`${out}/shared.js`, await terse((await build({ ...common, entryPoints: ['js/shared.js'], format: 'esm', write: false, outfile: 'out.js' })).outputFiles[0].text, true));
// The uncompressed module, which index.js imports only where DecompressionStream is missing.
await build({ ...common, entryPoints: ['js/wasm.js'], format: 'esm', minify: true, outfile: `${out}/wasm.js` });
// The edge entry (exports conditions `workerd`, `edge-light`) and its polyfill: the module as a
// `.wasm` file beside them, for the host's bundler to compile (see js/edge.js).
cpSync('target/wasm-core/eventsource_wasm_core.wasm', `${out}/eventsource-wasm.wasm`);
const edgeExternal = ['./eventsource-wasm.wasm', './shared.js'];
const edgeBuild = { ...syntax, define: { EDGE_BUILD: 'true' }, entryPoints: ['js/edge.js'], format: 'esm', external: edgeExternal, write: false, outfile: 'out.js' };
writeFileSync(`${out}/edge.js`, await terse((await build(edgeBuild)).outputFiles[0].text, true));
const toEdge = { name: 'to-edge', setup: (b) => b.onResolve({ filter: /^\.\/index\.js$/ }, () => ({ path: './edge.js', external: true })) };
await build({ ...common, entryPoints: ['js/polyfill.js'], format: 'esm', outfile: `${out}/polyfill-edge.js`, plugins: [toEdge] });

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

/** The payload's 6-bit values, most significant first (the last one padded with zero bits). */
function sixBits(payload) {
  const values = [];
  let acc = 0;
  let bits = 0;
  for (const byte of payload) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 6) values.push((acc >> (bits -= 6)) & 63);
  }
  if (bits) values.push((acc << (6 - bits)) & 63);
  return values;
}

/**
 * Puts the deflated module into the script, 6 bits per character of `alphabet` (most used in the
 * script first): the payload's most frequent values get the script's most frequent characters,
 * which any DEFLATE or Brotli Huffman code makes shortest (the loader takes any order).
 */
function embed(code, payload, alphabet) {
  const placeholder = (name) => new RegExp(`(["'\`])@@${name}@@\\1`);
  for (const name of ['PACKED', 'ALPHABET']) {
    if (!placeholder(name).test(code)) throw new Error(`bundle: the @@${name}@@ placeholder is missing from the script`);
  }
  const values = sixBits(payload);
  const counts = new Array(64).fill(0);
  for (const v of values) counts[v]++;
  const chars = [];
  [...counts.keys()].sort((a, b) => counts[b] - counts[a] || a - b).forEach((v, rank) => (chars[v] = alphabet[rank]));
  const text = values.map((v) => chars[v]).join('');
  const order = chars.join('');
  return code.replace(placeholder('PACKED'), () => `"${text}"`).replace(placeholder('ALPHABET'), () => `"${order}"`);
}

// Size report: raw, minified, and compressed as a server or CDN would send it: gzip -9 and
// Brotli at its highest quality, both by node's zlib. The budget: each entry a page loads (the
// script tag, index.js) at most 10 KiB gzip -9.
const BUDGET = 10 * 1024;
const gzip9 = (data) => gzipSync(data, { level: 9 }).length;
const brotli = (data) => brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY } }).length;
const report = {};
for (const f of ['eventsource-wasm.min.js', 'index.js', 'edge.js', 'shared.js', 'wasm.js']) {
  const raw = readFileSync(`${out}/${f}`, 'utf8');
  // The script-tag file ships minified; the ESM files are measured as a bundler would minify them.
  const min = f !== 'eventsource-wasm.min.js' ? (await transform(raw, { minify: true, format: 'esm', legalComments: 'none' })).code : raw;
  report[f] = { raw: Buffer.byteLength(raw), min: Buffer.byteLength(min), gzip9: gzip9(min), brotli: brotli(min) };
}
for (const [name, path] of [
  ['eventsource_wasm_core.wasm (in every entry)', 'target/wasm-core/eventsource_wasm_core.wasm'],
  ['  its deflated payload', 'target/wasm-core/eventsource_wasm_core.wasm.deflate'],
]) {
  const wasm = readFileSync(path);
  report[name] = { raw: wasm.length, min: wasm.length, gzip9: gzip9(wasm), brotli: brotli(wasm) };
}
writeFileSync('target/size-report.json', JSON.stringify(report, null, 2) + '\n');
console.log(`${'file'.padEnd(42)} ${['raw', 'min', 'gzip -9', 'brotli'].map((h) => h.padStart(8)).join(' ')}`);
for (const [f, r] of Object.entries(report)) {
  console.log(`${f.padEnd(42)} ${[r.raw, r.min, r.gzip9, r.brotli].map((v) => String(v).padStart(8)).join(' ')}`);
}
// Over the budget is reported, loudly, but does not fail the build (BENCHMARKS.md "Sizes" says
// where the entries stand against it).
const over = ['eventsource-wasm.min.js', 'index.js'].filter((f) => report[f].gzip9 > BUDGET);
if (over.length) {
  console.error(`bundle: WARNING: over the size budget of ${BUDGET} B gzip -9: ${over.map((f) => `${f} by ${report[f].gzip9 - BUDGET} B`).join(', ')}`);
}
