//! The mTLS port: one task per connection, bounded in time, ending in one
//! [`Event`] that says what happened, typed: the [`Reason`] of a refusal
//! (explained once, by core), how a served connection [`Ending`] came about
//! (from hyper's and the TLS layer's errors, never from their text).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use certplay_core::escape::{escape, truncate};
use certplay_core::pki_types::CertificateDer;
use certplay_core::read::Certificate;
use certplay_core::rustls::AlertDescription;
use certplay_core::verify::{Incompatibility, Reason};
use certplay_core::{ClientAuth, MtlsServer};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use crate::events::{Ending, Event, History, Outcome, Presented};
use crate::guard::{Acceptor, IdleTimeout, Limits, RefusalLog, MAX_NAME_CHARS};

/// How long open connections get to finish after shutdown is asked for.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The TLS material in force, swapped whole on reload.
#[derive(Debug, Clone)]
pub struct Current {
    /// The rustls side.
    pub server: Arc<MtlsServer>,
    /// The server certificate's subjectAltNames (`DNS:localhost`, ...).
    pub server_names: Vec<String>,
    /// Only TLS 1.3 cipher suites are offered.
    pub tls13_only: bool,
    /// The crypto provider.
    pub crypto: crate::Crypto,
    /// Where each handshake's secrets go (`--keylog`), kept across reloads.
    pub key_log: Option<Arc<dyn rustls::KeyLog>>,
}

/// What every connection task on the mTLS port shares.
#[derive(Debug)]
pub struct Shared {
    current: RwLock<Current>,
    limits: Limits,
    history: Arc<History>,
    refusals: RefusalLog,
    next_id: AtomicU64,
    /// Put before each connection's id (`expired/c1`): which of several
    /// listeners it came to.
    id_prefix: String,
}

impl Shared {
    /// State for a server with `current` material.
    pub fn new(current: Current, limits: Limits, history: Arc<History>) -> Self {
        let refusals = RefusalLog::new(limits.refusal_lines_per_window, limits.refusal_window);
        Shared {
            current: RwLock::new(current),
            limits,
            history,
            refusals,
            next_id: AtomicU64::new(1),
            id_prefix: String::new(),
        }
    }

    /// The same, naming its connections `PREFIX/c1`, `PREFIX/c2`, ...
    pub fn with_id_prefix(mut self, prefix: &str) -> Self {
        self.id_prefix = format!("{prefix}/");
        self
    }

    /// The material new connections use.
    pub fn current(&self) -> Current {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Switches new connections to `current`; open ones keep theirs.
    pub fn replace(&self, current: Current) {
        match self.current.write() {
            Ok(mut slot) => *slot = current,
            Err(poisoned) => *poisoned.into_inner() = current,
        }
    }

    /// Logs the count of refusal lines held back, if any.
    pub fn flush_refusal_log(&self) {
        self.refusals.flush(&self.history);
    }

    fn record(&self, event: Event, hint: Option<String>) {
        let kind = event.kind();
        let refused = !matches!(
            event.outcome,
            Outcome::Accepted { .. } | Outcome::Unauthorized { .. }
        );
        if refused {
            let logged = event.clone();
            let number = self.history.push(event);
            if self.refusals.allow(kind, number, &self.history) {
                crate::events::log(&logged, hint.as_deref());
            }
        } else {
            crate::events::log(&event, hint.as_deref());
            self.history.push(event);
        }
    }
}

/// Serves the mTLS port until shutdown, then gives open connections a few
/// seconds to finish.
pub async fn serve(acceptor: Acceptor, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let graceful = GracefulShutdown::new();
    while let Some((stream, peer, slot)) = acceptor.next(&mut shutdown).await {
        let shared = shared.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let (event, hint) = connection(stream, peer, &shared, watcher).await;
            drop(slot);
            shared.record(event, hint);
        });
    }
    tracing::info!("mTLS: shutting down");
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
}

/// What the first byte says the client speaks.
enum FirstByte {
    Tls,
    PlainHttp,
    Nothing,
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Shared,
    watcher: hyper_util::server::graceful::Watcher,
) -> (Event, Option<String>) {
    let started = Instant::now();
    let id = format!(
        "{}c{}",
        shared.id_prefix,
        shared.next_id.fetch_add(1, Ordering::Relaxed)
    );
    let limits = &shared.limits;
    let current = shared.current();
    let mut event = Event {
        id,
        time: crate::events::now(),
        peer,
        tls_version: None,
        cipher_suite: None,
        alpn: None,
        outcome: Outcome::ClosedBeforeHello,
        chain: Vec::new(),
        requests: 0,
        duration_ms: 0,
    };
    let finish = |mut event: Event, outcome: Outcome| {
        event.outcome = outcome;
        event.time = crate::events::now();
        event.duration_ms = millis(started.elapsed());
        let hint = hint(&event, &current);
        (event, hint)
    };
    // One deadline for the sniff and the whole handshake.
    let deadline = started + limits.handshake;
    let timed_out = || Outcome::TimedOut {
        waited_ms: millis(started.elapsed()),
        limit_ms: millis(limits.handshake),
    };

    let (config, recorder) = match current.server.connection_config() {
        Ok(made) => made,
        Err(e) => {
            let detail = e.to_string();
            return finish(event, Outcome::NotConfigured { detail });
        }
    };

    match tokio::time::timeout_at(deadline, first_byte(&stream)).await {
        Err(_) => return finish(event, timed_out()),
        Ok(FirstByte::Nothing) => return finish(event, Outcome::ClosedBeforeHello),
        Ok(FirstByte::PlainHttp) => {
            answer_plain_http(stream, deadline).await;
            let reason = Reason::NotTls;
            return finish(event, Outcome::Refused { reason });
        }
        Ok(FirstByte::Tls) => {}
    }

    let io = IdleTimeout::new(stream, limits.idle);
    let accepted = tokio::time::timeout_at(deadline, TlsAcceptor::from(config).accept(io)).await;
    let tls = match accepted {
        Err(_) => return finish(event, timed_out()),
        // The idle timer can fire first when it is shorter than the deadline.
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
            return finish(event, timed_out())
        }
        Ok(Err(e)) => {
            // Explained once, with the chain the client presented.
            let reason = current
                .server
                .explain(&e, &recorder)
                .bounded(MAX_NAME_CHARS);
            event.chain = presented_chain(&recorder.presented());
            return finish(event, Outcome::Refused { reason });
        }
        Ok(Ok(tls)) => tls,
    };

    let session = tls.get_ref().1;
    event.tls_version = session.protocol_version().map(|v| format!("{v:?}"));
    event.cipher_suite = session
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()));
    event.alpn = session
        .alpn_protocol()
        .map(|p| truncate(&String::from_utf8_lossy(p), 32).into_owned());
    let presented: Vec<CertificateDer<'static>> = session
        .peer_certificates()
        .map(<[CertificateDer<'static>]>::to_vec)
        .unwrap_or_default();
    event.chain = presented_chain(&presented);
    // --client-auth optional: the handshake took any certificate or none;
    // judged now, with the reason a refused handshake gets.
    let refusal = match current.server.client_auth() {
        ClientAuth::Required | ClientAuth::Off => None,
        ClientAuth::Optional => current
            .server
            .judge(&presented, current.server.now())
            .err()
            .map(|reason| reason.bounded(MAX_NAME_CHARS)),
    };
    let answer = Arc::new(match &refusal {
        None => Answer::Identity(presented.iter().map(|c| c.to_vec()).collect()),
        Some(reason) => Answer::Unauthorized(unauthorized_words(reason, &current)),
    });

    let requests = Arc::new(AtomicU64::new(0));
    let service = {
        let requests = requests.clone();
        let id = event.id.clone();
        hyper::service::service_fn(move |request| {
            requests.fetch_add(1, Ordering::Relaxed);
            respond(request, id.clone(), answer.clone())
        })
    };
    // What hyper reads, counted: an HTTP/2 stream refused for an oversized
    // request header (by the server, or by curl itself before it sends it)
    // leaves hyper no error, and only this tells such a client (it spoke
    // HTTP/2, so it took the certificate) from one that sent nothing.
    let received = Arc::new(AtomicU64::new(0));
    let io = TokioIo::new(Counted {
        inner: tls,
        read: received.clone(),
    });
    let h2 = event.alpn.as_deref() == Some("h2");
    let ended = if h2 {
        let connection = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX))
            .max_concurrent_streams(64)
            .serve_connection(io, service);
        watcher.watch(connection).await
    } else {
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.idle)
            .max_buf_size(limits.max_header_bytes.max(8192))
            .serve_connection(io, service);
        watcher.watch(connection).await
    };
    event.requests = requests.load(Ordering::Relaxed);
    let ended = match &ended {
        Ok(()) => Ending::Closed,
        Err(e) => ending(e, limits),
    };
    // Bytes came (so the client took the certificate), yet no request:
    // over HTTP/2 every stream was refused (a header over the limit; curl
    // then closes or resets and retries on a new connection), over
    // HTTP/1.1 it left in the middle of one (without TLS close_notify,
    // hyper sees an I/O error, not its own "incomplete message").
    let received_bytes = received.load(Ordering::Relaxed);
    let ended = match ended {
        Ending::Closed | Ending::Reset if event.requests == 0 && received_bytes > 0 => {
            if h2 {
                Ending::Http2NoRequest {
                    limit: u64::try_from(limits.max_header_bytes).unwrap_or(u64::MAX),
                    received: received_bytes,
                }
            } else {
                Ending::PartialRequest
            }
        }
        other => other,
    };
    let outcome = match refusal {
        Some(reason) => Outcome::Unauthorized { reason, ended },
        None if event.requests == 0 => Outcome::HungUp { ended },
        None => Outcome::Accepted { ended },
    };
    finish(event, outcome)
}

/// A stream that counts the bytes read through it.
struct Counted<T> {
    inner: T,
    read: Arc<AtomicU64>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        let read = buf.filled().len().saturating_sub(before);
        this.read
            .fetch_add(u64::try_from(read).unwrap_or(u64::MAX), Ordering::Relaxed);
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What the log and the history keep of a presented chain: names cut.
fn presented_chain(chain: &[CertificateDer<'_>]) -> Vec<Presented> {
    chain
        .iter()
        .map(|der| Presented::from_der(der, MAX_NAME_CHARS))
        .collect()
}

/// How a served connection ended, from hyper's error: its kind, the h2
/// error inside it, the I/O error (and a TLS alert inside that).
fn ending(error: &hyper::Error, limits: &Limits) -> Ending {
    if error.is_parse_too_large() {
        return Ending::HeaderTooLarge {
            limit: u64::try_from(limits.max_header_bytes).unwrap_or(u64::MAX),
        };
    }
    if error.is_timeout() {
        return Ending::HeaderTimeout {
            limit_ms: millis(limits.idle),
        };
    }
    if error.is_parse() {
        return Ending::BadRequest;
    }
    // The connection closed inside a request: hyper had read part of one.
    if error.is_incomplete_message() {
        return Ending::PartialRequest;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(h2) = e.downcast_ref::<h2::Error>() {
            if let Some(code) = h2.reason() {
                return Ending::Http2 {
                    code: u32::from(code),
                    remote: h2.is_remote(),
                };
            }
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(certplay_core::rustls::Error::AlertReceived(alert)) = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<certplay_core::rustls::Error>())
            {
                return Ending::Alert { alert: *alert };
            }
            match io.kind() {
                std::io::ErrorKind::TimedOut => {
                    return Ending::Idle {
                        limit_ms: millis(limits.idle),
                    }
                }
                std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe => return Ending::Reset,
                // A client that leaves without TLS close_notify.
                std::io::ErrorKind::UnexpectedEof => return Ending::Closed,
                _ => {}
            }
        }
        source = e.source();
    }
    if error.is_incomplete_message() || error.is_closed() || error.is_canceled() {
        return Ending::Closed;
    }
    Ending::Error {
        detail: truncate(&error_chain(error), 500).into_owned(),
    }
}

/// The server's own hint for `event`: which flag or curl option would
/// change it (core's words say only what happened), and the lab's clock
/// when validity was checked at it (the lab's second listener).
pub fn hint(event: &Event, current: &Current) -> Option<String> {
    let hint = flag_hint(event, current);
    match current.server.clock() {
        None => hint,
        Some(at) => Some(format!(
            "{}validity checked {}",
            hint.map(|h| format!("{h}; ")).unwrap_or_default(),
            at_lab_clock(at)
        )),
    }
}

fn flag_hint(event: &Event, current: &Current) -> Option<String> {
    let names = || {
        if current.server_names.is_empty() {
            "none".to_owned()
        } else {
            current.server_names.join(", ")
        }
    };
    match &event.outcome {
        Outcome::Refused { reason } | Outcome::Unauthorized { reason, .. } => {
            reason_hint(reason, current).map(|h| h.replace("{names}", &names()))
        }
        Outcome::HungUp {
            ended: Ending::Closed | Ending::Reset | Ending::Alert { .. },
        } => Some(format!(
            "most likely the client refused this server's certificate after the handshake \
             (curl checks the URL's host against the certificate's names: {}), or it only \
             checked that the port answers",
            names()
        )),
        Outcome::Accepted { .. } if current.server.client_auth() == ClientAuth::Off => Some(
            "client authentication is off (--client-auth off): no client certificate asked for"
                .into(),
        ),
        _ => None,
    }
}

/// The server's hint for a refusal, `{names}` standing for the server
/// certificate's names.
fn reason_hint(reason: &Reason, current: &Current) -> Option<String> {
    let hint = match reason {
        Reason::NoClientCertificate => "curl: --cert client.crt --key client.key",
        Reason::UnknownIssuer { .. } => {
            "issue the client certificate with the CA this server trusts, or start the server \
             with --ca naming its issuer"
        }
        Reason::SameNameOtherCa { .. } => {
            "issue the client certificate with the CA this server trusts, or start the server \
             with --ca naming the CA that issued it"
        }
        Reason::WrongPurpose { .. } => {
            "a client certificate needs extendedKeyUsage clientAuth (certplay issue's client \
             profile)"
        }
        Reason::V1Certificate { .. } => {
            "`openssl x509 -req` makes v1 certificates unless given -extfile with the \
             extensions; certplay issue makes v3"
        }
        Reason::CaUsedAsLeaf { .. } => {
            "present the client certificate (client.crt) instead, not a CA's"
        }
        Reason::Expired { .. } | Reason::Revoked { .. } => {
            "issue a new client certificate (certplay issue)"
        }
        Reason::ServerCertificateRefused { alert } => match alert {
            AlertDescription::UnknownCA => "curl: --cacert ca.crt",
            AlertDescription::BadCertificate | AlertDescription::CertificateUnknown => {
                "connect with one of its names: {names}"
            }
            AlertDescription::CertificateExpired => {
                "this server's certificate has expired: issue a new one"
            }
            _ => return None,
        },
        Reason::Incompatible {
            missing: Incompatibility::Version | Incompatibility::CipherSuite,
        } if current.tls13_only => "this server offers TLS 1.3 only (--tls13-only)",
        _ => return None,
    };
    Some(hint.to_owned())
}

/// The 401 body's words: the reason and the server's hint.
fn unauthorized_words(reason: &Reason, current: &Current) -> String {
    match reason_hint(reason, current) {
        Some(hint) => format!("{reason}; {hint}"),
        None => reason.to_string(),
    }
}

/// Peeks at the first byte: a TLS client starts with 0x16 (handshake), a
/// plain-HTTP client with an ASCII capital (`GET`, `POST`, ...).
async fn first_byte(stream: &TcpStream) -> FirstByte {
    let mut first = [0u8; 1];
    match stream.peek(&mut first).await {
        Ok(1) if first[0].is_ascii_uppercase() => FirstByte::PlainHttp,
        Ok(0) | Err(_) => FirstByte::Nothing,
        Ok(_) => FirstByte::Tls,
    }
}

/// What a plain-HTTP client reads instead of a TLS alert it cannot read.
const PLAIN_HTTP_BODY: &str = "This port speaks HTTPS with client certificates: use https://\n";

/// Sends the 400, then reads (and drops) what the client still sends, up
/// to 64 KiB or the deadline: closing with unread bytes would make the
/// kernel send a reset, and the client would lose the answer.
async fn answer_plain_http(mut stream: TcpStream, deadline: Instant) {
    let sent = async {
        let answer = format!(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{PLAIN_HTTP_BODY}",
            PLAIN_HTTP_BODY.len()
        );
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        let mut left: usize = 64 * 1024;
        while left > 0 {
            let n = stream.read(&mut sink).await?;
            if n == 0 {
                break;
            }
            left = left.saturating_sub(n);
        }
        Ok::<(), std::io::Error>(())
    };
    let _ =
        tokio::time::timeout_at(deadline.max(Instant::now() + Duration::from_secs(1)), sent).await;
}

/// An error and its sources, on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

/// What a connection's requests are answered with.
enum Answer {
    /// Hello World, and `/whoami` with the identity in this chain (DER,
    /// end entity first), read only when asked: most connections never ask.
    Identity(Vec<Vec<u8>>),
    /// 401 with the reason in words, to every request
    /// (`--client-auth optional`, a certificate that does not pass).
    Unauthorized(String),
}

/// The verified client identity `/whoami` answers with: every name in
/// the words of core's Display (escaped once there), so `subject` and
/// `chain[0].subject` are the same text.
#[derive(Debug, Serialize)]
struct Identity {
    subject: String,
    subject_alt_names: Vec<String>,
    issuer: String,
    serial: String,
    sha256_fingerprint: String,
    chain: Vec<Link>,
}

/// One certificate of `/whoami`'s chain.
#[derive(Debug, Serialize)]
struct Link {
    subject: String,
    issuer: String,
    serial: String,
}

impl Identity {
    fn from_chain(chain: &[Vec<u8>]) -> Identity {
        let first = chain.first();
        let read: Vec<Option<Certificate>> = chain
            .iter()
            .map(|der| Certificate::from_der(der).ok())
            .collect();
        let link = |cert: &Option<Certificate>| match cert {
            Some(c) => Link {
                subject: c.subject.to_string(),
                issuer: c.issuer.to_string(),
                serial: c.serial.to_string(),
            },
            None => Link {
                subject: "(unreadable certificate)".to_owned(),
                issuer: String::new(),
                serial: String::new(),
            },
        };
        let chain: Vec<Link> = read.iter().map(link).collect();
        let leaf = read.first().and_then(Option::as_ref);
        Identity {
            subject: chain.first().map(|l| l.subject.clone()).unwrap_or_default(),
            subject_alt_names: leaf
                .map(|c| {
                    c.subject_alt_names()
                        .iter()
                        .map(ToString::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            issuer: chain.first().map(|l| l.issuer.clone()).unwrap_or_default(),
            serial: chain.first().map(|l| l.serial.clone()).unwrap_or_default(),
            sha256_fingerprint: first
                .map(|der| {
                    Sha256::digest(der)
                        .iter()
                        .map(|b| format!("{b:02X}"))
                        .collect::<Vec<_>>()
                        .join(":")
                })
                .unwrap_or_default(),
            chain,
        }
    }
}

async fn respond(
    request: Request<Incoming>,
    id: String,
    answer: Arc<Answer>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    tracing::debug!(
        conn = %id,
        "{id} {} {}",
        request.method(),
        escape(&truncate(&request.uri().to_string(), MAX_NAME_CHARS))
    );
    let chain = match answer.as_ref() {
        Answer::Identity(chain) => chain,
        Answer::Unauthorized(reason) => {
            let mut response = Response::new(Full::new(Bytes::from(
                certplay_core::unauthorized_body(reason),
            )));
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            return Ok(response);
        }
    };
    let (body, content_type, status) = match request.uri().path() {
        "/" => (
            Bytes::from_static(certplay_core::HELLO_WORLD.as_bytes()),
            "text/plain",
            StatusCode::OK,
        ),
        "/whoami" => match serde_json::to_vec_pretty(&Identity::from_chain(chain)) {
            Ok(json) => (Bytes::from(json), "application/json", StatusCode::OK),
            Err(_) => (
                Bytes::from_static(b"cannot write JSON\n"),
                "text/plain",
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        },
        _ => (
            Bytes::from_static(b"not found: try / or /whoami\n"),
            "text/plain",
            StatusCode::NOT_FOUND,
        ),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

/// What the verdict's words and the listener's log line say when the
/// verifiers used the lab's clock `at` (Unix seconds), not the server's
/// own time.
pub fn at_lab_clock(at: i64) -> String {
    format!(
        "at the lab's clock {}",
        certplay_core::read::model::Time(at)
    )
}
