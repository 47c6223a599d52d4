// The scale benchmark's SSE server (tests/e2e/bench/scale.mjs), a process of its own so that its
// sockets and memory are not counted as the clients'. It prints its port as one JSON line and
// exits when its stdin closes. Binds 127.0.0.1 only.
//
//   GET /sse          an event stream: one event ("hello") at once, then held open; every
//                     tick of a fan-out writes to it
//   GET /fanout?n=N   starts N ticks, one a second: each writes `data: <seq> <ms>` (the tick's
//                     number and the server's Date.now()) to every open stream
//   GET /count        the number of open streams, as text
import http from 'node:http';

const streams = new Set();
let ticking = null;

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.write('data: hello\n\n');
    streams.add(res);
    res.on('close', () => streams.delete(res));
  } else if (url.pathname === '/fanout') {
    clearInterval(ticking);
    const n = Number(url.searchParams.get('n') ?? 30);
    let seq = 0;
    ticking = setInterval(() => {
      const line = `data: ${++seq} ${Date.now()}\n\n`;
      for (const s of streams) s.write(line);
      if (seq >= n) clearInterval(ticking);
    }, 1000);
    res.end('started');
  } else if (url.pathname === '/count') {
    res.end(String(streams.size));
  } else {
    res.writeHead(404).end();
  }
});
// Thousands of connections arrive at once.
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
server.keepAliveTimeout = 0;
server.requestTimeout = 0;
server.headersTimeout = 0;
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
