//! Reading anything a person might paste: PEM (several blocks, text around
//! them, CRLF, no final newline) or DER, told apart without flags, into the
//! typed model of [`model`]; views in [`text`] and serde; lints in [`lint`].

mod cert;
pub(crate) mod early_time;
mod file;
pub mod lint;
mod lint_id;
pub mod model;
mod other;
pub mod other_stacks;
mod pkcs12;
mod s_client;
pub mod stacks;
pub mod text;

use base64::Engine;
use serde::Serialize;

pub(crate) use cert::name;
pub use cert::{read_name, Certificate};
pub(crate) use file::{encoded, kind_of_label, named, not_der_of, Encoded};
pub use file::{read_certificates, read_crls, read_csr, ReadCertificate, Source, MAX_INPUT};
pub use other::{Crl, Csr, KeyFormat, PrivateKey, Revoked};
#[cfg(feature = "pkcs12")]
pub use pkcs12::pkcs12_identity;
pub use pkcs12::{Pkcs12, Pkcs12Mac, Pkcs12Part};
pub use s_client::{parse_oneline, read_s_client, SClient};

use crate::Error;
use model::PublicKey;

/// One thing found in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Item {
    /// An X.509 certificate.
    Certificate(Box<Certificate>),
    /// A PKCS#10 certificate signing request.
    Csr(Box<Csr>),
    /// A certificate revocation list.
    Crl(Box<Crl>),
    /// A private key (its secret is never kept).
    PrivateKey(PrivateKey),
    /// A public key on its own.
    PublicKey(PublicKey),
    /// A PKCS#12 file (`.p12`/`.pfx`): how it is protected, and what it
    /// holds when opened with its password ([`read_with_password`]).
    Pkcs12(Box<Pkcs12>),
    /// A block that could not be read; the others still are.
    Unreadable {
        /// The PEM label, or "DER".
        label: String,
        /// Which block (1-based) of the input.
        block: usize,
        /// Why.
        error: String,
    },
}

/// Reads every artifact in `bytes`. `name` is used in errors. Fails only when
/// nothing at all can be read; a bad block among good ones becomes
/// [`Item::Unreadable`].
pub fn read(name: &str, bytes: &[u8]) -> Result<Vec<Item>, Error> {
    read_with_password(name, bytes, None)
}

/// [`read`], opening a PKCS#12 file with `password` (its outer structure is
/// read without one).
pub fn read_with_password(
    name: &str,
    bytes: &[u8],
    password: Option<&str>,
) -> Result<Vec<Item>, Error> {
    let source = Source::new(name, bytes);
    let blocks = match encoded(&source)? {
        Encoded::Pem(blocks) => blocks,
        Encoded::Der(der) => return read_der(name, der, password).map(|item| vec![item]),
    };
    Ok(blocks
        .into_iter()
        .enumerate()
        .map(|(i, block)| {
            let index = i.saturating_add(1);
            let unreadable = |error: String| Item::Unreadable {
                label: block.label.clone(),
                block: index,
                error,
            };
            match block.der {
                Err(e) => unreadable(e),
                Ok(der) => {
                    read_labelled(&block.label, &der).unwrap_or_else(|e| unreadable(e.to_string()))
                }
            }
        })
        .collect())
}

/// Only the certificates among `items`.
pub fn certificates(items: &[Item]) -> Vec<&Certificate> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Certificate(c) => Some(&**c),
            _ => None,
        })
        .collect()
}

fn read_labelled(label: &str, der: &[u8]) -> Result<Item, Error> {
    Ok(match label {
        "CERTIFICATE" | "X509 CERTIFICATE" => {
            Item::Certificate(Box::new(Certificate::from_der(der)?))
        }
        // OpenSSL's "trusted certificate": a certificate followed by trust settings.
        "TRUSTED CERTIFICATE" => {
            let cert = first_tlv(der).unwrap_or(der);
            Item::Certificate(Box::new(Certificate::from_der(cert)?))
        }
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
            Item::Csr(Box::new(Csr::from_der(der)?))
        }
        "X509 CRL" => Item::Crl(Box::new(Crl::from_der(der)?)),
        "PRIVATE KEY" => Item::PrivateKey(PrivateKey::from_der(der, KeyFormat::Pkcs8)?),
        "RSA PRIVATE KEY" => Item::PrivateKey(PrivateKey::from_der(der, KeyFormat::Pkcs1)?),
        "EC PRIVATE KEY" => Item::PrivateKey(PrivateKey::from_der(der, KeyFormat::Sec1)?),
        "ENCRYPTED PRIVATE KEY" => {
            Item::PrivateKey(PrivateKey::from_der(der, KeyFormat::EncryptedPkcs8)?)
        }
        "PUBLIC KEY" => Item::PublicKey(other::spki_from_der(der)?),
        other => {
            return Err(Error::Malformed {
                what: format!("-----BEGIN {other}-----"),
                reason: "certplay does not read this kind of PEM block".into(),
            })
        }
    })
}

/// DER has no label: try each structure, most common first.
pub(crate) fn read_der(name: &str, der: &[u8], password: Option<&str>) -> Result<Item, Error> {
    if let Ok(cert) = Certificate::from_der(der) {
        return Ok(Item::Certificate(Box::new(cert)));
    }
    if let Ok(csr) = Csr::from_der(der) {
        return Ok(Item::Csr(Box::new(csr)));
    }
    if let Ok(crl) = Crl::from_der(der) {
        return Ok(Item::Crl(Box::new(crl)));
    }
    for format in [
        KeyFormat::Pkcs8,
        KeyFormat::Pkcs1,
        KeyFormat::Sec1,
        KeyFormat::EncryptedPkcs8,
    ] {
        if let Ok(key) = PrivateKey::from_der(der, format) {
            return Ok(Item::PrivateKey(key));
        }
    }
    if let Ok(key) = other::spki_from_der(der) {
        return Ok(Item::PublicKey(key));
    }
    if let Some(p12) = pkcs12::read(der, password) {
        return p12.map(|p| Item::Pkcs12(Box::new(p)));
    }
    // Say why it is not a certificate: the most likely thing it was meant to be.
    let reason = match Certificate::from_der(der) {
        Err(Error::Malformed { reason, .. }) => reason,
        Err(e) => e.to_string(),
        Ok(_) => String::new(),
    };
    Err(Error::Malformed {
        what: name.into(),
        reason: if der.first() == Some(&0x30) {
            format!(
                "DER that is none of certificate, CSR, CRL, private or public key, \
                 PKCS#12 (as a certificate: {reason})"
            )
        } else {
            "neither PEM (no -----BEGIN line) nor DER (DER starts with byte 0x30)".into()
        },
    })
}

/// The first DER TLV of `der`, when its length can be read.
pub(crate) fn first_tlv(der: &[u8]) -> Option<&[u8]> {
    use x509_cert::der::{Decode, Header, Reader, SliceReader};
    let mut reader = SliceReader::new(der).ok()?;
    let header = Header::decode(&mut reader).ok()?;
    let total = (header.length + reader.position()).ok()?;
    der.get(..usize::try_from(total).ok()?)
}

pub(crate) struct PemBlock {
    /// The label between `-----BEGIN ` and `-----`.
    pub label: String,
    /// The decoded contents, or why they could not be decoded.
    pub der: Result<Vec<u8>, String>,
    /// RFC 1421 headers say `Proc-Type: 4,ENCRYPTED` (OpenSSL's legacy
    /// encryption of a key).
    pub legacy_encrypted: bool,
}

/// Every `-----BEGIN X-----` ... `-----END X-----` block, with whatever text
/// sits around them ignored. A block whose base64 is broken is kept with the
/// error, so that the others are still read.
pub(crate) fn pem_blocks(bytes: &[u8]) -> Vec<PemBlock> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let mut blocks = Vec::new();
    let mut rest = bytes;
    while let Some(start) = find(rest, BEGIN) {
        let after = rest
            .get(start.saturating_add(BEGIN.len())..)
            .unwrap_or_default();
        let Some(label_end) = find(after, b"-----") else {
            break;
        };
        let label_bytes = after.get(..label_end).unwrap_or_default();
        let label = String::from_utf8_lossy(label_bytes).trim().to_owned();
        let body_start = after.get(label_end.saturating_add(5)..).unwrap_or_default();
        let end_marker = [b"-----END ", label_bytes, b"-----"].concat();
        let Some(end) = find(body_start, &end_marker) else {
            break;
        };
        let body = body_start.get(..end).unwrap_or_default();
        blocks.push(PemBlock {
            der: decode_body(body),
            legacy_encrypted: legacy_encrypted(body),
            label,
        });
        rest = body_start
            .get(end.saturating_add(end_marker.len())..)
            .unwrap_or_default();
    }
    blocks
}

/// True when the block's RFC 1421 headers say `Proc-Type: 4,ENCRYPTED`.
fn legacy_encrypted(body: &[u8]) -> bool {
    String::from_utf8_lossy(body)
        .lines()
        .any(|l| l.trim_start().starts_with("Proc-Type:") && l.contains("ENCRYPTED"))
}

fn decode_body(body: &[u8]) -> Result<Vec<u8>, String> {
    let text = String::from_utf8_lossy(body);
    // RFC 1421 headers (Proc-Type, DEK-Info) end with a blank line.
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let has_headers = lines.iter().any(|l| l.contains(':'));
    let base64: String = lines
        .iter()
        .skip_while(|l| has_headers && !l.is_empty())
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    if has_headers && text.contains("ENCRYPTED") {
        return Err(
            "an encrypted legacy PEM key (Proc-Type: 4,ENCRYPTED); convert it with \
                    openssl pkey -in FILE -out plain.key"
                .into(),
        );
    }
    base64::engine::general_purpose::STANDARD
        .decode(base64.as_bytes())
        .map_err(|e| format!("broken base64 inside the PEM block: {e}"))
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests;
