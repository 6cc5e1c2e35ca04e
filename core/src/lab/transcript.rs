//! What a handshake said, message by message: each TLS message one side
//! read, in order, with what a person needs from it, then the HTTP exchange
//! or the alert that ended it. Serde, for the page and for export.
//!
//! A handshake is first a [`RawTranscript`]: the chains and CA names as
//! DER and what refused it as a typed [`Failure`], with no certificate
//! read (what the lab's wasm module, which carries no certificate reader,
//! hands over). [`RawTranscript::explain`] reads the certificates and
//! turns each failure into core's one typed [`Reason`] (in the page, in
//! the tools worker, which reads certificates anyway).
//!
//! Every fact comes from rustls' public API: the server's view of the
//! ClientHello (`Accepted::client_hello`), the connections' negotiated
//! version, suite and group, and hooks rustls calls while it reads (the
//! client's certificate resolver gets the CertificateRequest's CA names
//! and signature schemes, the client's server-certificate verifier the
//! server's chain and signature scheme, the client's signing key the
//! scheme of its CertificateVerify). What rustls does not expose is said
//! where it is missing:
//!
//! - the versions a ClientHello offers (its supported_versions extension)
//!   are not in rustls' `ClientHello`: they are the lab client's own
//!   configuration;
//! - which groups the ClientHello sent key shares for, and the bytes of any
//!   message (Finished's verify_data, the random values) are not exposed;
//! - TLS 1.3 NewSessionTicket messages are not shown: rustls reads and
//!   drops them when resumption is off, and says nothing;
//! - a message is listed when its reader got to it (a hook ran, or the
//!   connection's state moved past it); what a side sent after the
//!   message its peer refused is not listed.

use std::fmt;

use rustls::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use serde::{Deserialize, Serialize};

use crate::mtls::ClientTrust;
use crate::read::model::{Name, Time};
use crate::read::Certificate;
use crate::verify::{alert_name, explain_failure, Check, Failure, Purpose, Reason};

pub use super::setup::Side;

/// A TLS code point (version, cipher suite, group, signature scheme): its
/// number, and rustls' name for it when rustls knows it
/// (`TLS13_AES_128_GCM_SHA256`, `ECDSA_NISTP256_SHA256`, `X25519`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodePoint {
    /// The IANA number.
    pub code: u16,
    /// rustls' name; `None` for a value rustls does not know.
    pub name: Option<String>,
}

impl fmt::Display for CodePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => f.write_str(name),
            None => write!(f, "0x{:04x}", self.code),
        }
    }
}

impl From<CipherSuite> for CodePoint {
    fn from(value: CipherSuite) -> Self {
        Self {
            code: u16::from(value),
            name: value.as_str().map(str::to_owned),
        }
    }
}

impl From<NamedGroup> for CodePoint {
    fn from(value: NamedGroup) -> Self {
        Self {
            code: u16::from(value),
            name: value.as_str().map(str::to_owned),
        }
    }
}

impl From<SignatureScheme> for CodePoint {
    fn from(value: SignatureScheme) -> Self {
        Self {
            code: u16::from(value),
            name: value.as_str().map(str::to_owned),
        }
    }
}

impl From<ProtocolVersion> for CodePoint {
    fn from(value: ProtocolVersion) -> Self {
        Self {
            code: u16::from(value),
            name: value.as_str().map(str::to_owned),
        }
    }
}

/// A list of code points.
#[cfg(feature = "lab")]
pub(super) fn code_points<T: Copy + Into<CodePoint>>(values: &[T]) -> Vec<CodePoint> {
    values.iter().map(|v| (*v).into()).collect()
}

/// One certificate of a chain, as far as a person needs it here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "read", rename_all = "kebab-case")]
pub enum ChainEntry {
    /// A certificate core could read.
    Certificate {
        /// Its subject.
        subject: Name,
        /// Its issuer.
        issuer: Name,
        /// notBefore.
        not_before: Time,
        /// notAfter.
        not_after: Time,
    },
    /// Bytes that are not a certificate core can read.
    Unreadable {
        /// How many bytes.
        length: usize,
    },
}

impl ChainEntry {
    /// Reads one DER certificate.
    pub fn from_der(der: &[u8]) -> Self {
        match crate::read::Certificate::from_der(der) {
            Ok(cert) => Self::Certificate {
                subject: cert.subject,
                issuer: cert.issuer,
                not_before: cert.not_before,
                not_after: cert.not_after,
            },
            Err(_) => Self::Unreadable { length: der.len() },
        }
    }
}

/// One message as its reader saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Who sent it.
    pub from: Side,
    /// What it said.
    pub body: Body,
}

/// The messages of a TLS 1.3 (RFC 8446) or TLS 1.2 (RFC 5246) mTLS
/// handshake, and what follows it. Tagged by `message` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "message", rename_all = "kebab-case")]
pub enum Body {
    /// The client's offer.
    ClientHello {
        /// server_name (SNI): the host name the client asks for; none for
        /// an IP address.
        server_name: Option<String>,
        /// The versions the client offers (from its configuration: rustls'
        /// server does not expose supported_versions).
        versions: Vec<CodePoint>,
        /// cipher_suites, in the client's order of preference.
        cipher_suites: Vec<CodePoint>,
        /// supported_groups.
        groups: Vec<CodePoint>,
        /// signature_algorithms.
        signature_schemes: Vec<CodePoint>,
        /// application_layer_protocol_negotiation.
        alpn: Vec<String>,
    },
    /// The server's choice.
    ServerHello {
        /// The version.
        version: CodePoint,
        /// The cipher suite.
        cipher_suite: CodePoint,
        /// The key exchange group (TLS 1.3 key_share; TLS 1.2 in
        /// ServerKeyExchange).
        group: Option<CodePoint>,
    },
    /// TLS 1.3: the rest of the server's choices, encrypted.
    EncryptedExtensions {
        /// The ALPN protocol chosen.
        alpn: Option<String>,
    },
    /// A certificate chain, end entity first (empty: the client has none).
    Certificate {
        /// The chain as sent.
        chain: Vec<ChainEntry>,
    },
    /// TLS 1.2: the server's ephemeral key, signed.
    ServerKeyExchange {
        /// The group.
        group: Option<CodePoint>,
        /// The signature's scheme; `None` when the client refused the
        /// certificate before it checked the signature.
        signature_scheme: Option<CodePoint>,
    },
    /// The server asks for a client certificate.
    CertificateRequest {
        /// The CAs whose certificates it accepts (certificate_authorities;
        /// a name core cannot read is left out).
        ca_names: Vec<Name>,
        /// The signature schemes it accepts.
        signature_schemes: Vec<CodePoint>,
    },
    /// TLS 1.2: the end of the server's first flight.
    ServerHelloDone,
    /// TLS 1.2: the client's ephemeral key.
    ClientKeyExchange,
    /// Proof that the sender holds its certificate's private key.
    CertificateVerify {
        /// The signature's scheme.
        signature_scheme: CodePoint,
    },
    /// TLS 1.2: encryption starts.
    ChangeCipherSpec,
    /// The handshake, authenticated: the sender is done.
    Finished,
    /// A fatal alert: the sender refuses the connection.
    Alert {
        /// Which.
        alert: Alert,
    },
    /// The HTTP request, once the server read it.
    HttpRequest {
        /// Its request line (`GET / HTTP/1.1`).
        request_line: String,
    },
    /// The HTTP answer, once the client read it.
    HttpResponse {
        /// Its status line (`HTTP/1.1 200 OK`).
        status_line: String,
        /// Its body.
        body: String,
    },
}

impl Body {
    /// The message's name as the RFCs write it (`ClientHello`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::ClientHello { .. } => "ClientHello",
            Self::ServerHello { .. } => "ServerHello",
            Self::EncryptedExtensions { .. } => "EncryptedExtensions",
            Self::Certificate { .. } => "Certificate",
            Self::ServerKeyExchange { .. } => "ServerKeyExchange",
            Self::CertificateRequest { .. } => "CertificateRequest",
            Self::ServerHelloDone => "ServerHelloDone",
            Self::ClientKeyExchange => "ClientKeyExchange",
            Self::CertificateVerify { .. } => "CertificateVerify",
            Self::ChangeCipherSpec => "ChangeCipherSpec",
            Self::Finished => "Finished",
            Self::Alert { .. } => "Alert",
            Self::HttpRequest { .. } => "HTTP request",
            Self::HttpResponse { .. } => "HTTP response",
        }
    }
}

/// A TLS alert; in JSON its RFC 8446 name (`unknown_ca`), or its code when
/// no RFC names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Alert(#[serde(with = "crate::verify::serde_alert")] pub AlertDescription);

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&alert_name(self.0))
    }
}

/// A whole handshake: the messages, then how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    /// The moment both sides' verifiers used.
    pub at: Time,
    /// The version negotiated, when the handshake got that far.
    pub version: Option<CodePoint>,
    /// The messages, in the order they were read.
    pub messages: Vec<Message>,
    /// How it ended.
    pub outcome: Outcome,
}

/// How a lab handshake ended. Tagged by `result` in JSON.
// One a handshake: the size of the typed reason in a refusal costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Outcome {
    /// The handshake succeeded and the server answered the request.
    Answered {
        /// The HTTP status (200; 401 when the server judges certificates
        /// after the handshake and this one does not pass).
        status: u16,
        /// The answer's body (`Hello World`).
        body: String,
    },
    /// One side refused the handshake with a fatal alert.
    Refused(Refused),
}

/// A refused handshake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// Who refused (sent the alert).
    pub by: Side,
    /// The alert the other side received.
    pub alert: Option<Alert>,
    /// True when the client had finished its side of the handshake before
    /// the refusal reached it: a TLS 1.3 client learns that its
    /// certificate was refused only when it reads (curl's exit 56).
    pub client_finished: bool,
    /// Why, as the refusing side explains it: the server's reason is the
    /// one `certplay serve` logs; the client's is core's verdict on the
    /// server's chain (what `certplay verify` says of it).
    pub reason: Reason,
    /// What `certplay serve` logs for the connection when the client
    /// refused (it only sees the alert).
    pub server_log: Option<Reason>,
}

/// A certificate or a name as it came over the wire.
pub type Der = Vec<u8>;

/// A message as the lab's module hands it over ([`RawTranscript`]): a
/// [`Body`] with its certificates and CA names as DER and its alert as its
/// code, in serde's plain (externally tagged) form, which postcard carries
/// and a small decoder reads (`Body`'s JSON form is for export).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RawBody {
    /// [`Body::Certificate`], the chain as DER.
    Certificate(Vec<Der>),
    /// [`Body::CertificateRequest`], the CA names as DER.
    CertificateRequest(Vec<Der>, Vec<CodePoint>),
    /// [`Body::Alert`], by its code.
    Alert(u8),
    /// Every other message: [`RawBody::read`] gives it back as it is.
    ClientHello(
        Option<String>,
        Vec<CodePoint>,
        Vec<CodePoint>,
        Vec<CodePoint>,
        Vec<CodePoint>,
        Vec<String>,
    ),
    /// [`Body::ServerHello`].
    ServerHello(CodePoint, CodePoint, Option<CodePoint>),
    /// [`Body::EncryptedExtensions`].
    EncryptedExtensions(Option<String>),
    /// [`Body::ServerKeyExchange`].
    ServerKeyExchange(Option<CodePoint>, Option<CodePoint>),
    /// [`Body::ServerHelloDone`].
    ServerHelloDone,
    /// [`Body::ClientKeyExchange`].
    ClientKeyExchange,
    /// [`Body::CertificateVerify`].
    CertificateVerify(CodePoint),
    /// [`Body::ChangeCipherSpec`].
    ChangeCipherSpec,
    /// [`Body::Finished`].
    Finished,
    /// [`Body::HttpRequest`].
    HttpRequest(String),
    /// [`Body::HttpResponse`].
    HttpResponse(String, String),
}

impl RawBody {
    /// The message with its certificates and CA names read (a name core
    /// cannot read is left out).
    pub fn read(self) -> Body {
        match self {
            Self::Certificate(chain) => Body::Certificate {
                chain: chain.iter().map(|der| ChainEntry::from_der(der)).collect(),
            },
            Self::CertificateRequest(names, signature_schemes) => Body::CertificateRequest {
                ca_names: names
                    .iter()
                    .filter_map(|der| crate::read::read_name(der).ok())
                    .collect(),
                signature_schemes,
            },
            Self::Alert(code) => Body::Alert {
                alert: Alert(AlertDescription::from(code)),
            },
            Self::ClientHello(
                server_name,
                versions,
                cipher_suites,
                groups,
                signature_schemes,
                alpn,
            ) => Body::ClientHello {
                server_name,
                versions,
                cipher_suites,
                groups,
                signature_schemes,
                alpn,
            },
            Self::ServerHello(version, cipher_suite, group) => Body::ServerHello {
                version,
                cipher_suite,
                group,
            },
            Self::EncryptedExtensions(alpn) => Body::EncryptedExtensions { alpn },
            Self::ServerKeyExchange(group, signature_scheme) => Body::ServerKeyExchange {
                group,
                signature_scheme,
            },
            Self::ServerHelloDone => Body::ServerHelloDone,
            Self::ClientKeyExchange => Body::ClientKeyExchange,
            Self::CertificateVerify(signature_scheme) => {
                Body::CertificateVerify { signature_scheme }
            }
            Self::ChangeCipherSpec => Body::ChangeCipherSpec,
            Self::Finished => Body::Finished,
            Self::HttpRequest(request_line) => Body::HttpRequest { request_line },
            Self::HttpResponse(status_line, body) => Body::HttpResponse { status_line, body },
        }
    }
}

/// A [`RawBody`] with who sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawMessage {
    /// Who sent it.
    pub from: Side,
    /// What it said.
    pub body: RawBody,
}

/// A handshake as rustls saw it, no certificate read: the chains and the
/// CertificateRequest's CA names as DER, and what refused it as a typed
/// [`Failure`]. [`RawTranscript::explain`] makes the [`Transcript`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawTranscript {
    /// The moment both sides' verifiers used, Unix seconds.
    pub at: i64,
    /// The version negotiated, when the handshake got that far.
    pub version: Option<CodePoint>,
    /// The messages, in the order they were read.
    pub messages: Vec<RawMessage>,
    /// How it ended.
    pub outcome: RawOutcome,
    /// The chain the server's verifier was given (the client's), end
    /// entity first.
    pub presented: Vec<Der>,
    /// The chain the client's verifier was given (the server's).
    pub server_chain: Vec<Der>,
}

/// How a handshake ended, before its failures are explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawOutcome {
    /// The server answered the request.
    Answered {
        /// The HTTP status.
        status: u16,
        /// The answer's body.
        body: String,
    },
    /// The handshake ended without an answer.
    Refused {
        /// Who refused (sent the alert).
        by: Side,
        /// The alert the other side received, by its code.
        alert: Option<u8>,
        /// The client had finished its side first.
        client_finished: bool,
        /// What refused it, as the refusing side's stack said it; `None`
        /// when neither side refused (the connection just ended).
        failure: Option<Failure>,
        /// What the other side's stack said on receiving the alert.
        received: Option<Failure>,
    },
}

/// What names the certificates of a [`RawTranscript`]: the server's trust
/// (its client CAs and CRLs) and the client's (its `--cacert` CAs and the
/// URL's host).
#[derive(Debug, Clone, Copy)]
pub struct Explainer<'a> {
    /// The server's client CAs and CRLs, read.
    pub server: &'a ClientTrust,
    /// The CAs the client trusts, read.
    pub client_anchors: &'a [Certificate],
    /// The host the client connects to.
    pub host: &'a str,
}

impl Explainer<'_> {
    /// Why the client refused the server's `chain` for `failure` at `at`:
    /// core's verdict on the chain (the same words as `certplay verify`).
    pub fn client_reason<C: AsRef<[u8]>>(&self, chain: &[C], failure: &Failure, at: i64) -> Reason {
        let chain: Vec<Certificate> = chain
            .iter()
            .filter_map(|der| Certificate::from_der(der.as_ref()).ok())
            .collect();
        let (leaf, intermediates) = match chain.split_first() {
            Some((leaf, rest)) => (Some(leaf), rest),
            None => (None, &[][..]),
        };
        let check = Check {
            anchors: self.client_anchors,
            intermediates,
            crls: &[],
            purpose: Purpose::Server {
                host: self.host.to_owned(),
            },
            at,
        };
        explain_failure(failure, leaf, &check)
    }
}

impl RawTranscript {
    /// The transcript with its certificates read and its failures
    /// explained by `explainer`: the server's reason is the one `certplay
    /// serve` logs, the client's core's verdict on the server's chain.
    pub fn explain(self, explainer: &Explainer<'_>) -> Transcript {
        let at = self.at;
        let messages = self
            .messages
            .into_iter()
            .map(|m| Message {
                from: m.from,
                body: m.body.read(),
            })
            .collect();
        let server_says = |failure: &Failure| explainer.server.reason(&self.presented, at, failure);
        let outcome = match self.outcome {
            RawOutcome::Answered { status, body } => Outcome::Answered { status, body },
            RawOutcome::Refused {
                by,
                alert,
                client_finished,
                failure,
                received,
            } => Outcome::Refused({
                let alert = alert.map(|code| Alert(AlertDescription::from(code)));
                match (by, failure) {
                    (_, None) => Refused {
                        by: Side::Server,
                        alert: None,
                        client_finished,
                        reason: Reason::ClosedDuringHandshake,
                        server_log: None,
                    },
                    (Side::Server, Some(failure)) => Refused {
                        by,
                        alert,
                        client_finished,
                        reason: server_says(&failure),
                        server_log: None,
                    },
                    (Side::Client, Some(failure)) => Refused {
                        by,
                        alert,
                        client_finished,
                        reason: explainer.client_reason(&self.server_chain, &failure, at),
                        server_log: received.as_ref().map(server_says),
                    },
                }
            }),
        };
        Transcript {
            at: Time(at),
            version: self.version,
            messages,
            outcome,
        }
    }
}
