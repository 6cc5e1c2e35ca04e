//! Cutting a [`Reason`] down to size: a server keeps the reasons of the
//! last connections and logs each, and a client chooses the names in them.

use super::Reason;
use crate::escape::truncate;
use crate::read::model::{Attribute, AttributeValue, GeneralName, Hex, Name};

impl Reason {
    /// The same reason with every name and list a peer chose cut to
    /// `max_chars` characters and [`MAX_LISTED`] entries, so that a server
    /// keeps and logs a bounded reason whatever the client sent.
    pub fn bounded(self, max_chars: usize) -> Self {
        let name = |n: Name| bounded_name(n, max_chars);
        let some = |n: Option<Name>| n.map(|n| bounded_name(n, max_chars));
        let text = |t: String| truncate(&t, max_chars).into_owned();
        match self {
            Self::NoClientCertificate => Self::NoClientCertificate,
            Self::ServerCertificateRefused { alert } => Self::ServerCertificateRefused { alert },
            Self::Alert { alert } => Self::Alert { alert },
            Self::NotTls => Self::NotTls,
            Self::ClosedDuringHandshake => Self::ClosedDuringHandshake,
            Self::Incompatible { missing } => Self::Incompatible { missing },
            Self::UnknownIssuer {
                subject,
                issuer,
                anchors,
                missing_intermediate,
            } => Self::UnknownIssuer {
                subject: some(subject),
                issuer: some(issuer),
                anchors: anchors.into_iter().take(MAX_LISTED).map(name).collect(),
                missing_intermediate,
            },
            Self::SameNameOtherCa {
                subject,
                issuer,
                authority_key_id,
                anchor_key_ids,
            } => Self::SameNameOtherCa {
                subject: name(subject),
                issuer: name(issuer),
                authority_key_id: authority_key_id.map(|k| bounded_hex(k, max_chars)),
                anchor_key_ids: anchor_key_ids.into_iter().take(MAX_LISTED).collect(),
            },
            Self::Expired {
                subject,
                not_after,
                at,
            } => Self::Expired {
                subject: some(subject),
                not_after,
                at,
            },
            Self::NotYetValid {
                subject,
                not_before,
                at,
            } => Self::NotYetValid {
                subject: some(subject),
                not_before,
                at,
            },
            Self::InvalidValidity { subject } => Self::InvalidValidity {
                subject: some(subject),
            },
            Self::WrongPurpose {
                subject,
                required,
                present,
            } => Self::WrongPurpose {
                subject: some(subject),
                required,
                present: present.into_iter().take(MAX_LISTED).collect(),
            },
            Self::NameMismatch {
                subject,
                host,
                presented,
            } => Self::NameMismatch {
                subject: some(subject),
                host: text(host),
                presented: presented
                    .into_iter()
                    .take(MAX_LISTED)
                    .map(|n| bounded_general_name(n, max_chars))
                    .collect(),
            },
            Self::BadHostName { host } => Self::BadHostName { host: text(host) },
            Self::V1Certificate { subject } => Self::V1Certificate {
                subject: some(subject),
            },
            Self::CaUsedAsLeaf { subject } => Self::CaUsedAsLeaf {
                subject: some(subject),
            },
            Self::LeafUsedAsCa => Self::LeafUsedAsCa,
            Self::PathLenExceeded => Self::PathLenExceeded,
            Self::NameConstraintViolated => Self::NameConstraintViolated,
            Self::BadSignature { subject, issuer } => Self::BadSignature {
                subject: some(subject),
                issuer: some(issuer),
            },
            Self::IssuerKeyTooSmall {
                subject,
                issuer,
                bits,
            } => Self::IssuerKeyTooSmall {
                subject: some(subject),
                issuer: some(issuer),
                bits,
            },
            Self::UnsupportedSignatureAlgorithm { subject, algorithm } => {
                Self::UnsupportedSignatureAlgorithm {
                    subject: some(subject),
                    algorithm,
                }
            }
            Self::Revoked {
                subject,
                serial,
                reason,
                revoked_at,
                crl_issuer,
            } => Self::Revoked {
                subject: some(subject),
                serial: serial.map(|s| bounded_hex(s, max_chars)),
                reason: reason.map(text),
                revoked_at,
                crl_issuer: some(crl_issuer),
            },
            Self::CrlExpired {
                issuer,
                next_update,
                at,
            } => Self::CrlExpired {
                issuer: some(issuer),
                next_update,
                at,
            },
            Self::Crl { detail } => Self::Crl {
                detail: text(detail),
            },
            Self::UnhandledCriticalExtension { subject } => Self::UnhandledCriticalExtension {
                subject: some(subject),
            },
            Self::BadEncoding { detail } => Self::BadEncoding {
                detail: text(detail),
            },
            Self::BudgetExceeded { budget } => Self::BudgetExceeded { budget },
            Self::BadAnchor { subject, detail } => Self::BadAnchor {
                subject: some(subject),
                detail: text(detail),
            },
            Self::NoAnchors => Self::NoAnchors,
            Self::Other { detail } => Self::Other {
                detail: text(detail),
            },
        }
    }
}

/// At most this many entries of a list (SANs, purposes, anchors) are kept
/// by [`Reason::bounded`].
pub const MAX_LISTED: usize = 16;

/// `name` with its text cut to `max_chars` characters in all (the
/// attributes after the cut are dropped); a cut name keeps no DER.
pub fn bounded_name(name: Name, max_chars: usize) -> Name {
    let mut left = max_chars;
    let mut rdns = Vec::new();
    for rdn in name.rdns.iter() {
        let mut kept = Vec::new();
        for attribute in rdn {
            let value = match &attribute.value {
                AttributeValue::Text(t) => AttributeValue::Text(truncate(t, left).into_owned()),
                AttributeValue::Der(der) => AttributeValue::Der(bounded_hex(der.clone(), left)),
            };
            let used = match &value {
                AttributeValue::Text(t) => t.chars().count(),
                AttributeValue::Der(der) => der.bytes().len().saturating_mul(2),
            };
            let cut = value != attribute.value;
            kept.push(Attribute {
                kind: attribute.kind.clone(),
                value,
            });
            left = left.saturating_sub(used);
            if cut || left == 0 {
                rdns.push(kept);
                return Name {
                    rdns,
                    der: Vec::new(),
                };
            }
        }
        rdns.push(kept);
    }
    name
}

/// `hex` cut to the bytes that `max_chars` characters show.
pub fn bounded_hex(hex: Hex, max_chars: usize) -> Hex {
    // Two hex digits and a colon a byte.
    let max_bytes = max_chars / 3;
    if hex.bytes().len() <= max_bytes {
        hex
    } else {
        Hex(hex.bytes().get(..max_bytes).unwrap_or_default().to_vec())
    }
}

fn bounded_general_name(name: GeneralName, max_chars: usize) -> GeneralName {
    let text = |t: String| truncate(&t, max_chars).into_owned();
    match name {
        GeneralName::Dns(d) => GeneralName::Dns(text(d)),
        GeneralName::Email(e) => GeneralName::Email(text(e)),
        GeneralName::Uri(u) => GeneralName::Uri(text(u)),
        GeneralName::DirectoryName(n) => GeneralName::DirectoryName(bounded_name(n, max_chars)),
        GeneralName::Ip(ip) => GeneralName::Ip(bounded_hex(ip, max_chars)),
        GeneralName::OtherName { type_id, value } => GeneralName::OtherName {
            type_id,
            value: bounded_hex(value, max_chars),
        },
        other @ (GeneralName::RegisteredId(_) | GeneralName::EdiPartyName) => other,
    }
}
