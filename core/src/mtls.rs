//! The mTLS server's rustls configuration, built from [`ServerTls`]: client
//! certificates must chain to the `--ca` certificates (webpki), and every
//! refusal is explained once, as a [`Reason`], with the chain the client
//! presented.

use std::sync::{Arc, Mutex};

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{
    ServerConfig, ServerSessionMemoryCache, StoresServerSessions, WebPkiClientVerifier,
};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer, UnixTime};

use crate::read::Certificate;
use crate::verify::{explain_failure, Check, Failure, Purpose, Reason};
use crate::{Error, ServerTls};

/// A rustls time source that always says the same moment (the handshake
/// lab's clock).
#[derive(Debug)]
pub(crate) struct FixedTime(pub(crate) UnixTime);

impl rustls::time_provider::TimeProvider for FixedTime {
    fn current_time(&self) -> Option<UnixTime> {
        Some(self.0)
    }
}

/// Unix seconds as rustls' time; before 1970 is 1970.
pub(crate) fn unix_time(seconds: i64) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(seconds).unwrap_or_default(),
    ))
}

/// What `certplay serve` answers to `GET /` once the client certificate
/// passed.
pub const HELLO_WORLD: &str = "Hello World\n";

/// The body of `certplay serve`'s 401 (`--client-auth optional`) for a
/// client certificate that does not pass (or none), with the reason.
pub fn unauthorized_body(reason: &dyn std::fmt::Display) -> String {
    format!("401 Unauthorized: this server wants a valid client certificate: {reason}\n")
}

/// Where a client certificate is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// In the handshake: without a certificate that chains to a trusted CA
    /// it fails with a TLS alert (what the blog's Node server does).
    #[default]
    Required,
    /// After it: the handshake takes any certificate or none (the client
    /// still proves it holds the key), and [`MtlsServer::judge`] decides,
    /// so that the server can answer with the reason in words (HTTP 401).
    Optional,
    /// Never asked for: the server sends no CertificateRequest (a plain
    /// HTTPS server; `certplay serve --broken`'s endpoints about the
    /// server's own certificate).
    Off,
}

impl ClientAuth {
    /// The flag value: `required`, `optional` or `off`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Optional => "optional",
            Self::Off => "off",
        }
    }
}

impl std::str::FromStr for ClientAuth {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "required" => Ok(Self::Required),
            "optional" => Ok(Self::Optional),
            "off" => Ok(Self::Off),
            other => Err(format!(
                "{other:?} is not a client-auth mode: use required (the handshake refuses), \
                 optional (HTTP 401 with the reason) or off (no client certificate asked for)"
            )),
        }
    }
}

/// The most CA names (their subjects' DER) the server puts in its
/// CertificateRequest: clients use them to pick a certificate, and OpenSSL
/// clients (curl) refuse a handshake message over 100 KiB
/// (`SSL_CTX_set_max_cert_list`). A bundle of thousands of CAs is still
/// trusted whole; only the names beyond this are left out of the request.
pub const MAX_CA_NAME_BYTES: usize = 16 * 1024;

/// A server's material as DER, as `certplay serve` read it from its files
/// ([`ServerTls::der`]): what rustls is given.
#[derive(Debug)]
pub struct ServerDer {
    /// The CA certificates client certificates must chain to.
    pub client_cas: Vec<CertificateDer<'static>>,
    /// The server's chain, end entity first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The server's private key.
    pub key: PrivateKeyDer<'static>,
    /// The CRLs client certificates are checked against.
    pub crls: Vec<CertificateRevocationListDer<'static>>,
}

impl ServerTls {
    /// The material as rustls is given it.
    pub fn der(&self) -> ServerDer {
        ServerDer {
            client_cas: self.client_cas.iter().map(|c| c.der.clone()).collect(),
            chain: self.cert_chain.iter().map(|c| c.der.clone()).collect(),
            key: self.key.clone_key(),
            crls: self
                .crls
                .iter()
                .map(|c| CertificateRevocationListDer::from(c.crl.der.clone()))
                .collect(),
        }
    }

    /// What explains a refused client certificate: the client CAs and the
    /// CRLs, read.
    pub fn client_trust(&self) -> ClientTrust {
        ClientTrust {
            anchors: self
                .client_cas
                .iter()
                .filter_map(|c| Certificate::from_der(&c.der).ok())
                .collect(),
            crls: self.crls.iter().map(|c| c.crl.clone()).collect(),
        }
    }
}

/// The CAs and CRLs a server checks client certificates against, read:
/// what names the certificates of a refusal ([`ClientTrust::reason`]).
#[derive(Debug, Clone, Default)]
pub struct ClientTrust {
    /// The client CAs.
    pub anchors: Vec<Certificate>,
    /// The CRLs.
    pub crls: Vec<crate::read::Crl>,
}

impl ClientTrust {
    /// Why a client's `chain` (end entity first, DER) was refused for
    /// `failure` at `at` (Unix seconds).
    pub fn reason<C: AsRef<[u8]>>(&self, chain: &[C], at: i64, failure: &Failure) -> Reason {
        let mut read = chain
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).ok());
        let leaf = read.next().flatten();
        let intermediates: Vec<Certificate> = read.flatten().collect();
        let check = Check {
            anchors: &self.anchors,
            intermediates: &intermediates,
            crls: &self.crls,
            purpose: Purpose::Client,
            at,
        };
        explain_failure(failure, leaf.as_ref(), &check)
    }
}

/// The rustls side of `certplay serve`, built from DER alone (no
/// certificate is read here, so that the handshake lab's module builds the
/// same server without core's certificate reader): one [`ServerConfig`] a
/// connection, each with its own [`RecordingVerifier`]. Everything costly
/// (parsed trust anchors, the signing key, the session cache) is built
/// once and shared.
#[derive(Debug)]
pub struct MtlsConfig {
    provider: Arc<CryptoProvider>,
    verifier: Arc<dyn ClientCertVerifier>,
    certified_key: Arc<CertifiedKey>,
    sessions: Arc<dyn StoresServerSessions>,
    ca_names_sent: usize,
    client_auth: ClientAuth,
    alpn: Vec<Vec<u8>>,
    key_log: Option<Arc<dyn rustls::KeyLog>>,
    /// The moment its verifiers check validity at, when it is not the
    /// system's (the handshake lab's clock).
    clock: Option<UnixTime>,
}

impl MtlsConfig {
    /// Prepares an mTLS server from `der` with a crypto provider, offering
    /// HTTP/1.1 by ALPN.
    pub fn new(der: &ServerDer, provider: Arc<CryptoProvider>) -> Result<Self, Error> {
        let tls_error = |what: &str, e: rustls::Error| Error::Malformed {
            what: what.into(),
            reason: e.to_string(),
        };
        let mut roots = RootCertStore::empty();
        for ca in &der.client_cas {
            roots
                .add(ca.clone())
                .map_err(|e| tls_error("client CA certificate", e))?;
        }
        let hints = ca_names(roots.subjects());
        let ca_names_sent = hints.len();
        let mut builder =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .clear_root_hint_subjects()
                .add_root_hint_subjects(hints);
        if !der.crls.is_empty() {
            // Certificates of a CA without a CRL here are not refused
            // (several CAs, only one with a CRL); a CRL past its nextUpdate
            // refuses what it covers, as openssl's -crl_check does.
            builder = builder
                .with_crls(der.crls.clone())
                .allow_unknown_revocation_status()
                .enforce_revocation_expiration();
        }
        let verifier = builder.build().map_err(|e| Error::Malformed {
            what: "client CA certificates".into(),
            reason: e.to_string(),
        })?;
        let signing = provider
            .key_provider
            .load_private_key(der.key.clone_key())
            .map_err(|e| tls_error("server key", e))?;
        let certified_key = CertifiedKey::new(der.chain.clone(), signing);
        // Only a key that is not the certificate's is refused here: a
        // certificate webpki does not parse for the check (X.509 v1, which
        // `certplay serve --broken` serves on purpose) is served as it is.
        if let Err(e @ rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) =
            certified_key.keys_match()
        {
            return Err(tls_error("server certificate and key", e));
        }
        Ok(Self {
            provider,
            verifier,
            certified_key: Arc::new(certified_key),
            sessions: ServerSessionMemoryCache::new(256),
            ca_names_sent,
            client_auth: ClientAuth::Required,
            alpn: vec![b"http/1.1".to_vec()],
            key_log: None,
            clock: None,
        })
    }

    /// The server `certplay serve` runs: `provider`'s cipher suites (only
    /// its TLS 1.3 ones with `tls13_only`, so that TLS 1.2 cannot be
    /// negotiated), client certificates judged as `client_auth` says, and
    /// HTTP/2 before HTTP/1.1 by ALPN, as browsers and curl prefer. The
    /// handshake lab builds the same server with its pure-Rust provider.
    pub fn for_serve(
        der: &ServerDer,
        mut provider: CryptoProvider,
        tls13_only: bool,
        client_auth: ClientAuth,
    ) -> Result<Self, Error> {
        if tls13_only {
            provider
                .cipher_suites
                .retain(|suite| suite.version() == &rustls::version::TLS13);
        }
        Ok(Self::new(der, Arc::new(provider))?
            .with_client_auth(client_auth)
            .with_alpn(&[b"h2", b"http/1.1"]))
    }

    /// The same server, offering `protocols` by ALPN in this order of
    /// preference (`h2`, `http/1.1`).
    pub fn with_alpn(mut self, protocols: &[&[u8]]) -> Self {
        self.alpn = protocols.iter().map(|p| p.to_vec()).collect();
        self
    }

    /// The same server, writing each handshake's secrets to `key_log`.
    pub fn with_key_log(mut self, key_log: Arc<dyn rustls::KeyLog>) -> Self {
        self.key_log = Some(key_log);
        self
    }

    /// The same server, judging client certificates as `mode` says.
    pub fn with_client_auth(mut self, mode: ClientAuth) -> Self {
        self.client_auth = mode;
        self
    }

    /// Where client certificates are judged.
    pub fn client_auth(&self) -> ClientAuth {
        self.client_auth
    }

    /// The same server, its verifiers checking validity at `at` (Unix
    /// seconds) instead of the system's time: the handshake lab's clock,
    /// moved to try expiry without waiting.
    pub fn with_clock(mut self, at: i64) -> Self {
        self.clock = Some(unix_time(at));
        self
    }

    /// The moment set by [`MtlsConfig::with_clock`], if any (Unix seconds).
    pub fn clock(&self) -> Option<i64> {
        self.clock.map(seconds)
    }

    /// The time its verifiers use: the clock set, or the system's.
    pub fn now(&self) -> UnixTime {
        self.clock.unwrap_or_else(UnixTime::now)
    }

    /// Checks the chain a client presented (end entity first; empty: none)
    /// at `now` exactly as the handshake of [`ClientAuth::Required`] does.
    pub fn verify_client(
        &self,
        chain: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), rustls::Error> {
        let Some((end_entity, intermediates)) = chain.split_first() else {
            return Err(rustls::Error::NoCertificatesPresented);
        };
        self.verifier
            .verify_client_cert(end_entity, intermediates, now)
            .map(|_| ())
    }

    /// A configuration for one connection, with the verifier that records
    /// what the client presented.
    pub fn connection_config(&self) -> Result<(Arc<ServerConfig>, Arc<RecordingVerifier>), Error> {
        let mut recorder = RecordingVerifier::new(self.verifier.clone());
        recorder.deferred = self.client_auth == ClientAuth::Optional;
        recorder.offered = self.client_auth != ClientAuth::Off;
        let recorder = Arc::new(recorder);
        let mut config = ServerConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Malformed {
                what: "TLS configuration".into(),
                reason: e.to_string(),
            })?
            .with_client_cert_verifier(recorder.clone())
            .with_cert_resolver(Arc::new(SingleCertAndKey::from(self.certified_key.clone())));
        config.session_storage = self.sessions.clone();
        if let Some(at) = self.clock {
            config.time_provider = Arc::new(FixedTime(at));
        }
        config.alpn_protocols.clone_from(&self.alpn);
        if let Some(key_log) = &self.key_log {
            config.key_log = key_log.clone();
        }
        Ok((Arc::new(config), recorder))
    }

    /// How many of the client CAs (the first ones) the CertificateRequest
    /// names.
    pub fn ca_names_sent(&self) -> usize {
        self.ca_names_sent
    }
}

/// [`MtlsConfig`] with what explains every refusal once, as a [`Reason`],
/// with the chain the client presented: `certplay serve`'s server.
#[derive(Debug)]
pub struct MtlsServer {
    config: MtlsConfig,
    trust: ClientTrust,
    trusted: Vec<String>,
}

impl MtlsServer {
    /// Prepares an mTLS server from checked material with a crypto provider
    /// (the native server's `--crypto`), offering HTTP/1.1 by ALPN.
    pub fn new(tls: &ServerTls, provider: Arc<CryptoProvider>) -> Result<Self, Error> {
        Ok(Self {
            config: MtlsConfig::new(&tls.der(), provider)?,
            trust: tls.client_trust(),
            trusted: tls.client_ca_subjects(),
        })
    }

    /// The server `certplay serve` runs ([`MtlsConfig::for_serve`]).
    pub fn for_serve(
        tls: &ServerTls,
        provider: CryptoProvider,
        tls13_only: bool,
        client_auth: ClientAuth,
    ) -> Result<Self, Error> {
        Ok(Self {
            config: MtlsConfig::for_serve(&tls.der(), provider, tls13_only, client_auth)?,
            trust: tls.client_trust(),
            trusted: tls.client_ca_subjects(),
        })
    }

    /// Its rustls side.
    pub fn config(&self) -> &MtlsConfig {
        &self.config
    }

    /// What names the certificates of a refusal.
    pub fn trust(&self) -> &ClientTrust {
        &self.trust
    }

    /// The same server, offering `protocols` by ALPN in this order of
    /// preference (`h2`, `http/1.1`).
    pub fn with_alpn(mut self, protocols: &[&[u8]]) -> Self {
        self.config = self.config.with_alpn(protocols);
        self
    }

    /// The same server, writing each handshake's secrets to `key_log`
    /// (`certplay serve --keylog`: the NSS key log Wireshark reads).
    pub fn with_key_log(mut self, key_log: Arc<dyn rustls::KeyLog>) -> Self {
        self.config = self.config.with_key_log(key_log);
        self
    }

    /// The same server, judging client certificates as `mode` says.
    pub fn with_client_auth(mut self, mode: ClientAuth) -> Self {
        self.config = self.config.with_client_auth(mode);
        self
    }

    /// Where client certificates are judged.
    pub fn client_auth(&self) -> ClientAuth {
        self.config.client_auth()
    }

    /// The same server, its verifiers checking validity at `at` (Unix
    /// seconds): [`MtlsConfig::with_clock`].
    pub fn with_clock(mut self, at: i64) -> Self {
        self.config = self.config.with_clock(at);
        self
    }

    /// The moment set by [`MtlsServer::with_clock`], if any (Unix seconds).
    pub fn clock(&self) -> Option<i64> {
        self.config.clock()
    }

    /// The time its verifiers use: the clock set, or the system's.
    pub fn now(&self) -> UnixTime {
        self.config.now()
    }

    /// Judges the chain a client presented (end entity first; empty: none)
    /// at `now` exactly as the handshake of [`ClientAuth::Required`] does,
    /// with the same reason for a refusal.
    // A refusal is rare and made once: its size costs nothing that counts.
    #[allow(clippy::result_large_err)]
    pub fn judge(&self, chain: &[CertificateDer<'_>], now: UnixTime) -> Result<(), Reason> {
        self.config
            .verify_client(chain, now)
            .map_err(|e| self.trust.reason(chain, seconds(now), &Failure::of(&e)))
    }

    /// Explains why the handshake behind `error` failed, once, with the
    /// chain `recorder` saw (if the client got as far as sending one).
    pub fn explain(&self, error: &std::io::Error, recorder: &RecordingVerifier) -> Reason {
        self.explain_at(error, recorder, self.now())
    }

    /// The same at `now`: the time the handshake's verifier used (the
    /// handshake lab sets its own clock).
    pub fn explain_at(
        &self,
        error: &std::io::Error,
        recorder: &RecordingVerifier,
        now: UnixTime,
    ) -> Reason {
        self.trust
            .reason(&recorder.presented(), seconds(now), &Failure::of_io(error))
    }

    /// A configuration for one connection, with the verifier that records
    /// what the client presented.
    pub fn connection_config(&self) -> Result<(Arc<ServerConfig>, Arc<RecordingVerifier>), Error> {
        self.config.connection_config()
    }

    /// How many CRLs client certificates are checked against.
    pub fn crl_count(&self) -> usize {
        self.trust.crls.len()
    }

    /// The subjects of the CAs client certificates must chain to.
    pub fn trusted(&self) -> &[String] {
        &self.trusted
    }

    /// How many of [`MtlsServer::trusted`] (the first ones) the
    /// CertificateRequest names: all of them unless their names together
    /// pass [`MAX_CA_NAME_BYTES`].
    pub fn ca_names_sent(&self) -> usize {
        self.config.ca_names_sent()
    }
}

fn seconds(now: UnixTime) -> i64 {
    i64::try_from(now.as_secs()).unwrap_or(i64::MAX)
}

/// The first `subjects` whose DER fits in [`MAX_CA_NAME_BYTES`] together.
fn ca_names(subjects: Vec<DistinguishedName>) -> Vec<DistinguishedName> {
    let mut total = 0usize;
    subjects
        .into_iter()
        .take_while(|name| {
            total = total.saturating_add(name.as_ref().len());
            total <= MAX_CA_NAME_BYTES
        })
        .collect()
}

/// A [`ClientCertVerifier`] that remembers the chain it was asked to
/// verify, and otherwise does exactly what the inner verifier does
/// (deferred: accepts any certificate or none, for [`MtlsServer::judge`]).
#[derive(Debug)]
pub struct RecordingVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    presented: Mutex<Vec<CertificateDer<'static>>>,
    deferred: bool,
    offered: bool,
}

impl RecordingVerifier {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn ClientCertVerifier>) -> Self {
        Self {
            inner,
            presented: Mutex::new(Vec::new()),
            deferred: false,
            offered: true,
        }
    }

    /// The chain the client presented, end entity first (empty when it
    /// sent none).
    pub fn presented(&self) -> Vec<CertificateDer<'static>> {
        // A poisoned lock only means another thread panicked mid-write of a
        // Vec: the value is still a whole Vec.
        match self.presented.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl ClientCertVerifier for RecordingVerifier {
    fn offer_client_auth(&self) -> bool {
        self.offered && self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        !self.deferred && self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let owned: Vec<CertificateDer<'static>> = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        match self.presented.lock() {
            Ok(mut guard) => *guard = owned,
            Err(poisoned) => *poisoned.into_inner() = owned,
        }
        if self.deferred {
            // Judged after the handshake; the signature checks below still
            // prove the client holds the certificate's key.
            return Ok(ClientCertVerified::assertion());
        }
        self.inner
            .verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::issue::{CrlParams, Revocation, RevocationReason};
    use crate::verify::ReasonKind;
    use crate::{IssuedPlan, Plan, Preset, Source};

    /// The server's material from `set`'s files: `ca.crt`, `cert` (the
    /// server certificate or its chain file) and `server.key`.
    fn material(set: &IssuedPlan, cert: &str) -> ServerTls {
        let files = set.files().unwrap();
        let file = |name: &str| {
            files
                .iter()
                .find(|f| f.name == name)
                .unwrap_or_else(|| panic!("no {name}"))
                .contents
                .clone()
        };
        let (ca, cert_pem, key) = (file("ca.crt"), file(cert), file("server.key"));
        ServerTls::read(
            Source::new("ca.crt", ca.as_bytes()),
            Source::new(cert, cert_pem.as_bytes()),
            Source::new("server.key", key.as_bytes()),
            time::OffsetDateTime::now_utc().unix_timestamp(),
        )
        .unwrap()
    }

    /// A server trusting `ca` of `set` and presenting its `server`, with
    /// the CRLs given.
    fn server(set: &IssuedPlan, crls: &[String]) -> MtlsServer {
        let mut tls = material(set, "server.crt");
        add_crls(&mut tls, crls).unwrap();
        optional(&tls)
    }

    fn add_crls(tls: &mut ServerTls, crls: &[String]) -> Result<(), Error> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let sources: Vec<_> = crls
            .iter()
            .map(|crl| Source::new("ca.crl", crl.as_bytes()))
            .collect();
        tls.add_crls(&sources, &rustls::crypto::ring::default_provider(), now)
    }

    fn optional(tls: &ServerTls) -> MtlsServer {
        MtlsServer::new(tls, Arc::new(rustls::crypto::ring::default_provider()))
            .unwrap()
            .with_client_auth(ClientAuth::Optional)
    }

    /// A CRL of `ca` in `set` revoking `name`'s certificate.
    fn revoking(set: &IssuedPlan, ca: &str, name: &str) -> String {
        let at = time::OffsetDateTime::now_utc();
        let params = CrlParams::new(
            at,
            30,
            vec![Revocation {
                serial: set.entry(name).unwrap().serial().unwrap(),
                reason: RevocationReason::KeyCompromise,
                revoked_at: at,
            }],
        );
        set.issue_crl(ca, &params).unwrap().pem
    }

    fn chain(set: &IssuedPlan, name: &str) -> Vec<CertificateDer<'static>> {
        vec![CertificateDer::from(
            set.entry(name).unwrap().cert_der.clone(),
        )]
    }

    fn at(seconds: i64) -> UnixTime {
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            u64::try_from(seconds).unwrap(),
        ))
    }

    /// `judge` (the optional mode's verdict after the handshake) says what
    /// the strict handshake says, for each way a client certificate fails.
    #[test]
    fn judge_names_each_refusal_and_accepts_the_good_client() {
        let set = Preset::TwoClients.plan().issue().unwrap();
        let clients: Vec<String> = set
            .plan
            .entries
            .iter()
            .filter(|e| e.profile.is_client())
            .map(|e| e.name.clone())
            .collect();
        let [revoked, kept] = clients.as_slice() else {
            panic!("two clients expected, got {clients:?}")
        };
        let server = server(&set, &[revoking(&set, "ca", revoked)]);
        let now = time::OffsetDateTime::now_utc().unix_timestamp() + 60;

        server.judge(&chain(&set, kept), at(now)).unwrap();

        let refused = |chain: &[CertificateDer<'_>], seconds: i64| {
            let refusal = server.judge(chain, at(seconds)).unwrap_err();
            (refusal.kind().name(), refusal.to_string())
        };
        let (kind, words) = refused(&[], now);
        assert_eq!(kind, "no-client-certificate", "{words}");

        let (kind, words) = refused(&chain(&set, revoked), now);
        assert_eq!(kind, "revoked", "{words}");
        assert!(words.contains("keyCompromise"), "{words}");

        let (kind, words) = refused(&chain(&set, "server"), now);
        assert_eq!(kind, "wrong-purpose", "{words}");

        let not_after = Certificate::from_der(&set.entry(kept).unwrap().cert_der)
            .unwrap()
            .not_after
            .0;
        let (kind, words) = refused(&chain(&set, kept), not_after + 1);
        assert_eq!(kind, "expired", "{words}");

        // Another set's client: its CA has the same name, not the same key.
        let other = Plan::default().issue().unwrap();
        let (kind, words) = refused(&chain(&other, "client"), now);
        assert_eq!(kind, "same-name-other-ca", "{words}");
        assert!(words.contains("CN=my-ca"), "{words}");
    }

    /// Under an intermediate (root → intermediate → server and client), the
    /// intermediate's CRL is honoured once the server's chain names that
    /// intermediate, and refused with the way out when it does not.
    #[test]
    fn an_intermediates_crl_is_honoured_with_the_servers_chain() {
        let set = Preset::Intermediate.plan().issue().unwrap();
        let crl = revoking(&set, "intermediate", "client");

        let mut alone = material(&set, "server.crt");
        let refused = add_crls(&mut alone, std::slice::from_ref(&crl)).unwrap_err();
        assert!(
            refused.to_string().contains("server-chain.crt"),
            "{refused}"
        );

        let mut chained = material(&set, "server-chain.crt");
        add_crls(&mut chained, &[crl]).unwrap();
        let server = optional(&chained);
        let presented = [chain(&set, "client"), chain(&set, "intermediate")].concat();
        let now = time::OffsetDateTime::now_utc().unix_timestamp() + 60;
        let refusal = server.judge(&presented, at(now)).unwrap_err();
        assert_eq!(refusal.kind(), ReasonKind::Revoked, "{refusal}");
        // Without the CRL the same client is accepted: the refusal was the
        // intermediate's CRL.
        let other = optional(&material(&set, "server-chain.crt"));
        other.judge(&presented, at(now)).unwrap();
    }
}
