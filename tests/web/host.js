// A recording host for the wasm `Source` in wasm-bindgen-test: it plays the part of the JS
// EventSource class and resolves `done` with the trace of what the binding reported.
export function makeHost(url, options, stopAfter) {
  const trace = [];
  let resolve;
  const done = new Promise((r) => (resolve = r));
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      resolve(trace);
    }
  };
  const note = (line) => {
    trace.push(line);
    if (trace.length >= stopAfter) finish();
  };
  const o = options || {};
  const host = {
    url,
    lastEventId: o.lastEventId || '',
    // withCredentials, initialDelay, maxDelay, multiplier, jitter, maxRetries, inactivityTimeout,
    // maxLineLength, maxEventSize, seed, probeCors, ...retryOnStatus (src/wasm/host.rs `cfg`)
    config: new Float64Array([
      +!!o.withCredentials, o.initialDelay ?? 3000, -1, 1, 0, o.maxRetries ?? -1,
      o.inactivityTimeout || 0, o.maxLineLength || 0, 0, 0.5, 1, ...(o.retryOnStatus || []),
    ]),
    // The request of each attempt, as the EventSource class builds it (ids here are ASCII).
    fetch(attempt, id, signal) {
      if (!/^(https?|data|blob):/i.test(url)) throw new TypeError('unsupported URL scheme');
      const headers = new Headers({ Accept: 'text/event-stream' });
      if (id) headers.set('Last-Event-ID', id);
      return fetch(url, { method: 'GET', headers, credentials: 'same-origin', mode: 'cors', cache: 'no-store', signal });
    },
    retryAfter: () => NaN,
    open: (finalUrl) => note(`open ${new URL(finalUrl || url).origin}`),
    messages(batch) {
      const p = batch.split('\r');
      for (let i = 0; i + 2 < p.length; i += 3) note(`${p[i] || 'message'} ${JSON.stringify(p[i + 1])} id=${p[i + 2]}`);
    },
    error: (state, status, message, willRetry) => {
      note(`error state=${state} status=${status} retry=${willRetry}`);
      if (state === 2) finish();
    },
  };
  setTimeout(finish, 8000);
  return { host, done, count: () => trace.length };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
