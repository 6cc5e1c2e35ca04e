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

#[cfg(test)]
mod tests {
    use certplay_core::{
        Entry, ExtendedKeyUsage, KeyType, KeyUsage, NameConstraints, Plan, San, Serial, Subject,
        Subtree, Validity,
    };
    use time::macros::datetime;

    use crate::protocol::{Request, ToWorker};

    /// Every field of a plan set, and every field left empty (what the
    /// plan's own TOML leaves out), crosses to the worker unchanged.
    #[test]
    fn every_field_of_a_plan_crosses_in_postcard() {
        let mut plan = Plan {
            key_type: KeyType::Rsa3072,
            ..Plan::default()
        };
        let full = Entry {
            issuer: Some("ca".into()),
            existing: true,
            subject: Subject {
                common_name: "full".into(),
                organization: Some("O".into()),
                organizational_unit: Some("OU".into()),
                country: Some("DE".into()),
                state: Some("ST".into()),
                locality: Some("L".into()),
            },
            sans: vec![
                San::parse("DNS:example.com").unwrap(),
                San::parse("IP:10.0.0.1").unwrap(),
            ],
            validity: Validity::Fixed {
                not_before: datetime!(2030-01-01 00:00:00.5 +02:00),
                not_after: datetime!(2031-06-30 23:59:59 UTC),
            },
            serial: Some(Serial::parse("01:02:03").unwrap()),
            key_type: Some(KeyType::Ed25519),
            path_len: Some(2),
            name_constraints: NameConstraints {
                permitted: vec![Subtree::parse("DNS:example.com").unwrap()],
                excluded: vec![Subtree::parse("IP:10.0.0.0/8").unwrap()],
            },
            key_usage: Some(vec![KeyUsage::DigitalSignature, KeyUsage::CrlSign]),
            extended_key_usage: Some(Vec::new()),
            ..plan.entries[0].clone()
        };
        plan.entries[1].validity = Validity::Relative {
            days: 30,
            starts_in_days: -60,
        };
        plan.entries[1].extended_key_usage = Some(vec![ExtendedKeyUsage::ServerAuth]);
        plan.entries.push(full);
        let message = ToWorker {
            id: 3,
            request: Request::Issue {
                plan,
                own_keys: Vec::new(),
                own_cas: Vec::new(),
                source: None,
            },
        };
        let bytes = postcard::to_allocvec(&message).unwrap();
        let back: ToWorker<Request> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, message);
    }
}
