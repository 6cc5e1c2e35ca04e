//! Ready-made plans: the blog's set and the shapes people ask for next.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Entry, NameConstraints, Plan, Profile, San, Subject, Validity};
use crate::{Error, KeyType};

/// A ready-made plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// The blog's set: CA `my-ca`; server `localhost` (DNS:localhost,
    /// IP:127.0.0.1, IP:::1); client `my-client`. All signed by the CA.
    Blog,
    /// Root CA → intermediate CA (pathLen 0) → server and client.
    Intermediate,
    /// CA, server, and two clients (`alice`, `bob`).
    TwoClients,
    /// One self-signed server certificate, no CA.
    ServerOnly,
}

impl Preset {
    /// Every preset, in the order a form lists them.
    pub const ALL: [Self; 4] = [
        Self::Blog,
        Self::Intermediate,
        Self::TwoClients,
        Self::ServerOnly,
    ];

    /// The name used on the command line (`blog`, `intermediate`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Blog => "blog",
            Self::Intermediate => "intermediate",
            Self::TwoClients => "two-clients",
            Self::ServerOnly => "server-only",
        }
    }

    /// One line saying what the preset makes.
    pub fn description(self) -> &'static str {
        match self {
            Self::Blog => "the blog's set: CA, server (localhost), client",
            Self::Intermediate => "root CA → intermediate CA → server and client",
            Self::TwoClients => "CA, server, and two clients (alice, bob)",
            Self::ServerOnly => "one self-signed server certificate (localhost)",
        }
    }

    /// The plan (P-256 keys, 365 days).
    pub fn plan(self) -> Plan {
        let entries = match self {
            Self::Blog => vec![
                root("ca", "my-ca"),
                server("server", Some("ca")),
                client("client", Some("ca")),
            ],
            Self::Intermediate => vec![
                root("ca", "my-ca"),
                intermediate("intermediate", "ca"),
                server("server", Some("intermediate")),
                client("client", Some("intermediate")),
            ],
            Self::TwoClients => vec![
                root("ca", "my-ca"),
                server("server", Some("ca")),
                client("alice", Some("ca")),
                client("bob", Some("ca")),
            ],
            Self::ServerOnly => vec![server("server", None)],
        };
        Plan {
            key_type: KeyType::default(),
            entries,
        }
    }
}

impl std::str::FromStr for Preset {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|p| p.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|p| p.name()).collect();
                Error::input(
                    "preset",
                    format!("unknown preset {s:?}; choose one of {}", names.join(", ")),
                )
            })
    }
}

pub(super) fn entry(
    name: &str,
    profile: Profile,
    issuer: Option<&str>,
    common_name: &str,
) -> Entry {
    Entry {
        name: name.into(),
        profile,
        issuer: issuer.map(str::to_owned),
        existing: false,
        subject: Subject::cn(common_name),
        sans: vec![],
        validity: Validity::default(),
        serial: None,
        key_type: None,
        path_len: None,
        name_constraints: NameConstraints::default(),
        key_usage: None,
        extended_key_usage: None,
    }
}

pub(crate) fn root(name: &str, common_name: &str) -> Entry {
    entry(name, Profile::RootCa, None, common_name)
}

pub(crate) fn intermediate(name: &str, issuer: &str) -> Entry {
    Entry {
        path_len: Some(0),
        ..entry(
            name,
            Profile::IntermediateCa,
            Some(issuer),
            "my-intermediate-ca",
        )
    }
}

pub(super) fn server(name: &str, issuer: Option<&str>) -> Entry {
    Entry {
        sans: vec![
            San::DnsName("localhost".into()),
            San::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            San::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        ],
        ..entry(name, Profile::Server, issuer, "localhost")
    }
}

pub(super) fn client(name: &str, issuer: Option<&str>) -> Entry {
    let common_name = if name == "client" { "my-client" } else { name };
    entry(name, Profile::Client, issuer, common_name)
}
