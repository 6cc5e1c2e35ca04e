//! Object identifiers, typed. The constants come from const-oid's database
//! (through `x509_cert::der::oid`, so that its version is always the one
//! x509-cert reads with), plus the few arcs the database lacks, derived
//! from their parent arcs. Code decides with these constants and with the
//! enums below (key algorithms, curves, signature algorithms); dotted text
//! and names for people are made at the edges ([`name`], `read::text`).

use sha2::{Digest, Sha256, Sha384, Sha512};
pub use x509_cert::der::oid::db;
pub use x509_cert::der::oid::ObjectIdentifier;

use db::{rfc3280, rfc4519, rfc5911, rfc5912, rfc8410};

#[cfg(feature = "oid-names")]
mod names;

/// The child `arc` of `parent`. Only ever evaluated for the constants
/// below, at compile time: a wrong arc fails the build, never a run.
#[allow(clippy::panic)]
const fn child(parent: ObjectIdentifier, arc: u32) -> ObjectIdentifier {
    match parent.push_arc(arc) {
        Ok(oid) => oid,
        Err(_) => panic!("an object identifier longer than const-oid holds"),
    }
}

// The arcs const-oid's database lacks (or holds only below them): the only
// dotted object identifiers in certplay's source.

/// `pkcs` (RFC 8017, appendix C): 1.2.840.113549.1.
const PKCS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1");
/// `ansi-X9-62` (RFC 5912, PKIX1Algorithms2008): 1.2.840.10045.
const ANSI_X9_62: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045");
/// SEC 2's curve arc (`secp256k1` and the NIST curves): 1.3.132.0.
const CERTICOM_CURVE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0");
/// The CA/Browser Forum's EV jurisdiction attributes (Microsoft's arc):
/// 1.3.6.1.4.1.311.60.2.1.
const EV_JURISDICTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.60.2.1");

/// `pkcs-5` (RFC 8018).
const PKCS_5: ObjectIdentifier = child(PKCS, 5);
/// `id-PBES2` (RFC 8018, appendix A.4).
pub const PBES2: ObjectIdentifier = child(PKCS_5, 13);
/// `id-PBKDF2` (RFC 8018, appendix A.2).
pub const PBKDF2: ObjectIdentifier = rfc5911::ID_PBKDF_2;
/// `id-data` (RFC 5652, section 4).
pub const DATA: ObjectIdentifier = rfc5911::ID_DATA;
/// `id-encryptedData` (RFC 5652, section 8).
pub const ENCRYPTED_DATA: ObjectIdentifier = rfc5911::ID_ENCRYPTED_DATA;

/// `pkcs-12` (RFC 7292).
const PKCS_12: ObjectIdentifier = child(PKCS, 12);
/// `pkcs-12PbeIds` (RFC 7292, appendix C).
const PKCS_12_PBE_IDS: ObjectIdentifier = child(PKCS_12, 1);
/// `bagtypes` (RFC 7292, section 4.2).
const PKCS_12_BAG_TYPES: ObjectIdentifier = child(child(PKCS_12, 10), 1);
/// `keyBag` (RFC 7292, section 4.2.1).
pub const KEY_BAG: ObjectIdentifier = child(PKCS_12_BAG_TYPES, 1);
/// `pkcs8ShroudedKeyBag` (RFC 7292, section 4.2.2).
pub const SHROUDED_KEY_BAG: ObjectIdentifier = child(PKCS_12_BAG_TYPES, 2);
/// `certBag` (RFC 7292, section 4.2.3).
pub const CERT_BAG: ObjectIdentifier = child(PKCS_12_BAG_TYPES, 3);
/// `safeContentsBag` (RFC 7292, section 4.2.6).
pub const SAFE_CONTENTS_BAG: ObjectIdentifier = child(PKCS_12_BAG_TYPES, 6);
/// `friendlyName` (RFC 2985, section 5.5.1).
pub const FRIENDLY_NAME: ObjectIdentifier = child(rfc5912::PKCS_9, 20);
/// `localKeyId` (RFC 2985, section 5.5.2).
pub const LOCAL_KEY_ID: ObjectIdentifier = child(rfc5912::PKCS_9, 21);
/// `x509Certificate` (RFC 7292, section 4.2.3: a certBag's certId).
pub const X509_CERTIFICATE: ObjectIdentifier = child(child(rfc5912::PKCS_9, 22), 1);

/// The extensions rustls/webpki processes (rustls-webpki's `cert.rs`,
/// `remember_cert_extension`): it refuses a certificate with any other one
/// marked critical.
pub const WEBPKI_PROCESSED: [ObjectIdentifier; 6] = [
    db::rfc5280::ID_CE_KEY_USAGE,
    db::rfc5280::ID_CE_SUBJECT_ALT_NAME,
    db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
    db::rfc5280::ID_CE_NAME_CONSTRAINTS,
    db::rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS,
    db::rfc5280::ID_CE_EXT_KEY_USAGE,
];

/// The extensions some TLS stack here processes when marked critical:
/// webpki's ([`WEBPKI_PROCESSED`]) and OpenSSL 3's (`X509_supported_extension`
/// in crypto/x509/v3_purp.c). Both refuse a certificate with any other one
/// marked critical (subjectKeyIdentifier and authorityKeyIdentifier
/// included: RFC 5280 forbids marking them critical).
pub const PROCESSED_WHEN_CRITICAL: [ObjectIdentifier; 15] = [
    db::rfc5280::ID_CE_KEY_USAGE,
    db::rfc5280::ID_CE_SUBJECT_ALT_NAME,
    db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
    db::rfc5280::ID_CE_NAME_CONSTRAINTS,
    db::rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS,
    db::rfc5280::ID_CE_EXT_KEY_USAGE,
    db::rfc5280::ID_CE_CERTIFICATE_POLICIES,
    db::rfc5280::ID_CE_POLICY_MAPPINGS,
    db::rfc5280::ID_CE_POLICY_CONSTRAINTS,
    db::rfc5280::ID_CE_INHIBIT_ANY_POLICY,
    // netscape-cert-type
    ObjectIdentifier::new_unwrap("2.16.840.1.113730.1.1"),
    // id-pe-ipAddrBlocks, id-pe-autonomousSysIds (RFC 3779)
    child(db::rfc5280::ID_PE, 7),
    child(db::rfc5280::ID_PE, 8),
    // id-pe-proxyCertInfo (RFC 3820)
    child(db::rfc5280::ID_PE, 14),
    // id-pkix-ocsp-nocheck (RFC 6960)
    db::rfc6960::ID_PKIX_OCSP_NOCHECK,
];

/// `ecdsa-with-SHA1` (RFC 3279, section 2.2.3).
const ECDSA_WITH_SHA_1: ObjectIdentifier = child(child(ANSI_X9_62, 4), 1);
/// `prime192v1` (RFC 5480, section 2.1.1.1: secp192r1, NIST P-192).
pub const PRIME_192_V_1: ObjectIdentifier = child(child(child(ANSI_X9_62, 3), 1), 1);
/// `secp256k1` (SEC 2): Bitcoin's curve.
const SECP_256_K_1: ObjectIdentifier = child(CERTICOM_CURVE, 10);
/// `organizationIdentifier` (X.520; CA/B EV Guidelines 9.2.8).
const ORGANIZATION_IDENTIFIER: ObjectIdentifier = child(db::rfc5280::ID_AT, 97);

/// Names for the arcs above that const-oid's database does not name, in
/// the style of its names; [`name`] looks here first.
const NAMES: [(ObjectIdentifier, &str); 7] = [
    (PBES2, "id-PBES2"),
    (child(PKCS_12_PBE_IDS, 1), "pbeWithSHAAnd128BitRC4"),
    (child(PKCS_12_PBE_IDS, 2), "pbeWithSHAAnd40BitRC4"),
    (child(PKCS_12_PBE_IDS, 3), "pbeWithSHAAnd3-KeyTripleDES-CBC"),
    (child(PKCS_12_PBE_IDS, 4), "pbeWithSHAAnd2-KeyTripleDES-CBC"),
    (child(PKCS_12_PBE_IDS, 5), "pbeWithSHAAnd128BitRC2-CBC"),
    (child(PKCS_12_PBE_IDS, 6), "pbeWithSHAAnd40BitRC2-CBC"),
];

/// What `table` holds for `oid`.
pub fn lookup<T: Copy>(table: &[(ObjectIdentifier, T)], oid: &ObjectIdentifier) -> Option<T> {
    table
        .iter()
        .find(|(known, _)| known == oid)
        .map(|(_, value)| *value)
}

/// The name of `oid` (`id-kp-serverAuth`, `pbeWithSHAAnd3-KeyTripleDES-CBC`),
/// when certplay or const-oid's database has one.
pub fn name(oid: &ObjectIdentifier) -> Option<&'static str> {
    lookup(&NAMES, oid).or_else(|| database(oid))
}

/// const-oid's database (feature `oid-names`, on by default), the part of
/// it that names what certificates carry ([`names`]: 485 identifiers), which
/// the handshake lab's wasm goes without (it shows subjects, issuers and
/// dates, whose attribute names are openssl's short ones, in
/// [`ATTRIBUTE_SHORT_NAMES`]); there an OID is shown dotted.
#[cfg(feature = "oid-names")]
fn database(oid: &ObjectIdentifier) -> Option<&'static str> {
    names::NAMES
        .iter()
        .find(|(known, _)| *known == oid)
        .map(|(_, name)| *name)
}

#[cfg(not(feature = "oid-names"))]
fn database(_oid: &ObjectIdentifier) -> Option<&'static str> {
    None
}

/// The name of `oid`, or its dotted form when it has none (for messages).
pub fn describe(oid: &ObjectIdentifier) -> String {
    name(oid).map_or_else(|| oid.to_string(), str::to_owned)
}

/// The short names openssl prints for attribute types in distinguished
/// names (its `sname` table), by type.
pub const ATTRIBUTE_SHORT_NAMES: [(ObjectIdentifier, &str); 23] = [
    (rfc4519::CN, "CN"),
    (rfc4519::C, "C"),
    (rfc4519::L, "L"),
    (rfc4519::ST, "ST"),
    (rfc4519::STREET, "street"),
    (rfc4519::O, "O"),
    (rfc4519::OU, "OU"),
    (rfc4519::SN, "SN"),
    (rfc4519::SERIAL_NUMBER, "serialNumber"),
    (rfc4519::TITLE, "title"),
    (rfc4519::BUSINESS_CATEGORY, "businessCategory"),
    (rfc4519::POSTAL_CODE, "postalCode"),
    (rfc4519::GIVEN_NAME, "GN"),
    (rfc4519::INITIALS, "initials"),
    (rfc4519::DN_QUALIFIER, "dnQualifier"),
    (rfc3280::PSEUDONYM, "pseudonym"),
    (ORGANIZATION_IDENTIFIER, "organizationIdentifier"),
    (rfc3280::EMAIL_ADDRESS, "emailAddress"),
    (rfc4519::DC, "DC"),
    (rfc4519::UID, "UID"),
    (child(EV_JURISDICTION, 3), "jurisdictionC"),
    (child(EV_JURISDICTION, 2), "jurisdictionST"),
    (child(EV_JURISDICTION, 1), "jurisdictionL"),
];

/// A public key's algorithm (the subjectPublicKeyInfo's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// rsaEncryption (RFC 8017, appendix A.1).
    Rsa,
    /// id-ecPublicKey (RFC 5480, section 2.1.1), on a named curve.
    Ec,
    /// id-Ed25519 (RFC 8410, section 3).
    Ed25519,
    /// id-Ed448 (RFC 8410, section 3).
    Ed448,
}

impl KeyAlgorithm {
    const OIDS: [(ObjectIdentifier, Self); 4] = [
        (rfc5912::RSA_ENCRYPTION, Self::Rsa),
        (rfc5912::ID_EC_PUBLIC_KEY, Self::Ec),
        (rfc8410::ID_ED_25519, Self::Ed25519),
        (rfc8410::ID_ED_448, Self::Ed448),
    ];

    /// The algorithm of `oid`, if certplay knows it.
    pub fn of(oid: &ObjectIdentifier) -> Option<Self> {
        lookup(&Self::OIDS, oid)
    }

    /// Its object identifier.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Rsa => rfc5912::RSA_ENCRYPTION,
            Self::Ec => rfc5912::ID_EC_PUBLIC_KEY,
            Self::Ed25519 => rfc8410::ID_ED_25519,
            Self::Ed448 => rfc8410::ID_ED_448,
        }
    }
}

/// A named elliptic curve (RFC 5480, section 2.1.1.1; SEC 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256, secp256r1 (openssl: prime256v1).
    P256,
    /// NIST P-384, secp384r1.
    P384,
    /// NIST P-521, secp521r1.
    P521,
    /// secp256k1.
    Secp256k1,
}

impl Curve {
    const OIDS: [(ObjectIdentifier, Self); 4] = [
        (rfc5912::SECP_256_R_1, Self::P256),
        (rfc5912::SECP_384_R_1, Self::P384),
        (rfc5912::SECP_521_R_1, Self::P521),
        (SECP_256_K_1, Self::Secp256k1),
    ];

    /// The curve of `oid`, if certplay knows it.
    pub fn of(oid: &ObjectIdentifier) -> Option<Self> {
        lookup(&Self::OIDS, oid)
    }

    /// Its object identifier.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::P256 => rfc5912::SECP_256_R_1,
            Self::P384 => rfc5912::SECP_384_R_1,
            Self::P521 => rfc5912::SECP_521_R_1,
            Self::Secp256k1 => SECP_256_K_1,
        }
    }

    /// Bits of the curve's order.
    pub fn bits(self) -> u32 {
        match self {
            Self::P256 | Self::Secp256k1 => 256,
            Self::P384 => 384,
            Self::P521 => 521,
        }
    }

    /// The name openssl prints as the curve's ASN1 OID (`prime256v1`).
    pub fn openssl_name(self) -> &'static str {
        match self {
            Self::P256 => "prime256v1",
            Self::P384 => "secp384r1",
            Self::P521 => "secp521r1",
            Self::Secp256k1 => "secp256k1",
        }
    }

    /// NIST's name (`P-256`), for the NIST curves.
    pub fn nist_name(self) -> Option<&'static str> {
        match self {
            Self::P256 => Some("P-256"),
            Self::P384 => Some("P-384"),
            Self::P521 => Some("P-521"),
            Self::Secp256k1 => None,
        }
    }
}

/// The hash of a signature algorithm (a CSR's, or one webpki names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Hash {
    /// The digest of `message`.
    pub fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(message).to_vec(),
            Self::Sha384 => Sha384::digest(message).to_vec(),
            Self::Sha512 => Sha512::digest(message).to_vec(),
        }
    }
}

/// A signature algorithm (a certificate's, a CSR's, a CRL's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// ECDSA with a SHA-2 hash (RFC 5758, section 3.2).
    Ecdsa(Hash),
    /// RSA PKCS#1 v1.5 with a SHA-2 hash (RFC 8017, appendix A.2.4).
    RsaPkcs1(Hash),
    /// RSASSA-PSS (RFC 8017, appendix A.2.3); its hash is in its parameters.
    RsaPss,
    /// Ed25519 (RFC 8410).
    Ed25519,
    /// Ed448 (RFC 8410).
    Ed448,
    /// SHA-1 with RSA, ECDSA or DSA, which TLS stacks refuse.
    Sha1,
}

impl SignatureAlgorithm {
    const OIDS: [(ObjectIdentifier, Self); 12] = [
        (rfc5912::ECDSA_WITH_SHA_256, Self::Ecdsa(Hash::Sha256)),
        (rfc5912::ECDSA_WITH_SHA_384, Self::Ecdsa(Hash::Sha384)),
        (rfc5912::ECDSA_WITH_SHA_512, Self::Ecdsa(Hash::Sha512)),
        (
            rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
            Self::RsaPkcs1(Hash::Sha256),
        ),
        (
            rfc5912::SHA_384_WITH_RSA_ENCRYPTION,
            Self::RsaPkcs1(Hash::Sha384),
        ),
        (
            rfc5912::SHA_512_WITH_RSA_ENCRYPTION,
            Self::RsaPkcs1(Hash::Sha512),
        ),
        (rfc5912::ID_RSASSA_PSS, Self::RsaPss),
        (rfc8410::ID_ED_25519, Self::Ed25519),
        (rfc8410::ID_ED_448, Self::Ed448),
        (rfc5912::SHA_1_WITH_RSA_ENCRYPTION, Self::Sha1),
        (ECDSA_WITH_SHA_1, Self::Sha1),
        (rfc5912::DSA_WITH_SHA_1, Self::Sha1),
    ];

    /// The signature algorithm of `oid`, if certplay knows it.
    pub fn of(oid: &ObjectIdentifier) -> Option<Self> {
        lookup(&Self::OIDS, oid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The derived arcs are the registered ones: the PKCS#12 and PKCS#5
    /// arcs as the pkcs12 and pkcs5 crates define them, the others as
    /// their registries write them.
    #[test]
    fn derived_arcs_are_the_registered_ones() {
        #[cfg(feature = "pkcs12")]
        {
            assert_eq!(PBES2, pkcs5::pbes2::PBES2_OID);
            assert_eq!(KEY_BAG, pkcs12::PKCS_12_KEY_BAG_OID);
            assert_eq!(SHROUDED_KEY_BAG, pkcs12::PKCS_12_PKCS8_KEY_BAG_OID);
            assert_eq!(CERT_BAG, pkcs12::PKCS_12_CERT_BAG_OID);
            assert_eq!(SAFE_CONTENTS_BAG, pkcs12::PKCS_12_SAFE_CONTENTS_BAG_OID);
            assert_eq!(X509_CERTIFICATE, pkcs12::PKCS_12_X509_CERT_OID);
            assert_eq!(
                child(PKCS_12_PBE_IDS, 3),
                pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC
            );
        }
        let dotted = |oid: ObjectIdentifier| oid.to_string();
        assert_eq!(dotted(FRIENDLY_NAME), "1.2.840.113549.1.9.20");
        assert_eq!(dotted(ECDSA_WITH_SHA_1), "1.2.840.10045.4.1");
        assert_eq!(dotted(SECP_256_K_1), "1.3.132.0.10");
        assert_eq!(dotted(ORGANIZATION_IDENTIFIER), "2.5.4.97");
    }

    #[cfg(feature = "oid-names")]
    #[test]
    fn names_come_from_certplay_then_the_database() {
        assert_eq!(name(&PBES2), Some("id-PBES2"));
        assert_eq!(
            name(&db::rfc5280::ID_KP_SERVER_AUTH),
            Some("id-kp-serverAuth")
        );
        assert_eq!(describe(&child(PKCS_12, 99)), format!("{PKCS_12}.99"));
    }

    /// Every identifier certplay names is named as const-oid's whole
    /// database names it (its first name, for one with two); an LDAP
    /// schema's identifier, which no certificate carries, is shown dotted.
    #[cfg(feature = "oid-names")]
    #[test]
    fn the_names_kept_are_the_databases() {
        for (oid, kept) in names::NAMES {
            assert!(
                db::DB.find_names_for_oid(**oid).any(|n| n == *kept),
                "{oid} {kept}"
            );
            assert_eq!(database(oid), db::DB.by_oid(oid), "{oid}");
        }
        for oid in [
            db::rfc4519::UID,
            db::rfc4519::DOMAIN_COMPONENT,
            db::rfc3280::EMAIL_ADDRESS,
            db::rfc6962::CT_PRECERT_SCTS,
            db::rfc5280::ANY_POLICY,
        ] {
            assert!(database(&oid).is_some(), "{oid}");
            assert_eq!(database(&oid), db::DB.by_oid(&oid), "{oid}");
        }
        let printer = db::rfc3712::PRINTER_URI;
        assert_eq!(db::DB.by_oid(&printer), Some("printer-uri"));
        assert_eq!(describe(&printer), printer.to_string());
    }

    #[test]
    fn typed_algorithms_round_trip() {
        for algorithm in [
            KeyAlgorithm::Rsa,
            KeyAlgorithm::Ec,
            KeyAlgorithm::Ed25519,
            KeyAlgorithm::Ed448,
        ] {
            assert_eq!(KeyAlgorithm::of(&algorithm.oid()), Some(algorithm));
        }
        for curve in [Curve::P256, Curve::P384, Curve::P521, Curve::Secp256k1] {
            assert_eq!(Curve::of(&curve.oid()), Some(curve));
        }
        assert_eq!(
            SignatureAlgorithm::of(&ECDSA_WITH_SHA_1),
            Some(SignatureAlgorithm::Sha1)
        );
    }
}
