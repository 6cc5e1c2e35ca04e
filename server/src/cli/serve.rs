//! `certplay serve`: the mTLS server (and the page) with the files given,
//! or a demo set made the first time. [`start`] loads the files and binds
//! (tests call it); [`Started::serve`] serves until shutdown, reloading
//! the files on SIGHUP; [`run`] is the command: signals, start, print,
//! serve.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use certplay_core::commands::{Curl, Fit, HostName, Target};
use certplay_core::{ClientAuth, KeyType, ServerCrl, ServerTls};
use clap::Args;

use crate::cli::demo::{self, DemoSet};
use crate::cli::input;
use crate::cli::output::say;
use crate::guard::{self, Limits};
use crate::keylog::KeyLogFile;
use crate::{Bound, Config, Crypto, Error, Reloader};

/// Serve HTTPS that requires a client certificate (and the page).
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// CA certificate(s) that client certificates must chain to (PEM or DER).
    #[arg(long, value_name = "FILE", requires_all = ["cert", "key"])]
    ca: Option<PathBuf>,
    /// The server's certificate, optionally followed by its chain (PEM or DER).
    #[arg(long, value_name = "FILE", requires_all = ["ca", "key"])]
    cert: Option<PathBuf>,
    /// The server's private key (PEM or DER: PKCS#8, PKCS#1, SEC1, or
    /// encrypted PKCS#8 with --key-pass).
    #[arg(long, value_name = "FILE", requires_all = ["ca", "cert"])]
    key: Option<PathBuf>,
    /// The password of an encrypted --key: pass:TEXT, env:VARIABLE or
    /// file:PATH (kept in memory for SIGHUP reloads).
    #[arg(long, value_name = "SPEC", requires = "key")]
    key_pass: Option<String>,
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
    /// reason in words (curl shows it) instead of a TLS error; `off`: no
    /// client certificate is asked for, any client gets in (plain HTTPS).
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
    /// Write the TLS secrets of every handshake to this new file (mode
    /// 0600), in the NSS key log format Wireshark reads to decrypt a
    /// capture (as curl's SSLKEYLOGFILE). Anyone with the file can read
    /// the captured traffic: only when asked, and never over a file that
    /// is there.
    #[arg(long, value_name = "FILE")]
    keylog: Option<PathBuf>,
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
    /// Serve a local badssl for testing TLS clients instead, each endpoint
    /// on its own port from --port on: good, expired, not-yet-valid,
    /// wrong-host, self-signed, untrusted-root, incomplete-chain, revoked,
    /// no-subject-alt-name, x509-v1, rsa-1024, client-certificate-required
    /// and -optional, tls12-only, tls13-only. Prints what a correct client
    /// must do and what curl prints at each, and writes the same as JSON.
    #[arg(long, conflicts_with_all = ["ca", "cert", "key", "crl", "keylog", "page_dir", "tls13_only"])]
    broken: bool,
    /// Where --broken writes the CA, the client certificate, the CRL, each
    /// endpoint's chain and broken.json, fresh at each start (only files
    /// it made there are ever replaced).
    #[arg(long, value_name = "DIR", default_value = "certplay-broken")]
    broken_dir: PathBuf,
}

/// The files a server was started with, read again on SIGHUP.
#[derive(Debug, Clone)]
struct Files {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    key_password: Option<String>,
    crls: Vec<PathBuf>,
}

impl Files {
    fn load(&self) -> Result<ServerTls, Error> {
        let mut tls = input::load_tls(
            &self.ca,
            &self.cert,
            &self.key,
            self.key_password.as_deref(),
        )?;
        input::load_crls(&mut tls, &self.crls)?;
        Ok(tls)
    }
}

/// A server [`start`] made: listening, with what `certplay serve` prints.
#[derive(Debug)]
pub struct Started {
    bound: Bound,
    files: Files,
    /// What `certplay serve` prints before it serves, one line each.
    pub lines: Vec<String>,
    /// The "Try it" curl command, as arguments (`curl` first).
    pub curl: Vec<String>,
}

impl Started {
    /// The mTLS listener's address.
    pub fn mtls_addr(&self) -> SocketAddr {
        self.bound.mtls_addr()
    }

    /// The page's address, when it is served.
    pub fn page_addr(&self) -> Option<SocketAddr> {
        self.bound.page_addr()
    }

    /// Serves until `shutdown` completes; with `hangup`, reads the files
    /// again at each SIGHUP.
    pub async fn serve(self, shutdown: impl Future<Output = ()>, hangup: Option<Hangup>) {
        if let Some(hangup) = hangup {
            tokio::spawn(reload_on_hangup(
                hangup,
                self.bound.reloader(),
                self.files.clone(),
            ));
        }
        self.bound.run(shutdown).await;
        tracing::info!("stopped");
    }
}

/// Loads the files (or makes the demo set), binds the ports and says what
/// `certplay serve` prints, without printing it.
pub async fn start(args: &ServeArgs) -> Result<Started, Error> {
    let mut lines = Vec::new();
    let (files, candidates) = match (&args.ca, &args.cert, &args.key) {
        (Some(ca), Some(cert), Some(key)) => {
            let key_password = input::optional_password("--key-pass", args.key_pass.as_deref())?;
            let dir = ca.parent().unwrap_or(Path::new(""));
            let files = Files {
                ca: ca.clone(),
                cert: cert.clone(),
                key: key.clone(),
                key_password,
                crls: args.crl.clone(),
            };
            (files, clients_of(dir))
        }
        _ => {
            let dir = &args.demo_dir;
            let verb = match demo::ensure(dir, args.key_type)? {
                DemoSet::Created => "made",
                DemoSet::Reused => "reusing",
            };
            lines.push(format!(
                "certplay: {verb} demo certificates in {}/",
                dir.display()
            ));
            let files = Files {
                ca: dir.join("ca.crt"),
                cert: dir.join("server.crt"),
                key: dir.join("server.key"),
                key_password: None,
                crls: args.crl.clone(),
            };
            (
                files,
                vec![(dir.join("client.crt"), dir.join("client.key"))],
            )
        }
    };
    let tls = files.load()?;
    for warning in &tls.warnings {
        tracing::warn!("{warning}");
    }
    let key_log = match &args.keylog {
        Some(path) => {
            let file = KeyLogFile::create(path)?;
            lines.push(format!(
                "certplay: writing the TLS secrets of every connection to {} (NSS key log, \
                 for Wireshark: whoever has it can decrypt what was captured)",
                file.path().display()
            ));
            Some(Arc::new(file) as Arc<dyn rustls::KeyLog>)
        }
        None => None,
    };
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
        key_log,
        clock: None,
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
    let client = curl_client(&candidates, &tls.crls);

    let bound = crate::bind(config, &tls).await?;
    let address = bound.mtls_addr();
    let target = Target::new(&server_names, address);
    let ca = files.ca.display();
    lines.push(format!(
        "certplay: mTLS server on {} (listening on {address})",
        target.url
    ));
    match args.client_auth {
        ClientAuth::Required | ClientAuth::Optional => lines.push(format!(
            "certplay: client certificates must chain to {} ({ca})",
            first_of(&tls.client_ca_subjects(), 5),
        )),
        ClientAuth::Off => lines.push(
            "certplay: --client-auth off: client authentication is off: the server asks for \
             no client certificate and any client gets in (plain HTTPS, not mTLS)"
                .into(),
        ),
    }
    if args.client_auth == ClientAuth::Optional {
        lines.push(
            "certplay: --client-auth optional: the handshake takes any client certificate \
             or none; requests without a valid one get HTTP 401 with the reason"
                .into(),
        );
    }
    for crl in &tls.crls {
        lines.push(format!(
            "certplay: checking revocation against {} (CRL of {}, {} revoked)",
            crl.file,
            crl.crl.issuer,
            crl.crl.revoked.len()
        ));
    }
    if let Some(e) = bound.page_error() {
        tracing::warn!("not serving the page: {e}");
    }
    if let Some(page_address) = bound.page_addr() {
        let note = if let Some(dir) = &args.page_dir {
            format!(" (from {}/)", dir.display())
        } else if crate::page::embedded() {
            String::new()
        } else {
            " (built without the page: it shows how to build it)".to_owned()
        };
        lines.push(format!("certplay: page on http://{page_address}/{note}"));
    }
    if let Some(warning) = target_warning(&target, &server_names) {
        tracing::warn!("{warning}");
    }
    let (cacert, client_cert, client_key) = (
        files.ca.display().to_string(),
        client.cert.display().to_string(),
        client.key.display().to_string(),
    );
    let curl = Curl {
        cacert: &cacert,
        // Nothing to present to a server that asks for nothing.
        client: (args.client_auth != ClientAuth::Off).then_some((&client_cert, &client_key)),
        target: &target,
    };
    lines.push("Try it:".into());
    lines.push(format!("  {}", curl.line()));
    if let Some(crl) = client
        .revoked_by
        .as_ref()
        .filter(|_| args.client_auth != ClientAuth::Off)
    {
        lines.push(format!(
            "  (every client certificate found beside {ca} is revoked by {crl}: certplay \
             refuses this one with the reason, as it should)"
        ));
    }
    let curl = curl.argv();
    Ok(Started {
        bound,
        files,
        lines,
        curl,
    })
}

/// `certplay serve`: until Ctrl-C or SIGTERM.
pub fn run(args: &ServeArgs) -> Result<(), Error> {
    match guard::raise_open_file_limit() {
        Ok((soft, hard)) => tracing::debug!("open-file limit: soft {soft:?}, hard {hard:?}"),
        Err(e) => tracing::warn!("cannot raise the open-file limit: {e}"),
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.map_or_else(default_threads, usize::from))
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        // Signal handlers go in before anything is printed: a SIGTERM or
        // SIGHUP sent as soon as the address shows must not kill the process.
        let shutdown = shutdown_signal()?;
        if args.broken {
            let broken = crate::broken::start(&broken_config(args)).await?;
            for line in &broken.lines {
                say(line);
            }
            broken.serve(shutdown).await;
            return Ok(());
        }
        let hangup = hangup_signal()?;
        let started = start(args).await?;
        for line in &started.lines {
            say(line);
        }
        started.serve(shutdown, Some(hangup)).await;
        Ok(())
    })
}

/// `--broken`'s settings from the flags.
fn broken_config(args: &ServeArgs) -> crate::broken::BrokenConfig {
    crate::broken::BrokenConfig {
        dir: args.broken_dir.clone(),
        bind: args.bind,
        first_port: args.port,
        crypto: args.crypto,
        limits: Limits {
            max_connections: args.max_connections,
            ..Limits::default()
        },
    }
}

/// Why the printed curl command does not use the name a person would try
/// first, when it does not: the words for core's [`Fit`]; `names` are the
/// certificate's.
fn target_warning(target: &Target, names: &[HostName]) -> Option<String> {
    let listed = || {
        let names: Vec<String> = names.iter().map(ToString::to_string).collect();
        names.join(", ")
    };
    let (usual, host) = (&target.usual, &target.host);
    let port = target.url.rsplit(':').next().unwrap_or_default();
    match target.fit {
        Fit::Covered => None,
        Fit::OtherName => Some(format!(
            "the server certificate does not cover {usual} (only {}): curl \
             https://{usual}:{port} would fail with \"no alternative certificate subject name \
             matches\"; the command below connects to this server under the name {host}",
            listed()
        )),
        Fit::NoHostName => Some(
            "the server certificate has no DNS name or IP address among its subjectAltNames: \
             curl (and every browser) will refuse it whatever the URL; issue it with a \
             subjectAltName such as DNS:localhost"
                .to_owned(),
        ),
    }
}

/// SIGHUP, registered early (so one that arrives early is not fatal).
#[cfg(unix)]
pub type Hangup = tokio::signal::unix::Signal;
/// No SIGHUP here.
#[cfg(not(unix))]
pub type Hangup = ();

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
    reloader: Reloader,
    files: Files,
) {
    #[cfg(unix)]
    while hangup.recv().await.is_some() {
        let loaded = files
            .load()
            .and_then(|tls| reloader.reload(&tls).map(|()| tls));
        match loaded {
            Ok(tls) => {
                for warning in &tls.warnings {
                    tracing::warn!("{warning}");
                }
                let crl_note = if files.crls.is_empty() {
                    String::new()
                } else {
                    format!(" and {} CRL file(s)", files.crls.len())
                };
                tracing::info!(
                    "SIGHUP: reloaded {}, {} and {}{crl_note}; new connections use them",
                    files.ca.display(),
                    files.cert.display(),
                    files.key.display()
                );
            }
            Err(e) => tracing::warn!("SIGHUP: kept the running certificates: {e}"),
        }
    }
    #[cfg(not(unix))]
    let _ = (reloader, files);
}

/// Registers for Ctrl-C and SIGTERM now (not when first polled) and returns
/// a future that completes on either.
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
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
    let mut names: Vec<String> = input::plan_beside(dir)
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
fn curl_client(candidates: &[(PathBuf, PathBuf)], crls: &[ServerCrl]) -> CurlClient {
    let revoked_by = |cert: &Path| -> Option<String> {
        let leaf = input::certificate("--cert", cert).ok()?.info;
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
