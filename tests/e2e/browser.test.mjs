// Differential tests: every scenario runs with Chromium's native EventSource and with both of our
// builds (npm `index.js`, script-tag `eventsource-wasm.min.js`) in the same page, against the same
// local server; every trace must equal the spec's.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openGuardedPage, recordTrace } from './harness.mjs';
import { scenarios, resolveUrl } from './scenarios.mjs';

let server;
let browser;
let page;
let guard;
let n = 0;

before(async () => {
  server = await startServer();
  ({ browser, page, guard } = await openGuardedPage(server, 'harness', 'harnessReady'));
});

afterEach(() => guard.assertClean());

after(async () => {
  await browser?.close();
  server?.stop();
});

function inPage(impl, url, opts) {
  return page.evaluate(
    ([impl, url, opts, src]) => (0, eval)(`(${src})`)(window.impls[impl], url, opts),
    [impl, url, opts, recordTrace.toString()],
  );
}

for (const s of scenarios) {
  test(`chromium: ${s.name}`, async () => {
    const opts = { max: s.max ?? 1, timeout: s.timeout ?? 4000, types: s.types ?? [], init: s.init, self: server.origin, cross: server.crossOrigin };
    const [native, ours, script] = await Promise.all([
      inPage('native', resolveUrl(s, server, `native-${++n}`), opts),
      inPage('ours', resolveUrl(s, server, `ours-${++n}`), opts),
      inPage('script', resolveUrl(s, server, `script-${++n}`), opts),
    ]);
    assert.deepEqual(ours, s.expect, 'ours (npm build) follows the spec');
    assert.deepEqual(script, s.expect, 'ours (script-tag build) follows the spec');
    if (s.nativeDiffers) {
      assert.notDeepEqual(native, s.expect, `native was expected to differ here: ${s.nativeDiffers}`);
    } else {
      assert.deepEqual(ours, native, 'ours matches native');
    }
  });
}
