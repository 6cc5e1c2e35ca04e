//! Lints: what is legal enough to parse but will make a TLS stack, a browser
//! or a CA/Browser Forum rule refuse a certificate. Each has a typed id
//! ([`LintId`]) that names its rule and a one-line fix.

use std::fmt;

use serde::{Deserialize, Serialize};

use const_oid::db::rfc5280::{
    ANY_EXTENDED_KEY_USAGE, ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_BASIC_CONSTRAINTS,
    ID_CE_EXT_KEY_USAGE, ID_CE_SUBJECT_ALT_NAME, ID_CE_SUBJECT_KEY_IDENTIFIER,
    ID_PE_AUTHORITY_INFO_ACCESS,
};
use const_oid::db::rfc5912::{ID_DSA, MD_5_WITH_RSA_ENCRYPTION};

pub use super::lint_id::LintId;
use super::model::{ExtensionValue, GeneralName, KeyKind, Oid};
pub use super::stacks::{Position, Stack, Stacks, Verdict};
use super::Certificate;
use crate::oid::SignatureAlgorithm;
use crate::plan::ExtendedKeyUsage::{self, ClientAuth, ServerAuth};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Something to know; nothing refuses it.
    Notice,
    /// Some clients refuse it, or a rule says SHOULD.
    Warning,
    /// TLS stacks refuse it, or a rule says MUST.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Notice => "Notice",
            Self::Warning => "Warning",
            Self::Error => "Error",
        })
    }
}

/// One finding. Its rule and fix are its id's ([`LintId::rule`],
/// [`LintId::fix`]), written out so that its JSON stands alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lint {
    /// What was found, typed.
    pub id: LintId,
    /// How bad.
    pub severity: Severity,
    /// The rule: RFC section or CA/B Baseline Requirements section.
    pub rule: &'static str,
    /// What was found, in words.
    pub message: String,
    /// How to fix it, in one line.
    pub fix: &'static str,
    /// Which TLS stacks refuse a chain with it and which accept, where the
    /// lint says ([`LintId::verdict`]); `null` where it does not (always
    /// written: the page's worker replies in postcard, which has no
    /// missing fields).
    pub stacks: Option<Stacks>,
}

impl Lint {
    /// A finding of `id`, `severity`, in `message`'s words.
    pub fn new(id: LintId, severity: Severity, message: String) -> Self {
        Self {
            id,
            severity,
            rule: id.rule(),
            message,
            fix: id.fix(),
            stacks: Stacks::of(id),
        }
    }
}

impl LintId {
    /// What `stack` decides about a chain holding a certificate this lint
    /// finds (and nothing else wrong), when the lint says.
    pub fn verdict(self, stack: Stack) -> Option<Verdict> {
        let at = Stack::ALL.iter().position(|s| *s == stack)?;
        super::stacks::verdicts(self)?.get(at).copied()
    }
}

/// `Error x509-v1: X.509 v1: ... [RFC 5280 4.1.2.1] fix: re-issue as v3 ...`,
/// with `; refused by ...; accepted by ...` after the message where the
/// lint names the stacks.
impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.severity, self.id, self.message)?;
        if let Some(stacks) = &self.stacks {
            write!(f, "; {stacks}")?;
        }
        write!(f, " [{}] fix: {}", self.rule, self.fix)
    }
}

/// A [`Lint`] as serde reads it back (the page's worker sends lints to the
/// page): the same fields in the same order; rule and fix come from the
/// id.
#[derive(Deserialize)]
struct Finding {
    id: LintId,
    severity: Severity,
    #[allow(dead_code)]
    rule: String,
    message: String,
    #[allow(dead_code)]
    fix: String,
    stacks: Option<Stacks>,
}

impl<'de> Deserialize<'de> for Lint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let finding = Finding::deserialize(deserializer)?;
        let mut lint = Self::new(finding.id, finding.severity, finding.message);
        // As written: where the certificate is in its chain can change them.
        lint.stacks = finding.stacks;
        Ok(lint)
    }
}

/// What a certificate is for, as far as its extensions say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Ca,
    Server,
    Client,
    Other,
}

/// Who refuses a certificate with an extension marked critical that they do
/// not process (an unhandled critical extension).
/// CA/B Baseline Requirements 6.3.2: at most 398 days for TLS server certificates.
const MAX_SERVER_DAYS: i64 = 398;
/// The most days Safari takes for any TLS server certificate (Apple
/// support note HT210176).
const MAX_SAFARI_DAYS: i64 = 825;
const DAY: i64 = 86_400;

fn role(c: &Certificate) -> Role {
    if c.is_ca() {
        return Role::Ca;
    }
    let has = |purpose: ExtendedKeyUsage| {
        c.extended_key_usage()
            .is_some_and(|p| p.iter().any(|p| p.oid == purpose.oid()))
    };
    if has(ServerAuth) || !c.subject_alt_names().is_empty() && !has(ClientAuth) {
        Role::Server
    } else if has(ClientAuth) {
        Role::Client
    } else {
        Role::Other
    }
}

/// Lints one certificate at time `now` (Unix seconds), where it most
/// likely is in a chain ([`Position::of`]).
pub fn certificate(c: &Certificate, now: i64) -> Vec<Lint> {
    certificate_at(c, now, Position::of(c))
}

impl Position {
    /// Where `c` most likely is when no chain says: self-issued, the trust
    /// anchor; another CA, an intermediate; anything else, the leaf.
    pub fn of(c: &Certificate) -> Self {
        if c.self_issued() {
            Self::Anchor
        } else if c.is_ca() {
            Self::Intermediate
        } else {
            Self::Leaf
        }
    }
}

/// Lints one certificate at time `now` (Unix seconds), at `position` in a
/// chain: what the stacks decide can depend on it ([`Stacks::at`]).
pub fn certificate_at(c: &Certificate, now: i64, position: Position) -> Vec<Lint> {
    use LintId::*;
    let mut out = Vec::new();
    let mut add = |id, severity, message| out.push(Lint::new(id, severity, message));
    let role = role(c);
    if c.version != 3 {
        // What `openssl x509 -req` makes without -extfile; who refuses it
        // depends on where it is ([`Stacks::at`]).
        let (severity, words) = match position {
            Position::Leaf => (
                Severity::Error,
                ", so no subjectAltName: rustls/webpki and Python refuse a v1 certificate, Go \
                 and browsers find no host name in it",
            ),
            Position::Intermediate => (
                Severity::Error,
                ", so no basicConstraints CA:TRUE: no stack takes it as a CA, and each refuses \
                 what it signs",
            ),
            Position::Anchor => (
                Severity::Warning,
                "; OpenSSL -x509_strict and Python take as a root only a v3 certificate with \
                 basicConstraints CA:TRUE (and rustls/webpki no v1 certificate but a root)",
            ),
        };
        add(
            X509V1,
            severity,
            format!("X.509 v{}: no extensions{words}", c.version),
        );
    }
    if c.version != 3 && !c.extensions.is_empty() {
        add(
            ExtensionsBeforeV3,
            Severity::Error,
            format!(
                "X.509 v{} with {} extension(s): extensions need version 3",
                c.version,
                c.extensions.len()
            ),
        );
    }
    for e in &c.extensions {
        if let ExtensionValue::Malformed { error, .. } = &e.value {
            if e.id.oid == ID_PE_AUTHORITY_INFO_ACCESS {
                add(
                    MalformedAuthorityInfoAccess,
                    Severity::Error,
                    format!("authorityInfoAccess does not parse: {error}"),
                );
            } else {
                add(
                    MalformedExtension,
                    Severity::Error,
                    format!("extension {} does not parse: {error}", e.id),
                );
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for e in &c.extensions {
        if !seen.insert(e.id.oid) {
            add(
                DuplicateExtension,
                Severity::Error,
                format!("extension {} appears more than once", e.id),
            );
        }
    }
    if matches!(role, Role::Server | Role::Client | Role::Other) && c.version == 3 {
        let cert_sign = c.key_usage().is_some_and(|k| k.contains(&"keyCertSign"));
        // A root CA without basicConstraints (its own lint says so) is no
        // server: it has no host name to miss.
        let root_without_bc = cert_sign && c.self_issued() && c.basic_constraints().is_none();
        if c.subject_alt_names().is_empty() && role != Role::Client && !root_without_bc {
            // Browsers match a host name only against subjectAltName:
            // Chrome since 58 (https://chromestatus.com/feature/4981025180483584,
            // and checked here by a real load: ERR_CERT_COMMON_NAME_INVALID);
            // Firefox since 48, as the same page notes; Safari since iOS 13
            // and macOS 10.15, for every TLS server certificate (Apple
            // support note HT210176, "Requirements for trusted certificates
            // in iOS 13 and macOS 10.15": DNS names in the CN are no longer
            // trusted).
            add(
                NoSubjectAltName,
                Severity::Error,
                format!(
                    "no subjectAltName{}: stacks that match a host name only against \
                     subjectAltName, as browsers do, refuse it for every name",
                    c.subject
                        .common_name()
                        .map(|cn| format!(" (only CN={cn})"))
                        .unwrap_or_default()
                ),
            );
        }
        if c.extended_key_usage().is_none() {
            // Every stack here takes it (Chromium checked by a real load);
            // Safari does not for a server: macOS 10.15 and iOS 13 require
            // extKeyUsage with serverAuth in every TLS server certificate
            // issued after 2019-07-01 (Apple support note HT210176,
            // "Requirements for trusted certificates in iOS 13 and macOS
            // 10.15").
            let safari = if role == Role::Client {
                ""
            } else {
                "; Safari (macOS 10.15, iOS 13 and later) refuses a server certificate without \
                 serverAuth in it"
            };
            add(
                NoExtendedKeyUsage,
                Severity::Warning,
                format!(
                    "no extKeyUsage: valid for any purpose, which public TLS certificates may \
                     not be{safari}"
                ),
            );
        }
        if root_without_bc {
            add(
                CaWithoutBasicConstraints,
                Severity::Error,
                "a self-issued certificate with keyUsage keyCertSign (a root CA) but no \
                 basicConstraints: it is not a CA"
                    .into(),
            );
        } else if cert_sign {
            add(
                LeafKeyCertSign,
                Severity::Warning,
                "keyUsage keyCertSign on a certificate that is not a CA".into(),
            );
        }
    }
    if role == Role::Ca {
        if c.key_usage().is_some_and(|k| !k.contains(&"keyCertSign")) {
            add(
                CaWithoutKeyCertSign,
                Severity::Error,
                "a CA whose keyUsage lacks keyCertSign: nothing it signs verifies".into(),
            );
        }
        if c.key_usage().is_none() {
            add(
                CaWithoutKeyUsage,
                Severity::Warning,
                "a CA certificate without keyUsage".into(),
            );
        }
        let eku_leafy = c.extended_key_usage().is_some_and(|p| {
            p.iter()
                .any(|p| matches!(ExtendedKeyUsage::of(&p.oid), Some(ServerAuth | ClientAuth)))
        });
        // A root that names its purposes (extendedKeyUsage on a root) signs
        // with keyCertSign; a self-signed server certificate does not.
        let cert_sign = c.key_usage().is_some_and(|k| k.contains(&"keyCertSign"));
        if !c.subject_alt_names().is_empty() || eku_leafy && c.self_issued() && !cert_sign {
            add(
                CaTrueLeaf,
                Severity::Warning,
                "basicConstraints CA:TRUE on what looks like a server or client certificate \
                 (it has subjectAltName or a TLS purpose): webpki refuses a CA as end entity"
                    .into(),
            );
        }
    }
    match &c.public_key.kind {
        // Chromium takes RSA-1024 from a root a person added (checked);
        // Safari refuses RSA keys under 2048 bits in TLS certificates (Apple
        // support note HT210176).
        KeyKind::Rsa { bits, .. } if *bits < 2048 => add(
            RsaTooSmall,
            Severity::Error,
            format!(
                "RSA-{bits}: under the 2048 bits that public CAs, rustls/webpki and Safari \
                 require"
            ),
        ),
        // Chromium offers no EdDSA signature scheme, so the handshake fails
        // (ERR_SSL_PROTOCOL_ERROR, checked by a real load); public CAs may
        // not issue EdDSA keys (CA/B Baseline Requirements 6.1.5: RSA and
        // ECDSA P-256, P-384, P-521 only).
        KeyKind::Ed25519 | KeyKind::Ed448 if role != Role::Client => add(
            EddsaInServerChain,
            Severity::Warning,
            "an EdDSA key: browsers and the public Web PKI do not accept it for TLS servers".into(),
        ),
        _ => {}
    }
    match &c.public_key.kind {
        KeyKind::Ec { curve, .. } if curve.oid == crate::oid::PRIME_192_V_1 => add(
            WeakKey,
            Severity::Error,
            "an ECDSA P-192 key (96-bit security)".into(),
        ),
        KeyKind::Other { algorithm } if algorithm.oid == ID_DSA => add(
            WeakKey,
            Severity::Error,
            "a DSA key, which TLS 1.3 and the Web PKI no longer use".into(),
        ),
        _ => {}
    }
    // SHA-1: Chromium refuses it even below a root a person added
    // (checked); Firefox 51 stopped trusting it below the roots it ships
    // (Mozilla Security Blog, "The end of SHA-1 on the Public Web",
    // 2017-02-23); Safari does not trust it in TLS server certificates
    // (Apple support note HT210176).
    if SignatureAlgorithm::of(&c.signature_algorithm.oid) == Some(SignatureAlgorithm::Sha1) {
        add(Sha1Signature, Severity::Error, "signed with SHA-1".into());
    }
    if c.signature_algorithm.oid == MD_5_WITH_RSA_ENCRYPTION {
        add(Md5Signature, Severity::Error, "signed with MD5".into());
    }
    lint_names_and_constraints(c, &mut add);
    lint_validity_encoding(c, &mut add);
    if c.is_ca() && c.self_issued() && !c.valid_at(now) {
        add(
            TrustAnchorOutsideValidity,
            Severity::Error,
            format!(
                "a root CA used as a trust anchor outside its validity ({} to {}); rustls/webpki \
                 do not check an anchor's dates",
                c.not_before, c.not_after
            ),
        );
    }
    let days = c.not_after.0.saturating_sub(c.not_before.0) / DAY;
    if role == Role::Server && days > MAX_SERVER_DAYS {
        // 398 days binds public CAs (CA/B Baseline Requirements 6.3.2) and
        // what browsers take from the roots they ship: Apple's limit does
        // not apply to roots a person adds (Apple support note HT211025,
        // "About upcoming limits on trusted certificates"), and Chromium
        // takes 1000 days below one (checked by a real load). Safari's own
        // limit for any TLS server certificate issued after 2019-07-01 is
        // 825 days (HT210176).
        let safari = if days > MAX_SAFARI_DAYS {
            format!(
                "; Safari (macOS 10.15, iOS 13 and later) refuses a server certificate valid \
                 for more than {MAX_SAFARI_DAYS} days whatever its root"
            )
        } else {
            String::new()
        };
        add(
            ServerValidityTooLong,
            Severity::Warning,
            format!(
                "valid for {days} days: public CAs may issue at most {MAX_SERVER_DAYS}, and \
                 browsers take no more from the roots they ship{safari}"
            ),
        );
    }
    if now > c.not_after.0 {
        add(
            Expired,
            Severity::Error,
            format!("expired at {}", c.not_after),
        );
    } else if now < c.not_before.0 {
        add(
            NotYetValid,
            Severity::Error,
            format!("not valid before {}", c.not_before),
        );
    } else if c.not_after.0.saturating_sub(now) < 30 * DAY {
        add(
            ExpiringSoon,
            Severity::Warning,
            format!("expires within 30 days, at {}", c.not_after),
        );
    }
    let serial = c.serial.bytes();
    if serial.first().is_some_and(|b| b & 0x80 != 0) {
        add(
            SerialNegative,
            Severity::Error,
            "serialNumber is negative".into(),
        );
    } else if serial.iter().all(|b| *b == 0) {
        add(SerialZero, Severity::Warning, "serialNumber is zero".into());
    }
    if serial.len() > 20 {
        add(
            SerialTooLong,
            Severity::Warning,
            format!(
                "serialNumber is {} octets; at most 20 are allowed",
                serial.len()
            ),
        );
    }
    if c.version == 3 && role == Role::Ca && c.subject_key_id().is_none() {
        add(
            NoSubjectKeyIdentifier,
            Severity::Error,
            "a CA without subjectKeyIdentifier".into(),
        );
    }
    for e in c.extensions.iter().filter(|e| e.critical) {
        if [ID_CE_SUBJECT_KEY_IDENTIFIER, ID_CE_AUTHORITY_KEY_IDENTIFIER].contains(&e.id.oid) {
            add(
                CriticalKeyIdentifier,
                Severity::Error,
                format!("{} is marked critical, which RFC 5280 forbids", e.id),
            );
        } else if !crate::oid::PROCESSED_WHEN_CRITICAL.contains(&e.id.oid) {
            add(
                UnknownCriticalExtension,
                Severity::Error,
                format!(
                    "extension {} is marked critical, and no TLS stack processes it",
                    e.id
                ),
            );
        }
    }
    let alone = |purposes: &[Oid]| {
        purposes.iter().any(|p| p.oid == ANY_EXTENDED_KEY_USAGE)
            && !purposes
                .iter()
                .any(|p| matches!(ExtendedKeyUsage::of(&p.oid), Some(ServerAuth | ClientAuth)))
    };
    if role == Role::Ca && position != Position::Leaf && c.extended_key_usage().is_some_and(alone) {
        // rustls/webpki read no purpose of a trust anchor ([`Stacks::at`]).
        let who = if position == Position::Anchor {
            "OpenSSL and Node"
        } else {
            "rustls/webpki, OpenSSL and Node"
        };
        add(
            AnyExtendedKeyUsage,
            Severity::Error,
            format!(
                "a CA whose extendedKeyUsage is anyExtendedKeyUsage alone: {who} ask a CA's \
                 extendedKeyUsage, when it has one, to hold the leaf's purpose (serverAuth or \
                 clientAuth), and do not take anyExtendedKeyUsage for it"
            ),
        );
    }
    if let Some(purposes) = c.extended_key_usage().filter(|_| role != Role::Ca) {
        let any = purposes.iter().any(|p| p.oid == ANY_EXTENDED_KEY_USAGE);
        let tls = purposes
            .iter()
            .any(|p| matches!(ExtendedKeyUsage::of(&p.oid), Some(ServerAuth | ClientAuth)));
        if any && tls {
            add(
                AnyExtendedKeyUsage,
                Severity::Warning,
                "extendedKeyUsage anyExtendedKeyUsage beside a TLS purpose: rustls/webpki and \
                 OpenSSL go by the TLS purpose and ignore it; the CA/B Baseline Requirements \
                 forbid it in server certificates"
                    .into(),
            );
        } else if any {
            add(
                AnyExtendedKeyUsage,
                Severity::Error,
                "extendedKeyUsage anyExtendedKeyUsage without serverAuth or clientAuth: it \
                 names no TLS purpose (openssl verify without -purpose accepts it, a \
                 handshake checks one)"
                    .into(),
            );
        }
    }
    if c.version == 3 && c.authority_key_id().is_none() && !c.self_issued() {
        add(
            NoAuthorityKeyIdentifier,
            Severity::Warning,
            "no authorityKeyIdentifier: a client cannot tell two CAs with the same name apart"
                .into(),
        );
    }
    let aki_critical = c
        .extensions
        .iter()
        .any(|e| e.critical && e.id.oid == ID_CE_AUTHORITY_KEY_IDENTIFIER);
    for lint in &mut out {
        lint.stacks = Stacks::at(lint.id, position);
        match lint.id {
            // A root's signature on itself is not checked on a trust anchor:
            // what the stacks do with a weak hash is about what a CA signs.
            Sha1Signature | Md5Signature if position == Position::Anchor => {
                lint.severity = Severity::Warning;
                lint.stacks = Some(Stacks::all_accept());
                lint.message.push_str(
                    " (its own signature: no stack checks it on a trust anchor, every one \
                     does on what it signs)",
                );
            }
            // webpki reads no trust anchor's dates at all.
            DateBefore1970 if position == Position::Anchor => {
                lint.severity = Severity::Notice;
                lint.message.push_str(
                    "; it takes this root (it reads no anchor's dates), but no other \
                     certificate dated so",
                );
            }
            DateBefore1970 => lint.message.push_str(" and refuses it"),
            // curl's security level 2 asks 112 bits of security: DSA-2048
            // has them, DSA-1024 and P-192 do not (all three checked). A
            // DSA public key (an INTEGER below p) is as long as p.
            WeakKey
                if matches!(c.public_key.kind, KeyKind::Other { .. })
                    && c.public_key.bits.len() >= 256 =>
            {
                lint.stacks = lint.stacks.take().map(|s| s.accepting(Stack::Curl));
            }
            // Python cryptography refuses a critical subjectKeyIdentifier on
            // a CA only (and a critical authorityKeyIdentifier anywhere).
            CriticalKeyIdentifier if position == Position::Leaf && !aki_critical => {
                lint.stacks = lint.stacks.take().map(|s| s.accepting(Stack::Python));
            }
            // Beside serverAuth or clientAuth it changes nothing.
            AnyExtendedKeyUsage if lint.severity == Severity::Warning => {
                lint.stacks = Some(Stacks::all_accept());
            }
            _ => {}
        }
    }
    out
}

/// Names and basicConstraints: empty names, criticality, where
/// extendedKeyUsage and pathLenConstraint belong, directoryName constraints.
fn lint_names_and_constraints(c: &Certificate, add: &mut impl FnMut(LintId, Severity, String)) {
    use LintId::*;
    let critical = |oid| {
        c.extensions
            .iter()
            .find(|e| e.id.oid == oid)
            .map(|e| e.critical)
    };
    if c.issuer.rdns.is_empty() {
        add(
            EmptyIssuer,
            Severity::Error,
            "the issuer name is empty".into(),
        );
    }
    if c.subject.rdns.is_empty() && critical(ID_CE_SUBJECT_ALT_NAME) == Some(false) {
        add(
            EmptySubjectSanNotCritical,
            Severity::Error,
            "an empty subject beside a subjectAltName not marked critical".into(),
        );
    }
    if c.is_ca() && critical(ID_CE_BASIC_CONSTRAINTS) == Some(false) {
        add(
            CaBasicConstraintsNotCritical,
            Severity::Warning,
            "a CA whose basicConstraints is not marked critical".into(),
        );
    }
    if critical(ID_CE_EXT_KEY_USAGE) == Some(true) {
        add(
            CriticalExtendedKeyUsage,
            Severity::Warning,
            "extendedKeyUsage is marked critical".into(),
        );
    }
    if c.is_ca() && c.self_issued() && c.extended_key_usage().is_some() {
        add(
            ExtendedKeyUsageOnRoot,
            Severity::Warning,
            "a root CA with extendedKeyUsage".into(),
        );
    }
    if let Some((false, Some(n))) = c.basic_constraints() {
        add(
            PathLengthOnLeaf,
            Severity::Warning,
            format!("pathLenConstraint {n} on a certificate that is not a CA"),
        );
    }
    for e in &c.extensions {
        if let ExtensionValue::NameConstraints {
            permitted,
            excluded,
        } = &e.value
        {
            let directory = permitted
                .iter()
                .chain(excluded)
                .filter(|n| matches!(n, GeneralName::DirectoryName(_)))
                .count();
            if directory > 0 {
                add(
                    DirectoryNameConstraints,
                    Severity::Error,
                    format!("nameConstraints on {directory} directory name(s)"),
                );
            }
        }
    }
}

/// 2050 years, in Unix seconds: 2050-01-01T00:00:00Z.
const YEAR_2050: i64 = 2_524_608_000;

/// RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
fn lint_validity_encoding(c: &Certificate, add: &mut impl FnMut(LintId, Severity, String)) {
    use super::model::TimeEncoding::{GeneralizedTime, UtcTime};
    use LintId::*;
    let [before, after] = c.validity_encoding;
    // A UTCTime year 50-99 reads as 1950-1999: an end before the start is a
    // date past 2049 written as UTCTime.
    if after == UtcTime && c.not_after < c.not_before {
        add(
            UtcTimePast2049,
            Severity::Error,
            format!(
                "notAfter is UTCTime and reads as {}, before notBefore: a date past 2049 \
                 written as UTCTime (two-digit years 50-99 are 1950-1999)",
                c.not_after
            ),
        );
    }
    // webpki counts time from 1970 and reads no date before it (RFC 5280
    // allows them: UTCTime 50-69 is 1950-1969); a notAfter before its
    // notBefore is the lint above, not a real early date.
    let early = c.not_before.0 < 0 || c.not_after.0 < 0 && c.not_after >= c.not_before;
    if early {
        add(
            DateBefore1970,
            Severity::Error,
            format!(
                "valid from {} to {}: rustls/webpki reads no date before 1970",
                c.not_before, c.not_after
            ),
        );
    }
    let early_generalized = [(before, c.not_before), (after, c.not_after)]
        .iter()
        .any(|(encoding, t)| *encoding == GeneralizedTime && t.0 < YEAR_2050);
    if early_generalized {
        add(
            GeneralizedTimeBefore2050,
            Severity::Warning,
            "a validity date before 2050 written as GeneralizedTime (RFC 5280: UTCTime)".into(),
        );
    }
}
