//! Drives the server in-process over raw HTTP/1.1, so the tests see the exact bytes and chunk
//! boundaries a browser would, with no HTTP client library smoothing them over.

use std::time::Duration;

use sse_test_server::{serve, Config, Shutdown};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Every read in these tests gives up after this, so a server bug fails a test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(5);

struct Reply {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    /// The chunked body's chunks as framed on the wire (one entry for a Content-Length body).
    chunks: Vec<Vec<u8>>,
    /// False when the connection ended before the body did.
    complete: bool,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    fn body(&self) -> Vec<u8> {
        self.chunks.concat()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body()).into_owned()
    }
}

/// A connection that reads replies one by one, so keep-alive can be tested too.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    async fn connect(port: u16) -> Client {
        Client { stream: TcpStream::connect(("127.0.0.1", port)).await.unwrap(), buf: Vec::new() }
    }

    /// Reads more bytes; false on EOF, error or timeout. Straight into `buf`: a buffer on the
    /// stack would sit in every awaiting test's frame, and unoptimised builds overflow the stack.
    async fn fill(&mut self, wait: Duration) -> bool {
        self.buf.reserve(65536);
        matches!(timeout(wait, self.stream.read_buf(&mut self.buf)).await, Ok(Ok(n)) if n > 0)
    }

    async fn line(&mut self, wait: Duration) -> Option<Vec<u8>> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf[..i].to_vec();
                self.buf.drain(..i + 2);
                return Some(line);
            }
            if !self.fill(wait).await {
                return None;
            }
        }
    }

    async fn exact(&mut self, n: usize, wait: Duration) -> Option<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill(wait).await {
                return None;
            }
        }
        Some(self.buf.drain(..n).collect())
    }

    async fn send(&mut self, method: &str, target: &str, headers: &[(&str, &[u8])], body: &[u8]) {
        let mut req = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n").into_bytes();
        for (name, value) in headers {
            req.extend_from_slice(format!("{name}: ").as_bytes());
            req.extend_from_slice(value);
            req.extend_from_slice(b"\r\n");
        }
        req.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        req.extend_from_slice(body);
        self.stream.write_all(&req).await.unwrap();
    }

    /// Reads one reply; `wait` bounds each read, so a held stream comes back incomplete.
    async fn reply(&mut self, wait: Duration) -> Reply {
        let status_line = self.line(PATIENCE).await.expect("status line");
        let status = String::from_utf8_lossy(&status_line).split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        while let Some(line) = self.line(PATIENCE).await {
            if line.is_empty() {
                break;
            }
            let colon = line.iter().position(|&b| b == b':').unwrap();
            let name = String::from_utf8_lossy(&line[..colon]).to_ascii_lowercase();
            headers.push((name, line[colon + 1..].trim_ascii().to_vec()));
        }
        let mut reply = Reply { status, headers, chunks: Vec::new(), complete: false };
        if reply.header("transfer-encoding").as_deref() == Some("chunked") {
            while let Some(size) = self.line(wait).await {
                let size = usize::from_str_radix(&String::from_utf8_lossy(&size), 16).unwrap();
                let Some(mut chunk) = self.exact(size + 2, wait).await else { return reply };
                if size == 0 {
                    reply.complete = true;
                    return reply;
                }
                chunk.truncate(size);
                reply.chunks.push(chunk);
            }
        } else {
            let len = reply.header("content-length").map_or(0, |l| l.parse().unwrap());
            if let Some(body) = self.exact(len, wait).await {
                reply.chunks = if len == 0 { vec![] } else { vec![body] };
                reply.complete = true;
            }
        }
        reply
    }
}

async fn start() -> (u16, u16, Shutdown) {
    start_in(".".into()).await
}

async fn start_in(root: std::path::PathBuf) -> (u16, u16, Shutdown) {
    serve(Config { root, quiet: true, ..Config::default() }).await.unwrap()
}

async fn get(port: u16, target: &str, headers: &[(&str, &[u8])]) -> Reply {
    let mut client = Client::connect(port).await;
    client.send("GET", target, headers, b"").await;
    client.reply(PATIENCE).await
}

/// A HEAD reply has headers only, whatever its Content-Length says.
async fn head(port: u16, target: &str) -> Reply {
    let mut client = Client::connect(port).await;
    client.send("HEAD", target, &[], b"").await;
    client.reply(Duration::ZERO).await
}

#[tokio::test]
async fn raw_split_sends_exact_bytes_as_separate_chunks() {
    let (port, _, _stop) = start().await;
    let reply = get(port, "/sse/raw?body=%EF%BB%BFa%00%FF%0D%0A%0Db%0A%0A&split=3,5,7&gap=10", &[]).await;
    assert_eq!(reply.status, 200);
    assert!(reply.complete);
    assert_eq!(reply.chunks, [&b"\xef\xbb\xbf"[..], b"a\0", b"\xff\r", b"\n\rb\n\n"]);
    assert_eq!(reply.header("content-type").as_deref(), Some("text/event-stream"));
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(reply.header("content-length"), None);
}

#[tokio::test]
async fn raw_accepts_base64url_status_and_content_type() {
    let (port, _, _stop) = start().await;
    let reply = get(port, "/sse/raw?b64=77u_ZGF0YTogeAoK&status=201&ct=text/plain", &[]).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.body(), b"\xef\xbb\xbfdata: x\n\n");
    assert_eq!(reply.header("content-type").as_deref(), Some("text/plain"));
    let reply = get(port, "/sse/raw?body=x&ct=none", &[]).await;
    assert_eq!(reply.header("content-type"), None);
}

#[tokio::test]
async fn hold_keeps_the_stream_open() {
    let (port, _, _stop) = start().await;
    let mut client = Client::connect(port).await;
    client.send("GET", "/sse/raw?body=data:%20x%0A%0A&hold=1", &[], b"").await;
    let reply = client.reply(Duration::from_millis(300)).await;
    assert_eq!(reply.body(), b"data: x\n\n");
    assert!(!reply.complete);
}

#[tokio::test]
async fn cors_headers_follow_the_params() {
    let (_, cross, _stop) = start().await;
    let origin: &[(&str, &[u8])] = &[("Origin", b"http://127.0.0.1:1")];
    let echoed = get(cross, "/sse/messages?n=1", origin).await;
    assert_eq!(echoed.header("access-control-allow-origin").as_deref(), Some("http://127.0.0.1:1"));
    assert_eq!(echoed.header("access-control-allow-credentials"), None);
    assert!(echoed.header("access-control-allow-headers").unwrap().contains("Last-Event-ID"));
    assert_eq!(echoed.header("access-control-allow-methods").as_deref(), Some("GET, POST"));
    assert_eq!(echoed.header("access-control-expose-headers").as_deref(), Some("Retry-After"));

    let star = get(cross, "/sse/messages?n=1&acao=*&acac=true", origin).await;
    assert_eq!(star.header("access-control-allow-origin").as_deref(), Some("*"));
    assert_eq!(star.header("access-control-allow-credentials").as_deref(), Some("true"));

    let none = get(cross, "/sse/messages?n=1&acao=none", origin).await;
    assert_eq!(none.header("access-control-allow-origin"), None);
    assert_eq!(none.header("access-control-allow-headers"), None);

    let no_origin = get(cross, "/sse/messages?n=1", &[]).await;
    assert_eq!(no_origin.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn options_preflight_answers_204_and_is_logged() {
    let (port, _, _stop) = start().await;
    let mut client = Client::connect(port).await;
    let headers: &[(&str, &[u8])] = &[("Origin", b"http://a.test"), ("Access-Control-Request-Method", b"GET")];
    client.send("OPTIONS", "/sse/echo?key=pre&acac=true", headers, b"").await;
    let reply = client.reply(PATIENCE).await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin").as_deref(), Some("http://a.test"));
    assert_eq!(reply.header("access-control-allow-credentials").as_deref(), Some("true"));
    let log = get(port, "/log?key=pre", &[]).await.text();
    assert!(log.contains("\"method\":\"OPTIONS\""), "{log}");
}

#[tokio::test]
async fn resume_continues_after_last_event_id_then_says_204() {
    let (port, _, _stop) = start().await;
    let first = get(port, "/sse/resume?key=r&per_conn=3&total=5", &[]).await;
    assert_eq!(first.text(), "retry: 50\nid: 1\ndata: event 1\n\nid: 2\ndata: event 2\n\nid: 3\ndata: event 3\n\n");
    let second = get(port, "/sse/resume?key=r&per_conn=3&total=5", &[("Last-Event-ID", b"3")]).await;
    assert_eq!(second.text(), "retry: 50\nid: 4\ndata: event 4\n\nid: 5\ndata: event 5\n\n");
    let done = get(port, "/sse/resume?key=r&per_conn=3&total=5", &[("Last-Event-ID", b"5")]).await;
    assert_eq!(done.status, 204);
    let junk = get(port, "/sse/resume?per_conn=1", &[("Last-Event-ID", b"\xc3\xa9")]).await;
    assert!(junk.text().contains("id: 1\n"));
}

#[tokio::test]
async fn redirect_and_status_routes() {
    let (port, _, _stop) = start().await;
    let redirect = get(port, "/sse/redirect?code=307&to=/sse/messages%3Fn%3D1", &[("Origin", b"http://o")]).await;
    assert_eq!(redirect.status, 307);
    assert_eq!(redirect.header("location").as_deref(), Some("/sse/messages?n=1"));
    assert_eq!(redirect.header("access-control-allow-origin").as_deref(), Some("http://o"));

    let status = get(port, "/sse/status?code=503&retry_after=7&body=busy", &[]).await;
    assert_eq!(status.status, 503);
    assert_eq!(status.header("retry-after").as_deref(), Some("7"));
    assert_eq!(status.body(), b"busy");
}

#[tokio::test]
async fn log_records_header_bytes_as_hex_and_clears() {
    let (port, _, _stop) = start().await;
    get(port, "/sse/echo?key=hex", &[("Last-Event-ID", b"\xc3\xa9\xff")]).await;
    let log = get(port, "/log?key=hex", &[]).await.text();
    assert!(log.starts_with("[{") && log.ends_with("}]"), "{log}");
    assert!(log.contains("\"last-event-id\":\"c3a9ff\""), "{log}");
    assert!(log.contains("\"last-event-id\":\"é\u{fffd}\""), "{log}");
    assert!(log.contains("\"t_ms\":"), "{log}");
    assert_eq!(get(port, "/sse/counter?key=hex", &[]).await.text(), "data: 2\n\n");

    let mut client = Client::connect(port).await;
    client.send("POST", "/log/clear?key=hex", &[], b"").await;
    assert_eq!(client.reply(PATIENCE).await.status, 204);
    assert_eq!(get(port, "/log?key=hex", &[]).await.text(), "[]");
}

#[tokio::test]
async fn echo_reports_the_request() {
    let (port, _, _stop) = start().await;
    let mut client = Client::connect(port).await;
    client.send("POST", "/sse/echo?x=1", &[("X-Test", b"yes")], b"hello").await;
    let text = client.reply(PATIENCE).await.text();
    assert!(text.starts_with("data: {\"method\":\"POST\",\"path\":\"/sse/echo\",\"query\":\"x=1\""), "{text}");
    assert!(text.contains("\"x-test\":\"yes\"") && text.contains("\"body\":\"hello\""), "{text}");
    assert!(text.ends_with("}\n\n"));
}

#[tokio::test]
async fn messages_use_the_requested_line_endings_over_keep_alive() {
    let (port, _, _stop) = start().await;
    let mut client = Client::connect(port).await;
    client.send("GET", "/sse/messages?n=2&data=hi&event=e&retry=10&eol=crlf", &[], b"").await;
    let reply = client.reply(PATIENCE).await;
    assert_eq!(
        reply.text(),
        "retry: 10\r\nid: 1\r\nevent: e\r\ndata: hi 0\r\n\r\nid: 2\r\nevent: e\r\ndata: hi 1\r\n\r\n"
    );
    client.send("GET", "/sse/messages?n=1&ids=0&eol=cr", &[], b"").await;
    assert_eq!(client.reply(PATIENCE).await.text(), "data: hello 0\r\r");
}

#[tokio::test]
async fn bench_and_drip_streams() {
    let (port, _, _stop) = start().await;
    let bench = get(port, "/sse/bench?size=10&count=3&chunk=16", &[]).await;
    assert_eq!(bench.text(), "data: xx00000000\n\ndata: xx00000001\n\ndata: xx00000002\n\n");
    assert!(bench.chunks.iter().all(|c| c.len() <= 16));
    let drip = get(port, "/sse/drip?n=2&interval=1&size=3", &[]).await;
    assert_eq!(drip.text(), "id: 1\ndata: xxx\n\nid: 2\ndata: xxx\n\n");
}

#[tokio::test]
async fn reset_breaks_the_connection_mid_stream() {
    let (port, _, _stop) = start().await;
    let reply = get(port, "/sse/reset?after=12", &[]).await;
    assert_eq!(reply.body(), b"data: x\n\ndat");
    assert!(!reply.complete);
}

#[tokio::test]
async fn demo_drop_ends_open_tickers() {
    let (port, _, _stop) = start().await;
    let mut ticker = Client::connect(port).await;
    ticker.send("GET", "/demo/ticker", &[("Last-Event-ID", b"41")], b"").await;
    let head = ticker.reply(Duration::from_millis(300)).await;
    assert!(head.text().starts_with("retry: 1000\n\nevent: tick\nid: 42\n"), "{}", head.text());
    assert!(get(port, "/demo/stats", &[]).await.text().contains("\"open_streams\":1"));

    let mut dropper = Client::connect(port).await;
    dropper.send("POST", "/demo/drop", &[], b"").await;
    assert_eq!(dropper.reply(PATIENCE).await.status, 204);
    // A slow machine may fit one more tick in first; the terminating chunk must still follow.
    let mut ended = false;
    for _ in 0..20 {
        match ticker.line(PATIENCE).await {
            Some(line) if line == b"0" => ended = true,
            Some(_) => continue,
            None => {}
        }
        break;
    }
    assert!(ended, "the ticker was not ended by /demo/drop");
    assert_eq!(get(port, "/demo/stats", &[]).await.text(), "{\"open_streams\":0,\"total_connections\":1}");
}

#[tokio::test]
async fn static_files_with_types_and_no_traversal() {
    let root = std::env::temp_dir().join(format!("sse-test-server-{}", std::process::id()));
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::write(root.join("index.html"), "<p>hi</p>").unwrap();
    std::fs::write(root.join("pkg/a.wasm"), b"\0asm").unwrap();
    std::fs::write(root.join("pkg/b.mjs"), "export {}").unwrap();
    let (port, _, _stop) = start_in(root.join(".")).await;

    let index = get(port, "/", &[]).await;
    assert_eq!((index.status, index.text().as_str()), (200, "<p>hi</p>"));
    assert_eq!(index.header("content-type").as_deref(), Some("text/html; charset=utf-8"));
    let wasm = get(port, "/pkg/a.wasm", &[]).await;
    assert_eq!(wasm.header("content-type").as_deref(), Some("application/wasm"));
    assert_eq!(wasm.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(wasm.body(), b"\0asm");
    let module = get(port, "/pkg/b.mjs", &[]).await;
    assert!(module.header("content-type").unwrap().starts_with("text/javascript"));
    assert_eq!(get(port, "/missing.js", &[]).await.status, 404);
    // A path that tries to leave the root is simply not there.
    assert_eq!(get(port, "/../etc/passwd", &[]).await.status, 404);
    assert_eq!(get(port, "/pkg/%2e%2e/%2e%2e/etc/passwd", &[]).await.status, 404);
    assert_eq!(get(port, "/pkg/..%2f..%2fetc/passwd", &[]).await.status, 404);
    let head = head(port, "/pkg/a.wasm").await;
    assert_eq!((head.status, head.header("content-length").as_deref()), (200, Some("4")));
    assert_eq!(head.header("content-type").as_deref(), Some("application/wasm"));
    std::fs::remove_dir_all(root).unwrap();
}

#[tokio::test]
async fn story_resumes_after_its_ids_and_after_the_last_reset_without_one() {
    let (port, _, _stop) = start().await;
    let read = |target: &'static str, headers: &'static [(&'static str, &'static [u8])]| async move {
        let mut client = Client::connect(port).await;
        client.send("GET", target, headers, b"").await;
        client.reply(Duration::from_millis(400)).await
    };
    // Blocks 1..=24 (23 is the reset), then the stream stays open.
    let reply = read("/sse/story?key=s&interval=1&until=24", &[]).await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert!(
        text.starts_with("retry: 200\n\nid: ev-1\nevent: tick\ndata: {\"k\":1,\"text\":\"e1 \u{e9}\"}\n\n"),
        "{text}"
    );
    assert!(text.contains("\n\nid: ev-7\n\n"), "block 7 is an id alone: {text}");
    assert!(text.contains("\n\nevent: tock\ndata: {\"k\":11,"), "block 11 has no id: {text}");
    assert!(text.contains("\n\nid:\n\nevent: tock\ndata: {\"k\":23,"), "block 23 resets the id: {text}");
    assert!(text.ends_with("id: ev-24\ndata: {\"k\":24,\"text\":\"e24 \u{e9}\"}\n\n"), "{text}");
    assert!(!reply.complete);
    // After an id, the next block; without one, after the reset it was sent.
    let after = read("/sse/story?key=s&interval=1&until=6", &[("Last-Event-ID", b"ev-4")]).await;
    assert!(after.text().starts_with("retry: 200\n\nid: ev-5\n"), "{}", after.text());
    let reset = read("/sse/story?key=s&interval=1&until=25", &[]).await;
    assert!(reset.text().starts_with("retry: 200\n\nid: ev-24\n"), "{}", reset.text());
    let unknown = read("/sse/story?key=s", &[("Last-Event-ID", b"24")]).await;
    assert_eq!(unknown.status, 400);
}
