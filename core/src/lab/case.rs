//! The break-it lab's cases: every way the lab breaks an issued set on
//! purpose, each with a one-line fix. [`mutate`](super::mutate) makes the
//! broken copy of a set for one case.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One way to break an mTLS set (a mutation), by a stable kebab-case name
/// (`client-expired`). [`Case::AsIssued`] is the set as issued: the control
/// every other case is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Case {
    /// The set as issued: the handshake succeeds.
    AsIssued,
    /// curl sends no client certificate.
    NoClientCertificate,
    /// The client certificate's notAfter has passed.
    ClientExpired,
    /// The client certificate's notBefore has not come.
    ClientNotYetValid,
    /// The client certificate's extendedKeyUsage lacks clientAuth
    /// (serverAuth only).
    ClientWithoutClientAuth,
    /// The client certificate comes from a CA the server does not trust.
    ClientFromOtherCa,
    /// The client certificate comes from another CA with the trusted CA's
    /// name and another key.
    ClientFromSameNameCa,
    /// The client certificate is issued by an intermediate CA, and the
    /// client presents the certificate alone.
    ClientChainWithoutIntermediate,
    /// The client certificate is X.509 v1 (no extensions), as the blog's
    /// `openssl x509 -req` without `-extfile` makes it.
    #[serde(rename = "client-x509-v1")]
    ClientX509V1,
    /// The client certificate is listed in its CA's CRL (`serve --crl`).
    ClientRevoked,
    /// `--key` is not the key of `--cert`.
    ClientKeyMismatch,
    /// The CA that issues the server certificate has keyUsage without
    /// keyCertSign.
    CaWithoutKeyCertSign,
    /// A CA's pathLenConstraint allows fewer CAs below it than the
    /// client's chain has.
    PathLengthExceeded,
    /// The client certificate has a name its CA's nameConstraints exclude.
    NameConstraintViolated,
    /// The server certificate is for another host name.
    ServerForOtherName,
    /// The server certificate's notAfter has passed.
    ServerExpired,
    /// The server certificate is issued by an intermediate CA, and the
    /// server sends the certificate alone.
    ServerChainWithoutIntermediate,
    /// A client that offers only TLS 1.2 against `serve --tls13-only`.
    #[serde(rename = "tls12-client-tls13-server")]
    Tls12ClientTls13Server,
}

impl Case {
    /// Every case, in the order the lab lists them.
    pub const ALL: [Self; 18] = [
        Self::AsIssued,
        Self::NoClientCertificate,
        Self::ClientExpired,
        Self::ClientNotYetValid,
        Self::ClientWithoutClientAuth,
        Self::ClientFromOtherCa,
        Self::ClientFromSameNameCa,
        Self::ClientChainWithoutIntermediate,
        Self::ClientX509V1,
        Self::ClientRevoked,
        Self::ClientKeyMismatch,
        Self::CaWithoutKeyCertSign,
        Self::PathLengthExceeded,
        Self::NameConstraintViolated,
        Self::ServerForOtherName,
        Self::ServerExpired,
        Self::ServerChainWithoutIntermediate,
        Self::Tls12ClientTls13Server,
    ];

    /// The stable name (`client-expired`), as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::AsIssued => "as-issued",
            Self::NoClientCertificate => "no-client-certificate",
            Self::ClientExpired => "client-expired",
            Self::ClientNotYetValid => "client-not-yet-valid",
            Self::ClientWithoutClientAuth => "client-without-client-auth",
            Self::ClientFromOtherCa => "client-from-other-ca",
            Self::ClientFromSameNameCa => "client-from-same-name-ca",
            Self::ClientChainWithoutIntermediate => "client-chain-without-intermediate",
            Self::ClientX509V1 => "client-x509-v1",
            Self::ClientRevoked => "client-revoked",
            Self::ClientKeyMismatch => "client-key-mismatch",
            Self::CaWithoutKeyCertSign => "ca-without-key-cert-sign",
            Self::PathLengthExceeded => "path-length-exceeded",
            Self::NameConstraintViolated => "name-constraint-violated",
            Self::ServerForOtherName => "server-for-other-name",
            Self::ServerExpired => "server-expired",
            Self::ServerChainWithoutIntermediate => "server-chain-without-intermediate",
            Self::Tls12ClientTls13Server => "tls12-client-tls13-server",
        }
    }

    /// What the case breaks, in one line.
    pub fn description(self) -> &'static str {
        match self {
            Self::AsIssued => "the set as issued",
            Self::NoClientCertificate => "no client certificate",
            Self::ClientExpired => "the client certificate has expired",
            Self::ClientNotYetValid => "the client certificate is not valid yet",
            Self::ClientWithoutClientAuth => {
                "the client certificate lacks the clientAuth purpose (serverAuth only)"
            }
            Self::ClientFromOtherCa => "the client certificate comes from another CA",
            Self::ClientFromSameNameCa => {
                "the client certificate comes from another CA with the same name and another key"
            }
            Self::ClientChainWithoutIntermediate => {
                "the client presents its certificate without its intermediate CA"
            }
            Self::ClientX509V1 => {
                "the client certificate is X.509 v1 (openssl x509 -req without extensions)"
            }
            Self::ClientRevoked => "the client certificate is revoked in its CA's CRL",
            Self::ClientKeyMismatch => "the client's key is not its certificate's key",
            Self::CaWithoutKeyCertSign => "the server's CA lacks the keyCertSign key usage",
            Self::PathLengthExceeded => {
                "the client's chain has more CAs than a pathLenConstraint allows"
            }
            Self::NameConstraintViolated => {
                "the client certificate has a name its CA's nameConstraints exclude"
            }
            Self::ServerForOtherName => "the server certificate is for another host name",
            Self::ServerExpired => "the server certificate has expired",
            Self::ServerChainWithoutIntermediate => {
                "the server sends its certificate without its intermediate CA"
            }
            Self::Tls12ClientTls13Server => "a TLS 1.2-only client against serve --tls13-only",
        }
    }

    /// How to fix it, in one line.
    pub fn fix(self) -> &'static str {
        match self {
            Self::AsIssued => "nothing to fix: the set works as issued",
            Self::NoClientCertificate => {
                "give curl the client's certificate and key (--cert client.crt --key client.key)"
            }
            Self::ClientExpired => "issue the client a new certificate",
            Self::ClientNotYetValid => {
                "wait for its notBefore, or issue it valid from now (and check both clocks)"
            }
            Self::ClientWithoutClientAuth => {
                "issue the client certificate with extendedKeyUsage clientAuth (profile client)"
            }
            Self::ClientFromOtherCa => {
                "issue the client from the CA the server trusts, or add its CA to serve --ca"
            }
            Self::ClientFromSameNameCa => {
                "issue the client from the CA the server trusts: the same name with another key \
                 is another CA"
            }
            Self::ClientChainWithoutIntermediate => {
                "give curl --cert the chain file (the certificate, then its intermediate CA)"
            }
            Self::ClientX509V1 => {
                "issue an X.509 v3 certificate (openssl x509 -req with -extfile, or certplay issue)"
            }
            Self::ClientRevoked => {
                "issue the client a new certificate: a revoked one stays revoked"
            }
            Self::ClientKeyMismatch => "give --key the private key of the --cert certificate",
            Self::CaWithoutKeyCertSign => {
                "issue the CA with keyUsage keyCertSign (OpenSSL refuses what it signs without it)"
            }
            Self::PathLengthExceeded => {
                "issue the client from a CA whose pathLenConstraint allows the CAs below it"
            }
            Self::NameConstraintViolated => {
                "issue the client only with names its CA's nameConstraints permit"
            }
            Self::ServerForOtherName => {
                "issue the server certificate with the URL's host name in its subjectAltName"
            }
            Self::ServerExpired => "issue the server a new certificate",
            Self::ServerChainWithoutIntermediate => {
                "give serve --cert the chain file (the certificate, then its intermediate CA)"
            }
            Self::Tls12ClientTls13Server => {
                "let the client offer TLS 1.3, or run serve without --tls13-only"
            }
        }
    }

    /// True for the one case that is itself about TLS versions: it runs
    /// once, not once per version.
    pub fn sets_versions(self) -> bool {
        self == Self::Tls12ClientTls13Server
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Case {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|case| case.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|c| c.name()).collect();
                format!("{name:?} is not a lab case; one of {}", names.join(", "))
            })
    }
}
