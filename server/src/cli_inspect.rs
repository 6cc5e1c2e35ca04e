//! `certplay inspect` and `certplay verify`: core's reader and verifier in
//! the terminal, with exit codes 0 (valid), 1 (invalid), 2 (unreadable).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use certplay_core::escape::escape;
use certplay_core::read::{self, lint, text, Certificate, Item};
use certplay_core::verify::{self, Check, Purpose, Reason};
use certplay_server::input;
use clap::{Args, ValueEnum};
use serde::Serialize;

/// Exit code: everything read (inspect) or the chain is valid (verify).
const VALID: u8 = 0;
/// Exit code: the chain is refused.
const INVALID: u8 = 1;
/// Exit code: an input could not be read.
const UNREADABLE: u8 = 2;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Files to read (PEM or DER: certificates, chains, CSRs, keys, CRLs;
    /// PKCS#12); `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Password of a PKCS#12 file (without one, only how it is protected
    /// is shown). Other users of this machine can see it (ps): prefer
    /// --password-file.
    #[arg(long, value_name = "P", conflicts_with = "password_file")]
    password: Option<String>,
    /// Read the PKCS#12 password from the first line of FILE.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PurposeArg {
    /// A TLS server certificate (needs --host).
    Server,
    /// A TLS client certificate.
    Client,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Trust anchors (PEM or DER), e.g. ca.crt.
    #[arg(long, value_name = "ROOTS")]
    ca: PathBuf,
    /// Intermediate certificates sent along with the leaf.
    #[arg(long, value_name = "FILE")]
    intermediates: Option<PathBuf>,
    /// A CRL to check revocation against.
    #[arg(long, value_name = "FILE")]
    crl: Option<PathBuf>,
    /// What the leaf is for.
    #[arg(long, value_enum)]
    purpose: PurposeArg,
    /// The host name a client connects to (with --purpose server).
    #[arg(long, value_name = "NAME", required_if_eq("purpose", "server"))]
    host: Option<String>,
    /// Check at this time instead of now (RFC 3339, e.g. 2030-01-01T00:00:00Z).
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// The certificate to check (its chain may follow it in the same file); `-` reads stdin.
    #[arg(value_name = "LEAF")]
    leaf: PathBuf,
}

fn load(path: &std::path::Path) -> Result<(String, Vec<u8>), String> {
    if path.as_os_str() == "-" {
        let bytes = input::read_stdin().map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(("(stdin)".into(), bytes));
    }
    let name = path.display().to_string();
    let bytes = input::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    Ok((name, bytes))
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[derive(Serialize)]
struct FileReport<'a> {
    file: &'a str,
    items: &'a [Item],
    lints: Vec<Vec<lint::Lint>>,
}

/// `certplay inspect`.
pub fn inspect(args: &InspectArgs) -> ExitCode {
    let password =
        match crate::p12_cmd::password(args.password.as_deref(), args.password_file.as_deref()) {
            Ok(password) => password,
            Err(e) => {
                eprintln!("certplay: {e}");
                return ExitCode::from(UNREADABLE);
            }
        };
    let now = now();
    let mut code = VALID;
    let mut loaded = Vec::new();
    for path in &args.files {
        match load(path).and_then(|(name, bytes)| {
            read::read_with_password(&name, &bytes, password.as_deref())
                .map(|items| (name, items))
                .map_err(|e| e.to_string())
        }) {
            Ok(file) => loaded.push(file),
            Err(e) => {
                eprintln!("certplay: {e}");
                code = UNREADABLE;
            }
        }
    }
    let all_certs: Vec<&Certificate> = loaded
        .iter()
        .flat_map(|(_, items)| read::certificates(items))
        .collect();
    let mut reports = Vec::new();
    // Written at once at the end: `certplay inspect … | head` is fine.
    let mut out = String::new();
    for (name, items) in &loaded {
        if items.iter().any(|i| matches!(i, Item::Unreadable { .. })) {
            code = UNREADABLE;
        }
        let lints: Vec<Vec<lint::Lint>> = items
            .iter()
            .map(|i| match i {
                Item::Certificate(c) => lint::certificate(c, now),
                _ => Vec::new(),
            })
            .collect();
        if args.json {
            reports.push(FileReport {
                file: name,
                items,
                lints,
            });
            continue;
        }
        if loaded.len() > 1 {
            let _ = writeln!(out, "==> {name} <==");
        }
        for (item, lints) in items.iter().zip(&lints) {
            out.push_str(&text::items(std::slice::from_ref(item)));
            if let Item::Pkcs12(p12) = item {
                let inside = read::certificates(&p12.contents);
                for key in p12.contents.iter().filter_map(|i| match i {
                    Item::PrivateKey(key) => Some(key),
                    _ => None,
                }) {
                    for cert in inside.iter().filter(|c| key.matches(c) == Some(true)) {
                        let _ =
                            writeln!(out, "    The key matches the certificate {}", cert.subject);
                    }
                }
                if p12.locked.is_some() {
                    if password.is_some() {
                        code = UNREADABLE;
                    } else {
                        let _ = writeln!(
                            out,
                            "hint: certplay inspect --password-file FILE {name} (or --password P)"
                        );
                    }
                }
            }
            if let Item::PrivateKey(key) = item {
                for cert in &all_certs {
                    match key.matches(cert) {
                        Some(true) => {
                            let _ = writeln!(out, "    Matches the certificate {}", cert.subject);
                        }
                        Some(false) => {
                            let _ = writeln!(
                                out,
                                "    Does not match the certificate {}",
                                cert.subject
                            );
                        }
                        None => {}
                    }
                }
            }
            for l in lints {
                let _ = writeln!(
                    out,
                    "Lint {:?} {}: {} [{}] fix: {}",
                    l.severity, l.id, l.message, l.rule, l.fix
                );
            }
        }
    }
    if args.json {
        match serde_json::to_string_pretty(&reports) {
            Ok(json) => {
                out = json;
                out.push('\n');
            }
            Err(e) => {
                eprintln!("certplay: cannot write JSON: {e}");
                return ExitCode::from(UNREADABLE);
            }
        }
    }
    crate::emit(&out);
    ExitCode::from(code)
}

fn certificates(path: &std::path::Path, what: &str) -> Result<Vec<Certificate>, String> {
    let (name, bytes) = load(path)?;
    let items = read::read(&name, &bytes).map_err(|e| e.to_string())?;
    let certs: Vec<Certificate> = read::certificates(&items).into_iter().cloned().collect();
    if certs.is_empty() {
        return Err(format!(
            "{name}: no certificate in it ({what} must be certificates)"
        ));
    }
    Ok(certs)
}

/// `certplay verify`.
pub fn verify(args: &VerifyArgs) -> ExitCode {
    match run_verify(args) {
        Ok(Ok(message)) => {
            crate::emit(&format!("{}\n", escape(&message)));
            ExitCode::from(VALID)
        }
        Ok(Err(reason)) => {
            let mut out = format!("invalid: {}\n", escape(&reason.to_string()));
            if let Some(hint) = hint(&reason) {
                let _ = writeln!(out, "hint: {hint}");
            }
            crate::emit(&out);
            ExitCode::from(INVALID)
        }
        Err(e) => {
            eprintln!("certplay: {e}");
            ExitCode::from(UNREADABLE)
        }
    }
}

fn run_verify(args: &VerifyArgs) -> Result<Result<String, Reason>, String> {
    let anchors = certificates(&args.ca, "--ca")?;
    let mut chain = certificates(&args.leaf, "LEAF")?;
    let leaf = chain.remove(0);
    if let Some(path) = &args.intermediates {
        chain.extend(certificates(path, "--intermediates")?);
    }
    let crls = match &args.crl {
        None => Vec::new(),
        Some(path) => {
            let (name, bytes) = load(path)?;
            let items = read::read(&name, &bytes).map_err(|e| e.to_string())?;
            let crls: Vec<_> = items
                .into_iter()
                .filter_map(|i| match i {
                    Item::Crl(c) => Some(*c),
                    _ => None,
                })
                .collect();
            if crls.is_empty() {
                return Err(format!("{name}: no CRL in it"));
            }
            crls
        }
    };
    let at = match &args.at {
        None => now(),
        Some(text) => {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .map_err(|e| {
                    format!("--at {text}: not an RFC 3339 time ({e}); e.g. 2030-01-01T00:00:00Z")
                })?
                .unix_timestamp()
        }
    };
    let purpose = match args.purpose {
        PurposeArg::Client => Purpose::Client,
        PurposeArg::Server => Purpose::Server {
            host: args.host.clone().unwrap_or_default(),
        },
    };
    let check = Check {
        anchors: &anchors,
        intermediates: &chain,
        crls: &crls,
        purpose: purpose.clone(),
        at,
    };
    let provider = Arc::new(crate::Crypto::default().provider());
    Ok(verify::verify(&leaf, &check, &provider).map(|()| {
        let what = match &purpose {
            Purpose::Server { host } => format!("a server named {host}"),
            Purpose::Client => "a client".into(),
        };
        format!(
            "valid: {} for {what} at {}, chaining to {}",
            leaf.subject,
            certplay_core::format_time(at),
            anchors
                .iter()
                .map(|a| a.subject.to_string())
                .collect::<Vec<_>>()
                .join(" or ")
        )
    }))
}

/// The terminal's hint: which flag or command would change the verdict.
fn hint(reason: &Reason) -> Option<&'static str> {
    Some(match reason {
        Reason::UnknownIssuer {
            missing_intermediate: true,
            ..
        } => "pass the issuing CA with --ca, or the missing intermediate with --intermediates",
        Reason::UnknownIssuer { .. } => "pass the CA that issued it with --ca",
        Reason::SameNameOtherCa { .. } => {
            "--ca holds another CA with the same name: pass the ca.crt made together with this certificate"
        }
        Reason::NameMismatch { .. } => {
            "use --host with one of the names listed, or re-issue with the host in subjectAltName"
        }
        Reason::WrongPurpose { .. } => "check --purpose, or re-issue with the right extendedKeyUsage",
        Reason::Expired { .. } | Reason::NotYetValid { .. } => {
            "re-issue it (certplay issue), or check another time with --at"
        }
        Reason::V1Certificate { .. } => {
            "re-issue as v3: openssl x509 -req ... -extfile with the extensions, or certplay issue"
        }
        _ => return None,
    })
}
