//! Issuing the blog's three certificates: a CA, a server certificate and a
//! client certificate, all X.509 v3, signed by the CA.

use std::net::IpAddr;

use rand_core::{OsRng, RngCore};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyIdMethod, KeyUsagePurpose, SanType, SerialNumber,
};
use time::{Duration, OffsetDateTime};

use crate::{Error, KeyPair, KeyType};

/// The longest validity certplay issues (about ten years).
pub const MAX_VALIDITY_DAYS: u32 = 3650;
/// The upper bound for a common name (RFC 5280, appendix A.1, ub-common-name).
const MAX_COMMON_NAME: usize = 64;

/// What to issue. [`Default`] gives the blog's set: CA `my-ca`, server
/// `localhost`, client `my-client`, ECDSA P-256, 365 days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiParams {
    /// The CA's subject common name.
    pub ca_common_name: String,
    /// The server certificate's subject common name.
    pub server_common_name: String,
    /// The server certificate's subjectAltName entries (RFC 5280, section
    /// 4.2.1.6): IP addresses become iPAddress, anything else dNSName.
    pub server_alt_names: Vec<String>,
    /// The client certificate's subject common name.
    pub client_common_name: String,
    /// The key type of all three key pairs.
    pub key_type: KeyType,
    /// Days from now until notAfter, for all three certificates.
    pub validity_days: u32,
}

impl Default for PkiParams {
    fn default() -> Self {
        Self {
            ca_common_name: "my-ca".into(),
            server_common_name: "localhost".into(),
            server_alt_names: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            client_common_name: "my-client".into(),
            key_type: KeyType::EcdsaP256,
            validity_days: 365,
        }
    }
}

/// The three key pairs of a set, for callers that make keys elsewhere (the
/// page uses WebCrypto for RSA so that the page never freezes).
#[derive(Debug)]
pub struct PkiKeys {
    /// The CA's key.
    pub ca: KeyPair,
    /// The server's key.
    pub server: KeyPair,
    /// The client's key.
    pub client: KeyPair,
}

impl PkiKeys {
    /// Generates three fresh key pairs of one type.
    pub fn generate(key_type: KeyType) -> Result<Self, Error> {
        Ok(Self {
            ca: KeyPair::generate(key_type)?,
            server: KeyPair::generate(key_type)?,
            client: KeyPair::generate(key_type)?,
        })
    }
}

/// One issued certificate with its private key.
#[derive(Clone, PartialEq, Eq)]
pub struct Issued {
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// The certificate, PEM (`-----BEGIN CERTIFICATE-----`).
    pub cert_pem: String,
    /// The private key, unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub key_pem: String,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

/// An issued set: CA, server and client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pki {
    /// The CA certificate (self-signed) and its key.
    pub ca: Issued,
    /// The server certificate and key.
    pub server: Issued,
    /// The client certificate and key.
    pub client: Issued,
}

/// One file of an issued set, under the blog's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PemFile<'a> {
    /// The file name: `ca.crt`, `ca.key`, `server.crt`, ...
    pub name: &'static str,
    /// The PEM text.
    pub contents: &'a str,
    /// True for private keys.
    pub private: bool,
    /// What the file is for, in one sentence.
    pub purpose: &'static str,
}

impl Pki {
    /// The blog's file names, in the order the blog makes them.
    pub const FILE_NAMES: [&'static str; 6] = [
        "ca.crt",
        "ca.key",
        "server.crt",
        "server.key",
        "client.crt",
        "client.key",
    ];

    /// The six files of the set under the blog's names.
    pub fn files(&self) -> [PemFile<'_>; 6] {
        let file = |name, contents, private, purpose| PemFile {
            name,
            contents,
            private,
            purpose,
        };
        [
            file("ca.crt", self.ca.cert_pem.as_str(), false, "The CA certificate: both sides trust it (server --ca, curl --cacert)."),
            file("ca.key", self.ca.key_pem.as_str(), true, "The CA's secret key: needed only to issue more certificates later. Keep it private."),
            file("server.crt", self.server.cert_pem.as_str(), false, "The server's certificate (server --cert)."),
            file("server.key", self.server.key_pem.as_str(), true, "The server's private key (server --key)."),
            file("client.crt", self.client.cert_pem.as_str(), false, "The client's certificate (curl --cert)."),
            file("client.key", self.client.key_pem.as_str(), true, "The client's private key (curl --key)."),
        ]
    }
}

impl PkiParams {
    /// Checks the parameters and issues the set with fresh keys, valid from now.
    pub fn issue(&self) -> Result<Pki, Error> {
        self.check()?;
        self.issue_with(PkiKeys::generate(self.key_type)?, OffsetDateTime::now_utc())
    }

    /// Issues the set with the given keys, valid from `not_before` for
    /// [`Self::validity_days`] days. `key_type` is not consulted: the keys
    /// are what they are.
    pub fn issue_with(&self, keys: PkiKeys, not_before: OffsetDateTime) -> Result<Pki, Error> {
        self.check()?;
        let not_before = not_before
            .replace_nanosecond(0)
            .map_err(|e| Error::input("not before", e.to_string()))?;
        let not_after = not_before + Duration::days(i64::from(self.validity_days));

        let mut ca_params = params(&self.ca_common_name, &keys.ca, not_before, not_after)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&keys.ca).map_err(Error::crypto)?;

        let mut server_params = params(
            &self.server_common_name,
            &keys.server,
            not_before,
            not_after,
        )?;
        server_params.subject_alt_names = self
            .server_alt_names
            .iter()
            .map(|name| san(name))
            .collect::<Result<_, _>>()?;
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];

        let mut client_params = params(
            &self.client_common_name,
            &keys.client,
            not_before,
            not_after,
        )?;
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];

        let issuer = Issuer::new(ca_params, &keys.ca);
        let server_cert = server_params
            .signed_by(&keys.server, &issuer)
            .map_err(Error::crypto)?;
        let client_cert = client_params
            .signed_by(&keys.client, &issuer)
            .map_err(Error::crypto)?;

        let issued = |cert: rcgen::Certificate, key: &KeyPair| -> Result<Issued, Error> {
            Ok(Issued {
                cert_der: cert.der().to_vec(),
                cert_pem: cert.pem(),
                key_pem: key.to_pkcs8_pem()?,
            })
        };
        Ok(Pki {
            ca: issued(ca_cert, &keys.ca)?,
            server: issued(server_cert, &keys.server)?,
            client: issued(client_cert, &keys.client)?,
        })
    }

    /// Checks every field; the first problem found is the error.
    pub fn check(&self) -> Result<(), Error> {
        common_name("CA common name", &self.ca_common_name)?;
        common_name("server common name", &self.server_common_name)?;
        common_name("client common name", &self.client_common_name)?;
        if self.server_alt_names.is_empty() {
            return Err(Error::input(
                "server names",
                "give at least one name (e.g. localhost): clients check the server's \
                 subjectAltName, not its common name",
            ));
        }
        for name in &self.server_alt_names {
            san(name)?;
        }
        if !(1..=MAX_VALIDITY_DAYS).contains(&self.validity_days) {
            return Err(Error::input(
                "validity days",
                format!("must be between 1 and {MAX_VALIDITY_DAYS}"),
            ));
        }
        Ok(())
    }
}

/// Splits a list of names as a person types it: commas, spaces or new lines.
pub fn split_names(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The parameters every certificate of a set shares: X.509 v3, subject CN,
/// a random positive serial, both key identifiers, the validity.
fn params(
    cn: &str,
    key: &KeyPair,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<CertificateParams, Error> {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, cn.trim());
    params.distinguished_name = name;
    params.serial_number = Some(random_serial());
    params.not_before = not_before;
    params.not_after = not_after;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.key_identifier_method = KeyIdMethod::PreSpecified(key.key_identifier());
    params.use_authority_key_identifier_extension = true;
    Ok(params)
}

/// A random, positive 128-bit serial number (RFC 5280, section 4.1.2.2:
/// positive, at most 20 octets; CA/B forum: at least 64 random bits).
fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    // Clear the sign bit so the INTEGER is positive, and set the next one so
    // the encoding keeps all 16 octets (no leading zero to strip).
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::from_slice(&bytes)
}

fn common_name(field: &str, cn: &str) -> Result<(), Error> {
    let cn = cn.trim();
    if cn.is_empty() {
        return Err(Error::input(field, "must not be empty"));
    }
    if cn.chars().count() > MAX_COMMON_NAME {
        return Err(Error::input(
            field,
            format!("at most {MAX_COMMON_NAME} characters (RFC 5280 ub-common-name)"),
        ));
    }
    if cn.chars().any(char::is_control) {
        return Err(Error::input(field, "must not contain control characters"));
    }
    Ok(())
}

/// One subjectAltName entry: an IP address, or a DNS name (a leading `*.`
/// wildcard label allowed).
fn san(name: &str) -> Result<SanType, Error> {
    let field = "server names";
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Ok(SanType::IpAddress(ip));
    }
    let host = name.strip_prefix("*.").unwrap_or(name);
    let valid_label = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if name.len() > 253 || !host.split('.').all(valid_label) {
        return Err(Error::input(
            field,
            format!(
                "{name:?} is neither an IP address nor a DNS name (letters, digits, '-' and '.'; \
                 a leading '*.' for a wildcard)"
            ),
        ));
    }
    let dns = name
        .to_ascii_lowercase()
        .try_into()
        .map_err(|_| Error::input(field, format!("{name:?} is not ASCII")))?;
    Ok(SanType::DnsName(dns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_blogs() {
        let params = PkiParams::default();
        assert_eq!(params.ca_common_name, "my-ca");
        assert_eq!(params.server_common_name, "localhost");
        assert_eq!(params.client_common_name, "my-client");
        assert_eq!(params.validity_days, 365);
        assert!(params.check().is_ok());
    }

    #[test]
    fn bad_fields_are_named() {
        let mut params = PkiParams {
            ca_common_name: "  ".into(),
            ..PkiParams::default()
        };
        assert!(params
            .check()
            .unwrap_err()
            .to_string()
            .starts_with("CA common name"));
        params.ca_common_name = "x".repeat(65);
        assert!(params.check().is_err());
        params.ca_common_name = "my-ca".into();
        params.server_alt_names = vec!["not a name!".into()];
        let err = params.check().unwrap_err().to_string();
        assert!(err.contains("not a name!"), "{err}");
        params.server_alt_names = vec![];
        assert!(params.check().is_err());
        params.server_alt_names = vec!["*.example.com".into(), "fe80::1".into()];
        assert!(params.check().is_ok());
        params.validity_days = 0;
        assert!(params.check().unwrap_err().to_string().contains("validity"));
    }

    #[test]
    fn names_split_on_commas_and_spaces() {
        assert_eq!(
            split_names(" localhost, 127.0.0.1\n::1 ,,"),
            ["localhost", "127.0.0.1", "::1"]
        );
    }

    #[test]
    fn serials_are_positive_and_distinct() {
        let a = random_serial();
        let b = random_serial();
        assert_ne!(a, b);
        let bytes = a.to_bytes();
        assert_eq!(bytes.len(), 16);
        assert!(bytes[0] & 0x80 == 0 && bytes[0] != 0);
    }
}
