// The npm entry: the EventSource class with its WebAssembly embedded, so the same file works in
// browsers, workers, Node.js and every bundler without loader configuration.
import init, { Source } from '../target/wasm-bindgen/eventsource_wasm.js';
import wasm from '../target/wasm-bindgen/eventsource_wasm_bg.wasm';
import { defineEventSource } from './event-source.js';

export const EventSource = defineEventSource(() => init({ module_or_path: wasm }).then(() => Source));
export default EventSource;
