// Compiled by `tsc --strict` in make test (tests/e2e/types.test.mjs): typical usage, the polyfill
// assignment, every option and the proposed API type-check; the @ts-expect-error lines prove
// that mistakes are still caught.
import { EventSource, type EventSourceErrorEvent, type EventSourceWasmInit } from '../../pkg/index.js';
import DefaultEventSource from '../../pkg/index.js';
import { install } from '../../pkg/polyfill.js';

// Drop-in: the class where the DOM's is expected, and an instance where the DOM's type is.
const Ctor: typeof globalThis.EventSource = EventSource;
const asDom: globalThis.EventSource = new EventSource('/sse');
globalThis.EventSource = EventSource;
const fromDefault: typeof globalThis.EventSource = DefaultEventSource;
const installed: boolean = install({ force: true });

// Handlers written for the DOM's EventSource fit ours, and ours fit the DOM's.
const domHandler: ((this: globalThis.EventSource, ev: Event) => any) | null = null;
const es = new EventSource(new URL('https://example.test/sse'), { withCredentials: true });
es.onerror = domHandler;
asDom.onerror = es.onerror;
es.onopen = function (ev: Event) {
  this.close();
  return ev.type;
};
es.onmessage = (e) => {
  const text: string = e.data;
  const id: string = e.lastEventId;
  const origin: string = e.origin;
  return [text, id, origin];
};
es.onerror = (e: EventSourceErrorEvent) => {
  const why: string | undefined = e.message;
  const retrying: boolean | undefined = e.willRetry;
  const status: number | undefined = e.code;
  const gaveUp: boolean = e.reason === 'retries-exhausted';
  return [why, retrying, status, gaveUp];
};
es.addEventListener('tick', (e) => e.data.toUpperCase());
es.addEventListener('error', (e) => e.willRetry);
const state: 0 | 1 | 2 = es.readyState;
const closed: 2 = EventSource.CLOSED;
const ready: Promise<void> = EventSource.ready;

// Every option.
const init: EventSourceWasmInit = {
  withCredentials: false,
  headers: (attempt) => ({ Authorization: `Bearer ${attempt}` }),
  method: 'POST',
  body: (attempt) => JSON.stringify({ attempt }),
  fetch: (input, requestInit) => fetch(input, requestInit),
  lastEventId: '42',
  retry: { initialDelay: 500, maxDelay: 30_000, multiplier: 2, jitter: 0.2 },
  maxRetries: 10,
  retryOnStatus: [429, 503],
  inactivityTimeout: 45_000,
  lastEventIdQueryParam: 'since',
  maxLineLength: 1 << 20,
  maxEventSize: 1 << 24,
};
const withOptions = new EventSource('/sse', init);
new EventSource('/sse', { headers: new Headers({ 'X-Test': '1' }), lastEventIdQueryParam: true });
new EventSource('/sse', { headers: [['X-Test', '1']], body: new Blob(['x']) });
// One connection for every tab with the same request.
const sharedSource: globalThis.EventSource = new EventSource('/sse', { shared: true, headers: { 'X-Topic': 'prices' }, method: 'POST', body: 'x' });
// @ts-expect-error shared is a boolean
new EventSource('/sse', { shared: 'yes' });

// The proposed API (whatwg/html#12272).
async function llm(body: string): Promise<string[]> {
  const res = await fetch('/v1/chat', { method: 'POST', body });
  const source = EventSource.fromReadableStream(res.body!);
  const lastId: string = source.lastEventId;
  const wait: number = source.reconnectionTime;
  source.reset();
  const out: string[] = [lastId, String(wait)];
  for await (const event of source) out.push(event.data);
  return out;
}

// Libraries that check for a `fetch` option.
const supportsFetch: boolean = Symbol.for('eventsource.supports-fetch-override') in EventSource;

// Mistakes stay errors.
// @ts-expect-error: the URL is required
new EventSource();
// @ts-expect-error: retry is an object of delays, not a number
new EventSource('/sse', { retry: 1000 });
// @ts-expect-error: readyState is read-only
es.readyState = 1;
// @ts-expect-error: fromReadableStream takes a stream
EventSource.fromReadableStream('data: x\n\n');

export { Ctor, asDom, fromDefault, installed, state, closed, ready, withOptions, sharedSource, llm, supportsFetch };
