//! How long writing a PKCS#12 file takes, per encoding (median of 21, after
//! one warm-up), for a P-256 client with its CA.
//!
//! Usage: cargo run --release -p certplay-core --example p12_timing
//! (release: the key derivations are generic code compiled in core, which
//! the dev profile leaves unoptimised)

use std::time::{Duration, Instant};

use certplay_core::{Pkcs12Encoding, Pkcs12Password, Plan};

fn main() {
    let issued = Plan::default().issue().expect("issuing the blog's set");
    for encoding in [Pkcs12Encoding::Modern, Pkcs12Encoding::Legacy] {
        let make = || {
            let password = Pkcs12Password::new("correct horse").expect("a password");
            let started = Instant::now();
            let file = issued
                .pkcs12("client", encoding, password)
                .expect("writing the PKCS#12 file");
            (started.elapsed(), file.len())
        };
        let _ = make();
        let mut times: Vec<Duration> = (0..21).map(|_| make().0).collect();
        times.sort();
        let median = times.get(times.len() / 2).copied().unwrap_or_default();
        println!(
            "{:<55} median {:>7.2} ms (min {:.2}, max {:.2}), {} bytes",
            encoding.description(),
            median.as_secs_f64() * 1000.0,
            times.first().copied().unwrap_or_default().as_secs_f64() * 1000.0,
            times.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
            make().1
        );
    }
}
