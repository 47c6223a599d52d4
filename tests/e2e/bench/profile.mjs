// Where the page's main thread spends a throughput case, by function: a V8 CPU profile of one
// run for raw fetch and each client, on the shared benchmark's page and server (../shared/bench,
// copied and set up as its README says; BENCH_DIR, default /tmp/bench), self time summed by
// function and printed busiest first.
//   node tests/e2e/bench/profile.mjs 'n=20000&size=4096' label=path/file.js:Global ...
// The query is the shared benchmark's generator parameters (its README, "The server"). Function
// names are the minified ones: look them up in the file (`x` is the driver's `exec`, and so on).
// A sampling profiler slows the page by a fifth or so: compare shares, not times, and take the
// throughput from cpu-per-mb.mjs or the shared benchmark. Set TOP for more or fewer rows.
import path from 'node:path';
import { launchChromium } from '../harness.mjs';
import { freshPage, parseClients, startBenchServer } from './shared-bench.mjs';

const [gen, ...specs] = process.argv.slice(2);
if (!/n=\d+/.test(gen ?? '')) {
  console.error("usage: profile.mjs 'n=N&size=B[&…]' label=file:Global ...");
  process.exit(2);
}
const top = Number(process.env.TOP ?? 20);
const clients = parseClients(specs);
const { base, stop } = await startBenchServer(clients);
const expect = await (await fetch(`${base}/expect?${gen}`)).json();
// The server builds the stream once: not inside a profiled run.
await (await fetch(`${base}/sse?${gen}&hold=0`)).arrayBuffer();
const types = (/(?:^|&)types=([^&]*)/.exec(gen)?.[1] ?? '').split(',').filter(Boolean);

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
    const spec = c.file ? { kind: 'script', src: `/c/${c.label}/${path.basename(c.file)}`, global: c.global, module: c.file.endsWith('.mjs') } : { kind: 'raw' };
    await page.evaluate((s) => window.bench.load(s), spec);
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    const cfg = { url: `/sse?${gen}&chunk=65536&hold=1`, n: expect.n, types, verify: false, timeoutMs: 60000, idleMs: 5000, wireBytes: expect.wireBytes };
    const r = await page.evaluate((cfg) => window.bench.run(cfg), cfg);
    const { profile } = await cdp.send('Profiler.stop');
    await ctx.close();
    if (r.status !== 'ok') throw new Error(`${c.label}: run ended ${r.status} ${r.firstError ?? ''}`);
    const { self, busy } = selfTimes(profile);
    const mb = (c.file ? expect.dataBytes : r.bytes) / 1e6;
    console.log(`\n${c.label}: ${gen}, ${(mb / (r.totalMs / 1000)).toFixed(1)} MB/s profiled, main thread busy ${(busy / 1000).toFixed(0)} ms (${(busy / 1000 / mb).toFixed(1)} ms/MB)`);
    const rows = [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [k, t] of rows) console.log(`${(t / 1000).toFixed(1).padStart(9)} ms ${((100 * t) / busy).toFixed(1).padStart(5)}%  ${k}`);
  }
} finally {
  await browser.close();
  stop();
}
