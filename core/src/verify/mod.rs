//! Chain verification with rustls' own webpki verifiers, so that the verdict
//! is exactly what `certplay serve` decides, and one typed [`Reason`] for
//! every refusal, of a chain or of a whole handshake, naming the
//! certificates involved. Facts only: each front end adds its own hint.

mod alert;
mod asked;
mod bounded;
mod crl;
mod explain;
mod failure;
mod kind;
pub mod provider;
mod reason;
mod tls_words;

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls::{client::WebPkiServerVerifier, RootCertStore};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};

pub use alert::alert_name;
pub(crate) use alert::serde_alert;
pub use asked::{
    misfits, prediction, ClientCertificateRefused, ClientPrediction, Misfit, ServerAsks,
};
pub use bounded::{bounded_hex, bounded_name, MAX_LISTED};
pub use crl::check_crl_signature;
pub use explain::{explain, explain_failure, explain_io};
pub use failure::{CertFailure, Failure, Purpose as FailedPurpose};
pub use kind::ReasonKind;
pub use reason::{purpose_name, Budget, Incompatibility, Reason};

use crate::read::{Certificate, Crl};

/// What the leaf must be good for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A TLS server reached under `host` (a DNS name or an IP address).
    Server {
        /// The name the client connects to.
        host: String,
    },
    /// A TLS client (mTLS).
    Client,
}

/// Everything a chain is checked against.
#[derive(Debug, Clone)]
pub struct Check<'a> {
    /// Trust anchors (root or intermediate CAs the verifier trusts).
    pub anchors: &'a [Certificate],
    /// Certificates sent along with the leaf.
    pub intermediates: &'a [Certificate],
    /// CRLs to consult; certificates they do not cover are not refused.
    pub crls: &'a [Crl],
    /// The purpose.
    pub purpose: Purpose,
    /// The time of the check, Unix seconds.
    pub at: i64,
}

/// Verifies `leaf` with rustls' webpki verifiers and `provider`'s
/// signature algorithms. `Ok(())` means a rustls peer would accept it.
// A refusal is rare and made once: its size costs nothing that counts.
#[allow(clippy::result_large_err)]
pub fn verify(
    leaf: &Certificate,
    check: &Check<'_>,
    provider: &Arc<CryptoProvider>,
) -> Result<(), Reason> {
    let mut roots = RootCertStore::empty();
    for anchor in check.anchors {
        roots
            .add(CertificateDer::from(anchor.der.clone()))
            .map_err(|e| Reason::BadAnchor {
                subject: Some(anchor.subject.clone()),
                detail: tls_words::words(&e),
            })?;
    }
    if roots.is_empty() {
        return Err(Reason::NoAnchors);
    }
    let roots = Arc::new(roots);
    let crls: Vec<CertificateRevocationListDer<'static>> = check
        .crls
        .iter()
        .map(|c| CertificateRevocationListDer::from(c.der.clone()))
        .collect();
    let intermediates: Vec<CertificateDer<'static>> = check
        .intermediates
        .iter()
        .map(|c| CertificateDer::from(c.der.clone()))
        .collect();
    let end_entity = CertificateDer::from(leaf.der.clone());
    let now = UnixTime::since_unix_epoch(Duration::from_secs(
        u64::try_from(check.at).unwrap_or_default(),
    ));
    let builder_error = |e: rustls::server::VerifierBuilderError| match e {
        rustls::server::VerifierBuilderError::InvalidCrl(crl) => Reason::Crl {
            detail: tls_words::crl_words(&crl),
        },
        rustls::server::VerifierBuilderError::NoRootAnchors => Reason::NoAnchors,
        _ => Reason::Other {
            detail: "the verifier could not be built".into(),
        },
    };
    let result = match &check.purpose {
        Purpose::Client => {
            let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider.clone())
                .with_crls(crls)
                .allow_unknown_revocation_status()
                .build()
                .map_err(builder_error)?;
            verifier
                .verify_client_cert(&end_entity, &intermediates, now)
                .map(|_| ())
        }
        Purpose::Server { host } => {
            let name = ServerName::try_from(host.clone())
                .map_err(|_| Reason::BadHostName { host: host.clone() })?;
            let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                .with_crls(crls)
                .allow_unknown_revocation_status()
                .build()
                .map_err(builder_error)?;
            verifier
                .verify_server_cert(&end_entity, &intermediates, &name, &[], now)
                .map(|_| ())
        }
    };
    result.map_err(|e| explain(&e, Some(leaf), check))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
