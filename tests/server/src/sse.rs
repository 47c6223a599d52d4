//! The `/sse/*` routes: byte-exact streams, resumption, redirects, errors and benchmarks that the
//! client's end-to-end tests point at. Every count, size and wait a query can ask for is capped.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::http::request::Parts;
use hyper::{Response, StatusCode};

use crate::body::{channel, spawn_chunks, Body, Tail};
use crate::query::{base64_decode, Query};
use crate::state::State;
use crate::{json, statics};

const MAX_EVENTS: u64 = 100_000;
const MAX_MS: u64 = 60_000;
const MAX_STREAM_BYTES: usize = 512 << 20;
/// A drip stream never runs longer than this, whatever `n` and `interval` say.
const MAX_DRIP_MS: u64 = 600_000;

pub async fn route(state: &Arc<State>, parts: &Parts, q: &Query, request_body: Bytes) -> Response<Body> {
    let delay = q.num("delay", 0, MAX_MS);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let hold = Tail::hold_if(q.flag("hold"));
    match parts.uri.path() {
        "/sse/raw" => match raw_body(q, request_body) {
            Some(bytes) => {
                let chunks = split(bytes, &q.text("split").unwrap_or_default());
                stream(q, spawn_chunks(chunks, ms(q.num("gap", 20, MAX_MS)), hold))
            }
            None => statics::plain(StatusCode::BAD_REQUEST, "b64 is not valid base64"),
        },
        "/sse/messages" => stream(q, spawn_chunks(messages(q), ms(q.num("gap", 0, MAX_MS)), hold)),
        "/sse/resume" => resume(parts, q),
        "/sse/echo" => {
            let event = format!("data: {}\n\n", json::request(parts, &request_body, None));
            stream(q, spawn_chunks(vec![event.into()], Duration::ZERO, hold))
        }
        "/sse/redirect" => {
            let code = match q.num("code", 302, 999) {
                c @ (301 | 302 | 303 | 307 | 308) => c as u16,
                _ => 302,
            };
            let mut response = with_status(stream(q, Body::empty()), code);
            if let Some(to) = q.bytes("to").and_then(|to| HeaderValue::from_bytes(to).ok()) {
                response.headers_mut().insert("location", to);
            }
            response
        }
        "/sse/status" => {
            let code = q.num("code", q.num("status", 200, 999), 999) as u16;
            let body = q.bytes("body").map(|b| Body::full(b.to_vec())).unwrap_or_else(Body::empty);
            let mut response = with_status(stream(q, body), code);
            if let Some(value) = q.bytes("retry_after").and_then(|v| HeaderValue::from_bytes(v).ok()) {
                response.headers_mut().insert("retry-after", value);
            }
            response
        }
        "/sse/drip" => {
            let interval = q.num("interval", 50, MAX_MS);
            let n = q.num("n", 100, MAX_EVENTS).min(MAX_DRIP_MS / interval.max(1));
            let size = q.num("size", 16, 1 << 20) as usize;
            let data = "x".repeat(size);
            let n = n.min((MAX_STREAM_BYTES / (size + 16)) as u64);
            let events = (1..=n).map(|i| Bytes::from(format!("id: {i}\ndata: {data}\n\n"))).collect();
            stream(q, spawn_chunks(events, ms(interval), Tail::End))
        }
        "/sse/bench" => match BenchShape::from_query(q) {
            Ok(shape) => {
                let chunks = state.bench_chunks(&shape, || bench(&shape));
                stream(q, spawn_chunks(chunks.to_vec(), Duration::ZERO, Tail::End))
            }
            Err(why) => statics::plain(StatusCode::BAD_REQUEST, why),
        },
        "/sse/counter" => {
            let count = q.text("key").map_or(0, |key| state.count(&key));
            stream(q, spawn_chunks(vec![format!("data: {count}\n\n").into()], Duration::ZERO, Tail::End))
        }
        "/sse/live" => live(state, parts, q),
        "/sse/story" => story(state, parts, q),
        "/sse/reset" => {
            let after = q.num("after", 64, 16 << 20) as usize;
            let bytes: Vec<u8> = b"data: x\n\n".iter().copied().cycle().take(after).collect();
            stream(q, spawn_chunks(vec![bytes.into()], Duration::ZERO, Tail::Abort))
        }
        _ => statics::plain(StatusCode::NOT_FOUND, "no such /sse route"),
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Response head shared by the stream routes: `status=` and `ct=` (with `ct=none` for no header).
fn stream(q: &Query, body: Body) -> Response<Body> {
    let mut response = with_status(Response::new(body), q.num("status", 200, 999) as u16);
    let ct = q.bytes("ct").unwrap_or(b"text/event-stream");
    if ct != b"none" {
        if let Ok(value) = HeaderValue::from_bytes(ct) {
            response.headers_mut().insert(CONTENT_TYPE, value);
        }
    }
    response
}

/// Informational codes are refused because hyper would treat them as interim responses.
fn with_status(mut response: Response<Body>, code: u16) -> Response<Body> {
    *response.status_mut() = StatusCode::from_u16(code).ok().filter(|s| s.as_u16() >= 200).unwrap_or(StatusCode::OK);
    response
}

fn raw_body(q: &Query, request_body: Bytes) -> Option<Bytes> {
    match (q.bytes("b64"), q.bytes("body")) {
        (Some(b64), _) => base64_decode(b64).map(Bytes::from),
        (None, Some(body)) => Some(Bytes::copy_from_slice(body)),
        // A POST without `body=` streams back what it sent, for bodies too big for a URL.
        (None, None) => Some(request_body),
    }
}

/// Cuts `bytes` at the listed offsets; offsets out of range or repeated are ignored.
pub fn split(bytes: Bytes, offsets: &str) -> Vec<Bytes> {
    let mut cuts: Vec<usize> =
        offsets.split(',').filter_map(|s| s.trim().parse().ok()).filter(|&c| c > 0 && c < bytes.len()).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut chunks = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts.into_iter().chain([bytes.len()]) {
        if cut > start {
            chunks.push(bytes.slice(start..cut));
        }
        start = cut;
    }
    chunks
}

fn eol(q: &Query) -> &'static str {
    match q.text("eol").as_deref() {
        Some("crlf") => "\r\n",
        Some("cr") => "\r",
        _ => "\n",
    }
}

fn messages(q: &Query) -> Vec<Bytes> {
    let eol = eol(q);
    let n = q.num("n", 5, MAX_EVENTS);
    let id_start = q.num("id_start", 1, u64::MAX / 2);
    let with_ids = q.text("ids").as_deref() != Some("0");
    let data = q.text("data").unwrap_or_else(|| "hello".into());
    let event = q.text("event").filter(|e| !e.is_empty());
    let mut chunks = Vec::with_capacity(n as usize + 1);
    if let Some(retry) = q.text("retry").filter(|r| !r.is_empty()) {
        chunks.push(format!("retry: {retry}{eol}").into());
    }
    for i in 0..n {
        let mut text = String::new();
        if with_ids {
            text += &format!("id: {}{eol}", id_start + i);
        }
        if let Some(event) = &event {
            text += &format!("event: {event}{eol}");
        }
        text += &format!("data: {data} {i}{eol}{eol}");
        chunks.push(text.into());
    }
    chunks
}

/// The request's `Last-Event-ID` as a number; the header is arbitrary bytes, and anything that
/// is not a decimal number counts as no id at all.
pub fn last_event_id(parts: &Parts) -> u64 {
    parts
        .headers
        .get("last-event-id")
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// Ends after `per_conn` events so the client must reconnect with `Last-Event-ID`; once the
/// client has seen `total`, answers 204 so it stops (spec: 204 means do not reconnect).
fn resume(parts: &Parts, q: &Query) -> Response<Body> {
    let last = last_event_id(parts);
    let total = q.num("total", 9, MAX_EVENTS);
    if last >= total {
        return with_status(stream(q, Body::empty()), 204);
    }
    let per_conn = q.num("per_conn", 3, MAX_EVENTS);
    let mut chunks = vec![Bytes::from(format!("retry: {}\n", q.num("retry", 50, MAX_MS)))];
    let end = total.min(last + per_conn);
    chunks.extend((last + 1..=end).map(|n| Bytes::from(format!("id: {n}\ndata: event {n}\n\n"))));
    stream(q, spawn_chunks(chunks, Duration::ZERO, Tail::End))
}

/// An endless stream for connection-sharing and drop tests: `id: n` / `data: n` every `interval`
/// ms (default 100), resuming after `Last-Event-ID`, for at most `max_ms` (default 60 s), asking
/// for `retry` ms (default 200) between connections. While
/// it is open it counts under `key` in `GET /live?key=`, so a test sees the connection end.
fn live(state: &Arc<State>, parts: &Parts, q: &Query) -> Response<Body> {
    let mut n = last_event_id(parts);
    let every = ms(q.num("interval", 100, MAX_MS).max(1));
    let deadline = tokio::time::Instant::now() + ms(q.num("max_ms", 60_000, MAX_DRIP_MS));
    let retry = q.num("retry", 200, MAX_MS);
    let guard = q.text("key").map(|key| state.live_open(&key));
    let (sink, body) = channel();
    tokio::spawn(async move {
        let _guard = guard;
        if !sink.send(format!("retry: {retry}\n\n")).await {
            return;
        }
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = tokio::time::sleep_until(deadline) => break,
                _ = sink.closed() => break,
            }
            n += 1;
            if !sink.send(format!("id: {n}\ndata: {n}\n\n")).await {
                break;
            }
        }
    });
    stream(q, body)
}

/// Block `k` of `/sse/story`: ids, data and event types that all differ, as real servers send
/// them. Every 23rd block resets the last event ID (`id:` alone) and sends an event without an
/// id; every 7th is an id with no data (it dispatches nothing but moves the last event ID); every
/// 11th is an event without an id (it keeps the last one); the rest are `id: ev-k` events. Types
/// cycle through `message` (no `event:` line), `tick` and `tock`; data is JSON.
/// tests/e2e/story.mjs mirrors it.
pub fn story_block(k: u64) -> String {
    let event = match k % 3 {
        0 => "",
        1 => "event: tick\n",
        _ => "event: tock\n",
    };
    let data = format!("data: {{\"k\":{k},\"text\":\"e{k} \u{e9}\"}}\n");
    if k.is_multiple_of(23) {
        format!("id:\n\n{event}{data}\n")
    } else if k.is_multiple_of(7) {
        format!("id: ev-{k}\n\n")
    } else if k.is_multiple_of(11) {
        format!("{event}{data}\n")
    } else {
        format!("id: ev-{k}\n{event}{data}\n")
    }
}

/// Where `/sse/story` starts for a request: after block `k` for `Last-Event-ID: ev-k`; without
/// the header, after the last reset it sent the key (a client whose last event ID was reset) or
/// from the start. `None` for an ID it never sends.
fn story_start(state: &State, parts: &Parts, key: &str) -> Option<u64> {
    match parts.headers.get("last-event-id") {
        None => Some(state.story_last_reset(key).map_or(1, |k| k + 1)),
        Some(v) => v.to_str().ok()?.strip_prefix("ev-")?.parse::<u64>().ok().map(|k| k + 1),
    }
}

/// An endless stream of [`story_block`]s, one every `interval` ms (default 100), resuming as
/// [`story_start`] says, counted under `key` in `GET /live?key=` while open, for at most `max_ms`
/// (default 60 s), asking for `retry` ms (default 200) between connections. `until=K` stops after
/// block K and keeps the stream open (a test then acts on a known last event ID).
fn story(state: &Arc<State>, parts: &Parts, q: &Query) -> Response<Body> {
    let key = q.text("key").unwrap_or_default();
    let Some(mut k) = story_start(state, parts, &key) else {
        return statics::plain(StatusCode::BAD_REQUEST, "Last-Event-ID is not an id this stream sent");
    };
    let every = ms(q.num("interval", 100, MAX_MS).max(1));
    let deadline = tokio::time::Instant::now() + ms(q.num("max_ms", 60_000, MAX_DRIP_MS));
    let retry = q.num("retry", 200, MAX_MS);
    let until = q.num("until", u64::MAX, u64::MAX);
    let guard = state.live_open(&key);
    let state = state.clone();
    let (sink, body) = channel();
    tokio::spawn(async move {
        let _guard = guard;
        if !sink.send(format!("retry: {retry}\n\n")).await {
            return;
        }
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = tick.tick(), if k <= until => {}
                _ = tokio::time::sleep_until(deadline) => break,
                _ = sink.closed() => break,
            }
            if k.is_multiple_of(23) {
                state.story_reset_sent(&key, k);
            }
            if !sink.send(story_block(k)).await {
                break;
            }
            k += 1;
        }
    });
    stream(q, body)
}

/// What `/sse/bench` streams, and the key its cache keeps the stream under. The defaults give the
/// plain shape (one `data:` line of `x`s per event); `lines`, `types`, `ids`, `utf8` and `comment`
/// give the shared benchmark's `mixed` shape (its `lib/sse-gen.mjs`), with the index at the end.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BenchShape {
    /// UTF-8 bytes of each event's `data`, the `\n`s that join its lines included.
    pub size: usize,
    pub count: usize,
    /// Bytes per write.
    pub chunk: usize,
    pub crlf: bool,
    /// `data:` lines per event.
    pub lines: usize,
    /// Event types, cycled; none means unnamed (`message`) events.
    pub types: Vec<String>,
    /// `id: <index>` on every event.
    pub ids: bool,
    /// Filler of 1- to 4-byte UTF-8 characters instead of `x`.
    pub utf8: bool,
    /// A comment line before every `comment`-th event (0: none).
    pub comment: usize,
}

impl BenchShape {
    pub fn from_query(q: &Query) -> Result<Self, &'static str> {
        let size = q.num("size", 64, 1 << 20) as usize;
        // Every line keeps room for the 8-digit index, so the last one always ends with it.
        let lines = (q.num("lines", 1, 64) as usize).min((size / 9).max(1));
        let types: Vec<String> =
            q.text("types").unwrap_or_default().split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect();
        if types.len() > 16 || types.iter().any(|t| t.len() > 64 || t.contains(['\r', '\n'])) {
            return Err("types: at most 16 names of at most 64 bytes, without CR or LF");
        }
        let mut shape = BenchShape {
            size,
            count: 0,
            chunk: q.num("chunk", 65_536, 16 << 20).max(1) as usize,
            crlf: q.text("eol").as_deref() == Some("crlf"),
            lines,
            types,
            ids: q.flag("ids"),
            utf8: q.flag("utf8"),
            comment: q.num("comment", 0, MAX_EVENTS) as usize,
        };
        shape.count = (q.num("count", 100_000, 10_000_000) as usize).min(MAX_STREAM_BYTES / shape.max_event_bytes());
        Ok(shape)
    }

    /// No event is longer on the wire: CRLF line ends, a comment before each, ids of 8 digits.
    fn max_event_bytes(&self) -> usize {
        self.size
            + 8 * self.lines
            + 2
            + if self.ids { 14 } else { 0 }
            + self.types.iter().map(|t| t.len() + 9).max().unwrap_or(0)
            + if self.comment > 0 { 24 } else { 0 }
    }

    /// The byte length of each data line: the `\n`s that join them count towards `size`, and the
    /// first lines take the remainder (as the shared benchmark splits them).
    fn line_lengths(&self) -> Vec<usize> {
        let content = self.size.saturating_sub(self.lines - 1);
        let (base, extra) = (content / self.lines, content % self.lines);
        (0..self.lines).map(|j| base + usize::from(j < extra)).collect()
    }
}

/// The shared benchmark's multi-byte filler: 2+3+4+1+2+3+4+1 = 20 bytes, astral characters
/// (surrogate pairs in JS) included.
const UTF8_CYCLE: [&str; 8] = ["é", "€", "𝄞", "a", "ж", "中", "😀", "z"];

/// The bench stream: `count` events whose data is `size` bytes ending with the zero-padded
/// index (so a client cannot pass by caching one string), cut into `chunk`-byte writes. The
/// comment, `id:` and `event:` lines come before the data lines, in the shared benchmark's order.
pub fn bench(shape: &BenchShape) -> Vec<Bytes> {
    let eol: &[u8] = if shape.crlf { b"\r\n" } else { b"\n" };
    let digits = shape.size.min(8);
    let lengths = shape.line_lengths();
    let longest = lengths.iter().copied().max().unwrap_or(0);
    // One long run of filler per rotation of the cycle; a line takes whole cycles from it and
    // pads with `x`, so it is exactly its length in bytes and never cuts a character.
    let fillers: Vec<Vec<u8>> = if shape.utf8 {
        (0..UTF8_CYCLE.len())
            .map(|r| {
                let cycle: String = UTF8_CYCLE.iter().cycle().skip(r).take(UTF8_CYCLE.len()).copied().collect();
                cycle.repeat(longest / cycle.len() + 1).into_bytes()
            })
            .collect()
    } else {
        vec![vec![b'x'; longest]]
    };
    let cycle_bytes = UTF8_CYCLE.concat().len();
    let mut buf = Vec::with_capacity(shape.count * shape.max_event_bytes());
    for i in 0..shape.count {
        if shape.comment > 0 && i % shape.comment == 0 {
            buf.extend_from_slice(format!(": keep-alive {i}").as_bytes());
            buf.extend_from_slice(eol);
        }
        if shape.ids {
            buf.extend_from_slice(format!("id: {i}").as_bytes());
            buf.extend_from_slice(eol);
        }
        if !shape.types.is_empty() {
            buf.extend_from_slice(b"event: ");
            buf.extend_from_slice(shape.types[i % shape.types.len()].as_bytes());
            buf.extend_from_slice(eol);
        }
        for (j, &len) in lengths.iter().enumerate() {
            let last = j + 1 == lengths.len();
            let fill = if last { len - digits } else { len };
            buf.extend_from_slice(b"data: ");
            if shape.utf8 {
                let whole = fill / cycle_bytes * cycle_bytes;
                buf.extend_from_slice(&fillers[(i + j) % fillers.len()][..whole]);
                buf.resize(buf.len() + fill - whole, b'x');
            } else {
                buf.extend_from_slice(&fillers[0][..fill]);
            }
            if last {
                let index = format!("{:08}", i % 100_000_000);
                buf.extend_from_slice(&index.as_bytes()[8 - digits..]);
            }
            buf.extend_from_slice(eol);
        }
        buf.extend_from_slice(eol);
    }
    let all = Bytes::from(buf);
    (0..all.len()).step_by(shape.chunk).map(|start| all.slice(start..all.len().min(start + shape.chunk))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_ignores_bad_offsets() {
        let parts = split(Bytes::from_static(b"abcdefgh"), "3, 7,x,0,99,3");
        assert_eq!(parts, [&b"abc"[..], b"defg", b"h"]);
        assert!(split(Bytes::new(), "1").is_empty());
    }

    fn shape(query: &str) -> BenchShape {
        BenchShape::from_query(&Query::parse(query)).unwrap()
    }

    #[test]
    fn bench_events_end_with_their_index() {
        let chunks = bench(&shape("size=10&count=2&chunk=7"));
        let all: Vec<u8> = chunks.concat();
        assert_eq!(all, b"data: xx00000000\n\ndata: xx00000001\n\n");
        assert!(chunks.iter().all(|c| c.len() <= 7));
        assert_eq!(bench(&shape("size=3&count=1&chunk=100&eol=crlf")).concat(), b"data: 000\r\n\r\n");
    }

    #[test]
    fn bench_mixed_shape_has_comments_ids_types_and_multibyte_lines() {
        let mixed = shape("size=49&count=3&lines=2&types=a,b&ids=1&utf8=1&comment=2&eol=crlf");
        let text = String::from_utf8(bench(&mixed).concat()).unwrap();
        assert_eq!(
            text,
            ": keep-alive 0\r\nid: 0\r\nevent: a\r\ndata: é€𝄞aж中😀zxxxx\r\ndata: xxxxxxxxxxxxxxxx00000000\r\n\r\n\
             id: 1\r\nevent: b\r\ndata: €𝄞aж中😀zéxxxx\r\ndata: xxxxxxxxxxxxxxxx00000001\r\n\r\n\
             : keep-alive 2\r\nid: 2\r\nevent: a\r\ndata: 𝄞aж中😀zé€xxxx\r\ndata: xxxxxxxxxxxxxxxx00000002\r\n\r\n"
        );
        // The shared benchmark's mixed case: every event's data (lines joined by LF) is 1 KiB.
        let big = shape("size=1024&count=20&lines=4&types=alpha,beta,gamma&ids=1&utf8=1&comment=10&eol=crlf");
        let text = String::from_utf8(bench(&big).concat()).unwrap();
        let events: Vec<&str> = text.split("\r\n\r\n").filter(|e| !e.is_empty()).collect();
        assert_eq!(events.len(), 20);
        for (i, event) in events.iter().enumerate() {
            let data: Vec<&str> = event.split("\r\n").filter_map(|l| l.strip_prefix("data: ")).collect();
            assert_eq!(data.len(), 4);
            assert_eq!(data.join("\n").len(), 1024);
            assert!(data[3].ends_with(&format!("{i:08}")));
            assert!(data[0].chars().any(|c| c.len_utf8() == 4));
        }
        assert_eq!(text.matches(": keep-alive").count(), 2);
    }

    #[test]
    fn bench_shape_refuses_type_names_with_line_breaks() {
        assert!(BenchShape::from_query(&Query::parse("types=a,b%0Ac")).is_err());
        assert_eq!(shape("size=16&lines=4").lines, 1);
    }
}
