//! A few DOM helpers, so that the page's logic reads as logic:
//! `by_id::<HtmlInputElement>("ca-cn")?`, `on(&button, "click", ...)`.

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Document, DragEvent, Element, Event, EventTarget, File, HtmlInputElement, HtmlSelectElement,
    HtmlTextAreaElement, Window,
};

use crate::error::Failure;

/// The page's window.
pub fn window() -> Result<Window, Failure> {
    web_sys::window().ok_or_else(|| Failure::Browser("no window (not running in a page)".into()))
}

/// The page's document.
pub fn document() -> Result<Document, Failure> {
    window()?
        .document()
        .ok_or_else(|| Failure::Browser("the window has no document".into()))
}

/// The element with `id`, as the element type `T` (e.g. `HtmlInputElement`).
/// A missing element or one of another type is an error that names the id:
/// the markup of `index.html` and the code disagree.
pub fn by_id<T: JsCast>(id: &str) -> Result<T, Failure> {
    document()?
        .get_element_by_id(id)
        .ok_or_else(|| Failure::Browser(format!("the page has no element #{id}")))?
        .dyn_into::<T>()
        .map_err(|_| {
            Failure::Browser(format!(
                "#{id} is not a {}",
                std::any::type_name::<T>()
                    .rsplit("::")
                    .next()
                    .unwrap_or("element of the expected type")
            ))
        })
}

/// Listens to `event` on `target` until the returned listener is dropped.
/// The handler may call `preventDefault` (gloo's listeners are passive by
/// default, and a passive submit handler cannot stop the form's submission).
pub fn on(
    target: &impl AsRef<EventTarget>,
    event: &'static str,
    handler: impl FnMut(&Event) + 'static,
) -> EventListener {
    EventListener::new_with_options(
        target.as_ref(),
        event,
        EventListenerOptions::enable_prevent_default(),
        handler,
    )
}

/// Sets the text of the element with `id` (as text, never as HTML).
pub fn set_text(id: &str, text: &str) -> Result<(), Failure> {
    by_id::<Element>(id)?.set_text_content(Some(text));
    Ok(())
}

/// The text of the element with `id`.
pub fn text(id: &str) -> Result<String, Failure> {
    Ok(by_id::<Element>(id)?.text_content().unwrap_or_default())
}

/// Sets (or, with `None`, removes) an attribute of `element`.
pub fn set_attribute(element: &Element, name: &str, value: Option<&str>) -> Result<(), Failure> {
    match value {
        Some(value) => element.set_attribute(name, value),
        None => element.remove_attribute(name),
    }
    .map_err(Failure::from_js)
}

/// The first file of a drop event, if it carries one.
pub fn dropped_file(event: &Event) -> Option<File> {
    event
        .dyn_ref::<DragEvent>()
        .and_then(DragEvent::data_transfer)
        .and_then(|transfer| transfer.files())
        .and_then(|files| files.get(0))
}

/// A file's bytes (a picked or dropped file; it stays in the page).
pub async fn file_bytes(file: &File) -> Result<Vec<u8>, Failure> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(Failure::from_js)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The event's target or its nearest ancestor matching `selector`.
pub fn target_with(event: &Event, selector: &str) -> Option<Element> {
    event
        .target()?
        .dyn_into::<Element>()
        .ok()?
        .closest(selector)
        .ok()
        .flatten()
}

/// The value of an input, select or textarea (a checkbox: `"true"` or empty).
pub fn value_of(element: &Element) -> String {
    if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
        if input.type_() == "checkbox" {
            return if input.checked() { "true" } else { "" }.to_owned();
        }
        input.value()
    } else if let Some(select) = element.dyn_ref::<HtmlSelectElement>() {
        select.value()
    } else if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
        area.value()
    } else {
        String::new()
    }
}

/// Sets the value of an input, select or textarea (a checkbox: `"true"`
/// ticks it).
pub fn set_value(element: &Element, value: &str) {
    if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
        if input.type_() == "checkbox" {
            input.set_checked(value == "true");
            return;
        }
        input.set_value(value);
    } else if let Some(select) = element.dyn_ref::<HtmlSelectElement>() {
        select.set_value(value);
    } else if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
        area.set_value(value);
    }
}

/// Says how an action went: `#PREFIX-status` on success, `#PREFIX-error`
/// (in words, next to the control) on failure.
pub fn show_outcome(prefix: &str, outcome: Result<String, Failure>) {
    let (said, error) = match outcome {
        Ok(said) => (said, None),
        Err(failure) => (String::new(), Some(failure.to_string())),
    };
    let _ = set_text(&format!("{prefix}-status"), &said);
    if let Ok(slot) = by_id::<Element>(&format!("{prefix}-error")) {
        slot.set_text_content(error.as_deref());
        let _ = set_attribute(&slot, "hidden", error.is_none().then_some(""));
    }
}
