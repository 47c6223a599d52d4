//! The request record that `/log` and `/sse/echo` answer with, rendered by serde_json.

use std::borrow::Cow;
use std::fmt::Write;

use hyper::http::request::Parts;
use serde::{Serialize, Serializer};

/// One request. Header values are given both as lossy text and as hex of the exact bytes, since
/// tests check the precise UTF-8 bytes a client put in `Last-Event-ID`.
#[derive(Serialize)]
struct Record<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    #[serde(serialize_with = "in_order")]
    headers: Vec<(&'a str, Cow<'a, str>)>,
    #[serde(serialize_with = "in_order")]
    headers_hex: Vec<(&'a str, String)>,
    body: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    t_ms: Option<u64>,
}

/// A JSON object whose keys keep the order the headers arrived in.
fn in_order<S: Serializer, V: Serialize>(pairs: &[(&str, V)], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(pairs.iter().map(|(name, value)| (name, value)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// One request as a one-line JSON object (serde_json escapes every control character, so it
/// fits on one SSE `data:` line).
pub fn request(parts: &Parts, body: &[u8], t_ms: Option<u128>) -> String {
    // Repeated headers are joined as HTTP allows, keeping the order they arrived in.
    let mut joined: Vec<(&str, Vec<u8>)> = Vec::new();
    for (name, value) in &parts.headers {
        match joined.iter_mut().find(|(n, _)| *n == name.as_str()) {
            Some((_, v)) => {
                v.extend_from_slice(b", ");
                v.extend_from_slice(value.as_bytes());
            }
            None => joined.push((name.as_str(), value.as_bytes().to_vec())),
        }
    }
    let record = Record {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: joined.iter().map(|(n, v)| (*n, String::from_utf8_lossy(v))).collect(),
        headers_hex: joined.iter().map(|(n, v)| (*n, hex(v))).collect(),
        body: String::from_utf8_lossy(body),
        t_ms: t_ms.map(|t| u64::try_from(t).unwrap_or(u64::MAX)),
    };
    // Serializing plain strings and numbers into a String cannot fail.
    serde_json::to_string(&record).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_pairs() {
        assert_eq!(hex(&[0xc3, 0xa9, 0x01]), "c3a901");
    }

    #[test]
    fn request_keeps_field_and_header_order_and_escapes_controls() {
        let (parts, ()) = hyper::Request::post("/sse/echo?a=1")
            .header("X-B", "2")
            .header("X-A", &b"\xc3\xa9\xff"[..])
            .header("x-b", "3")
            .body(())
            .unwrap()
            .into_parts();
        let json = request(&parts, b"a\"b\n\r\x01", Some(7));
        assert_eq!(
            json,
            concat!(
                r#"{"method":"POST","path":"/sse/echo","query":"a=1","#,
                "\"headers\":{\"x-b\":\"2, 3\",\"x-a\":\"é\u{fffd}\"},",
                r#""headers_hex":{"x-b":"322c2033","x-a":"c3a9ff"},"#,
                r#""body":"a\"b\n\r\u0001","t_ms":7}"#
            )
        );
        assert!(!request(&parts, b"", None).contains("t_ms"));
    }
}
