//! The command-line flags no other test runs, each checked as a person
//! would: by what curl, openssl or the kernel then shows.
//!
//! `serve`: `--crypto ring`, `--threads`, `--max-connections`,
//! `--tls13-only` (and a TLS 1.2 handshake that succeeds without it),
//! `--page-bind`, `--page-dir`, `--demo-dir`, and SIGHUP reloading a new
//! certificate and key or keeping the running ones when the files are
//! broken. `verify --intermediates` and `--crl`; `crl --revoked-at`,
//! `--days`, `--number`; `p12 --name`; `csr --name`, `--key-type`; `sign
//! --days`, `--ca-key-pass`; `issue --ca-cert`, `--ca-key`, `--ca-key-pass`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use certplay_core::KeyType;
use certplay_tests::{
    certplay, curl, curl_with_client_cert, issue_into, refused_without_writing, run, stderr,
    stdout, temp_dir, Server, BLOG_FILES,
};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::PrimitiveDateTime;

/// `certplay ARGS` in `dir`, which must succeed; its standard output.
fn certplay_ok(dir: &Path, args: &[&str]) -> String {
    let out = certplay(dir, args);
    assert!(out.status.success(), "certplay {args:?}: {}", stderr(&out));
    stdout(&out)
}

/// `openssl ARGS` in `dir`, which must succeed; its standard output.
fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, "openssl", args);
    assert!(out.status.success(), "openssl {args:?}: {}", stderr(&out));
    stdout(&out)
}

/// How openssl prints a time: `Jan  2 03:04:05 2026 GMT`.
const OPENSSL_TIME: &[FormatItem<'static>] = format_description!(
    "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year] GMT"
);

/// The time after `field=` in openssl's output (`notAfter=...`).
fn openssl_time(text: &str, field: &str) -> PrimitiveDateTime {
    let value = text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}=")))
        .unwrap_or_else(|| panic!("no {field} in {text}"));
    PrimitiveDateTime::parse(value.trim(), OPENSSL_TIME)
        .unwrap_or_else(|e| panic!("{field}={value}: {e}"))
}

/// The certificate's serial as openssl prints it (upper-case hex).
fn serial_of(dir: &Path, cert: &str) -> String {
    openssl(dir, &["x509", "-in", cert, "-noout", "-serial"])
        .trim()
        .strip_prefix("serial=")
        .expect("serial=")
        .to_owned()
}

/// Encrypts `key` (PKCS#8, AES-256-CBC) into `out` with `password`.
fn encrypt_key(dir: &Path, key: &str, out: &str, password: &str) {
    openssl(
        dir,
        &[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            key,
            "-out",
            out,
            "-passout",
            &format!("pass:{password}"),
        ],
    );
}

/// Waits (up to 60 s) until `ready` holds, naming `what` if it never does.
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(Instant::now() < deadline, "not within 60 s: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn verify_needs_intermediates_for_an_intermediate_chain_and_refuses_what_the_crl_revokes() {
    let dir = temp_dir();
    let dir = dir.path();
    certplay_ok(dir, &["issue", "--preset", "intermediate"]);
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "--ca", "ca.crt", "--purpose", "client"];
        args.extend_from_slice(extra);
        args.push("client.crt");
        certplay(dir, &args)
    };
    let without = verify(&[]);
    assert_eq!(without.status.code(), Some(1), "{}", stdout(&without));
    assert!(
        stdout(&without).contains("missing intermediate?"),
        "{}",
        stdout(&without)
    );
    let with = verify(&["--intermediates", "intermediate.crt"]);
    assert_eq!(with.status.code(), Some(0), "{}", stderr(&with));
    assert!(
        stdout(&with).starts_with("valid: CN=my-client for a client"),
        "{}",
        stdout(&with)
    );

    // The intermediate revokes the client: refused, with the entry named.
    let serial = serial_of(dir, "client.crt");
    certplay_ok(
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
    let revoked = verify(&[
        "--intermediates",
        "intermediate.crt",
        "--crl",
        "intermediate.crl",
    ]);
    assert_eq!(revoked.status.code(), Some(1), "{}", stdout(&revoked));
    assert!(
        stdout(&revoked).contains("revoked") && stdout(&revoked).contains("keyCompromise"),
        "{}",
        stdout(&revoked)
    );
    // A CRL that revokes nothing changes nothing.
    certplay_ok(
        dir,
        &[
            "crl",
            "--ca-cert",
            "intermediate.crt",
            "--ca-key",
            "intermediate.key",
            "--out",
            "empty.crl",
        ],
    );
    let kept = verify(&["--intermediates", "intermediate.crt", "--crl", "empty.crl"]);
    assert_eq!(kept.status.code(), Some(0), "{}", stdout(&kept));
}

#[test]
fn crl_revoked_at_days_and_number_are_what_openssl_reads() {
    let dir = temp_dir();
    let dir = dir.path();
    certplay_ok(dir, &["issue"]);
    let serial = serial_of(dir, "client.crt");
    certplay_ok(
        dir,
        &[
            "crl",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "ca.key",
            "--revoke",
            &serial,
            "--revoked-at",
            "2026-01-02T03:04:05Z",
            "--days",
            "7",
            "--number",
            "4242",
            "--out",
            "ca.crl",
        ],
    );
    let text = openssl(dir, &["crl", "-in", "ca.crl", "-noout", "-text"]);
    let number = text
        .split("X509v3 CRL Number:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no CRL Number in {text}"));
    assert_eq!(number, "4242", "{text}");
    assert!(
        text.contains(&format!("Serial Number: {serial}"))
            && text.contains("Revocation Date: Jan  2 03:04:05 2026 GMT"),
        "{text}"
    );
    let dates = openssl(
        dir,
        &[
            "crl",
            "-in",
            "ca.crl",
            "-noout",
            "-lastupdate",
            "-nextupdate",
        ],
    );
    let last = openssl_time(&dates, "lastUpdate");
    let next = openssl_time(&dates, "nextUpdate");
    assert_eq!(next - last, time::Duration::days(7), "{dates}");
}

#[test]
fn p12_name_is_the_friendly_name_openssl_shows() {
    let dir = temp_dir();
    let dir = dir.path();
    certplay_ok(dir, &["issue"]);
    let p12 = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "p12",
            "--cert",
            "client.crt",
            "--key",
            "client.key",
            "--password",
            "pw",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        certplay_ok(dir, &args);
        openssl(
            dir,
            &["pkcs12", "-in", out, "-passin", "pass:pw", "-nokeys"],
        )
    };
    let named = p12("named.p12", &["--name", "Alice's laptop"]);
    assert!(named.contains("friendlyName: Alice's laptop"), "{named}");
    let default = p12("default.p12", &[]);
    assert!(
        !default.contains("Alice's laptop") && default.contains("friendlyName: "),
        "{default}"
    );
}

#[test]
fn csr_name_and_key_type_make_the_files_and_key_asked_for() {
    let dir = temp_dir();
    let dir = dir.path();
    certplay_ok(
        dir,
        &[
            "csr",
            "--cn",
            "api.example.test",
            "--name",
            "api",
            "--key-type",
            "rsa3072",
            "--out",
            "req",
        ],
    );
    let mut files: Vec<String> = std::fs::read_dir(dir.join("req"))
        .expect("req/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["api.csr", "api.key"]);
    let text = openssl(
        dir,
        &["req", "-in", "req/api.csr", "-noout", "-text", "-verify"],
    );
    assert!(
        text.contains("Public-Key: (3072 bit)") && text.contains("CN = api.example.test"),
        "{text}"
    );
    // The key written is the CSR's key.
    assert_eq!(
        openssl(dir, &["req", "-in", "req/api.csr", "-noout", "-pubkey"]),
        openssl(dir, &["pkey", "-in", "req/api.key", "-pubout"])
    );
    let p384 = certplay_ok(
        dir,
        &[
            "csr",
            "--cn",
            "db",
            "--name",
            "db",
            "--key-type",
            "p384",
            "--out",
            "req",
        ],
    );
    let text = openssl(dir, &["req", "-in", "req/db.csr", "-noout", "-text"]);
    assert!(
        text.contains("NIST CURVE: P-384") && text.contains("ecdsa-with-SHA384"),
        "{p384}\n{text}"
    );
}

#[test]
fn sign_days_and_an_encrypted_ca_key_with_its_password() {
    let dir = temp_dir();
    let dir = dir.path();
    certplay_ok(dir, &["issue", "--out", "pki"]);
    encrypt_key(dir, "pki/ca.key", "ca-enc.key", "s3cret");
    certplay_ok(dir, &["csr", "--cn", "svc.example.test", "--out", "."]);
    let sign = |password: &str, out: &str| {
        vec![
            "sign".to_owned(),
            "--ca-cert".into(),
            "pki/ca.crt".into(),
            "--ca-key".into(),
            "ca-enc.key".into(),
            "--ca-key-pass".into(),
            password.into(),
            "--profile".into(),
            "server".into(),
            "--days".into(),
            "5".into(),
            "svc.example.test.csr".into(),
            "--out".into(),
            out.into(),
        ]
    };
    let args = sign("pass:s3cret", "svc.crt");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    certplay_ok(dir, &args);
    let verified = openssl(dir, &["verify", "-CAfile", "pki/ca.crt", "svc.crt"]);
    assert_eq!(verified.trim(), "svc.crt: OK");
    let dates = openssl(
        dir,
        &["x509", "-in", "svc.crt", "-noout", "-startdate", "-enddate"],
    );
    // Five days from now; notBefore is an hour back, for clocks a little
    // behind.
    let lasts = openssl_time(&dates, "notAfter") - openssl_time(&dates, "notBefore");
    assert_eq!(
        lasts,
        time::Duration::days(5) + time::Duration::hours(1),
        "{dates}"
    );

    // The wrong password: refused, nothing written.
    let args = sign("pass:wrong", "svc2.crt");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused_without_writing(dir, &args, "does not decrypt");
}

#[test]
fn issue_from_an_existing_ca_with_an_encrypted_key_chains_to_it() {
    let dir = temp_dir();
    let dir = dir.path();
    certplay_ok(dir, &["issue", "--out", "first"]);
    encrypt_key(dir, "first/ca.key", "ca-enc.key", "s3cret");
    let out = Command::new(certplay_tests::certplay_bin())
        .args([
            "issue",
            "--ca-cert",
            "first/ca.crt",
            "--ca-key",
            "ca-enc.key",
            "--ca-key-pass",
            "env:CA_PASSWORD",
            "--out",
            "second",
        ])
        .env("CA_PASSWORD", "s3cret")
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("running certplay");
    assert!(out.status.success(), "{}", stderr(&out));
    for leaf in ["second/server.crt", "second/client.crt"] {
        let verified = openssl(dir, &["verify", "-CAfile", "first/ca.crt", leaf]);
        assert_eq!(verified.trim(), format!("{leaf}: OK"));
    }
    // The CA's key stays where it is: no copy of it in the new set.
    assert!(!dir.join("second/ca.key").exists());
    // And the new set works with the first CA: serve it, curl with it.
    let server = Server::start(
        dir,
        &[
            "--ca",
            "first/ca.crt",
            "--cert",
            "second/server.crt",
            "--key",
            "second/server.key",
            "--no-page",
        ],
    );
    let ok = curl(
        dir,
        &[
            "--cacert",
            "first/ca.crt",
            "--cert",
            "second/client.crt",
            "--key",
            "second/client.key",
            &server.url(),
        ],
    );
    assert_eq!(stdout(&ok), "Hello World\n", "{}", stderr(&ok));

    // Without the password: refused, nothing written.
    refused_without_writing(
        dir,
        &[
            "issue",
            "--ca-cert",
            "first/ca.crt",
            "--ca-key",
            "ca-enc.key",
            "--out",
            "third",
        ],
        "--ca-key-pass",
    );
}

#[test]
fn serve_with_ring_answers_curl_and_refuses_a_client_without_a_certificate() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let server = Server::with_files_and(dir.path(), &["--crypto", "ring"]);
    let ok = curl_with_client_cert(dir.path(), &server.url());
    assert_eq!(stdout(&ok), "Hello World\n", "{}", stderr(&ok));
    let none = curl(dir.path(), &["--cacert", "ca.crt", &server.url()]);
    assert!(!none.status.success());
    server.wait_for_log("no client certificate: the client sent none");
    // A provider certplay does not have is named with the ones it has.
    let out = certplay(dir.path(), &["serve", "--crypto", "openssl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("aws-lc-rs") && stderr(&out).contains("ring"),
        "{}",
        stderr(&out)
    );
}

/// The names of the threads of process `pid` (Linux: /proc/PID/task).
fn thread_names(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("/proc/PID/task")
        .filter_map(|task| {
            let comm = task.ok()?.path().join("comm");
            Some(std::fs::read_to_string(comm).ok()?.trim().to_owned())
        })
        .collect()
}

#[test]
fn threads_sets_how_many_threads_serve_connections() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    for threads in [1, 3] {
        let server = Server::with_files_and(dir.path(), &["--threads", &threads.to_string()]);
        let ok = curl_with_client_cert(dir.path(), &server.url());
        assert_eq!(stdout(&ok), "Hello World\n", "{}", stderr(&ok));
        let names = thread_names(server.pid());
        let workers = names.iter().filter(|n| *n == "tokio-rt-worker").count();
        assert_eq!(workers, threads, "{names:?}");
    }
}

/// How many connections wait in the accept queue of the socket listening
/// on 127.0.0.1:`port` (Linux: /proc/net/tcp, a listening socket's
/// rx_queue).
fn accept_queue(port: u16) -> Option<u32> {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp");
    let local = format!("0100007F:{port:04X}");
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (address, state, queues) = (fields.get(1)?, fields.get(3)?, fields.get(4)?);
        if *address != local || *state != "0A" {
            return None;
        }
        u32::from_str_radix(queues.split(':').nth(1)?, 16).ok()
    })
}

#[test]
fn max_connections_keeps_the_next_client_waiting_until_one_closes() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let server = Server::with_files_and(dir.path(), &["--max-connections", "1"]);
    assert_eq!(accept_queue(server.port), Some(0), "nothing waits yet");
    // One silent connection takes the only slot.
    let silent = std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    // curl then waits in the kernel's queue: the server does not take it.
    let waiting = Command::new("curl")
        .args([
            "--silent",
            "--show-error",
            "--max-time",
            "60",
            "--cacert",
            "ca.crt",
            "--cert",
            "client.crt",
            "--key",
            "client.key",
            &server.url(),
        ])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("curl (cargo xtask setup installs it)");
    wait_until("curl waiting in the accept queue", || {
        accept_queue(server.port) == Some(1)
    });
    // The slot frees: curl is served.
    drop(silent);
    let served = waiting.wait_with_output().expect("curl");
    assert_eq!(stdout(&served), "Hello World\n", "{}", stderr(&served));
    assert_eq!(accept_queue(server.port), Some(0));
}

/// curl `-v` with the client certificate, TLS `version` at most: what it
/// says on stderr, and whether the answer came.
fn curl_tls(dir: &Path, url: &str, version: &str) -> (bool, String) {
    let out = curl(
        dir,
        &[
            "--verbose",
            "--tls-max",
            version,
            "--cacert",
            "ca.crt",
            "--cert",
            "client.crt",
            "--key",
            "client.key",
            url,
        ],
    );
    (stdout(&out) == "Hello World\n", stderr(&out))
}

#[test]
fn tls12_mtls_succeeds_unless_tls13_only_refuses_it() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let server = Server::with_files(dir.path());
    let (answered, said) = curl_tls(dir.path(), &server.url(), "1.2");
    assert!(answered, "{said}");
    assert!(said.contains("SSL connection using TLSv1.2"), "{said}");
    server.wait_for_log("accepted CN=my-client");
    drop(server);

    let strict = Server::with_files_and(dir.path(), &["--tls13-only"]);
    let (answered, said) = curl_tls(dir.path(), &strict.url(), "1.2");
    assert!(!answered, "TLS 1.2 served with --tls13-only: {said}");
    assert!(!said.contains("SSL connection using"), "{said}");
    let log = strict.wait_for_log(
        "refused: no common protocol: the client and this server have no TLS version in \
         common; this server offers TLS 1.3 only (--tls13-only)",
    );
    assert!(!log.contains("accepted CN=my-client"), "{log}");
    let (answered, said) = curl_tls(dir.path(), &strict.url(), "1.3");
    assert!(answered, "{said}");
    assert!(said.contains("SSL connection using TLSv1.3"), "{said}");
}

#[test]
fn page_bind_and_page_dir_serve_that_address_and_that_folder() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let page = dir.path().join("page");
    std::fs::create_dir(&page).expect("mkdir");
    std::fs::write(page.join("index.html"), "<h1>first</h1>\n").expect("write");
    let mut args = BLOG_FILES.to_vec();
    args.extend([
        "--page-port",
        "0",
        "--page-bind",
        "127.0.0.2",
        "--page-dir",
        "page",
    ]);
    let server = Server::start(dir.path(), &args);
    let port = server.page_port.expect("the page's port");
    assert!(
        server
            .stdout
            .contains(&format!("page on http://127.0.0.2:{port}")),
        "{}",
        server.stdout
    );
    let get = |host: &str| curl(dir.path(), &[&format!("http://{host}:{port}/")]);
    let first = get("127.0.0.2");
    assert_eq!(stdout(&first), "<h1>first</h1>\n", "{}", stderr(&first));
    // Read at each request: a new build shows without a restart.
    std::fs::write(page.join("index.html"), "<h1>second</h1>\n").expect("write");
    let second = get("127.0.0.2");
    assert_eq!(stdout(&second), "<h1>second</h1>\n", "{}", stderr(&second));
    // Nothing listens on the other loopback address (curl: exit 7,
    // connection refused).
    let elsewhere = get("127.0.0.1");
    assert_eq!(elsewhere.status.code(), Some(7), "{}", stderr(&elsewhere));
}

#[test]
fn demo_dir_holds_the_demo_set_that_the_printed_curl_uses() {
    let dir = temp_dir();
    let server = Server::start(dir.path(), &["--demo-dir", "my-demo", "--no-page"]);
    assert!(
        server.stdout.contains("made demo certificates in"),
        "{}",
        server.stdout
    );
    let demo = dir.path().join("my-demo");
    for file in [
        "ca.crt",
        "server.crt",
        "server.key",
        "client.crt",
        "client.key",
    ] {
        assert!(demo.join(file).is_file(), "{file} in my-demo");
    }
    assert!(!dir.path().join("certplay-demo").exists());
    let line = server
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("curl "))
        .expect("a curl line");
    let args: Vec<&str> = line.split_whitespace().skip(1).collect();
    let ok = curl(dir.path(), &args);
    assert_eq!(stdout(&ok), "Hello World\n", "{line}: {}", stderr(&ok));
}

/// The SHA-256 fingerprint of the certificate the server at `port` sends,
/// as openssl s_client sees it.
fn served_fingerprint(dir: &Path, port: u16) -> String {
    let connect = format!("127.0.0.1:{port}");
    let mut s_client = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &connect,
            "-servername",
            "localhost",
            "-cert",
            "client.crt",
            "-key",
            "client.key",
            "-CAfile",
            "ca.crt",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl s_client");
    let mut pem = Vec::new();
    std::io::Read::read_to_end(s_client.stdout.as_mut().expect("stdout"), &mut pem)
        .expect("reading s_client");
    let _ = s_client.wait();
    let mut x509 = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("openssl x509");
    std::io::Write::write_all(x509.stdin.as_mut().expect("stdin"), &pem).expect("writing");
    let out = x509.wait_with_output().expect("openssl x509");
    assert!(
        out.status.success(),
        "no certificate from s_client:\n{}",
        String::from_utf8_lossy(&pem)
    );
    stdout(&out).trim().to_owned()
}

/// openssl's SHA-256 fingerprint of the certificate file `cert`.
fn file_fingerprint(dir: &Path, cert: &str) -> String {
    openssl(
        dir,
        &["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"],
    )
    .trim()
    .to_owned()
}

/// Sends SIGHUP to the server.
fn hangup(dir: &Path, server: &Server) {
    let sent = run(dir, "kill", &["-HUP", &server.pid().to_string()]);
    assert!(sent.status.success(), "{}", stderr(&sent));
}

#[test]
fn sighup_loads_a_new_certificate_and_key_for_new_connections() {
    let dir = temp_dir();
    let dir = dir.path();
    certplay_ok(dir, &["issue"]);
    let server = Server::with_files(dir);
    let old = file_fingerprint(dir, "server.crt");
    assert_eq!(served_fingerprint(dir, server.port), old);
    // A new server certificate and key from the same CA, over the old files.
    certplay_ok(
        dir,
        &[
            "issue",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "ca.key",
            "--out",
            "next",
        ],
    );
    for file in ["server.crt", "server.key"] {
        std::fs::copy(dir.join("next").join(file), dir.join(file)).expect("copy");
    }
    let new = file_fingerprint(dir, "server.crt");
    assert_ne!(new, old);
    hangup(dir, &server);
    server.wait_for_log("SIGHUP: reloaded ca.crt, server.crt and server.key");
    assert_eq!(served_fingerprint(dir, server.port), new);
    let ok = curl_with_client_cert(dir, &server.url());
    assert_eq!(stdout(&ok), "Hello World\n", "{}", stderr(&ok));
}

#[test]
fn sighup_with_a_broken_key_keeps_the_running_certificates() {
    let dir = temp_dir();
    let dir = dir.path();
    certplay_ok(dir, &["issue"]);
    let server = Server::with_files(dir);
    let running = file_fingerprint(dir, "server.crt");
    // A certificate that is not the key's: the key is another one.
    certplay_ok(dir, &["issue", "--out", "other"]);
    std::fs::copy(dir.join("other/server.key"), dir.join("server.key")).expect("copy");
    hangup(dir, &server);
    let log = server.wait_for_log("SIGHUP: kept the running certificates");
    assert!(
        log.contains("server.key is not the private key of server.crt"),
        "{log}"
    );
    assert!(!log.contains("SIGHUP: reloaded"), "{log}");
    assert_eq!(served_fingerprint(dir, server.port), running);
    let ok = curl_with_client_cert(dir, &server.url());
    assert_eq!(stdout(&ok), "Hello World\n", "{}", stderr(&ok));
}
