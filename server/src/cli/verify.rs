//! `certplay verify`: core's verifier in the terminal, as `certplay serve`
//! (rustls/webpki) decides, with the reason it refuses and a hint. Exit 0
//! valid, 1 invalid, 2 unreadable.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use certplay_core::escape::escape;
use certplay_core::read::other_stacks::OtherStacks;
use certplay_core::read::{self, Certificate, Item};
use certplay_core::verify::{self, Check, Purpose, Reason};
use clap::{Args, ValueEnum};

use crate::cli::input;
use crate::cli::output::{self, Verdict};
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PurposeArg {
    /// A TLS server certificate (needs --host).
    Server,
    /// A TLS client certificate.
    Client,
}

/// What `certplay verify` checks.
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
    /// Write the verdict, its reason and what other stacks decide as JSON.
    #[arg(long)]
    json: bool,
}

/// `certplay verify --json`: rustls/webpki's verdict beside what the
/// chain's lints say OpenSSL, Go, Python and Node decide.
#[derive(Debug, serde::Serialize)]
struct Report {
    /// `valid` or `invalid`.
    verdict: &'static str,
    /// What `certplay serve` (rustls/webpki) decides, in words.
    rustls: String,
    /// The typed reason, when refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<Reason>,
    /// The hint, when refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'static str>,
    /// What the lints say the other stacks decide.
    other_stacks: OtherStacks,
}

/// The certificates of the file `flag` names (`-`: standard input).
fn certificates(flag: &'static str, path: &Path) -> Result<Vec<Certificate>, Error> {
    let file = input::file_or_stdin(flag, path)?;
    let items = read::read(&file.name, &file.bytes)?;
    let certs: Vec<Certificate> = read::certificates(&items).into_iter().cloned().collect();
    if certs.is_empty() {
        return Err(Error::Empty {
            file: file.name,
            what: "certificate",
        });
    }
    Ok(certs)
}

/// `certplay verify`: the verdict is printed, with what the chain's lints
/// say other stacks decide; a file that cannot be read is the error.
pub fn run(args: &VerifyArgs) -> Result<Verdict, Error> {
    let (verdict, others) = check(args)?;
    let valid = verdict.is_ok();
    if args.json {
        let report = match verdict {
            Ok(message) => Report {
                verdict: "valid",
                rustls: message,
                reason: None,
                hint: None,
                other_stacks: others,
            },
            Err(reason) => Report {
                verdict: "invalid",
                rustls: reason.to_string(),
                hint: hint(&reason),
                reason: Some(reason),
                other_stacks: others,
            },
        };
        let json =
            serde_json::to_string_pretty(&report).map_err(|e| Error::Usage(e.to_string()))?;
        output::emit(&format!("{}\n", certplay_core::escape::json(&json)));
    } else {
        let mut lines = match verdict {
            Ok(message) => vec![message],
            Err(reason) => {
                let mut lines = vec![format!("invalid: {reason}")];
                lines.extend(hint(&reason).map(|hint| format!("hint: {hint}")));
                lines
            }
        };
        lines.push(format!("other stacks: {others}"));
        for found in &others.lints {
            lines.push(format!("  {}: {}", found.certificate, found.lint));
        }
        let mut out = String::new();
        for line in &lines {
            let _ = writeln!(out, "{}", escape(line));
        }
        output::emit(&out);
    }
    Ok(if valid {
        Verdict::Valid
    } else {
        Verdict::Invalid
    })
}

/// rustls/webpki's verdict, and what the lints say the other stacks decide.
fn check(args: &VerifyArgs) -> Result<(Result<String, Reason>, OtherStacks), Error> {
    let anchors = certificates("--ca", &args.ca)?;
    let mut chain = certificates("LEAF", &args.leaf)?;
    let leaf = chain.remove(0);
    if let Some(path) = &args.intermediates {
        chain.extend(certificates("--intermediates", path)?);
    }
    let crls = match &args.crl {
        None => Vec::new(),
        Some(path) => {
            let file = input::file("--crl", path)?;
            let items = read::read(&file.name, &file.bytes)?;
            let crls: Vec<_> = items
                .into_iter()
                .filter_map(|i| match i {
                    Item::Crl(c) => Some(*c),
                    _ => None,
                })
                .collect();
            if crls.is_empty() {
                return Err(Error::Empty {
                    file: file.name,
                    what: "CRL",
                });
            }
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            for crl in &crls {
                if let Some(warning) = certplay_core::crl_issued_ahead(&file.name, crl, now) {
                    eprintln!("certplay: warning: {}", escape(&warning));
                }
            }
            crls
        }
    };
    let at = match &args.at {
        None => time::OffsetDateTime::now_utc().unix_timestamp(),
        Some(text) => {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .map_err(|e| Error::Flag {
                    flag: "--at",
                    value: text.clone(),
                    why: format!("not an RFC 3339 time ({e}); e.g. 2030-01-01T00:00:00Z"),
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
    let others = OtherStacks::of(&leaf, &chain, &anchors, at);
    let verdict = verify::verify(&leaf, &check, &provider).map(|()| {
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
    });
    Ok((verdict, others))
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
