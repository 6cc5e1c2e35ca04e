//! certplay-core: all of certplay's certificate work, with no I/O, no async
//! and no threads, so that it builds for `wasm32-unknown-unknown` (the page)
//! and natively (the `certplay` server) from the same source.
//!
//! - [`Plan`] says what to issue (any shape: roots, intermediates, servers,
//!   clients; [`Preset`]s, the blog's set by default) and [`Plan::issue`]
//!   issues it into an [`IssuedPlan`] with its [`OutputFile`]s and zip;
//! - [`read`] reads anything back (certificates, CSRs, keys, CRLs,
//!   PKCS#12) into a typed model, with text views and lints;
//! - [`diff`] compares two certificates, chains or sets field by field;
//! - one reader per artifact takes every file certplay is given, PEM or
//!   DER, and names what a file holds when it is the wrong one:
//!   [`read_certificates`] (a chain or bundle), [`read_private_key`]
//!   (PKCS#8, PKCS#1, SEC1, encrypted PKCS#8 with feature
//!   `encrypted-keys`), [`read_crls`], [`read_csr`], each from a [`Source`];
//! - [`ServerTls::read`] reads and checks a server's `--ca/--cert/--key`;
//! - [`MtlsServer`] turns that into rustls configurations;
//! - [`verify::Reason`] says why a chain or a handshake was refused (typed,
//!   in words by its Display, JSON by serde), and [`event::Event`] what
//!   became of one connection to the server;
//! - [`escape::escape`] makes any text safe for a terminal or a log line;
//! - [`commands`] builds the command lines certplay prints (curl, serve);
//! - [`ExistingCa::issue_crl`] / [`IssuedPlan::issue_crl`] make CRLs, and
//!   (feature `pkcs12`, on by default) `Pkcs12Params::write` /
//!   `IssuedPlan::pkcs12` make PKCS#12 files.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::as_conversions,
        clippy::panic
    )
)]

pub mod commands;
pub mod diff;
mod error;
pub mod escape;
pub mod event;
mod issue;
pub mod lab;
mod material;
mod mtls;
pub mod oid;
#[cfg(any(feature = "pkcs12", feature = "encrypted-keys"))]
mod pbe;
mod pfx;
pub mod plan;
pub mod read;
pub mod verify;

pub use error::Error;
pub use issue::zip_files;
pub use issue::{blog_openssl_set, BlogFile, BlogKeys};
pub use issue::{
    read_private_key, split_names, CertificateRequest, CrlParams, CsrParams, CsrSigning, Decision,
    ExistingCa, ExistingChain, ExtraFile, FileKind, GivenCa, IssuedCrl, IssuedEntry, IssuedPlan,
    KeyPair, KeyType, Materials, NotedItem, OutputFile, ReadKey, Revocation, RevocationReason,
    SignedCsr, SigningNote, SigningReport, Why, PLAN_FILE_NAME,
};
#[cfg(feature = "pkcs12")]
pub use issue::{Pkcs12Encoding, Pkcs12Params, Pkcs12Password};
pub use material::{crl_issued_ahead, ServerCrl, ServerTls};
pub use mtls::{
    unauthorized_body, ClientAuth, ClientTrust, MtlsConfig, MtlsServer, RecordingVerifier,
    ServerDer, HELLO_WORLD, MAX_CA_NAME_BYTES,
};
pub use plan::trust_note;
pub use plan::{
    Entry, ExtendedKeyUsage, GivenLink, KeyUsage, NameConstraints, Plan, PlanField, PlanWarning,
    Preset, Profile, San, Serial, Subject, Subtree, Validity, MAX_VALIDITY_DAYS,
};
pub use read::model::format_time;
pub use read::{read_certificates, read_crls, read_csr, ReadCertificate, Source};

/// Re-exported so that callers name the same versions core uses.
pub use rustls;
pub use rustls_pki_types as pki_types;
