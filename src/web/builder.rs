//! [`Builder`]: the options of the JS class, checked as it checks them, turned into the engine's
//! [`Config`] and the [`RequestSpec`] every attempt's request is built from.

use super::error::Error;
use super::policy::{millis, RetryPolicy};
use super::request::{self, Body, HeaderList, Headers, RequestSpec};
use super::source::EventSource;
use crate::engine::Config;
use crate::parser::Limits;
use core::fmt;
use core::time::Duration;

/// Options for an [`EventSource`]; everything is off by default, which is native behaviour.
///
/// ```no_run
/// # #[cfg(target_arch = "wasm32")]
/// # fn demo() -> Result<(), eventsource_wasm::Error> {
/// use eventsource_wasm::{EventSource, RetryPolicy};
/// use std::time::Duration;
///
/// let source = EventSource::builder("/api/stream")
///     .header("Authorization", "Bearer secret")
///     .method("POST")
///     .body(r#"{"topic":"prices"}"#)
///     .retry(RetryPolicy::BACKOFF.with_initial_delay(Duration::from_secs(1)).with_max_delay(Duration::from_secs(30)))
///     .max_retries(8)
///     .retry_on_status([429, 502, 503, 504])
///     .inactivity_timeout(Duration::from_secs(45))
///     .build()?;
/// # drop(source);
/// # Ok(())
/// # }
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct Builder {
    url: String,
    with_credentials: bool,
    headers: Headers,
    method: Option<String>,
    body: Option<Body>,
    last_event_id: String,
    query_param: Option<String>,
    retry: RetryPolicy,
    max_retries: Option<u32>,
    retry_on_status: Vec<u16>,
    inactivity_timeout: Duration,
    limits: Limits,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder").field("url", &self.url).field("method", &self.method).finish_non_exhaustive()
    }
}

impl Builder {
    pub(crate) fn new(url: &str) -> Self {
        Builder {
            url: url.to_owned(),
            with_credentials: false,
            headers: Headers::Fixed(Vec::new()),
            method: None,
            body: None,
            last_event_id: String::new(),
            query_param: None,
            retry: RetryPolicy::NATIVE,
            max_retries: None,
            retry_on_status: Vec::new(),
            inactivity_timeout: Duration::ZERO,
            limits: Limits::default(),
        }
    }

    /// `withCredentials`: cross-origin requests carry cookies and HTTP authentication
    /// (`credentials: 'include'` instead of `'same-origin'`).
    pub fn with_credentials(mut self, yes: bool) -> Self {
        self.with_credentials = yes;
        self
    }

    /// Adds a request header sent on every (re)connection. Invalid names or values make
    /// [`build`](Self::build) fail. Replaces a [`headers_with`](Self::headers_with) closure.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let pair = (name.into(), value.into());
        match &mut self.headers {
            Headers::Fixed(list) => list.push(pair),
            Headers::PerAttempt(_) => self.headers = Headers::Fixed(vec![pair]),
        }
        self
    }

    /// Request headers computed for each attempt (1 for the first request), e.g. a fresh token
    /// on every reconnection. Replaces headers given with [`header`](Self::header). A header the
    /// browser refuses fails the connection (an `Error` item with `will_retry` false).
    pub fn headers_with<F, I, K, V>(mut self, mut headers: F) -> Self
    where
        F: FnMut(u32) -> I + 'static,
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.headers = Headers::PerAttempt(Box::new(move |attempt| {
            headers(attempt).into_iter().map(|(k, v)| (k.into(), v.into())).collect::<HeaderList>()
        }));
        self
    }

    /// The request method (default `GET`): any HTTP token except `CONNECT`, `TRACE`, `TRACK`.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// The request body, sent on every (re)connection; not with `GET` or `HEAD`.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(Body::Fixed(body.into()));
        self
    }

    /// The request body computed for each attempt (1 for the first request).
    pub fn body_with<F, B>(mut self, mut body: F) -> Self
    where
        F: FnMut(u32) -> B + 'static,
        B: Into<String>,
    {
        self.body = Some(Body::PerAttempt(Box::new(move |attempt| body(attempt).into())));
        self
    }

    /// `lastEventId`: sent as `Last-Event-ID` on the first request (resume from an id stored
    /// earlier). It must not contain NUL, CR or LF.
    pub fn last_event_id(mut self, id: impl Into<String>) -> Self {
        self.last_event_id = id.into();
        self
    }

    /// `lastEventIdQueryParam`: send the last event ID as a query parameter instead of the
    /// `Last-Event-ID` header (a cross-origin server that cannot answer the CORS preflight the
    /// header causes): a name (`"lastEventId"`), `true` for the name `lastEventId`, or `false`
    /// for the header again (the default). An empty name makes [`build`](Self::build) fail.
    pub fn last_event_id_query_param(mut self, param: impl Into<QueryParam>) -> Self {
        self.query_param = param.into().0;
        self
    }

    /// The reconnection delay policy. [`RetryPolicy::NATIVE`] (the default) waits a fixed
    /// 3 s (or what the server's `retry:` says); [`RetryPolicy::BACKOFF`] and custom values
    /// back off exponentially with jitter between consecutive failures. The multiplier must be
    /// at least 1 and the jitter between 0 and 1, or [`build`](Self::build) fails.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How many times to retry after consecutive failures: `2` allows the first attempt plus
    /// two retries, the next failure closes the source with a final error item. `0` never
    /// reconnects. A successful connection resets the count. Default: no limit.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Statuses that reconnect (with the retry policy, waiting at least what `Retry-After`
    /// says) instead of failing the connection. Each must be in 100..=599.
    pub fn retry_on_status(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.retry_on_status = statuses.into_iter().collect();
        self
    }

    /// If no byte arrives for this long (comments count), the connection is dropped and
    /// re-established with `Last-Event-ID`. Zero (the default) turns it off.
    pub fn inactivity_timeout(mut self, timeout: Duration) -> Self {
        self.inactivity_timeout = timeout;
        self
    }

    /// Fail the connection when a line is longer than this many bytes (0: no limit).
    pub fn max_line_length(mut self, bytes: usize) -> Self {
        self.limits.max_line_len = (bytes > 0).then_some(bytes);
        self
    }

    /// Fail the connection when an event's data grows past this many bytes (0: no limit).
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.limits.max_event_size = (bytes > 0).then_some(bytes);
        self
    }

    /// Checks the options (the first error in the JS class's order) and starts the source: its
    /// first request is sent at once.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] if the URL does not parse, [`Error::InvalidOption`] naming the
    /// builder method whose value is invalid.
    pub fn build(self) -> Result<EventSource, Error> {
        let url = request::parse_url(&self.url)?;
        if let Headers::Fixed(list) = &self.headers {
            request::headers(list).map_err(|why| Error::option("header", format!("the browser refuses it: {why}")))?;
        }
        let method = match &self.method {
            Some(m) => check_method(m)?,
            None => "GET".into(),
        };
        if self.body.is_some() && (method == "GET" || method == "HEAD") {
            return Err(Error::option("body", format!("cannot be sent with {method}")));
        }
        if self.last_event_id.contains(['\0', '\r', '\n']) {
            return Err(Error::option("last_event_id", "must not contain NUL, CR or LF"));
        }
        let RetryPolicy { multiplier, jitter, .. } = self.retry;
        if multiplier.is_nan() || multiplier < 1.0 {
            return Err(Error::option("retry", "the multiplier must be a number >= 1"));
        }
        if !(0.0..=1.0).contains(&jitter) {
            return Err(Error::option("retry", "the jitter must be between 0 and 1"));
        }
        if self.retry_on_status.iter().any(|s| !(100..=599).contains(s)) {
            return Err(Error::option("retry_on_status", "must list HTTP status codes (100-599)"));
        }
        if self.query_param.as_deref() == Some("") {
            return Err(Error::option("last_event_id_query_param", "the name must not be empty"));
        }
        let mut config = Config::new();
        config.with_credentials = self.with_credentials;
        config.last_event_id = self.last_event_id.into_bytes();
        config.retry = self.retry.to_engine();
        config.max_retries = self.max_retries;
        config.retry_on_status = self.retry_on_status;
        config.inactivity_timeout = millis(self.inactivity_timeout);
        config.limits = self.limits;
        config.seed = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
        let spec = RequestSpec::new(&url, method, self.headers, self.body, self.query_param, self.with_credentials);
        Ok(EventSource::start(url, spec, config))
    }
}

/// Where [`Builder::last_event_id_query_param`] sends the last event ID, as the JS option's
/// `string | boolean`: from a name (`&str`, `String`), or a `bool` (`true`: the name
/// `lastEventId`; `false`: the `Last-Event-ID` header, no query parameter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryParam(Option<String>);

impl From<bool> for QueryParam {
    fn from(on: bool) -> Self {
        QueryParam(on.then(|| "lastEventId".to_owned()))
    }
}

impl From<&str> for QueryParam {
    fn from(name: &str) -> Self {
        QueryParam(Some(name.to_owned()))
    }
}

impl From<String> for QueryParam {
    fn from(name: String) -> Self {
        QueryParam(Some(name))
    }
}

/// RFC 9110 token, minus the methods fetch forbids; the standard ones are upper-cased, as fetch
/// normalizes them.
fn check_method(method: &str) -> Result<String, Error> {
    const TCHAR: &[u8] = b"!#$%&'*+-.^_`|~";
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphanumeric() || TCHAR.contains(&b)) {
        return Err(Error::option("method", format!("'{method}' is not a valid HTTP method")));
    }
    let upper = method.to_ascii_uppercase();
    if matches!(upper.as_str(), "CONNECT" | "TRACE" | "TRACK") {
        return Err(Error::option("method", format!("'{method}' is forbidden")));
    }
    Ok(if matches!(upper.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") {
        upper
    } else {
        method.into()
    })
}
