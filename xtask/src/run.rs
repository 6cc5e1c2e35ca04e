//! `cargo xtask run`: the server as soon as it is built, the page built
//! meanwhile and served from its directory.

use std::process::Command;
use std::time::Instant;

use crate::builds::{page_stale, page_wasm_build, server_build, trunk_build, PAGE_DIR};
use crate::jobs::{Background, Job};
use crate::setup::ensure_wasm_target;
use crate::steps::{root, step};
use crate::tools::install_missing_tools;
use crate::Result;

/// Builds the server and serves the demo set as soon as it is built; the
/// page is built meanwhile (tools first, on a fresh machine) and served from
/// its directory, with a "still being built" notice until then.
pub fn run(serve_args: &[String]) -> Result {
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
        Some(
            Background {
                what: "compile the page's wasm (cargo build --profile wasm-release)",
                why: "the page's Rust, ahead of trunk",
                first_time: if installs.is_empty() {
                    "about 5 min beside the server (two wasm)"
                } else {
                    "7 to 11 min beside the rest (two wasm)"
                },
                log_name: "page-wasm",
                ..Background::default()
            }
            .start(page_wasm_build())?,
        )
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
        Ok(true) => Some(
            Background {
                what: "rebuild certplay with the new page built in",
                why: "so that the next run starts at once",
                first_time: "under a minute",
                log_name: "certplay-refresh",
                ..Background::default()
            }
            .start(server_build())?,
        ),
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
        Background {
            what: "build the page (trunk build --release)",
            why: "the wasm is compiled: trunk runs wasm-bindgen and writes the page",
            first_time: "a few seconds",
            log_name: "trunk-build",
            ..Background::default()
        }
        .start(trunk_build())?
        .wait()?;
        println!(
            "xtask: the page is built ({:.0?} after start): reload it",
            started.elapsed()
        );
    }
    Ok(stale)
}
