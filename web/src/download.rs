//! Saving bytes as a file: a `Blob`, an object URL, a temporary
//! `<a download>` clicked, and the URL revoked once the click is handled.
//! Nothing leaves the browser.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

use crate::dom::{document, window};
use crate::Failure;

/// The media type of a PEM file (RFC 7468 has none; this is the common one).
pub const PEM_TYPE: &str = "application/x-pem-file";
/// The media type of a zip.
pub const ZIP_TYPE: &str = "application/zip";

/// How long the object URL outlives the click. The download has been handed
/// to the browser when the click handler returns; a little slack keeps
/// browsers that resolve the URL later (Firefox, Safari) working.
const REVOKE_AFTER_MS: i32 = 1_000;

/// A `Blob` holding `bytes` with the media type `mime`.
pub fn blob(bytes: &[u8], mime: &str) -> Result<Blob, Failure> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(Failure::from_js)
}

/// Offers `bytes` as a download named `name`.
pub fn save(name: &str, bytes: &[u8], mime: &str) -> Result<(), Failure> {
    let url = Url::create_object_url_with_blob(&blob(bytes, mime)?).map_err(Failure::from_js)?;
    let clicked = click_link(name, &url);
    let revoke_url = url.clone();
    let revoke = Closure::once_into_js(move || {
        // Revoking cannot fail in a way the page could act on.
        let _ = Url::revoke_object_url(&revoke_url);
    });
    let scheduled = window()?
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            revoke.unchecked_ref(),
            REVOKE_AFTER_MS,
        )
        .map_err(Failure::from_js);
    if scheduled.is_err() {
        let _ = Url::revoke_object_url(&url);
    }
    clicked.and(scheduled.map(drop))
}

/// Clicks a temporary `<a href=url download=name>`, in the document only
/// for the click (some browsers ignore clicks on detached links).
fn click_link(name: &str, url: &str) -> Result<(), Failure> {
    let document = document()?;
    let link = document
        .create_element("a")
        .map_err(Failure::from_js)?
        .dyn_into::<HtmlAnchorElement>()
        .map_err(|_| Failure::Browser("<a> is not an anchor element".into()))?;
    link.set_href(url);
    link.set_download(name);
    link.set_hidden(true);
    let body = document
        .body()
        .ok_or_else(|| Failure::Browser("the document has no body".into()))?;
    body.append_child(&link).map_err(Failure::from_js)?;
    link.click();
    link.remove();
    Ok(())
}
