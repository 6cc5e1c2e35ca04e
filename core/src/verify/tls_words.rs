//! rustls' errors in words, where core has no typed reason of its own for
//! them: what a refused CRL or a TLS error that is not a certificate's
//! says. Used by the explanation ([`super::explain`]) and by the typed
//! failure ([`super::failure`]) alike, so neither depends on the other.

use rustls::{CertRevocationListError, Error as TlsError};

pub(crate) fn crl_words(e: &CertRevocationListError) -> String {
    match e {
        CertRevocationListError::BadSignature => {
            "its signature does not verify with its issuer's key"
        }
        CertRevocationListError::InvalidCrlNumber => "its CRL number is invalid",
        CertRevocationListError::InvalidRevokedCertSerialNumber => {
            "a revoked serial number is invalid"
        }
        CertRevocationListError::IssuerInvalidForCrl => "its issuer lacks keyUsage cRLSign",
        CertRevocationListError::ParseError => "it is not a valid DER CRL",
        CertRevocationListError::UnsupportedCrlVersion => "it is not a v2 CRL",
        CertRevocationListError::UnsupportedCriticalExtension => {
            "it has a critical extension webpki does not process"
        }
        CertRevocationListError::UnsupportedDeltaCrl => "delta CRLs are not supported",
        CertRevocationListError::UnsupportedIndirectCrl => "indirect CRLs are not supported",
        CertRevocationListError::UnsupportedRevocationReason => {
            "an entry has an unsupported reason"
        }
        #[allow(deprecated)]
        CertRevocationListError::UnsupportedSignatureAlgorithm
        | CertRevocationListError::UnsupportedSignatureAlgorithmContext { .. }
        | CertRevocationListError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "it is signed with an unsupported algorithm"
        }
        CertRevocationListError::Other(other) => {
            return match other.0.downcast_ref::<webpki::Error>() {
                Some(webpki::Error::UnsupportedCrlIssuingDistributionPoint) => {
                    "its issuingDistributionPoint is not supported".into()
                }
                Some(webpki::Error::UnsupportedRevocationReasonsPartitioning) => {
                    "a CRL partitioned by reasons is not supported".into()
                }
                _ => "webpki refused it".into(),
            }
        }
        _ => "rustls refused it",
    }
    .to_owned()
}

/// Words for a rustls error that [`super::explain`] has no reason of its own for,
/// without its Debug text.
pub(crate) fn words(e: &TlsError) -> String {
    match e {
        TlsError::InvalidCertificate(_) => "the certificate is invalid".into(),
        TlsError::InvalidCertRevocationList(c) => format!("CRL problem: {}", crl_words(c)),
        TlsError::InappropriateMessage { .. } | TlsError::InappropriateHandshakeMessage { .. } => {
            "the peer sent a TLS message that does not belong at this point".into()
        }
        TlsError::InvalidEncryptedClientHello(_) => "the encrypted ClientHello is invalid".into(),
        TlsError::InvalidMessage(_) => "the peer sent a malformed TLS message".into(),
        TlsError::NoCertificatesPresented => "the peer sent no certificate".into(),
        TlsError::UnsupportedNameType => "the server name is of an unsupported type".into(),
        TlsError::DecryptError => {
            "a record could not be decrypted (wrong keys or tampering)".into()
        }
        TlsError::EncryptError => "a record could not be encrypted".into(),
        TlsError::PeerIncompatible(_) => {
            "the peer supports no TLS version, cipher suite or signature scheme in common".into()
        }
        TlsError::PeerMisbehaved(_) => "the peer broke the TLS protocol".into(),
        TlsError::AlertReceived(_) => "the peer sent a TLS alert".into(),
        TlsError::General(s) => s.clone(),
        TlsError::FailedToGetCurrentTime => "the current time is not available".into(),
        TlsError::FailedToGetRandomBytes => "no random bytes are available".into(),
        TlsError::HandshakeNotComplete => "the handshake is not complete".into(),
        TlsError::PeerSentOversizedRecord => "the peer sent a record larger than TLS allows".into(),
        TlsError::NoApplicationProtocol => "no ALPN protocol in common".into(),
        TlsError::BadMaxFragmentSize => "an invalid maximum fragment size".into(),
        TlsError::InconsistentKeys(_) => "the private key does not match the certificate".into(),
        TlsError::Other(o) => o.to_string(),
        _ => "TLS failed (an error certplay does not know yet)".into(),
    }
}
