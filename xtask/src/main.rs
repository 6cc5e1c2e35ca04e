//! `cargo xtask`: the README's commands. They install what they need (the
//! wasm target, trunk, wasm-bindgen-cli; for the tests also Debian
//! packages), skipping what is already there, then build and run or test.
//! trunk and wasm-bindgen come as their release binaries where GitHub can
//! be reached (prebuilt.rs), else they are compiled.
//!
//! Usage:
//!   cargo xtask run [-- <certplay serve flags>]   build the page and the server, serve the demo
//!   cargo xtask test                              every check and test, as CI runs them
//!   cargo xtask setup                             only install the tools
//!   cargo xtask bench                             time issuing natively vs. the blog's openssl commands
//!   cargo xtask bench lab                         time the lab's in-memory handshake, in the page and natively
//!   cargo xtask install [--root DIR] [--debug]    put certplay (with the page built in) on PATH

mod bench;
mod builds;
mod install;
mod jobs;
mod prebuilt;
mod run;
mod setup;
mod steps;
mod test;
mod tools;

use std::env;
use std::process::ExitCode;

pub type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let (task, rest) = args
        .split_first()
        .map_or(("help", &[][..]), |(t, r)| (t.as_str(), r));
    let result = match task {
        "run" => run::run(rest),
        "test" => test::test(),
        "setup" => setup::setup(),
        // `bench lab`: only the lab's handshakes (minutes, not half an hour).
        "bench" if rest.first().map(String::as_str) == Some("lab") => bench::lab_handshakes(),
        "bench" => bench::bench(),
        "install" => install::install(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask run [-- <certplay serve flags>] | test | setup | bench [lab] \
                 | install [--root DIR] [--debug]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
