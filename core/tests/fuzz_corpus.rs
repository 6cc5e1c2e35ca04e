//! Replays the fuzz corpus (`core/fuzz/corpus/*`, minimised after the
//! recorded runs) and every crash ever found (`core/fuzz/regressions/`)
//! through what the fuzz targets run, as a stable test without nightly.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;
use std::sync::Arc;

use certplay_core::read::{self, lint, text, Item};
use certplay_core::verify::{self, Check, Purpose};
use certplay_core::{CsrSigning, ExistingCa, KeyPair, PemSource, Plan};

fn read_target(data: &[u8]) {
    artifacts(data);
    if let Ok(items) = read::read("fuzz", data) {
        let _ = text::items(&items);
        for item in &items {
            if let Item::Certificate(c) = item {
                let _ = lint::certificate(c, 1_800_000_000);
            }
        }
    }
}

/// The same bytes as a key to import and as a CSR for a CA to sign.
fn artifacts(data: &[u8]) {
    static CA: std::sync::OnceLock<ExistingCa> = std::sync::OnceLock::new();
    let _ = KeyPair::import(PemSource::new("fuzz", data), Some("x"));
    let ca = CA.get_or_init(|| {
        let issued = Plan::default().issue().unwrap();
        let ca = issued.entry("ca").unwrap();
        ExistingCa::from_pem(
            PemSource::new("ca.crt", ca.cert_pem.as_bytes()),
            PemSource::new("ca.key", ca.key_pem.as_deref().unwrap().as_bytes()),
        )
        .unwrap()
    });
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let _ = ca.sign_csr(PemSource::new("fuzz", data), &CsrSigning::default(), now);
}

fn verify_target(data: &[u8]) {
    let Ok(items) = read::read("fuzz", data) else {
        return;
    };
    let certs: Vec<read::Certificate> = read::certificates(&items).into_iter().cloned().collect();
    let (Some(leaf), Some(anchor)) = (certs.first(), certs.last()) else {
        return;
    };
    let middle = certs
        .get(1..certs.len().saturating_sub(1))
        .unwrap_or_default();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    for purpose in [
        Purpose::Client,
        Purpose::Server {
            host: "localhost".into(),
        },
    ] {
        let check = Check {
            anchors: std::slice::from_ref(anchor),
            intermediates: middle,
            crls: &[],
            purpose,
            at: 1_800_000_000,
        };
        if let Err(reason) = verify::verify(leaf, &check, &provider) {
            assert!(!reason.to_string().is_empty());
        }
    }
}

fn files(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .collect()
}

#[test]
fn the_fuzz_corpus_and_every_crash_replay_without_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for data in files(&fuzz.join("corpus/read"))
        .iter()
        .chain(&files(&fuzz.join("regressions")))
    {
        read_target(data);
        count += 1;
    }
    for data in files(&fuzz.join("corpus/verify"))
        .iter()
        .chain(&files(&fuzz.join("regressions")))
    {
        verify_target(data);
        count += 1;
    }
    assert!(count > 10, "the corpus is missing ({count} inputs)");
}
