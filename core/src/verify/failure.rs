//! A rustls or webpki error as far as core's reasons tell errors apart
//! ([`Failure`]): typed, serde, and made without reading any certificate.
//! The handshake lab's module (which carries no certificate reader: see
//! docs/BUILDING.md) hands it over with the chains as DER, and the tools
//! worker names the certificates ([`super::explain_failure`]).
//! [`super::explain`] is the two steps in one.

use rustls::{
    AlertDescription, CertificateError, Error as TlsError, ExtendedKeyPurpose, InvalidMessage,
    PeerIncompatible,
};
use serde::{Deserialize, Serialize};

use super::{Budget, Incompatibility};

/// What refused a chain or a handshake, before the certificates are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Failure {
    /// The peer sent no certificate.
    NoCertificate,
    /// A certificate of the chain was refused.
    Certificate(CertFailure),
    /// A CRL was refused: what is wrong with it.
    Crl(String),
    /// The peer's alert (by its code: postcard carries it).
    AlertReceived(#[serde(with = "alert_code")] AlertDescription),
    /// The peer does not speak TLS.
    NotTls,
    /// The two sides have nothing of this in common.
    Incompatible(Incompatibility),
    /// The peer hung up.
    Closed,
    /// Anything else: `handshake failed: ...` in core's words.
    Other(String),
}

/// Why a certificate of a chain was refused, before the chain is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertFailure {
    /// No path to a trusted CA.
    UnknownIssuer,
    /// Expired, with the moment checked and the notAfter (Unix seconds).
    ExpiredAt {
        /// The moment checked.
        at: i64,
        /// The notAfter of the certificate.
        not_after: i64,
    },
    /// Expired, without the moments.
    Expired,
    /// Not yet valid, with the moment checked and the notBefore.
    NotYetValidAt {
        /// The moment checked.
        at: i64,
        /// The notBefore of the certificate.
        not_before: i64,
    },
    /// Not yet valid, without the moments.
    NotYetValid,
    /// The leaf lacks the purpose: the one required, when rustls says it.
    WrongPurpose(Option<Purpose>),
    /// The leaf has an empty extendedKeyUsage.
    EmptyEku,
    /// The leaf is not for the name asked for.
    NameMismatch,
    /// A signature does not verify.
    BadSignature,
    /// A signature made with an algorithm the verifier lacks for its key.
    UnsupportedSignatureForKey,
    /// The leaf's signature algorithm is not supported.
    UnsupportedSignatureAlgorithm,
    /// A certificate of the chain is revoked.
    Revoked,
    /// A CRL problem, in words.
    Crl(String),
    /// A CRL past its nextUpdate, with both moments (rustls' context).
    CrlExpiredAt {
        /// The moment checked.
        at: i64,
        /// The CRL's nextUpdate.
        next_update: i64,
    },
    /// A CRL past its nextUpdate, as webpki says it.
    CrlPast {
        /// The moment checked.
        at: i64,
        /// The CRL's nextUpdate.
        next_update: i64,
    },
    /// A critical extension the verifier does not process.
    UnhandledCriticalExtension,
    /// Not valid DER, or an invalid field: what.
    BadEncoding(String),
    /// Not valid DER as webpki reads it, which is also what it says of a
    /// date before 1970: what.
    BadDer(String),
    /// An X.509 v1 (or v2) certificate.
    V1Certificate,
    /// A CA certificate presented as the leaf.
    CaUsedAsLeaf,
    /// A leaf used as a CA.
    LeafUsedAsCa,
    /// A path length constraint is exceeded.
    PathLenExceeded,
    /// A name constraint is violated.
    NameConstraintViolated,
    /// The leaf is explicitly distrusted.
    Distrusted,
    /// notBefore is after notAfter.
    InvalidValidity,
    /// A work budget of the verifier ran out.
    Budget(Budget),
    /// rustls' words for an error of another verifier, said of the leaf.
    OtherOfLeaf(String),
    /// Words that need no certificate.
    Said(String),
    /// An error certplay does not know yet, by the library that raised it
    /// (`rustls`, `webpki`).
    Unknown(String),
}

/// An extendedKeyUsage purpose as rustls names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// id-kp-serverAuth.
    ServerAuth,
    /// id-kp-clientAuth.
    ClientAuth,
    /// Another, by its arcs.
    Other(Vec<u64>),
}

impl Failure {
    /// `error` as far as core's reasons tell errors apart.
    pub fn of(error: &TlsError) -> Self {
        match error {
            TlsError::NoCertificatesPresented => Self::NoCertificate,
            TlsError::InvalidCertificate(e) => Self::Certificate(CertFailure::of(e)),
            TlsError::InvalidCertRevocationList(e) => Self::Crl(super::tls_words::crl_words(e)),
            TlsError::AlertReceived(alert) => Self::AlertReceived(*alert),
            TlsError::InvalidMessage(InvalidMessage::InvalidContentType) => Self::NotTls,
            TlsError::PeerIncompatible(incompatible) => {
                Self::Incompatible(incompatibility(incompatible))
            }
            TlsError::NoApplicationProtocol => {
                Self::Incompatible(Incompatibility::ApplicationProtocol)
            }
            other => Self::Other(format!(
                "handshake failed: {}",
                super::tls_words::words(other)
            )),
        }
    }

    /// The same for an I/O error of a handshake: a rustls error inside it
    /// as [`Failure::of`]; an early end of stream means the peer hung up.
    pub fn of_io(error: &std::io::Error) -> Self {
        if let Some(tls) = error.get_ref().and_then(|e| e.downcast_ref::<TlsError>()) {
            return Self::of(tls);
        }
        match error.kind() {
            std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset => Self::Closed,
            _ => Self::Other(format!("handshake failed: {error}")),
        }
    }
}

fn incompatibility(e: &PeerIncompatible) -> Incompatibility {
    use PeerIncompatible as P;
    match e {
        P::ServerDoesNotSupportTls12Or13
        | P::ServerTlsVersionIsDisabledByOurConfig
        | P::SupportedVersionsExtensionRequired
        | P::Tls12NotOffered
        | P::Tls12NotOfferedOrEnabled
        | P::Tls13RequiredForQuic => Incompatibility::Version,
        P::NoCipherSuitesInCommon => Incompatibility::CipherSuite,
        P::NoSignatureSchemesInCommon
        | P::NoCertificateRequestSignatureSchemesInCommon
        | P::SignatureAlgorithmsExtensionRequired => Incompatibility::SignatureScheme,
        P::NoKxGroupsInCommon
        | P::KeyShareExtensionRequired
        | P::NamedGroupsExtensionRequired
        | P::EcPointsExtensionRequired
        | P::NoEcPointFormatsInCommon
        | P::UncompressedEcPointsRequired => Incompatibility::KeyExchange,
        _ => Incompatibility::Extension,
    }
}

fn seconds(t: rustls_pki_types::UnixTime) -> i64 {
    i64::try_from(t.as_secs()).unwrap_or(i64::MAX)
}

impl CertFailure {
    /// rustls' certificate error as far as core's reasons tell them apart.
    pub fn of(e: &CertificateError) -> Self {
        match e {
            CertificateError::UnknownIssuer => Self::UnknownIssuer,
            CertificateError::ExpiredContext { time, not_after } => Self::ExpiredAt {
                at: seconds(*time),
                not_after: seconds(*not_after),
            },
            CertificateError::NotValidYetContext { time, not_before } => Self::NotYetValidAt {
                at: seconds(*time),
                not_before: seconds(*not_before),
            },
            CertificateError::Expired => Self::Expired,
            CertificateError::NotValidYet => Self::NotYetValid,
            CertificateError::InvalidPurpose => Self::WrongPurpose(None),
            CertificateError::InvalidPurposeContext { required, .. } => {
                Self::WrongPurpose(Some(match required {
                    ExtendedKeyPurpose::ServerAuth => Purpose::ServerAuth,
                    ExtendedKeyPurpose::ClientAuth => Purpose::ClientAuth,
                    ExtendedKeyPurpose::Other(arcs) => Purpose::Other(
                        arcs.iter()
                            .map(|a| u64::try_from(*a).unwrap_or(u64::MAX))
                            .collect(),
                    ),
                }))
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                Self::NameMismatch
            }
            CertificateError::BadSignature => Self::BadSignature,
            #[allow(deprecated)]
            CertificateError::UnsupportedSignatureAlgorithm
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                Self::UnsupportedSignatureForKey
            }
            CertificateError::UnsupportedSignatureAlgorithmContext { .. } => {
                Self::UnsupportedSignatureAlgorithm
            }
            CertificateError::Revoked => Self::Revoked,
            CertificateError::UnknownRevocationStatus => {
                Self::Crl("no given CRL covers a certificate of the chain".into())
            }
            CertificateError::ExpiredRevocationList => {
                Self::Crl("a given CRL is past its nextUpdate".into())
            }
            CertificateError::ExpiredRevocationListContext { time, next_update } => {
                Self::CrlExpiredAt {
                    at: seconds(*time),
                    next_update: seconds(*next_update),
                }
            }
            CertificateError::UnhandledCriticalExtension => Self::UnhandledCriticalExtension,
            CertificateError::BadEncoding => {
                Self::BadDer("a certificate of the chain is not valid DER".into())
            }
            CertificateError::InvalidOcspResponse => {
                Self::Said("the OCSP response is invalid".into())
            }
            CertificateError::ApplicationVerificationFailure => {
                Self::Said("the application's own check refused the certificate".into())
            }
            CertificateError::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
                Some(w) => Self::of_webpki(w),
                None => Self::OtherOfLeaf(other.0.to_string()),
            },
            _ => Self::Unknown("rustls".into()),
        }
    }

    fn of_webpki(e: &webpki::Error) -> Self {
        use webpki::Error as W;
        let encoding = |what: &str| Self::BadEncoding(what.to_owned());
        let crl = |what: &str| Self::Crl(what.to_owned());
        match e {
            W::UnsupportedCertVersion => Self::V1Certificate,
            W::CaUsedAsEndEntity => Self::CaUsedAsLeaf,
            W::EndEntityUsedAsCa => Self::LeafUsedAsCa,
            W::PathLenConstraintViolated => Self::PathLenExceeded,
            W::NameConstraintViolation => Self::NameConstraintViolated,
            W::CertDistrusted => Self::Distrusted,
            W::EmptyEkuExtension => Self::EmptyEku,
            W::InvalidSerialNumber => {
                encoding("a serial number is negative, zero-length or longer than 20 octets")
            }
            W::MalformedDnsIdentifier => encoding("a DNS name in subjectAltName is malformed"),
            W::MalformedExtensions => encoding("an extension is malformed or appears twice"),
            W::MalformedNameConstraint => encoding("a nameConstraints extension is malformed"),
            W::ExtensionValueInvalid => encoding("an extension's value is invalid"),
            W::InvalidNetworkMaskConstraint => {
                encoding("an IP address constraint has an invalid mask")
            }
            W::SignatureAlgorithmMismatch => encoding(
                "signatureAlgorithm differs from tbsCertificate.signature (RFC 5280, 4.1.1.2)",
            ),
            W::UnsupportedNameType => {
                encoding("a name of a type webpki cannot check against name constraints")
            }
            W::BadDer | W::TrailingData(_) => {
                Self::BadDer("a certificate of the chain is not valid DER".into())
            }
            W::BadDerTime => Self::BadDer("a time in a certificate is not valid DER".into()),
            W::MaximumNameConstraintComparisonsExceeded => {
                Self::Budget(Budget::NameConstraintComparisons)
            }
            W::MaximumPathBuildCallsExceeded => Self::Budget(Budget::PathBuildCalls),
            W::MaximumPathDepthExceeded => Self::Budget(Budget::PathDepth),
            W::MaximumSignatureChecksExceeded => Self::Budget(Budget::SignatureChecks),
            W::InvalidCrlNumber => crl("a CRL number is invalid"),
            W::IssuerNotCrlSigner => crl("a CRL's issuer lacks keyUsage cRLSign"),
            W::InvalidCrlSignatureForPublicKey => {
                crl("a CRL's signature does not verify with its issuer's key")
            }
            W::UnsupportedCrlIssuingDistributionPoint => {
                crl("a CRL's issuingDistributionPoint is not supported")
            }
            W::UnsupportedCrlVersion => crl("a CRL is not v2"),
            W::UnsupportedDeltaCrl => crl("delta CRLs are not supported"),
            W::UnsupportedIndirectCrl => crl("indirect CRLs are not supported"),
            W::UnsupportedRevocationReason => crl("a CRL entry has an unsupported reason code"),
            W::UnsupportedRevocationReasonsPartitioning => {
                crl("a CRL partitioned by reasons is not supported")
            }
            #[allow(deprecated)]
            W::UnsupportedCrlSignatureAlgorithm
            | W::UnsupportedCrlSignatureAlgorithmForPublicKey
            | W::UnsupportedCrlSignatureAlgorithmContext(_)
            | W::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => {
                crl("a CRL is signed with an unsupported algorithm")
            }
            W::UnknownRevocationStatus => crl("no given CRL covers a certificate of the chain"),
            W::CrlExpired { time, next_update } => Self::CrlPast {
                at: seconds(*time),
                next_update: seconds(*next_update),
            },
            W::CertRevoked => Self::Revoked,
            W::UnknownIssuer => Self::UnknownIssuer,
            W::CertExpired { time, not_after } => Self::ExpiredAt {
                at: seconds(*time),
                not_after: seconds(*not_after),
            },
            W::CertNotValidYet { time, not_before } => Self::NotYetValidAt {
                at: seconds(*time),
                not_before: seconds(*not_before),
            },
            W::InvalidCertValidity => Self::InvalidValidity,
            W::CertNotValidForName(_) => Self::NameMismatch,
            W::InvalidSignatureForPublicKey => Self::BadSignature,
            #[allow(deprecated)]
            W::UnsupportedSignatureAlgorithm
            | W::UnsupportedSignatureAlgorithmForPublicKey
            | W::UnsupportedSignatureAlgorithmContext(_)
            | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
                Self::UnsupportedSignatureForKey
            }
            #[allow(deprecated)]
            W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) => Self::WrongPurpose(None),
            W::UnsupportedCriticalExtension => Self::UnhandledCriticalExtension,
            _ => Self::Unknown("webpki".into()),
        }
    }
}

/// An alert by its code, for formats that are not self-describing.
mod alert_code {
    use rustls::AlertDescription;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        alert: &AlertDescription,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_u8(u8::from(*alert))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<AlertDescription, D::Error> {
        u8::deserialize(d).map(AlertDescription::from)
    }
}
