//! `certplay serve` refuses bad files at startup with one specific line,
//! stops cleanly on SIGTERM, and makes (then reuses) a demo set whose
//! printed curl command works as printed.

use certplay_core::KeyType;
use certplay_tests::{
    certplay, curl_with_client_cert, issue_into, run, serve_refused, stderr, stdout, temp_dir,
    Server, BLOG_FILES,
};

#[test]
fn a_missing_file_is_named() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let err = serve_refused(dir.path(), "ca.crt", "nope.crt", "server.key");
    assert!(
        err.contains("cannot read --cert nope.crt: No such file"),
        "{err}"
    );
}

#[test]
fn der_files_are_read_and_a_file_of_another_kind_is_named() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    // DER, as `openssl x509 -outform der` and `openssl pkey -outform der`
    // write it: read like PEM, and the client still gets in.
    for (tool, input, output) in [
        ("x509", "ca.crt", "ca.der"),
        ("pkey", "server.key", "server.key.der"),
    ] {
        let der = run(
            dir.path(),
            "openssl",
            &[tool, "-in", input, "-outform", "der", "-out", output],
        );
        assert!(der.status.success(), "{}", stderr(&der));
    }
    let server = Server::start(
        dir.path(),
        &[
            "--ca",
            "ca.der",
            "--cert",
            "server.crt",
            "--key",
            "server.key.der",
            "--no-page",
        ],
    );
    let out = curl_with_client_cert(dir.path(), &server.url());
    assert_eq!(stdout(&out), "Hello World\n", "{}", stderr(&out));
    // A key where the certificate belongs.
    let err = serve_refused(dir.path(), "ca.crt", "server.key", "server.key");
    assert!(err.contains("server.key: expected a PEM block -----BEGIN CERTIFICATE-----, found only -----BEGIN PRIVATE KEY-----"), "{err}");
    // A DER certificate where the key belongs: named, and no openssl x509 hint.
    let err = serve_refused(dir.path(), "ca.crt", "server.crt", "ca.der");
    assert!(
        err.contains("ca.der: this holds a certificate (DER), not a private key"),
        "{err}"
    );
    assert!(!err.contains("openssl x509"), "{err}");
}

#[test]
fn a_key_that_does_not_match_is_named() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let err = serve_refused(dir.path(), "ca.crt", "server.crt", "client.key");
    assert!(
        err.contains("client.key is not the private key of server.crt (CN=localhost)"),
        "{err}"
    );
}

#[test]
fn an_encrypted_key_is_named_with_the_fix() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::Rsa2048);
    let enc = run(
        dir.path(),
        "openssl",
        &[
            "pkey",
            "-in",
            "server.key",
            "-aes256",
            "-passout",
            "pass:secret",
            "-out",
            "server.enc.key",
        ],
    );
    assert!(enc.status.success(), "{}", stderr(&enc));
    let err = serve_refused(dir.path(), "ca.crt", "server.crt", "server.enc.key");
    assert!(
        err.contains("server.enc.key: the private key is encrypted with a passphrase"),
        "{err}"
    );
    assert!(err.contains("openssl pkey -in server.enc.key"), "{err}");
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let mut args = BLOG_FILES.to_vec();
    args.extend(["--page-port", "0"]);
    let server = Server::start(dir.path(), &args);
    assert!(server.page_port.is_some());
    let status = server.terminate();
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

#[test]
fn the_demo_set_is_made_then_reused_and_the_printed_curl_works() {
    let dir = temp_dir();
    let server = Server::start(dir.path(), &["--no-page"]);
    assert!(
        server
            .stdout
            .contains("made demo certificates in certplay-demo/"),
        "{}",
        server.stdout
    );
    let printed = server
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("curl "))
        .expect("a curl line")
        .trim()
        .to_owned();
    assert_eq!(
        printed,
        format!(
            "curl --cacert certplay-demo/ca.crt --cert certplay-demo/client.crt --key certplay-demo/client.key {}",
            server.url()
        )
    );
    let args: Vec<&str> = printed.split_whitespace().skip(1).collect();
    let out = run(dir.path(), "curl", &args);
    assert_eq!(stdout(&out), "Hello World\n", "{}", stderr(&out));
    let first = std::fs::read(dir.path().join("certplay-demo/ca.crt")).expect("ca.crt");
    drop(server);

    let again = Server::start(dir.path(), &["--no-page"]);
    assert!(
        again.stdout.contains("reusing demo certificates"),
        "{}",
        again.stdout
    );
    assert_eq!(
        std::fs::read(dir.path().join("certplay-demo/ca.crt")).expect("ca.crt"),
        first
    );
    drop(again);

    // A changed demo file may be the person's own now: it is kept, and
    // certplay says why and how to go on (nothing is served).
    let key = dir.path().join("certplay-demo/server.key");
    std::fs::write(&key, "garbage").expect("write");
    let refused = certplay(dir.path(), &["serve", "--no-page", "--port", "0"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("not made by certplay"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read(&key).expect("kept"), b"garbage");
    // A missing one is made again.
    std::fs::remove_file(&key).expect("rm");
    let fixed = Server::start(dir.path(), &["--no-page"]);
    assert!(
        fixed.stdout.contains("made demo certificates"),
        "{}",
        fixed.stdout
    );
    let moved = args_with_port(&args, fixed.port);
    let moved: Vec<&str> = moved.iter().map(String::as_str).collect();
    let out = run(dir.path(), "curl", &moved);
    assert_eq!(stdout(&out), "Hello World\n", "{}", stderr(&out));
    drop(fixed);

    // Asking for another key type replaces the set; the same type reuses it.
    let rsa = Server::start(dir.path(), &["--no-page", "--key-type", "rsa2048"]);
    assert!(
        rsa.stdout.contains("made demo certificates"),
        "{}",
        rsa.stdout
    );
    let pem = std::fs::read(dir.path().join("certplay-demo/server.crt")).expect("server.crt");
    let server_cert =
        certplay_core::read_certificates(certplay_core::Source::new("server.crt", &pem))
            .expect("a certificate");
    assert_eq!(server_cert[0].info.public_key.kind.to_string(), "RSA-2048");
    drop(rsa);
    let same = Server::start(dir.path(), &["--no-page", "--key-type", "rsa2048"]);
    assert!(
        same.stdout.contains("reusing demo certificates"),
        "{}",
        same.stdout
    );
}

fn args_with_port(args: &[&str], port: u16) -> Vec<String> {
    args.iter()
        .map(|a| match a.rsplit_once(':') {
            Some((host, _)) if a.starts_with("https://") => format!("{host}:{port}"),
            _ => (*a).to_owned(),
        })
        .collect()
}
