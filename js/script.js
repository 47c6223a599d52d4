// The script-tag build: `<script src="eventsource-wasm.min.js">` (or importScripts in a worker)
// exposes the class as `globalThis.EventSourceWasm` and installs it as `EventSource` where that
// is missing. Set `globalThis.EVENTSOURCE_WASM_FORCE = true` first, or add `data-force` to the
// script tag, to replace a native EventSource. One file for everything but `shared: true`: what
// only shared sources need is `shared.js` beside this file, loaded when the first one is made
// (where it cannot be loaded, a shared source gets a connection of its own).
import { create } from './core-entry.js';
import { g } from './event-source.js';

const script = g.document?.currentScript;
// This file's URL: the script element's, or in a worker (importScripts) that of the first frame
// of a stack trace taken while it runs: the whole URL before its `:line:column` at the end of the
// line (a path may hold `.js` anywhere, a host a port). (`self.location` is the worker's script.)
const here = script ? script.src : /((?:https?|file):\/\/\S+?):\d+:\d+\)?$/m.exec(new Error().stack)?.[1];
const EventSource = create(
  () => {
    throw new Error('this runtime lacks DecompressionStream; use the npm build (eventsource-wasm) instead');
  },
  async () => import(new URL('shared.js', here)),
);
const force = g.EVENTSOURCE_WASM_FORCE === true || script?.hasAttribute('data-force');
g.EventSourceWasm = EventSource;
if (force || typeof g.EventSource !== 'function') {
  Object.defineProperty(g, 'EventSource', { value: EventSource, writable: true, configurable: true });
}
