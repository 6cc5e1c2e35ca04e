//! The `certplay` command line, run as a person would.

use std::process::Command;

#[test]
fn help_names_both_subcommands() {
    let out = Command::new(env!("CARGO_BIN_EXE_certplay"))
        .arg("--help")
        .output()
        .expect("running certplay");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("serve") && text.contains("issue"), "{text}");
}

#[test]
fn issue_writes_the_blogs_six_files_with_private_keys_private() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_certplay"))
        .args(["issue", "--out", "set", "--key-type", "rsa2048"])
        .current_dir(dir.path())
        .output()
        .expect("running certplay");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in [
        "ca.crt",
        "ca.key",
        "server.crt",
        "server.key",
        "client.crt",
        "client.key",
    ] {
        let path = dir.path().join("set").join(name);
        let text = std::fs::read_to_string(&path).expect(name);
        assert!(text.starts_with("-----BEGIN "), "{name}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect(name).permissions().mode() & 0o777;
            let expected = if name.ends_with(".key") { 0o600 } else { 0o644 };
            assert_eq!(mode, expected, "{name}");
        }
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_certplay"))
        .args(["issue", "--key-type", "dsa"])
        .current_dir(dir.path())
        .output()
        .expect("running certplay");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("choose p256 or rsa2048"));
}
