//! `certplay csr`: a certificate signing request for a key you make here
//! or already have (openssl's `req -new`, with the checks and the report
//! openssl leaves out).

use std::path::{Path, PathBuf};

use certplay_core::{CsrParams, KeyPair, KeyType, San};
use clap::Args;

use crate::cli::{input, output};
use crate::files::{Access, SafeDir};
use crate::Error;

/// Make a certificate signing request (and its key, unless you bring one)
///
/// Examples:
///   certplay csr --cn api.example.test --san api.example.test --san 10.0.0.5 --out req
///   certplay csr --cn alice --key alice.key --out req
///   certplay csr --cn alice --key alice-enc.key --key-pass env:KEY_PASS --out req
///   certplay csr --plan certplay-plan.toml --entry server --out req
///
/// Writes NAME.csr (and NAME.key, mode 0600, when certplay made the key),
/// NAME being --name, the plan entry's name, or the common name. With
/// --plan, the request asks for what the plan would issue to --entry: its
/// subject, subjectAltNames, purposes and key type. Nothing that exists
/// is replaced unless --force. Read the request with `certplay inspect
/// NAME.csr` or `openssl req -in NAME.csr -noout -text -verify`; a CA signs
/// it with `certplay sign` or `openssl x509 -req`.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct CsrArgs {
    /// The subject's common name (CN).
    #[arg(
        long,
        value_name = "NAME",
        required_unless_present = "plan",
        conflicts_with = "plan"
    )]
    cn: Option<String>,
    /// A subjectAltName to request, repeated (DNS name, IP address, or
    /// DNS:/IP:/email:/URI: prefixed). TLS clients check these, not the CN.
    #[arg(long, value_name = "NAME", conflicts_with = "plan")]
    san: Vec<San>,
    /// A plan file (TOML as in certplay-plan.toml, or JSON): request what
    /// it would issue to --entry.
    #[arg(long, value_name = "FILE", requires = "entry")]
    plan: Option<PathBuf>,
    /// The plan entry to request a certificate for (with --plan).
    #[arg(long, value_name = "NAME", requires = "plan")]
    entry: Option<String>,
    /// Type of the new key: p256 (default; with --plan, the entry's), p384,
    /// ed25519, rsa2048, rsa3072, rsa4096.
    #[arg(long, value_name = "TYPE", conflicts_with = "key")]
    key_type: Option<KeyType>,
    /// Use this private key instead of making one (PEM or DER: PKCS#8,
    /// PKCS#1, SEC1, or encrypted PKCS#8 with --key-pass). No NAME.key is written.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// The password of an encrypted --key, as openssl takes it: pass:TEXT,
    /// env:VARIABLE or file:PATH (first line).
    #[arg(long, value_name = "SPEC", requires = "key")]
    key_pass: Option<String>,
    /// File stem of the outputs (default: the entry's name, or the common name).
    #[arg(long, value_name = "STEM")]
    name: Option<String>,
    /// Directory to write into (created if missing, mode 0700).
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// Replace NAME.csr / NAME.key if they exist.
    #[arg(long)]
    force: bool,
}

/// `certplay csr`.
pub fn run(args: &CsrArgs) -> Result<(), Error> {
    let (params, plan_key_type, default_stem) = match (&args.plan, &args.entry, &args.cn) {
        (Some(path), Some(entry), _) => {
            let plan = input::plan(path)?;
            let params = CsrParams::for_entry(&plan, entry).map_err(|source| Error::In {
                what: format!("--plan {}", path.display()),
                source,
            })?;
            let key_type = plan.entry(entry).map(|e| plan.key_type_of(e));
            (params, key_type, entry.clone())
        }
        (_, _, Some(cn)) => (CsrParams::new(cn, args.san.clone()), None, cn.clone()),
        _ => {
            return Err(Error::Usage(
                "give --cn NAME, or --plan FILE --entry NAME".into(),
            ))
        }
    };
    let cn = params.subject.common_name.clone();
    let stem = args.name.clone().unwrap_or(default_stem);
    let plain = !stem.is_empty()
        && !stem.contains('/')
        && stem != "."
        && stem != ".."
        && Path::new(&stem).file_name() == Some(std::ffi::OsStr::new(&stem));
    if !plain {
        return Err(Error::Usage(format!(
            "{stem:?} cannot be a file name: give one with --name STEM"
        )));
    }
    let (key, made) = match &args.key {
        Some(path) => {
            let password = input::optional_password("--key-pass", args.key_pass.as_deref())?;
            (
                input::private_key("--key", path, password.as_deref())?,
                false,
            )
        }
        None => {
            let key_type = args.key_type.or(plan_key_type).unwrap_or_default();
            (KeyPair::generate(key_type)?, true)
        }
    };
    let csr = params.request(&key)?;
    let dir = SafeDir::open(&args.out)?;
    let csr_name = format!("{stem}.csr");
    let key_name = format!("{stem}.key");
    let mut files = vec![(csr_name.clone(), csr.pem.into_bytes(), Access::Public)];
    if made {
        let pem = key.to_pkcs8_pem()?;
        files.push((key_name.clone(), pem.into_bytes(), Access::Private));
    }
    let existing = output::existing(args.force);
    output::refuse_existing(&dir, files.iter().map(|(n, _, _)| n.as_str()), existing)?;
    for (name, contents, access) in &files {
        dir.write(name, contents, *access, existing)?;
    }
    println!(
        "certplay: wrote {} (CN={}, {} key{})",
        dir.join(&csr_name).display(),
        cn,
        key.description(),
        if made {
            format!(", new: {}", dir.join(&key_name).display())
        } else {
            String::new()
        }
    );
    println!(
        "Check it:  openssl req -in {} -noout -text -verify",
        dir.join(&csr_name).display()
    );
    println!(
        "Sign it:   certplay sign --ca-cert ca.crt --ca-key ca.key {} --out {}",
        dir.join(&csr_name).display(),
        dir.join(&format!("{stem}.crt")).display()
    );
    Ok(())
}
