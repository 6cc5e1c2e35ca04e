//! `cargo xtask`: the README's commands. They install what they need (the
//! wasm target, Debian packages, trunk, wasm-bindgen-cli), skipping what is
//! already there, then build and run or test.
//!
//! Usage:
//!   cargo xtask run [-- <certplay serve flags>]   build the page and the server, serve the demo
//!   cargo xtask test                              every check and test, as CI runs them
//!   cargo xtask setup                             only install the tools
//!   cargo xtask bench                             time issuing natively vs. the blog's openssl commands

use std::borrow::BorrowMut;
use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const TRUNK_VERSION: &str = "0.21.14";
/// Must equal the `wasm-bindgen` crate's pinned version (Cargo.toml).
const WASM_BINDGEN_VERSION: &str = "0.2.129";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Debian packages the tests need, with a program that shows each is there.
const DEBIAN_PACKAGES: [(&str, &str); 6] = [
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("binaryen", "/usr/bin/wasm-opt"),
    ("curl", "/usr/bin/curl"),
    ("openssl", "/usr/bin/openssl"),
    ("nodejs", "node"),
];

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let (task, rest) = args
        .split_first()
        .map_or(("help", &[][..]), |(t, r)| (t.as_str(), r));
    let result = match task {
        "run" => run(rest),
        "test" => test(),
        "setup" => setup(Needs::Everything),
        "bench" => bench(),
        _ => {
            eprintln!("usage: cargo xtask run [-- <certplay serve flags>] | test | setup | bench");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the page and the server, then runs `certplay serve` (demo set by default).
fn run(serve_args: &[String]) -> Result {
    setup(Needs::Page)?;
    build_page()?;
    step(
        "build certplay (release)",
        cargo(&["build", "--release", "-p", "certplay-server"]),
    )?;
    let bin = root().join("target/release/certplay");
    let serve_args = serve_args
        .strip_prefix(&["--".to_owned()][..])
        .unwrap_or(serve_args);
    println!(
        "xtask: starting {} serve {}",
        bin.display(),
        serve_args.join(" ")
    );
    let status = Command::new(&bin)
        .arg("serve")
        .args(serve_args)
        .status()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("certplay serve exited with {status}"))
}

/// Every check and test. One definition: CI runs exactly this.
fn test() -> Result {
    let started = Instant::now();
    setup(Needs::Everything)?;
    step(
        "cargo fmt --check",
        cargo(&["fmt", "--all", "--", "--check"]),
    )?;
    // The page first: the server embeds it, and the browser test drives it.
    build_page()?;
    step(
        "clippy (native, all targets)",
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "clippy (core and web on wasm32)",
        cargo(&[
            "clippy",
            "-p",
            "certplay-core",
            "-p",
            "certplay-web",
            "--target",
            WASM_TARGET,
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "native tests (unit, curl, openssl, node, Chromium end to end)",
        cargo(&["test", "--workspace"]).env("CHROMEDRIVER", "/usr/bin/chromedriver"),
    )?;
    step(
        "core and web tests in headless Chromium (wasm-bindgen-test)",
        wasm_test_env(cargo(&[
            "test",
            "-p",
            "certplay-core",
            "-p",
            "certplay-web",
            "--target",
            WASM_TARGET,
        ]))
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    )?;
    println!("xtask: all checks passed in {:.0?}", started.elapsed());
    Ok(())
}

/// Times issuing a set natively (P-256, RSA-2048) against the blog's seven
/// openssl commands, in one run, and prints medians.
fn bench() -> Result {
    step(
        "build certplay (release)",
        cargo(&["build", "--release", "-p", "certplay-server"]),
    )?;
    let bin = root().join("target/release/certplay");
    let dir = env::temp_dir().join(format!("certplay-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let runs = 21;
    let mut rows = Vec::new();
    for key_type in ["p256", "rsa2048"] {
        let median = median_of(runs, || {
            let mut command = Command::new(&bin);
            command
                .args(["issue", "--key-type", key_type, "--out"])
                .arg(&dir);
            command
        })?;
        rows.push((format!("certplay issue --key-type {key_type}"), median));
    }
    let blog = include_str!("../../tests/blog-commands.sh");
    let median = median_of(runs, || {
        let mut command = Command::new("sh");
        command.args(["-c", blog]).current_dir(&dir);
        command
    })?;
    rows.push(("the blog's 7 openssl commands (RSA-2048)".into(), median));
    let _ = std::fs::remove_dir_all(&dir);
    let baseline = median;
    println!("\nmedian wall time of {runs} runs (ratio to the blog's commands):");
    for (what, time) in rows {
        println!(
            "  {what:<45} {:>8.1} ms  {:>6.3}x",
            time * 1e3,
            time / baseline
        );
    }
    // The same sets issued in headless Chromium by the page's own code
    // (web/tests/timing.rs prints its medians).
    step(
        "issuing in headless Chromium (web/tests/timing.rs)",
        wasm_test_env(cargo(&[
            "test",
            "-p",
            "certplay-web",
            "--target",
            WASM_TARGET,
            "--profile",
            "wasm-release",
            "--test",
            "timing",
            "--",
            "--include-ignored",
            "--nocapture",
        ]))
        .env("WASM_BINDGEN_TEST_TIMEOUT", "300"),
    )?;
    Ok(())
}

/// wasm-bindgen-test in headless Chromium through Debian's chromedriver.
fn wasm_test_env(mut command: Command) -> Command {
    command
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        // Core's own RSA generation blocks the page for seconds; the
        // runner's default 5 s would give up (and leave Chromium behind).
        .env("WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "60");
    command
}

fn median_of(runs: usize, mut command: impl FnMut() -> Command) -> Result<f64> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let output = command().output().map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times.get(runs / 2).copied().unwrap_or_default())
}

fn build_page() -> Result {
    step(
        "build the page (trunk build --release)",
        Command::new(cargo_bin("trunk"))
            .args(["build", "--release"])
            .current_dir(root()),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    /// What building and serving the page needs.
    Page,
    /// What the whole test command needs.
    Everything,
}

/// Installs what is missing, and only that.
fn setup(needs: Needs) -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup: {e}"))?;
    if !String::from_utf8_lossy(&installed.stdout).contains(WASM_TARGET) {
        step(
            "rustup target add",
            Command::new("rustup").args(["target", "add", WASM_TARGET]),
        )?;
    }

    let packages: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|(name, _)| needs == Needs::Everything || *name == "binaryen")
        .filter(|(_, program)| !program_exists(program))
        .map(|(name, _)| *name)
        .collect();
    if !packages.is_empty() {
        apt_install(&packages)?;
    }

    ensure_cargo_tool("trunk", "trunk", TRUNK_VERSION, "trunk")?;
    ensure_cargo_tool(
        "wasm-bindgen-cli",
        "wasm-bindgen",
        WASM_BINDGEN_VERSION,
        "wasm-bindgen",
    )?;
    Ok(())
}

fn apt_install(packages: &[&str]) -> Result {
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let sudo = |program: &str| {
        if root_user {
            Command::new(program)
        } else {
            let mut command = Command::new("sudo");
            command.arg(program);
            command
        }
    };
    step("apt-get update", sudo("apt-get").arg("update"))?;
    step(
        &format!("apt-get install {}", packages.join(" ")),
        sudo("apt-get")
            .args(["install", "-y"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// `cargo install --locked CRATE --version VERSION` unless `PROGRAM
/// --version` already prints `NAME VERSION`.
fn ensure_cargo_tool(krate: &str, program: &str, version: &str, name: &str) -> Result {
    let have = Command::new(cargo_bin(program))
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if have.trim() == format!("{name} {version}") {
        return Ok(());
    }
    step(
        &format!("cargo install {krate} {version} (minutes, once)"),
        cargo(&["install", "--locked", krate, "--version", version]),
    )
}

/// A program in ~/.cargo/bin when it is there, else by name on PATH.
fn cargo_bin(program: &str) -> PathBuf {
    let home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    home.map(|h| h.join("bin").join(program))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(program))
}

fn program_exists(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).exists();
    }
    env::var_os("PATH")
        .is_some_and(|path| env::split_paths(&path).any(|d| d.join(program).exists()))
}

fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.args(args).current_dir(root());
    command
}

/// The workspace root (xtask/..).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Runs one step, timing it; a failed step ends the task.
fn step(name: &str, mut command: impl BorrowMut<Command>) -> Result {
    println!("xtask: == {name}");
    let started = Instant::now();
    let status = command
        .borrow_mut()
        .status()
        .map_err(|e| format!("{name}: cannot start: {e}"))?;
    println!("xtask: == {name}: {:.1?}", started.elapsed());
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}
