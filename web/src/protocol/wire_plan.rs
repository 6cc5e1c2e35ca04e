//! The plan as it crosses to the tools worker in postcard
//! ([`super::Request::Issue`]'s `#[serde(with)]`). Postcard is not
//! self-describing: every field goes, always, in order, where core's plan
//! leaves empty fields out of its TOML and tells its validities apart by
//! their fields (untagged). The worker then carries no reader of a
//! self-describing format (docs/BUILDING.md). A field added to the plan
//! fails to compile here until it crosses too.

use certplay_core::{
    Entry, ExtendedKeyUsage, KeyType, KeyUsage, NameConstraints, Plan, Profile, San, Serial,
    Subject, Subtree, Validity,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

/// Writes `plan` as [`WirePlan`].
pub fn serialize<S: Serializer>(plan: &Plan, s: S) -> Result<S::Ok, S::Error> {
    WirePlan::from(plan.clone()).serialize(s)
}

/// Reads a [`WirePlan`] back into the plan it was.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Plan, D::Error> {
    WirePlan::deserialize(d).map(Plan::from)
}

/// [`Plan`], every field always there.
#[derive(Serialize, Deserialize)]
struct WirePlan {
    key_type: KeyType,
    entries: Vec<WireEntry>,
}

/// [`Entry`], every field always there.
#[derive(Serialize, Deserialize)]
struct WireEntry {
    name: String,
    profile: Profile,
    issuer: Option<String>,
    existing: bool,
    subject: WireSubject,
    sans: Vec<San>,
    validity: WireValidity,
    serial: Option<Serial>,
    key_type: Option<KeyType>,
    path_len: Option<u8>,
    permitted: Vec<Subtree>,
    excluded: Vec<Subtree>,
    key_usage: Option<Vec<KeyUsage>>,
    extended_key_usage: Option<Vec<ExtendedKeyUsage>>,
}

/// [`Subject`], every field always there.
#[derive(Serialize, Deserialize)]
struct WireSubject {
    common_name: String,
    organization: Option<String>,
    organizational_unit: Option<String>,
    country: Option<String>,
    state: Option<String>,
    locality: Option<String>,
}

/// [`Validity`], tagged (postcard writes the variant's index).
#[derive(Serialize, Deserialize)]
enum WireValidity {
    Relative {
        days: u32,
        starts_in_days: i32,
    },
    /// The times as the `time` crate writes them for a format that is not
    /// human-readable: numbers, exact to the nanosecond and the offset.
    Fixed {
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    },
}

impl From<Plan> for WirePlan {
    fn from(plan: Plan) -> Self {
        let Plan { key_type, entries } = plan;
        Self {
            key_type,
            entries: entries.into_iter().map(WireEntry::from).collect(),
        }
    }
}

impl From<WirePlan> for Plan {
    fn from(plan: WirePlan) -> Self {
        let WirePlan { key_type, entries } = plan;
        Self {
            key_type,
            entries: entries.into_iter().map(Entry::from).collect(),
        }
    }
}

impl From<Entry> for WireEntry {
    fn from(entry: Entry) -> Self {
        let Entry {
            name,
            profile,
            issuer,
            existing,
            subject,
            sans,
            validity,
            serial,
            key_type,
            path_len,
            name_constraints:
                NameConstraints {
                    permitted,
                    excluded,
                },
            key_usage,
            extended_key_usage,
        } = entry;
        let Subject {
            common_name,
            organization,
            organizational_unit,
            country,
            state,
            locality,
        } = subject;
        Self {
            name,
            profile,
            issuer,
            existing,
            subject: WireSubject {
                common_name,
                organization,
                organizational_unit,
                country,
                state,
                locality,
            },
            sans,
            validity: match validity {
                Validity::Relative {
                    days,
                    starts_in_days,
                } => WireValidity::Relative {
                    days,
                    starts_in_days,
                },
                Validity::Fixed {
                    not_before,
                    not_after,
                } => WireValidity::Fixed {
                    not_before,
                    not_after,
                },
            },
            serial,
            key_type,
            path_len,
            permitted,
            excluded,
            key_usage,
            extended_key_usage,
        }
    }
}

impl From<WireEntry> for Entry {
    fn from(entry: WireEntry) -> Self {
        let WireEntry {
            name,
            profile,
            issuer,
            existing,
            subject,
            sans,
            validity,
            serial,
            key_type,
            path_len,
            permitted,
            excluded,
            key_usage,
            extended_key_usage,
        } = entry;
        let WireSubject {
            common_name,
            organization,
            organizational_unit,
            country,
            state,
            locality,
        } = subject;
        Self {
            name,
            profile,
            issuer,
            existing,
            subject: Subject {
                common_name,
                organization,
                organizational_unit,
                country,
                state,
                locality,
            },
            sans,
            validity: match validity {
                WireValidity::Relative {
                    days,
                    starts_in_days,
                } => Validity::Relative {
                    days,
                    starts_in_days,
                },
                WireValidity::Fixed {
                    not_before,
                    not_after,
                } => Validity::Fixed {
                    not_before,
                    not_after,
                },
            },
            serial,
            key_type,
            path_len,
            name_constraints: NameConstraints {
                permitted,
                excluded,
            },
            key_usage,
            extended_key_usage,
        }
    }
}
