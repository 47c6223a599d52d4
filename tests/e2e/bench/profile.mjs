// Where the page's main thread spends a throughput case, by function: a V8 CPU profile of one
// run for raw fetch and each client, on the shared benchmark's page and server (../shared/bench,
// copied and set up as its README says; BENCH_DIR, default /tmp/bench), self time summed by
// function and printed busiest first.
//   node tests/e2e/bench/profile.mjs 'n=20000&size=4096' label=path/file.js:Global ...
// The query is the shared benchmark's generator parameters (its README, "The server"). Function
// names are the minified ones: look them up in the file (`x` is the driver's `exec`, and so on).
// A sampling profiler slows the page by a fifth or so: compare shares, not times, and take the
// throughput from cpu-per-mb.mjs or the shared benchmark. Set TOP for more or fewer rows.
import { launchChromium } from '../harness.mjs';
import { freshPage, loadClient, parseClients, prepareCase, runCase, startBenchServer } from './shared-bench.mjs';

const [gen, ...specs] = process.argv.slice(2);
if (!/n=\d+/.test(gen ?? '')) {
  console.error("usage: profile.mjs 'n=N&size=B[&…]' label=file:Global ...");
  process.exit(2);
}
const top = Number(process.env.TOP ?? 20);
const clients = parseClients(specs);
const { base, stop } = await startBenchServer(clients);
const prepared = await prepareCase(base, gen);

/** Self time (µs) by `function file:line`, and the total of what was not idle. */
function selfTimes({ nodes, samples, timeDeltas }) {
  const byId = new Map(nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map();
  samples.forEach((id, i) => {
    const f = byId.get(id);
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + timeDeltas[i]);
  });
  const busy = [...self].reduce((sum, [k, t]) => (k.startsWith('(idle)') ? sum : sum + t), 0);
  return { self, busy };
}

const browser = await launchChromium(['--enable-precise-memory-info']);
try {
  for (const c of [{ label: 'raw' }, ...clients]) {
    const { ctx, page } = await freshPage(browser, base);
    await loadClient(page, c);
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    const r = await runCase(page, gen, prepared, c.label);
    const { profile } = await cdp.send('Profiler.stop');
    await ctx.close();
    const { self, busy } = selfTimes(profile);
    const { mb } = r;
    console.log(`\n${c.label}: ${gen}, ${(mb / (r.totalMs / 1000)).toFixed(1)} MB/s profiled, main thread busy ${(busy / 1000).toFixed(0)} ms (${(busy / 1000 / mb).toFixed(1)} ms/MB)`);
    const rows = [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [k, t] of rows) console.log(`${(t / 1000).toFixed(1).padStart(9)} ms ${((100 * t) / busy).toFixed(1).padStart(5)}%  ${k}`);
  }
} finally {
  await browser.close();
  stop();
}
