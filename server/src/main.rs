//! `certplay`: the certificate playground's native half.
//!
//! Usage:
//!   certplay serve                      # demo certificates in ./certplay-demo, page on :8080
//!   certplay serve --ca ca.crt --cert server.crt --key server.key [--port 3000]
//!   certplay issue --out DIR            # the blog's set (or any plan), natively
//!   certplay csr --cn NAME --out DIR    # a CSR (and key); certplay sign signs one
//!   certplay crl --ca-cert ca.crt --ca-key ca.key --revoke SERIAL:REASON --out ca.crl
//!   certplay p12 --cert client.crt --key client.key --password-file pw --out client.p12

mod cli_inspect;
mod crl_cmd;
mod p12_cmd;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use certplay_core::commands::{Curl, HostName, Target};
use certplay_core::{ClientAuth, KeyType};
use certplay_server::demo::{self, DemoSet};
use certplay_server::guard::{self, Limits};
use certplay_server::{Config, Crypto};
use clap::{Args, Parser, Subcommand};

mod csr_cmd;
mod issue_cmd;

/// certplay: build a small PKI, serve mTLS with it, and learn why a
/// handshake fails.
#[derive(Debug, Parser)]
#[command(name = "certplay", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve HTTPS that requires a client certificate (and the page).
    Serve(ServeArgs),
    /// Issue a PKI into a directory: the blog's set (ca, server, client) or
    /// any plan (intermediates, many clients, other key types, expired...).
    Issue(issue_cmd::IssueArgs),
    /// Read certificates, chains, CSRs, keys and CRLs (PEM or DER) like
    /// `openssl x509 -text`, with lints. Exit 0 read, 2 unreadable.
    Inspect(cli_inspect::InspectArgs),
    /// Check a chain the way certplay serve (rustls/webpki) does and say why
    /// it is refused. Exit 0 valid, 1 invalid, 2 unreadable.
    Verify(cli_inspect::VerifyArgs),
    // Their help (with examples) is the doc of CsrArgs and SignArgs.
    Csr(csr_cmd::CsrArgs),
    Sign(csr_cmd::SignArgs),
    /// Issue a CRL signed by a CA, revoking serial numbers (for serve --crl,
    /// openssl verify -crl_check).
    Crl(crl_cmd::CrlArgs),
    /// Bundle a certificate, its key and chain into a password-protected
    /// PKCS#12 file (.p12).
    P12(p12_cmd::P12Args),
    /// Print shell completions, e.g.
    /// `certplay completions bash > ~/.local/share/bash-completion/completions/certplay`
    /// (zsh: into a folder of $fpath as `_certplay`; fish:
    /// ~/.config/fish/completions/certplay.fish).
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// CA certificate(s) that client certificates must chain to (PEM or DER).
    #[arg(long, value_name = "FILE", requires_all = ["cert", "key"])]
    ca: Option<PathBuf>,
    /// The server's certificate, optionally followed by its chain (PEM or DER).
    #[arg(long, value_name = "FILE", requires_all = ["ca", "key"])]
    cert: Option<PathBuf>,
    /// The server's private key (PEM or DER: PKCS#8, PKCS#1 or SEC1; unencrypted).
    #[arg(long, value_name = "FILE", requires_all = ["ca", "cert"])]
    key: Option<PathBuf>,
    /// A CRL (PEM or DER) of a --ca CA, repeatable: client certificates it
    /// lists are refused, and the log says which entry (serial, reason,
    /// time). Re-read on SIGHUP with the other files.
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// The mTLS port (0 picks a free one).
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// The address the mTLS server listens on. Loopback by default: keep it
    /// so unless other hosts must reach this server.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// The port of the page (plain HTTP; 0 picks one).
    #[arg(long, default_value_t = 8080)]
    page_port: u16,
    /// The address the page listens on. It makes keys: it stays on this
    /// machine unless you say otherwise here. Its live link loads keys into
    /// the mTLS server only for the page itself: the per-run token, and the
    /// page's own Origin header on every load.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    page_bind: IpAddr,
    /// Connections open at once per port; more wait until one closes
    /// (default: from the open-file limit, at most 10000).
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Refuse TLS 1.2: only TLS 1.3 handshakes succeed.
    #[arg(long)]
    tls13_only: bool,
    /// Where client certificates are judged: `required` (the default) in
    /// the TLS handshake, which fails with an alert; `optional` after it,
    /// so that a client without a valid certificate gets HTTP 401 with the
    /// reason in words (curl shows it) instead of a TLS error.
    #[arg(long, value_name = "MODE", default_value = "required")]
    client_auth: ClientAuth,
    /// The TLS library's crypto: `aws-lc-rs` or `ring`. The same TLS; they
    /// differ in speed (BENCHMARKS.md compares them).
    #[arg(long, value_name = "PROVIDER", value_enum, default_value_t)]
    crypto: Crypto,
    /// Threads serving connections (default: one fewer than the cores, at
    /// least one: the clients being tested usually run on this machine).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// Do not serve the page.
    #[arg(long)]
    no_page: bool,
    /// Serve the page from this directory (trunk's output), read at each
    /// request, instead of the copy built into certplay; until it holds an
    /// index.html, a notice says the page is still being built.
    #[arg(long, value_name = "DIR", conflicts_with = "no_page")]
    page_dir: Option<PathBuf>,
    /// Where the demo set lives when no certificate flags are given.
    #[arg(long, value_name = "DIR", default_value = "certplay-demo")]
    demo_dir: PathBuf,
    /// Key type of the demo set: p256 or rsa2048 (default: keep the set
    /// that is there; a new one is p256).
    #[arg(long)]
    key_type: Option<KeyType>,
}

/// Logs to stderr at `RUST_LOG`'s levels (`info` when unset): a level
/// (`debug`) or targets with levels (`rustls=debug,info`). Targets, not
/// EnvFilter: the same syntax without span and field filters, and without
/// the regex engine they need, which was about 10 s of the first build.
fn init_logging() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let info = || Targets::new().with_default(LevelFilter::INFO);
    let targets = match std::env::var("RUST_LOG") {
        Ok(value) => value.parse::<Targets>().unwrap_or_else(|e| {
            eprintln!("certplay: RUST_LOG={value:?} is not a log filter ({e}); logging at info");
            info()
        }),
        Err(_) => info(),
    };
    tracing_subscriber::fmt()
        // Every level reaches `targets`, which decides.
        .with_max_level(LevelFilter::TRACE)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .finish()
        .with(targets)
        .init();
}

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args).map_err(|e| e.to_string()),
        Command::Issue(args) => issue_cmd::run(&args),
        Command::Inspect(args) => return cli_inspect::inspect(&args),
        Command::Verify(args) => return cli_inspect::verify(&args),
        Command::Csr(args) => csr_cmd::run_csr(&args),
        Command::Sign(args) => csr_cmd::run_sign(&args),
        Command::Crl(args) => crl_cmd::run(&args),
        Command::P12(args) => p12_cmd::run(&args),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "certplay", &mut script);
            emit(&String::from_utf8_lossy(&script));
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("certplay: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Writes `text` to standard output. A reader that went away (`certplay
/// inspect x.pem | head -1`) is not an error: the rest is not wanted.
fn emit(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("certplay: cannot write to standard output: {e}");
        }
    }
}

fn serve(args: ServeArgs) -> Result<(), certplay_server::Error> {
    match guard::raise_open_file_limit() {
        Ok((soft, hard)) => tracing::debug!("open-file limit: soft {soft:?}, hard {hard:?}"),
        Err(e) => tracing::warn!("cannot raise the open-file limit: {e}"),
    }
    let (ca, cert, key, client) = match (&args.ca, &args.cert, &args.key) {
        (Some(ca), Some(cert), Some(key)) => {
            let dir = ca.parent().unwrap_or(Path::new(""));
            (ca.clone(), cert.clone(), key.clone(), clients_of(dir))
        }
        _ => {
            let dir = &args.demo_dir;
            let verb = match demo::ensure(dir, args.key_type)? {
                DemoSet::Created => "made",
                DemoSet::Reused => "reusing",
            };
            println!("certplay: {verb} demo certificates in {}/", dir.display());
            (
                dir.join("ca.crt"),
                dir.join("server.crt"),
                dir.join("server.key"),
                vec![(dir.join("client.crt"), dir.join("client.key"))],
            )
        }
    };
    let mut tls = certplay_server::load_tls(&ca, &cert, &key)?;
    certplay_server::load_crls(&mut tls, &args.crl)?;
    for warning in &tls.warnings {
        tracing::warn!("{warning}");
    }
    let config = Config {
        mtls: SocketAddr::new(args.bind, args.port),
        page: (!args.no_page).then(|| SocketAddr::new(args.page_bind, args.page_port)),
        limits: Limits {
            max_connections: args.max_connections,
            ..Limits::default()
        },
        history: 1000,
        tls13_only: args.tls13_only,
        client_auth: args.client_auth,
        crypto: args.crypto,
        page_dir: args.page_dir.clone(),
    };
    for (what, address) in [
        ("the mTLS server", Some(config.mtls)),
        ("the page", config.page),
    ] {
        if let Some(address) = address.filter(|a| !a.ip().is_loopback()) {
            tracing::warn!(
                "{what} listens on {address}, not only on this machine: other hosts can reach it"
            );
        }
    }
    let server_names = tls
        .cert_chain
        .first()
        .map(|c| HostName::from_general_names(c.info.subject_alt_names()))
        .unwrap_or_default();
    let client = curl_client(&client, &tls.crls);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.map_or_else(default_threads, usize::from))
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        // Signal handlers go in before anything is printed: a SIGTERM or
        // SIGHUP sent as soon as the address shows must not kill the process.
        let shutdown = shutdown_signal()?;
        let hangup = hangup_signal()?;
        let bound = certplay_server::bind(config, &tls).await?;
        let address = bound.mtls_addr();
        let target = Target::new(&server_names, address);
        println!(
            "certplay: mTLS server on {} (listening on {address})",
            target.url
        );
        println!(
            "certplay: client certificates must chain to {} ({})",
            first_of(&tls.client_ca_subjects(), 5),
            ca.display()
        );
        if args.client_auth == ClientAuth::Optional {
            println!(
                "certplay: --client-auth optional: the handshake takes any client certificate \
                 or none; requests without a valid one get HTTP 401 with the reason"
            );
        }
        for crl in &tls.crls {
            println!(
                "certplay: checking revocation against {} (CRL of {}, {} revoked)",
                crl.file,
                crl.crl.issuer,
                crl.crl.revoked.len()
            );
        }
        if let Some(e) = bound.page_error() {
            tracing::warn!("not serving the page: {e}");
        }
        if let Some(page_address) = bound.page_addr() {
            let note = if let Some(dir) = &args.page_dir {
                format!(" (from {}/)", dir.display())
            } else if certplay_server::page::embedded() {
                String::new()
            } else {
                " (built without the page: it shows how to build it)".to_owned()
            };
            println!("certplay: page on http://{page_address}/{note}");
        }
        if let Some(warning) = certplay_server::target_warning(&target, &server_names) {
            tracing::warn!("{warning}");
        }
        let (cacert, client_cert, client_key) = (
            ca.display().to_string(),
            client.cert.display().to_string(),
            client.key.display().to_string(),
        );
        let curl = Curl {
            cacert: &cacert,
            client: Some((&client_cert, &client_key)),
            target: &target,
        };
        println!("Try it:\n  {}", curl.line());
        if let Some(crl) = &client.revoked_by {
            println!(
                "  (every client certificate found beside {} is revoked by {crl}: certplay \
                 refuses this one with the reason, as it should)",
                ca.display()
            );
        }
        let reloader = bound.reloader();
        tokio::spawn(reload_on_hangup(
            hangup,
            reloader,
            [ca.clone(), cert.clone(), key.clone()],
            args.crl.clone(),
        ));
        bound.run(shutdown).await;
        tracing::info!("stopped");
        Ok(())
    })
}

#[cfg(unix)]
type Hangup = tokio::signal::unix::Signal;
#[cfg(not(unix))]
type Hangup = ();

/// Registers for SIGHUP now, so one that arrives early is not fatal.
fn hangup_signal() -> std::io::Result<Hangup> {
    #[cfg(unix)]
    {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
    }
    #[cfg(not(unix))]
    {
        Ok(())
    }
}

/// On SIGHUP, reads --ca, --cert, --key and --crl again and switches to
/// them; files that do not load are named and the running material stays.
async fn reload_on_hangup(
    #[cfg_attr(not(unix), allow(unused_mut, unused_variables))] mut hangup: Hangup,
    reloader: certplay_server::Reloader,
    [ca, cert, key]: [PathBuf; 3],
    crls: Vec<PathBuf>,
) {
    #[cfg(unix)]
    while hangup.recv().await.is_some() {
        let loaded = certplay_server::load_tls(&ca, &cert, &key)
            .and_then(|mut tls| certplay_server::load_crls(&mut tls, &crls).map(|()| tls))
            .and_then(|tls| reloader.reload(&tls).map(|()| tls));
        match loaded {
            Ok(tls) => {
                for warning in &tls.warnings {
                    tracing::warn!("{warning}");
                }
                let crl_note = if crls.is_empty() {
                    String::new()
                } else {
                    format!(" and {} CRL file(s)", crls.len())
                };
                tracing::info!(
                    "SIGHUP: reloaded {}, {} and {}{crl_note}; new connections use them",
                    ca.display(),
                    cert.display(),
                    key.display()
                );
            }
            Err(e) => tracing::warn!("SIGHUP: kept the running certificates: {e}"),
        }
    }
    #[cfg(not(unix))]
    let _ = (reloader, ca, cert, key, crls);
}

/// Registers for Ctrl-C and SIGTERM now (not when first polled) and returns
/// a future that completes on either.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// The client certificates and keys that may go in the curl command: the
/// clients of the plan issued into `dir` (each one's chain file when it
/// has one), else the blog's `client.crt`.
fn clients_of(dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    let plan = certplay_server::input::read_text(&dir.join(certplay_core::PLAN_FILE_NAME))
        .ok()
        .and_then(|text| certplay_core::Plan::from_toml(&text).ok());
    let mut names: Vec<String> = plan
        .map(|plan| {
            plan.entries
                .into_iter()
                .filter(|e| e.profile.is_client())
                .map(|e| e.name)
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        names.push("client".to_owned());
    }
    names
        .iter()
        .map(|name| {
            let chain = dir.join(format!("{name}-chain.crt"));
            let cert = if chain.exists() {
                chain
            } else {
                dir.join(format!("{name}.crt"))
            };
            (cert, dir.join(format!("{name}.key")))
        })
        .collect()
}

/// The client the curl command shows.
struct CurlClient {
    cert: PathBuf,
    key: PathBuf,
    /// The CRL file that revokes it, when every candidate is revoked.
    revoked_by: Option<String>,
}

/// The first of `candidates` that no CRL of `crls` revokes (after `serve
/// --crl`, the printed curl is a client the server answers), else the first
/// one with the CRL that revokes it.
fn curl_client(candidates: &[(PathBuf, PathBuf)], crls: &[certplay_core::ServerCrl]) -> CurlClient {
    let revoked_by = |cert: &Path| -> Option<String> {
        let bytes = certplay_server::input::read(cert).ok()?;
        let name = cert.display().to_string();
        let read = certplay_core::read_certificates(certplay_core::Source::new(&name, &bytes));
        let leaf = read.ok()?.into_iter().next()?.info;
        crls.iter()
            .find(|c| {
                c.crl.issuer.der == leaf.issuer.der
                    && c.crl.revoked.iter().any(|r| r.serial == leaf.serial)
            })
            .map(|c| c.file.clone())
    };
    let first_good = candidates
        .iter()
        .find(|(cert, _)| revoked_by(cert).is_none());
    match (first_good, candidates.first()) {
        (Some((cert, key)), _) => CurlClient {
            cert: cert.clone(),
            key: key.clone(),
            revoked_by: None,
        },
        (None, Some((cert, key))) => CurlClient {
            cert: cert.clone(),
            key: key.clone(),
            revoked_by: revoked_by(cert),
        },
        (None, None) => CurlClient {
            cert: PathBuf::from("client.crt"),
            key: PathBuf::from("client.key"),
            revoked_by: None,
        },
    }
}

/// The first `shown` of `names`, then how many more: a bundle of
/// thousands of CAs is one line, not a megabyte.
fn first_of(names: &[String], shown: usize) -> String {
    match names.get(shown..) {
        Some(rest) if !rest.is_empty() => format!(
            "{} and {} more",
            names
                .iter()
                .take(shown)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            rest.len()
        ),
        _ => names.join(", "),
    }
}

/// One fewer worker thread than the cores, at least one. On 2 cores with the
/// load client beside it (BENCHMARKS.md), one worker spent 0.40 ms of CPU
/// per full P-256 mTLS handshake and 11 µs per keep-alive request, two
/// workers 0.47 ms and 14 µs: a second worker mostly parks and wakes
/// (half of its CPU was the kernel's task switching), and the client
/// lost the core it needed.
fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .saturating_sub(1)
        .max(1)
}
