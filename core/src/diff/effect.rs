//! What a difference does. Where a lint speaks ([`crate::read::lint`]),
//! its words; here only what no lint says: the other stacks' side of a
//! difference (OpenSSL's host name fallback to the CN, its acceptance of
//! v1), a purpose missing beside one that is there, and that a difference
//! decides nothing.

use std::fmt;

use serde::Serialize;

use super::{Field, Role, Side};
use crate::escape::escape;
use crate::oid::db::rfc5280;
use crate::plan::ExtendedKeyUsage;
use crate::read::lint::{Lint, LintId, Severity, Stacks};
use crate::read::model::GeneralName;
use crate::read::Certificate;

/// What one difference does to one side (or to neither).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effect {
    /// The certificate it is about (`None`: both, or neither).
    pub side: Option<Side>,
    /// How much it matters: an error is refused by some stack.
    pub severity: Severity,
    /// The lint that says it, when one does.
    pub lint: Option<LintId>,
    /// In words.
    pub words: String,
    /// How to fix it, when something is to fix.
    pub fix: Option<&'static str>,
}

impl Effect {
    /// A lint that `side` has and the other has not.
    pub(crate) fn of_lint(side: Side, lint: &Lint) -> Self {
        Self {
            side: Some(side),
            severity: lint.severity,
            lint: Some(lint.id),
            // The lint's words, and which stacks it says refuse and accept.
            words: match &lint.stacks {
                Some(stacks) => format!("{} ({stacks})", lint.message),
                None => lint.message.clone(),
            },
            fix: Some(lint.fix),
        }
    }

    fn note(side: Side, severity: Severity, words: String) -> Self {
        Self {
            side: Some(side),
            severity,
            lint: None,
            words,
            fix: None,
        }
    }
}

/// `A: Error x509-v1: X.509 v1: ... fix: re-issue as v3 ...`
impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(side) = self.side {
            write!(f, "{side}: ")?;
        }
        write!(f, "{}", self.severity)?;
        if let Some(id) = self.lint {
            write!(f, " {id}")?;
        }
        write!(f, ": {}", escape(&self.words))?;
        if let Some(fix) = self.fix {
            write!(f, " (fix: {fix})")?;
        }
        Ok(())
    }
}

/// What `field` differing does to `this` (on `side`), beside `other`,
/// where no lint says it. What OpenSSL and rustls decide is checked in
/// tests/tests/diff.rs against `openssl verify` and `certplay verify`.
/// A name only in a v1 certificate's CN is decided as the
/// no-subject-alt-name lint's claims say, which tests/tests/stacks.rs
/// checks on a v1 leaf against every stack there (Go since 1.15 and
/// Chromium refuse it; Chrome since 58, Firefox since 48 and Safari since
/// iOS 13 and macOS 10.15 ignore the CN: see that lint in read/lint.rs).
pub(crate) fn notes(
    field: &Field,
    side: Side,
    this: &Certificate,
    other: &Certificate,
) -> Vec<Effect> {
    let mut out = Vec::new();
    let role = Role::of(this);
    let leaf = !matches!(role, Role::Root | Role::Intermediate);
    match field {
        Field::Version if this.version == 1 && other.version == 3 => out.push(Effect::note(
            side,
            Severity::Notice,
            "OpenSSL accepts an X.509 v1 certificate: openssl verify, curl, and Node (on \
             OpenSSL; the blog's own server) take it"
                .into(),
        )),
        Field::Extension(_) if field.is_extension(rfc5280::ID_CE_SUBJECT_ALT_NAME) => {
            let names: Vec<String> = other
                .subject_alt_names()
                .iter()
                .filter(|n| matches!(n, GeneralName::Dns(_) | GeneralName::Ip(_)))
                .map(ToString::to_string)
                .collect();
            let lacks = this.subject_alt_names().is_empty();
            if lacks && !names.is_empty() && role != Role::Client && this.version != 3 {
                let cn = this
                    .subject
                    .common_name()
                    .map(|cn| format!(" (CN={})", escape(cn)))
                    .unwrap_or_default();
                let stacks = Stacks::of(LintId::NoSubjectAltName)
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default();
                out.push(Effect::note(
                    side,
                    Severity::Error,
                    format!(
                        "no subjectAltName: stacks that match a host name only against \
                         subjectAltName refuse it for {}{stacks}; OpenSSL's host name check \
                         (openssl verify -verify_hostname, curl) falls back to the subject's \
                         CN{cn}",
                        names.join(", ")
                    ),
                ));
            } else if lacks && role == Role::Client {
                out.push(Effect::note(
                    side,
                    Severity::Notice,
                    "a client certificate needs no subjectAltName: a server checks its chain \
                     and purpose, not a name"
                        .into(),
                ));
            }
        }
        Field::Extension(_) if field.is_extension(rfc5280::ID_CE_EXT_KEY_USAGE) => {
            purposes(&mut out, side, this, other);
        }
        Field::Extension(_) if field.is_extension(rfc5280::ID_CE_KEY_USAGE) => {
            if this.key_usage().is_none() && !leaf {
                out.push(Effect::note(
                    side,
                    Severity::Warning,
                    "no keyUsage on a CA: openssl verify -x509_strict refuses every chain \
                     through it (CA cert does not include key usage extension); OpenSSL's \
                     default, rustls/webpki and Node accept it"
                        .into(),
                ));
            } else if this.key_usage().is_none() {
                out.push(Effect::note(
                    side,
                    Severity::Notice,
                    "no keyUsage: the key may be used for anything, which every stack here \
                     accepts"
                        .into(),
                ));
            }
        }
        Field::Extension(_)
            if field.is_extension(rfc5280::ID_CE_BASIC_CONSTRAINTS)
                && this.basic_constraints().is_none()
                && leaf =>
        {
            out.push(Effect::note(
                side,
                Severity::Notice,
                "no basicConstraints: not a CA, as CA:FALSE would say; every stack here \
                 takes it as an end entity"
                    .into(),
            ));
        }
        Field::Extension(_)
            if field.is_extension(rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER)
                && this.authority_key_id().is_none()
                && (this.self_issued() || this.version != 3) =>
        {
            let words = if this.self_issued() {
                "no authorityKeyIdentifier on a self-signed root: it names its own key; \
                 nothing refuses it"
            } else {
                "no authorityKeyIdentifier: a verifier finds the issuer by its name only, so \
                 two CAs with the same name cannot be told apart; nothing refuses it"
            };
            out.push(Effect::note(side, Severity::Notice, words.into()));
        }
        Field::Extension(_)
            if field.is_extension(rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER)
                && this.subject_key_id().is_none()
                && this.version != 3 =>
        {
            out.push(Effect::note(
                side,
                Severity::Notice,
                "no subjectKeyIdentifier: nothing refuses it".into(),
            ));
        }
        _ => {}
    }
    out
}

/// extendedKeyUsage: a TLS purpose the other side has and this one lacks.
fn purposes(out: &mut Vec<Effect>, side: Side, this: &Certificate, other: &Certificate) {
    let has = |c: &Certificate, p: ExtendedKeyUsage| {
        c.extended_key_usage()
            .is_some_and(|list| list.iter().any(|o| o.oid == p.oid()))
    };
    let tls = [
        (
            ExtendedKeyUsage::ServerAuth,
            "serverAuth",
            "a TLS client refuses it as a server certificate (rustls/webpki; OpenSSL: \
             unsuitable certificate purpose)",
        ),
        (
            ExtendedKeyUsage::ClientAuth,
            "clientAuth",
            "a server asking for client certificates refuses it (rustls/webpki: \
             unsupported_certificate; OpenSSL: unsuitable certificate purpose)",
        ),
    ];
    for (purpose, name, who) in tls {
        if !has(other, purpose) || has(this, purpose) {
            continue;
        }
        match this.extended_key_usage() {
            Some(_) => out.push(Effect::note(
                side,
                Severity::Error,
                format!("extendedKeyUsage without {name}: {who}"),
            )),
            None if this.version != 3 => out.push(Effect::note(
                side,
                Severity::Notice,
                format!(
                    "no extendedKeyUsage, so any purpose: rustls/webpki and OpenSSL accept it \
                     where {name} is asked for"
                ),
            )),
            None => {}
        }
    }
}

/// A difference that decides nothing, in words that say why.
pub(crate) fn none(field: &Field) -> Effect {
    let words = match field {
        Field::SerialNumber => "none: every certificate has its own serial number",
        Field::SignatureAlgorithm => "none: every stack here verifies either signature",
        Field::Issuer | Field::Subject => {
            "the names differ: a certificate chains only to a CA whose subject is its issuer"
        }
        Field::Validity => "none while both are within their dates",
        Field::SubjectPublicKeyInfo => {
            "none: another key pair, each certificate with its own private key"
        }
        Field::Extension(id)
            if [
                rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
                rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
            ]
            .contains(&id.oid) =>
        {
            "none: each key has its own identifier"
        }
        Field::Version | Field::Extension(_) => "no TLS stack here decides on it",
    };
    Effect {
        side: None,
        severity: Severity::Notice,
        lint: None,
        words: words.into(),
        fix: None,
    }
}
