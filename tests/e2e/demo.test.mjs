// The live demo (www/) in headless Chromium: it must run on eventsource-wasm with the native
// EventSource deleted, show a reconnect after "Drop connection" and resume right after the last id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startServer, launchChromium, root } from './harness.mjs';

const VIEWPORT = { width: 1280, height: 860 };
const SCREENSHOT = path.join(root, 'target/demo-screenshot.png');

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
}, { timeout: 10_000 });

after(async () => {
  await browser?.close();
  server?.stop();
});

/** Width and height from a PNG's IHDR chunk, which the format requires to come first. */
function pngSize(bytes) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(bytes.toString('latin1', 12, 16), 'IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('demo: ticker on eventsource-wasm reconnects after a drop and resumes after the last id', { timeout: 15_000 }, async () => {
  const page = await browser.newPage({ viewport: VIEWPORT });
  page.setDefaultTimeout(5_000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server.origin}/www/`);

  const impl = await page.evaluate(() => ({
    removed: window.nativeEventSourceRemoved,
    ours: typeof window.EventSourceWasm === 'function' && window.EventSource === window.EventSourceWasm,
    footer: document.getElementById('impl').textContent,
  }));
  assert.equal(impl.removed, true, 'the inline script deleted the native EventSource');
  assert.equal(impl.ours, true, 'window.EventSource is window.EventSourceWasm');
  assert.match(impl.footer, /eventsource-wasm/);

  await page.waitForFunction(
    () => document.getElementById('state').dataset.state === 'OPEN' && window.demo.ticks >= 2,
    null,
    { timeout: 4_000 },
  );
  assert.equal(await page.textContent('#state-text'), 'OPEN');

  // Watch the badge itself, so the test sees every state the page showed, not the app's own notes.
  await page.evaluate(() => {
    window.seenStates = [];
    new MutationObserver(() => window.seenStates.push(document.getElementById('state').dataset.state)).observe(
      document.getElementById('state'),
      { attributes: true, attributeFilter: ['data-state'] },
    );
  });
  const idBeforeDrop = Number(await page.textContent('#last-id'));
  assert.ok(idBeforeDrop >= 2, `last id shown before the drop: ${idBeforeDrop}`);

  await page.click('#drop');
  await page.waitForFunction(
    () => window.seenStates.join() === 'CONNECTING,OPEN' && document.getElementById('resume').dataset.firstSeq !== undefined,
    null,
    { timeout: 4_000 },
  );

  const after = await page.evaluate(() => ({
    reconnects: document.getElementById('reconnects').textContent,
    from: Number(document.getElementById('resume').dataset.from),
    firstSeq: Number(document.getElementById('resume').dataset.firstSeq),
    banner: document.getElementById('resume').textContent,
    log: [...document.querySelectorAll('#log .entry')].map((li) => li.dataset.kind).reverse(),
    state: document.getElementById('state').dataset.state,
  }));
  assert.equal(after.reconnects, '1');
  assert.equal(after.state, 'OPEN');
  assert.ok(after.from >= idBeforeDrop, `resumed from id ${after.from}, last id seen before the click ${idBeforeDrop}`);
  assert.equal(after.firstSeq, after.from + 1, 'the first tick after reconnecting follows the last id');
  assert.match(after.banner, new RegExp(`Resumed from id ${after.from}\\b`));
  assert.deepEqual(after.log.filter((k) => k !== 'info'), ['open', 'error', 'open', 'resume']);

  // Every symbol has a price before the picture is taken.
  await page.waitForFunction(() => [...document.querySelectorAll('#ticker-body .price')].every((td) => td.textContent !== '—'), null, {
    timeout: 4_000,
  });
  await mkdir(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  const png = await readFile(SCREENSHOT);
  assert.ok(png.length > 10 * 1024, `screenshot is ${png.length} bytes`);
  assert.deepEqual(pngSize(png), VIEWPORT);
  assert.deepEqual(pageErrors, []);
  await page.close();
});
