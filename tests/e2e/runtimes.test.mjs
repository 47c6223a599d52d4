// The runtimes users deploy to: the behaviour suite of tests/runtimes/suite.mjs (messages with a
// handler among listeners, reconnection with Last-Event-ID, 204 closes, custom event types, UTF-8
// split across chunks, close()) in Node 18, 20, 22, 24 and 26, Deno, Bun, Cloudflare's workerd
// (through miniflare, with and without nodejs_compat) and Vercel's edge-runtime, each importing
// the package by name so that its own export conditions pick the entry; and the runtime's
// native EventSource as the control wherever it has one, which must pass too except where
// NATIVE_DIFFERS says (and there it must still differ, so the note stays true). Node, Deno and
// Bun must also exit on their own once the suite is done. One test per row; a table of every row
// with its exact version is printed at the end.
//
// Every runtime is a binary shipped inside an npm package (tests/runtimes/package.json, installed
// here from its lockfile when missing); the workerd worker is bundled as wrangler bundles one
// (conditions workerd/worker/browser, `.wasm` imports kept as CompiledWasm modules), the edge
// function as Vercel's bundler does (`edge-light`, the `.wasm` import bound to a compiled module).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { build } from 'esbuild';
import { root, startServer } from './harness.mjs';

const run = promisify(execFile);
const dir = path.join(root, 'tests/runtimes');
const modules = path.join(dir, 'node_modules');
const out = path.join(root, 'target/runtimes');
const bin = (...p) => path.join(modules, ...p);
const node = (major) => bin(`node${major}`, 'bin/node');
// miniflare needs Node 22 or newer; edge-runtime runs on the same one.
const HOST_NODE = node(22);

/** Where a runtime's native EventSource departs from the spec (row -> case -> why). */
export const NATIVE_DIFFERS = {
  'Node native': {
    'close()': "Node's EventSource (undici) still dispatches the events that came in the same chunk after close(); the spec dispatches none once closed.",
  },
  'Deno native': {
    messages: "Deno's MessageEvent.origin is the stream's whole URL; the spec gives the origin (scheme, host, port).",
  },
  workerd: {
    messages: "workerd calls onmessage before every listener (cloudflare/workerd#6022); the spec runs it in its listener's place.",
    'reconnect, Last-Event-ID, 204': 'workerd reconnects once more after the 204 before it closes; the spec fails the connection at the 204.',
    '204 closes': 'workerd reconnects after a 204 (error with CONNECTING); the spec fails the connection (CLOSED).',
    'close()': 'workerd still dispatches the events that came in the same chunk after close(); the spec dispatches none once closed.',
  },
};
for (const m of [22, 24, 26]) NATIVE_DIFFERS[`Node ${m} native`] = NATIVE_DIFFERS['Node native'];
NATIVE_DIFFERS['workerd native'] = NATIVE_DIFFERS['workerd nodejs_compat native'] = NATIVE_DIFFERS.workerd;

const CASES = ['messages', 'reconnect, Last-Event-ID, 204', '204 closes', 'custom event types', 'UTF-8 split across chunks', 'close()'];
// A row's process must be done within this (the suite's cases take about 1 s in all).
const ROW_LIMIT = 45_000;
// and exit within this once it printed its results (a connection left open, or a retry timer,
// would keep it for up to ROW_LIMIT).
const EXIT_LIMIT = 5000;

let server;
const rows = [];
const results = new Map();

/** Missing, or older than package.json (as scripts/setup.sh decides for the root's). */
function needsInstall() {
  const stamp = path.join(modules, '.package-lock.json');
  if (!existsSync(stamp) || !existsSync(HOST_NODE)) return true;
  return statSync(path.join(dir, 'package.json')).mtimeMs > statSync(stamp).mtimeMs;
}

/** Runs `cmd args`; resolves to its RESULT lines as { impl: results }, its exit and timings. */
function runRow(cmd, args, defaultImpl) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let printedAt = 0;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/^RESULT /m.test(stdout) && !printedAt) printedAt = Date.now();
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ROW_LIMIT);
    const done = (code, signal, error) => {
      clearTimeout(timer);
      const byImpl = {};
      for (const line of stdout.split('\n')) {
        const m = /^RESULT (?:(ours|native) )?(.*)$/.exec(line);
        if (m) byImpl[m[1] ?? defaultImpl] = JSON.parse(m[2]);
      }
      // Only the last RESULT line's time matters for exiting: it is the last thing printed.
      resolve({ byImpl, code, signal, error, stderr, ms: Date.now() - started, exitMs: printedAt ? Date.now() - printedAt : null });
    };
    child.on('error', (err) => done(null, null, err));
    child.on('close', (code, signal) => done(code, signal));
  });
}

/** Runs `jobs` (functions returning promises) at most `n` at a time. */
async function pool(jobs, n) {
  const queue = [...jobs];
  await Promise.all(Array.from({ length: n }, async () => {
    while (queue.length) await queue.shift()();
  }));
}

/** The bundles wrangler and Vercel's bundler would make of tests/runtimes/worker.mjs. */
async function bundle() {
  rmSync(out, { recursive: true, force: true });
  const common = { bundle: true, platform: 'neutral', mainFields: ['module', 'main'], nodePaths: [modules], logLevel: 'warning', absWorkingDir: root };
  // wrangler: conditions workerd, worker, browser; `.wasm` imports stay modules of their own.
  await build({ ...common, entryPoints: [path.join(dir, 'worker.mjs')], format: 'esm', conditions: ['workerd', 'worker', 'browser'], external: ['*.wasm'], outfile: path.join(out, 'workerd/worker.js') });
  cpSync(path.join(root, 'pkg/eventsource-wasm.wasm'), path.join(out, 'workerd/eventsource-wasm.wasm'));
  // The `workerd` condition picked the edge entry: the module is imported, not embedded.
  assert.match(readFileSync(path.join(out, 'workerd/worker.js'), 'utf8'), /from\s*"\.\/eventsource-wasm\.wasm"/);
  // Vercel: condition edge-light; a `.wasm` import becomes a binding the sandbox provides.
  const binding = {
    name: 'wasm-binding',
    setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, (a) => ({ path: a.path, namespace: 'wasm-binding' }));
      b.onLoad({ filter: /.*/, namespace: 'wasm-binding' }, () => ({ contents: 'export default globalThis.__EVENTSOURCE_WASM_MODULE;', loader: 'js' }));
    },
  };
  await build({ ...common, entryPoints: [path.join(dir, 'edge-entry.mjs')], format: 'iife', conditions: ['edge-light', 'worker', 'browser'], plugins: [binding], outfile: path.join(out, 'edge/function.js') });
  // The `edge-light` condition picked the edge entry: its module is the binding.
  assert.match(readFileSync(path.join(out, 'edge/function.js'), 'utf8'), /globalThis\.__EVENTSOURCE_WASM_MODULE/);
}

const version = (pkg) => JSON.parse(readFileSync(bin(pkg, 'package.json'), 'utf8')).version;

before(async () => {
  if (needsInstall()) {
    await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, timeout: 300_000 });
  }
  // The package by name, as an installed dependency would be (pkg/ is what `make build` made).
  const link = bin('eventsource-wasm');
  rmSync(link, { force: true, recursive: true });
  symlinkSync(path.join(root, 'pkg'), link, 'dir');
  mkdirSync(out, { recursive: true });
  await bundle();
  server = await startServer();
  const origin = server.origin;
  const wasm = path.join(root, 'pkg/eventsource-wasm.wasm');

  for (const major of [18, 20, 22, 24, 26]) {
    const v = (await run(node(major), ['--version'])).stdout.trim();
    rows.push({ name: `Node ${major}`, version: v, impl: 'ours', cmd: node(major), args: ['run.mjs', 'ours', origin], exits: true });
    // Node's EventSource (undici's) is behind a flag from 22 on; 18 and 20 have none.
    if (major >= 22) rows.push({ name: `Node ${major} native`, version: `${v} --experimental-eventsource`, impl: 'native', cmd: node(major), args: ['--no-warnings', '--experimental-eventsource', 'run.mjs', 'native', origin], exits: true });
  }
  // The binaries of the platform packages (the install scripts that would link them are denied).
  const deno = bin('@deno/linux-x64-glibc/deno');
  const denoV = (await run(deno, ['--version'])).stdout.split('\n')[0];
  rows.push({ name: 'Deno', version: denoV, impl: 'ours', cmd: deno, args: ['run', '--allow-net', '--allow-read', '--allow-env', 'run.mjs', 'ours', origin], exits: true });
  rows.push({ name: 'Deno native', version: denoV, impl: 'native', cmd: deno, args: ['run', '--allow-net', '--allow-read', '--allow-env', 'run.mjs', 'native', origin], exits: true });
  const bun = bin('@oven/bun-linux-x64/bin/bun');
  const bunV = `bun ${(await run(bun, ['--version'])).stdout.trim()}`;
  rows.push({ name: 'Bun', version: bunV, impl: 'ours', cmd: bun, args: ['run.mjs', 'ours', origin], exits: true });
  rows.push({ name: 'Bun native', version: bunV, impl: 'native', cmd: bun, args: ['run.mjs', 'native', origin], exits: true });
  const workerdV = `${(await run(bin('@cloudflare/workerd-linux-64/bin/workerd'), ['--version'])).stdout.trim()} (miniflare ${version('miniflare')})`;
  for (const flags of ['', 'nodejs_compat']) {
    const name = flags ? `workerd ${flags}` : 'workerd';
    // One process runs both: ours, then workerd's own.
    rows.push({ name, version: workerdV, impl: 'ours', cmd: HOST_NODE, args: ['workerd.mjs', path.join(out, 'workerd'), origin, flags], group: name });
    rows.push({ name: `${name} native`, version: workerdV, impl: 'native', group: name });
  }
  rows.push({ name: 'edge-runtime', version: `edge-runtime ${version('edge-runtime')}`, impl: 'ours', cmd: HOST_NODE, args: ['edge.mjs', path.join(out, 'edge/function.js'), wasm, origin], group: 'edge' });
  rows.push({ name: 'edge-runtime native', version: `edge-runtime ${version('edge-runtime')}`, impl: 'native', group: 'edge' });

  const started = Date.now();
  const processes = new Map();
  await pool(
    rows.filter((r) => r.cmd).map((r) => async () => {
      const res = await runRow(r.cmd, r.args, r.impl);
      processes.set(r.group ?? r.name, res);
    }),
    3,
  );
  for (const r of rows) results.set(r.name, { ...processes.get(r.group ?? r.name), row: r });
  results.wall = Date.now() - started;
});

after(() => {
  server?.stop();
  if (!rows.length) return;
  const line = (cols) => `| ${cols.join(' | ')} |`;
  const table = [line(['runtime', 'version', 'result', 'exit', 'time']), line(['---', '---', '---', '---', '---'])];
  for (const r of rows) {
    const res = results.get(r.name);
    table.push(line([r.name, r.version, res?.verdict ?? 'not run', res?.exitNote ?? '', res?.ms != null ? `${(res.ms / 1000).toFixed(1)} s` : '']));
  }
  console.log(`\nruntimes matrix (rows in parallel, 3 at a time: ${(results.wall / 1000).toFixed(1)} s)\n${table.join('\n')}\n`);
});

/** The verdict of one row's results against what it must give. */
function check(r, res) {
  const got = res.byImpl?.[r.impl];
  const why = `${r.name}: exit ${res.code ?? res.signal ?? res.error}, stderr:\n${res.stderr?.slice(-3000)}`;
  if (got?.none) {
    // Only a native control may be missing.
    assert.equal(r.impl, 'native', why);
    res.verdict = 'none (no native EventSource)';
    return;
  }
  assert.ok(got, `no results from ${why}`);
  assert.deepEqual(Object.keys(got), CASES, why);
  const differs = r.impl === 'native' ? (NATIVE_DIFFERS[r.name] ?? {}) : {};
  const failed = CASES.filter((c) => !got[c].ok);
  res.verdict = failed.length ? `pass, except where the spec is departed from: ${failed.join(', ')}` : `pass (${CASES.length}/${CASES.length})`;
  for (const c of CASES) {
    if (differs[c]) assert.ok(!got[c].ok, `${r.name} was expected to differ in "${c}" (${differs[c]}); it now passes: update NATIVE_DIFFERS`);
    else assert.ok(got[c].ok, `${r.name}, "${c}": ${got[c].detail}`);
  }
  if (r.exits) {
    // Nothing may keep the process alive once the suite is done: it exits by itself, at once.
    assert.equal(res.code, 0, why);
    assert.ok(res.exitMs < EXIT_LIMIT, `${r.name} took ${res.exitMs} ms to exit after the suite`);
    res.exitNote = `exited by itself (${res.exitMs} ms)`;
  } else {
    assert.equal(res.code, 0, why);
    res.exitNote = 'request ended';
  }
}

const ROW_NAMES = [
  ...[18, 20, 22, 24, 26].flatMap((m) => (m >= 22 ? [`Node ${m}`, `Node ${m} native`] : [`Node ${m}`])),
  'Deno',
  'Deno native',
  'Bun',
  'Bun native',
  'workerd',
  'workerd native',
  'workerd nodejs_compat',
  'workerd nodejs_compat native',
  'edge-runtime',
  'edge-runtime native',
];

for (const name of ROW_NAMES) {
  test(`runtimes: ${name}`, () => {
    const res = results.get(name);
    assert.ok(res, `${name} did not run`);
    check(res.row, res);
  });
}
