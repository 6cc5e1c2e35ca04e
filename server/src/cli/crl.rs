//! `certplay crl`: a CRL of a CA a person has (its certificate and key),
//! revoking chosen serial numbers, written without replacing anything.

use std::path::PathBuf;

use certplay_core::{CrlParams, Revocation};
use clap::Args;
use time::OffsetDateTime;

use crate::cli::{input, output};
use crate::files::Access;
use crate::Error;

/// Issue a certificate revocation list (CRL) signed by a CA.
///
/// Examples:
///   certplay crl --ca-cert pki/ca.crt --ca-key pki/ca.key \
///       --revoke 4A:1F:09:keyCompromise --out pki/ca.crl
///   certplay crl --ca-cert ca.crt --ca-key ca.key --revoke 4a1f09 --days 7 --der --out ca.crl.der
///   certplay crl --ca-cert ca.crt --ca-key ca.key --out empty.crl     (revokes nothing)
///
/// SERIAL is the certificate's serial number in hex, as
/// `openssl x509 -noout -serial -in client.crt` prints it (colons allowed).
/// REASON is one of unspecified (the default), keyCompromise, cACompromise,
/// affiliationChanged, superseded, cessationOfOperation, certificateHold,
/// removeFromCRL, privilegeWithdrawn, aACompromise (any case).
///
/// Then: `certplay serve ... --crl pki/ca.crl` refuses the revoked clients
/// (reload a new CRL with SIGHUP), and
/// `openssl verify -crl_check -CAfile ca.crt -CRLfile ca.crl client.crt` says revoked.
/// The file is new: an existing one is kept unless --force.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct CrlArgs {
    /// The CA's certificate (PEM or DER): the CRL's issuer.
    #[arg(long, value_name = "FILE")]
    ca_cert: PathBuf,
    /// The CA's private key (PEM or DER: PKCS#8, PKCS#1, SEC1, or
    /// encrypted PKCS#8 with --ca-key-pass).
    #[arg(long, value_name = "FILE")]
    ca_key: PathBuf,
    /// The password of an encrypted --ca-key: pass:TEXT, env:VARIABLE or file:PATH.
    #[arg(long, value_name = "SPEC")]
    ca_key_pass: Option<String>,
    /// A certificate to list as revoked: SERIAL or SERIAL:REASON; repeat
    /// for more. None: a CRL that revokes nothing.
    #[arg(long, value_name = "SERIAL[:REASON]")]
    revoke: Vec<String>,
    /// When the certificates were revoked (RFC 3339, e.g.
    /// 2026-11-29T12:00:00Z); default: now.
    #[arg(long, value_name = "TIME")]
    revoked_at: Option<String>,
    /// Days until nextUpdate: after it, verifiers that check it (certplay
    /// serve, openssl -crl_check) refuse what the CRL covers.
    #[arg(long, value_name = "N", default_value_t = 30)]
    days: u32,
    /// The cRLNumber (default: the current Unix time, so a later CRL of
    /// the same CA always has a larger number).
    #[arg(long, value_name = "N")]
    number: Option<u64>,
    /// Write DER instead of PEM.
    #[arg(long)]
    der: bool,
    /// The CRL file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace --out if it exists.
    #[arg(long)]
    force: bool,
}

/// `certplay crl`.
pub fn run(args: &CrlArgs) -> Result<(), Error> {
    if !(1..=certplay_core::MAX_VALIDITY_DAYS).contains(&args.days) {
        return Err(Error::Flag {
            flag: "--days",
            value: args.days.to_string(),
            why: format!(
                "give between 1 and {} days",
                certplay_core::MAX_VALIDITY_DAYS
            ),
        });
    }
    let now = OffsetDateTime::now_utc();
    let revoked_at = match &args.revoked_at {
        Some(text) => OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map_err(|e| Error::Flag {
            flag: "--revoked-at",
            value: format!("{text:?}"),
            why: format!("{e}; write RFC 3339, e.g. 2026-11-29T12:00:00Z"),
        })?,
        None => now,
    };
    let revoked = args
        .revoke
        .iter()
        .map(|text| {
            Revocation::parse(text, revoked_at).map_err(|source| Error::In {
                what: format!("--revoke {text:?}"),
                source,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut params = CrlParams::new(now, args.days, revoked);
    if let Some(number) = args.number {
        params.number = number;
    }
    let password = input::optional_password("--ca-key-pass", args.ca_key_pass.as_deref())?;
    let ca = input::existing_ca(&args.ca_cert, &args.ca_key, password.as_deref())?;
    let crl = ca.issue_crl(&params)?;
    let contents = if args.der {
        crl.der.clone()
    } else {
        crl.pem.clone().into_bytes()
    };
    let path = output::write_new(&args.out, &contents, Access::Public, args.force)?;
    println!(
        "certplay: wrote {} ({}, CRL of {}, {} revoked, nextUpdate in {} day(s), cRLNumber {})",
        path.display(),
        if args.der { "DER" } else { "PEM" },
        ca.subject(),
        params.revoked.len(),
        args.days,
        params.number
    );
    for revocation in &params.revoked {
        println!(
            "  revoked serial {} ({}) at {}",
            revocation.serial,
            revocation.reason,
            certplay_core::format_time(revocation.revoked_at.unix_timestamp())
        );
    }
    let inform = if args.der { " -inform DER" } else { "" };
    println!(
        "Check it:\n  openssl crl{inform} -in {} -noout -text",
        path.display()
    );
    Ok(())
}
