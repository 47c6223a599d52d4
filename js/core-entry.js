// The one loader of every JS entry (npm ESM entry, polyfill, script tag): the EventSource class
// over the plain C-ABI wasm (src/ffi.rs) driven by js/driver.js. The module is embedded
// deflated and inflated with DecompressionStream; `raw`, where an entry has it, loads the
// uncompressed module instead for runtimes without DecompressionStream.
//
// build/bundle.mjs replaces the two placeholders: the deflated module written 6 bits per
// character, like base64 but with the 64 characters the minified script itself uses most, so
// that gzip codes the payload and the script with one Huffman table at less cost (about 0.4 KB
// of the file's gzip size).
import { defineEventSource } from './event-source.js';
import { defineSource } from './driver.js';

const packed = '@@PACKED@@';
const alphabet = '@@ALPHABET@@';

/** The payload's bytes (a table lookup per character: this runs once, cold, at load). */
function unpack() {
  const table = new Uint8Array(128);
  for (let i = 0; i < 64; i++) table[alphabet.charCodeAt(i)] = i;
  const n = packed.length;
  const bytes = new Uint8Array((n * 3) >> 2);
  let acc = 0;
  let bits = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    acc = (acc << 6) | table[packed.charCodeAt(i)];
    bits += 6;
    // Only the low bits matter: the int32 shift drops the rest, the byte store keeps 8.
    if (bits >= 8) bytes[k++] = acc >> (bits -= 8);
  }
  return bytes;
}

/** The instantiated module: inflated, or from `raw()` without DecompressionStream. */
async function instantiate(raw) {
  if (typeof DecompressionStream !== 'function') return WebAssembly.instantiate(await raw());
  const inflated = new Response(unpack()).body.pipeThrough(new DecompressionStream('deflate'));
  return WebAssembly.instantiate(await new Response(inflated).arrayBuffer());
}

/**
 * The EventSource class; `raw` resolves to the uncompressed module (or throws why there is
 * none), `loadShared` to js/shared.js (for `shared: true`).
 */
export function create(raw, loadShared) {
  return defineEventSource(async () => defineSource((await instantiate(raw)).instance.exports), loadShared);
}
