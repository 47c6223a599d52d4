// Catches what the library must never cause, in Node or a page: an unhandled promise rejection
// or an uncaught exception. Install a guard before the code under test runs; `assertClean()`
// fails with every such error seen since the last check (and forgets them, so one bad test does
// not fail the next).
import assert from 'node:assert/strict';

const describe = (e) => (e instanceof Error ? e.stack || `${e.name}: ${e.message}` : String(e));
const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function report(label, errors) {
  return `${label ? `${label}: ` : ''}${errors.length} unhandled error(s):\n${errors.map((e) => `  [${e.kind}] ${e.text}`).join('\n')}`;
}

/**
 * Node: collects `unhandledRejection` and `uncaughtException` of this process. Having a listener
 * keeps the process alive, so the failure shows up where the guard is checked.
 */
export function guardProcess() {
  const errors = [];
  const onRejection = (reason) => errors.push({ kind: 'unhandledRejection', text: describe(reason) });
  const onException = (err) => errors.push({ kind: 'uncaughtException', text: describe(err) });
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    errors,
    /** The errors seen so far, forgotten. */
    take: () => errors.splice(0),
    /** Waits `ms` (rejections are reported once the microtask queue drains), then asserts none. */
    async assertClean(label = '', ms = 30) {
      await settle(ms);
      const seen = errors.splice(0);
      assert.equal(seen.length, 0, report(label, seen));
    },
    dispose() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/**
 * Chromium (playwright-core): collects the page's uncaught exceptions (`pageerror`, which also
 * covers `reportError`) and, through an init script in every frame, its `unhandledrejection`
 * events. Call before the page navigates: init scripts only run in documents loaded later.
 * Workers are not covered.
 */
export async function guardPage(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push({ kind: 'pageerror', text: describe(e) }));
  await page.exposeBinding('__eventsourceGuard', ({ frame }, kind, text) => {
    errors.push({ kind, text: `${text} (in ${frame.url()})` });
  });
  await page.addInitScript(() => {
    globalThis.addEventListener('unhandledrejection', (e) => {
      const r = e.reason;
      const text = r instanceof Error ? r.stack || `${r.name}: ${r.message}` : String(r);
      globalThis.__eventsourceGuard?.('unhandledrejection', text);
    });
  });
  return {
    errors,
    take: () => errors.splice(0),
    /** Lets the page settle `ms` and reach us once more, then asserts no error was seen. */
    async assertClean(label = '', ms = 30) {
      if (!page.isClosed()) {
        await page.evaluate((ms) => new Promise((resolve) => setTimeout(resolve, ms)), ms).catch(() => {});
        // A binding call made just before the evaluate returned is delivered after it.
        await page.evaluate(() => 0).catch(() => {});
      }
      const seen = dedupe(errors.splice(0));
      assert.equal(seen.length, 0, report(label, seen));
    },
  };
}

/** Chromium reports an unhandled rejection twice (`unhandledrejection` and `pageerror`): count it once. */
function dedupe(errors) {
  const firstLine = (e) => e.text.split('\n')[0];
  const rejections = new Set(errors.filter((e) => e.kind === 'unhandledrejection').map(firstLine));
  return errors.filter((e) => e.kind !== 'pageerror' || !rejections.has(firstLine(e)));
}
