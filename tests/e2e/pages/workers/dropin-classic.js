// Classic worker for tests/e2e/dropin.test.mjs, used as a dedicated, shared and service worker.
// Loads the script-tag build with importScripts, as a user would; `?force=1` sets
// EVENTSOURCE_WASM_FORCE first so the build replaces the native EventSource.
const nativeEventSource = self.EventSource;
const force = new URLSearchParams(location.search).has('force');
if (force) self.EVENTSOURCE_WASM_FORCE = true;
importScripts('/pkg/eventsource-wasm.min.js', 'dropin-probes.js');

self.dropinServe(
  {
    native: nativeEventSource,
    get global() {
      return self.EventSource;
    },
    wasm: self.EventSourceWasm,
  },
  () =>
    self.dropinScopeInfo({
      loader: 'importScripts',
      force,
      nativeExists: typeof nativeEventSource === 'function',
      wasmExists: typeof self.EventSourceWasm === 'function',
      globalIsWasm: self.EventSource === self.EventSourceWasm,
      globalIsNative: self.EventSource === nativeEventSource && typeof nativeEventSource === 'function',
    }),
);
