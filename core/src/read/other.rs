//! The artifacts other than certificates: CSRs (PKCS#10, RFC 2986), CRLs
//! (RFC 5280, section 5) and private keys (PKCS#8, PKCS#1, SEC1, encrypted
//! PKCS#8). A private key's secret is never kept, only what identifies it.

use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::crl::CertificateList;
use x509_cert::der::asn1::{BitStringRef, ObjectIdentifier, OctetStringRef};
use x509_cert::der::oid::AssociatedOid;
use x509_cert::der::{Decode, Encode, Reader, SliceReader, TagNumber};
use x509_cert::ext::pkix::CrlReason;
use x509_cert::request::{CertReq, ExtensionReq};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::cert::{extension, malformed, name, public_key, Certificate};
use super::model::{Extension, ExtensionValue, Hex, KeyKind, Name, Oid, PublicKey, Time};
use crate::oid::{Curve, KeyAlgorithm};
use crate::Error;

/// A certificate signing request (PKCS#10), read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Csr {
    /// version (0 means v1, the only one).
    pub version: u8,
    /// subject.
    pub subject: Name,
    /// subjectPKInfo.
    pub public_key: PublicKey,
    /// The extensions of the extensionRequest attribute.
    pub requested_extensions: Vec<Extension>,
    /// Other attributes, by type.
    pub other_attributes: Vec<Oid>,
    /// signatureAlgorithm.
    pub signature_algorithm: Oid,
    /// The signature's bytes.
    pub signature: Hex,
    /// The DER.
    #[serde(skip)]
    pub der: Vec<u8>,
}

impl Csr {
    /// Reads a DER CSR.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let csr = CertReq::from_der(der).map_err(|e| malformed("certificate request", e))?;
        let mut requested_extensions = Vec::new();
        let mut other_attributes = Vec::new();
        for attribute in csr.info.attributes.iter() {
            if attribute.oid == ExtensionReq::OID {
                for value in attribute.values.iter() {
                    let req: ExtensionReq = value
                        .decode_as()
                        .map_err(|e| malformed("certificate request's extensionRequest", e))?;
                    requested_extensions.extend(req.0.iter().map(extension));
                }
            } else {
                other_attributes.push(Oid::new(attribute.oid));
            }
        }
        Ok(Self {
            version: 1,
            subject: name(&csr.info.subject),
            public_key: public_key(&csr.info.public_key),
            requested_extensions,
            other_attributes,
            signature_algorithm: Oid::new(csr.algorithm.oid),
            signature: Hex(csr.signature.raw_bytes().to_vec()),
            der: der.to_vec(),
        })
    }
}

/// A certificate revocation list, read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Crl {
    /// 1 or 2.
    pub version: u8,
    /// signatureAlgorithm.
    pub signature_algorithm: Oid,
    /// issuer.
    pub issuer: Name,
    /// thisUpdate.
    pub this_update: Time,
    /// nextUpdate.
    pub next_update: Option<Time>,
    /// revokedCertificates.
    pub revoked: Vec<Revoked>,
    /// crlExtensions.
    pub extensions: Vec<Extension>,
    /// The signature's bytes.
    pub signature: Hex,
    /// The DER.
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revoked {
    /// userCertificate (its serial number).
    pub serial: Hex,
    /// revocationDate.
    pub date: Time,
    /// reasonCode, if given.
    pub reason: Option<&'static str>,
}

impl Crl {
    /// Reads a DER CRL.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let crl = CertificateList::from_der(der).map_err(|e| malformed("CRL", e))?;
        let tbs = &crl.tbs_cert_list;
        Ok(Self {
            version: match tbs.version {
                x509_cert::Version::V1 => 1,
                _ => 2,
            },
            signature_algorithm: Oid::new(crl.signature_algorithm.oid),
            issuer: name(&tbs.issuer),
            this_update: Time::from_x509(tbs.this_update),
            next_update: tbs.next_update.map(Time::from_x509),
            revoked: tbs
                .revoked_certificates
                .iter()
                .flatten()
                .map(|r| Revoked {
                    serial: Hex(r.serial_number.as_bytes().to_vec()),
                    date: Time::from_x509(r.revocation_date),
                    reason: r
                        .crl_entry_extensions
                        .iter()
                        .flatten()
                        .find(|e| e.extn_id == CrlReason::OID)
                        .map(extension)
                        .and_then(|e| match e.value {
                            ExtensionValue::CrlReason(r) => Some(r),
                            _ => None,
                        }),
                })
                .collect(),
            extensions: tbs.crl_extensions.iter().flatten().map(extension).collect(),
            signature: Hex(crl.signature.raw_bytes().to_vec()),
            der: der.to_vec(),
        })
    }
}

/// The encoding a private key came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyFormat {
    /// PKCS#8 PrivateKeyInfo (`PRIVATE KEY`).
    Pkcs8,
    /// PKCS#1 RSAPrivateKey (`RSA PRIVATE KEY`).
    Pkcs1,
    /// SEC1 ECPrivateKey (`EC PRIVATE KEY`).
    Sec1,
    /// PKCS#8 EncryptedPrivateKeyInfo (`ENCRYPTED PRIVATE KEY`).
    EncryptedPkcs8,
}

/// A private key, described without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrivateKey {
    /// How it was encoded.
    pub format: KeyFormat,
    /// Type and size; `None` for an encrypted key.
    pub kind: Option<KeyKind>,
    /// SHA-256 of the matching SubjectPublicKeyInfo DER, when certplay could
    /// derive the public key (compare with a certificate's `spki_sha256`).
    pub public_key_sha256: Option<Hex>,
    /// For an encrypted key: the encryption scheme (`id-PBES2`).
    pub encryption: Option<Oid>,
}

impl PrivateKey {
    /// True when this key's public half is the certificate's public key.
    /// `None` when certplay could not derive the public key.
    pub fn matches(&self, cert: &Certificate) -> Option<bool> {
        self.public_key_sha256
            .as_ref()
            .map(|h| *h == cert.public_key.spki_sha256)
    }

    /// Reads a DER key in the given format.
    pub fn from_der(der: &[u8], format: KeyFormat) -> Result<Self, Error> {
        match format {
            KeyFormat::Pkcs8 => Self::pkcs8(der),
            KeyFormat::Pkcs1 => Self::pkcs1(der),
            KeyFormat::Sec1 => Self::sec1(der, None),
            KeyFormat::EncryptedPkcs8 => Self::encrypted(der),
        }
    }

    fn pkcs8(der: &[u8]) -> Result<Self, Error> {
        let info = p256::pkcs8::PrivateKeyInfo::try_from(der)
            .map_err(|e| malformed("PKCS#8 private key", e))?;
        let algorithm = info.algorithm.oid;
        let key_algorithm = KeyAlgorithm::of(&algorithm);
        let mut key = match key_algorithm {
            Some(KeyAlgorithm::Rsa) => Self::pkcs1(info.private_key)?,
            Some(KeyAlgorithm::Ec) => {
                let curve = info
                    .algorithm
                    .parameters
                    .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
                Self::sec1(info.private_key, curve)?
            }
            Some(KeyAlgorithm::Ed25519 | KeyAlgorithm::Ed448) => {
                let ed25519 = key_algorithm == Some(KeyAlgorithm::Ed25519);
                Self {
                    format: KeyFormat::Pkcs8,
                    kind: Some(if ed25519 {
                        KeyKind::Ed25519
                    } else {
                        KeyKind::Ed448
                    }),
                    public_key_sha256: match info.public_key {
                        Some(pk) => spki_sha256(&info.algorithm.oid, None, pk),
                        // PKCS#8 v1 (what OpenSSL writes) holds only the
                        // seed: derive the public key from it (Ed25519).
                        None if ed25519 => OctetStringRef::from_der(info.private_key)
                            .ok()
                            .and_then(|seed| <[u8; 32]>::try_from(seed.as_bytes()).ok())
                            .map(|seed| ed25519_dalek::SigningKey::from_bytes(&seed))
                            .and_then(|key| {
                                spki_sha256(
                                    &info.algorithm.oid,
                                    None,
                                    key.verifying_key().as_bytes(),
                                )
                            }),
                        None => None,
                    },
                    encryption: None,
                }
            }
            None => Self {
                format: KeyFormat::Pkcs8,
                kind: Some(KeyKind::Other {
                    algorithm: Oid::new(algorithm),
                }),
                public_key_sha256: None,
                encryption: None,
            },
        };
        key.format = KeyFormat::Pkcs8;
        Ok(key)
    }

    fn pkcs1(der: &[u8]) -> Result<Self, Error> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::pkcs8::EncodePublicKey;
        use rsa::traits::PublicKeyParts;
        let key =
            rsa::RsaPrivateKey::from_pkcs1_der(der).map_err(|e| malformed("RSA private key", e))?;
        let public = key.to_public_key();
        let spki = public
            .to_public_key_der()
            .map_err(|e| malformed("RSA public key", e))?;
        Ok(Self {
            format: KeyFormat::Pkcs1,
            kind: Some(KeyKind::Rsa {
                bits: u32::try_from(public.n().bits()).unwrap_or(u32::MAX),
                exponent: public.e().to_bytes_be().iter().fold(0u64, |a, b| {
                    a.saturating_mul(256).saturating_add(u64::from(*b))
                }),
            }),
            public_key_sha256: Some(Hex(Sha256::digest(spki.as_bytes()).to_vec())),
            encryption: None,
        })
    }

    /// SEC1 ECPrivateKey; `outer_curve` comes from PKCS#8's algorithm.
    fn sec1(der: &[u8], outer_curve: Option<ObjectIdentifier>) -> Result<Self, Error> {
        let bad = |e: x509_cert::der::Error| malformed("EC private key", e);
        let mut reader = SliceReader::new(der).map_err(bad)?;
        let (curve, public) = reader
            .sequence(|r| {
                let _version = u8::decode(r)?;
                let _secret = OctetStringRef::decode(r)?;
                let curve = r.context_specific::<ObjectIdentifier>(
                    TagNumber::N0,
                    x509_cert::der::TagMode::Explicit,
                )?;
                let public = r.context_specific::<BitStringRef<'_>>(
                    TagNumber::N1,
                    x509_cert::der::TagMode::Explicit,
                )?;
                Ok((curve, public.map(|p| p.raw_bytes().to_vec())))
            })
            .map_err(bad)?;
        reader.finish(()).map_err(bad)?;
        let curve = curve.or(outer_curve);
        let ec = KeyAlgorithm::Ec.oid();
        let public_key_sha256 = match (&public, curve) {
            (Some(point), Some(curve)) => spki_sha256(&ec, Some(curve), point),
            _ => match curve.as_ref().and_then(Curve::of) {
                // Without the public point in the file, derive it (P-256 only).
                Some(Curve::P256) => p256::SecretKey::from_sec1_der(der)
                    .ok()
                    .and_then(|k| {
                        use p256::pkcs8::EncodePublicKey;
                        k.public_key().to_public_key_der().ok()
                    })
                    .map(|d| Hex(Sha256::digest(d.as_bytes()).to_vec())),
                _ => None,
            },
        };
        Ok(Self {
            format: KeyFormat::Sec1,
            kind: Some(match curve {
                Some(c) => KeyKind::Ec {
                    bits: Curve::of(&c).map_or(0, Curve::bits),
                    curve: Oid::new(c),
                },
                None => KeyKind::Other {
                    algorithm: Oid::new(ec),
                },
            }),
            public_key_sha256,
            encryption: None,
        })
    }

    fn encrypted(der: &[u8]) -> Result<Self, Error> {
        let bad = |e: x509_cert::der::Error| malformed("encrypted PKCS#8 private key", e);
        let mut reader = SliceReader::new(der).map_err(bad)?;
        let algorithm = reader
            .sequence(|r| {
                let algorithm = AlgorithmIdentifierOwned::decode(r)?;
                let _data = OctetStringRef::decode(r)?;
                Ok(algorithm)
            })
            .map_err(bad)?;
        reader.finish(()).map_err(bad)?;
        Ok(Self {
            format: KeyFormat::EncryptedPkcs8,
            kind: None,
            public_key_sha256: None,
            encryption: Some(Oid::new(algorithm.oid)),
        })
    }
}

/// SHA-256 of the SubjectPublicKeyInfo made of these parts.
fn spki_sha256(
    algorithm: &ObjectIdentifier,
    curve: Option<ObjectIdentifier>,
    point: &[u8],
) -> Option<Hex> {
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: *algorithm,
            parameters: match curve {
                Some(c) => Some(x509_cert::der::Any::encode_from(&c).ok()?),
                None => None,
            },
        },
        subject_public_key: x509_cert::der::asn1::BitString::from_bytes(point).ok()?,
    };
    let der = spki.to_der().ok()?;
    Some(Hex(Sha256::digest(der).to_vec()))
}

/// A bare public key (`PUBLIC KEY`).
pub(crate) fn spki_from_der(der: &[u8]) -> Result<PublicKey, Error> {
    let spki = SubjectPublicKeyInfoOwned::from_der(der).map_err(|e| malformed("public key", e))?;
    Ok(public_key(&spki))
}
