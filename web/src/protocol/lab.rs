//! What the page and its lab module (`certplay-lab`, a Web Worker loaded
//! only when the lab is opened) say to each other, over the same
//! [`crate::link`] and [`super::codec`] as the tools worker. The lab module
//! runs rustls' client and server in memory with core's `lab` feature; the
//! page's own wasm does not carry that feature, so the transcript crosses
//! as what the page shows ([`Shown`]), with its exports made beside it.

use certplay_core::lab::TlsVersions;
use serde::{Deserialize, Serialize};

/// One thing for the lab module to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LabRequest {
    /// One in-memory mTLS handshake, then `GET /`: [`LabReply::Ran`].
    Handshake(Setup),
}

/// A handshake's two sides, as `certplay serve` and curl are given them
/// (PEM text), and when and how it runs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setup {
    /// `certplay serve --ca CA --cert CERT --key KEY [--crl ...]`.
    pub server: ServerFiles,
    /// `curl --cacert CA [--cert CERT --key KEY] https://HOST`.
    pub client: ClientFiles,
    /// What the client offers (core's choice of versions, as curl's
    /// `--tlsv1.3` and `--tls-max 1.2` set them).
    pub versions: TlsVersions,
    /// The moment both sides' verifiers use, Unix seconds.
    pub at: i64,
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys travel in here: never print them.
        f.debug_struct("Setup")
            .field("host", &self.client.host)
            .field("versions", &self.versions)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

/// The server's files (PEM text) and flags.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerFiles {
    /// The CAs it trusts for client certificates (`--ca`).
    pub ca: String,
    /// Its certificate, chain file if it has one (`--cert`).
    pub cert: String,
    /// Its key (`--key`).
    pub key: String,
    /// CRLs it consults (`--crl`, PEM).
    pub crls: Vec<String>,
    /// `--tls13-only`.
    pub tls13_only: bool,
}

impl std::fmt::Debug for ServerFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerFiles")
            .field("crls", &self.crls.len())
            .field("tls13_only", &self.tls13_only)
            .finish_non_exhaustive()
    }
}

/// The client's files (PEM text) and the URL's host.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientFiles {
    /// The CAs it trusts for the server (`--cacert`).
    pub cacert: String,
    /// Its certificate (chain file if any) and key: `--cert` and `--key`.
    pub identity: Option<(String, String)>,
    /// The URL's host name (SNI).
    pub host: String,
}

impl std::fmt::Debug for ClientFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientFiles")
            .field("identity", &self.identity.is_some())
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// The lab module's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LabReply {
    /// For [`LabRequest::Handshake`].
    Ran(Box<Shown>),
    /// The handshake could not be set up (a file that does not read, a key
    /// that is not the certificate's: curl refuses those before it
    /// connects): core's words.
    Failed(String),
}

/// A handshake as the page shows it, and its exports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shown {
    /// Each message, in the order it was read.
    pub messages: Vec<ShownMessage>,
    /// How it ended.
    pub verdict: ShownVerdict,
    /// The transcript as text (what the page shows, one block a message).
    pub text: String,
    /// The transcript as core's JSON (`certplay-core`'s `lab::Transcript`).
    pub json: String,
    /// The NSS key log of the client's side (Wireshark's
    /// "(Pre)-Master-Secret log filename").
    pub keylog: String,
    /// Microseconds the handshake took in the lab module.
    pub micros: u64,
}

/// One message: who sent it, its name and what a person needs from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownMessage {
    /// `client` or `server`.
    pub from: String,
    /// The RFC's name (`ClientHello`).
    pub name: String,
    /// (what, value), in the order the message carries them.
    pub details: Vec<(String, String)>,
}

/// How a handshake ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownVerdict {
    /// `answered` or `refused`.
    pub result: String,
    /// The HTTP status when answered.
    pub status: Option<u16>,
    /// Who refused (`client` or `server`).
    pub by: Option<String>,
    /// The alert by its RFC name (`unknown_ca`).
    pub alert: Option<String>,
    /// The reason's kind (core's `ReasonKind` name: `unknown-issuer`).
    pub kind: Option<String>,
    /// One line, in the words `certplay serve` logs.
    pub summary: String,
}
