//! Any bytes into the reader, the text view and the lints: never a panic.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::read(data));
