//! The tools worker (`certplay-inspect`, its own wasm, built by trunk as a
//! Web Worker that the page starts when Issue is pressed or something is
//! inspected): issuing (keys and signing) and everything that reads
//! certificates or writes PKCS#12 files, CRLs, CSRs and zips runs here, so
//! that the page's own wasm stays small and its thread never signs: slow
//! work never freezes the page.
//!
//! [`Tools`] keeps what it makes or is given between requests: the issued
//! sets and the person's own CAs, named by handles ([`crate::protocol`]).

mod cards;
mod compare;
mod files;
mod inspect;
pub mod keygen;
mod lab_case;
mod lab_show;

use std::cell::RefCell;
use std::rc::Rc;

use certplay_core::lab::{self, Case, Mutated, TlsVersions};
use certplay_core::{
    BlogKeys, CsrParams, CsrSigning, Error, ExistingChain, IssuedPlan, KeyPair, KeyType, Materials,
    Pkcs12Password, Source, Validity,
};
use time::OffsetDateTime;

pub use inspect::inspect;

use crate::clock::now_ms;
use crate::error::Failure;
use crate::link::{self, Port, Progress};
use crate::protocol::{
    CaHandle, ChainCheck, Der, KeySource, LoadedCa, Reply, Request, SetHandle, Verdict,
};
use files::{entry_key, invalid, OwnCa};

/// How many sets (and own CAs) the worker keeps: the page refers to the
/// last one; a few more cover a click on an old card while issuing again.
const KEPT: usize = 4;

/// The worker's state: what it keeps between requests.
#[derive(Default)]
pub struct Tools {
    sets: Vec<(SetHandle, Held)>,
    cas: Vec<(CaHandle, OwnCa)>,
    next: u32,
}

impl std::fmt::Debug for Tools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the keys.
        f.debug_struct("Tools")
            .field("sets", &self.sets.len())
            .field("cas", &self.cas.len())
            .finish_non_exhaustive()
    }
}

/// A kept set.
struct Held {
    /// The set as the page has it (a person's own CA without its key).
    set: IssuedPlan,
    /// The same with the own CAs' keys, to sign their CRLs and CSRs; these
    /// keys are never written into a file.
    signing: IssuedPlan,
    /// The break-it lab's copies made so far, by case: a case asked again
    /// (another TLS version, another time) is the same copy.
    cases: Vec<(Case, Mutated)>,
}

/// Answers every request the page posts (the `certplay-inspect` binary's
/// `main`).
pub fn serve() {
    if let Some(scope) = link::worker_scope() {
        serve_on(scope);
    }
}

/// Answers every request posted to `port`, with tools of its own: inside
/// the worker its global scope; in the wasm tests, a `MessageChannel`'s
/// port (see [`crate::tools::run_here`]).
pub fn serve_on(port: Port) {
    let tools = Rc::new(RefCell::new(Tools::default()));
    link::serve(
        port,
        move |request, progress| answer(Rc::clone(&tools), request, progress),
        Reply::Failed,
    );
}

/// Runs `request` with `tools`; issuing reports its keys to `progress`.
pub async fn answer(tools: Rc<RefCell<Tools>>, request: Request, progress: Progress) -> Reply {
    match request {
        Request::Issue {
            plan,
            own_keys,
            own_cas,
            source,
        } => {
            let order = Order {
                plan,
                own_keys,
                own_cas,
                source,
            };
            issue(&tools, order, progress)
                .await
                .unwrap_or_else(|e| Reply::Failed(e.to_string()))
        }
        Request::BlogOpensslSet { now } => blog_openssl_set(now)
            .await
            .unwrap_or_else(|e| Reply::Failed(e.to_string())),
        Request::LabCase {
            set,
            case,
            versions,
            at,
        } => lab_case(&tools, set, case, versions, at)
            .await
            .unwrap_or_else(|e| Reply::Failed(e.to_string())),
        other => tools.borrow_mut().handle(other),
    }
}

/// [`Request::BlogOpensslSet`]: three RSA-2048 keys by WebCrypto, then the
/// blog's three certificates signed with them; the keys are not kept.
async fn blog_openssl_set(now: i64) -> Result<Reply, Failure> {
    let needed = ["ca", "server", "client"]
        .map(|name| (name.to_owned(), KeyType::Rsa2048))
        .to_vec();
    let mut keys = keygen::generate(needed, KeySource::WebCrypto, Rc::new(|_, _| ()))
        .await?
        .into_iter()
        .map(|(_, key)| key);
    let (Some(ca), Some(server), Some(client)) = (keys.next(), keys.next(), keys.next()) else {
        return Err(Failure::Browser(
            "WebCrypto made fewer than three keys".into(),
        ));
    };
    let files = certplay_core::blog_openssl_set(&BlogKeys { ca, server, client }, now)?;
    Ok(Reply::BlogOpensslSet(
        files
            .into_iter()
            .map(|f| (f.name.to_owned(), f.pem))
            .collect(),
    ))
}

impl Tools {
    /// Runs `request`, at once ([`Request::Issue`] waits for keys: see
    /// [`answer`]).
    pub fn handle(&mut self, request: Request) -> Reply {
        self.run(request, OffsetDateTime::now_utc())
            .unwrap_or_else(|e| Reply::Failed(e.to_string()))
    }

    fn run(&mut self, request: Request, now: OffsetDateTime) -> Result<Reply, Error> {
        Ok(match request {
            Request::Inspect {
                name,
                bytes,
                now,
                password,
                set,
            } => {
                // An old set the worker dropped: no clients to try.
                let clients = set
                    .and_then(|handle| self.held(handle).ok())
                    .map(|held| inspect::issued_clients(&held.set))
                    .unwrap_or_default();
                Reply::Inspected(inspect(&name, &bytes, now, password.as_deref(), &clients))
            }
            Request::Issue { .. } => {
                return Err(invalid("Issue", "issuing waits for keys: answer() runs it"))
            }
            Request::BlogOpensslSet { .. } => {
                return Err(invalid(
                    "the blog's set",
                    "its keys come from WebCrypto: answer() runs it",
                ))
            }
            Request::Pkcs12 {
                set,
                entry,
                encoding,
                password,
            } => {
                let password = Pkcs12Password::new(&password)?;
                Reply::File(self.held(set)?.set.pkcs12(&entry, encoding, password)?)
            }
            Request::Crl {
                set,
                ca,
                revoked,
                der,
            } => {
                let crl = files::crl(&self.held(set)?.signing, &ca, &revoked, now)?;
                Reply::File(if der { crl.der } else { crl.pem.into_bytes() })
            }
            Request::SignCsr {
                set,
                ca,
                profile,
                days,
                name,
                csr,
            } => {
                let signing = CsrSigning {
                    profile,
                    validity: Validity::Relative {
                        days,
                        starts_in_days: 0,
                    },
                };
                let signed = self.held(set)?.signing.ca(&ca, "signing CA")?.sign_csr(
                    Source::new(&name, &csr),
                    &signing,
                    now,
                )?;
                Reply::Signed {
                    card: cards::card(&signed.cert_der),
                    cert_pem: signed.cert_pem,
                    cert_der: crate::protocol::Der(signed.cert_der),
                    report: signed.report.to_string(),
                }
            }
            Request::MakeCsr { set, entry } => {
                let set = &self.held(set)?.set;
                let key = entry_key(set, &entry)?;
                let csr = CsrParams::for_entry(&set.plan, &entry)?.request(&key)?;
                Reply::File(csr.pem.into_bytes())
            }
            Request::KeyDer { set, entry } => {
                let key = entry_key(&self.held(set)?.set, &entry)?;
                Reply::File(key.to_pkcs8_der()?)
            }
            Request::Zip {
                set,
                signed,
                everything,
            } => Reply::File(files::zip(
                &self.held(set)?.signing,
                &signed,
                everything.as_ref(),
                now,
            )?),
            Request::ImportKey {
                name,
                bytes,
                password,
            } => {
                let file = format!("{name}'s own key");
                let key = certplay_core::read_private_key(
                    Source::new(&file, &bytes).with_password(password.as_deref()),
                )?
                .into_pair()?;
                Reply::OwnKey {
                    der: Der(key.to_pkcs8_der()?),
                    key_type: key.key_type(),
                }
            }
            Request::LoadCa {
                cert_name,
                cert,
                key_name,
                key,
                password,
            } => {
                let ca = files::load_ca(
                    Source::new(&cert_name, &cert),
                    Source::new(&key_name, &key),
                    password.as_deref(),
                    now,
                )?;
                let (summary, warnings, links) =
                    (ca.summary.clone(), ca.warnings.clone(), ca.links.clone());
                self.next = self.next.wrapping_add(1);
                let handle = CaHandle(self.next);
                self.cas.push((handle, ca));
                drop_oldest(&mut self.cas);
                Reply::LoadedCa(LoadedCa {
                    handle,
                    summary,
                    warnings,
                    links,
                })
            }
            Request::Verify(check) => Reply::Verdict(verify_chain(&check)?),
            Request::OtherStacks(check) => Reply::OtherStacks(other_stacks(&check)?),
            Request::LabCase { .. } => {
                return Err(invalid(
                    "LabCase",
                    "a case may wait for WebCrypto's keys: answer() runs it",
                ))
            }
            Request::LabShow {
                set,
                case,
                versions,
                at,
                ran,
            } => {
                let broken = self
                    .held(set)?
                    .cases
                    .iter()
                    .find(|(c, _)| *c == case)
                    .map(|(_, broken)| broken.clone())
                    .ok_or_else(|| invalid("LabShow", "this case of the set was not broken yet"))?;
                Reply::LabShown(Box::new(lab_show::ran(
                    &broken.offering(versions),
                    at,
                    ran,
                )?))
            }
            Request::Compare { a, b, now } => {
                Reply::Compared(compare::compare((&a.0, &a.1 .0), (&b.0, &b.1 .0), now)?)
            }
        })
    }

    fn keep(&mut self, held: Held) -> SetHandle {
        self.next = self.next.wrapping_add(1);
        let handle = SetHandle(self.next);
        self.sets.push((handle, held));
        drop_oldest(&mut self.sets);
        handle
    }

    fn held(&self, handle: SetHandle) -> Result<&Held, Error> {
        self.sets
            .iter()
            .find(|(h, _)| *h == handle)
            .map(|(_, held)| held)
            .ok_or_else(gone)
    }

    fn held_mut(&mut self, handle: SetHandle) -> Result<&mut Held, Error> {
        self.sets
            .iter_mut()
            .find(|(h, _)| *h == handle)
            .map(|(_, held)| held)
            .ok_or_else(gone)
    }

    /// The own CA kept under `handle`, for entry `name`: its key as PKCS#8
    /// PEM (to sign its CRLs and CSRs later) and the CA with the chain
    /// above it, to issue with.
    fn own_ca(&self, name: &str, handle: CaHandle) -> Result<(String, ExistingChain), Error> {
        let ca = self
            .cas
            .iter()
            .find(|(h, _)| *h == handle)
            .map(|(_, ca)| ca)
            .ok_or_else(|| {
                invalid(
                    name,
                    "the tools worker no longer keeps this CA: pick its files again",
                )
            })?;
        let key = KeyPair::from_pkcs8_der(&ca.key_der)?;
        let pem = key.to_pkcs8_pem()?;
        let chain = ExistingChain::from_certificates(
            &format!("{name}.crt"),
            &ca.chain,
            &format!("{name}.key"),
            key,
            OffsetDateTime::now_utc().unix_timestamp(),
        )?;
        Ok((pem, chain))
    }
}

/// A set the worker no longer keeps.
fn gone() -> Error {
    invalid(
        "issued set",
        "the tools worker no longer keeps this set (issued again since?): press Issue",
    )
}

/// What [`Request::Issue`] asks.
struct Order {
    plan: certplay_core::Plan,
    own_keys: Vec<(String, Der)>,
    own_cas: Vec<(String, CaHandle)>,
    source: Option<KeySource>,
}

/// [`Request::Issue`]: the keys (WebCrypto's reported to `progress`), the
/// set signed with them, the person's own keys and CAs, and kept; the own
/// CAs' keys stay here. `tools` is not borrowed while keys are made, so
/// other requests are answered meanwhile.
async fn issue(tools: &RefCell<Tools>, order: Order, progress: Progress) -> Result<Reply, Failure> {
    let Order {
        mut plan,
        own_keys,
        own_cas,
        source,
    } = order;
    let mut materials = Materials::default();
    for (name, der) in own_keys {
        let key = KeyPair::from_pkcs8_der(&der.0)?;
        if let Some(entry) = plan.entries.iter_mut().find(|e| e.name == name) {
            entry.key_type = Some(key.key_type());
        }
        materials.keys.insert(name, key);
    }
    let mut ca_keys = Vec::new();
    for (name, handle) in &own_cas {
        let (pem, chain) = tools.borrow().own_ca(name, *handle)?;
        // The entry and those above it stand for the chain given; the
        // issuing CA keeps the entry's place (its name comes first).
        let names = chain.put_into(&mut plan, &mut materials, Some(name))?;
        ca_keys.push((names.first().unwrap_or(name).clone(), pem));
    }
    let source = source.unwrap_or_else(|| KeySource::for_plan(&plan));
    let needed = plan
        .keys_needed()
        .into_iter()
        .filter(|(name, _)| !materials.keys.contains_key(name))
        .collect();
    let start = now_ms();
    let made = keygen::generate(needed, source, progress).await?;
    materials.keys.extend(made);
    let set = plan.issue_with(materials, OffsetDateTime::now_utc())?;
    // Whole microseconds: a float would bring the page a float parser.
    let micros = ((now_ms() - start) * 1000.0).max(0.0) as u64;
    let mut signing = set.clone();
    for (name, pem) in ca_keys {
        if let Some(entry) = signing.entries.iter_mut().find(|e| e.name == name) {
            entry.key_pem = Some(pem);
        }
    }
    let cards = set
        .entries
        .iter()
        .map(|e| cards::card(&e.cert_der))
        .collect();
    let (entries, issued_at) = (set.entries.clone(), set.issued_at.unix_timestamp());
    Ok(Reply::Issued {
        set: tools.borrow_mut().keep(Held {
            set,
            signing,
            cases: Vec::new(),
        }),
        entries,
        issued_at,
        cards,
        source,
        micros,
    })
}

/// [`Request::LabCase`]: the set's broken copy for `case` (made once per
/// case: asked again, for another TLS version or time, it is the same
/// copy), predicted at `at` with a client that offers `versions`. The RSA
/// keys the copy adds come from WebCrypto, as the set's own did (core
/// makes none in the page: its `rsa-keygen` feature is off); `tools` is
/// not borrowed meanwhile.
async fn lab_case(
    tools: &RefCell<Tools>,
    set: SetHandle,
    case: Case,
    versions: TlsVersions,
    at: i64,
) -> Result<Reply, Failure> {
    let kept = tools
        .borrow()
        .held(set)?
        .cases
        .iter()
        .find(|(c, _)| *c == case)
        .map(|(_, broken)| broken.clone());
    let broken = match kept {
        Some(broken) => broken,
        None => {
            let rsa: Vec<(String, KeyType)> = lab::new_keys(&tools.borrow().held(set)?.set, case)?
                .into_iter()
                .filter(|t| KeySource::for_key_type(*t) == KeySource::WebCrypto)
                .map(|t| (t.description().to_owned(), t))
                .collect();
            let spare = if rsa.is_empty() {
                Vec::new()
            } else {
                keygen::generate(rsa, KeySource::WebCrypto, Rc::new(|_, _| ())).await?
            };
            let spare = spare.into_iter().map(|(_, key)| key).collect();
            let mut tools = tools.borrow_mut();
            let held = tools.held_mut(set)?;
            let broken = lab::mutate_with(&held.set, case, spare)?;
            if !held.cases.iter().any(|(c, _)| *c == case) {
                held.cases.push((case, broken.clone()));
            }
            broken
        }
    };
    let shown = lab_case::shown(&broken.offering(versions), at, OffsetDateTime::now_utc())?;
    Ok(Reply::LabCase(Box::new(shown)))
}

/// Keeps the last [`KEPT`] of `items`.
fn drop_oldest<T>(items: &mut Vec<T>) {
    let excess = items.len().saturating_sub(KEPT);
    items.drain(..excess);
}

/// What the lints of the chain's certificates say the other stacks decide.
fn other_stacks(
    check: &ChainCheck,
) -> Result<certplay_core::read::other_stacks::OtherStacks, Error> {
    use certplay_core::read::Certificate;
    let certs = |ders: &[crate::protocol::Der]| {
        ders.iter()
            .map(|der| Certificate::from_der(&der.0))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(certplay_core::read::other_stacks::OtherStacks::of(
        &Certificate::from_der(&check.leaf.0)?,
        &certs(&check.intermediates)?,
        &certs(&check.anchors)?,
        check.at,
    ))
}

/// Runs core's chain check. On wasm32 rustls has no ring or aws-lc
/// provider here: certplay-core's RustCrypto one verifies the signatures.
fn verify_chain(check: &ChainCheck) -> Result<Verdict, Error> {
    use certplay_core::read::{Certificate, Crl};
    use certplay_core::verify::{self, Check, Purpose};
    let certs = |ders: &[crate::protocol::Der]| {
        ders.iter()
            .map(|der| Certificate::from_der(&der.0))
            .collect::<Result<Vec<_>, _>>()
    };
    let leaf = Certificate::from_der(&check.leaf.0)?;
    let anchors = certs(&check.anchors)?;
    let intermediates = certs(&check.intermediates)?;
    let crls = check
        .crls
        .iter()
        .map(|der| Crl::from_der(&der.0))
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
        Ok(()) => Verdict::Valid(format!("{} (issued by {})", leaf.subject, leaf.issuer)),
        Err(reason) => Verdict::Refused {
            kind: reason.kind().name().to_owned(),
            words: reason.to_string(),
        },
    })
}
