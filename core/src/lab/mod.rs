//! The handshake lab (feature `lab`): rustls' client and server in one
//! process, in memory, with crypto that builds for the browser.
//!
//! - [`crypto::provider`] is a full rustls crypto provider in pure Rust.

pub mod crypto;
