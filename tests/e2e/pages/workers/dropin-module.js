// Module worker for tests/e2e/dropin.test.mjs: imports the npm entry, as a bundler-less user would.
import { EventSource } from '/pkg/index.js';
import './dropin-probes.js';

const nativeEventSource = self.EventSource;
self.dropinServe({ native: nativeEventSource, wasm: EventSource }, () =>
  self.dropinScopeInfo({
    loader: 'module',
    nativeExists: typeof nativeEventSource === 'function',
    wasmExists: typeof EventSource === 'function',
    globalUntouched: self.EventSource === nativeEventSource,
  }),
);
