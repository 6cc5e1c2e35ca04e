//! The page's side of the tools worker ([`crate::worker`], its own wasm):
//! one [`Link`], started on first use, and the typed calls the panels
//! make over it.

use std::cell::RefCell;
use std::rc::Rc;

use certplay_core::IssuedPlan;

use crate::error::Failure;
use crate::link::{self, Link};
use crate::protocol::{Card, Reply, Request, SetHandle};

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
/// the time something asks it: Issue calls this before making keys.
pub fn start() {
    let _ = tools();
}

/// Runs `request` in the worker (starting it the first time).
pub async fn call(request: Request) -> Result<Reply, Failure> {
    link::call(&tools()?, request).await
}

/// Runs `request`, whose answer is a file's bytes.
pub async fn file(request: Request) -> Result<Vec<u8>, Failure> {
    match call(request).await? {
        Reply::File(bytes) => Ok(bytes),
        other => Err(unexpected(&other)),
    }
}

/// Hands an issued set to the worker (its keys cross once); the handle
/// the card tools name it by, and what each certificate says for its card.
pub async fn keep(set: &IssuedPlan) -> Result<(SetHandle, Vec<Card>), Failure> {
    match call(Request::Keep(set.clone())).await? {
        Reply::Kept { set, cards } => Ok((set, cards)),
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
