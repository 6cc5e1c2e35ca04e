//! The page, embedded at build time, served over plain HTTP on loopback.
//! With a page directory (`certplay serve --page-dir DIR`, which `cargo
//! xtask run` passes) the page is read from DIR at each request instead, so
//! the mTLS server can start while trunk is still building the page.
//!
//! Every answer carries the page's Content-Security-Policy (the one in
//! index.html, plus `frame-ancestors 'none'`, which only works as a header),
//! `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer` and
//! `X-Content-Type-Options: nosniff`. A request whose `Host` is a DNS name
//! other than `localhost` is refused: that is what a DNS-rebinding page in
//! the person's browser would send.

use std::convert::Infallible;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use certplay_core::escape::{escape, truncate};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{
    HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HOST,
    REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::sync::watch;

use crate::guard::{host_allowed, Acceptor, IdleTimeout, Limits, MAX_NAME_CHARS};
use crate::input::ReadError;
use crate::live::{Live, PageBody};

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

/// Serves the page until shutdown.
pub async fn serve_page(
    acceptor: Acceptor,
    limits: Limits,
    page_dir: Option<PathBuf>,
    live: Option<Arc<Live>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let embedded_policy: Arc<str> = Arc::from(content_security_policy());
    let page_dir = Arc::new(page_dir);
    while let Some((stream, peer, slot)) = acceptor.next(&mut shutdown).await {
        let embedded_policy = embedded_policy.clone();
        let live = live.clone();
        let page_dir = page_dir.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let embedded_policy = embedded_policy.clone();
            let live = live.clone();
            let page_dir = page_dir.clone();
            async move {
                // A page read from disk brings its own policy.
                let policy = match page_dir.as_deref() {
                    Some(dir) => dir_policy(dir)
                        .await
                        .unwrap_or_else(|| embedded_policy.to_string()),
                    None => embedded_policy.to_string(),
                };
                let response = match live {
                    Some(live)
                        if request.uri().path().starts_with("/live/")
                            && host_allowed(
                                request.headers().get(HOST).and_then(|h| h.to_str().ok()),
                            ) =>
                    {
                        live.respond(request).await
                    }
                    _ => respond(&request, page_dir.as_deref())
                        .await
                        .map(BodyExt::boxed),
                };
                Ok::<_, Infallible>(secured(response, &policy))
            }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.handshake)
            .max_buf_size(limits.max_header_bytes.max(8192))
            .serve_connection(TokioIo::new(IdleTimeout::new(stream, limits.idle)), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("page: connection from {peer} ended: {e}");
            }
            drop(slot);
        });
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

/// The page's policy: index.html's own (from its `<meta>`, so there is one
/// source), plus `frame-ancestors 'none'`, which browsers take only from a
/// header.
pub fn content_security_policy() -> String {
    let from_page = embedded::FILES
        .iter()
        .find(|(name, _)| *name == "index.html")
        .and_then(|(_, html)| std::str::from_utf8(html).ok())
        .and_then(meta_policy)
        .unwrap_or("default-src 'none'");
    with_frame_ancestors(from_page)
}

fn with_frame_ancestors(policy: &str) -> String {
    format!(
        "{}; frame-ancestors 'none'",
        policy.trim().trim_end_matches(';')
    )
}

/// The policy of the index.html in a page directory, once it is built.
async fn dir_policy(dir: &Path) -> Option<String> {
    let html = read_bounded(dir.join("index.html")).await.ok()?;
    meta_policy(std::str::from_utf8(&html).ok()?).map(with_frame_ancestors)
}

/// The `content` of index.html's CSP `<meta>`.
fn meta_policy(html: &str) -> Option<&str> {
    let at = html.find("http-equiv=\"Content-Security-Policy\"")?;
    let rest = html.get(at..)?;
    let end = rest.find('>')?;
    let meta = rest.get(..end)?;
    let start = meta.find("content=\"")? + "content=\"".len();
    let value = meta.get(start..)?;
    value.get(..value.find('"')?)
}

/// Adds the headers every answer carries.
fn secured(mut response: Response<PageBody>, policy: &str) -> Response<PageBody> {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(policy) {
        headers.insert(CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}

async fn respond(request: &Request<Incoming>, page_dir: Option<&Path>) -> Response<Full<Bytes>> {
    let host = request.headers().get(HOST).and_then(|h| h.to_str().ok());
    if !host_allowed(host) {
        tracing::warn!(
            "page: refused a request for Host \"{}\": only localhost or an IP address \
             (a DNS name here is what a DNS-rebinding page would send)",
            escape(&truncate(host.unwrap_or_default(), MAX_NAME_CHARS))
        );
        return plain(
            StatusCode::MISDIRECTED_REQUEST,
            "this page answers only to http://localhost:PORT or http://127.0.0.1:PORT\n",
        );
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "GET only\n");
    }
    let path = request.uri().path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    if let Some(dir) = page_dir {
        return from_dir(dir, path).await;
    }
    let found = embedded::FILES.iter().find(|(name, _)| *name == path);
    match found {
        Some((name, body)) => file(name, Bytes::from_static(body)),
        None if path == "index.html" => html(NOTICE),
        None => plain(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// The file `path` of the page directory. Until the directory holds a
/// built page (its index.html; the directory may not exist yet), the
/// notice that the page is still being built, never the embedded copy: a
/// page from another build would not be the one being made.
async fn from_dir(dir: &Path, path: &str) -> Response<Full<Bytes>> {
    if !dir.join("index.html").is_file() {
        return match path {
            "index.html" => html(BUILDING),
            _ => plain(StatusCode::NOT_FOUND, "not found\n"),
        };
    }
    // Only plain names below the directory: no "..", no absolute paths.
    let relative = Path::new(path);
    if !relative
        .components()
        .all(|part| matches!(part, Component::Normal(_)))
    {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    }
    let response = match read_bounded(dir.join(relative)).await {
        Ok(body) => file(path, Bytes::from(body)),
        Err(ReadError::TooLarge { .. }) => {
            tracing::warn!(
                "page: not serving {}: more than the {} bytes certplay reads from one file",
                dir.join(relative).display(),
                crate::input::LIMIT
            );
            plain(
                StatusCode::FORBIDDEN,
                "certplay serves no file over 4 MiB from the page directory\n",
            )
        }
        Err(_) => plain(StatusCode::NOT_FOUND, "not found\n"),
    };
    response
}

/// The one bounded reader ([`crate::input::read`]) off the async threads.
async fn read_bounded(path: PathBuf) -> Result<Vec<u8>, ReadError> {
    tokio::task::spawn_blocking(move || crate::input::read(&path))
        .await
        .unwrap_or_else(|e| Err(ReadError::Io(std::io::Error::other(e))))
}

fn file(name: &str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type(name)));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn html(text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
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

    #[test]
    fn the_policy_header_is_the_pages_own_plus_frame_ancestors() {
        let html = "<meta\n http-equiv=\"Content-Security-Policy\"\n content=\"default-src 'none'; img-src 'self'\" />";
        assert_eq!(
            meta_policy(html),
            Some("default-src 'none'; img-src 'self'")
        );
        let policy = content_security_policy();
        assert!(policy.ends_with("; frame-ancestors 'none'"), "{policy}");
        assert!(policy.contains("default-src 'none'"), "{policy}");
    }

    async fn body(response: Response<Full<Bytes>>) -> String {
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[tokio::test]
    async fn a_page_dir_serves_its_files_once_index_html_is_there() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Before trunk has written index.html (or made the directory): the
        // notice, never another build's page.
        for missing in [dir.path().to_path_buf(), dir.path().join("not-yet")] {
            let notice = from_dir(&missing, "index.html").await;
            assert_eq!(notice.status(), StatusCode::OK);
            assert!(body(notice).await.contains("still being built"));
            let js = from_dir(&missing, "start.js").await;
            assert_eq!(js.status(), StatusCode::NOT_FOUND);
        }

        std::fs::write(dir.path().join("index.html"), "<h1>built</h1>").expect("write");
        std::fs::write(dir.path().join("web.wasm"), b"\0asm").expect("write");
        let index = from_dir(dir.path(), "index.html").await;
        assert_eq!(index.status(), StatusCode::OK);
        assert_eq!(index.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(body(index).await, "<h1>built</h1>");
        let wasm = from_dir(dir.path(), "web.wasm").await;
        assert_eq!(wasm.headers()[CONTENT_TYPE], "application/wasm");

        for outside in [
            "missing.js",
            "../index.html",
            "a/../../etc/passwd",
            "/etc/passwd",
        ] {
            let response = from_dir(dir.path(), outside).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{outside}");
        }
    }
}
