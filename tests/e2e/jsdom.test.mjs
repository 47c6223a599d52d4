// eventsource-wasm in jsdom test setups, which have no EventSource of their own: plain jsdom with
// the globals Vitest's and jest's jsdom environments give test code (tests/jsdom/plain-jsdom.mjs,
// one child process per case), and a real Vitest run with `environment: 'jsdom'`
// (tests/jsdom/stream.test.js). jsdom and vitest live in tests/jsdom/node_modules, installed here
// from tests/jsdom/package-lock.json when missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { root, startServer } from './harness.mjs';

const run = promisify(execFile);
const dir = path.join(root, 'tests/jsdom');
const vitest = path.join(dir, 'node_modules/.bin/vitest');
const T = { timeout: 15_000 };

let server;

/** Missing, or older than package.json (as scripts/setup.sh decides for the root's). */
function needsInstall() {
  const stamp = path.join(dir, 'node_modules/.package-lock.json');
  if (!existsSync(vitest) || !existsSync(path.join(dir, 'node_modules/jsdom/package.json')) || !existsSync(stamp)) return true;
  return statSync(path.join(dir, 'package.json')).mtimeMs > statSync(stamp).mtimeMs;
}

before(async () => {
  if (needsInstall()) {
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, timeout: 60_000 });
  }
  server = await startServer();
});

after(() => server?.stop());

/** Runs plain-jsdom.mjs with `cfg`; resolves to what it printed (see that file). */
async function plain(cfg) {
  const arg = JSON.stringify({ origin: server.origin, timeout: 5000, ...cfg });
  const { stdout } = await run(process.execPath, [path.join(dir, 'plain-jsdom.mjs'), arg], { cwd: dir, timeout: 10_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

/** The open event and two messages, all jsdom's own event classes, on the resolved URL. */
function assertStream(r) {
  const origin = server.origin;
  assert.deepEqual(
    { url: r.url, isWindowEventTarget: r.isWindowEventTarget, events: r.events },
    {
      url: `${origin}/sse/messages?n=2&hold=1`,
      isWindowEventTarget: true,
      events: [
        { type: 'open', readyState: 1, isWindowEvent: true },
        { type: 'message', data: 'hello 0', lastEventId: '1', origin, isWindowMessageEvent: true },
        { type: 'message', data: 'hello 1', lastEventId: '2', origin, isWindowMessageEvent: true },
      ],
    },
    JSON.stringify(r),
  );
}

test("jsdom, Vitest-style globals (jsdom's DOM classes, Node's fetch and TextDecoder): a relative URL resolves against the document; events are jsdom's", T, async () => {
  assertStream(await plain({ env: 'vitest' }));
});

test('jsdom, Vitest-style globals: the polyfill installs window.EventSource and it streams', T, async () => {
  const r = await plain({ env: 'vitest', polyfill: true });
  assert.equal(r.polyfillInstalled, true);
  assertStream(r);
});

test("jsdom, jest-style globals (all from the window, no fetch): the 'fetch' option streams; events are jsdom's", T, async () => {
  const r = await plain({ env: 'jest', fetch: 'option' });
  assert.equal(r.globals.fetch, 'undefined');
  assertStream(r);
});

test('jsdom, jest-style globals with a setup file that provides window.fetch: the polyfill streams', T, async () => {
  const r = await plain({ env: 'jest', fetch: 'setup', polyfill: true });
  assert.equal(r.polyfillInstalled, true);
  assertStream(r);
});

test("jsdom, jest-style globals with no fetch anywhere: one error event naming the 'fetch' option, CLOSED, no retry", T, async () => {
  const r = await plain({ env: 'jest' });
  assert.deepEqual(r.events, [
    { type: 'error', readyState: 2, message: "eventsource-wasm: no fetch() here; pass the 'fetch' option", willRetry: false },
  ]);
});

test(
  'jsdom < 27.4 (no TextEncoder/TextDecoder, as in jest-environment-jsdom 30): importing does not throw; construction reports the missing API',
  T,
  async () => {
    const r = await plain({ env: 'jest', codec: 'none', fetch: 'option' });
    assert.equal(r.importError, undefined, JSON.stringify(r));
    assert.equal(r.events.length, 1, JSON.stringify(r));
    assert.equal(r.events[0].type, 'error');
    assert.equal(r.events[0].readyState, 2);
    assert.match(r.events[0].message, /TextDecoder/);
  },
);

test(
  'package imported before the jsdom globals exist: events still reach the listeners',
  T,
  async () => {
    const r = await plain({ env: 'vitest', importFirst: true });
    assert.equal(r.unhandledRejection, undefined, JSON.stringify(r));
    assert.deepEqual(
      r.events.map((e) => e.type),
      ['open', 'message', 'message'],
    );
  },
);

async function runVitest(pool) {
  const env = { ...process.env, SSE_ORIGIN: server.origin, NO_COLOR: '1', CI: '1' };
  delete env.FORCE_COLOR;
  let out;
  try {
    out = await run(vitest, ['run', '--root', dir, '--pool', pool], { cwd: root, env, timeout: 60_000 });
  } catch (e) {
    assert.fail(`vitest (${pool}) failed: ${e.message}\n${e.stdout}\n${e.stderr}`);
  }
  assert.match(out.stdout, /Tests\s+2 passed \(2\)/, out.stdout);
}

test("Vitest, environment 'jsdom' (forks pool: jsdom's globals over Node's): imported class and polyfill both stream", { timeout: 65_000 }, async () => {
  await runVitest('forks');
});

test("Vitest, environment 'jsdom' (vmForks pool: the jsdom window is the realm's global, as in jest): imported class and polyfill both stream", { timeout: 65_000 }, async () => {
  await runVitest('vmForks');
});
