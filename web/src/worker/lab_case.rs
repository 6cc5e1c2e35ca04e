//! One case of the break-it lab as the page shows it: the set's broken
//! copy (core's `lab::mutate`, made here where the set and its keys are
//! kept) and its files as the lab module's handshake takes them (DER:
//! core's `lab::ReadCase`, none where `certplay serve` refuses to start),
//! what `certplay serve` warns of, core's prediction, the lines that serve it and connect to it,
//! what curl and openssl then print, and the case's folder as a zip.

use certplay_core::commands::shell_line;
use certplay_core::lab::{self, clients::Clients, Mutated, PORT};
use certplay_core::Error;

use super::files::invalid;
use crate::protocol::lab::{CaseShown, PredictionShown};

/// `broken` (with the versions its client offers) predicted at `at` (Unix
/// seconds), its zip dated `now`.
pub fn shown(broken: &Mutated, at: i64, now: time::OffsetDateTime) -> Result<CaseShown, Error> {
    let clients = Clients::CHECKED;
    let prediction = lab::predict(broken, at)?;
    let index = lab::index_case(broken, at, clients)?;
    // Compact, as the transcript's JSON is: one serde_json formatter in
    // the worker's wasm.
    let mutated = serde_json::to_string(broken).map_err(|e| invalid("lab case", e.to_string()))?;
    // Where `certplay serve` refuses to start, there is no handshake.
    let handshake = match lab::ReadCase::read(broken, at)? {
        lab::Served::Listens(read) => Some(
            postcard::to_allocvec(&read.input)
                .map_err(|e| invalid("lab case", e.to_string()))?
                .into(),
        ),
        lab::Served::Refuses(_) => None,
    };
    let verdict = &prediction.verdict;
    Ok(CaseShown {
        case: broken.case,
        description: broken.case.description().to_owned(),
        fix: broken.case.fix().to_owned(),
        difference: index.difference.clone(),
        mutated,
        handshake,
        prediction: PredictionShown {
            result: verdict.name().to_owned(),
            short: verdict.short(),
            words: verdict.words(),
            version: prediction.version.map(|v| v.to_string()),
        },
        serve: shell_line(&broken.serve_argv("", PORT)),
        serve_warnings: index.serve_warnings.clone(),
        curl: shell_line(&broken.curl_argv("", PORT)),
        openssl: shell_line(&lab::openssl_argv(broken, PORT)),
        clients: format!("curl {} with OpenSSL {}", clients.curl, clients.openssl),
        curl_expected: clients.curl(&prediction),
        openssl_expected: clients.openssl(&prediction),
        zip_name: format!("lab-{}.zip", broken.case.name()),
        zip: broken.to_zip(&index, now)?,
    })
}
