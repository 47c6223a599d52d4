//! What an [`EventSource`](super::EventSource) stream yields: the DOM's `open`, `message` (and
//! custom types) and `error` events, as plain Rust values.

/// One item of the stream, in the order the JS class would dispatch the events.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceEvent {
    /// spec: announce the connection (readyState OPEN).
    Open,
    /// spec: dispatch the event (`message` or the stream's `event:` type).
    Message(Message),
    /// The connection was lost or failed; see [`ErrorEvent::will_retry`] and
    /// [`ErrorEvent::kind`].
    Error(ErrorEvent),
}

/// A `MessageEvent`'s fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message {
    /// `message` unless the event had an `event:` field.
    pub event_type: String,
    /// The event's data: its `data:` lines joined with `\n`.
    pub data: String,
    /// The last event ID when the event was dispatched (`lastEventId`).
    pub last_event_id: String,
    /// The origin of the response's final URL (after redirects), e.g. `https://example.com`.
    pub origin: String,
}

/// Why an `error` event fires, and what follows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorEvent {
    /// Why, as a value to match on.
    pub kind: ErrorKind,
    /// Why, in English, with the browser's details where it gave any (the JS class's
    /// `error.message`). For people, not for matching: use [`kind`](Self::kind).
    pub message: String,
    /// The HTTP status, when a response was received (`error.code`).
    pub status: Option<u16>,
    /// `true`: the source reconnects (readyState CONNECTING). `false`: it is CLOSED and the
    /// stream ends after this item.
    pub will_retry: bool,
}

/// Why a connection failed or was lost: the reason of an [`ErrorEvent`].
///
/// Whether the source reconnects is [`ErrorEvent::will_retry`]: most kinds always close or
/// always retry (as documented on each), [`Status`](Self::Status) retries only for the
/// statuses given to [`Builder::retry_on_status`](super::Builder::retry_on_status), and any
/// retried kind closes instead once [`Builder::max_retries`](super::Builder::max_retries) is
/// exceeded (then the kind is [`RetriesExhausted`](Self::RetriesExhausted)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server could not be reached, or the connection broke (retried).
    Network,
    /// The server ended the response body (retried, as the spec says).
    ServerClosed,
    /// The response status is not 200 (closes), or is one of the statuses to retry on (retried,
    /// waiting at least what `Retry-After` says).
    Status(u16),
    /// A 200 response whose `Content-Type` is not `text/event-stream` (closes).
    ContentType,
    /// A cross-origin response failed the CORS check (closes).
    Cors,
    /// No byte arrived within [`Builder::inactivity_timeout`](super::Builder::inactivity_timeout)
    /// (retried).
    Inactivity,
    /// The failures exceeded [`Builder::max_retries`](super::Builder::max_retries): the source
    /// gave up (closes). [`ErrorEvent::status`] is the last failure's status, if it had one.
    RetriesExhausted,
    /// A line exceeded [`Builder::max_line_length`](super::Builder::max_line_length) (closes).
    LineTooLong,
    /// An event's data exceeded [`Builder::max_event_size`](super::Builder::max_event_size)
    /// (closes).
    EventTooLarge,
    /// The request could not be made: a URL scheme fetch cannot stream from, or headers or a
    /// body the browser refuses (closes).
    Request,
    /// The request was aborted by something else than this source, e.g. `window.stop()`
    /// (closes).
    Aborted,
}

impl ErrorKind {
    /// A short stable name, for logs and metrics: `"network"`,
    /// `"server-closed"`, `"status"`, `"content-type"`, `"cors"`, `"inactivity"`,
    /// `"retries-exhausted"`, `"line-too-long"`, `"event-too-large"`, `"request"`, `"aborted"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorKind::Network => "network",
            ErrorKind::ServerClosed => "server-closed",
            ErrorKind::Status(_) => "status",
            ErrorKind::ContentType => "content-type",
            ErrorKind::Cors => "cors",
            ErrorKind::Inactivity => "inactivity",
            ErrorKind::RetriesExhausted => "retries-exhausted",
            ErrorKind::LineTooLong => "line-too-long",
            ErrorKind::EventTooLarge => "event-too-large",
            ErrorKind::Request => "request",
            ErrorKind::Aborted => "aborted",
        }
    }
}

impl core::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ErrorKind::Status(code) => write!(f, "status {code}"),
            other => f.write_str(other.as_str()),
        }
    }
}
