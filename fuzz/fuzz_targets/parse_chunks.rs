//! Arbitrary bytes cut at arbitrary points: the parser never panics, and the chunked parse
//! reports exactly what the one-shot parse does.
#![no_main]

use eventsource_wasm::parser::{parse_all, Collect, Parser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    // The first byte seeds the cut positions; the rest is the stream.
    let Some((&seed, stream)) = input.split_first() else { return };
    let whole = parse_all(stream);
    let mut chunked = Collect::default();
    let mut p = Parser::new();
    let mut rest = stream;
    let mut step = usize::from(seed % 17) + 1;
    while !rest.is_empty() {
        let n = step.min(rest.len());
        p.feed(&rest[..n], &mut chunked).unwrap();
        rest = &rest[n..];
        step = (step * 7 + 3) % 23 + 1 + usize::from(seed & 1);
    }
    p.end_stream();
    assert_eq!(whole, chunked);
});
