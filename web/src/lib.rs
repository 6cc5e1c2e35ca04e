//! certplay-web: the page. A person keeps or edits the blog's defaults,
//! presses one button, and gets a CA, a server certificate and a client
//! certificate as PEM files, made and read back by `certplay-core` inside the
//! browser. Nothing is sent over the network.
//!
//! - [`form`] turns the form's text into a [`certplay_core::Plan`];
//! - [`keygen`] makes a plan's key pairs (WebCrypto for RSA, so the page
//!   never freezes);
//! - [`issue()`] is what the Issue button runs: check, keys, issue, read back;
//! - [`Page`] wires the markup of `index.html` to all of that;
//! - [`inspector`] reads any pasted, dropped or picked PEM/DER file;
//! - [`next_steps`] writes the commands to try the files with;
//! - [`dom`] and [`download`] keep web-sys boilerplate out of the rest.
//!
//! Everything compiles natively too (the workspace's native clippy covers
//! it); only the pure parts ([`form`], [`next_steps`]) are meant to run there.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod dom;
pub mod download;
pub mod form;
pub mod inspector;
mod issue;
pub mod keygen;
pub mod next_steps;
mod page;

pub use issue::{issue, issue_using, now_ms, Failure, IssuedSet};
pub use keygen::KeySource;
pub use page::{file_id, start, Page, BLOG_FILE_NAMES, ZIP_NAME};
