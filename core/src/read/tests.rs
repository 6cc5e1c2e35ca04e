use super::lint::Severity;
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
                    .filter(|l| !(key_type == KeyType::Ed25519 && l.id == "eddsa-in-server-chain"))
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
