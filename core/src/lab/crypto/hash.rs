//! SHA-256 and SHA-384 and their HMACs, as rustls asks for them: the
//! transcript hash, and the HMAC under rustls' own HKDF (TLS 1.3) and PRF
//! (TLS 1.2).

use hmac::Mac;
use rustls::crypto::hash::{self, HashAlgorithm};
use rustls::crypto::hmac as tls_hmac;
use sha2::{Digest, Sha256, Sha384};

/// The hashes of certplay's cipher suites.
#[derive(Debug, Clone, Copy)]
pub(super) enum Sha {
    Sha256,
    Sha384,
}

impl hash::Hash for Sha {
    fn start(&self) -> Box<dyn hash::Context> {
        match self {
            Self::Sha256 => Box::new(Context(Sha256::new())),
            Self::Sha384 => Box::new(Context(Sha384::new())),
        }
    }

    fn hash(&self, data: &[u8]) -> hash::Output {
        match self {
            Self::Sha256 => hash::Output::new(&Sha256::digest(data)),
            Self::Sha384 => hash::Output::new(&Sha384::digest(data)),
        }
    }

    fn output_len(&self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    fn algorithm(&self) -> HashAlgorithm {
        match self {
            Self::Sha256 => HashAlgorithm::SHA256,
            Self::Sha384 => HashAlgorithm::SHA384,
        }
    }
}

/// A running hash (the handshake transcript's).
struct Context<D>(D);

impl<D: Digest + Clone + Send + Sync + 'static> hash::Context for Context<D> {
    fn fork_finish(&self) -> hash::Output {
        hash::Output::new(&self.0.clone().finalize())
    }

    fn fork(&self) -> Box<dyn hash::Context> {
        Box::new(Self(self.0.clone()))
    }

    fn finish(self: Box<Self>) -> hash::Output {
        hash::Output::new(&self.0.finalize())
    }

    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
}

/// HMAC (RFC 2104) over one of the hashes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hmac(pub(super) Sha);

impl tls_hmac::Hmac for Hmac {
    fn with_key(&self, key: &[u8]) -> Box<dyn tls_hmac::Key> {
        // HMAC takes a key of any length (a long one is hashed first), so
        // `new_from_slice` never fails; the empty key stands in if it did.
        match self.0 {
            Sha::Sha256 => Box::new(HmacKey(
                hmac::Hmac::<Sha256>::new_from_slice(key)
                    .unwrap_or_else(|_| hmac::Hmac::<Sha256>::new(&Default::default())),
            )),
            Sha::Sha384 => Box::new(HmacKey(
                hmac::Hmac::<Sha384>::new_from_slice(key)
                    .unwrap_or_else(|_| hmac::Hmac::<Sha384>::new(&Default::default())),
            )),
        }
    }

    fn hash_output_len(&self) -> usize {
        hash::Hash::output_len(&self.0)
    }
}

/// A keyed HMAC, cloned for each tag.
struct HmacKey<M>(M);

impl<M: Mac + Clone + Send + Sync> tls_hmac::Key for HmacKey<M> {
    fn sign_concat(&self, first: &[u8], middle: &[&[u8]], last: &[u8]) -> tls_hmac::Tag {
        let mut mac = self.0.clone();
        mac.update(first);
        for part in middle {
            mac.update(part);
        }
        mac.update(last);
        tls_hmac::Tag::new(&mac.finalize().into_bytes())
    }

    fn tag_len(&self) -> usize {
        M::output_size()
    }
}
