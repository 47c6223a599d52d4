// eventsource-wasm under plain jsdom, with the globals a jsdom test environment gives test code.
// Run by tests/e2e/jsdom.test.mjs as `node plain-jsdom.mjs '<json>'`; prints one JSON line with
// what happened. The JSON:
//   origin       the SSE server; the jsdom document's URL is origin + '/'
//   env          'vitest': jsdom's DOM classes over Node's globals, as Vitest's jsdom environment
//                does (fetch, Response, ReadableStream, TextDecoder stay Node's);
//                'jest': every web API the package uses comes from the jsdom window, as in
//                jest-environment-jsdom, where the window is the global: no fetch
//   codec        'jest' only: 'jsdom' (jsdom >= 27.4 has TextEncoder/TextDecoder) or 'none'
//                (older jsdom, e.g. the jsdom 26 that jest-environment-jsdom 30 ships)
//   fetch        where fetch comes from in 'jest': 'option' (Node's fetch as the `fetch` option),
//                'setup' (a setup file sets window.fetch to Node's), or none
//   importFirst  import the package before the jsdom globals are installed
//   polyfill     import pkg/polyfill.js and use the global EventSource, as application code does
//   pkgDir       the package to load (default: the repo's pkg/), e.g. to try a patched build
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cfg = JSON.parse(process.argv[2]);
const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = (file) => pathToFileURL(path.join(cfg.pkgDir ?? path.join(here, '../../pkg'), file)).href;
const { JSDOM } = createRequire(import.meta.url)('jsdom');
const nodeFetch = globalThis.fetch;
const nodeSetTimeout = setTimeout;
const out = { events: [] };
const report = (extra = {}) => {
  process.stdout.write(`${JSON.stringify({ ...out, ...extra })}\n`);
  process.exit(0);
};
process.on('unhandledRejection', (e) => report({ unhandledRejection: `${e?.name}: ${e?.message}` }));
process.on('uncaughtException', (e) => report({ uncaughtException: `${e?.name}: ${e?.message}` }));
nodeSetTimeout(() => report({ timedOut: true }), cfg.timeout ?? 5000).unref();

const early = cfg.importFirst ? await import(pkg('index.js')) : null;

const dom = new JSDOM('<!doctype html>', { url: `${cfg.origin}/`, runScripts: 'outside-only' });
const win = dom.window;
const expose = (name, value) => Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
expose('window', globalThis);
expose('self', globalThis);
for (const name of ['document', 'location', 'navigator', 'EventTarget', 'Event', 'MessageEvent', 'DOMException', 'Headers', 'AbortController', 'AbortSignal']) {
  expose(name, win[name]);
}
if (cfg.env === 'jest') {
  // Request, Response and ReadableStream stay: Node's fetch (the `fetch` option) needs them, and in
  // jest its outer realm has them. The package only looks at Request and Response behind typeof.
  for (const name of ['fetch', 'TextEncoder', 'TextDecoder']) delete globalThis[name];
  // Timers and queueMicrotask stay Node's: jsdom's call the global ones, which would be themselves
  // here (in jest the window's delegate to Node's outer realm, so the behaviour is the same).
  const fromWindow = ['URL', 'URLSearchParams', 'btoa', 'WebAssembly', 'addEventListener', 'removeEventListener', 'dispatchEvent'];
  if (cfg.codec !== 'none') fromWindow.push('TextEncoder', 'TextDecoder');
  for (const name of fromWindow) expose(name, typeof win[name] === 'function' && /^[a-z]/.test(name) ? win[name].bind(win) : win[name]);
  if (cfg.fetch === 'setup') expose('fetch', nodeFetch);
}
out.globals = Object.fromEntries(['fetch', 'TextDecoder', 'TextEncoder', 'ReadableStream'].map((n) => [n, typeof globalThis[n]]));

let EventSource;
try {
  if (cfg.polyfill) {
    await import(pkg('polyfill.js'));
    EventSource = globalThis.EventSource;
    out.polyfillInstalled = typeof EventSource === 'function' && window.EventSource === EventSource;
  } else {
    ({ EventSource } = early ?? (await import(pkg('index.js'))));
  }
} catch (e) {
  report({ importError: `${e.name}: ${e.message}` });
}

const es = new EventSource('/sse/messages?n=2&hold=1', cfg.fetch === 'option' ? { fetch: nodeFetch } : undefined);
out.url = es.url;
out.isWindowEventTarget = es instanceof win.EventTarget;
es.onopen = (e) => out.events.push({ type: e.type, readyState: es.readyState, isWindowEvent: e instanceof win.Event });
es.onerror = (e) => {
  out.events.push({ type: e.type, readyState: es.readyState, message: e.message, willRetry: e.willRetry });
  es.close();
  report();
};
es.onmessage = (e) => {
  out.events.push({
    type: e.type,
    data: e.data,
    lastEventId: e.lastEventId,
    origin: e.origin,
    isWindowMessageEvent: e instanceof win.MessageEvent,
  });
  if (out.events.length === 3) {
    es.close();
    win.close();
    report();
  }
};
