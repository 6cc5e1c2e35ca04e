//! A broken copy of an issued set for one [`Case`]: the set's plan copied
//! and changed, issued again with the set's own keys at the set's own
//! moment (so that everything the case does not touch is what it was),
//! then changed where a plan cannot say it (an X.509 v1 certificate, a key
//! that is not the certificate's, a CRL); with what `certplay serve` and
//! curl are given. The set itself stays as it was.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};
use x509_cert::der::{Decode, Encode};

use super::case::Case;
use super::setup::TlsVersions;
use crate::commands::{Curl, HostName, Serve, Target};
use crate::plan::preset;
use crate::{
    CrlParams, Entry, Error, ExtendedKeyUsage, IssuedPlan, KeyPair, KeyType, KeyUsage, Materials,
    Plan, Profile, Revocation, RevocationReason, San, Source, Subject, Subtree, Validity,
};

/// The DNS name [`Case::NameConstraintViolated`] gives the client and has
/// its CA exclude.
pub const EXCLUDED_NAME: &str = "excluded.lab.test";
/// The only name [`Case::ServerForOtherName`] gives the server.
pub const OTHER_NAME: &str = "other-name.lab.test";

/// One file of a broken set.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFile {
    /// Its name (`client.crt`).
    pub name: String,
    /// Its text (PEM, or the plan's TOML).
    pub contents: String,
    /// True for a private key (written 0600, never shown).
    pub private: bool,
}

impl std::fmt::Debug for CaseFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a key.
        f.debug_struct("CaseFile")
            .field("name", &self.name)
            .field("private", &self.private)
            .finish_non_exhaustive()
    }
}

/// What `certplay serve` is given (file names among the case's files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServeSetup {
    /// `--ca`: the CA client certificates must chain to.
    pub ca: String,
    /// `--cert`: the server's certificate or chain.
    pub cert: String,
    /// `--key`.
    pub key: String,
    /// `--crl` files.
    pub crls: Vec<String>,
    /// `--tls13-only`.
    pub tls13_only: bool,
}

/// What curl is given (file names among the case's files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSetup {
    /// `--cacert`.
    pub cacert: String,
    /// `--cert` and `--key`; `None`: no client certificate.
    pub identity: Option<(String, String)>,
    /// The TLS versions it offers.
    pub versions: TlsVersions,
}

/// A broken copy of a set, ready to serve and to connect to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mutated {
    /// The case.
    pub case: Case,
    /// Every file of the copy: certificates, keys, chains, CRLs, and its
    /// plan (the original's, changed) as [`crate::PLAN_FILE_NAME`]. The
    /// plan travels as that file only: as JSON (the page's tools worker
    /// writes a case for the running server) the plan's own serializer
    /// would cost the worker's wasm 2.8 KB gzip.
    pub files: Vec<CaseFile>,
    /// The server's side.
    pub serve: ServeSetup,
    /// The client's side.
    pub client: ClientSetup,
    /// The names the client expects the server to have: the original
    /// server's subjectAltNames (the URL's host comes from them).
    pub server_names: Vec<San>,
}

impl Mutated {
    /// The file `name`'s text.
    pub fn file(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.contents.as_str())
    }

    /// The file `name` as a [`Source`], or an error naming it.
    pub fn source(&self, name: &str) -> Result<Source<'_>, Error> {
        let (name, contents) = self
            .files
            .iter()
            .find(|f| f.name == name)
            .map(|f| (f.name.as_str(), f.contents.as_bytes()))
            .ok_or_else(|| Error::input("lab case", format!("the case has no file {name:?}")))?;
        Ok(Source::new(name, contents))
    }

    /// The same case with a client that offers `versions`, unless the
    /// case is itself about versions.
    pub fn offering(mut self, versions: TlsVersions) -> Self {
        if !self.case.sets_versions() {
            self.client.versions = versions;
        }
        self
    }

    /// Where curl connects for a server listening on `listen`: a URL
    /// the original server certificate covers.
    pub fn target(&self, listen: SocketAddr) -> Target {
        Target::new(&HostName::from_sans(&self.server_names), listen)
    }

    /// The URL's host name (SNI, and the name the client checks).
    pub fn host(&self) -> String {
        self.target(SocketAddr::from(([127, 0, 0, 1], 443))).host
    }

    /// `certplay serve` for this case on `port`, with files under `dir`
    /// (`""`: as named), from core's one builder of printed commands.
    pub fn serve_argv(&self, dir: &str, port: u16) -> Vec<String> {
        let path = |name: &str| in_dir(dir, name);
        let crls: Vec<String> = self.serve.crls.iter().map(|c| path(c)).collect();
        let crls: Vec<&str> = crls.iter().map(String::as_str).collect();
        let (ca, cert, key) = (
            path(&self.serve.ca),
            path(&self.serve.cert),
            path(&self.serve.key),
        );
        Serve {
            ca: &ca,
            cert: &cert,
            key: &key,
            crls: &crls,
            port,
        }
        .argv_tls13_only(self.serve.tls13_only)
    }

    /// curl against this case's server on `port`, with files under `dir`.
    pub fn curl_argv(&self, dir: &str, port: u16) -> Vec<String> {
        let path = |name: &str| in_dir(dir, name);
        let cacert = path(&self.client.cacert);
        let identity = self
            .client
            .identity
            .as_ref()
            .map(|(cert, key)| (path(cert), path(key)));
        let serve = Serve {
            ca: "",
            cert: "",
            key: "",
            crls: &[],
            port,
        };
        let target = self.target(serve.listens_on());
        Curl {
            cacert: &cacert,
            client: identity.as_ref().map(|(c, k)| (c.as_str(), k.as_str())),
            target: &target,
        }
        .argv_offering(self.client.versions)
    }
}

fn in_dir(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{}/{name}", dir.trim_end_matches('/'))
    }
}

/// The entries a case works on, by name.
struct Roles {
    server: String,
    client: String,
    /// The self-signed CA above the server (what curl's `--cacert` is).
    server_root: String,
    /// The self-signed CA above the client (what serve's `--ca` is).
    client_root: String,
}

impl Roles {
    fn of(plan: &Plan) -> Result<Self, Error> {
        let missing = |what: &str| {
            Error::input(
                "lab",
                format!("the lab needs a plan with {what} (e.g. the blog preset)"),
            )
        };
        let server = plan
            .entries
            .iter()
            .find(|e| e.profile.serves())
            .ok_or_else(|| missing("a server entry"))?;
        let client = plan
            .entries
            .iter()
            .find(|e| e.profile == Profile::Client)
            .or_else(|| {
                plan.entries
                    .iter()
                    .find(|e| e.profile.is_client() && e.name != server.name)
            })
            .ok_or_else(|| missing("a client entry"))?;
        let root = |entry: &Entry| -> Result<String, Error> {
            plan.issuers_of(entry)
                .last()
                .map(|root| root.name.clone())
                .ok_or_else(|| missing(&format!("a CA that issues {}", entry.name)))
        };
        Ok(Self {
            server_root: root(server)?,
            client_root: root(client)?,
            server: server.name.clone(),
            client: client.name.clone(),
        })
    }
}

/// A name for a new entry: `wanted`, or `wanted-2`, ... when taken.
fn free_name(plan: &Plan, wanted: &str) -> String {
    (1..)
        .map(|n| {
            if n == 1 {
                wanted.to_owned()
            } else {
                format!("{wanted}-{n}")
            }
        })
        .find(|name| plan.entry(name).is_none())
        .unwrap_or_else(|| wanted.to_owned())
}

fn entry_mut<'a>(plan: &'a mut Plan, name: &str) -> Result<&'a mut Entry, Error> {
    plan.entries
        .iter_mut()
        .find(|e| e.name == name)
        .ok_or_else(|| Error::input("lab", format!("the plan has no entry {name:?}")))
}

/// Puts `entry` right before the entry `before` (an issuer comes before
/// what it signs).
fn insert_before(plan: &mut Plan, before: &str, entry: Entry) {
    let at = plan
        .entries
        .iter()
        .position(|e| e.name == before)
        .unwrap_or(plan.entries.len());
    plan.entries.insert(at, entry);
}

/// Gives `leaf` an intermediate CA (pathLenConstraint 0) when its issuer
/// is a root.
fn ensure_intermediate(plan: &mut Plan, leaf: &str) -> Result<(), Error> {
    let issuer_is_root = {
        let entry = plan
            .entry(leaf)
            .ok_or_else(|| Error::input("lab", format!("the plan has no entry {leaf:?}")))?;
        plan.issuers_of(entry).len() < 2
    };
    if !issuer_is_root {
        return Ok(());
    }
    let root = entry_mut(plan, leaf)?.issuer.clone().unwrap_or_default();
    let name = free_name(plan, "intermediate");
    insert_before(plan, leaf, preset::intermediate(&name, &root));
    entry_mut(plan, leaf)?.issuer = Some(name);
    Ok(())
}

/// An expired validity: 30 days that ended 30 days ago.
fn expired() -> Validity {
    Validity::Relative {
        days: 30,
        starts_in_days: -60,
    }
}

/// The broken copy of `set` for `case`. Entries a case adds (another CA,
/// an intermediate) get fresh keys of the plan's type; every other entry
/// keeps its key. A set with an existing CA (whose key certplay does not
/// hold) cannot be re-signed: an error says so.
pub fn mutate(set: &IssuedPlan, case: Case) -> Result<Mutated, Error> {
    mutate_with(set, case, Vec::new())
}

/// The key types of the keys [`mutate`] makes for `case`, one per key:
/// the entries the copy adds (another CA, an intermediate) and, for
/// [`Case::ClientKeyMismatch`], the client's other key. The page's tools
/// worker makes the RSA ones with WebCrypto (natively, in milliseconds)
/// and hands them to [`mutate_with`].
pub fn new_keys(set: &IssuedPlan, case: Case) -> Result<Vec<KeyType>, Error> {
    let roles = Roles::of(&set.plan)?;
    let plan = changed_plan(set, case, &roles)?;
    let mut types: Vec<KeyType> = if case == Case::AsIssued {
        Vec::new()
    } else {
        let kept = kept_keys(set, &plan)?;
        plan.keys_needed()
            .into_iter()
            .filter(|(name, _)| !kept.keys.contains_key(name))
            .map(|(_, key_type)| key_type)
            .collect()
    };
    if case == Case::ClientKeyMismatch {
        types.push(client_key_type(set, &roles.client)?);
    }
    Ok(types)
}

/// [`mutate`] with `spare` keys made elsewhere: each key the copy needs
/// ([`new_keys`]) is taken from `spare` when one of its type is there,
/// and made by core otherwise.
pub fn mutate_with(
    set: &IssuedPlan,
    case: Case,
    mut spare: Vec<KeyPair>,
) -> Result<Mutated, Error> {
    let roles = Roles::of(&set.plan)?;
    let plan = changed_plan(set, case, &roles)?;
    let client_issuer = |plan: &Plan| -> String {
        plan.entry(&roles.client)
            .and_then(|e| e.issuer.clone())
            .unwrap_or_default()
    };

    // The set as issued is the set itself (a person's own CA included);
    // every other case is issued again with the set's own keys for every
    // entry that is still there.
    let mut copy = if case == Case::AsIssued {
        set.clone()
    } else {
        issue_again(set, &plan, &mut spare)?
    };

    let mut crls = Vec::new();
    let mut extra = Vec::new();
    match case {
        Case::ClientX509V1 => {
            let issuer = client_issuer(&plan);
            let issuer_key = issued_key(&copy, &issuer)?;
            let client = copy_entry(&mut copy, &roles.client)?;
            let v1 = to_v1(&client.cert_der, &issuer_key)?;
            let pem = certificate_pem(&v1);
            if let Some(chain) = &mut client.chain_pem {
                *chain = chain.replacen(&client.cert_pem, &pem, 1);
            }
            client.cert_der = v1;
            client.cert_pem = pem;
        }
        Case::ClientKeyMismatch => {
            let key_type = client_key_type(&copy, &roles.client)?;
            let client = copy_entry(&mut copy, &roles.client)?;
            client.key_pem = Some(spare_or_new(&mut spare, key_type)?.to_pkcs8_pem()?);
        }
        Case::ClientRevoked => {
            let issuer = client_issuer(&plan);
            let serial = copy
                .entry(&roles.client)
                .and_then(|e| e.serial())
                .ok_or_else(|| Error::input("lab", "the client certificate has no serial"))?;
            let revoked = Revocation {
                serial,
                reason: RevocationReason::KeyCompromise,
                revoked_at: set.issued_at,
            };
            let crl = copy.issue_crl(&issuer, &CrlParams::new(set.issued_at, 30, vec![revoked]))?;
            let name = format!("{issuer}.crl");
            crls.push(name.clone());
            extra.push(CaseFile {
                name,
                contents: crl.pem,
                private: false,
            });
        }
        _ => {}
    }

    let chain_or_cert = |name: &str, whole: bool| match copy.entry(name) {
        Some(entry) if whole && entry.chain_pem.is_some() => format!("{name}-chain.crt"),
        _ => format!("{name}.crt"),
    };
    let serve = ServeSetup {
        ca: format!("{}.crt", roles.client_root),
        cert: chain_or_cert(&roles.server, case != Case::ServerChainWithoutIntermediate),
        key: format!("{}.key", roles.server),
        crls,
        tls13_only: case == Case::Tls12ClientTls13Server,
    };
    let client = ClientSetup {
        cacert: format!("{}.crt", roles.server_root),
        identity: (case != Case::NoClientCertificate).then(|| {
            (
                chain_or_cert(&roles.client, case != Case::ClientChainWithoutIntermediate),
                format!("{}.key", roles.client),
            )
        }),
        versions: if case == Case::Tls12ClientTls13Server {
            TlsVersions::Tls12Only
        } else {
            TlsVersions::default()
        },
    };
    let server_names = set
        .plan
        .entry(&roles.server)
        .map(|e| e.sans.clone())
        .unwrap_or_default();
    let mut files: Vec<CaseFile> = copy
        .files()?
        .into_iter()
        .map(|f| CaseFile {
            private: f.private(),
            name: f.name,
            contents: f.contents,
        })
        .collect();
    files.extend(extra);
    Ok(Mutated {
        case,
        files,
        serve,
        client,
        server_names,
    })
}

/// `set`'s plan changed for `case` (not yet issued). A set with an
/// existing CA (whose key certplay does not hold) cannot be re-signed: an
/// error says so.
fn changed_plan(set: &IssuedPlan, case: Case, roles: &Roles) -> Result<Plan, Error> {
    let existing = set.plan.entries.iter().find(|e| e.existing);
    if let (Some(existing), false) = (existing, case == Case::AsIssued) {
        return Err(Error::input(
            "lab",
            format!(
                "{} is an existing CA whose key certplay does not hold, and the lab signs \
                 again with every CA's key: try the lab with a set certplay issued whole",
                existing.name
            ),
        ));
    }
    let mut plan = set.plan.clone();
    let client_issuer = |plan: &Plan| -> String {
        plan.entry(&roles.client)
            .and_then(|e| e.issuer.clone())
            .unwrap_or_default()
    };
    match case {
        Case::AsIssued
        | Case::NoClientCertificate
        | Case::ClientX509V1
        | Case::ClientRevoked
        | Case::ClientKeyMismatch
        | Case::Tls12ClientTls13Server => {}
        Case::ClientExpired => entry_mut(&mut plan, &roles.client)?.validity = expired(),
        Case::ClientNotYetValid => {
            entry_mut(&mut plan, &roles.client)?.validity = Validity::Relative {
                days: 365,
                starts_in_days: 30,
            }
        }
        Case::ClientWithoutClientAuth => {
            entry_mut(&mut plan, &roles.client)?.extended_key_usage =
                Some(vec![ExtendedKeyUsage::ServerAuth]);
        }
        Case::ClientFromOtherCa | Case::ClientFromSameNameCa => {
            let name = free_name(&plan, "other-ca");
            let subject = if case == Case::ClientFromSameNameCa {
                plan.entry(&roles.client_root)
                    .map(|e| e.subject.clone())
                    .unwrap_or_default()
            } else {
                Subject::cn("other-ca")
            };
            let other = Entry {
                subject,
                ..preset::root(&name, "other-ca")
            };
            insert_before(&mut plan, &roles.client, other);
            entry_mut(&mut plan, &roles.client)?.issuer = Some(name);
        }
        Case::ClientChainWithoutIntermediate => ensure_intermediate(&mut plan, &roles.client)?,
        Case::ServerChainWithoutIntermediate => ensure_intermediate(&mut plan, &roles.server)?,
        Case::CaWithoutKeyCertSign => {
            let issuer = plan
                .entry(&roles.server)
                .and_then(|e| e.issuer.clone())
                .unwrap_or_default();
            entry_mut(&mut plan, &issuer)?.key_usage =
                Some(vec![KeyUsage::DigitalSignature, KeyUsage::CrlSign]);
        }
        Case::PathLengthExceeded => {
            // webpki does not apply a trust anchor's pathLenConstraint (a
            // root's): the limit goes on an intermediate CA.
            ensure_intermediate(&mut plan, &roles.client)?;
            let issuer = client_issuer(&plan);
            let name = free_name(&plan, "sub-ca");
            let sub = Entry {
                subject: Subject::cn("my-sub-ca"),
                path_len: None,
                ..preset::intermediate(&name, &issuer)
            };
            insert_before(&mut plan, &roles.client, sub);
            entry_mut(&mut plan, &roles.client)?.issuer = Some(name);
            entry_mut(&mut plan, &issuer)?.path_len = Some(0);
        }
        Case::NameConstraintViolated => {
            let issuer = client_issuer(&plan);
            entry_mut(&mut plan, &issuer)?
                .name_constraints
                .excluded
                .push(Subtree::DnsName(EXCLUDED_NAME.into()));
            entry_mut(&mut plan, &roles.client)?
                .sans
                .push(San::DnsName(EXCLUDED_NAME.into()));
        }
        Case::ServerForOtherName => {
            let server = entry_mut(&mut plan, &roles.server)?;
            server.sans = vec![San::DnsName(OTHER_NAME.into())];
            server.subject = Subject::cn(OTHER_NAME);
        }
        Case::ServerExpired => entry_mut(&mut plan, &roles.server)?.validity = expired(),
    }
    Ok(plan)
}

/// The client's key type (an issued client has a key of a type certplay
/// makes).
fn client_key_type(set: &IssuedPlan, client: &str) -> Result<KeyType, Error> {
    set.entry(client)
        .map(|e| e.key_type.unwrap_or_default())
        .ok_or_else(|| Error::input("lab", format!("the set has no entry {client:?}")))
}

/// A key of `key_type` from `spare`, or made by core when none is there.
fn spare_or_new(spare: &mut Vec<KeyPair>, key_type: KeyType) -> Result<KeyPair, Error> {
    match spare.iter().position(|k| k.key_type() == key_type) {
        Some(at) => Ok(spare.swap_remove(at)),
        None => KeyPair::generate(key_type),
    }
}

/// `plan` (the set's, changed) issued with the set's own keys for every
/// entry that is still there, at the set's own moment.
fn issue_again(
    set: &IssuedPlan,
    plan: &Plan,
    spare: &mut Vec<KeyPair>,
) -> Result<IssuedPlan, Error> {
    let mut materials = kept_keys(set, plan)?;
    for (name, key_type) in plan.keys_needed() {
        if let std::collections::btree_map::Entry::Vacant(free) = materials.keys.entry(name) {
            free.insert(spare_or_new(spare, key_type)?);
        }
    }
    plan.issue_with(materials, set.issued_at)
}

/// The set's own keys for every entry of `plan` that is still there with
/// the same key type.
fn kept_keys(set: &IssuedPlan, plan: &Plan) -> Result<Materials, Error> {
    let mut materials = Materials::default();
    for issued in &set.entries {
        let (Some(pem), Some(entry)) = (&issued.key_pem, plan.entry(&issued.name)) else {
            continue;
        };
        if Some(plan.key_type_of(entry)) != issued.key_type {
            continue;
        }
        materials
            .keys
            .insert(issued.name.clone(), key_of(&issued.name, pem)?);
    }
    Ok(materials)
}

fn key_of(name: &str, pem: &str) -> Result<KeyPair, Error> {
    let file = format!("{name}.key");
    crate::read_private_key(Source::new(&file, pem.as_bytes()))?.into_pair()
}

fn issued_key(set: &IssuedPlan, name: &str) -> Result<KeyPair, Error> {
    let pem = set
        .entry(name)
        .and_then(|e| e.key_pem.as_deref())
        .ok_or_else(|| Error::input("lab", format!("no key for {name:?}")))?;
    key_of(name, pem)
}

fn copy_entry<'a>(
    set: &'a mut IssuedPlan,
    name: &str,
) -> Result<&'a mut crate::IssuedEntry, Error> {
    set.entries
        .iter_mut()
        .find(|e| e.name == name)
        .ok_or_else(|| Error::input("lab", format!("the copy has no entry {name:?}")))
}

/// The same certificate as X.509 v1, as `openssl x509 -req` without
/// `-extfile` makes it: no extensions, signed again by `issuer`.
pub fn to_v1(der: &[u8], issuer: &KeyPair) -> Result<Vec<u8>, Error> {
    resigned(der, issuer, |tbs| {
        tbs.version = x509_cert::certificate::Version::V1;
        tbs.extensions = None;
        tbs.issuer_unique_id = None;
        tbs.subject_unique_id = None;
        Ok(())
    })
}

/// The same certificate for another public key (`spki`: a
/// SubjectPublicKeyInfo in DER), signed again by `issuer`: a key that
/// certplay does not issue for (RSA-1024), with everything else as issued.
/// Its subjectKeyIdentifier, which named the old key, is left out.
pub fn with_public_key(der: &[u8], spki: &[u8], issuer: &KeyPair) -> Result<Vec<u8>, Error> {
    let key = x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(spki).map_err(malformed)?;
    resigned(der, issuer, |tbs| {
        tbs.subject_public_key_info = key;
        if let Some(extensions) = &mut tbs.extensions {
            extensions
                .retain(|e| e.extn_id != crate::oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER);
        }
        Ok(())
    })
}

/// A fresh RSA key of `bits` bits, which may be fewer than certplay signs
/// with: its PKCS#8 PEM and its SubjectPublicKeyInfo (DER).
pub fn rsa_key(bits: usize) -> Result<(String, Vec<u8>), Error> {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, bits).map_err(Error::crypto)?;
    let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(Error::crypto)?;
    let spki = key
        .to_public_key()
        .to_public_key_der()
        .map_err(Error::crypto)?;
    Ok((pem.to_string(), spki.into_vec()))
}

fn malformed(e: x509_cert::der::Error) -> Error {
    Error::Malformed {
        what: "certificate".into(),
        reason: e.to_string(),
    }
}

/// `der` changed by `change`, then signed again by `issuer`.
fn resigned(
    der: &[u8],
    issuer: &KeyPair,
    change: impl FnOnce(&mut x509_cert::TbsCertificate) -> Result<(), Error>,
) -> Result<Vec<u8>, Error> {
    let mut cert = x509_cert::Certificate::from_der(der).map_err(malformed)?;
    change(&mut cert.tbs_certificate)?;
    let tbs = cert.tbs_certificate.to_der().map_err(malformed)?;
    let signature = rcgen::SigningKey::sign(issuer, &tbs)
        .map_err(|e| Error::Crypto(format!("signing the changed certificate: {e}")))?;
    cert.signature = x509_cert::der::asn1::BitString::from_bytes(&signature).map_err(malformed)?;
    cert.to_der().map_err(malformed)
}

/// `der` as a PEM `CERTIFICATE`.
pub fn certificate_pem(der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new("CERTIFICATE", der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}
