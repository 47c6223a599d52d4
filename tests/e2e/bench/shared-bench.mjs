// What the tools that measure on the shared benchmark's page and server have in common
// (cold-ab.mjs, cpu-per-mb.mjs): ../shared/bench copied and set up as its README says, in
// BENCH_DIR (default /tmp/bench).
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
