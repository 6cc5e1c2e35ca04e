//! Issue 26: what other TLS stacks decide, checked against those stacks.
//!
//! One crafted chain (root, intermediate, leaf for `localhost`) per lint,
//! made here byte by byte (keys and signatures by openssl), each wrong in
//! the one way the lint names. Every stack's verdict on each chain is
//! compared with what the lint says it is: rustls (core's verifier with
//! `certplay serve`'s provider), `openssl verify -purpose sslserver` with
//! and without `-x509_strict`, Go's crypto/x509 (a small program built
//! here), Python's `cryptography` verifier, Node's `tls` (a loopback
//! server and client) and Chromium (a real HTTPS load in headless
//! Chromium: stacks/chromium.rs) and curl (loading the same served
//! chain). A sound chain is accepted by all, so a
//! stack that refuses everything cannot pass. A disagreement fails with
//! the table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use certplay_core::read::lint::{self, LintId, Position, Stack, Stacks, Verdict};
use certplay_core::read::Certificate;
use certplay_core::verify::{self, Check, Purpose};
use time::OffsetDateTime;

#[path = "stacks/chromium.rs"]
mod chromium;

// ---------------------------------------------------------------- DER

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap());
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap());
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
    let mut body = vec![u8::try_from(arcs[0] * 40 + arcs[1]).unwrap()];
    for &arc in &arcs[2..] {
        let mut groups = vec![u8::try_from(arc & 0x7f).unwrap()];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push(0x80 | u8::try_from(rest & 0x7f).unwrap());
            rest >>= 7;
        }
        body.extend(groups.into_iter().rev());
    }
    tlv(0x06, &body)
}

fn integer(content: &[u8]) -> Vec<u8> {
    tlv(0x02, content)
}

fn octets(content: &[u8]) -> Vec<u8> {
    tlv(0x04, content)
}

/// A Name of one RDN per `(type, value)`; none is the empty name.
fn name(attributes: &[(&str, &str)]) -> Vec<u8> {
    let rdns: Vec<Vec<u8>> = attributes
        .iter()
        .map(|(kind, value)| {
            let kind = match *kind {
                "CN" => "2.5.4.3",
                "O" => "2.5.4.10",
                other => panic!("no attribute {other}"),
            };
            tlv(0x31, &seq(&[&oid(kind), &tlv(0x0c, value.as_bytes())]))
        })
        .collect();
    tlv(0x30, &rdns.concat())
}

#[derive(Clone, Copy)]
enum TimeKind {
    Utc,
    Generalized,
}

fn time_der(kind: TimeKind, at: OffsetDateTime) -> Vec<u8> {
    let text = format!(
        "{:02}{:02}{:02}{:02}{:02}Z",
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    match kind {
        TimeKind::Utc => tlv(0x17, format!("{:02}{text}", at.year() % 100).as_bytes()),
        TimeKind::Generalized => tlv(0x18, format!("{:04}{text}", at.year()).as_bytes()),
    }
}

/// An extension: its OID, critical or not, its value's DER.
fn extension(id: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    let critical = if critical {
        tlv(0x01, &[0xff])
    } else {
        Vec::new()
    };
    seq(&[&oid(id), &critical, &octets(value)])
}

const BASIC_CONSTRAINTS: &str = "2.5.29.19";
const KEY_USAGE: &str = "2.5.29.15";
const EXT_KEY_USAGE: &str = "2.5.29.37";
const SUBJECT_ALT_NAME: &str = "2.5.29.17";
const SUBJECT_KEY_ID: &str = "2.5.29.14";
const AUTHORITY_KEY_ID: &str = "2.5.29.35";
const NAME_CONSTRAINTS: &str = "2.5.29.30";
const AUTHORITY_INFO_ACCESS: &str = "1.3.6.1.5.5.7.1.1";
const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
const ANY_EKU: &str = "2.5.29.37.0";

/// An extension no stack knows, marked critical.
fn unknown_critical() -> Vec<u8> {
    extension("1.3.6.1.4.1.55555.1", true, &tlv(0x05, &[]))
}

/// nameConstraints permitting the directory names under O=Stack.
fn directory_name_constraints() -> Vec<u8> {
    let permitted = tlv(0xa0, &seq(&[&tlv(0xa4, &name(&[("O", "Stack")]))]));
    extension(NAME_CONSTRAINTS, true, &seq(&[&permitted]))
}

fn basic_constraints(critical: bool, ca: bool, path_len: Option<u8>) -> Vec<u8> {
    let ca = if ca { tlv(0x01, &[0xff]) } else { Vec::new() };
    let path_len = path_len.map(|n| integer(&[n])).unwrap_or_default();
    extension(BASIC_CONSTRAINTS, critical, &seq(&[&ca, &path_len]))
}

/// keyUsage with keyCertSign and cRLSign (a CA's).
fn ca_key_usage() -> Vec<u8> {
    extension(KEY_USAGE, true, &tlv(0x03, &[0x01, 0x06]))
}

/// keyUsage digitalSignature (a leaf's), plus keyCertSign with `cert_sign`.
fn leaf_key_usage(cert_sign: bool) -> Vec<u8> {
    let bits: &[u8] = if cert_sign {
        &[0x02, 0x84]
    } else {
        &[0x07, 0x80]
    };
    extension(KEY_USAGE, true, &tlv(0x03, bits))
}

fn server_auth(critical: bool) -> Vec<u8> {
    extension(EXT_KEY_USAGE, critical, &seq(&[&oid(SERVER_AUTH)]))
}

fn san_localhost(critical: bool) -> Vec<u8> {
    extension(
        SUBJECT_ALT_NAME,
        critical,
        &seq(&[&tlv(0x82, b"localhost")]),
    )
}

// ---------------------------------------------------------------- keys

/// A key openssl made: its file and its subjectPublicKeyInfo.
struct Key {
    file: PathBuf,
    spki: Vec<u8>,
    /// The signature algorithm's DER for `Hash`, as this key signs.
    kind: KeyKind,
    /// SHA-1 of the subjectPublicKeyInfo (a key identifier).
    id: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Ec,
    Rsa,
    Dsa,
    /// Certified here, never signing a certificate.
    Ed25519,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha256,
    Sha1,
    Md5,
}

impl Key {
    fn make(dir: &Path, name: &str, kind: KeyKind, genpkey: &[&str]) -> Self {
        let file = dir.join(format!("{name}.key"));
        let mut args = vec!["genpkey"];
        args.extend(genpkey);
        args.extend(["-out", file.to_str().unwrap()]);
        openssl(dir, &args);
        let spki_file = dir.join(format!("{name}.spki"));
        openssl(
            dir,
            &[
                "pkey",
                "-in",
                file.to_str().unwrap(),
                "-pubout",
                "-outform",
                "DER",
                "-out",
                spki_file.to_str().unwrap(),
            ],
        );
        let id = openssl(
            dir,
            &["dgst", "-sha1", "-binary", spki_file.to_str().unwrap()],
        )
        .stdout;
        Self {
            file,
            spki: std::fs::read(&spki_file).unwrap(),
            kind,
            id,
        }
    }

    fn algorithm(&self, hash: Hash) -> Vec<u8> {
        let null = tlv(0x05, &[]);
        match (self.kind, hash) {
            (KeyKind::Ec, Hash::Sha256) => seq(&[&oid("1.2.840.10045.4.3.2")]),
            (KeyKind::Ec, Hash::Sha1) => seq(&[&oid("1.2.840.10045.4.1")]),
            (KeyKind::Rsa, Hash::Sha256) => seq(&[&oid("1.2.840.113549.1.1.11"), &null]),
            (KeyKind::Rsa, Hash::Sha1) => seq(&[&oid("1.2.840.113549.1.1.5"), &null]),
            (KeyKind::Rsa, Hash::Md5) => seq(&[&oid("1.2.840.113549.1.1.4"), &null]),
            (KeyKind::Dsa, Hash::Sha256) => seq(&[&oid("2.16.840.1.101.3.4.3.2")]),
            _ => panic!("no such signature algorithm here"),
        }
    }

    fn subject_key_id(&self) -> Vec<u8> {
        extension(SUBJECT_KEY_ID, false, &octets(&self.id))
    }

    fn authority_key_id(&self) -> Vec<u8> {
        extension(AUTHORITY_KEY_ID, false, &seq(&[&tlv(0x80, &self.id)]))
    }
}

struct Keys {
    root: Key,
    intermediate: Key,
    leaf: Key,
    p192: Key,
    dsa: Key,
    dsa1024: Key,
    rsa: Key,
    rsa1024: Key,
    ed25519: Key,
}

// ---------------------------------------------------------------- certificates

/// What one certificate says, before it is signed.
#[derive(Clone)]
struct Tbs {
    version: u8,
    serial: Vec<u8>,
    subject: Vec<u8>,
    not_before: Vec<u8>,
    not_after: Vec<u8>,
    extensions: Vec<Vec<u8>>,
    /// The key it certifies (an index into `Keys::all`).
    key: Which,
    /// The hash its issuer signs it with.
    hash: Hash,
}

#[derive(Clone, Copy)]
enum Which {
    Root,
    Intermediate,
    Leaf,
    P192,
    Dsa,
    Dsa1024,
    Rsa,
    Rsa1024,
    Ed25519,
}

impl Keys {
    fn get(&self, which: Which) -> &Key {
        match which {
            Which::Root => &self.root,
            Which::Intermediate => &self.intermediate,
            Which::Leaf => &self.leaf,
            Which::P192 => &self.p192,
            Which::Dsa => &self.dsa,
            Which::Dsa1024 => &self.dsa1024,
            Which::Rsa => &self.rsa,
            Which::Rsa1024 => &self.rsa1024,
            Which::Ed25519 => &self.ed25519,
        }
    }
}

/// `tbs` signed by `issuer_key` under `issuer_name`: the certificate's DER.
fn sign(work: &Path, keys: &Keys, tbs: &Tbs, issuer_name: &[u8], issuer_key: &Key) -> Vec<u8> {
    let algorithm = issuer_key.algorithm(tbs.hash);
    let version = match tbs.version {
        1 => Vec::new(),
        v => tlv(0xa0, &integer(&[v - 1])),
    };
    let extensions = if tbs.extensions.is_empty() {
        Vec::new()
    } else {
        tlv(0xa3, &seq(&[&tbs.extensions.concat()]))
    };
    let body = seq(&[
        &version,
        &integer(&tbs.serial),
        &algorithm,
        issuer_name,
        &seq(&[&tbs.not_before, &tbs.not_after]),
        &tbs.subject,
        &keys.get(tbs.key).spki,
        &extensions,
    ]);
    let file = work.join("tbs.der");
    std::fs::write(&file, &body).unwrap();
    let digest = match tbs.hash {
        Hash::Sha256 => "-sha256",
        Hash::Sha1 => "-sha1",
        Hash::Md5 => "-md5",
    };
    let signature = openssl(
        work,
        &[
            "dgst",
            digest,
            "-sign",
            issuer_key.file.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    )
    .stdout;
    let mut bits = vec![0];
    bits.extend(signature);
    seq(&[&body, &algorithm, &tlv(0x03, &bits)])
}

/// Root, intermediate and leaf, each as a case changes it.
#[derive(Clone)]
struct Chain {
    root: Tbs,
    intermediate: Tbs,
    leaf: Tbs,
}

const HOUR: time::Duration = time::Duration::hours(1);
const YEAR_1960: OffsetDateTime = time::macros::datetime!(1960-01-01 00:00 UTC);
const DAY: time::Duration = time::Duration::days(1);

impl Chain {
    /// A chain every stack accepts: P-256 throughout, RFC 5280 and the
    /// CA/B Baseline Requirements' extensions, valid from an hour ago for
    /// 90 days.
    fn sound(keys: &Keys, now: OffsetDateTime) -> Self {
        let validity = |tbs: Tbs| Tbs {
            not_before: time_der(TimeKind::Utc, now - HOUR),
            not_after: time_der(TimeKind::Utc, now + 90 * DAY),
            ..tbs
        };
        let blank = Tbs {
            version: 3,
            serial: vec![0x11],
            subject: Vec::new(),
            not_before: Vec::new(),
            not_after: Vec::new(),
            extensions: Vec::new(),
            key: Which::Root,
            hash: Hash::Sha256,
        };
        Self {
            root: validity(Tbs {
                serial: vec![0x01, 0x23],
                subject: name(&[("O", "Stack"), ("CN", "Stack Root")]),
                extensions: vec![
                    basic_constraints(true, true, None),
                    ca_key_usage(),
                    keys.root.subject_key_id(),
                ],
                key: Which::Root,
                ..blank.clone()
            }),
            intermediate: validity(Tbs {
                serial: vec![0x45, 0x67],
                subject: name(&[("O", "Stack"), ("CN", "Stack Intermediate")]),
                extensions: vec![
                    basic_constraints(true, true, Some(0)),
                    ca_key_usage(),
                    keys.intermediate.subject_key_id(),
                    keys.root.authority_key_id(),
                ],
                key: Which::Intermediate,
                ..blank.clone()
            }),
            leaf: validity(Tbs {
                serial: vec![0x6a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07],
                subject: name(&[("O", "Stack"), ("CN", "localhost")]),
                extensions: vec![
                    leaf_key_usage(false),
                    server_auth(false),
                    san_localhost(false),
                    keys.leaf.subject_key_id(),
                    keys.intermediate.authority_key_id(),
                ],
                key: Which::Leaf,
                ..blank
            }),
        }
    }

    /// Names the root and the intermediate after `case` (`Stack Root
    /// serial-zero`), so a verifier that trusts every case's root at once
    /// (one Chromium) finds only this case's CAs by name.
    fn own_names(&mut self, case: &str) {
        self.root.subject = name(&[("O", "Stack"), ("CN", &format!("Stack Root {case}"))]);
        self.intermediate.subject = name(&[
            ("O", "Stack"),
            ("CN", &format!("Stack Intermediate {case}")),
        ]);
    }

    /// Signs the three: `case/anchors.pem`, `chain.pem`, `leaf.pem`,
    /// `leaf.key`; returns them read.
    fn write(&self, keys: &Keys, case: &Path) -> [Certificate; 3] {
        std::fs::create_dir_all(case).unwrap();
        let root_key = keys.get(self.root.key);
        let intermediate_key = keys.get(self.intermediate.key);
        let root = sign(case, keys, &self.root, &self.root.subject, root_key);
        let intermediate = sign(case, keys, &self.intermediate, &self.root.subject, root_key);
        let leaf = sign(
            case,
            keys,
            &self.leaf,
            &self.intermediate.subject,
            intermediate_key,
        );
        let pem = |der: &[u8]| pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
        std::fs::write(case.join("anchors.pem"), pem(&root)).unwrap();
        std::fs::write(case.join("chain.pem"), pem(&intermediate)).unwrap();
        std::fs::write(case.join("leaf.pem"), pem(&leaf)).unwrap();
        std::fs::copy(&keys.get(self.leaf.key).file, case.join("leaf.key")).unwrap();
        std::fs::remove_file(case.join("tbs.der")).unwrap();
        [root, intermediate, leaf].map(|der| {
            Certificate::from_der(&der).unwrap_or_else(|e| panic!("{}: {e}", case.display()))
        })
    }
}

// ---------------------------------------------------------------- cases

/// Where in the chain the lint's certificate is.
#[derive(Debug, Clone, Copy)]
enum At {
    Root,
    Intermediate,
    Leaf,
}

struct Case {
    name: &'static str,
    /// The lint it must raise, on the certificate at `at`.
    lint: Option<LintId>,
    at: At,
    make: fn(&Keys, OffsetDateTime, &mut Chain),
}

fn cases() -> Vec<Case> {
    use LintId::*;
    fn without(tbs: &mut Tbs, id: &str) {
        let prefix = oid(id);
        tbs.extensions.retain(|e| !e[2..].starts_with(&prefix));
    }
    fn replace(tbs: &mut Tbs, id: &str, with: Vec<u8>) {
        without(tbs, id);
        tbs.extensions.push(with);
    }
    vec![
        Case {
            name: "sound",
            lint: None,
            at: At::Leaf,
            make: |_, _, _| {},
        },
        Case {
            name: "serial-negative",
            lint: Some(SerialNegative),
            at: At::Leaf,
            make: |_, _, c| c.leaf.serial = vec![0xc4, 0x01, 0x02],
        },
        Case {
            name: "serial-zero",
            lint: Some(SerialZero),
            at: At::Leaf,
            make: |_, _, c| c.leaf.serial = vec![0x00],
        },
        Case {
            name: "serial-21-octets",
            lint: Some(SerialTooLong),
            at: At::Leaf,
            make: |_, _, c| c.leaf.serial = [0x5a; 21].to_vec(),
        },
        Case {
            name: "ca-without-ski",
            lint: Some(NoSubjectKeyIdentifier),
            at: At::Intermediate,
            make: |_, _, c| without(&mut c.intermediate, SUBJECT_KEY_ID),
        },
        Case {
            name: "leaf-without-aki",
            lint: Some(NoAuthorityKeyIdentifier),
            at: At::Leaf,
            make: |_, _, c| without(&mut c.leaf, AUTHORITY_KEY_ID),
        },
        Case {
            name: "empty-issuer",
            lint: Some(EmptyIssuer),
            at: At::Intermediate,
            make: |_, _, c| c.root.subject = name(&[]),
        },
        Case {
            name: "empty-subject-san-not-critical",
            lint: Some(EmptySubjectSanNotCritical),
            at: At::Leaf,
            make: |_, _, c| c.leaf.subject = name(&[]),
        },
        Case {
            name: "empty-subject-san-critical",
            lint: None,
            at: At::Leaf,
            make: |_, _, c| {
                c.leaf.subject = name(&[]);
                replace(&mut c.leaf, SUBJECT_ALT_NAME, san_localhost(true));
            },
        },
        Case {
            name: "no-san-name-only-in-cn",
            lint: Some(NoSubjectAltName),
            at: At::Leaf,
            make: |_, _, c| without(&mut c.leaf, SUBJECT_ALT_NAME),
        },
        Case {
            name: "leaf-without-eku",
            lint: Some(NoExtendedKeyUsage),
            at: At::Leaf,
            make: |_, _, c| without(&mut c.leaf, EXT_KEY_USAGE),
        },
        Case {
            name: "leaf-valid-1000-days",
            lint: Some(ServerValidityTooLong),
            at: At::Leaf,
            make: |_, now, c| c.leaf.not_after = time_der(TimeKind::Utc, now + 1000 * DAY),
        },
        Case {
            name: "ed25519-leaf",
            lint: Some(EddsaInServerChain),
            at: At::Leaf,
            make: |k, _, c| {
                c.leaf.key = Which::Ed25519;
                replace(&mut c.leaf, SUBJECT_KEY_ID, k.ed25519.subject_key_id());
            },
        },
        Case {
            name: "rsa-1024-intermediate",
            lint: Some(RsaTooSmall),
            at: At::Intermediate,
            make: |k, _, c| {
                c.intermediate.key = Which::Rsa1024;
                replace(
                    &mut c.intermediate,
                    SUBJECT_KEY_ID,
                    k.rsa1024.subject_key_id(),
                );
                replace(&mut c.leaf, AUTHORITY_KEY_ID, k.rsa1024.authority_key_id());
            },
        },
        Case {
            name: "root-without-basic-constraints",
            lint: Some(CaWithoutBasicConstraints),
            at: At::Root,
            make: |_, _, c| without(&mut c.root, BASIC_CONSTRAINTS),
        },
        Case {
            name: "ca-basic-constraints-not-critical",
            lint: Some(CaBasicConstraintsNotCritical),
            at: At::Intermediate,
            make: |_, _, c| {
                replace(
                    &mut c.intermediate,
                    BASIC_CONSTRAINTS,
                    basic_constraints(false, true, Some(0)),
                )
            },
        },
        Case {
            name: "leaf-key-cert-sign",
            lint: Some(LeafKeyCertSign),
            at: At::Leaf,
            make: |_, _, c| replace(&mut c.leaf, KEY_USAGE, leaf_key_usage(true)),
        },
        Case {
            name: "leaf-ca-true",
            lint: Some(CaTrueLeaf),
            at: At::Leaf,
            make: |_, _, c| c.leaf.extensions.push(basic_constraints(true, true, None)),
        },
        Case {
            name: "critical-eku",
            lint: Some(CriticalExtendedKeyUsage),
            at: At::Leaf,
            make: |_, _, c| replace(&mut c.leaf, EXT_KEY_USAGE, server_auth(true)),
        },
        Case {
            name: "eku-on-root",
            lint: Some(ExtendedKeyUsageOnRoot),
            at: At::Root,
            make: |_, _, c| c.root.extensions.push(server_auth(false)),
        },
        Case {
            name: "p192-intermediate",
            lint: Some(WeakKey),
            at: At::Intermediate,
            make: |k, _, c| {
                c.intermediate.key = Which::P192;
                replace(&mut c.intermediate, SUBJECT_KEY_ID, k.p192.subject_key_id());
                replace(&mut c.leaf, AUTHORITY_KEY_ID, k.p192.authority_key_id());
            },
        },
        Case {
            name: "dsa-intermediate",
            lint: Some(WeakKey),
            at: At::Intermediate,
            make: |k, _, c| {
                c.intermediate.key = Which::Dsa;
                replace(&mut c.intermediate, SUBJECT_KEY_ID, k.dsa.subject_key_id());
                replace(&mut c.leaf, AUTHORITY_KEY_ID, k.dsa.authority_key_id());
            },
        },
        Case {
            name: "dsa-1024-intermediate",
            lint: Some(WeakKey),
            at: At::Intermediate,
            make: |k, _, c| {
                c.intermediate.key = Which::Dsa1024;
                replace(
                    &mut c.intermediate,
                    SUBJECT_KEY_ID,
                    k.dsa1024.subject_key_id(),
                );
                replace(&mut c.leaf, AUTHORITY_KEY_ID, k.dsa1024.authority_key_id());
            },
        },
        Case {
            name: "sha1-signature",
            lint: Some(Sha1Signature),
            at: At::Leaf,
            make: |_, _, c| c.leaf.hash = Hash::Sha1,
        },
        Case {
            name: "md5-signature",
            lint: Some(Md5Signature),
            at: At::Leaf,
            make: |k, _, c| {
                c.intermediate.key = Which::Rsa;
                replace(&mut c.intermediate, SUBJECT_KEY_ID, k.rsa.subject_key_id());
                replace(&mut c.leaf, AUTHORITY_KEY_ID, k.rsa.authority_key_id());
                c.leaf.hash = Hash::Md5;
            },
        },
        Case {
            name: "directory-name-constraints",
            lint: Some(DirectoryNameConstraints),
            at: At::Intermediate,
            make: |_, _, c| c.intermediate.extensions.push(directory_name_constraints()),
        },
        Case {
            name: "path-length-on-leaf",
            lint: Some(PathLengthOnLeaf),
            at: At::Leaf,
            make: |_, _, c| {
                c.leaf
                    .extensions
                    .push(basic_constraints(true, false, Some(0)))
            },
        },
        Case {
            name: "expired-trust-anchor",
            lint: Some(TrustAnchorOutsideValidity),
            at: At::Root,
            make: |_, now, c| {
                c.root.not_before = time_der(TimeKind::Utc, now - 60 * DAY);
                c.root.not_after = time_der(TimeKind::Utc, now - DAY);
            },
        },
        Case {
            name: "not-yet-valid-trust-anchor",
            lint: Some(TrustAnchorOutsideValidity),
            at: At::Root,
            make: |_, now, c| c.root.not_before = time_der(TimeKind::Utc, now + DAY),
        },
        Case {
            name: "malformed-aia",
            lint: Some(MalformedAuthorityInfoAccess),
            at: At::Leaf,
            make: |_, _, c| {
                c.leaf.extensions.push(extension(
                    AUTHORITY_INFO_ACCESS,
                    false,
                    &seq(&[&integer(&[1])]),
                ))
            },
        },
        Case {
            name: "utc-time-past-2049",
            lint: Some(UtcTimePast2049),
            at: At::Leaf,
            make: |_, _, c| {
                // 2055 as UTCTime reads as 1955 (years 50-69 are 1950-1969,
                // before the Unix epoch: certplay reads them).
                let year_2055 = time::macros::datetime!(2055-06-01 00:00 UTC);
                c.leaf.not_after = time_der(TimeKind::Utc, year_2055);
            },
        },
        Case {
            name: "generalized-time-before-2050",
            lint: Some(GeneralizedTimeBefore2050),
            at: At::Leaf,
            make: |_, now, c| c.leaf.not_after = time_der(TimeKind::Generalized, now + 90 * DAY),
        },
        Case {
            name: "duplicate-extension",
            lint: Some(DuplicateExtension),
            at: At::Leaf,
            make: |_, _, c| c.leaf.extensions.push(san_localhost(false)),
        },
        Case {
            name: "critical-aki",
            lint: Some(CriticalKeyIdentifier),
            at: At::Leaf,
            make: |k, _, c| {
                let aki = seq(&[&tlv(0x80, &k.intermediate.id)]);
                replace(
                    &mut c.leaf,
                    AUTHORITY_KEY_ID,
                    extension(AUTHORITY_KEY_ID, true, &aki),
                );
            },
        },
        Case {
            name: "critical-ski-intermediate",
            lint: Some(CriticalKeyIdentifier),
            at: At::Intermediate,
            make: |k, _, c| {
                let ski = extension(SUBJECT_KEY_ID, true, &octets(&k.intermediate.id));
                replace(&mut c.intermediate, SUBJECT_KEY_ID, ski);
            },
        },
        Case {
            name: "critical-ski-root",
            lint: Some(CriticalKeyIdentifier),
            at: At::Root,
            make: |k, _, c| {
                let ski = extension(SUBJECT_KEY_ID, true, &octets(&k.root.id));
                replace(&mut c.root, SUBJECT_KEY_ID, ski);
            },
        },
        Case {
            name: "unknown-critical-leaf",
            lint: Some(UnknownCriticalExtension),
            at: At::Leaf,
            make: |_, _, c| c.leaf.extensions.push(unknown_critical()),
        },
        Case {
            name: "unknown-critical-root",
            lint: Some(UnknownCriticalExtension),
            at: At::Root,
            make: |_, _, c| c.root.extensions.push(unknown_critical()),
        },
        Case {
            name: "any-eku-alone",
            lint: Some(AnyExtendedKeyUsage),
            at: At::Leaf,
            make: |_, _, c| {
                let any = extension(EXT_KEY_USAGE, false, &seq(&[&oid(ANY_EKU)]));
                replace(&mut c.leaf, EXT_KEY_USAGE, any);
            },
        },
        Case {
            name: "any-eku-beside-server-auth",
            lint: Some(AnyExtendedKeyUsage),
            at: At::Leaf,
            make: |_, _, c| {
                let both = seq(&[&oid(SERVER_AUTH), &oid(ANY_EKU)]);
                replace(
                    &mut c.leaf,
                    EXT_KEY_USAGE,
                    extension(EXT_KEY_USAGE, false, &both),
                );
            },
        },
        Case {
            name: "sha1-intermediate",
            lint: Some(Sha1Signature),
            at: At::Intermediate,
            make: |_, _, c| c.intermediate.hash = Hash::Sha1,
        },
        Case {
            name: "sha1-self-signed-root",
            lint: Some(Sha1Signature),
            at: At::Root,
            make: |_, _, c| c.root.hash = Hash::Sha1,
        },
        Case {
            name: "p192-root",
            lint: Some(WeakKey),
            at: At::Root,
            make: |k, _, c| {
                c.root.key = Which::P192;
                replace(&mut c.root, SUBJECT_KEY_ID, k.p192.subject_key_id());
                replace(
                    &mut c.intermediate,
                    AUTHORITY_KEY_ID,
                    k.p192.authority_key_id(),
                );
            },
        },
        Case {
            name: "directory-name-constraints-root",
            lint: Some(DirectoryNameConstraints),
            at: At::Root,
            make: |_, _, c| c.root.extensions.push(directory_name_constraints()),
        },
        Case {
            name: "v1-with-extensions",
            lint: Some(ExtensionsBeforeV3),
            at: At::Leaf,
            make: |_, _, c| c.leaf.version = 1,
        },
        Case {
            name: "v2-with-extensions",
            lint: Some(ExtensionsBeforeV3),
            at: At::Leaf,
            make: |_, _, c| c.leaf.version = 2,
        },
        // The same lints at the other positions of the chain.
        Case {
            name: "critical-aki-intermediate",
            lint: Some(CriticalKeyIdentifier),
            at: At::Intermediate,
            make: |k, _, c| {
                let aki = seq(&[&tlv(0x80, &k.root.id)]);
                replace(
                    &mut c.intermediate,
                    AUTHORITY_KEY_ID,
                    extension(AUTHORITY_KEY_ID, true, &aki),
                );
            },
        },
        Case {
            name: "critical-ski-leaf",
            lint: Some(CriticalKeyIdentifier),
            at: At::Leaf,
            make: |k, _, c| {
                let ski = extension(SUBJECT_KEY_ID, true, &octets(&k.leaf.id));
                replace(&mut c.leaf, SUBJECT_KEY_ID, ski);
            },
        },
        Case {
            name: "intermediate-without-aki",
            lint: Some(NoAuthorityKeyIdentifier),
            at: At::Intermediate,
            make: |_, _, c| without(&mut c.intermediate, AUTHORITY_KEY_ID),
        },
        Case {
            name: "serial-zero-intermediate",
            lint: Some(SerialZero),
            at: At::Intermediate,
            make: |_, _, c| c.intermediate.serial = vec![0x00],
        },
        Case {
            name: "serial-zero-root",
            lint: Some(SerialZero),
            at: At::Root,
            make: |_, _, c| c.root.serial = vec![0x00],
        },
        Case {
            name: "serial-negative-intermediate",
            lint: Some(SerialNegative),
            at: At::Intermediate,
            make: |_, _, c| c.intermediate.serial = vec![0xc4, 0x01, 0x02],
        },
        Case {
            name: "serial-negative-root",
            lint: Some(SerialNegative),
            at: At::Root,
            make: |_, _, c| c.root.serial = vec![0xc4, 0x01, 0x02],
        },
        Case {
            name: "unknown-critical-intermediate",
            lint: Some(UnknownCriticalExtension),
            at: At::Intermediate,
            make: |_, _, c| c.intermediate.extensions.push(unknown_critical()),
        },
        Case {
            name: "critical-eku-intermediate",
            lint: Some(CriticalExtendedKeyUsage),
            at: At::Intermediate,
            make: |_, _, c| c.intermediate.extensions.push(server_auth(true)),
        },
        Case {
            name: "eku-on-intermediate",
            lint: None,
            at: At::Intermediate,
            make: |_, _, c| c.intermediate.extensions.push(server_auth(false)),
        },
        Case {
            name: "any-eku-intermediate",
            lint: Some(AnyExtendedKeyUsage),
            at: At::Intermediate,
            make: |_, _, c| {
                let any = extension(EXT_KEY_USAGE, false, &seq(&[&oid(ANY_EKU)]));
                c.intermediate.extensions.push(any);
            },
        },
        Case {
            name: "any-eku-root",
            lint: Some(AnyExtendedKeyUsage),
            at: At::Root,
            make: |_, _, c| {
                let any = extension(EXT_KEY_USAGE, false, &seq(&[&oid(ANY_EKU)]));
                c.root.extensions.push(any);
            },
        },
        // X.509 v1 at each position, as `openssl x509 -req` without
        // -extfile makes it: no extensions at all.
        Case {
            name: "v1-leaf",
            lint: Some(X509V1),
            at: At::Leaf,
            make: |_, _, c| {
                c.leaf.version = 1;
                c.leaf.extensions.clear();
            },
        },
        Case {
            name: "v1-intermediate",
            lint: Some(X509V1),
            at: At::Intermediate,
            make: |_, _, c| {
                c.intermediate.version = 1;
                c.intermediate.extensions.clear();
            },
        },
        Case {
            name: "v1-root",
            lint: Some(X509V1),
            at: At::Root,
            make: |_, _, c| {
                c.root.version = 1;
                c.root.extensions.clear();
            },
        },
        // A notBefore in 1960 (UTCTime 600101...) at each position.
        Case {
            name: "leaf-from-1960",
            lint: Some(DateBefore1970),
            at: At::Leaf,
            make: |_, _, c| c.leaf.not_before = time_der(TimeKind::Utc, YEAR_1960),
        },
        Case {
            name: "intermediate-from-1960",
            lint: Some(DateBefore1970),
            at: At::Intermediate,
            make: |_, _, c| c.intermediate.not_before = time_der(TimeKind::Utc, YEAR_1960),
        },
        Case {
            name: "root-from-1960",
            lint: Some(DateBefore1970),
            at: At::Root,
            make: |_, _, c| c.root.not_before = time_der(TimeKind::Utc, YEAR_1960),
        },
    ]
}

/// A chain that checks what `certplay diff` says a difference does where no
/// lint says it (core/src/diff/effect.rs): each stack must decide as the
/// lint whose claims the effect's words give.
struct EffectCase {
    name: &'static str,
    /// The lint whose verdicts the effect names.
    claims: LintId,
    make: fn(&mut Chain),
}

fn effect_cases() -> Vec<EffectCase> {
    vec![EffectCase {
        // diff's "no subjectAltName" beside a v1 certificate (the blog's
        // server.crt): a name only in the CN.
        name: "v1-leaf-name-only-in-cn",
        claims: LintId::NoSubjectAltName,
        make: |c| {
            c.leaf.version = 1;
            c.leaf.extensions.clear();
        },
    }]
}

// ---------------------------------------------------------------- stacks

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn openssl(dir: &Path, args: &[&str]) -> Output {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl: {e} (cargo xtask setup installs it)"));
    assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
    o
}

/// What one stack said about one case.
#[derive(Debug, Clone)]
struct Said {
    accepted: bool,
    detail: String,
}

type Verdicts = BTreeMap<String, Said>;

/// Reads a checker's `{"case": {"accepted": .., "detail": ..}}`.
fn verdicts(program: &str, o: &Output) -> Verdicts {
    assert!(o.status.success(), "{program}: {}", text(o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{program} printed no JSON ({e}): {}", text(o)));
    json.as_object()
        .unwrap()
        .iter()
        .map(|(case, v)| {
            (
                case.clone(),
                Said {
                    accepted: v["accepted"].as_bool().unwrap(),
                    detail: v["detail"].as_str().unwrap_or_default().to_owned(),
                },
            )
        })
        .collect()
}

fn checker(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("stacks")
        .join(file)
}

fn spawn_failed(
    program: &'static str,
    hint: &'static str,
) -> impl FnOnce(std::io::Error) -> Output {
    move |e| panic!("cannot run {program}: {e}; {hint}")
}

/// Go's verdicts: verify.go built with the cache under target/, no network.
fn by_go(cases: &Path) -> Verdicts {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let exe = tmp.join("stacks-verify-go");
    let go = |args: &[&str]| {
        Command::new("go")
            .args(args)
            .env("GOCACHE", tmp.join("go-cache"))
            .env("GOPATH", tmp.join("go-path"))
            .env("GOPROXY", "off")
            .env("GO111MODULE", "off")
            .env("CGO_ENABLED", "0")
            .output()
            .unwrap_or_else(spawn_failed(
                "go",
                "cargo xtask setup installs it (apt-get install golang-go)",
            ))
    };
    let built = go(&[
        "build",
        "-o",
        exe.to_str().unwrap(),
        checker("verify.go").to_str().unwrap(),
    ]);
    assert!(built.status.success(), "go build: {}", text(&built));
    let o = Command::new(&exe).arg(cases).output().unwrap();
    verdicts("Go", &o)
}

fn by_python(cases: &Path) -> Verdicts {
    let o = Command::new("python3")
        .arg(checker("verify.py"))
        .arg(cases)
        .output()
        .unwrap_or_else(spawn_failed("python3", "cargo xtask setup installs it"));
    verdicts("Python cryptography", &o)
}

fn by_node(cases: &Path) -> Verdicts {
    let o = Command::new("node")
        .arg(checker("verify.js"))
        .arg(cases)
        .output()
        .unwrap_or_else(spawn_failed(
            "node",
            "cargo xtask setup installs it (apt-get install nodejs)",
        ));
    verdicts("Node", &o)
}

fn by_openssl(cases: &Path, names: &[&str], strict: bool) -> Verdicts {
    names
        .iter()
        .map(|name| {
            let case = cases.join(name);
            let mut command = Command::new("openssl");
            command
                .args(["verify", "-purpose", "sslserver", "-verify_hostname"])
                .args([
                    "localhost",
                    "-CAfile",
                    "anchors.pem",
                    "-untrusted",
                    "chain.pem",
                ])
                .current_dir(&case);
            if strict {
                command.arg("-x509_strict");
            }
            let o = command.arg("leaf.pem").output().unwrap();
            let said = Said {
                accepted: o.status.success(),
                detail: text(&o)
                    .lines()
                    .filter(|l| !l.ends_with(": OK"))
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            ((*name).to_owned(), said)
        })
        .collect()
}

/// curl's verdicts (on the OpenSSL it links, with the system's
/// openssl.cnf): each case served as crafted (stacks/chromium.rs), loaded
/// with the case's root as `--cacert`.
fn by_curl(cases: &Path, names: &[&str]) -> Verdicts {
    names
        .iter()
        .map(|name| {
            let case = cases.join(name);
            let port = chromium::serve(&case, name);
            let o = Command::new("curl")
                .args(["--silent", "--show-error", "--output", "/dev/null"])
                .args(["--max-time", "20", "--cacert", "anchors.pem", "--resolve"])
                .arg(format!("localhost:{port}:127.0.0.1"))
                .arg(format!("https://localhost:{port}/"))
                .current_dir(&case)
                .output()
                .unwrap_or_else(spawn_failed(
                    "curl",
                    "cargo xtask setup installs it (apt-get install curl)",
                ));
            let said = Said {
                accepted: o.status.success(),
                detail: text(&o).trim().to_owned(),
            };
            ((*name).to_owned(), said)
        })
        .collect()
}

fn by_rustls(chains: &BTreeMap<String, [Certificate; 3]>, now: i64) -> Verdicts {
    let provider = Arc::new(certplay_server::Crypto::default().provider());
    chains
        .iter()
        .map(|(name, [root, intermediate, leaf])| {
            let check = Check {
                anchors: std::slice::from_ref(root),
                intermediates: std::slice::from_ref(intermediate),
                crls: &[],
                purpose: Purpose::Server {
                    host: "localhost".into(),
                },
                at: now,
            };
            let said = match verify::verify(leaf, &check, &provider) {
                Ok(()) => Said {
                    accepted: true,
                    detail: String::new(),
                },
                Err(reason) => Said {
                    accepted: false,
                    detail: reason.to_string(),
                },
            };
            (name.clone(), said)
        })
        .collect()
}

#[test]
fn every_lint_names_what_each_stack_decides_and_each_stack_agrees() {
    certplay_tests::require_python_module("cryptography.x509.verification");
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let ec =
        |curve: &'static str| -> Vec<&'static str> { vec!["-algorithm", "EC", "-pkeyopt", curve] };
    let keys = Keys {
        root: Key::make(work, "root", KeyKind::Ec, &ec("ec_paramgen_curve:P-256")),
        intermediate: Key::make(
            work,
            "intermediate",
            KeyKind::Ec,
            &ec("ec_paramgen_curve:P-256"),
        ),
        leaf: Key::make(work, "leaf", KeyKind::Ec, &ec("ec_paramgen_curve:P-256")),
        p192: Key::make(work, "p192", KeyKind::Ec, &ec("ec_paramgen_curve:P-192")),
        dsa: {
            openssl(
                work,
                &[
                    "genpkey",
                    "-genparam",
                    "-algorithm",
                    "DSA",
                    "-pkeyopt",
                    "dsa_paramgen_bits:2048",
                    "-out",
                    "dsa.param",
                ],
            );
            Key::make(work, "dsa", KeyKind::Dsa, &["-paramfile", "dsa.param"])
        },
        dsa1024: {
            openssl(
                work,
                &[
                    "genpkey",
                    "-genparam",
                    "-algorithm",
                    "DSA",
                    "-pkeyopt",
                    "dsa_paramgen_bits:1024",
                    "-out",
                    "dsa1024.param",
                ],
            );
            Key::make(
                work,
                "dsa1024",
                KeyKind::Dsa,
                &["-paramfile", "dsa1024.param"],
            )
        },
        rsa: Key::make(
            work,
            "rsa",
            KeyKind::Rsa,
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        ),
        rsa1024: Key::make(
            work,
            "rsa1024",
            KeyKind::Rsa,
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
        ),
        ed25519: Key::make(
            work,
            "ed25519",
            KeyKind::Ed25519,
            &["-algorithm", "ED25519"],
        ),
    };
    let cases_dir = work.join("cases");
    let cases = cases();
    let mut chains = BTreeMap::new();
    // What the lint found on each case's certificate says of the stacks.
    let mut claims = BTreeMap::new();
    let mut problems = String::new();
    for case in &cases {
        let mut chain = Chain::sound(&keys, now);
        chain.own_names(case.name);
        (case.make)(&keys, now, &mut chain);
        let certs = chain.write(&keys, &cases_dir.join(case.name));
        // The claims are the lint's at the certificate's place in the chain.
        const PLACES: [Position; 3] = [Position::Anchor, Position::Intermediate, Position::Leaf];
        let index = match case.at {
            At::Root => 0,
            At::Intermediate => 1,
            At::Leaf => 2,
        };
        let found = lint::certificate_at(&certs[index], now.unix_timestamp(), PLACES[index]);
        match case.lint {
            Some(id) if !found.iter().any(|l| l.id == id) => {
                let ids: Vec<LintId> = found.iter().map(|l| l.id).collect();
                let _ = writeln!(
                    problems,
                    "{}: no {id} on the {:?}: {ids:?}",
                    case.name, case.at
                );
            }
            Some(id) => {
                claims.insert(
                    case.name,
                    found
                        .into_iter()
                        .find(|l| l.id == id)
                        .and_then(|l| l.stacks),
                );
            }
            None => {
                for (i, c) in certs.iter().enumerate() {
                    let lints = lint::certificate_at(c, now.unix_timestamp(), PLACES[i]);
                    if !lints.is_empty() {
                        let _ = writeln!(
                            problems,
                            "{}: certificate {i} has lints {lints:?}",
                            case.name
                        );
                    }
                }
            }
        }
        chains.insert(case.name.to_owned(), certs);
    }
    let effects = effect_cases();
    for effect in &effects {
        let mut chain = Chain::sound(&keys, now);
        chain.own_names(effect.name);
        (effect.make)(&mut chain);
        let certs = chain.write(&keys, &cases_dir.join(effect.name));
        chains.insert(effect.name.to_owned(), certs);
    }
    let names: Vec<&str> = cases
        .iter()
        .map(|c| c.name)
        .chain(effects.iter().map(|e| e.name))
        .collect();
    // Every lint that names the stacks has a chain here that checks it.
    for id in LintId::ALL {
        if certplay_core::read::stacks::verdicts(id).is_some()
            && !cases.iter().any(|c| c.lint == Some(id))
        {
            let _ = writeln!(problems, "{id} names the stacks but no case here checks it");
        }
    }

    // Every stack at once (each checker takes every case in one run).
    let (go, python, node, openssl_default, openssl_strict, chromium, rustls, curl) =
        std::thread::scope(|s| {
            let go = s.spawn(|| by_go(&cases_dir));
            let python = s.spawn(|| by_python(&cases_dir));
            let node = s.spawn(|| by_node(&cases_dir));
            let default = s.spawn(|| by_openssl(&cases_dir, &names, false));
            let strict = s.spawn(|| by_openssl(&cases_dir, &names, true));
            let chromium = s.spawn(|| chromium::verdicts(&cases_dir, &names));
            let curl = s.spawn(|| by_curl(&cases_dir, &names));
            let rustls = by_rustls(&chains, now.unix_timestamp());
            (
                go.join().unwrap(),
                python.join().unwrap(),
                node.join().unwrap(),
                default.join().unwrap(),
                strict.join().unwrap(),
                chromium.join().unwrap(),
                rustls,
                curl.join().unwrap(),
            )
        });
    // webpki refuses the leaf's signature made with the intermediate's
    // RSA-1024 key as a bad signature: the words name that key and the
    // leaf, never the intermediate's own signature.
    let small = &rustls["rsa-1024-intermediate"].detail;
    assert!(
        small.starts_with("issuer key too small: CN=localhost")
            && small.contains("the RSA-1024 key of CN=Stack Intermediate"),
        "rsa-1024-intermediate: rustls's words: {small}"
    );
    let by = |stack: Stack| -> &Verdicts {
        match stack {
            Stack::Rustls => &rustls,
            Stack::OpenSsl => &openssl_default,
            Stack::OpenSslStrict => &openssl_strict,
            Stack::Curl => &curl,
            Stack::Go => &go,
            Stack::Python => &python,
            Stack::Node => &node,
            Stack::Chromium => &chromium,
        }
    };

    let mut table = format!("{:<34}", "case");
    for stack in Stack::ALL {
        let _ = write!(table, " {:<14}", stack.short());
    }
    table.push('\n');
    let mut details = String::new();
    let mut disagree = false;
    for case in &cases {
        let _ = write!(table, "{:<34}", case.name);
        for stack in Stack::ALL {
            let said = by(stack)
                .get(case.name)
                .unwrap_or_else(|| panic!("{stack:?} said nothing of {}", case.name));
            let claim = match case.lint {
                None => Some(Verdict::Accepts),
                Some(_) => claims.get(case.name).cloned().flatten().map(|s: Stacks| {
                    if s.refused_by.contains(&stack) {
                        Verdict::Refuses
                    } else {
                        Verdict::Accepts
                    }
                }),
            };
            let actual = if said.accepted { "accepts" } else { "refuses" };
            let mark = match claim {
                Some(Verdict::Accepts) if said.accepted => "",
                Some(Verdict::Refuses) if !said.accepted => "",
                Some(_) => {
                    disagree = true;
                    " WRONG"
                }
                None => {
                    disagree = true;
                    " UNSAID"
                }
            };
            let _ = write!(table, " {:<14}", format!("{actual}{mark}"));
            if !said.detail.is_empty() {
                let _ = writeln!(
                    details,
                    "{} / {}: {}",
                    case.name,
                    stack.short(),
                    said.detail
                );
            }
        }
        table.push('\n');
    }
    // What diff's effects say, from a lint's claims, on the chains that
    // check them.
    for effect in &effects {
        let _ = write!(table, "{:<34}", effect.name);
        for stack in Stack::ALL {
            let said = &by(stack)[effect.name];
            let claim = effect.claims.verdict(stack);
            let right = claim
                == Some(if said.accepted {
                    Verdict::Accepts
                } else {
                    Verdict::Refuses
                });
            disagree |= !right;
            let actual = if said.accepted { "accepts" } else { "refuses" };
            let mark = if right { "" } else { " WRONG" };
            let _ = write!(table, " {:<14}", format!("{actual}{mark}"));
            if !said.detail.is_empty() {
                let _ = writeln!(
                    details,
                    "{} / {}: {}",
                    effect.name,
                    stack.short(),
                    said.detail
                );
            }
        }
        let _ = writeln!(table, " (as diff says, by {})", effect.claims);
    }
    // rustls' words name the certificate that lacks the purpose: the
    // intermediate, not the leaf that has it.
    let said = &rustls["any-eku-intermediate"].detail;
    if !said.contains("CN=Stack Intermediate") {
        let _ = writeln!(problems, "any-eku-intermediate: rustls' words: {said}");
    }
    // Every chain has one CA of each name: rustls' words never blame another
    // CA with the same name (a P-192 or DSA intermediate's signature is one
    // webpki cannot check, not a stranger's).
    for (case, said) in &rustls {
        if said.detail.contains("same name") {
            let _ = writeln!(problems, "{case}: rustls' words mislead: {}", said.detail);
        }
    }
    // `certplay verify --json` names, beside rustls' verdict, the stacks
    // that refuse the chain: exactly those that did.
    for case in &cases {
        let o = certplay_tests::certplay(
            &cases_dir.join(case.name),
            &[
                "verify",
                "--json",
                "--ca",
                "anchors.pem",
                "--intermediates",
                "chain.pem",
                "--purpose",
                "server",
                "--host",
                "localhost",
                "leaf.pem",
            ],
        );
        let json: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{}: verify --json ({e}): {}", case.name, text(&o)));
        let rustls_said = by(Stack::Rustls)[case.name].accepted;
        if (json["verdict"] == "valid") != rustls_said
            || o.status.code() != Some(if rustls_said { 0 } else { 1 })
        {
            let _ = writeln!(
                problems,
                "{}: certplay verify said {}",
                case.name, json["verdict"]
            );
        }
        let named: Vec<&str> = json["other_stacks"]["refused_by"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["stack"].as_str())
            .collect();
        for stack in Stack::ALL.into_iter().filter(|s| *s != Stack::Rustls) {
            let refused = !by(stack)[case.name].accepted;
            if refused != named.contains(&stack.short()) {
                let _ = writeln!(
                    problems,
                    "{}: certplay verify names {named:?} as refusing; {stack} {}",
                    case.name,
                    if refused { "refused" } else { "accepted" }
                );
            }
        }
    }
    assert!(
        !disagree && problems.is_empty(),
        "what each stack decides (WRONG: the lint says otherwise; UNSAID: the lint names no \
         verdict):\n{table}\n{problems}\n{details}"
    );
}
