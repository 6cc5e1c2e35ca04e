//! certplay-web: the page. A person picks a preset (the blog's set by
//! default), edits its entries, presses one button, and gets every
//! certificate, key and chain of the plan as PEM files, made and read back by `certplay-core` inside the
//! browser. Nothing is sent over the network, except by [`live`]'s button
//! (to the `certplay serve` that served the page, when the person clicks).
//!
//! - [`editor`] turns the plan editor's text into a [`certplay_core::Plan`]
//!   (errors name the entry and field, so the page shows them beside it);
//! - [`keygen`] makes a plan's key pairs (WebCrypto for RSA, so the page
//!   never freezes);
//! - [`issue()`] is what the Issue button runs: check, keys, issue;
//! - [`Page`] wires the markup of `index.html` to all of that;
//! - [`inspector`] reads any pasted, dropped or picked PEM/DER file, in
//!   the tools [`worker`] (its own wasm, started by Issue or the first
//!   inspection), which also keeps the issued set, reads its certificates
//!   back for their cards and makes PKCS#12 files, CRLs and CSRs; the page
//!   talks to it in [`protocol`]'s messages over a [`link`] ([`tools`]);
//! - [`check`] is the inspector's chain check (verified in that worker);
//! - `artifacts` wires each card's tools (PKCS#12, DER, revoke, CRL, CSR,
//!   Inspect) and the "Sign a CSR" panel;
//! - [`live`] links the page to the `certplay serve` that served it (its
//!   connections, streamed; the issued set loaded into it on a click);
//! - [`next_steps`] writes the commands to try the files with;
//! - [`own_ca`] keeps the CA a person brings ("my own CA": its files read
//!   and checked by the tools worker, which keeps its key to sign);
//! - [`dom`] and [`download`] keep web-sys boilerplate out of the rest;
//!   [`error`] is the page's [`Failure`].
//!
//! Everything compiles natively too (the workspace's native clippy covers
//! it); only the pure parts ([`editor`], [`next_steps`]) are meant to run there.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod artifacts;
pub mod check;
pub mod dom;
pub mod download;
pub mod editor;
pub mod error;
pub mod inspector;
mod issue;
pub mod keygen;
pub mod link;
pub mod live;
pub mod next_steps;
pub mod own_ca;
mod page;
pub mod protocol;
pub mod tools;
pub mod worker;

pub use error::Failure;
pub use issue::{issue, issue_using, issue_with_progress, now_ms, IssuedSet};
pub use keygen::KeySource;
pub use page::{file_id, start, Page, BLOG_FILE_NAMES, ZIP_NAME};
