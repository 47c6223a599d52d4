//! Static files from `--root` (test pages, the wasm package, the demo), served by tower-http's
//! `ServeDir`: GET and HEAD, `/` → `index.html`, 404 for a missing file or a path with `..`.

use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::http::request::Parts;
use hyper::{Request, Response, StatusCode};
use tower_http::services::ServeDir;

use crate::body::Body;

pub async fn serve(files: &ServeDir, parts: &Parts) -> Response<Body> {
    let request = Request::from_parts(parts.clone(), ());
    match files.clone().try_call(request).await {
        Ok(response) => {
            let mut response = response.map(Body::File);
            if let Some(value) = response.headers().get(CONTENT_TYPE).and_then(|v| utf8_text(v.to_str().ok()?)) {
                response.headers_mut().insert(CONTENT_TYPE, value);
            }
            response
        }
        Err(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the file"),
    }
}

/// mime_guess names a type per extension but no charset: text is UTF-8 here, and scripts
/// (`.mjs` included) get the one JavaScript type RFC 9239 keeps.
fn utf8_text(content_type: &str) -> Option<HeaderValue> {
    let text = match content_type {
        "application/javascript" | "text/javascript" => "text/javascript",
        t if t.starts_with("text/") && !t.contains(';') => t,
        _ => return None,
    };
    HeaderValue::from_str(&format!("{text}; charset=utf-8")).ok()
}

pub fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::full(text));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_scripts_are_utf8_and_binaries_untouched() {
        assert_eq!(utf8_text("text/html").unwrap(), "text/html; charset=utf-8");
        assert_eq!(utf8_text("application/javascript").unwrap(), "text/javascript; charset=utf-8");
        assert_eq!(utf8_text("text/plain; charset=latin1"), None);
        assert_eq!(utf8_text("application/wasm"), None);
    }
}
