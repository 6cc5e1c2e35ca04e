//! The page's link to a Web Worker of its own wasm, both ends: the page
//! starts the worker on first use, posts [`ToWorker`] messages and matches
//! each [`FromWorker::Answer`] (and [`FromWorker::Progress`]) to its
//! request by id; the worker ([`serve`]) answers each request with an
//! async handler, which may report progress first. Any request and reply
//! types with serde work (the tools worker's [`crate::protocol`] today; a
//! lab module loaded on demand can bring its own). Both ends also work
//! over the two ports of a `MessageChannel` in one thread (how the wasm
//! tests run the worker's code: their harness serves no worker).

use std::cell::RefCell;
use std::future::Future;
use std::rc::{Rc, Weak};

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{DedicatedWorkerGlobalScope, ErrorEvent, MessageEvent, MessagePort, Worker};

use crate::error::Failure;
use crate::protocol::codec::{self, Ask, CodecError};
use crate::protocol::{FromWorker, ToWorker};

type Resolve = Box<dyn FnOnce(Result<JsValue, Failure>)>;

/// What a caller does with a request's progress: `(done, of)`.
pub type Progress = Rc<dyn Fn(u32, u32)>;

/// Where messages go: the worker (page side), the worker's own global
/// scope (worker side), or one port of a `MessageChannel` (either side).
#[derive(Debug, Clone)]
pub enum Port {
    /// The page's handle on a started worker.
    Worker(Worker),
    /// The worker's global scope, inside the worker.
    Scope(DedicatedWorkerGlobalScope),
    /// A `MessageChannel`'s port.
    Channel(MessagePort),
}

impl Port {
    fn post(&self, message: &JsValue) -> Result<(), JsValue> {
        match self {
            Self::Worker(worker) => worker.post_message(message),
            Self::Scope(scope) => scope.post_message(message),
            Self::Channel(port) => port.post_message(message),
        }
    }

    /// Sets `onmessage` (on a port it also starts the delivery).
    fn listen(&self, handler: &js_sys::Function) {
        match self {
            Self::Worker(worker) => worker.set_onmessage(Some(handler)),
            Self::Scope(scope) => scope.set_onmessage(Some(handler)),
            Self::Channel(port) => port.set_onmessage(Some(handler)),
        }
    }
}

/// A request still waiting for its answer.
struct Waiting {
    id: u32,
    resolve: Resolve,
    progress: Option<Progress>,
}

/// The page's end of a link: one worker, started by [`Link::start`],
/// requests queued until it says it is ready.
pub struct Link {
    /// What the person knows the worker as ("the tools worker"), for messages.
    name: &'static str,
    port: Port,
    ready: bool,
    failed: Option<String>,
    next_id: u32,
    /// The requests still waiting (a vector: a handful at most).
    waiting: Vec<Waiting>,
    queued: Vec<JsValue>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Option<Closure<dyn Fn(ErrorEvent)>>,
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
        let link = Self::over(name, Port::Worker(worker.clone()));
        let weak = Rc::downgrade(&link);
        let on_error = Closure::<dyn Fn(ErrorEvent)>::new(move |event: ErrorEvent| {
            if let Some(link) = weak.upgrade() {
                let message = event.message();
                let why = if message.is_empty() {
                    "the browser gave no reason (is the file served?)".to_owned()
                } else {
                    message
                };
                fail_all(&link, format!("{name} ({loader}) did not start: {why}"));
            }
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        link.borrow_mut()._on_error = Some(on_error);
        Ok(link)
    }

    /// A link over `port`, whose other end [`serve`]s.
    pub fn over(name: &'static str, port: Port) -> Rc<RefCell<Self>> {
        Rc::new_cyclic(|weak: &Weak<RefCell<Self>>| {
            let weak = weak.clone();
            let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
                if let Some(link) = weak.upgrade() {
                    answered(&link, event.data());
                }
            });
            port.listen(on_message.as_ref().unchecked_ref());
            RefCell::new(Self {
                name,
                port,
                ready: false,
                failed: None,
                next_id: 0,
                waiting: Vec::new(),
                queued: Vec::new(),
                _on_message: on_message,
                _on_error: None,
            })
        })
    }
}

/// Sends `request` over `link` and waits for its answer; `progress` hears
/// what the worker reports meanwhile.
pub async fn call<Rq: Ask, Rp: DeserializeOwned>(
    link: &Rc<RefCell<Link>>,
    request: Rq,
    progress: Option<Progress>,
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
    let message = codec::encode_request::<Rq, _>(&ToWorker { id, request })
        .map_err(|e| unreadable(name, &e))?;
    let slot: Rc<RefCell<Option<Result<JsValue, Failure>>>> = Rc::default();
    let promise = js_sys::Promise::new(&mut |resolve_js, _| {
        let slot = slot.clone();
        link.borrow_mut().waiting.push(Waiting {
            id,
            resolve: Box::new(move |result| {
                *slot.borrow_mut() = Some(result);
                let _ = resolve_js.call0(&JsValue::NULL);
            }),
            progress: progress.clone(),
        });
    });
    {
        let mut l = link.borrow_mut();
        if l.ready {
            l.port.post(&message).map_err(Failure::from_js)?;
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
        FromWorker::Ready | FromWorker::Progress { .. } => Err(Failure::Browser(format!(
            "{name} answered a request with something else"
        ))),
    }
}

/// A message that does not decode, as the person sees it.
fn unreadable(name: &str, error: &CodecError) -> Failure {
    Failure::Browser(format!(
        "the page and {name} do not understand each other ({error}): reload the page"
    ))
}

/// A message from the worker: "ready" (post what waited), a request's
/// progress, or an answer for the request with its id (decoded by that
/// request's caller).
fn answered(link: &Rc<RefCell<Link>>, data: JsValue) {
    match codec::reply_prefix(&data) {
        Ok((FromWorker::<()>::READY, _)) => {
            let mut l = link.borrow_mut();
            l.ready = true;
            for message in std::mem::take(&mut l.queued) {
                let _ = l.port.post(&message);
            }
        }
        Ok((FromWorker::<()>::ANSWER, Some(id))) => {
            let resolve = {
                let mut l = link.borrow_mut();
                let at = l.waiting.iter().position(|waiting| waiting.id == id);
                at.map(|at| l.waiting.swap_remove(at).resolve)
            };
            if let Some(resolve) = resolve {
                resolve(Ok(data));
            }
        }
        Ok((FromWorker::<()>::PROGRESS, _)) => {
            if let Ok(FromWorker::Progress { id, done, of }) =
                codec::decode_reply::<FromWorker<()>>(&data)
            {
                let progress = link
                    .borrow()
                    .waiting
                    .iter()
                    .find(|waiting| waiting.id == id)
                    .and_then(|waiting| waiting.progress.clone());
                if let Some(progress) = progress {
                    progress(done, of);
                }
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
    for waiting in waiting {
        (waiting.resolve)(Err(Failure::Browser(reason.clone())));
    }
}

/// The worker's end, on `port`: answers every request with `handle`,
/// after saying it is ready; requests run concurrently (a slow one does
/// not hold up the rest), each with a [`Progress`] that posts
/// [`FromWorker::Progress`] for it. A request that does not decode is
/// answered with `refused(why)` when its id can be read, so its caller
/// hears why.
pub fn serve<Rq, Rp, F>(
    port: Port,
    handle: impl Fn(Rq, Progress) -> F + 'static,
    refused: fn(String) -> Rp,
) where
    Rq: Ask,
    Rp: Serialize + 'static,
    F: Future<Output = Rp> + 'static,
{
    let replier = port.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        let (id, request) = match codec::decode_request::<Rq>(&data) {
            Ok(message) => (message.id, Ok(message.request)),
            Err(error) => match codec::request_id::<Rq>(&data) {
                Ok(id) => (
                    id,
                    Err(format!("the worker could not read the request: {error}")),
                ),
                Err(_) => return,
            },
        };
        let progress: Progress = {
            let port = replier.clone();
            Rc::new(move |done, of| {
                if let Ok(message) =
                    codec::encode_reply(&FromWorker::<()>::Progress { id, done, of })
                {
                    let _ = port.post(&message);
                }
            })
        };
        let answering = request.map(|request| handle(request, progress));
        let port = replier.clone();
        spawn_local(async move {
            let reply = match answering {
                Ok(answering) => answering.await,
                Err(why) => refused(why),
            };
            let posted = codec::encode_reply(&FromWorker::Answer { id, reply }).or_else(|error| {
                codec::encode_reply(&FromWorker::Answer {
                    id,
                    reply: refused(format!("the worker could not write its answer: {error}")),
                })
            });
            if let Ok(message) = posted {
                let _ = port.post(&message);
            }
        });
    });
    port.listen(on_message.as_ref().unchecked_ref());
    // The worker lives as long as its listener: for good.
    on_message.forget();
    if let Ok(ready) = codec::encode_reply(&FromWorker::<()>::Ready) {
        let _ = port.post(&ready);
    }
}

/// The worker's own global scope, when this code runs in a worker.
pub fn worker_scope() -> Option<Port> {
    js_sys::global()
        .dyn_into::<DedicatedWorkerGlobalScope>()
        .ok()
        .map(Port::Scope)
}
