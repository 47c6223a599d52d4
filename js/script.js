// The script-tag build: `<script src="eventsource-wasm.min.js">` (or importScripts in a worker)
// exposes the class as `globalThis.EventSourceWasm` and installs it as `EventSource` where that
// is missing. Set `globalThis.EVENTSOURCE_WASM_FORCE = true` first, or add `data-force` to the
// script tag, to replace a native EventSource. One file: what shared sources need is in it.
import { create } from './core-entry.js';
import * as shared from './shared.js';

const EventSource = create(undefined, async () => shared);
const g = globalThis;
const script = g.document && g.document.currentScript;
const force = g.EVENTSOURCE_WASM_FORCE === true || !!(script && script.hasAttribute('data-force'));
g.EventSourceWasm = EventSource;
if (force || typeof g.EventSource !== 'function') {
  Object.defineProperty(g, 'EventSource', { value: EventSource, writable: true, configurable: true, enumerable: false });
}
