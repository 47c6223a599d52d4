//! Static files from `--root`, for test pages, the wasm package and the demo. Paths with `..`
//! are refused outright rather than normalised, so nothing outside the root is reachable.

use std::path::{Path, PathBuf};

use hyper::{Response, StatusCode};

use crate::body::Body;
use crate::query::percent_decode;

pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Maps a request path to a file under `root`; `None` means the path tries to leave the root.
pub fn resolve(root: &Path, uri_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(uri_path.as_bytes(), false);
    let decoded = String::from_utf8(decoded).ok()?;
    if decoded.contains(['\0', '\\']) {
        return None;
    }
    let mut path = root.to_path_buf();
    for segment in decoded.split('/').filter(|s| !s.is_empty() && *s != ".") {
        if segment == ".." {
            return None;
        }
        path.push(segment);
    }
    Some(path)
}

pub async fn serve(root: &Path, uri_path: &str) -> Response<Body> {
    let Some(mut path) = resolve(root, uri_path) else {
        return plain(StatusCode::FORBIDDEN, "forbidden");
    };
    if path.is_dir() {
        path.push("index.html");
    }
    // Reading off the runtime thread keeps open streams flowing while a large wasm file loads.
    let read = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || std::fs::read(path)).await
    };
    match read {
        Ok(Ok(bytes)) => Response::builder()
            .header("content-type", content_type(&path))
            .body(Body::full(bytes))
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "bad response")),
        _ => plain(StatusCode::NOT_FOUND, "not found"),
    }
}

pub fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::full(text));
    *response.status_mut() = status;
    response.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused_even_when_encoded() {
        let root = Path::new("/srv");
        assert_eq!(resolve(root, "/a/b.js"), Some(PathBuf::from("/srv/a/b.js")));
        assert_eq!(resolve(root, "/./a//b"), Some(PathBuf::from("/srv/a/b")));
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/a/%2e%2e/%2E%2E/x"), None);
        assert_eq!(resolve(root, "/a%5c..%5cx"), None);
    }

    #[test]
    fn wasm_and_modules_get_browser_ready_types() {
        assert_eq!(content_type(Path::new("x.wasm")), "application/wasm");
        assert_eq!(content_type(Path::new("x.mjs")), "text/javascript; charset=utf-8");
        assert_eq!(content_type(Path::new("x.bin")), "application/octet-stream");
    }
}
