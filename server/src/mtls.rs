//! The mTLS port: one task per connection, bounded in time, ending in one
//! [`Event`] that says what happened in words.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use certplay_core::pki_types::{CertificateDer, UnixTime};
use certplay_core::read::Certificate;
use certplay_core::{ClientAuth, MtlsServer, Refusal};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use crate::events::{now_text, Event, History, Outcome, Presented};
use crate::guard::{escape, Acceptor, IdleTimeout, Limits, RefusalLog, MAX_NAME_CHARS};

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
}

/// What every connection task on the mTLS port shares.
#[derive(Debug)]
pub struct Shared {
    current: RwLock<Current>,
    limits: Limits,
    history: Arc<History>,
    refusals: RefusalLog,
    next_id: AtomicU64,
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
        }
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
        self.refusals.flush();
    }

    fn record(&self, event: Event) {
        let log = match event.result {
            Outcome::Refused | Outcome::HungUp => self.refusals.allow(event.kind),
            Outcome::Accepted | Outcome::Unauthorized => true,
        };
        if log {
            event.log();
        }
        self.history.push(event);
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
            let event = connection(stream, peer, &shared, watcher).await;
            drop(slot);
            shared.record(event);
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
) -> Event {
    let started = Instant::now();
    let id = format!("c{}", shared.next_id.fetch_add(1, Ordering::Relaxed));
    let mut event = Event {
        id,
        time: String::new(),
        peer,
        tls_version: None,
        cipher_suite: None,
        alpn: None,
        result: Outcome::Refused,
        kind: "other",
        reason: String::new(),
        chain: Vec::new(),
        requests: 0,
        duration_ms: 0,
    };
    let finish = |mut event: Event| {
        event.time = now_text();
        event.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        event
    };
    let refused = |mut event: Event, refusal: Refusal| {
        event.result = Outcome::Refused;
        event.kind = refusal.kind();
        event.reason = escape(&sanitize(refusal).to_string(), 4000);
        finish(event)
    };
    let limits = &shared.limits;
    // One deadline for the sniff and the whole handshake.
    let deadline = started + limits.handshake;
    let timed_out = |mut event: Event| {
        event.result = Outcome::Refused;
        event.kind = "timeout";
        event.reason = format!(
            "no complete TLS handshake within {:.1} s of connecting (the limit is {} s): \
             a client that stalls, or one that connected and sent nothing",
            started.elapsed().as_secs_f64(),
            limits.handshake.as_secs()
        );
        finish(event)
    };

    let current = shared.current();
    let (config, recorder) = match current.server.connection_config() {
        Ok(made) => made,
        Err(e) => {
            event.kind = "config";
            event.reason = format!("cannot configure TLS: {e}");
            return finish(event);
        }
    };

    match tokio::time::timeout_at(deadline, first_byte(&stream)).await {
        Err(_) => return timed_out(event),
        Ok(FirstByte::Nothing) => {
            event.kind = "closed-before-hello";
            event.reason = "connected and closed without sending anything \
                            (a port check, or a client that gave up)"
                .to_owned();
            return finish(event);
        }
        Ok(FirstByte::PlainHttp) => {
            answer_plain_http(stream, deadline).await;
            return refused(event, Refusal::NotTls);
        }
        Ok(FirstByte::Tls) => {}
    }

    let io = IdleTimeout::new(stream, limits.idle);
    let accepted = tokio::time::timeout_at(deadline, TlsAcceptor::from(config).accept(io)).await;
    let tls = match accepted {
        Err(_) => return timed_out(event),
        // The idle timer can fire first when it is shorter than the deadline.
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::TimedOut => return timed_out(event),
        Ok(Err(e)) => {
            let refusal = current.server.explain(&e, &recorder);
            if let Some(der) = recorder.presented() {
                event.chain.push(Presented::from_der(&der));
            }
            return refused(event, refusal);
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
        .map(|p| escape(&String::from_utf8_lossy(p), 32));
    let presented: Vec<CertificateDer<'static>> = session
        .peer_certificates()
        .map(<[CertificateDer<'static>]>::to_vec)
        .unwrap_or_default();
    let chain: Vec<Vec<u8>> = presented.iter().map(|c| c.to_vec()).collect();
    event.chain = chain.iter().map(|der| Presented::from_der(der)).collect();
    // --client-auth optional: the handshake took any certificate or none;
    // judged now, with the words a refused handshake gets.
    let refusal = match current.server.client_auth() {
        ClientAuth::Required => None,
        ClientAuth::Optional => current
            .server
            .judge(&presented, UnixTime::now())
            .err()
            .map(|refusal| (refusal.kind(), escape(&sanitize(refusal).to_string(), 4000))),
    };
    let answer = Arc::new(match &refusal {
        None => Answer::Identity(chain),
        Some((_, words)) => Answer::Unauthorized(words.clone()),
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
    let io = TokioIo::new(tls);
    let ended = if event.alpn.as_deref() == Some("h2") {
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
    let how = match &ended {
        Ok(()) => "closed".to_owned(),
        Err(e) => escape(&error_chain(e), 500),
    };
    if let Some((kind, words)) = refusal {
        event.result = Outcome::Unauthorized;
        event.kind = kind;
        event.reason = words;
        if event.requests == 0 {
            event.reason.push_str(" (the client sent no request)");
        }
    } else if event.requests == 0 {
        event.result = Outcome::HungUp;
        event.kind = "no-request";
        event.reason = hung_up_reason(&how, &current.server_names);
    } else {
        event.result = Outcome::Accepted;
        event.kind = "ok";
        event.reason = format!("connection {how}");
    }
    finish(event)
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

fn hung_up_reason(how: &str, server_names: &[String]) -> String {
    let alert = how.contains("alert");
    let names = if server_names.is_empty() {
        "none".to_owned()
    } else {
        server_names.join(", ")
    };
    if alert {
        format!(
            "the client completed the handshake, then sent a TLS alert ({how}): it most likely \
             refused this server's certificate (its names: {names}); connect with one of those names"
        )
    } else {
        format!(
            "the client completed the TLS handshake and closed ({how}) without sending a request: \
             most likely it refused this server's certificate after the handshake (curl checks \
             the URL's host against the certificate's names: {names}), or it only checked that \
             the port answers"
        )
    }
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

/// Escapes and cuts every peer-supplied name inside a refusal.
fn sanitize(refusal: Refusal) -> Refusal {
    let name = |s: String| escape(&s, MAX_NAME_CHARS);
    match refusal {
        Refusal::UnknownIssuer {
            subject,
            issuer,
            trusted,
        } => Refusal::UnknownIssuer {
            subject: name(subject),
            issuer: name(issuer),
            trusted,
        },
        Refusal::Expired {
            subject,
            not_after,
            now,
        } => Refusal::Expired {
            subject: name(subject),
            not_after,
            now,
        },
        Refusal::NotYetValid {
            subject,
            not_before,
            now,
        } => Refusal::NotYetValid {
            subject: name(subject),
            not_before,
            now,
        },
        Refusal::WrongPurpose { subject, presented } => Refusal::WrongPurpose {
            subject: name(subject),
            presented: presented.into_iter().take(16).map(name).collect(),
        },
        Refusal::V1Certificate { subject } => Refusal::V1Certificate {
            subject: name(subject),
        },
        Refusal::BadSignature { subject, issuer } => Refusal::BadSignature {
            subject: name(subject),
            issuer: name(issuer),
        },
        Refusal::BadCertificate { subject, detail } => Refusal::BadCertificate {
            subject: subject.map(name),
            detail: escape(&detail, 500),
        },
        Refusal::ServerCertificateRefused { alert } => {
            Refusal::ServerCertificateRefused { alert: name(alert) }
        }
        Refusal::Other(text) => Refusal::Other(escape(&text, 500)),
        other => other,
    }
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

/// The verified client identity `/whoami` answers with.
#[derive(Debug, Serialize)]
struct Identity {
    subject: String,
    subject_alt_names: Vec<String>,
    issuer: String,
    serial: String,
    sha256_fingerprint: String,
    chain: Vec<Presented>,
}

impl Identity {
    fn from_chain(chain: &[Vec<u8>]) -> Identity {
        let first = chain.first();
        let info = first.and_then(|der| Certificate::from_der(der).ok());
        Identity {
            subject: info
                .as_ref()
                .map(|i| i.subject.to_string())
                .unwrap_or_default(),
            subject_alt_names: info
                .as_ref()
                .map(|i| {
                    i.subject_alt_names()
                        .iter()
                        .map(ToString::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            issuer: info
                .as_ref()
                .map(|i| i.issuer.to_string())
                .unwrap_or_default(),
            serial: info
                .as_ref()
                .map(|i| i.serial.to_string())
                .unwrap_or_default(),
            sha256_fingerprint: first
                .map(|der| {
                    Sha256::digest(der)
                        .iter()
                        .map(|b| format!("{b:02X}"))
                        .collect::<Vec<_>>()
                        .join(":")
                })
                .unwrap_or_default(),
            chain: chain.iter().map(|der| Presented::from_der(der)).collect(),
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
        escape(&request.uri().to_string(), MAX_NAME_CHARS)
    );
    let chain = match answer.as_ref() {
        Answer::Identity(chain) => chain,
        Answer::Unauthorized(reason) => {
            let mut response = Response::new(Full::new(Bytes::from(format!(
                "401 Unauthorized: this server wants a valid client certificate: {reason}\n"
            ))));
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
            Bytes::from_static(b"Hello World\n"),
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
