// The npm entry: the EventSource class with its WebAssembly embedded, so the same file works in
// browsers, workers, Node.js and every bundler without loader configuration.
import wasm from '../target/wasm-bindgen/eventsource_wasm_bg.wasm';
import { defineEventSource } from './event-source.js';

// The wasm-bindgen glue is loaded with the first source, not at import: it needs TextDecoder,
// which some test environments (older jsdom) only get from a setup file that runs later.
export const EventSource = defineEventSource(async () => {
  const { default: init, Source } = await import('../target/wasm-bindgen/eventsource_wasm.js');
  await init({ module_or_path: wasm });
  return Source;
});
export default EventSource;
