//! What the Issue button runs: check the form, make the keys, issue the set,
//! and read every certificate back from its DER.

use std::fmt;

use certplay_core::{CertInfo, KeyType, Pki, PkiParams};
use time::OffsetDateTime;
use wasm_bindgen::{JsCast, JsValue};

use crate::keygen::{self, KeySource};

/// An issued set, with what each certificate says (read from its DER, never
/// taken from the form).
#[derive(Debug, Clone)]
pub struct IssuedSet {
    /// The certificates and keys.
    pub pki: Pki,
    /// The CA certificate, read back.
    pub ca: CertInfo,
    /// The server certificate, read back.
    pub server: CertInfo,
    /// The client certificate, read back.
    pub client: CertInfo,
    /// The key type the set was issued with.
    pub key_type: KeyType,
    /// Where the keys came from.
    pub key_source: KeySource,
    /// Milliseconds from the first key to the last certificate read back.
    pub millis: f64,
}

/// Why issuing failed. `Display` is the text the page shows in `#error`.
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

/// Issues the set `params` describes, with keys from where the page makes
/// them ([`KeySource::for_key_type`]). The parameters are checked before any
/// key work, so a form error appears at once.
pub async fn issue(params: &PkiParams) -> Result<IssuedSet, Failure> {
    issue_using(params, KeySource::for_key_type(params.key_type)).await
}

/// [`issue`] with the keys from `source` (for tests and measurements).
pub async fn issue_using(params: &PkiParams, source: KeySource) -> Result<IssuedSet, Failure> {
    params.check()?;
    let start = now_ms();
    let keys = keygen::generate(params.key_type, source).await?;
    let pki = params.issue_with(keys, OffsetDateTime::now_utc())?;
    let ca = CertInfo::from_der(&pki.ca.cert_der)?;
    let server = CertInfo::from_der(&pki.server.cert_der)?;
    let client = CertInfo::from_der(&pki.client.cert_der)?;
    Ok(IssuedSet {
        pki,
        ca,
        server,
        client,
        key_type: params.key_type,
        key_source: source,
        millis: now_ms() - start,
    })
}

/// `performance.now()`: milliseconds with sub-millisecond resolution; 0
/// where there is no `performance` (natively, in a worker without it).
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|window| window.performance())
            .map_or(0.0, |performance| performance.now())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}
