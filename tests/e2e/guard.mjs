// Catches what the library must never cause, in Node or a page: an unhandled promise rejection
// or an uncaught exception. Install a guard before the code under test runs; `assertClean()`
// fails with every such error seen since the last check, or since `mark()` when given its value
// (for a test that checks only what happened while it ran).
import assert from 'node:assert/strict';

const describe = (e) => (e instanceof Error ? e.stack || `${e.name}: ${e.message}` : String(e));
const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** What both guards share: every error seen, and how far they were checked. */
function collector(beforeCheck, filter = (errors) => errors) {
  const errors = [];
  let checked = 0;
  const guard = {
    errors,
    /** Where the errors seen from now on begin. */
    mark: () => errors.length,
    /** The errors seen since the last check (or `from`), now counted as checked. */
    take(from = checked) {
      checked = errors.length;
      return filter(errors.slice(from));
    },
    /** Lets pending reports arrive (`ms`), then asserts there was none since `from`. */
    async assertClean(label = '', ms = 30, from = checked) {
      await beforeCheck(ms);
      const seen = guard.take(from);
      const list = seen.map((e) => `  [${e.kind}] ${e.text}`).join('\n');
      assert.equal(seen.length, 0, `${label ? `${label}: ` : ''}${seen.length} unhandled error(s):\n${list}`);
    },
  };
  return guard;
}

/**
 * Node: collects `unhandledRejection` and `uncaughtException` of this process. Having a listener
 * keeps the process alive, so the failure shows up where the guard is checked. `exclusive`
 * takes the other listeners off until `dispose()`: node:test's own would end the running test at
 * the first error and start the next one while the first still runs, which then gets blamed for
 * the rest; an exclusive guard lets a test run to its end and report everything it caused.
 */
export function guardProcess({ exclusive = false } = {}) {
  // Rejections are reported once the microtask queue drains: a short wait lets them in.
  const guard = collector(settle);
  const events = ['unhandledRejection', 'uncaughtException'];
  const others = exclusive ? events.map((event) => [event, process.rawListeners(event)]) : [];
  for (const [event] of others) process.removeAllListeners(event);
  const onRejection = (reason) => guard.errors.push({ kind: 'unhandledRejection', text: describe(reason) });
  const onException = (err) => guard.errors.push({ kind: 'uncaughtException', text: describe(err) });
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  guard.dispose = () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    for (const [event, listeners] of others) for (const l of listeners) process.on(event, l);
    others.length = 0;
  };
  return guard;
}

/**
 * Chromium (playwright-core): collects the page's uncaught exceptions (`pageerror`, which also
 * covers `reportError`) and, through an init script in every frame, its `unhandledrejection`
 * events. Call before the page navigates: init scripts only run in documents loaded later.
 * Workers are not covered.
 */
export async function guardPage(page) {
  const guard = collector(async (ms) => {
    if (page.isClosed()) return;
    await page.evaluate((ms) => new Promise((resolve) => setTimeout(resolve, ms)), ms).catch(() => {});
    // A binding call made just before that evaluate returned arrives after it.
    await page.evaluate(() => 0).catch(() => {});
  }, dedupe);
  page.on('pageerror', (e) => guard.errors.push({ kind: 'pageerror', text: describe(e) }));
  await page.exposeBinding('__eventsourceGuard', ({ frame }, kind, text) => {
    guard.errors.push({ kind, text: `${text} (in ${frame.url()})` });
  });
  await page.addInitScript(() => {
    globalThis.addEventListener('unhandledrejection', (e) => {
      const r = e.reason;
      const text = r instanceof Error ? r.stack || `${r.name}: ${r.message}` : String(r);
      globalThis.__eventsourceGuard?.('unhandledrejection', text);
    });
  });
  return guard;
}

/** Chromium reports an unhandled rejection twice (`unhandledrejection` and `pageerror`): count it once. */
function dedupe(errors) {
  const firstLine = (e) => e.text.split('\n')[0];
  const rejections = new Set(errors.filter((e) => e.kind === 'unhandledrejection').map(firstLine));
  return errors.filter((e) => e.kind !== 'pageerror' || !rejections.has(firstLine(e)));
}

/**
 * Runs `body` and then checks `guard` (from guardProcess or guardPage) for errors that escaped
 * while it ran, whatever `body` did: an escaped error is the likelier culprit of a failure, and
 * the body's own failure is told too.
 */
export async function checkedBy(guard, label, body) {
  const from = guard.mark();
  let failure = null;
  try {
    await body();
  } catch (e) {
    failure = e;
  }
  try {
    await guard.assertClean(label, 50, from);
  } catch (e) {
    if (!failure) throw e;
    throw new Error(`${e.message}\n\nand the case failed too: ${failure.message}`);
  } finally {
    guard.dispose?.();
  }
  if (failure) throw failure;
}
