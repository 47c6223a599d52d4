// eventsource-wasm in Vitest's jsdom environment: jsdom has no EventSource, so code under test
// imports ours, or installs it with the polyfill and uses the global one.
import { test, expect } from 'vitest';
import { EventSource } from '../../pkg/index.js';

const origin = process.env.SSE_ORIGIN;

/** The open event and `count` messages, then closes; rejects on an error event. */
function collect(es, count) {
  return new Promise((resolve, reject) => {
    const events = [];
    es.onopen = (e) => events.push(e);
    es.onerror = (e) => {
      es.close();
      reject(new Error(`error event: ${e.message} (readyState ${es.readyState})`));
    };
    es.onmessage = (e) => {
      events.push(e);
      if (events.length === count + 1) {
        es.close();
        resolve(events);
      }
    };
  });
}

function expectStream(es, events) {
  expect(es.url).toBe(`${origin}/sse/messages?n=2&hold=1`);
  expect(es).toBeInstanceOf(window.EventTarget);
  expect(events.map((e) => e.type)).toEqual(['open', 'message', 'message']);
  expect(events[0]).toBeInstanceOf(window.Event);
  for (const [i, e] of events.slice(1).entries()) {
    expect(e).toBeInstanceOf(window.MessageEvent);
    expect([e.data, e.lastEventId, e.origin]).toEqual([`hello ${i}`, `${i + 1}`, origin]);
  }
  expect(es.readyState).toBe(EventSource.CLOSED);
}

test('imported class: a relative URL resolves against the document and delivers jsdom MessageEvents', async () => {
  expect(location.origin).toBe(origin);
  const es = new EventSource('/sse/messages?n=2&hold=1');
  expectStream(es, await collect(es, 2));
});

test('polyfill: installs the global EventSource that application code uses', async () => {
  expect(typeof globalThis.EventSource).toBe('undefined'); // jsdom has none
  const { EventSource: Installed } = await import('../../pkg/polyfill.js');
  expect(globalThis.EventSource).toBe(Installed);
  expect(window.EventSource).toBe(Installed);
  // Application code under test:
  const es = new window.EventSource('/sse/messages?n=2&hold=1');
  expectStream(es, await collect(es, 2));
});
