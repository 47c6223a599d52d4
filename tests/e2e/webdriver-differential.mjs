// The differential suite of tests/e2e/scenarios.mjs in a browser driven over WebDriver
// (tests/e2e/webdriver.mjs): every scenario runs with the browser's native EventSource and with
// both of our builds (npm and script tag) in the same page, against the same local server. Ours
// must give the spec's trace; native must too, except where `differs` says (and there it must
// still differ, so the note stays true). Used by firefox.test.mjs and webkit.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, recordTrace } from './harness.mjs';
import { scenarios, resolveUrl } from './scenarios.mjs';

// All implementations record at the same time (one WebDriver command: a driver runs a session's
// commands one after another).
const RUN_ALL = `
  const [src, runs, done] = arguments;
  const record = (0, eval)('(' + src + ')');
  Promise.all(runs.map((r) => record(window.impls[r.impl], r.url, r.opts))).then(
    ([native, ours, script]) => done({ native, ours, script }),
    (e) => done({ error: String(e) }),
  );
`;

/**
 * Registers the suite: `name` labels the tests ("firefox: …") and the browser in messages,
 * `launch()` opens a WebDriver session, `differs` maps scenario names to why native departs.
 */
export function differentialSuite({ name, label, launch, differs }) {
  let server;
  let browser;
  let n = 0;

  before(async () => {
    server = await startServer();
    browser = await launch({ scriptTimeout: 15000 });
    await browser.navigate(`${server.origin}/tests/e2e/pages/harness.html`);
    const deadline = Date.now() + 10000;
    while ((await browser.execute('return window.harnessReady === true')) !== true) {
      if (Date.now() > deadline) throw new Error('harness.html did not set window.harnessReady within 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    await browser?.quit();
    server?.stop();
  });

  for (const s of scenarios) {
    test(`${name}: ${s.name}`, { timeout: 20000 }, async () => {
      const opts = { max: s.max ?? 1, timeout: s.timeout ?? 4000, types: s.types ?? [], init: s.init, self: server.origin, cross: server.crossOrigin };
      const runs = ['native', 'ours', 'script'].map((impl) => ({ impl, url: resolveUrl(s, server, `${name}-${impl}-${++n}`), opts }));
      const result = await browser.executeAsync(RUN_ALL, [recordTrace.toString(), runs]);
      assert.equal(result.error, undefined, 'the recorder ran');
      const { native, ours, script } = result;
      assert.deepEqual(ours, s.expect, 'ours (npm build) follows the spec');
      assert.deepEqual(script, s.expect, 'ours (script-tag build) follows the spec');
      const note = differs[s.name];
      if (note) assert.notDeepEqual(native, s.expect, `${label}'s native was expected to differ here: ${note}`);
      else assert.deepEqual(native, s.expect, `${label}'s native follows the spec`);
    });
  }
}
