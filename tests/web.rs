//! The wasm binding in real browsers (`wasm-pack test --headless --chrome` / `--firefox`),
//! against the local SSE server whose address `scripts/test-wasm.sh` passes in `SSE_SERVER`.
#![cfg(target_arch = "wasm32")]

use eventsource_wasm::wasm::{Host, Source};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/web/host.js")]
extern "C" {
    type Recorder;
    #[wasm_bindgen(js_name = makeHost)]
    fn make_host(url: &str, options: JsValue, stop_after: u32) -> Recorder;
    #[wasm_bindgen(method, getter)]
    fn host(this: &Recorder) -> Host;
    #[wasm_bindgen(method, getter)]
    fn done(this: &Recorder) -> js_sys::Promise;
    #[wasm_bindgen(method)]
    fn count(this: &Recorder) -> u32;
    fn sleep(ms: u32) -> js_sys::Promise;
}

fn server() -> &'static str {
    option_env!("SSE_SERVER").unwrap_or("http://127.0.0.1:8787")
}

fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        js_sys::Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

/// Runs a source on `path` of the server until `stop_after` trace lines (or CLOSED, or 8 s).
async fn run(path: &str, opts: JsValue, stop_after: u32) -> Vec<String> {
    run_url(&format!("{}{}", server(), path), opts, stop_after).await
}

/// Runs a source on `url` until `stop_after` trace lines (or CLOSED, or 8 s) and returns them.
async fn run_url(url: &str, opts: JsValue, stop_after: u32) -> Vec<String> {
    let rec = make_host(url, opts, stop_after);
    let source = Source::new(rec.host());
    source.start();
    let trace = JsFuture::from(rec.done()).await.unwrap();
    source.close();
    js_sys::Array::from(&trace).iter().map(|v| v.as_string().unwrap()).collect()
}

fn origin() -> &'static str {
    server()
}

#[wasm_bindgen_test]
async fn streams_events_split_across_chunks() {
    // "data: é€\n\n" cut inside the multi-byte characters and between CR and LF.
    let body = "data:%20%C3%A9%E2%82%AC%0D%0Aid:%201%0D%0A%0D%0Adata:%20two%0D%0A%0D%0A";
    let trace = run(&format!("/sse/raw?body={body}&split=8,9,12,23,24&hold=1"), JsValue::UNDEFINED, 3).await;
    assert_eq!(trace, vec![format!("open {}", origin()), "message \"é€\" id=1".into(), "message \"two\" id=1".into()]);
}

#[wasm_bindgen_test]
async fn invalid_utf8_and_bom_follow_the_spec() {
    let body = "%EF%BB%BFdata:%FF%E2%82%0A%0A";
    let trace = run(&format!("/sse/raw?body={body}&split=1,2,7&hold=1"), JsValue::UNDEFINED, 2).await;
    assert_eq!(trace[1], "message \"\u{FFFD}\u{FFFD}\" id=");
}

#[wasm_bindgen_test]
async fn reconnects_with_last_event_id_after_the_server_closes() {
    let key = format!("web-resume-{}", js_sys::Math::random());
    let trace = run(&format!("/sse/resume?key={key}&per_conn=2&total=4&retry=20"), JsValue::UNDEFINED, 8).await;
    let o = origin();
    assert_eq!(
        trace,
        vec![
            format!("open {o}"),
            "message \"event 1\" id=1".into(),
            "message \"event 2\" id=2".into(),
            "error state=0 status=0 retry=true".into(),
            format!("open {o}"),
            "message \"event 3\" id=3".into(),
            "message \"event 4\" id=4".into(),
            "error state=0 status=0 retry=true".into(),
        ]
    );
}

#[wasm_bindgen_test]
async fn status_204_fails_the_connection() {
    let trace = run("/sse/status?code=204", JsValue::UNDEFINED, 5).await;
    assert_eq!(trace, vec!["error state=2 status=204 retry=false"]);
}

#[wasm_bindgen_test]
async fn wrong_content_type_fails_the_connection() {
    let trace = run("/sse/messages?n=1&ct=text/plain", JsValue::UNDEFINED, 5).await;
    assert_eq!(trace, vec!["error state=2 status=200 retry=false"]);
}

#[wasm_bindgen_test]
async fn charset_parameter_is_ignored() {
    let trace = run(
        "/sse/raw?body=data:%E2%82%AC%0A%0A&ct=text/event-stream;charset=windows-1252&hold=1",
        JsValue::UNDEFINED,
        2,
    )
    .await;
    assert_eq!(trace[1], "message \"€\" id=");
}

#[wasm_bindgen_test]
async fn unreachable_server_is_a_network_error_that_retries() {
    // Nothing listens on port 2 (and fetch does not block it, unlike 9): the fetch fails and so
    // does the no-cors probe.
    let opts = options(&[("initialDelay", 10.into()), ("maxRetries", 1.into())]);
    let trace = run_url("http://127.0.0.1:2/", opts, 5).await;
    assert_eq!(trace, vec!["error state=0 status=0 retry=true", "error state=2 status=0 retry=false"]);
}

#[wasm_bindgen_test]
async fn cors_failure_is_fatal_not_retried() {
    let trace = run("/sse/messages?n=1&acao=none", JsValue::UNDEFINED, 5).await;
    assert_eq!(trace, vec!["error state=2 status=0 retry=false"]);
}

#[wasm_bindgen_test]
async fn non_http_scheme_fails_without_fetching() {
    let trace = run_url("ftp://example.test/", JsValue::UNDEFINED, 5).await;
    assert_eq!(trace, vec!["error state=2 status=0 retry=false"]);
}

#[wasm_bindgen_test]
async fn close_stops_all_events() {
    let url = format!("{}/sse/drip?n=50&interval=20", server());
    let rec = make_host(&url, JsValue::UNDEFINED, 1000);
    let source = Source::new(rec.host());
    source.start();
    JsFuture::from(sleep(200)).await.unwrap();
    source.close();
    let at_close = rec.count();
    assert!(at_close >= 2, "open and some events arrived before close: {at_close}");
    JsFuture::from(sleep(200)).await.unwrap();
    assert_eq!(rec.count(), at_close, "nothing is reported after close");
}
