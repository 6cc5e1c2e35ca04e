//! certplay serve with certificates made by openssl, not by certplay: v3
//! ones (with an extension file) work with curl; the blog's literal
//! commands make X.509 v1, and certplay refuses them at startup, saying so.

use certplay_tests::{
    curl_with_client_cert, run, serve_refused, sh, stderr, stdout, temp_dir, Server,
};

/// The blog's seven commands, word for word.
const BLOG_COMMANDS: &str = include_str!("../blog-commands.sh");

/// The same with extension files, so that the certificates are v3 with
/// SANs and purposes; `KEYGEN` makes a key into the file named by $1.
fn v3_commands(keygen: &str) -> String {
    format!(
        "
keygen() {{ {keygen}; }}
keygen ca.key
openssl req -new -x509 -key ca.key -days 365 -subj '/CN=my-ca' -out ca.crt
keygen server.key
openssl req -new -key server.key -subj '/CN=localhost' -out server.csr
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\\nextendedKeyUsage=serverAuth\\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile server.ext -out server.crt 2>/dev/null
keygen client.key
openssl req -new -key client.key -subj '/CN=my-client' -out client.csr
printf 'extendedKeyUsage=clientAuth\\n' > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile client.ext -out client.crt 2>/dev/null
"
    )
}

fn serves_openssl_v3(keygen: &str) {
    let dir = temp_dir();
    sh(dir.path(), &v3_commands(keygen));
    let server = Server::with_files(dir.path());
    let ok = curl_with_client_cert(dir.path(), &server.url());
    assert_eq!(
        stdout(&ok),
        "Hello World\n",
        "curl: {}\nlog:\n{}",
        stderr(&ok),
        server.log()
    );
}

#[test]
fn openssl_v3_rsa_certificates_work() {
    // openssl 3's genrsa writes PKCS#8 (BEGIN PRIVATE KEY).
    serves_openssl_v3("openssl genrsa -out \"$1\" 2048 2>/dev/null");
}

#[test]
fn openssl_v3_p256_certificates_with_sec1_keys_work() {
    // ecparam -genkey writes SEC1 (BEGIN EC PRIVATE KEY).
    serves_openssl_v3("openssl ecparam -name prime256v1 -genkey -noout -out \"$1\"");
}

#[test]
fn the_blogs_v1_certificates_are_refused_at_startup_naming_x509_v1() {
    let dir = temp_dir();
    sh(dir.path(), BLOG_COMMANDS);
    let text = run(
        dir.path(),
        "openssl",
        &["x509", "-in", "server.crt", "-noout", "-text"],
    );
    assert!(
        stdout(&text).contains("Version: 1 (0x0)"),
        "the blog's commands made v3 here?"
    );

    let err = serve_refused(dir.path(), "ca.crt", "server.crt", "server.key");
    assert!(
        err.starts_with("certplay: error: server.crt (CN=localhost) is an X.509 v1 certificate"),
        "{err}"
    );
    assert!(err.contains("-extfile"), "{err}");
}

#[test]
fn the_blogs_v1_client_certificate_is_refused_in_the_handshake_naming_x509_v1() {
    let dir = temp_dir();
    sh(dir.path(), BLOG_COMMANDS);
    // A v3 server certificate from the blog's CA, so that only the client is v1.
    sh(
        dir.path(),
        "printf 'subjectAltName=DNS:localhost\\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile server.ext -out server.crt 2>/dev/null",
    );
    let server = Server::with_files(dir.path());
    let refused = curl_with_client_cert(dir.path(), &server.url());
    assert!(
        !refused.status.success(),
        "a v1 client certificate was accepted"
    );
    let log = server.wait_for_log("X.509 v1 certificate: CN=my-client is v1");
    assert!(
        log.contains("`openssl x509 -req` makes v1 certificates unless given -extfile"),
        "{log}"
    );
}
