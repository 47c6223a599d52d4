// The binding of every JS entry: drives the engine of the plain C-ABI wasm (src/ffi.rs, no
// wasm-bindgen glue) with fetch streaming, an AbortController and timers.

import { g } from './event-source.js';

// Input kinds and output tags of src/ffi.rs (`kind`, `tag`); the class itself gives START (0),
// ONLINE (6), RESET (8) and SUSPEND (9) through `run`.
const BODY = 1;
const END = 2;
const NETWORK_ERROR = 3;
const FAILED = 4;
const TIMER = 5;
const CLOSE = 7;
const OPEN = 1;
const CLOSED = 2;
// The smallest read buffer (see `onChunk`).
const SMALL = 64;

/** `err[name]` as a string, or empty. */
function field(err, name) {
  try {
    const v = err?.[name];
    return typeof v === 'string' ? v : '';
  } catch {
    return '';
  }
}

/**
 * A `Retry-After` header as a wait in ms: delta-seconds, or an HTTP-date measured on the JS
 * clock (past dates wait 0); NaN without a usable value.
 */
function retryAfter(value) {
  if (value == null) return NaN;
  const seconds = /^[ \t]*(\d+)[ \t]*$/.exec(value);
  return seconds ? seconds[1] * 1000 : Math.max(Date.parse(value) - Date.now(), 0);
}

// An error event the engine explained, by its cause's number in the record (src/engine.rs
// `Cause`, from 1): its `reason`, as the Rust API's `ErrorKind::as_str()` names it, and its
// message, as `Cause::message` words it (src/engine.rs `messages`).
const CAUSES = [
  ,
  ['server-closed', 'the server closed the connection'],
  ['status', 'the response status is not 200'],
  ['content-type', 'the response Content-Type is not text/event-stream'],
  ['inactivity', 'no data received within the inactivity timeout'],
  ['retries-exhausted', 'gave up after the maximum number of retries'],
  ['line-too-long', 'event stream line exceeds the configured maximum length'],
  ['event-too-large', 'event data exceeds the configured maximum size'],
];
// A status that reconnects (`retryOnStatus`) has its own message.
const STATUS_RETRIED = 'the server answered with a status configured to retry';

/** Node and the runtimes that pass for it (Bun, Deno). */
const isNode = () => typeof g.process?.versions?.node === 'string';

/** Where CORS exists, a failed fetch may be a CORS failure; elsewhere it is a network error. */
function hasCors() {
  return typeof g.location?.origin === 'string' && !isNode();
}

/** The `Source` class over an instantiated `ffi` module. */
export function defineSource(exports) {
  // Made with the first source, not at import: some test setups (older jsdom) add TextDecoder
  // only after the library was imported.
  let encoder;
  let decoder;
  // The largest read buffer a source gave up (see `onChunk`), for the next that grows.
  let spare = null;
  // The exports' one-letter names (src/ffi.rs), as the Rust functions are called.
  const { memory, s: esw_scratch, o: esw_out, n: esw_new, i: esw_input, r: esw_response } = exports;
  const { t: esw_state, l: esw_last_id, y: esw_retry, f: esw_free } = exports;

  /** Copies bytes into the scratch buffer (made first: it may grow the memory). */
  function write(bytes) {
    const at = esw_scratch(bytes.length);
    new Uint8Array(memory.buffer, at, bytes.length).set(bytes);
  }

  /**
   * A new engine for the options `o` (its handle). Apart from the source's constructor, so that
   * what it builds is not kept in the context of the source's closures.
   */
  function create(o) {
    // The engine's numbers (src/options.rs `cfg`), then the statuses that reconnect.
    const config = [...o.numbers, Math.random(), ...o.statuses];
    // The numbers as little-endian f64, then the last event ID's UTF-8.
    const view = new DataView(new ArrayBuffer(config.length * 8));
    config.forEach((v, i) => view.setFloat64(i * 8, v, true));
    const id = encoder.encode(o.lastEventId);
    write(new Uint8Array([...new Uint8Array(view.buffer), ...id]));
    return esw_new(config.length, id.length);
  }

  return class Source {
    /**
     * A source for the class's normalized options `o`: `request(attempt, lastEventId, signal)`
     * makes one attempt's request, `enqueue(item)` queues what the class dispatches;
     * `o.first` is the first request, made by the class before this source existed.
     */
    constructor(o, request, enqueue) {
      // ignoreBOM: a U+FEFF that opens a field (an id, say) is text; the stream's own BOM is
      // the parser's business.
      decoder ??= new TextDecoder('utf-8', { ignoreBOM: true });
      encoder ??= new TextEncoder();
      let handle = create(o);
      // `once`: a stream given to EventSource.fromReadableStream(): its end or failure closes
      // the source, as nothing could reconnect it.
      const once = !!o.stream;
      const probeCors = !o.fetch && !once && hasCors();
      // Set by the first response: this source's request passes CORS (see onFetchError).
      let answered = false;
      // Bumped on every abort: callbacks of older attempts compare and give up.
      let generation = 0;
      let controller = null;
      let reader = null;
      // A byte stream (a fetch body in browsers and Node) is read into a buffer of ours, handed
      // back and forth, instead of a new chunk per read: less garbage on large events. It starts
      // small and is sized to the traffic (see `onChunk`): a waiting read holds it, so an idle
      // source costs what its last reads needed, not a large buffer.
      let buffer = null;
      // The final URL of the response announced last, and the details of the last failure
      // reported to the engine (its error event's message and reason).
      let responseUrl = '';
      let failure = '';
      let reason = '';
      const timers = [0, 0];

      const state = () => esw_state(handle);
      const run = (kind, arg = 0) => exec(esw_input(handle, Date.now(), kind, arg));
      // Keeps a failure's details for the error event it causes (a network error with no
      // message of its own says so), then reports it.
      // A failure is the network's, or else the request's, unless `why` says otherwise.
      const keep = (kind, message, why) => {
        failure = message || (kind === NETWORK_ERROR ? 'network error' : '');
        reason = why || (kind === NETWORK_ERROR ? 'network' : 'request');
      };
      const report = (kind, message, why) => {
        keep(kind, message, why);
        run(kind);
      };

      // Carries out what the engine asked for, once the call that asked has returned: the whole
      // output is decoded and split into its CR-ended fields first (src/ffi.rs, "Protocol").
      function exec(len) {
        if (!len) return;
        const f = decoder.decode(new Uint8Array(memory.buffer, esw_out(), len)).split('\r');
        for (let i = 0; i < f.length - 1; ) {
          const head = f[i++];
          const tag = head[0];
          const num = +head.slice(1);
          if (tag === 'M') {
            // A run of messages is one batch for the class: type, data, id and the next head.
            const start = i;
            while (f[i + 3] === 'M') i += 4;
            enqueue({ kind: 'm', parts: f, i: start, end: (i += 3) });
          } else if (tag === 'F') {
            const id = f[i++];
            if (state() !== CLOSED) startFetch(num, id);
          } else if (tag === 'E') {
            // Cause 0: the failure JS reported last.
            const [why, text] = CAUSES[(num >> 3) & 31] ?? [reason, failure];
            const willRetry = (num & 4) !== 0;
            enqueue({ kind: 'e', state: num & 3, status: num >>> 8, message: why === 'status' && willRetry ? STATUS_RETRIED : text, reason: why, willRetry });
          } else if (tag === 'A') abort();
          else if (tag === 'O') {
            // spec: the events' origin is that of the response's final URL.
            let origin = 'null';
            try {
              origin = new URL(responseUrl || o.fetchUrl).origin;
            } catch {}
            enqueue({ kind: OPEN, origin });
          } else if (tag === 'R' || tag === 'I') {
            // R sets the reconnection timer, I the inactivity timer.
            const t = +(tag === 'I');
            clearTimeout(timers[t]);
            // The inactivity timer looks one task further: bytes that came while the event loop
            // was busy are read first, so a slow page is not taken for a silent server.
            const fire = t ? () => (timers[1] = setTimeout(() => run(TIMER, 1))) : () => run(TIMER, 0);
            if (state() !== CLOSED) timers[t] = setTimeout(fire, num);
          } else clearTimeout(timers[+(tag === 'i')]); // r and i clear them
        }
      }

      function abort() {
        generation++;
        const r = reader;
        const c = controller;
        reader = controller = null;
        r?.cancel().catch(() => {});
        c?.abort();
      }

      /**
       * `promise.then(…)`, ignored once the attempt it belongs to is gone. What `ok` throws (a
       * custom `fetch` may resolve to anything) fails the connection instead of escaping as an
       * unhandled rejection.
       */
      function watch(promise, ok, err) {
        const gen = generation;
        promise.then(
          (v) => {
            if (gen !== generation) return;
            try {
              ok(v, gen);
            } catch (e) {
              abort();
              report(FAILED, `eventsource-wasm: unusable response: ${field(e, 'message')}`);
            }
          },
          (e) => gen === generation && err(e),
        );
      }

      /** The body ended: a network source reconnects, a stream source closes. */
      const end = () => (once ? report(FAILED, 'the stream ended', 'server-closed') : run(END));

      // A rejection we did not cause by aborting is a network error, except an abort by someone
      // else (e.g. `window.stop()`): spec, "if res is an aborted network error, fail the connection".
      function onFailure(err) {
        const aborted = field(err, 'name') === 'AbortError';
        report(once || aborted ? FAILED : NETWORK_ERROR, field(err, 'message'), aborted ? 'aborted' : 'network');
      }

      // The class builds the request (URL, headers, the last event ID); this side owns the abort
      // signal and what follows.
      function startFetch(attempt, lastEventId) {
        const gen = generation;
        // The class starts the first request itself, before the wasm source exists
        // (js/event-source.js).
        const first = attempt === 1 ? o.first : null;
        o.first = null;
        const c = first ? first.controller : new AbortController();
        let promise;
        try {
          if (first?.error) throw first.error;
          promise = first ? first.promise : request(attempt, lastEventId, c.signal);
        } catch (err) {
          return report(FAILED, field(err, 'message'));
        }
        if (gen !== generation) {
          // Closed while `fetch` ran (a custom fetch may call back into the source): the
          // abandoned request's rejection is expected.
          promise.then(undefined, () => {});
          c.abort();
          return;
        }
        controller = c;
        watch(promise, onResponse, onFetchError);
      }

      function onResponse(res, gen) {
        answered = true;
        const headers = res.headers;
        const type = headers.get('content-type');
        const bytes = encoder.encode(type ?? '');
        write(bytes);
        responseUrl = res.url;
        exec(esw_response(handle, Date.now(), res.status, type == null ? -1 : bytes.length, retryAfter(headers.get('retry-after'))));
        if (gen !== generation || state() !== OPEN) return;
        if (!res.body) return end();
        // Node's fetch hands over chunks of its own whichever the reader: reading them as they
        // come skips a copy into our buffer (4 KiB events about 8% faster in `make bench-node`)
        // and an idle source holds no buffer. In browsers a BYOB read makes less garbage.
        let byob = null;
        try {
          if (!isNode()) byob = res.body.getReader({ mode: 'byob' });
        } catch {} // a body that is not a byte stream has no BYOB reader
        reader = byob ?? res.body.getReader();
        // Detached (byteLength 0) when a read it went with was abandoned.
        if (!byob) buffer = null;
        else if (!buffer?.byteLength) buffer = new ArrayBuffer(SMALL);
        read();
      }

      function read() {
        watch(buffer ? reader.read(new Uint8Array(buffer)) : reader.read(), onChunk, onFailure);
      }

      function onChunk(result, gen) {
        if (result.done) {
          reader = null;
          return end();
        }
        const chunk = result.value;
        // A body's values are bytes (a Uint8Array of any realm); anything else (from a custom
        // `fetch` or stream) would be misread, so it fails the connection.
        if (Object.prototype.toString.call(chunk) !== '[object Uint8Array]') {
          abort();
          return report(FAILED, `eventsource-wasm: the response body gave a ${chunk === null ? 'null' : typeof chunk} chunk, not a Uint8Array`);
        }
        // The buffer went to the stream with the read and came back with the chunk; the next
        // is sized to the traffic. A read that filled it found more waiting: the next ones get
        // twice the room, up to 256 KiB (in Chromium, 4 KiB events arrive about a quarter faster
        // than with 64 KiB reads throughout; BENCHMARKS.md). One that used under a quarter of it
        // shrinks it to about twice what came, so a source whose stream goes quiet holds a small
        // buffer while its read waits, not the largest it ever needed. The large one is kept as
        // the spare, for the next source (or this one) that grows: a stream that comes in bursts
        // does not allocate it again every burst.
        if (buffer) {
          const b = chunk.buffer;
          const n = chunk.length;
          let want = b.byteLength;
          if (n === want) want = Math.min(want * 2, 262144);
          else if (n * 4 < want) for (want = SMALL; want < n * 2; ) want *= 2;
          buffer = want === b.byteLength ? b : want > b.byteLength && spare?.byteLength >= want ? spare : new ArrayBuffer(want);
          if (buffer === spare) spare = null;
          else if (want < b.byteLength && !(spare?.byteLength >= b.byteLength)) spare = b;
        }
        write(chunk);
        run(BODY, chunk.length);
        // A shared source's followers learn of `id:` and `retry:` fields that fired no event.
        o.sync?.();
        if (gen === generation) read();
      }

      // A rejected fetch is a network error (reconnect) or a CORS failure (fail, as native does),
      // and both reject with the same TypeError. In doubt it is a network error:
      // - once this source had a response, its request passes CORS, so a later failure is the
      //   network's (a reset before the response head, a server restarting) and nothing is asked;
      // - before that, a `no-cors` GET of the URL asks whether the server answers at all, and if
      //   it does from another origin (opaque), a plain CORS GET whether it allows this origin.
      //   Only a server that answers but fails even that plain request fails the source's own.
      // The probes are GETs without the source's method, headers or body (they must not repeat a
      // POST), and stop at the response head; a server that is down sees one more GET per
      // attempt. A preflight the server refuses (headers it does not allow) passes for a network
      // error.
      async function onFetchError(err) {
        if (answered || !probeCors || field(err, 'name') === 'AbortError') return onFailure(err);
        keep(NETWORK_ERROR, field(err, 'message'));
        const gen = generation;
        let cors = false;
        // close() aborts the probes; so does a server that holds their heads back for 5 s: no
        // answer, no CORS failure either.
        const probe = (controller = new AbortController());
        const timer = setTimeout(() => ((cors = false), probe.abort()), 5000);
        const init = { cache: 'no-store', credentials: o.withCredentials ? 'include' : 'same-origin', signal: probe.signal };
        try {
          // (A fetch that throws is caught too.)
          if ((await g.fetch(o.fetchUrl, { ...init, mode: 'no-cors' }))?.type === 'opaque') {
            cors = true;
            await g.fetch(o.fetchUrl, init);
            cors = false;
          }
        } catch {}
        clearTimeout(timer);
        probe.abort();
        // `failure` still holds the fetch's own message.
        if (gen === generation) cors ? report(FAILED, 'the response failed the CORS check', 'cors') : run(NETWORK_ERROR);
      }

      // The class's own inputs (js/event-source.js).
      this.run = run;
      // The last event ID and the reconnection time. The call that writes the ID comes first:
      // it may move the output buffer or grow (and so detach) the memory.
      this.last = () => {
        const len = esw_last_id(handle);
        return [decoder.decode(new Uint8Array(memory.buffer, esw_out(), len)), esw_retry(handle)];
      };
      // Closes and frees the engine; returns what `last` did.
      this.close = () => {
        try {
          run(CLOSE);
          return this.last();
        } finally {
          esw_free(handle);
          handle = 0;
        }
      };
    }
  };
}
