//! Markup from `index.html`'s `<template>`s, and the parts of a clone:
//! `instantiate("card-template")`, `first(&card, "[data-part=title]")`.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlOptionElement, HtmlSelectElement, HtmlTemplateElement};

use crate::dom::by_id;
use crate::error::Failure;

/// A clone of the first element of `<template id=id>`.
pub fn instantiate(id: &str) -> Result<Element, Failure> {
    by_id::<HtmlTemplateElement>(id)?
        .content()
        .first_element_child()
        .ok_or_else(|| Failure::Browser(format!("#{id} is empty")))?
        .clone_node_with_deep(true)
        .map_err(Failure::from_js)?
        .dyn_into::<Element>()
        .map_err(|_| Failure::Browser(format!("#{id} holds no element")))
}

/// The descendants of `root` matching `selector`.
pub fn select_all(root: &Element, selector: &str) -> Result<Vec<Element>, Failure> {
    let list = root
        .query_selector_all(selector)
        .map_err(Failure::from_js)?;
    Ok((0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<Element>().ok())
        .collect())
}

/// The first descendant of `root` matching `selector`; its absence is an
/// error (the template and the code disagree).
pub fn first(root: &Element, selector: &str) -> Result<Element, Failure> {
    root.query_selector(selector)
        .map_err(Failure::from_js)?
        .ok_or_else(|| Failure::Browser(format!("a template has no {selector}")))
}

/// Replaces the options of `select` with `(value, text)` pairs.
pub fn fill_options<'a>(
    select: &HtmlSelectElement,
    options: impl Iterator<Item = (&'a str, String)>,
) -> Result<(), Failure> {
    select.set_length(0);
    for (value, text) in options {
        let option =
            HtmlOptionElement::new_with_text_and_value(&text, value).map_err(Failure::from_js)?;
        select
            .add_with_html_option_element(&option)
            .map_err(Failure::from_js)?;
    }
    Ok(())
}
