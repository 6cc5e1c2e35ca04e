//! The handshake lab (feature `lab`): rustls' client and server in one
//! process, in memory, with crypto that builds for the browser.
//!
//! - [`crypto::provider`] is a full rustls crypto provider in pure Rust;
//! - [`handshake`] runs one mTLS handshake between an [`MtlsServer`]
//!   (configured as `certplay serve` is) and a [`LabClient`] (configured as
//!   curl is), at a chosen [`Clock`] time, then `GET /`;
//! - its [`Transcript`] lists each message with what a person needs from
//!   it, and how the handshake ended.
//!
//! [`MtlsServer`]: crate::MtlsServer

pub mod crypto;
mod handshake;
mod transcript;

pub use handshake::{
    handshake, ClientFiles, Clock, LabClient, Outcome, Refused, TlsVersions, Transcript,
};
pub use transcript::{Alert, Body, ChainEntry, CodePoint, Message, Side};

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
