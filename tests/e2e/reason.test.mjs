// The `reason` of each error event (a name a program can match, the Rust API's
// `ErrorKind::as_str()`), in Node with both builds, and `cors` in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, closedPort, launchChromium } from './harness.mjs';
import { EventSource } from '../../pkg/index.js';

await import('../../pkg/eventsource-wasm.min.js');
const builds = { npm: EventSource, script: globalThis.EventSourceWasm };

let server;
before(async () => (server = await startServer()));
after(() => server?.stop());

/** The first `count` error events of a source: [reason, readyState, code, message]. */
function errors(Impl, url, init, count = 1) {
  return new Promise((resolve, reject) => {
    const es = typeof url === 'function' ? url(Impl) : new Impl(url, init);
    const seen = [];
    const timer = setTimeout(() => (es.close(), reject(new Error(`only ${JSON.stringify(seen)}`))), 8000);
    es.onerror = (e) => {
      seen.push([e.reason, es.readyState, e.code ?? null, e.message]);
      if (seen.length < count) return;
      clearTimeout(timer);
      es.close();
      resolve(seen);
    };
  });
}

const CASES = {
  network: async () => [`http://127.0.0.1:${await closedPort()}/`, { retry: { initialDelay: 10 } }, [['network', 0, null]]],
  'server-closed': () => [`${server.origin}/sse/messages?n=1`, { retry: { initialDelay: 10 } }, [['server-closed', 0, null, 'the server closed the connection']]],
  status: () => [`${server.origin}/sse/status?code=500`, {}, [['status', 2, 500, 'the response status is not 200']]],
  'status to retry': () => [`${server.origin}/sse/status?code=503`, { retryOnStatus: [503], retry: { initialDelay: 10 } }, [['status', 0, 503, 'the server answered with a status configured to retry']]],
  'content-type': () => [`${server.origin}/sse/raw?body=data:x%0A%0A&ct=text/plain`, {}, [['content-type', 2, 200, 'the response Content-Type is not text/event-stream']]],
  inactivity: () => [`${server.origin}/sse/raw?body=:%0A&hold=1`, { inactivityTimeout: 100, retry: { initialDelay: 10 } }, [['inactivity', 0, null, 'no data received within the inactivity timeout']]],
  'retries-exhausted': async () => [`http://127.0.0.1:${await closedPort()}/`, { maxRetries: 1, retry: { initialDelay: 10 } }, [['network', 0, null], ['retries-exhausted', 2, null, 'gave up after the maximum number of retries']]],
  'line-too-long': () => [`${server.origin}/sse/raw?body=data:${'x'.repeat(64)}%0A%0A`, { maxLineLength: 16 }, [['line-too-long', 2, 200, 'event stream line exceeds the configured maximum length']]],
  'event-too-large': () => [`${server.origin}/sse/raw?body=data:${'x'.repeat(64)}%0A%0A`, { maxEventSize: 16 }, [['event-too-large', 2, 200, 'event data exceeds the configured maximum size']]],
  request: () => [`${server.origin}/sse/messages`, { headers: () => Promise.resolve({}) }, [['request', 2, null]]],
  aborted: () => [`${server.origin}/sse/messages`, { fetch: () => Promise.reject(new DOMException('stopped', 'AbortError')) }, [['aborted', 2, null]]],
  'server-closed (a stream that ends)': () => [(Impl) => Impl.fromReadableStream(new Response('data: x\n\n').body), undefined, [['server-closed', 2, null, 'the stream ended']]],
};

for (const [build, Impl] of Object.entries(builds)) {
  for (const [name, make] of Object.entries(CASES)) {
    test(`node ${build}: error reason ${name}`, async () => {
      const [url, init, expected] = await make();
      // The message is checked where the case gives it (the engine's causes word their own;
      // a network error's is the runtime's).
      const got = (await errors(Impl, url, init, expected.length)).map((e, k) => (expected[k]?.length === 4 ? e : e.slice(0, 3)));
      assert.deepEqual(got, expected);
    });
  }
}

test('chromium: error reason cors, for both builds', { timeout: 30_000 }, async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/tests/e2e/pages/shared.html`);
    await page.waitForFunction(() => window.ready === true);
    const url = `${server.crossOrigin}/sse/messages?acao=none`;
    const got = await page.evaluate(async (url) => {
      const one = (Impl) => new Promise((resolve) => {
        const es = new Impl(url);
        es.onerror = (e) => (es.close(), resolve([e.reason, es.readyState]));
      });
      const { EventSource } = await import('/pkg/index.js');
      return [await one(EventSource), await one(window.EventSourceWasm)];
    }, url);
    assert.deepEqual(got, [['cors', 2], ['cors', 2]]);
  } finally {
    await browser.close();
  }
});
