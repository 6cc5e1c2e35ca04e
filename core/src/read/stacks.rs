//! What other TLS stacks decide about a certificate a lint finds: each
//! lint's claim, stack by stack, in one table ([`verdicts`]). Every claim
//! here is checked against that stack by tests/tests/stacks.rs, on a chain
//! crafted to be wrong in that one way; Chromium's and curl's by a real
//! HTTPS load of the chain (headless Chromium trusts the root).
//!
//! Firefox and Safari cannot run here, so they are no column of the table;
//! where their documented behaviour differs from Chromium's, the lint's
//! source (`read/lint.rs`) says so and cites it.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::lint_id::LintId;

/// A TLS stack (or a mode of one) whose verdict a lint names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stack {
    /// rustls with rustls-webpki: `certplay serve`, and what `certplay
    /// verify` decides.
    Rustls,
    /// OpenSSL 3 as `openssl verify` decides.
    #[serde(rename = "openssl")]
    OpenSsl,
    /// OpenSSL 3 with `-x509_strict` (`X509_V_FLAG_X509_STRICT`).
    #[serde(rename = "openssl-strict")]
    OpenSslStrict,
    /// curl on the system's OpenSSL and its openssl.cnf: as `openssl
    /// verify`, but at Debian's security level 2, which refuses keys under
    /// 112 bits of security and SHA-1 or MD5 signatures anywhere below the
    /// anchor's own.
    Curl,
    /// Go's crypto/x509.
    Go,
    /// Python `cryptography`'s X.509 verifier (43 or later).
    Python,
    /// Node's `tls` (on the OpenSSL it links, without -x509_strict).
    Node,
    /// Chromium's certificate verifier: Chrome, Edge and the other
    /// Chromium browsers (on Linux, with a root added to the NSS database).
    Chromium,
}

impl Stack {
    /// Every stack, in the order tables list them.
    pub const ALL: [Self; 8] = [
        Self::Rustls,
        Self::OpenSsl,
        Self::OpenSslStrict,
        Self::Curl,
        Self::Go,
        Self::Python,
        Self::Node,
        Self::Chromium,
    ];

    /// Its stable short name, as JSON writes it: `rustls`, `openssl-strict`.
    pub fn short(self) -> &'static str {
        match self {
            Self::Rustls => "rustls",
            Self::OpenSsl => "openssl",
            Self::OpenSslStrict => "openssl-strict",
            Self::Curl => "curl",
            Self::Go => "go",
            Self::Python => "python",
            Self::Node => "node",
            Self::Chromium => "chromium",
        }
    }
}

/// Its name for people: `OpenSSL -x509_strict`, `Go crypto/x509`.
impl fmt::Display for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rustls => "rustls/webpki",
            Self::OpenSsl => "OpenSSL",
            Self::OpenSslStrict => "OpenSSL -x509_strict",
            Self::Curl => "curl",
            Self::Go => "Go crypto/x509",
            Self::Python => "Python cryptography",
            Self::Node => "Node",
            Self::Chromium => "Chrome, Edge (Chromium)",
        })
    }
}

/// What a stack does with a chain holding the certificate a lint finds
/// (and nothing else wrong).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// It refuses the chain.
    Refuses,
    /// It accepts the chain.
    Accepts,
}

/// Which stacks refuse and which accept, for a lint that says.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Stacks {
    /// The stacks that refuse the chain.
    pub refused_by: Vec<Stack>,
    /// The stacks that accept it.
    pub accepted_by: Vec<Stack>,
}

impl Stacks {
    /// What `id` says of every stack, when it says.
    pub fn of(id: LintId) -> Option<Self> {
        verdicts(id).map(Self::row)
    }

    /// Who refuses and who accepts, from one verdict per stack in
    /// [`Stack::ALL`]'s order.
    fn row(verdicts: [Verdict; 8]) -> Self {
        let pick = |wanted: Verdict| {
            Stack::ALL
                .into_iter()
                .zip(verdicts)
                .filter(|(_, v)| *v == wanted)
                .map(|(s, _)| s)
                .collect()
        };
        Self {
            refused_by: pick(Verdict::Refuses),
            accepted_by: pick(Verdict::Accepts),
        }
    }
}

impl Stacks {
    /// Every stack accepts it.
    pub fn all_accept() -> Self {
        Self {
            refused_by: Vec::new(),
            accepted_by: Stack::ALL.to_vec(),
        }
    }

    /// What `id` says of every stack for a certificate at `position` in
    /// the chain: [`Stacks::of`], except where a stack decides otherwise
    /// there. tests/tests/stacks.rs crafts the lints whose verdict could
    /// plausibly depend on it at each position and found these (critical
    /// key identifiers, a missing authorityKeyIdentifier, serial zero or
    /// negative, an unknown critical extension, a critical or
    /// anyExtendedKeyUsage on a CA, X.509 v1); serial numbers, unknown critical
    /// extensions and a critical extendedKeyUsage are decided the same
    /// everywhere but at the anchor.
    pub fn at(id: LintId, position: Position) -> Option<Self> {
        use LintId::*;
        let stacks = Self::of(id)?;
        Some(match (id, position) {
            // rustls/webpki read only an anchor's name, key and name
            // constraints, and accept what they refuse in its dates and
            // other extensions.
            (
                CriticalKeyIdentifier | UnknownCriticalExtension | DateBefore1970,
                Position::Anchor,
            ) => stacks.accepting(Stack::Rustls),
            // Python cryptography asks an authorityKeyIdentifier of the
            // leaf only, and reads no purpose of an intermediate (rustls,
            // OpenSSL and Node refuse anyExtendedKeyUsage alone there: a
            // CA's extendedKeyUsage must hold the leaf's purpose).
            (NoAuthorityKeyIdentifier | AnyExtendedKeyUsage, Position::Intermediate) => {
                stacks.accepting(Stack::Python)
            }
            // rustls/webpki read no purpose of an anchor; OpenSSL and Node
            // ask a root's extendedKeyUsage to hold the leaf's too.
            (AnyExtendedKeyUsage, Position::Anchor) => {
                stacks.accepting(Stack::Rustls).accepting(Stack::Python)
            }
            // A v1 CA has no basicConstraints CA:TRUE: nothing takes it as
            // an intermediate. As an anchor, only the strict ones ask it.
            (X509V1, Position::Intermediate) => Self::row([R; 8]),
            (X509V1, Position::Anchor) => Self::row([A, A, R, A, A, R, A, A]),
            _ => stacks,
        })
    }

    /// The same with `stack` accepting.
    pub fn accepting(mut self, stack: Stack) -> Self {
        if self.refused_by.contains(&stack) {
            self.refused_by.retain(|s| *s != stack);
            self.accepted_by.push(stack);
            self.accepted_by.sort();
        }
        self
    }
}

/// Where a certificate is in a chain: some stacks check a leaf, an
/// intermediate and a trust anchor differently ([`Stacks::at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// The end-entity certificate.
    Leaf,
    /// A CA between the leaf and the anchor.
    Intermediate,
    /// The trust anchor.
    Anchor,
}

/// `refused by rustls/webpki, Go crypto/x509; accepted by OpenSSL, Node`
impl fmt::Display for Stacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |stacks: &[Stack]| {
            stacks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (self.refused_by.is_empty(), self.accepted_by.is_empty()) {
            (false, true) => write!(f, "refused by every stack ({})", list(&self.refused_by)),
            (true, false) => write!(f, "accepted by every stack ({})", list(&self.accepted_by)),
            _ => write!(
                f,
                "refused by {}; accepted by {}",
                list(&self.refused_by),
                list(&self.accepted_by)
            ),
        }
    }
}

use Verdict::{Accepts as A, Refuses as R};

/// What each stack decides (in [`Stack::ALL`]'s order: rustls, OpenSSL,
/// OpenSSL -x509_strict, curl, Go, Python, Node, Chromium) about a chain that
/// holds the certificate `id` finds, where the lint says so. Go is 1.19
/// (Debian 12), OpenSSL and Node's 3.0, curl 7.88 (on that OpenSSL, at
/// security level 2), Python cryptography 43 or later,
/// Chromium 156 with the root trusted in its NSS database (a root a person
/// adds: Chromium checks its dates and extensions too, unlike webpki).
pub fn verdicts(id: LintId) -> Option<[Verdict; 8]> {
    use LintId::*;
    Some(match id {
        NoSubjectAltName => [R, A, A, A, R, R, A, R],
        NoExtendedKeyUsage => [A, A, A, A, A, A, A, A],
        ServerValidityTooLong => [A, A, A, A, A, A, A, A],
        EddsaInServerChain => [A, A, A, A, A, A, A, R],
        RsaTooSmall => [R, A, A, R, A, R, A, A],
        SerialNegative => [A, A, A, A, A, R, A, A],
        SerialZero => [A, A, A, A, A, A, A, A],
        SerialTooLong => [A, A, A, A, A, A, A, A],
        NoSubjectKeyIdentifier => [A, A, R, A, A, A, A, A],
        NoAuthorityKeyIdentifier => [A, A, R, A, A, R, A, A],
        EmptyIssuer => [A, A, R, A, A, R, A, A],
        EmptySubjectSanNotCritical => [A, A, R, A, A, R, A, R],
        CaBasicConstraintsNotCritical => [A, A, R, A, A, R, A, A],
        CaWithoutBasicConstraints => [A, A, R, A, R, R, A, A],
        LeafKeyCertSign => [A, A, R, A, A, R, A, A],
        CaTrueLeaf => [R, A, A, A, A, R, A, A],
        CriticalExtendedKeyUsage => [A, A, A, A, A, R, A, A],
        ExtendedKeyUsageOnRoot => [A, A, A, A, A, A, A, A],
        WeakKey => [R, A, A, R, R, R, A, R],
        Sha1Signature => [R, A, A, R, R, R, R, R],
        Md5Signature => [R, A, A, R, R, R, R, R],
        DirectoryNameConstraints => [R, A, A, A, R, A, A, A],
        PathLengthOnLeaf => [A, A, R, A, A, A, A, A],
        TrustAnchorOutsideValidity => [A, R, R, R, R, R, R, R],
        MalformedAuthorityInfoAccess => [A, A, A, A, R, R, A, R],
        UtcTimePast2049 => [R, R, R, R, R, R, R, R],
        GeneralizedTimeBefore2050 => [A, A, A, A, A, R, A, A],
        DuplicateExtension => [R, R, R, R, R, R, R, R],
        // At the leaf (a v1 certificate has no subjectAltName): rustls and
        // Python read no v1 leaf, Go and Chromium no name only in the CN.
        X509V1 => [R, A, A, A, R, R, A, R],
        ExtensionsBeforeV3 => [R, A, R, A, R, R, A, R],
        DateBefore1970 => [R, A, A, A, A, A, A, A],
        CriticalKeyIdentifier => [R, R, R, R, A, R, R, R],
        UnknownCriticalExtension => [R, R, R, R, R, R, R, R],
        AnyExtendedKeyUsage => [R, R, R, R, A, R, R, A],
        _ => return None,
    })
}
