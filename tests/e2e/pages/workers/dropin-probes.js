// Probes for tests/e2e/dropin.test.mjs. Each takes an EventSource class and plain arguments and
// resolves to a plain, structured-cloneable result, so the same probe runs in a page, a dedicated,
// shared or service worker, and Node. A classic script without imports: loaded by <script>,
// importScripts, a module `import` and Node's `import` alike. Sets globalThis.dropinProbes and
// globalThis.dropinServe.
(function (g) {
  'use strict';

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** 'MessageEvent', 'Event' (exactly Event.prototype) or the prototype's constructor name. */
  function kindOf(e) {
    if (typeof g.MessageEvent === 'function' && e instanceof g.MessageEvent) return 'MessageEvent';
    const proto = Object.getPrototypeOf(e);
    if (proto === g.Event.prototype) return 'Event';
    return (proto && proto.constructor && proto.constructor.name) || 'unknown';
  }

  function describe(es, e) {
    const d = { type: e.type, readyState: es.readyState, kind: kindOf(e), hasData: 'data' in e };
    if (d.kind === 'MessageEvent') {
      d.data = e.data;
      d.origin = e.origin;
      d.lastEventId = e.lastEventId;
    }
    return d;
  }

  function thrown(e) {
    return {
      name: e && e.name,
      code: e && e.code,
      isDOMException: typeof g.DOMException === 'function' && e instanceof g.DOMException,
      isTypeError: e instanceof TypeError,
      message: String(e && e.message),
    };
  }

  /** Builds the constructor argument list described by a plain `arg` spec. */
  function ctorArgs(arg) {
    switch (arg.kind) {
      case 'none':
        return [];
      case 'undefined':
        return [undefined];
      case 'null':
        return [null];
      case 'object':
        return [{ toString: () => arg.value }];
      default:
        return [arg.value];
    }
  }

  /**
   * Records every event until `max` events, or `settle` ms after the source is CLOSED (to see
   * that nothing follows), or `timeout` ms. Closes the source when done.
   */
  function trace(Impl, { url, init, max = 20, timeout = 3000, settle = 0, types = [], closeAfter } = {}) {
    return new Promise((resolve) => {
      let es;
      try {
        es = init === undefined ? new Impl(url) : new Impl(url, init);
      } catch (e) {
        resolve({ threw: thrown(e) });
        return;
      }
      const out = { url: es.url, readyStateAfterCtor: es.readyState, events: [], timedOut: false };
      let done = false;
      let settling = false;
      const finish = (timedOut) => {
        if (done) return;
        done = true;
        out.timedOut = timedOut;
        out.finalReadyState = es.readyState;
        es.close();
        clearTimeout(timer);
        resolve(out);
      };
      const rec = (e) => {
        if (done) return;
        out.events.push(describe(es, e));
        if (out.events.length >= max) return finish(false);
        if (closeAfter !== undefined && out.events.length >= closeAfter) {
          es.close();
          out.readyStateAfterClose = es.readyState;
        }
        if (es.readyState === 2 && !settling) {
          settling = true;
          setTimeout(() => finish(false), settle);
        }
      };
      es.onopen = rec;
      es.onmessage = rec;
      es.onerror = rec;
      for (const t of types) es.addEventListener(t, rec);
      const timer = setTimeout(() => finish(true), timeout);
    });
  }

  /** Constructs with the described argument (or calls without `new`), reports url or the throw. */
  function construct(Impl, { arg, call = false }) {
    let es;
    try {
      const args = ctorArgs(arg);
      es = call ? Impl(...args) : new Impl(...args);
    } catch (e) {
      return { threw: thrown(e) };
    }
    const r = { url: es.url, readyState: es.readyState };
    es.close();
    return r;
  }

  /** Several constructions at once. */
  function constructAll(Impl, { args }) {
    return args.map((a) => construct(Impl, a));
  }

  /** Shapes of open, message and error events (a stream of one message that then ends). */
  function shape(Impl, { url }) {
    return new Promise((resolve) => {
      const es = new Impl(url);
      const out = {};
      const common = (e) => ({
        kind: kindOf(e),
        protoIsEvent: Object.getPrototypeOf(e) === g.Event.prototype,
        ctorIsEvent: e.constructor === g.Event,
        hasData: 'data' in e,
        bubbles: e.bubbles,
        cancelable: e.cancelable,
        composed: e.composed,
        isTrusted: e.isTrusted,
        targetIsSource: e.target === es,
        currentTargetIsSource: e.currentTarget === es,
        eventPhase: e.eventPhase,
        defaultPrevented: e.defaultPrevented,
      });
      const timer = setTimeout(() => {
        es.close();
        resolve({ ...out, timedOut: true });
      }, 4000);
      es.onopen = function (e) {
        out.open = { ...common(e), thisIsSource: this === es };
      };
      es.onmessage = function (e) {
        out.message = {
          ...common(e),
          thisIsSource: this === es,
          instanceofMessageEvent: e instanceof g.MessageEvent,
          ctorIsMessageEvent: e.constructor === g.MessageEvent,
          protoIsMessageEvent: Object.getPrototypeOf(e) === g.MessageEvent.prototype,
          // Not compared: ours carries data, origin, lastEventId, source and ports as own
          // properties, five times cheaper than `new MessageEvent(type, init)` (README,
          // "Differences from native").
          sourceIsNull: e.source === null,
          portsIsArray: Array.isArray(e.ports),
          portsLength: Array.isArray(e.ports) ? e.ports.length : -1,
          portsFrozen: Object.isFrozen(e.ports),
          data: e.data,
          lastEventId: e.lastEventId,
          originIsString: typeof e.origin === 'string',
        };
      };
      es.onerror = function (e) {
        out.error = { ...common(e), thisIsSource: this === es, readyState: es.readyState };
        es.close();
        clearTimeout(timer);
        resolve(out);
      };
    });
  }

  function tagOf(Impl) {
    const es = new Impl('data:,');
    es.close();
    return Object.prototype.toString.call(es);
  }

  /** The IDL surface of the class: constants, accessors, length, name, tags, brand checks. */
  function idl(Impl) {
    const P = Impl.prototype;
    const flags = (d) => (d ? { enumerable: d.enumerable, configurable: d.configurable, writable: d.writable } : null);
    const r = {
      length: Impl.length,
      name: Impl.name,
      protoChain: Object.getPrototypeOf(P) === g.EventTarget.prototype,
      constants: {},
      accessors: {},
      close: flags(Object.getOwnPropertyDescriptor(P, 'close')),
      closeLength: P.close.length,
      toStringTag: tagOf(Impl),
      protoToStringTag: Object.prototype.toString.call(P),
      brandChecks: {},
    };
    for (const k of ['CONNECTING', 'OPEN', 'CLOSED']) {
      r.constants[k] = {
        onClass: Impl[k],
        onProto: P[k],
        classDesc: flags(Object.getOwnPropertyDescriptor(Impl, k)),
        protoDesc: flags(Object.getOwnPropertyDescriptor(P, k)),
      };
    }
    for (const k of ['url', 'withCredentials', 'readyState', 'onopen', 'onmessage', 'onerror']) {
      const d = Object.getOwnPropertyDescriptor(P, k);
      r.accessors[k] = d
        ? { get: typeof d.get, set: typeof d.set, enumerable: d.enumerable, configurable: d.configurable }
        : null;
      try {
        d.get.call({});
        r.brandChecks[k] = 'no throw';
      } catch (e) {
        r.brandChecks[k] = e.constructor.name;
      }
    }
    try {
      P.close.call({});
      r.brandChecks.close = 'no throw';
    } catch (e) {
      r.brandChecks.close = e.constructor.name;
    }
    return r;
  }

  /**
   * Event handler attributes: values the setters accept, and the order handlers run in relative
   * to addEventListener listeners as they are set, replaced, nulled and re-set. Four messages.
   */
  function handlers(Impl, { url }) {
    return new Promise((resolve) => {
      const es = new Impl(url);
      const out = { values: {}, order: [], thisOk: true };
      const val = (v) => (v === null ? 'null' : typeof v);
      const obj = { handleEvent() {} };
      const fn = () => {};
      for (const [label, v] of [
        ['number', 5],
        ['string', 'alert(1)'],
        ['undefined', undefined],
        ['object', obj],
        ['function', fn],
      ]) {
        es.onerror = v;
        const got = es.onerror;
        out.values[label] = got === v ? 'same' : val(got);
      }
      es.onerror = null;
      out.values.nulled = val(es.onerror);

      es.addEventListener('open', () => out.order.push('open:A'));
      es.onopen = () => out.order.push('open:H');
      es.addEventListener('open', () => out.order.push('open:B'));

      let n = -1; // the index of the message being dispatched; listener A runs first
      const H1 = function () {
        if (this !== es) out.thisOk = false;
        out.order.push(`${n}:H1`);
      };
      const H2 = function () {
        if (this !== es) out.thisOk = false;
        out.order.push(`${n}:H2`);
      };
      const H3 = function () {
        if (this !== es) out.thisOk = false;
        out.order.push(`${n}:H3`);
      };
      es.addEventListener('message', () => {
        n++;
        out.order.push(`${n}:A`);
        // Removed during dispatch: must not run for this event.
        if (n === 3) es.onmessage = null;
      });
      es.onmessage = H1;
      es.addEventListener('message', () => {
        out.order.push(`${n}:B`);
        if (n === 0) es.onmessage = H2; // replaced: keeps its place
        if (n === 1) {
          es.onmessage = null; // removed, then re-added: moves to the end
          es.onmessage = H3;
        }
        if (n === 3) {
          out.finalHandler = val(es.onmessage);
          finish();
        }
      });
      const finish = () => {
        es.close();
        clearTimeout(timer);
        // Let a wrongly still-registered handler run before reporting.
        setTimeout(() => resolve(out), 50);
      };
      const timer = setTimeout(() => {
        out.timedOut = true;
        finish();
      }, 4000);
    });
  }

  /** isTrusted of our events (a documented limit: synthetic events are never trusted). */
  function trusted(Impl, { url }) {
    return new Promise((resolve) => {
      const es = new Impl(url);
      const out = {};
      es.onopen = (e) => (out.open = e.isTrusted);
      es.onmessage = (e) => {
        out.message = e.isTrusted;
        es.close();
        resolve(out);
      };
      setTimeout(() => {
        es.close();
        resolve({ ...out, timedOut: true });
      }, 4000);
    });
  }

  /**
   * The order of events and the microtasks their listeners queue (`queueMicrotask`, a resolved
   * promise's `then`, an `await` in an async listener): each runs before the next event, as
   * between native's event tasks; nothing is dispatched after `close()` in the fourth message.
   */
  function microtasks(Impl, { url }) {
    return new Promise((resolve) => {
      const es = new Impl(url);
      const order = [];
      let n = 0;
      es.addEventListener('open', () => {
        order.push('open');
        queueMicrotask(() => order.push('open:micro'));
      });
      es.addEventListener('message', async () => {
        const i = n++;
        order.push(`${i}`);
        queueMicrotask(() => order.push(`${i}:micro`));
        Promise.resolve().then(() => order.push(`${i}:then`));
        await null;
        order.push(`${i}:await`);
        if (i === 3) {
          es.close();
          setTimeout(() => resolve({ order }), 100);
        }
      });
      setTimeout(() => {
        es.close();
        resolve({ order, timedOut: true });
      }, 4000);
    });
  }

  /** Several traces at once. */
  function traceAll(Impl, { runs }) {
    return Promise.all(runs.map((r) => trace(Impl, r)));
  }

  g.dropinProbes = { trace, traceAll, construct, constructAll, shape, idl, handlers, microtasks, trusted, sleep };

  /**
   * Answers probe requests in a worker of any kind. Each request is `{probe, impl, args}` with a
   * MessagePort to reply on; `impls` maps names to classes (getters are fine), `info()` describes the scope.
   */
  g.dropinServe = function (impls, info) {
    async function handle(msg, port) {
      let result;
      try {
        if (msg.probe === 'info') result = info();
        else {
          const Impl = impls[msg.impl];
          if (typeof Impl !== 'function') throw new Error(`no implementation '${msg.impl}' in this scope`);
          result = await g.dropinProbes[msg.probe](Impl, msg.args || {});
        }
      } catch (e) {
        result = { probeError: String((e && e.stack) || e) };
      }
      port.postMessage(result);
    }
    const isShared = typeof g.SharedWorkerGlobalScope === 'function' && g instanceof g.SharedWorkerGlobalScope;
    const isService = typeof g.ServiceWorkerGlobalScope === 'function' && g instanceof g.ServiceWorkerGlobalScope;
    if (isShared) {
      g.onconnect = (c) => {
        const port = c.ports[0];
        port.onmessage = (e) => handle(e.data, e.ports[0]);
      };
    } else if (isService) {
      g.addEventListener('message', (e) => e.waitUntil(handle(e.data, e.ports[0])));
    } else {
      g.onmessage = (e) => handle(e.data, e.ports[0]);
    }
  };

  /** What a worker reports about itself. */
  g.dropinScopeInfo = function (extra) {
    return Object.assign(
      {
        scope: Object.getPrototypeOf(g).constructor.name,
        location: String(g.location),
        hasDocument: 'document' in g,
        hasWindow: 'window' in g,
      },
      extra,
    );
  };
})(globalThis);
