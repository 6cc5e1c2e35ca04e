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
    let dir = dir.to_path_buf();
    let html = tokio::task::spawn_blocking(move || dir_file(&dir, "index.html"))
        .await
        .ok()?
        .ok()?;
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
    let (dir, path) = (dir.to_path_buf(), path.to_owned());
    let read = tokio::task::spawn_blocking(move || {
        let built = dir.join("index.html").exists();
        (built, dir_file(&dir, &path), dir, path)
    })
    .await;
    let Ok((built, read, dir, path)) = read else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "certplay failed\n");
    };
    match read {
        Ok(body) => file(&path, Bytes::from(body)),
        Err(DirRefusal::Missing) if !built && path == "index.html" => html(BUILDING),
        Err(DirRefusal::Missing | DirRefusal::Hidden) => {
            plain(StatusCode::NOT_FOUND, "not found\n")
        }
        Err(refusal) => {
            tracing::warn!(
                "page: not serving {}: {}",
                escape(&dir.join(&path).display().to_string()),
                escape(&refusal.to_string())
            );
            plain(
                StatusCode::FORBIDDEN,
                "certplay serves only regular files of at most 4 MiB inside the page \
                 directory (the server's log says why not this one)\n",
            )
        }
    }
}

/// Why a file of the page directory is not served.
#[derive(Debug)]
enum DirRefusal {
    /// Nothing there, or not a plain relative path (`..`, absolute).
    Missing,
    /// A dotfile, or a name inside a dot directory.
    Hidden,
    /// The directory itself is not safe to serve from.
    Dir(crate::files::FileError),
    /// A symbolic link (of the file or a directory on the way) leads out
    /// of the directory.
    Outside(PathBuf),
    /// A FIFO, a device, a socket or a directory.
    NotAFile(&'static str),
    /// Over 4 MiB, or unreadable.
    Read(ReadError),
}

impl std::fmt::Display for DirRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DirRefusal::Missing => write!(f, "there is no such file"),
            DirRefusal::Hidden => write!(f, "it is a dotfile"),
            DirRefusal::Dir(e) => e.fmt(f),
            DirRefusal::Outside(to) => write!(
                f,
                "a symbolic link leads out of the page directory, to {}",
                to.display()
            ),
            DirRefusal::NotAFile(kind) => {
                write!(f, "it is {kind}: certplay serves only regular files")
            }
            DirRefusal::Read(ReadError::TooLarge { .. }) => write!(
                f,
                "more than the {} bytes certplay reads from one file",
                crate::input::LIMIT
            ),
            DirRefusal::Read(e) => e.fmt(f),
        }
    }
}

/// Reads `path` of the page directory `dir` (blocking): only a regular
/// file whose resolved path stays inside the directory (a symbolic link
/// within it is followed, one out of it is not), no dotfile, at most 4 MiB
/// (the one bounded reader), from a directory of this user that others
/// cannot write (as `--demo-dir`). The type is checked before the file is
/// opened and the open neither blocks nor follows a link, so a FIFO or a
/// device never ties up a thread, and so never delays a shutdown.
fn dir_file(dir: &Path, path: &str) -> Result<Vec<u8>, DirRefusal> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};

    let hidden = |part: Component<'_>| part.as_os_str().as_bytes().starts_with(b".");
    let relative = Path::new(path);
    if !relative
        .components()
        .all(|part| matches!(part, Component::Normal(_)))
    {
        return Err(DirRefusal::Missing);
    }
    if relative.components().any(hidden) {
        return Err(DirRefusal::Hidden);
    }
    let missing = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => DirRefusal::Missing,
        _ => DirRefusal::Read(ReadError::Io(e)),
    };
    let root = std::fs::canonicalize(dir).map_err(missing)?;
    crate::files::check_served_dir(&root).map_err(DirRefusal::Dir)?;
    let resolved = std::fs::canonicalize(root.join(relative)).map_err(missing)?;
    let inside = resolved
        .strip_prefix(&root)
        .map_err(|_| DirRefusal::Outside(resolved.clone()))?;
    if inside.components().any(hidden) {
        return Err(DirRefusal::Hidden);
    }
    let kind = |meta: &std::fs::Metadata| {
        let t = meta.file_type();
        match () {
            () if t.is_file() => None,
            () if t.is_dir() => Some("a directory"),
            () if t.is_fifo() => Some("a FIFO"),
            () if t.is_char_device() || t.is_block_device() => Some("a device"),
            () if t.is_socket() => Some("a socket"),
            () => Some("not a regular file"),
        }
    };
    let meta = std::fs::symlink_metadata(&resolved).map_err(missing)?;
    if let Some(kind) = kind(&meta) {
        return Err(DirRefusal::NotAFile(kind));
    }
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(&resolved)
        .map_err(missing)?;
    // Swapped since it was looked at: look again at what was opened.
    let meta = opened
        .metadata()
        .map_err(|e| DirRefusal::Read(ReadError::Io(e)))?;
    if let Some(kind) = kind(&meta) {
        return Err(DirRefusal::NotAFile(kind));
    }
    crate::input::read_open(opened).map_err(DirRefusal::Read)
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

    /// Issue 23, "--page-dir follows links out of itself": each way out of
    /// the directory, each non-file and each dotfile, refused with its
    /// reason; a link that stays inside is followed.
    #[test]
    fn a_page_dir_serves_only_regular_files_inside_itself() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        use std::os::unix::net::UnixListener;

        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("page");
        std::fs::create_dir(&dir).expect("page dir");
        std::fs::write(dir.join("index.html"), "<h1>built</h1>").expect("write");
        std::fs::write(root.path().join("secret.txt"), "secret").expect("write");
        std::fs::create_dir(dir.join("assets")).expect("assets");
        std::fs::write(dir.join("assets/app.js"), "ok()").expect("write");
        std::fs::write(dir.join(".env"), "TOKEN=1").expect("write");
        std::fs::create_dir(dir.join(".git")).expect(".git");
        std::fs::write(dir.join(".git/config"), "[core]").expect("write");
        symlink("/etc/passwd", dir.join("passwd-link")).expect("link");
        symlink("../secret.txt", dir.join("secret-link")).expect("link");
        symlink("/etc", dir.join("etc-dir")).expect("link");
        symlink("/dev/zero", dir.join("zero.js")).expect("link");
        symlink("assets/app.js", dir.join("app-link.js")).expect("link");
        symlink(".env", dir.join("env-link")).expect("link");
        let made = std::process::Command::new("mkfifo")
            .arg(dir.join("fifo.js"))
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let _socket = UnixListener::bind(dir.join("socket.js")).expect("socket");

        assert_eq!(dir_file(&dir, "assets/app.js").expect("inside"), b"ok()");
        assert_eq!(dir_file(&dir, "app-link.js").expect("inside"), b"ok()");
        for (path, outside) in [
            ("passwd-link", "/etc/passwd"),
            ("secret-link", "secret.txt"),
            ("etc-dir/passwd", "/etc/passwd"),
            ("zero.js", "/dev/zero"),
        ] {
            let refused = dir_file(&dir, path).expect_err(path);
            assert!(
                matches!(&refused, DirRefusal::Outside(to) if to.ends_with(outside)),
                "{path}: {refused:?}"
            );
            assert!(refused.to_string().contains("leads out"), "{refused}");
        }
        for hidden in [".env", ".git/config", "env-link"] {
            let refused = dir_file(&dir, hidden).expect_err(hidden);
            assert!(
                matches!(refused, DirRefusal::Hidden),
                "{hidden}: {refused:?}"
            );
        }
        for (path, kind) in [
            ("fifo.js", "a FIFO"),
            ("socket.js", "a socket"),
            ("assets", "a directory"),
        ] {
            let refused = dir_file(&dir, path).expect_err(path);
            assert!(
                matches!(refused, DirRefusal::NotAFile(k) if k == kind),
                "{path}: {refused:?}"
            );
        }
        std::fs::write(dir.join("big.wasm"), vec![0u8; crate::input::LIMIT + 1]).expect("big");
        assert!(matches!(
            dir_file(&dir, "big.wasm"),
            Err(DirRefusal::Read(ReadError::TooLarge { .. }))
        ));

        for loose in [0o777, 0o775] {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(loose)).expect("chmod");
            let refused = dir_file(&dir, "index.html").expect_err("loose");
            assert!(
                refused.to_string().contains("chmod go-w")
                    && refused.to_string().contains("the files served from there"),
                "{refused}"
            );
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        if crate::files::current_uid() == 0 {
            std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).expect("chown");
            let refused = dir_file(&dir, "index.html").expect_err("foreign");
            assert!(refused.to_string().contains("not to you"), "{refused}");
        }
    }
}
