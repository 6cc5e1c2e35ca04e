//! Issuing a [`Plan`]: every entry's certificate, signed by its issuer (or
//! itself), with its key; X.509 v3 throughout.

mod blog_openssl;
mod crl;
mod csr;
mod existing;
mod given;
mod import;
mod key;
mod output;
#[cfg(feature = "pkcs12")]
mod pkcs12;
mod sign;

use std::collections::BTreeMap;

use rand_core::{OsRng, RngCore};
use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyIdMethod, KeyUsagePurpose, SanType,
    SerialNumber,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use blog_openssl::{blog_openssl_set, BlogFile, BlogKeys};
pub use crl::{CrlParams, IssuedCrl, Revocation, RevocationReason};
pub use csr::{CertificateRequest, CsrParams};
pub use existing::ExistingCa;
pub use given::{ExistingChain, GivenCa};
pub use import::{read_private_key, ReadKey};
#[cfg(feature = "lab")]
pub(crate) use key::Secret;
pub use key::{KeyPair, KeyType};
pub use output::{zip_files, ExtraFile, FileKind, OutputFile, PLAN_FILE_NAME};
#[cfg(feature = "pkcs12")]
pub use pkcs12::{Pkcs12Encoding, Pkcs12Params, Pkcs12Password};
pub use sign::{CsrSigning, Decision, NotedItem, SignedCsr, SigningNote, SigningReport, Why};

use crate::plan::{
    Entry, ExtendedKeyUsage, KeyUsage, Plan, PlanField, PlanWarning, San, Subject, Subtree,
};
use crate::read::Source;
use crate::Error;

/// What a plan does not make itself: keys made elsewhere (the page's
/// WebCrypto keys, the server's threads, a person's own key) and the
/// certificate + key of `existing` entries. Entries without a key here get a
/// fresh one.
#[derive(Debug, Default)]
pub struct Materials {
    /// Keys by entry name.
    pub keys: BTreeMap<String, KeyPair>,
    /// Existing CAs by entry name.
    pub existing: BTreeMap<String, ExistingCa>,
    /// Certificate-only existing entries by name: the CAs above an
    /// existing issuing CA, whose keys are not given.
    pub given: BTreeMap<String, GivenCa>,
}

/// A plan, issued: one certificate (and key) per entry, in plan order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedPlan {
    /// The plan as it was issued.
    pub plan: Plan,
    /// One per entry, in the plan's order.
    pub entries: Vec<IssuedEntry>,
    /// The moment of issuing (relative validities count from it).
    pub issued_at: OffsetDateTime,
    /// What the plan check said (expired on purpose, ...).
    pub warnings: Vec<PlanWarning>,
}

/// One issued certificate with its private key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedEntry {
    /// The entry's name (the file stem).
    pub name: String,
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// The certificate, PEM (`-----BEGIN CERTIFICATE-----`).
    pub cert_pem: String,
    /// The private key, unencrypted PKCS#8 PEM; `None` for an existing CA
    /// (its key stays where it is).
    pub key_pem: Option<String>,
    /// The key's type; `None` only for a certificate given without its
    /// key (a CA above the issuing one) whose key is of a type certplay
    /// does not make.
    pub key_type: Option<KeyType>,
    /// The certificate followed by the intermediate CAs above it (PEM), for
    /// a leaf whose issuer is not a root; `None` otherwise.
    pub chain_pem: Option<String>,
}

impl std::fmt::Debug for IssuedEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("IssuedEntry")
            .field("name", &self.name)
            .field("key_type", &self.key_type)
            .finish_non_exhaustive()
    }
}

impl Plan {
    /// Checks the plan and issues it with fresh keys, now.
    pub fn issue(&self) -> Result<IssuedPlan, Error> {
        self.issue_with(Materials::default(), OffsetDateTime::now_utc())
    }

    /// The entries that need a key, with its type, in plan order: what a
    /// caller that makes keys elsewhere must make.
    pub fn keys_needed(&self) -> Vec<(String, KeyType)> {
        self.entries
            .iter()
            .filter(|e| !e.existing)
            .map(|e| (e.name.clone(), self.key_type_of(e)))
            .collect()
    }

    /// Issues the plan at `now` with the given materials (see
    /// [`Materials`]); keys it lacks are generated here. A given key of
    /// another type than the entry's is an error.
    pub fn issue_with(
        &self,
        mut materials: Materials,
        now: OffsetDateTime,
    ) -> Result<IssuedPlan, Error> {
        let warnings = self.check(now)?;
        // Issuers by entry name: what a later entry needs to be signed (no
        // signer for a certificate-only entry), and the chain it adds to
        // what it signs.
        let mut issuers: BTreeMap<&str, (Option<Issuer<'static, KeyPair>>, Vec<String>)> =
            BTreeMap::new();
        // The existing certificates, read: what new entries must respect.
        let mut given: BTreeMap<String, crate::read::Certificate> = BTreeMap::new();
        let mut entries = Vec::with_capacity(self.entries.len());
        for entry in &self.entries {
            // What an entry adds to the chains of what it signs: itself and
            // its issuer's chain, unless it has no issuer in the plan (a
            // root, or the topmost certificate given: the trust anchor).
            let chain_of = |issuers: &BTreeMap<&str, (_, Vec<String>)>, pem: &str| {
                entry
                    .issuer
                    .as_deref()
                    .map(|issuer| {
                        let above = issuers.get(issuer).map(|(_, chain)| chain.clone());
                        std::iter::once(pem.to_owned())
                            .chain(above.unwrap_or_default())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            };
            if entry.existing {
                let (issued, issuer) = match (
                    materials.existing.remove(&entry.name),
                    materials.given.remove(&entry.name),
                ) {
                    (Some(existing), _) => {
                        given.insert(entry.name.clone(), existing.given().certificate().clone());
                        let (issued, issuer) = existing.into_issuer(&entry.name)?;
                        (issued, Some(issuer))
                    }
                    (None, Some(ca)) => {
                        given.insert(entry.name.clone(), ca.certificate().clone());
                        (ca.into_entry(&entry.name), None)
                    }
                    (None, None) => {
                        return Err(Error::plan(
                            &entry.name,
                            PlanField::Existing,
                            "this CA is marked existing: give its certificate and key \
                             (certplay issue --ca-cert FILE --ca-key FILE; for a chain, the \
                             issuing CA's key and every certificate above it in --ca-cert)",
                        ))
                    }
                };
                let chain = chain_of(&issuers, &issued.cert_pem);
                issuers.insert(&entry.name, (issuer, chain));
                entries.push(issued);
                continue;
            }
            given::respects(self, entry, &given)?;
            let key_type = self.key_type_of(entry);
            let key = match materials.keys.remove(&entry.name) {
                Some(key) if key.key_type() != key_type => {
                    return Err(Error::plan(
                        &entry.name,
                        PlanField::KeyType,
                        format!(
                            "the key given is {}, but the entry asks for {}",
                            key.description(),
                            key_type.description()
                        ),
                    ))
                }
                Some(key) => key,
                None => KeyPair::generate(key_type)?,
            };
            let params = certificate_params(self, entry, &key, now)?;
            let key_pem = key.to_pkcs8_pem()?;
            let cert = match entry.issuer.as_deref() {
                None => params.self_signed(&key),
                Some(issuer) => {
                    let signer = match issuers.get(issuer) {
                        None => {
                            return Err(Error::plan(
                                &entry.name,
                                PlanField::Issuer,
                                format!("issuer {issuer:?} was not issued"),
                            ))
                        }
                        Some((None, _)) => {
                            return Err(Error::plan(
                                &entry.name,
                                PlanField::Issuer,
                                format!(
                                    "issuer {issuer:?} is a certificate you gave without its \
                                     key, so it cannot sign; name the CA whose key you gave"
                                ),
                            ))
                        }
                        Some((Some(signer), _)) => signer,
                    };
                    params.signed_by(&key, signer)
                }
            }
            .map_err(|e| {
                Error::plan(
                    &entry.name,
                    PlanField::Entries,
                    format!("signing failed: {e}"),
                )
            })?;

            // Intermediates above this entry: the issuer's own chain, the
            // issuer first, up to (not including) a self-signed root.
            let above: Vec<String> = match entry.issuer.as_deref().and_then(|i| issuers.get(i)) {
                Some((_, issuer_chain)) => issuer_chain.clone(),
                None => vec![],
            };
            let cert_pem = cert.pem();
            let chain_pem = (!entry.profile.is_ca() && !above.is_empty()).then(|| {
                std::iter::once(cert_pem.clone())
                    .chain(above.iter().cloned())
                    .collect()
            });
            if entry.profile.is_ca() {
                let chain = chain_of(&issuers, &cert_pem);
                issuers.insert(&entry.name, (Some(Issuer::new(params, key)), chain));
            }
            entries.push(IssuedEntry {
                name: entry.name.clone(),
                cert_der: cert.der().to_vec(),
                cert_pem,
                key_pem: Some(key_pem),
                key_type: Some(key_type),
                chain_pem,
            });
        }
        Ok(IssuedPlan {
            plan: self.clone(),
            entries,
            issued_at: now,
            warnings,
        })
    }
}

impl IssuedPlan {
    /// The issued entry with this name.
    pub fn entry(&self, name: &str) -> Option<&IssuedEntry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Issues a CRL of the CA entry `ca` (its key must be here: an existing
    /// CA's key stays with the person, use [`ExistingCa::issue_crl`]).
    pub fn issue_crl(&self, ca: &str, params: &CrlParams) -> Result<IssuedCrl, Error> {
        self.ca(ca, "CRL issuer")?.issue_crl(params)
    }

    /// The CA entry `ca` with its key, to sign with (CRLs, CSRs); `role`
    /// names it in errors ("CRL issuer", "signing CA").
    pub fn ca(&self, ca: &str, role: &str) -> Result<ExistingCa, Error> {
        let entry = self.entry(ca).ok_or_else(|| {
            Error::input(
                role,
                format!("the plan has no entry {ca:?}; name one of its CAs"),
            )
        })?;
        let key_pem = entry.key_pem.as_deref().ok_or_else(|| {
            Error::input(
                role,
                format!(
                    "{ca:?} is an existing CA whose key certplay does not hold; \
                     sign with its certificate and key (certplay crl or sign --ca-cert --ca-key)"
                ),
            )
        })?;
        let key_name = format!("{ca}.key");
        let key = read_private_key(Source::new(&key_name, key_pem.as_bytes()))?.into_pair()?;
        ExistingCa::from_der(&format!("{ca}.crt"), &entry.cert_der, &key_name, key)
    }
}

impl IssuedEntry {
    /// The certificate's serial number (what a CRL lists), if it parses.
    pub fn serial(&self) -> Option<crate::Serial> {
        crate::material::x509_certificate(&self.cert_der)
            .ok()
            .map(|c| crate::Serial::from_bytes(c.tbs_certificate.serial_number.as_bytes()))
    }
}

/// rcgen's parameters for one entry: X.509 v3, the subject, a serial,
/// both key identifiers, the validity, and the profile's extensions.
fn certificate_params(
    plan: &Plan,
    entry: &Entry,
    key: &KeyPair,
    now: OffsetDateTime,
) -> Result<CertificateParams, Error> {
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name(&entry.subject);
    params.serial_number = Some(match &entry.serial {
        Some(serial) => SerialNumber::from_slice(serial.bytes()),
        None => random_serial(),
    });
    let (not_before, not_after) = entry.validity.times(now);
    params.not_before = not_before;
    params.not_after = not_after;
    params.subject_alt_names = entry
        .sans
        .iter()
        .map(san_type)
        .collect::<Result<_, _>>()
        .map_err(|reason| Error::plan(&entry.name, PlanField::Sans, reason))?;
    params.is_ca = if entry.profile.is_ca() {
        IsCa::Ca(match entry.path_len {
            Some(limit) => BasicConstraints::Constrained(limit),
            None => BasicConstraints::Unconstrained,
        })
    } else {
        IsCa::ExplicitNoCa
    };
    let key_type = plan.key_type_of(entry);
    let usages = entry
        .key_usage
        .clone()
        .unwrap_or_else(|| entry.profile.key_usage(key_type));
    params.key_usages = usages.into_iter().map(key_usage).collect();
    let purposes = entry
        .extended_key_usage
        .clone()
        .unwrap_or_else(|| entry.profile.extended_key_usage());
    params.extended_key_usages = purposes.into_iter().map(extended_key_usage).collect();
    if !entry.name_constraints.is_empty() {
        params.name_constraints = Some(rcgen::NameConstraints {
            permitted_subtrees: entry
                .name_constraints
                .permitted
                .iter()
                .map(subtree)
                .collect(),
            excluded_subtrees: entry
                .name_constraints
                .excluded
                .iter()
                .map(subtree)
                .collect(),
        });
    }
    params.key_identifier_method = KeyIdMethod::PreSpecified(key.key_identifier());
    params.use_authority_key_identifier_extension = entry.issuer.is_some();
    Ok(params)
}

/// The subject as rcgen writes it: C, ST, L, O, OU, CN (the order openssl
/// and most CAs use; a leaf's CN last).
fn distinguished_name(subject: &Subject) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    for (kind, _, value) in subject_attributes(subject) {
        name.push(kind, value);
    }
    name
}

/// The subject's attributes in the order they are written, one per RDN,
/// each with its type's OID and its value as written (trimmed).
pub(crate) fn subject_attributes(
    subject: &Subject,
) -> Vec<(DnType, x509_cert::der::oid::ObjectIdentifier, &str)> {
    use x509_cert::der::oid::db::rfc4519;
    let optional = [
        (DnType::CountryName, rfc4519::C, &subject.country),
        (DnType::StateOrProvinceName, rfc4519::ST, &subject.state),
        (DnType::LocalityName, rfc4519::L, &subject.locality),
        (DnType::OrganizationName, rfc4519::O, &subject.organization),
        (
            DnType::OrganizationalUnitName,
            rfc4519::OU,
            &subject.organizational_unit,
        ),
    ];
    let mut attributes: Vec<_> = optional
        .into_iter()
        .filter_map(|(kind, oid, value)| value.as_deref().map(|v| (kind, oid, v.trim())))
        .collect();
    attributes.push((DnType::CommonName, rfc4519::CN, subject.common_name.trim()));
    attributes
}

fn san_type(san: &San) -> Result<SanType, String> {
    let ia5 = |s: &str| {
        s.to_owned()
            .try_into()
            .map_err(|_| format!("{s:?} is not ASCII (IA5String)"))
    };
    Ok(match san {
        San::DnsName(name) => SanType::DnsName(ia5(name)?),
        San::IpAddress(ip) => SanType::IpAddress(*ip),
        San::Rfc822Name(address) => SanType::Rfc822Name(ia5(address)?),
        San::Uri(uri) => SanType::URI(ia5(uri)?),
    })
}

fn subtree(subtree: &Subtree) -> GeneralSubtree {
    match subtree {
        Subtree::DnsName(name) => GeneralSubtree::DnsName(name.clone()),
        Subtree::IpAddress(ip, prefix) => {
            GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(*ip, *prefix))
        }
        Subtree::Rfc822Name(name) => GeneralSubtree::Rfc822Name(name.clone()),
    }
}

fn key_usage(usage: KeyUsage) -> KeyUsagePurpose {
    match usage {
        KeyUsage::DigitalSignature => KeyUsagePurpose::DigitalSignature,
        KeyUsage::ContentCommitment => KeyUsagePurpose::ContentCommitment,
        KeyUsage::KeyEncipherment => KeyUsagePurpose::KeyEncipherment,
        KeyUsage::DataEncipherment => KeyUsagePurpose::DataEncipherment,
        KeyUsage::KeyAgreement => KeyUsagePurpose::KeyAgreement,
        KeyUsage::KeyCertSign => KeyUsagePurpose::KeyCertSign,
        KeyUsage::CrlSign => KeyUsagePurpose::CrlSign,
        KeyUsage::EncipherOnly => KeyUsagePurpose::EncipherOnly,
        KeyUsage::DecipherOnly => KeyUsagePurpose::DecipherOnly,
    }
}

fn extended_key_usage(purpose: ExtendedKeyUsage) -> ExtendedKeyUsagePurpose {
    match purpose {
        ExtendedKeyUsage::ServerAuth => ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsage::ClientAuth => ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsage::CodeSigning => ExtendedKeyUsagePurpose::CodeSigning,
        ExtendedKeyUsage::EmailProtection => ExtendedKeyUsagePurpose::EmailProtection,
        ExtendedKeyUsage::TimeStamping => ExtendedKeyUsagePurpose::TimeStamping,
        ExtendedKeyUsage::OcspSigning => ExtendedKeyUsagePurpose::OcspSigning,
    }
}

/// A random, positive 128-bit serial number (RFC 5280, section 4.1.2.2:
/// positive, at most 20 octets; CA/B forum: at least 64 random bits).
fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    // Clear the sign bit so the INTEGER is positive, and set the next one so
    // the encoding keeps all 16 octets (no leading zero to strip).
    if let Some(first) = bytes.first_mut() {
        *first = (*first & 0x7f) | 0x40;
    }
    SerialNumber::from_slice(&bytes)
}

/// Splits a list of names as a person types it: commas, spaces or new lines.
pub fn split_names(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests;

/// The blog's three certificates with their keys as plain strings, for
/// core's own tests of reading and checking.
#[cfg(test)]
pub(crate) mod blog_set {
    use super::IssuedPlan;
    use crate::Plan;

    /// One certificate and its key.
    pub(crate) struct Pair {
        pub cert_der: Vec<u8>,
        pub cert_pem: String,
        pub key_pem: String,
    }

    /// CA, server and client.
    pub(crate) struct BlogSet {
        pub ca: Pair,
        pub server: Pair,
        pub client: Pair,
    }

    /// Issues the blog's set (P-256) with this CA common name.
    pub(crate) fn issue(ca_common_name: &str) -> BlogSet {
        issue_as(crate::KeyType::EcdsaP256, ca_common_name)
    }

    /// Issues the blog's set with this key type (verify's tests, native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn of(key_type: crate::KeyType) -> BlogSet {
        issue_as(key_type, "my-ca")
    }

    fn issue_as(key_type: crate::KeyType, ca_common_name: &str) -> BlogSet {
        let mut plan = Plan {
            key_type,
            ..Plan::default()
        };
        plan.entries[0].subject.common_name = ca_common_name.into();
        let issued: IssuedPlan = plan.issue().unwrap();
        let pair = |name: &str| {
            let entry = issued.entry(name).unwrap();
            Pair {
                cert_der: entry.cert_der.clone(),
                cert_pem: entry.cert_pem.clone(),
                key_pem: entry.key_pem.clone().unwrap(),
            }
        };
        BlogSet {
            ca: pair("ca"),
            server: pair("server"),
            client: pair("client"),
        }
    }
}
