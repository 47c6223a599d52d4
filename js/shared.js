// Shared sources (`shared: true`): every same-origin instance with the same request uses one
// upstream connection, held by the context granted a Web Lock named after the request (the
// leader) and fanned out to the others (followers) over a BroadcastChannel of the same name.
// Loaded on demand by js/event-source.js, which hands each instance's `port` to `join`.
//
// The leader posts what its instance queues (js/event-source.js `#enqueue`), and followers
// queue it as their own connection would have:
//   {kind: OPEN, origin, seq}                the connection opened
//   {kind: 'm', parts, i: 0, end, seq, origin}   events, four fields each (type, data, last
//                                            event ID, the next record's head); `seq` numbers
//                                            the last one
//   {kind: 'e', state, status, message, willRetry, takeover, seq}   an error event
//   {kind: 'l', last: [id, retry], seq}      the last event ID or reconnection time changed
//                                            without an event: an `id:` block with no data, an
//                                            `id:` reset, a `retry:` field
// and two of their own: {kind: 'hi'}, a newcomer asking where the stream is, and the state
// {kind: 's', open, origin, seq, last}, the leader's answer (also posted by each new leader).
// Every message carries `sid`, the shared connection's session (made by the leader that had no
// state to resume from, kept by the leaders after it), and `from`, its sender.
//
// `seq` counts the session's events. A new leader resumes after its own last event ID and goes
// on from its own count, so an instance that has more events than the new leader drops those the
// server sends again. One that has fewer holds the new leader's messages until the former
// leader's last events reach it (messages from one sender arrive in order, from two senders in
// any order). The events after the last event ID (events without an `id:`) come again too: each
// instance keeps them (`recent`), and a new leader drops them from its connection's first events
// where they match, so that a takeover delivers no event twice.

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
// How long a follower holds a new leader's messages for a former leader's last events. They
// were posted before the new leader had them, so they come; this only bounds the wait if a
// browser lost them.
const HOLD = 1000;
// At most this many events after the last event ID are kept to recognise when they come again.
const RECENT = 64;

/** The name of the lock and the channel: everything the request depends on, as values. */
function keyOf(o) {
  const request = [o.fetchUrl, o.basicAuth ?? '', o.withCredentials, o.headers ? [...o.headers] : [], o.method, o.body ?? null, o.lastEventIdParam ?? null];
  return `eventsource-wasm:${JSON.stringify(request)}`;
}

/** The events in a batch of `parts[i..end]`, four fields each (the last record may lack its 4th). */
const size = ({ i, end }) => Math.ceil((end - i) / 4);

/**
 * Makes the instance behind `port` a participant: `port.enqueue(item)` queues an event for it as
 * its own connection would, `port.start(lastEventId, reconnectionTime)` opens its own connection
 * (when it leads), `port.last` is its [lastEventId, reconnectionTime] while it follows. The
 * class calls `tap` with every item it queues, `sync` with its engine's [lastEventId,
 * reconnectionTime] after each chunk of its own connection, and `leave` when it closes or fails.
 */
export function join(port) {
  const { options } = port;
  const name = keyOf(options);
  const locks = navigator.locks;
  const channel = new BroadcastChannel(name);
  const stop = new AbortController();
  const me = `${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}`;
  const last = port.last;
  let leader = false;
  let done = false;
  // Whether this instance knows where it is in the session's stream: it led, or a leader told it
  // (an answer, or an open). Until then, what the channel brings waits in `early`.
  let joined = false;
  let early = [];
  let sid = '';
  // This instance's view, as queued: the connection is open, its origin, the session's events
  // it has.
  let open = false;
  let origin = '';
  let count = 0;
  // A new leader's messages, held until this instance has the events that leader had.
  let held = null;
  let release = null;
  // The type and data of each event since the last event ID changed (null: more than RECENT),
  // and at a takeover, those of them the new connection has yet to send again.
  let recent = [];
  let replay = null;

  const post = (m) => channel.postMessage({ ...m, sid, from: me });
  const state = () => ({ kind: 's', open, origin, seq: count, last: [...last], recent });
  /** The lock a leader whose connection failed for good holds while its followers hear of it. */
  const closedName = () => `${name}#closed:${sid}`;

  function leave(failed) {
    if (done) return;
    done = true;
    stop.abort();
    channel.close();
    if (held) clearTimeout(held.timer);
    if (!release) return;
    if (!failed) return release();
    // The connection failed for good and its error is posted. A follower granted the lock before
    // that error reached it must not connect again: the lock "closed" is held from before this
    // one is released until every request queued for it before now has been granted (each
    // finds "closed" and stands down) or withdrawn (its instance closed on the error).
    locks
      .request(closedName(), () => {
        release();
        return locks.request(name, () => {});
      })
      .catch(() => release());
  }

  /** Takes the last event ID `id` and reconnection time `retry`. */
  function setLast(id, retry) {
    if (id !== last[0]) recent = [];
    last[0] = id;
    last[1] = retry;
  }

  /**
   * Takes the events of a batch: the last event ID, and the events after it (an event whose ID
   * differs from the one before set it, and the server resumes after it).
   */
  function note({ parts, i, end }) {
    for (let j = i; j < end; j += 4) {
      if (parts[j + 2] !== last[0]) setLast(parts[j + 2], last[1]);
      else if (recent && recent.length < 2 * RECENT) recent.push(parts[j], parts[j + 1]);
      else recent = null;
    }
  }

  /**
   * Every item this instance queues, from its own connection (leading) or from the channel;
   * returns what to queue.
   */
  function tap(item) {
    if (done) return item;
    if (leader) {
      let m = item;
      if (item.kind === OPEN) {
        open = true;
        origin = item.origin;
        m = { kind: OPEN, origin, seq: count };
      } else if (item.kind === 'm') {
        const { parts, end } = item;
        // After a takeover, the events the former connection delivered after the last event ID
        // come first again: dropped while they match.
        while (replay?.length && item.i < end && parts[item.i] === replay[0] && parts[item.i + 1] === replay[1]) {
          replay = replay.slice(2);
          item.i += 4;
        }
        if (item.i < end || !replay?.length) replay = null;
        if (item.i >= end) return null;
        count += size(item);
        note(item);
        m = { kind: 'm', parts: parts.slice(item.i, end), i: 0, end: end - item.i, seq: count, origin };
      } else {
        open = false;
        m = { ...item, seq: count };
      }
      post(m);
    }
    if (item.state === CLOSED) leave(leader);
    return item;
  }

  /** The engine's [lastEventId, reconnectionTime] after a chunk: followers learn what changed. */
  function sync([id, retry]) {
    if (done || !leader || (id === last[0] && retry === last[1])) return;
    setLast(id, retry);
    post({ kind: 'l', last: [id, retry], seq: count });
  }

  function queueOpen(at) {
    open = true;
    origin = at;
    port.enqueue({ kind: OPEN, origin: at });
  }

  /** A leader's message, in the order that leader sent it, once this instance has joined. */
  function receive(m) {
    const kind = m.kind;
    if (kind === 'm') {
      const n = size(m);
      // A session this instance has not seen (its leader had nothing to resume from): its
      // events are all new.
      if (m.sid !== sid) (sid = m.sid), (count = m.seq - n);
      // While not open (after the error of a takeover), a former leader's late events are
      // dropped: the new leader's connection sends them again.
      const skip = count - (m.seq - n);
      if (!open || skip >= n) return;
      if (skip > 0) m.i = skip * 4;
      count = m.seq;
      note(m);
      port.enqueue(m);
      if (held && count >= held.seq) unhold();
    } else if (kind === 'l') {
      if (m.sid === sid && m.seq >= count) setLast(...m.last);
    } else if (kind === 'e') {
      // Another instance's takeover is a reconnection only for those that were open.
      if (m.takeover && !open) return;
      if (m.takeover && m.seq > count) return hold(m);
      open = false;
      port.enqueue(m);
    } else {
      // OPEN, or a leader's state ('s').
      if (m.sid !== sid) (sid = m.sid), (count = m.seq);
      if (kind === 's' && m.seq >= count) setLast(...m.last), (recent = m.recent);
      if ((kind === OPEN || m.open) && !open) queueOpen(m.origin);
    }
  }

  /** Holds `m`, a new leader's takeover, and what follows from it, until this instance catches up. */
  function hold(m) {
    held = { from: m.from, seq: m.seq, items: [m], timer: setTimeout(() => unhold(), HOLD) };
  }

  function unhold() {
    const { items, timer } = held;
    held = null;
    clearTimeout(timer);
    // What this instance lacks is lost: the takeover goes on from where the new leader was.
    count = Math.max(count, items[0].seq);
    for (const m of items) if (!done && !leader) route(m);
  }

  /** Joins at a leader's state `s` (an answer or an open), after what came before it. */
  function joinAt(s) {
    joined = true;
    sid = s.sid;
    const first = early.find((m) => m.kind === 'm' && m.sid === sid);
    count = first ? first.seq - size(first) : s.seq;
    // Events came before the state: the connection was open when they were sent.
    if (early[0]?.kind === 'm' && early[0].sid === sid) queueOpen(early[0].origin);
    const before = early;
    early = null;
    for (const m of [...before, s]) {
      // A reconnection of a connection this instance never saw open is none of its business.
      if (done || leader || (m.kind === 'e' && m.state === CONNECTING && !open)) continue;
      route(m);
    }
  }

  /** A message once joined: held while a new leader's takeover is, else received. */
  function route(m) {
    if (held && m.from === held.from) return held.items.push(m);
    // A third leader's takeover while one is held: the held one happened first.
    if (held && m.kind === 'e' && m.takeover) unhold();
    receive(m);
  }

  channel.onmessage = ({ data: m }) => {
    if (done) return;
    if (m.kind === 'hi') {
      if (leader) post(state());
      return;
    }
    // A leader's own connection has everything; a former leader's late messages are not for it.
    if (leader) return;
    if (joined) route(m);
    else if (m.kind === 's' || m.kind === OPEN) joinAt(m);
    else early.push(m);
  };

  locks
    .request(name, { signal: stop.signal }, async () => {
      // A follower of a session whose connection failed for good stands down: the failure's
      // error event is on its way (see `leave`).
      if (done || (joined && (await locks.query()).held?.some((l) => l.name === closedName()))) return;
      if (done) return;
      leader = true;
      if (held) clearTimeout(held.timer);
      held = null;
      early = null;
      if (!joined) {
        // Nobody told this instance where the stream is: a session of its own.
        joined = true;
        sid = me;
        count = 0;
      }
      // The former leader went away: what a reconnection looks like, then at once a connection
      // of this context's own, resuming after the last event ID this instance has.
      if (open) {
        port.enqueue({ kind: 'e', state: CONNECTING, status: 0, message: 'eventsource-wasm: the shared connection moved here', reason: 'network', willRetry: true, takeover: true });
      }
      replay = recent;
      post(state());
      port.start(last[0], last[1]);
      return new Promise((resolve) => (release = resolve));
    })
    // Aborted by leave() while waiting; or refused (an opaque origin): a connection of its own.
    .catch(() => {
      if (done) return;
      leave();
      port.start(last[0], last[1]);
    });
  post({ kind: 'hi' });
  return { tap, sync, leave };
}
