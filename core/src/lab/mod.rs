//! The handshake lab: every way to break an mTLS set one call away, what
//! core predicts for each, and (feature `lab`) rustls' client and server
//! in one process, in memory, with crypto that builds for the browser.
//!
//! - [`Case`] names each way to break a set, with its fix; [`mutate`]
//!   makes the broken copy of an issued set for one case, with what
//!   `certplay serve` and curl are given ([`Mutated`]);
//! - [`predict`] says what core's verification decides before any
//!   handshake, and [`clients`] what curl and `openssl s_client` then
//!   print, by their versions;
//! - [`crypto::provider`] is a full rustls crypto provider in pure Rust
//!   (feature `lab`);
//! - [`handshake`] runs one mTLS handshake between an [`MtlsServer`]
//!   (configured as `certplay serve` is) and a [`LabClient`] (configured as
//!   curl is), at a chosen [`Clock`] time, then `GET /` (feature `lab`);
//! - its [`Transcript`] lists each message with what a person needs from
//!   it, and how the handshake ended;
//! - [`connect`] runs the same client against a real server over a
//!   stream the caller opens (the running server's verdict, feature
//!   `lab`).
//!
//! [`MtlsServer`]: crate::MtlsServer

mod case;
pub mod clients;
#[cfg(feature = "lab")]
mod connect;
#[cfg(feature = "lab")]
pub mod crypto;
#[cfg(feature = "lab")]
mod handshake;
#[cfg(feature = "lab")]
mod hooks;
mod index;
mod input;
#[cfg(feature = "lab")]
mod keylog;
mod mutate;
mod predict;
#[cfg(feature = "lab")]
mod run;
mod setup;
mod transcript;
#[cfg(feature = "lab")]
mod wire;

pub use case::Case;
#[cfg(feature = "lab")]
pub use connect::{connect, Reached};
#[cfg(feature = "lab")]
pub use handshake::{handshake, raw_handshake, ClientDer, ClientFiles, Clock, Judge, LabClient};
pub use index::{
    every_case, index_case, openssl_argv, runs_of, IndexCase, IndexRun, LabIndex, COMMANDS_FILE,
    PORT,
};
pub use input::{server_tls, HandshakeInput, KeyDer, ReadCase, Served};
#[cfg(feature = "lab")]
pub use keylog::KeyLogLines;
pub use mutate::{
    certificate_pem, mutate, mutate_with, new_keys, rsa_key, to_v1, with_public_key, CaseFile,
    ClientSetup, Mutated, ServeSetup, EXCLUDED_NAME, OTHER_NAME,
};
pub use predict::{alert_for, predict, Prediction, Verdict};
#[cfg(feature = "lab")]
pub use run::{client, run, run_input, serve};
pub use setup::{Side, TlsVersion, TlsVersions};
pub use transcript::{
    Alert, Body, ChainEntry, CodePoint, Der, Explainer, Message, Outcome, RawBody, RawMessage,
    RawOutcome, RawTranscript, Refused, Transcript,
};

#[cfg(all(test, not(target_arch = "wasm32"), feature = "lab"))]
mod case_tests;
#[cfg(all(test, not(target_arch = "wasm32"), feature = "lab"))]
mod tests;
