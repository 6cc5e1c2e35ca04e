//! A chain of CAs a person gives: the issuing CA (whose key they have,
//! often an intermediate under a company's root) and the certificates
//! above it, in any order. Sorted by who signed whom, checked as a whole
//! (each is a CA that may sign certificates, the key is the issuing CA's,
//! path lengths), put into the plan as `existing` entries, and, when
//! issuing, the plan's new certificates checked against what the given
//! CAs allow (pathLenConstraint, nameConstraints), in words.

use std::collections::BTreeMap;
use std::net::IpAddr;

use sha2::{Digest, Sha256};
use x509_cert::der::oid::AssociatedOid;

use super::{ExistingCa, IssuedEntry, KeyPair, KeyType, Materials};
use crate::plan::{trust_note, Entry, GivenLink, Plan, PlanField, San};
use crate::read::model::{canonical, AttributeValue, ExtensionValue, GeneralName};
use crate::read::{read_certificates, Certificate, Source};
use crate::{format_time, read_private_key, Error};

/// One CA certificate a person gave, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenCa {
    cert: Certificate,
    pem: String,
}

impl GivenCa {
    /// Reads a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            cert: Certificate::from_der(der)?,
            pem: pem::encode_config(
                &pem::Pem::new("CERTIFICATE", der.to_vec()),
                pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
            ),
        })
    }

    /// The certificate, read.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// The certificate, PEM.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// Self-signed (subject and issuer the same name): a root.
    pub fn root(&self) -> bool {
        self.cert.self_issued()
    }

    /// The subject, as text.
    pub fn subject(&self) -> String {
        self.cert.subject.to_string()
    }

    /// The entry it stands for in an issued plan: its certificate, no key.
    pub(super) fn into_entry(self, name: &str) -> IssuedEntry {
        IssuedEntry {
            name: name.into(),
            cert_der: self.cert.der,
            cert_pem: self.pem,
            key_pem: None,
            key_type: KeyType::of(&self.cert.public_key.kind),
            chain_pem: None,
        }
    }

    /// What the plan needs to know of it.
    pub fn link(&self) -> GivenLink {
        GivenLink {
            root: self.root(),
            common_name: self
                .cert
                .subject
                .common_name()
                .map_or_else(|| self.subject(), str::to_owned),
        }
    }

    /// It may sign certificates: a CA (basicConstraints cA TRUE) whose
    /// keyUsage, when it has one, includes keyCertSign.
    fn check_signs(&self, file: &str) -> Result<(), Error> {
        let refuse = |why: &str| Error::InvalidInput {
            field: file.into(),
            reason: format!(
                "{} is not a CA certificate ({why}): it cannot sign other certificates",
                self.subject()
            ),
        };
        match self.cert.basic_constraints() {
            None => return Err(refuse("no basicConstraints extension")),
            Some((false, _)) => return Err(refuse("basicConstraints CA:FALSE")),
            Some((true, _)) => {}
        }
        if self
            .cert
            .key_usage()
            .is_some_and(|usages| !usages.contains(&"keyCertSign"))
        {
            return Err(Error::InvalidInput {
                field: file.into(),
                reason: format!(
                    "{}: its keyUsage lacks keyCertSign, so verifiers refuse every certificate \
                     it signs; it cannot be part of the chain of new certificates",
                    self.subject()
                ),
            });
        }
        Ok(())
    }

    /// What verifiers will say of its dates at `now` (Unix seconds).
    fn date_warning(&self, file: &str, now: i64) -> Option<String> {
        let subject = self.subject();
        if now > self.cert.not_after.0 {
            Some(format!(
                "{file}: {subject} expired on {}: verifiers refuse every certificate whose \
                 chain holds it",
                format_time(self.cert.not_after.0)
            ))
        } else if now < self.cert.not_before.0 {
            Some(format!(
                "{file}: {subject} is valid only from {}: verifiers refuse every certificate \
                 whose chain holds it until then",
                format_time(self.cert.not_before.0)
            ))
        } else {
            None
        }
    }

    /// What rustls refuses below this CA where OpenSSL does not, read from
    /// `file`: rustls-webpki (0.103; `certplay serve`, and any rustls
    /// server or client) does not process URI or directoryName name
    /// constraints, so it refuses every certificate below a CA that lists
    /// them whose names they constrain (a URI name; for directoryName, the
    /// subject of any certificate), even one inside them, where OpenSSL
    /// checks the constraints and accepts it. `None` for a CA without them.
    pub fn rustls_warning(&self, file: &str) -> Option<String> {
        let Some(ExtensionValue::NameConstraints {
            permitted,
            excluded,
        }) = self
            .cert
            .extension(x509_cert::ext::pkix::NameConstraints::OID)
        else {
            return None;
        };
        let listed = |kind: fn(&GeneralName) -> bool| permitted.iter().chain(excluded).any(kind);
        let uri = listed(|base| matches!(base, GeneralName::Uri(_)));
        let directory = listed(|base| matches!(base, GeneralName::DirectoryName(_)));
        let (kinds, refused) = match (uri, directory) {
            (false, false) => return None,
            (true, false) => ("URI", "every certificate below it that holds a URI name"),
            (false, true) => (
                "directoryName",
                "every certificate below it (a subject is a directory name)",
            ),
            (true, true) => (
                "URI and directoryName",
                "every certificate below it (a subject is a directory name)",
            ),
        };
        Some(format!(
            "{file}: {} has {kinds} nameConstraints, which rustls-webpki does not process: \
             certplay serve (and any rustls server or client) will refuse {refused}, even one \
             inside them, while OpenSSL accepts it; for rustls, use a CA that constrains DNS \
             names and IP addresses",
            self.subject()
        ))
    }
}

/// The issuing CA with its key and the certificates above it, sorted and
/// checked.
#[derive(Debug)]
pub struct ExistingChain {
    /// The CA that signs: the lowest of the chain, whose key was given.
    pub issuing: ExistingCa,
    /// The certificates above it, nearest first (up to the root, if given).
    pub above: Vec<GivenCa>,
    /// What verifiers will say of their dates, one line each.
    pub warnings: Vec<String>,
}

impl ExistingChain {
    /// Reads the certificates of `cert` (the issuing CA and its chain, in
    /// any order, PEM or DER) and the issuing CA's private key (`key`,
    /// opened with its password) and checks them at `now` (Unix seconds).
    pub fn read(cert: Source<'_>, key: Source<'_>, now: i64) -> Result<Self, Error> {
        let certificates: Vec<Vec<u8>> = read_certificates(cert)?
            .into_iter()
            .map(|c| c.der.to_vec())
            .collect();
        let pair = read_private_key(key)?.into_pair()?;
        Self::from_certificates(cert.name, &certificates, key.name, pair, now)
    }

    /// The same from DER certificates and a key pair.
    pub fn from_certificates(
        cert_name: &str,
        ders: &[Vec<u8>],
        key_name: &str,
        key: KeyPair,
        now: i64,
    ) -> Result<Self, Error> {
        let mut given: Vec<GivenCa> = Vec::new();
        for der in ders {
            let ca = GivenCa::from_der(der).map_err(|e| Error::Malformed {
                what: cert_name.into(),
                reason: e.to_string(),
            })?;
            if !given.contains(&ca) {
                given.push(ca);
            }
        }
        let mut chain = sort(cert_name, given)?.into_iter();
        let lowest = chain.next().ok_or_else(|| Error::NoPem {
            file: cert_name.into(),
            expected: "CERTIFICATE",
            found: vec![],
        })?;
        let above: Vec<GivenCa> = chain.collect();
        // What a certificate is comes before whose key was given.
        for ca in std::iter::once(&lowest).chain(&above) {
            ca.check_signs(cert_name)?;
        }
        let spki = Sha256::digest(key.public_key_info_der()?).to_vec();
        let holds_key = |ca: &GivenCa| ca.cert.public_key.spki_sha256.bytes() == spki;
        if !holds_key(&lowest) {
            if let Some(owner) = above.iter().find(|ca| holds_key(ca)) {
                return Err(Error::InvalidInput {
                    field: key_name.into(),
                    reason: format!(
                        "this is the key of {}, which is above {} in {cert_name}: certplay \
                         signs with the lowest CA of the chain; give the key of {}, or leave \
                         the certificates below {} out",
                        owner.subject(),
                        lowest.subject(),
                        lowest.subject(),
                        owner.subject()
                    ),
                });
            }
            return Err(Error::KeyMismatch {
                key_file: key_name.into(),
                cert_file: cert_name.into(),
                subject: lowest.subject(),
            });
        }
        let issuing = ExistingCa::from_der(cert_name, &lowest.cert.der, key_name, key)?;
        let mut warnings = Vec::new();
        for (below, ca) in std::iter::once(&lowest).chain(&above).enumerate() {
            // `below` CAs of the chain follow this one down to a leaf.
            if let Some((_, Some(limit))) = ca.cert.basic_constraints() {
                if below > usize::from(limit) {
                    return Err(Error::InvalidInput {
                        field: cert_name.into(),
                        reason: format!(
                            "{} has pathLenConstraint {limit}, but {below} CA(s) of this chain \
                             lie below it: verifiers refuse every certificate it leads to \
                             (path length exceeded)",
                            ca.subject()
                        ),
                    });
                }
            }
            warnings.extend(ca.date_warning(cert_name, now));
            warnings.extend(ca.rustls_warning(cert_name));
            // The topmost is what servers trust: webpki never reads an
            // anchor's dates, and reads every other certificate's.
            if below < above.len() {
                warnings.extend(crate::material::before_1970_warning(cert_name, &ca.cert));
            }
        }
        Ok(Self {
            issuing,
            above,
            warnings,
        })
    }

    /// The chain as the plan needs it, the issuing CA first.
    pub fn links(&self) -> Vec<GivenLink> {
        std::iter::once(self.issuing.given().link())
            .chain(self.above.iter().map(GivenCa::link))
            .collect()
    }

    /// The root was given (the topmost certificate is self-signed).
    pub fn root_given(&self) -> bool {
        self.above
            .last()
            .unwrap_or_else(|| self.issuing.given())
            .root()
    }

    /// The topmost certificate given: the trust anchor.
    pub fn top(&self) -> &GivenCa {
        self.above.last().unwrap_or_else(|| self.issuing.given())
    }

    /// Puts the chain into `plan` at the entry `at` (by default where
    /// [`Plan::chain_place`] says), as `existing` entries, and its
    /// certificates (the issuing CA with its key) into `materials`.
    /// Returns the entries' names, the issuing CA's first.
    pub fn put_into(
        self,
        plan: &mut Plan,
        materials: &mut Materials,
        at: Option<&str>,
    ) -> Result<Vec<String>, Error> {
        let links = self.links();
        let at = match at {
            Some(at) => at.to_owned(),
            None => plan
                .chain_place(links.len(), self.root_given())
                .ok_or_else(|| {
                    Error::plan(
                        "plan",
                        PlanField::Existing,
                        "the plan has no CA entry to stand for the CA you gave",
                    )
                })?,
        };
        let names = plan.stand_in(&at, &links).ok_or_else(|| {
            Error::plan(
                &at,
                PlanField::Existing,
                "no such entry to stand for your CA",
            )
        })?;
        let mut names_iter = names.iter();
        if let Some(name) = names_iter.next() {
            materials.existing.insert(name.clone(), self.issuing);
        }
        for (name, ca) in names_iter.zip(self.above) {
            materials.given.insert(name.clone(), ca);
        }
        Ok(names)
    }
}

impl super::IssuedPlan {
    /// The note for a set issued under a given chain whose root was not
    /// given ([`trust_note`]), naming the file `dir` + the topmost given
    /// certificate's entry + `.crt` (`dir` empty: a bare file name). `None`
    /// when there is no such chain or its root was given (then the root's
    /// file is the anchor, as always).
    pub fn anchor_note(&self, dir: &str) -> Option<String> {
        let top = self.plan.unrooted_anchor()?;
        let cert = Certificate::from_der(&self.entry(&top.name)?.cert_der).ok()?;
        if cert.self_issued() {
            return None;
        }
        Some(trust_note(
            &format!("{dir}{}.crt", top.name),
            &cert.subject.to_string(),
            &cert.issuer.to_string(),
        ))
    }
}

/// Sorts `given` by who signed whom, the lowest first; every certificate
/// must be on that one path.
fn sort(file: &str, given: Vec<GivenCa>) -> Result<Vec<GivenCa>, Error> {
    let signed_by = |child: &GivenCa, parent: &GivenCa| {
        !child.root()
            && child.cert.issuer.der == parent.cert.subject.der
            && match (child.cert.authority_key_id(), parent.cert.subject_key_id()) {
                (Some(authority), Some(subject)) => authority == subject,
                _ => true,
            }
    };
    let lowest: Vec<&GivenCa> = given
        .iter()
        .filter(|ca| !given.iter().any(|other| signed_by(other, ca)))
        .collect();
    let lowest = match lowest.as_slice() {
        [one] => (*one).clone(),
        [] => {
            return Err(Error::input(
                file,
                "its certificates sign each other in a circle: give the issuing CA and the \
                 certificates above it",
            ))
        }
        several => {
            let names: Vec<String> = several.iter().map(|ca| ca.subject()).collect();
            return Err(Error::input(
                file,
                format!(
                    "it holds {} certificates that no other one there issued ({}): give one \
                     chain, the issuing CA and the certificates above it",
                    several.len(),
                    names.join("; ")
                ),
            ));
        }
    };
    let mut chain = vec![lowest];
    while let Some(parent) = chain
        .last()
        .and_then(|child| given.iter().find(|p| signed_by(child, p)))
    {
        if chain.contains(parent) {
            break;
        }
        chain.push(parent.clone());
    }
    if let Some(stray) = given.iter().find(|ca| !chain.contains(ca)) {
        return Err(Error::input(
            file,
            format!(
                "{} is not above {} in the chain (no certificate of the chain was issued by \
                 it): give one chain, the issuing CA and the certificates above it",
                stray.subject(),
                chain.first().map(GivenCa::subject).unwrap_or_default()
            ),
        ));
    }
    Ok(chain)
}

/// Checks a new entry of `plan` against the given CAs above it (`given`,
/// by entry name): their pathLenConstraint and nameConstraints, which
/// verifiers apply to every certificate below them.
pub(super) fn respects(
    plan: &Plan,
    entry: &Entry,
    given: &BTreeMap<String, Certificate>,
) -> Result<(), Error> {
    for (between, ca) in plan.issuers_of(entry).into_iter().enumerate() {
        let Some(cert) = given.get(&ca.name) else {
            continue;
        };
        let below = if entry.profile.is_ca() {
            between.saturating_add(1)
        } else {
            between
        };
        if let Some((_, Some(limit))) = cert.basic_constraints() {
            if below > usize::from(limit) {
                return Err(Error::plan(
                    &entry.name,
                    PlanField::Issuer,
                    format!(
                        "{} ({}.crt) has pathLenConstraint {limit}: at most {limit} CA(s) may \
                         follow it, and this {} would be CA number {below} below it; verifiers \
                         refuse such a chain (path length exceeded)",
                        cert.subject,
                        ca.name,
                        entry.profile.description()
                    ),
                ));
            }
        }
        let Some(ExtensionValue::NameConstraints {
            permitted,
            excluded,
        }) = cert.extension(x509_cert::ext::pkix::NameConstraints::OID)
        else {
            continue;
        };
        let forbidden_name = |name: String, why: String| {
            Error::plan(
                &entry.name,
                PlanField::Subject,
                format!(
                    "subject {name} is outside what {} ({}.crt) may sign: {why}; verifiers \
                     refuse this certificate (name constraints)",
                    cert.subject, ca.name
                ),
            )
        };
        let subject = entry_subject(entry);
        let directories = |bases: &[GeneralName]| -> Vec<String> {
            bases
                .iter()
                .filter(|base| matches!(base, GeneralName::DirectoryName(_)))
                .map(ToString::to_string)
                .collect()
        };
        let permitted_dirs = directories(permitted);
        if !permitted_dirs.is_empty()
            && !permitted
                .iter()
                .any(|base| subject_within(&subject, base) == Some(true))
        {
            return Err(forbidden_name(
                slashed(&subject),
                format!(
                    "its nameConstraints permit only {}",
                    permitted_dirs.join(", ")
                ),
            ));
        }
        if let Some(base) = excluded
            .iter()
            .find(|base| subject_within(&subject, base) == Some(true))
        {
            return Err(forbidden_name(
                slashed(&subject),
                format!("its nameConstraints exclude {base}"),
            ));
        }
        for san in &entry.sans {
            if let San::Uri(uri) = san {
                let constrains_uris = permitted
                    .iter()
                    .chain(excluded.iter())
                    .any(|base| matches!(base, GeneralName::Uri(_)));
                if constrains_uris && uri_host(uri).is_none() {
                    return Err(Error::plan(
                        &entry.name,
                        PlanField::Sans,
                        format!(
                            "subjectAltName URI:{uri} has no host (scheme://host/...) to \
                             check against the URI name constraints of {} ({}.crt): OpenSSL \
                             refuses such a certificate (unsupported name syntax); give a \
                             URI with a host, e.g. spiffe://example.org/service",
                            cert.subject, ca.name
                        ),
                    ));
                }
            }
            let listed = |bases: &[GeneralName]| {
                bases
                    .iter()
                    .filter(|base| within(san, base).is_some())
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            };
            let forbidden = |why: String| {
                Error::plan(
                    &entry.name,
                    PlanField::Sans,
                    format!(
                        "subjectAltName {san} is outside what {} ({}.crt) may sign: {why}; \
                         verifiers refuse this certificate (name constraints)",
                        cert.subject, ca.name
                    ),
                )
            };
            let same_kind = listed(permitted);
            if !same_kind.is_empty()
                && !permitted.iter().any(|base| within(san, base) == Some(true))
            {
                return Err(forbidden(format!(
                    "its nameConstraints permit only {}",
                    same_kind.join(", ")
                )));
            }
            if let Some(base) = excluded.iter().find(|base| within(san, base) == Some(true)) {
                return Err(forbidden(format!("its nameConstraints exclude {base}")));
            }
        }
    }
    Ok(())
}

/// Whether `san` lies in the subtree `base` (RFC 5280, section 4.2.1.10);
/// `None` when they are names of different kinds.
fn within(san: &San, base: &GeneralName) -> Option<bool> {
    match (san, base) {
        (San::DnsName(name), GeneralName::Dns(domain)) => Some(dns_within(name, domain)),
        (San::IpAddress(ip), GeneralName::Ip(network)) => Some(ip_within(*ip, network.bytes())),
        (San::Rfc822Name(address), GeneralName::Email(domain)) => {
            Some(email_within(address, domain))
        }
        (San::Uri(uri), GeneralName::Uri(host)) => {
            Some(uri_host(uri).is_some_and(|found| host_within(found, host)))
        }
        _ => None,
    }
}

/// The new entry's subject as it will be written: (attribute type, value)
/// per RDN, in order.
fn entry_subject(entry: &Entry) -> Vec<(x509_cert::der::oid::ObjectIdentifier, String)> {
    super::subject_attributes(&entry.subject)
        .into_iter()
        .map(|(_, oid, value)| (oid, value.to_owned()))
        .collect()
}

/// `/C=../O=../CN=..`, as openssl shows a directoryName.
fn slashed(subject: &[(x509_cert::der::oid::ObjectIdentifier, String)]) -> String {
    subject
        .iter()
        .map(|(oid, value)| {
            let kind = crate::oid::lookup(&crate::oid::ATTRIBUTE_SHORT_NAMES, oid);
            format!(
                "/{}={value}",
                kind.map_or_else(|| oid.to_string(), str::to_owned)
            )
        })
        .collect()
}

/// Whether the subject lies in the directoryName subtree `base` (RFC 5280,
/// section 7.1: the base's RDNs are the first RDNs of the subject, each
/// matching attribute by attribute, case and spaces folded as OpenSSL's
/// canonical form does); `None` when `base` is not a directoryName.
fn subject_within(
    subject: &[(x509_cert::der::oid::ObjectIdentifier, String)],
    base: &GeneralName,
) -> Option<bool> {
    let GeneralName::DirectoryName(base) = base else {
        return None;
    };
    if base.rdns.len() > subject.len() {
        return Some(false);
    }
    Some(base.rdns.iter().zip(subject).all(|(rdn, (oid, value))| {
        let [attribute] = rdn.as_slice() else {
            // A multi-valued RDN never equals the single-valued ones
            // certplay writes.
            return false;
        };
        attribute.kind.oid == *oid
            && match &attribute.value {
                AttributeValue::Text(text) => canonical(text) == canonical(value),
                AttributeValue::Der(_) => false,
            }
    }))
}

/// The host of a URI as OpenSSL finds it for name constraints: after
/// `scheme://`, up to the port's `:` or else the first `/`; `None` without
/// `://` or with an empty host.
fn uri_host(uri: &str) -> Option<&str> {
    let (scheme, rest) = uri.split_once("://")?;
    if scheme.is_empty() || scheme.contains([':', '/']) {
        return None;
    }
    let end = rest
        .find(':')
        .or_else(|| rest.find('/'))
        .unwrap_or(rest.len());
    let host = rest.get(..end)?;
    (!host.is_empty()).then_some(host)
}

/// A URI's host lies in a URI constraint: `.example.com` every host below
/// it, `example.com` only itself (RFC 5280, section 4.2.1.10).
fn host_within(host: &str, constraint: &str) -> bool {
    let (host, constraint) = (host.to_ascii_lowercase(), constraint.to_ascii_lowercase());
    if constraint.starts_with('.') {
        host.len() > constraint.len() && host.ends_with(&constraint)
    } else {
        host == constraint
    }
}

/// `www.example.com` and `example.com` lie in `example.com`; only
/// subdomains in `.example.com`; a wildcard's domain counts.
fn dns_within(name: &str, domain: &str) -> bool {
    let name = name.trim_start_matches("*.").to_ascii_lowercase();
    let domain = domain.to_ascii_lowercase();
    if domain.is_empty() {
        return true;
    }
    if domain.starts_with('.') {
        return name.ends_with(&domain);
    }
    name == domain || name.ends_with(&format!(".{domain}"))
}

/// The address lies in the network (address octets, then mask octets).
fn ip_within(ip: IpAddr, network: &[u8]) -> bool {
    let octets = match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    if network.len() != octets.len().saturating_mul(2) {
        return false;
    }
    let (address, mask) = network.split_at(octets.len());
    octets
        .iter()
        .zip(address)
        .zip(mask)
        .all(|((o, a), m)| o & m == a & m)
}

/// `user@host` only itself; `host` every mailbox there; `.host` every
/// mailbox of its subdomains.
fn email_within(address: &str, constraint: &str) -> bool {
    if constraint.contains('@') {
        return address.eq_ignore_ascii_case(constraint);
    }
    let host = address
        .rsplit_once('@')
        .map_or(address, |(_, host)| host)
        .to_ascii_lowercase();
    let constraint = constraint.to_ascii_lowercase();
    if constraint.starts_with('.') {
        host.ends_with(&constraint)
    } else {
        host == constraint
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uri_host_is_found_as_openssl_finds_it() {
        assert_eq!(
            uri_host("spiffe://prod.example.org/web"),
            Some("prod.example.org")
        );
        assert_eq!(
            uri_host("https://a.example.org:8443/x"),
            Some("a.example.org")
        );
        assert_eq!(uri_host("https://a.example.org"), Some("a.example.org"));
        for none in [
            "urn:uuid:1234",
            "https:///path",
            "://x",
            "mailto:a@b",
            "urn:x://a",
        ] {
            assert_eq!(uri_host(none), None, "{none}");
        }
        assert!(host_within("Prod.Example.org", ".example.org"));
        assert!(!host_within("example.org", ".example.org"));
        assert!(host_within("example.org", "EXAMPLE.org"));
        assert!(!host_within("www.example.org", "example.org"));
    }
}
