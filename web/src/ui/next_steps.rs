//! "Next steps": the commands that try the issued files (`#next-serve`,
//! `#next-curl`, `#next-curl-no-cert`) and the one that issues the page's
//! plan file again (`#reproduce`), written by [`crate::next_steps`], and
//! which file to trust when the person's chain stops below its root
//! (`#next-anchor`).

use std::rc::Rc;

use gloo_events::EventListener;
use web_sys::HtmlElement;

use super::{Event, Panel, State};
use crate::dom::{by_id, set_text};
use crate::error::Failure;
use crate::next_steps::{anchor_note, next_steps, reproduce, Roles};

/// The next steps panel.
#[derive(Debug)]
pub struct NextSteps {
    state: State,
}

impl NextSteps {
    /// The panel (its elements are found when a set is shown).
    pub fn mount(state: &State) -> Result<(Rc<dyn Panel>, Vec<EventListener>), Failure> {
        Ok((
            Rc::new(Self {
                state: state.clone(),
            }),
            Vec::new(),
        ))
    }
}

impl Panel for NextSteps {
    fn on(&self, event: &Event) -> Result<(), Failure> {
        let Event::Issued(_) = event else {
            return Ok(());
        };
        let set = self.state.set()?;
        let (key_file, encrypted) = self.state.own_cas().key_file(&set.issued.plan);
        set_text(
            "reproduce",
            &reproduce(&set.issued.plan, key_file.as_deref(), encrypted),
        )?;
        let steps = next_steps(&Roles::of(&set.issued));
        set_text("next-serve", &steps.serve)?;
        set_text("next-curl", &steps.curl)?;
        set_text("next-curl-no-cert", &steps.curl_without_certificate)?;
        let note = anchor_note(&set.issued.plan, &set.cards);
        set_text("next-anchor", note.as_deref().unwrap_or_default())?;
        by_id::<HtmlElement>("next-anchor")?.set_hidden(note.is_none());
        Ok(())
    }
}
