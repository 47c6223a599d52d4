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
// Browsers read a body into a buffer of ours (BYOB) once reads need this many bytes, and with
// the default reader again when they need no more than QUIET (see `#size`).
const BYOB = 2048;
const QUIET = 256;

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

  /**
   * One source's connection: the engine `#handle` and what carries out its actions. Its state is
   * in fields and its steps are methods, not closures made per source: with thousands of idle
   * sources, each closure (about 64 B in V8) counts (tests/e2e/bench/scale.mjs).
   */
  return class Source {
    // The class's normalized options, and its two callbacks (see the constructor).
    #o;
    #request;
    #enqueue;
    #handle;
    // A stream given to EventSource.fromReadableStream(): its end or failure closes the source,
    // as nothing could reconnect it.
    #once;
    #probeCors;
    // Set by the first response: this source's request passes CORS (see `#onFetchError`).
    #answered = false;
    // Bumped on every abort: callbacks of older attempts compare and give up.
    #generation = 0;
    #controller = null;
    #reader = null;
    // The body, in browsers while it may be read with either reader (see `#size`).
    #body = null;
    // The buffer the next BYOB read fills; null: the default reader reads.
    #buffer = null;
    // The final URL of the response announced last, and the details of the last failure
    // reported to the engine (its error event's message and reason).
    #responseUrl = '';
    #failure = '';
    #reason = '';
    // The reconnection and inactivity timers.
    #timers = [0, 0];

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
      this.#o = o;
      this.#request = request;
      this.#enqueue = enqueue;
      this.#handle = create(o);
      this.#once = !!o.stream;
      this.#probeCors = !o.fetch && !this.#once && hasCors();
    }

    // The class's own inputs (js/event-source.js).
    run(kind, arg = 0) {
      this.#exec(esw_input(this.#handle, Date.now(), kind, arg));
    }

    // The last event ID and the reconnection time. The call that writes the ID comes first: it
    // may move the output buffer or grow (and so detach) the memory.
    last() {
      const len = esw_last_id(this.#handle);
      return [decoder.decode(new Uint8Array(memory.buffer, esw_out(), len)), esw_retry(this.#handle)];
    }

    // Closes and frees the engine; returns what `last` did.
    close() {
      try {
        this.run(CLOSE);
        return this.last();
      } finally {
        esw_free(this.#handle);
        this.#handle = 0;
      }
    }

    #closed() {
      return esw_state(this.#handle) === CLOSED;
    }

    // Keeps a failure's details for the error event it causes (a network error with no message
    // of its own says so). A failure is the network's, or else the request's, unless `why` says
    // otherwise.
    #keep(kind, message, why) {
      this.#failure = message || (kind === NETWORK_ERROR ? 'network error' : '');
      this.#reason = why || (kind === NETWORK_ERROR ? 'network' : 'request');
    }

    // ... then reports it.
    #report(kind, message, why) {
      this.#keep(kind, message, why);
      this.run(kind);
    }

    // Carries out what the engine asked for, once the call that asked has returned: the whole
    // output is decoded and split into its CR-ended fields first (src/ffi.rs, "Protocol").
    #exec(len) {
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
          this.#enqueue({ kind: 'm', parts: f, i: start, end: (i += 3) });
        } else if (tag === 'F') {
          const id = f[i++];
          if (!this.#closed()) this.#startFetch(num, id);
        } else if (tag === 'E') {
          // Cause 0: the failure JS reported last.
          const [why, text] = CAUSES[(num >> 3) & 31] ?? [this.#reason, this.#failure];
          const willRetry = (num & 4) !== 0;
          this.#enqueue({ kind: 'e', state: num & 3, status: num >>> 8, message: why === 'status' && willRetry ? STATUS_RETRIED : text, reason: why, willRetry });
        } else if (tag === 'A') this.#abort();
        else if (tag === 'O') {
          // spec: the events' origin is that of the response's final URL.
          let origin = 'null';
          try {
            origin = new URL(this.#responseUrl || this.#o.fetchUrl).origin;
          } catch {}
          this.#enqueue({ kind: OPEN, origin });
        } else if (tag === 'R' || tag === 'I') {
          // R sets the reconnection timer, I the inactivity timer.
          const t = +(tag === 'I');
          const timers = this.#timers;
          clearTimeout(timers[t]);
          // The inactivity timer looks one task further: bytes that came while the event loop
          // was busy are read first, so a slow page is not taken for a silent server.
          const fire = t ? () => (timers[1] = setTimeout(() => this.run(TIMER, 1))) : () => this.run(TIMER, 0);
          if (!this.#closed()) timers[t] = setTimeout(fire, num);
        } else clearTimeout(this.#timers[+(tag === 'i')]); // r and i clear them
      }
    }

    #abort() {
      this.#generation++;
      const r = this.#reader;
      const c = this.#controller;
      this.#reader = this.#controller = null;
      r?.cancel().catch(() => {});
      c?.abort();
    }

    /**
     * `promise.then(…)`, ignored once the attempt it belongs to is gone; `ok` and `err` are
     * this source's methods. What `ok` throws (a custom `fetch` may resolve to anything) fails
     * the connection instead of escaping as an unhandled rejection.
     */
    #watch(promise, ok, err) {
      const gen = this.#generation;
      promise.then(
        (v) => {
          if (gen !== this.#generation) return;
          try {
            ok.call(this, v, gen);
          } catch (e) {
            this.#abort();
            this.#report(FAILED, `eventsource-wasm: unusable response: ${field(e, 'message')}`);
          }
        },
        (e) => gen === this.#generation && err.call(this, e),
      );
    }

    /** The body ended: a network source reconnects, a stream source closes. */
    #end() {
      if (this.#once) this.#report(FAILED, 'the stream ended', 'server-closed');
      else this.run(END);
    }

    // A rejection we did not cause by aborting is a network error, except an abort by someone
    // else (e.g. `window.stop()`): spec, "if res is an aborted network error, fail the connection".
    #onFailure(err) {
      const aborted = field(err, 'name') === 'AbortError';
      this.#report(this.#once || aborted ? FAILED : NETWORK_ERROR, field(err, 'message'), aborted ? 'aborted' : 'network');
    }

    // The class builds the request (URL, headers, the last event ID); this side owns the abort
    // signal and what follows.
    #startFetch(attempt, lastEventId) {
      const gen = this.#generation;
      const o = this.#o;
      // The class starts the first request itself, before the wasm source exists
      // (js/event-source.js).
      const first = attempt === 1 ? o.first : null;
      o.first = null;
      const c = first ? first.controller : new AbortController();
      let promise;
      try {
        if (first?.error) throw first.error;
        promise = first ? first.promise : this.#request(attempt, lastEventId, c.signal);
      } catch (err) {
        return this.#report(FAILED, field(err, 'message'));
      }
      if (gen !== this.#generation) {
        // Closed while `fetch` ran (a custom fetch may call back into the source): the
        // abandoned request's rejection is expected.
        promise.then(undefined, () => {});
        c.abort();
        return;
      }
      this.#controller = c;
      this.#watch(promise, this.#onResponse, this.#onFetchError);
    }

    #onResponse(res, gen) {
      this.#answered = true;
      const headers = res.headers;
      const type = headers.get('content-type');
      const bytes = encoder.encode(type ?? '');
      write(bytes);
      this.#responseUrl = res.url;
      this.#exec(esw_response(this.#handle, Date.now(), res.status, type == null ? -1 : bytes.length, retryAfter(headers.get('retry-after'))));
      if (gen !== this.#generation || esw_state(this.#handle) !== OPEN) return;
      if (!res.body) return this.#end();
      // Node's fetch hands over chunks of its own whichever the reader: reading them as they
      // come skips a copy into our buffer (4 KiB events about 8% faster in `make bench-node`),
      // so there the default reader reads throughout.
      this.#body = isNode() ? null : res.body;
      this.#reader = res.body.getReader();
      this.#buffer = null;
      this.#read();
    }

    #read() {
      const buffer = this.#buffer;
      this.#watch(buffer ? this.#reader.read(new Uint8Array(buffer)) : this.#reader.read(), this.#onChunk, this.#onFailure);
    }

    #onChunk(result, gen) {
      if (result.done) {
        this.#reader = null;
        return this.#end();
      }
      const chunk = result.value;
      // A body's values are bytes (a Uint8Array of any realm); anything else (from a custom
      // `fetch` or stream) would be misread, so it fails the connection.
      if (Object.prototype.toString.call(chunk) !== '[object Uint8Array]') {
        this.#abort();
        return this.#report(FAILED, `eventsource-wasm: the response body gave a ${chunk === null ? 'null' : typeof chunk} chunk, not a Uint8Array`);
      }
      if (this.#body) this.#size(chunk);
      write(chunk);
      this.run(BODY, chunk.length);
      // A shared source's followers learn of `id:` and `retry:` fields that fired no event.
      this.#o.sync?.();
      if (gen === this.#generation) this.#read();
    }

    /**
     * Sizes the next read to the traffic (in browsers; no read is pending). A read that filled
     * its buffer found more waiting: the next ones get twice the room, up to 256 KiB (in
     * Chromium, 4 KiB events arrive about a quarter faster than with 64 KiB reads throughout;
     * BENCHMARKS.md). One that used under a quarter of it shrinks it to about twice what came.
     * Large reads go into a buffer of ours (BYOB), handed back and forth: less garbage than a
     * new chunk per read. Small ones, and a stream gone quiet, use the default reader, whose
     * waiting read holds no buffer (an idle source in Chromium costs about 2 KB less). The
     * large buffer given up is kept as the spare, for the next source (or this one) that grows:
     * a stream that comes in bursts does not allocate it again every burst.
     */
    #size(chunk) {
      const n = chunk.length;
      // The buffer that went to the stream with a BYOB read came back with the chunk.
      const b = this.#buffer && chunk.buffer;
      const had = b ? b.byteLength : 0;
      let want = had;
      if (b && n === had) want = Math.min(had * 2, 262144);
      else if (!b || n * 4 < had) for (want = QUIET / 2; want < n * 2; ) want *= 2;
      if (want <= QUIET || (!b && want < BYOB)) want = 0;
      if (!want !== !b) {
        const body = this.#body;
        let released = false;
        try {
          this.#reader.releaseLock();
          released = true;
          this.#reader = want ? body.getReader({ mode: 'byob' }) : body.getReader();
        } catch {
          // A stream that is not a byte stream has no BYOB reader (the default one it is), and a
          // reader that cannot be released (a custom body) reads on as it does: no more switching.
          this.#body = null;
          if (released) this.#reader = body.getReader();
          want = released ? 0 : had;
        }
      }
      const next = !want ? null : want === had ? b : want > had && spare?.byteLength >= want ? spare : new ArrayBuffer(want);
      if (next && next === spare) spare = null;
      else if (want < had && !(spare?.byteLength >= had)) spare = b;
      this.#buffer = next;
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
    async #onFetchError(err) {
      if (this.#answered || !this.#probeCors || field(err, 'name') === 'AbortError') return this.#onFailure(err);
      this.#keep(NETWORK_ERROR, field(err, 'message'));
      const gen = this.#generation;
      const o = this.#o;
      let cors = false;
      // close() aborts the probes; so does a server that holds their heads back for 5 s: no
      // answer, no CORS failure either.
      const probe = (this.#controller = new AbortController());
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
      // `#failure` still holds the fetch's own message.
      if (gen === this.#generation) cors ? this.#report(FAILED, 'the response failed the CORS check', 'cors') : this.run(NETWORK_ERROR);
    }
  };
}
