//! Every connection explained: one [`Event`] per connection, logged as one
//! line with its id, kept in a bounded [`History`], and sent to whoever
//! watches (the page's live panel).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Mutex;

use serde::Serialize;
use tokio::sync::broadcast;

use crate::guard::{escape, MAX_NAME_CHARS};

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Handshake done, client certificate verified, at least one request.
    Accepted,
    /// Handshake done, then the client closed without a request.
    HungUp,
    /// Handshake done without a valid certificate (`--client-auth
    /// optional`): answered 401 with the reason.
    Unauthorized,
    /// The handshake failed; `reason` says why.
    Refused,
}

/// A certificate the client presented, as far as the log needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Presented {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
}

impl Presented {
    /// Reads what the log shows of a DER certificate (names escaped and
    /// cut: they come from the peer).
    pub fn from_der(der: &[u8]) -> Presented {
        match certplay_core::read::Certificate::from_der(der) {
            Ok(cert) => Presented {
                subject: escape(&cert.subject.to_string(), MAX_NAME_CHARS),
                issuer: escape(&cert.issuer.to_string(), MAX_NAME_CHARS),
                serial: escape(&cert.serial.to_string(), MAX_NAME_CHARS),
            },
            Err(e) => Presented {
                subject: "(unreadable)".to_owned(),
                issuer: String::new(),
                serial: escape(&e.to_string(), MAX_NAME_CHARS),
            },
        }
    }
}

/// One connection on the mTLS port, from accept to close.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// The connection id (`c1`, `c2`, ...), also in every log line about it.
    pub id: String,
    /// When it ended, RFC 3339 UTC.
    pub time: String,
    /// The client's address.
    pub peer: SocketAddr,
    /// `TLSv1_3`, `TLSv1_2` (when the handshake got that far).
    pub tls_version: Option<String>,
    /// The negotiated cipher suite.
    pub cipher_suite: Option<String>,
    /// The negotiated ALPN protocol (`h2`, `http/1.1`).
    pub alpn: Option<String>,
    /// How it ended.
    pub result: Outcome,
    /// A short machine-readable reason (`no-client-cert`, `unknown-issuer`,
    /// `timeout`, `ok`, ...).
    pub kind: &'static str,
    /// The reason in words.
    pub reason: String,
    /// The certificates the client presented, end entity first.
    pub chain: Vec<Presented>,
    /// Requests answered on the connection.
    pub requests: u64,
    /// Milliseconds from accept to close.
    pub duration_ms: u64,
}

impl Event {
    /// The one log line for this connection.
    pub fn log(&self) {
        let client = self
            .chain
            .first()
            .map_or("no client certificate", |c| c.subject.as_str());
        let tls = match (&self.tls_version, &self.cipher_suite, &self.alpn) {
            (Some(v), Some(s), a) => {
                format!(
                    " [{v} {s}{}]",
                    a.as_deref().map(|a| format!(" {a}")).unwrap_or_default()
                )
            }
            _ => String::new(),
        };
        let (id, peer, kind) = (&self.id, self.peer, &self.kind);
        match self.result {
            Outcome::Accepted => tracing::info!(
                conn = %id,
                reason = %kind,
                "{id} {peer} accepted {client}{tls}: {} request(s), {}",
                self.requests,
                self.reason
            ),
            Outcome::HungUp => tracing::warn!(
                conn = %id,
                reason = %kind,
                "{id} {peer} handshake done as {client}{tls}, then no request: {}",
                self.reason
            ),
            Outcome::Unauthorized => tracing::warn!(
                conn = %id,
                reason = %kind,
                "{id} {peer} answered 401{tls}: {}",
                self.reason
            ),
            Outcome::Refused => tracing::warn!(
                conn = %id,
                reason = %kind,
                "{id} {peer} refused: {}",
                self.reason
            ),
        }
    }
}

/// The last events, oldest first, and a channel that sees each new one.
#[derive(Debug)]
pub struct History {
    capacity: usize,
    events: Mutex<VecDeque<Event>>,
    live: broadcast::Sender<Event>,
}

impl History {
    /// Keeps at most `capacity` events.
    pub fn new(capacity: usize) -> Self {
        let (live, _) = broadcast::channel(256);
        History {
            capacity,
            events: Mutex::new(VecDeque::with_capacity(capacity.min(1024))),
            live,
        }
    }

    /// Adds an event, dropping the oldest beyond the capacity.
    pub fn push(&self, event: Event) {
        let _ = self.live.send(event.clone());
        let mut events = match self.events.lock() {
            Ok(events) => events,
            Err(poisoned) => poisoned.into_inner(),
        };
        while events.len() >= self.capacity.max(1) {
            events.pop_front();
        }
        events.push_back(event);
    }

    /// A copy of the events kept, oldest first.
    pub fn snapshot(&self) -> Vec<Event> {
        match self.events.lock() {
            Ok(events) => events.iter().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().iter().cloned().collect(),
        }
    }

    /// New events from now on (a slow watcher misses some, never blocks
    /// the server).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.live.subscribe()
    }
}

/// Now, RFC 3339 UTC.
pub fn now_text() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
