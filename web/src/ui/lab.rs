//! The handshake lab panel (`#lab`): for the issued set, one real mTLS
//! handshake in memory at a chosen time and TLS version, shown message by
//! message, with the verdict in the words `certplay serve` logs, and the
//! transcript (text, JSON) and the client's key log to download.
//!
//! The handshake runs in the lab module (`certplay-lab`, its own wasm with
//! core's `lab` feature), a Web Worker started when `#lab-open` is first
//! opened: the issuing page never loads it before, and its thread never
//! runs a handshake.

use std::cell::RefCell;
use std::net::{Ipv4Addr, SocketAddr};
use std::rc::Rc;

use certplay_core::commands::Target;
use certplay_core::lab::TlsVersions;
use certplay_core::IssuedPlan;
use gloo_events::EventListener;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlDetailsElement, HtmlInputElement, HtmlSelectElement};

use super::{Event, Panel, State};
use crate::dom::{by_id, document, on, set_attribute, set_text};
use crate::error::Failure;
use crate::link::{self, Link, Port};
use crate::next_steps::Roles;
use crate::protocol::lab::{ClientFiles, LabReply, LabRequest, ServerFiles, Setup, Shown};

/// The lab module's loader script, written by trunk (`data-loader-shim`)
/// next to index.html.
pub const LOADER: &str = "./certplay-lab_loader.js";

thread_local! {
    static LINK: RefCell<Option<Rc<RefCell<Link>>>> = const { RefCell::new(None) };
}

/// The lab module's link, started on first use.
fn lab() -> Result<Rc<RefCell<Link>>, Failure> {
    if let Some(link) = LINK.with(|l| l.borrow().clone()) {
        return Ok(link);
    }
    let link = Link::start("the lab module", LOADER)?;
    LINK.with(|l| *l.borrow_mut() = Some(link.clone()));
    Ok(link)
}

/// Whether the lab module was started (the issuing page never starts it).
pub fn started() -> bool {
    LINK.with(|l| l.borrow().is_some())
}

/// Talks to a lab module over `port` instead of starting its wasm (the wasm
/// tests, whose harness serves no worker, run its code on this thread).
pub fn use_port(port: Port) {
    let link = Link::over("the lab module", port);
    LINK.with(|l| *l.borrow_mut() = Some(link));
}

/// Runs `request` in the lab module (starting it the first time).
pub async fn call(request: LabRequest) -> Result<Shown, Failure> {
    match link::call(&lab()?, request, None).await? {
        LabReply::Ran(shown) => Ok(*shown),
        LabReply::Failed(reason) => Err(Failure::Browser(reason)),
    }
}

/// The handshake of `set` as `certplay serve` and curl run it with the
/// files the page offers: the server's chain file and key, the root CA for
/// both, the first client's chain and key, the host curl's URL names.
pub fn setup(set: &IssuedPlan, versions: TlsVersions, at: i64) -> Result<Setup, Failure> {
    let roles = Roles::of(set);
    let files = set.files().map_err(|e| Failure::Browser(e.to_string()))?;
    let file = |name: &str| {
        files
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.contents.clone())
            .ok_or_else(|| Failure::Browser(format!("the set has no {name}")))
    };
    let (cert, key) = roles.server.as_ref().ok_or_else(|| {
        Failure::Browser(
            "this plan has no server certificate: add an entry with the server profile".into(),
        )
    })?;
    let identity = match roles.clients.first() {
        Some((cert, key)) => Some((file(cert)?, file(key)?)),
        None => None,
    };
    let ca = file(&roles.ca)?;
    let host = Target::new(
        &roles.server_names,
        SocketAddr::from((Ipv4Addr::LOCALHOST, crate::next_steps::PORT)),
    )
    .host;
    Ok(Setup {
        server: ServerFiles {
            ca: ca.clone(),
            cert: file(cert)?,
            key: file(key)?,
            crls: Vec::new(),
            tls13_only: false,
        },
        client: ClientFiles {
            cacert: ca,
            identity,
            host,
        },
        versions,
        at,
    })
}

/// The lab panel: the last handshake, for its exports.
#[derive(Debug)]
pub struct Lab {
    state: State,
    last: RefCell<Option<Shown>>,
}

impl Panel for Lab {
    fn on(&self, event: &Event) -> Result<(), Failure> {
        match event {
            Event::IssueStarted | Event::Issued(_) => self.clear(),
            _ => Ok(()),
        }
    }
}

impl Lab {
    /// A new set: the old handshake goes.
    fn clear(&self) -> Result<(), Failure> {
        *self.last.borrow_mut() = None;
        set_attribute(&by_id::<Element>("lab-result")?, "hidden", Some(""))?;
        set_text("lab-status", "")?;
        show_error(None)
    }

    async fn run(&self) -> Result<(), Failure> {
        let set = self.state.set()?;
        let versions = versions(&by_id::<HtmlSelectElement>("lab-tls")?.value());
        let setup = setup(&set.issued, versions, at()?)?;
        show_error(None)?;
        set_text("lab-status", "Running the handshake…")?;
        let shown = call(LabRequest::Handshake(setup)).await?;
        show(&shown)?;
        set_text(
            "lab-status",
            &format!(
                "Done in {} ms (in the lab module).",
                crate::clock::whole_ms(ms(shown.micros))
            ),
        )?;
        *self.last.borrow_mut() = Some(shown);
        Ok(())
    }

    fn export(&self, what: Export) -> Result<(), Failure> {
        let last = self.last.borrow();
        let shown = last
            .as_ref()
            .ok_or_else(|| Failure::Browser("run the handshake first".into()))?;
        let (name, text, mime) = match what {
            Export::Text => ("lab-transcript.txt", &shown.text, "text/plain"),
            Export::Json => ("lab-transcript.json", &shown.json, "application/json"),
            Export::KeyLog => ("lab-keylog.txt", &shown.keylog, "text/plain"),
        };
        crate::download::save(name, text.as_bytes(), mime)
    }

    /// Wires the lab's controls.
    pub fn mount(state: &State) -> Result<(Rc<dyn Panel>, Vec<EventListener>), Failure> {
        let panel = Rc::new(Self {
            state: state.clone(),
            last: RefCell::default(),
        });
        let mut listeners = Vec::new();
        let details = by_id::<HtmlDetailsElement>("lab-open")?;
        let opened = details.clone();
        listeners.push(on(&details, "toggle", move |_| {
            if opened.open() {
                // Loading starts now, so that Run finds it ready.
                if let Err(failure) = lab() {
                    let _ = show_error(Some(&failure.to_string()));
                }
            }
        }));
        let clock = by_id::<HtmlSelectElement>("lab-clock")?;
        let chosen = clock.clone();
        listeners.push(on(&clock, "change", move |_| {
            let value = chosen.value();
            for (row, shown) in [("lab-at-row", "at"), ("lab-days-row", "in-days")] {
                if let Ok(row) = by_id::<Element>(row) {
                    let _ = row.toggle_attribute_with_force("hidden", value != shown);
                }
            }
        }));
        let running = Rc::clone(&panel);
        listeners.push(on(&by_id::<Element>("lab-run")?, "click", move |_| {
            let running = Rc::clone(&running);
            spawn_local(async move {
                if let Err(failure) = running.run().await {
                    let _ = set_text("lab-status", "");
                    let _ = show_error(Some(&failure.to_string()));
                }
            });
        }));
        for (id, what) in [
            ("lab-export-text", Export::Text),
            ("lab-export-json", Export::Json),
            ("lab-keylog", Export::KeyLog),
        ] {
            let exporting = Rc::clone(&panel);
            listeners.push(on(&by_id::<Element>(id)?, "click", move |_| {
                if let Err(failure) = exporting.export(what) {
                    let _ = show_error(Some(&failure.to_string()));
                }
            }));
        }
        Ok((panel, listeners))
    }
}

/// What an export button saves.
#[derive(Debug, Clone, Copy)]
enum Export {
    Text,
    Json,
    KeyLog,
}

fn ms(micros: u64) -> f64 {
    // Microseconds of one handshake: exact in an f64.
    #[allow(clippy::cast_precision_loss)]
    let ms = micros as f64 / 1000.0;
    ms
}

fn show_error(error: Option<&str>) -> Result<(), Failure> {
    let slot = by_id::<Element>("lab-error")?;
    slot.set_text_content(error);
    set_attribute(&slot, "hidden", error.is_none().then_some(""))
}

/// The versions `#lab-tls`'s option `value` names.
fn versions(value: &str) -> TlsVersions {
    match value {
        "tls13" => TlsVersions::Tls13Only,
        "tls12" => TlsVersions::Tls12Only,
        _ => TlsVersions::Tls13AndTls12,
    }
}

/// The clock's moment, Unix seconds: now, the date typed, or now plus days.
fn at() -> Result<i64, Failure> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match by_id::<HtmlSelectElement>("lab-clock")?.value().as_str() {
        "at" => {
            let typed = by_id::<HtmlInputElement>("lab-at")?.value();
            let typed = typed.trim();
            let ms = js_sys::Date::parse(typed);
            if ms.is_nan() {
                return Err(Failure::Browser(format!(
                    "Date and time {typed:?}: not a date; write it like 2027-01-01T00:00:00Z"
                )));
            }
            // Whole seconds; a date the browser parsed is far inside i64.
            #[allow(clippy::cast_possible_truncation)]
            let seconds = (ms / 1000.0).floor() as i64;
            Ok(seconds)
        }
        "in-days" => {
            let typed = by_id::<HtmlInputElement>("lab-days")?.value();
            let days: i64 = typed.trim().parse().map_err(|_| {
                Failure::Browser(format!(
                    "Days from now {typed:?}: not a whole number of days (e.g. 400, or -2)"
                ))
            })?;
            Ok(now.saturating_add(days.saturating_mul(86_400)))
        }
        _ => Ok(now),
    }
}

/// Shows `shown`: the verdict, then each message.
fn show(shown: &Shown) -> Result<(), Failure> {
    let verdict = by_id::<Element>("lab-verdict")?;
    let v = &shown.verdict;
    set_attribute(&verdict, "data-result", Some(&v.result))?;
    set_attribute(&verdict, "data-kind", v.kind.as_deref())?;
    set_attribute(&verdict, "data-by", v.by.as_deref())?;
    set_attribute(&verdict, "data-alert", v.alert.as_deref())?;
    verdict.set_text_content(Some(&v.summary));
    let list = by_id::<Element>("lab-transcript")?;
    list.set_text_content(None);
    let document = document()?;
    let make = |tag: &str| document.create_element(tag).map_err(Failure::from_js);
    for message in &shown.messages {
        let item = make("li")?;
        set_attribute(&item, "data-from", Some(&message.from))?;
        set_attribute(&item, "data-message", Some(&message.name))?;
        let title = make("strong")?;
        title.set_text_content(Some(&format!("{} → {}", message.from, message.name)));
        item.append_child(&title).map_err(Failure::from_js)?;
        if !message.details.is_empty() {
            let dl = make("dl")?;
            for (what, value) in &message.details {
                let dt = make("dt")?;
                dt.set_text_content(Some(what));
                let dd = make("dd")?;
                dd.set_text_content(Some(value));
                dl.append_child(&dt).map_err(Failure::from_js)?;
                dl.append_child(&dd).map_err(Failure::from_js)?;
            }
            item.append_child(&dl).map_err(Failure::from_js)?;
        }
        list.append_child(&item).map_err(Failure::from_js)?;
    }
    let result = by_id::<Element>("lab-result")?;
    set_attribute(&result, "hidden", None)?;
    Ok(())
}
