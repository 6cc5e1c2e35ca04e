//! The tools worker: certplay-core's reading, lints, PKCS#12, CRLs and
//! CSRs (see [`crate::tools`]) live in their own wasm (`certplay-inspect`,
//! built by trunk as a Web Worker) that the page starts when Issue is
//! pressed or something is inspected. The page's own wasm stays small, and
//! slow work runs off the main thread.
//!
//! Messages: the page posts a [`Request`] (`{id, op, ...}`); the worker
//! posts `{ready: true}` once it listens, then a [`Reply`] with the same
//! `id` for each request.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker};

use crate::inspector::Inspection;
use crate::tools::{Reply, Request};
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

/// The worker's side: answers every request with [`crate::tools::handle`].
/// Called from the `certplay-inspect` binary's `main`.
pub fn serve() {
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
        return;
    };
    let replier = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let request = event.data();
        let reply = match Request::from_js(&request) {
            Ok(request) => crate::tools::handle(request),
            Err(reason) => Reply::Failed(reason),
        }
        .to_js();
        if let Some(reply) = reply.dyn_ref::<Object>() {
            set(reply, "id", &get(&request, "id"));
        }
        let _ = replier.post_message(&reply);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let ready = Object::new();
    set(&ready, "ready", &JsValue::TRUE);
    let _ = scope.post_message(&ready);
}

type Resolve = Box<dyn FnOnce(Result<Reply, Failure>)>;

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
                            "the tools worker ({LOADER}) did not start: {}",
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
        resolve(Ok(Reply::from_js(data)));
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

/// Starts the worker now (if it is not running), so that it is ready by
/// the time something asks it: Issue calls this before making keys.
pub fn start() {
    let _ = client();
}

/// Reads `bytes` in the worker (starting it the first time), opening a
/// PKCS#12 file with `password`.
pub async fn inspect(
    name: &str,
    bytes: &[u8],
    now: i64,
    password: Option<&str>,
) -> Result<Inspection, Failure> {
    let request = Request::Inspect {
        name: name.to_owned(),
        bytes: bytes.to_vec(),
        now,
        password: password.map(str::to_owned),
    };
    match call(&request).await? {
        Reply::Inspected(inspection) => Ok(inspection),
        other => Err(unexpected(&other)),
    }
}

/// A reply of the wrong kind, or the worker's refusal, as a failure.
pub fn unexpected(reply: &Reply) -> Failure {
    match reply {
        Reply::Failed(reason) => Failure::Browser(reason.clone()),
        _ => Failure::Browser("the tools worker answered something else".to_owned()),
    }
}

/// Runs `request` in the worker (starting it the first time).
pub async fn call(request: &Request) -> Result<Reply, Failure> {
    let client = client()?;
    if let Some(reason) = client.borrow().failed.clone() {
        return Err(Failure::Browser(reason));
    }
    let (id, request) = {
        let mut c = client.borrow_mut();
        c.next_id = c.next_id.wrapping_add(1);
        let id = c.next_id;
        let request = request.to_js();
        if let Some(object) = request.dyn_ref::<Object>() {
            set(object, "id", &JsValue::from(id));
        }
        (id, request)
    };
    let slot: Rc<RefCell<Option<Result<Reply, Failure>>>> = Rc::default();
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
    result.unwrap_or_else(|| {
        Err(Failure::Browser(
            "the tools worker gave no answer".to_owned(),
        ))
    })
}
