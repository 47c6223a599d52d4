// Faults must never escape the library: whatever the network, the custom `fetch` or the caller
// does (resets mid-body, aborts, close() at any moment and twice, a fetch that throws, rejects
// or returns garbage, a body that errors or yields garbage), the source reports it with the
// right events and readyState, and nothing becomes an unhandled rejection or uncaught exception.
// Every case runs in Node and in headless Chromium, each with the npm and the script-tag build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openGuardedPage, closedPort } from './harness.mjs';
import { guardProcess, checkedBy } from './guard.mjs';
import { EventSource } from '../../pkg/index.js';

await import('../../pkg/eventsource-wasm.min.js'); // a classic script: sets globalThis.EventSourceWasm
const builds = { npm: EventSource, script: globalThis.EventSourceWasm };
const T = { timeout: 10_000 };

let server;
let browser;
let page;
let closedUrl;
let pageGuard;
let n = 0;

before(async () => {
  server = await startServer();
  closedUrl = `http://127.0.0.1:${await closedPort()}/`;
  ({ browser, page, guard: pageGuard } = await openGuardedPage(server, 'harness', 'harnessReady'));
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/**
 * What every case body gets besides `ES`: the context plus helpers. Serialized into the page
 * with `Function.prototype.toString`, so it must stay self-contained.
 */
function toolkit(ctx) {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  async function until(pred, ms) {
    const end = Date.now() + ms;
    while (!(await pred())) {
      if (Date.now() > end) return false;
      await sleep(5);
    }
    return true;
  }
  async function log(key = ctx.key) {
    return (await fetch(`${ctx.origin}/log?key=${encodeURIComponent(key)}`)).json();
  }
  /**
   * Every event of `es` as `type@readyState[ data][ willRetry]`, recorded as it is dispatched;
   * `.reasons` has each error event's `message`.
   */
  function record(es) {
    const out = [];
    const rec = (e) => {
      let line = `${e.type}@${es.readyState}`;
      if (e.type === 'message') line += ` ${e.data}`;
      if (e.type === 'error') {
        line += ` ${e.willRetry}`;
        out.reasons.push(e.message);
      }
      out.push(line);
    };
    out.reasons = [];
    for (const type of ['open', 'message', 'error']) es.addEventListener(type, rec);
    return out;
  }
  /** Closes `es` (counting throws), waits `quiet` ms, and says what happened after. */
  async function finish(es, events, quiet = 100) {
    const atClose = events.length;
    let closeThrew = null;
    try {
      es.close();
      es.close();
    } catch (e) {
      closeThrew = String(e);
    }
    await sleep(quiet);
    return {
      events: events.slice(0, atClose),
      late: events.slice(atClose),
      readyState: es.readyState,
      // Whether each error says why: its message is a non-empty string.
      reasons: events.reasons.map((m) => (typeof m === 'string' ? (m ? 'text' : 'empty') : typeof m)),
      closeThrew,
    };
  }
  /** Records until `pred(events)` (or `ms`), then `finish`es. */
  async function observe(es, pred, ms = 2000) {
    const events = record(es);
    const done = await until(() => pred(events), ms);
    const r = await finish(es, events);
    return { ...r, timedOut: !done };
  }
  const firstError = (events) => events.some((e) => e.startsWith('error@'));
  /**
   * A Response streaming `chunks` (strings encoded as UTF-8, anything else enqueued as it is),
   * then ending as `end` says: 'close', 'error' or 'hold'.
   */
  function response(chunks, end = 'close', init = { headers: { 'Content-Type': 'text/event-stream' } }) {
    const enc = new TextEncoder();
    const body = new ReadableStream({
      async pull(c) {
        await sleep(5);
        if (chunks.length) {
          const next = chunks.shift();
          // Strings are the stream's text; `{ raw }` is enqueued as it is.
          c.enqueue(typeof next === 'string' ? enc.encode(next) : next.raw);
        } else if (end === 'close') c.close();
        else if (end === 'error') c.error(new TypeError('the body broke on purpose'));
        else return new Promise(() => {});
      },
    });
    return new Response(body, init);
  }
  return { ...ctx, sleep, until, log, record, finish, observe, firstError, response };
}

async function run(env, build, body, ctx) {
  if (env === 'node') return body({ ...toolkit(ctx), ES: builds[build] });
  return page.evaluate(
    ([body, kit, ctx, build]) => {
      const tk = (0, eval)(`(${kit})`)(ctx);
      return (0, eval)(`(${body})`)({ ...tk, ES: build === 'script' ? window.impls.script : window.impls.ours });
    },
    [body.toString(), toolkit.toString(), ctx, build],
  );
}

const cases = [];
const add = (name, body, check, params = {}) => cases.push({ name, body, check, params });

/** The common checks: nothing after close(), CLOSED after it, close() twice did not throw. */
function closedCleanly(r) {
  assert.equal(r.timedOut, false, `the awaited events never came: ${JSON.stringify(r.events)}`);
  assert.deepEqual(r.late, [], 'no event after close()');
  assert.equal(r.readyState, 2);
  assert.equal(r.closeThrew, null, 'close() twice does not throw');
}

/**
 * One line per value saying what `closedCleanly` and the case check: the events, then whatever
 * went wrong besides. Equal lines for every value read better than a deep diff when some differ.
 */
function summary(results, withReasons = false) {
  const out = {};
  for (const [what, r] of Object.entries(results)) {
    let line = r.events.join(', ');
    if (withReasons) line += ` (reasons: ${r.reasons.join(', ')})`;
    if (r.timedOut) line += ' [still waiting after 2 s]';
    if (r.late.length) line += ` [after close(): ${r.late.join(', ')}]`;
    if (r.readyState !== 2) line += ` [readyState ${r.readyState} after close()]`;
    if (r.closeThrew) line += ` [close() threw ${r.closeThrew}]`;
    out[what] = line;
  }
  return out;
}
const each = (values, line) => Object.fromEntries(Object.keys(values).map((what) => [what, line]));

// 1. The network fails under the source.

add('a connection reset mid-body: the messages, then one error (CONNECTING, will retry)', async (t) => {
  const es = new t.ES(`${t.origin}/sse/reset?after=27`);
  return t.observe(es, t.firstError);
}, (r) => {
  closedCleanly(r);
  assert.deepEqual(r.events, ['open@1', 'message@1 x', 'message@1 x', 'message@1 x', 'error@0 true']);
});

add('an unreachable server: one error (CONNECTING, will retry)', async (t) => {
  const es = new t.ES(t.closedUrl);
  return t.observe(es, t.firstError);
}, (r) => {
  closedCleanly(r);
  assert.deepEqual(r.events, ['error@0 true']);
});

// 2. Someone else aborts the request (spec: an aborted network error fails the connection).

add('a request aborted by someone else before its response: error (CLOSED, no retry)', async (t) => {
  const es = new t.ES(`${t.origin}/sse/messages?n=2&hold=1&delay=1000`, {
    fetch: (url, init) => {
      const c = new AbortController();
      setTimeout(() => c.abort(), 20);
      return fetch(url, { ...init, signal: c.signal });
    },
  });
  return t.observe(es, t.firstError);
}, (r) => {
  closedCleanly(r);
  assert.deepEqual(r.events, ['error@2 false']);
});

add('a body aborted by someone else mid-stream: the messages, then error (CLOSED, no retry)', async (t) => {
  const c = new AbortController();
  const es = new t.ES(`${t.origin}/sse/messages?n=2&hold=1`, {
    fetch: (url, init) => {
      init.signal.addEventListener('abort', () => c.abort());
      return fetch(url, { ...init, signal: c.signal });
    },
  });
  es.addEventListener('message', (e) => e.data === 'hello 1' && setTimeout(() => c.abort(), 20));
  return t.observe(es, t.firstError);
}, (r) => {
  closedCleanly(r);
  assert.deepEqual(r.events, ['open@1', 'message@1 hello 0', 'message@1 hello 1', 'error@2 false']);
});

// 3. close() at every moment, and twice.

add('close() right after construction: no event, no request', async (t) => {
  const es = new t.ES(`${t.origin}/sse/messages?n=2&key=${t.key}`);
  const r = await t.finish(es, t.record(es), 300);
  return { ...r, timedOut: false, requests: (await t.log()).length };
}, (r) => {
  closedCleanly(r);
  assert.deepEqual(r.events, []);
  assert.equal(r.requests, 0);
});

add('close() while the request waits for its response: no event', async (t) => {
  const es = new t.ES(`${t.origin}/sse/messages?n=2&delay=1000&key=${t.key}`);
  const events = t.record(es);
  const asked = await t.until(async () => (await t.log()).length > 0, 3000);
  const r = await t.finish(es, events, 300);
  return { ...r, timedOut: !asked };
}, (r) => {
  closedCleanly(r);
  assert.deepEqual(r.events, []);
});

add('close() from inside the custom fetch, or while its promise never settles: no event', async (t) => {
  let es;
  let calls = 0;
  es = new t.ES(`${t.origin}/sse/messages?n=2`, {
    fetch: (url, init) => {
      calls++;
      es.close();
      return fetch(url, init);
    },
  });
  const events = t.record(es);
  const pending = new t.ES(`${t.origin}/sse/messages?n=2`, { fetch: () => new Promise(() => {}) });
  const pendingEvents = t.record(pending);
  await t.until(() => calls > 0, 3000);
  await t.sleep(50);
  const r = await t.finish(es, events, 0);
  const p = await t.finish(pending, pendingEvents, 300);
  return { ...r, timedOut: calls !== 1, late: [...r.late, ...p.late], pending: p.events, pendingState: p.readyState };
}, (r) => {
  closedCleanly(r);
  assert.deepEqual(r.events, []);
  assert.deepEqual(r.pending, []);
  assert.equal(r.pendingState, 2);
});

add('close() while a read is pending: no event after it', async (t) => {
  const es = new t.ES(`${t.origin}/sse/messages?n=1&hold=1`);
  return t.observe(es, (ev) => ev.length >= 2);
}, (r) => {
  closedCleanly(r);
  assert.deepEqual(r.events, ['open@1', 'message@1 hello 0']);
});

add('close() while events keep arriving: no event after it', async (t) => {
  const es = new t.ES(`${t.origin}/sse/drip?n=100&interval=5&size=4`);
  return t.observe(es, (ev) => ev.length >= 4);
}, (r) => {
  closedCleanly(r);
  const [first, ...rest] = r.events;
  assert.equal(first, 'open@1');
  assert.ok(rest.length >= 3 && rest.every((e) => e === 'message@1 xxxx'), r.events.join(', '));
});

add('close() inside listeners (open, message, error): nothing after, no reconnection', async (t) => {
  const url = `${t.origin}/sse/messages?n=5&hold=1`;
  const inOpen = new t.ES(url);
  const inMessage = new t.ES(url);
  let attempts = 0;
  const inError = new t.ES(t.closedUrl, {
    retry: { initialDelay: 20, jitter: 0 },
    fetch: (u, init) => {
      attempts++;
      return fetch(u, init);
    },
  });
  const all = [inOpen, inMessage, inError];
  const events = all.map((es) => t.record(es));
  const threw = [];
  const closer = (es) => () => {
    try {
      es.close();
      es.close();
    } catch (e) {
      threw.push(String(e));
    }
  };
  inOpen.addEventListener('open', closer(inOpen));
  inMessage.addEventListener('message', closer(inMessage));
  inError.addEventListener('error', closer(inError));
  const came = await t.until(() => events.every((e) => e.length > 0) && all.every((es) => es.readyState === 2), 3000);
  await t.sleep(200);
  return {
    timedOut: !came,
    events: events.map((e) => e.slice()),
    late: [],
    readyState: Math.min(...all.map((es) => es.readyState)),
    closeThrew: threw.length ? threw.join('; ') : null,
    attempts,
  };
}, (r) => {
  closedCleanly(r);
  assert.deepEqual(r.events, [['open@1'], ['open@1', 'message@1 hello 0'], ['error@0 true']]);
  assert.equal(r.attempts, 1, 'closed in onerror: no reconnection');
});

// 4. A custom fetch that throws, rejects or resolves to something that is not a Response.

add('a custom fetch that throws synchronously: a network error (CONNECTING, will retry)', async (t) => {
  const es = new t.ES(t.closedUrl, {
    fetch: () => {
      throw new TypeError('boom');
    },
  });
  return t.observe(es, t.firstError);
}, (r) => {
  closedCleanly(r);
  assert.deepEqual(r.events, ['error@0 true']);
  assert.deepEqual(r.reasons, ['text']);
});

for (const [what, reason] of [
  ['a TypeError', 'new TypeError("boom")'],
  ['a string', '"boom"'],
  ['undefined', 'undefined'],
]) {
  add(`a custom fetch that rejects with ${what}: a network error (CONNECTING, will retry)`, async (t) => {
    const es = new t.ES(t.closedUrl, { fetch: () => Promise.reject((0, eval)(`(${t.reason})`)) });
    return t.observe(es, t.firstError);
  }, (r) => {
    closedCleanly(r);
    assert.deepEqual(r.events, ['error@0 true']);
    assert.deepEqual(r.reasons, ['text'], 'the error says why');
  }, { reason });
}

// Not a response at all: like a response that is not 200 with an event stream, it fails the
// connection (retrying the same fetch cannot help). One source per value, side by side.
const NOT_RESPONSES = {
  undefined: 'undefined',
  null: 'null',
  '{}': '({})',
  number: '42',
  string: '"data: x\\n\\n"',
};
add('a custom fetch that resolves to something that is not a Response: the connection fails (CLOSED, no retry)', async (t) => {
  const out = {};
  await Promise.all(Object.entries(t.values).map(async ([what, value]) => {
    const es = new t.ES(t.closedUrl, { fetch: async () => (0, eval)(value) });
    out[what] = await t.observe(es, t.firstError);
  }));
  return out;
}, (r) => {
  assert.deepEqual(summary(r, true), each(NOT_RESPONSES, 'error@2 false (reasons: text)'));
}, { values: NOT_RESPONSES });

// 5. A Response whose body misbehaves.

add('a custom Response whose body errors mid-way: the messages, then a network error (CONNECTING)', async (t) => {
  const es = new t.ES(t.closedUrl, { fetch: async () => t.response(['data: one\n\n', 'data: tw'], 'error') });
  return t.observe(es, t.firstError);
}, (r) => {
  closedCleanly(r);
  assert.deepEqual(r.events, ['open@1', 'message@1 one', 'error@0 true']);
});

add('a custom Response with no body: open, then the end of the stream (CONNECTING)', async (t) => {
  const es = new t.ES(t.closedUrl, { fetch: async () => new Response(null, { headers: { 'Content-Type': 'text/event-stream' } }) });
  return t.observe(es, t.firstError);
}, (r) => {
  closedCleanly(r);
  assert.deepEqual(r.events, ['open@1', 'error@0 true']);
});

// A chunk that is not a Uint8Array: nothing of it is parsed, and, as for a value that is not a
// Response, the connection fails with a message that says so (the same fetch would give the same
// garbage again). One source per value, side by side.
const NOT_BYTES = {
  string: '"data: from a string\\n\\n"',
  number: '42',
  'array-like object': '({ length: 3, 0: 100, 1: 97, 2: 116 })',
  'array of bytes': '[100, 97, 116, 97, 58, 120, 10, 10]',
};
add('a custom Response whose reader yields something that is not a Uint8Array: none of it parsed, the connection fails (CLOSED, no retry)', async (t) => {
  const out = {};
  await Promise.all(Object.entries(t.values).map(async ([what, chunk]) => {
    const es = new t.ES(t.closedUrl, {
      fetch: async () => t.response(['data: ok\n\n', { raw: (0, eval)(`(${chunk})`) }, 'data: after\n\n'], 'hold'),
    });
    out[what] = await t.observe(es, t.firstError);
  }));
  return out;
}, (r) => {
  assert.deepEqual(summary(r), each(NOT_BYTES, 'open@1, message@1 ok, error@2 false'));
}, { values: NOT_BYTES });

for (const env of ['node', 'chromium']) {
  for (const build of Object.keys(builds)) {
    for (const c of cases) {
      test(`${env} ${build}: ${c.name}`, T, async () => {
        const ctx = { origin: server.origin, closedUrl, key: `faults-${process.pid}-${++n}`, ...c.params };
        const guard = env === 'node' ? guardProcess({ exclusive: true }) : pageGuard;
        await checkedBy(guard, `${env} ${build}`, async () => c.check(await run(env, build, c.body, ctx)));
      });
    }
  }
}
