//! The page's side of the tools worker ([`crate::worker`], its own wasm):
//! one [`Link`], started on first use, and the typed calls the panels
//! make over it.

use std::cell::RefCell;
use std::rc::Rc;

use crate::error::Failure;
use crate::link::{self, Link, Port};
use crate::protocol::{Reply, Request};

/// The worker's loader script, written by trunk (`data-loader-shim`) next
/// to index.html; workers keep their cargo name (no hash).
pub const LOADER: &str = "./certplay-inspect_loader.js";

thread_local! {
    static LINK: RefCell<Option<Rc<RefCell<Link>>>> = const { RefCell::new(None) };
}

fn tools() -> Result<Rc<RefCell<Link>>, Failure> {
    if let Some(link) = LINK.with(|l| l.borrow().clone()) {
        return Ok(link);
    }
    let link = Link::start("the tools worker", LOADER)?;
    LINK.with(|l| *l.borrow_mut() = Some(link.clone()));
    Ok(link)
}

/// Starts the worker now (if it is not running), so that it is ready by
/// the time something asks it: Issue calls this before checking the plan.
pub fn start() {
    let _ = tools();
}

/// Runs the worker's code on this thread instead of starting its wasm,
/// over a `MessageChannel` (the same messages, codec and handlers): for
/// the wasm tests, whose harness serves no worker. Every later call goes
/// to fresh tools.
pub fn run_here() -> Result<(), Failure> {
    let channel = web_sys::MessageChannel::new().map_err(Failure::from_js)?;
    crate::worker::serve_on(Port::Channel(channel.port2()));
    let link = Link::over("the tools worker", Port::Channel(channel.port1()));
    LINK.with(|l| *l.borrow_mut() = Some(link));
    Ok(())
}

/// Runs `request` in the worker (starting it the first time).
pub async fn call(request: Request) -> Result<Reply, Failure> {
    link::call(&tools()?, request, None).await
}

/// [`call`], with `progress(done, of)` called as the worker reports it.
pub async fn call_with_progress(
    request: Request,
    progress: impl Fn(u32, u32) + 'static,
) -> Result<Reply, Failure> {
    link::call(&tools()?, request, Some(Rc::new(progress))).await
}

/// Runs `request`, whose answer is a file's bytes.
pub async fn file(request: Request) -> Result<Vec<u8>, Failure> {
    match call(request).await? {
        Reply::File(bytes) => Ok(bytes),
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
