//! PKCS#12 files made by `certplay p12`, in both encodings, read by
//! `openssl pkcs12` and Python's `cryptography`, and presented by curl
//! (`--cert-type P12`) to the real `certplay serve`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use certplay_tests::{
    certplay, check_p12, curl_with_p12, make_p12, openssl_p12_export, openssl_p12_info, p12_args,
    refused_without_writing, require_python_module, run, snapshot, stderr, stdout, temp_dir,
    Server,
};

const PASSWORD: &str = "correct horse";

fn issue_blog_set(dir: &Path) {
    let out = certplay(dir, &["issue", "--out", "."]);
    assert!(out.status.success(), "issue: {}", stderr(&out));
}

const PYTHON_READER: &str = "
import sys
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
key, cert, extra = pkcs12.load_key_and_certificates(open(sys.argv[1], 'rb').read(), sys.argv[2].encode())
print(isinstance(key, ec.EllipticCurvePrivateKey), cert.subject.rfc4514_string(), len(extra), [c.subject.rfc4514_string() for c in extra])
";

#[test]
fn both_encodings_are_read_by_openssl_and_python() {
    require_python_module("cryptography");
    let dir = temp_dir();
    let dir = dir.path();
    issue_blog_set(dir);
    std::fs::write(dir.join("pw.txt"), format!("{PASSWORD}\n")).expect("writing");
    let modern = make_p12(dir, "client.p12", &["--password-file", "pw.txt"]);
    assert!(modern.status.success(), "{}", stderr(&modern));
    let legacy = make_p12(dir, "legacy.p12", &["--password", PASSWORD, "--legacy"]);
    assert!(legacy.status.success(), "{}", stderr(&legacy));
    for file in ["client.p12", "legacy.p12"] {
        let mode = std::fs::metadata(dir.join(file))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }

    check_p12(dir, "client.p12", PASSWORD, false);
    check_p12(dir, "legacy.p12", PASSWORD, true);
    let wrong = openssl_p12_info(dir, "client.p12", "nope", false);
    assert!(
        !wrong.status.success(),
        "openssl opened it with the wrong password"
    );

    for file in ["client.p12", "legacy.p12"] {
        let read = run(dir, "python3", &["-c", PYTHON_READER, file, PASSWORD]);
        assert!(read.status.success(), "{file}: {}", stderr(&read));
        assert_eq!(
            stdout(&read).trim(),
            "True CN=my-client 1 ['CN=my-ca']",
            "{file}"
        );
    }
}

/// Both encodings: curl (OpenSSL 3) loads the legacy one too, since its
/// 3DES and SHA-1 MAC are in OpenSSL's default provider.
#[test]
fn curl_presents_the_p12_and_gets_hello_world() {
    let dir = temp_dir();
    let dir = dir.path();
    issue_blog_set(dir);
    let made = make_p12(dir, "client.p12", &["--password", PASSWORD]);
    assert!(made.status.success(), "{}", stderr(&made));
    let legacy = make_p12(dir, "legacy.p12", &["--password", PASSWORD, "--legacy"]);
    assert!(legacy.status.success(), "{}", stderr(&legacy));
    let server = Server::with_files(dir);
    for file in ["client.p12", "legacy.p12"] {
        let ok = curl_with_p12(dir, file, PASSWORD, &server.url());
        assert_eq!(stdout(&ok), "Hello World\n", "curl {file}: {}", stderr(&ok));
    }
    server.wait_for_log("accepted CN=my-client");
}

/// `certplay inspect` reads PKCS#12 files made by openssl (its modern
/// default and `-legacy`) and by certplay: without the password how each is
/// protected, with it the key and certificates; a wrong password is named.
#[test]
fn inspect_reads_pkcs12_files_from_openssl_and_certplay() {
    let dir = temp_dir();
    let dir = dir.path();
    issue_blog_set(dir);
    std::fs::write(dir.join("pw.txt"), format!("{PASSWORD}\n")).expect("writing");
    for (file, legacy) in [("openssl.p12", false), ("openssl-legacy.p12", true)] {
        openssl_p12_export(dir, file, PASSWORD, legacy);
    }
    let made = make_p12(dir, "certplay.p12", &["--password-file", "pw.txt"]);
    assert!(made.status.success(), "{}", stderr(&made));

    for (file, mac, key) in [
        (
            "openssl.p12",
            "MAC: id-sha256, Iteration 2048",
            "private key: PBES2: PBKDF2 with id-hmacWithSHA256, 2048 iterations, id-aes256-CBC",
        ),
        (
            "openssl-legacy.p12",
            "MAC: id-sha1, Iteration 2048",
            "private key: pbeWithSHAAnd3-KeyTripleDES-CBC, 2048 iterations",
        ),
        (
            "certplay.p12",
            "MAC: id-sha256, Iteration 10000",
            "private key: PBES2: PBKDF2 with id-hmacWithSHA256, 10000 iterations, id-aes256-CBC",
        ),
    ] {
        let locked = certplay(dir, &["inspect", file]);
        assert!(locked.status.success(), "{file}: {}", stderr(&locked));
        let text = stdout(&locked);
        assert!(text.contains(mac), "{file}: {text}");
        assert!(text.contains(key), "{file}: {text}");
        assert!(text.contains("give its password"), "{file}: {text}");
        assert!(text.contains("--password-file"), "{file}: {text}");

        let open = certplay(dir, &["inspect", "--password-file", "pw.txt", file]);
        assert!(open.status.success(), "{file}: {}", stderr(&open));
        let text = stdout(&open);
        assert!(text.contains("Subject: CN = my-client"), "{file}: {text}");
        assert!(text.contains("Subject: CN = my-ca"), "{file}: {text}");
        assert!(text.contains("Private Key (PKCS#8"), "{file}: {text}");
        assert!(
            text.contains("The key matches the certificate CN=my-client"),
            "{file}: {text}"
        );

        let wrong = certplay(dir, &["inspect", "--password", "nope", file]);
        assert_eq!(wrong.status.code(), Some(2), "{file}");
        assert!(
            stdout(&wrong).contains("the password is wrong"),
            "{file}: {}",
            stdout(&wrong)
        );
    }
}

#[test]
fn empty_passwords_wrong_keys_and_existing_files_are_refused() {
    let dir = temp_dir();
    let dir = dir.path();
    issue_blog_set(dir);
    let empty = refused_without_writing(dir, &p12_args("a.p12", &["--password", ""]), "is empty");
    assert!(
        stderr(&empty).contains("--allow-empty-password"),
        "{}",
        stderr(&empty)
    );
    let allowed = make_p12(dir, "a.p12", &["--password", "", "--allow-empty-password"]);
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    // OpenSSL opens it with an empty password, as importers that cannot
    // ask for one do.
    check_p12(dir, "a.p12", "", false);

    // Without a password (a usage error: exit 2), with another
    // certificate's key, or onto a file that exists: refused, and the
    // folder is as it was (no b.p12, no c.p12, a.p12 untouched).
    let before = snapshot(dir);
    let none = certplay(dir, &p12_args("b.p12", &[]));
    assert_eq!(none.status.code(), Some(2), "{}", stderr(&none));
    assert!(
        stderr(&none).contains("required arguments were not provided"),
        "{}",
        stderr(&none)
    );
    assert_eq!(snapshot(dir), before, "b.p12 written without a password");
    refused_without_writing(
        dir,
        &[
            "p12",
            "--cert",
            "client.crt",
            "--key",
            "server.key",
            "--password",
            "x",
            "--out",
            "c.p12",
        ],
        "server.key is not the private key of client.crt",
    );
    refused_without_writing(
        dir,
        &p12_args("a.p12", &["--password", "x"]),
        "already exists",
    );
}
