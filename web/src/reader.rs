//! The reader worker: the inspector's parsing and lints (certplay-core's
//! `read` and `lint`, about a quarter of the page's code) live in their own
//! wasm (`certplay-inspect`, built by trunk as a Web Worker) that the page
//! loads the first time something is inspected. The page's own wasm stays
//! small, and a large file is read off the main thread.
//!
//! Messages: the page posts `{id, name, bytes: Uint8Array, now}`; the
//! worker posts `{ready: true}` once it listens, then `{id, text, lints,
//! summary}` for each request.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker};

use crate::inspector::Inspection;
use crate::Failure;

/// The worker's loader script, written by trunk (`data-loader-shim`) next
/// to index.html; workers keep their cargo name (no hash).
pub const LOADER: &str = "./certplay-inspect_loader.js";

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // Setting a property on a plain new object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// The worker's side: answers every request with [`crate::inspector::inspect`].
/// Called from the `certplay-inspect` binary's `main`.
pub fn serve() {
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
        return;
    };
    let replier = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let request = event.data();
        let name = get(&request, "name").as_string().unwrap_or_default();
        let bytes = get(&request, "bytes")
            .dyn_into::<Uint8Array>()
            .map(|b| b.to_vec())
            .unwrap_or_default();
        // Whole seconds since the epoch fit an f64 exactly.
        let now = get(&request, "now").as_f64().map_or(0, |n| {
            #[allow(clippy::cast_possible_truncation)]
            let seconds = n as i64;
            seconds
        });
        let inspection = crate::inspector::inspect(&name, &bytes, now);
        let reply = Object::new();
        set(&reply, "id", &get(&request, "id"));
        set(&reply, "text", &JsValue::from_str(&inspection.text));
        set(&reply, "summary", &JsValue::from_str(&inspection.summary));
        let lints: Array = inspection
            .lints
            .iter()
            .map(|l| JsValue::from_str(l))
            .collect();
        set(&reply, "lints", &lints);
        let _ = replier.post_message(&reply);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let ready = Object::new();
    set(&ready, "ready", &JsValue::TRUE);
    let _ = scope.post_message(&ready);
}

type Resolve = Box<dyn FnOnce(Result<Inspection, Failure>)>;

/// The page's side: one worker, started on first use, requests matched to
/// answers by id.
struct Client {
    worker: Worker,
    ready: bool,
    failed: Option<String>,
    next_id: u32,
    waiting: BTreeMap<u32, Resolve>,
    queued: Vec<JsValue>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(web_sys::ErrorEvent)>,
}

thread_local! {
    static CLIENT: RefCell<Option<Rc<RefCell<Client>>>> = const { RefCell::new(None) };
}

fn client() -> Result<Rc<RefCell<Client>>, Failure> {
    if let Some(client) = CLIENT.with(|c| c.borrow().clone()) {
        return Ok(client);
    }
    let worker = Worker::new(LOADER).map_err(Failure::from_js)?;
    let client = Rc::new_cyclic(|weak: &std::rc::Weak<RefCell<Client>>| {
        let on_message = {
            let weak = weak.clone();
            Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
                if let Some(client) = weak.upgrade() {
                    answered(&client, &event.data());
                }
            })
        };
        let on_error = {
            let weak = weak.clone();
            Closure::<dyn Fn(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
                if let Some(client) = weak.upgrade() {
                    let message = event.message();
                    failed(
                        &client,
                        format!(
                            "the reader ({LOADER}) did not start: {}",
                            if message.is_empty() {
                                "the browser gave no reason (is the file served?)".to_owned()
                            } else {
                                message
                            }
                        ),
                    );
                }
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        RefCell::new(Client {
            worker,
            ready: false,
            failed: None,
            next_id: 0,
            waiting: BTreeMap::new(),
            queued: Vec::new(),
            _on_message: on_message,
            _on_error: on_error,
        })
    });
    CLIENT.with(|c| *c.borrow_mut() = Some(client.clone()));
    Ok(client)
}

fn answered(client: &Rc<RefCell<Client>>, data: &JsValue) {
    if get(data, "ready").is_truthy() {
        let mut c = client.borrow_mut();
        c.ready = true;
        for request in std::mem::take(&mut c.queued) {
            let _ = c.worker.post_message(&request);
        }
        return;
    }
    let Some(id) = get(data, "id").as_f64() else {
        return;
    };
    let resolve = {
        let mut c = client.borrow_mut();
        let key = c.waiting.keys().copied().find(|k| f64::from(*k) == id);
        key.and_then(|k| c.waiting.remove(&k))
    };
    if let Some(resolve) = resolve {
        let lints = get(data, "lints")
            .dyn_into::<Array>()
            .map(|a| a.iter().filter_map(|l| l.as_string()).collect())
            .unwrap_or_default();
        resolve(Ok(Inspection {
            text: get(data, "text").as_string().unwrap_or_default(),
            lints,
            summary: get(data, "summary").as_string().unwrap_or_default(),
        }));
    }
}

fn failed(client: &Rc<RefCell<Client>>, reason: String) {
    let waiting = {
        let mut c = client.borrow_mut();
        c.failed = Some(reason.clone());
        c.queued.clear();
        std::mem::take(&mut c.waiting)
    };
    for (_, resolve) in waiting {
        resolve(Err(Failure::Browser(reason.clone())));
    }
}

/// Reads `bytes` in the worker (starting it the first time).
pub async fn inspect(name: &str, bytes: &[u8], now: i64) -> Result<Inspection, Failure> {
    let client = client()?;
    if let Some(reason) = client.borrow().failed.clone() {
        return Err(Failure::Browser(reason));
    }
    let (id, request) = {
        let mut c = client.borrow_mut();
        c.next_id = c.next_id.wrapping_add(1);
        let id = c.next_id;
        let request = Object::new();
        set(&request, "id", &JsValue::from(id));
        set(&request, "name", &JsValue::from_str(name));
        set(&request, "bytes", &Uint8Array::from(bytes));
        // Unix seconds are far below 2^53: exact as an f64.
        #[allow(clippy::cast_precision_loss)]
        set(&request, "now", &JsValue::from_f64(now as f64));
        (id, JsValue::from(request))
    };
    let slot: Rc<RefCell<Option<Result<Inspection, Failure>>>> = Rc::default();
    let promise = js_sys::Promise::new(&mut |resolve_js, _| {
        let slot = slot.clone();
        client.borrow_mut().waiting.insert(
            id,
            Box::new(move |result| {
                *slot.borrow_mut() = Some(result);
                let _ = resolve_js.call0(&JsValue::NULL);
            }),
        );
    });
    {
        let mut c = client.borrow_mut();
        if c.ready {
            c.worker.post_message(&request).map_err(Failure::from_js)?;
        } else {
            c.queued.push(request);
        }
    }
    JsFuture::from(promise).await.map_err(Failure::from_js)?;
    let result = slot.borrow_mut().take();
    result.unwrap_or_else(|| Err(Failure::Browser("the reader gave no answer".to_owned())))
}
