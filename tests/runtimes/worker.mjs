// The module worker of the workerd rows (bundled by tests/e2e/runtimes.test.mjs as wrangler would
// bundle it): GET /?impl=ours|native&origin=ORIGIN runs the suite inside the request and answers
// its results as JSON. Nothing runs at module scope but the package's own definitions.
import { EventSource as Ours } from 'eventsource-wasm';
import { runSuite } from './suite.mjs';

export default {
  async fetch(request) {
    const q = new URL(request.url).searchParams;
    const ES = q.get('impl') === 'native' ? globalThis.EventSource : Ours;
    if (typeof ES !== 'function') return Response.json({ none: true });
    return Response.json(await runSuite(ES, q.get('origin')));
  },
};
