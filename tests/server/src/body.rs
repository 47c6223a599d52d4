//! Response bodies: whole (JSON, plain text), a static file as `ServeDir` streams it, or a
//! channel that a producer task writes chunk by chunk, so every chunk is flushed on its own and
//! the client sees separate reads.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::sync::mpsc;
use tower_http::services::fs::ServeFileSystemResponseBody;

/// Longest a `hold=1` response stays open, so no test leaves a stream behind.
pub const HOLD_LIMIT: Duration = Duration::from_secs(60);

pub enum Body {
    Full(Option<Bytes>),
    Chan(mpsc::Receiver<io::Result<Bytes>>),
    File(ServeFileSystemResponseBody),
}

impl Body {
    pub fn empty() -> Self {
        Body::Full(None)
    }

    pub fn full(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        Body::Full((!bytes.is_empty()).then_some(bytes))
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<Frame<Bytes>>>> {
        match self.get_mut() {
            Body::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            // A received `Err` makes hyper abort the connection without the chunked terminator.
            Body::Chan(rx) => rx.poll_recv(cx).map(|item| item.map(|r| r.map(Frame::data))),
            Body::File(file) => Pin::new(file).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Full(bytes) => bytes.is_none(),
            Body::Chan(_) => false,
            Body::File(file) => file.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            // Unknown length is what makes hyper use chunked transfer encoding.
            Body::Chan(_) => SizeHint::default(),
            Body::File(file) => file.size_hint(),
        }
    }
}

/// What a stream does after its last chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tail {
    /// End the response properly.
    End,
    /// Keep the response open, sending nothing, until the client leaves or [`HOLD_LIMIT`] passes.
    Hold,
    /// Break the connection mid-stream so the client sees a network error.
    Abort,
}

impl Tail {
    pub fn hold_if(hold: bool) -> Self {
        if hold {
            Tail::Hold
        } else {
            Tail::End
        }
    }
}

/// The writing half of a streamed body; `send` returns false once the client is gone.
pub struct Sink(mpsc::Sender<io::Result<Bytes>>);

impl Sink {
    pub async fn send(&self, chunk: impl Into<Bytes>) -> bool {
        self.0.send(Ok(chunk.into())).await.is_ok()
    }

    pub async fn closed(&self) {
        self.0.closed().await
    }
}

/// A small buffer keeps the producer in step with the client (backpressure) while still
/// letting the bench route stay ahead of the socket.
pub fn channel() -> (Sink, Body) {
    let (tx, rx) = mpsc::channel(4);
    (Sink(tx), Body::Chan(rx))
}

/// Streams `chunks` with `gap` between them, then applies `tail`.
pub fn spawn_chunks(chunks: Vec<Bytes>, gap: Duration, tail: Tail) -> Body {
    let (sink, body) = channel();
    tokio::spawn(async move {
        for (i, chunk) in chunks.into_iter().enumerate() {
            if i > 0 && !gap.is_zero() {
                tokio::time::sleep(gap).await;
            }
            if !sink.send(chunk).await {
                return;
            }
        }
        match tail {
            Tail::End => {}
            Tail::Hold => {
                tokio::select! {
                    _ = sink.closed() => {}
                    _ = tokio::time::sleep(HOLD_LIMIT) => {}
                }
            }
            Tail::Abort => {
                // Let hyper flush what was sent first; an error already queued behind the data
                // could make it drop the connection before the bytes leave.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let _ = sink.0.send(Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset on purpose"))).await;
            }
        }
    });
    body
}
