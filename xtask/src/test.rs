//! `cargo xtask test`: every check and test, as CI runs them.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::builds::build_page;
use crate::setup::{setup, WASM_TARGET};
use crate::steps::{cargo, print_step_table, step};
use crate::Result;

/// core's handshake lab is a feature (the page and the tools worker leave
/// it out); the tests build it, natively and on wasm32.
pub const LAB: &str = "certplay-core/lab";

/// The same with the page's lab module (web's `lab` feature: trunk builds
/// it alone), for the commands that build both crates. tests/src/lib.rs
/// `TEST_FEATURES` is the same list: a test that builds the `certplay`
/// binary builds it with these features.
pub const LAB_AND_PAGE: &str = "certplay-core/lab,certplay-web/lab";

/// Every check and test. One definition: CI runs exactly this.
///
/// Clippy runs as the compiler of the test builds (`RUSTC_WORKSPACE_WRAPPER`
/// is how `cargo clippy` itself works): every dependency is compiled once,
/// for the tests, instead of once more in check mode for clippy. On 2 cores
/// that saved the two clippy steps' 13 minutes (444 s + 352 s, measured on
/// a clean clone) minus the lint time.
pub fn test() -> Result {
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
                LAB_AND_PAGE,
            ]),
            &clippy,
        ),
    )?;
    step(
        "native tests (unit, curl, openssl, node, Chromium end to end)",
        linted(
            cargo(&["test", "--workspace", "--features", LAB_AND_PAGE]),
            &clippy,
        )
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
            LAB_AND_PAGE,
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

/// wasm-bindgen-test in headless Chromium through Debian's chromedriver.
pub fn wasm_test_env(mut command: Command) -> Command {
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

#[cfg(test)]
mod tests {
    use super::LAB_AND_PAGE;

    /// A test that builds the `certplay` binary (tests/src/lib.rs
    /// `certplay_bin`) builds it with the test command's features; with
    /// others, cargo compiles every dependency again for them.
    #[test]
    fn the_tests_build_certplay_with_the_test_commands_features() {
        let helpers = include_str!("../../tests/src/lib.rs");
        let line = format!("pub const TEST_FEATURES: &str = \"{LAB_AND_PAGE}\";");
        assert!(
            helpers.lines().any(|l| l == line),
            "tests/src/lib.rs has no line {line}"
        );
    }
}
