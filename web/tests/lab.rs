//! The handshake lab's page path in headless Chromium: the blog's set,
//! issued as the Issue button issues it, set up for the lab as the panel
//! sets it up (the files `certplay serve` and curl are given), handshaken
//! by the lab module's code (over a `MessageChannel`: the harness serves
//! no worker), in TLS 1.3 and TLS 1.2, and a client certificate checked
//! a year after it expired.

#![cfg(all(target_arch = "wasm32", feature = "lab"))]

use certplay_core::lab::TlsVersions;
use certplay_core::{KeyType, Plan};
use certplay_web::protocol::lab::{LabRequest, Shown};
use certplay_web::ui::lab;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn start() {
    certplay_web::tools::run_here().unwrap();
    let channel = web_sys::MessageChannel::new().unwrap();
    certplay_web::lab::serve_on(certplay_web::link::Port::Channel(channel.port2()));
    lab::use_port(certplay_web::link::Port::Channel(channel.port1()));
}

async fn run(key_type: KeyType, versions: TlsVersions, at: i64) -> Shown {
    let plan = Plan {
        key_type,
        ..Plan::default()
    };
    let set = certplay_web::issue(&plan).await.unwrap();
    let setup = lab::setup(&set.issued, versions, at).unwrap();
    lab::call(LabRequest::Handshake(setup)).await.unwrap()
}

fn names(shown: &Shown) -> Vec<String> {
    shown
        .messages
        .iter()
        .map(|m| format!("{} {}", m.from, m.name))
        .collect()
}

#[wasm_bindgen_test]
async fn the_blogs_set_says_hello_world_in_the_lab_module() {
    start();
    for (versions, version, last_client) in [
        (TlsVersions::Tls13Only, "TLSv1_3", "client Finished"),
        (TlsVersions::Tls12Only, "TLSv1_2", "client Finished"),
    ] {
        let shown = run(KeyType::EcdsaP256, versions, now()).await;
        let context = format!("{versions:?}: {}", shown.text);
        assert_eq!(shown.verdict.result, "answered", "{context}");
        assert_eq!(shown.verdict.status, Some(200), "{context}");
        assert!(shown.verdict.summary.contains("Hello World"), "{context}");
        let names = names(&shown);
        assert_eq!(
            names.first().map(String::as_str),
            Some("client ClientHello")
        );
        assert!(names.iter().any(|n| n == last_client), "{context}");
        assert!(
            names.iter().any(|n| n == "server CertificateRequest"),
            "{context}"
        );
        let hello = &shown.messages[0];
        let sni = hello
            .details
            .iter()
            .find(|(what, _)| what == "server name (SNI)");
        assert_eq!(sni.map(|(_, v)| v.as_str()), Some("localhost"), "{context}");
        let request = shown
            .messages
            .iter()
            .find(|m| m.name == "CertificateRequest")
            .unwrap();
        assert!(
            request
                .details
                .iter()
                .any(|(what, v)| what == "CA names" && v.contains("my-ca")),
            "{context}"
        );
        assert!(shown.text.contains(version), "{context}");
        assert!(shown.json.contains("\"result\": \"answered\""), "{context}");
        // A key log line for every secret Wireshark needs.
        let label = if versions == TlsVersions::Tls13Only {
            "CLIENT_TRAFFIC_SECRET_0 "
        } else {
            "CLIENT_RANDOM "
        };
        assert!(
            shown.keylog.lines().any(|l| l.starts_with(label)),
            "{}",
            shown.keylog
        );
    }
}

#[wasm_bindgen_test]
async fn expired_certificates_are_refused_with_their_alert() {
    start();
    // Two years on, the blog's certificates have expired (whichever side
    // checks first refuses).
    let shown = run(
        KeyType::EcdsaP256,
        TlsVersions::Tls13Only,
        now() + 2 * 366 * 86_400,
    )
    .await;
    assert_eq!(shown.verdict.result, "refused", "{}", shown.text);
    assert_eq!(
        shown.verdict.kind.as_deref(),
        Some("expired"),
        "{}",
        shown.text
    );
    assert_eq!(
        shown.verdict.alert.as_deref(),
        Some("certificate_expired"),
        "{}",
        shown.text
    );
}
