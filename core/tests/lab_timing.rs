//! How long one full mTLS handshake in memory takes in core (the lab's
//! [`handshake`]: both sides with core's pure-Rust provider, client
//! certificate checked, then `GET /` answered), natively and in the
//! browser, with P-256 and RSA-2048 keys in TLS 1.3 and 1.2. Medians; a
//! measurement, not a check: `cargo xtask bench` runs it on both
//! platforms and prints the ratio wasm/native. Alone:
//!
//! cargo test -p certplay-core --release --features lab --test lab_timing \
//!   -- --ignored --nocapture
//!
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=300 \
//! cargo test -p certplay-core --target wasm32-unknown-unknown --profile wasm-release \
//!   --features lab --test lab_timing -- --include-ignored --nocapture
//!
//! Each result is one line `lab-handshake KEY TLS PROVIDER median_ms=M
//! min_ms=F runs=N`, which xtask reads; then the whole break-it lab of a
//! P-256 set, every case made, predicted and handshaken in one go, one
//! line `lab-every-case KEY PROVIDER total_ms=T mutate_ms=M predict_ms=P
//! handshake_ms=H cases=N` (the median of a few rounds). The fastest run beside the median:
//! on a machine busy with other work it is the one that had a core. Natively ring's provider is measured too:
//! what the pure-Rust crypto costs against it.

#![cfg(feature = "lab")]

use std::sync::Arc;

use certplay_core::lab::{
    self, crypto, handshake, Case, ClientFiles, Clock, LabClient, Outcome, TlsVersions,
};
use certplay_core::rustls::crypto::CryptoProvider;
use certplay_core::{ClientAuth, IssuedPlan, KeyType, MtlsServer, Plan, ServerTls, Source};

/// Handshakes per case: P-256 ones take milliseconds and vary most.
const RUNS: [(KeyType, &str, usize); 2] = [
    (KeyType::EcdsaP256, "p256", 41),
    (KeyType::Rsa2048, "rsa2048", 21),
];

fn file(set: &IssuedPlan, name: &str) -> String {
    set.files()
        .unwrap()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap()
        .contents
}

/// The blog's set as `certplay serve` and curl use it, with `key_type`,
/// both sides with `provider`.
fn parties(key_type: KeyType, provider: &dyn Fn() -> CryptoProvider) -> (MtlsServer, LabClient) {
    let set = Plan {
        key_type,
        ..Plan::default()
    }
    .issue()
    .unwrap();
    let (ca, cert, key) = (
        file(&set, "ca.crt"),
        file(&set, "server.crt"),
        file(&set, "server.key"),
    );
    let tls = ServerTls::read(
        Source::new("ca.crt", ca.as_bytes()),
        Source::new("server.crt", cert.as_bytes()),
        Source::new("server.key", key.as_bytes()),
        Clock::Now.unix(),
    )
    .unwrap();
    let server = MtlsServer::for_serve(&tls, provider(), false, ClientAuth::Required).unwrap();
    let (client_cert, client_key) = (file(&set, "client.crt"), file(&set, "client.key"));
    let files = ClientFiles {
        cacert: Source::new("ca.crt", ca.as_bytes()),
        identity: Some((
            Source::new("client.crt", client_cert.as_bytes()),
            Source::new("client.key", client_key.as_bytes()),
        )),
        host: "localhost",
    };
    let client = LabClient::from_pem(files, Arc::new(provider())).unwrap();
    (server, client)
}

/// A crypto provider by name.
type Providers<'a> = &'a [(&'a str, &'a dyn Fn() -> CryptoProvider)];

/// Measures every case with each of `providers` and `clock`
/// (milliseconds), and reports each median with `print`.
fn measure(providers: Providers<'_>, clock: impl Fn() -> f64, print: impl Fn(String)) {
    for ((key_type, key_name, runs), (provider_name, provider)) in RUNS
        .into_iter()
        .flat_map(|run| providers.iter().map(move |p| (run, *p)))
    {
        let (server, client) = parties(key_type, provider);
        for (versions, tls) in [
            (TlsVersions::Tls13AndTls12, "tls13"),
            (TlsVersions::Tls12Only, "tls12"),
        ] {
            let client = client.clone().with_versions(versions);
            let mut times = Vec::with_capacity(runs);
            // One handshake first, untimed: it warms caches and checks.
            let first = handshake(&server, &client, Clock::Now.unix()).unwrap();
            assert!(matches!(
                first.outcome,
                Outcome::Answered { status: 200, .. }
            ));
            for _ in 0..runs {
                let started = clock();
                let transcript = handshake(&server, &client, Clock::Now.unix()).unwrap();
                times.push(clock() - started);
                assert!(matches!(transcript.outcome, Outcome::Answered { .. }));
            }
            times.sort_by(f64::total_cmp);
            let median = times.get(runs / 2).copied().unwrap_or_default();
            let fastest = times.first().copied().unwrap_or_default();
            print(format!(
                "lab-handshake {key_name} {tls} {provider_name} median_ms={median:.3} \
                 min_ms={fastest:.3} runs={runs}"
            ));
        }
    }
}

/// Rounds of the whole lab: each is every case once.
const EVERY_CASE_ROUNDS: usize = 5;

/// Every case of the blog's P-256 set (its TLS 1.3 run, the version case
/// its own), made ([`lab::mutate`]: each broken copy issued again),
/// predicted ([`lab::predict`]) and handshaken ([`lab::run`]) with
/// `provider`, as the page's lab shows them all; the median round and its
/// three parts, reported with `print`.
fn every_case(
    provider_name: &str,
    provider: &dyn Fn() -> CryptoProvider,
    clock: impl Fn() -> f64,
    print: impl Fn(String),
) {
    let set = Plan {
        key_type: KeyType::EcdsaP256,
        ..Plan::default()
    }
    .issue()
    .unwrap();
    let provider = provider();
    let mut rounds = Vec::with_capacity(EVERY_CASE_ROUNDS);
    for _ in 0..EVERY_CASE_ROUNDS {
        let (mut making, mut predicting, mut handshaking) = (0.0, 0.0, 0.0);
        for case in Case::ALL {
            let started = clock();
            let broken = lab::mutate(&set, case).unwrap();
            let broken = if case.sets_versions() {
                broken
            } else {
                broken.offering(TlsVersions::Tls13Only)
            };
            let made = clock();
            let at = Clock::Now.unix();
            let predicted = lab::predict(&broken, at).unwrap();
            let predicted_at = clock();
            // A key that is not its certificate's is refused before any
            // handshake, as the prediction says.
            let ran = lab::run(&broken, &provider, at);
            let done = clock();
            assert_eq!(
                ran.is_err(),
                predicted.verdict == lab::Verdict::KeyMismatch,
                "{case}: {ran:?}"
            );
            making += made - started;
            predicting += predicted_at - made;
            handshaking += done - predicted_at;
        }
        rounds.push((
            making + predicting + handshaking,
            making,
            predicting,
            handshaking,
        ));
    }
    rounds.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (total, making, predicting, handshaking) = rounds
        .get(EVERY_CASE_ROUNDS / 2)
        .copied()
        .unwrap_or_default();
    print(format!(
        "lab-every-case p256 {provider_name} total_ms={total:.1} mutate_ms={making:.1} \
         predict_ms={predicting:.1} handshake_ms={handshaking:.1} cases={}",
        Case::ALL.len()
    ));
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "a measurement, not a check: run with --ignored --nocapture"]
fn every_case_times() {
    let started = std::time::Instant::now();
    every_case(
        "core",
        &crypto::provider,
        || started.elapsed().as_secs_f64() * 1e3,
        |line| println!("{line}"),
    );
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "a measurement, not a check: run with --ignored --nocapture"]
fn handshake_times() {
    let started = std::time::Instant::now();
    // ring beside core's provider: what the pure-Rust crypto costs.
    let ring: &dyn Fn() -> CryptoProvider = &rustls::crypto::ring::default_provider;
    measure(
        &[("core", &crypto::provider), ("ring", ring)],
        || started.elapsed().as_secs_f64() * 1e3,
        |line| println!("{line}"),
    );
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    #[ignore = "a measurement, not a check: run with --include-ignored --nocapture"]
    fn handshake_times() {
        let performance = web_sys::window().unwrap().performance().unwrap();
        super::measure(
            &[("core", &super::crypto::provider)],
            || performance.now(),
            |line| console_log!("{line}"),
        );
    }

    #[wasm_bindgen_test]
    #[ignore = "a measurement, not a check: run with --include-ignored --nocapture"]
    fn every_case_times() {
        let performance = web_sys::window().unwrap().performance().unwrap();
        super::every_case(
            "core",
            &super::crypto::provider,
            || performance.now(),
            |line| console_log!("{line}"),
        );
    }
}
