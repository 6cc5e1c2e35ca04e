//! The blog's exercise against the real `certplay serve`: real curl with the
//! client certificate gets `Hello World`; every way of getting it wrong
//! fails, and the server's log says why, in words.

use std::path::Path;

use certplay_core::{KeyType, Plan};
use certplay_tests::s_server::showcerts;
use certplay_tests::{
    certplay, curl, curl_with_client_cert, curl_with_client_of, issue_backdated, issue_into,
    issue_other_ca, run, stderr, stdout, temp_dir, write_set, Server, BLOG_FILES,
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
    let log = server.wait_for_log("no client certificate: the client sent none");
    assert!(
        log.contains("curl: --cert client.crt --key client.key"),
        "{log}"
    );

    // With a client certificate from another CA (same file names elsewhere).
    let other = issue_other_ca("other-ca", key_type);
    let foreign = curl_with_client_of(dir.path(), other.path(), &url);
    assert!(
        !foreign.status.success(),
        "a foreign client certificate was accepted"
    );
    let log = server.wait_for_log(
        "unknown issuer: CN=my-client was issued by CN=other-ca, which is not a trusted CA \
         (trusted: CN=my-ca)",
    );
    assert!(
        log.contains("or start the server with --ca naming its issuer"),
        "{log}"
    );

    // curl that does not trust the server: the server says so too.
    let untrusting = curl(
        dir.path(),
        &["--cert", "client.crt", "--key", "client.key", &url],
    );
    assert!(!untrusting.status.success());
    let log =
        server.wait_for_log("the client refused this server's certificate (TLS alert unknown_ca)");
    assert!(log.contains("curl: --cacert ca.crt"), "{log}");
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
        "wrong purpose: CN=localhost is not for clientAuth (extendedKeyUsage: serverAuth)",
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
    let log = old_server.wait_for_log("expired: CN=my-client expired at");
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
            "unknown issuer: CN=my-client was issued by CN=other-ca, which is not a trusted CA \
             (trusted: CN=my-ca)"
        ) && answer.contains("start the server with --ca"),
        "{answer}"
    );
    assert!(!answer.contains("Hello World"), "{answer}");
    server.wait_for_log("was issued by CN=other-ca");
}

/// `--client-auth off`: a plain HTTPS server. curl without a client
/// certificate gets in, openssl s_client sees no CertificateRequest, and
/// the start line, the printed curl line and each connection's log line
/// say that client authentication is off.
#[test]
fn client_auth_off_lets_curl_in_without_a_certificate_and_says_so() {
    let dir = temp_dir();
    let d = dir.path();
    issue_into(d, KeyType::EcdsaP256);
    let server = Server::with_files_and(d, &["--client-auth", "off"]);
    assert!(
        server.stdout.contains("client authentication is off")
            && !server.stdout.contains("client certificates must chain to"),
        "{}",
        server.stdout
    );
    let url = server.url();
    let try_it = server
        .stdout
        .lines()
        .find(|line| line.trim_start().starts_with("curl "))
        .unwrap_or_else(|| panic!("no curl line:\n{}", server.stdout));
    assert!(
        try_it.contains("--cacert") && !try_it.contains("--cert ") && !try_it.contains("--key"),
        "{try_it}"
    );

    let none = curl(d, &["--cacert", "ca.crt", &url]);
    assert_eq!(stdout(&none), "Hello World\n", "curl: {}", stderr(&none));
    let log = server.wait_for_log("accepted no client certificate");
    let line = log
        .lines()
        .find(|line| line.contains("accepted no client certificate"))
        .expect("the line waited for");
    assert!(line.contains("client authentication is off"), "{line}");

    // Not asked for, so not sent even when curl is given one.
    let with = curl_with_client_cert(d, &format!("{url}/whoami"));
    assert!(with.status.success(), "curl: {}", stderr(&with));
    assert!(!stdout(&with).contains("CN=my-client"), "{}", stdout(&with));
    // openssl s_client's account of the handshake, read by certplay: no
    // CertificateRequest came.
    let s_client = showcerts(d, server.port, &["-CAfile", "ca.crt"]);
    let said = stdout(&s_client);
    assert!(said.contains("Verify return code: 0 (ok)"), "{said}");
    assert!(
        said.contains("No client certificate CA names sent"),
        "{said}"
    );
    std::fs::write(d.join("s_client.txt"), &said).expect("writing the capture");
    let read = certplay(d, &["inspect", "s_client.txt", "--client", "client.crt"]);
    assert_eq!(read.status.code(), Some(0), "{}", stderr(&read));
    assert!(
        stdout(&read).contains("the server did not ask for a client certificate"),
        "{}",
        stdout(&read)
    );

    let bad = certplay(d, &["serve", "--client-auth", "of"]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("required") && stderr(&bad).contains("off (no client certificate"),
        "{}",
        stderr(&bad)
    );
}

/// A subject that would clear the screen, retitle the window, forge a log
/// line and reorder text, were it printed as it is.
const HOSTILE: &str = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J\r\nforged line\u{2028}x\u{202E}gnp";
/// The same, as every output of certplay shows it in a name's RFC 4514
/// form (`CN=...`): each character a terminal must not see as RFC 4514's
/// hex escape of its UTF-8 bytes, and `;` escaped as RFC 4514 asks.
const ESCAPED: &str = r"evil\1B]0\;pwned\07\1B[2J\0D\0Aforged line\E2\80\A8x\E2\80\AEgnp";

/// Nothing of [`HOSTILE`] reaches `text` as it is.
fn assert_no_raw(what: &str, text: &str) {
    for raw in ['\u{1b}', '\u{7}', '\0', '\r', '\u{2028}', '\u{202E}'] {
        assert!(
            !text.contains(raw),
            "{what} holds {raw:?} as it is:\n{text}"
        );
    }
    assert!(
        !text.contains("\nforged line"),
        "{what} has a forged line:\n{text}"
    );
}

/// [`assert_no_raw`], and nothing escaped twice.
fn assert_clean(what: &str, text: &str) {
    assert_no_raw(what, text);
    assert!(!text.contains(r"\\1B"), "{what} escaped twice:\n{text}");
}

/// `openssl x509 -req`: a certificate for `key` with [`HOSTILE`] as its
/// CN and `extensions`, signed by the CA whose files are in `ca_dir`.
fn hostile_cert(dir: &Path, ca_dir: &Path, key: &str, extensions: &str, out: &str) {
    std::fs::write(dir.join("hostile.ext"), extensions).expect("ext file");
    let csr = run(
        dir,
        "openssl",
        &[
            "req",
            "-new",
            "-utf8",
            "-key",
            key,
            "-subj",
            &format!("/CN={HOSTILE}"),
            "-out",
            "hostile.csr",
        ],
    );
    assert!(csr.status.success(), "openssl req: {}", stderr(&csr));
    let ca = |name: &str| ca_dir.join(name).display().to_string();
    let signed = run(
        dir,
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            "hostile.csr",
            "-CA",
            &ca("ca.crt"),
            "-CAkey",
            &ca("ca.key"),
            "-set_serial",
            "4242",
            "-days",
            "30",
            "-extfile",
            "hostile.ext",
            "-out",
            out,
        ],
    );
    assert!(signed.status.success(), "openssl x509: {}", stderr(&signed));
}

/// Issue 23: a certificate whose names hold ESC sequences, CR/LF, U+2028
/// and a bidi override reaches no output raw, and shows the same escaped
/// text in `inspect`, `verify`, the server's log (accepted and refused),
/// `/whoami` and the `/live/load` log line.
#[test]
fn hostile_names_reach_no_terminal_or_log_as_they_are() {
    let dir = temp_dir();
    let d = dir.path();
    issue_into(d, KeyType::EcdsaP256);
    let client_ext = "extendedKeyUsage=clientAuth\nsubjectAltName=DNS:evil\u{1b}[31m.example\n";
    hostile_cert(d, d, "client.key", client_ext, "hostile.crt");

    let inspected = certplay(d, &["inspect", "hostile.crt"]);
    let text = stdout(&inspected);
    assert_clean("inspect", &text);
    // openssl's one-line form leaves `;` alone; the rest is escaped alike.
    let oneline = ESCAPED.replace(r"\;", ";");
    assert!(text.contains(&format!("Subject: CN = {oneline}")), "{text}");
    assert!(text.contains(r"DNS:evil\1B[31m.example"), "{text}");

    let verified = certplay(
        d,
        &[
            "verify",
            "--ca",
            "ca.crt",
            "--purpose",
            "client",
            "hostile.crt",
        ],
    );
    let text = stdout(&verified);
    assert_clean("verify", &text);
    assert!(
        text.starts_with(&format!("valid: CN={ESCAPED} for a client")),
        "{text}"
    );

    // Accepted: the log line and /whoami.
    let server = Server::with_files(d);
    let url = format!("{}/whoami", server.url());
    let whoami = curl(
        d,
        &[
            "--cacert",
            "ca.crt",
            "--cert",
            "hostile.crt",
            "--key",
            "client.key",
            &url,
        ],
    );
    let answer = stdout(&whoami);
    assert_no_raw("/whoami", &answer);
    let json: serde_json::Value = serde_json::from_str(&answer).expect("/whoami is JSON");
    let subject = format!("CN={ESCAPED}");
    assert_eq!(json["subject"], subject.as_str(), "{answer}");
    assert_eq!(json["chain"][0]["subject"], subject.as_str(), "{answer}");
    server.wait_for_log(&format!("accepted CN={ESCAPED}"));

    // Refused: the same name from another CA.
    let other = issue_other_ca("other-ca", KeyType::EcdsaP256);
    hostile_cert(d, other.path(), "client.key", client_ext, "foreign.crt");
    let refused = curl(
        d,
        &[
            "--cacert",
            "ca.crt",
            "--cert",
            "foreign.crt",
            "--key",
            "client.key",
            &server.url(),
        ],
    );
    assert!(!stdout(&refused).contains("Hello World"));
    let log = server.wait_for_log(&format!(
        "unknown issuer: CN={ESCAPED} was issued by CN=other-ca"
    ));
    assert_clean("the server's log", &log);
    drop(server);

    // /live/load: a server certificate with the name, loaded from "the page".
    let server_ext = "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n";
    hostile_cert(d, d, "server.key", server_ext, "hostile-server.crt");
    let live = Server::start(d, &[&BLOG_FILES[..], &["--page-port", "0"]].concat());
    let page = format!("http://127.0.0.1:{}", live.page_port.expect("a page port"));
    let token = curl(d, &[&format!("{page}/live/token")]);
    let token: serde_json::Value = serde_json::from_str(&stdout(&token)).expect("token");
    let read = |name: &str| std::fs::read_to_string(d.join(name)).expect(name);
    let body = serde_json::json!({
        "ca": read("ca.crt"),
        "cert": read("hostile-server.crt"),
        "key": read("server.key"),
    });
    std::fs::write(d.join("load.json"), body.to_string()).expect("body");
    let loaded = curl(
        d,
        &[
            "-H",
            &format!(
                "X-Certplay-Token: {}",
                token["token"].as_str().expect("token")
            ),
            "-H",
            "Content-Type: application/json",
            // A load needs the page's own Origin, from curl too.
            "-H",
            &format!("Origin: {page}"),
            "--data-binary",
            "@load.json",
            &format!("{page}/live/load"),
        ],
    );
    let answer = stdout(&loaded);
    assert_no_raw("/live/load's answer", &answer);
    assert!(answer.starts_with('{'), "{answer} {}", stderr(&loaded));
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(
        answer["server"],
        format!("CN={ESCAPED}").as_str(),
        "{answer}"
    );
    let log = live.wait_for_log(&format!("(server CN={ESCAPED}, trusting CN=my-ca"));
    assert_clean("the /live/load log line", &log);
}

/// Issue 23: a 70 KB request header, over HTTP/2 (refused stream, curl
/// retries on new connections) and HTTP/1.1 (431), is named in the log as
/// what it is, never as a client that refused the server's certificate.
#[test]
fn an_oversized_request_header_is_named_in_the_log() {
    let dir = temp_dir();
    let d = dir.path();
    issue_into(d, KeyType::EcdsaP256);
    std::fs::write(d.join("big.h"), format!("X-Big: {}\n", "a".repeat(70_000))).expect("header");
    let server = Server::with_files(d);
    let url = server.url();
    let args = |http: &'static str| {
        [
            http,
            "--cacert",
            "ca.crt",
            "--cert",
            "client.crt",
            "--key",
            "client.key",
            "-H",
            "@big.h",
        ]
    };
    let h2 = curl(d, &[&args("--http2")[..], &[url.as_str()]].concat());
    assert!(!stdout(&h2).contains("Hello World"), "{}", stdout(&h2));
    let log = server.wait_for_log("REFUSED_STREAM");
    let refused: Vec<&str> = log.lines().filter(|l| l.contains(" h2]")).collect();
    assert!(!refused.is_empty(), "{log}");
    for line in &refused {
        assert!(
            line.contains("then no request: the client spoke HTTP/2")
                && line.contains("so it took the server's certificate")
                && !line.contains("refused this server's certificate"),
            "{line}"
        );
    }

    let h1 = curl(
        d,
        &[
            &args("--http1.1")[..],
            &["--write-out", "%{http_code}", url.as_str()],
        ]
        .concat(),
    );
    // curl reads the 431, or is still sending when the server closes.
    assert!(!stdout(&h1).contains("Hello World"), "{}", stdout(&h1));
    let log = server.wait_for_log("(answered 431)");
    let line = log
        .lines()
        .find(|l| l.contains("(answered 431)"))
        .unwrap_or_default();
    assert!(
        line.contains(
            "then no request: the request header was larger than the server's limit of 16384 bytes"
        ) && !line.contains("refused this server's certificate"),
        "{line}"
    );
}
