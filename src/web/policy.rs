//! [`RetryPolicy`]: the reconnection delays of the Rust API, in [`Duration`]s, turned into the
//! engine's policy (whole milliseconds, see [`crate::retry`]).

use crate::retry;
use core::time::Duration;

/// How long to wait before reconnecting: the spec's fixed reconnection time
/// ([`NATIVE`](Self::NATIVE), the default), or exponential backoff with jitter between
/// consecutive failures ([`BACKOFF`](Self::BACKOFF)). A server's `retry:` field replaces the
/// initial delay. Times are used in whole milliseconds.
///
/// ```no_run
/// # #[cfg(target_arch = "wasm32")] {
/// use eventsource_wasm::RetryPolicy;
/// use std::time::Duration;
///
/// let policy = RetryPolicy::BACKOFF
///     .with_initial_delay(Duration::from_secs(1))
///     .with_max_delay(Duration::from_secs(30));
/// assert_eq!(policy.multiplier, 2.0);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// The first delay: the spec's reconnection time (3 s) unless set.
    pub initial_delay: Duration,
    /// No delay grows past this ([`Duration::MAX`]: no cap); jitter applies after the cap.
    pub max_delay: Duration,
    /// Growth per consecutive failure, at least 1; 1 keeps the delay fixed as native
    /// `EventSource` does.
    pub multiplier: f64,
    /// Relative spread, between 0 and 1: each delay is scaled by a random factor in
    /// `[1 - jitter, 1 + jitter]`.
    pub jitter: f64,
}

impl RetryPolicy {
    /// Native `EventSource`: a fixed 3 s, no growth, no jitter.
    pub const NATIVE: RetryPolicy =
        RetryPolicy { initial_delay: Duration::from_secs(3), max_delay: Duration::MAX, multiplier: 1.0, jitter: 0.0 };

    /// Backoff: 3 s doubling up to 60 s, ±20 % jitter (the JS class's `retry` defaults).
    pub const BACKOFF: RetryPolicy = RetryPolicy {
        initial_delay: Duration::from_secs(3),
        max_delay: Duration::from_secs(60),
        multiplier: 2.0,
        jitter: 0.2,
    };

    /// This policy with another initial delay.
    pub const fn with_initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// This policy with another cap ([`Duration::MAX`]: none).
    pub const fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// This policy with another growth factor (at least 1).
    pub const fn with_multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = multiplier;
        self
    }

    /// This policy with another jitter (between 0 and 1).
    pub const fn with_jitter(mut self, jitter: f64) -> Self {
        self.jitter = jitter;
        self
    }

    pub(crate) fn to_engine(self) -> retry::RetryPolicy {
        retry::RetryPolicy {
            initial_delay: millis(self.initial_delay),
            max_delay: millis(self.max_delay),
            multiplier: self.multiplier,
            jitter: self.jitter,
        }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::NATIVE
    }
}

/// Whole milliseconds, saturating.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
