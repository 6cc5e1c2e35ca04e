//! The `certplay` command line, run as a person would.

use std::process::Command;

/// The subcommands a person can run, as `--help` lists them.
const SUBCOMMANDS: [&str; 12] = [
    "serve",
    "issue",
    "inspect",
    "lab",
    "verify",
    "diff",
    "connect",
    "csr",
    "sign",
    "crl",
    "p12",
    "completions",
];

#[test]
fn help_lists_every_subcommand() {
    let out = Command::new(env!("CARGO_BIN_EXE_certplay"))
        .arg("--help")
        .output()
        .expect("running certplay");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    let listed: Vec<&str> = text
        .split("Commands:")
        .nth(1)
        .expect("a Commands: section")
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.split_whitespace().next())
        .take_while(|word| *word != "help")
        .collect();
    assert_eq!(listed, SUBCOMMANDS, "{text}");
}

#[test]
fn issue_writes_the_blogs_six_files_with_private_keys_private() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_certplay"))
        .args(["issue", "--out", "set", "--key-type", "rsa2048"])
        .current_dir(dir.path())
        .output()
        .expect("running certplay");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in [
        "ca.crt",
        "ca.key",
        "server.crt",
        "server.key",
        "client.crt",
        "client.key",
    ] {
        let path = dir.path().join("set").join(name);
        let text = std::fs::read_to_string(&path).expect(name);
        assert!(text.starts_with("-----BEGIN "), "{name}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect(name).permissions().mode() & 0o777;
            let expected = if name.ends_with(".key") { 0o600 } else { 0o644 };
            assert_eq!(mode, expected, "{name}");
        }
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_certplay"))
        .args(["issue", "--key-type", "dsa"])
        .current_dir(dir.path())
        .output()
        .expect("running certplay");
    assert!(!bad.status.success());
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(
        said.contains("choose one of p256, p384, ed25519, rsa2048, rsa3072, rsa4096"),
        "{said}"
    );
}

fn certplay(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_certplay"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running certplay")
}

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn issue_with_an_intermediate_and_named_clients_writes_the_issues_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = certplay(
        dir.path(),
        &[
            "issue",
            "--out",
            "pki",
            "--key-type",
            "p384",
            "--intermediate",
            "--client",
            "alice",
            "--client",
            "bob",
        ],
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut expected = [
        "ca.crt",
        "ca.key",
        "intermediate.crt",
        "intermediate.key",
        "server.crt",
        "server.key",
        "server-chain.crt",
        "alice.crt",
        "alice.key",
        "alice-chain.crt",
        "bob.crt",
        "bob.key",
        "bob-chain.crt",
        "certplay-plan.toml",
    ];
    expected.sort_unstable();
    assert_eq!(names_in(&dir.path().join("pki")), expected);
    // It says what each file is for and what to try next, with the chain.
    assert!(
        said.contains("issued 5 certificate(s) (ECDSA P-384)"),
        "{said}"
    );
    assert!(said.contains("--cert pki/server-chain.crt"), "{said}");
    assert!(
        said.contains("--cert pki/bob-chain.crt --key pki/bob.key https://localhost:3001"),
        "{said}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &str| {
            std::fs::metadata(dir.path().join(p))
                .expect(p)
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("pki"), 0o700);
        assert_eq!(mode("pki/intermediate.key"), 0o600);
        assert_eq!(mode("pki/alice-chain.crt"), 0o644);
    }
}

#[test]
fn issue_never_changes_existing_files_without_force() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(certplay(dir.path(), &["issue", "--out", "pki"])
        .status
        .success());
    let pki = dir.path().join("pki");
    std::fs::remove_file(pki.join("client.crt")).expect("rm");
    std::fs::write(pki.join("ca.key"), b"my own CA key").expect("write");
    let before: Vec<(String, Vec<u8>)> = names_in(&pki)
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(pki.join(&n)).expect("read")))
        .collect();
    let again = certplay(dir.path(), &["issue", "--out", "pki"]);
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success());
    assert!(said.contains("already holds ca.crt, ca.key"), "{said}");
    assert!(said.contains("nothing was written; pass --force"), "{said}");
    let after: Vec<(String, Vec<u8>)> = names_in(&pki)
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(pki.join(&n)).expect("read")))
        .collect();
    assert_eq!(after, before, "not a byte changed, client.crt not written");
    let forced = certplay(dir.path(), &["issue", "--out", "pki", "--force"]);
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    assert_ne!(
        std::fs::read(pki.join("ca.key")).expect("read"),
        b"my own CA key"
    );
}

#[test]
fn the_written_plan_issues_the_same_shape_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = certplay(
        dir.path(),
        &[
            "issue",
            "--out",
            "a",
            "--preset",
            "two-clients",
            "--key-type",
            "ed25519",
            "--days",
            "30",
            "--san",
            "app.test",
        ],
    );
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let again = certplay(
        dir.path(),
        &["issue", "--out", "b", "--plan", "a/certplay-plan.toml"],
    );
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        names_in(&dir.path().join("a")),
        names_in(&dir.path().join("b"))
    );
    let plan = |d: &str| {
        std::fs::read_to_string(dir.path().join(d).join("certplay-plan.toml")).expect("plan")
    };
    assert_eq!(plan("a"), plan("b"));
    assert!(
        plan("b").contains("sans = [\"DNS:app.test\"]"),
        "{}",
        plan("b")
    );
    let broken = std::fs::write(
        dir.path().join("bad.toml"),
        "[[entry]]\nname = \"x\"\nprofile = \"boss\"\n",
    );
    broken.expect("write");
    let bad = certplay(dir.path(), &["issue", "--out", "c", "--plan", "bad.toml"]);
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success());
    assert!(
        said.contains("--plan bad.toml") && said.contains("boss"),
        "{said}"
    );
}

/// Starts `certplay ARGS` in `dir`, reads stdout until the curl line, and
/// returns (child, stdout so far, stderr reader thread).
fn serve_until_curl(dir: &std::path::Path, args: &[&str]) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_certplay"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting certplay");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            text.push_str(&line);
            text.push('\n');
            if line.trim_start().starts_with("curl ") {
                let _ = tx.send(text.clone());
            }
        }
    });
    let text = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("no curl line within 30 s")
        });
    (child, text)
}

fn stop(mut child: std::process::Child) -> String {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while child.try_wait().expect("wait").is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "certplay did not stop on SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut err = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        use std::io::Read;
        let _ = stderr.read_to_string(&mut err);
    }
    err
}

/// Runs curl (which the test command installs: a missing curl fails the
/// test, with the way to get it).
fn curl(dir: &std::path::Path, flags: &[&str], args: &[&str]) -> std::process::Output {
    Command::new("curl")
        .args(flags)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run curl: {e}; `cargo xtask setup` installs it (apt-get install curl)")
        })
}

#[test]
fn a_server_certificate_without_localhost_gets_a_curl_command_that_works() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut plan = certplay_core::Plan::default();
    plan.set_server_sans(&["other.test".parse().expect("a name")]);
    let pki = certplay_server::issuing::issue_plan(&plan, certplay_core::Materials::default())
        .expect("issue");
    certplay_server::issuing::write_issued(
        &dir.path().join("set"),
        &pki,
        certplay_server::files::Existing::Refuse,
    )
    .expect("write");
    let (child, out) = serve_until_curl(
        dir.path(),
        &[
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
        ],
    );
    let curl_line = out
        .lines()
        .find(|l| l.trim_start().starts_with("curl "))
        .expect("curl line")
        .trim()
        .to_owned();
    assert!(curl_line.contains("--resolve other.test:"), "{out}");
    // Run it as printed, then the same over HTTP/2 (ALPN): Debian's curl
    // speaks it, and the server offers h2 first.
    let args: Vec<&str> = curl_line.split_whitespace().skip(1).collect();
    let ran = curl(dir.path(), &["-sS", "--max-time", "20"], &args);
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "Hello World\n",
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let ran = curl(
        dir.path(),
        &[
            "-sS",
            "--max-time",
            "20",
            "--http2",
            "-w",
            "%{http_version}",
        ],
        &args,
    );
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "Hello World\n2",
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let log = stop(child);
    assert!(log.contains("does not cover localhost"), "{log}");
    assert!(log.contains("accepted CN=my-client"), "{log}");
}

#[test]
fn the_page_stays_on_loopback_even_with_bind_any() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (child, out) = serve_until_curl(
        dir.path(),
        &[
            "serve",
            "--bind",
            "0.0.0.0",
            "--port",
            "0",
            "--page-port",
            "0",
        ],
    );
    assert!(out.contains("page on http://127.0.0.1:"), "{out}");
    let log = stop(child);
    assert!(log.contains("not only on this machine"), "{log}");
}

/// `--page-dir` as `--help` and the README promise: until the folder holds
/// an index.html (missing, or empty while trunk builds), the page is the
/// "still being built" notice, not the copy built into the binary.
#[test]
fn a_page_dir_without_index_html_shows_the_building_notice() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("empty")).expect("an empty folder");
    for page_dir in ["empty", "missing"] {
        let (child, out) = serve_until_curl(
            dir.path(),
            &[
                "serve",
                "--port",
                "0",
                "--page-port",
                "0",
                "--page-dir",
                page_dir,
            ],
        );
        let page = out
            .split("page on http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .expect("the page's address")
            .to_owned();
        let got = curl(
            dir.path(),
            &["-sS", "--max-time", "20"],
            &[&format!("http://{page}/")],
        );
        stop(child);
        let html = String::from_utf8_lossy(&got.stdout);
        assert!(
            html.contains("still being built"),
            "--page-dir {page_dir}: {html}"
        );
    }
}

/// `RUST_LOG` as a person sets it: a level or a target's level shows those
/// lines, and a filter that does not parse is named, with logging at info.
#[test]
fn rust_log_sets_what_is_logged_and_a_bad_one_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    // `serve` logs the open-file limit at debug first thing, then stops:
    // the files are not there.
    let serve = |rust_log: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_certplay"))
            .args(["serve", "--no-page", "--ca", "ca.crt"])
            .args(["--cert", "server.crt", "--key", "server.key"])
            .env("RUST_LOG", rust_log)
            .current_dir(dir.path())
            .output()
            .expect("running certplay");
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    for shown in ["debug", "certplay=debug,warn"] {
        let said = serve(shown);
        assert!(
            said.contains("DEBUG") && said.contains("open-file limit"),
            "RUST_LOG={shown}: {said}"
        );
    }
    for hidden in ["info", "rustls=debug,info"] {
        let said = serve(hidden);
        assert!(
            !said.contains("open-file limit"),
            "RUST_LOG={hidden}: {said}"
        );
    }
    let said = serve("certplay=loud");
    assert!(
        said.contains("RUST_LOG=\"certplay=loud\" is not a log filter")
            && said.contains("logging at info")
            && !said.contains("open-file limit"),
        "{said}"
    );
}

/// `certplay completions bash` is a script bash reads, and completing
/// `certplay s` offers the subcommands that start with s; the other shells
/// get a script that names the subcommands too.
#[test]
fn completions_complete_the_subcommands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = certplay(dir.path(), &["completions", "bash"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = dir.path().join("certplay.bash");
    std::fs::write(&script, &out.stdout).expect("write");
    let parsed = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash");
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            "source certplay.bash; COMP_WORDS=({line}); COMP_CWORD={}; COMP_LINE='{line}'; \
             COMP_POINT={}; _certplay certplay '{}' '{}'; echo \"${{COMPREPLY[@]}}\"",
            words.len() - 1,
            line.len(),
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let ran = Command::new("bash")
            .args(["-c", &program])
            .current_dir(dir.path())
            .output()
            .expect("bash");
        String::from_utf8_lossy(&ran.stdout).into_owned()
    };
    let offered = complete("certplay s");
    let mut words: Vec<&str> = offered.split_whitespace().collect();
    words.sort_unstable();
    assert_eq!(words, ["serve", "sign"], "{offered}");
    let flags = complete("certplay serve --client");
    assert!(flags.contains("--client-auth"), "{flags}");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = certplay(dir.path(), &["completions", shell]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{shell}");
        for command in SUBCOMMANDS {
            assert!(text.contains(command), "{shell}: {command}");
        }
    }
    let bad = certplay(dir.path(), &["completions", "tcsh"]);
    assert!(!bad.status.success());
}
