//! A card of `index.html`'s `#card-template` or `#signed-template`, as the
//! results and the artifacts panels both fill it: the certificate's
//! fields, and its tools named after the entry.

use certplay_core::{Profile, RevocationReason};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlSelectElement};

use crate::dom::set_attribute;
use crate::error::Failure;
use crate::protocol::CardField;
use crate::template::{fill_options, select_all};

/// Fills a card's `[data-field]` elements (ids `#{prefix}-FIELD`) with what
/// the certificate says (as the tools worker read it back).
pub fn show_certificate(
    card: &Element,
    prefix: &str,
    fields: &[(CardField, String)],
) -> Result<(), Failure> {
    for element in select_all(card, "[data-field]")? {
        let field = element.get_attribute("data-field").unwrap_or_default();
        element.set_id(&format!("{prefix}-{field}"));
        let text = fields
            .iter()
            .find(|(f, _)| f.name() == field)
            .map(|(_, t)| t);
        element.set_text_content(text.map(String::as_str));
    }
    Ok(())
}

/// Names a card's tools after `name`: ids `#NAME-TOOL` for `[data-tool]`,
/// `#ACTION-NAME` for `[data-action]` (which also gets `data-entry`), and
/// `NAME` in `data-label` becomes the element's text.
pub fn name_tools(card: &Element, name: &str) -> Result<(), Failure> {
    for tool in select_all(card, "[data-tool]")? {
        let which = tool.get_attribute("data-tool").unwrap_or_default();
        tool.set_id(&format!("{name}-{which}"));
    }
    for button in select_all(card, "[data-action]")? {
        let action = button.get_attribute("data-action").unwrap_or_default();
        button.set_id(&format!("{action}-{name}"));
        set_attribute(&button, "data-entry", Some(name))?;
    }
    for labelled in select_all(card, "[data-label]")? {
        if let Some(label) = labelled.get_attribute("data-label") {
            labelled.set_text_content(Some(&label.replace("NAME", name)));
        }
    }
    Ok(())
}

/// Fills a card's tools for entry `name` with this `profile`: named by
/// [`name_tools`], and only the parts that apply (CA; `issued`: has an
/// issuer that can revoke it; `existing`: the person's own CA, whose key
/// the page does not hand out again).
pub fn fill_tools(
    card: &Element,
    name: &str,
    profile: Profile,
    issued: bool,
    existing: bool,
) -> Result<(), Failure> {
    name_tools(card, name)?;
    // Words that apply to some certificates only appear on those.
    for (part, hide) in [
        ("key-tools", existing),
        ("key-note", existing),
        ("issued-only", !issued),
        ("more-revoke", !issued),
        ("ca-only", !profile.is_ca()),
        ("more-crl", !profile.is_ca()),
        ("revoke-ca-note", !profile.is_ca()),
    ] {
        for element in select_all(card, &format!("[data-part={part}]"))? {
            set_attribute(&element, "hidden", hide.then_some(""))?;
        }
    }
    // The card is not in the document yet: find its select inside it.
    let reasons = card
        .query_selector("[data-tool=revoke-reason]")
        .map_err(Failure::from_js)?
        .and_then(|e| e.dyn_into::<HtmlSelectElement>().ok());
    if let Some(reasons) = reasons {
        fill_options(
            &reasons,
            RevocationReason::ALL
                .iter()
                .filter(|r| **r != RevocationReason::RemoveFromCrl)
                .map(|r| (r.name(), r.name().to_owned())),
        )?;
    }
    Ok(())
}

/// The id part of a file name: `ca.key` → `ca-key` (`#download-ca-key`).
pub fn file_id(name: &str) -> String {
    name.replace('.', "-")
}
