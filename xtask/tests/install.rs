//! `cargo xtask install --root DIR` as a person runs it: `DIR/bin/certplay`
//! runs, serves the page built into it, and a second install leaves it as
//! it is. It installs the `certplay` that `cargo test --workspace` built
//! beside this test (`--binary`), so that the test command compiles no
//! second build of the server for this (a `cargo build -p certplay-server`
//! from here resolves other features and rebuilt most dependencies: 1,085 s
//! of a loaded test run); alone, without that binary, it builds one
//! (`--debug`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The `certplay` of this test build: `target/<profile>/certplay`, beside
/// `target/<profile>/deps/` where this test runs from.
fn built_certplay() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe.parent()?.parent()?.join("certplay");
    bin.is_file().then_some(bin)
}

fn install(root: &Path) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.arg("install");
    match built_certplay() {
        Some(bin) => command.arg("--binary").arg(bin),
        None => command.arg("--debug"),
    };
    let out = command
        .arg("--root")
        .arg(root)
        .stdin(Stdio::null())
        .output()
        .expect("running cargo xtask install");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    said
}

#[test]
fn install_puts_certplay_with_its_page_into_root_bin_once() {
    let root = std::env::temp_dir().join(format!("certplay-install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let said = install(&root);
    let bin = root.join("bin/certplay");
    assert!(
        said.contains(&format!("installed {}", bin.display())),
        "{said}"
    );
    assert!(said.contains("is not on PATH"), "{said}");

    let version = Command::new(&bin)
        .arg("--version")
        .output()
        .expect("certplay");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        format!("certplay {}\n", env!("CARGO_PKG_VERSION"))
    );

    // It serves the page built into it, from a directory of its own.
    let work = root.join("work");
    std::fs::create_dir_all(&work).expect("a working directory");
    let mut server = Command::new(&bin)
        .args(["serve", "--port", "0", "--page-port", "0"])
        .current_dir(&work)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("certplay serve");
    let stdout = server.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let address = line
                .split("page on http://")
                .nth(1)
                .and_then(|rest| rest.split('/').next());
            if let Some(address) = address {
                let _ = tx.send(address.to_owned());
            }
        }
    });
    let page = rx.recv_timeout(Duration::from_secs(60)).ok();
    let answer = page.map(|address| {
        let mut stream = TcpStream::connect(&address).expect("the page's port");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        write!(
            stream,
            "GET / HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )
        .expect("request");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    });
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    let answer = answer.expect("certplay serve printed the page's address");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("<title>certplay") && answer.contains(".wasm"),
        "not the built page: {answer}"
    );
    assert!(!answer.contains("built without its page"), "{answer}");

    let again = install(&root);
    assert!(again.contains("is current: nothing to do"), "{again}");
    let _ = std::fs::remove_dir_all(&root);
}
