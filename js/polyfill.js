// `import 'eventsource-wasm/polyfill'`: installs EventSource on the global object only where it
// is missing. `install({ force: true })` replaces a native one.
import { EventSource } from './index.js';

/** Installs the class as `globalThis.EventSource`; returns whether it did. */
export function install({ force = false } = {}) {
  if (!force && typeof globalThis.EventSource === 'function') return false;
  Object.defineProperty(globalThis, 'EventSource', { value: EventSource, writable: true, configurable: true, enumerable: false });
  return true;
}

install({ force: globalThis.EVENTSOURCE_WASM_FORCE === true });

export { EventSource };
