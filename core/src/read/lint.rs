//! Lints: what is legal enough to parse but will make a TLS stack, a browser
//! or a CA/Browser Forum rule refuse a certificate. Each names its rule and
//! a one-line fix.

use serde::Serialize;

use super::model::{ExtensionValue, KeyKind};
use super::Certificate;
use crate::oid::SignatureAlgorithm;
use crate::plan::ExtendedKeyUsage::{self, ClientAuth, ServerAuth};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Something to know; nothing refuses it.
    Notice,
    /// Some clients refuse it, or a rule says SHOULD.
    Warning,
    /// TLS stacks refuse it, or a rule says MUST.
    Error,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lint {
    /// A stable short name (`x509-v1`).
    pub id: &'static str,
    /// How bad.
    pub severity: Severity,
    /// The rule: RFC section or CA/B Baseline Requirements section.
    pub rule: &'static str,
    /// What was found.
    pub message: String,
    /// How to fix it, in one line.
    pub fix: &'static str,
}

/// What a certificate is for, as far as its extensions say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Ca,
    Server,
    Client,
    Other,
}

/// CA/B Baseline Requirements 6.3.2: at most 398 days for TLS server certificates.
const MAX_SERVER_DAYS: i64 = 398;
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

/// Lints one certificate at time `now` (Unix seconds).
pub fn certificate(c: &Certificate, now: i64) -> Vec<Lint> {
    let mut out = Vec::new();
    let mut add = |id, severity, rule, message: String, fix| {
        out.push(Lint {
            id,
            severity,
            rule,
            message,
            fix,
        });
    };
    let role = role(c);
    if c.version != 3 {
        add(
            "x509-v1",
            Severity::Error,
            "RFC 5280 4.1.2.1",
            format!(
                "X.509 v{}: no extensions, and rustls/webpki refuse it",
                c.version
            ),
            "re-issue as v3 (openssl x509 -req ... -extfile with the extensions)",
        );
    }
    for e in &c.extensions {
        if let ExtensionValue::Malformed { error, .. } = &e.value {
            add(
                "malformed-extension",
                Severity::Error,
                "RFC 5280 4.2",
                format!("extension {} does not parse: {error}", e.id),
                "re-issue the certificate with a correctly encoded extension",
            );
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for e in &c.extensions {
        if !seen.insert(e.id.oid) {
            add(
                "duplicate-extension",
                Severity::Error,
                "RFC 5280 4.2",
                format!("extension {} appears more than once", e.id),
                "re-issue with each extension once",
            );
        }
    }
    if matches!(role, Role::Server | Role::Client | Role::Other) && c.version == 3 {
        if c.subject_alt_names().is_empty() && role != Role::Client {
            add(
                "no-subject-alt-name",
                Severity::Error,
                "CA/B BR 7.1.2.7.12; RFC 6125 6.4.4",
                format!(
                    "no subjectAltName{}: TLS clients never match a host name against the CN",
                    c.subject
                        .common_name()
                        .map(|cn| format!(" (only CN={cn})"))
                        .unwrap_or_default()
                ),
                "add subjectAltName DNS:/IP: entries for every host name",
            );
        }
        if c.extended_key_usage().is_none() {
            add(
                "no-extended-key-usage",
                Severity::Warning,
                "CA/B BR 7.1.2.7.10",
                "no extKeyUsage: valid for any purpose, which public TLS certificates may not be"
                    .into(),
                "add extendedKeyUsage serverAuth (server) or clientAuth (client)",
            );
        }
        if c.key_usage().is_some_and(|k| k.contains(&"keyCertSign")) {
            add(
                "leaf-key-cert-sign",
                Severity::Warning,
                "RFC 5280 4.2.1.3",
                "keyUsage keyCertSign on a certificate that is not a CA".into(),
                "drop keyCertSign, or make it a CA with basicConstraints CA:TRUE",
            );
        }
    }
    if role == Role::Ca {
        if c.key_usage().is_some_and(|k| !k.contains(&"keyCertSign")) {
            add(
                "ca-without-key-cert-sign",
                Severity::Error,
                "RFC 5280 4.2.1.3",
                "a CA whose keyUsage lacks keyCertSign: nothing it signs verifies".into(),
                "add keyUsage keyCertSign, cRLSign",
            );
        }
        if c.key_usage().is_none() {
            add(
                "ca-without-key-usage",
                Severity::Warning,
                "RFC 5280 4.2.1.3; CA/B BR 7.1.2.1",
                "a CA certificate without keyUsage".into(),
                "add keyUsage critical, keyCertSign, cRLSign",
            );
        }
        let eku_leafy = c.extended_key_usage().is_some_and(|p| {
            p.iter()
                .any(|p| matches!(ExtendedKeyUsage::of(&p.oid), Some(ServerAuth | ClientAuth)))
        });
        if !c.subject_alt_names().is_empty() || eku_leafy && c.self_issued() {
            add(
                "ca-true-leaf",
                Severity::Warning,
                "RFC 5280 4.2.1.9",
                "basicConstraints CA:TRUE on what looks like a server or client certificate \
                 (it has subjectAltName or a TLS purpose): webpki refuses a CA as end entity"
                    .into(),
                "issue leaves with CA:FALSE and a separate CA to sign them",
            );
        }
    }
    match &c.public_key.kind {
        KeyKind::Rsa { bits, .. } if *bits < 2048 => add(
            "rsa-too-small",
            Severity::Error,
            "CA/B BR 6.1.5",
            format!("RSA-{bits}: keys under 2048 bits are refused"),
            "use RSA-2048 or larger, or ECDSA P-256",
        ),
        KeyKind::Ed25519 | KeyKind::Ed448 if role != Role::Client => add(
            "eddsa-in-server-chain",
            Severity::Warning,
            "CA/B BR 6.1.5",
            "an EdDSA key: browsers and the public Web PKI do not accept it for TLS servers".into(),
            "use ECDSA P-256 or RSA-2048 for anything a browser must trust",
        ),
        _ => {}
    }
    if SignatureAlgorithm::of(&c.signature_algorithm.oid) == Some(SignatureAlgorithm::Sha1) {
        add(
            "sha1-signature",
            Severity::Error,
            "CA/B BR 7.1.3.2",
            "signed with SHA-1, which TLS stacks refuse".into(),
            "re-issue with SHA-256 (openssl ... -sha256)",
        );
    }
    let days = c.not_after.0.saturating_sub(c.not_before.0) / DAY;
    if role == Role::Server && days > MAX_SERVER_DAYS {
        add(
            "server-validity-too-long",
            Severity::Warning,
            "CA/B BR 6.3.2",
            format!("valid for {days} days; browsers accept at most {MAX_SERVER_DAYS} for servers"),
            "issue server certificates for 398 days or less",
        );
    }
    if now > c.not_after.0 {
        add(
            "expired",
            Severity::Error,
            "RFC 5280 4.1.2.5",
            format!("expired at {}", c.not_after),
            "re-issue it",
        );
    } else if now < c.not_before.0 {
        add(
            "not-yet-valid",
            Severity::Error,
            "RFC 5280 4.1.2.5",
            format!("not valid before {}", c.not_before),
            "check the clocks, or re-issue with an earlier notBefore",
        );
    } else if c.not_after.0.saturating_sub(now) < 30 * DAY {
        add(
            "expiring-soon",
            Severity::Warning,
            "RFC 5280 4.1.2.5",
            format!("expires within 30 days, at {}", c.not_after),
            "re-issue it before it expires",
        );
    }
    let serial = c.serial.bytes();
    if serial.first().is_some_and(|b| b & 0x80 != 0) || serial.iter().all(|b| *b == 0) {
        add(
            "serial-not-positive",
            Severity::Error,
            "RFC 5280 4.1.2.2",
            "serialNumber is zero or negative".into(),
            "re-issue with a positive random serial",
        );
    }
    if serial.len() > 20 {
        add(
            "serial-too-long",
            Severity::Error,
            "RFC 5280 4.1.2.2",
            format!(
                "serialNumber is {} octets; at most 20 are allowed",
                serial.len()
            ),
            "re-issue with a serial of at most 20 octets",
        );
    }
    if c.version == 3 && c.subject_key_id().is_none() {
        add(
            "no-subject-key-identifier",
            if role == Role::Ca {
                Severity::Error
            } else {
                Severity::Notice
            },
            "RFC 5280 4.2.1.2",
            "no subjectKeyIdentifier".into(),
            "add subjectKeyIdentifier = hash",
        );
    }
    if c.version == 3 && c.authority_key_id().is_none() && !c.self_issued() {
        add(
            "no-authority-key-identifier",
            Severity::Warning,
            "RFC 5280 4.2.1.1",
            "no authorityKeyIdentifier: a client cannot tell two CAs with the same name apart"
                .into(),
            "add authorityKeyIdentifier = keyid",
        );
    }
    out
}
