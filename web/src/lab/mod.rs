//! The lab module (`certplay-lab`, its own wasm: a Web Worker the page
//! starts only when the lab is opened, built with core's `lab` feature):
//! it runs one in-memory mTLS handshake per [`LabRequest`], rustls' server
//! configured as `certplay serve` is and its client as curl is, with core's
//! pure-Rust crypto provider, and answers with the handshake as rustls saw
//! it ([`Ran`]: core's `lab::RawTranscript`, chains as DER, refusals as
//! typed failures). It reads no certificate: the tools worker gives it the
//! case's files as DER and names what it hands back (docs/BUILDING.md, the
//! page's size), and the page's own wasm carries neither rustls' state
//! machines nor the provider.

use std::sync::Arc;

use certplay_core::lab::{self, crypto, HandshakeInput, KeyLogLines};
use certplay_core::Error;

use crate::clock::now_ms;
use crate::link::{self, Port};
use crate::protocol::lab::{LabReply, LabRequest, Ran};

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
        LabRequest::Run { handshake, at } => match run(&handshake, at) {
            Ok(ran) => LabReply::Ran(Box::new(ran)),
            Err(e) => LabReply::Failed(e.to_string()),
        },
    }
}

/// One handshake of `handshake` (core's `lab::HandshakeInput`, postcard: a
/// case's files as DER) at `at`, with core's own setup of both sides (the
/// server `certplay serve` runs, a client as curl is). A key that is not
/// its certificate's stops the client before any handshake, as it stops
/// curl.
fn run(handshake: &[u8], at: i64) -> Result<Ran, Error> {
    let started = now_ms();
    let input =
        postcard::from_bytes::<HandshakeInput>(handshake).map_err(|e| Error::InvalidInput {
            field: "lab case".into(),
            reason: format!("it does not read: {e}"),
        })?;
    let keylog = Arc::new(KeyLogLines::default());
    let raw = lab::run_input(&input, &crypto::provider(), at, keylog.clone())?;
    let raw = raw
        .map(|raw| postcard::to_allocvec(&raw).map(serde_bytes::ByteBuf::from))
        .transpose()
        .map_err(|e| Error::InvalidInput {
            field: "lab handshake".into(),
            reason: e.to_string(),
        })?;
    Ok(Ran {
        raw,
        keylog: keylog.text(),
        micros: whole_micros(now_ms() - started),
    })
}

/// Milliseconds as whole microseconds.
fn whole_micros(millis: f64) -> u64 {
    // A duration of this page's life: far inside u64, never negative.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let micros = (millis * 1000.0).max(0.0) as u64;
    micros
}
