//! The blog's exercise against the real `certplay serve`: real curl with the
//! client certificate gets `Hello World`; every way of getting it wrong
//! fails, and the server's log says why, in words.

use certplay_core::{KeyType, Plan};
use certplay_tests::{
    curl, curl_with_client_cert, issue_backdated, issue_into, stderr, stdout, temp_dir, write_set,
    Server,
};

fn the_blogs_exercise(key_type: KeyType) {
    let dir = temp_dir();
    issue_into(dir.path(), key_type);
    let server = Server::with_files(dir.path());
    let url = server.url();

    let ok = curl_with_client_cert(dir.path(), &url);
    assert_eq!(stdout(&ok), "Hello World\n", "curl: {}", stderr(&ok));
    server.wait_for_log("accepted");
    assert!(
        server.log().contains("accepted CN=my-client"),
        "{}",
        server.log()
    );

    // Without a client certificate.
    let none = curl(dir.path(), &["--cacert", "ca.crt", &url]);
    assert!(
        !none.status.success(),
        "curl without a client certificate succeeded"
    );
    assert!(!stdout(&none).contains("Hello World"));
    server.wait_for_log("no client certificate: the client sent none");

    // With a client certificate from another CA (same file names elsewhere).
    let other = temp_dir();
    let mut other_plan = Plan {
        key_type,
        ..Plan::default()
    };
    other_plan.entries[0].subject.common_name = "other-ca".into();
    write_set(other.path(), &other_plan.issue().expect("issuing"));
    let foreign = curl(
        dir.path(),
        &[
            "--cacert",
            "ca.crt",
            "--cert",
            &other.path().join("client.crt").display().to_string(),
            "--key",
            &other.path().join("client.key").display().to_string(),
            &url,
        ],
    );
    assert!(
        !foreign.status.success(),
        "a foreign client certificate was accepted"
    );
    server.wait_for_log(
        "issuer not trusted: the client certificate CN=my-client was issued by CN=other-ca, \
         but this server trusts only CN=my-ca",
    );

    // curl that does not trust the server: the server says so too.
    let untrusting = curl(
        dir.path(),
        &["--cert", "client.crt", "--key", "client.key", &url],
    );
    assert!(!untrusting.status.success());
    server.wait_for_log("the client refused this server's certificate (TLS alert unknown_ca)");
}

#[test]
fn p256_set_works_with_curl_and_failures_are_explained() {
    the_blogs_exercise(KeyType::EcdsaP256);
}

#[test]
fn rsa2048_set_works_with_curl_and_failures_are_explained() {
    the_blogs_exercise(KeyType::Rsa2048);
}

#[test]
fn expired_and_wrong_purpose_client_certificates_are_named() {
    let dir = temp_dir();
    let pki = issue_into(dir.path(), KeyType::EcdsaP256);
    let server = Server::with_files(dir.path());
    let url = server.url();

    // The server certificate presented as a client certificate: serverAuth only.
    let wrong = curl(
        dir.path(),
        &[
            "--cacert",
            "ca.crt",
            "--cert",
            "server.crt",
            "--key",
            "server.key",
            &url,
        ],
    );
    assert!(!wrong.status.success());
    server.wait_for_log(
        "wrong purpose: the client certificate CN=localhost is not for client authentication \
         (extendedKeyUsage: serverAuth)",
    );

    // A whole set whose validity ended yesterday, served by a second server:
    // its client certificate is refused as expired, and the server warned
    // at startup that its own certificate is expired too.
    drop(pki);
    let old = temp_dir();
    write_set(old.path(), &issue_backdated(&Plan::default(), 31, 30));
    let old_server = Server::with_files(old.path());
    let expired = curl(
        old.path(),
        &[
            "--insecure",
            "--cert",
            "client.crt",
            "--key",
            "client.key",
            &old_server.url(),
        ],
    );
    assert!(
        !expired.status.success(),
        "an expired client certificate was accepted"
    );
    let log = old_server.wait_for_log("expired: the client certificate CN=my-client expired at");
    assert!(
        log.contains("server.crt (CN=localhost) expired at"),
        "no startup warning: {log}"
    );
}

#[test]
fn plain_http_gets_a_readable_answer() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let server = Server::with_files(dir.path());
    let plain = curl(dir.path(), &[&format!("http://localhost:{}/", server.port)]);
    assert!(
        stdout(&plain).contains("use https://"),
        "{}",
        stdout(&plain)
    );
    server.wait_for_log("not TLS");
}
