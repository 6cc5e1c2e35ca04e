//! CRLs made by `certplay crl`, checked by openssl (`crl -text`, `verify
//! -crl_check`) and honoured by the real `certplay serve --crl`: curl with
//! the revoked client certificate fails and the log names the CRL entry
//! (serial, reason, time), the other client still gets Hello World; a CRL
//! of another CA and an expired CRL are reported at startup.

use std::path::Path;
use std::process::Output;

use certplay_core::{CrlParams, ExistingCa, Revocation, RevocationReason, Source};
use certplay_tests::{
    certplay, curl, curl_as, refused_without_writing, run, stderr, stdout, temp_dir, Server,
    BLOG_FILES,
};
use time::{Duration, OffsetDateTime};

/// `certplay issue --preset two-clients` (alice and bob) into `dir`.
fn issue_two_clients(dir: &Path) {
    let out = certplay(dir, &["issue", "--preset", "two-clients", "--out", "."]);
    assert!(out.status.success(), "issue: {}", stderr(&out));
}

/// The serial as `openssl x509 -serial` prints it (`4A1F...`).
fn openssl_serial(dir: &Path, cert: &str) -> String {
    let out = run(dir, "openssl", &["x509", "-noout", "-serial", "-in", cert]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .trim()
        .strip_prefix("serial=")
        .expect("serial=...")
        .to_owned()
}

/// The serial with colons, as certplay's log shows it.
fn with_colons(serial: &str) -> String {
    serial
        .as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8_lossy(pair).into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

/// `crl --ca-cert ca.crt --ca-key ca.key ARGS`: certplay's arguments.
fn crl_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["crl", "--ca-cert", "ca.crt", "--ca-key", "ca.key"];
    all.extend_from_slice(args);
    all
}

/// `certplay crl --ca-cert ca.crt --ca-key ca.key ARGS` in `dir`.
fn crl(dir: &Path, args: &[&str]) -> Output {
    certplay(dir, &crl_args(args))
}

#[test]
fn openssl_reads_the_crl_and_says_revoked() {
    let dir = temp_dir();
    let dir = dir.path();
    issue_two_clients(dir);
    let serial = openssl_serial(dir, "alice.crt");
    // With colons, in lower case, as a person may paste it.
    let revoke = format!("{}:keyCompromise", with_colons(&serial).to_lowercase());
    let made = crl(dir, &["--revoke", &revoke, "--out", "ca.crl"]);
    assert!(made.status.success(), "crl: {}", stderr(&made));
    assert!(stdout(&made).contains("1 revoked"), "{}", stdout(&made));

    let text = run(dir, "openssl", &["crl", "-in", "ca.crl", "-noout", "-text"]);
    assert!(text.status.success(), "{}", stderr(&text));
    let text = stdout(&text);
    assert!(text.contains(&format!("Serial Number: {serial}")), "{text}");
    assert!(text.contains("Key Compromise"), "{text}");
    assert!(text.contains("X509v3 CRL Number"), "{text}");
    assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");

    let verify = |cert: &str| {
        run(
            dir,
            "openssl",
            &[
                "verify",
                "-crl_check",
                "-CAfile",
                "ca.crt",
                "-CRLfile",
                "ca.crl",
                cert,
            ],
        )
    };
    let alice = verify("alice.crt");
    assert!(!alice.status.success());
    let said = format!("{}{}", stdout(&alice), stderr(&alice));
    assert!(said.contains("certificate revoked"), "{said}");
    let bob = verify("bob.crt");
    assert!(bob.status.success(), "{}{}", stdout(&bob), stderr(&bob));

    // DER, read by openssl as DER.
    let der = crl(dir, &["--revoke", &serial, "--der", "--out", "ca.crl.der"]);
    assert!(der.status.success(), "{}", stderr(&der));
    let text = run(
        dir,
        "openssl",
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "ca.crl.der",
            "-noout",
            "-text",
        ],
    );
    assert!(
        stdout(&text).contains(&format!("Serial Number: {serial}")),
        "{}",
        stderr(&text)
    );

    // Never replaced without --force: not a byte of the folder changes.
    refused_without_writing(dir, &crl_args(&["--out", "ca.crl"]), "already exists");
    let forced = crl(dir, &["--out", "ca.crl", "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));

    // A serial that is not hex, a reason that does not exist: named, and
    // x.crl not written.
    for bad in ["xyz", "01:stolen"] {
        refused_without_writing(
            dir,
            &crl_args(&["--revoke", bad, "--out", "x.crl"]),
            &format!("--revoke \"{bad}\""),
        );
    }
}

#[test]
fn serve_refuses_the_revoked_client_and_serves_the_other() {
    let dir = temp_dir();
    let dir = dir.path();
    issue_two_clients(dir);
    let serial = openssl_serial(dir, "alice.crt");
    let made = crl(
        dir,
        &[
            "--revoke",
            &format!("{serial}:superseded"),
            "--der",
            "--out",
            "ca.crl",
        ],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let server = Server::with_files_and(dir, &["--crl", "ca.crl"]);
    assert!(
        server.stdout.contains("checking revocation against ca.crl"),
        "{}",
        server.stdout
    );
    let url = server.url();

    let refused = curl_as(dir, "alice", &url);
    assert!(
        !stdout(&refused).contains("Hello World"),
        "alice was served"
    );
    let log = server.wait_for_log("revoked: CN=alice");
    let colons = with_colons(&serial);
    assert!(
        log.contains(&format!("(serial {colons}) was revoked at ")),
        "{log}"
    );
    assert!(
        log.contains("reason superseded, in the CRL of CN=my-ca"),
        "{log}"
    );

    let served = curl_as(dir, "bob", &url);
    assert_eq!(stdout(&served), "Hello World\n", "bob: {}", stderr(&served));
}

/// Under an intermediate that issued both the server and the clients, its
/// CRL is honoured when the server sends its chain (`server-chain.crt`),
/// and refused at start, with that way out, when it does not.
#[test]
fn serve_honours_an_intermediates_crl_with_the_servers_chain() {
    let dir = temp_dir();
    let dir = dir.path();
    let out = certplay(
        dir,
        &[
            "issue",
            "--intermediate",
            "--client",
            "alice",
            "--client",
            "bob",
            "--out",
            ".",
        ],
    );
    assert!(out.status.success(), "issue: {}", stderr(&out));
    let serial = openssl_serial(dir, "alice.crt");
    let made = certplay(
        dir,
        &[
            "crl",
            "--ca-cert",
            "intermediate.crt",
            "--ca-key",
            "intermediate.key",
            "--revoke",
            &format!("{serial}:keyCompromise"),
            "--out",
            "intermediate.crl",
        ],
    );
    assert!(made.status.success(), "{}", stderr(&made));

    let mut args = vec!["serve"];
    args.extend_from_slice(&BLOG_FILES);
    args.extend_from_slice(&["--crl", "intermediate.crl", "--no-page", "--port", "0"]);
    let without_chain = certplay(dir, &args);
    assert!(!without_chain.status.success());
    assert!(
        stderr(&without_chain).contains("server-chain.crt"),
        "{}",
        stderr(&without_chain)
    );

    let server = Server::start(
        dir,
        &[
            "--ca",
            "ca.crt",
            "--cert",
            "server-chain.crt",
            "--key",
            "server.key",
            "--crl",
            "intermediate.crl",
            "--no-page",
        ],
    );
    let url = server.url();
    let as_client = |name: &str| {
        let (chain, key) = (format!("{name}-chain.crt"), format!("{name}.key"));
        curl(
            dir,
            &["--cacert", "ca.crt", "--cert", &chain, "--key", &key, &url],
        )
    };
    let refused = as_client("alice");
    assert!(
        !stdout(&refused).contains("Hello World"),
        "alice was served"
    );
    let log = server.wait_for_log("revoked: CN=alice");
    assert!(log.contains("reason keyCompromise"), "{log}");
    let served = as_client("bob");
    assert_eq!(stdout(&served), "Hello World\n", "bob: {}", stderr(&served));
}

#[test]
fn a_crl_of_another_ca_is_refused_and_an_expired_one_is_reported() {
    let dir = temp_dir();
    let dir = dir.path();
    issue_two_clients(dir);
    // Another set whose CA has the same name: its CRL does not verify.
    let other = temp_dir();
    issue_two_clients(other.path());
    let made = crl(other.path(), &["--out", "other.crl"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let other_crl = other.path().join("other.crl").display().to_string();
    let mut args = vec!["serve"];
    args.extend(BLOG_FILES);
    args.extend(["--crl", &other_crl, "--port", "0", "--no-page"]);
    let out = certplay(dir, &args);
    assert!(!out.status.success(), "served with another CA's CRL");
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{other_crl}: this CRL names CN=my-ca as its issuer"
        )),
        "{err}"
    );
    assert!(
        err.contains("signed by another CA with the same name"),
        "{err}"
    );

    // A CRL whose nextUpdate has passed: a warning at startup naming the
    // file and the date; the clients it covers are refused, saying why.
    let read = |name: &str| std::fs::read(dir.join(name)).expect("reading");
    let (cert, key) = (read("ca.crt"), read("ca.key"));
    let ca = ExistingCa::read(Source::new("ca.crt", &cert), Source::new("ca.key", &key))
        .expect("the CA");
    let now = OffsetDateTime::now_utc();
    let mut params = CrlParams::new(now - Duration::days(10), 1, vec![]);
    params.revoked.push(Revocation {
        serial: certplay_core::Serial::parse("01").expect("serial"),
        reason: RevocationReason::Unspecified,
        revoked_at: now - Duration::days(10),
    });
    std::fs::write(dir.join("old.crl"), ca.issue_crl(&params).expect("crl").pem).expect("writing");
    let server = Server::with_files_and(dir, &["--crl", "old.crl"]);
    let next_update = certplay_core::format_time(params.next_update.unix_timestamp());
    server.wait_for_log(&format!(
        "old.crl: the CRL of CN=my-ca expired at {next_update}"
    ));
    let refused = curl_as(dir, "bob", &server.url());
    assert!(
        !stdout(&refused).contains("Hello World"),
        "served under an expired CRL"
    );
    server.wait_for_log("CRL expired: the CRL of CN=my-ca was due to be replaced at");
}

#[test]
fn a_new_crl_is_read_on_sighup() {
    let dir = temp_dir();
    let dir = dir.path();
    issue_two_clients(dir);
    let crl = |revoke: &[&str]| {
        let mut args = vec![
            "crl",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "ca.key",
            "--out",
            "ca.crl",
            "--force",
        ];
        for serial in revoke {
            args.extend(["--revoke", serial]);
        }
        let made = certplay(dir, &args);
        assert!(made.status.success(), "{}", stderr(&made));
    };
    crl(&[]);
    let server = Server::with_files_and(dir, &["--crl", "ca.crl"]);
    let url = server.url();
    assert_eq!(stdout(&curl_as(dir, "alice", &url)), "Hello World\n");

    let serial = openssl_serial(dir, "alice.crt");
    crl(&[&format!("{serial}:cessationOfOperation")]);
    let hup = run(dir, "kill", &["-HUP", &server.pid().to_string()]);
    assert!(hup.status.success());
    server.wait_for_log("and 1 CRL file(s); new connections use them");
    let refused = curl_as(dir, "alice", &url);
    assert!(
        !stdout(&refused).contains("Hello World"),
        "alice served after SIGHUP"
    );
    server.wait_for_log("reason cessationOfOperation");
    assert_eq!(stdout(&curl_as(dir, "bob", &url)), "Hello World\n");
}
