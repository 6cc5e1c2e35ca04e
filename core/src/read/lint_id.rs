//! Every lint's stable id, with the rule it checks and its fix in one
//! line: what [`super::lint`] finds, [`super::stacks`] says other TLS stacks
//! decide about, and the page and JSON name.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a lint found; its JSON (and [`fmt::Display`]) is its stable short
/// name, `x509-v1`, `expiring-soon`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LintId {
    /// An X.509 v1 (or v2) certificate: no extensions.
    #[serde(rename = "x509-v1")]
    X509V1,
    /// An extension that does not parse.
    MalformedExtension,
    /// An extension that appears more than once.
    DuplicateExtension,
    /// A server certificate without subjectAltName.
    NoSubjectAltName,
    /// An end entity without extKeyUsage.
    NoExtendedKeyUsage,
    /// keyUsage keyCertSign on an end entity.
    LeafKeyCertSign,
    /// A CA whose keyUsage lacks keyCertSign.
    CaWithoutKeyCertSign,
    /// A CA without keyUsage.
    CaWithoutKeyUsage,
    /// CA:TRUE on what looks like a server or client certificate.
    CaTrueLeaf,
    /// An RSA key under 2048 bits.
    RsaTooSmall,
    /// An EdDSA key where browsers need ECDSA or RSA.
    EddsaInServerChain,
    /// A SHA-1 signature.
    Sha1Signature,
    /// A server certificate valid for more than 398 days.
    ServerValidityTooLong,
    /// Past its notAfter.
    Expired,
    /// Before its notBefore.
    NotYetValid,
    /// Within 30 days of its notAfter.
    ExpiringSoon,
    /// A negative serialNumber.
    SerialNegative,
    /// A serialNumber of zero.
    SerialZero,
    /// A serialNumber of more than 20 octets.
    SerialTooLong,
    /// A CA without subjectKeyIdentifier.
    NoSubjectKeyIdentifier,
    /// No authorityKeyIdentifier on a certificate a CA issued.
    NoAuthorityKeyIdentifier,
    /// subjectKeyIdentifier or authorityKeyIdentifier marked critical.
    CriticalKeyIdentifier,
    /// An extension marked critical that no TLS stack here processes.
    UnknownCriticalExtension,
    /// anyExtendedKeyUsage on a certificate that is not a CA.
    AnyExtendedKeyUsage,
    /// An empty issuer name.
    EmptyIssuer,
    /// An empty subject with a subjectAltName not marked critical.
    EmptySubjectSanNotCritical,
    /// A CA whose basicConstraints is not marked critical.
    CaBasicConstraintsNotCritical,
    /// extKeyUsage marked critical.
    CriticalExtendedKeyUsage,
    /// extKeyUsage on a root CA.
    ExtendedKeyUsageOnRoot,
    /// A P-192 or DSA key.
    WeakKey,
    /// An MD5 signature.
    Md5Signature,
    /// nameConstraints on directory names.
    DirectoryNameConstraints,
    /// A pathLenConstraint on a certificate that is not a CA.
    PathLengthOnLeaf,
    /// A root CA (a trust anchor) outside its validity period.
    TrustAnchorOutsideValidity,
    /// An authorityInfoAccess that does not parse.
    MalformedAuthorityInfoAccess,
    /// A date past 2049 written as UTCTime (it reads as 1950 to 1999).
    #[serde(rename = "utc-time-past-2049")]
    UtcTimePast2049,
    /// A date before 2050 written as GeneralizedTime.
    #[serde(rename = "generalized-time-before-2050")]
    GeneralizedTimeBefore2050,
    /// A validity date before 1970, which rustls/webpki cannot read.
    #[serde(rename = "date-before-1970")]
    DateBefore1970,
    /// An X.509 v1 or v2 certificate with extensions.
    ExtensionsBeforeV3,
    /// A self-issued certificate with keyCertSign but no basicConstraints.
    CaWithoutBasicConstraints,
}

impl LintId {
    /// Every lint.
    pub const ALL: [Self; 40] = [
        Self::X509V1,
        Self::MalformedExtension,
        Self::DuplicateExtension,
        Self::NoSubjectAltName,
        Self::NoExtendedKeyUsage,
        Self::LeafKeyCertSign,
        Self::CaWithoutKeyCertSign,
        Self::CaWithoutKeyUsage,
        Self::CaTrueLeaf,
        Self::RsaTooSmall,
        Self::EddsaInServerChain,
        Self::Sha1Signature,
        Self::ServerValidityTooLong,
        Self::Expired,
        Self::NotYetValid,
        Self::ExpiringSoon,
        Self::SerialNegative,
        Self::SerialZero,
        Self::SerialTooLong,
        Self::NoSubjectKeyIdentifier,
        Self::NoAuthorityKeyIdentifier,
        Self::CriticalKeyIdentifier,
        Self::UnknownCriticalExtension,
        Self::AnyExtendedKeyUsage,
        Self::EmptyIssuer,
        Self::EmptySubjectSanNotCritical,
        Self::CaBasicConstraintsNotCritical,
        Self::CriticalExtendedKeyUsage,
        Self::ExtendedKeyUsageOnRoot,
        Self::WeakKey,
        Self::Md5Signature,
        Self::DirectoryNameConstraints,
        Self::PathLengthOnLeaf,
        Self::TrustAnchorOutsideValidity,
        Self::MalformedAuthorityInfoAccess,
        Self::UtcTimePast2049,
        Self::GeneralizedTimeBefore2050,
        Self::DateBefore1970,
        Self::ExtensionsBeforeV3,
        Self::CaWithoutBasicConstraints,
    ];

    /// Its stable short name, as JSON writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::X509V1 => "x509-v1",
            Self::MalformedExtension => "malformed-extension",
            Self::DuplicateExtension => "duplicate-extension",
            Self::NoSubjectAltName => "no-subject-alt-name",
            Self::NoExtendedKeyUsage => "no-extended-key-usage",
            Self::LeafKeyCertSign => "leaf-key-cert-sign",
            Self::CaWithoutKeyCertSign => "ca-without-key-cert-sign",
            Self::CaWithoutKeyUsage => "ca-without-key-usage",
            Self::CaTrueLeaf => "ca-true-leaf",
            Self::RsaTooSmall => "rsa-too-small",
            Self::EddsaInServerChain => "eddsa-in-server-chain",
            Self::Sha1Signature => "sha1-signature",
            Self::ServerValidityTooLong => "server-validity-too-long",
            Self::Expired => "expired",
            Self::NotYetValid => "not-yet-valid",
            Self::ExpiringSoon => "expiring-soon",
            Self::SerialNegative => "serial-negative",
            Self::SerialZero => "serial-zero",
            Self::SerialTooLong => "serial-too-long",
            Self::NoSubjectKeyIdentifier => "no-subject-key-identifier",
            Self::NoAuthorityKeyIdentifier => "no-authority-key-identifier",
            Self::CriticalKeyIdentifier => "critical-key-identifier",
            Self::UnknownCriticalExtension => "unknown-critical-extension",
            Self::AnyExtendedKeyUsage => "any-extended-key-usage",
            Self::EmptyIssuer => "empty-issuer",
            Self::EmptySubjectSanNotCritical => "empty-subject-san-not-critical",
            Self::CaBasicConstraintsNotCritical => "ca-basic-constraints-not-critical",
            Self::CriticalExtendedKeyUsage => "critical-extended-key-usage",
            Self::ExtendedKeyUsageOnRoot => "extended-key-usage-on-root",
            Self::WeakKey => "weak-key",
            Self::Md5Signature => "md5-signature",
            Self::DirectoryNameConstraints => "directory-name-constraints",
            Self::PathLengthOnLeaf => "path-length-on-leaf",
            Self::TrustAnchorOutsideValidity => "trust-anchor-outside-validity",
            Self::MalformedAuthorityInfoAccess => "malformed-authority-info-access",
            Self::UtcTimePast2049 => "utc-time-past-2049",
            Self::GeneralizedTimeBefore2050 => "generalized-time-before-2050",
            Self::DateBefore1970 => "date-before-1970",
            Self::ExtensionsBeforeV3 => "extensions-before-v3",
            Self::CaWithoutBasicConstraints => "ca-without-basic-constraints",
        }
    }

    /// The rule it checks: an RFC section or a CA/B Baseline Requirements
    /// section.
    pub fn rule(self) -> &'static str {
        match self {
            Self::X509V1 => "RFC 5280 4.1.2.1",
            Self::MalformedExtension => "RFC 5280 4.2",
            Self::DuplicateExtension => "RFC 5280 4.2",
            Self::NoSubjectAltName => "CA/B BR 7.1.2.7.12; RFC 6125 6.4.4",
            Self::NoExtendedKeyUsage => "CA/B BR 7.1.2.7.10",
            Self::LeafKeyCertSign => "RFC 5280 4.2.1.3",
            Self::CaWithoutKeyCertSign => "RFC 5280 4.2.1.3",
            Self::CaWithoutKeyUsage => "RFC 5280 4.2.1.3; CA/B BR 7.1.2.1",
            Self::CaTrueLeaf => "RFC 5280 4.2.1.9",
            Self::RsaTooSmall => "CA/B BR 6.1.5",
            Self::EddsaInServerChain => "CA/B BR 6.1.5",
            Self::Sha1Signature => "CA/B BR 7.1.3.2",
            Self::ServerValidityTooLong => "CA/B BR 6.3.2",
            Self::Expired => "RFC 5280 4.1.2.5",
            Self::NotYetValid => "RFC 5280 4.1.2.5",
            Self::ExpiringSoon => "RFC 5280 4.1.2.5",
            Self::SerialNegative | Self::SerialZero => "RFC 5280 4.1.2.2",
            Self::SerialTooLong => "RFC 5280 4.1.2.2",
            Self::NoSubjectKeyIdentifier => "RFC 5280 4.2.1.2",
            Self::NoAuthorityKeyIdentifier => "RFC 5280 4.2.1.1",
            Self::CriticalKeyIdentifier => "RFC 5280 4.2.1.1; RFC 5280 4.2.1.2",
            Self::UnknownCriticalExtension => "RFC 5280 4.2",
            Self::AnyExtendedKeyUsage => "RFC 5280 4.2.1.12; CA/B BR 7.1.2.7.10",
            Self::EmptyIssuer => "RFC 5280 4.1.2.4",
            Self::EmptySubjectSanNotCritical => "RFC 5280 4.1.2.6; RFC 5280 4.2.1.6",
            Self::CaBasicConstraintsNotCritical => "RFC 5280 4.2.1.9",
            Self::CriticalExtendedKeyUsage => "CA/B BR 7.1.2.7.10",
            Self::ExtendedKeyUsageOnRoot => "CA/B BR 7.1.2.1.2",
            Self::WeakKey => "CA/B BR 6.1.5; NIST SP 800-131A",
            Self::Md5Signature => "RFC 6151; CA/B BR 7.1.3.2",
            Self::DirectoryNameConstraints => "RFC 5280 4.2.1.10",
            Self::PathLengthOnLeaf => "RFC 5280 4.2.1.9",
            Self::TrustAnchorOutsideValidity => "RFC 5280 6.1; RFC 5937",
            Self::MalformedAuthorityInfoAccess => "RFC 5280 4.2.2.1",
            Self::UtcTimePast2049 => "RFC 5280 4.1.2.5",
            Self::GeneralizedTimeBefore2050 => "RFC 5280 4.1.2.5",
            Self::DateBefore1970 => "RFC 5280 4.1.2.5.1",
            Self::ExtensionsBeforeV3 => "RFC 5280 4.1.2.1",
            Self::CaWithoutBasicConstraints => "RFC 5280 4.2.1.9",
        }
    }

    /// How to fix it, in one line.
    pub fn fix(self) -> &'static str {
        match self {
            Self::X509V1 => "re-issue as v3 (openssl x509 -req ... -extfile with the extensions)",
            Self::MalformedExtension => {
                "re-issue the certificate with a correctly encoded extension"
            }
            Self::DuplicateExtension => "re-issue with each extension once",
            Self::NoSubjectAltName => "add subjectAltName DNS:/IP: entries for every host name",
            Self::NoExtendedKeyUsage => {
                "add extendedKeyUsage serverAuth (server) or clientAuth (client)"
            }
            Self::LeafKeyCertSign => {
                "drop keyCertSign, or make it a CA with basicConstraints CA:TRUE"
            }
            Self::CaWithoutKeyCertSign => "add keyUsage keyCertSign, cRLSign",
            Self::CaWithoutKeyUsage => "add keyUsage critical, keyCertSign, cRLSign",
            Self::CaTrueLeaf => "issue leaves with CA:FALSE and a separate CA to sign them",
            Self::RsaTooSmall => "use RSA-2048 or larger, or ECDSA P-256",
            Self::EddsaInServerChain => {
                "use ECDSA P-256 or RSA-2048 for anything a browser must trust"
            }
            Self::Sha1Signature => "re-issue with SHA-256 (openssl ... -sha256)",
            Self::ServerValidityTooLong => "issue server certificates for 398 days or less",
            Self::Expired => "re-issue it",
            Self::NotYetValid => "check the clocks, or re-issue with an earlier notBefore",
            Self::ExpiringSoon => "re-issue it before it expires",
            Self::SerialNegative | Self::SerialZero => {
                "re-issue with a positive random serial (openssl x509 -req ... -CAcreateserial)"
            }
            Self::SerialTooLong => "re-issue with a serial of at most 20 octets",
            Self::NoSubjectKeyIdentifier => "add subjectKeyIdentifier = hash",
            Self::NoAuthorityKeyIdentifier => "add authorityKeyIdentifier = keyid",
            Self::CriticalKeyIdentifier => {
                "re-issue with the key identifiers not critical \
                 (subjectKeyIdentifier = hash, authorityKeyIdentifier = keyid)"
            }
            Self::UnknownCriticalExtension => {
                "re-issue with that extension not critical, or without it"
            }
            Self::AnyExtendedKeyUsage => {
                "name the purposes instead: extendedKeyUsage serverAuth (server) or \
                 clientAuth (client)"
            }
            Self::EmptyIssuer => "re-issue from a CA whose subject names it (e.g. CN=my-ca)",
            Self::EmptySubjectSanNotCritical => {
                "give it a subject (e.g. CN=the host name), or mark subjectAltName critical"
            }
            Self::CaBasicConstraintsNotCritical => {
                "re-issue with basicConstraints = critical, CA:TRUE"
            }
            Self::CriticalExtendedKeyUsage => {
                "re-issue with extendedKeyUsage not critical (extendedKeyUsage = serverAuth)"
            }
            Self::ExtendedKeyUsageOnRoot => {
                "re-issue the root without extendedKeyUsage; put purposes on intermediates \
                 and leaves"
            }
            Self::WeakKey => "use ECDSA P-256 or RSA-2048 or larger",
            Self::Md5Signature => "re-issue with SHA-256 (openssl ... -sha256)",
            Self::DirectoryNameConstraints => {
                "constrain DNS names and IP addresses instead (nameConstraints = \
                 critical, permitted;DNS:example.com)"
            }
            Self::PathLengthOnLeaf => {
                "re-issue with basicConstraints = critical, CA:FALSE (pathlen only on CAs)"
            }
            Self::TrustAnchorOutsideValidity => {
                "re-issue the root (same key and name keeps its certificates valid), \
                 and distribute the new one"
            }
            Self::MalformedAuthorityInfoAccess => {
                "re-issue with authorityInfoAccess = caIssuers;URI:http://..., or without it"
            }
            Self::UtcTimePast2049 => {
                "re-issue with the date as GeneralizedTime (openssl and certplay do this \
                 for dates past 2049)"
            }
            Self::GeneralizedTimeBefore2050 => {
                "re-issue with dates before 2050 as UTCTime (openssl and certplay do this)"
            }
            Self::DateBefore1970 => "re-issue it with dates from 1970 on",
            Self::ExtensionsBeforeV3 => "re-issue as v3 (version 3 is what carries extensions)",
            Self::CaWithoutBasicConstraints => {
                "re-issue the CA with basicConstraints = critical, CA:TRUE"
            }
        }
    }
}

impl fmt::Display for LintId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
