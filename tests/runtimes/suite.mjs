// The behaviour suite every runtime of tests/e2e/runtimes.test.mjs runs, against our EventSource
// and, where the runtime has one, its native EventSource as the control. Web APIs only (fetch
// streams, timers, EventTarget), so that the same file runs in Node, Deno, Bun, workerd and
// edge-runtime; the routes are tests/server's.

const LIMIT = 5000;

/**
 * Runs `body(es, done)` on a new source for `url`; resolves to what `done(value)` is given, or to
 * a failure once LIMIT passes. The source is closed and every timer cleared either way, so
 * nothing keeps the runtime busy after the suite.
 */
function withSource(ES, url, body) {
  return new Promise((resolve) => {
    let es;
    // The error events' messages where the class gives them (ours does), for a failure's report.
    const errors = [];
    const finish = (value) => {
      clearTimeout(timer);
      es?.close();
      if (!value.ok && errors.length) value.detail += `; error events: ${errors.join(' | ')}`;
      resolve(value);
    };
    const timer = setTimeout(() => finish({ ok: false, detail: 'timed out' }), LIMIT);
    try {
      es = new ES(url);
      es.addEventListener('error', (e) => e.message && errors.push(e.message));
      body(es, finish);
    } catch (err) {
      finish({ ok: false, detail: `threw ${err}` });
    }
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `ok` when `got` and `want` are the same JSON; otherwise both, for the report. */
function same(got, want) {
  const [a, b] = [JSON.stringify(got), JSON.stringify(want)];
  return a === b ? { ok: true } : { ok: false, detail: `got ${a}, want ${b}` };
}

const cases = {
  /** Messages with IDs and origin; a handler runs once per event, between the listeners. */
  messages: (ES, origin) =>
    withSource(ES, `${origin}/sse/messages?n=2`, (es, done) => {
      const want = [`listener hello 0 1 ${origin}`, 'handler hello 0', 'after', `listener hello 1 2 ${origin}`, 'handler hello 1', 'after'];
      const log = [];
      es.addEventListener('message', (e) => log.push(`listener ${e.data} ${e.lastEventId} ${e.origin}`));
      es.onmessage = (e) => log.push(`handler ${e.data}`);
      es.addEventListener('message', (e) => {
        log.push('after');
        if (e.data === 'hello 1') setTimeout(() => done(same(log, want)), 50);
      });
    }),

  /** Reconnection resumes after Last-Event-ID; the 204 at the end closes the source. */
  'reconnect, Last-Event-ID, 204': (ES, origin) =>
    withSource(ES, `${origin}/sse/resume?per_conn=2&total=5&retry=20`, (es, done) => {
      const want = ['open', '1:event 1', '2:event 2', 'error 0', 'open', '3:event 3', '4:event 4', 'error 0', 'open', '5:event 5', 'error 0', 'error 2'];
      const log = [];
      es.onopen = () => log.push('open');
      es.onmessage = (e) => log.push(`${e.lastEventId}:${e.data}`);
      es.onerror = () => {
        log.push(`error ${es.readyState}`);
        if (es.readyState === 2) done(same(log, want));
      };
    }),

  /** A 204 response fails the connection at once: one error, CLOSED, never open. */
  '204 closes': (ES, origin) =>
    withSource(ES, `${origin}/sse/status?code=204`, (es, done) => {
      const log = [];
      es.onopen = () => log.push('open');
      es.onerror = () => {
        log.push(`error ${es.readyState}`);
        setTimeout(() => done(same(log, ['error 2'])), 100);
      };
    }),

  /** `event:` names a type that only its listeners get, not onmessage. */
  'custom event types': (ES, origin) =>
    withSource(ES, `${origin}/sse/messages?n=2&event=ping`, (es, done) => {
      const log = [];
      es.onmessage = (e) => log.push(`message ${e.data}`);
      es.addEventListener('ping', (e) => {
        log.push(`${e.type} ${e.data}`);
        if (e.data === 'hello 1') setTimeout(() => done(same(log, ['ping hello 0', 'ping hello 1'])), 50);
      });
    }),

  /** Multi-byte characters cut between chunks decode whole. */
  'UTF-8 split across chunks': (ES, origin) => {
    // "data: h\xC3\xA9llo \xE2\x82\xAC \xF0\x9D\x84\x9E\n\n", cut inside each character.
    const body = 'data:%20h%C3%A9llo%20%E2%82%AC%20%F0%9D%84%9E%0A%0A';
    return withSource(ES, `${origin}/sse/raw?body=${body}&split=8,14,19&gap=20`, (es, done) => {
      es.onmessage = (e) => done(same(e.data, 'h\u00e9llo \u20ac \u{1d11e}'));
    });
  },

  /** close() stops everything at once: not even the events of the same chunk come after it. */
  'close()': (ES, origin) =>
    withSource(ES, `${origin}/sse/raw?body=data:%20a%0A%0Adata:%20b%0A%0Adata:%20c%0A%0A&hold=1`, (es, done) => {
      const log = [];
      es.onerror = () => log.push('error');
      es.onmessage = async (e) => {
        log.push(e.data);
        if (log.length !== 1) return;
        es.close();
        log.push(`closed ${es.readyState}`);
        await sleep(200);
        done(same(log, ['a', 'closed 2']));
      };
    }),
};

/** Every case in turn: `{ name: { ok, detail? } }`. */
export async function runSuite(ES, origin) {
  const results = {};
  for (const [name, run] of Object.entries(cases)) results[name] = await run(ES, origin);
  return results;
}
