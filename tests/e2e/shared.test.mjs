// Shared sources (`shared: true`, js/shared.js) in headless Chromium: pages of one origin (and a
// dedicated worker) share one upstream connection, a new leader takes over when the old one goes
// away, and what cannot be shared is refused or falls back to a connection of its own. The
// server counts the open connections per key (`GET /live`) and logs every request (`/log`).
// The streams are the server's `/sse/story` (tests/e2e/story.mjs): ids, data and event types that
// all differ, ids with no data and id resets, so that every event's fields are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndChromium, root, until } from './harness.mjs';
import { guardPage } from './guard.mjs';
import { assertRun, blockOfId, checkEvent, lastIdAfter, messagesOf, nextEvent, STORY_TYPES } from './story.mjs';

const env = serverAndChromium();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The connections open under `key` right now. */
async function live(key) {
  return (await (await fetch(`${env.server.origin}/live?key=${key}`)).json()).open;
}

const liveUrl = (key, extra = '') => `${env.server.origin}/sse/story?key=${key}&interval=40${extra}`;

/**
 * Runs `run` with `n` pages of one context on tests/e2e/pages/shared.html (each with an error
 * guard, after `initScript`), then closes them.
 */
async function withPages(n, run, initScript) {
  const context = await env.browser.newContext();
  try {
    return await run(await openPages(context, n, initScript));
  } finally {
    await context.close();
  }
}

/** `n` pages of the server's origin on tests/e2e/pages/shared.html, each with an error guard. */
async function openPages(context, n, initScript) {
  const pages = [];
  for (let i = 0; i < n; i++) {
    const page = await context.newPage();
    const guard = await guardPage(page);
    if (initScript) await page.addInitScript(initScript);
    await page.goto(`${env.server.origin}/tests/e2e/pages/shared.html`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 10_000 });
    pages.push(Object.assign(page, { guard }));
  }
  return pages;
}

/** Opens a source in `page`; its index there (or the text of what it threw). */
const open = (page, url, init, build = 'npm') => page.evaluate(([u, i, b]) => window.openSource(u, i, b), [url, init, build]);
const eventsOf = (page, i = 0) => page.evaluate((i) => window.events(i), i);
/** The blocks of the messages recorded, each checked against the stream (type, data, lastEventId). */
const numbers = (events) => messagesOf(events).map((e) => checkEvent(e));
const assertConsecutive = assertRun;

/**
 * Waits until `page`'s source `i` has a last event ID: right after the stream's `id:` reset
 * (every 23rd block) a takeover rightly sends none, which these tests do not look at.
 */
async function withLastId(page, i = 0) {
  await until('a last event ID', async () => (await page.evaluate((i) => window.about(i), i)).lastEventId !== '');
}

async function messagesAtLeast(page, i, count, ms = 5000) {
  await until(`${count} messages`, async () => numbers(await eventsOf(page, i)).length >= count, ms);
}

test('four pages share one connection; the leader goes, another resumes with Last-Event-ID, no gap, no duplicate; the last close ends it', { timeout: 60_000 }, async () => {
  const key = `four-${Date.now()}`;
  const url = liveUrl(key);
  await withPages(4, async (pages) => {
    for (const page of pages) assert.equal(await open(page, url, { shared: true }), 0);
    for (const page of pages) await messagesAtLeast(page, 0, 5);
    assert.equal(await live(key), 1, 'one upstream connection for four pages');
    assert.equal((await env.server.log(key)).length, 1, 'one request');

    // The leader is the page whose fetch() ran; all four got the same events, in order.
    const fetched = await Promise.all(pages.map((p) => p.evaluate(() => window.fetches.length)));
    assert.deepEqual(fetched.filter((n) => n > 0), [1], `exactly one page fetched: ${fetched}`);
    const leader = pages[fetched.findIndex((n) => n > 0)];
    const others = pages.filter((p) => p !== leader);
    const before = await Promise.all(pages.map((p) => eventsOf(p)));
    for (const [i, events] of before.entries()) {
      assert.equal(events[0], 'open@1', `page ${i} opened first`);
      assertConsecutive(events, `page ${i}`);
      // Each instance's own lastEventId, and the origin of the response, on every page (read
      // with its events: the attribute may be a chunk ahead of the events dispatched).
      const [now, { lastEventId, origins }] = await pages[i].evaluate(() => [window.events(0), window.about(0)]);
      const lastK = numbers(now).at(-1);
      const ahead = Array.from({ length: 3 }, (_, j) => lastIdAfter(lastK + j));
      assert.ok(ahead.includes(lastEventId), `page ${i}: lastEventId ${lastEventId} after event ${lastK}`);
      assert.deepEqual(origins, [env.server.origin]);
    }
    await leader.guard.assertClean('leader');

    for (const page of pages) await withLastId(page);
    const closedAt = Date.now();
    await leader.close();
    const log = await until('the new leader\'s request', async () => {
      const l = await env.server.log(key);
      return l.length >= 2 && l;
    });
    const took = Date.now() - closedAt;
    assert.ok(took < 1000 + 200, `a new connection within a second (took ${took} ms)`);
    assert.equal(log.length, 2, 'exactly one new connection');
    assert.equal(log[0].headers['last-event-id'], undefined, 'the first request has no Last-Event-ID');
    const resumedAfter = blockOfId(log[1].headers['last-event-id']);
    assert.ok(resumedAfter >= 5, `it carries Last-Event-ID (${resumedAfter})`);
    await until('one live connection', async () => (await live(key)) === 1);

    // The three others: what a reconnection looks like, then the stream goes on without a gap.
    for (const page of others) await messagesAtLeast(page, 0, numbers(before[pages.indexOf(page)]).length + 10);
    const fetchedAfter = await Promise.all(others.map((p) => p.evaluate(() => window.fetches)));
    const newLeader = fetchedAfter.findIndex((f) => f.length > 0);
    assert.ok(newLeader >= 0, 'one of the others leads now');
    assert.deepEqual(
      fetchedAfter.map((f) => f.length),
      fetchedAfter.map((_, i) => (i === newLeader ? 1 : 0)),
    );
    assert.equal(fetchedAfter[newLeader][0].lastEventId, log[1].headers['last-event-id']);
    for (const [i, page] of others.entries()) {
      const events = await eventsOf(page);
      const n = assertConsecutive(events, `page ${i} across the takeover`);
      assert.ok(n.includes(nextEvent(resumedAfter)), `page ${i} got the events after the takeover`);
      const error = events.indexOf('error@0');
      assert.ok(error > 0, `page ${i} saw an error with CONNECTING: ${events.join(' | ')}`);
      assert.equal(events.lastIndexOf('error@0'), error, `page ${i}: one error`);
      assert.equal(events.filter((e) => e === 'open@1').length, 2, `page ${i}: open, then open again`);
      assert.equal(events[error + 1], 'open@1', `page ${i}: open right after the error`);
      // The new leader resumed after the last event ID it had (an event's, or an id's with no
      // data after it); another page may have got one more event from the old leader just before
      // it went (then the replayed one is not repeated).
      const lastBefore = numbers([events[error - 1]])[0];
      const resumedAt = nextEvent(resumedAfter);
      assert.ok(nextEvent(lastBefore) === resumedAt || lastBefore === resumedAt, `page ${i}: the last message before the takeover (${lastBefore}) is where the new leader resumed (after ${resumedAfter})`);
      await page.guard.assertClean(`page ${i}`);
    }

    // The followers first (nothing changes upstream), then the leader: the connection ends.
    for (const [i, page] of others.entries()) if (i !== newLeader) await page.close();
    await sleep(300);
    assert.equal(await live(key), 1, 'followers leaving do not touch the connection');
    await others[newLeader].close();
    await until('no live connection', async () => (await live(key)) === 0);
    await sleep(500);
    assert.equal(await live(key), 0, 'nothing reconnects');
    assert.equal((await env.server.log(key)).length, 2, 'no request after the last page closed');
  });
});

test('the leader\'s page navigates away: the other page takes over at once', { timeout: 30_000 }, async () => {
  const key = `navigated-${Date.now()}`;
  const url = liveUrl(key, '&retry=20000');
  await withPages(2, async (pages) => {
    for (const page of pages) assert.equal(await open(page, url, { shared: true }), 0);
    for (const page of pages) await messagesAtLeast(page, 0, 3);
    const fetched = await Promise.all(pages.map((p) => p.evaluate(() => window.fetches.length)));
    const [leader, other] = fetched[0] ? pages : [pages[1], pages[0]];
    await withLastId(other);
    const leftAt = Date.now();
    await leader.goto(`${env.server.origin}/tests/e2e/pages/shared.html?elsewhere`);
    const log = await until('the other page\'s request', async () => {
      const l = await env.server.log(key);
      return l.length >= 2 && l;
    });
    // The stream asks for 20 s between connections: only a takeover reconnects this soon.
    assert.ok(Date.now() - leftAt < 1000, 'at once');
    assert.equal(log.length, 2);
    const count = numbers(await eventsOf(other)).length;
    await messagesAtLeast(other, 0, count + 3);
    const events = await eventsOf(other);
    assertConsecutive(events, 'the other page');
    const lastBefore = numbers(events.slice(0, events.indexOf('error@0'))).at(-1);
    const sent = log[1].headers['last-event-id'];
    assert.ok([lastIdAfter(lastBefore), lastIdAfter(nextEvent(lastBefore) - 1)].includes(sent), `the last event ID the page had, of its last event or of an id with no data after it (${sent} after event ${lastBefore})`);
    await other.guard.assertClean();
  });
});

test('a shared and a non-shared source on one URL: two connections; close() detaches one instance only', { timeout: 30_000 }, async () => {
  const key = `mixed-${Date.now()}`;
  const url = liveUrl(key);
  await withPages(2, async ([a, b]) => {
    assert.equal(await open(a, url, { shared: true }), 0);
    assert.equal(await open(b, url, { shared: true }), 0);
    assert.equal(await open(b, url), 1);
    // The script-tag build is the same code: it joins the npm build's connection.
    assert.equal(await open(b, url, { shared: true }, 'script'), 2);
    // Two shared instances in one page count as two participants of the same connection.
    assert.equal(await open(a, url, { shared: true }), 1);
    for (const [page, i] of [[a, 0], [a, 1], [b, 0], [b, 1], [b, 2]]) await messagesAtLeast(page, i, 3);
    assert.equal(await live(key), 2, 'the shared connection and the private one');

    // A follower's close(): nothing more for it, the others go on on the same connection.
    const bLeads = (await b.evaluate(() => window.fetches.length)) === 2;
    const [follower, leader] = bLeads ? [a, b] : [b, a];
    const index = bLeads ? 0 : 2;
    await follower.evaluate((i) => window.closeSource(i), index);
    const atClose = (await eventsOf(follower, index)).length;
    await messagesAtLeast(leader, 0, numbers(await eventsOf(leader, 0)).length + 5);
    assert.equal((await eventsOf(follower, index)).length, atClose, 'no event after close()');
    assert.equal(await follower.evaluate((i) => window.sources[i].es.readyState, index), 2);
    assert.equal(await live(key), 2);
    assert.equal((await env.server.log(key)).length, 2, 'no new connection for a follower that left');
    for (const page of [a, b]) await page.guard.assertClean();
  });
  await until('no live connection', async () => (await live(key)) === 0);
});

test('a same-origin iframe shares its page\'s connection', { timeout: 30_000 }, async () => {
  const key = `iframe-${Date.now()}`;
  const url = liveUrl(key);
  await withPages(1, async ([page]) => {
    await page.evaluate(() => {
      const frame = Object.assign(document.createElement('iframe'), { src: '/tests/e2e/pages/shared.html' });
      document.body.append(frame);
    });
    const frame = await until('the iframe', async () => {
      const f = page.frames().find((f) => f !== page.mainFrame());
      return f && (await f.evaluate(() => window.ready === true).catch(() => false)) && f;
    });
    assert.equal(await open(page, url, { shared: true }), 0);
    assert.equal(await open(frame, url, { shared: true }), 0);
    await messagesAtLeast(frame, 0, 3);
    await messagesAtLeast(page, 0, 3);
    assert.equal(await live(key), 1);
    assertConsecutive(await eventsOf(frame), 'iframe');
    await page.guard.assertClean();
  });
  await until('no live connection', async () => (await live(key)) === 0);
});

test('different headers or withCredentials: separate connections; the same headers as values: one', { timeout: 30_000 }, async () => {
  const key = `keys-${Date.now()}`;
  const url = liveUrl(key);
  await withPages(2, async ([a, b]) => {
    assert.equal(await open(a, url, { shared: true, headers: { 'X-Topic': 'a', 'X-Other': '1' } }), 0);
    // The same headers, names in another case and order: the same connection.
    assert.equal(await open(b, url, { shared: true, headers: [['x-other', '1'], ['x-topic', 'a']] }), 0);
    assert.equal(await open(b, url, { shared: true, headers: { 'X-Topic': 'b', 'X-Other': '1' } }), 1);
    assert.equal(await open(a, url, { shared: true, withCredentials: true, headers: { 'X-Topic': 'a', 'X-Other': '1' } }), 1);
    for (const [page, i] of [[a, 0], [a, 1], [b, 0], [b, 1]]) await messagesAtLeast(page, i, 3);
    assert.equal(await live(key), 3, 'three distinct requests, three connections');
    const log = await env.server.log(key);
    assert.equal(log.length, 3);
    const topics = log.map((r) => r.headers['x-topic']).sort();
    assert.deepEqual(topics, ['a', 'a', 'b']);
    for (const page of [a, b]) await page.guard.assertClean();
  });
  await until('no live connection', async () => (await live(key)) === 0);
});

test('options that cannot be shared throw a TypeError saying why, in both builds and in Node', { timeout: 30_000 }, async () => {
  const url = liveUrl('never');
  await withPages(1, async ([page]) => {
    for (const build of ['npm', 'script']) {
      const thrown = await page.evaluate(
        ([url, build]) => {
          const make = (init) => window.openSource(url, { shared: true, ...init }, build);
          return {
            headers: make({ headers: () => ({}) }),
            body: make({ method: 'POST', body: () => 'x' }),
            blob: make({ method: 'POST', body: new Blob(['x']) }),
            params: make({ method: 'POST', body: new URLSearchParams('a=1') }),
            fetch: make({ fetch: (...args) => fetch(...args) }),
            string: typeof make({ method: 'POST', body: 'x', headers: { a: '1' } }),
          };
        },
        [url, build],
      );
      const why = (name) =>
        `TypeError: Failed to construct 'EventSource': option '${name}' cannot be used with 'shared: true' (a function or a body other than a string cannot be shared between contexts).`;
      assert.deepEqual(thrown, {
        headers: why('headers'),
        body: why('body'),
        blob: why('body'),
        params: why('body'),
        fetch: why('fetch'),
        string: 'number',
      }, build);
      await page.evaluate(() => window.sources.forEach((s) => s.es.close()));
    }
    await page.guard.assertClean();
  });

  // Node has neither navigator.locks nor (here) a use for them: the same checks, then a private
  // connection.
  const { EventSource } = await import(`${root}/pkg/index.js`);
  assert.throws(() => new EventSource(url, { shared: true, fetch: globalThis.fetch }), { name: 'TypeError', message: /option 'fetch' cannot be used with 'shared: true' \(a function or a body other than a string cannot be shared/ });
  const key = `node-${Date.now()}`;
  const es = new EventSource(liveUrl(key), { shared: true });
  try {
    const got = await new Promise((resolve, reject) => {
      const seen = [];
      const log = (e) => seen.push(`${e.type}@${es.readyState} ${e.data}#${e.lastEventId}`) >= 3 && resolve(seen);
      for (const type of STORY_TYPES) es.addEventListener(type, log);
      es.onerror = () => reject(new Error('error event'));
      setTimeout(() => reject(new Error('no events in Node')), 5000);
    });
    assert.deepEqual(assertRun(got, 'node'), [1, 2, 3]);
    assert.equal(await live(key), 1);
  } finally {
    es.close();
  }
});

test('without navigator.locks, shared: true quietly gives each instance its own connection', { timeout: 30_000 }, async () => {
  const key = `nolocks-${Date.now()}`;
  const url = liveUrl(key);
  await withPages(2, async (pages) => {
    for (const page of pages) {
      assert.equal(await page.evaluate(() => navigator.locks), undefined);
      assert.equal(await open(page, url, { shared: true }), 0);
    }
    for (const page of pages) await messagesAtLeast(page, 0, 3);
    assert.equal(await live(key), 2);
    for (const page of pages) {
      assertConsecutive(await eventsOf(page), 'private');
      await page.guard.assertClean();
    }
  }, () => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true }));
});

test('an opaque origin (a sandboxed iframe), where Web Locks are refused: a connection of its own', { timeout: 30_000 }, async () => {
  const key = `opaque-${Date.now()}`;
  const url = liveUrl(key);
  await withPages(1, async ([page]) => {
    await page.evaluate(([origin, url]) => {
      window.framed = [];
      addEventListener('message', (e) => typeof e.data === 'string' && window.framed.push(e.data));
      const code = `
        const { EventSource } = await import(${JSON.stringify(`${origin}/pkg/index.js`)});
        const es = new EventSource(${JSON.stringify(url)}, { shared: true });
        const log = (e) => parent.postMessage(e.type + '@' + es.readyState + (e.type !== 'open' && e.type !== 'error' ? ' ' + e.data + '#' + e.lastEventId : ''), '*');
        es.onopen = log; es.onmessage = log; es.onerror = log;
        es.addEventListener('tick', log); es.addEventListener('tock', log);`;
      const frame = Object.assign(document.createElement('iframe'), { sandbox: 'allow-scripts', srcdoc: `<script type="module">${code}<\/script>` });
      document.body.append(frame);
    }, [env.server.origin, url]);
    await until('the sandboxed iframe\'s messages', async () => numbers(await page.evaluate(() => window.framed)).length >= 3);
    const events = await page.evaluate(() => window.framed);
    assert.equal(events[0], 'open@1');
    assertConsecutive(events, 'sandboxed iframe');
    assert.equal(await live(key), 1);
    await page.guard.assertClean();
  });
  await until('no live connection', async () => (await live(key)) === 0);
});

test('a failure (204) reaches every instance, and nobody reconnects', { timeout: 30_000 }, async () => {
  const key = `fail-${Date.now()}`;
  // The answer comes after 800 ms, when every instance has joined (one made after the failure
  // would rightly make a request of its own).
  const url = `${env.server.origin}/sse/status?code=204&delay=800&key=${key}`;
  await withPages(3, async (pages) => {
    for (const page of pages) assert.equal(await open(page, url, { shared: true }), 0);
    // One more in the first page, of the script-tag build.
    assert.equal(await open(pages[0], url, { shared: true }, 'script'), 1);
    const all = [...pages.map((p) => [p, 0]), [pages[0], 1]];
    for (const [page, i] of all) {
      await until('the error', async () => (await eventsOf(page, i)).length > 0);
    }
    await sleep(800);
    for (const [page, i] of all) {
      assert.deepEqual(await eventsOf(page, i), ['error@2 204']);
      assert.equal(await page.evaluate((i) => window.sources[i].es.readyState, i), 2);
    }
    assert.equal((await env.server.log(key)).length, 1, 'one request, and no follower took over after the failure');
    // A new shared source after the failure connects (the failed leader let go of the lock).
    assert.equal(await open(pages[1], liveUrl(key), { shared: true }), 1);
    await messagesAtLeast(pages[1], 1, 2);
    for (const page of pages) await page.guard.assertClean();
  });
});

// The npm build in a module worker, and the script tag in a classic worker (importScripts: it
// finds shared.js beside itself from a stack trace, as a worker has no currentScript).
const WORKERS = {
  'a module worker (npm build)': { type: 'module', head: (origin) => `const { EventSource } = await import(${JSON.stringify(`${origin}/pkg/index.js`)});` },
  'a classic worker (script tag through importScripts)': { type: 'classic', head: (origin) => `importScripts(${JSON.stringify(`${origin}/pkg/eventsource-wasm.min.js`)}); const EventSource = self.EventSourceWasm;` },
};

for (const [label, worker] of Object.entries(WORKERS)) test(`${label} joins the page's shared connection and takes over when the page's source closes`, { timeout: 30_000 }, async () => {
  const key = `worker-${worker.type}-${Date.now()}`;
  const url = liveUrl(key);
  await withPages(1, async ([page]) => {
    assert.equal(await open(page, url, { shared: true }), 0);
    await messagesAtLeast(page, 0, 3);
    await page.evaluate(([head, url, type]) => {
      const code = `
        ${head}
        const es = new EventSource(${JSON.stringify(url)}, { shared: true });
        const log = (e) => postMessage(e.type + '@' + es.readyState + (e.type !== 'open' && e.type !== 'error' ? ' ' + e.data + '#' + e.lastEventId : ''));
        es.onopen = log; es.onmessage = log; es.onerror = log;
        es.addEventListener('tick', log); es.addEventListener('tock', log);`;
      window.workerEvents = [];
      const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })), { type });
      worker.onmessage = (e) => window.workerEvents.push(e.data);
      worker.onerror = (e) => window.workerEvents.push(`worker error: ${e.message}`);
    }, [worker.head(env.server.origin), url, worker.type]);
    const workerEvents = () => page.evaluate(() => window.workerEvents);
    await until('the worker\'s messages', async () => numbers(await workerEvents()).length >= 3);
    assert.equal((await workerEvents())[0], 'open@1', 'the worker joined an open connection');
    assert.equal(await live(key), 1, 'one connection for the page and the worker');

    // The page's source leads; its close() hands the connection to the worker.
    await page.evaluate(() => window.closeSource(0));
    await until('the worker\'s own connection', async () => (await env.server.log(key)).length === 2);
    const count = numbers(await workerEvents()).length;
    await until('the worker\'s messages after the takeover', async () => numbers(await workerEvents()).length >= count + 5);
    const events = await workerEvents();
    assertConsecutive(events, 'worker');
    assert.equal(events.filter((e) => e === 'error@0').length, 1);
    assert.equal(await live(key), 1);
    await page.guard.assertClean();
  });
  await until('no live connection', async () => (await live(key)) === 0);
});

test('the script tag where shared.js cannot be loaded: each source has a connection of its own, with a console warning', { timeout: 30_000 }, async () => {
  const key = `lonely-${Date.now()}`;
  const context = await env.browser.newContext();
  try {
    await context.route('**/pkg/shared.js', (route) => route.abort());
    const [page] = await openPages(context, 1);
    const warnings = [];
    page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    assert.equal(await open(page, liveUrl(key), { shared: true }, 'script'), 0);
    assert.equal(await open(page, liveUrl(key), { shared: true }, 'script'), 1);
    await messagesAtLeast(page, 0, 2);
    await messagesAtLeast(page, 1, 2);
    assert.equal(await live(key), 2, 'two connections');
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0], /shared: true, but its code could not be loaded .*; this source has a connection of its own/);
    await page.evaluate(() => window.sources.forEach((s) => s.es.close()));
    await page.guard.assertClean();
  } finally {
    await context.close();
  }
  await until('no live connection', async () => (await live(key)) === 0);
});
