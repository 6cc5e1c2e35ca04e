//! A case's files read once for its handshake ([`ReadCase`]): first the
//! server's side as `certplay serve` reads and checks it before it listens
//! ([`server_tls`]: it refuses to start, or starts with its warnings), then
//! what the lab's wasm module is given ([`HandshakeInput`]: every
//! certificate, key and CRL as DER, so that the module carries no
//! certificate reader) and what explains the [`RawTranscript`] it hands
//! back. Both made where the set is kept and certificates are read anyway
//! (the page's tools worker; natively, [`super::run`] reads the files
//! through [`server_tls`] too).

use rustls::crypto::CryptoProvider;
use rustls_pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, PrivatePkcs1KeyDer,
    PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};
use serde::{Deserialize, Serialize};

use super::mutate::Mutated;
use super::setup::TlsVersions;
use super::transcript::{Der, Explainer, RawTranscript, Transcript};
use crate::mtls::{ClientTrust, ServerDer};
use crate::read::Certificate;
use crate::{read_certificates, read_private_key, Error, ServerTls};

/// The case's server files (`--ca`, `--cert`, `--key`, `--crl`) read and
/// checked as `certplay serve` reads and checks its own before it listens
/// (`ServerTls::read`, then `add_crls`), at `at` (Unix seconds), CRL
/// signatures checked with `provider`: an error is serve's refusal to
/// start, in its words (a v1 or mismatched server certificate, a CRL no
/// client CA signed, ...); else what it serves, with the warnings it
/// logs.
pub fn server_tls(case: &Mutated, provider: &CryptoProvider, at: i64) -> Result<ServerTls, Error> {
    let mut tls = ServerTls::read(
        case.source(&case.serve.ca)?,
        case.source(&case.serve.cert)?,
        case.source(&case.serve.key)?,
        at,
    )?;
    let crls = case
        .serve
        .crls
        .iter()
        .map(|name| case.source(name))
        .collect::<Result<Vec<_>, _>>()?;
    tls.add_crls(&crls, provider, at)?;
    Ok(tls)
}

/// A private key as DER, in the form its file held it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyDer {
    /// PKCS#8.
    Pkcs8(Der),
    /// PKCS#1 (RSA).
    Pkcs1(Der),
    /// SEC1 (EC).
    Sec1(Der),
}

impl KeyDer {
    fn of(key: &PrivateKeyDer<'_>) -> Result<Self, Error> {
        match key {
            PrivateKeyDer::Pkcs8(k) => Ok(Self::Pkcs8(k.secret_pkcs8_der().to_vec())),
            PrivateKeyDer::Pkcs1(k) => Ok(Self::Pkcs1(k.secret_pkcs1_der().to_vec())),
            PrivateKeyDer::Sec1(k) => Ok(Self::Sec1(k.secret_sec1_der().to_vec())),
            _ => Err(Error::input("lab case", "a private key of an unknown form")),
        }
    }

    /// The key as rustls takes it.
    pub fn der(&self) -> PrivateKeyDer<'static> {
        match self {
            Self::Pkcs8(der) => PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der.clone())),
            Self::Pkcs1(der) => PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(der.clone())),
            Self::Sec1(der) => PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(der.clone())),
        }
    }
}

/// One case's handshake as the lab's module is given it: both sides'
/// files as DER, as `certplay serve` and curl read them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandshakeInput {
    /// `certplay serve --ca`: client certificates must chain to these.
    pub client_cas: Vec<Der>,
    /// `--cert`: the server's chain, end entity first.
    pub chain: Vec<Der>,
    /// `--key`.
    pub key: KeyDer,
    /// `--crl` files' CRLs.
    pub crls: Vec<Der>,
    /// `--tls13-only`.
    pub tls13_only: bool,
    /// curl's `--cacert`.
    pub cacert: Vec<Der>,
    /// curl's `--cert` chain and `--key`, with the key file's name.
    pub identity: Option<(Vec<Der>, KeyDer, String)>,
    /// Core found the key is not the certificate's (a check rustls makes
    /// only of a certificate webpki reads): the client refuses before any
    /// handshake, as curl does.
    pub key_refused: bool,
    /// The URL's host.
    pub host: String,
    /// The versions the client offers.
    pub versions: TlsVersions,
}

impl std::fmt::Debug for HandshakeInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys travel in here: never print them.
        f.debug_struct("HandshakeInput")
            .field("host", &self.host)
            .field("versions", &self.versions)
            .finish_non_exhaustive()
    }
}

fn ders(list: &[Der]) -> Vec<CertificateDer<'static>> {
    list.iter()
        .map(|d| CertificateDer::from(d.clone()))
        .collect()
}

impl HandshakeInput {
    /// The server's side as rustls takes it.
    pub fn server(&self) -> ServerDer {
        ServerDer {
            client_cas: ders(&self.client_cas),
            chain: ders(&self.chain),
            key: self.key.der(),
            crls: self
                .crls
                .iter()
                .map(|d| CertificateRevocationListDer::from(d.clone()))
                .collect(),
        }
    }

    /// The client's CAs as rustls takes them.
    pub fn cacert(&self) -> Vec<CertificateDer<'static>> {
        ders(&self.cacert)
    }
}

/// A case's files as `certplay serve` takes its side of them, before it
/// listens ([`ReadCase::read`]).
#[derive(Debug)]
pub enum Served {
    /// It listens: the case read for its handshake.
    Listens(Box<ReadCase>),
    /// It refuses to start, with these words (what it prints before it
    /// exits): there is no handshake.
    Refuses(Error),
}

/// A case's files read for its handshake: what the lab's module is given
/// and what explains what it hands back.
#[derive(Debug)]
pub struct ReadCase {
    /// What the lab's module is given.
    pub input: HandshakeInput,
    /// What `certplay serve` warns of as it starts with the case's server
    /// files (its `WARN` lines), none for a sound server side.
    pub warnings: Vec<String>,
    /// The server's client CAs and CRLs, read.
    pub trust: ClientTrust,
    /// The client's CAs, read.
    pub client_anchors: Vec<Certificate>,
    /// The server's chain (`--cert`), read.
    pub server_chain: Vec<Certificate>,
    /// The client's chain (curl's `--cert`), read; `None`: it has none.
    pub client_chain: Option<Vec<Certificate>>,
    /// How the client refuses a key that is not its certificate's (core's
    /// words, with the files' names), should it.
    pub key_refusal: Option<Error>,
}

impl ReadCase {
    /// Reads `case`'s files as `certplay serve` and curl read them, at
    /// `at` (Unix seconds, the lab's clock): the server's side through
    /// serve's own start-up checks ([`server_tls`]), so that where serve
    /// would refuse to start the lab says so in its words
    /// ([`Served::Refuses`]), and where it warns the lab has its warnings.
    /// An error is a case whose client files do not read.
    pub fn read(case: &Mutated, at: i64) -> Result<Served, Error> {
        let tls = match server_tls(case, &crate::verify::provider::verifying(), at) {
            Ok(tls) => tls,
            Err(refusal) => return Ok(Served::Refuses(refusal)),
        };
        let cacert = read_certificates(case.source(&case.client.cacert)?)?;
        let infos = |list: &[crate::ReadCertificate]| -> Vec<Certificate> {
            list.iter().map(|c| c.info.clone()).collect()
        };
        let (identity, client_chain, key_refusal, key_refused) = match &case.client.identity {
            None => (None, None, None, false),
            Some((cert_file, key_file)) => {
                let key = case.source(key_file)?;
                let read = IdentityFiles::read(case.source(cert_file)?, key)?;
                let identity = (
                    read.chain.iter().map(|c| c.der.to_vec()).collect(),
                    KeyDer::of(&read.key.der)?,
                    key.name.to_owned(),
                );
                let chain = infos(&read.chain);
                (
                    Some(identity),
                    Some(chain),
                    Some(read.mismatch),
                    read.key_refused,
                )
            }
        };
        let ders = |list: &[crate::ReadCertificate]| -> Vec<Der> {
            list.iter().map(|c| c.der.to_vec()).collect()
        };
        Ok(Served::Listens(Box::new(Self {
            input: HandshakeInput {
                client_cas: ders(&tls.client_cas),
                chain: ders(&tls.cert_chain),
                key: KeyDer::of(&tls.key)?,
                crls: tls.crls.iter().map(|c| c.crl.der.clone()).collect(),
                tls13_only: case.serve.tls13_only,
                cacert: ders(&cacert),
                identity,
                key_refused,
                host: case.host(),
                versions: case.client.versions,
            },
            trust: ClientTrust {
                anchors: tls.client_cas.into_iter().map(|c| c.info).collect(),
                crls: tls.crls.into_iter().map(|c| c.crl).collect(),
            },
            warnings: tls.warnings,
            server_chain: infos(&tls.cert_chain),
            client_chain,
            client_anchors: cacert.into_iter().map(|c| c.info).collect(),
            key_refusal,
        })))
    }

    /// `raw` (the lab module's handshake of [`ReadCase::input`]) with its
    /// certificates read and its failures explained.
    pub fn explain(&self, raw: RawTranscript) -> Transcript {
        raw.explain(&Explainer {
            server: &self.trust,
            client_anchors: &self.client_anchors,
            host: &self.input.host,
        })
    }
}

/// A client's certificate and key files, read as curl reads them.
pub(crate) struct IdentityFiles {
    /// The certificate file's chain, end entity first.
    pub(crate) chain: Vec<crate::ReadCertificate>,
    /// The key file's key.
    pub(crate) key: crate::ReadKey,
    /// The refusal in words, should the key not be the certificate's.
    pub(crate) mismatch: Error,
    /// True when it is not: curl (OpenSSL) compares the key with any
    /// certificate, an X.509 v1 one's too, where rustls compares it only
    /// with a certificate webpki can read; so the lab compares here.
    pub(crate) key_refused: bool,
}

impl IdentityFiles {
    pub(crate) fn read(cert: crate::Source<'_>, key: crate::Source<'_>) -> Result<Self, Error> {
        let chain = read_certificates(cert)?;
        let read_key = read_private_key(key)?;
        let mismatch = Error::KeyMismatch {
            key_file: key.name.into(),
            cert_file: cert.name.into(),
            subject: chain
                .first()
                .map(|c| c.info.subject.to_string())
                .unwrap_or_default(),
        };
        let key_refused = match (&read_key.pair, chain.first()) {
            (Ok(pair), Some(leaf)) => {
                pair.public_key_info_der()? != crate::material::public_key_info(&leaf.der)?
            }
            _ => false,
        };
        Ok(Self {
            chain,
            key: read_key,
            mismatch,
            key_refused,
        })
    }
}
