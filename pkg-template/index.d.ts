// Types for eventsource-wasm: the DOM's EventSource, plus the options native lacks. They name
// only what the DOM, WebWorker and @types/node globals all declare (no HeadersInit, BodyInit or
// generic MessageEvent outside the DOM), so that they check in browser, worker and Node projects.

/** What `new Headers(init)` takes: a record, a list of pairs or a Headers. */
type HeadersInitLike = ConstructorParameters<typeof Headers>[0];
/** What fetch takes as a request body. */
type BodyInitLike = NonNullable<RequestInit['body']>;
type Listener = ((event: Event) => any) | { handleEvent(event: Event): any };

/** Headers for each (re)connection: a record, a list of pairs, a Headers, or a function of the attempt. */
export type HeadersOption = HeadersInitLike | ((attempt: number) => HeadersInitLike | undefined);

/** A message: a MessageEvent whose data is the event's data, a string. */
export interface EventSourceMessageEvent extends MessageEvent {
  readonly data: string;
}

export interface RetryOptions {
  /** First reconnection delay in ms (the spec's reconnection time). A server `retry:` replaces it. Default 3000. */
  initialDelay?: number;
  /** Largest delay in ms. Default 60000. */
  maxDelay?: number;
  /** Growth per consecutive failure (>= 1). Default 2. */
  multiplier?: number;
  /** Relative spread in [0, 1]: each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. Default 0.2. */
  jitter?: number;
}

export interface EventSourceWasmInit {
  /** Whether cross-origin requests send credentials (cookies), as native. */
  withCredentials?: boolean;
  /** Sent with every (re)connection. Validated at construction. */
  headers?: HeadersOption;
  /** HTTP method, default 'GET'. Validated at construction; CONNECT, TRACE and TRACK are refused. */
  method?: string;
  /** Request body (not with GET or HEAD), or a function of the attempt returning one. */
  body?: BodyInitLike | ((attempt: number) => BodyInitLike);
  /** Replaces the global fetch. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** The initial Last-Event-ID. */
  lastEventId?: string;
  /** Exponential backoff between consecutive failures (reset after a successful connection). Without it the delay is fixed, as native. */
  retry?: RetryOptions;
  /** Consecutive failed attempts before giving up (CLOSED, one final error). Default Infinity. */
  maxRetries?: number;
  /** Statuses that reconnect instead of failing (e.g. [429, 502, 503, 504]); Retry-After is honoured. */
  retryOnStatus?: number[];
  /** Milliseconds without any byte (comments count) before the connection is dropped and re-established. 0 = off. */
  inactivityTimeout?: number;
  /** Send the last event ID as this query parameter instead of the Last-Event-ID header (avoids a CORS preflight); true means 'lastEventId', false (or absent) the header. */
  lastEventIdQueryParam?: string | boolean;
  /** Longest line in bytes before the connection fails with an error; 0 = no limit (the spec's default). */
  maxLineLength?: number;
  /** Largest event data in bytes before the connection fails with an error; 0 = no limit. */
  maxEventSize?: number;
  /**
   * One upstream connection for every same-origin page, iframe and dedicated worker whose shared
   * source has the same URL, withCredentials, headers, method, body and lastEventIdQueryParam.
   * A function `headers` or `body`, a non-string `body` or a `fetch` option throws TypeError.
   * Without navigator.locks or BroadcastChannel the source quietly has its own connection.
   */
  shared?: boolean;
}

/** Why an `error` event fired. */
export type EventSourceErrorReason =
  | 'network'
  | 'server-closed'
  | 'status'
  | 'content-type'
  | 'cors'
  | 'inactivity'
  | 'retries-exhausted'
  | 'line-too-long'
  | 'event-too-large'
  | 'request'
  | 'aborted';

/**
 * The `error` event, a plain Event with read-only extras. They are typed optional so that a
 * handler of the DOM's EventSource (which takes any Event) fits ours and back: the class always
 * sets `message`, `reason` and `willRetry`.
 */
export interface EventSourceErrorEvent extends Event {
  /** The HTTP status, when there was a response. */
  readonly code?: number;
  /** Why the error happened, in English. */
  readonly message?: string;
  /** Why the error happened, as a name to match (the Rust API's `ErrorKind::as_str()`). */
  readonly reason?: EventSourceErrorReason;
  /** Whether a reconnection follows (readyState CONNECTING) or the source is closed. */
  readonly willRetry?: boolean;
}

/**
 * What handlers see as `this`: what the DOM's EventSource and ours share, so that handlers
 * written for either fit both.
 */
export interface EventSourceLike extends EventTarget {
  readonly url: string;
  readonly withCredentials: boolean;
  readonly readyState: number;
  close(): void;
}

export interface EventSourceEventMap {
  error: EventSourceErrorEvent;
  message: EventSourceMessageEvent;
  open: Event;
}

export declare class EventSource extends EventTarget implements AsyncIterable<EventSourceMessageEvent> {
  constructor(url: string | URL, eventSourceInitDict?: EventSourceWasmInit);
  readonly url: string;
  readonly withCredentials: boolean;
  readonly readyState: 0 | 1 | 2;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSED: 2;
  /**
   * Settles when the WebAssembly module is ready; rejects if it cannot load. Optional: sources
   * made before then start their request at once and parse when the module is ready.
   */
  static readonly ready: Promise<void>;
  /**
   * Proposed (whatwg/html#12272): an EventSource over the bytes of `stream` (e.g. a `fetch()`
   * response body): `url` is `about:event-stream`, events have origin "null", and when the stream
   * ends or fails the complete events are delivered, then one `error` with CLOSED; it never
   * reconnects. Throws TypeError if the stream is locked.
   */
  static fromReadableStream(stream: ReadableStream<Uint8Array>): EventSource;
  /** Proposed (whatwg/html#12272): the last event ID string (what a reconnection sends). */
  readonly lastEventId: string;
  /** Proposed (whatwg/html#12272): the reconnection time in ms (a server's `retry:` sets it). */
  readonly reconnectionTime: number;
  onopen: ((this: EventSourceLike, ev: Event) => any) | null;
  onmessage: ((this: EventSourceLike, ev: EventSourceMessageEvent) => any) | null;
  onerror: ((this: EventSourceLike, ev: EventSourceErrorEvent) => any) | null;
  /** Proposed (whatwg/html#12272): drops the unfinished line and event before another stream's bytes. */
  reset(): void;
  close(): void;
  addEventListener<K extends keyof EventSourceEventMap>(type: K, listener: (this: EventSourceLike, ev: EventSourceEventMap[K]) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: (this: EventSourceLike, event: EventSourceMessageEvent) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: Listener, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof EventSourceEventMap>(type: K, listener: (this: EventSourceLike, ev: EventSourceEventMap[K]) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: (this: EventSourceLike, event: EventSourceMessageEvent) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: Listener, options?: boolean | EventListenerOptions): void;
  /** Yields every MessageEvent (any event type) until close(); leaving the loop closes the source. */
  [Symbol.asyncIterator](): AsyncIterator<EventSourceMessageEvent>;
}

export default EventSource;
