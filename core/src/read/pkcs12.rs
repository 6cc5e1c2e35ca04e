//! Reading PKCS#12 files (RFC 7292, `.p12`/`.pfx`). The outer structure is
//! readable without the password: the MAC's digest and iteration count, and
//! how each part (the certificates, the private key) is encrypted. The keys
//! and certificates inside need the password; they are opened (feature
//! `pkcs12`, `crate::pfx`) and shown like any other key or certificate,
//! the key's secret never kept.

use der::asn1::{ObjectIdentifier, OctetString};
use der::{Any, Decode, Sequence};
use serde::Serialize;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::model::Oid;
use super::Item;
use crate::pfx::{
    ContentInfo, EncryptedData, EncryptedPrivateKeyInfo, Pfx, Pkcs12PbeParams, SafeBag, CERT_BAG,
    DATA, ENCRYPTED_DATA, KEY_BAG, PBES2, PBKDF2, SHROUDED_KEY_BAG,
};
use crate::Error;

/// A PKCS#12 file: how it is protected, and (opened with its password) what
/// it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pkcs12 {
    /// The integrity MAC (HMAC over the contents, keyed from the password).
    pub mac: Option<Pkcs12Mac>,
    /// How each part is protected, in file order.
    pub parts: Vec<Pkcs12Part>,
    /// The keys, then the certificates, when the file was opened.
    pub contents: Vec<Item>,
    /// Why `contents` is empty: no password given, or a wrong one.
    pub locked: Option<String>,
}

/// The MAC of a PKCS#12 file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pkcs12Mac {
    /// Its digest (`id-sha256`; SHA-1 in legacy files).
    pub digest: Oid,
    /// PBKDF iterations that derive the MAC key from the password.
    pub iterations: u32,
}

/// One part of a PKCS#12 file and how it is protected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pkcs12Part {
    /// `certificates`, `private key`, or `other`.
    pub holds: &'static str,
    /// The encryption, in words (`PBES2: PBKDF2 with id-hmacWithSHA256,
    /// 2048 iterations, id-aes256-CBC`), or `none` for a part in the clear.
    pub encryption: String,
}

#[derive(Sequence)]
struct Pbes2Params {
    kdf: AlgorithmIdentifierOwned,
    scheme: AlgorithmIdentifierOwned,
}

#[derive(Sequence)]
struct Pbkdf2Params {
    salt: Any,
    iterations: u32,
    #[asn1(optional = "true")]
    key_length: Option<u32>,
    #[asn1(optional = "true")]
    prf: Option<AlgorithmIdentifierOwned>,
}

/// `Some` when `der` is a PKCS#12 file (version 3 with a data or signed
/// content), read as far as `password` allows; `None` when it is not one.
pub(super) fn read(der: &[u8], password: Option<&str>) -> Option<Result<Pkcs12, Error>> {
    let pfx = Pfx::from_der(der).ok()?;
    if pfx.version != 3 {
        return None;
    }
    let mac = pfx.mac_data.map(|m| Pkcs12Mac {
        digest: Oid::new(m.mac.algorithm.oid),
        iterations: m.iterations.unwrap_or(1),
    });
    let parts = if pfx.auth_safe.content_type == DATA {
        pfx.auth_safe
            .content
            .as_ref()
            .and_then(|c| c.decode_as::<OctetString>().ok())
            .map(|o| parts(o.as_bytes()))
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let (contents, locked) = match password {
        None => (
            Vec::new(),
            Some("its keys and certificates are encrypted: give its password".to_owned()),
        ),
        Some(password) => match open(der, password) {
            Ok(items) => (items, None),
            Err(reason) => (Vec::new(), Some(reason)),
        },
    };
    Some(Ok(Pkcs12 {
        mac,
        parts,
        contents,
        locked,
    }))
}

/// The authenticated safe's parts: a data part holds bags in the clear (a
/// shrouded key bag carries its own encryption), an encrypted-data part is
/// encrypted as a whole (usually the certificates).
fn parts(auth_safe: &[u8]) -> Vec<Pkcs12Part> {
    let Ok(infos) = Vec::<ContentInfo>::from_der(auth_safe) else {
        return Vec::new();
    };
    let mut parts = Vec::new();
    for info in infos {
        let Some(content) = info.content else {
            continue;
        };
        if info.content_type == ENCRYPTED_DATA {
            if let Ok(data) = content.decode_as::<EncryptedData>() {
                parts.push(Pkcs12Part {
                    holds: "certificates",
                    encryption: scheme(&data.info.algorithm),
                });
            }
        } else if info.content_type == DATA {
            let bags = content
                .decode_as::<OctetString>()
                .ok()
                .and_then(|o| Vec::<SafeBag>::from_der(o.as_bytes()).ok())
                .unwrap_or_default();
            for bag in bags {
                let (holds, encryption) = match bag.bag_id {
                    id if id == SHROUDED_KEY_BAG => (
                        "private key",
                        bag.bag_value
                            .decode_as::<EncryptedPrivateKeyInfo>()
                            .map_or_else(|_| "unreadable".to_owned(), |k| scheme(&k.algorithm)),
                    ),
                    id if id == KEY_BAG => ("private key", "none (in the clear)".to_owned()),
                    id if id == CERT_BAG => ("certificates", "none (in the clear)".to_owned()),
                    _ => ("other", "none (in the clear)".to_owned()),
                };
                parts.push(Pkcs12Part { holds, encryption });
            }
        }
    }
    parts
}

/// A password-based encryption scheme in words.
fn scheme(algorithm: &AlgorithmIdentifierOwned) -> String {
    let name = |oid: ObjectIdentifier| crate::oid::describe(&oid);
    if algorithm.oid != PBES2 {
        let iterations = algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<Pkcs12PbeParams>().ok())
            .map(|p| format!(", {} iterations", p.iterations))
            .unwrap_or_default();
        return format!("{}{iterations}", name(algorithm.oid));
    }
    let Some(params) = algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<Pbes2Params>().ok())
    else {
        return "PBES2 (parameters unreadable)".to_owned();
    };
    let kdf = if params.kdf.oid == PBKDF2 {
        match params
            .kdf
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<Pbkdf2Params>().ok())
        {
            // RFC 8018: the PRF defaults to HMAC-SHA1.
            Some(p) => format!(
                "PBKDF2 with {}, {} iterations",
                p.prf
                    .map_or_else(|| "id-hmacWithSHA1".to_owned(), |prf| name(prf.oid)),
                p.iterations
            ),
            None => "PBKDF2".to_owned(),
        }
    } else {
        name(params.kdf.oid)
    };
    format!("PBES2: {kdf}, {}", name(params.scheme.oid))
}

/// The keys and certificates inside, opened with `password`: first the
/// work every derivation would take is summed and held to one budget for
/// the whole file (`pbe::MAX_FILE_WORK`), then the MAC is checked (so that
/// a wrong password is named as such), then every part decrypted. Keys
/// come first, then certificates, each in file order.
#[cfg(feature = "pkcs12")]
fn open(der: &[u8], password: &str) -> Result<Vec<Item>, String> {
    use super::{Certificate, KeyFormat, PrivateKey};
    let (keys, certs) = open_der(der, password)?;
    let keys = keys.iter().map(|der| {
        PrivateKey::from_der(der, KeyFormat::Pkcs8)
            .map(Item::PrivateKey)
            .map_err(unreadable)
    });
    let keys = keys.collect::<Result<Vec<_>, String>>()?;
    let certs = certs.iter().map(|c| {
        Certificate::from_der(c)
            .map(|c| Item::Certificate(Box::new(c)))
            .map_err(unreadable)
    });
    keys.into_iter().map(Ok).chain(certs).collect()
}

/// Certificates, each DER.
pub type Certificates = Vec<Vec<u8>>;

/// A private key (PKCS#8 DER) and certificates.
pub type KeyAndCertificates = (Vec<u8>, Certificates);

/// What a TLS client presents from a PKCS#12 file (`certplay connect
/// --cert client.p12`): its first private key (PKCS#8 DER) and its
/// certificates (DER, in file order), opened with `password`. `Ok(None)`
/// when `der` is not a PKCS#12 file; an error naming `name` when it does
/// not open or holds no key.
#[cfg(feature = "pkcs12")]
pub fn pkcs12_identity(
    name: &str,
    der: &[u8],
    password: &str,
) -> Result<Option<KeyAndCertificates>, Error> {
    match Pfx::from_der(der) {
        Ok(pfx) if pfx.version == 3 => {}
        _ => return Ok(None),
    }
    let (mut keys, certs) = open_der(der, password).map_err(|e| Error::input(name, e))?;
    if keys.is_empty() {
        return Err(Error::input(name, "this PKCS#12 file holds no private key"));
    }
    Ok(Some((keys.swap_remove(0), certs)))
}

/// The keys (PKCS#8 DER, decrypted) and certificates (DER) of a PKCS#12
/// file, each in file order.
#[cfg(feature = "pkcs12")]
fn open_der(der: &[u8], password: &str) -> Result<(Vec<Vec<u8>>, Certificates), String> {
    use crate::pfx::{decrypt, decrypt_work, mac_work, EncryptedContentInfo};
    let pfx = Pfx::from_der(der).map_err(|e| e.to_string())?;
    if pfx.auth_safe.content_type != DATA {
        return Err(format!(
            "its contents are {} (signed with a public key), not protected by a password; \
             certplay opens password-protected files",
            Oid::new(pfx.auth_safe.content_type)
        ));
    }
    let auth_safe = data_octets(pfx.auth_safe.content.as_ref())
        .ok_or_else(|| "its contents do not parse".to_owned())?;
    let infos = Vec::<ContentInfo>::from_der(auth_safe.as_bytes())
        .map_err(|e| format!("its contents do not parse: {e}"))?;
    let mut opened = Opened::default();
    let mut sealed_parts: Vec<EncryptedContentInfo> = Vec::new();
    for info in infos {
        match info.content_type {
            t if t == DATA => {
                let bags = data_octets(info.content.as_ref())
                    .ok_or_else(|| "a part does not parse".to_owned())?;
                opened.bags(bags.as_bytes(), 0)?;
            }
            t if t == ENCRYPTED_DATA => {
                let data = info
                    .content
                    .as_ref()
                    .and_then(|c| c.decode_as::<EncryptedData>().ok())
                    .ok_or_else(|| "an encrypted part does not parse".to_owned())?;
                sealed_parts.push(data.info);
            }
            other => {
                return Err(format!(
                    "a part is {}, which certplay does not open (it opens data and \
                     password-encrypted parts)",
                    Oid::new(other)
                ))
            }
        }
    }
    let mut budget = crate::pbe::Budget::new();
    let visible = pfx
        .mac_data
        .as_ref()
        .map_or(0, |mac| mac_work(mac, password))
        .saturating_add(sealed_parts.iter().fold(0, |sum: u64, p| {
            sum.saturating_add(decrypt_work(&p.algorithm))
        }))
        .saturating_add(opened.shrouded_work(0));
    budget.spend(
        &format!(
            "{} {} encrypted part(s) and {} encrypted key(s)",
            if pfx.mac_data.is_some() {
                "its MAC,"
            } else {
                "its"
            },
            sealed_parts.len(),
            opened.shrouded_count(0)
        ),
        visible,
    )?;
    if let Some(mac) = &pfx.mac_data {
        crate::pfx::verify_mac(mac, password, auth_safe.as_bytes())?;
    }
    let mac_checked = pfx.mac_data.is_some();
    for part in &sealed_parts {
        let sealed = part.content.as_ref().map_or(&[][..], |c| c.as_bytes());
        let bags = decrypt(&part.algorithm, password, sealed, mac_checked)
            .map_err(|e| format!("an encrypted part: {e}"))?;
        let seen = opened.keys.len();
        opened.bags(&bags, 0)?;
        budget.spend(
            &format!(
                "with the {} encrypted key(s) found inside its encrypted parts, its parts",
                opened.shrouded_count(seen)
            ),
            opened.shrouded_work(seen),
        )?;
    }
    let keys = opened
        .keys
        .iter()
        .map(|key| match key {
            Key::Clear(der) => Ok(der.clone()),
            Key::Shrouded(info) => {
                decrypt(&info.algorithm, password, info.data.as_bytes(), mac_checked)
                    .map_err(|e| format!("the private key: {e}"))
            }
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((keys, opened.certs))
}

#[cfg(feature = "pkcs12")]
fn unreadable(e: Error) -> String {
    format!("it opened, but holds something unreadable: {e}")
}

/// The OCTET STRING a content of type data holds.
#[cfg(feature = "pkcs12")]
fn data_octets(content: Option<&der::Any>) -> Option<OctetString> {
    content.and_then(|c| c.decode_as::<OctetString>().ok())
}

/// A private key bag: in the clear (PKCS#8 DER), or shrouded (decrypted
/// once the whole file's work is known to be within its budget).
#[cfg(feature = "pkcs12")]
enum Key {
    Clear(Vec<u8>),
    Shrouded(EncryptedPrivateKeyInfo),
}

/// What the bags of a file hold: keys and certificates (DER), in file
/// order.
#[cfg(feature = "pkcs12")]
#[derive(Default)]
struct Opened {
    keys: Vec<Key>,
    certs: Vec<Vec<u8>>,
}

#[cfg(feature = "pkcs12")]
impl Opened {
    /// Reads the SafeContents `der`: keys (in the clear or shrouded, not
    /// yet decrypted) and X.509 certificates; nested SafeContents to a
    /// depth of 4; CRL and secret bags are passed over.
    fn bags(&mut self, der: &[u8], depth: u8) -> Result<(), String> {
        use crate::pfx::{CertBag, SAFE_CONTENTS_BAG, X509_CERT};
        use der::Encode;
        let bags = Vec::<SafeBag>::from_der(der)
            .map_err(|e| format!("a part's bags do not parse: {e}"))?;
        for bag in bags {
            match bag.bag_id {
                id if id == KEY_BAG => self.keys.push(Key::Clear(
                    bag.bag_value.to_der().map_err(|e| e.to_string())?,
                )),
                id if id == SHROUDED_KEY_BAG => {
                    let info = bag
                        .bag_value
                        .decode_as::<EncryptedPrivateKeyInfo>()
                        .map_err(|e| format!("a private key bag does not parse: {e}"))?;
                    self.keys.push(Key::Shrouded(info));
                }
                id if id == CERT_BAG => {
                    let cert = bag
                        .bag_value
                        .decode_as::<CertBag>()
                        .map_err(|e| format!("a certificate bag does not parse: {e}"))?;
                    if cert.cert_id == X509_CERT {
                        self.certs.push(cert.cert_value.into_bytes());
                    }
                }
                id if id == SAFE_CONTENTS_BAG && depth < 4 => {
                    let nested = bag.bag_value.to_der().map_err(|e| e.to_string())?;
                    self.bags(&nested, depth.saturating_add(1))?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The shrouded keys from the `from`th key on.
    fn shrouded(&self, from: usize) -> impl Iterator<Item = &EncryptedPrivateKeyInfo> {
        self.keys
            .get(from..)
            .unwrap_or_default()
            .iter()
            .filter_map(|key| match key {
                Key::Shrouded(info) => Some(info),
                Key::Clear(_) => None,
            })
    }

    fn shrouded_count(&self, from: usize) -> usize {
        self.shrouded(from).count()
    }

    /// What decrypting those keys would cost (`pbe::MAX_FILE_WORK`'s units).
    fn shrouded_work(&self, from: usize) -> u64 {
        self.shrouded(from).fold(0, |sum: u64, info| {
            sum.saturating_add(crate::pfx::decrypt_work(&info.algorithm))
        })
    }
}

/// Without the `pkcs12` feature only the outer structure is read.
#[cfg(not(feature = "pkcs12"))]
fn open(_der: &[u8], _password: &str) -> Result<Vec<Item>, String> {
    Err("this build of certplay reads only a PKCS#12 file's outer structure".to_owned())
}
