// js/shared.js alone, in Node: its participants over Node's BroadcastChannel and a Web Locks
// stand-in whose grants the test controls, so that the orderings a browser makes only now and
// then (a former leader's last events arriving after the new leader's error, a new leader that
// has fewer events than another instance) happen every time. The browser tests
// (shared.test.mjs) run the same code in Chromium.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from '../../js/shared.js';

const OPEN = 1;
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** A lock manager of one process: requests granted in order, released when the callback's promise settles. */
function fakeLocks() {
  const queues = new Map();
  const grant = (name) => {
    const q = queues.get(name);
    if (!q.length || q.held) return;
    const req = q.shift();
    q.held = true;
    Promise.resolve(req.callback()).then(req.resolve, req.reject).finally(() => {
      q.held = false;
      grant(name);
    });
  };
  return {
    request(name, { signal }, callback) {
      return new Promise((resolve, reject) => {
        if (!queues.has(name)) queues.set(name, Object.assign([], { held: false }));
        const q = queues.get(name);
        const req = { callback, resolve, reject };
        q.push(req);
        signal.addEventListener('abort', () => {
          const at = q.indexOf(req);
          if (at >= 0) {
            q.splice(at, 1);
            reject(new DOMException('aborted', 'AbortError'));
          }
        });
        queueMicrotask(() => grant(name));
      });
    },
  };
}

const options = () => ({ fetchUrl: 'https://example.test/feed', withCredentials: false, method: 'GET', lastEventId: '' });

// Every participant of the running test, left at its end whatever happened (a channel left open
// would answer the next test's instances).
const everyone = [];

/** One instance as the class would make it: what it queued, and when it was asked to connect. */
function participant() {
  const p = { queued: [], started: [] };
  everyone.push(p);
  p.port = {
    options: options(),
    last: [''],
    enqueue(item) {
      p.part.tap(item);
      p.queued.push(item.kind === 'm' ? { kind: 'm', ids: ids(item) } : { ...item });
    },
    start: (id) => p.started.push(id),
  };
  p.part = join(p.port);
  return p;
}

/** `n` participants: the first leads (it was granted the lock before the others asked). */
async function group(n) {
  const first = participant();
  await settle();
  const rest = Array.from({ length: n - 1 }, participant);
  await settle();
  return [first, ...rest];
}

/** Events as the driver hands them to the class: type, data, last event ID, next head. */
const batch = (...ns) => ({ kind: 'm', parts: ns.flatMap((n) => ['', String(n), String(n), 'M']), i: 0, end: ns.length * 4 });
function ids(item) {
  const out = [];
  for (let i = item.i; i < item.end; i += 4) out.push(+item.parts[i + 2]);
  return out;
}
const summary = (p) => p.queued.map((q) => (q.kind === OPEN ? 'open' : q.kind === 'm' ? q.ids.join(',') : `error@${q.state}${q.takeover ? ' takeover' : ''}`));

let saved;
beforeEach(() => {
  saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', { value: { locks: fakeLocks() }, configurable: true, writable: true });
});
afterEach(() => {
  for (const p of everyone.splice(0)) p.part.leave();
  if (saved) Object.defineProperty(globalThis, 'navigator', saved);
  else delete globalThis.navigator;
});

test('a new leader with fewer events than another instance: its replay is not delivered twice, and late events of the former leader still arrive', async () => {
  const [a, b, c] = await group(3);
  assert.deepEqual([a.started, b.started, c.started], [[''], [], []], 'the first instance leads');
  // The leader's connection opens and delivers 1..3.
  a.port.enqueue({ kind: OPEN, origin: 'https://example.test' });
  a.port.enqueue(batch(1, 2, 3));
  await settle();
  assert.deepEqual(summary(b), ['open', '1,2,3']);

  // The leader goes; b takes over and resumes after 3.
  a.part.leave();
  await settle();
  assert.deepEqual(b.started, ['3'], 'the new leader connects at once with the last event ID it has');
  assert.deepEqual(summary(b), ['open', '1,2,3', 'error@0 takeover']);
  // Event 4 of the former leader reaches c only now, after b's error (b never got it).
  const rogue = new BroadcastChannel(`eventsource-wasm:${JSON.stringify(['https://example.test/feed', '', false, [], 'GET', null, null])}`);
  rogue.postMessage({ ...batch(4), seq: 4 });
  rogue.close();
  await settle();
  // The server replays 4 to b, then 5.
  b.port.enqueue({ kind: OPEN, origin: 'https://example.test' });
  b.port.enqueue(batch(4, 5));
  await settle();
  assert.deepEqual(summary(c), ['open', '1,2,3', 'error@0 takeover', '4', 'open', '5']);
  assert.deepEqual(summary(b), ['open', '1,2,3', 'error@0 takeover', 'open', '4,5']);
  assert.equal(c.port.last[0], '5', 'lastEventId follows the events');
  b.part.leave();
  c.part.leave();
});

test('a newcomer joins an open connection: open, then only the events after it joined', async () => {
  const a = participant();
  await settle();
  a.port.enqueue({ kind: OPEN, origin: 'https://example.test' });
  a.port.enqueue(batch(1, 2));
  // Events the leader sends before it answers the newcomer come before its open: not its own.
  const b = participant();
  await settle();
  a.port.enqueue(batch(3));
  await settle();
  assert.deepEqual(summary(b), ['open', '3']);
  // A reconnection of the leader's own: the same error and open for everyone.
  a.port.enqueue({ kind: 'e', state: 0, status: 0, message: 'network error', willRetry: true });
  a.port.enqueue({ kind: OPEN, origin: 'https://example.test' });
  a.port.enqueue(batch(4));
  await settle();
  assert.deepEqual(summary(b), ['open', '3', 'error@0', 'open', '4']);
  a.part.leave();
  b.part.leave();
});

test('a failure reaches every instance; none takes over, and the lock is free again after the grace period', async () => {
  const [a, b, c] = await group(3);
  a.port.enqueue({ kind: 'e', state: 2, status: 204, message: 'no content', willRetry: false });
  await new Promise((resolve) => setTimeout(resolve, 400));
  for (const p of [b, c]) {
    assert.deepEqual(summary(p), ['error@2']);
    assert.deepEqual(p.started, [], 'no follower connects after the failure');
  }
  const d = participant();
  await settle();
  assert.deepEqual(d.started, [''], 'a source made after the failure connects');
  d.part.leave();
});

test('close() of a follower: it leaves the queue for the lock; close() of the leader hands over', async () => {
  const [a, b, c] = await group(3);
  b.part.leave();
  a.port.enqueue({ kind: OPEN, origin: 'https://example.test' });
  await settle();
  assert.deepEqual(summary(b), [], 'nothing after close()');
  a.part.leave();
  await settle();
  assert.deepEqual([b.started, c.started], [[], ['']]);
  c.part.leave();
});
