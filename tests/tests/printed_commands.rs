//! Every command line `certplay issue` and `certplay serve` print is run as
//! printed (taken from the real output, run by `sh`, with the real curl)
//! and gets `Hello World`, or the refusal it says it will get, for each
//! option that changes where or how to connect (issues 23 and 28).
//!
//! The one rule applied to a printed line before it runs: `certplay issue`
//! prints its commands for port 3001, which another program may hold on a
//! shared machine, so `3001` becomes a free port in the serve line and the
//! curl lines alike, and the serve line gets `--page-port 0` (its page
//! would otherwise take 8080). `certplay` in a printed line is this
//! workspace's binary (first on PATH).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use certplay_tests::{certplay, certplay_bin, free_port, stderr, stdout, temp_dir};

/// PATH with this workspace's `certplay` first.
fn path_with_certplay() -> String {
    let bin = certplay_bin();
    let dir = bin.parent().expect("the binary's directory");
    let path = std::env::var("PATH").unwrap_or_default();
    format!("{}:{path}", dir.display())
}

/// `line` run by `sh` in `dir`, as a person pastes it, within 30 s.
fn sh(dir: &Path, line: &str) -> Output {
    Command::new("timeout")
        .args(["30", "sh", "-c", line])
        .current_dir(dir)
        .env("PATH", path_with_certplay())
        .stdin(Stdio::null())
        .output()
        .expect("running sh")
}

/// A `certplay serve` started from a line, stopped on drop.
struct Serving {
    child: Child,
    /// What it printed up to its curl lines (and the note after them).
    printed: String,
}

impl Serving {
    /// Runs `line` (a `certplay serve ...` command) by `sh` in `dir` and
    /// waits for its "Try it" curl line.
    fn start(dir: &Path, line: &str) -> Serving {
        let mut child = Command::new("sh")
            .args(["-c", &format!("exec {line}")])
            .current_dir(dir)
            .env("PATH", path_with_certplay())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting certplay serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
            for line in lines.by_ref() {
                text.push_str(&line);
                text.push('\n');
                if line.trim_start().starts_with("curl ") {
                    break;
                }
            }
            // The line after the curl line, if it is a note about it.
            let _ = tx.send(text.clone());
            for line in lines {
                if line.trim_start().starts_with('(') {
                    text.push_str(&line);
                    text.push('\n');
                    let _ = tx.send(text.clone());
                }
            }
        });
        let printed = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("`{line}` printed no curl line within 30 s")
            });
        // A note, when there is one, follows at once.
        let printed = rx
            .recv_timeout(Duration::from_millis(500))
            .unwrap_or(printed);
        Serving { child, printed }
    }

    /// The printed curl line.
    fn curl_line(&self) -> String {
        curl_lines(&self.printed)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no curl line in:\n{}", self.printed))
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn curl_lines(printed: &str) -> Vec<String> {
    printed
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("curl "))
        .map(str::to_owned)
        .collect()
}

/// Runs a printed curl line and expects `Hello World`.
fn assert_hello(dir: &Path, line: &str, context: &str) {
    let ran = sh(dir, line);
    assert_eq!(
        stdout(&ran),
        "Hello World\n",
        "`{line}` failed (exit {:?}): {}\n{context}",
        ran.status.code(),
        stderr(&ran)
    );
}

/// `certplay issue ARGS --out pki` in `dir`, then its printed serve line
/// started (3001 made a free port) and every printed curl line run.
fn issue_then_try(args: &[&str]) -> String {
    let dir = temp_dir();
    let d = dir.path();
    let mut all = vec!["issue", "--out", "pki"];
    all.extend_from_slice(args);
    let issued = certplay(d, &all);
    assert!(issued.status.success(), "{args:?}: {}", stderr(&issued));
    let said = stdout(&issued);
    let port = free_port().to_string();
    let lines: Vec<String> = said
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("certplay serve ") || l.starts_with("curl "))
        .map(|l| {
            l.replace("--port 3001", &format!("--port {port}"))
                .replace(":3001", &format!(":{port}"))
        })
        .collect();
    let serve = lines
        .iter()
        .find(|l| l.starts_with("certplay serve "))
        .unwrap_or_else(|| panic!("{args:?}: no serve line in:\n{said}"));
    let serving = Serving::start(d, &format!("{serve} --page-port 0"));
    let curls = curl_lines(&lines.join("\n"));
    assert!(!curls.is_empty(), "{args:?}: no curl line in:\n{said}");
    for line in &curls {
        assert_hello(
            d,
            line,
            &format!("certplay issue {args:?} printed:\n{said}"),
        );
    }
    drop(serving);
    said
}

#[test]
fn issue_prints_commands_that_work_for_every_kind_of_server_name() {
    let blog = issue_then_try(&[]);
    assert!(blog.contains("https://localhost:3001"), "{blog}");
    // A DNS name that resolves nowhere: curl is told where it is.
    let dns = issue_then_try(&["--san", "api.test"]);
    assert!(dns.contains("--resolve api.test:3001:127.0.0.1"), "{dns}");
    // Addresses the server does not listen on: curl connects to 127.0.0.1
    // and still checks the certificate against the address.
    let other_loopback = issue_then_try(&["--san", "127.0.0.2"]);
    assert!(
        other_loopback
            .contains("--connect-to 127.0.0.2:3001:127.0.0.1:3001 https://127.0.0.2:3001"),
        "{other_loopback}"
    );
    let elsewhere = issue_then_try(&["--san", "192.0.2.1"]);
    assert!(
        elsewhere.contains("--connect-to 192.0.2.1:3001:127.0.0.1:3001"),
        "{elsewhere}"
    );
    let v6 = issue_then_try(&["--san", "::1"]);
    assert!(
        v6.contains("--connect-to '[::1]:3001:127.0.0.1:3001'"),
        "{v6}"
    );
    let wildcard = issue_then_try(&["--san", "*.example.test"]);
    assert!(
        wildcard.contains("https://www.example.test:3001"),
        "{wildcard}"
    );
}

#[test]
fn issue_prints_chain_files_that_work_under_an_intermediate() {
    let said = issue_then_try(&["--intermediate", "--client", "alice", "--client", "bob"]);
    assert!(said.contains("--cert pki/server-chain.crt"), "{said}");
    assert_eq!(curl_lines(&said).len(), 2, "{said}");
}

/// `certplay issue ARGS --out .` into a fresh directory.
fn issued(args: &[&str]) -> certplay_tests::TempDir {
    let dir = temp_dir();
    let mut all = vec!["issue", "--out", "."];
    all.extend_from_slice(args);
    let out = certplay(dir.path(), &all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    dir
}

const FILES: &str = "certplay serve --ca ca.crt --cert server.crt --key server.key --no-page";

#[test]
fn serve_prints_a_curl_that_works_wherever_it_listens() {
    let blog = issued(&[]);
    let d = blog.path();
    for extra in [
        "--port 0",
        "--port 0 --bind 127.0.0.2",
        "--port 0 --client-auth optional",
        "--port 0 --tls13-only",
    ] {
        let serving = Serving::start(d, &format!("{FILES} {extra}"));
        assert_hello(d, &serving.curl_line(), &serving.printed);
    }
    let port = free_port();
    let serving = Serving::start(d, &format!("{FILES} --port {port}"));
    let line = serving.curl_line();
    assert!(
        line.ends_with(&format!("https://localhost:{port}")),
        "{line}"
    );
    assert_hello(d, &line, &serving.printed);
    drop(serving);

    // `--bind 127.0.0.2`: localhost leads to 127.0.0.1, so curl is told.
    let serving = Serving::start(d, &format!("{FILES} --port 0 --bind 127.0.0.2"));
    assert!(
        serving.curl_line().contains("--resolve localhost:"),
        "{}",
        serving.printed
    );
    drop(serving);

    for (san, route) in [
        ("api.test", "--resolve api.test:"),
        ("192.0.2.1", "--connect-to 192.0.2.1:"),
    ] {
        let dir = issued(&["--san", san]);
        let serving = Serving::start(dir.path(), &format!("{FILES} --port 0"));
        let line = serving.curl_line();
        assert!(line.contains(route), "{line}");
        assert_hello(dir.path(), &line, &serving.printed);
    }
}

#[test]
fn serve_prints_chain_files_under_an_intermediate() {
    let dir = issued(&["--intermediate"]);
    let d = dir.path();
    let serving = Serving::start(
        d,
        "certplay serve --ca ca.crt --cert server-chain.crt --key server.key --no-page --port 0",
    );
    let line = serving.curl_line();
    assert!(line.contains("--cert client-chain.crt"), "{line}");
    assert_hello(d, &line, &serving.printed);
}

/// After `serve --crl`, the printed curl is a client the CRL does not
/// revoke; when it revokes them all, the line says curl will be refused.
#[test]
fn serve_with_a_crl_prints_a_client_it_has_not_revoked() {
    let dir = issued(&["--preset", "two-clients"]);
    let d = dir.path();
    let serial = |cert: &str| {
        let out = Command::new("openssl")
            .args(["x509", "-noout", "-serial", "-in", cert])
            .current_dir(d)
            .output()
            .expect("openssl");
        stdout(&out).trim().trim_start_matches("serial=").to_owned()
    };
    let (alice, bob) = (serial("alice.crt"), serial("bob.crt"));
    let crl = |out: &str, serials: &[&str]| {
        let mut args = vec![
            "crl",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "ca.key",
            "--out",
            out,
        ];
        for serial in serials {
            args.extend(["--revoke", serial]);
        }
        let made = certplay(d, &args);
        assert!(made.status.success(), "{}", stderr(&made));
    };
    crl("alice.crl", &[&alice]);
    crl("both.crl", &[&alice, &bob]);

    let serving = Serving::start(d, &format!("{FILES} --port 0 --crl alice.crl"));
    let line = serving.curl_line();
    assert!(line.contains("--cert bob.crt"), "{line}");
    assert_hello(d, &line, &serving.printed);
    drop(serving);

    let serving = Serving::start(d, &format!("{FILES} --port 0 --crl both.crl"));
    let line = serving.curl_line();
    assert!(
        serving.printed.contains("is revoked by both.crl"),
        "{}",
        serving.printed
    );
    let refused = sh(d, &line);
    assert!(!refused.status.success(), "{line}: {}", stdout(&refused));
    assert!(!stdout(&refused).contains("Hello World"));
}
