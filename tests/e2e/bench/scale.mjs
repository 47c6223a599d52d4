// Scale in one Node process (`make bench-scale`): N sources open at once, each idle after one
// event, for ours (pkg/index.js), eventsource 5 and Node's own EventSource, each client in a
// fresh `node --expose-gc` child, the server (scale-server.mjs) in a process of its own.
// Per client it prints what one idle source costs (heap, external, of which ArrayBuffers, RSS),
// the wasm memory (ours), a fan-out (one event to every source every second: none lost, none
// late by more than 1 s) and a leak round (all closed, then N more opened and closed: memory
// back where the first round left it, the wasm memory not grown again).
//
//   node tests/e2e/bench/scale.mjs [--sources 10000] [--seconds 30] [--clients ours,eventsource5,node]
//                                  [--pkg DIR (ours: DIR/index.js, default pkg)] [--json]
//
// The server and each client raise their file limit (`ulimit -n`) to the hard limit, which must
// allow N sockets. tests/e2e/scale.test.mjs runs a small bounded version.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

/** Starts scale-server.mjs; resolves to `{ origin, stop() }`. */
export async function startScaleServer() {
  const child = spawn('sh', ['-c', `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$1"`, process.execPath, path.join(here, 'scale-server.mjs')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`scale-server exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  child.removeAllListeners('exit');
  return { origin: `http://127.0.0.1:${JSON.parse(line).port}`, stop: () => child.stdin.end() };
}

/** Node's flags for a client's child. */
const FLAGS = { ours: [], eventsource5: [], node: ['--experimental-eventsource'] };

/**
 * Runs `client` in a child `node --expose-gc` (its file limit raised to the hard limit) against
 * `origin`; resolves to what the child reports (see `probe`).
 */
export function runClient(client, origin, { sources, seconds, pkg = path.join(root, 'pkg'), timeout = 600_000 }) {
  const args = ['--expose-gc', ...FLAGS[client], fileURLToPath(import.meta.url), '--child', client, origin, String(sources), String(seconds), path.resolve(pkg)];
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill(), timeout);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve(JSON.parse(out));
      } catch (e) {
        reject(new Error(`${client}: ${e.message}\nstdout: ${out}\nstderr: ${err}`));
      }
    });
  });
}

// ---- the child: one client ----

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The process's memory after repeated full collections. */
async function measure() {
  for (let i = 0; i < 6; i++) {
    await sleep(30);
    globalThis.gc();
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

/** Collects every wasm instance made from now on (the module exports its `memory`). */
function captureInstances(instances) {
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...args) {
      const p = original.apply(this, args);
      p.then((r) => instances.push(r.instance ?? r), () => {});
      return p;
    };
  }
}

async function loadClient(client, pkg) {
  if (client === 'ours') return (await import(pathToFileURL(path.join(pkg, 'index.js')).href)).EventSource;
  if (client === 'eventsource5') return (await import('eventsource')).EventSource;
  if (typeof globalThis.EventSource !== 'function') throw new Error("this Node has no EventSource (needs --experimental-eventsource, Node 20.18+/22)");
  return globalThis.EventSource;
}

/**
 * Opens `n` sources, `batch` connecting at a time, each resolved on its first event; rejects on
 * a source that fails or takes over 60 s.
 */
async function openSources(ES, origin, n, onMessage, batch = 500) {
  const all = [];
  for (let i = 0; i < n; i += batch) {
    const opening = [];
    for (let j = i; j < Math.min(i + batch, n); j++) {
      opening.push(
        new Promise((resolve, reject) => {
          const es = new ES(`${origin}/sse`);
          const timer = setTimeout(() => reject(new Error(`source ${j} got no event in 60 s`)), 60_000);
          es.onmessage = (e) => {
            clearTimeout(timer);
            es.onmessage = (e) => onMessage(j, e);
            resolve();
          };
          es.onerror = () => reject(new Error(`source ${j} failed (readyState ${es.readyState})`));
          all.push(es);
        }),
      );
    }
    await Promise.all(opening);
  }
  return all;
}

async function probe(client, origin, n, seconds, pkg) {
  const instances = [];
  captureInstances(instances);
  // Node's fetch loads its own wasm (llhttp) on first use, and each client builds what it keeps
  // for good: done with a few sources first, so the baseline holds them.
  const ES = await loadClient(client, pkg);
  const wasm = () => instances.reduce((sum, i) => sum + (i.exports.memory?.buffer.byteLength ?? 0), 0);
  const closeAll = (list) => list.forEach((es) => es.close());
  closeAll(await openSources(ES, origin, 10, () => {}));
  const base = await measure();
  const wasmBase = wasm();

  // Round 1: open, idle, fan-out, close.
  const seen = new Int32Array(n);
  let lost = 0;
  let outOfOrder = 0;
  let late = 0;
  let maxLate = 0;
  let received = 0;
  // Delays in 10 ms steps, for the median and the 99th percentile.
  const delays = new Uint32Array(1001);
  const onMessage = (i, e) => {
    const [seq, sent] = e.data.split(' ').map(Number);
    const delay = Date.now() - sent;
    received++;
    delays[Math.min(Math.floor(delay / 10), 1000)]++;
    maxLate = Math.max(maxLate, delay);
    if (delay > 1000) late++;
    if (seq !== seen[i] + 1) outOfOrder++;
    seen[i] = seq;
  };
  let t0 = Date.now();
  let list = await openSources(ES, origin, n, onMessage);
  const openMs = Date.now() - t0;
  const open = await measure();
  const wasmOpen = wasm();
  let fanout = null;
  if (seconds > 0) {
    const cpu = process.cpuUsage();
    await (await fetch(`${origin}/fanout?n=${seconds}`)).text();
    // Late events still count as received: waits up to 20 s after the last tick for them.
    await sleep(seconds * 1000 + 1000);
    for (let i = 0; i < 100 && received < n * seconds; i++) await sleep(200);
    const used = process.cpuUsage(cpu);
    for (let i = 0; i < n; i++) lost += seconds - seen[i];
    const quantile = (q) => {
      let count = 0;
      const at = delays.findIndex((d) => (count += d) >= q * received);
      return at * 10;
    };
    fanout = { events: received, lost, outOfOrder, late, p50Ms: quantile(0.5), p99Ms: quantile(0.99), maxLateMs: maxLate, cpuUsPerEvent: (used.user + used.system) / received };
  }
  closeAll(list);
  list = null;
  const closed = await measure();
  const wasmClosed = wasm();

  // Round 2: the leak test, N more opened and closed.
  t0 = Date.now();
  list = await openSources(ES, origin, n, () => {});
  const open2Ms = Date.now() - t0;
  const wasmOpen2 = wasm();
  closeAll(list);
  list = null;
  const closed2 = await measure();
  const per = (a, b, key) => (a[key] - b[key]) / n;
  return {
    client,
    node: process.version,
    sources: n,
    openMs,
    open2Ms,
    perSource: { heap: per(open, base, 'heap'), heapTotal: per(open, base, 'heapTotal'), external: per(open, base, 'external'), arrayBuffers: per(open, base, 'arrayBuffers'), rss: per(open, base, 'rss') },
    wasm: instances.length ? { base: wasmBase, open: wasmOpen, perSource: (wasmOpen - wasmBase) / n, closed: wasmClosed, open2: wasmOpen2 } : null,
    fanout,
    memory: { base, open, closed, closed2 },
  };
}

// ---- the parent ----

const kb = (b) => (b / 1024).toFixed(1);
const mb = (b) => (b / 1048576).toFixed(1);

function report(results, { sources, seconds }) {
  const lines = [];
  lines.push(`## ${sources} idle sources in one Node process (${results[0]?.node}), each after one event; memory after full GCs`);
  lines.push('');
  lines.push('| client | heap KB / source | external KB / source (of which ArrayBuffers) | RSS KB / source | open all, s |');
  lines.push('|---|---|---|---|---|');
  for (const r of results) {
    const p = r.perSource;
    lines.push(`| ${r.client} | ${kb(p.heap)} | ${kb(p.external)} (${kb(p.arrayBuffers)}) | ${kb(p.rss)} | ${(r.openMs / 1000).toFixed(1)} |`);
  }
  if (seconds > 0) {
    lines.push('');
    lines.push(`Fan-out: one event to every source every second for ${seconds} s.`);
    lines.push('');
    lines.push('| client | events received | lost | out of order | late > 1 s | delay median / p99 / max, ms | client CPU µs / event |');
    lines.push('|---|---|---|---|---|---|---|');
    for (const { client, fanout: f } of results) {
      const row = [f.events, f.lost, f.outOfOrder, f.late, `${f.p50Ms} / ${f.p99Ms} / ${f.maxLateMs}`, f.cpuUsPerEvent.toFixed(0)];
      lines.push(`| ${client} | ${row.join(' | ')} |`);
    }
  }
  lines.push('');
  lines.push(`Leak round: all closed, then ${sources} more opened and closed (MB; after full GCs).`);
  lines.push('');
  lines.push('| client | heap: start → closed → closed again | external: start → closed → closed again | RSS: start → open → closed again |');
  lines.push('|---|---|---|---|');
  for (const { client, memory: m } of results) {
    const row = (k) => `${mb(m.base[k])} → ${mb(m.closed[k])} → ${mb(m.closed2[k])}`;
    lines.push(`| ${client} | ${row('heap')} | ${row('external')} | ${mb(m.base.rss)} → ${mb(m.open.rss)} → ${mb(m.closed2.rss)} |`);
  }
  const ours = results.find((r) => r.wasm);
  if (ours) {
    const w = ours.wasm;
    lines.push('');
    lines.push(
      `Wasm memory (ours): ${kb(w.base)} KB with the module loaded, ${kb(w.open)} KB with ${sources} open ` +
        `(${(w.perSource).toFixed(0)} B a source), ${kb(w.closed)} KB after they closed, ${kb(w.open2)} KB with the next ${sources} open.`,
    );
  }
  return lines.join('\n');
}

async function main(argv) {
  if (argv[0] === '--child') {
    const [, client, origin, n, seconds, pkg] = argv;
    const result = await probe(client, origin, Number(n), Number(seconds), pkg);
    process.stdout.write(JSON.stringify(result), () => process.exit(0));
    return;
  }
  const opt = (name, fallback) => {
    const i = argv.indexOf(`--${name}`);
    return i < 0 ? fallback : argv[i + 1];
  };
  const sources = Number(opt('sources', 10000));
  const seconds = Number(opt('seconds', 30));
  const clients = opt('clients', 'ours,eventsource5,node').split(',');
  const server = await startScaleServer();
  const results = [];
  try {
    for (const client of clients) {
      process.stderr.write(`scale: ${client}, ${sources} sources…\n`);
      results.push(await runClient(client, server.origin, { sources, seconds, pkg: opt('pkg', undefined) }));
    }
  } finally {
    server.stop();
  }
  console.log(argv.includes('--json') ? JSON.stringify(results, null, 2) : report(results, { sources, seconds }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
