//! The record protection of certplay's cipher suites: AES-128-GCM,
//! AES-256-GCM and ChaCha20-Poly1305 (RustCrypto's `aes-gcm` and
//! `chacha20poly1305`), framed as TLS 1.3 (RFC 8446, section 5.2) and TLS
//! 1.2 (RFC 5288 for GCM's explicit nonce, RFC 7905 for ChaCha20) records.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;
use rustls::crypto::cipher::{
    make_tls12_aad, make_tls13_aad, AeadKey, InboundOpaqueMessage, InboundPlainMessage, Iv,
    KeyBlockShape, MessageDecrypter, MessageEncrypter, Nonce, OutboundOpaqueMessage,
    OutboundPlainMessage, PrefixedPayload, Tls12AeadAlgorithm, Tls13AeadAlgorithm,
    UnsupportedOperationError, NONCE_LEN,
};
use rustls::{ConnectionTrafficSecrets, ContentType, Error, ProtocolVersion};

/// Every cipher's tag is 16 bytes.
const TAG_LEN: usize = 16;
/// TLS 1.2 GCM sends 8 bytes of its nonce with each record.
const GCM_EXPLICIT_NONCE_LEN: usize = 8;
/// The largest plaintext a record may carry (RFC 8446, section 5.1).
const MAX_FRAGMENT_LEN: usize = 16_384;

/// An AEAD cipher.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cipher {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

impl Cipher {
    fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }

    /// The cipher under `key`; `None` when the key has the wrong length
    /// (rustls always gives [`Self::key_len`] bytes).
    fn keyed(self, key: &AeadKey) -> Option<Keyed> {
        let key = key.as_ref();
        Some(match self {
            Self::Aes128Gcm => Keyed::Aes128Gcm(Box::new(Aes128Gcm::new_from_slice(key).ok()?)),
            Self::Aes256Gcm => Keyed::Aes256Gcm(Box::new(Aes256Gcm::new_from_slice(key).ok()?)),
            Self::ChaCha20Poly1305 => {
                Keyed::ChaCha20Poly1305(Box::new(ChaCha20Poly1305::new_from_slice(key).ok()?))
            }
        })
    }

    fn secrets(self, key: AeadKey, iv: Iv) -> ConnectionTrafficSecrets {
        match self {
            Self::Aes128Gcm => ConnectionTrafficSecrets::Aes128Gcm { key, iv },
            Self::Aes256Gcm => ConnectionTrafficSecrets::Aes256Gcm { key, iv },
            Self::ChaCha20Poly1305 => ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv },
        }
    }
}

/// A cipher with its key.
enum Keyed {
    Aes128Gcm(Box<Aes128Gcm>),
    Aes256Gcm(Box<Aes256Gcm>),
    ChaCha20Poly1305(Box<ChaCha20Poly1305>),
}

impl Keyed {
    /// Encrypts `buffer` in place and returns the tag.
    fn seal(
        &self,
        nonce: [u8; NONCE_LEN],
        aad: &[u8],
        buffer: &mut [u8],
    ) -> Result<[u8; TAG_LEN], Error> {
        let nonce = nonce.into();
        match self {
            Self::Aes128Gcm(c) => c.encrypt_in_place_detached(&nonce, aad, buffer),
            Self::Aes256Gcm(c) => c.encrypt_in_place_detached(&nonce, aad, buffer),
            Self::ChaCha20Poly1305(c) => c.encrypt_in_place_detached(&nonce, aad, buffer),
        }
        .map(Into::into)
        .map_err(|_| Error::EncryptError)
    }

    /// Decrypts `buffer` in place if `tag` authenticates it and `aad`.
    fn open(
        &self,
        nonce: [u8; NONCE_LEN],
        aad: &[u8],
        buffer: &mut [u8],
        tag: &[u8],
    ) -> Result<(), Error> {
        let nonce = nonce.into();
        let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| Error::DecryptError)?;
        let tag = tag.into();
        match self {
            Self::Aes128Gcm(c) => c.decrypt_in_place_detached(&nonce, aad, buffer, &tag),
            Self::Aes256Gcm(c) => c.decrypt_in_place_detached(&nonce, aad, buffer, &tag),
            Self::ChaCha20Poly1305(c) => c.decrypt_in_place_detached(&nonce, aad, buffer, &tag),
        }
        .map_err(|_| Error::DecryptError)
    }
}

/// Splits a record's payload into its ciphertext and its tag (the last 16
/// bytes); `None` when it is too short to hold a tag.
fn split_tag(payload: &mut [u8]) -> Option<(&mut [u8], &[u8])> {
    let at = payload.len().checked_sub(TAG_LEN)?;
    let (body, tag) = payload.split_at_mut(at);
    Some((body, tag))
}

/// `first` followed by `second` as one nonce-sized array, or `None` when
/// their lengths do not add up to it.
fn nonce_of(first: &[u8], second: &[u8]) -> Option<[u8; NONCE_LEN]> {
    if first.len().checked_add(second.len()) != Some(NONCE_LEN) {
        return None;
    }
    let mut nonce = [0; NONCE_LEN];
    for (slot, byte) in nonce.iter_mut().zip(first.iter().chain(second)) {
        *slot = *byte;
    }
    Some(nonce)
}

/// The TLS 1.3 record protection of a cipher.
#[derive(Debug)]
pub(super) struct Tls13Aead(pub(super) Cipher);

impl Tls13AeadAlgorithm for Tls13Aead {
    fn encrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageEncrypter> {
        Box::new(Tls13Records {
            key: self.0.keyed(&key),
            iv,
        })
    }

    fn decrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageDecrypter> {
        Box::new(Tls13Records {
            key: self.0.keyed(&key),
            iv,
        })
    }

    fn key_len(&self) -> usize {
        self.0.key_len()
    }

    fn extract_keys(
        &self,
        key: AeadKey,
        iv: Iv,
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        Ok(self.0.secrets(key, iv))
    }
}

/// One direction of a TLS 1.3 connection: the nonce is the IV XOR the
/// record's sequence number, the content type rides inside the ciphertext.
struct Tls13Records {
    key: Option<Keyed>,
    iv: Iv,
}

impl MessageEncrypter for Tls13Records {
    fn encrypt(
        &mut self,
        msg: OutboundPlainMessage<'_>,
        seq: u64,
    ) -> Result<OutboundOpaqueMessage, Error> {
        let key = self.key.as_ref().ok_or(Error::EncryptError)?;
        let total_len = self.encrypted_payload_len(msg.payload.len());
        let mut payload = PrefixedPayload::with_capacity(total_len);
        payload.extend_from_chunks(&msg.payload);
        payload.extend_from_slice(&[u8::from(msg.typ)]);
        let tag = key.seal(
            Nonce::new(&self.iv, seq).0,
            &make_tls13_aad(total_len),
            payload.as_mut(),
        )?;
        payload.extend_from_slice(&tag);
        // Every TLS 1.3 record says TLS 1.2 outside (RFC 8446, section 5.1).
        Ok(OutboundOpaqueMessage::new(
            ContentType::ApplicationData,
            ProtocolVersion::TLSv1_2,
            payload,
        ))
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        payload_len.saturating_add(1 + TAG_LEN)
    }
}

impl MessageDecrypter for Tls13Records {
    fn decrypt<'a>(
        &mut self,
        mut msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        let key = self.key.as_ref().ok_or(Error::DecryptError)?;
        let aad = make_tls13_aad(msg.payload.len());
        let (body, tag) = split_tag(&mut msg.payload).ok_or(Error::DecryptError)?;
        key.open(Nonce::new(&self.iv, seq).0, &aad, body, tag)?;
        let plain_len = body.len();
        msg.payload.truncate(plain_len);
        msg.into_tls13_unpadded_message()
    }
}

/// The TLS 1.2 record protection of a cipher.
#[derive(Debug)]
pub(super) struct Tls12Aead(pub(super) Cipher);

impl Tls12AeadAlgorithm for Tls12Aead {
    fn encrypter(&self, key: AeadKey, iv: &[u8], extra: &[u8]) -> Box<dyn MessageEncrypter> {
        let keyed = self.0.keyed(&key);
        match self.0 {
            // The 4-byte salt from the key block, then 8 more bytes of it
            // as the first explicit nonce, counted up by the sequence
            // number (rustls' ring provider does the same).
            Cipher::Aes128Gcm | Cipher::Aes256Gcm => Box::new(Tls12Gcm {
                key: keyed,
                iv: nonce_of(iv, extra).map(Iv::from),
            }),
            Cipher::ChaCha20Poly1305 => Box::new(Tls12ChaCha {
                key: keyed,
                iv: nonce_of(iv, &[]).map(Iv::from),
            }),
        }
    }

    fn decrypter(&self, key: AeadKey, iv: &[u8]) -> Box<dyn MessageDecrypter> {
        let keyed = self.0.keyed(&key);
        match self.0 {
            Cipher::Aes128Gcm | Cipher::Aes256Gcm => Box::new(Tls12Gcm {
                key: keyed,
                iv: nonce_of(iv, &[0; GCM_EXPLICIT_NONCE_LEN]).map(Iv::from),
            }),
            Cipher::ChaCha20Poly1305 => Box::new(Tls12ChaCha {
                key: keyed,
                iv: nonce_of(iv, &[]).map(Iv::from),
            }),
        }
    }

    fn key_block_shape(&self) -> KeyBlockShape {
        match self.0 {
            Cipher::Aes128Gcm | Cipher::Aes256Gcm => KeyBlockShape {
                enc_key_len: self.0.key_len(),
                fixed_iv_len: 4,
                explicit_nonce_len: GCM_EXPLICIT_NONCE_LEN,
            },
            Cipher::ChaCha20Poly1305 => KeyBlockShape {
                enc_key_len: self.0.key_len(),
                fixed_iv_len: NONCE_LEN,
                explicit_nonce_len: 0,
            },
        }
    }

    fn extract_keys(
        &self,
        key: AeadKey,
        iv: &[u8],
        explicit: &[u8],
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        let explicit = match self.0 {
            Cipher::Aes128Gcm | Cipher::Aes256Gcm => explicit,
            Cipher::ChaCha20Poly1305 => &[],
        };
        let iv = nonce_of(iv, explicit).ok_or(UnsupportedOperationError)?;
        Ok(self.0.secrets(key, Iv::from(iv)))
    }
}

/// One direction of a TLS 1.2 AES-GCM connection: each record starts with
/// the 8 explicit bytes of its nonce (RFC 5288, section 3). For a
/// decrypter only the first 4 bytes of `iv` (the salt) count.
struct Tls12Gcm {
    key: Option<Keyed>,
    iv: Option<Iv>,
}

impl MessageEncrypter for Tls12Gcm {
    fn encrypt(
        &mut self,
        msg: OutboundPlainMessage<'_>,
        seq: u64,
    ) -> Result<OutboundOpaqueMessage, Error> {
        let (Some(key), Some(iv)) = (&self.key, &self.iv) else {
            return Err(Error::EncryptError);
        };
        let nonce = Nonce::new(iv, seq).0;
        let aad = make_tls12_aad(seq, msg.typ, msg.version, msg.payload.len());
        let mut payload =
            PrefixedPayload::with_capacity(self.encrypted_payload_len(msg.payload.len()));
        payload.extend_from_slice(nonce.get(4..).ok_or(Error::EncryptError)?);
        payload.extend_from_chunks(&msg.payload);
        let body = payload
            .as_mut()
            .get_mut(GCM_EXPLICIT_NONCE_LEN..)
            .ok_or(Error::EncryptError)?;
        let tag = key.seal(nonce, &aad, body)?;
        payload.extend_from_slice(&tag);
        Ok(OutboundOpaqueMessage::new(msg.typ, msg.version, payload))
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        payload_len.saturating_add(GCM_EXPLICIT_NONCE_LEN + TAG_LEN)
    }
}

impl MessageDecrypter for Tls12Gcm {
    fn decrypt<'a>(
        &mut self,
        mut msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        let (Some(key), Some(iv)) = (&self.key, &self.iv) else {
            return Err(Error::DecryptError);
        };
        let plain_len = msg
            .payload
            .len()
            .checked_sub(GCM_EXPLICIT_NONCE_LEN + TAG_LEN)
            .ok_or(Error::DecryptError)?;
        let aad = make_tls12_aad(seq, msg.typ, msg.version, plain_len);
        let (explicit, rest) = msg.payload.split_at_mut(GCM_EXPLICIT_NONCE_LEN);
        let salt = iv.as_ref().get(..4).ok_or(Error::DecryptError)?;
        let nonce = nonce_of(salt, explicit).ok_or(Error::DecryptError)?;
        let (body, tag) = split_tag(rest).ok_or(Error::DecryptError)?;
        key.open(nonce, &aad, body, tag)?;
        if plain_len > MAX_FRAGMENT_LEN {
            return Err(Error::PeerSentOversizedRecord);
        }
        // The plaintext moves to the front, over the explicit nonce.
        msg.payload.copy_within(
            GCM_EXPLICIT_NONCE_LEN..GCM_EXPLICIT_NONCE_LEN + plain_len,
            0,
        );
        msg.payload.truncate(plain_len);
        Ok(msg.into_plain_message())
    }
}

/// One direction of a TLS 1.2 ChaCha20-Poly1305 connection: the nonce is
/// the IV XOR the sequence number, as in TLS 1.3 (RFC 7905, section 2).
struct Tls12ChaCha {
    key: Option<Keyed>,
    iv: Option<Iv>,
}

impl MessageEncrypter for Tls12ChaCha {
    fn encrypt(
        &mut self,
        msg: OutboundPlainMessage<'_>,
        seq: u64,
    ) -> Result<OutboundOpaqueMessage, Error> {
        let (Some(key), Some(iv)) = (&self.key, &self.iv) else {
            return Err(Error::EncryptError);
        };
        let aad = make_tls12_aad(seq, msg.typ, msg.version, msg.payload.len());
        let mut payload =
            PrefixedPayload::with_capacity(self.encrypted_payload_len(msg.payload.len()));
        payload.extend_from_chunks(&msg.payload);
        let tag = key.seal(Nonce::new(iv, seq).0, &aad, payload.as_mut())?;
        payload.extend_from_slice(&tag);
        Ok(OutboundOpaqueMessage::new(msg.typ, msg.version, payload))
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        payload_len.saturating_add(TAG_LEN)
    }
}

impl MessageDecrypter for Tls12ChaCha {
    fn decrypt<'a>(
        &mut self,
        mut msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        let (Some(key), Some(iv)) = (&self.key, &self.iv) else {
            return Err(Error::DecryptError);
        };
        let plain_len = msg
            .payload
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(Error::DecryptError)?;
        let aad = make_tls12_aad(seq, msg.typ, msg.version, plain_len);
        let (body, tag) = split_tag(&mut msg.payload).ok_or(Error::DecryptError)?;
        key.open(Nonce::new(iv, seq).0, &aad, body, tag)?;
        if plain_len > MAX_FRAGMENT_LEN {
            return Err(Error::PeerSentOversizedRecord);
        }
        msg.payload.truncate(plain_len);
        Ok(msg.into_plain_message())
    }
}
