//! Reading a server's TLS material (`--ca`, `--cert`, `--key` PEM files) with
//! the checks a person needs before a single client connects: each failure
//! says which file, what is wrong, and how to fix it.

use rustls_pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};

use crate::{CertInfo, Error, KeyPair};

/// A file's name (as the person gave it, for messages) and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct PemSource<'a> {
    /// The name to use in messages, e.g. `server.crt`.
    pub name: &'a str,
    /// The file's contents.
    pub bytes: &'a [u8],
}

impl<'a> PemSource<'a> {
    /// A source named `name` holding `bytes`.
    pub fn new(name: &'a str, bytes: &'a [u8]) -> Self {
        Self { name, bytes }
    }
}

/// A certificate as DER together with what it says.
#[derive(Debug, Clone)]
pub struct ReadCertificate {
    /// The DER bytes.
    pub der: CertificateDer<'static>,
    /// What they say.
    pub info: CertInfo,
}

/// Everything an mTLS server needs, read and checked.
#[derive(Debug)]
pub struct ServerTls {
    /// The CA certificates that client certificates must chain to.
    pub client_cas: Vec<ReadCertificate>,
    /// The server's certificate chain, end entity first.
    pub cert_chain: Vec<ReadCertificate>,
    /// The server's private key.
    pub key: PrivateKeyDer<'static>,
    /// What is legal but likely to make clients fail, in words.
    pub warnings: Vec<String>,
}

impl ServerTls {
    /// Reads and checks the three files of an mTLS server. `now` (Unix
    /// seconds) is only used for warnings about validity.
    pub fn from_pem(
        ca: PemSource<'_>,
        cert: PemSource<'_>,
        key: PemSource<'_>,
        now: i64,
    ) -> Result<Self, Error> {
        let client_cas = read_certificates(ca)?;
        let cert_chain = read_certificates(cert)?;
        let (key_der, key_pair) = read_private_key(key)?;

        let mut warnings = Vec::new();
        let Some(leaf) = cert_chain.first() else {
            // read_certificates never returns an empty list.
            return Err(Error::NoPem {
                file: cert.name.into(),
                expected: "CERTIFICATE",
                found: Vec::new(),
            });
        };
        if leaf.info.version != 3 {
            return Err(Error::V1Certificate {
                file: cert.name.into(),
                subject: leaf.info.subject.clone(),
            });
        }
        if let Some(key_pair) = key_pair {
            if key_pair.public_key_info_der()? != leaf_public_key_info(&leaf.der)? {
                return Err(Error::KeyMismatch {
                    key_file: key.name.into(),
                    cert_file: cert.name.into(),
                    subject: leaf.info.subject.clone(),
                });
            }
        }
        for ca_cert in &client_cas {
            check_validity(&mut warnings, ca.name, &ca_cert.info, now);
            if ca_cert.info.is_ca != Some(true) {
                warnings.push(format!(
                    "{} ({}) is not a CA certificate (no basicConstraints CA:TRUE); client \
                     certificates are checked against it as if it were one",
                    ca.name, ca_cert.info.subject
                ));
            }
        }
        check_validity(&mut warnings, cert.name, &leaf.info, now);
        if leaf.info.subject_alt_names.is_empty() {
            warnings.push(format!(
                "{} ({}) has no subjectAltName: curl and browsers will refuse it for any host name",
                cert.name, leaf.info.subject
            ));
        }
        let eku = &leaf.info.extended_key_usage;
        if !eku.is_empty() && !eku.iter().any(|p| p == "serverAuth") {
            warnings.push(format!(
                "{} ({}) lacks the serverAuth purpose (extendedKeyUsage: {}): TLS clients refuse it",
                cert.name,
                leaf.info.subject,
                eku.join(", ")
            ));
        }
        let issuer_known = client_cas
            .iter()
            .chain(cert_chain.iter().skip(1))
            .any(|c| c.info.subject == leaf.info.issuer);
        if !issuer_known {
            warnings.push(format!(
                "{} was issued by {}, which is not in {}: clients that trust only {} will refuse \
                 this server",
                cert.name, leaf.info.issuer, ca.name, ca.name
            ));
        }
        Ok(Self {
            client_cas,
            cert_chain,
            key: key_der,
            warnings,
        })
    }

    /// The subjects of the client CAs, for messages.
    pub fn client_ca_subjects(&self) -> Vec<String> {
        self.client_cas
            .iter()
            .map(|c| c.info.subject.clone())
            .collect()
    }
}

/// Reads every `CERTIFICATE` block of a PEM file; at least one must exist.
pub fn read_certificates(source: PemSource<'_>) -> Result<Vec<ReadCertificate>, Error> {
    let blocks = pem_blocks(source)?;
    let certificates = blocks
        .iter()
        .filter(|block| block.tag() == "CERTIFICATE")
        .map(|block| {
            let info = CertInfo::from_der(block.contents()).map_err(|e| Error::Malformed {
                what: source.name.into(),
                reason: e.to_string(),
            })?;
            Ok(ReadCertificate {
                der: CertificateDer::from(block.contents().to_vec()),
                info,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    if certificates.is_empty() {
        return Err(Error::NoPem {
            file: source.name.into(),
            expected: "CERTIFICATE",
            found: blocks.iter().map(|b| b.tag().to_owned()).collect(),
        });
    }
    Ok(certificates)
}

/// Reads the first private key of a PEM file (PKCS#8, PKCS#1 or SEC1). The
/// key pair comes along when certplay can read the algorithm (P-256, RSA),
/// so that the caller can check it against a certificate.
pub fn read_private_key(
    source: PemSource<'_>,
) -> Result<(PrivateKeyDer<'static>, Option<KeyPair>), Error> {
    let blocks = pem_blocks(source)?;
    let encrypted = |block: &pem::Pem| {
        block.tag() == "ENCRYPTED PRIVATE KEY"
            || block
                .headers()
                .get("Proc-Type")
                .is_some_and(|v| v.contains("ENCRYPTED"))
    };
    if blocks.iter().any(encrypted) {
        return Err(Error::EncryptedKey {
            file: source.name.into(),
        });
    }
    let unsupported = |e: Error| match e {
        Error::UnsupportedKey { .. } => Ok(None),
        Error::Malformed { reason, .. } => Err(Error::Malformed {
            what: source.name.into(),
            reason,
        }),
        other => Err(other),
    };
    for block in &blocks {
        let der = block.contents().to_vec();
        let (key, pair) = match block.tag() {
            "PRIVATE KEY" => (
                PrivateKeyDer::from(PrivatePkcs8KeyDer::from(der)),
                KeyPair::from_pkcs8_der(block.contents()).map(Some),
            ),
            "RSA PRIVATE KEY" => (
                PrivateKeyDer::from(PrivatePkcs1KeyDer::from(der)),
                KeyPair::from_pkcs1_der(block.contents()).map(Some),
            ),
            "EC PRIVATE KEY" => (
                PrivateKeyDer::from(PrivateSec1KeyDer::from(der)),
                KeyPair::from_sec1_der(block.contents()).map(Some),
            ),
            _ => continue,
        };
        let pair = pair.or_else(unsupported)?;
        return Ok((key, pair));
    }
    Err(Error::NoPem {
        file: source.name.into(),
        expected: "PRIVATE KEY",
        found: blocks.iter().map(|b| b.tag().to_owned()).collect(),
    })
}

fn pem_blocks(source: PemSource<'_>) -> Result<Vec<pem::Pem>, Error> {
    let blocks = pem::parse_many(source.bytes).map_err(|e| Error::Malformed {
        what: source.name.into(),
        reason: format!("broken PEM: {e}"),
    })?;
    Ok(blocks)
}

fn leaf_public_key_info(der: &CertificateDer<'_>) -> Result<Vec<u8>, Error> {
    use x509_cert::der::{Decode, Encode};
    let cert = x509_cert::Certificate::from_der(der).map_err(|e| Error::Malformed {
        what: "certificate".into(),
        reason: e.to_string(),
    })?;
    cert.tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| Error::Malformed {
            what: "certificate".into(),
            reason: e.to_string(),
        })
}

fn check_validity(warnings: &mut Vec<String>, file: &str, info: &CertInfo, now: i64) {
    if now > info.not_after {
        warnings.push(format!(
            "{file} ({}) expired at {}",
            info.subject,
            info.not_after_text()
        ));
    } else if now < info.not_before {
        warnings.push(format!(
            "{file} ({}) is not valid before {}",
            info.subject,
            info.not_before_text()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::blog_set;

    fn load(pki: &blog_set::BlogSet, ca: &str, cert: &str, key: &str) -> Result<ServerTls, Error> {
        ServerTls::from_pem(
            PemSource::new("ca.crt", ca.as_bytes()),
            PemSource::new("server.crt", cert.as_bytes()),
            PemSource::new("server.key", key.as_bytes()),
            pki_now(pki),
        )
    }

    fn pki_now(pki: &blog_set::BlogSet) -> i64 {
        CertInfo::from_der(&pki.ca.cert_der).unwrap().not_before + 60
    }

    #[test]
    fn an_issued_set_loads_without_warnings() {
        let pki = blog_set::issue("my-ca");
        let tls = load(
            &pki,
            &pki.ca.cert_pem,
            &pki.server.cert_pem,
            &pki.server.key_pem,
        )
        .unwrap();
        assert_eq!(tls.warnings, Vec::<String>::new());
        assert_eq!(tls.client_ca_subjects(), ["CN=my-ca"]);
        assert!(matches!(tls.key, PrivateKeyDer::Pkcs8(_)));
    }

    #[test]
    fn the_wrong_key_is_named() {
        let pki = blog_set::issue("my-ca");
        let err = load(
            &pki,
            &pki.ca.cert_pem,
            &pki.server.cert_pem,
            &pki.client.key_pem,
        )
        .unwrap_err();
        assert!(matches!(err, Error::KeyMismatch { .. }), "{err}");
        assert!(err
            .to_string()
            .contains("server.key is not the private key of server.crt"));
    }

    #[test]
    fn swapped_files_say_what_was_found() {
        let pki = blog_set::issue("my-ca");
        let err = load(
            &pki,
            &pki.ca.cert_pem,
            &pki.server.key_pem,
            &pki.server.key_pem,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "server.crt: expected a PEM block -----BEGIN CERTIFICATE-----, found only \
             -----BEGIN PRIVATE KEY-----"
        );
        let err = load(&pki, "", &pki.server.cert_pem, &pki.server.key_pem).unwrap_err();
        assert!(
            err.to_string().starts_with("ca.crt: no PEM block found"),
            "{err}"
        );
    }

    #[test]
    fn an_encrypted_key_is_refused_with_the_fix() {
        let pki = blog_set::issue("my-ca");
        let encrypted =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let err = load(&pki, &pki.ca.cert_pem, &pki.server.cert_pem, encrypted).unwrap_err();
        assert_eq!(
            err,
            Error::EncryptedKey {
                file: "server.key".into()
            }
        );
        assert!(err.to_string().contains("openssl pkey -in server.key"));
    }

    #[test]
    fn warnings_name_likely_mixups() {
        let pki = blog_set::issue("my-ca");
        // The client certificate passed as --ca: not a CA.
        let tls = load(
            &pki,
            &pki.client.cert_pem,
            &pki.server.cert_pem,
            &pki.server.key_pem,
        )
        .unwrap();
        assert!(
            tls.warnings
                .iter()
                .any(|w| w.contains("ca.crt (CN=my-client) is not a CA certificate")),
            "{:?}",
            tls.warnings
        );
        // --ca from another set: clients trusting that CA refuse this server.
        let other = blog_set::issue("other-ca");
        let tls = load(
            &pki,
            &other.ca.cert_pem,
            &pki.server.cert_pem,
            &pki.server.key_pem,
        )
        .unwrap();
        assert_eq!(
            tls.warnings,
            [
                "server.crt was issued by CN=my-ca, which is not in ca.crt: clients that trust \
              only ca.crt will refuse this server"
            ]
        );
    }
}
