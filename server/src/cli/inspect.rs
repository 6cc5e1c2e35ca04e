//! `certplay inspect`: core's reader in the terminal, like `openssl x509
//! -text` for every kind of file, with lints. Exit 0 read, 1 a `--client`
//! certificate likely refused by the server of pasted `openssl s_client`
//! output, 2 unreadable (as `verify` and `connect`: 0 good, 1 refused, 2
//! could not tell).

use std::fmt::Write as _;
use std::path::PathBuf;

use certplay_core::escape::escape;
use certplay_core::read::{self, lint, text, Certificate, Item};
use certplay_core::verify;
use clap::Args;
use serde::Serialize;

use crate::cli::input;
use crate::cli::output::{self, Verdict};
use crate::Error;

/// What `certplay inspect` reads.
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
    /// A client certificate (its chain may follow it in the file; no key
    /// needed), repeated: with `openssl s_client -showcerts` output among
    /// FILEs, whether that server would accept it (its CA names, dates,
    /// clientAuth). Exit 1 when one is likely refused.
    #[arg(long, value_name = "CERT")]
    client: Vec<PathBuf>,
}

#[derive(Serialize)]
struct FileReport<'a> {
    file: &'a str,
    items: &'a [Item],
    lints: Vec<Vec<lint::Lint>>,
    /// When the file is `openssl s_client` output.
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<verify::ServerAsks>,
}

/// `certplay inspect`: every file it can read is shown, and each one it
/// cannot is named on standard error (the verdict is then
/// [`Verdict::Unreadable`]). With `--client`, a client certificate likely
/// refused by a server that asked for one makes it [`Verdict::Invalid`].
pub fn run(args: &InspectArgs) -> Result<Verdict, Error> {
    let password = input::password(args.password.as_deref(), args.password_file.as_deref())?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut code = Verdict::Valid;
    let mut clients = Vec::new();
    for path in &args.client {
        let certs = input::certificates("--client", path)?;
        let chain: Vec<Certificate> = certs.into_iter().map(|c| c.info).collect();
        clients.push((path.display().to_string(), chain));
    }
    let mut loaded = Vec::new();
    let mut servers = Vec::new();
    for path in &args.files {
        let read = input::file_or_stdin("", path).and_then(|file| {
            read::read_with_password(&file.name, &file.bytes, password.as_deref())
                .map(|items| (read::read_s_client(&file.bytes), (file.name, items)))
                .map_err(Error::from)
        });
        match read {
            Ok((server, file)) => {
                servers.push(server);
                loaded.push(file);
            }
            Err(e) => {
                eprintln!("certplay: {}", escape(&e.to_string()));
                code = Verdict::Unreadable;
            }
        }
    }
    if !clients.is_empty() && servers.iter().all(Option::is_none) {
        return Err(Error::Flag {
            flag: "--client",
            value: args
                .client
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" "),
            why: "no FILE is openssl s_client output to predict against: capture it with \
                  openssl s_client -connect HOST:PORT -showcerts </dev/null > server.txt"
                .into(),
        });
    }
    let all_certs: Vec<&Certificate> = loaded
        .iter()
        .flat_map(|(_, items)| read::certificates(items))
        .collect();
    let mut reports = Vec::new();
    // Written at once at the end: `certplay inspect … | head` is fine.
    let mut out = String::new();
    for ((name, items), server) in loaded.iter().zip(&servers) {
        let server = server
            .as_ref()
            .map(|server| verify::ServerAsks::predict(server, &clients, now));
        if server.as_ref().is_some_and(likely_refused) && code == Verdict::Valid {
            code = Verdict::Invalid;
        }
        if items.iter().any(|i| matches!(i, Item::Unreadable { .. })) {
            code = Verdict::Unreadable;
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
                server,
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
                        code = Verdict::Unreadable;
                    } else {
                        let _ = writeln!(
                            out,
                            "hint: certplay inspect --password-file FILE {name} (or --password P)"
                        );
                    }
                }
            }
            if let Item::Crl(crl) = item {
                if let Some(warning) = certplay_core::crl_issued_ahead(name, crl, now) {
                    let _ = writeln!(out, "Warning: {}", escape(&warning));
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
                let _ = writeln!(out, "Lint {l}");
            }
        }
        if let Some(server) = &server {
            let _ = write!(out, "{server}");
        }
    }
    if args.json {
        match serde_json::to_string_pretty(&reports) {
            Ok(json) => {
                // serde_json leaves C1 controls, U+2028 and bidi marks raw:
                // written as \uXXXX, the JSON parses to the same value.
                out = certplay_core::escape::json(&json).into_owned();
                out.push('\n');
            }
            Err(e) => {
                eprintln!("certplay: cannot write JSON: {e}");
                return Ok(Verdict::Unreadable);
            }
        }
    }
    output::emit(&out);
    Ok(code)
}

/// True when `server` asked for a client certificate and one of those
/// given is likely refused (one it did not ask for is not sent: nothing
/// refuses it).
fn likely_refused(server: &verify::ServerAsks) -> bool {
    server.asks_for_client_certificate && server.clients.iter().any(|client| !client.fits)
}
