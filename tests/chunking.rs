//! Property: however a stream is cut into chunks, the parser reports the same events,
//! retries, comments and last event ID as a one-shot parse.
#![cfg(not(target_arch = "wasm32"))]

use eventsource_wasm::parser::{parse_all, Collect, Parser};
use proptest::prelude::*;

/// Streams built from plausible and hostile pieces: fields, all line endings, BOMs, NULs,
/// multi-byte and invalid UTF-8.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"data:".to_vec()),
        Just(b"data: ".to_vec()),
        Just(b"event:".to_vec()),
        Just(b"id:".to_vec()),
        Just(b"retry:".to_vec()),
        Just(b":".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n\n".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\x00".to_vec()),
        Just("é€𝄞".as_bytes().to_vec()),
        Just(b"\xF0\x9F\x98".to_vec()),
        Just(b"\xFF\xC3".to_vec()),
        "[a-z0-9 ]{0,12}".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..6),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn parse_in_chunks(stream: &[u8], cuts: &[usize]) -> (Collect, String) {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    cuts.sort_unstable();
    let mut out = Collect::default();
    let mut p = Parser::new();
    let mut start = 0;
    for cut in cuts.into_iter().chain([stream.len()]) {
        p.feed(&stream[start..cut], &mut out).unwrap();
        start = cut;
    }
    let id = String::from_utf8_lossy(p.last_event_id()).into_owned();
    p.end_stream();
    (out, id)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_chunking_gives_identical_output(s in stream(), cuts in proptest::collection::vec(any::<usize>(), 0..12)) {
        let (whole, whole_id) = parse_in_chunks(&s, &[]);
        let (chunked, chunked_id) = parse_in_chunks(&s, &cuts);
        prop_assert_eq!(&whole, &chunked);
        prop_assert_eq!(whole_id, chunked_id);
        prop_assert_eq!(whole, parse_all(&s));
    }

    #[test]
    fn arbitrary_bytes_never_panic(s in proptest::collection::vec(any::<u8>(), 0..512), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        let (whole, _) = parse_in_chunks(&s, &[]);
        let (chunked, _) = parse_in_chunks(&s, &cuts);
        prop_assert_eq!(whole, chunked);
    }
}

/// Bytes biased towards UTF-8 lead and continuation bytes, where decoders disagree.
fn utf8ish() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        any::<u8>(),
        0x80u8..=0xBF,
        0xC0u8..=0xF7,
        Just(0xE0u8),
        Just(0xEDu8),
        Just(0xF0u8),
        Just(0xF4u8),
        Just(b'a')
    ];
    proptest::collection::vec(byte, 0..64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    // spec (Encoding): one U+FFFD per maximal subpart, which Rust's from_utf8_lossy also does.
    #[test]
    fn lossy_decoding_matches_the_whatwg_decoder(bytes in utf8ish()) {
        let mut ours = String::new();
        eventsource_wasm::utf8::push_lossy(&mut ours, &bytes);
        prop_assert_eq!(&ours, &String::from_utf8_lossy(&bytes));
        prop_assert_eq!(eventsource_wasm::utf8::decode(&bytes), String::from_utf8_lossy(&bytes));
    }
}
