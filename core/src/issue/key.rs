//! Key pairs: generating them, reading them from PKCS#8/PKCS#1/SEC1, and
//! signing with them.
//!
//! Pure-Rust keys (RustCrypto's `rsa`, `p256`, `p384` and `ed25519-dalek`)
//! so that the very same code runs natively and in the browser; rcgen signs
//! through its [`rcgen::SigningKey`] trait, which [`KeyPair`] implements.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use p256::pkcs8::EncodePublicKey;
use rand_core::OsRng;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::oid::{self, Curve, KeyAlgorithm};
use crate::Error;

/// The kinds of key certplay generates and signs with. Exhaustive on
/// purpose: a new kind must be handled by every `match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum KeyType {
    /// RSA with a 2048-bit modulus, PKCS#1 v1.5 signatures with SHA-256:
    /// what the blog's `openssl genrsa 2048` makes.
    Rsa2048,
    /// RSA with a 3072-bit modulus (SHA-256 signatures).
    Rsa3072,
    /// RSA with a 4096-bit modulus (SHA-256 signatures); slow to generate.
    Rsa4096,
    /// ECDSA on NIST P-256 with SHA-256: small, fast, what TLS uses today.
    #[default]
    EcdsaP256,
    /// ECDSA on NIST P-384 with SHA-384.
    EcdsaP384,
    /// Ed25519 (RFC 8410). TLS 1.3 and OpenSSL accept it; browsers do not
    /// accept it in a server's chain.
    Ed25519,
}

impl KeyType {
    /// Every key type, in the order a form lists them.
    pub const ALL: [Self; 6] = [
        Self::EcdsaP256,
        Self::EcdsaP384,
        Self::Ed25519,
        Self::Rsa2048,
        Self::Rsa3072,
        Self::Rsa4096,
    ];

    /// The short name used on the command line, in plans and forms
    /// (`p256`, `rsa2048`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Rsa2048 => "rsa2048",
            Self::Rsa3072 => "rsa3072",
            Self::Rsa4096 => "rsa4096",
            Self::EcdsaP256 => "p256",
            Self::EcdsaP384 => "p384",
            Self::Ed25519 => "ed25519",
        }
    }

    /// A human description (`ECDSA P-256`, `RSA-2048`).
    pub fn description(self) -> &'static str {
        match self {
            Self::Rsa2048 => "RSA-2048",
            Self::Rsa3072 => "RSA-3072",
            Self::Rsa4096 => "RSA-4096",
            Self::EcdsaP256 => "ECDSA P-256",
            Self::EcdsaP384 => "ECDSA P-384",
            Self::Ed25519 => "Ed25519",
        }
    }

    /// The key type of a public key as read from a certificate, `None` for
    /// a key certplay does not issue (RSA-1024, secp256k1, ...).
    pub fn of(kind: &crate::read::model::KeyKind) -> Option<Self> {
        use crate::read::model::KeyKind;
        match kind {
            KeyKind::Rsa { bits: 2048, .. } => Some(Self::Rsa2048),
            KeyKind::Rsa { bits: 3072, .. } => Some(Self::Rsa3072),
            KeyKind::Rsa { bits: 4096, .. } => Some(Self::Rsa4096),
            KeyKind::Ec { curve, .. } => match Curve::of(&curve.oid)? {
                Curve::P256 => Some(Self::EcdsaP256),
                Curve::P384 => Some(Self::EcdsaP384),
                Curve::P521 | Curve::Secp256k1 => None,
            },
            KeyKind::Ed25519 => Some(Self::Ed25519),
            _ => None,
        }
    }

    /// The modulus size of an RSA key type, `None` for the others.
    pub fn rsa_bits(self) -> Option<usize> {
        match self {
            Self::Rsa2048 => Some(2048),
            Self::Rsa3072 => Some(3072),
            Self::Rsa4096 => Some(4096),
            Self::EcdsaP256 | Self::EcdsaP384 | Self::Ed25519 => None,
        }
    }

    /// The RSA key type with this modulus size, if certplay has one.
    fn rsa_of_bits(bits: usize) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|key_type| key_type.rsa_bits() == Some(bits))
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
        let wanted = s.trim().to_ascii_lowercase().replace(['-', '_', ' '], "");
        let found = match wanted.as_str() {
            "ecdsa" | "ec" | "ecdsap256" | "secp256r1" | "prime256v1" => Some(Self::EcdsaP256),
            "ecdsap384" | "secp384r1" => Some(Self::EcdsaP384),
            "rsa" => Some(Self::Rsa2048),
            _ => Self::ALL.into_iter().find(|t| t.name() == wanted),
        };
        found.ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|t| t.name()).collect();
            Error::input(
                "key type",
                format!("unknown key type {s:?}; choose one of {}", names.join(", ")),
            )
        })
    }
}

impl TryFrom<String> for KeyType {
    type Error = Error;

    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

impl From<KeyType> for &'static str {
    fn from(key_type: KeyType) -> Self {
        key_type.name()
    }
}

/// A private key with its public half, able to sign certificates.
pub struct KeyPair {
    secret: Secret,
    /// The public key as it sits in subjectPublicKeyInfo's BIT STRING.
    public_key: Vec<u8>,
}

/// The private half of a [`KeyPair`] (the lab's TLS signing uses it).
pub(crate) enum Secret {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(Box<ed25519_dalek::SigningKey>),
    Rsa(KeyType, Box<rsa::pkcs1v15::SigningKey<Sha256>>),
}

impl KeyPair {
    /// Generates a fresh key pair from the operating system's (or the
    /// browser's) random source. RSA takes from a fraction of a second
    /// (2048) to several seconds (4096).
    pub fn generate(key_type: KeyType) -> Result<Self, Error> {
        match key_type {
            KeyType::EcdsaP256 => Ok(Self::from_p256(p256::ecdsa::SigningKey::random(&mut OsRng))),
            KeyType::EcdsaP384 => Ok(Self::from_p384(p384::ecdsa::SigningKey::random(&mut OsRng))),
            KeyType::Ed25519 => Ok(Self::from_ed25519(ed25519_dalek::SigningKey::generate(
                &mut OsRng,
            ))),
            #[cfg(feature = "rsa-keygen")]
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => {
                let bits = key_type.rsa_bits().unwrap_or(2048);
                let key = rsa::RsaPrivateKey::new(&mut OsRng, bits).map_err(Error::crypto)?;
                Self::from_rsa(key)
            }
            // The page's wasm: its tools worker makes RSA keys with
            // WebCrypto (natively, in milliseconds) and gives them to core.
            #[cfg(not(feature = "rsa-keygen"))]
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => Err(Error::InvalidInput {
                field: key_type.description().to_owned(),
                reason: "this build of certplay-core makes no RSA keys (feature `rsa-keygen` \
                         off): give it one made elsewhere (the page: WebCrypto)"
                    .into(),
            }),
        }
    }

    /// Reads an unencrypted PKCS#8 private key (`-----BEGIN PRIVATE KEY-----`
    /// as DER), for instance one exported by WebCrypto.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        let malformed = |what: &str, e: &dyn fmt::Display| Error::Malformed {
            what: what.into(),
            reason: e.to_string(),
        };
        let info = p256::pkcs8::PrivateKeyInfo::try_from(der)
            .map_err(|e| malformed("PKCS#8 private key", &e))?;
        match KeyAlgorithm::of(&info.algorithm.oid) {
            Some(KeyAlgorithm::Rsa) => {
                use rsa::pkcs8::DecodePrivateKey as _;
                let key = rsa::RsaPrivateKey::from_pkcs8_der(der)
                    .map_err(|e| malformed("RSA private key", &e))?;
                Self::from_rsa(key)
            }
            Some(KeyAlgorithm::Ec) => {
                let curve = info.algorithm.parameters_oid().ok();
                match curve.as_ref().and_then(Curve::of) {
                    Some(Curve::P256) => {
                        use p256::pkcs8::DecodePrivateKey as _;
                        let key = p256::ecdsa::SigningKey::from_pkcs8_der(der)
                            .map_err(|e| malformed("P-256 private key", &e))?;
                        Ok(Self::from_p256(key))
                    }
                    Some(Curve::P384) => {
                        use p384::pkcs8::DecodePrivateKey as _;
                        let key = p384::ecdsa::SigningKey::from_pkcs8_der(der)
                            .map_err(|e| malformed("P-384 private key", &e))?;
                        Ok(Self::from_p384(key))
                    }
                    Some(Curve::P521 | Curve::Secp256k1) | None => Err(unsupported(format!(
                        "an EC key on curve {}; certplay reads P-256 and P-384",
                        curve.as_ref().map_or_else(String::new, oid::describe)
                    ))),
                }
            }
            Some(KeyAlgorithm::Ed25519) => {
                let key = ed25519_dalek::SigningKey::from_pkcs8_der(der)
                    .map_err(|e| malformed("Ed25519 private key", &e))?;
                Ok(Self::from_ed25519(key))
            }
            Some(KeyAlgorithm::Ed448) | None => Err(unsupported(format!(
                "algorithm {}; certplay reads RSA, ECDSA P-256/P-384 and Ed25519 keys",
                oid::describe(&info.algorithm.oid)
            ))),
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

    /// Reads a SEC1 EC private key (`-----BEGIN EC PRIVATE KEY-----` as DER)
    /// on P-256 or P-384.
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, Error> {
        if let Ok(key) = p256::SecretKey::from_sec1_der(der) {
            return Ok(Self::from_p256(key.into()));
        }
        if let Ok(key) = p384::SecretKey::from_sec1_der(der) {
            return Ok(Self::from_p384(key.into()));
        }
        Err(unsupported(
            "not a P-256 or P-384 key in SEC1 form (or malformed)".into(),
        ))
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

    fn from_p384(key: p384::ecdsa::SigningKey) -> Self {
        let public_key = key
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        Self {
            secret: Secret::P384(key),
            public_key,
        }
    }

    fn from_ed25519(key: ed25519_dalek::SigningKey) -> Self {
        let public_key = key.verifying_key().to_bytes().to_vec();
        Self {
            secret: Secret::Ed25519(Box::new(key)),
            public_key,
        }
    }

    fn from_rsa(key: rsa::RsaPrivateKey) -> Result<Self, Error> {
        let bits = key.size().saturating_mul(8);
        let key_type = KeyType::rsa_of_bits(bits).ok_or_else(|| {
            unsupported(format!(
                "RSA-{bits}; certplay signs with RSA-2048, RSA-3072 and RSA-4096"
            ))
        })?;
        let public_key = key
            .to_public_key()
            .to_pkcs1_der()
            .map_err(Error::crypto)?
            .into_vec();
        Ok(Self {
            secret: Secret::Rsa(key_type, Box::new(rsa::pkcs1v15::SigningKey::new(key))),
            public_key,
        })
    }

    /// The private key itself, for signing in a TLS handshake.
    #[cfg(feature = "lab")]
    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }

    /// What kind of key this is.
    pub fn key_type(&self) -> KeyType {
        match &self.secret {
            Secret::P256(_) => KeyType::EcdsaP256,
            Secret::P384(_) => KeyType::EcdsaP384,
            Secret::Ed25519(_) => KeyType::Ed25519,
            Secret::Rsa(key_type, _) => *key_type,
        }
    }

    /// A human description of the key (`ECDSA P-256`, `RSA-2048`).
    pub fn description(&self) -> &'static str {
        self.key_type().description()
    }

    /// The private key as unencrypted PKCS#8 DER (PrivateKeyInfo, RFC 5208),
    /// the form OpenSSL 3, curl, Node, rustls and WebCrypto all read.
    /// Ed25519 keys are written as PKCS#8 v1 (no public key inside):
    /// OpenSSL 3.0 and curl cannot read the v2 form.
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>, Error> {
        let document = match &self.secret {
            Secret::P256(key) => {
                use p256::pkcs8::EncodePrivateKey as _;
                key.to_pkcs8_der()
            }
            Secret::P384(key) => {
                use p384::pkcs8::EncodePrivateKey as _;
                key.to_pkcs8_der()
            }
            Secret::Ed25519(key) => ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: key.to_bytes(),
                public_key: None,
            }
            .to_pkcs8_der(),
            Secret::Rsa(_, key) => {
                use rsa::pkcs8::EncodePrivateKey as _;
                let private: &rsa::RsaPrivateKey = (**key).as_ref();
                private.to_pkcs8_der()
            }
        }
        .map_err(Error::crypto)?;
        Ok(document.as_bytes().to_vec())
    }

    /// The private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE
    /// KEY-----`): [`KeyPair::to_pkcs8_der`] with LF line ends.
    pub fn to_pkcs8_pem(&self) -> Result<String, Error> {
        Ok(super::csr::pem_text("PRIVATE KEY", &self.to_pkcs8_der()?))
    }

    /// The public key as DER SubjectPublicKeyInfo (RFC 5280, section 4.1.2.7).
    pub fn public_key_info_der(&self) -> Result<Vec<u8>, Error> {
        let doc = match &self.secret {
            Secret::P256(key) => key.verifying_key().to_public_key_der(),
            Secret::P384(key) => key.verifying_key().to_public_key_der(),
            Secret::Ed25519(key) => key.verifying_key().to_public_key_der(),
            Secret::Rsa(_, key) => {
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

fn unsupported(reason: String) -> Error {
    Error::UnsupportedKey {
        file: "private key".into(),
        reason,
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
            Secret::P384(_) => &rcgen::PKCS_ECDSA_P384_SHA384,
            Secret::Ed25519(_) => &rcgen::PKCS_ED25519,
            Secret::Rsa(..) => &rcgen::PKCS_RSA_SHA256,
        }
    }
}

impl rcgen::SigningKey for KeyPair {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let failed = |_| rcgen::Error::RemoteKeyError;
        match &self.secret {
            Secret::P256(key) => {
                let signature: p256::ecdsa::Signature = key.try_sign(msg).map_err(failed)?;
                Ok(signature.to_der().as_bytes().to_vec())
            }
            Secret::P384(key) => {
                let signature: p384::ecdsa::Signature = key.try_sign(msg).map_err(failed)?;
                Ok(signature.to_der().as_bytes().to_vec())
            }
            Secret::Ed25519(key) => {
                let signature: ed25519_dalek::Signature = key.try_sign(msg).map_err(failed)?;
                Ok(signature.to_bytes().to_vec())
            }
            Secret::Rsa(_, key) => Ok(key.try_sign(msg).map_err(failed)?.to_vec()),
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
            assert_eq!(key_type.description().parse::<KeyType>(), Ok(key_type));
        }
        assert_eq!("RSA-2048".parse::<KeyType>(), Ok(KeyType::Rsa2048));
        let err = "dsa".parse::<KeyType>().unwrap_err().to_string();
        assert!(err.contains("p384") && err.contains("ed25519"), "{err}");
    }

    #[test]
    fn pkcs8_round_trip_keeps_the_key_type_and_public_key() {
        for key_type in [
            KeyType::EcdsaP256,
            KeyType::EcdsaP384,
            KeyType::Ed25519,
            KeyType::Rsa2048,
        ] {
            let key = KeyPair::generate(key_type).unwrap();
            assert_eq!(key.key_type(), key_type);
            let pem = key.to_pkcs8_pem().unwrap();
            let block = pem::parse(&pem).unwrap();
            assert_eq!(block.tag(), "PRIVATE KEY");
            assert_eq!(block.contents(), key.to_pkcs8_der().unwrap());
            let again = KeyPair::from_pkcs8_der(block.contents()).unwrap();
            assert_eq!(again.key_type(), key_type);
            assert_eq!(
                again.public_key_info_der().unwrap(),
                key.public_key_info_der().unwrap()
            );
            assert_eq!(key.key_identifier().len(), 20);
        }
    }

    #[test]
    fn ed25519_keys_are_pkcs8_v1() {
        let key = KeyPair::generate(KeyType::Ed25519).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        // version INTEGER 0 right after the outer SEQUENCE header.
        assert_eq!(der.get(2..5), Some(&[2u8, 1, 0][..]));
        assert_eq!(der.len(), 48);
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
