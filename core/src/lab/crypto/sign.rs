//! Signing in a handshake (CertificateVerify, TLS 1.2's ServerKeyExchange)
//! with every key type certplay issues, through core's own [`KeyPair`]:
//! ECDSA P-256 with SHA-256, P-384 with SHA-384, Ed25519, and RSA with
//! PKCS#1 v1.5 or PSS (salt as long as the hash) over SHA-256/384/512. The
//! schemes and their order of preference are those of rustls' ring
//! provider, so that the lab's server chooses what `certplay serve` does.

use std::sync::Arc;

use const_oid::AssociatedOid;
use rand_core::OsRng;
use rustls::sign::{Signer, SigningKey};
use rustls::{Error, SignatureAlgorithm, SignatureScheme};
use rustls_pki_types::{PrivateKeyDer, SubjectPublicKeyInfoDer};
use sha2::digest::{Digest, DynDigest};
use sha2::{Sha256, Sha384, Sha512};

use crate::issue::Secret;
use crate::KeyPair;

/// RSA's schemes, most preferred first.
const RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RSA_PSS_SHA512,
    SignatureScheme::RSA_PSS_SHA384,
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PKCS1_SHA512,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA256,
];

/// Reads a private key (PKCS#8, PKCS#1 or SEC1) as rustls hands it over:
/// every key type certplay issues, and an RSA key of a size it does not
/// issue ([`OtherRsa`]).
pub(super) fn load(key: &PrivateKeyDer<'_>) -> Result<Arc<dyn SigningKey>, Error> {
    let pair =
        match key {
            PrivateKeyDer::Pkcs8(der) => KeyPair::from_pkcs8_der(der.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(der) => KeyPair::from_pkcs1_der(der.secret_pkcs1_der()),
            PrivateKeyDer::Sec1(der) => KeyPair::from_sec1_der(der.secret_sec1_der()),
            _ => return Err(Error::General(
                "a private key in a form certplay does not read (PKCS#8, PKCS#1 or SEC1 expected)"
                    .into(),
            )),
        };
    match pair {
        Ok(pair) => Ok(Arc::new(Key(Arc::new(pair)))),
        Err(e) => other_rsa(key).ok_or_else(|| Error::General(e.to_string())),
    }
}

/// An RSA key of a size certplay does not issue (RSA-1024 for `certplay
/// serve --broken`): rustls' ring and aws-lc-rs providers refuse to sign
/// with one under 2048 bits; this provider signs, so that a client's
/// refusal of such a server can be tried.
#[derive(Debug)]
struct OtherRsa(Arc<rsa::RsaPrivateKey>);

fn other_rsa(key: &PrivateKeyDer<'_>) -> Option<Arc<dyn SigningKey>> {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs8::DecodePrivateKey as _;
    let key = match key {
        PrivateKeyDer::Pkcs8(der) => {
            rsa::RsaPrivateKey::from_pkcs8_der(der.secret_pkcs8_der()).ok()
        }
        PrivateKeyDer::Pkcs1(der) => {
            rsa::RsaPrivateKey::from_pkcs1_der(der.secret_pkcs1_der()).ok()
        }
        _ => None,
    }?;
    Some(Arc::new(OtherRsa(Arc::new(key))))
}

impl SigningKey for OtherRsa {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        use rsa::traits::PublicKeyParts as _;
        // PSS with a salt as long as the hash needs twice the hash and two
        // bytes: RSA-1024 (128 bytes) cannot sign PSS with SHA-512.
        let size = self.0.size();
        let fits = |scheme: &SignatureScheme| match *scheme {
            SignatureScheme::RSA_PSS_SHA512 => size >= 2 * 64 + 2,
            SignatureScheme::RSA_PSS_SHA384 => size >= 2 * 48 + 2,
            SignatureScheme::RSA_PSS_SHA256 => size >= 2 * 32 + 2,
            _ => true,
        };
        let scheme = RSA_SCHEMES
            .iter()
            .find(|scheme| offered.contains(scheme) && fits(scheme))?;
        Some(Box::new(OtherRsaSigner {
            key: self.0.clone(),
            scheme: *scheme,
        }))
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        use rsa::pkcs8::EncodePublicKey as _;
        let der = self.0.to_public_key().to_public_key_der().ok()?;
        Some(SubjectPublicKeyInfoDer::from(der.into_vec()))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RSA
    }
}

/// An [`OtherRsa`] key and the scheme chosen for one signature.
#[derive(Debug)]
struct OtherRsaSigner {
    key: Arc<rsa::RsaPrivateKey>,
    scheme: SignatureScheme,
}

impl Signer for OtherRsaSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        rsa_scheme_sign(&self.key, self.scheme, message)
            .ok_or_else(|| Error::General(format!("cannot sign with {:?}", self.scheme)))
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

/// A private key as rustls signs with it.
#[derive(Debug)]
struct Key(Arc<KeyPair>);

impl Key {
    /// The schemes this key can sign with, most preferred first.
    fn schemes(&self) -> &'static [SignatureScheme] {
        match self.0.secret() {
            Secret::P256(_) => &[SignatureScheme::ECDSA_NISTP256_SHA256],
            Secret::P384(_) => &[SignatureScheme::ECDSA_NISTP384_SHA384],
            Secret::Ed25519(_) => &[SignatureScheme::ED25519],
            Secret::Rsa(..) => RSA_SCHEMES,
        }
    }
}

impl SigningKey for Key {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let scheme = self
            .schemes()
            .iter()
            .find(|scheme| offered.contains(scheme))?;
        Some(Box::new(SchemeSigner {
            key: self.0.clone(),
            scheme: *scheme,
        }))
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        self.0
            .public_key_info_der()
            .ok()
            .map(SubjectPublicKeyInfoDer::from)
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        match self.0.secret() {
            Secret::P256(_) | Secret::P384(_) => SignatureAlgorithm::ECDSA,
            Secret::Ed25519(_) => SignatureAlgorithm::ED25519,
            Secret::Rsa(..) => SignatureAlgorithm::RSA,
        }
    }
}

/// A key and the scheme chosen for one signature.
#[derive(Debug)]
struct SchemeSigner {
    key: Arc<KeyPair>,
    scheme: SignatureScheme,
}

impl Signer for SchemeSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        sign(&self.key, self.scheme, message)
            .ok_or_else(|| Error::General(format!("cannot sign with {:?}", self.scheme)))
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

/// `message` signed by `key` with `scheme`, in TLS's encoding (ECDSA as
/// DER); `None` when the key cannot sign with that scheme.
fn sign(key: &KeyPair, scheme: SignatureScheme, message: &[u8]) -> Option<Vec<u8>> {
    use p256::ecdsa::signature::Signer as _;
    match (key.secret(), scheme) {
        (Secret::P256(key), SignatureScheme::ECDSA_NISTP256_SHA256) => {
            let signature: p256::ecdsa::Signature = key.try_sign(message).ok()?;
            Some(signature.to_der().as_bytes().to_vec())
        }
        (Secret::P384(key), SignatureScheme::ECDSA_NISTP384_SHA384) => {
            let signature: p384::ecdsa::Signature = key.try_sign(message).ok()?;
            Some(signature.to_der().as_bytes().to_vec())
        }
        (Secret::Ed25519(key), SignatureScheme::ED25519) => {
            let signature: ed25519_dalek::Signature = key.try_sign(message).ok()?;
            Some(signature.to_bytes().to_vec())
        }
        (Secret::Rsa(_, key), scheme) => rsa_scheme_sign((**key).as_ref(), scheme, message),
        _ => None,
    }
}

/// `message` signed by an RSA key with `scheme`; `None` for a scheme that
/// is not RSA's.
fn rsa_scheme_sign(
    private: &rsa::RsaPrivateKey,
    scheme: SignatureScheme,
    message: &[u8],
) -> Option<Vec<u8>> {
    match scheme {
        SignatureScheme::RSA_PSS_SHA256 => rsa_sign::<Sha256>(private, true, message),
        SignatureScheme::RSA_PSS_SHA384 => rsa_sign::<Sha384>(private, true, message),
        SignatureScheme::RSA_PSS_SHA512 => rsa_sign::<Sha512>(private, true, message),
        SignatureScheme::RSA_PKCS1_SHA256 => rsa_sign::<Sha256>(private, false, message),
        SignatureScheme::RSA_PKCS1_SHA384 => rsa_sign::<Sha384>(private, false, message),
        SignatureScheme::RSA_PKCS1_SHA512 => rsa_sign::<Sha512>(private, false, message),
        _ => None,
    }
}

/// RSA over `D`'s digest of `message`: PSS with a salt as long as the hash,
/// or PKCS#1 v1.5. With a random source either way: blinding against
/// timing attacks (and PSS's salt).
fn rsa_sign<D>(key: &rsa::RsaPrivateKey, pss: bool, message: &[u8]) -> Option<Vec<u8>>
where
    D: Digest + DynDigest + AssociatedOid + Send + Sync + 'static,
{
    let digest = D::digest(message);
    if pss {
        key.sign_with_rng(&mut OsRng, rsa::Pss::new::<D>(), &digest)
    } else {
        key.sign_with_rng(&mut OsRng, rsa::Pkcs1v15Sign::new::<D>(), &digest)
    }
    .ok()
}
