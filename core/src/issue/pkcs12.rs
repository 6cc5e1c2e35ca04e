//! PKCS#12 files (RFC 7292): a private key, its certificate and the chain
//! above it in one password-protected file, as Windows, macOS, Java and
//! curl (`--cert-type P12`) import them. Written by `p12-keystore` (pure
//! Rust, so the page makes the same file as the CLI).

use std::fmt;

use p12_keystore::{
    Certificate as P12Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm,
    PrivateKey, PrivateKeyChain,
};
use sha1::{Digest, Sha1};

use super::{IssuedPlan, KeyPair};
use crate::Error;

/// How the file is encrypted and authenticated. Exhaustive on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Pkcs12Encoding {
    /// PBES2 with AES-256-CBC and PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC: what
    /// OpenSSL 3 writes by default; read by OpenSSL 1.1.1+, current Java,
    /// Windows 10 1709+, macOS 14+, Python's `cryptography`.
    #[default]
    Modern,
    /// pbeWithSHAAnd3-KeyTripleDES-CBC for key and certificates, HMAC-SHA1
    /// MAC: for older importers (macOS before 14, Windows before 10 1709,
    /// Java 8, OpenSSL 1.0); OpenSSL 3 reads it with `-legacy`.
    Legacy,
}

impl Pkcs12Encoding {
    /// A short description for lists and messages.
    pub fn description(self) -> &'static str {
        match self {
            Self::Modern => "PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256, SHA-256 MAC",
            Self::Legacy => "PBE-SHA1-3DES, SHA-1 MAC (legacy)",
        }
    }
}

/// The password that protects a PKCS#12 file, chosen by the person.
/// Never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkcs12Password(String);

impl Pkcs12Password {
    /// A password; an empty one is refused (anyone could open the file).
    pub fn new(password: &str) -> Result<Self, Error> {
        if password.is_empty() {
            return Err(Error::input(
                "PKCS#12 password",
                "is empty: anyone who gets the file could read the private key in it; choose \
                 a password (an empty one only when you explicitly allow it)",
            ));
        }
        Ok(Self(password.to_owned()))
    }

    /// A password that may be empty, for importers that cannot ask for one.
    pub fn allow_empty(password: &str) -> Self {
        Self(password.to_owned())
    }
}

impl fmt::Debug for Pkcs12Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pkcs12Password(..)")
    }
}

/// What goes into a PKCS#12 file and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs12Params {
    /// The encoding.
    pub encoding: Pkcs12Encoding,
    /// The password.
    pub password: Pkcs12Password,
    /// The friendlyName of the key and certificate (what importers show);
    /// `None`: the certificate's subject.
    pub friendly_name: Option<String>,
}

/// Iterations of the key derivation and of the MAC key derivation:
/// p12-keystore's default, what Java writes (OpenSSL writes 2048).
const ITERATIONS: u32 = 10_000;

impl Pkcs12Params {
    /// Writes `key` with its certificate `cert_der` and the CA certificates
    /// above it, `chain` (nearest first; the root may be left out), into a
    /// PKCS#12 file. The key must be the certificate's.
    pub fn write(
        &self,
        cert_der: &[u8],
        key: &KeyPair,
        chain: &[Vec<u8>],
    ) -> Result<Vec<u8>, Error> {
        let cert = x509_cert_info(cert_der, "certificate")?;
        if key.public_key_info_der()? != cert.spki_der {
            return Err(Error::KeyMismatch {
                key_file: "private key".into(),
                cert_file: "certificate".into(),
                subject: cert.subject,
            });
        }
        let p12_error = |what: &str, e: p12_keystore::error::Error| Error::Malformed {
            what: what.into(),
            reason: e.to_string(),
        };
        let mut certificates =
            vec![P12Certificate::from_der(cert_der).map_err(|e| p12_error("certificate", e))?];
        for (i, der) in chain.iter().enumerate() {
            let what = format!("chain certificate {}", i.saturating_add(1));
            x509_cert_info(der, &what)?;
            certificates.push(P12Certificate::from_der(der).map_err(|e| p12_error(&what, e))?);
        }
        let pkcs8 = pem::parse(key.to_pkcs8_pem()?).map_err(Error::crypto)?;
        let private_key =
            PrivateKey::from_der(pkcs8.contents()).map_err(|e| p12_error("private key", e))?;
        // localKeyID links the key to its certificate; OpenSSL uses the
        // certificate's SHA-1 too.
        let local_key_id = Sha1::digest(cert_der).to_vec();
        let alias = self.friendly_name.clone().unwrap_or(cert.subject);
        let mut store = KeyStore::new();
        store.add_entry(
            &alias,
            KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(
                local_key_id,
                private_key,
                certificates,
            )),
        );
        let (encryption, mac) = match self.encoding {
            Pkcs12Encoding::Modern => (
                EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
                MacAlgorithm::HmacSha256,
            ),
            Pkcs12Encoding::Legacy => (
                EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc,
                MacAlgorithm::HmacSha1,
            ),
        };
        store
            .writer(&self.password.0)
            .encryption_algorithm(encryption)
            .encryption_iterations(ITERATIONS)
            .mac_algorithm(mac)
            .mac_iterations(ITERATIONS)
            .write()
            .map_err(|e| Error::Crypto(format!("writing the PKCS#12 file: {e}")))
    }
}

impl IssuedPlan {
    /// The PKCS#12 file of entry `name`: its key, its certificate and every
    /// CA above it up to the root, with the entry's name as friendlyName.
    pub fn pkcs12(
        &self,
        name: &str,
        encoding: Pkcs12Encoding,
        password: Pkcs12Password,
    ) -> Result<Vec<u8>, Error> {
        let missing = |why: String| Error::input("PKCS#12 entry", why);
        let issued = self
            .entry(name)
            .ok_or_else(|| missing(format!("the plan has no entry {name:?}")))?;
        let key_pem = issued.key_pem.as_deref().ok_or_else(|| {
            missing(format!(
                "{name:?} is an existing CA whose key certplay does not hold"
            ))
        })?;
        let key_name = format!("{name}.key");
        let (_, key) = crate::material::read_private_key(crate::PemSource::new(
            &key_name,
            key_pem.as_bytes(),
        ))?;
        let key = key.ok_or_else(|| Error::UnsupportedKey {
            file: key_name,
            reason: "not a key certplay reads".into(),
        })?;
        let chain: Vec<Vec<u8>> = match self.plan.entry(name) {
            Some(entry) => self
                .plan
                .issuers_of(entry)
                .iter()
                .filter_map(|issuer| self.entry(&issuer.name))
                .map(|issuer| issuer.cert_der.clone())
                .collect(),
            None => Vec::new(),
        };
        Pkcs12Params {
            encoding,
            password,
            friendly_name: Some(name.to_owned()),
        }
        .write(&issued.cert_der, &key, &chain)
    }
}

/// What the writer needs to know of a certificate, checked to parse.
struct CertFacts {
    subject: String,
    spki_der: Vec<u8>,
}

fn x509_cert_info(der: &[u8], what: &str) -> Result<CertFacts, Error> {
    use x509_cert::der::{Decode, Encode};
    let malformed = |reason: String| Error::Malformed {
        what: what.into(),
        reason,
    };
    let cert = x509_cert::Certificate::from_der(der).map_err(|e| malformed(e.to_string()))?;
    Ok(CertFacts {
        subject: cert.tbs_certificate.subject.to_string(),
        spki_der: cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| malformed(e.to_string()))?,
    })
}

#[cfg(test)]
mod tests {
    use p12_keystore::Pkcs12ImportPolicy;

    use super::*;
    use crate::{KeyType, Plan, Preset};

    fn read_back(file: &[u8], password: &str) -> (String, Vec<Vec<u8>>, Vec<u8>) {
        let store = KeyStore::from_pkcs12(file, password, Pkcs12ImportPolicy::Strict).unwrap();
        let (alias, chain) = store.private_key_chain().unwrap();
        (
            alias.to_owned(),
            chain.certs().iter().map(|c| c.as_der().to_vec()).collect(),
            chain.key().as_der().to_vec(),
        )
    }

    #[test]
    fn both_encodings_round_trip_key_certificate_and_chain() {
        let issued = Preset::Intermediate.plan().issue().unwrap();
        for encoding in [Pkcs12Encoding::Modern, Pkcs12Encoding::Legacy] {
            let file = issued
                .pkcs12("client", encoding, Pkcs12Password::new("s3cret").unwrap())
                .unwrap();
            let (alias, certs, key) = read_back(&file, "s3cret");
            assert_eq!(alias, "client");
            let expected: Vec<Vec<u8>> = ["client", "intermediate", "ca"]
                .iter()
                .map(|n| issued.entry(n).unwrap().cert_der.clone())
                .collect();
            assert_eq!(certs, expected, "{encoding:?}");
            let pem = issued.entry("client").unwrap().key_pem.clone().unwrap();
            assert_eq!(key, pem::parse(pem).unwrap().contents());
            assert!(
                KeyStore::from_pkcs12(&file, "wrong", Pkcs12ImportPolicy::Strict).is_err(),
                "{encoding:?} opened with the wrong password"
            );
        }
    }

    #[test]
    fn every_key_type_goes_in() {
        for key_type in [
            KeyType::EcdsaP256,
            KeyType::EcdsaP384,
            KeyType::Ed25519,
            KeyType::Rsa2048,
        ] {
            let issued = Plan {
                key_type,
                ..Plan::default()
            }
            .issue()
            .unwrap();
            let file = issued
                .pkcs12(
                    "server",
                    Pkcs12Encoding::Modern,
                    Pkcs12Password::new("pw").unwrap(),
                )
                .unwrap();
            assert_eq!(read_back(&file, "pw").1.len(), 2, "{key_type:?}");
        }
    }

    #[test]
    fn empty_passwords_wrong_keys_and_unknown_entries_are_refused() {
        let error = Pkcs12Password::new("").unwrap_err().to_string();
        assert!(error.starts_with("PKCS#12 password: is empty"), "{error}");
        assert_eq!(
            format!("{:?}", Pkcs12Password::new("x").unwrap()),
            "Pkcs12Password(..)"
        );
        let issued = Plan::default().issue().unwrap();
        let empty = issued
            .pkcs12(
                "client",
                Pkcs12Encoding::Modern,
                Pkcs12Password::allow_empty(""),
            )
            .unwrap();
        assert_eq!(read_back(&empty, "").0, "client");

        let other = KeyPair::generate(KeyType::EcdsaP256).unwrap();
        let params = Pkcs12Params {
            encoding: Pkcs12Encoding::Modern,
            password: Pkcs12Password::new("pw").unwrap(),
            friendly_name: None,
        };
        let error = params
            .write(&issued.entry("client").unwrap().cert_der, &other, &[])
            .unwrap_err();
        assert!(matches!(error, Error::KeyMismatch { .. }), "{error}");
        let error = params
            .write(b"\x30\x00", &other, &[])
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("certificate: malformed"), "{error}");
        let error = issued
            .pkcs12(
                "nobody",
                Pkcs12Encoding::Modern,
                Pkcs12Password::new("pw").unwrap(),
            )
            .unwrap_err()
            .to_string();
        assert!(error.contains("no entry \"nobody\""), "{error}");
    }
}
