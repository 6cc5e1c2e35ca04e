//! Signing a CSR a person brings with a CA they have ([`ExistingCa`]):
//! the request's own signature is checked first; its subject, key and
//! requested subjectAltName, keyUsage and extendedKeyUsage are kept unless
//! a profile says otherwise; and the [`SigningReport`] says what was kept,
//! added or dropped, and why.

use std::fmt;

use rcgen::{BasicConstraints, CertificateParams, CustomExtension, IsCa, KeyIdMethod};
use time::OffsetDateTime;
use x509_cert::der::oid::AssociatedOid;
use x509_cert::request::ExtensionReq;

use super::csr::{pem_text, verify_csr};
use super::existing::copy_name;
use super::{extended_key_usage, key_usage, random_serial, ExistingCa};
use crate::plan::{Profile, Validity, MAX_VALIDITY_DAYS};
use crate::read::model::{Extension, Name, Oid};
use crate::read::text::extension_line;
use crate::read::{read_csr, Csr, Source};
use crate::Error;

/// How to sign a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsrSigning {
    /// `None`: keep the requested keyUsage and extendedKeyUsage. A profile
    /// replaces them with its own (and only a CA profile grants a request
    /// for basicConstraints CA:TRUE).
    pub profile: Option<Profile>,
    /// The certificate's validity.
    pub validity: Validity,
}

impl Default for CsrSigning {
    fn default() -> Self {
        Self {
            profile: None,
            validity: Validity::Relative {
                days: 365,
                starts_in_days: 0,
            },
        }
    }
}

/// A request, signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCsr {
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// What happened to each part of the request.
    pub report: SigningReport,
}

/// What signing did with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningReport {
    /// The subject, copied from the request.
    pub subject: Name,
    /// The request's public key (`ECDSA P-256`, `RSA-3072`), which the
    /// certificate carries.
    pub public_key: String,
    /// The issuing CA's subject.
    pub issuer: String,
    /// One note per extension or attribute, requested ones first.
    pub notes: Vec<SigningNote>,
}

/// One extension or attribute and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningNote {
    /// Kept, added or dropped.
    pub decision: Decision,
    /// The extension (as requested when dropped, as issued otherwise) or
    /// attribute.
    pub item: NotedItem,
    /// Why, when it was not simply kept.
    pub why: Option<Why>,
}

/// What became of a part of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Requested and issued as requested.
    Kept,
    /// In the certificate, not (or not so) in the request.
    Added,
    /// Requested, not in the certificate (or not so).
    Dropped,
}

/// An extension (RFC 5280, section 4.2) or a PKCS#9 attribute (RFC 2985).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotedItem {
    /// An extension.
    Extension(Extension),
    /// A request attribute other than extensionRequest (e.g. challengePassword).
    Attribute(Oid),
}

/// Why an extension was added or dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The profile sets this extension itself.
    Profile(Profile),
    /// The request asks to be a CA, and the profile is not one.
    NotACa(Option<Profile>),
    /// certplay marks every leaf with basicConstraints CA:FALSE.
    LeafMark,
    /// Key identifiers: certplay computes them (RFC 7093 method 1), and
    /// the authority's comes from the CA.
    KeyIdentifiers,
    /// certplay copies only subjectAltName, keyUsage, extendedKeyUsage and
    /// basicConstraints from a request.
    NotCopied,
    /// A request attribute that is not an extension has no place in a
    /// certificate.
    NotAnExtension,
}

impl ExistingCa {
    /// Signs the request in `csr` (PEM or DER) at `now`, after checking its
    /// signature under its own public key. The certificate carries the
    /// request's subject and public key, a random 128-bit serial, key
    /// identifiers like every certplay certificate, and the requested
    /// extensions as [`CsrSigning`] says.
    pub fn sign_csr(
        &self,
        csr: Source<'_>,
        signing: &CsrSigning,
        now: OffsetDateTime,
    ) -> Result<SignedCsr, Error> {
        let name = csr.name;
        if signing.profile == Some(Profile::RootCa) {
            return Err(Error::input(
                "profile",
                "a certificate signed by a CA is not a root CA; use intermediate-ca",
            ));
        }
        let (not_before, not_after) = signing.validity.times(now);
        let days_ok = match signing.validity {
            Validity::Relative { days, .. } => (1..=MAX_VALIDITY_DAYS).contains(&days),
            Validity::Fixed { .. } => not_before < not_after,
        };
        if !days_ok {
            return Err(Error::input(
                "validity",
                format!("days must be between 1 and {MAX_VALIDITY_DAYS}"),
            ));
        }
        let csr = read_csr(csr)?;
        let verified = verify_csr(name, &csr.der)?;
        let info = &verified.request.info;

        let mut requested = Vec::new();
        for attribute in info.attributes.iter() {
            if attribute.oid != ExtensionReq::OID {
                continue;
            }
            for value in attribute.values.iter() {
                let req: ExtensionReq = value.decode_as().map_err(|e| Error::Malformed {
                    what: name.into(),
                    reason: format!("extensionRequest: {e}"),
                })?;
                requested.extend(req.0);
            }
        }
        for (i, ext) in requested.iter().enumerate() {
            if requested
                .iter()
                .skip(i.saturating_add(1))
                .any(|e| e.extn_id == ext.extn_id)
            {
                return Err(Error::input(
                    name,
                    format!(
                        "the request asks for extension {} twice; make it again with one",
                        ext.extn_id
                    ),
                ));
            }
        }

        let mut params = CertificateParams::default();
        params.distinguished_name = copy_name(&info.subject)
            .map_err(|reason| Error::input(name, format!("subject: {reason}")))?;
        params.serial_number = Some(random_serial());
        params.not_before = not_before;
        params.not_after = not_after;
        let requested_ca = requested
            .iter()
            .find(|e| e.extn_id == BASIC_CONSTRAINTS)
            .and_then(|e| {
                use x509_cert::der::Decode;
                x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes()).ok()
            })
            .filter(|bc| bc.ca);
        params.is_ca = match signing.profile {
            Some(profile) if profile.is_ca() => {
                IsCa::Ca(match requested_ca.and_then(|bc| bc.path_len_constraint) {
                    Some(limit) => BasicConstraints::Constrained(limit),
                    None => BasicConstraints::Unconstrained,
                })
            }
            _ => IsCa::ExplicitNoCa,
        };
        let subject_empty = info.subject.0.is_empty();
        for ext in &requested {
            let copy = match ext.extn_id {
                SUBJECT_ALT_NAME => true,
                KEY_USAGE | EXTENDED_KEY_USAGE => signing.profile.is_none(),
                _ => false,
            };
            if !copy {
                continue;
            }
            let arcs: Vec<u64> = ext.extn_id.arcs().map(u64::from).collect();
            let mut custom =
                CustomExtension::from_oid_content(&arcs, ext.extn_value.as_bytes().to_vec());
            // RFC 5280, 4.2.1.6: with an empty subject the SAN is critical.
            custom.set_criticality(
                ext.critical || (ext.extn_id == SUBJECT_ALT_NAME && subject_empty),
            );
            params.custom_extensions.push(custom);
        }
        if let Some(profile) = signing.profile {
            let key_type = verified.public_key.key_type();
            params.key_usages = profile
                .key_usage(key_type)
                .into_iter()
                .map(key_usage)
                .collect();
            params.extended_key_usages = profile
                .extended_key_usage()
                .into_iter()
                .map(extended_key_usage)
                .collect();
        }
        params.key_identifier_method =
            KeyIdMethod::PreSpecified(verified.public_key.key_identifier());
        params.use_authority_key_identifier_extension = true;

        let issuer = self.issuer();
        let cert = params
            .signed_by(&verified.public_key, &issuer)
            .map_err(|e| Error::crypto(format!("signing the request: {e}")))?;
        let cert_der = cert.der().to_vec();

        let report = self.report(&csr, &cert_der, signing, &verified.public_key)?;
        Ok(SignedCsr {
            cert_pem: pem_text("CERTIFICATE", &cert_der),
            cert_der,
            report,
        })
    }

    /// Compares the request with the certificate, extension by extension.
    fn report(
        &self,
        csr: &Csr,
        cert_der: &[u8],
        signing: &CsrSigning,
        public_key: &super::csr::CsrPublicKey,
    ) -> Result<SigningReport, Error> {
        let cert = crate::read::Certificate::from_der(cert_der)?;
        let same = |a: &Extension, b: &Extension| a.id == b.id && a.value == b.value;
        let mut notes = Vec::new();
        for ext in &csr.requested_extensions {
            let kept = cert.extensions.iter().find(|c| same(c, ext));
            notes.push(match kept {
                Some(issued) => SigningNote {
                    decision: Decision::Kept,
                    item: NotedItem::Extension(issued.clone()),
                    why: None,
                },
                None => SigningNote {
                    decision: Decision::Dropped,
                    item: NotedItem::Extension(ext.clone()),
                    why: Some(why_dropped(ext, signing.profile)),
                },
            });
        }
        for oid in &csr.other_attributes {
            notes.push(SigningNote {
                decision: Decision::Dropped,
                item: NotedItem::Attribute(oid.clone()),
                why: Some(Why::NotAnExtension),
            });
        }
        for ext in &cert.extensions {
            if !csr.requested_extensions.iter().any(|r| same(r, ext)) {
                notes.push(SigningNote {
                    decision: Decision::Added,
                    item: NotedItem::Extension(ext.clone()),
                    why: Some(why_added(ext, signing.profile)),
                });
            }
        }
        Ok(SigningReport {
            subject: csr.subject.clone(),
            public_key: public_key.description(),
            issuer: self.subject(),
            notes,
        })
    }
}

const SUBJECT_ALT_NAME: x509_cert::der::asn1::ObjectIdentifier =
    x509_cert::der::oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME;
const KEY_USAGE: x509_cert::der::asn1::ObjectIdentifier =
    x509_cert::der::oid::db::rfc5280::ID_CE_KEY_USAGE;
const EXTENDED_KEY_USAGE: x509_cert::der::asn1::ObjectIdentifier =
    x509_cert::der::oid::db::rfc5280::ID_CE_EXT_KEY_USAGE;
const BASIC_CONSTRAINTS: x509_cert::der::asn1::ObjectIdentifier =
    x509_cert::der::oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS;
const SUBJECT_KEY_IDENTIFIER: x509_cert::der::asn1::ObjectIdentifier =
    x509_cert::der::oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER;
const AUTHORITY_KEY_IDENTIFIER: x509_cert::der::asn1::ObjectIdentifier =
    x509_cert::der::oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER;

fn why_dropped(ext: &Extension, profile: Option<Profile>) -> Why {
    match ext.id.oid {
        KEY_USAGE | EXTENDED_KEY_USAGE => match profile {
            Some(profile) => Why::Profile(profile),
            None => Why::NotCopied,
        },
        BASIC_CONSTRAINTS => match profile {
            Some(profile) if profile.is_ca() => Why::Profile(profile),
            _ => Why::NotACa(profile),
        },
        SUBJECT_KEY_IDENTIFIER | AUTHORITY_KEY_IDENTIFIER => Why::KeyIdentifiers,
        _ => Why::NotCopied,
    }
}

fn why_added(ext: &Extension, profile: Option<Profile>) -> Why {
    match (ext.id.oid, profile) {
        (SUBJECT_KEY_IDENTIFIER | AUTHORITY_KEY_IDENTIFIER, _) => Why::KeyIdentifiers,
        (BASIC_CONSTRAINTS, Some(profile)) if profile.is_ca() => Why::Profile(profile),
        (BASIC_CONSTRAINTS, _) => Why::LeafMark,
        (_, Some(profile)) => Why::Profile(profile),
        // Nothing else is added without a profile.
        (_, None) => Why::LeafMark,
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Kept => "kept",
            Self::Added => "added",
            Self::Dropped => "dropped",
        })
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Profile(profile) => write!(f, "the {profile} profile sets its own"),
            Self::NotACa(Some(profile)) => write!(
                f,
                "the request asks to be a CA; the {profile} profile is not one \
                 (sign with the intermediate-ca profile to grant it)"
            ),
            Self::NotACa(None) => f.write_str(
                "the request asks to be a CA; certplay grants that only with the \
                 intermediate-ca profile",
            ),
            Self::LeafMark => f.write_str("every leaf certificate says it is not a CA"),
            Self::KeyIdentifiers => {
                f.write_str("key identifiers link the certificate to its key and its CA")
            }
            Self::NotCopied => f.write_str(
                "certplay copies only subjectAltName, keyUsage, extendedKeyUsage and \
                 basicConstraints from a request",
            ),
            Self::NotAnExtension => f.write_str(
                "a request attribute that is not an extension has no place in a certificate",
            ),
        }
    }
}

impl fmt::Display for NotedItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Extension(ext) => f.write_str(&extension_line(ext)),
            Self::Attribute(oid) => write!(f, "attribute {oid}"),
        }
    }
}

impl fmt::Display for SigningNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<8}{}", self.decision.to_string(), self.item)?;
        if let Some(why) = self.why {
            write!(f, " ({why})")?;
        }
        Ok(())
    }
}

impl fmt::Display for SigningReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "kept    subject: {}", self.subject)?;
        writeln!(f, "kept    public key: {}", self.public_key)?;
        writeln!(f, "added   issuer: {}", self.issuer)?;
        for note in &self.notes {
            writeln!(f, "{note}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::csr::CsrParams;
    use crate::{KeyPair, KeyType, Plan};

    fn ca() -> ExistingCa {
        Plan::default()
            .issue()
            .unwrap()
            .ca("ca", "test CA")
            .unwrap()
    }

    fn lines(report: &SigningReport) -> Vec<String> {
        report.to_string().lines().map(str::to_owned).collect()
    }

    #[test]
    fn a_request_is_signed_with_its_key_and_sans() {
        let ca = ca();
        for key_type in [KeyType::EcdsaP256, KeyType::Ed25519, KeyType::Rsa2048] {
            let key = KeyPair::generate(key_type).unwrap();
            let sans = vec!["DNS:svc.test".parse().unwrap()];
            let csr = CsrParams::new("svc", sans).request(&key).unwrap();
            let signed = ca
                .sign_csr(
                    Source::new("svc.csr", csr.pem.as_bytes()),
                    &CsrSigning::default(),
                    OffsetDateTime::now_utc(),
                )
                .unwrap();
            let cert = crate::read::Certificate::from_der(&signed.cert_der).unwrap();
            assert_eq!(cert.subject.to_string(), "CN=svc");
            assert_eq!(cert.issuer.to_string(), "CN=my-ca");
            let spki = x509_cert::der::Encode::to_der(
                &<x509_cert::Certificate as x509_cert::der::Decode>::from_der(&signed.cert_der)
                    .unwrap()
                    .tbs_certificate
                    .subject_public_key_info,
            )
            .unwrap();
            assert_eq!(spki, key.public_key_info_der().unwrap());
            let text = lines(&signed.report);
            assert!(
                text.iter()
                    .any(|l| l.starts_with("kept") && l.contains("DNS:svc.test")),
                "{text:#?}"
            );
            assert!(
                text.iter()
                    .any(|l| l.starts_with("added") && l.contains("Basic Constraints")),
                "{text:#?}"
            );
            assert!(signed.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        }
    }

    #[test]
    fn a_profile_replaces_purposes_and_a_ca_request_is_refused_for_a_leaf() {
        let ca = ca();
        let key = KeyPair::generate(KeyType::EcdsaP256).unwrap();
        let mut params = CsrParams::new("sub-ca", vec![]);
        params.profile = Some(Profile::IntermediateCa);
        let csr = params.request(&key).unwrap();
        let sign_as = |profile| {
            let signing = CsrSigning {
                profile: Some(profile),
                ..CsrSigning::default()
            };
            let signed = ca
                .sign_csr(
                    Source::new("sub.csr", &csr.der),
                    &signing,
                    OffsetDateTime::now_utc(),
                )
                .unwrap();
            let cert = crate::read::Certificate::from_der(&signed.cert_der).unwrap();
            (signed, cert)
        };
        let (signed, cert) = sign_as(Profile::Server);
        let text = lines(&signed.report);
        assert!(
            text.iter().any(|l| l.starts_with("dropped")
                && l.contains("CA:TRUE")
                && l.contains("asks to be a CA")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|l| l.starts_with("added") && l.contains("TLS Web Server Authentication")),
            "{text:#?}"
        );
        assert!(cert.extensions.iter().any(|e| matches!(
            e.value,
            crate::read::model::ExtensionValue::BasicConstraints { ca: false, .. }
        )));
        // Granted with a CA profile.
        let (_, cert) = sign_as(Profile::IntermediateCa);
        assert!(cert.extensions.iter().any(|e| matches!(
            e.value,
            crate::read::model::ExtensionValue::BasicConstraints { ca: true, .. }
        )));
    }

    #[test]
    fn a_tampered_request_is_refused() {
        let ca = ca();
        let key = KeyPair::generate(KeyType::EcdsaP256).unwrap();
        let csr = CsrParams::new("svc", vec![]).request(&key).unwrap();
        let mut der = csr.der.clone();
        let last = der.len() - 1;
        der[last] ^= 0x01;
        let err = ca
            .sign_csr(
                Source::new("svc.csr", &der),
                &CsrSigning::default(),
                OffsetDateTime::now_utc(),
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("svc.csr") && err.contains("signature does not verify"),
            "{err}"
        );
    }
}
