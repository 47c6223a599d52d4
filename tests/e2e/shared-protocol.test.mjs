// js/shared.js alone, in Node: its participants over a BroadcastChannel and a Web Locks
// stand-in whose deliveries and grants the test controls, so that the orderings a browser makes
// only now and then (a former leader's last events reaching one instance after the new leader's
// takeover, a newcomer hearing events before the answer to its hello, a follower granted the
// lock before it heard of a failure) happen every time. Events use ids, data and types that all
// differ, id-only blocks and id resets. The browser tests (shared.test.mjs, shared-chaos.test.mjs)
// run the same code in Chromium.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from '../../js/shared.js';

const OPEN = 1;
const ORIGIN = 'https://example.test';
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** A lock manager of one process: requests granted in order, released when the callback's promise settles. */
function fakeLocks() {
  const queues = new Map();
  const held = new Set();
  const grant = (name) => {
    const q = queues.get(name);
    if (!q.length || held.has(name)) return;
    const req = q.shift();
    held.add(name);
    Promise.resolve()
      .then(req.callback)
      .then(req.resolve, req.reject)
      .finally(() => {
        held.delete(name);
        grant(name);
      });
  };
  return {
    request(name, options, callback) {
      if (typeof options === 'function') [options, callback] = [{}, options];
      return new Promise((resolve, reject) => {
        if (!queues.has(name)) queues.set(name, []);
        const q = queues.get(name);
        const req = { callback, resolve, reject };
        q.push(req);
        options.signal?.addEventListener('abort', () => {
          const at = q.indexOf(req);
          if (at >= 0) {
            q.splice(at, 1);
            reject(new DOMException('aborted', 'AbortError'));
          }
        });
        queueMicrotask(() => grant(name));
      });
    },
    async query() {
      return { held: [...held].map((name) => ({ name })), pending: [...queues].flatMap(([name, q]) => q.map(() => ({ name }))) };
    },
  };
}

/**
 * BroadcastChannel as the spec has it (each other instance of the name gets a copy, one sender's
 * messages in order), with deliveries the test can hold per receiver and release per sender.
 */
class FakeChannel {
  static all = new Set();
  constructor(name) {
    this.name = name;
    this.onmessage = null;
    this.paused = false;
    this.inbox = [];
    FakeChannel.all.add(this);
    FakeChannel.last = this;
  }
  postMessage(m) {
    if (this.closed) throw new DOMException('closed', 'InvalidStateError');
    for (const to of FakeChannel.all) {
      if (to === this || to.name !== this.name) continue;
      to.inbox.push({ from: this, data: structuredClone(m) });
      if (!to.paused) setTimeout(() => to.flush());
    }
  }
  /** Delivers what is waiting (only `from`'s, if given), in order. */
  flush(from) {
    const now = this.inbox.filter((x) => !from || x.from === from);
    this.inbox = this.inbox.filter((x) => !now.includes(x));
    for (const x of now) if (!this.closed) this.onmessage?.({ data: x.data });
  }
  close() {
    this.closed = true;
    FakeChannel.all.delete(this);
  }
}

const options = () => ({ fetchUrl: 'https://example.test/feed', withCredentials: false, method: 'GET', lastEventId: '' });

// Every participant of the running test, left at its end whatever happened.
const everyone = [];

/** One instance as the class would make it: what it queued, and when it was asked to connect. */
function participant() {
  const p = { queued: [], started: [] };
  everyone.push(p);
  p.port = {
    options: options(),
    last: ['', 3000],
    enqueue(item) {
      // As the class does: what `tap` returns is queued.
      if (!(item = p.part.tap(item))) return;
      p.queued.push(item.kind === 'm' ? { kind: 'm', events: events(item) } : { ...item });
    },
    start: (id, retry) => p.started.push([id, retry]),
  };
  p.part = join(p.port);
  p.channel = FakeChannel.last;
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

/** Events of the types and data of `batch(…ks)` that have no `id:` of their own: they keep `id`. */
function idless(id, ...ks) {
  const b = batch(...ks);
  for (let i = b.i; i < b.end; i += 4) b.parts[i + 2] = id;
  return b;
}

/**
 * Events as js/driver.js hands them to the class: one split output, four fields per event
 * (type, data, last event ID, the next record's head), `end` just after the last event's ID.
 * `k` stands for the event of type `t<k>`, data `{"k":k}` and last event ID `ev-<k>`.
 */
function batch(...ks) {
  const parts = ['M', ...ks.flatMap((k) => [`t${k}`, JSON.stringify({ k }), `ev-${k}`, 'M']), 'R5'];
  return { kind: 'm', parts, i: 1, end: ks.length * 4 };
}
function events(item) {
  const out = [];
  for (let i = item.i; i < item.end; i += 4) {
    const { k } = JSON.parse(item.parts[i + 1]);
    assert.equal(item.parts[i], `t${k}`, 'the type goes with its event');
    out.push(item.parts[i + 2] === `ev-${k}` ? k : `${k}#${item.parts[i + 2]}`);
  }
  return out;
}
const summary = (p) => p.queued.map((q) => (q.kind === OPEN ? `open ${q.origin}` : q.kind === 'm' ? q.events.join(',') : `error@${q.state}${q.takeover ? ' takeover' : ''}`));

let saved;
beforeEach(() => {
  saved = [Object.getOwnPropertyDescriptor(globalThis, 'navigator'), globalThis.BroadcastChannel];
  Object.defineProperty(globalThis, 'navigator', { value: { locks: fakeLocks() }, configurable: true, writable: true });
  globalThis.BroadcastChannel = FakeChannel;
});
afterEach(() => {
  for (const p of everyone.splice(0)) p.part.leave();
  FakeChannel.all.clear();
  if (saved[0]) Object.defineProperty(globalThis, 'navigator', saved[0]);
  else delete globalThis.navigator;
  globalThis.BroadcastChannel = saved[1];
});

test('the new leader resumes with the last event ID field, not the data; the others agree on it', async () => {
  const [a, b, c] = await group(3);
  assert.deepEqual([a.started, b.started, c.started], [[['', 3000]], [], []], 'the first instance leads');
  a.port.enqueue({ kind: OPEN, origin: ORIGIN });
  a.port.enqueue(batch(66, 67));
  await settle();
  assert.deepEqual(summary(b), [`open ${ORIGIN}`, '66,67']);
  assert.deepEqual([b.port.last[0], c.port.last[0]], ['ev-67', 'ev-67'], 'lastEventId is the id field');
  a.part.leave();
  await settle();
  assert.deepEqual(b.started, [['ev-67', 3000]], 'Last-Event-ID: ev-67');
  assert.deepEqual(summary(c), [`open ${ORIGIN}`, '66,67', 'error@0 takeover']);
});

test('an id-only block, an id reset and a retry field reach the followers, and the new leader resumes with them', async () => {
  const [a, b, c] = await group(3);
  a.port.enqueue({ kind: OPEN, origin: ORIGIN });
  a.port.enqueue(batch(1));
  // The chunk also had `id: ev-2` with no data and `retry: 250`: no event, the engine moved on.
  a.part.sync(['ev-2', 250]);
  await settle();
  assert.deepEqual(summary(b), [`open ${ORIGIN}`, '1'], 'an id-only block dispatches nothing');
  assert.deepEqual(b.port.last, ['ev-2', 250]);
  assert.deepEqual(c.port.last, ['ev-2', 250]);
  a.part.leave();
  await settle();
  assert.deepEqual(b.started, [['ev-2', 250]], 'the id of the id-only block, and the server\'s reconnection time');

  // b leads now; its stream resets the id (`id:` alone): the next leader sends no Last-Event-ID.
  b.port.enqueue({ kind: OPEN, origin: ORIGIN });
  b.port.enqueue(batch(3));
  b.part.sync(['', 250]);
  await settle();
  assert.deepEqual(c.port.last, ['', 250]);
  b.part.leave();
  await settle();
  assert.deepEqual(c.started, [['', 250]], 'an empty last event ID: no header');
  assert.deepEqual(summary(c), [`open ${ORIGIN}`, '1', 'error@0 takeover', `open ${ORIGIN}`, '3', 'error@0 takeover']);
});

test('a newcomer gets every event sent after its hello, also those before the leader\'s answer', async () => {
  const a = participant();
  await settle();
  a.port.enqueue({ kind: OPEN, origin: ORIGIN });
  a.port.enqueue(batch(1, 2));
  await settle();
  // The leader is busy: the newcomer's hello waits while the leader sends 3.
  a.channel.paused = true;
  const b = participant();
  await settle();
  a.port.enqueue(batch(3));
  await settle();
  assert.deepEqual(summary(b), [], 'nothing before the answer');
  a.channel.paused = false;
  a.channel.flush();
  await settle();
  a.port.enqueue(batch(4));
  await settle();
  assert.deepEqual(summary(b), [`open ${ORIGIN}`, '3', '4'], 'open, then every event from its hello on');
  assert.equal(b.port.last[0], 'ev-4');
});

test('a new leader with more events than another instance: the other holds the takeover until the former leader\'s last events reach it', async () => {
  const [a, b, c] = await group(3);
  a.port.enqueue({ kind: OPEN, origin: ORIGIN });
  a.port.enqueue(batch(1, 2, 3));
  await settle();
  // Event 4 reaches b, not yet c; then the leader goes and b takes over.
  c.channel.paused = true;
  a.port.enqueue(batch(4));
  await settle();
  a.part.leave();
  await settle();
  assert.deepEqual(b.started, [['ev-4', 3000]]);
  b.port.enqueue({ kind: OPEN, origin: ORIGIN });
  b.port.enqueue(batch(5));
  await settle();
  // c hears b's takeover and event 5 first, then a's event 4.
  c.channel.flush(b.channel);
  await settle();
  assert.deepEqual(summary(c), [`open ${ORIGIN}`, '1,2,3'], 'the takeover waits for event 4');
  c.channel.flush();
  c.channel.paused = false;
  await settle();
  assert.deepEqual(summary(c), [`open ${ORIGIN}`, '1,2,3', '4', 'error@0 takeover', `open ${ORIGIN}`, '5']);
  assert.equal(c.port.last[0], 'ev-5');
});

test('a new leader with fewer events than another instance: the replay is not delivered twice, a former leader\'s late events are not delivered after the takeover', async () => {
  const [a, b, c] = await group(3);
  a.port.enqueue({ kind: OPEN, origin: ORIGIN });
  a.port.enqueue(batch(1, 2, 3));
  await settle();
  // Event 4 reaches c, not b; the leader goes, b takes over after 3.
  b.channel.paused = true;
  a.port.enqueue(batch(4));
  await settle();
  b.channel.inbox = [];
  b.channel.paused = false;
  a.part.leave();
  await settle();
  assert.deepEqual(b.started, [['ev-3', 3000]]);
  // The server replays 4 to b, then 5.
  b.port.enqueue({ kind: OPEN, origin: ORIGIN });
  b.port.enqueue(batch(4, 5));
  await settle();
  assert.deepEqual(summary(b), [`open ${ORIGIN}`, '1,2,3', 'error@0 takeover', `open ${ORIGIN}`, '4,5']);
  assert.deepEqual(summary(c), [`open ${ORIGIN}`, '1,2,3', '4', 'error@0 takeover', `open ${ORIGIN}`, '5']);
});

test('a failure reaches every instance and none connects again, even one granted the lock before it heard; then the lock is free', async () => {
  const [a, b, c] = await group(3);
  a.port.enqueue({ kind: OPEN, origin: ORIGIN });
  await settle();
  // b does not hear of the failure before it is granted the lock.
  b.channel.paused = true;
  a.port.enqueue({ kind: 'e', state: 2, status: 401, message: 'unauthorized', willRetry: false });
  await settle();
  await settle();
  assert.deepEqual(b.started, [], 'b was granted the lock but stood down');
  assert.deepEqual(c.started, []);
  b.channel.paused = false;
  b.channel.flush();
  await settle();
  for (const p of [b, c]) assert.deepEqual(summary(p), [`open ${ORIGIN}`, 'error@2']);
  const d = participant();
  await settle();
  assert.deepEqual(d.started, [['', 3000]], 'a source made after the failure connects');
});

test('close() of a follower: it leaves the queue for the lock; close() of the leader hands over', async () => {
  const [a, b, c] = await group(3);
  b.part.leave();
  a.port.enqueue({ kind: OPEN, origin: ORIGIN });
  await settle();
  assert.deepEqual(summary(b), [], 'nothing after close()');
  a.part.leave();
  await settle();
  assert.deepEqual([b.started, c.started], [[], [['', 3000]]]);
});

test('a reconnection of the leader\'s own: the same error and open for everyone, and no event twice', async () => {
  const [a, b] = await group(2);
  a.port.enqueue({ kind: OPEN, origin: ORIGIN });
  a.port.enqueue(batch(1, 2));
  a.port.enqueue({ kind: 'e', state: 0, status: 0, message: 'network error', willRetry: true });
  a.port.enqueue({ kind: OPEN, origin: ORIGIN });
  a.port.enqueue(batch(3));
  await settle();
  assert.deepEqual(summary(b), [`open ${ORIGIN}`, '1,2', 'error@0', `open ${ORIGIN}`, '3']);
});

test('events without an id after the last one: a new leader\'s connection sends them again, and nobody gets them twice', async () => {
  const [a, b, c] = await group(3);
  a.port.enqueue({ kind: OPEN, origin: ORIGIN });
  a.port.enqueue(batch(1));
  a.port.enqueue(idless('ev-1', 2, 3));
  await settle();
  a.part.leave();
  await settle();
  assert.deepEqual(b.started, [['ev-1', 3000]]);
  // The server resumes after ev-1: 2 and 3 again, then 4.
  b.port.enqueue({ kind: OPEN, origin: ORIGIN });
  b.port.enqueue(idless('ev-1', 2));
  b.port.enqueue(idless('ev-1', 3));
  b.port.enqueue(batch(4));
  await settle();
  for (const p of [b, c]) assert.deepEqual(summary(p), [`open ${ORIGIN}`, '1', '2#ev-1,3#ev-1', 'error@0 takeover', `open ${ORIGIN}`, '4']);

  // A server that does not send them again: nothing is dropped.
  b.part.leave();
  await settle();
  c.port.enqueue({ kind: OPEN, origin: ORIGIN });
  c.port.enqueue(batch(5));
  await settle();
  assert.deepEqual(summary(c).slice(-3), ['error@0 takeover', `open ${ORIGIN}`, '5']);
});

test('a newcomer learns the events after the last event ID from the leader\'s answer, and drops them if it leads', async () => {
  const a = participant();
  await settle();
  a.port.enqueue({ kind: OPEN, origin: ORIGIN });
  a.port.enqueue(batch(1));
  a.port.enqueue(idless('ev-1', 2));
  await settle();
  const b = participant();
  await settle();
  assert.deepEqual(summary(b), [`open ${ORIGIN}`]);
  a.part.leave();
  await settle();
  assert.deepEqual(b.started, [['ev-1', 3000]]);
  b.port.enqueue({ kind: OPEN, origin: ORIGIN });
  b.port.enqueue(idless('ev-1', 2));
  b.port.enqueue(batch(3));
  await settle();
  assert.deepEqual(summary(b), [`open ${ORIGIN}`, 'error@0 takeover', `open ${ORIGIN}`, '3']);
});

test('a newcomer does not hear of a reconnection of a connection it never saw open', async () => {
  const a = participant();
  await settle();
  a.port.enqueue({ kind: OPEN, origin: ORIGIN });
  a.port.enqueue(batch(1));
  await settle();
  a.channel.paused = true;
  const b = participant();
  await settle();
  a.port.enqueue({ kind: 'e', state: 0, status: 0, message: 'network error', willRetry: true });
  a.port.enqueue({ kind: OPEN, origin: ORIGIN });
  a.port.enqueue(batch(2));
  await settle();
  a.channel.paused = false;
  a.channel.flush();
  await settle();
  assert.deepEqual(summary(b), [`open ${ORIGIN}`, '2']);
});
