//! The inspector reads `openssl s_client -showcerts` output pasted whole
//! (issue 25, item 3): the chain among its text, whether the server asked
//! for a client certificate and the CA names it listed, and certplay's
//! prediction for a client certificate against that server. The output is
//! captured here from real servers (`openssl s_server -Verify 1
//! -verify_return_error -CAfile`,
//! `openssl s_server` without client authentication, `certplay serve`),
//! and each prediction is checked against what the server really does
//! with that certificate (curl).

use std::path::Path;

use certplay_core::KeyType;
use certplay_tests::s_server::{curl_status, let_in, showcerts, SServer};
use certplay_tests::{certplay, issue_into, stderr, stdout, temp_dir, OtherClient, Server};

/// What `openssl s_client -showcerts` printed for the server on `port`,
/// written to `file` in `dir`.
fn capture(dir: &Path, port: u16, file: &str) -> String {
    let out = showcerts(dir, port, &[]);
    let text = stdout(&out);
    assert!(
        text.contains("BEGIN CERTIFICATE"),
        "s_client printed no certificate:\n{text}{}",
        stderr(&out)
    );
    std::fs::write(dir.join(file), &text).expect("writing the capture");
    text
}

/// `certplay inspect FILE --client CERT...`: its exit code and standard
/// output.
fn inspect_code(dir: &Path, file: &str, clients: &[&str]) -> (i32, String) {
    let mut args = vec!["inspect", file];
    for client in clients {
        args.extend(["--client", client]);
    }
    let out = certplay(dir, &args);
    let code = out.status.code().expect("certplay exits with a code");
    assert!(code <= 1, "{args:?}: {}", stderr(&out));
    (code, stdout(&out))
}

/// `certplay inspect FILE --client CERT...`: its standard output.
fn inspect(dir: &Path, file: &str, clients: &[&str]) -> String {
    inspect_code(dir, file, clients).1
}

/// `inspect`'s exit code for one client certificate alone is what a
/// script reads: 0 when it predicts the client gets in, 1 when it
/// predicts a refusal; checked against what the server did with curl.
fn assert_exit_code_is_curls(dir: &Path, file: &str, client: &str, curl_got_in: bool) {
    let (code, report) = inspect_code(dir, file, &[client]);
    assert_eq!(
        code,
        if curl_got_in { 0 } else { 1 },
        "certplay inspect {file} --client {client} (curl got in: {curl_got_in}):\n{report}"
    );
}

/// The paragraph `certplay inspect` writes for `client`, from its line to
/// the next client's.
fn said_of<'a>(report: &'a str, client: &str) -> &'a str {
    let marker = format!("({client}): ");
    let start = report
        .find(&marker)
        .unwrap_or_else(|| panic!("nothing said of {client}:\n{report}"));
    let rest = &report[start..];
    let end = rest[1..]
        .find("with the client certificate ")
        .map_or(rest.len(), |at| at + 1);
    &rest[..end]
}

/// curl with `cert`/`key` (paths from `dir`) against a server on `port`
/// that `dir`'s ca.crt verifies: whether it answered 200.
fn curl_accepted(dir: &Path, port: u16, cert: &str, key: &str) -> bool {
    let_in(&curl_status(dir, port, cert, key))
}

#[test]
fn s_client_output_from_openssl_s_server_predicts_who_is_let_in() {
    let dir = temp_dir();
    let d = dir.path();
    issue_into(d, KeyType::EcdsaP256);
    let other = OtherClient::issue("Some Other CA", KeyType::EcdsaP256);
    let (other_client, other_key) = (other.cert.as_str(), other.key.as_str());

    // -verify_return_error: without it s_server logs a failed check and
    // lets the client in anyway.
    let server = SServer::start(
        d,
        &["-Verify", "1", "-verify_return_error", "-CAfile", "ca.crt"],
    );
    let pasted = capture(d, server.port, "s_client.txt");
    assert!(
        pasted.contains("Acceptable client certificate CA names"),
        "{pasted}"
    );
    let report = inspect(
        d,
        "s_client.txt",
        &["client.crt", other_client, "server.crt"],
    );
    // The chain among the text is read as any PEM is.
    assert!(report.contains("Subject: CN = localhost"), "{report}");
    assert!(
        report.contains(
            "the server asks for a client certificate; CA names it lists (1):\n  CN=my-ca\n"
        ),
        "{report}"
    );
    let ours = said_of(&report, "client.crt");
    assert!(ours.contains("likely accepted"), "{ours}");
    let got_in = curl_accepted(d, server.port, "client.crt", "client.key");
    assert!(got_in);
    assert_exit_code_is_curls(d, "s_client.txt", "client.crt", got_in);
    let theirs = said_of(&report, other_client);
    assert!(
        theirs.contains("likely refused")
            && theirs.contains("not from a CA it asked for")
            && theirs.contains("CN=Some Other CA"),
        "{theirs}"
    );
    let got_in = curl_accepted(d, server.port, other_client, other_key);
    assert!(!got_in);
    assert_exit_code_is_curls(d, "s_client.txt", other_client, got_in);
    // A server certificate presented as a client's: no clientAuth.
    let wrong = said_of(&report, "server.crt");
    assert!(
        wrong.contains("likely refused") && wrong.contains("clientAuth"),
        "{wrong}"
    );
    let got_in = curl_accepted(d, server.port, "server.crt", "server.key");
    assert!(!got_in);
    assert_exit_code_is_curls(d, "s_client.txt", "server.crt", got_in);
    // One of several likely refused: exit 1, each still said.
    let (code, _) = inspect_code(d, "s_client.txt", &["client.crt", other_client]);
    assert_eq!(code, 1, "one client of two likely refused");
    // What could not be read wins over a prediction: exit 2, as verify.
    let out = certplay(
        d,
        &[
            "inspect",
            "s_client.txt",
            "missing.crt",
            "--client",
            other_client,
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // --help says so.
    let help = stdout(&certplay(d, &["inspect", "--help"]));
    assert!(
        help.contains("Exit 0 read (each --client likely accepted), 1 a --client likely")
            && help.contains("refused, 2 unreadable"),
        "{help}"
    );

    // The same as JSON.
    let out = certplay(
        d,
        &[
            "inspect",
            "--json",
            "s_client.txt",
            "--client",
            "client.crt",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let server_json = &json[0]["server"];
    assert_eq!(server_json["asks_for_client_certificate"], true, "{json}");
    assert_eq!(server_json["ca_names"][0], "CN=my-ca", "{json}");
    assert_eq!(server_json["clients"][0]["fits"], true, "{json}");

    // A server that asks for nothing.
    drop(server);
    let open = SServer::start(d, &[]);
    capture(d, open.port, "open.txt");
    let report = inspect(d, "open.txt", &["client.crt"]);
    assert!(
        report.contains("the server did not ask for a client certificate"),
        "{report}"
    );
    assert!(
        said_of(&report, "client.crt").contains("not sent"),
        "{report}"
    );
    // Not asked for, not sent: nothing refuses it (curl gets in).
    let got_in = curl_accepted(d, open.port, "client.crt", "client.key");
    assert!(got_in);
    assert_exit_code_is_curls(d, "open.txt", "client.crt", got_in);
}

#[test]
fn s_client_output_from_certplay_serve_lists_its_ca() {
    let dir = temp_dir();
    let d = dir.path();
    issue_into(d, KeyType::EcdsaP256);
    let other = OtherClient::issue("Some Other CA", KeyType::EcdsaP256);
    let (other_client, other_key) = (other.cert.as_str(), other.key.as_str());
    let server = Server::with_files(d);
    capture(d, server.port, "serve.txt");
    let report = inspect(d, "serve.txt", &["client.crt", other_client]);
    assert!(
        report.contains("CA names it lists (1):\n  CN=my-ca\n"),
        "{report}"
    );
    assert!(
        said_of(&report, "client.crt").contains("likely accepted"),
        "{report}"
    );
    let got_in = curl_accepted(d, server.port, "client.crt", "client.key");
    assert!(got_in);
    assert_exit_code_is_curls(d, "serve.txt", "client.crt", got_in);
    assert!(
        said_of(&report, other_client).contains("likely refused"),
        "{report}"
    );
    let got_in = curl_accepted(d, server.port, other_client, other_key);
    assert!(!got_in);
    assert_exit_code_is_curls(d, "serve.txt", other_client, got_in);
}

#[test]
fn a_client_without_s_client_output_is_an_error_that_says_how_to_capture_it() {
    let dir = temp_dir();
    let d = dir.path();
    issue_into(d, KeyType::EcdsaP256);
    let out = certplay(d, &["inspect", "ca.crt", "--client", "client.crt"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("openssl s_client -connect HOST:PORT -showcerts"),
        "{}",
        stderr(&out)
    );
}
