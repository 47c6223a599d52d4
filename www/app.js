// The live demo: a stock ticker written as plain EventSource code, exactly as a page would use the
// browser's own; index.html removed the native one, so `EventSource` here is eventsource-wasm.
'use strict';

(() => {
  const TICKER_URL = '/demo/ticker';
  const STATES = ['CONNECTING', 'OPEN', 'CLOSED'];
  const SYMBOLS = [
    ['ACME', 'Acme Corp.'],
    ['GLOBX', 'Globex'],
    ['INITECH', 'Initech'],
    ['UMBRL', 'Umbrella'],
    ['WAYNE', 'Wayne Enterprises'],
  ];
  const SPARK_POINTS = 24;
  const LOG_LIMIT = 60;

  const $ = (id) => document.getElementById(id);
  const el = {
    state: $('state'),
    stateText: $('state-text'),
    lastId: $('last-id'),
    events: $('events'),
    reconnects: $('reconnects'),
    server: $('server-stats'),
    resume: $('resume'),
    body: $('ticker-body'),
    log: $('log'),
    drop: $('drop'),
    close: $('close'),
    reconnect: $('reconnect'),
    impl: $('impl'),
  };

  // What the page has seen, for readers in the devtools console and for the e2e test.
  const demo = {
    states: [],
    ticks: 0,
    reconnects: 0,
    lastEventId: '',
    resumes: [],
    impl: '',
  };
  window.demo = demo;

  let source = null;
  let shownState = -1;
  // The lastEventId when the current reconnect began; the next tick tells whether the server resumed after it.
  let resumeFrom = null;

  const rows = new Map();
  for (const [symbol, name] of SYMBOLS) rows.set(symbol, makeRow(symbol, name));

  function makeRow(symbol, name) {
    const tr = document.createElement('tr');
    tr.innerHTML = `
      <th scope="row"><span class="sym"></span><span class="name"></span></th>
      <td class="num price">—</td>
      <td class="num change flat">—</td>
      <td class="trend-col"><svg class="spark" viewBox="0 0 100 28" preserveAspectRatio="none" aria-hidden="true"><polyline points=""></polyline></svg></td>
      <td class="num seq">—</td>`;
    tr.querySelector('.sym').textContent = symbol;
    tr.querySelector('.name').textContent = name;
    el.body.append(tr);
    return {
      tr,
      price: tr.querySelector('.price'),
      change: tr.querySelector('.change'),
      line: tr.querySelector('polyline'),
      seq: tr.querySelector('.seq'),
      history: [],
    };
  }

  const clock = (d = new Date()) =>
    `${d.toLocaleTimeString('en-GB', { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;

  function log(kind, text) {
    const li = document.createElement('li');
    li.className = 'entry';
    li.dataset.kind = kind;
    const time = document.createElement('time');
    time.dateTime = new Date().toISOString();
    time.textContent = clock();
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = kind;
    const msg = document.createElement('span');
    msg.className = 'msg';
    msg.textContent = text;
    li.append(time, badge, msg);
    el.log.prepend(li);
    while (el.log.children.length > LOG_LIMIT) el.log.lastElementChild.remove();
  }

  // The badge always shows the source's own readyState, whatever changed it.
  function renderState() {
    const state = source ? source.readyState : EventSource.CLOSED;
    if (state === shownState) return;
    shownState = state;
    const name = STATES[state] ?? String(state);
    demo.states.push(name);
    el.state.dataset.state = name;
    el.stateText.textContent = name;
    el.drop.disabled = state !== EventSource.OPEN;
    el.close.disabled = state === EventSource.CLOSED;
  }

  function showResume(kind, text, data = {}) {
    el.resume.hidden = false;
    el.resume.className = `resume ${kind}`;
    el.resume.textContent = text;
    for (const key of Object.keys(el.resume.dataset)) delete el.resume.dataset[key];
    Object.assign(el.resume.dataset, data);
  }

  function onTick(event) {
    const { symbol, price, seq } = JSON.parse(event.data);
    demo.ticks += 1;
    demo.lastEventId = event.lastEventId;
    el.events.textContent = demo.ticks.toLocaleString('en-US');
    el.lastId.textContent = event.lastEventId || '—';

    if (resumeFrom !== null) {
      const expected = Number(resumeFrom) + 1;
      const resume = { from: resumeFrom, firstSeq: seq, ok: seq === expected };
      demo.resumes.push(resume);
      if (resume.ok) {
        showResume('ok', `Resumed from id ${resumeFrom}: the first event after reconnecting was #${seq}, nothing missed.`, {
          from: resumeFrom,
          firstSeq: String(seq),
        });
        log('resume', `resumed from id ${resumeFrom} (next event #${seq})`);
      } else {
        showResume('gap', `Expected event #${expected} after reconnecting, got #${seq}.`, { from: resumeFrom, firstSeq: String(seq) });
        log('resume', `gap: expected #${expected}, got #${seq}`);
      }
      resumeFrom = null;
    }

    const row = rows.get(symbol) ?? rows.set(symbol, makeRow(symbol, '')).get(symbol);
    const previous = row.history.at(-1);
    row.history.push(price);
    if (row.history.length > SPARK_POINTS) row.history.shift();
    row.price.textContent = price.toFixed(2);
    row.seq.textContent = `#${seq}`;
    if (previous !== undefined) {
      const diff = price - previous;
      const dir = diff > 0 ? 'up' : diff < 0 ? 'down' : 'flat';
      const arrow = dir === 'up' ? '▲' : dir === 'down' ? '▼' : '•';
      const pct = (diff / previous) * 100;
      row.change.className = `num change ${dir}`;
      const icon = document.createElement('span');
      icon.setAttribute('aria-hidden', 'true');
      icon.textContent = `${arrow} `;
      const spoken = document.createElement('span');
      spoken.className = 'visually-hidden';
      spoken.textContent = dir === 'flat' ? 'unchanged ' : `${dir} `;
      const pctText = document.createElement('span');
      pctText.className = 'pct';
      pctText.textContent = ` (${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(2)}%)`;
      row.change.replaceChildren(icon, spoken, Math.abs(diff).toFixed(2), pctText);
      row.tr.dataset.dir = dir;
    }
    drawSpark(row);
    // Restarting the CSS animation needs a style flush between removing and adding the class.
    row.tr.classList.remove('flash');
    void row.tr.offsetWidth;
    row.tr.classList.add('flash');
    renderState();
  }

  function drawSpark(row) {
    const h = row.history;
    if (h.length < 2) {
      row.line.setAttribute('points', '');
      return;
    }
    const min = Math.min(...h);
    const span = Math.max(...h) - min || 1;
    const step = 100 / (h.length - 1);
    row.line.setAttribute('points', h.map((p, i) => `${(i * step).toFixed(1)},${(25 - ((p - min) / span) * 22).toFixed(1)}`).join(' '));
    row.line.dataset.dir = h.at(-1) >= h[0] ? 'up' : 'down';
  }

  function connect() {
    source = new EventSource(TICKER_URL);
    const mine = source;
    log('info', `new EventSource('${TICKER_URL}')`);
    source.addEventListener('open', () => {
      if (mine !== source) return;
      renderState();
      log('open', `connected, readyState OPEN${demo.lastEventId ? ` (Last-Event-ID ${demo.lastEventId})` : ''}`);
      refreshStats();
    });
    source.addEventListener('error', () => {
      if (mine !== source) return;
      renderState();
      if (source.readyState === EventSource.CONNECTING) {
        demo.reconnects += 1;
        el.reconnects.textContent = String(demo.reconnects);
        resumeFrom = demo.lastEventId || null;
        log('error', 'stream ended, readyState CONNECTING: reconnecting');
      } else {
        log('error', 'connection failed, readyState CLOSED');
      }
      refreshStats();
    });
    source.addEventListener('tick', (event) => {
      if (mine === source) onTick(event);
    });
    renderState();
  }

  el.drop.addEventListener('click', async () => {
    log('info', 'POST /demo/drop: the server ends every ticker stream');
    try {
      await fetch('/demo/drop', { method: 'POST' });
    } catch (e) {
      log('error', `drop request failed: ${e.message}`);
    }
  });

  el.close.addEventListener('click', () => {
    source?.close();
    resumeFrom = null;
    renderState();
    log('info', 'close(): readyState CLOSED, no more reconnects');
    setTimeout(refreshStats, 300);
  });

  el.reconnect.addEventListener('click', () => {
    source?.close();
    resumeFrom = null;
    demo.lastEventId = '';
    el.lastId.textContent = '—';
    showResume('fresh', 'New EventSource: a fresh stream without Last-Event-ID starts again at #1.', { fresh: 'true' });
    connect();
  });

  let statsBusy = false;
  async function refreshStats() {
    if (statsBusy) return;
    statsBusy = true;
    try {
      const res = await fetch('/demo/stats', { cache: 'no-store' });
      const { open_streams: open, total_connections: total } = await res.json();
      el.server.textContent = '';
      const main = document.createElement('span');
      main.textContent = `sees ${open} open stream${open === 1 ? '' : 's'}`;
      const sub = document.createElement('span');
      sub.className = 'sub';
      sub.textContent = `${total} connection${total === 1 ? '' : 's'} so far`;
      el.server.append(main, sub);
    } catch {
      el.server.textContent = 'unreachable';
    } finally {
      statsBusy = false;
    }
  }

  const ours = typeof window.EventSourceWasm === 'function' && window.EventSource === window.EventSourceWasm;
  demo.impl = ours ? 'eventsource-wasm' : typeof window.EventSource === 'function' ? 'native' : 'none';
  el.impl.dataset.impl = demo.impl;
  el.impl.textContent = ours
    ? `Running eventsource-wasm${window.nativeEventSourceRemoved ? ' · native EventSource removed' : ''}`
    : demo.impl === 'native'
      ? 'Running the browser’s native EventSource (eventsource-wasm did not load)'
      : 'No EventSource available: /pkg/eventsource-wasm.min.js did not load (run `make build`)';

  if (typeof window.EventSource !== 'function') {
    el.state.dataset.state = 'CLOSED';
    el.stateText.textContent = 'UNAVAILABLE';
    for (const b of [el.drop, el.close, el.reconnect]) b.disabled = true;
    return;
  }
  connect();
  setInterval(renderState, 200);
  setInterval(refreshStats, 2000);
})();
