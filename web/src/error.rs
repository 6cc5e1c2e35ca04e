//! The page's error: certplay-core's refusal in its own words, or a
//! browser API's failure in the browser's. `Display` is what the page shows.

use std::fmt;

use wasm_bindgen::{JsCast, JsValue};

/// Why something failed. `Display` is the text the page shows (`#error`,
/// a tool's error slot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// certplay-core refused (a form field, a key, signing): its own words.
    Core(certplay_core::Error),
    /// A browser API failed (WebCrypto, the DOM), with the browser's words.
    Browser(String),
}

impl Failure {
    /// A failure from a browser API's exception.
    pub fn from_js(value: JsValue) -> Self {
        let text = match value.dyn_ref::<js_sys::Error>() {
            Some(error) => format!(
                "{}: {}",
                String::from(error.name()),
                String::from(error.message())
            ),
            None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
        };
        Self::Browser(text)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Core(error) => error.fmt(f),
            Self::Browser(reason) => write!(f, "the browser failed: {reason}"),
        }
    }
}

impl std::error::Error for Failure {}

impl From<certplay_core::Error> for Failure {
    fn from(error: certplay_core::Error) -> Self {
        Self::Core(error)
    }
}
