//! PKCS#12 files (RFC 7292): their ASN.1, as far as certplay writes and
//! reads them, and (feature `pkcs12`, in `crypto`) the MAC that proves the
//! password and the password-based encryption of keys and certificates.
//! The writer (`issue::pkcs12`) and the reader (`read::pkcs12`) share both.

use der::asn1::{ObjectIdentifier, OctetString};
use der::{Any, Sequence};
use x509_cert::spki::AlgorithmIdentifierOwned;

#[cfg(feature = "pkcs12")]
mod crypto;
#[cfg(feature = "pkcs12")]
pub(crate) use crypto::{
    decrypt, decrypt_work, encrypt, mac_data, mac_work, verify_mac, MacDigest, Scheme,
};

pub(crate) use crate::oid::{
    CERT_BAG, DATA, ENCRYPTED_DATA, FRIENDLY_NAME, KEY_BAG, LOCAL_KEY_ID, PBES2, PBKDF2,
    SAFE_CONTENTS_BAG, SHROUDED_KEY_BAG, X509_CERTIFICATE as X509_CERT,
};

// RFC 7292's ASN.1, as far as certplay writes and reads it.

#[derive(Sequence)]
pub(crate) struct Pfx {
    pub version: u8,
    pub auth_safe: ContentInfo,
    #[asn1(optional = "true")]
    pub mac_data: Option<MacData>,
}

#[derive(Sequence)]
pub(crate) struct ContentInfo {
    pub content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub content: Option<Any>,
}

#[derive(Sequence)]
pub(crate) struct MacData {
    pub mac: DigestInfo,
    pub mac_salt: OctetString,
    #[asn1(optional = "true")]
    pub iterations: Option<u32>,
}

#[derive(Sequence)]
pub(crate) struct DigestInfo {
    pub algorithm: AlgorithmIdentifierOwned,
    pub digest: OctetString,
}

#[derive(Sequence)]
pub(crate) struct SafeBag {
    pub bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub bag_value: Any,
    #[asn1(optional = "true")]
    pub attributes: Option<Any>,
}

#[derive(Sequence)]
pub(crate) struct CertBag {
    pub cert_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub cert_value: OctetString,
}

#[derive(Sequence)]
pub(crate) struct EncryptedPrivateKeyInfo {
    pub algorithm: AlgorithmIdentifierOwned,
    pub data: OctetString,
}

#[derive(Sequence)]
pub(crate) struct EncryptedData {
    pub version: u8,
    pub info: EncryptedContentInfo,
}

#[derive(Sequence)]
pub(crate) struct EncryptedContentInfo {
    pub content_type: ObjectIdentifier,
    pub algorithm: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub content: Option<OctetString>,
}

/// The parameters of RFC 7292's own password-based schemes (appendix C).
#[derive(Sequence)]
pub(crate) struct Pkcs12PbeParams {
    pub salt: OctetString,
    pub iterations: u32,
}
