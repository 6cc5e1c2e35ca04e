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

/// The password the corpus' PKCS#12 files and encrypted keys were made
/// with, so that they are opened.
const PASSWORD: &str = "x";

/// Which readers an input got through, whole: the replay checks that the
/// corpus reaches every reader past its first refusal.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reached {
    /// `read_certificates`: one certificate.
    pub certificate: bool,
    /// `read_certificates`: a chain (more than one).
    pub chain: bool,
    /// `read_private_key` without a password.
    pub key: bool,
    /// `read_private_key`: a key that opens only with the password.
    pub encrypted_key: bool,
    /// `read_csr`.
    pub csr: bool,
    /// `read_crls`.
    pub crl: bool,
    /// The reader's PKCS#12, opened with the password.
    pub pkcs12: bool,
}

/// Any bytes into the reader (without a password, and with
/// [`PASSWORD`]), the text view and the lints, and the same bytes into
/// each artifact's reader (a key with and without the password) and as a
/// CSR for a CA to sign: never a panic.
pub fn read(data: &[u8]) -> Reached {
    let mut reached = artifacts(data);
    for password in [None, Some(PASSWORD)] {
        if let Ok(items) = read::read_with_password("fuzz", data, password) {
            let _ = text::items(&items);
            for item in &items {
                match item {
                    Item::Certificate(c) => {
                        let _ = lint::certificate(c, AT);
                    }
                    Item::Pkcs12(p12) if password.is_some() && p12.locked.is_none() => {
                        reached.pkcs12 = true;
                    }
                    _ => {}
                }
            }
        }
    }
    reached
}

fn artifacts(data: &[u8]) -> Reached {
    static CA: OnceLock<ExistingCa> = OnceLock::new();
    let source = Source::new("fuzz", data);
    let key = read_private_key(source).is_ok();
    let with_password = read_private_key(source.with_password(Some(PASSWORD))).is_ok();
    let certificates = read_certificates(source).map_or(0, |c| c.len());
    let reached = Reached {
        certificate: certificates == 1,
        chain: certificates > 1,
        key,
        encrypted_key: with_password && !key,
        csr: read_csr(source).is_ok(),
        crl: read_crls(source).is_ok(),
        pkcs12: false,
    };
    let ca = CA.get_or_init(|| {
        Plan::default()
            .issue()
            .unwrap()
            .ca("ca", "fuzz CA")
            .unwrap()
    });
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let _ = ca.sign_csr(source, &CsrSigning::default(), now);
    reached
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
