//! The plan editor: a preset, the key type, one `#entry-template` clone
//! per entry (its fields by [`Field`], read back into an [`EntryForm`]),
//! add and remove entries, and the Issue button. A field's error is shown
//! next to it; an issued set goes to the other panels as
//! [`Event::Issued`].

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use certplay_core::{Entry, Error, KeyType, Plan, Preset, Profile};
use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlButtonElement, HtmlElement, HtmlSelectElement};

use super::{AppRef, Event, Panel, State};
use crate::dom::{by_id, document, on, set_attribute, set_text, set_value, target_with, value_of};
use crate::editor::{EntryForm, Field, PlanForm};
use crate::error::Failure;
use crate::issue::Issuing;
use crate::protocol::KeySource;
use crate::template::{fill_options, first, instantiate, select_all};
use crate::IssuedSet;

/// The editor panel.
#[derive(Debug)]
pub struct Editor {
    app: AppRef,
    state: State,
    form: Element,
    preset: HtmlSelectElement,
    key_type: HtmlSelectElement,
    entries: Element,
    issue_button: HtmlButtonElement,
    error: Element,
    /// The entries as last rendered (with the names shown then): what the
    /// editor does not show is kept from them, and renames are followed.
    shown: RefCell<Vec<Entry>>,
    busy: Cell<bool>,
}

impl Panel for Editor {
    fn on(&self, _event: &Event) -> Result<(), Failure> {
        Ok(())
    }
}

impl Editor {
    /// Finds the editor's elements, shows the blog's plan, wires the
    /// buttons and enables `#issue`.
    pub fn mount(app: AppRef, state: &State) -> Result<(Rc<Self>, Vec<EventListener>), Failure> {
        let editor = Rc::new(Self {
            app,
            state: state.clone(),
            form: by_id("params")?,
            preset: by_id("preset")?,
            key_type: by_id("key-type")?,
            entries: by_id("entries")?,
            issue_button: by_id("issue")?,
            error: by_id("error")?,
            shown: RefCell::new(Vec::new()),
            busy: Cell::new(false),
        });
        fill_options(
            &editor.preset,
            Preset::ALL
                .iter()
                .map(|p| (p.name(), format!("{} ({})", p.name(), p.description()))),
        )?;
        fill_options(
            &editor.key_type,
            KeyType::ALL
                .iter()
                .map(|k| (k.name(), k.description().to_owned())),
        )?;
        editor.load_preset(Preset::Blog)?;

        let mut listeners = Vec::new();
        let issuing = Rc::clone(&editor);
        listeners.push(on(&editor.form, "submit", move |event| {
            // The form only feeds the page; it never goes anywhere.
            event.prevent_default();
            spawn_local(Rc::clone(&issuing).issue_clicked());
        }));
        let editing = Rc::clone(&editor);
        listeners.push(on(&editor.preset, "change", move |_| {
            let preset = editing.preset.value().parse::<Preset>();
            editing.report(
                preset
                    .map_err(Failure::from)
                    .and_then(|p| editing.load_preset(p)),
            );
        }));
        let editing = Rc::clone(&editor);
        listeners.push(on(
            &by_id::<Element>("add-intermediate")?,
            "click",
            move |_| {
                editing.report(editing.add_intermediate());
            },
        ));
        let editing = Rc::clone(&editor);
        listeners.push(on(&by_id::<Element>("add-client")?, "click", move |_| {
            let mut form = editing.read();
            form.add_client();
            editing.report(editing.render(&form));
            // The new entry opens: a person who adds a client names it next.
            editing.open(form.entries.len().saturating_sub(1), false);
        }));
        let editing = Rc::clone(&editor);
        listeners.push(on(&editor.entries, "click", move |event| {
            if let Some(at) = target_with(event, "[data-action=remove]")
                .and_then(|button| button.get_attribute("data-index"))
                .and_then(|index| index.parse::<usize>().ok())
            {
                let mut form = editing.read();
                form.remove(at);
                editing.report(editing.render(&form));
            }
        }));
        let editing = Rc::clone(&editor);
        listeners.push(on(&editor.entries, "change", move |event| {
            // A new name or profile changes titles, issuer lists and which
            // fields apply: render again (renames follow into issuers).
            let structural = target_with(event, "[data-field]")
                .and_then(|field| field.get_attribute("data-field"))
                .and_then(|name| Field::from_name(&name))
                .is_some_and(Field::is_structural);
            let form = editing.read();
            if structural {
                editing.report(editing.render(&form));
            } else {
                editing.report(editing.summarize(&form));
            }
        }));
        let editing = Rc::clone(&editor);
        listeners.push(on(&editor.key_type, "change", move |_| {
            let form = editing.read();
            editing.report(editing.summarize(&form));
        }));
        editor.issue_button.set_disabled(false);
        set_text("status", "Ready")?;
        Ok((editor, listeners))
    }

    /// The plan the editor shows now (as [`PlanForm::to_plan`] reads it).
    pub fn plan(&self) -> Result<Plan, Failure> {
        Ok(self.read().to_plan()?)
    }

    fn load_preset(&self, preset: Preset) -> Result<(), Failure> {
        let form = PlanForm::preset(preset);
        self.preset.set_value(preset.name());
        self.key_type.set_value(&form.key_type);
        self.clear_errors()?;
        self.render(&form)
    }

    fn add_intermediate(&self) -> Result<(), Failure> {
        let mut plan = self.read().to_plan()?;
        if !plan.entries.iter().any(|e| e.profile == Profile::RootCa) {
            return Err(Failure::Browser(
                "an intermediate CA goes under a root CA: add one first (or start from a preset with a CA)".into(),
            ));
        }
        plan.add_intermediate();
        self.render(&PlanForm::from_plan(&plan))
    }

    /// Shows an editing failure where it belongs (next to its field).
    fn report(&self, outcome: Result<(), Failure>) {
        if let Err(failure) = outcome {
            self.show_error(&failure);
        }
    }

    /// Reads the editor back into text fields.
    fn read(&self) -> PlanForm {
        let shown = self.shown.borrow();
        let mut form = PlanForm {
            key_type: self.key_type.value(),
            entries: Vec::new(),
        };
        for (at, base) in shown.iter().enumerate() {
            let mut entry = EntryForm::from_entry(base);
            for field in Field::ALL {
                if let Ok(element) = by_id::<Element>(&format!("entry-{at}-{}", field.name())) {
                    field.write(&mut entry, value_of(&element));
                }
            }
            form.entries.push(entry);
        }
        for (base, entry) in shown.iter().zip(form.entries.clone()) {
            form.rename(&base.name, entry.name.trim());
            self.state.own_cas().rename(&base.name, entry.name.trim());
        }
        form
    }

    /// Shows `form` in the editor: one `#entry-template` clone per entry.
    /// Keeps the focus on the field that had it (a change re-renders).
    fn render(&self, form: &PlanForm) -> Result<(), Failure> {
        let focused = document()?
            .active_element()
            .map(|e| e.id())
            .filter(|id| id.starts_with("entry-"));
        // What the person opened stays open.
        let opened = |selector: &str| -> Result<Vec<String>, Failure> {
            Ok(select_all(&self.entries, selector)?
                .iter()
                .map(Element::id)
                .collect())
        };
        let open_entries = opened("details.entry[open]")?;
        let open_rare = opened("details.rare[open]")?;
        self.entries.set_inner_html("");
        let own_ca_slot = form.own_ca_slot();
        for (at, entry) in form.entries.iter().enumerate() {
            let element = instantiate("entry-template")?;
            element.set_id(&format!("entry-{at}"));
            let profile = entry.profile.parse::<Profile>().ok();
            first(&element, "[data-part=title]")?.set_text_content(Some(&entry.name));
            first(&element, "[data-part=summary]")?.set_id(&format!("entry-{at}-summary"));
            let rare = first(&element, "details.rare")?;
            rare.set_id(&format!("entry-{at}-more"));
            set_attribute(
                &element,
                "open",
                open_entries.contains(&element.id()).then_some(""),
            )?;
            set_attribute(&rare, "open", open_rare.contains(&rare.id()).then_some(""))?;
            let remove = first(&element, "[data-action=remove]")?;
            remove.set_id(&format!("entry-{at}-remove"));
            set_attribute(&remove, "data-index", Some(&at.to_string()))?;
            remove.set_text_content(Some(&format!("Remove {}", entry.name)));
            for element_of_field in select_all(&element, "[data-field]")? {
                let name = element_of_field
                    .get_attribute("data-field")
                    .unwrap_or_default();
                let field = Field::from_name(&name).ok_or_else(|| {
                    Failure::Browser(format!("#entry-template has an unknown field {name:?}"))
                })?;
                element_of_field.set_id(&format!("entry-{at}-{name}"));
                if let Some(select) = element_of_field.dyn_ref::<HtmlSelectElement>() {
                    fill_entry_select(select, field, form, at)?;
                }
                set_value(&element_of_field, &field.read(entry));
            }
            for slot in select_all(&element, "[data-error]")? {
                let name = slot.get_attribute("data-error").unwrap_or_default();
                slot.set_id(&format!("entry-{at}-{name}-error"));
            }
            for tool in select_all(&element, "[data-tool]")? {
                let name = tool.get_attribute("data-tool").unwrap_or_default();
                tool.set_id(&format!("entry-{at}-{name}"));
            }
            first(&element, "[data-part=own-ca-status]")?
                .set_id(&format!("entry-{at}-own-ca-status"));
            // "My own CA" on any CA entry, while none is ticked; then on
            // that one only.
            let own_ca_here = match own_ca_slot {
                Some(slot) => slot == at,
                None => entry.is_ca(),
            };
            let existing = own_ca_here && entry.existing;
            let is_ca = profile.is_some_and(Profile::is_ca);
            let mut more = vec!["organization, country", "dates"];
            if is_ca {
                more.push("path length, name constraints");
            }
            if own_ca_here {
                more.push("my own CA");
            }
            first(&rare, "summary")?.set_text_content(Some(&format!("More: {}", more.join(", "))));
            set_attribute(
                &first(&element, "[data-part=own-ca]")?,
                "hidden",
                (!own_ca_here).then_some(""),
            )?;
            set_attribute(
                &first(&element, "[data-part=own-ca-files]")?,
                "hidden",
                (!existing).then_some(""),
            )?;
            set_value(
                &first(&element, "[data-field=existing]")?,
                if existing { "true" } else { "" },
            );
            // An own CA's certificate is what it is: what would make a new
            // one does not apply.
            for part in select_all(&element, "[data-part=made-here]")? {
                set_attribute(&part, "hidden", existing.then_some(""))?;
            }
            let ca_only = first(&element, "[data-part=ca-only]")?;
            set_attribute(
                &ca_only,
                "hidden",
                (!entry.is_ca() || existing).then_some(""),
            )?;
            self.entries
                .append_child(&element)
                .map_err(Failure::from_js)?;
        }
        *self.shown.borrow_mut() = form
            .entries
            .iter()
            .map(|e| Entry {
                name: e.name.trim().to_owned(),
                ..e.base.clone()
            })
            .collect();
        self.summarize(form)?;
        if let Some(id) = focused {
            if let Ok(element) = by_id::<HtmlElement>(&id) {
                let _ = element.focus();
            }
        }
        let names = form
            .entries
            .iter()
            .map(|e| e.name.trim().to_owned())
            .collect();
        self.app.send(&Event::EntriesShown(names))
    }
}

/// Fills the options of an entry's select: profiles, key types, or the
/// CAs entry `at` may name as its issuer.
fn fill_entry_select(
    select: &HtmlSelectElement,
    field: Field,
    form: &PlanForm,
    at: usize,
) -> Result<(), Failure> {
    match field {
        Field::Profile => fill_options(
            select,
            Profile::ALL
                .iter()
                .map(|p| (p.name(), p.description().to_owned())),
        ),
        Field::KeyType => fill_options(
            select,
            std::iter::once(("", "the plan's key type".to_owned())).chain(
                KeyType::ALL
                    .iter()
                    .map(|k| (k.name(), k.description().to_owned())),
            ),
        ),
        Field::Issuer => {
            let issuers = form.issuers_for(at);
            let current = form
                .entries
                .get(at)
                .map(|e| e.issuer.clone())
                .unwrap_or_default();
            let mut options: Vec<(&str, String)> = vec![("", "none: self-signed".to_owned())];
            options.extend(issuers.iter().map(|n| (n.as_str(), n.clone())));
            // An issuer that is not (or no longer) an earlier CA stays
            // selectable, so that check says what is wrong with it.
            if !current.is_empty() && !issuers.contains(&current) {
                options.push((current.as_str(), format!("{current} (not an earlier CA)")));
            }
            fill_options(select, options.into_iter())
        }
        _ => Ok(()),
    }
}

impl Editor {
    fn clear_errors(&self) -> Result<(), Failure> {
        for slot in select_all(&self.entries, "[data-error]")? {
            slot.set_text_content(None);
            set_attribute(&slot, "hidden", Some(""))?;
        }
        for field in select_all(&self.entries, "[aria-invalid]")? {
            set_attribute(&field, "aria-invalid", None)?;
            set_attribute(&field, "aria-describedby", None)?;
        }
        set_attribute(&self.error, "hidden", Some(""))?;
        self.error.set_text_content(None);
        Ok(())
    }

    async fn issue_clicked(self: Rc<Self>) {
        if self.busy.replace(true) {
            return;
        }
        // The tools worker issues: start loading it now, while the plan is
        // checked.
        crate::tools::start();
        let shown = match self.begin() {
            Ok(()) => {
                let outcome = match self.read().to_plan() {
                    Ok(plan) => self.issue(plan).await,
                    Err(error) => Err(error.into()),
                };
                self.end(outcome)
            }
            Err(failure) => Err(failure),
        };
        if let Err(failure) = shown {
            // The page itself broke (an element is missing): say so anyway.
            self.show_error(&failure);
        }
        self.busy.set(false);
    }

    /// [`crate::issue`] in the tools worker, with the person's own keys
    /// and CAs, and the progress of WebCrypto's keys there in `#status`.
    async fn issue(&self, mut plan: Plan) -> Result<IssuedSet, Failure> {
        let own_cas = self.state.own_cas().for_plan(&mut plan)?;
        if KeySource::for_plan(&plan) == KeySource::WebCrypto {
            let total = plan.keys_needed().len();
            let _ = set_text(
                "status",
                &format!("Issuing… the browser's WebCrypto makes {total} keys (RSA-4096 takes seconds; the page stays usable)"),
            );
        }
        let progress = |done: u32, of: u32| {
            let _ = set_text(
                "status",
                &format!("Issuing… WebCrypto: {done} of {of} keys made"),
            );
        };
        let issuing = Issuing {
            own_cas,
            own_keys: self.state.own_keys(),
            plan,
            source: None,
        };
        crate::issue::issue_with_progress(issuing, progress).await
    }

    /// The busy state: button off, "Issuing…", `aria-busy`, old results gone.
    fn begin(&self) -> Result<(), Failure> {
        self.issue_button.set_disabled(true);
        set_attribute(&self.form, "aria-busy", Some("true"))?;
        self.app.send(&Event::IssueStarted)?;
        self.clear_errors()?;
        set_text("status", "Issuing…")
    }

    fn end(&self, outcome: Result<IssuedSet, Failure>) -> Result<(), Failure> {
        self.issue_button.set_disabled(false);
        set_attribute(&self.form, "aria-busy", None)?;
        match outcome {
            Ok(set) => {
                set_text(
                    "status",
                    &format!(
                        "Issued: {}, in {} ms; your files are below",
                        set.issued.plan.key_type.description(),
                        set.micros / 1000
                    ),
                )?;
                let read_back = set.cards.clone();
                self.state.show(set);
                self.app.send(&Event::Issued(read_back))
            }
            Err(failure) => {
                self.show_error(&failure);
                Ok(())
            }
        }
    }

    /// Each entry's folded line: profile, issuer, key type, validity.
    fn summarize(&self, form: &PlanForm) -> Result<(), Failure> {
        let plan_key = form
            .key_type
            .parse::<KeyType>()
            .map(KeyType::description)
            .unwrap_or("?");
        for (at, entry) in form.entries.iter().enumerate() {
            let Ok(line) = by_id::<Element>(&format!("entry-{at}-summary")) else {
                continue;
            };
            let mut parts = vec![entry
                .profile
                .parse::<Profile>()
                .map(Profile::description)
                .unwrap_or("?")
                .to_owned()];
            if entry.existing && form.own_ca_slot() == Some(at) {
                parts.push("your own CA, not issued again".into());
            } else {
                parts.push(match entry.issuer.trim() {
                    "" => "self-signed".to_owned(),
                    issuer => format!("signed by {issuer}"),
                });
                parts.push(
                    entry
                        .key_type
                        .parse::<KeyType>()
                        .map(KeyType::description)
                        .unwrap_or(plan_key)
                        .to_owned(),
                );
                parts.push(if entry.has_times() {
                    format!("{} to {}", entry.not_before.trim(), entry.not_after.trim())
                } else {
                    format!("{} days", entry.days.trim())
                });
            }
            line.set_text_content(Some(&format!("· {}", parts.join(" · "))));
        }
        Ok(())
    }

    /// Opens entry `at` (and, with `more`, its rarely changed fields).
    fn open(&self, at: usize, more: bool) {
        if let Ok(entry) = by_id::<Element>(&format!("entry-{at}")) {
            let _ = set_attribute(&entry, "open", Some(""));
        }
        if more {
            if let Ok(rare) = by_id::<Element>(&format!("entry-{at}-more")) {
                let _ = set_attribute(&rare, "open", Some(""));
            }
        }
    }

    /// Marks `field` of entry `at` as the one to fix: its words next to it,
    /// `aria-invalid`, its entry opened and the focus on it.
    fn mark(&self, at: usize, field: Field, reason: &str) {
        let id = format!("entry-{at}-{}", field.name());
        let slot_id = format!("{id}-error");
        if let Ok(slot) = by_id::<Element>(&slot_id) {
            slot.set_text_content(Some(reason));
            let _ = set_attribute(&slot, "hidden", None);
        }
        self.open(at, field.is_rare());
        if let Ok(input) = by_id::<HtmlElement>(&id) {
            let _ = set_attribute(&input, "aria-invalid", Some("true"));
            let _ = set_attribute(&input, "aria-describedby", Some(&slot_id));
            let _ = input.focus();
        }
    }

    fn show_error(&self, failure: &Failure) {
        let mut message = failure.to_string();
        let mut status = "Not issued: see the error below";
        if let Failure::Core(Error::Plan {
            entry,
            field,
            reason,
        }) = failure
        {
            let form = self.read();
            let at = form
                .position(entry)
                .or_else(|| form.entries.iter().position(|e| e.base.name == *entry));
            if let Some((at, shown)) = at.and_then(|at| Some((at, form.entries.get(at)?))) {
                // The form's own reading says exactly which box; core's
                // check says which part of the entry.
                let (box_at_fault, reason) = match shown.parse() {
                    Err(error) => (Some(error.field), error.reason),
                    Ok(_) => (Field::at_fault(*field, shown, reason), reason.clone()),
                };
                if let Some(box_at_fault) = box_at_fault {
                    self.mark(at, box_at_fault, &reason);
                    message = format!("{entry}, {}: {reason}", box_at_fault.label());
                    status = "Not issued: fix the marked field";
                }
            }
        }
        self.error.set_text_content(Some(&message));
        let _ = set_attribute(&self.error, "hidden", None);
        let _ = self.app.send(&Event::IssueFailed);
        let _ = set_text("status", status);
        self.issue_button.set_disabled(false);
    }
}
