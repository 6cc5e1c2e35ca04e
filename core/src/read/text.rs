//! The text view: close to `openssl x509 -text`, `req -text` and `crl -text`
//! (same field order, openssl's extension names, hex with colons), plus
//! fingerprints. Small formatters, one per kind of thing, composed.

use std::fmt::Write;

use super::model::{Extension, ExtensionValue, GeneralName, Hex, KeyKind, Oid, PublicKey};
use super::{Certificate, Crl, Csr, Item, KeyFormat, Pkcs12, PrivateKey};
use crate::escape::escape;
use crate::oid::db::{rfc5280, rfc5912, rfc6962, rfc8410};
use crate::oid::{lookup, Curve, ObjectIdentifier};

/// Every item, one after the other, the way openssl would print each.
pub fn items(items: &[Item]) -> String {
    let mut out = String::new();
    for item in items {
        match item {
            Item::Certificate(c) => out.push_str(&certificate(c)),
            Item::Csr(c) => out.push_str(&csr(c)),
            Item::Crl(c) => out.push_str(&crl(c)),
            Item::PrivateKey(k) => out.push_str(&private_key(k)),
            Item::PublicKey(k) => {
                out.push_str("Public Key:\n");
                public_key(&mut out, k, 4);
            }
            Item::Pkcs12(p) => out.push_str(&pkcs12(p)),
            Item::Unreadable {
                label,
                block,
                error,
            } => {
                let _ = writeln!(
                    out,
                    "Block {block} ({}): unreadable: {}",
                    escape(label),
                    escape(error)
                );
            }
        }
    }
    out
}

/// One certificate, like `openssl x509 -text -noout` followed by
/// `-fingerprint -sha1` and `-sha256`.
pub fn certificate(c: &Certificate) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "Certificate:\n    Data:");
    let _ = writeln!(
        o,
        "        Version: {} (0x{:x})",
        c.version,
        c.version.saturating_sub(1)
    );
    serial(&mut o, &c.serial);
    let _ = writeln!(
        o,
        "        Signature Algorithm: {}",
        algorithm(&c.signature_algorithm)
    );
    let _ = writeln!(o, "        Issuer: {}", c.issuer.openssl());
    let _ = writeln!(o, "        Validity");
    let _ = writeln!(o, "            Not Before: {}", c.not_before.openssl());
    let _ = writeln!(o, "            Not After : {}", c.not_after.openssl());
    let _ = writeln!(o, "        Subject: {}", c.subject.openssl());
    let _ = writeln!(o, "        Subject Public Key Info:");
    public_key(&mut o, &c.public_key, 12);
    if !c.extensions.is_empty() {
        let _ = writeln!(o, "        X509v3 extensions:");
        for e in &c.extensions {
            extension(&mut o, e, 12);
        }
    }
    signature(&mut o, &c.signature_algorithm, &c.signature);
    let _ = writeln!(o, "SHA1 Fingerprint={}", c.sha1_fingerprint);
    let _ = writeln!(o, "SHA256 Fingerprint={}", c.sha256_fingerprint);
    o
}

/// One CSR, like `openssl req -text -noout`.
pub fn csr(c: &Csr) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "Certificate Request:\n    Data:");
    let _ = writeln!(o, "        Version: 1 (0x0)");
    let _ = writeln!(o, "        Subject: {}", c.subject.openssl());
    let _ = writeln!(o, "        Subject Public Key Info:");
    public_key(&mut o, &c.public_key, 12);
    let _ = writeln!(o, "        Attributes:");
    if c.requested_extensions.is_empty() && c.other_attributes.is_empty() {
        let _ = writeln!(o, "            (none)");
    }
    for a in &c.other_attributes {
        let _ = writeln!(o, "            {a}");
    }
    if !c.requested_extensions.is_empty() {
        let _ = writeln!(o, "            Requested Extensions:");
        for e in &c.requested_extensions {
            extension(&mut o, e, 16);
        }
    }
    signature(&mut o, &c.signature_algorithm, &c.signature);
    o
}

/// One CRL, like `openssl crl -text -noout`.
pub fn crl(c: &Crl) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "Certificate Revocation List (CRL):");
    let _ = writeln!(
        o,
        "        Version {} (0x{:x})",
        c.version,
        c.version.saturating_sub(1)
    );
    let _ = writeln!(
        o,
        "        Signature Algorithm: {}",
        algorithm(&c.signature_algorithm)
    );
    let _ = writeln!(o, "        Issuer: {}", c.issuer.openssl());
    let _ = writeln!(o, "        Last Update: {}", c.this_update.openssl());
    match c.next_update {
        Some(t) => {
            let _ = writeln!(o, "        Next Update: {}", t.openssl());
        }
        None => {
            let _ = writeln!(o, "        Next Update: NONE");
        }
    }
    if !c.extensions.is_empty() {
        let _ = writeln!(o, "        CRL extensions:");
        for e in &c.extensions {
            extension(&mut o, e, 12);
        }
    }
    if c.revoked.is_empty() {
        let _ = writeln!(o, "No Revoked Certificates.");
    } else {
        let _ = writeln!(o, "Revoked Certificates:");
        for r in &c.revoked {
            let _ = writeln!(o, "    Serial Number: {}", plain_hex(r.serial.bytes()));
            let _ = writeln!(o, "        Revocation Date: {}", r.date.openssl());
            if let Some(reason) = r.reason {
                let _ = writeln!(
                    o,
                    "        CRL entry extensions:\n            X509v3 CRL Reason Code:\n                {}",
                    reason_text(reason)
                );
            }
        }
    }
    signature(&mut o, &c.signature_algorithm, &c.signature);
    o
}

/// A PKCS#12 file, like `openssl pkcs12 -info` says it (MAC, each part's
/// encryption), then what it holds, each item as on its own.
pub fn pkcs12(p: &Pkcs12) -> String {
    let mut o = String::from("PKCS#12:\n");
    match &p.mac {
        Some(mac) => {
            let _ = writeln!(o, "    MAC: {}, Iteration {}", mac.digest, mac.iterations);
        }
        None => {
            let _ = writeln!(o, "    MAC: none (nothing proves the file was not altered)");
        }
    }
    for part in &p.parts {
        let _ = writeln!(o, "    {}: {}", part.holds, part.encryption);
    }
    match &p.locked {
        Some(why) => {
            let _ = writeln!(o, "    Contents: not shown: {why}");
        }
        None => {
            let _ = writeln!(o, "    Contents: {} item(s)", p.contents.len());
            o.push_str(&items(&p.contents));
        }
    }
    o
}

/// A private key: what it is, never the secret.
pub fn private_key(k: &PrivateKey) -> String {
    let mut o = String::new();
    let format = match k.format {
        KeyFormat::Pkcs8 => "PKCS#8",
        KeyFormat::Pkcs1 => "PKCS#1",
        KeyFormat::Sec1 => "SEC1",
        KeyFormat::EncryptedPkcs8 => "encrypted PKCS#8",
    };
    let _ = writeln!(o, "Private Key ({format}; the secret is not shown):");
    match &k.kind {
        Some(kind) => {
            let _ = writeln!(o, "    Type: {kind} ({} bit)", kind.bits());
        }
        None => {
            let _ = writeln!(o, "    Type: unknown until decrypted");
        }
    }
    if let Some(scheme) = &k.encryption {
        let _ = writeln!(o, "    Encryption: {scheme}");
    }
    match &k.public_key_sha256 {
        Some(h) => {
            let _ = writeln!(o, "    Public key SHA-256 (SubjectPublicKeyInfo): {h}");
        }
        None => {
            let _ = writeln!(o, "    Public key: not derivable here");
        }
    }
    o
}

fn serial(o: &mut String, serial: &Hex) {
    let bytes = serial.bytes();
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    // openssl prints serials that fit in a long as decimal and hex.
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if !negative && trimmed.len() < 8 {
        let value = trimmed.iter().fold(0u64, |a, b| {
            a.saturating_mul(256).saturating_add(u64::from(*b))
        });
        let _ = writeln!(o, "        Serial Number: {value} (0x{value:x})");
    } else {
        let _ = writeln!(
            o,
            "        Serial Number:{}",
            if negative { " (Negative)" } else { "" }
        );
        let _ = writeln!(o, "            {}", lower(bytes));
    }
}

/// openssl's names for algorithms, where they are not const-oid's.
const ALGORITHM_NAMES: [(ObjectIdentifier, &str); 5] = [
    (rfc8410::ID_ED_25519, "ED25519"),
    (rfc8410::ID_ED_448, "ED448"),
    (rfc5912::ID_RSASSA_PSS, "rsassaPss"),
    (rfc5912::ID_EC_PUBLIC_KEY, "id-ecPublicKey"),
    (rfc5912::RSA_ENCRYPTION, "rsaEncryption"),
];

/// openssl's names for authorityInfoAccess methods.
const ACCESS_METHODS: [(ObjectIdentifier, &str); 2] = [
    (rfc5280::ID_AD_OCSP, "OCSP"),
    (rfc5280::ID_AD_CA_ISSUERS, "CA Issuers"),
];

fn algorithm(oid: &Oid) -> String {
    named_in(&ALGORITHM_NAMES, oid)
}

fn public_key(o: &mut String, k: &PublicKey, indent: usize) {
    let pad = " ".repeat(indent);
    match &k.kind {
        KeyKind::Rsa { bits, exponent } => {
            let _ = writeln!(o, "{pad}Public Key Algorithm: rsaEncryption");
            let _ = writeln!(o, "{pad}    Public-Key: ({bits} bit)");
            let _ = writeln!(o, "{pad}    Modulus:");
            let mut modulus = k.rsa_modulus.clone();
            if modulus.first().is_some_and(|b| b & 0x80 != 0) {
                modulus.insert(0, 0);
            }
            dump(o, &modulus, indent.saturating_add(8), 15);
            let _ = writeln!(o, "{pad}    Exponent: {exponent} (0x{exponent:x})");
        }
        KeyKind::Ec { curve, bits } => {
            let _ = writeln!(o, "{pad}Public Key Algorithm: id-ecPublicKey");
            let _ = writeln!(o, "{pad}    Public-Key: ({bits} bit)");
            let _ = writeln!(o, "{pad}    pub:");
            dump(o, &k.bits, indent.saturating_add(8), 15);
            let (asn1, nist) = match Curve::of(&curve.oid) {
                Some(known) => (known.openssl_name().to_owned(), known.nist_name()),
                None => (curve.to_string(), None),
            };
            let _ = writeln!(o, "{pad}    ASN1 OID: {asn1}");
            if let Some(nist) = nist {
                let _ = writeln!(o, "{pad}    NIST CURVE: {nist}");
            }
        }
        KeyKind::Ed25519 | KeyKind::Ed448 => {
            let name = if matches!(k.kind, KeyKind::Ed25519) {
                "ED25519"
            } else {
                "ED448"
            };
            let _ = writeln!(o, "{pad}Public Key Algorithm: {name}");
            let _ = writeln!(o, "{pad}    {name} Public-Key:");
            let _ = writeln!(o, "{pad}    pub:");
            dump(o, &k.bits, indent.saturating_add(8), 15);
        }
        KeyKind::Other { algorithm: a } => {
            let _ = writeln!(o, "{pad}Public Key Algorithm: {a}");
            dump(o, &k.bits, indent.saturating_add(4), 15);
        }
    }
    let _ = writeln!(o, "{pad}SHA-256 of SubjectPublicKeyInfo: {}", k.spki_sha256);
}

/// openssl's names for extensions.
const EXTENSION_NAMES: [(ObjectIdentifier, &str); 16] = [
    (
        rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
        "X509v3 Subject Key Identifier",
    ),
    (rfc5280::ID_CE_KEY_USAGE, "X509v3 Key Usage"),
    (
        rfc5280::ID_CE_SUBJECT_ALT_NAME,
        "X509v3 Subject Alternative Name",
    ),
    (
        rfc5280::ID_CE_ISSUER_ALT_NAME,
        "X509v3 Issuer Alternative Name",
    ),
    (rfc5280::ID_CE_BASIC_CONSTRAINTS, "X509v3 Basic Constraints"),
    (rfc5280::ID_CE_CRL_NUMBER, "X509v3 CRL Number"),
    (rfc5280::ID_CE_CRL_REASONS, "X509v3 CRL Reason Code"),
    (rfc5280::ID_CE_NAME_CONSTRAINTS, "X509v3 Name Constraints"),
    (
        rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS,
        "X509v3 CRL Distribution Points",
    ),
    (
        rfc5280::ID_CE_CERTIFICATE_POLICIES,
        "X509v3 Certificate Policies",
    ),
    (
        rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
        "X509v3 Authority Key Identifier",
    ),
    (
        rfc5280::ID_CE_POLICY_CONSTRAINTS,
        "X509v3 Policy Constraints",
    ),
    (rfc5280::ID_CE_EXT_KEY_USAGE, "X509v3 Extended Key Usage"),
    (
        rfc5280::ID_CE_INHIBIT_ANY_POLICY,
        "X509v3 Inhibit Any Policy",
    ),
    (
        rfc5280::ID_PE_AUTHORITY_INFO_ACCESS,
        "Authority Information Access",
    ),
    (rfc6962::CT_PRECERT_SCTS, "CT Precertificate SCTs"),
];

/// openssl's words for extKeyUsage purposes.
const PURPOSE_TEXTS: [(ObjectIdentifier, &str); 7] = [
    (rfc5280::ID_KP_SERVER_AUTH, "TLS Web Server Authentication"),
    (rfc5280::ID_KP_CLIENT_AUTH, "TLS Web Client Authentication"),
    (rfc5280::ID_KP_CODE_SIGNING, "Code Signing"),
    (rfc5280::ID_KP_EMAIL_PROTECTION, "E-mail Protection"),
    (rfc5280::ID_KP_TIME_STAMPING, "Time Stamping"),
    (rfc5280::ID_KP_OCSP_SIGNING, "OCSP Signing"),
    (rfc5280::ANY_EXTENDED_KEY_USAGE, "Any Extended Key Usage"),
];

/// The name `table` gives `oid`, or its own (const-oid's name or dotted).
fn named_in(table: &[(ObjectIdentifier, &str)], oid: &Oid) -> String {
    lookup(table, &oid.oid).map_or_else(|| oid.to_string(), str::to_owned)
}

/// openssl's name for an extension.
pub fn extension_name(id: &Oid) -> String {
    named_in(&EXTENSION_NAMES, id)
}

/// openssl's words for a keyUsage bit.
fn key_usage_text(bit: &str) -> &str {
    match bit {
        "digitalSignature" => "Digital Signature",
        "nonRepudiation" => "Non Repudiation",
        "keyEncipherment" => "Key Encipherment",
        "dataEncipherment" => "Data Encipherment",
        "keyAgreement" => "Key Agreement",
        "keyCertSign" => "Certificate Sign",
        "cRLSign" => "CRL Sign",
        "encipherOnly" => "Encipher Only",
        "decipherOnly" => "Decipher Only",
        other => other,
    }
}

/// openssl's words for an extKeyUsage purpose.
pub fn purpose_text(p: &Oid) -> String {
    named_in(&PURPOSE_TEXTS, p)
}

fn reason_text(reason: &str) -> &str {
    match reason {
        "unspecified" => "Unspecified",
        "keyCompromise" => "Key Compromise",
        "cACompromise" => "CA Compromise",
        "affiliationChanged" => "Affiliation Changed",
        "superseded" => "Superseded",
        "cessationOfOperation" => "Cessation Of Operation",
        "certificateHold" => "Certificate Hold",
        "removeFromCRL" => "Remove From CRL",
        "privilegeWithdrawn" => "Privilege Withdrawn",
        "aACompromise" => "AA Compromise",
        other => other,
    }
}

fn names(names: &[GeneralName]) -> String {
    names
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One extension on one line (`X509v3 Key Usage: critical Digital
/// Signature`), for reports that list several.
pub fn extension_line(e: &Extension) -> String {
    let mut o = String::new();
    extension(&mut o, e, 0);
    let mut lines = o.lines().map(str::trim);
    let head = lines.next().unwrap_or_default();
    let rest: Vec<&str> = lines.collect();
    format!("{head} {}", rest.join(" ")).trim().to_owned()
}

fn extension(o: &mut String, e: &Extension, indent: usize) {
    let pad = " ".repeat(indent);
    let inner = " ".repeat(indent.saturating_add(4));
    let critical = if e.critical { " critical" } else { "" };
    let _ = writeln!(o, "{pad}{}:{critical}", extension_name(&e.id));
    match &e.value {
        ExtensionValue::BasicConstraints {
            ca,
            path_len_constraint,
        } => {
            let _ = write!(o, "{inner}CA:{}", if *ca { "TRUE" } else { "FALSE" });
            if let Some(n) = path_len_constraint {
                let _ = write!(o, ", pathlen:{n}");
            }
            o.push('\n');
        }
        ExtensionValue::KeyUsage(bits) => {
            let words: Vec<&str> = bits.iter().map(|b| key_usage_text(b)).collect();
            let _ = writeln!(o, "{inner}{}", words.join(", "));
        }
        ExtensionValue::ExtendedKeyUsage(p) => {
            let words: Vec<String> = p.iter().map(purpose_text).collect();
            let _ = writeln!(o, "{inner}{}", words.join(", "));
        }
        ExtensionValue::SubjectAltName(n) | ExtensionValue::IssuerAltName(n) => {
            let _ = writeln!(o, "{inner}{}", names(n));
        }
        ExtensionValue::SubjectKeyIdentifier(id) => {
            let _ = writeln!(o, "{inner}{id}");
        }
        ExtensionValue::AuthorityKeyIdentifier {
            key_identifier,
            issuer,
            serial,
        } => {
            if let Some(id) = key_identifier {
                let _ = writeln!(o, "{inner}{id}");
            }
            if !issuer.is_empty() {
                let _ = writeln!(o, "{inner}{}", names(issuer));
            }
            if let Some(s) = serial {
                let _ = writeln!(o, "{inner}{s}");
            }
        }
        ExtensionValue::CertificatePolicies(policies) => {
            for p in policies {
                let _ = writeln!(o, "{inner}Policy: {}", p.id.oid);
                for cps in &p.cps {
                    let _ = writeln!(o, "{inner}  CPS: {}", escape(cps));
                }
            }
        }
        ExtensionValue::CrlDistributionPoints(points) => {
            let _ = writeln!(o, "{inner}Full Name:");
            for p in points {
                let _ = writeln!(o, "{inner}  {p}");
            }
        }
        ExtensionValue::AuthorityInfoAccess(access) => {
            for (method, location) in access {
                let method = named_in(&ACCESS_METHODS, method);
                let _ = writeln!(o, "{inner}{method} - {location}");
            }
        }
        ExtensionValue::NameConstraints {
            permitted,
            excluded,
        } => {
            if !permitted.is_empty() {
                let _ = writeln!(o, "{inner}Permitted:");
                for n in permitted {
                    let _ = writeln!(o, "{inner}  {n}");
                }
            }
            if !excluded.is_empty() {
                let _ = writeln!(o, "{inner}Excluded:");
                for n in excluded {
                    let _ = writeln!(o, "{inner}  {n}");
                }
            }
        }
        ExtensionValue::CrlNumber(n) => {
            let _ = writeln!(o, "{inner}{}", plain_hex(n.bytes()));
        }
        ExtensionValue::CrlReason(r) => {
            let _ = writeln!(o, "{inner}{}", reason_text(r));
        }
        ExtensionValue::Unknown(value) => dump(o, value.bytes(), indent.saturating_add(4), 18),
        ExtensionValue::Malformed { error, value } => {
            let _ = writeln!(o, "{inner}<malformed: {error}>");
            dump(o, value.bytes(), indent.saturating_add(4), 18);
        }
    }
}

fn signature(o: &mut String, algorithm_oid: &Oid, sig: &Hex) {
    let _ = writeln!(o, "    Signature Algorithm: {}", algorithm(algorithm_oid));
    let _ = writeln!(o, "    Signature Value:");
    dump(o, sig.bytes(), 8, 18);
}

/// Lower-case colon hex, `per_line` bytes a line, like openssl's dumps.
fn dump(o: &mut String, bytes: &[u8], indent: usize, per_line: usize) {
    let pad = " ".repeat(indent);
    let lines: Vec<&[u8]> = bytes.chunks(per_line.max(1)).collect();
    let count = lines.len();
    for (i, chunk) in lines.into_iter().enumerate() {
        let _ = writeln!(
            o,
            "{pad}{}{}",
            lower(chunk),
            if i.saturating_add(1) < count { ":" } else { "" }
        );
    }
}

fn lower(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Upper-case hex without separators (openssl's CRL serials, `-serial`).
pub fn plain_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
