//! "Use a key you already have" (`#own-key`): a pasted private key, read
//! by the tools worker (PKCS#8, PKCS#1, SEC1, or encrypted PKCS#8 with its
//! password), becomes the chosen entry's key for the next Issue. It stays
//! in this page.

use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

use super::{Event, Panel, State};
use crate::dom::{by_id, on, show_outcome};
use crate::error::Failure;
use crate::issue::OwnKey as Key;
use crate::protocol::{Reply, Request};
use crate::template::fill_options;

/// The own key panel.
#[derive(Debug)]
pub struct OwnKey {
    state: State,
}

impl OwnKey {
    /// Wires `#own-key-use`.
    pub fn mount(state: &State) -> Result<(Rc<dyn Panel>, Vec<EventListener>), Failure> {
        let panel = Rc::new(Self {
            state: state.clone(),
        });
        let using = Rc::clone(&panel);
        let listener = on(&by_id::<Element>("own-key-use")?, "click", move |_| {
            let panel = Rc::clone(&using);
            spawn_local(async move {
                let outcome = panel.use_own_key().await;
                show_outcome("own-key", outcome);
            });
        });
        Ok((panel, vec![listener]))
    }

    /// "Use this key": the pasted key, read by the worker, is the chosen
    /// entry's key from now on; an empty text area forgets it.
    async fn use_own_key(&self) -> Result<String, Failure> {
        let entry = by_id::<HtmlSelectElement>("own-key-entry")?.value();
        let pasted = by_id::<HtmlTextAreaElement>("own-key-pem")?.value();
        self.state.set_own_key(&entry, None);
        if !pasted.trim().is_empty() {
            let password = by_id::<HtmlInputElement>("own-key-password")?.value();
            let request = Request::ImportKey {
                name: entry.clone(),
                bytes: pasted.into_bytes(),
                password: (!password.is_empty()).then_some(password),
            };
            let key = match crate::tools::call(request).await? {
                Reply::OwnKey { der, key_type } => Key {
                    entry: entry.clone(),
                    der,
                    key_type,
                },
                other => return Err(crate::tools::unexpected(&other)),
            };
            self.state.set_own_key(&entry, Some(key));
        }
        let own = self.state.own_keys();
        if own.is_empty() {
            return Ok("every key is made here".to_owned());
        }
        let listed: Vec<String> = own
            .iter()
            .map(|key| format!("{} ({})", key.entry, key.key_type.description()))
            .collect();
        Ok(format!(
            "your own keys, used by the next Issue: {}",
            listed.join(", ")
        ))
    }
}

impl Panel for OwnKey {
    fn on(&self, event: &Event) -> Result<(), Failure> {
        let Event::EntriesShown(names) = event else {
            return Ok(());
        };
        // The editor shows these entries: offer them, keeping the choice.
        let select = by_id::<HtmlSelectElement>("own-key-entry")?;
        let chosen = select.value();
        fill_options(&select, names.iter().map(|n| (n.as_str(), n.clone())))?;
        if !chosen.is_empty() {
            select.set_value(&chosen);
        }
        Ok(())
    }
}
