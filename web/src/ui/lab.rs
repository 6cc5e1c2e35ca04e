//! The handshake lab panel (`#lab`): for the issued set, one real mTLS
//! handshake in memory at a chosen time and TLS version, shown message by
//! message, with the verdict in the words `certplay serve` logs, and the
//! transcript (text, JSON) and the client's key log to download; then the
//! break-it lab: one button per way to break the set (core's `lab::Case`),
//! each showing side by side core's prediction, this page's handshake of
//! the broken copy, the curl command that reproduces it with the case's
//! files (a zip), what curl then prints, and the fix, and on request the
//! running server's verdict (the case sent to the `certplay serve` that
//! served the page, through the live panel); and one button that runs
//! every case into a table.
//!
//! The tools worker, which keeps the set and its keys, breaks a copy of it
//! and predicts (`Request::LabCase`); the handshake runs in the lab module
//! (`certplay-lab`, its own wasm with core's `lab` feature), a Web Worker
//! started when `#lab-open` is first opened: the issuing page never loads
//! it before, and its thread never runs a handshake. The lab module reads
//! no certificate: the tools worker names the certificates and reasons of
//! what it ran (`Request::LabShow`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use certplay_core::lab::{Case, TlsVersions};
use gloo_events::EventListener;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlDetailsElement, HtmlInputElement, HtmlSelectElement};

use super::{AppRef, Event, Panel, ServerSaid, State};
use crate::dom::{by_id, document, on, set_attribute, set_text};
use crate::error::Failure;
use crate::link::{self, Link, Port};
use crate::protocol::lab::{CaseShown, LabReply, LabRequest, Ran, Shown};
use crate::protocol::{Reply, Request, SetHandle};

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
pub async fn call(request: LabRequest) -> Result<Ran, Failure> {
    match link::call(&lab()?, request, None).await? {
        LabReply::Ran(ran) => Ok(*ran),
        LabReply::Failed(reason) => Err(Failure::Browser(reason)),
    }
}

/// The set with handle `set` broken for `case` by the tools worker (the
/// set stays as it was), predicted at `at` for a client offering
/// `versions`.
pub async fn case(
    set: SetHandle,
    case: Case,
    versions: TlsVersions,
    at: i64,
) -> Result<CaseShown, Failure> {
    match crate::tools::call(Request::LabCase {
        set,
        case,
        versions,
        at,
    })
    .await?
    {
        Reply::LabCase(shown) => Ok(*shown),
        other => Err(crate::tools::unexpected(&other)),
    }
}

/// [`case`], then its handshake in the lab module at `at` (none where
/// `certplay serve` refuses to start with the case's server files), then
/// what the tools worker reads of it (the lab module reads no
/// certificate).
pub async fn run_case(
    set: SetHandle,
    broken: Case,
    versions: TlsVersions,
    at: i64,
) -> Result<(CaseShown, Shown), Failure> {
    let shown = case(set, broken, versions, at).await?;
    // None: `certplay serve` refuses to start with the case's server files.
    let ran = match &shown.handshake {
        Some(handshake) => Some(
            call(LabRequest::Run {
                handshake: handshake.clone(),
                at,
            })
            .await?,
        ),
        None => None,
    };
    let request = Request::LabShow {
        set,
        case: broken,
        versions,
        at,
        ran,
    };
    match crate::tools::call(request).await? {
        Reply::LabShown(ran) => Ok((shown, *ran)),
        other => Err(crate::tools::unexpected(&other)),
    }
}

/// The lab panel: the last handshake (for its exports) and the case shown
/// side by side.
#[derive(Debug)]
pub struct Lab {
    app: AppRef,
    state: State,
    last: RefCell<Option<Shown>>,
    /// The break-it case shown in `#lab-case` (its zip, its broken copy).
    current: RefCell<Option<CaseShown>>,
    /// The lab's clock that case was predicted and handshaken at, when it
    /// was moved (Unix seconds): the local server is asked at it too.
    clock: Cell<Option<i64>>,
    /// A break-it run is going on: other break-it clicks wait for it.
    busy: Cell<bool>,
}

impl Panel for Lab {
    fn on(&self, event: &Event) -> Result<(), Failure> {
        match event {
            Event::IssueStarted | Event::Issued(_) => self.clear(),
            Event::ServerSaid(said) => self.server_said(said),
            _ => Ok(()),
        }
    }
}

impl Lab {
    /// A new set: the old handshake and cases go.
    fn clear(&self) -> Result<(), Failure> {
        *self.last.borrow_mut() = None;
        *self.current.borrow_mut() = None;
        for id in ["lab-result", "lab-case", "lab-table"] {
            set_attribute(&by_id::<Element>(id)?, "hidden", Some(""))?;
        }
        by_id::<Element>("lab-table-rows")?.set_text_content(None);
        set_text("lab-status", "")?;
        set_text("lab-break-status", "")?;
        show_error(None)
    }

    /// The Run button: the set as issued.
    async fn run(&self) -> Result<(), Failure> {
        let set = self.state.handle()?;
        let versions = versions(&by_id::<HtmlSelectElement>("lab-tls")?.value());
        let at = at()?;
        show_error(None)?;
        set_text("lab-status", "Running the handshake…")?;
        let (_, shown) = run_case(set, Case::AsIssued, versions, at).await?;
        show(&shown, "lab-verdict", "lab-transcript")?;
        set_attribute(&by_id::<Element>("lab-result")?, "hidden", None)?;
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

    /// A break-it button: `broken` side by side.
    async fn break_it(&self, broken: Case) -> Result<(), Failure> {
        let set = self.state.handle()?;
        let versions = versions(&by_id::<HtmlSelectElement>("lab-tls")?.value());
        let at = at()?;
        let clock = moved()?.then_some(at);
        show_error(None)?;
        set_text(
            "lab-break-status",
            &format!("Breaking a copy: {}…", broken.description()),
        )?;
        let (case, shown) = run_case(set, broken, versions, at).await?;
        self.show_case(&case, &shown, clock)?;
        set_text(
            "lab-break-status",
            &format!(
                "{}: {}",
                case.case.name(),
                if agrees(&case, &shown) {
                    "the page's handshake ends as predicted"
                } else {
                    "the page's handshake does NOT end as predicted"
                }
            ),
        )?;
        *self.last.borrow_mut() = Some(shown);
        Ok(())
    }

    /// "Break it every way": every case in turn, one row each in
    /// `#lab-table`, the last one side by side.
    async fn every(&self) -> Result<(), Failure> {
        let set = self.state.handle()?;
        let versions = versions(&by_id::<HtmlSelectElement>("lab-tls")?.value());
        let at = at()?;
        let clock = moved()?.then_some(at);
        show_error(None)?;
        let table = by_id::<Element>("lab-table")?;
        set_attribute(&table, "data-state", Some("running"))?;
        set_attribute(&table, "hidden", None)?;
        let rows = by_id::<Element>("lab-table-rows")?;
        rows.set_text_content(None);
        let started = crate::clock::now_ms();
        let mut disagree = 0;
        for (at_case, broken) in Case::ALL.into_iter().enumerate() {
            set_text(
                "lab-break-status",
                &format!(
                    "Case {} of {}: {}…",
                    at_case + 1,
                    Case::ALL.len(),
                    broken.description()
                ),
            )?;
            let (case, shown) = run_case(set, broken, versions, at).await?;
            if !agrees(&case, &shown) {
                disagree += 1;
            }
            let tr = row(&case, &shown)?;
            rows.append_child(&tr).map_err(Failure::from_js)?;
            self.show_case(&case, &shown, clock)?;
        }
        let took = crate::clock::whole_ms(crate::clock::now_ms() - started);
        set_attribute(&table, "data-state", Some("done"))?;
        set_text(
            "lab-break-status",
            &if disagree == 0 {
                format!(
                    "{} cases predicted, broken and handshaken in {took} ms: every handshake \
                     ends as predicted.",
                    Case::ALL.len()
                )
            } else {
                format!(
                    "{} cases in {took} ms: {disagree} did NOT end as predicted (marked).",
                    Case::ALL.len()
                )
            },
        )
    }

    /// Shows `case` and the page's handshake of it in `#lab-case`, side by
    /// side; `clock` is the lab's clock when it was moved.
    fn show_case(
        &self,
        case: &CaseShown,
        shown: &Shown,
        clock: Option<i64>,
    ) -> Result<(), Failure> {
        set_text("lab-case-title", case.description.as_str())?;
        let view = by_id::<Element>("lab-case")?;
        set_attribute(&view, "data-case", Some(case.case.name()))?;
        set_attribute(
            &view,
            "data-agrees",
            Some(if agrees(case, shown) { "yes" } else { "no" }),
        )?;
        let prediction = by_id::<Element>("lab-case-prediction")?;
        set_attribute(&prediction, "data-result", Some(&case.prediction.result))?;
        set_attribute(&prediction, "data-short", Some(&case.prediction.short))?;
        prediction.set_text_content(Some(&match &case.prediction.version {
            Some(version) => format!("{version}: {}.", case.prediction.words),
            None => format!("{}.", case.prediction.words),
        }));
        show(shown, "lab-case-verdict", "lab-case-transcript")?;
        set_text("lab-case-serve", &case.serve)?;
        let warnings = by_id::<Element>("lab-case-serve-warnings")?;
        let warned: Vec<String> = case
            .serve_warnings
            .iter()
            .map(|w| format!("certplay serve warns: {w}"))
            .collect();
        warnings.set_text_content(Some(&warned.join("\n")));
        set_attribute(&warnings, "hidden", warned.is_empty().then_some(""))?;
        set_text("lab-case-curl", &case.curl)?;
        set_text(
            "lab-case-curl-expected",
            &format!("{} then prints {}.", case.clients, case.curl_expected),
        )?;
        set_text("lab-case-openssl", &case.openssl)?;
        set_text(
            "lab-case-openssl-expected",
            &format!("openssl s_client then prints {}.", case.openssl_expected),
        )?;
        set_text("lab-case-fix", &case.fix)?;
        let difference = by_id::<Element>("lab-case-difference")?;
        difference.set_text_content(case.difference.as_deref());
        set_attribute(
            &difference,
            "hidden",
            case.difference.is_none().then_some(""),
        )?;
        self.case_actions(case)?;
        let server = by_id::<Element>("lab-case-server")?;
        set_attribute(&server, "data-result", None)?;
        let mut not_asked = "Not asked: the button below sends this case's files, keys \
                             included, to the certplay serve that served this page."
            .to_owned();
        if let Some(at) = clock {
            not_asked.push_str(&format!(
                " It checks validity at the lab's clock, {}, as the prediction did.",
                certplay_core::read::model::Time(at)
            ));
        }
        server.set_text_content(Some(&not_asked));
        *self.current.borrow_mut() = Some(case.clone());
        self.clock.set(clock);
        set_attribute(&view, "hidden", None)
    }

    /// The per-case actions under the side-by-side view (`#lab-case-actions`):
    /// the button that saves the case's folder as a zip names it. Another
    /// per-case action (a button that acts on `case`) goes here.
    fn case_actions(&self, case: &CaseShown) -> Result<(), Failure> {
        set_text(
            "lab-case-files",
            &format!("The case's files and commands ({})", case.zip_name),
        )
    }

    /// `#lab-case-ask`: sends the case shown (its files, keys included)
    /// to the `certplay serve` that served the page, through the live
    /// panel, which shows what it says (and tells this panel).
    fn ask_server(&self) -> Result<(), Failure> {
        let current = self.current.borrow();
        let case = current
            .as_ref()
            .ok_or_else(|| Failure::Browser("break the set in one way first".into()))?;
        let server = by_id::<Element>("lab-case-server")?;
        set_attribute(&server, "data-result", None)?;
        server.set_text_content(Some("Asking certplay serve…"));
        self.app.send(&Event::AskServer {
            case: case.case.name().to_owned(),
            body: case.mutated.clone(),
            at: self.clock.get(),
        })
    }

    /// The running server's verdict, beside the prediction when it is for
    /// the case shown.
    fn server_said(&self, said: &ServerSaid) -> Result<(), Failure> {
        let current = self.current.borrow();
        let Some(case) = current.as_ref().filter(|c| c.case.name() == said.case) else {
            return Ok(());
        };
        let server = by_id::<Element>("lab-case-server")?;
        set_attribute(&server, "data-result", Some(&said.verdict))?;
        set_attribute(&server, "data-short", Some(&said.short))?;
        let agrees = said.short == case.prediction.short;
        set_attribute(
            &server,
            "data-agrees",
            Some(if agrees { "yes" } else { "no" }),
        )?;
        let mut text = if said.verdict == "failed" {
            format!("certplay serve did not run it: {}", said.words)
        } else if agrees {
            format!("As predicted: {}.", said.words)
        } else {
            format!("NOT as predicted: {}.", said.words)
        };
        if !said.log.is_empty() {
            text.push_str("\nIts log: ");
            text.push_str(&said.log);
        }
        server.set_text_content(Some(&text));
        Ok(())
    }

    /// `#lab-case-files`: the case's folder as a zip.
    fn save_case(&self) -> Result<(), Failure> {
        let current = self.current.borrow();
        let case = current
            .as_ref()
            .ok_or_else(|| Failure::Browser("break the set in one way first".into()))?;
        crate::download::save(&case.zip_name, &case.zip, "application/zip")
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

    /// Breaks the set for `case` (`None`: every way) unless another
    /// break-it run is going on; a failure goes to `#lab-error`.
    fn spawn_break(self: &Rc<Self>, case: Option<Case>) {
        if self.busy.replace(true) {
            let _ = set_text(
                "lab-break-status",
                "Still running the last one: wait for it to finish.",
            );
            return;
        }
        let panel = Rc::clone(self);
        spawn_local(async move {
            let outcome = match case {
                Some(case) => panel.break_it(case).await,
                None => panel.every().await,
            };
            panel.busy.set(false);
            if let Err(failure) = outcome {
                let _ = set_text("lab-break-status", "");
                let _ = show_error(Some(&failure.to_string()));
            }
        });
    }

    /// Wires the lab's controls, and makes one break-it button per case.
    pub fn mount(
        app: AppRef,
        state: &State,
    ) -> Result<(Rc<dyn Panel>, Vec<EventListener>), Failure> {
        let panel = Rc::new(Self {
            app,
            state: state.clone(),
            last: RefCell::default(),
            current: RefCell::default(),
            clock: Cell::new(None),
            busy: Cell::new(false),
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
        let buttons = by_id::<Element>("lab-cases")?;
        buttons.set_text_content(None);
        let document = document()?;
        for broken in Case::ALL {
            let button = document
                .create_element("button")
                .map_err(Failure::from_js)?;
            button.set_id(&format!("lab-case-{}", broken.name()));
            set_attribute(&button, "type", Some("button"))?;
            set_attribute(&button, "class", Some("secondary"))?;
            set_attribute(&button, "data-case", Some(broken.name()))?;
            button.set_text_content(Some(broken.description()));
            buttons.append_child(&button).map_err(Failure::from_js)?;
            let breaking = Rc::clone(&panel);
            listeners.push(on(&button, "click", move |_| {
                breaking.spawn_break(Some(broken));
            }));
        }
        let every = Rc::clone(&panel);
        listeners.push(on(&by_id::<Element>("lab-every")?, "click", move |_| {
            every.spawn_break(None);
        }));
        let asking = Rc::clone(&panel);
        listeners.push(on(&by_id::<Element>("lab-case-ask")?, "click", move |_| {
            if let Err(failure) = asking.ask_server() {
                let _ = show_error(Some(&failure.to_string()));
            }
        }));
        let saving = Rc::clone(&panel);
        listeners.push(on(
            &by_id::<Element>("lab-case-files")?,
            "click",
            move |_| {
                if let Err(failure) = saving.save_case() {
                    let _ = show_error(Some(&failure.to_string()));
                }
            },
        ));
        Ok((panel, listeners))
    }
}

/// Whether the page's handshake ended as core predicted.
pub fn agrees(case: &CaseShown, shown: &Shown) -> bool {
    case.prediction.short == shown.verdict.short
}

/// One row of `#lab-table`: the case, the prediction, the page's handshake,
/// curl's exit code and words.
fn row(case: &CaseShown, shown: &Shown) -> Result<Element, Failure> {
    let document = document()?;
    let make = |tag: &str| document.create_element(tag).map_err(Failure::from_js);
    let tr = make("tr")?;
    set_attribute(&tr, "data-case", Some(case.case.name()))?;
    set_attribute(&tr, "data-prediction", Some(&case.prediction.short))?;
    set_attribute(&tr, "data-page", Some(&shown.verdict.short))?;
    let agrees = agrees(case, shown);
    set_attribute(&tr, "data-agrees", Some(if agrees { "yes" } else { "no" }))?;
    for text in [
        case.case.name().to_owned(),
        case.prediction.short.clone(),
        if agrees {
            shown.verdict.short.clone()
        } else {
            format!("≠ {}", shown.verdict.short)
        },
        case.curl_expected.to_string(),
    ] {
        let td = make("td")?;
        td.set_text_content(Some(&text));
        tr.append_child(&td).map_err(Failure::from_js)?;
    }
    Ok(tr)
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

/// True when `#lab-clock` is moved from now (a date, or N days from now).
fn moved() -> Result<bool, Failure> {
    Ok(by_id::<HtmlSelectElement>("lab-clock")?.value() != "now")
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

/// Shows `shown` in `#verdict_id` (the verdict) and `#list_id` (each
/// message).
fn show(shown: &Shown, verdict_id: &str, list_id: &str) -> Result<(), Failure> {
    let verdict = by_id::<Element>(verdict_id)?;
    let v = &shown.verdict;
    set_attribute(&verdict, "data-result", Some(&v.result))?;
    set_attribute(&verdict, "data-kind", v.kind.as_deref())?;
    set_attribute(&verdict, "data-by", v.by.as_deref())?;
    set_attribute(&verdict, "data-alert", v.alert.as_deref())?;
    set_attribute(&verdict, "data-short", Some(&v.short))?;
    verdict.set_text_content(Some(&v.summary));
    let list = by_id::<Element>(list_id)?;
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
    Ok(())
}
