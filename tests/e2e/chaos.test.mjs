// Chaos: hundreds of reconnections against a server (tests/e2e/chaos/server.mjs) that cuts each
// connection at a random byte (mid-line, between CR and LF, inside a UTF-8 sequence), ends it
// cleanly, stalls it (inactivityTimeout must notice), resets it inside the response head, or
// answers 503 with Retry-After (retryOnStatus). Every event must arrive exactly once, in order,
// with its exact data, and every reconnection must resume from the last event dispatched. Both
// builds, in Node and in Chromium, with no unhandled rejection or uncaught exception anywhere;
// native EventSource runs first in Chromium as the control, on the fates it can survive. Then
// shorter cross-origin runs (the stream on the chaos server's second origin, with CORS), whose
// first connection is always reset inside the response head: before any response, that must
// still be taken for a network error (a probe tells it from a CORS failure), and after one no
// probe may be sent at all. Node has no CORS: there the run only changes port.
//
// Seeded: CHAOS_SEED=<seed> node --test tests/e2e/chaos.test.mjs replays a run (the seed fixes
// the events and each connection's fate; which bytes a reset loses is up to the kernel).
// CHAOS_FATES=cut,end,stall,503,headers (the default: all) narrows the fates, to isolate a failure.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { root, launchChromium } from './harness.mjs';
import { guardProcess, guardPage } from './guard.mjs';
import { startChaosServer, FATES } from './chaos/server.mjs';
import { runChaos } from './chaos/client.mjs';
import { mix, expectedMessages, CUSTOM_TYPES } from './chaos/stream.mjs';
import { EventSource } from '../../pkg/index.js';

await import('../../pkg/eventsource-wasm.min.js'); // a classic script: sets globalThis.EventSourceWasm
const builds = { npm: EventSource, script: globalThis.EventSourceWasm };

const SEED = process.env.CHAOS_SEED ?? String(Math.floor(Math.random() * 2 ** 32));
const fates = process.env.CHAOS_FATES ? process.env.CHAOS_FATES.split(',') : Object.keys(FATES);
assert.ok(fates.length && fates.every((f) => f in FATES), `CHAOS_FATES: a comma-separated subset of ${Object.keys(FATES)}`);
const replay = `CHAOS_SEED=${SEED}${process.env.CHAOS_FATES ? ` CHAOS_FATES=${fates}` : ''} node --test tests/e2e/chaos.test.mjs`;
console.log(`chaos: seed ${SEED} (replay: ${replay})`);

const TOTAL = 700; // events (~3% only set the id); about 1.5 arrive per connection
const MIN_CONNECTIONS = 500;
const RUN_TIMEOUT = 30000; // ms, the client's own deadline; the test's is 15 s later
const INACTIVITY = 150;
const init = { retry: { initialDelay: 5, maxDelay: 20, multiplier: 1, jitter: 0 }, inactivityTimeout: INACTIVITY, retryOnStatus: [503] };
// Native has no inactivity timeout and fails on a 503: it gets the other fates, on a shorter run.
const NATIVE_FATES = fates.filter((f) => f !== 'stall' && f !== '503');
const NATIVE_TOTAL = 200;
const NATIVE_CONNECTIONS = 100;
const CROSS_TOTAL = 300;
const CROSS_CONNECTIONS = 200;

/** The client's settings for `run`: it stops once it has every message of the run's stream. */
const minConnections = ({ native = false, cross = false }) => (native ? NATIVE_CONNECTIONS : cross ? CROSS_CONNECTIONS : MIN_CONNECTIONS);
const configFor = (run, native = false, cross = false) => ({
  total: expectedMessages(run.events).length,
  minConnections: minConnections({ native, cross }),
  timeout: RUN_TIMEOUT,
  types: CUSTOM_TYPES,
  init: native ? undefined : init,
});

const nodeGuard = guardProcess();
const server = await startChaosServer(root);
let browser;
after(async () => {
  await browser?.close();
  await server.close();
  nodeGuard.dispose();
});

const show = (v) => JSON.stringify(v, (k, x) => (typeof x === 'string' && x.length > 60 ? `${x.slice(0, 60)}…(${x.length})` : x));

/**
 * Judges each connection's Last-Event-ID (`log`, the server's) against what the previous
 * connection delivered. Exact, except where bytes may legitimately not have reached the client:
 * after a network error (a stream that errors drops what it had queued), or where the client's
 * own inactivity timeout ended a connection that was not stalled (the process or page was starved
 * for longer than the timeout, so the client rightly gave up before the last bytes; the server
 * sees the client close first, and the client's error says so). There it must lie between where
 * that connection started and what it sent.
 */
function judgeResumes(log, endings) {
  const wrong = [];
  const counts = { exact: 0, 'bounded, after a network error': 0, 'bounded, after a timeout on a busy machine': 0 };
  const id = (n) => (n === -1 ? null : String(n));
  if (log.length && log[0].lastEventId !== null) wrong.push({ connection: 0, lastEventId: log[0].lastEventId, expected: null });
  for (let k = 1; k < log.length; k++) {
    const prev = log[k - 1];
    const got = log[k].resumed;
    // The server's word counts too: a timeout while a request was on its way may end one that
    // never reached the server, putting the error events out of step with the connections.
    const timedOut = prev.abandoned || (!prev.fate.startsWith('stall') && /inactivity/i.test(endings[k - 1] ?? ''));
    const kind = prev.lossy ? 'bounded, after a network error' : timedOut ? 'bounded, after a timeout on a busy machine' : 'exact';
    const ok = kind === 'exact' ? got === prev.delivered : got >= prev.resumed && got <= prev.delivered;
    counts[kind]++;
    if (!ok) {
      const expected = kind === 'exact' ? id(prev.delivered) : `${id(prev.resumed)} … ${id(prev.delivered)}`;
      wrong.push({ connection: k, lastEventId: log[k].lastEventId, expected, previous: `${prev.fate}, after Last-Event-ID ${prev.lastEventId}`, clientSaw: endings[k - 1] });
    }
  }
  // Keepalive comments must hold a connection open: a timeout on one is a busy machine at most.
  const keepalives = log.filter((e) => e.keepalive).length;
  const timedOut = log.filter((e, k) => e.keepalive && /inactivity/i.test(endings[k] ?? '')).length;
  return { wrong, counts, keepalives, timedOut };
}

/** Asserts everything a run must show, after reporting what happened in it. */
async function check(t, name, seed, run, result, guards, { native = false, cross = false } = {}) {
  const stalls = run.stalls.length ? `${Math.min(...run.stalls)}–${Math.max(...run.stalls)} ms` : 'none';
  const resumes = judgeResumes(run.log, result.endings);
  t.diagnostic(`${name}: seed ${seed} (CHAOS_SEED=${SEED}), ${run.connections} connections, ${result.messages.length} messages, ${result.ms} ms, stop: ${result.why}`);
  t.diagnostic(`${name}: fates ${show(run.fates)}; cuts ${show(run.cuts)}; stalls noticed after ${stalls}; probes ${run.probes}${cross ? ` (after connections ${run.probeAt}), preflights ${run.preflights}` : ''}`);
  t.diagnostic(`${name}: endings ${show(run.endings)}`);
  t.diagnostic(`${name}: error events ${show(result.errors)}`);
  t.diagnostic(`${name}: Last-Event-ID checks ${show(resumes.counts)}; timeouts despite keepalive comments: ${resumes.timedOut} of ${resumes.keepalives}`);
  const where = `${name}, seed ${seed}; replay: ${replay}`;
  for (const guard of guards) await guard.assertClean(where);
  assert.deepEqual(result.problems, [], `the source misbehaved (${where})`);
  assert.deepEqual(resumes.wrong.slice(0, 5), [], `${resumes.wrong.length} reconnections came with a wrong Last-Event-ID (${where})`);
  // One error event per connection that ended: the last one may still have been open. A timeout
  // on a busy machine (one not of a stall) may end a request before it reached the server: an
  // error event with no connection.
  const ended = result.endings.length;
  const busy = Math.max(0, result.endings.filter((m) => /inactivity/i.test(m)).length - (run.fates.stall ?? 0));
  assert.ok(run.connections <= ended + 1 && run.connections >= ended - busy, `${run.connections} connections but ${ended} error events, ${busy} of them timeouts not of a stall (${where})`);

  const expected = expectedMessages(run.events);
  const got = result.messages;
  const i = expected.findIndex((e, k) => !got[k] || e[0] !== got[k][0] || e[1] !== got[k][1] || e[2] !== got[k][2]);
  if (i >= 0 || got.length !== expected.length) {
    const at = i >= 0 ? i : expected.length;
    assert.fail(
      `message ${at} of ${expected.length} differs (${where}; ${got.length} received):\n` +
        `  expected ${show(expected.slice(Math.max(at - 1, 0), at + 2))}\n` +
        `  received ${show(got.slice(Math.max(at - 1, 0), at + 2))}`,
    );
  }
  assert.equal(result.why, 'done', `the run stopped: ${result.why} (${where})`);
  const min = minConnections({ native, cross });
  assert.ok(run.connections >= min, `${run.connections} connections (${where})`);
  // Every fate and every kind of cut happened, and each stall ended by the client's timeout.
  const used = native ? NATIVE_FATES : fates;
  const variants = used.includes('503') ? ['503 Retry-After: 0', '503 Retry-After: past HTTP-date'] : [];
  for (const fate of [...used, ...variants]) assert.ok(run.fates[fate] > 0, `no connection met the fate "${fate}" (${where})`);
  if (used.includes('cut')) {
    for (const kind of ['crlf', 'utf8', 'midline', 'boundary']) assert.ok(run.cuts[kind] > 0, `no cut of kind "${kind}" (${where})`);
  }
  assert.ok(run.stalls.every((ms) => ms >= INACTIVITY - 20), `a stall ended before the inactivity timeout: ${run.stalls} (${where})`);
  if (!native && used.includes('end')) {
    assert.ok(resumes.keepalives > 0, `no connection sent keepalive comments (${where})`);
    assert.ok(resumes.timedOut <= resumes.keepalives / 2, `${resumes.timedOut} of ${resumes.keepalives} connections timed out despite a comment every 50 ms (${where})`);
  }
  if (cross && name.startsWith('chromium')) {
    // Probes only while no response had come: the connections before the first that got one.
    const answered = run.log.findIndex((e) => !e.fate.startsWith('reset inside'));
    assert.ok(run.probes >= 2, `the first connection's reset before the head sent no probe (${where})`);
    assert.ok(run.probeAt.every((k) => k <= answered), `probes after connections ${run.probeAt}, but connection ${answered} had a response (${where})`);
  }
}

for (const build of Object.keys(builds)) {
  test(`chaos node ${build}`, { timeout: RUN_TIMEOUT + 15000 }, async (t) => {
    const name = `node ${build}`;
    const seed = String(mix(SEED, name));
    const run = server.addRun(name, seed, TOTAL, fates);
    const result = await runChaos(builds[build], `${server.origin}/sse?run=${encodeURIComponent(name)}`, configFor(run));
    await check(t, name, seed, run, result, [nodeGuard]);
  });
}

/**
 * Runs the client in a fresh Chromium page of the chaos server's first origin with `build`
 * (native, npm or script) against `url`, then `check`s the run with the page's guard too.
 */
async function inChromium(build, url, config, judge) {
  browser ??= await launchChromium();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const pageGuard = await guardPage(page);
    await page.goto(`${server.origin}/page.html`);
    if (build === 'script') await page.addScriptTag({ url: '/pkg/eventsource-wasm.min.js' });
    const result = await page.evaluate(
      async ([build, url, config]) => {
        const { runChaos } = await import('/chaos/client.mjs');
        const Impl = build === 'npm' ? (await import('/pkg/index.js')).EventSource : build === 'script' ? globalThis.EventSourceWasm : EventSource;
        return runChaos(Impl, url, config);
      },
      [build, url, config],
    );
    await judge(result, [pageGuard, nodeGuard]);
  } finally {
    await context.close();
  }
}

for (const build of ['native', ...Object.keys(builds)]) {
  const native = build === 'native';
  if (native && !NATIVE_FATES.length) continue;
  test(`chaos chromium ${build}${native ? ' (the control)' : ''}`, { timeout: RUN_TIMEOUT + 15000 }, async (t) => {
    const name = `chromium ${build}`;
    const seed = String(mix(SEED, name));
    const run = native ? server.addRun(name, seed, NATIVE_TOTAL, NATIVE_FATES) : server.addRun(name, seed, TOTAL, fates);
    const url = `${server.origin}/sse?run=${encodeURIComponent(name)}`;
    await inChromium(build, url, configFor(run, native), (result, guards) => check(t, name, seed, run, result, guards, { native }));
  });
}

// Cross-origin: the page (or Node) on the chaos server's first origin, the stream on its second.
for (const [env, build] of [['node', 'npm'], ['node', 'script'], ['chromium', 'npm'], ['chromium', 'script']]) {
  test(`chaos ${env} ${build} cross-origin`, { timeout: RUN_TIMEOUT + 15000 }, async (t) => {
    const name = `${env} ${build} cross-origin`;
    const seed = String(mix(SEED, name));
    const run = server.addRun(name, seed, CROSS_TOTAL, fates, fates.includes('headers') ? 'headers' : '');
    const url = `${server.crossOrigin}/sse?run=${encodeURIComponent(name)}`;
    const config = configFor(run, false, true);
    const judge = (result, guards) => check(t, name, seed, run, result, guards, { cross: true });
    if (env === 'node') return judge(await runChaos(builds[build], url, config), [nodeGuard]);
    await inChromium(build, url, config, judge);
  });
}
