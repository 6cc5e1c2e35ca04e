//! The typed model of what certplay reads, named as in RFC 5280. Values stay
//! typed (OIDs, bytes, Unix times); text happens in `text.rs`, JSON through
//! serde, the page in `web/`.

use std::fmt;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use x509_cert::der::asn1::ObjectIdentifier;

use crate::escape::{escape, push_escaped};

/// An object identifier with its name ([`crate::oid::name`]: const-oid's
/// database, or certplay's few more), when it has one (`id-kp-serverAuth`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Oid {
    /// Dotted form, `1.3.6.1.5.5.7.3.1`.
    #[serde(serialize_with = "dotted")]
    pub oid: ObjectIdentifier,
    /// Its name, if it has one.
    pub name: Option<&'static str>,
}

fn dotted<S: Serializer>(oid: &ObjectIdentifier, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(oid)
}

impl Oid {
    /// `oid` with its name.
    pub fn new(oid: ObjectIdentifier) -> Self {
        Self {
            oid,
            name: crate::oid::name(&oid),
        }
    }
}

/// Read back from its JSON (`{"oid": "2.5.4.3", ...}`): the name comes
/// from the database again, not from the text.
impl<'de> Deserialize<'de> for Oid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Dotted {
            oid: String,
        }
        let dotted = Dotted::deserialize(d)?;
        ObjectIdentifier::new(&dotted.oid)
            .map(Self::new)
            .map_err(|e| de::Error::custom(format!("{:?} is not an OID: {e}", dotted.oid)))
    }
}

impl From<ObjectIdentifier> for Oid {
    fn from(oid: ObjectIdentifier) -> Self {
        Self::new(oid)
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            Some(name) => f.write_str(name),
            None => write!(f, "{}", self.oid),
        }
    }
}

/// Bytes shown as colon-separated upper-case hex (`3A:0F:...`), as openssl does.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Hex(pub Vec<u8>);

impl Hex {
    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hex({self})")
    }
}

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::str::FromStr for Hex {
    type Err = String;

    /// Reads what [`Hex`]'s Display writes (`3A:0F`, empty for no bytes).
    fn from_str(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Ok(Self::default());
        }
        text.split(':')
            .map(|pair| {
                u8::from_str_radix(pair, 16)
                    .ok()
                    .filter(|_| pair.len() == 2)
                    .ok_or_else(|| format!("{text:?} is not colon-separated hex bytes"))
            })
            .collect::<Result<Vec<u8>, String>>()
            .map(Self)
    }
}

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(de::Error::custom)
    }
}

/// A point in time, Unix seconds (UTCTime and GeneralizedTime alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time(pub i64);

impl Time {
    /// `Nov 27 09:34:27 2026 GMT`, the way openssl prints validity.
    pub fn openssl(self) -> String {
        let format = time::macros::format_description!(
            "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year] GMT"
        );
        OffsetDateTime::from_unix_timestamp(self.0)
            .ok()
            .and_then(|t| t.format(&format).ok())
            .unwrap_or_else(|| format!("{} s after 1970", self.0))
    }

    /// `2026-11-27T09:34:27Z` (RFC 3339).
    pub fn rfc3339(self) -> String {
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        OffsetDateTime::from_unix_timestamp(self.0)
            .ok()
            .and_then(|t| t.format(&format).ok())
            .unwrap_or_else(|| format!("{} s after 1970", self.0))
    }

    pub(crate) fn from_x509(t: x509_cert::time::Time) -> Self {
        Self(i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX))
    }
}

/// How a validity date is written (RFC 5280, 4.1.2.5: UTCTime through
/// 2049, GeneralizedTime from 2050).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeEncoding {
    /// UTCTime: a two-digit year, 50 to 99 read as 1950 to 1999.
    UtcTime,
    /// GeneralizedTime: a four-digit year.
    GeneralizedTime,
}

impl TimeEncoding {
    pub(crate) fn of(t: &x509_cert::time::Time) -> Self {
        match t {
            x509_cert::time::Time::UtcTime(_) => Self::UtcTime,
            x509_cert::time::Time::GeneralTime(_) => Self::GeneralizedTime,
        }
    }
}

/// Formats Unix seconds as `2026-11-27 09:34:27 UTC` (logs, reasons).
pub fn format_time(unix_seconds: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| format!("{unix_seconds} s after 1970"))
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_time(self.0))
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

/// Read back from RFC 3339 (what it is written as), or from the
/// `N s after 1970` of a time beyond what RFC 3339 can say.
impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if let Some(seconds) = text.strip_suffix(" s after 1970") {
            return seconds.parse().map(Self).map_err(de::Error::custom);
        }
        OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
            .map(|t| Self(t.unix_timestamp()))
            .map_err(|e| de::Error::custom(format!("{text:?} is not an RFC 3339 time: {e}")))
    }
}

/// One AttributeTypeAndValue of a distinguished name (RFC 5280, 4.1.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    /// The attribute type (`2.5.4.3`, commonName).
    #[serde(rename = "type")]
    pub kind: Oid,
    /// The value, when it is a string.
    pub value: AttributeValue,
}

/// An attribute's value: text for the directory string types, else its DER.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeValue {
    /// UTF8String, PrintableString, IA5String, TeletexString, BMPString, ...
    Text(String),
    /// Anything else, its whole DER (tag, length, value).
    Der(Hex),
}

/// A distinguished name: RDNs in the order they are encoded.
///
/// Its JSON is the RDNs only: a name read back from JSON has no DER (an
/// empty `der`), so it shows as before but compares byte for byte with
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Name {
    /// RelativeDistinguishedNames, each a set of attributes.
    pub rdns: Vec<Vec<Attribute>>,
    /// The DER of the Name, for comparisons byte for byte.
    #[serde(skip)]
    pub der: Vec<u8>,
}

impl Name {
    /// The same name: byte for byte when both carry their DER, else (a
    /// name read back from text, as OpenSSL prints it) attribute by
    /// attribute in order, string values compared as OpenSSL compares
    /// names ([`canonical`]).
    pub fn same_as(&self, other: &Name) -> bool {
        if !self.der.is_empty() && !other.der.is_empty() {
            return self.der == other.der;
        }
        self.rdns.len() == other.rdns.len()
            && self.rdns.iter().zip(&other.rdns).all(|(a, b)| {
                a.len() == b.len()
                    && a.iter().all(|x| {
                        b.iter()
                            .any(|y| x.kind.oid == y.kind.oid && same_value(&x.value, &y.value))
                    })
            })
    }

    /// The first commonName, if any.
    pub fn common_name(&self) -> Option<&str> {
        self.rdns.iter().flatten().find_map(|a| match &a.value {
            AttributeValue::Text(t) if a.kind.oid == crate::oid::db::rfc4519::CN => {
                Some(t.as_str())
            }
            _ => None,
        })
    }

    /// RFC 4514 / RFC 2253 form: last RDN first, `CN=x,O=y`, with escapes.
    pub fn rfc4514(&self) -> String {
        self.rdns
            .iter()
            .rev()
            .map(|rdn| {
                rdn.iter()
                    .map(|a| {
                        let value = match &a.value {
                            AttributeValue::Text(t) => escape_rfc4514(t),
                            AttributeValue::Der(der) => {
                                format!("#{}", der.to_string().replace(':', ""))
                            }
                        };
                        format!("{}={value}", short_name(&a.kind))
                    })
                    .collect::<Vec<_>>()
                    .join("+")
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// openssl's one-line form: first RDN first, `C = US, O = x, CN = y`.
    pub fn openssl(&self) -> String {
        self.rdns
            .iter()
            .map(|rdn| {
                rdn.iter()
                    .map(|a| {
                        let value = match &a.value {
                            AttributeValue::Text(t) => openssl_escape(t),
                            AttributeValue::Der(der) => {
                                format!("#{}", der.to_string().replace(':', ""))
                            }
                        };
                        format!("{} = {value}", short_name(&a.kind))
                    })
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Name {
    /// openssl's `/O=x/CN=y` form (how it prints a directoryName).
    pub fn slashed(&self) -> String {
        self.rdns
            .iter()
            .map(|rdn| {
                let attributes: Vec<String> = rdn
                    .iter()
                    .map(|a| {
                        let value = match &a.value {
                            AttributeValue::Text(t) => escape(t).into_owned(),
                            AttributeValue::Der(der) => {
                                format!("#{}", der.to_string().replace(':', ""))
                            }
                        };
                        format!("{}={value}", short_name(&a.kind))
                    })
                    .collect();
                format!("/{}", attributes.join("+"))
            })
            .collect()
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc4514())
    }
}

fn same_value(a: &AttributeValue, b: &AttributeValue) -> bool {
    match (a, b) {
        (AttributeValue::Text(a), AttributeValue::Text(b)) => canonical(a) == canonical(b),
        (AttributeValue::Der(a), AttributeValue::Der(b)) => a == b,
        _ => false,
    }
}

/// A string value as OpenSSL compares names (its canonical encoding):
/// ASCII case folded, leading and trailing spaces dropped, inner runs of
/// spaces made one.
pub fn canonical(text: &str) -> String {
    text.split_ascii_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

fn escape_rfc4514(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && matches!(c, '#' | ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        push_escaped(&mut out, c);
    }
    out
}

fn openssl_escape(value: &str) -> String {
    // openssl's default (oneline) quotes values that hold a separator.
    let value = escape(value);
    if value.contains(',') || value.contains('+') || value.contains('=') {
        format!("\"{value}\"")
    } else {
        value.into_owned()
    }
}

/// The short names openssl prints for attribute types (its `sname` table);
/// anything else prints as its dotted OID, as openssl does.
pub fn short_name(kind: &Oid) -> String {
    crate::oid::lookup(&crate::oid::ATTRIBUTE_SHORT_NAMES, &kind.oid)
        .map_or_else(|| kind.oid.to_string(), str::to_owned)
}

/// GeneralName (RFC 5280, 4.2.1.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum GeneralName {
    /// dNSName.
    Dns(String),
    /// iPAddress: 4 or 16 octets, or 8/32 with a mask in name constraints.
    Ip(Hex),
    /// rfc822Name.
    Email(String),
    /// uniformResourceIdentifier.
    Uri(String),
    /// directoryName.
    DirectoryName(Name),
    /// registeredID.
    RegisteredId(Oid),
    /// otherName: its type and value's DER.
    OtherName {
        /// type-id.
        type_id: Oid,
        /// The value's DER.
        value: Hex,
    },
    /// ediPartyName (nobody uses it).
    EdiPartyName,
}

impl fmt::Display for GeneralName {
    /// openssl's form: `DNS:x`, `IP Address:1.2.3.4`, `email:`, `URI:`,
    /// with the characters a terminal must not see escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(d) => write!(f, "DNS:{}", escape(d)),
            Self::Ip(ip) => write!(f, "IP Address:{}", ip_text(ip.bytes())),
            Self::Email(e) => write!(f, "email:{}", escape(e)),
            Self::Uri(u) => write!(f, "URI:{}", escape(u)),
            Self::DirectoryName(n) => write!(f, "DirName:{}", n.slashed()),
            Self::RegisteredId(o) => write!(f, "Registered ID:{o}"),
            Self::OtherName { type_id, .. } => write!(f, "othername:{type_id}:<unsupported>"),
            Self::EdiPartyName => f.write_str("EdiPartyName:<unsupported>"),
        }
    }
}

/// An IP address (or address/mask) as openssl prints it.
pub fn ip_text(bytes: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return std::net::Ipv4Addr::from(v4).to_string();
    }
    if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        // openssl prints every group, without ::
        return v6
            .chunks(2)
            .map(|g| {
                let hi = g.first().copied().unwrap_or(0);
                let lo = g.get(1).copied().unwrap_or(0);
                format!("{:X}", u16::from_be_bytes([hi, lo]))
            })
            .collect::<Vec<_>>()
            .join(":");
    }
    if bytes.len() == 8 || bytes.len() == 32 {
        let (addr, mask) = bytes.split_at(bytes.len() / 2);
        return format!("{}/{}", ip_text(addr), ip_text(mask));
    }
    format!("<invalid {} octets>", bytes.len())
}

/// The kind of a public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum KeyKind {
    /// rsaEncryption.
    Rsa {
        /// Modulus size in bits.
        bits: u32,
        /// The public exponent (usually 65537).
        exponent: u64,
    },
    /// id-ecPublicKey on a named curve.
    Ec {
        /// The curve (`secp256r1`).
        curve: Oid,
        /// Bits of the curve's order (256 for P-256), 0 when unknown.
        bits: u32,
    },
    /// Ed25519 (RFC 8410).
    Ed25519,
    /// Ed448 (RFC 8410).
    Ed448,
    /// Anything else: the algorithm's OID.
    Other {
        /// The algorithm.
        algorithm: Oid,
    },
}

impl KeyKind {
    /// Size in bits (RSA modulus, curve order), 0 when unknown.
    pub fn bits(&self) -> u32 {
        match self {
            Self::Rsa { bits, .. } | Self::Ec { bits, .. } => *bits,
            Self::Ed25519 => 256,
            Self::Ed448 => 456,
            Self::Other { .. } => 0,
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa { bits, .. } => write!(f, "RSA-{bits}"),
            Self::Ec { curve, .. } => {
                match crate::oid::Curve::of(&curve.oid).and_then(crate::oid::Curve::nist_name) {
                    Some(nist) => write!(f, "ECDSA {nist}"),
                    None => write!(f, "EC {curve}"),
                }
            }
            Self::Ed25519 => f.write_str("Ed25519"),
            Self::Ed448 => f.write_str("Ed448"),
            Self::Other { algorithm } => write!(f, "{algorithm}"),
        }
    }
}

/// subjectPublicKeyInfo, read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicKey {
    /// Type and size.
    pub kind: KeyKind,
    /// SHA-256 of the whole SubjectPublicKeyInfo DER (what
    /// `openssl pkey -pubout -outform der | sha256sum` prints).
    pub spki_sha256: Hex,
    /// The subjectPublicKey BIT STRING's bytes.
    #[serde(skip)]
    pub bits: Vec<u8>,
    /// RSA modulus (for the text view).
    #[serde(skip)]
    pub rsa_modulus: Vec<u8>,
}

/// keyUsage bits (RFC 5280, 4.2.1.3), in bit order.
pub const KEY_USAGE_NAMES: [&str; 9] = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

/// One extension, read (RFC 5280, 4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extension {
    /// extnID.
    pub id: Oid,
    /// critical.
    pub critical: bool,
    /// The value, typed when certplay knows the extension.
    pub value: ExtensionValue,
}

/// An extension's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionValue {
    /// basicConstraints (4.2.1.9).
    BasicConstraints {
        /// cA.
        ca: bool,
        /// pathLenConstraint.
        path_len_constraint: Option<u8>,
    },
    /// keyUsage (4.2.1.3): the names of the bits set.
    KeyUsage(Vec<&'static str>),
    /// extKeyUsage (4.2.1.12).
    ExtendedKeyUsage(Vec<Oid>),
    /// subjectAltName (4.2.1.6).
    SubjectAltName(Vec<GeneralName>),
    /// issuerAltName (4.2.1.7).
    IssuerAltName(Vec<GeneralName>),
    /// subjectKeyIdentifier (4.2.1.2).
    SubjectKeyIdentifier(Hex),
    /// authorityKeyIdentifier (4.2.1.1).
    AuthorityKeyIdentifier {
        /// keyIdentifier.
        key_identifier: Option<Hex>,
        /// authorityCertIssuer.
        issuer: Vec<GeneralName>,
        /// authorityCertSerialNumber.
        serial: Option<Hex>,
    },
    /// certificatePolicies (4.2.1.4).
    CertificatePolicies(Vec<Policy>),
    /// cRLDistributionPoints (4.2.1.13): the full names.
    CrlDistributionPoints(Vec<GeneralName>),
    /// authorityInfoAccess (4.2.2.1): method and location.
    AuthorityInfoAccess(Vec<(Oid, GeneralName)>),
    /// nameConstraints (4.2.1.10).
    NameConstraints {
        /// permittedSubtrees' bases.
        permitted: Vec<GeneralName>,
        /// excludedSubtrees' bases.
        excluded: Vec<GeneralName>,
    },
    /// cRLNumber (5.2.3).
    CrlNumber(Hex),
    /// reasonCode (5.3.1), by its RFC name.
    CrlReason(&'static str),
    /// An extension certplay does not decode: its value's bytes.
    Unknown(Hex),
    /// A known extension whose value does not parse; the rest is still read.
    Malformed {
        /// What the parser said.
        error: String,
        /// The value's bytes.
        value: Hex,
    },
}

/// One PolicyInformation (4.2.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// policyIdentifier.
    pub id: Oid,
    /// CPS URIs among the qualifiers.
    pub cps: Vec<String>,
}
