//! What a handshake said, message by message: each TLS message one side
//! read, in order, with what a person needs from it, then the HTTP exchange
//! or the alert that ended it. Serde, for the page and for export.
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

use crate::read::model::{Name, Time};
use crate::verify::alert_name;

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
    pub(super) fn from_der(der: &[u8]) -> Self {
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
