// Built by tests/e2e/package.test.mjs (Vite, index.html as the entry). Imports the package by name,
// streams three events into the page and records what it saw in `window.__checks` and `window.__events`.
import { EventSource } from 'eventsource-wasm';
import DefaultES from 'eventsource-wasm';
import { EventSource as PolyfillES, install } from 'eventsource-wasm/polyfill';

// The polyfill ran on import; Chromium has a native EventSource, so it must have left it alone.
const native = window.EventSource;
const checks = {
  defaultIsNamed: DefaultES === EventSource,
  polyfillIsNamed: PolyfillES === EventSource,
  installType: typeof install,
  nativeKept: typeof native === 'function' && native !== EventSource,
  installUnforced: install(),
  name: EventSource.name,
  tag: Object.prototype.toString.call(EventSource.prototype),
};
checks.installForced = install({ force: true }) && window.EventSource === EventSource;
window.EventSource = native;
window.__checks = checks;

const out = document.getElementById('out');
const events = [];
const errors = [];
window.__events = events;
window.__errors = errors;

const es = new EventSource('/sse/messages?n=3&hold=1');
window.__source = { instanceOfNative: es instanceof native, instanceOfOurs: es instanceof EventSource, url: es.url };
es.onerror = (e) => errors.push(e.message);
es.onmessage = (e) => {
  events.push({ data: e.data, lastEventId: e.lastEventId, origin: e.origin, readyState: es.readyState });
  const li = document.createElement('li');
  li.textContent = e.data;
  out.append(li);
  if (events.length === 3) es.close();
};
