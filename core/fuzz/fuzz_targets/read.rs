//! Any bytes into the reader, the text view and the lints: never a panic.
#![no_main]

use certplay_core::read::{self, lint, text, Item};
use certplay_core::{CsrSigning, ExistingCa, KeyPair, PemSource, Plan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    artifacts(data);
    if let Ok(items) = read::read("fuzz", data) {
        let _ = text::items(&items);
        for item in &items {
            if let Item::Certificate(c) = item {
                let _ = lint::certificate(c, 1_800_000_000);
            }
        }
    }
});

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
