//! `certplay serve` as a library function: the command line parsed as the
//! binary parses it, [`start`] called directly, its printed curl run with
//! the real curl; and the binary keeping on serving when nobody reads what
//! it prints.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use certplay_server::cli::serve::start;
use certplay_server::cli::{Cli, Command as Certplay};
use clap::Parser;

fn serve_args(args: &[&str]) -> certplay_server::cli::serve::ServeArgs {
    let mut all = vec!["certplay", "serve"];
    all.extend_from_slice(args);
    match Cli::try_parse_from(all)
        .expect("a valid command line")
        .command
    {
        Certplay::Serve(args) => args,
        other => panic!("parsed as {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_is_a_function_that_says_what_the_command_prints() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = dir.path().join("demo");
    let demo = demo.to_str().expect("a UTF-8 path");
    let args = serve_args(&["--demo-dir", demo, "--port", "0", "--page-port", "0"]);
    let started = start(&args).await.expect("started");
    let printed = started.lines.join("\n");
    assert!(printed.contains("made demo certificates in"), "{printed}");
    assert!(
        printed.contains(&format!(
            "mTLS server on https://localhost:{}",
            started.mtls_addr().port()
        )),
        "{printed}"
    );
    let page = started.page_addr().expect("the page");
    assert!(
        printed.contains(&format!("page on http://{page}/")),
        "{printed}"
    );
    assert_eq!(started.curl.first().map(String::as_str), Some("curl"));
    assert!(printed.contains("Try it:"), "{printed}");

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let curl = started.curl.clone();
    let serving = tokio::spawn(started.serve(
        async {
            let _ = stopped.await;
        },
        None,
    ));
    let answer = tokio::task::spawn_blocking(move || {
        Command::new(&curl[0])
            .args(&curl[1..])
            .args(["--silent", "--show-error", "--max-time", "20"])
            .output()
            .expect("curl")
    })
    .await
    .expect("curl ran");
    assert_eq!(
        String::from_utf8_lossy(&answer.stdout),
        "Hello World\n",
        "{}",
        String::from_utf8_lossy(&answer.stderr)
    );
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(15), serving)
        .await
        .expect("stopped within 15 s")
        .expect("the server task");
}

/// `certplay serve | true`: what it prints finds no reader (the pipe is
/// closed before it starts), and it serves all the same.
#[test]
fn serve_keeps_serving_when_nobody_reads_its_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_certplay"))
        .args(["serve", "--no-page", "--port", "0"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("certplay serve");
    drop(child.stdout.take());
    // It cannot say its port (nobody reads it): the kernel does.
    let deadline = Instant::now() + Duration::from_secs(60);
    let port = loop {
        if let Some(port) = listening_port(child.id()) {
            break port;
        }
        let gone = child.try_wait().expect("wait");
        assert!(
            gone.is_none(),
            "certplay serve stopped ({gone:?}) before it listened"
        );
        assert!(
            Instant::now() < deadline,
            "certplay serve did not listen within 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let answer = Command::new("curl")
        .args([
            "--silent",
            "--max-time",
            "20",
            "--cacert",
            "certplay-demo/ca.crt",
        ])
        .args([
            "--cert",
            "certplay-demo/client.crt",
            "--key",
            "certplay-demo/client.key",
        ])
        .arg(format!("https://localhost:{port}"))
        .current_dir(dir.path())
        .output()
        .expect("curl");
    let alive = child.try_wait().expect("wait").is_none();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert!(alive, "certplay serve died when its output found no reader");
    assert_eq!(String::from_utf8_lossy(&answer.stdout), "Hello World\n");
}

/// The TCP port process `pid` listens on, read from `/proc` (its socket
/// inodes in `/proc/PID/fd`, the listening sockets in `/proc/net/tcp` and
/// `tcp6`); `None` while it listens on none. A port the kernel gave the
/// process itself: no other program can be listening there.
fn listening_port(pid: u32) -> Option<u16> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()?
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|link| {
            let link = link.to_string_lossy().into_owned();
            Some(link.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|table| table.lines().skip(1).map(str::to_owned).collect::<Vec<_>>())
        .find_map(|line| {
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (local, state, inode) = (fields.get(1)?, fields.get(3)?, fields.get(9)?);
            if *state != "0A" || !inodes.iter().any(|i| i == inode) {
                return None;
            }
            u16::from_str_radix(local.rsplit(':').next()?, 16).ok()
        })
}
