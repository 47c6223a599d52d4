//! What both bindings (`wasm`, `ffi`) and the JS class agree on: the options as the class hands
//! them over (the numeric ones in one array indexed by [`cfg`](mod@cfg), already validated and normalized
//! by `js/event-source.js`, plus the initial last event ID), and the fields of an event in a
//! message batch. The options about the request itself (URL, headers, `lastEventIdQueryParam`)
//! stay in JS, which builds every request.

use crate::engine::Config;
use crate::parser::{Event, Limits};
use crate::retry::RetryPolicy;

/// Indexes into the numeric options.
pub mod cfg {
    /// 1 when cross-origin requests carry credentials.
    pub const WITH_CREDENTIALS: usize = 0;
    /// The first reconnection delay, ms.
    pub const INITIAL_DELAY: usize = 1;
    /// Negative: no cap.
    pub const MAX_DELAY: usize = 2;
    /// Growth per consecutive failure.
    pub const MULTIPLIER: usize = 3;
    /// Relative spread of each delay, 0 to 1.
    pub const JITTER: usize = 4;
    /// Negative: no limit.
    pub const MAX_RETRIES: usize = 5;
    /// ms without a byte before reconnecting; 0: off.
    pub const INACTIVITY_TIMEOUT: usize = 6;
    /// Longest line in bytes; 0: no limit.
    pub const MAX_LINE_LENGTH: usize = 7;
    /// Largest event data in bytes; 0: no limit.
    pub const MAX_EVENT_SIZE: usize = 8;
    /// A random number in [0, 1) seeding the jitter.
    pub const SEED: usize = 9;
    /// The numbers the engine takes end here.
    pub const COUNT: usize = 10;
    /// In the JS class's array only (the binding's business, not the engine's): check a failed
    /// fetch with a `no-cors` probe to tell a CORS failure (fatal) from a network error
    /// (retried), only where CORS exists.
    pub const PROBE_CORS: usize = 10;
    /// In the JS class's array: the statuses that reconnect instead of failing follow from here.
    pub const RETRY_ON_STATUS: usize = 11;
}

/// The number at `i`, or -1 (unset) past the end.
pub fn num(c: &[f64], i: usize) -> f64 {
    c.get(i).copied().unwrap_or(-1.0)
}

/// A number as a whole count of ms or items if set (not negative, not NaN), else `unset`. Not
/// inlined: its six uses would otherwise cost 0.3 KB of wasm; a plain `u64` (not an `Option`)
/// comes back in a register, not through memory.
#[inline(never)]
fn whole(v: f64, unset: u64) -> u64 {
    if v.is_finite() && v >= 0.0 {
        v as u64
    } else {
        unset
    }
}

/// The engine's configuration from the options: the numbers up to [`cfg::SEED`] (a shorter
/// slice leaves the rest unset) and the statuses that reconnect.
pub fn config(last_event_id: Vec<u8>, c: &[f64], retry_on_status: Vec<u16>) -> Config {
    let num = |i: usize| num(c, i);
    let defaults = RetryPolicy::NATIVE;
    // A count of u64::MAX (a number too large to count) caps no retries: failures saturate at
    // u32::MAX, so they never exceed it either.
    let max_retries = whole(num(cfg::MAX_RETRIES), u64::MAX);
    let limit = |i: usize| Some(whole(num(i), 0)).filter(|&n| n > 0).map(|n| n as usize);
    Config {
        with_credentials: num(cfg::WITH_CREDENTIALS) > 0.0,
        last_event_id,
        retry: RetryPolicy {
            initial_delay: whole(num(cfg::INITIAL_DELAY), defaults.initial_delay),
            max_delay: whole(num(cfg::MAX_DELAY), defaults.max_delay),
            multiplier: num(cfg::MULTIPLIER),
            jitter: num(cfg::JITTER),
        },
        max_retries: (max_retries != u64::MAX).then(|| max_retries.min(u64::from(u32::MAX)) as u32),
        retry_on_status,
        inactivity_timeout: whole(num(cfg::INACTIVITY_TIMEOUT), 0),
        limits: Limits { max_line_len: limit(cfg::MAX_LINE_LENGTH), max_event_size: limit(cfg::MAX_EVENT_SIZE) },
        seed: (num(cfg::SEED) * 9_007_199_254_740_991.0) as u64,
    }
}

/// An event's fields as a message batch carries them, each followed by CR (which none can
/// contain): type, data, id, with an empty type for `message`, the common case.
pub fn batch_fields<'a>(event: &Event<'a>) -> [&'a [u8]; 3] {
    let ty = if event.event_type == b"message" { b"" } else { event.event_type };
    [ty, event.data, event.id]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_leave_the_message_type_out() {
        let event = |event_type| Event { event_type, data: b"d", id: b"7" };
        assert_eq!(batch_fields(&event(b"message")), [&b""[..], b"d", b"7"]);
        assert_eq!(batch_fields(&event(b"tick")), [&b"tick"[..], b"d", b"7"]);
    }

    #[test]
    fn defaults_are_native() {
        let c = config(Vec::new(), &[0.0, 3000.0, -1.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0], Vec::new());
        assert_eq!(c.retry, RetryPolicy::NATIVE);
        assert_eq!(c.max_retries, None);
        assert_eq!(c.limits, Limits::default());
        assert!(!c.with_credentials);
        assert!(c.retry_on_status.is_empty());
    }

    #[test]
    fn every_option_lands() {
        let nums = [1.0, 500.0, 8000.0, 2.0, 0.5, 3.0, 10_000.0, 64.0, 128.0, 0.5];
        let c = config(b"7".to_vec(), &nums, vec![502, 503]);
        assert!(c.with_credentials);
        assert_eq!(c.last_event_id, b"7");
        assert_eq!(c.retry, RetryPolicy { initial_delay: 500, max_delay: 8000, multiplier: 2.0, jitter: 0.5 });
        assert_eq!(c.max_retries, Some(3));
        assert_eq!(c.inactivity_timeout, 10_000);
        assert_eq!(c.limits, Limits { max_line_len: Some(64), max_event_size: Some(128) });
        assert_eq!(c.retry_on_status, vec![502, 503]);
        assert_ne!(c.seed, 0);
    }
}
