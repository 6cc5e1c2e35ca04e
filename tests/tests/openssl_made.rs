//! certplay serve with certificates made by openssl, not by certplay: v3
//! ones (with an extension file) work with curl; the blog's literal
//! commands make X.509 v1, and certplay refuses them at startup, saying so.

use std::path::Path;

use certplay_tests::{
    certplay, curl_with_client_cert, run, serve_refused, sh, stderr, stdout, temp_dir, Server,
};

/// The blog's seven commands, word for word.
const BLOG_COMMANDS: &str = include_str!("../blog-commands.sh");

/// The same with extension files, so that the certificates are v3 with
/// SANs and purposes; `KEYGEN` makes a key into the file named by $1.
fn v3_commands(keygen: &str) -> String {
    format!(
        "
keygen() {{ {keygen}; }}
keygen ca.key
openssl req -new -x509 -key ca.key -days 365 -subj '/CN=my-ca' -out ca.crt
keygen server.key
openssl req -new -key server.key -subj '/CN=localhost' -out server.csr
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\\nextendedKeyUsage=serverAuth\\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile server.ext -out server.crt 2>/dev/null
keygen client.key
openssl req -new -key client.key -subj '/CN=my-client' -out client.csr
printf 'extendedKeyUsage=clientAuth\\n' > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile client.ext -out client.crt 2>/dev/null
"
    )
}

fn serves_openssl_v3(keygen: &str) {
    let dir = temp_dir();
    sh(dir.path(), &v3_commands(keygen));
    let server = Server::with_files(dir.path());
    let ok = curl_with_client_cert(dir.path(), &server.url());
    assert_eq!(
        stdout(&ok),
        "Hello World\n",
        "curl: {}\nlog:\n{}",
        stderr(&ok),
        server.log()
    );
}

#[test]
fn openssl_v3_rsa_certificates_work() {
    // openssl 3's genrsa writes PKCS#8 (BEGIN PRIVATE KEY).
    serves_openssl_v3("openssl genrsa -out \"$1\" 2048 2>/dev/null");
}

#[test]
fn openssl_v3_p256_certificates_with_sec1_keys_work() {
    // ecparam -genkey writes SEC1 (BEGIN EC PRIVATE KEY).
    serves_openssl_v3("openssl ecparam -name prime256v1 -genkey -noout -out \"$1\"");
}

#[test]
fn the_blogs_v1_certificates_are_refused_at_startup_naming_x509_v1() {
    let dir = temp_dir();
    sh(dir.path(), BLOG_COMMANDS);
    let text = run(
        dir.path(),
        "openssl",
        &["x509", "-in", "server.crt", "-noout", "-text"],
    );
    assert!(
        stdout(&text).contains("Version: 1 (0x0)"),
        "the blog's commands made v3 here?"
    );

    let err = serve_refused(dir.path(), "ca.crt", "server.crt", "server.key");
    assert!(
        err.starts_with("certplay: error: server.crt (CN=localhost) is an X.509 v1 certificate"),
        "{err}"
    );
    assert!(err.contains("-extfile"), "{err}");
}

#[test]
fn the_blogs_v1_client_certificate_is_refused_in_the_handshake_naming_x509_v1() {
    let dir = temp_dir();
    sh(dir.path(), BLOG_COMMANDS);
    // A v3 server certificate from the blog's CA, so that only the client is v1.
    sh(
        dir.path(),
        "printf 'subjectAltName=DNS:localhost\\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile server.ext -out server.crt 2>/dev/null",
    );
    let server = Server::with_files(dir.path());
    let refused = curl_with_client_cert(dir.path(), &server.url());
    assert!(
        !refused.status.success(),
        "a v1 client certificate was accepted"
    );
    let log = server.wait_for_log("X.509 v1 certificate: CN=my-client is v1");
    assert!(
        log.contains("`openssl x509 -req` makes v1 certificates unless given -extfile"),
        "{log}"
    );
}

/// `openssl ca` with `-startdate`/`-enddate`: a root valid from 1960 (its
/// notBefore UTCTime `600101000000Z`), a server certificate from 1965, and
/// one whose notAfter meant 2055 but is written as UTCTime (`55...`), so
/// that it reads as 1955.
const EARLY_COMMANDS: &str = "
cat > ca.cnf <<'CNF'
[ca]
default_ca = early
[early]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = anything
unique_subject = no
[anything]
commonName = supplied
[root]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
touch index.txt
echo 01 > serial
key() { openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -subj /CN=$2 -out $1.csr 2>/dev/null; }
key ca old-ca
openssl ca -batch -config ca.cnf -selfsign -keyfile ca.key -in ca.csr -startdate 600101000000Z -enddate 400101000000Z -extensions root -out ca.crt 2>/dev/null
key server localhost
openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in server.csr -startdate 650601120000Z -enddate 350101000000Z -extensions leaf -out server.crt 2>/dev/null
key late localhost
openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in late.csr -startdate 250101000000Z -enddate 551231235959Z -extensions leaf -out late.crt 2>/dev/null
";

/// `notBefore=Jan  1 00:00:00 1960 GMT` and the notAfter line, as openssl
/// prints them.
fn openssl_dates(dir: &Path, file: &str) -> Vec<String> {
    let out = run(dir, "openssl", &["x509", "-in", file, "-noout", "-dates"]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).lines().map(str::to_owned).collect()
}

#[test]
fn a_certificate_dated_1950_to_1969_is_read_with_its_real_dates() {
    let dir = temp_dir();
    let dir = dir.path();
    sh(dir, EARLY_COMMANDS);
    // inspect shows the dates openssl reads, in openssl's words.
    for file in ["ca.crt", "server.crt"] {
        let out = certplay(dir, &["inspect", file]);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        let text = stdout(&out);
        for line in openssl_dates(dir, file) {
            let (field, date) = line.split_once('=').unwrap();
            let label = if field == "notBefore" {
                "Not Before"
            } else {
                "Not After "
            };
            assert!(text.contains(&format!("{label}: {date}")), "{line}: {text}");
        }
    }
    assert_eq!(
        openssl_dates(dir, "ca.crt")[0],
        "notBefore=Jan  1 00:00:00 1960 GMT"
    );
    // The JSON view carries them too, and the core reads the same.
    let out = certplay(dir, &["inspect", "--json", "ca.crt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1960-01-01"), "{}", stdout(&out));
    let pem = std::fs::read(dir.join("ca.crt")).unwrap();
    let items = certplay_core::read::read("ca.crt", &pem).unwrap();
    let ca = &certplay_core::read::certificates(&items)[0];
    assert_eq!(ca.not_before.0, -315_619_200, "1960-01-01T00:00:00Z");
    assert!(ca.valid_at(0) && ca.valid_at(-315_619_200) && !ca.valid_at(-315_619_201));
    // No prefix of it panics the reader.
    for end in 0..ca.der.len() {
        let _ = certplay_core::read::Certificate::from_der(&ca.der[..end]);
    }

    // openssl accepts the chain; rustls cannot read a date before 1970,
    // and certplay verify says so instead of "not valid DER".
    let (accepted, said) = {
        let o = run(
            dir,
            "openssl",
            &["verify", "-CAfile", "ca.crt", "server.crt"],
        );
        (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
    };
    assert!(accepted, "{said}");
    let out = certplay(
        dir,
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
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains("reads no date before 1970")
            && text.contains("1965-06-01T12:00:00Z")
            && !text.contains("not valid DER"),
        "{text}"
    );
    // Its lint says it of each certificate dated so: rustls refuses the
    // server's, and the other stacks read it, as openssl just did; it takes
    // the root's, as it reads no trust anchor's dates.
    let line = |of: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(of) && l.contains(" date-before-1970: "))
            .unwrap_or_else(|| panic!("no date-before-1970 on {of}: {text}"))
    };
    assert!(
        line("CN=localhost:").contains(
            "Error date-before-1970: valid from 1965-06-01 12:00:00 UTC to 2035-01-01 00:00:00 \
             UTC: rustls/webpki reads no date before 1970 and refuses it; refused by \
             rustls/webpki; accepted by OpenSSL, OpenSSL -x509_strict,"
        ),
        "{text}"
    );
    assert!(
        line("CN=old-ca:").contains("Notice date-before-1970: valid from 1960-01-01")
            && line("CN=old-ca:").contains("it takes this root")
            && line("CN=old-ca:").contains("accepted by every stack"),
        "{text}"
    );
    assert!(
        text.contains("other stacks: no lint says OpenSSL,"),
        "{text}"
    );
    let out = certplay(dir, &["inspect", "ca.crt"]);
    assert!(
        stdout(&out).contains("date-before-1970"),
        "{}",
        stdout(&out)
    );

    // A notAfter meant for 2055 but written as UTCTime reads as 1955, before
    // its notBefore: the lint says what happened, and openssl agrees on the date.
    assert_eq!(
        openssl_dates(dir, "late.crt")[1],
        "notAfter=Dec 31 23:59:59 1955 GMT"
    );
    let out = certplay(dir, &["inspect", "late.crt"]);
    let text = stdout(&out);
    assert!(
        text.contains("utc-time-past-2049")
            && text.contains("Not After : Dec 31 23:59:59 1955 GMT")
            && !text.contains("date-before-1970"),
        "{text}{}",
        stderr(&out)
    );
}

/// A CA certificate dated 1965 (`openssl ca -startdate 650101000000Z`),
/// signed by the 1960 root of [`EARLY_COMMANDS`], with its key in
/// `inter.key`.
const EARLY_INTERMEDIATE: &str = "
cat >> ca.cnf <<'CNF'
[intermediate]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
key inter old-inter
openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in inter.csr -startdate 650101000000Z -enddate 400101000000Z -extensions intermediate -out inter.crt 2>/dev/null
";

/// Certificates dated 1950-1969 where certplay takes them as input rather
/// than to inspect: `serve --cert`, `issue --ca-cert` (a root, and an
/// existing intermediate) and `p12 --cert`. Each reads them (no "not valid
/// DER" from the der crate), and each says what rustls will do where it
/// matters: a 1965 server certificate serves curl (OpenSSL reads the date)
/// while serve warns, and connect refuses it, that rustls cannot; a 1960
/// root is an anchor whose dates rustls never reads, so what is issued
/// under it verifies; a 1965 intermediate gets issue's warning.
#[test]
fn certificates_dated_1950_to_1969_are_taken_by_serve_issue_and_p12() {
    let dir = temp_dir();
    let dir = dir.path();
    sh(dir, &format!("{EARLY_COMMANDS}{EARLY_INTERMEDIATE}"));

    // serve: starts, warns, and curl gets the page.
    let server = Server::with_files_and(dir, &["--client-auth", "off"]);
    let warned = server.wait_for_log("rustls-webpki reads no date before 1970");
    assert!(
        warned.contains(
            "server.crt (CN=localhost) is valid from 1965-06-01T12:00:00Z to 2035-01-01T00:00:00Z"
        ),
        "{warned}"
    );
    let url = format!("https://localhost:{}/", server.port);
    let got = run(
        dir,
        "curl",
        &["--silent", "--show-error", "--cacert", "ca.crt", &url],
    );
    assert!(got.status.success(), "curl: {}", stderr(&got));
    assert_eq!(stdout(&got), "Hello World\n");
    let out = certplay(
        dir,
        &[
            "connect",
            &format!("localhost:{}", server.port),
            "--ca",
            "ca.crt",
        ],
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains("valid: 1965-06-01T12:00:00Z to 2035-01-01T00:00:00Z")
            && text.contains("reads no date before 1970"),
        "{text}"
    );
    drop(server);

    // issue under the 1960 root: read, and what it signs verifies with
    // rustls (certplay verify) and OpenSSL.
    let out = certplay(
        dir,
        &[
            "issue",
            "--out",
            "more",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "ca.key",
            "--client",
            "carol",
        ],
    );
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(out.status.success(), "{said}");
    assert!(!said.contains("before 1970"), "{said}");
    let verified = run(
        dir,
        "openssl",
        &["verify", "-CAfile", "ca.crt", "more/carol.crt"],
    );
    assert!(verified.status.success(), "{}", stderr(&verified));
    let out = certplay(
        dir,
        &[
            "verify",
            "--ca",
            "ca.crt",
            "--purpose",
            "client",
            "more/carol.crt",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    // The 1960 root is both sides' anchor: serve with the server
    // certificate issued under it, and curl presents carol's.
    let server = Server::start(
        dir,
        &[
            "--ca",
            "ca.crt",
            "--cert",
            "more/server.crt",
            "--key",
            "more/server.key",
            "--no-page",
        ],
    );
    let url = format!("https://localhost:{}/", server.port);
    let got = run(
        dir,
        "curl",
        &[
            "--silent",
            "--show-error",
            "--cacert",
            "ca.crt",
            "--cert",
            "more/carol.crt",
            "--key",
            "more/carol.key",
            &url,
        ],
    );
    assert_eq!(stdout(&got), "Hello World\n", "curl: {}", stderr(&got));
    drop(server);

    // issue under the 1965 intermediate: read, signed, and warned of.
    let out = certplay(
        dir,
        &[
            "issue",
            "--out",
            "under",
            "--ca-cert",
            "inter.crt",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "inter.key",
            "--client",
            "dave",
        ],
    );
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("certplay: warning: ")
            && said.contains("(CN=old-inter) is valid from 1965-01-01T00:00:00Z")
            && said.contains("rustls-webpki reads no date before 1970"),
        "{said}"
    );
    let verified = run(
        dir,
        "openssl",
        &[
            "verify",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "inter.crt",
            "under/dave.crt",
        ],
    );
    assert!(verified.status.success(), "{}", stderr(&verified));

    // p12: bundled, and OpenSSL reads the 1965 date back out of it.
    let out = certplay(
        dir,
        &[
            "p12",
            "--cert",
            "server.crt",
            "--key",
            "server.key",
            "--chain",
            "ca.crt",
            "--password",
            "early",
            "--out",
            "server.p12",
        ],
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let dates = sh(
        dir,
        "openssl pkcs12 -in server.p12 -passin pass:early -nokeys -clcerts | openssl x509 -noout -startdate",
    );
    assert_eq!(dates.trim(), "notBefore=Jun  1 12:00:00 1965 GMT");
}
