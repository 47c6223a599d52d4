//! The eventsource-wasm Rust API in a page: a stock ticker from the local server's
//! `/demo/ticker`, with backoff, a header computed per attempt, and buttons that drop the
//! connection on the server (to watch the reconnection with `Last-Event-ID`) or close the
//! source (through its close handle, from the button's callback).

use eventsource_wasm::{CloseHandle, EventSource, RetryPolicy, SourceEvent};
use futures_util::StreamExt;
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::Document;

#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let source = EventSource::builder("/demo/ticker")
        .headers_with(|attempt| [("X-Attempt", attempt.to_string())])
        .retry(
            RetryPolicy::BACKOFF.with_initial_delay(Duration::from_millis(500)).with_max_delay(Duration::from_secs(10)),
        )
        .inactivity_timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let handle = source.close_handle();
    spawn_local(show(document.clone(), source));
    on_click(&document, "close", move |doc| close(doc, &handle))?;
    on_click(&document, "drop", |_| {
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        let _ = web_sys::window().map(|w| w.fetch_with_str_and_init("/demo/drop", &init));
    })?;
    Ok(())
}

/// Shows every item until the stream ends (the source gave up or was closed).
async fn show(doc: Document, mut source: EventSource) {
    set_text(&doc, "status", "connecting…");
    while let Some(item) = source.next().await {
        match item {
            SourceEvent::Open => set_text(&doc, "status", &format!("open ({})", source.url())),
            SourceEvent::Message(m) => {
                add_line(&doc, &format!("{} {} (id {}, from {})", m.event_type, m.data, m.last_event_id, m.origin))
            }
            SourceEvent::Error(e) if e.will_retry => {
                set_text(&doc, "status", &format!("reconnecting: {} (last id {})", e.message, source.last_event_id()))
            }
            SourceEvent::Error(e) => set_text(&doc, "status", &format!("closed ({}): {}", e.kind, e.message)),
            _ => {}
        }
    }
}

/// Closing through the handle aborts the request and clears the timers; the task's stream
/// ends and the task drops the source.
fn close(doc: &Document, handle: &CloseHandle) {
    handle.close();
    set_text(doc, "status", "closed");
}

fn on_click(doc: &Document, id: &str, f: impl Fn(&Document) + 'static) -> Result<(), JsValue> {
    let element = doc.get_element_by_id(id).ok_or("missing button")?;
    let doc = doc.clone();
    let callback = Closure::<dyn Fn()>::new(move || f(&doc));
    element.unchecked_ref::<web_sys::HtmlElement>().set_onclick(Some(callback.as_ref().unchecked_ref()));
    // The page keeps its buttons for its whole life.
    callback.forget();
    Ok(())
}

fn set_text(doc: &Document, id: &str, text: &str) {
    if let Some(element) = doc.get_element_by_id(id) {
        element.set_text_content(Some(text));
    }
}

fn add_line(doc: &Document, text: &str) {
    let (Some(list), Ok(item)) = (doc.get_element_by_id("log"), doc.create_element("li")) else { return };
    item.set_text_content(Some(text));
    let _ = list.insert_before(&item, list.first_child().as_ref());
    while list.child_element_count() > 20 {
        if let Some(last) = list.last_child() {
            let _ = list.remove_child(&last);
        }
    }
}
