//! The inspector: paste, drop or pick any PEM or DER (certificates, chains,
//! CSRs, keys, CRLs, PKCS#12 files) and read it the way `openssl x509
//! -text` shows it, and field by field with its lints beside it. A PKCS#12
//! file that needs its password gets a password field; opened, it shows
//! its key (type, size, public key SHA-256, which certificate it belongs
//! to; never the secret) and its certificates. Everything is read by
//! certplay-core in the tools worker, inside the page; nothing is
//! uploaded (the reading itself: [`crate::worker::inspect`]). What it read
//! goes to the chain check below it as [`Event::Read`]. Pasted `openssl
//! s_client -showcerts` output also says what that server asks of client
//! certificates and whether the issued clients would be accepted.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlInputElement, HtmlTextAreaElement};

use super::{AppRef, Event, Panel, State};
use crate::dom::{by_id, dropped_file, file_bytes, on, set_text};
use crate::error::Failure;
use crate::protocol::{Reply, Request, View};

/// The inspector panel.
#[derive(Debug)]
pub struct Inspector {
    app: AppRef,
    /// The issued set, whose clients are tried against pasted s_client
    /// output.
    state: State,
    /// The input last read (name, bytes): a PKCS#12 password opens it
    /// without reading the file again. It stays in this page.
    last: RefCell<Option<(String, Vec<u8>)>>,
}

impl Inspector {
    /// Wires `#inspector`: the Inspect button reads the text area, a picked
    /// or dropped file is read as it is (PEM or DER), Open (or Enter in
    /// the password field) opens a PKCS#12 file.
    pub fn mount(
        app: AppRef,
        state: &State,
    ) -> Result<(Rc<dyn Panel>, Vec<EventListener>), Failure> {
        let panel = Rc::new(Self {
            app,
            state: state.clone(),
            last: RefCell::new(None),
        });
        let input = by_id::<HtmlTextAreaElement>("inspect-input")?;
        let mut listeners = Vec::new();
        let (pasted, reading) = (input.clone(), Rc::clone(&panel));
        listeners.push(on(&by_id::<Element>("inspect-run")?, "click", move |_| {
            let text = pasted.value();
            let reading = Rc::clone(&reading);
            spawn_local(async move {
                report(reading.show("pasted text", text.as_bytes(), None).await);
            });
        }));
        let picker = by_id::<HtmlInputElement>("inspect-file")?;
        let (picked, reading) = (picker.clone(), Rc::clone(&panel));
        listeners.push(on(&picker, "change", move |_| {
            if let Some(file) = picked.files().and_then(|files| files.get(0)) {
                spawn_local(Rc::clone(&reading).show_file(file));
            }
        }));
        let opening = Rc::clone(&panel);
        listeners.push(on(&by_id::<Element>("inspect-open")?, "click", move |_| {
            spawn_local(Rc::clone(&opening).unlock());
        }));
        // Enter in the password field opens the file too.
        let opening = Rc::clone(&panel);
        listeners.push(on(
            &by_id::<HtmlInputElement>("inspect-password")?,
            "keydown",
            move |event| {
                let key = js_sys::Reflect::get(event, &"key".into()).ok();
                if key.and_then(|k| k.as_string()).as_deref() == Some("Enter") {
                    spawn_local(Rc::clone(&opening).unlock());
                }
            },
        ));
        listeners.push(on(&input, "dragover", |event| event.prevent_default()));
        let reading = Rc::clone(&panel);
        listeners.push(on(&input, "drop", move |event| {
            event.prevent_default();
            if let Some(file) = dropped_file(event) {
                spawn_local(Rc::clone(&reading).show_file(file));
            }
        }));
        // The panel answers events as an `Rc`, to start reading from them.
        Ok((Rc::new(panel), listeners))
    }

    async fn show(&self, name: &str, bytes: &[u8], password: Option<&str>) -> Result<(), Failure> {
        *self.last.borrow_mut() = Some((name.to_owned(), bytes.to_vec()));
        set_text("inspect-status", "reading…")?;
        let request = Request::Inspect {
            name: name.to_owned(),
            bytes: bytes.to_vec(),
            now: time::OffsetDateTime::now_utc().unix_timestamp(),
            password: password.map(str::to_owned),
            set: self.state.issued().map(|set| set.handle),
        };
        let inspection = match crate::tools::call(request).await? {
            Reply::Inspected(inspection) => inspection,
            other => return Err(crate::tools::unexpected(&other)),
        };
        set_text("inspect-status", &inspection.summary)?;
        set_text("inspect-output", &inspection.text)?;
        set_text(
            "inspect-server",
            inspection.server.as_deref().unwrap_or_default(),
        )?;
        by_id::<Element>("inspect-server")?
            .toggle_attribute_with_force("hidden", inspection.server.is_none())
            .map_err(Failure::from_js)?;
        let lints: Vec<String> = inspection
            .lints
            .iter()
            .map(|(subject, l)| {
                format!(
                    "{} {} ({subject}): {} [{}] fix: {}",
                    l.severity, l.id, l.message, l.rule, l.fix
                )
            })
            .collect();
        set_text("inspect-lints", &lints.join("\n"))?;
        by_id::<Element>("inspect-lints")?
            .toggle_attribute_with_force("hidden", inspection.lints.is_empty())
            .map_err(Failure::from_js)?;
        show_views(&inspection.views)?;
        self.app.send(&Event::Read {
            certificates: inspection.certificates,
            crls: inspection.crls,
        })?;
        // A closed PKCS#12 file: ask for its password (again, when it was wrong).
        by_id::<Element>("inspect-p12")?
            .toggle_attribute_with_force("hidden", inspection.locked.is_none())
            .map_err(Failure::from_js)?;
        if inspection.locked.is_none() {
            by_id::<HtmlInputElement>("inspect-password")?.set_value("");
        }
        Ok(())
    }

    /// Opens the input last read with the typed PKCS#12 password.
    async fn unlock(self: Rc<Self>) {
        let outcome = async {
            let password = by_id::<HtmlInputElement>("inspect-password")?.value();
            let Some((name, bytes)) = self.last.borrow().clone() else {
                return Err(Failure::Browser(
                    "nothing to open: paste, drop or pick a PKCS#12 file first".to_owned(),
                ));
            };
            self.show(&name, &bytes, Some(&password)).await
        }
        .await;
        report(outcome);
    }

    /// Opens `text` (named `name`) in the inspector: into its text area,
    /// read, and scrolled into view (a card's Inspect button).
    async fn open(self: Rc<Self>, name: String, text: String) {
        let outcome = async {
            by_id::<HtmlTextAreaElement>("inspect-input")?.set_value(&text);
            by_id::<Element>("inspector")?.scroll_into_view();
            self.show(&name, text.as_bytes(), None).await
        }
        .await;
        report(outcome);
    }

    async fn show_file(self: Rc<Self>, file: web_sys::File) {
        let outcome = async {
            let bytes = file_bytes(&file).await?;
            self.show(&file.name(), &bytes, None).await
        }
        .await;
        report(outcome);
    }
}

impl Panel for Rc<Inspector> {
    fn on(&self, event: &Event) -> Result<(), Failure> {
        if let Event::Inspect { name, text } = event {
            spawn_local(Rc::clone(self).open(name.clone(), text.clone()));
        }
        Ok(())
    }
}

/// The structured view: a card per thing read, a definition list of its
/// fields and its lints beside it (as text, never as HTML).
fn show_views(views: &[View]) -> Result<(), Failure> {
    let document = crate::dom::document()?;
    // A new `tag` element with `class` and `text`, appended to `parent`.
    let add = |parent: &Element,
               tag: &str,
               class: Option<&str>,
               text: Option<&str>|
     -> Result<Element, Failure> {
        let element = document.create_element(tag).map_err(Failure::from_js)?;
        if let Some(class) = class {
            element.set_class_name(class);
        }
        element.set_text_content(text);
        parent.append_child(&element).map_err(Failure::from_js)?;
        Ok(element)
    };
    let container = by_id::<Element>("inspect-structured")?;
    container.set_text_content(None);
    for view in views {
        let card = add(&container, "article", Some("view"), None)?;
        add(&card, "h3", None, Some(&view.title))?;
        let fields = add(&card, "dl", None, None)?;
        for (name, value) in &view.fields {
            add(&fields, "dt", None, Some(name))?;
            add(&fields, "dd", None, Some(value))?;
        }
        let lints = add(&card, "ul", Some("lints"), None)?;
        if view.lints.is_empty() {
            add(&lints, "li", Some("clean"), Some("no lints"))?;
        }
        for lint in &view.lints {
            add(&lints, "li", None, Some(&lint.to_string()))?
                .set_attribute("data-lint", lint.id.name())
                .map_err(Failure::from_js)?;
        }
    }
    Ok(())
}

fn report(result: Result<(), Failure>) {
    if let Err(failure) = result {
        let _ = set_text("inspect-status", &failure.to_string());
    }
}
