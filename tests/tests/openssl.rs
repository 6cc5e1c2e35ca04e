//! certplay's files checked by OpenSSL: the chain verifies, and the
//! certificates are X.509 v3 with the SANs and purposes the blog needs.

use certplay_core::KeyType;
use certplay_tests::{issue_into, run, stderr, stdout, temp_dir};

fn openssl_reads(key_type: KeyType) {
    let dir = temp_dir();
    issue_into(dir.path(), key_type);

    let verify = run(
        dir.path(),
        "openssl",
        &["verify", "-CAfile", "ca.crt", "server.crt", "client.crt"],
    );
    assert!(
        verify.status.success(),
        "openssl verify: {}{}",
        stdout(&verify),
        stderr(&verify)
    );
    assert_eq!(stdout(&verify), "server.crt: OK\nclient.crt: OK\n");

    // The server certificate is also good for the purpose and host curl checks.
    let purpose = run(
        dir.path(),
        "openssl",
        &[
            "verify",
            "-CAfile",
            "ca.crt",
            "-purpose",
            "sslserver",
            "-verify_hostname",
            "localhost",
            "-verify_ip",
            "127.0.0.1",
            "server.crt",
        ],
    );
    assert!(
        purpose.status.success(),
        "{}{}",
        stdout(&purpose),
        stderr(&purpose)
    );
    let client_purpose = run(
        dir.path(),
        "openssl",
        &[
            "verify",
            "-CAfile",
            "ca.crt",
            "-purpose",
            "sslclient",
            "client.crt",
        ],
    );
    assert!(
        client_purpose.status.success(),
        "{}",
        stderr(&client_purpose)
    );

    let text = |file: &str| {
        let out = run(
            dir.path(),
            "openssl",
            &["x509", "-in", file, "-text", "-noout"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let ca = text("ca.crt");
    assert!(ca.contains("Version: 3 (0x2)"), "{ca}");
    assert!(ca.contains("Subject: CN = my-ca"));
    assert!(ca.contains("CA:TRUE"));
    assert!(ca.contains("Certificate Sign, CRL Sign"), "{ca}");
    assert!(ca.contains("X509v3 Subject Key Identifier"));

    let server = text("server.crt");
    assert!(server.contains("Version: 3 (0x2)"));
    assert!(server.contains("Issuer: CN = my-ca"));
    assert!(server.contains("Subject: CN = localhost"));
    assert!(
        server.contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"),
        "{server}"
    );
    assert!(server.contains("TLS Web Server Authentication"));
    assert!(server.contains("X509v3 Authority Key Identifier"));
    assert!(server.contains("CA:FALSE"));

    let client = text("client.crt");
    assert!(client.contains("Version: 3 (0x2)"));
    assert!(client.contains("Subject: CN = my-client"));
    assert!(client.contains("TLS Web Client Authentication"));

    let expected_key = match key_type {
        KeyType::EcdsaP256 => "Public-Key: (256 bit)",
        _ => "Public-Key: (2048 bit)",
    };
    assert!(server.contains(expected_key), "{server}");
    // Serials differ and are positive (OpenSSL prints negative ones with '(Negative)').
    assert!(!server.contains("Negative") && !client.contains("Negative"));

    // The keys are PKCS#8 that OpenSSL reads, and each matches its certificate.
    for (key, cert) in [
        ("ca.key", "ca.crt"),
        ("server.key", "server.crt"),
        ("client.key", "client.crt"),
    ] {
        let from_key = run(dir.path(), "openssl", &["pkey", "-in", key, "-pubout"]);
        assert!(from_key.status.success(), "{key}: {}", stderr(&from_key));
        let from_cert = run(
            dir.path(),
            "openssl",
            &["x509", "-in", cert, "-pubkey", "-noout"],
        );
        assert_eq!(
            stdout(&from_key),
            stdout(&from_cert),
            "{key} does not match {cert}"
        );
        let head = std::fs::read_to_string(dir.path().join(key)).expect("key file");
        assert!(
            head.starts_with("-----BEGIN PRIVATE KEY-----"),
            "{key} is not PKCS#8"
        );
    }
}

#[test]
fn openssl_verifies_and_reads_a_p256_set() {
    openssl_reads(KeyType::EcdsaP256);
}

#[test]
fn openssl_verifies_and_reads_an_rsa2048_set() {
    openssl_reads(KeyType::Rsa2048);
}
