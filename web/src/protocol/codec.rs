//! How a message crosses `postMessage`: serde, straight into JS values
//! (`serde-wasm-bindgen`: structs as plain objects, bytes as `Uint8Array`).
//! A value that does not decode is a [`CodecError`] naming what was wrong,
//! never a default.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// A message that could not be written or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(String);

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodecError {}

/// `value` as a JS value to post.
#[cfg(not(feature = "json-codec"))]
pub fn encode<T: Serialize>(value: &T) -> Result<JsValue, CodecError> {
    serde_wasm_bindgen::to_value(value).map_err(|e| CodecError(e.to_string()))
}

/// A posted JS value as `T`.
#[cfg(not(feature = "json-codec"))]
pub fn decode<T: DeserializeOwned>(value: JsValue) -> Result<T, CodecError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| CodecError(e.to_string()))
}

/// `value` as a JS value to post.
#[cfg(feature = "json-codec")]
pub fn encode<T: Serialize>(value: &T) -> Result<JsValue, CodecError> {
    serde_json::to_string(value)
        .map(|text| JsValue::from_str(&text))
        .map_err(|e| CodecError(e.to_string()))
}

/// A posted JS value as `T`.
#[cfg(feature = "json-codec")]
pub fn decode<T: DeserializeOwned>(value: JsValue) -> Result<T, CodecError> {
    let text = value
        .as_string()
        .ok_or_else(|| CodecError("the message is not JSON text".to_owned()))?;
    serde_json::from_str(&text).map_err(|e| CodecError(e.to_string()))
}
