//! `certplay serve --broken`: a local badssl, for testing TLS clients
//! offline. One process serves every endpoint on its own loopback port: a
//! sound server, then each way a server's certificate can be wrong, the
//! two ways of asking for a client certificate, and each TLS version
//! alone. The certificates are made fresh at each start with core's plan
//! and the lab's mutations, and written with what a client needs (the CA
//! everything chains to, the client certificate, the CRL, each endpoint's
//! chain) into a directory certplay owns: it replaces only files its
//! marker lists. Per endpoint, [`BrokenIndex`] says what a correct client
//! must do and what curl, `openssl s_client`, Python's ssl and Node's
//! https client do: core's one prediction table (`lab::clients`).

use std::collections::BTreeMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use certplay_core::commands::{shell_line, Curl, HostName, SClient, Target};
use certplay_core::lab::clients::{Clients, Expected, Program, ServerCertificate};
use certplay_core::lab::{self, alert_for, Case, Prediction, Side, TlsVersion, Verdict};
use certplay_core::verify::{self, Check, Purpose, Reason, ReasonKind};
use certplay_core::{
    read_certificates, read_private_key, ClientAuth, MtlsServer, ServerTls, Source,
};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;

mod make;

use make::{key_of, make, pem_of, served};

use crate::events::History;
use crate::files::Access;
use crate::guard::{Acceptor, Limits};
use crate::mtls::{Current, Shared};
use crate::{Crypto, Error};

/// The JSON file `certplay serve --broken` writes beside the certificates.
pub const INDEX_FILE: &str = "broken.json";
/// The host name every endpoint's URL uses.
const HOST: &str = "localhost";

/// One endpoint, by a stable kebab-case name (`expired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Endpoint {
    /// A sound server: the control.
    Good,
    /// The server certificate's notAfter has passed.
    Expired,
    /// The server certificate's notBefore has not come.
    NotYetValid,
    /// The server certificate is for another host name.
    WrongHost,
    /// The server certificate is its own issuer.
    SelfSigned,
    /// The server certificate comes from a CA the client is not given.
    UntrustedRoot,
    /// The server sends its certificate without the intermediate CA.
    IncompleteChain,
    /// The server certificate is listed in its CA's CRL.
    Revoked,
    /// The host name only in the commonName, no subjectAltName.
    NoSubjectAltName,
    /// An X.509 v1 server certificate.
    #[serde(rename = "x509-v1")]
    X509V1,
    /// An RSA-1024 server key.
    #[serde(rename = "rsa-1024")]
    Rsa1024,
    /// A client certificate is required in the handshake.
    ClientCertificateRequired,
    /// A client certificate is asked for and may be left out.
    ClientCertificateOptional,
    /// TLS 1.2 only.
    #[serde(rename = "tls12-only")]
    Tls12Only,
    /// TLS 1.3 only.
    #[serde(rename = "tls13-only")]
    Tls13Only,
}

impl Endpoint {
    /// Every endpoint, in the order of their ports.
    pub const ALL: [Self; 15] = [
        Self::Good,
        Self::Expired,
        Self::NotYetValid,
        Self::WrongHost,
        Self::SelfSigned,
        Self::UntrustedRoot,
        Self::IncompleteChain,
        Self::Revoked,
        Self::NoSubjectAltName,
        Self::X509V1,
        Self::Rsa1024,
        Self::ClientCertificateRequired,
        Self::ClientCertificateOptional,
        Self::Tls12Only,
        Self::Tls13Only,
    ];

    /// The stable name, as in JSON and in the log's connection ids.
    pub fn name(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Expired => "expired",
            Self::NotYetValid => "not-yet-valid",
            Self::WrongHost => "wrong-host",
            Self::SelfSigned => "self-signed",
            Self::UntrustedRoot => "untrusted-root",
            Self::IncompleteChain => "incomplete-chain",
            Self::Revoked => "revoked",
            Self::NoSubjectAltName => "no-subject-alt-name",
            Self::X509V1 => "x509-v1",
            Self::Rsa1024 => "rsa-1024",
            Self::ClientCertificateRequired => "client-certificate-required",
            Self::ClientCertificateOptional => "client-certificate-optional",
            Self::Tls12Only => "tls12-only",
            Self::Tls13Only => "tls13-only",
        }
    }

    /// What the endpoint serves, in one line.
    pub fn description(self) -> &'static str {
        match self {
            Self::Good => "a sound server: its certificate chains to ca.crt and names localhost",
            Self::Expired => "the server certificate expired 30 days ago",
            Self::NotYetValid => "the server certificate is valid from 30 days from now",
            Self::WrongHost => "the server certificate names another host only",
            Self::SelfSigned => "the server certificate is self-signed (not from ca.crt)",
            Self::UntrustedRoot => "the server certificate comes from another CA than ca.crt",
            Self::IncompleteChain => {
                "the server sends its certificate without the intermediate CA that issued it"
            }
            Self::Revoked => "the server certificate is revoked in revoked.crl, its CA's CRL",
            Self::NoSubjectAltName => {
                "the server certificate names localhost only in its commonName (no subjectAltName)"
            }
            Self::X509V1 => "the server certificate is X.509 v1 (no extensions at all)",
            Self::Rsa1024 => "the server's key is RSA-1024",
            Self::ClientCertificateRequired => {
                "the handshake requires a client certificate from ca.crt (client.crt is one)"
            }
            Self::ClientCertificateOptional => {
                "the server asks for a client certificate, takes the handshake without one and \
                 then answers 401"
            }
            Self::Tls12Only => "the server speaks TLS 1.2 only",
            Self::Tls13Only => "the server speaks TLS 1.3 only",
        }
    }

    /// The plan entry whose certificate and key it serves.
    fn entry(self) -> &'static str {
        match self {
            Self::ClientCertificateRequired
            | Self::ClientCertificateOptional
            | Self::Tls12Only
            | Self::Tls13Only => Self::Good.name(),
            other => other.name(),
        }
    }

    fn client_auth(self) -> ClientAuth {
        match self {
            Self::ClientCertificateRequired => ClientAuth::Required,
            Self::ClientCertificateOptional => ClientAuth::Optional,
            _ => ClientAuth::Off,
        }
    }

    /// The version a client that offers TLS 1.3 and 1.2 gets.
    fn version(self) -> TlsVersion {
        match self {
            Self::Tls12Only => TlsVersion::Tls12,
            _ => TlsVersion::Tls13,
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What `certplay serve --broken` writes as [`INDEX_FILE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenIndex {
    /// The CA every endpoint's certificate chains to (those meant to
    /// chain): what a client is given to trust.
    pub ca: String,
    /// The client certificate and key the client-certificate endpoints
    /// take.
    pub client_cert: String,
    /// Its key.
    pub client_key: String,
    /// The versions of curl and OpenSSL the predictions are for.
    pub clients: Clients,
    /// Every endpoint.
    pub endpoints: Vec<EndpointInfo>,
}

/// One endpoint as [`BrokenIndex`] lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointInfo {
    /// Which one.
    pub name: Endpoint,
    /// What it serves, in words.
    pub description: String,
    /// `https://localhost:PORT`.
    pub url: String,
    /// Where it listens.
    pub address: SocketAddr,
    /// The chain it sends (a file beside `ca`).
    pub chain: String,
    /// The CRL a client checks it against, if any (`revoked`).
    pub crl: Option<String>,
    /// The version a client offering TLS 1.3 and 1.2 gets.
    pub tls_version: TlsVersion,
    /// A correct client (rustls, a browser) refuses the server.
    pub refuse: bool,
    /// What a correct client must do, in words.
    pub must: String,
    /// core's reason for refusing the server certificate, if it does.
    pub reason: Option<Reason>,
    /// Each way to try it: without, then (the client-certificate
    /// endpoints) with the client certificate.
    pub tries: Vec<Try>,
}

/// One way to try an endpoint, and what each client program does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Try {
    /// The client presents client.crt and client.key.
    pub client_certificate: bool,
    /// The curl command, as arguments.
    pub curl: Vec<String>,
    /// What curl prints and its exit code.
    pub curl_prints: Expected,
    /// The `openssl s_client` command, as arguments (a request on its
    /// input, with `-ign_eof`).
    pub openssl: Vec<String>,
    /// What it prints and its exit code.
    pub openssl_prints: Expected,
    /// Per program: true when it gets an HTTP answer, false when it
    /// refuses or is refused.
    pub accepted: BTreeMap<Program, bool>,
    /// The HTTP status of the answer, when there is one.
    pub status: u16,
}

/// Where and how to serve the endpoints.
#[derive(Debug, Clone)]
pub struct BrokenConfig {
    /// Where the certificates and [`INDEX_FILE`] go.
    pub dir: PathBuf,
    /// The address every endpoint listens on.
    pub bind: IpAddr,
    /// The first endpoint's port; the others follow it in
    /// [`Endpoint::ALL`]'s order. 0: each a free port.
    pub first_port: u16,
    /// The crypto provider of every endpoint but `rsa-1024`.
    pub crypto: Crypto,
    /// Connection caps and timeouts.
    pub limits: Limits,
}

/// The endpoints, bound: [`Broken::serve`] serves them.
#[derive(Debug)]
pub struct Broken {
    listeners: Vec<(Acceptor, Arc<Shared>)>,
    /// What the endpoints are and what clients do there.
    pub index: BrokenIndex,
    /// The table `certplay serve --broken` prints, one line each.
    pub lines: Vec<String>,
}

/// Makes the certificates, writes them, binds every endpoint and says
/// what `certplay serve --broken` prints, without printing it.
pub async fn start(config: &BrokenConfig) -> Result<Broken, Error> {
    let made = make()?;
    let now = crate::unix_now();
    let clients = Clients::CHECKED;
    let dir = config.dir.display().to_string();
    let in_dir = |name: &str| {
        config
            .dir
            .join(name)
            .into_os_string()
            .into_string()
            .unwrap_or_else(|path| path.to_string_lossy().into_owned())
    };
    let (ca_path, client_cert, client_key, crl_path) = (
        in_dir("ca.crt"),
        in_dir("client.crt"),
        in_dir("client.key"),
        in_dir("revoked.crl"),
    );
    let ca_pem = pem_of(&made.issued, "ca")?;
    let ca_info: Vec<_> = read_certificates(Source::new("ca.crt", ca_pem.as_bytes()))?
        .into_iter()
        .map(|c| c.info)
        .collect();
    let crls = certplay_core::read_crls(Source::new("revoked.crl", made.crl_pem.as_bytes()))?;

    let mut files: Vec<(String, Vec<u8>, Access)> = vec![
        ("ca.crt".into(), ca_pem.clone().into_bytes(), Access::Public),
        (
            "client.crt".into(),
            pem_of(&made.issued, "client")?.into_bytes(),
            Access::Public,
        ),
        (
            "client.key".into(),
            key_of(&made.issued, "client")?.into_bytes(),
            Access::Private,
        ),
        (
            "revoked.crl".into(),
            made.crl_pem.clone().into_bytes(),
            Access::Public,
        ),
    ];
    let history = Arc::new(History::new(1000));
    let cap = config.limits.connection_cap();
    let mut listeners = Vec::new();
    let mut endpoints = Vec::new();
    for (offset, endpoint) in (0u16..).zip(Endpoint::ALL) {
        let (chain_pem, key_pem) = served(&made, endpoint)?;
        let chain_file = format!("{}.crt", endpoint.entry());
        let tls = ServerTls {
            client_cas: read_certificates(Source::new("ca.crt", ca_pem.as_bytes()))?,
            cert_chain: read_certificates(Source::new(&chain_file, chain_pem.as_bytes()))?,
            key: read_private_key(Source::new(
                &format!("{}.key", endpoint.entry()),
                key_pem.as_bytes(),
            ))?
            .der,
            warnings: Vec::new(),
            crls: Vec::new(),
        };
        let server = Arc::new(MtlsServer::for_serve(
            &tls,
            provider(endpoint, config.crypto),
            endpoint == Endpoint::Tls13Only,
            endpoint.client_auth(),
        )?);
        let port = match config.first_port {
            0 => 0,
            first => first.checked_add(offset).ok_or_else(|| {
                Error::Usage(format!(
                    "--port {first}: the {} endpoints need the {} ports from it",
                    Endpoint::ALL.len(),
                    Endpoint::ALL.len()
                ))
            })?,
        };
        let asked = SocketAddr::new(config.bind, port);
        let listener = TcpListener::bind(asked)
            .await
            .map_err(|source| Error::Bind {
                what: "a broken endpoint",
                address: asked,
                flag: "--port (0: free ports)",
                source,
            })?;
        let address = listener.local_addr()?;
        let current = Current {
            server,
            server_names: crate::server_names(&tls),
            tls13_only: endpoint == Endpoint::Tls13Only,
            crypto: config.crypto,
            key_log: None,
        };
        let shared = Arc::new(
            Shared::new(current, config.limits.clone(), history.clone())
                .with_id_prefix(endpoint.name()),
        );
        listeners.push((Acceptor::new(listener, cap, endpoint.name()), shared));

        let served_chain: Vec<_> = tls.cert_chain.iter().map(|c| c.info.clone()).collect();
        let server_certificate = match served_chain.split_first() {
            Some((leaf, intermediates)) => {
                let with_crl = endpoint == Endpoint::Revoked;
                let check = Check {
                    anchors: &ca_info,
                    intermediates,
                    crls: if with_crl { &crls[..] } else { &[] },
                    purpose: Purpose::Server { host: HOST.into() },
                    at: now,
                };
                let verdict = verify::verify(leaf, &check, &verify::provider::verifying());
                ServerCertificate::of(leaf, verdict)
            }
            None => ServerCertificate::Sound,
        };
        let target = Target::new(&[HostName::Dns(HOST.into())], address);
        let crl = (endpoint == Endpoint::Revoked).then(|| crl_path.clone());
        let tried = |client_certificate: bool| {
            let identity =
                client_certificate.then_some((client_cert.as_str(), client_key.as_str()));
            let mut curl = Curl {
                cacert: &ca_path,
                client: identity,
                target: &target,
            }
            .argv();
            let mut openssl = SClient {
                cacert: &ca_path,
                client: identity,
                target: &target,
                listen: address,
            }
            .argv();
            if let Some(crl) = &crl {
                let url = curl.pop();
                curl.extend(["--crlfile".into(), crl.clone()]);
                curl.extend(url);
                openssl.extend(["-CRL".into(), crl.clone(), "-crl_check".into()]);
            }
            (curl, openssl)
        };
        let mut tries = Vec::new();
        match endpoint.client_auth() {
            ClientAuth::Off => {
                let (curl, openssl) = tried(false);
                tries.push(Try {
                    client_certificate: false,
                    curl,
                    curl_prints: clients.curl_against(&server_certificate),
                    openssl,
                    openssl_prints: clients.openssl_against(&server_certificate),
                    accepted: Program::ALL
                        .into_iter()
                        .map(|p| (p, server_certificate.accepted_by(p)))
                        .collect(),
                    status: 200,
                });
            }
            ClientAuth::Required => {
                let without = Prediction {
                    case: Case::NoClientCertificate,
                    version: Some(endpoint.version()),
                    verdict: Verdict::Refused {
                        by: Side::Server,
                        alert: alert_for(ReasonKind::NoClientCertificate),
                        reason: Reason::NoClientCertificate,
                    },
                };
                let with = Prediction {
                    case: Case::AsIssued,
                    version: Some(endpoint.version()),
                    verdict: Verdict::Accepted,
                };
                for (client_certificate, prediction) in [(false, without), (true, with)] {
                    let (curl, openssl) = tried(client_certificate);
                    tries.push(Try {
                        client_certificate,
                        curl,
                        curl_prints: clients.curl(&prediction),
                        openssl,
                        openssl_prints: clients.openssl(&prediction),
                        accepted: Program::ALL
                            .into_iter()
                            .map(|p| (p, client_certificate))
                            .collect(),
                        status: 200,
                    });
                }
            }
            ClientAuth::Optional => {
                for client_certificate in [false, true] {
                    let (curl, openssl) = tried(client_certificate);
                    // The handshake takes either; the answer is the
                    // server's own: 401 with the reason, or Hello World.
                    let (status, words) = if client_certificate {
                        (200, "Hello World")
                    } else {
                        (401, "401 Unauthorized")
                    };
                    tries.push(Try {
                        client_certificate,
                        curl,
                        curl_prints: Expected::one(0, words),
                        openssl,
                        openssl_prints: Expected::one(0, words),
                        accepted: Program::ALL.into_iter().map(|p| (p, true)).collect(),
                        status,
                    });
                }
            }
        }
        let (refuse, must, reason) = judged(endpoint, &server_certificate);
        if !files.iter().any(|(name, _, _)| *name == chain_file) {
            files.push((chain_file.clone(), chain_pem.into_bytes(), Access::Public));
        }
        endpoints.push(EndpointInfo {
            name: endpoint,
            description: endpoint.description().into(),
            url: target.url.clone(),
            address,
            chain: in_dir(&chain_file),
            crl,
            tls_version: endpoint.version(),
            refuse,
            must,
            reason,
            tries,
        });
    }
    let index = BrokenIndex {
        ca: ca_path.clone(),
        client_cert: client_cert.clone(),
        client_key: client_key.clone(),
        clients,
        endpoints,
    };
    let json = serde_json::to_string_pretty(&index)
        .map_err(|e| Error::Usage(format!("cannot write {INDEX_FILE}: {e}")))?;
    files.push((INDEX_FILE.into(), json.into_bytes(), Access::Public));
    crate::cli::demo::replace_made(
        &config.dir,
        &files,
        "Pass --broken-dir with a new or empty directory",
    )?;
    let lines = table(&index, &dir);
    Ok(Broken {
        listeners,
        index,
        lines,
    })
}

impl Broken {
    /// Serves every endpoint until `shutdown` completes.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        let mut shareds = Vec::new();
        for (acceptor, shared) in self.listeners {
            shareds.push(shared.clone());
            tasks.push(tokio::spawn(crate::mtls::serve(
                acceptor,
                shared,
                stopped.clone(),
            )));
        }
        let window = Limits::default().refusal_window;
        let flusher = tokio::spawn(async move {
            let mut tick = tokio::time::interval(window);
            loop {
                tick.tick().await;
                for shared in &shareds {
                    shared.flush_refusal_log();
                }
            }
        });
        shutdown.await;
        let _ = stop.send(true);
        for task in tasks {
            let _ = task.await;
        }
        flusher.abort();
        tracing::info!("stopped");
    }
}

/// Whether a correct client refuses, what it must do, and core's reason.
fn judged(endpoint: Endpoint, server: &ServerCertificate) -> (bool, String, Option<Reason>) {
    let reason = match server {
        ServerCertificate::Refused(reason)
        | ServerCertificate::CommonNameOnly(reason)
        | ServerCertificate::X509V1(reason) => Some(reason.clone()),
        ServerCertificate::Sound | ServerCertificate::WeakKey { .. } => None,
    };
    let must = match (server, endpoint) {
        (ServerCertificate::WeakKey { bits }, _) => format!("refuse: RSA-{bits} (under 2048)"),
        (ServerCertificate::Sound, Endpoint::ClientCertificateRequired) => {
            "send client.crt (refused without)".into()
        }
        (ServerCertificate::Sound, Endpoint::ClientCertificateOptional) => {
            "connect with or without client.crt".into()
        }
        (_, Endpoint::Revoked) => format!(
            "refuse: {} (checking revoked.crl)",
            reason
                .as_ref()
                .map_or("the certificate", |r| r.kind().name())
        ),
        (ServerCertificate::Sound, Endpoint::Tls12Only) => "accept, over TLS 1.2".into(),
        (ServerCertificate::Sound, Endpoint::Tls13Only) => "accept, over TLS 1.3".into(),
        (ServerCertificate::Sound, _) => "accept".into(),
        (_, _) => format!(
            "refuse: {}",
            reason
                .as_ref()
                .map_or("the certificate", |r| r.kind().name())
        ),
    };
    (server.refused(), must, reason)
}

/// The table `certplay serve --broken` prints.
fn table(index: &BrokenIndex, dir: &str) -> Vec<String> {
    let mut lines = vec![format!(
        "certplay: {} broken endpoints for testing TLS clients; made fresh in {dir}/: trust \
         {} (client certificate: {} and {})",
        index.endpoints.len(),
        index.ca,
        index.client_cert,
        index.client_key
    )];
    let url_width = index
        .endpoints
        .iter()
        .map(|e| e.url.len())
        .max()
        .unwrap_or(0);
    let name_width = index
        .endpoints
        .iter()
        .flat_map(|e| {
            e.tries.iter().map(|t| {
                e.name.name().len()
                    + if t.client_certificate {
                        " +client.crt".len()
                    } else {
                        0
                    }
            })
        })
        .max()
        .unwrap_or(0);
    let must_width = index
        .endpoints
        .iter()
        .map(|e| e.must.len())
        .max()
        .unwrap_or(0);
    lines.push(format!(
        "  {:url_width$}  {:name_width$}  {:must_width$}  what curl prints (curl {})",
        "URL", "endpoint", "a correct client must", index.clients.curl
    ));
    for endpoint in &index.endpoints {
        for (i, tried) in endpoint.tries.iter().enumerate() {
            let name = if tried.client_certificate {
                format!("{} +client.crt", endpoint.name)
            } else {
                endpoint.name.to_string()
            };
            let must = if i == 0 { endpoint.must.as_str() } else { "" };
            let curl = tried
                .curl_prints
                .printed
                .first()
                .map(|p| format!("exit {}: {}", p.exit, p.words))
                .unwrap_or_default();
            lines.push(format!(
                "  {:url_width$}  {name:name_width$}  {must:must_width$}  {curl}",
                endpoint.url
            ));
        }
    }
    let example = index
        .endpoints
        .iter()
        .find(|e| e.name == Endpoint::Expired)
        .and_then(|e| e.tries.first())
        .map(|t| shell_line(&t.curl))
        .unwrap_or_default();
    lines.push(format!(
        "certplay: the same as JSON, with the openssl s_client commands and what Python and \
         Node do, in {dir}/{INDEX_FILE}"
    ));
    lines.push("Try the expired one:".into());
    lines.push(format!("  {example}"));
    lines
}

/// The provider an endpoint signs with: core's pure-Rust one for
/// RSA-1024 (aws-lc-rs and ring refuse to sign with a key under 2048
/// bits), TLS 1.2's suites only for `tls12-only`.
fn provider(endpoint: Endpoint, crypto: Crypto) -> rustls::crypto::CryptoProvider {
    match endpoint {
        Endpoint::Rsa1024 => lab::crypto::provider(),
        Endpoint::Tls12Only => {
            let mut provider = crypto.provider();
            provider
                .cipher_suites
                .retain(|suite| suite.version() == &rustls::version::TLS12);
            provider
        }
        _ => crypto.provider(),
    }
}
