//! What a person does with an issued set beyond the PEM files, per card:
//! open the certificate in the inspector, download it and its key as DER,
//! a PKCS#12 file with a password they type, a CSR made with the entry's
//! key; revoke leaves and download a CA's CRL; and sign a CSR brought from
//! elsewhere with a CA of the set (`#sign-csr`).
//!
//! The page only collects the choices and saves the files: the work runs
//! in the tools worker ([`crate::worker`]), which keeps the issued set: a
//! button sends its handle, not the keys. PKCS#12, CRL and CSR code never
//! enter the page's own wasm. Nothing leaves the browser.

use std::cell::RefCell;
use std::rc::Rc;

use certplay_core::{IssuedPlan, KeyPair, Profile, RevocationReason};
use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

use crate::dom::{by_id, on, set_attribute, set_text};
use crate::download::{save, PEM_TYPE, ZIP_TYPE};
use crate::own_ca::OwnCas;
use crate::error::Failure;
use crate::page::{fill_options, first, instantiate, select_all, show_certificate};
use crate::protocol::{Card, Everything, Reply, Request, SetHandle};
use crate::tools::{call, file, unexpected};
use crate::IssuedSet;

/// The media type of a PKCS#12 file.
const P12_TYPE: &str = "application/x-pkcs12";
/// The media type of a DER certificate.
const DER_CERT_TYPE: &str = "application/pkix-cert";
/// The media type of a DER PKCS#8 key.
const DER_KEY_TYPE: &str = "application/pkcs8";
/// The media type of a DER CRL.
const DER_CRL_TYPE: &str = "application/pkix-crl";

/// The set the page shows, shared with [`crate::Page`].
pub type Shown = Rc<RefCell<Option<IssuedSet>>>;

/// The per-set state: what the person revoked (entry, reason) and a CSR
/// file picked or dropped for signing; and, for the next Issue, the keys
/// they brought (entry, PKCS#8 DER checked by the worker). Vectors, not
/// maps: a handful of entries, and each map type costs the page's wasm
/// about a kilobyte.
#[derive(Debug, Default)]
struct Choices {
    revoked: Vec<(String, RevocationReason)>,
    csr_file: Option<(String, Vec<u8>)>,
    own_keys: Vec<(String, Vec<u8>)>,
    signed: Vec<SignedCert>,
}

/// A certificate signed from a CSR in `#sign-csr`: a card of its own and a
/// file in the zip (`STEM.crt`).
#[derive(Debug, Clone)]
struct SignedCert {
    stem: String,
    cert_pem: String,
    cert_der: Vec<u8>,
}

/// Everything the artifacts need: the shown set and the choices made on it.
#[derive(Debug, Clone)]
pub struct Artifacts {
    shown: Shown,
    choices: Rc<RefCell<Choices>>,
    own_cas: OwnCas,
}

impl Artifacts {
    /// Wires the cards' tools (one listener on `#cards`) and `#sign-csr`.
    pub fn mount(shown: Shown) -> Result<(Self, Vec<EventListener>), Failure> {
        let artifacts = Self {
            shown,
            choices: Rc::default(),
            own_cas: OwnCas::default(),
        };
        fill_options(
            &by_id::<HtmlSelectElement>("csr-profile")?,
            std::iter::once(("", "keep what the request asks".to_owned())).chain(
                Profile::ALL
                    .iter()
                    .filter(|p| **p != Profile::RootCa)
                    .map(|p| (p.name(), p.description().to_owned())),
            ),
        )?;
        let mut listeners = Vec::new();
        let clicked = artifacts.clone();
        listeners.push(on(&by_id::<Element>("cards")?, "click", move |event| {
            let action = event
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|t| t.closest("[data-action][data-entry]").ok().flatten());
            if let Some(button) = action {
                let action = button.get_attribute("data-action").unwrap_or_default();
                let entry = button.get_attribute("data-entry").unwrap_or_default();
                let artifacts = clicked.clone();
                spawn_local(async move {
                    let outcome = artifacts.run(&action, &entry).await;
                    show_outcome(&format!("{entry}-tool"), outcome);
                });
            }
        }));
        let importing = artifacts.clone();
        listeners.push(on(&by_id::<Element>("own-key-use")?, "click", move |_| {
            let artifacts = importing.clone();
            spawn_local(async move {
                let outcome = artifacts.use_own_key().await;
                show_outcome("own-key", outcome);
            });
        }));
        let signing = artifacts.clone();
        listeners.push(on(&by_id::<Element>("csr-sign")?, "click", move |_| {
            let artifacts = signing.clone();
            spawn_local(async move {
                let outcome = artifacts.sign_csr().await;
                show_outcome("csr", outcome);
            });
        }));
        let input = by_id::<HtmlTextAreaElement>("csr-input")?;
        let typed = artifacts.clone();
        listeners.push(on(&input, "input", move |_| {
            typed.choices.borrow_mut().csr_file = None;
        }));
        let picker = by_id::<HtmlInputElement>("csr-file")?;
        let (picked, picked_by) = (artifacts.clone(), picker.clone());
        listeners.push(on(&picker, "change", move |_| {
            if let Some(file) = picked_by.files().and_then(|files| files.get(0)) {
                spawn_local(picked.clone().take_file(file));
            }
        }));
        listeners.push(on(&input, "dragover", |event| event.prevent_default()));
        let dropped = artifacts.clone();
        listeners.push(on(&input, "drop", move |event| {
            event.prevent_default();
            if let Some(file) = crate::dom::dropped_file(event) {
                spawn_local(dropped.clone().take_file(file));
            }
        }));
        Ok((artifacts, listeners))
    }

    /// A new set is shown: forget the old choices, offer its CAs for
    /// signing CSRs.
    pub fn reset(&self, set: &IssuedSet) -> Result<(), Failure> {
        let mut choices = self.choices.borrow_mut();
        choices.revoked.clear();
        choices.signed.clear();
        drop(choices);
        show_outcome("zip", Ok(String::new()));
        let cas = set
            .issued
            .plan
            .entries
            .iter()
            .filter(|e| e.profile.is_ca())
            .map(|e| (e.name.as_str(), e.name.clone()));
        fill_options(&by_id::<HtmlSelectElement>("csr-ca")?, cas)?;
        set_text("csr-status", "")?;
        by_id::<Element>("csr-report")?.set_text_content(None);
        show_outcome("csr", Ok(String::new()));
        Ok(())
    }

    /// The CAs the person brought ("my own CA").
    pub fn own_cas(&self) -> &OwnCas {
        &self.own_cas
    }

    /// Fills a card's tools for entry `name` with this `profile`: ids
    /// `#NAME-TOOL` for `[data-tool]`, `#ACTION-NAME` for `[data-action]`,
    /// and only the parts that apply (CA; `issued`: has an issuer that can
    /// revoke it; `existing`: the person's own CA, whose key the page does
    /// not hand out again).
    pub fn fill_card(
        card: &Element,
        name: &str,
        profile: Profile,
        issued: bool,
        existing: bool,
    ) -> Result<(), Failure> {
        name_tools(card, name)?;
        for part in select_all(card, "[data-part=key-tools]")? {
            set_attribute(&part, "hidden", existing.then_some(""))?;
        }
        for part in select_all(card, "[data-part=issued-only]")? {
            set_attribute(&part, "hidden", (!issued).then_some(""))?;
        }
        for part in select_all(card, "[data-part=ca-only]")? {
            set_attribute(&part, "hidden", (!profile.is_ca()).then_some(""))?;
        }
        // The card is not in the document yet: find its select inside it.
        let reasons = card
            .query_selector("[data-tool=revoke-reason]")
            .map_err(Failure::from_js)?
            .and_then(|e| e.dyn_into::<HtmlSelectElement>().ok());
        if let Some(reasons) = reasons {
            fill_options(
                &reasons,
                RevocationReason::ALL
                    .iter()
                    .filter(|r| **r != RevocationReason::RemoveFromCrl)
                    .map(|r| (r.name(), r.name().to_owned())),
            )?;
        }
        Ok(())
    }

    /// The editor shows these entries: offer them for own keys.
    pub fn offer_entries<'a>(&self, names: impl Iterator<Item = &'a str>) -> Result<(), Failure> {
        let select = by_id::<HtmlSelectElement>("own-key-entry")?;
        let chosen = select.value();
        fill_options(&select, names.map(|n| (n, n.to_owned())))?;
        if !chosen.is_empty() {
            select.set_value(&chosen);
        }
        Ok(())
    }

    /// The keys the person brought, for [`crate::issue_with_progress`].
    pub fn own_keys(&self) -> Result<Vec<(String, KeyPair)>, Failure> {
        self.choices
            .borrow()
            .own_keys
            .iter()
            .map(|(name, der)| Ok((name.clone(), KeyPair::from_pkcs8_der(der)?)))
            .collect()
    }

    /// "Use this key": the pasted key, read by the worker, is the chosen
    /// entry's key from now on; an empty text area forgets it.
    async fn use_own_key(&self) -> Result<String, Failure> {
        let entry = by_id::<HtmlSelectElement>("own-key-entry")?.value();
        let pasted = by_id::<HtmlTextAreaElement>("own-key-pem")?.value();
        self.choices
            .borrow_mut()
            .own_keys
            .retain(|(name, _)| *name != entry);
        if !pasted.trim().is_empty() {
            let password = by_id::<HtmlInputElement>("own-key-password")?.value();
            let request = Request::ImportKey {
                name: entry.clone(),
                bytes: pasted.into_bytes(),
                password: (!password.is_empty()).then_some(password),
            };
            let der = file(request).await?;
            KeyPair::from_pkcs8_der(&der)?;
            self.choices.borrow_mut().own_keys.push((entry, der));
        }
        let own = self.own_keys()?;
        if own.is_empty() {
            return Ok("every key is made here".to_owned());
        }
        let listed: Vec<String> = own
            .iter()
            .map(|(name, key)| format!("{name} ({})", key.description()))
            .collect();
        Ok(format!(
            "your own keys, used by the next Issue: {}",
            listed.join(", ")
        ))
    }

    fn set(&self) -> Result<IssuedSet, Failure> {
        self.shown
            .borrow()
            .clone()
            .ok_or_else(|| Failure::Browser("nothing is issued yet: press Issue".into()))
    }

    /// The handle the tools worker keeps the shown set under; handed to it
    /// now if it did not take it when issued (it had not started).
    async fn handle(&self) -> Result<SetHandle, Failure> {
        let set = self.set()?;
        if let Some((handle, _)) = &set.kept {
            return Ok(*handle);
        }
        let kept = crate::tools::keep(&set.issued).await?;
        let handle = kept.0;
        if let Some(shown) = self.shown.borrow_mut().as_mut() {
            shown.kept = Some(kept);
        }
        Ok(handle)
    }

    /// Runs a card's button; `Ok` is what to say next to it.
    async fn run(&self, action: &str, entry: &str) -> Result<String, Failure> {
        let set = self.set()?;
        let (cert_pem, cert_der) = match set.issued.entry(entry) {
            Some(issued) => (issued.cert_pem.clone(), issued.cert_der.clone()),
            None => self
                .choices
                .borrow()
                .signed
                .iter()
                .find(|s| s.stem == entry)
                .map(|s| (s.cert_pem.clone(), s.cert_der.clone()))
                .ok_or_else(|| Failure::Browser(format!("the set has no entry {entry}")))?,
        };
        match action {
            "inspect" => {
                crate::inspector::open(&format!("{entry}.crt"), &cert_pem).await?;
                Ok(format!("{entry}.crt is in the inspector below"))
            }
            "cert-pem" => {
                let file = format!("{entry}.crt");
                save(&file, cert_pem.as_bytes(), PEM_TYPE)?;
                Ok(format!("{file}: the certificate (PEM)"))
            }
            "cert-der" => {
                let file = format!("{entry}.crt.der");
                save(&file, &cert_der, DER_CERT_TYPE)?;
                Ok(format!(
                    "{file}: the certificate as DER (openssl x509 -inform DER)"
                ))
            }
            "key-der" => {
                let file = format!("{entry}.key.der");
                let request = Request::KeyDer {
                    set: self.handle().await?,
                    entry: entry.to_owned(),
                };
                save(&file, &crate::tools::file(request).await?, DER_KEY_TYPE)?;
                Ok(format!(
                    "{file}: the private key as PKCS#8 DER; keep it private"
                ))
            }
            "make-csr" => {
                let file = format!("{entry}.csr");
                let request = Request::MakeCsr {
                    set: self.handle().await?,
                    entry: entry.to_owned(),
                };
                save(&file, &crate::tools::file(request).await?, PEM_TYPE)?;
                Ok(format!(
                    "{file}: a request with this entry's subject, names and key, for a CA outside this page"
                ))
            }
            "p12" => {
                let password = by_id::<HtmlInputElement>(&format!("{entry}-p12-password"))?.value();
                let encoding =
                    by_id::<HtmlSelectElement>(&format!("{entry}-p12-encoding"))?.value();
                let request = Request::Pkcs12 {
                    set: self.handle().await?,
                    entry: entry.to_owned(),
                    encoding: if encoding == "legacy" {
                        certplay_core::Pkcs12Encoding::Legacy
                    } else {
                        certplay_core::Pkcs12Encoding::Modern
                    },
                    password,
                };
                let start = crate::now_ms();
                let bytes = file(request).await?;
                let millis = crate::now_ms() - start;
                let file = format!("{entry}.p12");
                save(&file, &bytes, P12_TYPE)?;
                Ok(format!(
                    "{file} ({encoding}): key, certificate and chain, made in {} ms",
                    crate::issue::whole_ms(millis)
                ))
            }
            "revoke" => {
                let reason = by_id::<HtmlSelectElement>(&format!("{entry}-revoke-reason"))?
                    .value()
                    .parse::<RevocationReason>()?;
                let mut choices = self.choices.borrow_mut();
                choices.revoked.retain(|(name, _)| name != entry);
                choices.revoked.push((entry.to_owned(), reason));
                drop(choices);
                let issuer = set
                    .issued
                    .plan
                    .entry(entry)
                    .and_then(|e| e.issuer.clone())
                    .unwrap_or_default();
                Ok(format!(
                    "revoked ({reason}): download {issuer}.crl from {issuer}'s card to tell the server"
                ))
            }
            "crl" | "crl-der" => {
                let count = self.revoked_by(&set.issued, entry).len();
                let der = action == "crl-der";
                let (file, kind) = if der {
                    (format!("{entry}.crl.der"), DER_CRL_TYPE)
                } else {
                    (format!("{entry}.crl"), PEM_TYPE)
                };
                save(&file, &self.crl(&set.issued, entry, der).await?, kind)?;
                Ok(format!(
                    "{file}: {count} revoked, next update in {} days. Add --crl {entry}.crl to the certplay serve command below: it refuses the revoked clients (SIGHUP re-reads a new CRL)",
                    crate::worker::CRL_DAYS
                ))
            }
            other => Err(Failure::Browser(format!("no such tool: {other}"))),
        }
    }

    /// The entries revoked here whose issuer is the CA entry `ca`, with why.
    fn revoked_by(&self, set: &IssuedPlan, ca: &str) -> Vec<(String, RevocationReason)> {
        self.choices
            .borrow()
            .revoked
            .iter()
            .filter(|(name, _)| set.plan.entry(name).and_then(|e| e.issuer.as_deref()) == Some(ca))
            .map(|(name, reason)| (name.clone(), *reason))
            .collect()
    }

    /// The CRL (PEM or DER) of the CA entry `ca`, listing what was revoked
    /// here.
    async fn crl(&self, set: &IssuedPlan, ca: &str, der: bool) -> Result<Vec<u8>, Failure> {
        let request = Request::Crl {
            set: self.handle().await?,
            ca: ca.to_owned(),
            revoked: self.revoked_by(set, ca),
            der,
        };
        file(request).await
    }

    /// For the live load: the CRL of each CA in `cas` (the server's chain:
    /// its intermediates and root) under which something was revoked here,
    /// and the revoked entries under other CAs (whose CRLs that server
    /// cannot check: it takes CRLs of the CAs it trusts or sends).
    pub async fn live_crls(
        &self,
        set: &IssuedPlan,
        cas: &[String],
    ) -> Result<(Vec<String>, Vec<String>), Failure> {
        let elsewhere = self
            .choices
            .borrow()
            .revoked
            .iter()
            .filter(|(name, _)| {
                !set.plan
                    .entry(name)
                    .and_then(|e| e.issuer.as_deref())
                    .is_some_and(|issuer| cas.iter().any(|ca| ca == issuer))
            })
            .map(|(name, _)| name.clone())
            .collect();
        let mut crls = Vec::new();
        for ca in cas {
            if !self.revoked_by(set, ca).is_empty() {
                let pem = self.crl(set, ca, false).await?;
                crls.push(String::from_utf8_lossy(&pem).into_owned());
            }
        }
        Ok((crls, elsewhere))
    }

    async fn take_file(self, file: web_sys::File) {
        let outcome = async {
            let buffer = JsFuture::from(file.array_buffer())
                .await
                .map_err(Failure::from_js)?;
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            let input = by_id::<HtmlTextAreaElement>("csr-input")?;
            let said = format!("{}: {} bytes, ready to sign", file.name(), bytes.len());
            match std::str::from_utf8(&bytes) {
                Ok(text) if text.contains("-----BEGIN") => input.set_value(text),
                _ => input.set_value(""),
            }
            self.choices.borrow_mut().csr_file = Some((file.name(), bytes));
            Ok(said)
        }
        .await;
        show_outcome("csr", outcome);
    }

    async fn sign_csr(&self) -> Result<String, Failure> {
        let set = self.set()?;
        let (name, csr) = match self.choices.borrow().csr_file.clone() {
            Some(file) => file,
            None => (
                "pasted CSR".to_owned(),
                by_id::<HtmlTextAreaElement>("csr-input")?
                    .value()
                    .into_bytes(),
            ),
        };
        let profile = by_id::<HtmlSelectElement>("csr-profile")?.value();
        let profile = match profile.as_str() {
            "" => None,
            name => Some(name.parse::<Profile>()?),
        };
        let days = by_id::<HtmlInputElement>("csr-days")?.value();
        let days = days.trim().parse::<u32>().map_err(|_| {
            Failure::Browser(format!(
                "valid for {days:?} days: give a whole number of days, e.g. 365"
            ))
        })?;
        set_text("csr-status", "signing…")?;
        let files = set.issued.files()?;
        let request = Request::SignCsr {
            set: self.handle().await?,
            ca: by_id::<HtmlSelectElement>("csr-ca")?.value(),
            profile,
            days,
            name: name.clone(),
            csr,
        };
        match call(request).await? {
            Reply::Signed {
                cert_pem,
                cert_der,
                report,
                card,
            } => {
                let cert_der = cert_der.0;
                set_text("csr-report", &report)?;
                set_attribute(&by_id::<Element>("csr-report")?, "hidden", None)?;
                let wanted = name
                    .strip_suffix(".csr")
                    .or_else(|| name.strip_suffix(".pem"))
                    .or_else(|| name.strip_suffix(".der"))
                    .filter(|_| name != "pasted CSR")
                    .unwrap_or("signed");
                // A stem of its own: the zip holds the set's files too.
                let taken = |stem: &str| {
                    let file = format!("{stem}.crt");
                    files.iter().any(|f| f.name == file)
                        || self.choices.borrow().signed.iter().any(|s| s.stem == stem)
                };
                let mut stem = wanted.to_owned();
                let mut n = 1;
                while taken(&stem) {
                    n += 1;
                    stem = format!("{wanted}-{n}");
                }
                let file = format!("{stem}.crt");
                save(&file, cert_pem.as_bytes(), PEM_TYPE)?;
                show_signed(&stem, card, &report)?;
                self.choices.borrow_mut().signed.push(SignedCert {
                    stem,
                    cert_pem,
                    cert_der,
                });
                Ok(format!(
                    "signed: {file} downloaded, shown as a card above and put in the zip; \
                     what signing did:"
                ))
            }
            other => Err(unexpected(&other)),
        }
    }

    /// "Download all": the zip made by the tools worker; with
    /// `#zip-everything`, also DER files, CRLs and a PKCS#12 file per leaf
    /// (modern, the password typed in `#zip-p12-password`).
    pub async fn save_zip(self) {
        let outcome = async {
            let set = self.set()?;
            let everything = if by_id::<HtmlInputElement>("zip-everything")?.checked() {
                let password = by_id::<HtmlInputElement>("zip-p12-password")?.value();
                Some(Everything {
                    revoked: self.choices.borrow().revoked.clone(),
                    password,
                })
            } else {
                None
            };
            let signed = self
                .choices
                .borrow()
                .signed
                .iter()
                .map(|s| (s.stem.clone(), s.cert_pem.clone()))
                .collect();
            let with = everything.is_some();
            let request = Request::Zip {
                set: self.handle().await?,
                signed,
                everything,
            };
            save(crate::ZIP_NAME, &file(request).await?, ZIP_TYPE)?;
            Ok(if with {
                format!(
                    "{}: with DER files, CRLs and a PKCS#12 file per leaf (modern encoding, \
                     your password)",
                    crate::ZIP_NAME
                )
            } else {
                format!("{}: the files listed here", crate::ZIP_NAME)
            })
        }
        .await;
        show_outcome("zip", outcome);
    }
}

/// Names a card's tools after `name`: ids `#NAME-TOOL` for `[data-tool]`,
/// `#ACTION-NAME` for `[data-action]` (which also gets `data-entry`), and
/// `NAME` in `data-label` becomes the button's text.
fn name_tools(card: &Element, name: &str) -> Result<(), Failure> {
    for tool in select_all(card, "[data-tool]")? {
        let which = tool.get_attribute("data-tool").unwrap_or_default();
        tool.set_id(&format!("{name}-{which}"));
    }
    for button in select_all(card, "[data-action]")? {
        let action = button.get_attribute("data-action").unwrap_or_default();
        button.set_id(&format!("{action}-{name}"));
        set_attribute(&button, "data-entry", Some(name))?;
        if let Some(label) = button.get_attribute("data-label") {
            button.set_text_content(Some(&label.replace("NAME", name)));
        }
    }
    Ok(())
}

/// The card of a certificate signed from a CSR (`#signed-template`), with
/// what the worker read from it and what signing kept, added, dropped.
fn show_signed(stem: &str, fields: Card, report: &str) -> Result<(), Failure> {
    let fields = fields.ok();
    let card = instantiate("signed-template")?;
    card.set_id(&format!("card-{stem}"));
    first(&card, "[data-part=title]")?
        .set_text_content(Some(&format!("{stem}: signed from a CSR")));
    show_certificate(&card, stem, &fields.unwrap_or_default())?;
    name_tools(&card, stem)?;
    first(&card, "[data-part=report]")?.set_text_content(Some(report));
    by_id::<Element>("cards")?
        .append_child(&card)
        .map_err(Failure::from_js)?;
    Ok(())
}

/// Says how a tool went: `#PREFIX-status` on success, `#PREFIX-error` (in
/// words, next to the control) on failure.
fn show_outcome(prefix: &str, outcome: Result<String, Failure>) {
    let (said, error) = match outcome {
        Ok(said) => (said, None),
        Err(failure) => (String::new(), Some(failure.to_string())),
    };
    let _ = set_text(&format!("{prefix}-status"), &said);
    if let Ok(slot) = by_id::<Element>(&format!("{prefix}-error")) {
        slot.set_text_content(error.as_deref());
        let _ = set_attribute(&slot, "hidden", error.is_none().then_some(""));
    }
}
