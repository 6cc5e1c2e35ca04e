//! The blog's set as its seven openssl commands make it
//! (`tests/blog-commands.sh`, OpenSSL 3.0 with Debian's `openssl.cnf`),
//! made here so that the page can put it beside certplay's own at any
//! date, where it cannot run openssl.
//!
//! Field by field what OpenSSL 3.0 writes:
//! - `ca.crt` (`openssl req -new -x509 -nodes -days 365 -subj '/CN=my-ca'`):
//!   X.509 v3, a random positive serial of up to 159 bits, subject and
//!   issuer `CN=my-ca` (UTF8String), valid from now for 365 days, and
//!   `openssl.cnf`'s `v3_ca`: subjectKeyIdentifier (SHA-1 of the key),
//!   authorityKeyIdentifier (its keyIdentifier only), basicConstraints
//!   critical CA:TRUE; no keyUsage.
//! - `server.crt` and `client.crt` (`openssl x509 -req -CA ca.crt -CAkey
//!   ca.key -CAcreateserial -days 365`, no `-extfile`): X.509 v1 without
//!   any extension, subject `CN=localhost` and `CN=my-client`; the server's
//!   serial is random (the new `ca.srl`), the client's the next one.
//!
//! Every key is RSA-2048 and signs with sha256WithRSAEncryption. What two
//! runs of the commands make differently (keys, serials, dates,
//! signatures) differs here too; tests/tests/diff.rs runs the commands and
//! checks that nothing else does.

use rand_core::{OsRng, RngCore};
use sha1::{Digest, Sha1};
use time::OffsetDateTime;

use super::{KeyPair, KeyType};
use crate::Error;

/// `openssl x509 -days 365` and `req -x509 -days 365`: from now on.
const DAYS: i64 = 365;

/// One file of the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlogFile {
    /// The blog's file name: `ca.crt`, `server.crt`, `client.crt`.
    pub name: &'static str,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// The same as PEM, as openssl writes it.
    pub pem: String,
}

/// The RSA-2048 keys the blog's commands make: `ca.key`, `server.key`,
/// `client.key`.
#[derive(Debug)]
pub struct BlogKeys {
    /// `ca.key` (`req -nodes` makes it).
    pub ca: KeyPair,
    /// `server.key` (`genrsa 2048`).
    pub server: KeyPair,
    /// `client.key` (`genrsa 2048`).
    pub client: KeyPair,
}

impl BlogKeys {
    /// Three fresh RSA-2048 keys (natively; the page brings WebCrypto's).
    pub fn generate() -> Result<Self, Error> {
        Ok(Self {
            ca: KeyPair::generate(KeyType::Rsa2048)?,
            server: KeyPair::generate(KeyType::Rsa2048)?,
            client: KeyPair::generate(KeyType::Rsa2048)?,
        })
    }
}

/// `ca.crt`, `server.crt` and `client.crt` as the blog's commands make them
/// at `now` (Unix seconds) with `keys`, which must be RSA-2048.
pub fn blog_openssl_set(keys: &BlogKeys, now: i64) -> Result<[BlogFile; 3], Error> {
    for (name, key) in [
        ("ca.key", &keys.ca),
        ("server.key", &keys.server),
        ("client.key", &keys.client),
    ] {
        if key.key_type() != KeyType::Rsa2048 {
            return Err(Error::input(
                name,
                format!(
                    "is {}: the blog's commands make RSA-2048 keys",
                    key.description()
                ),
            ));
        }
    }
    let ca_name = cn("my-ca");
    let ca_id = Sha1::digest(rcgen::PublicKeyData::der_bytes(&keys.ca)).to_vec();
    let validity = validity(now)?;
    // v3_ca: subjectKeyIdentifier=hash, authorityKeyIdentifier=keyid:always
    // (its keyIdentifier only, for a self-signed CA), basicConstraints =
    // critical,CA:true.
    let extensions = [
        extension(SUBJECT_KEY_IDENTIFIER, false, &tlv(0x04, &ca_id)),
        extension(
            AUTHORITY_KEY_IDENTIFIER,
            false,
            &tlv(0x30, &tlv(0x80, &ca_id)),
        ),
        extension(BASIC_CONSTRAINTS, true, &tlv(0x30, &tlv(0x01, &[0xff]))),
    ]
    .concat();
    let tbs = |v3: bool, serial: &[u8], subject: &[u8], key: &KeyPair| -> Result<Vec<u8>, Error> {
        let mut body = Vec::new();
        if v3 {
            // [0] EXPLICIT Version v3 (2); v1 is the default, left out.
            body.extend(tlv(0xa0, &tlv(0x02, &[0x02])));
        }
        body.extend(integer(serial));
        body.extend(SHA256_WITH_RSA);
        body.extend(&ca_name);
        body.extend(&validity);
        body.extend(subject);
        body.extend(key.public_key_info_der()?);
        if v3 {
            body.extend(tlv(0xa3, &tlv(0x30, &extensions)));
        }
        Ok(tlv(0x30, &body))
    };
    // -CAcreateserial: a random serial in ca.srl, then the next one.
    let server_serial = random_serial();
    let client_serial = next(&server_serial);
    Ok([
        signed(
            "ca.crt",
            &tbs(true, &random_serial(), &ca_name, &keys.ca)?,
            &keys.ca,
        )?,
        signed(
            "server.crt",
            &tbs(false, &server_serial, &cn("localhost"), &keys.server)?,
            &keys.ca,
        )?,
        signed(
            "client.crt",
            &tbs(false, &client_serial, &cn("my-client"), &keys.client)?,
            &keys.ca,
        )?,
    ])
}

/// sha256WithRSAEncryption with its NULL parameters.
const SHA256_WITH_RSA: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00,
];
/// 2.5.29.14, 2.5.29.35, 2.5.29.19 (RFC 5280, 4.2.1).
const SUBJECT_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1d, 0x0e];
const AUTHORITY_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1d, 0x23];
const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];

/// One DER element: tag, definite length, content.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let length = content.len();
    match u8::try_from(length) {
        Ok(short) if short < 0x80 => out.push(short),
        _ => {
            let bytes: Vec<u8> = length
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | u8::try_from(bytes.len()).unwrap_or(0x7f));
            out.extend(bytes);
        }
    }
    out.extend_from_slice(content);
    out
}

/// A positive INTEGER of these big-endian bytes, in its shortest form.
fn integer(bytes: &[u8]) -> Vec<u8> {
    let mut content: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if content.first().is_none_or(|b| *b & 0x80 != 0) {
        content.insert(0, 0);
    }
    tlv(0x02, &content)
}

/// Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue }.
fn extension(id: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let critical = if critical {
        tlv(0x01, &[0xff])
    } else {
        Vec::new()
    };
    tlv(0x30, &[tlv(0x06, id), critical, tlv(0x04, value)].concat())
}

/// The Name `CN=value`, a UTF8String as OpenSSL 3 writes `-subj`.
fn cn(value: &str) -> Vec<u8> {
    let attribute = tlv(
        0x30,
        &[tlv(0x06, &[0x55, 0x04, 0x03]), tlv(0x0c, value.as_bytes())].concat(),
    );
    tlv(0x30, &tlv(0x31, &attribute))
}

/// 159 random bits, as OpenSSL 3's `rand_serial` draws them (positive,
/// leading zero octets dropped when encoded).
fn random_serial() -> [u8; 20] {
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    if let Some(first) = bytes.first_mut() {
        *first &= 0x7f;
    }
    bytes
}

/// `serial + 1`, as `-CAcreateserial` counts in `ca.srl`.
fn next(serial: &[u8; 20]) -> [u8; 20] {
    let mut out = *serial;
    for byte in out.iter_mut().rev() {
        let (sum, carry) = byte.overflowing_add(1);
        *byte = sum;
        if !carry {
            break;
        }
    }
    out
}

/// From `now` for 365 days: Validity, UTCTime through 2049 and
/// GeneralizedTime after, as OpenSSL writes them.
fn validity(now: i64) -> Result<Vec<u8>, Error> {
    let end = now.saturating_add(DAYS * 86_400);
    Ok(tlv(0x30, &[time(now)?, time(end)?].concat()))
}

fn time(seconds: i64) -> Result<Vec<u8>, Error> {
    let at = OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|e| Error::input("the blog's set", format!("no such time: {e}")))?;
    let rest = format!(
        "{:02}{:02}{:02}{:02}{:02}Z",
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    Ok(match at.year() {
        year @ 1950..=2049 => tlv(0x17, format!("{:02}{rest}", year % 100).as_bytes()),
        year @ 0..=9999 => tlv(0x18, format!("{year:04}{rest}").as_bytes()),
        _ => return Err(Error::input("the blog's set", "a year outside 0-9999")),
    })
}

/// `tbs` signed by `issuer` with sha256WithRSAEncryption: its file.
fn signed(name: &'static str, tbs: &[u8], issuer: &KeyPair) -> Result<BlogFile, Error> {
    let signature = rcgen::SigningKey::sign(issuer, tbs)
        .map_err(|e| Error::Crypto(format!("signing {name}: {e}")))?;
    let mut bits = vec![0];
    bits.extend(signature);
    let der = tlv(0x30, &[tbs, SHA256_WITH_RSA, &tlv(0x03, &bits)].concat());
    Ok(BlogFile {
        name,
        pem: super::csr::pem_text("CERTIFICATE", &der),
        der,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_serial_carries() {
        let mut serial = [0u8; 20];
        serial[18] = 0x01;
        serial[19] = 0xff;
        let next = next(&serial);
        assert_eq!((next[18], next[19]), (0x02, 0x00));
    }

    #[test]
    fn the_set_reads_back_as_the_blogs_commands_make_it() {
        let now = 1_796_601_600; // 2026-12-07
        let files = blog_openssl_set(&BlogKeys::generate().unwrap(), now).unwrap();
        let [ca, server, client] = files.map(|f| {
            let read = crate::read::Certificate::from_der(&f.der).unwrap();
            (f.name, read)
        });
        assert_eq!(
            [ca.0, server.0, client.0],
            ["ca.crt", "server.crt", "client.crt"]
        );
        let (ca, server, client) = (ca.1, server.1, client.1);
        assert_eq!([ca.version, server.version, client.version], [3, 1, 1]);
        assert_eq!(ca.basic_constraints(), Some((true, None)));
        assert!(ca.key_usage().is_none());
        assert_eq!(ca.subject_key_id(), ca.authority_key_id());
        assert!(server.extensions.is_empty() && client.extensions.is_empty());
        assert_eq!(server.subject.to_string(), "CN=localhost");
        assert_eq!(client.issuer.to_string(), "CN=my-ca");
        assert_eq!(next_of(&server.serial.0), client.serial.0);
        for c in [&ca, &server, &client] {
            assert_eq!((c.not_before.0, c.not_after.0), (now, now + 365 * 86_400));
        }
        // A moment past 2049 is written as GeneralizedTime, as OpenSSL does.
        let late = blog_openssl_set(&BlogKeys::generate().unwrap(), 2_524_608_000).unwrap();
        let ca = crate::read::Certificate::from_der(&late[0].der).unwrap();
        assert_eq!(
            ca.validity_encoding,
            [
                crate::read::model::TimeEncoding::GeneralizedTime,
                crate::read::model::TimeEncoding::GeneralizedTime
            ]
        );
    }

    fn next_of(serial: &[u8]) -> Vec<u8> {
        let mut bytes = [0u8; 20];
        let start = 20 - serial.len();
        bytes[start..].copy_from_slice(serial);
        let next = next(&bytes);
        next.iter().copied().skip_while(|b| *b == 0).collect()
    }

    #[test]
    fn other_keys_are_refused() {
        let keys = BlogKeys {
            ca: KeyPair::generate(KeyType::EcdsaP256).unwrap(),
            server: KeyPair::generate(KeyType::EcdsaP256).unwrap(),
            client: KeyPair::generate(KeyType::EcdsaP256).unwrap(),
        };
        let refused = blog_openssl_set(&keys, 1_800_000_000).unwrap_err();
        assert!(refused.to_string().contains("RSA-2048"), "{refused}");
    }
}
