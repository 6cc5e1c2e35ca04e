//! The handshake lab in a real browser (headless Chromium through
//! wasm-bindgen-test): rustls' client and server, both with core's
//! pure-Rust crypto provider, complete an mTLS handshake over in-memory
//! buffers with the blog's set and get `Hello World`; with another CA's
//! client the server refuses with the reason `certplay serve` gives.
//!
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! cargo test -p certplay-core --target wasm32-unknown-unknown --features lab --test lab

#![cfg(all(target_arch = "wasm32", feature = "lab"))]

use std::sync::Arc;

use certplay_core::lab::{
    crypto, handshake, Body, ClientFiles, Clock, LabClient, Outcome, Side, TlsVersions,
};
use certplay_core::{ClientAuth, IssuedPlan, KeyType, MtlsServer, Plan, ServerTls, Source};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn file(set: &IssuedPlan, name: &str) -> String {
    set.files()
        .unwrap()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap()
        .contents
}

fn server(set: &IssuedPlan) -> MtlsServer {
    let (ca, cert, key) = (
        file(set, "ca.crt"),
        file(set, "server.crt"),
        file(set, "server.key"),
    );
    let tls = ServerTls::read(
        Source::new("ca.crt", ca.as_bytes()),
        Source::new("server.crt", cert.as_bytes()),
        Source::new("server.key", key.as_bytes()),
        Clock::Now.unix(),
    )
    .unwrap();
    MtlsServer::for_serve(&tls, crypto::provider(), false, ClientAuth::Required).unwrap()
}

fn client(trust: &IssuedPlan, identity: &IssuedPlan, versions: TlsVersions) -> LabClient {
    let (ca, cert, key) = (
        file(trust, "ca.crt"),
        file(identity, "client.crt"),
        file(identity, "client.key"),
    );
    let files = ClientFiles {
        cacert: Source::new("ca.crt", ca.as_bytes()),
        identity: Some((
            Source::new("client.crt", cert.as_bytes()),
            Source::new("client.key", key.as_bytes()),
        )),
        host: "localhost",
    };
    LabClient::from_pem(files, Arc::new(crypto::provider()))
        .unwrap()
        .with_versions(versions)
}

#[wasm_bindgen_test]
fn a_full_mtls_handshake_in_the_browser() {
    let set = Plan {
        key_type: KeyType::EcdsaP256,
        ..Plan::default()
    }
    .issue()
    .unwrap();
    let server = server(&set);
    for versions in [TlsVersions::Tls13AndTls12, TlsVersions::Tls12Only] {
        let transcript =
            handshake(&server, &client(&set, &set, versions), Clock::Now.unix()).unwrap();
        assert_eq!(
            transcript.outcome,
            Outcome::Answered {
                status: 200,
                body: "Hello World\n".into()
            },
            "{transcript:#?}"
        );
        // Both certificates went across, and both sides signed.
        let read = |from: Side, name: &str| {
            transcript
                .messages
                .iter()
                .any(|m| m.from == from && m.body.name() == name)
        };
        for side in [Side::Server, Side::Client] {
            assert!(read(side, "Certificate"), "{versions:?} {transcript:#?}");
            assert!(read(side, "Finished"), "{versions:?} {transcript:#?}");
        }
        assert!(
            transcript.messages.iter().any(
                |m| matches!(&m.body, Body::CertificateVerify { .. }) && m.from == Side::Client
            ),
            "{transcript:#?}"
        );
    }

    // A client of another CA with the same name: refused by the server.
    let other = Plan::default().issue().unwrap();
    let transcript = handshake(
        &server,
        &client(&set, &other, TlsVersions::Tls13AndTls12),
        Clock::Now.unix(),
    )
    .unwrap();
    let Outcome::Refused(refused) = &transcript.outcome else {
        panic!("{transcript:#?}")
    };
    assert_eq!(refused.by, Side::Server);
    assert_eq!(
        refused.reason.kind().name(),
        "same-name-other-ca",
        "{refused:#?}"
    );
    assert_eq!(
        refused.alert.map(|a| a.to_string()).as_deref(),
        Some("decrypt_error")
    );
}
