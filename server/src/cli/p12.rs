//! `certplay p12`: a certificate, its key and its chain in one
//! password-protected PKCS#12 file (for browsers, Windows, macOS, Java,
//! `curl --cert-type P12`).

use std::path::PathBuf;

use certplay_core::{Pkcs12Encoding, Pkcs12Params, Pkcs12Password};
use clap::{ArgGroup, Args};

use crate::cli::{input, output};
use crate::files::Access;
use crate::Error;

/// Bundle a certificate, its private key and its chain into a PKCS#12 file
/// (.p12 / .pfx).
///
/// Examples:
///   certplay p12 --cert pki/client.crt --key pki/client.key --chain pki/ca.crt \
///       --password-file pw.txt --out pki/client.p12
///   certplay p12 --cert client.crt --key client.key --password 'correct horse' --legacy --out client-legacy.p12
///
/// Then: curl --cert pki/client.p12:PASSWORD --cert-type P12 --cacert pki/ca.crt https://localhost:3000
///       openssl pkcs12 -info -noout -in pki/client.p12 (add -legacy for a --legacy file)
///
/// The default encoding is PBES2 (AES-256-CBC, PBKDF2-HMAC-SHA256) with a
/// SHA-256 MAC, as OpenSSL 3 writes; --legacy writes 3DES with a SHA-1 MAC
/// for old importers (macOS before 14, Windows before 10 1709, Java 8).
/// The password is yours: there is no default, and an empty one is refused
/// unless --allow-empty-password. --password shows it to other users of
/// this machine (ps, shell history): prefer --password-file.
/// The file is written with mode 0600 and never replaces one unless --force.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
#[command(group(ArgGroup::new("the_password").required(true).args(["password", "password_file"])))]
pub struct P12Args {
    /// The certificate (PEM or DER); certificates after the first count as
    /// its chain.
    #[arg(long, value_name = "FILE")]
    cert: PathBuf,
    /// Its private key (PEM or DER: PKCS#8, PKCS#1, SEC1, or encrypted
    /// PKCS#8 with --key-pass).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The password of an encrypted --key: pass:TEXT, env:VARIABLE or file:PATH.
    #[arg(long, value_name = "SPEC")]
    key_pass: Option<String>,
    /// CA certificates above it (PEM or DER), nearest first; the root may be in it.
    #[arg(long, value_name = "FILE")]
    chain: Option<PathBuf>,
    /// The password that protects the file.
    #[arg(long, value_name = "P", conflicts_with = "password_file")]
    password: Option<String>,
    /// Read the password from the first line of FILE.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Accept an empty password (anyone with the file can read the key).
    #[arg(long)]
    allow_empty_password: bool,
    /// Write the legacy encoding (3DES, SHA-1 MAC) instead of the modern one.
    #[arg(long)]
    legacy: bool,
    /// The friendlyName importers show (default: the certificate's subject).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// The PKCS#12 file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace --out if it exists.
    #[arg(long)]
    force: bool,
}

/// `certplay p12`.
pub fn run(args: &P12Args) -> Result<(), Error> {
    // clap makes one of --password and --password-file required.
    let password_text = input::password(args.password.as_deref(), args.password_file.as_deref())?
        .ok_or_else(|| Error::Usage("give --password or --password-file".into()))?;
    let password = if args.allow_empty_password {
        Pkcs12Password::allow_empty(&password_text)
    } else {
        Pkcs12Password::new(&password_text).map_err(|e| {
            Error::Usage(format!(
                "{e} (--allow-empty-password if an importer really needs none)"
            ))
        })?
    };
    let mut certificates = input::certificates("--cert", &args.cert)?
        .into_iter()
        .map(|c| c.der.to_vec());
    let leaf = certificates.next().ok_or_else(|| Error::Empty {
        file: args.cert.display().to_string(),
        what: "certificate",
    })?;
    let mut chain: Vec<Vec<u8>> = certificates.collect();
    if let Some(path) = &args.chain {
        chain.extend(
            input::certificates("--chain", path)?
                .into_iter()
                .map(|c| c.der.to_vec()),
        );
    }
    let key_password = input::optional_password("--key-pass", args.key_pass.as_deref())?;
    let key = input::private_key("--key", &args.key, key_password.as_deref())?;
    let encoding = if args.legacy {
        Pkcs12Encoding::Legacy
    } else {
        Pkcs12Encoding::Modern
    };
    let params = Pkcs12Params {
        encoding,
        password,
        friendly_name: args.name.clone(),
    };
    let file = params.write(&leaf, &key, &chain).map_err(|e| match e {
        // Core knows no file names: say which files do not belong together.
        certplay_core::Error::KeyMismatch { subject, .. } => {
            Error::Core(certplay_core::Error::KeyMismatch {
                key_file: args.key.display().to_string(),
                cert_file: args.cert.display().to_string(),
                subject,
            })
        }
        other => other.into(),
    })?;
    let path = output::write_new(&args.out, &file, Access::Private, args.force)?;
    println!(
        "certplay: wrote {} (PKCS#12, {}; key, certificate and {} chain certificate(s))",
        path.display(),
        encoding.description(),
        chain.len()
    );
    let legacy = if args.legacy { " -legacy" } else { "" };
    println!(
        "Check it:\n  openssl pkcs12{legacy} -info -noout -in {} (asks for the password)",
        path.display()
    );
    Ok(())
}
