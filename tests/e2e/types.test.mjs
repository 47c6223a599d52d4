// The package's types as TypeScript users get them: `tsc --strict` compiles tests/types/usage.ts
// (typical usage, the class where the DOM's EventSource is expected, the polyfill assignment,
// every option, the proposed fromReadableStream API) against pkg/*.d.ts, and fails on any type
// error, including an expected one (@ts-expect-error) that no longer happens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { root } from './harness.mjs';

const run = promisify(execFile);

test('types: tsc --strict accepts drop-in usage, the polyfill assignment and every option', { timeout: 120_000 }, async () => {
  const tsc = path.join(root, 'node_modules/.bin/tsc');
  try {
    await run(tsc, ['-p', path.join(root, 'tests/types')], { cwd: root });
  } catch (e) {
    assert.fail(`tsc reported type errors:\n${e.stdout}${e.stderr}`);
  }
});
