//! Long steps that run beside others (a tool's install, the page's wasm):
//! each in the background with its log, a watcher that reports its end,
//! and the job slots and priorities they share.

use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::steps::{program_exists, relative, root, STEP_TIMES};
use crate::Result;

/// A long step that runs beside others: announced with what, why and how
/// long; its output goes to target/xtask-logs/NAME.log. A thread watches
/// it, so that its end is reported (and timed) when it happens.
#[derive(Debug)]
pub struct Job {
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

/// How to run a [`Job`]: what the person is told, where its log goes, and
/// how it shares the machine.
#[derive(Debug, Default)]
pub struct Background<'a> {
    /// What it does ("cargo install trunk 0.21.14").
    pub what: &'a str,
    /// Why it is needed.
    pub why: &'a str,
    /// How long it took the first time, measured.
    pub first_time: &'a str,
    /// The log's name: target/xtask-logs/NAME.log.
    pub log_name: &'a str,
    /// A directory removed once the job succeeded (a tool's target
    /// directory: not needed after the install).
    pub remove_after: Option<PathBuf>,
    /// At the foreground's priority and outside the shared job slot, instead
    /// of behind it (see [`niced`]).
    pub first_in_line: bool,
}

impl Background<'_> {
    /// Starts `command` as described; its end is reported when it happens.
    pub fn start(self, command: Command) -> Result<Job> {
        let Background {
            what,
            why,
            first_time,
            log_name,
            remove_after,
            first_in_line,
        } = self;
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
        let file =
            File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
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
}

impl Job {
    /// Waits for the job, saying every minute that it is still at work.
    pub fn wait(mut self) -> Result {
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
pub fn niced(command: Command) -> Command {
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
