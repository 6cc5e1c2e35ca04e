//! The lab module (`certplay-lab`, its own wasm: a Web Worker the page
//! starts only when the lab is opened, built with core's `lab` feature):
//! it runs one in-memory mTLS handshake per [`LabRequest`], rustls' server
//! configured as `certplay serve` is and its client as curl is, with core's
//! pure-Rust crypto provider, and answers with what the page shows
//! ([`Shown`]): the page's own wasm carries neither rustls' state machines
//! nor the provider.

mod show;

use std::sync::Arc;

use certplay_core::lab::{self, crypto, ClientFiles as LabFiles, KeyLogLines, LabClient};
use certplay_core::{ClientAuth, Error, MtlsServer, ServerTls, Source};

use crate::clock::now_ms;
use crate::link::{self, Port};
use crate::protocol::lab::{LabReply, LabRequest, Setup};

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
        LabRequest::Handshake(setup) => match run(&setup) {
            Ok(shown) => LabReply::Ran(Box::new(shown)),
            Err(e) => LabReply::Failed(e.to_string()),
        },
    }
}

/// One handshake of `setup`, shown.
fn run(setup: &Setup) -> Result<crate::protocol::lab::Shown, Error> {
    let started = now_ms();
    let provider = crypto::provider();
    let server = &setup.server;
    let mut tls = ServerTls::read(
        Source::new("ca.crt", server.ca.as_bytes()),
        Source::new("server.crt", server.cert.as_bytes()),
        Source::new("server.key", server.key.as_bytes()),
        setup.at,
    )?;
    let crls: Vec<Source<'_>> = server
        .crls
        .iter()
        .map(|crl| Source::new("crl.pem", crl.as_bytes()))
        .collect();
    tls.add_crls(&crls, &provider, setup.at)?;
    let mtls = MtlsServer::for_serve(&tls, provider, server.tls13_only, ClientAuth::Required)?;
    let client = &setup.client;
    let files = LabFiles {
        cacert: Source::new("ca.crt", client.cacert.as_bytes()),
        identity: client.identity.as_ref().map(|(cert, key)| {
            (
                Source::new("client.crt", cert.as_bytes()),
                Source::new("client.key", key.as_bytes()),
            )
        }),
        host: &client.host,
    };
    let keylog = Arc::new(KeyLogLines::default());
    let lab_client = LabClient::from_pem(files, Arc::new(crypto::provider()))?
        .with_versions(setup.versions)
        .with_key_log(keylog.clone());
    let transcript = lab::handshake(&mtls, &lab_client, setup.at)?;
    let micros = whole_micros(now_ms() - started);
    Ok(show::shown(&transcript, keylog.text(), micros))
}

/// Milliseconds as whole microseconds.
fn whole_micros(millis: f64) -> u64 {
    // A duration of this page's life: far inside u64, never negative.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let micros = (millis * 1000.0).max(0.0) as u64;
    micros
}
