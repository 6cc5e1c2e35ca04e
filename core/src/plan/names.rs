//! The typed names of a plan: subjectAltName entries, name-constraint
//! subtrees and serial numbers. Each is written in plans and forms as text
//! in openssl's notation (`DNS:localhost`, `IP:10.0.0.0/8`, `01:ab`) and
//! parsed once, here.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// One subjectAltName entry (RFC 5280, section 4.2.1.6, GeneralName).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum San {
    /// dNSName: a host name, or a wildcard `*.example.com`.
    DnsName(String),
    /// iPAddress: IPv4 or IPv6.
    IpAddress(IpAddr),
    /// rfc822Name: an email address.
    Rfc822Name(String),
    /// uniformResourceIdentifier: a URI, e.g. `spiffe://example.org/web`.
    Uri(String),
}

impl San {
    /// Parses the text of one name: `DNS:`, `IP:`, `email:` or `URI:`
    /// prefixed, or bare (an IP address, else a DNS name).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (kind, value) = match text.split_once(':') {
            Some((kind, value))
                if kind.len() <= 5 && !kind.contains('/') && !kind.contains('.') =>
            {
                (kind.to_ascii_lowercase(), value)
            }
            _ => (String::new(), text),
        };
        match kind.as_str() {
            "dns" => dns_name(value).map(Self::DnsName),
            "ip" => value
                .parse()
                .map(Self::IpAddress)
                .map_err(|_| format!("{value:?} is not an IP address")),
            "email" => email(value).map(Self::Rfc822Name),
            "uri" => uri(value).map(Self::Uri),
            "" => match text.parse::<IpAddr>() {
                Ok(ip) => Ok(Self::IpAddress(ip)),
                Err(_) => dns_name(text).map(Self::DnsName),
            },
            _ if text.parse::<IpAddr>().is_ok() => {
                text.parse().map(Self::IpAddress).map_err(|_| String::new())
            }
            other => Err(format!(
                "{text:?}: unknown name kind {other:?}; write DNS:, IP:, email: or URI: \
                 (or a bare host name or IP address)"
            )),
        }
    }

    /// The host name or IP address a TLS client would match, if any.
    pub fn host(&self) -> Option<String> {
        match self {
            Self::DnsName(name) => Some(name.clone()),
            Self::IpAddress(ip) => Some(ip.to_string()),
            Self::Rfc822Name(_) | Self::Uri(_) => None,
        }
    }
}

impl fmt::Display for San {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DnsName(name) => write!(f, "DNS:{name}"),
            Self::IpAddress(ip) => write!(f, "IP:{ip}"),
            Self::Rfc822Name(address) => write!(f, "email:{address}"),
            Self::Uri(uri) => write!(f, "URI:{uri}"),
        }
    }
}

impl FromStr for San {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s).map_err(|reason| Error::input("subjectAltName", reason))
    }
}

impl TryFrom<String> for San {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<San> for String {
    fn from(san: San) -> Self {
        san.to_string()
    }
}

/// A nameConstraints subtree (RFC 5280, section 4.2.1.10, GeneralSubtree).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Subtree {
    /// A DNS domain and everything below it (`example.com`).
    DnsName(String),
    /// An IP network: address and prefix length (`10.0.0.0/8`).
    IpAddress(IpAddr, u8),
    /// An email domain or address.
    Rfc822Name(String),
}

impl Subtree {
    /// Parses `DNS:example.com`, `IP:10.0.0.0/8` or `email:example.com`
    /// (bare: a network with `/`, else a domain).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (kind, value) = match text.split_once(':') {
            Some((kind, value)) if kind.len() <= 5 && !kind.contains('/') => {
                (kind.to_ascii_lowercase(), value)
            }
            _ => (String::new(), text),
        };
        let network = |value: &str| -> Result<Self, String> {
            let (address, prefix) = value.split_once('/').ok_or_else(|| {
                format!("{value:?}: write a network as ADDRESS/PREFIX, e.g. 10.0.0.0/8")
            })?;
            let address: IpAddr = address
                .parse()
                .map_err(|_| format!("{address:?} is not an IP address"))?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            let prefix: u8 = prefix
                .parse()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{prefix:?} is not a prefix length (0 to {max})"))?;
            Ok(Self::IpAddress(address, prefix))
        };
        match kind.as_str() {
            "dns" => dns_name(value.trim_start_matches('.')).map(Self::DnsName),
            "ip" => network(value),
            "email" => Ok(Self::Rfc822Name(value.to_owned())),
            "" if value.contains('/') => network(value),
            "" => dns_name(value.trim_start_matches('.')).map(Self::DnsName),
            other => Err(format!(
                "{text:?}: unknown constraint kind {other:?}; write DNS:, IP: or email:"
            )),
        }
    }
}

impl fmt::Display for Subtree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DnsName(name) => write!(f, "DNS:{name}"),
            Self::IpAddress(ip, prefix) => write!(f, "IP:{ip}/{prefix}"),
            Self::Rfc822Name(name) => write!(f, "email:{name}"),
        }
    }
}

impl TryFrom<String> for Subtree {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<Subtree> for String {
    fn from(subtree: Subtree) -> Self {
        subtree.to_string()
    }
}

/// A certificate serial number (RFC 5280, section 4.1.2.2): a positive
/// integer of at most 20 octets, written in hex as openssl prints it
/// (`01:A3:...` or `01a3...`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Serial(Vec<u8>);

impl Serial {
    /// The most octets RFC 5280 allows.
    pub const MAX_OCTETS: usize = 20;

    /// Parses hex, with or without colons; leading zeros are dropped.
    pub fn parse(text: &str) -> Result<Self, String> {
        let digits: String = text
            .trim()
            .trim_start_matches("0x")
            .chars()
            .filter(|c| *c != ':')
            .collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("{text:?} is not a hex number (e.g. 01:A3 or 1a3)"));
        }
        let digits = digits.trim_start_matches('0');
        if digits.is_empty() {
            return Err("a serial number must be positive, not 0 (RFC 5280, 4.1.2.2)".into());
        }
        let padded = if digits.len() % 2 == 1 {
            format!("0{digits}")
        } else {
            digits.to_owned()
        };
        let bytes: Vec<u8> = padded
            .as_bytes()
            .chunks(2)
            .filter_map(|pair| std::str::from_utf8(pair).ok())
            .filter_map(|pair| u8::from_str_radix(pair, 16).ok())
            .collect();
        // DER needs a leading zero octet when the top bit is set.
        let octets = bytes
            .len()
            .saturating_add(usize::from(bytes.first().is_some_and(|b| b & 0x80 != 0)));
        if octets > Self::MAX_OCTETS {
            return Err(format!(
                "{text:?} needs {octets} octets; RFC 5280 allows at most {}",
                Self::MAX_OCTETS
            ));
        }
        Ok(Self(bytes))
    }

    /// The magnitude's octets, big-endian, without leading zeros.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// Wraps octets (big-endian magnitude).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        Self(bytes.get(start..).unwrap_or_default().to_vec())
    }
}

impl fmt::Display for Serial {
    /// Colon-separated upper-case hex, as `openssl x509 -text` shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex: Vec<String> = self.0.iter().map(|b| format!("{b:02X}")).collect();
        f.write_str(&hex.join(":"))
    }
}

impl TryFrom<String> for Serial {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<Serial> for String {
    fn from(serial: Serial) -> Self {
        serial.to_string()
    }
}

/// A DNS name: labels of letters, digits and `-`, a leading `*.` wildcard
/// label allowed; lower-cased.
fn dns_name(name: &str) -> Result<String, String> {
    let host = name.strip_prefix("*.").unwrap_or(name);
    let valid_label = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if name.is_empty() || name.len() > 253 || !host.split('.').all(valid_label) {
        return Err(format!(
            "{name:?} is neither an IP address nor a DNS name (letters, digits, '-' and '.'; \
             a leading '*.' for a wildcard)"
        ));
    }
    Ok(name.to_ascii_lowercase())
}

fn email(address: &str) -> Result<String, String> {
    match address.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && address.is_ascii()
                && !address.chars().any(|c| c.is_whitespace() || c.is_control())
                && dns_name(domain).is_ok() =>
        {
            Ok(address.to_owned())
        }
        _ => Err(format!(
            "{address:?} is not an email address (local@domain, ASCII)"
        )),
    }
}

fn uri(text: &str) -> Result<String, String> {
    let scheme_ok = text.split_once(':').is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if scheme_ok && text.is_ascii() && !text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?} is not a URI (scheme:rest, ASCII, no spaces; e.g. spiffe://example.org/web)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sans_parse_with_and_without_prefixes() {
        let parse = |s: &str| San::parse(s).unwrap();
        assert_eq!(parse("localhost"), San::DnsName("localhost".into()));
        assert_eq!(
            parse("DNS:*.Example.com"),
            San::DnsName("*.example.com".into())
        );
        assert_eq!(
            parse("127.0.0.1"),
            San::IpAddress("127.0.0.1".parse().unwrap())
        );
        assert_eq!(parse("::1"), San::IpAddress("::1".parse().unwrap()));
        assert_eq!(parse("IP:::1"), San::IpAddress("::1".parse().unwrap()));
        assert_eq!(parse("fe80::1"), San::IpAddress("fe80::1".parse().unwrap()));
        assert_eq!(
            parse("email:a@example.com"),
            San::Rfc822Name("a@example.com".into())
        );
        assert_eq!(
            parse("URI:spiffe://example.org/web"),
            San::Uri("spiffe://example.org/web".into())
        );
        for bad in [
            "not a name!",
            "DNS:",
            "IP:300.1.1.1",
            "email:nobody",
            "URI:no scheme",
            "x:y",
        ] {
            assert!(San::parse(bad).is_err(), "{bad}");
        }
        for san in [
            parse("localhost"),
            parse("IP:::1"),
            parse("email:a@b.c"),
            parse("URI:https://x"),
        ] {
            assert_eq!(San::parse(&san.to_string()).unwrap(), san);
        }
    }

    #[test]
    fn subtrees_parse() {
        assert_eq!(
            Subtree::parse("IP:10.0.0.0/8").unwrap(),
            Subtree::IpAddress("10.0.0.0".parse().unwrap(), 8)
        );
        assert_eq!(
            Subtree::parse(".example.com").unwrap(),
            Subtree::DnsName("example.com".into())
        );
        assert!(Subtree::parse("IP:10.0.0.0/33").is_err());
        assert!(Subtree::parse("IP:10.0.0.0").is_err());
    }

    #[test]
    fn serials_are_positive_and_short() {
        assert_eq!(Serial::parse("01:A3").unwrap().bytes(), [0x01, 0xa3]);
        assert_eq!(Serial::parse("00:A3").unwrap().bytes(), [0xa3]);
        assert_eq!(Serial::parse("0x1a3").unwrap().bytes(), [0x01, 0xa3]);
        assert_eq!(Serial::parse("ff").unwrap().to_string(), "FF");
        assert!(Serial::parse("0").is_err());
        assert!(Serial::parse("zz").is_err());
        assert!(Serial::parse(&"7f".repeat(20)).is_ok());
        assert!(
            Serial::parse(&"ff".repeat(20)).is_err(),
            "needs a 21st octet"
        );
    }
}
