//! What core's verification decides for a case before any handshake:
//! whether `certplay serve` starts with the case's server files at all
//! (its own start-up checks, [`server_tls`]), the version both sides share, the client's own check of its key, the
//! client's check of the server's chain (as a rustls client makes it),
//! then the server's check of the client's (as `certplay serve` makes
//! it), each with core's one typed [`Reason`] and the alert rustls sends.

use rustls::AlertDescription;
use serde::{Deserialize, Serialize};

use super::case::Case;
use super::input::{ReadCase, Served};
use super::mutate::Mutated;
use super::setup::{Side, TlsVersion, TlsVersions};
use crate::verify::{self, Check, Incompatibility, Purpose, Reason, ReasonKind};
use crate::Error;

/// What core predicts for one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prediction {
    /// The case.
    pub case: Case,
    /// The version the handshake uses (the highest both sides offer);
    /// `None` when they share none.
    pub version: Option<TlsVersion>,
    /// The verdict.
    pub verdict: Verdict,
}

/// How a case ends.
// One per case: the size of the typed reason costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The handshake succeeds and the server answers `Hello World`.
    Accepted,
    /// The client's key is not its certificate's: curl and openssl refuse
    /// before any TLS (curl has connected, and closes without a byte), and
    /// rustls before its first handshake message.
    KeyMismatch,
    /// `certplay serve` refuses to start with the case's server files
    /// (its start-up checks: a key that is not the certificate's, an
    /// X.509 v1 server certificate, a CRL no client CA signed, ...): no
    /// server listens, so no client connects.
    ServeRefuses {
        /// Its words, as it prints them before it exits.
        words: String,
    },
    /// One side refuses the handshake.
    Refused {
        /// Who refuses.
        by: Side,
        /// The alert a rustls side sends.
        #[serde(with = "crate::verify::serde_alert")]
        alert: AlertDescription,
        /// Why.
        reason: Reason,
    },
}

impl Verdict {
    /// The reason's kind, for a refusal.
    pub fn kind(&self) -> Option<ReasonKind> {
        match self {
            Self::Refused { reason, .. } => Some(reason.kind()),
            Self::Accepted | Self::KeyMismatch | Self::ServeRefuses { .. } => None,
        }
    }

    /// What happens, in one sentence: `the server answers Hello World`,
    /// `the server refuses the handshake: ...`.
    pub fn words(&self) -> String {
        match self {
            Self::Accepted => "the server answers Hello World".into(),
            Self::KeyMismatch => {
                "no handshake: the client refuses a key that is not its certificate's".into()
            }
            Self::ServeRefuses { words } => format!("certplay serve refuses to start: {words}"),
            Self::Refused { by, reason, .. } => {
                format!("the {by} refuses the handshake: {reason}")
            }
        }
    }

    /// The verdict in a few words, as the lab's tables show it:
    /// `accepted`, `key-mismatch`, `serve-refuses`, `refused by server:
    /// unknown_ca (unknown-issuer)`.
    pub fn short(&self) -> String {
        match self {
            Self::Refused { by, alert, reason } => {
                format!(
                    "refused by {by}: {} ({})",
                    crate::verify::alert_name(*alert),
                    reason.kind()
                )
            }
            other => other.name().into(),
        }
    }

    /// `accepted`, `key-mismatch`, `serve-refuses` or `refused`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::KeyMismatch => "key-mismatch",
            Self::ServeRefuses { .. } => "serve-refuses",
            Self::Refused { .. } => "refused",
        }
    }
}

/// The alert a rustls side sends when it refuses a certificate for
/// `kind`'s reason (rustls' mapping of webpki's errors to alerts; checked
/// against real handshakes in the lab's tests).
pub fn alert_for(kind: ReasonKind) -> AlertDescription {
    match kind {
        ReasonKind::NoClientCertificate => AlertDescription::CertificateRequired,
        ReasonKind::UnknownIssuer | ReasonKind::CrlExpired => AlertDescription::UnknownCA,
        ReasonKind::SameNameOtherCa
        | ReasonKind::BadSignature
        | ReasonKind::IssuerKeyTooSmall
        | ReasonKind::UnsupportedSignatureAlgorithm => AlertDescription::DecryptError,
        ReasonKind::Expired | ReasonKind::NotYetValid | ReasonKind::InvalidValidity => {
            AlertDescription::CertificateExpired
        }
        ReasonKind::WrongPurpose => AlertDescription::UnsupportedCertificate,
        ReasonKind::Revoked => AlertDescription::CertificateRevoked,
        ReasonKind::NameMismatch
        | ReasonKind::BadEncoding
        | ReasonKind::UnhandledCriticalExtension => AlertDescription::BadCertificate,
        ReasonKind::Incompatible => AlertDescription::ProtocolVersion,
        ReasonKind::ServerCertificateRefused
        | ReasonKind::Alert
        | ReasonKind::NotTls
        | ReasonKind::ClosedDuringHandshake
        | ReasonKind::BadHostName
        | ReasonKind::V1Certificate
        | ReasonKind::CaUsedAsLeaf
        | ReasonKind::LeafUsedAsCa
        | ReasonKind::PathLenExceeded
        | ReasonKind::NameConstraintViolated
        | ReasonKind::Crl
        | ReasonKind::BudgetExceeded
        | ReasonKind::BadAnchor
        | ReasonKind::NoAnchors
        | ReasonKind::Other => AlertDescription::CertificateUnknown,
    }
}

/// Predicts `case` at `at` (Unix seconds) with core's verification (the
/// verify-only provider: it builds for the page too), after `certplay
/// serve`'s own start-up checks of the case's server files.
pub fn predict(case: &Mutated, at: i64) -> Result<Prediction, Error> {
    let server_offers = if case.serve.tls13_only {
        TlsVersions::Tls13Only
    } else {
        TlsVersions::Tls13AndTls12
    };
    let offers = |v: TlsVersions, version: TlsVersion| match v {
        TlsVersions::Tls13AndTls12 => true,
        TlsVersions::Tls13Only => version == TlsVersion::Tls13,
        TlsVersions::Tls12Only => version == TlsVersion::Tls12,
    };
    let version = [TlsVersion::Tls13, TlsVersion::Tls12]
        .into_iter()
        .find(|v| offers(server_offers, *v) && offers(case.client.versions, *v));
    let prediction = |verdict| Prediction {
        case: case.case,
        version,
        verdict,
    };
    // The case's files as serve and curl read them: what serve reads
    // before it listens is what it checks clients with.
    let read = match ReadCase::read(case, at)? {
        Served::Listens(read) => read,
        Served::Refuses(refusal) => {
            return Ok(prediction(Verdict::ServeRefuses {
                words: refusal.to_string(),
            }))
        }
    };
    if version.is_none() {
        return Ok(prediction(refused(
            Side::Server,
            Reason::Incompatible {
                missing: Incompatibility::Version,
            },
        )));
    }
    if read.input.key_refused {
        return Ok(prediction(Verdict::KeyMismatch));
    }
    let provider = verify::provider::verifying();
    // The client checks the server's chain first: it arrives first.
    if let Some((leaf, intermediates)) = read.server_chain.split_first() {
        let check = Check {
            anchors: &read.client_anchors,
            intermediates,
            crls: &[],
            purpose: Purpose::Server { host: case.host() },
            at,
        };
        if let Err(reason) = verify::verify(leaf, &check, &provider) {
            return Ok(prediction(refused(Side::Client, reason)));
        }
    }

    let Some(chain) = &read.client_chain else {
        return Ok(prediction(refused(
            Side::Server,
            Reason::NoClientCertificate,
        )));
    };
    if let Some((leaf, intermediates)) = chain.split_first() {
        let check = Check {
            anchors: &read.trust.anchors,
            intermediates,
            crls: &read.trust.crls,
            purpose: Purpose::Client,
            at,
        };
        if let Err(reason) = verify::verify(leaf, &check, &provider) {
            return Ok(prediction(refused(Side::Server, reason)));
        }
    }
    Ok(prediction(Verdict::Accepted))
}

fn refused(by: Side, reason: Reason) -> Verdict {
    Verdict::Refused {
        by,
        alert: alert_for(reason.kind()),
        reason,
    }
}
