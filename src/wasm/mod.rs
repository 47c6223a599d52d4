//! The one seam between the Rust core and JavaScript: fetch streaming, timers and event
//! delivery for an [`Engine`](crate::Engine). Compiled only for `wasm32`; the exported class is
//! `Source`, used by `js/event-source.js`.

#[allow(unsafe_code)]
mod alloc;
mod host;
mod source;

pub use host::Host;
pub use source::Source;
