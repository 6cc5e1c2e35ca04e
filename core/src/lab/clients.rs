//! What curl and `openssl s_client` print for a case, by their versions:
//! the one table that predicts curl's exit code and message (the lab, the
//! connect and cross-stack checks use it).
//!
//! Read from curl's and OpenSSL's sources, and checked against the real
//! curl 7.88.1 / OpenSSL 3.0 in the lab's parity test:
//!
//! - a TLS 1.3 client sends its certificate with its last handshake
//!   message and counts the handshake as done; the server's refusal comes
//!   back as an alert on its first read: curl exit 56 (`SSL_read`), or 55
//!   when its request's send fails first (its words are then about the
//!   send). In TLS 1.2 the server refuses before its own Finished: curl
//!   exit 35, in the handshake; but 98 for certificate_required (curl
//!   7.77+: CURLE_SSL_CLIENTCERT) and 60 "SSL certificate verification
//!   failed" for certificate_expired (curl counts that alert as its own
//!   verification failing);
//! - a server certificate curl does not accept: exit 60, with OpenSSL's
//!   verify error (`certificate has expired`), or curl's own words for a
//!   host name it does not cover (curl checks the name after the
//!   handshake: the server sees a handshake, then no request);
//! - a CA without keyCertSign: OpenSSL's "invalid CA certificate" (79);
//! - no server listening (`certplay serve` refused to start): curl exit 7
//!   "Couldn't connect to server", s_client "Connection refused";
//! - a key that is not the certificate's: curl refuses before TLS, exit
//!   58 (it has connected: the server sees a connection closed without a
//!   byte); openssl s_client before connecting;
//! - OpenSSL 3.0 and 3.1 word the alerts of SSL 3.0 `sslv3 alert ...`,
//!   3.2 and later `ssl/tls alert ...`; TLS 1.0's are `tlsv1 alert ...`
//!   and TLS 1.3's `tlsv13 alert ...` in both.

use rustls::AlertDescription;
use serde::{Deserialize, Serialize};

use super::case::Case;
use super::predict::{Prediction, Verdict};
use super::setup::{Side, TlsVersion};
use crate::read::model::KeyKind;
use crate::read::Certificate;
use crate::verify::{alert_name, Reason, ReasonKind};

/// A version number (`7.88.1`, `3.0.11`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Version(pub u16, pub u16, pub u16);

impl Version {
    /// Reads `3.0.11` (or `3.0`); anything after the numbers is ignored.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .map(|p| p.parse::<u16>().ok());
        let major = parts.next()??;
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts.next().flatten().unwrap_or(0);
        Some(Self(major, minor, patch))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// curl and the OpenSSL it is built with (`curl --version`'s first line);
/// `openssl s_client` is taken to be that OpenSSL too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clients {
    /// curl's version.
    pub curl: Version,
    /// Its TLS library's (OpenSSL) version.
    pub openssl: Version,
}

impl Clients {
    /// The versions the predictions were checked against: Debian 12's curl
    /// 7.88.1 with OpenSSL 3.0.
    pub const CHECKED: Self = Self {
        curl: Version(7, 88, 1),
        openssl: Version(3, 0, 0),
    };

    /// Reads `curl --version`'s first line (`curl 7.88.1 (x86_64-pc-linux-gnu)
    /// libcurl/7.88.1 OpenSSL/3.0.11 ...`).
    pub fn from_curl_version(line: &str) -> Option<Self> {
        let mut words = line.split_whitespace();
        let curl = words.nth(1).and_then(Version::parse)?;
        let openssl = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("OpenSSL/"))
            .and_then(Version::parse)?;
        Some(Self { curl, openssl })
    }

    /// OpenSSL's words for a received alert (`sslv3 alert bad
    /// certificate`, `tlsv1 alert unknown ca`), as curl and s_client
    /// print them.
    pub fn alert_words(&self, alert: AlertDescription) -> String {
        let words = alert_name(alert).replace('_', " ");
        let prefix = match u8::from(alert) {
            // The alerts SSL 3.0 defined.
            0..=47 if self.openssl >= Version(3, 2, 0) => "ssl/tls",
            0..=47 => "sslv3",
            // TLS 1.3's.
            109 | 116 => "tlsv13",
            _ => "tlsv1",
        };
        format!("{prefix} alert {words}")
    }

    /// OpenSSL's verify error (number and words) for a server certificate
    /// refused for `kind`'s reason.
    pub fn verify_error(&self, kind: ReasonKind) -> (u16, &'static str) {
        match kind {
            ReasonKind::Expired => (10, "certificate has expired"),
            ReasonKind::NotYetValid => (9, "certificate is not yet valid"),
            ReasonKind::NameMismatch => (62, "hostname mismatch"),
            ReasonKind::Revoked => (23, "certificate revoked"),
            ReasonKind::WrongPurpose => (26, "unsupported certificate purpose"),
            ReasonKind::PathLenExceeded => (25, "path length constraint exceeded"),
            ReasonKind::NameConstraintViolated => (47, "permitted subtree violation"),
            ReasonKind::SameNameOtherCa
            | ReasonKind::BadSignature
            | ReasonKind::IssuerKeyTooSmall => (7, "certificate signature failure"),
            _ => (20, "unable to get local issuer certificate"),
        }
    }

    /// OpenSSL's verify error for a server certificate core refuses for
    /// `reason`: [`Clients::verify_error`], except that a certificate that
    /// is its own issuer is OpenSSL's "self-signed certificate" (18).
    pub fn verify_error_of(&self, reason: &Reason) -> (u16, &'static str) {
        match reason {
            Reason::UnknownIssuer {
                missing_intermediate: false,
                ..
            } => (18, "self-signed certificate"),
            other => self.verify_error(other.kind()),
        }
    }

    /// curl's words for a server certificate it refuses for `reason`.
    fn curl_refusing(&self, reason: &Reason) -> Expected {
        Expected::one(
            60,
            match reason.kind() {
                // curl checks the host name itself, after the handshake.
                ReasonKind::NameMismatch => {
                    "SSL: no alternative certificate subject name matches target host name"
                        .to_owned()
                }
                _ => format!(
                    "SSL certificate problem: {}",
                    self.verify_error_of(reason).1
                ),
            },
        )
    }

    /// What curl does for a case that core predicts as `prediction`.
    pub fn curl(&self, prediction: &Prediction) -> Expected {
        if prediction.case == Case::CaWithoutKeyCertSign {
            if let Verdict::Accepted = prediction.verdict {
                return Expected::one(60, format!("SSL certificate problem: {}", KEY_CERT_SIGN.1));
            }
        }
        match &prediction.verdict {
            Verdict::Accepted => Expected::one(0, "Hello World"),
            Verdict::KeyMismatch => Expected::one(58, "unable to set private key file"),
            // No server listens.
            Verdict::ServeRefuses { .. } => Expected::one(7, "Couldn't connect to server"),
            Verdict::Refused {
                by: Side::Client,
                reason,
                ..
            } => self.curl_refusing(reason),
            Verdict::Refused {
                by: Side::Server,
                alert,
                ..
            } => self.curl_refused(prediction.version, *alert),
        }
    }

    /// What curl prints when the server refuses its handshake (its client
    /// certificate) with `alert`, in `version` (`None`: none agreed on).
    pub fn curl_refused(&self, version: Option<TlsVersion>, alert: AlertDescription) -> Expected {
        let words = self.alert_words(alert);
        // A protocol_version alert ends the handshake before any
        // certificate, in either version.
        if version == Some(TlsVersion::Tls13) && alert != AlertDescription::ProtocolVersion {
            // The alert comes on curl's first read; when it closes the
            // connection before curl's request is sent, curl's words are
            // about the send.
            return Expected {
                printed: vec![Printed::new(56, words), Printed::new(55, "curl: (55)")],
            };
        }
        match alert {
            // curl 7.77+ names a refused client certificate in the
            // handshake: CURLE_SSL_CLIENTCERT.
            AlertDescription::CertificateRequired if self.curl >= Version(7, 77, 0) => {
                Expected::one(98, words)
            }
            // curl takes OpenSSL's "alert certificate expired" for its own
            // verification failing.
            AlertDescription::CertificateExpired => {
                Expected::one(60, "SSL certificate verification failed")
            }
            _ => Expected::one(35, words),
        }
    }

    /// What `openssl s_client -verify_return_error` (with `-verify_hostname
    /// HOST`, and a request on its input with `-ign_eof`) prints for the
    /// same case.
    pub fn openssl(&self, prediction: &Prediction) -> Expected {
        if prediction.case == Case::CaWithoutKeyCertSign {
            if let Verdict::Accepted = prediction.verdict {
                return Expected::one(
                    1,
                    format!("verify error:num={}:{}", KEY_CERT_SIGN.0, KEY_CERT_SIGN.1),
                );
            }
        }
        match &prediction.verdict {
            Verdict::Accepted => Expected::one(0, "Hello World"),
            Verdict::KeyMismatch => Expected::one(1, "key values mismatch"),
            Verdict::ServeRefuses { .. } => Expected::one(1, "Connection refused"),
            Verdict::Refused {
                by: Side::Client,
                reason,
                ..
            } => self.openssl_refusing(reason),
            Verdict::Refused {
                by: Side::Server,
                alert,
                ..
            } => {
                let words = self.alert_words(*alert);
                Expected {
                    printed: vec![Printed::new(1, words.clone()), Printed::new(0, words)],
                }
            }
        }
    }
}

impl Clients {
    /// `openssl s_client -verify_return_error`'s words for a server
    /// certificate it refuses for `reason`.
    fn openssl_refusing(&self, reason: &Reason) -> Expected {
        let (number, words) = self.verify_error_of(reason);
        Expected::one(1, format!("verify error:num={number}:{words}"))
    }

    /// What curl prints against a server whose certificate is as `server`
    /// says (curl given the CA with `--cacert`, and the CRL with
    /// `--crlfile` where there is one).
    pub fn curl_against(&self, server: &ServerCertificate) -> Expected {
        match server.openssl_refuses() {
            None => Expected::one(0, "Hello World"),
            Some(Refusal::Reason(reason)) => self.curl_refusing(reason),
            Some(Refusal::WeakKey) => {
                Expected::one(60, format!("SSL certificate problem: {}", WEAK_KEY.1))
            }
        }
    }

    /// What `openssl s_client -verify_return_error -verify_hostname HOST`
    /// (with `-CRL FILE -crl_check` where there is a CRL, and a request on
    /// its input with `-ign_eof`) prints against the same server.
    pub fn openssl_against(&self, server: &ServerCertificate) -> Expected {
        match server.openssl_refuses() {
            None => Expected::one(0, "Hello World"),
            Some(Refusal::Reason(reason)) => self.openssl_refusing(reason),
            Some(Refusal::WeakKey) => {
                Expected::one(1, format!("verify error:num={}:{}", WEAK_KEY.0, WEAK_KEY.1))
            }
        }
    }
}

/// What is wrong with a server's certificate, as a TLS client meets it
/// (`certplay serve --broken`'s endpoints): core's verdict, which is
/// webpki's (rustls, and what a correct client decides), and the cases
/// where the other stacks judge otherwise. Tried here with curl 7.88.1,
/// `openssl s_client` and Python's ssl on OpenSSL 3.0 (Debian's security
/// level 2) and Node 20.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServerCertificate {
    /// core accepts it.
    Sound,
    /// core refuses it for this reason, and so does every client given
    /// the same CA (and CRL).
    Refused(Reason),
    /// Only a commonName names the host, no subjectAltName: core refuses
    /// it for the name (browsers since 2017 and RFC 9525 check only
    /// subjectAltName); OpenSSL's host check (curl, s_client, Python) and
    /// Node's fall back to the commonName and accept.
    CommonNameOnly(Reason),
    /// X.509 v1 (no extensions, so no subjectAltName either): webpki
    /// refuses it; OpenSSL and Node take a v1 end-entity certificate and
    /// its commonName.
    X509V1(Reason),
    /// An RSA key shorter than 2048 bits: rustls refuses the handshake's
    /// signature by it; OpenSSL at security level 2 (Debian's default:
    /// curl, s_client, Python) refuses the certificate, "EE certificate key
    /// too weak"; Node 20 (level 1) accepts it.
    WeakKey {
        /// The key's size.
        bits: u32,
    },
}

/// Why an OpenSSL client refuses a server certificate.
enum Refusal<'a> {
    Reason(&'a Reason),
    WeakKey,
}

impl ServerCertificate {
    /// What a client meets in a server certificate `leaf` that core's
    /// verification judged `verdict` (for the URL's host, against the CA
    /// and CRL the client is given).
    pub fn of(leaf: &Certificate, verdict: Result<(), Reason>) -> Self {
        match verdict {
            Err(reason) if leaf.version == 1 => Self::X509V1(reason),
            Err(reason)
                if reason.kind() == ReasonKind::NameMismatch
                    && leaf.subject_alt_names().is_empty() =>
            {
                Self::CommonNameOnly(reason)
            }
            Err(reason) => Self::Refused(reason),
            Ok(()) => match leaf.public_key.kind {
                KeyKind::Rsa { bits, .. } if bits < 2048 => Self::WeakKey { bits },
                _ => Self::Sound,
            },
        }
    }

    /// True when a correct client (rustls, a browser) refuses it.
    pub fn refused(&self) -> bool {
        !matches!(self, Self::Sound)
    }

    /// What OpenSSL refuses it for, if it does.
    fn openssl_refuses(&self) -> Option<Refusal<'_>> {
        match self {
            Self::Sound | Self::CommonNameOnly(_) | Self::X509V1(_) => None,
            Self::Refused(reason) => Some(Refusal::Reason(reason)),
            Self::WeakKey { .. } => Some(Refusal::WeakKey),
        }
    }

    /// Whether `program` accepts it.
    pub fn accepted_by(&self, program: Program) -> bool {
        match self {
            Self::Sound | Self::CommonNameOnly(_) | Self::X509V1(_) => true,
            Self::Refused(_) => false,
            Self::WeakKey { .. } => program == Program::Node,
        }
    }
}

/// A TLS client program `certplay serve --broken`'s table speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Program {
    /// curl (its OpenSSL).
    Curl,
    /// `openssl s_client`.
    Openssl,
    /// Python's ssl module (its OpenSSL, a default context).
    Python,
    /// Node's https client.
    Node,
}

impl Program {
    /// Every program, in the table's order.
    pub const ALL: [Self; 4] = [Self::Curl, Self::Openssl, Self::Python, Self::Node];

    /// Its name in the table and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Curl => "curl",
            Self::Openssl => "openssl",
            Self::Python => "python",
            Self::Node => "node",
        }
    }
}

/// OpenSSL's verify error for an end-entity key under its security level.
const WEAK_KEY: (u16, &str) = (66, "EE certificate key too weak");

/// OpenSSL's verify error for a CA without keyCertSign.
const KEY_CERT_SIGN: (u16, &str) = (79, "invalid CA certificate");

/// Where the stacks differ by design, and why.
pub fn difference(case: Case) -> Option<&'static str> {
    match case {
        Case::CaWithoutKeyCertSign => Some(
            "webpki (rustls: certplay serve, the lab) does not check a CA's keyUsage; OpenSSL \
             (curl, openssl s_client) does not take a CA without keyCertSign as the issuer of \
             the server's certificate",
        ),
        _ => None,
    }
}

/// What a client program is expected to print: any one of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    /// The usual one first.
    pub printed: Vec<Printed>,
}

impl Expected {
    /// One exit code and the words the output contains.
    pub fn one(exit: u8, words: impl Into<String>) -> Self {
        Self {
            printed: vec![Printed::new(exit, words)],
        }
    }

    /// True when a program that exited with `exit` and printed `output`
    /// (standard output and error) did what is expected.
    pub fn matches(&self, exit: i32, output: &str) -> bool {
        self.printed
            .iter()
            .any(|p| i32::from(p.exit) == exit && output.contains(&p.words))
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, printed) in self.printed.iter().enumerate() {
            if i > 0 {
                f.write_str(", or ")?;
            }
            write!(f, "exit {}: {}", printed.exit, printed.words)?;
        }
        Ok(())
    }
}

/// One exit code and words the output contains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Printed {
    /// The exit code.
    pub exit: u8,
    /// Words its output contains.
    pub words: String,
}

impl Printed {
    fn new(exit: u8, words: impl Into<String>) -> Self {
        Self {
            exit,
            words: words.into(),
        }
    }
}
