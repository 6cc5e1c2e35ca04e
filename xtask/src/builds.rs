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

/// Builds the page with trunk, then prints each wasm's size beside its
/// budget ([`page_sizes`]); a file over its budget fails the step (the
/// test command's; `cargo xtask run` builds the page without this check).
pub fn build_page() -> Result {
    step("build the page (trunk build --release)", trunk_build())?;
    let over = page_sizes()?;
    if over.is_empty() {
        return Ok(());
    }
    let said: Vec<String> = over
        .iter()
        .map(|(bin, by)| format!("{bin} by {} bytes", thousands(*by)))
        .collect();
    Err(format!(
        "the page's wasm is over its budget (docs/BUILDING.md \"The page's size\"): {}",
        said.join(", ")
    ))
}

/// The page's wasm files (trunk's names: index.html's `data-bin`) and
/// their budgets in bytes of `gzip -9` (docs/BUILDING.md "The page's
/// size").
pub const BUDGETS: [(&str, u64); 3] = [
    ("certplay-web", 280_000),
    ("certplay-inspect", 600_000),
    ("certplay-lab", 400_000),
];

/// Prints each of the page's wasm files' `gzip -9` size beside its
/// budget; returns the files over their budget, with by how much. A
/// missing file or gzip is an error.
pub fn page_sizes() -> Result<Vec<(&'static str, u64)>> {
    let dir = root().join(PAGE_DIR);
    let files: Vec<_> = fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e} (build the page first)", dir.display()))?
        .flatten()
        .map(|entry| entry.path())
        .collect();
    println!("xtask: the page's wasm, gzip -9 bytes (budgets: docs/BUILDING.md):");
    let mut over = Vec::new();
    for (bin, budget) in BUDGETS {
        let file = files
            .iter()
            .find(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| trunk_wasm_of(name) == Some(bin))
            })
            .ok_or_else(|| format!("{}: no {bin}_bg.wasm (built by trunk?)", dir.display()))?;
        let size = gzip_size(file)?;
        let verdict = if size > budget {
            over.push((bin, size - budget));
            format!("OVER by {}", thousands(size - budget))
        } else {
            format!("{} to spare", thousands(budget - size))
        };
        println!(
            "xtask:   {bin:<17} {:>9} of {:>9}  {verdict}",
            thousands(size),
            thousands(budget)
        );
    }
    Ok(over)
}

/// The `data-bin` a file trunk wrote is the wasm of: `NAME_bg.wasm` or,
/// for the page's own, `NAME-HASH_bg.wasm`.
fn trunk_wasm_of(file: &str) -> Option<&str> {
    let stem = file.strip_suffix("_bg.wasm")?;
    Some(match stem.rsplit_once('-') {
        Some((bin, hash)) if hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => bin,
        _ => stem,
    })
}

/// `gzip -9c FILE | wc -c`, as docs/BUILDING.md measures.
fn gzip_size(file: &Path) -> Result<u64> {
    let output = Command::new("gzip")
        .arg("-9c")
        .arg(file)
        .output()
        .map_err(|e| format!("cannot run gzip ({e}): apt-get install gzip"))?;
    if !output.status.success() {
        return Err(format!(
            "gzip -9c {} failed ({})",
            file.display(),
            output.status
        ));
    }
    Ok(output.stdout.len() as u64)
}

/// 609693 as "609,693".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{thousands, trunk_wasm_of};

    #[test]
    fn trunks_file_names_name_their_wasm() {
        assert_eq!(
            trunk_wasm_of("certplay-web-693de3b3c00178_bg.wasm"),
            Some("certplay-web")
        );
        assert_eq!(
            trunk_wasm_of("certplay-inspect_bg.wasm"),
            Some("certplay-inspect")
        );
        assert_eq!(trunk_wasm_of("certplay-lab_bg.wasm"), Some("certplay-lab"));
        assert_eq!(trunk_wasm_of("certplay-inspect.js"), None);
    }

    #[test]
    fn sizes_are_grouped_by_thousands() {
        assert_eq!(thousands(609_693), "609,693");
        assert_eq!(thousands(600_000), "600,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
    }
}
