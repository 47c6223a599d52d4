// The public EventSource class: the DOM surface, option validation and event dispatch. Parsing,
// reconnection and fetch streaming live in the wasm `Source`; this file only loads it and turns
// what it reports into DOM events.

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
// The binding's inputs (js/driver.js, src/ffi.rs `kind`).
const START = 0;
const ONLINE = 6;
const RESET = 8;
const SUSPEND = 9;

// Events come from the same realm as the base class, even if a test environment swaps the
// globals after this module loaded (a foreign Event cannot be dispatched on this target).
const { Event, MessageEvent } = globalThis;
const ET = EventTarget.prototype;
const addListener = ET.addEventListener;
const removeListener = ET.removeEventListener;
const dispatch = ET.dispatchEvent;

/**
 * A MessageEvent at a fraction of `new MessageEvent(type, init)`'s cost: an Event made with
 * MessageEvent.prototype as its prototype (so `instanceof MessageEvent`, `constructor ===
 * MessageEvent` and `[object MessageEvent]` hold as native), whose fields are own properties
 * shadowing the prototype's getters. Declared as class fields, so that the assignments in
 * `#drain` find own properties instead of those getters.
 */
const PORTS = Object.freeze([]);
class Fields extends Event {
  data;
  origin;
  lastEventId;
  source = null;
  ports = PORTS;
}
// new.target for them: MessageEvent itself (only its prototype is used).
const Target = typeof MessageEvent === 'function' ? MessageEvent : Fields;

// The global object (js/driver.js and js/script.js use it too).
export const g = globalThis;

// EDGE_BUILD (build/bundle.mjs defines it: true in the edge entry only, false elsewhere, so that
// the other entries carry none of this): the module loads at first use, not at import, and
// handlers run once on hosts whose EventTarget calls `on<type>` itself (see `fire`).

function syntaxError(url) {
  return new DOMException(`Failed to construct 'EventSource': The URL '${url}' is invalid.`, 'SyntaxError');
}

const SPECIAL = /^(https?|wss?|ftp|file):$/;
// URL Standard: forbidden domain code points (after percent-decoding and IDNA, '%' included).
const FORBIDDEN_HOST = /[\u0000-\u0020#%/:<>?@[\\\]^|\u007f]/;

/** Parses like the URL Standard: rejects what lenient platform parsers percent-encode. */
function parseURL(url) {
  // The base URL for relative URLs: the document's, else the worker's location; none in Node
  // (an undefined base is none).
  const base = [g.document?.baseURI, g.location?.href].find((b) => typeof b === 'string');
  let parsed;
  try {
    parsed = new URL(url, base);
  } catch {
    throw syntaxError(url);
  }
  const host = parsed.hostname;
  if (SPECIAL.test(parsed.protocol) && host && host[0] !== '[' && FORBIDDEN_HOST.test(host)) {
    throw syntaxError(url);
  }
  return parsed.href;
}

// RFC 9110 token, for methods.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN_METHOD = /^(CONNECT|TRACE|TRACK)$/i;

function optionError(name, why) {
  return new TypeError(`Failed to construct 'EventSource': option '${name}' ${why}.`);
}

/** `options[name]` as a number >= `min`, or `fallback` when it is undefined. */
function number(options, name, fallback, min = 0) {
  const v = options[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (Number.isNaN(n) || n < min) throw optionError(name, `must be a number >= ${min}`);
  return n;
}

/**
 * Validated, normalized options (everything native lacks is opt-in). `numbers` are the engine's,
 * in the order of src/options.rs `cfg` up to the seed, which the source adds.
 */
function normalize(init) {
  if (init == null) init = {};
  else if (typeof init !== 'object' && typeof init !== 'function') {
    throw new TypeError("Failed to construct 'EventSource': The provided value is not of type 'EventSourceInit'.");
  }
  const o = { withCredentials: !!init.withCredentials, method: 'GET', lastEventId: '', statuses: [] };
  const { headers, method, body, fetch, lastEventId, retry, retryOnStatus, lastEventIdQueryParam: param } = init;
  if (headers != null) {
    try {
      o.headers = typeof headers === 'function' ? headers : new Headers(headers);
    } catch (e) {
      throw optionError('headers', `is invalid: ${e.message}`);
    }
  }
  if (method !== undefined) {
    const m = String(method);
    if (!TOKEN.test(m)) throw optionError('method', `'${m}' is not a valid HTTP method`);
    if (FORBIDDEN_METHOD.test(m)) throw optionError('method', `'${m}' is forbidden`);
    o.method = /^(get|post|put|patch|delete|head|options)$/i.test(m) ? m.toUpperCase() : m;
  }
  if (body != null) {
    if (o.method === 'GET' || o.method === 'HEAD') throw optionError('body', `cannot be sent with ${o.method}`);
    o.body = body;
  }
  if (fetch !== undefined) {
    if (typeof fetch !== 'function') throw optionError('fetch', 'must be a function');
    o.fetch = fetch;
  }
  if (lastEventId != null) {
    const id = String(lastEventId);
    if (/[\0\r\n]/.test(id)) throw optionError('lastEventId', 'must not contain NUL, CR or LF');
    // As the engine keeps it (UTF-8), so the first request is the same whoever makes it.
    o.lastEventId = id.toWellFormed?.() ?? id;
  }
  let delays = [3000, -1, 1, 0];
  if (retry != null) {
    if (typeof retry !== 'object') throw optionError('retry', 'must be an object');
    delays = [number(retry, 'initialDelay', 3000), number(retry, 'maxDelay', 60000), number(retry, 'multiplier', 2, 1), number(retry, 'jitter', 0.2)];
    if (delays[3] > 1) throw optionError('retry', 'jitter must be between 0 and 1');
  }
  const maxRetries = init.maxRetries === Infinity ? -1 : number(init, 'maxRetries', -1);
  if (retryOnStatus !== undefined) {
    o.statuses = Array.from(retryOnStatus, Number);
    if (o.statuses.some((s) => !Number.isInteger(s) || s < 100 || s > 599)) {
      throw optionError('retryOnStatus', 'must list HTTP status codes (100-599)');
    }
  }
  const inactivityTimeout = number(init, 'inactivityTimeout', 0);
  // false (like null and undefined) is off, true the name lastEventId.
  if (param != null && param !== false) {
    o.lastEventIdParam = param === true ? 'lastEventId' : String(param);
    if (!o.lastEventIdParam) throw optionError('lastEventIdQueryParam', 'must be a non-empty name or true');
  }
  if (init.shared) {
    // Every instance of a shared connection must make the same request: compared as values.
    const name = typeof headers === 'function' ? 'headers' : fetch ? 'fetch' : body != null && typeof body !== 'string' ? 'body' : '';
    if (name) throw optionError(name, "cannot be used with 'shared: true' (a function or a body other than a string cannot be shared between contexts)");
    // Without Web Locks or BroadcastChannel (Node, older browsers): a connection of its own.
    o.shared = !!g.navigator?.locks && typeof g.BroadcastChannel === 'function';
  }
  o.numbers = [+o.withCredentials, ...delays, maxRetries, inactivityTimeout, number(init, 'maxLineLength', 0), number(init, 'maxEventSize', 0)];
  return o;
}

const FETCHABLE = /^(https?|data|blob):/i;

/** A header value is a byte string: `text`'s UTF-8 bytes, one char each. */
function byteString(text) {
  let bytes = '';
  for (const b of new TextEncoder().encode(text)) bytes += String.fromCharCode(b);
  return bytes;
}

/**
 * `url` with `name=value` added to its query, before any fragment; both percent-encoded except
 * for A-Z a-z 0-9 - . _ ~.
 */
function withParam(url, name, value) {
  const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return url.replace(/^[^#]*/, (head) => `${head}${head.includes('?') ? '&' : '?'}${enc(name)}=${enc(value)}`);
}

/** Reports an unexpected internal error the way an uncaught listener error is reported. */
function report(err) {
  if (typeof g.reportError === 'function') g.reportError(err);
  else setTimeout(() => {
    throw err;
  });
}

/** Read-only, enumerable, non-configurable properties (as defineProperty's defaults leave them). */
function define(target, props) {
  for (const [name, value] of Object.entries(props)) Object.defineProperty(target, name, { value, enumerable: true });
}

/** The stream EventSource.fromReadableStream() hands to the constructor it calls. */
let givenStream = null;

/**
 * Builds the EventSource class around `loadSource`, which resolves to the wasm `Source` class.
 * `loadSource` starts at once (see js/core-entry.js: the module compiles while the page goes
 * on), in the edge build at the first source or `ready` (edge hosts forbid such work at module
 * scope); constructors never wait for it, and the first request starts before it is ready.
 * `loadShared` resolves to js/shared.js; it is called only when a `shared: true` source is made.
 */
export function defineEventSource(loadSource, loadShared) {
  let Source = null;
  let loading = null;
  // Resolves to undefined (what `ready` gives) once `Source` is set.
  const load = () => {
    // A failure is reported by each source that needed the module, not as an unhandled rejection.
    if (!loading) (loading = loadSource().then((S) => void (Source = S))).catch(() => {});
    return loading;
  };
  if (!EDGE_BUILD) load();
  let fire = dispatch;
  // The source and the handler type the host is about to read (see `fire`).
  let hidden = null;

  class EventSource extends EventTarget {
    #url;
    #readyState = CONNECTING;
    #origin = '';
    #options;
    #source = null;
    #queue = [];
    #pumping = false;
    #handlers = { open: null, message: null, error: null };
    #iterators = null;
    // lastEventId and reconnectionTime while no wasm source holds them (before it starts,
    // after it is freed).
    #last;
    // `shared: true`: this instance's part in the one connection (js/shared.js).
    #shared = null;

    constructor(url, eventSourceInitDict = undefined) {
      super();
      if (arguments.length < 1) {
        throw new TypeError("Failed to construct 'EventSource': 1 argument required, but only 0 present.");
      }
      // WebIDL USVString: template conversion (throws on symbols), lone surrogates to U+FFFD.
      const stream = givenStream;
      givenStream = null;
      const str = `${url}`;
      this.#url = parseURL(str.toWellFormed?.() ?? str);
      const options = normalize(eventSourceInitDict);
      // fetch() refuses URLs with credentials: send them as Basic authorization instead.
      const target = new URL(this.#url);
      if (target.username || target.password) {
        const decode = (part) => {
          try {
            return decodeURIComponent(part);
          } catch {
            return part; // a malformed escape stays as written
          }
        };
        const userinfo = `${decode(target.username)}:${decode(target.password)}`;
        options.basicAuth = `Basic ${btoa(byteString(userinfo))}`;
        target.username = target.password = '';
      }
      options.fetchUrl = target.href;
      options.stream = stream;
      this.#last = [options.lastEventId, options.numbers[1]];
      this.#options = options;
      if (!options.shared) return this.#start();
      // js/shared.js, loaded on demand; `start` opens this instance's own connection when it leads.
      const port = {
        options,
        last: this.#last,
        enqueue: (item) => this.#enqueue(item),
        // A leader resumes where its instance is: the last event ID and the server's `retry:`.
        start: (id, retry) => {
          options.lastEventId = this.#last[0] = id;
          options.numbers[1] = this.#last[1] = retry;
          this.#start();
        },
      };
      // js/driver.js calls it after each chunk: the engine's last event ID and reconnection time
      // may have changed without an event.
      options.sync = () => this.#source && this.#shared?.sync(this.#source.last());
      loadShared().then(
        ({ join }) => this.#readyState !== CLOSED && (this.#shared = join(port)),
        (err) => {
          g.console?.warn(`eventsource-wasm: shared: true, but its code could not be loaded (${err}); this source has a connection of its own`);
          this.#start();
        },
      );
    }

    get url() {
      return this.#url;
    }
    get withCredentials() {
      return this.#options.withCredentials;
    }
    get readyState() {
      return this.#readyState;
    }
    // Proposed (whatwg/html#12272): the last event ID string and the reconnection time in ms,
    // for applications that reconnect on their own.
    get lastEventId() {
      return (this.#source?.last() ?? this.#last)[0];
    }
    get reconnectionTime() {
      return (this.#source?.last() ?? this.#last)[1];
    }

    get onopen() {
      return this.#handler('open');
    }
    set onopen(v) {
      this.#setHandler('open', v);
    }
    get onmessage() {
      return this.#handler('message');
    }
    set onmessage(v) {
      this.#setHandler('message', v);
    }
    get onerror() {
      return this.#handler('error');
    }
    set onerror(v) {
      this.#setHandler('error', v);
    }

    /**
     * Proposed (whatwg/html#12272): discards the unfinished line and event, so that another
     * stream's bytes can follow; the last event ID and reconnection time stay.
     */
    reset() {
      this.#source?.run(RESET);
    }

    /**
     * Proposed (whatwg/html#12272): an EventSource over the bytes of `stream` (for instance a
     * `fetch()` response body): events parse as from the network; when the stream ends or
     * fails, the complete events are delivered, then one `error` with CLOSED, and nothing
     * reconnects. `url` is `about:event-stream`, `origin` "null".
     */
    static fromReadableStream(stream) {
      const fail = (why) => new TypeError(`Failed to execute 'fromReadableStream' on 'EventSource': ${why}.`);
      if (typeof stream?.getReader !== 'function') throw fail("parameter 1 is not of type 'ReadableStream'");
      if (stream.locked) throw fail('the stream is locked');
      // The constructor takes it (and clears it) before anything there can throw.
      givenStream = stream;
      return new EventSource('about:event-stream');
    }

    /**
     * spec: close(): abort any fetch, set readyState to CLOSED; no event is fired. Again on a
     * closed source, each step finds nothing left to do.
     */
    close() {
      this.#readyState = CLOSED;
      this.#queue.length = 0;
      this.#release();
    }

    /** Yields every MessageEvent (any type) until close(); leaving the loop closes the source. */
    [Symbol.asyncIterator]() {
      const pending = [];
      const waiting = [];
      // Given an event, hands it to a waiting next() or keeps it; given none, ends the waits.
      const it = (ev) => {
        if (ev) waiting.length ? waiting.shift()({ value: ev, done: false }) : pending.push(ev);
        else while (waiting.length) waiting.shift()({ value: undefined, done: true });
      };
      (this.#iterators ??= new Set()).add(it);
      const self = this;
      return {
        next() {
          if (pending.length) return Promise.resolve({ value: pending.shift(), done: false });
          if (self.#readyState === CLOSED && !self.#queue.length) return Promise.resolve({ value: undefined, done: true });
          return new Promise((resolve) => waiting.push(resolve));
        },
        return(value) {
          self.#iterators?.delete(it);
          it();
          self.close();
          return Promise.resolve({ value, done: true });
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    }

    // The listener behind a type's handler attribute, one for every source (a listener is per
    // target already): it calls the handler of the source the event is dispatched on.
    static #wrappers = {};

    #handler(type) {
      if (!EDGE_BUILD || hidden?.[0] !== this || hidden[1] !== type) return this.#handlers[type] ?? null;
      hidden = null;
      return null;
    }

    // WebIDL event handler attributes: the listener is added when first set to non-null, keeps
    // its place while replaced, and is removed when set to null.
    #setHandler(type, value) {
      const v = typeof value === 'function' || (typeof value === 'object' && value !== null) ? value : null;
      this.#handlers[type] = v;
      // One listener per type, made once: adding it while it is listening and removing it
      // while it is not do nothing (DOM), and once removed it is added again at the end.
      // WebIDL: an object that is not callable is kept (the getter returns it) but never called,
      // and calling it does nothing ([LegacyTreatNonObjectAsNull]).
      const wrapper = (EventSource.#wrappers[type] ??= function (event) {
        // DOM: a listener is called on its target (`currentTarget`, which Node 20 reads as null
        // in the listeners after the first).
        const source = #handlers in Object(this) ? this : event.currentTarget;
        const h = source.#handlers[type];
        if (typeof h === 'function') return h.call(source, event);
      });
      (v === null ? removeListener : addListener).call(this, type, wrapper);
    }

    // The started sources not yet released, for the page's `online`, `pagehide` and `pageshow`
    // events: one listener each for all of them, added with the first source (a listener added
    // as the script loads delayed the first event, BENCHMARKS.md "Tried"), not per source.
    static #live = new Set();
    static #listening = false;

    // Adds the page's listeners once; false where there is no page to listen to (Node), where no
    // source is kept in `#live` either.
    static #listen() {
      if (EventSource.#listening || typeof g.addEventListener !== 'function') return EventSource.#listening;
      EventSource.#listening = true;
      // One source's failure is reported and does not keep the others from their turn.
      const each = (f) =>
        EventSource.#live.forEach((es) => {
          try {
            f(es);
          } catch (err) {
            report(err);
          }
        });
      g.addEventListener('online', () => each((es) => es.#source?.run(ONLINE)));
      // Back/forward cache (whatwg/html#12363): the connection is dropped when the page goes in,
      // with no error event (an open fetch would also keep the page out of the cache), and
      // re-established at once, with Last-Event-ID, when the page comes back. Not for a stream
      // source (EventSource.fromReadableStream()).
      if (typeof g.document !== 'object') return true;
      g.addEventListener('pagehide', (e) => e.persisted && each((es) => es.#options.stream || es.#source?.run(SUSPEND)));
      g.addEventListener(
        'pageshow',
        (e) =>
          e.persisted &&
          each((es) => {
            if (es.#options.stream || !es.#source || es.#readyState === CLOSED) return;
            es.#readyState = CONNECTING;
            es.#source.run(ONLINE);
          }),
      );
      return true;
    }

    #start() {
      const o = this.#options;
      // One attempt's request: the binding hands over the attempt number, the last event ID
      // (empty: none) and its abort signal.
      const request = (attempt, id, signal) => {
        // A stream source's one "response": the binding reads the stream itself.
        if (o.stream) return Promise.resolve({ status: 200, url: '', headers: new Headers({ 'content-type': 'text/event-stream' }), body: o.stream });
        let url = o.fetchUrl;
        // spec: a URL that fetch cannot stream from fails the connection (no retry helps).
        if (!FETCHABLE.test(url)) throw new TypeError('unsupported URL scheme: only http(s), data and blob URLs can be fetched');
        const h = typeof o.headers === 'function' ? o.headers(attempt) : o.headers;
        // new Headers(promise) would silently send none of the intended headers.
        if (typeof h?.then === 'function') throw new TypeError("eventsource-wasm: the 'headers' function must return headers, not a Promise");
        const headers = new Headers(h);
        if (o.basicAuth && !headers.has('authorization')) headers.set('Authorization', o.basicAuth);
        if (!headers.has('accept')) headers.set('Accept', 'text/event-stream');
        if (id) {
          if (o.lastEventIdParam) url = withParam(url, o.lastEventIdParam, id);
          else headers.set('Last-Event-ID', byteString(id));
        }
        const init = {
          method: o.method,
          headers,
          credentials: o.withCredentials ? 'include' : 'same-origin',
          mode: 'cors',
          cache: 'no-store',
          redirect: 'follow',
          signal,
        };
        if (o.body !== undefined) init.body = typeof o.body === 'function' ? o.body(attempt) : o.body;
        const f = o.fetch ?? g.fetch;
        if (typeof f !== 'function') throw new TypeError("eventsource-wasm: no fetch() here; pass the 'fetch' option");
        // The binding needs a real promise, and fetch reports every failure by rejecting.
        try {
          return Promise.resolve(f(url, init));
        } catch (err) {
          return Promise.reject(err);
        }
      };
      // What the binding reports, as the items of the queue (events in `parts[i..end]`, four
      // fields each: type, data, id and one to skip).
      const enqueue = (item) => this.#enqueue(item);
      const fail = (err) =>
        this.#enqueue({ kind: 'e', state: CLOSED, message: `eventsource-wasm: could not load its WebAssembly module: ${err}`, reason: 'request', willRetry: false });
      const begin = () => {
        if (this.#readyState === CLOSED) return;
        try {
          this.#source = new Source(o, request, enqueue);
        } catch (err) {
          return fail(err);
        }
        if (EventSource.#listen()) EventSource.#live.add(this);
        this.#source.run(START);
      };
      // After the constructor returns (native starts its fetch in parallel): a microtask, as a
      // timer would add a millisecond or more to every connection's start.
      queueMicrotask(() => {
        if (this.#readyState === CLOSED) return;
        // The first request (attempt 1, the initial last event ID) goes out before the wasm
        // source is made, and need not wait for the module if it is still on its way. The
        // binding takes it over (js/driver.js `startFetch`).
        const first = { controller: new AbortController() };
        try {
          first.promise = request(1, o.lastEventId, first.controller.signal);
          first.promise.catch(() => {});
        } catch (error) {
          first.error = error;
        }
        o.first = first;
        if (Source) return begin();
        load().then(begin, fail);
      });
    }

    // Lets go of the connection, the page's listeners and the stream; ends the iterators.
    #release() {
      this.#shared?.leave();
      this.#shared = null;
      const source = this.#source;
      this.#source = null;
      const o = this.#options;
      o.first?.controller.abort();
      o.first = null;
      EventSource.#live.delete(this);
      const stream = o.stream;
      // close() cancels the stream, read or not yet.
      if (stream && !stream.locked) stream.cancel().catch(() => {});
      if (source) this.#last = source.close();
      // The async iterators end.
      this.#iterators?.forEach((it) => it());
      this.#iterators = null;
    }

    #enqueue(item) {
      // A shared source's new leader drops the events its connection sends again (js/shared.js).
      if (this.#shared && !(item = this.#shared.tap(item))) return;
      this.#queue.push(item);
      if (!this.#pumping) {
        this.#pumping = true;
        queueMicrotask(() => this.#drain().catch(report));
      }
    }

    // Dispatches queued items in stream order. Awaiting between events lets microtasks a
    // listener queued run before the next event, as between native event tasks. `#pumping`
    // drops in the same step that finds the queue empty, so an item queued right after is never
    // left waiting for a pump that already ended.
    async #drain() {
      const queue = this.#queue;
      try {
        while (queue.length && this.#readyState !== CLOSED) {
          const item = queue[0];
          if (item.kind === 'm') {
            // One event of the run per turn (never an empty run: both its makers check).
            const { parts, i } = item;
            if ((item.i += 4) >= item.end) queue.shift();
            const event = Reflect.construct(Fields, [parts[i] || 'message'], Target);
            event.data = parts[i + 1];
            event.origin = this.#origin;
            event.lastEventId = parts[i + 2];
            fire.call(this, event);
            this.#iterators?.forEach((it) => it(event));
          } else {
            queue.shift();
            if (item.kind === OPEN) {
              this.#origin = item.origin;
              this.#readyState = OPEN;
              fire.call(this, new Event('open'));
            } else {
              this.#readyState = item.state;
              const event = new Event('error');
              define(event, { code: item.status || undefined, message: item.message, reason: item.reason, willRetry: item.willRetry });
              if (item.state === CLOSED) this.#release();
              fire.call(this, event);
            }
          }
          await null;
        }
        // Closed: what is left is dropped.
        queue.length = 0;
      } finally {
        this.#pumping = false;
      }
    }
  }

  // Hosts whose EventTarget calls `this.on<type>` itself as it dispatches (workerd, before the
  // listeners: cloudflare/workerd#6022) would run a handler twice, there and through its
  // listener. Tested once on a plain target; there, each dispatch (ours and the application's)
  // hides the handler from that one read, so that it runs once, in its listener's place. (The
  // other builds cannot run on such hosts: they compile their module from bytes, which workerd
  // refuses.)
  if (EDGE_BUILD) {
    const probe = new EventTarget();
    probe.onx = () =>
      (EventSource.prototype.dispatchEvent = fire =
        function (event) {
          hidden = [this, event.type];
          try {
            return dispatch.call(this, event);
          } finally {
            hidden = null;
          }
        });
    dispatch.call(probe, new Event('x'));
  }

  // WebIDL: constants on the interface and its prototype; attributes are enumerable accessors.
  // Every string-named member but the constructor (the async iterator is a symbol's).
  const proto = EventSource.prototype;
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name !== 'constructor') Object.defineProperty(proto, name, { enumerable: true });
  }
  const constants = { CONNECTING, OPEN, CLOSED };
  define(EventSource, constants);
  define(proto, constants);
  Object.defineProperty(proto, Symbol.toStringTag, { value: 'EventSource', configurable: true });
  // Bundlers and minifiers rename classes; native's is called EventSource.
  Object.defineProperty(EventSource, 'name', { value: 'EventSource', configurable: true });
  // As eventsource 4.1+: tells libraries that this class takes a `fetch` option.
  Object.defineProperty(EventSource, Symbol.for('eventsource.supports-fetch-override'), { value: true });
  // Settles when the WebAssembly module is ready (sources made before then work all the same:
  // they start their request at once and parse when it is). Rejects if it cannot load. Reading
  // it starts the loading where that waits for the first source.
  Object.defineProperty(EventSource, 'ready', { get: load, configurable: true });
  return EventSource;
}
