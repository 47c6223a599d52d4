//! Incremental parser for the WHATWG `text/event-stream` format: bytes in any chunking go in,
//! events, comments and `retry` values come out through a [`Sink`]. No I/O, no clocks.
//!
//! The parser works on bytes and hands out the fields' raw bytes. The spec decodes the whole
//! stream as UTF-8 first; decoding each field instead gives the same strings, because every byte
//! the parser acts on (CR, LF, colon, space) is ASCII and ends any invalid sequence. So decode
//! the fields with the WHATWG UTF-8 decoder (`TextDecoder`, [`crate::utf8::decode`],
//! `String::from_utf8_lossy`). The wasm builds leave that to JavaScript's `TextDecoder`.

use crate::utf8;

/// One dispatched event, borrowed from the parser's buffers for the duration of the callback.
/// The fields are UTF-8 bytes as the stream sent them (see the module docs on decoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// The event type: the `event` field, or `message` when there was none.
    pub event_type: &'a [u8],
    /// The data buffer with its final LF removed.
    pub data: &'a [u8],
    /// The last event ID string at the time of dispatch.
    pub id: &'a [u8],
}

/// Receives what the parser finds. Only `event` is required.
pub trait Sink {
    /// spec: dispatch the event.
    fn event(&mut self, event: Event<'_>);
    /// A `retry` field made of ASCII digits only (saturating at `u64::MAX`).
    fn retry(&mut self, _ms: u64) {}
    /// A comment line (the bytes after the colon), useful for heartbeat detection.
    fn comment(&mut self, _text: &[u8]) {}
}

/// Optional bounds on memory use. The spec sets none, so neither does the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Longest line in bytes, line ending excluded.
    pub max_line_len: Option<usize>,
    /// Largest data buffer of one event in bytes, as the stream sent them (its data lines
    /// joined by LF).
    pub max_event_size: Option<usize>,
}

/// Why the parser stopped. After an error the stream is unusable until [`Parser::reset_stream`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// A line grew past [`Limits::max_line_len`].
    LineTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// An event's data grew past [`Limits::max_event_size`].
    EventTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl ParseError {
    /// Why, as the engine's error events give it.
    pub fn cause(&self) -> crate::engine::Cause {
        match self {
            ParseError::LineTooLong { .. } => crate::engine::Cause::LineTooLong,
            ParseError::EventTooLarge { .. } => crate::engine::Cause::EventTooLarge,
        }
    }

    /// A short English explanation, for error events.
    pub fn message(&self) -> &'static str {
        self.cause().message(false)
    }
}

/// The event stream interpreter for one `EventSource`: it survives reconnections, keeping the
/// last event ID, while [`Parser::reset_stream`] starts each new response afresh.
#[derive(Debug, Clone)]
pub struct Parser {
    /// The unterminated tail of the previous chunk.
    line: Vec<u8>,
    /// The previous chunk ended in CR, so an LF opening this one belongs to it.
    after_cr: bool,
    failed: Option<ParseError>,
    /// Apart from the line buffer, so that a line assembled in it can be processed in place.
    state: State,
}

/// What processing the lines reads and changes.
#[derive(Debug, Clone)]
struct State {
    data: Vec<u8>,
    event_type: Vec<u8>,
    id_buffer: Vec<u8>,
    last_event_id: Vec<u8>,
    /// The first line of the stream was seen (and its BOM, if any, dropped).
    started: bool,
    limits: Limits,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

/// The largest line or data buffer a parser keeps once its stream is quiet (see
/// [`Parser::feed`]): larger ones, grown by a large event, are freed by the next small chunk of
/// whole lines and events (a keepalive comment, a small event); a stream that goes silent after
/// a large event keeps them until then.
pub const KEEP: usize = 64 * 1024;
/// A chunk, or a line, at most this long is quiet traffic.
const QUIET: usize = 4096;

impl Parser {
    /// A parser with no limits and an empty last event ID.
    pub const fn new() -> Self {
        let limits = Limits { max_line_len: None, max_event_size: None };
        let state = State {
            data: Vec::new(),
            event_type: Vec::new(),
            id_buffer: Vec::new(),
            last_event_id: Vec::new(),
            started: false,
            limits,
        };
        Self { line: Vec::new(), after_cr: false, failed: None, state }
    }

    /// A parser with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        // A constant: built at run time, each empty `Vec` would cost a call in wasm.
        const NEW: Parser = Parser::new();
        let mut parser = NEW;
        parser.state.limits = limits;
        parser
    }

    /// The last event ID string (UTF-8 bytes): set at every blank line from the last `id` field.
    pub fn last_event_id(&self) -> &[u8] {
        &self.state.last_event_id
    }

    /// Sets the last event ID (as an initial value, before any stream).
    pub fn set_last_event_id(&mut self, id: &[u8]) {
        let s = &mut self.state;
        s.last_event_id.clear();
        s.last_event_id.extend_from_slice(id);
        s.id_buffer.clear();
        s.id_buffer.extend_from_slice(id);
    }

    /// Begins a new stream (a new response): the buffers of an unfinished event are discarded
    /// (spec: "any pending data must be discarded"), the last event ID is kept.
    #[inline(never)]
    pub fn reset_stream(&mut self) {
        self.line.clear();
        let s = &mut self.state;
        s.data.clear();
        s.event_type.clear();
        s.id_buffer.clear();
        s.id_buffer.extend_from_slice(&s.last_event_id);
        s.started = false;
        self.after_cr = false;
        self.failed = None;
    }

    /// Parses one chunk. Events complete within it are handed to `sink` before it returns.
    // Inlined in wasm32: out of line, its `Result` came back through memory (wasm-opt inlined
    // it back, keeping the loads and stores).
    #[cfg_attr(target_arch = "wasm32", inline)]
    pub fn feed<S: Sink + ?Sized>(&mut self, mut chunk: &[u8], sink: &mut S) -> Result<(), ParseError> {
        if let Some(err) = self.failed {
            return Err(err);
        }
        // Buffers follow the traffic: a small chunk of whole lines and events (a quiet stream:
        // keepalive comments, small events) frees what a large event grew them to, once parsed.
        // A stream of large events keeps them: each of its chunks is large, or begins or ends
        // inside an event.
        let quiet = chunk.len() <= QUIET && self.line.is_empty() && self.state.data.is_empty();
        if self.after_cr && !chunk.is_empty() {
            self.after_cr = false;
            if let [b'\n', rest @ ..] = chunk {
                chunk = rest;
            }
        }
        let result = loop {
            let i = find_eol(chunk);
            // One length check for a whole line and for the unterminated tail.
            if let Err(err) = self.check_line_len(self.line.len() + i) {
                break Err(err);
            }
            // The line's end (none: the tail is kept for the next chunk); `get`, not a
            // comparison with the length, tells the compiler that the slicing below is in bounds.
            let Some(&eol) = chunk.get(i) else {
                self.line.extend_from_slice(chunk);
                break Ok(());
            };
            // A line within the chunk is read in place; one begun in an earlier chunk is
            // completed in the line buffer.
            let line = if self.line.is_empty() {
                &chunk[..i]
            } else {
                self.line.extend_from_slice(&chunk[..i]);
                &self.line[..]
            };
            let result = self.state.line(line, sink);
            self.line.clear();
            if result.is_err() {
                break result;
            }
            let mut next = i + 1;
            if eol == b'\r' {
                match chunk.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            chunk = &chunk[next..];
        };
        if let Err(err) = result {
            self.failed = Some(err);
        }
        if quiet && self.line.is_empty() && self.state.data.is_empty() {
            self.release();
        }
        result
    }

    /// Frees the (empty) line and data buffers if a large event grew either past [`KEEP`].
    #[inline(never)]
    fn release(&mut self) {
        if self.line.capacity().max(self.state.data.capacity()) > KEEP {
            self.line = Vec::new();
            self.state.data = Vec::new();
        }
    }

    /// Ends the stream: an unterminated line or event is dropped, as the spec requires.
    pub fn end_stream(&mut self) {
        self.reset_stream();
    }

    #[inline]
    fn check_line_len(&self, len: usize) -> Result<(), ParseError> {
        match self.state.limits.max_line_len {
            Some(limit) if len > limit => Err(ParseError::LineTooLong { limit }),
            _ => Ok(()),
        }
    }
}

impl State {
    /// spec: "Lines must be processed, in the order they are received, as follows".
    // Inlined: out of line, its `Result` came back through memory (wasm-opt inlined it back,
    // keeping the loads and stores).
    #[inline]
    fn line<S: Sink + ?Sized>(&mut self, mut line: &[u8], sink: &mut S) -> Result<(), ParseError> {
        if !self.started {
            self.started = true;
            // spec: one leading U+FEFF BYTE ORDER MARK character must be ignored.
            if let Some(rest) = line.strip_prefix(utf8::BOM) {
                line = rest;
            }
        }
        let (name, value) = match find_colon(line) {
            // spec: if the line is empty, dispatch the event.
            None if line.is_empty() => {
                self.dispatch(sink);
                return Ok(());
            }
            // spec: if the line starts with a colon, ignore the line (a comment).
            Some(0) => {
                sink.comment(&line[1..]);
                return Ok(());
            }
            // spec: collect the field name before the first colon; drop one leading space.
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            // spec: otherwise the whole line is the field name, the value is empty.
            None => (line, &b""[..]),
        };
        self.field(name, value, sink)
    }

    /// spec: "process the field".
    // Compared with `==`, not matched against the names: a match tests them byte by byte
    // (0.1 KB more wasm).
    #[inline]
    fn field<S: Sink + ?Sized>(&mut self, name: &[u8], value: &[u8], sink: &mut S) -> Result<(), ParseError> {
        if name == b"data" {
            if let Some(limit) = self.limits.max_event_size {
                if self.data.len() + value.len() + 1 > limit {
                    return Err(ParseError::EventTooLarge { limit });
                }
            }
            self.data.extend_from_slice(value);
            self.data.push(b'\n');
        } else if name == b"event" {
            self.event_type.clear();
            self.event_type.extend_from_slice(value);
        } else if name == b"id" {
            // spec: an id containing U+0000 NULL is ignored.
            // A plain scan: `contains` would bring core's memchr into the wasm.
            #[allow(clippy::manual_contains)]
            let nul = value.iter().any(|&b| b == 0);
            if !nul {
                self.id_buffer.clear();
                self.id_buffer.extend_from_slice(value);
            }
        } else if name == b"retry" {
            if let Some(ms) = parse_retry(value) {
                sink.retry(ms);
            }
        }
        // spec: otherwise the field is ignored.
        Ok(())
    }

    /// spec: "dispatch the event".
    #[inline]
    fn dispatch<S: Sink + ?Sized>(&mut self, sink: &mut S) {
        // Step 1: the last event ID is updated even when no event is dispatched.
        // (Copied unconditionally: ids are short, and a comparison first costs more code.)
        self.last_event_id.clear();
        self.last_event_id.extend_from_slice(&self.id_buffer);
        // Step 2: an empty data buffer dispatches nothing.
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        // Step 3: drop the data buffer's final LF.
        let data = &self.data[..self.data.len() - 1];
        let event_type = if self.event_type.is_empty() { b"message" } else { &self.event_type[..] };
        sink.event(Event { event_type, data, id: &self.last_event_id });
        self.data.clear();
        self.event_type.clear();
    }
}

// The byte searches. Natively memchr's SIMD makes long lines several times faster. In wasm32 a
// word-at-a-time scan keeps about 0.6 KB of code out of the module and needs no `simd128`
// (which browsers from before 2021 and Safari before 16.4 cannot compile).

/// The first CR or LF, or the length if there is none (a plain number: in wasm32 an `Option`
/// comes back from the function through memory).
#[cfg(not(target_arch = "wasm32"))]
fn find_eol(bytes: &[u8]) -> usize {
    memchr::memchr2(b'\n', b'\r', bytes).unwrap_or(bytes.len())
}

#[cfg(target_arch = "wasm32")]
fn find_eol(bytes: &[u8]) -> usize {
    swar_find_eol(bytes)
}

/// The first CR or LF (the length if none), eight bytes at a time: a byte of `w ^ pattern` is zero where `w` holds
/// the pattern's byte, and the lowest byte flagged by the zero-byte test is always a true one
/// (a borrow only flags bytes above it).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn swar_find_eol(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        let found = zero(w ^ (ONES * u64::from(b'\n'))) | zero(w ^ (ONES * u64::from(b'\r')));
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + words.remainder().iter().take_while(|&&c| c != b'\n' && c != b'\r').count()
}

/// The first colon.
#[cfg(not(target_arch = "wasm32"))]
fn find_colon(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b':', bytes)
}

#[cfg(target_arch = "wasm32")]
fn find_colon(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&c| c == b':')
}

/// spec: a `retry` value counts only if it consists of ASCII digits; huge values saturate.
/// An empty value is ignored, as every browser does.
// Inlined: out of line (as LLVM left it) its `Option` comes back through memory, and wasm-opt's
// inlining keeps those loads and stores.
#[inline]
pub fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    // Saturating by hand: a 64-bit overflow check costs a 128-bit multiply routine in wasm32.
    const CAP: u64 = u64::MAX / 10;
    // One pass: checking the digits first and then folding them costs a second loop.
    let mut n = 0u64;
    // `.iter()`: LLVM leaves `IntoIterator::into_iter` on the slice out of line, returning the
    // iterator through memory.
    for &b in value.iter() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        let d = u64::from(d);
        n = if n > CAP || (n == CAP && d > u64::MAX % 10) { u64::MAX } else { n * 10 + d };
    }
    Some(n)
}

/// A [`Sink`] that keeps everything as owned values: for tests and simple callers.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Collect {
    /// The events, in order.
    pub events: Vec<OwnedEvent>,
    /// Every `retry:` value, in order.
    pub retries: Vec<u64>,
    /// Every comment, in order.
    pub comments: Vec<String>,
}

/// An owned copy of an [`Event`], decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedEvent {
    /// The event type.
    pub event_type: String,
    /// The data.
    pub data: String,
    /// The last event ID.
    pub id: String,
}

impl OwnedEvent {
    /// Builds an owned event from its three fields.
    pub fn new(event_type: &str, data: &str, id: &str) -> Self {
        Self { event_type: event_type.into(), data: data.into(), id: id.into() }
    }
}

impl From<Event<'_>> for OwnedEvent {
    fn from(e: Event<'_>) -> Self {
        let text = |b| utf8::decode(b).into_owned();
        Self { event_type: text(e.event_type), data: text(e.data), id: text(e.id) }
    }
}

impl Sink for Collect {
    fn event(&mut self, e: Event<'_>) {
        self.events.push(e.into());
    }
    fn retry(&mut self, ms: u64) {
        self.retries.push(ms);
    }
    fn comment(&mut self, text: &[u8]) {
        self.comments.push(utf8::decode(text).into_owned());
    }
}

/// Parses a whole stream in one call (then ends it) and returns what it held.
pub fn parse_all(stream: &[u8]) -> Collect {
    let mut out = Collect::default();
    let mut parser = Parser::new();
    parser.feed(stream, &mut out).expect("no limits are set");
    parser.end_stream();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_scan_finds_the_first_cr_or_lf_anywhere() {
        for len in 0..40 {
            for at in 0..len {
                for eol in [b'\n', b'\r'] {
                    // Bytes that trip naive zero-byte tests: 0x0B/0x0E next to the patterns,
                    // 0x80 and 0xFF.
                    let mut bytes: Vec<u8> = (0..len).map(|i| [b'a', 0x0b, 0x0e, 0x80, 0xff, 0x0c][i % 6]).collect();
                    bytes[at] = eol;
                    if at + 1 < len {
                        bytes[at + 1] = b'\r';
                    }
                    assert_eq!(swar_find_eol(&bytes), at, "len {len}, at {at}");
                }
            }
            let none: Vec<u8> = (0..len).map(|i| [0x0b, 0x0e, 0x8a, 0x8d, 0xff, 0][i % 6]).collect();
            assert_eq!(swar_find_eol(&none), len, "len {len}");
        }
    }

    /// Counts the events and the bytes of their data.
    #[derive(Default)]
    struct Count(usize, usize);
    impl Sink for Count {
        fn event(&mut self, event: Event<'_>) {
            self.0 += 1;
            self.1 += event.data.len();
        }
    }

    #[test]
    fn a_quiet_stream_frees_what_a_large_event_grew() {
        let mut p = Parser::new();
        let mut sink = Count::default();
        // A 1 MiB event in 64 KiB chunks: the line and data buffers grow to hold it.
        let event = [b"data: ".as_slice(), &vec![b'x'; 1 << 20], b"\n\n"].concat();
        for chunk in event.chunks(64 * 1024) {
            p.feed(chunk, &mut sink).unwrap();
        }
        assert_eq!((sink.0, sink.1), (1, 1 << 20));
        // Its last chunk was small, but ended a line begun earlier: the buffers stay for the
        // next large event (no regrowth per event), as they do for a small first chunk of it.
        assert!(p.line.capacity() > KEEP && p.state.data.capacity() > KEEP, "kept after a small last piece");
        p.feed(&event[..100], &mut sink).unwrap();
        p.feed(&event[100..], &mut sink).unwrap();
        assert_eq!(sink.0, 2);
        assert!(p.state.data.capacity() > KEEP, "kept while events are large");
        // A small chunk that comes between events (here an event, or a comment) frees them.
        p.feed(b"data: small\n\n", &mut sink).unwrap();
        assert_eq!(sink.0, 3);
        assert!(p.line.capacity() <= KEEP && p.state.data.capacity() <= KEEP, "freed");
        // ...but not a small chunk in the middle of an event.
        p.feed(&event[..64 * 1024], &mut sink).unwrap();
        p.feed(b"xx", &mut sink).unwrap();
        assert!(p.line.capacity() > KEEP, "an unfinished line is kept");
        // Buffers up to KEEP stay for the next event.
        let mut q = Parser::new();
        q.feed(&[b"data: ".as_slice(), &vec![b'y'; 4096], b"\n\n"].concat(), &mut sink).unwrap();
        let kept = q.state.data.capacity();
        q.feed(b":\n", &mut sink).unwrap();
        assert!(kept > 0 && q.state.data.capacity() == kept, "a small buffer is kept");
    }
}
