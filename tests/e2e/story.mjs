// The stream of the test server's `/sse/story` (tests/server/src/sse.rs `story_block`), mirrored
// so that tests know what every event must be: ids, data and types that all differ, an id reset
// every 23rd block, an id with no data every 7th, an event without an id every 11th.
import assert from 'node:assert/strict';

/** Block `k`: what it sets (`id`, `reset`) and dispatches (`type`, `data`), if anything. */
export function storyBlock(k) {
  const type = ['message', 'tick', 'tock'][k % 3];
  const data = JSON.stringify({ k, text: `e${k} é` });
  if (k % 23 === 0) return { reset: true, type, data };
  if (k % 7 === 0) return { id: `ev-${k}` };
  if (k % 11 === 0) return { type, data };
  return { id: `ev-${k}`, type, data };
}

/** The last event ID once block `k` is received (spec: an `id:` field, or empty after a reset). */
export function lastIdAfter(k) {
  for (let j = k; j > 0; j--) {
    const b = storyBlock(j);
    if (b.reset) return '';
    if (b.id) return b.id;
  }
  return '';
}

/** The next block after `k` that dispatches an event. */
export function nextEvent(k) {
  let j = k + 1;
  while (!storyBlock(j).data) j++;
  return j;
}

/** The block a `Last-Event-ID` (or its absence, after a reset) says was received last. */
export function blockOfId(id) {
  const m = /^ev-(\d+)$/.exec(id);
  assert.ok(m, `'${id}' is an id the stream sent`);
  return +m[1];
}

/** The event types a listener must add to see every event of the stream. */
export const STORY_TYPES = ['message', 'tick', 'tock'];

/**
 * One recorded message, `type@readyState data#lastEventId`, checked against the stream: its
 * type, data and last event ID are those of its block. Returns the block.
 */
export function checkEvent(record, label = '') {
  const m = /^(\w+)@(\d) (.*)#([^#]*)$/.exec(record);
  assert.ok(m, `${label}: '${record}' is a message`);
  const [, type, readyState, data, lastEventId] = m;
  const k = JSON.parse(data).k;
  const b = storyBlock(k);
  assert.deepEqual({ type, readyState, data, lastEventId }, { type: b.type, readyState: '1', data: b.data, lastEventId: lastIdAfter(k) }, `${label}: event ${k}`);
  return k;
}

/** The records that are messages (of any type). */
export const messagesOf = (records) => records.filter((r) => !/^(open|error)@/.test(r));

/** Asserts the messages are the stream's events, one after another from the first: none missing, none twice. */
export function assertRun(records, label) {
  const ks = messagesOf(records).map((r) => checkEvent(r, label));
  assert.ok(ks.length > 0, `${label}: got messages`);
  ks.forEach((k, i) => i && assert.equal(k, nextEvent(ks[i - 1]), `${label}: after ${ks[i - 1]} comes ${nextEvent(ks[i - 1])} (got ${ks.join(',')})`));
  return ks;
}
