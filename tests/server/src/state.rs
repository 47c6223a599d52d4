//! What the server remembers between requests: the per-key request log, the bench stream cache
//! and the demo ticker's counters. Everything is bounded so a long test run cannot grow it forever.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::watch;
use tower_http::services::ServeDir;

use crate::sse::BenchShape;

const MAX_KEYS: usize = 10_000;
const MAX_ENTRIES_PER_KEY: usize = 10_000;
/// Cached bench streams are dropped past this total, then rebuilt on demand.
const MAX_BENCH_CACHE_BYTES: usize = 1 << 30;

pub struct State {
    pub started: Instant,
    /// Static files from `--root`.
    pub files: ServeDir,
    pub quiet: bool,
    log: Mutex<HashMap<String, Vec<String>>>,
    bench: Mutex<HashMap<BenchShape, Arc<Vec<Bytes>>>>,
    /// Bumped by `POST /demo/drop`; every open ticker watches it and ends when it changes.
    pub demo_drop: watch::Sender<u64>,
    pub demo_open: AtomicU64,
    pub demo_total: AtomicU64,
    /// Open `/sse/live` and `/sse/story` streams per key.
    live: Mutex<HashMap<String, u64>>,
    /// The last `id:` reset block each `/sse/story` key was sent (where a request without
    /// `Last-Event-ID` resumes).
    story_resets: Mutex<HashMap<String, u64>>,
}

impl State {
    pub fn new(root: PathBuf, quiet: bool) -> Self {
        State {
            started: Instant::now(),
            files: ServeDir::new(root),
            quiet,
            log: Mutex::default(),
            bench: Mutex::default(),
            demo_drop: watch::Sender::new(0),
            demo_open: AtomicU64::new(0),
            demo_total: AtomicU64::new(0),
            live: Mutex::default(),
            story_resets: Mutex::default(),
        }
    }

    /// Stores one request (already rendered as JSON) under `key`.
    pub fn record(&self, key: &str, entry: String) {
        // A panicking handler must not take the log down with it for every later test.
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        if !log.contains_key(key) && log.len() >= MAX_KEYS {
            return;
        }
        let entries = log.entry(key.to_owned()).or_default();
        if entries.len() < MAX_ENTRIES_PER_KEY {
            entries.push(entry);
        }
    }

    pub fn count(&self, key: &str) -> usize {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).get(key).map_or(0, Vec::len)
    }

    pub fn log_json(&self, key: &str) -> String {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        format!("[{}]", log.get(key).map(|e| e.join(",")).unwrap_or_default())
    }

    pub fn clear(&self, key: &str) {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).remove(key);
    }

    /// Counts one open `/sse/live` stream under `key` until the guard drops.
    pub fn live_open(self: &Arc<Self>, key: &str) -> LiveGuard {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        if live.contains_key(key) || live.len() < MAX_KEYS {
            *live.entry(key.to_owned()).or_default() += 1;
        }
        LiveGuard(self.clone(), key.to_owned())
    }

    /// How many `/sse/live` streams are open under `key` now.
    pub fn live_count(&self, key: &str) -> u64 {
        self.live.lock().unwrap_or_else(PoisonError::into_inner).get(key).copied().unwrap_or(0)
    }

    /// Notes that `/sse/story` sent `key` the `id:` reset of block `k`.
    pub fn story_reset_sent(&self, key: &str, k: u64) {
        let mut resets = self.story_resets.lock().unwrap_or_else(PoisonError::into_inner);
        if resets.contains_key(key) || resets.len() < MAX_KEYS {
            resets.insert(key.to_owned(), k);
        }
    }

    /// The last `id:` reset block `/sse/story` sent `key`, if any.
    pub fn story_last_reset(&self, key: &str) -> Option<u64> {
        self.story_resets.lock().unwrap_or_else(PoisonError::into_inner).get(key).copied()
    }

    /// The chunks of a bench stream, built once per shape so the server is never the bottleneck.
    pub fn bench_chunks(&self, key: &BenchShape, build: impl FnOnce() -> Vec<Bytes>) -> Arc<Vec<Bytes>> {
        let mut cache = self.bench.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(chunks) = cache.get(key) {
            return chunks.clone();
        }
        let chunks = Arc::new(build());
        let cached: usize = cache.values().flat_map(|c| c.iter()).map(Bytes::len).sum();
        if cached > MAX_BENCH_CACHE_BYTES {
            cache.clear();
        }
        cache.insert(key.clone(), chunks.clone());
        chunks
    }
}

/// One open `/sse/live` stream, counted while it lives (see `State::live_open`).
pub struct LiveGuard(Arc<State>, String);

impl Drop for LiveGuard {
    fn drop(&mut self) {
        let mut live = self.0.live.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = live.get_mut(&self.1) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                live.remove(&self.1);
            }
        }
    }
}
