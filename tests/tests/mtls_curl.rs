//! The blog's exercise against the real `certplay serve`: real curl with the
//! client certificate gets `Hello World`; every way of getting it wrong
//! fails, and the server's log says why, in words.

use certplay_core::{KeyType, Plan};
use certplay_tests::{
    curl, curl_with_client_cert, curl_with_client_of, issue_backdated, issue_into, issue_other_ca,
    stderr, stdout, temp_dir, write_set, Server,
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
    let other = issue_other_ca("other-ca", key_type);
    let foreign = curl_with_client_of(dir.path(), other.path(), &url);
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

/// `--client-auth optional`: the handshake takes any certificate or none,
/// and curl reads the reason in a 401 instead of a TLS error.
#[test]
fn client_auth_optional_answers_401_with_the_reason_in_words() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let server = Server::with_files_and(dir.path(), &["--client-auth", "optional"]);
    assert!(
        server.stdout.contains("--client-auth optional"),
        "{}",
        server.stdout
    );
    let url = server.url();

    let ok = curl_with_client_cert(dir.path(), &url);
    assert_eq!(stdout(&ok), "Hello World\n", "curl: {}", stderr(&ok));
    let whoami = curl_with_client_cert(dir.path(), &format!("{url}/whoami"));
    assert!(
        stdout(&whoami).contains("\"subject\": \"CN=my-client\""),
        "{}",
        stdout(&whoami)
    );
    server.wait_for_log("accepted CN=my-client");

    let none = curl(
        dir.path(),
        &["--cacert", "ca.crt", "--write-out", "\n%{http_code}", &url],
    );
    let answer = stdout(&none);
    assert!(none.status.success(), "curl: {}", stderr(&none));
    assert!(answer.ends_with("\n401"), "{answer}");
    assert!(
        answer.contains("no client certificate: the client sent none"),
        "{answer}"
    );
    server.wait_for_log("answered 401");

    let other = issue_other_ca("other-ca", KeyType::EcdsaP256);
    let foreign = curl_with_client_of(dir.path(), other.path(), &url);
    let answer = stdout(&foreign);
    assert!(answer.starts_with("401 Unauthorized: "), "{answer}");
    assert!(
        answer.contains(
            "issuer not trusted: the client certificate CN=my-client was issued by \
             CN=other-ca, but this server trusts only CN=my-ca"
        ),
        "{answer}"
    );
    assert!(!answer.contains("Hello World"), "{answer}");
    server.wait_for_log("was issued by CN=other-ca");
}
