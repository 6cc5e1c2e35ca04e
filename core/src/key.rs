//! Key pairs: generating them, reading them from PEM, and signing with them.
//!
//! Pure-Rust keys (RustCrypto's `p256` and `rsa`) so that the very same code
//! runs natively and in the browser; rcgen signs through its
//! [`rcgen::SigningKey`] trait, which [`KeyPair`] implements.

use std::fmt;
use std::str::FromStr;

use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rand_core::OsRng;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::signature::{SignatureEncoding, Signer};
use sha2::{Digest, Sha256};

use crate::Error;

/// OID of rsaEncryption (RFC 8017, appendix A.1).
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
/// OID of id-ecPublicKey (RFC 5480, section 2.1.1).
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

/// The kinds of key certplay generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum KeyType {
    /// ECDSA on NIST P-256 with SHA-256: small, fast, what TLS uses today.
    #[default]
    EcdsaP256,
    /// RSA with a 2048-bit modulus, PKCS#1 v1.5 signatures with SHA-256:
    /// what the blog's `openssl genrsa 2048` makes.
    Rsa2048,
}

impl KeyType {
    /// Every key type, in the order a form lists them.
    pub const ALL: [Self; 2] = [Self::EcdsaP256, Self::Rsa2048];

    /// The short name used on the command line and in forms (`p256`, `rsa2048`).
    pub fn name(self) -> &'static str {
        match self {
            Self::EcdsaP256 => "p256",
            Self::Rsa2048 => "rsa2048",
        }
    }

    /// A human description (`ECDSA P-256`, `RSA-2048`).
    pub fn description(self) -> &'static str {
        match self {
            Self::EcdsaP256 => "ECDSA P-256",
            Self::Rsa2048 => "RSA-2048",
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyType {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "")
            .as_str()
        {
            "p256" | "ecdsap256" | "ecdsa" | "ec" => Ok(Self::EcdsaP256),
            "rsa2048" | "rsa" => Ok(Self::Rsa2048),
            _ => Err(Error::input(
                "key type",
                format!("unknown key type {s:?}; choose p256 or rsa2048"),
            )),
        }
    }
}

/// A private key with its public half, able to sign certificates.
pub struct KeyPair {
    secret: Secret,
    /// The public key as it sits in subjectPublicKeyInfo's BIT STRING.
    public_key: Vec<u8>,
}

enum Secret {
    P256(p256::ecdsa::SigningKey),
    Rsa(Box<rsa::pkcs1v15::SigningKey<Sha256>>),
}

impl KeyPair {
    /// Generates a fresh key pair from the operating system's (or the
    /// browser's) random source.
    pub fn generate(key_type: KeyType) -> Result<Self, Error> {
        match key_type {
            KeyType::EcdsaP256 => Ok(Self::from_p256(p256::ecdsa::SigningKey::random(&mut OsRng))),
            KeyType::Rsa2048 => {
                let key = rsa::RsaPrivateKey::new(&mut OsRng, 2048).map_err(Error::crypto)?;
                Self::from_rsa(key)
            }
        }
    }

    /// Reads an unencrypted PKCS#8 private key (`-----BEGIN PRIVATE KEY-----`
    /// as DER), for instance one exported by WebCrypto.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        let info = p256::pkcs8::PrivateKeyInfo::try_from(der).map_err(|e| Error::Malformed {
            what: "PKCS#8 private key".into(),
            reason: e.to_string(),
        })?;
        let algorithm = info.algorithm.oid.to_string();
        match algorithm.as_str() {
            RSA_ENCRYPTION => {
                let key =
                    rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(|e| Error::Malformed {
                        what: "RSA private key".into(),
                        reason: e.to_string(),
                    })?;
                Self::from_rsa(key)
            }
            EC_PUBLIC_KEY => {
                let key = p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|_| {
                    Error::UnsupportedKey {
                        file: "PKCS#8 private key".into(),
                        reason: "an EC key on a curve other than P-256".into(),
                    }
                })?;
                Ok(Self::from_p256(key))
            }
            other => Err(Error::UnsupportedKey {
                file: "PKCS#8 private key".into(),
                reason: format!("algorithm {other}; certplay reads P-256 and RSA keys"),
            }),
        }
    }

    /// Reads a PKCS#1 RSA private key (`-----BEGIN RSA PRIVATE KEY-----` as DER).
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, Error> {
        let key = rsa::RsaPrivateKey::from_pkcs1_der(der).map_err(|e| Error::Malformed {
            what: "RSA private key".into(),
            reason: e.to_string(),
        })?;
        Self::from_rsa(key)
    }

    /// Reads a SEC1 EC private key (`-----BEGIN EC PRIVATE KEY-----` as DER).
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, Error> {
        let key = p256::SecretKey::from_sec1_der(der).map_err(|_| Error::UnsupportedKey {
            file: "EC private key".into(),
            reason: "not a P-256 key (or malformed)".into(),
        })?;
        Ok(Self::from_p256(key.into()))
    }

    fn from_p256(key: p256::ecdsa::SigningKey) -> Self {
        let public_key = key
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        Self {
            secret: Secret::P256(key),
            public_key,
        }
    }

    fn from_rsa(key: rsa::RsaPrivateKey) -> Result<Self, Error> {
        let public_key = key
            .to_public_key()
            .to_pkcs1_der()
            .map_err(Error::crypto)?
            .into_vec();
        Ok(Self {
            secret: Secret::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(key))),
            public_key,
        })
    }

    /// A human description of the key (`ECDSA P-256`, `RSA-2048`).
    pub fn description(&self) -> String {
        match &self.secret {
            Secret::P256(_) => "ECDSA P-256".into(),
            Secret::Rsa(key) => {
                use rsa::traits::PublicKeyParts;
                let private: &rsa::RsaPrivateKey = (**key).as_ref();
                format!("RSA-{}", private.size() * 8)
            }
        }
    }

    /// The private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`),
    /// the form OpenSSL 3, curl, Node and rustls all read.
    pub fn to_pkcs8_pem(&self) -> Result<String, Error> {
        let pem = match &self.secret {
            Secret::P256(key) => key.to_pkcs8_pem(LineEnding::LF),
            Secret::Rsa(key) => {
                let private: &rsa::RsaPrivateKey = (**key).as_ref();
                private.to_pkcs8_pem(LineEnding::LF)
            }
        }
        .map_err(Error::crypto)?;
        Ok(pem.to_string())
    }

    /// The public key as DER SubjectPublicKeyInfo (RFC 5280, section 4.1.2.7).
    pub fn public_key_info_der(&self) -> Result<Vec<u8>, Error> {
        let doc = match &self.secret {
            Secret::P256(key) => key.verifying_key().to_public_key_der(),
            Secret::Rsa(key) => {
                let private: &rsa::RsaPrivateKey = (**key).as_ref();
                private.to_public_key().to_public_key_der()
            }
        }
        .map_err(Error::crypto)?;
        Ok(doc.into_vec())
    }

    /// The key identifier of RFC 7093, section 2, method 1: the leftmost 160
    /// bits of the SHA-256 hash of the subjectPublicKey BIT STRING's value.
    pub fn key_identifier(&self) -> Vec<u8> {
        let digest = Sha256::digest(&self.public_key);
        digest.iter().take(20).copied().collect()
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        f.debug_struct("KeyPair")
            .field("type", &self.description())
            .finish_non_exhaustive()
    }
}

impl rcgen::PublicKeyData for KeyPair {
    fn der_bytes(&self) -> &[u8] {
        &self.public_key
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        match self.secret {
            Secret::P256(_) => &rcgen::PKCS_ECDSA_P256_SHA256,
            Secret::Rsa(_) => &rcgen::PKCS_RSA_SHA256,
        }
    }
}

impl rcgen::SigningKey for KeyPair {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        match &self.secret {
            Secret::P256(key) => {
                let signature: p256::ecdsa::Signature = key
                    .try_sign(msg)
                    .map_err(|_| rcgen::Error::RemoteKeyError)?;
                Ok(signature.to_der().as_bytes().to_vec())
            }
            Secret::Rsa(key) => Ok(key
                .try_sign(msg)
                .map_err(|_| rcgen::Error::RemoteKeyError)?
                .to_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_type_names_round_trip() {
        for key_type in KeyType::ALL {
            assert_eq!(key_type.name().parse::<KeyType>(), Ok(key_type));
        }
        assert_eq!("RSA-2048".parse::<KeyType>(), Ok(KeyType::Rsa2048));
        assert!("dsa".parse::<KeyType>().is_err());
    }

    #[test]
    fn pkcs8_round_trip_keeps_the_public_key() {
        let key = KeyPair::generate(KeyType::EcdsaP256).unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        let block = pem::parse(&pem).unwrap();
        assert_eq!(block.tag(), "PRIVATE KEY");
        let again = KeyPair::from_pkcs8_der(block.contents()).unwrap();
        assert_eq!(
            again.public_key_info_der().unwrap(),
            key.public_key_info_der().unwrap()
        );
        assert_eq!(key.key_identifier().len(), 20);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [&b""[..], b"\x30", b"\x30\x03\x02\x01\x00", b"not a key"] {
            assert!(KeyPair::from_pkcs8_der(bytes).is_err());
            assert!(KeyPair::from_pkcs1_der(bytes).is_err());
            assert!(KeyPair::from_sec1_der(bytes).is_err());
        }
    }
}
