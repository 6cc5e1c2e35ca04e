//! The builds `run`, `test`, `bench` and `install` share: the `certplay`
//! binary, the page's wasm and trunk's page, and whether the page is stale.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use crate::steps::{cargo, cargo_bin, root, step};
use crate::Result;

/// Trunk.toml's `dist`: trunk writes the page here, the server embeds it
/// (server/build.rs) or, under `cargo xtask run`, reads it at each request.
pub const PAGE_DIR: &str = "target/certplay-page";

/// The release build of the `certplay` binary alone, shared by `run` and
/// `bench`: the package's other binary (`certplay-bench`, the load client
/// that `server/bench/servers.sh` needs, built as its header says) cost 73
/// of its 427 CPU seconds on a fresh machine (`cargo build --timings`).
pub fn server_build() -> Command {
    cargo(&[
        "build",
        "--release",
        "-p",
        "certplay-server",
        "--bin",
        "certplay",
    ])
}

/// The page needs building when trunk's output is missing or older than
/// anything it is built from. Conservative: a fresh checkout rebuilds.
pub fn page_stale() -> bool {
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
pub fn page_wasm_build() -> Command {
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

pub fn trunk_build() -> Command {
    let mut command = Command::new(cargo_bin("trunk"));
    command.args(["build", "--release"]).current_dir(root());
    // trunk's release binaries ask crates.io whether there is a newer trunk
    // (their default `update_check` feature); the version here is pinned.
    command.env("TRUNK_SKIP_VERSION_CHECK", "true");
    command
}

pub fn build_page() -> Result {
    step("build the page (trunk build --release)", trunk_build())
}
