// Shared sources (`shared: true`): every same-origin instance with the same request uses one
// upstream connection, held by the context granted a Web Lock named after the request (the
// leader) and fanned out to the others (followers) over a BroadcastChannel of the same name.
// Loaded on demand by js/event-source.js, which hands each instance's `port` to `join`.
//
// Messages on the channel are the items the class queues (js/event-source.js `#enqueue`),
// posted by the leader as it queues them and queued as they are by the others, with `seq` added:
//   {kind: OPEN, origin, seq}                   the connection opened
//   {kind: 'm', parts, i: 0, end, seq}          events, four fields each (type, data, last
//                                               event ID, unused); `seq` numbers the last one
//   {kind: 'e', state, status, message, willRetry, takeover}   an error event
// and two of their own: {kind: 'hi'}, a newcomer asking for the state, and the leader's answer
// {kind: 's', open, origin, seq}. `seq` counts the events since the connection's first leader;
// each new leader goes on from its own count, so that an instance drops the events it already
// has when the server replays them to a new leader that had fewer.

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
  // This instance's view, as queued: the connection is open (and was once), its origin, the
  // events so far and the last event ID (where a new leader resumes).
  let open = false;
  let joined = false;
  let origin = '';
  let count = 0;
  let lastId = options.lastEventId;
  let release = null;

  const post = (m) => channel.postMessage(m);

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
    let m = item;
    if (item.kind === OPEN) {
      open = joined = true;
      origin = item.origin;
      m = { ...item, seq: count };
    } else if (item.kind === 'm') {
      const { parts, i, end } = item;
      count += (end - i) / 4;
      port.last[0] = lastId = parts[end - 2];
      m = { kind: 'm', parts: parts.slice(i, end), i: 0, end: end - i, seq: count };
    } else open = false;
    if (leader) post(m);
    if (item.state === CLOSED) leave(leader);
  }

  channel.onmessage = ({ data: m }) => {
    if (done) return;
    const kind = m.kind;
    if (kind === 'hi') {
      if (leader) post({ kind: 's', open, origin, seq: count });
      return;
    }
    // Only a former leader's late messages reach a leader: its own connection has them.
    if (leader) return;
    if (kind === OPEN || (kind === 's' && m.open)) {
      if (open) return;
      count = Math.max(count, m.seq);
      port.enqueue({ kind: OPEN, origin: m.origin });
    } else if (kind === 'm') {
      // Events from before this instance joined, or that it has, are not for it. A former
      // leader's last events may come after the new leader's error: they are still delivered.
      const skip = count - (m.seq - m.end / 4);
      if (!joined || skip * 4 >= m.end) return;
      m.i = Math.max(skip, 0) * 4;
      port.enqueue(m);
      count = m.seq;
    } else if (kind === 'e' && (open || !m.takeover)) port.enqueue(m);
  };

  navigator.locks
    .request(name, { signal: stop.signal }, () => {
      if (done) return;
      leader = true;
      // The former leader went away: what a reconnection looks like, then at once a connection
      // of this context's own, resuming after the last event this instance has.
      if (open) {
        port.enqueue({ kind: 'e', state: CONNECTING, status: 0, message: 'eventsource-wasm: the shared connection moved here', willRetry: true, takeover: true });
      }
      port.start(lastId);
      return new Promise((resolve) => (release = resolve));
    })
    // Aborted by leave() while waiting; or refused (an opaque origin): a connection of its own.
    .catch(() => {
      if (done) return;
      leave();
      port.start(lastId);
    });
  post({ kind: 'hi' });
  return { tap, leave };
}
