//! certplay-server: the `certplay` binary's library half.
//!
//! [`serve_mtls`] answers `Hello World` to every client whose certificate
//! chains to the configured CA, and logs, in words, why it refused every
//! other one. [`page::serve_page`] serves the embedded page. `main` only
//! parses flags, loads files and wires these together.

#![forbid(unsafe_code)]

pub mod demo;
mod error;
pub mod files;
pub mod page;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use certplay_core::{CertInfo, MtlsServer, PemSource, Refusal, ServerTls};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::CONTENT_TYPE;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

pub use error::Error;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long open connections get to finish after shutdown is asked for.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Reads `--ca`, `--cert` and `--key` and checks them; the error is one line
/// that names the file and the fix.
pub fn load_tls(ca: &Path, cert: &Path, key: &Path) -> Result<ServerTls, Error> {
    let read = |flag: &'static str, path: &Path| {
        std::fs::read(path).map_err(|source| Error::Read {
            flag,
            path: path.to_path_buf(),
            source,
        })
    };
    let (ca_bytes, cert_bytes, key_bytes) = (
        read("--ca", ca)?,
        read("--cert", cert)?,
        read("--key", key)?,
    );
    let (ca_name, cert_name, key_name) = (
        ca.display().to_string(),
        cert.display().to_string(),
        key.display().to_string(),
    );
    Ok(ServerTls::from_pem(
        PemSource::new(&ca_name, &ca_bytes),
        PemSource::new(&cert_name, &cert_bytes),
        PemSource::new(&key_name, &key_bytes),
        unix_now(),
    )?)
}

/// Prepares the rustls side of the server with the ring provider.
pub fn mtls_server(tls: &ServerTls) -> Result<Arc<MtlsServer>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(Arc::new(MtlsServer::new(tls, provider)?))
}

/// Serves mTLS on `listener` until `shutdown` completes, then gives open
/// connections a few seconds to finish.
pub async fn serve_mtls(
    listener: TcpListener,
    server: Arc<MtlsServer>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    while let Some((stream, peer)) = accept(&listener, &mut shutdown).await {
        let server = server.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let (config, recorder) = match server.connection_config() {
                Ok(built) => built,
                Err(e) => {
                    tracing::error!(%peer, "cannot configure TLS: {e}");
                    return;
                }
            };
            if speaks_plain_http(&stream).await {
                tracing::warn!(reason = "not-tls", "refused {peer}: {}", Refusal::NotTls);
                let mut stream = stream;
                let _ = stream.write_all(PLAIN_HTTP_ANSWER.as_bytes()).await;
                let _ = stream.shutdown().await;
                return;
            }
            let accepted =
                tokio::time::timeout(HANDSHAKE_TIMEOUT, TlsAcceptor::from(config).accept(stream))
                    .await;
            let tls = match accepted {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    let refusal = server.explain(&e, &recorder);
                    tracing::warn!(reason = refusal.kind(), "refused {peer}: {refusal}");
                    return;
                }
                Err(_) => {
                    tracing::warn!(
                        %peer,
                        reason = "timeout",
                        "refused {peer}: no TLS handshake within {} s",
                        HANDSHAKE_TIMEOUT.as_secs()
                    );
                    return;
                }
            };
            let client = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|certs| certs.first())
                .and_then(|der| CertInfo::from_der(der).ok())
                .map_or_else(|| "(unreadable)".to_owned(), |c| c.subject);
            tracing::info!("accepted {peer}: client certificate {client}");
            let service =
                hyper::service::service_fn(move |request| hello(request, peer, client.clone()));
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HANDSHAKE_TIMEOUT)
                .serve_connection(TokioIo::new(tls), service);
            if let Err(e) = watcher.watch(connection).await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
    tracing::info!("shutting down");
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
}

/// The next connection, or `None` once `shutdown` completes. A failed
/// accept (out of file descriptors and the like) is logged and retried.
pub(crate) async fn accept(
    listener: &TcpListener,
    shutdown: &mut Pin<&mut impl Future<Output = ()>>,
) -> Option<(TcpStream, SocketAddr)> {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => return Some(accepted),
                Err(e) => {
                    tracing::warn!("accept failed on {:?}: {e}", listener.local_addr().ok());
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = shutdown.as_mut() => return None,
        }
    }
}

/// What a plain-HTTP client gets instead of a TLS alert it cannot read.
const PLAIN_HTTP_ANSWER: &str = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\
Connection: close\r\n\r\nThis port speaks HTTPS with client certificates: use https://\n";

/// True when the client's first byte is an ASCII capital letter (`GET`,
/// `POST`, ...): plain HTTP, where a TLS client starts with 0x16.
async fn speaks_plain_http(stream: &TcpStream) -> bool {
    let mut first = [0u8; 1];
    matches!(
        tokio::time::timeout(HANDSHAKE_TIMEOUT, stream.peek(&mut first)).await,
        Ok(Ok(1)) if first[0].is_ascii_uppercase()
    )
}

async fn hello(
    request: Request<Incoming>,
    peer: SocketAddr,
    client: String,
) -> Result<Response<Full<Bytes>>, Infallible> {
    tracing::info!("{peer} ({client}): {} {}", request.method(), request.uri());
    let mut response = Response::new(Full::new(Bytes::from_static(b"Hello World\n")));
    response.headers_mut().insert(
        CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain"),
    );
    Ok(response)
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
