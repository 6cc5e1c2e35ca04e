//! The three key pairs of a set, made where it is fastest without freezing
//! the page: RSA by the browser's WebCrypto (`crypto.subtle.generateKey`,
//! native code off the main thread), P-256 by certplay-core (a millisecond).
//!
//! WebCrypto keys come back as PKCS#8 (`exportKey("pkcs8")`) and enter
//! core through [`KeyPair::from_pkcs8_der`], so core signs with them like
//! with its own.

use certplay_core::{KeyPair, KeyType, PkiKeys};
use js_sys::{Array, ArrayBuffer, Object, Promise, Reflect, Uint8Array};
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
            KeyType::Rsa2048 => Self::WebCrypto,
            _ => Self::Core,
        }
    }
}

/// Makes the three key pairs of a set (CA, server, client).
pub async fn generate(key_type: KeyType, source: KeySource) -> Result<PkiKeys, Failure> {
    match source {
        KeySource::Core => Ok(PkiKeys::generate(key_type)?),
        KeySource::WebCrypto => {
            let [ca, server, client] = webcrypto_keys(key_type).await?;
            Ok(PkiKeys { ca, server, client })
        }
    }
}

/// Three key pairs from WebCrypto, generated concurrently.
async fn webcrypto_keys(key_type: KeyType) -> Result<[KeyPair; 3], Failure> {
    let subtle = window()?.crypto().map_err(Failure::from_js)?.subtle();
    let algorithm = algorithm(key_type)?;
    let usages = Array::of2(&"sign".into(), &"verify".into());

    // Start all three before waiting for any: the browser runs them in parallel.
    let generating = Array::new();
    for _ in 0..3 {
        let promise = subtle
            .generate_key_with_object(&algorithm, true, &usages)
            .map_err(Failure::from_js)?;
        generating.push(&promise);
    }
    let pairs = JsFuture::from(Promise::all(&generating))
        .await
        .map_err(Failure::from_js)?;

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

    let key = |i: u32| -> Result<KeyPair, Failure> {
        let der = exported
            .get(i)
            .dyn_into::<ArrayBuffer>()
            .map_err(|_| Failure::Browser("exportKey(\"pkcs8\") gave no ArrayBuffer".into()))?;
        Ok(KeyPair::from_pkcs8_der(&Uint8Array::new(&der).to_vec())?)
    };
    Ok([key(0)?, key(1)?, key(2)?])
}

fn export_pkcs8(subtle: &SubtleCrypto, key: &CryptoKey) -> Result<Promise, Failure> {
    subtle.export_key("pkcs8", key).map_err(Failure::from_js)
}

/// The WebCrypto algorithm object for `key_type`: RSASSA-PKCS1-v1_5 with
/// SHA-256 and e = 65537 (what core signs with), or ECDSA on P-256.
fn algorithm(key_type: KeyType) -> Result<Object, Failure> {
    let object = Object::new();
    let set = |name: &str, value: &JsValue| {
        Reflect::set(&object, &name.into(), value).map_err(Failure::from_js)
    };
    match key_type {
        KeyType::Rsa2048 => {
            set("name", &"RSASSA-PKCS1-v1_5".into())?;
            set("modulusLength", &2048.into())?;
            set("publicExponent", &Uint8Array::from(&[1u8, 0, 1][..]))?;
            set("hash", &"SHA-256".into())?;
        }
        KeyType::EcdsaP256 => {
            set("name", &"ECDSA".into())?;
            set("namedCurve", &"P-256".into())?;
        }
        other => {
            return Err(Failure::Browser(format!(
                "{} keys are not made with WebCrypto here",
                other.description()
            )))
        }
    }
    Ok(object)
}
