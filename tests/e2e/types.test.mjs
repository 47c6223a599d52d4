// The package's types as TypeScript users get them: `tsc --strict` compiles tests/types/usage.ts
// (typical usage, the class where the DOM's EventSource is expected, the polyfill assignment,
// every option, the proposed fromReadableStream API) against pkg/*.d.ts, and fails on any type
// error, including an expected one (@ts-expect-error) that no longer happens. It does so in a
// browser project (DOM lib), a worker project (WebWorker lib) and a Node-only project (ES2022 and
// @types/node, no DOM), each with moduleResolution node16 and bundler, never with skipLibCheck.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { root } from './harness.mjs';

const run = promisify(execFile);
const tsc = path.join(root, 'node_modules/.bin/tsc');
const dir = path.join(root, 'tests/types');

for (const project of ['dom', 'worker', 'node']) {
  for (const resolution of ['node16', 'bundler']) {
    const config = path.join(dir, `tsconfig.${project}-${resolution}.json`);
    test(`types: tsc --strict accepts drop-in usage, the polyfill assignment and every option (${project} project, moduleResolution ${resolution})`, { timeout: 120_000 }, async () => {
      const { compilerOptions } = JSON.parse(readFileSync(config, 'utf8'));
      assert.equal(compilerOptions.moduleResolution.toLowerCase(), resolution);
      assert.equal(compilerOptions.lib.includes('DOM'), project === 'dom');
      try {
        await run(tsc, ['-p', config], { cwd: root });
      } catch (e) {
        assert.fail(`tsc reported type errors:\n${e.stdout}${e.stderr}`);
      }
    });
  }
}
