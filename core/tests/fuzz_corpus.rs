//! Replays the fuzz corpus (`core/fuzz/corpus/*`, minimised after the
//! recorded runs, with a seed of each kind of file) and every crash ever
//! found (`core/fuzz/regressions/`) through what the fuzz targets run, as a
//! stable test without nightly; and checks that the corpus gets through
//! every reader: a certificate, a chain, a key with and without its
//! password, a CSR, a CRL and a PKCS#12 file.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

#[path = "../fuzz/targets.rs"]
mod targets;

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
    let mut all = targets::Reached::default();
    for data in files(&fuzz.join("corpus/read"))
        .iter()
        .chain(&files(&fuzz.join("regressions")))
    {
        let reached = targets::read(data);
        all.certificate |= reached.certificate;
        all.chain |= reached.chain;
        all.key |= reached.key;
        all.encrypted_key |= reached.encrypted_key;
        all.csr |= reached.csr;
        all.crl |= reached.crl;
        all.pkcs12 |= reached.pkcs12;
        count += 1;
    }
    for data in files(&fuzz.join("corpus/verify"))
        .iter()
        .chain(&files(&fuzz.join("regressions")))
    {
        targets::verify(data);
        count += 1;
    }
    assert!(count > 10, "the corpus is missing ({count} inputs)");
    let every = targets::Reached {
        certificate: true,
        chain: true,
        key: true,
        // Opened only when the build reads them (`cargo test --workspace`
        // turns both on).
        encrypted_key: cfg!(feature = "encrypted-keys"),
        csr: true,
        crl: true,
        pkcs12: cfg!(feature = "pkcs12"),
    };
    assert_eq!(
        all, every,
        "the read corpus does not get through every reader (false: none of its inputs did)"
    );
}
