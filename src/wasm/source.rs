//! A running source: owns the engine, the fetch in flight, its body reader and the timers. Every
//! JS callback is tagged with a generation, so anything from an aborted attempt is ignored.

use super::host::Host;
use crate::engine::{Action, Engine, Input, Output, ReadyState, Response, Timer};
use crate::options::{self, cfg};
use crate::utf8;
use alloc::rc::Rc;
use core::cell::RefCell;
use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, ReadableStreamDefaultReader, RequestInit};

/// What the engine asked for, carried out once the engine is no longer borrowed, so that JS
/// code run by these steps may call back into the source.
enum Op {
    Fetch { last_event_id: Option<String>, attempt: u32 },
    Abort,
    Open,
    Messages(String),
    Error { state: ReadyState, status: u16, message: Option<&'static str>, will_retry: bool },
    SetTimer(Timer, u64),
    ClearTimer(Timer),
}

#[derive(Default)]
struct Ops {
    ops: Vec<Op>,
    batch: String,
}

impl Ops {
    fn flush_batch(&mut self) {
        if !self.batch.is_empty() {
            let batch = core::mem::take(&mut self.batch);
            self.ops.push(Op::Messages(batch));
        }
    }
    fn push(&mut self, op: Op) {
        self.flush_batch();
        self.ops.push(op);
    }
}

impl Output for Ops {
    fn action(&mut self, action: Action<'_>) {
        match action {
            Action::Message(event) => {
                // The fields are the stream's bytes: decoded here, with the WHATWG decoder's
                // replacements.
                for field in options::batch_fields(&event) {
                    utf8::push_lossy(&mut self.batch, field);
                    self.batch.push('\r');
                }
            }
            Action::Fetch(r) => self.push(Op::Fetch {
                last_event_id: r.last_event_id.map(|id| utf8::decode(id).into_owned()),
                attempt: r.attempt,
            }),
            Action::Abort => self.push(Op::Abort),
            Action::Open => self.push(Op::Open),
            Action::Error(e) => self.push(Op::Error {
                state: e.ready_state,
                status: e.status.unwrap_or(0),
                message: e.message,
                will_retry: e.will_retry,
            }),
            Action::SetTimer(t, ms) => self.push(Op::SetTimer(t, ms)),
            Action::ClearTimer(t) => self.push(Op::ClearTimer(t)),
            Action::Comment(_) => {}
        }
    }
}

struct Inner {
    engine: Engine,
    ops: Ops,
    host: Host,
    /// Bumped on every abort: callbacks of older attempts compare and give up.
    generation: u32,
    controller: Option<AbortController>,
    reader: Option<ReadableStreamDefaultReader>,
    reconnect: Option<Timeout>,
    inactivity: Option<Timeout>,
    probe_cors: bool,
    /// The final URL of the response announced last (the host derives the origin from it).
    response_url: String,
    /// The details of the last failure reported to the engine (its error event's message).
    failure: String,
    probe: Option<AbortController>,
}

type Shared = Rc<RefCell<Inner>>;

/// One `EventSource` connection manager, driven from JS by `start`, `close` and `online`.
#[wasm_bindgen]
pub struct Source {
    inner: Shared,
}

impl core::fmt::Debug for Source {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Source")
    }
}

#[wasm_bindgen]
impl Source {
    #[wasm_bindgen(constructor)]
    pub fn new(host: Host) -> Source {
        let c = host.config();
        let statuses = c.get(cfg::RETRY_ON_STATUS..).unwrap_or(&[]).iter().map(|&s| s as u16).collect();
        let config = options::config(host.last_event_id().into_bytes(), &c[..c.len().min(cfg::COUNT)], statuses);
        let inner = Inner {
            engine: Engine::new(config),
            ops: Ops::default(),
            host,
            generation: 0,
            controller: None,
            reader: None,
            reconnect: None,
            inactivity: None,
            probe_cors: options::num(&c, cfg::PROBE_CORS) > 0.0,
            response_url: String::new(),
            failure: String::new(),
            probe: None,
        };
        Source { inner: Rc::new(RefCell::new(inner)) }
    }

    /// Opens the first connection.
    pub fn start(&self) {
        run(&self.inner, Input::Start);
    }

    /// Stops everything: the engine asks for the abort and the timer clearing; nothing fires after.
    pub fn close(&self) {
        run(&self.inner, Input::Close);
    }

    /// The environment is back online: a pending reconnection happens now.
    pub fn online(&self) {
        run(&self.inner, Input::Online);
    }
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// Feeds one input to the engine, then carries out what it asked for.
fn run(rc: &Shared, input: Input<'_>) {
    let ops = {
        let mut guard = rc.borrow_mut();
        let inner = &mut *guard;
        inner.engine.handle(now(), input, &mut inner.ops);
        inner.ops.flush_batch();
        core::mem::take(&mut inner.ops.ops)
    };
    for op in ops {
        exec(rc, op);
    }
}

/// The host, held outside the borrow so that its callbacks may call back into the source.
fn host(rc: &Shared) -> Host {
    rc.borrow().host.clone().unchecked_into()
}

fn exec(rc: &Shared, op: Op) {
    match op {
        Op::Fetch { last_event_id, attempt } => {
            if rc.borrow().engine.ready_state() != ReadyState::Closed {
                start_fetch(rc, &host(rc), last_event_id.as_deref(), attempt);
            }
        }
        Op::Abort => abort(rc),
        Op::Open => {
            let url = rc.borrow().response_url.clone();
            host(rc).open(&url);
        }
        Op::Messages(batch) => host(rc).messages(&batch),
        Op::Error { state, status, message, will_retry } => {
            let message = match message {
                Some(m) => m.into(),
                None => rc.borrow().failure.clone(),
            };
            host(rc).error(state as u8, status, &message, will_retry);
        }
        Op::SetTimer(timer, ms) => {
            if rc.borrow().engine.ready_state() == ReadyState::Closed {
                return;
            }
            let weak = Rc::downgrade(rc);
            // setTimeout takes a signed 32-bit delay; longer ones would fire at once.
            let ms = ms.min(i32::MAX as u64) as u32;
            let timeout = Timeout::new(ms, move || {
                if let Some(rc) = weak.upgrade() {
                    run(&rc, Input::Timer(timer));
                }
            });
            let mut inner = rc.borrow_mut();
            match timer {
                Timer::Reconnect => inner.reconnect = Some(timeout),
                Timer::Inactivity => inner.inactivity = Some(timeout),
            }
        }
        Op::ClearTimer(timer) => {
            let mut inner = rc.borrow_mut();
            match timer {
                Timer::Reconnect => inner.reconnect = None,
                Timer::Inactivity => inner.inactivity = None,
            }
        }
    }
}

fn abort(rc: &Shared) {
    let (controller, reader) = {
        let mut inner = rc.borrow_mut();
        inner.generation = inner.generation.wrapping_add(1);
        (inner.controller.take(), inner.reader.take())
    };
    if let Some(reader) = reader {
        let _ = reader.cancel();
    }
    if let Some(controller) = controller {
        controller.abort();
    }
}

/// Where a promise callback came from: one closure type serves them all.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Response,
    FetchFailed,
    Chunk,
    ReadFailed,
    ProbeAnswered,
    ProbeFailed,
}

/// `promise.then(…)` routed to [`settle`] with the generation it belongs to.
fn watch(rc: &Shared, generation: u32, promise: &js_sys::Promise, ok: Step, err: Step) {
    let callback = |step: Step| {
        let rc = rc.clone();
        Closure::once_into_js(move |value: JsValue| settle(&rc, generation, step, value))
    };
    if let Err(e) = promise.unchecked_ref::<Thenable>().then_with(&callback(ok), &callback(err)) {
        // Not a promise after all (the JS side normally guarantees one): fail rather than stall.
        report(rc, true, error_field(&e, "message"));
    }
}

fn settle(rc: &Shared, generation: u32, step: Step, value: JsValue) {
    if step == Step::ProbeAnswered {
        if let Some(probe) = rc.borrow_mut().probe.take() {
            probe.abort();
        }
    }
    if rc.borrow().generation != generation {
        return;
    }
    match step {
        Step::Response => on_response(rc, generation, value.unchecked_into()),
        Step::FetchFailed => on_fetch_error(rc, value),
        Step::Chunk => on_chunk(rc, generation, value.unchecked_into()),
        Step::ReadFailed => on_failure(rc, &value),
        Step::ProbeAnswered => report(rc, true, "the response failed the CORS check".into()),
        // `failure` still holds the fetch's own message.
        Step::ProbeFailed => run(rc, Input::NetworkError),
    }
}

/// A rejection we did not cause by aborting is a network error, except an abort by someone
/// else (e.g. `window.stop()`): spec, "if res is an aborted network error, fail the connection".
fn on_failure(rc: &Shared, err: &JsValue) {
    report(rc, error_field(err, "name") == "AbortError", error_field(err, "message"));
}

/// Reports a failure to the engine, keeping its details for the error event.
fn report(rc: &Shared, fatal: bool, message: String) {
    keep_failure(&mut rc.borrow_mut(), fatal, message);
    run(rc, if fatal { Input::Failed } else { Input::NetworkError });
}

/// Keeps a failure's details for the error event it causes (a network error with no message of
/// its own says so).
fn keep_failure(inner: &mut Inner, fatal: bool, message: String) {
    inner.failure = if message.is_empty() && !fatal { "network error".into() } else { message };
}

/// Starts attempt `attempt`: the host builds the request (URL, headers, `Last-Event-ID`) and
/// calls fetch; this side owns the abort signal and what follows.
fn start_fetch(rc: &Shared, host: &Host, last_event_id: Option<&str>, attempt: u32) {
    let generation = rc.borrow().generation;
    let Ok(controller) = AbortController::new() else {
        return report(rc, true, "AbortController is not available".into());
    };
    let promise = match host.fetch(attempt, last_event_id, &controller.signal()) {
        Ok(p) => p,
        Err(err) => return report(rc, true, error_field(&err, "message")),
    };
    {
        let mut inner = rc.borrow_mut();
        if inner.generation != generation {
            // Closed while `fetch` ran (a custom fetch may call back into the source).
            drop(inner);
            controller.abort();
            return;
        }
        inner.controller = Some(controller);
    }
    watch(rc, generation, &promise, Step::Response, Step::FetchFailed);
}

fn on_response(rc: &Shared, generation: u32, res: web_sys::Response) {
    let headers = res.headers();
    let content_type = headers.get("content-type").ok().flatten();
    rc.borrow_mut().response_url = res.url();
    let wait = rc.borrow().host.retry_after(headers.get("retry-after").ok().flatten().as_deref());
    // `as` saturates (an endless wait stays endless); NaN is no header.
    let retry_after = (wait >= 0.0).then_some(wait as u64);
    let content_type = content_type.as_ref().map(|t| t.as_bytes());
    let response = Response { status: res.status(), content_type, retry_after };
    run(rc, Input::Response(response));
    if rc.borrow().generation != generation || rc.borrow().engine.ready_state() != ReadyState::Open {
        return;
    }
    match res.body() {
        Some(body) => {
            rc.borrow_mut().reader = Some(body.get_reader().unchecked_into());
            read_next(rc, generation);
        }
        None => run(rc, Input::End),
    }
}

fn read_next(rc: &Shared, generation: u32) {
    let Some(reader) = rc.borrow().reader.clone() else { return };
    watch(rc, generation, &reader.read(), Step::Chunk, Step::ReadFailed);
}

#[wasm_bindgen]
extern "C" {
    type Thenable;
    #[wasm_bindgen(method, catch, js_name = then)]
    fn then_with(this: &Thenable, ok: &JsValue, err: &JsValue) -> Result<JsValue, JsValue>;

    type ReadResult;
    #[wasm_bindgen(method, getter)]
    fn done(this: &ReadResult) -> bool;
    #[wasm_bindgen(method, getter)]
    fn value(this: &ReadResult) -> Option<js_sys::Uint8Array>;

    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> js_sys::Promise;
}

fn on_chunk(rc: &Shared, generation: u32, result: ReadResult) {
    if result.done() {
        rc.borrow_mut().reader = None;
        return run(rc, Input::End);
    }
    if let Some(chunk) = result.value() {
        // One copy into wasm memory, with no zero-filling first; the allocator recycles the
        // block for the next chunk.
        run(rc, Input::Body(&chunk.to_vec()));
    }
    if rc.borrow().generation == generation {
        read_next(rc, generation);
    }
}

/// A rejected fetch is either a network error (retry) or a CORS failure (fail). Both reject with
/// the same TypeError, so a `no-cors` request settles it: it succeeds only if the server answered.
fn on_fetch_error(rc: &Shared, err: JsValue) {
    if !rc.borrow().probe_cors || error_field(&err, "name") == "AbortError" {
        return on_failure(rc, &err);
    }
    let init = RequestInit::new();
    init.set_mode(web_sys::RequestMode::NoCors);
    init.set_cache(web_sys::RequestCache::NoStore);
    let credentials = if rc.borrow().engine.config().with_credentials {
        web_sys::RequestCredentials::Include
    } else {
        web_sys::RequestCredentials::SameOrigin
    };
    init.set_credentials(credentials);
    let controller = AbortController::new().ok();
    if let Some(c) = &controller {
        init.set_signal(Some(&c.signal()));
    }
    let (generation, url) = {
        let mut inner = rc.borrow_mut();
        keep_failure(&mut inner, false, error_field(&err, "message"));
        inner.probe = controller;
        (inner.generation, inner.host.url())
    };
    watch(rc, generation, &global_fetch(&url, &init), Step::ProbeAnswered, Step::ProbeFailed);
}

/// `err[name]` as a string, or empty.
fn error_field(err: &JsValue, name: &str) -> String {
    js_sys::Reflect::get(err, &name.into()).ok().and_then(|m| m.as_string()).unwrap_or_default()
}
