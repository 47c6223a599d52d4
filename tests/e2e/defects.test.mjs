// Issue 29, defects found by reading the code from outside: one regression test per defect, named
// after it, each of which failed before its fix. Where a defect is about matching native, Chromium's
// native EventSource runs beside ours. The cross-origin chaos run (defect 1 under load) is in
// chaos.test.mjs; the shared-mode defects are in shared.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { root, startServer, openGuardedPage } from './harness.mjs';
import { guardProcess, checkedBy } from './guard.mjs';
import { EventSource } from '../../pkg/index.js';

await import('../../pkg/eventsource-wasm.min.js'); // a classic script: sets globalThis.EventSourceWasm
const builds = { npm: EventSource, script: globalThis.EventSourceWasm };
const T = { timeout: 15_000 };

let server;
let flaky;
let browser;
let page;
let pageGuard;
let n = 0;

before(async () => {
  server = await startServer();
  flaky = await startFlakyServer();
  ({ browser, page, guard: pageGuard } = await openGuardedPage(server, 'harness', 'harnessReady'));
});

after(async () => {
  await browser?.close();
  server?.stop();
  flaky?.close();
});

/**
 * What every case body gets besides `ES` (and, in Chromium, `Native`). Serialized into the page
 * with `Function.prototype.toString`, so it must stay self-contained.
 */
function toolkit(ctx) {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  async function until(pred, ms = 4000) {
    const end = Date.now() + ms;
    while (!(await pred())) {
      if (Date.now() > end) return false;
      await sleep(5);
    }
    return true;
  }
  async function log(key) {
    return (await fetch(`${ctx.origin}/log?key=${encodeURIComponent(key)}`)).json();
  }
  /** A stream of `text`'s UTF-8 bytes in one chunk, then closed (`end`) or held open. */
  function stream(text, end) {
    return new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(text));
        if (end) c.close();
      },
    });
  }
  return { ...ctx, sleep, until, log, stream };
}

async function run(env, build, body, ctx) {
  if (env === 'node') return body({ ...toolkit(ctx), ES: builds[build] });
  return page.evaluate(
    ([body, kit, ctx, build]) => {
      const tk = (0, eval)(`(${kit})`)(ctx);
      return (0, eval)(`(${body})`)({ ...tk, ES: build === 'script' ? window.impls.script : window.impls.ours, Native: window.impls.native });
    },
    [body.toString(), toolkit.toString(), ctx, build],
  );
}

const cases = [];
const add = (name, body, check) => cases.push({ name, body, check });

// 2. The last event ID was read through a pointer taken before the call that writes it (and may
// move the output buffer or grow the memory).

add('defect: an id-only block with an id longer than any output so far gives the right lastEventId', async (t) => {
  const id = `${'é'.repeat(600)}z`;
  // The message comes first: when it is dispatched, the id-only block after it has been parsed.
  const es = t.ES.fromReadableStream(t.stream(`data: a\n\nid: ${id}\n\n`, false));
  let got = null;
  es.addEventListener('message', () => (got = es.lastEventId));
  const came = await t.until(() => got !== null);
  es.close();
  return { came, same: got === id, length: got?.length, nuls: got?.split('\0').length - 1, afterClose: es.lastEventId === id };
}, (r) => {
  assert.deepEqual(r, { came: true, same: true, length: 601, nuls: 0, afterClose: true });
});

add('defect: a 200 KB id: the fatal error still ends a for-await loop, and close() does not throw', async (t) => {
  // No maxLineLength by default: the whole line reaches the engine. The output buffer (one for
  // every source of a module) grows to hold the id as it is read: the fatal path first, then a
  // longer id for close().
  const id = 'i'.repeat(200 * 1024);
  // The stream's end fails a stream source: its release reads the id before the error event.
  const ended = t.ES.fromReadableStream(t.stream(`data: a\n\nid: ${id}\n\n`, true));
  const errors = [];
  ended.addEventListener('error', () => errors.push(ended.readyState));
  const seen = [];
  const loop = (async () => {
    for await (const e of ended) seen.push(e.data);
    return 'ended';
  })();
  const how = await Promise.race([loop, t.sleep(3000).then(() => 'still waiting after 3 s')]);
  ended.close();
  const longer = id.repeat(2);
  const held = t.ES.fromReadableStream(t.stream(`data: a\n\nid: ${longer}\n\n`, false));
  let opened = false;
  held.addEventListener('message', () => (opened = true));
  await t.until(() => opened);
  let closeThrew = null;
  try {
    held.close();
  } catch (e) {
    closeThrew = String(e);
  }
  return { how, errors, seen, endedId: ended.lastEventId === id, closeThrew, heldId: held.lastEventId === longer };
}, (r) => {
  assert.deepEqual(r, { how: 'ended', errors: [2], seen: ['a'], endedId: true, closeThrew: null, heldId: true });
});

// 3. lastEventIdQueryParam: false meant a parameter named "false".

add('defect: lastEventIdQueryParam false sends no query param', async (t) => {
  const body = encodeURIComponent('id: 7\nretry: 30\ndata: a\n\n');
  // The second request of a source made with `init`: its query's own part and its Last-Event-ID.
  const second = async (what, init) => {
    const key = `${t.key}-${what}`;
    const es = new t.ES(`${t.origin}/sse/raw?body=${body}&key=${key}`, init);
    let opens = 0;
    es.addEventListener('open', () => opens++);
    await t.until(() => opens >= 2);
    es.close();
    const r = (await t.log(key)).filter((x) => x.method === 'GET')[1];
    return r ? `${r.query.split('&').filter((p) => !/^(body|key)=/.test(p)).join('&') || '-'} ${r.headers['last-event-id'] ?? '-'}` : 'no second request';
  };
  const out = {};
  for (const [what, param] of [['false', false], ['null', null], ['undefined', undefined], ['true', true], ['name', 'since']]) {
    out[what] = await second(what, { lastEventIdQueryParam: param });
  }
  return out;
}, (r) => {
  assert.deepEqual(r, { false: '- 7', null: '- 7', undefined: '- 7', true: 'lastEventId=7 -', name: 'since=7 -' });
});

// 4. A handler that is not callable threw a TypeError on every event.

add('defect: a non-callable handler does nothing per event (ours == native)', async (t) => {
  const impls = { ours: t.ES };
  if (t.Native) impls.native = t.Native;
  const out = {};
  for (const [name, Impl] of Object.entries(impls)) {
    // Two messages, then the end of the stream: an error event (CONNECTING) too.
    const es = new Impl(`${t.origin}/sse/messages?n=2`);
    const handler = {};
    es.onopen = handler;
    es.onmessage = handler;
    es.onerror = handler;
    const seen = [];
    for (const type of ['open', 'message', 'error']) es.addEventListener(type, (e) => seen.push(`${type}@${es.readyState}${e.data ? ` ${e.data}` : ''}`));
    await t.until(() => seen.some((s) => s.startsWith('error')));
    // The error listeners run before the report of a throwing handler would: let it come.
    await t.sleep(50);
    es.close();
    out[name] = { seen, getters: [es.onopen, es.onmessage, es.onerror].map((h) => h === handler) };
  }
  return out;
}, (r) => {
  const expected = { seen: ['open@1', 'message@1 hello 0', 'message@1 hello 1', 'error@0'], getters: [true, true, true] };
  assert.deepEqual(r.ours, expected);
  if (r.native) assert.deepEqual(r.native, expected, 'native');
});

for (const env of ['node', 'chromium']) {
  for (const build of Object.keys(builds)) {
    for (const c of cases) {
      test(`${env} ${build}: ${c.name}`, T, async () => {
        const ctx = { origin: server.origin, key: `defects-${process.pid}-${++n}` };
        const guard = env === 'node' ? guardProcess({ exclusive: true }) : pageGuard;
        await checkedBy(guard, `${env} ${build}`, async () => c.check(await run(env, build, c.body, ctx)));
      });
    }
  }
}

// 1. A reset before the response head from another origin was taken for a CORS failure: the
// no-cors probe got an answer (the server is up) and the source closed for good.

/**
 * A second origin of our own (node:net, 127.0.0.1): per `?key=`, its event-stream requests meet
 * `FLAKY` in turn: a reset inside the response head, a stream; every response allows CORS. Any
 * other request (a probe) is answered and recorded with its Sec-Fetch-Mode and the number of
 * stream requests before it.
 */
const FLAKY = ['reset', 'retry: 50\nid: 1\ndata: a\n\n', 'reset', 'data: b\n\n'];

async function startFlakyServer() {
  const keys = new Map();
  const sockets = new Set();
  const srv = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const [line, ...lines] = head.split('\r\n\r\n')[0].split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const [method, target] = line.split(' ');
      const key = new URL(target, 'http://x').searchParams.get('key');
      const k = keys.get(key) ?? { streams: 0, probes: [], preflights: 0 };
      keys.set(key, k);
      const cors = 'Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Headers: Last-Event-ID\r\nCache-Control: no-store\r\nConnection: close\r\n';
      if (method === 'OPTIONS') {
        k.preflights++;
        return socket.end(`HTTP/1.1 204 No Content\r\n${cors}\r\n`);
      }
      if (!/text\/event-stream/.test(headers.accept ?? '')) {
        k.probes.push(`${headers['sec-fetch-mode']} after ${k.streams}`);
        return socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n${cors}\r\nok\n`);
      }
      const fate = FLAKY[Math.min(k.streams++, FLAKY.length - 1)];
      const status = `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n${cors}\r\n`;
      if (fate === 'reset') {
        socket.write(status.slice(0, 20));
        setTimeout(() => socket.resetAndDestroy(), 5);
      } else if (k.streams < FLAKY.length) socket.end(status + fate);
      else socket.write(status + fate);
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${srv.address().port}`,
    seen: (key) => keys.get(key),
    close() {
      for (const s of sockets) s.destroy();
      srv.close();
    },
  };
}

for (const build of Object.keys(builds)) {
  test(`chromium ${build}: defect: a cross-origin reset before the response head reconnects, with no probe once a response came (ours == native)`, T, async () => {
    const from = pageGuard.mark();
    const keys = { ours: `defects-${process.pid}-${++n}`, native: `defects-${process.pid}-${++n}` };
    const r = await page.evaluate(
      ([origin, keys, build]) => {
        const trace = async (Impl, key) => {
          const es = new Impl(`${origin}/sse?key=${key}`, { retry: { initialDelay: 50, jitter: 0 } });
          const seen = [];
          for (const type of ['open', 'message', 'error']) es.addEventListener(type, (e) => seen.push(`${type}@${es.readyState}${e.data ? ` ${e.data}` : ''}`));
          const end = Date.now() + 8000;
          while (!seen.includes('message@1 b') && es.readyState !== 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
          es.close();
          return seen;
        };
        const ours = build === 'script' ? window.impls.script : window.impls.ours;
        return Promise.all([trace(ours, keys.ours), trace(window.impls.native, keys.native)]);
      },
      [flaky.origin, keys, build],
    );
    const [ours, native] = r;
    const expected = ['error@0', 'open@1', 'message@1 a', 'error@0', 'error@0', 'open@1', 'message@1 b'];
    assert.deepEqual(native, expected, 'native');
    assert.deepEqual(ours, expected, 'ours');
    // Before its first response, the source asks whether the server answers (no-cors) and whether
    // it allows CORS; after it, a failure is the network's and nothing is asked.
    assert.deepEqual(flaky.seen(keys.ours).probes, ['no-cors after 1', 'cors after 1']);
    assert.deepEqual(flaky.seen(keys.native).probes, []);
    await pageGuard.assertClean(`chromium ${build}`, 50, from);
  });
}

// 6. The script-tag build found its own URL in a worker with a regex that stopped at the first
// ".js", so from a path like .../cdn.jsdelivr/... it looked for shared.js in the wrong place.

test('chromium script: defect: a script URL with ".js" before its file name still finds shared.js in a worker', T, async () => {
  const dir = 'target/e2e/cdn.jsdelivr/npm/eventsource-wasm';
  mkdirSync(path.join(root, dir), { recursive: true });
  for (const file of ['eventsource-wasm.min.js', 'shared.js']) cpSync(path.join(root, 'pkg', file), path.join(root, dir, file));
  const key = `defects-${process.pid}-${++n}`;
  const r = await page.evaluate(
    ([script, url]) => {
      // A dedicated worker whose script loads ours with importScripts; two shared sources of the
      // same URL there make one request only if shared.js loaded.
      const code = `
        const warnings = [];
        console.warn = (...args) => warnings.push(args.join(' '));
        importScripts(${JSON.stringify(script)});
        const sources = [0, 1].map(() => new EventSourceWasm(${JSON.stringify(url)}, { shared: true }));
        const seen = sources.map(() => []);
        sources.forEach((es, i) => es.addEventListener('message', (e) => seen[i].push(e.data)));
        const end = Date.now() + 5000;
        (async function wait() {
          while (!seen.every((s) => s.length) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
          const shared = performance.getEntriesByType('resource').map((e) => e.name).filter((name) => name.endsWith('/shared.js'));
          sources.forEach((es) => es.close());
          postMessage({ warnings, seen, shared });
        })();`;
      const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
      return new Promise((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(e.message));
      }).finally(() => worker.terminate());
    },
    [`${server.origin}/${dir}/eventsource-wasm.min.js`, `${server.origin}/sse/messages?n=1&hold=1&key=${key}`],
  );
  assert.deepEqual(r.warnings, [], 'shared.js loaded');
  assert.deepEqual(r.shared, [`${server.origin}/${dir}/shared.js`], 'from beside the script');
  assert.deepEqual(r.seen, [['hello 0'], ['hello 0']]);
  assert.equal((await server.log(key)).filter((x) => x.method === 'GET').length, 1, 'one connection for both');
});
