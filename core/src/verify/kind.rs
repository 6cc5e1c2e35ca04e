//! The kind of a refusal by a stable name, for logs, tests and hints.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of a [`Reason`], by a short stable name (`unknown-issuer`,
/// `no-client-certificate`, `x509-v1`) for logs, tests and the page's hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
#[allow(missing_docs)] // each is its Reason's
pub enum ReasonKind {
    NoClientCertificate,
    ServerCertificateRefused,
    Alert,
    NotTls,
    ClosedDuringHandshake,
    Incompatible,
    UnknownIssuer,
    SameNameOtherCa,
    Expired,
    NotYetValid,
    InvalidValidity,
    WrongPurpose,
    NameMismatch,
    BadHostName,
    V1Certificate,
    CaUsedAsLeaf,
    LeafUsedAsCa,
    PathLenExceeded,
    NameConstraintViolated,
    BadSignature,
    IssuerKeyTooSmall,
    UnsupportedSignatureAlgorithm,
    Revoked,
    CrlExpired,
    Crl,
    UnhandledCriticalExtension,
    BadEncoding,
    BudgetExceeded,
    BadAnchor,
    NoAnchors,
    Other,
}

impl ReasonKind {
    /// Every kind.
    pub const ALL: [Self; 31] = [
        Self::NoClientCertificate,
        Self::ServerCertificateRefused,
        Self::Alert,
        Self::NotTls,
        Self::ClosedDuringHandshake,
        Self::Incompatible,
        Self::UnknownIssuer,
        Self::SameNameOtherCa,
        Self::Expired,
        Self::NotYetValid,
        Self::InvalidValidity,
        Self::WrongPurpose,
        Self::NameMismatch,
        Self::BadHostName,
        Self::V1Certificate,
        Self::CaUsedAsLeaf,
        Self::LeafUsedAsCa,
        Self::PathLenExceeded,
        Self::NameConstraintViolated,
        Self::BadSignature,
        Self::IssuerKeyTooSmall,
        Self::UnsupportedSignatureAlgorithm,
        Self::Revoked,
        Self::CrlExpired,
        Self::Crl,
        Self::UnhandledCriticalExtension,
        Self::BadEncoding,
        Self::BudgetExceeded,
        Self::BadAnchor,
        Self::NoAnchors,
        Self::Other,
    ];

    /// The stable name (`unknown-issuer`): also the `kind` tag of a
    /// [`Reason`]'s JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::NoClientCertificate => "no-client-certificate",
            Self::ServerCertificateRefused => "server-certificate-refused",
            Self::Alert => "alert",
            Self::NotTls => "not-tls",
            Self::ClosedDuringHandshake => "closed-during-handshake",
            Self::Incompatible => "protocol",
            Self::UnknownIssuer => "unknown-issuer",
            Self::SameNameOtherCa => "same-name-other-ca",
            Self::Expired => "expired",
            Self::NotYetValid => "not-yet-valid",
            Self::InvalidValidity => "invalid-validity",
            Self::WrongPurpose => "wrong-purpose",
            Self::NameMismatch => "name-mismatch",
            Self::BadHostName => "bad-host-name",
            Self::V1Certificate => "x509-v1",
            Self::CaUsedAsLeaf => "ca-used-as-leaf",
            Self::LeafUsedAsCa => "leaf-used-as-ca",
            Self::PathLenExceeded => "path-length-exceeded",
            Self::NameConstraintViolated => "name-constraint-violated",
            Self::BadSignature => "bad-signature",
            Self::IssuerKeyTooSmall => "issuer-key-too-small",
            Self::UnsupportedSignatureAlgorithm => "unsupported-signature-algorithm",
            Self::Revoked => "revoked",
            Self::CrlExpired => "crl-expired",
            Self::Crl => "crl",
            Self::UnhandledCriticalExtension => "unhandled-critical-extension",
            Self::BadEncoding => "bad-encoding",
            Self::BudgetExceeded => "budget-exceeded",
            Self::BadAnchor => "bad-anchor",
            Self::NoAnchors => "no-anchors",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for ReasonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ReasonKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| format!("{name:?} is not a kind of refusal"))
    }
}

impl TryFrom<String> for ReasonKind {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        name.parse()
    }
}

impl From<ReasonKind> for &'static str {
    fn from(kind: ReasonKind) -> Self {
        kind.name()
    }
}
