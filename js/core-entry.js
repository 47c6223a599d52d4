// The script-tag build's entry: the EventSource class over the small `ffi` wasm (src/ffi.rs)
// driven by js/driver.js, embedded deflated (base64) and inflated with DecompressionStream, which
// keeps the one-file polyfill small. The npm entry (js/entry.js) uses the wasm-bindgen binding.
import packed from '../target/wasm-core/eventsource_wasm_core.wasm.deflate';
import { defineEventSource } from './event-source.js';
import { defineSource } from './driver.js';

export const EventSource = defineEventSource(async () => {
  if (typeof DecompressionStream !== 'function') {
    throw new Error('this runtime lacks DecompressionStream; use the npm build (eventsource-wasm) instead');
  }
  const bytes = Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
  const inflated = new Response(bytes).body.pipeThrough(new DecompressionStream('deflate'));
  const { instance } = await WebAssembly.instantiate(await new Response(inflated).arrayBuffer());
  return defineSource(instance.exports);
});
