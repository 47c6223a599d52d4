// The same scenarios in Node.js against the npm build (no CORS there, so those are skipped).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, recordTrace } from './harness.mjs';
import { scenarios, resolveUrl } from './scenarios.mjs';
import { EventSource } from '../../pkg/index.js';

let server;
let n = 0;
before(async () => {
  server = await startServer();
});
after(() => server?.stop());

for (const s of scenarios) {
  if (s.browserOnly) continue;
  test(`node: ${s.name}`, async () => {
    const opts = { max: s.max ?? 1, timeout: s.timeout ?? 4000, types: s.types ?? [], init: s.init, self: server.origin, cross: server.crossOrigin };
    const trace = await recordTrace(EventSource, resolveUrl(s, server, `node-${++n}`), opts);
    assert.deepEqual(trace, s.expect);
  });
}

test('node: relative URLs need a base, so they throw SyntaxError', () => {
  assert.throws(() => new EventSource('/relative'), { name: 'SyntaxError' });
});
