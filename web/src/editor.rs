//! The plan editor's fields as text, and the way to and from a [`Plan`].
//!
//! Pure Rust, no DOM: the page renders one `<template>` per [`EntryForm`],
//! reads the inputs back into it, and [`PlanForm::to_plan`] turns the text
//! into a plan. A field that cannot even be read (days that are not a
//! number, a SAN that is no name) is an [`Error::Plan`] naming the entry and
//! the field, like the errors of [`Plan::check`], so the page puts both next
//! to the field that caused them.

use certplay_core::{
    Entry, Error, KeyType, NameConstraints, Plan, PlanField, Preset, Profile, San, Subject,
    Subtree, Validity, MAX_VALIDITY_DAYS,
};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The text of one entry's fields, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryForm {
    /// The entry as last read: what the editor does not show (serial, key
    /// usage overrides) is kept from it.
    pub base: Entry,
    /// The file stem.
    pub name: String,
    /// A [`Profile::name`].
    pub profile: String,
    /// "My own CA": the certificate and key exist already (see
    /// [`Entry::existing`]); only a CA can be.
    pub existing: bool,
    /// The issuing entry's name; empty for self-signed.
    pub issuer: String,
    /// A [`KeyType::name`]; empty for the plan's key type.
    pub key_type: String,
    /// Subject CN, O, OU, C, ST, L.
    pub subject: [String; 6],
    /// subjectAltNames, one per line (`DNS:`, `IP:`, `email:`, `URI:` or bare).
    pub sans: String,
    /// Days valid (relative validity).
    pub days: String,
    /// Days from issuing to notBefore (negative: already started or expired).
    pub starts_in_days: String,
    /// Fixed notBefore (RFC 3339); with `not_after`, replaces the days.
    pub not_before: String,
    /// Fixed notAfter (RFC 3339).
    pub not_after: String,
    /// pathLenConstraint of a CA; empty for none.
    pub path_len: String,
    /// Permitted name constraints, one per line.
    pub permitted: String,
    /// Excluded name constraints, one per line.
    pub excluded: String,
}

/// A field of an entry in the editor: one enum for reading the form,
/// writing it, and the markup's `data-field` names (ids `#entry-N-NAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The file stem.
    Name,
    /// The profile.
    Profile,
    /// "My own CA" (a checkbox).
    Existing,
    /// The issuing entry.
    Issuer,
    /// The entry's key type.
    KeyType,
    /// Subject CN.
    Cn,
    /// Subject O.
    O,
    /// Subject OU.
    Ou,
    /// Subject C.
    C,
    /// Subject ST.
    St,
    /// Subject L.
    L,
    /// subjectAltNames, one per line.
    Sans,
    /// Days valid.
    Days,
    /// Days from issuing to notBefore.
    Starts,
    /// Fixed notBefore.
    NotBefore,
    /// Fixed notAfter.
    NotAfter,
    /// pathLenConstraint.
    PathLen,
    /// Permitted name constraints.
    Permitted,
    /// Excluded name constraints.
    Excluded,
}

impl Field {
    /// Every field, in the order of the markup: what most people change
    /// first, then what sits behind the entry's "More" disclosure.
    pub const ALL: [Self; 19] = [
        Self::Name,
        Self::Profile,
        Self::Issuer,
        Self::KeyType,
        Self::Cn,
        Self::Days,
        Self::Sans,
        Self::Existing,
        Self::O,
        Self::Ou,
        Self::C,
        Self::St,
        Self::L,
        Self::Starts,
        Self::NotBefore,
        Self::NotAfter,
        Self::PathLen,
        Self::Permitted,
        Self::Excluded,
    ];

    /// The fields behind an entry's "More" disclosure (rarely changed).
    pub fn is_rare(self) -> bool {
        !matches!(
            self,
            Self::Name
                | Self::Profile
                | Self::Issuer
                | Self::KeyType
                | Self::Cn
                | Self::Days
                | Self::Sans
        )
    }

    /// The words of its label in the page, for messages about it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Profile => "Profile",
            Self::Existing => "My own CA",
            Self::Issuer => "Issuer",
            Self::KeyType => "Key type",
            Self::Cn => "Common name (CN)",
            Self::O => "Organization (O)",
            Self::Ou => "Organizational unit (OU)",
            Self::C => "Country (C)",
            Self::St => "State (ST)",
            Self::L => "Locality (L)",
            Self::Sans => "Subject alternative names",
            Self::Days => "Valid for (days)",
            Self::Starts => "Starts in (days)",
            Self::NotBefore => "Starts at",
            Self::NotAfter => "Ends at",
            Self::PathLen => "Path length",
            Self::Permitted => "Permitted names",
            Self::Excluded => "Excluded names",
        }
    }

    /// The plan's field this one is part of (as core's errors name it).
    pub fn plan_field(self) -> PlanField {
        match self {
            Self::Name => PlanField::Name,
            Self::Profile => PlanField::Profile,
            Self::Existing => PlanField::Existing,
            Self::Issuer => PlanField::Issuer,
            Self::KeyType => PlanField::KeyType,
            Self::Cn | Self::O | Self::Ou | Self::C | Self::St | Self::L => PlanField::Subject,
            Self::Sans => PlanField::Sans,
            Self::Days | Self::Starts | Self::NotBefore | Self::NotAfter => PlanField::Validity,
            Self::PathLen => PlanField::PathLen,
            Self::Permitted | Self::Excluded => PlanField::NameConstraints,
        }
    }

    /// The field of `form` that an error of `plan_field` (from
    /// [`Plan::check`] or the issuing) is about: the box to mark and focus.
    pub fn at_fault(plan_field: PlanField, form: &EntryForm, reason: &str) -> Option<Self> {
        Some(match plan_field {
            PlanField::Name => Self::Name,
            PlanField::Profile => Self::Profile,
            PlanField::Issuer => Self::Issuer,
            PlanField::KeyType => Self::KeyType,
            PlanField::Existing => Self::Existing,
            PlanField::Sans => Self::Sans,
            PlanField::PathLen => Self::PathLen,
            PlanField::NameConstraints => {
                if split_lines(&form.permitted).next().is_some() {
                    Self::Permitted
                } else {
                    Self::Excluded
                }
            }
            // core's subject errors name the attribute as the form's label
            // does ("country (C)"): the box with that abbreviation.
            PlanField::Subject => Self::SUBJECT
                .into_iter()
                .rev()
                .find(|f| {
                    let label = f.label();
                    label
                        .rfind('(')
                        .and_then(|at| label.get(at..))
                        .is_some_and(|abbreviation| reason.contains(abbreviation))
                })
                .unwrap_or(Self::Cn),
            PlanField::Validity if form.has_times() => Self::NotBefore,
            PlanField::Validity => Self::Days,
            _ => return None,
        })
    }

    /// The subject's fields, in the order of [`EntryForm::subject`].
    const SUBJECT: [Self; 6] = [Self::Cn, Self::O, Self::Ou, Self::C, Self::St, Self::L];

    /// Its `data-field` name in `index.html`'s `#entry-template`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Profile => "profile",
            Self::Existing => "existing",
            Self::Issuer => "issuer",
            Self::KeyType => "key-type",
            Self::Cn => "cn",
            Self::O => "o",
            Self::Ou => "ou",
            Self::C => "c",
            Self::St => "st",
            Self::L => "l",
            Self::Sans => "sans",
            Self::Days => "days",
            Self::Starts => "starts",
            Self::NotBefore => "not-before",
            Self::NotAfter => "not-after",
            Self::PathLen => "path-len",
            Self::Permitted => "permitted",
            Self::Excluded => "excluded",
        }
    }

    /// The field whose `data-field` name is `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// A change of this field changes titles, issuer lists or which
    /// fields apply: the editor renders again.
    pub fn is_structural(self) -> bool {
        matches!(self, Self::Name | Self::Profile | Self::Existing)
    }

    /// The field's text in `form` (a checkbox: `"true"` or empty).
    pub fn read(self, form: &EntryForm) -> String {
        if self == Self::Existing {
            return if form.existing { "true" } else { "" }.to_owned();
        }
        match self.subject_at() {
            Some(at) => form.subject.get(at).cloned().unwrap_or_default(),
            None => self.text(form).cloned().unwrap_or_default(),
        }
    }

    /// Sets the field in `form` to `text` (a checkbox: `"true"` ticks it).
    pub fn write(self, form: &mut EntryForm, text: String) {
        if self == Self::Existing {
            form.existing = text == "true";
            return;
        }
        let slot = match self.subject_at() {
            Some(at) => form.subject.get_mut(at),
            None => self.text_mut(form),
        };
        if let Some(slot) = slot {
            *slot = text;
        }
    }

    /// Its place in [`EntryForm::subject`], for a subject field.
    fn subject_at(self) -> Option<usize> {
        Self::SUBJECT.iter().position(|f| *f == self)
    }

    fn text(self, form: &EntryForm) -> Option<&String> {
        Some(match self {
            Self::Name => &form.name,
            Self::Profile => &form.profile,
            Self::Issuer => &form.issuer,
            Self::KeyType => &form.key_type,
            Self::Sans => &form.sans,
            Self::Days => &form.days,
            Self::Starts => &form.starts_in_days,
            Self::NotBefore => &form.not_before,
            Self::NotAfter => &form.not_after,
            Self::PathLen => &form.path_len,
            Self::Permitted => &form.permitted,
            Self::Excluded => &form.excluded,
            _ => return None,
        })
    }

    fn text_mut(self, form: &mut EntryForm) -> Option<&mut String> {
        Some(match self {
            Self::Name => &mut form.name,
            Self::Profile => &mut form.profile,
            Self::Issuer => &mut form.issuer,
            Self::KeyType => &mut form.key_type,
            Self::Sans => &mut form.sans,
            Self::Days => &mut form.days,
            Self::Starts => &mut form.starts_in_days,
            Self::NotBefore => &mut form.not_before,
            Self::NotAfter => &mut form.not_after,
            Self::PathLen => &mut form.path_len,
            Self::Permitted => &mut form.permitted,
            Self::Excluded => &mut form.excluded,
            _ => return None,
        })
    }
}

fn lines<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn rfc3339(time: OffsetDateTime) -> String {
    time.format(&Rfc3339).unwrap_or_default()
}

impl EntryForm {
    /// The fields showing `entry`.
    pub fn from_entry(entry: &Entry) -> Self {
        let (days, starts_in_days, not_before, not_after) = match entry.validity {
            Validity::Relative {
                days,
                starts_in_days,
            } => (
                days.to_string(),
                starts_in_days.to_string(),
                String::new(),
                String::new(),
            ),
            Validity::Fixed {
                not_before,
                not_after,
            } => (
                String::new(),
                "0".into(),
                rfc3339(not_before),
                rfc3339(not_after),
            ),
        };
        let s = &entry.subject;
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            base: entry.clone(),
            name: entry.name.clone(),
            profile: entry.profile.name().to_owned(),
            existing: entry.existing,
            issuer: entry.issuer.clone().unwrap_or_default(),
            key_type: entry
                .key_type
                .map(|k| k.name().to_owned())
                .unwrap_or_default(),
            subject: [
                s.common_name.clone(),
                opt(&s.organization),
                opt(&s.organizational_unit),
                opt(&s.country),
                opt(&s.state),
                opt(&s.locality),
            ],
            sans: lines(&entry.sans),
            days,
            starts_in_days,
            not_before,
            not_after,
            path_len: entry.path_len.map(|n| n.to_string()).unwrap_or_default(),
            permitted: lines(&entry.name_constraints.permitted),
            excluded: lines(&entry.name_constraints.excluded),
        }
    }

    /// True when the profile (as typed) is a CA's: path length and name
    /// constraints apply.
    pub fn is_ca(&self) -> bool {
        self.profile
            .parse::<Profile>()
            .is_ok_and(|profile| profile.is_ca())
    }

    /// True when the fixed times (not the days) give the validity.
    pub fn has_times(&self) -> bool {
        !self.not_before.trim().is_empty() || !self.not_after.trim().is_empty()
    }

    /// The entry the fields describe. The entry named in errors is the name
    /// as typed (or as it was, if the name is empty).
    pub fn to_entry(&self) -> Result<Entry, Error> {
        self.parse().map_err(|error| Error::Plan {
            entry: if self.name.trim().is_empty() {
                self.base.name.clone()
            } else {
                self.name.trim().to_owned()
            },
            field: error.field.plan_field(),
            reason: error.reason,
        })
    }

    /// The entry the fields describe, or the field that cannot be read and
    /// how to fix it.
    pub fn parse(&self) -> Result<Entry, FieldError> {
        let fail = |field: Field, reason: String| FieldError { field, reason };
        let profile = self
            .profile
            .parse::<Profile>()
            .map_err(|e| fail(Field::Profile, reason_of(e)))?;
        let key_type = match self.key_type.trim() {
            "" => None,
            text => Some(
                text.parse::<KeyType>()
                    .map_err(|e| fail(Field::KeyType, reason_of(e)))?,
            ),
        };
        let text = |value: &str| {
            let value = value.trim();
            (!value.is_empty()).then(|| value.to_owned())
        };
        let [cn, o, ou, c, st, l] = &self.subject;
        let subject = Subject {
            common_name: cn.trim().to_owned(),
            organization: text(o),
            organizational_unit: text(ou),
            country: text(c),
            state: text(st),
            locality: text(l),
        };
        let sans = names(&self.sans, San::parse).map_err(|reason| fail(Field::Sans, reason))?;
        let validity = self.validity()?;
        let path_len = match self.path_len.trim() {
            "" => None,
            text => Some(text.parse::<u8>().map_err(|_| {
                fail(
                    Field::PathLen,
                    format!("{text:?} is not a path length: write a whole number from 0 to 255, or leave it empty for no limit"),
                )
            })?),
        };
        let name_constraints = NameConstraints {
            permitted: names(&self.permitted, Subtree::parse)
                .map_err(|reason| fail(Field::Permitted, reason))?,
            excluded: names(&self.excluded, Subtree::parse)
                .map_err(|reason| fail(Field::Excluded, reason))?,
        };
        Ok(Entry {
            name: self.name.trim().to_owned(),
            profile,
            existing: self.existing && profile.is_ca(),
            issuer: text(&self.issuer),
            subject,
            sans,
            validity,
            key_type,
            path_len: if profile.is_ca() { path_len } else { None },
            name_constraints: if profile.is_ca() {
                name_constraints
            } else {
                NameConstraints::default()
            },
            ..self.base.clone()
        })
    }

    /// The validity the days or the times give, checked as far as the
    /// form's words can say what to type instead.
    fn validity(&self) -> Result<Validity, FieldError> {
        let fail = |field: Field, reason: String| FieldError { field, reason };
        if self.has_times() {
            let time = |field: Field, text: &str| {
                if text.is_empty() {
                    return Err(fail(
                        field,
                        "give both times (e.g. 2030-01-01T00:00:00Z), or leave both empty and give the days".into(),
                    ));
                }
                OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
                    fail(
                        field,
                        format!("{text:?} is not a time: write it as 2030-01-01T00:00:00Z (RFC 3339), or leave both times empty and give the days"),
                    )
                })
            };
            let not_before = time(Field::NotBefore, self.not_before.trim())?;
            let not_after = time(Field::NotAfter, self.not_after.trim())?;
            if not_after <= not_before {
                return Err(fail(
                    Field::NotAfter,
                    format!(
                        "must be later than \"{}\" ({})",
                        Field::NotBefore.label(),
                        self.not_before.trim()
                    ),
                ));
            }
            return Ok(Validity::Fixed {
                not_before,
                not_after,
            });
        }
        let days = self.days.trim();
        let range = format!("a whole number of days from 1 to {MAX_VALIDITY_DAYS}, e.g. 365");
        let days = match days.parse::<i64>() {
            _ if days.is_empty() => return Err(fail(Field::Days, format!("write {range}"))),
            Err(_) => {
                return Err(fail(
                    Field::Days,
                    format!("{days:?} is not a number: write {range}"),
                ))
            }
            Ok(n) => u32::try_from(n)
                .ok()
                .filter(|n| (1..=MAX_VALIDITY_DAYS).contains(n))
                .ok_or_else(|| {
                    fail(
                        Field::Days,
                        format!(
                            "{n} days cannot be: write {range} (to start in the past, use \"{}\")",
                            Field::Starts.label()
                        ),
                    )
                })?,
        };
        let starts = match self.starts_in_days.trim() {
            "" => 0,
            text => text
                .parse::<i32>()
                .ok()
                .filter(|n| n.unsigned_abs() <= MAX_VALIDITY_DAYS)
                .ok_or_else(|| {
                    fail(
                        Field::Starts,
                        format!("{text:?}: write a whole number of days from -{MAX_VALIDITY_DAYS} to {MAX_VALIDITY_DAYS} (negative: in the past), or leave it empty to start now"),
                    )
                })?,
        };
        Ok(Validity::Relative {
            days,
            starts_in_days: starts,
        })
    }
}

/// An entry's field that cannot be read as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field to mark and focus.
    pub field: Field,
    /// What is wrong and how to fix it, in the form's words.
    pub reason: String,
}

/// Names one per line, each read by `parse`; a line with several names
/// (commas, spaces) is refused with "one per line".
fn names<T>(text: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, String> {
    split_lines(text)
        .map(|line| {
            if line.contains(',') || line.contains(char::is_whitespace) {
                return Err(format!(
                    "{line:?} holds several names: write one name per line"
                ));
            }
            parse(line)
        })
        .collect()
}

fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|line| !line.is_empty())
}

/// The words of an error without its field prefix: the page shows them
/// next to the field.
fn reason_of(error: Error) -> String {
    match error {
        Error::InvalidInput { reason, .. } | Error::Plan { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// The whole editor as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanForm {
    /// The plan's key type ([`KeyType::name`]).
    pub key_type: String,
    /// One form per entry, in plan order.
    pub entries: Vec<EntryForm>,
}

impl PlanForm {
    /// The fields showing `plan`.
    pub fn from_plan(plan: &Plan) -> Self {
        Self {
            key_type: plan.key_type.name().to_owned(),
            entries: plan.entries.iter().map(EntryForm::from_entry).collect(),
        }
    }

    /// The fields of a preset's plan.
    pub fn preset(preset: Preset) -> Self {
        Self::from_plan(&preset.plan())
    }

    /// The plan the fields describe (not yet checked: see [`Plan::check`]).
    pub fn to_plan(&self) -> Result<Plan, Error> {
        Ok(Plan {
            key_type: self.key_type.parse::<KeyType>()?,
            entries: self
                .entries
                .iter()
                .map(EntryForm::to_entry)
                .collect::<Result<_, _>>()?,
        })
    }

    /// The names of CA entries before entry `at`: the issuers it may pick.
    pub fn issuers_for(&self, at: usize) -> Vec<String> {
        self.entries
            .iter()
            .take(at)
            .filter(|e| e.is_ca())
            .map(|e| e.name.trim().to_owned())
            .collect()
    }

    /// The entry that is "my own CA", if one is ticked: then no other may
    /// be (one CA with its chain stands in for the plan's CAs, as
    /// `certplay issue --ca-cert FILE --ca-key FILE` does); `None`: any CA
    /// entry may be.
    pub fn own_ca_slot(&self) -> Option<usize> {
        self.entries.iter().position(|e| e.existing && e.is_ca())
    }

    /// The index of the entry named `name` (for errors of [`Plan::check`]).
    pub fn position(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.name.trim() == name)
    }

    /// Follows renames: every issuer naming `old` names `new` instead.
    pub fn rename(&mut self, old: &str, new: &str) {
        if old == new || old.is_empty() {
            return;
        }
        for entry in &mut self.entries {
            if entry.issuer == old {
                entry.issuer = new.to_owned();
            }
        }
    }

    /// Adds a client, signed by the issuer of the last client (or the last
    /// CA), named `client`, `client-2`, ... (the first name not taken).
    pub fn add_client(&mut self) {
        let issuer = self
            .entries
            .iter()
            .rev()
            .find(|e| e.profile == Profile::Client.name())
            .map(|e| e.issuer.clone())
            .or_else(|| {
                self.entries
                    .iter()
                    .rev()
                    .find(|e| e.is_ca())
                    .map(|e| e.name.clone())
            })
            .unwrap_or_default();
        let name = (1..)
            .map(|n| {
                if n == 1 {
                    "client".to_owned()
                } else {
                    format!("client-{n}")
                }
            })
            .find(|candidate| self.position(candidate).is_none())
            .unwrap_or_default();
        let Some(mut entry) = Preset::Blog
            .plan()
            .entries
            .into_iter()
            .find(|e| e.profile == Profile::Client)
        else {
            return;
        };
        entry.name = name.clone();
        entry.subject = Subject::cn(name);
        entry.issuer = (!issuer.is_empty()).then_some(issuer);
        self.entries.push(EntryForm::from_entry(&entry));
    }

    /// Removes entry `at`; entries it issued become self-signed (the page
    /// shows that, and [`Plan::check`] says what a leaf then lacks).
    pub fn remove(&mut self, at: usize) {
        if at >= self.entries.len() {
            return;
        }
        let removed = self.entries.remove(at);
        for entry in &mut self.entries {
            if entry.issuer == removed.name {
                entry.issuer.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests;
