// The chaos test's event stream: a seeded PRNG, the fixed sequence of events a run streams
// (id = index), and the bytes of one connection's body with the offsets that matter (where each
// event is dispatched, where a cut splits a CRLF or a UTF-8 sequence). Pure: no I/O.

/** A 32-bit hash of the parts (FNV-1a over their text): derives one seed from several. */
export function mix(...parts) {
  let h = 0x811c9dc5;
  for (const c of parts.join('\u0001')) {
    h ^= c.codePointAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: small, fast and good enough to pick fates and bytes. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (list) => list[int(list.length)],
    /** A key of `weights` ({ key: weight }), with probability proportional to its weight. */
    weighted(weights) {
      const entries = Object.entries(weights);
      let x = next() * entries.reduce((s, [, w]) => s + w, 0);
      for (const [key, w] of entries) if ((x -= w) < 0) return key;
      return entries[entries.length - 1][0];
    },
  };
}

// 1-, 2-, 3- and 4-byte UTF-8, a BOM and a NUL in the middle of data (both kept there), field-like
// text that must stay data, and spaces (a data value may start with one).
const TOKENS = ['alpha', 'beta', 'chaos', 'x', '42', ' ', 'é', 'ß', 'ü', '€', '中文', '😀', '𝄞', '\uFEFF', '\0', '\t', 'data: no', 'id: 9', ':colon', 'retry: 1'];
// '' is `event:` with an empty value, which dispatches as "message".
const TYPES = ['tick', 'update', 'ünïcødé', 'message', ''];
/** The custom types a client must listen for (besides "message"). */
export const CUSTOM_TYPES = TYPES.filter((t) => t && t !== 'message');

/**
 * The run's events, fixed by `seed`: { id, type (null: no `event:` line), lines (the data lines'
 * values; none: the event only sets the id and dispatches nothing) }.
 */
export function makeEvents(seed, total) {
  const events = [];
  for (let id = 0; id < total; id++) {
    const r = prng(mix(seed, 'event', id));
    const type = r.chance(0.3) ? r.pick(TYPES) : null;
    const lines = [];
    if (!r.chance(0.03)) {
      const count = 1 + r.int(4);
      for (let i = 0; i < count; i++) {
        let value = '';
        if (r.chance(0.02)) value = r.pick(['€', 'é', '😀', 'ab']).repeat(500 + r.int(1500));
        else for (let n = r.int(8); n > 0; n--) value += r.pick(TOKENS);
        lines.push(value);
      }
    }
    events.push({ id, type, lines });
  }
  return events;
}

/** What a client must receive for `events`: [type, data, lastEventId] per dispatched event. */
export function expectedMessages(events) {
  return events.filter((e) => e.lines.length).map((e) => [e.type || 'message', e.lines.join('\n'), String(e.id)]);
}

const ENDINGS = ['\n', '\r', '\r\n'];

/**
 * One connection's body: an optional BOM, a `retry:` line and comments, then `events`, each line
 * ended by LF, CR or CRLF at random, fields in random order. Returns the bytes and, per event,
 * `at`: the body length after which the event has been dispatched (its blank line is complete at
 * its first terminator byte: a CR alone ends a line, so a cut between that CR and its LF still
 * dispatches).
 */
export function serialize(events, r, { retry }) {
  const lines = []; // [text, event id whose blank line this is, or -1]
  if (retry !== undefined) lines.push([`retry: ${retry}`, -1]);
  if (r.chance(0.3)) lines.push([': chaos ✓ €😀', -1]);
  for (const e of events) {
    const fields = e.lines.map((v) => (v === '' && r.chance(0.5) ? 'data' : v[0] === ' ' || r.chance(0.5) ? `data: ${v}` : `data:${v}`));
    const extra = [r.chance(0.5) ? `id: ${e.id}` : `id:${e.id}`];
    if (e.type !== null) extra.push(r.chance(0.5) ? `event: ${e.type}` : `event:${e.type}`);
    if (r.chance(0.1)) extra.push(': a comment inside an event');
    if (r.chance(0.05)) extra.push('unknown: field is ignored');
    for (const f of extra) fields.splice(r.int(fields.length + 1), 0, f);
    if (r.chance(0.15)) lines.push([':', -1]);
    for (const f of fields) lines.push([f, -1]);
    lines.push(['', e.id]);
  }
  if (r.chance(0.2)) lines.push([': trailing comment', -1]);

  const parts = [];
  const dispatch = [];
  let length = 0;
  if (r.chance(0.1)) {
    parts.push(Buffer.from([0xef, 0xbb, 0xbf]));
    length += 3;
  }
  let prev = '';
  for (const [text, id] of lines) {
    // An empty line after a CR must not be a lone LF: the two would read as one CRLF.
    const ending = text === '' && prev === '\r' ? r.pick(['\r', '\r\n']) : r.pick(ENDINGS);
    const bytes = Buffer.from(text + ending, 'utf8');
    parts.push(bytes);
    length += bytes.length;
    if (id >= 0) dispatch.push({ id, at: length - ending.length + 1, end: length });
    prev = ending;
  }
  return { bytes: Buffer.concat(parts), dispatch };
}

/** The last event id dispatched once `delivered` bytes of the body arrived, else `before`. */
export function resumeAfter(dispatch, delivered, before) {
  let id = before;
  for (const d of dispatch) if (d.at <= delivered) id = d.id;
  return id;
}

/**
 * A body offset in (0, length] of the given kind, or of any kind when there is none:
 * - crlf: between the CR and the LF of a CRLF;
 * - utf8: inside a multi-byte UTF-8 sequence (before a continuation byte);
 * - midline: inside a line (neither neighbour is a line terminator);
 * - boundary: right after an event's blank line.
 */
export function pickOffset(body, r, kind) {
  const { bytes, dispatch } = body;
  const n = bytes.length;
  const candidates = [];
  if (kind === 'boundary') for (const d of dispatch) candidates.push(d.end);
  else if (kind !== 'any') {
    for (let p = 1; p < n; p++) {
      const a = bytes[p - 1];
      const b = bytes[p];
      if (kind === 'crlf' ? a === 13 && b === 10 : kind === 'utf8' ? (b & 0xc0) === 0x80 : a !== 13 && a !== 10 && b !== 13 && b !== 10) {
        candidates.push(p);
      }
    }
  }
  if (candidates.length) return { kind, offset: r.pick(candidates) };
  return { kind: 'any', offset: r.int(n + 1) };
}
