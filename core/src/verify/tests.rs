use std::sync::Arc;

use rustls::CertificateError;

use super::*;
use crate::issue::blog_set::{self, BlogSet as Pki};
use crate::read::Certificate;
use crate::KeyType;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn cert(der: &[u8]) -> Certificate {
    Certificate::from_der(der).unwrap()
}

fn at(pki: &Pki) -> i64 {
    cert(&pki.ca.cert_der).not_before.0 + 60
}

fn check<'a>(anchors: &'a [Certificate], purpose: Purpose, at: i64) -> Check<'a> {
    Check {
        anchors,
        intermediates: &[],
        crls: &[],
        purpose,
        at,
    }
}

fn server(host: &str) -> Purpose {
    Purpose::Server { host: host.into() }
}

#[test]
fn an_issued_set_verifies_for_its_purposes() {
    let pki = blog_set::issue("my-ca");
    let anchors = [cert(&pki.ca.cert_der)];
    let now = at(&pki);
    verify(
        &cert(&pki.server.cert_der),
        &check(&anchors, server("localhost"), now),
        &provider(),
    )
    .unwrap();
    verify(
        &cert(&pki.server.cert_der),
        &check(&anchors, server("127.0.0.1"), now),
        &provider(),
    )
    .unwrap();
    verify(
        &cert(&pki.client.cert_der),
        &check(&anchors, Purpose::Client, now),
        &provider(),
    )
    .unwrap();
}

#[test]
fn each_refusal_names_the_certificates() {
    let pki = blog_set::issue("my-ca");
    let anchors = [cert(&pki.ca.cert_der)];
    let now = at(&pki);
    let why = |der: &[u8], purpose: Purpose, at: i64| {
        verify(&cert(der), &check(&anchors, purpose, at), &provider()).unwrap_err()
    };
    let r = why(&pki.server.cert_der, server("example.com"), now);
    assert_eq!(r.kind().name(), "name-mismatch");
    assert!(
        r.to_string()
            .contains("not valid for example.com; its subjectAltName has DNS:localhost"),
        "{r}"
    );
    let r = why(&pki.server.cert_der, Purpose::Client, now);
    assert_eq!(r.kind().name(), "wrong-purpose", "{r}");
    assert!(
        r.to_string()
            .contains("CN=localhost is not for clientAuth (extendedKeyUsage: serverAuth)"),
        "{r}"
    );
    let later = cert(&pki.client.cert_der).not_after.0 + 10;
    let r = why(&pki.client.cert_der, Purpose::Client, later);
    assert!(
        r.to_string()
            .starts_with("expired: CN=my-client expired at"),
        "{r}"
    );
    let r = why(&pki.client.cert_der, Purpose::Client, now - 86_400);
    assert!(
        r.to_string().starts_with("not yet valid: CN=my-client"),
        "{r}"
    );
    let r = why(&pki.ca.cert_der, Purpose::Client, now);
    assert_eq!(r.kind().name(), "ca-used-as-leaf", "{r}");

    let other = blog_set::issue("other-ca");
    let r = why(&other.client.cert_der, Purpose::Client, now);
    assert_eq!(
        r.to_string(),
        "unknown issuer: CN=my-client was issued by CN=other-ca, which is not a trusted CA \
         (trusted: CN=my-ca); missing intermediate? CN=other-ca is not among the certificates given"
    );
}

#[test]
fn a_different_ca_with_the_same_name_is_named_with_both_key_ids() {
    let p256 = blog_set::issue("my-ca");
    let anchors = [cert(&p256.ca.cert_der)];
    for key_type in [KeyType::EcdsaP256, KeyType::Rsa2048] {
        let other = blog_set::of(key_type);
        let leaf = cert(&other.client.cert_der);
        let r = verify(
            &leaf,
            &check(&anchors, Purpose::Client, at(&p256)),
            &provider(),
        )
        .unwrap_err();
        assert_eq!(r.kind().name(), "same-name-other-ca", "{key_type:?}: {r}");
        let text = r.to_string();
        let aki = leaf.authority_key_id().unwrap().to_string();
        let ski = anchors[0].subject_key_id().unwrap().to_string();
        assert!(text.contains(&aki) && text.contains(&ski), "{text}");
        assert!(
            text.starts_with(
                "issued by a different CA with the same name: CN=my-client names CN=my-ca"
            ),
            "{text}"
        );
    }
}

/// Every rustls CertificateError and webpki Error variant has words: none
/// comes out as Debug text.
#[test]
#[allow(deprecated)]
fn every_error_variant_has_words() {
    use rustls::pki_types::{ServerName, UnixTime};
    use webpki::Error as W;
    let pki = blog_set::issue("my-ca");
    let anchors = [cert(&pki.ca.cert_der)];
    let leaf = cert(&pki.client.cert_der);
    let c = check(&anchors, Purpose::Client, at(&pki));
    let t = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1));
    let mut errors: Vec<rustls::Error> = vec![
        CertificateError::BadEncoding.into(),
        CertificateError::Expired.into(),
        CertificateError::ExpiredContext {
            time: t,
            not_after: t,
        }
        .into(),
        CertificateError::NotValidYet.into(),
        CertificateError::NotValidYetContext {
            time: t,
            not_before: t,
        }
        .into(),
        CertificateError::Revoked.into(),
        CertificateError::UnhandledCriticalExtension.into(),
        CertificateError::UnknownIssuer.into(),
        CertificateError::UnknownRevocationStatus.into(),
        CertificateError::ExpiredRevocationList.into(),
        CertificateError::ExpiredRevocationListContext {
            time: t,
            next_update: t,
        }
        .into(),
        CertificateError::BadSignature.into(),
        CertificateError::UnsupportedSignatureAlgorithm.into(),
        CertificateError::UnsupportedSignatureAlgorithmContext {
            signature_algorithm_id: vec![1],
            supported_algorithms: vec![],
        }
        .into(),
        CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
            signature_algorithm_id: vec![1],
            public_key_algorithm_id: vec![2],
        }
        .into(),
        CertificateError::NotValidForName.into(),
        CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("x.example").unwrap(),
            presented: vec![],
        }
        .into(),
        CertificateError::InvalidPurpose.into(),
        CertificateError::InvalidOcspResponse.into(),
        CertificateError::ApplicationVerificationFailure.into(),
    ];
    for crl in [
        rustls::CertRevocationListError::BadSignature,
        rustls::CertRevocationListError::InvalidCrlNumber,
        rustls::CertRevocationListError::InvalidRevokedCertSerialNumber,
        rustls::CertRevocationListError::IssuerInvalidForCrl,
        rustls::CertRevocationListError::ParseError,
        rustls::CertRevocationListError::UnsupportedCrlVersion,
        rustls::CertRevocationListError::UnsupportedCriticalExtension,
        rustls::CertRevocationListError::UnsupportedDeltaCrl,
        rustls::CertRevocationListError::UnsupportedIndirectCrl,
        rustls::CertRevocationListError::UnsupportedRevocationReason,
        rustls::CertRevocationListError::UnsupportedSignatureAlgorithm,
    ] {
        errors.push(rustls::Error::InvalidCertRevocationList(crl));
    }
    let webpki_errors = [
        W::BadDer,
        W::BadDerTime,
        W::CaUsedAsEndEntity,
        W::CertDistrusted,
        W::CertExpired {
            time: t,
            not_after: t,
        },
        W::CertNotValidYet {
            time: t,
            not_before: t,
        },
        W::CertRevoked,
        W::CrlExpired {
            time: t,
            next_update: t,
        },
        W::EmptyEkuExtension,
        W::EndEntityUsedAsCa,
        W::ExtensionValueInvalid,
        W::InvalidCertValidity,
        W::InvalidCrlNumber,
        W::InvalidNetworkMaskConstraint,
        W::InvalidSerialNumber,
        W::InvalidCrlSignatureForPublicKey,
        W::InvalidSignatureForPublicKey,
        W::IssuerNotCrlSigner,
        W::MalformedDnsIdentifier,
        W::MalformedExtensions,
        W::MalformedNameConstraint,
        W::MaximumNameConstraintComparisonsExceeded,
        W::MaximumPathBuildCallsExceeded,
        W::MaximumPathDepthExceeded,
        W::MaximumSignatureChecksExceeded,
        W::NameConstraintViolation,
        W::PathLenConstraintViolated,
        W::RequiredEkuNotFound,
        W::SignatureAlgorithmMismatch,
        W::UnknownIssuer,
        W::UnknownRevocationStatus,
        W::UnsupportedCertVersion,
        W::UnsupportedCriticalExtension,
        W::UnsupportedCrlIssuingDistributionPoint,
        W::UnsupportedCrlVersion,
        W::UnsupportedDeltaCrl,
        W::UnsupportedIndirectCrl,
        W::UnsupportedNameType,
        W::UnsupportedRevocationReason,
        W::UnsupportedRevocationReasonsPartitioning,
        W::UnsupportedCrlSignatureAlgorithm,
        W::UnsupportedSignatureAlgorithm,
        W::UnsupportedCrlSignatureAlgorithmForPublicKey,
        W::UnsupportedSignatureAlgorithmForPublicKey,
    ];
    for w in webpki_errors {
        errors.push(CertificateError::Other(rustls::OtherError(Arc::new(w))).into());
    }
    for e in &errors {
        let reason = explain(e, Some(&leaf), &c);
        let text = reason.to_string();
        assert!(
            !text.contains('{')
                && !text.contains("Context")
                && !text.contains("certplay does not know"),
            "{e:?} -> {text}"
        );
    }
}

/// The verify-only RustCrypto provider (the page's, on wasm32) against
/// rustls' ring provider (the server's): the same verdict and the same
/// words for every preset and key type, each leaf checked for each purpose,
/// a wrong host, expired, not yet valid, a different CA with the same name,
/// and a signature broken by one bit.
#[test]
fn the_rustcrypto_provider_decides_like_ring() {
    use crate::{KeyPair, Materials, Plan, Preset};
    let ring = provider();
    let ours = super::provider::verifying();
    let mut compared = 0;
    let mut accepted = 0;
    let mut refusals = std::collections::BTreeSet::new();
    for key_type in KeyType::ALL {
        let key = KeyPair::generate(key_type).unwrap();
        let pkcs8 = ::pem::parse(key.to_pkcs8_pem().unwrap()).unwrap();
        let issue = |plan: Plan| {
            let mut materials = Materials::default();
            for (name, _) in plan.keys_needed() {
                let copy = KeyPair::from_pkcs8_der(pkcs8.contents()).unwrap();
                materials.keys.insert(name, copy);
            }
            plan.issue_with(materials, time::OffsetDateTime::now_utc())
                .unwrap()
        };
        // The same names under another CA key: the "same name, other CA" case.
        let other = issue(Plan {
            key_type,
            ..Plan::default()
        });
        let other_client = cert(&other.entry("client").unwrap().cert_der);
        for preset in Preset::ALL {
            let issued = issue(Plan {
                key_type,
                ..preset.plan()
            });
            let certs: Vec<Certificate> =
                issued.entries.iter().map(|e| cert(&e.cert_der)).collect();
            let (roots, intermediates): (Vec<Certificate>, Vec<Certificate>) = certs
                .iter()
                .filter(|c| {
                    c.basic_constraints().is_some_and(|(ca, _)| ca) || c.issuer == c.subject
                })
                .cloned()
                .partition(|c| c.issuer == c.subject);
            let mut leaves: Vec<Certificate> = certs.clone();
            leaves.push(other_client.clone());
            // One bit of the signature flipped (the DER ends inside it).
            let mut broken = certs.last().unwrap().der.clone();
            *broken.last_mut().unwrap() ^= 1;
            leaves.push(cert(&broken));
            let now = certs[0].not_before.0 + 60;
            for leaf in &leaves {
                for purpose in [server("localhost"), server("other.test"), Purpose::Client] {
                    for at in [now, leaf.not_after.0 + 10, leaf.not_before.0 - 86_400] {
                        let check = Check {
                            anchors: &roots,
                            intermediates: &intermediates,
                            crls: &[],
                            purpose: purpose.clone(),
                            at,
                        };
                        let by_ring = verify(leaf, &check, &ring).map_err(|r| r.to_string());
                        let by_ours = verify(leaf, &check, &ours).map_err(|r| r.to_string());
                        assert_eq!(
                            by_ours,
                            by_ring,
                            "{} of {} with {key_type}, {purpose:?} at {at}",
                            leaf.subject,
                            preset.name()
                        );
                        compared += 1;
                        match by_ring {
                            Ok(()) => accepted += 1,
                            Err(_) => {
                                let kind = verify(leaf, &check, &ring).unwrap_err().kind().name();
                                refusals.insert(kind);
                            }
                        }
                    }
                }
            }
        }
    }
    eprintln!("{compared} verdicts compared, {accepted} accepted; refusals: {refusals:?}");
    assert!(accepted > 0 && compared > accepted, "{accepted}/{compared}");
    for kind in [
        "name-mismatch",
        "wrong-purpose",
        "expired",
        "not-yet-valid",
        "same-name-other-ca",
        "bad-signature",
    ] {
        assert!(
            refusals.contains(kind),
            "{kind} never came up: {refusals:?}"
        );
    }
}

/// Each algorithm, signature by signature, against ring's: a good
/// signature passes both, a changed message or a too-small RSA key fails
/// both. Covers RSA-PSS, which certplay never issues.
#[test]
fn each_rustcrypto_algorithm_agrees_with_ring() {
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use rsa::pkcs1::EncodeRsaPublicKey;
    use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer};
    use sha2::{Digest, Sha256, Sha384, Sha512};

    let ours = super::provider::verifying();
    let ring = rustls::crypto::ring::default_provider();
    let find = |algs: &rustls::crypto::WebPkiSupportedAlgorithms,
                key: rustls_pki_types::AlgorithmIdentifier,
                sig: rustls_pki_types::AlgorithmIdentifier| {
        *algs
            .all
            .iter()
            .find(|a| a.public_key_alg_id() == key && a.signature_alg_id() == sig)
            .unwrap_or_else(|| panic!("no algorithm for {key:?} {sig:?}"))
    };
    let message = b"tbsCertificate";
    let mut rng = rand_core::OsRng;
    let rsa_2048 = rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap();
    let rsa_1024 = rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap();
    let p256 = p256::ecdsa::SigningKey::random(&mut rng);
    let p384 = p384::ecdsa::SigningKey::random(&mut rng);
    let ed = ed25519_dalek::SigningKey::generate(&mut rng);
    use rustls_pki_types::alg_id as id;
    let rsa_public = |k: &rsa::RsaPrivateKey| {
        k.to_public_key()
            .to_pkcs1_der()
            .unwrap()
            .as_bytes()
            .to_vec()
    };
    let p256_public = p256
        .verifying_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec();
    let p384_public = p384
        .verifying_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec();
    let mut cases: Vec<(&str, _, _, Vec<u8>, Vec<u8>)> = Vec::new();
    for (name, key, sig_id) in [
        ("RSA PKCS#1 SHA-256", &rsa_2048, id::RSA_PKCS1_SHA256),
        ("RSA-1024 PKCS#1 SHA-256", &rsa_1024, id::RSA_PKCS1_SHA256),
    ] {
        let s = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.clone()).sign(message);
        cases.push((
            name,
            id::RSA_ENCRYPTION,
            sig_id,
            rsa_public(key),
            s.to_vec(),
        ));
    }
    let s = rsa::pkcs1v15::SigningKey::<Sha384>::new(rsa_2048.clone()).sign(message);
    cases.push((
        "RSA PKCS#1 SHA-384",
        id::RSA_ENCRYPTION,
        id::RSA_PKCS1_SHA384,
        rsa_public(&rsa_2048),
        s.to_vec(),
    ));
    let s = rsa::pkcs1v15::SigningKey::<Sha512>::new(rsa_2048.clone()).sign(message);
    cases.push((
        "RSA PKCS#1 SHA-512",
        id::RSA_ENCRYPTION,
        id::RSA_PKCS1_SHA512,
        rsa_public(&rsa_2048),
        s.to_vec(),
    ));
    let s = rsa::pss::SigningKey::<Sha256>::new(rsa_2048.clone()).sign_with_rng(&mut rng, message);
    cases.push((
        "RSA-PSS SHA-256",
        id::RSA_ENCRYPTION,
        id::RSA_PSS_SHA256,
        rsa_public(&rsa_2048),
        s.to_vec(),
    ));
    let s = rsa::pss::SigningKey::<Sha384>::new(rsa_2048.clone()).sign_with_rng(&mut rng, message);
    cases.push((
        "RSA-PSS SHA-384",
        id::RSA_ENCRYPTION,
        id::RSA_PSS_SHA384,
        rsa_public(&rsa_2048),
        s.to_vec(),
    ));
    let s = rsa::pss::SigningKey::<Sha512>::new(rsa_2048.clone()).sign_with_rng(&mut rng, message);
    cases.push((
        "RSA-PSS SHA-512",
        id::RSA_ENCRYPTION,
        id::RSA_PSS_SHA512,
        rsa_public(&rsa_2048),
        s.to_vec(),
    ));
    let s: p256::ecdsa::Signature = p256.sign_prehash(&Sha256::digest(message)).unwrap();
    cases.push((
        "ECDSA P-256 SHA-256",
        id::ECDSA_P256,
        id::ECDSA_SHA256,
        p256_public.clone(),
        s.to_der().as_bytes().to_vec(),
    ));
    let s: p256::ecdsa::Signature = p256.sign_prehash(&Sha384::digest(message)).unwrap();
    cases.push((
        "ECDSA P-256 SHA-384",
        id::ECDSA_P256,
        id::ECDSA_SHA384,
        p256_public,
        s.to_der().as_bytes().to_vec(),
    ));
    let s: p384::ecdsa::Signature = p384.sign_prehash(&Sha256::digest(message)).unwrap();
    cases.push((
        "ECDSA P-384 SHA-256",
        id::ECDSA_P384,
        id::ECDSA_SHA256,
        p384_public.clone(),
        s.to_der().as_bytes().to_vec(),
    ));
    let s: p384::ecdsa::Signature = p384.sign_prehash(&Sha384::digest(message)).unwrap();
    cases.push((
        "ECDSA P-384 SHA-384",
        id::ECDSA_P384,
        id::ECDSA_SHA384,
        p384_public,
        s.to_der().as_bytes().to_vec(),
    ));
    let s = ed.sign(message);
    cases.push((
        "Ed25519",
        id::ED25519,
        id::ED25519,
        ed.verifying_key().to_bytes().to_vec(),
        s.to_bytes().to_vec(),
    ));

    for (name, key_id, sig_id, public, signature) in &cases {
        let (a, b) = (
            find(&ours.signature_verification_algorithms, *key_id, *sig_id),
            find(&ring.signature_verification_algorithms, *key_id, *sig_id),
        );
        let good = (
            a.verify_signature(public, message, signature).is_ok(),
            b.verify_signature(public, message, signature).is_ok(),
        );
        let expected = !name.contains("1024");
        assert_eq!(good, (expected, expected), "{name}: good signature");
        let changed = (
            a.verify_signature(public, b"something else", signature)
                .is_ok(),
            b.verify_signature(public, b"something else", signature)
                .is_ok(),
        );
        assert_eq!(changed, (false, false), "{name}: changed message");
    }
    assert_eq!(
        ours.signature_verification_algorithms.all.len(),
        ring.signature_verification_algorithms.all.len()
    );
}

/// A refused handshake, explained once: each rustls error a server meets
/// has its reason, with the names involved (what `Refusal` said before).
#[test]
fn each_handshake_refusal_names_its_reason() {
    use rustls::AlertDescription;
    let pki = blog_set::issue("my-ca");
    let anchors = [cert(&pki.ca.cert_der)];
    let leaf = cert(&pki.client.cert_der);
    let c = check(&anchors, Purpose::Client, at(&pki));
    let explain = |e: rustls::Error| explain(&e, Some(&leaf), &c);

    let none = explain(rustls::Error::NoCertificatesPresented);
    assert_eq!(none, Reason::NoClientCertificate);
    assert!(none.to_string().starts_with("no client certificate"));
    // A client from another CA: issuer and trusted CA named.
    let foreign = blog_set::issue("other-ca");
    let unknown = super::explain(
        &CertificateError::UnknownIssuer.into(),
        Some(&cert(&foreign.client.cert_der)),
        &c,
    );
    assert!(
        unknown
            .to_string()
            .starts_with("unknown issuer: CN=my-client was issued by CN=other-ca, which is not a trusted CA (trusted: CN=my-ca)"),
        "{unknown}"
    );
    let purpose = explain(CertificateError::InvalidPurpose.into());
    assert!(
        purpose
            .to_string()
            .contains("(extendedKeyUsage: clientAuth)"),
        "{purpose}"
    );
    let v1 = explain(
        CertificateError::Other(rustls::OtherError(Arc::new(
            webpki::Error::UnsupportedCertVersion,
        )))
        .into(),
    );
    assert_eq!(v1.kind().name(), "x509-v1");
    assert!(v1.to_string().starts_with("X.509 v1 certificate"), "{v1}");
    let alert = explain(rustls::Error::AlertReceived(AlertDescription::UnknownCA));
    assert_eq!(
        alert,
        Reason::ServerCertificateRefused {
            alert: AlertDescription::UnknownCA
        }
    );
    assert!(alert.to_string().contains("unknown_ca"), "{alert}");
    // No front end's hint in core's words.
    for reason in [&none, &unknown, &purpose, &v1, &alert] {
        let words = reason.to_string();
        assert!(!words.contains("--") && !words.contains("curl"), "{words}");
    }
    let version = explain(rustls::PeerIncompatible::SupportedVersionsExtensionRequired.into());
    assert_eq!(
        version,
        Reason::Incompatible {
            missing: Incompatibility::Version
        }
    );
    let closed = super::explain_io(
        &std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
        None,
        &c,
    );
    assert_eq!(closed, Reason::ClosedDuringHandshake);
}

#[test]
fn garbage_certificates_do_not_stop_an_explanation() {
    let c = check(&[], Purpose::Client, 0);
    let leaf = Certificate::from_der(b"\x30\x82garbage").ok();
    let reason = explain(&CertificateError::UnknownIssuer.into(), leaf.as_ref(), &c);
    assert_eq!(reason.kind(), ReasonKind::UnknownIssuer);
    assert!(
        reason.to_string().contains("(unreadable certificate)"),
        "{reason}"
    );
}

/// Every kind of reason goes to JSON and comes back the same, keyed by its
/// kind's name; a kind's name reads back as that kind.
#[test]
fn reasons_round_trip_through_json_tagged_by_kind() {
    use rustls::AlertDescription;
    let pki = blog_set::issue("my-ca");
    let leaf = cert(&pki.server.cert_der);
    let name = Some(leaf.subject.clone());
    let time = crate::read::model::Time(1_800_000_000);
    let purpose = crate::read::model::Oid::new(const_oid::db::rfc5280::ID_KP_CLIENT_AUTH);
    let reasons = vec![
        Reason::NoClientCertificate,
        Reason::ServerCertificateRefused {
            alert: AlertDescription::UnknownCA,
        },
        Reason::Alert {
            alert: AlertDescription::Unknown(200),
        },
        Reason::NotTls,
        Reason::ClosedDuringHandshake,
        Reason::Incompatible {
            missing: Incompatibility::CipherSuite,
        },
        Reason::UnknownIssuer {
            subject: name.clone(),
            issuer: Some(leaf.issuer.clone()),
            anchors: vec![leaf.issuer.clone()],
            missing_intermediate: true,
        },
        Reason::SameNameOtherCa {
            subject: leaf.subject.clone(),
            issuer: leaf.issuer.clone(),
            authority_key_id: leaf.authority_key_id().cloned(),
            anchor_key_ids: vec![crate::read::model::Hex(vec![1, 2, 3])],
        },
        Reason::Expired {
            subject: name.clone(),
            not_after: time,
            at: time,
        },
        Reason::NotYetValid {
            subject: None,
            not_before: time,
            at: time,
        },
        Reason::InvalidValidity {
            subject: name.clone(),
        },
        Reason::WrongPurpose {
            subject: name.clone(),
            required: purpose.clone(),
            present: leaf.extended_key_usage().unwrap().to_vec(),
        },
        Reason::NameMismatch {
            subject: name.clone(),
            host: "example.com".into(),
            presented: leaf.subject_alt_names().to_vec(),
        },
        Reason::BadHostName { host: "a b".into() },
        Reason::V1Certificate {
            subject: name.clone(),
        },
        Reason::CaUsedAsLeaf {
            subject: name.clone(),
        },
        Reason::LeafUsedAsCa,
        Reason::PathLenExceeded,
        Reason::NameConstraintViolated,
        Reason::BadSignature {
            subject: name.clone(),
            issuer: None,
        },
        Reason::IssuerKeyTooSmall {
            subject: name.clone(),
            issuer: Some(leaf.issuer.clone()),
            bits: 1024,
        },
        Reason::UnsupportedSignatureAlgorithm {
            subject: name.clone(),
            algorithm: Some(leaf.signature_algorithm.clone()),
        },
        Reason::Revoked {
            subject: name.clone(),
            serial: Some(leaf.serial.clone()),
            reason: Some("keyCompromise".into()),
            revoked_at: Some(time),
            crl_issuer: Some(leaf.issuer.clone()),
        },
        Reason::CrlExpired {
            issuer: None,
            next_update: time,
            at: time,
        },
        Reason::Crl { detail: "x".into() },
        Reason::UnhandledCriticalExtension {
            subject: name.clone(),
        },
        Reason::BadEncoding { detail: "x".into() },
        Reason::BudgetExceeded {
            budget: Budget::PathDepth,
        },
        Reason::BadAnchor {
            subject: name.clone(),
            detail: "x".into(),
        },
        Reason::NoAnchors,
        Reason::Other { detail: "x".into() },
    ];
    let kinds: std::collections::BTreeSet<ReasonKind> = reasons.iter().map(Reason::kind).collect();
    assert_eq!(kinds.len(), ReasonKind::ALL.len(), "a kind is missing");
    for reason in &reasons {
        let json = serde_json::to_value(reason).unwrap();
        let key = match &json {
            serde_json::Value::String(unit) => unit.clone(),
            serde_json::Value::Object(fields) => fields.keys().next().unwrap().clone(),
            other => panic!("{other}"),
        };
        assert_eq!(key, reason.kind().name(), "{json}");
        let back: Reason = serde_json::from_value(json.clone()).unwrap();
        // A name read back has no DER; everything shown is the same.
        assert_eq!(serde_json::to_value(&back).unwrap(), json);
        assert_eq!(back.to_string(), reason.to_string());
        assert_eq!(back.kind(), reason.kind());
        assert_eq!(
            reason.kind().name().parse::<ReasonKind>(),
            Ok(reason.kind())
        );
    }
    assert_eq!(
        serde_json::to_value(&reasons[1]).unwrap()["server-certificate-refused"]["alert"],
        "unknown_ca"
    );
    assert_eq!(
        serde_json::to_value(&reasons[2]).unwrap()["alert"]["alert"],
        200
    );
}

/// A reason a server keeps is bounded whatever names the client chose.
#[test]
fn a_bounded_reason_cuts_long_names_and_lists() {
    let pki = blog_set::issue("my-ca");
    let leaf = cert(&pki.server.cert_der);
    let mut long = leaf.subject.clone();
    if let Some(crate::read::model::AttributeValue::Text(t)) = long
        .rdns
        .first_mut()
        .and_then(|rdn| rdn.first_mut())
        .map(|a| &mut a.value)
    {
        *t = "x".repeat(10_000);
    }
    let reason = Reason::NameMismatch {
        subject: Some(long),
        host: "h".repeat(5_000),
        presented: vec![leaf.subject_alt_names()[0].clone(); 1000],
    }
    .bounded(200);
    let words = reason.to_string();
    assert!(
        words.len() < 200 * 3 + MAX_LISTED * 40 + 300,
        "{}",
        words.len()
    );
    assert!(words.contains("x…"), "{words}");
}

/// A CA's names and keys for [`same_name_chains`]: the root, a second key
/// of the same CA (a self-issued certificate, as at a key rollover), a
/// server certificate issued by that second key, and a root of another CA
/// that happens to bear the same name.
struct SameName {
    root: Certificate,
    rollover: Certificate,
    leaf: Certificate,
    other_root: Certificate,
}

/// The rollover certificate gets `extensions` beside CA:TRUE and keyUsage.
fn same_name_chains(
    extensions: Vec<rcgen::CustomExtension>,
    eku: &[rcgen::ExtendedKeyUsagePurpose],
) -> SameName {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyUsagePurpose};
    let key = || crate::KeyPair::generate(KeyType::EcdsaP256).unwrap();
    // Key identifiers as certplay's issuing sets them (rcgen derives none
    // without its crypto features).
    let id = |key: &crate::KeyPair| rcgen::KeyIdMethod::PreSpecified(key.key_identifier());
    let ca_params = |key: &crate::KeyPair,
                     extra: Vec<rcgen::CustomExtension>,
                     eku: &[rcgen::ExtendedKeyUsagePurpose]| {
        let mut p = CertificateParams::default();
        p.key_identifier_method = id(key);
        p.distinguished_name.push(DnType::CommonName, "Same");
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p.extended_key_usages = eku.to_vec();
        p.custom_extensions = extra;
        p.use_authority_key_identifier_extension = true;
        p.serial_number = Some(rcgen::SerialNumber::from(vec![1, 2, 3, 4]));
        p
    };
    let (root_key, rollover_key, leaf_key, other_key) = (key(), key(), key(), key());
    let root = ca_params(&root_key, vec![], &[])
        .self_signed(&root_key)
        .unwrap();
    let root_issuer = Issuer::new(ca_params(&root_key, vec![], &[]), &root_key);
    let rollover = ca_params(&rollover_key, extensions, eku)
        .signed_by(&rollover_key, &root_issuer)
        .unwrap();
    let rollover_issuer = Issuer::new(ca_params(&rollover_key, vec![], &[]), &rollover_key);
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.use_authority_key_identifier_extension = true;
    leaf.key_identifier_method = id(&leaf_key);
    leaf.serial_number = Some(rcgen::SerialNumber::from(vec![5, 6, 7, 8]));
    leaf.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf.signed_by(&leaf_key, &rollover_issuer).unwrap();
    let other_root = ca_params(&other_key, vec![], &[])
        .self_signed(&other_key)
        .unwrap();
    SameName {
        root: cert(root.der()),
        rollover: cert(rollover.der()),
        leaf: cert(leaf.der()),
        other_root: cert(other_root.der()),
    }
}

/// The same-name words (and the CLI's `--ca holds another CA with the same
/// name` hint that follows them) only when a CA with that name and another
/// key is really in the way: a chain through a self-issued certificate of
/// the trusted CA (same name, its new key) that webpki refuses for what that
/// certificate says is refused for that, never as "another CA".
#[test]
fn the_same_name_words_only_when_another_ca_is_in_the_way() {
    use rcgen::ExtendedKeyUsagePurpose as Eku;
    let refusal = |set: &SameName, anchors: &[Certificate], intermediates: &[Certificate]| {
        let check = Check {
            anchors,
            intermediates,
            crls: &[],
            purpose: server("localhost"),
            at: set.leaf.not_before.0 + 60,
        };
        verify(&set.leaf, &check, &provider()).err()
    };

    // A sound rollover: valid through it, refused as another CA's without it.
    let sound = same_name_chains(vec![], &[]);
    let root = [sound.root.clone()];
    let through = refusal(&sound, &root, std::slice::from_ref(&sound.rollover));
    assert_eq!(through, None);
    let without = refusal(&sound, &root, &[]).unwrap();
    assert_eq!(without.kind(), ReasonKind::SameNameOtherCa, "{without}");
    // Right: another CA with the same name is all that --ca holds.
    let other = refusal(&sound, std::slice::from_ref(&sound.other_root), &[]).unwrap();
    assert_eq!(other.kind(), ReasonKind::SameNameOtherCa, "{other}");

    // The rollover certificate is for clients only: webpki refuses the path
    // through it for its extendedKeyUsage and reports the root's signature
    // error, which outranks it.
    let client_only = same_name_chains(vec![], &[Eku::ClientAuth]);
    let refused = refusal(
        &client_only,
        std::slice::from_ref(&client_only.root),
        std::slice::from_ref(&client_only.rollover),
    )
    .unwrap();
    assert_eq!(
        refused,
        Reason::WrongPurpose {
            subject: Some(client_only.rollover.subject.clone()),
            required: crate::read::model::Oid::new(const_oid::db::rfc5280::ID_KP_SERVER_AUTH),
            present: vec![crate::read::model::Oid::new(
                const_oid::db::rfc5280::ID_KP_CLIENT_AUTH
            )],
        },
        "{refused}"
    );
    assert!(!refused.to_string().contains("same name"), "{refused}");

    // The rollover certificate carries an extension marked critical that
    // webpki does not process.
    let mut critical =
        rcgen::CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 55555, 1], vec![5, 0]);
    critical.set_criticality(true);
    let unknown = same_name_chains(vec![critical], &[]);
    let refused = refusal(
        &unknown,
        std::slice::from_ref(&unknown.root),
        std::slice::from_ref(&unknown.rollover),
    )
    .unwrap();
    assert_eq!(
        refused.kind(),
        ReasonKind::UnhandledCriticalExtension,
        "{refused}"
    );
}
