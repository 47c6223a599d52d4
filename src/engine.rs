//! The reconnection engine: a sans-IO state machine for one `EventSource`. The caller owns fetch,
//! timers and the clock; it feeds [`Input`]s with the current time and carries out the
//! [`Action`]s handed to its [`Output`].
//!
//! The engine never sees a URL: the caller builds each request (URL, headers, the
//! `Last-Event-ID` the engine hands it) and derives the events' origin from the response URL.
//! It works on bytes, as the parser does (see [`crate::parser`] on decoding).

use crate::parser::{self, Limits, Parser};
use crate::retry::{RetryPolicy, Rng};

/// spec: the `readyState` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ReadyState {
    /// The connection is being made, or the source waits to reconnect.
    Connecting = 0,
    /// The connection is open: events arrive.
    Open = 1,
    /// Closed for good: no reconnection follows.
    Closed = 2,
}

/// The two timers an engine may run; one of each at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// The wait before reconnecting.
    Reconnect,
    /// Fires when no bytes arrived for the inactivity timeout.
    Inactivity,
}

/// Everything that shapes one source's behaviour. [`Config::new`] is native EventSource.
#[derive(Debug, Clone)]
pub struct Config {
    /// Cross-origin requests carry credentials (`withCredentials`).
    pub with_credentials: bool,
    /// The initial last event ID (option `lastEventId`), as UTF-8.
    pub last_event_id: Vec<u8>,
    /// The reconnection delays (in ms).
    pub retry: RetryPolicy,
    /// Consecutive failed attempts allowed before giving up; `None` never gives up.
    pub max_retries: Option<u32>,
    /// Statuses that reconnect instead of failing the connection.
    pub retry_on_status: Vec<u16>,
    /// Milliseconds without any byte before the connection is dropped and re-established; 0 = off.
    pub inactivity_timeout: u64,
    /// The parser's size limits.
    pub limits: Limits,
    /// Seed for the jitter generator.
    pub seed: u64,
}

impl Config {
    /// Native behaviour.
    pub fn new() -> Self {
        Config {
            with_credentials: false,
            last_event_id: Vec::new(),
            retry: RetryPolicy::NATIVE,
            max_retries: None,
            retry_on_status: Vec::new(),
            inactivity_timeout: 0,
            limits: Limits::default(),
            seed: 1,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

/// The head of a response, as plain values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header value, if any.
    pub content_type: Option<&'a [u8]>,
    /// The `Retry-After` header as a wait in ms, if any (see [`crate::retry::parse_retry_after`];
    /// the wasm builds read it in JS, where the wall clock is).
    pub retry_after: Option<u64>,
}

/// What happened, told to the engine by its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    // Declared first: the other variants' tags then count up in the order of the C ABI's input
    // kinds (`ffi::kind`), a slightly smaller mapping in wasm.
    /// The fetch resolved with a response head.
    Response(Response<'a>),
    /// Begin the first connection.
    Start,
    /// Bytes of the response body.
    Body(&'a [u8]),
    /// The body ended normally.
    End,
    /// A network error: the server could not be reached or the connection broke. The caller
    /// keeps its details: the error it causes has no message of the engine's.
    NetworkError,
    /// A fetch failure that must not be retried (e.g. a failed CORS check, a URL scheme fetch
    /// cannot stream from); the caller keeps the details, as for `NetworkError`.
    Failed,
    /// A timer the engine set has fired.
    Timer(Timer),
    /// The environment came back online: a pending reconnection happens now.
    Online,
    /// `close()` was called.
    Close,
    /// The page is entering the back/forward cache: the connection is dropped with no `error`
    /// event and no reconnection timer; [`Input::Online`] re-establishes it at once when the page
    /// is restored (whatwg/html#12363).
    Suspend,
    /// `reset()` was called: the unfinished line and event are discarded, as at the start of a
    /// new stream (the last event ID and reconnection time stay), for a caller that pipes
    /// another stream's bytes in next.
    Reset,
}

/// What the request for one connection attempt must carry besides the source's URL and an
/// `Accept: text/event-stream` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// spec: `Last-Event-ID`, sent when the last event ID is not empty: its UTF-8 bytes as the
    /// stream sent them (decode them with the WHATWG UTF-8 decoder, then encode, for the header).
    pub last_event_id: Option<&'a [u8]>,
    /// Cross-origin requests carry credentials (`withCredentials`).
    pub with_credentials: bool,
    /// Attempt number since the source was created, starting at 1.
    pub attempt: u32,
}

/// Why an `error` event fires, and what comes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorInfo {
    /// The readyState to show with the event: `Connecting` when a reconnection follows.
    pub ready_state: ReadyState,
    /// The HTTP status, when a response was received.
    pub status: Option<u16>,
    /// Why, as a value a program can match: `None` when the caller reported the failure
    /// ([`Input::NetworkError`], [`Input::Failed`]) and so knows why.
    pub cause: Option<Cause>,
    /// Why, in English: the cause's [`message`](Cause::message); `None` with no cause.
    pub message: Option<&'static str>,
    /// `true`: a reconnection follows; `false`: the source is closed.
    pub will_retry: bool,
}

impl ErrorInfo {
    /// An error event that reconnects (`will_retry`: readyState `Connecting`) or closes the
    /// source, worded after its cause.
    fn new(will_retry: bool, status: Option<u16>, cause: Option<Cause>) -> Self {
        let ready_state = if will_retry { ReadyState::Connecting } else { ReadyState::Closed };
        ErrorInfo { ready_state, status, cause, message: cause.map(|c| c.message(will_retry)), will_retry }
    }
}

/// Why the engine fired an `error` event (see [`ErrorInfo::cause`]). The C ABI's error records
/// carry it as its number (`src/ffi.rs`; `js/driver.js` names each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// The response body ended (the source reconnects).
    ServerClosed = 1,
    /// The response status is not 200 ([`ErrorInfo::status`] says which), or is one of
    /// [`Config::retry_on_status`] (then the source reconnects).
    Status = 2,
    /// A 200 response whose `Content-Type` is not `text/event-stream`.
    ContentType = 3,
    /// No byte arrived within [`Config::inactivity_timeout`] (the source reconnects).
    Inactivity = 4,
    /// The failures exceeded [`Config::max_retries`]: the source gave up.
    RetriesExhausted = 5,
    /// A line exceeded [`Limits::max_line_len`].
    LineTooLong = 6,
    /// An event's data exceeded [`Limits::max_event_size`].
    EventTooLarge = 7,
}

impl Cause {
    /// Its English text (one of [`messages`]); a status has two, as a reconnection follows
    /// (`will_retry`) or not.
    pub fn message(self, will_retry: bool) -> &'static str {
        match self {
            Cause::ServerClosed => messages::SERVER_CLOSED,
            Cause::Status if will_retry => messages::STATUS_RETRIED,
            Cause::Status => messages::STATUS,
            Cause::ContentType => messages::CONTENT_TYPE,
            Cause::Inactivity => messages::INACTIVITY,
            Cause::RetriesExhausted => messages::RETRIES_EXHAUSTED,
            Cause::LineTooLong => messages::LINE_TOO_LONG,
            Cause::EventTooLarge => messages::EVENT_TOO_LARGE,
        }
    }
}

/// The English text of each [`ErrorInfo::message`] the engine writes, one per [`Cause`] (two
/// for [`Cause::Status`]).
pub mod messages {
    /// [`Cause::ServerClosed`](super::Cause::ServerClosed).
    pub const SERVER_CLOSED: &str = "the server closed the connection";
    /// [`Cause::Status`](super::Cause::Status), a status that fails the connection.
    pub const STATUS: &str = "the response status is not 200";
    /// [`Cause::Status`](super::Cause::Status), a status configured to retry.
    pub const STATUS_RETRIED: &str = "the server answered with a status configured to retry";
    /// [`Cause::ContentType`](super::Cause::ContentType).
    pub const CONTENT_TYPE: &str = "the response Content-Type is not text/event-stream";
    /// [`Cause::Inactivity`](super::Cause::Inactivity).
    pub const INACTIVITY: &str = "no data received within the inactivity timeout";
    /// [`Cause::RetriesExhausted`](super::Cause::RetriesExhausted).
    pub const RETRIES_EXHAUSTED: &str = "gave up after the maximum number of retries";
    /// [`Cause::LineTooLong`](super::Cause::LineTooLong).
    pub const LINE_TOO_LONG: &str = "event stream line exceeds the configured maximum length";
    /// [`Cause::EventTooLarge`](super::Cause::EventTooLarge).
    pub const EVENT_TOO_LARGE: &str = "event data exceeds the configured maximum size";
}

/// What the caller must do, in order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action<'a> {
    /// Start a fetch (aborting none: the previous one is already gone).
    Fetch(Request<'a>),
    /// Abort the fetch or body read in progress.
    Abort,
    /// spec: announce the connection (readyState OPEN, `open` event). The events' origin is
    /// that of the response's final URL.
    Open,
    /// spec: dispatch a `MessageEvent`.
    Message(parser::Event<'a>),
    /// A comment line arrived (its bytes after the colon).
    Comment(&'a [u8]),
    /// Fire `error`: readyState becomes `info.ready_state` first.
    Error(ErrorInfo),
    /// Run `timer` after this many ms (replacing one already running).
    SetTimer(Timer, u64),
    /// Cancel `timer` if it runs.
    ClearTimer(Timer),
}

/// Receives actions as the engine produces them.
pub trait Output {
    /// Carries out (or queues) one action.
    fn action(&mut self, action: Action<'_>);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Created, not started.
    Idle,
    /// A fetch is in flight, waiting for the response head.
    Fetching,
    /// Reading the body of an accepted response.
    Streaming,
    /// Waiting for the reconnect timer.
    Waiting,
    Closed,
}

/// One source's state machine.
#[derive(Debug, Clone)]
pub struct Engine {
    config: Config,
    state: ReadyState,
    phase: Phase,
    parser: Parser,
    /// spec: the event source's reconnection time (a server `retry:` replaces it).
    reconnection_time: u64,
    /// Consecutive failed attempts since the last announced connection.
    failures: u32,
    attempts: u32,
    /// A forced minimum for the next delay (from `Retry-After`); 0 forces none.
    retry_after: u64,
    last_activity: u64,
    inactivity_armed: bool,
    rng: Rng,
}

impl Engine {
    /// An engine for one source, not started: feed [`Input::Start`] first.
    pub fn new(config: Config) -> Self {
        let mut parser = Parser::with_limits(config.limits);
        parser.set_last_event_id(&config.last_event_id);
        Engine {
            state: ReadyState::Connecting,
            phase: Phase::Idle,
            parser,
            reconnection_time: config.retry.initial_delay,
            failures: 0,
            attempts: 0,
            retry_after: 0,
            last_activity: 0,
            inactivity_armed: false,
            rng: Rng::new(config.seed),
            config,
        }
    }

    /// The engine's readyState (the caller shows it to script when it dispatches the event that
    /// changed it).
    pub fn ready_state(&self) -> ReadyState {
        self.state
    }

    /// The last event ID (UTF-8 bytes as the stream sent them).
    pub fn last_event_id(&self) -> &[u8] {
        self.parser.last_event_id()
    }

    /// The current reconnection time in ms.
    pub fn reconnection_time(&self) -> u64 {
        self.reconnection_time
    }

    /// The configuration the engine was created with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Feeds one input at time `now` (ms, any monotonic origin).
    pub fn handle<O: Output + ?Sized>(&mut self, now: u64, input: Input<'_>, out: &mut O) {
        if self.phase == Phase::Closed {
            return;
        }
        match input {
            Input::Start if self.phase == Phase::Idle => self.connect(now, out),
            Input::Response(res) if self.phase == Phase::Fetching => self.response(now, res, out),
            Input::Body(bytes) if self.phase == Phase::Streaming => self.body(now, bytes, out),
            Input::End if self.phase == Phase::Streaming => {
                self.parser.end_stream();
                self.reestablish(None, Some(Cause::ServerClosed), out);
            }
            Input::NetworkError if matches!(self.phase, Phase::Fetching | Phase::Streaming) => {
                self.reestablish(None, None, out);
            }
            Input::Failed if matches!(self.phase, Phase::Fetching | Phase::Streaming) => self.fail(None, None, out),
            Input::Timer(Timer::Reconnect) if self.phase == Phase::Waiting => self.connect(now, out),
            Input::Timer(Timer::Inactivity) if self.inactivity_armed => self.inactivity(now, out),
            Input::Online if self.phase == Phase::Waiting => {
                out.action(Action::ClearTimer(Timer::Reconnect));
                self.connect(now, out);
            }
            Input::Close => self.close(out),
            Input::Reset => self.parser.reset_stream(),
            Input::Suspend => self.suspend(out),
            _ => {}
        }
    }

    fn connect<O: Output + ?Sized>(&mut self, now: u64, out: &mut O) {
        self.phase = Phase::Fetching;
        self.attempts = self.attempts.saturating_add(1);
        self.parser.reset_stream();
        self.arm_inactivity(now, out);
        let id = self.parser.last_event_id();
        out.action(Action::Fetch(Request {
            last_event_id: (!id.is_empty()).then_some(id),
            with_credentials: self.config.with_credentials,
            attempt: self.attempts,
        }));
    }

    // Inlined: out of line, its `Response` was passed through memory.
    #[inline]
    fn response<O: Output + ?Sized>(&mut self, now: u64, res: Response<'_>, out: &mut O) {
        self.last_activity = now;
        if res.status == 200 && res.content_type.is_some_and(is_event_stream) {
            // spec: announce the connection.
            self.phase = Phase::Streaming;
            self.state = ReadyState::Open;
            self.failures = 0;
            out.action(Action::Open);
            return;
        }
        out.action(Action::Abort);
        // A plain scan: `contains` on u16 brings an unrolled search (0.1 KB of wasm).
        #[allow(clippy::manual_contains)]
        let retry = self.config.retry_on_status.iter().any(|&s| s == res.status);
        if retry {
            self.retry_after = res.retry_after.unwrap_or(0);
            self.reestablish(Some(res.status), Some(Cause::Status), out);
        } else if res.status != 200 {
            // spec: a status other than 200 fails the connection.
            self.fail(Some(res.status), Some(Cause::Status), out);
        } else {
            self.fail(Some(res.status), Some(Cause::ContentType), out);
        }
    }

    fn body<O: Output + ?Sized>(&mut self, now: u64, bytes: &[u8], out: &mut O) {
        self.last_activity = now;
        let mut sink = Forward { out, reconnection_time: &mut self.reconnection_time };
        if let Err(err) = self.parser.feed(bytes, &mut sink) {
            out.action(Action::Abort);
            self.fail(Some(200), Some(err.cause()), out);
        }
    }

    fn inactivity<O: Output + ?Sized>(&mut self, now: u64, out: &mut O) {
        let timeout = self.config.inactivity_timeout;
        let idle = now.saturating_sub(self.last_activity);
        if idle < timeout {
            out.action(Action::SetTimer(Timer::Inactivity, timeout - idle));
            return;
        }
        self.inactivity_armed = false;
        if matches!(self.phase, Phase::Fetching | Phase::Streaming) {
            out.action(Action::Abort);
            self.parser.end_stream();
            self.reestablish(None, Some(Cause::Inactivity), out);
        }
    }

    fn arm_inactivity<O: Output + ?Sized>(&mut self, now: u64, out: &mut O) {
        self.last_activity = now;
        if self.config.inactivity_timeout > 0 && !self.inactivity_armed {
            self.inactivity_armed = true;
            out.action(Action::SetTimer(Timer::Inactivity, self.config.inactivity_timeout));
        }
    }

    fn disarm_inactivity<O: Output + ?Sized>(&mut self, out: &mut O) {
        if self.inactivity_armed {
            self.inactivity_armed = false;
            out.action(Action::ClearTimer(Timer::Inactivity));
        }
    }

    /// spec: reestablish the connection (error event, CONNECTING, wait, fetch again).
    fn reestablish<O: Output + ?Sized>(&mut self, status: Option<u16>, cause: Option<Cause>, out: &mut O) {
        self.disarm_inactivity(out);
        self.failures = self.failures.saturating_add(1);
        if self.config.max_retries.is_some_and(|max| self.failures > max) {
            self.fail(status, Some(Cause::RetriesExhausted), out);
            return;
        }
        self.phase = Phase::Waiting;
        self.state = ReadyState::Connecting;
        out.action(Action::Error(ErrorInfo::new(true, status, cause)));
        let delay = self.config.retry.delay(self.reconnection_time, self.failures, self.rng.next_f64());
        out.action(Action::SetTimer(Timer::Reconnect, delay.max(core::mem::take(&mut self.retry_after))));
    }

    /// spec: fail the connection (readyState CLOSED, error event, no reconnection).
    fn fail<O: Output + ?Sized>(&mut self, status: Option<u16>, cause: Option<Cause>, out: &mut O) {
        self.disarm_inactivity(out);
        self.phase = Phase::Closed;
        self.state = ReadyState::Closed;
        out.action(Action::Error(ErrorInfo::new(false, status, cause)));
    }

    fn suspend<O: Output + ?Sized>(&mut self, out: &mut O) {
        match self.phase {
            Phase::Fetching | Phase::Streaming => out.action(Action::Abort),
            Phase::Waiting => out.action(Action::ClearTimer(Timer::Reconnect)),
            _ => return,
        }
        self.disarm_inactivity(out);
        // spec: the pending data of a lost connection is discarded.
        self.parser.end_stream();
        self.phase = Phase::Waiting;
        self.state = ReadyState::Connecting;
    }

    fn close<O: Output + ?Sized>(&mut self, out: &mut O) {
        match self.phase {
            Phase::Fetching | Phase::Streaming => out.action(Action::Abort),
            Phase::Waiting => out.action(Action::ClearTimer(Timer::Reconnect)),
            _ => {}
        }
        self.disarm_inactivity(out);
        self.phase = Phase::Closed;
        self.state = ReadyState::Closed;
    }
}

/// Bridges parser callbacks to engine actions.
struct Forward<'a, O: Output + ?Sized> {
    out: &'a mut O,
    reconnection_time: &'a mut u64,
}

impl<O: Output + ?Sized> parser::Sink for Forward<'_, O> {
    #[inline]
    fn event(&mut self, event: parser::Event<'_>) {
        self.out.action(Action::Message(event));
    }
    fn retry(&mut self, ms: u64) {
        // spec: set the event stream's reconnection time.
        *self.reconnection_time = ms;
    }
    fn comment(&mut self, text: &[u8]) {
        self.out.action(Action::Comment(text));
    }
}

/// The MIME type's essence is `text/event-stream` (parameters such as `charset` are ignored:
/// the body is always UTF-8).
pub fn is_event_stream(content_type: &[u8]) -> bool {
    // HTTP whitespace (not form feed, which `trim_ascii` would drop too).
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let mut rest = content_type;
    while let [c, r @ ..] = rest {
        if !ws(c) {
            break;
        }
        rest = r;
    }
    // The essence is the type then only whitespace up to the first `;` (which the type lacks):
    // three scans instead of finding the `;` and trimming both ends.
    let (essence, tail) = rest.split_at(rest.len().min(17));
    // Only the essence lowercased: `eq_ignore_ascii_case` lowercases the constant too, at run
    // time (a smaller module this way).
    let same = |(i, c): (usize, &u8)| c.to_ascii_lowercase() == b"text/event-stream"[i];
    essence.len() == 17 && essence.iter().enumerate().all(same) && tail.iter().take_while(|&&c| c != b';').all(ws)
}
