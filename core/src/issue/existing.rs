//! A CA a person already has (the blog's `ca.crt` + `ca.key`, an mkcert
//! root): not issued again; the plan's later entries are signed by it, with
//! its subject copied exactly (verifiers compare names byte for byte) and
//! its subjectKeyIdentifier as their authorityKeyIdentifier.

use rcgen::{CertificateParams, DistinguishedName, DnType, DnValue, Issuer, KeyIdMethod};
use x509_cert::der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
use x509_cert::der::{Decode, Encode, Tag, Tagged};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};

use super::crl::{CrlParams, IssuedCrl};
use super::given::GivenCa;
use super::import::read_private_key;
use super::{IssuedEntry, KeyPair};
use crate::read::{read_certificates, Source};
use crate::Error;

/// An existing CA certificate with its private key, checked to belong
/// together and to be a CA.
#[derive(Debug)]
pub struct ExistingCa {
    cert_der: Vec<u8>,
    cert_pem: String,
    key: KeyPair,
    subject: DistinguishedName,
    key_identifier: Vec<u8>,
    /// The certificate's name as the person gave it, for messages.
    cert_name: String,
    /// keyUsage lets it sign CRLs (cRLSign, or no keyUsage at all).
    crl_sign: bool,
    /// The certificate, read: what the plan's new certificates are
    /// checked against.
    given: GivenCa,
}

impl ExistingCa {
    /// Reads the CA certificate (the first in `cert`) and its private key
    /// (any file [`read_private_key`] reads, opened with `key.password`)
    /// and checks them.
    pub fn read(cert: Source<'_>, key: Source<'_>) -> Result<Self, Error> {
        let certificates = read_certificates(cert)?;
        let first = certificates.first().ok_or_else(|| Error::NoPem {
            file: cert.name.into(),
            expected: "CERTIFICATE",
            found: vec![],
        })?;
        let key_pair = read_private_key(key)?.into_pair()?;
        Self::from_der(cert.name, first.der.as_ref(), key.name, key_pair)
    }

    /// The same from a DER certificate and a key pair.
    pub fn from_der(
        cert_name: &str,
        der: &[u8],
        key_name: &str,
        key: KeyPair,
    ) -> Result<Self, Error> {
        let malformed = |reason: String| Error::Malformed {
            what: cert_name.into(),
            reason,
        };
        let cert = crate::material::x509_certificate(der).map_err(|e| malformed(e.to_string()))?;
        let given = GivenCa::from_der(der).map_err(|e| malformed(e.to_string()))?;
        let tbs = &cert.tbs_certificate;
        let subject_text = crate::read::name(&tbs.subject).to_string();
        let not_ca = |why: &str| Error::InvalidInput {
            field: cert_name.into(),
            reason: format!(
                "{subject_text} is not a CA certificate ({why}): it cannot sign other certificates"
            ),
        };
        let extensions = tbs.extensions.as_deref().unwrap_or_default();
        let find = |oid| extensions.iter().find(|e| e.extn_id == oid);
        let constraints = find(x509_cert::der::oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS)
            .ok_or_else(|| not_ca("no basicConstraints extension"))?;
        let constraints = BasicConstraints::from_der(constraints.extn_value.as_bytes())
            .map_err(|e| malformed(format!("basicConstraints: {e}")))?;
        if !constraints.ca {
            return Err(not_ca("basicConstraints CA:FALSE"));
        }
        let spki = tbs
            .subject_public_key_info
            .to_der()
            .map_err(|e| malformed(e.to_string()))?;
        if spki != key.public_key_info_der()? {
            return Err(Error::KeyMismatch {
                key_file: key_name.into(),
                cert_file: cert_name.into(),
                subject: subject_text,
            });
        }
        let key_identifier =
            match find(x509_cert::der::oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER) {
                Some(ext) => SubjectKeyIdentifier::from_der(ext.extn_value.as_bytes())
                    .map_err(|e| malformed(format!("subjectKeyIdentifier: {e}")))?
                    .0
                    .as_bytes()
                    .to_vec(),
                None => key.key_identifier(),
            };
        let crl_sign = match find(x509_cert::der::oid::db::rfc5280::ID_CE_KEY_USAGE) {
            Some(ext) => KeyUsage::from_der(ext.extn_value.as_bytes())
                .map_err(|e| malformed(format!("keyUsage: {e}")))?
                .0
                .contains(KeyUsages::CRLSign),
            None => true,
        };
        let subject =
            copy_name(&tbs.subject).map_err(|reason| malformed(format!("subject: {reason}")))?;
        let cert_pem = pem::encode_config(
            &pem::Pem::new("CERTIFICATE", der.to_vec()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        );
        Ok(Self {
            cert_der: der.to_vec(),
            cert_pem,
            key,
            subject,
            key_identifier,
            cert_name: cert_name.into(),
            crl_sign,
            given,
        })
    }

    /// Issues a CRL of this CA: its subject as the CRL's issuer, its
    /// subjectKeyIdentifier as the authorityKeyIdentifier, signed with its
    /// key.
    pub fn issue_crl(&self, params: &CrlParams) -> Result<IssuedCrl, Error> {
        if !self.crl_sign {
            return Err(Error::InvalidInput {
                field: self.cert_name.clone(),
                reason: format!(
                    "{}: its keyUsage lacks cRLSign, so verifiers (webpki, openssl) refuse \
                     CRLs it signs; re-issue the CA with keyUsage cRLSign (certplay's CAs have it)",
                    self.subject()
                ),
            });
        }
        let crl_params = params.to_rcgen(self.key_identifier.clone())?;
        let mut issuer_params = CertificateParams::default();
        issuer_params.distinguished_name = self.subject.clone();
        issuer_params.key_identifier_method =
            KeyIdMethod::PreSpecified(self.key_identifier.clone());
        let issuer = Issuer::new(issuer_params, &self.key);
        let crl = crl_params
            .signed_by(&issuer)
            .map_err(|e| Error::InvalidInput {
                field: self.cert_name.clone(),
                reason: format!("signing the CRL failed: {e}"),
            })?;
        Ok(IssuedCrl::from_der(crl.der().to_vec()))
    }

    /// The CA's certificate, read.
    pub fn given(&self) -> &GivenCa {
        &self.given
    }

    /// The CA's certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The CA's subject, as text.
    pub fn subject(&self) -> String {
        crate::material::x509_certificate(&self.cert_der)
            .map(|c| crate::read::name(&c.tbs_certificate.subject).to_string())
            .unwrap_or_default()
    }

    /// The issuer that signs with this CA (a borrowed key: a CA signs
    /// many requests).
    pub(super) fn issuer(&self) -> Issuer<'static, &KeyPair> {
        let mut params = CertificateParams::default();
        params.distinguished_name = self.subject.clone();
        params.key_identifier_method = KeyIdMethod::PreSpecified(self.key_identifier.clone());
        Issuer::new(params, &self.key)
    }

    /// The entry's output (its certificate; no key: the person has it) and
    /// the issuer that signs the entries below it.
    pub(super) fn into_issuer(
        self,
        name: &str,
    ) -> Result<(IssuedEntry, Issuer<'static, KeyPair>), Error> {
        let mut params = CertificateParams::default();
        params.distinguished_name = self.subject;
        params.key_identifier_method = KeyIdMethod::PreSpecified(self.key_identifier);
        let key_type = self.key.key_type();
        let issued = IssuedEntry {
            name: name.into(),
            cert_der: self.cert_der,
            cert_pem: self.cert_pem,
            key_pem: None,
            key_type: Some(key_type),
            chain_pem: None,
        };
        Ok((issued, Issuer::new(params, self.key)))
    }
}

/// Copies a Name into rcgen's model, keeping each attribute's order and
/// string type, so that the issuer field of what it signs equals the CA's
/// subject.
pub(super) fn copy_name(name: &x509_cert::name::Name) -> Result<DistinguishedName, String> {
    let mut copy = DistinguishedName::new();
    for rdn in name.0.iter() {
        let attributes = rdn.0.as_slice();
        let [attribute] = attributes else {
            return Err(
                "a multi-valued RDN (several attributes joined by '+'), which certplay cannot copy"
                    .into(),
            );
        };
        let arcs: Vec<u64> = attribute.oid.arcs().map(u64::from).collect();
        let value = &attribute.value;
        let text = |e: x509_cert::der::Error| format!("attribute {}: {e}", attribute.oid);
        let value = match value.tag() {
            Tag::PrintableString => {
                let s = PrintableStringRef::try_from(value).map_err(text)?;
                DnValue::PrintableString(
                    s.as_str()
                        .to_owned()
                        .try_into()
                        .map_err(|_| format!("attribute {}: not printable", attribute.oid))?,
                )
            }
            Tag::Utf8String => DnValue::Utf8String(
                Utf8StringRef::try_from(value)
                    .map_err(text)?
                    .as_str()
                    .to_owned(),
            ),
            Tag::Ia5String => DnValue::Ia5String(
                Ia5StringRef::try_from(value)
                    .map_err(text)?
                    .as_str()
                    .to_owned()
                    .try_into()
                    .map_err(|_| format!("attribute {}: not IA5", attribute.oid))?,
            ),
            other => {
                return Err(format!(
                    "attribute {} is a {other}, a string type certplay cannot copy exactly",
                    attribute.oid
                ))
            }
        };
        let kind = DnType::from_oid(&arcs);
        if copy.get(&kind).is_some() {
            return Err(format!(
                "attribute {} appears twice, which certplay cannot copy exactly",
                attribute.oid
            ));
        }
        copy.push(kind, value);
    }
    Ok(copy)
}
