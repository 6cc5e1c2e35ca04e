//! How a message crosses `postMessage`, both ways with serde, never by
//! hand. A value that does not decode is a [`CodecError`] naming what was
//! wrong, never a default.
//!
//! - Page to worker: each worker's requests choose ([`Ask`]). The tools
//!   worker's go as postcard bytes in a `Uint8Array`, like the replies:
//!   the plan they carry crosses in a form with every field always there
//!   ([`super::wire_plan`]), since postcard is not self-describing. The
//!   lab module's go as JSON text: it reads JSON anyway (the broken copy
//!   it is given).
//! - Worker to page: postcard bytes in a `Uint8Array`. Only the page
//!   decodes them, and postcard's decoder is small.
//!
//! Measured with `trunk build --release` and `gzip -9` while the page still
//! signed (its wasm then held the decoders of everything): replies as JS
//! values (`serde-wasm-bindgen`) made the page's wasm 299,507 bytes, JSON
//! both ways 305,578, JSON requests with postcard replies 282,161. The
//! tools worker's requests were JSON text until the worker went over its
//! budget: serde_json's reader and the untagged validity's buffering were
//! its largest decoders. As JS values (serde-wasm-bindgen) the worker was
//! 6 KB gzip smaller, as postcard bytes 24 KB (docs/BUILDING.md).

use std::fmt;

use js_sys::Uint8Array;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use super::ToWorker;

/// A message that could not be written or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(String);

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodecError {}

/// A worker's requests, and how they cross `postMessage`.
pub trait Ask: Serialize + DeserializeOwned + 'static {
    /// True: as postcard bytes; false: as JSON text. A constant, so that
    /// each worker's wasm holds only its own decoder.
    const POSTCARD: bool;
}

/// A request message (page to worker; `Rq`'s format) as the JS value to
/// post.
pub fn encode_request<Rq: Ask, T: Serialize>(value: &T) -> Result<JsValue, CodecError> {
    if Rq::POSTCARD {
        let bytes = postcard::to_allocvec(value).map_err(|e| CodecError(e.to_string()))?;
        Ok(Uint8Array::from(bytes.as_slice()).into())
    } else {
        serde_json::to_string(value)
            .map(|text| JsValue::from_str(&text))
            .map_err(|e| CodecError(e.to_string()))
    }
}

/// A posted request message (in `Rq`'s format) as `ToWorker<Rq>`.
pub fn decode_request<Rq: Ask>(value: &JsValue) -> Result<ToWorker<Rq>, CodecError> {
    if Rq::POSTCARD {
        postcard::from_bytes(&message_bytes(value, "request")?)
            .map_err(|e| CodecError(e.to_string()))
    } else {
        serde_json::from_str(&request_text(value)?).map_err(|e| CodecError(e.to_string()))
    }
}

/// The id of a posted request message that does not decode, read without
/// the rest (its first field), so that its answer can say why.
pub fn request_id<Rq: Ask>(value: &JsValue) -> Result<u32, CodecError> {
    if Rq::POSTCARD {
        let bytes = message_bytes(value, "request")?;
        postcard::take_from_bytes::<u32>(&bytes)
            .map(|(id, _)| id)
            .map_err(|e| CodecError(e.to_string()))
    } else {
        serde_json::from_str::<ToWorker<IgnoredAny>>(&request_text(value)?)
            .map(|message| message.id)
            .map_err(|e| CodecError(e.to_string()))
    }
}

fn request_text(value: &JsValue) -> Result<String, CodecError> {
    value
        .as_string()
        .ok_or_else(|| CodecError("the message is not a request (no JSON text)".to_owned()))
}

/// A reply (worker to page) as the `Uint8Array` to post.
pub fn encode_reply<T: Serialize>(value: &T) -> Result<JsValue, CodecError> {
    let bytes = postcard::to_allocvec(value).map_err(|e| CodecError(e.to_string()))?;
    Ok(Uint8Array::from(bytes.as_slice()).into())
}

/// A posted reply as `T`.
pub fn decode_reply<T: DeserializeOwned>(value: &JsValue) -> Result<T, CodecError> {
    postcard::from_bytes(&message_bytes(value, "reply")?).map_err(|e| CodecError(e.to_string()))
}

/// The first numbers of a posted reply (an enum's variant index, then the
/// first field when it is a number), read without decoding the rest: how
/// the page finds which request an answer it cannot decode belongs to.
pub fn reply_prefix(value: &JsValue) -> Result<(u32, Option<u32>), CodecError> {
    let bytes = message_bytes(value, "reply")?;
    let (variant, rest) =
        postcard::take_from_bytes::<u32>(&bytes).map_err(|e| CodecError(e.to_string()))?;
    let first = postcard::take_from_bytes::<u32>(rest).ok().map(|(n, _)| n);
    Ok((variant, first))
}

fn message_bytes(value: &JsValue, what: &str) -> Result<Vec<u8>, CodecError> {
    value
        .dyn_ref::<Uint8Array>()
        .map(Uint8Array::to_vec)
        .ok_or_else(|| CodecError(format!("the message is not a {what} (no bytes)")))
}
