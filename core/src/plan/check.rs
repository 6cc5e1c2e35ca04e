//! Checking a plan before anything is issued: errors name the entry and the
//! field; what is legal but probably a test of a failure (an expired
//! certificate, a server without names) is a warning, not a refusal.

use std::collections::BTreeSet;
use std::fmt;

use time::OffsetDateTime;

use super::{Entry, Plan, Profile, Validity, MAX_VALIDITY_DAYS};
use crate::Error;

/// The upper bound for a common name (RFC 5280, appendix A.1, ub-common-name).
const MAX_COMMON_NAME: usize = 64;
/// The upper bound for the other attributes a plan sets (RFC 5280,
/// appendix A.1: ub-organization-name and friends are 64 or 128).
const MAX_ATTRIBUTE: usize = 64;

/// The field of an entry that an error or warning is about (the page puts
/// the message next to that field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each names the Entry field of the same name
pub enum PlanField {
    Entries,
    Name,
    Profile,
    Issuer,
    Existing,
    Subject,
    Sans,
    Validity,
    Serial,
    KeyType,
    PathLen,
    NameConstraints,
    KeyUsage,
    ExtendedKeyUsage,
}

impl PlanField {
    /// The field's name in plans (`sans`, `path_len`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Entries => "entry",
            Self::Name => "name",
            Self::Profile => "profile",
            Self::Issuer => "issuer",
            Self::Existing => "existing",
            Self::Subject => "subject",
            Self::Sans => "sans",
            Self::Validity => "validity",
            Self::Serial => "serial",
            Self::KeyType => "key_type",
            Self::PathLen => "path_len",
            Self::NameConstraints => "name_constraints",
            Self::KeyUsage => "key_usage",
            Self::ExtendedKeyUsage => "extended_key_usage",
        }
    }
}

impl fmt::Display for PlanField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Something legal that will probably make a handshake fail: said, not refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanWarning {
    /// The entry's name.
    pub entry: String,
    /// The field concerned.
    pub field: PlanField,
    /// What will happen, in words.
    pub message: String,
}

impl fmt::Display for PlanWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.entry, self.field, self.message)
    }
}

impl Plan {
    /// Checks every entry; the first problem is the error. Warnings say what
    /// is legal but will fail somewhere (expired, not yet valid, a server
    /// without names, ...), judged at `now`.
    pub fn check(&self, now: OffsetDateTime) -> Result<Vec<PlanWarning>, Error> {
        if self.entries.is_empty() {
            return Err(Error::plan(
                "plan",
                PlanField::Entries,
                "the plan has no entries: add at least one",
            ));
        }
        let mut warnings = Vec::new();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for entry in &self.entries {
            check_entry(self, entry, &seen, now, &mut warnings)?;
            seen.insert(entry.name.as_str());
        }
        Ok(warnings)
    }
}

fn check_entry(
    plan: &Plan,
    entry: &Entry,
    earlier: &BTreeSet<&str>,
    now: OffsetDateTime,
    warnings: &mut Vec<PlanWarning>,
) -> Result<(), Error> {
    let name = entry.name.as_str();
    let error = |field, reason: String| Error::plan(name, field, reason);
    let mut warn = |field, message: String| {
        warnings.push(PlanWarning {
            entry: name.to_owned(),
            field,
            message,
        });
    };

    // The name becomes a file stem: keep it a plain, portable file name.
    let stem_ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !stem_ok {
        return Err(error(
            PlanField::Name,
            format!("{name:?} cannot be a file name: use letters, digits, '-', '_' and '.' (not first), at most 64"),
        ));
    }
    if earlier.contains(name) {
        return Err(error(
            PlanField::Name,
            format!("another entry is already named {name:?}"),
        ));
    }
    if name == "certplay-plan" {
        return Err(error(
            PlanField::Name,
            "certplay-plan is the plan's own file name".into(),
        ));
    }

    match entry.issuer.as_deref() {
        None if !entry.existing && entry.profile == Profile::IntermediateCa => {
            return Err(error(
                PlanField::Issuer,
                "an intermediate CA needs an issuer (the root CA's entry)".into(),
            ))
        }
        None => {}
        Some(issuer) if issuer == name => return Err(error(
            PlanField::Issuer,
            "an entry cannot name itself as issuer; leave issuer out for a self-signed certificate"
                .into(),
        )),
        Some(issuer) => {
            let Some(issuer_entry) = plan.entry(issuer).filter(|_| earlier.contains(issuer)) else {
                return Err(error(
                    PlanField::Issuer,
                    format!("issuer {issuer:?} is not an earlier entry (an issuer comes before what it signs)"),
                ));
            };
            if !issuer_entry.profile.is_ca() {
                return Err(error(
                    PlanField::Issuer,
                    format!(
                        "issuer {issuer:?} is a {} certificate, not a CA: only root-ca and intermediate-ca entries sign",
                        issuer_entry.profile.description()
                    ),
                ));
            }
            if entry.existing && !issuer_entry.existing {
                return Err(error(
                    PlanField::Existing,
                    format!(
                        "an existing certificate is not issued, so its issuer {issuer:?} must be \
                         existing too (the certificate above it in the chain you gave), or left out"
                    ),
                ));
            }
            // How many CAs sit between the issuer and this entry's place.
            for (below, ca) in plan.issuers_of(entry).iter().enumerate() {
                let intermediates_below = if entry.profile.is_ca() {
                    below.saturating_add(1)
                } else {
                    below
                };
                if let Some(limit) = ca.path_len {
                    if intermediates_below > usize::from(limit) {
                        warn(
                            PlanField::Issuer,
                            format!(
                                "{} has pathLen {limit}, and {intermediates_below} CA(s) below it lead here: \
                                 verifiers will refuse this chain (path length exceeded)",
                                ca.name
                            ),
                        );
                    }
                }
            }
        }
    }

    if entry.existing && !entry.profile.is_ca() {
        return Err(error(
            PlanField::Existing,
            "only a CA can be existing (brought with its key to sign the other entries)".into(),
        ));
    }
    if entry.existing {
        // Its certificate is what it is: nothing else of the entry is used.
        return Ok(());
    }

    check_subject(entry).map_err(|reason| error(PlanField::Subject, reason))?;

    if entry.profile.serves() && entry.sans.is_empty() {
        warn(
            PlanField::Sans,
            "a server certificate without subjectAltName: TLS clients match host names against \
             subjectAltName only (never the common name), so every client will refuse it"
                .into(),
        );
    }
    if entry.profile.is_ca() && !entry.sans.is_empty() {
        warn(
            PlanField::Sans,
            "a CA certificate does not need subjectAltName entries".into(),
        );
    }

    check_validity(entry.validity, now, &mut warn)
        .map_err(|reason| error(PlanField::Validity, reason))?;

    if entry.path_len.is_some() && !entry.profile.is_ca() {
        return Err(error(
            PlanField::PathLen,
            "only a CA has a path length".into(),
        ));
    }
    if !entry.name_constraints.is_empty() && !entry.profile.is_ca() {
        return Err(error(
            PlanField::NameConstraints,
            "only a CA carries name constraints (they limit what it may sign)".into(),
        ));
    }
    let key_type = plan.key_type_of(entry);
    if let Some(usages) = &entry.key_usage {
        use super::KeyUsage;
        if usages.is_empty() {
            return Err(error(
                PlanField::KeyUsage,
                "give at least one key usage, or leave key_usage out for the profile's".into(),
            ));
        }
        if entry.profile.is_ca() && !usages.contains(&KeyUsage::KeyCertSign) {
            warn(
                PlanField::KeyUsage,
                "a CA without keyCertSign: verifiers will refuse what it signs".into(),
            );
        }
        if key_type == crate::KeyType::Ed25519
            && usages
                .iter()
                .any(|u| matches!(u, KeyUsage::KeyEncipherment | KeyUsage::DataEncipherment))
        {
            warn(
                PlanField::KeyUsage,
                "an Ed25519 key cannot encipher; that usage is misleading".into(),
            );
        }
    }
    if let Some(purposes) = &entry.extended_key_usage {
        use super::ExtendedKeyUsage;
        if entry.profile.serves()
            && !purposes.is_empty()
            && !purposes.contains(&ExtendedKeyUsage::ServerAuth)
        {
            warn(
                PlanField::ExtendedKeyUsage,
                "a server certificate without serverAuth: TLS clients will refuse it (wrong purpose)".into(),
            );
        }
        if entry.profile.is_client()
            && !purposes.is_empty()
            && !purposes.contains(&ExtendedKeyUsage::ClientAuth)
        {
            warn(
                PlanField::ExtendedKeyUsage,
                "a client certificate without clientAuth: mTLS servers will refuse it (wrong purpose)".into(),
            );
        }
    }
    Ok(())
}

fn check_subject(entry: &Entry) -> Result<(), String> {
    let subject = &entry.subject;
    let cn = subject.common_name.trim();
    if cn.is_empty() {
        return Err("the common name (CN) must not be empty".into());
    }
    if cn.chars().count() > MAX_COMMON_NAME {
        return Err(format!(
            "the common name has at most {MAX_COMMON_NAME} characters (RFC 5280 ub-common-name)"
        ));
    }
    let others = [
        ("organization (O)", &subject.organization),
        ("organizational unit (OU)", &subject.organizational_unit),
        ("state (ST)", &subject.state),
        ("locality (L)", &subject.locality),
    ];
    for (label, value) in others {
        if let Some(value) = value {
            if value.trim().is_empty() || value.chars().count() > MAX_ATTRIBUTE {
                return Err(format!(
                    "{label} must be 1 to {MAX_ATTRIBUTE} characters, or left out"
                ));
            }
        }
    }
    if let Some(country) = &subject.country {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "country (C) {country:?} must be two capital letters (ISO 3166), e.g. DE"
            ));
        }
    }
    let all =
        std::iter::once(&subject.common_name).chain(others.iter().filter_map(|(_, v)| v.as_ref()));
    if all.clone().any(|value| value.chars().any(char::is_control)) {
        return Err("names must not contain control characters".into());
    }
    Ok(())
}

fn check_validity(
    validity: Validity,
    now: OffsetDateTime,
    warn: &mut impl FnMut(PlanField, String),
) -> Result<(), String> {
    if let Validity::Relative {
        days,
        starts_in_days,
    } = validity
    {
        if !(1..=MAX_VALIDITY_DAYS).contains(&days) {
            return Err(format!("days must be between 1 and {MAX_VALIDITY_DAYS}"));
        }
        if starts_in_days.unsigned_abs() > MAX_VALIDITY_DAYS {
            return Err(format!(
                "starts_in_days must be within ±{MAX_VALIDITY_DAYS}"
            ));
        }
    }
    let (not_before, not_after) = validity.times(now);
    if not_after <= not_before {
        return Err("not_after must be later than not_before".into());
    }
    if not_before.year() < 1950 || not_after.year() > 9999 {
        return Err("times must lie between 1950 and 9999 (X.509 UTCTime/GeneralizedTime)".into());
    }
    if not_after < now {
        warn(
            PlanField::Validity,
            format!(
                "already expired (notAfter {}): verifiers will refuse it",
                crate::format_time(not_after.unix_timestamp())
            ),
        );
    } else if not_before > now {
        warn(
            PlanField::Validity,
            format!(
                "not yet valid (notBefore {}): verifiers will refuse it until then",
                crate::format_time(not_before.unix_timestamp())
            ),
        );
    }
    Ok(())
}
