//! From every rustls and webpki error to one [`Reason`], once: the most
//! specific reason, naming the certificates involved.

use rustls::{AlertDescription, Error as TlsError};
use x509_cert::der::asn1::ObjectIdentifier;

use super::failure::{CertFailure, Failure, Purpose as FailedPurpose};
use super::{Check, Incompatibility, Purpose, Reason};
use crate::format_time;
use crate::read::model::{Hex, Name, Oid, Time};
use crate::read::Certificate;

/// Explains a rustls error: a refused chain (`leaf` is the end-entity
/// certificate, when it could be read; `check` gives the rest of the chain)
/// or a refused handshake.
pub fn explain(error: &TlsError, leaf: Option<&Certificate>, check: &Check<'_>) -> Reason {
    explain_failure(&Failure::of(error), leaf, check)
}

/// Explains an I/O error from a TLS handshake: a rustls error inside it as
/// [`explain`] does; an early end of stream means the client hung up.
pub fn explain_io(error: &std::io::Error, leaf: Option<&Certificate>, check: &Check<'_>) -> Reason {
    explain_failure(&Failure::of_io(error), leaf, check)
}

/// Explains a [`Failure`] (a rustls or webpki error, typed before any
/// certificate was read) with the chain: the most specific reason, naming
/// the certificates involved.
pub fn explain_failure(failure: &Failure, leaf: Option<&Certificate>, check: &Check<'_>) -> Reason {
    match failure {
        Failure::NoCertificate => Reason::NoClientCertificate,
        Failure::Certificate(e) => certificate_error(e, leaf, check),
        Failure::Crl(detail) => Reason::Crl {
            detail: detail.clone(),
        },
        Failure::AlertReceived(alert) => match alert {
            AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnknownCA
            | AlertDescription::DecryptError
            | AlertDescription::AccessDenied => Reason::ServerCertificateRefused { alert: *alert },
            AlertDescription::CloseNotify | AlertDescription::UserCanceled => {
                Reason::ClosedDuringHandshake
            }
            AlertDescription::ProtocolVersion => Reason::Incompatible {
                missing: Incompatibility::Version,
            },
            other => Reason::Alert { alert: *other },
        },
        Failure::NotTls => Reason::NotTls,
        Failure::Incompatible(missing) => Reason::Incompatible { missing: *missing },
        Failure::Closed => Reason::ClosedDuringHandshake,
        Failure::Other(detail) => Reason::Other {
            detail: detail.clone(),
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

fn anchor_names(check: &Check<'_>) -> Vec<Name> {
    check.anchors.iter().map(|a| a.subject.clone()).collect()
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

fn subject_of(c: Option<&Certificate>) -> Option<Name> {
    c.map(|c| c.subject.clone())
}

/// When a signature fails, say which certificate and whether a same-named
/// but different CA is the cause.
fn signature_reason(leaf: Option<&Certificate>, check: &Check<'_>, unsupported: bool) -> Reason {
    let Some(leaf) = leaf else {
        return if unsupported {
            Reason::UnsupportedSignatureAlgorithm {
                subject: None,
                algorithm: None,
            }
        } else {
            Reason::BadSignature {
                subject: None,
                issuer: None,
            }
        };
    };
    let (cert, anchors) = walk(leaf, check);
    if let Some(through) = other_key_of_same_ca(cert, &anchors, check) {
        return refused_through(leaf, through, check);
    }
    if !unsupported {
        // webpki verifies no signature made with an RSA key under 2048
        // bits, and says so as a bad signature: name the certificate so
        // signed and the CA with the small key, not a signature further up.
        if let Some((below, issuer, bits)) = signed_by_small_rsa_key(leaf, check) {
            return Reason::IssuerKeyTooSmall {
                subject: Some(below.subject.clone()),
                issuer: Some(issuer.subject.clone()),
                bits,
            };
        }
    }
    let anchor_key_ids: Vec<Hex> = anchors
        .iter()
        .filter_map(|a| a.subject_key_id().cloned())
        .collect();
    let aki = cert.authority_key_id();
    let differs = !anchors.is_empty()
        && (aki.is_none()
            || anchor_key_ids.is_empty()
            || aki.is_some_and(|k| !anchor_key_ids.contains(k)));
    if unsupported && !differs {
        // The top of the chain names the trusted CA's own key: the signature
        // webpki could not check is further down, made with a key it does
        // not take (P-192, DSA): name that certificate, never another CA.
        if let Some(below) = signed_by_unusable_key(leaf, check) {
            return Reason::UnsupportedSignatureAlgorithm {
                subject: Some(below.subject.clone()),
                algorithm: Some(below.signature_algorithm.clone()),
            };
        }
    }
    if differs || (unsupported && !anchors.is_empty()) {
        return Reason::SameNameOtherCa {
            subject: cert.subject.clone(),
            issuer: cert.issuer.clone(),
            authority_key_id: aki.cloned(),
            anchor_key_ids,
        };
    }
    if unsupported {
        Reason::UnsupportedSignatureAlgorithm {
            subject: Some(cert.subject.clone()),
            algorithm: Some(cert.signature_algorithm.clone()),
        }
    } else {
        Reason::BadSignature {
            subject: Some(cert.subject.clone()),
            issuer: Some(cert.issuer.clone()),
        }
    }
}

/// The first certificate from `leaf` up whose issuer in the chain has a
/// key webpki does not verify with (a curve or an algorithm it lacks).
fn signed_by_unusable_key<'a>(
    leaf: &'a Certificate,
    check: &'a Check<'_>,
) -> Option<&'a Certificate> {
    use crate::read::model::KeyKind;
    let unusable = |c: &Certificate| match &c.public_key.kind {
        KeyKind::Ec { curve, .. } => crate::oid::Curve::of(&curve.oid).is_none(),
        KeyKind::Other { .. } => true,
        KeyKind::Rsa { .. } | KeyKind::Ed25519 | KeyKind::Ed448 => false,
    };
    std::iter::once(leaf)
        .chain(check.intermediates.iter())
        .find(|c| {
            check
                .intermediates
                .iter()
                .chain(check.anchors.iter())
                .any(|issuer| issuer.subject.der == c.issuer.der && unusable(issuer))
        })
}

/// The first certificate from `leaf` up whose issuer in the chain (given
/// or trusted) has an RSA key under 2048 bits, with that issuer and its
/// key's size.
fn signed_by_small_rsa_key<'a>(
    leaf: &'a Certificate,
    check: &'a Check<'_>,
) -> Option<(&'a Certificate, &'a Certificate, u32)> {
    use crate::read::model::KeyKind;
    std::iter::once(leaf)
        .chain(check.intermediates.iter())
        .find_map(|c| {
            check
                .intermediates
                .iter()
                .chain(check.anchors.iter())
                .filter(|issuer| !std::ptr::eq(*issuer, c))
                .find_map(|issuer| match issuer.public_key.kind {
                    KeyKind::Rsa { bits, .. }
                        if bits < 2048 && issuer.subject.der == c.issuer.der =>
                    {
                        Some((c, issuer, bits))
                    }
                    _ => None,
                })
        })
}

/// The certificate given with the chain that bears `cert`'s issuer name
/// and the key `cert` names as its issuer (its authorityKeyIdentifier is
/// that certificate's subjectKeyIdentifier), when no trusted CA of that
/// name has that key: another key of the same CA, as a self-issued
/// certificate made at a key rollover carries it. The trusted CA with the
/// same name is then not in the way: webpki tried it first, and its
/// signature error outranks whatever refused the path through this one.
fn other_key_of_same_ca<'a>(
    cert: &Certificate,
    anchors: &[&Certificate],
    check: &'a Check<'_>,
) -> Option<&'a Certificate> {
    let aki = cert.authority_key_id()?;
    if anchors.is_empty() || anchors.iter().any(|a| a.subject_key_id() == Some(aki)) {
        return None;
    }
    check.intermediates.iter().find(|i| {
        i.subject.der == cert.issuer.der
            && i.subject_key_id() == Some(aki)
            && !std::ptr::eq(*i, cert)
    })
}

/// Why webpki refused the path from `leaf` through `through` (a CA
/// certificate of the chain, another key of a trusted CA's name): the
/// refusals webpki ranks below a signature error, checked on it in
/// webpki's order.
fn refused_through(leaf: &Certificate, through: &Certificate, check: &Check<'_>) -> Reason {
    if through.version != 3 {
        return Reason::V1Certificate {
            subject: Some(through.subject.clone()),
        };
    }
    if through
        .extensions
        .iter()
        .any(|e| e.critical && !crate::oid::WEBPKI_PROCESSED.contains(&e.id.oid))
    {
        return Reason::UnhandledCriticalExtension {
            subject: Some(leaf.subject.clone()),
        };
    }
    if !through.is_ca() {
        return Reason::LeafUsedAsCa;
    }
    let required = required_purpose(&check.purpose);
    if let Some(present) = through.extended_key_usage() {
        if !present.contains(&required) {
            return Reason::WrongPurpose {
                subject: Some(through.subject.clone()),
                required,
                present: present.to_vec(),
            };
        }
    }
    Reason::Other {
        detail: format!(
            "{} was issued by another key of {} (key id {}, the CA certificate given with \
             the chain), and webpki refused the path through it",
            leaf.subject,
            through.subject,
            through
                .subject_key_id()
                .map_or_else(|| "absent".to_owned(), ToString::to_string)
        ),
    }
}

/// The extendedKeyUsage purpose a check needs.
fn required_purpose(purpose: &Purpose) -> Oid {
    Oid::new(match purpose {
        Purpose::Server { .. } => const_oid::db::rfc5280::ID_KP_SERVER_AUTH,
        Purpose::Client => const_oid::db::rfc5280::ID_KP_CLIENT_AUTH,
    })
}

/// rustls' purpose as an OID.
fn purpose_oid(p: &FailedPurpose) -> Option<Oid> {
    match p {
        FailedPurpose::ServerAuth => Some(Oid::new(const_oid::db::rfc5280::ID_KP_SERVER_AUTH)),
        FailedPurpose::ClientAuth => Some(Oid::new(const_oid::db::rfc5280::ID_KP_CLIENT_AUTH)),
        FailedPurpose::Other(arcs) => {
            ObjectIdentifier::from_arcs(arcs.iter().map_while(|arc| u32::try_from(*arc).ok()))
                .ok()
                .map(Oid::new)
        }
    }
}

fn certificate_error(e: &CertFailure, leaf: Option<&Certificate>, check: &Check<'_>) -> Reason {
    match e {
        CertFailure::UnknownIssuer => match leaf {
            Some(leaf) => {
                let (cert, anchors) = walk(leaf, check);
                if !anchors.is_empty() {
                    // The name matches a trusted CA: the key does not.
                    return signature_reason(Some(leaf), check, false);
                }
                Reason::UnknownIssuer {
                    subject: Some(cert.subject.clone()),
                    issuer: Some(cert.issuer.clone()),
                    anchors: anchor_names(check),
                    missing_intermediate: !cert.self_issued(),
                }
            }
            None => Reason::UnknownIssuer {
                subject: None,
                issuer: None,
                anchors: anchor_names(check),
                missing_intermediate: false,
            },
        },
        CertFailure::ExpiredAt { at, not_after } => Reason::Expired {
            subject: subject_of(
                find_in_chain(leaf, check, |c| c.not_after.0 == *not_after).or(leaf),
            ),
            not_after: Time(*not_after),
            at: Time(*at),
        },
        CertFailure::NotYetValidAt { at, not_before } => Reason::NotYetValid {
            subject: subject_of(
                find_in_chain(leaf, check, |c| c.not_before.0 == *not_before).or(leaf),
            ),
            not_before: Time(*not_before),
            at: Time(*at),
        },
        CertFailure::Expired => match find_in_chain(leaf, check, |c| c.not_after.0 < check.at) {
            Some(c) => Reason::Expired {
                subject: Some(c.subject.clone()),
                not_after: c.not_after,
                at: Time(check.at),
            },
            None => Reason::InvalidValidity {
                subject: subject_of(leaf),
            },
        },
        CertFailure::NotYetValid => {
            match find_in_chain(leaf, check, |c| c.not_before.0 > check.at) {
                Some(c) => Reason::NotYetValid {
                    subject: Some(c.subject.clone()),
                    not_before: c.not_before,
                    at: Time(check.at),
                },
                None => Reason::InvalidValidity {
                    subject: subject_of(leaf),
                },
            }
        }
        CertFailure::WrongPurpose(required) => {
            let required = required
                .as_ref()
                .and_then(purpose_oid)
                .unwrap_or_else(|| required_purpose(&check.purpose));
            // webpki asks it of every CA below the anchor too: name the
            // certificate whose extendedKeyUsage lacks it (an intermediate
            // with anyExtendedKeyUsage alone, not the leaf).
            let lacking = |c: &Certificate| {
                c.extended_key_usage()
                    .is_some_and(|present| !present.contains(&required))
            };
            let refused = leaf
                .filter(|l| lacking(l))
                .or_else(|| check.intermediates.iter().find(|c| lacking(c)))
                .or(leaf);
            Reason::WrongPurpose {
                subject: subject_of(refused),
                required,
                present: refused
                    .and_then(Certificate::extended_key_usage)
                    .map(<[Oid]>::to_vec)
                    .unwrap_or_default(),
            }
        }
        CertFailure::EmptyEku => Reason::WrongPurpose {
            subject: subject_of(leaf),
            required: required_purpose(&check.purpose),
            present: Vec::new(),
        },
        CertFailure::NameMismatch => Reason::NameMismatch {
            subject: subject_of(leaf),
            host: match &check.purpose {
                Purpose::Server { host } => host.clone(),
                Purpose::Client => "(no host)".into(),
            },
            presented: leaf
                .map(|l| l.subject_alt_names().to_vec())
                .unwrap_or_default(),
        },
        CertFailure::BadSignature => signature_reason(leaf, check, false),
        CertFailure::UnsupportedSignatureForKey => signature_reason(leaf, check, true),
        CertFailure::UnsupportedSignatureAlgorithm => Reason::UnsupportedSignatureAlgorithm {
            subject: subject_of(leaf),
            algorithm: leaf.map(|l| l.signature_algorithm.clone()),
        },
        CertFailure::Revoked => {
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
                subject: subject_of(revoked.or(leaf)),
                serial: revoked.or(leaf).map(|c| c.serial.clone()),
                reason: entry.and_then(|(_, e)| e.reason).map(str::to_owned),
                revoked_at: entry.map(|(_, e)| e.date),
                crl_issuer: entry.map(|(crl, _)| crl.issuer.clone()),
            }
        }
        CertFailure::Crl(detail) => Reason::Crl {
            detail: detail.clone(),
        },
        CertFailure::CrlExpiredAt { at, next_update } => Reason::CrlExpired {
            issuer: check
                .crls
                .iter()
                .find(|crl| crl.next_update.is_some_and(|t| t.0 == *next_update))
                .map(|crl| crl.issuer.clone()),
            next_update: Time(*next_update),
            at: Time(*at),
        },
        CertFailure::CrlPast { at, next_update } => Reason::Crl {
            detail: format!(
                "a given CRL's nextUpdate {} has passed (checked at {})",
                format_time(*next_update),
                format_time(*at)
            ),
        },
        CertFailure::UnhandledCriticalExtension => Reason::UnhandledCriticalExtension {
            subject: subject_of(leaf),
        },
        CertFailure::BadDer(detail) => {
            early_date(leaf, check).unwrap_or_else(|| Reason::BadEncoding {
                detail: detail.clone(),
            })
        }
        CertFailure::BadEncoding(detail) => Reason::BadEncoding {
            detail: detail.clone(),
        },
        CertFailure::V1Certificate => Reason::V1Certificate {
            subject: subject_of(find_in_chain(leaf, check, |c| c.version != 3).or(leaf)),
        },
        CertFailure::CaUsedAsLeaf => Reason::CaUsedAsLeaf {
            subject: subject_of(leaf),
        },
        CertFailure::LeafUsedAsCa => Reason::LeafUsedAsCa,
        CertFailure::PathLenExceeded => Reason::PathLenExceeded,
        CertFailure::NameConstraintViolated => Reason::NameConstraintViolated,
        CertFailure::Distrusted => Reason::Other {
            detail: format!("{} is explicitly distrusted", label(leaf)),
        },
        CertFailure::InvalidValidity => Reason::InvalidValidity {
            subject: subject_of(leaf),
        },
        CertFailure::Budget(budget) => Reason::BudgetExceeded { budget: *budget },
        CertFailure::OtherOfLeaf(words) => Reason::Other {
            detail: format!("{}: {words}", label(leaf)),
        },
        CertFailure::Said(detail) => Reason::Other {
            detail: detail.clone(),
        },
        CertFailure::Unknown(by) => Reason::Other {
            detail: format!(
                "{}: refused by {by} (an error certplay does not know yet)",
                label(leaf)
            ),
        },
    }
}

/// What webpki's "bad DER" means when a certificate of the chain has a
/// validity date before 1970: webpki counts time from 1970 and reads no
/// date before it (certplay and the other stacks read them).
fn early_date(leaf: Option<&Certificate>, check: &Check<'_>) -> Option<Reason> {
    let c = find_in_chain(leaf, check, |c| c.not_before.0 < 0 || c.not_after.0 < 0)?;
    Some(Reason::Other {
        detail: format!(
            "{} is valid from {} to {}: rustls/webpki reads no date before 1970 (UTCTime \
             years 50-69 are 1950-1969); re-issue it with dates from 1970 on",
            c.subject,
            c.not_before.rfc3339(),
            c.not_after.rfc3339()
        ),
    })
}

/// The leaf's subject for a sentence in words.
fn label(leaf: Option<&Certificate>) -> String {
    leaf.map_or_else(
        || "(unreadable certificate)".to_owned(),
        |l| l.subject.to_string(),
    )
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
