//! A local Server-Sent Events test server: byte-exact streams, CORS on a second origin, a request
//! log with timings, and the live demo's ticker. Loopback only; every stream ends by itself.

mod body;
mod demo;
mod json;
mod query;
mod sse;
mod state;
mod statics;

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::header::{HeaderMap, HeaderValue, ORIGIN};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use body::Body;
use query::Query;
use state::State;

/// Request bodies past this are cut off; tests never need more.
const MAX_REQUEST_BODY: usize = 16 << 20;

#[derive(Clone, Debug)]
pub struct Config {
    /// 0 picks a free port.
    pub port: u16,
    /// The second origin, for CORS tests; 0 picks a free port.
    pub cross_port: u16,
    /// Where static files are served from.
    pub root: PathBuf,
    /// No request log on stderr.
    pub quiet: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config { port: 0, cross_port: 0, root: PathBuf::from("."), quiet: false }
    }
}

/// Stops accepting and closes open connections when `shutdown` is called or this is dropped.
pub struct Shutdown(watch::Sender<bool>);

impl Shutdown {
    pub fn shutdown(self) {
        let _ = self.0.send(true);
    }
}

impl Drop for Shutdown {
    fn drop(&mut self) {
        let _ = self.0.send(true);
    }
}

/// Binds both ports on 127.0.0.1 and serves them on the current runtime.
/// Returns the main port, the cross-origin port and the handle that stops both.
pub async fn serve(config: Config) -> io::Result<(u16, u16, Shutdown)> {
    let main = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.port))).await?;
    let cross = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.cross_port))).await?;
    let ports = (main.local_addr()?.port(), cross.local_addr()?.port());
    let state = Arc::new(State::new(config.root, config.quiet));
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(accept(main, state.clone(), stopped.clone()));
    tokio::spawn(accept(cross, state, stopped));
    Ok((ports.0, ports.1, Shutdown(stop)))
}

async fn accept(listener: TcpListener, state: Arc<State>, mut stopped: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Usually out of file descriptors; a failed accept must not end the server.
                Err(_) => continue,
            },
            _ = stopped.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(state.clone(), req));
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = stopped.changed() => {}
            }
        });
    }
}

async fn handle(state: Arc<State>, req: Request<hyper::body::Incoming>) -> Result<Response<Body>, Infallible> {
    let (parts, incoming) = req.into_parts();
    let body = match Limited::new(incoming, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let q = Query::parse(parts.uri.query().unwrap_or(""));
    let path = parts.uri.path();
    let logged_route = path.starts_with("/sse/") || path.starts_with("/demo/");
    if let (true, Some(key)) = (logged_route, q.text("key")) {
        let t_ms = state.started.elapsed().as_millis();
        state.record(&key, json::request(&parts, &body, Some(t_ms)));
    }

    let mut response = match (&parts.method, path) {
        (&Method::OPTIONS, _) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        (_, p) if p.starts_with("/sse/") => sse::route(&state, &parts, &q, body).await,
        (&Method::GET, "/log") => json_response(state.log_json(&q.text("key").unwrap_or_default())),
        (&Method::POST, "/log/clear") => {
            state.clear(&q.text("key").unwrap_or_default());
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        (&Method::GET, "/live") => {
            let open = state.live_count(&q.text("key").unwrap_or_default());
            json_response(format!("{{\"open\":{open}}}"))
        }
        (&Method::GET, "/demo/ticker") => demo::ticker(&state, &parts),
        (&Method::POST, "/demo/drop") => demo::drop_all(&state),
        (&Method::GET, "/demo/stats") => demo::stats(&state),
        (&Method::GET | &Method::HEAD, _) => statics::serve(&state.files, &parts).await,
        _ => statics::plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
    };
    common_headers(response.headers_mut(), &q, parts.headers.get(ORIGIN));
    if !state.quiet {
        eprintln!("{} {} -> {}", parts.method, parts.uri, response.status().as_u16());
    }
    Ok(response)
}

fn json_response(text: String) -> Response<Body> {
    let mut response = Response::new(Body::full(text));
    response.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    response
}

/// `Cache-Control: no-store` everywhere (tests must never see a cached stream), plus CORS per
/// `acao=` (`*`, `origin`, `none` or a literal origin; absent echoes any Origin) and `acac=true`.
/// `Cross-Origin-Resource-Policy: cross-origin` lets cross-origin-isolated pages (the
/// wasm-bindgen-test runner uses COEP) make `no-cors` requests here; `corp=none` drops it.
fn common_headers(headers: &mut HeaderMap, q: &Query, origin: Option<&HeaderValue>) {
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    if q.bytes("corp") != Some(b"none") {
        headers.insert("cross-origin-resource-policy", HeaderValue::from_static("cross-origin"));
    }
    let acao = match q.bytes("acao") {
        Some(b"none") => {
            if q.flag("acac") {
                headers.insert("access-control-allow-credentials", HeaderValue::from_static("true"));
            }
            return;
        }
        Some(b"*") => Some(HeaderValue::from_static("*")),
        None | Some(b"origin") => origin.cloned(),
        Some(literal) => HeaderValue::from_bytes(literal).ok(),
    };
    if let Some(acao) = acao {
        headers.insert("access-control-allow-origin", acao);
    }
    if q.flag("acac") {
        headers.insert("access-control-allow-credentials", HeaderValue::from_static("true"));
    }
    headers.insert(
        "access-control-allow-headers",
        HeaderValue::from_static("Last-Event-ID, Authorization, Content-Type, X-Test"),
    );
    headers.insert("access-control-allow-methods", HeaderValue::from_static("GET, POST"));
    // Not a CORS-safelisted response header: cross-origin clients read it only when exposed.
    headers.insert("access-control-expose-headers", HeaderValue::from_static("Retry-After"));
}
