// Browser benchmark: events/s and MB/s delivered to listeners, the first event's latency and the
// JS heap peak, native EventSource against ours and the npm peers, with the raw-fetch reference
// (bytes only), in one headless Chromium page against the local server (release build).
// Usage: node tests/e2e/bench/run.mjs [--quick]   (writes target/bench.json, prints a table)
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { startServer, launchChromium, root } from '../harness.mjs';

const quick = process.argv.includes('--quick');
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
const impls = ['native', 'eventsource-wasm', 'eventsource-wasm (script tag)', 'event-source-polyfill', 'eventsource', 'raw fetch'];
const rounds = quick ? 1 : 3;

// The release server: the debug build cannot feed the page as fast as it reads.
const server = await startServer('release');
const browser = await launchChromium(['--enable-precise-memory-info']);
const results = [];
try {
  const page = await browser.newPage();
  await page.goto(`${server.origin}/tests/e2e/bench/bench.html`);
  await page.waitForFunction(() => window.benchReady === true);
  // Warm the server's stream cache and the JIT once per shape.
  for (const s of shapes) await page.evaluate(([sz, c]) => window.runOne('native', sz, c), [s.size, Math.min(s.count, 1000)]);
  for (const s of shapes) {
    for (const impl of impls) {
      let best = null;
      for (let r = 0; r < rounds; r++) {
        try {
          const res = await page.evaluate(([i, sz, c]) => window.runOne(i, sz, c), [impl, s.size, s.count]);
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
        row.heapPeakMB = +(best.heapPeak / 1e6).toFixed(1);
      }
      results.push(row);
      console.error(JSON.stringify(row));
    }
  }
} finally {
  await browser.close();
  server.stop();
}
writeFileSync(`${root}/target/bench.json`, JSON.stringify(results, null, 2) + '\n');
console.log('| event size | implementation | events/s | MB/s | first event ms | JS heap peak MB |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const r of results) {
  const rate = r.error ? r.error : r.wire ? '–' : r.eventsPerSec.toLocaleString('en-US');
  const cells = r.error ? ['', '', ''] : [`${r.mbPerSec}${r.wire ? ' (wire)' : ''}`, r.firstMs, r.heapPeakMB];
  console.log(`| ${r.shape} | ${r.impl} | ${rate} | ${cells.join(' | ')} |`);
}
