//! Reading a certificate back from its DER: what the page shows and what the
//! server logs, named as in RFC 5280.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_cert::certificate::{CertificateInner, Raw, Version};
use x509_cert::der::oid::AssociatedOid;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName};
use x509_cert::ext::Extension;

use crate::Error;

/// What a certificate says, read from its DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// 1, 2 or 3 (RFC 5280, section 4.1.2.1).
    pub version: u8,
    /// serialNumber as colon-separated hex, like `openssl x509 -text`.
    pub serial: String,
    /// subject as an RFC 4514 string (`CN=localhost`).
    pub subject: String,
    /// issuer as an RFC 4514 string.
    pub issuer: String,
    /// validity.notBefore, seconds since the Unix epoch.
    pub not_before: i64,
    /// validity.notAfter, seconds since the Unix epoch.
    pub not_after: i64,
    /// subjectAltName entries as `DNS:localhost`, `IP:127.0.0.1`, ...
    pub subject_alt_names: Vec<String>,
    /// basicConstraints cA, if the extension is present.
    pub is_ca: Option<bool>,
    /// keyUsage bits by their RFC 5280 names (`digitalSignature`, ...).
    pub key_usage: Vec<String>,
    /// extKeyUsage purposes by name (`serverAuth`, `clientAuth`) or OID.
    pub extended_key_usage: Vec<String>,
    /// The subject public key, described (`ECDSA P-256`, `RSA-2048`).
    pub public_key: String,
    /// The signature algorithm, by name (`ecdsa-with-SHA256`).
    pub signature_algorithm: String,
    /// SHA-256 of the whole DER, colon-separated hex.
    pub sha256_fingerprint: String,
    /// Extensions that could not be read: the rest is still shown.
    pub problems: Vec<String>,
}

impl CertInfo {
    /// Reads a DER certificate. Never panics, whatever the bytes.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let cert = CertificateInner::<Raw>::from_der(der).map_err(|e| Error::Malformed {
            what: "certificate".into(),
            reason: e.to_string(),
        })?;
        let tbs = &cert.tbs_certificate;
        let version = match tbs.version {
            Version::V1 => 1,
            Version::V2 => 2,
            Version::V3 => 3,
        };
        let mut info = Self {
            version,
            serial: colon_hex(tbs.serial_number.as_bytes()),
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            not_before: unix(tbs.validity.not_before.to_unix_duration()),
            not_after: unix(tbs.validity.not_after.to_unix_duration()),
            subject_alt_names: Vec::new(),
            is_ca: None,
            key_usage: Vec::new(),
            extended_key_usage: Vec::new(),
            public_key: public_key_description(&tbs.subject_public_key_info),
            signature_algorithm: oid_name(&cert.signature_algorithm.oid.to_string()),
            sha256_fingerprint: colon_hex(&Sha256::digest(der)),
            problems: Vec::new(),
        };
        for ext in tbs.extensions.iter().flatten() {
            if let Err(e) = info.read_extension(ext) {
                info.problems.push(format!(
                    "extension {}: malformed: {e}",
                    oid_name(&ext.extn_id.to_string())
                ));
            }
        }
        Ok(info)
    }

    fn read_extension(&mut self, ext: &Extension) -> Result<(), x509_cert::der::Error> {
        let value = ext.extn_value.as_bytes();
        match ext.extn_id {
            SubjectAltName::OID => {
                self.subject_alt_names = SubjectAltName::from_der(value)?
                    .0
                    .iter()
                    .map(general_name)
                    .collect();
            }
            BasicConstraints::OID => self.is_ca = Some(BasicConstraints::from_der(value)?.ca),
            KeyUsage::OID => {
                let usage = KeyUsage::from_der(value)?;
                self.key_usage = KEY_USAGE_NAMES
                    .iter()
                    .filter(|(flag, _)| usage.0.contains(*flag))
                    .map(|(_, name)| (*name).to_owned())
                    .collect();
            }
            ExtendedKeyUsage::OID => {
                self.extended_key_usage = ExtendedKeyUsage::from_der(value)?
                    .0
                    .iter()
                    .map(|oid| oid_name(&oid.to_string()))
                    .collect();
            }
            _ => {}
        }
        Ok(())
    }

    /// The subject's common name, if it has one.
    pub fn common_name(&self) -> Option<&str> {
        self.subject
            .split(',')
            .find_map(|rdn| rdn.trim().strip_prefix("CN="))
    }

    /// True when subject and issuer are the same name (a root).
    pub fn self_issued(&self) -> bool {
        self.subject == self.issuer
    }

    /// True when the certificate is valid at `now` (Unix seconds).
    pub fn valid_at(&self, now: i64) -> bool {
        (self.not_before..=self.not_after).contains(&now)
    }

    /// notBefore as `2026-11-27 09:34:27 UTC`.
    pub fn not_before_text(&self) -> String {
        format_time(self.not_before)
    }

    /// notAfter as `2027-11-27 09:34:27 UTC`.
    pub fn not_after_text(&self) -> String {
        format_time(self.not_after)
    }
}

/// Formats Unix seconds as `2026-11-27 09:34:27 UTC`.
pub fn format_time(unix_seconds: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| format!("{unix_seconds} s after 1970"))
}

const KEY_USAGE_NAMES: [(x509_cert::ext::pkix::KeyUsages, &str); 9] = {
    use x509_cert::ext::pkix::KeyUsages as K;
    [
        (K::DigitalSignature, "digitalSignature"),
        (K::NonRepudiation, "nonRepudiation"),
        (K::KeyEncipherment, "keyEncipherment"),
        (K::DataEncipherment, "dataEncipherment"),
        (K::KeyAgreement, "keyAgreement"),
        (K::KeyCertSign, "keyCertSign"),
        (K::CRLSign, "cRLSign"),
        (K::EncipherOnly, "encipherOnly"),
        (K::DecipherOnly, "decipherOnly"),
    ]
};

fn unix(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn general_name(name: &GeneralName) -> String {
    match name {
        GeneralName::DnsName(dns) => format!("DNS:{}", dns.as_str()),
        GeneralName::IpAddress(octets) => match octets.as_bytes() {
            &[a, b, c, d] => format!("IP:{}", std::net::Ipv4Addr::new(a, b, c, d)),
            bytes => match <[u8; 16]>::try_from(bytes) {
                Ok(v6) => format!("IP:{}", std::net::Ipv6Addr::from(v6)),
                Err(_) => format!("IP:<{} bytes>", bytes.len()),
            },
        },
        GeneralName::Rfc822Name(mail) => format!("email:{}", mail.as_str()),
        GeneralName::UniformResourceIdentifier(uri) => format!("URI:{}", uri.as_str()),
        GeneralName::DirectoryName(dn) => format!("DirName:{dn}"),
        GeneralName::RegisteredId(oid) => format!("RID:{oid}"),
        GeneralName::OtherName(other) => format!("othername:{}", other.type_id),
        GeneralName::EdiPartyName(_) => "EdiPartyName".into(),
    }
}

fn public_key_description(spki: &x509_cert::spki::SubjectPublicKeyInfoOwned) -> String {
    let algorithm = spki.algorithm.oid.to_string();
    match algorithm.as_str() {
        "1.2.840.113549.1.1.1" => {
            use rsa::pkcs8::DecodePublicKey;
            use rsa::traits::PublicKeyParts;
            spki.to_der()
                .ok()
                .and_then(|der| rsa::RsaPublicKey::from_public_key_der(&der).ok())
                .map_or_else(
                    || "RSA (unreadable)".into(),
                    |k| format!("RSA-{}", k.size() * 8),
                )
        }
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<x509_cert::der::asn1::ObjectIdentifier>().ok())
                .map(|oid| oid_name(&oid.to_string()))
                .unwrap_or_else(|| "unknown curve".into());
            format!("ECDSA {curve}")
        }
        other => oid_name(other),
    }
}

/// The name of a well-known OID, or the dotted OID itself.
fn oid_name(oid: &str) -> String {
    match oid {
        "1.3.6.1.5.5.7.3.1" => "serverAuth",
        "1.3.6.1.5.5.7.3.2" => "clientAuth",
        "1.3.6.1.5.5.7.3.3" => "codeSigning",
        "1.3.6.1.5.5.7.3.4" => "emailProtection",
        "1.3.6.1.5.5.7.3.8" => "timeStamping",
        "1.3.6.1.5.5.7.3.9" => "OCSPSigning",
        "2.5.29.37.0" => "anyExtendedKeyUsage",
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "2.5.29.17" => "subjectAltName",
        "2.5.29.19" => "basicConstraints",
        "2.5.29.15" => "keyUsage",
        "2.5.29.37" => "extKeyUsage",
        other => return other.to_owned(),
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::blog_set;

    #[test]
    fn reads_back_what_was_issued() {
        let pki = blog_set::issue("my-ca");
        let ca = CertInfo::from_der(&pki.ca.cert_der).unwrap();
        assert_eq!(ca.version, 3);
        assert_eq!(ca.subject, "CN=my-ca");
        assert!(ca.self_issued());
        assert_eq!(ca.is_ca, Some(true));
        assert!(ca.key_usage.contains(&"keyCertSign".to_owned()));
        assert!(ca.key_usage.contains(&"cRLSign".to_owned()));
        assert_eq!(ca.public_key, "ECDSA P-256");
        assert_eq!(ca.signature_algorithm, "ecdsa-with-SHA256");

        let server = CertInfo::from_der(&pki.server.cert_der).unwrap();
        assert_eq!(server.common_name(), Some("localhost"));
        assert_eq!(server.issuer, "CN=my-ca");
        assert_eq!(
            server.subject_alt_names,
            ["DNS:localhost", "IP:127.0.0.1", "IP:::1"]
        );
        assert_eq!(server.extended_key_usage, ["serverAuth"]);
        assert_eq!(server.is_ca, Some(false));
        // 365 days from issuing, notBefore an hour before it.
        assert_eq!(server.not_after - server.not_before, 365 * 86_400 + 3600);
        assert!(server.problems.is_empty());

        let client = CertInfo::from_der(&pki.client.cert_der).unwrap();
        assert_eq!(client.subject, "CN=my-client");
        assert_eq!(client.extended_key_usage, ["clientAuth"]);
        assert_ne!(client.serial, server.serial);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let pki = blog_set::issue("my-ca");
        let der = &pki.server.cert_der;
        for len in 0..der.len() {
            let cut = der.get(..len).unwrap();
            assert!(CertInfo::from_der(cut).is_err(), "{len} bytes parsed");
        }
        for i in 0..der.len() {
            let mut flipped = der.clone();
            if let Some(b) = flipped.get_mut(i) {
                *b ^= 0xff;
            }
            let _ = CertInfo::from_der(&flipped);
        }
    }

    #[test]
    fn times_are_formatted_like_a_log() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00 UTC");
    }
}
