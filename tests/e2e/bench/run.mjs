// Browser benchmark: events/s and MB/s delivered to listeners, the first event's latency and the
// JS heap peak, native EventSource against ours and the npm peers, with the raw-fetch reference
// (bytes only), in one headless Chromium page against the local server (release build).
// Usage: node tests/e2e/bench/run.mjs [--quick] [--firefox]   (writes target/bench.json or
// target/bench-firefox.json, prints a table). Firefox runs through WebDriver (geckodriver) and has
// no JS heap figure (`performance.memory` is Chromium's).
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { startServer, launchChromium, root } from '../harness.mjs';
import { launchFirefox } from '../webdriver.mjs';

const quick = process.argv.includes('--quick');
const firefox = process.argv.includes('--firefox');
mkdirSync(`${root}/target/bench`, { recursive: true });
await build({
  stdin: { contents: "export { EventSource } from 'eventsource';", resolveDir: root },
  bundle: true,
  format: 'esm',
  outfile: `${root}/target/bench/eventsource-peer.js`,
  logLevel: 'warning',
});

const shapes = quick
  ? [{ label: '64 B', size: 64, count: 20000 }, { label: '4 KB', size: 4096, count: 2000 }, { label: '1 MB', size: 1 << 20, count: 8 }]
  : [{ label: '64 B', size: 64, count: 200000 }, { label: '4 KB', size: 4096, count: 8000 }, { label: '1 MB', size: 1 << 20, count: 32 }];
const impls = ['native', 'eventsource-wasm', 'eventsource-wasm (script tag)', 'event-source-polyfill', 'eventsource', 'raw fetch', 'dispatch floor'];
const rounds = quick ? 1 : 3;

// The release server: the debug build cannot feed the page as fast as it reads. Each run gets a
// fresh page (a fresh context in Chromium), so no client runs on another's heap or JIT state.
const server = await startServer('release');
const browser = firefox ? await openFirefox() : await openChromium();
const results = [];
try {
  // The server builds each shape's stream once and caches it: not inside a timed run.
  for (const s of shapes) await browser.runOne('native', s.size, Math.min(s.count, 1000));
  for (const s of shapes) {
    for (const impl of impls) {
      let best = null;
      for (let r = 0; r < rounds; r++) {
        try {
          const res = await browser.runOne(impl, s.size, s.count);
          if (!best || res.ms < best.ms) best = res;
        } catch (e) {
          best = { error: String(e.message || e) };
          break;
        }
      }
      const row = { shape: s.label, impl, ...best };
      if (!best.error) {
        row.eventsPerSec = Math.round(best.events / (best.ms / 1000));
        row.mbPerSec = +(best.bytes / 1e6 / (best.ms / 1000)).toFixed(1);
        row.firstMs = +best.firstMs.toFixed(1);
        row.heapPeakMB = best.heapPeak ? +(best.heapPeak / 1e6).toFixed(1) : '–';
      }
      results.push(row);
      console.error(JSON.stringify(row));
    }
  }
} finally {
  await browser.close();
  server.stop();
}
writeFileSync(`${root}/target/bench${firefox ? '-firefox' : ''}.json`, JSON.stringify(results, null, 2) + '\n');
console.log(table(results));

/** The results as a Markdown table. */
function table(rows) {
  const lines = ['| event size | implementation | events/s | MB/s | first event ms | JS heap peak MB |', '| --- | --- | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    const rate = r.error ? r.error : r.wire ? '–' : r.eventsPerSec.toLocaleString('en-US');
    const first = r.impl === 'dispatch floor' ? '–' : r.firstMs;
    const cells = r.error ? ['', '', ''] : [`${r.mbPerSec}${r.wire ? ' (wire)' : ''}`, first, r.heapPeakMB];
    lines.push(`| ${r.shape} | ${r.impl} | ${rate} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * The bench page in headless Chromium, in a fresh browser context (renderer, heap and JIT) for
 * every run, as the shared benchmark does: `runOne(impl, size, count)` and `close()`.
 */
async function openChromium() {
  const chromium = await launchChromium(['--enable-precise-memory-info']);
  return {
    async runOne(impl, size, count) {
      const context = await chromium.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${server.origin}/tests/e2e/bench/bench.html`);
        await page.waitForFunction(() => window.benchReady === true);
        return await page.evaluate(([i, sz, c]) => window.runOne(i, sz, c), [impl, size, count]);
      } finally {
        await context.close();
      }
    },
    close: () => chromium.close(),
  };
}

/** The same page in headless Firefox over WebDriver, loaded anew for every run. */
async function openFirefox() {
  const ff = await launchFirefox({ scriptTimeout: 120000 });
  return {
    async runOne(impl, size, count) {
      await ff.navigate(`${server.origin}/tests/e2e/bench/bench.html`);
      const deadline = Date.now() + 15000;
      while (!(await ff.execute('return window.benchReady === true'))) {
        if (Date.now() > deadline) throw new Error('bench page not ready in Firefox within 15 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const res = await ff.executeAsync(
        'const done = arguments[arguments.length - 1]; window.runOne(...Array.from(arguments).slice(0, 3)).then(done, (e) => done({ error: String(e.message || e) }));',
        [impl, size, count],
      );
      if (res.error) throw new Error(res.error);
      return res;
    },
    close: () => ff.quit(),
  };
}
