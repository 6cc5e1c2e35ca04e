//! `certplay inspect` and `certplay verify` as a person runs them: exit codes
//! 0 valid / 1 invalid / 2 unreadable, reasons in words, `-` for stdin.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn certplay(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_certplay"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A lint as a person reads it and as a script reads it: an Ed25519
/// server certificate, which browsers refuse, is named by its lint id in
/// the text and in the JSON, with its rule and fix.
#[test]
fn inspect_names_lints_by_id_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = certplay(&["issue", "--out", "e", "--key-type", "ed25519"], d);
    assert!(o.status.success(), "{}", text(&o));

    let o = certplay(&["inspect", "e/server.crt"], d);
    let t = text(&o);
    assert!(
        t.contains("Lint Warning eddsa-in-server-chain: an EdDSA key: browsers"),
        "{t}"
    );
    assert!(t.contains("[CA/B BR 6.1.5] fix: use ECDSA P-256"), "{t}");

    let o = certplay(&["inspect", "--json", "e/server.crt"], d);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let lints = json[0]["lints"][0].as_array().unwrap();
    let lint = lints
        .iter()
        .find(|l| l["id"] == "eddsa-in-server-chain")
        .unwrap_or_else(|| panic!("no eddsa-in-server-chain lint in {json}"));
    assert_eq!(lint["severity"], "warning", "{json}");
    assert_eq!(lint["rule"], "CA/B BR 6.1.5", "{json}");
}

#[test]
fn inspect_and_verify_two_sets_with_the_same_ca_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(certplay(&["issue", "--out", "a"], d).status.success());
    assert!(
        certplay(&["issue", "--out", "b", "--key-type", "rsa2048"], d)
            .status
            .success()
    );

    let o = certplay(&["inspect", "a/server.crt", "a/server.key"], d);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("Subject: CN = localhost"), "{t}");
    assert!(t.contains("Matches the certificate CN=localhost"), "{t}");
    assert!(!t.contains("Lint"), "certplay's own set has lints: {t}");

    let o = certplay(&["inspect", "--json", "b/ca.crt"], d);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json[0]["items"][0]["public_key"]["kind"]["bits"], 2048);

    let o = certplay(
        &[
            "verify",
            "--ca",
            "a/ca.crt",
            "--purpose",
            "server",
            "--host",
            "localhost",
            "a/server.crt",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = certplay(
        &[
            "verify",
            "--ca",
            "a/ca.crt",
            "--purpose",
            "client",
            "b/client.crt",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("issued by a different CA with the same name"),
        "{}",
        text(&o)
    );
    let o = certplay(
        &[
            "verify",
            "--ca",
            "a/ca.crt",
            "--purpose",
            "server",
            "--host",
            "example.com",
            "a/server.crt",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("name mismatch"), "{}", text(&o));
    let o = certplay(
        &[
            "verify",
            "--ca",
            "a/ca.crt",
            "--purpose",
            "client",
            "--at",
            "2100-01-01T00:00:00Z",
            "a/client.crt",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("expired: CN=my-client expired at"),
        "{}",
        text(&o)
    );
    let o = certplay(
        &[
            "verify",
            "--ca",
            "a/server.key",
            "--purpose",
            "client",
            "a/client.crt",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // `-` reads standard input; garbage is unreadable (2).
    let mut child = Command::new(env!("CARGO_BIN_EXE_certplay"))
        .args(["inspect", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"not a certificate")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("neither PEM"), "{}", text(&o));
}

/// `certplay inspect … | head -1`: the reader that goes away after one
/// line is not an error (no "failed printing to stdout" panic). The output
/// (80 certificates) is larger than a pipe's buffer, so certplay is still
/// writing when `head` leaves.
#[test]
fn inspect_into_a_pipe_closed_early_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(certplay(&["issue", "--out", "."], d).status.success());
    let files = vec!["ca.crt"; 80].join(" ");
    let piped = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' inspect {files} | head -1",
            env!("CARGO_BIN_EXE_certplay")
        ))
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&piped.stdout), "==> ca.crt <==\n");
    assert!(piped.stderr.is_empty(), "{}", text(&piped));
}

/// Issue 23 (handed over by the escaping): `inspect --json` left C1
/// controls, U+2028 and bidi marks raw (serde_json escapes only C0), so a
/// terminal acted on them. They are written as `\uXXXX`: nothing a
/// terminal acts on is left, and the JSON parses to the names as they are.
#[test]
fn inspect_json_leaves_no_control_or_bidi_character_raw() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let name = "a\u{9b}31m\u{2028}b\u{202E}gnp";
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem"])
        .args(["-out", "hostile.crt", "-days", "2", "-utf8", "-subj"])
        .arg(format!("/CN={name}"))
        .current_dir(d)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made));
    let o = certplay(&["inspect", "--json", "hostile.crt"], d);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    let raw: Vec<char> = out
        .chars()
        .filter(|&c| certplay_core::escape::is_unsafe(c) && c != '\n')
        .collect();
    assert!(raw.is_empty(), "{raw:?} raw in:\n{out}");
    assert!(out.contains(r"a\u009B31m\u2028b\u202Egnp"), "{out}");
    fn strings(value: &serde_json::Value, into: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => into.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, into)),
            serde_json::Value::Object(o) => o.values().for_each(|v| strings(v, into)),
            _ => {}
        }
    }
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut all = Vec::new();
    strings(&json, &mut all);
    assert!(all.iter().any(|s| s == name), "{all:?}");
}

/// Issue 23, "escape in every text output ... the CLI's errors": a file
/// name holding an OSC title sequence, CR/LF or U+2028 reaches the
/// terminal escaped in the error that names it (the one escape, once).
#[test]
fn errors_name_hostile_file_names_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hostile = "evil\u{1b}]0;pwned\u{7}\r\nforged\u{2028}\u{202E}.pem";
    for args in [
        vec!["inspect", hostile],
        vec![
            "crl",
            "--ca-cert",
            hostile,
            "--ca-key",
            hostile,
            "--out",
            "x.crl",
        ],
    ] {
        let o = certplay(&args, d);
        assert!(!o.status.success(), "{}", text(&o));
        let said = text(&o);
        let raw: Vec<char> = said
            .chars()
            .filter(|&c| certplay_core::escape::is_unsafe(c) && c != '\n')
            .collect();
        assert!(raw.is_empty(), "{args:?}: {raw:?} raw in {said:?}");
        assert!(
            said.contains(r"evil\1B]0;pwned\07\0D\0Aforged\E2\80\A8\E2\80\AE.pem"),
            "{args:?}: {said}"
        );
        assert!(!said.contains(r"\\1B"), "escaped twice: {said}");
    }
}

/// Issue 23: a truncated PEM CRL got the hint "Convert with: openssl x509
/// -inform der", the wrong tool for a CRL: it is named as cut short, with
/// `openssl crl`.
#[test]
fn a_truncated_pem_crl_is_named_with_openssl_crl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(certplay(&["issue", "--out", "set"], d).status.success());
    let o = certplay(
        &[
            "crl",
            "--ca-cert",
            "set/ca.crt",
            "--ca-key",
            "set/ca.key",
            "--out",
            "ca.crl",
        ],
        d,
    );
    assert!(o.status.success(), "{}", text(&o));
    let pem = std::fs::read(d.join("ca.crl")).unwrap();
    std::fs::write(d.join("cut.crl"), &pem[..pem.len() / 2]).unwrap();
    for args in [
        &["inspect", "cut.crl"][..],
        &[
            "verify",
            "--ca",
            "set/ca.crt",
            "--crl",
            "cut.crl",
            "--purpose",
            "client",
            "set/client.crt",
        ],
    ] {
        let o = certplay(args, d);
        let said = text(&o);
        assert!(
            o.status.code() == Some(2)
                && said.contains("-----BEGIN X509 CRL----- line without its matching")
                && said.contains("openssl crl -in cut.crl")
                && !said.contains("x509 -"),
            "{args:?}: {said}"
        );
    }
}

/// Issue 26, "words that never mislead": a chain through a self-issued
/// certificate of the trusted CA (the same name, a new key, as at a key
/// rollover), made by openssl. Sound, it is valid, as for openssl. Marked
/// for clients only, webpki refuses the path through it and reports the
/// root's signature error, which it ranks higher: certplay says what
/// openssl says (an unsuitable purpose one level up), never that --ca
/// "holds another CA with the same name". That hint stays where it is
/// right: a certificate of one CA checked against another CA's root of the
/// same name.
#[test]
fn a_self_issued_ca_of_the_same_name_gets_no_same_name_hint() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let openssl = |args: &str| {
        Command::new("openssl")
            .args(args.split_whitespace())
            .current_dir(d)
            .output()
            .unwrap()
    };
    let ok = |o: Output| assert!(o.status.success(), "{}", text(&o));
    for key in ["root", "other", "rollover", "leaf"] {
        ok(openssl(&format!(
            "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out {key}.key"
        )));
    }
    let ca = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
              subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
    std::fs::write(d.join("ca.ext"), ca).unwrap();
    std::fs::write(
        d.join("client-ca.ext"),
        format!("{ca}extendedKeyUsage=clientAuth\n"),
    )
    .unwrap();
    std::fs::write(
        d.join("leaf.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n\
         subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .unwrap();
    for root in ["root", "other"] {
        ok(openssl(&format!(
            "req -x509 -new -key {root}.key -out {root}.crt -subj /CN=Same -days 30 \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign"
        )));
    }
    ok(openssl(
        "req -new -key rollover.key -subj /CN=Same -out rollover.csr",
    ));
    for (name, ext) in [("rollover", "ca"), ("client-rollover", "client-ca")] {
        ok(openssl(&format!(
            "x509 -req -in rollover.csr -CA root.crt -CAkey root.key -out {name}.crt \
             -days 30 -extfile {ext}.ext"
        )));
    }
    ok(openssl(
        "req -new -key leaf.key -subj /CN=localhost -out leaf.csr",
    ));
    for (name, issuer) in [("leaf", "rollover"), ("direct", "root")] {
        ok(openssl(&format!(
            "x509 -req -in leaf.csr -CA {issuer}.crt -CAkey {issuer}.key -out {name}.crt \
             -days 30 -extfile leaf.ext"
        )));
    }
    let verify = |leaf: &str, ca: &str, intermediates: &str| {
        let mut args = vec!["verify", "--purpose", "server", "--host", "localhost"];
        args.extend(["--ca", ca, leaf]);
        if !intermediates.is_empty() {
            args.extend(["--intermediates", intermediates]);
        }
        certplay(&args, d)
    };
    let openssl_verify = |strict: &str, untrusted: &str| {
        openssl(&format!(
            "verify -purpose sslserver {strict} -CAfile root.crt -untrusted {untrusted} leaf.crt"
        ))
    };
    let same_name_hint = "--ca holds another CA with the same name";

    // Sound: valid for both.
    let o = verify("leaf.crt", "root.crt", "rollover.crt");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for strict in ["", "-x509_strict"] {
        ok(openssl_verify(strict, "rollover.crt"));
    }

    // For clients only: both refuse it for its purpose, one level up.
    let o = verify("leaf.crt", "root.crt", "client-rollover.crt");
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("wrong purpose: CN=Same is not for serverAuth (extendedKeyUsage: clientAuth)"),
        "{t}"
    );
    assert!(
        !t.contains("same name") && !t.contains(same_name_hint),
        "{t}"
    );
    for strict in ["", "-x509_strict"] {
        let o = openssl_verify(strict, "client-rollover.crt");
        assert!(!o.status.success(), "{}", text(&o));
        assert!(
            text(&o).contains("at 1 depth lookup: unsuitable certificate purpose"),
            "{}",
            text(&o)
        );
    }

    // Right: a certificate of one CA named Same against another's root.
    let o = verify("direct.crt", "other.crt", "");
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains(same_name_hint), "{t}");
}

/// Issue 26: three lints that name which stacks refuse a certificate,
/// each claim checked here against that stack on a certificate openssl
/// makes: `openssl verify` with and without `-x509_strict`, and rustls
/// (`certplay verify`).
#[test]
fn lints_name_the_stacks_that_refuse_and_each_stack_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let openssl = |args: &str| {
        Command::new("openssl")
            .args(args.split_whitespace())
            .current_dir(d)
            .output()
            .unwrap()
    };
    let ok = |o: Output| assert!(o.status.success(), "{}", text(&o));
    for key in ["ca", "leaf"] {
        ok(openssl(&format!(
            "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out {key}.key"
        )));
    }
    let unknown = "1.3.6.1.4.1.55555.1=critical,ASN1:NULL";
    for (ca, extra) in [
        ("ca", ""),
        (
            "ca-critical-ski",
            "-addext subjectKeyIdentifier=critical,hash",
        ),
        ("ca-unknown-critical", &format!("-addext {unknown}")),
    ] {
        ok(openssl(&format!(
            "req -x509 -new -key ca.key -out {ca}.crt -subj /CN=LintCA -days 90 \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
             {extra}"
        )));
    }
    ok(openssl(
        "req -new -key leaf.key -subj /CN=localhost -out leaf.csr",
    ));
    let base = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
                subjectAltName=DNS:localhost\nsubjectKeyIdentifier=hash\n";
    for (leaf, extra) in [
        (
            "good",
            "extendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\n",
        ),
        (
            "critical-aki",
            "extendedKeyUsage=serverAuth\nauthorityKeyIdentifier=critical,keyid\n",
        ),
        (
            "unknown-critical",
            &format!("extendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\n{unknown}\n"),
        ),
        (
            "any-eku",
            "extendedKeyUsage=anyExtendedKeyUsage\nauthorityKeyIdentifier=keyid\n",
        ),
        (
            "any-eku-beside-server",
            "extendedKeyUsage=serverAuth,anyExtendedKeyUsage\nauthorityKeyIdentifier=keyid\n",
        ),
    ] {
        std::fs::write(d.join(format!("{leaf}.ext")), format!("{base}{extra}")).unwrap();
        ok(openssl(&format!(
            "x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -out {leaf}.crt -days 90 \
             -extfile {leaf}.ext"
        )));
    }
    // The lint (id, severity) that inspect --json gives a certificate.
    let lints = |file: &str| -> Vec<(String, String, String)> {
        let o = certplay(&["inspect", "--json", file], d);
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        json[0]["lints"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                let s = |k: &str| l[k].as_str().unwrap_or_default().to_owned();
                (s("id"), s("severity"), s("message"))
            })
            .collect()
    };
    // Which stacks the lint `id` on `file` says refuse, and which accept.
    let stacks = |file: &str, id: &str| -> [Vec<String>; 2] {
        let o = certplay(&["inspect", "--json", file], d);
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let found = json[0]["lints"][0]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{file}: no {id}"));
        ["refused_by", "accepted_by"].map(|k| {
            found["stacks"][k]
                .as_array()
                .unwrap_or_else(|| panic!("{file}: {id} names no stacks: {found}"))
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect()
        })
    };
    let lint = |file: &str, id: &str| {
        let all = lints(file);
        all.iter()
            .find(|(i, ..)| i == id)
            .cloned()
            .unwrap_or_else(|| panic!("{file}: no {id} in {all:?}"))
    };
    // openssl verify's verdict for `leaf` under `ca`, without and with
    // -x509_strict, with `purpose` (or none).
    let by_openssl = |ca: &str, leaf: &str, purpose: &str| -> [Result<(), String>; 2] {
        ["", "-x509_strict"].map(|strict| {
            let o = openssl(&format!("verify {purpose} {strict} -CAfile {ca} {leaf}"));
            if o.status.success() {
                Ok(())
            } else {
                Err(text(&o))
            }
        })
    };
    let by_rustls = |ca: &str, leaf: &str| {
        let o = certplay(
            &[
                "verify",
                "--ca",
                ca,
                "--purpose",
                "server",
                "--host",
                "localhost",
                leaf,
            ],
            d,
        );
        match o.status.code() {
            Some(0) => Ok(()),
            Some(1) => Err(text(&o)),
            _ => panic!("{}", text(&o)),
        }
    };
    let unhandled = |verdicts: [Result<(), String>; 2]| {
        for v in verdicts {
            assert!(
                v.as_ref()
                    .is_err_and(|e| e.contains("unhandled critical extension")),
                "{v:?}"
            );
        }
    };
    assert!(lints("good.crt").is_empty(), "{:?}", lints("good.crt"));
    by_rustls("ca.crt", "good.crt").unwrap();

    // A critical authorityKeyIdentifier: every stack refuses it.
    let (_, severity, message) = lint("critical-aki.crt", "critical-key-identifier");
    assert_eq!(severity, "error");
    assert!(message.contains("marked critical"), "{message}");
    let [refused, _] = stacks("critical-aki.crt", "critical-key-identifier");
    for stack in ["rustls", "openssl", "openssl-strict"] {
        assert!(refused.iter().any(|s| s == stack), "{stack}: {refused:?}");
    }
    unhandled(by_openssl("ca.crt", "critical-aki.crt", ""));
    let refused = by_rustls("ca.crt", "critical-aki.crt").unwrap_err();
    assert!(
        refused.contains("unhandled critical extension"),
        "{refused}"
    );

    // An unknown critical extension: the same.
    let (_, severity, message) = lint("unknown-critical.crt", "unknown-critical-extension");
    assert_eq!(severity, "error");
    assert!(message.contains("1.3.6.1.4.1.55555.1"), "{message}");
    unhandled(by_openssl("ca.crt", "unknown-critical.crt", ""));
    let refused = by_rustls("ca.crt", "unknown-critical.crt").unwrap_err();
    assert!(
        refused.contains("unhandled critical extension"),
        "{refused}"
    );

    // On a trusted root: OpenSSL refuses it there too, webpki reads only an
    // anchor's name, key and name constraints, and accepts it, as the lints say.
    for (ca, id) in [
        ("ca-critical-ski.crt", "critical-key-identifier"),
        ("ca-unknown-critical.crt", "unknown-critical-extension"),
    ] {
        let [refused, accepted] = stacks(ca, id);
        assert!(accepted.iter().any(|s| s == "rustls"), "{ca}: {accepted:?}");
        for stack in ["openssl", "openssl-strict"] {
            assert!(
                refused.iter().any(|s| s == stack),
                "{ca}: {stack}: {refused:?}"
            );
        }
        unhandled(by_openssl(ca, "good.crt", ""));
        by_rustls(ca, "good.crt").unwrap();
    }

    // anyExtendedKeyUsage alone: refused for TLS by rustls and by OpenSSL
    // checking a purpose; accepted by openssl verify without one.
    let (_, severity, _) = lint("any-eku.crt", "any-extended-key-usage");
    assert_eq!(severity, "error");
    for verdict in by_openssl("ca.crt", "any-eku.crt", "") {
        verdict.unwrap();
    }
    for verdict in by_openssl("ca.crt", "any-eku.crt", "-purpose sslserver") {
        let e = verdict.unwrap_err();
        assert!(e.contains("unsuitable certificate purpose"), "{e}");
    }
    let refused = by_rustls("ca.crt", "any-eku.crt").unwrap_err();
    assert!(refused.contains("wrong purpose"), "{refused}");

    // Beside serverAuth: ignored by every stack, a warning for the CA/B rules.
    let (_, severity, _) = lint("any-eku-beside-server.crt", "any-extended-key-usage");
    assert_eq!(severity, "warning");
    for verdict in by_openssl("ca.crt", "any-eku-beside-server.crt", "-purpose sslserver") {
        verdict.unwrap();
    }
    by_rustls("ca.crt", "any-eku-beside-server.crt").unwrap();
}
