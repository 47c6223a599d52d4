//! The construction errors, as the JS class reports them (`SyntaxError` for the URL, `TypeError`
//! for an option), with the same messages.

use core::fmt;

/// Why [`EventSource::new`](super::EventSource::new) or
/// [`Builder::build`](super::Builder::build) refused to create a source.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The URL does not parse against the base URL (the document's, or the worker's
    /// `location`), or its host has a code point the URL Standard forbids. The JS class throws
    /// a `SyntaxError` `DOMException` here.
    InvalidUrl(String),
    /// An option is invalid. `option` is the JS class's option name (`headers`, `method`,
    /// `body`, `lastEventId`, `retry`, `retryOnStatus`, `lastEventIdQueryParam`); the JS class
    /// throws a `TypeError` here.
    InvalidOption { option: &'static str, reason: String },
}

impl Error {
    pub(crate) fn option(option: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidOption { option, reason: reason.into() }
    }

    /// The name of the JS exception the class throws for the same mistake: `"SyntaxError"` or
    /// `"TypeError"`.
    pub fn js_name(&self) -> &'static str {
        match self {
            Error::InvalidUrl(_) => "SyntaxError",
            Error::InvalidOption { .. } => "TypeError",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUrl(url) => write!(f, "Failed to construct 'EventSource': The URL '{url}' is invalid."),
            Error::InvalidOption { option, reason } => {
                write!(f, "Failed to construct 'EventSource': option '{option}' {reason}.")
            }
        }
    }
}

impl std::error::Error for Error {}
