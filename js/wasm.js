// pkg/wasm.js: the npm entry's uncompressed module, for runtimes without DecompressionStream
// (loaded on demand by js/entry.js; esbuild embeds the file as a Uint8Array).
import bytes from '../target/wasm-core/eventsource_wasm_core.wasm';

export default bytes;
