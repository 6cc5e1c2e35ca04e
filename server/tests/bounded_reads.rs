//! Every file certplay reads stops at 4 MiB, whatever the file is: the real
//! binary against `/dev/zero`, `/dev/urandom`, a FIFO, `<(...)` and stdin,
//! for every command and flag that reads a file, and for SIGHUP reloads
//! and the page directory (issue 23, "Reads without a bound"); and the
//! directories it reads from and writes to: a page directory that stays
//! inside itself, parents others cannot write, demo keys only their owner
//! reads (issue 23's other file findings).
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

/// The page's port, from what `serve` printed.
fn page_port(printed: &str) -> String {
    printed
        .split("page on http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the page's address")
        .to_owned()
}

/// The status curl got for `path` of the page (20 s at most).
fn page_status(port: &str, path: &str) -> String {
    let answer = Command::new("curl")
        .args([
            "-sS",
            "--path-as-is",
            "--max-time",
            "20",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ])
        .arg(format!("http://127.0.0.1:{port}/{path}"))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&answer.stdout).into_owned()
}

/// Issue 23, "--page-dir follows links out of itself": a link to
/// /etc/passwd, to ../secret.txt, a linked directory, a dotfile, a link to
/// /dev/zero (once 1.5 GB in 2 s, and SIGTERM ignored) and a FIFO (once a
/// thread per request): each refused, the log says why, and SIGTERM still
/// stops the server at once.
#[test]
fn the_page_directory_serves_only_its_own_regular_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    set(d);
    let page = d.join("page");
    std::fs::create_dir(&page).expect("page dir");
    std::fs::write(page.join("index.html"), "<h1>built</h1>").expect("index");
    std::fs::write(d.join("secret.txt"), "secret").expect("secret");
    std::fs::write(page.join(".env"), "TOKEN=1").expect("dotfile");
    for (target, link) in [
        ("/etc/passwd", "passwd-link"),
        ("../secret.txt", "secret.txt"),
        ("/etc", "etc"),
        ("/dev/zero", "zero.js"),
    ] {
        std::os::unix::fs::symlink(target, page.join(link)).expect("link");
    }
    let made = Command::new("mkfifo")
        .arg(page.join("fifo.js"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
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
    let port = page_port(&printed);
    assert_eq!(page_status(&port, "index.html"), "200");
    for (path, status, why) in [
        (
            "passwd-link",
            "403",
            "leads out of the page directory, to /etc/passwd",
        ),
        ("secret.txt", "403", "secret.txt"),
        ("etc/passwd", "403", "to /etc/passwd"),
        ("zero.js", "403", "to /dev/zero"),
        ("fifo.js", "403", "it is a FIFO"),
        ("../secret.txt", "404", ""),
        (".env", "404", ""),
    ] {
        assert_eq!(page_status(&port, path), status, "{path}");
        if !why.is_empty() {
            wait_for(&mut child, &log, why);
        }
    }
    // Many FIFO requests at once tie up nothing: each is answered.
    let fifos: Vec<_> = (0..40)
        .map(|_| {
            let port = port.clone();
            std::thread::spawn(move || page_status(&port, "fifo.js"))
        })
        .collect();
    for fifo in fifos {
        assert_eq!(fifo.join().expect("curl thread"), "403");
    }
    stop(child);
}

/// Issue 23: a page directory others can write (777), or that belongs to
/// another user, is refused as `--demo-dir` is, in words, before serving.
#[test]
fn a_page_directory_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    set(d);
    let page = d.join("page");
    std::fs::create_dir(&page).expect("page dir");
    std::fs::write(page.join("index.html"), "<h1>built</h1>").expect("index");
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
    std::fs::set_permissions(&page, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let output = run(d, &args, "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success()
            && stderr.contains("has mode 0777")
            && stderr.contains("the files served from there")
            && stderr.contains("chmod go-w"),
        "{}",
        said(&output)
    );
    std::fs::set_permissions(&page, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // Another user's: only root can hand a directory to somebody else.
    if std::fs::metadata(d).is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0) {
        std::os::unix::fs::chown(&page, Some(65534), Some(65534)).expect("chown");
        let output = run(d, &args, "");
        assert!(
            !output.status.success()
                && String::from_utf8_lossy(&output.stderr).contains("not to you"),
            "{}",
            said(&output)
        );
    }
}

/// Issue 23: `chmod 777 W; certplay issue --out W/sub` and `serve
/// --demo-dir W/demo` succeeded, so whoever could write W could swap sub
/// later: refused in words, nothing made; /tmp (sticky) stays allowed, as
/// every other test here shows.
#[test]
fn an_output_under_a_directory_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let w = d.join("W");
    std::fs::create_dir(&w).expect("W");
    std::fs::set_permissions(&w, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    for args in [
        &["issue", "--out", "W/sub"][..],
        &["serve", "--demo-dir", "W/demo", "--port", "0", "--no-page"],
        &["csr", "--cn", "x", "--out", "W/csr"],
    ] {
        let output = run(d, args, "");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success()
                && stderr.contains("has mode 0777: other users may rename")
                && stderr.contains("chmod +t"),
            "{args:?}: {}",
            said(&output)
        );
    }
    let left: Vec<_> = std::fs::read_dir(&w).expect("list").collect();
    assert!(left.is_empty(), "{left:?}");
    std::fs::set_permissions(&w, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
    let output = run(d, &["issue", "--out", "W/sub"], "");
    assert!(output.status.success(), "{}", said(&output));
}

/// Issue 23: a demo set whose ca.key and server.key are 0644 was reused
/// without a word: it is reused with a warning that says `chmod 600`.
#[test]
fn a_demo_set_with_readable_keys_is_reused_with_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let args = ["serve", "--demo-dir", "demo", "--port", "0", "--no-page"];
    let (child, _, _) = serve(d, &args);
    stop(child);
    for key in ["ca.key", "server.key"] {
        std::fs::set_permissions(
            d.join("demo").join(key),
            std::fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
    }
    let (mut child, log, _) = serve(d, &args);
    let text = wait_for(&mut child, &log, "chmod 600 demo/server.key");
    assert!(
        text.contains("demo/ca.key has mode 0644")
            && text.contains("chmod 600 demo/ca.key")
            && !text.contains("demo/client.key has mode"),
        "{text}"
    );
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

/// Issue 23: `serve --ca` with a 50 MB bundle took 500 MB of memory,
/// printed a 975 KB start-up line and put about 97,000 CA names into the
/// CertificateRequest. Such a bundle is refused at 4 MiB, in words, before
/// anything is served (a bundle within 4 MiB is trusted whole and named in
/// part: the test above).
#[test]
fn a_50_mb_ca_bundle_is_refused_at_4_mib() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    set(d);
    let ca = std::fs::read_to_string(d.join("set/ca.crt")).expect("ca.crt");
    let copies = 50_000_000 / ca.len() + 1;
    std::fs::write(d.join("set/huge.crt"), ca.repeat(copies)).expect("bundle");
    let args = [
        "serve",
        "--ca",
        "set/huge.crt",
        "--cert",
        "set/server.crt",
        "--key",
        "set/server.key",
        "--port",
        "0",
        "--no-page",
    ];
    let output = run(d, &args, "");
    assert_stopped_at_the_limit(&args, &output);
    assert!(
        output.stdout.len() < 4096 && !String::from_utf8_lossy(&output.stdout).contains("curl"),
        "{}",
        said(&output)
    );
}
