// Issue 7, the drop-in details: the things a page, worker or Node program notices when it swaps
// the native EventSource for ours. Each test is named after the item it checks. Where Chromium's
// native EventSource follows the spec we compare with it (ours == native); where it does not
// (charset, URL parsing) we assert the spec and say so in the name.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchChromium, closedPort } from './harness.mjs';
import { guardProcess, guardPage } from './guard.mjs';
import { EventSource as NodeEventSource } from '../../pkg/index.js';
import './pages/workers/dropin-probes.js';

const probes = globalThis.dropinProbes;
const T = { timeout: 10_000 };
const PAGE = '/tests/e2e/pages/dropin.html';
const CLASSIC = '/tests/e2e/pages/workers/dropin-classic.js';
const FORCED = `${CLASSIC}?force=1`;
const MODULE = '/tests/e2e/pages/workers/dropin-module.js';
// From /tests/e2e/pages/workers/x.js, four levels up is the server root.
const FROM_WORKER = '../../../../sse/messages?n=1&hold=1';
const NON_HTTP = ['ftp://example.test/', 'about:blank', 'mailto:a@b.test', 'javascript:alert(1)'];
// Each is rejected by the URL Standard's host parser (space, '%' after decoding, unclosed IPv6).
const INVALID = ['http://this is invalid/', 'http://exa mple.com/', 'http://a%zz/', 'http://[::1/'];
const IDS = ['…', '🎉', 'é', '…🎉é'];

let server;
let browser;
let page;
let nodeGuard;
let pageGuard;
let n = 0;
const key = () => `dropin-${process.pid}-${++n}`;
const enc = encodeURIComponent;
const hex = (s) => Buffer.from(s, 'utf8').toString('hex');

const ev = (type, readyState) => ({ type, readyState, kind: 'Event', hasData: false });
const msg = (data, lastEventId, origin) => ({
  type: 'message',
  readyState: 1,
  kind: 'MessageEvent',
  hasData: true,
  data,
  origin,
  lastEventId,
});

before(async () => {
  nodeGuard = guardProcess();
  server = await startServer();
  browser = await launchChromium();
  page = await browser.newPage();
  pageGuard = await guardPage(page);
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(server.origin + PAGE);
  await page.waitForFunction(() => window.dropinReady === true, null, { timeout: 10_000 });
});

afterEach(async () => {
  await nodeGuard.assertClean('node');
  await pageGuard.assertClean('chromium');
});

after(async () => {
  await browser?.close();
  server?.stop();
  nodeGuard?.dispose();
});

/** Runs probe `name` in the page with impl 'ours' or 'native'. */
function inPage(impl, name, args = {}) {
  return page.evaluate(([impl, name, args]) => window.dropinProbes[name](window.impls[impl], args), [impl, name, args]);
}

/** Runs probe `name` in a worker (kind: dedicated | module | shared | service) with impl `impl`. */
async function inWorker(kind, script, impl, name, args = {}) {
  const r = await page.evaluate(([k, s, m]) => window.inWorker(k, s, m), [kind, script, { probe: name, impl, args }]);
  if (r && r.probeError) throw new Error(`${kind} worker probe failed: ${r.probeError}`);
  return r;
}

const info = (kind, script) => inWorker(kind, script, '', 'info');

async function gets(k) {
  return (await server.log(k)).filter((r) => r.method === 'GET');
}


const FAST_RETRY = { retry: { initialDelay: 50, multiplier: 1, jitter: 0 } };

// ---------------------------------------------------------------------------------------------
// 1. URLs that are not http(s): the constructor succeeds, then one plain error, CLOSED, no retry.

function assertNonHttpFailure(r, url, where) {
  assert.equal(r.threw, undefined, `${where}: constructing with ${url} must not throw`);
  assert.equal(r.readyStateAfterCtor, 0, `${where}: ${url} starts CONNECTING`);
  assert.deepEqual(r.events, [ev('error', 2)], `${where}: ${url} gives exactly one plain error event, CLOSED, nothing in 300 ms after`);
  assert.equal(r.finalReadyState, 2);
}

for (const url of NON_HTTP) {
  test(`1 page: non-http URL ${url} fails after construction with one plain error, CLOSED, no retry (ours == native)`, T, async () => {
    const args = { url, settle: 300, timeout: 3000 };
    const [ours, native] = await Promise.all([inPage('ours', 'trace', args), inPage('native', 'trace', args)]);
    assertNonHttpFailure(native, url, 'native');
    assertNonHttpFailure(ours, url, 'ours');
    assert.equal(ours.url, native.url, 'url serialized like native');
  });
}

for (const [kind, script] of [
  ['dedicated', CLASSIC],
  ['shared', CLASSIC],
  ['service', CLASSIC],
]) {
  test(`1 ${kind} worker: non-http URLs fail after construction with one plain error, CLOSED, no retry`, T, async () => {
    const runs = NON_HTTP.map((url) => ({ url, settle: 300, timeout: 3000 }));
    const results = await inWorker(kind, script, 'wasm', 'traceAll', { runs });
    results.forEach((r, i) => assertNonHttpFailure(r, NON_HTTP[i], `${kind} worker`));
  });
}

// ---------------------------------------------------------------------------------------------
// 2. Workers: dedicated, shared and service worker scopes; relative URLs against the worker's
// location; no document or window needed. Each opens, gets one message, and closes.

function assertOpensAndCloses(r, where) {
  assert.equal(r.threw, undefined, `${where}: constructor threw ${JSON.stringify(r.threw)}`);
  assert.equal(r.url, `${server.origin}/sse/messages?n=1&hold=1`, `${where}: relative URL resolved against the worker's location`);
  assert.deepEqual(r.events, [ev('open', 1), msg('hello 0', '1', server.origin)], `${where}: open then the message`);
  assert.equal(r.readyStateAfterClose, 2, `${where}: close() makes it CLOSED`);
  assert.equal(r.timedOut, false, `${where}: timed out`);
}

const OPEN_CLOSE = { url: FROM_WORKER, max: 3, closeAfter: 2, settle: 100, timeout: 4000 };

const workerCases = [
  // [test name, kind, script, impl, scope checks]
  ['dedicated worker, importScripts, self.EventSourceWasm', 'dedicated', CLASSIC, 'wasm', (i) => assert.equal(i.scope, 'DedicatedWorkerGlobalScope')],
  ['dedicated worker, importScripts, plain EventSource (native kept without force)', 'dedicated', CLASSIC, 'global', (i) => assert.equal(i.globalIsNative, true, 'without force the native EventSource stays')],
  ['dedicated worker, EVENTSOURCE_WASM_FORCE then importScripts: EventSource === EventSourceWasm', 'dedicated', FORCED, 'global', (i) => assert.equal(i.globalIsWasm, true, 'forced: EventSource must be EventSourceWasm')],
  ['module worker, import { EventSource } from /pkg/index.js', 'module', MODULE, 'wasm', (i) => {
    assert.equal(i.scope, 'DedicatedWorkerGlobalScope');
    assert.equal(i.globalUntouched, true, 'the ESM entry must not install itself');
  }],
  ['shared worker, importScripts, self.EventSourceWasm', 'shared', CLASSIC, 'wasm', (i) => assert.equal(i.scope, 'SharedWorkerGlobalScope')],
  ['shared worker, importScripts, plain EventSource (native kept without force)', 'shared', CLASSIC, 'global', (i) => assert.equal(i.globalIsNative, true)],
  ['shared worker, EVENTSOURCE_WASM_FORCE then importScripts: EventSource === EventSourceWasm', 'shared', FORCED, 'global', (i) => assert.equal(i.globalIsWasm, true)],
  ['service worker, importScripts, self.EventSourceWasm', 'service', CLASSIC, 'wasm', (i) => assert.equal(i.scope, 'ServiceWorkerGlobalScope')],
  // Chromium 156 exposes a native EventSource in service workers too, so the same three variants.
  ['service worker, importScripts, plain EventSource (native kept without force)', 'service', CLASSIC, 'global', (i) => assert.equal(i.globalIsNative, true)],
  ['service worker, EVENTSOURCE_WASM_FORCE then importScripts: EventSource === EventSourceWasm', 'service', FORCED, 'global', (i) => {
    assert.equal(i.scope, 'ServiceWorkerGlobalScope');
    assert.equal(i.globalIsWasm, true);
  }],
];

for (const [name, kind, script, impl, checkScope] of workerCases) {
  test(`2 ${name}: opens, receives data/origin/lastEventId, closes`, T, async () => {
    const i = await info(kind, script);
    assert.equal(i.hasDocument, false, 'no document in a worker');
    assert.equal(i.hasWindow, false, 'no window in a worker');
    assert.equal(i.wasmExists, true, 'the class was loaded');
    assert.equal(i.location, server.origin + script, 'the worker runs the script asked for');
    checkScope(i);
    assertOpensAndCloses(await inWorker(kind, script, impl, 'trace', OPEN_CLOSE), `${kind} ${impl}`);
  });
}

// ---------------------------------------------------------------------------------------------
// 3. A CORS failure fails the connection (no retry); a network error reconnects.

async function corsFailure(makeUrl, init) {
  const kO = key();
  const kN = key();
  const args = (k) => ({ url: makeUrl(k), init, settle: 500, timeout: 4000 });
  const [ours, native] = await Promise.all([inPage('ours', 'trace', args(kO)), inPage('native', 'trace', args(kN))]);
  assert.deepEqual(native.events, [ev('error', 2)], 'native: one error, CLOSED');
  assert.deepEqual(ours.events, [ev('error', 2)], 'ours: one error, CLOSED, nothing in the 500 ms after');
  const [gO, gN] = [await gets(kO), await gets(kN)];
  assert.equal(gN.length, 1, 'native makes exactly one GET');
  // fetch() rejects a CORS failure and a network error alike; ours tells them apart with two
  // probes, a `no-cors` GET (does the server answer?) and a plain CORS GET (does it allow this
  // origin?) (README, "Differences from native"). The source's request itself is never retried.
  assert.deepEqual(
    gO.map((r) => r.headers['sec-fetch-mode']),
    ['cors', 'no-cors', 'cors'],
    'ours: exactly one request, then the two probes, then nothing',
  );
}

test('3 page: cross-origin without CORS headers fails: error, CLOSED, no retry (ours == native)', T, async () => {
  await corsFailure((k) => `${server.crossOrigin}/sse/messages?n=1&acao=none&key=${k}`);
});

test('3 page: 307 redirect to a cross-origin URL without CORS fails: error, CLOSED, no retry (ours == native)', T, async () => {
  await corsFailure((k) => `${server.origin}/sse/redirect?code=307&to=${enc(`${server.crossOrigin}/sse/messages?n=1&acao=none&key=${k}`)}`);
});

test('3 page: withCredentials with Access-Control-Allow-Origin * fails: error, CLOSED, no retry (ours == native)', T, async () => {
  await corsFailure((k) => `${server.crossOrigin}/sse/messages?n=1&acao=*&key=${k}`, { withCredentials: true });
});

test('3 dedicated worker: cross-origin without CORS headers fails: error, CLOSED, no retry', T, async () => {
  const k = key();
  const r = await inWorker('dedicated', CLASSIC, 'wasm', 'trace', {
    url: `${server.crossOrigin}/sse/messages?n=1&acao=none&key=${k}`,
    settle: 500,
    timeout: 4000,
  });
  assert.deepEqual(r.events, [ev('error', 2)]);
  assert.deepEqual((await gets(k)).map((x) => x.headers['sec-fetch-mode']), ['cors', 'no-cors', 'cors'], 'one request and the two probes, no retry');
});

test('3 page: unreachable server (cross-origin, closed port) is a network error: error with CONNECTING, then a retry', T, async () => {
  const port = await closedPort();
  const url = `http://127.0.0.1:${port}/sse/messages?n=1`;
  const [ours, native] = await Promise.all([
    inPage('ours', 'trace', { url, init: FAST_RETRY, max: 3, timeout: 3000 }),
    inPage('native', 'trace', { url, max: 1, timeout: 3000 }),
  ]);
  assert.deepEqual(native.events, [ev('error', 0)], 'native: a network error reconnects');
  assert.deepEqual(ours.events, [ev('error', 0), ev('error', 0), ev('error', 0)], 'ours: error with CONNECTING, retried (3 attempts within 3 s at 50 ms)');
});

for (const [where, origin] of [
  ['cross-origin, ACAO *', () => server.crossOrigin],
  ['same-origin', () => server.origin],
]) {
  test(`3 page: connection reset mid-stream (${where}) is a network error: error with CONNECTING, then reconnects`, T, async () => {
    const url = `${origin()}/sse/reset?after=24&acao=*`;
    const o = origin();
    const [ours, native] = await Promise.all([
      inPage('ours', 'trace', { url, init: FAST_RETRY, max: 6, timeout: 3000 }),
      inPage('native', 'trace', { url, max: 4, timeout: 3000 }),
    ]);
    const first = [ev('open', 1), msg('x', '', o), msg('x', '', o), ev('error', 0)];
    assert.deepEqual(native.events, first, 'native: messages, then error with CONNECTING');
    assert.deepEqual(ours.events, [...first, ev('open', 1), msg('x', '', o)], 'ours: the same, then it reconnects');
  });
}

// ---------------------------------------------------------------------------------------------
// 4. The charset parameter is ignored: always UTF-8 (spec; native Chromium fails the connection).

const CHARSET_URL = () =>
  `${server.origin}/sse/raw?body=${enc('data: €…\n\n')}&ct=${enc('text/event-stream;charset=windows-1252')}&hold=1`;

test('4 page: charset=windows-1252 is ignored and the body decoded as UTF-8 (spec; native Chromium errors instead)', T, async () => {
  const args = { url: CHARSET_URL(), max: 2, timeout: 3000 };
  const [ours, native] = await Promise.all([inPage('ours', 'trace', args), inPage('native', 'trace', args)]);
  assert.deepEqual(ours.events, [ev('open', 1), msg('€…', '', server.origin)]);
  assert.notDeepEqual(native.events, ours.events, 'native Chromium was expected to reject charset=windows-1252; if it no longer does, compare with it');
});

test('4 dedicated worker: charset=windows-1252 is ignored and the body decoded as UTF-8 (spec)', T, async () => {
  const r = await inWorker('dedicated', CLASSIC, 'wasm', 'trace', { url: CHARSET_URL(), max: 2, timeout: 3000 });
  assert.deepEqual(r.events, [ev('open', 1), msg('€…', '', server.origin)]);
});

// ---------------------------------------------------------------------------------------------
// 5. URL parsing: what the URL Standard rejects throws a SyntaxError DOMException (code 12),
// valid URLs keep working and serialize as the standard says.

function assertSyntaxErrors(results, where) {
  results.forEach((r, i) => {
    assert.ok(r.threw, `${where}: ${INVALID[i]} must throw (the URL Standard rejects it)`);
    assert.equal(r.threw.name, 'SyntaxError', `${where}: ${INVALID[i]}`);
    assert.equal(r.threw.code, 12, `${where}: ${INVALID[i]}: DOMException.SYNTAX_ERR`);
    assert.equal(r.threw.isDOMException, true, `${where}: ${INVALID[i]} is a DOMException`);
  });
}

const invalidArgs = { args: INVALID.map((value) => ({ arg: { kind: 'string', value } })) };

test('5 page: URLs the URL Standard rejects throw SyntaxError DOMException code 12 (spec; native Chromium accepts a space in the host)', T, async () => {
  assertSyntaxErrors(await inPage('ours', 'constructAll', invalidArgs), 'page');
  const native = await inPage('native', 'constructAll', invalidArgs);
  assert.equal(native[0].threw, undefined, 'native Chromium was expected to accept "http://this is invalid/"; if it now throws, compare with it');
});

for (const kind of ['dedicated', 'shared']) {
  test(`5 ${kind} worker: URLs the URL Standard rejects throw SyntaxError DOMException code 12 (spec)`, T, async () => {
    assertSyntaxErrors(await inWorker(kind, CLASSIC, 'wasm', 'constructAll', invalidArgs), kind);
  });
}

test('5 page: valid URLs serialize like native: IDN to punycode, IPv6, default port, query, fragment', T, async () => {
  const cases = [
    ['http://élève.test/', 'http://xn--lve-6lad.test/'],
    ['http://[::1]:8080/x', 'http://[::1]:8080/x'],
    ['http://[0:0::1]/x', 'http://[::1]/x'],
    ['HTTP://127.0.0.1:80/a/../b', 'http://127.0.0.1/b'],
    ['http://127.0.0.1:8081/x?q=%20é', 'http://127.0.0.1:8081/x?q=%20%C3%A9'],
    ['http://127.0.0.1:8081/x#frag ment', 'http://127.0.0.1:8081/x#frag%20ment'],
  ];
  const args = { args: cases.map(([value]) => ({ arg: { kind: 'string', value } })) };
  const [ours, native] = await Promise.all([inPage('ours', 'constructAll', args), inPage('native', 'constructAll', args)]);
  cases.forEach(([input, expected], i) => {
    assert.deepEqual(ours[i], { url: expected, readyState: 0 }, `ours: ${input}`);
    assert.equal(ours[i].url, native[i].url, `ours == native: ${input}`);
  });
});

test('5 page: URL with port, query and fragment connects; url keeps the fragment (ours == native)', T, async () => {
  const url = `${server.origin}/sse/messages?n=1&hold=1#frag`;
  const args = { url, max: 2, timeout: 3000 };
  const [ours, native] = await Promise.all([inPage('ours', 'trace', args), inPage('native', 'trace', args)]);
  assert.equal(ours.url, url);
  assert.equal(ours.url, native.url);
  assert.deepEqual(ours.events, [ev('open', 1), msg('hello 0', '1', server.origin)]);
  assert.deepEqual(ours.events, native.events);
});

test('5 page: URL with userinfo keeps it in url and still connects (spec; fetch() rejects such URLs, so the request must go without them; native Chromium fails)', T, async () => {
  const url = `http://user:pw@127.0.0.1:${server.port}/sse/messages?n=1&hold=1`;
  const args = { url, max: 2, timeout: 3000 };
  const [ours, native] = await Promise.all([inPage('ours', 'trace', args), inPage('native', 'trace', args)]);
  assert.equal(ours.url, url, 'url keeps the userinfo');
  assert.equal(ours.url, native.url, 'like native');
  // The Fetch Standard only rejects credentials in fetch()'s Request constructor, not in the
  // request EventSource makes, so the spec connects. Native Chromium 156 fails it (error, CLOSED).
  assert.deepEqual(ours.events, [ev('open', 1), msg('hello 0', '1', server.origin)], 'ours connects');
  assert.deepEqual(native.events, [ev('error', 2)], 'native Chromium was expected to fail userinfo URLs; if it now connects, compare with it');
});

test('5 page: new EventSource("") has the document URL as url (ours == native)', T, async () => {
  const args = { args: [{ arg: { kind: 'string', value: '' } }] };
  const [ours, native] = await Promise.all([inPage('ours', 'constructAll', args), inPage('native', 'constructAll', args)]);
  assert.deepEqual(ours, [{ url: server.origin + PAGE, readyState: 0 }]);
  assert.deepEqual(ours, native);
});

for (const [kind, script] of [
  ['dedicated', FORCED],
  ['shared', FORCED],
  ['module', MODULE],
  ['service', CLASSIC],
]) {
  test(`5 ${kind} worker: new EventSource("") has the worker's location as url`, T, async () => {
    const r = await inWorker(kind, script, 'wasm', 'constructAll', { args: [{ arg: { kind: 'string', value: '' } }] });
    assert.deepEqual(r, [{ url: server.origin + script, readyState: 0 }]);
  });
}

// ---------------------------------------------------------------------------------------------
// 6. Last-Event-ID: any Unicode id goes out as its UTF-8 bytes, and survives the reconnection.

for (const id of IDS) {
  test(`6 page: Last-Event-ID ${id} is sent as its UTF-8 bytes (${hex(id)}) and persists across the reconnect (ours == native)`, T, async () => {
    const body = `retry: 50\ndata: first\n\nid: ${id}\ndata: x\n\n`;
    const kO = key();
    const kN = key();
    const args = (k) => ({ url: `${server.origin}/sse/raw?body=${enc(body)}&key=${k}`, max: 6, timeout: 3000 });
    const [ours, native] = await Promise.all([inPage('ours', 'trace', args(kO)), inPage('native', 'trace', args(kN))]);
    const o = server.origin;
    const expected = [ev('open', 1), msg('first', '', o), msg('x', id, o), ev('error', 0), ev('open', 1), msg('first', id, o)];
    assert.deepEqual(native.events, expected, 'native');
    assert.deepEqual(ours.events, expected, 'ours: the id round-trips exactly into the next connection');
    for (const [who, k] of [['native', kN], ['ours', kO]]) {
      const reqs = await gets(k);
      assert.ok(reqs.length >= 2, `${who}: reconnected`);
      assert.equal(reqs[0].headers_hex['last-event-id'], undefined, `${who}: no Last-Event-ID on the first request`);
      assert.equal(reqs[1].headers_hex['last-event-id'], hex(id), `${who}: Last-Event-ID bytes on the reconnect`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// 7. Events and the class look native.

test('7 page: open, message and error events have the same shape as native (plain Event / MessageEvent, no bubbling, source null, ports [])', T, async () => {
  const args = { url: `${server.origin}/sse/messages?n=1` };
  const [ours, native] = await Promise.all([inPage('ours', 'shape', args), inPage('native', 'shape', args)]);
  assert.equal(ours.timedOut, undefined, 'ours got open, message and error');
  for (const t of ['open', 'error']) {
    assert.equal(ours[t].kind, 'Event', `${t} is a plain Event`);
    assert.equal(ours[t].protoIsEvent, true, `${t}: Object.getPrototypeOf(e) === Event.prototype`);
    assert.equal(ours[t].hasData, false, `${t}: 'data' in e is false`);
  }
  assert.equal(ours.message.instanceofMessageEvent, true);
  assert.equal(ours.message.sourceIsNull, true, 'source is null');
  assert.equal(ours.message.portsIsArray && ours.message.portsLength === 0, true, 'ports is an empty array');
  for (const t of ['open', 'message', 'error']) {
    assert.equal(ours[t].bubbles, false, `${t} does not bubble`);
    assert.equal(ours[t].cancelable, false, `${t} is not cancelable`);
    // isTrusted is the one documented difference (item 8).
    assert.deepEqual({ ...ours[t], isTrusted: null }, { ...native[t], isTrusted: null }, `${t}: ours == native`);
  }
});

test("7 iframe: events from the iframe's own copy of the script-tag build are the iframe's MessageEvent and Event", T, async () => {
  const url = `${server.origin}/sse/messages?n=1`;
  const r = await page.evaluate(async (url) => {
    const frame = document.createElement('iframe');
    frame.src = '/tests/e2e/pages/iframe-dropin.html';
    await new Promise((resolve) => {
      frame.onload = resolve;
      document.body.append(frame);
    });
    const w = frame.contentWindow;
    try {
      return await new Promise((resolve) => {
        const es = new w.EventSourceWasm(url);
        const out = { forced: w.EventSource === w.EventSourceWasm, notPageClass: w.EventSourceWasm !== window.impls.ours };
        es.onopen = (e) => {
          out.openIsFrameEvent = e.constructor === w.Event && Object.getPrototypeOf(e) === w.Event.prototype;
        };
        es.onmessage = (e) => {
          out.messageIsFrameMessageEvent = e.constructor === w.MessageEvent;
          out.messageIsNotPageMessageEvent = e.constructor !== window.MessageEvent;
          out.instanceofFrame = e instanceof w.MessageEvent;
        };
        es.onerror = (e) => {
          out.errorIsFrameEvent = e.constructor === w.Event;
          es.close();
          resolve(out);
        };
        setTimeout(() => resolve({ ...out, timedOut: true }), 4000);
      });
    } finally {
      frame.remove();
    }
  }, url);
  assert.deepEqual(r, {
    forced: true,
    notPageClass: true,
    openIsFrameEvent: true,
    messageIsFrameMessageEvent: true,
    messageIsNotPageMessageEvent: true,
    instanceofFrame: true,
    errorIsFrameEvent: true,
  });
});

test("7 iframe: a relative URL resolves against the iframe document's base URL, not the caller's (ours == native)", T, async () => {
  const r = await page.evaluate(async () => {
    const frame = document.createElement('iframe');
    frame.src = '/tests/e2e/pages/iframe-dropin.html';
    await new Promise((resolve) => {
      frame.onload = resolve;
      document.body.append(frame);
    });
    const w = frame.contentWindow;
    const urlOf = (Impl) => {
      const es = new Impl('messages?n=1&hold=1');
      es.close();
      return es.url;
    };
    const out = { ours: urlOf(w.EventSourceWasm), native: urlOf(w.NativeEventSource) };
    frame.remove();
    return out;
  });
  assert.equal(r.ours, `${server.origin}/sse/messages?n=1&hold=1`);
  assert.equal(r.ours, r.native);
});

test('7 page: the constructor stringifies non-string URLs like native (1, null, undefined, object with toString)', T, async () => {
  const args = {
    args: [
      { arg: { kind: 'number', value: 1 } },
      { arg: { kind: 'null' } },
      { arg: { kind: 'undefined' } },
      { arg: { kind: 'object', value: '/sse/messages?n=1&from=toString' } },
      { arg: { kind: 'number', value: 1.5 } },
      { arg: { kind: 'boolean', value: false } },
    ],
  };
  const [ours, native] = await Promise.all([inPage('ours', 'constructAll', args), inPage('native', 'constructAll', args)]);
  const base = `${server.origin}/tests/e2e/pages/`;
  assert.deepEqual(
    ours.map((r) => r.url),
    [`${base}1`, `${base}null`, `${base}undefined`, `${server.origin}/sse/messages?n=1&from=toString`, `${base}1.5`, `${base}false`],
  );
  assert.deepEqual(ours, native);
});

test('7 page: zero arguments and a call without new throw TypeError (ours == native)', T, async () => {
  const args = {
    args: [
      { arg: { kind: 'none' } },
      { arg: { kind: 'string', value: '/sse/messages' }, call: true },
    ],
  };
  const [ours, native] = await Promise.all([inPage('ours', 'constructAll', args), inPage('native', 'constructAll', args)]);
  for (const [i, what] of ['zero arguments', 'call without new'].entries()) {
    assert.equal(ours[i].threw?.isTypeError, true, `ours: ${what} throws TypeError`);
    assert.equal(native[i].threw?.isTypeError, true, `native: ${what} throws TypeError`);
  }
});

test('7 page: IDL shape matches native: length 1, constants on class and prototype, [object EventSource], accessors, brand checks', T, async () => {
  const [ours, native] = await Promise.all([inPage('ours', 'idl'), inPage('native', 'idl')]);
  assert.equal(ours.length, 1, 'EventSource.length === 1');
  assert.equal(ours.toStringTag, '[object EventSource]');
  assert.deepEqual(ours.constants.CLOSED, {
    onClass: 2,
    onProto: 2,
    classDesc: { enumerable: true, configurable: false, writable: false },
    protoDesc: { enumerable: true, configurable: false, writable: false },
  });
  assert.deepEqual(ours, native);
});

test('7 dedicated worker: IDL shape of the script-tag build matches the native class in the same worker', T, async () => {
  const [ours, native] = await Promise.all([
    inWorker('dedicated', CLASSIC, 'wasm', 'idl'),
    inWorker('dedicated', CLASSIC, 'native', 'idl'),
  ]);
  assert.deepEqual(ours, native);
});

test('7 page: onopen/onmessage/onerror are settable, replaceable, null-able, and run in the same order relative to addEventListener as native', T, async () => {
  const args = { url: `${server.origin}/sse/messages?n=4&hold=1` };
  const [ours, native] = await Promise.all([inPage('ours', 'handlers', args), inPage('native', 'handlers', args)]);
  assert.equal(native.timedOut, undefined, 'native saw four messages');
  assert.deepEqual(native.order, [
    'open:A', 'open:H', 'open:B',
    '0:A', '0:H1', '0:B',
    '1:A', '1:H2', '1:B',
    '2:A', '2:B', '2:H3',
    '3:A', '3:B',
  ], 'native order (as the HTML event handler rules say)');
  assert.deepEqual(ours, native);
});

test('7 page: microtasks a listener queues run before the next event, and nothing comes after close(), as native', T, async () => {
  const args = { url: `${server.origin}/sse/messages?n=6&hold=1` };
  const [ours, native] = await Promise.all([inPage('ours', 'microtasks', args), inPage('native', 'microtasks', args)]);
  const each = (i) => [`${i}`, `${i}:micro`, `${i}:then`, `${i}:await`];
  assert.deepEqual(native, { order: ['open', 'open:micro', ...each(0), ...each(1), ...each(2), ...each(3)] }, 'native order');
  assert.deepEqual(ours, native);
});

// ---------------------------------------------------------------------------------------------
// 8. Documented limit: our events are synthetic, so isTrusted is false (README says so).

test('8 page: documented limit: our open and message events have isTrusted false (native: true)', T, async () => {
  const args = { url: `${server.origin}/sse/messages?n=1&hold=1` };
  const [ours, native] = await Promise.all([inPage('ours', 'trusted', args), inPage('native', 'trusted', args)]);
  assert.deepEqual(ours, { open: false, message: false });
  assert.deepEqual(native, { open: true, message: true }, 'native events are trusted');
});

// ---------------------------------------------------------------------------------------------
// Node: the items that apply without a browser (no CORS, no document or worker base URL).

test('node 1: non-http URLs fail after construction with one plain error, CLOSED, no retry', T, async () => {
  const results = await probes.traceAll(NodeEventSource, { runs: NON_HTTP.map((url) => ({ url, settle: 300, timeout: 3000 })) });
  results.forEach((r, i) => assertNonHttpFailure(r, NON_HTTP[i], 'node'));
});

test('node 3: unreachable server is a network error: error with CONNECTING, then a retry', T, async () => {
  const port = await closedPort();
  const r = await probes.trace(NodeEventSource, { url: `http://127.0.0.1:${port}/`, init: FAST_RETRY, max: 3, timeout: 3000 });
  assert.deepEqual(r.events, [ev('error', 0), ev('error', 0), ev('error', 0)]);
});

test('node 3: connection reset mid-stream is a network error: error with CONNECTING, then reconnects', T, async () => {
  const r = await probes.trace(NodeEventSource, { url: `${server.origin}/sse/reset?after=24`, init: FAST_RETRY, max: 6, timeout: 3000 });
  const o = server.origin;
  assert.deepEqual(r.events, [ev('open', 1), msg('x', '', o), msg('x', '', o), ev('error', 0), ev('open', 1), msg('x', '', o)]);
});

test('node 4: charset=windows-1252 is ignored and the body decoded as UTF-8', T, async () => {
  const r = await probes.trace(NodeEventSource, { url: CHARSET_URL(), max: 2, timeout: 3000 });
  assert.deepEqual(r.events, [ev('open', 1), msg('€…', '', server.origin)]);
});

test('node 5: URLs the URL Standard rejects throw SyntaxError DOMException code 12', T, () => {
  assertSyntaxErrors(probes.constructAll(NodeEventSource, invalidArgs), 'node');
});

test('node 5: valid URLs serialize as the URL Standard says (IDN, IPv6, userinfo, fragment, object toString)', T, () => {
  const r = probes.constructAll(NodeEventSource, {
    args: [
      { arg: { kind: 'string', value: 'http://élève.test/' } },
      { arg: { kind: 'string', value: 'http://[::1]:8080/x' } },
      { arg: { kind: 'string', value: 'http://user:pw@127.0.0.1:8081/x?q#f' } },
      { arg: { kind: 'object', value: 'http://127.0.0.1:8081/obj' } },
    ],
  });
  assert.deepEqual(
    r.map((x) => x.url),
    ['http://xn--lve-6lad.test/', 'http://[::1]:8080/x', 'http://user:pw@127.0.0.1:8081/x?q#f', 'http://127.0.0.1:8081/obj'],
  );
});

for (const id of IDS) {
  test(`node 6: Last-Event-ID ${id} is sent as its UTF-8 bytes (${hex(id)}) and persists across the reconnect`, T, async () => {
    const k = key();
    const body = `retry: 50\ndata: first\n\nid: ${id}\ndata: x\n\n`;
    const r = await probes.trace(NodeEventSource, { url: `${server.origin}/sse/raw?body=${enc(body)}&key=${k}`, max: 6, timeout: 3000 });
    const o = server.origin;
    assert.deepEqual(r.events, [ev('open', 1), msg('first', '', o), msg('x', id, o), ev('error', 0), ev('open', 1), msg('first', id, o)]);
    const reqs = await gets(k);
    assert.equal(reqs[0].headers_hex['last-event-id'], undefined);
    assert.equal(reqs[1].headers_hex['last-event-id'], hex(id));
  });
}

test('node 7: events are a plain Event (open, error) and a MessageEvent (message), not bubbling, not cancelable, source null, ports []', T, async () => {
  const r = await probes.shape(NodeEventSource, { url: `${server.origin}/sse/messages?n=1` });
  for (const t of ['open', 'error']) {
    assert.equal(r[t].protoIsEvent, true, `${t}: plain Event`);
    assert.equal(r[t].hasData, false, `${t}: no data`);
  }
  assert.equal(r.message.instanceofMessageEvent, true);
  assert.equal(r.message.sourceIsNull, true);
  assert.equal(r.message.portsIsArray && r.message.portsLength === 0, true);
  for (const t of ['open', 'message', 'error']) {
    assert.equal(r[t].bubbles, false);
    assert.equal(r[t].cancelable, false);
    assert.equal(r[t].thisIsSource, true, `${t}: handler this is the source`);
  }
});

test('node 7: IDL shape: length 1, constants on class and prototype, [object EventSource], no-new and zero-args TypeError', T, () => {
  const r = probes.idl(NodeEventSource);
  assert.equal(r.length, 1);
  assert.equal(r.toStringTag, '[object EventSource]');
  assert.equal(r.constants.OPEN.onClass, 1);
  assert.equal(r.constants.OPEN.onProto, 1);
  const [none, call] = probes.constructAll(NodeEventSource, {
    args: [{ arg: { kind: 'none' } }, { arg: { kind: 'string', value: 'http://127.0.0.1:1/' }, call: true }],
  });
  assert.equal(none.threw?.isTypeError, true);
  assert.equal(call.threw?.isTypeError, true);
});
