// The npm package as consumers get it: bundled by Vite into an app that runs in Chromium,
// installed from its packed tarball into a Node.js project, and its package.json and types
// checked. Consumers import 'eventsource-wasm' by name, so pkg/package.json's `exports` answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root, startServer, launchChromium } from './harness.mjs';

const run = promisify(execFile);
const pkgDir = path.join(root, 'pkg');
const appDir = path.join(root, 'tests/bundler');
const dist = path.join(root, 'target/bundler-dist');
const consumer = path.join(root, 'target/node-consumer');
const pkgJson = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const KB = 1024;

let server;
let browser;
let buildWarnings = [];
const names = {};

before(async () => {
  server = await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/** Makes `<dir>/node_modules/eventsource-wasm` point at pkg/, as `npm install ../pkg` would. */
function linkPackage(dir) {
  const modules = path.join(dir, 'node_modules');
  const link = path.join(modules, 'eventsource-wasm');
  mkdirSync(modules, { recursive: true });
  if (existsSync(link) || isSymlink(link)) {
    if (isSymlink(link)) unlinkSync(link);
    else rmSync(link, { recursive: true });
  }
  symlinkSync(path.relative(modules, pkgDir), link, 'dir');
}

function isSymlink(p) {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Runs `node` in the consumer project; resolves to its stdout and stderr. */
function node(args, env = {}) {
  return run(process.execPath, args, { cwd: consumer, timeout: 15_000, env: { ...process.env, ...env } });
}

async function openPage(file, count) {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    // Chromium asks for /favicon.ico, which the static server does not have.
    if (m.type() === 'error' && !m.location().url?.endsWith('/favicon.ico')) pageErrors.push(m.text());
  });
  await page.goto(`${server.origin}/target/bundler-dist/${file}`);
  try {
    await page.waitForFunction((n) => window.__events?.length >= n, count, { timeout: 10_000 });
  } catch (e) {
    const state = await page.evaluate(() => ({ events: window.__events, errors: window.__errors, checks: window.__checks }));
    await page.close();
    throw new Error(`${file}: no ${count} events (${e.message}); page errors ${JSON.stringify(pageErrors)}; state ${JSON.stringify(state)}`);
  }
  return { page, pageErrors };
}

// --- Vite ---------------------------------------------------------------------------------------

// Two builds: the app (index.html) into target/bundler-dist/, and the bare polyfill import
// (polyfill.html) on its own into target/bundler-dist/polyfill/, where nothing else imports the
// package, so only `sideEffects` can keep the polyfill.
const builds = [
  { page: 'index.html', outDir: dist, base: '/target/bundler-dist/' },
  { page: 'polyfill.html', outDir: path.join(dist, 'polyfill'), base: '/target/bundler-dist/polyfill/' },
];

test('vite: builds the app that imports the package by name', { timeout: 60_000 }, async (t) => {
  linkPackage(appDir);
  const { build, createLogger } = await import('vite');
  const logger = createLogger('warn');
  buildWarnings = [];
  logger.warn = (msg) => buildWarnings.push(msg);
  logger.warnOnce = (msg) => buildWarnings.push(msg);
  rmSync(dist, { recursive: true, force: true });
  for (const { page, outDir, base } of builds) {
    await build({
      configFile: false,
      root: appDir,
      base,
      logLevel: 'warn',
      customLogger: logger,
      build: { outDir, emptyOutDir: false, rollupOptions: { input: path.join(appDir, page) } },
    });

    const html = readFileSync(path.join(outDir, page), 'utf8');
    assert.match(html, new RegExp(`src="${base}assets/[^"]+\\.js"`), `${page} loads its bundle from base`);
    const assets = readdirSync(path.join(outDir, 'assets'));
    const js = assets.filter((f) => f.endsWith('.js'));
    assert.ok(js.length > 0, `${page}: a JS bundle was emitted`);
    assert.deepEqual(assets.filter((f) => f.endsWith('.wasm')), [], `${page}: the wasm stays embedded in the bundle`);
    let total = 0;
    for (const f of js) {
      const text = readFileSync(path.join(outDir, 'assets', f), 'utf8');
      total += Buffer.byteLength(text);
      assert.doesNotMatch(text, /["'`]node:/, `${f} imports no node: module`);
    }
    assert.ok(total < 200 * KB, `${page}: the JS is ${total} B, under 200 KB`);
    t.diagnostic(`${page}: ${js.map((f) => `${f} ${statSync(path.join(outDir, 'assets', f)).size} B`).join(', ')}; total ${total} B`);
  }
});

test(
  'vite: the build prints no warnings',
  () => {
    assert.deepEqual(buildWarnings, []);
  },
);

test('vite: the bundled app streams three events with our EventSource, not the native one', { timeout: 20_000 }, async () => {
  const { page, pageErrors } = await openPage('index.html', 3);
  const got = await page.evaluate(() => ({
    checks: window.__checks,
    source: window.__source,
    events: window.__events,
    errors: window.__errors,
    items: [...document.querySelectorAll('#out li')].map((li) => li.textContent),
  }));
  await page.close();
  const origin = server.origin;
  assert.deepEqual(got.events, [
    { data: 'hello 0', lastEventId: '1', origin, readyState: 1 },
    { data: 'hello 1', lastEventId: '2', origin, readyState: 1 },
    { data: 'hello 2', lastEventId: '3', origin, readyState: 1 },
  ]);
  assert.deepEqual(got.items, ['hello 0', 'hello 1', 'hello 2'], 'the page shows the data');
  assert.deepEqual(got.errors, []);
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(got.source, {
    instanceOfNative: false,
    instanceOfOurs: true,
    url: `${origin}/sse/messages?n=3&hold=1`,
  });
  const { name, ...checks } = got.checks;
  names.vite = name;
  assert.deepEqual(checks, {
    defaultIsNamed: true,
    polyfillIsNamed: true,
    installType: 'function',
    nativeKept: true,
    installUnforced: false,
    installForced: true,
    tag: '[object EventSource]',
  });
  assert.equal(typeof name, 'string');
});

test('vite: a bare polyfill import survives tree-shaking and, when forced, replaces the native class', { timeout: 20_000 }, async () => {
  const { page, pageErrors } = await openPage('polyfill/polyfill.html', 2);
  const got = await page.evaluate(() => ({ checks: window.__checks, events: window.__events }));
  await page.close();
  assert.deepEqual(got, { checks: { replaced: true, instanceOfNative: false }, events: ['hello 0', 'hello 1'] });
  assert.deepEqual(pageErrors, []);
});

// --- Node.js --------------------------------------------------------------------------------------

test('node: the packed tarball installs with every file the exports map needs', { timeout: 30_000 }, async () => {
  rmSync(consumer, { recursive: true, force: true });
  const installed = path.join(consumer, 'node_modules/eventsource-wasm');
  mkdirSync(installed, { recursive: true });
  writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'node-consumer', private: true, type: 'module' }) + '\n');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', consumer], {
    cwd: pkgDir,
    timeout: 20_000,
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' },
  });
  const [packed] = JSON.parse(stdout);
  const packedFiles = packed.files.map((f) => f.path).sort();
  assert.deepEqual(packedFiles, readdirSync(pkgDir).sort(), 'npm pack ships every file in pkg/');
  await run('tar', ['-xzf', path.join(consumer, packed.filename), '-C', installed, '--strip-components=1'], { timeout: 10_000 });

  writeFileSync(
    path.join(consumer, 'probe.mjs'),
    '// Runs before the package is imported (imports evaluate in order).\nglobalThis.__hadNative = typeof globalThis.EventSource === "function";\n',
  );
  writeFileSync(
    path.join(consumer, 'consumer.mjs'),
    `import './probe.mjs';
import { EventSource } from 'eventsource-wasm';
import DefaultES from 'eventsource-wasm';
import { EventSource as PolyfillES, install } from 'eventsource-wasm/polyfill';

const events = [];
const es = new EventSource(process.env.SSE_URL);
const timer = setTimeout(() => { console.log(JSON.stringify({ timeout: true, events })); process.exit(1); }, 5000);
es.onerror = (e) => events.push({ error: e.message, readyState: es.readyState });
es.onmessage = (e) => {
  events.push({ data: e.data, lastEventId: e.lastEventId, origin: e.origin });
  if (events.length < 2) return;
  es.close();
  clearTimeout(timer);
  console.log(JSON.stringify({
    hadNative: globalThis.__hadNative,
    globalIsOurs: globalThis.EventSource === EventSource,
    defaultIsNamed: DefaultES === EventSource,
    polyfillIsNamed: PolyfillES === EventSource,
    installType: typeof install,
    name: EventSource.name,
    events,
  }));
};
`,
  );
  writeFileSync(
    path.join(consumer, 'consumer.cjs'),
    `try {
  console.log('require ' + typeof require('eventsource-wasm').EventSource);
} catch (e) {
  console.log('error ' + e.code);
}
`,
  );
});

test('node: an ESM project imports the package and its polyfill, streams two events and exits', { timeout: 20_000 }, async () => {
  const url = `${server.origin}/sse/messages?n=5&hold=1`;
  const { stdout, stderr } = await node(['consumer.mjs'], { SSE_URL: url });
  assert.equal(stderr, '');
  const { name, ...got } = JSON.parse(stdout);
  names.node = name;
  assert.deepEqual(got, {
    hadNative: got.hadNative,
    // The polyfill installs only where Node has no EventSource of its own.
    globalIsOurs: !got.hadNative,
    defaultIsNamed: true,
    polyfillIsNamed: true,
    installType: 'function',
    events: [
      { data: 'hello 0', lastEventId: '1', origin: server.origin },
      { data: 'hello 1', lastEventId: '2', origin: server.origin },
    ],
  });
});

test('node: CommonJS reaches the package through dynamic import', { timeout: 20_000 }, async () => {
  const { stdout } = await node(['-e', "import('eventsource-wasm').then((m) => console.log(typeof m.EventSource))"]);
  assert.equal(stdout.trim(), 'function');
});

test('node: require() either works (Node with require(esm)) or fails with ERR_REQUIRE_ESM', { timeout: 20_000 }, async () => {
  const { stdout } = await node(['consumer.cjs']);
  assert.match(stdout.trim(), /^(require function|error ERR_REQUIRE_ESM)$/);
});

test(
  "EventSource.name is 'EventSource', as native, in Node and after a consumer's minifier",
  () => {
    assert.deepEqual(names, { vite: 'EventSource', node: 'EventSource' });
  },
);

// --- package.json and types -------------------------------------------------------------------------

test('package.json: an ES module package with exports for the entry and the polyfill', () => {
  assert.equal(pkgJson.name, 'eventsource-wasm');
  assert.equal(pkgJson.type, 'module');
  const { exports } = pkgJson;
  for (const [sub, types, edge, file] of [
    ['.', './index.d.ts', './edge.js', './index.js'],
    ['./polyfill', './polyfill.d.ts', './polyfill-edge.js', './polyfill.js'],
  ]) {
    // TypeScript reads conditions in order, so `types` must come first; the edge hosts' bundlers
    // (wrangler: `workerd`, Vercel: `edge-light`) get the entry that imports the `.wasm` file.
    assert.deepEqual(
      Object.entries(exports[sub]),
      [
        ['types', types],
        ['workerd', edge],
        ['edge-light', edge],
        ['default', file],
      ],
      `exports['${sub}']`,
    );
  }
  for (const target of [pkgJson.main, pkgJson.module, pkgJson.types, ...Object.values(exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)))]) {
    assert.ok(existsSync(path.join(pkgDir, target)), `${target} exists`);
  }
});

test('package.json: sideEffects names the polyfill and the script build, not the entry', () => {
  const { sideEffects } = pkgJson;
  assert.ok(Array.isArray(sideEffects));
  assert.ok(sideEffects.includes('./polyfill.js'));
  assert.ok(sideEffects.includes('./eventsource-wasm.min.js'));
  assert.ok(!sideEffects.some((p) => /index\.js$/.test(p)), 'the entry is side-effect free, so unused imports tree-shake');
});

test('package.json: files lists exactly what pkg/ holds', () => {
  const present = readdirSync(pkgDir).filter((f) => f !== 'package.json').sort();
  assert.deepEqual([...pkgJson.files].sort(), present);
});

test('types: index.d.ts and polyfill.d.ts declare the public surface', () => {
  const index = readFileSync(path.join(pkgDir, 'index.d.ts'), 'utf8');
  assert.match(index, /^export declare class EventSource extends EventTarget\b/m);
  // EventSourceInit's one member, declared here: Node-only projects have no EventSourceInit.
  assert.match(index, /^export interface EventSourceWasmInit \{\n(.*\n)*?  withCredentials\?: boolean;/m);
  assert.match(index, /^export interface EventSourceErrorEvent extends Event\b/m);
  assert.match(index, /^export default EventSource;/m);
  assert.match(index, /constructor\(url: string \| URL, eventSourceInitDict\?: EventSourceWasmInit\)/);
  const polyfill = readFileSync(path.join(pkgDir, 'polyfill.d.ts'), 'utf8');
  assert.match(polyfill, /^export declare function install\(options\?: \{ force\?: boolean \}\): boolean;/m);
  assert.match(polyfill, /^export \{ EventSource \};/m);
});
