//! The key pairs of a plan, made where it is fastest without freezing the
//! page: RSA by the browser's WebCrypto (`crypto.subtle.generateKey`,
//! native code off the main thread), elliptic-curve keys by certplay-core
//! (a millisecond or less each).
//!
//! WebCrypto keys come back as PKCS#8 (`exportKey("pkcs8")`) and enter
//! core through [`KeyPair::from_pkcs8_der`], so core signs with them like
//! with its own.

use std::cell::Cell;
use std::rc::Rc;

use certplay_core::{KeyPair, KeyType, Materials, Plan};
use js_sys::{Array, ArrayBuffer, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, CryptoKeyPair, SubtleCrypto};

use crate::dom::window;
use crate::Failure;

/// Where a set's key pairs come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The browser's WebCrypto: native speed, does not block the page.
    WebCrypto,
    /// certplay-core's pure-Rust generator, on the page's thread.
    Core,
}

impl KeySource {
    /// The source the page uses for `key_type`. RSA-2048 takes core about
    /// 0.2 s a key in wasm (and far longer at times: it searches for
    /// primes), which would freeze the page; WebCrypto does it natively and
    /// off the main thread. A P-256 key is one scalar multiplication, faster
    /// in core than a round trip through WebCrypto's promises (measured by
    /// `web/tests/timing.rs`).
    pub fn for_key_type(key_type: KeyType) -> Self {
        match key_type {
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => Self::WebCrypto,
            KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::Ed25519 => Self::Core,
        }
    }

    /// The source for a plan: WebCrypto as soon as one entry needs RSA.
    pub fn for_plan(plan: &Plan) -> Self {
        let any_rsa = plan
            .keys_needed()
            .iter()
            .any(|(_, key_type)| Self::for_key_type(*key_type) == Self::WebCrypto);
        if any_rsa {
            Self::WebCrypto
        } else {
            Self::Core
        }
    }
}

/// Makes the key pairs a plan needs. With [`KeySource::Core`] none are
/// made here (core makes each while issuing); with
/// [`KeySource::WebCrypto`], every key is made by WebCrypto, all at once.
pub async fn generate(plan: &Plan, source: KeySource) -> Result<Materials, Failure> {
    generate_with_progress(plan, source, |_| ()).await
}

/// [`generate`], calling `progress(done)` each time WebCrypto finishes a
/// key (the page shows "N of M keys made" while RSA-4096 keys take seconds).
pub async fn generate_with_progress(
    plan: &Plan,
    source: KeySource,
    progress: impl Fn(usize) + 'static,
) -> Result<Materials, Failure> {
    let mut materials = Materials::default();
    if source == KeySource::Core {
        return Ok(materials);
    }
    let needed = plan.keys_needed();
    let keys = webcrypto_keys(needed.iter().map(|(_, key_type)| *key_type), progress).await?;
    for ((name, _), key) in needed.into_iter().zip(keys) {
        materials.keys.insert(name, key);
    }
    Ok(materials)
}

/// One key pair per type from WebCrypto, generated concurrently.
async fn webcrypto_keys(
    key_types: impl Iterator<Item = KeyType>,
    progress: impl Fn(usize) + 'static,
) -> Result<Vec<KeyPair>, Failure> {
    let subtle = window()?.crypto().map_err(Failure::from_js)?.subtle();
    let usages = Array::of2(&"sign".into(), &"verify".into());

    // Each finished key counts; the closure lives until all are made.
    let count = Rc::new(Cell::new(0usize));
    let counted = Closure::<dyn FnMut(JsValue)>::new(move |_| {
        count.set(count.get().saturating_add(1));
        progress(count.get());
    });
    // A failure is reported by Promise.all below; the counting branch only
    // swallows it (no "uncaught in promise" in the console).
    let ignored = Closure::<dyn FnMut(JsValue)>::new(|_| ());

    // Start all before waiting for any: the browser runs them in parallel
    // (natively, off the page's thread: the page never freezes).
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
