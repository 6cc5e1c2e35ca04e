//! `cargo xtask`: the README's commands. They install what they need (the
//! wasm target, trunk, wasm-bindgen-cli; for the tests also Debian
//! packages), skipping what is already there, then build and run or test.
//! trunk and wasm-bindgen come as their release binaries where GitHub can
//! be reached (prebuilt.rs), else they are compiled.
//!
//! Usage:
//!   cargo xtask run [-- <certplay serve flags>]   build the page and the server, serve the demo
//!   cargo xtask test                              every check and test, as CI runs them
//!   cargo xtask setup                             only install the tools
//!   cargo xtask bench                             time issuing natively vs. the blog's openssl commands

mod prebuilt;

use std::borrow::BorrowMut;
use std::env;
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Trunk.toml's `dist`: trunk writes the page here, the server embeds it
/// (server/build.rs) or, under `cargo xtask run`, reads it at each request.
const PAGE_DIR: &str = "target/certplay-page";

/// A program installed with `cargo install`.
#[derive(Debug)]
struct Tool {
    krate: &'static str,
    version: &'static str,
    /// The binaries we use (cargo install builds only these).
    bins: &'static [&'static str],
    /// Features beyond none: the defaults of both tools only add TLS for
    /// downloads, and nothing here downloads (Trunk.toml: `offline = true`;
    /// the test runner talks plain HTTP to a local chromedriver).
    features: &'static str,
    why: &'static str,
    /// Measured on a 2-core machine with `TOOL_PROFILE`, alone / while the
    /// server builds beside it.
    first_time: &'static str,
    /// Built at the server's priority instead of behind it (see `niced`).
    first_in_line: bool,
    /// Its release binaries, tried before compiling it (prebuilt.rs).
    release: prebuilt::Release,
}

impl Tool {
    fn wanted(&self) -> prebuilt::Wanted<'_> {
        prebuilt::Wanted {
            name: self.krate,
            version: self.version,
            bins: self.bins,
            release: &self.release,
        }
    }
}

const TRUNK: Tool = Tool {
    krate: "trunk",
    version: "0.21.14",
    bins: &["trunk"],
    features: "",
    why: "it builds the page (Rust to wasm, hashed file names)",
    first_time: "7 to 11 min beside the rest",
    // Its build has the first run's longest chain of work that cannot be
    // shared between the cores: minify-html-common is 92 s of one rustc's
    // front end (`cargo install --timings`), and only then can trunk itself
    // compile. Behind the server, it ended last, alone on one core for the
    // last 100 s, and the page waited for it.
    first_in_line: true,
    // Its release workflow (.github/workflows/release.yaml): the binary
    // alone in the archive; the SHA-256 alone in `.sha256`.
    release: prebuilt::Release {
        asset: "trunk-rs/trunk/releases/download/v{version}/trunk-{target}.tar.gz",
        checksum_suffix: ".sha256",
        targets: &[
            ("linux", "x86_64", "x86_64-unknown-linux-gnu"),
            ("linux", "aarch64", "aarch64-unknown-linux-gnu"),
            ("macos", "x86_64", "x86_64-apple-darwin"),
            ("macos", "aarch64", "aarch64-apple-darwin"),
        ],
    },
};

/// Its version must equal the `wasm-bindgen` crate's (Cargo.toml pins it).
const WASM_BINDGEN: Tool = Tool {
    krate: "wasm-bindgen-cli",
    version: "0.2.129",
    bins: &["wasm-bindgen", "wasm-bindgen-test-runner"],
    features: "",
    why: "trunk calls it for the page's JS glue; its test runner drives the wasm tests",
    first_time: "7 to 11 min beside the rest",
    first_in_line: false,
    // Its workflow's `deploy` job (.github/workflows/main.yml): a
    // `wasm-bindgen-VERSION-TARGET/` directory with every binary; the
    // SHA-256 in `.sha256sum`, as `sha256sum` writes it.
    release: prebuilt::Release {
        asset: "wasm-bindgen/wasm-bindgen/releases/download/{version}/wasm-bindgen-{version}-{target}.tar.gz",
        checksum_suffix: ".sha256sum",
        targets: &[
            ("linux", "x86_64", "x86_64-unknown-linux-musl"),
            ("linux", "aarch64", "aarch64-unknown-linux-gnu"),
            ("macos", "x86_64", "x86_64-apple-darwin"),
            ("macos", "aarch64", "aarch64-apple-darwin"),
        ],
    },
};

/// The release profile of the tools, overridden: their own (trunk: fat
/// LTO, one codegen unit) makes a faster trunk nobody here needs and cost 15
/// of the first run's 22 minutes (docs/BUILDING.md, "First run").
///
/// Unoptimised: trunk only runs cargo and wasm-bindgen and copies files, as
/// fast either way. wasm-bindgen is slower at it: a 20 MB test wasm takes
/// about 7 s instead of 2 s with its wasm crates (`wasmparser`, `walrus`,
/// `wasm-bindgen-cli-support`) at opt-level 1, and the test command's wasm
/// step took 40 s instead of 23 (docs/BUILDING.md). On the first run, the
/// one a new user waits through, it is 137 CPU seconds to install instead
/// of 216 (measured one after the other on 2 cores), and the first run is
/// bound by CPU time.
///
/// One codegen unit: each install compiles one crate at a time, so a
/// crate's units were never compiled side by side, only split (and their
/// shared code compiled once per unit). Beside a run of the commit before,
/// in the same hour: 994 CPU seconds to the page instead of 1,054, the page
/// at 510 s instead of 535.
const TOOL_PROFILE: [(&str, &str); 5] = [
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
    ("CARGO_PROFILE_RELEASE_LTO", "false"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"),
    ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
    ("CARGO_PROFILE_RELEASE_INCREMENTAL", "false"),
];

/// Debian packages the tests need, with a program that shows each is there.
/// `run` needs none. (No binaryen: wasm-opt is off, see Trunk.toml.)
const DEBIAN_PACKAGES: [(&str, &str); 5] = [
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
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
        "setup" => setup(),
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

/// Builds the server and serves the demo set as soon as it is built; the
/// page is built meanwhile (tools first, on a fresh machine) and served from
/// its directory, with a "still being built" notice until then.
fn run(serve_args: &[String]) -> Result {
    let started = Instant::now();
    ensure_wasm_target()?;
    // Everything that takes minutes the first time runs side by side: the
    // two tools install and the page's wasm compiles (with the very cargo
    // command trunk runs, so trunk then finds it built) while the server
    // builds in the foreground.
    let installs = install_missing_tools()?;
    let page_stale = page_stale();
    // Measured on a fresh 2-core machine (docs/BUILDING.md, "First run"): the page's
    // wasm ended at 5½ min beside the server alone, and at 10 to 11 beside
    // the tools' builds too.
    let wasm = if page_stale {
        Some(background(
            "compile the page's wasm (cargo build --profile wasm-release)",
            "the page's Rust, ahead of trunk",
            if installs.is_empty() {
                "about 5 min beside the server (two wasm)"
            } else {
                "7 to 11 min beside the rest (two wasm)"
            },
            page_wasm_build(),
            "page-wasm",
        )?)
    } else {
        None
    };
    // Release, not dev: measured on 2 cores, a clean dev build was 430 CPU
    // seconds against release's 181 (before PKCS#12, CMS and aws-lc-rs came
    // in), since `[profile.dev.package."*"] opt-level = 3` also optimises
    // every proc macro and build script. Release's settings and what they
    // cost are in Cargo.toml.
    step(
        "build certplay (the mTLS server, release; 4 to 7 min the first time, beside the page)",
        server_build(),
    )?;

    let bin = root().join("target/release/certplay");
    let serve_args = serve_args
        .strip_prefix(&["--".to_owned()][..])
        .unwrap_or(serve_args);
    let mut command = Command::new(&bin);
    command.arg("serve").args(serve_args);
    let own_page = serve_args
        .iter()
        .any(|arg| arg == "--no-page" || arg.starts_with("--page-dir"));
    if !own_page {
        command.arg("--page-dir").arg(root().join(PAGE_DIR));
    }
    println!(
        "xtask: starting certplay serve {} ({:.0?} after start)",
        serve_args.join(" "),
        started.elapsed()
    );
    let mut server = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;

    let refresh = match finish_page(installs, wasm, page_stale, started) {
        // certplay embeds the page it was built with (server/build.rs), so
        // a new page means a rebuild; done now, while the server runs, the
        // next run starts at once instead of after that rebuild.
        Ok(true) => Some(background(
            "rebuild certplay with the new page built in",
            "so that the next run starts at once",
            "under a minute",
            server_build(),
            "certplay-refresh",
        )?),
        Ok(false) => None,
        Err(message) => {
            // The mTLS server works without the page: keep it, say what failed.
            eprintln!("xtask: {message}\nxtask: the mTLS server keeps running; Ctrl-C stops it");
            None
        }
    };
    let status = server.wait().map_err(|e| e.to_string())?;
    // Stopped with the server if it is still at work; the next run redoes it.
    drop(refresh);
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("certplay serve exited with {status}"))
}

/// The release build of the `certplay` binary alone, shared by `run` and
/// `bench`: the package's other binary (`certplay-bench`, the load client
/// that `server/bench/servers.sh` needs, built as its header says) cost 73
/// of its 427 CPU seconds on a fresh machine (`cargo build --timings`).
fn server_build() -> Command {
    cargo(&[
        "build",
        "--release",
        "-p",
        "certplay-server",
        "--bin",
        "certplay",
    ])
}

/// Waits for the tools and the wasm, then lets trunk write the page; true
/// when it wrote a new one.
fn finish_page(
    installs: Vec<Job>,
    wasm: Option<Job>,
    stale: bool,
    started: Instant,
) -> Result<bool> {
    for install in installs {
        install.wait()?;
    }
    if let Some(wasm) = wasm {
        wasm.wait()?;
    }
    if stale {
        background(
            "build the page (trunk build --release)",
            "the wasm is compiled: trunk runs wasm-bindgen and writes the page",
            "a few seconds",
            trunk_build(),
            "trunk-build",
        )?
        .wait()?;
        println!(
            "xtask: the page is built ({:.0?} after start): reload it",
            started.elapsed()
        );
    }
    Ok(stale)
}

/// The page needs building when trunk's output is missing or older than
/// anything it is built from. Conservative: a fresh checkout rebuilds.
fn page_stale() -> bool {
    let root = root();
    let Ok(built) = fs::metadata(root.join(PAGE_DIR).join("index.html")).and_then(|m| m.modified())
    else {
        return true;
    };
    let sources = [
        "index.html",
        "Trunk.toml",
        "Cargo.toml",
        "Cargo.lock",
        "web",
        "core",
    ];
    sources
        .iter()
        .any(|source| newest(&root.join(source)).is_some_and(|time| time > built))
}

/// The newest modification time in a file or directory tree.
fn newest(path: &Path) -> Option<SystemTime> {
    let meta = fs::metadata(path).ok()?;
    let own = meta.modified().ok();
    if !meta.is_dir() {
        return own;
    }
    fs::read_dir(path)
        .ok()?
        .flatten()
        .filter_map(|entry| newest(&entry.path()))
        .chain(own)
        .max()
}

/// `cargo build` of the page's wasm exactly as trunk 0.21.14 runs it for
/// index.html's rust link (same arguments, so the same build).
fn page_wasm_build() -> Command {
    cargo(&[
        "build",
        "--target=wasm32-unknown-unknown",
        "--manifest-path",
        "web/Cargo.toml",
        "--profile",
        "wasm-release",
        "--bin",
        "certplay-web",
        // The reader worker (index.html's second rust link): trunk builds
        // it with the same arguments but this `--bin`; built here, side by
        // side with the server, trunk finds both done.
        "--bin",
        "certplay-inspect",
    ])
}

fn trunk_build() -> Command {
    let mut command = Command::new(cargo_bin("trunk"));
    command.args(["build", "--release"]).current_dir(root());
    // trunk's release binaries ask crates.io whether there is a newer trunk
    // (their default `update_check` feature); the version here is pinned.
    command.env("TRUNK_SKIP_VERSION_CHECK", "true");
    command
}

/// core's handshake lab is a feature (the page and the tools worker leave
/// it out); the tests build it, natively and on wasm32.
const LAB: &str = "certplay-core/lab";

/// Every check and test. One definition: CI runs exactly this.
///
/// Clippy runs as the compiler of the test builds (`RUSTC_WORKSPACE_WRAPPER`
/// is how `cargo clippy` itself works): every dependency is compiled once,
/// for the tests, instead of once more in check mode for clippy. On 2 cores
/// that saved the two clippy steps' 13 minutes (444 s + 352 s, measured on
/// a clean clone) minus the lint time.
fn test() -> Result {
    let started = Instant::now();
    setup()?;
    step(
        "cargo fmt --check",
        cargo(&["fmt", "--all", "--", "--check"]),
    )?;
    // The page first: the server embeds it, and the browser test drives it.
    build_page()?;
    let clippy = clippy_driver()?;
    step(
        "clippy -D warnings + build (native, all targets)",
        linted(
            cargo(&[
                "test",
                "--workspace",
                "--all-targets",
                "--no-run",
                "--features",
                LAB,
            ]),
            &clippy,
        ),
    )?;
    step(
        "native tests (unit, curl, openssl, node, Chromium end to end)",
        linted(cargo(&["test", "--workspace", "--features", LAB]), &clippy)
            .env("CHROMEDRIVER", "/usr/bin/chromedriver"),
    )?;
    let wasm_tests = |extra: &[&str]| {
        let mut args = vec![
            "test",
            "-p",
            "certplay-core",
            "-p",
            "certplay-web",
            "--target",
            WASM_TARGET,
            "--features",
            LAB,
        ];
        args.extend_from_slice(extra);
        let mut command = wasm_test_env(linted(cargo(&args), &clippy));
        command.env("WASM_BINDGEN_TEST_TIMEOUT", "120");
        command
    };
    step(
        "clippy -D warnings + build (core and web on wasm32, all targets)",
        wasm_tests(&["--all-targets", "--no-run"]),
    )?;
    step(
        "core and web tests in headless Chromium (wasm-bindgen-test)",
        wasm_tests(&[]),
    )?;
    print_step_table();
    println!("xtask: all checks passed in {:.0?}", started.elapsed());
    Ok(())
}

/// The toolchain's `clippy-driver` (the one `cargo clippy` runs).
fn clippy_driver() -> Result<PathBuf> {
    let output = Command::new(env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let driver = Path::new(&sysroot).join("bin").join("clippy-driver");
    if driver.exists() {
        Ok(driver)
    } else {
        Err(format!(
            "clippy is not installed for this toolchain ({} is missing): run `rustup component add clippy`",
            driver.display()
        ))
    }
}

/// `command` (a cargo build or test) with clippy linting the workspace's
/// own crates as they compile, warnings as errors: `cargo clippy -- -D
/// warnings` without a second, check-only build of the dependencies.
fn linted(mut command: Command, clippy: &Path) -> Command {
    command.env("RUSTC_WORKSPACE_WRAPPER", clippy).env(
        "CLIPPY_ARGS",
        "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__",
    );
    command
}

/// Times issuing a set natively for every key type against the blog's
/// seven openssl commands, in one run, and prints medians; then `inspect`
/// against openssl and issuing in headless Chromium.
fn bench() -> Result {
    step("build certplay (release)", server_build())?;
    let bin = root().join("target/release/certplay");
    let dir = env::temp_dir().join(format!("certplay-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let runs = 21;
    let mut rows = Vec::new();
    // Every key type the page offers, natively: the figures the in-page
    // ones (web/tests/timing.rs, below) are set beside. RSA-4096 sets take
    // seconds: fewer runs.
    for key_type in ["p256", "p384", "ed25519", "rsa2048", "rsa3072", "rsa4096"] {
        let key_runs = if key_type == "rsa4096" { 7 } else { runs };
        let median = median_of(key_runs, || {
            let mut command = Command::new(&bin);
            command
                .args(["issue", "--force", "--key-type", key_type, "--out"])
                .arg(&dir);
            command
        })?;
        let what = if key_runs == runs {
            format!("certplay issue --key-type {key_type}")
        } else {
            format!("certplay issue --key-type {key_type} ({key_runs} runs)")
        };
        rows.push((what, median));
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
    inspect_throughput(&bin)?;
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

/// `certplay inspect` against openssl's text view of the same certificates
/// (`storeutl -text`: what `x509 -text` prints, for every certificate of one
/// file), over Debian's CA bundle ten times over, one process each.
fn inspect_throughput(bin: &Path) -> Result {
    const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
    const COPIES: usize = 10;
    let Ok(bundle) = std::fs::read(BUNDLE) else {
        println!("\n(no {BUNDLE}: inspect throughput not measured; it comes with ca-certificates)");
        return Ok(());
    };
    let count = String::from_utf8_lossy(&bundle)
        .matches("-----BEGIN CERTIFICATE-----")
        .count()
        * COPIES;
    let file = env::temp_dir().join(format!("certplay-inspect-{}.pem", std::process::id()));
    std::fs::write(&file, bundle.repeat(COPIES)).map_err(|e| e.to_string())?;
    let runs = 11;
    let ours = median_of(runs, || {
        let mut command = Command::new(bin);
        command.arg("inspect").arg(&file);
        command
    });
    let openssl = median_of(runs, || {
        let mut command = Command::new("openssl");
        command
            .args(["storeutl", "-noout", "-text", "-certs"])
            .arg(&file);
        command
    });
    let _ = std::fs::remove_file(&file);
    let (ours, openssl) = (ours?, openssl?);
    let certificates = f64::from(u32::try_from(count).unwrap_or(u32::MAX));
    println!(
        "\ntext view of {count} certificates (Debian's bundle x{COPIES}), median of {runs} runs \
         (ratio to openssl):"
    );
    for (what, time) in [
        ("certplay inspect", ours),
        ("openssl storeutl -noout -text -certs", openssl),
    ] {
        println!(
            "  {what:<45} {:>8.1} ms  {:>8.0} certificates/s  {:>6.3}x",
            time * 1e3,
            certificates / time,
            time / openssl
        );
    }
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
    step("build the page (trunk build --release)", trunk_build())
}

/// Installs what the test command needs that is missing, and only that.
fn setup() -> Result {
    ensure_wasm_target()?;
    let packages: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|(_, program)| !program_exists(program))
        .map(|(name, _)| *name)
        .collect();
    if !packages.is_empty() {
        apt_install(&packages)?;
    }
    let installs = install_missing_tools()?;
    for install in installs {
        install.wait()?;
    }
    Ok(())
}

fn ensure_wasm_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup: {e} (certplay needs Rust installed with rustup)"))?;
    if String::from_utf8_lossy(&installed.stdout).contains(WASM_TARGET) {
        return Ok(());
    }
    step(
        "rustup target add wasm32-unknown-unknown (the page's compile target; about 20 s, once)",
        Command::new("rustup").args(["target", "add", WASM_TARGET]),
    )
}

/// `apt-get install` as root, or through `sudo -n` (never a password
/// prompt in the middle of a build); otherwise the exact command to run.
fn apt_install(packages: &[&str]) -> Result {
    let list = packages.join(" ");
    let by_hand = format!(
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {list}"
    );
    if !program_exists("apt-get") {
        return Err(format!(
            "the tests need {list}, and this system has no apt-get: install them with its \
             package manager, then run this command again"
        ));
    }
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let sudo_works = root_user
        || Command::new("sudo")
            .args(["-n", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !sudo_works {
        return Err(format!(
            "the tests need the Debian packages {list}; installing them needs root, and \
             `sudo -n` cannot run without a password here. Run this yourself, then this \
             command again:\n  sudo apt-get update && {by_hand}"
        ));
    }
    // sudo drops the environment: pass DEBIAN_FRONTEND through `env`.
    let apt = |args: &[&str]| {
        let mut command = if root_user {
            Command::new("env")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.args(["-n", "env"]);
            sudo
        };
        command
            .args(["DEBIAN_FRONTEND=noninteractive", "apt-get"])
            .args(args);
        command
    };
    println!("xtask: the tests need the Debian packages {list} (about 1 to 3 min, once)");
    step("apt-get update", apt(&["update"]))?;
    step(
        &format!("apt-get install {list}"),
        apt(&["install", "-y", "--no-install-recommends"]).args(packages),
    )
    .map_err(|e| format!("{e}; to install by hand: {by_hand}"))
}

/// True when ~/.cargo/bin (or PATH) has every binary of the tool, and its
/// main one prints the pinned version.
fn tool_installed(tool: &Tool) -> bool {
    let Some(main) = tool.bins.first() else {
        return true;
    };
    let version = Command::new(cargo_bin(main))
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    version.trim() == format!("{main} {}", tool.version)
        && tool
            .bins
            .iter()
            .all(|bin| cargo_bin(bin).is_absolute() || program_exists(bin))
}

/// The tools that are not installed: each one's release binaries first,
/// both downloads at once (seconds, where GitHub can be reached); what is
/// still missing then compiles in the background (`install_in_background`).
fn install_missing_tools() -> Result<Vec<Job>> {
    let missing: Vec<&Tool> = [&TRUNK, &WASM_BINDGEN]
        .into_iter()
        .filter(|tool| !tool_installed(tool))
        .collect();
    let still_missing: Vec<&Tool> = match (prebuilt::base(), cargo_bin_dir()) {
        (Some(base), Some(bin_dir)) => thread::scope(|scope| {
            let downloads: Vec<_> = missing
                .iter()
                .map(|tool| (*tool, scope.spawn(|| download_tool(tool, &base, &bin_dir))))
                .collect();
            downloads
                .into_iter()
                .filter_map(|(tool, download)| (!download.join().unwrap_or(false)).then_some(tool))
                .collect()
        }),
        _ => missing,
    };
    still_missing
        .into_iter()
        .map(install_in_background)
        .collect()
}

/// The tool's release binaries into `bin_dir`, said either way; true when
/// they are there.
fn download_tool(tool: &Tool, base: &str, bin_dir: &Path) -> bool {
    let work = root()
        .join("target/xtask-tools")
        .join(format!("{}-download", tool.krate));
    match prebuilt::install(base, tool.wanted(), bin_dir, &work) {
        Ok((url, seconds)) => {
            println!(
                "xtask: {} {}: its release binary from {url} ({seconds:.0} s; SHA-256 and version checked)",
                tool.krate, tool.version
            );
            true
        }
        Err(why) => {
            println!(
                "xtask: {} {}: no release binary ({why}); compiling it instead",
                tool.krate, tool.version
            );
            false
        }
    }
}

/// `cargo install --locked` of the tool with `TOOL_PROFILE`, in the
/// background, its output in a log file.
fn install_in_background(tool: &Tool) -> Result<Job> {
    let mut args = vec![
        "install",
        "--locked",
        "--force",
        tool.krate,
        "--version",
        tool.version,
        "--no-default-features",
    ];
    if !tool.features.is_empty() {
        args.extend(["--features", tool.features]);
    }
    for bin in tool.bins {
        args.extend(["--bin", bin]);
    }
    // Its own target directory: an interrupted install resumes where it
    // stopped; removed once installed.
    let target_dir = root().join("target/xtask-tools").join(tool.krate);
    let mut command = cargo(&args);
    command.arg("--target-dir").arg(&target_dir);
    command.envs(TOOL_PROFILE);
    background_then(
        &format!("cargo install {} {}", tool.krate, tool.version),
        tool.why,
        tool.first_time,
        command,
        tool.krate,
        Some(target_dir),
        tool.first_in_line,
    )
}

/// A long step that runs beside others: announced with what, why and how
/// long; its output goes to target/xtask-logs/NAME.log. A thread watches
/// it, so that its end is reported (and timed) when it happens.
#[derive(Debug)]
struct Job {
    name: String,
    log: PathBuf,
    started: Instant,
    watcher: Option<JoinHandle<Result>>,
    /// Set when nobody will wait for the job (a step before it failed): the
    /// watcher then stops it instead of leaving it behind; an install
    /// resumes from its target directory next time.
    abandon: Arc<AtomicBool>,
}

impl Drop for Job {
    fn drop(&mut self) {
        if let Some(watcher) = self.watcher.take() {
            self.abandon.store(true, Ordering::Relaxed);
            let _ = watcher.join();
        }
    }
}

fn background(
    what: &str,
    why: &str,
    first_time: &str,
    command: Command,
    log_name: &str,
) -> Result<Job> {
    background_then(what, why, first_time, command, log_name, None, false)
}

fn background_then(
    what: &str,
    why: &str,
    first_time: &str,
    command: Command,
    log_name: &str,
    remove_after: Option<PathBuf>,
    first_in_line: bool,
) -> Result<Job> {
    let mut command = if first_in_line {
        command
    } else {
        niced(command)
    };
    // One compiler at a time for each job beside the server's build: with a
    // job per core each, eight compilers took turns on two cores, and the
    // first run spent 1,096 CPU seconds instead of 959 (`/proc/stat`). The
    // jobs under `nice` share one more slot (a jobserver), so that the last
    // of them, the page's wasm, does not end alone on one core while the
    // other idles (76 s of the first run without it). trunk's install has
    // no share in it: given one, it took it beside the server's build, and
    // curl answered 100 s later.
    match background_slots() {
        Some(slots) if !first_in_line => slots.configure(&mut command),
        _ => {
            command.env("CARGO_BUILD_JOBS", "1");
        }
    }
    let logs = root().join("target/xtask-logs");
    fs::create_dir_all(&logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
    let log = logs.join(format!("{log_name}.log"));
    let file = File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let err = file
        .try_clone()
        .map_err(|e| format!("{}: {e}", log.display()))?;
    let mut child = command
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    println!(
        "xtask: >> {what}: {why}; {first_time} the first time (log: {})",
        relative(&log)
    );
    let started = Instant::now();
    let abandon = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (name, log, abandon) = (what.to_owned(), log.clone(), Arc::clone(&abandon));
        thread::spawn(move || {
            let status = loop {
                if abandon.load(Ordering::Relaxed) {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("{name}: stopped"));
                }
                match child.try_wait() {
                    Ok(Some(status)) => break status,
                    Ok(None) => thread::sleep(Duration::from_millis(200)),
                    Err(e) => return Err(format!("{name}: {e}")),
                }
            };
            let took = started.elapsed();
            if !status.success() {
                return Err(format!(
                    "{name} failed ({status}) after {took:.0?}; the end of {}:\n{}",
                    relative(&log),
                    tail(&log, 25)
                ));
            }
            println!("xtask: << {name}: done in {took:.0?}");
            if let Ok(mut times) = STEP_TIMES.lock() {
                times.push((name, took));
            }
            if let Some(dir) = remove_after {
                // Seconds for a tool's target directory: not on the way to
                // the page. Cut short when xtask ends, it is redone next time.
                thread::spawn(move || fs::remove_dir_all(dir));
            }
            Ok(())
        })
    };
    Ok(Job {
        name: what.to_owned(),
        log,
        started,
        watcher: Some(watcher),
        abandon,
    })
}

impl Job {
    /// Waits for the job, saying every minute that it is still at work.
    fn wait(mut self) -> Result {
        let Some(watcher) = self.watcher.take() else {
            return Ok(());
        };
        let mut said = self.started.elapsed();
        while !watcher.is_finished() {
            let elapsed = self.started.elapsed();
            if elapsed >= said + Duration::from_secs(60) {
                said = elapsed;
                println!(
                    "xtask: .. {} ({} min so far; {})",
                    self.name,
                    elapsed.as_secs() / 60,
                    last_line(&self.log)
                );
            }
            thread::sleep(Duration::from_millis(200));
        }
        watcher
            .join()
            .unwrap_or_else(|_| Err(format!("{}: its watcher panicked", self.name)))
    }
}

/// The job slot the background jobs under `nice` share (GNU make's
/// jobserver, which cargo and rustc follow), beyond the one each job has.
/// None when it cannot be made: each job then compiles one crate at a time.
fn background_slots() -> Option<&'static jobserver::Client> {
    static SLOTS: OnceLock<Option<jobserver::Client>> = OnceLock::new();
    SLOTS
        .get_or_init(|| jobserver::Client::new(1).ok())
        .as_ref()
}

/// The command under `nice -n 10` when there is a `nice`: what runs in the
/// foreground (the server's build) and trunk's install (`first_in_line`) go
/// first, and the other background jobs take every cycle they leave.
/// (Measured: curl answers minutes earlier, the page is no later.)
fn niced(command: Command) -> Command {
    if !program_exists("nice") {
        return command;
    }
    let mut niced = Command::new("nice");
    niced
        .args(["-n", "10"])
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => niced.env(key, value),
            None => niced.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        niced.current_dir(dir);
    }
    niced
}

fn tail(log: &Path, lines: usize) -> String {
    let all: Vec<String> = File::open(log)
        .map(|f| BufReader::new(f).lines().map_while(|l| l.ok()).collect())
        .unwrap_or_default();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The log's last line (cargo's "Compiling x" says how far it is).
fn last_line(log: &Path) -> String {
    tail(log, 1).trim().to_owned()
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A program in ~/.cargo/bin when it is there, else by name on PATH.
fn cargo_bin(program: &str) -> PathBuf {
    cargo_bin_dir()
        .map(|dir| dir.join(program))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(program))
}

/// Where `cargo install` puts programs: `$CARGO_HOME/bin`, else ~/.cargo/bin.
fn cargo_bin_dir() -> Option<PathBuf> {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin"))
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

/// Every step's wall time, for the table `cargo xtask test` ends with.
static STEP_TIMES: Mutex<Vec<(String, Duration)>> = Mutex::new(Vec::new());

/// The steps so far as the table of docs/BUILDING.md ("cargo xtask test").
fn print_step_table() {
    let Ok(times) = STEP_TIMES.lock() else {
        return;
    };
    println!("\n| step | seconds |\n|---|---:|");
    for (name, took) in times.iter() {
        println!("| {name} | {:.0} |", took.as_secs_f64());
    }
}

/// Runs one step, timing it; a failed step ends the task.
fn step(name: &str, mut command: impl BorrowMut<Command>) -> Result {
    println!("xtask: == {name}");
    let started = Instant::now();
    let status = command
        .borrow_mut()
        .status()
        .map_err(|e| format!("{name}: cannot start: {e}"))?;
    let took = started.elapsed();
    println!("xtask: == {name}: {took:.1?}");
    if let Ok(mut times) = STEP_TIMES.lock() {
        times.push((name.to_owned(), took));
    }
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}
