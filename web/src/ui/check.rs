//! The inspector's chain check: a certificate (issued here or read in the
//! inspector) against chosen trust anchors (the CAs the page issued and/or
//! certificates read), through the other certificates (self-signed ones
//! aside) as intermediates, with the CRLs read, for a purpose, at a time.
//! certplay-core's `verify` decides in the tools worker (webpki with a
//! RustCrypto provider: the same verdict as `certplay serve`); the page
//! adds its own hint to the reason (never a command-line flag).

use std::cell::RefCell;
use std::rc::Rc;

use certplay_core::IssuedPlan;
use gloo_events::EventListener;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

use super::{Event, Panel, State};
use crate::dom::{by_id, on, set_attribute, set_text};
use crate::error::Failure;
use crate::protocol::{Candidate, ChainCheck, Der, Reply, Request, Verdict};
use crate::template::fill_options;

/// The chain check panel: the certificates it can use, issued and read.
#[derive(Debug)]
pub struct Check {
    state: State,
    issued: RefCell<Vec<Candidate>>,
    read: RefCell<(Vec<Candidate>, Vec<Der>)>,
}

impl Panel for Check {
    fn on(&self, event: &Event) -> Result<(), Failure> {
        match event {
            Event::Issued(_) => self.issued_changed(&self.state.set()?.issued),
            Event::Read { certificates, crls } => {
                self.read_changed(certificates.clone(), crls.clone())
            }
            _ => Ok(()),
        }
    }
}

impl Check {
    /// The page issued `set`: its certificates join the lists (its root CAs
    /// ticked as anchors, its server as the certificate to check).
    fn issued_changed(&self, set: &IssuedPlan) -> Result<(), Failure> {
        let candidates = set
            .entries
            .iter()
            .zip(&set.plan.entries)
            .map(|(issued, planned)| Candidate {
                label: format!("issued {}.crt", issued.name),
                ca: planned.profile.is_ca(),
                root: planned.profile.is_ca() && planned.issuer.is_none(),
                der: Der(issued.cert_der.clone()),
            })
            .collect();
        *self.issued.borrow_mut() = candidates;
        self.refresh(true)
    }

    /// The inspector read `certificates` and `crls`.
    fn read_changed(&self, certificates: Vec<Candidate>, crls: Vec<Der>) -> Result<(), Failure> {
        *self.read.borrow_mut() = (certificates, crls);
        self.refresh(false)
    }

    fn candidates(&self) -> Vec<Candidate> {
        let mut all = self.issued.borrow().clone();
        all.extend(self.read.borrow().0.clone());
        all
    }

    /// Rebuilds the two lists, keeping what was chosen; `defaults` chooses the
    /// issued set's server and roots again.
    fn refresh(&self, defaults: bool) -> Result<(), Failure> {
        let all = self.candidates();
        let leaf = by_id::<HtmlSelectElement>("check-leaf")?;
        let anchors = by_id::<HtmlSelectElement>("check-anchors")?;
        let was_leaf = leaf.value();
        let was_anchors = selected(&anchors);
        fill_options(
            &leaf,
            all.iter().map(|c| (c.label.as_str(), c.label.clone())),
        )?;
        fill_options(
            &anchors,
            all.iter().map(|c| (c.label.as_str(), c.label.clone())),
        )?;
        let default_leaf = all
            .iter()
            .find(|c| c.label == "issued server.crt")
            .or_else(|| all.iter().find(|c| !c.ca))
            .map(|c| c.label.clone());
        let keep_leaf = all.iter().any(|c| c.label == was_leaf) && !defaults;
        if let Some(choice) = if keep_leaf {
            Some(was_leaf)
        } else {
            default_leaf
        } {
            leaf.set_value(&choice);
        }
        let options = anchors.options();
        for (at, candidate) in all.iter().enumerate() {
            let chosen = if defaults || was_anchors.is_empty() {
                candidate.root && candidate.label.starts_with("issued ")
            } else {
                was_anchors.contains(&candidate.label)
            };
            if let Some(option) = u32::try_from(at)
                .ok()
                .and_then(|at| options.item(at))
                .and_then(|o| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlOptionElement>(o).ok())
            {
                option.set_selected(chosen);
            }
        }
        set_text(
            "check-crls",
            &match self.read.borrow().1.len() {
                0 => "CRLs: none read (paste or drop a CRL above to use it)".to_owned(),
                n => format!("CRLs: the {n} read above"),
            },
        )
    }
}

fn selected(select: &HtmlSelectElement) -> Vec<String> {
    let options = select.selected_options();
    (0..options.length())
        .filter_map(|i| options.item(i))
        .filter_map(|o| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlOptionElement>(o).ok())
        .map(|o| o.value())
        .collect()
}

/// The page's own hint for a refusal (never a command-line flag).
fn hint(kind: &str) -> &'static str {
    match kind {
        "unknown-issuer" => {
            "Choose the CA that issued it as a trust anchor, or read its chain above (the other \
             certificates are tried as intermediates)."
        }
        "same-name-other-ca" => {
            "The anchor is another CA with the same name: choose the ca.crt of the set this \
             certificate was issued with (issuing again makes a new CA key)."
        }
        "expired" | "not-yet-valid" => {
            "Check the time above, or issue the certificate again with new dates."
        }
        "wrong-purpose" => {
            "Choose the other purpose, or issue it again with the profile for this use."
        }
        "name-mismatch" => {
            "Use one of its names as the host, or add the host to its SANs and issue again."
        }
        "no-anchors" => "Choose at least one trust anchor.",
        "ca-used-as-leaf" => "Choose a server or client certificate to check, not a CA.",
        "revoked" => "Its CA revoked it: issue a new one.",
        _ => "",
    }
}

/// The time to check at: the field (anything `Date.parse` reads, e.g.
/// `2027-01-01T00:00:00Z`), or now when it is empty.
fn at() -> Result<i64, Failure> {
    let typed = by_id::<HtmlInputElement>("check-at")?.value();
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(time::OffsetDateTime::now_utc().unix_timestamp());
    }
    let ms = js_sys::Date::parse(typed);
    if ms.is_nan() {
        return Err(Failure::Browser(format!(
            "time {typed:?}: not a date and time; write it like 2027-01-01T00:00:00Z, or leave \
             it empty for now"
        )));
    }
    // Whole seconds; a date the browser parsed is far inside i64.
    #[allow(clippy::cast_possible_truncation)]
    let seconds = (ms / 1000.0).floor() as i64;
    Ok(seconds)
}

impl Check {
    async fn run(&self) -> Result<(), Failure> {
        // What other stacks said of the last chain checked goes with it.
        set_text("check-others", "")?;
        let all = self.candidates();
        let leaf_label = by_id::<HtmlSelectElement>("check-leaf")?.value();
        let anchor_labels = selected(&by_id::<HtmlSelectElement>("check-anchors")?);
        let leaf = all.iter().find(|c| c.label == leaf_label).ok_or_else(|| {
            Failure::Browser(
                "no certificate to check: issue a set or read a certificate above".to_owned(),
            )
        })?;
        let anchors: Vec<Der> = all
            .iter()
            .filter(|c| anchor_labels.contains(&c.label))
            .map(|c| c.der.clone())
            .collect();
        // A self-signed CA can only end a chain: offered as an intermediate it
        // would only lead webpki past the anchors that were chosen.
        let intermediates = all
            .iter()
            .filter(|c| c.label != leaf_label && !anchor_labels.contains(&c.label) && !c.root)
            .map(|c| c.der.clone())
            .collect();
        let server_host = match by_id::<HtmlSelectElement>("check-purpose")?
            .value()
            .as_str()
        {
            "client" => None,
            _ => Some(
                by_id::<HtmlInputElement>("check-host")?
                    .value()
                    .trim()
                    .to_owned(),
            ),
        };
        let check = ChainCheck {
            leaf: leaf.der.clone(),
            anchors,
            intermediates,
            crls: self.read.borrow().1.clone(),
            server_host,
            at: at()?,
        };
        set_text("check-verdict", "checking…")?;
        let verdict = by_id::<Element>("check-verdict")?;
        let shown = match crate::tools::call(Request::Verify(check.clone())).await? {
            Reply::Verdict(Verdict::Valid(accepted)) => {
                set_attribute(&verdict, "data-verdict", Some("valid"))?;
                set_text(
                    "check-verdict",
                    &format!("valid: {accepted}: a TLS peer using rustls would accept it"),
                )
            }
            Reply::Verdict(Verdict::Refused { kind, words }) => {
                set_attribute(&verdict, "data-verdict", Some("invalid"))?;
                let hint = hint(&kind);
                set_text(
                    "check-verdict",
                    &if hint.is_empty() {
                        format!("refused: {words}")
                    } else {
                        format!("refused: {words}\n{hint}")
                    },
                )
            }
            other => Err(crate::tools::unexpected(&other)),
        };
        shown?;
        match crate::tools::call(Request::OtherStacks(check)).await? {
            Reply::OtherStacks(others) => {
                let mut lines = vec![format!("Other stacks: {others}")];
                lines.extend(
                    others
                        .lints
                        .iter()
                        .map(|found| format!("{}: {}", found.certificate, found.lint)),
                );
                set_text("check-others", &lines.join("\n"))
            }
            other => Err(crate::tools::unexpected(&other)),
        }
    }

    /// Wires the chain check's button and purpose.
    pub fn mount(state: &State) -> Result<(Rc<dyn Panel>, Vec<EventListener>), Failure> {
        let panel = Rc::new(Self {
            state: state.clone(),
            issued: RefCell::default(),
            read: RefCell::default(),
        });
        let mut listeners = Vec::new();
        let checking = Rc::clone(&panel);
        listeners.push(on(&by_id::<Element>("check-run")?, "click", move |_| {
            let checking = Rc::clone(&checking);
            spawn_local(async move {
                if let Err(failure) = checking.run().await {
                    if let Ok(verdict) = by_id::<Element>("check-verdict") {
                        let _ = set_attribute(&verdict, "data-verdict", Some("error"));
                    }
                    let _ = set_text("check-verdict", &failure.to_string());
                }
            });
        }));
        let purpose = by_id::<HtmlSelectElement>("check-purpose")?;
        let chosen = purpose.clone();
        listeners.push(on(&purpose, "change", move |_| {
            if let Ok(host) = by_id::<Element>("check-host-row") {
                let _ = host.toggle_attribute_with_force("hidden", chosen.value() == "client");
            }
        }));
        Ok((panel, listeners))
    }
}
