//! One named test per rule of the WHATWG "event stream interpretation", plus the spec's own
//! examples. Every stream is also checked byte by byte, so chunking cannot change a result.

use eventsource_wasm::parser::{parse_all, Collect, Limits, OwnedEvent, ParseError, Parser};

fn ev(event_type: &str, data: &str, id: &str) -> OwnedEvent {
    OwnedEvent::new(event_type, data, id)
}

/// Parses `stream` whole and one byte at a time; both must agree.
fn parse(stream: &[u8]) -> Collect {
    let whole = parse_all(stream);
    let mut bytewise = Collect::default();
    let mut p = Parser::new();
    for b in stream {
        p.feed(std::slice::from_ref(b), &mut bytewise).unwrap();
    }
    assert_eq!(whole, bytewise, "byte-at-a-time parse differs for {stream:?}");
    whole
}

fn events(stream: &[u8]) -> Vec<OwnedEvent> {
    parse(stream).events
}

#[test]
fn spec_example_three_messages() {
    let s = b"data: This is the first message.\n\ndata: This is the second message, it\ndata: has two lines.\n\ndata: This is the third message.\n\n";
    assert_eq!(
        events(s),
        vec![
            ev("message", "This is the first message.", ""),
            ev("message", "This is the second message, it\nhas two lines.", ""),
            ev("message", "This is the third message.", ""),
        ]
    );
}

#[test]
fn spec_example_event_types() {
    let s = b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n";
    assert_eq!(events(s), vec![ev("add", "73857293", ""), ev("remove", "2153", ""), ev("add", "113411", "")]);
}

#[test]
fn spec_example_multiline_data() {
    assert_eq!(events(b"data: YHOO\ndata: +2\ndata: 10\n\n"), vec![ev("message", "YHOO\n+2\n10", "")]);
}

#[test]
fn spec_example_ids_and_unterminated_event() {
    let s = b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n";
    let out = parse(s);
    assert_eq!(out.events, vec![ev("message", "first event", "1"), ev("message", "second event", "")]);
    assert_eq!(out.comments, vec![" test stream"]);
}

#[test]
fn spec_example_empty_data_lines() {
    assert_eq!(events(b"data\n\ndata\ndata\n\ndata:"), vec![ev("message", "", ""), ev("message", "\n", "")]);
}

#[test]
fn spec_example_space_after_colon_is_optional() {
    assert_eq!(events(b"data:test\n\ndata: test\n\n"), vec![ev("message", "test", ""), ev("message", "test", "")]);
}

#[test]
fn line_endings_crlf_lf_and_cr_are_all_accepted() {
    let expected = vec![ev("message", "a\nb", ""), ev("message", "c", "")];
    assert_eq!(events(b"data:a\r\ndata:b\r\n\r\ndata:c\r\n\r\n"), expected);
    assert_eq!(events(b"data:a\ndata:b\n\ndata:c\n\n"), expected);
    assert_eq!(events(b"data:a\rdata:b\r\rdata:c\r\r"), expected);
    assert_eq!(events(b"data:a\rdata:b\n\r\ndata:c\n\r"), expected);
}

#[test]
fn crlf_split_across_chunks_is_one_line_ending() {
    let mut p = Parser::new();
    let mut out = Collect::default();
    p.feed(b"data:a\r", &mut out).unwrap();
    p.feed(b"\ndata:b\r", &mut out).unwrap();
    p.feed(b"\n\r", &mut out).unwrap();
    p.feed(b"\n", &mut out).unwrap();
    assert_eq!(out.events, vec![ev("message", "a\nb", "")]);
}

#[test]
fn cr_cr_is_two_line_endings() {
    assert_eq!(events(b"data:a\r\r"), vec![ev("message", "a", "")]);
}

#[test]
fn one_leading_bom_is_stripped() {
    assert_eq!(events(b"\xEF\xBB\xBFdata:1\n\n"), vec![ev("message", "1", "")]);
}

#[test]
fn a_second_bom_is_part_of_the_field_name() {
    // spec: only one leading BOM is ignored; "\u{FEFF}data" is then an unknown field.
    assert_eq!(events(b"\xEF\xBB\xBF\xEF\xBB\xBFdata:1\n\ndata:2\n\n"), vec![ev("message", "2", "")]);
}

#[test]
fn bom_after_the_start_is_kept() {
    assert_eq!(
        events(b"data:1\n\n\xEF\xBB\xBFdata:2\n\ndata:\xEF\xBB\xBF3\n\n"),
        vec![ev("message", "1", ""), ev("message", "\u{FEFF}3", "")]
    );
}

#[test]
fn bom_split_across_chunks_is_stripped() {
    let mut p = Parser::new();
    let mut out = Collect::default();
    for part in [&b"\xEF"[..], b"\xBB", b"\xBFda", b"ta:x\n\n"] {
        p.feed(part, &mut out).unwrap();
    }
    assert_eq!(out.events, vec![ev("message", "x", "")]);
}

#[test]
fn partial_bom_is_decoded_as_invalid_utf8() {
    // EF BB followed by 'd' is not a BOM: it decodes to one U+FFFD that starts the field name.
    assert_eq!(events(b"\xEF\xBBdata:1\n\ndata:2\n\n"), vec![ev("message", "2", "")]);
}

#[test]
fn comment_lines_are_ignored_and_reported() {
    let out = parse(b":\n: heartbeat\ndata:x\n:inside\n\n");
    assert_eq!(out.events, vec![ev("message", "x", "")]);
    assert_eq!(out.comments, vec!["", " heartbeat", "inside"]);
}

#[test]
fn only_one_leading_space_is_removed_from_the_value() {
    assert_eq!(events(b"data:   x \n\n"), vec![ev("message", "  x ", "")]);
    assert_eq!(events(b"data:\tx\n\n"), vec![ev("message", "\tx", "")]);
}

#[test]
fn line_without_colon_is_a_field_with_empty_value() {
    assert_eq!(events(b"data\n\n"), vec![ev("message", "", "")]);
    assert_eq!(events(b"event\ndata:x\n\n"), vec![ev("message", "x", "")]);
}

#[test]
fn value_may_contain_colons() {
    assert_eq!(events(b"data: a:b: c\n\n"), vec![ev("message", "a:b: c", "")]);
}

#[test]
fn field_names_are_case_sensitive() {
    assert_eq!(events(b"Data:x\nDATA:y\nEvent:e\nID:1\ndata:z\n\n"), vec![ev("message", "z", "")]);
}

#[test]
fn unknown_fields_are_ignored() {
    assert_eq!(events(b"foo:bar\ndata :x\n data:y\ndata:z\n\n"), vec![ev("message", "z", "")]);
}

#[test]
fn event_type_defaults_to_message() {
    assert_eq!(events(b"event:\ndata:x\n\n"), vec![ev("message", "x", "")]);
}

#[test]
fn last_event_field_wins() {
    assert_eq!(events(b"event:a\nevent:b\ndata:x\n\n"), vec![ev("b", "x", "")]);
}

#[test]
fn type_and_data_reset_after_dispatch() {
    assert_eq!(events(b"event:a\ndata:x\n\ndata:y\n\n"), vec![ev("a", "x", ""), ev("message", "y", "")]);
}

#[test]
fn event_type_resets_even_without_data() {
    assert_eq!(events(b"event:a\n\ndata:y\n\n"), vec![ev("message", "y", "")]);
}

#[test]
fn empty_data_buffer_dispatches_nothing() {
    assert_eq!(events(b"\n\n\nevent:x\n\nid:3\n\n"), vec![]);
}

#[test]
fn final_lf_of_data_is_removed_once() {
    assert_eq!(events(b"data:\ndata:\n\n"), vec![ev("message", "\n", "")]);
}

#[test]
fn unterminated_event_at_end_is_dropped() {
    assert_eq!(events(b"data:a\n\ndata:b\n"), vec![ev("message", "a", "")]);
    assert_eq!(events(b"data:a\n\ndata:b"), vec![ev("message", "a", "")]);
}

#[test]
fn id_is_set_at_dispatch_and_persists() {
    assert_eq!(
        events(b"id:1\ndata:a\n\ndata:b\n\nid:2\n\ndata:c\n\n"),
        vec![ev("message", "a", "1"), ev("message", "b", "1"), ev("message", "c", "2")]
    );
}

#[test]
fn id_updates_last_event_id_even_with_empty_data() {
    let mut p = Parser::new();
    let mut out = Collect::default();
    p.feed(b"id:7\n\n", &mut out).unwrap();
    assert!(out.events.is_empty());
    assert_eq!(p.last_event_id(), b"7");
}

#[test]
fn id_is_not_committed_before_the_blank_line() {
    let mut p = Parser::new();
    let mut out = Collect::default();
    p.feed(b"id:7\ndata:x\n", &mut out).unwrap();
    assert_eq!(p.last_event_id(), b"");
    p.end_stream();
    assert_eq!(p.last_event_id(), b"");
}

#[test]
fn empty_id_resets_last_event_id() {
    assert_eq!(
        events(b"id:1\ndata:a\n\nid\ndata:b\n\nid:\ndata:c\n\n"),
        vec![ev("message", "a", "1"), ev("message", "b", ""), ev("message", "c", "")]
    );
}

#[test]
fn id_containing_nul_is_ignored() {
    assert_eq!(
        events(b"id:1\ndata:a\n\nid:2\x003\ndata:b\n\n"),
        vec![ev("message", "a", "1"), ev("message", "b", "1")]
    );
}

#[test]
fn id_keeps_unicode() {
    assert_eq!(events("id:…🎉\ndata:a\n\n".as_bytes()), vec![ev("message", "a", "…🎉")]);
}

#[test]
fn last_event_id_survives_a_new_stream() {
    let mut p = Parser::new();
    let mut out = Collect::default();
    p.feed(b"id:5\ndata:a\n\nid:6\ndata:partial", &mut out).unwrap();
    p.reset_stream();
    p.feed(b"data:b\n\n", &mut out).unwrap();
    assert_eq!(out.events, vec![ev("message", "a", "5"), ev("message", "b", "5")]);
}

#[test]
fn initial_last_event_id_is_used() {
    let mut p = Parser::new();
    p.set_last_event_id(b"42");
    let mut out = Collect::default();
    p.feed(b"data:a\n\n", &mut out).unwrap();
    assert_eq!(out.events, vec![ev("message", "a", "42")]);
}

#[test]
fn retry_with_digits_is_reported() {
    assert_eq!(parse(b"retry:1000\n").retries, vec![1000]);
    assert_eq!(parse(b"retry: 0\n").retries, vec![0]);
}

#[test]
fn retry_with_non_digits_is_ignored() {
    let out = parse(b"retry:\nretry: 1e3\nretry:-1\nretry:100 \nretry:+5\nretry:1.5\nretry: \xd9\xa1\n");
    assert_eq!(out.retries, Vec::<u64>::new());
}

#[test]
fn huge_retry_saturates() {
    assert_eq!(parse(b"retry:99999999999999999999999999999\n").retries, vec![u64::MAX]);
    // At the edge of u64: the largest value is exact, one more saturates.
    assert_eq!(parse(b"retry:18446744073709551615\n").retries, vec![u64::MAX]);
    assert_eq!(parse(b"retry:18446744073709551614\n").retries, vec![u64::MAX - 1]);
    assert_eq!(parse(b"retry:18446744073709551616\n").retries, vec![u64::MAX]);
    assert_eq!(parse(b"retry:1844674407370955162\n").retries, vec![1_844_674_407_370_955_162]);
}

#[test]
fn retry_does_not_end_an_event() {
    assert_eq!(events(b"data:a\nretry:5\ndata:b\n\n"), vec![ev("message", "a\nb", "")]);
}

#[test]
fn invalid_utf8_becomes_replacement_characters() {
    assert_eq!(events(b"data:a\xFFb\xE2\x82\n\n"), vec![ev("message", "a\u{FFFD}b\u{FFFD}", "")]);
    assert_eq!(events(b"event:\xC3\ndata:x\n\n"), vec![ev("\u{FFFD}", "x", "")]);
}

#[test]
fn truncated_utf8_before_line_ending_is_one_replacement() {
    assert_eq!(events(b"data:\xF0\x9F\x98\ndata:x\n\n"), vec![ev("message", "\u{FFFD}\nx", "")]);
}

#[test]
fn utf8_split_across_chunks_decodes() {
    let s = "data: é€𝄞\n\n".as_bytes();
    for cut in 0..s.len() {
        let mut p = Parser::new();
        let mut out = Collect::default();
        p.feed(&s[..cut], &mut out).unwrap();
        p.feed(&s[cut..], &mut out).unwrap();
        assert_eq!(out.events, vec![ev("message", "é€𝄞", "")], "cut at {cut}");
    }
}

#[test]
fn nul_in_data_is_kept() {
    assert_eq!(events(b"data:a\x00b\n\n"), vec![ev("message", "a\u{0}b", "")]);
}

#[test]
fn line_limit_gives_an_error_not_growth() {
    let mut p = Parser::with_limits(Limits { max_line_len: Some(8), max_event_size: None });
    let mut out = Collect::default();
    assert_eq!(p.feed(b"data:1234\n", &mut out), Err(ParseError::LineTooLong { limit: 8 }));
    let mut p = Parser::with_limits(Limits { max_line_len: Some(8), max_event_size: None });
    p.feed(b"data:", &mut out).unwrap();
    assert_eq!(p.feed(b"1234", &mut out), Err(ParseError::LineTooLong { limit: 8 }));
    // The stream stays failed until a new one begins.
    assert_eq!(p.feed(b"\n\n", &mut out), Err(ParseError::LineTooLong { limit: 8 }));
    p.reset_stream();
    p.feed(b"data:ok\n\n", &mut out).unwrap();
    assert_eq!(out.events, vec![ev("message", "ok", "")]);
}

#[test]
fn event_size_limit_gives_an_error() {
    let mut p = Parser::with_limits(Limits { max_line_len: None, max_event_size: Some(6) });
    let mut out = Collect::default();
    p.feed(b"data:ab\ndata:c\n\n", &mut out).unwrap();
    assert_eq!(p.feed(b"data:abc\ndata:def\n", &mut out), Err(ParseError::EventTooLarge { limit: 6 }));
    assert_eq!(out.events, vec![ev("message", "ab\nc", "")]);
}

#[test]
fn large_event_across_many_chunks() {
    let payload = "x".repeat(1 << 20);
    let stream = format!("data: {payload}\n\n");
    let mut p = Parser::new();
    let mut out = Collect::default();
    for chunk in stream.as_bytes().chunks(65536) {
        p.feed(chunk, &mut out).unwrap();
    }
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.events[0].data.len(), 1 << 20);
}

#[test]
fn empty_chunk_after_cr_keeps_the_pending_crlf() {
    // Regression (found by the chunking property): an empty chunk between CR and LF made the
    // LF a second line ending, dispatching the event early.
    let mut p = Parser::new();
    let mut out = Collect::default();
    for part in [&b"data:a\r"[..], b"", b"\ndata:b\n\n"] {
        p.feed(part, &mut out).unwrap();
    }
    assert_eq!(out.events, vec![ev("message", "a\nb", "")]);
}
