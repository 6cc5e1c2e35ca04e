//! Any bytes into the reader, the text view and the lints: never a panic.
#![no_main]

use certplay_core::read::{self, lint, text, Item};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(items) = read::read("fuzz", data) {
        let _ = text::items(&items);
        for item in &items {
            if let Item::Certificate(c) = item {
                let _ = lint::certificate(c, 1_800_000_000);
            }
        }
    }
});
