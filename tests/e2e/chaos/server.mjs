// The chaos server: raw HTTP/1.1 over node:net on 127.0.0.1, so every byte and every way a
// connection ends is ours to choose. /sse?run=KEY streams a run's events from after the
// Last-Event-ID it is sent, then meets the fate the run's PRNG picks for that connection; it also
// serves the page, the client module and pkg/ to Chromium from the same origin. A second port is
// another origin: the same, with CORS headers (any origin, Last-Event-ID allowed, Retry-After
// exposed), for the cross-origin runs.
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { mix, prng, makeEvents, serialize, resumeAfter, pickOffset } from './stream.mjs';

const PAGE = '<!doctype html><meta charset="utf-8"><title>chaos</title><p>chaos</p>\n';
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.json': 'application/json' };

// Per connection. cut: the body stops at a chosen byte; end: a clean end after whole events;
// stall: nothing more is written until the client gives up (inactivityTimeout); 503: with
// Retry-After; headers: a reset in the middle of the response head (a network error).
export const FATES = { cut: 59, end: 20, stall: 4, 503: 14, headers: 3 };
const COVERED = 40;
const CUT_KINDS = { crlf: 25, utf8: 25, midline: 20, boundary: 10, any: 20 };
const SPLIT_KINDS = { crlf: 30, utf8: 30, midline: 20, any: 20 };

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const write = (socket, data) => new Promise((resolve) => (socket.destroyed ? resolve() : socket.write(data, () => resolve())));
const bump = (counts, key) => (counts[key] = (counts[key] ?? 0) + 1);

/** Starts the server; `root` is the repository (for pkg/ and the client module). */
export async function startChaosServer(root) {
  const runs = new Map();
  const sockets = new Set();
  // `cross`: the second origin's connections, whose responses allow CORS.
  const accept = (cross) => (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 65536) socket.destroy();
        return;
      }
      socket.off('data', onData);
      // Keep reading (and ignoring) so that the client's close is seen.
      socket.on('data', () => {});
      handle(socket, parseHead(head.subarray(0, end).toString('latin1')), cross ? CORS : '').catch((err) => {
        console.error('chaos server:', err);
        socket.destroy();
      });
    };
    socket.on('data', onData);
  };
  const servers = [net.createServer(accept(false)), net.createServer(accept(true))];
  const [port, crossPort] = await Promise.all(
    servers.map(
      (server) =>
        new Promise((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server.address().port));
        }),
    ),
  );

  async function handle(socket, req, cors) {
    const url = new URL(req.target, 'http://127.0.0.1');
    if (url.pathname === '/sse') {
      const run = runs.get(url.searchParams.get('run'));
      // The CORS preflight a cross-origin Last-Event-ID needs from fetch(): allowed, cached.
      if (run && req.method === 'OPTIONS') {
        run.preflights++;
        return respond(socket, 204, '', Buffer.alloc(0), `${cors}Access-Control-Allow-Headers: Last-Event-ID\r\nAccess-Control-Max-Age: 600\r\n`);
      }
      // What is not the source's own request (it asks for text/event-stream) is a probe a page's
      // source sends after a failed fetch before its first response (no-cors, then CORS; see
      // js/driver.js): answered, as any server would, but kept out of the connection count and
      // the resume checks. `probeAt`: how many connections came before each.
      if (run && !/text\/event-stream/.test(req.headers.get('accept') ?? '')) {
        run.probes++;
        run.probeAt.push(run.connections);
        return respond(socket, 200, 'text/plain', Buffer.from('not a stream request\n'), cors);
      }
      if (run) return stream(socket, run, req, cors);
    } else if (url.pathname === '/page.html') {
      return respond(socket, 200, 'text/html; charset=utf-8', Buffer.from(PAGE));
    } else if (url.pathname === '/chaos/client.mjs' || url.pathname.startsWith('/pkg/')) {
      // Read on every request: pkg/ may be rebuilt while the tests run.
      const file = url.pathname.startsWith('/pkg/') ? path.join(root, 'pkg', path.basename(url.pathname)) : path.join(root, 'tests/e2e/chaos/client.mjs');
      try {
        return respond(socket, 200, TYPES[path.extname(file)] ?? 'application/octet-stream', await readFile(file));
      } catch {}
    }
    respond(socket, 404, 'text/plain', Buffer.from('not found\n'));
  }

  /**
   * One SSE connection of `run`: log the Last-Event-ID it came with, send what follows it, meet a
   * fate. The test judges each Last-Event-ID against the previous connection's log entry.
   */
  async function stream(socket, run, req, cors) {
    const conn = run.connections++;
    const r = prng(mix(run.seed, 'connection', conn));
    const header = req.headers.get('last-event-id');
    const got = header === undefined ? -1 : /^\d+$/.test(header) ? Number(header) : NaN;
    const from = Number.isNaN(got) ? 0 : Math.min(got + 1, run.events.length);
    // resumed: the id the client came with (-1: none); delivered: the last id it has once it got
    // every byte sent; lossy: a network error ends the connection, which may drop bytes the
    // client received but had not read yet (a stream that errors discards its queue).
    // abandoned: the client closed the connection before the server ended it (other than a
    // stall, which the client must end): its own timeout on a busy machine.
    const entry = { lastEventId: header ?? null, resumed: got, delivered: got, lossy: false, keepalive: false, abandoned: false, fate: '' };
    run.log.push(entry);
    let ending = false;
    socket.once('close', () => (entry.abandoned ||= !ending));

    // A run may set its first connection's fate (the others are drawn as ever).
    let fate = conn === 0 && run.first ? run.first : r.weighted(run.fateWeights);
    // The test asserts that every fate of the run happened: one still missing by connection
    // COVERED is taken then, so a rare fate never hangs on the draw.
    if (conn >= COVERED) fate = Object.keys(run.fateWeights).find((f) => !run.fates[f]) ?? fate;
    bump(run.fates, fate);
    entry.fate = fate;
    if (fate === '503') {
      // Both variants are asserted too: one still missing by connection COVERED is taken.
      const drawn = r.chance(0.3);
      const missing = conn >= COVERED && ['0', 'past HTTP-date'].find((v) => !run.fates[`503 Retry-After: ${v}`]);
      const past = missing ? missing !== '0' : drawn;
      bump(run.fates, past ? '503 Retry-After: past HTTP-date' : '503 Retry-After: 0');
      const after = past ? new Date(Date.now() - 60000 - r.int(1e9)).toUTCString() : '0';
      const body = Buffer.from('busy\n');
      await write(socket, `HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${after}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n${cors}Connection: close\r\n\r\n`);
      ending = true;
      socket.end(body);
      return;
    }
    const chunked = r.chance(0.3);
    const head = `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream${r.chance(0.3) ? '; charset=utf-8' : ''}\r\nCache-Control: no-store\r\n${chunked ? 'Transfer-Encoding: chunked\r\n' : ''}${cors}Connection: close\r\n\r\n`;
    if (fate === 'headers') {
      entry.fate = 'reset inside the response head';
      // A reset, not a FIN: a browser may take a head cut by a FIN for a whole (bodiless) one.
      await write(socket, head.slice(0, 1 + r.int(head.length - 5)));
      await delay(2);
      ending = true;
      if (!socket.destroyed) socket.resetAndDestroy();
      return;
    }
    const count = Math.min(r.int(7), run.events.length - from);
    const body = serialize(run.events.slice(from, from + count), r, { retry: r.chance(0.8) ? 2 + r.int(7) : undefined });
    const n = body.bytes.length;

    // Where the body stops (n: it does not), and how: a FIN ends a close-delimited body as a
    // clean end of stream; a reset, or a FIN inside a chunk, is a network error.
    let stop = n;
    let how = 'fin';
    let where = '';
    if (fate === 'cut' || fate === 'stall') {
      // Likewise a kind of cut not yet made (one the body cannot take falls back to 'any').
      const drawn = r.weighted(CUT_KINDS);
      const missing = conn >= COVERED && Object.keys(CUT_KINDS).find((k) => !run.cuts[k]);
      const { kind, offset } = pickOffset(body, r, missing || drawn);
      bump(run.cuts, kind);
      stop = offset;
      where = ` (${kind})`;
      if (fate === 'cut') how = r.chance(0.6) ? 'fin' : 'reset';
    }
    entry.lossy = fate === 'cut' && (how === 'reset' || chunked);
    // One end in ten sends keepalive comments first, and a run's first end always does: the
    // test asserts the case happened, so it must not hang on the draw.
    entry.keepalive = fate === 'end' && (r.chance(0.1) || run.keepalives === 0);
    if (entry.keepalive) run.keepalives++;
    entry.fate = fate === 'stall' ? 'stall' : `${fate}: ${entry.lossy ? (how === 'reset' ? 'reset' : 'FIN inside a chunk') : 'FIN'}${chunked ? ', chunked' : ''}`;
    entry.fate += ` at byte ${stop} of ${n}${where}${entry.keepalive ? ', after 200 ms of keepalive comments' : ''}`;
    bump(run.endings, entry.fate.replace(/ at byte [^,]*/, ''));
    entry.delivered = resumeAfter(body.dispatch, stop, got);

    await write(socket, head);
    // Written in pieces split at CR|LF and inside UTF-8 sequences, a poll apart, so that the
    // client's reads split there too.
    const splits = new Set();
    for (let k = r.int(4); k > 0; k--) splits.add(pickOffset(body, r, r.weighted(SPLIT_KINDS)).offset);
    const bounds = [0, ...[...splits].filter((p) => p > 0 && p < n).sort((a, b) => a - b), n];
    for (let i = 0; i + 1 < bounds.length && bounds[i] < stop; i++) {
      const piece = body.bytes.subarray(bounds[i], Math.min(bounds[i + 1], stop));
      const size = bounds[i + 1] - bounds[i];
      if (socket.destroyed) return;
      if (i > 0) await delay(1);
      // A chunk cut short still announces its whole size.
      await write(socket, chunked ? Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), piece, Buffer.from(piece.length === size ? '\r\n' : '')]) : piece);
    }
    if (socket.destroyed) return;
    if (fate === 'stall') {
      ending = true;
      // A stall that delivered the run's last event is ended by the client closing when it has
      // them all, not by its inactivity timeout: it is no measure of the timeout.
      if (entry.delivered >= run.events.length - 1) return;
      const since = Date.now();
      socket.once('close', () => run.stalls.push(Date.now() - since));
      return;
    }
    if (entry.keepalive) {
      // Silent but for a comment every 50 ms, longer than the inactivity timeout in all:
      // comments count as activity, so the client must wait for the end.
      for (let i = 0; i < 4 && !socket.destroyed; i++) {
        await delay(50);
        const comment = r.pick([':\n', ': keepalive\r\n', ':\r']);
        await write(socket, chunked ? `${comment.length.toString(16)}\r\n${comment}\r\n` : comment);
      }
    }
    if (fate === 'end' && chunked) await write(socket, '0\r\n\r\n');
    if (how === 'reset') await delay(2);
    ending = true;
    if (how === 'reset') {
      if (!socket.destroyed) socket.resetAndDestroy();
    } else socket.end();
  }

  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    crossOrigin: `http://127.0.0.1:${crossPort}`,
    /**
     * Registers a run: its events are fixed by `seed`, its connections' fates too (drawn from
     * `fates`, a subset of FATES' keys); `first`, if given, is the first connection's fate.
     */
    addRun(key, seed, total, fates = Object.keys(FATES), first = '') {
      const run = {
        seed,
        first,
        preflights: 0,
        fateWeights: Object.fromEntries(fates.map((f) => [f, FATES[f]])),
        probes: 0,
        probeAt: [],
        events: makeEvents(seed, total),
        connections: 0,
        log: [],
        fates: {},
        cuts: {},
        endings: {},
        stalls: [],
        keepalives: 0,
      };
      runs.set(key, run);
      return run;
    },
    close() {
      for (const s of sockets) s.destroy();
      return Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))));
    },
  };
}

/** Request line and headers (names lower-cased; a repeated header keeps its first value). */
function parseHead(text) {
  const [line, ...rest] = text.split('\r\n');
  const headers = new Map();
  for (const h of rest) {
    const colon = h.indexOf(':');
    if (colon < 0) continue;
    const name = h.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, h.slice(colon + 1).trim());
  }
  const [method, target] = line.split(' ');
  return { method, target, headers };
}

const CORS = 'Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: Retry-After\r\n';

/** `extra`: more header lines, each ending in CRLF. */
function respond(socket, status, type, body, extra = '') {
  const reason = { 200: 'OK', 204: 'No Content', 404: 'Not Found' }[status];
  const head = `${type ? `Content-Type: ${type}\r\n` : ''}${status === 204 ? '' : `Content-Length: ${body.length}\r\n`}${extra}`;
  socket.write(`HTTP/1.1 ${status} ${reason}\r\n${head}Cache-Control: no-store\r\nConnection: close\r\n\r\n`);
  socket.end(body);
}
