//! certplay-server: the `certplay` binary's library half.
//!
//! [`bind`] opens the mTLS port and the page's port; [`Bound::run`] serves
//! them until shutdown. The mTLS port answers `Hello World` (and
//! `/whoami`) to every client whose certificate chains to the configured
//! CA, and explains every connection in one [`events::Event`]: logged as
//! one line, kept in a bounded history. [`cli`] is the command line
//! (`certplay serve`, `issue`, `inspect`, ...), one file per command;
//! `main` only parses it, sets up logging and runs it.

#![forbid(unsafe_code)]

pub mod broken;
pub mod cli;
mod error;
pub mod events;
pub mod files;
pub mod guard;
pub mod input;
pub mod issuing;
pub mod keylog;
pub mod lab;
pub mod live;
mod mtls;
pub mod page;
pub mod probe;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use certplay_core::{ClientAuth, MtlsServer, ServerCrl, ServerTls};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::events::History;
use crate::guard::{Acceptor, Limits};
use crate::mtls::{Current, Shared};

pub use error::Error;

/// The rustls crypto provider: both do the same TLS; they differ in speed.
/// BENCHMARKS.md measured both with the same client in one run: aws-lc-rs
/// spent 27 % less server CPU per full RSA-2048 mTLS handshake and the same
/// with P-256 (within the noise), so it is the default. certplay links it
/// anyway, for RSA key generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Crypto {
    /// AWS-LC, through aws-lc-rs.
    #[default]
    AwsLcRs,
    /// ring.
    Ring,
}

impl Crypto {
    /// The provider with every cipher suite and key exchange group it has.
    pub fn provider(self) -> rustls::crypto::CryptoProvider {
        match self {
            Crypto::Ring => rustls::crypto::ring::default_provider(),
            Crypto::AwsLcRs => rustls::crypto::aws_lc_rs::default_provider(),
        }
    }
}

/// Prepares the rustls side of the server with `crypto`'s provider. With
/// `tls13_only`, only TLS 1.3 cipher suites are offered, so TLS 1.2 cannot
/// be negotiated; `client_auth` says where client certificates are judged.
pub fn mtls_server(
    tls: &ServerTls,
    tls13_only: bool,
    client_auth: ClientAuth,
    crypto: Crypto,
) -> Result<Arc<MtlsServer>, Error> {
    Ok(Arc::new(MtlsServer::for_serve(
        tls,
        crypto.provider(),
        tls13_only,
        client_auth,
    )?))
}

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct Config {
    /// The mTLS listener's address.
    pub mtls: SocketAddr,
    /// The page's address, or `None` for no page.
    pub page: Option<SocketAddr>,
    /// Connection caps and timeouts.
    pub limits: Limits,
    /// Connection events kept in memory.
    pub history: usize,
    /// Refuse TLS 1.2 (`--tls13-only`).
    pub tls13_only: bool,
    /// Where client certificates are judged (`--client-auth`).
    pub client_auth: ClientAuth,
    /// The crypto provider (`--crypto`).
    pub crypto: Crypto,
    /// Serve the page from this directory instead of the embedded copy.
    pub page_dir: Option<PathBuf>,
    /// Where each handshake's secrets go (`--keylog`), if anywhere.
    pub key_log: Option<Arc<dyn rustls::KeyLog>>,
    /// The moment (Unix seconds) the verifiers check validity at instead
    /// of the system's time: the handshake lab's clock, on the second
    /// listener `POST /live/lab` starts. `None`: the system's time.
    pub clock: Option<i64>,
}

impl Config {
    /// Loopback on the given ports with default limits.
    pub fn loopback(mtls_port: u16, page_port: Option<u16>) -> Config {
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        Config {
            mtls: SocketAddr::new(ip, mtls_port),
            page: page_port.map(|port| SocketAddr::new(ip, port)),
            limits: Limits::default(),
            history: 1000,
            tls13_only: false,
            client_auth: ClientAuth::Required,
            crypto: Crypto::default(),
            page_dir: None,
            key_log: None,
            clock: None,
        }
    }
}

/// The listeners, bound and ready: [`Bound::run`] serves them.
#[derive(Debug)]
pub struct Bound {
    mtls: Acceptor,
    mtls_addr: SocketAddr,
    page: Option<(Acceptor, SocketAddr)>,
    page_error: Option<Error>,
    shared: Arc<Shared>,
    configured_crls: Arc<RwLock<Vec<ServerCrl>>>,
    history: Arc<History>,
    limits: Limits,
    page_dir: Option<PathBuf>,
}

/// Binds the listeners in `config` with `tls` as the material. A page that
/// cannot listen is not fatal ([`Bound::page_error`] says why); the mTLS
/// port is.
pub async fn bind(config: Config, tls: &ServerTls) -> Result<Bound, Error> {
    // A page directory others can write is refused as --demo-dir is; one
    // that trunk has not made yet is checked at each request.
    if let Some(dir) = config.page_dir.as_deref().filter(|dir| dir.exists()) {
        files::check_served_dir(dir).map_err(Error::Files)?;
    }
    let current = current(
        tls,
        config.tls13_only,
        config.client_auth,
        config.crypto,
        config.key_log.clone(),
        config.clock,
    )?;
    let cap = config.limits.connection_cap();
    let listener = TcpListener::bind(config.mtls)
        .await
        .map_err(|source| Error::Bind {
            what: "the mTLS server",
            address: config.mtls,
            flag: "--port",
            source,
        })?;
    let mtls_addr = listener.local_addr()?;
    let mtls = Acceptor::new(listener, cap, "mTLS");
    let (page, page_error) = match config.page {
        None => (None, None),
        Some(address) => match TcpListener::bind(address).await {
            Ok(listener) => {
                let bound = listener.local_addr()?;
                (Some((Acceptor::new(listener, cap, "page"), bound)), None)
            }
            Err(source) => (
                None,
                Some(Error::Bind {
                    what: "the page",
                    address,
                    flag: "--page-port (or --no-page)",
                    source,
                }),
            ),
        },
    };
    let history = Arc::new(History::new(config.history));
    let shared = Arc::new(Shared::new(current, config.limits.clone(), history.clone()));
    Ok(Bound {
        mtls,
        mtls_addr,
        page,
        page_error,
        shared,
        configured_crls: Arc::new(RwLock::new(tls.crls.clone())),
        history,
        limits: config.limits,
        page_dir: config.page_dir,
    })
}

fn current(
    tls: &ServerTls,
    tls13_only: bool,
    client_auth: ClientAuth,
    crypto: Crypto,
    key_log: Option<Arc<dyn rustls::KeyLog>>,
    clock: Option<i64>,
) -> Result<Current, Error> {
    let mut server = MtlsServer::for_serve(tls, crypto.provider(), tls13_only, client_auth)?;
    if let Some(key_log) = &key_log {
        server = server.with_key_log(key_log.clone());
    }
    if let Some(at) = clock {
        server = server.with_clock(at);
    }
    let server = Arc::new(server);
    let (trusted, sent) = (server.trusted().len(), server.ca_names_sent());
    if sent < trusted {
        tracing::warn!(
            "the {trusted} CA certificates client certificates may chain to are all trusted, \
             but the server's CertificateRequest names only the first {sent} (their names fill \
             the {} bytes certplay sends; curl refuses a request over 100 KiB): {} are left \
             out, and a client that picks its certificate by those names will not offer one \
             of theirs",
            certplay_core::MAX_CA_NAME_BYTES,
            trusted - sent
        );
    }
    Ok(Current {
        server,
        tls13_only,
        crypto,
        key_log,
        server_names: server_names(tls),
    })
}

/// The server certificate's subjectAltNames (`DNS:localhost`, ...), for
/// the log's hints.
fn server_names(tls: &ServerTls) -> Vec<String> {
    tls.cert_chain
        .first()
        .map(|c| {
            c.info
                .subject_alt_names()
                .iter()
                .map(ToString::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Switches the running mTLS listener to new material: connections that
/// are open keep what they started with, new ones get the new material.
#[derive(Debug, Clone)]
pub struct Reloader {
    shared: Arc<Shared>,
    /// The CRLs of `--crl` as last read: material from the page keeps
    /// those of the CAs it trusts.
    configured_crls: Arc<RwLock<Vec<ServerCrl>>>,
}

impl Reloader {
    /// Uses `tls` (read from the `--ca`, `--cert`, `--key` and `--crl`
    /// files) for every connection from now on.
    pub fn reload(&self, tls: &ServerTls) -> Result<(), Error> {
        self.swap(tls)?;
        match self.configured_crls.write() {
            Ok(mut crls) => *crls = tls.crls.clone(),
            Err(poisoned) => *poisoned.into_inner() = tls.crls.clone(),
        }
        Ok(())
    }

    /// Uses `tls` (sent by the page, with its own CRLs if any) from now on,
    /// with the `--crl` CRLs of the CAs it trusts: revocation keeps being
    /// checked. Each configured CRL of another CA is dropped with a warning
    /// in the returned material.
    pub fn load(&self, mut tls: ServerTls) -> Result<ServerTls, Error> {
        let configured = match self.configured_crls.read() {
            Ok(crls) => crls.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let provider = Crypto::default().provider();
        for known in configured {
            let issuer = known.crl.issuer.to_string();
            let file = known.file.clone();
            if let Err(e) = tls.add_crl(&known.file, known.crl, &provider, unix_now()) {
                tls.warnings.push(format!(
                    "--crl {file} (the CRL of {issuer}) is no longer checked: it does not \
                     belong to the CAs now trusted ({e})"
                ));
            }
        }
        self.swap(&tls)?;
        Ok(tls)
    }

    fn swap(&self, tls: &ServerTls) -> Result<(), Error> {
        let now = self.shared.current();
        let (tls13_only, client_auth) = (now.tls13_only, now.server.client_auth());
        self.shared.replace(current(
            tls,
            tls13_only,
            client_auth,
            now.crypto,
            now.key_log.clone(),
            now.server.clock(),
        )?);
        Ok(())
    }
}

impl Bound {
    /// A handle that swaps the TLS material without a restart.
    pub fn reloader(&self) -> Reloader {
        Reloader {
            shared: self.shared.clone(),
            configured_crls: self.configured_crls.clone(),
        }
    }

    /// The mTLS listener's address (with the port picked for port 0).
    pub fn mtls_addr(&self) -> SocketAddr {
        self.mtls_addr
    }

    /// The page's address, when it is served.
    pub fn page_addr(&self) -> Option<SocketAddr> {
        self.page.as_ref().map(|(_, address)| *address)
    }

    /// Why the page is not served, when it was asked for and could not be.
    pub fn page_error(&self) -> Option<&Error> {
        self.page_error.as_ref()
    }

    /// The cap on open connections per listener.
    pub fn connection_cap(&self) -> usize {
        self.mtls.cap()
    }

    /// The connection events, for tests and the page.
    pub fn history(&self) -> Arc<History> {
        self.history.clone()
    }

    /// Serves both listeners until `shutdown` completes, then gives open
    /// connections a few seconds to finish.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let (stop, stopped) = watch::channel(false);
        let reloader = self.reloader();
        let mtls = tokio::spawn(mtls::serve(self.mtls, self.shared.clone(), stopped.clone()));
        let live = Arc::new(live::Live::new(
            self.history.clone(),
            reloader,
            self.mtls_addr,
            self.limits.clone(),
        ));
        let page = self.page.map(|(acceptor, _)| {
            tokio::spawn(page::serve_page(
                acceptor,
                self.limits.clone(),
                self.page_dir,
                Some(live),
                stopped.clone(),
            ))
        });
        let shared = self.shared.clone();
        let window = self.limits.refusal_window;
        let flusher = tokio::spawn(async move {
            let mut tick = tokio::time::interval(window);
            loop {
                tick.tick().await;
                shared.flush_refusal_log();
            }
        });
        shutdown.await;
        let _ = stop.send(true);
        let _ = mtls.await;
        if let Some(page) = page {
            let _ = page.await;
        }
        flusher.abort();
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
