//! eventsource-wasm: a spec-exact Server-Sent Events client. The core ([`parser`], [`engine`],
//! [`retry`]) is plain Rust with no I/O; the `wasm` module binds it to `fetch()` and timers and
//! is compiled only for `wasm32`.
// Unsafe code is allowed only in the wasm build's allocator (`src/wasm/alloc.rs`).
#![deny(unsafe_code)]
#![warn(missing_debug_implementations)]

extern crate alloc;

pub mod engine;
pub mod parser;
pub mod retry;
pub mod utf8;

pub use engine::{Action, Config, Engine, ErrorInfo, Input, Output, ReadyState, Request, Response, Timer};
pub use parser::{Event, Limits, ParseError, Parser, Sink};
pub use retry::RetryPolicy;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
