//! Certificate signing requests (PKCS#10, RFC 2986): making one for a plan
//! entry or from a name and a key, and reading one a person brings, with
//! its own signature checked before anything in it is believed.
//!
//! Reading uses x509-cert and the pure-Rust key crates (rcgen's CSR parser
//! needs x509-parser and ring, which the page does not carry), so the same
//! code checks a CSR natively and in the browser.

use rcgen::{CertificateParams, IsCa};
use rsa::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::der::asn1::{BitStringRef, ObjectIdentifier};
use x509_cert::der::{Decode, Encode, Reader, SliceReader};
use x509_cert::request::CertReq;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::{distinguished_name, extended_key_usage, key_usage, san_type, KeyPair, KeyType};
use crate::oid::{self, Curve, Hash, KeyAlgorithm, SignatureAlgorithm};
use crate::plan::{ExtendedKeyUsage, KeyUsage, Plan, PlanField, Profile, San, Subject};
use crate::Error;

/// What a CSR asks for: a subject, subjectAltNames and, optionally, the
/// extensions of a profile (keyUsage, extendedKeyUsage, basicConstraints).
/// The signing CA decides what it grants; these are requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrParams {
    /// subject (RFC 2986, CertificationRequestInfo.subject).
    pub subject: Subject,
    /// subjectAltName (RFC 5280, section 4.2.1.6), requested.
    pub sans: Vec<San>,
    /// When set, the request also asks for this profile's extensions.
    pub profile: Option<Profile>,
    /// keyUsage to request instead of the profile's.
    pub key_usage: Option<Vec<KeyUsage>>,
    /// extendedKeyUsage to request instead of the profile's.
    pub extended_key_usage: Option<Vec<ExtendedKeyUsage>>,
    /// pathLenConstraint to request, for a CA profile.
    pub path_len: Option<u8>,
}

/// A CSR, DER and PEM (`-----BEGIN CERTIFICATE REQUEST-----`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// The DER bytes.
    pub der: Vec<u8>,
    /// The same as PEM.
    pub pem: String,
}

impl CsrParams {
    /// A request for `common_name` with these subjectAltNames and no
    /// profile: the CA's profile decides the purposes.
    pub fn new(common_name: &str, sans: Vec<San>) -> Self {
        Self {
            subject: Subject {
                common_name: common_name.into(),
                ..Subject::default()
            },
            sans,
            profile: None,
            key_usage: None,
            extended_key_usage: None,
            path_len: None,
        }
    }

    /// The request for a plan entry: its subject, SANs and profile, as the
    /// plan would issue it (for a CA that is not in the plan to sign).
    pub fn for_entry(plan: &Plan, name: &str) -> Result<Self, Error> {
        let entry = plan.entry(name).ok_or_else(|| {
            let names: Vec<&str> = plan.entries.iter().map(|e| e.name.as_str()).collect();
            Error::plan(
                name,
                PlanField::Name,
                format!("no such entry; the plan has {}", names.join(", ")),
            )
        })?;
        Ok(Self {
            subject: entry.subject.clone(),
            sans: entry.sans.clone(),
            profile: Some(entry.profile),
            key_usage: entry.key_usage.clone(),
            extended_key_usage: entry.extended_key_usage.clone(),
            path_len: entry.path_len,
        })
    }

    /// Makes the CSR, signed by `key` (proof that the requester holds it).
    pub fn request(&self, key: &KeyPair) -> Result<CertificateRequest, Error> {
        if self.subject.common_name.trim().is_empty() && self.sans.is_empty() {
            return Err(Error::input(
                "common name",
                "a request needs a common name or at least one subjectAltName",
            ));
        }
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(&self.subject);
        if self.subject.common_name.trim().is_empty() {
            // A request by subjectAltName only: no empty CN attribute.
            params.distinguished_name.remove(rcgen::DnType::CommonName);
        }
        params.subject_alt_names = self
            .sans
            .iter()
            .map(san_type)
            .collect::<Result<_, _>>()
            .map_err(|reason| Error::input("subjectAltName", reason))?;
        if let Some(profile) = self.profile {
            params.is_ca = if profile.is_ca() {
                IsCa::Ca(match self.path_len {
                    Some(limit) => rcgen::BasicConstraints::Constrained(limit),
                    None => rcgen::BasicConstraints::Unconstrained,
                })
            } else {
                IsCa::ExplicitNoCa
            };
            let usages = self
                .key_usage
                .clone()
                .unwrap_or_else(|| profile.key_usage(key.key_type()));
            params.key_usages = usages.into_iter().map(key_usage).collect();
            let purposes = self
                .extended_key_usage
                .clone()
                .unwrap_or_else(|| profile.extended_key_usage());
            params.extended_key_usages = purposes.into_iter().map(extended_key_usage).collect();
        }
        let csr = params
            .serialize_request(key)
            .map_err(|e| Error::crypto(format!("making the CSR: {e}")))?;
        let der = csr.der().to_vec();
        Ok(CertificateRequest {
            pem: pem_text("CERTIFICATE REQUEST", &der),
            der,
        })
    }
}

/// `der` as PEM with this label and LF line ends.
pub(crate) fn pem_text(label: &str, der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new(label, der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// A CSR whose signature verified under its own public key.
#[derive(Debug, Clone)]
pub(crate) struct VerifiedCsr {
    /// The parsed request.
    pub request: CertReq,
    /// Its public key, as rcgen writes it into a certificate.
    pub public_key: CsrPublicKey,
}

/// The key kinds whose requests certplay checks and signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CsrKeyKind {
    P256,
    P384,
    Ed25519,
    Rsa,
}

/// The public key of a CSR, for rcgen to put into the certificate: the
/// subjectPublicKey bits and the algorithm rcgen names in the SPKI.
#[derive(Debug, Clone)]
pub(crate) struct CsrPublicKey {
    pub kind: CsrKeyKind,
    /// The subjectPublicKey BIT STRING's bytes.
    pub bits: Vec<u8>,
    /// The RSA modulus size in bits (0 for the others).
    pub rsa_bits: usize,
}

impl CsrPublicKey {
    /// The key type the profiles use for keyUsage: RSA of any size is RSA.
    pub fn key_type(&self) -> KeyType {
        match self.kind {
            CsrKeyKind::P256 => KeyType::EcdsaP256,
            CsrKeyKind::P384 => KeyType::EcdsaP384,
            CsrKeyKind::Ed25519 => KeyType::Ed25519,
            // Only "is it RSA" matters for keyUsage; the size is kept as is.
            CsrKeyKind::Rsa => KeyType::Rsa2048,
        }
    }

    /// A human description (`ECDSA P-256`, `RSA-3072`).
    pub fn description(&self) -> String {
        match self.kind {
            CsrKeyKind::P256 => "ECDSA P-256".into(),
            CsrKeyKind::P384 => "ECDSA P-384".into(),
            CsrKeyKind::Ed25519 => "Ed25519".into(),
            CsrKeyKind::Rsa => format!("RSA-{}", self.rsa_bits),
        }
    }

    /// The key identifier certplay gives every certificate (RFC 7093,
    /// section 2, method 1), as for its own keys.
    pub fn key_identifier(&self) -> Vec<u8> {
        Sha256::digest(&self.bits)
            .iter()
            .take(20)
            .copied()
            .collect()
    }
}

impl rcgen::PublicKeyData for CsrPublicKey {
    fn der_bytes(&self) -> &[u8] {
        &self.bits
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        // rcgen writes the SPKI's AlgorithmIdentifier from this: the key's
        // algorithm and curve (the hash part does not appear in an SPKI).
        match self.kind {
            CsrKeyKind::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            CsrKeyKind::P384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            CsrKeyKind::Ed25519 => &rcgen::PKCS_ED25519,
            CsrKeyKind::Rsa => &rcgen::PKCS_RSA_SHA256,
        }
    }
}

/// Parses a DER CSR and checks its signature with its own public key.
pub(crate) fn verify_csr(name: &str, der: &[u8]) -> Result<VerifiedCsr, Error> {
    let malformed = |what: &str, e: &dyn std::fmt::Display| Error::Malformed {
        what: name.into(),
        reason: format!("{what}: {e}"),
    };
    let request = CertReq::from_der(der)
        .map_err(|e| malformed("not a certificate signing request (PKCS#10)", &e))?;
    let info_der = request_info_bytes(der).map_err(|e| malformed("certificate request", &e))?;
    let spki = &request.info.public_key;
    let spki_der = spki.to_der().map_err(|e| malformed("subjectPKInfo", &e))?;
    let bits = spki.subject_public_key.raw_bytes().to_vec();
    let signature = request.signature.raw_bytes();
    let algorithm = signature_algorithm(name, &request.algorithm)?;
    let bad_signature = |detail: &str| {
        Error::input(
            name,
            format!(
                "the request's signature does not verify under its own public key ({detail}): \
                 it was altered or damaged after it was signed; make a new request"
            ),
        )
    };
    let key_algorithm = KeyAlgorithm::of(&spki.algorithm.oid);
    let curve_oid = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    let curve = curve_oid.as_ref().and_then(Curve::of);
    let (kind, rsa_bits) = match (key_algorithm, curve, algorithm) {
        (Some(KeyAlgorithm::Ec), Some(Curve::P256), SignatureAlgorithm::Ecdsa(hash)) => {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der)
                .map_err(|e| malformed("P-256 public key", &e))?;
            let sig = p256::ecdsa::Signature::from_der(signature)
                .map_err(|_| bad_signature("the ECDSA signature is not a valid DER signature"))?;
            key.verify_prehash(&hash.digest(&info_der), &sig)
                .map_err(|_| bad_signature("ECDSA P-256"))?;
            (CsrKeyKind::P256, 0)
        }
        (Some(KeyAlgorithm::Ec), Some(Curve::P384), SignatureAlgorithm::Ecdsa(hash)) => {
            use p384::ecdsa::signature::hazmat::PrehashVerifier;
            let key = p384::ecdsa::VerifyingKey::from_public_key_der(&spki_der)
                .map_err(|e| malformed("P-384 public key", &e))?;
            let sig = p384::ecdsa::Signature::from_der(signature)
                .map_err(|_| bad_signature("the ECDSA signature is not a valid DER signature"))?;
            key.verify_prehash(&hash.digest(&info_der), &sig)
                .map_err(|_| bad_signature("ECDSA P-384"))?;
            (CsrKeyKind::P384, 0)
        }
        (Some(KeyAlgorithm::Ed25519), _, SignatureAlgorithm::Ed25519) => {
            let key = ed25519_dalek::VerifyingKey::from_public_key_der(&spki_der)
                .map_err(|e| malformed("Ed25519 public key", &e))?;
            let sig = ed25519_dalek::Signature::from_slice(signature)
                .map_err(|_| bad_signature("an Ed25519 signature is 64 bytes"))?;
            key.verify_strict(&info_der, &sig)
                .map_err(|_| bad_signature("Ed25519"))?;
            (CsrKeyKind::Ed25519, 0)
        }
        (Some(KeyAlgorithm::Rsa), _, SignatureAlgorithm::RsaPkcs1(hash)) => {
            use rsa::traits::PublicKeyParts;
            let key = rsa::RsaPublicKey::from_public_key_der(&spki_der)
                .map_err(|e| malformed("RSA public key", &e))?;
            let scheme = match hash {
                Hash::Sha256 => rsa::Pkcs1v15Sign::new::<Sha256>(),
                Hash::Sha384 => rsa::Pkcs1v15Sign::new::<Sha384>(),
                Hash::Sha512 => rsa::Pkcs1v15Sign::new::<Sha512>(),
            };
            key.verify(scheme, &hash.digest(&info_der), signature)
                .map_err(|_| bad_signature("RSA PKCS#1 v1.5"))?;
            (CsrKeyKind::Rsa, key.n().bits())
        }
        (Some(KeyAlgorithm::Ec), None | Some(Curve::P521 | Curve::Secp256k1), _) => {
            return Err(Error::input(
                name,
                format!(
                    "the request's key is on EC curve {}; certplay signs requests for \
                     P-256, P-384, Ed25519 and RSA keys",
                    curve_oid.as_ref().map_or_else(String::new, oid::describe)
                ),
            ))
        }
        (Some(KeyAlgorithm::Ec | KeyAlgorithm::Ed25519 | KeyAlgorithm::Rsa), _, _) => {
            return Err(Error::input(
                name,
                format!(
                    "the request is signed with {}, which does not fit its {} key",
                    oid::describe(&request.algorithm.oid),
                    oid::describe(&spki.algorithm.oid)
                ),
            ))
        }
        (Some(KeyAlgorithm::Ed448) | None, _, _) => {
            return Err(Error::input(
                name,
                format!(
                    "the request's key algorithm {} is not one certplay signs \
                     (P-256, P-384, Ed25519, RSA)",
                    oid::describe(&spki.algorithm.oid)
                ),
            ))
        }
    };
    let public_key = CsrPublicKey {
        kind,
        bits,
        rsa_bits,
    };
    // rcgen rebuilds the SPKI from the algorithm and the bits: it must come
    // out byte for byte as requested, or the certificate would not carry
    // the requester's key as they sent it.
    if rcgen::PublicKeyData::subject_public_key_info(&public_key) != spki_der {
        return Err(Error::input(
            name,
            "the request's subjectPKInfo has an unusual encoding (algorithm parameters) \
             that certplay cannot copy exactly into a certificate",
        ));
    }
    Ok(VerifiedCsr {
        request,
        public_key,
    })
}

/// The CSR's signatureAlgorithm, if certplay checks it.
fn signature_algorithm(
    name: &str,
    algorithm: &AlgorithmIdentifierOwned,
) -> Result<SignatureAlgorithm, Error> {
    match SignatureAlgorithm::of(&algorithm.oid) {
        Some(
            checked @ (SignatureAlgorithm::Ecdsa(_)
            | SignatureAlgorithm::RsaPkcs1(_)
            | SignatureAlgorithm::Ed25519),
        ) => Ok(checked),
        Some(SignatureAlgorithm::Sha1) => Err(Error::input(
            name,
            "the request is signed with SHA-1, which certplay does not accept; \
             make it again with SHA-256 (openssl req -new -sha256 ...)",
        )),
        Some(SignatureAlgorithm::RsaPss) => Err(Error::input(
            name,
            "the request is signed with RSA-PSS, which certplay does not check yet; \
             make it with PKCS#1 v1.5 (openssl's default for RSA keys)",
        )),
        Some(SignatureAlgorithm::Ed448) | None => Err(Error::input(
            name,
            format!(
                "the request's signature algorithm {} is not one certplay checks \
                 (ECDSA, Ed25519, RSA PKCS#1 v1.5 with SHA-256/384/512)",
                oid::describe(&algorithm.oid)
            ),
        )),
    }
}

/// The exact bytes of CertificationRequestInfo, as signed: taken from the
/// input rather than re-encoded, so that the check is of what was sent.
fn request_info_bytes(der: &[u8]) -> Result<Vec<u8>, x509_cert::der::Error> {
    let mut reader = SliceReader::new(der)?;
    let info = reader.sequence(|r| {
        let info = r.tlv_bytes()?;
        let _algorithm = AlgorithmIdentifierOwned::decode(r)?;
        let _signature = BitStringRef::decode(r)?;
        Ok(info.to_vec())
    })?;
    reader.finish(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(key_type: KeyType) -> (KeyPair, CertificateRequest) {
        let key = KeyPair::generate(key_type).unwrap();
        let sans = vec![
            "DNS:example.test".parse().unwrap(),
            "IP:10.0.0.1".parse().unwrap(),
        ];
        let csr = CsrParams::new("example", sans).request(&key).unwrap();
        (key, csr)
    }

    #[test]
    fn requests_verify_for_every_key_type() {
        for key_type in [
            KeyType::EcdsaP256,
            KeyType::EcdsaP384,
            KeyType::Ed25519,
            KeyType::Rsa2048,
        ] {
            let (key, csr) = request(key_type);
            assert!(csr.pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
            let der = crate::read_csr(crate::Source::new("req.csr", csr.pem.as_bytes()))
                .unwrap()
                .der;
            assert_eq!(der, csr.der);
            let verified = verify_csr("req.csr", &der).unwrap();
            assert_eq!(
                rcgen::PublicKeyData::subject_public_key_info(&verified.public_key),
                key.public_key_info_der().unwrap()
            );
            assert_eq!(verified.public_key.key_identifier(), key.key_identifier());
            let read = crate::read::Csr::from_der(&der).unwrap();
            assert_eq!(read.subject.to_string(), "CN=example");
        }
    }

    #[test]
    fn a_plan_entry_requests_its_profile() {
        let plan = Plan::default();
        let params = CsrParams::for_entry(&plan, "server").unwrap();
        let key = KeyPair::generate(KeyType::EcdsaP256).unwrap();
        let csr = params.request(&key).unwrap();
        let read = crate::read::Csr::from_der(&csr.der).unwrap();
        let names: Vec<String> = read
            .requested_extensions
            .iter()
            .map(|e| crate::read::text::extension_name(&e.id))
            .collect();
        assert!(
            names.iter().any(|n| n.contains("Subject Alternative Name")),
            "{names:?}"
        );
        assert!(
            names.iter().any(|n| n.contains("Extended Key Usage")),
            "{names:?}"
        );
        let err = CsrParams::for_entry(&plan, "nobody")
            .unwrap_err()
            .to_string();
        assert!(err.contains("ca, server, client"), "{err}");
    }

    #[test]
    fn a_changed_byte_fails_the_signature_check() {
        let (_, csr) = request(KeyType::EcdsaP256);
        // The subject's CN value: change one letter.
        let at = csr.der.windows(7).position(|w| w == b"example").unwrap();
        let mut der = csr.der.clone();
        der[at] = b'E';
        let err = verify_csr("req.csr", &der).unwrap_err().to_string();
        assert!(err.contains("signature does not verify"), "{err}");
        // And the signature's last byte.
        let mut der = csr.der.clone();
        let last = der.len() - 1;
        der[last] ^= 1;
        assert!(verify_csr("req.csr", &der).is_err());
    }

    #[test]
    fn every_truncation_and_garbage_is_an_error_not_a_panic() {
        let (_, csr) = request(KeyType::Ed25519);
        for end in 0..csr.der.len() {
            assert!(verify_csr("req.csr", &csr.der[..end]).is_err());
        }
        for bytes in [&b""[..], b"\x30", b"\x30\x00", b"garbage", &[0xff; 100]] {
            assert!(verify_csr("x", bytes).is_err());
        }
    }
}
