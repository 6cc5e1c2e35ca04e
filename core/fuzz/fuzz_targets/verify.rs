//! Any bytes as a chain through verify and the reasons: never a panic.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::verify(data));
