//! Helpers shared by the wasm-bindgen tests of the Rust API (`tests/web.rs` on the main thread,
//! `tests/web_worker.rs` in a dedicated worker): the local server's address, bounded waits, and
//! items rendered as short strings so that a test reads as its expected trace.
#![allow(dead_code)]

use eventsource_wasm::{EventSource, SourceEvent};
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use gloo_timers::future::TimeoutFuture;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The test server `scripts/test-wasm.sh` started (compiled in, so workers see it too).
pub fn server() -> &'static str {
    option_env!("SSE_SERVER").unwrap_or("http://127.0.0.1:8787")
}

/// The test server's second origin (for redirects across origins).
pub fn cross_server() -> &'static str {
    option_env!("SSE_CROSS_SERVER").unwrap_or("http://127.0.0.1:8788")
}

pub fn url(path: &str) -> String {
    format!("{}{}", server(), path)
}

/// A key no other test run uses, for the server's request log and live counts.
pub fn key(name: &str) -> String {
    format!("{name}-{}", (js_sys::Math::random() * 1e12) as u64)
}

pub async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

/// An item as a short line: `open`, `TYPE "DATA" id=ID`, `error(KIND) status=S retry=B`.
pub fn line(item: &SourceEvent) -> String {
    match item {
        SourceEvent::Open => "open".into(),
        SourceEvent::Message(m) => format!("{} {:?} id={}", m.event_type, m.data, m.last_event_id),
        SourceEvent::Error(e) => {
            format!("error({}) status={} retry={}", e.kind.as_str(), e.status.unwrap_or(0), e.will_retry)
        }
        other => format!("{other:?}"),
    }
}

/// The next item, or `None` when the stream ended; panics after 8 s without one, or if a
/// promise rejection went unhandled since the last check (anywhere in the suite so far).
pub async fn next(source: &mut EventSource) -> Option<SourceEvent> {
    assert_no_unhandled_rejection();
    match select(source.next(), Box::pin(TimeoutFuture::new(8000))).await {
        Either::Left((item, _)) => item,
        Either::Right(_) => panic!("no item within 8 s from {}", source.url()),
    }
}

thread_local! {
    /// The reasons of the promise rejections nobody handled, from the first check on.
    static UNHANDLED: Rc<RefCell<Vec<String>>> = {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let record = seen.clone();
        let listener = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let reason = field(&event, &["reason"]);
            let text = js_sys::Reflect::get(&reason, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| format!("{reason:?}"));
            record.borrow_mut().push(text);
        });
        let global: web_sys::EventTarget = js_sys::global().unchecked_into();
        global.add_event_listener_with_callback("unhandledrejection", listener.as_ref().unchecked_ref()).unwrap();
        listener.forget(); // for the whole run
        seen
    };
}

/// Panics if a promise rejection went unhandled since the previous check; the first call
/// starts listening (`unhandledrejection` on the global scope, in pages and workers).
pub fn assert_no_unhandled_rejection() {
    let seen = UNHANDLED.with(|seen| core::mem::take(&mut *seen.borrow_mut()));
    assert!(seen.is_empty(), "unhandled promise rejection(s): {seen:?}");
}

/// The next `n` items as lines (fewer if the stream ends; then the last line is `end`).
pub async fn lines(source: &mut EventSource, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    while out.len() < n {
        match next(source).await {
            Some(item) => out.push(line(&item)),
            None => {
                out.push("end".into());
                break;
            }
        }
    }
    out
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str) -> js_sys::Promise;
}

/// `GET url` parsed as JSON (works in workers: the global scope's fetch).
pub async fn get_json(url: &str) -> JsValue {
    let response: web_sys::Response = JsFuture::from(global_fetch(url)).await.unwrap().unchecked_into();
    JsFuture::from(response.json().unwrap()).await.unwrap()
}

pub fn field(value: &JsValue, path: &[&str]) -> JsValue {
    path.iter().fold(value.clone(), |v, name| js_sys::Reflect::get(&v, &(*name).into()).unwrap())
}

/// How many `/sse/live?key=` streams the server has open.
pub async fn live_open(key: &str) -> f64 {
    field(&get_json(&url(&format!("/live?key={key}"))).await, &["open"]).as_f64().unwrap()
}

/// Waits (up to 5 s) until the server sees no `/sse/live?key=` stream open; returns how long.
pub async fn until_closed_on_server(key: &str) -> f64 {
    let start = js_sys::Date::now();
    while live_open(key).await > 0.0 {
        assert!(js_sys::Date::now() - start < 5000.0, "the server still sees the connection after 5 s");
        sleep(50).await;
    }
    js_sys::Date::now() - start
}

/// The requests the server logged under `key` (method, path, query, headers, body, t_ms),
/// without CORS preflights (the test page is another origin).
pub async fn log(key: &str) -> Vec<JsValue> {
    let all = js_sys::Array::from(&get_json(&url(&format!("/log?key={key}"))).await);
    all.iter().filter(|r| field(r, &["method"]) != "OPTIONS").collect()
}

/// The data of the next message (the `/sse/echo` request record, JSON), past `open` and the
/// `error` of a reconnection.
pub async fn echoed(source: &mut EventSource) -> JsValue {
    loop {
        match next(source).await {
            Some(SourceEvent::Open) => continue,
            Some(SourceEvent::Error(e)) if e.will_retry => continue,
            Some(SourceEvent::Message(m)) => return js_sys::JSON::parse(&m.data).unwrap(),
            other => panic!("expected the echo, got {other:?}"),
        }
    }
}
