//! The results: one `#card-template` clone per issued entry (what its
//! certificate says, its files as download buttons), the zip, and
//! `#result`'s state (`data-state`: busy, done, error) that tests and
//! screen readers follow.
//!
//! The cards are shown one a frame, never all in one task: building and
//! laying out every card, and the panels around them, at once after the
//! worker's reply was the page's longest task while issuing (the
//! heartbeat in `tests/tests/page_ux.rs`, BENCHMARKS.md). `#result` is
//! `aria-busy` until the last card is in and `data-state` says `done`.

use std::cell::Cell;
use std::rc::{Rc, Weak};

use certplay_core::{Entry, FileKind, Validity};
use gloo_events::EventListener;
use js_sys::Promise;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Element, HtmlInputElement};

use super::cards::{file_id, fill_tools, show_certificate};
use super::{Event, Panel, State};
use crate::dom::{by_id, document, on, set_attribute, set_text, show_outcome, target_with, window};
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
    me: Weak<Self>,
    state: State,
    result: Element,
    cards: Element,
    /// Counts the sets shown (and Issue presses): a set still being shown
    /// card by card stops when a newer one counts.
    showing: Cell<u64>,
}

impl Results {
    /// Finds `#result` and `#cards`; wires the downloads and the zip.
    pub fn mount(state: &State) -> Result<(Rc<dyn Panel>, Vec<EventListener>), Failure> {
        let result = by_id("result")?;
        let cards = by_id("cards")?;
        let panel = Rc::new_cyclic(|me| Self {
            me: me.clone(),
            state: state.clone(),
            result,
            cards,
            showing: Cell::new(0),
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

    /// A new set (or none, while issuing): what is being shown stops.
    fn next_showing(&self) -> u64 {
        let count = self.showing.get().wrapping_add(1);
        self.showing.set(count);
        count
    }

    /// Shows the issued set, then says `done` (or why not), unless a
    /// newer Issue took over meanwhile.
    async fn show_in_steps(self: Rc<Self>, read_back: Vec<Card>, showing: u64) {
        let outcome = self.show(&read_back, showing).await;
        if self.showing.get() != showing {
            return;
        }
        let said = match outcome {
            Ok(()) => "done",
            Err(failure) => {
                show_outcome("zip", Err(failure));
                "error"
            }
        };
        let _ = set_attribute(&self.result, "aria-busy", None);
        let _ = set_attribute(&self.result, "data-state", Some(said));
    }

    async fn show(&self, read_back: &[Card], showing: u64) -> Result<(), Failure> {
        let set = self.state.set()?;
        let files = set.issued.files()?;
        self.cards.set_inner_html("");
        show_outcome("zip", Ok(String::new()));
        self.note_backdated(&set.issued.plan.entries)?;
        if let Some(plan_file) = files.iter().find(|f| f.kind == FileKind::Plan) {
            set_text(
                &format!("purpose-{}", file_id(&plan_file.name)),
                plan_file.purpose(),
            )?;
        }
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
            // Shown with its first card; the next card in the next frame.
            set_attribute(&self.result, "hidden", None)?;
            next_frame().await?;
            if self.showing.get() != showing {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Relative validity starts an hour before issuing (core's BACKDATE);
    /// fixed times are what the person typed, and an own CA is what it
    /// is: said once above the cards, naming the cards it is about when it
    /// is not all of them.
    fn note_backdated(&self, planned: &[Entry]) -> Result<(), Failure> {
        let backdated: Vec<&str> = planned
            .iter()
            .filter(|e| matches!(e.validity, Validity::Relative { .. }) && !e.existing)
            .map(|e| e.name.as_str())
            .collect();
        let note = by_id::<Element>("backdated-note")?;
        let why = "an hour before issuing, so that a client whose clock is a little behind \
                   accepts it too";
        let text = match backdated.as_slice() {
            [] => None,
            all if all.len() == planned.len() => {
                Some(format!("On every card, Not before is {why}."))
            }
            [one] => Some(format!("{one}'s Not before is {why}.")),
            [some @ .., last] => Some(format!(
                "Not before on the cards of {} and {last} is {why}.",
                some.join(", ")
            )),
        };
        note.set_text_content(text.as_deref());
        set_attribute(&note, "hidden", text.is_none().then_some(""))
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
                self.next_showing();
                set_attribute(&self.result, "aria-busy", Some("true"))?;
                set_attribute(&self.result, "data-state", Some("busy"))?;
                set_attribute(&self.result, "hidden", Some(""))
            }
            Event::IssueFailed => {
                self.next_showing();
                set_attribute(&self.result, "aria-busy", None)?;
                set_attribute(&self.result, "data-state", Some("error"))
            }
            Event::Issued(read_back) => {
                let showing = self.next_showing();
                set_attribute(&self.result, "aria-busy", Some("true"))?;
                if let Some(me) = self.me.upgrade() {
                    spawn_local(me.show_in_steps(read_back.clone(), showing));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Resolves once the browser has drawn the next frame (a zero-delay timer
/// after `requestAnimationFrame`), so that each step's layout and paint is
/// its own; at once when the page is not shown (no frames are drawn then).
async fn next_frame() -> Result<(), Failure> {
    if document()?.hidden() {
        return Ok(());
    }
    let window = window()?;
    let mut failed = None;
    let drawn = Promise::new(&mut |resolve, _reject| {
        let later = window.clone();
        let after_frame = Closure::once_into_js(move || {
            if later
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
                .is_err()
            {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        });
        if let Err(error) = window.request_animation_frame(after_frame.unchecked_ref()) {
            failed = Some(error);
        }
    });
    if let Some(error) = failed {
        return Err(Failure::from_js(error));
    }
    JsFuture::from(drawn).await.map_err(Failure::from_js)?;
    Ok(())
}
