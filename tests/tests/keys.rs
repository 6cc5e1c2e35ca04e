//! Every command that takes a private key reads what `certplay inspect`
//! reads: PEM or DER, PKCS#8, PKCS#1 (RSA) or SEC1 (EC), and encrypted
//! PKCS#8 with a password flag (issue 28, "Keys"). Each form is made by
//! openssl from certplay's own key and used by `serve --key` (curl then
//! gets Hello World), `crl --ca-key` and `p12 --key`.

use std::path::Path;

use certplay_tests::{certplay, curl_with_client_cert, run, stderr, stdout, temp_dir, Server};

const PASSWORD: &str = "correct horse";

/// openssl in `dir`, which must succeed.
fn openssl(dir: &Path, args: &[&str]) {
    let out = run(dir, "openssl", args);
    assert!(out.status.success(), "openssl {args:?}: {}", stderr(&out));
}

/// The forms of `key` (a PKCS#8 PEM file): (file, password flag value).
fn forms(dir: &Path, key: &str) -> Vec<(String, Option<String>)> {
    let stem = key.trim_end_matches(".key");
    let traditional = format!("{stem}-traditional.pem");
    let der = format!("{stem}.der");
    let encrypted = format!("{stem}-enc.pem");
    let encrypted_der = format!("{stem}-enc.der");
    openssl(
        dir,
        &["pkey", "-in", key, "-traditional", "-out", &traditional],
    );
    openssl(dir, &["pkey", "-in", key, "-outform", "DER", "-out", &der]);
    let pass = format!("pass:{PASSWORD}");
    for (out, form) in [(&encrypted, "PEM"), (&encrypted_der, "DER")] {
        openssl(
            dir,
            &[
                "pkcs8",
                "-topk8",
                "-v2",
                "aes-256-cbc",
                "-in",
                key,
                "-outform",
                form,
                "-out",
                out,
                "-passout",
                &pass,
            ],
        );
    }
    std::fs::write(dir.join("pw.txt"), format!("{PASSWORD}\n")).expect("pw.txt");
    let password = Some("file:pw.txt".to_owned());
    vec![
        (key.to_owned(), None),
        (traditional, None),
        (der, None),
        (encrypted, password.clone()),
        (encrypted_der, password),
    ]
}

#[test]
fn serve_crl_and_p12_take_every_form_of_key() {
    for key_type in ["p256", "rsa2048"] {
        let dir = temp_dir();
        let d = dir.path();
        let issued = certplay(d, &["issue", "--out", ".", "--key-type", key_type]);
        assert!(issued.status.success(), "{}", stderr(&issued));
        for (key, password) in forms(d, "server.key") {
            let mut args = vec![
                "--ca",
                "ca.crt",
                "--cert",
                "server.crt",
                "--key",
                &key,
                "--no-page",
            ];
            if let Some(password) = &password {
                args.extend(["--key-pass", password]);
            }
            let server = Server::start(d, &args);
            let answer = curl_with_client_cert(d, &server.url());
            assert_eq!(
                stdout(&answer),
                "Hello World\n",
                "{key_type} serve --key {key}: {}",
                stderr(&answer)
            );
        }
        for (n, (key, password)) in forms(d, "ca.key").into_iter().enumerate() {
            let out = format!("ca-{n}.crl");
            let mut args = vec![
                "crl",
                "--ca-cert",
                "ca.crt",
                "--ca-key",
                &key,
                "--out",
                &out,
            ];
            if let Some(password) = &password {
                args.extend(["--ca-key-pass", password]);
            }
            let made = certplay(d, &args);
            assert!(
                made.status.success(),
                "{key_type} crl --ca-key {key}: {}",
                stderr(&made)
            );
            openssl(d, &["crl", "-in", &out, "-CAfile", "ca.crt", "-noout"]);
        }
        for (n, (key, password)) in forms(d, "client.key").into_iter().enumerate() {
            let out = format!("client-{n}.p12");
            let mut args = vec![
                "p12",
                "--cert",
                "client.crt",
                "--key",
                &key,
                "--password",
                PASSWORD,
                "--out",
                &out,
            ];
            if let Some(password) = &password {
                args.extend(["--key-pass", password]);
            }
            let made = certplay(d, &args);
            assert!(
                made.status.success(),
                "{key_type} p12 --key {key}: {}",
                stderr(&made)
            );
            let pass = format!("pass:{PASSWORD}");
            openssl(d, &["pkcs12", "-in", &out, "-noout", "-passin", &pass]);
        }
    }
}

#[test]
fn an_encrypted_key_without_its_password_names_the_flag() {
    let dir = temp_dir();
    let d = dir.path();
    assert!(certplay(d, &["issue", "--out", "."]).status.success());
    forms(d, "server.key");
    forms(d, "ca.key");
    let serve = certplay(
        d,
        &[
            "serve",
            "--ca",
            "ca.crt",
            "--cert",
            "server.crt",
            "--key",
            "server-enc.pem",
            "--no-page",
            "--port",
            "0",
        ],
    );
    assert!(!serve.status.success());
    assert!(stderr(&serve).contains("--key-pass"), "{}", stderr(&serve));
    let crl = certplay(
        d,
        &[
            "crl",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "ca-enc.der",
            "--out",
            "x.crl",
        ],
    );
    assert!(!crl.status.success());
    assert!(stderr(&crl).contains("--ca-key-pass"), "{}", stderr(&crl));
    let wrong = certplay(
        d,
        &[
            "crl",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "ca-enc.pem",
            "--ca-key-pass",
            "pass:nope",
            "--out",
            "x.crl",
        ],
    );
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("the password does not decrypt this key"),
        "{}",
        stderr(&wrong)
    );
}

/// `certplay p12` without a password names both ways to give one.
#[test]
fn p12_without_a_password_names_both_flags() {
    let dir = temp_dir();
    let d = dir.path();
    assert!(certplay(d, &["issue", "--out", "."]).status.success());
    let out = certplay(
        d,
        &[
            "p12",
            "--cert",
            "client.crt",
            "--key",
            "client.key",
            "--out",
            "c.p12",
        ],
    );
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.contains("--password") && said.contains("--password-file"),
        "{said}"
    );
}
