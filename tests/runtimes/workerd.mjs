// The workerd rows' host (run with a Node that miniflare supports, 22+): `workerd.mjs DIR ORIGIN
// [FLAG,...]` loads DIR/worker.js, with its `.wasm` imports as compiled modules (wrangler's
// CompiledWasm rule), into workerd through miniflare, and prints `RESULT <impl> <json>` for our
// EventSource and workerd's own.
import { Miniflare } from 'miniflare';
import path from 'node:path';

const [dir, origin, flags = ''] = process.argv.slice(2);
const mf = new Miniflare({
  modules: true,
  scriptPath: path.resolve(dir, 'worker.js'),
  modulesRoot: path.resolve(dir),
  modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
  compatibilityDate: '2026-07-01',
  compatibilityFlags: flags ? flags.split(',') : [],
});
try {
  for (const impl of ['ours', 'native']) {
    const res = await mf.dispatchFetch(`http://worker/?impl=${impl}&origin=${encodeURIComponent(origin)}`);
    const text = await res.text();
    console.log(`RESULT ${impl} ${res.ok ? text : JSON.stringify({ status: res.status, body: text.slice(0, 2000) })}`);
  }
} finally {
  await mf.dispose();
}
