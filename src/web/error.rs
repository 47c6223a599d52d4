//! The construction errors: a URL that does not parse, or a [`Builder`](super::Builder) option
//! that is invalid, named by its builder method.

use core::fmt;

/// Why [`EventSource::new`](super::EventSource::new) or
/// [`Builder::build`](super::Builder::build) refused to create a source.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The URL does not parse against the base URL (the document's, or the worker's
    /// `location`), or its host has a code point the URL Standard forbids.
    InvalidUrl {
        /// The URL as given.
        url: String,
    },
    /// A [`Builder`](super::Builder) option is invalid.
    InvalidOption {
        /// The builder method that set it: `"header"`, `"method"`,
        /// `"body"`, `"last_event_id"`, `"retry"`, `"retry_on_status"`,
        /// `"last_event_id_query_param"`.
        option: &'static str,
        /// What is wrong with it, in English.
        reason: String,
    },
}

impl Error {
    pub(crate) fn option(option: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidOption { option, reason: reason.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUrl { url } => write!(f, "invalid EventSource URL {url:?}"),
            Error::InvalidOption { option, reason } => write!(f, "invalid `Builder::{option}` option: {reason}"),
        }
    }
}

impl std::error::Error for Error {}
