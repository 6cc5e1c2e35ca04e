//! The live link between the page and the running mTLS listener, on the
//! page's port:
//!
//! - `GET /live/token`: the per-run token (JSON `{"token": "..."}`);
//! - `GET /live/events?token=T`: the connection events as Server-Sent
//!   Events (the history first, then each new one);
//! - `POST /live/load` with `X-Certplay-Token: T` and JSON
//!   `{"ca": PEM, "cert": PEM, "key": PEM, "crls": [PEM]}` (`crls`
//!   optional): loads that material into the mTLS listener without a
//!   restart, keeping the `--crl` CRLs of the CAs it trusts (the others are
//!   dropped and named in `warnings`).
//! - `POST /live/lab` with `X-Certplay-Token: T` and one lab case as JSON
//!   (core's `lab::Mutated`: its files, keys included, and what serve and
//!   curl are given): runs it against a second listener on a free loopback
//!   port ([`crate::lab`]) and answers with the verdict, the event and the
//!   log line (JSON [`crate::lab::ServerVerdict`]). One case at a time.
//!   `?at=UNIX` gives the lab's clock: both sides check validity at that
//!   moment (the page sends it when its clock is moved).
//!
//! These change what the server trusts or carry keys, so each is refused
//! (403 with the reason) unless the request comes from the page itself: a
//! `Host` that DNS rebinding cannot produce, an `Origin` equal to
//! `http://` and that `Host` (a GET may leave it out, as browsers do for
//! same-origin GETs; a load or a lab case must send it, from a browser or
//! any other client), no `Sec-Fetch-Site` other than `same-origin`, and
//! the token, which only a same-origin script can read.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Bytes, Frame, Incoming};
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, HOST, ORIGIN};
use hyper::{Method, Request, Response, StatusCode};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

use crate::events::{Event, History, Streamed};
use crate::guard::Limits;
use crate::Reloader;

/// The page's response body: whole, or a stream of events.
pub type PageBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;

/// What the live endpoints need.
#[derive(Debug)]
pub struct Live {
    token: String,
    history: Arc<History>,
    reloader: Reloader,
    mtls: SocketAddr,
    /// The listener's limits: a request's body gets the handshake's
    /// deadline to arrive whole; a lab case's listener has them all.
    limits: Limits,
    /// Held while a lab case runs: one at a time.
    lab: tokio::sync::Semaphore,
}

/// What `POST /live/load` carries.
#[derive(Debug, Deserialize)]
struct Load {
    ca: String,
    cert: String,
    key: String,
    /// CRLs (PEM) of the CAs in `ca`.
    #[serde(default)]
    crls: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Loaded {
    trusted: Vec<String>,
    server: String,
    /// The CRLs checked from now on: `ISSUER (FILE, N revoked)`.
    crls: Vec<String>,
    warnings: Vec<String>,
    /// The mTLS port the material is used on.
    mtls_port: u16,
    /// Where the mTLS server listens (`127.0.0.1:3000`), for the page's
    /// curl line (core's builder needs the address as well as the port).
    mtls_address: String,
}

impl Live {
    /// A link with a fresh random token; a request body must arrive whole
    /// within `limits.handshake`.
    pub fn new(
        history: Arc<History>,
        reloader: Reloader,
        mtls: SocketAddr,
        limits: Limits,
    ) -> Live {
        let mut bytes = [0u8; 16];
        // Without randomness there is no token: every live request is refused.
        let token = match getrandom::getrandom(&mut bytes) {
            Ok(()) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
            Err(_) => String::new(),
        };
        Live {
            token,
            history,
            reloader,
            mtls,
            limits,
            lab: tokio::sync::Semaphore::new(1),
        }
    }

    /// Answers a request below `/live/`.
    pub async fn respond(&self, request: Request<Incoming>) -> Response<PageBody> {
        if let Err(why) = same_origin(&request) {
            tracing::warn!(
                "page: refused {} {}: {why}",
                request.method(),
                request.uri().path()
            );
            return text(StatusCode::FORBIDDEN, why);
        }
        let path = request.uri().path();
        match (request.method(), path) {
            (&Method::GET, "/live/token") => {
                json(StatusCode::OK, &serde_json::json!({ "token": self.token }))
            }
            (&Method::GET, "/live/events") => {
                let query = request.uri().query().unwrap_or_default();
                let token = query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("token="))
                    .unwrap_or_default();
                if !self.token_ok(token) {
                    return text(
                        StatusCode::FORBIDDEN,
                        "a valid token is needed (GET /live/token)",
                    );
                }
                self.events()
            }
            (&Method::POST, "/live/load" | "/live/lab") => {
                if let Err(refused) = self.may_post(&request) {
                    return refused;
                }
                if path == "/live/load" {
                    self.load(request).await
                } else {
                    self.lab(request).await
                }
            }
            _ => text(StatusCode::NOT_FOUND, "not a live endpoint"),
        }
    }

    fn token_ok(&self, token: &str) -> bool {
        // Compare all bytes whatever the first difference, and never accept
        // the empty token of a failed start.
        !self.token.is_empty()
            && token.len() == self.token.len()
            && token
                .bytes()
                .zip(self.token.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    /// Refuses a POST without the page's Origin or the token: a load
    /// changes the server's keys, a lab case carries keys.
    #[allow(clippy::result_large_err)]
    fn may_post(&self, request: &Request<Incoming>) -> Result<(), Response<PageBody>> {
        let path = request.uri().path();
        if !request.headers().contains_key(ORIGIN) {
            let host = request
                .headers()
                .get(HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("HOST:PORT");
            let what = if path == "/live/load" {
                "a load changes the server's keys"
            } else {
                "a lab case carries keys"
            };
            let why = format!(
                "{what}, so it needs the page's own Origin header (browsers send it): \
                 Origin: http://{host}"
            );
            tracing::warn!("page: refused POST {path} without an Origin header");
            return Err(text(StatusCode::FORBIDDEN, why));
        }
        let token = request
            .headers()
            .get("x-certplay-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !self.token_ok(token) {
            return Err(text(
                StatusCode::FORBIDDEN,
                "a valid X-Certplay-Token header is needed (GET /live/token)",
            ));
        }
        Ok(())
    }

    /// The request's body, whole within the deadline and at most 1 MiB.
    #[allow(clippy::result_large_err)]
    async fn body(&self, request: Request<Incoming>) -> Result<Bytes, Response<PageBody>> {
        let path = request.uri().path().to_owned();
        let deadline = self.limits.handshake;
        // One deadline for the whole body, however slowly its bytes come.
        let collected = tokio::time::timeout(
            deadline,
            Limited::new(request.into_body(), 1 << 20).collect(),
        )
        .await;
        match collected {
            Ok(Ok(body)) => Ok(body.to_bytes()),
            Ok(Err(_)) => Err(text(StatusCode::PAYLOAD_TOO_LARGE, "at most 1 MiB of PEM")),
            Err(_) => {
                let within = format!(
                    "the request's body did not arrive whole within {} s",
                    deadline.as_secs_f64()
                );
                tracing::warn!("page: refused POST {path}: {within}");
                Err(text(StatusCode::REQUEST_TIMEOUT, within))
            }
        }
    }

    async fn lab(&self, request: Request<Incoming>) -> Response<PageBody> {
        let clock = match lab_clock(request.uri().query()) {
            Ok(clock) => clock,
            Err(why) => return text(StatusCode::BAD_REQUEST, why),
        };
        let body = match self.body(request).await {
            Ok(body) => body,
            Err(refused) => return refused,
        };
        let case: certplay_core::lab::Mutated = match serde_json::from_slice(&body) {
            Ok(case) => case,
            Err(e) => {
                return text(
                    StatusCode::BAD_REQUEST,
                    format!("expected one lab case as JSON (core's lab::Mutated): {e}"),
                )
            }
        };
        let Ok(_running) = self.lab.try_acquire() else {
            return text(
                StatusCode::TOO_MANY_REQUESTS,
                "another lab case is running on this server: ask again when it is done",
            );
        };
        match crate::lab::verdict(&case, &self.limits, clock).await {
            Ok(verdict) => json(StatusCode::OK, &verdict),
            Err(e @ crate::Error::Core(_)) => text(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
            Err(e) => {
                tracing::warn!("page: lab case {} did not run: {e}", case.case);
                text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
            }
        }
    }

    async fn load(&self, request: Request<Incoming>) -> Response<PageBody> {
        let body = match self.body(request).await {
            Ok(body) => body,
            Err(refused) => return refused,
        };
        let load: Load = match serde_json::from_slice(&body) {
            Ok(load) => load,
            Err(e) => {
                return text(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "expected JSON {{\"ca\", \"cert\", \"key\", \"crls\" (optional)}} \
                         with PEM text: {e}"
                    ),
                )
            }
        };
        let tls = certplay_core::ServerTls::read(
            certplay_core::Source::new("ca.crt (from the page)", load.ca.as_bytes()),
            certplay_core::Source::new("server.crt (from the page)", load.cert.as_bytes()),
            certplay_core::Source::new("server.key (from the page)", load.key.as_bytes()),
            crate::unix_now(),
        );
        let mut tls = match tls {
            Ok(tls) => tls,
            Err(e) => return text(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        };
        let names: Vec<String> = (1..=load.crls.len())
            .map(|n| format!("CRL {n} (from the page)"))
            .collect();
        let sources: Vec<certplay_core::Source<'_>> = names
            .iter()
            .zip(&load.crls)
            .map(|(name, pem)| certplay_core::Source::new(name, pem.as_bytes()))
            .collect();
        let provider = crate::Crypto::default().provider();
        if let Err(e) = tls.add_crls(&sources, &provider, crate::unix_now()) {
            return text(StatusCode::UNPROCESSABLE_ENTITY, e.to_string());
        }
        let tls = match self.reloader.load(tls) {
            Ok(tls) => tls,
            Err(e) => return text(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        };
        let loaded = Loaded {
            trusted: tls.client_ca_subjects(),
            server: tls
                .cert_chain
                .first()
                .map(|c| c.info.subject.to_string())
                .unwrap_or_default(),
            crls: tls
                .crls
                .iter()
                .map(|c| {
                    format!(
                        "{} ({}, {} revoked)",
                        c.crl.issuer,
                        c.file,
                        c.crl.revoked.len()
                    )
                })
                .collect(),
            warnings: tls.warnings.clone(),
            mtls_port: self.mtls.port(),
            mtls_address: self.mtls.to_string(),
        };
        tracing::info!(
            "page: loaded the page's certificates into the mTLS listener (server {}, trusting {}, \
             CRLs: {})",
            loaded.server,
            loaded.trusted.join(", "),
            if loaded.crls.is_empty() {
                "none".to_owned()
            } else {
                loaded.crls.join(", ")
            }
        );
        for warning in &loaded.warnings {
            tracing::warn!("page: {warning}");
        }
        json(StatusCode::OK, &loaded)
    }

    fn events(&self) -> Response<PageBody> {
        let (tx, rx) = mpsc::channel::<Bytes>(64);
        let past = self.history.snapshot();
        let mut live = self.history.subscribe();
        tokio::spawn(async move {
            for event in past {
                if tx.send(sse(&event)).await.is_err() {
                    return;
                }
            }
            let mut heartbeat = tokio::time::interval(Duration::from_secs(15));
            loop {
                let next = tokio::select! {
                    event = live.recv() => match event {
                        Ok(event) => sse(&event),
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            Bytes::from(format!(": {n} events skipped (the page read too slowly)\n\n"))
                        }
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    _ = heartbeat.tick() => Bytes::from_static(b": keep-alive\n\n"),
                };
                if tx.send(next).await.is_err() {
                    return;
                }
            }
        });
        let mut response = Response::new(PageBody::new(Events { rx }));
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// One event as an SSE message: core's [`Streamed`] (the event and its
/// words) as JSON.
fn sse(event: &Event) -> Bytes {
    let data = serde_json::to_string(&Streamed::new(event.clone())).unwrap_or_default();
    Bytes::from(format!("event: connection\ndata: {data}\n\n"))
}

/// A body fed by a channel, ending when the sender is gone.
struct Events {
    rx: mpsc::Receiver<Bytes>,
}

impl Body for Events {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.get_mut()
            .rx
            .poll_recv(cx)
            .map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
    }
}

/// Refuses what does not come from the page itself, with the reason.
fn same_origin(request: &Request<Incoming>) -> Result<(), &'static str> {
    let headers = request.headers();
    let host = headers.get(HOST).and_then(|h| h.to_str().ok());
    let Some(host) = host.filter(|h| crate::guard::host_allowed(Some(h))) else {
        return Err("Host must be localhost:PORT or an IP address (DNS rebinding)");
    };
    if let Some(origin) = headers.get(ORIGIN) {
        let expected = format!("http://{host}");
        if origin.to_str().ok() != Some(expected.as_str()) {
            return Err("cross-origin request: only the page itself may use the live link");
        }
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        if site != "same-origin" && site != "none" {
            return Err(
                "cross-site request (Sec-Fetch-Site): only the page itself may use the live link",
            );
        }
    }
    Ok(())
}

/// The lab's clock from `POST /live/lab?at=UNIX` (whole Unix seconds),
/// if sent.
fn lab_clock(query: Option<&str>) -> Result<Option<i64>, String> {
    let Some(at) = query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("at="))
    else {
        return Ok(None);
    };
    at.parse()
        .map(Some)
        .map_err(|_| format!("at={at:?}: the lab's clock is whole Unix seconds (at=1798761600)"))
}

fn text(status: StatusCode, message: impl Into<String>) -> Response<PageBody> {
    let mut message = message.into();
    message.push('\n');
    let mut response = Response::new(PageBody::new(Full::new(Bytes::from(message))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<PageBody> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = Response::new(Full::new(Bytes::from(body)).boxed());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
