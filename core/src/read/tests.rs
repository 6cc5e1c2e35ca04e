use super::lint::Severity;
use super::*;
use crate::issue::blog_set;

fn now_for(pki: &blog_set::BlogSet) -> i64 {
    Certificate::from_der(&pki.ca.cert_der)
        .unwrap()
        .not_before
        .0
        + 60
}

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

#[test]
fn certplays_own_certificates_are_lint_clean() {
    for key_type in [crate::KeyType::EcdsaP256, crate::KeyType::Rsa2048] {
        let pki = blog_set::of(key_type);
        let now = now_for(&pki);
        for issued in [&pki.ca, &pki.server, &pki.client] {
            let cert = Certificate::from_der(&issued.cert_der).unwrap();
            let lints = lint::certificate(&cert, now);
            assert!(
                lints.iter().all(|l| l.severity == Severity::Notice),
                "{} {key_type:?}: {lints:#?}",
                cert.subject
            );
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
        .find(|e| e.id.oid.to_string() == "2.5.29.17")
        .unwrap();
    assert!(
        matches!(e.value, model::ExtensionValue::Malformed { .. }),
        "{e:?}"
    );
    assert!(cert.basic_constraints().is_some());
    assert!(text::certificate(&cert).contains("<malformed:"));
}
