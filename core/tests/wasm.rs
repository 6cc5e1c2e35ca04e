//! certplay-core in a real browser (headless Chromium through
//! wasm-bindgen-test): core's own generator issues the blog's set with every
//! fast key type (P-256, P-384, Ed25519, RSA-2048) and the intermediate
//! preset, and each reads back as the chain a person expects: names, SANs,
//! purposes, X.509 v3, signatures that verify under the issuer's key, files
//! the server accepts, and a zip of every file.
//!
//! Core's RSA-2048 generation blocks the page for seconds (three keys, about
//! a second each in wasm here), longer than the 5 s wasm-bindgen-test-runner
//! waits for the page by default; give it more, or a loaded machine fails
//! the test (and the runner leaves its Chromium behind):
//!
//! WASM_BINDGEN_TEST_TIMEOUT=120 WASM_BINDGEN_TEST_DRIVER_TIMEOUT=60 \
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! cargo test -p certplay-core --target wasm32-unknown-unknown --test wasm

#![cfg(target_arch = "wasm32")]

use std::io::{Cursor, Read};

use certplay_core::oid::KeyAlgorithm;
use certplay_core::read::model::GeneralName;
use certplay_core::{KeyType, Plan, Preset, ServerTls, Source};
use p256::ecdsa::signature::Verifier;
use rsa::pkcs8::DecodePublicKey;
use time::OffsetDateTime;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use x509_cert::der::{Decode, Encode};
use x509_cert::Certificate;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn p256_set_issued_in_the_browser_is_the_blogs_chain() {
    check_set(KeyType::EcdsaP256, "ECDSA P-256", "ecdsa-with-SHA256");
}

#[wasm_bindgen_test]
fn rsa2048_set_issued_in_the_browser_is_the_blogs_chain() {
    check_set(KeyType::Rsa2048, "RSA-2048", "sha256WithRSAEncryption");
}

#[wasm_bindgen_test]
fn p384_set_issued_in_the_browser_is_the_blogs_chain() {
    check_set(KeyType::EcdsaP384, "ECDSA P-384", "ecdsa-with-SHA384");
}

#[wasm_bindgen_test]
fn ed25519_set_issued_in_the_browser_is_the_blogs_chain() {
    check_set(KeyType::Ed25519, "Ed25519", "id-Ed25519");
}

#[wasm_bindgen_test]
fn intermediate_preset_issues_chains_in_the_browser() {
    let issued = Preset::Intermediate.plan().issue().unwrap();
    let intermediate = issued.entry("intermediate").unwrap();
    let server = issued.entry("server").unwrap();
    assert_signed_by(
        &intermediate.cert_der,
        &issued.entry("ca").unwrap().cert_der,
    );
    assert_signed_by(&server.cert_der, &intermediate.cert_der);
    let chain = pem::parse_many(server.chain_pem.as_deref().unwrap()).unwrap();
    assert_eq!(chain.len(), 2);
    let names: Vec<String> = issued
        .files()
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert!(names.contains(&"client-chain.crt".to_owned()), "{names:?}");
}

fn check_set(key_type: KeyType, public_key: &str, signature_algorithm: &str) {
    let plan = Plan {
        key_type,
        ..Plan::default()
    };
    let issued = plan.issue().expect("the default set issues");
    let pair = |name: &str| issued.entry(name).unwrap();
    struct Pki<'a> {
        ca: &'a certplay_core::IssuedEntry,
        server: &'a certplay_core::IssuedEntry,
        client: &'a certplay_core::IssuedEntry,
    }
    let pki = Pki {
        ca: pair("ca"),
        server: pair("server"),
        client: pair("client"),
    };
    // The clock works in the browser (time's wasm-bindgen feature).
    let now = OffsetDateTime::now_utc().unix_timestamp();

    let read = |der: &[u8]| certplay_core::read::Certificate::from_der(der).unwrap();
    let (ca, server, client) = (
        read(&pki.ca.cert_der),
        read(&pki.server.cert_der),
        read(&pki.client.cert_der),
    );
    let purposes = |c: &certplay_core::read::Certificate| -> Vec<String> {
        c.extended_key_usage()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    for info in [&ca, &server, &client] {
        assert_eq!(info.version, 3, "{}", info.subject);
        assert_eq!(info.public_key.kind.to_string(), public_key);
        assert_eq!(info.signature_algorithm.to_string(), signature_algorithm);
        assert!(info.valid_at(now), "{} not valid now", info.subject);
        // 365 days from issuing; notBefore an hour before it.
        assert_eq!(info.not_after.0 - info.not_before.0, 365 * 86_400 + 3600);
        assert!(
            !info.extensions.iter().any(|e| matches!(
                e.value,
                certplay_core::read::model::ExtensionValue::Malformed { .. }
            )),
            "{}",
            info.subject
        );
    }

    assert_eq!(ca.subject.to_string(), "CN=my-ca");
    assert!(ca.self_issued());
    assert!(ca.is_ca());
    assert!(ca.key_usage().unwrap().contains(&"keyCertSign"));

    assert_eq!(server.subject.to_string(), "CN=localhost");
    assert_eq!(server.issuer, ca.subject);
    assert_eq!(server.basic_constraints(), Some((false, None)));
    let names: Vec<String> = server
        .subject_alt_names()
        .iter()
        .map(GeneralName::to_string)
        .collect();
    assert_eq!(
        names,
        [
            "DNS:localhost",
            "IP Address:127.0.0.1",
            "IP Address:0:0:0:0:0:0:0:1"
        ]
    );
    assert_eq!(purposes(&server), ["id-kp-serverAuth"]);

    assert_eq!(client.subject.to_string(), "CN=my-client");
    assert_eq!(client.issuer, ca.subject);
    assert_eq!(client.basic_constraints(), Some((false, None)));
    assert!(client.subject_alt_names().is_empty());
    assert_eq!(purposes(&client), ["id-kp-clientAuth"]);

    let serials = [&ca.serial, &server.serial, &client.serial];
    assert!(serials[0] != serials[1] && serials[1] != serials[2] && serials[0] != serials[2]);

    // Every certificate is signed by the CA's key.
    for der in [&pki.ca.cert_der, &pki.server.cert_der, &pki.client.cert_der] {
        assert_signed_by(der, &pki.ca.cert_der);
    }

    // The server takes the files as they are downloaded, key matching cert.
    let tls = ServerTls::read(
        Source::new("ca.crt", pki.ca.cert_pem.as_bytes()),
        Source::new("server.crt", pki.server.cert_pem.as_bytes()),
        Source::new(
            "server.key",
            pki.server.key_pem.as_deref().unwrap().as_bytes(),
        ),
        now,
    )
    .expect("the server accepts the files");
    assert!(tls.warnings.is_empty(), "{:?}", tls.warnings);

    // The zip holds the blog's six files and the plan.
    let zip = issued.to_zip().unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let files = issued.files().unwrap();
    assert_eq!(archive.len(), files.len());
    for file in &files {
        let mut text = String::new();
        archive
            .by_name(&file.name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, file.contents, "{}", file.name);
    }
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "ca.crt",
            "ca.key",
            "server.crt",
            "server.key",
            "client.crt",
            "client.key",
            "certplay-plan.toml"
        ],
        "the blog's names, in the blog's order"
    );
}

/// Checks `der`'s signature with the public key of `issuer_der`.
fn assert_signed_by(der: &[u8], issuer_der: &[u8]) {
    let cert = Certificate::from_der(der).unwrap();
    let issuer = Certificate::from_der(issuer_der).unwrap();
    let tbs = cert.tbs_certificate.to_der().unwrap();
    let signature = cert.signature.raw_bytes();
    let spki = &issuer.tbs_certificate.subject_public_key_info;
    match KeyAlgorithm::of(&spki.algorithm.oid) {
        Some(KeyAlgorithm::Ec) if spki.subject_public_key.raw_bytes().len() == 65 => {
            let key =
                p256::ecdsa::VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes())
                    .unwrap();
            let signature = p256::ecdsa::Signature::from_der(signature).unwrap();
            key.verify(&tbs, &signature)
                .expect("ECDSA P-256 signature verifies");
        }
        Some(KeyAlgorithm::Ec) => {
            let key =
                p384::ecdsa::VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes())
                    .unwrap();
            let signature = p384::ecdsa::Signature::from_der(signature).unwrap();
            key.verify(&tbs, &signature)
                .expect("ECDSA P-384 signature verifies");
        }
        Some(KeyAlgorithm::Ed25519) => {
            let bytes: [u8; 32] = spki.subject_public_key.raw_bytes().try_into().unwrap();
            let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes).unwrap();
            let signature = ed25519_dalek::Signature::from_slice(signature).unwrap();
            key.verify(&tbs, &signature)
                .expect("Ed25519 signature verifies");
        }
        Some(KeyAlgorithm::Rsa) => {
            let key = rsa::RsaPublicKey::from_public_key_der(&spki.to_der().unwrap()).unwrap();
            let key = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key);
            let signature = rsa::pkcs1v15::Signature::try_from(signature).unwrap();
            key.verify(&tbs, &signature)
                .expect("RSA signature verifies");
        }
        other => panic!("unexpected key algorithm {other:?}"),
    }
}

/// The reader in the browser: an issued set, as one pasted chain with a key,
/// comes out typed, as openssl-like text, and lint-clean.
#[wasm_bindgen_test]
fn read_text_and_lints_in_the_browser() {
    use certplay_core::read::{self, lint, text, Item};
    let issued = Plan::default().issue().unwrap();
    let (server, ca) = (issued.entry("server").unwrap(), issued.entry("ca").unwrap());
    let pasted = format!(
        "{}{}{}",
        server.cert_pem,
        ca.cert_pem,
        server.key_pem.as_deref().unwrap()
    );
    let items = read::read("pasted", pasted.as_bytes()).unwrap();
    let certs = read::certificates(&items);
    assert_eq!(certs.len(), 2);
    let now = OffsetDateTime::now_utc().unix_timestamp();
    for cert in &certs {
        assert_eq!(lint::certificate(cert, now), Vec::new(), "{}", cert.subject);
    }
    let Some(Item::PrivateKey(key)) = items.get(2) else {
        panic!("no key read: {items:?}")
    };
    assert_eq!(key.matches(certs[0]), Some(true));
    let shown = text::items(&items);
    assert!(shown.contains("Subject: CN = localhost"), "{shown}");
    assert!(shown.contains("X509v3 Subject Alternative Name"), "{shown}");
}

/// CSRs in the browser: a request made for a plan entry with an imported
/// key, signed by an existing CA after its signature is checked; the
/// certificate carries the request's key and SANs and verifies under the CA.
#[wasm_bindgen_test]
fn csr_made_and_signed_in_the_browser() {
    use certplay_core::{CsrParams, CsrSigning, ExistingCa, KeyPair, Profile};
    let issued = Plan::default().issue().unwrap();
    let ca = issued.entry("ca").unwrap();
    let existing = ExistingCa::read(
        Source::new("ca.crt", ca.cert_pem.as_bytes()),
        Source::new("ca.key", ca.key_pem.as_deref().unwrap().as_bytes()),
    )
    .unwrap();
    let key = KeyPair::generate(KeyType::EcdsaP256).unwrap();
    let pem = key.to_pkcs8_pem().unwrap();
    let imported = certplay_core::read_private_key(Source::new("my.key", pem.as_bytes()))
        .unwrap()
        .into_pair()
        .unwrap();
    let csr = CsrParams::for_entry(&Plan::default(), "server")
        .unwrap()
        .request(&imported)
        .unwrap();
    let signing = CsrSigning {
        profile: Some(Profile::Server),
        ..CsrSigning::default()
    };
    let signed = existing
        .sign_csr(
            Source::new("server.csr", csr.pem.as_bytes()),
            &signing,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
    assert_signed_by(&signed.cert_der, &ca.cert_der);
    let info = certplay_core::read::Certificate::from_der(&signed.cert_der).unwrap();
    assert_eq!(info.subject.to_string(), "CN=localhost");
    let cert = Certificate::from_der(&signed.cert_der).unwrap();
    assert_eq!(
        cert.tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap(),
        key.public_key_info_der().unwrap()
    );
    let report = signed.report.to_string();
    assert!(
        report.contains("kept    X509v3 Subject Alternative Name: DNS:localhost"),
        "{report}"
    );
    // A changed byte is refused.
    let mut der = csr.der.clone();
    let last = der.len() - 1;
    der[last] ^= 1;
    let refused = existing.sign_csr(
        Source::new("server.csr", &der),
        &signing,
        OffsetDateTime::now_utc(),
    );
    assert!(refused.is_err());
}

/// Issue 7 in the browser: a CRL revoking the client (read back with its
/// reason and time) and a PKCS#12 file of the client in both encodings
/// (read back with its key and chain).
#[wasm_bindgen_test]
fn a_crl_and_pkcs12_files_are_made_in_the_browser() {
    use certplay_core::{CrlParams, Revocation, RevocationReason};
    let issued = Plan::default().issue().unwrap();
    let client = issued.entry("client").unwrap();
    let serial = client.serial().unwrap();
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let revocation = Revocation {
        serial: serial.clone(),
        reason: RevocationReason::KeyCompromise,
        revoked_at: now,
    };
    let crl = issued
        .issue_crl("ca", &CrlParams::new(now, 7, vec![revocation]))
        .unwrap();
    let read = certplay_core::read::Crl::from_der(&crl.der).unwrap();
    assert_eq!(read.revoked.len(), 1);
    let entry = read.revoked.first().unwrap();
    assert_eq!(entry.reason, Some("keyCompromise"));
    assert_eq!(entry.date.0, now.unix_timestamp());
    assert_eq!(
        certplay_core::Serial::from_bytes(entry.serial.bytes()),
        serial
    );

    #[cfg(feature = "pkcs12")]
    for encoding in [
        certplay_core::Pkcs12Encoding::Modern,
        certplay_core::Pkcs12Encoding::Legacy,
    ] {
        let password = certplay_core::Pkcs12Password::new("pw").unwrap();
        let file = issued.pkcs12("client", encoding, password).unwrap();
        let items = certplay_core::read::read_with_password("c.p12", &file, Some("pw")).unwrap();
        let [certplay_core::read::Item::Pkcs12(p12)] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert_eq!(p12.locked, None, "{encoding:?}");
        let certs: Vec<&[u8]> = p12
            .contents
            .iter()
            .filter_map(|item| match item {
                certplay_core::read::Item::Certificate(c) => Some(c.der.as_slice()),
                _ => None,
            })
            .collect();
        assert_eq!(certs.len(), 2, "{encoding:?}");
        assert_eq!(certs.first().copied(), Some(client.cert_der.as_slice()));
    }
}
