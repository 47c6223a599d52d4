// The edge-runtime rows' function: the workerd rows' worker as a Vercel Edge function (a fetch
// event listener), bundled by tests/e2e/runtimes.test.mjs with the `edge-light` condition.
import worker from './worker.mjs';

addEventListener('fetch', (event) => event.respondWith(worker.fetch(event.request)));
