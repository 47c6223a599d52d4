// The scenarios every implementation must agree on: each is a URL on the local server, how long
// to record, and the trace the spec requires. `nativeDiffers` marks where Chromium's native
// EventSource departs from the spec; there we follow the spec (and check native still does
// what we said it does, so the note stays true).

const enc = (s) => encodeURIComponent(s);
const raw = (body, extra = '') => `/sse/raw?body=${enc(body)}${extra}`;
const m = (data, id = '', origin = 'self') => `message@1 ${JSON.stringify(data)} #${JSON.stringify(id)} ${origin}`;

export const scenarios = [
  {
    name: 'messages then server close reconnects',
    url: '/sse/messages?n=3&data=hello',
    max: 5,
    expect: ['open@1', m('hello 0', '1'), m('hello 1', '2'), m('hello 2', '3'), 'error@0'],
  },
  {
    name: 'CRLF line endings',
    url: '/sse/messages?n=2&data=x&eol=crlf',
    max: 3,
    expect: ['open@1', m('x 0', '1'), m('x 1', '2')],
  },
  {
    name: 'CR line endings',
    url: '/sse/messages?n=2&data=x&eol=cr',
    max: 3,
    expect: ['open@1', m('x 0', '1'), m('x 1', '2')],
  },
  {
    name: 'mixed line endings and CRLF split across chunks',
    url: raw('data:a\r\ndata:b\n\ndata:c\r\rdata:d\r\n\r\n', '&split=7,8,16,22&hold=1'),
    max: 4,
    expect: ['open@1', m('a\nb'), m('c'), m('d')],
  },
  {
    name: 'leading BOM stripped once',
    url: `/sse/raw?body=%EF%BB%BFdata:1%0A%0A%EF%BB%BFdata:2%0A%0Adata:3%0A%0A&split=1,2&hold=1`,
    max: 3,
    expect: ['open@1', m('1'), m('3')],
  },
  {
    name: 'UTF-8 split across chunks',
    url: `/sse/raw?body=data:%C3%A9%E2%82%AC%F0%9F%8E%89%0A%0A&split=6,8,10,12&hold=1`,
    max: 2,
    expect: ['open@1', m('é€🎉')],
  },
  {
    name: 'invalid UTF-8 becomes U+FFFD',
    url: `/sse/raw?body=data:a%FFb%E2%82%0Adata:%ED%A0%80%0A%0A&split=7&hold=1`,
    max: 2,
    expect: ['open@1', m('a\uFFFDb\uFFFD\n\uFFFD\uFFFD\uFFFD')],
  },
  {
    name: 'comments, unknown fields and field parsing',
    url: raw(': hi\nfoo: bar\ndata\ndata:  two spaces\nData: no\n\nevent\ndata:x\n\n', '&hold=1'),
    max: 3,
    expect: ['open@1', m('\n two spaces'), m('x')],
  },
  {
    name: 'ids: set, kept, reset by empty id, NUL ignored',
    url: raw('id: 1\ndata:a\n\ndata:b\n\nid: x\u0000y\ndata:c\n\nid\ndata:d\n\n', '&hold=1'),
    max: 5,
    expect: ['open@1', m('a', '1'), m('b', '1'), m('c', '1'), m('d', '')],
  },
  {
    name: 'unicode id',
    url: raw('id: …🎉\ndata:a\n\n', '&hold=1'),
    max: 2,
    expect: ['open@1', m('a', '…🎉')],
  },
  {
    name: 'named event types go to their listeners only',
    url: raw('event: add\ndata:1\n\nevent: remove\ndata:2\n\ndata:3\n\n', '&hold=1'),
    types: ['add'],
    max: 3,
    expect: ['open@1', 'add@1 "1" #"" self', m('3')],
  },
  {
    name: 'unterminated event at end of stream is dropped',
    url: raw('data:a\n\ndata:b'),
    max: 3,
    expect: ['open@1', m('a'), 'error@0'],
  },
  {
    name: 'retry field sets the reconnection delay; Last-Event-ID resumes',
    url: '/sse/resume?key=$KEY&per_conn=2&total=4&retry=30',
    max: 9,
    expect: ['open@1', m('event 1', '1'), m('event 2', '2'), 'error@0', 'open@1', m('event 3', '3'), m('event 4', '4'), 'error@0', 'error@2'],
  },
  { name: 'status 204 fails the connection', url: '/sse/status?code=204', expect: ['error@2'] },
  { name: 'status 404 fails the connection', url: '/sse/status?code=404', expect: ['error@2'] },
  { name: 'status 500 fails the connection', url: '/sse/status?code=500', expect: ['error@2'] },
  { name: 'status 503 fails the connection', url: '/sse/status?code=503', expect: ['error@2'] },
  {
    name: 'wrong content type fails the connection',
    url: '/sse/messages?n=1&ct=text/plain',
    expect: ['error@2'],
  },
  { name: 'missing content type fails the connection', url: '/sse/messages?n=1&ct=none', expect: ['error@2'] },
  {
    name: 'content type parameters are accepted',
    url: `/sse/messages?n=1&ct=${enc('text/event-stream; foo=bar')}&hold=1`,
    max: 2,
    expect: ['open@1', m('hello 0', '1')],
  },
  {
    name: 'charset parameter changes nothing: the body is UTF-8',
    url: `/sse/raw?body=data:%E2%82%AC%0A%0A&ct=${enc('text/event-stream;charset=windows-1252')}&hold=1`,
    max: 2,
    expect: ['open@1', m('€')],
    nativeDiffers: 'Chromium fails the connection when the charset is not UTF-8; the spec decodes as UTF-8 regardless.',
  },
  {
    name: '307 redirect is followed',
    url: `/sse/redirect?code=307&to=${enc('/sse/messages?n=1&hold=1')}`,
    max: 2,
    expect: ['open@1', m('hello 0', '1')],
  },
  {
    name: '301 redirect is followed',
    url: `/sse/redirect?code=301&to=${enc('/sse/messages?n=1&hold=1')}`,
    max: 2,
    expect: ['open@1', m('hello 0', '1')],
  },
  {
    name: 'cross-origin redirect with CORS: origin is the final URL',
    url: `/sse/redirect?code=307&to=${enc('$CROSS/sse/messages?n=1&hold=1&acao=*')}`,
    max: 2,
    expect: ['open@1', m('hello 0', '1', 'cross')],
  },
  {
    name: 'cross-origin with CORS',
    url: '$CROSS/sse/messages?n=1&hold=1&acao=*',
    max: 2,
    expect: ['open@1', m('hello 0', '1', 'cross')],
  },
  {
    name: 'cross-origin CORS failure fails the connection (no retry)',
    browserOnly: true,
    url: '$CROSS/sse/messages?n=1&acao=none',
    expect: ['error@2'],
  },
  {
    name: 'cross-origin redirect without CORS fails the connection',
    browserOnly: true,
    url: `/sse/redirect?code=307&to=${enc('$CROSS/sse/messages?n=1&acao=none')}`,
    expect: ['error@2'],
  },
  {
    name: 'withCredentials with a wildcard origin fails the connection',
    browserOnly: true,
    url: '$CROSS/sse/messages?n=1&acao=*',
    init: { withCredentials: true },
    expect: ['error@2'],
  },
  {
    name: 'withCredentials with allowed credentials works',
    url: '$CROSS/sse/messages?n=1&hold=1&acao=origin&acac=true',
    init: { withCredentials: true },
    max: 2,
    expect: ['open@1', m('hello 0', '1', 'cross')],
  },
  {
    name: 'slow drip arrives event by event',
    url: '/sse/drip?n=4&interval=40&size=8',
    max: 5,
    expect: ['open@1', m('xxxxxxxx', '1'), m('xxxxxxxx', '2'), m('xxxxxxxx', '3'), m('xxxxxxxx', '4')],
  },
  {
    name: 'connection reset mid-stream reconnects',
    url: '/sse/reset?after=16',
    max: 3,
    expect: ['open@1', m('x'), 'error@0'],
    maybeMore: true,
  },
  {
    name: 'unreachable server is a network error (retried)',
    url: 'http://127.0.0.1:9/',
    max: 1,
    expect: ['error@0'],
  },
  { name: 'ftp: URL fails after construction', url: 'ftp://127.0.0.1/', expect: ['error@2'] },
  {
    name: 'data: URL with an event stream works, origin "null"',
    url: 'data:text/event-stream,data:hi%0A%0A',
    max: 3,
    expect: ['open@1', 'message@1 "hi" #"" null', 'error@0'],
  },
  { name: 'data: URL with another MIME type fails', url: 'data:text/plain,data:hi%0A%0A', expect: ['error@2'] },
  { name: 'about:blank fails after construction', url: 'about:blank', expect: ['error@2'] },
  { name: 'invalid URL throws SyntaxError',
    browserOnly: true, url: 'http://this is invalid/', expect: ['throws SyntaxError'], nativeDiffers: 'Chromium percent-encodes the space in the host; the URL Standard rejects it.' },
];

/** Fills in $KEY, $CROSS and a relative base for a scenario. */
export function resolveUrl(s, server, key) {
  let url = s.url.replaceAll('$KEY', key).replaceAll(encodeURIComponent('$CROSS'), encodeURIComponent(server.crossOrigin)).replaceAll('$CROSS', server.crossOrigin);
  if (url.startsWith('/')) url = server.origin + url;
  return url;
}
