//! `cargo xtask install`: `certplay`, with the page built in, on PATH.
//!
//! The page is built first when it is stale (the tools too, when they are
//! missing), so that the binary embeds it (server/build.rs); the binary is
//! the very build `cargo xtask run` makes (release; `--debug`: the dev
//! build the tests use; `--binary FILE`: one built already), so nothing is
//! compiled twice. It is copied into
//! `$CARGO_HOME/bin` (`--root DIR`: `DIR/bin`), where `cargo install`
//! puts programs, the way the tools' release binaries are (prebuilt.rs): a
//! new file renamed into place, so that a link at that name is replaced,
//! never followed. An installed binary that is already the same is left
//! alone, and said so.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

use crate::builds::{page_stale, server_build, trunk_build};
use crate::prebuilt;
use crate::setup::ensure_wasm_target;
use crate::steps::{cargo, cargo_bin_dir, root, step};
use crate::tools::install_missing_tools;
use crate::Result;

/// What `cargo xtask install` was asked.
#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    /// `--root DIR`: install into DIR/bin.
    root: Option<PathBuf>,
    /// `--debug`: the dev build instead of release.
    debug: bool,
    /// `--binary FILE`: a certplay built already (with its page), placed
    /// as it is instead of building one.
    binary: Option<PathBuf>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--root" => {
                    let dir = args.next().ok_or("--root needs a directory")?;
                    options.root = Some(PathBuf::from(dir));
                }
                "--debug" => options.debug = true,
                "--binary" => {
                    let file = args.next().ok_or("--binary needs a file")?;
                    options.binary = Some(PathBuf::from(file));
                }
                other => {
                    return Err(format!(
                        "install: unknown argument {other:?}; usage: cargo xtask install \
                         [--root DIR] [--debug | --binary FILE]"
                    ))
                }
            }
        }
        Ok(options)
    }
}

/// Whether the binary in place was replaced.
#[derive(Debug, PartialEq, Eq)]
enum Placed {
    /// It was missing or different: the new one is there now.
    Installed,
    /// The same bytes were there already.
    Current,
}

/// `cargo xtask install [--root DIR] [--debug | --binary FILE]`.
pub fn install(args: &[String]) -> Result {
    let options = Options::parse(args)?;
    let bin_dir = match &options.root {
        Some(dir) => absolute(dir)?.join("bin"),
        None => cargo_bin_dir().ok_or("neither CARGO_HOME nor HOME is set: pass --root DIR")?,
    };
    let built = match &options.binary {
        Some(file) => absolute(file)?,
        None => build(options.debug)?,
    };
    let target = bin_dir.join("certplay");
    match place(&built, &bin_dir)? {
        Placed::Current => println!("xtask: {} is current: nothing to do", target.display()),
        Placed::Installed => println!("xtask: installed {}", target.display()),
    }
    if !on_path(&bin_dir) {
        println!(
            "xtask: {} is not on PATH; add it, e.g.: export PATH=\"{}:$PATH\"",
            bin_dir.display(),
            bin_dir.display()
        );
    }
    println!("xtask: try it: certplay serve (then open the page it prints)");
    Ok(())
}

/// Builds the page when it is stale, then certplay with it built in
/// (release, or the dev build with `debug`); returns the binary.
fn build(debug: bool) -> Result<PathBuf> {
    if page_stale() {
        ensure_wasm_target()?;
        for install in install_missing_tools()? {
            install.wait()?;
        }
        step("build the page (trunk build --release)", trunk_build())?;
    } else {
        println!("xtask: the page is current (target/certplay-page): not rebuilt");
    }
    if debug {
        step(
            "build certplay (dev)",
            cargo(&["build", "-p", "certplay-server", "--bin", "certplay"]),
        )?;
        Ok(root().join("target/debug/certplay"))
    } else {
        step(
            "build certplay (release; 4 to 7 min the first time)",
            server_build(),
        )?;
        Ok(root().join("target/release/certplay"))
    }
}

/// Puts `built` into `bin_dir` as `certplay`, unless the same bytes are
/// there (a link at that name is replaced, not followed or compared).
fn place(built: &Path, bin_dir: &Path) -> Result<Placed> {
    let target = bin_dir.join("certplay");
    let is_file = fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_file());
    if is_file {
        let new = fs::read(built).map_err(|e| format!("cannot read {}: {e}", built.display()))?;
        if fs::read(&target).is_ok_and(|old| old == new) {
            return Ok(Placed::Current);
        }
    }
    prebuilt::put_in_place(&["certplay"], &[built.to_path_buf()], bin_dir)?;
    Ok(Placed::Installed)
}

fn absolute(dir: &Path) -> Result<PathBuf> {
    if dir.is_absolute() {
        return Ok(dir.to_path_buf());
    }
    env::current_dir()
        .map(|here| here.join(dir))
        .map_err(|e| format!("cannot tell the current directory: {e}"))
}

fn on_path(dir: &Path) -> bool {
    env::var_os("PATH").is_some_and(|path| env::split_paths(&path).any(|d| d == dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_read_and_others_refused() {
        let args = |list: &[&str]| list.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
        assert_eq!(Options::parse(&args(&[])), Ok(Options::default()));
        assert_eq!(
            Options::parse(&args(&["--root", "/tmp/x", "--debug"])),
            Ok(Options {
                root: Some(PathBuf::from("/tmp/x")),
                debug: true,
                binary: None,
            })
        );
        assert_eq!(
            Options::parse(&args(&["--binary", "target/debug/certplay"])),
            Ok(Options {
                binary: Some(PathBuf::from("target/debug/certplay")),
                ..Options::default()
            })
        );
        assert!(Options::parse(&args(&["--binary"])).is_err());
        assert!(Options::parse(&args(&["--root"])).is_err());
        assert!(Options::parse(&args(&["--force"])).is_err());
    }

    #[test]
    fn a_binary_is_placed_once_and_a_link_is_replaced_not_followed() {
        let dir = std::env::temp_dir().join(format!("xtask-install-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch");
        let built = dir.join("built");
        fs::write(&built, b"binary one").expect("built");
        let bin = dir.join("bin");
        assert_eq!(place(&built, &bin), Ok(Placed::Installed));
        assert_eq!(place(&built, &bin), Ok(Placed::Current));
        fs::write(&built, b"binary two").expect("built");
        assert_eq!(place(&built, &bin), Ok(Placed::Installed));
        assert_eq!(
            fs::read(bin.join("certplay")).expect("placed"),
            b"binary two"
        );
        // A link left at the name: replaced by a file, its target untouched.
        let victim = dir.join("victim");
        fs::write(&victim, b"precious").expect("victim");
        fs::remove_file(bin.join("certplay")).expect("remove");
        std::os::unix::fs::symlink(&victim, bin.join("certplay")).expect("link");
        assert_eq!(place(&built, &bin), Ok(Placed::Installed));
        assert_eq!(fs::read(&victim).expect("victim"), b"precious");
        assert!(fs::symlink_metadata(bin.join("certplay"))
            .expect("placed")
            .file_type()
            .is_file());
        let _ = fs::remove_dir_all(&dir);
    }
}
