// EventSource.fromReadableStream(), lastEventId, reconnectionTime and reset(), as proposed in
// whatwg/html#12272 (tests: web-platform-tests/wpt#58550): in Node (both builds), a Chromium page
// (both builds) and a dedicated worker (the script tag through importScripts). One suite
// function, serialized into each place, reports what it saw; the expectations are here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openGuardedPage } from './harness.mjs';
import { guardProcess } from './guard.mjs';
import { EventSource } from '../../pkg/index.js';

await import('../../pkg/eventsource-wasm.min.js');
const builds = { npm: EventSource, script: globalThis.EventSourceWasm };

/**
 * Runs every case against the class `ES`; resolves to `{ case: observation }`. Self-contained:
 * it is sent into pages and workers as source text.
 */
async function suite(ES, origin) {
  const enc = new TextEncoder();
  const bytes = (s) => (typeof s === 'string' ? enc.encode(s) : s);
  const streamOf = (chunks, end = 'close') =>
    new ReadableStream({
      start(c) {
        for (const chunk of chunks) c.enqueue(bytes(chunk));
        if (end === 'close') c.close();
        else if (end === 'error') c.error(new Error('the stream broke on purpose'));
      },
    });
  /** Events until the first error (and `settle` ms after it), or `timeout` ms. */
  const watch = (source, { types = [], settle = 0, timeout = 3000, onMessage } = {}) =>
    new Promise((resolve) => {
      const seen = [];
      const finish = () => {
        source.close();
        resolve(seen);
      };
      const rec = (e) => {
        let line = `${e.type}@${source.readyState}`;
        if (e.type !== 'open' && e.type !== 'error') line += ` ${JSON.stringify(e.data)} #${e.lastEventId} ${e.origin}`;
        seen.push(line);
        if (e.type !== 'error' && e.type !== 'open') onMessage?.(e, seen);
        if (e.type === 'error') setTimeout(finish, settle);
      };
      for (const t of ['open', 'message', 'error', ...types]) source.addEventListener(t, rec);
      setTimeout(finish, timeout);
    });
  const out = {};
  const run = async (name, f) => {
    try {
      out[name] = await f();
    } catch (e) {
      out[name] = `threw ${e?.name}: ${e?.message}`;
    }
  };

  await run('initial state', () => {
    const s = ES.fromReadableStream(streamOf([]));
    const r = {
      instance: s instanceof ES,
      readyState: s.readyState,
      url: s.url,
      withCredentials: s.withCredentials,
      lastEventId: s.lastEventId,
      reconnectionTimePositive: s.reconnectionTime > 0,
    };
    s.close();
    r.closed = s.readyState;
    return r;
  });
  await run('a locked stream throws TypeError', () => {
    const locked = new ReadableStream();
    locked.getReader();
    const names = [];
    for (const arg of [locked, undefined, {}, 'data: x\n\n']) {
      try {
        ES.fromReadableStream(arg);
        names.push('no throw');
      } catch (e) {
        names.push(e instanceof TypeError ? 'TypeError' : e?.name);
      }
    }
    return names;
  });
  await run('events as from the network, then one error with CLOSED', () =>
    watch(
      ES.fromReadableStream(
        streamOf(['\uFEFFdata: hello\n\n', 'data: two\ndata: lines\n\n', ': a comment\nevent: custom\ndata: typed\n\n', 'data: cr\r\rdata: lf\n\ndata: crlf\r\n\r\n', 'data: unfinished']),
      ),
      { types: ['custom'], settle: 200 },
    ),
  );
  await run('chunks split anywhere, UTF-8 included', () => {
    const all = enc.encode('da' + 'ta: h\u00e9llo \u{1F600}\r\n\r\n');
    const chunks = [...all].map((b) => new Uint8Array([b]));
    return watch(ES.fromReadableStream(streamOf(chunks)));
  });
  await run('an empty stream: error with CLOSED', () => watch(ES.fromReadableStream(streamOf([])), { settle: 200 }));
  await run('a stream that errors: the complete events, then error with CLOSED', () => {
    // Errored once its first chunk was read (erroring in start() would drop queued chunks).
    let pulls = 0;
    const stream = new ReadableStream({
      pull(c) {
        if (pulls++ === 0) c.enqueue(enc.encode('data: before\n\ndata: cut'));
        else c.error(new Error('the stream broke on purpose'));
      },
    });
    return watch(ES.fromReadableStream(stream), { settle: 200 });
  });
  await run('a stream errored from the start: error with CLOSED', () => watch(ES.fromReadableStream(streamOf([], 'error')), { settle: 200 }));
  await run('id and retry update lastEventId and reconnectionTime', async () => {
    const s = ES.fromReadableStream(streamOf(['retry: 5000\nid: 42\ndata: a\n\nretry: bogus\ndata: b\n\nid: \uFEFF7\n\n']));
    const seen = [];
    await watch(s, { onMessage: (e) => seen.push([e.data, e.lastEventId, s.lastEventId, s.reconnectionTime]) });
    // An id that opens with U+FEFF keeps it (only the stream's first BOM is dropped).
    return { seen, after: [s.lastEventId, s.reconnectionTime] };
  });
  await run('close() is synchronous and cancels the stream', async () => {
    let cancelled = null;
    const s = ES.fromReadableStream(
      new ReadableStream({
        pull: () => new Promise(() => {}),
        cancel: () => {
          cancelled = 'cancelled';
        },
      }),
    );
    s.close();
    const state = s.readyState;
    await new Promise((r) => setTimeout(r, 100));
    return [state, cancelled];
  });
  await run('close() after open cancels the stream being read', async () => {
    let cancelled = null;
    const s = ES.fromReadableStream(
      new ReadableStream({
        start: (c) => c.enqueue(enc.encode('data: one\n\n')),
        cancel: () => {
          cancelled = 'cancelled';
        },
      }),
    );
    const seen = await watch(s, { onMessage: () => s.close(), timeout: 300 });
    await new Promise((r) => setTimeout(r, 50));
    return [seen, s.readyState, cancelled];
  });
  await run('bodies piped through one TransformStream keep lastEventId and reconnectionTime', async () => {
    const ts = new TransformStream();
    const s = ES.fromReadableStream(ts.readable);
    const between = [];
    const done = watch(s, { settle: 100 });
    await streamOf(['retry: 3000\nid: 42\ndata: first\n\n']).pipeTo(ts.writable, { preventClose: true });
    await new Promise((r) => setTimeout(r, 20));
    between.push(s.lastEventId, s.reconnectionTime);
    await streamOf(['data: second\n\n']).pipeTo(ts.writable);
    return { between, seen: await done, after: [s.lastEventId, s.reconnectionTime] };
  });
  await run('reset() drops the unfinished event before the next body', async () => {
    const ts = new TransformStream();
    const s = ES.fromReadableStream(ts.readable);
    const done = watch(s, { settle: 50 });
    const w = ts.writable.getWriter();
    await w.write(enc.encode('id: 7\ndata: first\n\ndata: half of an eve'));
    await new Promise((r) => setTimeout(r, 30));
    s.reset();
    await w.write(enc.encode('nt\n\ndata: next\n\n'));
    await w.close();
    return done;
  });
  await run('a chunk that is not a Uint8Array: error with CLOSED that says so', async () => {
    const s = ES.fromReadableStream(
      new ReadableStream({
        start(c) {
          c.enqueue(enc.encode('data: ok\n\n'));
          c.enqueue('data: text\n\n');
        },
      }),
    );
    let message = '';
    s.addEventListener('error', (e) => (message = e.message));
    const seen = await watch(s, { settle: 50 });
    return [seen, /Uint8Array/.test(message)];
  });
  // Large and small events in turn, in chunks of one event or a third of one: browsers read a
  // byte stream into a buffer of ours while its reads are large and with the default reader
  // while they are small (js/driver.js `#size`), switching between reads; a plain stream has
  // only the default reader. Each event is one letter repeated, seen as letter×length.
  const sizes = [10, 5000, 10, 70000, 1, 300000, 20, 3000, 5];
  const body = sizes.map((n, i) => `data: ${String.fromCharCode(97 + i).repeat(n)}\n\n`);
  const chunks = body.flatMap((e) => (e.length > 60000 ? [0, 1, 2].map((k) => e.slice((k * e.length) / 3, ((k + 1) * e.length) / 3)) : [e]));
  const letters = (seen) => seen.map((line) => line.replace(/"(.)\1*"/, (m, c) => `${c}×${m.length - 2}`));
  for (const type of ['plain', 'bytes']) {
    await run(`large and small chunks in turn, ${type} stream`, async () => {
      let next = 0;
      const stream = new ReadableStream({
        type: type === 'bytes' ? 'bytes' : undefined,
        pull(c) {
          if (next < chunks.length) c.enqueue(enc.encode(chunks[next++]));
          else c.close();
        },
      });
      // The readers the source asks for, in order (checked in `check`).
      const modes = [];
      const getReader = stream.getReader;
      stream.getReader = function (options) {
        modes.push(options?.mode ?? 'default');
        return getReader.call(this, options);
      };
      return { events: letters(await watch(ES.fromReadableStream(stream), { settle: 50, timeout: 5000 })), modes };
    });
  }
  await run('a stream-like object whose reader has only read() and cancel(): large chunks too', () => {
    const queue = chunks.map((c) => enc.encode(c));
    const streamLike = {
      locked: false,
      getReader: () => ({ read: async () => (queue.length ? { done: false, value: queue.shift() } : { done: true }), cancel: async () => {} }),
      cancel: async () => {},
    };
    return watch(ES.fromReadableStream(streamLike), { settle: 50, timeout: 5000 }).then(letters);
  });
  if (origin) {
    await run('large and small chunks in turn, fetch() body', async () => {
      const cuts = chunks.map((c) => c.length).map((n, i, all) => all.slice(0, i + 1).reduce((a, b) => a + b));
      const source = new ES(`${origin}/sse/raw?gap=5&split=${cuts.join(',')}`, { method: 'POST', body: body.join('') });
      return letters(await watch(source, { timeout: 5000 }));
    });
    await run('a fetch() body (POST with a JSON body, as LLM streaming APIs)', async () => {
      const res = await fetch(`${origin}/sse/echo?n=1`, { method: 'POST', body: JSON.stringify({ q: 1 }), headers: { 'Content-Type': 'application/json' } });
      return watch(ES.fromReadableStream(res.body), { settle: 50 });
    });
  }
  return out;
}

const letters = ['a×10', 'b×5000', 'c×10', 'd×70000', 'e×1', 'f×300000', 'g×20', 'h×3000', 'i×5'].map((l) => `message@1 ${l} # null`);

const expected = (withFetch) => ({
  'initial state': { instance: true, readyState: 0, url: 'about:event-stream', withCredentials: false, lastEventId: '', reconnectionTimePositive: true, closed: 2 },
  'a locked stream throws TypeError': ['TypeError', 'TypeError', 'TypeError', 'TypeError'],
  'events as from the network, then one error with CLOSED': [
    'open@1',
    'message@1 "hello" # null',
    'message@1 "two\\nlines" # null',
    'custom@1 "typed" # null',
    'message@1 "cr" # null',
    'message@1 "lf" # null',
    'message@1 "crlf" # null',
    'error@2',
  ],
  'chunks split anywhere, UTF-8 included': ['open@1', 'message@1 "héllo 😀" # null', 'error@2'],
  'an empty stream: error with CLOSED': ['open@1', 'error@2'],
  'a stream that errors: the complete events, then error with CLOSED': ['open@1', 'message@1 "before" # null', 'error@2'],
  'a stream errored from the start: error with CLOSED': ['open@1', 'error@2'],
  'id and retry update lastEventId and reconnectionTime': {
    seen: [
      ['a', '42', '\uFEFF7', 5000],
      ['b', '42', '\uFEFF7', 5000],
    ],
    after: ['\uFEFF7', 5000],
  },
  'close() is synchronous and cancels the stream': [2, 'cancelled'],
  'close() after open cancels the stream being read': [['open@1', 'message@1 "one" # null'], 2, 'cancelled'],
  'bodies piped through one TransformStream keep lastEventId and reconnectionTime': {
    between: ['42', 3000],
    seen: ['open@1', 'message@1 "first" #42 null', 'message@1 "second" #42 null', 'error@2'],
    after: ['42', 3000],
  },
  'reset() drops the unfinished event before the next body': ['open@1', 'message@1 "first" #7 null', 'message@1 "next" #7 null', 'error@2'],
  'a chunk that is not a Uint8Array: error with CLOSED that says so': [['open@1', 'message@1 "ok" # null', 'error@2'], true],
  'large and small chunks in turn, plain stream': ['open@1', ...letters, 'error@2'],
  'a stream-like object whose reader has only read() and cancel(): large chunks too': ['open@1', ...letters, 'error@2'],
  'large and small chunks in turn, bytes stream': ['open@1', ...letters, 'error@2'],
  ...(withFetch
    ? {
        // The origin is the server's (checked in `check`); the body's end reconnects.
        'large and small chunks in turn, fetch() body': null,
        'a fetch() body (POST with a JSON body, as LLM streaming APIs)': null,
      }
    : {}),
});

/**
 * The fetch case's events depend on the echo route; checked on their own below. So are the
 * readers asked for: in Node the default one throughout; in browsers the default one first, then
 * BYOB for the large chunks and the default one again for small ones (a byte stream), or one
 * BYOB attempt that fails and the default one after it (a plain stream).
 */
function check(got, where) {
  const fetched = got['a fetch() body (POST with a JSON body, as LLM streaming APIs)'];
  const rest = { ...got };
  for (const type of ['plain', 'bytes']) {
    const name = `large and small chunks in turn, ${type} stream`;
    const { events, modes } = got[name] ?? {};
    rest[name] = events;
    if (where.startsWith('node')) assert.deepEqual(modes, ['default'], `${where} ${type}`);
    else if (type === 'plain') assert.deepEqual(modes, ['default', 'byob', 'default'], `${where} ${type}`);
    else {
      assert.equal(modes?.[0], 'default', `${where} ${type}: ${modes}`);
      assert.ok(modes.indexOf('default', modes.indexOf('byob')) > 0, `${where} ${type}: BYOB for large reads, then the default reader again: ${modes}`);
    }
  }
  const turns = got['large and small chunks in turn, fetch() body'];
  if (turns !== undefined) {
    rest['large and small chunks in turn, fetch() body'] = null;
    assert.deepEqual(
      turns.map((line) => line.replace(/ http:\/\/127\.0\.0\.1:\d+$/, ' <origin>')),
      ['open@1', ...letters.map((l) => l.replace(/ null$/, ' <origin>')), 'error@0'],
      where,
    );
  }
  if (fetched !== undefined) {
    rest['a fetch() body (POST with a JSON body, as LLM streaming APIs)'] = null;
    assert.ok(Array.isArray(fetched), `${where}: ${JSON.stringify(fetched)}`);
    assert.equal(fetched[0], 'open@1', where);
    assert.match(fetched[1], /^message@1 ".*q.*" # null$/, `${where}: the posted JSON comes back as an event`);
    assert.equal(fetched.at(-1), 'error@2', where);
  }
  assert.deepEqual(rest, expected(fetched !== undefined), where);
}

let server;
let browser;
let page;
let pageGuard;
before(async () => {
  server = await startServer();
  ({ browser, page, guard: pageGuard } = await openGuardedPage(server, 'harness', 'harnessReady'));
});
after(async () => {
  await browser?.close();
  server?.stop();
});

for (const [build, ES] of Object.entries(builds)) {
  test(`node ${build}: fromReadableStream, lastEventId, reconnectionTime, reset()`, async () => {
    const guard = guardProcess({ exclusive: true });
    try {
      check(await suite(ES, server.origin), `node ${build}`);
      await guard.assertClean(`node ${build}`, 50);
    } finally {
      guard.dispose?.();
    }
  });
}

for (const impl of ['ours', 'script']) {
  test(`chromium page (${impl === 'ours' ? 'npm' : 'script'}): fromReadableStream, lastEventId, reconnectionTime, reset()`, async () => {
    const got = await page.evaluate(([impl, src, origin]) => (0, eval)(`(${src})`)(window.impls[impl], origin), [impl, suite.toString(), server.origin]);
    check(got, `chromium ${impl}`);
    await pageGuard.assertClean();
  });
}

test('chromium dedicated worker (script tag via importScripts): fromReadableStream, lastEventId, reconnectionTime, reset()', async () => {
  const got = await page.evaluate(
    ([src, origin]) =>
      new Promise((resolve, reject) => {
        const code = `importScripts(${JSON.stringify(`${origin}/pkg/eventsource-wasm.min.js`)});
          (${src})(self.EventSourceWasm, ${JSON.stringify(origin)}).then((r) => postMessage(r), (e) => postMessage({ failed: String(e) }));
          self.addEventListener('unhandledrejection', (e) => postMessage({ unhandled: String(e.reason) }));`;
        const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
        worker.onmessage = (e) => {
          worker.terminate();
          resolve(e.data);
        };
        worker.onerror = (e) => reject(new Error(e.message));
      }),
    [suite.toString(), server.origin],
  );
  check(got, 'dedicated worker');
});
