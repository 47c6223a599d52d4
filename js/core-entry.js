// The script-tag build's entry: the EventSource class over the small `ffi` wasm (src/ffi.rs)
// driven by js/driver.js, embedded deflated and inflated with DecompressionStream, which keeps
// the one-file polyfill small. The npm entry (js/entry.js) uses the wasm-bindgen binding.
//
// build/bundle.mjs replaces the two placeholders: the deflated module written 6 bits per
// character, like base64 but with the 64 characters the minified script itself uses most, so
// that gzip codes the payload and the script with one Huffman table at less cost (about 0.4 KB
// of the file's gzip size).
import { defineEventSource } from './event-source.js';
import { defineSource } from './driver.js';

const packed = '@@PACKED@@';
const alphabet = '@@ALPHABET@@';

/** The payload's bytes. */
function unpack() {
  const bytes = new Uint8Array((packed.length * 3) >> 2);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const c of packed) {
    acc = (acc << 6) | alphabet.indexOf(c);
    bits += 6;
    // Only the low bits matter: the int32 shift drops the rest, the byte store keeps 8.
    if (bits >= 8) bytes[n++] = acc >> (bits -= 8);
  }
  return bytes;
}

export const EventSource = defineEventSource(async () => {
  if (typeof DecompressionStream !== 'function') {
    throw new Error('this runtime lacks DecompressionStream; use the npm build (eventsource-wasm) instead');
  }
  const inflated = new Response(unpack()).body.pipeThrough(new DecompressionStream('deflate'));
  const { instance } = await WebAssembly.instantiate(await new Response(inflated).arrayBuffer());
  return defineSource(instance.exports);
});
