//! Steps and the workspace: running one command as a timed step, the
//! table of step times, cargo in the workspace root, where programs are.

use std::borrow::BorrowMut;
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::Result;

/// Every step's wall time, for the table `cargo xtask test` ends with.
pub static STEP_TIMES: Mutex<Vec<(String, Duration)>> = Mutex::new(Vec::new());

/// The steps so far as the table of docs/BUILDING.md ("cargo xtask test").
pub fn print_step_table() {
    let Ok(times) = STEP_TIMES.lock() else {
        return;
    };
    println!("\n| step | seconds |\n|---|---:|");
    for (name, took) in times.iter() {
        println!("| {name} | {:.0} |", took.as_secs_f64());
    }
}

/// Runs one step, timing it; a failed step ends the task.
pub fn step(name: &str, mut command: impl BorrowMut<Command>) -> Result {
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

pub fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.args(args).current_dir(root());
    command
}

/// The workspace root (xtask/..).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

pub fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A program in ~/.cargo/bin when it is there, else by name on PATH.
pub fn cargo_bin(program: &str) -> PathBuf {
    cargo_bin_dir()
        .map(|dir| dir.join(program))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(program))
}

/// Where `cargo install` puts programs: `$CARGO_HOME/bin`, else ~/.cargo/bin.
pub fn cargo_bin_dir() -> Option<PathBuf> {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin"))
}

pub fn program_exists(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).exists();
    }
    env::var_os("PATH")
        .is_some_and(|path| env::split_paths(&path).any(|d| d.join(program).exists()))
}
