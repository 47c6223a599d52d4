// Event handler attributes run once per event, in their listener's place, also on a host whose
// EventTarget calls `this.on<type>` itself as it dispatches, before the listeners (workerd does:
// cloudflare/workerd#6022; tests/e2e/runtimes.test.mjs runs the same check in workerd itself).
// Here Node is made such a host: a fresh copy of each build is loaded with `EventTarget` swapped
// for a subclass that calls the handler as workerd does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './harness.mjs';
import { EventSource as Plain } from '../../pkg/index.js';

/** workerd's dispatch: `this.on<type>`, if a function, runs first, then the listeners. */
class CallingTarget extends EventTarget {
  dispatchEvent(event) {
    const handler = this[`on${event.type}`];
    if (typeof handler === 'function') handler.call(this, event);
    return super.dispatchEvent(event);
  }
}

/** Evaluates a fresh copy of `file` (a distinct module URL) with `CallingTarget` as EventTarget. */
async function onCallingHost(file, global) {
  const saved = globalThis.EventTarget;
  const before = globalThis.EventSourceWasm;
  globalThis.EventTarget = CallingTarget;
  try {
    const mod = await import(`../../pkg/${file}?calling-host`);
    return global ? globalThis.EventSourceWasm : mod.EventSource;
  } finally {
    globalThis.EventTarget = saved;
    globalThis.EventSourceWasm = before;
  }
}

let server;
const builds = {};
before(async () => {
  server = await startServer();
  builds['node (plain EventTarget)'] = Plain;
  builds['calling host, npm build'] = await onCallingHost('index.js');
  builds['calling host, script-tag build'] = await onCallingHost('eventsource-wasm.min.js', true);
});
after(() => server?.stop());

test('the simulated host calls on<type> itself (the condition under test)', () => {
  const t = new CallingTarget();
  let n = 0;
  t.onx = () => n++;
  t.dispatchEvent(new Event('x'));
  assert.equal(n, 1);
  assert.ok(builds['calling host, npm build'].prototype instanceof CallingTarget);
});

for (const name of ['node (plain EventTarget)', 'calling host, npm build', 'calling host, script-tag build']) {
  test(`${name}: onopen, onmessage and onerror run once per event, between the listeners added before and after`, { timeout: 5000 }, async () => {
    const ES = builds[name];
    const log = [];
    const es = new ES(`${server.origin}/sse/messages?n=2`);
    for (const type of ['open', 'message', 'error']) es.addEventListener(type, (e) => log.push(`before ${type} ${e.data ?? ''}`.trim()));
    const handler = (e) => log.push(`on${e.type} ${e.data ?? ''}`.trim() + (es[`on${e.type}`] === handler ? '' : ' (getter lost it)'));
    es.onopen = es.onmessage = es.onerror = handler;
    for (const type of ['open', 'message', 'error']) es.addEventListener(type, (e) => log.push(`after ${type} ${e.data ?? ''}`.trim()));
    await new Promise((resolve) => es.addEventListener('error', resolve));
    es.close();
    assert.deepEqual(log, [
      'before open',
      'onopen',
      'after open',
      'before message hello 0',
      'onmessage hello 0',
      'after message hello 0',
      'before message hello 1',
      'onmessage hello 1',
      'after message hello 1',
      'before error',
      'onerror',
      'after error',
    ]);
  });

  test(`${name}: events the application dispatches run the handler once; replaced, it keeps its place; null removes it`, () => {
    const ES = builds[name];
    const es = new ES(`${server.origin}/sse/messages?n=1`);
    es.close();
    const log = [];
    es.addEventListener('open', () => log.push('first'));
    es.onopen = () => log.push('old');
    es.addEventListener('open', () => log.push('last'));
    es.onopen = () => log.push('new');
    es.dispatchEvent(new Event('open'));
    es.onopen = null;
    assert.equal(es.onopen, null);
    es.dispatchEvent(new Event('open'));
    // A custom type has no handler attribute: nothing but its listener runs.
    es.addEventListener('ping', () => log.push(`ping ${es.onmessage}`));
    es.dispatchEvent(new Event('ping'));
    assert.deepEqual(log, ['first', 'new', 'last', 'first', 'last', 'ping null']);
  });
}

test('on the calling host the workaround is in place; on Node the prototype is as native', () => {
  assert.ok(!Object.hasOwn(Plain.prototype, 'dispatchEvent'));
  assert.ok(Object.hasOwn(builds['calling host, npm build'].prototype, 'dispatchEvent'));
});
