//! eventsource-wasm used from a downstream app (own allocator, own wasm-bindgen version) in real
//! browsers, against the local SSE server whose address `scripts/test-wasm.sh` passes in
//! `SSE_SERVER`: open, messages, reconnection with `Last-Event-ID`, each error kind, a close
//! handle used from another task, drop.
#![cfg(target_arch = "wasm32")]

#[path = "../../web/common.rs"]
mod common;

use common::*;
use core::time::Duration;
use eventsource_wasm::{ErrorEvent, ErrorKind, EventSource, ReadyState, RetryPolicy, SourceEvent};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn quick() -> RetryPolicy {
    RetryPolicy::NATIVE.with_initial_delay(Duration::from_millis(10))
}

/// The next error item, past opens and messages.
async fn next_error(s: &mut EventSource) -> ErrorEvent {
    loop {
        match next(s).await {
            Some(SourceEvent::Error(e)) => return e,
            Some(_) => continue,
            None => panic!("the stream of {} ended without an error", s.url()),
        }
    }
}

#[wasm_bindgen_test]
fn the_apps_own_allocator_serves_the_library() {
    let before = downstream_app::allocations();
    let s = EventSource::builder(url("/sse/messages?n=1")).header("X-App", "downstream").build().unwrap();
    assert!(downstream_app::allocations() > before, "the app's allocator saw no allocation");
    drop(s);
}

#[wasm_bindgen_test]
async fn opens_and_streams_messages() {
    let mut s = EventSource::new(url("/sse/messages?n=2&event=tick&id_start=7")).unwrap();
    assert_eq!(lines(&mut s, 3).await, ["open", "tick \"hello 0\" id=7", "tick \"hello 1\" id=8"]);
    assert_eq!(s.ready_state(), ReadyState::Open);
    assert_eq!(s.last_event_id(), "8");
}

#[wasm_bindgen_test]
async fn reconnects_with_last_event_id() {
    let k = key("downstream-resume");
    let mut s = EventSource::new(url(&format!("/sse/resume?key={k}&per_conn=2&total=4&retry=20"))).unwrap();
    assert_eq!(
        lines(&mut s, 8).await,
        [
            "open",
            "message \"event 1\" id=1",
            "message \"event 2\" id=2",
            "error(server-closed) status=0 retry=true",
            "open",
            "message \"event 3\" id=3",
            "message \"event 4\" id=4",
            "error(server-closed) status=0 retry=true",
        ]
    );
    assert_eq!(s.reconnection_time(), Duration::from_millis(20));
    let ids: Vec<JsValue> = log(&k).await.iter().map(|r| field(r, &["headers", "last-event-id"])).collect();
    assert_eq!(&ids[..2], [JsValue::UNDEFINED, "2".into()]);
}

#[wasm_bindgen_test]
async fn each_error_kind() {
    // (url, builder tweak, expected kind, will_retry), each from a fresh source.
    let limits = "x".repeat(100);
    type Tweak = fn(eventsource_wasm::Builder) -> eventsource_wasm::Builder;
    let cases: Vec<(String, Tweak, ErrorKind, bool)> = vec![
        (url("/sse/messages?n=1"), |b| b, ErrorKind::ServerClosed, true),
        (url("/sse/status?code=500"), |b| b, ErrorKind::Status(500), false),
        (url("/sse/status?code=503"), |b| b.retry_on_status([503]), ErrorKind::Status(503), true),
        (url("/sse/messages?n=1&ct=text/plain"), |b| b, ErrorKind::ContentType, false),
        (url("/sse/messages?n=1&acao=none"), |b| b, ErrorKind::Cors, false),
        ("http://127.0.0.1:2/".into(), |b| b, ErrorKind::Network, true),
        ("http://127.0.0.1:2/".into(), |b| b.max_retries(0), ErrorKind::RetriesExhausted, false),
        (
            url("/sse/raw?body=data:x%0A%0A&hold=1"),
            |b| b.inactivity_timeout(Duration::from_millis(200)),
            ErrorKind::Inactivity,
            true,
        ),
        (
            url(&format!("/sse/raw?body=data:{limits}%0A%0A&hold=1")),
            |b| b.max_line_length(64),
            ErrorKind::LineTooLong,
            false,
        ),
        (
            url(&format!("/sse/raw?body=data:{limits}%0A%0A&hold=1")),
            |b| b.max_event_size(64),
            ErrorKind::EventTooLarge,
            false,
        ),
        ("ftp://example.test/".into(), |b| b, ErrorKind::Request, false),
    ];
    for (u, tweak, kind, will_retry) in cases {
        let mut s = tweak(EventSource::builder(&u).retry(quick())).build().unwrap();
        let e = next_error(&mut s).await;
        assert_eq!((e.kind, e.will_retry), (kind, will_retry), "{u}: {e:?}");
        assert!(!e.message.is_empty(), "{u}: no message");
        if !will_retry {
            assert_eq!(next(&mut s).await, None, "{u}: the stream goes on after a final error");
        }
    }
}

#[wasm_bindgen_test]
async fn a_close_handle_closes_the_source_from_another_task() {
    let k = key("downstream-handle");
    let mut s = EventSource::new(url(&format!("/sse/live?key={k}&interval=20"))).unwrap();
    let handle = s.close_handle();
    // Moved into a cleanup that requires `Send + Sync` (as Leptos' `on_cleanup` does).
    let cleanup: Box<dyn Fn() + Send + Sync> = Box::new({
        let handle = handle.clone();
        move || handle.close()
    });
    let seen = Rc::new(Cell::new(None));
    let result = seen.clone();
    // The app's task owns the source (as a component's effect or `spawn_local` would).
    wasm_bindgen_futures::spawn_local(async move {
        let mut items = 0;
        while next(&mut s).await.is_some() {
            items += 1;
        }
        result.set(Some(items));
    });
    sleep(150).await;
    assert!(!handle.is_closed());
    cleanup();
    for _ in 0..50 {
        if seen.get().is_some() {
            break;
        }
        sleep(20).await;
    }
    assert!(seen.get().is_some_and(|items| items >= 2), "the task's stream did not end: {:?}", seen.get());
    assert!(handle.is_closed());
    until_closed_on_server(&k).await;
}

#[wasm_bindgen_test]
async fn dropping_the_source_closes_the_connection() {
    let k = key("downstream-drop");
    let mut s = EventSource::new(url(&format!("/sse/live?key={k}&interval=20"))).unwrap();
    assert_eq!(lines(&mut s, 2).await, ["open", "message \"1\" id=1"]);
    let handle = s.close_handle();
    drop(s);
    until_closed_on_server(&k).await;
    // A handle outliving its source does nothing.
    assert!(handle.is_closed());
    handle.close();
    sleep(50).await;
    assert_no_unhandled_rejection();
}
