// Where a throughput case's CPU goes, on the shared benchmark's page and server (../shared/bench,
// copied and set up as its README says; BENCH_DIR, default /tmp/bench): per MB delivered, the
// whole machine's CPU time (every process: Chromium's renderer, network service and browser, the
// server, the kernel's loopback) and the page's main thread alone, for raw fetch (wire MB) and
// each client (data MB), in fresh browser contexts, interleaved.
//   node tests/e2e/bench/cpu-per-mb.mjs 'n=20000&size=4096' RUNS label=path/file.js:Global ...
// The query is the shared benchmark's generator parameters (its README, "The server"). Prints
// medians [min–max]. When the machine's cores are all busy in every case, throughput is the
// cores divided by the CPU per MB, and what a client adds to raw fetch's CPU per MB is what it
// costs. Linux only (/proc/stat).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { launchChromium } from '../harness.mjs';
import { freshPage, loadClient, median, parseClients, prepareCase, rotation, runCase, startBenchServer } from './shared-bench.mjs';

const [gen, runsArg, ...specs] = process.argv.slice(2);
const runs = Number(runsArg);
if (!/n=\d+/.test(gen ?? '') || !(runs > 0)) {
  console.error("usage: cpu-per-mb.mjs 'n=N&size=B[&…]' RUNS label=file:Global ...");
  process.exit(2);
}
const clients = parseClients(specs);
const { base, stop } = await startBenchServer(clients);
const prepared = await prepareCase(base, gen);

/** Busy and total CPU time of the machine so far (jiffies, all cores). */
function cpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

const browser = await launchChromium(['--enable-precise-memory-info']);
const cores = os.cpus().length;
const order = [{ label: 'raw' }, ...clients];
const results = Object.fromEntries(order.map((c) => [c.label, []]));
try {
  for (let i = 0; i < runs; i++) {
    for (const c of rotation(order, i)) {
      const { ctx, page } = await freshPage(browser, base);
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Performance.enable');
      await loadClient(page, c);
      const task = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
      const [t0, c0, w0] = [await task(), cpu(), performance.now()];
      const r = await runCase(page, gen, prepared, `${i}-${c.label}`);
      const [w1, c1, t1] = [performance.now(), cpu(), await task()];
      await ctx.close();
      const { mb } = r;
      const busyCores = ((c1.busy - c0.busy) / (c1.total - c0.total)) * cores;
      results[c.label].push({
        mbPerS: mb / (r.totalMs / 1000),
        busyCores,
        cpuMsPerMB: (busyCores * (w1 - w0)) / mb,
        mainMsPerMB: ((t1 - t0) * 1000) / mb,
      });
    }
  }
} finally {
  await browser.close();
  stop();
}
console.log(`${gen}: ${runs} runs each, ${cores} cores; medians [min–max]`);
for (const [label, rs] of Object.entries(results)) {
  const cell = (k) => {
    const v = rs.map((r) => r[k]);
    return `${median(v).toFixed(1)} [${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)}]`;
  };
  console.log(`${label.padEnd(12)} MB/s ${cell('mbPerS')}  busy cores ${cell('busyCores')}  CPU ms/MB ${cell('cpuMsPerMB')}  main thread ms/MB ${cell('mainMsPerMB')}`);
}
