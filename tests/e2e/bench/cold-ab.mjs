// Cold-start A/B against the shared benchmark's page and server (../shared/bench, copied and set
// up as its README says; BENCH_DIR, default /tmp/bench): builds of a script-tag file compared in
// fresh browser contexts, interleaved and rotated so that drift hits every label alike.
//   node tests/e2e/bench/cold-ab.mjs first RUNS label=path/file.js ...
//     construct→first event (after the script loaded and `ready` settled), with native and the
//     raw-fetch reference (fetch, then the body's first chunk), and where the time goes: when
//     the request started and its response head arrived (Resource Timing), and for fetch-based
//     clients when fetch() was called and resolved and when the first chunk was read
//   node tests/e2e/bench/cold-ab.mjs load RUNS label=path/file.js[:Global] ...
//     script load+init: insert→onload and →`ready`, the script's own fetch, and the rest
// Prints medians (and, for `first`, a 10%-trimmed mean and the ratio to native).
import path from 'node:path';
import { launchChromium } from '../harness.mjs';
import { freshPage, median, parseClients, rotation, startBenchServer } from './shared-bench.mjs';

const [mode, runsArg, ...specs] = process.argv.slice(2);
const runs = Number(runsArg);
if (!['first', 'load'].includes(mode) || !(runs > 0) || !specs.length) {
  console.error('usage: cold-ab.mjs first|load RUNS label=file[:Global] ...');
  process.exit(2);
}
const clients = parseClients(specs);
const { base, stop } = await startBenchServer(clients);
const browser = await launchChromium();
const order = mode === 'first' ? [{ label: 'native' }, { label: 'raw' }, ...clients] : clients;
const results = Object.fromEntries(order.map((c) => [c.label, []]));
let seq = 0;
try {
  for (let i = 0; i < runs; i++) {
    for (const c of rotation(order, i)) {
      const { ctx, page } = await freshPage(browser, base);
      const src = c.file ? `/c/${c.label}/${path.basename(c.file)}` : null;
      const r = await page.evaluate(
        async ([mode, src, global, query, label]) => {
          const load = () =>
            new Promise((resolve, reject) => {
              const s = document.createElement('script');
              s.src = src;
              s.onload = resolve;
              s.onerror = reject;
              document.head.appendChild(s);
            });
          if (mode === 'load') {
            const t0 = performance.now();
            await load();
            const t1 = performance.now();
            await window[global].ready;
            const t2 = performance.now();
            const entry = performance.getEntriesByType('resource').find((e) => e.name.endsWith(src));
            const fetchMs = entry.responseEnd - entry.startTime;
            return { onload: t1 - t0, ready: t2 - t0, fetch: fetchMs, rest: t2 - t0 - fetchMs };
          }
          let Client = EventSource;
          if (src) {
            await load();
            Client = window[global];
            await Client.ready;
          }
          // Phases, in ms from the constructor (or from the raw fetch call).
          const at = {};
          const now = () => performance.now();
          const fetch = globalThis.fetch;
          globalThis.fetch = function (...args) {
            at.fetchCalled ??= now();
            const p = fetch.apply(this, args);
            p.then(() => (at.fetchResolved ??= now()), () => {});
            return p;
          };
          for (const Reader of [globalThis.ReadableStreamBYOBReader, globalThis.ReadableStreamDefaultReader]) {
            const read = Reader.prototype.read;
            Reader.prototype.read = function (...args) {
              const p = read.apply(this, args);
              p.then(() => (at.chunk ??= now()), () => {});
              return p;
            };
          }
          const url = `/sse?${query}`;
          const t0 = now();
          if (label === 'raw') {
            const reader = (await globalThis.fetch(url)).body.getReader();
            await reader.read();
            at.first = now();
            reader.cancel();
          } else {
            const es = new Client(url);
            at.first = await new Promise((resolve) => es.addEventListener('message', () => resolve(now())));
            es.close();
          }
          // The entry of a stream is recorded once it is closed.
          await new Promise((resolve) => setTimeout(resolve, 50));
          const entry = performance.getEntriesByType('resource').find((e) => e.name.endsWith(url));
          if (entry) Object.assign(at, { requestStart: entry.startTime, responseStart: entry.responseStart });
          return Object.fromEntries(Object.entries(at).map(([k, v]) => [k, v - t0]));
        },
        [mode, src, c.global, `n=1&size=32&hold=1&run=${++seq}`, c.label],
      );
      results[c.label].push(r);
      await ctx.close();
    }
  }
} finally {
  await browser.close();
  stop();
}
const trimmed = (a) => {
  const s = [...a].sort((x, y) => x - y).slice(Math.floor(a.length * 0.1), a.length - Math.floor(a.length * 0.1));
  return s.reduce((x, y) => x + y, 0) / s.length;
};
const native = mode === 'first' ? median(results.native.map((r) => r.first)) : 0;
const PHASES = ['fetchCalled', 'requestStart', 'responseStart', 'fetchResolved', 'chunk'];
for (const [label, rs] of Object.entries(results)) {
  const col = (k) => rs.map((r) => r[k]).filter((v) => v !== undefined);
  if (mode === 'load') {
    const line = `onload ${median(col('onload')).toFixed(2)}  ready ${median(col('ready')).toFixed(2)}  of which the script's fetch ${median(col('fetch')).toFixed(2)}, the rest ${median(col('rest')).toFixed(2)} ms`;
    console.log(`${label.padEnd(12)} ${line}`);
    continue;
  }
  const first = col('first');
  const phases = PHASES.filter((k) => col(k).length).map((k) => `${k} ${median(col(k)).toFixed(2)}`);
  console.log(
    `${label.padEnd(12)} median ${median(first).toFixed(2)} ms  trimmed mean ${trimmed(first).toFixed(2)} ms  ${(median(first) / native).toFixed(2)}× native` +
      `\n${''.padEnd(12)} medians, ms from construct: ${phases.join(', ')}`,
  );
}
