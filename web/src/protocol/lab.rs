//! What the page and its lab module (`certplay-lab`, a Web Worker loaded
//! only when the lab is opened) say to each other, over the same
//! [`crate::link`] and [`super::codec`] as the tools worker. The lab module
//! runs rustls' client and server in memory with core's `lab` feature and
//! reads no certificate: it is given a case's files as DER (core's
//! `lab::HandshakeInput`, made by the tools worker) and hands back the
//! handshake as rustls saw it ([`Ran`]: core's `lab::RawTranscript`); the
//! tools worker, which reads certificates anyway, names the certificates
//! and the reasons and makes what the page shows ([`Shown`],
//! `Request::LabShow`). Both cross the page as text or bytes it only
//! passes on.

use certplay_core::lab::clients::Expected;
use certplay_core::lab::Case;
use serde::{Deserialize, Serialize};

/// One thing for the lab module to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LabRequest {
    /// One in-memory mTLS handshake of a set as the tools worker gave it
    /// ([`CaseShown::handshake`]: the server `certplay serve` runs with its
    /// files, a client set up as curl is), then `GET /`: [`LabReply::Ran`].
    Run {
        /// core's `lab::HandshakeInput` as postcard bytes.
        handshake: serde_bytes::ByteBuf,
        /// The moment both sides' verifiers use, Unix seconds.
        at: i64,
    },
}

/// The lab module's requests cross as postcard bytes, like its replies:
/// the case's files it is given are postcard already, and the module
/// then carries no JSON reader ([`super::codec`]).
impl super::codec::Ask for LabRequest {
    const POSTCARD: bool = true;
}

/// A handshake as the lab module ran it, before the tools worker reads
/// its certificates (`Request::LabShow`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ran {
    /// core's `lab::RawTranscript` as postcard bytes (its plain serde
    /// form: a small decoder in the tools worker); `None` when the client
    /// refused its own key before any handshake (as curl does).
    pub raw: Option<serde_bytes::ByteBuf>,
    /// The NSS key log of the client's side.
    pub keylog: String,
    /// Microseconds the handshake took in the lab module.
    pub micros: u64,
}

impl std::fmt::Debug for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets travel in here: never print them.
        f.debug_struct("Ran")
            .field("micros", &self.micros)
            .finish_non_exhaustive()
    }
}

/// One case of the break-it lab for the set shown, as the tools worker made
/// it ([`crate::protocol::Request::LabCase`]): the broken copy, what core
/// predicts, and what curl is expected to print.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseShown {
    /// The case.
    pub case: Case,
    /// What it breaks, in one line.
    pub description: String,
    /// How to fix it, in one line.
    pub fix: String,
    /// Where curl and openssl differ from rustls by design, and why.
    pub difference: Option<String>,
    /// The broken copy (core's `lab::Mutated`, with the versions the client
    /// offers) as JSON: postcard cannot read a plan, and the page only
    /// passes it on (to the local server).
    pub mutated: String,
    /// Its files as the lab module's handshake takes them (core's
    /// `lab::HandshakeInput`, every file DER) as postcard bytes, passed on;
    /// `None` where `certplay serve` refuses to start with the case's
    /// server files: there is no handshake (the prediction says why).
    pub handshake: Option<serde_bytes::ByteBuf>,
    /// core's verdict before any handshake.
    pub prediction: PredictionShown,
    /// `certplay serve ...` in the case's folder.
    pub serve: String,
    /// What `certplay serve` warns of as it starts with the case's files
    /// (core's `lab::IndexCase::serve_warnings`, its `WARN` lines).
    pub serve_warnings: Vec<String>,
    /// `curl ...` in the case's folder.
    pub curl: String,
    /// `openssl s_client ...` in the case's folder.
    pub openssl: String,
    /// The curl and OpenSSL versions the expectations are for.
    pub clients: String,
    /// What curl prints: exit code and words (any one of them).
    pub curl_expected: Expected,
    /// What `openssl s_client` prints.
    pub openssl_expected: Expected,
    /// The zip's name (`lab-client-expired.zip`).
    pub zip_name: String,
    /// The case's folder (its files and `commands.txt`) as a zip.
    #[serde(with = "serde_bytes")]
    pub zip: Vec<u8>,
}

impl std::fmt::Debug for CaseShown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys travel in here: never print them.
        f.debug_struct("CaseShown")
            .field("case", &self.case)
            .field("prediction", &self.prediction)
            .finish_non_exhaustive()
    }
}

/// core's prediction for a case, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PredictionShown {
    /// `accepted`, `refused`, `key-mismatch` or `serve-refuses`.
    pub result: String,
    /// In a few words, as the lab's tables show it (core's
    /// `Verdict::short`: `refused by server: unknown_ca (unknown-issuer)`).
    pub short: String,
    /// In a sentence, with the reason in core's words.
    pub words: String,
    /// The TLS version the handshake uses (`TLS 1.3`), if the two sides
    /// share one.
    pub version: Option<String>,
}

/// The lab module's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LabReply {
    /// For [`LabRequest::Run`].
    Ran(Box<Ran>),
    /// The handshake could not be set up (a file that does not read):
    /// core's words.
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
    /// `answered`, `refused`, `key-mismatch` (the client refused its
    /// own key before any handshake, as curl does) or `serve-refuses`
    /// (`certplay serve` refuses to start with the case's server files:
    /// no handshake).
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
    /// In a few words, as the lab's tables show it and as a prediction's
    /// [`PredictionShown::short`] says it (`accepted` for `GET /` answered
    /// `Hello World`).
    pub short: String,
}
