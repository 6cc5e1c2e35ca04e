//! `certplay serve --broken` against real clients: every endpoint, as the
//! real binary writes it in broken.json, tried with curl, `openssl
//! s_client`, Python's ssl module and Node's https client, all at once;
//! each must accept or refuse exactly as the table says (curl and openssl
//! with the exit code and the words, Python and Node with the HTTP status
//! and the TLS version they got). What the server printed is the same
//! table.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use certplay_core::lab::clients::{Expected, Program};
use certplay_core::lab::TlsVersion;
use certplay_server::broken::{BrokenIndex, Endpoint, EndpointInfo, Try};
use certplay_tests::client::{run_with_input, Said};
use certplay_tests::{certplay_bin, temp_dir};

/// Python's client: one GET with a default context (the CA, the CRL
/// checked for the leaf, the client certificate when given); prints
/// `accepted STATUS VERSION` or `refused ERROR`.
const PYTHON: &str = r#"
import http.client, json, ssl, sys
a = json.loads(sys.argv[1])
ctx = ssl.create_default_context(cafile=a["ca"])
if a["crl"]:
    ctx.load_verify_locations(a["crl"])
    ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
if a["cert"]:
    ctx.load_cert_chain(a["cert"], a["key"])
conn = http.client.HTTPSConnection(a["host"], a["port"], context=ctx, timeout=20)
try:
    conn.request("GET", "/")
    version = conn.sock.version()
    response = conn.getresponse()
    response.read()
    print("accepted", response.status, version)
except Exception as e:
    print("refused", type(e).__name__, e)
    sys.exit(1)
"#;

/// Node's client: `https.get` with the CA (and CRL, client certificate);
/// prints `accepted STATUS VERSION` or `refused CODE MESSAGE`.
const NODE: &str = r#"
const https = require('https');
const fs = require('fs');
const a = JSON.parse(process.argv[1]);
const options = { host: a.host, port: a.port, path: '/', agent: false, ca: fs.readFileSync(a.ca) };
if (a.crl) options.crl = fs.readFileSync(a.crl);
if (a.cert) { options.cert = fs.readFileSync(a.cert); options.key = fs.readFileSync(a.key); }
const request = https.get(options, (response) => {
  const version = response.socket.getProtocol();
  response.resume();
  response.on('end', () => console.log('accepted', response.statusCode, version));
});
request.on('error', (e) => { console.log('refused', e.code || '', e.message); process.exitCode = 1; });
request.setTimeout(20000, () => request.destroy(new Error('timed out')));
"#;

/// The request openssl s_client sends (`-ign_eof`: it reads the answer).
const REQUEST: &str = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

#[test]
fn every_endpoint_is_accepted_or_refused_by_curl_openssl_python_and_node_as_the_table_says() {
    let root = temp_dir();
    let dir = root.path().join("broken");
    let server = BrokenServer::start(root.path(), &dir);
    let json = std::fs::read_to_string(dir.join("broken.json")).expect("broken.json");
    let index: BrokenIndex = serde_json::from_str(&json).expect("broken.json reads back");

    let names: Vec<Endpoint> = index.endpoints.iter().map(|e| e.name).collect();
    assert_eq!(names, Endpoint::ALL, "one endpoint each, in order");
    let refused: Vec<&str> = index
        .endpoints
        .iter()
        .filter(|e| e.refuse)
        .map(|e| e.name.name())
        .collect();
    assert_eq!(
        refused,
        [
            "expired",
            "not-yet-valid",
            "wrong-host",
            "self-signed",
            "untrusted-root",
            "incomplete-chain",
            "revoked",
            "no-subject-alt-name",
            "x509-v1",
            "rsa-1024"
        ],
        "what a correct client refuses"
    );
    // The printed table is the JSON's: each try's URL and curl words.
    for endpoint in &index.endpoints {
        for tried in &endpoint.tries {
            let words = &tried.curl_prints.printed[0].words;
            assert!(
                server.stdout.lines().any(|l| l.contains(&endpoint.url)
                    && l.contains(words.as_str())
                    && l.contains(endpoint.name.name())),
                "no line for {} with {words:?}:\n{}",
                endpoint.name,
                server.stdout
            );
        }
    }

    // Every client program at every try, all at once.
    let (tx, rx) = mpsc::channel();
    let mut jobs = 0;
    for endpoint in &index.endpoints {
        for tried in &endpoint.tries {
            for program in Program::ALL {
                let (tx, endpoint, tried, dir) =
                    (tx.clone(), endpoint.clone(), tried.clone(), dir.clone());
                let (cert, key) = (index.client_cert.clone(), index.client_key.clone());
                let ca = index.ca.clone();
                jobs += 1;
                thread::spawn(move || {
                    let said = run_client(program, &endpoint, &tried, &ca, &cert, &key, &dir);
                    let _ = tx.send((endpoint.name, tried.client_certificate, program, said));
                });
            }
        }
    }
    drop(tx);
    let mut rows: BTreeMap<(Endpoint, bool), BTreeMap<Program, String>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (name, with_cert, program, said) in rx.iter().take(jobs) {
        let endpoint = index
            .endpoints
            .iter()
            .find(|e| e.name == name)
            .expect("listed");
        let tried = endpoint
            .tries
            .iter()
            .find(|t| t.client_certificate == with_cert)
            .expect("tried");
        let (ok, expected) = judge(program, endpoint, tried, &said);
        let cell = if ok {
            format!("ok {}", said.short())
        } else {
            wrong.push(format!(
                "{name}{} {}: expected {expected}, got exit {:?}:\n{}",
                if with_cert { " +client.crt" } else { "" },
                program.name(),
                said.exit,
                said.output
            ));
            format!("WRONG {}", said.short())
        };
        rows.entry((name, with_cert))
            .or_default()
            .insert(program, cell);
    }
    let table: Vec<String> = rows
        .iter()
        .map(|((name, with_cert), cells)| {
            let cells: Vec<String> = cells
                .iter()
                .map(|(p, c)| format!("{}: {c}", p.name()))
                .collect();
            format!(
                "{name}{}: {}",
                if *with_cert { " +client.crt" } else { "" },
                cells.join(" | ")
            )
        })
        .collect();
    println!("{}", table.join("\n"));
    assert_eq!(rows.values().map(BTreeMap::len).sum::<usize>(), jobs);
    assert!(
        wrong.is_empty(),
        "{} of {jobs} runs disagree with broken.json:\n{}\n\n{}",
        wrong.len(),
        wrong.join("\n\n"),
        table.join("\n")
    );
    drop(server);
}

/// `certplay connect` (rustls) against every endpoint, with and without
/// the client certificate, given the CA (and the CRL where there is one,
/// as a correct client checks it): its verdict and exit code are what the
/// table's "a correct client must" column says, with core's reason where
/// the table gives one, and its words never blame the server for a
/// refusal that was its own.
#[test]
fn every_endpoint_is_judged_by_certplay_connect_as_a_correct_client_must() {
    let root = temp_dir();
    let dir = root.path().join("broken");
    let server = BrokenServer::start(root.path(), &dir);
    let json = std::fs::read_to_string(dir.join("broken.json")).expect("broken.json");
    let index: BrokenIndex = serde_json::from_str(&json).expect("broken.json reads back");
    let (tx, rx) = mpsc::channel();
    let mut jobs = 0;
    for endpoint in &index.endpoints {
        for tried in &endpoint.tries {
            let mut args = vec![
                "connect".to_owned(),
                "--json".into(),
                "--ca".into(),
                index.ca.clone(),
            ];
            if let Some(crl) = &endpoint.crl {
                args.extend(["--crl".into(), crl.clone()]);
            }
            if tried.client_certificate {
                args.extend([
                    "--cert".into(),
                    index.client_cert.clone(),
                    "--key".into(),
                    index.client_key.clone(),
                ]);
            }
            args.push(endpoint.url.clone());
            let (tx, endpoint, with_cert, cwd) = (
                tx.clone(),
                endpoint.clone(),
                tried.client_certificate,
                root.path().to_owned(),
            );
            jobs += 1;
            thread::spawn(move || {
                let out = Command::new(certplay_bin())
                    .args(&args)
                    .current_dir(cwd)
                    .stdin(Stdio::null())
                    .output()
                    .expect("running certplay connect");
                let _ = tx.send((endpoint, with_cert, args, out));
            });
        }
    }
    drop(tx);
    let mut wrong = Vec::new();
    let mut table = Vec::new();
    for (endpoint, with_cert, args, out) in rx.iter().take(jobs) {
        let text = String::from_utf8_lossy(&out.stdout);
        let report: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "certplay {}: not JSON ({e}):\n{text}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let code = out.status.code();
        let refused_trust = &report["trust"]["refused"];
        let kind = (!refused_trust.is_null()).then(|| {
            serde_json::from_value::<certplay_core::verify::Reason>(refused_trust.clone())
                .expect("core's reason")
                .kind()
        });
        let mode = report["client_auth"]["mode"].as_str().unwrap_or_default();
        let without = report["client_auth"]["without_certificate"]
            .as_str()
            .unwrap_or_default();
        let versions: Vec<&str> = report["versions"]
            .as_array()
            .expect("versions")
            .iter()
            .filter(|v| v["accepted"] == true)
            .filter_map(|v| v["version"].as_str())
            .collect();
        let name = format!(
            "{}{}",
            endpoint.name,
            if with_cert { " +client.crt" } else { "" }
        );
        let mut problems = Vec::new();
        let mut expect = |ok: bool, what: &str| {
            if !ok {
                problems.push(what.to_owned());
            }
        };
        if endpoint.refuse {
            expect(code == Some(1), "exit 1 (refused)");
            expect(kind.is_some(), "the server's certificate refused (trust)");
            if let Some(reason) = &endpoint.reason {
                expect(
                    kind == Some(reason.kind()),
                    &format!("reason {}", reason.kind()),
                );
            } else {
                // No reason of core's: the key's size (`refuse: RSA-1024
                // (under 2048)`), named in the words.
                let key = endpoint.must.split_whitespace().nth(1).unwrap_or("?");
                expect(
                    refused_trust.to_string().contains(key),
                    &format!("words naming {key}"),
                );
            }
            // Its own refusal is not the server's.
            expect(
                mode == "not asked" || mode == "not reached",
                &format!("client certificate not asked / not reached, not {mode:?}: {without}"),
            );
        } else {
            expect(kind.is_none(), "the server's certificate verified");
            let version = match endpoint.tls_version {
                TlsVersion::Tls13 => "TLS 1.3",
                TlsVersion::Tls12 => "TLS 1.2",
            };
            expect(versions.contains(&version), &format!("{version} accepted"));
            match endpoint.name {
                Endpoint::ClientCertificateRequired if !with_cert => {
                    expect(code == Some(1), "exit 1: refused without client.crt");
                    expect(mode == "required", "client certificate required");
                }
                Endpoint::ClientCertificateOptional if !with_cert => {
                    // The handshake takes it; GET is refused in HTTP.
                    expect(code == Some(1), "exit 1: refused in HTTP");
                    expect(mode == "required in HTTP", "required in HTTP");
                    expect(
                        report["client_auth"]["http"]
                            .as_str()
                            .is_some_and(|line| line.contains(" 401 ")),
                        "HTTP 401 without client.crt",
                    );
                }
                Endpoint::Tls12Only | Endpoint::Tls13Only => {
                    expect(code == Some(0), "exit 0");
                    expect(versions == [version], &format!("{version} only"));
                }
                _ => {
                    expect(code == Some(0), "exit 0 (accepted)");
                    if with_cert {
                        expect(
                            report["client_certificate"]["accepted"] == true,
                            "client.crt accepted",
                        );
                    }
                }
            }
        }
        table.push(format!(
            "{name}: exit {code:?}, trust {kind:?}, client certificate {mode}"
        ));
        if !problems.is_empty() {
            wrong.push(format!(
                "{name} ({}): expected {}\n  certplay {}\n{text}",
                endpoint.must,
                problems.join("; "),
                args.join(" ")
            ));
        }
    }
    table.sort();
    println!("{}", table.join("\n"));
    assert!(
        wrong.is_empty(),
        "certplay connect disagrees with the table:\n{}\n\n{}",
        wrong.join("\n\n"),
        table.join("\n")
    );
    drop(server);
}

#[test]
fn a_file_certplay_did_not_make_in_the_directory_stops_it_and_stays_as_it_was() {
    let root = temp_dir();
    let dir = root.path().join("broken");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("ca.crt"), b"my own CA\n").expect("write");
    let out = Command::new(certplay_bin())
        .args(["serve", "--broken", "--port", "0", "--broken-dir"])
        .arg(&dir)
        .current_dir(root.path())
        .stdin(Stdio::null())
        .output()
        .expect("running certplay");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "started over a file of mine: {err}");
    assert!(
        err.contains("ca.crt was not made by certplay") && err.contains("--broken-dir"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(dir.join("ca.crt")).expect("read"),
        b"my own CA\n"
    );
    let left: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left, ["ca.crt"], "nothing else written");
}

/// A client's exit code and the line of its output that says what
/// happened.
trait Short {
    fn short(&self) -> String;
}

impl Short for Said {
    fn short(&self) -> String {
        let line = self
            .output
            .lines()
            .find(|l| {
                l.starts_with("accepted")
                    || l.starts_with("refused")
                    || l.contains("curl:")
                    || l.contains("verify error")
                    || l.contains("alert")
                    || l.contains("Hello World")
                    || l.contains("401")
            })
            .unwrap_or_default();
        format!("exit {:?} {}", self.exit, line.trim())
    }
}

/// Whether `said` is what broken.json says `program` does, and what that
/// is in words.
fn judge(program: Program, endpoint: &EndpointInfo, tried: &Try, said: &Said) -> (bool, String) {
    let code = said.exit.unwrap_or(-1);
    let by_table =
        |expected: &Expected| (expected.matches(code, &said.output), expected.to_string());
    match program {
        Program::Curl => by_table(&tried.curl_prints),
        Program::Openssl => by_table(&tried.openssl_prints),
        Program::Python | Program::Node => {
            let accepted = tried.accepted[&program];
            let version = match (program, endpoint.tls_version) {
                (Program::Python, TlsVersion::Tls13) => "TLSv1.3",
                (Program::Python, TlsVersion::Tls12) => "TLSv1.2",
                (_, TlsVersion::Tls13) => "TLSv1.3",
                (_, TlsVersion::Tls12) => "TLSv1.2",
            };
            let wanted = format!("accepted {} {version}", tried.status);
            let first = said.output.lines().next().unwrap_or_default();
            if accepted {
                (code == 0 && first == wanted, wanted)
            } else {
                (code != 0 && first.starts_with("refused"), "refused".into())
            }
        }
    }
}

/// Runs `program` against `endpoint` as `tried` says.
fn run_client(
    program: Program,
    endpoint: &EndpointInfo,
    tried: &Try,
    ca: &str,
    cert: &str,
    key: &str,
    dir: &Path,
) -> Said {
    let port = endpoint.address.port();
    let arguments = || {
        let identity = tried.client_certificate;
        serde_json::json!({
            "host": "localhost",
            "port": port,
            "ca": ca,
            "crl": endpoint.crl,
            "cert": identity.then_some(cert),
            "key": identity.then_some(key),
        })
        .to_string()
    };
    match program {
        Program::Curl => {
            let mut args: Vec<String> = ["--silent", "--show-error", "--max-time", "20"]
                .map(String::from)
                .to_vec();
            args.extend(tried.curl.iter().skip(1).cloned());
            run_with_input(dir, "curl", &args, "")
        }
        Program::Openssl => {
            let mut args: Vec<String> = tried.openssl.iter().skip(1).cloned().collect();
            args.push("-ign_eof".into());
            run_with_input(dir, "openssl", &args, REQUEST)
        }
        Program::Python => run_with_input(
            dir,
            "python3",
            &["-c".into(), PYTHON.into(), arguments()],
            "",
        ),
        Program::Node => run_with_input(dir, "node", &["-e".into(), NODE.into(), arguments()], ""),
    }
}

/// `certplay serve --broken --port 0` running, with what it printed.
struct BrokenServer {
    child: Child,
    stdout: String,
}

impl BrokenServer {
    /// Starts it in `cwd` writing into `dir`; returns once it printed its
    /// table (every endpoint listens by then).
    fn start(cwd: &Path, dir: &Path) -> Self {
        let mut child = Command::new(certplay_bin())
            .args(["serve", "--broken", "--port", "0", "--broken-dir"])
            .arg(dir)
            .current_dir(cwd)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting certplay");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut printed = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                panic!("certplay serve --broken did not print its table:\n{printed}");
            };
            printed.push_str(&line);
            printed.push('\n');
            if line.trim_start().starts_with("curl ") {
                break;
            }
        }
        thread::spawn(move || while rx.recv().is_ok() {});
        Self {
            child,
            stdout: printed,
        }
    }
}

impl Drop for BrokenServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
