// What the tools that measure on the shared benchmark's page and server have in common
// (cold-ab.mjs, cpu-per-mb.mjs, profile.mjs): ../shared/bench copied and set up as its README
// says, in BENCH_DIR (default /tmp/bench).
import { spawn } from 'node:child_process';
import path from 'node:path';

const benchDir = process.env.BENCH_DIR ?? '/tmp/bench';

/** `label=path/file.js[:Global]` arguments as clients (the global defaults to ours). */
export function parseClients(specs) {
  return specs.map((s) => {
    const [label, rest] = s.split('=');
    const [file, global = 'EventSourceWasm'] = rest.split(':');
    return { label, file: path.resolve(file), global };
  });
}

/**
 * Starts the shared benchmark's server with each client's folder under `/c/<label>/`; resolves
 * to its origin and a `stop()`.
 */
export async function startBenchServer(clients) {
  const mounts = clients.flatMap((c) => ['--mount', `${c.label}=${path.dirname(c.file)}`]);
  const server = spawn(process.execPath, [`${benchDir}/server/server.mjs`, ...mounts], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Never left running, even when a tool fails before it could stop it.
  process.on('exit', () => server.kill());
  const port = await new Promise((resolve, reject) => {
    let out = '';
    server.once('exit', (code) => reject(new Error(`the shared benchmark's server (${benchDir}) exited with ${code}`)));
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/LISTEN (\d+)/);
      if (m) resolve(Number(m[1]));
    });
  });
  return { base: `http://127.0.0.1:${port}`, stop: () => server.kill() };
}

/**
 * A throughput case from the shared benchmark's generator query (its README, "The server"): the
 * figures the server expects (`n`, `dataBytes`, `wireBytes`) and the event types to listen to.
 * The server builds the stream here, once, not inside a measured run.
 */
export async function prepareCase(base, gen) {
  const expect = await (await fetch(`${base}/expect?${gen}`)).json();
  await (await fetch(`${base}/sse?${gen}&hold=0`)).arrayBuffer();
  const types = (/(?:^|&)types=([^&]*)/.exec(gen)?.[1] ?? '').split(',').filter(Boolean);
  return { expect, types };
}

/** Loads client `c` into the benchmark page, or raw fetch (the bytes only) for a `c` with no file. */
export function loadClient(page, c) {
  const spec = c.file ? { kind: 'script', src: `/c/${c.label}/${path.basename(c.file)}`, global: c.global, module: c.file.endsWith('.mjs') } : { kind: 'raw' };
  return page.evaluate((s) => window.bench.load(s), spec);
}

/**
 * One timed run of a prepared case in the page: the server's 64 KiB writes, the stream held
 * open after the last event (as in the shared benchmark's timed runs); `tag` keeps runs apart.
 * The page's result, with `mb`: the MB delivered (wire bytes for raw fetch, data for a client).
 */
export async function runCase(page, gen, { expect, types }, tag) {
  const cfg = { url: `/sse?${gen}&chunk=65536&hold=1&run=${tag}`, n: expect.n, types, verify: false, timeoutMs: 60000, idleMs: 5000, wireBytes: expect.wireBytes };
  const r = await page.evaluate((cfg) => window.bench.run(cfg), cfg);
  if (r.status !== 'ok') throw new Error(`${tag}: run ended ${r.status} ${r.firstError ?? ''}`);
  // Only raw fetch counts bytes.
  return { ...r, mb: (r.bytes ?? expect.dataBytes) / 1e6 };
}

/** Run `i`'s order of `clients`: rotated by one each run, so that drift hits every one alike. */
export function rotation(clients, i) {
  const k = i % clients.length;
  return [...clients.slice(k), ...clients.slice(0, k)];
}

/** The benchmark page in a fresh browser context (renderer, heap, JIT and cache): `{ ctx, page }`. */
export async function freshPage(browser, base) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${base}/page/bench.html`);
  await page.waitForFunction(() => window.bench);
  return { ctx, page };
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values) {
  const s = [...values].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
