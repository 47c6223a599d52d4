// Shared by the e2e tests: starts the local SSE server and headless Chromium, and records the
// trace of an EventSource run (the same recorder runs in pages, workers and Node).
import { before, after } from 'node:test';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Starts target/debug/sse-test-server (or `profile`'s build) on free ports; it exits when this
 * process does.
 */
export async function startServer(profile = 'debug') {
  const bin = path.join(root, `target/${profile}/sse-test-server`);
  const child = spawn(bin, ['--port', '0', '--root', root, '--quiet', '--stdin-exit', '--max-seconds', '1800'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sse-test-server exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  const { port, cross_port: crossPort } = JSON.parse(line);
  return {
    port,
    crossPort,
    origin: `http://127.0.0.1:${port}`,
    crossOrigin: `http://127.0.0.1:${crossPort}`,
    async log(key) {
      const res = await fetch(`http://127.0.0.1:${port}/log?key=${encodeURIComponent(key)}`);
      return res.json();
    },
    stop() {
      child.removeAllListeners('exit');
      child.stdin.end();
      child.kill();
    },
  };
}

/**
 * For a test file: the test server and headless Chromium, started before its tests and stopped
 * after them; read `env.server` and `env.browser` inside the tests.
 */
export function serverAndChromium() {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer();
    env.browser = await launchChromium();
  });
  after(async () => {
    await env.browser?.close();
    env.server?.stop();
  });
  return env;
}

/** A 127.0.0.1 port nothing listens on (bound, then released; not a fetch "bad port" like 9). */
export async function closedPort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Polls `check` until it returns something truthy (returned), or fails after `ms`. */
export async function until(what, check, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchChromium(extraArgs = []) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: [...CHROMIUM_FLAGS, ...extraArgs] });
}

/**
 * Launches Chromium and opens `pages/<name>.html` from `server` with a page guard installed
 * first (see guard.mjs), once the page sets `window[readyFlag]`. Stop with `browser.close()`.
 */
export async function openGuardedPage(server, name, readyFlag) {
  const { guardPage } = await import('./guard.mjs');
  const browser = await launchChromium();
  const page = await browser.newPage();
  const guard = await guardPage(page);
  await page.goto(`${server.origin}/tests/e2e/pages/${name}.html`);
  await page.waitForFunction((flag) => window[flag] === true, readyFlag);
  return { browser, page, guard };
}

/**
 * Records what an EventSource reports until `max` entries, CLOSED, or `timeout` ms. Serialized
 * into pages and workers with `Function.prototype.toString`, so it must stay self-contained.
 * Each entry: `type@readyState`, and for MessageEvents the data, lastEventId and origin
 * ("self" when it is the page's origin, "cross" for the second server port).
 */
export async function recordTrace(Impl, url, opts = {}) {
  const { max = 20, timeout = 4000, types = [], init, closeOn, self = '', cross = '' } = opts;
  return new Promise((resolve) => {
    const out = [];
    let es;
    try {
      es = init === undefined ? new Impl(url) : new Impl(url, init);
    } catch (e) {
      resolve([`throws ${e.name}`]);
      return;
    }
    const finish = () => {
      es.close();
      clearTimeout(timer);
      resolve(out);
    };
    const origin = (o) => (o === self ? 'self' : o === cross ? 'cross' : o);
    const rec = (e) => {
      let line = `${e.type}@${es.readyState}`;
      if (typeof MessageEvent === 'function' && e instanceof MessageEvent) {
        line += ` ${JSON.stringify(e.data)} #${JSON.stringify(e.lastEventId)} ${origin(e.origin)}`;
      } else if ('data' in e) {
        line += ' (has data)';
      }
      out.push(line);
      if (closeOn && line.startsWith(closeOn)) return finish();
      if (es.readyState === 2 || out.length >= max) finish();
    };
    es.onopen = rec;
    es.onmessage = rec;
    es.onerror = rec;
    for (const t of types) es.addEventListener(t, rec);
    const timer = setTimeout(finish, timeout);
  });
}
