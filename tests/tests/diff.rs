//! `certplay diff`: the blog's set, made by running the blog's seven
//! openssl commands, beside certplay's issue of the same plan: every field
//! that differs is listed with what it does, and each claim about what a
//! stack decides on the blog's files is checked against that stack here
//! (openssl verify with and without -x509_strict and -verify_hostname,
//! certplay verify for rustls). Also: one certificate against another, a
//! set against its own zip, and the exit codes (0 same, 1 different, 2
//! unreadable).

use std::io::Write as _;
use std::path::Path;

use certplay_core::KeyType;
use certplay_tests::{certplay, issue_into, run, stderr, stdout, temp_dir};
use serde_json::Value;

/// The blog's seven commands, word for word.
const BLOG_COMMANDS: &str = include_str!("../blog-commands.sh");

/// `blog/` made by the blog's commands, `certplay/` by `certplay issue`.
fn two_sets(dir: &Path) {
    std::fs::create_dir(dir.join("blog")).unwrap();
    let made = run(&dir.join("blog"), "sh", &["-ec", BLOG_COMMANDS]);
    assert!(made.status.success(), "{}", stderr(&made));
    let issued = certplay(dir, &["issue", "--out", "certplay"]);
    assert!(issued.status.success(), "{}", stderr(&issued));
}

fn json_diff(dir: &Path, a: &str, b: &str) -> Value {
    let out = certplay(dir, &["diff", "--json", a, b]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

/// The pair of certificates read from `file` on both sides.
fn pair<'a>(diff: &'a Value, file: &str) -> &'a Value {
    diff["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["a"]["file"] == file && p["b"]["file"] == file)
        .unwrap_or_else(|| panic!("{file} not compared: {diff:#}"))
}

/// The difference in `field` (its name, `subjectAltName`).
fn row<'a>(pair: &'a Value, field: &str) -> &'a Value {
    pair["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == field)
        .unwrap_or_else(|| panic!("no difference in {field}: {pair:#}"))
}

fn has_no_row(pair: &Value, field: &str) -> bool {
    !pair["differences"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["name"] == field)
}

/// The effect on side `side` of severity `severity` whose words hold `words`.
fn effect<'a>(row: &'a Value, side: &str, severity: &str, words: &str) -> &'a Value {
    row["effects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["side"] == side
                && e["severity"] == severity
                && e["words"].as_str().unwrap().contains(words)
        })
        .unwrap_or_else(|| panic!("no {side} {severity} effect with {words:?}: {row:#}"))
}

fn value<'a>(row: &'a Value, side: &str) -> Option<&'a str> {
    row[side].as_str()
}

fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = run(dir, "openssl", args);
    (
        out.status.success(),
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}

#[test]
fn the_blogs_set_beside_certplays_lists_every_difference_with_its_effect() {
    let dir = temp_dir();
    let dir = dir.path();
    two_sets(dir);
    let diff = json_diff(dir, "blog", "certplay");
    assert_eq!(diff["a"], "blog");
    assert_eq!(diff["same"], false);

    // The server certificate: v1 without extensions beside v3.
    let server = pair(&diff, "server.crt");
    assert_eq!(server["a"]["role"], "unknown", "{server:#}");
    assert_eq!(server["b"]["role"], "server");
    let version = row(server, "version");
    assert_eq!(
        (value(version, "a"), value(version, "b")),
        (Some("v1"), Some("v3"))
    );
    let refused = effect(version, "a", "error", "rustls");
    assert_eq!(refused["lint"], "x509-v1");
    effect(version, "a", "notice", "OpenSSL accepts");
    let san = row(server, "subjectAltName");
    assert_eq!(value(san, "a"), None);
    assert!(
        value(san, "b").unwrap().contains("DNS:localhost"),
        "{san:#}"
    );
    effect(
        san,
        "a",
        "error",
        "falls back to the subject's CN (CN=localhost)",
    );
    let eku = row(server, "extKeyUsage");
    assert_eq!(value(eku, "a"), None);
    assert!(
        value(eku, "b")
            .unwrap()
            .contains("TLS Web Server Authentication"),
        "{eku:#}"
    );
    effect(eku, "a", "notice", "any purpose");
    for field in [
        "keyUsage",
        "basicConstraints",
        "subjectKeyIdentifier",
        "authorityKeyIdentifier",
    ] {
        let r = row(server, field);
        assert_eq!(value(r, "a"), None, "{r:#}");
        assert!(value(r, "b").is_some(), "{r:#}");
    }
    for field in ["serialNumber", "subjectPublicKeyInfo", "validity"] {
        row(server, field);
    }
    assert!(
        has_no_row(server, "subject") && has_no_row(server, "issuer"),
        "{server:#}"
    );

    // The client certificate: no purpose at all, which every stack takes.
    let client = pair(&diff, "client.crt");
    let eku = row(client, "extKeyUsage");
    assert_eq!(value(eku, "a"), None);
    assert!(
        value(eku, "b")
            .unwrap()
            .contains("TLS Web Client Authentication"),
        "{eku:#}"
    );
    effect(eku, "a", "notice", "where clientAuth is asked for");
    assert_eq!(row(client, "version")["b"], "v3");

    // The CA: v3 on both sides (req -x509 adds openssl.cnf's v3_ca), but
    // without keyUsage, which -x509_strict refuses.
    let ca = pair(&diff, "ca.crt");
    assert!(has_no_row(ca, "version"), "{ca:#}");
    let key_usage = row(ca, "keyUsage");
    assert_eq!(value(key_usage, "a"), None);
    assert!(
        value(key_usage, "b").unwrap().contains("Certificate Sign"),
        "{key_usage:#}"
    );
    effect(
        key_usage,
        "a",
        "warning",
        "openssl verify -x509_strict refuses",
    );
    assert_eq!(
        row(ca, "subjectPublicKeyInfo")["a"]
            .as_str()
            .map(|k| k.starts_with("RSA-2048")),
        Some(true)
    );

    // Every difference says what it does.
    for p in diff["pairs"].as_array().unwrap() {
        for d in p["differences"].as_array().unwrap() {
            let effects = d["effects"].as_array().unwrap();
            assert!(!effects.is_empty(), "{d:#}");
            assert!(
                effects
                    .iter()
                    .all(|e| !e["words"].as_str().unwrap().is_empty()),
                "{d:#}"
            );
        }
    }
    // Files only one side has: the blog's serial file and CSRs, certplay's plan.
    let mut alone: Vec<(String, String)> = diff["alone"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["side"].as_str().unwrap().into(),
                a["file"].as_str().unwrap().into(),
            )
        })
        .collect();
    alone.sort();
    let expected: Vec<(String, String)> = [
        ("a", "ca.srl"),
        ("a", "client.csr"),
        ("a", "server.csr"),
        ("b", "certplay-plan.toml"),
    ]
    .iter()
    .map(|(s, f)| ((*s).into(), (*f).into()))
    .collect();
    assert_eq!(alone, expected, "{diff:#}");
    let keys = diff["others"].as_array().unwrap();
    let server_key = keys.iter().find(|o| o["file"] == "server.key").unwrap();
    assert!(
        server_key["a"].as_str().unwrap().contains("RSA-2048"),
        "{server_key:#}"
    );

    // What the effects claim, checked against the stacks themselves.
    let blog = dir.join("blog");
    let (ok, said) = openssl(
        &blog,
        &["verify", "-CAfile", "ca.crt", "server.crt", "client.crt"],
    );
    assert!(ok, "OpenSSL accepts the v1 certificates: {said}");
    let (ok, said) = openssl(
        &blog,
        &[
            "verify",
            "-verify_hostname",
            "localhost",
            "-CAfile",
            "ca.crt",
            "server.crt",
        ],
    );
    assert!(ok, "OpenSSL's host check falls back to the CN: {said}");
    let (ok, said) = openssl(
        &blog,
        &["verify", "-x509_strict", "-CAfile", "ca.crt", "server.crt"],
    );
    assert!(
        !ok && said.contains("CA cert does not include key usage extension"),
        "{said}"
    );
    let (ok, said) = openssl(
        &blog,
        &[
            "verify",
            "-purpose",
            "sslclient",
            "-CAfile",
            "ca.crt",
            "client.crt",
        ],
    );
    assert!(ok, "no extendedKeyUsage is any purpose to OpenSSL: {said}");
    let rustls = certplay(
        &blog,
        &[
            "verify",
            "--ca",
            "ca.crt",
            "--purpose",
            "server",
            "--host",
            "localhost",
            "server.crt",
        ],
    );
    assert_eq!(rustls.status.code(), Some(1), "{}", stdout(&rustls));
    assert!(stdout(&rustls).contains("v1"), "{}", stdout(&rustls));
    let theirs = dir.join("certplay");
    let (ok, said) = openssl(
        &theirs,
        &[
            "verify",
            "-x509_strict",
            "-purpose",
            "sslserver",
            "-verify_hostname",
            "localhost",
            "-CAfile",
            "ca.crt",
            "server.crt",
        ],
    );
    assert!(
        ok,
        "certplay's set passes where the blog's does not: {said}"
    );
}

#[test]
fn two_certificates_in_words_and_the_exit_codes() {
    let dir = temp_dir();
    let dir = dir.path();
    two_sets(dir);
    let out = certplay(dir, &["diff", "blog/server.crt", "certplay/server.crt"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains(
            "== A blog/server.crt (CN=localhost)  vs  B certplay/server.crt (CN=localhost)"
        ),
        "{text}"
    );
    assert!(text.contains("version\n    A  v1\n    B  v3\n"), "{text}");
    assert!(text.contains("-> A: Error x509-v1: "), "{text}");
    assert!(
        text.contains("subjectAltName\n    A  (absent)\n    B  DNS:localhost"),
        "{text}"
    );
    assert!(text.contains("difference(s)"), "{text}");

    let same = certplay(dir, &["diff", "certplay/ca.crt", "certplay/ca.crt"]);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    assert!(stdout(&same).contains("the same"), "{}", stdout(&same));

    let missing = certplay(dir, &["diff", "certplay/ca.crt", "nowhere.crt"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("nowhere.crt"),
        "{}",
        stderr(&missing)
    );
    let not_a_cert = certplay(dir, &["diff", "blog/ca.srl", "certplay/ca.crt"]);
    assert_eq!(not_a_cert.status.code(), Some(2), "{}", stdout(&not_a_cert));
    assert!(
        stderr(&not_a_cert).contains("ca.srl"),
        "{}",
        stderr(&not_a_cert)
    );
}

#[test]
fn a_chain_file_is_compared_certificate_by_certificate() {
    let dir = temp_dir();
    let dir = dir.path();
    two_sets(dir);
    for side in ["blog", "certplay"] {
        let chain = [
            std::fs::read(dir.join(side).join("server.crt")).unwrap(),
            std::fs::read(dir.join(side).join("ca.crt")).unwrap(),
        ]
        .concat();
        std::fs::write(dir.join(format!("{side}-chain.pem")), chain).unwrap();
    }
    let diff = json_diff(dir, "blog-chain.pem", "certplay-chain.pem");
    let pairs = diff["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 2, "{diff:#}");
    assert_eq!(
        (
            pairs[0]["a"]["position"].as_u64(),
            pairs[1]["a"]["position"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(pairs[1]["b"]["role"], "root");
    row(&pairs[0], "version");
    row(&pairs[1], "keyUsage");
}

#[test]
fn a_set_is_the_same_as_its_zip_stored_or_deflated() {
    let dir = temp_dir();
    let dir = dir.path();
    let issued = issue_into(&dir.join("set"), KeyType::EcdsaP256);
    // Stored, as the page's download is.
    std::fs::write(dir.join("stored.zip"), issued.to_zip().unwrap()).unwrap();
    // Deflated, as `zip` or a file manager makes one.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for file in issued.files().unwrap() {
        zip.start_file(format!("set/{}", file.name), options)
            .unwrap();
        zip.write_all(file.contents.as_bytes()).unwrap();
    }
    std::fs::write(dir.join("deflated.zip"), zip.finish().unwrap().into_inner()).unwrap();
    for archive in ["stored.zip", "deflated.zip"] {
        let out = certplay(dir, &["diff", "set", archive]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{archive}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        assert!(
            stdout(&out).contains("3 certificate pair(s) compared: the same"),
            "{}",
            stdout(&out)
        );
    }
    // Another issue of the same plan differs, and says where.
    issue_into(&dir.join("other"), KeyType::EcdsaP256);
    let diff = json_diff(dir, "stored.zip", "other");
    assert_eq!(diff["pairs"].as_array().unwrap().len(), 3, "{diff:#}");
    assert!(diff["alone"].as_array().unwrap().is_empty(), "{diff:#}");
    // A broken zip is unreadable.
    std::fs::write(dir.join("broken.zip"), b"PK\x03\x04 not really").unwrap();
    let out = certplay(dir, &["diff", "set", "broken.zip"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("broken.zip"), "{}", stderr(&out));
}

/// `dir/NAME/` holding core's make of the blog's openssl set (what the
/// page's compare puts in A), made now.
fn core_made_blog_set(dir: &Path, name: &str) -> [certplay_core::BlogFile; 3] {
    let keys = certplay_core::BlogKeys::generate().unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let files = certplay_core::blog_openssl_set(&keys, now).unwrap();
    std::fs::create_dir(dir.join(name)).unwrap();
    for file in &files {
        std::fs::write(dir.join(name).join(file.name), &file.pem).unwrap();
    }
    files
}

#[test]
fn the_pages_blog_set_differs_from_the_blogs_commands_only_where_two_runs_do() {
    // The page cannot run openssl: core makes the blog's set when the
    // button is pressed. Beside what the blog's commands make here, run by
    // openssl, only what two runs of the same commands make differently may
    // differ: keys (and the identifiers made of them), serials, dates; the
    // signatures, which `diff` does not list, differ with the keys.
    let dir = temp_dir();
    let dir = dir.path();
    std::fs::create_dir(dir.join("blog")).unwrap();
    let made = run(&dir.join("blog"), "sh", &["-ec", BLOG_COMMANDS]);
    assert!(made.status.success(), "{}", stderr(&made));
    let files = core_made_blog_set(dir, "core");
    let diff = json_diff(dir, "core", "blog");
    let anew = [
        "serialNumber",
        "validity",
        "subjectPublicKeyInfo",
        "subjectKeyIdentifier",
        "authorityKeyIdentifier",
    ];
    let pairs = diff["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 3, "{diff:#}");
    for p in pairs {
        assert_eq!(p["a"]["file"], p["b"]["file"], "{p:#}");
        assert_eq!(p["a"]["role"], p["b"]["role"], "{p:#}");
        let differences = p["differences"].as_array().unwrap();
        for d in differences {
            assert!(
                anew.contains(&d["name"].as_str().unwrap()),
                "{} differs in more than two runs of the blog's commands do: {d:#}",
                p["a"]["file"]
            );
        }
        // The keys differ, never their kind.
        let key = row(p, "subjectPublicKeyInfo");
        for side in ["a", "b"] {
            assert!(value(key, side).unwrap().starts_with("RSA-2048"), "{key:#}");
        }
        for field in ["serialNumber", "subjectPublicKeyInfo"] {
            row(p, field);
        }
    }
    let ca = pair(&diff, "ca.crt");
    for field in ["subjectKeyIdentifier", "authorityKeyIdentifier"] {
        let r = row(ca, field);
        assert!(value(r, "a").is_some() && value(r, "b").is_some(), "{r:#}");
    }
    // What `diff` shows as values, in the same form: each set's CA names
    // itself by the SHA-1 of its key, server and client serials follow one
    // another, and each certificate is valid for 365 days.
    let read = |side: &str, file: &str| {
        let pem = std::fs::read(dir.join(side).join(file)).unwrap();
        let items = certplay_core::read::read(file, &pem).unwrap();
        certplay_core::read::certificates(&items)[0].clone()
    };
    for side in ["core", "blog"] {
        let ca = read(side, "ca.crt");
        let ski = ca.subject_key_id().map(|id| hex(&id.0));
        assert_eq!(ski, Some(openssl_spki_sha1(&dir.join(side))), "{side}");
        assert_eq!(ca.authority_key_id().map(|id| hex(&id.0)), ski, "{side}");
        let server = read(side, "server.crt");
        let client = read(side, "client.crt");
        assert_eq!(next_serial(&server.serial.0), client.serial.0, "{side}");
        for c in [&ca, &server, &client] {
            assert_eq!(c.not_after.0 - c.not_before.0, 365 * 86_400, "{side}");
        }
    }
    // The signatures are real: openssl verifies core's set as the blog's.
    for side in ["core", "blog"] {
        let (ok, said) = openssl(
            &dir.join(side),
            &["verify", "-CAfile", "ca.crt", "server.crt", "client.crt"],
        );
        assert!(ok, "{side}: {said}");
    }
    // And the files are those the page shows.
    assert_eq!(
        files.iter().map(|f| f.name).collect::<Vec<_>>(),
        ["ca.crt", "server.crt", "client.crt"]
    );
}

/// The SHA-1 of `ca.crt`'s subjectPublicKey bits, by openssl, in hex.
fn openssl_spki_sha1(dir: &Path) -> String {
    let out = run(
        dir,
        "sh",
        &[
            "-ec",
            "openssl x509 -in ca.crt -noout -pubkey | openssl pkey -pubin -outform DER \
             | openssl asn1parse -inform DER -strparse 19 -noout -out key.bits \
             && openssl dgst -sha1 -r key.bits",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).split_whitespace().next().unwrap().to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `serial` + 1, as `-CAcreateserial` counts.
fn next_serial(serial: &[u8]) -> Vec<u8> {
    let mut bytes = serial.to_vec();
    for b in bytes.iter_mut().rev() {
        let (sum, carry) = b.overflowing_add(1);
        *b = sum;
        if !carry {
            break;
        }
    }
    bytes
}

#[test]
fn a_missing_purpose_is_refused_where_the_diff_says() {
    let dir = temp_dir();
    let dir = dir.path();
    issue_into(dir, KeyType::EcdsaP256);
    let diff = json_diff(dir, "client.crt", "server.crt");
    let pair = &diff["pairs"][0];
    let eku = row(pair, "extKeyUsage");
    effect(eku, "b", "error", "without clientAuth");
    effect(eku, "a", "error", "without serverAuth");
    // OpenSSL and rustls refuse them so.
    let (ok, said) = openssl(
        dir,
        &[
            "verify",
            "-purpose",
            "sslclient",
            "-CAfile",
            "ca.crt",
            "server.crt",
        ],
    );
    assert!(
        !ok && said.contains("unsuitable certificate purpose"),
        "{said}"
    );
    let (ok, said) = openssl(
        dir,
        &[
            "verify",
            "-purpose",
            "sslserver",
            "-CAfile",
            "ca.crt",
            "client.crt",
        ],
    );
    assert!(
        !ok && said.contains("unsuitable certificate purpose"),
        "{said}"
    );
    let rustls = certplay(
        dir,
        &[
            "verify",
            "--ca",
            "ca.crt",
            "--purpose",
            "client",
            "server.crt",
        ],
    );
    assert_eq!(rustls.status.code(), Some(1), "{}", stdout(&rustls));
}
