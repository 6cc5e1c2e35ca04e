//! The page's panels and the small layer that connects them. Each panel
//! (one file here) owns its part of `index.html`, found by id, and talks
//! to the tools worker in [`crate::protocol`]'s messages; panels never
//! call each other. What one panel does that others show travels as an
//! [`Event`] through an [`AppRef`], which hands it to every panel in turn;
//! what several panels read (the issued set, what was revoked, the
//! person's own keys and CAs) is the shared [`State`].
//!
//! - [`editor`]: the plan editor and the Issue button;
//! - [`own_ca`]: "my own CA" inside the editor's root entry;
//! - [`own_key`]: "use a key you already have";
//! - [`results`]: the cards, the file downloads and the zip;
//! - [`artifacts`]: each card's tools and "sign a CSR";
//! - [`next_steps`]: the commands to try the files with;
//! - [`inspector`], [`check`] and [`compare`]: read anything, check a
//!   chain, compare two side by side;
//! - [`live`]: the link to the `certplay serve` that served the page;
//! - [`lab`]: the handshake lab (its own wasm, loaded when opened).

pub mod artifacts;
pub mod cards;
pub mod check;
pub mod compare;
pub mod editor;
pub mod inspector;
pub mod lab;
pub mod live;
pub mod next_steps;
pub mod own_ca;
pub mod own_key;
pub mod results;
mod state;

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_events::EventListener;
use web_sys::Element;

pub use state::{SignedCert, State};

use crate::dom::{by_id, set_attribute};
use crate::error::Failure;
use crate::protocol::{Candidate, Card, Der};
use crate::IssuedSet;

/// What happened in one panel that others show.
#[derive(Debug, Clone)]
pub enum Event {
    /// The editor shows these entries (names, in order).
    EntriesShown(Vec<String>),
    /// Issue was pressed: the old results go.
    IssueStarted,
    /// A set was issued and is [`State::issued`] now; what the worker read
    /// of each certificate, in plan order (or why it could not).
    Issued(Vec<Card>),
    /// Issuing failed (the editor says why).
    IssueFailed,
    /// Open this certificate (PEM) in the inspector.
    Inspect {
        /// Its file name.
        name: String,
        /// Its text.
        text: String,
    },
    /// The inspector read these certificates and CRLs.
    Read {
        /// The certificates, for the chain check.
        certificates: Vec<Candidate>,
        /// The CRLs (DER).
        crls: Vec<Der>,
    },
    /// Ask the `certplay serve` that served the page to run this lab case
    /// (the person clicked a button that says it sends keys there).
    AskServer {
        /// The case's name (`client-expired`).
        case: String,
        /// The case as JSON (core's `lab::Mutated`: its files, keys
        /// included), the body of `POST /live/lab`.
        body: String,
        /// The lab's clock (Unix seconds) when it was moved: the server
        /// checks validity at it, as the prediction did; `None`: now.
        at: Option<i64>,
    },
    /// What the server said of a lab case ([`Event::AskServer`]).
    ServerSaid(ServerSaid),
}

/// The running server's verdict on one lab case, as the live panel read
/// it from `POST /live/lab`'s answer (words, not types: the page's wasm
/// does not decode the typed verdict).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSaid {
    /// The case's name.
    pub case: String,
    /// `accepted`, `key-mismatch` or `refused`; `failed` when the server
    /// did not run it.
    pub verdict: String,
    /// Who refused (`client`, `server`), for a refusal.
    pub by: Option<String>,
    /// The alert's name (`certificate_expired`), for a refusal.
    pub alert: Option<String>,
    /// The reason's kind (`expired`), for a refusal.
    pub kind: Option<String>,
    /// In a few words, as the lab shows the prediction (`refused by
    /// server: unknown_ca (unknown-issuer)`).
    pub short: String,
    /// The verdict in core's words, or why it did not run.
    pub words: String,
    /// The line the second listener logged.
    pub log: String,
}

/// A panel: something that reacts to the app's events.
pub trait Panel {
    /// Shows what `event` changes for this panel.
    fn on(&self, event: &Event) -> Result<(), Failure>;
}

struct Inner {
    panels: RefCell<Vec<Rc<dyn Panel>>>,
}

/// A panel's way to the others: [`AppRef::send`] hands an event to every
/// panel. Weak, so that dropping the [`Page`] drops every panel.
#[derive(Clone)]
pub struct AppRef(Weak<Inner>);

impl std::fmt::Debug for AppRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppRef").finish_non_exhaustive()
    }
}

impl AppRef {
    /// Hands `event` to every panel, in the order they were mounted; the
    /// first failure is returned (each panel still sees the event).
    pub fn send(&self, event: &Event) -> Result<(), Failure> {
        let Some(app) = self.0.upgrade() else {
            return Ok(());
        };
        let panels = app.panels.borrow().clone();
        let mut outcome = Ok(());
        for panel in panels {
            let shown = panel.on(event);
            if outcome.is_ok() {
                outcome = shown;
            }
        }
        outcome
    }
}

/// The mounted page: its panels, their shared state and listeners. The
/// listeners stay as long as the value does; the binary calls
/// [`Page::keep`] so they stay as long as the document.
pub struct Page {
    app: Rc<Inner>,
    state: State,
    editor: Rc<editor::Editor>,
    listeners: Vec<EventListener>,
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page")
            .field("listeners", &self.listeners.len())
            .finish_non_exhaustive()
    }
}

impl Page {
    /// Finds the page's elements, mounts every panel, shows the blog's plan
    /// in the editor and enables `#issue`.
    pub fn mount() -> Result<Self, Failure> {
        let app = Rc::new(Inner {
            panels: RefCell::new(Vec::new()),
        });
        let to = || AppRef(Rc::downgrade(&app));
        let state = State::default();
        let mut listeners = Vec::new();
        let mut add = |(panel, mut wired): (Rc<dyn Panel>, Vec<EventListener>)| {
            app.panels.borrow_mut().push(panel);
            listeners.append(&mut wired);
        };
        // Events reach the panels in this order: the results last, so that
        // its "done" means every panel has shown the new set.
        add(own_key::OwnKey::mount(&state)?);
        add(own_ca::OwnCa::mount(&state)?);
        add(inspector::Inspector::mount(to(), &state)?);
        add(check::Check::mount(&state)?);
        add(compare::Compare::mount()?);
        add(next_steps::NextSteps::mount(&state)?);
        add(artifacts::Artifacts::mount(to(), &state)?);
        add(live::Live::mount(to(), &state)?);
        add(lab::Lab::mount(to(), &state)?);
        add(results::Results::mount(&state)?);
        let (editor, wired) = editor::Editor::mount(to(), &state)?;
        add((editor.clone(), wired));
        Ok(Self {
            app,
            state,
            editor,
            listeners,
        })
    }

    /// Keeps the page wired for as long as the document lives.
    pub fn keep(self) {
        for listener in self.listeners {
            listener.forget();
        }
        // The panels live as long as their listeners: for good.
        std::mem::forget(self.app);
    }

    /// The last set issued, if any.
    pub fn issued(&self) -> Option<IssuedSet> {
        self.state.issued()
    }

    /// The plan the editor shows now.
    pub fn plan(&self) -> Result<certplay_core::Plan, Failure> {
        self.editor.plan()
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
