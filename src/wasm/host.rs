//! The JS object that configures a source and receives its events (built by `js/`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Options, already validated and normalized by the JS class, plus the callbacks that
    /// dispatch DOM events.
    pub type Host;

    #[wasm_bindgen(method, getter)]
    pub fn url(this: &Host) -> String;
    #[wasm_bindgen(method, getter, js_name = withCredentials)]
    pub fn with_credentials(this: &Host) -> bool;
    #[wasm_bindgen(method, getter, js_name = lastEventId)]
    pub fn last_event_id(this: &Host) -> String;
    #[wasm_bindgen(method, getter, js_name = initialDelay)]
    pub fn initial_delay(this: &Host) -> f64;
    #[wasm_bindgen(method, getter, js_name = maxDelay)]
    pub fn max_delay(this: &Host) -> f64;
    #[wasm_bindgen(method, getter)]
    pub fn multiplier(this: &Host) -> f64;
    #[wasm_bindgen(method, getter)]
    pub fn jitter(this: &Host) -> f64;
    /// Negative for no limit.
    #[wasm_bindgen(method, getter, js_name = maxRetries)]
    pub fn max_retries(this: &Host) -> f64;
    #[wasm_bindgen(method, getter, js_name = retryOnStatus)]
    pub fn retry_on_status(this: &Host) -> Vec<u16>;
    #[wasm_bindgen(method, getter, js_name = inactivityTimeout)]
    pub fn inactivity_timeout(this: &Host) -> f64;
    #[wasm_bindgen(method, getter, js_name = lastEventIdParam)]
    pub fn last_event_id_param(this: &Host) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = maxLineLength)]
    pub fn max_line_length(this: &Host) -> f64;
    #[wasm_bindgen(method, getter, js_name = maxEventSize)]
    pub fn max_event_size(this: &Host) -> f64;
    #[wasm_bindgen(method, getter)]
    pub fn seed(this: &Host) -> f64;
    /// Also check a failed fetch with a `no-cors` probe to tell a CORS failure (fatal) from a
    /// network error (retried): only where CORS exists.
    #[wasm_bindgen(method, getter, js_name = probeCors)]
    pub fn probe_cors(this: &Host) -> bool;

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
