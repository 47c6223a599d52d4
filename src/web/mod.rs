//! The Rust API for Rust web apps on `wasm32-unknown-unknown`: [`EventSource`], a
//! `futures::Stream` of [`SourceEvent`]s over the same [`Engine`](crate::Engine) as the JS
//! package. The only code that touches web-sys: fetch streaming, `AbortController`, timers.

mod builder;
mod error;
mod events;
mod policy;
mod request;
mod source;

pub use builder::{Builder, QueryParam};
pub use error::Error;
pub use events::{ErrorEvent, ErrorKind, Message, SourceEvent};
pub use policy::RetryPolicy;
pub use source::{CloseHandle, EventSource};
