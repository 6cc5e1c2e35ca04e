//! How a message crosses `postMessage`, both ways with serde, never by
//! hand. A value that does not decode is a [`CodecError`] naming what was
//! wrong, never a default.
//!
//! - Page to worker: JSON text. Requests carry the plan, whose untagged
//!   validity and optional fields need a self-describing format, and the
//!   page already has serde_json's writer for the plan it shows.
//! - Worker to page: postcard bytes in a `Uint8Array`. Only the page
//!   decodes them, and postcard's decoder is small.
//!
//! Measured with `trunk build --release` and `gzip -9` while the page still
//! signed (its wasm then held the decoders of everything): replies as JS
//! values (`serde-wasm-bindgen`) made the page's wasm 299,507 bytes, JSON
//! both ways 305,578, JSON requests with postcard replies 282,161.

use std::fmt;

use js_sys::Uint8Array;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

/// A message that could not be written or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(String);

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodecError {}

/// A request (page to worker) as the JS value to post.
pub fn encode_request<T: Serialize>(value: &T) -> Result<JsValue, CodecError> {
    serde_json::to_string(value)
        .map(|text| JsValue::from_str(&text))
        .map_err(|e| CodecError(e.to_string()))
}

/// A posted request as `T`.
pub fn decode_request<T: DeserializeOwned>(value: JsValue) -> Result<T, CodecError> {
    let text = value
        .as_string()
        .ok_or_else(|| CodecError("the message is not a request (no JSON text)".to_owned()))?;
    serde_json::from_str(&text).map_err(|e| CodecError(e.to_string()))
}

/// A reply (worker to page) as the `Uint8Array` to post.
pub fn encode_reply<T: Serialize>(value: &T) -> Result<JsValue, CodecError> {
    let bytes = postcard::to_allocvec(value).map_err(|e| CodecError(e.to_string()))?;
    Ok(Uint8Array::from(bytes.as_slice()).into())
}

/// A posted reply as `T`.
pub fn decode_reply<T: DeserializeOwned>(value: &JsValue) -> Result<T, CodecError> {
    postcard::from_bytes(&reply_bytes(value)?).map_err(|e| CodecError(e.to_string()))
}

/// The first numbers of a posted reply (an enum's variant index, then the
/// first field when it is a number), read without decoding the rest: how
/// the page finds which request an answer it cannot decode belongs to.
pub fn reply_prefix(value: &JsValue) -> Result<(u32, Option<u32>), CodecError> {
    let bytes = reply_bytes(value)?;
    let (variant, rest) =
        postcard::take_from_bytes::<u32>(&bytes).map_err(|e| CodecError(e.to_string()))?;
    let first = postcard::take_from_bytes::<u32>(rest).ok().map(|(n, _)| n);
    Ok((variant, first))
}

fn reply_bytes(value: &JsValue) -> Result<Vec<u8>, CodecError> {
    value
        .dyn_ref::<Uint8Array>()
        .map(Uint8Array::to_vec)
        .ok_or_else(|| CodecError("the message is not a reply (no bytes)".to_owned()))
}
