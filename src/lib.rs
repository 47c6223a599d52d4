//! eventsource-wasm: a spec-exact Server-Sent Events client. The core ([`parser`], [`engine`],
//! [`retry`]) is plain Rust with no I/O; the `wasm` module binds it to `fetch()` and timers and
//! is compiled only for `wasm32`; `ffi` is the plain C-ABI binding of the script-tag build.
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
pub mod wasm;
