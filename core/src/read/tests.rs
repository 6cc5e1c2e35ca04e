use super::lint::{Lint, LintId, Severity};
use super::*;
use crate::issue::blog_set;

#[test]
fn reads_an_issued_set_in_any_wrapping() {
    let pki = blog_set::issue("my-ca");
    let chain = format!(
        "some text before\r\n{}\r\nbetween\n{}{}",
        pki.server.cert_pem.replace('\n', "\r\n"),
        pki.ca.cert_pem,
        pki.server.key_pem.trim_end()
    );
    let items = read("chain.pem", chain.as_bytes()).unwrap();
    assert_eq!(items.len(), 3, "{items:?}");
    let certs = certificates(&items);
    assert_eq!(certs.len(), 2);
    let server = certs[0];
    assert_eq!(server.subject.to_string(), "CN=localhost");
    assert_eq!(server.issuer.openssl(), "CN = my-ca");
    assert_eq!(
        server
            .subject_alt_names()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "DNS:localhost",
            "IP Address:127.0.0.1",
            "IP Address:0:0:0:0:0:0:0:1"
        ]
    );
    let Item::PrivateKey(key) = &items[2] else {
        panic!("{:?}", items[2])
    };
    assert_eq!(key.matches(server), Some(true));
    assert_eq!(key.matches(certs[1]), Some(false));
    // DER alone is detected too.
    let der = read("server.der", &pki.server.cert_der).unwrap();
    assert!(matches!(&der[..], [Item::Certificate(c)] if **c == *server));
}

#[test]
fn the_text_view_looks_like_openssl() {
    let pki = blog_set::issue("my-ca");
    let items = read("ca.crt", pki.ca.cert_pem.as_bytes()).unwrap();
    let text = text::items(&items);
    for want in [
        "Version: 3 (0x2)",
        "Subject: CN = my-ca",
        "X509v3 Basic Constraints: critical\n                CA:TRUE",
        "Certificate Sign, CRL Sign",
        "X509v3 Subject Key Identifier",
        "ASN1 OID: prime256v1",
        "SHA256 Fingerprint=",
    ] {
        assert!(text.contains(want), "{want} not in\n{text}");
    }
    let json = serde_json::to_string(&items).unwrap();
    assert!(json.contains("\"kind\":\"certificate\""), "{json}");
    assert!(
        json.contains("\"basic_constraints\":{\"ca\":true"),
        "{json}"
    );
}

/// Every preset with every key type: no lint above a notice, except the
/// one a person chose by picking Ed25519 (browsers refuse EdDSA servers).
/// One key per key type serves every entry, so RSA-4096 is made once.
#[test]
fn certplays_own_certificates_are_lint_clean() {
    use crate::{KeyPair, KeyType, Materials, Plan, Preset};
    for key_type in KeyType::ALL {
        let key = KeyPair::generate(key_type).unwrap();
        let pkcs8 = ::pem::parse(key.to_pkcs8_pem().unwrap()).unwrap();
        for preset in Preset::ALL {
            let plan = Plan {
                key_type,
                ..preset.plan()
            };
            let mut materials = Materials::default();
            for (name, _) in plan.keys_needed() {
                let copy = KeyPair::from_pkcs8_der(pkcs8.contents()).unwrap();
                materials.keys.insert(name, copy);
            }
            let now = time::OffsetDateTime::now_utc();
            let issued = plan.issue_with(materials, now).unwrap();
            for entry in &issued.entries {
                let cert = Certificate::from_der(&entry.cert_der).unwrap();
                let lints = lint::certificate(&cert, now.unix_timestamp() + 60);
                let unexpected: Vec<_> = lints
                    .iter()
                    .filter(|l| l.severity != Severity::Notice)
                    .filter(|l| {
                        !(key_type == KeyType::Ed25519 && l.id == LintId::EddsaInServerChain)
                    })
                    .collect();
                assert!(
                    unexpected.is_empty(),
                    "{} in {} with {key_type}: {unexpected:#?}",
                    entry.name,
                    preset.name()
                );
            }
        }
    }
}

#[test]
fn broken_inputs_give_clear_errors() {
    let pki = blog_set::issue("my-ca");
    let der = &pki.server.cert_der;
    for len in 0..der.len() {
        assert!(read("cut.der", &der[..len]).is_err(), "{len} bytes read");
    }
    for i in 0..der.len() {
        let mut flipped = der.clone();
        flipped[i] ^= 0xff;
        let _ = read("flipped.der", &flipped);
    }
    let big = vec![b'A'; 10 * 1024 * 1024];
    let err = read("big.pem", &big).unwrap_err().to_string();
    assert!(err.contains("more than certplay reads"), "{err}");
    let err = read("x", b"hello").unwrap_err().to_string();
    assert!(err.contains("neither PEM"), "{err}");
    let cut = &pki.ca.cert_pem[..100];
    let err = read("cut.pem", cut.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("without its matching -----END"), "{err}");
    let bad_b64 = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    let items = read("b.pem", format!("{bad_b64}{}", pki.ca.cert_pem).as_bytes()).unwrap();
    assert!(matches!(&items[0], Item::Unreadable { error, .. } if error.contains("base64")));
    assert!(matches!(&items[1], Item::Certificate(_)));
}

#[test]
fn a_malformed_extension_is_shown_and_the_rest_read() {
    let pki = blog_set::issue("my-ca");
    let mut der = pki.server.cert_der.clone();
    // The SAN extension's value starts with 30 (SEQUENCE); make it a SET.
    let san = [0x06, 0x03, 0x55, 0x1d, 0x11];
    let at = der.windows(5).position(|w| w == san).unwrap();
    let value = der[at + 5..].iter().position(|b| *b == 0x30).unwrap() + at + 5;
    der[value] = 0x31;
    let cert = Certificate::from_der(&der).unwrap();
    let e = cert
        .extensions
        .iter()
        .find(|e| e.id.oid == crate::oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME)
        .unwrap();
    assert!(
        matches!(e.value, model::ExtensionValue::Malformed { .. }),
        "{e:?}"
    );
    assert!(cert.basic_constraints().is_some());
    assert!(text::certificate(&cert).contains("<malformed:"));
}

/// certplay's own PKCS#12 files, both encodings: the outer structure without
/// the password, the key and the chain with it, a wrong password named.
#[cfg(feature = "pkcs12")]
#[test]
fn reads_pkcs12_in_both_encodings() {
    use crate::{Pkcs12Encoding, Pkcs12Password, Plan};
    let issued = Plan::default().issue().unwrap();
    let client = issued.entry("client").unwrap();
    let client_cert = Certificate::from_der(&client.cert_der).unwrap();
    for (encoding, mac, key_scheme, certs_scheme) in [
        (
            Pkcs12Encoding::Modern,
            "id-sha256",
            "PBES2: PBKDF2 with id-hmacWithSHA256, 10000 iterations, id-aes256-CBC",
            "PBES2: PBKDF2 with id-hmacWithSHA256, 10000 iterations, id-aes256-CBC",
        ),
        (
            Pkcs12Encoding::Legacy,
            "id-sha1",
            "pbeWithSHAAnd3-KeyTripleDES-CBC, 10000 iterations",
            "pbeWithSHAAnd3-KeyTripleDES-CBC, 10000 iterations",
        ),
    ] {
        let der = issued
            .pkcs12("client", encoding, Pkcs12Password::new("pw").unwrap())
            .unwrap();
        let locked = read("client.p12", &der).unwrap();
        let [Item::Pkcs12(p)] = locked.as_slice() else {
            panic!("{locked:?}")
        };
        assert_eq!(p.mac.as_ref().unwrap().digest.to_string(), mac);
        assert_eq!(p.mac.as_ref().unwrap().iterations, 10_000);
        let parts: Vec<(&str, &str)> = p
            .parts
            .iter()
            .map(|part| (part.holds, part.encryption.as_str()))
            .collect();
        assert!(parts.contains(&("private key", key_scheme)), "{parts:?}");
        assert!(parts.contains(&("certificates", certs_scheme)), "{parts:?}");
        assert!(p.contents.is_empty());
        assert!(p.locked.as_deref().unwrap().contains("give its password"));

        let wrong = read_with_password("client.p12", &der, Some("nope")).unwrap();
        let [Item::Pkcs12(p)] = wrong.as_slice() else {
            panic!("{wrong:?}")
        };
        assert!(
            p.locked
                .as_deref()
                .unwrap()
                .contains("the password is wrong"),
            "{p:?}"
        );

        let open = read_with_password("client.p12", &der, Some("pw")).unwrap();
        let [Item::Pkcs12(p)] = open.as_slice() else {
            panic!("{open:?}")
        };
        assert_eq!(p.locked, None);
        let key = p
            .contents
            .iter()
            .find_map(|i| match i {
                Item::PrivateKey(k) => Some(k),
                _ => None,
            })
            .unwrap();
        assert_eq!(key.matches(&client_cert), Some(true));
        let subjects: Vec<String> = certificates(&p.contents)
            .iter()
            .map(|c| c.subject.to_string())
            .collect();
        assert_eq!(subjects, ["CN=my-client", "CN=my-ca"], "{encoding:?}");
        let text = text::items(&open);
        assert!(
            text.contains(&format!("MAC: {mac}, Iteration 10000")),
            "{text}"
        );
        assert!(text.contains("Subject: CN = my-client"), "{text}");
    }
}

/// PKCS#12 files built bag by bag, as an attacker would: `bags` in one
/// data part (and `sealed_bags` in one encrypted part, encrypted with
/// "pw" at 3 iterations), without a MAC.
#[cfg(feature = "pkcs12")]
fn pfx_without_mac(
    bags: Vec<crate::pfx::SafeBag>,
    sealed_bags: Vec<crate::pfx::SafeBag>,
) -> Vec<u8> {
    use crate::pfx::{self, ContentInfo, EncryptedContentInfo, EncryptedData, Pfx};
    use der::asn1::OctetString;
    use der::{Any, Encode};
    let data = |bytes: Vec<u8>| ContentInfo {
        content_type: pfx::DATA,
        content: Some(Any::encode_from(&OctetString::new(bytes).unwrap()).unwrap()),
    };
    let mut parts = vec![data(bags.to_der().unwrap())];
    if !sealed_bags.is_empty() {
        let plain = sealed_bags.to_der().unwrap();
        let (algorithm, sealed) = pfx::encrypt(pfx::Scheme::Pbes2Aes256, "pw", 3, &plain).unwrap();
        let info = EncryptedData {
            version: 0,
            info: EncryptedContentInfo {
                content_type: pfx::DATA,
                algorithm,
                content: Some(OctetString::new(sealed).unwrap()),
            },
        };
        parts.push(ContentInfo {
            content_type: pfx::ENCRYPTED_DATA,
            content: Some(Any::encode_from(&info).unwrap()),
        });
    }
    Pfx {
        version: 3,
        auth_safe: data(parts.to_der().unwrap()),
        mac_data: None,
    }
    .to_der()
    .unwrap()
}

/// A shrouded key bag whose PBKDF2 asks for `iterations`; its 32 sealed
/// bytes are never decrypted when the budget refuses the file.
#[cfg(feature = "pkcs12")]
fn shrouded_key(iterations: u32) -> crate::pfx::SafeBag {
    use der::asn1::OctetString;
    use der::{Any, Decode, Encode};
    let params =
        pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(iterations, &[7; 16], &[9; 16]).unwrap();
    let algorithm = x509_cert::spki::AlgorithmIdentifierOwned::from_der(
        &pkcs5::EncryptionScheme::from(params).to_der().unwrap(),
    )
    .unwrap();
    let info = crate::pfx::EncryptedPrivateKeyInfo {
        algorithm,
        data: OctetString::new(vec![0u8; 32]).unwrap(),
    };
    crate::pfx::SafeBag {
        bag_id: crate::pfx::SHROUDED_KEY_BAG,
        bag_value: Any::encode_from(&info).unwrap(),
        attributes: None,
    }
}

/// `read_with_password` on another thread, given 60 s: a regression (the
/// work done before it is refused) fails here instead of hashing for
/// minutes.
#[cfg(feature = "pkcs12")]
fn locked_within_a_minute(der: Vec<u8>, password: &'static str) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let items = read_with_password("hostile.p12", &der, Some(password)).unwrap();
        let [Item::Pkcs12(p)] = items.as_slice() else {
            panic!("{items:?}")
        };
        let _ = tx.send(p.locked.clone().unwrap_or_default());
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("the file was not refused within 60 s: its work was done, not budgeted")
}

/// Issue 23: 300 key bags at 1,000,000 PBKDF2 iterations each kept
/// `inspect --password x` busy for 42 s; one budget for the whole file
/// refuses it, in words, before any derivation.
#[cfg(feature = "pkcs12")]
#[test]
fn a_pkcs12_file_has_one_work_budget_for_all_its_bags() {
    let bags: Vec<_> = (0..300).map(|_| shrouded_key(1_000_000)).collect();
    let der = pfx_without_mac(bags, Vec::new());
    let locked = locked_within_a_minute(der, "x");
    assert!(
        locked.contains("300 encrypted key(s)")
            && locked.contains("300000000 key-derivation iterations")
            && locked.contains("certplay stops at 4000000 a file")
            && locked.contains("derived nothing"),
        "{locked}"
    );

    // Keys hidden inside an encrypted part count too, before they are
    // decrypted.
    let hidden: Vec<_> = (0..5).map(|_| shrouded_key(1_000_000)).collect();
    let der = pfx_without_mac(Vec::new(), hidden);
    let locked = locked_within_a_minute(der, "pw");
    assert!(
        locked.contains("5 encrypted key(s) found inside its encrypted parts")
            && locked.contains("certplay stops at 4000000"),
        "{locked}"
    );

    // Within the budget, each key is tried (and with a wrong password the
    // words do not speak of a MAC the file does not have).
    let der = pfx_without_mac(vec![shrouded_key(1000), shrouded_key(1000)], Vec::new());
    let locked = locked_within_a_minute(der, "x");
    assert!(
        locked.contains("the private key: it does not decrypt with this password")
            && locked.contains("the file has no MAC")
            && !locked.contains("MAC did"),
        "{locked}"
    );
}

/// Each lint's id is its stable name in JSON, read back to the same id; a
/// lint read back from its JSON is the lint (the page's worker sends them).
#[test]
fn lint_ids_are_their_names() {
    let mut names = std::collections::BTreeSet::new();
    for id in LintId::ALL {
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{}\"", id.name()));
        assert_eq!(serde_json::from_str::<LintId>(&json).unwrap(), id);
        assert!(names.insert(id.name()), "{id} twice");
    }
    let lint = Lint::new(LintId::Expired, Severity::Error, "expired at then".into());
    let json = serde_json::to_string(&lint).unwrap();
    assert!(
        json.contains(r#""id":"expired","severity":"error","rule":"RFC 5280 4.1.2.5""#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Lint>(&json).unwrap(), lint);
    assert_eq!(
        lint.to_string(),
        "Error expired: expired at then [RFC 5280 4.1.2.5] fix: re-issue it"
    );
}

/// The date lints fire at the times a person would check: before
/// notBefore, within 30 days of notAfter, after it; none in between.
#[test]
fn date_lints_by_id() {
    let pki = blog_set::issue("my-ca");
    let cert = Certificate::from_der(&pki.server.cert_der).unwrap();
    let (from, until) = (cert.not_before.0, cert.not_after.0);
    let ids = |now: i64| -> Vec<LintId> {
        lint::certificate(&cert, now)
            .into_iter()
            .map(|l| l.id)
            .filter(|id| {
                matches!(
                    id,
                    LintId::Expired | LintId::NotYetValid | LintId::ExpiringSoon
                )
            })
            .collect()
    };
    assert_eq!(ids(from - 1), [LintId::NotYetValid]);
    assert_eq!(ids(from + 60), []);
    assert_eq!(ids(until - 10 * 86_400), [LintId::ExpiringSoon]);
    assert_eq!(ids(until + 1), [LintId::Expired]);
}
