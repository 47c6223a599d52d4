//! The Rust API for Rust web apps on `wasm32-unknown-unknown`: [`EventSource`], a
//! `futures::Stream` of [`SourceEvent`]s over the same [`Engine`](crate::Engine) as the JS
//! package. The only code that touches web-sys: fetch streaming, `AbortController`, timers.

mod builder;
mod error;
mod events;
mod request;
mod source;

pub use builder::Builder;
pub use error::Error;
pub use events::{ErrorEvent, Message, SourceEvent};
pub use source::EventSource;
