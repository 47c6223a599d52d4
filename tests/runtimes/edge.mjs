// The edge-runtime rows' host: `edge.mjs BUNDLE WASM ORIGIN` runs BUNDLE in Vercel's edge-runtime
// with code generation from strings and WebAssembly bytes disallowed (as Vercel's sandbox does)
// and the `.wasm` import bound to a module compiled by the host, the way Vercel's edge bundler
// provides it; prints `RESULT <impl> <json>` for our EventSource and a native one if any.
import { EdgeRuntime } from 'edge-runtime';
import { readFileSync } from 'node:fs';

const [bundle, wasm, origin] = process.argv.slice(2);
const module = new WebAssembly.Module(readFileSync(wasm));
const runtime = new EdgeRuntime({
  initialCode: readFileSync(bundle, 'utf8'),
  codeGeneration: { strings: false, wasm: false },
  extend: (context) => Object.assign(context, { __EVENTSOURCE_WASM_MODULE: module }),
});
for (const impl of ['ours', 'native']) {
  const res = await runtime.dispatchFetch(`http://edge/?impl=${impl}&origin=${encodeURIComponent(origin)}`);
  const text = await res.text();
  console.log(`RESULT ${impl} ${res.ok ? text : JSON.stringify({ status: res.status, body: text.slice(0, 2000) })}`);
}
