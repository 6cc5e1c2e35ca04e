//! Reading a server's TLS material (`--ca`, `--cert`, `--key` files, PEM
//! or DER) with the checks a person needs before a single client connects:
//! each failure says which file, what is wrong, and how to fix it.

use rustls_pki_types::PrivateKeyDer;

use crate::read::{read_certificates, read_crls, Certificate, ReadCertificate, Source};
use crate::{read_private_key, Error, ExtendedKeyUsage};

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
    /// CRLs that client certificates are checked against (none: no
    /// revocation checking), each signed by one of `client_cas`.
    pub crls: Vec<ServerCrl>,
}

/// A CRL the server consults, with the file it came from.
#[derive(Debug, Clone)]
pub struct ServerCrl {
    /// The file's name as the person gave it.
    pub file: String,
    /// The CRL.
    pub crl: crate::read::Crl,
}

impl ServerTls {
    /// Reads and checks the three files of an mTLS server, each PEM or DER
    /// (the key opened with `key.password` when it is encrypted). `now`
    /// (Unix seconds) is only used for warnings about validity.
    pub fn read(
        ca: Source<'_>,
        cert: Source<'_>,
        key: Source<'_>,
        now: i64,
    ) -> Result<Self, Error> {
        let client_cas = read_certificates(ca)?;
        let cert_chain = read_certificates(cert)?;
        let read_key = read_private_key(key)?;

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
                subject: leaf.info.subject.to_string(),
            });
        }
        // A key certplay does not sign with (RSA-8192, P-521) is left to
        // rustls to load or refuse.
        if let Ok(key_pair) = &read_key.pair {
            if key_pair.public_key_info_der()? != public_key_info(&leaf.der)? {
                return Err(Error::KeyMismatch {
                    key_file: key.name.into(),
                    cert_file: cert.name.into(),
                    subject: leaf.info.subject.to_string(),
                });
            }
        }
        for ca_cert in &client_cas {
            check_validity(&mut warnings, ca.name, &ca_cert.info, now);
            if !ca_cert.info.is_ca() {
                warnings.push(format!(
                    "{} ({}) is not a CA certificate (no basicConstraints CA:TRUE); client \
                     certificates are checked against it as if it were one",
                    ca.name, ca_cert.info.subject
                ));
            }
        }
        check_validity(&mut warnings, cert.name, &leaf.info, now);
        warnings.extend(
            cert_chain
                .iter()
                .filter_map(|c| before_1970_warning(cert.name, &c.info)),
        );
        if leaf.info.subject_alt_names().is_empty() {
            // Plain words, not the claims table (read/stacks.rs): the lab
            // module reads servers through here, and its size is budgeted.
            warnings.push(format!(
                "{} ({}) has no subjectAltName: browsers and rustls clients refuse it for every \
                 host name (certplay inspect names the stacks that fall back to its CN)",
                cert.name, leaf.info.subject
            ));
        }
        if let Some(eku) = leaf.info.extended_key_usage() {
            if !eku
                .iter()
                .any(|p| p.oid == ExtendedKeyUsage::ServerAuth.oid())
            {
                let names: Vec<String> = eku.iter().map(ToString::to_string).collect();
                warnings.push(format!(
                    "{} ({}) lacks the serverAuth purpose (extendedKeyUsage: {}): TLS clients \
                     refuse it",
                    cert.name,
                    leaf.info.subject,
                    names.join(", ")
                ));
            }
        }
        let issuer_known = client_cas
            .iter()
            .chain(cert_chain.iter().skip(1))
            .any(|c| c.info.subject.der == leaf.info.issuer.der);
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
            key: read_key.der,
            warnings,
            crls: Vec::new(),
        })
    }

    /// Adds the CRLs of `sources` (PEM or DER, several per file allowed).
    /// Each must be signed by one of the client CAs, checked with
    /// `provider`'s signature algorithms (those of the verifier); one past
    /// its nextUpdate at `now` (Unix seconds) is kept with a warning, since
    /// the verifier then refuses the certificates it covers.
    pub fn add_crls(
        &mut self,
        sources: &[Source<'_>],
        provider: &rustls::crypto::CryptoProvider,
        now: i64,
    ) -> Result<(), Error> {
        for source in sources {
            for crl in read_crls(*source)? {
                self.add_crl(source.name, crl, provider, now)?;
            }
        }
        Ok(())
    }

    /// Adds one CRL read from the file `file`, with the checks of
    /// [`ServerTls::add_crls`]. A CRL that is already there is not added
    /// twice.
    pub fn add_crl(
        &mut self,
        file: &str,
        crl: crate::read::Crl,
        provider: &rustls::crypto::CryptoProvider,
        now: i64,
    ) -> Result<(), Error> {
        check_usable(file, &crl)?;
        let issuer = crl.issuer.to_string();
        let refused = |reason: String| Error::InvalidInput {
            field: file.into(),
            reason,
        };
        // The trusted CAs, and the intermediates of the server's own chain:
        // under an intermediate the clients are usually issued by it too,
        // and webpki checks its CRL against the chain a client sends.
        let named: Vec<&ReadCertificate> = self
            .client_cas
            .iter()
            .chain(self.cert_chain.iter().skip(1))
            .filter(|ca| ca.info.subject.der == crl.issuer.der)
            .collect();
        if named.is_empty() {
            let intermediates: Vec<String> = self
                .cert_chain
                .iter()
                .skip(1)
                .map(|c| c.info.subject.to_string())
                .collect();
            let chain = if intermediates.is_empty() {
                "; for the CRL of an intermediate CA, give the server certificate with \
                 its chain (server-chain.crt) when that intermediate issued it"
                    .to_owned()
            } else {
                format!(
                    " or intermediates of the server's chain ({})",
                    intermediates.join(", ")
                )
            };
            return Err(refused(format!(
                "this CRL was issued by {issuer}, which is none of the CAs client \
                 certificates must chain to ({}){chain}: a CRL speaks only for the CA \
                 that signed it; give the CRL of one of those CAs",
                self.client_ca_subjects().join(", ")
            )));
        }
        let mut why = String::new();
        let signer = named.iter().find(|ca| {
            match crate::verify::check_crl_signature(&crl, &ca.info, provider) {
                Ok(()) => true,
                Err(reason) => {
                    why = reason;
                    false
                }
            }
        });
        let Some(signer) = signer else {
            return Err(refused(format!(
                "this CRL names {issuer} as its issuer, but {why}: it was signed by \
                 another CA with the same name; give the CRL made with this CA's key"
            )));
        };
        let usages = signer.info.key_usage().unwrap_or_default();
        if !usages.is_empty() && !usages.contains(&"cRLSign") {
            return Err(refused(format!(
                "the CA {issuer} has no cRLSign in its keyUsage ({}), so verifiers \
                 refuse every CRL it signs; re-issue the CA with cRLSign",
                usages.join(", ")
            )));
        }
        if self.crls.iter().any(|known| known.crl.der == crl.der) {
            return Ok(());
        }
        if let Some(next_update) = crl.next_update.filter(|t| t.0 < now) {
            self.warnings.push(format!(
                "{file}: the CRL of {issuer} expired at {} (its nextUpdate; now {}): client \
                 certificates of that CA are refused until a current CRL replaces it",
                crate::format_time(next_update.0),
                crate::format_time(now)
            ));
        }
        self.warnings.extend(crl_issued_ahead(file, &crl, now));
        self.crls.push(ServerCrl {
            file: file.into(),
            crl,
        });
        Ok(())
    }

    /// The subjects of the client CAs, for messages.
    pub fn client_ca_subjects(&self) -> Vec<String> {
        self.client_cas
            .iter()
            .map(|c| c.info.subject.to_string())
            .collect()
    }
}

/// The warning for a CRL issued after `now` (its thisUpdate ahead: the
/// CA's clock, or this machine's, is off), said by `serve`, `verify` and
/// `inspect` alike: certplay and rustls use such a CRL, openssl refuses it.
pub fn crl_issued_ahead(file: &str, crl: &crate::read::Crl, now: i64) -> Option<String> {
    (crl.this_update.0 > now).then(|| {
        format!(
            "{file}: the CRL of {} was issued at {} (its thisUpdate), after now ({}): the \
             CA's clock is ahead of this machine's (or this one is behind); certplay and \
             rustls use it, but openssl verify -crl_check refuses it as \"CRL is not yet \
             valid\"",
            crl.issuer,
            crate::format_time(crl.this_update.0),
            crate::format_time(now)
        )
    })
}

/// Refuses what webpki cannot use (v1 CRLs, delta and indirect CRLs, ...)
/// now, with the file's name, instead of at the first client.
fn check_usable(file: &str, crl: &crate::read::Crl) -> Result<(), Error> {
    use webpki::Error as W;
    let Err(e) = webpki::OwnedCertRevocationList::from_der(&crl.der) else {
        return Ok(());
    };
    let reason = match e {
        W::UnsupportedCrlVersion => {
            "it is an X.509 v1 CRL; webpki reads v2 CRLs only (with cRLNumber and \
             authorityKeyIdentifier): issue it again (certplay crl, or openssl ca -gencrl \
             with crl_extensions)"
                .to_owned()
        }
        W::UnsupportedDeltaCrl => "it is a delta CRL, which webpki does not support".into(),
        W::UnsupportedIndirectCrl => "it is an indirect CRL, which webpki does not support".into(),
        W::UnsupportedCriticalExtension => {
            "it has a critical extension webpki does not process".into()
        }
        W::UnsupportedRevocationReason => {
            "an entry has a reasonCode RFC 5280 does not define".into()
        }
        other => format!("webpki cannot use it ({other:?})"),
    };
    Err(Error::InvalidInput {
        field: file.into(),
        reason,
    })
}

/// A certificate (DER) as x509-cert reads it, also when its validity holds
/// a date before 1970 (UTCTime years 50 to 69), which the `der` crate
/// refuses and core's reader reads ([`crate::read::Certificate`]): such a
/// date then reads as 1970-01-01, so take the dates from core's reader,
/// and every other field from here.
pub(crate) fn x509_certificate(
    der: &[u8],
) -> Result<x509_cert::Certificate, x509_cert::der::Error> {
    use x509_cert::der::Decode;
    x509_cert::Certificate::from_der(der).or_else(
        |error| match crate::read::early_time::before_1970(der) {
            Some(early) => x509_cert::Certificate::from_der(&early.der),
            None => Err(error),
        },
    )
}

/// What rustls does with a certificate dated before 1970 that is not a
/// trust anchor (webpki never reads an anchor's dates): `None` for one
/// dated from 1970 on. `file` is where it was read from.
pub(crate) fn before_1970_warning(file: &str, info: &Certificate) -> Option<String> {
    (info.not_before.0 < 0 || info.not_after.0 < 0).then(|| {
        format!(
            "{file} ({}) is valid from {} to {}: rustls-webpki reads no date before 1970 \
             (UTCTime years 50-69 are 1950-1969), so certplay serve, certplay connect and any \
             rustls server or client refuse every chain that holds it, while OpenSSL (curl) \
             reads it; issue it again with dates from 1970 on",
            info.subject,
            info.not_before.rfc3339(),
            info.not_after.rfc3339()
        )
    })
}

/// The subjectPublicKeyInfo (DER) of a certificate (DER).
pub(crate) fn public_key_info(der: &[u8]) -> Result<Vec<u8>, Error> {
    use x509_cert::der::Encode;
    let cert = x509_certificate(der).map_err(|e| Error::Malformed {
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

fn check_validity(warnings: &mut Vec<String>, file: &str, info: &Certificate, now: i64) {
    if now > info.not_after.0 {
        warnings.push(format!(
            "{file} ({}) expired at {}",
            info.subject,
            crate::format_time(info.not_after.0)
        ));
    } else if now < info.not_before.0 {
        warnings.push(format!(
            "{file} ({}) is not valid before {}",
            info.subject,
            crate::format_time(info.not_before.0)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::blog_set;

    fn load(pki: &blog_set::BlogSet, ca: &str, cert: &str, key: &str) -> Result<ServerTls, Error> {
        ServerTls::read(
            Source::new("ca.crt", ca.as_bytes()),
            Source::new("server.crt", cert.as_bytes()),
            Source::new("server.key", key.as_bytes()),
            pki_now(pki),
        )
    }

    fn pki_now(pki: &blog_set::BlogSet) -> i64 {
        Certificate::from_der(&pki.ca.cert_der)
            .unwrap()
            .not_before
            .0
            + 60
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
        assert_eq!(err.to_string(), "ca.crt: is empty");
    }

    #[test]
    fn der_files_load_like_pem() {
        let pki = blog_set::issue("my-ca");
        let key_der = pem::parse(&pki.server.key_pem).unwrap().into_contents();
        let tls = ServerTls::read(
            Source::new("ca.der", &pki.ca.cert_der),
            Source::new("server.der", &pki.server.cert_der),
            Source::new("server.key.der", &key_der),
            pki_now(&pki),
        )
        .unwrap();
        assert_eq!(tls.warnings, Vec::<String>::new());
        assert_eq!(tls.client_ca_subjects(), ["CN=my-ca"]);
        assert_eq!(tls.key.secret_der(), key_der.as_slice());
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
