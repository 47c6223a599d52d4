//! The reconnection engine against the spec's connection rules. Time is driven by hand; no test
//! sleeps.

use eventsource_wasm::engine::{Action, Config, Engine, Input, Output, ReadyState, Response, Timer};
use eventsource_wasm::retry::RetryPolicy;

/// An owned record of each action, easy to compare.
#[derive(Debug, Clone, PartialEq)]
enum A {
    Fetch { last_event_id: Option<String>, credentials: bool },
    Abort,
    Open,
    Message { ty: String, data: String, id: String },
    Comment(String),
    Error { state: ReadyState, status: Option<u16>, will_retry: bool },
    SetTimer(Timer, u64),
    ClearTimer(Timer),
}

#[derive(Default)]
struct Log(Vec<A>);

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Output for Log {
    fn action(&mut self, a: Action<'_>) {
        self.0.push(match a {
            Action::Fetch(r) => A::Fetch { last_event_id: r.last_event_id.map(text), credentials: r.with_credentials },
            Action::Abort => A::Abort,
            Action::Open => A::Open,
            Action::Message(event) => {
                A::Message { ty: text(event.event_type), data: text(event.data), id: text(event.id) }
            }
            Action::Comment(c) => A::Comment(text(c)),
            Action::Error(e) => A::Error { state: e.ready_state, status: e.status, will_retry: e.will_retry },
            Action::SetTimer(t, ms) => A::SetTimer(t, ms),
            Action::ClearTimer(t) => A::ClearTimer(t),
        });
    }
}

struct Harness {
    engine: Engine,
    now: u64,
}

impl Harness {
    fn new(config: Config) -> Self {
        Harness { engine: Engine::new(config), now: 0 }
    }
    fn native() -> Self {
        Self::new(Config::new())
    }
    fn input(&mut self, input: Input<'_>) -> Vec<A> {
        let mut log = Log::default();
        self.engine.handle(self.now, input, &mut log);
        log.0
    }
    fn ok(&mut self) -> Vec<A> {
        self.input(Input::Response(ok_response()))
    }
    fn body(&mut self, b: &str) -> Vec<A> {
        self.input(Input::Body(b.as_bytes()))
    }
}

fn ok_response() -> Response<'static> {
    Response { status: 200, content_type: Some(b"text/event-stream"), retry_after: None }
}

fn fetch(last_event_id: Option<&str>) -> A {
    A::Fetch { last_event_id: last_event_id.map(Into::into), credentials: false }
}

fn msg(data: &str, id: &str) -> A {
    A::Message { ty: "message".into(), data: data.into(), id: id.into() }
}

fn reconnecting() -> A {
    A::Error { state: ReadyState::Connecting, status: None, will_retry: true }
}

fn failed(status: Option<u16>) -> A {
    A::Error { state: ReadyState::Closed, status, will_retry: false }
}

#[test]
fn starts_connecting_and_fetches_without_last_event_id() {
    let mut h = Harness::native();
    assert_eq!(h.engine.ready_state(), ReadyState::Connecting);
    assert_eq!(h.input(Input::Start), vec![fetch(None)]);
    assert_eq!(h.engine.ready_state(), ReadyState::Connecting);
}

#[test]
fn request_asks_for_event_stream_with_credentials_flag() {
    let mut cfg = Config::new();
    cfg.with_credentials = true;
    let mut e = Engine::new(cfg);
    struct Check(bool);
    impl Output for Check {
        fn action(&mut self, a: Action<'_>) {
            if let Action::Fetch(r) = a {
                assert!(r.with_credentials);
                assert_eq!(r.attempt, 1);
                self.0 = true;
            }
        }
    }
    let mut c = Check(false);
    e.handle(0, Input::Start, &mut c);
    assert!(c.0);
}

#[test]
fn ok_response_announces_the_connection() {
    let mut h = Harness::native();
    h.input(Input::Start);
    assert_eq!(h.ok(), vec![A::Open]);
    assert_eq!(h.engine.ready_state(), ReadyState::Open);
}

#[test]
fn content_type_parameters_are_accepted() {
    for ct in
        ["text/event-stream", "TEXT/Event-Stream", "text/event-stream; charset=windows-1252", " text/event-stream ;x=y"]
    {
        let mut h = Harness::native();
        h.input(Input::Start);
        let got =
            h.input(Input::Response(Response { status: 200, content_type: Some(ct.as_bytes()), retry_after: None }));
        assert_eq!(got, vec![A::Open], "{ct}");
    }
}

#[test]
fn wrong_or_missing_content_type_fails_the_connection() {
    for ct in [Some("text/plain"), Some("text/event-streams"), Some("text/html;text/event-stream"), None] {
        let mut h = Harness::native();
        h.input(Input::Start);
        let got =
            h.input(Input::Response(Response { status: 200, content_type: ct.map(str::as_bytes), retry_after: None }));
        assert_eq!(got, vec![A::Abort, failed(Some(200))], "{ct:?}");
        assert_eq!(h.engine.ready_state(), ReadyState::Closed);
    }
}

#[test]
fn non_200_status_fails_the_connection() {
    for status in [204, 201, 206, 301, 304, 400, 404, 500, 502, 503] {
        let mut h = Harness::native();
        h.input(Input::Start);
        let got =
            h.input(Input::Response(Response { status, content_type: Some(b"text/event-stream"), retry_after: None }));
        assert_eq!(got, vec![A::Abort, failed(Some(status))]);
        assert_eq!(h.engine.ready_state(), ReadyState::Closed);
        // Nothing revives a failed source.
        assert_eq!(h.input(Input::Timer(Timer::Reconnect)), vec![]);
        assert_eq!(h.input(Input::Online), vec![]);
    }
}

#[test]
fn end_of_body_reconnects_after_the_default_3000_ms() {
    let mut h = Harness::native();
    h.input(Input::Start);
    h.ok();
    assert_eq!(h.input(Input::End), vec![reconnecting(), A::SetTimer(Timer::Reconnect, 3000)]);
    assert_eq!(h.engine.ready_state(), ReadyState::Connecting);
    h.now = 3000;
    assert_eq!(h.input(Input::Timer(Timer::Reconnect)), vec![fetch(None)]);
}

#[test]
fn network_error_before_response_reconnects() {
    let mut h = Harness::native();
    h.input(Input::Start);
    assert_eq!(h.input(Input::NetworkError), vec![reconnecting(), A::SetTimer(Timer::Reconnect, 3000)]);
    assert_eq!(h.input(Input::Timer(Timer::Reconnect)), vec![fetch(None)]);
}

#[test]
fn network_error_mid_stream_reconnects_and_drops_the_partial_event() {
    let mut h = Harness::native();
    h.input(Input::Start);
    h.ok();
    assert_eq!(h.body("data:a\n\ndata:partial"), vec![msg("a", "")]);
    assert_eq!(h.input(Input::NetworkError), vec![reconnecting(), A::SetTimer(Timer::Reconnect, 3000)]);
    h.input(Input::Timer(Timer::Reconnect));
    h.ok();
    assert_eq!(h.body("\n\ndata:b\n\n"), vec![msg("b", "")]);
}

#[test]
fn server_retry_sets_the_reconnection_time() {
    let mut h = Harness::native();
    h.input(Input::Start);
    h.ok();
    h.body("retry: 50\n");
    assert_eq!(h.engine.reconnection_time(), 50);
    assert_eq!(h.input(Input::End), vec![reconnecting(), A::SetTimer(Timer::Reconnect, 50)]);
}

#[test]
fn last_event_id_is_sent_on_reconnect() {
    let mut h = Harness::native();
    h.input(Input::Start);
    h.ok();
    assert_eq!(h.body("id: 41\ndata:a\n\nid: 42\n\n"), vec![msg("a", "41")]);
    h.input(Input::End);
    assert_eq!(h.input(Input::Timer(Timer::Reconnect)), vec![fetch(Some("42"))]);
}

#[test]
fn empty_last_event_id_sends_no_header() {
    let mut h = Harness::native();
    h.input(Input::Start);
    h.ok();
    h.body("id: 1\n\nid\n\n");
    h.input(Input::End);
    assert_eq!(h.input(Input::Timer(Timer::Reconnect)), vec![fetch(None)]);
}

#[test]
fn unicode_last_event_id_is_kept_exactly() {
    let mut h = Harness::native();
    h.input(Input::Start);
    h.ok();
    h.body("id: …🎉\n\n");
    h.input(Input::End);
    assert_eq!(h.input(Input::Timer(Timer::Reconnect)), vec![fetch(Some("…🎉"))]);
}

#[test]
fn close_stops_everything_from_any_state() {
    // Fetching: abort the request.
    let mut h = Harness::native();
    h.input(Input::Start);
    assert_eq!(h.input(Input::Close), vec![A::Abort]);
    assert_eq!(h.engine.ready_state(), ReadyState::Closed);
    assert_eq!(h.ok(), vec![]);
    assert_eq!(h.body("data:x\n\n"), vec![]);
    // Streaming: abort; later bytes are ignored.
    let mut h = Harness::native();
    h.input(Input::Start);
    h.ok();
    assert_eq!(h.input(Input::Close), vec![A::Abort]);
    assert_eq!(h.body("data:x\n\n"), vec![]);
    assert_eq!(h.input(Input::End), vec![]);
    // Waiting: the timer is cleared and a late firing does nothing.
    let mut h = Harness::native();
    h.input(Input::Start);
    h.input(Input::NetworkError);
    assert_eq!(h.input(Input::Close), vec![A::ClearTimer(Timer::Reconnect)]);
    assert_eq!(h.input(Input::Timer(Timer::Reconnect)), vec![]);
    // Before start and after close: nothing at all.
    let mut h = Harness::native();
    assert_eq!(h.input(Input::Close), vec![]);
    assert_eq!(h.input(Input::Start), vec![]);
    assert_eq!(h.input(Input::Close), vec![]);
}

#[test]
fn failed_fetch_is_not_retried() {
    let mut h = Harness::native();
    h.input(Input::Start);
    assert_eq!(h.input(Input::Failed), vec![failed(None)]);
    assert_eq!(h.input(Input::Timer(Timer::Reconnect)), vec![]);
}

#[test]
fn stale_inputs_are_ignored() {
    let mut h = Harness::native();
    assert_eq!(h.ok(), vec![], "response before start");
    h.input(Input::Start);
    assert_eq!(h.body("data:x\n\n"), vec![], "body before response");
    assert_eq!(h.input(Input::End), vec![], "end before response");
    assert_eq!(h.input(Input::Timer(Timer::Reconnect)), vec![], "timer while fetching");
    h.ok();
    assert_eq!(h.ok(), vec![], "second response");
}

#[test]
fn comments_are_reported() {
    let mut h = Harness::native();
    h.input(Input::Start);
    h.ok();
    assert_eq!(h.body(": ping\n"), vec![A::Comment(" ping".into())]);
}

#[test]
fn backoff_grows_between_consecutive_failures_and_resets_after_success() {
    let mut cfg = Config::new();
    cfg.retry = RetryPolicy { initial_delay: 100, max_delay: 1000, multiplier: 2.0, jitter: 0.0 };
    let mut h = Harness::new(cfg);
    h.input(Input::Start);
    let mut delays = vec![];
    for _ in 0..6 {
        let acts = h.input(Input::NetworkError);
        let Some(A::SetTimer(Timer::Reconnect, ms)) = acts.last().cloned() else { panic!("{acts:?}") };
        delays.push(ms);
        h.input(Input::Timer(Timer::Reconnect));
    }
    assert_eq!(delays, vec![100, 200, 400, 800, 1000, 1000]);
    h.ok();
    assert_eq!(h.input(Input::End), vec![reconnecting(), A::SetTimer(Timer::Reconnect, 100)]);
}

#[test]
fn max_retries_ends_closed_with_one_final_error() {
    let mut cfg = Config::new();
    cfg.max_retries = Some(2);
    let mut h = Harness::new(cfg);
    h.input(Input::Start);
    assert_eq!(h.input(Input::NetworkError)[0], reconnecting());
    h.input(Input::Timer(Timer::Reconnect));
    assert_eq!(h.input(Input::NetworkError)[0], reconnecting());
    h.input(Input::Timer(Timer::Reconnect));
    assert_eq!(h.input(Input::NetworkError), vec![failed(None)]);
    assert_eq!(h.engine.ready_state(), ReadyState::Closed);
}

#[test]
fn retry_on_status_reconnects_and_honours_retry_after() {
    let mut cfg = Config::new();
    cfg.retry_on_status = vec![503];
    let mut h = Harness::new(cfg);
    h.input(Input::Start);
    let res = Response { status: 503, content_type: None, retry_after: Some(7000) };
    assert_eq!(
        h.input(Input::Response(res)),
        vec![
            A::Abort,
            A::Error { state: ReadyState::Connecting, status: Some(503), will_retry: true },
            A::SetTimer(Timer::Reconnect, 7000)
        ]
    );
    h.input(Input::Timer(Timer::Reconnect));
    let res = Response { status: 404, content_type: None, retry_after: None };
    assert_eq!(h.input(Input::Response(res)), vec![A::Abort, failed(Some(404))]);
}

#[test]
fn inactivity_timeout_reconnects_with_last_event_id() {
    let mut cfg = Config::new();
    cfg.inactivity_timeout = 1000;
    let mut h = Harness::new(cfg);
    assert_eq!(h.input(Input::Start), vec![A::SetTimer(Timer::Inactivity, 1000), fetch(None)]);
    h.now = 200;
    h.ok();
    h.now = 700;
    h.body("id: 9\ndata:a\n\n");
    h.now = 1000;
    // Bytes came 300 ms ago: the timer re-arms for the rest.
    assert_eq!(h.input(Input::Timer(Timer::Inactivity)), vec![A::SetTimer(Timer::Inactivity, 700)]);
    h.now = 1700;
    assert_eq!(
        h.input(Input::Timer(Timer::Inactivity)),
        vec![A::Abort, reconnecting(), A::SetTimer(Timer::Reconnect, 3000)]
    );
    h.now = 4700;
    assert_eq!(h.input(Input::Timer(Timer::Reconnect)), vec![A::SetTimer(Timer::Inactivity, 1000), fetch(Some("9"))]);
}

#[test]
fn online_reconnects_at_once() {
    let mut h = Harness::native();
    h.input(Input::Start);
    h.input(Input::NetworkError);
    assert_eq!(h.input(Input::Online), vec![A::ClearTimer(Timer::Reconnect), fetch(None)]);
    assert_eq!(h.input(Input::Online), vec![], "only while waiting");
}

#[test]
fn initial_last_event_id_option_is_sent_first() {
    let mut cfg = Config::new();
    cfg.last_event_id = "42".into();
    let mut h = Harness::new(cfg);
    assert_eq!(h.input(Input::Start), vec![fetch(Some("42"))]);
}

#[test]
fn line_limit_fails_the_connection_with_a_clear_error() {
    let mut cfg = Config::new();
    cfg.limits.max_line_len = Some(16);
    let mut h = Harness::new(cfg);
    h.input(Input::Start);
    h.ok();
    assert_eq!(h.body("data: this line is too long\n"), vec![A::Abort, failed(Some(200))]);
}

#[test]
fn failures_the_caller_reports_leave_the_message_to_it() {
    struct Messages(Vec<Option<&'static str>>);
    impl Output for Messages {
        fn action(&mut self, a: Action<'_>) {
            if let Action::Error(e) = a {
                self.0.push(e.message);
            }
        }
    }
    let mut e = Engine::new(Config::new());
    let mut m = Messages(vec![]);
    e.handle(0, Input::Start, &mut m);
    e.handle(0, Input::NetworkError, &mut m);
    e.handle(3000, Input::Timer(Timer::Reconnect), &mut m);
    e.handle(3000, Input::Response(ok_response()), &mut m);
    e.handle(3000, Input::End, &mut m);
    e.handle(6000, Input::Timer(Timer::Reconnect), &mut m);
    e.handle(6000, Input::Failed, &mut m);
    assert_eq!(m.0, [None, Some("the server closed the connection"), None]);
}

#[test]
fn suspend_drops_the_connection_quietly_and_online_resumes_it_at_once() {
    // whatwg/html#12363: entering the back/forward cache aborts the connection with no error
    // and no timer; restoring the page reconnects at once with Last-Event-ID.
    let mut h = Harness::native();
    h.input(Input::Start);
    h.ok();
    assert_eq!(h.body("id: 7\ndata: a\n\ndata: partial"), vec![msg("a", "7")]);
    assert_eq!(h.input(Input::Suspend), vec![A::Abort]);
    assert_eq!(h.engine.ready_state(), ReadyState::Connecting);
    assert_eq!(h.input(Input::Suspend), vec![A::ClearTimer(Timer::Reconnect)], "suspended twice: nothing to abort");
    assert_eq!(h.input(Input::Online), vec![A::ClearTimer(Timer::Reconnect), fetch(Some("7"))]);
    h.ok();
    // The partial event of the dropped connection is gone.
    assert_eq!(h.body("\n\ndata: b\n\n"), vec![msg("b", "7")]);
}

#[test]
fn suspend_while_waiting_cancels_the_timer_and_after_close_does_nothing() {
    let mut h = Harness::native();
    h.input(Input::Start);
    h.input(Input::NetworkError);
    assert_eq!(h.input(Input::Suspend), vec![A::ClearTimer(Timer::Reconnect)]);
    assert_eq!(h.input(Input::Online), vec![A::ClearTimer(Timer::Reconnect), fetch(None)]);
    h.input(Input::Close);
    assert_eq!(h.input(Input::Suspend), vec![]);
    assert_eq!(h.input(Input::Online), vec![]);
}

#[test]
fn reset_drops_the_unfinished_event_and_keeps_the_id() {
    let mut h = Harness::native();
    h.input(Input::Start);
    h.ok();
    assert_eq!(h.body("id: 3\ndata: a\n\ndata: half"), vec![msg("a", "3")]);
    assert_eq!(h.input(Input::Reset), vec![]);
    assert_eq!(h.body("\n\ndata: b\n\n"), vec![msg("b", "3")]);
}

#[test]
fn every_error_the_engine_explains_has_a_cause() {
    use eventsource_wasm::engine::Cause;
    struct Causes(Vec<Option<Cause>>);
    impl Output for Causes {
        fn action(&mut self, a: Action<'_>) {
            if let Action::Error(e) = a {
                self.0.push(e.cause);
            }
        }
    }
    let config = Config {
        max_retries: Some(3),
        retry_on_status: vec![503],
        inactivity_timeout: 1000,
        limits: eventsource_wasm::Limits { max_line_len: Some(8), max_event_size: None },
        ..Config::new()
    };
    let mut e = Engine::new(config);
    let mut c = Causes(vec![]);
    let head = |status, content_type| Response { status, content_type, retry_after: None };
    e.handle(0, Input::Start, &mut c);
    e.handle(0, Input::NetworkError, &mut c);
    e.handle(10, Input::Timer(Timer::Reconnect), &mut c);
    e.handle(10, Input::Response(head(503, None)), &mut c);
    e.handle(20, Input::Timer(Timer::Reconnect), &mut c);
    e.handle(20, Input::Response(ok_response()), &mut c);
    e.handle(20, Input::End, &mut c);
    e.handle(30, Input::Timer(Timer::Reconnect), &mut c);
    e.handle(30, Input::Response(ok_response()), &mut c);
    e.handle(2000, Input::Timer(Timer::Inactivity), &mut c);
    assert_eq!(c.0, [None, Some(Cause::Status), Some(Cause::ServerClosed), Some(Cause::Inactivity)]);
    let fatal = |input: Input<'_>, body: &[u8]| {
        let mut e = Engine::new(Config {
            limits: eventsource_wasm::Limits { max_line_len: Some(8), max_event_size: Some(4) },
            max_retries: Some(0),
            ..Config::new()
        });
        let mut c = Causes(vec![]);
        e.handle(0, Input::Start, &mut c);
        e.handle(0, input, &mut c);
        if !body.is_empty() {
            e.handle(0, Input::Body(body), &mut c);
        }
        c.0
    };
    assert_eq!(fatal(Input::Response(head(500, None)), b""), [Some(Cause::Status)]);
    assert_eq!(fatal(Input::Response(head(200, Some(b"text/plain"))), b""), [Some(Cause::ContentType)]);
    assert_eq!(fatal(Input::NetworkError, b""), [Some(Cause::RetriesExhausted)]);
    assert_eq!(fatal(Input::Response(ok_response()), b"data: 123456789\n"), [Some(Cause::LineTooLong)]);
    assert_eq!(fatal(Input::Response(ok_response()), b"data:12\ndata:34\n"), [Some(Cause::EventTooLarge)]);
    assert_eq!(fatal(Input::Failed, b""), [None]);
}
