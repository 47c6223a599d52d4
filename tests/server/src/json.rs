//! Just enough JSON output for `/log`, `/sse/echo` and the demo, so the server needs no serde.

use std::fmt::Write;

use hyper::http::request::Parts;

/// A JSON string literal; control characters are escaped so the result fits on one SSE line.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// One request as a JSON object. Header values are given both as lossy text and as hex of the
/// exact bytes, since tests check the precise UTF-8 bytes a client put in `Last-Event-ID`.
pub fn request(parts: &Parts, body: &[u8], t_ms: Option<u128>) -> String {
    // Repeated headers are joined as HTTP allows, keeping the order they arrived in.
    let mut headers: Vec<(&str, Vec<u8>)> = Vec::new();
    for (name, value) in &parts.headers {
        match headers.iter_mut().find(|(n, _)| *n == name.as_str()) {
            Some((_, v)) => {
                v.extend_from_slice(b", ");
                v.extend_from_slice(value.as_bytes());
            }
            None => headers.push((name.as_str(), value.as_bytes().to_vec())),
        }
    }
    let text: Vec<String> =
        headers.iter().map(|(n, v)| format!("{}:{}", string(n), string(&String::from_utf8_lossy(v)))).collect();
    let hexed: Vec<String> = headers.iter().map(|(n, v)| format!("{}:\"{}\"", string(n), hex(v))).collect();
    let mut out = format!(
        "{{\"method\":{},\"path\":{},\"query\":{},\"headers\":{{{}}},\"headers_hex\":{{{}}},\"body\":{}",
        string(parts.method.as_str()),
        string(parts.uri.path()),
        string(parts.uri.query().unwrap_or("")),
        text.join(","),
        hexed.join(","),
        string(&String::from_utf8_lossy(body)),
    );
    if let Some(t) = t_ms {
        let _ = write!(out, ",\"t_ms\":{t}");
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_line_breaks_and_controls() {
        assert_eq!(string("a\"b\\c\nd\re\u{1}"), r#""a\"b\\c\nd\re\u0001""#);
    }

    #[test]
    fn hex_is_lowercase_pairs() {
        assert_eq!(hex(&[0xc3, 0xa9, 0x01]), "c3a901");
    }
}
