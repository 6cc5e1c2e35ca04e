//! The lab module (`certplay-lab`, its own wasm: a Web Worker the page
//! starts only when the lab is opened, built with core's `lab` feature):
//! it runs one in-memory mTLS handshake per [`LabRequest`], rustls' server
//! configured as `certplay serve` is and its client as curl is, with core's
//! pure-Rust crypto provider, and answers with what the page shows
//! ([`Shown`]): the page's own wasm carries neither rustls' state machines
//! nor the provider.

mod show;

use std::sync::Arc;

use certplay_core::lab::{
    self, crypto, Case, CaseFile, ClientSetup, KeyLogLines, Mutated, ServeSetup,
};
use certplay_core::{Error, KeyType, Plan, San};
use serde::Deserialize;

use crate::clock::now_ms;
use crate::link::{self, Port};
use crate::protocol::lab::{LabReply, LabRequest, Shown};

/// Answers every request the page posts (the `certplay-lab` binary's
/// `main`).
pub fn serve() {
    if let Some(scope) = link::worker_scope() {
        serve_on(scope);
    }
}

/// Answers every request posted to `port`: inside the worker its global
/// scope; in the wasm tests a `MessageChannel`'s port.
pub fn serve_on(port: Port) {
    link::serve(
        port,
        |request, _progress| async move { answer(request) },
        LabReply::Failed,
    );
}

/// Runs `request`.
pub fn answer(request: LabRequest) -> LabReply {
    match request {
        LabRequest::Run { mutated, at } => match run(&mutated, at) {
            Ok(shown) => LabReply::Ran(Box::new(shown)),
            Err(e) => LabReply::Failed(e.to_string()),
        },
    }
}

/// One handshake of the set `mutated` (core's `lab::Mutated` as JSON) at
/// `at`, with core's own setup of both sides (`lab::serve`: the server
/// `certplay serve` runs with its files; `lab::client`: curl with its
/// files), shown. A key that is not its certificate's stops the client
/// before any handshake, as it stops curl.
fn run(mutated: &str, at: i64) -> Result<Shown, Error> {
    let started = now_ms();
    let broken = serde_json::from_str::<Sides>(mutated)
        .map_err(|e| Error::Crypto(format!("the lab case does not read: {e}")))?
        .into_case();
    let provider = crypto::provider();
    let server = lab::serve(&broken, &provider, at)?;
    let keylog = Arc::new(KeyLogLines::default());
    let client = match lab::client(&broken, Arc::new(provider)) {
        Ok(client) => client.with_key_log(keylog.clone()),
        Err(refused @ Error::KeyMismatch { .. }) => {
            return Ok(show::key_mismatch(
                &refused,
                at,
                whole_micros(now_ms() - started),
            ))
        }
        Err(other) => return Err(other),
    };
    let transcript = lab::handshake(&server, &client, at)?;
    let micros = whole_micros(now_ms() - started);
    Ok(show::shown(&transcript, keylog.text(), micros))
}

/// What a handshake needs of core's `lab::Mutated` (the JSON the tools
/// worker sent): everything but its plan, which neither side reads. Its
/// reader (untagged validities, names, profiles) would cost this module
/// kilobytes it does not have (see docs/BUILDING.md); serde skips the
/// field.
#[derive(Deserialize)]
struct Sides {
    case: Case,
    files: Vec<CaseFile>,
    serve: ServeSetup,
    client: ClientSetup,
    server_names: Vec<San>,
}

impl Sides {
    fn into_case(self) -> Mutated {
        Mutated {
            case: self.case,
            plan: Plan {
                key_type: KeyType::default(),
                entries: Vec::new(),
            },
            files: self.files,
            serve: self.serve,
            client: self.client,
            server_names: self.server_names,
        }
    }
}

/// Milliseconds as whole microseconds.
fn whole_micros(millis: f64) -> u64 {
    // A duration of this page's life: far inside u64, never negative.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let micros = (millis * 1000.0).max(0.0) as u64;
    micros
}
