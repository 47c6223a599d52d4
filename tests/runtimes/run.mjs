// One row of tests/e2e/runtimes.test.mjs in Node, Deno or Bun: `run.mjs ours|native ORIGIN`
// imports the package by name (so the runtime's own export conditions pick the entry), runs the
// suite and prints `RESULT <json>`. It never exits by itself: the runtime must, once the suite
// is done (nothing left open).
import { EventSource as Ours } from 'eventsource-wasm';
import { runSuite } from './suite.mjs';

const [impl, origin] = globalThis.Deno?.args ?? process.argv.slice(2);
const ES = impl === 'native' ? globalThis.EventSource : Ours;
if (typeof ES !== 'function') {
  console.log(`RESULT ${JSON.stringify({ none: true })}`);
} else {
  if (impl === 'ours' && (ES === globalThis.EventSource || ES.name !== 'EventSource')) throw new Error('not our class');
  console.log(`RESULT ${JSON.stringify(await runSuite(ES, origin))}`);
}
