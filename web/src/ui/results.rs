//! The results: one `#card-template` clone per issued entry (what its
//! certificate says, its files as download buttons), the zip, and
//! `#result`'s state (`data-state`: busy, done, error) that tests and
//! screen readers follow.

use std::rc::Rc;

use certplay_core::{FileKind, Validity};
use gloo_events::EventListener;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlInputElement};

use super::cards::{file_id, fill_tools, show_certificate};
use super::{Event, Panel, State};
use crate::dom::{by_id, on, set_attribute, set_text, show_outcome, target_with};
use crate::download::{save, PEM_TYPE, ZIP_TYPE};
use crate::error::Failure;
use crate::protocol::{Card, CardField, Everything, Request};
use crate::template::{first, instantiate};

/// The name of the zip with all files.
pub const ZIP_NAME: &str = "certplay-pki.zip";

/// The files of the blog's set, which a one-click Issue offers.
pub const BLOG_FILE_NAMES: [&str; 7] = [
    "ca.crt",
    "ca.key",
    "server.crt",
    "server.key",
    "client.crt",
    "client.key",
    "certplay-plan.toml",
];

/// The results panel.
#[derive(Debug)]
pub struct Results {
    state: State,
    result: Element,
    cards: Element,
}

impl Results {
    /// Finds `#result` and `#cards`; wires the downloads and the zip.
    pub fn mount(state: &State) -> Result<(Rc<dyn Panel>, Vec<EventListener>), Failure> {
        let panel = Rc::new(Self {
            state: state.clone(),
            result: by_id("result")?,
            cards: by_id("cards")?,
        });
        let saving = Rc::clone(&panel);
        let listener = on(&panel.result, "click", move |event| {
            if target_with(event, "#download-zip").is_some() {
                spawn_local(Rc::clone(&saving).save_zip());
            } else if let Some(name) =
                target_with(event, "button[data-file]").and_then(|b| b.get_attribute("data-file"))
            {
                if let Err(failure) = saving.save_file(&name) {
                    show_outcome("zip", Err(failure));
                }
            }
        });
        // The zip's PKCS#12 password matters only "with everything".
        let everything = by_id::<HtmlInputElement>("zip-everything")?;
        let password = by_id::<Element>("zip-p12-password-label")?;
        let ticked = everything.clone();
        let toggle = on(&everything, "change", move |_| {
            let _ = set_attribute(&password, "hidden", (!ticked.checked()).then_some(""));
        });
        Ok((panel, vec![listener, toggle]))
    }

    fn show(&self, read_back: &[Card]) -> Result<(), Failure> {
        let set = self.state.set()?;
        let files = set.issued.files()?;
        self.cards.set_inner_html("");
        show_outcome("zip", Ok(String::new()));
        for (at, (entry, planned)) in set
            .issued
            .entries
            .iter()
            .zip(&set.issued.plan.entries)
            .enumerate()
        {
            let card = instantiate("card-template")?;
            card.set_id(&format!("card-{}", entry.name));
            first(&card, "[data-part=title]")?.set_text_content(Some(&format!(
                "{}: {}",
                entry.name,
                planned.profile.description()
            )));
            let fields = match read_back.get(at).or_else(|| read_back.first()) {
                Some(Ok(fields)) => fields.clone(),
                Some(Err(reason)) => {
                    vec![(CardField::Subject, format!("not read back: {reason}"))]
                }
                None => Vec::new(),
            };
            show_certificate(&card, &entry.name, &fields)?;
            fill_tools(
                &card,
                &entry.name,
                planned.profile,
                planned.issuer.is_some(),
                planned.existing,
            )?;
            // Relative validity starts an hour before issuing (core's
            // BACKDATE); fixed times are what the person typed.
            let backdated =
                matches!(planned.validity, Validity::Relative { .. }) && !planned.existing;
            set_attribute(
                &first(&card, "[data-part=backdated]")?,
                "hidden",
                (!backdated).then_some(""),
            )?;
            let list = first(&card, "ul.files")?;
            for file in files
                .iter()
                .filter(|f| f.entry.as_deref() == Some(entry.name.as_str()))
            {
                let item = instantiate("file-template")?;
                let id = file_id(&file.name);
                item.set_id(&format!("file-{id}"));
                if file.private() {
                    item.class_list()
                        .add_1("private")
                        .map_err(Failure::from_js)?;
                }
                if matches!(file.kind, FileKind::PrivateKey(profile) if profile.is_ca()) {
                    item.class_list()
                        .add_1("ca-key")
                        .map_err(Failure::from_js)?;
                }
                set_attribute(
                    &item,
                    "data-private",
                    Some(if file.private() { "true" } else { "false" }),
                )?;
                let button = first(&item, "button")?;
                button.set_id(&format!("download-{id}"));
                set_attribute(&button, "data-file", Some(&file.name))?;
                button.set_text_content(Some(&file.name));
                let badge = first(&item, ".badge")?;
                badge.set_id(&format!("badge-{id}"));
                badge.set_text_content(file.private().then_some("private key"));
                let purpose = first(&item, ".purpose")?;
                purpose.set_id(&format!("purpose-{id}"));
                purpose.set_text_content(Some(file.purpose()));
                list.append_child(&item).map_err(Failure::from_js)?;
            }
            self.cards.append_child(&card).map_err(Failure::from_js)?;
        }
        if let Some(plan_file) = files.iter().find(|f| f.kind == FileKind::Plan) {
            set_text(
                &format!("purpose-{}", file_id(&plan_file.name)),
                plan_file.purpose(),
            )?;
        }
        Ok(())
    }

    fn save_file(&self, name: &str) -> Result<(), Failure> {
        let Some(set) = self.state.issued() else {
            return Ok(());
        };
        let files = set.issued.files()?;
        match files.iter().find(|file| file.name == name) {
            Some(file) => save(&file.name, file.contents.as_bytes(), PEM_TYPE),
            None => Ok(()),
        }
    }

    /// "Download all": the zip made by the tools worker (the zip code stays
    /// out of the page); with `#zip-everything`, also DER files, CRLs and a
    /// PKCS#12 file per leaf (modern, the password typed in
    /// `#zip-p12-password`).
    async fn save_zip(self: Rc<Self>) {
        let outcome = async {
            let everything = if by_id::<HtmlInputElement>("zip-everything")?.checked() {
                Some(Everything {
                    revoked: self.state.revoked(),
                    password: by_id::<HtmlInputElement>("zip-p12-password")?.value(),
                })
            } else {
                None
            };
            let signed = self
                .state
                .signed()
                .into_iter()
                .map(|s| (s.stem, s.cert_pem))
                .collect();
            let with = everything.is_some();
            let request = Request::Zip {
                set: self.state.handle()?,
                signed,
                everything,
            };
            save(ZIP_NAME, &crate::tools::file(request).await?, ZIP_TYPE)?;
            Ok(if with {
                format!(
                    "{ZIP_NAME}: with DER files, CRLs and a PKCS#12 file per leaf (modern \
                     encoding, your password)"
                )
            } else {
                format!("{ZIP_NAME}: the files listed here")
            })
        }
        .await;
        show_outcome("zip", outcome);
    }
}

impl Panel for Results {
    fn on(&self, event: &Event) -> Result<(), Failure> {
        match event {
            Event::IssueStarted => {
                set_attribute(&self.result, "aria-busy", Some("true"))?;
                set_attribute(&self.result, "data-state", Some("busy"))?;
                set_attribute(&self.result, "hidden", Some(""))
            }
            Event::IssueFailed => {
                set_attribute(&self.result, "aria-busy", None)?;
                set_attribute(&self.result, "data-state", Some("error"))
            }
            Event::Issued(read_back) => {
                set_attribute(&self.result, "aria-busy", None)?;
                self.show(read_back)?;
                set_attribute(&self.result, "hidden", None)?;
                set_attribute(&self.result, "data-state", Some("done"))
            }
            _ => Ok(()),
        }
    }
}
