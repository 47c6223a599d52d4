//! The engine under any configuration and any sequence of inputs at non-decreasing times,
//! checked against a model of the caller's view: which fetch and timers are outstanding, what
//! readyState the last `open`/`error` showed, and, for each connection, what the parser gives for
//! the whole body at once (the body arrives in arbitrary chunks).
#![no_main]

use eventsource_wasm::engine::{Action, Config, Engine, ErrorInfo, Input, Output, ReadyState, Response, Timer};
use eventsource_wasm::parser::{self, parse_all, Limits, OwnedEvent, ParseError, Parser};
use eventsource_wasm::{retry::RetryPolicy, utf8};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use common::one_of;

const STATUSES: [u16; 9] = [200, 200, 204, 301, 404, 500, 502, 503, 0];
const CONTENT_TYPES: [&[u8]; 7] = [
    b"text/event-stream",
    b"TEXT/Event-Stream; charset=utf-8",
    b" text/event-stream\t;x",
    b"text/event-streams",
    b"text/html;text/event-stream",
    b"\x0ctext/event-stream",
    b"",
];
/// Pieces of event streams, so that short inputs make real events.
const TOKENS: [&[u8]; 18] = [
    b"data:",
    b"data: x",
    b"id:",
    b"id: 7",
    b"id: \0",
    b"event:",
    b"event: e",
    b"retry:",
    b"retry: 5",
    b"retry: x",
    b":",
    b" ",
    b"\n",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"\xef\xbb\xbf",
    b"\xe2\x80",
];
const GAVE_UP: &str = "gave up after the maximum number of retries";

/// An owned copy of an action.
#[derive(Debug, Clone, PartialEq)]
enum Act {
    Fetch { id: Option<Vec<u8>>, credentials: bool, attempt: u32 },
    Abort,
    Open,
    Message { ty: Vec<u8>, data: Vec<u8>, id: Vec<u8> },
    Comment(Vec<u8>),
    Error(ErrorInfo),
    SetTimer(Timer, u64),
    ClearTimer(Timer),
}

#[derive(Default)]
struct Log(Vec<Act>);

impl Output for Log {
    fn action(&mut self, a: Action<'_>) {
        self.0.push(match a {
            Action::Fetch(r) => Act::Fetch {
                id: r.last_event_id.map(<[u8]>::to_vec),
                credentials: r.with_credentials,
                attempt: r.attempt,
            },
            Action::Abort => Act::Abort,
            Action::Open => Act::Open,
            Action::Message(e) => Act::Message { ty: e.event_type.to_vec(), data: e.data.to_vec(), id: e.id.to_vec() },
            Action::Comment(c) => Act::Comment(c.to_vec()),
            Action::Error(e) => Act::Error(e),
            Action::SetTimer(t, ms) => Act::SetTimer(t, ms),
            Action::ClearTimer(t) => Act::ClearTimer(t),
        });
    }
}

/// What the reference parser hands out, as raw bytes.
#[derive(Default)]
struct Reference {
    acts: Vec<Act>,
    retries: Vec<u64>,
}

impl parser::Sink for Reference {
    fn event(&mut self, e: parser::Event<'_>) {
        self.acts.push(Act::Message { ty: e.event_type.to_vec(), data: e.data.to_vec(), id: e.id.to_vec() });
    }
    fn retry(&mut self, ms: u64) {
        self.retries.push(ms);
    }
    fn comment(&mut self, text: &[u8]) {
        self.acts.push(Act::Comment(text.to_vec()));
    }
}

/// An owned input.
#[derive(Debug, Clone)]
enum In {
    Start,
    Response { status: u16, content_type: Option<Vec<u8>>, retry_after: Option<u64> },
    Body(Vec<u8>),
    End,
    NetworkError,
    Failed,
    Timer(Timer),
    Online,
    Close,
    Reset,
    Suspend,
}

impl In {
    fn as_input(&self) -> Input<'_> {
        match self {
            In::Start => Input::Start,
            In::Response { status, content_type, retry_after } => Input::Response(Response {
                status: *status,
                content_type: content_type.as_deref(),
                retry_after: *retry_after,
            }),
            In::Body(b) => Input::Body(b),
            In::End => Input::End,
            In::NetworkError => Input::NetworkError,
            In::Failed => Input::Failed,
            In::Timer(t) => Input::Timer(*t),
            In::Online => Input::Online,
            In::Close => Input::Close,
            In::Reset => Input::Reset,
            In::Suspend => Input::Suspend,
        }
    }
}

/// The caller's view of one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    /// A fetch is outstanding, no response yet.
    Fetching,
    Streaming,
    /// The fetch was aborted; an `error` must follow in the same call (or it was `close()`).
    Aborted,
    /// The reconnect timer runs, or must be set next in the same call.
    Waiting,
    /// Dropped for the back/forward cache: no timer runs, `Online` reconnects.
    Suspended,
    Closed,
}

struct Model {
    cfg: Config,
    phase: Phase,
    state: ReadyState,
    attempts: u32,
    /// `error` events with a reconnection since the last `open`.
    failures: u32,
    last_id: Vec<u8>,
    /// The reconnection time: the configured one, then the last `retry:` of any stream.
    base: u64,
    reconnect_due: Option<u64>,
    inactivity_due: Option<u64>,
    last_activity: u64,
    /// The current connection: its whole body, and what the engine delivered from it.
    body: Vec<u8>,
    id_at_open: Vec<u8>,
    delivered: Vec<Act>,
    /// Set when a connection ends in this call: the reference parser's error on its body.
    parse_error: Option<ParseError>,
    /// An `error` with a reconnection came: the reconnect timer must be set next.
    must_set_reconnect: bool,
}

/// The Content-Type check, written independently: the MIME type's essence, HTTP whitespace
/// trimmed, compared without case.
fn event_stream(ct: &[u8]) -> bool {
    let essence = ct.split(|&c| c == b';').next().unwrap_or(b"");
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let start = essence.iter().position(|c| !ws(c)).unwrap_or(essence.len());
    let end = essence.iter().rposition(|c| !ws(c)).map_or(start, |i| i + 1);
    essence[start..end].eq_ignore_ascii_case(b"text/event-stream")
}

/// Whether `d` is a delay the policy may give after `failures` consecutive failures from `base`.
fn delay_is_sane(p: &RetryPolicy, base: u64, failures: u32, d: u64) -> bool {
    let mult = if p.multiplier.is_finite() && p.multiplier >= 1.0 { p.multiplier } else { 1.0 };
    let jitter = if p.jitter.is_finite() { p.jitter.clamp(0.0, 1.0) } else { 0.0 };
    let grown = if base == 0 { 0.0 } else { base as f64 * mult.powf(f64::from(failures.max(1) - 1)) };
    let capped = grown.min(p.max_delay as f64);
    let lo = capped * (1.0 - jitter) * (1.0 - 1e-9) - 1.0;
    let hi = capped * (1.0 + jitter) * (1.0 + 1e-9) + 1.0;
    (lo..=hi).contains(&(d as f64))
}

impl Model {
    /// Ends the streaming connection: the engine must have delivered exactly what the parser
    /// gives for its whole body, starting from the last event ID it opened with.
    fn end_connection(&mut self) {
        let mut parser = Parser::with_limits(self.cfg.limits);
        parser.set_last_event_id(&self.id_at_open);
        let mut want = Reference::default();
        self.parse_error = parser.feed(&self.body, &mut want).err();
        assert_eq!(self.delivered, want.acts, "chunked delivery differs from the whole body's parse");
        if self.cfg.limits == Limits::default() && self.id_at_open.is_empty() {
            let all = parse_all(&self.body);
            let got: Vec<OwnedEvent> = self
                .delivered
                .iter()
                .filter_map(|a| match a {
                    Act::Message { ty, data, id } => Some(OwnedEvent::from(parser::Event { event_type: ty, data, id })),
                    _ => None,
                })
                .collect();
            assert_eq!(got, all.events, "delivery differs from parse_all");
            let comments: Vec<String> = self
                .delivered
                .iter()
                .filter_map(|a| match a {
                    Act::Comment(c) => Some(utf8::decode(c).into_owned()),
                    _ => None,
                })
                .collect();
            assert_eq!(comments, all.comments, "comments differ from parse_all");
        }
        if let Some(&ms) = want.retries.last() {
            self.base = ms;
        }
        self.last_id = parser.last_event_id().to_vec();
        self.body.clear();
        self.delivered.clear();
    }

    /// Walks the actions one call produced, checking each against the caller's view.
    fn check(&mut self, now: u64, input: &In, acts: &[Act]) {
        let before = self.phase;
        self.parse_error = None;
        if let In::Reset = input {
            // The stream goes on as a new one: what came so far must match its own parse.
            assert!(acts.is_empty(), "reset did {acts:?}");
            if before == Phase::Streaming {
                self.end_connection();
                assert_eq!(self.parse_error, None, "the engine missed a parse error");
                self.id_at_open = self.last_id.clone();
            }
            return;
        }
        // Applicable inputs; every other one must do nothing.
        let applies = match input {
            In::Start => before == Phase::Idle,
            In::Response { .. } => before == Phase::Fetching,
            In::Body(_) | In::End => before == Phase::Streaming,
            In::NetworkError | In::Failed => matches!(before, Phase::Fetching | Phase::Streaming),
            In::Timer(Timer::Reconnect) | In::Online => matches!(before, Phase::Waiting | Phase::Suspended),
            In::Timer(Timer::Inactivity) => self.inactivity_due.is_some(),
            In::Close => before != Phase::Closed,
            In::Suspend => matches!(before, Phase::Fetching | Phase::Streaming | Phase::Waiting | Phase::Suspended),
            In::Reset => unreachable!(),
        };
        if !applies {
            assert!(acts.is_empty(), "{input:?} in {before:?} did {acts:?}");
            return;
        }
        if matches!(input, In::Timer(Timer::Inactivity)) {
            self.inactivity_due = None;
        }
        if matches!(input, In::Timer(Timer::Reconnect)) {
            self.reconnect_due = None;
        }
        let ok_response = match input {
            In::Response { status, content_type, .. } => {
                *status == 200 && content_type.as_deref().is_some_and(event_stream)
            }
            _ => false,
        };
        let retry_status = match input {
            In::Response { status, .. } => !ok_response && self.cfg.retry_on_status.contains(status),
            _ => false,
        };
        if matches!(input, In::Response { .. } | In::Body(_)) {
            self.last_activity = now;
        }
        let mut prev: Option<&Act> = None;
        for act in acts {
            assert_ne!(self.phase, Phase::Closed, "{act:?} after close or failure, input {input:?}: {acts:?}");
            if self.must_set_reconnect {
                assert!(
                    matches!(act, Act::SetTimer(Timer::Reconnect, _)),
                    "an error with a reconnection must set the reconnect timer next: {acts:?}"
                );
            }
            match act {
                Act::Fetch { id, credentials, attempt } => {
                    assert!(
                        matches!(input, In::Start | In::Timer(Timer::Reconnect) | In::Online),
                        "fetch on {input:?}"
                    );
                    assert!(
                        matches!(self.phase, Phase::Idle | Phase::Waiting | Phase::Suspended),
                        "fetch in {:?}",
                        self.phase
                    );
                    assert!(self.reconnect_due.is_none(), "fetch with the reconnect timer running");
                    let want = (!self.last_id.is_empty()).then(|| self.last_id.clone());
                    assert_eq!(*id, want, "Last-Event-ID");
                    assert_eq!(*credentials, self.cfg.with_credentials);
                    self.attempts += 1;
                    assert_eq!(*attempt, self.attempts);
                    assert_eq!(self.inactivity_due.is_some(), self.cfg.inactivity_timeout > 0);
                    self.phase = Phase::Fetching;
                    self.last_activity = now;
                }
                Act::Open => {
                    assert!(ok_response, "open on {input:?}");
                    assert_eq!(self.phase, Phase::Fetching);
                    self.phase = Phase::Streaming;
                    self.state = ReadyState::Open;
                    self.failures = 0;
                    self.id_at_open = self.last_id.clone();
                }
                Act::Message { .. } | Act::Comment(_) => {
                    assert!(matches!(input, In::Body(_)), "{act:?} on {input:?}");
                    assert_eq!(self.phase, Phase::Streaming);
                    self.delivered.push(act.clone());
                }
                Act::Abort => {
                    assert!(matches!(self.phase, Phase::Fetching | Phase::Streaming), "abort with no fetch");
                    if self.phase == Phase::Streaming {
                        self.end_connection();
                    }
                    // Suspending drops the connection with no error.
                    self.phase = if let In::Suspend = input { Phase::Suspended } else { Phase::Aborted };
                }
                Act::Error(e) => {
                    assert!(
                        matches!(self.phase, Phase::Fetching | Phase::Streaming | Phase::Aborted),
                        "error in {:?}",
                        self.phase
                    );
                    assert!(self.inactivity_due.is_none(), "error with the inactivity timer running");
                    if self.phase == Phase::Streaming {
                        self.end_connection();
                    }
                    // The fetch is gone: either aborted here or reported gone by the caller.
                    let reported = matches!(input, In::End | In::NetworkError | In::Failed);
                    assert_eq!(self.phase != Phase::Aborted, reported, "abort before {e:?} on {input:?}");
                    let want_status = match input {
                        In::Response { status, .. } => Some(*status),
                        In::Body(_) => Some(200),
                        _ => None,
                    };
                    assert_eq!(e.status, want_status, "{input:?}");
                    assert_eq!(e.will_retry, e.ready_state == ReadyState::Connecting);
                    assert_eq!(e.message, e.cause.map(|c| c.message(e.will_retry)), "message and cause agree");
                    let parse_failure = self.parse_error.map(|err| err.message());
                    match input {
                        In::Body(_) => {
                            assert!(parse_failure.is_some(), "a body failed that parses whole");
                            assert_eq!(e.message, parse_failure);
                            assert_eq!(e.ready_state, ReadyState::Closed);
                        }
                        _ => assert_eq!(parse_failure, None, "the engine missed a parse error"),
                    }
                    if e.ready_state == ReadyState::Connecting {
                        assert!(!ok_response && (retry_status || !matches!(input, In::Response { .. } | In::Failed)));
                        self.failures += 1;
                        if let Some(max) = self.cfg.max_retries {
                            assert!(self.failures <= max, "retried past max_retries");
                        }
                        self.phase = Phase::Waiting;
                        self.state = ReadyState::Connecting;
                        self.must_set_reconnect = true;
                    } else {
                        assert_eq!(e.ready_state, ReadyState::Closed);
                        if e.message == Some(GAVE_UP) {
                            assert_eq!(self.cfg.max_retries, Some(self.failures), "gave up early");
                        } else {
                            assert!(matches!(input, In::Failed | In::Response { .. } | In::Body(_)), "{input:?}");
                            assert!(!retry_status);
                        }
                        self.phase = Phase::Closed;
                        self.state = ReadyState::Closed;
                    }
                    let reported_by_caller = matches!(input, In::NetworkError | In::Failed);
                    if e.message != Some(GAVE_UP) {
                        assert_eq!(e.message.is_none(), reported_by_caller, "{e:?} on {input:?}");
                    }
                }
                Act::SetTimer(Timer::Reconnect, d) => {
                    assert!(matches!(prev, Some(Act::Error(e)) if e.will_retry), "reconnect timer after {prev:?}");
                    let retry_after = match input {
                        In::Response { retry_after, .. } => *retry_after,
                        _ => None,
                    };
                    let p = &self.cfg.retry;
                    match retry_after {
                        Some(ra) => assert!(
                            *d >= ra && (*d == ra || delay_is_sane(p, self.base, self.failures, *d)),
                            "delay {d} with Retry-After {ra}"
                        ),
                        None => assert!(
                            delay_is_sane(p, self.base, self.failures, *d),
                            "delay {d} for base {} after {} failures with {p:?}",
                            self.base,
                            self.failures
                        ),
                    }
                    self.reconnect_due = Some(now.saturating_add(*d));
                    self.must_set_reconnect = false;
                }
                Act::SetTimer(Timer::Inactivity, d) => {
                    let timeout = self.cfg.inactivity_timeout;
                    assert!(timeout > 0 && (1..=timeout).contains(d), "inactivity timer {d} for {timeout}");
                    assert!(self.inactivity_due.is_none(), "inactivity timer set twice");
                    if let In::Timer(Timer::Inactivity) = input {
                        assert_eq!(*d, timeout - (now - self.last_activity));
                    } else {
                        // Armed with each fetch, before it.
                        assert!(
                            matches!(self.phase, Phase::Idle | Phase::Waiting | Phase::Suspended),
                            "armed in {:?}",
                            self.phase
                        );
                        assert_eq!(*d, timeout);
                    }
                    self.inactivity_due = Some(now.saturating_add(*d));
                }
                Act::ClearTimer(Timer::Reconnect) => {
                    assert!(matches!(input, In::Online | In::Close | In::Suspend), "{act:?} on {input:?}");
                    // Once suspended the engine clears a timer it no longer runs (harmless).
                    let running = self.reconnect_due.take().is_some();
                    assert!(running || self.phase == Phase::Suspended, "cleared a reconnect timer not running");
                    if let In::Suspend = input {
                        self.phase = Phase::Suspended;
                    }
                }
                Act::ClearTimer(Timer::Inactivity) => {
                    assert!(self.inactivity_due.take().is_some(), "cleared an inactivity timer not running");
                }
            }
            prev = Some(act);
        }
        // What each applicable input must have done.
        match input {
            In::Start | In::Timer(Timer::Reconnect) | In::Online => {
                assert!(matches!(acts.last(), Some(Act::Fetch { .. })), "{input:?} gave {acts:?}")
            }
            In::Response { .. } if ok_response => assert_eq!(acts, [Act::Open]),
            In::Response { .. } => assert_eq!(acts.first(), Some(&Act::Abort)),
            In::End | In::NetworkError | In::Failed => assert_ne!(self.phase, before, "{input:?} did nothing"),
            In::Timer(Timer::Inactivity) => {
                let idle = now - self.last_activity;
                if idle < self.cfg.inactivity_timeout {
                    assert_eq!(acts, [Act::SetTimer(Timer::Inactivity, self.cfg.inactivity_timeout - idle)]);
                } else {
                    assert_eq!(acts.first(), Some(&Act::Abort), "inactivity gave {acts:?}");
                    assert!(matches!(self.phase, Phase::Waiting | Phase::Closed));
                }
            }
            In::Close => {
                assert_eq!(self.parse_error, None, "the engine missed a parse error");
                assert!(self.reconnect_due.is_none() && self.inactivity_due.is_none(), "close left a timer");
                assert!(!matches!(self.phase, Phase::Fetching | Phase::Streaming), "close left the fetch");
                self.phase = Phase::Closed;
                self.state = ReadyState::Closed;
            }
            In::Suspend => {
                assert_eq!(self.parse_error, None, "the engine missed a parse error");
                assert_eq!(self.phase, Phase::Suspended, "suspend gave {acts:?}");
                assert!(self.reconnect_due.is_none() && self.inactivity_due.is_none(), "suspend left a timer");
                self.state = ReadyState::Connecting;
            }
            In::Body(_) | In::Reset => {}
        }
        assert_ne!(self.phase, Phase::Aborted, "an abort without error: {acts:?}");
        assert!(!self.must_set_reconnect, "no reconnect timer after {acts:?}");
    }

    /// Checks the engine's own view against the model after each call.
    fn agree(&self, engine: &Engine) {
        assert_eq!(engine.ready_state(), self.state, "readyState");
        let fetching = matches!(self.phase, Phase::Fetching | Phase::Streaming);
        assert_eq!(self.inactivity_due.is_some(), fetching && self.cfg.inactivity_timeout > 0, "inactivity timer");
        assert_eq!(self.reconnect_due.is_some(), self.phase == Phase::Waiting, "reconnect timer");
        if self.phase != Phase::Streaming {
            assert_eq!(engine.last_event_id(), &self.last_id[..], "last event ID");
            assert_eq!(engine.reconnection_time(), self.base, "reconnection time");
        }
    }
}

fn bytes(u: &mut Unstructured<'_>, max: usize) -> Result<Vec<u8>> {
    common::bytes(u, max, &TOKENS)
}

fn config(u: &mut Unstructured<'_>) -> Result<Config> {
    let mut c = Config::new();
    c.with_credentials = u.arbitrary()?;
    c.last_event_id = if u.ratio(1, 2)? { Vec::new() } else { bytes(u, 8)? };
    c.retry = RetryPolicy {
        initial_delay: one_of(u, &[3000, 0, 1, 50, u64::MAX])?,
        max_delay: one_of(u, &[u64::MAX, 60_000, 0, 100])?,
        multiplier: one_of(u, &[1.0, 2.0, 1.5, 0.5, f64::NAN, f64::INFINITY])?,
        jitter: one_of(u, &[0.0, 0.2, 1.0, 2.0, -1.0, f64::NAN])?,
    };
    c.max_retries = one_of(u, &[None, Some(0), Some(1), Some(3)])?;
    for _ in 0..u.int_in_range(0..=2)? {
        c.retry_on_status.push(*u.choose(&STATUSES)?);
    }
    c.inactivity_timeout = one_of(u, &[0, 0, 1, 1000])?;
    let limit = |u: &mut Unstructured<'_>| -> Result<Option<usize>> {
        Ok(if u.ratio(2, 3)? { None } else { Some(u.int_in_range(0..=64)?) })
    };
    c.limits = Limits { max_line_len: limit(u)?, max_event_size: limit(u)? };
    c.seed = u.arbitrary()?;
    Ok(c)
}

fn input(u: &mut Unstructured<'_>) -> Result<In> {
    Ok(match u.int_in_range(0..=13u8)? {
        0 => In::Start,
        1 | 2 => In::Response {
            status: if u.ratio(7, 8)? { *u.choose(&STATUSES)? } else { u.arbitrary()? },
            content_type: match u.int_in_range(0..=3u8)? {
                0 => None,
                1 => Some(bytes(u, 24)?),
                _ => Some(u.choose(&CONTENT_TYPES)?.to_vec()),
            },
            retry_after: one_of(u, &[None, Some(0), Some(5000)])?,
        },
        3..=5 => In::Body(bytes(u, 64)?),
        6 => In::End,
        7 => In::NetworkError,
        8 => In::Failed,
        9 => In::Timer(if u.arbitrary()? { Timer::Reconnect } else { Timer::Inactivity }),
        10 => In::Online,
        11 => In::Close,
        12 => In::Reset,
        _ => In::Suspend,
    })
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let cfg = config(u)?;
    let mut engine = Engine::new(cfg.clone());
    let mut model = Model {
        phase: Phase::Idle,
        state: ReadyState::Connecting,
        attempts: 0,
        failures: 0,
        last_id: cfg.last_event_id.clone(),
        base: cfg.retry.initial_delay,
        reconnect_due: None,
        inactivity_due: None,
        last_activity: 0,
        body: Vec::new(),
        id_at_open: Vec::new(),
        delivered: Vec::new(),
        parse_error: None,
        must_set_reconnect: false,
        cfg,
    };
    let mut now = 0u64;
    model.agree(&engine);
    while !u.is_empty() {
        let input = input(u)?;
        // Timers mostly fire when due; any time passes otherwise.
        let due = match input {
            In::Timer(Timer::Reconnect) => model.reconnect_due,
            In::Timer(Timer::Inactivity) => model.inactivity_due,
            _ => None,
        };
        now = match due {
            Some(at) if u.ratio(3, 4)? => now.max(at),
            _ => now.saturating_add(one_of(u, &[0, 1, 10, 1000, 3000, 60_000])?),
        };
        if let In::Body(b) = &input {
            if model.phase == Phase::Streaming {
                model.body.extend_from_slice(b);
            }
        }
        let mut log = Log::default();
        engine.handle(now, input.as_input(), &mut log);
        model.check(now, &input, &log.0);
        model.agree(&engine);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
