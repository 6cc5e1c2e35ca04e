//! A rustls [`CryptoProvider`] that only verifies signatures, made of the
//! pure-Rust RustCrypto crates core already uses for its keys (p256, p384,
//! rsa, ed25519-dalek, sha2). On wasm32 ring and aws-lc-rs are not built
//! here (ring would need clang and its JS feature; aws-lc-rs does not build
//! there), so the page's chain check runs webpki with this provider. It
//! accepts exactly the algorithms and key sizes of rustls' ring provider
//! (ECDSA P-256/P-384 with SHA-256/384, RSA PKCS#1 v1.5 and PSS with
//! SHA-256/384/512 and 2048 to 8192-bit keys, Ed25519), so that the page
//! and `certplay serve` give the same verdict; a native test compares the
//! two on every preset and key type.
//!
//! It has no cipher suites, key exchange groups or signing keys: it checks
//! certificate chains, it does not make TLS connections.

use std::fmt;
use std::sync::Arc;

use rand_core::RngCore;
use rustls::crypto::{
    CryptoProvider, GetRandomFailed, KeyProvider, SecureRandom, WebPkiSupportedAlgorithms,
};
use rustls::sign::SigningKey;
use rustls::SignatureScheme;
use rustls_pki_types::{
    alg_id, AlgorithmIdentifier, InvalidSignature, PrivateKeyDer, SignatureVerificationAlgorithm,
};
use sha2::{Sha256, Sha384, Sha512};

use crate::oid::Hash;

/// The verify-only provider (see the module documentation).
pub fn verifying() -> Arc<CryptoProvider> {
    Arc::new(CryptoProvider {
        cipher_suites: Vec::new(),
        kx_groups: Vec::new(),
        signature_verification_algorithms: ALGORITHMS,
        secure_random: &OsRandom,
        key_provider: &NoKeys,
    })
}

/// The curves webpki's ECDSA algorithms name.
#[derive(Debug, Clone, Copy)]
enum Curve {
    P256,
    P384,
}

/// How a signature is checked.
#[derive(Debug, Clone, Copy)]
enum Scheme {
    Ecdsa(Curve, Hash),
    RsaPkcs1(Hash),
    RsaPss(Hash),
    Ed25519,
}

/// One webpki algorithm: the identifiers a certificate carries, and the
/// check.
struct Algorithm {
    public_key: AlgorithmIdentifier,
    signature: AlgorithmIdentifier,
    scheme: Scheme,
}

impl fmt::Debug for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RustCrypto {:?}", self.scheme)
    }
}

impl SignatureVerificationAlgorithm for Algorithm {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        match self.scheme {
            Scheme::Ecdsa(curve, hash) => {
                ecdsa(curve, public_key, &hash.digest(message), signature)
            }
            Scheme::RsaPkcs1(hash) => rsa_pkcs1(hash, public_key, message, signature),
            Scheme::RsaPss(hash) => rsa_pss(hash, public_key, message, signature),
            Scheme::Ed25519 => ed25519(public_key, message, signature),
        }
        .ok_or(InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.public_key
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature
    }
}

/// ECDSA over `prehash` (the message's digest; webpki allows a P-256 key
/// with SHA-384 and a P-384 key with SHA-256, as ring does). Like ring, only
/// uncompressed points are public keys, and signatures are DER.
fn ecdsa(curve: Curve, public_key: &[u8], prehash: &[u8], signature: &[u8]) -> Option<()> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    if public_key.first() != Some(&0x04) {
        return None;
    }
    match curve {
        Curve::P256 => {
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key).ok()?;
            let signature = p256::ecdsa::Signature::from_der(signature).ok()?;
            key.verify_prehash(prehash, &signature).ok()
        }
        Curve::P384 => {
            let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(public_key).ok()?;
            let signature = p384::ecdsa::Signature::from_der(signature).ok()?;
            key.verify_prehash(prehash, &signature).ok()
        }
    }
}

/// An RSAPublicKey (the subjectPublicKey of rsaEncryption) with ring's
/// limits: a 2048 to 8192-bit modulus, an odd exponent from 3 to 2^33 - 1.
/// The signature must be exactly as long as the modulus.
fn rsa_key(public_key: &[u8], signature: &[u8]) -> Option<rsa::RsaPublicKey> {
    use rsa::pkcs1::der::Decode;
    use rsa::traits::PublicKeyParts;
    let parsed = rsa::pkcs1::RsaPublicKey::from_der(public_key).ok()?;
    let n = rsa::BigUint::from_bytes_be(parsed.modulus.as_bytes());
    let exponent = parsed.public_exponent.as_bytes();
    // At most 2^33 - 1 fits in 5 octets; a longer one is refused anyway.
    let small = (exponent.len() <= 5).then(|| {
        exponent.iter().fold(0u64, |e, b| {
            e.saturating_mul(256).saturating_add(u64::from(*b))
        })
    });
    let odd_from_3 = small.is_some_and(|e| e >= 3 && e % 2 == 1 && e < (1 << 33));
    if !(2048..=8192).contains(&n.bits()) || !odd_from_3 {
        return None;
    }
    let e = rsa::BigUint::from_bytes_be(exponent);
    let key = rsa::RsaPublicKey::new_with_max_size(n, e, 8192).ok()?;
    (signature.len() == key.size()).then_some(key)
}

fn rsa_pkcs1(hash: Hash, public_key: &[u8], message: &[u8], signature: &[u8]) -> Option<()> {
    use rsa::signature::Verifier;
    let key = rsa_key(public_key, signature)?;
    let signature = rsa::pkcs1v15::Signature::try_from(signature).ok()?;
    match hash {
        Hash::Sha256 => rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key).verify(message, &signature),
        Hash::Sha384 => rsa::pkcs1v15::VerifyingKey::<Sha384>::new(key).verify(message, &signature),
        Hash::Sha512 => rsa::pkcs1v15::VerifyingKey::<Sha512>::new(key).verify(message, &signature),
    }
    .ok()
}

/// RSA-PSS with MGF1 over the same hash and a salt as long as the hash
/// (what webpki's PSS identifiers say, and all that ring accepts).
fn rsa_pss(hash: Hash, public_key: &[u8], message: &[u8], signature: &[u8]) -> Option<()> {
    use rsa::signature::Verifier;
    let key = rsa_key(public_key, signature)?;
    let signature = rsa::pss::Signature::try_from(signature).ok()?;
    match hash {
        Hash::Sha256 => rsa::pss::VerifyingKey::<Sha256>::new(key).verify(message, &signature),
        Hash::Sha384 => rsa::pss::VerifyingKey::<Sha384>::new(key).verify(message, &signature),
        Hash::Sha512 => rsa::pss::VerifyingKey::<Sha512>::new(key).verify(message, &signature),
    }
    .ok()
}

fn ed25519(public_key: &[u8], message: &[u8], signature: &[u8]) -> Option<()> {
    use ed25519_dalek::Verifier;
    let key = ed25519_dalek::VerifyingKey::from_bytes(public_key.try_into().ok()?).ok()?;
    let signature = ed25519_dalek::Signature::from_slice(signature).ok()?;
    key.verify(message, &signature).ok()
}

// sha256/384/512WithRSAEncryption without their NULL parameters (RFC 4055
// says NULL; some issuers leave it out, and ring's provider accepts both).
const RSA_PKCS1_SHA256_ABSENT: AlgorithmIdentifier = AlgorithmIdentifier::from_slice(&[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
]);
const RSA_PKCS1_SHA384_ABSENT: AlgorithmIdentifier = AlgorithmIdentifier::from_slice(&[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c,
]);
const RSA_PKCS1_SHA512_ABSENT: AlgorithmIdentifier = AlgorithmIdentifier::from_slice(&[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d,
]);

const fn algorithm(
    public_key: AlgorithmIdentifier,
    signature: AlgorithmIdentifier,
    scheme: Scheme,
) -> Algorithm {
    Algorithm {
        public_key,
        signature,
        scheme,
    }
}

static ECDSA_P256_SHA256: Algorithm = algorithm(
    alg_id::ECDSA_P256,
    alg_id::ECDSA_SHA256,
    Scheme::Ecdsa(Curve::P256, Hash::Sha256),
);
static ECDSA_P256_SHA384: Algorithm = algorithm(
    alg_id::ECDSA_P256,
    alg_id::ECDSA_SHA384,
    Scheme::Ecdsa(Curve::P256, Hash::Sha384),
);
static ECDSA_P384_SHA256: Algorithm = algorithm(
    alg_id::ECDSA_P384,
    alg_id::ECDSA_SHA256,
    Scheme::Ecdsa(Curve::P384, Hash::Sha256),
);
static ECDSA_P384_SHA384: Algorithm = algorithm(
    alg_id::ECDSA_P384,
    alg_id::ECDSA_SHA384,
    Scheme::Ecdsa(Curve::P384, Hash::Sha384),
);
static ED25519: Algorithm = algorithm(alg_id::ED25519, alg_id::ED25519, Scheme::Ed25519);
static RSA_PSS_SHA256: Algorithm = algorithm(
    alg_id::RSA_ENCRYPTION,
    alg_id::RSA_PSS_SHA256,
    Scheme::RsaPss(Hash::Sha256),
);
static RSA_PSS_SHA384: Algorithm = algorithm(
    alg_id::RSA_ENCRYPTION,
    alg_id::RSA_PSS_SHA384,
    Scheme::RsaPss(Hash::Sha384),
);
static RSA_PSS_SHA512: Algorithm = algorithm(
    alg_id::RSA_ENCRYPTION,
    alg_id::RSA_PSS_SHA512,
    Scheme::RsaPss(Hash::Sha512),
);
static RSA_PKCS1_SHA256: Algorithm = algorithm(
    alg_id::RSA_ENCRYPTION,
    alg_id::RSA_PKCS1_SHA256,
    Scheme::RsaPkcs1(Hash::Sha256),
);
static RSA_PKCS1_SHA384: Algorithm = algorithm(
    alg_id::RSA_ENCRYPTION,
    alg_id::RSA_PKCS1_SHA384,
    Scheme::RsaPkcs1(Hash::Sha384),
);
static RSA_PKCS1_SHA512: Algorithm = algorithm(
    alg_id::RSA_ENCRYPTION,
    alg_id::RSA_PKCS1_SHA512,
    Scheme::RsaPkcs1(Hash::Sha512),
);
static RSA_PKCS1_SHA256_NO_NULL: Algorithm = algorithm(
    alg_id::RSA_ENCRYPTION,
    RSA_PKCS1_SHA256_ABSENT,
    Scheme::RsaPkcs1(Hash::Sha256),
);
static RSA_PKCS1_SHA384_NO_NULL: Algorithm = algorithm(
    alg_id::RSA_ENCRYPTION,
    RSA_PKCS1_SHA384_ABSENT,
    Scheme::RsaPkcs1(Hash::Sha384),
);
static RSA_PKCS1_SHA512_NO_NULL: Algorithm = algorithm(
    alg_id::RSA_ENCRYPTION,
    RSA_PKCS1_SHA512_ABSENT,
    Scheme::RsaPkcs1(Hash::Sha512),
);

/// The same list and TLS mapping as rustls' ring provider (the lab's full
/// provider verifies with it too).
pub(crate) static ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        &ECDSA_P256_SHA256,
        &ECDSA_P256_SHA384,
        &ECDSA_P384_SHA256,
        &ECDSA_P384_SHA384,
        &ED25519,
        &RSA_PSS_SHA256,
        &RSA_PSS_SHA384,
        &RSA_PSS_SHA512,
        &RSA_PKCS1_SHA256,
        &RSA_PKCS1_SHA384,
        &RSA_PKCS1_SHA512,
        &RSA_PKCS1_SHA256_NO_NULL,
        &RSA_PKCS1_SHA384_NO_NULL,
        &RSA_PKCS1_SHA512_NO_NULL,
    ],
    mapping: &[
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[&ECDSA_P384_SHA384, &ECDSA_P256_SHA384],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[&ECDSA_P256_SHA256, &ECDSA_P384_SHA256],
        ),
        (SignatureScheme::ED25519, &[&ED25519]),
        (SignatureScheme::RSA_PSS_SHA512, &[&RSA_PSS_SHA512]),
        (SignatureScheme::RSA_PSS_SHA384, &[&RSA_PSS_SHA384]),
        (SignatureScheme::RSA_PSS_SHA256, &[&RSA_PSS_SHA256]),
        (SignatureScheme::RSA_PKCS1_SHA512, &[&RSA_PKCS1_SHA512]),
        (SignatureScheme::RSA_PKCS1_SHA384, &[&RSA_PKCS1_SHA384]),
        (SignatureScheme::RSA_PKCS1_SHA256, &[&RSA_PKCS1_SHA256]),
    ],
};

/// The system's random numbers (the browser's `crypto.getRandomValues` on
/// wasm32). Verification never asks for any; rustls' provider type needs a
/// source. The lab's full provider (`crate::lab::crypto`) uses it too.
#[derive(Debug)]
pub(crate) struct OsRandom;

impl SecureRandom for OsRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        rand_core::OsRng
            .try_fill_bytes(buf)
            .map_err(|_| GetRandomFailed)
    }
}

/// No private keys: this provider only verifies.
#[derive(Debug)]
struct NoKeys;

impl KeyProvider for NoKeys {
    fn load_private_key(
        &self,
        _key_der: PrivateKeyDer<'static>,
    ) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General(
            "certplay's verifying provider checks signatures; it signs nothing".into(),
        ))
    }
}
