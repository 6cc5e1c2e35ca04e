//! Every certificate of Debian's ca-certificates bundle is read, and its
//! subject, issuer, serial, validity and subjectAltName equal what
//! `openssl x509` prints. A missing bundle or openssl fails the test
//! (`cargo xtask test` installs both: the Debian packages `ca-certificates`
//! and `openssl`).
#![cfg(not(target_arch = "wasm32"))]

use std::io::Write;
use std::process::{Command, Stdio};

use certplay_core::read::{self, text};

const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Fewer certificates than this is not Debian's bundle (bookworm's
/// 20230311 holds 144; a file cut short or emptied would pass as 0 == 0).
const AT_LEAST: usize = 100;

fn openssl(pem: &str) -> Option<String> {
    let mut child = Command::new("openssl")
        .args([
            "x509",
            "-noout",
            "-subject",
            "-issuer",
            "-serial",
            "-startdate",
            "-enddate",
            "-ext",
            "subjectAltName",
            "-nameopt",
            "RFC2253,-esc_msb,utf8",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(pem.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Serial as `openssl x509 -serial` prints it: hex of the magnitude.
fn serial(bytes: &[u8]) -> String {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if trimmed.is_empty() {
        "00".into()
    } else {
        text::plain_hex(&trimmed)
    }
}

#[test]
fn debian_bundle_agrees_with_openssl() {
    let bundle = std::fs::read_to_string(BUNDLE).unwrap_or_else(|e| {
        panic!(
            "{BUNDLE}: {e}. This test reads Debian's CA bundle: `cargo xtask setup` installs it \
             (apt-get install ca-certificates)"
        )
    });
    let version = Command::new("openssl").arg("version").output();
    assert!(
        version.is_ok_and(|v| v.status.success()),
        "openssl cannot run: `cargo xtask setup` installs it (apt-get install openssl)"
    );
    let pems: Vec<String> = bundle
        .split("-----END CERTIFICATE-----")
        .filter(|b| b.contains("-----BEGIN CERTIFICATE-----"))
        .map(|b| format!("{}-----END CERTIFICATE-----\n", b.trim_start()))
        .collect();
    let items = read::read(BUNDLE, bundle.as_bytes()).unwrap();
    let certs = read::certificates(&items);
    assert_eq!(certs.len(), pems.len(), "every certificate is read");
    assert!(
        certs.len() >= AT_LEAST,
        "{BUNDLE} holds {} certificates, not Debian's bundle",
        certs.len()
    );
    let mut agree = 0;
    let mut disagree = Vec::new();
    for (cert, pem) in certs.iter().zip(&pems) {
        let Some(theirs) = openssl(pem) else {
            disagree.push(format!("openssl could not read {}", cert.subject));
            continue;
        };
        let sans = cert
            .subject_alt_names()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let mut ours = format!(
            "subject={}\nissuer={}\nserial={}\nnotBefore={}\nnotAfter={}\n",
            cert.subject.rfc4514(),
            cert.issuer.rfc4514(),
            serial(cert.serial.bytes()),
            cert.not_before.openssl(),
            cert.not_after.openssl(),
        );
        if !sans.is_empty() {
            ours.push_str(&format!("X509v3 Subject Alternative Name: \n    {sans}\n"));
        }
        if ours == theirs {
            agree += 1;
        } else {
            disagree.push(format!("ours:\n{ours}openssl:\n{theirs}"));
        }
    }
    eprintln!(
        "ca-certificates: {} read, {agree} agree with openssl, {} differ",
        certs.len(),
        disagree.len()
    );
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}
