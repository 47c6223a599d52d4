//! The JS object that configures a source and receives its events (built by `js/`).

use wasm_bindgen::prelude::*;

/// Indexes into [`Host::config`]: the numeric options, validated and normalized by the JS class.
pub mod cfg {
    pub const WITH_CREDENTIALS: usize = 0;
    pub const INITIAL_DELAY: usize = 1;
    /// Negative: no cap.
    pub const MAX_DELAY: usize = 2;
    pub const MULTIPLIER: usize = 3;
    pub const JITTER: usize = 4;
    /// Negative: no limit.
    pub const MAX_RETRIES: usize = 5;
    pub const INACTIVITY_TIMEOUT: usize = 6;
    pub const MAX_LINE_LENGTH: usize = 7;
    pub const MAX_EVENT_SIZE: usize = 8;
    /// A random number in [0, 1) seeding the jitter.
    pub const SEED: usize = 9;
    /// Check a failed fetch with a `no-cors` probe to tell a CORS failure (fatal) from a
    /// network error (retried): only where CORS exists.
    pub const PROBE_CORS: usize = 10;
    /// The statuses that reconnect instead of failing follow from here.
    pub const RETRY_ON_STATUS: usize = 11;
}

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
    /// Numbers indexed by [`cfg`].
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
