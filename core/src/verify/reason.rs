//! Why a chain is refused, in words, from every rustls and webpki error:
//! the most specific reason, naming the certificates involved.

use std::fmt;

use rustls::{CertRevocationListError, CertificateError, Error as TlsError, ExtendedKeyPurpose};

use super::{Check, Purpose};
use crate::format_time;
use crate::read::model::Hex;
use crate::read::Certificate;

/// The reason a chain is refused. Facts only; no front end's hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// No path to a trust anchor: `subject`'s issuer is not among the
    /// anchors or the intermediates.
    UnknownIssuer {
        /// The certificate whose issuer is missing.
        subject: String,
        /// The issuer it names.
        issuer: String,
        /// The anchors' subjects.
        anchors: Vec<String>,
        /// True when that issuer is a CA other than a trust anchor, so an
        /// intermediate is probably missing.
        missing_intermediate: bool,
    },
    /// The issuer named in `subject` is a trusted CA's name, but another key
    /// signed it: a different CA with the same name.
    SameNameOtherCa {
        /// The certificate.
        subject: String,
        /// The name both CAs share.
        issuer: String,
        /// The certificate's authorityKeyIdentifier.
        authority_key_id: Option<Hex>,
        /// The trusted CA(s)' subjectKeyIdentifier.
        anchor_key_ids: Vec<Hex>,
    },
    /// notAfter has passed.
    Expired {
        /// Which certificate.
        subject: String,
        /// notAfter, Unix seconds.
        not_after: i64,
        /// Time of the check.
        at: i64,
    },
    /// notBefore has not come.
    NotYetValid {
        /// Which certificate.
        subject: String,
        /// notBefore.
        not_before: i64,
        /// Time of the check.
        at: i64,
    },
    /// notBefore is after notAfter.
    InvalidValidity {
        /// Which certificate.
        subject: String,
    },
    /// extKeyUsage lacks the needed purpose.
    WrongPurpose {
        /// Which certificate.
        subject: String,
        /// What is needed (`serverAuth`).
        required: String,
        /// What is there.
        present: Vec<String>,
    },
    /// The host name is not among the subjectAltNames (CN is never used).
    NameMismatch {
        /// The certificate.
        subject: String,
        /// The name asked for.
        host: String,
        /// What the certificate is valid for.
        presented: Vec<String>,
    },
    /// The host name itself is not a DNS name or IP address.
    BadHostName {
        /// What was given.
        host: String,
    },
    /// X.509 v1 (webpki refuses v1 certificates except as anchors).
    V1Certificate {
        /// Which certificate.
        subject: String,
    },
    /// A CA certificate used as the leaf.
    CaUsedAsLeaf {
        /// Which certificate.
        subject: String,
    },
    /// A non-CA certificate used as an issuer.
    LeafUsedAsCa,
    /// A pathLenConstraint was exceeded.
    PathLenExceeded,
    /// A nameConstraints extension forbids a name in the chain.
    NameConstraintViolated,
    /// A signature does not verify with its issuer's key.
    BadSignature {
        /// The certificate.
        subject: String,
        /// Its issuer's name.
        issuer: String,
    },
    /// A signature algorithm the verifier does not support.
    UnsupportedSignatureAlgorithm {
        /// Which certificate.
        subject: String,
        /// The algorithm.
        algorithm: String,
    },
    /// Revoked by a given CRL.
    Revoked {
        /// Which certificate.
        subject: String,
        /// Its serial.
        serial: String,
        /// The CRL entry's reasonCode (`keyCompromise`), when it has one.
        reason: Option<&'static str>,
        /// The CRL entry's revocationDate, Unix seconds, when the CRL is known.
        revoked_at: Option<i64>,
        /// The issuer of the CRL that lists it, when the CRL is known.
        crl_issuer: Option<String>,
    },
    /// A CRL that covers the chain is past its nextUpdate, and the verifier
    /// enforces it.
    CrlExpired {
        /// The CRL's issuer, when the CRL is known.
        issuer: Option<String>,
        /// Its nextUpdate, Unix seconds.
        next_update: i64,
        /// The time of the check, Unix seconds.
        now: i64,
    },
    /// A CRL problem.
    Crl {
        /// What.
        detail: String,
    },
    /// An extension marked critical that webpki does not process.
    UnhandledCriticalExtension {
        /// The leaf (webpki does not say which one).
        subject: String,
    },
    /// Bad DER somewhere in the chain.
    BadEncoding {
        /// What.
        detail: String,
    },
    /// A work budget ran out (path building, signatures, name checks).
    BudgetExceeded {
        /// Which one.
        what: &'static str,
    },
    /// An anchor could not be used as one.
    BadAnchor {
        /// The anchor.
        subject: String,
        /// Why.
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

impl Reason {
    /// A short stable name (`unknown-issuer`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::UnknownIssuer { .. } => "unknown-issuer",
            Self::SameNameOtherCa { .. } => "same-name-other-ca",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not-yet-valid",
            Self::InvalidValidity { .. } => "invalid-validity",
            Self::WrongPurpose { .. } => "wrong-purpose",
            Self::NameMismatch { .. } => "name-mismatch",
            Self::BadHostName { .. } => "bad-host-name",
            Self::V1Certificate { .. } => "x509-v1",
            Self::CaUsedAsLeaf { .. } => "ca-used-as-leaf",
            Self::LeafUsedAsCa => "leaf-used-as-ca",
            Self::PathLenExceeded => "path-length-exceeded",
            Self::NameConstraintViolated => "name-constraint-violated",
            Self::BadSignature { .. } => "bad-signature",
            Self::UnsupportedSignatureAlgorithm { .. } => "unsupported-signature-algorithm",
            Self::Revoked { .. } => "revoked",
            Self::CrlExpired { .. } => "crl-expired",
            Self::Crl { .. } => "crl",
            Self::UnhandledCriticalExtension { .. } => "unhandled-critical-extension",
            Self::BadEncoding { .. } => "bad-encoding",
            Self::BudgetExceeded { .. } => "budget-exceeded",
            Self::BadAnchor { .. } => "bad-anchor",
            Self::NoAnchors => "no-anchors",
            Self::Other { .. } => "other",
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownIssuer {
                subject,
                issuer,
                anchors,
                missing_intermediate,
            } => {
                write!(
                    f,
                    "unknown issuer: {subject} was issued by {issuer}, which is not a trusted CA \
                     (trusted: {})",
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
                list(&anchor_key_ids.iter().map(ToString::to_string).collect::<Vec<_>>())
            ),
            Self::Expired {
                subject,
                not_after,
                at,
            } => write!(
                f,
                "expired: {subject} expired at {} (checked at {})",
                format_time(*not_after),
                format_time(*at)
            ),
            Self::NotYetValid {
                subject,
                not_before,
                at,
            } => write!(
                f,
                "not yet valid: {subject} is not valid before {} (checked at {})",
                format_time(*not_before),
                format_time(*at)
            ),
            Self::InvalidValidity { subject } => write!(
                f,
                "invalid validity: {subject}'s notBefore is after its notAfter"
            ),
            Self::WrongPurpose {
                subject,
                required,
                present,
            } => write!(
                f,
                "wrong purpose: {subject} is not for {required} (extendedKeyUsage: {})",
                list(present)
            ),
            Self::NameMismatch {
                subject,
                host,
                presented,
            } => write!(
                f,
                "name mismatch: {subject} is not valid for {host}; its subjectAltName has {} \
                 (the subject's CN is never used)",
                list(presented)
            ),
            Self::BadHostName { host } => {
                write!(f, "{host:?} is neither a DNS name nor an IP address")
            }
            Self::V1Certificate { subject } => write!(
                f,
                "X.509 v1 certificate: {subject} is v1 (no extensions), which rustls/webpki refuse"
            ),
            Self::CaUsedAsLeaf { subject } => write!(
                f,
                "CA certificate used as a leaf: {subject} has basicConstraints CA:TRUE"
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
            Self::BadSignature { subject, issuer } => write!(
                f,
                "bad signature: {subject}'s signature does not verify with the key of {issuer}"
            ),
            Self::UnsupportedSignatureAlgorithm { subject, algorithm } => write!(
                f,
                "unsupported signature algorithm: {subject} is signed with {algorithm}, which \
                 the verifier does not accept (or does not accept with its issuer's key type)"
            ),
            Self::Revoked {
                subject,
                serial,
                reason,
                revoked_at,
                crl_issuer,
            } => {
                write!(f, "revoked: {subject} (serial {serial}) ")?;
                match revoked_at {
                    Some(at) => write!(f, "was revoked at {}", format_time(*at))?,
                    None => f.write_str("is listed as revoked")?,
                }
                match reason {
                    Some(reason) => write!(f, ", reason {reason}")?,
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
                now,
            } => write!(
                f,
                "CRL expired: the CRL of {} was due to be replaced at {} (its nextUpdate; now {}), \
                 and the certificates it covers are refused until a current CRL is loaded",
                issuer.as_deref().unwrap_or("the chain's CA"),
                format_time(*next_update),
                format_time(*now)
            ),
            Self::Crl { detail } => write!(f, "CRL problem: {detail}"),
            Self::UnhandledCriticalExtension { subject } => write!(
                f,
                "unhandled critical extension: a certificate in the chain of {subject} has an \
                 extension marked critical that webpki does not process"
            ),
            Self::BadEncoding { detail } => write!(f, "bad encoding: {detail}"),
            Self::BudgetExceeded { what } => write!(
                f,
                "gave up: the chain needs too much work ({what}); this limit guards against \
                 hostile input"
            ),
            Self::BadAnchor { subject, detail } => {
                write!(f, "the trust anchor {subject} cannot be used: {detail}")
            }
            Self::NoAnchors => f.write_str("no trust anchors were given"),
            Self::Other { detail } => f.write_str(detail),
        }
    }
}

/// Explains a rustls verification error. `leaf` is the end-entity
/// certificate, when it could be read; `check` gives the rest of the chain.
pub fn explain(error: &TlsError, leaf: Option<&Certificate>, check: &Check<'_>) -> Reason {
    let subject = || leaf.map_or_else(|| "(unreadable certificate)".to_owned(), Certificate::label);
    match error {
        TlsError::InvalidCertificate(e) => certificate_error(e, leaf, check),
        TlsError::InvalidCertRevocationList(e) => Reason::Crl {
            detail: crl_words(e),
        },
        other => Reason::Other {
            detail: format!("{}: {}", subject(), words(other, None)),
        },
    }
}

/// The chain walked upwards from `leaf` by issuer name through the
/// intermediates, and where it stops: the last certificate found, and the
/// anchors named as its issuer.
fn walk<'a>(
    leaf: &'a Certificate,
    check: &'a Check<'_>,
) -> (&'a Certificate, Vec<&'a Certificate>) {
    let mut current = leaf;
    for _ in 0..=check.intermediates.len() {
        let anchors: Vec<&Certificate> = check
            .anchors
            .iter()
            .filter(|a| a.subject.der == current.issuer.der)
            .collect();
        if !anchors.is_empty() || current.self_issued() {
            return (current, anchors);
        }
        match check
            .intermediates
            .iter()
            .find(|i| i.subject.der == current.issuer.der && !std::ptr::eq(*i, current))
        {
            Some(next) => current = next,
            None => return (current, Vec::new()),
        }
    }
    (current, Vec::new())
}

fn anchor_names(check: &Check<'_>) -> Vec<String> {
    check
        .anchors
        .iter()
        .map(|a| a.subject.to_string())
        .collect()
}

/// The certificate of the chain whose validity matches `pick`.
fn find_in_chain<'a>(
    leaf: Option<&'a Certificate>,
    check: &'a Check<'_>,
    pick: impl Fn(&Certificate) -> bool,
) -> Option<&'a Certificate> {
    leaf.into_iter()
        .chain(check.intermediates.iter())
        .chain(check.anchors.iter())
        .find(|c| pick(c))
}

fn seconds(t: rustls_pki_types::UnixTime) -> i64 {
    i64::try_from(t.as_secs()).unwrap_or(i64::MAX)
}

/// When a signature fails, say which certificate and whether a same-named
/// but different CA is the cause.
fn signature_reason(
    leaf: Option<&Certificate>,
    check: &Check<'_>,
    unsupported: Option<String>,
) -> Reason {
    let Some(leaf) = leaf else {
        return Reason::BadSignature {
            subject: "(unreadable certificate)".into(),
            issuer: "its issuer".into(),
        };
    };
    let (cert, anchors) = walk(leaf, check);
    let anchor_key_ids: Vec<Hex> = anchors
        .iter()
        .filter_map(|a| a.subject_key_id().cloned())
        .collect();
    let aki = cert.authority_key_id();
    let differs = !anchors.is_empty()
        && (aki.is_none()
            || anchor_key_ids.is_empty()
            || aki.is_some_and(|k| !anchor_key_ids.contains(k)));
    if differs || (unsupported.is_some() && !anchors.is_empty()) {
        return Reason::SameNameOtherCa {
            subject: cert.label(),
            issuer: cert.issuer.to_string(),
            authority_key_id: aki.cloned(),
            anchor_key_ids,
        };
    }
    match unsupported {
        Some(algorithm) => Reason::UnsupportedSignatureAlgorithm {
            subject: cert.label(),
            algorithm,
        },
        None => Reason::BadSignature {
            subject: cert.label(),
            issuer: cert.issuer.to_string(),
        },
    }
}

fn certificate_error(
    e: &CertificateError,
    leaf: Option<&Certificate>,
    check: &Check<'_>,
) -> Reason {
    let subject = || leaf.map_or_else(|| "(unreadable certificate)".to_owned(), Certificate::label);
    match e {
        CertificateError::UnknownIssuer => match leaf {
            Some(leaf) => {
                let (cert, anchors) = walk(leaf, check);
                if !anchors.is_empty() {
                    // The name matches a trusted CA: the key does not.
                    return signature_reason(Some(leaf), check, None);
                }
                Reason::UnknownIssuer {
                    subject: cert.label(),
                    issuer: cert.issuer.to_string(),
                    anchors: anchor_names(check),
                    missing_intermediate: !cert.self_issued(),
                }
            }
            None => Reason::UnknownIssuer {
                subject: subject(),
                issuer: "(unknown)".into(),
                anchors: anchor_names(check),
                missing_intermediate: false,
            },
        },
        CertificateError::ExpiredContext { time, not_after } => {
            let not_after = seconds(*not_after);
            Reason::Expired {
                subject: find_in_chain(leaf, check, |c| c.not_after.0 == not_after)
                    .map_or_else(subject, Certificate::label),
                not_after,
                at: seconds(*time),
            }
        }
        CertificateError::NotValidYetContext { time, not_before } => {
            let not_before = seconds(*not_before);
            Reason::NotYetValid {
                subject: find_in_chain(leaf, check, |c| c.not_before.0 == not_before)
                    .map_or_else(subject, Certificate::label),
                not_before,
                at: seconds(*time),
            }
        }
        CertificateError::Expired => match find_in_chain(leaf, check, |c| c.not_after.0 < check.at)
        {
            Some(c) => Reason::Expired {
                subject: c.label(),
                not_after: c.not_after.0,
                at: check.at,
            },
            None => Reason::InvalidValidity { subject: subject() },
        },
        CertificateError::NotValidYet => {
            match find_in_chain(leaf, check, |c| c.not_before.0 > check.at) {
                Some(c) => Reason::NotYetValid {
                    subject: c.label(),
                    not_before: c.not_before.0,
                    at: check.at,
                },
                None => Reason::InvalidValidity { subject: subject() },
            }
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            let required = match (e, &check.purpose) {
                (CertificateError::InvalidPurposeContext { required, .. }, _) => {
                    purpose_name(required)
                }
                (_, Purpose::Server { .. }) => "serverAuth".into(),
                (_, Purpose::Client) => "clientAuth".into(),
            };
            Reason::WrongPurpose {
                subject: subject(),
                required,
                present: leaf
                    .and_then(Certificate::extended_key_usage)
                    .map(|p| p.iter().map(eku_name).collect())
                    .unwrap_or_default(),
            }
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            Reason::NameMismatch {
                subject: subject(),
                host: match &check.purpose {
                    Purpose::Server { host } => host.clone(),
                    Purpose::Client => "(no host)".into(),
                },
                presented: leaf
                    .map(|l| {
                        l.subject_alt_names()
                            .iter()
                            .map(ToString::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        }
        CertificateError::BadSignature => signature_reason(leaf, check, None),
        #[allow(deprecated)]
        CertificateError::UnsupportedSignatureAlgorithm => {
            signature_reason(leaf, check, Some(algorithm_of(leaf)))
        }
        CertificateError::UnsupportedSignatureAlgorithmContext { .. } => {
            Reason::UnsupportedSignatureAlgorithm {
                subject: subject(),
                algorithm: algorithm_of(leaf),
            }
        }
        CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            signature_reason(leaf, check, Some(algorithm_of(leaf)))
        }
        CertificateError::Revoked => {
            let listed = |c: &Certificate| {
                check.crls.iter().find_map(|crl| {
                    let entry = (crl.issuer.der == c.issuer.der)
                        .then(|| {
                            crl.revoked
                                .iter()
                                .find(|r| same_serial(r.serial.bytes(), c.serial.bytes()))
                        })
                        .flatten()?;
                    Some((crl, entry))
                })
            };
            let revoked = find_in_chain(leaf, check, |c| listed(c).is_some());
            let entry = revoked.and_then(listed);
            Reason::Revoked {
                subject: revoked.map_or_else(subject, Certificate::label),
                serial: revoked
                    .or(leaf)
                    .map(|c| c.serial.to_string())
                    .unwrap_or_default(),
                reason: entry.and_then(|(_, e)| e.reason),
                revoked_at: entry.map(|(_, e)| e.date.0),
                crl_issuer: entry.map(|(crl, _)| crl.issuer.to_string()),
            }
        }
        CertificateError::UnknownRevocationStatus => Reason::Crl {
            detail: "no given CRL covers a certificate of the chain".into(),
        },
        CertificateError::ExpiredRevocationList => Reason::Crl {
            detail: "a given CRL is past its nextUpdate".into(),
        },
        CertificateError::ExpiredRevocationListContext { time, next_update } => {
            let next_update = seconds(*next_update);
            Reason::CrlExpired {
                issuer: check
                    .crls
                    .iter()
                    .find(|crl| crl.next_update.is_some_and(|t| t.0 == next_update))
                    .map(|crl| crl.issuer.to_string()),
                next_update,
                now: seconds(*time),
            }
        }
        CertificateError::UnhandledCriticalExtension => {
            Reason::UnhandledCriticalExtension { subject: subject() }
        }
        CertificateError::BadEncoding => Reason::BadEncoding {
            detail: "a certificate of the chain is not valid DER".into(),
        },
        CertificateError::InvalidOcspResponse => Reason::Other {
            detail: "the OCSP response is invalid".into(),
        },
        CertificateError::ApplicationVerificationFailure => Reason::Other {
            detail: "the application's own check refused the certificate".into(),
        },
        CertificateError::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(w) => webpki_error(w, leaf, check),
            None => Reason::Other {
                detail: format!("{}: {}", subject(), other.0),
            },
        },
        _ => Reason::Other {
            detail: format!(
                "{}: refused by rustls (an error certplay does not know yet)",
                subject()
            ),
        },
    }
}

/// Two serial numbers' INTEGER contents are the same number (a leading
/// zero octet only keeps a positive number positive).
fn same_serial(a: &[u8], b: &[u8]) -> bool {
    let magnitude = |s: &[u8]| {
        let start = s.iter().position(|b| *b != 0).unwrap_or(s.len());
        s.get(start..).unwrap_or_default().to_vec()
    };
    magnitude(a) == magnitude(b)
}

fn webpki_error(e: &webpki::Error, leaf: Option<&Certificate>, check: &Check<'_>) -> Reason {
    use webpki::Error as W;
    let subject = || leaf.map_or_else(|| "(unreadable certificate)".to_owned(), Certificate::label);
    let encoding = |what: &str| Reason::BadEncoding {
        detail: what.to_owned(),
    };
    let crl = |what: &str| Reason::Crl {
        detail: what.to_owned(),
    };
    match e {
        W::UnsupportedCertVersion => Reason::V1Certificate {
            subject: find_in_chain(leaf, check, |c| c.version != 3)
                .map_or_else(subject, Certificate::label),
        },
        W::CaUsedAsEndEntity => Reason::CaUsedAsLeaf { subject: subject() },
        W::EndEntityUsedAsCa => Reason::LeafUsedAsCa,
        W::PathLenConstraintViolated => Reason::PathLenExceeded,
        W::NameConstraintViolation => Reason::NameConstraintViolated,
        W::CertDistrusted => Reason::Other {
            detail: format!("{} is explicitly distrusted", subject()),
        },
        W::EmptyEkuExtension => Reason::WrongPurpose {
            subject: subject(),
            required: match check.purpose {
                Purpose::Server { .. } => "serverAuth".into(),
                Purpose::Client => "clientAuth".into(),
            },
            present: Vec::new(),
        },
        W::InvalidSerialNumber => {
            encoding("a serial number is negative, zero-length or longer than 20 octets")
        }
        W::MalformedDnsIdentifier => encoding("a DNS name in subjectAltName is malformed"),
        W::MalformedExtensions => encoding("an extension is malformed or appears twice"),
        W::MalformedNameConstraint => encoding("a nameConstraints extension is malformed"),
        W::ExtensionValueInvalid => encoding("an extension's value is invalid"),
        W::InvalidNetworkMaskConstraint => encoding("an IP address constraint has an invalid mask"),
        W::SignatureAlgorithmMismatch => {
            encoding("signatureAlgorithm differs from tbsCertificate.signature (RFC 5280, 4.1.1.2)")
        }
        W::UnsupportedNameType => {
            encoding("a name of a type webpki cannot check against name constraints")
        }
        W::BadDer | W::TrailingData(_) => encoding("a certificate of the chain is not valid DER"),
        W::BadDerTime => encoding("a time in a certificate is not valid DER"),
        W::MaximumNameConstraintComparisonsExceeded => Reason::BudgetExceeded {
            what: "name constraint comparisons",
        },
        W::MaximumPathBuildCallsExceeded => Reason::BudgetExceeded {
            what: "path building attempts",
        },
        W::MaximumPathDepthExceeded => Reason::BudgetExceeded { what: "path depth" },
        W::MaximumSignatureChecksExceeded => Reason::BudgetExceeded {
            what: "signature checks",
        },
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
        W::CrlExpired { time, next_update } => Reason::Crl {
            detail: format!(
                "a given CRL's nextUpdate {} has passed (checked at {})",
                format_time(seconds(*next_update)),
                format_time(seconds(*time))
            ),
        },
        W::CertRevoked => certificate_error(&CertificateError::Revoked, leaf, check),
        W::UnknownIssuer => certificate_error(&CertificateError::UnknownIssuer, leaf, check),
        W::CertExpired { time, not_after } => certificate_error(
            &CertificateError::ExpiredContext {
                time: *time,
                not_after: *not_after,
            },
            leaf,
            check,
        ),
        W::CertNotValidYet { time, not_before } => certificate_error(
            &CertificateError::NotValidYetContext {
                time: *time,
                not_before: *not_before,
            },
            leaf,
            check,
        ),
        W::InvalidCertValidity => Reason::InvalidValidity { subject: subject() },
        W::CertNotValidForName(_) => {
            certificate_error(&CertificateError::NotValidForName, leaf, check)
        }
        W::InvalidSignatureForPublicKey => signature_reason(leaf, check, None),
        #[allow(deprecated)]
        W::UnsupportedSignatureAlgorithm
        | W::UnsupportedSignatureAlgorithmForPublicKey
        | W::UnsupportedSignatureAlgorithmContext(_)
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            signature_reason(leaf, check, Some(algorithm_of(leaf)))
        }
        #[allow(deprecated)]
        W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) => {
            certificate_error(&CertificateError::InvalidPurpose, leaf, check)
        }
        W::UnsupportedCriticalExtension => {
            Reason::UnhandledCriticalExtension { subject: subject() }
        }
        _ => Reason::Other {
            detail: format!(
                "{}: refused by webpki (an error certplay does not know yet)",
                subject()
            ),
        },
    }
}

fn algorithm_of(leaf: Option<&Certificate>) -> String {
    leaf.map_or_else(
        || "an unknown algorithm".into(),
        |l| l.signature_algorithm.to_string(),
    )
}

fn purpose_name(p: &ExtendedKeyPurpose) -> String {
    match p {
        ExtendedKeyPurpose::ServerAuth => "serverAuth".into(),
        ExtendedKeyPurpose::ClientAuth => "clientAuth".into(),
        ExtendedKeyPurpose::Other(values) => values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("."),
    }
}

fn eku_name(oid: &crate::read::model::Oid) -> String {
    match oid.oid.to_string().as_str() {
        "1.3.6.1.5.5.7.3.1" => "serverAuth".into(),
        "1.3.6.1.5.5.7.3.2" => "clientAuth".into(),
        _ => oid.to_string(),
    }
}

pub(crate) fn crl_words(e: &CertRevocationListError) -> String {
    match e {
        CertRevocationListError::BadSignature => {
            "its signature does not verify with its issuer's key"
        }
        CertRevocationListError::InvalidCrlNumber => "its CRL number is invalid",
        CertRevocationListError::InvalidRevokedCertSerialNumber => {
            "a revoked serial number is invalid"
        }
        CertRevocationListError::IssuerInvalidForCrl => "its issuer lacks keyUsage cRLSign",
        CertRevocationListError::ParseError => "it is not a valid DER CRL",
        CertRevocationListError::UnsupportedCrlVersion => "it is not a v2 CRL",
        CertRevocationListError::UnsupportedCriticalExtension => {
            "it has a critical extension webpki does not process"
        }
        CertRevocationListError::UnsupportedDeltaCrl => "delta CRLs are not supported",
        CertRevocationListError::UnsupportedIndirectCrl => "indirect CRLs are not supported",
        CertRevocationListError::UnsupportedRevocationReason => {
            "an entry has an unsupported reason"
        }
        #[allow(deprecated)]
        CertRevocationListError::UnsupportedSignatureAlgorithm
        | CertRevocationListError::UnsupportedSignatureAlgorithmContext { .. }
        | CertRevocationListError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "it is signed with an unsupported algorithm"
        }
        CertRevocationListError::Other(other) => {
            return match other.0.downcast_ref::<webpki::Error>() {
                Some(webpki::Error::UnsupportedCrlIssuingDistributionPoint) => {
                    "its issuingDistributionPoint is not supported".into()
                }
                Some(webpki::Error::UnsupportedRevocationReasonsPartitioning) => {
                    "a CRL partitioned by reasons is not supported".into()
                }
                _ => "webpki refused it".into(),
            }
        }
        _ => "rustls refused it",
    }
    .to_owned()
}

/// Words for any rustls error that is not about a certificate, without its
/// Debug text.
pub fn words(e: &TlsError, leaf: Option<&Certificate>) -> String {
    match e {
        TlsError::InvalidCertificate(c) => {
            let check = Check {
                anchors: &[],
                intermediates: &[],
                crls: &[],
                purpose: Purpose::Client,
                at: 0,
            };
            certificate_error(c, leaf, &check).to_string()
        }
        TlsError::InvalidCertRevocationList(c) => format!("CRL problem: {}", crl_words(c)),
        TlsError::InappropriateMessage { .. } | TlsError::InappropriateHandshakeMessage { .. } => {
            "the peer sent a TLS message that does not belong at this point".into()
        }
        TlsError::InvalidEncryptedClientHello(_) => "the encrypted ClientHello is invalid".into(),
        TlsError::InvalidMessage(_) => "the peer sent a malformed TLS message".into(),
        TlsError::NoCertificatesPresented => "the peer sent no certificate".into(),
        TlsError::UnsupportedNameType => "the server name is of an unsupported type".into(),
        TlsError::DecryptError => {
            "a record could not be decrypted (wrong keys or tampering)".into()
        }
        TlsError::EncryptError => "a record could not be encrypted".into(),
        TlsError::PeerIncompatible(_) => {
            "the peer supports no TLS version, cipher suite or signature scheme in common".into()
        }
        TlsError::PeerMisbehaved(_) => "the peer broke the TLS protocol".into(),
        TlsError::AlertReceived(_) => "the peer sent a TLS alert".into(),
        TlsError::General(s) => s.clone(),
        TlsError::FailedToGetCurrentTime => "the current time is not available".into(),
        TlsError::FailedToGetRandomBytes => "no random bytes are available".into(),
        TlsError::HandshakeNotComplete => "the handshake is not complete".into(),
        TlsError::PeerSentOversizedRecord => "the peer sent a record larger than TLS allows".into(),
        TlsError::NoApplicationProtocol => "no ALPN protocol in common".into(),
        TlsError::BadMaxFragmentSize => "an invalid maximum fragment size".into(),
        TlsError::InconsistentKeys(_) => "the private key does not match the certificate".into(),
        TlsError::Other(o) => o.to_string(),
        _ => "TLS failed (an error certplay does not know yet)".into(),
    }
}
