// Browser benchmark, the shared benchmark's quantities from this repository alone: events/s and
// MB/s delivered to listeners (64 B, 4 KB, 1 MB and the mixed shape), the first event's latency and
// the JS heap peak, native EventSource against ours and the npm peers, with the raw-fetch reference
// (bytes only) and the dispatch floor; then the cold case: script load+init and construct→first
// event in a fresh page, medians of several runs. Headless Chromium against the local server
// (release build).
// Usage: node tests/e2e/bench/run.mjs [--quick] [--firefox]   (writes target/bench.json or
// target/bench-firefox.json, prints two tables). Firefox runs through WebDriver (geckodriver) in one
// browser with its HTTP cache off, so its cold runs are a fresh page, not a fresh process; it has
// no JS heap figure (`performance.memory` is Chromium's) and times in whole ms.
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

// The throughput shapes; `mixed` is the shared benchmark's full parser path: 1 KiB as 4 data lines,
// 3 event types, ids, 1- to 4-byte UTF-8, CRLF and a comment every 10 events.
const MIXED = { lines: 4, types: ['alpha', 'beta', 'gamma'], ids: true, utf8: true, comment: 10, eol: 'crlf' };
const shapes = [
  { label: '64 B', size: 64, count: quick ? 20000 : 200000 },
  { label: '4 KB', size: 4096, count: quick ? 2000 : 8000 },
  { label: '1 MB', size: 1 << 20, count: quick ? 8 : 32 },
  { label: 'mixed 1 KB', size: 1024, count: quick ? 2000 : 20000, ...MIXED },
];
const impls = ['native', 'eventsource-wasm', 'eventsource-wasm (script tag)', 'event-source-polyfill', 'eventsource', 'raw fetch', 'dispatch floor'];
const rounds = quick ? 1 : 3;
// The cold case: one 32-byte event into a page that has loaded nothing yet, for the clients the
// page loads as scripts, and native; raw fetch's first bytes are the floor of any fetch-based
// client's first event.
const COLD = { label: 'cold', size: 32, count: 1 };
const coldImpls = [...impls.slice(0, 5), 'raw fetch'];
const coldRuns = quick ? 3 : 9;

// The release server: the debug build cannot feed the page as fast as it reads. Each run gets a
// fresh page (a fresh context in Chromium), so no client runs on another's heap or JIT state.
const server = await startServer('release');
const browser = firefox ? await openFirefox() : await openChromium();
const results = [];
try {
  // The server builds each shape's stream once and caches it: not inside a timed run.
  for (const s of shapes) {
    const res = await fetch(server.origin + urlOf(s));
    await res.body.cancel();
  }
  for (const s of shapes) {
    for (const impl of impls) {
      let best = null;
      for (let r = 0; r < rounds; r++) {
        try {
          const res = await browser.runOne(impl, runOf(s));
          const wrong = problems(s, res);
          if (wrong) throw new Error(`FAIL: ${wrong}`);
          if (!best || res.ms < best.ms) best = res;
        } catch (e) {
          best = { error: String(e.message || e) };
          break;
        }
      }
      // Firefox's clock ticks in whole ms: 8 dispatched 1 MB events can take none of them.
      if (best.ms === 0) best = { error: 'faster than the clock' };
      const row = { shape: s.label, impl, ...best };
      if (!best.error) {
        const bytes = best.wire ? best.bytes : s.size * best.events;
        row.eventsPerSec = Math.round(best.events / (best.ms / 1000));
        row.mbPerSec = +(bytes / 1e6 / (best.ms / 1000)).toFixed(1);
        row.firstMs = +best.firstMs.toFixed(1);
        row.heapPeakMB = best.heapPeak ? +(best.heapPeak / 1e6).toFixed(1) : '–';
      }
      results.push(row);
      console.error(JSON.stringify(row));
    }
  }
  // Clients interleaved run by run, so drift spreads over all of them.
  const cold = new Map(coldImpls.map((impl) => [impl, []]));
  for (let r = 0; r < coldRuns; r++) {
    for (const impl of coldImpls) {
      try {
        const res = await browser.runCold(impl, runOf(COLD), `${r}-${Date.now()}`);
        const wrong = problems(COLD, res);
        cold.get(impl).push(wrong ? { error: `FAIL: ${wrong}` } : res);
      } catch (e) {
        cold.get(impl).push({ error: String(e.message || e) });
      }
    }
  }
  for (const [impl, runs] of cold) {
    const ok = runs.filter((r) => !r.error);
    const row = { shape: COLD.label, impl, runs: ok.length };
    if (ok.length < runs.length) row.error = runs.find((r) => r.error).error;
    if (ok.length) {
      row.loadMs = +median(ok.map((r) => r.loadMs)).toFixed(1);
      if (ok[0].openMs !== undefined) row.openMs = +median(ok.map((r) => r.openMs)).toFixed(1);
      row.firstMs = +median(ok.map((r) => r.firstMs)).toFixed(1);
      row.samples = ok.map(({ loadMs, openMs, firstMs }) => ({ loadMs, openMs, firstMs }));
    }
    results.push(row);
    console.error(JSON.stringify({ ...row, samples: undefined }));
  }
} finally {
  await browser.close();
  server.stop();
}
writeFileSync(`${root}/target/bench${firefox ? '-firefox' : ''}.json`, JSON.stringify(results, null, 2) + '\n');
console.log(table(results.filter((r) => r.shape !== COLD.label)));
console.log(`\ncold: 1 event of 32 B into a fresh ${firefox ? 'page' : 'context'}, medians of ${coldRuns} runs\n`);
console.log(coldTable(results.filter((r) => r.shape === COLD.label)));

/** The stream's URL on the test server's bench route. */
function urlOf(s) {
  const q = new URLSearchParams({ size: s.size, count: s.count });
  if (s.lines) q.set('lines', s.lines);
  if (s.types) q.set('types', s.types.join(','));
  if (s.ids) q.set('ids', 1);
  if (s.utf8) q.set('utf8', 1);
  if (s.comment) q.set('comment', s.comment);
  if (s.eol) q.set('eol', s.eol);
  return `/sse/bench?${q}`;
}

/** What the page needs for one run of shape `s`; each event's data ends with its index. */
function runOf(s) {
  return { url: urlOf(s), size: s.size, count: s.count, types: s.types ?? [], digits: Math.min(s.size, 8) };
}

/**
 * Why a run's events are not the stream's, or '' when they are: their count, order (each data
 * ends with its index) and types, their total UTF-16 length and the last event's id.
 */
function problems(s, res) {
  if (res.wire) return '';
  const out = [];
  if (res.events !== s.count) out.push(`${res.events}/${s.count} events`);
  if (res.wrong) out.push(`${res.wrong} events out of order or of the wrong type`);
  if (!res.floor && res.units !== expectedUnits(s)) out.push(`data length ${res.units} ≠ ${expectedUnits(s)}`);
  if (s.ids && !res.floor && res.lastEventId !== String(s.count - 1)) out.push(`last id "${res.lastEventId}"`);
  return out.join('; ');
}

/**
 * The UTF-16 length of all the data of shape `s` as the server writes it (tests/server/src/sse.rs):
 * lines split as evenly as `size` allows, the index in the last one, and in the UTF-8 filler
 * every whole 20-byte cycle is 10 UTF-16 units; everything else is ASCII.
 */
function expectedUnits(s) {
  if (!s.utf8) return s.size * s.count;
  const lines = Math.min(s.lines ?? 1, Math.max(1, Math.floor(s.size / 9)));
  const content = s.size - (lines - 1);
  const base = Math.floor(content / lines);
  let shrink = 0;
  for (let j = 0; j < lines; j++) {
    const len = base + (j < content % lines ? 1 : 0) - (j === lines - 1 ? Math.min(s.size, 8) : 0);
    shrink += 10 * Math.floor(len / 20);
  }
  return (s.size - shrink) * s.count;
}

function median(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The throughput results as a Markdown table. */
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

/** The cold results as a Markdown table: medians, with the range of the runs. */
function coldTable(rows) {
  const lines = [
    '| implementation | script load+init ms | construct→open ms | construct→first event ms | runs |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  const cell = (r, key) => {
    if (!r.samples || r[key] === undefined) return '–';
    const xs = r.samples.map((x) => x[key]);
    return `${r[key]} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  };
  for (const r of rows) {
    const load = r.impl === 'native' || r.impl === 'raw fetch' ? '–' : cell(r, 'loadMs');
    lines.push(`| ${r.impl} | ${load} | ${cell(r, 'openMs')} | ${cell(r, 'firstMs')} | ${r.runs}${r.error ? `, ${r.error}` : ''} |`);
  }
  return lines.join('\n');
}

/**
 * The bench page in headless Chromium, in a fresh browser context (renderer, heap, JIT and HTTP
 * cache) for every run, as the shared benchmark does: `runOne(impl, run)` loads the client, then
 * streams; `runCold(impl, run, fresh)` times the load too; `close()`.
 */
async function openChromium() {
  const chromium = await launchChromium(['--enable-precise-memory-info']);
  const inFreshPage = async (fn) => {
    const context = await chromium.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.origin}/tests/e2e/bench/bench.html`);
      await page.waitForFunction(() => window.benchReady === true);
      return await fn(page);
    } finally {
      await context.close();
    }
  };
  return {
    runOne: (impl, run) =>
      inFreshPage(async (page) => {
        await page.evaluate((i) => window.load(i), impl);
        return page.evaluate(([i, r]) => window.runOne(i, r), [impl, run]);
      }),
    runCold: (impl, run, fresh) =>
      inFreshPage(async (page) => {
        const { loadMs } = await page.evaluate(([i, f]) => window.load(i, f), [impl, fresh]);
        return { loadMs, ...(await page.evaluate(([i, r]) => window.runOne(i, r), [impl, run])) };
      }),
    close: () => chromium.close(),
  };
}

/**
 * The same page in headless Firefox over WebDriver, loaded anew for every run. The runs share one
 * browser, so its HTTP cache is off and a cold run loads the client from a URL of its own.
 */
async function openFirefox() {
  const ff = await launchFirefox({
    scriptTimeout: 120000,
    prefs: { 'browser.cache.disk.enable': false, 'browser.cache.memory.enable': false },
  });
  const call = async (fn, args) => {
    const res = await ff.executeAsync(
      `const done = arguments[arguments.length - 1]; Promise.resolve().then(() => window.${fn}(...Array.from(arguments).slice(0, -1))).then(done, (e) => done({ error: String(e.message || e) }));`,
      args,
    );
    if (res.error) throw new Error(res.error);
    return res;
  };
  const freshPage = async () => {
    await ff.navigate(`${server.origin}/tests/e2e/bench/bench.html`);
    const deadline = Date.now() + 15000;
    while (!(await ff.execute('return window.benchReady === true'))) {
      if (Date.now() > deadline) throw new Error('bench page not ready in Firefox within 15 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    async runOne(impl, run) {
      await freshPage();
      await call('load', [impl]);
      return call('runOne', [impl, run]);
    },
    async runCold(impl, run, fresh) {
      await freshPage();
      const { loadMs } = await call('load', [impl, fresh]);
      return { loadMs, ...(await call('runOne', [impl, run])) };
    },
    close: () => ff.quit(),
  };
}
