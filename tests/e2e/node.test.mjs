// The same scenarios in Node.js against the npm build and the script-tag build (no CORS there, so
// those are skipped).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, recordTrace } from './harness.mjs';
import { scenarios, resolveUrl } from './scenarios.mjs';
import { guardProcess } from './guard.mjs';
import { EventSource } from '../../pkg/index.js';

// The script-tag file is a classic script: evaluated for its effect, it leaves the class on the
// global object.
await import('../../pkg/eventsource-wasm.min.js');
const builds = { npm: EventSource, script: globalThis.EventSourceWasm };

let server;
let guard;
let n = 0;
before(async () => {
  guard = guardProcess();
  server = await startServer();
});
afterEach(() => guard.assertClean());
after(() => {
  server?.stop();
  guard?.dispose();
});

for (const [build, Impl] of Object.entries(builds)) {
  for (const s of scenarios) {
    if (s.browserOnly) continue;
    test(`node ${build}: ${s.name}`, async () => {
      const opts = { max: s.max ?? 1, timeout: s.timeout ?? 4000, types: s.types ?? [], init: s.init, self: server.origin, cross: server.crossOrigin };
      const trace = await recordTrace(Impl, resolveUrl(s, server, `node-${++n}`), opts);
      assert.deepEqual(trace, s.expect);
    });
  }
}

test('node: the script-tag build is a different class from the npm build', () => {
  assert.equal(typeof builds.script, 'function');
  assert.notEqual(builds.script, builds.npm);
});

test('node: EventSource.ready settles once the module is ready; it is not enumerable', async () => {
  assert.equal(await EventSource.ready, undefined);
  assert.equal(await builds.script.ready, undefined);
  assert.ok(!Object.keys(EventSource).includes('ready'));
});

test('node: relative URLs need a base, so they throw SyntaxError', () => {
  assert.throws(() => new EventSource('/relative'), { name: 'SyntaxError' });
});

test('node script: without DecompressionStream the source reports why and closes', async () => {
  const saved = globalThis.DecompressionStream;
  const before = globalThis.EventSourceWasm;
  try {
    delete globalThis.DecompressionStream;
    // A fresh copy of the script (a distinct module URL), so its wasm has not been loaded yet.
    await import('../../pkg/eventsource-wasm.min.js?without-decompression');
    const Fresh = globalThis.EventSourceWasm;
    assert.notEqual(Fresh, before);
    const es = new Fresh(`${server.origin}/sse/messages?n=1`);
    const error = await new Promise((resolve) => (es.onerror = resolve));
    assert.equal(es.readyState, Fresh.CLOSED);
    assert.match(error.message, /DecompressionStream/);
    assert.equal(error.willRetry, false);
    await assert.rejects(Fresh.ready, /DecompressionStream/);
  } finally {
    globalThis.DecompressionStream = saved;
    globalThis.EventSourceWasm = before;
  }
});

test('node npm: without DecompressionStream the npm entry loads its uncompressed module (wasm.js)', async () => {
  const saved = globalThis.DecompressionStream;
  try {
    delete globalThis.DecompressionStream;
    // A fresh copy of the entry (a distinct module URL), so its wasm has not been loaded yet.
    const { EventSource: Fresh } = await import('../../pkg/index.js?without-decompression');
    assert.notEqual(Fresh, EventSource);
    const trace = await recordTrace(Fresh, `${server.origin}/sse/messages?n=2&data=x`, { max: 3, self: server.origin });
    assert.deepEqual(trace, ['open@1', 'message@1 "x 0" #"1" self', 'message@1 "x 1" #"2" self']);
  } finally {
    globalThis.DecompressionStream = saved;
  }
});

// Regression: the page listeners' list of live sources held every started source in Node too,
// where there is no page to listen to, so a source dropped without close() was never collected.
test('node: a source dropped without close() is collected', async () => {
  const { execFileSync } = await import('node:child_process');
  const { pathToFileURL } = await import('node:url');
  const index = pathToFileURL(new URL('../../pkg/index.js', import.meta.url).pathname).href;
  const code = `const { EventSource } = await import(${JSON.stringify(index)});
    let collected = 0;
    const registry = new FinalizationRegistry(() => collected++);
    for (let i = 0; i < 20; i++) {
      const es = EventSource.fromReadableStream(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('data: x\\n\\n')); }, pull: () => new Promise(() => {}) }));
      await new Promise((resolve) => (es.onmessage = resolve));
      registry.register(es, 0);
    }
    for (let i = 0; i < 10 && collected < 20; i++) { gc(); await new Promise((r) => setTimeout(r, 20)); }
    console.log(collected);`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30000 });
  assert.equal(Number(out.trim()), 20);
});
