//! The reconnection engine: a sans-IO state machine for one `EventSource`. The caller owns fetch,
//! timers and the clock; it feeds [`Input`]s with the current time and carries out the
//! [`Action`]s handed to its [`Output`].

use crate::parser::{self, Limits, Parser};
use crate::retry::{RetryPolicy, Rng};

/// spec: the `readyState` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ReadyState {
    Connecting = 0,
    Open = 1,
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
    /// The absolute, serialized URL.
    pub url: String,
    pub with_credentials: bool,
    /// The initial last event ID (option `lastEventId`).
    pub last_event_id: String,
    pub retry: RetryPolicy,
    /// Consecutive failed attempts allowed before giving up; `None` never gives up.
    pub max_retries: Option<u32>,
    /// Statuses that reconnect instead of failing the connection.
    pub retry_on_status: Vec<u16>,
    /// Milliseconds without any byte before the connection is dropped and re-established; 0 = off.
    pub inactivity_timeout: u64,
    /// Send the last event ID as this query parameter instead of a header (avoids a CORS
    /// preflight); `None` uses the `Last-Event-ID` header as the spec does.
    pub last_event_id_param: Option<String>,
    pub limits: Limits,
    /// Seed for the jitter generator.
    pub seed: u64,
}

impl Config {
    /// Native behaviour for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Config {
            url: url.into(),
            with_credentials: false,
            last_event_id: String::new(),
            retry: RetryPolicy::NATIVE,
            max_retries: None,
            retry_on_status: Vec::new(),
            inactivity_timeout: 0,
            last_event_id_param: None,
            limits: Limits::default(),
            seed: 1,
        }
    }
}

/// The head of a response, as plain values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response<'a> {
    pub status: u16,
    /// The `Content-Type` header value, if any.
    pub content_type: Option<&'a str>,
    /// The final URL after redirects (empty if unknown: the request URL is used).
    pub url: &'a str,
    /// The `Retry-After` header as a wait in ms, if any (see [`crate::retry::parse_retry_after`]).
    pub retry_after: Option<u64>,
}

/// What happened, told to the engine by its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    /// Begin the first connection.
    Start,
    /// The fetch resolved with a response head.
    Response(Response<'a>),
    /// Bytes of the response body.
    Body(&'a [u8]),
    /// The body ended normally.
    End,
    /// A network error: the server could not be reached or the connection broke.
    NetworkError(&'a str),
    /// A fetch failure that must not be retried (e.g. a failed CORS check).
    Failed(&'a str),
    /// A timer the engine set has fired.
    Timer(Timer),
    /// The environment came back online: a pending reconnection happens now.
    Online,
    /// `close()` was called.
    Close,
}

/// What the request for one connection attempt must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    pub url: &'a str,
    /// Always `text/event-stream`.
    pub accept: &'a str,
    /// spec: `Last-Event-ID`, sent when the last event ID is not empty (as its UTF-8 bytes).
    pub last_event_id: Option<&'a str>,
    pub with_credentials: bool,
    /// Attempt number since the source was created, starting at 1.
    pub attempt: u32,
}

/// Why an `error` event fires, and what comes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorInfo<'a> {
    /// The readyState to show with the event: `Connecting` when a reconnection follows.
    pub ready_state: ReadyState,
    /// The HTTP status, when a response was received.
    pub status: Option<u16>,
    pub message: &'a str,
    pub will_retry: bool,
}

/// What the caller must do, in order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action<'a> {
    /// Start a fetch (aborting none: the previous one is already gone).
    Fetch(Request<'a>),
    /// Abort the fetch or body read in progress.
    Abort,
    /// spec: announce the connection (readyState OPEN, `open` event).
    Open {
        origin: &'a str,
    },
    /// spec: dispatch a `MessageEvent`.
    Message {
        event: parser::Event<'a>,
        origin: &'a str,
    },
    /// A comment line arrived.
    Comment(&'a str),
    /// Fire `error`: readyState becomes `info.ready_state` first.
    Error(ErrorInfo<'a>),
    /// Run `timer` after this many ms (replacing one already running).
    SetTimer(Timer, u64),
    ClearTimer(Timer),
}

/// Receives actions as the engine produces them.
pub trait Output {
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
    origin: String,
    /// spec: the event source's reconnection time (a server `retry:` replaces it).
    reconnection_time: u64,
    /// Consecutive failed attempts since the last announced connection.
    failures: u32,
    attempts: u32,
    /// A forced minimum for the next delay (from `Retry-After`).
    retry_after: Option<u64>,
    last_activity: u64,
    inactivity_armed: bool,
    rng: Rng,
    url_with_param: String,
}

const MSG_NETWORK: &str = "network error";

impl Engine {
    pub fn new(config: Config) -> Self {
        let mut parser = Parser::with_limits(config.limits);
        parser.set_last_event_id(&config.last_event_id);
        Engine {
            state: ReadyState::Connecting,
            phase: Phase::Idle,
            parser,
            origin: String::new(),
            reconnection_time: config.retry.initial_delay,
            failures: 0,
            attempts: 0,
            retry_after: None,
            last_activity: 0,
            inactivity_armed: false,
            rng: Rng::new(config.seed),
            url_with_param: String::new(),
            config,
        }
    }

    /// The engine's readyState (the caller shows it to script when it dispatches the event that
    /// changed it).
    pub fn ready_state(&self) -> ReadyState {
        self.state
    }

    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// The current reconnection time in ms.
    pub fn reconnection_time(&self) -> u64 {
        self.reconnection_time
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Feeds one input at time `now` (ms, any monotonic origin).
    pub fn handle<O: Output + ?Sized>(&mut self, now: u64, input: Input<'_>, out: &mut O) {
        if self.phase == Phase::Closed {
            return;
        }
        match input {
            Input::Start if self.phase == Phase::Idle => self.start(now, out),
            Input::Response(res) if self.phase == Phase::Fetching => self.response(now, res, out),
            Input::Body(bytes) if self.phase == Phase::Streaming => self.body(now, bytes, out),
            Input::End if self.phase == Phase::Streaming => {
                self.parser.end_stream();
                self.reestablish(None, "the server closed the connection", out);
            }
            Input::NetworkError(message) if matches!(self.phase, Phase::Fetching | Phase::Streaming) => {
                self.reestablish(None, if message.is_empty() { MSG_NETWORK } else { message }, out);
            }
            Input::Failed(message) if matches!(self.phase, Phase::Fetching | Phase::Streaming) => {
                self.fail(None, message, out);
            }
            Input::Timer(Timer::Reconnect) if self.phase == Phase::Waiting => self.connect(now, out),
            Input::Timer(Timer::Inactivity) if self.inactivity_armed => self.inactivity(now, out),
            Input::Online if self.phase == Phase::Waiting => {
                out.action(Action::ClearTimer(Timer::Reconnect));
                self.connect(now, out);
            }
            Input::Close => self.close(out),
            _ => {}
        }
    }

    fn start<O: Output + ?Sized>(&mut self, now: u64, out: &mut O) {
        // Schemes fetch cannot stream an event stream from fail at once, as the spec's fetch of
        // such a URL would (a network error no retry can fix); data: and blob: work as in browsers.
        let scheme_ok =
            ["http:", "https:", "data:", "blob:"].iter().any(|s| starts_with_ignore_case(&self.config.url, s));
        if !scheme_ok {
            self.fail(None, "unsupported URL scheme: only http(s), data and blob URLs can be fetched", out);
            return;
        }
        self.connect(now, out);
    }

    fn connect<O: Output + ?Sized>(&mut self, now: u64, out: &mut O) {
        self.phase = Phase::Fetching;
        self.attempts = self.attempts.saturating_add(1);
        self.parser.reset_stream();
        self.arm_inactivity(now, out);
        let id = self.parser.last_event_id();
        let (url, header) = match &self.config.last_event_id_param {
            Some(name) if !id.is_empty() => {
                self.url_with_param.clear();
                append_query_param(&mut self.url_with_param, &self.config.url, name, id);
                (self.url_with_param.as_str(), None)
            }
            _ => (self.config.url.as_str(), (!id.is_empty()).then_some(id)),
        };
        out.action(Action::Fetch(Request {
            url,
            accept: "text/event-stream",
            last_event_id: header,
            with_credentials: self.config.with_credentials,
            attempt: self.attempts,
        }));
    }

    fn response<O: Output + ?Sized>(&mut self, now: u64, res: Response<'_>, out: &mut O) {
        self.last_activity = now;
        if res.status == 200 && res.content_type.is_some_and(is_event_stream) {
            // spec: announce the connection.
            self.phase = Phase::Streaming;
            self.state = ReadyState::Open;
            self.failures = 0;
            let url = if res.url.is_empty() { &self.config.url } else { res.url };
            self.origin.clear();
            push_origin(&mut self.origin, url);
            out.action(Action::Open { origin: &self.origin });
            return;
        }
        out.action(Action::Abort);
        if self.config.retry_on_status.contains(&res.status) {
            self.retry_after = res.retry_after;
            self.reestablish(Some(res.status), "the server answered with a status configured to retry", out);
        } else if res.status != 200 {
            // spec: a status other than 200 fails the connection.
            self.fail(Some(res.status), "the response status is not 200", out);
        } else {
            self.fail(Some(res.status), "the response Content-Type is not text/event-stream", out);
        }
    }

    fn body<O: Output + ?Sized>(&mut self, now: u64, bytes: &[u8], out: &mut O) {
        self.last_activity = now;
        let mut sink = Forward { out, origin: &self.origin, retry: None };
        let result = self.parser.feed(bytes, &mut sink);
        if let Some(ms) = sink.retry {
            self.reconnection_time = ms;
        }
        if let Err(err) = result {
            out.action(Action::Abort);
            self.fail(Some(200), err.message(), out);
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
            self.reestablish(None, "no data received within the inactivity timeout", out);
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
    fn reestablish<O: Output + ?Sized>(&mut self, status: Option<u16>, message: &str, out: &mut O) {
        self.disarm_inactivity(out);
        self.failures = self.failures.saturating_add(1);
        if self.config.max_retries.is_some_and(|max| self.failures > max) {
            self.fail(status, "gave up after the maximum number of retries", out);
            return;
        }
        self.phase = Phase::Waiting;
        self.state = ReadyState::Connecting;
        out.action(Action::Error(ErrorInfo { ready_state: ReadyState::Connecting, status, message, will_retry: true }));
        let mut delay = self.config.retry.delay(self.reconnection_time, self.failures, self.rng.next_f64());
        if let Some(at_least) = self.retry_after.take() {
            delay = delay.max(at_least);
        }
        out.action(Action::SetTimer(Timer::Reconnect, delay));
    }

    /// spec: fail the connection (readyState CLOSED, error event, no reconnection).
    fn fail<O: Output + ?Sized>(&mut self, status: Option<u16>, message: &str, out: &mut O) {
        self.disarm_inactivity(out);
        self.phase = Phase::Closed;
        self.state = ReadyState::Closed;
        out.action(Action::Error(ErrorInfo { ready_state: ReadyState::Closed, status, message, will_retry: false }));
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
    origin: &'a str,
    retry: Option<u64>,
}

impl<O: Output + ?Sized> parser::Sink for Forward<'_, O> {
    #[inline]
    fn event(&mut self, event: parser::Event<'_>) {
        self.out.action(Action::Message { event, origin: self.origin });
    }
    fn retry(&mut self, ms: u64) {
        // spec: set the event stream's reconnection time.
        self.retry = Some(ms);
    }
    fn comment(&mut self, text: &str) {
        self.out.action(Action::Comment(text));
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The MIME type's essence is `text/event-stream` (parameters such as `charset` are ignored:
/// the body is always UTF-8).
pub fn is_event_stream(content_type: &str) -> bool {
    let b = content_type.as_bytes();
    let end = b.iter().position(|&c| c == b';').unwrap_or(b.len());
    let is_space = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let essence = &b[..end];
    let start = essence.iter().position(|c| !is_space(c)).unwrap_or(essence.len());
    let stop = essence.iter().rposition(|c| !is_space(c)).map_or(start, |i| i + 1);
    essence[start..stop].eq_ignore_ascii_case(b"text/event-stream")
}

/// Appends the serialized origin of an absolute URL as fetch reports it: scheme, host and port
/// (`null` without an authority, as for `data:`; a `blob:` URL has its inner URL's origin).
pub fn push_origin(dst: &mut String, url: &str) {
    if starts_with_ignore_case(url, "blob:") {
        return push_origin(dst, &url[5..]);
    }
    let b = url.as_bytes();
    let Some(colon) = b.iter().position(|&c| c == b':') else {
        dst.push_str("null");
        return;
    };
    if !b[colon..].starts_with(b"://") {
        dst.push_str("null");
        return;
    }
    let rest = &url[colon + 3..];
    let end = rest.bytes().position(|c| matches!(c, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = match authority.bytes().rposition(|c| c == b'@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    for c in url[..colon].bytes() {
        dst.push(char::from(c.to_ascii_lowercase()));
    }
    dst.push_str("://");
    dst.push_str(host);
}

/// `base` with `name=value` added to its query (percent-encoding the value), before any fragment.
pub fn append_query_param(dst: &mut String, base: &str, name: &str, value: &str) {
    let hash = base.bytes().position(|c| c == b'#').unwrap_or(base.len());
    let (head, fragment) = (&base[..hash], base.get(hash + 1..));
    dst.push_str(head);
    dst.push(if head.bytes().any(|c| c == b'?') { '&' } else { '?' });
    percent_encode(dst, name);
    dst.push('=');
    percent_encode(dst, value);
    if let Some(f) = fragment {
        dst.push('#');
        dst.push_str(f);
    }
}

fn percent_encode(dst: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            dst.push(b as char);
        } else {
            dst.push('%');
            dst.push(HEX[usize::from(b >> 4)] as char);
            dst.push(HEX[usize::from(b & 15)] as char);
        }
    }
}
