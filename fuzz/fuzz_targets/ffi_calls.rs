//! The script-tag build's C-ABI layer (`ffi::Sources`) under any sequence of create, input,
//! response and free calls over several handles, with any bytes and lengths: nothing panics
//! (in wasm a panic traps and takes every source down), every output reads as whole records the
//! way `js/driver.js` reads it, and each call's output is its source's engine's actions encoded
//! as `src/ffi.rs` documents.
#![no_main]

use eventsource_wasm::engine::{Action, Engine, Input, Output, ReadyState, Response, Timer};
use eventsource_wasm::ffi::{decode, kind, tag, Sources};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use common::one_of;

const TOKENS: [&[u8]; 12] =
    [b"data: x", b"id: 7", b"event: e", b"retry: 5", b": c", b"\n", b"\r", b"\r\n", b"\n\n", b"\xff", b"\r\r", b"\0"];

/// The output an engine's actions should become, written from the protocol's description:
/// fields each ended by CR; a record is a tag with a decimal number, then its text (a fetch's
/// `Last-Event-ID`; an error has none); a message is `M` then its type (empty for `message`),
/// data and id.
#[derive(Default)]
struct Expect(Vec<u8>);

impl Expect {
    fn record(&mut self, tag: u8, num: u32, fields: &[&[u8]]) {
        self.0.push(tag);
        self.0.extend_from_slice(num.to_string().as_bytes());
        self.0.push(b'\r');
        self.fields(fields);
    }

    fn fields(&mut self, fields: &[&[u8]]) {
        for field in fields {
            self.0.extend_from_slice(field);
            self.0.push(b'\r');
        }
    }
}

impl Output for Expect {
    fn action(&mut self, a: Action<'_>) {
        match a {
            Action::Message(e) => {
                let ty = if e.event_type == b"message" { &b""[..] } else { e.event_type };
                self.0.extend_from_slice(b"M\r");
                self.fields(&[ty, e.data, e.id]);
            }
            Action::Comment(_) => {}
            Action::Fetch(r) => self.record(tag::FETCH, r.attempt, &[r.last_event_id.unwrap_or(b"")]),
            Action::Abort => self.record(tag::ABORT, 0, &[]),
            Action::Open => self.record(tag::OPEN, 0, &[]),
            Action::Error(e) => {
                // No text: the cause's number (0 for none) says why.
                let cause = e.cause.map_or(0, |c| c as u32);
                let num = e.ready_state as u32
                    | u32::from(e.will_retry) << 2
                    | cause << 3
                    | u32::from(e.status.unwrap_or(0)) << 8;
                self.record(tag::ERROR, num, &[]);
            }
            Action::SetTimer(t, ms) => {
                let tag = if t == Timer::Reconnect { tag::SET_RECONNECT } else { tag::SET_INACTIVITY };
                self.record(tag, ms.min(i32::MAX as u64) as u32, &[]);
            }
            Action::ClearTimer(t) => {
                self.record(if t == Timer::Reconnect { tag::CLEAR_RECONNECT } else { tag::CLEAR_INACTIVITY }, 0, &[])
            }
        }
    }
}

/// One live handle as the caller sees it.
struct Slot {
    /// A copy of the source's engine fed each input as the protocol describes it; after a call
    /// the protocol does not describe (a length past the scratch buffer, an unknown kind), a
    /// fresh copy.
    shadow: Engine,
    /// Closed by `close()` or a failure: no output any more.
    closed: bool,
}

struct Harness {
    s: Sources,
    slots: Vec<Option<Slot>>,
}

impl Harness {
    /// Checks one call's output for handle `h`; `feed` is the shadow's input, `None` when the
    /// call left the documented ground.
    fn check_output(&mut self, h: u32, len: usize, now: f64, feed: Option<Input<'_>>) {
        let buf = &self.s.out.buf;
        assert_eq!(len, buf.len());
        let Some(records) = decode(buf) else { panic!("malformed output {buf:?}") };
        let Some(slot) = self.slots.get_mut((h as usize).wrapping_sub(1)).and_then(Option::as_mut) else {
            assert_eq!(len, 0, "output for a handle that is not live");
            return;
        };
        if slot.closed {
            assert_eq!(len, 0, "output after close or failure");
        }
        for (i, (t, num, _)) in records.iter().enumerate() {
            match *t {
                tag::SET_RECONNECT | tag::SET_INACTIVITY => assert!(*num <= i32::MAX as u32),
                tag::ERROR => {
                    let state = num & 3;
                    assert!(state == 0 || state == 2, "error state {num:#x}");
                    assert_eq!(num >> 2 & 1, u32::from(state == 0), "willRetry in {num:#x}");
                    assert!(num >> 3 & 31 <= 7, "cause in {num:#x}");
                    if state == 2 {
                        assert_eq!(i + 1, records.len(), "records after a failure");
                    }
                }
                _ => {}
            }
        }
        match feed {
            Some(input) => {
                let mut want = Expect::default();
                slot.shadow.handle(now as u64, input, &mut want);
                assert_eq!(buf, &want.0, "output differs from the engine's actions");
            }
            None => slot.shadow = self.s.engine(h).expect("a live source").clone(),
        }
        slot.closed = self.s.ready_state(h) == ReadyState::Closed as u32;
    }

    /// Every handle's readyState agrees with the model.
    fn agree(&self) {
        for (i, slot) in self.slots.iter().enumerate() {
            let state = self.s.ready_state(i as u32 + 1);
            match slot {
                None => assert_eq!(state, 2, "a freed source is CLOSED"),
                Some(slot) => assert_eq!(state, slot.shadow.ready_state() as u32),
            }
        }
        assert_eq!(self.s.ready_state(0), 2);
        assert_eq!(self.s.ready_state(self.slots.len() as u32 + 1), 2);
    }
}

fn bytes(u: &mut Unstructured<'_>, max: usize) -> Result<Vec<u8>> {
    common::bytes(u, max, &TOKENS)
}

fn handle(u: &mut Unstructured<'_>) -> Result<u32> {
    Ok(if u.ratio(15, 16)? { u.int_in_range(0..=4)? } else { u.arbitrary()? })
}

/// A length: mostly `written`, sometimes anything.
fn length(u: &mut Unstructured<'_>, written: usize) -> Result<usize> {
    Ok(match u.int_in_range(0..=7u8)? {
        0 => u.int_in_range(0..=written + 8)?,
        1 => u.arbitrary()?,
        _ => written,
    })
}

fn step(h: &mut Harness, u: &mut Unstructured<'_>, now: f64) -> Result<()> {
    match u.int_in_range(0..=9u8)? {
        0 | 1 => {
            let mut nums = Vec::new();
            for _ in 0..u.int_in_range(0..=14)? {
                nums.push(one_of(u, &[0.0, 1.0, -1.0, 2.0, 50.0, 3000.0, 503.0, f64::NAN, f64::INFINITY])?);
            }
            let mut id = bytes(u, 12)?;
            // Mostly an ID the JS class accepts (no NUL, CR or LF).
            if u.ratio(7, 8)? {
                id.retain(|c| !b"\0\r\n".contains(c));
            }
            let mut written: Vec<u8> = nums.iter().flat_map(|n| n.to_le_bytes()).collect();
            written.extend_from_slice(&id);
            h.s.scratch(written.len()).copy_from_slice(&written);
            let ncfg = length(u, nums.len())?;
            let id_len = length(u, id.len())?;
            let handle = h.s.create(ncfg, id_len);
            let free = h.slots.iter().position(Option::is_none).unwrap_or(h.slots.len());
            assert_eq!(handle as usize, free + 1, "handles are the lowest free slot, from 1");
            // The options' reading has unit tests; from here on a copy of the new engine takes
            // the inputs as the protocol describes them.
            let shadow = h.s.engine(handle).expect("a new source has an engine").clone();
            let last_id = shadow.last_event_id();
            assert!(
                !last_id.iter().any(|c| b"\r\n".contains(c)),
                "a CR or LF in the last event ID would split records"
            );
            if (ncfg, id_len) == (nums.len(), id.len()) {
                let until_line_break = id.split(|c| b"\r\n".contains(c)).next().unwrap_or(&[]);
                assert_eq!(last_id, until_line_break, "the initial last event ID");
            }
            if free == h.slots.len() {
                h.slots.push(None);
            }
            h.slots[free] = Some(Slot { shadow, closed: false });
            assert_eq!(h.s.ready_state(handle), ReadyState::Connecting as u32);
        }
        2..=6 => {
            let handle = handle(u)?;
            let k = if u.ratio(15, 16)? { u.int_in_range(0..=10)? } else { u.arbitrary()? };
            let body = if k == kind::BODY { bytes(u, 64)? } else { Vec::new() };
            h.s.scratch(body.len()).copy_from_slice(&body);
            let arg = match k {
                kind::BODY => length(u, body.len())?,
                kind::TIMER if u.ratio(7, 8)? => u.int_in_range(0..=1)?,
                _ => u.arbitrary()?,
            };
            let len = h.s.input(handle, now, k, arg);
            let scratch = std::mem::take(&mut h.s.scratch);
            let feed = match k {
                kind::START => Some(Input::Start),
                kind::BODY => scratch.get(..arg).map(Input::Body),
                kind::END => Some(Input::End),
                kind::NETWORK_ERROR => Some(Input::NetworkError),
                kind::FAILED => Some(Input::Failed),
                kind::TIMER => Some(Input::Timer(if arg == 0 { Timer::Reconnect } else { Timer::Inactivity })),
                kind::ONLINE => Some(Input::Online),
                kind::CLOSE => Some(Input::Close),
                kind::RESET => Some(Input::Reset),
                kind::SUSPEND => Some(Input::Suspend),
                // Kinds added later, and unknown ones.
                _ => None,
            };
            h.check_output(handle, len, now, feed);
            h.s.scratch = scratch;
        }
        7 | 8 => {
            let handle = handle(u)?;
            let status =
                if u.ratio(7, 8)? { *u.choose(&[200, 200, 204, 404, 503, 0, 65_536])? } else { u.arbitrary()? };
            let ct = if u.ratio(1, 2)? { b"text/event-stream".to_vec() } else { bytes(u, 24)? };
            h.s.scratch(ct.len()).copy_from_slice(&ct);
            let ct_len = match u.int_in_range(0..=7u8)? {
                0 => -1,
                1 => u.arbitrary()?,
                _ => ct.len() as i32,
            };
            let retry_after = one_of(u, &[f64::NAN, 0.0, 5000.0, -1.0, f64::INFINITY])?;
            let len = h.s.response(handle, now, status, ct_len, retry_after);
            let scratch = std::mem::take(&mut h.s.scratch);
            // The Content-Type unless the length is negative; `Retry-After` unless NaN (or negative).
            let content_type = usize::try_from(ct_len).map(|n| scratch.get(..n)).map_err(|_| ());
            let feed = match content_type {
                Ok(None) => None,
                ct => Some(Input::Response(Response {
                    status: status.min(65_535) as u16,
                    content_type: ct.ok().flatten(),
                    retry_after: (retry_after >= 0.0).then_some(retry_after as u64),
                })),
            };
            h.check_output(handle, len, now, feed);
            h.s.scratch = scratch;
        }
        _ => {
            let handle = handle(u)?;
            h.s.free(handle);
            if let Some(slot) = h.slots.get_mut((handle as usize).wrapping_sub(1)) {
                *slot = None;
            }
            assert_eq!(h.s.ready_state(handle), 2);
            // A freed handle takes no input.
            assert_eq!(h.s.input(handle, now, kind::START, 0), 0);
        }
    }
    h.agree();
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut h = Harness { s: Sources::default(), slots: Vec::new() };
    let mut now = 0.0f64;
    while !u.is_empty() {
        // Time mostly moves on; the caller's clock is a double, so anything is possible.
        now = match u.int_in_range(0..=15u8) {
            Ok(0) => u.arbitrary().unwrap_or(now),
            Ok(n) => now + [0.0, 1.0, 10.0, 1000.0][usize::from(n % 4)],
            Err(_) => now,
        };
        if step(&mut h, &mut u, now).is_err() {
            break;
        }
    }
});
