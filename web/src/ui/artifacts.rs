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

use certplay_core::{Profile, RevocationReason};
use gloo_events::EventListener;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

use super::cards::{name_tools, show_certificate};
use super::{AppRef, Event, Panel, SignedCert, State};
use crate::dom::{
    by_id, dropped_file, file_bytes, on, set_attribute, set_text, show_outcome, target_with,
};
use crate::download::{save, PEM_TYPE};
use crate::error::Failure;
use crate::protocol::{Card, Reply, Request};
use crate::template::{fill_options, first, instantiate};

/// The media type of a PKCS#12 file.
const P12_TYPE: &str = "application/x-pkcs12";
/// The media type of a DER certificate.
const DER_CERT_TYPE: &str = "application/pkix-cert";
/// The media type of a DER PKCS#8 key.
const DER_KEY_TYPE: &str = "application/pkcs8";
/// The media type of a DER CRL.
const DER_CRL_TYPE: &str = "application/pkix-crl";

/// The artifacts panel: the cards' tools and "sign a CSR".
#[derive(Debug)]
pub struct Artifacts {
    app: AppRef,
    state: State,
    /// A CSR file picked or dropped for signing: its name and bytes.
    csr_file: RefCell<Option<(String, Vec<u8>)>>,
}

impl Artifacts {
    /// Wires the cards' tools (one listener on `#cards`) and `#sign-csr`.
    pub fn mount(
        app: AppRef,
        state: &State,
    ) -> Result<(Rc<dyn Panel>, Vec<EventListener>), Failure> {
        let panel = Rc::new(Self {
            app,
            state: state.clone(),
            csr_file: RefCell::new(None),
        });
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
        let clicked = Rc::clone(&panel);
        listeners.push(on(&by_id::<Element>("cards")?, "click", move |event| {
            if let Some(button) = target_with(event, "[data-action][data-entry]") {
                let action = button.get_attribute("data-action").unwrap_or_default();
                let entry = button.get_attribute("data-entry").unwrap_or_default();
                let artifacts = Rc::clone(&clicked);
                spawn_local(async move {
                    let outcome = artifacts.run(&action, &entry).await;
                    show_outcome(&format!("{entry}-tool"), outcome);
                });
            }
        }));
        let signing = Rc::clone(&panel);
        listeners.push(on(&by_id::<Element>("csr-sign")?, "click", move |_| {
            let artifacts = Rc::clone(&signing);
            spawn_local(async move {
                let outcome = artifacts.sign_csr().await;
                show_outcome("csr", outcome);
            });
        }));
        let input = by_id::<HtmlTextAreaElement>("csr-input")?;
        let typed = Rc::clone(&panel);
        listeners.push(on(&input, "input", move |_| {
            *typed.csr_file.borrow_mut() = None;
        }));
        let picker = by_id::<HtmlInputElement>("csr-file")?;
        let (picked, picked_by) = (Rc::clone(&panel), picker.clone());
        listeners.push(on(&picker, "change", move |_| {
            if let Some(file) = picked_by.files().and_then(|files| files.get(0)) {
                spawn_local(Rc::clone(&picked).take_file(file));
            }
        }));
        listeners.push(on(&input, "dragover", |event| event.prevent_default()));
        let dropped = Rc::clone(&panel);
        listeners.push(on(&input, "drop", move |event| {
            event.prevent_default();
            if let Some(file) = dropped_file(event) {
                spawn_local(Rc::clone(&dropped).take_file(file));
            }
        }));
        Ok((panel, listeners))
    }

    /// A new set is shown: offer its CAs for signing CSRs.
    fn reset(&self) -> Result<(), Failure> {
        let set = self.state.set()?;
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

    /// Runs a card's button; `Ok` is what to say next to it.
    async fn run(&self, action: &str, entry: &str) -> Result<String, Failure> {
        let set = self.state.set()?;
        let (cert_pem, cert_der) = match set.issued.entry(entry) {
            Some(issued) => (issued.cert_pem.clone(), issued.cert_der.clone()),
            None => self
                .state
                .signed()
                .into_iter()
                .find(|s| s.stem == entry)
                .map(|s| (s.cert_pem.clone(), s.cert_der.clone()))
                .ok_or_else(|| Failure::Browser(format!("the set has no entry {entry}")))?,
        };
        match action {
            "inspect" => {
                self.app.send(&Event::Inspect {
                    name: format!("{entry}.crt"),
                    text: cert_pem,
                })?;
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
                    set: self.state.handle()?,
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
                    set: self.state.handle()?,
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
                    set: self.state.handle()?,
                    entry: entry.to_owned(),
                    encoding: if encoding == "legacy" {
                        certplay_core::Pkcs12Encoding::Legacy
                    } else {
                        certplay_core::Pkcs12Encoding::Modern
                    },
                    password,
                };
                let start = crate::clock::now_ms();
                let bytes = crate::tools::file(request).await?;
                let millis = crate::clock::now_ms() - start;
                let file = format!("{entry}.p12");
                save(&file, &bytes, P12_TYPE)?;
                Ok(format!(
                    "{file} ({encoding}): key, certificate and chain, made in {} ms",
                    crate::clock::whole_ms(millis)
                ))
            }
            "revoke" => {
                let reason = by_id::<HtmlSelectElement>(&format!("{entry}-revoke-reason"))?
                    .value()
                    .parse::<RevocationReason>()?;
                self.state.revoke(entry, reason);
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
                let count = self.state.revoked_by(&set.issued, entry).len();
                let der = action == "crl-der";
                let (file, kind) = if der {
                    (format!("{entry}.crl.der"), DER_CRL_TYPE)
                } else {
                    (format!("{entry}.crl"), PEM_TYPE)
                };
                save(&file, &self.state.crl(entry, der).await?, kind)?;
                Ok(format!(
                    "{file}: {count} revoked, next update in {} days. Add --crl {entry}.crl to the certplay serve command below: it refuses the revoked clients (SIGHUP re-reads a new CRL)",
                    crate::protocol::CRL_DAYS
                ))
            }
            other => Err(Failure::Browser(format!("no such tool: {other}"))),
        }
    }

    async fn take_file(self: Rc<Self>, file: web_sys::File) {
        let outcome = async {
            let bytes = file_bytes(&file).await?;
            let input = by_id::<HtmlTextAreaElement>("csr-input")?;
            let said = format!("{}: {} bytes, ready to sign", file.name(), bytes.len());
            match std::str::from_utf8(&bytes) {
                Ok(text) if text.contains("-----BEGIN") => input.set_value(text),
                _ => input.set_value(""),
            }
            *self.csr_file.borrow_mut() = Some((file.name(), bytes));
            Ok(said)
        }
        .await;
        show_outcome("csr", outcome);
    }

    async fn sign_csr(&self) -> Result<String, Failure> {
        let set = self.state.set()?;
        let (name, csr) = match self.csr_file.borrow().clone() {
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
            set: self.state.handle()?,
            ca: by_id::<HtmlSelectElement>("csr-ca")?.value(),
            profile,
            days,
            name: name.clone(),
            csr,
        };
        match crate::tools::call(request).await? {
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
                        || self.state.signed().iter().any(|s| s.stem == stem)
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
                self.state.add_signed(SignedCert {
                    stem,
                    cert_pem,
                    cert_der,
                });
                Ok(format!(
                    "signed: {file} downloaded, shown as a card above and put in the zip; \
                     what signing did:"
                ))
            }
            other => Err(crate::tools::unexpected(&other)),
        }
    }
}

impl Panel for Artifacts {
    fn on(&self, event: &Event) -> Result<(), Failure> {
        match event {
            Event::Issued(_) => self.reset(),
            _ => Ok(()),
        }
    }
}

/// The card of a certificate signed from a CSR (`#signed-template`), with
/// what the worker read from it and what signing kept, added, dropped.
fn show_signed(stem: &str, fields: Card, report: &str) -> Result<(), Failure> {
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
