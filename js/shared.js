// Shared sources (`shared: true`): every same-origin instance with the same request uses one
// upstream connection, held by the context granted a Web Lock named after the request (the
// leader) and fanned out to the others (followers) over a BroadcastChannel of the same name.
// Loaded on demand by js/event-source.js, which hands each instance's `port` to `join`.
//
// Messages on the channel (plain objects, `t` says which):
//   hi                        a newcomer asks the leader for the connection's state
//   s  {open, origin, seq}    the leader's answer: whether the connection is open
//   o  {origin, seq}          the connection opened
//   m  {f, seq}               events, four fields each as the class queues them (type, data,
//                             last event ID, unused); `seq` numbers the last of them
//   e  {state, status, message, willRetry, takeover}   an error event, as the class queues it
// `seq` counts the events of the connection since its first leader; every new leader goes on
// from its own count, so a follower drops events it already has when the server replays them.

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
// How long a leader whose connection failed keeps the lock: lock grants and channel messages
// are not ordered, and a follower must hear of the failure before it could take over and
// connect again.
const GRACE = 300;

/** The name of the lock and the channel: everything the request depends on, as values. */
function keyOf(o) {
  const request = [o.fetchUrl, o.basicAuth ?? '', o.withCredentials, o.headers ? [...o.headers] : [], o.method, o.body ?? null, o.lastEventIdParam ?? null];
  return `eventsource-wasm:${JSON.stringify(request)}`;
}

/**
 * Makes the instance behind `port` a participant: `port.enqueue(item)` queues an event for it as
 * its own connection would, `port.start(lastEventId)` opens its own connection (when it leads),
 * `port.last` holds its lastEventId while it follows. The class calls `tap` with every item it
 * queues and `leave` when the instance closes or fails.
 */
export function join(port) {
  const { options } = port;
  const name = keyOf(options);
  const channel = new BroadcastChannel(name);
  const stop = new AbortController();
  let leader = false;
  let done = false;
  // This instance's view, as queued: the connection is open, its origin, the events so far and
  // the last event ID (where a new leader resumes).
  let open = false;
  let origin = '';
  let count = 0;
  let lastId = options.lastEventId;
  let release = null;

  const post = (m) => {
    try {
      channel.postMessage(m);
    } catch {}
  };

  function leave(failed) {
    if (done) return;
    done = true;
    stop.abort();
    channel.close();
    if (release && failed) setTimeout(release, GRACE);
    else release?.();
  }

  function tap(item) {
    if (done) return;
    let m;
    if (item.kind === OPEN) {
      open = true;
      origin = item.origin;
      m = { t: 'o', origin, seq: count };
    } else if (item.kind === 'm') {
      const { parts, i, end } = item;
      count += (end - i) / 4;
      port.last[0] = lastId = parts[end - 2];
      m = { t: 'm', f: parts.slice(i, end), seq: count };
    } else {
      open = false;
      m = { t: 'e', state: item.state, status: item.status, message: item.message, willRetry: item.willRetry, takeover: item.takeover };
    }
    if (leader) post(m);
    if (item.state === CLOSED) leave(leader);
  }

  channel.onmessage = ({ data: m }) => {
    if (done) return;
    if (m.t === 'hi') {
      if (leader) post({ t: 's', open, origin, seq: count });
      return;
    }
    // Only a former leader's late messages reach a leader: its own connection has them.
    if (leader) return;
    if (m.t === 'o' || (m.t === 's' && m.open)) {
      if (open) return;
      count = Math.max(count, m.seq);
      port.enqueue({ kind: OPEN, origin: m.origin });
    } else if (m.t === 'm') {
      const f = m.f;
      // Events before this instance saw the connection open are not its own.
      const skip = count - (m.seq - f.length / 4);
      if (!open || skip * 4 >= f.length) return;
      port.enqueue({ kind: 'm', parts: f, i: Math.max(skip, 0) * 4, end: f.length });
      count = m.seq;
    } else if (m.t === 'e' && (open || !m.takeover)) {
      port.enqueue({ kind: 'e', state: m.state, status: m.status, message: m.message, willRetry: m.willRetry });
    }
  };

  navigator.locks
    .request(name, { signal: stop.signal }, () => {
      if (done) return;
      leader = true;
      // The former leader went away: what a reconnection looks like, then at once a connection
      // of this context's own, resuming after the last event this instance has.
      if (open) {
        const message = 'eventsource-wasm: the shared connection moved to this context; reconnecting';
        port.enqueue({ kind: 'e', state: CONNECTING, status: 0, message, willRetry: true, takeover: true });
      }
      port.start(lastId);
      return new Promise((resolve) => (release = resolve));
    })
    // Aborted by leave() while waiting.
    .catch(() => {});
  post({ t: 'hi' });
  return { tap, leave };
}
