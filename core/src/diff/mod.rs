//! Two certificates, two chains or two sets compared field by field
//! (version, serialNumber, signature algorithm, names, validity, key, every
//! extension with its criticality), each difference with what it does: the
//! lints one side has and the other has not ([`crate::read::lint`], their
//! words), and where no lint speaks, what the TLS stacks decide
//! ([`effect`]). `certplay diff` and the page's compare show it.
//!
//! Two single files are compared certificate by certificate in file order
//! (a chain: leaf, intermediates, root); two sets (directories, zips, or
//! the page's issued set) file by file by name, then the certificates left
//! over by what they are (root, intermediate, server, client).

mod effect;

use std::fmt;

use serde::Serialize;

use crate::escape::escape;
use crate::oid::db::rfc5280;
use crate::plan::ExtendedKeyUsage;
use crate::read::lint::{self, LintId, Severity};
use crate::read::model::{Extension, ExtensionValue, Oid};
use crate::read::{text, Certificate, Item};

pub use effect::Effect;

/// Which of the two inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The first input.
    A,
    /// The second input.
    B,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::A => "A",
            Self::B => "B",
        })
    }
}

/// A field of a certificate (RFC 5280, 4.1), or one extension by its OID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// version (4.1.2.1).
    Version,
    /// serialNumber (4.1.2.2).
    SerialNumber,
    /// signatureAlgorithm (4.1.1.2).
    SignatureAlgorithm,
    /// issuer (4.1.2.4).
    Issuer,
    /// subject (4.1.2.6).
    Subject,
    /// validity (4.1.2.5).
    Validity,
    /// subjectPublicKeyInfo (4.1.2.7).
    SubjectPublicKeyInfo,
    /// One extension (4.2), by its extnID.
    Extension(Oid),
}

impl Field {
    fn is_extension(&self, oid: crate::oid::ObjectIdentifier) -> bool {
        matches!(self, Self::Extension(id) if id.oid == oid)
    }
}

impl fmt::Display for Field {
    /// RFC 5280's names (`serialNumber`, `subjectAltName`), an unknown
    /// extension by its dotted OID.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Version => "version",
            Self::SerialNumber => "serialNumber",
            Self::SignatureAlgorithm => "signatureAlgorithm",
            Self::Issuer => "issuer",
            Self::Subject => "subject",
            Self::Validity => "validity",
            Self::SubjectPublicKeyInfo => "subjectPublicKeyInfo",
            Self::Extension(id) => {
                return match id.name {
                    Some(name) => f.write_str(
                        name.strip_prefix("id-ce-")
                            .or_else(|| name.strip_prefix("id-pe-"))
                            .unwrap_or(name),
                    ),
                    None => write!(f, "{}", id.oid),
                }
            }
        })
    }
}

/// One field that differs, its two values as text (`None`: absent), and
/// what the difference does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The field, typed.
    pub field: Field,
    /// Its name in words (`subjectAltName`).
    pub name: String,
    /// A's value (`None`: A has no such extension).
    pub a: Option<String>,
    /// B's value.
    pub b: Option<String>,
    /// What it does, most severe first.
    pub effects: Vec<Effect>,
}

impl Difference {
    /// A side's value as shown: `(absent)` when it has none.
    pub fn shown(&self, side: Side) -> String {
        let value = match side {
            Side::A => &self.a,
            Side::B => &self.b,
        };
        value
            .as_deref()
            .map_or_else(|| "(absent)".to_owned(), |v| escape(v).into_owned())
    }

    /// True when some stack refuses one side for it.
    pub fn refused(&self) -> bool {
        self.effects.iter().any(|e| e.severity == Severity::Error)
    }
}

/// What a certificate is for, as its fields say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A self-issued CA.
    Root,
    /// A CA issued by another.
    Intermediate,
    /// A TLS server certificate (serverAuth, or a DNS/IP subjectAltName).
    Server,
    /// A TLS client certificate (clientAuth).
    Client,
    /// Nothing says (an X.509 v1 leaf).
    Unknown,
}

impl Role {
    /// What `c` is for.
    pub fn of(c: &Certificate) -> Self {
        if c.is_ca() {
            return if c.self_issued() {
                Self::Root
            } else {
                Self::Intermediate
            };
        }
        let has = |purpose: ExtendedKeyUsage| {
            c.extended_key_usage()
                .is_some_and(|p| p.iter().any(|p| p.oid == purpose.oid()))
        };
        if has(ExtendedKeyUsage::ServerAuth) {
            Self::Server
        } else if has(ExtendedKeyUsage::ClientAuth) {
            Self::Client
        } else if !c.subject_alt_names().is_empty() {
            Self::Server
        } else if c.version == 1 && c.self_issued() {
            Self::Root
        } else {
            Self::Unknown
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Root => "root CA",
            Self::Intermediate => "intermediate CA",
            Self::Server => "server",
            Self::Client => "client",
            Self::Unknown => "purpose unsaid",
        })
    }
}

/// Where a compared certificate came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The file's name (in a set: its name in the directory or zip).
    pub file: String,
    /// Its position in the file, from 1.
    pub position: usize,
    /// Its subject.
    pub subject: String,
    /// What it is for.
    pub role: Role,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.position > 1 {
            write!(f, " #{}", self.position)?;
        }
        write!(f, " ({})", escape(&self.subject))
    }
}

/// Two certificates compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair {
    /// A's certificate.
    pub a: Place,
    /// B's certificate.
    pub b: Place,
    /// Every field that differs, in the certificate's order.
    pub differences: Vec<Difference>,
}

/// A file or certificate that only one side has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alone {
    /// Which side has it.
    pub side: Side,
    /// Its file name.
    pub file: String,
    /// What it is (`certificate CN=x`, `CSR`, `private key RSA-2048`).
    pub what: String,
}

/// `only in A: ca.srl (nothing certplay reads ...)`.
impl fmt::Display for Alone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "only in {}: {} ({})",
            self.side,
            escape(&self.file),
            escape(&self.what)
        )
    }
}

/// A file both sides have that holds no certificate (keys, CSRs, CRLs),
/// when what it holds differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtherFile {
    /// The file name.
    pub file: String,
    /// What A's holds.
    pub a: String,
    /// What B's holds.
    pub b: String,
}

/// `server.key: A holds private key RSA-2048, B holds private key ECDSA P-256`.
impl fmt::Display for OtherFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: A holds {}, B holds {}",
            escape(&self.file),
            escape(&self.a),
            escape(&self.b)
        )
    }
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// True when nothing differs.
    pub same: bool,
    /// The certificates compared, two by two.
    pub pairs: Vec<Pair>,
    /// Files (or certificates) only one side has.
    pub alone: Vec<Alone>,
    /// Files both have, without certificates, whose contents differ.
    pub others: Vec<OtherFile>,
}

impl Diff {
    /// How many differences in all.
    pub fn count(&self) -> usize {
        self.pairs
            .iter()
            .map(|p| p.differences.len())
            .sum::<usize>()
            .saturating_add(self.alone.len())
            .saturating_add(self.others.len())
    }

    /// `3 certificate pair(s) compared: 40 difference(s), 3 of them
    /// refused by a TLS stack`, or `...: the same`.
    pub fn summary(&self) -> String {
        let refused = self
            .pairs
            .iter()
            .flat_map(|p| &p.differences)
            .filter(|d| d.refused())
            .count();
        let verdict = if self.same {
            "the same".to_owned()
        } else {
            format!(
                "{} difference(s), {refused} of them refused by a TLS stack",
                self.count()
            )
        };
        format!(
            "{} certificate pair(s) compared: {verdict}",
            self.pairs.len()
        )
    }
}

/// `A server.crt (CN=localhost)  vs  B server.crt (CN=localhost)`.
impl fmt::Display for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "A {}  vs  B {}", self.a, self.b)
    }
}

/// One file read ([`crate::read::read`]): its name and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Its name (in a set: as listed in the directory or zip).
    pub name: String,
    /// What it holds; empty when nothing in it could be read.
    pub items: Vec<Item>,
}

/// Compares two inputs at `now` (Unix seconds, for the lints on
/// validity). One file on each side: its certificates in order (a chain);
/// more: a set, matched by file name, then by role.
pub fn files(a: &[File], b: &[File], now: i64) -> Diff {
    let mut diff = Diff {
        same: false,
        pairs: Vec::new(),
        alone: Vec::new(),
        others: Vec::new(),
    };
    if let ([one_a], [one_b]) = (a, b) {
        chain(&mut diff, one_a, one_b, now);
    } else {
        set(&mut diff, a, b, now);
    }
    diff.same = diff.count() == 0;
    diff
}

/// Two certificates at `now`.
pub fn certificates(a: &Certificate, b: &Certificate, now: i64) -> Vec<Difference> {
    let mut rows = Vec::new();
    let mut row = |field: Field, va: Option<String>, vb: Option<String>| {
        if va != vb {
            rows.push(Difference {
                name: field.to_string(),
                field,
                a: va,
                b: vb,
                effects: Vec::new(),
            });
        }
    };
    row(
        Field::Version,
        Some(format!("v{}", a.version)),
        Some(format!("v{}", b.version)),
    );
    row(
        Field::SerialNumber,
        Some(a.serial.to_string()),
        Some(b.serial.to_string()),
    );
    row(
        Field::SignatureAlgorithm,
        Some(a.signature_algorithm.to_string()),
        Some(b.signature_algorithm.to_string()),
    );
    row(
        Field::Issuer,
        Some(a.issuer.rfc4514()),
        Some(b.issuer.rfc4514()),
    );
    row(
        Field::Subject,
        Some(a.subject.rfc4514()),
        Some(b.subject.rfc4514()),
    );
    row(Field::Validity, Some(validity(a)), Some(validity(b)));
    row(Field::SubjectPublicKeyInfo, Some(key(a)), Some(key(b)));
    for id in extension_ids(a, b) {
        row(
            Field::Extension(id.clone()),
            extension_text(a, &id),
            extension_text(b, &id),
        );
    }
    let lints_a = lint::certificate(a, now);
    let lints_b = lint::certificate(b, now);
    for (side, this, other, lints, others) in [
        (Side::A, a, b, &lints_a, &lints_b),
        (Side::B, b, a, &lints_b, &lints_a),
    ] {
        for l in lints
            .iter()
            .filter(|l| !others.iter().any(|o| o.id == l.id))
        {
            let field = field_of(l.id, this);
            match rows.iter_mut().find(|r| r.field == field) {
                Some(r) => r.effects.push(Effect::of_lint(side, l)),
                // A lint whose field does not differ (the other side's
                // value is as bad, for another reason): shown where the
                // certificates differ most plainly, their version or key.
                None => {
                    if let Some(r) = rows.first_mut() {
                        r.effects.push(Effect::of_lint(side, l));
                    }
                }
            }
        }
        for r in &mut rows {
            let notes = effect::notes(&r.field, side, this, other);
            r.effects.extend(notes);
        }
    }
    for r in &mut rows {
        if r.effects.is_empty() {
            r.effects.push(effect::none(&r.field));
        }
        r.effects.sort_by_key(|e| std::cmp::Reverse(e.severity));
    }
    rows
}

/// The field a lint is about.
fn field_of(id: LintId, c: &Certificate) -> Field {
    let ext = |oid| Field::Extension(Oid::new(oid));
    match id {
        LintId::X509V1 | LintId::ExtensionsBeforeV3 | LintId::DuplicateExtension => Field::Version,
        LintId::MalformedExtension => c
            .extensions
            .iter()
            .find(|e| matches!(e.value, ExtensionValue::Malformed { .. }))
            .map_or(Field::Version, |e| Field::Extension(e.id.clone())),
        LintId::NoSubjectAltName => ext(rfc5280::ID_CE_SUBJECT_ALT_NAME),
        LintId::NoExtendedKeyUsage
        | LintId::AnyExtendedKeyUsage
        | LintId::CriticalExtendedKeyUsage
        | LintId::ExtendedKeyUsageOnRoot => ext(rfc5280::ID_CE_EXT_KEY_USAGE),
        LintId::LeafKeyCertSign | LintId::CaWithoutKeyCertSign | LintId::CaWithoutKeyUsage => {
            ext(rfc5280::ID_CE_KEY_USAGE)
        }
        LintId::CaTrueLeaf
        | LintId::CaBasicConstraintsNotCritical
        | LintId::CaWithoutBasicConstraints
        | LintId::PathLengthOnLeaf => ext(rfc5280::ID_CE_BASIC_CONSTRAINTS),
        LintId::DirectoryNameConstraints => ext(rfc5280::ID_CE_NAME_CONSTRAINTS),
        LintId::MalformedAuthorityInfoAccess => ext(rfc5280::ID_PE_AUTHORITY_INFO_ACCESS),
        LintId::RsaTooSmall | LintId::EddsaInServerChain | LintId::WeakKey => {
            Field::SubjectPublicKeyInfo
        }
        LintId::Sha1Signature | LintId::Md5Signature => Field::SignatureAlgorithm,
        LintId::ServerValidityTooLong
        | LintId::Expired
        | LintId::NotYetValid
        | LintId::ExpiringSoon
        | LintId::TrustAnchorOutsideValidity
        | LintId::UtcTimePast2049
        | LintId::GeneralizedTimeBefore2050
        | LintId::DateBefore1970 => Field::Validity,
        LintId::SerialNegative | LintId::SerialZero | LintId::SerialTooLong => Field::SerialNumber,
        LintId::EmptyIssuer => Field::Issuer,
        LintId::EmptySubjectSanNotCritical => Field::Subject,
        LintId::NoSubjectKeyIdentifier => ext(rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER),
        LintId::NoAuthorityKeyIdentifier => ext(rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER),
        LintId::CriticalKeyIdentifier | LintId::UnknownCriticalExtension => c
            .extensions
            .iter()
            .find(|e| e.critical && !crate::oid::PROCESSED_WHEN_CRITICAL.contains(&e.id.oid))
            .or_else(|| c.extensions.iter().find(|e| e.critical))
            .map_or(Field::Version, |e| Field::Extension(e.id.clone())),
    }
}

/// `2026-12-07 08:54:15 UTC to 2027-12-07 08:54:15 UTC (365 days)`.
fn validity(c: &Certificate) -> String {
    let days = c.not_after.0.saturating_sub(c.not_before.0) / 86_400;
    format!("{} to {} ({days} days)", c.not_before, c.not_after)
}

/// `RSA-2048 (SPKI SHA-256 3A:0F:…)`: the type, and which key.
fn key(c: &Certificate) -> String {
    let sha = c.public_key.spki_sha256.bytes();
    let short = crate::read::model::Hex(sha.get(..6).unwrap_or(sha).to_vec());
    format!("{} (SPKI SHA-256 {short}:…)", c.public_key.kind)
}

/// Every extension OID of `a`, then those only `b` has, each once.
fn extension_ids(a: &Certificate, b: &Certificate) -> Vec<Oid> {
    let mut ids: Vec<Oid> = Vec::new();
    for e in a.extensions.iter().chain(&b.extensions) {
        if !ids.iter().any(|i| i.oid == e.id.oid) {
            ids.push(e.id.clone());
        }
    }
    ids
}

/// An extension's value as openssl prints it on one line, `critical`
/// first when it is; `None` when `c` has no such extension.
fn extension_text(c: &Certificate, id: &Oid) -> Option<String> {
    let found: Vec<&Extension> = c.extensions.iter().filter(|e| e.id.oid == id.oid).collect();
    if found.is_empty() {
        return None;
    }
    Some(
        found
            .iter()
            .map(|e| {
                let line = text::extension_line(e);
                let head = format!("{}:", text::extension_name(&e.id));
                line.strip_prefix(&head).unwrap_or(&line).trim().to_owned()
            })
            .collect::<Vec<_>>()
            .join(" | "),
    )
}

fn certificates_of(file: &File) -> Vec<&Certificate> {
    crate::read::certificates(&file.items)
}

fn place(file: &File, position: usize, c: &Certificate) -> Place {
    Place {
        file: file.name.clone(),
        position: position.saturating_add(1),
        subject: c.subject.rfc4514(),
        role: Role::of(c),
    }
}

/// Two files' certificates, in file order.
fn chain(diff: &mut Diff, a: &File, b: &File, now: i64) {
    let (ca, cb) = (certificates_of(a), certificates_of(b));
    for i in 0..ca.len().max(cb.len()) {
        match (ca.get(i), cb.get(i)) {
            (Some(x), Some(y)) => diff.pairs.push(Pair {
                a: place(a, i, x),
                b: place(b, i, y),
                differences: certificates(x, y, now),
            }),
            (Some(x), None) => diff.alone.push(alone_cert(Side::A, a, i, x)),
            (None, Some(y)) => diff.alone.push(alone_cert(Side::B, b, i, y)),
            (None, None) => {}
        }
    }
    if ca.is_empty() && cb.is_empty() {
        other_file(diff, a, b);
    }
}

fn alone_cert(side: Side, file: &File, i: usize, c: &Certificate) -> Alone {
    let p = place(file, i, c);
    Alone {
        side,
        what: format!("certificate {} ({})", p.subject, p.role),
        file: if p.position > 1 {
            format!("{} #{}", p.file, p.position)
        } else {
            p.file
        },
    }
}

/// Two sets: files with the same name, then the certificates left over by
/// role when exactly one on each side has it.
fn set(diff: &mut Diff, a: &[File], b: &[File], now: i64) {
    let mut left_a: Vec<&File> = Vec::new();
    for fa in a {
        match b.iter().find(|fb| fb.name == fa.name) {
            Some(fb) => chain(diff, fa, fb, now),
            None => left_a.push(fa),
        }
    }
    let mut left_b: Vec<&File> = b
        .iter()
        .filter(|fb| !a.iter().any(|fa| fa.name == fb.name))
        .collect();
    let single_role = |f: &File| match certificates_of(f).as_slice() {
        [one] => Some(Role::of(one)),
        _ => None,
    };
    let mut unmatched_a = Vec::new();
    for fa in left_a {
        let role = single_role(fa).filter(|r| *r != Role::Unknown);
        let matches: Vec<usize> = left_b
            .iter()
            .enumerate()
            .filter(|(_, fb)| role.is_some() && single_role(fb) == role)
            .map(|(i, _)| i)
            .collect();
        let unique_in_a = role.is_some()
            && a.iter()
                .filter(|f| !b.iter().any(|fb| fb.name == f.name))
                .filter(|f| single_role(f) == role)
                .count()
                == 1;
        match matches.as_slice() {
            [i] if unique_in_a => {
                let fb = left_b.remove(*i);
                chain(diff, fa, fb, now);
            }
            _ => unmatched_a.push(fa),
        }
    }
    for fa in unmatched_a {
        diff.alone.push(alone_file(Side::A, fa));
    }
    for fb in left_b {
        diff.alone.push(alone_file(Side::B, fb));
    }
}

fn alone_file(side: Side, f: &File) -> Alone {
    Alone {
        side,
        file: f.name.clone(),
        what: what(f),
    }
}

/// What a file holds, in a few words.
fn what(f: &File) -> String {
    if f.items.is_empty() {
        return "not PEM or DER: nothing certplay reads".into();
    }
    f.items
        .iter()
        .map(|i| match i {
            Item::Certificate(c) => format!("certificate {}", c.subject),
            Item::Csr(c) => format!("CSR {}", c.subject),
            Item::Crl(c) => format!("CRL of {}", c.issuer),
            Item::PrivateKey(k) => match &k.kind {
                Some(kind) => format!("private key {kind}"),
                None => "private key".into(),
            },
            Item::PublicKey(k) => format!("public key {}", k.kind),
            Item::Pkcs12(_) => "PKCS#12 file".into(),
            Item::Unreadable { label, .. } => format!("unreadable {label}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Two files without certificates with the same name: what each holds.
fn other_file(diff: &mut Diff, a: &File, b: &File) {
    let (wa, wb) = (what(a), what(b));
    if wa != wb {
        diff.others.push(OtherFile {
            file: a.name.clone(),
            a: wa,
            b: wb,
        });
    }
}

#[cfg(test)]
mod tests;
