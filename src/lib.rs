//! eventsource-wasm: a spec-exact Server-Sent Events client. The core ([`parser`], [`engine`],
//! [`retry`]) is plain Rust with no I/O and builds anywhere; on `wasm32` the `bindgen` feature
//! (on by default) adds `EventSource`: the Rust API for Rust web apps (Leptos, Yew, Dioxus,
//! plain wasm-bindgen), a `futures::Stream` driven by `fetch()` and timers; `ffi` is the plain
//! C-ABI binding of the JS package.
//!
//! # The Rust API (wasm32)
//!
//! Request headers, POST, backoff with jitter, retry limits, retry on chosen statuses with
//! `Retry-After`, an inactivity timeout, size limits: the JS class's options, on a `Builder`.
//! Without options it behaves as the browser's own `EventSource`.
//!
//! ```no_run
//! # #[cfg(target_arch = "wasm32")]
//! # async fn example() -> Result<(), eventsource_wasm::Error> {
//! use eventsource_wasm::{ErrorKind, EventSource, RetryPolicy, SourceEvent};
//! use futures_util::StreamExt; // or `futures::StreamExt`
//! use std::time::Duration;
//!
//! let mut source = EventSource::builder("/api/stream")
//!     .headers_with(|attempt| [("Authorization", format!("Bearer token-{attempt}"))])
//!     .retry(RetryPolicy::BACKOFF.with_initial_delay(Duration::from_secs(1)))
//!     .max_retries(8)
//!     .build()?;
//!
//! while let Some(event) = source.next().await {
//!     match event {
//!         SourceEvent::Open => log("connected"),
//!         SourceEvent::Message(m) if m.event_type == "done" => break, // dropping it closes it
//!         SourceEvent::Message(m) => log(&format!("{}: {} (id {})", m.event_type, m.data, m.last_event_id)),
//!         SourceEvent::Error(e) if e.will_retry => log(&format!("reconnecting: {}", e.message)),
//!         SourceEvent::Error(e) if e.kind == ErrorKind::Status(401) => log("signed out"),
//!         SourceEvent::Error(e) => log(&format!("gave up ({}): {}", e.kind, e.message)),
//!         _ => {} // the enum may grow
//!     }
//! }
//! // The stream ended: the source is closed (or gave up).
//! # fn log(_: &str) {}
//! # Ok(())
//! # }
//! ```
//!
//! It runs wherever wasm-bindgen code runs in a browser: pages and dedicated workers (it uses
//! the global scope, never `window`). Dropping the source closes the connection and releases
//! its callbacks, timers and reader; a `CloseHandle` closes it from another task. The source
//! is not `Send`: it holds JavaScript objects of the thread that created it (see
//! `EventSource`, "Threads").
//!
//! # Features
//! - `bindgen` (default): the Rust API above, on wasm32 (wasm-bindgen, web-sys, gloo-timers).
//!   It sets no global allocator: your app keeps its own.
//! - `ffi`: the JS package's standalone module (the engine behind a C ABI, with the crate's
//!   own small `#[global_allocator]` on wasm32). For building that module only; never enable
//!   it in a dependency.
// Unsafe code is allowed only in the `ffi` build's allocator (`src/allocator.rs`) and for the
// `#[no_mangle]` exports and the state cell of `src/ffi.rs`.
#![deny(unsafe_code)]
#![warn(missing_debug_implementations)]
#![warn(missing_docs)]

extern crate alloc;

pub mod engine;
pub mod options;
pub mod parser;
pub mod retry;
pub mod utf8;

pub use engine::{Action, Cause, Config, Engine, ErrorInfo, Input, Output, ReadyState, Request, Response, Timer};
pub use parser::{Event, Limits, ParseError, Parser, Sink};

// A library never sets the global allocator of its users' apps: only the standalone C-ABI
// module does (it is the whole app there).
#[cfg(all(target_arch = "wasm32", feature = "ffi"))]
#[allow(unsafe_code)]
mod allocator;
#[cfg(feature = "ffi")]
#[allow(unsafe_code)] // `#[no_mangle]` exports and the module's one state cell.
pub mod ffi;
#[cfg(all(target_arch = "wasm32", feature = "bindgen"))]
pub mod web;
#[cfg(all(target_arch = "wasm32", feature = "bindgen"))]
pub use web::{
    Builder, CloseHandle, Error, ErrorEvent, ErrorKind, EventSource, Message, QueryParam, RetryPolicy, SourceEvent,
};
