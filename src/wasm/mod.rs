//! The one seam between the Rust core and JavaScript: fetch streaming, timers and event
//! delivery for an [`Engine`](crate::Engine). Compiled only for `wasm32` with the `bindgen`
//! feature; the exported class is `Source`, used by `js/event-source.js`.

mod host;
mod source;

pub use host::Host;
pub use source::Source;
