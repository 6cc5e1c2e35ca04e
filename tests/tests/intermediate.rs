//! Issuing under a CA people really have (issue 29): a root and an
//! intermediate made by openssl (the intermediate with pathlen 0 and name
//! constraints), `certplay issue` signing a server and two clients with
//! only the intermediate's key. openssl verifies each with the chain
//! files, the printed `certplay serve` and curl lines work for both
//! clients, the plan replays, and what the constraints forbid or a key that
//! does not belong is refused in words.

use std::path::Path;

use certplay_tests::{certplay, curl, run, sh, stderr, stdout, temp_dir, Server, COMPANY_PKI};

/// `certplay issue` under the company's issuing CA into `out`.
fn issue(dir: &Path, out: &str, more: &[&str]) -> std::process::Output {
    let mut args = vec![
        "issue",
        "--out",
        out,
        "--ca-cert",
        "chain.pem",
        "--ca-key",
        "inter.key",
    ];
    args.extend_from_slice(more);
    certplay(dir, &args)
}

fn openssl_verify(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    let out = run(dir, "openssl", &all);
    format!("{}{}", stdout(&out), stderr(&out))
}

/// DER of the first certificate in a PEM file.
fn der(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).expect("reading a certificate");
    pem::parse(text).expect("PEM").contents().to_vec()
}

#[test]
fn leaves_under_an_openssl_intermediate_verify_and_connect() {
    let dir = temp_dir();
    let d = dir.path();
    sh(d, COMPANY_PKI);
    let made = issue(
        d,
        "pki",
        &[
            "--client",
            "alice",
            "--client",
            "bob",
            "--san",
            "localhost",
            "--san",
            "127.0.0.1",
        ],
    );
    let said = stdout(&made);
    assert!(made.status.success(), "{said}{}", stderr(&made));

    // The root is ca.crt, byte for byte the company's; the intermediate is
    // its own file; no CA key is written (the person has it, or not at all).
    let pki = d.join("pki");
    assert_eq!(der(&pki.join("ca.crt")), der(&d.join("root.crt")));
    assert_eq!(
        der(&pki.join("intermediate.crt")),
        der(&d.join("inter.crt"))
    );
    assert!(!pki.join("ca.key").exists() && !pki.join("intermediate.key").exists());
    assert!(said.contains("The root CA certificate"), "{said}");
    let plan = std::fs::read_to_string(pki.join("certplay-plan.toml")).expect("plan");
    assert_eq!(plan.matches("existing = true").count(), 2, "{plan}");

    // Each chain file holds the leaf and the intermediate, not the root,
    // and openssl verifies each leaf with it up to the root.
    for leaf in ["server", "alice", "bob"] {
        let chain = std::fs::read_to_string(pki.join(format!("{leaf}-chain.crt"))).expect("chain");
        assert_eq!(
            chain.matches("BEGIN CERTIFICATE").count(),
            2,
            "{leaf}: {chain}"
        );
        let verdict = openssl_verify(
            &pki,
            &[
                "-CAfile",
                "ca.crt",
                "-untrusted",
                &format!("{leaf}-chain.crt"),
                &format!("{leaf}.crt"),
            ],
        );
        assert!(verdict.contains(": OK"), "{leaf}: {verdict}");
    }

    // The printed serve line, on a free port, and the printed curl lines.
    let lines: Vec<&str> = said
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("certplay serve") || l.starts_with("curl "))
        .collect();
    let serve = lines
        .iter()
        .find(|l| l.starts_with("certplay serve"))
        .expect("a serve line");
    assert!(
        serve.contains("pki/ca.crt") && serve.contains("pki/server-chain.crt"),
        "{serve}"
    );
    let mut args: Vec<&str> = serve.split_whitespace().skip(2).collect();
    if let Some(at) = args.iter().position(|a| *a == "--port") {
        args.drain(at..at + 2);
    }
    args.push("--no-page");
    let server = Server::start(d, &args);
    let curls: Vec<&&str> = lines.iter().filter(|l| l.starts_with("curl ")).collect();
    assert_eq!(curls.len(), 2, "{said}");
    for line in curls {
        assert!(line.contains("--cacert pki/ca.crt"), "{line}");
        let line = line.replace(":3001", &format!(":{}", server.port));
        let out = run(
            d,
            "sh",
            &["-c", &format!("{line} --silent --show-error --max-time 20")],
        );
        assert_eq!(
            stdout(&out),
            "Hello World\n",
            "{line}: {}\nlog:\n{}",
            stderr(&out),
            server.log()
        );
    }
    // A client the company's root did not sign (certplay's own blog set)
    // is refused.
    assert!(certplay(d, &["issue", "--out", "own"]).status.success());
    let other = curl(
        d,
        &[
            "--cacert",
            "pki/ca.crt",
            "--cert",
            "own/client.crt",
            "--key",
            "own/client.key",
            &format!("https://localhost:{}", server.port),
        ],
    );
    assert_ne!(stdout(&other), "Hello World\n");
    drop(server);

    // The plan replays with the same flags.
    let again = certplay(
        d,
        &[
            "issue",
            "--out",
            "again",
            "--plan",
            "pki/certplay-plan.toml",
            "--ca-cert",
            "chain.pem",
            "--ca-key",
            "inter.key",
        ],
    );
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(der(&d.join("again/ca.crt")), der(&d.join("root.crt")));
    let verdict = openssl_verify(
        &d.join("again"),
        &[
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "bob-chain.crt",
            "bob.crt",
        ],
    );
    assert!(verdict.contains(": OK"), "{verdict}");
}

#[test]
fn what_the_given_chain_forbids_is_refused_in_words() {
    let dir = temp_dir();
    let d = dir.path();
    sh(d, COMPANY_PKI);

    // A server name outside the intermediate's name constraints.
    let outside = issue(d, "outside", &["--san", "shop.example.com"]);
    assert!(!outside.status.success());
    let words = stderr(&outside);
    assert!(
        words.contains("subjectAltName DNS:shop.example.com is outside what")
            && words.contains("Example Corp Issuing CA")
            && words.contains("permit only DNS:localhost"),
        "{words}"
    );
    assert!(!d.join("outside").join("server.key").exists());

    // A key that is not the issuing CA's.
    let stranger = certplay(
        d,
        &[
            "issue",
            "--out",
            "x",
            "--ca-cert",
            "chain.pem",
            "--ca-key",
            "other.key",
        ],
    );
    assert!(!stranger.status.success());
    let words = stderr(&stranger);
    assert!(
        words.contains("other.key is not the private key of")
            && words.contains("Example Corp Issuing CA"),
        "{words}"
    );

    // The root's key: certplay signs with the lowest CA of the chain.
    let root_key = certplay(
        d,
        &[
            "issue",
            "--out",
            "x",
            "--ca-cert",
            "chain.pem",
            "--ca-key",
            "root.key",
        ],
    );
    assert!(!root_key.status.success());
    let words = stderr(&root_key);
    assert!(
        words.contains("this is the key of") && words.contains("lowest CA of the chain"),
        "{words}"
    );
}

#[test]
fn without_the_root_the_note_says_what_to_trust() {
    let dir = temp_dir();
    let d = dir.path();
    sh(d, COMPANY_PKI);
    let made = certplay(
        d,
        &[
            "issue",
            "--out",
            "pki",
            "--ca-cert",
            "inter.crt",
            "--ca-key",
            "inter.key",
        ],
    );
    let said = stdout(&made);
    assert!(made.status.success(), "{said}{}", stderr(&made));
    let pki = d.join("pki");
    assert!(!said.contains("The root CA certificate"), "{said}");
    assert!(
        said.contains("was not given") && said.contains("what servers and clients must trust"),
        "{said}"
    );
    // The topmost certificate given is the anchor: no chain files, and
    // openssl accepts the leaves against it as a partial chain.
    let anchor = std::fs::read_dir(&pki)
        .expect("pki")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|name| name.ends_with(".crt") && der(&pki.join(name)) == der(&d.join("inter.crt")))
        .expect("the intermediate written");
    assert!(said.contains(&format!("pki/{anchor}")), "{said}");
    assert!(!pki.join("server-chain.crt").exists());
    let verdict = openssl_verify(&pki, &["-partial_chain", "-CAfile", &anchor, "server.crt"]);
    assert!(verdict.contains(": OK"), "{verdict}");
}

/// A root and a workload CA made by openssl whose nameConstraints are
/// URIs (hosts below example.org, but not bad.example.org) and
/// directoryNames (O=Example Corp, but not its Contractors unit); and a
/// key for leaves openssl signs under it.
const WORKLOAD_PKI: &str = "
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out \"$1\"; }
ec root.key
openssl req -x509 -new -key root.key -subj '/O=Example Corp/CN=Example Corp Root' -days 3650 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -out root.crt
ec work.key
openssl req -new -key work.key -subj '/O=Example Corp/CN=Example Corp Workload CA' -out work.csr
cat > work.ext <<EOF
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
nameConstraints=critical,permitted;URI:.example.org,excluded;URI:bad.example.org,permitted;dirName:corp,excluded;dirName:contractors
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[corp]
O=Example Corp
[contractors]
O=Example Corp
OU=Contractors
EOF
openssl x509 -req -in work.csr -CA root.crt -CAkey root.key -CAcreateserial -days 1825 \
  -extfile work.ext -out work.crt 2>/dev/null
ec leaf.key
";

/// The blog's plan with the leaves in O=Example Corp (and `unit` as OU),
/// the client named by `uri`, written as `plan.toml` in `dir`.
fn workload_plan(dir: &Path, organization: &str, unit: Option<&str>, uri: &str) {
    let mut plan = certplay_core::Plan::default();
    for entry in plan.entries.iter_mut().filter(|e| !e.profile.is_ca()) {
        entry.subject.organization = Some(organization.into());
        entry.subject.organizational_unit = unit.map(str::to_owned);
        if entry.profile.is_client() {
            entry.sans = vec![certplay_core::San::parse(uri).expect("a URI name")];
        }
    }
    std::fs::write(dir.join("plan.toml"), plan.to_toml().expect("TOML")).expect("plan.toml");
}

/// `certplay issue` of `plan.toml` under the workload CA and its root,
/// each in its own --ca-cert.
fn issue_workload(dir: &Path, out: &str) -> std::process::Output {
    certplay(
        dir,
        &[
            "issue",
            "--out",
            out,
            "--plan",
            "plan.toml",
            "--ca-cert",
            "work.crt",
            "--ca-cert",
            "root.crt",
            "--ca-key",
            "work.key",
        ],
    )
}

/// openssl's own verdict on a client certificate it signs under the
/// workload CA with `subject` and `san`.
fn openssl_signed_verdict(dir: &Path, subject: &str, san: &str) -> String {
    std::fs::write(
        dir.join("leaf.ext"),
        format!("basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nsubjectAltName={san}\n"),
    )
    .expect("leaf.ext");
    sh(
        dir,
        &format!(
            "openssl req -new -key leaf.key -subj '{subject}' -out leaf.csr
             openssl x509 -req -in leaf.csr -CA work.crt -CAkey work.key -CAcreateserial \
               -days 30 -extfile leaf.ext -out leaf.crt 2>/dev/null"
        ),
    );
    openssl_verify(
        dir,
        &[
            "-CAfile",
            "root.crt",
            "-untrusted",
            "work.crt",
            "-purpose",
            "sslclient",
            "leaf.crt",
        ],
    )
}

#[test]
fn uri_and_directory_name_constraints_are_checked_before_signing() {
    let dir = temp_dir();
    let d = dir.path();
    sh(d, WORKLOAD_PKI);

    // Inside both: issued, and openssl agrees for the leaves certplay made
    // and for one it signs itself.
    workload_plan(
        d,
        "Example Corp",
        None,
        "URI:spiffe://prod.example.org/alice",
    );
    let made = issue_workload(d, "inside");
    assert!(made.status.success(), "{}{}", stdout(&made), stderr(&made));
    let inside = d.join("inside");
    for (leaf, purpose) in [("server", "sslserver"), ("client", "sslclient")] {
        let chain = format!("{leaf}-chain.crt");
        let verdict = openssl_verify(
            &inside,
            &[
                "-CAfile",
                "ca.crt",
                "-untrusted",
                &chain,
                "-purpose",
                purpose,
                &format!("{leaf}.crt"),
            ],
        );
        assert!(verdict.contains(": OK"), "{leaf}: {verdict}");
    }
    assert_eq!(der(&inside.join("ca.crt")), der(&d.join("root.crt")));
    let verdict = openssl_signed_verdict(
        d,
        "/O=Example Corp/CN=alice",
        "URI:spiffe://prod.example.org/alice",
    );
    assert!(verdict.contains(": OK"), "{verdict}");

    // Each name outside: refused in words before anything is written, and
    // openssl refuses the same names in a leaf it signs.
    let cases = [
        (
            "Example Corp",
            None,
            "URI:spiffe://bad.example.org/alice",
            "its nameConstraints exclude URI:bad.example.org",
            "excluded subtree violation",
        ),
        (
            "Example Corp",
            None,
            "URI:spiffe://other.test/alice",
            "permit only URI:.example.org",
            "permitted subtree violation",
        ),
        (
            "Example Corp",
            None,
            "URI:urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
            "has no host",
            "unsupported or invalid name syntax",
        ),
        (
            "Other Corp",
            None,
            "URI:spiffe://prod.example.org/alice",
            "permit only DirName:/O=Example Corp",
            "permitted subtree violation",
        ),
        (
            "Example Corp",
            Some("Contractors"),
            "URI:spiffe://prod.example.org/alice",
            "exclude DirName:/O=Example Corp/OU=Contractors",
            "excluded subtree violation",
        ),
    ];
    for (at, (organization, unit, uri, words, openssl_says)) in cases.into_iter().enumerate() {
        workload_plan(d, organization, unit, uri);
        let out = format!("outside-{at}");
        let refused = issue_workload(d, &out);
        let said = stderr(&refused);
        assert!(!refused.status.success(), "{uri}: {}", stdout(&refused));
        assert!(
            said.contains(words) && said.contains("Example Corp Workload CA"),
            "{organization} {unit:?} {uri}: {said}"
        );
        assert!(!d.join(&out).join("client.key").exists(), "{out}");
        let subject = match unit {
            Some(unit) => format!("/O={organization}/OU={unit}/CN=alice"),
            None => format!("/O={organization}/CN=alice"),
        };
        let verdict = openssl_signed_verdict(d, &subject, uri);
        assert!(verdict.contains(openssl_says), "{subject} {uri}: {verdict}");
    }
}

/// A root and three issuing CAs made by openssl, each with one kind of
/// nameConstraints: `uri.crt` (URI:.example.org), `dir.crt` (directoryName
/// O=Example Corp) and `dns.crt` (DNS:localhost, the control).
const CONSTRAINED_PKI: &str = "
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out \"$1\"; }
ec root.key
openssl req -x509 -new -key root.key -subj '/O=Example Corp/CN=Example Corp Root' -days 3650 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -out root.crt
for kind in uri dir dns; do
  ec $kind.key
  openssl req -new -key $kind.key -subj \"/O=Example Corp/CN=Example Corp $kind CA\" -out $kind.csr
  case $kind in
    uri) constraints='permitted;URI:.example.org' ;;
    dir) constraints='permitted;dirName:corp' ;;
    dns) constraints='permitted;DNS:localhost' ;;
  esac
  printf '%s\n' 'basicConstraints=critical,CA:TRUE,pathlen:0' \
    'keyUsage=critical,keyCertSign,cRLSign' \"nameConstraints=critical,$constraints\" \
    'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' '[corp]' 'O=Example Corp' \
    > $kind.ext
  openssl x509 -req -in $kind.csr -CA root.crt -CAkey root.key -CAcreateserial -days 1825 \
    -extfile $kind.ext -out $kind.crt 2>/dev/null
done
";

/// rustls-webpki 0.103 does not process URI or directoryName name
/// constraints: under a CA that lists them it refuses a leaf that OpenSSL
/// accepts as inside them (a client named by a URI; for directoryName,
/// any leaf, its subject being a directory name). `certplay issue` warns
/// before it signs under such a CA, and what it then issues is refused by
/// `certplay verify` and by a real `certplay serve` with curl, and
/// accepted by `openssl verify`. DNS constraints (the control) are
/// processed by both: no warning, every leaf valid.
#[test]
fn uri_and_directory_name_constraints_are_refused_by_rustls_and_issue_warns_first() {
    let dir = temp_dir();
    let d = dir.path();
    sh(d, CONSTRAINED_PKI);
    // (kind, the client named by a URI, rustls accepts the server, the
    // client)
    let kinds = [
        ("uri", true, true, false),
        ("dir", true, false, false),
        ("dns", false, true, true),
    ];
    for (kind, uri_client, server_ok, client_ok) in kinds {
        let mut plan = certplay_core::Plan::default();
        for entry in plan.entries.iter_mut().filter(|e| !e.profile.is_ca()) {
            entry.subject.organization = Some("Example Corp".into());
            entry.sans = if entry.profile.is_client() {
                uri_client
                    .then(|| certplay_core::San::parse("URI:spiffe://prod.example.org/alice"))
                    .into_iter()
                    .map(|san| san.expect("a URI name"))
                    .collect()
            } else {
                vec![certplay_core::San::parse("DNS:localhost").expect("a DNS name")]
            };
        }
        let plan_file = format!("plan-{kind}.toml");
        std::fs::write(d.join(&plan_file), plan.to_toml().expect("TOML")).expect("the plan");
        let out = format!("out-{kind}");
        let (ca_cert, ca_key) = (format!("{kind}.crt"), format!("{kind}.key"));
        let made = certplay(
            d,
            &[
                "issue",
                "--out",
                &out,
                "--plan",
                &plan_file,
                "--ca-cert",
                &ca_cert,
                "--ca-cert",
                "root.crt",
                "--ca-key",
                &ca_key,
            ],
        );
        let said = stdout(&made);
        assert!(made.status.success(), "{kind}: {said}{}", stderr(&made));
        let warning = said
            .lines()
            .position(|l| l.starts_with("certplay: warning:") && l.contains("rustls"));
        let issued = said
            .lines()
            .position(|l| l.starts_with("certplay: issued"))
            .unwrap_or_else(|| panic!("{kind}: {said}"));
        if server_ok && client_ok {
            assert_eq!(warning, None, "{kind}: {said}");
        } else {
            let at = warning.unwrap_or_else(|| panic!("{kind}: no warning:\n{said}"));
            assert!(
                at < issued,
                "{kind}: the warning comes after signing:\n{said}"
            );
            let line = said.lines().nth(at).expect("the line");
            assert!(
                line.contains(&format!("{ca_cert} + root.crt: CN=Example Corp {kind} CA"))
                    && line.contains("certplay serve")
                    && line.contains("while OpenSSL accepts it"),
                "{line}"
            );
        }
        let set = d.join(&out);
        for (leaf, purpose, ok) in [
            ("server", "server", server_ok),
            ("client", "client", client_ok),
        ] {
            let chain = format!("{leaf}-chain.crt");
            let openssl_purpose = format!("ssl{purpose}");
            let verdict = openssl_verify(
                &set,
                &[
                    "-CAfile",
                    "ca.crt",
                    "-untrusted",
                    &chain,
                    "-purpose",
                    &openssl_purpose,
                    &format!("{leaf}.crt"),
                ],
            );
            assert!(verdict.contains(": OK"), "{kind} {leaf}: openssl {verdict}");
            let mut args = vec!["verify", "--ca", "ca.crt", "--purpose", purpose];
            if purpose == "server" {
                args.extend(["--host", "localhost"]);
            }
            args.push(&chain);
            let checked = certplay(&set, &args);
            let words = stdout(&checked);
            assert_eq!(
                checked.status.code(),
                Some(if ok { 0 } else { 1 }),
                "{kind} {leaf}: certplay verify {words}{}",
                stderr(&checked)
            );
            if !ok {
                assert!(words.contains("name constraint"), "{kind} {leaf}: {words}");
            }
        }
    }

    // The real server refuses the URI-named client in its handshake.
    let server = Server::start(
        d,
        &[
            "--ca",
            "out-uri/ca.crt",
            "--cert",
            "out-uri/server-chain.crt",
            "--key",
            "out-uri/server.key",
            "--no-page",
        ],
    );
    let refused = curl(
        d,
        &[
            "--cacert",
            "out-uri/ca.crt",
            "--cert",
            "out-uri/client-chain.crt",
            "--key",
            "out-uri/client.key",
            &server.url(),
        ],
    );
    assert_ne!(stdout(&refused), "Hello World\n", "{}", stderr(&refused));
    server.wait_for_log("name constraint");
}
