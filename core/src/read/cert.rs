//! Certificates (RFC 5280, section 4) read into the typed model, and the
//! pieces every artifact shares: names, general names, extensions, keys.

use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::certificate::{CertificateInner, Raw, Version};
use x509_cert::der::asn1::{
    BmpString, Ia5StringRef, ObjectIdentifier, PrintableStringRef, TeletexStringRef, Utf8StringRef,
    VideotexStringRef,
};
use x509_cert::der::oid::AssociatedOid;
use x509_cert::der::{Decode, Encode, Tag, Tagged};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName as X509GeneralName};
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies,
    CrlDistributionPoints, CrlNumber, CrlReason, ExtendedKeyUsage, IssuerAltName, KeyUsage,
    NameConstraints, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::RdnSequence;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use super::model::{
    Attribute, AttributeValue, Extension, ExtensionValue, GeneralName, Hex, KeyKind, Name, Oid,
    Policy, PublicKey, Time, TimeEncoding, KEY_USAGE_NAMES,
};
use crate::oid::{db, Curve, KeyAlgorithm};
use crate::Error;

/// A certificate, read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// 1, 2 or 3 (4.1.2.1).
    pub version: u8,
    /// serialNumber's content octets, two's complement (4.1.2.2).
    pub serial: Hex,
    /// signatureAlgorithm (4.1.1.2).
    pub signature_algorithm: Oid,
    /// issuer (4.1.2.4).
    pub issuer: Name,
    /// validity.notBefore (4.1.2.5).
    pub not_before: Time,
    /// validity.notAfter.
    pub not_after: Time,
    /// How notBefore and notAfter are written.
    pub validity_encoding: [TimeEncoding; 2],
    /// subject (4.1.2.6).
    pub subject: Name,
    /// subjectPublicKeyInfo (4.1.2.7).
    pub public_key: PublicKey,
    /// extensions (4.1.2.9), in order.
    pub extensions: Vec<Extension>,
    /// The signature's bytes.
    pub signature: Hex,
    /// SHA-1 of the DER (what `openssl x509 -fingerprint -sha1` prints).
    pub sha1_fingerprint: Hex,
    /// SHA-256 of the DER.
    pub sha256_fingerprint: Hex,
    /// The DER.
    #[serde(skip)]
    pub der: Vec<u8>,
}

impl Certificate {
    /// Reads a DER certificate. Never panics; a malformed extension is kept
    /// as [`ExtensionValue::Malformed`] and the rest is still read.
    /// A validity date before 1970 (UTCTime 50 to 69, which the `der`
    /// crate does not read) is read here and shown as it is.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let (cert, real) = match CertificateInner::<Raw>::from_der(der) {
            Ok(cert) => (cert, [None, None]),
            Err(e) => {
                let early = super::early_time::before_1970(der)
                    .ok_or_else(|| malformed("certificate", e))?;
                let cert = CertificateInner::<Raw>::from_der(&early.der)
                    .map_err(|e| malformed("certificate", e))?;
                (cert, early.real)
            }
        };
        let tbs = &cert.tbs_certificate;
        let [real_before, real_after] = real;
        Ok(Self {
            version: match tbs.version {
                Version::V1 => 1,
                Version::V2 => 2,
                Version::V3 => 3,
            },
            serial: Hex(tbs.serial_number.as_bytes().to_vec()),
            signature_algorithm: Oid::new(cert.signature_algorithm.oid),
            issuer: name(&tbs.issuer),
            not_before: real_before.map_or_else(|| Time::from_x509(tbs.validity.not_before), Time),
            not_after: real_after.map_or_else(|| Time::from_x509(tbs.validity.not_after), Time),
            validity_encoding: [
                TimeEncoding::of(&tbs.validity.not_before),
                TimeEncoding::of(&tbs.validity.not_after),
            ],
            subject: name(&tbs.subject),
            public_key: public_key(&tbs.subject_public_key_info),
            extensions: tbs.extensions.iter().flatten().map(extension).collect(),
            signature: Hex(cert.signature.raw_bytes().to_vec()),
            sha1_fingerprint: Hex(Sha1::digest(der).to_vec()),
            sha256_fingerprint: Hex(Sha256::digest(der).to_vec()),
            der: der.to_vec(),
        })
    }

    /// The value of the first extension with this OID.
    pub fn extension(&self, oid: ObjectIdentifier) -> Option<&ExtensionValue> {
        self.extensions
            .iter()
            .find(|e| e.id.oid == oid)
            .map(|e| &e.value)
    }

    /// subjectAltName entries (empty without the extension).
    pub fn subject_alt_names(&self) -> &[GeneralName] {
        match self.extension(SubjectAltName::OID) {
            Some(ExtensionValue::SubjectAltName(names)) => names,
            _ => &[],
        }
    }

    /// basicConstraints cA and pathLenConstraint, if the extension is there.
    pub fn basic_constraints(&self) -> Option<(bool, Option<u8>)> {
        match self.extension(BasicConstraints::OID) {
            Some(ExtensionValue::BasicConstraints {
                ca,
                path_len_constraint,
            }) => Some((*ca, *path_len_constraint)),
            _ => None,
        }
    }

    /// True for a CA certificate (basicConstraints cA TRUE).
    pub fn is_ca(&self) -> bool {
        self.basic_constraints().is_some_and(|(ca, _)| ca)
    }

    /// extKeyUsage purposes, `None` without the extension (any purpose).
    pub fn extended_key_usage(&self) -> Option<&[Oid]> {
        match self.extension(ExtendedKeyUsage::OID) {
            Some(ExtensionValue::ExtendedKeyUsage(p)) => Some(p),
            _ => None,
        }
    }

    /// keyUsage bit names, `None` without the extension.
    pub fn key_usage(&self) -> Option<&[&'static str]> {
        match self.extension(KeyUsage::OID) {
            Some(ExtensionValue::KeyUsage(k)) => Some(k),
            _ => None,
        }
    }

    /// subjectKeyIdentifier.
    pub fn subject_key_id(&self) -> Option<&Hex> {
        match self.extension(SubjectKeyIdentifier::OID) {
            Some(ExtensionValue::SubjectKeyIdentifier(id)) => Some(id),
            _ => None,
        }
    }

    /// authorityKeyIdentifier's keyIdentifier.
    pub fn authority_key_id(&self) -> Option<&Hex> {
        match self.extension(AuthorityKeyIdentifier::OID) {
            Some(ExtensionValue::AuthorityKeyIdentifier {
                key_identifier: Some(id),
                ..
            }) => Some(id),
            _ => None,
        }
    }

    /// True when subject and issuer are the same name (byte for byte).
    pub fn self_issued(&self) -> bool {
        self.subject.der == self.issuer.der
    }

    /// True when `at` (Unix seconds) lies within the validity period.
    pub fn valid_at(&self, at: i64) -> bool {
        (self.not_before.0..=self.not_after.0).contains(&at)
    }

    /// A short label for messages: the subject's CN, else the whole subject.
    pub fn label(&self) -> String {
        self.subject.to_string()
    }
}

pub(crate) fn malformed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Malformed {
        what: what.into(),
        reason: e.to_string(),
    }
}

/// Reads a distinguished name on its own (DER, RFC 5280 `Name`), as a
/// server lists the CA names it accepts in its CertificateRequest.
pub fn read_name(der: &[u8]) -> Result<Name, Error> {
    RdnSequence::from_der(der)
        .map(|rdns| name(&rdns))
        .map_err(|e| malformed("distinguished name", e))
}

/// A Name into the model.
pub(crate) fn name(rdns: &RdnSequence) -> Name {
    Name {
        rdns: rdns
            .0
            .iter()
            .map(|rdn| {
                rdn.0
                    .iter()
                    .map(|atv| Attribute {
                        kind: Oid::new(atv.oid),
                        value: attribute_value(&atv.value),
                    })
                    .collect()
            })
            .collect(),
        der: rdns.to_der().unwrap_or_default(),
    }
}

fn attribute_value(any: &x509_cert::der::Any) -> AttributeValue {
    let text = match any.tag() {
        Tag::Utf8String => any.decode_as::<Utf8StringRef<'_>>().map(|s| s.to_string()),
        Tag::PrintableString => any
            .decode_as::<PrintableStringRef<'_>>()
            .map(|s| s.to_string()),
        Tag::Ia5String => any.decode_as::<Ia5StringRef<'_>>().map(|s| s.to_string()),
        // T.61: openssl treats it as Latin-1.
        Tag::TeletexString => any
            .decode_as::<TeletexStringRef<'_>>()
            .map(|s| s.to_string())
            .or_else(|_| Ok(any.value().iter().copied().map(char::from).collect())),
        Tag::VideotexString => any
            .decode_as::<VideotexStringRef<'_>>()
            .map(|s| s.to_string()),
        Tag::BmpString => any.decode_as::<BmpString>().map(|s| s.to_string()),
        _ => Err(Tag::Null.value_error()),
    };
    match text {
        Ok(t) => AttributeValue::Text(t),
        Err(_) => AttributeValue::Der(Hex(any.to_der().unwrap_or_default())),
    }
}

pub(crate) fn general_names(names: &[X509GeneralName]) -> Vec<GeneralName> {
    names.iter().map(general_name).collect()
}

fn general_name(name_: &X509GeneralName) -> GeneralName {
    match name_ {
        X509GeneralName::DnsName(d) => GeneralName::Dns(d.to_string()),
        X509GeneralName::IpAddress(ip) => GeneralName::Ip(Hex(ip.as_bytes().to_vec())),
        X509GeneralName::Rfc822Name(m) => GeneralName::Email(m.to_string()),
        X509GeneralName::UniformResourceIdentifier(u) => GeneralName::Uri(u.to_string()),
        X509GeneralName::DirectoryName(dn) => GeneralName::DirectoryName(name(dn)),
        X509GeneralName::RegisteredId(oid) => GeneralName::RegisteredId(Oid::new(*oid)),
        X509GeneralName::OtherName(other) => GeneralName::OtherName {
            type_id: Oid::new(other.type_id),
            value: Hex(other.value.to_der().unwrap_or_default()),
        },
        X509GeneralName::EdiPartyName(_) => GeneralName::EdiPartyName,
    }
}

/// subjectPublicKeyInfo into the model.
pub(crate) fn public_key(spki: &SubjectPublicKeyInfoOwned) -> PublicKey {
    let der = spki.to_der().unwrap_or_default();
    let bits = spki.subject_public_key.raw_bytes().to_vec();
    let mut rsa_modulus = Vec::new();
    let kind = match KeyAlgorithm::of(&spki.algorithm.oid) {
        Some(KeyAlgorithm::Rsa) => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            use rsa::traits::PublicKeyParts;
            match rsa::RsaPublicKey::from_pkcs1_der(&bits) {
                Ok(key) => {
                    rsa_modulus = key.n().to_bytes_be();
                    KeyKind::Rsa {
                        bits: u32::try_from(key.n().bits()).unwrap_or(u32::MAX),
                        exponent: key.e().to_bytes_be().iter().fold(0u64, |acc, b| {
                            acc.saturating_mul(256).saturating_add(u64::from(*b))
                        }),
                    }
                }
                Err(_) => KeyKind::Other {
                    algorithm: Oid::new(spki.algorithm.oid),
                },
            }
        }
        Some(KeyAlgorithm::Ec) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            match curve {
                Some(curve) => KeyKind::Ec {
                    bits: Curve::of(&curve).map_or(0, Curve::bits),
                    curve: Oid::new(curve),
                },
                None => KeyKind::Other {
                    algorithm: Oid::new(spki.algorithm.oid),
                },
            }
        }
        Some(KeyAlgorithm::Ed25519) => KeyKind::Ed25519,
        Some(KeyAlgorithm::Ed448) => KeyKind::Ed448,
        None => KeyKind::Other {
            algorithm: Oid::new(spki.algorithm.oid),
        },
    };
    PublicKey {
        kind,
        spki_sha256: Hex(Sha256::digest(&der).to_vec()),
        bits,
        rsa_modulus,
    }
}

/// One extension into the model; a value that does not parse is kept as
/// Malformed with the parser's words.
pub(crate) fn extension(ext: &x509_cert::ext::Extension) -> Extension {
    let value = ext.extn_value.as_bytes();
    let typed = extension_value(ext.extn_id, value).unwrap_or_else(|e| ExtensionValue::Malformed {
        error: e.to_string(),
        value: Hex(value.to_vec()),
    });
    Extension {
        id: Oid::new(ext.extn_id),
        critical: ext.critical,
        value: typed,
    }
}

fn extension_value(
    oid: ObjectIdentifier,
    value: &[u8],
) -> Result<ExtensionValue, x509_cert::der::Error> {
    Ok(match oid {
        BasicConstraints::OID => {
            let bc = BasicConstraints::from_der(value)?;
            ExtensionValue::BasicConstraints {
                ca: bc.ca,
                path_len_constraint: bc.path_len_constraint,
            }
        }
        KeyUsage::OID => {
            let usage = KeyUsage::from_der(value)?;
            let bits = usage.0.bits();
            ExtensionValue::KeyUsage(
                KEY_USAGE_NAMES
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| {
                        u32::try_from(*i)
                            .ok()
                            .and_then(|i| 1u16.checked_shl(i))
                            .is_some_and(|mask| bits & mask != 0)
                    })
                    .map(|(_, name)| *name)
                    .collect(),
            )
        }
        ExtendedKeyUsage::OID => ExtensionValue::ExtendedKeyUsage(
            ExtendedKeyUsage::from_der(value)?
                .0
                .into_iter()
                .map(Oid::new)
                .collect(),
        ),
        SubjectAltName::OID => {
            ExtensionValue::SubjectAltName(general_names(&SubjectAltName::from_der(value)?.0))
        }
        IssuerAltName::OID => {
            ExtensionValue::IssuerAltName(general_names(&IssuerAltName::from_der(value)?.0))
        }
        SubjectKeyIdentifier::OID => {
            ExtensionValue::SubjectKeyIdentifier(Hex(SubjectKeyIdentifier::from_der(value)?
                .0
                .as_bytes()
                .to_vec()))
        }
        AuthorityKeyIdentifier::OID => {
            let aki = AuthorityKeyIdentifier::from_der(value)?;
            ExtensionValue::AuthorityKeyIdentifier {
                key_identifier: aki.key_identifier.map(|k| Hex(k.as_bytes().to_vec())),
                issuer: aki
                    .authority_cert_issuer
                    .map(|n| general_names(&n))
                    .unwrap_or_default(),
                serial: aki
                    .authority_cert_serial_number
                    .map(|s| Hex(s.as_bytes().to_vec())),
            }
        }
        CertificatePolicies::OID => ExtensionValue::CertificatePolicies(
            CertificatePolicies::from_der(value)?
                .0
                .into_iter()
                .map(|p| Policy {
                    id: Oid::new(p.policy_identifier),
                    cps: p
                        .policy_qualifiers
                        .unwrap_or_default()
                        .iter()
                        .filter(|q| q.policy_qualifier_id == db::rfc5280::ID_QT_CPS)
                        .filter_map(|q| q.qualifier.as_ref())
                        .filter_map(|q| q.decode_as::<Ia5StringRef<'_>>().ok())
                        .map(|s| s.to_string())
                        .collect(),
                })
                .collect(),
        ),
        CrlDistributionPoints::OID => ExtensionValue::CrlDistributionPoints(
            CrlDistributionPoints::from_der(value)?
                .0
                .iter()
                .flat_map(distribution_point_names)
                .collect(),
        ),
        AuthorityInfoAccessSyntax::OID => ExtensionValue::AuthorityInfoAccess(
            AuthorityInfoAccessSyntax::from_der(value)?
                .0
                .iter()
                .map(|a| (Oid::new(a.access_method), general_name(&a.access_location)))
                .collect(),
        ),
        NameConstraints::OID => {
            let nc = NameConstraints::from_der(value)?;
            let bases =
                |t: Option<Vec<x509_cert::ext::pkix::constraints::name::GeneralSubtree>>| {
                    t.unwrap_or_default()
                        .iter()
                        .map(|s| general_name(&s.base))
                        .collect()
                };
            ExtensionValue::NameConstraints {
                permitted: bases(nc.permitted_subtrees),
                excluded: bases(nc.excluded_subtrees),
            }
        }
        CrlNumber::OID => {
            ExtensionValue::CrlNumber(Hex(CrlNumber::from_der(value)?.0.as_bytes().to_vec()))
        }
        CrlReason::OID => ExtensionValue::CrlReason(crl_reason(CrlReason::from_der(value)?)),
        _ => ExtensionValue::Unknown(Hex(value.to_vec())),
    })
}

fn distribution_point_names(dp: &DistributionPoint) -> Vec<GeneralName> {
    match &dp.distribution_point {
        Some(DistributionPointName::FullName(names)) => general_names(names),
        _ => Vec::new(),
    }
}

/// The RFC 5280 name of a CRLReason.
pub(crate) fn crl_reason(reason: CrlReason) -> &'static str {
    match reason {
        CrlReason::Unspecified => "unspecified",
        CrlReason::KeyCompromise => "keyCompromise",
        CrlReason::CaCompromise => "cACompromise",
        CrlReason::AffiliationChanged => "affiliationChanged",
        CrlReason::Superseded => "superseded",
        CrlReason::CessationOfOperation => "cessationOfOperation",
        CrlReason::CertificateHold => "certificateHold",
        CrlReason::RemoveFromCRL => "removeFromCRL",
        CrlReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        CrlReason::AaCompromise => "aACompromise",
    }
}
