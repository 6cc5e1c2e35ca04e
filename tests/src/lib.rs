//! Helpers for certplay's end-to-end tests: start the real `certplay`
//! binary on a free port, run real curl, openssl and node, and read what
//! the server logged.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use certplay_core::{IssuedPlan, KeyPair, KeyType, Materials, Plan, Validity};

pub mod client;
pub mod page;
pub mod parity;
pub mod s_server;

pub use tempfile::TempDir;

/// How long a server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The test command's features, the same list as xtask/src/test.rs
/// `LAB_AND_PAGE` (its test compares them): the binary is built with the
/// same feature resolution as the test itself.
pub const TEST_FEATURES: &str = "certplay-core/lab,certplay-web/lab";

/// The `certplay` binary of this workspace (`CERTPLAY_BIN` overrides).
///
/// `cargo test --workspace` builds it (certplay-server has integration
/// tests), but `cargo test --workspace --test connect` builds only that
/// test, not another package's binary: when the binary is missing or older
/// than its sources, it is built here first, so no test runs a stale
/// server. It is built as the test command builds it, `cargo test
/// --workspace --features TEST_FEATURES --no-run --test cli` (the server's
/// CLI test, which needs the binary): the same packages, features and
/// dev-dependencies, so cargo reuses every dependency the test run already
/// compiled. `cargo build -p certplay-server` resolved features without the
/// tests' dev-dependencies and recompiled hyper, serde and more (minutes).
/// Run the tests with those features (docs/ARCHITECTURE.md, "Running one
/// test"), and with the same `RUSTC_WORKSPACE_WRAPPER`, which this build
/// inherits.
pub fn certplay_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("CERTPLAY_BIN") {
            return PathBuf::from(bin);
        }
        // This test executable is target/<profile>/deps/<name>-<hash>.
        let exe = std::env::current_exe().expect("the test executable has a path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("test executables live in target/<profile>/deps");
        let bin = profile_dir.join(format!("certplay{}", std::env::consts::EXE_SUFFIX));
        let built = modified(&bin);
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let sources = [
            "core/src",
            "core/Cargo.toml",
            "server/src",
            "server/build.rs",
            "server/Cargo.toml",
            "target/certplay-page",
        ]
        .iter()
        .map(|p| newest(&root.join(p)))
        .max()
        .flatten();
        if built.is_none() || sources > built {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut build = Command::new(cargo);
            build.current_dir(&root).args([
                "test",
                "--quiet",
                "--workspace",
                "--features",
                TEST_FEATURES,
                "--no-run",
                "--test",
                "cli",
            ]);
            if profile_dir.ends_with("release") {
                build.arg("--release");
            }
            let output = build.output().expect("running cargo test --no-run");
            assert!(
                output.status.success(),
                "building certplay ({build:?}) failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(
                modified(&bin).is_some(),
                "{build:?} did not write {}",
                bin.display()
            );
        }
        bin
    })
    .clone()
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time of `path` and, for a directory, of
/// everything below it.
fn newest(path: &Path) -> Option<std::time::SystemTime> {
    let own = modified(path);
    let below = std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| newest(&entry.path()))
        .max();
    own.max(below)
}

/// A free loopback port (bound, then let go), for a server that cannot be
/// started on port 0 and say which port it got (nginx; `certplay serve
/// --port P` where the test checks P itself). Prefer port 0 and the
/// printed port ([`Server::start`], [`printed_port`]): nothing can take
/// that port between the pick and the bind.
///
/// It is taken as [`free_port_run`] takes a run, below the kernel's
/// ephemeral range: a port the kernel picked for `127.0.0.1:0` is also what
/// it hands out next as the source port of any test's outgoing connection
/// or as another `:0` bind, so it could be taken before the server binds it.
pub fn free_port() -> u16 {
    free_port_run(1)
}

/// The first of `count` consecutive ports that are free on loopback now, for
/// a server that listens on a run of ports from one `--port` (such as
/// `certplay serve --broken`).
///
/// The run is taken below the kernel's ephemeral range
/// (`/proc/sys/net/ipv4/ip_local_port_range`), where [`free_port`]'s picks
/// and the source ports of every test's outgoing connections live: a run
/// found free there could be taken by any connection of a test running
/// beside this one before the server binds it (CI saw exactly that).
pub fn free_port_run(count: u16) -> u16 {
    use std::hash::{BuildHasher, Hasher};
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let (low, high) = (10_000u16, ephemeral_start.max(10_000 + 2 * count));
    let span = u64::from(high - low - count);
    for _ in 0..200 {
        let mut random = std::collections::hash_map::RandomState::new().build_hasher();
        random.write_u32(std::process::id());
        let base = low + (random.finish() % span) as u16;
        let all_free = (base..base + count)
            .all(|port| std::net::TcpListener::bind(("127.0.0.1", port)).is_ok());
        if all_free {
            return base;
        }
    }
    panic!("no run of {count} free ports on loopback below {high}");
}

/// Reads `child`'s standard output (piped) until `port_in` finds in one
/// line the port the program says it listens on, and returns it; stdout is
/// drained after that, so the program never blocks on a full pipe. Start
/// the program on port 0 (`chromedriver --port=0`, `openssl s_server
/// -accept 127.0.0.1:0`): the kernel picks a free port as it binds, so no
/// other test can take it in between, as it could a port picked before.
/// Panics with what the program printed when it exits first or says
/// nothing within 30 s.
pub fn printed_port(
    child: &mut Child,
    program: &str,
    port_in: impl Fn(&str) -> Option<u16>,
) -> u16 {
    let lines_rx = stdout_lines(child);
    let deadline = Instant::now() + START_TIMEOUT;
    let mut printed = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines_rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(port) = port_in(&line) {
                    thread::spawn(move || while lines_rx.recv().is_ok() {});
                    return port;
                }
                printed.push_str(&line);
                printed.push('\n');
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                panic!("{program} did not say its port within {START_TIMEOUT:?}; it printed:\n{printed}")
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                panic!(
                    "{program} stopped ({:?}) before saying its port; it printed:\n{printed}",
                    child.wait()
                )
            }
        }
    }
}

/// `child`'s standard output (piped), line by line, read by a thread of
/// its own.
fn stdout_lines(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    let out = child.stdout.take().expect("piped stdout");
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    lines_rx
}

/// The number that starts `text` (`"41983."` gives 41983), for
/// [`printed_port`]'s `port_in`.
pub fn leading_port(text: &str) -> Option<u16> {
    text.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

/// A fresh temporary directory.
pub fn temp_dir() -> TempDir {
    tempfile::Builder::new()
        .prefix("certplay-test-")
        .tempdir()
        .expect("a temporary directory")
}

/// Issues a set with the blog's defaults and `key_type`, and writes its
/// files into `dir`.
pub fn issue_into(dir: &Path, key_type: KeyType) -> IssuedPlan {
    let plan = Plan {
        key_type,
        ..Plan::default()
    };
    let issued = plan.issue().expect("issuing the default set");
    write_set(dir, &issued);
    issued
}

/// Issues the blog's set with `key_type` under a CA named `ca_name` (a CA
/// the server does not trust) into a new temporary directory.
pub fn issue_other_ca(ca_name: &str, key_type: KeyType) -> TempDir {
    let dir = temp_dir();
    let mut plan = Plan {
        key_type,
        ..Plan::default()
    };
    if let Some(ca) = plan.entries.first_mut() {
        ca.subject.common_name = ca_name.into();
    }
    write_set(dir.path(), &plan.issue().expect("issuing"));
    dir
}

/// The blog set's client under another CA (see [`issue_other_ca`]), in a
/// directory of its own: what a server that trusts only its own CA refuses.
#[derive(Debug)]
pub struct OtherClient {
    /// The path of its `client.crt`.
    pub cert: String,
    /// The path of its `client.key`.
    pub key: String,
    _dir: TempDir,
}

impl OtherClient {
    /// Issues the set under a CA named `ca_name`.
    pub fn issue(ca_name: &str, key_type: KeyType) -> Self {
        let dir = issue_other_ca(ca_name, key_type);
        let path = |name: &str| {
            dir.path()
                .join(name)
                .to_str()
                .expect("a UTF-8 path")
                .to_owned()
        };
        Self {
            cert: path("client.crt"),
            key: path("client.key"),
            _dir: dir,
        }
    }
}

/// Issues `plan` with every entry's validity moved to have begun
/// `days_ago` days ago and lasted `days` days.
pub fn issue_backdated(plan: &Plan, days_ago: i32, days: u32) -> IssuedPlan {
    let mut plan = plan.clone();
    for entry in &mut plan.entries {
        entry.validity = Validity::Relative {
            days,
            starts_in_days: -days_ago,
        };
    }
    plan.issue().expect("issuing")
}

/// Keys made once and reused by several plans of one key type (as PKCS#8
/// DER): RSA-4096 takes seconds per key, and a test that issues every
/// preset needs the same few keys again and again.
#[derive(Debug, Default)]
pub struct KeyPool {
    key_type: Option<KeyType>,
    keys: Vec<Vec<u8>>,
}

impl KeyPool {
    /// Issues `plan` with the pool's keys (the n-th entry gets the n-th key,
    /// made on first use), so the entries of one plan keep distinct keys.
    pub fn issue(&mut self, plan: &Plan) -> IssuedPlan {
        if self.key_type != Some(plan.key_type) {
            self.key_type = Some(plan.key_type);
            self.keys.clear();
        }
        let mut materials = Materials::default();
        for (i, (name, key_type)) in plan.keys_needed().into_iter().enumerate() {
            assert_eq!(key_type, plan.key_type, "a pool holds one key type");
            if self.keys.len() <= i {
                // aws-lc-rs for RSA, as `certplay issue` makes them.
                let key = certplay_server::issuing::generate(key_type).expect("making a key");
                let pem = key.to_pkcs8_pem().expect("PKCS#8");
                self.keys
                    .push(pem::parse(pem).expect("PEM").into_contents());
            }
            let key = KeyPair::from_pkcs8_der(&self.keys[i]).expect("the pooled key");
            materials.keys.insert(name, key);
        }
        plan.issue_with(materials, time::OffsetDateTime::now_utc())
            .expect("issuing")
    }
}

/// Writes every file of `issued` into `dir` under its plan name.
pub fn write_set(dir: &Path, issued: &IssuedPlan) {
    std::fs::create_dir_all(dir).expect("creating the directory");
    for file in issued.files().expect("the files") {
        std::fs::write(dir.join(&file.name), &file.contents).expect("writing a PEM file");
    }
}

/// A program a test started (a server, chromedriver), killed (SIGKILL)
/// and waited for on drop, so none outlives its test.
#[derive(Debug)]
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running `certplay serve`, stopped (SIGTERM, then SIGKILL) on drop.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// The mTLS port.
    pub port: u16,
    /// The page port, when the page is served.
    pub page_port: Option<u16>,
    /// What the server printed on stdout up to and including its
    /// instructions.
    pub stdout: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `certplay serve ARGS --port 0` in `dir` (add `--page-port 0`
    /// or `--no-page` yourself) and waits until it listens.
    pub fn start(dir: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(certplay_bin())
            .arg("serve")
            .args(args)
            .args(["--port", "0"])
            .current_dir(dir)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting certplay");
        let log = Arc::new(Mutex::new(String::new()));
        collect(child.stderr.take().expect("piped stderr"), log.clone());
        let lines_rx = stdout_lines(&mut child);
        let deadline = Instant::now() + START_TIMEOUT;
        let mut printed = String::new();
        let mut port = None;
        let mut page_port = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = lines_rx.recv_timeout(left) else {
                let _ = child.kill();
                panic!(
                    "certplay did not start within {START_TIMEOUT:?}\nstdout:\n{printed}\nlog:\n{}",
                    log.lock().expect("log lock")
                );
            };
            printed.push_str(&line);
            printed.push('\n');
            if let Some(rest) = line.split("mTLS server on https://").nth(1) {
                port = Some(port_after_colon(rest));
            }
            if let Some(rest) = line.split("page on http://").nth(1) {
                page_port = Some(port_after_colon(rest));
            }
            if line.trim_start().starts_with("curl ") {
                break;
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        thread::spawn(move || while lines_rx.recv().is_ok() {});
        Self {
            child,
            port: port.expect("the server printed its URL"),
            page_port,
            stdout: printed,
            log,
        }
    }

    /// Starts `certplay serve --ca ca.crt --cert server.crt --key server.key
    /// --no-page` in `dir`: the blog's files, the blog's command.
    pub fn with_files(dir: &Path) -> Self {
        Self::with_files_and(dir, &[])
    }

    /// [`Server::with_files`] with more flags (`--crl ca.crl`, ...).
    pub fn with_files_and(dir: &Path, more: &[&str]) -> Self {
        let mut args = BLOG_FILES.to_vec();
        args.extend_from_slice(more);
        args.push("--no-page");
        Self::start(dir, &args)
    }

    /// The server's process id (to send it signals such as SIGHUP).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `https://localhost:PORT`.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log lock").clone()
    }

    /// Waits until the log contains `needle` and returns the log; panics
    /// with the whole log after 10 s.
    pub fn wait_for_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "the server never logged {needle:?}; its log:\n{log}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn terminate(mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("running kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("waiting for certplay") {
                return status;
            }
            assert!(Instant::now() < deadline, "certplay ignored SIGTERM");
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                thread::sleep(Duration::from_millis(20));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn port_after_colon(rest: &str) -> u16 {
    rest.split(':')
        .nth(1)
        .and_then(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .ok()
        })
        .expect("a port number after the host")
}

fn collect(mut from: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = from.read(&mut buffer) {
            if n == 0 {
                break;
            }
            let text = String::from_utf8_lossy(buffer.get(..n).unwrap_or_default()).into_owned();
            into.lock().expect("log lock").push_str(&text);
        }
    });
}

/// `certplay serve`'s flags for the blog's file names.
pub const BLOG_FILES: [&str; 6] = [
    "--ca",
    "ca.crt",
    "--cert",
    "server.crt",
    "--key",
    "server.key",
];

/// Runs `certplay ARGS` in `dir` to completion (for startup failures).
pub fn certplay(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(certplay_bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting certplay");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("waiting").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("certplay {args:?} kept running; expected it to stop with an error");
        }
        thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("collecting output")
}

/// Every entry below `dir`, sorted: its path relative to `dir`, its mode and
/// its bytes (a link's target, for a link). Compare a directory before and
/// after a run that must write nothing.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, u32, Vec<u8>)> {
    use std::os::unix::fs::PermissionsExt;
    fn walk(root: &Path, dir: &Path, into: &mut Vec<(PathBuf, u32, Vec<u8>)>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("stat");
            let relative = path.strip_prefix(root).expect("below root").to_path_buf();
            let mode = meta.permissions().mode();
            if meta.is_dir() {
                into.push((relative, mode, Vec::new()));
                walk(root, &path, into);
            } else if meta.is_symlink() {
                let target = std::fs::read_link(&path).expect("readlink");
                into.push((relative, mode, target.into_os_string().into_encoded_bytes()));
            } else {
                into.push((relative, mode, std::fs::read(&path).expect("reading")));
            }
        }
    }
    let mut entries = Vec::new();
    walk(dir, dir, &mut entries);
    entries.sort();
    entries
}

/// Runs `certplay ARGS` in `dir`, which must refuse: exit code 1, `words`
/// on stderr, and not a byte of `dir` changed (no file written, replaced
/// or removed). Returns the output.
pub fn refused_without_writing(dir: &Path, args: &[&str], words: &str) -> Output {
    let before = snapshot(dir);
    let out = certplay(dir, args);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "certplay {args:?}: {said}");
    assert!(
        said.contains(words),
        "certplay {args:?}: no {words:?} in {said}"
    );
    let after = snapshot(dir);
    let changed: Vec<String> = before
        .iter()
        .filter(|entry| !after.contains(entry))
        .map(|(path, _, _)| format!("{} (changed or removed)", path.display()))
        .chain(
            after
                .iter()
                .filter(|(path, _, _)| !before.iter().any(|(p, _, _)| p == path))
                .map(|(path, _, _)| format!("{} (written)", path.display())),
        )
        .collect();
    assert!(
        changed.is_empty(),
        "certplay {args:?} refused ({said}) but touched {}: {changed:?}",
        dir.display()
    );
    out
}

/// Starts `certplay serve` with the given files and expects it to fail with
/// exactly one line on stderr; returns that line.
pub fn serve_refused(dir: &Path, ca: &str, cert: &str, key: &str) -> String {
    let out = certplay(
        dir,
        &[
            "serve",
            "--ca",
            ca,
            "--cert",
            cert,
            "--key",
            key,
            "--port",
            "0",
            "--no-page",
        ],
    );
    assert!(
        !out.status.success(),
        "certplay started with {ca} {cert} {key}"
    );
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "not one line:\n{err}");
    assert!(err.starts_with("certplay: error: "), "{err}");
    err
}

/// Runs a program in `dir`, with a time limit, and returns its output.
pub fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e} (is it installed?)"))
}

/// Runs a shell script (`sh -ec`) in `dir`; panics with its output on
/// failure, else returns its standard output.
pub fn sh(dir: &Path, script: &str) -> String {
    let out = run(dir, "sh", &["-ec", script]);
    assert!(
        out.status.success(),
        "{script}\n{}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// Checks, at a test's start, that the `python3` on PATH (the one the tests
/// run) can import `module`; fails the test with the way to get it.
/// `cargo xtask setup` installs what the tests need (`cryptography` by
/// Debian's package or pip, see xtask's setup).
pub fn require_python_module(module: &str) {
    let out = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run python3: {e}; `cargo xtask setup` installs it (apt-get install python3)")
        });
    assert!(
        out.status.success(),
        "the python3 on PATH cannot import {module}: `cargo xtask setup` installs it \
         (python3 -m pip install {module}, or apt-get install python3-{module} for Debian's \
         python3)\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs curl in `dir` with a 20 s limit: `--silent --show-error` plus `args`.
pub fn curl(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--silent", "--show-error", "--max-time", "20"];
    all.extend_from_slice(args);
    run(dir, "curl", &all)
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// curl with the client certificate of the set in `dir` against `url`.
pub fn curl_with_client_cert(dir: &Path, url: &str) -> Output {
    curl_as(dir, "client", url)
}

/// curl presenting `NAME.crt`/`NAME.key` from `dir`, trusting `ca.crt`.
pub fn curl_as(dir: &Path, name: &str, url: &str) -> Output {
    curl(
        dir,
        &[
            "--cacert",
            "ca.crt",
            "--cert",
            &format!("{name}.crt"),
            "--key",
            &format!("{name}.key"),
            url,
        ],
    )
}

/// `certplay p12` of the blog set's client (`client.crt`, `client.key`,
/// chain `ca.crt`) in `dir` into `out`, with `extra` flags (the password).
pub fn make_p12(dir: &Path, out: &str, extra: &[&str]) -> Output {
    certplay(dir, &p12_args(out, extra))
}

/// The arguments of [`make_p12`]: `p12 --cert client.crt --key client.key
/// --chain ca.crt --out OUT EXTRA`.
pub fn p12_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "p12",
        "--cert",
        "client.crt",
        "--key",
        "client.key",
        "--chain",
        "ca.crt",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    args
}

/// `openssl pkcs12 -export` of the blog set's client in `dir` (its chain,
/// `ca.crt`, among the bags) into `out` with `password` (`-legacy`: 3DES
/// and a SHA-1 MAC, as before OpenSSL 3); panics with what openssl said
/// when it fails.
pub fn openssl_p12_export(dir: &Path, out: &str, password: &str, legacy: bool) {
    let pass = format!("pass:{password}");
    let mut args = vec![
        "pkcs12",
        "-export",
        "-in",
        "client.crt",
        "-inkey",
        "client.key",
        "-certfile",
        "ca.crt",
        "-passout",
        &pass,
        "-out",
        out,
    ];
    if legacy {
        args.push("-legacy");
    }
    let made = run(dir, "openssl", &args);
    assert!(made.status.success(), "{}", stderr(&made));
}

/// curl presenting the PKCS#12 file `p12` (opened with `password`) against
/// `url`, trusting `ca.crt` in `dir`.
pub fn curl_with_p12(dir: &Path, p12: &str, password: &str, url: &str) -> Output {
    let cert = format!("{p12}:{password}");
    curl(
        dir,
        &[
            "--cacert",
            "ca.crt",
            "--cert",
            &cert,
            "--cert-type",
            "P12",
            url,
        ],
    )
}

/// `openssl pkcs12 -info -noout` on `p12` in `dir` with `password`
/// (`-legacy` first for a legacy file): what it says is on stderr.
pub fn openssl_p12_info(dir: &Path, p12: &str, password: &str, legacy: bool) -> Output {
    let pass = format!("pass:{password}");
    let mut args = vec!["pkcs12"];
    if legacy {
        args.push("-legacy");
    }
    args.extend(["-info", "-noout", "-in", p12, "-passin", &pass]);
    run(dir, "openssl", &args)
}

/// Checks that openssl opens `p12` with `password` and that it is written
/// as asked: modern (PBES2 AES-256-CBC, SHA-256 MAC) or legacy (3DES,
/// SHA-1 MAC, opened with `-legacy`).
pub fn check_p12(dir: &Path, p12: &str, password: &str, legacy: bool) {
    let info = openssl_p12_info(dir, p12, password, legacy);
    let said = stderr(&info);
    assert!(info.status.success(), "openssl pkcs12 {p12}: {said}");
    let expected: &[&str] = if legacy {
        &["MAC: sha1", "pbeWithSHA1And3-KeyTripleDES-CBC"]
    } else {
        &["MAC: sha256", "PBES2, PBKDF2, AES-256-CBC"]
    };
    for line in expected {
        assert!(said.contains(line), "{p12}: no {line:?} in\n{said}");
    }
}

/// curl in `dir` trusting its `ca.crt`, presenting the client certificate
/// and key of the set in `other` (another CA's client) to `url`.
pub fn curl_with_client_of(dir: &Path, other: &Path, url: &str) -> Output {
    curl(
        dir,
        &[
            "--cacert",
            "ca.crt",
            "--cert",
            &other.join("client.crt").display().to_string(),
            "--key",
            &other.join("client.key").display().to_string(),
            url,
        ],
    )
}

/// A shell script (`sh -ec`, in the directory it makes the files in) that
/// makes a company's root and issuing CA with openssl: `root.crt`,
/// `root.key`, `inter.crt` (pathlen 0, names limited to localhost and
/// loopback addresses), `inter.key`, the chain in the order people paste
/// it (root first) as `chain.pem`, and an unrelated key `other.key`.
pub const COMPANY_PKI: &str = "
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out \"$1\"; }
ec root.key
openssl req -x509 -new -key root.key -subj '/O=Example Corp/CN=Example Corp Root' -days 3650 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -out root.crt
ec inter.key
openssl req -new -key inter.key -subj '/O=Example Corp/CN=Example Corp Issuing CA' -out inter.csr
cat > inter.ext <<EOF
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
nameConstraints=critical,permitted;DNS:localhost,permitted;IP:127.0.0.0/255.0.0.0,permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
openssl x509 -req -in inter.csr -CA root.crt -CAkey root.key -CAcreateserial -days 1825 \
  -extfile inter.ext -out inter.crt 2>/dev/null
cat root.crt inter.crt > chain.pem
ec other.key
";
