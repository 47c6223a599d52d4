//! The Rust API (`eventsource_wasm::EventSource`) in real browsers, on the page's main thread
//! (`make test-wasm`: headless Chromium and Firefox), against the local SSE server whose
//! address `scripts/test-wasm.sh` passes in `SSE_SERVER`. The scenarios of the JS differential
//! suite that apply, reconnection, every option, and close/drop.
#![cfg(target_arch = "wasm32")]

#[path = "web/common.rs"]
mod common;

use common::*;
use core::time::Duration;
use eventsource_wasm::{Error, ErrorKind, EventSource, ReadyState, RetryPolicy, SourceEvent};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Retries after 10 ms, so tests never wait the native 3 s.
fn quick() -> RetryPolicy {
    RetryPolicy::NATIVE.with_initial_delay(Duration::from_millis(10))
}

#[wasm_bindgen_test]
async fn streams_events_split_across_chunks() {
    // "data: é€" cut inside the multi-byte characters and between CR and LF (CRLF lines).
    let body = "data:%20%C3%A9%E2%82%AC%0D%0Aid:%201%0D%0A%0D%0Adata:%20two%0D%0A%0D%0A";
    let mut s = EventSource::new(url(&format!("/sse/raw?body={body}&split=8,9,12,23,24&hold=1"))).unwrap();
    assert_eq!(lines(&mut s, 3).await, ["open", "message \"é€\" id=1", "message \"two\" id=1"]);
}

#[wasm_bindgen_test]
async fn bom_is_stripped_and_invalid_utf8_replaced() {
    let body = "%EF%BB%BFdata:%FF%E2%82%0A%0Adata:%EF%BB%BFx%0A%0A";
    let mut s = EventSource::new(url(&format!("/sse/raw?body={body}&split=1,2,7&hold=1"))).unwrap();
    // Only the stream's first BOM goes; one inside a field stays.
    let bom_in_field = format!("message {:?} id=", "\u{FEFF}x");
    assert_eq!(lines(&mut s, 3).await, ["open", "message \"\u{FFFD}\u{FFFD}\" id=", bom_in_field.as_str()]);
}

#[wasm_bindgen_test]
async fn cr_and_crlf_line_endings() {
    for eol in ["cr", "crlf"] {
        let mut s = EventSource::new(url(&format!("/sse/messages?n=2&eol={eol}&gap=5"))).unwrap();
        assert_eq!(lines(&mut s, 3).await, ["open", "message \"hello 0\" id=1", "message \"hello 1\" id=2"], "{eol}");
    }
}

#[wasm_bindgen_test]
async fn event_types_ids_and_origin() {
    let mut s = EventSource::new(url("/sse/messages?n=2&event=tick&id_start=7&retry=1234")).unwrap();
    assert_eq!(next(&mut s).await, Some(SourceEvent::Open));
    assert_eq!(s.ready_state(), ReadyState::Open);
    let Some(SourceEvent::Message(m)) = next(&mut s).await else { panic!("a message") };
    assert_eq!((m.event_type.as_str(), m.data.as_str(), m.last_event_id.as_str()), ("tick", "hello 0", "7"));
    assert_eq!(m.origin, server());
    assert_eq!(lines(&mut s, 1).await, ["tick \"hello 1\" id=8"]);
    assert_eq!(s.last_event_id(), "8");
    // spec: the stream's `retry:` sets the reconnection time.
    assert_eq!(s.reconnection_time(), Duration::from_millis(1234));
}

#[wasm_bindgen_test]
async fn many_chunks_arrive_in_order() {
    // One read (and one pair of promise callbacks) per chunk, 300 times.
    let mut s = EventSource::new(url("/sse/drip?n=300&interval=1&size=8")).unwrap();
    assert_eq!(next(&mut s).await, Some(SourceEvent::Open));
    for i in 1..=300 {
        assert_eq!(lines(&mut s, 1).await, [format!("message \"xxxxxxxx\" id={i}")]);
    }
    assert_eq!(lines(&mut s, 1).await, ["error(server-closed) status=0 retry=true"]);
}

#[wasm_bindgen_test]
async fn reconnects_with_last_event_id_then_204_closes() {
    let k = key("resume");
    let mut s = EventSource::new(url(&format!("/sse/resume?key={k}&per_conn=2&total=4&retry=20"))).unwrap();
    assert_eq!(
        lines(&mut s, 10).await,
        [
            "open",
            "message \"event 1\" id=1",
            "message \"event 2\" id=2",
            "error(server-closed) status=0 retry=true",
            "open",
            "message \"event 3\" id=3",
            "message \"event 4\" id=4",
            "error(server-closed) status=0 retry=true",
            // The server answers 204 once the client has all: spec, do not reconnect.
            "error(status) status=204 retry=false",
            "end",
        ]
    );
    assert_eq!(s.ready_state(), ReadyState::Closed);
    assert_eq!(s.last_event_id(), "4");
    assert_eq!(s.reconnection_time(), Duration::from_millis(20));
    let ids: Vec<JsValue> = log(&k).await.iter().map(|r| field(r, &["headers", "last-event-id"])).collect();
    assert_eq!(ids, [JsValue::UNDEFINED, "2".into(), "4".into()]);
}

#[wasm_bindgen_test]
async fn status_204_and_other_statuses_fail_the_connection() {
    for (code, expected) in
        [(204, "error(status) status=204 retry=false"), (500, "error(status) status=500 retry=false")]
    {
        let mut s = EventSource::builder(url(&format!("/sse/status?code={code}"))).retry(quick()).build().unwrap();
        let Some(SourceEvent::Error(e)) = next(&mut s).await else { panic!("an error") };
        assert_eq!(line(&SourceEvent::Error(e.clone())), expected);
        assert_eq!(e.message, "the response status is not 200");
        assert_eq!(e.kind, ErrorKind::Status(code));
        assert_eq!(next(&mut s).await, None);
        assert_eq!(s.ready_state(), ReadyState::Closed);
    }
}

#[wasm_bindgen_test]
async fn wrong_content_type_fails_the_connection() {
    let mut s = EventSource::new(url("/sse/messages?n=1&ct=text/plain")).unwrap();
    assert_eq!(lines(&mut s, 2).await, ["error(content-type) status=200 retry=false", "end"]);
}

#[wasm_bindgen_test]
async fn charset_parameter_is_ignored() {
    let mut s =
        EventSource::new(url("/sse/raw?body=data:%E2%82%AC%0A%0A&ct=text/event-stream;charset=windows-1252&hold=1"))
            .unwrap();
    assert_eq!(lines(&mut s, 2).await, ["open", "message \"€\" id="]);
}

#[wasm_bindgen_test]
async fn redirects_are_followed_and_events_carry_the_final_origin() {
    let to = format!("{}/sse/messages?n=1", cross_server());
    let to = js_sys::encode_uri_component(&to);
    let mut s = EventSource::new(url(&format!("/sse/redirect?code=307&to={to}"))).unwrap();
    assert_eq!(next(&mut s).await, Some(SourceEvent::Open));
    let Some(SourceEvent::Message(m)) = next(&mut s).await else { panic!("a message") };
    assert_eq!(m.data, "hello 0");
    assert_eq!(m.origin, cross_server());
}

#[wasm_bindgen_test]
async fn unreachable_server_retries_until_max_retries() {
    // Nothing listens on port 2 (and fetch does not block it, unlike 9).
    let mut s = EventSource::builder("http://127.0.0.1:2/").retry(quick()).max_retries(1).build().unwrap();
    assert_eq!(
        lines(&mut s, 3).await,
        ["error(network) status=0 retry=true", "error(retries-exhausted) status=0 retry=false", "end"]
    );
}

#[wasm_bindgen_test]
async fn cors_failure_is_fatal_not_retried() {
    let mut s = EventSource::builder(url("/sse/messages?n=1&acao=none")).retry(quick()).build().unwrap();
    assert_eq!(lines(&mut s, 2).await, ["error(cors) status=0 retry=false", "end"]);
}

#[wasm_bindgen_test]
async fn non_http_scheme_fails_without_fetching() {
    let mut s = EventSource::new("ftp://example.test/").unwrap();
    let Some(SourceEvent::Error(e)) = next(&mut s).await else { panic!("an error") };
    assert!(!e.will_retry && e.message.contains("unsupported URL scheme"), "{e:?}");
    assert_eq!(e.kind, ErrorKind::Request);
}

#[wasm_bindgen_test]
async fn headers_method_and_body_are_sent() {
    let mut s = EventSource::builder(url("/sse/echo"))
        .header("X-Test", "fixed")
        .header("Content-Type", "application/json")
        .method("post")
        .body(r#"{"topic":"prices"}"#)
        .build()
        .unwrap();
    let request = echoed(&mut s).await;
    assert_eq!(field(&request, &["method"]), "POST");
    assert_eq!(field(&request, &["headers", "x-test"]), "fixed");
    assert_eq!(field(&request, &["headers", "content-type"]), "application/json");
    assert_eq!(field(&request, &["headers", "accept"]), "text/event-stream");
    assert_eq!(field(&request, &["body"]), r#"{"topic":"prices"}"#);
}

#[wasm_bindgen_test]
async fn headers_and_body_are_computed_per_attempt() {
    let mut s = EventSource::builder(url("/sse/echo"))
        .headers_with(|attempt| [("X-Test", format!("attempt-{attempt}"))])
        .method("POST")
        .body_with(|attempt| format!("body {attempt}"))
        .retry(quick())
        .build()
        .unwrap();
    for attempt in 1..=2 {
        let request = echoed(&mut s).await;
        assert_eq!(field(&request, &["headers", "x-test"]), format!("attempt-{attempt}").as_str());
        assert_eq!(field(&request, &["body"]), format!("body {attempt}").as_str());
    }
}

#[wasm_bindgen_test]
async fn initial_last_event_id_is_sent_as_a_header() {
    let mut s = EventSource::builder(url("/sse/echo")).last_event_id("41").build().unwrap();
    assert_eq!(s.last_event_id(), "41");
    assert_eq!(field(&echoed(&mut s).await, &["headers", "last-event-id"]), "41");
}

#[wasm_bindgen_test]
async fn last_event_id_query_param_replaces_the_header() {
    let mut s = EventSource::builder(url("/sse/echo?x=1"))
        .last_event_id("a b")
        .last_event_id_query_param("lastEventId")
        .build()
        .unwrap();
    let request = echoed(&mut s).await;
    assert_eq!(field(&request, &["query"]), "x=1&lastEventId=a%20b");
    assert_eq!(field(&request, &["headers", "last-event-id"]), JsValue::UNDEFINED);
}

/// Issue 29, item 3: the Rust side of `lastEventIdQueryParam: false`: `false` is off (the
/// header again), `true` the name `lastEventId`.
#[wasm_bindgen_test]
async fn last_event_id_query_param_false_means_off() {
    let mut s = EventSource::builder(url("/sse/echo?x=1"))
        .last_event_id("7")
        .last_event_id_query_param("lastEventId")
        .last_event_id_query_param(false)
        .build()
        .unwrap();
    let request = echoed(&mut s).await;
    assert_eq!(field(&request, &["query"]), "x=1");
    assert_eq!(field(&request, &["headers", "last-event-id"]), "7");
    let mut s =
        EventSource::builder(url("/sse/echo")).last_event_id("7").last_event_id_query_param(true).build().unwrap();
    let request = echoed(&mut s).await;
    assert_eq!(field(&request, &["query"]), "lastEventId=7");
    assert_eq!(field(&request, &["headers", "last-event-id"]), JsValue::UNDEFINED);
}

#[wasm_bindgen_test]
async fn url_credentials_become_basic_authorization() {
    let with_user = server().replacen("://", "://user:p%C3%A4ss@", 1);
    let mut s = EventSource::new(format!("{with_user}/sse/echo")).unwrap();
    assert!(s.url().contains("user:p%C3%A4ss@"), "url() keeps them: {}", s.url());
    // base64("user:päss")
    assert_eq!(field(&echoed(&mut s).await, &["headers", "authorization"]), "Basic dXNlcjpww6Rzcw==");
}

#[wasm_bindgen_test]
async fn with_credentials_sends_credentialed_requests() {
    // The test page is another origin: a credentialed response needs
    // `Access-Control-Allow-Credentials`, which `acac=true` adds.
    let mut s = EventSource::builder(url("/sse/messages?n=1")).with_credentials(true).build().unwrap();
    assert!(s.with_credentials());
    assert_eq!(lines(&mut s, 2).await, ["error(cors) status=0 retry=false", "end"]);
    let mut s = EventSource::builder(url("/sse/messages?n=1&acac=true")).with_credentials(true).build().unwrap();
    assert_eq!(lines(&mut s, 2).await, ["open", "message \"hello 0\" id=1"]);
    // Without it the same response passes.
    let mut s = EventSource::new(url("/sse/messages?n=1")).unwrap();
    assert_eq!(lines(&mut s, 2).await, ["open", "message \"hello 0\" id=1"]);
}

#[wasm_bindgen_test]
async fn retry_on_status_reconnects_after_retry_after() {
    let k = key("retry-after");
    let mut s = EventSource::builder(url(&format!("/sse/status?code=503&retry_after=1&key={k}")))
        .retry_on_status([503])
        .retry(quick())
        .max_retries(1)
        .build()
        .unwrap();
    let Some(SourceEvent::Error(first)) = next(&mut s).await else { panic!("an error") };
    assert!(first.will_retry && first.status == Some(503), "{first:?}");
    assert_eq!(lines(&mut s, 2).await, ["error(retries-exhausted) status=503 retry=false", "end"]);
    let t: Vec<f64> = log(&k).await.iter().map(|r| field(r, &["t_ms"]).as_f64().unwrap()).collect();
    assert_eq!(t.len(), 2);
    // `Retry-After: 1` beats the 10 ms policy.
    assert!(t[1] - t[0] >= 990.0, "reconnected after {} ms", t[1] - t[0]);
}

#[wasm_bindgen_test]
async fn backoff_grows_between_consecutive_failures() {
    let k = key("backoff");
    let policy = RetryPolicy::NATIVE
        .with_initial_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(10))
        .with_multiplier(3.0);
    let mut s = EventSource::builder(url(&format!("/sse/status?code=503&key={k}")))
        .retry_on_status([503])
        .retry(policy)
        .max_retries(2)
        .build()
        .unwrap();
    assert_eq!(
        lines(&mut s, 4).await,
        [
            "error(status) status=503 retry=true",
            "error(status) status=503 retry=true",
            "error(retries-exhausted) status=503 retry=false",
            "end"
        ]
    );
    let t: Vec<f64> = log(&k).await.iter().map(|r| field(r, &["t_ms"]).as_f64().unwrap()).collect();
    let gaps = [t[1] - t[0], t[2] - t[1]];
    assert!(gaps[0] >= 95.0 && gaps[1] >= 295.0 && gaps[1] > 2.0 * gaps[0], "gaps {gaps:?}");
}

#[wasm_bindgen_test]
async fn jitter_spreads_the_delay() {
    let k = key("jitter");
    let ms200 = Duration::from_millis(200);
    let policy = RetryPolicy::NATIVE.with_initial_delay(ms200).with_max_delay(ms200).with_jitter(1.0);
    let mut s = EventSource::builder(url(&format!("/sse/status?code=503&key={k}")))
        .retry_on_status([503])
        .retry(policy)
        .max_retries(3)
        .build()
        .unwrap();
    assert_eq!(lines(&mut s, 5).await.last().map(String::as_str), Some("end"));
    let t: Vec<f64> = log(&k).await.iter().map(|r| field(r, &["t_ms"]).as_f64().unwrap()).collect();
    let gaps: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
    // Each delay is 200 ms × [0, 2] (400 ms at most, plus timer slack), and three differ.
    assert!(gaps.iter().all(|&g| g <= 700.0), "gaps {gaps:?}");
    assert!(gaps.iter().any(|&g| (g - gaps[0]).abs() > 5.0), "no spread: {gaps:?}");
}

#[wasm_bindgen_test]
async fn inactivity_timeout_reconnects_a_silent_connection() {
    let k = key("inactive");
    let mut s = EventSource::builder(url(&format!("/sse/raw?body=id:%201%0Adata:x%0A%0A&hold=1&key={k}")))
        .inactivity_timeout(Duration::from_millis(300))
        .retry(quick())
        .build()
        .unwrap();
    assert_eq!(lines(&mut s, 2).await, ["open", "message \"x\" id=1"]);
    let Some(SourceEvent::Error(e)) = next(&mut s).await else { panic!("an error") };
    assert_eq!(e.message, "no data received within the inactivity timeout");
    assert_eq!(e.kind, ErrorKind::Inactivity);
    assert!(e.will_retry);
    assert_eq!(lines(&mut s, 1).await, ["open"]);
    let second = log(&k).await.get(1).cloned().expect("a second request");
    assert_eq!(field(&second, &["headers", "last-event-id"]), "1");
}

#[wasm_bindgen_test]
async fn line_and_event_size_limits_fail_the_connection() {
    let line = "x".repeat(100);
    let mut s = EventSource::builder(url(&format!("/sse/raw?body=data:{line}%0A%0A&hold=1")))
        .max_line_length(64)
        .build()
        .unwrap();
    assert_eq!(next(&mut s).await, Some(SourceEvent::Open));
    let Some(SourceEvent::Error(e)) = next(&mut s).await else { panic!("an error") };
    assert!(!e.will_retry && e.message.contains("line"), "{e:?}");
    assert_eq!(e.kind, ErrorKind::LineTooLong);
    assert_eq!(next(&mut s).await, None);

    let data = "data:aaaaaaaaaa%0A".repeat(20);
    let mut s =
        EventSource::builder(url(&format!("/sse/raw?body={data}%0A&hold=1"))).max_event_size(128).build().unwrap();
    assert_eq!(next(&mut s).await, Some(SourceEvent::Open));
    let Some(SourceEvent::Error(e)) = next(&mut s).await else { panic!("an error") };
    assert!(!e.will_retry && e.message.contains("event"), "{e:?}");
    assert_eq!(e.kind, ErrorKind::EventTooLarge);
    // Under the limits the same streams pass.
    let mut s =
        EventSource::builder(url(&format!("/sse/raw?body={data}%0A&hold=1"))).max_event_size(1024).build().unwrap();
    assert_eq!(lines(&mut s, 2).await[1].len(), "message \"\" id=".len() + 10 * 20 + 19 * 2);
}

#[wasm_bindgen_test]
fn construction_errors_match_the_js_class() {
    let err = |b: eventsource_wasm::Builder| b.build().unwrap_err();
    let e = EventSource::new("http://this is invalid/").unwrap_err();
    assert_eq!(e, Error::InvalidUrl { url: "http://this is invalid/".into() });
    assert_eq!(e.to_string(), "invalid EventSource URL \"http://this is invalid/\"");
    assert!(matches!(EventSource::new(String::from("http://[::1/")), Err(Error::InvalidUrl { .. })));
    let b = || EventSource::builder(server());
    let cases: [(eventsource_wasm::Builder, &str, &str); 9] = [
        (b().header("Bad Name", "x"), "header", "the browser refuses it"),
        (b().header("X-Test", "a\nb"), "header", "the browser refuses it"),
        (b().method("GE T"), "method", "'GE T' is not a valid HTTP method"),
        (b().method("trace"), "method", "'trace' is forbidden"),
        (b().body("x"), "body", "cannot be sent with GET"),
        (b().last_event_id("a\nb"), "last_event_id", "must not contain NUL, CR or LF"),
        (b().retry(RetryPolicy::BACKOFF.with_jitter(2.0)), "retry", "the jitter must be between 0 and 1"),
        (b().retry_on_status([600]), "retry_on_status", "must list HTTP status codes (100-599)"),
        (b().last_event_id_query_param(""), "last_event_id_query_param", "the name must not be empty"),
    ];
    for (builder, name, why) in cases {
        match err(builder) {
            e @ Error::InvalidOption { option, .. } => {
                assert_eq!(option, name);
                let text = e.to_string();
                assert!(text.starts_with(&format!("invalid `Builder::{name}` option: {why}")), "{text}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(matches!(
        err(b().retry(RetryPolicy::BACKOFF.with_multiplier(0.5))),
        Error::InvalidOption { option: "retry", .. }
    ));
    // Valid ones pass, and a relative URL resolves against the page.
    let s = EventSource::builder("/sse/x").method("patch").body("b").build().unwrap();
    assert!(s.url().starts_with("http") && s.url().ends_with("/sse/x"), "{}", s.url());
}

#[wasm_bindgen_test]
async fn online_event_reconnects_a_waiting_source_at_once() {
    let k = key("online");
    let mut s = EventSource::builder(url(&format!("/sse/status?code=503&key={k}")))
        .retry_on_status([503])
        .retry(RetryPolicy::NATIVE.with_initial_delay(Duration::from_secs(60)))
        .build()
        .unwrap();
    assert_eq!(lines(&mut s, 1).await, ["error(status) status=503 retry=true"]);
    let online = web_sys::Event::new("online").unwrap();
    js_sys::global().unchecked_into::<web_sys::EventTarget>().dispatch_event(&online).unwrap();
    // The second attempt comes now, not after the 60 s delay.
    assert_eq!(lines(&mut s, 1).await, ["error(status) status=503 retry=true"]);
    assert_eq!(log(&k).await.len(), 2);
    drop(s);
    // Once dropped, another `online` fetches nothing.
    js_sys::global().unchecked_into::<web_sys::EventTarget>().dispatch_event(&online).unwrap();
    sleep(200).await;
    assert_eq!(log(&k).await.len(), 2);
}

#[wasm_bindgen_test]
async fn close_ends_the_stream_and_the_connection() {
    let k = key("close");
    let mut s = EventSource::new(url(&format!("/sse/live?key={k}&interval=20"))).unwrap();
    assert_eq!(lines(&mut s, 3).await, ["open", "message \"1\" id=1", "message \"2\" id=2"]);
    sleep(60).await; // more events are queued now: close() drops them too
    s.close();
    assert_eq!(s.ready_state(), ReadyState::Closed);
    assert_eq!(next(&mut s).await, None);
    until_closed_on_server(&k).await;
}

#[wasm_bindgen_test]
async fn dropping_the_source_closes_the_connection() {
    let k = key("drop");
    let mut s = EventSource::new(url(&format!("/sse/live?key={k}&interval=20"))).unwrap();
    assert_eq!(lines(&mut s, 2).await, ["open", "message \"1\" id=1"]);
    assert_eq!(live_open(&k).await, 1.0);
    drop(s);
    until_closed_on_server(&k).await;
    // And a source dropped while waiting to reconnect never fetches again.
    let k = key("drop-waiting");
    let s = EventSource::builder(url(&format!("/sse/status?code=503&key={k}")))
        .retry_on_status([503])
        .retry(RetryPolicy::NATIVE.with_initial_delay(Duration::from_millis(100)))
        .build()
        .unwrap();
    sleep(50).await;
    drop(s);
    sleep(300).await;
    assert_eq!(log(&k).await.len(), 1);
}

/// Issue 29, item 5: after a mid-body network error, `close()` and drop used to cancel the
/// errored body reader and drop the rejected promise ("Uncaught (in promise) TypeError").
#[wasm_bindgen_test]
async fn an_errored_reader_left_behind_rejects_unhandled() {
    assert_no_unhandled_rejection();
    for how in ["close", "drop"] {
        // The server sends 64 bytes, then resets the connection; the source then waits 60 s.
        let mut s = EventSource::builder(url("/sse/reset?after=64"))
            .retry(RetryPolicy::NATIVE.with_initial_delay(Duration::from_secs(60)))
            .build()
            .unwrap();
        let error = loop {
            match next(&mut s).await {
                Some(SourceEvent::Error(e)) => break e,
                Some(_) => continue,
                None => panic!("{how}: the stream ended"),
            }
        };
        assert_eq!((error.kind, error.will_retry), (ErrorKind::Network, true), "{how}: {error:?}");
        match how {
            "close" => s.close(),
            _ => drop(s),
        }
        // `unhandledrejection` fires after the microtasks, in a later task.
        sleep(100).await;
        assert_no_unhandled_rejection();
    }
}

/// A [`CloseHandle`] closes a source that another task owns and reads: that task's stream
/// ends, the server sees the connection closed; a handle outliving the source does nothing.
#[wasm_bindgen_test]
async fn close_handle_closes_a_source_owned_by_another_task() {
    let k = key("handle");
    let mut s = EventSource::new(url(&format!("/sse/live?key={k}&interval=20"))).unwrap();
    let handle = s.close_handle();
    // Send + Sync: it fits cleanup callbacks that require them (Leptos' `on_cleanup`).
    fn send_sync<T: Send + Sync + Clone + 'static>(_: &T) {}
    send_sync(&handle);
    let (done_tx, done_rx) = futures_channel_oneshot();
    wasm_bindgen_futures::spawn_local(async move {
        let mut items = 0;
        while next(&mut s).await.is_some() {
            items += 1;
        }
        done_tx(items);
    });
    sleep(150).await;
    assert!(!handle.is_closed());
    handle.clone().close();
    assert!(handle.is_closed());
    let items = done_rx.await;
    assert!(items >= 2, "the task saw {items} items");
    until_closed_on_server(&k).await;
    // The task dropped the source: the handle outlives it harmlessly.
    handle.close();
    assert!(handle.is_closed());
}

/// A one-shot channel from a `Cell` and a waker, enough for one test.
fn futures_channel_oneshot() -> (impl FnOnce(u32), impl core::future::Future<Output = u32>) {
    use std::cell::RefCell;
    use std::rc::Rc;
    type Slot = Rc<RefCell<(Option<u32>, Option<core::task::Waker>)>>;
    let slot: Slot = Rc::default();
    let tx = {
        let slot = slot.clone();
        move |v| {
            let waker = {
                let mut s = slot.borrow_mut();
                s.0 = Some(v);
                s.1.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    };
    let rx = core::future::poll_fn(move |cx| {
        let mut s = slot.borrow_mut();
        match s.0.take() {
            Some(v) => core::task::Poll::Ready(v),
            None => {
                s.1 = Some(cx.waker().clone());
                core::task::Poll::Pending
            }
        }
    });
    (tx, rx)
}
