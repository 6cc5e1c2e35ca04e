//! Reading PKCS#12 files (RFC 7292, `.p12`/`.pfx`). The outer structure is
//! readable without the password: the MAC's digest and iteration count, and
//! how each part (the certificates, the private key) is encrypted. The keys
//! and certificates inside need the password; they are read with
//! `p12-keystore` (feature `pkcs12`) and shown like any other key or
//! certificate, the key's secret never kept.

use der::asn1::{ObjectIdentifier, OctetString};
use der::{Any, Decode, Sequence};
use serde::Serialize;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::model::Oid;
use super::Item;
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

// RFC 7292 and RFC 8018 identifiers that const-oid's database does not name.
const DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const PBKDF2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
/// RFC 7292 appendix C: the PKCS#12 password-based schemes.
const PKCS12_PBE: [(&str, &str); 6] = [
    ("1.2.840.113549.1.12.1.1", "pbeWithSHAAnd128BitRC4"),
    ("1.2.840.113549.1.12.1.2", "pbeWithSHAAnd40BitRC4"),
    ("1.2.840.113549.1.12.1.3", "pbeWithSHAAnd3-KeyTripleDES-CBC"),
    ("1.2.840.113549.1.12.1.4", "pbeWithSHAAnd2-KeyTripleDES-CBC"),
    ("1.2.840.113549.1.12.1.5", "pbeWithSHAAnd128BitRC2-CBC"),
    ("1.2.840.113549.1.12.1.6", "pbeWithSHAAnd40BitRC2-CBC"),
];

#[derive(Sequence)]
struct Pfx {
    version: u8,
    auth_safe: ContentInfo,
    #[asn1(optional = "true")]
    mac_data: Option<MacData>,
}

#[derive(Sequence)]
struct ContentInfo {
    content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    content: Option<Any>,
}

#[derive(Sequence)]
struct MacData {
    mac: DigestInfo,
    mac_salt: OctetString,
    #[asn1(optional = "true")]
    iterations: Option<u32>,
}

#[derive(Sequence)]
struct DigestInfo {
    algorithm: AlgorithmIdentifierOwned,
    digest: OctetString,
}

#[derive(Sequence)]
struct SafeBag {
    bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    bag_value: Any,
    #[asn1(optional = "true")]
    attributes: Option<Any>,
}

#[derive(Sequence)]
struct EncryptedPrivateKeyInfo {
    algorithm: AlgorithmIdentifierOwned,
    data: OctetString,
}

#[derive(Sequence)]
struct EncryptedData {
    version: u8,
    info: EncryptedContentInfo,
}

#[derive(Sequence)]
struct EncryptedContentInfo {
    content_type: ObjectIdentifier,
    algorithm: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    content: Option<OctetString>,
}

#[derive(Sequence)]
struct Pkcs12PbeParams {
    salt: OctetString,
    iterations: u32,
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
    let name = |oid: ObjectIdentifier| {
        let dotted = oid.to_string();
        PKCS12_PBE
            .iter()
            .find(|(o, _)| *o == dotted)
            .map_or_else(|| Oid::new(oid).to_string(), |(_, n)| (*n).to_owned())
    };
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

/// The keys and certificates inside, opened with `password`.
#[cfg(feature = "pkcs12")]
fn open(der: &[u8], password: &str) -> Result<Vec<Item>, String> {
    use super::{Certificate, KeyFormat, PrivateKey};
    let archive = p12_keystore::Pkcs12Archive::from_pkcs12(der, password).map_err(|e| match e {
        p12_keystore::error::Error::MacError(_) => {
            "the password is wrong (the file's MAC does not verify with it)".to_owned()
        }
        other => format!("cannot open it with this password: {other}"),
    })?;
    let keys = archive
        .keys
        .iter()
        .map(|k| PrivateKey::from_der(k.key.as_der(), KeyFormat::Pkcs8).map(Item::PrivateKey));
    let certs = archive
        .certs
        .iter()
        .map(|c| Certificate::from_der(c.cert.as_der()).map(|c| Item::Certificate(Box::new(c))));
    keys.chain(certs)
        .map(|item| item.map_err(|e| format!("it opened, but holds something unreadable: {e}")))
        .collect()
}

/// Without the `pkcs12` feature only the outer structure is read.
#[cfg(not(feature = "pkcs12"))]
fn open(_der: &[u8], _password: &str) -> Result<Vec<Item>, String> {
    Err("this build of certplay reads only a PKCS#12 file's outer structure".to_owned())
}
