//! The tools worker's operations: what the page asks its Web Worker
//! (`certplay-inspect`, see [`crate::reader`]) to do, and the worker's
//! answers. Everything that reads certificates or writes PKCS#12 files,
//! CRLs and CSRs runs there, so that the page's own wasm stays small and a
//! slow operation never freezes the page. The worker is in the page: keys
//! go to it by `postMessage`, never over the network.
//!
//! On the wire a request is a plain object with an `op` field and the
//! operation's fields (bytes as `Uint8Array`); [`Request`] and [`Reply`]
//! are the only code that reads or writes those objects.

use certplay_core::read::model::GeneralName;
use certplay_core::read::Certificate;
use certplay_core::{
    CrlParams, CsrParams, CsrSigning, ExistingCa, ExtraFile, IssuedCrl, IssuedEntry, IssuedPlan,
    KeyPair, KeyType, PemSource, Pkcs12Encoding, Pkcs12Password, Plan, Profile, Revocation,
    RevocationReason, Validity,
};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::inspector::{Candidate, Inspection, View};

/// One thing for the worker to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Read any PEM/DER for the inspector, at `now` (Unix seconds).
    Inspect {
        /// The input's name, for messages.
        name: String,
        /// The input.
        bytes: Vec<u8>,
        /// Unix seconds, for the lints about validity.
        now: i64,
        /// A PKCS#12 file's password, as typed (it stays in the page).
        password: Option<String>,
    },
    /// Read back issued certificates (DER) for their cards.
    ReadBack(Vec<Vec<u8>>),
    /// The PKCS#12 file of an entry: key, certificate and the CAs above it.
    Pkcs12 {
        /// The issued set.
        set: IssuedPlan,
        /// The entry.
        entry: String,
        /// Modern or legacy.
        encoding: Pkcs12Encoding,
        /// The password the person typed (refused when empty).
        password: String,
    },
    /// A CRL of the CA entry `ca` listing the certificates of `revoked`.
    Crl {
        /// The issued set.
        set: IssuedPlan,
        /// The CA entry that signs the CRL.
        ca: String,
        /// The entries to list as revoked, with why.
        revoked: Vec<(String, RevocationReason)>,
        /// DER (`NAME.crl.der`) instead of PEM.
        der: bool,
    },
    /// A person's CSR signed by the CA entry `ca`.
    SignCsr {
        /// The issued set.
        set: IssuedPlan,
        /// The signing CA entry.
        ca: String,
        /// `None`: keep the requested purposes.
        profile: Option<Profile>,
        /// Validity in days.
        days: u32,
        /// The CSR's file name (or "pasted CSR"), for messages.
        name: String,
        /// The CSR, PEM or DER.
        csr: Vec<u8>,
    },
    /// A CSR for an entry of the set, signed by the entry's key.
    MakeCsr {
        /// The issued set.
        set: IssuedPlan,
        /// The entry.
        entry: String,
    },
    /// A person's own private key (PEM or DER: PKCS#8, PKCS#1, SEC1, or
    /// encrypted PKCS#8 with its password), answered as PKCS#8 DER for the
    /// page to issue with.
    ImportKey {
        /// The entry it is for, for messages.
        name: String,
        /// The key file's bytes.
        bytes: Vec<u8>,
        /// The password of an encrypted PKCS#8 key (`None`: none typed).
        password: Option<String>,
    },
    /// A CA a person already has (certificate and key files): read, checked
    /// (a CA, the key belongs to it) and answered as [`Reply::LoadedCa`],
    /// its key as PKCS#8 DER for the page to sign with.
    LoadCa {
        /// The certificate file's name, for messages.
        cert_name: String,
        /// The certificate file (PEM; the first certificate is the CA).
        cert: Vec<u8>,
        /// The key file's name, for messages.
        key_name: String,
        /// The key file (PEM or DER: PKCS#8, PKCS#1, SEC1, or encrypted PKCS#8).
        key: Vec<u8>,
        /// The password of an encrypted PKCS#8 key (`None`: none typed).
        password: Option<String>,
    },
    /// A plan issued with the person's own CA(s) (see [`crate::own_ca`]):
    /// here, because signing with a CA certificate means reading it, and
    /// the page's wasm carries no certificate parser (46 KB gzip more).
    Issue {
        /// The plan, checked by the page.
        plan: Plan,
        /// Keys made or brought in the page: entry and PKCS#8 PEM.
        keys: Vec<(String, String)>,
        /// The own CAs: entry, certificate (DER) and key (PKCS#8 DER), as
        /// [`Request::LoadCa`] answered them.
        existing: Vec<(String, Vec<u8>, Vec<u8>)>,
    },
    /// A chain check: `leaf` against `anchors`, with `intermediates` and
    /// `crls`, for a purpose, at a time (certplay-core's `verify`, with the
    /// RustCrypto provider: the same verdict as `certplay serve`).
    Verify(ChainCheck),
    /// An entry's private key as PKCS#8 DER.
    KeyDer {
        /// The issued set.
        set: IssuedPlan,
        /// The entry.
        entry: String,
    },
    /// The zip of the set's files, the certificates signed from CSRs and,
    /// on request, everything else the page makes.
    Zip {
        /// The issued set.
        set: IssuedPlan,
        /// Certificates signed from CSRs: file stem and PEM.
        signed: Vec<(String, String)>,
        /// With everything: what was revoked (for the CAs' CRLs) and the
        /// password of the leaves' PKCS#12 files (refused when empty).
        everything: Option<(Vec<(String, RevocationReason)>, String)>,
    },
}

/// What a chain check is asked for; certificates and CRLs as DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCheck {
    /// The certificate to check.
    pub leaf: Vec<u8>,
    /// The trust anchors.
    pub anchors: Vec<Vec<u8>>,
    /// Other certificates the chain may go through.
    pub intermediates: Vec<Vec<u8>>,
    /// CRLs to consult.
    pub crls: Vec<Vec<u8>>,
    /// `Some(host)`: a server reached as `host`; `None`: a client.
    pub server_host: Option<String>,
    /// Unix seconds.
    pub at: i64,
}

/// A CA a person brought, as the worker read and checked it.
#[derive(Clone, PartialEq, Eq)]
pub struct LoadedCa {
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// Its private key, unencrypted PKCS#8 DER (it stays in the page).
    pub key_der: Vec<u8>,
    /// What the page shows: subject, key type, validity.
    pub summary: String,
    /// What verifiers will say of it (expired, not yet valid, expiring
    /// soon), in core's lint words; issuing goes on.
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for LoadedCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("LoadedCa")
            .field("summary", &self.summary)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// The worker's answer to a [`Request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// For [`Request::Inspect`].
    Inspected(Inspection),
    /// For [`Request::ReadBack`]: per certificate its card's fields
    /// (`data-field` name, text) or why it could not be read.
    Cards(Vec<Result<Vec<(String, String)>, String>>),
    /// A file's bytes (PKCS#12, CRL, CSR, DER key).
    File(Vec<u8>),
    /// For [`Request::SignCsr`]: the certificate and what signing kept,
    /// added and dropped.
    Signed {
        /// The certificate, PEM.
        cert_pem: String,
        /// The certificate, DER.
        cert_der: Vec<u8>,
        /// One line per decision.
        report: String,
    },
    /// For [`Request::LoadCa`].
    LoadedCa(LoadedCa),
    /// For [`Request::Issue`]: the entries and the moment of issuing (the
    /// page has the plan; reading it back would put a TOML parser into the
    /// page's wasm).
    Issued {
        /// The issued entries, in plan order.
        entries: Vec<IssuedEntry>,
        /// When they were issued (whole seconds on the wire).
        issued_at: time::OffsetDateTime,
    },
    /// For [`Request::Verify`]: accepted, or the reason (core's
    /// [`Reason`](certplay_core::verify::Reason) kind and words).
    Verdict(Result<String, (String, String)>),
    /// The operation failed: certplay-core's words.
    Failed(String),
}

/// Runs `request` (in the worker).
pub fn handle(request: Request) -> Reply {
    let now = time::OffsetDateTime::now_utc();
    let outcome = match request {
        Request::Inspect {
            name,
            bytes,
            now,
            password,
        } => Ok(Reply::Inspected(crate::inspector::inspect(
            &name,
            &bytes,
            now,
            password.as_deref(),
        ))),
        Request::ReadBack(certs) => Ok(Reply::Cards(
            certs
                .iter()
                .map(|der| {
                    Certificate::from_der(der)
                        .map(|cert| card_fields(&cert))
                        .map_err(|e| e.to_string())
                })
                .collect(),
        )),
        Request::Pkcs12 {
            set,
            entry,
            encoding,
            password,
        } => Pkcs12Password::new(&password)
            .and_then(|password| set.pkcs12(&entry, encoding, password))
            .map(Reply::File),
        Request::Crl {
            set,
            ca,
            revoked,
            der,
        } => crl(&set, &ca, &revoked, now)
            .map(|crl| Reply::File(if der { crl.der } else { crl.pem.into_bytes() })),
        Request::SignCsr {
            set,
            ca,
            profile,
            days,
            name,
            csr,
        } => set
            .ca(&ca, "signing CA")
            .and_then(|ca| {
                ca.sign_csr(
                    PemSource::new(&name, &csr),
                    &CsrSigning {
                        profile,
                        validity: Validity::Relative {
                            days,
                            starts_in_days: 0,
                        },
                    },
                    now,
                )
            })
            .map(|signed| Reply::Signed {
                cert_pem: signed.cert_pem,
                cert_der: signed.cert_der,
                report: signed.report.to_string(),
            }),
        Request::MakeCsr { set, entry } => entry_key(&set, &entry).and_then(|key| {
            CsrParams::for_entry(&set.plan, &entry)?
                .request(&key)
                .map(|csr| Reply::File(csr.pem.into_bytes()))
        }),
        Request::ImportKey {
            name,
            bytes,
            password,
        } => {
            let file = format!("{name}'s own key");
            KeyPair::import(PemSource::new(&file, &bytes), password.as_deref())
                .and_then(|key| pkcs8_der(&key, &file))
                .map(Reply::File)
        }
        Request::LoadCa {
            cert_name,
            cert,
            key_name,
            key,
            password,
        } => load_ca(
            PemSource::new(&cert_name, &cert),
            PemSource::new(&key_name, &key),
            password.as_deref(),
            now,
        )
        .map(Reply::LoadedCa),
        Request::Issue {
            plan,
            keys,
            existing,
        } => issue(&plan, &keys, &existing, now).map(|set| Reply::Issued {
            entries: set.entries,
            issued_at: set.issued_at,
        }),
        Request::KeyDer { set, entry } => entry_key(&set, &entry)
            .and_then(|key| pkcs8_der(&key, &format!("{entry}.key")))
            .map(Reply::File),
        Request::Zip {
            set,
            signed,
            everything,
        } => zip(&set, &signed, everything.as_ref(), now).map(Reply::File),
        Request::Verify(check) => verify_chain(&check).map(Reply::Verdict),
    };
    outcome.unwrap_or_else(|e| Reply::Failed(e.to_string()))
}

/// Runs core's chain check. On wasm32 rustls has no ring or aws-lc
/// provider here: certplay-core's RustCrypto one verifies the signatures
/// (cheap to make: static tables and empty lists).
fn verify_chain(
    check: &ChainCheck,
) -> Result<Result<String, (String, String)>, certplay_core::Error> {
    use certplay_core::read::{Certificate, Crl};
    use certplay_core::verify::{self, Check, Purpose};
    let certs = |ders: &[Vec<u8>]| {
        ders.iter()
            .map(|der| Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
    };
    let leaf = Certificate::from_der(&check.leaf)?;
    let anchors = certs(&check.anchors)?;
    let intermediates = certs(&check.intermediates)?;
    let crls = check
        .crls
        .iter()
        .map(|der| Crl::from_der(der))
        .collect::<Result<Vec<_>, _>>()?;
    let purpose = match &check.server_host {
        Some(host) => Purpose::Server { host: host.clone() },
        None => Purpose::Client,
    };
    let verdict = verify::verify(
        &leaf,
        &Check {
            anchors: &anchors,
            intermediates: &intermediates,
            crls: &crls,
            purpose,
            at: check.at,
        },
        &verify::provider::verifying(),
    );
    Ok(match verdict {
        Ok(()) => Ok(format!("{} (issued by {})", leaf.subject, leaf.issuer)),
        Err(reason) => Err((reason.kind().name().to_owned(), reason.to_string())),
    })
}

/// Reads a person's CA and checks it as `certplay issue --ca-cert --ca-key`
/// does ([`ExistingCa`]: a CA, and the key is its key); what verifiers will
/// say of its dates comes from core's lints.
fn load_ca(
    cert: PemSource<'_>,
    key: PemSource<'_>,
    password: Option<&str>,
    now: time::OffsetDateTime,
) -> Result<LoadedCa, certplay_core::Error> {
    let certificates = certplay_core::read_certificates(cert)?;
    let der = certificates
        .first()
        .map(|c| c.der.to_vec())
        .ok_or_else(|| invalid(cert.name, "no certificate in this file"))?;
    let pair = KeyPair::import(key, password)?;
    let key_der = pkcs8_der(&pair, key.name)?;
    let key_type = pair.description();
    ExistingCa::from_der(cert.name, &der, key.name, pair)?;
    let info = Certificate::from_der(&der)?;
    let warnings = certplay_core::read::lint::certificate(&info, now.unix_timestamp())
        .into_iter()
        .filter(|lint| matches!(lint.id, "expired" | "not-yet-valid" | "expiring-soon"))
        .map(|lint| {
            let consequence = if lint.id == "expiring-soon" {
                "what it signs stops verifying then"
            } else {
                "verifiers refuse every certificate it signs until it is valid"
            };
            format!(
                "{}: {}: {consequence} ({})",
                cert.name, lint.message, lint.fix
            )
        })
        .collect();
    Ok(LoadedCa {
        cert_der: der,
        key_der,
        summary: format!(
            "{}, {key_type}, valid from {} to {}",
            info.subject, info.not_before, info.not_after
        ),
        warnings,
    })
}

/// [`Request::Issue`]: the plan with the page's keys and the own CAs.
fn issue(
    plan: &Plan,
    keys: &[(String, String)],
    existing: &[(String, Vec<u8>, Vec<u8>)],
    now: time::OffsetDateTime,
) -> Result<IssuedPlan, certplay_core::Error> {
    let mut materials = certplay_core::Materials::default();
    for (name, pem) in keys {
        let file = format!("{name}.key");
        let key = KeyPair::import(PemSource::new(&file, pem.as_bytes()), None)?;
        materials.keys.insert(name.clone(), key);
    }
    for (name, cert, key) in existing {
        let key = KeyPair::from_pkcs8_der(key)?;
        let ca = ExistingCa::from_der(&format!("{name}.crt"), cert, &format!("{name}.key"), key)?;
        materials.existing.insert(name.clone(), ca);
    }
    plan.issue_with(materials, now)
}

fn invalid(field: &str, reason: impl Into<String>) -> certplay_core::Error {
    certplay_core::Error::InvalidInput {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// The CRL of the CA entry `ca` listing those of `revoked` it issued (a
/// CRL speaks only for its own CA's certificates).
fn crl(
    set: &IssuedPlan,
    ca: &str,
    revoked: &[(String, RevocationReason)],
    now: time::OffsetDateTime,
) -> Result<IssuedCrl, certplay_core::Error> {
    let revoked = revoked
        .iter()
        .filter(|(name, _)| set.plan.entry(name).and_then(|e| e.issuer.as_deref()) == Some(ca))
        .map(|(name, reason)| {
            let serial = set
                .entry(name)
                .and_then(IssuedEntry::serial)
                .ok_or_else(|| {
                    invalid(
                        "serial to revoke",
                        format!("{name}.crt has no readable serial number"),
                    )
                })?;
            Ok(Revocation {
                serial,
                reason: *reason,
                revoked_at: now,
            })
        })
        .collect::<Result<Vec<_>, certplay_core::Error>>()?;
    set.issue_crl(ca, &CrlParams::new(now, CRL_DAYS, revoked))
}

/// The zip: the set's own files, the certificates signed from CSRs and,
/// with `everything`, the DER of every certificate and key, each CA's CRL
/// (PEM and DER) and each leaf's PKCS#12 file (modern encoding).
fn zip(
    set: &IssuedPlan,
    signed: &[(String, String)],
    everything: Option<&(Vec<(String, RevocationReason)>, String)>,
    now: time::OffsetDateTime,
) -> Result<Vec<u8>, certplay_core::Error> {
    let file = |name: String, contents: Vec<u8>, private: bool| ExtraFile {
        name,
        contents,
        private,
    };
    let mut extra: Vec<ExtraFile> = signed
        .iter()
        .map(|(stem, pem)| file(format!("{stem}.crt"), pem.clone().into_bytes(), false))
        .collect();
    // The key of a CA the person brought is here only to sign its CRL: the
    // person has it, the zip does not carry it again.
    let mut listed = set.clone();
    for (planned, issued) in listed.plan.entries.iter().zip(listed.entries.iter_mut()) {
        if planned.existing {
            issued.key_pem = None;
        }
    }
    if let Some((revoked, password)) = everything {
        let password = Pkcs12Password::new(password)?;
        for (planned, issued) in listed.plan.entries.iter().zip(&listed.entries) {
            let name = &issued.name;
            extra.push(file(
                format!("{name}.crt.der"),
                issued.cert_der.clone(),
                false,
            ));
            if issued.key_pem.is_some() {
                let key_file = format!("{name}.key");
                let der = pkcs8_der(&entry_key(set, name)?, &key_file)?;
                extra.push(file(format!("{key_file}.der"), der, true));
            }
            if planned.profile.is_ca() && set.entry(name).is_some_and(|e| e.key_pem.is_some()) {
                let crl = crl(set, name, revoked, now)?;
                let der = crl.der.clone();
                extra.push(file(format!("{name}.crl"), crl.pem.into_bytes(), false));
                extra.push(file(format!("{name}.crl.der"), der, false));
            } else if issued.key_pem.is_some() {
                let p12 = set.pkcs12(name, Pkcs12Encoding::Modern, password.clone())?;
                extra.push(file(format!("{name}.p12"), p12, true));
            }
        }
        for (stem, pem) in signed {
            let der = pem::parse(pem)
                .map(pem::Pem::into_contents)
                .map_err(|e| invalid(&format!("{stem}.crt"), e.to_string()))?;
            extra.push(file(format!("{stem}.crt.der"), der, false));
        }
    }
    listed.to_zip_with(&extra)
}

/// Days until a page-made CRL's nextUpdate (what `certplay crl` defaults to).
pub const CRL_DAYS: u32 = 30;

fn entry_key(set: &IssuedPlan, entry: &str) -> Result<KeyPair, certplay_core::Error> {
    let key_pem = set
        .entry(entry)
        .and_then(|e| e.key_pem.as_deref())
        .ok_or_else(|| invalid(entry, "the set holds no private key for this entry"))?;
    KeyPair::import(
        PemSource::new(&format!("{entry}.key"), key_pem.as_bytes()),
        None,
    )
}

fn pkcs8_der(key: &KeyPair, name: &str) -> Result<Vec<u8>, certplay_core::Error> {
    pem::parse(key.to_pkcs8_pem()?)
        .map(pem::Pem::into_contents)
        .map_err(|e| invalid(name, e.to_string()))
}

/// A card's fields, as `index.html`'s `#card-template` names them, read
/// from the certificate itself (core's typed model, shown openssl's way).
fn card_fields(cert: &Certificate) -> Vec<(String, String)> {
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    let basic_constraints = match cert.basic_constraints() {
        Some((true, _)) => "CA:TRUE",
        Some((false, _)) => "CA:FALSE",
        None => "absent",
    };
    let issuer = if cert.self_issued() {
        format!("{} (self-signed)", cert.issuer)
    } else {
        cert.issuer.to_string()
    };
    // RFC 5280's short purpose names (serverAuth), as openssl's config files
    // and certplay's plans write them.
    let eku = cert
        .extended_key_usage()
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let name = p.to_string();
            name.strip_prefix("id-kp-")
                .map(str::to_owned)
                .unwrap_or(name)
        })
        .collect();
    [
        ("subject", cert.subject.to_string()),
        ("issuer", issuer),
        ("serial", cert.serial.to_string()),
        ("not-before", cert.not_before.to_string()),
        ("not-after", cert.not_after.to_string()),
        (
            "sans",
            list(cert.subject_alt_names().iter().map(san_text).collect()),
        ),
        ("eku", list(eku)),
        (
            "key-usage",
            list(
                cert.key_usage()
                    .unwrap_or_default()
                    .iter()
                    .map(|k| (*k).to_owned())
                    .collect(),
            ),
        ),
        ("basic-constraints", basic_constraints.to_owned()),
        ("key-type", cert.public_key.kind.to_string()),
        ("signature", cert.signature_algorithm.to_string()),
        ("version", format!("v{}", cert.version)),
        ("sha256", cert.sha256_fingerprint.to_string()),
    ]
    .into_iter()
    .map(|(field, text)| (field.to_owned(), text))
    .collect()
}

/// A SAN the way the plan editor writes it (`IP:::1`, not openssl's
/// `IP Address:0:0:0:0:0:0:0:1`), so the card reads like what was typed.
fn san_text(name: &GeneralName) -> String {
    let ip = |bytes: &[u8]| -> Option<std::net::IpAddr> {
        <[u8; 4]>::try_from(bytes)
            .map(std::net::IpAddr::from)
            .or_else(|_| <[u8; 16]>::try_from(bytes).map(std::net::IpAddr::from))
            .ok()
    };
    match name {
        GeneralName::Ip(bytes) => match ip(bytes.bytes()) {
            Some(address) => format!("IP:{address}"),
            None => name.to_string(),
        },
        other => other.to_string(),
    }
}

// ---- the wire: plain objects, `op` names the operation ----

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // Setting a property on a plain new object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

fn text(value: &JsValue, key: &str) -> String {
    get(value, key).as_string().unwrap_or_default()
}

fn bytes(value: &JsValue, key: &str) -> Vec<u8> {
    get(value, key)
        .dyn_into::<Uint8Array>()
        .map(|b| b.to_vec())
        .unwrap_or_default()
}

fn list(value: &JsValue, key: &str) -> Vec<JsValue> {
    get(value, key)
        .dyn_into::<Array>()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// `[field, text, field, text, ...]` back into pairs.
fn pairs(flat: &[JsValue]) -> Vec<(String, String)> {
    let texts: Vec<String> = flat.iter().filter_map(JsValue::as_string).collect();
    texts
        .chunks(2)
        .filter_map(|pair| match pair {
            [field, text] => Some((field.clone(), text.clone())),
            _ => None,
        })
        .collect()
}

fn byte_list(items: &[Vec<u8>]) -> Array {
    items
        .iter()
        .map(|b| JsValue::from(Uint8Array::from(b.as_slice())))
        .collect()
}

fn byte_lists(value: &JsValue, key: &str) -> Vec<Vec<u8>> {
    list(value, key)
        .into_iter()
        .filter_map(|c| c.dyn_into::<Uint8Array>().ok())
        .map(|c| c.to_vec())
        .collect()
}

fn strings(items: impl IntoIterator<Item = String>) -> Array {
    items.into_iter().map(|s| JsValue::from_str(&s)).collect()
}

fn message(op: &str) -> Object {
    let object = Object::new();
    set(&object, "op", &JsValue::from_str(op));
    object
}

/// Numbers that fit an f64 exactly (Unix seconds, days).
#[allow(clippy::cast_precision_loss)]
fn number(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

#[allow(clippy::cast_possible_truncation)]
fn integer(value: &JsValue, key: &str) -> i64 {
    get(value, key).as_f64().map_or(0, |n| n as i64)
}

/// The `revoked` and `reasons` lists of a message, paired.
fn revocations(value: &JsValue) -> Result<Vec<(String, RevocationReason)>, String> {
    list(value, "revoked")
        .iter()
        .zip(list(value, "reasons"))
        .map(|(name, reason)| {
            let reason = reason
                .as_string()
                .unwrap_or_default()
                .parse::<RevocationReason>()
                .map_err(|e| e.to_string())?;
            Ok((name.as_string().unwrap_or_default(), reason))
        })
        .collect()
}

fn encoding_name(encoding: Pkcs12Encoding) -> &'static str {
    match encoding {
        Pkcs12Encoding::Modern => "modern",
        Pkcs12Encoding::Legacy => "legacy",
    }
}

/// The set travels as its plan (TOML) and its entries' certificates and
/// keys; the worker keeps nothing between requests.
fn encode_set(object: &Object, plan: &IssuedPlan) {
    set(
        object,
        "plan",
        &JsValue::from_str(&plan.plan.to_toml().unwrap_or_default()),
    );
    encode_entries(object, &plan.entries, plan.issued_at);
}

fn encode_entries(object: &Object, entries: &[IssuedEntry], issued_at: time::OffsetDateTime) {
    set(object, "issued_at", &number(issued_at.unix_timestamp()));
    let entries: Array = entries
        .iter()
        .map(|e| {
            let entry = Object::new();
            set(&entry, "name", &JsValue::from_str(&e.name));
            set(&entry, "cert_der", &Uint8Array::from(e.cert_der.as_slice()));
            set(&entry, "cert_pem", &JsValue::from_str(&e.cert_pem));
            set(&entry, "key_type", &JsValue::from_str(e.key_type.name()));
            if let Some(key) = &e.key_pem {
                set(&entry, "key_pem", &JsValue::from_str(key));
            }
            if let Some(chain) = &e.chain_pem {
                set(&entry, "chain_pem", &JsValue::from_str(chain));
            }
            JsValue::from(entry)
        })
        .collect();
    set(object, "entries", &entries);
}

fn decode_set(value: &JsValue) -> Result<IssuedPlan, String> {
    let plan = Plan::from_toml(&text(value, "plan")).map_err(|e| e.to_string())?;
    let (entries, issued_at) = decode_entries(value)?;
    Ok(IssuedPlan {
        plan,
        entries,
        issued_at,
        warnings: Vec::new(),
    })
}

fn decode_entries(value: &JsValue) -> Result<(Vec<IssuedEntry>, time::OffsetDateTime), String> {
    let issued_at = time::OffsetDateTime::from_unix_timestamp(integer(value, "issued_at"))
        .map_err(|e| e.to_string())?;
    let entries = list(value, "entries")
        .iter()
        .map(|e| {
            Ok(IssuedEntry {
                name: text(e, "name"),
                cert_der: bytes(e, "cert_der"),
                cert_pem: text(e, "cert_pem"),
                key_pem: get(e, "key_pem").as_string(),
                key_type: text(e, "key_type")
                    .parse::<KeyType>()
                    .map_err(|e| e.to_string())?,
                chain_pem: get(e, "chain_pem").as_string(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((entries, issued_at))
}

impl Request {
    /// The message the page posts.
    pub fn to_js(&self) -> JsValue {
        let object = match self {
            Self::Inspect {
                name,
                bytes,
                now,
                password,
            } => {
                let m = message("inspect");
                set(&m, "name", &JsValue::from_str(name));
                set(&m, "bytes", &Uint8Array::from(bytes.as_slice()));
                set(&m, "now", &number(*now));
                if let Some(password) = password {
                    set(&m, "password", &JsValue::from_str(password));
                }
                m
            }
            Self::ReadBack(certs) => {
                let m = message("read-back");
                let certs: Array = certs
                    .iter()
                    .map(|der| JsValue::from(Uint8Array::from(der.as_slice())))
                    .collect();
                set(&m, "certs", &certs);
                m
            }
            Self::Pkcs12 {
                set: plan,
                entry,
                encoding,
                password,
            } => {
                let m = message("pkcs12");
                encode_set(&m, plan);
                set(&m, "entry", &JsValue::from_str(entry));
                set(&m, "encoding", &JsValue::from_str(encoding_name(*encoding)));
                set(&m, "password", &JsValue::from_str(password));
                m
            }
            Self::Crl {
                set: plan,
                ca,
                revoked,
                der,
            } => {
                let m = message("crl");
                encode_set(&m, plan);
                set(&m, "ca", &JsValue::from_str(ca));
                set(&m, "der", &JsValue::from_bool(*der));
                set(
                    &m,
                    "revoked",
                    &strings(revoked.iter().map(|(n, _)| n.clone())),
                );
                set(
                    &m,
                    "reasons",
                    &strings(revoked.iter().map(|(_, r)| r.name().to_owned())),
                );
                m
            }
            Self::SignCsr {
                set: plan,
                ca,
                profile,
                days,
                name,
                csr,
            } => {
                let m = message("sign-csr");
                encode_set(&m, plan);
                set(&m, "ca", &JsValue::from_str(ca));
                if let Some(profile) = profile {
                    set(&m, "profile", &JsValue::from_str(profile.name()));
                }
                set(&m, "days", &number(i64::from(*days)));
                set(&m, "name", &JsValue::from_str(name));
                set(&m, "csr", &Uint8Array::from(csr.as_slice()));
                m
            }
            Self::ImportKey {
                name,
                bytes,
                password,
            } => {
                let m = message("import-key");
                set(&m, "name", &JsValue::from_str(name));
                set(&m, "bytes", &Uint8Array::from(bytes.as_slice()));
                if let Some(password) = password {
                    set(&m, "password", &JsValue::from_str(password));
                }
                m
            }
            Self::LoadCa {
                cert_name,
                cert,
                key_name,
                key,
                password,
            } => {
                let m = message("load-ca");
                set(&m, "cert_name", &JsValue::from_str(cert_name));
                set(&m, "cert", &Uint8Array::from(cert.as_slice()));
                set(&m, "key_name", &JsValue::from_str(key_name));
                set(&m, "key", &Uint8Array::from(key.as_slice()));
                if let Some(password) = password {
                    set(&m, "password", &JsValue::from_str(password));
                }
                m
            }
            Self::Issue {
                plan,
                keys,
                existing,
            } => {
                let m = message("issue");
                set(
                    &m,
                    "plan",
                    &JsValue::from_str(&plan.to_toml().unwrap_or_default()),
                );
                set(
                    &m,
                    "key_names",
                    &strings(keys.iter().map(|(n, _)| n.clone())),
                );
                set(
                    &m,
                    "key_pems",
                    &strings(keys.iter().map(|(_, k)| k.clone())),
                );
                set(
                    &m,
                    "ca_names",
                    &strings(existing.iter().map(|(n, _, _)| n.clone())),
                );
                let certs: Vec<Vec<u8>> = existing.iter().map(|(_, c, _)| c.clone()).collect();
                let keys: Vec<Vec<u8>> = existing.iter().map(|(_, _, k)| k.clone()).collect();
                set(&m, "ca_certs", &byte_list(&certs));
                set(&m, "ca_keys", &byte_list(&keys));
                m
            }
            Self::Zip {
                set: plan,
                signed,
                everything,
            } => {
                let m = message("zip");
                encode_set(&m, plan);
                set(
                    &m,
                    "signed",
                    &strings(signed.iter().map(|(n, _)| n.clone())),
                );
                set(
                    &m,
                    "signed_pem",
                    &strings(signed.iter().map(|(_, p)| p.clone())),
                );
                if let Some((revoked, password)) = everything {
                    set(
                        &m,
                        "revoked",
                        &strings(revoked.iter().map(|(n, _)| n.clone())),
                    );
                    set(
                        &m,
                        "reasons",
                        &strings(revoked.iter().map(|(_, r)| r.name().to_owned())),
                    );
                    set(&m, "password", &JsValue::from_str(password));
                }
                m
            }
            Self::Verify(check) => {
                let m = message("verify");
                set(&m, "leaf", &Uint8Array::from(check.leaf.as_slice()));
                set(&m, "anchors", &byte_list(&check.anchors));
                set(&m, "intermediates", &byte_list(&check.intermediates));
                set(&m, "crls", &byte_list(&check.crls));
                if let Some(host) = &check.server_host {
                    set(&m, "host", &JsValue::from_str(host));
                }
                set(&m, "at", &number(check.at));
                m
            }
            Self::MakeCsr { set: plan, entry } | Self::KeyDer { set: plan, entry } => {
                let m = message(if matches!(self, Self::MakeCsr { .. }) {
                    "make-csr"
                } else {
                    "key-der"
                });
                encode_set(&m, plan);
                set(&m, "entry", &JsValue::from_str(entry));
                m
            }
        };
        object.into()
    }

    /// Reads a posted message (in the worker).
    pub fn from_js(value: &JsValue) -> Result<Self, String> {
        let op = text(value, "op");
        Ok(match op.as_str() {
            "inspect" => Self::Inspect {
                name: text(value, "name"),
                bytes: bytes(value, "bytes"),
                now: integer(value, "now"),
                password: get(value, "password").as_string(),
            },
            "read-back" => Self::ReadBack(
                list(value, "certs")
                    .into_iter()
                    .filter_map(|c| c.dyn_into::<Uint8Array>().ok())
                    .map(|c| c.to_vec())
                    .collect(),
            ),
            "pkcs12" => Self::Pkcs12 {
                set: decode_set(value)?,
                entry: text(value, "entry"),
                encoding: if text(value, "encoding") == "legacy" {
                    Pkcs12Encoding::Legacy
                } else {
                    Pkcs12Encoding::Modern
                },
                password: text(value, "password"),
            },
            "crl" => Self::Crl {
                set: decode_set(value)?,
                ca: text(value, "ca"),
                revoked: revocations(value)?,
                der: get(value, "der").is_truthy(),
            },
            "zip" => Self::Zip {
                set: decode_set(value)?,
                signed: list(value, "signed")
                    .iter()
                    .zip(list(value, "signed_pem"))
                    .map(|(n, p)| {
                        (
                            n.as_string().unwrap_or_default(),
                            p.as_string().unwrap_or_default(),
                        )
                    })
                    .collect(),
                everything: match get(value, "password").as_string() {
                    Some(password) => Some((revocations(value)?, password)),
                    None => None,
                },
            },
            "sign-csr" => Self::SignCsr {
                set: decode_set(value)?,
                ca: text(value, "ca"),
                profile: get(value, "profile")
                    .as_string()
                    .map(|p| p.parse::<Profile>())
                    .transpose()
                    .map_err(|e| e.to_string())?,
                days: u32::try_from(integer(value, "days")).unwrap_or(0),
                name: text(value, "name"),
                csr: bytes(value, "csr"),
            },
            "make-csr" => Self::MakeCsr {
                set: decode_set(value)?,
                entry: text(value, "entry"),
            },
            "import-key" => Self::ImportKey {
                name: text(value, "name"),
                bytes: bytes(value, "bytes"),
                password: get(value, "password").as_string(),
            },
            "issue" => Self::Issue {
                plan: Plan::from_toml(&text(value, "plan")).map_err(|e| e.to_string())?,
                keys: list(value, "key_names")
                    .iter()
                    .zip(list(value, "key_pems"))
                    .map(|(n, k)| {
                        (
                            n.as_string().unwrap_or_default(),
                            k.as_string().unwrap_or_default(),
                        )
                    })
                    .collect(),
                existing: list(value, "ca_names")
                    .iter()
                    .zip(byte_lists(value, "ca_certs"))
                    .zip(byte_lists(value, "ca_keys"))
                    .map(|((n, c), k)| (n.as_string().unwrap_or_default(), c, k))
                    .collect(),
            },
            "load-ca" => Self::LoadCa {
                cert_name: text(value, "cert_name"),
                cert: bytes(value, "cert"),
                key_name: text(value, "key_name"),
                key: bytes(value, "key"),
                password: get(value, "password").as_string(),
            },
            "verify" => Self::Verify(ChainCheck {
                leaf: bytes(value, "leaf"),
                anchors: byte_lists(value, "anchors"),
                intermediates: byte_lists(value, "intermediates"),
                crls: byte_lists(value, "crls"),
                server_host: get(value, "host").as_string(),
                at: integer(value, "at"),
            }),
            "key-der" => Self::KeyDer {
                set: decode_set(value)?,
                entry: text(value, "entry"),
            },
            other => return Err(format!("the worker does not know the operation {other:?}")),
        })
    }
}

impl Reply {
    /// The message the worker posts.
    pub fn to_js(&self) -> JsValue {
        let object = match self {
            Self::Inspected(inspection) => {
                let m = message("inspected");
                set(&m, "text", &JsValue::from_str(&inspection.text));
                set(&m, "summary", &JsValue::from_str(&inspection.summary));
                set(&m, "lints", &strings(inspection.lints.iter().cloned()));
                if let Some(why) = &inspection.locked {
                    set(&m, "locked", &JsValue::from_str(why));
                }
                let certificates: Array = inspection
                    .certificates
                    .iter()
                    .map(|c| {
                        let o = Object::new();
                        set(&o, "label", &JsValue::from_str(&c.label));
                        set(&o, "ca", &JsValue::from_bool(c.ca));
                        set(&o, "root", &JsValue::from_bool(c.root));
                        set(&o, "der", &Uint8Array::from(c.der.as_slice()));
                        JsValue::from(o)
                    })
                    .collect();
                set(&m, "certificates", &certificates);
                set(&m, "crls", &byte_list(&inspection.crls));
                let views: Array = inspection
                    .views
                    .iter()
                    .map(|v| {
                        let o = Object::new();
                        set(&o, "title", &JsValue::from_str(&v.title));
                        set(
                            &o,
                            "fields",
                            &strings(v.fields.iter().flat_map(|(f, t)| [f.clone(), t.clone()])),
                        );
                        set(&o, "lints", &strings(v.lints.iter().cloned()));
                        JsValue::from(o)
                    })
                    .collect();
                set(&m, "views", &views);
                m
            }
            Self::Cards(cards) => {
                let m = message("cards");
                let cards: Array = cards
                    .iter()
                    .map(|card| match card {
                        Ok(fields) => JsValue::from(strings(
                            fields.iter().flat_map(|(f, t)| [f.clone(), t.clone()]),
                        )),
                        Err(reason) => JsValue::from_str(reason),
                    })
                    .collect();
                set(&m, "cards", &cards);
                m
            }
            Self::File(contents) => {
                let m = message("file");
                set(&m, "bytes", &Uint8Array::from(contents.as_slice()));
                m
            }
            Self::Signed {
                cert_pem,
                cert_der,
                report,
            } => {
                let m = message("signed");
                set(&m, "cert_pem", &JsValue::from_str(cert_pem));
                set(&m, "cert_der", &Uint8Array::from(cert_der.as_slice()));
                set(&m, "report", &JsValue::from_str(report));
                m
            }
            Self::Issued { entries, issued_at } => {
                let m = message("issued");
                encode_entries(&m, entries, *issued_at);
                m
            }
            Self::LoadedCa(loaded) => {
                let m = message("loaded-ca");
                set(
                    &m,
                    "cert_der",
                    &Uint8Array::from(loaded.cert_der.as_slice()),
                );
                set(&m, "key_der", &Uint8Array::from(loaded.key_der.as_slice()));
                set(&m, "summary", &JsValue::from_str(&loaded.summary));
                set(&m, "warnings", &strings(loaded.warnings.iter().cloned()));
                m
            }
            Self::Verdict(verdict) => {
                let m = message("verdict");
                match verdict {
                    Ok(accepted) => set(&m, "accepted", &JsValue::from_str(accepted)),
                    Err((kind, words)) => {
                        set(&m, "kind", &JsValue::from_str(kind));
                        set(&m, "words", &JsValue::from_str(words));
                    }
                }
                m
            }
            Self::Failed(reason) => {
                let m = message("failed");
                set(&m, "reason", &JsValue::from_str(reason));
                m
            }
        };
        object.into()
    }

    /// Reads the worker's message (in the page).
    pub fn from_js(value: &JsValue) -> Self {
        match text(value, "op").as_str() {
            "inspected" => Self::Inspected(Inspection {
                text: text(value, "text"),
                lints: list(value, "lints")
                    .iter()
                    .filter_map(JsValue::as_string)
                    .collect(),
                summary: text(value, "summary"),
                locked: get(value, "locked").as_string(),
                certificates: list(value, "certificates")
                    .iter()
                    .map(|c| Candidate {
                        label: text(c, "label"),
                        ca: get(c, "ca").is_truthy(),
                        root: get(c, "root").is_truthy(),
                        der: bytes(c, "der"),
                    })
                    .collect(),
                crls: byte_lists(value, "crls"),
                views: list(value, "views")
                    .iter()
                    .map(|v| View {
                        title: text(v, "title"),
                        fields: pairs(&list(v, "fields")),
                        lints: list(v, "lints")
                            .iter()
                            .filter_map(JsValue::as_string)
                            .collect(),
                    })
                    .collect(),
            }),
            "cards" => Self::Cards(
                list(value, "cards")
                    .iter()
                    .map(|card| match card.dyn_ref::<Array>() {
                        Some(fields) => Ok(pairs(&fields.iter().collect::<Vec<_>>())),
                        None => Err(card.as_string().unwrap_or_default()),
                    })
                    .collect(),
            ),
            "file" => Self::File(bytes(value, "bytes")),
            "signed" => Self::Signed {
                cert_pem: text(value, "cert_pem"),
                cert_der: bytes(value, "cert_der"),
                report: text(value, "report"),
            },
            "issued" => match decode_entries(value) {
                Ok((entries, issued_at)) => Self::Issued { entries, issued_at },
                Err(reason) => Self::Failed(reason),
            },
            "loaded-ca" => Self::LoadedCa(LoadedCa {
                cert_der: bytes(value, "cert_der"),
                key_der: bytes(value, "key_der"),
                summary: text(value, "summary"),
                warnings: list(value, "warnings")
                    .iter()
                    .filter_map(JsValue::as_string)
                    .collect(),
            }),
            "verdict" => Self::Verdict(match get(value, "accepted").as_string() {
                Some(accepted) => Ok(accepted),
                None => Err((text(value, "kind"), text(value, "words"))),
            }),
            "failed" => Self::Failed(text(value, "reason")),
            other => Self::Failed(format!("the worker answered {other:?}")),
        }
    }
}
