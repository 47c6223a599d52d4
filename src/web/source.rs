//! A running source: owns the engine, the fetch in flight, its body reader and the timers, and
//! queues what the engine reports for the [`Stream`]. Every promise callback holds a weak
//! reference and the attempt's generation, so nothing outlives the source or acts for an
//! aborted attempt.

use super::builder::Builder;
use super::error::Error;
use super::events::{ErrorEvent, ErrorKind, Message, SourceEvent};
use super::request::{self, RequestSpec};
use crate::engine::{Action, Cause, Config, Engine, Input, Output, ReadyState, Response, Timer};
use crate::{retry, utf8};
use alloc::collections::VecDeque;
use alloc::rc::Rc;
use alloc::sync::Arc;
use core::cell::RefCell;
use core::fmt;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll, Waker};
use core::time::Duration;
use futures_core::stream::{FusedStream, Stream};
use gloo_timers::callback::Timeout;
use std::sync::Mutex;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, ReadableStreamDefaultReader, RequestInit};

/// What the engine asked for, carried out once the engine is no longer borrowed.
enum Op {
    Fetch { last_event_id: Option<Vec<u8>>, attempt: u32 },
    Abort,
    Open,
    Message { event_type: String, data: String, id: String },
    Error { status: Option<u16>, message: Option<&'static str>, cause: Option<Cause>, will_retry: bool },
    SetTimer(Timer, u64),
    ClearTimer(Timer),
}

#[derive(Default)]
struct Ops(Vec<Op>);

impl Output for Ops {
    fn action(&mut self, action: Action<'_>) {
        self.0.push(match action {
            // The fields are the stream's bytes, decoded here with the WHATWG decoder's
            // replacements.
            Action::Message(e) => Op::Message {
                event_type: utf8::decode(e.event_type).into_owned(),
                data: utf8::decode(e.data).into_owned(),
                id: utf8::decode(e.id).into_owned(),
            },
            Action::Fetch(r) => Op::Fetch { last_event_id: r.last_event_id.map(<[u8]>::to_vec), attempt: r.attempt },
            Action::Abort => Op::Abort,
            Action::Open => Op::Open,
            Action::Error(e) => {
                Op::Error { status: e.status, message: e.message, cause: e.cause, will_retry: e.will_retry }
            }
            Action::SetTimer(t, ms) => Op::SetTimer(t, ms),
            Action::ClearTimer(t) => Op::ClearTimer(t),
            Action::Comment(_) => return,
        });
    }
}

struct Inner {
    engine: Engine,
    ops: Ops,
    /// Shared apart from the rest, so that the caller's header and body closures run with no
    /// borrow of the source held.
    request: Rc<RefCell<RequestSpec>>,
    /// The URL fetched (without credentials).
    fetch_url: String,
    /// Bumped on every abort: callbacks of older attempts compare and give up.
    generation: u32,
    controller: Option<AbortController>,
    reader: Option<ReadableStreamDefaultReader>,
    reconnect: Option<Timeout>,
    inactivity: Option<Timeout>,
    /// Where CORS exists a failed fetch may be a CORS failure (fatal), told apart from a
    /// network error (retried) by a `no-cors` probe.
    probe_cors: bool,
    probe: Option<AbortController>,
    /// The origin of the response announced last, which its events carry.
    origin: String,
    /// The details of the last failure reported to the engine (its error item's message and
    /// kind).
    failure: String,
    failure_kind: ErrorKind,
    queue: VecDeque<SourceEvent>,
    waker: Option<Waker>,
    /// No item follows the queued ones (CLOSED).
    ended: bool,
    /// Shared with the close handles.
    signal: Arc<CloseSignal>,
}

/// What a source shares with its [`CloseHandle`]s: only `Send + Sync` values, so that the
/// handles are too.
#[derive(Debug, Default)]
struct CloseSignal {
    /// Set by a handle's `close()` (the source closes when next polled), and by the source once
    /// it is closed.
    closed: AtomicBool,
    /// The task awaiting the source's next item, woken by a handle's `close()`.
    waker: Mutex<Option<Waker>>,
}

type Shared = Rc<RefCell<Inner>>;

/// A Server-Sent Events client for `wasm32-unknown-unknown`: the JS class's behaviour and
/// options, as a [`Stream`] of [`SourceEvent`]s.
///
/// The first request is sent when the source is created. The stream ends after an error item
/// with `will_retry: false` (the source is CLOSED), or at once after [`close`](Self::close).
/// Dropping the source closes it: the request is aborted, the body reader cancelled, the timers
/// cleared and every callback released. It uses the global scope (`fetch`, `setTimeout`), never
/// `window`, so it runs on the main thread and in workers.
///
/// To close a source that another task owns (one moved into `spawn_local`, a component's
/// effect), keep a [`CloseHandle`] from [`close_handle`](Self::close_handle).
///
/// # Threads
/// `EventSource` is neither `Send` nor `Sync`: it holds JavaScript objects (the fetch's
/// `AbortController`, the body reader, timer and listener callbacks), which belong to the thread
/// (page or worker) that created them. Drive it on that thread, e.g. with
/// `wasm_bindgen_futures::spawn_local` or your framework's local task spawner; in another
/// worker, create another source. Its [`CloseHandle`] is `Send + Sync` (it holds no JavaScript
/// object), so it fits cleanup callbacks that require them.
pub struct EventSource {
    url: String,
    with_credentials: bool,
    inner: Shared,
    /// Dropped after `inner` is closed (fields drop after `Drop::drop`).
    _online: Option<OnlineListener>,
}

/// The global scope's `online` listener, removed (and its closure freed) on drop: when the
/// browser comes back online, a source waiting to reconnect reconnects at once.
struct OnlineListener {
    target: web_sys::EventTarget,
    callback: Closure<dyn FnMut()>,
}

impl OnlineListener {
    fn new(rc: &Shared) -> Option<Self> {
        let target: web_sys::EventTarget = js_sys::global().dyn_into().ok()?;
        let weak = Rc::downgrade(rc);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(rc) = weak.upgrade() {
                run(&rc, Input::Online);
            }
        });
        target.add_event_listener_with_callback("online", callback.as_ref().unchecked_ref()).ok()?;
        Some(OnlineListener { target, callback })
    }
}

impl Drop for OnlineListener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback("online", self.callback.as_ref().unchecked_ref());
    }
}

impl fmt::Debug for EventSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSource").field("url", &self.url).field("ready_state", &self.ready_state()).finish()
    }
}

impl EventSource {
    /// A source for `url` (resolved against the document's base URL, or the worker's
    /// `location`) with native behaviour. Same as `EventSource::builder(url).build()`.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] if the URL does not parse.
    pub fn new(url: impl AsRef<str>) -> Result<EventSource, Error> {
        Builder::new(url.as_ref()).build()
    }

    /// A [`Builder`] for a source with options.
    pub fn builder(url: impl AsRef<str>) -> Builder {
        Builder::new(url.as_ref())
    }

    pub(crate) fn start(url: String, request: RequestSpec, config: Config) -> EventSource {
        let with_credentials = config.with_credentials;
        let probe_cors = js_sys::Reflect::get(&js_sys::global(), &"location".into())
            .ok()
            .and_then(|loc| js_sys::Reflect::get(&loc, &"origin".into()).ok())
            .is_some_and(|origin| origin.is_string());
        let inner = Inner {
            engine: Engine::new(config),
            ops: Ops::default(),
            fetch_url: request.fetch_url.clone(),
            request: Rc::new(RefCell::new(request)),
            generation: 0,
            controller: None,
            reader: None,
            reconnect: None,
            inactivity: None,
            probe_cors,
            probe: None,
            origin: String::new(),
            failure: String::new(),
            failure_kind: ErrorKind::Network,
            queue: VecDeque::new(),
            waker: None,
            ended: false,
            signal: Arc::default(),
        };
        let inner = Rc::new(RefCell::new(inner));
        let _online = OnlineListener::new(&inner);
        let source = EventSource { url, with_credentials, inner, _online };
        run(&source.inner, Input::Start);
        source
    }

    /// The absolute, serialized URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether cross-origin requests carry credentials (set with
    /// [`Builder::with_credentials`]).
    pub fn with_credentials(&self) -> bool {
        self.with_credentials
    }

    /// The connection's state now. It may be ahead of the items not yet taken from the stream
    /// (an `Open` still queued while the state is already `Open`).
    pub fn ready_state(&self) -> ReadyState {
        let inner = self.inner.borrow();
        if inner.signal.closed.load(Ordering::Relaxed) {
            return ReadyState::Closed;
        }
        inner.engine.ready_state()
    }

    /// The last event ID the stream set so far (sent as `Last-Event-ID` on reconnection).
    pub fn last_event_id(&self) -> String {
        utf8::decode(self.inner.borrow().engine.last_event_id()).into_owned()
    }

    /// The reconnection time (3 s, the [`RetryPolicy`](super::RetryPolicy)'s initial delay, or
    /// what the server's `retry:` field set).
    pub fn reconnection_time(&self) -> Duration {
        Duration::from_millis(self.inner.borrow().engine.reconnection_time())
    }

    /// spec: `close()`: aborts the request, cancels the timers; readyState CLOSED. No item
    /// follows, even one already queued: the stream ends.
    pub fn close(&self) {
        close(&self.inner);
    }

    /// A handle that closes this source from elsewhere (another task, a callback, a
    /// component's cleanup): see [`CloseHandle`]. It does not keep the source alive.
    pub fn close_handle(&self) -> CloseHandle {
        CloseHandle { signal: self.inner.borrow().signal.clone() }
    }
}

/// Closes an [`EventSource`] owned by another task (one moved into `spawn_local`, a component's
/// effect): from [`EventSource::close_handle`]. Cloneable, `Send` and `Sync`.
///
/// [`close`](Self::close) ends the source's stream: the task awaiting its next item is woken
/// and gets `None`, and the source closes as with [`EventSource::close`] (request aborted,
/// timers cleared) as it is polled. A source that no task polls closes when it is next polled
/// or dropped. Once the source is closed or dropped, closing does nothing.
#[derive(Clone, Debug)]
pub struct CloseHandle {
    signal: Arc<CloseSignal>,
}

impl CloseHandle {
    /// Closes the source (see above).
    pub fn close(&self) {
        if !self.signal.closed.swap(true, Ordering::Relaxed) {
            let waker = self.signal.waker.lock().ok().and_then(|mut w| w.take());
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Whether the source is closed or closing: by a handle, by its owner, on drop, or after a
    /// final error.
    pub fn is_closed(&self) -> bool {
        self.signal.closed.load(Ordering::Relaxed)
    }
}

fn close(rc: &Shared) {
    run(rc, Input::Close);
    // Also what a failed connection may leave (the engine asks for no abort once CLOSED).
    abort(rc);
    let (probe, waker) = {
        let mut inner = rc.borrow_mut();
        inner.queue.clear();
        inner.ended = true;
        inner.signal.closed.store(true, Ordering::Relaxed);
        (inner.probe.take(), inner.waker.take())
    };
    if let Some(probe) = probe {
        probe.abort();
    }
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl Drop for EventSource {
    fn drop(&mut self) {
        self.close();
    }
}

impl Stream for EventSource {
    type Item = SourceEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SourceEvent>> {
        let closing = {
            let inner = self.inner.borrow();
            inner.signal.closed.load(Ordering::Relaxed) && !inner.ended
        };
        if closing {
            // A close handle asked for it.
            close(&self.inner);
        }
        let mut inner = self.inner.borrow_mut();
        if let Some(item) = inner.queue.pop_front() {
            return Poll::Ready(Some(item));
        }
        if inner.ended {
            return Poll::Ready(None);
        }
        inner.waker = Some(cx.waker().clone());
        if let Ok(mut waker) = inner.signal.waker.lock() {
            *waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl FusedStream for EventSource {
    fn is_terminated(&self) -> bool {
        let inner = self.inner.borrow();
        inner.ended && inner.queue.is_empty()
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
        core::mem::take(&mut inner.ops.0)
    };
    for op in ops {
        exec(rc, op);
    }
}

/// Queues an item for the stream and wakes its task.
fn push(rc: &Shared, item: SourceEvent, last: bool) {
    let waker = {
        let mut inner = rc.borrow_mut();
        if inner.ended {
            return;
        }
        inner.queue.push_back(item);
        inner.ended = last;
        if last {
            inner.signal.closed.store(true, Ordering::Relaxed);
        }
        inner.waker.take()
    };
    if let Some(waker) = waker {
        waker.wake();
    }
}

fn exec(rc: &Shared, op: Op) {
    match op {
        Op::Fetch { last_event_id, attempt } => {
            if rc.borrow().engine.ready_state() != ReadyState::Closed {
                start_fetch(rc, last_event_id.as_deref(), attempt);
            }
        }
        Op::Abort => abort(rc),
        Op::Open => push(rc, SourceEvent::Open, false),
        Op::Message { event_type, data, id } => {
            let origin = rc.borrow().origin.clone();
            push(rc, SourceEvent::Message(Message { event_type, data, last_event_id: id, origin }), false);
        }
        Op::Error { status, message, cause, will_retry } => {
            let (message, kind) = match message {
                Some(m) => (m.into(), kind_of(cause, status)),
                None => {
                    let inner = rc.borrow();
                    (inner.failure.clone(), inner.failure_kind)
                }
            };
            push(rc, SourceEvent::Error(ErrorEvent { kind, message, status, will_retry }), !will_retry);
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
        // Dropping a gloo `Timeout` clears it and frees its closure.
        Op::ClearTimer(timer) => {
            let mut inner = rc.borrow_mut();
            match timer {
                Timer::Reconnect => inner.reconnect = None,
                Timer::Inactivity => inner.inactivity = None,
            }
        }
    }
}

/// The kind of an error the engine explained itself.
fn kind_of(cause: Option<Cause>, status: Option<u16>) -> ErrorKind {
    match cause {
        Some(Cause::ServerClosed) => ErrorKind::ServerClosed,
        Some(Cause::Status) => ErrorKind::Status(status.unwrap_or(0)),
        Some(Cause::ContentType) => ErrorKind::ContentType,
        Some(Cause::Inactivity) => ErrorKind::Inactivity,
        Some(Cause::RetriesExhausted) => ErrorKind::RetriesExhausted,
        Some(Cause::LineTooLong) => ErrorKind::LineTooLong,
        Some(Cause::EventTooLarge) => ErrorKind::EventTooLarge,
        // A cause added to the engine and not mapped yet (the engine's enum may grow).
        _ => ErrorKind::Network,
    }
}

fn abort(rc: &Shared) {
    let (controller, reader) = {
        let mut inner = rc.borrow_mut();
        inner.generation = inner.generation.wrapping_add(1);
        (inner.controller.take(), inner.reader.take())
    };
    if let Some(reader) = reader {
        // Settles the pending read (done), which frees its callback. On a stream that has
        // errored meanwhile, `cancel()` rejects: that rejection is expected, and handled here
        // so that it is not reported as an unhandled one.
        ignore_rejection(&reader.cancel());
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

/// The two callbacks of one `then`: whichever runs first drops both (the other never runs).
type Callbacks = Rc<RefCell<Option<(Closure<dyn FnMut(JsValue)>, Closure<dyn FnMut(JsValue)>)>>>;

/// `promise.then(…)` routed to [`settle`] with the generation it belongs to. Both callbacks
/// are freed when the promise settles, which every abort makes happen; they hold the source
/// only weakly.
fn watch(rc: &Shared, generation: u32, promise: &js_sys::Promise, ok: Step, err: Step) {
    let pair: Callbacks = Rc::new(RefCell::new(None));
    let callback = |step: Step| {
        let weak = Rc::downgrade(rc);
        let pair = pair.clone();
        Closure::once(move |value: JsValue| {
            drop(pair.borrow_mut().take());
            if let Some(rc) = weak.upgrade() {
                settle(&rc, generation, step, value);
            }
        })
    };
    let (on_ok, on_err) = (callback(ok), callback(err));
    match promise.unchecked_ref::<Thenable>().then_with(on_ok.as_ref(), on_err.as_ref()) {
        Ok(_) => *pair.borrow_mut() = Some((on_ok, on_err)),
        Err(e) => report(rc, ErrorKind::Request, request::js_message(&e)),
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
        Step::ReadFailed => {
            // The stream has errored: nothing to cancel any more (a `cancel()` would reject).
            rc.borrow_mut().reader = None;
            on_failure(rc, &value)
        }
        // Only a cross-origin answer (opaque) can have failed a CORS check; a same-origin one
        // (the request may redirect either way) means the failure was the network's, e.g. a
        // connection reset before the response head. `failure` holds the fetch's own message.
        Step::ProbeAnswered if js_string(&value, "type") != "opaque" => run(rc, Input::NetworkError),
        Step::ProbeAnswered => report(rc, ErrorKind::Cors, "the response failed the CORS check".into()),
        // `failure` still holds the fetch's own message.
        Step::ProbeFailed => run(rc, Input::NetworkError),
    }
}

/// A rejection we did not cause by aborting is a network error, except an abort by someone
/// else (e.g. `window.stop()`): spec, "if res is an aborted network error, fail the connection".
fn on_failure(rc: &Shared, err: &JsValue) {
    let kind = if error_name(err) == "AbortError" { ErrorKind::Aborted } else { ErrorKind::Network };
    report(rc, kind, request::js_message(err));
}

thread_local! {
    /// One no-op rejection handler for every promise whose rejection is expected, created
    /// once (a closure per promise would have to be freed after it settles).
    static IGNORE: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| {});
}

/// Marks `promise`'s rejection as handled.
fn ignore_rejection(promise: &js_sys::Promise) {
    IGNORE.with(|ignore| {
        let _ = promise.catch(ignore);
    });
}

fn error_name(err: &JsValue) -> String {
    js_string(err, "name")
}

/// `value[key]` if it is a string, else empty.
fn js_string(value: &JsValue, key: &str) -> String {
    js_sys::Reflect::get(value, &key.into()).ok().and_then(|n| n.as_string()).unwrap_or_default()
}

/// Reports a failure to the engine, keeping its details for the error item: a network error
/// reconnects, any other kind fails the connection.
fn report(rc: &Shared, kind: ErrorKind, message: String) {
    let fatal = kind != ErrorKind::Network;
    keep_failure(&mut rc.borrow_mut(), kind, message);
    run(rc, if fatal { Input::Failed } else { Input::NetworkError });
}

/// A failure with no message of its own says what it was.
fn keep_failure(inner: &mut Inner, kind: ErrorKind, message: String) {
    inner.failure = match (message.is_empty(), kind) {
        (true, ErrorKind::Network) => "network error".into(),
        (true, ErrorKind::Cors) => "the response failed the CORS check".into(),
        (true, ErrorKind::Aborted) => "the request was aborted".into(),
        _ => message,
    };
    inner.failure_kind = kind;
}

/// Starts attempt `attempt` with its own abort signal.
fn start_fetch(rc: &Shared, last_event_id: Option<&[u8]>, attempt: u32) {
    let Ok(controller) = AbortController::new() else {
        return report(rc, ErrorKind::Request, "AbortController is not available".into());
    };
    let (spec, generation) = {
        let inner = rc.borrow();
        (inner.request.clone(), inner.generation)
    };
    let built = spec.borrow_mut().build(attempt, last_event_id);
    if rc.borrow().generation != generation {
        return; // closed by the caller's closure
    }
    let (url, init) = match built {
        Ok(request) => request,
        Err(why) => return report(rc, ErrorKind::Request, why),
    };
    init.set_signal(Some(&controller.signal()));
    let promise = match global_fetch(&url, &init) {
        Ok(promise) => promise,
        Err(err) => return report(rc, ErrorKind::Request, request::js_message(&err)),
    };
    rc.borrow_mut().controller = Some(controller);
    watch(rc, generation, &promise, Step::Response, Step::FetchFailed);
}

fn on_response(rc: &Shared, generation: u32, res: web_sys::Response) {
    let headers = res.headers();
    let content_type = headers.get("content-type").ok().flatten();
    let retry_after = headers.get("retry-after").ok().flatten().and_then(|v| retry::parse_retry_after(&v, Some(now())));
    {
        let mut inner = rc.borrow_mut();
        let url = res.url();
        // spec: the events' origin is that of the response's final URL.
        inner.origin = request::origin(if url.is_empty() { &inner.fetch_url } else { &url });
    }
    let content_type = content_type.as_ref().map(|t| t.as_bytes());
    run(rc, Input::Response(Response { status: res.status(), content_type, retry_after }));
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

    /// The global scope's `fetch` (Window or WorkerGlobalScope).
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Result<js_sys::Promise, JsValue>;
}

fn on_chunk(rc: &Shared, generation: u32, result: ReadResult) {
    if result.done() {
        rc.borrow_mut().reader = None;
        return run(rc, Input::End);
    }
    if let Some(chunk) = result.value() {
        run(rc, Input::Body(&chunk.to_vec()));
    }
    if rc.borrow().generation == generation {
        read_next(rc, generation);
    }
}

/// A rejected fetch is either a network error (retry) or a CORS failure (fail). Both reject with
/// the same TypeError, so a `no-cors` request settles it: it succeeds only if the server answered.
fn on_fetch_error(rc: &Shared, err: JsValue) {
    if !rc.borrow().probe_cors || error_name(&err) == "AbortError" {
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
        keep_failure(&mut inner, ErrorKind::Network, request::js_message(&err));
        inner.probe = controller;
        (inner.generation, inner.fetch_url.clone())
    };
    match global_fetch(&url, &init) {
        Ok(probe) => watch(rc, generation, &probe, Step::ProbeAnswered, Step::ProbeFailed),
        Err(_) => run(rc, Input::NetworkError),
    }
}
