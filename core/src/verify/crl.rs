//! CRLs as a verifier takes them (read by [`crate::read_crls`]): their
//! signature checked against a CA with the same signature algorithms rustls
//! uses, so that a CRL the server would silently never match (another
//! CA's, a same-named CA's) is refused before a client connects.

use rustls::crypto::CryptoProvider;
use x509_cert::der::{Decode, Encode, Header, Reader, SliceReader};
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::read::{Certificate, Crl};

/// Checks that `issuer`'s key signed `crl`, with the signature algorithms
/// `provider` offers (the ones the verifier will use). The error says why
/// in words: the signature does not verify, or its algorithm is not one
/// the verifier supports for that key.
pub fn check_crl_signature(
    crl: &Crl,
    issuer: &Certificate,
    provider: &CryptoProvider,
) -> Result<(), String> {
    let parsed = x509_cert::crl::CertificateList::from_der(&crl.der)
        .map_err(|e| format!("the CRL is malformed: {e}"))?;
    let ca = x509_cert::Certificate::from_der(&issuer.der)
        .map_err(|e| format!("the CA certificate is malformed: {e}"))?;
    let signed = signed_bytes(&crl.der).map_err(|e| format!("the CRL is malformed: {e}"))?;
    let spki = &ca.tbs_certificate.subject_public_key_info;
    let key_algorithm = algorithm_id(&spki.algorithm)?;
    let signature_algorithm = algorithm_id(&parsed.signature_algorithm)?;
    let signature = parsed
        .signature
        .as_bytes()
        .ok_or("the CRL's signature is not a whole number of octets")?;
    let public_key = spki
        .subject_public_key
        .as_bytes()
        .ok_or("the CA's public key is not a whole number of octets")?;
    let mut candidates = provider
        .signature_verification_algorithms
        .all
        .iter()
        .filter(|algorithm| {
            algorithm.public_key_alg_id().as_ref() == key_algorithm.as_slice()
                && algorithm.signature_alg_id().as_ref() == signature_algorithm.as_slice()
        })
        .peekable();
    if candidates.peek().is_none() {
        return Err(format!(
            "it is signed with {}, which the verifier does not accept with the CA's {} key",
            crate::oid::describe(&parsed.signature_algorithm.oid),
            crate::oid::describe(&spki.algorithm.oid)
        ));
    }
    if candidates.any(|algorithm| {
        algorithm
            .verify_signature(public_key, signed, signature)
            .is_ok()
    }) {
        Ok(())
    } else {
        Err("its signature does not verify with the CA's key".into())
    }
}

/// The tbsCertList exactly as it sits in the file (re-encoding could
/// differ from what was signed).
fn signed_bytes(der: &[u8]) -> Result<&[u8], x509_cert::der::Error> {
    let mut outer = SliceReader::new(der)?;
    Header::decode(&mut outer)?;
    outer.tlv_bytes()
}

/// An AlgorithmIdentifier as rustls compares them: the DER of its contents
/// (the OID and the parameters, without the SEQUENCE around them).
fn algorithm_id(algorithm: &AlgorithmIdentifierOwned) -> Result<Vec<u8>, String> {
    let mut id = algorithm
        .oid
        .to_der()
        .map_err(|e| format!("an algorithm identifier: {e}"))?;
    if let Some(parameters) = &algorithm.parameters {
        id.extend(
            parameters
                .to_der()
                .map_err(|e| format!("an algorithm identifier: {e}"))?,
        );
    }
    Ok(id)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::{CrlParams, Plan};

    fn provider() -> CryptoProvider {
        rustls::crypto::ring::default_provider()
    }

    fn crl_of(issued: &crate::IssuedPlan) -> Crl {
        let params = CrlParams::new(time::OffsetDateTime::now_utc(), 1, vec![]);
        Crl::from_der(&issued.issue_crl("ca", &params).unwrap().der).unwrap()
    }

    #[test]
    fn a_crl_verifies_under_its_ca_and_not_under_a_same_named_other() {
        for key_type in [
            crate::KeyType::EcdsaP256,
            crate::KeyType::Ed25519,
            crate::KeyType::EcdsaP384,
        ] {
            let plan = Plan {
                key_type,
                ..Plan::default()
            };
            let ours = plan.issue().unwrap();
            let theirs = plan.issue().unwrap();
            let crl = crl_of(&ours);
            let ca = |issued: &crate::IssuedPlan| {
                Certificate::from_der(&issued.entry("ca").unwrap().cert_der).unwrap()
            };
            check_crl_signature(&crl, &ca(&ours), &provider()).unwrap();
            let refused = check_crl_signature(&crl, &ca(&theirs), &provider()).unwrap_err();
            assert_eq!(refused, "its signature does not verify with the CA's key");
        }
    }
}
