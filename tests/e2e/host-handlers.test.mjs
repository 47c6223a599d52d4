// Event handler attributes run once per event, in their listener's place, also on a host whose
// EventTarget calls `this.on<type>` itself as it dispatches, before the listeners (workerd does:
// cloudflare/workerd#6022; tests/e2e/runtimes.test.mjs runs the same check in workerd itself).
// Only the edge entry (pkg/edge.js) can run on such a host, so it is what is tested: bundled here
// with its `.wasm` import as a compiled module (as wrangler does), and loaded in Node as it is and
// with `EventTarget` swapped for a subclass that calls the handler as workerd does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { root, startServer } from './harness.mjs';
import { EventSource as Plain } from '../../pkg/index.js';

/** workerd's dispatch: `this.on<type>`, if a function, runs first, then the listeners. */
class CallingTarget extends EventTarget {
  dispatchEvent(event) {
    const handler = this[`on${event.type}`];
    if (typeof handler === 'function') handler.call(this, event);
    return super.dispatchEvent(event);
  }
}

/** pkg/edge.js as one file, its `.wasm` import a WebAssembly.Module. */
async function bundleEdge() {
  const outfile = path.join(root, 'target/host-handlers/edge.mjs');
  const compiled = {
    name: 'compiled-wasm',
    setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, (a) => ({ path: path.join(a.resolveDir, a.path), namespace: 'compiled-wasm' }));
      b.onLoad({ filter: /.*/, namespace: 'compiled-wasm' }, (a) => ({
        contents: `export default new WebAssembly.Module(new Uint8Array([${[...readFileSync(a.path)]}]));`,
        loader: 'js',
      }));
    },
  };
  await build({ entryPoints: [path.join(root, 'pkg/edge.js')], bundle: true, format: 'esm', plugins: [compiled], outfile, logLevel: 'warning' });
  return pathToFileURL(outfile).href;
}

/** Evaluates a fresh copy of `url` (a distinct module URL), with `CallingTarget` as EventTarget if `calling`. */
async function load(url, calling) {
  const saved = globalThis.EventTarget;
  if (calling) globalThis.EventTarget = CallingTarget;
  try {
    return (await import(`${url}?${calling ? 'calling' : 'plain'}-host`)).EventSource;
  } finally {
    globalThis.EventTarget = saved;
  }
}

let server;
const builds = {};
before(async () => {
  server = await startServer();
  const edge = await bundleEdge();
  builds['node, npm build'] = Plain;
  builds['node, edge build'] = await load(edge, false);
  builds['calling host, edge build'] = await load(edge, true);
});
after(() => server?.stop());

test('the simulated host calls on<type> itself (the condition under test)', () => {
  const t = new CallingTarget();
  let n = 0;
  t.onx = () => n++;
  t.dispatchEvent(new Event('x'));
  assert.equal(n, 1);
  assert.ok(builds['calling host, edge build'].prototype instanceof CallingTarget);
});

for (const name of ['node, npm build', 'node, edge build', 'calling host, edge build']) {
  test(`${name}: onopen, onmessage and onerror run once per event, between the listeners added before and after`, { timeout: 5000 }, async () => {
    const ES = builds[name];
    const log = [];
    const es = new ES(`${server.origin}/sse/messages?n=2`);
    for (const type of ['open', 'message', 'error']) es.addEventListener(type, (e) => log.push(`before ${type} ${e.data ?? ''}`.trim()));
    const handler = (e) => log.push(`on${e.type} ${e.data ?? ''}`.trim() + (es[`on${e.type}`] === handler ? '' : ' (getter lost it)'));
    es.onopen = es.onmessage = es.onerror = handler;
    for (const type of ['open', 'message', 'error']) es.addEventListener(type, (e) => log.push(`after ${type} ${e.data ?? ''}`.trim()));
    await new Promise((resolve) => es.addEventListener('error', resolve));
    es.close();
    assert.deepEqual(log, [
      'before open',
      'onopen',
      'after open',
      'before message hello 0',
      'onmessage hello 0',
      'after message hello 0',
      'before message hello 1',
      'onmessage hello 1',
      'after message hello 1',
      'before error',
      'onerror',
      'after error',
    ]);
  });

  test(`${name}: events the application dispatches run the handler once; replaced, it keeps its place; null removes it`, () => {
    const ES = builds[name];
    const es = new ES(`${server.origin}/sse/messages?n=1`);
    es.close();
    const log = [];
    es.addEventListener('open', () => log.push('first'));
    es.onopen = () => log.push('old');
    es.addEventListener('open', () => log.push('last'));
    es.onopen = () => log.push('new');
    es.dispatchEvent(new Event('open'));
    es.onopen = null;
    assert.equal(es.onopen, null);
    es.dispatchEvent(new Event('open'));
    // A custom type has no handler attribute: nothing but its listener runs.
    es.addEventListener('ping', () => log.push(`ping ${es.onmessage}`));
    es.dispatchEvent(new Event('ping'));
    assert.deepEqual(log, ['first', 'new', 'last', 'first', 'last', 'ping null']);
  });

  test(`${name}: each source's handler runs for its own events, with the source as this`, () => {
    const ES = builds[name];
    const [a, b] = [new ES(`${server.origin}/sse/messages?n=1`), new ES(`${server.origin}/sse/messages?n=1`)];
    a.close();
    b.close();
    const log = [];
    a.onmessage = function (e) {
      log.push(`a ${this === a} ${e.data}`);
    };
    b.onmessage = function (e) {
      log.push(`b ${this === b} ${e.data}`);
    };
    a.dispatchEvent(new MessageEvent('message', { data: 1 }));
    b.dispatchEvent(new MessageEvent('message', { data: 2 }));
    b.onmessage = null;
    a.dispatchEvent(new MessageEvent('message', { data: 3 }));
    b.dispatchEvent(new MessageEvent('message', { data: 4 }));
    assert.deepEqual(log, ['a true 1', 'b true 2', 'a true 3']);
  });
}

test('on the calling host the workaround is in place; on Node the prototype is as native', () => {
  assert.ok(!Object.hasOwn(Plain.prototype, 'dispatchEvent'));
  assert.ok(!Object.hasOwn(builds['node, edge build'].prototype, 'dispatchEvent'));
  assert.ok(Object.hasOwn(builds['calling host, edge build'].prototype, 'dispatchEvent'));
});
