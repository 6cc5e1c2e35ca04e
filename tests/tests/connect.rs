//! `certplay connect` against real servers on loopback: `certplay serve`
//! (client certificate required, optional, TLS 1.3 only) and `openssl
//! s_server` (`-Verify 1`, `-verify 1`, no client authentication, TLS 1.2
//! only), each fact checked against what the server was started with; and
//! a port where nothing listens, one that is not TLS, one that hangs.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::Duration;

use certplay_core::{CrlParams, KeyType};
use certplay_tests::s_server::SServer;
use certplay_tests::{
    certplay, certplay_bin, curl, curl_with_client_cert, free_port, issue_into, issue_other_ca,
    run, stderr, stdout, temp_dir, KillOnDrop, OtherClient, Server,
};

/// `certplay connect ARGS` in `dir`; its output and exit code.
fn connect(dir: &Path, args: &[&str]) -> (String, i32) {
    let mut all = vec!["connect"];
    all.extend_from_slice(args);
    let out: Output = certplay(dir, &all);
    let code = out.status.code().expect("connect exits with a code");
    (format!("{}{}", stdout(&out), stderr(&out)), code)
}

/// `target` and the issued set's CA, client certificate and key, as curl's
/// `--cacert ca.crt --cert client.crt --key client.key`.
fn with_client(target: &str) -> [&str; 7] {
    [
        target,
        "--ca",
        "ca.crt",
        "--cert",
        "client.crt",
        "--key",
        "client.key",
    ]
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    let (text, _) = connect(dir, &all);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

#[test]
fn certplay_serve_required_tells_versions_chain_and_what_it_asks() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let server = Server::with_files(dir.path());
    let target = format!("localhost:{}", server.port);

    let (text, code) = connect(dir.path(), &[&target, "--ca", "ca.crt"]);
    assert_eq!(code, 1, "no client certificate: refused\n{text}");
    assert!(text.contains("TLS 1.3: accepted: TLS13_"), "{text}");
    assert!(
        text.contains("TLS 1.2: accepted: TLS_ECDHE_ECDSA_"),
        "{text}"
    );
    assert!(
        text.contains("  1. CN=localhost\n     issuer: CN=my-ca"),
        "{text}"
    );
    assert!(text.contains("key: ECDSA P-256"), "{text}");
    assert!(
        text.contains("trust: verified against ca.crt (1 CA): verified for localhost"),
        "{text}"
    );
    assert!(
        text.contains("client certificate: required; without one: refused: the server ended the handshake with TLS alert certificate_required"),
        "{text}"
    );
    assert!(text.contains("CA names it lists (1): CN=my-ca\n"), "{text}");
    assert!(text.contains("ECDSA_NISTP256_SHA256"), "{text}");

    let (text, code) = connect(dir.path(), &with_client(&target));
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("with the client certificate CN=my-client: accepted: the handshake with it completed\n  GET: HTTP/1.1 200 OK"),
        "{text}"
    );
    assert!(text.contains("nothing it can see stands against"), "{text}");
    assert!(
        text.ends_with("verdict: accepted: the server took the client certificate CN=my-client and answered GET: HTTP/1.1 200 OK\n"),
        "{text}"
    );

    // A client certificate of another CA with the same name layout.
    let other = OtherClient::issue("other-ca", KeyType::EcdsaP256);
    let (text, code) = connect(
        dir.path(),
        &[
            &target,
            "--ca",
            "ca.crt",
            "--cert",
            &other.cert,
            "--key",
            &other.key,
        ],
    );
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "TLS alert unknown_ca: it does not trust the CA that issued the client certificate"
        ),
        "{text}"
    );
    assert!(
        text.contains("certplay's prediction: not from a CA it asked for: the chain leads to CN=other-ca, and the server listed CN=my-ca"),
        "{text}"
    );
    assert!(
        server.wait_for_log("unknown issuer").contains("other-ca"),
        "the server's own account agrees"
    );

    let report = json(dir.path(), &[&target, "--ca", "ca.crt"]);
    assert_eq!(report["verdict"], "refused");
    assert_eq!(report["client_auth"]["mode"], "required");
    assert_eq!(report["client_auth"]["ca_names"][0], "CN=my-ca");
    assert_eq!(report["versions"][0]["version"], "TLS 1.3");
    assert_eq!(report["versions"][0]["accepted"], true);
    assert_eq!(report["chain"][0]["subject_alt_names"][0], "DNS:localhost");
    assert!(report["trust"]["refused"].is_null(), "{report}");
}

#[test]
fn certplay_serve_optional_and_tls13_only() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let optional = Server::with_files_and(dir.path(), &["--client-auth", "optional"]);
    let target = format!("localhost:{}", optional.port);
    optional_without_a_client_is_refused_in_http_beside_curl(dir.path(), &target);
    drop(optional);

    let strict = Server::with_files_and(dir.path(), &["--tls13-only"]);
    let target = format!("localhost:{}", strict.port);
    let (text, _) = connect(dir.path(), &with_client(&target));
    assert!(text.contains("TLS 1.3: accepted"), "{text}");
    assert!(
        text.contains(
            "TLS 1.2: refused: the server ended the handshake with TLS alert protocol_version"
        ),
        "{text}"
    );
    let (text, code) = connect(dir.path(), &[&target, "--ca", "ca.crt", "--tls12"]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(
            "failed: the server accepts none of TLS 1.2 (it may speak only an older TLS version"
        ),
        "{text}"
    );
}

/// `certplay serve --client-auth optional` without a client certificate:
/// the handshake completes and the server answers 401 with its reason.
/// curl prints that page and exits 0 (an HTTP answer is a transfer that
/// worked; `--fail` makes it 22); connect exits 1, as for nginx's 400 and
/// for a refused handshake, and its words carry the status, the server's
/// reason exactly as curl printed it, that no certificate was sent, and
/// why curl's exit code differs. With the client certificate, both get in.
fn optional_without_a_client_is_refused_in_http_beside_curl(dir: &Path, target: &str) {
    let url = format!("https://{target}/");
    let plain = curl(dir, &["--cacert", "ca.crt", &url]);
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    let page = stdout(&plain);
    let reason = page.lines().next().unwrap_or_default();
    assert!(
        reason.starts_with("401 Unauthorized: this server wants a valid client certificate: "),
        "{page}"
    );
    let failing = curl(dir, &["--fail", "--cacert", "ca.crt", &url]);
    assert_eq!(failing.status.code(), Some(22), "{}", stderr(&failing));

    let (text, code) = connect(dir, &[target, "--ca", "ca.crt"]);
    assert_eq!(code, 1, "{text}");
    for words in [
        "client certificate: required in HTTP; without one: the handshake completed with no client certificate sent, and GET was refused: HTTP/1.1 401 Unauthorized",
        &format!("  the server's answer says: {reason}\n"),
        "verdict: refused: no client certificate was sent (give one with --cert and --key), and the server answered GET HTTP/1.1 401 Unauthorized",
        "(curl exits 0 on such an answer, since it got one, and prints it; curl --fail exits 22)",
    ] {
        assert!(text.contains(words), "{words}\n---\n{text}");
    }
    let report = json(dir, &[target, "--ca", "ca.crt"]);
    assert_eq!(report["verdict"], "refused", "{report}");
    assert_eq!(
        report["client_auth"]["mode"], "required in HTTP",
        "{report}"
    );
    assert_eq!(report["client_auth"]["says"], reason, "{report}");

    // A client certificate of another CA: a 401 too, whose reason connect
    // shows exactly as curl printed it.
    let other = OtherClient::issue("other-ca", KeyType::EcdsaP256);
    let other_flags = ["--cert", other.cert.as_str(), "--key", other.key.as_str()];
    let args = [&other_flags[..], &["--cacert", "ca.crt", url.as_str()]].concat();
    let got = curl(dir, &args);
    assert_eq!(got.status.code(), Some(0), "{}", stderr(&got));
    let page = stdout(&got);
    let other_reason = page.lines().next().unwrap_or_default();
    assert!(
        other_reason
            .starts_with("401 Unauthorized: this server wants a valid client certificate: ")
            && other_reason.contains("CN=other-ca"),
        "{page}"
    );
    let (text, code) = connect(
        dir,
        &[&[target, "--ca", "ca.crt"][..], &other_flags].concat(),
    );
    assert_eq!(code, 1, "{text}");
    for words in [
        "refused in HTTP: the handshake completed, and GET was answered HTTP/1.1 401 Unauthorized",
        &format!("  the server's answer says: {other_reason}\n"),
        "verdict: refused: the server refused the client certificate CN=my-client, answering GET HTTP/1.1 401 Unauthorized",
    ] {
        assert!(text.contains(words), "{words}\n---\n{text}");
    }

    let with = curl_with_client_cert(dir, &url);
    assert_eq!(stdout(&with), "Hello World\n", "{}", stderr(&with));
    let (text, code) = connect(dir, &with_client(target));
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("verdict: accepted: the server took the client certificate CN=my-client and answered GET: HTTP/1.1 200 OK"),
        "{text}"
    );
}

/// `connect --crl` without `--ca`: the chain verifies through the system's
/// trust store (here `SSL_CERT_FILE`, which rustls' loader and curl's
/// OpenSSL both read), and the CRL is checked as curl's `--crlfile` checks
/// it: revoked is refused by both; a CRL of the issuer that does not list
/// the certificate passes both; a CRL of another CA only is refused by
/// both (curl: "unable to get certificate CRL"), in words that say which
/// CRL is missing; an expired CRL of the issuer is refused by both.
#[test]
fn a_crl_without_ca_is_checked_through_the_system_store_as_curl_checks_it() {
    let dir = temp_dir();
    let dir = dir.path();
    let issued = issue_into(dir, KeyType::EcdsaP256);
    let other = issue_other_ca("other-ca", KeyType::EcdsaP256);
    let serial = {
        let out = run(
            dir,
            "openssl",
            &["x509", "-in", "server.crt", "-noout", "-serial"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out).trim().trim_start_matches("serial=").to_owned()
    };
    let client_serial = {
        let out = run(
            dir,
            "openssl",
            &["x509", "-in", "client.crt", "-noout", "-serial"],
        );
        stdout(&out).trim().trim_start_matches("serial=").to_owned()
    };
    // A CRL of the right CA whose nextUpdate has passed.
    let past = time::OffsetDateTime::now_utc() - time::Duration::days(10);
    let expired = issued
        .issue_crl("ca", &CrlParams::new(past, 1, Vec::new()))
        .expect("an expired CRL");
    std::fs::write(dir.join("expired.crl"), expired.pem).unwrap();
    for (out, revoke, ca) in [
        ("revoked.crl", serial.as_str(), dir.to_path_buf()),
        ("kept.crl", client_serial.as_str(), dir.to_path_buf()),
        ("other.crl", "01", other.path().to_path_buf()),
    ] {
        let ca_cert = ca.join("ca.crt");
        let ca_key = ca.join("ca.key");
        let made = certplay(
            dir,
            &[
                "crl",
                "--ca-cert",
                ca_cert.to_str().unwrap(),
                "--ca-key",
                ca_key.to_str().unwrap(),
                "--revoke",
                revoke,
                "--out",
                out,
            ],
        );
        assert!(made.status.success(), "{out}: {}", stderr(&made));
    }
    // Plain HTTPS: connect's verdict is then the chain's alone.
    let server = Server::with_files_and(dir, &["--client-auth", "off"]);
    let target = format!("localhost:{}", server.port);
    let url = format!("https://{target}/");
    let ca = dir.join("ca.crt");
    let connect_trusting = |crl: &str| {
        let out = Command::new(certplay_bin())
            .args(["connect", &target, "--crl", crl])
            .current_dir(dir)
            .env("SSL_CERT_FILE", &ca)
            .env_remove("SSL_CERT_DIR")
            .stdin(Stdio::null())
            .output()
            .expect("running certplay connect");
        (
            format!("{}{}", stdout(&out), stderr(&out)),
            out.status.code(),
        )
    };
    let curl_crl = |crl: &str| {
        let out = curl(dir, &["--cacert", "ca.crt", "--crlfile", crl, &url]);
        (out.status.code(), stderr(&out))
    };

    let (text, code) = connect_trusting("revoked.crl");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("trust: refused against the system's trust store with revoked.crl (1 CA): ")
            && text.contains("revoked"),
        "{text}"
    );
    let (code, said) = curl_crl("revoked.crl");
    assert_eq!(code, Some(60), "{said}");
    assert!(said.contains("certificate revoked"), "{said}");

    let (text, code) = connect_trusting("kept.crl");
    assert!(
        text.contains("trust: verified against the system's trust store with kept.crl (1 CA)")
            && text.contains("  revocation: not revoked: the CRL of CN=my-ca (this update ")
            && text.contains(", 1 revoked) does not list the server's certificate"),
        "{text}"
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(
            "verdict: accepted: the server asks for no client certificate; GET was answered HTTP/1.1 200 OK"
        ),
        "{text}"
    );
    let (code, said) = curl_crl("kept.crl");
    assert_eq!(code, Some(0), "{said}");

    let (text, code) = connect_trusting("other.crl");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(
            "revocation not checked: no CRL given is from CN=my-ca, the issuer of the server's \
             certificate (given: the CRL of CN=other-ca); give CN=my-ca's CRL with --crl"
        ),
        "{text}"
    );
    let (code, said) = curl_crl("other.crl");
    assert_eq!(code, Some(60), "{said}");
    assert!(said.contains("unable to get certificate CRL"), "{said}");

    let (text, code) = connect_trusting("expired.crl");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("the CRL of CN=my-ca expired at ")
            && text.contains("get CN=my-ca's current CRL"),
        "{text}"
    );
    let (code, said) = curl_crl("expired.crl");
    assert_eq!(code, Some(60), "{said}");
    assert!(said.contains("CRL has expired"), "{said}");
}

#[test]
fn openssl_s_server_each_client_auth_setting() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let with_client = [
        "--ca",
        "ca.crt",
        "--cert",
        "client.crt",
        "--key",
        "client.key",
    ];

    let required = SServer::start(dir.path(), &["-CAfile", "ca.crt", "-Verify", "1"]);
    let target = required.target();
    let (text, code) = connect(dir.path(), &[&target, "--ca", "ca.crt"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("TLS 1.3: accepted"), "{text}");
    assert!(text.contains("TLS 1.2: accepted"), "{text}");
    assert!(text.contains("client certificate: required; without one: refused: the server ended the handshake with TLS alert certificate_required"), "{text}");
    assert!(text.contains("CA names it lists (1): CN=my-ca\n"), "{text}");
    let mut args = vec![target.as_str()];
    args.extend_from_slice(&with_client);
    let (text, code) = connect(dir.path(), &args);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("accepted: the handshake with it completed\n  GET: HTTP/1.0 200 ok"),
        "{text}"
    );
    // TLS 1.2: OpenSSL refuses a missing certificate inside the handshake.
    let (text, code) = connect(dir.path(), &[&target, "--ca", "ca.crt", "--tls12"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("client certificate: required; without one: refused: the server ended the handshake with TLS alert handshake_failure"), "{text}");
    drop(required);

    let optional = SServer::start(dir.path(), &["-CAfile", "ca.crt", "-verify", "1"]);
    lets_in_without_a_client(dir.path(), &optional.target(), "HTTP/1.0 200 ok");
    drop(optional);

    let none = SServer::start(dir.path(), &["-CAfile", "ca.crt"]);
    let target = none.target();
    let mut args = vec![target.as_str()];
    args.extend_from_slice(&with_client);
    let (text, code) = connect(dir.path(), &args);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("client certificate: not asked for"), "{text}");
    assert!(
        text.contains("not asked for: the server did not request a client certificate"),
        "{text}"
    );
    drop(none);

    let tls12 = SServer::start(
        dir.path(),
        &["-CAfile", "ca.crt", "-Verify", "1", "-tls1_2"],
    );
    let target = tls12.target();
    let mut args = vec![target.as_str()];
    args.extend_from_slice(&with_client);
    let (text, code) = connect(dir.path(), &args);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "TLS 1.3: refused: the server ended the handshake with TLS alert protocol_version"
        ),
        "{text}"
    );
    assert!(
        text.contains("TLS 1.2: accepted: TLS_ECDHE_ECDSA_"),
        "{text}"
    );
    assert!(text.contains("GET: HTTP/1.0 200 ok"), "{text}");
}

#[test]
fn nothing_there_not_tls_and_a_hang_are_told_apart() {
    let dir = temp_dir();
    let port = free_port();
    let (text, code) = connect(dir.path(), &[&format!("127.0.0.1:{port}")]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("nothing listens there (connection refused)"),
        "{text}"
    );

    let chatty = TcpListener::bind("127.0.0.1:0").expect("binds");
    let chatty_port = chatty.local_addr().expect("has an address").port();
    thread::spawn(move || {
        for conn in chatty.incoming().map_while(Result::ok) {
            let mut conn = conn;
            let _ = conn.write_all(b"SSH-2.0-OpenSSH_9.2\r\n");
            thread::sleep(Duration::from_millis(200));
        }
    });
    let (text, code) = connect(dir.path(), &[&format!("127.0.0.1:{chatty_port}")]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("not TLS: the server answered the ClientHello with something else"),
        "{text}"
    );

    let silent = TcpListener::bind("127.0.0.1:0").expect("binds");
    let silent_port = silent.local_addr().expect("has an address").port();
    thread::spawn(move || {
        let held: Vec<_> = silent.incoming().map_while(Result::ok).collect();
        drop(held);
    });
    let (text, code) = connect(
        dir.path(),
        &[&format!("127.0.0.1:{silent_port}"), "--timeout", "1"],
    );
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("no TLS answer within 1 s"), "{text}");
}

/// A blog-style Node https server: `requestCert`, and `rejectUnauthorized`
/// when started with `required`; it prints its port.
const NODE_SERVER: &str = r#"
const https = require('https');
const fs = require('fs');
const options = {
    ca: fs.readFileSync('ca.crt'),
    cert: fs.readFileSync('server.crt'),
    key: fs.readFileSync('server.key'),
    requestCert: true,
    rejectUnauthorized: process.argv[2] === 'required',
};
const server = https.createServer(options, (req, res) => {
  res.statusCode = 200;
  res.end('Hello World');
});
server.listen(0, '127.0.0.1', () => {
  console.log(`port ${server.address().port}`);
});
"#;

/// `node server.js MODE` in `dir`, killed on drop.
struct Node {
    _child: KillOnDrop,
    port: u16,
}

impl Node {
    fn start(dir: &Path, mode: &str) -> Self {
        std::fs::write(dir.join("server.js"), NODE_SERVER).expect("writing server.js");
        let mut child = Command::new("node")
            .args(["server.js", mode])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("node prints its port");
        let port = line
            .trim()
            .strip_prefix("port ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("node printed {line:?}"));
        Self {
            _child: KillOnDrop(child),
            port,
        }
    }
}

#[test]
fn node_request_cert_with_and_without_reject_unauthorized() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    // Another CA, same name layout: Node refuses its client in TLS 1.3 by
    // closing the connection after the handshake, without an alert.
    let other = OtherClient::issue("other-ca", KeyType::EcdsaP256);

    let required = Node::start(dir.path(), "required");
    let target = format!("localhost:{}", required.port);
    requires_a_client_of_ca_crt(
        dir.path(),
        &target,
        &["client certificate: required; without one: refused: the server ended the handshake with TLS alert certificate_required"],
        (&other, &["--tls13"]),
        "refused: the server closed the connection right after the handshake, without an answer or a TLS alert",
    );
    drop(required);

    let optional = Node::start(dir.path(), "optional");
    let target = format!("localhost:{}", optional.port);
    lets_in_without_a_client(dir.path(), &target, "HTTP/1.1 200 OK");
}

/// Debian's nginx, started by the test with its own config and prefix in
/// `dir` (never the system's), stopped on drop.
struct Nginx {
    _child: KillOnDrop,
    port: u16,
}

impl Nginx {
    fn start(dir: &Path, verify_client: &str) -> Self {
        let port = free_port();
        let d = dir.display();
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log info;\nevents {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n\
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n\
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             server {{\n    listen 127.0.0.1:{port} ssl;\n    server_name localhost;\n\
             ssl_certificate {d}/server.crt;\n    ssl_certificate_key {d}/server.key;\n\
             ssl_client_certificate {d}/ca.crt;\n    ssl_verify_client {verify_client};\n\
             ssl_protocols TLSv1.2 TLSv1.3;\n\
             location / {{ return 200 \"Hello World\\n\"; }}\n  }}\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), conf).expect("writing nginx.conf");
        let child = Command::new("/usr/sbin/nginx")
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("nginx runs (Debian's nginx package)");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "nginx did not listen on {port}: {}",
                std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
            );
            thread::sleep(Duration::from_millis(50));
        }
        Self {
            _child: KillOnDrop(child),
            port,
        }
    }
}

#[test]
fn nginx_ssl_verify_client_on_and_optional() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let other = OtherClient::issue("other-ca", KeyType::EcdsaP256);

    let on = Nginx::start(dir.path(), "on");
    let target = format!("localhost:{}", on.port);
    requires_a_client_of_ca_crt(
        dir.path(),
        &target,
        &[
            "TLS 1.3: accepted",
            "client certificate: required in HTTP; without one: the handshake completed with no client certificate sent, and GET was refused: HTTP/1.1 400 Bad Request",
        ],
        (&other, &[]),
        "refused in HTTP: the handshake completed, and GET was answered HTTP/1.1 400 Bad Request",
    );
    drop(on);

    let optional = Nginx::start(dir.path(), "optional");
    let target = format!("localhost:{}", optional.port);
    lets_in_without_a_client(dir.path(), &target, "HTTP/1.1 200 OK");
}

/// `certplay connect` to `target`, a server that requires a client
/// certificate from `ca.crt`: without one, exit 1, each of `without` said,
/// and the CA it lists; with the set's client, exit 0 and GET answered
/// 200; with `other`'s client (and `flags`), exit 1, `other_refused` and
/// the prediction that it is not from a CA the server asked for.
fn requires_a_client_of_ca_crt(
    dir: &Path,
    target: &str,
    without: &[&str],
    (other, flags): (&OtherClient, &[&str]),
    other_refused: &str,
) {
    let (text, code) = connect(dir, &[target, "--ca", "ca.crt"]);
    assert_eq!(code, 1, "{text}");
    for words in without {
        assert!(text.contains(words), "{text}");
    }
    assert!(text.contains("CA names it lists (1): CN=my-ca\n"), "{text}");
    let (text, code) = connect(dir, &with_client(target));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("  GET: HTTP/1.1 200 OK"), "{text}");
    let mut args = vec![
        target,
        "--ca",
        "ca.crt",
        "--cert",
        &other.cert,
        "--key",
        &other.key,
    ];
    args.extend_from_slice(flags);
    let (text, code) = connect(dir, &args);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(other_refused), "{text}");
    assert!(
        text.contains(
            "certplay's prediction: not from a CA it asked for: the chain leads to CN=other-ca"
        ),
        "{text}"
    );
}

/// `certplay connect` to `target`, a server that asks for a client
/// certificate but lets one in without: exit 0, said so, and GET without
/// one answered `answer`.
fn lets_in_without_a_client(dir: &Path, target: &str, answer: &str) {
    let (text, code) = connect(dir, &[target, "--ca", "ca.crt"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("client certificate: optional; without one: accepted"),
        "{text}"
    );
    assert!(
        text.contains(&format!("GET without a client certificate: {answer}")),
        "{text}"
    );
}

#[test]
fn a_pkcs12_client_certificate_from_openssl_or_certplay_and_curls_words_for_a_refusal() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let server = Server::with_files(dir.path());
    let target = format!("localhost:{}", server.port);
    // openssl's own: the CA first in its bags, then the client's.
    certplay_tests::openssl_p12_export(dir.path(), "openssl.p12", "s3cret", false);
    let made = certplay_tests::make_p12(dir.path(), "certplay.p12", &["--password", "s3cret"]);
    assert!(made.status.success(), "{}", stderr(&made));
    for p12 in ["openssl.p12", "certplay.p12"] {
        let (text, code) = connect(
            dir.path(),
            &[
                &target,
                "--ca",
                "ca.crt",
                "--cert",
                p12,
                "--password",
                "pass:s3cret",
            ],
        );
        assert_eq!(code, 0, "{p12}: {text}");
        assert!(
            text.contains("with the client certificate CN=my-client: accepted"),
            "{p12}: {text}"
        );
    }
    let (text, code) = connect(
        dir.path(),
        &[
            &target,
            "--ca",
            "ca.crt",
            "--cert",
            "certplay.p12",
            "--password",
            "pass:wrong",
        ],
    );
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("--cert") && text.contains("password"),
        "{text}"
    );
    let (text, code) = connect(
        dir.path(),
        &[&target, "--ca", "ca.crt", "--cert", "client.crt"],
    );
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("needs --key"), "{text}");

    // Another CA's client in a PKCS#12 file: refused, with what curl
    // prints for that alert, and curl does print it.
    let other = issue_other_ca("other-ca", KeyType::EcdsaP256);
    let made = certplay_tests::make_p12(other.path(), "other.p12", &["--password", "s3cret"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let other_p12 = other.path().join("other.p12");
    let other_p12 = other_p12.to_str().expect("a UTF-8 path");
    let args = [
        target.as_str(),
        "--ca",
        "ca.crt",
        "--cert",
        other_p12,
        "--password",
        "pass:s3cret",
    ];
    let (text, code) = connect(dir.path(), &args);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("curl 7.88.1 (OpenSSL 3.0.0) would print: exit 56: tlsv1 alert unknown ca"),
        "{text}"
    );
    let report = json(dir.path(), &args);
    let expected: certplay_core::lab::clients::Expected =
        serde_json::from_value(report["client_certificate"]["curl"].clone()).expect("curl's words");
    let curl = certplay_tests::curl_with_p12(dir.path(), other_p12, "s3cret", &server.url());
    let said = format!("{}{}", stdout(&curl), stderr(&curl));
    assert!(
        expected.matches(curl.status.code().unwrap_or(-1), &said),
        "connect said curl prints {expected}; curl printed (exit {:?}): {said}",
        curl.status.code()
    );
}
