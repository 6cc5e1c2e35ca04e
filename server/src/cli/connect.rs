//! `certplay connect HOST:PORT`: what someone else's TLS server sends, what
//! it asks of a client, and why it refuses a client certificate, in words.
//! Each TLS version is tried without a client certificate (which also
//! tells whether one is required), then, with `--cert`/`--key`, once more
//! with it. The server's chain is checked by core's verifier against
//! `--ca` or the system's trust store (and `--crl`: a CRL that does not
//! cover the server's certificate refuses it, as curl's `--crlfile` does).
//! Exit 0 accepted, 1 refused (also when the handshake completed and the
//! server refused the request in HTTP, where curl without `--fail` exits
//! 0), 2 could not connect or read.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use certplay_core::escape::escape;
use certplay_core::lab::clients::{Clients, Expected, ServerCertificate};
use certplay_core::lab::TlsVersion;
use certplay_core::read::{self, lint, Certificate};
use certplay_core::verify::{self, Check, ClientCertificateRefused, Misfit, Purpose, Reason};
use certplay_core::{read_certificates, read_private_key, Source};
use clap::Args;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;
use rustls::{ProtocolVersion, SupportedProtocolVersion};
use serde::Serialize;

use crate::cli::input;
use crate::cli::output::{self, Verdict};
use crate::probe::{self, Attempt, Outcome, Seen, Target};
use crate::{unix_now, Error};

mod identity;
mod words;
use identity::client;
use words::words;

/// What `certplay connect` tries.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The server: HOST:PORT, HOST (port 443), or an https:// URL (its path
    /// is what GET asks for).
    #[arg(value_name = "HOST:PORT")]
    target: String,
    /// The CAs to check the server's chain against (PEM or DER); without
    /// it, the system's trust store.
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// A CRL to check the server's chain against (PEM or DER), repeated
    /// for more (curl's --crlfile), with --ca or the system's trust store.
    /// One must be from the server certificate's issuer, or the chain is
    /// refused as curl refuses it.
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// A client certificate to present (PEM or DER, its chain may follow
    /// it in the same file, with --key), or a PKCS#12 file (.p12, .pfx)
    /// holding the certificate, its chain and its key (with --password).
    #[arg(long, value_name = "FILE")]
    cert: Option<PathBuf>,
    /// The client certificate's private key (PEM or DER: PKCS#8, PKCS#1,
    /// SEC1, or encrypted PKCS#8 with --key-pass).
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
    /// The password of an encrypted --key: pass:TEXT, env:VARIABLE or
    /// file:PATH.
    #[arg(long, value_name = "SPEC", requires = "key")]
    key_pass: Option<String>,
    /// The password of a PKCS#12 --cert: pass:TEXT, env:VARIABLE or
    /// file:PATH (none: the empty password).
    #[arg(long, value_name = "SPEC", requires = "cert", conflicts_with = "key")]
    password: Option<String>,
    /// The name to send (SNI) and check the server's certificate for
    /// (default: the host).
    #[arg(long, value_name = "NAME")]
    servername: Option<String>,
    /// Try TLS 1.2 only.
    #[arg(long, conflicts_with = "tls13")]
    tls12: bool,
    /// Try TLS 1.3 only.
    #[arg(long)]
    tls13: bool,
    /// Print one JSON object instead of words.
    #[arg(long)]
    json: bool,
    /// Seconds each connection may take (connecting, handshake, answer).
    #[arg(long, value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: u64,
}

/// The client's crypto: ring. aws-lc-rs spent about 80 ms of CPU before
/// the first ClientHello of a process (strace: between the socket's connect
/// and the first random bytes), most of what a whole report costs.
const CRYPTO: crate::Crypto = crate::Crypto::Ring;

/// What `connect` found, in one object (`--json`).
#[derive(Debug, Serialize)]
pub struct Report {
    /// `host:port` as connected to.
    pub target: String,
    /// The address that answered.
    pub address: Option<String>,
    /// The name sent as SNI and checked.
    pub server_name: String,
    /// Each version tried.
    pub versions: Vec<VersionTried>,
    /// The server's chain, its own certificate first.
    pub chain: Vec<Summary>,
    /// The chain's verdict.
    pub trust: Option<Trust>,
    /// What the server asks of a client certificate.
    pub client_auth: Option<ClientAuth>,
    /// The connection with `--cert`.
    pub client_certificate: Option<Presented>,
    /// When nothing could be learned: why.
    pub failure: Option<String>,
    /// `accepted`, `refused` or `unreachable` (exit 0, 1, 2).
    pub verdict: &'static str,
    /// Why, in words.
    pub why: String,
}

/// One TLS version, tried without a client certificate.
#[derive(Debug, Serialize)]
pub struct VersionTried {
    /// `TLS 1.3`.
    pub version: &'static str,
    /// True when the server chose it.
    pub accepted: bool,
    /// The cipher suite chosen.
    pub suite: Option<String>,
    /// The key exchange group chosen.
    pub group: Option<String>,
    /// The ALPN protocol chosen (h2 and http/1.1 offered).
    pub alpn: Option<String>,
    /// How it ended, in words.
    pub outcome: String,
}

/// One certificate of the chain, summarized.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Subject (RFC 4514).
    pub subject: String,
    /// Issuer.
    pub issuer: String,
    /// notBefore (RFC 3339).
    pub not_before: String,
    /// notAfter.
    pub not_after: String,
    /// subjectAltName entries.
    pub subject_alt_names: Vec<String>,
    /// Key type and size.
    pub key: String,
    /// Lints at warning level or above: `id: message`.
    pub lints: Vec<String>,
    /// When the certificate could not be read: why.
    pub unreadable: Option<String>,
}

/// The chain's verdict.
#[derive(Debug, Serialize)]
pub struct Trust {
    /// What it was checked against (`ca.crt`, `the system's trust store`).
    pub against: String,
    /// How many CAs that holds.
    pub anchors: usize,
    /// Why it is refused; `None` when it verifies.
    pub refused: Option<Reason>,
    /// With `--crl`: what the CRLs said of the server's certificate.
    pub revocation: Option<String>,
    /// The same in words.
    pub words: String,
    /// What curl prints against this chain, given the same CAs, when a
    /// correct client refuses it (core's prediction table, for
    /// [`Clients::CHECKED`]).
    pub curl: Option<Expected>,
}

/// What the server asks of a client certificate.
#[derive(Debug, Serialize)]
pub struct ClientAuth {
    /// `required`, `optional` or `not asked`; `not reached` when this
    /// client refused the server's certificate first, `unknown` when the
    /// connection without one ended otherwise.
    pub mode: &'static str,
    /// The CA names it listed (RFC 4514).
    pub ca_names: Vec<String>,
    /// The signature schemes it accepts.
    pub signature_schemes: Vec<String>,
    /// What a connection without a client certificate got, in words.
    pub without_certificate: String,
    /// The HTTP status line without one, when it answered.
    pub http: Option<String>,
    /// The first line of the answer's body, when it refused (the
    /// server's reason, when it gives one in plain text).
    pub says: Option<String>,
}

/// The connection with the client certificate.
#[derive(Debug, Serialize)]
pub struct Presented {
    /// The certificate's subject.
    pub subject: String,
    /// True when the server took it (the handshake completed and no alert
    /// followed).
    pub accepted: bool,
    /// Whether the server asked for it at all.
    pub asked: bool,
    /// The server's alert, when it refused.
    pub refused: Option<ClientCertificateRefused>,
    /// What happened, in words.
    pub words: String,
    /// The HTTP status line, when it answered.
    pub http: Option<String>,
    /// The first line of the answer's body, when it refused.
    pub says: Option<String>,
    /// certplay's own prediction: what stands against this certificate
    /// for this server (CA names, validity, purpose).
    pub prediction: Vec<Misfit>,
    /// What curl prints when the server refuses it with the same alert
    /// (core's prediction table, for [`Clients::CHECKED`]).
    pub curl: Option<Expected>,
}

/// `certplay connect`.
pub fn run(args: &ConnectArgs) -> Result<Verdict, Error> {
    let target = target(args)?;
    let timeout = Duration::from_secs(args.timeout);
    let anchors = anchors(args)?;
    let client = client(args)?;
    let provider = Arc::new(CRYPTO.provider());
    let versions: Vec<&'static SupportedProtocolVersion> = if args.tls12 {
        vec![&rustls::version::TLS12]
    } else if args.tls13 {
        vec![&rustls::version::TLS13]
    } else {
        vec![&rustls::version::TLS13, &rustls::version::TLS12]
    };
    let plan = Plan {
        target: &target,
        versions,
        timeout,
        provider: &provider,
    };
    let report = examine(&plan, &anchors, client.as_ref());
    let verdict = match report.verdict {
        "accepted" => Verdict::Valid,
        "refused" => Verdict::Invalid,
        _ => Verdict::Unreadable,
    };
    if args.json {
        let json =
            serde_json::to_string_pretty(&report).map_err(|e| Error::Usage(e.to_string()))?;
        output::emit(&format!("{json}\n"));
    } else {
        output::emit(&words(&report));
    }
    Ok(verdict)
}

/// The trust anchors and what they are called, and the CRLs the server's
/// certificate is checked against.
struct Anchors {
    name: String,
    certificates: Vec<Certificate>,
    crls: Vec<read::Crl>,
}

/// The client certificate, read.
struct ClientFiles {
    key: Arc<CertifiedKey>,
    chain: Vec<Certificate>,
}

fn target(args: &ConnectArgs) -> Result<Target, Error> {
    let bad = |why: &str| Error::Flag {
        flag: "HOST:PORT",
        value: args.target.clone(),
        why: why.into(),
    };
    let given = args.target.trim();
    let (rest, url) = match given.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (rest, true),
        Some(_) => return Err(bad("only https:// URLs (or HOST:PORT)")),
        None => (given, false),
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    if !url && path != "/" {
        return Err(bad("a path needs an https:// URL"));
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        // [::1]:443
        let (host, after) = inner
            .split_once(']')
            .ok_or_else(|| bad("an IPv6 address goes in brackets: [::1]:443"))?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => 443,
        Some(port) => port
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad("the port is a number from 1 to 65535"))?,
    };
    if host.is_empty() {
        return Err(bad("name a host: HOST:PORT or https://HOST:PORT"));
    }
    Ok(Target {
        host: host.to_owned(),
        port,
        server_name: args.servername.clone().unwrap_or_else(|| host.to_owned()),
        path: if path.is_empty() {
            "/".into()
        } else {
            path.to_owned()
        },
    })
}

fn anchors(args: &ConnectArgs) -> Result<Anchors, Error> {
    let mut crls = Vec::new();
    let mut crl_names = Vec::new();
    for path in &args.crl {
        let file = input::file("--crl", path)?;
        let found: Vec<read::Crl> = read::read(&file.name, &file.bytes)?
            .into_iter()
            .filter_map(|item| match item {
                read::Item::Crl(crl) => Some(*crl),
                _ => None,
            })
            .collect();
        if found.is_empty() {
            return Err(Error::Empty {
                file: file.name,
                what: "CRL",
            });
        }
        crls.extend(found);
        crl_names.push(file.name);
    }
    let with_crls = |mut name: String| {
        if !crl_names.is_empty() {
            name.push_str(&format!(" with {}", crl_names.join(", ")));
        }
        name
    };
    if let Some(path) = &args.ca {
        let certificates = input::certificates("--ca", path)?
            .into_iter()
            .map(|c| c.info)
            .collect();
        return Ok(Anchors {
            name: with_crls(path.display().to_string()),
            certificates,
            crls,
        });
    }
    let found = rustls_native_certs::load_native_certs();
    let certificates = found
        .certs
        .iter()
        .filter_map(|der| Certificate::from_der(der.as_ref()).ok())
        .collect();
    Ok(Anchors {
        name: with_crls("the system's trust store".into()),
        certificates,
        crls,
    })
}

fn version_name(version: &SupportedProtocolVersion) -> &'static str {
    match version.version {
        ProtocolVersion::TLSv1_3 => "TLS 1.3",
        _ => "TLS 1.2",
    }
}

/// The connections to make.
struct Plan<'a> {
    target: &'a Target,
    versions: Vec<&'static SupportedProtocolVersion>,
    timeout: Duration,
    provider: &'a Arc<CryptoProvider>,
}

/// Every connection, and the report.
fn examine(plan: &Plan<'_>, anchors: &Anchors, client: Option<&ClientFiles>) -> Report {
    let target = plan.target;
    let now = unix_now();
    let mut report = Report {
        target: format!("{}:{}", target.host, target.port),
        address: None,
        server_name: target.server_name.clone(),
        versions: Vec::new(),
        chain: Vec::new(),
        trust: None,
        client_auth: None,
        client_certificate: None,
        failure: None,
        verdict: "unreachable",
        why: String::new(),
    };
    let mut probes: Vec<(&'static SupportedProtocolVersion, Seen)> = Vec::new();
    for version in &plan.versions {
        let seen = probe::connect(
            target,
            &Attempt {
                versions: vec![*version],
                client: None,
                alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
                request: true,
                timeout: plan.timeout,
            },
            plan.provider,
        );
        let accepted = seen.version == Some(version.version);
        report.versions.push(VersionTried {
            version: version_name(version),
            accepted,
            suite: accepted
                .then(|| seen.suite.map(|s| format!("{s:?}")))
                .flatten(),
            group: accepted
                .then(|| seen.group.map(|g| format!("{g:?}")))
                .flatten(),
            alpn: accepted.then(|| seen.alpn.clone()).flatten(),
            outcome: if accepted {
                "accepted".into()
            } else {
                refusal_words(&seen.outcome, plan.timeout)
            },
        });
        report.address = report.address.or(seen.address.map(|a| a.to_string()));
        probes.push((version, seen));
    }
    let Some((_, first)) = probes
        .iter()
        .find(|(v, seen)| seen.version == Some(v.version))
    else {
        let failure = probes
            .first()
            .map(|(_, seen)| refusal_words(&seen.outcome, plan.timeout))
            .unwrap_or_default();
        report.failure = Some(if probes.iter().all(|(_, s)| incompatible(&s.outcome)) {
            format!(
                "the server accepts none of {} (it may speak only an older TLS version, which \
                 certplay does not offer): {failure}",
                plan.versions
                    .iter()
                    .map(|v| version_name(v))
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        } else {
            failure
        });
        report.why = format!(
            "no connection got through: {}",
            report.failure.as_deref().unwrap_or_default()
        );
        return report;
    };
    let chain: Vec<Certificate> = first
        .chain
        .iter()
        .filter_map(|der| Certificate::from_der(der.as_ref()).ok())
        .collect();
    report.chain = first
        .chain
        .iter()
        .map(|der| summary(der.as_ref(), now))
        .collect();
    report.trust = Some(trust(&chain, anchors, target, plan.provider, now));
    let mut auth = client_auth(first, plan.timeout);
    if auth.http.is_none() && first.alpn.as_deref() == Some("h2") && first.outcome.handshake_done()
    {
        // The probe chose HTTP/2 and was not sent HTTP/1.1: once more, for
        // the answer a client without a certificate gets.
        let seen = probe::connect(target, &http1(plan, None), plan.provider);
        if let Outcome::Answered { first_line, says } = seen.outcome {
            auth.http = first_line;
            auth.says = says;
        }
    }
    let asked_names: Vec<read::model::Name> = first
        .asked
        .iter()
        .flat_map(|a| a.ca_names.iter())
        .filter_map(|der| read::read_name(der).ok())
        .collect();
    if auth.mode == "optional" && http_refused(auth.http.as_deref()) {
        // nginx's `ssl_verify_client on` and certplay's `--client-auth
        // optional` take any handshake and refuse in HTTP.
        auth.mode = "required in HTTP";
        auth.without_certificate = format!(
            "the handshake completed with no client certificate sent, and GET was refused: {}",
            escape(auth.http.as_deref().unwrap_or_default())
        );
    }
    let required = auth.mode.starts_with("required");
    report.client_auth = Some(auth);
    if let Some(client) = client {
        let seen = probe::connect(target, &http1(plan, Some(client)), plan.provider);
        report.client_certificate = Some(presented(&seen, client, &asked_names, plan.timeout, now));
    }
    let trusted = report.trust.as_ref().is_some_and(|t| t.refused.is_none());
    let admitted = match &report.client_certificate {
        Some(presented) => presented.accepted,
        None => !required,
    };
    report.verdict = if trusted && admitted {
        "accepted"
    } else {
        "refused"
    };
    report.why = why(&report, trusted);
    report
}

/// The verdict's reason, in words: what was refused, by whom, and (for a
/// refusal in HTTP) why curl's exit code differs from connect's.
fn why(report: &Report, trusted: bool) -> String {
    if !trusted {
        return "this client refused the server's certificate (see trust)".into();
    }
    let in_http = |http: Option<&str>, says: Option<&str>| {
        let mut answer = escape(http.unwrap_or_default()).into_owned();
        if let Some(says) = says {
            let _ = write!(answer, " (\"{}\")", escape(says));
        }
        format!(
            "{answer}: the handshake completed, and the server refused the request in HTTP \
             (curl exits 0 on such an answer, since it got one, and prints it; curl --fail \
             exits 22)"
        )
    };
    match (&report.client_certificate, &report.client_auth) {
        (Some(presented), _) if presented.accepted => format!(
            "the server took the client certificate {}{}",
            escape(&presented.subject),
            presented
                .http
                .as_deref()
                .map(|h| format!(" and answered GET: {}", escape(h)))
                .unwrap_or_default()
        ),
        (Some(presented), _) if presented.http.is_some() && !presented.asked => format!(
            "the server asked for no client certificate (so none was sent), and answered GET {}",
            in_http(presented.http.as_deref(), presented.says.as_deref())
        ),
        (Some(presented), _) if presented.http.is_some() => format!(
            "the server refused the client certificate {}, answering GET {}",
            escape(&presented.subject),
            in_http(presented.http.as_deref(), presented.says.as_deref())
        ),
        (Some(presented), _) => format!(
            "the server refused the client certificate {}: {}",
            escape(&presented.subject),
            presented.words
        ),
        (None, Some(auth)) if auth.mode == "required in HTTP" => format!(
            "no client certificate was sent (give one with --cert and --key), and the server \
             answered GET {}",
            in_http(auth.http.as_deref(), auth.says.as_deref())
        ),
        (None, Some(auth)) if auth.mode.starts_with("required") => format!(
            "no client certificate was sent (give one with --cert and --key), and the server \
             requires one: {}",
            auth.without_certificate
        ),
        (None, Some(auth)) if auth.mode == "not asked" => match &auth.http {
            Some(http) => format!(
                "the server asks for no client certificate; GET was answered {}",
                escape(http)
            ),
            None => "the server asks for no client certificate".into(),
        },
        (None, Some(auth)) => match &auth.http {
            Some(http) => format!(
                "the server let this client in without a client certificate: GET was answered \
                 {}",
                escape(http)
            ),
            None => "the server let this client in without a client certificate".into(),
        },
        (None, None) => "the chain verified".into(),
    }
}

/// A connection that offers HTTP/1.1 only and sends `GET`.
fn http1(plan: &Plan<'_>, client: Option<&ClientFiles>) -> Attempt {
    Attempt {
        versions: plan.versions.clone(),
        client: client.map(|c| c.key.clone()),
        alpn: vec![b"http/1.1".to_vec()],
        request: true,
        timeout: plan.timeout,
    }
}

/// True when an HTTP status line refuses the client: 400 (nginx's answer
/// to a missing or refused certificate), 401, 403, 495 or 496 (nginx's own
/// codes for a certificate error and for none).
fn http_refused(status_line: Option<&str>) -> bool {
    status_line
        .and_then(|line| line.split_whitespace().nth(1))
        .is_some_and(|code| ["400", "401", "403", "495", "496"].contains(&code))
}

/// True when the outcome says the two sides share no TLS version.
fn incompatible(outcome: &Outcome) -> bool {
    matches!(
        outcome,
        Outcome::Tls {
            error: rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion)
                | rustls::Error::PeerIncompatible(_),
            ..
        }
    )
}

/// How a connection that did not get through ended, in words.
fn refusal_words(outcome: &Outcome, timeout: Duration) -> String {
    let seconds = timeout.as_secs();
    match outcome {
        Outcome::Answered { .. } | Outcome::Silent => "accepted".into(),
        Outcome::ClosedAfterHandshake => "refused: the server closed the connection right \
                                          after the handshake, without an answer or a TLS \
                                          alert (servers that check the client certificate \
                                          after the handshake refuse it so: Node's https with \
                                          rejectUnauthorized, for one; its own log says why)"
            .into(),
        Outcome::Tls {
            error: rustls::Error::AlertReceived(alert),
            ..
        } => format!("refused: {}", ClientCertificateRefused { alert: *alert }),
        Outcome::Tls {
            error: rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. },
            after_handshake: false,
        } => "not TLS: the server answered the ClientHello with something else (a plain \
              HTTP or other service on this port?)"
            .into(),
        Outcome::Tls { error, .. } => {
            let reason = verify::explain(error, None, &no_check());
            format!("refused: {}", escape(&reason.to_string()))
        }
        Outcome::ClosedDuringHandshake => {
            "the server closed the connection during the handshake, without a TLS alert".into()
        }
        Outcome::Unreachable(e) => match e.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                "could not connect: nothing listens there (connection refused)".into()
            }
            std::io::ErrorKind::TimedOut => {
                format!("could not connect: no answer to the TCP connection within {seconds} s")
            }
            _ => format!("could not connect: {}", escape(&e.to_string())),
        },
        Outcome::TimedOut {
            after_handshake: false,
        } => format!(
            "no TLS answer within {seconds} s: the server took the connection but did not \
             finish the handshake (not TLS, or a service that waits for the client to speak?)"
        ),
        Outcome::TimedOut {
            after_handshake: true,
        } => format!("no answer within {seconds} s after the handshake"),
        Outcome::Io(e) => format!("the connection failed: {}", escape(&e.to_string())),
    }
}

/// A check with nothing in it, for explaining a handshake error.
fn no_check() -> Check<'static> {
    Check {
        anchors: &[],
        intermediates: &[],
        crls: &[],
        purpose: Purpose::Client,
        at: 0,
    }
}

fn summary(der: &[u8], now: i64) -> Summary {
    match Certificate::from_der(der) {
        Ok(c) => Summary {
            subject: c.subject.to_string(),
            issuer: c.issuer.to_string(),
            not_before: c.not_before.rfc3339(),
            not_after: c.not_after.rfc3339(),
            subject_alt_names: c
                .subject_alt_names()
                .iter()
                .map(ToString::to_string)
                .collect(),
            key: c.public_key.kind.to_string(),
            lints: lint::certificate(&c, now)
                .into_iter()
                .filter(|l| l.severity >= lint::Severity::Warning)
                .map(|l| format!("{}: {}", l.id, l.message))
                .collect(),
            unreadable: None,
        },
        Err(e) => Summary {
            subject: String::new(),
            issuer: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            subject_alt_names: Vec::new(),
            key: String::new(),
            lints: Vec::new(),
            unreadable: Some(e.to_string()),
        },
    }
}

fn trust(
    chain: &[Certificate],
    anchors: &Anchors,
    target: &Target,
    provider: &Arc<CryptoProvider>,
    now: i64,
) -> Trust {
    let verdict = match chain.split_first() {
        None => Err(Reason::Other {
            detail: "the server sent no certificate certplay can read".into(),
        }),
        Some((leaf, rest)) => verify::verify(
            leaf,
            &Check {
                anchors: &anchors.certificates,
                intermediates: rest,
                crls: &anchors.crls,
                purpose: Purpose::Server {
                    host: target.server_name.clone(),
                },
                at: now,
            },
            provider,
        ),
    };
    // The system's store holds a hundred CAs or more: a reason lists a
    // bounded number of them.
    let mut verdict = verdict.map_err(|reason| reason.bounded(256));
    let server = chain
        .first()
        .map(|leaf| (leaf, ServerCertificate::of(leaf, verdict.clone())));
    let curl = server.as_ref().and_then(|(_, server)| {
        server
            .refused()
            .then(|| Clients::CHECKED.curl_against(server))
    });
    // A chain webpki takes with an RSA key under 2048 bits: rustls (this
    // client, certplay serve, any rustls client) refuses the handshake's
    // signature by that key.
    if let (Ok(()), Some((leaf, ServerCertificate::WeakKey { bits }))) = (&verdict, &server) {
        verdict = Err(Reason::Other {
            detail: format!(
                "{} has an RSA-{bits} key: rustls refuses a handshake signed by an RSA key \
                 under 2048 bits (use RSA-2048 or larger, or ECDSA)",
                escape(&leaf.subject.to_string())
            ),
        });
    }
    let revocation = match (&verdict, chain.first()) {
        (Ok(()), Some(leaf)) if !anchors.crls.is_empty() => {
            Some(revocation(leaf, &anchors.crls, now))
        }
        _ => None,
    };
    if let Some(Err(uncovered)) = &revocation {
        verdict = Err(Reason::Other {
            detail: uncovered.clone(),
        });
    }
    let words = match &verdict {
        Ok(()) => format!("verified for {}", escape(&target.server_name)),
        Err(reason) => reason.to_string(),
    };
    Trust {
        against: anchors.name.clone(),
        anchors: anchors.certificates.len(),
        refused: verdict.err(),
        revocation: revocation.map(|r| r.unwrap_or_else(|e| e)),
        words,
        curl,
    }
}

/// What `crls` say of `leaf` at `now`, once its chain verified with them:
/// `Ok` when one is its issuer's (webpki checked its signature and found
/// the certificate not listed); `Err` when none is, so that its revocation
/// was not checked at all (webpki lets that pass; curl's `--crlfile`
/// refuses it, and so does a person who asked for the check), or when
/// that CRL's nextUpdate has passed (`certplay serve --crl` and curl
/// refuse what an expired CRL covers).
fn revocation(leaf: &Certificate, crls: &[read::Crl], now: i64) -> Result<String, String> {
    let issuer = escape(&leaf.issuer.to_string()).into_owned();
    if let Some(crl) = crls.iter().find(|crl| crl.issuer == leaf.issuer) {
        if let Some(next) = crl.next_update.filter(|next| next.0 < now) {
            return Err(format!(
                "the CRL of {issuer} expired at {} (its nextUpdate): it no longer says whether \
                 the server's certificate is revoked, and certplay serve and curl --crlfile \
                 refuse what it covers (curl: \"CRL has expired\"); get {issuer}'s current CRL",
                next.rfc3339()
            ));
        }
        return Ok(format!(
            "not revoked: the CRL of {issuer} (this update {}, {} revoked) does not list the \
             server's certificate",
            crl.this_update.rfc3339(),
            crl.revoked.len()
        ));
    }
    let given: Vec<String> = crls
        .iter()
        .map(|crl| escape(&crl.issuer.to_string()).into_owned())
        .collect();
    Err(format!(
        "revocation not checked: no CRL given is from {issuer}, the issuer of the server's \
         certificate (given: the CRL of {}); give {issuer}'s CRL with --crl (curl --crlfile \
         refuses this chain: \"unable to get certificate CRL\")",
        given.join(", the CRL of ")
    ))
}

fn scheme_name(scheme: rustls::SignatureScheme) -> String {
    scheme
        .as_str()
        .map_or_else(|| format!("{scheme:?}"), str::to_owned)
}

fn client_auth(seen: &Seen, timeout: Duration) -> ClientAuth {
    let (http, says) = answer(&seen.outcome);
    if let Outcome::Tls {
        error: rustls::Error::InvalidCertificate(_),
        ..
    } = &seen.outcome
    {
        // This client's own refusal, raised before the server's
        // CertificateRequest was read (or without one).
        return ClientAuth {
            mode: "not reached",
            ca_names: Vec::new(),
            signature_schemes: Vec::new(),
            without_certificate: "this client (rustls) refused the server's certificate \
                                  during the handshake (see trust), before the server could \
                                  ask for one"
                .into(),
            http,
            says,
        };
    }
    let Some(asked) = &seen.asked else {
        return ClientAuth {
            mode: if seen.outcome.handshake_done() {
                "not asked"
            } else {
                "unknown"
            },
            ca_names: Vec::new(),
            signature_schemes: Vec::new(),
            without_certificate: refusal_words(&seen.outcome, timeout),
            http,
            says,
        };
    };
    let mode = if seen.outcome.accepted() {
        "optional"
    } else if matches!(
        seen.outcome,
        Outcome::Tls { .. } | Outcome::ClosedDuringHandshake | Outcome::ClosedAfterHandshake
    ) {
        "required"
    } else {
        "unknown"
    };
    ClientAuth {
        mode,
        ca_names: asked
            .ca_names
            .iter()
            .map(|der| match read::read_name(der) {
                Ok(name) => name.to_string(),
                Err(_) => format!("(an unreadable name of {} bytes)", der.len()),
            })
            .collect(),
        signature_schemes: asked.schemes.iter().map(|s| scheme_name(*s)).collect(),
        without_certificate: refusal_words(&seen.outcome, timeout),
        http,
        says,
    }
}

/// An answer's status line and, when it refused, the first line of its
/// body.
fn answer(outcome: &Outcome) -> (Option<String>, Option<String>) {
    match outcome {
        Outcome::Answered { first_line, says } => (first_line.clone(), says.clone()),
        _ => (None, None),
    }
}

fn presented(
    seen: &Seen,
    client: &ClientFiles,
    asked: &[read::model::Name],
    timeout: Duration,
    now: i64,
) -> Presented {
    let subject = client
        .chain
        .first()
        .map(|c| c.subject.to_string())
        .unwrap_or_default();
    let (http, says) = answer(&seen.outcome);
    let prediction = if seen.asked.is_some() {
        verify::misfits(&client.chain, asked, now)
    } else {
        Vec::new()
    };
    let accepted = seen.outcome.accepted() && !http_refused(http.as_deref());
    let words = if seen.outcome.accepted() && !accepted {
        format!(
            "refused in HTTP: the handshake completed, and GET was answered {}",
            escape(http.as_deref().unwrap_or_default())
        )
    } else if !accepted {
        refusal_words(&seen.outcome, timeout)
    } else if seen.asked.is_none() {
        "not asked for: the server did not request a client certificate, so none was sent; \
         the connection succeeded"
            .into()
    } else {
        "accepted: the handshake with it completed".into()
    };
    let version = match seen.version {
        Some(ProtocolVersion::TLSv1_3) => Some(TlsVersion::Tls13),
        Some(ProtocolVersion::TLSv1_2) => Some(TlsVersion::Tls12),
        _ => None,
    };
    let curl = (!accepted)
        .then(|| seen.outcome.alert())
        .flatten()
        .map(|alert| Clients::CHECKED.curl_refused(version, alert));
    Presented {
        curl,
        subject,
        accepted,
        asked: seen.asked.is_some(),
        refused: seen
            .outcome
            .alert()
            .map(|alert| ClientCertificateRefused { alert }),
        words,
        http,
        says,
        prediction,
    }
}
