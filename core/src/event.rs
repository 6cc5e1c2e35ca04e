//! What became of one connection to the mTLS server: one [`Event`], which
//! `certplay serve` logs, keeps in its history and streams as JSON to the
//! page's live panel, which reads it back with serde. Defined once here, so
//! the two can never disagree on a field or a kind.
//!
//! Facts only, typed: the [`Reason`] of a refusal, how a served connection
//! [`Ending`] came about. The words come from their Display; the server's
//! log line and the page's panel add their own hints.

use std::fmt;
use std::net::SocketAddr;

use rustls::AlertDescription;
use serde::{Deserialize, Serialize};

use crate::read::model::{Hex, Name, Time};
use crate::read::Certificate;
use crate::verify::{alert_name, bounded_hex, bounded_name, Reason, ReasonKind};

/// One connection on the mTLS port, from accept to close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The connection id (`c1`, `c2`, ...), also in every log line about it.
    pub id: String,
    /// When it ended.
    pub time: Time,
    /// The client's address.
    pub peer: SocketAddr,
    /// `TLSv1_3`, `TLSv1_2` (when the handshake got that far).
    pub tls_version: Option<String>,
    /// The negotiated cipher suite.
    pub cipher_suite: Option<String>,
    /// The negotiated ALPN protocol (`h2`, `http/1.1`).
    pub alpn: Option<String>,
    /// How it ended, and why.
    pub outcome: Outcome,
    /// The certificates the client presented, end entity first.
    pub chain: Vec<Presented>,
    /// Requests answered on the connection.
    pub requests: u64,
    /// Milliseconds from accept to close.
    pub duration_ms: u64,
}

/// How a connection ended. Its JSON is keyed by the result
/// (`{"refused": {"reason": ...}}`; externally tagged, as [`Reason`] is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Handshake done, client certificate verified, at least one request.
    Accepted {
        /// How the connection ended afterwards.
        ended: Ending,
    },
    /// Handshake done, then no request reached the server.
    HungUp {
        /// How the connection ended.
        ended: Ending,
    },
    /// Handshake done without a valid certificate (`--client-auth
    /// optional`): every request answered 401 with the reason.
    Unauthorized {
        /// Why the certificate (or its absence) does not pass.
        reason: Reason,
        /// How the connection ended.
        ended: Ending,
    },
    /// The TLS handshake failed.
    Refused {
        /// Why.
        reason: Reason,
    },
    /// No complete TLS handshake within the server's deadline.
    TimedOut {
        /// How long the client had, in milliseconds.
        waited_ms: u64,
        /// The deadline, in milliseconds.
        limit_ms: u64,
    },
    /// Connected, and closed without sending a byte.
    ClosedBeforeHello,
    /// The server could not make a TLS configuration for the connection.
    NotConfigured {
        /// Why, in words.
        detail: String,
    },
}

/// How a connection ended after its handshake, as hyper and the TLS layer
/// said (never read from their text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    /// Closed in good order (by either side).
    Closed,
    /// No byte moved either way for the idle limit: the server closed it
    /// (an idle keep-alive client, or one that never reads).
    Idle {
        /// The idle limit, in milliseconds.
        limit_ms: u64,
    },
    /// No complete request header within the limit.
    HeaderTimeout {
        /// The limit, in milliseconds.
        limit_ms: u64,
    },
    /// A request header over the server's limit: HTTP/1.1 answers 431.
    HeaderTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The client spoke HTTP/2 (so it took the server's certificate), yet
    /// no request reached the server: every stream was refused, as a
    /// request header over the limit is (`REFUSED_STREAM`: by the server,
    /// or by curl itself, which knows the limit from the server's
    /// SETTINGS, and which retries on a new connection).
    Http2NoRequest {
        /// The limit, in bytes (decoded).
        limit: u64,
        /// Bytes of HTTP/2 frames the client sent.
        received: u64,
    },
    /// Not HTTP: the server answered 400 and closed.
    BadRequest,
    /// The client sent part of an HTTP/1.1 request (so it took the
    /// server's certificate), then closed the connection before the
    /// request was complete.
    PartialRequest,
    /// The client sent a TLS alert after the handshake (a TLS 1.3 client
    /// that refuses the server's certificate does it then).
    Alert {
        /// The alert.
        #[serde(with = "crate::verify::serde_alert")]
        alert: AlertDescription,
    },
    /// The client reset the connection.
    Reset,
    /// An HTTP/2 error ended the connection (`ENHANCE_YOUR_CALM`: a
    /// client that resets streams faster than the server allows).
    Http2 {
        /// The error code (RFC 9113, section 7).
        code: u32,
        /// True when the client sent it, false when the server did.
        remote: bool,
    },
    /// The server was shutting down.
    Shutdown,
    /// Another error, in words.
    Error {
        /// What.
        detail: String,
    },
}

/// An [`Event`] as the server streams it to the page's live panel: the
/// event itself, and what the panel shows of it, in core's words.
///
/// The panel reads the words, not the event: in the page's wasm, decoding
/// the whole typed event with serde_json measured 47,800 bytes more gzip
/// and rendering its words 8,000 more (330,049 against the 280,000
/// budget). Any reader that can afford it (the tests, a worker) decodes
/// `event`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Streamed {
    /// The event.
    pub event: Event,
    /// Its kind.
    pub kind: EventKind,
    /// Its result's name: `accepted`, `hung_up`, `unauthorized` or
    /// `refused` (refusals, timeouts and the like).
    pub result: String,
    /// Who the client said it was ([`Event::client`]).
    pub client: String,
    /// What happened ([`Event::words`]).
    pub words: String,
}

impl Streamed {
    /// `event` with its words.
    pub fn new(event: Event) -> Self {
        Self {
            kind: event.kind(),
            result: event.outcome.result().to_owned(),
            client: event.client(),
            words: event.words(),
            event,
        }
    }
}

/// A certificate the client presented, as far as the log needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presented {
    /// Subject, when the certificate could be read.
    pub subject: Option<Name>,
    /// Issuer, when the certificate could be read.
    pub issuer: Option<Name>,
    /// Serial number, when the certificate could be read.
    pub serial: Option<Hex>,
}

/// The kind of an [`Event`] by a short stable name: `ok`, `no-request`,
/// `timeout`, `closed-before-hello`, `config`, or the [`ReasonKind`] of a
/// refusal (`no-client-certificate`, `unknown-issuer`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum EventKind {
    /// Accepted.
    Ok,
    /// Handshake done, then no request.
    NoRequest,
    /// No complete handshake in time.
    Timeout,
    /// Closed without a byte.
    ClosedBeforeHello,
    /// No TLS configuration.
    Config,
    /// Refused, or answered 401, for this reason.
    Reason(ReasonKind),
}

impl EventKind {
    /// The stable name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NoRequest => "no-request",
            Self::Timeout => "timeout",
            Self::ClosedBeforeHello => "closed-before-hello",
            Self::Config => "config",
            Self::Reason(kind) => kind.name(),
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for EventKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        [
            Self::Ok,
            Self::NoRequest,
            Self::Timeout,
            Self::ClosedBeforeHello,
            Self::Config,
        ]
        .into_iter()
        .find(|kind| kind.name() == name)
        .map_or_else(|| name.parse().map(Self::Reason), Ok)
        .map_err(|_| format!("{name:?} is not a kind of connection event"))
    }
}

impl TryFrom<String> for EventKind {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        name.parse()
    }
}

impl From<EventKind> for &'static str {
    fn from(kind: EventKind) -> Self {
        kind.name()
    }
}

impl Outcome {
    /// The result's name: `accepted`, `hung_up`, `unauthorized`, or
    /// `refused` for every way the handshake did not happen.
    pub fn result(&self) -> &'static str {
        match self {
            Self::Accepted { .. } => "accepted",
            Self::HungUp { .. } => "hung_up",
            Self::Unauthorized { .. } => "unauthorized",
            Self::Refused { .. }
            | Self::TimedOut { .. }
            | Self::ClosedBeforeHello
            | Self::NotConfigured { .. } => "refused",
        }
    }
}

impl Event {
    /// The client certificate's subject (`CN=my-client`), or `no client
    /// certificate`.
    pub fn client(&self) -> String {
        self.chain
            .first()
            .map_or_else(|| "no client certificate".to_owned(), ToString::to_string)
    }

    /// Its kind.
    pub fn kind(&self) -> EventKind {
        match &self.outcome {
            Outcome::Accepted { .. } => EventKind::Ok,
            Outcome::HungUp { .. } => EventKind::NoRequest,
            Outcome::Unauthorized { reason, .. } | Outcome::Refused { reason } => {
                EventKind::Reason(reason.kind())
            }
            Outcome::TimedOut { .. } => EventKind::Timeout,
            Outcome::ClosedBeforeHello => EventKind::ClosedBeforeHello,
            Outcome::NotConfigured { .. } => EventKind::Config,
        }
    }

    /// The reason of a refusal or a 401, if it is one.
    pub fn reason(&self) -> Option<&Reason> {
        match &self.outcome {
            Outcome::Unauthorized { reason, .. } | Outcome::Refused { reason } => Some(reason),
            _ => None,
        }
    }

    /// What happened, in words (facts only): the reason of a refusal, how
    /// a served connection ended.
    pub fn words(&self) -> String {
        match &self.outcome {
            Outcome::Accepted { ended } => {
                format!("{} request(s), then {ended}", self.requests)
            }
            Outcome::HungUp { ended } => ended.to_string(),
            Outcome::Unauthorized { reason, ended } => {
                if self.requests == 0 {
                    format!("{reason} (the client sent no request; {ended})")
                } else {
                    reason.to_string()
                }
            }
            Outcome::Refused { reason } => reason.to_string(),
            Outcome::TimedOut {
                waited_ms,
                limit_ms,
            } => format!(
                "no complete TLS handshake within {} s of connecting (the limit is {} s): a \
                 client that stalls, or one that connected and sent nothing",
                Seconds(*waited_ms),
                Seconds(*limit_ms)
            ),
            Outcome::ClosedBeforeHello => "connected and closed without sending anything \
                                           (a port check, or a client that gave up)"
                .to_owned(),
            Outcome::NotConfigured { detail } => {
                format!("cannot configure TLS: {}", crate::escape::escape(detail))
            }
        }
    }
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => f.write_str("the connection was closed"),
            Self::Idle { limit_ms } => write!(
                f,
                "no byte moved either way for {} s, so the server closed the connection",
                Seconds(*limit_ms)
            ),
            Self::HeaderTimeout { limit_ms } => write!(
                f,
                "no complete request header came within {} s, so the server closed the \
                 connection",
                Seconds(*limit_ms)
            ),
            Self::HeaderTooLarge { limit } => write!(
                f,
                "the request header was larger than the server's limit of {limit} bytes \
                 (answered 431)"
            ),
            Self::Http2NoRequest { limit, received } => write!(
                f,
                "the client spoke HTTP/2 ({received} bytes of frames, so it took the server's \
                 certificate) but no request came through: a request header over the limit of \
                 {limit} bytes is refused (REFUSED_STREAM, by the server or by curl before it \
                 sends it), and curl then retries on a new connection"
            ),
            Self::BadRequest => f.write_str("the request was not valid HTTP (answered 400)"),
            Self::PartialRequest => f.write_str(
                "the client sent part of a request (so it took the server's certificate), \
                 then closed the connection before the request was complete",
            ),
            Self::Alert { alert } => write!(
                f,
                "the client sent TLS alert {} and closed",
                alert_name(*alert)
            ),
            Self::Reset => f.write_str("the client reset the connection"),
            Self::Http2 { code, remote } => {
                let name = http2_error_name(*code);
                if *remote {
                    write!(f, "the client ended it with HTTP/2 error {name}")
                } else if *code == 0xb {
                    f.write_str(
                        "the client reset streams faster than the server allows, so the \
                         server ended the connection (HTTP/2 ENHANCE_YOUR_CALM)",
                    )
                } else {
                    write!(f, "the server ended it with HTTP/2 error {name}")
                }
            }
            Self::Shutdown => f.write_str("the server shut down"),
            Self::Error { detail } => write!(
                f,
                "it ended with an error: {}",
                crate::escape::escape(detail)
            ),
        }
    }
}

/// Milliseconds as seconds to a tenth (`0.5`, `10`), without floats: their
/// formatting would add kilobytes to the page.
struct Seconds(u64);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = self.0 % 1000 / 100;
        if tenths == 0 {
            write!(f, "{}", self.0 / 1000)
        } else {
            write!(f, "{}.{tenths}", self.0 / 1000)
        }
    }
}

/// An HTTP/2 error code's name (RFC 9113, section 7).
fn http2_error_name(code: u32) -> String {
    let name = match code {
        0x0 => "NO_ERROR",
        0x1 => "PROTOCOL_ERROR",
        0x2 => "INTERNAL_ERROR",
        0x3 => "FLOW_CONTROL_ERROR",
        0x4 => "SETTINGS_TIMEOUT",
        0x5 => "STREAM_CLOSED",
        0x6 => "FRAME_SIZE_ERROR",
        0x7 => "REFUSED_STREAM",
        0x8 => "CANCEL",
        0x9 => "COMPRESSION_ERROR",
        0xa => "CONNECT_ERROR",
        0xb => "ENHANCE_YOUR_CALM",
        0xc => "INADEQUATE_SECURITY",
        0xd => "HTTP_1_1_REQUIRED",
        other => return format!("0x{other:x}"),
    };
    name.to_owned()
}

impl Presented {
    /// Reads what the log shows of a DER certificate, with every name cut
    /// to `max_chars` characters (they come from the peer).
    pub fn from_der(der: &[u8], max_chars: usize) -> Self {
        match Certificate::from_der(der) {
            Ok(cert) => Self {
                subject: Some(bounded_name(cert.subject, max_chars)),
                issuer: Some(bounded_name(cert.issuer, max_chars)),
                serial: Some(bounded_hex(cert.serial, max_chars)),
            },
            Err(_) => Self {
                subject: None,
                issuer: None,
                serial: None,
            },
        }
    }
}

impl fmt::Display for Presented {
    /// Its subject (`CN=my-client`), or `(unreadable certificate)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.subject {
            Some(subject) => write!(f, "{subject}"),
            None => f.write_str("(unreadable certificate)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::ReasonKind;

    /// An event goes to JSON and back the same (as the page's live panel
    /// and the tests read the server's stream), its kind by a stable name.
    #[test]
    fn events_round_trip_through_json() {
        let pki = crate::issue::blog_set::issue("my-ca");
        let event = Event {
            id: "c7".into(),
            time: Time(1_795_914_000),
            peer: "127.0.0.1:4000".parse().unwrap(),
            tls_version: Some("TLSv1_3".into()),
            cipher_suite: Some("TLS13_AES_128_GCM_SHA256".into()),
            alpn: Some("h2".into()),
            outcome: Outcome::Unauthorized {
                reason: Reason::NoClientCertificate,
                ended: Ending::Alert {
                    alert: AlertDescription::CertificateUnknown,
                },
            },
            chain: vec![Presented::from_der(&pki.client.cert_der, 200)],
            requests: 0,
            duration_ms: 12,
        };
        let streamed = Streamed::new(event.clone());
        let json = serde_json::to_string(&streamed).unwrap();
        let back: Streamed = serde_json::from_str(&json).unwrap();
        assert_eq!(back.event.words(), event.words());
        assert_eq!(back.event.client(), "CN=my-client");
        assert_eq!(
            back.kind,
            EventKind::Reason(ReasonKind::NoClientCertificate)
        );
        assert_eq!(back.result, "unauthorized");
        assert!(
            json.contains("\"kind\":\"no-client-certificate\""),
            "{json}"
        );
        assert!(back.words.contains("certificate_unknown"), "{}", back.words);
        for kind in [
            EventKind::Ok,
            EventKind::NoRequest,
            EventKind::Timeout,
            EventKind::ClosedBeforeHello,
            EventKind::Config,
            EventKind::Reason(ReasonKind::V1Certificate),
        ] {
            assert_eq!(kind.name().parse::<EventKind>(), Ok(kind));
        }
        assert!("no-client-cert".parse::<EventKind>().is_err());
    }

    #[test]
    fn seconds_are_shown_to_a_tenth_without_floats() {
        assert_eq!(Seconds(500).to_string(), "0.5");
        assert_eq!(Seconds(10_000).to_string(), "10");
        assert_eq!(Seconds(1_250).to_string(), "1.2");
    }
}
