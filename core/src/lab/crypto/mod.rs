//! A full rustls [`CryptoProvider`] in pure Rust, on the RustCrypto crates
//! core already builds (sha2, hmac, p256, p384, ed25519-dalek, rsa) plus
//! aes-gcm, chacha20poly1305 and x25519-dalek of the same generation: what
//! lets rustls' client and server both run in the browser, where ring
//! needs a C compiler and aws-lc-rs does not build.
//!
//! It mirrors rustls' ring provider, so that a handshake here negotiates
//! what one with `certplay serve` does: the same cipher suites in the same
//! order (TLS 1.3 AES-256-GCM, AES-128-GCM, ChaCha20-Poly1305; TLS 1.2
//! ECDHE-ECDSA and ECDHE-RSA with each), the same key exchange groups
//! (X25519, P-256, P-384), the same signature schemes for signing, and for
//! verifying the algorithms of [`crate::verify::provider`] (ring's list and
//! limits). HKDF and the TLS 1.2 PRF are rustls' own over this HMAC. No
//! QUIC.
//!
//! `rustls-rustcrypto` (0.0.2-alpha) was judged and not used: it pins
//! rustls-webpki 0.102 beside core's 0.103, and its verifiers accept what
//! ring refuses (P-521, small RSA keys), so the page's verdicts could differ
//! from the server's.

mod aead;
mod hash;
mod kx;
mod sign;

use std::sync::Arc;

use rustls::crypto::tls12::PrfUsingHmac;
use rustls::crypto::tls13::HkdfUsingHmac;
use rustls::crypto::{CipherSuiteCommon, CryptoProvider, KeyExchangeAlgorithm, KeyProvider};
use rustls::sign::SigningKey;
use rustls::{
    CipherSuite, SignatureScheme, SupportedCipherSuite, Tls12CipherSuite, Tls13CipherSuite,
};
use rustls_pki_types::PrivateKeyDer;

use aead::{Cipher, Tls12Aead, Tls13Aead};
use hash::{Hmac, Sha};
use kx::Group;

/// The provider: every cipher suite, key exchange group and signature
/// scheme above.
pub fn provider() -> CryptoProvider {
    CryptoProvider {
        cipher_suites: vec![
            SupportedCipherSuite::Tls13(&TLS13_AES_256_GCM),
            SupportedCipherSuite::Tls13(&TLS13_AES_128_GCM),
            SupportedCipherSuite::Tls13(&TLS13_CHACHA20_POLY1305),
            SupportedCipherSuite::Tls12(&ECDSA_AES_256_GCM),
            SupportedCipherSuite::Tls12(&ECDSA_AES_128_GCM),
            SupportedCipherSuite::Tls12(&ECDSA_CHACHA20_POLY1305),
            SupportedCipherSuite::Tls12(&RSA_AES_256_GCM),
            SupportedCipherSuite::Tls12(&RSA_AES_128_GCM),
            SupportedCipherSuite::Tls12(&RSA_CHACHA20_POLY1305),
        ],
        kx_groups: vec![&Group::X25519, &Group::Secp256r1, &Group::Secp384r1],
        signature_verification_algorithms: crate::verify::provider::ALGORITHMS,
        secure_random: &crate::verify::provider::OsRandom,
        key_provider: &Keys,
    }
}

/// Private keys of every type certplay issues, through [`crate::KeyPair`].
#[derive(Debug)]
struct Keys;

impl KeyProvider for Keys {
    fn load_private_key(
        &self,
        key_der: PrivateKeyDer<'static>,
    ) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        sign::load(&key_der)
    }
}

static SHA256: Sha = Sha::Sha256;
static SHA384: Sha = Sha::Sha384;
static HMAC_SHA256: Hmac = Hmac(Sha::Sha256);
static HMAC_SHA384: Hmac = Hmac(Sha::Sha384);

// The limits are those of rustls' ring provider: 2^24 records under one
// AES-GCM key (draft-irtf-cfrg-aead-limits), none for ChaCha20-Poly1305.
const AES_GCM_LIMIT: u64 = 1 << 24;

/// What an ECDHE-ECDSA suite signs its key exchange with (ring's list).
const ECDSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ED25519,
    SignatureScheme::ECDSA_NISTP521_SHA512,
    SignatureScheme::ECDSA_NISTP384_SHA384,
    SignatureScheme::ECDSA_NISTP256_SHA256,
];

/// What an ECDHE-RSA suite signs its key exchange with (ring's list).
const RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RSA_PSS_SHA512,
    SignatureScheme::RSA_PSS_SHA384,
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PKCS1_SHA512,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA256,
];

/// A TLS 1.2 ECDHE suite.
const fn tls12(
    suite: CipherSuite,
    sign: &'static [SignatureScheme],
    cipher: &'static Tls12Aead,
    prf: &'static PrfUsingHmac<'static>,
    hash: &'static Sha,
    confidentiality_limit: u64,
) -> Tls12CipherSuite {
    Tls12CipherSuite {
        common: CipherSuiteCommon {
            suite,
            hash_provider: hash,
            confidentiality_limit,
        },
        prf_provider: prf,
        kx: KeyExchangeAlgorithm::ECDHE,
        sign,
        aead_alg: cipher,
    }
}

static TLS12_AES_128_GCM: Tls12Aead = Tls12Aead(Cipher::Aes128Gcm);
static TLS12_AES_256_GCM: Tls12Aead = Tls12Aead(Cipher::Aes256Gcm);
static TLS12_CHACHA20_POLY1305: Tls12Aead = Tls12Aead(Cipher::ChaCha20Poly1305);
static PRF_SHA256: PrfUsingHmac<'static> = PrfUsingHmac(&HMAC_SHA256);
static PRF_SHA384: PrfUsingHmac<'static> = PrfUsingHmac(&HMAC_SHA384);

static ECDSA_AES_256_GCM: Tls12CipherSuite = tls12(
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ECDSA_SCHEMES,
    &TLS12_AES_256_GCM,
    &PRF_SHA384,
    &SHA384,
    AES_GCM_LIMIT,
);
static ECDSA_AES_128_GCM: Tls12CipherSuite = tls12(
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ECDSA_SCHEMES,
    &TLS12_AES_128_GCM,
    &PRF_SHA256,
    &SHA256,
    AES_GCM_LIMIT,
);
static ECDSA_CHACHA20_POLY1305: Tls12CipherSuite = tls12(
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ECDSA_SCHEMES,
    &TLS12_CHACHA20_POLY1305,
    &PRF_SHA256,
    &SHA256,
    u64::MAX,
);
static RSA_AES_256_GCM: Tls12CipherSuite = tls12(
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    RSA_SCHEMES,
    &TLS12_AES_256_GCM,
    &PRF_SHA384,
    &SHA384,
    AES_GCM_LIMIT,
);
static RSA_AES_128_GCM: Tls12CipherSuite = tls12(
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    RSA_SCHEMES,
    &TLS12_AES_128_GCM,
    &PRF_SHA256,
    &SHA256,
    AES_GCM_LIMIT,
);
static RSA_CHACHA20_POLY1305: Tls12CipherSuite = tls12(
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    RSA_SCHEMES,
    &TLS12_CHACHA20_POLY1305,
    &PRF_SHA256,
    &SHA256,
    u64::MAX,
);

static TLS13_AES_256_GCM: Tls13CipherSuite = Tls13CipherSuite {
    common: CipherSuiteCommon {
        suite: CipherSuite::TLS13_AES_256_GCM_SHA384,
        hash_provider: &SHA384,
        confidentiality_limit: AES_GCM_LIMIT,
    },
    hkdf_provider: &HKDF_SHA384,
    aead_alg: &Tls13Aead(Cipher::Aes256Gcm),
    quic: None,
};
static TLS13_AES_128_GCM: Tls13CipherSuite = Tls13CipherSuite {
    common: CipherSuiteCommon {
        suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
        hash_provider: &SHA256,
        confidentiality_limit: AES_GCM_LIMIT,
    },
    hkdf_provider: &HKDF_SHA256,
    aead_alg: &Tls13Aead(Cipher::Aes128Gcm),
    quic: None,
};
static TLS13_CHACHA20_POLY1305: Tls13CipherSuite = Tls13CipherSuite {
    common: CipherSuiteCommon {
        suite: CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        hash_provider: &SHA256,
        confidentiality_limit: u64::MAX,
    },
    hkdf_provider: &HKDF_SHA256,
    aead_alg: &Tls13Aead(Cipher::ChaCha20Poly1305),
    quic: None,
};
static HKDF_SHA256: HkdfUsingHmac<'static> = HkdfUsingHmac(&HMAC_SHA256);
static HKDF_SHA384: HkdfUsingHmac<'static> = HkdfUsingHmac(&HMAC_SHA384);

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
