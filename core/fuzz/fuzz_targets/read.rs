//! Any bytes into the reader, into each artifact's reader (certificate, chain,
//! key with and without its password, CSR, CRL, PKCS#12), the text view and
//! the lints: never a panic.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = targets::read(data);
});
