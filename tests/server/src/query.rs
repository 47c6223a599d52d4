//! Query strings as raw bytes: tests send arbitrary bytes (invalid UTF-8, NUL, lone CR) through
//! `body=`, so decoding never goes through `str` until a caller asks for text. That is why this
//! is `percent_encoding` on the raw pairs and not `form_urlencoded::parse`, which yields lossy text.

use percent_encoding::percent_decode;

/// Decodes base64url (and standard base64); padding is optional. A space counts as `+`
/// because form decoding already turned an unescaped `+` into one.
pub fn base64_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' | b' ' => 62,
            b'_' | b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Form decoding as `URLSearchParams` writes it: `+` is a space, `%2B` a plus, and a `%` not
/// followed by two hex digits stays literal so nothing is lost.
fn form_decode(raw: &str) -> Vec<u8> {
    let spaced = raw.replace('+', " ");
    percent_decode(spaced.as_bytes()).collect()
}

/// Parsed `?a=b&c=d`: the first occurrence of a name wins.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pairs: Vec<(String, Vec<u8>)>,
}

impl Query {
    pub fn parse(raw: &str) -> Self {
        let pairs = raw
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (String::from_utf8_lossy(&form_decode(k)).into_owned(), form_decode(v))
            })
            .collect();
        Query { pairs }
    }

    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_slice())
    }

    pub fn text(&self, name: &str) -> Option<String> {
        self.bytes(name).map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// A number param; absent or unparsable gives `default`, and the result is capped at `max`
    /// so no request can ask for an unbounded loop.
    pub fn num(&self, name: &str, default: u64, max: u64) -> u64 {
        self.text(name).and_then(|s| s.trim().parse().ok()).unwrap_or(default).min(max)
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(self.text(name).as_deref(), Some("1" | "true" | "yes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_keeps_any_byte() {
        assert_eq!(form_decode("a%00%FF%0d+x%"), b"a\0\xff\r x%");
        assert_eq!(form_decode("%zz%4"), b"%zz%4");
        assert_eq!(form_decode("a%2Bb+c"), b"a+b c");
        let q = Query::parse("body=%EF%BB%BF%FF&k%65y=a+b");
        assert_eq!(q.bytes("body"), Some(&b"\xef\xbb\xbf\xff"[..]));
        assert_eq!(q.text("key").as_deref(), Some("a b"));
    }

    #[test]
    fn base64url_round_trips_known_vectors() {
        assert_eq!(base64_decode(b"").unwrap(), b"");
        assert_eq!(base64_decode(b"Zm9vYmFy").unwrap(), b"foobar");
        assert_eq!(base64_decode(b"Zm9vYg==").unwrap(), b"foob");
        assert_eq!(base64_decode(b"77u_").unwrap(), b"\xef\xbb\xbf");
        assert_eq!(base64_decode(b"77u/").unwrap(), b"\xef\xbb\xbf");
        assert!(base64_decode(b"a*b").is_none());
    }

    #[test]
    fn query_first_name_wins_and_numbers_are_capped() {
        let q = Query::parse("n=5&n=6&big=99999&bad=x&hold=1");
        assert_eq!(q.num("n", 0, 100), 5);
        assert_eq!(q.num("big", 0, 100), 100);
        assert_eq!(q.num("bad", 7, 100), 7);
        assert!(q.flag("hold"));
        assert!(!q.flag("missing"));
    }
}
