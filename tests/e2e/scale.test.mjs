// Scale in one Node process, bounded (`make bench-scale` is the full size, 10,000 sources for
// 30 s): 500 sources of the npm build open at once in a child `node --expose-gc`, the server
// (tests/e2e/bench/scale-server.mjs) in a process of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startScaleServer, runClient } from './bench/scale.mjs';

const SOURCES = 500;
const SECONDS = 3;

let server;
let result;
before(async () => {
  server = await startScaleServer();
  result = await runClient('ours', server.origin, { sources: SOURCES, seconds: SECONDS, timeout: 120_000 });
});
after(() => server?.stop());

test('scale: an idle source holds at most 8 KB of external and ArrayBuffer memory', () => {
  // Issue 30: every source held a 64 KiB read buffer whether or not data came, and Node counts an
  // ArrayBuffer in both figures (129 KB a source, summed).
  const { external, arrayBuffers } = result.perSource;
  assert.ok(external + arrayBuffers <= 8192, `external ${external} B + ArrayBuffers ${arrayBuffers} B a source`);
});

test('scale: one event a second to every source: none lost, out of order or late by over 1 s', () => {
  assert.deepEqual(
    { events: result.fanout.events, lost: result.fanout.lost, outOfOrder: result.fanout.outOfOrder, late: result.fanout.late },
    { events: SOURCES * SECONDS, lost: 0, outOfOrder: 0, late: 0 },
    `delays: median ${result.fanout.p50Ms} ms, p99 ${result.fanout.p99Ms} ms, max ${result.fanout.maxLateMs} ms`,
  );
});

test('scale: opening and closing them again leaves the memory where the first round left it', () => {
  const { closed, closed2 } = result.memory;
  // The bounds of leak.test.mjs's Node case: 2 KB of heap a source (Node's fetch grows alone by
  // about 0.85 KB a request while it warms up), and little external memory.
  assert.ok(closed2.heap - closed.heap <= SOURCES * 2048, `heap ${closed.heap} -> ${closed2.heap}`);
  assert.ok(closed2.external - closed.external <= SOURCES * 256, `external ${closed.external} -> ${closed2.external}`);
});

test('scale: the wasm memory freed by closed sources is reused by the next ones, not grown', () => {
  const w = result.wasm;
  assert.ok(w, 'the wasm instance was seen');
  // What a source costs in wasm memory, its engine and its share of the engines' table.
  assert.ok(w.perSource <= 2048, `${w.perSource} B a source`);
  assert.equal(w.open2, w.closed, 'the second round grew the memory');
});
