//! Every file certplay reads stops at 4 MiB, whatever the file is: the real
//! binary against `/dev/zero`, `/dev/urandom`, a FIFO, `<(...)` and stdin,
//! for every command and flag that reads a file, and for SIGHUP reloads
//! and the page directory (issue 23, "Reads without a bound").
//!
//! Each run has an address-space limit (`ulimit -v`) and a deadline
//! (`timeout`): before the bound, `inspect /dev/zero` grew to 6.7 GB in 20
//! s; now a regression dies at the limit or the deadline and the test says
//! which command it was, without harming the machine.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The address space a one-shot command may use: a few times what
/// certplay needs, far below what reading a 200 MB pipe whole would take.
const ONE_SHOT_KIB: u32 = 256 * 1024;
/// `serve` starts a runtime and its threads, whose stacks and malloc arenas
/// reserve address space they never touch.
const SERVER_KIB: u32 = 1024 * 1024;
/// Seconds before a command that still reads is stopped.
const DEADLINE_SECS: u32 = 30;

/// `certplay ARGS` run by bash in `dir` under the address-space limit and,
/// with `deadline`, [`DEADLINE_SECS`]; `redirect` is shell text after the
/// arguments (`< /dev/zero`); arguments are passed as they are, except
/// those that start with `<(`: process substitutions. Without a deadline
/// bash execs certplay itself: the child's id is certplay's.
fn limited(dir: &Path, kib: u32, deadline: bool, args: &[&str], redirect: &str) -> Command {
    let words: Vec<String> = args
        .iter()
        .map(|arg| {
            if arg.starts_with("<(") {
                (*arg).to_owned()
            } else {
                format!("'{}'", arg.replace('\'', "'\\''"))
            }
        })
        .collect();
    let timeout = if deadline {
        format!("timeout -s KILL {DEADLINE_SECS} ")
    } else {
        String::new()
    };
    let script = format!(
        "ulimit -v {kib}; exec {timeout}'{}' {} {redirect}",
        env!("CARGO_BIN_EXE_certplay"),
        words.join(" ")
    );
    let mut command = Command::new("bash");
    command.args(["-c", &script]).current_dir(dir);
    command
}

fn run(dir: &Path, args: &[&str], redirect: &str) -> Output {
    limited(dir, ONE_SHOT_KIB, true, args, redirect)
        .stdin(Stdio::null())
        .output()
        .expect("running bash")
}

fn said(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The command ran to its end (neither killed at the deadline nor by the
/// memory limit), failed, and said that it stopped at 4 MiB.
fn assert_stopped_at_the_limit(args: &[&str], output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        matches!(output.status.code(), Some(1 | 2)),
        "certplay {args:?} did not end with an error of its own: {}",
        said(output)
    );
    assert!(
        stderr.contains("4 MiB") && stderr.contains("certplay"),
        "certplay {args:?} did not say it stopped at 4 MiB: {}",
        said(output)
    );
}

/// A blog set (ca, server, client) in `dir/set`, with a CSR and a CRL.
fn set(dir: &Path) {
    for args in [
        &["issue", "--out", "set"][..],
        &["csr", "--cn", "alice", "--out", "set"],
        &[
            "crl",
            "--ca-cert",
            "set/ca.crt",
            "--ca-key",
            "set/ca.key",
            "--out",
            "set/ca.crl",
        ],
    ] {
        let output = run(dir, args, "");
        assert!(output.status.success(), "{args:?}: {}", said(&output));
    }
}

#[test]
fn every_flag_that_reads_a_file_stops_at_4_mib_of_an_endless_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    set(d);
    let zero = "/dev/zero";
    let cases: Vec<Vec<&str>> = vec![
        vec!["inspect", zero],
        vec!["inspect", "/dev/urandom"],
        vec!["inspect", "--password-file", zero, "set/ca.crt"],
        vec!["verify", "--ca", "set/ca.crt", "--purpose", "client", zero],
        vec![
            "verify",
            "--ca",
            zero,
            "--purpose",
            "client",
            "set/client.crt",
        ],
        vec![
            "verify",
            "--ca",
            "set/ca.crt",
            "--crl",
            zero,
            "--purpose",
            "client",
            "set/client.crt",
        ],
        vec![
            "verify",
            "--ca",
            "set/ca.crt",
            "--intermediates",
            zero,
            "--purpose",
            "client",
            "set/client.crt",
        ],
        vec![
            "serve",
            "--ca",
            zero,
            "--cert",
            "set/server.crt",
            "--key",
            "set/server.key",
        ],
        vec![
            "serve",
            "--ca",
            "set/ca.crt",
            "--cert",
            zero,
            "--key",
            "set/server.key",
        ],
        vec![
            "serve",
            "--ca",
            "set/ca.crt",
            "--cert",
            "set/server.crt",
            "--key",
            zero,
        ],
        vec![
            "serve",
            "--ca",
            "set/ca.crt",
            "--cert",
            "set/server.crt",
            "--key",
            "set/server.key",
            "--crl",
            zero,
        ],
        vec!["issue", "--out", "a", "--plan", zero],
        vec![
            "issue",
            "--out",
            "b",
            "--ca-cert",
            zero,
            "--ca-key",
            "set/ca.key",
        ],
        vec![
            "issue",
            "--out",
            "c",
            "--ca-cert",
            "set/ca.crt",
            "--ca-key",
            zero,
        ],
        vec![
            "issue",
            "--out",
            "d",
            "--ca-cert",
            "set/ca.crt",
            "--ca-key",
            "set/ca.key",
            "--ca-key-pass",
            "file:/dev/zero",
        ],
        vec!["issue", "--out", "e", "--key", "server=/dev/zero"],
        vec!["csr", "--plan", zero, "--entry", "server", "--out", "f"],
        vec!["csr", "--cn", "x", "--key", zero, "--out", "g"],
        vec![
            "sign",
            "--ca-cert",
            "set/ca.crt",
            "--ca-key",
            "set/ca.key",
            zero,
            "--out",
            "h.crt",
        ],
        vec![
            "sign",
            "--ca-cert",
            zero,
            "--ca-key",
            "set/ca.key",
            "set/alice.csr",
            "--out",
            "i.crt",
        ],
        vec![
            "crl",
            "--ca-cert",
            zero,
            "--ca-key",
            "set/ca.key",
            "--out",
            "j.crl",
        ],
        vec![
            "crl",
            "--ca-cert",
            "set/ca.crt",
            "--ca-key",
            zero,
            "--out",
            "k.crl",
        ],
        vec![
            "p12",
            "--cert",
            zero,
            "--key",
            "set/client.key",
            "--password",
            "pw",
            "--out",
            "l.p12",
        ],
        vec![
            "p12",
            "--cert",
            "set/client.crt",
            "--key",
            zero,
            "--password",
            "pw",
            "--out",
            "m.p12",
        ],
        vec![
            "p12",
            "--cert",
            "set/client.crt",
            "--key",
            "set/client.key",
            "--chain",
            zero,
            "--password",
            "pw",
            "--out",
            "n.p12",
        ],
        vec![
            "p12",
            "--cert",
            "set/client.crt",
            "--key",
            "set/client.key",
            "--password-file",
            zero,
            "--out",
            "o.p12",
        ],
    ];
    for args in &cases {
        let output = run(d, args, "");
        assert_stopped_at_the_limit(args, &output);
    }
}

#[test]
fn stdin_pipes_fifos_and_process_substitution_stop_at_4_mib() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    set(d);
    // 200 MB would not fit in the address-space limit: read whole, the
    // command dies instead of refusing.
    let output = run(d, &["inspect", "<(head -c 200M /dev/zero)"], "");
    assert_stopped_at_the_limit(&["inspect", "<(head -c 200M /dev/zero)"], &output);
    let output = run(d, &["inspect", "-"], "< /dev/zero");
    assert_stopped_at_the_limit(&["inspect", "-", "< /dev/zero"], &output);
    let output = run(
        d,
        &["verify", "--ca", "set/ca.crt", "--purpose", "client", "-"],
        "< /dev/urandom",
    );
    assert_stopped_at_the_limit(&["verify", "-", "< /dev/urandom"], &output);

    let fifo = d.join("fifo.pem");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let mut writer = Command::new("bash")
        .args(["-c", "exec head -c 200M /dev/zero > fifo.pem"])
        .current_dir(d)
        .stderr(Stdio::null())
        .spawn()
        .expect("a writer");
    let output = run(d, &["inspect", "fifo.pem"], "");
    let _ = writer.kill();
    let _ = writer.wait();
    assert_stopped_at_the_limit(&["inspect", "fifo.pem"], &output);
}

/// `certplay serve` under the address-space limit (the test's own waits
/// are its deadlines), its stderr collected; returns once it printed its
/// curl line.
fn serve(dir: &Path, args: &[&str]) -> (Child, std::sync::mpsc::Receiver<String>, String) {
    let mut child = limited(dir, SERVER_KIB, false, args, "")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting certplay");
    let (log_tx, log_rx) = std::sync::mpsc::channel();
    let mut stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut buffer) {
            if n == 0 {
                break;
            }
            let chunk = buffer.get(..n).unwrap_or_default();
            if log_tx
                .send(String::from_utf8_lossy(chunk).into_owned())
                .is_err()
            {
                break;
            }
        }
    });
    let stdout = child.stdout.take().expect("stdout");
    let (out_tx, out_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            text.push_str(&line);
            text.push('\n');
            if line.trim_start().starts_with("curl ") {
                let _ = out_tx.send(text.clone());
            }
        }
    });
    let printed = out_rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("certplay serve did not start")
        });
    (child, log_rx, printed)
}

/// Waits until the log holds `needle`; fails with the log after 20 s or
/// when the server is gone.
fn wait_for(child: &mut Child, log: &std::sync::mpsc::Receiver<String>, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut text = String::new();
    while !text.contains(needle) {
        if let Ok(chunk) = log.recv_timeout(Duration::from_millis(100)) {
            text.push_str(&chunk);
        }
        let gone = child.try_wait().expect("wait").map(|s| s.to_string());
        assert!(
            gone.is_none() || text.contains(needle),
            "certplay serve ended ({gone:?}) before logging {needle:?}; its log:\n{text}"
        );
        assert!(
            Instant::now() < deadline,
            "certplay serve never logged {needle:?}; its log:\n{text}"
        );
    }
    text
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("certplay serve ignored SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_sighup_reload_of_an_endless_file_keeps_the_running_certificates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    set(d);
    let args = [
        "serve",
        "--ca",
        "set/ca.crt",
        "--cert",
        "set/server.crt",
        "--key",
        "set/server.key",
        "--port",
        "0",
        "--no-page",
    ];
    let (mut child, log, _) = serve(d, &args);
    std::fs::remove_file(d.join("set/ca.crt")).expect("remove");
    std::os::unix::fs::symlink("/dev/zero", d.join("set/ca.crt")).expect("link");
    let hup = Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(hup.success());
    let text = wait_for(&mut child, &log, "SIGHUP: kept the running certificates");
    assert!(text.contains("4 MiB"), "{text}");
    stop(child);
}

#[test]
fn the_page_directory_serves_no_endless_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    set(d);
    let page = d.join("page");
    std::fs::create_dir(&page).expect("page dir");
    std::fs::write(page.join("index.html"), "<h1>built</h1>").expect("index");
    std::os::unix::fs::symlink("/dev/zero", page.join("zero.js")).expect("link");
    let page_dir = page.display().to_string();
    let args = [
        "serve",
        "--ca",
        "set/ca.crt",
        "--cert",
        "set/server.crt",
        "--key",
        "set/server.key",
        "--port",
        "0",
        "--page-port",
        "0",
        "--page-dir",
        &page_dir,
    ];
    let (mut child, log, printed) = serve(d, &args);
    let port = printed
        .split("page on http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the page's address")
        .to_owned();
    let answer = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "20",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ])
        .arg(format!("http://127.0.0.1:{port}/zero.js"))
        .output()
        .expect("curl");
    assert_eq!(String::from_utf8_lossy(&answer.stdout), "403");
    let text = wait_for(&mut child, &log, "not serving");
    assert!(text.contains("zero.js"), "{text}");
    stop(child);
}

/// A bundle whose CA names alone pass the 100 KiB OpenSSL clients accept
/// in a handshake message: every CA is trusted, the CertificateRequest
/// names the first 16 KiB of them and the log says how many it left out,
/// the start-up line lists a few, and the printed curl gets Hello World.
#[test]
fn a_bundle_of_many_cas_is_trusted_whole_and_named_in_part() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    set(d);
    // A CA with a name of about 1 KB (15 OUs of 64 characters).
    let long: String = (0..15)
        .map(|n| format!("/OU={n:02}{}", "x".repeat(62)))
        .collect();
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args([
            "-nodes", "-keyout", "big.key", "-out", "big.crt", "-days", "2",
        ])
        .args(["-subj", &format!("/CN=big{long}")])
        .current_dir(d)
        .output()
        .expect("openssl");
    assert!(made.status.success(), "{}", said(&made));
    let big = std::fs::read_to_string(d.join("big.crt")).expect("big.crt");
    let ca = std::fs::read_to_string(d.join("set/ca.crt")).expect("ca.crt");
    std::fs::write(d.join("set/bundle.crt"), big.repeat(150) + &ca).expect("bundle");
    let args = [
        "serve",
        "--ca",
        "set/bundle.crt",
        "--cert",
        "set/server.crt",
        "--key",
        "set/server.key",
        "--port",
        "0",
        "--no-page",
    ];
    let (mut child, log, printed) = serve(d, &args);
    assert!(
        printed.contains("and 146 more (set/bundle.crt)"),
        "{printed}"
    );
    let curl = printed
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("curl "))
        .expect("a curl line");
    let ran = Command::new("bash")
        .args(["-c", &format!("timeout 30 {curl}")])
        .current_dir(d)
        .output()
        .expect("curl");
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "Hello World\n",
        "{}",
        said(&ran)
    );
    let text = wait_for(&mut child, &log, "names only the first");
    assert!(text.contains("are left out"), "{text}");
    stop(child);
}
