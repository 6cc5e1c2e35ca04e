//! The page, embedded at build time, served over plain HTTP on loopback.

use std::convert::Infallible;
use std::future::Future;
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

/// True when the binary carries the built page.
pub fn embedded() -> bool {
    embedded::FILES
        .iter()
        .any(|(name, _)| *name == "index.html")
}

/// Serves the page until `shutdown` completes.
pub async fn serve_page(listener: TcpListener, shutdown: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    while let Some((stream, peer)) = crate::accept(&listener, &mut shutdown).await {
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(10))
            .serve_connection(TokioIo::new(stream), hyper::service::service_fn(respond));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("page: connection from {peer} ended: {e}");
            }
        });
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

async fn respond(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return Ok(plain(StatusCode::METHOD_NOT_ALLOWED, "GET only\n"));
    }
    let path = request.uri().path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    let found = embedded::FILES.iter().find(|(name, _)| *name == path);
    let response = match found {
        Some((name, body)) => {
            let mut response = Response::new(Full::new(Bytes::from_static(body)));
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, content_type(name).parse().expect("static"));
            headers.insert(CACHE_CONTROL, "no-cache".parse().expect("static"));
            headers.insert(X_CONTENT_TYPE_OPTIONS, "nosniff".parse().expect("static"));
            response
        }
        None if path == "index.html" => {
            let mut response = Response::new(Full::new(Bytes::from_static(NOTICE.as_bytes())));
            response.headers_mut().insert(
                CONTENT_TYPE,
                "text/html; charset=utf-8".parse().expect("static"),
            );
            response
        }
        None => plain(StatusCode::NOT_FOUND, "not found\n"),
    };
    Ok(response)
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
