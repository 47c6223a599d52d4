//! Each attempt's request, built as the JS class builds it: the URL (credentials taken out and
//! sent as `Authorization: Basic`), `Accept`, the caller's headers and body, `Last-Event-ID` as
//! a header or a query parameter. Also the URL parsing the constructor does.

use crate::utf8;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{RequestCache, RequestCredentials, RequestInit, RequestMode, RequestRedirect};

use super::error::Error;

pub(crate) type HeaderList = Vec<(String, String)>;

pub(crate) enum Headers {
    Fixed(HeaderList),
    PerAttempt(Box<dyn FnMut(u32) -> HeaderList>),
}

pub(crate) enum Body {
    Fixed(String),
    PerAttempt(Box<dyn FnMut(u32) -> String>),
}

/// Everything about the request that stays the same between attempts.
pub(crate) struct RequestSpec {
    /// The source's URL without credentials: what is fetched.
    pub fetch_url: String,
    method: String,
    headers: Headers,
    body: Option<Body>,
    query_param: Option<String>,
    with_credentials: bool,
    basic_auth: Option<String>,
}

/// `globalThis[name]`, if it is there.
fn global(name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(&js_sys::global(), &name.into()).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

fn string_field(object: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(object, &name.into()).ok()?.as_string()
}

/// The base URL for relative URLs: the document's, else the worker's `location`.
fn base_url() -> Option<String> {
    global("document")
        .and_then(|doc| string_field(&doc, "baseURI"))
        .or_else(|| global("location").and_then(|loc| string_field(&loc, "href")))
}

/// Parses like the URL Standard (rejecting hosts that lenient platform parsers percent-encode)
/// and returns the serialized absolute URL.
pub(crate) fn parse_url(url: &str) -> Result<String, Error> {
    let invalid = || Error::InvalidUrl { url: url.into() };
    let parsed = match base_url() {
        Some(base) => web_sys::Url::new_with_base(url, &base),
        None => web_sys::Url::new(url),
    }
    .map_err(|_| invalid())?;
    let special = matches!(parsed.protocol().as_str(), "http:" | "https:" | "ws:" | "wss:" | "ftp:" | "file:");
    let host = parsed.hostname();
    // URL Standard: forbidden domain code points (after percent-decoding and IDNA, '%' included).
    let forbidden = |c: char| c <= ' ' || "#%/:<>?@[\\]^|\u{7f}".contains(c);
    if special && !host.is_empty() && !host.starts_with('[') && host.contains(forbidden) {
        return Err(invalid());
    }
    Ok(parsed.href())
}

/// The origin of `url` as `MessageEvent.origin` shows it (`"null"` for opaque ones).
pub(crate) fn origin(url: &str) -> String {
    web_sys::Url::new(url).map(|u| u.origin()).unwrap_or_else(|_| "null".into())
}

/// A `Headers` object with `list`, or the browser's reason for refusing one.
pub(crate) fn headers(list: &HeaderList) -> Result<web_sys::Headers, String> {
    let headers = web_sys::Headers::new().map_err(|e| js_message(&e))?;
    for (name, value) in list {
        headers.append(name, value).map_err(|e| js_message(&e))?;
    }
    Ok(headers)
}

/// `err.message` as a string, or empty.
pub(crate) fn js_message(err: &JsValue) -> String {
    string_field(err, "message").unwrap_or_default()
}

/// A header value is a byte string: `bytes`, one char each.
fn byte_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn base64(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() { char::from(DIGITS[(n >> (18 - 6 * i) & 63) as usize]) } else { '=' });
        }
    }
    out
}

/// `s` percent-encoded except for A-Z a-z 0-9 - . _ ~ (as `encodeURIComponent` plus `!'()*`).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `url` with `name=value` added to its query, before any fragment.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let (head, hash) = url.split_at(url.find('#').unwrap_or(url.len()));
    let sep = if head.contains('?') { '&' } else { '?' };
    format!("{head}{sep}{}={}{hash}", percent_encode(name), percent_encode(value))
}

impl RequestSpec {
    pub(crate) fn new(
        url: &str,
        method: String,
        headers: Headers,
        body: Option<Body>,
        query_param: Option<String>,
        with_credentials: bool,
    ) -> Self {
        // fetch() refuses URLs with credentials: they go in `Authorization: Basic` instead.
        let mut fetch_url = url.to_owned();
        let mut basic_auth = None;
        if let Ok(parsed) = web_sys::Url::new(url) {
            let (user, password) = (parsed.username(), parsed.password());
            if !user.is_empty() || !password.is_empty() {
                // A malformed escape stays as written.
                let decode = |part: &str| {
                    js_sys::decode_uri_component(part).ok().and_then(|s| s.as_string()).unwrap_or_else(|| part.into())
                };
                let userinfo = format!("{}:{}", decode(&user), decode(&password));
                basic_auth = Some(format!("Basic {}", base64(userinfo.as_bytes())));
                parsed.set_username("");
                parsed.set_password("");
                fetch_url = parsed.href();
            }
        }
        RequestSpec { fetch_url, method, headers, body, query_param, with_credentials, basic_auth }
    }

    /// The URL and init of attempt `attempt`, or why it cannot be made (the connection fails).
    pub(crate) fn build(
        &mut self,
        attempt: u32,
        last_event_id: Option<&[u8]>,
    ) -> Result<(String, RequestInit), String> {
        let scheme = self.fetch_url.split(':').next().unwrap_or("").to_ascii_lowercase();
        // spec: a URL that fetch cannot stream from fails the connection (no retry helps).
        if !matches!(scheme.as_str(), "http" | "https" | "data" | "blob") {
            return Err("unsupported URL scheme: only http(s), data and blob URLs can be fetched".into());
        }
        let list = match &mut self.headers {
            Headers::Fixed(list) => headers(list),
            Headers::PerAttempt(f) => headers(&f(attempt)),
        }?;
        let has = |name: &str| list.has(name).unwrap_or(false);
        if let Some(auth) = self.basic_auth.as_deref().filter(|_| !has("authorization")) {
            list.set("Authorization", auth).map_err(|e| js_message(&e))?;
        }
        if !has("accept") {
            list.set("Accept", "text/event-stream").map_err(|e| js_message(&e))?;
        }
        let mut url = self.fetch_url.clone();
        if let Some(id) = last_event_id {
            match &self.query_param {
                Some(name) => url = with_param(&url, name, &utf8::decode(id)),
                // The header carries the id's UTF-8 bytes (decoded with replacement first).
                None => {
                    let id = utf8::decode(id);
                    list.set("Last-Event-ID", &byte_string(id.as_bytes())).map_err(|e| js_message(&e))?;
                }
            }
        }
        let init = RequestInit::new();
        init.set_method(&self.method);
        init.set_headers(list.unchecked_ref());
        init.set_credentials(if self.with_credentials {
            RequestCredentials::Include
        } else {
            RequestCredentials::SameOrigin
        });
        init.set_mode(RequestMode::Cors);
        init.set_cache(RequestCache::NoStore);
        init.set_redirect(RequestRedirect::Follow);
        let body = match &mut self.body {
            Some(Body::Fixed(body)) => Some(body.clone()),
            Some(Body::PerAttempt(f)) => Some(f(attempt)),
            None => None,
        };
        if let Some(body) = body {
            init.set_body(&JsValue::from_str(&body));
        }
        Ok((url, init))
    }
}
