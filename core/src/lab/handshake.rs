//! A real mTLS handshake in memory: rustls' `ServerConnection`, configured
//! by [`MtlsServer`] exactly as `certplay serve` configures it, and a
//! `ClientConnection` configured as curl is (trust the `--cacert` file,
//! present `--cert` and `--key`, send the URL's host as SNI), with the
//! bytes carried between them in memory until the handshake is done or
//! refused; then `GET /` over it. No sockets, no threads: it runs the same
//! in the browser and natively.
//!
//! Both sides read the time from a clock the caller sets, so that expiry
//! can be tried without waiting. Resumption is off: every handshake checks
//! certificates.

use std::io::Write;
use std::sync::Arc;

use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::server::Acceptor;
use rustls::sign::CertifiedKey;
use rustls::time_provider::TimeProvider;
use rustls::{
    ClientConfig, ClientConnection, Error as TlsError, ProtocolVersion, RootCertStore,
    ServerConnection,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use serde::{Deserialize, Serialize};

use super::hooks::{ClientIdentity, Record, WatchedKey, WatchedServerVerifier};
use super::input::IdentityFiles;
use super::keylog::KeyLogLines;
use super::setup::{Side, TlsVersions};
use super::transcript::{
    code_points, CodePoint, Explainer, RawBody, RawMessage, RawOutcome, RawTranscript, Transcript,
};
use super::wire::{deliver, flush, read_available, request, response};
use crate::read::Certificate;
use crate::verify::{Failure, Reason};
use crate::{
    read_certificates, unauthorized_body, ClientAuth, Error, MtlsConfig, MtlsServer, Source,
    HELLO_WORLD,
};

/// Handshake rounds before the lab gives up: a full TLS 1.2 handshake and
/// one request take six; anything longer is a loop.
const MAX_ROUNDS: usize = 16;

/// The time both sides' verifiers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "clock", rename_all = "kebab-case")]
pub enum Clock {
    /// The system's (the browser's) time.
    #[default]
    Now,
    /// A chosen moment.
    At {
        /// Unix seconds.
        unix: i64,
    },
    /// Now plus (or minus) whole days.
    InDays {
        /// Days from now; negative for the past.
        days: i64,
    },
}

impl Clock {
    /// The moment, Unix seconds.
    pub fn unix(self) -> i64 {
        let now = || time::OffsetDateTime::now_utc().unix_timestamp();
        match self {
            Self::Now => now(),
            Self::At { unix } => unix,
            Self::InDays { days } => now().saturating_add(days.saturating_mul(86_400)),
        }
    }
}

pub(super) use crate::mtls::unix_time;
use crate::mtls::FixedTime;

/// What curl is given: `--cacert`, `--cert` and `--key`, and the URL.
#[derive(Debug, Clone, Copy)]
pub struct ClientFiles<'a> {
    /// The CA certificates the client trusts (`--cacert ca.crt`).
    pub cacert: Source<'a>,
    /// The client's certificate and private key (`--cert client.crt --key
    /// client.key`), if it presents one.
    pub identity: Option<(Source<'a>, Source<'a>)>,
    /// The URL's host name (`localhost` in `https://localhost:3000`).
    pub host: &'a str,
}

/// What curl is given, as DER: the CAs it trusts, its chain and key with
/// the key file's name (for words), and the URL's host.
#[derive(Debug)]
pub struct ClientDer<'a> {
    /// The CA certificates the client trusts.
    pub cacert: &'a [CertificateDer<'static>],
    /// The client's chain, key and key file name, if it presents one.
    pub identity: Option<(
        Vec<CertificateDer<'static>>,
        PrivateKeyDer<'static>,
        &'a str,
    )>,
    /// The URL's host name.
    pub host: &'a str,
}

/// A client set up from [`ClientFiles`] with a crypto provider.
#[derive(Debug, Clone)]
pub struct LabClient {
    provider: Arc<CryptoProvider>,
    roots: Arc<RootCertStore>,
    anchors: Vec<Certificate>,
    identity: Option<Arc<CertifiedKey>>,
    host: ServerName<'static>,
    versions: TlsVersions,
    key_log: Option<Arc<KeyLogLines>>,
}

impl LabClient {
    /// Reads the client's files. A key that is not the certificate's is
    /// refused here, before any handshake, as curl refuses it.
    pub fn from_pem(files: ClientFiles<'_>, provider: Arc<CryptoProvider>) -> Result<Self, Error> {
        let cas = read_certificates(files.cacert)?;
        // The refusal in words, should rustls find the key is not the
        // certificate's.
        let mut refusal = None;
        let identity = match files.identity {
            None => None,
            Some((cert, key)) => {
                let read = IdentityFiles::read(cert, key)?;
                if read.key_refused {
                    return Err(read.mismatch);
                }
                let (chain, read_key, mismatch) = (read.chain, read.key, read.mismatch);
                refusal = Some(mismatch);
                Some((
                    chain.into_iter().map(|c| c.der).collect(),
                    read_key.der,
                    key.name,
                ))
            }
        };
        let cacert: Vec<CertificateDer<'static>> = cas.iter().map(|c| c.der.clone()).collect();
        let client = Self::from_der(
            ClientDer {
                cacert: &cacert,
                identity,
                host: files.host,
            },
            provider,
        )
        .map_err(|e| match (e, refusal) {
            (Error::KeyMismatch { .. }, Some(refusal)) => refusal,
            (other, _) => other,
        })?;
        Ok(Self {
            anchors: cas.into_iter().map(|c| c.info).collect(),
            ..client
        })
    }

    /// The same client from DER, nothing read but what rustls reads (the
    /// lab's wasm module, which carries no certificate reader). A key
    /// that rustls finds is not the certificate's is refused here
    /// ([`Error::KeyMismatch`], its subject left empty).
    pub fn from_der(files: ClientDer<'_>, provider: Arc<CryptoProvider>) -> Result<Self, Error> {
        let mut roots = RootCertStore::empty();
        for ca in files.cacert {
            roots.add(ca.clone()).map_err(|e| Error::Malformed {
                what: "the client's trusted CAs".into(),
                reason: e.to_string(),
            })?;
        }
        let identity =
            match files.identity {
                None => None,
                Some((chain, key, key_file)) => {
                    let signing_key = provider.key_provider.load_private_key(key).map_err(|e| {
                        Error::Malformed {
                            what: key_file.into(),
                            reason: e.to_string(),
                        }
                    })?;
                    let certified = CertifiedKey::new(chain, signing_key);
                    if let Err(TlsError::InconsistentKeys(_)) = certified.keys_match() {
                        return Err(Error::KeyMismatch {
                            key_file: key_file.into(),
                            cert_file: String::new(),
                            subject: String::new(),
                        });
                    }
                    Some(Arc::new(certified))
                }
            };
        let host = ServerName::try_from(files.host.to_owned()).map_err(|_| Error::Malformed {
            what: "host name".into(),
            reason: format!("{:?} is not a DNS name or an IP address", files.host),
        })?;
        Ok(Self {
            provider,
            roots: Arc::new(roots),
            anchors: Vec::new(),
            identity,
            host,
            versions: TlsVersions::default(),
            key_log: None,
        })
    }

    /// The same client, offering `versions`.
    pub fn with_versions(mut self, versions: TlsVersions) -> Self {
        self.versions = versions;
        self
    }

    /// The same client, writing the secrets of its handshakes to `lines`
    /// (what curl writes to `SSLKEYLOGFILE`), so that a capture of them can
    /// be decrypted.
    pub fn with_key_log(mut self, lines: Arc<KeyLogLines>) -> Self {
        self.key_log = Some(lines);
        self
    }

    /// The host name the client connects to.
    pub fn host(&self) -> String {
        self.host.to_str().into_owned()
    }
}

impl LabClient {
    /// A rustls client configuration for one handshake at `at`, its hooks
    /// writing to `record`.
    pub(super) fn config(&self, at: UnixTime, record: &Record) -> Result<ClientConfig, Error> {
        let tls_error = |e: TlsError| Error::Malformed {
            what: "the lab client's TLS configuration".into(),
            reason: e.to_string(),
        };
        let clock: Arc<dyn TimeProvider> = Arc::new(FixedTime(at));
        let webpki =
            WebPkiServerVerifier::builder_with_provider(self.roots.clone(), self.provider.clone())
                .build()
                .map_err(|e| Error::Malformed {
                    what: "the lab client's trusted CAs".into(),
                    reason: e.to_string(),
                })?;
        let identity = self.identity.as_ref().map(|id| {
            Arc::new(CertifiedKey::new(
                id.cert.clone(),
                Arc::new(WatchedKey {
                    inner: id.key.clone(),
                    record: record.clone(),
                }),
            ))
        });
        let mut config = ClientConfig::builder_with_details(self.provider.clone(), clock)
            .with_protocol_versions(self.versions.rustls())
            .map_err(tls_error)?
            // Not dangerous: webpki decides, the wrapper only takes notes.
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(WatchedServerVerifier {
                inner: webpki,
                record: record.clone(),
            }))
            .with_client_cert_resolver(Arc::new(ClientIdentity {
                identity,
                record: record.clone(),
            }));
        config.resumption = Resumption::disabled();
        // HTTP/1.1 only: the lab speaks HTTP/1.1 over the connection (curl
        // also offers h2; `certplay serve` takes either).
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        if let Some(lines) = &self.key_log {
            config.key_log = lines.clone();
        }
        Ok(config)
    }
}

/// The messages of a transcript under construction; each handshake
/// message is listed once.
#[derive(Debug, Default)]
struct Messages(Vec<RawMessage>);

impl Messages {
    fn push(&mut self, from: Side, body: RawBody) {
        let kind = std::mem::discriminant(&body);
        let once = !matches!(
            body,
            RawBody::Alert(_) | RawBody::HttpRequest(_) | RawBody::HttpResponse(..)
        );
        if once
            && self
                .0
                .iter()
                .any(|m| m.from == from && std::mem::discriminant(&m.body) == kind)
        {
            return;
        }
        self.0.push(RawMessage { from, body });
    }
}

/// Runs one handshake of `client` against `server` with both verifiers at
/// `at` (Unix seconds), then `GET /`, and tells what happened, each
/// refusal in core's words (`client` read from its files:
/// [`LabClient::from_pem`]).
pub fn handshake(server: &MtlsServer, client: &LabClient, at: i64) -> Result<Transcript, Error> {
    let judge = |chain: &[CertificateDer<'_>], now: UnixTime| {
        server
            .judge(chain, now)
            .err()
            .map(|reason| unauthorized_body(&reason))
    };
    let raw = raw_handshake(server.config(), client, at, Some(&judge))?;
    let host = client.host();
    Ok(raw.explain(&Explainer {
        server: server.trust(),
        client_anchors: &client.anchors,
        host: &host,
    }))
}

/// What `certplay serve --client-auth optional` answers after the
/// handshake for a client's chain at a moment: `None` to answer Hello
/// World, else the 401's body.
pub type Judge<'a> = &'a dyn Fn(&[CertificateDer<'_>], UnixTime) -> Option<String>;

/// The same handshake, no certificate read: the chains and names as DER,
/// each refusal as rustls said it ([`RawTranscript`]). A server that
/// judges client certificates after the handshake
/// ([`ClientAuth::Optional`]) needs `judge`.
pub fn raw_handshake(
    server: &MtlsConfig,
    client: &LabClient,
    at: i64,
    judge: Option<Judge<'_>>,
) -> Result<RawTranscript, Error> {
    if server.client_auth() == ClientAuth::Optional && judge.is_none() {
        return Err(Error::input(
            "the lab server",
            "a server that judges client certificates after the handshake needs a judge",
        ));
    }
    let now = unix_time(at);
    let record = Record::default();
    let (server_config, recorder) = server.connection_config()?;
    let mut server_config = Arc::unwrap_or_clone(server_config);
    server_config.time_provider = Arc::new(FixedTime(now));
    let server_config = Arc::new(server_config);
    let mut tls =
        ClientConnection::new(Arc::new(client.config(now, &record)?), client.host.clone())
            .map_err(|e| Error::Malformed {
                what: "the lab client".into(),
                reason: e.to_string(),
            })?;
    tls.writer()
        .write_all(request(&client.host()).as_bytes())
        .map_err(|e| Error::Malformed {
            what: "the lab client".into(),
            reason: e.to_string(),
        })?;
    let mut messages = Messages::default();
    let mut run = Run {
        server,
        judge,
        client,
        record: &record,
        recorder: &recorder,
        at,
        messages: &mut messages,
    };

    // The ClientHello, through rustls' Acceptor: the server's view of it.
    let hello = flush(&mut tls);
    let mut acceptor = Acceptor::default();
    let accepted = match acceptor.read_tls(&mut hello.as_slice()) {
        Err(e) => Err((TlsError::General(e.to_string()), Vec::new())),
        Ok(_) => match acceptor.accept() {
            Ok(Some(accepted)) => Ok(accepted),
            Ok(None) => Err((
                TlsError::General("the ClientHello did not arrive whole".into()),
                Vec::new(),
            )),
            Err((error, mut alert)) => {
                let mut bytes = Vec::new();
                // Writing into a Vec does not fail.
                let _ = alert.write_all(&mut bytes);
                Err((error, bytes))
            }
        },
    };
    let accepted = match accepted {
        Ok(accepted) => accepted,
        Err((error, alert)) => return Ok(run.refused_by_server(&mut tls, &error, &alert)),
    };
    run.client_hello(&accepted.client_hello());
    let mut server_tls = match accepted.into_connection(server_config) {
        Ok(connection) => connection,
        Err((error, mut alert)) => {
            let mut bytes = Vec::new();
            // Writing into a Vec does not fail.
            let _ = alert.write_all(&mut bytes);
            return Ok(run.refused_by_server(&mut tls, &error, &bytes));
        }
    };
    run.exchange(&mut tls, &mut server_tls)
}

/// One handshake under way.
struct Run<'a> {
    server: &'a MtlsConfig,
    judge: Option<Judge<'a>>,
    client: &'a LabClient,
    record: &'a Record,
    recorder: &'a crate::RecordingVerifier,
    at: i64,
    messages: &'a mut Messages,
}

impl Run<'_> {
    fn client_hello(&mut self, hello: &rustls::server::ClientHello<'_>) {
        let versions: Vec<CodePoint> = self
            .client
            .versions
            .rustls()
            .iter()
            .map(|v| CodePoint::from(v.version))
            .collect();
        self.messages.push(
            Side::Client,
            RawBody::ClientHello(
                hello.server_name().map(str::to_owned),
                versions,
                code_points(hello.cipher_suites()),
                code_points(hello.named_groups().unwrap_or_default()),
                code_points(hello.signature_schemes()),
                hello
                    .alpn()
                    .map(|protocols| {
                        protocols
                            .map(|p| String::from_utf8_lossy(p).into_owned())
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
        );
    }

    /// The server refused at the ClientHello; `alert` is what it sends.
    fn refused_by_server(
        &mut self,
        client: &mut ClientConnection,
        error: &TlsError,
        alert: &[u8],
    ) -> RawTranscript {
        let received = deliver(alert, client).err();
        self.finish(None, Some((Side::Server, error.clone())), received, false)
    }

    /// Carries bytes back and forth until both sides are quiet or one
    /// refused, then answers the request.
    fn exchange(
        &mut self,
        client: &mut ClientConnection,
        server: &mut ServerConnection,
    ) -> Result<RawTranscript, Error> {
        // Who refused first, with its own error; what the other side got.
        let mut refused: Option<(Side, TlsError)> = None;
        let mut received: Option<TlsError> = None;
        let mut client_finished = false;
        let mut answered = false;
        let mut turn = Side::Server;
        let mut quiet = 0;
        for _ in 0..MAX_ROUNDS {
            let (sent, result) = match turn {
                Side::Server => {
                    let bytes = flush(server);
                    let was_handshaking = client.is_handshaking();
                    let result = deliver(&bytes, client);
                    if !bytes.is_empty() {
                        self.client_read(client, &result, was_handshaking);
                    }
                    if result.is_ok() && !client.is_handshaking() {
                        client_finished = true;
                    }
                    (bytes.len(), result)
                }
                Side::Client => {
                    let bytes = flush(client);
                    let result = deliver(&bytes, server);
                    if !bytes.is_empty() {
                        self.server_read(server, &result);
                    }
                    (bytes.len(), result)
                }
            };
            match result {
                Err(alert @ TlsError::AlertReceived(_)) => {
                    refused.get_or_insert((turn, alert.clone()));
                    received = Some(alert);
                    break;
                }
                // The receiver refused; its alert goes out on its turn.
                Err(error) => {
                    refused.get_or_insert((turn.peer(), error));
                }
                Ok(()) => {}
            }
            if refused.is_none() && !answered && !server.is_handshaking() {
                answered = self.answer(server)?;
            }
            quiet = if sent == 0 { quiet + 1 } else { 0 };
            if quiet >= 2 {
                break;
            }
            turn = turn.peer();
        }
        let body = read_available(client.reader());
        if !body.is_empty() {
            let text = String::from_utf8_lossy(&body).into_owned();
            let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
            let status_line = head.lines().next().unwrap_or_default().to_owned();
            self.messages.push(
                Side::Server,
                RawBody::HttpResponse(status_line.clone(), body.to_owned()),
            );
            let status = status_line
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or_default();
            return Ok(self.transcript(
                client.protocol_version(),
                RawOutcome::Answered {
                    status,
                    body: body.to_owned(),
                },
            ));
        }
        Ok(self.finish(
            client.protocol_version(),
            refused,
            received,
            client_finished,
        ))
    }

    /// Lists what the client read of the server's flight.
    fn client_read(
        &mut self,
        client: &ClientConnection,
        result: &Result<(), TlsError>,
        was_handshaking: bool,
    ) {
        // An alert alone: the server sent nothing else.
        if matches!(result, Err(TlsError::AlertReceived(_))) {
            return;
        }
        let seen = self.record.seen();
        let version = client.protocol_version();
        let group = client
            .negotiated_key_exchange_group()
            .map(|g| CodePoint::from(g.name()));
        let mut read = Vec::new();
        if let (Some(version), Some(suite)) = (version, client.negotiated_cipher_suite()) {
            read.push(RawBody::ServerHello(
                version.into(),
                suite.suite().into(),
                group.clone(),
            ));
        }
        let server_chain = seen
            .server_chain
            .as_ref()
            .map(|chain| RawBody::Certificate(chain.iter().map(|c| c.to_vec()).collect()));
        let request = seen.certificate_request.as_ref().map(|(names, schemes)| {
            RawBody::CertificateRequest(names.clone(), code_points(schemes))
        });
        let done = was_handshaking && !client.is_handshaking();
        match version {
            Some(ProtocolVersion::TLSv1_2) => {
                read.extend(server_chain.clone());
                if seen.server_chain.is_some() {
                    read.push(RawBody::ServerKeyExchange(
                        group,
                        seen.server_signature.map(CodePoint::from),
                    ));
                }
                read.extend(request);
                if seen.server_chain.is_some() {
                    read.push(RawBody::ServerHelloDone);
                }
                if done {
                    read.push(RawBody::ChangeCipherSpec);
                    read.push(RawBody::Finished);
                }
            }
            Some(_) => {
                if request.is_some() || server_chain.is_some() || done {
                    read.push(RawBody::EncryptedExtensions(
                        client
                            .alpn_protocol()
                            .map(|p| String::from_utf8_lossy(p).into_owned()),
                    ));
                }
                read.extend(request);
                read.extend(server_chain);
                if let Some(scheme) = seen.server_signature {
                    read.push(RawBody::CertificateVerify(scheme.into()));
                }
                if done {
                    read.push(RawBody::Finished);
                }
            }
            None => {}
        }
        drop(seen);
        for body in read {
            self.messages.push(Side::Server, body);
        }
    }

    /// Lists what the server read of the client's flight.
    fn server_read(&mut self, server: &mut ServerConnection, result: &Result<(), TlsError>) {
        // An alert alone: the client sent nothing else.
        if matches!(result, Err(TlsError::AlertReceived(_))) {
            return;
        }
        let seen = self.record.seen();
        let mut read = Vec::new();
        // Refused at the client's Certificate: nothing after it was read.
        let at_certificate = matches!(
            result,
            Err(TlsError::NoCertificatesPresented | TlsError::InvalidCertificate(_))
        );
        if let Some(chain) = &seen.client_chain {
            read.push(RawBody::Certificate(
                chain.iter().map(|c| c.to_vec()).collect(),
            ));
        }
        let tls12 = server.protocol_version() == Some(ProtocolVersion::TLSv1_2);
        if !at_certificate && seen.client_chain.is_some() {
            if tls12 {
                read.push(RawBody::ClientKeyExchange);
            }
            if let Some(scheme) = seen.client_signature {
                read.push(RawBody::CertificateVerify(scheme.into()));
            }
            if !server.is_handshaking() {
                if tls12 {
                    read.push(RawBody::ChangeCipherSpec);
                }
                read.push(RawBody::Finished);
            }
        }
        drop(seen);
        for body in read {
            self.messages.push(Side::Client, body);
        }
        if !server.is_handshaking() {
            let request = read_available(server.reader());
            if !request.is_empty() {
                let text = String::from_utf8_lossy(&request);
                self.messages.push(
                    Side::Client,
                    RawBody::HttpRequest(text.lines().next().unwrap_or_default().to_owned()),
                );
            }
        }
    }

    /// Answers the request once the server has read it; false until then.
    fn answer(&mut self, server: &mut ServerConnection) -> Result<bool, Error> {
        if !self
            .messages
            .0
            .iter()
            .any(|m| matches!(m.body, RawBody::HttpRequest(_)))
        {
            return Ok(false);
        }
        let refusal = match (self.server.client_auth(), self.judge) {
            (ClientAuth::Optional, Some(judge)) => judge(
                server.peer_certificates().unwrap_or_default(),
                unix_time(self.at),
            ),
            _ => None,
        };
        let (status, body) = match refusal {
            None => (200, HELLO_WORLD.to_owned()),
            Some(body) => (401, body),
        };
        server
            .writer()
            .write_all(response(status, &body).as_bytes())
            .map_err(|e| Error::Malformed {
                what: "the lab server".into(),
                reason: e.to_string(),
            })?;
        Ok(true)
    }

    /// The transcript of a handshake that ended without an answer.
    fn finish(
        &mut self,
        version: Option<ProtocolVersion>,
        failed: Option<(Side, TlsError)>,
        received: Option<TlsError>,
        client_finished: bool,
    ) -> RawTranscript {
        let Some((by, error)) = failed else {
            let outcome = RawOutcome::Refused {
                by: Side::Server,
                alert: None,
                client_finished,
                failure: None,
                received: None,
            };
            return self.transcript(version, outcome);
        };
        let alert = match &received {
            Some(TlsError::AlertReceived(alert)) => {
                let code = u8::from(*alert);
                self.messages.push(by, RawBody::Alert(code));
                Some(code)
            }
            _ => None,
        };
        let outcome = RawOutcome::Refused {
            by,
            alert,
            client_finished,
            failure: Some(Failure::of(&error)),
            // What `certplay serve` logs of a client's alert.
            received: match by {
                Side::Server => None,
                Side::Client => received.as_ref().map(Failure::of),
            },
        };
        self.transcript(version, outcome)
    }

    fn transcript(
        &mut self,
        version: Option<ProtocolVersion>,
        outcome: RawOutcome,
    ) -> RawTranscript {
        let ders = |chain: Option<&Vec<CertificateDer<'static>>>| {
            chain
                .into_iter()
                .flatten()
                .map(|c| c.to_vec())
                .collect::<Vec<_>>()
        };
        let server_chain = ders(self.record.seen().server_chain.as_ref());
        RawTranscript {
            at: self.at,
            version: version.map(CodePoint::from),
            messages: std::mem::take(&mut self.messages.0),
            outcome,
            presented: self
                .recorder
                .presented()
                .iter()
                .map(|c| c.to_vec())
                .collect(),
            server_chain,
        }
    }
}

/// Why `client` refused the server at `at`: core's verdict on the chain
/// its hooks saw (the same words as `certplay verify`).
pub(super) fn client_reason(
    client: &LabClient,
    record: &Record,
    error: &TlsError,
    at: i64,
) -> Reason {
    let chain: Vec<CertificateDer<'static>> =
        record.seen().server_chain.clone().unwrap_or_default();
    let host = client.host();
    let trust = crate::ClientTrust::default();
    Explainer {
        server: &trust,
        client_anchors: &client.anchors,
        host: &host,
    }
    .client_reason(&chain, &Failure::of(error), at)
}
