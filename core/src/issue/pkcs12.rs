//! PKCS#12 files (RFC 7292): a private key, its certificate and the chain
//! above it in one password-protected file, as Windows, macOS, Java and
//! curl (`--cert-type P12`) import them. Laid out as OpenSSL writes them
//! (the certificates in an encrypted part, the key in a shrouded key bag,
//! a MAC over both), in pure Rust (`crate::pfx`), so the page makes the
//! same file as the CLI.

use std::fmt;

use der::asn1::{BmpString, OctetString, SetOfVec};
use der::{Any, Encode};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use x509_cert::attr::Attribute;

use super::{IssuedPlan, KeyPair};
use crate::pfx::{self, MacDigest, Scheme};
use crate::Error;

/// How the file is encrypted and authenticated. Exhaustive on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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

/// Iterations of the key derivation and of the MAC key derivation: what
/// Java writes (OpenSSL writes 2048).
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
        self.write_with(ITERATIONS, cert_der, key, chain)
    }

    /// `write` with `iterations` for the key derivations (tests use 1).
    fn write_with(
        &self,
        iterations: u32,
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
        let mut certificates = vec![cert_der];
        for (i, der) in chain.iter().enumerate() {
            x509_cert_info(der, &format!("chain certificate {}", i.saturating_add(1)))?;
            certificates.push(der.as_slice());
        }
        let pkcs8 = key.to_pkcs8_der()?;
        // localKeyID links the key to its certificate; OpenSSL uses the
        // certificate's SHA-1 too.
        let local_key_id = Sha1::digest(cert_der).to_vec();
        let name = self.friendly_name.clone().unwrap_or(cert.subject);
        let attributes = bag_attributes(&name, &local_key_id)?;
        let (scheme, digest) = match self.encoding {
            Pkcs12Encoding::Modern => (Scheme::Pbes2Aes256, MacDigest::Sha256),
            Pkcs12Encoding::Legacy => (Scheme::Sha1TripleDes, MacDigest::Sha1),
        };
        let password = self.password.0.as_str();
        let encrypt = |plain: &[u8]| {
            pfx::encrypt(scheme, password, iterations, plain)
                .map_err(|e| Error::Crypto(format!("encrypting the PKCS#12 file: {e}")))
        };

        // The certificates, the first (the key's) with the bag attributes.
        let cert_bags = certificates
            .iter()
            .enumerate()
            .map(|(i, der)| {
                let bag = pfx::CertBag {
                    cert_id: pfx::X509_CERT,
                    cert_value: OctetString::new(der.to_vec())?,
                };
                Ok(pfx::SafeBag {
                    bag_id: pfx::CERT_BAG,
                    bag_value: Any::encode_from(&bag)?,
                    attributes: (i == 0).then(|| attributes.clone()),
                })
            })
            .collect::<der::Result<Vec<_>>>()
            .and_then(|bags| bags.to_der())
            .map_err(der_error)?;
        let (algorithm, sealed) = encrypt(&cert_bags)?;
        let certs_part = pfx::ContentInfo {
            content_type: pfx::ENCRYPTED_DATA,
            content: Some(
                Any::encode_from(&pfx::EncryptedData {
                    version: 0,
                    info: pfx::EncryptedContentInfo {
                        content_type: pfx::DATA,
                        algorithm,
                        content: Some(OctetString::new(sealed).map_err(der_error)?),
                    },
                })
                .map_err(der_error)?,
            ),
        };

        // The key, encrypted on its own (a shrouded key bag) in a plain part.
        let (algorithm, sealed) = encrypt(&pkcs8)?;
        let key_bag = pfx::SafeBag {
            bag_id: pfx::SHROUDED_KEY_BAG,
            bag_value: OctetString::new(sealed)
                .and_then(|data| {
                    Any::encode_from(&pfx::EncryptedPrivateKeyInfo { algorithm, data })
                })
                .map_err(der_error)?,
            attributes: Some(attributes),
        };
        let key_part = data_content(&vec![key_bag].to_der().map_err(der_error)?)?;

        let auth_safe = vec![certs_part, key_part].to_der().map_err(der_error)?;
        let mac_data =
            pfx::mac_data(digest, password, iterations, &auth_safe).map_err(der_error)?;
        pfx::Pfx {
            version: 3,
            auth_safe: data_content(&auth_safe)?,
            mac_data: Some(mac_data),
        }
        .to_der()
        .map_err(der_error)
    }
}

/// A content of type data: `bytes` in an OCTET STRING.
fn data_content(bytes: &[u8]) -> Result<pfx::ContentInfo, Error> {
    Ok(pfx::ContentInfo {
        content_type: pfx::DATA,
        content: Some(
            OctetString::new(bytes.to_vec())
                .and_then(|octets| Any::encode_from(&octets))
                .map_err(der_error)?,
        ),
    })
}

/// The key's and its certificate's bag attributes: friendlyName (what
/// importers show) and localKeyID (which certificate is the key's). A
/// friendlyName is a BMPString: a character beyond U+FFFF (an emoji in a
/// subject) is shown as U+FFFD, the name being only a label.
fn bag_attributes(name: &str, local_key_id: &[u8]) -> Result<Any, Error> {
    let label: String = name
        .chars()
        .map(|c| if u32::from(c) > 0xFFFF { '\u{FFFD}' } else { c })
        .collect();
    let friendly = BmpString::from_utf8(&label).map_err(der_error)?;
    let attribute = |oid, value: der::Result<Any>| -> der::Result<Attribute> {
        Ok(Attribute {
            oid,
            values: SetOfVec::try_from(vec![value?])?,
        })
    };
    SetOfVec::try_from(vec![
        attribute(pfx::FRIENDLY_NAME, Any::encode_from(&friendly)).map_err(der_error)?,
        attribute(
            pfx::LOCAL_KEY_ID,
            OctetString::new(local_key_id.to_vec()).and_then(|id| Any::encode_from(&id)),
        )
        .map_err(der_error)?,
    ])
    .and_then(|set| Any::encode_from(&set))
    .map_err(der_error)
}

fn der_error(e: der::Error) -> Error {
    Error::Crypto(format!("writing the PKCS#12 file: {e}"))
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
        let key = super::read_private_key(crate::read::Source::new(&key_name, key_pem.as_bytes()))?
            .into_pair()?;
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
    use x509_cert::der::Encode;
    let malformed = |reason: String| Error::Malformed {
        what: what.into(),
        reason,
    };
    let cert = crate::material::x509_certificate(der).map_err(|e| malformed(e.to_string()))?;
    Ok(CertFacts {
        subject: crate::read::name(&cert.tbs_certificate.subject).to_string(),
        spki_der: cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| malformed(e.to_string()))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{read_with_password, Item};
    use crate::{KeyType, Plan, Preset};

    /// The file opened by certplay's reader: its certificates (DER, file
    /// order) and its one key, which must be the first certificate's;
    /// `None` when it does not open.
    fn read_back(file: &[u8], password: &str) -> Option<Vec<Vec<u8>>> {
        let items = read_with_password("f.p12", file, Some(password)).ok()?;
        let [Item::Pkcs12(p12)] = items.as_slice() else {
            return None;
        };
        if p12.locked.is_some() {
            return None;
        }
        let mut certs = Vec::new();
        let mut keys = Vec::new();
        for item in &p12.contents {
            match item {
                Item::Certificate(c) => certs.push(c),
                Item::PrivateKey(k) => keys.push(k),
                _ => panic!("{item:?}"),
            }
        }
        let [key] = keys.as_slice() else {
            panic!("{} keys", keys.len())
        };
        assert_eq!(key.matches(certs.first()?), Some(true), "{key:?}");
        Some(certs.iter().map(|c| c.der.clone()).collect())
    }

    #[test]
    fn both_encodings_round_trip_key_certificate_and_chain() {
        let issued = Preset::Intermediate.plan().issue().unwrap();
        for encoding in [Pkcs12Encoding::Modern, Pkcs12Encoding::Legacy] {
            let file = issued
                .pkcs12("client", encoding, Pkcs12Password::new("s3cret").unwrap())
                .unwrap();
            let certs = read_back(&file, "s3cret").unwrap();
            let expected: Vec<Vec<u8>> = ["client", "intermediate", "ca"]
                .iter()
                .map(|n| issued.entry(n).unwrap().cert_der.clone())
                .collect();
            assert_eq!(certs, expected, "{encoding:?}");
            assert!(
                read_back(&file, "wrong").is_none(),
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
            assert_eq!(read_back(&file, "pw").unwrap().len(), 2, "{key_type:?}");
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
        assert_eq!(read_back(&empty, "").unwrap().len(), 2);

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

    /// The blog's set and its client's key, for `Pkcs12Params::write_with`.
    fn blog_set_and_client_key() -> (IssuedPlan, KeyPair) {
        let issued = Plan::default().issue().unwrap();
        let pem = issued.entry("client").unwrap().key_pem.clone().unwrap();
        let key = crate::read_private_key(crate::Source::new("client.key", pem.as_bytes()))
            .unwrap()
            .into_pair()
            .unwrap();
        (issued, key)
    }

    /// Any damage to a file, or any cut, gives an answer and never a panic:
    /// every byte flipped and every length, through the reader with the
    /// right password (a file with one iteration, so that this is quick).
    #[test]
    fn damaged_and_cut_files_are_refused_without_panic() {
        let (issued, key) = blog_set_and_client_key();
        let client = issued.entry("client").unwrap();
        let ca = issued.entry("ca").unwrap().cert_der.clone();
        for encoding in [Pkcs12Encoding::Modern, Pkcs12Encoding::Legacy] {
            let params = Pkcs12Params {
                encoding,
                password: Pkcs12Password::new("pw").unwrap(),
                friendly_name: None,
            };
            let file = params
                .write_with(1, &client.cert_der, &key, std::slice::from_ref(&ca))
                .unwrap();
            assert_eq!(read_back(&file, "pw").unwrap().len(), 2);
            let mut opened = Vec::new();
            for i in 0..file.len() {
                let mut damaged = file.clone();
                damaged[i] ^= 0xff;
                if read_back(&damaged, "pw").is_some() {
                    opened.push(i);
                }
                let _ = read_back(&file[..i], "pw");
            }
            // The MAC covers everything but itself, and a damaged MAC does
            // not verify. The one byte that may change is the tag of the
            // MAC digest's parameters (a NULL, which readers ignore, as
            // OpenSSL does), near the end of the file.
            assert!(
                opened.iter().all(|&i| file[i] == 0x05
                    && file.get(i + 1) == Some(&0)
                    && i + 64 > file.len()),
                "{encoding:?}: damaged at {opened:?} and opened"
            );
        }
    }

    /// A friendlyName is a BMPString: an emoji in the name becomes U+FFFD
    /// instead of refusing the file.
    #[test]
    fn a_name_beyond_the_bmp_is_still_written() {
        let (issued, key) = blog_set_and_client_key();
        let client = issued.entry("client").unwrap();
        let params = Pkcs12Params {
            encoding: Pkcs12Encoding::Modern,
            password: Pkcs12Password::new("pw").unwrap(),
            friendly_name: Some("my 🔑 client".into()),
        };
        let file = params.write_with(1, &client.cert_der, &key, &[]).unwrap();
        let label = BmpString::from_utf8("my \u{FFFD} client").unwrap();
        let label = Any::encode_from(&label).unwrap().to_der().unwrap();
        assert!(file.windows(label.len()).any(|w| w == label.as_slice()));
        assert_eq!(read_back(&file, "pw").unwrap().len(), 1);
    }
}
