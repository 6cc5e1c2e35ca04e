//! What each fuzz target runs, shared by the cargo-fuzz binaries
//! (`fuzz_targets/*.rs`) and the stable replay test (`tests/fuzz_corpus.rs`),
//! so the replay runs exactly what was fuzzed.

use std::sync::{Arc, OnceLock};

use certplay_core::read::{self, lint, text, Item};
use certplay_core::verify::{self, Check, Purpose};
use certplay_core::{
    read_certificates, read_crls, read_csr, read_private_key, CsrSigning, ExistingCa, Plan, Source,
};

/// A fixed "now" for lints and verification, so a replay gives today's
/// answer forever.
const AT: i64 = 1_800_000_000;

/// Any bytes into the reader (without a password, and with the password
/// the corpus' PKCS#12 files and encrypted keys were made with, "x", so
/// that they are opened), the text view and the lints, and the same bytes
/// into each artifact's reader and as a CSR for a CA to sign: never a panic.
pub fn read(data: &[u8]) {
    artifacts(data);
    for password in [None, Some("x")] {
        if let Ok(items) = read::read_with_password("fuzz", data, password) {
            let _ = text::items(&items);
            for item in &items {
                if let Item::Certificate(c) = item {
                    let _ = lint::certificate(c, AT);
                }
            }
        }
    }
}

fn artifacts(data: &[u8]) {
    static CA: OnceLock<ExistingCa> = OnceLock::new();
    let _ = read_private_key(Source::new("fuzz", data).with_password(Some("x")));
    let _ = read_certificates(Source::new("fuzz", data));
    let _ = read_crls(Source::new("fuzz", data));
    let _ = read_csr(Source::new("fuzz", data));
    let ca = CA.get_or_init(|| {
        Plan::default()
            .issue()
            .unwrap()
            .ca("ca", "fuzz CA")
            .unwrap()
    });
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let _ = ca.sign_csr(Source::new("fuzz", data), &CsrSigning::default(), now);
}

/// Any bytes as a chain (first certificate the leaf, last the anchor, the
/// rest intermediates) through verify and its reasons: never a panic, and
/// never a refusal without words.
pub fn verify(data: &[u8]) {
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
    // Made once: fuzzing calls this for every input.
    static PROVIDER: OnceLock<Arc<rustls::crypto::CryptoProvider>> = OnceLock::new();
    let provider = PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()));
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
            at: AT,
        };
        if let Err(reason) = verify::verify(leaf, &check, provider) {
            assert!(!reason.to_string().is_empty(), "a refusal without words");
        }
    }
}
