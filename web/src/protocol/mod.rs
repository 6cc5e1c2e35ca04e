//! What the page and its tools worker say to each other: one enum of
//! requests, one of replies, derived with serde and carried by [`codec`].
//! Both sides use this module and nothing else to talk; a message that
//! does not decode is an error shown to the person, never a default.
//!
//! The worker issues (keys and signing: the page's thread never signs),
//! keeps what it makes or is given (an issued set, a person's own CA with
//! its key) and answers with a handle ([`SetHandle`], [`CaHandle`]): a
//! card's button then sends a few bytes, not every key again. Keys cross
//! between page and worker inside the page (`postMessage`), never over the
//! network.

pub mod codec;
pub mod lab;
mod wire_plan;

use certplay_core::lab::{Case, TlsVersions};
use certplay_core::read::lint::{Lint, Severity};
use certplay_core::read::other_stacks::OtherStacks;
use certplay_core::{IssuedEntry, KeyType, Pkcs12Encoding, Plan, Profile, RevocationReason};
use serde::{Deserialize, Serialize};

/// Days until a page-made CRL's nextUpdate (what `certplay crl` defaults to).
pub const CRL_DAYS: u32 = 30;

/// An issued set kept by the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetHandle(pub u32);

/// A person's own CA (certificate and key) kept by the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaHandle(pub u32);

/// Where a set's key pairs come from (the worker makes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeySource {
    /// The browser's WebCrypto (`crypto.subtle.generateKey`): native speed.
    WebCrypto,
    /// certplay-core's pure-Rust generator, while issuing.
    Core,
}

impl KeySource {
    /// The source for `key_type`. RSA-2048 takes core about 0.2 s a key in
    /// wasm (far longer at times: it searches for primes); WebCrypto does
    /// it natively. A P-256 key is one scalar multiplication, faster in
    /// core than a round trip through WebCrypto's promises (measured by
    /// `web/tests/timing.rs`).
    pub fn for_key_type(key_type: KeyType) -> Self {
        match key_type {
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => Self::WebCrypto,
            KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::Ed25519 => Self::Core,
        }
    }

    /// The source for a plan: WebCrypto as soon as one entry needs RSA.
    pub fn for_plan(plan: &Plan) -> Self {
        let any_rsa = plan
            .keys_needed()
            .iter()
            .any(|(_, key_type)| Self::for_key_type(*key_type) == Self::WebCrypto);
        if any_rsa {
            Self::WebCrypto
        } else {
            Self::Core
        }
    }
}

/// One thing for the worker to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Read any PEM/DER for the inspector, at `now` (Unix seconds).
    Inspect {
        /// The input's name, for messages.
        name: String,
        /// The input.
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
        /// Unix seconds, for the lints about validity.
        now: i64,
        /// A PKCS#12 file's password, as typed.
        password: Option<String>,
        /// The issued set whose client certificates are tried against
        /// pasted `openssl s_client` output (none issued: `None`).
        #[serde(default)]
        set: Option<SetHandle>,
    },
    /// Issue a plan (keys and signing here, so that the page's thread
    /// never signs), keep the set and read its certificates back for the
    /// cards: [`Reply::Issued`], after [`FromWorker::Progress`] messages
    /// while WebCrypto makes keys.
    Issue {
        /// The plan, checked by the page (the entries with an own key
        /// already have its key type).
        #[serde(with = "wire_plan")]
        plan: Plan,
        /// Keys the person brought: entry and PKCS#8 DER ([`Reply::OwnKey`]).
        own_keys: Vec<(String, Der)>,
        /// The own CAs: entry and the handle [`Reply::LoadedCa`] gave.
        own_cas: Vec<(String, CaHandle)>,
        /// Where the other keys come from; `None`: [`KeySource::for_plan`]
        /// (what the Issue button sends; tests and measurements choose).
        source: Option<KeySource>,
    },
    /// The PKCS#12 file of an entry: key, certificate and the CAs above it.
    Pkcs12 {
        /// The set.
        set: SetHandle,
        /// The entry.
        entry: String,
        /// Modern or legacy.
        encoding: Pkcs12Encoding,
        /// The password the person typed (refused when empty).
        password: String,
    },
    /// A CRL of the CA entry `ca` listing those of `revoked` it issued.
    Crl {
        /// The set.
        set: SetHandle,
        /// The CA entry that signs the CRL.
        ca: String,
        /// The entries to list as revoked, with why.
        revoked: Vec<(String, RevocationReason)>,
        /// DER (`NAME.crl.der`) instead of PEM.
        der: bool,
    },
    /// A person's CSR signed by the CA entry `ca`: [`Reply::Signed`].
    SignCsr {
        /// The set.
        set: SetHandle,
        /// The signing CA entry.
        ca: String,
        /// `None`: keep the requested purposes.
        profile: Option<Profile>,
        /// Validity in days.
        days: u32,
        /// The CSR's file name (or "pasted CSR"), for messages.
        name: String,
        /// The CSR, PEM or DER.
        #[serde(with = "serde_bytes")]
        csr: Vec<u8>,
    },
    /// A CSR for an entry of the set, signed by the entry's key.
    MakeCsr {
        /// The set.
        set: SetHandle,
        /// The entry.
        entry: String,
    },
    /// An entry's private key as PKCS#8 DER.
    KeyDer {
        /// The set.
        set: SetHandle,
        /// The entry.
        entry: String,
    },
    /// The zip of the set's files, the certificates signed from CSRs and,
    /// on request, everything else the page makes.
    Zip {
        /// The set.
        set: SetHandle,
        /// Certificates signed from CSRs: file stem and PEM.
        signed: Vec<(String, String)>,
        /// With everything: DER files, CRLs, a PKCS#12 file per leaf.
        everything: Option<Everything>,
    },
    /// A person's own private key (PEM or DER: PKCS#8, PKCS#1, SEC1, or
    /// encrypted PKCS#8 with its password), answered as PKCS#8 DER for the
    /// page to issue with ([`Reply::OwnKey`]).
    ImportKey {
        /// The entry it is for, for messages.
        name: String,
        /// The key file's bytes.
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
        /// The password of an encrypted PKCS#8 key (`None`: none typed).
        password: Option<String>,
    },
    /// A CA a person already has: read, checked (a CA, the key is its key)
    /// and kept: [`Reply::LoadedCa`].
    LoadCa {
        /// The certificate file's name, for messages.
        cert_name: String,
        /// The certificate file (PEM; the first certificate is the CA).
        #[serde(with = "serde_bytes")]
        cert: Vec<u8>,
        /// The key file's name, for messages.
        key_name: String,
        /// The key file (PEM or DER: PKCS#8, PKCS#1, SEC1, encrypted PKCS#8).
        #[serde(with = "serde_bytes")]
        key: Vec<u8>,
        /// The password of an encrypted PKCS#8 key (`None`: none typed).
        password: Option<String>,
    },
    /// A chain check (certplay-core's `verify`, with the RustCrypto
    /// provider: the same verdict as `certplay serve`): [`Reply::Verdict`].
    Verify(ChainCheck),
    /// What the chain's lints say OpenSSL, Go, Python and Node decide
    /// about it: [`Reply::OtherStacks`].
    OtherStacks(ChainCheck),
    /// The break-it lab: a copy of the set broken for `case` (the set stays
    /// as it was), what core predicts for it at `at` with a client that
    /// offers `versions`, and what curl prints: [`Reply::LabCase`].
    LabCase {
        /// The set.
        set: SetHandle,
        /// How to break it.
        case: Case,
        /// The TLS versions the client offers (the case about versions
        /// keeps its own).
        versions: TlsVersions,
        /// The moment both sides check validity at, Unix seconds.
        at: i64,
    },
    /// The lab module's handshake of a case ([`Request::LabCase`]'s, the
    /// same four fields) with its certificates read and its failures named
    /// in core's words, as the page shows it: [`Reply::LabShown`].
    LabShow {
        /// The set.
        set: SetHandle,
        /// How it was broken.
        case: Case,
        /// The TLS versions the client offered.
        versions: TlsVersions,
        /// The moment both sides checked validity at, Unix seconds.
        at: i64,
        /// What the lab module ran; `None` when it ran nothing, as
        /// `certplay serve` refuses to start with the case's server files
        /// ([`lab::CaseShown::handshake`]).
        ran: Option<lab::Ran>,
    },
    /// Two inputs compared field by field (certplay-core's `diff`):
    /// [`Reply::Compared`].
    Compare {
        /// The first input: its name and bytes (PEM or DER).
        a: (String, Der),
        /// The second.
        b: (String, Der),
        /// Unix seconds, for the lints about validity.
        now: i64,
    },
    /// The blog's `ca.crt`, `server.crt` and `client.crt` as its seven
    /// openssl commands make them at `now` (Unix seconds), with fresh
    /// RSA-2048 keys from WebCrypto (certplay-core's
    /// `blog_openssl_set`): [`Reply::BlogOpensslSet`].
    BlogOpensslSet {
        /// Unix seconds: from then for 365 days, as `-days 365` makes them.
        now: i64,
    },
}

/// The tools worker's requests cross as postcard bytes: the worker reads
/// no self-describing format ([`codec`], [`wire_plan`]).
impl codec::Ask for Request {
    const POSTCARD: bool = true;
}

/// DER bytes that travel as bytes (a `Uint8Array`), not as a list of numbers.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Der(#[serde(with = "serde_bytes")] pub Vec<u8>);

impl std::fmt::Debug for Der {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys travel as Der too: never print the bytes.
        write!(f, "Der({} bytes)", self.0.len())
    }
}

/// What "with everything" adds to the zip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Everything {
    /// What was revoked (for the CAs' CRLs).
    pub revoked: Vec<(String, RevocationReason)>,
    /// The password of the leaves' PKCS#12 files (refused when empty).
    pub password: String,
}

/// What a chain check is asked for; certificates and CRLs as DER.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainCheck {
    /// The certificate to check.
    pub leaf: Der,
    /// The trust anchors.
    pub anchors: Vec<Der>,
    /// Other certificates the chain may go through.
    pub intermediates: Vec<Der>,
    /// CRLs to consult.
    pub crls: Vec<Der>,
    /// `Some(host)`: a server reached as `host`; `None`: a client.
    pub server_host: Option<String>,
    /// Unix seconds.
    pub at: i64,
}

/// The worker's answer to a [`Request`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    /// For [`Request::Inspect`].
    Inspected(Inspection),
    /// For [`Request::Issue`]: the set's handle, its entries (an own CA's
    /// key stays in the worker) and cards.
    Issued {
        /// The kept set.
        set: SetHandle,
        /// The issued entries, in plan order.
        entries: Vec<IssuedEntry>,
        /// When they were issued, Unix seconds (the page's copy needs no
        /// more; the worker's own copy keeps the exact time).
        issued_at: i64,
        /// One per entry, in plan order.
        cards: Vec<Card>,
        /// Where the keys came from.
        source: KeySource,
        /// Microseconds from the first key to the last certificate signed.
        micros: u64,
    },
    /// A file's bytes (PKCS#12, CRL, CSR, DER key, zip).
    File(#[serde(with = "serde_bytes")] Vec<u8>),
    /// For [`Request::SignCsr`]: the certificate, its card and what signing
    /// kept, added and dropped.
    Signed {
        /// The certificate, PEM.
        cert_pem: String,
        /// The certificate, DER.
        cert_der: Der,
        /// One line per decision.
        report: String,
        /// What the certificate says, for its card.
        card: Card,
    },
    /// For [`Request::ImportKey`]: the key as PKCS#8 DER, and its type.
    OwnKey {
        /// The key, PKCS#8 DER.
        der: Der,
        /// Its type (an entry issued with it takes it).
        key_type: KeyType,
    },
    /// For [`Request::LoadCa`].
    LoadedCa(LoadedCa),
    /// For [`Request::Verify`].
    Verdict(Verdict),
    /// For [`Request::OtherStacks`].
    OtherStacks(OtherStacks),
    /// For [`Request::LabCase`].
    LabCase(Box<lab::CaseShown>),
    /// For [`Request::LabShow`].
    LabShown(Box<lab::Shown>),
    /// For [`Request::Compare`].
    Compared(Comparison),
    /// For [`Request::BlogOpensslSet`]: each file's name and PEM, in the
    /// blog's order (its keys are dropped in the worker).
    BlogOpensslSet(Vec<(String, String)>),
    /// The operation failed: certplay-core's words.
    Failed(String),
}

/// A card's fields as the worker read them from the certificate, or why
/// it could not.
pub type Card = Result<Vec<(CardField, String)>, String>;

/// The fields of a card (`data-field` in `index.html`'s `#card-template`
/// and `#signed-template`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)] // each is the certificate field of the same name
pub enum CardField {
    Subject,
    Issuer,
    Serial,
    NotBefore,
    NotAfter,
    Sans,
    Eku,
    KeyUsage,
    BasicConstraints,
    KeyType,
    Signature,
    Version,
    Sha256,
}

impl CardField {
    /// Every field, in the card's order.
    pub const ALL: [Self; 13] = [
        Self::Subject,
        Self::Issuer,
        Self::Serial,
        Self::NotBefore,
        Self::NotAfter,
        Self::Sans,
        Self::Eku,
        Self::KeyUsage,
        Self::BasicConstraints,
        Self::KeyType,
        Self::Signature,
        Self::Version,
        Self::Sha256,
    ];

    /// Its `data-field` name (and the id suffix: `#server-subject`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Subject => "subject",
            Self::Issuer => "issuer",
            Self::Serial => "serial",
            Self::NotBefore => "not-before",
            Self::NotAfter => "not-after",
            Self::Sans => "sans",
            Self::Eku => "eku",
            Self::KeyUsage => "key-usage",
            Self::BasicConstraints => "basic-constraints",
            Self::KeyType => "key-type",
            Self::Signature => "signature",
            Self::Version => "version",
            Self::Sha256 => "sha256",
        }
    }
}

/// A CA a person brought, as the worker read, checked and kept it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadedCa {
    /// How to name it in [`Request::Issue`].
    pub handle: CaHandle,
    /// What the page shows: subject, key type, validity.
    pub summary: String,
    /// What verifiers will say of it (expired, not yet valid, expiring
    /// soon), in core's lint words; issuing goes on.
    pub warnings: Vec<String>,
    /// The chain given, the issuing CA first: what the plan's entries
    /// stand for ([`certplay_core::Plan::stand_in`]).
    pub links: Vec<certplay_core::GivenLink>,
}

/// A chain check's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// Accepted: the certificate's subject and issuer.
    Valid(String),
    /// Refused: the reason's kind (core's `Reason::kind`) and its words.
    Refused {
        /// `unknown-issuer`, `expired`, ...
        kind: String,
        /// The reason in words.
        words: String,
    },
}

/// What the inspector shows for some input: the text view and the lints,
/// one line each, or why nothing could be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    /// The openssl-like text of everything read.
    pub text: String,
    /// Every certificate's lints: its subject and each lint.
    pub lints: Vec<(String, Lint)>,
    /// A one-line summary for the status line.
    pub summary: String,
    /// Set when the input is a PKCS#12 file that is still closed: why (no
    /// password given yet, or the password was wrong). The page then asks
    /// for the password.
    pub locked: Option<String>,
    /// The certificates read, for the chain check.
    pub certificates: Vec<Candidate>,
    /// The CRLs read (DER), for the chain check.
    pub crls: Vec<Der>,
    /// The structured view: one card per thing read, its lints beside it.
    pub views: Vec<View>,
    /// When the input is `openssl s_client` output: what the server asks
    /// of client certificates and certplay's prediction for each issued
    /// client, in core's words.
    pub server: Option<String>,
}

/// Two inputs compared, in words for the page: each pair of certificates
/// with the fields that differ and what each difference does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// One line: how many pairs, differences, refusals.
    pub summary: String,
    /// The certificates compared, two by two.
    pub pairs: Vec<ComparedPair>,
    /// What only one side has, or files whose contents differ, in words.
    pub unmatched: Vec<String>,
}

/// Two certificates compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparedPair {
    /// `A ca.crt (CN=my-ca) vs B ca.crt (CN=my-ca)`.
    pub title: String,
    /// The fields that differ.
    pub rows: Vec<ComparedRow>,
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparedRow {
    /// RFC 5280's name of the field (`subjectAltName`).
    pub field: String,
    /// A's value, `(absent)` when it has none.
    pub a: String,
    /// B's value.
    pub b: String,
    /// What it does: how bad, and in words.
    pub effects: Vec<(Severity, String)>,
}

/// One thing read, as fields (RFC 5280's names) and its lints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// `Certificate: CN=localhost`, `Private key`, ...
    pub title: String,
    /// (field, value), in the order a person reads them.
    pub fields: Vec<(String, String)>,
    /// Its lints (a certificate's; none for anything else).
    pub lints: Vec<Lint>,
}

/// A certificate the chain check can use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// What the lists show, unique: `issued server.crt`, `read 2: CN=x`.
    pub label: String,
    /// A CA certificate (basicConstraints CA:TRUE).
    pub ca: bool,
    /// A self-signed CA: a trust anchor by default when the page issued it.
    pub root: bool,
    /// The certificate, DER.
    pub der: Der,
}

/// A message from the page to a worker: a request and the number its
/// answer carries back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToWorker<T> {
    /// Chosen by the page, unique among the requests still waiting.
    pub id: u32,
    /// What to do.
    pub request: T,
}

/// A message from a worker to the page. The page reads the variant and the
/// id before the rest ([`codec::reply_prefix`]): keep `Ready` first and
/// `id` the first field of `Answer` and `Progress`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FromWorker<T> {
    /// The worker listens: requests posted now are received.
    Ready,
    /// The answer to the request with this `id`.
    Answer {
        /// The request's id.
        id: u32,
        /// The answer.
        reply: T,
    },
    /// How far the request with this `id` got: `done` of `of` steps
    /// ("2 of 3 keys made"); its answer follows.
    Progress {
        /// The request's id.
        id: u32,
        /// Steps done.
        done: u32,
        /// Steps in all.
        of: u32,
    },
}

impl<T> FromWorker<T> {
    /// The variant index of [`FromWorker::Ready`] on the wire.
    pub const READY: u32 = 0;
    /// The variant index of [`FromWorker::Answer`] on the wire.
    pub const ANSWER: u32 = 1;
    /// The variant index of [`FromWorker::Progress`] on the wire.
    pub const PROGRESS: u32 = 2;
}
