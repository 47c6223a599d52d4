// The npm entry: the EventSource class with its WebAssembly embedded, so the same file works in
// browsers, workers, Node.js and every bundler without loader configuration. Runtimes without
// DecompressionStream load the uncompressed module from ./wasm.js (a separate chunk in
// bundlers), the others never fetch it; ./shared.js is loaded when a `shared: true` source is
// made.
import { create } from './core-entry.js';

export const EventSource = create(
  async () => (await import('./wasm.js')).default,
  () => import('./shared.js'),
);
export default EventSource;
