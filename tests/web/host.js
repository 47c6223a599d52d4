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
    withCredentials: !!o.withCredentials,
    lastEventId: o.lastEventId || '',
    initialDelay: o.initialDelay ?? 3000,
    maxDelay: -1,
    multiplier: 1,
    jitter: 0,
    maxRetries: o.maxRetries ?? -1,
    retryOnStatus: o.retryOnStatus || [],
    inactivityTimeout: o.inactivityTimeout || 0,
    lastEventIdParam: undefined,
    maxLineLength: o.maxLineLength || 0,
    maxEventSize: 0,
    seed: 0.5,
    probeCors: true,
    init() {
      return { method: 'GET', headers: new Headers(), credentials: 'same-origin', mode: 'cors', cache: 'no-store' };
    },
    fetch: (u, init) => fetch(u, init),
    open: (origin) => note(`open ${origin}`),
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
