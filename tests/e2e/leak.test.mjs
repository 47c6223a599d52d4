// Nothing leaks: 1,000 sources opened, given events (or failing, or closed while connecting)
// and closed leave the JS heap and the wasm memory where they were; and wasm memory grown for
// 8 MB events is reused for the next ones, in the same source and in a new one. Node runs in a
// child `node --expose-gc`; Chromium collects garbage and reports its heap over CDP. The wasm
// memory is captured by wrapping `WebAssembly.instantiate` and `instantiateStreaming` before the
// build is loaded (one build per process or page).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { startServer, launchChromium, root } from './harness.mjs';
import { guardPage } from './guard.mjs';

const BUILDS = ['npm', 'script'];
const SOURCES = 1000;
const WARM_UP = 100;
const BATCH = 50;
// JS heap growth allowed over 1,000 sources, measured after repeated full GCs (besides every
// one of them being collected). Measured: Chromium grows 20-60 KB (1.6 MB with the npm build
// before the one-driver rewrite, which kept every source alive); Node grows 0.7-0.9 MB, about
// what Node's own fetch grows by for the same 1,000 requests without any EventSource (0.85 MB:
// undici state and optimized code, settling after a few thousand requests), and grew 4.6 MB with
// that old npm build. So: 0.5 KB a source in Chromium, 2 KB a source in Node.
const HEAP_BOUND = { node: 2 << 20, chromium: 512 << 10 };
const T = { timeout: 60_000 };

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/**
 * Opens `t.total` sources after `t.warm` warm-up ones, `t.batch` at a time, and measures heap and
 * wasm memory before and after (each time after garbage collection). Serialized into pages and
 * the Node child, so it must stay self-contained; `t` brings ES, origin, gc(), heap(), memory().
 */
async function leakProbe(t) {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  // Of every 10: 4 closed while their response is held open, 4 whose response ends right after
  // their two events (closed as it ends, or with a reconnection pending), 1 failing with 404,
  // 1 closed while its request waits for its response.
  const kinds = ['open', 'ended', 'open', 'ended', 'open', 'ended', 'open', 'ended', '404', 'early'];
  // Counts the measured sources the GC has collected: a source something still holds is a leak
  // whatever its size.
  let collected = 0;
  const registry = new FinalizationRegistry((counted) => counted && collected++);
  let counting = false;
  function one(kind, i) {
    return new Promise((resolve, reject) => {
      let es;
      const timer = setTimeout(() => {
        es.close();
        reject(new Error(`source ${i} (${kind}) timed out in readyState ${es.readyState}`));
      }, 10_000);
      const done = () => {
        clearTimeout(timer);
        es.close();
        resolve();
      };
      const register = () => registry.register(es, counting);
      if (kind === '404') {
        es = new t.ES(`${t.origin}/sse/status?code=404`);
        es.onerror = () => es.readyState === 2 && done();
        register();
      } else if (kind === 'early') {
        es = new t.ES(`${t.origin}/sse/messages?n=2&delay=1000`);
        es.onopen = () => reject(new Error(`source ${i} opened before close()`));
        setTimeout(done, 5);
        register();
      } else {
        es = new t.ES(`${t.origin}/sse/messages?n=2${kind === 'open' ? '&hold=1' : ''}`);
        let messages = 0;
        es.onmessage = () => ++messages === 2 && done();
        es.onerror = () => es.readyState === 2 && reject(new Error(`source ${i} (${kind}) failed`));
        register();
      }
    });
  }
  async function open(count) {
    for (let i = 0; i < count; i += t.batch) {
      const batch = [];
      for (let j = i; j < Math.min(i + t.batch, count); j++) batch.push(one(kinds[j % kinds.length], j));
      await Promise.all(batch);
    }
  }
  async function measure() {
    for (let i = 0; i < 5; i++) {
      await sleep(20);
      await t.gc();
    }
    return { heap: await t.heap(), wasm: t.memory() };
  }
  const t0 = Date.now();
  await open(t.warm);
  const start = await measure();
  counting = true;
  await open(t.total);
  const end = await measure();
  return { start, end, collected, ms: Date.now() - t0, instances: t.instances() };
}

/**
 * Receives 8 MB events, two per connection after `retry: 20`, noting the wasm memory after each
 * connection: 2 connections in one source, then 1 in a new source. The stream comes from the
 * `fetch` option, in 64 KB chunks as a network would hand it over: the server's routes cap an
 * event at 1 MB, and uploading it for the echo route takes seconds per connection in Chromium.
 * Same rules as `leakProbe`.
 */
async function hugeProbe(t) {
  const size = 8_000_000;
  const event = `data: ${'x'.repeat(size)}\n\n`;
  const bytes = new TextEncoder().encode(`retry: 20\n${event}${event}`);
  const fetch = () => {
    let at = 0;
    const body = new ReadableStream({
      pull(c) {
        if (at >= bytes.length) return c.close();
        c.enqueue(bytes.slice(at, (at += 65536)));
      },
    });
    return Promise.resolve(new Response(body, { headers: { 'Content-Type': 'text/event-stream' } }));
  };
  const after = [];
  const lengths = [];
  async function source(connections) {
    const es = new t.ES(`${t.origin}/never-fetched`, { fetch });
    await new Promise((resolve, reject) => {
      let ends = 0;
      const timer = setTimeout(() => {
        es.close();
        reject(new Error(`timed out after ${ends} connections and ${lengths.length} events`));
      }, 30_000);
      es.onmessage = (e) => lengths.push(e.data.length);
      es.onerror = () => {
        if (es.readyState === 2) {
          clearTimeout(timer);
          reject(new Error('the source failed'));
          return;
        }
        after.push(t.memory());
        if (++ends === connections) {
          clearTimeout(timer);
          es.close();
          resolve();
        }
      };
    });
  }
  // A small source first, so the wasm is loaded and the baseline is what one source costs.
  const small = new t.ES(`${t.origin}/sse/messages?n=1`);
  await new Promise((resolve) => (small.onmessage = resolve));
  small.close();
  const baseline = t.memory();
  await source(2);
  await source(1);
  return { baseline, after, lengths, size, instances: t.instances() };
}

/**
 * Collects into `instances` every instance the wasm instantiation calls make from now on (each
 * resolves to `{ instance, module }`). Serialized into the Node child and the page.
 */
function captureInstances(instances) {
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    if (typeof original !== 'function') continue;
    WebAssembly[name] = function (...args) {
      const p = original.apply(this, args);
      p.then((r) => instances.push(r.instance ?? r), () => {});
      return p;
    };
  }
}

/** Runs `probe` in a child `node --expose-gc` with one build loaded; returns what it returns. */
function inNode(build, probe, params) {
  const entry = pathToFileURL(path.join(root, build === 'npm' ? 'pkg/index.js' : 'pkg/eventsource-wasm.min.js')).href;
  const code = `
    const escaped = [];
    process.on('unhandledRejection', (e) => escaped.push('unhandledRejection: ' + (e?.stack ?? e)));
    process.on('uncaughtException', (e) => escaped.push('uncaughtException: ' + (e?.stack ?? e)));
    // Node's fetch instantiates its own wasm (llhttp) on first use: get that done first.
    await (await fetch(${JSON.stringify(params.origin + '/sse/status?code=204')})).text();
    const instances = [];
    (${captureInstances.toString()})(instances);
    const mod = await import(${JSON.stringify(entry)});
    const ES = ${build === 'npm' ? 'mod.EventSource' : 'globalThis.EventSourceWasm'};
    const t = {
      ...${JSON.stringify(params)},
      ES,
      gc: async () => globalThis.gc(),
      heap: async () => process.memoryUsage().heapUsed,
      memory: () => instances.reduce((sum, i) => sum + (i.exports.memory?.buffer.byteLength ?? 0), 0),
      instances: () => instances.length,
    };
    let result;
    try {
      result = await (${probe.toString()})(t);
    } catch (e) {
      result = { failed: String(e?.stack ?? e) };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.stdout.write(JSON.stringify({ ...result, escaped }), () => process.exit(0));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill(), 55_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve(JSON.parse(out));
      } catch (e) {
        reject(new Error(`node child: ${e.message}\nstdout: ${out}\nstderr: ${err}`));
      }
    });
  });
}

/** Runs `probe` in a fresh Chromium page with one build loaded; GC and heap over CDP. */
async function inChromium(build, probe, params) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const guard = await guardPage(page);
    await page.addInitScript(`(${captureInstances})(window.wasmInstances = [])`);
    const cdp = await context.newCDPSession(page);
    await page.exposeFunction('leakGc', () => cdp.send('HeapProfiler.collectGarbage'));
    await page.exposeFunction('leakHeap', async () => (await cdp.send('Runtime.getHeapUsage')).usedSize);
    await page.goto(`${server.origin}/tests/e2e/pages/one-build.html?build=${build}`);
    await page.waitForFunction(() => window.oneBuildReady === true);
    const result = await page.evaluate(
      ([probe, params]) => {
        const t = {
          ...params,
          ES: window.OneEventSource,
          gc: () => window.leakGc(),
          heap: () => window.leakHeap(),
          memory: () => window.wasmInstances.reduce((sum, i) => sum + (i.exports.memory?.buffer.byteLength ?? 0), 0),
          instances: () => window.wasmInstances.length,
        };
        return (0, eval)(`(${probe})`)(t).catch((e) => ({ failed: String(e?.stack ?? e) }));
      },
      [probe.toString(), params],
    );
    const escaped = [];
    await guard.assertClean(`chromium ${build}`).catch((e) => escaped.push(e.message));
    return { ...result, escaped };
  } finally {
    await context.close();
  }
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

for (const env of ['node', 'chromium']) {
  for (const build of BUILDS) {
    test(`${env} ${build}: 1,000 sources opened, given events or failing, and closed leave the JS heap and wasm memory flat`, T, async () => {
      const params = { origin: server.origin, total: SOURCES, warm: WARM_UP, batch: BATCH };
      const r = await (env === 'node' ? inNode : inChromium)(build, leakProbe, params);
      assert.equal(r.failed, undefined, `the probe ran to its end (unhandled: ${r.escaped})`);
      const growth = r.end.heap - r.start.heap;
      console.log(
        `leak ${env} ${build}: ${SOURCES} sources in ${r.ms} ms; JS heap ${kb(r.start.heap)} -> ${kb(r.end.heap)} ` +
          `(${growth >= 0 ? '+' : ''}${kb(growth)}, ${(growth / SOURCES).toFixed(0)} B/source); ` +
          `wasm memory ${kb(r.start.wasm)} -> ${kb(r.end.wasm)}; ${r.collected} of ${SOURCES} sources collected`,
      );
      assert.deepEqual(r.escaped, [], 'no unhandled rejection or uncaught exception');
      assert.equal(r.instances, 1, 'the build instantiated its wasm once (WebAssembly.instantiate or instantiateStreaming)');
      assert.equal(r.collected, SOURCES, 'every closed source was garbage-collected');
      assert.ok(growth < HEAP_BOUND[env], `JS heap grew ${kb(growth)} over ${SOURCES} sources (bound ${kb(HEAP_BOUND[env])})`);
      assert.equal(r.end.wasm, r.start.wasm, 'wasm memory unchanged');
    });
  }
}

for (const env of ['node', 'chromium']) {
  for (const build of BUILDS) {
    test(`${env} ${build}: wasm memory grown for 8 MB events is reused for the next ones, in the same source and a new one`, T, async () => {
      const r = await (env === 'node' ? inNode : inChromium)(build, hugeProbe, { origin: server.origin });
      assert.equal(r.failed, undefined, `the probe ran to its end (unhandled: ${r.escaped})`);
      console.log(`huge ${env} ${build}: wasm memory ${kb(r.baseline)} -> after each connection ${r.after.map(kb).join(', ')}`);
      assert.deepEqual(r.escaped, [], 'no unhandled rejection or uncaught exception');
      assert.equal(r.instances, 1, 'the build instantiated its wasm once (WebAssembly.instantiate or instantiateStreaming)');
      assert.deepEqual(r.lengths, Array(6).fill(r.size), 'six whole 8 MB events');
      assert.ok(r.after[0] > r.baseline, 'the first 8 MB events grew the memory');
      assert.deepEqual(r.after, Array(3).fill(r.after[0]), 'no growth after the first connection (same source, then a new one)');
    });
  }
}
