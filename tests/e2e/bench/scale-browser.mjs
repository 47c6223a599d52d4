// Scale in headless Chromium (issue 30: memory per open, idle source): N sources open at once in
// one page, each idle after its one event, for ours (the script tag pkg/eventsource-wasm.min.js,
// global EventSourceWasm), ours as an ES module (pkg/index.js), eventsource 5 (the shared
// benchmark's browser bundle, BENCH_DIR/clients/dist/eventsource5.min.js, global EventSourceV5)
// and the browser's own EventSource. Not part of `make test`.
//
//   node tests/e2e/bench/scale-browser.mjs [--sources 200] [--ports 40] [--warmup 5]
//        [--clients ours,ours-esm,eventsource5,native] [--pkg DIR (default pkg)]
//        [--bench-dir DIR (default $BENCH_DIR or /tmp/bench)] [--timeout SECONDS (per client, 120)] [--json]
//        [--heap-diff ROWS: also a heap snapshot before and after; prints, per client, the ROWS
//         largest groups (node type and constructor/name) of what the second has and the first
//         has not, by self size a source. The snapshots perturb the other figures: use apart.]
//
// Needs pkg/ (`make build`), playwright-core (npm ci) and /usr/bin/chromium (or $CHROMIUM); for
// eventsource 5, the shared benchmark set up in --bench-dir (its README: ./setup.sh builds
// clients/dist/); leave it out with --clients if that is not there.
//
// Method. Chromium keeps at most 6 HTTP/1.1 connections per host:port and about 256 sockets per
// profile, so this process serves the stream (`data: hello`, then held open) on --ports
// 127.0.0.1 ports (CORS open: the page is served from a port of its own) and spreads the
// sources across them (at most 6 a port, 240 in all). Each client gets a fresh browser (so its
// renderer and network service processes are its own), and in its page:
//   1. load the client (and await its `ready`), open --warmup sources, wait for their events,
//      close them (what a client builds once, on its first sources, is then in the baseline);
//   2. force GC (CDP HeapProfiler.collectGarbage, twice), then measure;
//   3. open N sources, wait until every one got its event, wait 1 s, GC twice, measure again;
//   4. close them all and check the server saw every connection end.
// Per source = (after - before) / N, for: the JS heap (CDP Runtime.getHeapUsage usedSize, V8's
// heap: performance.memory.usedJSHeapSize is near it, in the --json output); Blink's
// garbage-collected heap (getHeapUsage embedderHeapUsedSize: the Oilpan objects, e.g. native
// EventSource and, for every client, the fetch/loader objects of its request); the renderer
// process's VmRSS and its private memory (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup;
// the less steady of the two: a page shared with the zygote turns private when written, so its
// difference now and then jumps by 20-30 KB a source either way), which hold what the JS heap does
// not (wasm memory, ArrayBuffers, Blink's malloc'd objects, Mojo pipes); the network service
// process's VmRSS (the sockets and their buffers, the same for every client that has one connection
// a source); and for ours the wasm memory: how much it grew, and how many more of its 4 KiB pages
// hold a byte other than 0 (those in use, a lower bound: the renderer's RSS holds the pages
// touched). The page's own part (an array slot and a listener closure a source) is the same for
// every client, and so is what Playwright's DevTools session keeps a request (its Network domain is
// on: blink::NetworkResourcesData::ResourceData, ~0.3 KB in the Blink heap). "all received": every
// source got its event, and the server saw N connections open at the measurement and none after
// closing.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const ALL_CLIENTS = ['ours', 'ours-esm', 'eventsource5', 'native'];

function parseArgs(argv) {
  const o = {
    sources: 200,
    ports: 40,
    warmup: 5,
    clients: ALL_CLIENTS,
    pkg: path.join(root, 'pkg'),
    benchDir: process.env.BENCH_DIR ?? '/tmp/bench',
    timeout: 120,
    json: false,
    heapDiff: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--sources') o.sources = Number(val());
    else if (a === '--ports') o.ports = Number(val());
    else if (a === '--warmup') o.warmup = Number(val());
    else if (a === '--clients') o.clients = val().split(',').filter(Boolean);
    else if (a === '--pkg') o.pkg = path.resolve(val());
    else if (a === '--bench-dir') o.benchDir = path.resolve(val());
    else if (a === '--timeout') o.timeout = Number(val());
    else if (a === '--json') o.json = true;
    else if (a === '--heap-diff') o.heapDiff = Number(val());
    else usage(`unknown argument ${a}`);
  }
  if (!(Number.isInteger(o.sources) && o.sources > 0 && o.sources <= 240)) usage('--sources must be 1..240 (Chromium: ~256 sockets a profile)');
  if (!(Number.isInteger(o.warmup) && o.warmup >= 0 && o.warmup <= 12)) usage('--warmup must be 0..12');
  if (!(Number.isInteger(o.ports) && o.ports > 0 && o.ports <= 100)) usage('--ports must be 1..100');
  if (Math.ceil(o.sources / o.ports) > 6) usage(`--ports ${o.ports} is too few for ${o.sources} sources (at most 6 a port)`);
  if (!(o.timeout > 0)) usage('--timeout must be > 0');
  if (!(Number.isInteger(o.heapDiff) && o.heapDiff >= 0)) usage('--heap-diff must be a count of rows');
  for (const c of o.clients) if (!ALL_CLIENTS.includes(c)) usage(`unknown client ${c} (${ALL_CLIENTS.join(', ')})`);
  return o;
}

function usage(msg) {
  console.error(`scale-browser.mjs: ${msg}`);
  console.error('usage: node tests/e2e/bench/scale-browser.mjs [--sources 200] [--ports 40] [--warmup 5] [--clients ours,ours-esm,eventsource5,native] [--pkg DIR] [--bench-dir DIR] [--timeout S] [--heap-diff ROWS] [--json]');
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// What each client needs, checked before anything starts.
const FILES = {
  ours: { '/pkg/': opts.pkg, check: path.join(opts.pkg, 'eventsource-wasm.min.js') },
  'ours-esm': { '/pkg/': opts.pkg, check: path.join(opts.pkg, 'index.js') },
  eventsource5: { check: path.join(opts.benchDir, 'clients/dist/eventsource5.min.js') },
  native: {},
};
for (const c of opts.clients) {
  const f = FILES[c].check;
  if (f && !fs.existsSync(f)) {
    const hint = c === 'eventsource5'
      ? `the shared benchmark's eventsource 5 bundle is missing: set it up in --bench-dir (cp -r ../shared/bench ${opts.benchDir} && cd ${opts.benchDir} && ./setup.sh), pass --bench-dir, or leave it out with --clients`
      : 'build pkg/ first (make build) or pass --pkg';
    console.error(`scale-browser.mjs: ${c}: no ${f}: ${hint}`);
    process.exit(2);
  }
}

// A watchdog: whatever hangs, this process ends (and with it the servers and the browser).
const budget = (opts.timeout * opts.clients.length + 60) * 1000;
setTimeout(() => {
  console.error(`scale-browser.mjs: gave up after ${budget / 1000} s`);
  process.exit(1);
}, budget).unref();

// --- servers -------------------------------------------------------------------------------

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const PAGE = '<!doctype html><meta charset="utf-8"><title>scale-browser</title><body>scale-browser</body>';

/** The page, ours' files under /pkg/ and eventsource 5 as /es5.js. */
function pageHandler(req, res) {
  const url = new URL(req.url, 'http://x');
  let file = null;
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' });
    return res.end(PAGE);
  }
  if (url.pathname.startsWith('/pkg/')) {
    const name = path.basename(url.pathname);
    file = path.join(opts.pkg, name);
  } else if (url.pathname === '/es5.js') {
    file = path.join(opts.benchDir, 'clients/dist/eventsource5.min.js');
  }
  if (!file || !fs.existsSync(file)) {
    res.writeHead(404);
    return res.end();
  }
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  fs.createReadStream(file).pipe(res);
}

/** Open SSE responses (all ports), and how many requests and preflights came. */
const streams = new Set();
const counts = { requests: 0, preflights: 0 };

function sseHandler(req, res) {
  const cors = { 'access-control-allow-origin': req.headers.origin ?? '*', vary: 'origin' };
  if (req.method === 'OPTIONS') {
    counts.preflights++;
    res.writeHead(204, {
      ...cors,
      'access-control-allow-methods': 'GET',
      'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
      'access-control-max-age': '600',
    });
    return res.end();
  }
  if (!req.url.startsWith('/sse')) {
    res.writeHead(404, cors);
    return res.end();
  }
  counts.requests++;
  res.socket.setNoDelay(true);
  res.writeHead(200, { ...cors, 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  res.write('data: hello\n\n');
  streams.add(res);
  res.on('close', () => streams.delete(res));
}

function listen(handler) {
  const srv = http.createServer(handler);
  srv.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

const servers = [];
const pageServer = await listen(pageHandler);
servers.push(pageServer);
const ssePorts = [];
for (let i = 0; i < opts.ports; i++) {
  const s = await listen(sseHandler);
  servers.push(s);
  ssePorts.push(s.address().port);
}
const origin = `http://127.0.0.1:${pageServer.address().port}`;
function stopServers() {
  for (const r of streams) r.destroy();
  for (const s of servers) {
    s.close();
    s.closeAllConnections?.();
  }
}

/** `n` stream URLs, spread over the ports (`offset` shifts which port the first one gets). */
const urls = (n, tag, offset = 0) => Array.from({ length: n }, (_, i) => `http://127.0.0.1:${ssePorts[(i + offset) % ssePorts.length]}/sse?${tag}=${i}`);

// --- processes -----------------------------------------------------------------------------

/** VmRSS, and private memory (Private_Clean + Private_Dirty), in bytes. */
function procMemory(pid) {
  const kb = (text, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return { rss: kb(status, 'VmRSS'), priv: kb(rollup, 'Private_Clean') + kb(rollup, 'Private_Dirty') };
}

/**
 * The page's renderer process and the network service process, from CDP SystemInfo.getProcessInfo.
 * Chromium starts more than one renderer for a page (its first about:blank among them), so the
 * page's is the one whose CPU time grows while the page spins for 300 ms (and no other's does).
 */
async function chromiumProcesses(browserCdp, page) {
  const list = async () => (await browserCdp.send('SystemInfo.getProcessInfo')).processInfo;
  const cpu = (l) => new Map(l.filter((p) => p.type === 'renderer').map((p) => [p.id, p.cpuTime]));
  let first;
  let grown = [];
  for (let tries = 0; tries < 10; tries++) {
    if (tries) await sleep(500);
    first = await list();
    const a = cpu(first);
    await page.evaluate(() => {
      const t = performance.now();
      while (performance.now() - t < 300);
    });
    grown = [...cpu(await list())].map(([id, t]) => [id, t - (a.get(id) ?? 0)]).sort((x, y) => y[1] - x[1]);
    // The others may still be starting: try again until only one is busy.
    if (grown.length && grown[0][1] >= 0.15 && !(grown[1]?.[1] > 0.05)) break;
    grown = null;
  }
  if (!grown) throw new Error("cannot tell the page's renderer process: another one stays busy");
  const network = first.find((p) => p.type === 'network.mojom.NetworkService')?.id ?? null;
  return { renderer: grown[0][0], network };
}

// --- the page's side -----------------------------------------------------------------------

/** Runs before anything in the page: keeps the native class, and every wasm instance made. */
function initScript() {
  window.__NativeES = window.EventSource;
  window.__instances = [];
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...args) {
      const p = original.apply(this, args);
      p.then((r) => window.__instances.push(r.instance ?? r), () => {});
      return p;
    };
  }
  window.__wasmBytes = () => window.__instances.reduce((s, i) => s + (i.exports.memory?.buffer.byteLength ?? 0), 0);
  // The wasm memory's 4 KiB pages with a byte other than 0 (the pages in use: a lower bound).
  window.__wasmUsed = () => {
    let pages = 0;
    for (const i of window.__instances) {
      const buf = i.exports.memory?.buffer;
      if (!buf) continue;
      const words = new Uint32Array(buf);
      for (let p = 0; p < words.length; p += 1024) {
        for (let w = p; w < p + 1024; w++) {
          if (words[w]) {
            pages++;
            break;
          }
        }
      }
    }
    return pages * 4096;
  };
  // Opens one source per URL; resolves once each got its `hello` (or after `ms`), to how many
  // did and how many errors there were. The sources stay in window.__sources.
  window.__open = (list, ms) => {
    const n = list.length;
    const seen = new Uint8Array(n);
    const sources = (window.__sources = new Array(n).fill(null));
    const st = { got: 0, errors: 0 };
    const onerror = () => st.errors++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(st), ms);
      for (let i = 0; i < n; i++) {
        const es = new window.__ES(list[i]);
        es.onmessage = (e) => {
          if (e.data !== 'hello' || seen[i]) return;
          seen[i] = 1;
          if (++st.got === n) {
            clearTimeout(timer);
            resolve(st);
          }
        };
        es.onerror = onerror;
        sources[i] = es;
      }
    });
  };
  window.__closeAll = () => {
    for (const es of window.__sources ?? []) es?.close();
    window.__sources = null;
  };
}

/** Loads `client` into the page: window.__ES is then its class, ready to use. */
async function loadClient(page, client) {
  await page.evaluate(async (client) => {
    const script = (src) =>
      new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = src;
        s.onload = resolve;
        s.onerror = () => reject(new Error(`could not load ${src}`));
        document.head.appendChild(s);
      });
    if (client === 'native') window.__ES = window.__NativeES;
    else if (client === 'ours') {
      await script('/pkg/eventsource-wasm.min.js');
      window.__ES = window.EventSourceWasm;
    } else if (client === 'ours-esm') window.__ES = (await import('/pkg/index.js')).EventSource;
    else if (client === 'eventsource5') {
      await script('/es5.js');
      window.__ES = window.EventSourceV5;
    }
    if (typeof window.__ES !== 'function') throw new Error(`${client}: no EventSource class`);
    await window.__ES.ready;
  }, client);
}

/** A heap snapshot (CDP HeapProfiler.takeHeapSnapshot), parsed. */
async function heapSnapshot(cdp) {
  const chunks = [];
  const onChunk = (e) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  return JSON.parse(chunks.join(''));
}

/** What `b` holds that `a` does not (by node id), grouped by node type and name, largest first. */
function heapDiff(a, b, n, rows) {
  const ids = (snap) => {
    const f = snap.snapshot.meta.node_fields;
    return { width: f.length, id: f.indexOf('id'), type: f.indexOf('type'), name: f.indexOf('name'), size: f.indexOf('self_size') };
  };
  const fa = ids(a);
  const old = new Set();
  for (let i = 0; i < a.nodes.length; i += fa.width) old.add(a.nodes[i + fa.id]);
  const fb = ids(b);
  const types = b.snapshot.meta.node_types[0];
  const groups = new Map();
  for (let i = 0; i < b.nodes.length; i += fb.width) {
    if (old.has(b.nodes[i + fb.id])) continue;
    const type = types[b.nodes[i + fb.type]];
    let name = b.strings[b.nodes[i + fb.name]];
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '';
    else if (name.length > 60) name = `${name.slice(0, 57)}...`;
    const key = `${type} ${name}`.trim();
    const g = groups.get(key) ?? { key, count: 0, size: 0 };
    g.count++;
    g.size += b.nodes[i + fb.size];
    groups.set(key, g);
  }
  const all = [...groups.values()].sort((x, y) => y.size - x.size);
  const total = all.reduce((t, g) => t + g.size, 0);
  return { totalPerSource: total / n, top: all.slice(0, rows).map((g) => ({ group: g.key, perSource: g.size / n, countPerSource: g.count / n })) };
}

// --- one client ----------------------------------------------------------------------------

async function measureClient(client, state) {
  const n = opts.sources;
  const browser = await launchChromium(['--enable-precise-memory-info', '--disable-features=SpareRendererForSitePerProcess']);
  state.browser = browser;
  // Timed out while launching: stop here (the browser closed below).
  if (state.aborted) await browser.close();
  const browserCdp = await browser.newBrowserCDPSession();
  try {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.addInitScript(initScript);
    await page.goto(`${origin}/`);
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('HeapProfiler.enable');
    await loadClient(page, client);

    const procs = await chromiumProcesses(browserCdp, page);
    const renderer = procs.renderer;

    const gc = async () => {
      for (let i = 0; i < 2; i++) {
        await cdp.send('HeapProfiler.collectGarbage');
        await sleep(50);
      }
    };
    const measure = async () => {
      await gc();
      const heap = await cdp.send('Runtime.getHeapUsage');
      const page_ = await page.evaluate(() => ({ used: performance.memory?.usedJSHeapSize ?? NaN, wasm: window.__wasmBytes(), wasmUsed: window.__wasmUsed() }));
      const dom = await cdp.send('Memory.getDOMCounters');
      const r = procMemory(renderer);
      const net = procs.network ? procMemory(procs.network) : { rss: NaN, priv: NaN };
      return {
        heap: heap.usedSize,
        heapTotal: heap.totalSize,
        blink: heap.embedderHeapUsedSize ?? NaN,
        backing: heap.backingStorageSize ?? NaN,
        perfUsed: page_.used,
        wasm: page_.wasm,
        wasmUsed: page_.wasmUsed,
        listeners: dom.jsEventListeners,
        rendererRss: r.rss,
        rendererPrivate: r.priv,
        networkRss: net.rss,
        openStreams: streams.size,
      };
    };
    const waitStreams = async (want, ms) => {
      const end = Date.now() + ms;
      while (streams.size !== want && Date.now() < end) await sleep(20);
      return streams.size === want;
    };

    // 1. Warm-up: a few sources, opened, each waited for, closed (the server sees them end).
    let warm = { got: 0, errors: 0 };
    if (opts.warmup > 0) {
      warm = await page.evaluate(([list, ms]) => window.__open(list, ms), [urls(opts.warmup, 'warm'), 15000]);
      await page.evaluate(() => window.__closeAll());
      if (warm.got !== opts.warmup) throw new Error(`warm-up: ${warm.got} of ${opts.warmup} sources got their event`);
      if (!(await waitStreams(0, 5000))) throw new Error(`warm-up: ${streams.size} connections still open after closing`);
    }
    const requests0 = counts.requests;

    // 2. Baseline.
    await sleep(500);
    const before = await measure();
    const snapBefore = opts.heapDiff ? await heapSnapshot(cdp) : null;

    // 3. N sources, idle after their event.
    const t0 = Date.now();
    const openMs = Math.max(5000, opts.timeout * 1000 - 20000);
    const st = await page.evaluate(([list, ms]) => window.__open(list, ms), [urls(n, 'src'), openMs]);
    const allMs = Date.now() - t0;
    await sleep(1000);
    const after = await measure();
    const heapNew = snapBefore ? heapDiff(snapBefore, await heapSnapshot(cdp), n, opts.heapDiff) : null;

    // 4. Close all.
    await page.evaluate(() => window.__closeAll());
    const closed = await waitStreams(0, 5000);
    const requests = counts.requests - requests0;

    const per = (k) => (after[k] - before[k]) / n;
    return {
      client,
      sources: n,
      received: st.got,
      errors: st.errors,
      openAtMeasure: after.openStreams,
      requests,
      closed,
      allReceived: st.got === n && after.openStreams === n && closed,
      msToAllEvents: allMs,
      perSource: {
        heap: per('heap'),
        blink: per('blink'),
        backing: per('backing'),
        perfUsed: per('perfUsed'),
        rendererRss: per('rendererRss'),
        rendererPrivate: per('rendererPrivate'),
        networkRss: per('networkRss'),
        wasm: per('wasm'),
        wasmUsed: per('wasmUsed'),
        listeners: per('listeners'),
      },
      before,
      after,
      heapNew,
    };
  } finally {
    await browser.close().catch(() => {});
  }
}

// --- main ----------------------------------------------------------------------------------

const results = [];
let failed = false;
try {
  for (const client of opts.clients) {
    const state = { browser: null, aborted: false };
    const attempt = measureClient(client, state);
    let timer;
    const limit = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${opts.timeout} s`)), opts.timeout * 1000);
    });
    try {
      results.push(await Promise.race([attempt, limit]));
    } catch (e) {
      failed = true;
      results.push({ client, error: e.message.split('\n')[0] });
      state.aborted = true;
      attempt.catch(() => {});
      // Whatever the attempt was doing fails once its browser is gone.
      await state.browser?.close().catch(() => {});
    } finally {
      clearTimeout(timer);
    }
    // Between clients: nothing of the last one left open on the server.
    for (const r of streams) r.destroy();
  }
} finally {
  stopServers();
}

const kb = (b) => (Number.isFinite(b) ? (b / 1024).toFixed(2) : '-');
function report() {
  const lines = [
    `${opts.sources} sources (${opts.ports} ports), idle after one event, in headless Chromium; per source, in KB (1024 B), after - before over N`,
    '',
    '| client | JS heap KB/source | Blink heap KB/source | renderer RSS KB/source | renderer private KB/source | network service RSS KB/source | wasm memory KB/source (grown / pages in use) | all received |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of results) {
    if (r.error) {
      lines.push(`| ${r.client} | - | - | - | - | - | - | error: ${r.error} |`);
      continue;
    }
    const p = r.perSource;
    const ok = r.allReceived ? 'yes' : `no (${r.received}/${r.sources} events, ${r.openAtMeasure} open, closed: ${r.closed})`;
    lines.push(`| ${r.client} | ${kb(p.heap)} | ${kb(p.blink)} | ${kb(p.rendererRss)} | ${kb(p.rendererPrivate)} | ${kb(p.networkRss)} | ${r.client.startsWith('ours') ? `${kb(p.wasm)} / ${kb(p.wasmUsed)}` : '-'} | ${ok} |`);
  }
  lines.push('', 'JS heap / Blink heap: CDP Runtime.getHeapUsage usedSize / embedderHeapUsedSize; renderer/network service: /proc/PID VmRSS and smaps_rollup Private_Clean+Private_Dirty; after GC (HeapProfiler.collectGarbage x2).');
  const extra = results.filter((r) => !r.error).map((r) => `${r.client}: ${r.msToAllEvents} ms to all events, ${r.errors} error events, ${r.requests} requests, event listeners +${r.perSource.listeners.toFixed(1)}/source`);
  lines.push(...extra);
  for (const r of results) {
    if (!r.heapNew) continue;
    lines.push('', `${r.client}: new in the heap snapshot, ${kb(r.heapNew.totalPerSource)} KB/source in all (self sizes); the largest groups:`, '', '| node type, name | B/source | count/source |', '|---|---:|---:|');
    for (const g of r.heapNew.top) lines.push(`| ${g.group.replace(/\|/g, '\\|')} | ${g.perSource.toFixed(0)} | ${g.countPerSource.toFixed(2)} |`);
  }
  return lines.join('\n');
}
console.log(opts.json ? JSON.stringify({ sources: opts.sources, ports: opts.ports, warmup: opts.warmup, results }, null, 2) : report());
process.exit(failed || results.some((r) => !r.allReceived) ? 1 : 0);
