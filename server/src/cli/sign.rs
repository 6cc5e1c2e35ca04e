//! `certplay sign`: a CA you have signing a request somebody brings
//! (openssl's `x509 -req`), saying what it kept, added or dropped.

use std::path::PathBuf;
use std::time::Instant;

use certplay_core::{CsrSigning, Profile, Validity};
use clap::Args;

use crate::cli::{input, output};
use crate::files::Access;
use crate::Error;

/// Sign a certificate signing request with a CA you have; says what it kept, added or dropped
///
/// Examples:
///   certplay sign --ca-cert ca.crt --ca-key ca.key server.csr --out server.crt
///   certplay sign --ca-cert ca.crt --ca-key ca.key --profile client --days 30 alice.csr --out alice.crt
///
/// The request's own signature is checked first (a request altered after it
/// was made is refused). The certificate gets the request's subject and
/// public key and, by default, its requested subjectAltName, keyUsage and
/// extendedKeyUsage; --profile replaces the purposes with the profile's.
/// A request for a CA certificate (basicConstraints CA:TRUE) is granted only
/// with --profile intermediate-ca. What was kept, added or dropped is printed.
/// --out is never replaced unless --force.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct SignArgs {
    /// The request (PEM or DER).
    #[arg(value_name = "CSR")]
    csr: PathBuf,
    /// The CA's certificate (PEM or DER).
    #[arg(long, value_name = "FILE")]
    ca_cert: PathBuf,
    /// The CA's private key (PEM or DER; PKCS#8, PKCS#1, SEC1, or encrypted
    /// PKCS#8 with --ca-key-pass).
    #[arg(long, value_name = "FILE")]
    ca_key: PathBuf,
    /// The password of an encrypted --ca-key: pass:TEXT, env:VARIABLE or file:PATH.
    #[arg(long, value_name = "SPEC")]
    ca_key_pass: Option<String>,
    /// server, client or both (serverAuth + clientAuth), or intermediate-ca:
    /// the profile's keyUsage and extendedKeyUsage replace the requested ones.
    #[arg(long, value_name = "PROFILE")]
    profile: Option<Profile>,
    /// Days until the certificate expires (it starts an hour ago, for clocks
    /// that lag).
    #[arg(long, value_name = "N", default_value_t = 365)]
    days: u32,
    /// Where to write the certificate (PEM).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace --out if it exists.
    #[arg(long)]
    force: bool,
}

/// `certplay sign`.
pub fn run(args: &SignArgs) -> Result<(), Error> {
    let password = input::optional_password("--ca-key-pass", args.ca_key_pass.as_deref())?;
    let ca = input::existing_ca(&args.ca_cert, &args.ca_key, password.as_deref())?;

    let csr = input::file("CSR", &args.csr)?;
    let signing = CsrSigning {
        profile: args.profile,
        validity: Validity::Relative {
            days: args.days,
            starts_in_days: 0,
        },
    };
    let started = Instant::now();
    let signed = ca.sign_csr(csr.source(), &signing, time::OffsetDateTime::now_utc())?;
    let micros = started.elapsed().as_micros();

    output::write_new(
        &args.out,
        signed.cert_pem.as_bytes(),
        Access::Public,
        args.force,
    )?;
    let written = &args.out;
    println!(
        "certplay: signed {} with {} for {} days into {} (checked and signed in {} ms)",
        csr.name,
        signed.report.issuer,
        args.days,
        written.display(),
        micros.div_ceil(1000)
    );
    for line in signed.report.to_string().lines() {
        println!("  {line}");
    }
    println!(
        "Check it:  openssl verify -CAfile {} {}",
        args.ca_cert.display(),
        written.display()
    );
    Ok(())
}
