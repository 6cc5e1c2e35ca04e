//! The handshake lab's page path in headless Chromium: the blog's set,
//! issued as the Issue button issues it, given to the lab as the panel
//! gives it (the tools worker's copy of the set for a case, with the files
//! `certplay serve` and curl are given), handshaken by the lab module's
//! code (both workers' code over `MessageChannel`s: the harness serves no
//! worker), in TLS 1.3 and TLS 1.2, certificates checked years after they
//! expired, and every break-it case ending as core predicts.

#![cfg(all(target_arch = "wasm32", feature = "lab"))]

use certplay_core::lab::{Case, TlsVersions};
use certplay_core::{KeyType, Plan};
use certplay_web::protocol::lab::Shown;
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
    let (_, shown) = lab::run_case(set.handle, Case::AsIssued, versions, at)
        .await
        .unwrap();
    shown
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
        assert!(shown.json.contains("\"result\":\"answered\""), "{context}");
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

#[wasm_bindgen_test]
async fn every_break_it_case_ends_in_the_page_as_core_predicts() {
    start();
    let set = certplay_web::issue(&Plan::default()).await.unwrap();
    let at = now();
    for versions in [TlsVersions::Tls13Only, TlsVersions::Tls12Only] {
        for case in Case::ALL {
            let (shown, ran) = lab::run_case(set.handle, case, versions, at)
                .await
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            let context = format!("{case} {versions:?}: {}", ran.text);
            assert_eq!(shown.case, case);
            assert_eq!(ran.verdict.short, shown.prediction.short, "{context}");
            assert!(lab::agrees(&shown, &ran), "{context}");
            // Every case breaks the handshake but the control and the one
            // rustls accepts by design (OpenSSL refuses it: said so).
            assert_eq!(
                case == Case::AsIssued || shown.difference.is_some(),
                shown.prediction.result == "accepted",
                "{context}"
            );
            // The curl line names the case's files, and what curl prints
            // is core's table's, for the versions it names.
            assert!(shown.curl.starts_with("curl "), "{}", shown.curl);
            assert!(
                shown.serve.starts_with("certplay serve "),
                "{}",
                shown.serve
            );
            assert!(shown.clients.contains("curl 7.88.1"), "{}", shown.clients);
            assert!(!shown.curl_expected.printed.is_empty(), "{context}");
            assert!(!shown.fix.is_empty());
            // The zip holds the case's folder: its files and commands.txt.
            let zip = String::from_utf8_lossy(&shown.zip).into_owned();
            let folder = case.name();
            for name in ["commands.txt", "certplay-plan.toml", "ca.crt"] {
                assert!(zip.contains(&format!("{folder}/{name}")), "{folder}/{name}");
            }
            assert_eq!(shown.zip_name, format!("lab-{folder}.zip"));
        }
    }
    // The set itself stays as it was: as issued, it still says Hello World.
    let (_, ran) = lab::run_case(set.handle, Case::AsIssued, TlsVersions::Tls13Only, at)
        .await
        .unwrap();
    assert_eq!(ran.verdict.short, "accepted", "{}", ran.text);
}

#[wasm_bindgen_test]
async fn a_key_that_is_not_the_certificates_stops_the_client_before_the_handshake() {
    start();
    let set = certplay_web::issue(&Plan::default()).await.unwrap();
    let (shown, ran) = lab::run_case(
        set.handle,
        Case::ClientKeyMismatch,
        TlsVersions::Tls13AndTls12,
        now(),
    )
    .await
    .unwrap();
    assert_eq!(shown.prediction.result, "key-mismatch");
    assert_eq!(ran.verdict.result, "key-mismatch", "{}", ran.text);
    assert!(ran.messages.is_empty(), "no message was sent: {}", ran.text);
    assert!(ran.verdict.summary.contains("client.key"), "{}", ran.text);
    assert_eq!(shown.curl_expected.printed[0].exit, 58);
}
