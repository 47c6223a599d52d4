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
//! use eventsource_wasm::{EventSource, RetryPolicy, SourceEvent};
//! use futures_util::StreamExt; // or `futures::StreamExt`
//!
//! let mut source = EventSource::builder("/api/stream")
//!     .headers_with(|attempt| [("Authorization", format!("Bearer token-{attempt}"))])
//!     .retry(RetryPolicy { initial_delay: 1000, max_delay: 30_000, ..RetryPolicy::BACKOFF })
//!     .max_retries(8)
//!     .build()?;
//!
//! while let Some(event) = source.next().await {
//!     match event {
//!         SourceEvent::Open => log("connected"),
//!         SourceEvent::Message(m) if m.event_type == "done" => break, // dropping it closes it
//!         SourceEvent::Message(m) => log(&format!("{}: {} (id {})", m.event_type, m.data, m.last_event_id)),
//!         SourceEvent::Error(e) if e.will_retry => log(&format!("reconnecting: {}", e.message)),
//!         SourceEvent::Error(e) => log(&format!("gave up: {} ({:?})", e.message, e.status)),
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
//! its callbacks, timers and reader.
// Unsafe code is allowed only in the wasm build's allocator (`src/allocator.rs`) and for the
// `#[no_mangle]` exports and the state cell of `src/ffi.rs`.
#![deny(unsafe_code)]
#![warn(missing_debug_implementations)]

extern crate alloc;

pub mod engine;
pub mod options;
pub mod parser;
pub mod retry;
pub mod utf8;

pub use engine::{Action, Config, Engine, ErrorInfo, Input, Output, ReadyState, Request, Response, Timer};
pub use parser::{Event, Limits, ParseError, Parser, Sink};
pub use retry::RetryPolicy;

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod allocator;
#[cfg(feature = "ffi")]
#[allow(unsafe_code)] // `#[no_mangle]` exports and the module's one state cell.
pub mod ffi;
#[cfg(all(target_arch = "wasm32", feature = "bindgen"))]
pub mod web;
#[cfg(all(target_arch = "wasm32", feature = "bindgen"))]
pub use web::{Builder, Error, ErrorEvent, EventSource, Message, SourceEvent};
