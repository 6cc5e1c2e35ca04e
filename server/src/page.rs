//! The page, embedded at build time, served over plain HTTP on loopback.
//! With a page directory (`certplay serve --page-dir DIR`, which `cargo
//! xtask run` passes) the page is read from DIR at each request instead, so
//! the mTLS server can start while trunk is still building the page.

use std::convert::Infallible;
use std::future::Future;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/page.rs"));
}

/// Shown when the binary was built before the page existed.
const NOTICE: &str = "<!doctype html><meta charset=utf-8><title>certplay</title>\
<h1>certplay</h1><p>This certplay was built without its page. Build it with \
<code>cargo xtask run</code> (or <code>trunk build --release</code>, then rebuild \
certplay). The mTLS server works without it.</p>";

/// Shown while `--page-dir` has no index.html yet (trunk is still building
/// it). It reloads itself: a meta refresh needs no script, which the page's
/// CSP would refuse anyway.
const BUILDING: &str =
    "<!doctype html><meta charset=utf-8><title>certplay: building the page</title>\
<meta http-equiv=refresh content=10>\
<h1>certplay</h1><p>The page is still being built (the first build takes a few \
minutes; <code>cargo xtask run</code> shows its progress). This notice reloads \
itself every 10 seconds. The mTLS server already works: try the curl command \
that certplay printed.</p>";

/// True when the binary carries the built page.
pub fn embedded() -> bool {
    embedded::FILES
        .iter()
        .any(|(name, _)| *name == "index.html")
}

/// Serves the page until `shutdown` completes: from `page_dir` when given
/// (read at each request), else the embedded copy.
pub async fn serve_page(
    listener: TcpListener,
    page_dir: Option<PathBuf>,
    shutdown: impl Future<Output = ()>,
) {
    let page_dir = Arc::new(page_dir);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    while let Some((stream, peer)) = crate::accept(&listener, &mut shutdown).await {
        let page_dir = Arc::clone(&page_dir);
        let service = hyper::service::service_fn(move |request| {
            let page_dir = Arc::clone(&page_dir);
            async move { respond(request, page_dir.as_deref()).await }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(10))
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("page: connection from {peer} ended: {e}");
            }
        });
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

async fn respond(
    request: Request<Incoming>,
    page_dir: Option<&Path>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return Ok(plain(StatusCode::METHOD_NOT_ALLOWED, "GET only\n"));
    }
    let path = request.uri().path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    if let Some(dir) = page_dir {
        if let Some(response) = from_dir(dir, path).await {
            return Ok(response);
        }
    }
    let found = embedded::FILES.iter().find(|(name, _)| *name == path);
    let response = match found {
        Some((name, body)) => file(name, Bytes::from_static(body)),
        // Not built yet: the page is on its way when a directory was given.
        None if path == "index.html" && page_dir.is_some() => html(BUILDING),
        None if path == "index.html" => html(NOTICE),
        None => plain(StatusCode::NOT_FOUND, "not found\n"),
    };
    Ok(response)
}

/// The file `path` of the page directory, while the directory holds a built
/// page (its index.html); `None` sends the request to the embedded copy.
async fn from_dir(dir: &Path, path: &str) -> Option<Response<Full<Bytes>>> {
    if !dir.join("index.html").is_file() {
        return None;
    }
    // Only plain names below the directory: no "..", no absolute paths.
    let relative = Path::new(path);
    if !relative
        .components()
        .all(|part| matches!(part, Component::Normal(_)))
    {
        return Some(plain(StatusCode::NOT_FOUND, "not found\n"));
    }
    let response = match tokio::fs::read(dir.join(relative)).await {
        Ok(body) => file(path, Bytes::from(body)),
        Err(_) => plain(StatusCode::NOT_FOUND, "not found\n"),
    };
    Some(response)
}

fn file(name: &str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, content_type(name).parse().expect("static"));
    headers.insert(CACHE_CONTROL, "no-cache".parse().expect("static"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, "nosniff".parse().expect("static"));
    response
}

fn html(text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    response.headers_mut().insert(
        CONTENT_TYPE,
        "text/html; charset=utf-8".parse().expect("static"),
    );
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        "text/plain; charset=utf-8".parse().expect("static"),
    );
    response
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_page_dir_serves_its_files_once_index_html_is_there() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Before trunk has written index.html: the embedded copy answers.
        assert!(from_dir(dir.path(), "index.html").await.is_none());

        std::fs::write(dir.path().join("index.html"), "<h1>built</h1>").expect("write");
        std::fs::write(dir.path().join("web.wasm"), b"\0asm").expect("write");
        let index = from_dir(dir.path(), "index.html").await.expect("served");
        assert_eq!(index.status(), StatusCode::OK);
        assert_eq!(index.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
        let wasm = from_dir(dir.path(), "web.wasm").await.expect("served");
        assert_eq!(wasm.headers()[CONTENT_TYPE], "application/wasm");

        for outside in [
            "missing.js",
            "../index.html",
            "a/../../etc/passwd",
            "/etc/passwd",
        ] {
            let response = from_dir(dir.path(), outside).await.expect("answered");
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{outside}");
        }
    }
}
