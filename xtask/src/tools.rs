//! The tools the page needs (trunk, wasm-bindgen-cli): their release
//! binaries where GitHub can be reached (prebuilt.rs), else `cargo install`
//! in the background; skipped when the pinned version is there.

use std::path::Path;
use std::process::Command;
use std::thread;

use crate::jobs::{Background, Job};
use crate::prebuilt;
use crate::steps::{cargo, cargo_bin, cargo_bin_dir, program_exists, root};
use crate::Result;

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
pub fn install_missing_tools() -> Result<Vec<Job>> {
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
    Background {
        what: &format!("cargo install {} {}", tool.krate, tool.version),
        why: tool.why,
        first_time: tool.first_time,
        log_name: tool.krate,
        remove_after: Some(target_dir),
        first_in_line: tool.first_in_line,
    }
    .start(command)
}
