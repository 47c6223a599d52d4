// The chaos test's client, the same in Node and in a page (the chaos server serves this file):
// one EventSource against /sse until every event arrived over enough connections. No imports.

/**
 * Runs `Impl` against `url` and resolves with what it saw: `messages` ([type, data, lastEventId]
 * per message event, in order), `endings` (each error event's message: one per connection that
 * ended), `why` it stopped, and anything that should not happen (`problems`).
 */
export function runChaos(Impl, url, { total, minConnections, timeout, types, init }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const messages = [];
    const problems = [];
    const errors = {};
    let opens = 0;
    const endings = [];
    let done = false;
    const es = new Impl(url, init);
    const finish = (why) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      es.close();
      // Anything dispatched after close() is a problem too: give it a moment to show.
      setTimeout(() => resolve({ why, messages, endings, opens, errors, problems, ms: Date.now() - started }), 30);
    };
    const enough = () => messages.length >= total && endings.length >= minConnections;
    const onMessage = (e) => {
      if (done) return problems.push(`a ${e.type} event after close(): ${JSON.stringify(e.data).slice(0, 80)}`);
      if (es.readyState !== 1) problems.push(`a ${e.type} event while readyState is ${es.readyState}`);
      messages.push([e.type, e.data, e.lastEventId]);
      if (messages.length > total) finish('more messages than the stream has');
      else if (enough()) finish('done');
    };
    es.addEventListener('message', onMessage);
    for (const t of types) es.addEventListener(t, onMessage);
    es.onopen = () => {
      if (done) problems.push('an open event after close()');
      opens++;
    };
    es.onerror = (e) => {
      if (done) return problems.push('an error event after close()');
      const key = `${e.code ?? '-'} ${e.message}`;
      errors[key] = (errors[key] ?? 0) + 1;
      if (es.readyState === 2 || e.willRetry === false) {
        problems.push(`gave up after ${endings.length} connections: readyState ${es.readyState}, willRetry ${e.willRetry}, code ${e.code}, ${e.message}`);
        return finish('closed');
      }
      endings.push(String(e.message));
      if (enough()) finish('done');
    };
    const timer = setTimeout(() => finish('timeout'), timeout);
  });
}
