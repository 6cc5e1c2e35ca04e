//! Plans of every shape, checked by other implementations: `openssl verify
//! -x509_strict` for each preset and key type (with intermediates given as
//! untrusted), name constraints and validity refusals in openssl's words,
//! real handshakes through `certplay serve` with chains (curl trusts only
//! the root) and with every key type, and Python's `ssl` module as a client.

use std::path::Path;

use certplay_core::{KeyType, Materials, Plan, Preset, Profile, Subtree, Validity};
use certplay_tests::{
    curl, issue_backdated, run, stderr, stdout, temp_dir, write_set, KeyPool, Server,
};

/// `openssl verify -x509_strict -purpose P [-untrusted intermediates]`
/// for one leaf of an issued plan written in `dir`.
fn openssl_verify(dir: &Path, plan: &Plan, leaf: &str, purpose: &str) -> std::process::Output {
    let entry = plan.entry(leaf).expect("the leaf");
    let issuers = plan.issuers_of(entry);
    let root = issuers.last().map_or(leaf, |e| e.name.as_str());
    let mut args = vec![
        "verify".to_owned(),
        "-x509_strict".into(),
        "-purpose".into(),
        purpose.into(),
        "-CAfile".into(),
        format!("{root}.crt"),
    ];
    for intermediate in issuers
        .iter()
        .filter(|e| e.profile == Profile::IntermediateCa)
    {
        args.push("-untrusted".into());
        args.push(format!("{}.crt", intermediate.name));
    }
    args.push(format!("{leaf}.crt"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(dir, "openssl", &args)
}

#[test]
fn openssl_verifies_every_preset_and_key_type_strictly() {
    // One pool of keys per key type serves every preset (RSA-4096 keys
    // take seconds each); the entries of a plan still get distinct keys.
    let mut pool = KeyPool::default();
    for key_type in KeyType::ALL {
        for preset in Preset::ALL {
            let plan = Plan {
                key_type,
                ..preset.plan()
            };
            let dir = temp_dir();
            write_set(dir.path(), &pool.issue(&plan));
            for entry in plan.entries.iter().filter(|e| !e.profile.is_ca()) {
                let purposes: &[&str] = match entry.profile {
                    Profile::Server => &["sslserver"],
                    Profile::Client => &["sslclient"],
                    _ => &["sslserver", "sslclient"],
                };
                for purpose in purposes {
                    let out = openssl_verify(dir.path(), &plan, &entry.name, purpose);
                    assert!(
                        out.status.success() && stdout(&out).ends_with(": OK\n"),
                        "{key_type} {preset:?} {} {purpose}: {}{}",
                        entry.name,
                        stdout(&out),
                        stderr(&out)
                    );
                }
            }
        }
    }
}

#[test]
fn openssl_refuses_a_leaf_outside_its_cas_name_constraints() {
    let mut plan = Plan::default();
    plan.entries[0].name_constraints.permitted = vec![Subtree::parse("DNS:example.com").unwrap()];
    let dir = temp_dir();
    write_set(dir.path(), &plan.issue().expect("issuing"));
    // server.crt names localhost and 127.0.0.1: outside DNS:example.com.
    let out = openssl_verify(dir.path(), &plan, "server", "sslserver");
    assert!(!out.status.success(), "{}", stdout(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(said.contains("permitted subtree violation"), "{said}");

    let mut inside = Plan::default();
    inside.entries[0].name_constraints.permitted = vec![Subtree::parse("DNS:example.com").unwrap()];
    inside.entries[1].sans = vec!["DNS:www.example.com".parse().unwrap()];
    let dir = temp_dir();
    write_set(dir.path(), &inside.issue().expect("issuing"));
    let out = openssl_verify(dir.path(), &inside, "server", "sslserver");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn openssl_refuses_expired_and_not_yet_valid_leaves_for_that_reason() {
    let dir = temp_dir();
    write_set(dir.path(), &issue_backdated(&Plan::default(), 31, 30));
    let out = openssl_verify(dir.path(), &Plan::default(), "client", "sslclient");
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        !out.status.success() && said.contains("certificate has expired"),
        "{said}"
    );

    let mut plan = Plan::default();
    plan.entries[2].validity = Validity::Relative {
        days: 30,
        starts_in_days: 2,
    };
    let dir = temp_dir();
    let issued = plan.issue().expect("issuing");
    assert_eq!(issued.warnings.len(), 1, "{:?}", issued.warnings);
    write_set(dir.path(), &issued);
    let out = openssl_verify(dir.path(), &plan, "client", "sslclient");
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        !out.status.success() && said.contains("certificate is not yet valid"),
        "{said}"
    );
}

/// Serves `dir`'s plan files: the root as --ca, the server's chain file
/// when it has one.
fn serve(dir: &Path, cert: &str) -> Server {
    Server::start(
        dir,
        &[
            "--ca",
            "ca.crt",
            "--cert",
            cert,
            "--key",
            "server.key",
            "--no-page",
        ],
    )
}

fn curl_as(dir: &Path, server: &Server, cert: &str, key: &str) -> std::process::Output {
    curl(
        dir,
        &[
            "--cacert",
            "ca.crt",
            "--cert",
            cert,
            "--key",
            key,
            &server.url(),
        ],
    )
}

#[test]
fn chains_through_an_intermediate_work_both_ways() {
    let mut plan = Plan {
        key_type: KeyType::EcdsaP384,
        ..Preset::Intermediate.plan()
    };
    plan.set_clients(&["alice".into(), "bob".into()]);
    let dir = temp_dir();
    write_set(dir.path(), &plan.issue().expect("issuing"));

    // curl trusts only the root; the server sends its chain; each client
    // presents its own chain.
    let server = serve(dir.path(), "server-chain.crt");
    // The command it prints names the plan's first client and its chain.
    assert!(
        server
            .stdout
            .contains("--cert alice-chain.crt --key alice.key"),
        "{}",
        server.stdout
    );
    for client in ["alice", "bob"] {
        let out = curl_as(
            dir.path(),
            &server,
            &format!("{client}-chain.crt"),
            &format!("{client}.key"),
        );
        assert_eq!(
            stdout(&out),
            "Hello World\n",
            "{client}: {}{}",
            stderr(&out),
            server.log()
        );
    }
    // A client that sends only its leaf cannot be chained to the root.
    let out = curl_as(dir.path(), &server, "alice.crt", "alice.key");
    assert!(!stdout(&out).contains("Hello World"));
    drop(server);

    // The server certificate alone (no intermediate): curl cannot build the chain.
    let server = serve(dir.path(), "server.crt");
    let out = curl_as(dir.path(), &server, "alice-chain.crt", "alice.key");
    assert!(!out.status.success(), "{}", stdout(&out));
}

const PYTHON_CLIENT: &str = r#"
import ssl, sys, urllib.request
context = ssl.create_default_context(cafile="ca.crt")
context.load_cert_chain("client.crt", "client.key")
with urllib.request.urlopen(sys.argv[1], context=context, timeout=20) as response:
    sys.stdout.write(response.read().decode())
"#;

/// Each key type's set, served by `certplay serve`: curl shakes hands with
/// it, and so does Python's `ssl` module (all but RSA-3072, to keep the
/// slow key generation to one test; Ed25519 with TLS 1.3, which curl 7.88
/// on OpenSSL 3.0 and Python offer).
#[test]
fn every_key_type_shakes_hands_with_curl_and_python() {
    for (key_type, python) in [
        (KeyType::EcdsaP256, true),
        (KeyType::EcdsaP384, true),
        (KeyType::Ed25519, true),
        (KeyType::Rsa2048, true),
        (KeyType::Rsa3072, false),
    ] {
        let plan = Plan {
            key_type,
            ..Plan::default()
        };
        let dir = temp_dir();
        let issued = certplay_server::issuing::issue_plan(&plan, Materials::default());
        write_set(dir.path(), &issued.expect("issuing"));
        let server = serve(dir.path(), "server.crt");
        let curl = curl_as(dir.path(), &server, "client.crt", "client.key");
        let mut answers = vec![("curl", curl)];
        if python {
            let out = run(dir.path(), "python3", &["-c", PYTHON_CLIENT, &server.url()]);
            answers.push(("python", out));
        }
        for (client, out) in answers {
            assert_eq!(
                stdout(&out),
                "Hello World\n",
                "{client}, {key_type}: {}{}",
                stderr(&out),
                server.log()
            );
        }
    }
}
