// The binding of every JS entry: drives the engine of the plain C-ABI wasm (src/ffi.rs, no
// wasm-bindgen glue) with fetch streaming, an AbortController and timers.

const g = globalThis;

// Input kinds and output tags of src/ffi.rs (`kind`, `tag`).
const START = 0;
const BODY = 1;
const END = 2;
const NETWORK_ERROR = 3;
const FAILED = 4;
const TIMER = 5;
const ONLINE = 6;
const CLOSE = 7;
const OPEN = 1;
const CLOSED = 2;

/** `err[name]` as a string, or empty. */
function field(err, name) {
  try {
    const v = err?.[name];
    return typeof v === 'string' ? v : '';
  } catch {
    return '';
  }
}

/** The `Source` class over an instantiated `ffi` module. */
export function defineSource(exports) {
  // Made with the first source, not at import: some test setups (older jsdom) add TextDecoder
  // only after the library was imported.
  let encoder;
  let decoder;
  const { memory, esw_scratch, esw_out, esw_new, esw_input, esw_response, esw_state, esw_free } = exports;

  /** Copies byte arrays into the scratch buffer, one after the other. */
  function write(...parts) {
    let total = 0;
    for (const p of parts) total += p.length;
    const at = esw_scratch(total);
    const mem = new Uint8Array(memory.buffer, at, total);
    let i = 0;
    for (const p of parts) {
      mem.set(p, i);
      i += p.length;
    }
  }

  /** The output records of the last call as [tag, number, text], decoded before any runs. */
  function records(len) {
    const list = [];
    if (!len) return list;
    const at = esw_out();
    const bytes = new Uint8Array(memory.buffer, at, len);
    const view = new DataView(memory.buffer, at, len);
    for (let i = 0; i < len; ) {
      const n = view.getUint32(i + 5, true);
      list.push([bytes[i], view.getUint32(i + 1, true), decoder.decode(bytes.subarray(i + 9, i + 9 + n))]);
      i += 9 + n;
    }
    return list;
  }

  return class Source {
    constructor(host) {
      decoder ??= new TextDecoder();
      encoder ??= new TextEncoder();
      const config = host.config;
      const numbers = new Uint8Array(config.length * 8);
      const view = new DataView(numbers.buffer);
      config.forEach((v, i) => view.setFloat64(i * 8, v, true));
      const id = encoder.encode(host.lastEventId);
      write(numbers, id);
      let handle = esw_new(config.length, id.length);
      const { probeCors, withCredentials } = host;
      // Bumped on every abort: callbacks of older attempts compare and give up.
      let generation = 0;
      let controller = null;
      let reader = null;
      let probe = null;
      // The final URL of the response announced last, and the details of the last failure
      // reported to the engine (its error event's message).
      let responseUrl = '';
      let failure = '';
      const timers = [0, 0];

      const state = () => esw_state(handle);
      const run = (kind, arg = 0) => exec(esw_input(handle, Date.now(), kind, arg));
      // Keeps a failure's details for the error event it causes (a network error with no
      // message of its own says so), then reports it.
      const keep = (kind, message) => (failure = message || (kind === NETWORK_ERROR ? 'network error' : ''));
      const report = (kind, message) => {
        keep(kind, message);
        run(kind);
      };

      // Carries out what the engine asked for, once the call that asked has returned.
      function exec(len) {
        for (const [tag, num, text] of records(len)) {
          switch (tag) {
            case 70: // F
              if (state() !== CLOSED) startFetch(num, text);
              break;
            case 65: // A
              abort();
              break;
            case 79: // O
              host.open(responseUrl);
              break;
            case 77: // M
              host.messages(text);
              break;
            case 69: // E (no text: the failure reported last)
              host.error(num & 3, num >>> 8, text || failure, (num & 4) !== 0);
              break;
            case 82: // R
            case 73: // I
              if (state() === CLOSED) break;
              {
                const t = tag === 82 ? 0 : 1;
                clearTimeout(timers[t]);
                timers[t] = setTimeout(() => run(TIMER, t), num);
              }
              break;
            default: // r, i: clear
              clearTimeout(timers[tag === 114 ? 0 : 1]);
          }
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

      /** `promise.then(…)`, ignored once the attempt it belongs to is gone. */
      function watch(promise, ok, err) {
        const gen = generation;
        promise.then(
          (v) => gen === generation && ok(v, gen),
          (e) => gen === generation && err(e),
        );
      }

      // A rejection we did not cause by aborting is a network error, except an abort by someone
      // else (e.g. `window.stop()`): spec, "if res is an aborted network error, fail the connection".
      function onFailure(err) {
        report(field(err, 'name') === 'AbortError' ? FAILED : NETWORK_ERROR, field(err, 'message'));
      }

      // The host builds the request (URL, headers, the last event ID); this side owns the abort
      // signal and what follows.
      function startFetch(attempt, lastEventId) {
        const gen = generation;
        // The first request may have started before the module was ready (js/event-source.js).
        const first = attempt === 1 ? host.first : null;
        host.first = null;
        const c = first ? first.controller : new AbortController();
        let promise;
        try {
          if (first?.error) throw first.error;
          promise = first ? first.promise : host.fetch(attempt, lastEventId, c.signal);
        } catch (err) {
          return report(FAILED, field(err, 'message'));
        }
        if (gen !== generation) {
          // Closed while `fetch` ran (a custom fetch may call back into the source).
          c.abort();
          return;
        }
        controller = c;
        watch(promise, onResponse, onFetchError);
      }

      function onResponse(res, gen) {
        const headers = res.headers;
        const type = headers.get('content-type');
        const bytes = encoder.encode(type ?? '');
        write(bytes);
        responseUrl = res.url;
        exec(esw_response(handle, Date.now(), res.status, type == null ? -1 : bytes.length, host.retryAfter(headers.get('retry-after'))));
        if (gen !== generation || state() !== OPEN) return;
        if (!res.body) return run(END);
        reader = res.body.getReader();
        read();
      }

      function read() {
        watch(reader.read(), onChunk, onFailure);
      }

      function onChunk(result, gen) {
        if (result.done) {
          reader = null;
          return run(END);
        }
        const chunk = result.value;
        if (chunk) {
          write(chunk);
          run(BODY, chunk.length);
        }
        if (gen === generation) read();
      }

      // A rejected fetch is either a network error (retry) or a CORS failure (fail). Both reject
      // with the same TypeError, so a `no-cors` request settles it: it succeeds only if the
      // server answered.
      function onFetchError(err) {
        if (!probeCors || field(err, 'name') === 'AbortError') return onFailure(err);
        keep(NETWORK_ERROR, field(err, 'message'));
        probe = new AbortController();
        const init = { mode: 'no-cors', cache: 'no-store', credentials: withCredentials ? 'include' : 'same-origin', signal: probe.signal };
        let answer;
        try {
          answer = g.fetch(host.url, init);
        } catch (e) {
          answer = Promise.reject(e);
        }
        const gen = generation;
        answer.then(
          () => {
            probe?.abort();
            probe = null;
            if (gen === generation) report(FAILED, 'the response failed the CORS check');
          },
          // `failure` still holds the fetch's own message.
          () => gen === generation && run(NETWORK_ERROR),
        );
      }

      this.start = () => run(START);
      this.close = () => run(CLOSE);
      this.online = () => run(ONLINE);
      this.free = () => {
        esw_free(handle);
        handle = 0;
      };
    }
  };
}
