//! The plan: what to issue. An ordered list of certificate entries, each
//! naming its issuer (itself, or an earlier entry), that the page edits, the
//! command line reads (`certplay issue --plan`), and the zip carries as
//! `certplay-plan.toml`. Everything downstream iterates over the entries.
//!
//! A plan is plain data (serde) and round-trips as TOML or JSON:
//!
//! ```toml
//! key_type = "p256"
//!
//! [[entry]]
//! name = "ca"
//! profile = "root-ca"
//! subject = { common_name = "my-ca" }
//!
//! [[entry]]
//! name = "server"
//! profile = "server"
//! issuer = "ca"
//! subject = { common_name = "localhost" }
//! sans = ["DNS:localhost", "IP:127.0.0.1", "IP:::1"]
//! validity = { days = 365 }
//! ```

mod check;
mod existing;
mod names;
pub(crate) mod preset;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use check::{PlanField, PlanWarning};
pub use existing::{trust_note, GivenLink};
pub use names::{San, Serial, Subtree};
pub use preset::Preset;

use crate::oid::ObjectIdentifier;
use crate::{Error, KeyType};

/// The longest validity certplay issues, in days (about 100 years).
pub const MAX_VALIDITY_DAYS: u32 = 36_500;
/// How far before the moment of issuing `notBefore` lies by default, so that
/// a client whose clock lags a little still accepts a fresh certificate.
pub const BACKDATE: time::Duration = time::Duration::hours(1);

/// What to issue. [`Default`] is the blog's set (see [`Preset::Blog`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The key type of every entry that does not name its own.
    #[serde(default)]
    pub key_type: KeyType,
    /// The certificates, in issuing order: an issuer comes before the
    /// certificates it signs. In TOML, one `[[entry]]` table each.
    #[serde(rename = "entry")]
    pub entries: Vec<Entry>,
}

/// One certificate of a plan and its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The file stem: `ca` gives `ca.crt` and `ca.key`. Letters, digits,
    /// `-`, `_` and `.`, not starting with `.`.
    pub name: String,
    /// What the certificate is for; sets basicConstraints, keyUsage and
    /// extendedKeyUsage.
    pub profile: Profile,
    /// The entry that signs this one; `None` for a self-signed certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// True when the certificate already exists (a CA a person brings,
    /// e.g. the blog's `ca.crt`/`ca.key`, or a company's intermediate with
    /// the chain above it): it is not issued again. The one whose key is
    /// given signs later entries; those above it (an existing issuer) are
    /// certificate-only, there for the chain files and the trust anchor.
    #[serde(default, skip_serializing_if = "is_false")]
    pub existing: bool,
    /// The subject distinguished name (RFC 5280, section 4.1.2.6).
    #[serde(default)]
    pub subject: Subject,
    /// subjectAltName entries (RFC 5280, section 4.2.1.6).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sans: Vec<San>,
    /// When the certificate is valid (RFC 5280, section 4.1.2.5).
    #[serde(default)]
    pub validity: Validity,
    /// The serial number; random (128 bits) when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<Serial>,
    /// This entry's key type, when it differs from the plan's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_type: Option<KeyType>,
    /// basicConstraints pathLenConstraint of a CA (RFC 5280, section
    /// 4.2.1.9): how many intermediate CAs may follow it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_len: Option<u8>,
    /// nameConstraints of a CA (RFC 5280, section 4.2.1.10).
    #[serde(default, skip_serializing_if = "NameConstraints::is_empty")]
    pub name_constraints: NameConstraints,
    /// keyUsage instead of the profile's (RFC 5280, section 4.2.1.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_usage: Option<Vec<KeyUsage>>,
    /// extendedKeyUsage instead of the profile's (RFC 5280, section
    /// 4.2.1.12); an empty list leaves the extension out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_key_usage: Option<Vec<ExtendedKeyUsage>>,
}

fn is_false(b: &bool) -> bool {
    !b
}

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// A self-signed CA that both sides trust (a trust anchor).
    RootCa,
    /// A CA signed by another CA; it signs leaves (or further CAs, as its
    /// path length allows).
    IntermediateCa,
    /// A TLS server: extendedKeyUsage serverAuth.
    Server,
    /// A TLS client: extendedKeyUsage clientAuth.
    Client,
    /// Both: serverAuth and clientAuth (e.g. a service that calls others).
    ServerClient,
}

impl Profile {
    /// Every profile, in the order a form lists them.
    pub const ALL: [Self; 5] = [
        Self::RootCa,
        Self::IntermediateCa,
        Self::Server,
        Self::Client,
        Self::ServerClient,
    ];

    /// The name used in plans and on the command line (`root-ca`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::RootCa => "root-ca",
            Self::IntermediateCa => "intermediate-ca",
            Self::Server => "server",
            Self::Client => "client",
            Self::ServerClient => "server-client",
        }
    }

    /// A human description.
    pub fn description(self) -> &'static str {
        match self {
            Self::RootCa => "root CA",
            Self::IntermediateCa => "intermediate CA",
            Self::Server => "server",
            Self::Client => "client",
            Self::ServerClient => "server and client",
        }
    }

    /// True for the two CA profiles.
    pub fn is_ca(self) -> bool {
        matches!(self, Self::RootCa | Self::IntermediateCa)
    }

    /// True for profiles whose certificate a TLS server presents.
    pub fn serves(self) -> bool {
        matches!(self, Self::Server | Self::ServerClient)
    }

    /// True for profiles whose certificate a TLS client presents.
    pub fn is_client(self) -> bool {
        matches!(self, Self::Client | Self::ServerClient)
    }

    /// The keyUsage this profile gets for a key type: CAs sign certificates
    /// and CRLs; every leaf signs handshakes; an RSA server key may also
    /// decrypt the premaster secret of a TLS 1.2 RSA key exchange.
    pub fn key_usage(self, key_type: KeyType) -> Vec<KeyUsage> {
        match self {
            Self::RootCa | Self::IntermediateCa => vec![
                KeyUsage::DigitalSignature,
                KeyUsage::KeyCertSign,
                KeyUsage::CrlSign,
            ],
            Self::Server | Self::ServerClient if key_type.rsa_bits().is_some() => {
                vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment]
            }
            Self::Server | Self::ServerClient | Self::Client => vec![KeyUsage::DigitalSignature],
        }
    }

    /// The extendedKeyUsage this profile gets (none for CAs).
    pub fn extended_key_usage(self) -> Vec<ExtendedKeyUsage> {
        match self {
            Self::RootCa | Self::IntermediateCa => vec![],
            Self::Server => vec![ExtendedKeyUsage::ServerAuth],
            Self::Client => vec![ExtendedKeyUsage::ClientAuth],
            Self::ServerClient => vec![ExtendedKeyUsage::ServerAuth, ExtendedKeyUsage::ClientAuth],
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Profile {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        let alias = match wanted.as_str() {
            "ca" | "root" => Some(Self::RootCa),
            "intermediate" => Some(Self::IntermediateCa),
            "both" => Some(Self::ServerClient),
            _ => None,
        };
        alias
            .or_else(|| Self::ALL.into_iter().find(|p| p.name() == wanted))
            .ok_or_else(|| {
                Error::input(
                    "profile",
                    format!(
                        "unknown profile {s:?}; choose one of root-ca, intermediate-ca, server, \
                         client, server-client"
                    ),
                )
            })
    }
}

/// keyUsage bits (RFC 5280, section 4.2.1.3), named as in the RFC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // the RFC's names say it
pub enum KeyUsage {
    DigitalSignature,
    ContentCommitment,
    KeyEncipherment,
    DataEncipherment,
    KeyAgreement,
    KeyCertSign,
    CrlSign,
    EncipherOnly,
    DecipherOnly,
}

/// extendedKeyUsage purposes (RFC 5280, section 4.2.1.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // the RFC's names say it
pub enum ExtendedKeyUsage {
    ServerAuth,
    ClientAuth,
    CodeSigning,
    EmailProtection,
    TimeStamping,
    OcspSigning,
}

impl ExtendedKeyUsage {
    /// Every purpose.
    pub const ALL: [Self; 6] = [
        Self::ServerAuth,
        Self::ClientAuth,
        Self::CodeSigning,
        Self::EmailProtection,
        Self::TimeStamping,
        Self::OcspSigning,
    ];

    /// Its object identifier (`id-kp-serverAuth`, ...).
    pub fn oid(self) -> ObjectIdentifier {
        use crate::oid::db::rfc5280;
        match self {
            Self::ServerAuth => rfc5280::ID_KP_SERVER_AUTH,
            Self::ClientAuth => rfc5280::ID_KP_CLIENT_AUTH,
            Self::CodeSigning => rfc5280::ID_KP_CODE_SIGNING,
            Self::EmailProtection => rfc5280::ID_KP_EMAIL_PROTECTION,
            Self::TimeStamping => rfc5280::ID_KP_TIME_STAMPING,
            Self::OcspSigning => rfc5280::ID_KP_OCSP_SIGNING,
        }
    }

    /// The purpose `oid` names, if it is one of these.
    pub fn of(oid: &ObjectIdentifier) -> Option<Self> {
        Self::ALL.into_iter().find(|purpose| purpose.oid() == *oid)
    }

    /// RFC 5280's name (`serverAuth`, `OCSPSigning`), as openssl's
    /// configuration files write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::ServerAuth => "serverAuth",
            Self::ClientAuth => "clientAuth",
            Self::CodeSigning => "codeSigning",
            Self::EmailProtection => "emailProtection",
            Self::TimeStamping => "timeStamping",
            Self::OcspSigning => "OCSPSigning",
        }
    }
}

/// A distinguished name as people fill it in (RFC 5280, appendix A.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// CN: commonName.
    pub common_name: String,
    /// O: organizationName.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// OU: organizationalUnitName.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizational_unit: Option<String>,
    /// C: countryName, two letters (ISO 3166).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// ST: stateOrProvinceName.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// L: localityName.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
}

impl Subject {
    /// A subject with only a common name.
    pub fn cn(common_name: impl Into<String>) -> Self {
        Self {
            common_name: common_name.into(),
            ..Self::default()
        }
    }
}

impl std::fmt::Display for Subject {
    /// `CN=localhost, O=Acme`, most specific first, as openssl prints it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts = [
            ("C", &self.country),
            ("ST", &self.state),
            ("L", &self.locality),
            ("O", &self.organization),
            ("OU", &self.organizational_unit),
        ];
        let mut text = vec![format!("CN={}", self.common_name)];
        for (label, value) in parts.iter().rev() {
            if let Some(value) = value {
                text.push(format!("{label}={value}"));
            }
        }
        f.write_str(&text.join(", "))
    }
}

/// When a certificate is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Validity {
    /// Relative to the moment of issuing: from `starts_in_days` days from
    /// then (negative: in the past; minus [`BACKDATE`]) for `days` days.
    /// `{ days = 30, starts_in_days = -60 }` expired a month ago.
    Relative {
        /// How many days the certificate is valid.
        days: u32,
        /// Days from issuing to notBefore (0: now, less [`BACKDATE`]).
        #[serde(default, skip_serializing_if = "is_zero")]
        starts_in_days: i32,
    },
    /// Fixed times (RFC 3339 in plans: `2030-01-01T00:00:00Z`).
    Fixed {
        /// notBefore.
        #[serde(with = "time::serde::rfc3339")]
        not_before: OffsetDateTime,
        /// notAfter.
        #[serde(with = "time::serde::rfc3339")]
        not_after: OffsetDateTime,
    },
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

impl Default for Validity {
    /// 365 days from now.
    fn default() -> Self {
        Self::days(365)
    }
}

impl Validity {
    /// `days` days from the moment of issuing.
    pub fn days(days: u32) -> Self {
        Self::Relative {
            days,
            starts_in_days: 0,
        }
    }

    /// notBefore and notAfter for a certificate issued at `now`, whole
    /// seconds (X.509 times have no fractions).
    pub fn times(self, now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
        let (not_before, not_after) = match self {
            Self::Relative {
                days,
                starts_in_days,
            } => {
                let start = now + time::Duration::days(i64::from(starts_in_days));
                (
                    start - BACKDATE,
                    start + time::Duration::days(i64::from(days)),
                )
            }
            Self::Fixed {
                not_before,
                not_after,
            } => (not_before, not_after),
        };
        let whole = |t: OffsetDateTime| t.replace_nanosecond(0).unwrap_or(t);
        (whole(not_before), whole(not_after))
    }
}

/// nameConstraints of a CA (RFC 5280, section 4.2.1.10): the names its
/// certificates may (permitted) and may not (excluded) carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameConstraints {
    /// permittedSubtrees, e.g. `DNS:example.com`, `IP:10.0.0.0/8`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permitted: Vec<Subtree>,
    /// excludedSubtrees.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<Subtree>,
}

impl NameConstraints {
    /// True when neither list has an entry (the extension is left out).
    pub fn is_empty(&self) -> bool {
        self.permitted.is_empty() && self.excluded.is_empty()
    }
}

impl Default for Plan {
    /// The blog's set: see [`Preset::Blog`].
    fn default() -> Self {
        Preset::Blog.plan()
    }
}

impl Plan {
    /// The entry with this name.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// The key type an entry's key has.
    pub fn key_type_of(&self, entry: &Entry) -> KeyType {
        entry.key_type.unwrap_or(self.key_type)
    }

    /// The issuing chain above an entry, nearest first (its issuer, that
    /// one's issuer, ...), ending at a self-signed entry. Stops at names
    /// that are missing or repeat ([`Plan::check`] reports those).
    pub fn issuers_of<'a>(&'a self, entry: &'a Entry) -> Vec<&'a Entry> {
        let mut chain: Vec<&Entry> = Vec::new();
        let mut current = entry;
        while let Some(issuer) = current.issuer.as_deref() {
            match self.entry(issuer) {
                Some(next)
                    if !chain.iter().any(|e| e.name == next.name) && next.name != entry.name =>
                {
                    chain.push(next);
                    current = next;
                }
                _ => break,
            }
        }
        chain
    }

    /// Reads a plan from TOML (`certplay-plan.toml`).
    pub fn from_toml(text: &str) -> Result<Self, Error> {
        toml::from_str(text).map_err(|e| Error::Malformed {
            what: "plan (TOML)".into(),
            reason: e.to_string().trim().replace('\n', " "),
        })
    }

    /// The plan as TOML, with a header saying what it is.
    pub fn to_toml(&self) -> Result<String, Error> {
        let body = toml::to_string(self).map_err(Error::crypto)?;
        Ok(format!(
            "# certplay plan: what to issue. Reissue with: certplay issue --plan certplay-plan.toml\n\n{body}"
        ))
    }

    /// Reads a plan from JSON (the same model as the TOML form).
    pub fn from_json(text: &str) -> Result<Self, Error> {
        serde_json::from_str(text).map_err(|e| Error::Malformed {
            what: "plan (JSON)".into(),
            reason: e.to_string(),
        })
    }

    /// The plan as pretty-printed JSON.
    pub fn to_json(&self) -> Result<String, Error> {
        serde_json::to_string_pretty(self).map_err(Error::crypto)
    }

    /// Replaces every entry's validity with `days` days from issuing.
    pub fn set_days(&mut self, days: u32) {
        for entry in &mut self.entries {
            entry.validity = Validity::days(days);
        }
    }

    /// One key type for every entry (`--key-type`): the plan's, with each
    /// entry's own choice cleared.
    pub fn set_key_type(&mut self, key_type: KeyType) {
        self.key_type = key_type;
        for entry in &mut self.entries {
            entry.key_type = None;
        }
    }

    /// Sets the subjectAltNames of every server entry.
    pub fn set_server_sans(&mut self, sans: &[San]) {
        for entry in self.entries.iter_mut().filter(|e| e.profile.serves()) {
            entry.sans = sans.to_vec();
        }
    }

    /// Replaces the client entries with one per name (CN and file stem),
    /// issued by the CA that issued the first client (or the last CA).
    pub fn set_clients(&mut self, names: &[String]) {
        let issuer = self
            .entries
            .iter()
            .find(|e| e.profile == Profile::Client)
            .and_then(|e| e.issuer.clone())
            .or_else(|| {
                self.entries
                    .iter()
                    .rev()
                    .find(|e| e.profile.is_ca())
                    .map(|e| e.name.clone())
            });
        let template = self
            .entries
            .iter()
            .find(|e| e.profile == Profile::Client)
            .cloned();
        self.entries.retain(|e| e.profile != Profile::Client);
        for name in names {
            let mut entry = template
                .clone()
                .unwrap_or_else(|| preset::client("client", None));
            entry.name = name.clone();
            entry.subject = Subject::cn(name.clone());
            entry.issuer = issuer.clone();
            entry.serial = None;
            self.entries.push(entry);
        }
    }

    /// Puts an intermediate CA (`intermediate`, pathLen 0) under the first
    /// root CA and moves every leaf that root signed under it.
    pub fn add_intermediate(&mut self) {
        let Some(root_at) = self
            .entries
            .iter()
            .position(|e| e.profile == Profile::RootCa)
        else {
            return;
        };
        if self
            .entries
            .iter()
            .any(|e| e.profile == Profile::IntermediateCa)
        {
            return;
        }
        let root = self
            .entries
            .get(root_at)
            .map(|e| e.name.clone())
            .unwrap_or_default();
        let name = "intermediate".to_owned();
        for entry in &mut self.entries {
            if !entry.profile.is_ca() && entry.issuer.as_deref() == Some(root.as_str()) {
                entry.issuer = Some(name.clone());
            }
        }
        self.entries.insert(
            root_at.saturating_add(1),
            preset::intermediate(&name, &root),
        );
    }

    /// Marks the first root CA as existing: its certificate and key are
    /// given when issuing (e.g. `--ca-cert ca.crt --ca-key ca.key`).
    pub fn use_existing_root(&mut self) -> Option<&Entry> {
        let root = self
            .entries
            .iter_mut()
            .find(|e| e.profile == Profile::RootCa)?;
        root.existing = true;
        Some(root)
    }
}
