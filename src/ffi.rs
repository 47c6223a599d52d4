//! The script-tag build's binding: the engine behind a plain C ABI, with no wasm-bindgen glue and
//! no imports, driven by `js/driver.js` (which owns fetch, the body reader and the timers).
//!
//! Protocol:
//! - JS writes an input's bytes (the options as little-endian f64s, the initial last event ID
//!   and the Content-Type as UTF-8, body chunks) into the scratch buffer ([`esw_scratch`]
//!   returns where), then calls an input function with their lengths. No text is validated
//!   here: it is all bytes to the engine.
//! - Every input function returns the length of the output buffer ([`esw_out`] returns where):
//!   the engine's actions as one text of fields each ended by CR, which none can contain (the
//!   parser splits lines at CR and LF). A record is a tag byte ([`tag`]) with a decimal number,
//!   then its text; a message is `M` then its type, data and id.
//! - JS decodes the whole output with one `TextDecoder` call (the WHATWG decoder's replacements
//!   come out as if each field were decoded alone: CR ends any invalid sequence), splits it at
//!   CR, and reads every record before acting on any, since acting may call back in.

use crate::engine::{Action, Engine, Input, Output, Response, Timer};
use crate::options;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::UnsafeCell;

/// Output record tags.
pub mod tag {
    /// Number: the attempt; text: the `Last-Event-ID` value (empty: send none).
    pub const FETCH: u8 = b'F';
    /// Abort the fetch or body read in progress.
    pub const ABORT: u8 = b'A';
    /// Announce the connection.
    pub const OPEN: u8 = b'O';
    /// No number; the fields type, data, id (an empty type means `message`).
    pub const MESSAGE: u8 = b'M';
    /// Number: readyState | willRetry << 2 | cause << 3 | status << 8 (cause: the engine's
    /// [`Cause`](crate::engine::Cause) as its number, 0 for a failure JS reported; status 0: no
    /// response). No text: `js/driver.js` has each cause's reason and message (the Rust API's
    /// `ErrorKind::as_str` and [`Cause::message`](crate::engine::Cause::message)), which keeps
    /// the text out of the module.
    pub const ERROR: u8 = b'E';
    /// Set the reconnect / inactivity timer; number: the delay in ms (at most `i32::MAX`).
    pub const SET_RECONNECT: u8 = b'R';
    /// Set the inactivity timer (the number: ms).
    pub const SET_INACTIVITY: u8 = b'I';
    /// Clear the reconnect timer.
    pub const CLEAR_RECONNECT: u8 = b'r';
    /// Clear the inactivity timer.
    pub const CLEAR_INACTIVITY: u8 = b'i';
}

/// Input kinds for [`esw_input`]; `arg` is a scratch length or the timer.
pub mod kind {
    /// [`Input::Start`](crate::Input::Start).
    pub const START: u32 = 0;
    /// `arg` bytes of body in the scratch buffer.
    pub const BODY: u32 = 1;
    /// [`Input::End`](crate::Input::End).
    pub const END: u32 = 2;
    /// [`Input::NetworkError`](crate::Input::NetworkError).
    pub const NETWORK_ERROR: u32 = 3;
    /// [`Input::Failed`](crate::Input::Failed).
    pub const FAILED: u32 = 4;
    /// `arg` 0: reconnect, 1: inactivity.
    pub const TIMER: u32 = 5;
    /// [`Input::Online`](crate::Input::Online).
    pub const ONLINE: u32 = 6;
    /// [`Input::Close`](crate::Input::Close).
    pub const CLOSE: u32 = 7;
    /// [`Input::Reset`](crate::Input::Reset).
    pub const RESET: u32 = 8;
    /// [`Input::Suspend`](crate::Input::Suspend).
    pub const SUSPEND: u32 = 9;
}

/// Encodes actions as output records.
#[derive(Debug, Default)]
pub struct Encoder {
    /// The encoded records.
    pub buf: Vec<u8>,
}

impl Encoder {
    /// A record's head: its tag and number.
    fn record(&mut self, tag: u8, num: u32) {
        // Written from the end: CR, the digits from the last, the tag; then copied in once.
        let mut head = [b'\r'; 12];
        let mut at = head.len() - 1;
        let mut n = num;
        loop {
            at -= 1;
            head[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        at -= 1;
        head[at] = tag;
        self.buf.extend_from_slice(&head[at..]);
    }

    /// A field of the record begun last. Called once per field: a slice of the fields built in
    /// memory and looped over costs more wasm.
    fn field(&mut self, field: &[u8]) {
        self.buf.extend_from_slice(field);
        self.buf.push(b'\r');
    }
}

impl Output for Encoder {
    // Inlined into each of the engine's calls, which name their action: each becomes its own
    // few calls of `record` and `fields`, not an action written to memory and matched again
    // (0.6 KB less wasm, 0.2 KB deflated).
    #[inline(always)]
    fn action(&mut self, action: Action<'_>) {
        match action {
            Action::Message(event) => {
                self.buf.extend_from_slice(b"M\r");
                // Field by field: the array looped over went through memory.
                let [ty, data, id] = options::batch_fields(&event);
                self.field(ty);
                self.field(data);
                self.field(id);
            }
            Action::Comment(_) => {}
            Action::Fetch(r) => {
                self.record(tag::FETCH, r.attempt);
                self.field(r.last_event_id.unwrap_or(b""));
            }
            Action::Abort => self.record(tag::ABORT, 0),
            Action::Open => self.record(tag::OPEN, 0),
            Action::Error(e) => {
                let cause = e.cause.map_or(0, |c| c as u32);
                let num = e.ready_state as u32
                    | u32::from(e.will_retry) << 2
                    | cause << 3
                    | u32::from(e.status.unwrap_or(0)) << 8;
                self.record(tag::ERROR, num);
            }
            Action::SetTimer(timer, ms) => {
                let t = if timer == Timer::Reconnect { tag::SET_RECONNECT } else { tag::SET_INACTIVITY };
                // setTimeout takes a signed 32-bit delay; longer ones would fire at once.
                self.record(t, ms.min(i32::MAX as u64) as u32);
            }
            Action::ClearTimer(timer) => {
                self.record(if timer == Timer::Reconnect { tag::CLEAR_RECONNECT } else { tag::CLEAR_INACTIVITY }, 0);
            }
        }
    }
}

/// One output record as JS reads it: tag, number (0 for messages) and fields.
pub type Record<'a> = (u8, u32, Vec<&'a [u8]>);

/// Reads an output buffer the way `js/driver.js` does (for tests and fuzzing); `None` if it is
/// not a sequence of whole, known records.
pub fn decode(buf: &[u8]) -> Option<Vec<Record<'_>>> {
    let mut fields = buf.split(|&b| b == b'\r');
    // Every field ends in CR, so the last piece is empty.
    if fields.next_back()? != b"" {
        return None;
    }
    let mut out = Vec::new();
    while let Some(head) = fields.next() {
        let (&tag, num) = head.split_first()?;
        let count = match tag {
            tag::MESSAGE if num.is_empty() => 3,
            tag::FETCH => 1,
            tag::ERROR
            | tag::ABORT
            | tag::OPEN
            | tag::SET_RECONNECT
            | tag::SET_INACTIVITY
            | tag::CLEAR_RECONNECT
            | tag::CLEAR_INACTIVITY => 0,
            _ => return None,
        };
        let num = if tag == tag::MESSAGE {
            0
        } else if !num.is_empty() && num.len() <= 10 && num.iter().all(u8::is_ascii_digit) {
            core::str::from_utf8(num).ok()?.parse().ok()?
        } else {
            return None;
        };
        let texts = (0..count).map(|_| fields.next()).collect::<Option<Vec<_>>>()?;
        out.push((tag, num, texts));
    }
    Some(out)
}

/// Every source of this module instance, with the shared scratch and output buffers.
#[derive(Debug, Default)]
pub struct Sources {
    /// Boxed: a slot is a pointer, so the table of 10,000 sources is 40 KB, not 10,000 engines
    /// (with the blocks it outgrew, about 0.7 KB a source more); a freed engine's block is
    /// reused by the next source.
    engines: Vec<Option<Box<Engine>>>,
    /// Where JS writes the bytes of the next call's input.
    pub scratch: Vec<u8>,
    /// The records of the last call, for JS to read.
    pub out: Encoder,
}

/// Handles count from 1, so that 0 (a freed source on the JS side) is never one.
fn slot(handle: u32) -> usize {
    (handle as usize).wrapping_sub(1)
}

/// The `i`th f64 of `bytes` (-1, unset, if out of range). Not inlined: one copy of the bounds
/// check.
#[inline(never)]
fn f64_at(bytes: &[u8], i: usize) -> f64 {
    bytes.get(i * 8..i * 8 + 8).and_then(|b| b.try_into().ok()).map_or(-1.0, f64::from_le_bytes)
}

/// `len` bytes of `bytes` from `at` (none if out of range).
fn bytes_at(bytes: &[u8], at: usize, len: usize) -> &[u8] {
    bytes.get(at..at.saturating_add(len)).unwrap_or(&[])
}

impl Sources {
    /// The first `len` bytes of the scratch buffer, grown as needed.
    pub fn scratch(&mut self, len: usize) -> &mut [u8] {
        self.grow_scratch(len);
        &mut self.scratch[..len]
    }

    /// Grows the scratch buffer to at least `len` bytes (the export hands out only its start:
    /// a slice would come back through memory).
    fn grow_scratch(&mut self, len: usize) {
        if self.scratch.len() < len {
            self.scratch.resize(len, 0);
        }
    }

    /// A new source from the scratch buffer: `ncfg` numbers (f64), the first
    /// [`options::cfg::COUNT`] indexed by [`options::cfg`] and the rest the statuses that
    /// reconnect, then `id_len` bytes of the initial last event ID. Returns its handle (never 0).
    pub fn create(&mut self, ncfg: usize, id_len: usize) -> u32 {
        let bytes = &self.scratch;
        // Only the numbers the buffer holds: a larger count must not allocate for the rest.
        let ncfg = ncfg.min(bytes.len() / 8);
        let mut nums = [-1.0; options::cfg::COUNT];
        let mut statuses = Vec::new();
        for i in 0..ncfg {
            let v = f64_at(bytes, i);
            match nums.get_mut(i) {
                Some(n) => *n = v,
                None => statuses.push(v as u16),
            }
        }
        let id = bytes_at(bytes, ncfg * 8, id_len);
        // Never CR or LF (JS checks the option; a stream's ids cannot hold them either): the
        // records are CR-separated.
        let id = id.split(|&b| b == b'\r' || b == b'\n').next().unwrap_or(&[]);
        // Not `to_vec`: that inlines its own allocation; `extend_from_slice` is shared.
        let mut owned = Vec::new();
        owned.extend_from_slice(id);
        let engine = Some(Box::new(Engine::new(options::config(owned, &nums, statuses))));
        let slot = self.engines.iter().position(Option::is_none).unwrap_or(self.engines.len());
        if slot < self.engines.len() {
            // The slot is `None`: forgetting it drops nothing, and an assignment would call the
            // engines' drop code for it.
            core::mem::forget(core::mem::replace(&mut self.engines[slot], engine));
        } else {
            self.engines.push(engine);
        }
        slot as u32 + 1
    }

    /// The source `handle` (`None` if freed or never made) with the scratch buffer and the
    /// output, cleared for the call's records.
    fn parts(&mut self, handle: u32) -> Option<(&mut Engine, &[u8], &mut Encoder)> {
        self.out.buf.clear();
        let engine = self.engines.get_mut(slot(handle))?.as_deref_mut()?;
        Some((engine, &self.scratch, &mut self.out))
    }

    /// Feeds an input (see [`kind`]) to the source `handle`; returns the output length.
    pub fn input(&mut self, handle: u32, now: f64, kind: u32, arg: usize) -> usize {
        let Some((engine, scratch, out)) = self.parts(handle) else { return 0 };
        let input = match kind {
            kind::START => Input::Start,
            kind::BODY => Input::Body(bytes_at(scratch, 0, arg)),
            kind::END => Input::End,
            kind::NETWORK_ERROR => Input::NetworkError,
            kind::FAILED => Input::Failed,
            kind::TIMER => Input::Timer(if arg == 0 { Timer::Reconnect } else { Timer::Inactivity }),
            kind::ONLINE => Input::Online,
            kind::RESET => Input::Reset,
            kind::SUSPEND => Input::Suspend,
            _ => Input::Close,
        };
        engine.handle(now as u64, input, out);
        out.buf.len()
    }

    /// The response head: the scratch buffer holds the Content-Type (unless `ct_len` is
    /// negative); `retry_after` is the `Retry-After` header as a wait in ms (NaN without one:
    /// `js/driver.js` reads delta-seconds and HTTP-dates, keeping a date parser out of this
    /// module).
    pub fn response(&mut self, handle: u32, now: f64, status: u32, ct_len: i32, retry_after: f64) -> usize {
        let Some((engine, scratch, out)) = self.parts(handle) else { return 0 };
        let content_type = (ct_len >= 0).then(|| bytes_at(scratch, 0, ct_len as usize));
        // `as` saturates (an endless wait stays endless); NaN is no header.
        let retry_after = (retry_after >= 0.0).then_some(retry_after as u64);
        let status = status.min(u32::from(u16::MAX)) as u16;
        let res = Response { status, content_type, retry_after };
        engine.handle(now as u64, Input::Response(res), out);
        out.buf.len()
    }

    /// The source's last event ID, written to the output buffer (nothing once freed); returns
    /// its length.
    pub fn last_event_id(&mut self, handle: u32) -> usize {
        let Some((engine, _, out)) = self.parts(handle) else { return 0 };
        out.buf.extend_from_slice(engine.last_event_id());
        out.buf.len()
    }

    /// The source's reconnection time in ms (-1 once freed).
    pub fn reconnection_time(&self, handle: u32) -> f64 {
        self.engines.get(slot(handle)).and_then(Option::as_deref).map_or(-1.0, |e| e.reconnection_time() as f64)
    }

    /// The source's readyState (CLOSED once freed).
    pub fn ready_state(&self, handle: u32) -> u32 {
        self.engines.get(slot(handle)).and_then(Option::as_deref).map_or(2, |e| e.ready_state() as u32)
    }

    /// The source `handle`'s engine (`None` if freed or never made), for fuzz/ffi_calls.
    pub fn engine(&self, handle: u32) -> Option<&Engine> {
        self.engines.get(slot(handle))?.as_deref()
    }

    /// Drops the source `handle` (a freed slot is reused).
    pub fn free(&mut self, handle: u32) {
        if let Some(engine) = self.engines.get_mut(slot(handle)) {
            *engine = None;
        }
    }
}

/// The module's one `Sources`. wasm32 without the `atomics` feature has one thread, and no
/// export calls into JS, so no access is ever re-entered: a plain cell is sound and costs none of
/// the thread-local and `RefCell` code (0.6 KB of wasm with its panic locations).
struct Global(UnsafeCell<Sources>);

// SAFETY: see above: natively (tests) the exports are never called; in wasm32 there is one thread.
unsafe impl Sync for Global {}

static SOURCES: Global =
    Global(UnsafeCell::new(Sources { engines: Vec::new(), scratch: Vec::new(), out: Encoder { buf: Vec::new() } }));

fn with<R>(f: impl FnOnce(&mut Sources) -> R) -> R {
    // SAFETY: one thread, and `f` never calls an export (see `Global`), so this is the only
    // reference to the state while it lives.
    f(unsafe { &mut *SOURCES.0.get() })
}

// The exports have one-letter names (each Rust name costs its length in the module and in
// js/driver.js, which gives them back their Rust names).

/// Where to write `len` bytes of input.
#[export_name = "s"]
pub extern "C" fn esw_scratch(len: usize) -> *mut u8 {
    with(|s| {
        s.grow_scratch(len);
        s.scratch.as_mut_ptr()
    })
}

/// Where the last call's output records are.
#[export_name = "o"]
pub extern "C" fn esw_out() -> *const u8 {
    with(|s| s.out.buf.as_ptr())
}

/// See [`Sources::create`].
#[export_name = "n"]
pub extern "C" fn esw_new(ncfg: usize, id_len: usize) -> u32 {
    with(|s| s.create(ncfg, id_len))
}

/// See [`Sources::input`].
#[export_name = "i"]
pub extern "C" fn esw_input(handle: u32, now: f64, kind: u32, arg: usize) -> usize {
    with(|s| s.input(handle, now, kind, arg))
}

/// See [`Sources::response`].
#[export_name = "r"]
pub extern "C" fn esw_response(handle: u32, now: f64, status: u32, ct_len: i32, retry_after: f64) -> usize {
    with(|s| s.response(handle, now, status, ct_len, retry_after))
}

/// See [`Sources::last_event_id`].
#[export_name = "l"]
pub extern "C" fn esw_last_id(handle: u32) -> usize {
    with(|s| s.last_event_id(handle))
}

/// See [`Sources::reconnection_time`].
#[export_name = "y"]
pub extern "C" fn esw_retry(handle: u32) -> f64 {
    with(|s| s.reconnection_time(handle))
}

#[export_name = "t"]
/// The readyState of source `handle` (0, 1, 2).
pub extern "C" fn esw_state(handle: u32) -> u32 {
    with(|s| s.ready_state(handle))
}

#[export_name = "f"]
/// Frees source `handle`.
pub extern "C" fn esw_free(handle: u32) {
    with(|s| s.free(handle))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decoded output records: (tag, number, the fields joined by CR).
    fn records(buf: &[u8]) -> Vec<(u8, u32, String)> {
        let joined = |fields: Vec<&[u8]>| String::from_utf8(fields.join(&b'\r')).unwrap();
        decode(buf)
            .expect("well-formed records")
            .into_iter()
            .map(|(tag, num, fields)| (tag, num, joined(fields)))
            .collect()
    }

    fn create(s: &mut Sources, nums: &[f64], id: &str) -> u32 {
        let mut bytes: Vec<u8> = nums.iter().flat_map(|n| n.to_le_bytes()).collect();
        bytes.extend_from_slice(id.as_bytes());
        s.scratch(bytes.len()).copy_from_slice(&bytes);
        s.create(nums.len(), id.len())
    }

    fn input(s: &mut Sources, h: u32, kind: u32, bytes: &[u8]) -> Vec<(u8, u32, String)> {
        s.scratch(bytes.len()).copy_from_slice(bytes);
        let len = s.input(h, 0.0, kind, bytes.len());
        records(&s.out.buf[..len])
    }

    fn respond(s: &mut Sources, h: u32, status: u32, content_type: &str) -> Vec<(u8, u32, String)> {
        s.scratch(content_type.len()).copy_from_slice(content_type.as_bytes());
        let len = s.response(h, 0.0, status, content_type.len() as i32, f64::NAN);
        records(&s.out.buf[..len])
    }

    const NATIVE: [f64; 9] = [0.0, 3000.0, -1.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0];

    #[test]
    fn a_stream_end_to_end() {
        let mut s = Sources::default();
        let h = create(&mut s, &NATIVE, "é");
        assert_eq!(input(&mut s, h, kind::START, b""), [(tag::FETCH, 1, "é".into())]);
        assert_eq!(respond(&mut s, h, 200, "text/event-stream"), [(tag::OPEN, 0, "".into())]);
        let got = input(&mut s, h, kind::BODY, b"data: a\n\nevent: x\ndata: b\nid: 7\n\n: c\n");
        assert_eq!(got, [(tag::MESSAGE, 0, "\ra\r\u{e9}".into()), (tag::MESSAGE, 0, "x\rb\r7".into())]);
        // Each call starts its own records.
        assert_eq!(input(&mut s, h, kind::BODY, b"data: d\n\n"), [(tag::MESSAGE, 0, "\rd\r7".into())]);
        let got = input(&mut s, h, kind::END, b"");
        assert_eq!(got, [(tag::ERROR, 4 | 1 << 3, "".into()), (tag::SET_RECONNECT, 3000, "".into())]);
        assert_eq!(s.ready_state(h), 0);
        assert_eq!(input(&mut s, h, kind::TIMER, &[]), [(tag::FETCH, 2, "7".into())]);
        assert_eq!(input(&mut s, h, kind::CLOSE, b""), [(tag::ABORT, 0, "".into())]);
        assert_eq!(s.ready_state(h), 2);
        s.free(h);
        s.free(h);
        assert_eq!(s.ready_state(h), 2);
        assert_eq!(input(&mut s, h, kind::START, b""), []);
    }

    #[test]
    fn failures_carry_status_and_state() {
        let mut s = Sources::default();
        let h = create(&mut s, &NATIVE, "");
        input(&mut s, h, kind::START, b"");
        let got = respond(&mut s, h, 404, "text/html");
        assert_eq!(got[0], (tag::ABORT, 0, "".into()));
        assert_eq!(got[1], (tag::ERROR, 2 | 2 << 3 | 404 << 8, "".into()));
        // A failure JS reported: its message stays in JS.
        let h2 = create(&mut s, &NATIVE, "");
        assert_ne!(h, h2);
        input(&mut s, h2, kind::START, b"");
        assert_eq!(input(&mut s, h2, kind::FAILED, b""), [(tag::ERROR, 2, "".into())]);
    }

    #[test]
    fn a_count_past_the_scratch_buffer_allocates_nothing() {
        // Found by fuzz/fuzz_targets/ffi_calls.rs: `esw_new(1694498816, 0)` allocated 13.5 GB
        // for numbers the buffer did not hold (in wasm: a trap).
        let mut s = Sources::default();
        let mut nums = NATIVE;
        nums[options::cfg::INITIAL_DELAY] = 50.0;
        let bytes: Vec<u8> = nums.iter().flat_map(|n| n.to_le_bytes()).collect();
        s.scratch(bytes.len()).copy_from_slice(&bytes);
        let h = s.create(usize::MAX, usize::MAX);
        assert_eq!(input(&mut s, h, kind::START, b""), [(tag::FETCH, 1, "".into())]);
        // The numbers the buffer held still count.
        assert_eq!(input(&mut s, h, kind::NETWORK_ERROR, b"")[1], (tag::SET_RECONNECT, 50, "".into()));
        assert_eq!(s.create(1_694_498_816, 0), h + 1);
    }

    #[test]
    fn last_event_id_reconnection_time_and_reset() {
        let mut s = Sources::default();
        let h = create(&mut s, &NATIVE, "7");
        let id = |s: &mut Sources| {
            let len = s.last_event_id(h);
            String::from_utf8(s.out.buf[..len].to_vec()).unwrap()
        };
        assert_eq!((id(&mut s), s.reconnection_time(h)), ("7".into(), 3000.0));
        input(&mut s, h, kind::START, b"");
        respond(&mut s, h, 200, "text/event-stream");
        input(&mut s, h, kind::BODY, b"retry: 50\nid: 8\n\ndata: cut");
        assert_eq!((id(&mut s), s.reconnection_time(h)), ("8".into(), 50.0));
        // reset() drops the unfinished event, not the id or the reconnection time.
        assert!(input(&mut s, h, kind::RESET, b"").is_empty());
        assert_eq!(input(&mut s, h, kind::BODY, b"\n\ndata: next\n\n"), [(tag::MESSAGE, 0, "\rnext\r8".into())]);
        assert_eq!((id(&mut s), s.reconnection_time(h)), ("8".into(), 50.0));
        s.free(h);
        assert_eq!((id(&mut s), s.reconnection_time(h)), ("".into(), -1.0));
    }

    #[test]
    fn an_initial_id_ends_at_cr_or_lf_so_records_stay_whole() {
        let mut s = Sources::default();
        let h = create(&mut s, &NATIVE, "a\rb");
        assert_eq!(input(&mut s, h, kind::START, b""), [(tag::FETCH, 1, "a".into())]);
    }

    #[test]
    fn numbers_past_the_options_are_statuses_that_reconnect() {
        let mut s = Sources::default();
        let mut nums = NATIVE.to_vec();
        nums.extend([-1.0, 503.0]);
        let h = create(&mut s, &nums, "7");
        input(&mut s, h, kind::START, b"");
        let got = respond(&mut s, h, 503, "text/html");
        assert_eq!(got[1].0, tag::ERROR);
        assert_eq!(got[1].1, 4 | 2 << 3 | 503 << 8, "CONNECTING, will retry, cause Status, status 503");
        let h2 = create(&mut s, &nums, "");
        assert!(respond(&mut s, h2, 502, "text/html").is_empty(), "not started: no response is taken");
    }

    #[test]
    fn handles_are_reused_after_free() {
        let mut s = Sources::default();
        let a = create(&mut s, &NATIVE, "");
        let b = create(&mut s, &NATIVE, "b");
        s.free(a);
        let c = create(&mut s, &NATIVE, "");
        assert_eq!(c, a);
        assert_eq!(input(&mut s, b, kind::START, b"")[0].2, "b");
    }

    /// js/driver.js words an engine error from its cause's number (the records carry no text):
    /// its table must give each cause the engine's message, at the cause's number.
    #[test]
    fn the_js_table_words_each_cause_as_the_engine_does() {
        use crate::engine::Cause;
        // Read at run time: the published crate has no js/ (its ffi build is this repository's).
        let Ok(driver) = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/js/driver.js")) else {
            assert!(
                !std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.git")).exists(),
                "js/driver.js is missing"
            );
            return;
        };
        let driver = driver.as_str();
        let table =
            driver.split("const CAUSES = [").nth(1).and_then(|t| t.split("];").next()).expect("CAUSES in js/driver.js");
        let rows: Vec<&str> = table.lines().map(str::trim).filter(|l| l.starts_with('[')).collect();
        let all = [
            Cause::ServerClosed,
            Cause::Status,
            Cause::ContentType,
            Cause::Inactivity,
            Cause::RetriesExhausted,
            Cause::LineTooLong,
            Cause::EventTooLarge,
        ];
        for cause in all {
            // A new cause fails to compile here until it is in `all` and in the JS table.
            match cause {
                Cause::ServerClosed
                | Cause::Status
                | Cause::ContentType
                | Cause::Inactivity
                | Cause::RetriesExhausted
                | Cause::LineTooLong
                | Cause::EventTooLarge => {}
            }
            let row = rows.get(cause as usize - 1).unwrap_or_else(|| panic!("no row for {cause:?}"));
            assert!(row.contains(&format!("'{}'", cause.message(false))), "{cause:?}: {row}");
        }
        assert_eq!(rows.len(), all.len(), "one row per cause");
        let retried = Cause::Status.message(true);
        assert!(driver.contains(&format!("const STATUS_RETRIED = '{retried}';")), "STATUS_RETRIED");
    }
}
