// Built on its own, so this bare side-effect import is the package's only importer: it survives
// tree-shaking only because pkg/package.json's `sideEffects` names polyfill.js. polyfill.html sets
// EVENTSOURCE_WASM_FORCE first, so the polyfill replaces Chromium's own EventSource.
import 'eventsource-wasm/polyfill';

const events = [];
window.__events = events;
window.__checks = { replaced: typeof window.EventSource === 'function' && window.EventSource !== window.__native };

const es = new window.EventSource('/sse/messages?n=2&hold=1');
window.__checks.instanceOfNative = es instanceof window.__native;
es.onmessage = (e) => {
  events.push(e.data);
  document.getElementById('out').append(Object.assign(document.createElement('li'), { textContent: e.data }));
  if (events.length === 2) es.close();
};
