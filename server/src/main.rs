//! `certplay`: the certificate playground's native half. It parses the
//! command line, sets up logging and runs the command (`server/src/cli/`).
//!
//! Usage:
//!   certplay serve                      # demo certificates in ./certplay-demo, page on :8080
//!   certplay serve --ca ca.crt --cert server.crt --key server.key [--port 3000]
//!   certplay issue --out DIR            # the blog's set (or any plan), natively
//!   certplay csr --cn NAME --out DIR    # a CSR (and key); certplay sign signs one
//!   certplay crl --ca-cert ca.crt --ca-key ca.key --revoke SERIAL:REASON --out ca.crl
//!   certplay p12 --cert client.crt --key client.key --password-file pw --out client.p12
//!   certplay completions bash           # shell completions

use std::process::ExitCode;

use certplay_server::cli::{self, Cli};
use clap::Parser;

/// Logs to stderr at `RUST_LOG`'s levels (`info` when unset): a level
/// (`debug`) or targets with levels (`rustls=debug,info`). Targets, not
/// EnvFilter: the same syntax without span and field filters, and without
/// the regex engine they need, which was about 10 s of the first build.
fn init_logging() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let info = || Targets::new().with_default(LevelFilter::INFO);
    let targets = match std::env::var("RUST_LOG") {
        Ok(value) => value.parse::<Targets>().unwrap_or_else(|e| {
            eprintln!("certplay: RUST_LOG={value:?} is not a log filter ({e}); logging at info");
            info()
        }),
        Err(_) => info(),
    };
    tracing_subscriber::fmt()
        // Every level reaches `targets`, which decides.
        .with_max_level(LevelFilter::TRACE)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .finish()
        .with(targets)
        .init();
}

fn main() -> ExitCode {
    init_logging();
    cli::run(Cli::parse())
}
