//! The lab client's notes: rustls' hooks (its certificate resolver, its
//! key and signer, its server verifier) wrapped so that each writes down
//! what it saw, the chains, CA names and signature schemes, while webpki
//! and the keys still decide everything.

use std::sync::{Arc, Mutex, MutexGuard};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::sign::{CertifiedKey, Signer, SigningKey};
use rustls::{DigitallySignedStruct, Error as TlsError, SignatureAlgorithm, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, SubjectPublicKeyInfoDer, UnixTime};

/// What rustls' hooks saw during one handshake.
#[derive(Debug, Default)]
pub(super) struct Seen {
    /// The CertificateRequest's CA names and signature schemes (the client's
    /// resolver was asked).
    /// (The CA names as DER: the lab's module reads no certificate.)
    pub(super) certificate_request: Option<(Vec<Vec<u8>>, Vec<SignatureScheme>)>,
    /// The chain the client sent (empty: none).
    pub(super) client_chain: Option<Vec<CertificateDer<'static>>>,
    /// The scheme of the client's CertificateVerify.
    pub(super) client_signature: Option<SignatureScheme>,
    /// The chain the server sent, as the client checked it.
    pub(super) server_chain: Option<Vec<CertificateDer<'static>>>,
    /// The scheme of the server's CertificateVerify (TLS 1.3) or
    /// ServerKeyExchange signature (TLS 1.2), as the client checked it.
    pub(super) server_signature: Option<SignatureScheme>,
}

/// The hooks' shared record.
#[derive(Debug, Default, Clone)]
pub(super) struct Record(Arc<Mutex<Seen>>);

impl Record {
    pub(super) fn seen(&self) -> MutexGuard<'_, Seen> {
        // A poisoned lock only means a hook panicked mid-write; what it
        // wrote is still a whole value.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The client's certificate choice, as curl makes it: its one certificate
/// whatever CAs the server names; and the CertificateRequest it answers.
#[derive(Debug)]
pub(super) struct ClientIdentity {
    pub(super) identity: Option<Arc<CertifiedKey>>,
    pub(super) record: Record,
}

impl ResolvesClientCert for ClientIdentity {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        let names = root_hint_subjects.iter().map(|dn| dn.to_vec()).collect();
        let mut seen = self.record.seen();
        seen.certificate_request = Some((names, sigschemes.to_vec()));
        seen.client_chain = Some(
            self.identity
                .as_ref()
                .map(|id| id.cert.clone())
                .unwrap_or_default(),
        );
        self.identity.clone()
    }

    fn has_certs(&self) -> bool {
        self.identity.is_some()
    }
}

/// The client's key, noting the scheme it signs its CertificateVerify with.
#[derive(Debug)]
pub(super) struct WatchedKey {
    pub(super) inner: Arc<dyn SigningKey>,
    pub(super) record: Record,
}

impl SigningKey for WatchedKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        // rustls chooses when the CertificateRequest arrives, and signs
        // only if the handshake gets to the client's CertificateVerify.
        Some(Box::new(WatchedSigner {
            inner: self.inner.choose_scheme(offered)?,
            record: self.record.clone(),
        }))
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        self.inner.public_key()
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }
}

/// The client's signer, noting that it signed (its CertificateVerify).
#[derive(Debug)]
struct WatchedSigner {
    inner: Box<dyn Signer>,
    record: Record,
}

impl Signer for WatchedSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, TlsError> {
        self.record.seen().client_signature = Some(self.inner.scheme());
        self.inner.sign(message)
    }

    fn scheme(&self) -> SignatureScheme {
        self.inner.scheme()
    }
}

/// The client's webpki verifier, noting the chain and signature scheme the
/// server sent.
#[derive(Debug)]
pub(super) struct WatchedServerVerifier {
    pub(super) inner: Arc<WebPkiServerVerifier>,
    pub(super) record: Record,
}

impl ServerCertVerifier for WatchedServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        self.record.seen().server_chain = Some(
            std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| c.clone().into_owned())
                .collect(),
        );
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.record.seen().server_signature = Some(dss.scheme);
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.record.seen().server_signature = Some(dss.scheme);
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
