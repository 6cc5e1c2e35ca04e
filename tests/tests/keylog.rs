//! `certplay serve --keylog FILE`: the server writes the same TLS secrets
//! that real curl writes to `SSLKEYLOGFILE` for the same connections (what
//! Wireshark needs to decrypt a capture), in TLS 1.3 and TLS 1.2; the file
//! is new and 0600, a line at start says keys are being written, and a
//! file that is there already is never replaced.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;

use certplay_core::KeyType;
use certplay_tests::{certplay, issue_into, stderr, temp_dir, Server, BLOG_FILES};

fn lines(text: &str) -> BTreeSet<String> {
    text.lines().map(str::to_owned).collect()
}

#[test]
fn the_servers_key_log_holds_the_secrets_curl_logs() {
    let dir = temp_dir();
    issue_into(dir.path(), KeyType::EcdsaP256);
    let mut args = BLOG_FILES.to_vec();
    args.extend(["--keylog", "keys.log", "--no-page"]);
    let server = Server::start(dir.path(), &args);
    assert!(
        server
            .stdout
            .contains("certplay: writing the TLS secrets of every connection to keys.log"),
        "{}",
        server.stdout
    );
    for (version, labels) in [
        (
            "--tlsv1.3",
            &["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"][..],
        ),
        ("--tls-max", &["CLIENT_RANDOM"][..]),
    ] {
        let curl_log = dir.path().join(format!("curl{version}.log"));
        let mut args = vec![
            "--silent",
            "--show-error",
            "--cacert",
            "ca.crt",
            "--cert",
            "client.crt",
            "--key",
            "client.key",
            version,
        ];
        if version == "--tls-max" {
            args.push("1.2");
        }
        let url = server.url();
        args.push(&url);
        let out = Command::new("curl")
            .args(&args)
            .current_dir(dir.path())
            .env("SSLKEYLOGFILE", &curl_log)
            .output()
            .expect("running curl");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "Hello World\n",
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let curls = lines(&fs::read_to_string(&curl_log).expect("curl wrote its key log"));
        // The server writes its lines as the handshake goes; curl has its
        // answer, so the handshake is over.
        let servers = lines(&fs::read_to_string(dir.path().join("keys.log")).unwrap());
        for label in labels {
            assert!(
                curls.iter().any(|l| l.starts_with(label)),
                "curl logged no {label}:\n{curls:?}"
            );
        }
        let missing: Vec<_> = curls.difference(&servers).collect();
        assert!(
            missing.is_empty(),
            "{version}: the server's key log lacks curl's lines {missing:?}\nserver's:\n{servers:?}"
        );
    }
    let mode = fs::metadata(dir.path().join("keys.log"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the key log is the owner's only");
    drop(server);

    // Never replaced: a second server refuses to start over it.
    let before = fs::read(dir.path().join("keys.log")).unwrap();
    let mut args = vec!["serve"];
    args.extend(BLOG_FILES);
    args.extend(["--keylog", "keys.log", "--no-page", "--port", "0"]);
    let out = certplay(dir.path(), &args);
    assert!(!out.status.success(), "serve replaced an existing key log");
    assert!(
        stderr(&out).contains("keys.log"),
        "the refusal names the file: {}",
        stderr(&out)
    );
    assert_eq!(fs::read(dir.path().join("keys.log")).unwrap(), before);
}
