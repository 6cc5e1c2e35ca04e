//! CSRs and keys a person already has, checked against openssl: openssl
//! reads and verifies certplay's CSRs; certplay signs openssl's CSRs
//! (keeping their SANs, refusing a tampered one); keys from every openssl
//! command import, and the certificate carries that very key.

use std::path::Path;

use certplay_tests::{
    certplay, refused_without_writing, run, sh, snapshot, stderr, stdout, temp_dir,
};

/// certplay ARGS in `dir`, which must succeed; its stdout.
fn certplay_ok(dir: &Path, args: &[&str]) -> String {
    let out = certplay(dir, args);
    assert!(
        out.status.success(),
        "certplay {args:?}\n{}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// `certplay sign` with the CA of [`ca`]: `sign --ca-cert pki/ca.crt
/// --ca-key pki/ca.key ARGS`.
fn sign(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["sign", "--ca-cert", "pki/ca.crt", "--ca-key", "pki/ca.key"];
    all.extend_from_slice(args);
    certplay(dir, &all)
}

/// [`sign`], which must succeed: its standard output.
fn sign_ok(dir: &Path, args: &[&str]) -> String {
    let out = sign(dir, args);
    assert!(
        out.status.success(),
        "sign {args:?}\n{}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// A CA made by certplay in `dir/pki`.
fn ca(dir: &Path) {
    certplay_ok(dir, &["issue", "--out", "pki"]);
}

#[test]
fn openssl_verifies_certplays_csr_with_its_sans() {
    let dir = temp_dir();
    let out = certplay_ok(
        dir.path(),
        &[
            "csr",
            "--cn",
            "api.example.test",
            "--san",
            "api.example.test",
            "--san",
            "10.0.0.5",
            "--out",
            "req",
        ],
    );
    assert!(out.contains("api.example.test.csr"), "{out}");
    let key = std::fs::metadata(dir.path().join("req/api.example.test.key")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&key.permissions()) & 0o777,
        0o600
    );
    let out = run(
        dir.path(),
        "openssl",
        &[
            "req",
            "-in",
            "req/api.example.test.csr",
            "-noout",
            "-verify",
            "-text",
        ],
    );
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("verify OK"), "{text}");
    assert!(text.contains("CN = api.example.test"), "{text}");
    assert!(
        text.contains("DNS:api.example.test, IP Address:10.0.0.5"),
        "{text}"
    );
    // The key belongs to the request.
    let from_key = sh(
        dir.path(),
        "openssl pkey -in req/api.example.test.key -pubout",
    );
    let from_csr = sh(
        dir.path(),
        "openssl req -in req/api.example.test.csr -noout -pubkey",
    );
    assert_eq!(from_key, from_csr);

    // Never overwritten without --force: not a byte of req/ changes.
    refused_without_writing(
        dir.path(),
        &["csr", "--cn", "api.example.test", "--out", "req"],
        "already exists",
    );
    certplay_ok(
        dir.path(),
        &["csr", "--cn", "api.example.test", "--out", "req", "--force"],
    );
}

/// `certplay csr --plan FILE --entry NAME`: the request asks for what the
/// plan would issue to that entry (subject, SANs, purposes, key type).
#[test]
fn a_csr_for_a_plan_entry_carries_its_subject_sans_and_key_type() {
    let dir = temp_dir();
    certplay_ok(
        dir.path(),
        &[
            "issue",
            "--out",
            "pki",
            "--key-type",
            "p384",
            "--client",
            "alice",
        ],
    );
    let plan = "pki/certplay-plan.toml";
    let out = certplay_ok(
        dir.path(),
        &["csr", "--plan", plan, "--entry", "server", "--out", "req"],
    );
    assert!(
        out.contains("server.csr (CN=localhost, ECDSA P-384"),
        "{out}"
    );
    let text = sh(
        dir.path(),
        "openssl req -in req/server.csr -noout -verify -text 2>&1",
    );
    assert!(text.contains("verify OK"), "{text}");
    assert!(text.contains("CN = localhost"), "{text}");
    assert!(
        text.contains("DNS:localhost, IP Address:127.0.0.1"),
        "{text}"
    );
    assert!(text.contains("TLS Web Server Authentication"), "{text}");
    assert!(text.contains("secp384r1"), "{text}");
    let from_key = sh(dir.path(), "openssl pkey -in req/server.key -pubout");
    let from_csr = sh(dir.path(), "openssl req -in req/server.csr -noout -pubkey");
    assert_eq!(from_key, from_csr);

    // A client entry asks for clientAuth; signed by the plan's CA, the
    // certificate serves curl like the issued one.
    certplay_ok(
        dir.path(),
        &["csr", "--plan", plan, "--entry", "alice", "--out", "req"],
    );
    let text = sh(
        dir.path(),
        "openssl req -in req/alice.csr -noout -verify -text 2>&1",
    );
    assert!(text.contains("CN = alice"), "{text}");
    assert!(text.contains("TLS Web Client Authentication"), "{text}");

    // Never overwritten without --force; an unknown entry is named; nothing
    // is written either way.
    refused_without_writing(
        dir.path(),
        &["csr", "--plan", plan, "--entry", "server", "--out", "req"],
        "already exists",
    );
    refused_without_writing(
        dir.path(),
        &["csr", "--plan", plan, "--entry", "bob", "--out", "req2"],
        "no such entry; the plan has ca, server, alice",
    );
    // --plan and --cn are one or the other (a usage error: exit 2).
    let before = snapshot(dir.path());
    let both = certplay(
        dir.path(),
        &["csr", "--plan", plan, "--entry", "server", "--cn", "x"],
    );
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
    assert!(
        stderr(&both).contains("cannot be used with"),
        "{}",
        stderr(&both)
    );
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn certplay_signs_an_openssl_csr_keeping_its_sans() {
    let dir = temp_dir();
    ca(dir.path());
    sh(
        dir.path(),
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out svc.key 2>/dev/null
         openssl req -new -key svc.key -subj /CN=svc.test \
           -addext subjectAltName=DNS:svc.test,DNS:www.svc.test,IP:192.0.2.7 -out svc.csr",
    );
    let out = sign_ok(
        dir.path(),
        &["--profile", "server", "svc.csr", "--out", "svc.crt"],
    );
    assert!(
        out.contains("kept    X509v3 Subject Alternative Name: DNS:svc.test"),
        "{out}"
    );
    assert!(out.contains("added   X509v3 Extended Key Usage"), "{out}");
    let text = sh(dir.path(), "openssl x509 -in svc.crt -noout -text");
    assert!(
        text.contains("DNS:svc.test, DNS:www.svc.test, IP Address:192.0.2.7"),
        "{text}"
    );
    assert!(text.contains("TLS Web Server Authentication"), "{text}");
    assert!(text.contains("Subject: CN = svc.test"), "{text}");
    let verify = sh(
        dir.path(),
        "openssl verify -CAfile pki/ca.crt -purpose sslserver svc.crt",
    );
    assert_eq!(verify.trim(), "svc.crt: OK");
    assert_eq!(
        sh(dir.path(), "openssl x509 -in svc.crt -noout -pubkey"),
        sh(dir.path(), "openssl pkey -in svc.key -pubout")
    );
    // --out is kept unless --force: not a byte changes.
    refused_without_writing(
        dir.path(),
        &[
            "sign",
            "--ca-cert",
            "pki/ca.crt",
            "--ca-key",
            "pki/ca.key",
            "svc.csr",
            "--out",
            "svc.crt",
        ],
        "already exists",
    );
}

#[test]
fn a_csr_with_a_flipped_signature_byte_is_refused() {
    let dir = temp_dir();
    ca(dir.path());
    sh(
        dir.path(),
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out svc.key 2>/dev/null
         openssl req -new -key svc.key -subj /CN=svc.test -outform der -out svc.der",
    );
    let mut der = std::fs::read(dir.path().join("svc.der")).unwrap();
    // The signature is the last BIT STRING: its last byte is signature.
    let last = der.len() - 1;
    der[last] ^= 0x01;
    std::fs::write(dir.path().join("bad.der"), &der).unwrap();
    let out = sign(dir.path(), &["bad.der", "--out", "bad.crt"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(
        err.trim(),
        "certplay: error: bad.der: the request's signature does not verify under its own \
         public key (ECDSA P-256): it was altered or damaged after it was signed; make a new request"
    );
    assert!(!dir.path().join("bad.crt").exists());
}

/// Each openssl way of writing a key: the command and the key's type.
const KEYS: [(&str, &str); 6] = [
    (
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out k.key",
        "p256 PKCS#8",
    ),
    ("openssl genpkey -algorithm ED25519 -out k.key", "ed25519"),
    (
        "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out k.key",
        "rsa PKCS#8",
    ),
    ("openssl genrsa -traditional -out k.key 2048", "rsa PKCS#1"),
    (
        "openssl ecparam -name prime256v1 -genkey -out k.key",
        "p256 SEC1",
    ),
    (
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out plain.key && \
         openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:x -in plain.key -out k.key",
        "p384 encrypted PKCS#8",
    ),
];

#[test]
fn keys_from_openssl_import_and_the_certificate_carries_them() {
    for (command, what) in KEYS {
        let dir = temp_dir();
        ca(dir.path());
        sh(dir.path(), &format!("{command} 2>/dev/null"));
        if what.contains("PKCS#1") {
            assert!(sh(dir.path(), "head -1 k.key").contains("BEGIN RSA PRIVATE KEY"));
        }
        if what.contains("SEC1") {
            assert!(sh(dir.path(), "cat k.key").contains("BEGIN EC PRIVATE KEY"));
        }
        let pass: &[&str] = if what.contains("encrypted") {
            &["--key-pass", "pass:x"]
        } else {
            &[]
        };
        // A CSR from the key, signed: the certificate carries it.
        let mut args = vec!["csr", "--cn", "mine", "--key", "k.key", "--out", "req"];
        args.extend_from_slice(pass);
        certplay_ok(dir.path(), &args);
        assert!(
            !dir.path().join("req/mine.key").exists(),
            "{what}: a key was written"
        );
        sign_ok(
            dir.path(),
            &["--profile", "client", "req/mine.csr", "--out", "mine.crt"],
        );
        let openssl_pass = if what.contains("encrypted") {
            " -passin pass:x"
        } else {
            ""
        };
        let want = sh(
            dir.path(),
            &format!("openssl pkey -in k.key{openssl_pass} -pubout"),
        );
        assert_eq!(
            sh(dir.path(), "openssl x509 -in mine.crt -noout -pubkey"),
            want,
            "{what}"
        );
        // And a plan entry issued with the key (issue --key ENTRY=FILE).
        let mut args = vec!["issue", "--out", "set", "--key", "client=k.key"];
        args.extend_from_slice(pass);
        let out = certplay_ok(dir.path(), &args);
        assert!(out.contains("client uses your key k.key"), "{what}: {out}");
        assert!(!dir.path().join("set/client.key").exists(), "{what}");
        assert_eq!(
            sh(dir.path(), "openssl x509 -in set/client.crt -noout -pubkey"),
            want,
            "{what}"
        );
        sh(
            dir.path(),
            "openssl verify -CAfile set/ca.crt set/client.crt >/dev/null",
        );
    }
}

#[test]
fn what_is_not_a_key_is_named() {
    let dir = temp_dir();
    ca(dir.path());
    sh(
        dir.path(),
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p.key 2>/dev/null
         openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:x -in p.key -out enc.key",
    );
    let cases: [(&str, &[&str], &str); 3] = [
        ("pki/ca.crt", &[], "this holds a certificate"),
        ("enc.key", &[], "encrypted PKCS#8 key"),
        (
            "enc.key",
            &["--key-pass", "pass:wrong"],
            "password does not decrypt",
        ),
    ];
    for (file, extra, expected) in cases {
        let mut args = vec!["csr", "--cn", "x", "--key", file, "--out", "req"];
        args.extend_from_slice(extra);
        let out = certplay(dir.path(), &args);
        assert!(!out.status.success(), "{file}");
        assert!(stderr(&out).contains(expected), "{file}: {}", stderr(&out));
    }
}
