//! The page: wires the markup of `index.html` (found by id) to [`issue`],
//! shows what came out, and offers the files.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use certplay_core::{CertInfo, KeyType, Plan};
use gloo_events::EventListener;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlButtonElement, HtmlInputElement, HtmlOptionElement, HtmlSelectElement};

use crate::dom::{by_id, on, set_attribute, set_text};
use crate::download::{save, PEM_TYPE, ZIP_TYPE};
use crate::form::FormValues;
use crate::next_steps::next_steps;
use crate::{issue, Failure, IssuedSet, KeySource};

/// The name of the zip with all files.
pub const ZIP_NAME: &str = "certplay-pki.zip";

/// The files the page offers one by one: the blog's set and the plan.
pub const BLOG_FILE_NAMES: [&str; 7] = [
    "ca.crt",
    "ca.key",
    "server.crt",
    "server.key",
    "client.crt",
    "client.key",
    "certplay-plan.toml",
];

/// The mounted page. Its listeners stay as long as the value does; the
/// binary calls [`Page::keep`] so they stay as long as the document.
#[derive(Debug)]
pub struct Page {
    state: Rc<State>,
    listeners: Vec<EventListener>,
}

impl Page {
    /// Finds the page's elements, fills the form with the blog's defaults
    /// (`Plan::default()`), wires the buttons and enables `#issue`.
    pub fn mount() -> Result<Self, Failure> {
        let state = Rc::new(State::find()?);
        state
            .fields
            .fill(&FormValues::from_plan(&Plan::default()))?;

        let mut listeners = Vec::new();
        let issuing = Rc::clone(&state);
        listeners.push(on(&by_id::<Element>("params")?, "submit", move |event| {
            // The form only feeds the page; it never goes anywhere.
            event.prevent_default();
            spawn_local(Rc::clone(&issuing).issue_clicked());
        }));
        for name in BLOG_FILE_NAMES {
            let saving = Rc::clone(&state);
            let button = by_id::<Element>(&format!("download-{}", file_id(name)))?;
            listeners.push(on(&button, "click", move |_| saving.save_file(name)));
        }
        let saving = Rc::clone(&state);
        listeners.push(on(&by_id::<Element>("download-zip")?, "click", move |_| {
            saving.save_zip();
        }));

        state.issue_button.set_disabled(false);
        set_text("status", "Ready")?;
        listeners.extend(crate::inspector::mount()?);
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

/// The form's inputs.
#[derive(Debug)]
struct Fields {
    ca_common_name: HtmlInputElement,
    server_common_name: HtmlInputElement,
    server_names: HtmlInputElement,
    client_common_name: HtmlInputElement,
    key_type: HtmlSelectElement,
    validity_days: HtmlInputElement,
}

impl Fields {
    fn find() -> Result<Self, Failure> {
        Ok(Self {
            ca_common_name: by_id("ca-cn")?,
            server_common_name: by_id("server-cn")?,
            server_names: by_id("server-names")?,
            client_common_name: by_id("client-cn")?,
            key_type: by_id("key-type")?,
            validity_days: by_id("validity-days")?,
        })
    }

    /// Shows `values`; the key type's options come from [`KeyType::ALL`].
    fn fill(&self, values: &FormValues) -> Result<(), Failure> {
        self.ca_common_name.set_value(&values.ca_common_name);
        self.server_common_name
            .set_value(&values.server_common_name);
        self.server_names.set_value(&values.server_names);
        self.client_common_name
            .set_value(&values.client_common_name);
        self.key_type.set_length(0);
        for key_type in KeyType::ALL {
            let option =
                HtmlOptionElement::new_with_text_and_value(key_type.description(), key_type.name())
                    .map_err(Failure::from_js)?;
            self.key_type
                .add_with_html_option_element(&option)
                .map_err(Failure::from_js)?;
        }
        self.key_type.set_value(&values.key_type);
        self.validity_days.set_value(&values.validity_days);
        Ok(())
    }

    fn read(&self) -> FormValues {
        FormValues {
            ca_common_name: self.ca_common_name.value(),
            server_common_name: self.server_common_name.value(),
            server_names: self.server_names.value(),
            client_common_name: self.client_common_name.value(),
            key_type: self.key_type.value(),
            validity_days: self.validity_days.value(),
        }
    }
}

#[derive(Debug)]
struct State {
    fields: Fields,
    form: Element,
    issue_button: HtmlButtonElement,
    result: Element,
    error: Element,
    busy: Cell<bool>,
    issued: RefCell<Option<IssuedSet>>,
}

impl State {
    fn find() -> Result<Self, Failure> {
        Ok(Self {
            fields: Fields::find()?,
            form: by_id("params")?,
            issue_button: by_id("issue")?,
            result: by_id("result")?,
            error: by_id("error")?,
            busy: Cell::new(false),
            issued: RefCell::new(None),
        })
    }

    async fn issue_clicked(self: Rc<Self>) {
        if self.busy.replace(true) {
            return;
        }
        let shown = match self.begin() {
            Ok(()) => {
                let outcome = match self.fields.read().to_plan() {
                    Ok(params) => issue(&params).await,
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

    /// The busy state: button off, "Issuing…", `aria-busy`, old results gone.
    fn begin(&self) -> Result<(), Failure> {
        self.issue_button.set_disabled(true);
        set_attribute(&self.form, "aria-busy", Some("true"))?;
        set_attribute(&self.result, "aria-busy", Some("true"))?;
        set_attribute(&self.result, "data-state", Some("busy"))?;
        set_attribute(&self.result, "hidden", Some(""))?;
        set_attribute(&self.error, "hidden", Some(""))?;
        self.error.set_text_content(None);
        let key_type = self.fields.read().key_type.parse::<KeyType>().ok();
        let status = match key_type.map(KeySource::for_key_type) {
            Some(KeySource::WebCrypto) => "Issuing… (the browser's WebCrypto makes the keys)",
            _ => "Issuing…",
        };
        set_text("status", status)
    }

    fn end(&self, outcome: Result<IssuedSet, Failure>) -> Result<(), Failure> {
        self.issue_button.set_disabled(false);
        set_attribute(&self.form, "aria-busy", None)?;
        set_attribute(&self.result, "aria-busy", None)?;
        match outcome {
            Ok(set) => self.show(set),
            Err(failure) => {
                self.show_error(&failure);
                Ok(())
            }
        }
    }

    fn show(&self, set: IssuedSet) -> Result<(), Failure> {
        for name in ["ca", "server", "client"] {
            if let Some(info) = set.info(name) {
                show_certificate(name, info)?;
            }
        }
        for file in set.issued.files()? {
            let id = file_id(&file.name);
            set_text(&format!("purpose-{id}"), file.purpose())?;
            set_text(
                &format!("badge-{id}"),
                if file.private() { "private key" } else { "" },
            )?;
            set_attribute(
                &by_id::<Element>(&format!("file-{id}"))?,
                "data-private",
                Some(if file.private() { "true" } else { "false" }),
            )?;
        }
        let server_names: Vec<String> = set
            .info("server")
            .map(|server| server.subject_alt_names.clone())
            .unwrap_or_default()
            .iter()
            .map(|name| {
                name.split_once(':')
                    .map_or(name.as_str(), |(_, value)| value)
                    .to_owned()
            })
            .collect();
        let steps = next_steps(&server_names);
        set_text("next-serve", &steps.serve)?;
        set_text("next-curl", &steps.curl)?;
        set_text("next-curl-no-cert", &steps.curl_without_certificate)?;
        set_text(
            "status",
            &format!(
                "Issued: {}, in {:.0} ms",
                set.key_type.description(),
                set.millis
            ),
        )?;
        *self.issued.borrow_mut() = Some(set);
        set_attribute(&self.result, "hidden", None)?;
        set_attribute(&self.result, "data-state", Some("done"))
    }

    fn show_error(&self, failure: &Failure) {
        self.error.set_text_content(Some(&failure.to_string()));
        let _ = set_attribute(&self.error, "hidden", None);
        let _ = set_attribute(&self.result, "data-state", Some("error"));
        let _ = set_text("status", "Not issued: see the error below");
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
        let saved = match &*self.issued.borrow() {
            Some(set) => set
                .issued
                .to_zip()
                .map_err(Failure::from)
                .and_then(|zip| save(ZIP_NAME, &zip, ZIP_TYPE)),
            None => Ok(()),
        };
        if let Err(failure) = saved {
            self.show_error(&failure);
        }
    }
}

/// Fills the card `#{prefix}-...` with what the certificate says.
fn show_certificate(prefix: &str, info: &CertInfo) -> Result<(), Failure> {
    let list = |items: &[String]| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    let basic_constraints = match info.is_ca {
        Some(true) => "CA:TRUE",
        Some(false) => "CA:FALSE",
        None => "absent",
    };
    let issuer = if info.self_issued() {
        format!("{} (self-signed)", info.issuer)
    } else {
        info.issuer.clone()
    };
    let fields = [
        ("subject", info.subject.clone()),
        ("issuer", issuer),
        ("serial", info.serial.clone()),
        ("not-before", info.not_before_text()),
        ("not-after", info.not_after_text()),
        ("sans", list(&info.subject_alt_names)),
        ("eku", list(&info.extended_key_usage)),
        ("key-usage", list(&info.key_usage)),
        ("basic-constraints", basic_constraints.to_owned()),
        ("key-type", info.public_key.clone()),
        ("signature", info.signature_algorithm.clone()),
        ("version", format!("v{}", info.version)),
        ("sha256", info.sha256_fingerprint.clone()),
    ];
    for (field, text) in fields {
        set_text(&format!("{prefix}-{field}"), &text)?;
    }
    Ok(())
}

/// The id part of a file name: `ca.key` → `ca-key` (`#download-ca-key`).
pub fn file_id(name: &str) -> String {
    name.replace('.', "-")
}
