//! certplay-web: the page. A person picks a preset (the blog's set by
//! default), edits its entries, presses one button, and gets every
//! certificate, key and chain of the plan as PEM files, made and read back
//! by `certplay-core` inside the browser. Nothing is sent over the
//! network, except by the live panel's button (to the `certplay serve`
//! that served the page, when the person clicks).
//!
//! In layers, each using only those below it:
//!
//! - [`ui`]: the panels (editor, results, card tools, inspector, chain
//!   check, own CA, own key, next steps, live link), one file each, talking
//!   to each other only through [`ui::Event`]s and the shared
//!   [`ui::State`]; [`start`] mounts them on `index.html`'s markup;
//! - [`issue()`] (what the Issue button runs: check the plan, then the
//!   worker issues), [`editor`] (the form's text to a
//!   [`certplay_core::Plan`]: pure Rust), [`next_steps`] (the commands to
//!   try the files) and [`own_ca`] (the CAs a person brings);
//! - [`tools`]: the page's calls to its tools [`worker`] (its own wasm,
//!   started by Issue or the first inspection), which issues (keys by
//!   WebCrypto or core, signing: never on the page's thread), keeps the
//!   issued sets and the own CAs, reads certificates, and makes PKCS#12
//!   files, CRLs, CSRs and zips; both sides speak [`protocol`]'s serde
//!   messages over a [`link`];
//! - [`dom`], [`template`] and [`download`] keep web-sys boilerplate out of
//!   the rest; [`error`] is the page's [`Failure`], [`clock`] the
//!   browser's time.
//!
//! Everything compiles natively too (the workspace's native clippy covers
//! it); only the pure parts ([`editor`], [`next_steps`]) are meant to run there.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod clock;
pub mod dom;
pub mod download;
pub mod editor;
pub mod error;
mod issue;
#[cfg(feature = "lab")]
pub mod lab;
pub mod link;
pub mod next_steps;
pub mod own_ca;
pub mod protocol;
pub mod template;
pub mod tools;
pub mod ui;
pub mod worker;

pub use clock::{now_ms, whole_ms};
pub use error::Failure;
pub use issue::{issue, issue_using, issue_with_progress, IssuedSet, Issuing, OwnKey};
pub use protocol::KeySource;
pub use ui::cards::file_id;
pub use ui::results::{BLOG_FILE_NAMES, ZIP_NAME};
pub use ui::{start, Page};
