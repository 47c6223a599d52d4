//! The JS object that configures a source and receives its events (built by `js/`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Options plus the callbacks that dispatch DOM events.
    pub type Host;

    /// The absolute URL to fetch (without credentials), for the CORS probe.
    #[wasm_bindgen(method, getter)]
    pub fn url(this: &Host) -> String;
    /// The initial last event ID (option `lastEventId`).
    #[wasm_bindgen(method, getter, js_name = lastEventId)]
    pub fn last_event_id(this: &Host) -> String;
    /// Numbers indexed by [`crate::options::cfg`].
    #[wasm_bindgen(method, getter)]
    pub fn config(this: &Host) -> Vec<f64>;

    /// Builds the request of attempt `attempt` (URL, method, headers with `Accept` and the
    /// last event ID unless it is empty, body, credentials) and calls the configured or global
    /// `fetch` with `signal`. Throws for what cannot be fetched.
    #[wasm_bindgen(method, catch)]
    pub fn fetch(
        this: &Host,
        attempt: u32,
        last_event_id: Option<&str>,
        signal: &web_sys::AbortSignal,
    ) -> Result<js_sys::Promise, JsValue>;

    /// A `Retry-After` header value as a wait in ms (NaN if absent or unusable); the same
    /// reading serves both builds.
    #[wasm_bindgen(method, js_name = retryAfter)]
    pub fn retry_after(this: &Host, value: Option<&str>) -> f64;

    /// spec: announce the connection; `url` is the response's final URL (empty if unknown),
    /// whose origin the events carry.
    #[wasm_bindgen(method)]
    pub fn open(this: &Host, url: &str);
    /// A batch of events in stream order: `type CR data CR id CR` per event (CR cannot occur in
    /// any of the three); an empty type means `message`.
    #[wasm_bindgen(method)]
    pub fn messages(this: &Host, batch: &str);
    /// Fire `error`: `ready_state` applies first; `status` 0 means no response.
    #[wasm_bindgen(method)]
    pub fn error(this: &Host, ready_state: u8, status: u16, message: &str, will_retry: bool);
}
