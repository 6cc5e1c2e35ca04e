//! Why a TLS handshake was refused, in words. The server logs these and the
//! page shows them: one mapping from rustls/webpki errors, so that both
//! always say the same thing.

use std::fmt;

use rustls::{AlertDescription, CertificateError, Error as TlsError, InvalidMessage};

use crate::format_time;
use crate::read::{Certificate, Crl};
use crate::verify::{self, Check, Purpose, Reason};

/// The reason a handshake failed, most specific first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The client sent no certificate, and one is required.
    NoClientCertificate,
    /// The client certificate was not issued by a trusted CA.
    UnknownIssuer {
        /// The client certificate's subject.
        subject: String,
        /// Its issuer.
        issuer: String,
        /// The CAs the server trusts.
        trusted: Vec<String>,
    },
    /// The client certificate's notAfter has passed.
    Expired {
        /// The client certificate's subject.
        subject: String,
        /// notAfter, Unix seconds.
        not_after: i64,
        /// The time of the check, Unix seconds.
        now: i64,
    },
    /// The client certificate's notBefore has not come yet.
    NotYetValid {
        /// The client certificate's subject.
        subject: String,
        /// notBefore, Unix seconds.
        not_before: i64,
        /// The time of the check, Unix seconds.
        now: i64,
    },
    /// The client certificate is not for client authentication.
    WrongPurpose {
        /// The client certificate's subject.
        subject: String,
        /// The extendedKeyUsage purposes it has.
        presented: Vec<String>,
    },
    /// The client certificate is X.509 v1, which webpki refuses.
    V1Certificate {
        /// The client certificate's subject.
        subject: String,
    },
    /// The signature on the client certificate does not verify.
    BadSignature {
        /// The client certificate's subject.
        subject: String,
        /// Its issuer.
        issuer: String,
    },
    /// A chain problem in core's words (a different CA with the same name,
    /// ...), with the server's hint added when shown.
    Chain(Reason),
    /// Another problem with the client certificate.
    BadCertificate {
        /// The client certificate's subject, when it could be read.
        subject: Option<String>,
        /// What webpki said.
        detail: String,
    },
    /// The client refused the server's certificate and said so with an alert.
    ServerCertificateRefused {
        /// The TLS alert, by its RFC 8446 name.
        alert: String,
    },
    /// The client closed the connection in the middle of the handshake.
    ClosedDuringHandshake,
    /// The client did not speak TLS at all.
    NotTls,
    /// Anything else, as rustls put it.
    Other(String),
}

impl Refusal {
    /// Explains a failed server-side handshake. `client_cert` is the end-entity
    /// certificate the client presented, if any; `anchors` are the CAs the
    /// server trusts.
    pub fn from_tls_error(
        error: &TlsError,
        client_cert: Option<&[u8]>,
        anchors: &[Certificate],
    ) -> Self {
        Self::from_tls_error_with_crls(error, client_cert, anchors, &[])
    }

    /// The same for a server that also checks `crls`: a revoked client
    /// certificate is explained with its CRL entry (reason, revocation
    /// time), an expired CRL with its issuer.
    pub fn from_tls_error_with_crls(
        error: &TlsError,
        client_cert: Option<&[u8]>,
        anchors: &[Certificate],
        crls: &[Crl],
    ) -> Self {
        let cert = client_cert.and_then(|der| Certificate::from_der(der).ok());
        let trusted: Vec<String> = anchors.iter().map(|a| a.subject.to_string()).collect();
        let subject = || {
            cert.as_ref()
                .map_or_else(|| "(unreadable)".to_owned(), |c| c.subject.to_string())
        };
        let issuer = || {
            cert.as_ref()
                .map_or_else(|| "(unreadable)".to_owned(), |c| c.issuer.to_string())
        };
        let check = Check {
            anchors,
            intermediates: &[],
            crls,
            purpose: Purpose::Client,
            at: cert.as_ref().map_or(0, |c| c.not_before.0),
        };
        let reason = || verify::explain(error, cert.as_ref(), &check);
        if let Reason::SameNameOtherCa { .. } = reason() {
            return Self::Chain(reason());
        }
        match error {
            TlsError::NoCertificatesPresented => Self::NoClientCertificate,
            TlsError::InvalidCertificate(cert_error) => match cert_error {
                CertificateError::UnknownIssuer => Self::UnknownIssuer {
                    subject: subject(),
                    issuer: issuer(),
                    trusted,
                },
                CertificateError::ExpiredContext { time, not_after } => Self::Expired {
                    subject: subject(),
                    not_after: seconds(not_after.as_secs()),
                    now: seconds(time.as_secs()),
                },
                CertificateError::NotValidYetContext { time, not_before } => Self::NotYetValid {
                    subject: subject(),
                    not_before: seconds(not_before.as_secs()),
                    now: seconds(time.as_secs()),
                },
                CertificateError::Expired | CertificateError::NotValidYet => match cert.as_ref() {
                    Some(c) => {
                        if matches!(cert_error, CertificateError::Expired) {
                            Self::Expired {
                                subject: c.subject.to_string(),
                                not_after: c.not_after.0,
                                now: c.not_after.0.saturating_add(1),
                            }
                        } else {
                            Self::NotYetValid {
                                subject: c.subject.to_string(),
                                not_before: c.not_before.0,
                                now: c.not_before.0.saturating_sub(1),
                            }
                        }
                    }
                    None => Self::Chain(reason()),
                },
                CertificateError::InvalidPurpose
                | CertificateError::InvalidPurposeContext { .. } => Self::WrongPurpose {
                    subject: subject(),
                    presented: match reason() {
                        Reason::WrongPurpose { present, .. } => present,
                        _ => Vec::new(),
                    },
                },
                CertificateError::BadSignature => Self::BadSignature {
                    subject: subject(),
                    issuer: issuer(),
                },
                CertificateError::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
                    Some(webpki::Error::UnsupportedCertVersion) => {
                        Self::V1Certificate { subject: subject() }
                    }
                    Some(webpki::Error::CaUsedAsEndEntity) => Self::BadCertificate {
                        subject: cert.as_ref().map(|c| c.subject.to_string()),
                        detail: "it is a CA certificate, presented as the client's own; \
                                     present the client certificate (client.crt) instead"
                            .into(),
                    },
                    _ => Self::Chain(reason()),
                },
                _ => Self::Chain(reason()),
            },
            TlsError::AlertReceived(alert) => Self::ServerCertificateRefused {
                alert: alert_name(*alert),
            },
            TlsError::InvalidMessage(InvalidMessage::InvalidContentType) => Self::NotTls,
            other => Self::Other(verify::words(other, cert.as_ref())),
        }
    }

    /// Explains an I/O error from a TLS accept: rustls errors inside it are
    /// explained as above; an early end of stream means the client hung up.
    pub fn from_io_error(
        error: &std::io::Error,
        client_cert: Option<&[u8]>,
        trusted: &[Certificate],
    ) -> Self {
        Self::from_io_error_with_crls(error, client_cert, trusted, &[])
    }

    /// The same for a server that also checks `crls`.
    pub fn from_io_error_with_crls(
        error: &std::io::Error,
        client_cert: Option<&[u8]>,
        trusted: &[Certificate],
        crls: &[Crl],
    ) -> Self {
        if let Some(tls) = error.get_ref().and_then(|e| e.downcast_ref::<TlsError>()) {
            return Self::from_tls_error_with_crls(tls, client_cert, trusted, crls);
        }
        match error.kind() {
            std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset => {
                Self::ClosedDuringHandshake
            }
            _ => Self::Other(error.to_string()),
        }
    }

    /// A short, stable name for the kind of refusal (for logs and tests).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NoClientCertificate => "no-client-certificate",
            Self::UnknownIssuer { .. } => "unknown-issuer",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not-yet-valid",
            Self::WrongPurpose { .. } => "wrong-purpose",
            Self::V1Certificate { .. } => "x509-v1",
            Self::BadSignature { .. } => "bad-signature",
            Self::Chain(reason) => reason.kind(),
            Self::BadCertificate { .. } => "bad-certificate",
            Self::ServerCertificateRefused { .. } => "server-certificate-refused",
            Self::ClosedDuringHandshake => "closed-during-handshake",
            Self::NotTls => "not-tls",
            Self::Other(_) => "other",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoClientCertificate => f.write_str(
                "no client certificate: the client sent none and this server requires one \
                 (curl: --cert client.crt --key client.key)",
            ),
            Self::UnknownIssuer {
                subject,
                issuer,
                trusted,
            } => write!(
                f,
                "issuer not trusted: the client certificate {subject} was issued by {issuer}, \
                 but this server trusts only {}; issue the client certificate with that CA, \
                 or start the server with --ca naming its issuer",
                if trusted.is_empty() {
                    "no CA".to_owned()
                } else {
                    trusted.join(", ")
                }
            ),
            Self::Expired {
                subject,
                not_after,
                now,
            } => write!(
                f,
                "expired: the client certificate {subject} expired at {} (now {})",
                format_time(*not_after),
                format_time(*now)
            ),
            Self::NotYetValid {
                subject,
                not_before,
                now,
            } => write!(
                f,
                "not yet valid: the client certificate {subject} is valid from {} (now {}); \
                 check the clocks",
                format_time(*not_before),
                format_time(*now)
            ),
            Self::WrongPurpose { subject, presented } => write!(
                f,
                "wrong purpose: the client certificate {subject} is not for client \
                 authentication (extendedKeyUsage: {}); a client certificate needs clientAuth",
                if presented.is_empty() {
                    "none".to_owned()
                } else {
                    presented.join(", ")
                }
            ),
            Self::V1Certificate { subject } => write!(
                f,
                "X.509 v1 certificate: the client certificate {subject} is v1 (no extensions) \
                 and rustls refuses v1; `openssl x509 -req` makes v1 unless given -extfile"
            ),
            Self::BadSignature { subject, issuer } => write!(
                f,
                "bad signature: the client certificate {subject} names {issuer} as its issuer, \
                 but its signature does not verify with that CA's key (another CA with the \
                 same name?)"
            ),
            Self::Chain(reason @ Reason::SameNameOtherCa { .. }) => write!(
                f,
                "client certificate refused: {reason}; issue the client certificate with the \
                 CA this server trusts, or start the server with --ca naming the CA that issued it"
            ),
            Self::Chain(reason) => write!(f, "client certificate refused: {reason}"),
            Self::BadCertificate {
                subject: Some(subject),
                detail,
            } => write!(f, "bad client certificate {subject}: {detail}"),
            Self::BadCertificate {
                subject: None,
                detail,
            } => write!(f, "bad client certificate: {detail}"),
            Self::ServerCertificateRefused { alert } => write!(
                f,
                "the client refused this server's certificate (TLS alert {alert}){}",
                match alert.as_str() {
                    "unknown_ca" => ": it does not trust the CA that issued it (curl: --cacert ca.crt)",
                    "certificate_expired" => ": the server certificate has expired",
                    "bad_certificate" | "certificate_unknown" =>
                        ": it does not trust it, or the host name in the URL is not in its subjectAltName",
                    _ => "",
                }
            ),
            Self::ClosedDuringHandshake => f.write_str(
                "the client closed the connection during the handshake (often: it did not \
                 accept the server's certificate, e.g. the URL's host name is not in its \
                 subjectAltName)",
            ),
            Self::NotTls => f.write_str(
                "not TLS: the client sent something else (plain http:// to this https port?)",
            ),
            Self::Other(detail) => write!(f, "handshake failed: {detail}"),
        }
    }
}

fn seconds(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX)
}

/// The RFC 8446 name of a TLS alert (`unknown_ca`).
fn alert_name(alert: AlertDescription) -> String {
    let debug = format!("{alert:?}");
    match alert {
        AlertDescription::UnknownCA => "unknown_ca".into(),
        AlertDescription::BadCertificate => "bad_certificate".into(),
        AlertDescription::CertificateUnknown => "certificate_unknown".into(),
        AlertDescription::CertificateExpired => "certificate_expired".into(),
        AlertDescription::HandshakeFailure => "handshake_failure".into(),
        AlertDescription::DecryptError => "decrypt_error".into(),
        AlertDescription::ProtocolVersion => "protocol_version".into(),
        _ => debug
            .chars()
            .flat_map(|c| {
                if c.is_ascii_uppercase() {
                    vec!['_', c.to_ascii_lowercase()]
                } else {
                    vec![c]
                }
            })
            .collect::<String>()
            .trim_start_matches('_')
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::blog_set;

    #[test]
    fn each_refusal_names_its_reason() {
        let pki = blog_set::issue("my-ca");
        let trusted = [Certificate::from_der(&pki.ca.cert_der).unwrap()];
        let explain = |e: TlsError| {
            Refusal::from_tls_error(&e, Some(&pki.client.cert_der), &trusted).to_string()
        };
        assert!(explain(TlsError::NoCertificatesPresented).starts_with("no client certificate"));
        let unknown = explain(CertificateError::UnknownIssuer.into());
        assert!(
            unknown.contains("CN=my-client was issued by CN=my-ca"),
            "{unknown}"
        );
        let purpose = explain(CertificateError::InvalidPurpose.into());
        assert!(
            purpose.contains("extendedKeyUsage: clientAuth"),
            "{purpose}"
        );
        let v1 = explain(
            CertificateError::Other(rustls::OtherError(std::sync::Arc::new(
                webpki::Error::UnsupportedCertVersion,
            )))
            .into(),
        );
        assert!(v1.starts_with("X.509 v1 certificate"), "{v1}");
        let alert = explain(TlsError::AlertReceived(AlertDescription::UnknownCA));
        assert!(
            alert.contains("unknown_ca") && alert.contains("--cacert"),
            "{alert}"
        );
    }

    #[test]
    fn garbage_certificates_do_not_stop_an_explanation() {
        let refusal = Refusal::from_tls_error(
            &CertificateError::UnknownIssuer.into(),
            Some(b"\x30\x82garbage"),
            &[],
        );
        assert_eq!(refusal.kind(), "unknown-issuer");
        assert!(refusal.to_string().contains("(unreadable)"));
    }
}
