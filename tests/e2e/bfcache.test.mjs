// Back/forward cache (whatwg/html#12363): a page with an open source is navigated away from and
// back to, in headless Chromium with the cache on. The connection must close when the page goes
// into the cache, and one new connection carrying Last-Event-ID must come at once when it is
// restored (the stream's `retry` is 20 s, so an ordinary reconnection could not be it), with no
// error event; the page must be restored from the cache (pageshow's persisted), as with native.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { root, CHROMIUM_FLAGS, until } from './harness.mjs';

const PAGE = (build) => `<!doctype html><meta charset="utf-8"><title>bfcache ${build}</title>
<script type="module">
  window.__events = [];
  window.__shows = [];
  addEventListener('pageshow', (e) => __shows.push(e.persisted));
  let ES;
  if (${JSON.stringify(build)} === 'npm') ES = (await import('/pkg/index.js')).EventSource;
  else if (${JSON.stringify(build)} === 'script') {
    await new Promise((resolve) => document.head.append(Object.assign(document.createElement('script'), { src: '/pkg/eventsource-wasm.min.js', onload: resolve })));
    ES = EventSourceWasm;
  } else ES = EventSource;
  const es = (window.__es = new ES('/sse?run=${build}'));
  const rec = (e) => __events.push(e.type + '@' + es.readyState + (e.data ? ' ' + e.data + '#' + e.lastEventId : ''));
  es.onopen = rec;
  es.onmessage = rec;
  es.onerror = rec;
</script>`;

let server;
let origin;
const runs = new Map();
let browser;

before(async () => {
  server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/page.html') {
      // No `Cache-Control: no-store` here: it alone keeps a page out of Chromium's cache.
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(PAGE(url.searchParams.get('build')));
    }
    if (url.pathname === '/other.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<!doctype html><title>elsewhere</title><p>elsewhere</p>');
    }
    if (url.pathname.startsWith('/pkg/')) {
      try {
        const body = await readFile(path.join(root, url.pathname));
        res.writeHead(200, { 'content-type': url.pathname.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
        return res.end(body);
      } catch {
        res.writeHead(404);
        return res.end();
      }
    }
    if (url.pathname === '/sse') {
      const run = url.searchParams.get('run');
      if (!runs.has(run)) runs.set(run, []);
      const conn = { lastEventId: req.headers['last-event-id'] ?? null, closed: false };
      runs.get(run).push(conn);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      const n = runs.get(run).length;
      // Two events on the first connection, one more on each later one; then held open.
      res.write(n === 1 ? 'retry: 20000\nid: 1\ndata: one\n\nid: 2\ndata: two\n\n' : `id: ${n + 1}\ndata: again ${n}\n\n`);
      req.on('close', () => (conn.closed = true));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_FLAGS,
    // Playwright turns the back/forward cache off by default.
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  });
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections?.();
  server?.close();
});

for (const build of ['npm', 'script', 'native']) {
  test(`bfcache ${build}: dropped when cached, resumed at once with Last-Event-ID when restored, no error`, { timeout: 30_000 }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${origin}/page.html?build=${build}`);
      await page.waitForFunction(() => window.__events.length >= 3, null, { timeout: 10_000 });
      const conns = runs.get(build);
      assert.equal(conns.length, 1);

      await page.goto(`${origin}/other.html`);
      if (build !== 'native') {
        // Chromium keeps native's connection open in the cache; ours must let go of it.
        await until('the connection to close', () => conns[0].closed);
      }
      const leftAt = Date.now();
      await page.goBack({ waitUntil: 'commit' });
      const shows = await until('pageshow', () => page.evaluate(() => window.__shows.length > 1 && window.__shows));
      assert.deepEqual(shows, [false, true], 'the page came back from the back/forward cache');
      const reasons = await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.notRestoredReasons ?? null);
      assert.equal(reasons, null, `not restored: ${JSON.stringify(reasons)}`);
      if (build === 'native') return;

      await until('a second connection', () => conns.length >= 2);
      assert.ok(Date.now() - leftAt < 5000, 'reconnected at once, not after the 20 s retry');
      assert.equal(conns.length, 2, 'exactly one new connection');
      assert.equal(conns[1].lastEventId, '2', 'it carries Last-Event-ID');
      await page.waitForFunction(() => window.__events.length >= 5, null, { timeout: 5000 });
      const events = await page.evaluate(() => window.__events);
      assert.deepEqual(events, ['open@1', 'message@1 one#1', 'message@1 two#2', 'open@1', 'message@1 again 2#3']);
      assert.equal(await page.evaluate(() => window.__es.readyState), 1);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}
