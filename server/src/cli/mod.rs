//! The `certplay` command line: one file per command over shared input
//! ([`input`]: the bounded reader, core's reader of each artifact,
//! passwords) and output ([`output`]: files never replaced nor written
//! through a link, standard output that survives a reader going away).
//! Each command returns the one [`Error`]; [`run`] turns it into words on
//! standard error and an exit code.

pub mod completions;
pub mod connect;
pub mod crl;
pub mod csr;
pub mod demo;
pub mod diff;
pub mod input;
pub mod inspect;
pub mod issue;
pub mod lab;
pub mod output;
pub mod p12;
pub mod serve;
pub mod sign;
pub mod verify;

use std::process::ExitCode;

use certplay_core::escape::escape;
use clap::{CommandFactory, Parser, Subcommand};

use crate::Error;

/// certplay: build a small PKI, serve mTLS with it, and learn why a
/// handshake fails.
#[derive(Debug, Parser)]
#[command(name = "certplay", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTPS that requires a client certificate (and the page).
    Serve(serve::ServeArgs),
    /// Issue a PKI into a directory: the blog's set (ca, server, client) or
    /// any plan (intermediates, many clients, other key types, expired...).
    Issue(issue::IssueArgs),
    /// Read certificates, chains, CSRs, keys and CRLs (PEM or DER) like
    /// `openssl x509 -text`, with lints; with --client and pasted `openssl
    /// s_client` output, whether that server takes a client certificate.
    /// Exit 0 read (each --client likely accepted), 1 a --client likely
    /// refused, 2 unreadable.
    Inspect(inspect::InspectArgs),
    /// Break a set on purpose in every way the handshake lab knows: one
    /// folder per case (files, serve/curl/openssl lines) and lab.json.
    Lab(lab::LabArgs),
    /// Check a chain the way certplay serve (rustls/webpki) does and say why
    /// it is refused. Exit 0 valid, 1 invalid, 2 unreadable.
    Verify(verify::VerifyArgs),
    /// Compare two certificates, chain files or sets (directories or zips)
    /// field by field, each difference with what it does (which TLS stacks
    /// refuse it). Exit 0 the same, 1 different, 2 unreadable.
    Diff(diff::DiffArgs),
    /// Connect to a TLS server (HOST:PORT or an https:// URL) and explain
    /// it: versions, chain and its verdict, whether it asks for a client
    /// certificate (CA names, signature schemes), and with --cert/--key
    /// whether it takes yours and why not. Exit 0 accepted, 1 refused
    /// (also a request refused in HTTP, such as a 401, where curl without
    /// --fail exits 0), 2 could not connect or read.
    Connect(connect::ConnectArgs),
    // Their help (with examples) is the doc of CsrArgs and SignArgs.
    #[allow(missing_docs)]
    Csr(csr::CsrArgs),
    #[allow(missing_docs)]
    Sign(sign::SignArgs),
    /// Issue a CRL signed by a CA, revoking serial numbers (for serve --crl,
    /// openssl verify -crl_check).
    Crl(crl::CrlArgs),
    /// Bundle a certificate, its key and chain into a password-protected
    /// PKCS#12 file (.p12).
    P12(p12::P12Args),
    /// Print shell completions, e.g.
    /// `certplay completions bash > ~/.local/share/bash-completion/completions/certplay`
    /// (zsh: into a folder of $fpath as `_certplay`; fish:
    /// ~/.config/fish/completions/certplay.fish).
    Completions(completions::CompletionsArgs),
}

/// Runs the command: `inspect`, `verify`, `connect` and `diff` exit 0, 1 or 2 (an error is
/// "unreadable"); the others 0, or 1 with the error.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Inspect(args) => return verdict(inspect::run(&args)),
        Command::Verify(args) => return verdict(verify::run(&args)),
        Command::Connect(args) => return verdict(connect::run(&args)),
        Command::Diff(args) => return verdict(diff::run(&args)),
        Command::Serve(args) => serve::run(&args),
        Command::Issue(args) => issue::run(&args),
        Command::Lab(args) => lab::run(&args),
        Command::Csr(args) => csr::run(&args),
        Command::Sign(args) => sign::run(&args),
        Command::Crl(args) => crl::run(&args),
        Command::P12(args) => p12::run(&args),
        Command::Completions(args) => {
            completions::run(&args, Cli::command());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("certplay: error: {}", escape(&e.to_string()));
            ExitCode::FAILURE
        }
    }
}

fn verdict(result: Result<output::Verdict, Error>) -> ExitCode {
    match result {
        Ok(verdict) => ExitCode::from(verdict.code()),
        Err(e) => {
            eprintln!("certplay: {}", escape(&e.to_string()));
            ExitCode::from(output::Verdict::Unreadable.code())
        }
    }
}
