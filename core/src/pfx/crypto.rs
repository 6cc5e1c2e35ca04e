//! PKCS#12's cryptography, on the RustCrypto crates certplay builds anyway:
//! `pkcs12`'s key derivation (RFC 7292 appendix B), `pkcs5`'s PBES2, `des`
//! and `rc2` for RFC 7292's own schemes, `hmac` for the MAC.
//!
//! A file to read is untrusted: its iteration counts and scrypt cost are
//! checked (`crate::pbe`) before anything is derived.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{
    BlockCipher, BlockDecryptMut, BlockEncryptMut, InnerIvInit, InvalidLength, KeyInit, KeyIvInit,
};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode};
use hmac::{Hmac, Mac};
use pkcs12::kdf::{derive_key, Pkcs12KeyType};
use pkcs5::pbes2;
use rand_core::{OsRng, RngCore};
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::{DigestInfo, MacData, Pkcs12PbeParams, PBES2};
use crate::oid::db::rfc5912::{
    ID_SHA_1 as SHA1, ID_SHA_224 as SHA224, ID_SHA_256 as SHA256, ID_SHA_384 as SHA384,
    ID_SHA_512 as SHA512,
};
use crate::pbe::{pbes2_within_limits, pbes2_work, within_limit};

/// The password as RFC 7292's key derivation takes it: UTF-16 big-endian
/// with a terminating zero, as OpenSSL encodes it (surrogate pairs beyond
/// U+FFFF).
fn bmp_password(password: &str) -> Vec<u8> {
    password
        .encode_utf16()
        .chain([0])
        .flat_map(u16::to_be_bytes)
        .collect()
}

/// The digest of a file's MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MacDigest {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl MacDigest {
    pub(crate) fn from_oid(oid: ObjectIdentifier) -> Option<Self> {
        [
            (SHA1, Self::Sha1),
            (SHA224, Self::Sha224),
            (SHA256, Self::Sha256),
            (SHA384, Self::Sha384),
            (SHA512, Self::Sha512),
        ]
        .into_iter()
        .find_map(|(o, digest)| (o == oid).then_some(digest))
    }

    fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => SHA1,
            Self::Sha224 => SHA224,
            Self::Sha256 => SHA256,
            Self::Sha384 => SHA384,
            Self::Sha512 => SHA512,
        }
    }

    /// HMAC over `data` with a key derived from `password` (already in
    /// the KDF's encoding) and `salt`, RFC 7292 appendix B.
    fn hmac(self, password: &[u8], salt: &[u8], iterations: u32, data: &[u8]) -> Vec<u8> {
        let rounds = kdf_rounds(iterations);
        macro_rules! hmac {
            ($digest:ty, $len:expr) => {{
                let key = derive_key::<$digest>(password, salt, Pkcs12KeyType::Mac, rounds, $len);
                // HMAC takes a key of any length: this cannot fail.
                <Hmac<$digest> as Mac>::new_from_slice(&key)
                    .map(|mac| mac.chain_update(data).finalize().into_bytes().to_vec())
                    .unwrap_or_default()
            }};
        }
        match self {
            Self::Sha1 => hmac!(Sha1, 20),
            Self::Sha224 => hmac!(Sha224, 28),
            Self::Sha256 => hmac!(Sha256, 32),
            Self::Sha384 => hmac!(Sha384, 48),
            Self::Sha512 => hmac!(Sha512, 64),
        }
    }
}

/// The MAC of a new file over its authenticated safe `auth_safe`.
pub(crate) fn mac_data(
    digest: MacDigest,
    password: &str,
    iterations: u32,
    auth_safe: &[u8],
) -> Result<MacData, der::Error> {
    let salt = random::<16>();
    let mac = digest.hmac(&bmp_password(password), &salt, iterations, auth_safe);
    Ok(MacData {
        mac: DigestInfo {
            algorithm: AlgorithmIdentifierOwned {
                oid: digest.oid(),
                parameters: Some(Any::from(der::asn1::AnyRef::NULL)),
            },
            digest: OctetString::new(mac)?,
        },
        mac_salt: OctetString::new(salt.to_vec())?,
        iterations: Some(iterations),
    })
}

/// The derivation work of checking `mac` with `password` (an empty one is
/// tried twice), in `pbe::MAX_FILE_WORK`'s units.
pub(crate) fn mac_work(mac: &MacData, password: &str) -> u64 {
    let tries = if password.is_empty() { 2 } else { 1 };
    u64::from(mac.iterations.unwrap_or(1)).saturating_mul(tries)
}

/// The derivation work of decrypting with `algorithm`, in
/// `pbe::MAX_FILE_WORK`'s units: 0 for what [`decrypt`] refuses unread.
pub(crate) fn decrypt_work(algorithm: &AlgorithmIdentifierOwned) -> u64 {
    if algorithm.oid == PBES2 {
        let der = algorithm.to_der().unwrap_or_default();
        return pkcs5::EncryptionScheme::from_der(&der)
            .ok()
            .and_then(|scheme| scheme.pbes2().map(pbes2_work))
            .unwrap_or(0);
    }
    algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<Pkcs12PbeParams>().ok())
        .map_or(0, |params| u64::from(params.iterations))
}

/// Checks a file's MAC with `password`. An empty password is tried both
/// ways importers write it: as an empty string (a terminating zero) and
/// as no password at all (no bytes), as OpenSSL does.
pub(crate) fn verify_mac(mac: &MacData, password: &str, auth_safe: &[u8]) -> Result<(), String> {
    let oid = mac.mac.algorithm.oid;
    let digest = MacDigest::from_oid(oid).ok_or_else(|| {
        format!(
            "its MAC uses {}, which certplay does not check (it checks SHA-1 and SHA-2)",
            crate::oid::describe(&oid)
        )
    })?;
    let iterations = mac.iterations.unwrap_or(1);
    within_limit("its MAC", iterations)?;
    let mut candidates = vec![bmp_password(password)];
    if password.is_empty() {
        candidates.push(Vec::new());
    }
    let expected = mac.mac.digest.as_bytes();
    let salt = mac.mac_salt.as_bytes();
    if candidates
        .iter()
        .any(|p| constant_time_eq(&digest.hmac(p, salt, iterations, auth_safe), expected))
    {
        Ok(())
    } else {
        Err("the password is wrong (the file's MAC does not verify with it)".to_owned())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// How a new file's key and certificates are encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// PBES2: PBKDF2-HMAC-SHA256 and AES-256-CBC (OpenSSL 3's default).
    Pbes2Aes256,
    /// pbeWithSHAAnd3-KeyTripleDES-CBC (RFC 7292 appendix C).
    Sha1TripleDes,
}

const PBE_SHA1_3DES: ObjectIdentifier = pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC;
const PBE_SHA1_2DES: ObjectIdentifier = pkcs12::PKCS_12_PBE_WITH_SHAAND2_KEY_TRIPLE_DES_CBC;
const PBE_SHA1_RC2_128: ObjectIdentifier = pkcs12::PKCS_12_PBE_WITH_SHAAND128_BIT_RC2_CBC;
const PBE_SHA1_RC2_40: ObjectIdentifier = pkcs12::PKCS_12_PBEWITH_SHAAND40_BIT_RC2_CBC;

/// Encrypts `plain` with `password`: the algorithm (with its fresh salt
/// and IV) and the ciphertext.
pub(crate) fn encrypt(
    scheme: Scheme,
    password: &str,
    iterations: u32,
    plain: &[u8],
) -> Result<(AlgorithmIdentifierOwned, Vec<u8>), String> {
    match scheme {
        Scheme::Pbes2Aes256 => {
            let (salt, iv) = (random::<16>(), random::<16>());
            let params = pbes2::Parameters::pbkdf2_sha256_aes256cbc(iterations, &salt, &iv)
                .map_err(|e| e.to_string())?;
            let sealed = params
                .encrypt(password.as_bytes(), plain)
                .map_err(|e| e.to_string())?;
            let algorithm = pkcs5::EncryptionScheme::from(params)
                .to_der()
                .and_then(|der| AlgorithmIdentifierOwned::from_der(&der))
                .map_err(|e| e.to_string())?;
            Ok((algorithm, sealed))
        }
        Scheme::Sha1TripleDes => {
            // Eight bytes, the salt length RFC 7292's schemes are used with.
            let salt = random::<8>();
            let (key, iv) = pbe_key_iv(
                password,
                &salt,
                iterations,
                LegacyCipher::TripleDes3Key.key_len(),
            );
            let sealed = cbc::Encryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
                .map_err(|e| e.to_string())?
                .encrypt_padded_vec_mut::<Pkcs7>(plain);
            let params = Pkcs12PbeParams {
                salt: OctetString::new(salt.to_vec()).map_err(|e| e.to_string())?,
                iterations,
            };
            let algorithm = AlgorithmIdentifierOwned {
                oid: PBE_SHA1_3DES,
                parameters: Some(Any::encode_from(&params).map_err(|e| e.to_string())?),
            };
            Ok((algorithm, sealed))
        }
    }
}

/// Decrypts `sealed`, encrypted with `algorithm` and `password`: PBES2
/// (PBKDF2 or scrypt, AES-CBC or 3DES) or RFC 7292's 3DES and RC2
/// schemes. The error says why in words.
/// `mac_checked`: the file's MAC verified with the same password first (a
/// file may have none), which the words for a failure say.
pub(crate) fn decrypt(
    algorithm: &AlgorithmIdentifierOwned,
    password: &str,
    sealed: &[u8],
    mac_checked: bool,
) -> Result<Vec<u8>, String> {
    let wrong = || {
        if mac_checked {
            "it does not decrypt with this password (the file's MAC did, so the part was \
             encrypted with another password, or is damaged)"
        } else {
            "it does not decrypt with this password (the file has no MAC to check a \
             password by, so the password is most likely wrong; else the part is damaged)"
        }
        .to_owned()
    };
    if algorithm.oid == PBES2 {
        let der = algorithm.to_der().map_err(|e| e.to_string())?;
        let scheme = pkcs5::EncryptionScheme::from_der(&der)
            .map_err(|e| format!("its PBES2 parameters do not parse ({e})"))?;
        let params = scheme
            .pbes2()
            .ok_or_else(|| "its PBES2 parameters do not parse".to_owned())?;
        pbes2_within_limits(params)?;
        return params
            .decrypt(password.as_bytes(), sealed)
            .map_err(|_| wrong());
    }
    let Some(cipher) = LegacyCipher::from_oid(algorithm.oid) else {
        return Err(format!(
            "it is encrypted with {}, which certplay does not decrypt (it decrypts PBES2, \
             3DES and RC2)",
            crate::oid::describe(&algorithm.oid)
        ));
    };
    let params = algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<Pkcs12PbeParams>().ok())
        .ok_or_else(|| "its encryption parameters do not parse".to_owned())?;
    within_limit("its encryption", params.iterations)?;
    let (key, iv) = pbe_key_iv(
        password,
        params.salt.as_bytes(),
        params.iterations,
        cipher.key_len(),
    );
    let key = key.as_slice();
    let plain = match cipher {
        LegacyCipher::TripleDes3Key => cbc_decrypt(des::TdesEde3::new_from_slice(key), &iv, sealed),
        LegacyCipher::TripleDes2Key => cbc_decrypt(des::TdesEde2::new_from_slice(key), &iv, sealed),
        LegacyCipher::Rc2 { effective_bits } => cbc_decrypt(
            Ok(rc2::Rc2::new_with_eff_key_len(key, effective_bits)),
            &iv,
            sealed,
        ),
    }?;
    plain.ok_or_else(wrong)
}

/// CBC decryption with PKCS#7 padding; `None` when the padding is wrong
/// (the usual sign of a wrong password).
fn cbc_decrypt<C: BlockCipher + BlockDecryptMut>(
    cipher: Result<C, InvalidLength>,
    iv: &[u8],
    sealed: &[u8],
) -> Result<Option<Vec<u8>>, String> {
    let decryptor = cipher
        .and_then(|cipher| cbc::Decryptor::<C>::inner_iv_slice_init(cipher, iv))
        .map_err(|e| e.to_string())?;
    Ok(decryptor.decrypt_padded_vec_mut::<Pkcs7>(sealed).ok())
}

/// RFC 7292's own password-based schemes (appendix C), all with SHA-1:
/// what older files and `openssl pkcs12 -legacy` use.
#[derive(Clone, Copy)]
enum LegacyCipher {
    /// pbeWithSHAAnd3-KeyTripleDES-CBC
    TripleDes3Key,
    /// pbeWithSHAAnd2-KeyTripleDES-CBC
    TripleDes2Key,
    /// pbeWithSHAAnd128BitRC2-CBC and pbeWithSHAAnd40BitRC2-CBC
    Rc2 { effective_bits: usize },
}

impl LegacyCipher {
    fn from_oid(oid: ObjectIdentifier) -> Option<Self> {
        Some(match oid {
            oid if oid == PBE_SHA1_3DES => Self::TripleDes3Key,
            oid if oid == PBE_SHA1_2DES => Self::TripleDes2Key,
            oid if oid == PBE_SHA1_RC2_128 => Self::Rc2 {
                effective_bits: 128,
            },
            oid if oid == PBE_SHA1_RC2_40 => Self::Rc2 { effective_bits: 40 },
            _ => return None,
        })
    }

    /// The key's length in bytes; for RC2, the effective bits make it.
    fn key_len(self) -> usize {
        match self {
            Self::TripleDes3Key => 24,
            Self::TripleDes2Key => 16,
            Self::Rc2 { effective_bits } => effective_bits / 8,
        }
    }
}

/// RFC 7292's key and IV (8 bytes, the block of 3DES and RC2) from the
/// password, with SHA-1 as every one of its schemes does.
fn pbe_key_iv(password: &str, salt: &[u8], iterations: u32, key_len: usize) -> (Vec<u8>, Vec<u8>) {
    let password = bmp_password(password);
    let rounds = kdf_rounds(iterations);
    let key = derive_key::<Sha1>(
        &password,
        salt,
        Pkcs12KeyType::EncryptionKey,
        rounds,
        key_len,
    );
    let iv = derive_key::<Sha1>(&password, salt, Pkcs12KeyType::Iv, rounds, 8);
    (key, iv)
}

/// The pkcs12 crate's KDF takes its iteration count as an i32;
/// `pbe::within_limit` has already kept counts far below its maximum.
fn kdf_rounds(iterations: u32) -> i32 {
    i32::try_from(iterations).unwrap_or(i32::MAX)
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pbe::MAX_ITERATIONS;

    fn algorithm(params: pbes2::Parameters<'_>) -> AlgorithmIdentifierOwned {
        let der = pkcs5::EncryptionScheme::from(params).to_der().unwrap();
        AlgorithmIdentifierOwned::from_der(&der).unwrap()
    }

    #[test]
    fn both_schemes_round_trip() {
        for scheme in [Scheme::Pbes2Aes256, Scheme::Sha1TripleDes] {
            let (alg, sealed) = encrypt(scheme, "pw ü 𝄞", 3, b"secret bytes").unwrap();
            assert_eq!(
                decrypt(&alg, "pw ü 𝄞", &sealed, true).unwrap(),
                b"secret bytes"
            );
            // A wrong password gives garbage or a padding error, never the secret.
            assert_ne!(
                decrypt(&alg, "pw", &sealed, true).ok().as_deref(),
                Some(&b"secret bytes"[..])
            );
        }
    }

    /// What a file asks beyond the limits is refused before any derivation
    /// (each case would otherwise take minutes or gigabytes).
    #[test]
    fn costly_or_unknown_parameters_are_refused_before_deriving() {
        let (salt, iv) = ([7u8; 16], [9u8; 16]);
        let too_many = MAX_ITERATIONS.saturating_add(1);
        let pbkdf2 =
            algorithm(pbes2::Parameters::pbkdf2_sha256_aes256cbc(too_many, &salt, &iv).unwrap());
        let pbe = AlgorithmIdentifierOwned {
            oid: PBE_SHA1_3DES,
            parameters: Some(
                Any::encode_from(&Pkcs12PbeParams {
                    salt: OctetString::new(salt.to_vec()).unwrap(),
                    iterations: too_many,
                })
                .unwrap(),
            ),
        };
        for alg in [&pbkdf2, &pbe] {
            let error = decrypt(alg, "pw", &[0; 16], true).unwrap_err();
            assert!(
                error.contains("1000001 key-derivation iterations"),
                "{error}"
            );
        }
        let scrypt = |n: u64, r: u16, p: u16| {
            let kdf = pbes2::ScryptParams {
                salt: &salt,
                cost_parameter: n,
                block_size: r,
                parallelization: p,
                key_length: None,
            };
            algorithm(pbes2::Parameters {
                kdf: kdf.into(),
                encryption: pbes2::EncryptionScheme::Aes256Cbc { iv: &iv },
            })
        };
        for (n, r, p, said) in [
            (1 << 30, 8, 1, "ask for more"),
            (1 << 14, 8, 64, "ask for more"),
            (0, 8, 1, "not a power of two"),
            (3, 8, 1, "not a power of two"),
        ] {
            let error = decrypt(&scrypt(n, r, p), "pw", &[0; 16], true).unwrap_err();
            assert!(error.contains(said), "N {n}, r {r}, p {p}: {error}");
        }
        let rc4 = AlgorithmIdentifierOwned {
            oid: pkcs12::PKCS_12_PBE_WITH_SHAAND128_BIT_RC4,
            parameters: None,
        };
        let error = decrypt(&rc4, "pw", &[0; 16], true).unwrap_err();
        assert!(error.contains("does not decrypt"), "{error}");

        let mut mac = mac_data(MacDigest::Sha256, "pw", 1, b"contents").unwrap();
        verify_mac(&mac, "pw", b"contents").unwrap();
        let error = verify_mac(&mac, "pw", b"other contents").unwrap_err();
        assert!(error.contains("the password is wrong"), "{error}");
        mac.iterations = Some(too_many);
        let error = verify_mac(&mac, "pw", b"contents").unwrap_err();
        assert!(error.contains("key-derivation iterations"), "{error}");
    }

    /// An empty password is read both ways it is written: as an empty
    /// string (what certplay and OpenSSL write) and as no password.
    #[test]
    fn an_empty_password_is_tried_both_ways() {
        let written = mac_data(MacDigest::Sha1, "", 1, b"contents").unwrap();
        verify_mac(&written, "", b"contents").unwrap();
        let mac = MacDigest::Sha1.hmac(&[], written.mac_salt.as_bytes(), 1, b"contents");
        let absent = MacData {
            mac: DigestInfo {
                algorithm: written.mac.algorithm.clone(),
                digest: OctetString::new(mac).unwrap(),
            },
            ..written
        };
        verify_mac(&absent, "", b"contents").unwrap();
        assert!(verify_mac(&absent, "x", b"contents").is_err());
    }
}
