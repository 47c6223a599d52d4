//! The Rust API in a dedicated worker (no `window`, no `document`): the same source must fetch,
//! stream, reconnect and close through the worker's global scope.
#![cfg(target_arch = "wasm32")]

#[path = "web/common.rs"]
mod common;

use common::*;
use eventsource_wasm::{EventSource, ReadyState, RetryPolicy, SourceEvent};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn global_has(name: &str) -> bool {
    js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str(name)).unwrap()
}

#[wasm_bindgen_test]
async fn runs_in_a_dedicated_worker_without_window() {
    assert!(global_has("WorkerGlobalScope") && !global_has("window") && !global_has("document"));
    let k = key("worker-resume");
    let mut s = EventSource::builder(url(&format!("/sse/resume?key={k}&per_conn=2&total=3&retry=20")))
        .header("X-Test", "from-a-worker")
        .build()
        .unwrap();
    assert_eq!(
        lines(&mut s, 8).await,
        [
            "open",
            "message \"event 1\" id=1",
            "message \"event 2\" id=2",
            "error(server-closed) status=0 retry=true",
            "open",
            "message \"event 3\" id=3",
            "error(server-closed) status=0 retry=true",
            "error(status) status=204 retry=false",
        ]
    );
    assert_eq!(next(&mut s).await, None);
    assert_eq!(s.ready_state(), ReadyState::Closed);
    let requests = log(&k).await;
    assert_eq!(requests.len(), 3);
    assert_eq!(field(&requests[1], &["headers", "last-event-id"]), "2");
    assert_eq!(field(&requests[2], &["headers", "x-test"]), "from-a-worker");
}

#[wasm_bindgen_test]
async fn relative_urls_resolve_against_the_worker_location() {
    let s = EventSource::new("relative/stream").unwrap();
    let location = js_sys::Reflect::get(&js_sys::global(), &"location".into()).unwrap();
    let href = js_sys::Reflect::get(&location, &"href".into()).unwrap().as_string().unwrap();
    let expected = web_sys::Url::new_with_base("relative/stream", &href).unwrap().href();
    assert_eq!(s.url(), expected);
}

#[wasm_bindgen_test]
async fn timers_and_drop_work_in_a_worker() {
    // A reconnection needs the worker's setTimeout; dropping must end the connection.
    let k = key("worker-drop");
    let mut s = EventSource::builder(url(&format!("/sse/live?key={k}&interval=20&max_ms=100&retry=10")))
        .retry(RetryPolicy::NATIVE.with_initial_delay(core::time::Duration::from_millis(10)))
        .build()
        .unwrap();
    let mut opens = 0;
    while opens < 2 {
        match next(&mut s).await {
            Some(SourceEvent::Open) => opens += 1,
            Some(_) => {}
            None => panic!("the stream ended"),
        }
    }
    assert_eq!(live_open(&k).await, 1.0);
    drop(s);
    until_closed_on_server(&k).await;
}
