//! The live demo's routes: a stock ticker that resumes from `Last-Event-ID`, a button that drops
//! every open ticker at once (to show reconnection), and counters for the page to display.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::http::request::Parts;
use hyper::{Response, StatusCode};
use serde::Serialize;
use tokio::time::{interval, interval_at, sleep, Instant};

use crate::body::{channel, Body};
use crate::sse;
use crate::state::State;

const TICK: Duration = Duration::from_millis(700);
const HEARTBEAT: Duration = Duration::from_secs(5);
/// A forgotten demo tab still stops receiving after this long.
const MAX_TICKER: Duration = Duration::from_secs(15 * 60);
const SYMBOLS: [&str; 5] = ["ACME", "GLOBX", "INITECH", "UMBRL", "WAYNE"];

/// One `tick` event's data.
#[derive(Serialize)]
struct Tick {
    symbol: &'static str,
    /// Rounded to cents, so the JSON number has at most two decimals.
    price: f64,
    seq: u64,
}

#[derive(Serialize)]
struct Stats {
    open_streams: u64,
    total_connections: u64,
}

/// Counts an open ticker for `/demo/stats` for exactly as long as its task lives.
struct OpenTicker(Arc<State>);

impl Drop for OpenTicker {
    fn drop(&mut self) {
        self.0.demo_open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A made-up but repeatable price walk per symbol (event `seq` moves symbol `seq % 5`): the sum
/// of pseudo-random steps in [-1.5, +1.5), so the demo needs no random number crate and a
/// resumed stream continues the same walk.
fn price(seq: u64) -> f64 {
    let step = |n: u64| ((n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) % 300) as f64 / 100.0 - 1.5;
    let walk: f64 = (seq % 5..=seq).step_by(5).map(step).sum();
    100.0 + walk
}

pub fn ticker(state: &Arc<State>, parts: &Parts) -> Response<Body> {
    let mut seq = sse::last_event_id(parts);
    state.demo_open.fetch_add(1, Ordering::Relaxed);
    state.demo_total.fetch_add(1, Ordering::Relaxed);
    let open = OpenTicker(state.clone());
    let mut dropped = state.demo_drop.subscribe();
    let (sink, body) = channel();
    tokio::spawn(async move {
        let _open = open;
        if !sink.send("retry: 1000\n\n").await {
            return;
        }
        let mut tick = interval(TICK);
        let mut heartbeat = interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
        let deadline = sleep(MAX_TICKER);
        tokio::pin!(deadline);
        loop {
            let chunk = tokio::select! {
                _ = tick.tick() => {
                    seq += 1;
                    let symbol = SYMBOLS[(seq % SYMBOLS.len() as u64) as usize];
                    let tick = Tick { symbol, price: (price(seq) * 100.0).round() / 100.0, seq };
                    let data = serde_json::to_string(&tick).unwrap_or_default();
                    format!("event: tick\nid: {seq}\ndata: {data}\n\n")
                }
                _ = heartbeat.tick() => ": heartbeat\n\n".to_owned(),
                _ = dropped.changed() => break,
                _ = &mut deadline => break,
                _ = sink.closed() => break,
            };
            if !sink.send(chunk).await {
                break;
            }
        }
    });
    let mut response = Response::new(body);
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    response
}

pub fn drop_all(state: &State) -> Response<Body> {
    state.demo_drop.send_modify(|generation| *generation += 1);
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

pub fn stats(state: &State) -> Response<Body> {
    let stats = Stats {
        open_streams: state.demo_open.load(Ordering::Relaxed),
        total_connections: state.demo_total.load(Ordering::Relaxed),
    };
    let mut response = Response::new(Body::full(serde_json::to_string(&stats).unwrap_or_default()));
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
