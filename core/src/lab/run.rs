//! One case, handshaken in memory: `certplay serve`'s server with the
//! case's server files and a curl-like client with its client files.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;

use super::handshake::{handshake, raw_handshake, ClientDer, ClientFiles, LabClient};
use super::input::{server_tls, HandshakeInput};
use super::keylog::KeyLogLines;
use super::mutate::Mutated;
use super::transcript::{RawTranscript, Transcript};
use crate::{ClientAuth, Error, MtlsConfig, MtlsServer};

/// The server `certplay serve` runs with the case's files (`--crl` and
/// `--tls13-only` included), at `at` (Unix seconds), with `provider`; an
/// error where serve refuses to start, in its words ([`server_tls`]).
pub fn serve(case: &Mutated, provider: &CryptoProvider, at: i64) -> Result<MtlsServer, Error> {
    MtlsServer::for_serve(
        &server_tls(case, provider, at)?,
        provider.clone(),
        case.serve.tls13_only,
        ClientAuth::Required,
    )
}

/// The client curl is for the case. A key that is not the certificate's
/// is refused here ([`Error::KeyMismatch`]), as curl refuses it.
pub fn client(case: &Mutated, provider: Arc<CryptoProvider>) -> Result<LabClient, Error> {
    let identity = match &case.client.identity {
        Some((cert, key)) => Some((case.source(cert)?, case.source(key)?)),
        None => None,
    };
    let host = case.host();
    let files = ClientFiles {
        cacert: case.source(&case.client.cacert)?,
        identity,
        host: &host,
    };
    Ok(LabClient::from_pem(files, provider)?.with_versions(case.client.versions))
}

/// The case's handshake in memory at `at`, both sides with `provider`.
pub fn run(case: &Mutated, provider: &CryptoProvider, at: i64) -> Result<Transcript, Error> {
    let server = serve(case, provider, at)?;
    let client = client(case, Arc::new(provider.clone()))?;
    handshake(&server, &client, at)
}

/// The lab module's handshake of `input` (a case's files as DER, read by
/// the tools worker: [`super::ReadCase`]) at `at`, both sides with
/// `provider`, the client's secrets written to `key_log`: the server
/// `certplay serve` runs, a client set up as curl is. `None` when the
/// client refuses its own key before any handshake, as curl does.
pub fn run_input(
    input: &HandshakeInput,
    provider: &CryptoProvider,
    at: i64,
    key_log: Arc<KeyLogLines>,
) -> Result<Option<RawTranscript>, Error> {
    if input.key_refused {
        return Ok(None);
    }
    let server = MtlsConfig::for_serve(
        &input.server(),
        provider.clone(),
        input.tls13_only,
        ClientAuth::Required,
    )?;
    let cacert = input.cacert();
    let identity = input.identity.as_ref().map(|(chain, key, name)| {
        (
            chain
                .iter()
                .map(|der| rustls_pki_types::CertificateDer::from(der.clone()))
                .collect(),
            key.der(),
            name.as_str(),
        )
    });
    let client = LabClient::from_der(
        ClientDer {
            cacert: &cacert,
            identity,
            host: &input.host,
        },
        Arc::new(provider.clone()),
    );
    let client = match client {
        Ok(client) => client.with_versions(input.versions).with_key_log(key_log),
        Err(Error::KeyMismatch { .. }) => return Ok(None),
        Err(other) => return Err(other),
    };
    raw_handshake(&server, &client, at, None).map(Some)
}
