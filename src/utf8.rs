//! UTF-8 decoding with the WHATWG decoder's error handling: every maximal invalid subpart becomes
//! one U+FFFD. Streaming comes from the parser, which only decodes whole lines (CR and LF are
//! ASCII, so a line boundary is never inside a character).

/// The UTF-8 byte order mark, stripped once at the very start of a stream.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Appends `bytes` to `dst`, decoded as UTF-8 with replacement.
///
/// Rust's `Utf8Chunks` reports errors as the Unicode "maximal subparts" that the WHATWG
/// Encoding Standard's UTF-8 decoder replaces one U+FFFD each, so the output is identical.
#[inline]
pub fn push_lossy(dst: &mut String, bytes: &[u8]) {
    match core::str::from_utf8(bytes) {
        Ok(s) => dst.push_str(s),
        Err(_) => push_lossy_slow(dst, bytes),
    }
}

#[cold]
fn push_lossy_slow(dst: &mut String, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        dst.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            dst.push('\u{FFFD}');
        }
    }
}

/// Returns `bytes` decoded as UTF-8 with replacement, borrowing when it is already valid.
pub fn decode(bytes: &[u8]) -> alloc::borrow::Cow<'_, str> {
    match core::str::from_utf8(bytes) {
        Ok(s) => alloc::borrow::Cow::Borrowed(s),
        Err(_) => {
            let mut s = String::with_capacity(bytes.len() + 2);
            push_lossy_slow(&mut s, bytes);
            alloc::borrow::Cow::Owned(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lossy(bytes: &[u8]) -> String {
        let mut s = String::new();
        push_lossy(&mut s, bytes);
        s
    }

    #[test]
    fn valid_text_is_copied() {
        assert_eq!(lossy("héllo €𝄞".as_bytes()), "héllo €𝄞");
    }

    #[test]
    fn truncated_sequence_is_one_replacement() {
        // spec (Encoding): E2 82 is a maximal subpart of E2 82 AC.
        assert_eq!(lossy(b"a\xE2\x82b"), "a\u{FFFD}b");
        assert_eq!(lossy(b"\xF0\x9F\x98"), "\u{FFFD}");
    }

    #[test]
    fn surrogates_and_overlongs_replace_each_byte() {
        // ED A0 80 encodes a surrogate: ED is replaced, then A0 and 80 are lone continuations.
        assert_eq!(lossy(b"\xED\xA0\x80"), "\u{FFFD}\u{FFFD}\u{FFFD}");
        // C0 AF is an overlong '/': C0 is never valid, AF is a lone continuation.
        assert_eq!(lossy(b"\xC0\xAF"), "\u{FFFD}\u{FFFD}");
        // F4 90 80 80 is above U+10FFFF.
        assert_eq!(lossy(b"\xF4\x90\x80\x80"), "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}");
        assert_eq!(lossy(b"\xFF"), "\u{FFFD}");
    }

    #[test]
    fn whatwg_encoding_examples() {
        // From the Encoding Standard's decoder behaviour (same as TextDecoder).
        assert_eq!(lossy(b"\xF0\x80\x80"), "\u{FFFD}\u{FFFD}\u{FFFD}");
        assert_eq!(lossy(b"\xE0\x80"), "\u{FFFD}\u{FFFD}");
        assert_eq!(lossy(b"\xF1\x80\x80\xE1\x80\xC2"), "\u{FFFD}\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn decode_borrows_valid_input() {
        assert!(matches!(decode(b"abc"), alloc::borrow::Cow::Borrowed("abc")));
        assert_eq!(decode(b"a\xFFb"), "a\u{FFFD}b");
    }
}
