//! The page: wires the markup of `index.html` (found by id) to [`issue`]:
//! the plan editor (one `#entry-template` clone per entry), the results
//! (one `#card-template` clone per issued entry) and the downloads.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use certplay_core::{Entry, Error, FileKind, KeyType, Plan, Preset, Profile};
use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{
    Element, Event, HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlOptionElement,
    HtmlSelectElement, HtmlTemplateElement, HtmlTextAreaElement,
};

use crate::artifacts::{Artifacts, Shown};
use crate::dom::{by_id, document, on, set_attribute, set_text};
use crate::download::{save, PEM_TYPE};
use crate::editor::{error_slot, EntryForm, PlanForm};
use crate::next_steps::{next_steps, reproduce, Roles};
use crate::error::Failure;
use crate::own_ca::CaFile;
use crate::protocol::{Card, CardField};
use crate::{IssuedSet, KeySource};

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

/// The fields of an entry in the editor, as in `data-field` and the ids
/// `#entry-N-FIELD`.
const ENTRY_FIELDS: [&str; 19] = [
    "name",
    "profile",
    "existing",
    "issuer",
    "key-type",
    "cn",
    "o",
    "ou",
    "c",
    "st",
    "l",
    "sans",
    "days",
    "starts",
    "not-before",
    "not-after",
    "path-len",
    "permitted",
    "excluded",
];

/// The mounted page. Its listeners stay as long as the value does; the
/// binary calls [`Page::keep`] so they stay as long as the document.
#[derive(Debug)]
pub struct Page {
    state: Rc<State>,
    listeners: Vec<EventListener>,
}

impl Page {
    /// Finds the page's elements, shows the blog's plan in the editor,
    /// wires the buttons and enables `#issue`.
    pub fn mount() -> Result<Self, Failure> {
        let (state, artifact_listeners) = State::find()?;
        let state = Rc::new(state);
        fill_options(
            &state.preset,
            Preset::ALL
                .iter()
                .map(|p| (p.name(), format!("{} ({})", p.name(), p.description()))),
        )?;
        fill_options(
            &state.key_type,
            KeyType::ALL
                .iter()
                .map(|k| (k.name(), k.description().to_owned())),
        )?;
        state.load_preset(Preset::Blog)?;

        let mut listeners = artifact_listeners;
        let issuing = Rc::clone(&state);
        listeners.push(on(&state.form, "submit", move |event| {
            // The form only feeds the page; it never goes anywhere.
            event.prevent_default();
            spawn_local(Rc::clone(&issuing).issue_clicked());
        }));
        let editing = Rc::clone(&state);
        listeners.push(on(&state.preset, "change", move |_| {
            let preset = editing.preset.value().parse::<Preset>();
            editing.report(
                preset
                    .map_err(Failure::from)
                    .and_then(|p| editing.load_preset(p)),
            );
        }));
        let editing = Rc::clone(&state);
        listeners.push(on(
            &by_id::<Element>("add-intermediate")?,
            "click",
            move |_| {
                editing.report(editing.add_intermediate());
            },
        ));
        let editing = Rc::clone(&state);
        listeners.push(on(&by_id::<Element>("add-client")?, "click", move |_| {
            let mut form = editing.read();
            form.add_client();
            editing.report(editing.render(&form));
        }));
        let editing = Rc::clone(&state);
        listeners.push(on(&state.entries, "click", move |event| {
            if let Some(at) = target_with(event, "[data-action=remove]")
                .and_then(|button| button.get_attribute("data-index"))
                .and_then(|index| index.parse::<usize>().ok())
            {
                let mut form = editing.read();
                form.remove(at);
                editing.report(editing.render(&form));
            }
        }));
        let editing = Rc::clone(&state);
        listeners.push(on(&state.entries, "change", move |event| {
            // A new name or profile changes titles, issuer lists and which
            // fields apply: render again (renames follow into issuers).
            let structural = target_with(event, "[data-field]")
                .and_then(|field| field.get_attribute("data-field"))
                .is_some_and(|field| matches!(field.as_str(), "name" | "profile" | "existing"));
            if structural {
                let form = editing.read();
                editing.report(editing.render(&form));
            }
            // A file or password of "my own CA": read and check it.
            let own_ca = target_with(event, "[data-tool^=own-ca-]").and_then(|tool| {
                let at = tool
                    .closest("fieldset.entry")
                    .ok()
                    .flatten()?
                    .id()
                    .strip_prefix("entry-")?
                    .parse::<usize>()
                    .ok()?;
                Some((at, tool.get_attribute("data-tool")?))
            });
            if let Some((at, tool)) = own_ca {
                spawn_local(Rc::clone(&editing).own_ca_changed(at, tool));
            }
        }));
        let saving = Rc::clone(&state);
        listeners.push(on(&state.result, "click", move |event| {
            if target_with(event, "#download-zip").is_some() {
                saving.save_zip();
            } else if let Some(name) =
                target_with(event, "button[data-file]").and_then(|b| b.get_attribute("data-file"))
            {
                saving.save_file(&name);
            }
        }));

        state.issue_button.set_disabled(false);
        set_text("status", "Ready")?;
        listeners.extend(crate::inspector::mount()?);
        let issued = Rc::clone(&state);
        listeners.extend(crate::live::mount(
            move || {
                issued
                    .issued
                    .borrow()
                    .as_ref()
                    .map(|set| set.issued.clone())
            },
            state.artifacts.clone(),
        )?);
        Ok(Self { state, listeners })
    }

    /// Keeps the page wired for as long as the document lives.
    pub fn keep(self) {
        for listener in self.listeners {
            listener.forget();
        }
    }

    /// The last set issued, if any.
    pub fn issued(&self) -> Option<IssuedSet> {
        self.state.issued.borrow().clone()
    }

    /// The plan the editor shows now (as [`PlanForm::to_plan`] reads it).
    pub fn plan(&self) -> Result<Plan, Failure> {
        Ok(self.state.read().to_plan()?)
    }
}

/// Mounts the page for good, or says in the page why it could not.
pub fn start() {
    console_error_panic_hook::set_once();
    match Page::mount() {
        Ok(page) => page.keep(),
        Err(failure) => {
            let message = format!("The page could not start: {failure}");
            web_sys::console::error_1(&message.as_str().into());
            if let Ok(error) = by_id::<Element>("error") {
                error.set_text_content(Some(&message));
                let _ = set_attribute(&error, "hidden", None);
            }
        }
    }
}

/// The event's target or its nearest ancestor matching `selector`.
fn target_with(event: &Event, selector: &str) -> Option<Element> {
    event
        .target()?
        .dyn_into::<Element>()
        .ok()?
        .closest(selector)
        .ok()
        .flatten()
}

/// Replaces the options of `select` with `(value, text)` pairs.
pub(crate) fn fill_options<'a>(
    select: &HtmlSelectElement,
    options: impl Iterator<Item = (&'a str, String)>,
) -> Result<(), Failure> {
    select.set_length(0);
    for (value, text) in options {
        let option =
            HtmlOptionElement::new_with_text_and_value(&text, value).map_err(Failure::from_js)?;
        select
            .add_with_html_option_element(&option)
            .map_err(Failure::from_js)?;
    }
    Ok(())
}

/// A clone of the first element of `<template id=id>`.
pub(crate) fn instantiate(id: &str) -> Result<Element, Failure> {
    by_id::<HtmlTemplateElement>(id)?
        .content()
        .first_element_child()
        .ok_or_else(|| Failure::Browser(format!("#{id} is empty")))?
        .clone_node_with_deep(true)
        .map_err(Failure::from_js)?
        .dyn_into::<Element>()
        .map_err(|_| Failure::Browser(format!("#{id} holds no element")))
}

/// The descendants of `root` matching `selector`.
pub(crate) fn select_all(root: &Element, selector: &str) -> Result<Vec<Element>, Failure> {
    let list = root
        .query_selector_all(selector)
        .map_err(Failure::from_js)?;
    Ok((0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<Element>().ok())
        .collect())
}

pub(crate) fn first(root: &Element, selector: &str) -> Result<Element, Failure> {
    root.query_selector(selector)
        .map_err(Failure::from_js)?
        .ok_or_else(|| Failure::Browser(format!("a template has no {selector}")))
}

/// The value of an input, select or textarea.
fn value_of(element: &Element) -> String {
    if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
        if input.type_() == "checkbox" {
            return if input.checked() { "true" } else { "" }.to_owned();
        }
        input.value()
    } else if let Some(select) = element.dyn_ref::<HtmlSelectElement>() {
        select.value()
    } else if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
        area.value()
    } else {
        String::new()
    }
}

fn set_value(element: &Element, value: &str) {
    if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
        if input.type_() == "checkbox" {
            input.set_checked(value == "true");
            return;
        }
        input.set_value(value);
    } else if let Some(select) = element.dyn_ref::<HtmlSelectElement>() {
        select.set_value(value);
    } else if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
        area.set_value(value);
    }
}

/// An entry's field as text, by its `data-field` name.
fn field_text(form: &EntryForm, field: &str) -> String {
    let subject = |at: usize| form.subject.get(at).cloned().unwrap_or_default();
    match field {
        "name" => form.name.clone(),
        "profile" => form.profile.clone(),
        "existing" => if form.existing { "true" } else { "" }.to_owned(),
        "issuer" => form.issuer.clone(),
        "key-type" => form.key_type.clone(),
        "cn" => subject(0),
        "o" => subject(1),
        "ou" => subject(2),
        "c" => subject(3),
        "st" => subject(4),
        "l" => subject(5),
        "sans" => form.sans.clone(),
        "days" => form.days.clone(),
        "starts" => form.starts_in_days.clone(),
        "not-before" => form.not_before.clone(),
        "not-after" => form.not_after.clone(),
        "path-len" => form.path_len.clone(),
        "permitted" => form.permitted.clone(),
        "excluded" => form.excluded.clone(),
        _ => String::new(),
    }
}

fn set_field_text(form: &mut EntryForm, field: &str, text: String) {
    if field == "existing" {
        form.existing = text == "true";
        return;
    }
    let slot = match field {
        "name" => &mut form.name,
        "profile" => &mut form.profile,
        "issuer" => &mut form.issuer,
        "key-type" => &mut form.key_type,
        "sans" => &mut form.sans,
        "days" => &mut form.days,
        "starts" => &mut form.starts_in_days,
        "not-before" => &mut form.not_before,
        "not-after" => &mut form.not_after,
        "path-len" => &mut form.path_len,
        "permitted" => &mut form.permitted,
        "excluded" => &mut form.excluded,
        other => {
            let at = ["cn", "o", "ou", "c", "st", "l"]
                .iter()
                .position(|f| *f == other);
            match at.and_then(|at| form.subject.get_mut(at)) {
                Some(slot) => slot,
                None => return,
            }
        }
    };
    *slot = text;
}

#[derive(Debug)]
struct State {
    form: Element,
    preset: HtmlSelectElement,
    key_type: HtmlSelectElement,
    entries: Element,
    issue_button: HtmlButtonElement,
    result: Element,
    cards: Element,
    error: Element,
    /// The entries as last rendered (with the names shown then): what the
    /// editor does not show is kept from them, and renames are followed.
    shown: RefCell<Vec<Entry>>,
    busy: Cell<bool>,
    issued: Shown,
    artifacts: Artifacts,
}

impl State {
    fn find() -> Result<(Self, Vec<EventListener>), Failure> {
        let issued = Shown::default();
        let (artifacts, listeners) = Artifacts::mount(Rc::clone(&issued))?;
        let state = Self {
            form: by_id("params")?,
            preset: by_id("preset")?,
            key_type: by_id("key-type")?,
            entries: by_id("entries")?,
            issue_button: by_id("issue")?,
            result: by_id("result")?,
            cards: by_id("cards")?,
            error: by_id("error")?,
            shown: RefCell::new(Vec::new()),
            busy: Cell::new(false),
            issued,
            artifacts,
        };
        Ok((state, listeners))
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
            for field in ENTRY_FIELDS {
                if let Ok(element) = by_id::<Element>(&format!("entry-{at}-{field}")) {
                    set_field_text(&mut entry, field, value_of(&element));
                }
            }
            form.entries.push(entry);
        }
        for (base, entry) in shown.iter().zip(form.entries.clone()) {
            form.rename(&base.name, entry.name.trim());
            self.artifacts
                .own_cas()
                .rename(&base.name, entry.name.trim());
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
        self.entries.set_inner_html("");
        let own_ca_slot = form.own_ca_slot();
        for (at, entry) in form.entries.iter().enumerate() {
            let element = instantiate("entry-template")?;
            element.set_id(&format!("entry-{at}"));
            let profile = entry.profile.parse::<Profile>().ok();
            let title = match profile {
                Some(profile) => format!("{}: {}", entry.name, profile.description()),
                None => entry.name.clone(),
            };
            first(&element, "[data-part=title]")?.set_text_content(Some(&title));
            let remove = first(&element, "[data-action=remove]")?;
            remove.set_id(&format!("entry-{at}-remove"));
            set_attribute(&remove, "data-index", Some(&at.to_string()))?;
            set_attribute(
                &remove,
                "aria-label",
                Some(&format!("Remove {}", entry.name)),
            )?;
            for field in select_all(&element, "[data-field]")? {
                let name = field.get_attribute("data-field").unwrap_or_default();
                field.set_id(&format!("entry-{at}-{name}"));
                if let Some(select) = field.dyn_ref::<HtmlSelectElement>() {
                    self.fill_entry_select(select, &name, form, at)?;
                }
                set_value(&field, &field_text(entry, &name));
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
            // "My own CA" only where the command line has it: the first root.
            let own_ca_here = own_ca_slot == Some(at);
            let existing = own_ca_here && entry.existing;
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
            if existing {
                let pick = self
                    .artifacts
                    .own_cas()
                    .pick(entry.name.trim())
                    .unwrap_or_default();
                show_own_ca(&element, &pick.said())?;
            }
            self.entries
                .append_child(&element)
                .map_err(Failure::from_js)?;
        }
        self.artifacts
            .offer_entries(form.entries.iter().map(|e| e.name.trim()))?;
        *self.shown.borrow_mut() = form
            .entries
            .iter()
            .map(|e| Entry {
                name: e.name.trim().to_owned(),
                ..e.base.clone()
            })
            .collect();
        if let Some(id) = focused {
            if let Ok(element) = by_id::<HtmlElement>(&id) {
                let _ = element.focus();
            }
        }
        Ok(())
    }

    fn fill_entry_select(
        &self,
        select: &HtmlSelectElement,
        field: &str,
        form: &PlanForm,
        at: usize,
    ) -> Result<(), Failure> {
        match field {
            "profile" => fill_options(
                select,
                Profile::ALL
                    .iter()
                    .map(|p| (p.name(), p.description().to_owned())),
            ),
            "key-type" => fill_options(
                select,
                std::iter::once(("", "the plan's key type".to_owned())).chain(
                    KeyType::ALL
                        .iter()
                        .map(|k| (k.name(), k.description().to_owned())),
                ),
            ),
            "issuer" => {
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

    /// A file or the password of "my own CA" in entry `at` changed: keep
    /// the file, then read and check both in the tools worker, and say
    /// what came of it under the files.
    async fn own_ca_changed(self: Rc<Self>, at: usize, tool: String) {
        let outcome = async {
            let name = self
                .read()
                .entries
                .get(at)
                .map(|e| e.name.trim().to_owned())
                .ok_or_else(|| Failure::Browser(format!("the editor has no entry {at}")))?;
            let which = match tool.as_str() {
                "own-ca-cert" => Some(CaFile::Certificate),
                "own-ca-key" => Some(CaFile::Key),
                _ => None,
            };
            let own_cas = self.artifacts.own_cas();
            if let Some(which) = which {
                let input = by_id::<HtmlInputElement>(&format!("entry-{at}-{tool}"))?;
                if let Some(file) = input.files().and_then(|files| files.get(0)) {
                    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
                        .await
                        .map_err(Failure::from_js)?;
                    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                    own_cas.keep_file(&name, which, file.name(), bytes);
                }
            }
            let password =
                by_id::<HtmlInputElement>(&format!("entry-{at}-own-ca-password"))?.value();
            // Say that something happens: a password's key derivation takes
            // a moment.
            if let Ok(element) = by_id::<Element>(&format!("entry-{at}")) {
                let mut pick = own_cas.pick(&name).unwrap_or_default();
                pick.outcome = None;
                show_own_ca(&element, &pick.said())?;
            }
            own_cas.load(&name, &password).await
        }
        .await;
        let said = outcome.map_or_else(|failure| Err(failure.to_string()), |pick| pick.said());
        if let Ok(element) = by_id::<Element>(&format!("entry-{at}")) {
            self.report(show_own_ca(&element, &said));
        }
    }

    fn clear_errors(&self) -> Result<(), Failure> {
        for slot in select_all(&self.entries, "[data-error]")? {
            slot.set_text_content(None);
            set_attribute(&slot, "hidden", Some(""))?;
        }
        for field in select_all(&self.entries, "[aria-invalid]")? {
            set_attribute(&field, "aria-invalid", None)?;
        }
        set_attribute(&self.error, "hidden", Some(""))?;
        self.error.set_text_content(None);
        Ok(())
    }

    async fn issue_clicked(self: Rc<Self>) {
        if self.busy.replace(true) {
            return;
        }
        // The tools worker reads the certificates back: start loading it
        // now, so that it is ready when the keys are made.
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

    /// [`crate::issue`] with the progress of WebCrypto's keys in `#status`,
    /// then the certificates read back by the tools worker.
    async fn issue(&self, plan: Plan) -> Result<(IssuedSet, ReadBack), Failure> {
        let source = KeySource::for_plan(&plan);
        let total = plan.keys_needed().len();
        if source == KeySource::WebCrypto {
            let _ = set_text(
                "status",
                &format!("Issuing… the browser's WebCrypto makes {total} keys (RSA-4096 takes seconds; the page stays usable)"),
            );
        }
        let progress = move |done: usize| {
            let _ = set_text(
                "status",
                &format!("Issuing… WebCrypto: {done} of {total} keys made"),
            );
        };
        let own = self.artifacts.own_keys()?;
        let existing = self.artifacts.own_cas().for_plan(&plan)?;
        let mut set = crate::issue_with_progress(plan, source, progress, own, existing).await?;
        // The tools worker keeps the set (its card tools name it by a
        // handle) and reads the certificates back. A worker that cannot
        // start leaves the files usable: each card says why it shows nothing.
        let read_back = match set.kept.clone() {
            Some((_, cards)) => cards,
            None => match crate::tools::keep(&set.issued).await {
                Ok(kept) => {
                    let cards = kept.1.clone();
                    set.kept = Some(kept);
                    cards
                }
                Err(failure) => vec![Err(failure.to_string())],
            },
        };
        Ok((set, read_back))
    }

    /// The busy state: button off, "Issuing…", `aria-busy`, old results gone.
    fn begin(&self) -> Result<(), Failure> {
        self.issue_button.set_disabled(true);
        set_attribute(&self.form, "aria-busy", Some("true"))?;
        set_attribute(&self.result, "aria-busy", Some("true"))?;
        set_attribute(&self.result, "data-state", Some("busy"))?;
        set_attribute(&self.result, "hidden", Some(""))?;
        self.clear_errors()?;
        set_text("status", "Issuing…")
    }

    fn end(&self, outcome: Result<(IssuedSet, ReadBack), Failure>) -> Result<(), Failure> {
        self.issue_button.set_disabled(false);
        set_attribute(&self.form, "aria-busy", None)?;
        set_attribute(&self.result, "aria-busy", None)?;
        match outcome {
            Ok((set, read_back)) => self.show(set, &read_back),
            Err(failure) => {
                self.show_error(&failure);
                Ok(())
            }
        }
    }

    fn show(&self, set: IssuedSet, read_back: &ReadBack) -> Result<(), Failure> {
        let files = set.issued.files()?;
        self.cards.set_inner_html("");
        self.artifacts.reset(&set)?;
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
            Artifacts::fill_card(
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
        }
        if let Some(plan_file) = files.iter().find(|f| f.kind == FileKind::Plan) {
            set_text(
                &format!("purpose-{}", file_id(&plan_file.name)),
                plan_file.purpose(),
            )?;
        }
        let (key_file, encrypted) = self.artifacts.own_cas().key_file(&set.issued.plan);
        set_text(
            "reproduce",
            &reproduce(&set.issued.plan, key_file.as_deref(), encrypted),
        )?;
        let steps = next_steps(&Roles::of(&set.issued));
        set_text("next-serve", &steps.serve)?;
        set_text("next-curl", &steps.curl)?;
        set_text("next-curl-no-cert", &steps.curl_without_certificate)?;
        set_text(
            "status",
            &format!(
                "Issued: {}, in {} ms",
                set.key_type.description(),
                crate::issue::whole_ms(set.millis)
            ),
        )?;
        crate::check::issued_changed(&set.issued)?;
        *self.issued.borrow_mut() = Some(set);
        set_attribute(&self.result, "hidden", None)?;
        set_attribute(&self.result, "data-state", Some("done"))
    }

    /// Says what failed: in `#error`, and for a plan's field also next to
    /// that field (its reason, and the field marked invalid).
    fn show_error(&self, failure: &Failure) {
        self.error.set_text_content(Some(&failure.to_string()));
        let _ = set_attribute(&self.error, "hidden", None);
        let _ = set_attribute(&self.result, "data-state", Some("error"));
        let _ = set_text("status", "Not issued: see the error below");
        if let Failure::Core(Error::Plan {
            entry,
            field,
            reason,
        }) = failure
        {
            let at = self.read().position(entry);
            if let (Some(at), Some(slot)) = (at, error_slot(*field)) {
                if let Ok(element) = by_id::<Element>(&format!("entry-{at}-{slot}-error")) {
                    element.set_text_content(Some(reason));
                    let _ = set_attribute(&element, "hidden", None);
                    if let Some(input) = element
                        .parent_element()
                        .and_then(|parent| parent.query_selector("[data-field]").ok().flatten())
                    {
                        let _ = set_attribute(&input, "aria-invalid", Some("true"));
                    }
                }
            }
        }
        self.issue_button.set_disabled(false);
    }

    fn save_file(&self, name: &str) {
        let saved = match &*self.issued.borrow() {
            Some(set) => set.issued.files().map_err(Failure::from).and_then(|files| {
                files
                    .iter()
                    .find(|file| file.name == name)
                    .map_or(Ok(()), |file| {
                        save(&file.name, file.contents.as_bytes(), PEM_TYPE)
                    })
            }),
            None => Ok(()),
        };
        if let Err(failure) = saved {
            self.show_error(&failure);
        }
    }

    fn save_zip(&self) {
        // The tools worker writes the zip (with the DER files, CRLs and
        // PKCS#12 files on request): the zip code stays out of the page.
        wasm_bindgen_futures::spawn_local(self.artifacts.clone().save_zip());
    }
}

/// Shows what came of "my own CA" in an entry's element: the CA as loaded
/// (and its warnings) under the files, or core's reason in its error slot.
fn show_own_ca(entry: &Element, said: &Result<String, String>) -> Result<(), Failure> {
    let status = first(entry, "[data-part=own-ca-status]")?;
    let error = first(entry, "[data-error=existing]")?;
    match said {
        Ok(text) => {
            status.set_text_content(Some(text));
            error.set_text_content(None);
            set_attribute(&error, "hidden", Some(""))
        }
        Err(reason) => {
            status.set_text_content(None);
            error.set_text_content(Some(reason));
            set_attribute(&error, "hidden", None)
        }
    }
}

/// What the tools worker read from each certificate, in plan order: its
/// card's fields, or why it could not.
type ReadBack = Vec<Card>;

/// Fills a card's `[data-field]` elements (ids `#{prefix}-FIELD`) with what
/// the certificate says (as the tools worker read it back).
pub(crate) fn show_certificate(
    card: &Element,
    prefix: &str,
    fields: &[(CardField, String)],
) -> Result<(), Failure> {
    for element in select_all(card, "[data-field]")? {
        let field = element.get_attribute("data-field").unwrap_or_default();
        element.set_id(&format!("{prefix}-{field}"));
        let text = fields.iter().find(|(f, _)| f.name() == field).map(|(_, t)| t);
        element.set_text_content(text.map(String::as_str));
    }
    Ok(())
}

/// The id part of a file name: `ca.key` → `ca-key` (`#download-ca-key`).
pub fn file_id(name: &str) -> String {
    name.replace('.', "-")
}
