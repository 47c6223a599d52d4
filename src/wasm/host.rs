//! The JS object that configures a source and receives its events (built by `js/`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Options plus the callbacks that dispatch DOM events.
    pub type Host;

    /// The absolute URL to fetch (without credentials).
    #[wasm_bindgen(method, getter)]
    pub fn url(this: &Host) -> String;
    #[wasm_bindgen(method, getter, js_name = lastEventId)]
    pub fn last_event_id(this: &Host) -> String;
    #[wasm_bindgen(method, getter, js_name = lastEventIdParam)]
    pub fn last_event_id_param(this: &Host) -> Option<String>;
    /// Numbers indexed by [`crate::options::cfg`].
    #[wasm_bindgen(method, getter)]
    pub fn config(this: &Host) -> Vec<f64>;

    /// The fetch init for one attempt: method, body, user headers (a `Headers`), credentials,
    /// cache and mode; the binding adds `Accept`, `Last-Event-ID` and the abort signal.
    #[wasm_bindgen(method, catch)]
    pub fn init(this: &Host, attempt: u32) -> Result<web_sys::RequestInit, JsValue>;
    /// Calls the configured or global `fetch`.
    #[wasm_bindgen(method, catch)]
    pub fn fetch(this: &Host, url: &str, init: &web_sys::RequestInit) -> Result<js_sys::Promise, JsValue>;

    /// spec: announce the connection.
    #[wasm_bindgen(method)]
    pub fn open(this: &Host, origin: &str);
    /// A batch of events in stream order: `type CR data CR id CR` per event (CR cannot occur in
    /// any of the three); an empty type means `message`.
    #[wasm_bindgen(method)]
    pub fn messages(this: &Host, batch: &str);
    /// Fire `error`: `ready_state` applies first; `status` 0 means no response.
    #[wasm_bindgen(method)]
    pub fn error(this: &Host, ready_state: u8, status: u16, message: &str, will_retry: bool);
}
