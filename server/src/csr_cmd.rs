//! `certplay csr` and `certplay sign`: a certificate signing request for a
//! key you make here or already have, and a CA you have signing a request
//! somebody brings (openssl's `req -new` and `x509 -req`, with the checks
//! and the report openssl leaves out).

use std::path::{Path, PathBuf};
use std::time::Instant;

use certplay_core::{
    read_certificates, CsrParams, CsrSigning, ExistingCa, KeyPair, KeyType, Profile, San, Source,
    Validity,
};
use certplay_server::files::{Access, Entry, Existing, SafeDir};
use certplay_server::input;
use clap::Args;

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

pub fn run_csr(args: &CsrArgs) -> Result<(), String> {
    let (params, plan_key_type, default_stem) = match (&args.plan, &args.entry, &args.cn) {
        (Some(path), Some(entry), _) => {
            let plan = crate::issue_cmd::read_plan(path)?;
            let params = CsrParams::for_entry(&plan, entry)
                .map_err(|e| format!("--plan {}: {e}", path.display()))?;
            let key_type = plan.entry(entry).map(|e| plan.key_type_of(e));
            (params, key_type, entry.clone())
        }
        (_, _, Some(cn)) => (CsrParams::new(cn, args.san.clone()), None, cn.clone()),
        _ => return Err("give --cn NAME, or --plan FILE --entry NAME".into()),
    };
    let cn = params.subject.common_name.clone();
    let stem = args.name.clone().unwrap_or(default_stem);
    let plain = !stem.is_empty()
        && !stem.contains('/')
        && stem != "."
        && stem != ".."
        && Path::new(&stem).file_name() == Some(std::ffi::OsStr::new(&stem));
    if !plain {
        return Err(format!(
            "{stem:?} cannot be a file name: give one with --name STEM"
        ));
    }
    let (key, made) = match &args.key {
        Some(path) => {
            let password = args.key_pass.as_deref().map(password).transpose()?;
            (read_key("--key", path, password.as_deref())?, false)
        }
        None => {
            let key_type = args.key_type.or(plan_key_type).unwrap_or_default();
            (
                KeyPair::generate(key_type).map_err(|e| e.to_string())?,
                true,
            )
        }
    };
    let csr = params.request(&key).map_err(|e| e.to_string())?;
    let dir = SafeDir::open(&args.out).map_err(|e| e.to_string())?;
    let csr_name = format!("{stem}.csr");
    let key_name = format!("{stem}.key");
    let mut files = vec![(csr_name.clone(), csr.pem.into_bytes(), Access::Public)];
    if made {
        let pem = key.to_pkcs8_pem().map_err(|e| e.to_string())?;
        files.push((key_name.clone(), pem.into_bytes(), Access::Private));
    }
    let existing = existing(args.force);
    refuse_existing(&dir, files.iter().map(|(n, _, _)| n.as_str()), existing)?;
    for (name, contents, access) in &files {
        dir.write(name, contents, *access, existing)
            .map_err(|e| e.to_string())?;
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

pub fn run_sign(args: &SignArgs) -> Result<(), String> {
    let read = |flag: &str, path: &Path| {
        input::read(path).map_err(|e| format!("cannot read {flag} {}: {e}", path.display()))
    };
    let cert_name = args.ca_cert.display().to_string();
    let cert_bytes = read("--ca-cert", &args.ca_cert)?;
    let ca_certs =
        read_certificates(Source::new(&cert_name, &cert_bytes)).map_err(|e| e.to_string())?;
    let ca_der = ca_certs
        .first()
        .map(|c| c.der.to_vec())
        .ok_or_else(|| format!("{cert_name}: no certificate"))?;
    let password = args.ca_key_pass.as_deref().map(password).transpose()?;
    let key = read_key("--ca-key", &args.ca_key, password.as_deref())?;
    let key_name = args.ca_key.display().to_string();
    let ca =
        ExistingCa::from_der(&cert_name, &ca_der, &key_name, key).map_err(|e| e.to_string())?;

    let csr_name = args.csr.display().to_string();
    let csr_bytes = read("CSR", &args.csr)?;
    let signing = CsrSigning {
        profile: args.profile,
        validity: Validity::Relative {
            days: args.days,
            starts_in_days: 0,
        },
    };
    let started = Instant::now();
    let signed = ca
        .sign_csr(
            Source::new(&csr_name, &csr_bytes),
            &signing,
            time::OffsetDateTime::now_utc(),
        )
        .map_err(|e| e.to_string())?;
    let micros = started.elapsed().as_micros();

    let (dir, file) = split_out(&args.out)?;
    let dir = SafeDir::open(&dir).map_err(|e| e.to_string())?;
    dir.write(
        &file,
        signed.cert_pem.as_bytes(),
        Access::Public,
        existing(args.force),
    )
    .map_err(|e| e.to_string())?;
    let written = &args.out;
    println!(
        "certplay: signed {csr_name} with {} for {} days into {} (checked and signed in {} ms)",
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

fn existing(force: bool) -> Existing {
    if force {
        Existing::Replace
    } else {
        Existing::Refuse
    }
}

/// Fails before anything is written when one of `names` is in the way.
fn refuse_existing<'a>(
    dir: &SafeDir,
    names: impl Iterator<Item = &'a str>,
    existing: Existing,
) -> Result<(), String> {
    for name in names {
        let entry = dir.entry(name).map_err(|e| e.to_string())?;
        if entry != Entry::Missing && existing == Existing::Refuse {
            return Err(format!(
                "{} already exists and was kept: pass --force to replace it, or choose another --out",
                dir.join(name).display()
            ));
        }
    }
    Ok(())
}

/// --out FILE as its directory and its file name.
fn split_out(out: &Path) -> Result<(PathBuf, String), String> {
    let file = out
        .file_name()
        .and_then(|f| f.to_str())
        .ok_or_else(|| format!("--out {}: give a file name", out.display()))?;
    let dir = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((dir, file.to_owned()))
}

/// Reads a private key file (any format core imports).
pub fn read_key(flag: &str, path: &Path, password: Option<&str>) -> Result<KeyPair, String> {
    let bytes =
        input::read(path).map_err(|e| format!("cannot read {flag} {}: {e}", path.display()))?;
    let name = path.display().to_string();
    certplay_core::read_private_key(Source::new(&name, &bytes).with_password(password))
        .and_then(certplay_core::ReadKey::into_pair)
        .map_err(|e| match e {
            certplay_core::Error::EncryptedKey { .. } => {
                format!("{e} ({flag}-pass pass:TEXT | env:VARIABLE | file:PATH)")
            }
            _ => format!("{flag}: {e}"),
        })
}

/// A password as openssl's -passin takes it: pass:TEXT, env:VAR, file:PATH.
pub fn password(spec: &str) -> Result<String, String> {
    if let Some(text) = spec.strip_prefix("pass:") {
        return Ok(text.to_owned());
    }
    if let Some(var) = spec.strip_prefix("env:") {
        return std::env::var(var)
            .map_err(|_| format!("the password variable {var} is not set (or not UTF-8)"));
    }
    if let Some(path) = spec.strip_prefix("file:") {
        return input::first_line(Path::new(path))
            .map_err(|e| format!("cannot read the password file {path}: {e}"));
    }
    Err(format!(
        "{spec:?}: give the password as pass:TEXT, env:VARIABLE or file:PATH"
    ))
}
