// The edge entry (export conditions `workerd`, `edge-light`): Cloudflare Workers and Vercel Edge
// refuse to compile WebAssembly from bytes and to do asynchronous work at module scope, so this
// entry imports the module as a `.wasm` file, which their bundlers (wrangler, Vercel's) turn into
// a compiled `WebAssembly.Module`, and instantiates it at the first source (or `ready`). A bundler
// that gives the file's bytes instead gets them compiled there.
import { defineEventSource } from './event-source.js';
import { defineSource } from './driver.js';
import module from './eventsource-wasm.wasm';

export const EventSource = defineEventSource(
  // (`instanceof WebAssembly.Module` is false for a module from another realm, as Vercel's
  // sandbox hands it over: bytes are told apart by their length instead.)
  async () => defineSource(new WebAssembly.Instance(module.byteLength >= 0 ? await WebAssembly.compile(module) : module).exports),
  () => import('./shared.js'),
);
export default EventSource;
