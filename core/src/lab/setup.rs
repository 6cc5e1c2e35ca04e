//! What one side of a lab handshake is set up with: the two ends, and the
//! TLS versions a client offers. Plain data, without the `lab` feature, so
//! that the cases, their predictions and the printed commands build
//! anywhere core builds.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The two ends of the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The client (configured as curl is).
    Client,
    /// The server (configured as `certplay serve` is).
    Server,
}

impl Side {
    /// The other end.
    pub fn peer(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Client => "client",
            Self::Server => "server",
        })
    }
}

/// The TLS versions a client offers (curl's `--tlsv1.3`, `--tls-max 1.2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsVersions {
    /// TLS 1.3 and TLS 1.2, as curl offers by default.
    #[default]
    Tls13AndTls12,
    /// TLS 1.3 only.
    Tls13Only,
    /// TLS 1.2 only.
    Tls12Only,
}

impl TlsVersions {
    #[cfg(feature = "lab")]
    pub(crate) fn rustls(self) -> &'static [&'static rustls::SupportedProtocolVersion] {
        use rustls::SupportedProtocolVersion;
        static TLS13: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
        static TLS12: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
        match self {
            Self::Tls13AndTls12 => rustls::ALL_VERSIONS,
            Self::Tls13Only => &TLS13,
            Self::Tls12Only => &TLS12,
        }
    }
}

impl TlsVersions {
    /// curl's options for these versions (`--tlsv1.3`, `--tls-max 1.2`);
    /// none for curl's default.
    pub fn curl_args(self) -> &'static [&'static str] {
        match self {
            Self::Tls13AndTls12 => &[],
            Self::Tls13Only => &["--tlsv1.3"],
            Self::Tls12Only => &["--tls-max", "1.2"],
        }
    }

    /// `openssl s_client`'s option for these versions.
    pub fn openssl_args(self) -> &'static [&'static str] {
        match self {
            Self::Tls13AndTls12 => &[],
            Self::Tls13Only => &["-tls1_3"],
            Self::Tls12Only => &["-tls1_2"],
        }
    }
}

/// A TLS version a handshake ends up with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsVersion {
    /// TLS 1.2 (RFC 5246).
    #[serde(rename = "tls1.2")]
    Tls12,
    /// TLS 1.3 (RFC 8446).
    #[serde(rename = "tls1.3")]
    Tls13,
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Tls12 => "TLS 1.2",
            Self::Tls13 => "TLS 1.3",
        })
    }
}

impl TlsVersion {
    /// A client offering only this version.
    pub fn only(self) -> TlsVersions {
        match self {
            Self::Tls12 => TlsVersions::Tls12Only,
            Self::Tls13 => TlsVersions::Tls13Only,
        }
    }
}
