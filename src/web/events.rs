//! What an [`EventSource`](super::EventSource) stream yields: the DOM's `open`, `message` (and
//! custom types) and `error` events, as plain Rust values.

/// One item of the stream, in the order the JS class would dispatch the events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceEvent {
    /// spec: announce the connection (readyState OPEN).
    Open,
    /// spec: dispatch the event (`message` or the stream's `event:` type).
    Message(Message),
    /// The connection was lost or failed; see [`ErrorEvent::will_retry`].
    Error(ErrorEvent),
}

/// A `MessageEvent`'s fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `message` unless the event had an `event:` field.
    pub event_type: String,
    pub data: String,
    /// The last event ID when the event was dispatched (`lastEventId`).
    pub last_event_id: String,
    /// The origin of the response's final URL (after redirects), e.g. `https://example.com`.
    pub origin: String,
}

/// Why an `error` event fires, and what follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEvent {
    /// Why, in English (the JS class's `error.message`).
    pub message: String,
    /// The HTTP status, when a response was received (`error.code`).
    pub status: Option<u16>,
    /// `true`: the source reconnects (readyState CONNECTING). `false`: it is CLOSED and the
    /// stream ends after this item.
    pub will_retry: bool,
}
