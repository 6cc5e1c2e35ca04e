//! Ephemeral key exchange: X25519 (RFC 7748, `x25519-dalek`) and ECDH on
//! P-256 and P-384 (`p256`, `p384`), the groups rustls' ring provider
//! offers, in its order.

use p256::elliptic_curve::sec1::ToEncodedPoint;
use rand_core::{OsRng, RngCore};
use rustls::crypto::{ActiveKeyExchange, GetRandomFailed, SharedSecret, SupportedKxGroup};
use rustls::{Error, NamedGroup, PeerMisbehaved};
use zeroize::Zeroizing;

/// A key exchange group.
#[derive(Debug, Clone, Copy)]
pub(super) enum Group {
    X25519,
    Secp256r1,
    Secp384r1,
}

/// `N` bytes from the system's (the browser's) random source.
fn random<const N: usize>() -> Result<Zeroizing<[u8; N]>, GetRandomFailed> {
    let mut bytes = Zeroizing::new([0; N]);
    OsRng
        .try_fill_bytes(bytes.as_mut())
        .map_err(|_| GetRandomFailed)?;
    Ok(bytes)
}

/// A secret scalar from random bytes: `make` refuses the rare draw out of
/// the curve's range (about 2^-32 for P-256), and another follows; eight
/// refusals in a row mean the random source is broken.
fn draw<K>(
    mut make: impl FnMut() -> Result<Option<K>, GetRandomFailed>,
) -> Result<K, GetRandomFailed> {
    for _ in 0..8 {
        if let Some(key) = make()? {
            return Ok(key);
        }
    }
    Err(GetRandomFailed)
}

/// An uncompressed SEC1 point (`04 || x || y`) of `len` bytes: the only
/// form TLS 1.3 allows, and the only one certplay offers in TLS 1.2.
fn uncompressed(point: &[u8], len: usize) -> bool {
    point.len() == len && point.first() == Some(&0x04)
}

impl SupportedKxGroup for Group {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        Ok(match self {
            Self::X25519 => {
                let secret = x25519_dalek::StaticSecret::from(*random::<32>()?);
                let public = x25519_dalek::PublicKey::from(&secret).to_bytes().to_vec();
                Box::new(Exchange {
                    secret: Secret::X25519(secret),
                    public,
                })
            }
            Self::Secp256r1 => {
                let secret =
                    draw(|| Ok(p256::SecretKey::from_slice(random::<32>()?.as_ref()).ok()))?;
                let public = secret
                    .public_key()
                    .to_encoded_point(false)
                    .as_bytes()
                    .to_vec();
                Box::new(Exchange {
                    secret: Secret::P256(secret),
                    public,
                })
            }
            Self::Secp384r1 => {
                let secret =
                    draw(|| Ok(p384::SecretKey::from_slice(random::<48>()?.as_ref()).ok()))?;
                let public = secret
                    .public_key()
                    .to_encoded_point(false)
                    .as_bytes()
                    .to_vec();
                Box::new(Exchange {
                    secret: Secret::P384(secret),
                    public,
                })
            }
        })
    }

    fn name(&self) -> NamedGroup {
        match self {
            Self::X25519 => NamedGroup::X25519,
            Self::Secp256r1 => NamedGroup::secp256r1,
            Self::Secp384r1 => NamedGroup::secp384r1,
        }
    }
}

/// The ephemeral secret of one handshake (each type zeroizes itself).
enum Secret {
    X25519(x25519_dalek::StaticSecret),
    P256(p256::SecretKey),
    P384(p384::SecretKey),
}

/// One side's half of a key exchange under way.
struct Exchange {
    secret: Secret,
    public: Vec<u8>,
}

impl ActiveKeyExchange for Exchange {
    fn complete(self: Box<Self>, peer_pub_key: &[u8]) -> Result<SharedSecret, Error> {
        let invalid = || Error::from(PeerMisbehaved::InvalidKeyShare);
        match &self.secret {
            Secret::X25519(secret) => {
                let peer: [u8; 32] = peer_pub_key.try_into().map_err(|_| invalid())?;
                let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(peer));
                // An all-zero result means a low-order peer point
                // (RFC 7748, section 6.1).
                if !shared.was_contributory() {
                    return Err(invalid());
                }
                Ok(SharedSecret::from(shared.as_bytes().as_slice()))
            }
            Secret::P256(secret) => {
                if !uncompressed(peer_pub_key, 65) {
                    return Err(invalid());
                }
                let peer = p256::PublicKey::from_sec1_bytes(peer_pub_key).map_err(|_| invalid())?;
                let shared =
                    p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
                Ok(SharedSecret::from(AsRef::<[u8]>::as_ref(
                    shared.raw_secret_bytes(),
                )))
            }
            Secret::P384(secret) => {
                if !uncompressed(peer_pub_key, 97) {
                    return Err(invalid());
                }
                let peer = p384::PublicKey::from_sec1_bytes(peer_pub_key).map_err(|_| invalid())?;
                let shared =
                    p384::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
                Ok(SharedSecret::from(AsRef::<[u8]>::as_ref(
                    shared.raw_secret_bytes(),
                )))
            }
        }
    }

    fn pub_key(&self) -> &[u8] {
        &self.public
    }

    fn group(&self) -> NamedGroup {
        match self.secret {
            Secret::X25519(_) => NamedGroup::X25519,
            Secret::P256(_) => NamedGroup::secp256r1,
            Secret::P384(_) => NamedGroup::secp384r1,
        }
    }
}
