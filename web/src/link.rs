//! The page's link to a Web Worker of its own wasm, both ends: the page
//! starts the worker on first use, posts [`ToWorker`] messages and matches
//! each [`FromWorker::Answer`] to its request by id; the worker
//! ([`serve`]) answers each request with a handler. Any request and reply
//! types with serde work (the tools worker's [`crate::protocol`] today; a
//! lab module loaded on demand can bring its own).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Serialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, ErrorEvent, MessageEvent, Worker};

use crate::error::Failure;
use crate::protocol::codec::{self, CodecError};
use crate::protocol::{FromWorker, ToWorker};

type Resolve = Box<dyn FnOnce(Result<JsValue, Failure>)>;

/// The page's end of a link: one worker, started by [`Link::start`],
/// requests queued until it says it is ready.
pub struct Link {
    /// What the person knows the worker as ("the tools worker"), for messages.
    name: &'static str,
    worker: Worker,
    ready: bool,
    failed: Option<String>,
    next_id: u32,
    /// The requests still waiting, by id (a vector: a handful at most).
    waiting: Vec<(u32, Resolve)>,
    queued: Vec<JsValue>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(ErrorEvent)>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("name", &self.name)
            .field("ready", &self.ready)
            .field("waiting", &self.waiting.len())
            .finish_non_exhaustive()
    }
}

impl Link {
    /// Starts the worker whose loader script is `loader` (trunk's
    /// `data-loader-shim`, next to index.html), called `name` in messages.
    pub fn start(name: &'static str, loader: &'static str) -> Result<Rc<RefCell<Self>>, Failure> {
        let worker = Worker::new(loader).map_err(Failure::from_js)?;
        let link = Rc::new_cyclic(|weak: &Weak<RefCell<Self>>| {
            let on_message = {
                let weak = weak.clone();
                Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
                    if let Some(link) = weak.upgrade() {
                        answered(&link, event.data());
                    }
                })
            };
            let on_error = {
                let weak = weak.clone();
                Closure::<dyn Fn(ErrorEvent)>::new(move |event: ErrorEvent| {
                    if let Some(link) = weak.upgrade() {
                        let message = event.message();
                        let why = if message.is_empty() {
                            "the browser gave no reason (is the file served?)".to_owned()
                        } else {
                            message
                        };
                        fail_all(&link, format!("{name} ({loader}) did not start: {why}"));
                    }
                })
            };
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            RefCell::new(Self {
                name,
                worker,
                ready: false,
                failed: None,
                next_id: 0,
                waiting: Vec::new(),
                queued: Vec::new(),
                _on_message: on_message,
                _on_error: on_error,
            })
        });
        Ok(link)
    }
}

/// Sends `request` over `link` and waits for its answer.
pub async fn call<Rq: Serialize, Rp: DeserializeOwned>(
    link: &Rc<RefCell<Link>>,
    request: Rq,
) -> Result<Rp, Failure> {
    let name = link.borrow().name;
    if let Some(reason) = link.borrow().failed.clone() {
        return Err(Failure::Browser(reason));
    }
    let id = {
        let mut l = link.borrow_mut();
        l.next_id = l.next_id.wrapping_add(1);
        l.next_id
    };
    let message =
        codec::encode_request(&ToWorker { id, request }).map_err(|e| unreadable(name, &e))?;
    let slot: Rc<RefCell<Option<Result<JsValue, Failure>>>> = Rc::default();
    let promise = js_sys::Promise::new(&mut |resolve_js, _| {
        let slot = slot.clone();
        link.borrow_mut().waiting.push((
            id,
            Box::new(move |result| {
                *slot.borrow_mut() = Some(result);
                let _ = resolve_js.call0(&JsValue::NULL);
            }),
        ));
    });
    {
        let mut l = link.borrow_mut();
        if l.ready {
            l.worker.post_message(&message).map_err(Failure::from_js)?;
        } else {
            l.queued.push(message);
        }
    }
    JsFuture::from(promise).await.map_err(Failure::from_js)?;
    let answer = slot.borrow_mut().take();
    let answer =
        answer.unwrap_or_else(|| Err(Failure::Browser(format!("{name} gave no answer"))))?;
    match codec::decode_reply::<FromWorker<Rp>>(&answer).map_err(|e| unreadable(name, &e))? {
        FromWorker::Answer { reply, .. } => Ok(reply),
        FromWorker::Ready => Err(Failure::Browser(format!(
            "{name} answered \"ready\" to a request"
        ))),
    }
}

/// A message that does not decode, as the person sees it.
fn unreadable(name: &str, error: &CodecError) -> Failure {
    Failure::Browser(format!(
        "the page and {name} do not understand each other ({error}): reload the page"
    ))
}

/// A message from the worker: "ready" (post what waited), or an answer
/// for the request with its id (decoded by that request's caller).
fn answered(link: &Rc<RefCell<Link>>, data: JsValue) {
    match codec::reply_prefix(&data) {
        Ok((FromWorker::<()>::READY, _)) => {
            let mut l = link.borrow_mut();
            l.ready = true;
            for message in std::mem::take(&mut l.queued) {
                let _ = l.worker.post_message(&message);
            }
        }
        Ok((FromWorker::<()>::ANSWER, Some(id))) => {
            let resolve = {
                let mut l = link.borrow_mut();
                let at = l.waiting.iter().position(|(waiting, _)| *waiting == id);
                at.map(|at| l.waiting.swap_remove(at).1)
            };
            if let Some(resolve) = resolve {
                resolve(Ok(data));
            }
        }
        _ => {
            let name = link.borrow().name;
            fail_all(
                link,
                format!("{name} sent something the page cannot read: reload the page"),
            );
        }
    }
}

fn fail_all(link: &Rc<RefCell<Link>>, reason: String) {
    let waiting = {
        let mut l = link.borrow_mut();
        l.failed = Some(reason.clone());
        l.queued.clear();
        std::mem::take(&mut l.waiting)
    };
    for (_, resolve) in waiting {
        resolve(Err(Failure::Browser(reason.clone())));
    }
}

/// The worker's end: answers every request with `handle`, after saying
/// it is ready. A request that does not decode is answered with
/// `refused(why)` when its id can be read, so its caller hears why.
pub fn serve<Rq, Rp>(mut handle: impl FnMut(Rq) -> Rp + 'static, refused: fn(String) -> Rp)
where
    Rq: DeserializeOwned + 'static,
    Rp: Serialize + 'static,
{
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
        return;
    };
    let replier = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        let (id, reply) = match codec::decode_request::<ToWorker<Rq>>(data.clone()) {
            Ok(message) => (message.id, handle(message.request)),
            Err(error) => match codec::decode_request::<ToWorker<IgnoredAny>>(data) {
                Ok(message) => (
                    message.id,
                    refused(format!("the worker could not read the request: {error}")),
                ),
                Err(_) => return,
            },
        };
        let posted = codec::encode_reply(&FromWorker::Answer { id, reply }).or_else(|error| {
            codec::encode_reply(&FromWorker::Answer {
                id,
                reply: refused(format!("the worker could not write its answer: {error}")),
            })
        });
        if let Ok(message) = posted {
            let _ = replier.post_message(&message);
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as its listener: for good.
    on_message.forget();
    if let Ok(ready) = codec::encode_reply(&FromWorker::<()>::Ready) {
        let _ = scope.post_message(&ready);
    }
}
