// The dispatch floor in Node: per event what any drop-in client must do (an Event with
// MessageEvent's prototype and its fields, one listener, a microtask between events), with no
// network and no parsing. `make bench`'s dispatch floor is the browser's.
//
//   node tests/e2e/bench/node-floor.mjs [events, default 1000000]
const { Event, MessageEvent } = globalThis;
class Fields extends Event {
  data;
  origin;
  lastEventId;
  source = null;
  ports = [];
}
const target = new EventTarget();
let bytes = 0;
target.addEventListener('message', (e) => (bytes += e.data.length));
const data = 'x'.repeat(63);

async function run(n) {
  for (let i = 0; i < n; i++) {
    const event = Reflect.construct(Fields, ['message'], MessageEvent);
    event.data = data;
    event.origin = 'http://127.0.0.1';
    event.lastEventId = '';
    target.dispatchEvent(event);
    await null;
  }
}

const n = Number(process.argv[2] ?? 1e6);
await run(n / 5); // warm-up
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  await run(n);
  const ms = performance.now() - t0;
  console.log(`node dispatch floor: ${Math.round(n / ms)}k events/s (${((ms * 1000) / n).toFixed(3)} µs an event)`);
}
if (bytes !== (n / 5 + 3 * n) * 63) throw new Error('lost events');
