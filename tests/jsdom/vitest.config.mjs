// Vitest with its jsdom environment, as an application's test suite would run it. The SSE
// server's origin comes from SSE_ORIGIN (set by tests/e2e/jsdom.test.mjs) and is the jsdom
// document's URL, so relative EventSource URLs resolve against it.
import { defineConfig } from 'vitest/config';

const origin = process.env.SSE_ORIGIN;
if (!origin) throw new Error('SSE_ORIGIN is not set: run this through tests/e2e/jsdom.test.mjs');

export default defineConfig({
  test: {
    environment: 'jsdom',
    environmentOptions: { jsdom: { url: `${origin}/` } },
    include: ['*.test.js'],
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    testTimeout: 10_000,
    watch: false,
  },
});
