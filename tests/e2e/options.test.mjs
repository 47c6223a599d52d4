// The options native EventSource lacks (issue 5), end to end: every case runs the same body in
// headless Chromium (a page importing /pkg/index.js) and in Node (../../pkg/index.js), each also
// with the script-tag build (pkg/eventsource-wasm.min.js), against the local server, and asserts
// here on the plain result it returns.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openGuardedPage, closedPort } from './harness.mjs';
import { guardProcess } from './guard.mjs';
import { EventSource } from '../../pkg/index.js';

await import('../../pkg/eventsource-wasm.min.js'); // a classic script: sets globalThis.EventSourceWasm
const ScriptEventSource = globalThis.EventSourceWasm;

let server;
let browser;
let page;
let closedUrl;
let nodeGuard;
let pageGuard;
let n = 0;


before(async () => {
  nodeGuard = guardProcess();
  server = await startServer();
  closedUrl = `http://127.0.0.1:${await closedPort()}/`;
  ({ browser, page, guard: pageGuard } = await openGuardedPage(server, 'options', 'optionsReady'));
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

/**
 * What every case body gets besides `ES` (the class): the context plus small helpers. Serialized
 * into the page with `Function.prototype.toString`, so it must stay self-contained.
 */
function toolkit(ctx) {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const now = () => performance.now();
  /** Polls `pred` every 10 ms; false if it never held within `ms`. */
  async function until(pred, ms = 4000) {
    const end = now() + ms;
    while (!(await pred())) {
      if (now() > end) return false;
      await sleep(10);
    }
    return true;
  }
  /** The requests the server recorded under `key`. */
  async function log(key = ctx.key) {
    const res = await fetch(`${ctx.origin}/log?key=${encodeURIComponent(key)}`);
    return res.json();
  }
  /** Records every event `es` fires as a plain object, with ms since recording began. */
  function record(es, types = []) {
    const out = [];
    const t0 = now();
    const rec = (e) => {
      const r = { type: e.type, rs: es.readyState, t: Math.round(now() - t0) };
      if ('data' in e) Object.assign(r, { data: e.data, id: e.lastEventId });
      if (e.type === 'error') Object.assign(r, { code: e.code, willRetry: e.willRetry, message: e.message });
      out.push(r);
    };
    for (const type of ['open', 'message', 'error', ...types]) es.addEventListener(type, rec);
    return out;
  }
  const q = (s) => encodeURIComponent(s);
  const headersOf = (reqs, name) => reqs.map((r) => r.headers[name]);
  return { ...ctx, sleep, now, until, log, record, q, headersOf };
}

async function run(env, build, body, ctx) {
  if (env === 'node') return body({ ...toolkit(ctx), ES: build === 'script' ? ScriptEventSource : EventSource });
  return page.evaluate(
    ([body, kit, ctx, build]) => {
      const tk = (0, eval)(`(${kit})`)(ctx);
      return (0, eval)(`(${body})`)({ ...tk, ES: build === 'script' ? window.EventSourceWasm : window.OptionsEventSource });
    },
    [body.toString(), toolkit.toString(), ctx, build],
  );
}

/** One header of each logged request (names are lower case). */
const headersOf = (reqs, name) => reqs.map((r) => r.headers[name]);
const gaps = (times) => times.slice(1).map((t, i) => t - times[i]);

/** Each delay within [d * 0.8 - 30, d * 1.2 + 150] ms (jitter 0.2 plus scheduling slack). */
function assertDelays(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} delays (${actual})`);
  actual.forEach((a, i) => {
    const d = expected[i];
    assert.ok(a >= d * 0.8 - 30 && a <= d * 1.2 + 150, `${what}: delay ${i + 1} is ${a} ms, expected ~${d} (all: ${actual})`);
  });
}

const cases = [];
const add = (name, body, check, opts = {}) => cases.push({ name, body, check, ...opts });

// 1. headers: object, Headers, function(attempt); sent on every (re)connection.

const resumeWithHeaders = async (t) => {
  const attempts = [];
  const headers = {
    object: { 'X-Token': 'abc', Authorization: 'Bearer t0k' },
    Headers: new Headers([['X-Token', 'abc'], ['Authorization', 'Bearer t0k']]),
    function: (attempt) => {
      attempts.push(attempt);
      const h = { 'X-Token': 'abc', Authorization: 'Bearer t0k', 'X-Attempt': String(attempt) };
      return attempt % 2 ? h : new Headers(h);
    },
  }[t.kind];
  const es = new t.ES(`${t.origin}/sse/resume?per_conn=1&total=3&retry=30&key=${t.key}`, { headers });
  const events = t.record(es);
  try {
    await t.until(() => es.readyState === 2);
  } finally {
    es.close();
  }
  return { events: events.map((e) => `${e.type}@${e.rs}${e.data ? ` ${e.data}` : ''}${e.code ? ` ${e.code}` : ''}`), reqs: await t.log(), attempts };
};
for (const kind of ['object', 'Headers', 'function']) {
  add(`headers as ${kind} are sent on every (re)connection`, resumeWithHeaders, (r) => {
    assert.deepEqual(r.events, [
      'open@1', 'message@1 event 1', 'error@0',
      'open@1', 'message@1 event 2', 'error@0',
      'open@1', 'message@1 event 3', 'error@0',
      'error@2 204',
    ]);
    assert.equal(r.reqs.length, 4);
    assert.deepEqual(headersOf(r.reqs, 'x-token'), ['abc', 'abc', 'abc', 'abc']);
    assert.deepEqual(headersOf(r.reqs, 'authorization'), Array(4).fill('Bearer t0k'));
    assert.deepEqual(headersOf(r.reqs, 'accept'), Array(4).fill('text/event-stream'));
    assert.deepEqual(headersOf(r.reqs, 'last-event-id'), [undefined, '1', '2', '3']);
    if (r.attempts.length) {
      assert.deepEqual(r.attempts, [1, 2, 3, 4]);
      assert.deepEqual(headersOf(r.reqs, 'x-attempt'), ['1', '2', '3', '4']);
    }
    assert.equal(r.attempts.length, kind === 'function' ? 4 : 0);
  }, { params: { kind } });
}

// 2. method and body; invalid options throw at construction.

add('POST with a JSON body, resent on reconnection', async (t) => {
  const es = new t.ES(`${t.origin}/sse/echo?key=${t.key}`, {
    method: 'POST',
    body: JSON.stringify({ hello: 'world' }),
    headers: { 'Content-Type': 'application/json' },
    retry: { initialDelay: 30 },
  });
  const events = t.record(es);
  try {
    await t.until(() => events.filter((e) => e.type === 'message').length >= 2);
  } finally {
    es.close();
  }
  const seen = events.filter((e) => e.type === 'message').map((e) => JSON.parse(e.data));
  return { seen: seen.map((s) => ({ method: s.method, body: s.body, ct: s.headers['content-type'] })), logged: (await t.log()).length };
}, (r) => {
  const one = { method: 'POST', body: '{"hello":"world"}', ct: 'application/json' };
  assert.deepEqual(r.seen, [one, one]);
  assert.ok(r.logged >= 2);
});

add('invalid method, body with GET and invalid headers throw TypeError at construction', async (t) => {
  const url = `${t.origin}/sse/echo?key=${t.key}`;
  const inits = {
    'body, default GET': { body: 'x' },
    'body with GET': { method: 'GET', body: '{}' },
    'body with HEAD': { method: 'HEAD', body: '{}' },
    'bad method': { method: 'bad method' },
    CONNECT: { method: 'CONNECT' },
    'connect (any case)': { method: 'connect' },
    'TRACE': { method: 'TRACE' },
    'header value with LF': { headers: { 'X-A': 'a\nb' } },
    'header value with CR': { headers: { 'X-A': 'a\rb' } },
    'header name with space': { headers: { 'Bad Name': 'x' } },
    'Headers-like pairs with bad name': { headers: [['Bad:Name', 'x']] },
  };
  const out = {};
  for (const [what, init] of Object.entries(inits)) {
    try {
      const es = new t.ES(url, init);
      es.close();
      out[what] = 'constructed';
    } catch (e) {
      out[what] = { name: e.name, isTypeError: e instanceof TypeError, message: e.message };
    }
  }
  await t.sleep(200);
  return { out, logged: (await t.log()).length };
}, (r) => {
  const option = { 'body, default GET': 'body', 'body with GET': 'body', 'body with HEAD': 'body' };
  for (const [what, res] of Object.entries(r.out)) {
    assert.equal(typeof res, 'object', `${what}: ${res}`);
    assert.equal(res.name, 'TypeError', what);
    assert.ok(res.isTypeError, what);
    const name = option[what] ?? (what.startsWith('header') || what.startsWith('Headers') ? 'headers' : 'method');
    assert.match(res.message, new RegExp(`option '${name}'`), `${what}: ${res.message}`);
  }
  assert.equal(r.logged, 0, 'no request is made');
});

// 3. custom fetch.

add('custom fetch is called with (url, init) and its response is used', async (t) => {
  const calls = [];
  const url = `${t.origin}/sse/messages?n=2&hold=1&key=${t.key}`;
  const es = new t.ES(url, {
    lastEventId: '5',
    fetch: (u, init) => {
      const h = new Headers(init.headers);
      calls.push({ url: u, method: init.method, accept: h.get('accept'), lastEventId: h.get('last-event-id'), signal: typeof init.signal?.aborted === 'boolean' });
      return fetch(u, init);
    },
  });
  const events = t.record(es);
  try {
    await t.until(() => events.filter((e) => e.type === 'message').length >= 2);
  } finally {
    es.close();
  }
  // A response the server never sent: only the custom fetch can have produced it.
  let synthCalls = 0;
  const es2 = new t.ES(t.closedUrl, {
    retry: { initialDelay: 2000 },
    fetch: async () => {
      synthCalls++;
      return new Response('retry: 2000\ndata: synthetic\n\n', { headers: { 'Content-Type': 'text/event-stream' } });
    },
  });
  const events2 = t.record(es2);
  try {
    await t.until(() => events2.some((e) => e.type === 'error'));
    await t.sleep(100);
  } finally {
    es2.close();
  }
  return {
    calls, url, logged: (await t.log()).length,
    messages: events.filter((e) => e.type === 'message').map((e) => e.data),
    events2: events2.map((e) => `${e.type}@${e.rs}${e.data ? ` ${e.data}` : ''}`), synthCalls,
  };
}, (r) => {
  assert.deepEqual(r.calls, [{ url: r.url, method: 'GET', accept: 'text/event-stream', lastEventId: '5', signal: true }]);
  assert.equal(r.logged, 1);
  assert.deepEqual(r.messages, ['hello 0', 'hello 1']);
  assert.deepEqual(r.events2, ['open@1', 'message@1 synthetic', 'error@0']);
  assert.equal(r.synthCalls, 1);
});

// Regressions: a custom fetch returning a plain Response used to throw inside wasm (`then is not
// a function`), leaving the source stuck and close() throwing; a synchronous throw closed the
// source while a rejection retried; a headers function returning a Promise sent no headers.
add('custom fetch may return a plain value or throw; an async headers function fails clearly', async (t) => {
  const plain = new t.ES(t.closedUrl, {
    retry: { initialDelay: 2000 },
    fetch: () => new Response('data: plain\n\n', { headers: { 'Content-Type': 'text/event-stream' } }),
  });
  let throws = 0;
  const thrower = new t.ES(t.closedUrl, {
    retry: { initialDelay: 50, jitter: 0 },
    maxRetries: 1,
    fetch: () => {
      throws++;
      throw new TypeError('thrown synchronously');
    },
  });
  const asyncHeaders = new t.ES(t.closedUrl, { headers: async () => ({ Authorization: 'x' }), fetch: () => new Response('') });
  const all = [plain, thrower, asyncHeaders];
  const events = all.map((es) => t.record(es));
  let closeError = null;
  try {
    await t.until(() => events[0].some((e) => e.type === 'error') && thrower.readyState === 2 && asyncHeaders.readyState === 2);
  } finally {
    for (const es of all) {
      try {
        es.close();
      } catch (e) {
        closeError = String(e);
      }
    }
  }
  const fmt = (e) => `${e.type}@${e.rs}${e.data ? ` ${e.data}` : ''}${e.type === 'error' ? ` ${e.willRetry}` : ''}`;
  return { plain: events[0].map(fmt), thrower: events[1].map(fmt), throws, asyncHeaders: events[2].map((e) => `${fmt(e)} ${e.message}`), closeError };
}, (r) => {
  assert.deepEqual(r.plain, ['open@1', 'message@1 plain', 'error@0 true']);
  assert.deepEqual(r.thrower, ['error@0 true', 'error@2 false']);
  assert.equal(r.throws, 2);
  assert.equal(r.asyncHeaders.length, 1);
  assert.match(r.asyncHeaders[0], /^error@2 false .*'headers' function must return headers, not a Promise/);
  assert.equal(r.closeError, null);
});

// 4. lastEventId.

add('lastEventId is sent as Last-Event-ID on the first request', async (t) => {
  const es = new t.ES(`${t.origin}/sse/echo?hold=1&key=${t.key}`, { lastEventId: '42' });
  const events = t.record(es);
  try {
    await t.until(() => events.some((e) => e.type === 'message'));
  } finally {
    es.close();
  }
  const m = events.find((e) => e.type === 'message');
  const resume = new t.ES(`${t.origin}/sse/resume?per_conn=5&total=4&key=${t.key}-resume`, { lastEventId: '2' });
  const resumed = t.record(resume);
  try {
    await t.until(() => resume.readyState === 2);
  } finally {
    resume.close();
  }
  return {
    echoed: m && JSON.parse(m.data).headers['last-event-id'],
    eventId: m?.id,
    logged: t.headersOf(await t.log(), 'last-event-id'),
    resumed: resumed.filter((e) => e.type === 'message').map((e) => `${e.id}:${e.data}`),
    resumeLog: t.headersOf(await t.log(`${t.key}-resume`), 'last-event-id'),
  };
}, (r) => {
  assert.equal(r.echoed, '42');
  assert.equal(r.eventId, '42', 'an event without id: carries the initial last event ID');
  assert.deepEqual(r.logged, ['42']);
  assert.deepEqual(r.resumed, ['3:event 3', '4:event 4']);
  assert.deepEqual(r.resumeLog, ['2', '4']);
});

// 5. backoff.

const BACKOFF = { initialDelay: 100, multiplier: 2, maxDelay: 800, jitter: 0.2 };

add('backoff between failed attempts (retryOnStatus 503, server timing)', async (t) => {
  const es = new t.ES(`${t.origin}/sse/status?code=503&key=${t.key}`, { retry: t.BACKOFF, retryOnStatus: [503], maxRetries: 5 });
  const events = t.record(es);
  try {
    await t.until(() => es.readyState === 2, 5000);
  } finally {
    es.close();
  }
  return { times: (await t.log()).map((r) => r.t_ms), errors: events.map((e) => `${e.type}@${e.rs} ${e.code} ${e.willRetry}`) };
}, (r) => {
  assert.deepEqual(r.errors, [...Array(5).fill('error@0 503 true'), 'error@2 503 false']);
  assertDelays(gaps(r.times), [100, 200, 400, 800, 800], 'server-side gaps');
});

add('backoff between network errors (closed port, client timing)', async (t) => {
  const es = new t.ES(t.closedUrl, { retry: t.BACKOFF, maxRetries: 5 });
  const events = t.record(es);
  try {
    await t.until(() => es.readyState === 2, 5000);
  } finally {
    es.close();
  }
  return { times: events.map((e) => e.t), errors: events.map((e) => `${e.type}@${e.rs} ${e.code} ${e.willRetry}`) };
}, (r) => {
  assert.deepEqual(r.errors, [...Array(5).fill('error@0 undefined true'), 'error@2 undefined false']);
  assertDelays(gaps(r.times), [100, 200, 400, 800, 800], 'error event gaps');
});

add('backoff resets after a success; a server retry: sets the base', async (t) => {
  const calls = [];
  // Attempts 1-3 fail, 4 streams `retry: 300` and ends, 5 and 6 fail.
  const es = new t.ES(`${t.origin}/never-fetched`, {
    retry: { initialDelay: 100, multiplier: 2, maxDelay: 5000, jitter: 0 },
    fetch: async () => {
      calls.push(t.now());
      if (calls.length === 4) return new Response('retry: 300\ndata: ok\n\n', { headers: { 'Content-Type': 'text/event-stream' } });
      throw new TypeError('simulated network error');
    },
  });
  const events = t.record(es);
  try {
    await t.until(() => calls.length >= 6, 4000);
  } finally {
    es.close();
  }
  return { gaps: calls.slice(1).map((c, i) => Math.round(c - calls[i])), events: events.map((e) => `${e.type}@${e.rs}`) };
}, (r) => {
  assert.equal(r.gaps.length, 5, `gaps ${r.gaps}`);
  [100, 200, 400, 300, 600].forEach((d, i) => {
    assert.ok(r.gaps[i] >= d - 15 && r.gaps[i] <= d + 150, `gap ${i + 1} is ${r.gaps[i]}, expected ${d} (all: ${r.gaps})`);
  });
  assert.deepEqual(r.events.slice(0, 6), ['error@0', 'error@0', 'error@0', 'open@1', 'message@1', 'error@0']);
});

// 6. maxRetries.

const giveUp = async (t) => {
  const url = t.network ? t.closedUrl : `${t.origin}/sse/status?code=503&key=${t.key}`;
  const es = new t.ES(url, { retry: { initialDelay: 50, jitter: 0 }, retryOnStatus: [503], maxRetries: 2 });
  const events = t.record(es);
  try {
    await t.until(() => es.readyState === 2, 4000);
    await t.sleep(300);
  } finally {
    es.close();
  }
  return { events: events.map((e) => `${e.type}@${e.rs} ${e.code} ${e.willRetry}`), logged: (await t.log()).length };
};
add('maxRetries: 2 gives up after 3 attempts (503)', giveUp, (r) => {
  assert.deepEqual(r.events, ['error@0 503 true', 'error@0 503 true', 'error@2 503 false']);
  assert.equal(r.logged, 3);
}, { params: { network: false } });
add('maxRetries: 2 gives up after 3 attempts (network error)', giveUp, (r) => {
  assert.deepEqual(r.events, ['error@0 undefined true', 'error@0 undefined true', 'error@2 undefined false']);
}, { params: { network: true } });

// 7. retryOnStatus and Retry-After.

add('retryOnStatus honours Retry-After; other statuses fail at once', async (t) => {
  const es = new t.ES(`${t.origin}/sse/status?code=503&retry_after=1&key=${t.key}`, {
    retry: { initialDelay: 50, jitter: 0 }, retryOnStatus: [503], maxRetries: 1,
  });
  const events = t.record(es);
  try {
    await t.until(() => es.readyState === 2, 4000);
  } finally {
    es.close();
  }
  const es404 = new t.ES(`${t.origin}/sse/status?code=404&key=${t.key}-404`, { retry: { initialDelay: 50 }, retryOnStatus: [503] });
  const events404 = t.record(es404);
  try {
    await t.until(() => es404.readyState === 2, 4000);
    await t.sleep(300);
  } finally {
    es404.close();
  }
  const fmt = (e) => `${e.type}@${e.rs} ${e.code} ${e.willRetry}`;
  return {
    times: (await t.log()).map((r) => r.t_ms), events: events.map(fmt),
    events404: events404.map(fmt), logged404: (await t.log(`${t.key}-404`)).length,
  };
}, (r) => {
  assert.deepEqual(r.events, ['error@0 503 true', 'error@2 503 false']);
  assert.equal(r.times.length, 2);
  const gap = r.times[1] - r.times[0];
  assert.ok(gap >= 980 && gap <= 1600, `Retry-After: 1 waited ${gap} ms`);
  assert.deepEqual(r.events404, ['error@2 404 false']);
  assert.equal(r.logged404, 1);
});

add('Retry-After as an HTTP-date waits until that time', async (t) => {
  // Whole seconds: a date 3 s ahead is 2 to 3 s away.
  const date = new Date(Date.now() + 3000).toUTCString();
  const es = new t.ES(`${t.origin}/sse/status?code=503&retry_after=${t.q(date)}&key=${t.key}`, {
    retry: { initialDelay: 50, jitter: 0 }, retryOnStatus: [503], maxRetries: 1,
  });
  try {
    await t.until(() => es.readyState === 2, 6000);
  } finally {
    es.close();
  }
  return { times: (await t.log()).map((r) => r.t_ms) };
}, (r) => {
  assert.equal(r.times.length, 2);
  const gap = r.times[1] - r.times[0];
  assert.ok(gap >= 1900 && gap <= 3600, `Retry-After: <date 3 s ahead> waited ${gap} ms`);
});

// 8. inactivityTimeout.

add('inactivityTimeout drops a silent stream and resumes with Last-Event-ID', async (t) => {
  const es = new t.ES(`${t.origin}/sse/raw?body=${t.q('id: 1\ndata: a\n\n')}&hold=1&key=${t.key}`, {
    inactivityTimeout: 300, retry: { initialDelay: 50, jitter: 0 },
  });
  const events = t.record(es);
  try {
    await t.until(() => events.filter((e) => e.type === 'message').length >= 2, 4000);
  } finally {
    es.close();
  }
  const reqs = await t.log();
  return {
    events: events.map((e) => `${e.type}@${e.rs}${e.data ? ` ${e.data}#${e.id}` : ''}${e.type === 'error' ? ` ${e.code} ${e.willRetry}` : ''}`),
    silence: events[2] && events[1] ? events[2].t - events[1].t : -1,
    lastEventIds: t.headersOf(reqs, 'last-event-id'),
    gap: reqs.length >= 2 ? reqs[1].t_ms - reqs[0].t_ms : -1,
  };
}, (r) => {
  assert.deepEqual(r.events, ['open@1', 'message@1 a#1', 'error@0 undefined true', 'open@1', 'message@1 a#1']);
  assert.ok(r.silence >= 280 && r.silence <= 700, `error after ${r.silence} ms of silence`);
  assert.deepEqual(r.lastEventIds, [undefined, '1']);
  assert.ok(r.gap >= 330 && r.gap <= 900, `reconnected ${r.gap} ms after the first request`);
});

add('inactivityTimeout: comments keep the connection alive', async (t) => {
  // One event, then a comment every 150 ms until 750 ms, then silence.
  const body = `data: a\n\n${':\n'.repeat(5)}`;
  const es = new t.ES(`${t.origin}/sse/raw?body=${t.q(body)}&split=9,11,13,15,17&gap=150&hold=1&key=${t.key}`, {
    inactivityTimeout: 300, retry: { initialDelay: 3000 },
  });
  const events = t.record(es);
  let loggedAtError = -1;
  try {
    await t.until(() => events.some((e) => e.type === 'error'), 4000);
    loggedAtError = (await t.log()).length;
  } finally {
    es.close();
  }
  const open = events.find((e) => e.type === 'open');
  const error = events.find((e) => e.type === 'error');
  return { events: events.map((e) => `${e.type}@${e.rs}`), alive: open && error ? error.t - open.t : -1, loggedAtError };
}, (r) => {
  assert.deepEqual(r.events, ['open@1', 'message@1', 'error@0']);
  assert.ok(r.alive >= 950 && r.alive <= 1700, `dropped ${r.alive} ms after open (comments until 750, timeout 300)`);
  assert.equal(r.loggedAtError, 1);
});

add('inactivityTimeout also bounds the wait for the response head', async (t) => {
  const es = new t.ES(`${t.origin}/sse/echo?delay=2000&key=${t.key}`, { inactivityTimeout: 300, maxRetries: 0 });
  const events = t.record(es);
  try {
    await t.until(() => es.readyState === 2, 4000);
  } finally {
    es.close();
  }
  return events.map((e) => ({ e: `${e.type}@${e.rs} ${e.code} ${e.willRetry}`, t: e.t }));
}, (r) => {
  assert.deepEqual(r.map((x) => x.e), ['error@2 undefined false']);
  assert.ok(r[0].t >= 280 && r[0].t <= 900, `gave up after ${r[0].t} ms`);
});

// 9. async iteration.

add('for await yields every event type in order; break closes', async (t) => {
  const body = 'data: a\n\nevent: foo\ndata: b\n\nid: 7\ndata: c\n\nevent: bar\ndata: d\n\n';
  const es = new t.ES(`${t.origin}/sse/raw?body=${t.q(body)}&hold=1`);
  const guard = setTimeout(() => es.close(), 4000);
  const got = [];
  for await (const ev of es) {
    got.push({ type: ev.type, data: ev.data, id: ev.lastEventId, isMessageEvent: ev instanceof MessageEvent });
    if (got.length === 4) break;
  }
  clearTimeout(guard);
  return { got, rs: es.readyState };
}, (r) => {
  assert.deepEqual(r.got, [
    { type: 'message', data: 'a', id: '', isMessageEvent: true },
    { type: 'foo', data: 'b', id: '', isMessageEvent: true },
    { type: 'message', data: 'c', id: '7', isMessageEvent: true },
    { type: 'bar', data: 'd', id: '7', isMessageEvent: true },
  ]);
  assert.equal(r.rs, 2);
});

add('async iterator ends when close() is called from outside or the source fails', async (t) => {
  const es = new t.ES(`${t.origin}/sse/messages?n=1&hold=1`);
  const guard = setTimeout(() => es.close(), 4000);
  const it = es[Symbol.asyncIterator]();
  const first = await it.next();
  const pending = it.next();
  const t0 = t.now();
  setTimeout(() => es.close(), 50);
  const second = await pending;
  const elapsed = t.now() - t0;
  const third = await it.next();
  clearTimeout(guard);
  // A fatal error (404) also ends a waiting iterator.
  const failing = new t.ES(`${t.origin}/sse/status?code=404`);
  const guard2 = setTimeout(() => failing.close(), 4000);
  const got = [];
  for await (const ev of failing) got.push(ev.type);
  clearTimeout(guard2);
  return {
    first: { done: first.done, data: first.value?.data }, second, third, elapsed: Math.round(elapsed),
    failed: { got, rs: failing.readyState },
  };
}, (r) => {
  assert.deepEqual(r.first, { done: false, data: 'hello 0' });
  assert.deepEqual(r.second, { value: undefined, done: true });
  assert.deepEqual(r.third, { value: undefined, done: true });
  assert.ok(r.elapsed >= 40 && r.elapsed < 1000, `pending next() resolved after ${r.elapsed} ms`);
  assert.deepEqual(r.failed, { got: [], rs: 2 });
});

// 10. online.

add('an online event reconnects every waiting source at once', async (t) => {
  const hasGlobalEvents = typeof globalThis.addEventListener === 'function' && typeof globalThis.dispatchEvent === 'function';
  const options = { retry: { initialDelay: 10000 }, retryOnStatus: [503] };
  const es = new t.ES(`${t.origin}/sse/status?code=503&key=${t.key}`, options);
  // A second source (the page's listeners serve every source) and one closed before.
  const other = new t.ES(`${t.origin}/sse/status?code=503&key=${t.key}-other`, options);
  const closed = new t.ES(`${t.origin}/sse/status?code=503&key=${t.key}-closed`, options);
  const events = t.record(es);
  const otherEvents = t.record(other);
  let afterClose = -1;
  try {
    await t.until(() => events.length >= 1 && otherEvents.length >= 1, 4000);
    await t.until(async () => (await t.log(`${t.key}-closed`)).length >= 1, 2000);
    closed.close();
    await t.sleep(200);
    if (hasGlobalEvents) {
      globalThis.dispatchEvent(new Event('online'));
      await t.until(async () => (await t.log()).length >= 2 && (await t.log(`${t.key}-other`)).length >= 2, 2000);
      await t.until(() => events.length >= 2, 1000);
    } else {
      await t.sleep(300);
    }
  } finally {
    es.close();
    other.close();
  }
  if (hasGlobalEvents) {
    // Once closed, online does nothing.
    globalThis.dispatchEvent(new Event('online'));
    await t.sleep(200);
    afterClose = (await t.log()).length;
  }
  return {
    hasGlobalEvents, times: (await t.log()).map((r) => r.t_ms), afterClose,
    other: (await t.log(`${t.key}-other`)).length, closed: (await t.log(`${t.key}-closed`)).length,
    events: events.map((e) => `${e.type}@${e.rs} ${e.code} ${e.willRetry}`), rs: es.readyState,
  };
}, (r, env) => {
  if (env === 'chromium') {
    assert.equal(r.hasGlobalEvents, true);
    assert.equal(r.times.length, 2);
    const gap = r.times[1] - r.times[0];
    assert.ok(gap >= 150 && gap < 1500, `reconnected ${gap} ms after the failure (initialDelay 10 s)`);
    assert.deepEqual(r.events, ['error@0 503 true', 'error@0 503 true']);
    assert.equal(r.afterClose, 2);
    assert.equal(r.other, 2, 'the other waiting source reconnected too');
  } else {
    assert.equal(r.hasGlobalEvents, typeof globalThis.addEventListener === 'function');
    if (!r.hasGlobalEvents) {
      assert.equal(r.times.length, 1, 'waits for its 10 s delay');
      assert.deepEqual(r.events, ['error@0 503 true']);
    }
  }
  assert.equal(r.closed, 1, 'a closed source stays closed');
  assert.equal(r.rs, 2);
});

// 11. error event fields.

add('error events carry read-only code, message and willRetry; no data', async (t) => {
  const inspect = (e, es) => {
    const own = {};
    for (const k of ['code', 'message', 'willRetry']) {
      const d = Object.getOwnPropertyDescriptor(e, k);
      own[k] = d ? { writable: d.writable ?? 'accessor', hasSetter: !!d.set } : 'missing';
    }
    const before = { code: e.code, message: e.message, willRetry: e.willRetry };
    let threw = 0;
    for (const [k, v] of [['code', 1], ['message', 'changed'], ['willRetry', !e.willRetry]]) {
      try {
        e[k] = v;
      } catch {
        threw++;
      }
    }
    const afterAssign = { code: e.code, message: e.message, willRetry: e.willRetry };
    return {
      rs: es.readyState, ...before, messageType: typeof e.message, messageLength: e.message.length,
      unchanged: JSON.stringify(before) === JSON.stringify(afterAssign), threwOrIgnored: threw === 0 || threw === 3,
      own, hasCode: 'code' in e, hasData: 'data' in e, plainEvent: Object.getPrototypeOf(e) === Event.prototype,
      isMessageEvent: e instanceof MessageEvent, type: e.type,
    };
  };
  const seen = [];
  const es = new t.ES(`${t.origin}/sse/status?code=404`);
  es.onerror = (e) => seen.push(inspect(e, es));
  const net = new t.ES(t.closedUrl, { retry: { initialDelay: 50 }, maxRetries: 1 });
  net.onerror = (e) => seen.push(inspect(e, net));
  try {
    await t.until(() => es.readyState === 2 && net.readyState === 2, 4000);
  } finally {
    es.close();
    net.close();
  }
  return seen.sort((a, b) => String(a.code).localeCompare(String(b.code)) || Number(b.willRetry) - Number(a.willRetry));
}, (r) => {
  assert.equal(r.length, 3);
  const [http, retrying, final] = r;
  const common = {
    messageType: 'string', unchanged: true, threwOrIgnored: true, hasCode: true, hasData: false,
    plainEvent: true, isMessageEvent: false, type: 'error',
    own: { code: { writable: false, hasSetter: false }, message: { writable: false, hasSetter: false }, willRetry: { writable: false, hasSetter: false } },
  };
  for (const e of r) {
    const { rs, code, message, willRetry, messageLength, ...rest } = e;
    assert.deepEqual(rest, common);
    assert.ok(messageLength > 0, `message: ${message}`);
  }
  assert.deepEqual([http.rs, http.code, http.willRetry], [2, 404, false]);
  assert.deepEqual([retrying.rs, retrying.code, retrying.willRetry], [0, undefined, true]);
  assert.deepEqual([final.rs, final.code, final.willRetry], [2, undefined, false]);
});

// 12. lastEventIdQueryParam: the id travels in the query, so a cross-origin reconnection needs no
// CORS preflight (the Last-Event-ID header needs one from fetch()).

add('lastEventIdQueryParam sends the id in the query: no preflight cross-origin', async (t) => {
  const body = t.q('id: 7\nretry: 30\ndata: a\n\n');
  const once = async (key, init) => {
    const es = new t.ES(`${t.crossOrigin}/sse/raw?body=${body}&key=${key}`, init);
    const events = t.record(es);
    try {
      await t.until(() => events.filter((e) => e.type === 'open').length >= 2, 4000);
    } finally {
      es.close();
    }
    const reqs = await t.log(key);
    return reqs.map((r) => `${r.method} ${/(^|&)lastEventId=7(&|$)/.test(r.query) ? 'param' : '-'} ${r.headers['last-event-id'] ?? '-'}`);
  };
  return { param: await once(`${t.key}-param`, { lastEventIdQueryParam: true }), header: await once(`${t.key}-header`) };
}, (r, env) => {
  assert.deepEqual(r.param.slice(0, 2), ['GET - -', 'GET param -']);
  assert.ok(!r.param.some((x) => x.startsWith('OPTIONS')), `no preflight: ${r.param}`);
  const expected = env === 'chromium' ? ['GET - -', 'OPTIONS - -', 'GET - 7'] : ['GET - -', 'GET - 7'];
  assert.deepEqual(r.header.slice(0, expected.length), expected, 'the header mode preflights in browsers');
});

// 13. Limits: a clear error instead of unbounded buffering.

add('maxLineLength and maxEventSize fail the connection with a clear error', async (t) => {
  const line = new t.ES(`${t.origin}/sse/raw?body=${t.q(`data: ${'x'.repeat(100)}\n\n`)}&hold=1`, { maxLineLength: 64 });
  const size = new t.ES(`${t.origin}/sse/raw?body=${t.q('data: 1234\ndata: 5678\n\n')}&hold=1`, { maxEventSize: 8 });
  const a = t.record(line);
  const b = t.record(size);
  try {
    await t.until(() => line.readyState === 2 && size.readyState === 2, 3000);
  } finally {
    line.close();
    size.close();
  }
  const show = (evs) => evs.map((e) => `${e.type}@${e.rs}${e.type === 'error' ? ` ${e.willRetry}` : ''}`);
  return { a: show(a), b: show(b), messages: [a.at(-1)?.message, b.at(-1)?.message] };
}, (r) => {
  assert.deepEqual(r.a, ['open@1', 'error@2 false']);
  assert.deepEqual(r.b, ['open@1', 'error@2 false']);
  assert.match(r.messages[0], /line exceeds/);
  assert.match(r.messages[1], /data exceeds/);
});

for (const c of cases) {
  for (const [env, build] of [['chromium', 'npm'], ['chromium', 'script'], ['node', 'npm'], ['node', 'script']]) {
    test(`${env} ${build}: ${c.name}`, { timeout: 10_000 }, async () => {
      const key = `options-${env}-${build}-${++n}`;
      const ctx = { origin: server.origin, crossOrigin: server.crossOrigin, key, closedUrl, env, BACKOFF, ...c.params };
      const result = await run(env, build, c.body, ctx);
      c.check(result, env);
    });
  }
}
