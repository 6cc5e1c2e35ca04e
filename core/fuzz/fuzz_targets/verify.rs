//! Any bytes as a chain (first certificate the leaf, last the anchor, the
//! rest intermediates) through verify and the reasons: never a panic.
#![no_main]

use std::sync::Arc;

use certplay_core::read;
use certplay_core::verify::{self, Check, Purpose};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(items) = read::read("fuzz", data) else {
        return;
    };
    let certs: Vec<read::Certificate> = read::certificates(&items).into_iter().cloned().collect();
    let (Some(leaf), Some(anchor)) = (certs.first(), certs.last()) else {
        return;
    };
    let middle = certs.get(1..certs.len().saturating_sub(1)).unwrap_or_default();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    for purpose in [Purpose::Client, Purpose::Server { host: "localhost".into() }] {
        let check = Check {
            anchors: std::slice::from_ref(anchor),
            intermediates: middle,
            crls: &[],
            purpose,
            at: 1_800_000_000,
        };
        if let Err(reason) = verify::verify(leaf, &check, &provider) {
            let _ = reason.to_string();
        }
    }
});
