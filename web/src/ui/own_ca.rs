//! "My own CA" in the editor's root entry: the person picks the CA's
//! certificate and key files (and the key's password); the tools worker
//! reads, checks and keeps them ([`crate::own_ca`]), and this panel says
//! what came of it under the files, or core's reason in the entry's error
//! slot.

use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlInputElement};

use super::{Event, Panel, State};
use crate::dom::{by_id, file_bytes, on, set_attribute, target_with};
use crate::error::Failure;
use crate::own_ca::CaFile;
use crate::template::first;

/// The own CA panel.
#[derive(Debug)]
pub struct OwnCa {
    state: State,
}

impl OwnCa {
    /// Wires the own CA's files and password in `#entries`.
    pub fn mount(state: &State) -> Result<(Rc<dyn Panel>, Vec<EventListener>), Failure> {
        let panel = Rc::new(Self {
            state: state.clone(),
        });
        let changed = Rc::clone(&panel);
        let listener = on(&by_id::<Element>("entries")?, "change", move |event| {
            let tool = target_with(event, "[data-tool^=own-ca-]").and_then(|tool| {
                let at = tool
                    .closest("details.entry")
                    .ok()
                    .flatten()?
                    .id()
                    .strip_prefix("entry-")?
                    .parse::<usize>()
                    .ok()?;
                Some((at, tool.get_attribute("data-tool")?))
            });
            if let Some((at, tool)) = tool {
                spawn_local(Rc::clone(&changed).changed(at, tool));
            }
        });
        Ok((panel, vec![listener]))
    }

    /// A file or the password of "my own CA" in entry `at` changed: keep
    /// the file, then read and check both in the tools worker, and say
    /// what came of it under the files.
    async fn changed(self: Rc<Self>, at: usize, tool: String) {
        let outcome = async {
            let name = by_id::<HtmlInputElement>(&format!("entry-{at}-name"))?
                .value()
                .trim()
                .to_owned();
            let which = match tool.as_str() {
                "own-ca-cert" => Some(CaFile::Certificate),
                "own-ca-key" => Some(CaFile::Key),
                _ => None,
            };
            let own_cas = self.state.own_cas();
            if let Some(which) = which {
                let input = by_id::<HtmlInputElement>(&format!("entry-{at}-{tool}"))?;
                if let Some(file) = input.files().and_then(|files| files.get(0)) {
                    let bytes = file_bytes(&file).await?;
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
                show(&element, &pick.said())?;
            }
            own_cas.load(&name, &password).await
        }
        .await;
        let said = outcome.map_or_else(|failure| Err(failure.to_string()), |pick| pick.said());
        if let Ok(element) = by_id::<Element>(&format!("entry-{at}")) {
            if let Err(failure) = show(&element, &said) {
                web_sys::console::error_1(&failure.to_string().into());
            }
        }
    }
}

impl Panel for OwnCa {
    fn on(&self, event: &Event) -> Result<(), Failure> {
        let Event::EntriesShown(names) = event else {
            return Ok(());
        };
        // Each entry that stands for the person's own CA says what it is.
        for (at, name) in names.iter().enumerate() {
            let ticked = by_id::<HtmlInputElement>(&format!("entry-{at}-existing"))
                .is_ok_and(|tick| tick.checked());
            if ticked {
                let pick = self.state.own_cas().pick(name).unwrap_or_default();
                show(&by_id::<Element>(&format!("entry-{at}"))?, &pick.said())?;
            }
        }
        Ok(())
    }
}

/// Shows what came of "my own CA" in an entry's element: the CA as loaded
/// (and its warnings) under the files, or core's reason in its error slot.
fn show(entry: &Element, said: &Result<String, String>) -> Result<(), Failure> {
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
