//! The key pairs of a plan, made in the tools worker where it is fastest:
//! RSA by the browser's WebCrypto (`crypto.subtle.generateKey` on the
//! worker's global, native code), elliptic-curve keys by certplay-core (a
//! millisecond or less each, while issuing).
//!
//! WebCrypto keys come back as PKCS#8 (`exportKey("pkcs8")`) and enter
//! core through [`KeyPair::from_pkcs8_der`], so core signs with them like
//! with its own.

use std::cell::Cell;
use std::rc::Rc;

use certplay_core::{KeyPair, KeyType};
use js_sys::{Array, ArrayBuffer, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Crypto, CryptoKey, CryptoKeyPair, SubtleCrypto};

use crate::link::Progress;
use crate::protocol::KeySource;
use crate::Failure;

/// Makes the key pairs `needed` (entry and key type) from `source`: none
/// with [`KeySource::Core`] (core makes each while issuing); with
/// [`KeySource::WebCrypto`], every one by WebCrypto, all at once, calling
/// `progress(done, of)` as each is made (RSA-4096 keys take seconds).
/// `progress` is one type for every caller: one copy of this code in the
/// worker's wasm.
pub async fn generate(
    needed: Vec<(String, KeyType)>,
    source: KeySource,
    progress: Progress,
) -> Result<Vec<(String, KeyPair)>, Failure> {
    if source == KeySource::Core {
        return Ok(Vec::new());
    }
    let keys = webcrypto_keys(needed.iter().map(|(_, key_type)| *key_type), progress).await?;
    Ok(needed.into_iter().map(|(name, _)| name).zip(keys).collect())
}

/// One key pair per type from WebCrypto, generated concurrently.
async fn webcrypto_keys(
    key_types: impl ExactSizeIterator<Item = KeyType>,
    progress: Progress,
) -> Result<Vec<KeyPair>, Failure> {
    let subtle = subtle()?;
    let of = u32::try_from(key_types.len()).unwrap_or(u32::MAX);
    let usages = Array::of2(&"sign".into(), &"verify".into());

    // Each finished key counts; the closure lives until all are made.
    let count = Rc::new(Cell::new(0u32));
    let counted = Closure::<dyn FnMut(JsValue)>::new(move |_| {
        count.set(count.get().saturating_add(1));
        progress(count.get(), of);
    });
    // A failure is reported by Promise.all below; the counting branch only
    // swallows it (no "uncaught in promise" in the console).
    let ignored = Closure::<dyn FnMut(JsValue)>::new(|_| ());

    // Start all before waiting for any: the browser runs them in parallel,
    // natively.
    let generating = Array::new();
    for key_type in key_types {
        let promise = subtle
            .generate_key_with_object(&algorithm(key_type)?, true, &usages)
            .map_err(Failure::from_js)?;
        let _counting = promise.then2(&counted, &ignored);
        generating.push(&promise);
    }
    let pairs = match JsFuture::from(Promise::all(&generating)).await {
        Ok(pairs) => pairs,
        Err(error) => {
            // Other keys may still finish and call the closures: keep them
            // (a few bytes, only when WebCrypto failed).
            counted.forget();
            ignored.forget();
            return Err(Failure::from_js(error));
        }
    };
    drop((counted, ignored));

    let exporting = Array::new();
    for pair in Array::from(&pairs).iter() {
        let private_key = pair.unchecked_into::<CryptoKeyPair>().get_private_key();
        exporting.push(&export_pkcs8(&subtle, &private_key)?.into());
    }
    let exported = Array::from(
        &JsFuture::from(Promise::all(&exporting))
            .await
            .map_err(Failure::from_js)?,
    );
    exported
        .iter()
        .map(|der| {
            let der = der
                .dyn_into::<ArrayBuffer>()
                .map_err(|_| Failure::Browser("exportKey(\"pkcs8\") gave no ArrayBuffer".into()))?;
            Ok(KeyPair::from_pkcs8_der(&Uint8Array::new(&der).to_vec())?)
        })
        .collect()
}

/// `crypto.subtle` of this thread's global: the worker's, or the window's
/// (the wasm tests run the worker's code on the page's thread).
fn subtle() -> Result<SubtleCrypto, Failure> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(Failure::from_js)?;
    let crypto = crypto
        .dyn_into::<Crypto>()
        .map_err(|_| Failure::Browser("no WebCrypto (crypto.subtle) here".into()))?;
    Ok(crypto.subtle())
}

fn export_pkcs8(subtle: &SubtleCrypto, key: &CryptoKey) -> Result<Promise, Failure> {
    subtle.export_key("pkcs8", key).map_err(Failure::from_js)
}

/// The WebCrypto algorithm object for `key_type`: RSASSA-PKCS1-v1_5 with
/// SHA-256 and e = 65537 (what core signs with), ECDSA on P-256/P-384, or
/// Ed25519.
fn algorithm(key_type: KeyType) -> Result<Object, Failure> {
    let object = Object::new();
    let set = |name: &str, value: &JsValue| {
        Reflect::set(&object, &name.into(), value).map_err(Failure::from_js)
    };
    match key_type {
        KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => {
            let bits = key_type.rsa_bits().unwrap_or(2048);
            set("name", &"RSASSA-PKCS1-v1_5".into())?;
            set(
                "modulusLength",
                &JsValue::from(u32::try_from(bits).unwrap_or(2048)),
            )?;
            set("publicExponent", &Uint8Array::from(&[1u8, 0, 1][..]))?;
            set("hash", &"SHA-256".into())?;
        }
        KeyType::EcdsaP256 | KeyType::EcdsaP384 => {
            set("name", &"ECDSA".into())?;
            let curve = if key_type == KeyType::EcdsaP256 {
                "P-256"
            } else {
                "P-384"
            };
            set("namedCurve", &curve.into())?;
        }
        KeyType::Ed25519 => {
            set("name", &"Ed25519".into())?;
        }
    }
    Ok(object)
}
