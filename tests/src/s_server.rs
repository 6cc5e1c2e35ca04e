//! `openssl s_server`, started by a test on a loopback port the kernel picks.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::{curl, leading_port, printed_port, run, stdout, KillOnDrop};

/// `openssl s_server -www` on `127.0.0.1`, serving `server.crt` and
/// `server.key` from the directory it was started in, killed on drop.
#[derive(Debug)]
pub struct SServer {
    _child: KillOnDrop,
    /// The port it listens on.
    pub port: u16,
}

impl SServer {
    /// Starts `openssl s_server -accept 127.0.0.1:0 -cert server.crt
    /// -key server.key -www EXTRA` in `dir` and waits until it accepts.
    /// `extra` adds what a test asks of it, e.g. `-Verify 1 -CAfile
    /// ca.crt` (given `-CAfile`, s_server also sends that CA in its chain).
    pub fn start(dir: &Path, extra: &[&str]) -> Self {
        let mut args = vec![
            "s_server",
            "-accept",
            "127.0.0.1:0",
            "-cert",
            "server.crt",
            "-key",
            "server.key",
            "-www",
        ];
        args.extend_from_slice(extra);
        let mut child = KillOnDrop(
            Command::new("openssl")
                .args(&args)
                .current_dir(dir)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("openssl runs (apt-get install openssl)"),
        );
        // It prints `ACCEPT 127.0.0.1:PORT` once it listens there.
        let port = printed_port(
            &mut child.0,
            &format!("openssl s_server {extra:?}"),
            |line| leading_port(line.strip_prefix("ACCEPT 127.0.0.1:")?),
        );
        Self {
            _child: child,
            port,
        }
    }

    /// `localhost:PORT`, as `certplay connect` takes it.
    pub fn target(&self) -> String {
        format!("localhost:{}", self.port)
    }
}

/// `openssl s_client -connect 127.0.0.1:PORT -servername localhost EXTRA
/// -showcerts </dev/null` in `dir` (20 s at most): its standard output is
/// what a person copies from the terminal. `extra`: `-CAfile ca.crt` for
/// its verify result, ...
pub fn showcerts(dir: &Path, port: u16, extra: &[&str]) -> Output {
    let connect = format!("127.0.0.1:{port}");
    let mut args = vec![
        "20",
        "openssl",
        "s_client",
        "-connect",
        &connect,
        "-servername",
        "localhost",
    ];
    args.extend_from_slice(extra);
    args.push("-showcerts");
    run(dir, "timeout", &args)
}

/// curl presenting `cert`/`key` (paths from `dir`) to
/// `https://localhost:PORT/` (resolved to 127.0.0.1), trusting `dir`'s
/// `ca.crt`; it prints only the HTTP status code. See [`let_in`].
pub fn curl_status(dir: &Path, port: u16, cert: &str, key: &str) -> Output {
    let resolve = format!("localhost:{port}:127.0.0.1");
    let url = format!("https://localhost:{port}/");
    curl(
        dir,
        &[
            "--cacert",
            "ca.crt",
            "--resolve",
            &resolve,
            "--cert",
            cert,
            "--key",
            key,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &url,
        ],
    )
}

/// Whether [`curl_status`]'s server let the client in: it answered 200.
pub fn let_in(curl: &Output) -> bool {
    curl.status.success() && stdout(curl) == "200"
}
