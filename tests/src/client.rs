//! A client program (curl, openssl s_client, Python, Node) run against a
//! server with what it reads on standard input, and killed if it hangs.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How long a client may run before it is killed.
const CLIENT_LIMIT: Duration = Duration::from_secs(30);

/// What a client did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    /// Its exit code; `None` when a signal ended it (the 30 s limit).
    pub exit: Option<i32>,
    /// Its standard output, then its standard error.
    pub output: String,
}

/// Runs `program ARGS` in `dir` with `input` on its standard input; kills
/// it (SIGKILL) after 30 s.
pub fn run_with_input(dir: &Path, program: &str, args: &[String], input: &str) -> Said {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {program}: {e}; `cargo xtask setup` installs curl, openssl, \
                 python3 and node"
            )
        });
    if let Some(mut stdin) = child.stdin.take() {
        // A client that refused before reading has closed its end.
        let _ = stdin.write_all(input.as_bytes());
    }
    let (done, finished) = mpsc::channel::<()>();
    let id = child.id();
    let watchdog = thread::spawn(move || {
        if finished.recv_timeout(CLIENT_LIMIT).is_err() {
            let _ = Command::new("kill")
                .args(["-KILL", &id.to_string()])
                .status();
        }
    });
    let output = child.wait_with_output().expect("waiting for the client");
    let _ = done.send(());
    let _ = watchdog.join();
    Said {
        exit: output.status.code(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}
