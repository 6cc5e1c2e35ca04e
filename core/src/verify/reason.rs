//! Why a chain or a TLS handshake was refused: one typed [`Reason`] for
//! `certplay verify`, the page's chain check, the server's handshakes and
//! its `--client-auth optional` verdicts, with its words rendered in one
//! place ([`Reason`]'s Display) and its JSON by serde.
//!
//! Facts only: the names, times, serials, key identifiers and purposes
//! involved, never a front end's hint (which flag to pass, which button to
//! press): the server and the page each add their own.

use std::fmt;

use rustls::AlertDescription;
use serde::{Deserialize, Serialize};

use super::alert::alert_name;
use super::ReasonKind;
use crate::read::model::{GeneralName, Hex, Name, Oid, Time};

/// Why a chain or a handshake was refused, the most specific reason first.
/// Its JSON is keyed by [`ReasonKind`]'s name (`{"expired": {...}}`, or
/// just `"no-client-certificate"`): externally tagged, because internally
/// tagged ones made a wasm that decodes them 16,600 bytes larger (gzip;
/// serde buffers every field through its `Content` type then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// The client sent no certificate, and one is required.
    NoClientCertificate,
    /// The client refused the server's certificate, and said so with a
    /// certificate alert (`unknown_ca`, `bad_certificate`, ...).
    ServerCertificateRefused {
        /// The alert.
        #[serde(with = "super::alert::serde_alert")]
        alert: AlertDescription,
    },
    /// The client ended the handshake with another alert.
    Alert {
        /// The alert.
        #[serde(with = "super::alert::serde_alert")]
        alert: AlertDescription,
    },
    /// The client did not speak TLS at all.
    NotTls,
    /// The client closed the connection in the middle of the handshake.
    ClosedDuringHandshake,
    /// The two sides have no TLS version, cipher suite, ... in common.
    #[serde(rename = "protocol")]
    Incompatible {
        /// What they have none of in common.
        missing: Incompatibility,
    },
    /// No path to a trust anchor: `subject`'s issuer is not among the
    /// anchors or the intermediates.
    UnknownIssuer {
        /// The certificate whose issuer is missing.
        subject: Option<Name>,
        /// The issuer it names.
        issuer: Option<Name>,
        /// The anchors' subjects.
        anchors: Vec<Name>,
        /// True when that issuer is not the certificate itself, so an
        /// intermediate may be what is missing.
        missing_intermediate: bool,
    },
    /// The issuer named in `subject` is a trusted CA's name, but another key
    /// signed it: a different CA with the same name.
    SameNameOtherCa {
        /// The certificate.
        subject: Name,
        /// The name both CAs share.
        issuer: Name,
        /// The certificate's authorityKeyIdentifier.
        authority_key_id: Option<Hex>,
        /// The trusted CA(s)' subjectKeyIdentifier.
        anchor_key_ids: Vec<Hex>,
    },
    /// notAfter has passed.
    Expired {
        /// Which certificate.
        subject: Option<Name>,
        /// Its notAfter.
        not_after: Time,
        /// The time of the check.
        at: Time,
    },
    /// notBefore has not come.
    NotYetValid {
        /// Which certificate.
        subject: Option<Name>,
        /// Its notBefore.
        not_before: Time,
        /// The time of the check.
        at: Time,
    },
    /// notBefore is after notAfter.
    InvalidValidity {
        /// Which certificate.
        subject: Option<Name>,
    },
    /// extKeyUsage lacks the needed purpose.
    WrongPurpose {
        /// Which certificate.
        subject: Option<Name>,
        /// The purpose needed (id-kp-clientAuth, id-kp-serverAuth).
        required: Oid,
        /// The purposes it has.
        present: Vec<Oid>,
    },
    /// The host name is not among the subjectAltNames (CN is never used).
    NameMismatch {
        /// The certificate.
        subject: Option<Name>,
        /// The name asked for.
        host: String,
        /// What the certificate is valid for.
        presented: Vec<GeneralName>,
    },
    /// The host name itself is not a DNS name or IP address.
    BadHostName {
        /// What was given.
        host: String,
    },
    /// X.509 v1 (webpki refuses v1 certificates except as anchors).
    #[serde(rename = "x509-v1")]
    V1Certificate {
        /// Which certificate.
        subject: Option<Name>,
    },
    /// A CA certificate used as the leaf.
    CaUsedAsLeaf {
        /// Which certificate.
        subject: Option<Name>,
    },
    /// A non-CA certificate used as an issuer.
    LeafUsedAsCa,
    /// A pathLenConstraint was exceeded.
    #[serde(rename = "path-length-exceeded")]
    PathLenExceeded,
    /// A nameConstraints extension forbids a name in the chain.
    NameConstraintViolated,
    /// A signature does not verify with its issuer's key.
    BadSignature {
        /// The certificate.
        subject: Option<Name>,
        /// Its issuer's name.
        issuer: Option<Name>,
    },
    /// A certificate signed with an RSA key under 2048 bits: webpki
    /// verifies no such signature (its error is the bad signature's).
    IssuerKeyTooSmall {
        /// The certificate whose signature webpki does not verify.
        subject: Option<Name>,
        /// The certificate holding the small key (its issuer).
        issuer: Option<Name>,
        /// The issuer's RSA modulus size.
        bits: u32,
    },
    /// A signature algorithm the verifier does not support.
    UnsupportedSignatureAlgorithm {
        /// Which certificate.
        subject: Option<Name>,
        /// The algorithm, when the certificate could be read.
        algorithm: Option<Oid>,
    },
    /// Revoked by a given CRL.
    Revoked {
        /// Which certificate.
        subject: Option<Name>,
        /// Its serial.
        serial: Option<Hex>,
        /// The CRL entry's reasonCode by its RFC 5280 name (`keyCompromise`),
        /// when it has one.
        reason: Option<String>,
        /// The CRL entry's revocationDate, when the CRL is known.
        revoked_at: Option<Time>,
        /// The issuer of the CRL that lists it, when the CRL is known.
        crl_issuer: Option<Name>,
    },
    /// A CRL that covers the chain is past its nextUpdate, and the verifier
    /// enforces it.
    CrlExpired {
        /// The CRL's issuer, when the CRL is known.
        issuer: Option<Name>,
        /// Its nextUpdate.
        next_update: Time,
        /// The time of the check.
        at: Time,
    },
    /// A CRL problem.
    Crl {
        /// What, in words.
        detail: String,
    },
    /// An extension marked critical that webpki does not process.
    UnhandledCriticalExtension {
        /// The leaf (webpki does not say which one).
        subject: Option<Name>,
    },
    /// Bad DER somewhere in the chain.
    BadEncoding {
        /// What, in words.
        detail: String,
    },
    /// A work budget ran out (path building, signatures, name checks).
    BudgetExceeded {
        /// Which one.
        budget: Budget,
    },
    /// An anchor could not be used as one.
    BadAnchor {
        /// The anchor.
        subject: Option<Name>,
        /// Why, in words.
        detail: String,
    },
    /// No trust anchors were given.
    NoAnchors,
    /// Anything else, in words.
    Other {
        /// What.
        detail: String,
    },
}

/// What the two sides of a handshake have none of in common.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Incompatibility {
    /// A TLS version (a TLS 1.2-only client and a TLS 1.3-only server).
    Version,
    /// A cipher suite.
    CipherSuite,
    /// A signature scheme.
    SignatureScheme,
    /// A key exchange group.
    KeyExchange,
    /// An ALPN protocol.
    ApplicationProtocol,
    /// Another extension or feature one side requires.
    Extension,
}

/// A work budget of the verifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Budget {
    /// Comparisons of names against nameConstraints.
    NameConstraintComparisons,
    /// Attempts to build a path.
    PathBuildCalls,
    /// The length of a path.
    PathDepth,
    /// Signature checks.
    SignatureChecks,
}

impl Reason {
    /// Its kind.
    pub fn kind(&self) -> ReasonKind {
        match self {
            Self::NoClientCertificate => ReasonKind::NoClientCertificate,
            Self::ServerCertificateRefused { .. } => ReasonKind::ServerCertificateRefused,
            Self::Alert { .. } => ReasonKind::Alert,
            Self::NotTls => ReasonKind::NotTls,
            Self::ClosedDuringHandshake => ReasonKind::ClosedDuringHandshake,
            Self::Incompatible { .. } => ReasonKind::Incompatible,
            Self::UnknownIssuer { .. } => ReasonKind::UnknownIssuer,
            Self::SameNameOtherCa { .. } => ReasonKind::SameNameOtherCa,
            Self::Expired { .. } => ReasonKind::Expired,
            Self::NotYetValid { .. } => ReasonKind::NotYetValid,
            Self::InvalidValidity { .. } => ReasonKind::InvalidValidity,
            Self::WrongPurpose { .. } => ReasonKind::WrongPurpose,
            Self::NameMismatch { .. } => ReasonKind::NameMismatch,
            Self::BadHostName { .. } => ReasonKind::BadHostName,
            Self::V1Certificate { .. } => ReasonKind::V1Certificate,
            Self::CaUsedAsLeaf { .. } => ReasonKind::CaUsedAsLeaf,
            Self::LeafUsedAsCa => ReasonKind::LeafUsedAsCa,
            Self::PathLenExceeded => ReasonKind::PathLenExceeded,
            Self::NameConstraintViolated => ReasonKind::NameConstraintViolated,
            Self::BadSignature { .. } => ReasonKind::BadSignature,
            Self::IssuerKeyTooSmall { .. } => ReasonKind::IssuerKeyTooSmall,
            Self::UnsupportedSignatureAlgorithm { .. } => ReasonKind::UnsupportedSignatureAlgorithm,
            Self::Revoked { .. } => ReasonKind::Revoked,
            Self::CrlExpired { .. } => ReasonKind::CrlExpired,
            Self::Crl { .. } => ReasonKind::Crl,
            Self::UnhandledCriticalExtension { .. } => ReasonKind::UnhandledCriticalExtension,
            Self::BadEncoding { .. } => ReasonKind::BadEncoding,
            Self::BudgetExceeded { .. } => ReasonKind::BudgetExceeded,
            Self::BadAnchor { .. } => ReasonKind::BadAnchor,
            Self::NoAnchors => ReasonKind::NoAnchors,
            Self::Other { .. } => ReasonKind::Other,
        }
    }
}

/// A certificate's subject in words: its RFC 4514 form (escaped for a
/// terminal), or that it could not be read.
struct Subject<'a>(&'a Option<Name>);

impl fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(name) => write!(f, "{name}"),
            None => f.write_str("(unreadable certificate)"),
        }
    }
}

/// A list in words, `none` when empty.
fn list<T: fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An extendedKeyUsage purpose by the name RFC 5280 gives it
/// (`clientAuth`), or its OID.
pub fn purpose_name(purpose: &Oid) -> String {
    use const_oid::db::rfc5280;
    let known = [
        (rfc5280::ID_KP_SERVER_AUTH, "serverAuth"),
        (rfc5280::ID_KP_CLIENT_AUTH, "clientAuth"),
        (rfc5280::ID_KP_CODE_SIGNING, "codeSigning"),
        (rfc5280::ID_KP_EMAIL_PROTECTION, "emailProtection"),
        (rfc5280::ID_KP_TIME_STAMPING, "timeStamping"),
        (rfc5280::ID_KP_OCSP_SIGNING, "OCSPSigning"),
    ];
    known
        .iter()
        .find(|(oid, _)| *oid == purpose.oid)
        .map_or_else(|| purpose.to_string(), |(_, name)| (*name).to_owned())
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoClientCertificate => f.write_str(
                "no client certificate: the client sent none and this server requires one",
            ),
            Self::ServerCertificateRefused { alert } => {
                write!(
                    f,
                    "the client refused this server's certificate (TLS alert {})",
                    alert_name(*alert)
                )?;
                match alert {
                    AlertDescription::UnknownCA => {
                        f.write_str(": it does not trust the CA that issued it")
                    }
                    AlertDescription::CertificateExpired => {
                        f.write_str(": it finds the certificate expired")
                    }
                    AlertDescription::CertificateRevoked => {
                        f.write_str(": it finds the certificate revoked")
                    }
                    AlertDescription::BadCertificate | AlertDescription::CertificateUnknown => f
                        .write_str(
                            ": it does not trust it, or the host name it connected to is not \
                             in its subjectAltName",
                        ),
                    AlertDescription::UnsupportedCertificate => {
                        f.write_str(": its key type or purpose does not suit the client")
                    }
                    _ => Ok(()),
                }
            }
            Self::Alert { alert } => write!(
                f,
                "the client ended the handshake with TLS alert {}",
                alert_name(*alert)
            ),
            Self::NotTls => f.write_str(
                "not TLS: the client sent something else (plain http:// to this https port?)",
            ),
            Self::ClosedDuringHandshake => f.write_str(
                "the client closed the connection during the handshake (often: it did not \
                 accept the server's certificate, e.g. the URL's host name is not in its \
                 subjectAltName)",
            ),
            Self::Incompatible { missing } => write!(
                f,
                "no common protocol: the client and this server have no {} in common",
                match missing {
                    Incompatibility::Version => "TLS version",
                    Incompatibility::CipherSuite => "cipher suite",
                    Incompatibility::SignatureScheme => "signature scheme",
                    Incompatibility::KeyExchange => "key exchange group",
                    Incompatibility::ApplicationProtocol => "application protocol (ALPN)",
                    Incompatibility::Extension => "required TLS extension",
                }
            ),
            Self::UnknownIssuer {
                subject,
                issuer,
                anchors,
                missing_intermediate,
            } => {
                let issuer = Subject(issuer);
                write!(
                    f,
                    "unknown issuer: {} was issued by {issuer}, which is not a trusted CA \
                     (trusted: {})",
                    Subject(subject),
                    list(anchors)
                )?;
                if *missing_intermediate {
                    write!(
                        f,
                        "; missing intermediate? {issuer} is not among the certificates given"
                    )?;
                }
                Ok(())
            }
            Self::SameNameOtherCa {
                subject,
                issuer,
                authority_key_id,
                anchor_key_ids,
            } => write!(
                f,
                "issued by a different CA with the same name: {subject} names {issuer} as issuer \
                 (authority key id {}), but the trusted {issuer} has key id {}; its signature \
                 does not verify with the trusted CA's key",
                authority_key_id
                    .as_ref()
                    .map_or_else(|| "absent".to_owned(), ToString::to_string),
                list(anchor_key_ids)
            ),
            Self::Expired {
                subject,
                not_after,
                at,
            } => write!(
                f,
                "expired: {} expired at {not_after} (checked at {at})",
                Subject(subject)
            ),
            Self::NotYetValid {
                subject,
                not_before,
                at,
            } => write!(
                f,
                "not yet valid: {} is not valid before {not_before} (checked at {at}; check \
                 the clocks)",
                Subject(subject)
            ),
            Self::InvalidValidity { subject } => write!(
                f,
                "invalid validity: {}'s notBefore is after its notAfter",
                Subject(subject)
            ),
            Self::WrongPurpose {
                subject,
                required,
                present,
            } => write!(
                f,
                "wrong purpose: {} is not for {} (extendedKeyUsage: {})",
                Subject(subject),
                purpose_name(required),
                list(&present.iter().map(purpose_name).collect::<Vec<_>>())
            ),
            Self::NameMismatch {
                subject,
                host,
                presented,
            } => write!(
                f,
                "name mismatch: {} is not valid for {}; its subjectAltName has {} (the \
                 subject's CN is never used)",
                Subject(subject),
                crate::escape::escape(host),
                list(presented)
            ),
            Self::BadHostName { host } => write!(
                f,
                "\"{}\" is neither a DNS name nor an IP address",
                crate::escape::escape(host)
            ),
            Self::V1Certificate { subject } => write!(
                f,
                "X.509 v1 certificate: {} is v1 (no extensions), which rustls/webpki refuse",
                Subject(subject)
            ),
            Self::CaUsedAsLeaf { subject } => write!(
                f,
                "CA certificate used as a leaf: {} has basicConstraints CA:TRUE",
                Subject(subject)
            ),
            Self::LeafUsedAsCa => f.write_str(
                "a certificate that is not a CA (no basicConstraints CA:TRUE) issued another one",
            ),
            Self::PathLenExceeded => f.write_str(
                "path length exceeded: a CA's basicConstraints pathLenConstraint allows fewer \
                 CAs below it than this chain has",
            ),
            Self::NameConstraintViolated => f.write_str(
                "name constraint violated: a CA's nameConstraints do not permit a name in this chain",
            ),
            Self::BadSignature { subject, issuer } => match issuer {
                Some(issuer) => write!(
                    f,
                    "bad signature: {}'s signature does not verify with the key of {issuer}",
                    Subject(subject)
                ),
                None => write!(
                    f,
                    "bad signature: {}'s signature does not verify with its issuer's key",
                    Subject(subject)
                ),
            },
            Self::IssuerKeyTooSmall {
                subject,
                issuer,
                bits,
            } => write!(
                f,
                "issuer key too small: {} is signed with the RSA-{bits} key of {}, and \
                 rustls/webpki verify no signature made with an RSA key under 2048 bits \
                 (issue that CA again with RSA-2048 or larger, or ECDSA)",
                Subject(subject),
                Subject(issuer)
            ),
            Self::UnsupportedSignatureAlgorithm { subject, algorithm } => write!(
                f,
                "unsupported signature algorithm: {} is signed with {}, which the verifier \
                 does not accept (or does not accept with its issuer's key type)",
                Subject(subject),
                algorithm
                    .as_ref()
                    .map_or_else(|| "an unknown algorithm".to_owned(), ToString::to_string)
            ),
            Self::Revoked {
                subject,
                serial,
                reason,
                revoked_at,
                crl_issuer,
            } => {
                write!(f, "revoked: {}", Subject(subject))?;
                if let Some(serial) = serial {
                    write!(f, " (serial {serial})")?;
                }
                match revoked_at {
                    Some(at) => write!(f, " was revoked at {at}")?,
                    None => f.write_str(" is listed as revoked")?,
                }
                match reason {
                    Some(reason) => write!(f, ", reason {}", crate::escape::escape(reason))?,
                    None => f.write_str(", no reason given (unspecified)")?,
                }
                match crl_issuer {
                    Some(issuer) => write!(f, ", in the CRL of {issuer}"),
                    None => f.write_str(", in a given CRL"),
                }
            }
            Self::CrlExpired {
                issuer,
                next_update,
                at,
            } => {
                f.write_str("CRL expired: the CRL of ")?;
                match issuer {
                    Some(issuer) => write!(f, "{issuer}")?,
                    None => f.write_str("the chain's CA")?,
                }
                write!(
                    f,
                    " was due to be replaced at {next_update} (its nextUpdate; now {at}), and \
                     the certificates it covers are refused until a current CRL is loaded"
                )
            }
            Self::Crl { detail } => write!(f, "CRL problem: {}", crate::escape::escape(detail)),
            Self::UnhandledCriticalExtension { subject } => write!(
                f,
                "unhandled critical extension: a certificate in the chain of {} has an \
                 extension marked critical that webpki does not process",
                Subject(subject)
            ),
            Self::BadEncoding { detail } => {
                write!(f, "bad encoding: {}", crate::escape::escape(detail))
            }
            Self::BudgetExceeded { budget } => write!(
                f,
                "gave up: the chain needs too much work ({}); this limit guards against \
                 hostile input",
                match budget {
                    Budget::NameConstraintComparisons => "name constraint comparisons",
                    Budget::PathBuildCalls => "path building attempts",
                    Budget::PathDepth => "path depth",
                    Budget::SignatureChecks => "signature checks",
                }
            ),
            Self::BadAnchor { subject, detail } => write!(
                f,
                "the trust anchor {} cannot be used: {}",
                Subject(subject),
                crate::escape::escape(detail)
            ),
            Self::NoAnchors => f.write_str("no trust anchors were given"),
            Self::Other { detail } => f.write_str(&crate::escape::escape(detail)),
        }
    }
}
