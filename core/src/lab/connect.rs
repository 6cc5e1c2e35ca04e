//! The lab's client against a real server: the same client as the
//! in-memory handshake (configured as curl is, with the same hooks), over
//! a byte stream the caller opens (a socket to a running `certplay
//! serve`), then `GET /`. Core opens nothing itself: the stream is the
//! caller's.

use std::io::{self, Read, Write};
use std::sync::Arc;

use rustls::{ClientConnection, Error as TlsError};
use rustls_pki_types::ServerName;
use serde::{Deserialize, Serialize};

use super::handshake::{client_reason, unix_time, LabClient};
use super::hooks::Record;
use super::transcript::Alert;
use super::wire::request;
use crate::verify::Reason;
use crate::Error;

/// The most of an answer the client reads (`Hello World` is 12 bytes).
const MAX_ANSWER: usize = 64 * 1024;

/// What the lab client saw of a handshake with a real server. Tagged by
/// `result` in JSON.
// One a handshake: the size of the typed reason costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Reached {
    /// The server answered `GET /`.
    Answered {
        /// The HTTP status.
        status: u16,
        /// The answer's body (`Hello World`).
        body: String,
    },
    /// The client refused the server's certificate and ended the
    /// handshake with an alert.
    RefusedServer {
        /// Core's verdict on the server's chain, as the client checked it.
        reason: Reason,
    },
    /// The server ended the connection with a fatal alert.
    AlertReceived {
        /// The alert.
        alert: Alert,
        /// True when the client had finished its side of the handshake
        /// first (a TLS 1.3 client learns that its certificate was refused
        /// when it reads).
        client_finished: bool,
    },
    /// The connection ended without an answer and without an alert.
    Closed {
        /// What the client's stack said.
        detail: String,
    },
}

/// Runs one handshake of `client` over `stream` with its verifier at `at`
/// (Unix seconds), sends `GET /` as curl does, reads the answer, and ends
/// the connection with close_notify.
pub fn connect<S: Read + Write>(
    client: &LabClient,
    stream: &mut S,
    at: i64,
) -> Result<Reached, Error> {
    let record = Record::default();
    let config = client.config(unix_time(at), &record)?;
    let lab_client = |e: &dyn std::fmt::Display| Error::Malformed {
        what: "the lab client".into(),
        reason: e.to_string(),
    };
    let host = ServerName::try_from(client.host()).map_err(|e| lab_client(&e))?;
    let mut tls = ClientConnection::new(Arc::new(config), host).map_err(|e| lab_client(&e))?;
    // Buffered until the handshake is done, then sent.
    tls.writer()
        .write_all(request(&client.host()).as_bytes())
        .map_err(|e| lab_client(&e))?;
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = rustls::Stream::new(&mut tls, stream).read(&mut buffer);
        match read {
            Ok(0) => break,
            Ok(n) => {
                received.extend(buffer.iter().take(n));
                if answer_complete(&received) || received.len() > MAX_ANSWER {
                    break;
                }
            }
            Err(e) => {
                if !received.is_empty() {
                    break;
                }
                return Ok(ended(&e, &tls, client, &record, at));
            }
        }
    }
    tls.send_close_notify();
    // The answer is read: a peer that hangs up first changes nothing.
    let _ = tls.complete_io(stream);
    if received.is_empty() {
        return Ok(Reached::Closed {
            detail: "the server closed the connection without an answer".into(),
        });
    }
    let text = String::from_utf8_lossy(&received);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    Ok(Reached::Answered {
        status,
        body: body.to_owned(),
    })
}

/// What an error while reading says: the server's alert, the client's own
/// refusal of the server's certificate, or a connection that just ended.
fn ended(
    error: &io::Error,
    tls: &ClientConnection,
    client: &LabClient,
    record: &Record,
    at: i64,
) -> Reached {
    match error.get_ref().and_then(|e| e.downcast_ref::<TlsError>()) {
        Some(TlsError::AlertReceived(alert)) => Reached::AlertReceived {
            alert: Alert(*alert),
            client_finished: !tls.is_handshaking(),
        },
        Some(
            tls_error @ (TlsError::InvalidCertificate(_)
            | TlsError::NoCertificatesPresented
            | TlsError::InvalidCertRevocationList(_)),
        ) => Reached::RefusedServer {
            reason: client_reason(client, record, tls_error, at),
        },
        Some(other) => Reached::Closed {
            detail: other.to_string(),
        },
        None => Reached::Closed {
            detail: error.to_string(),
        },
    }
}

/// True once `received` holds a whole HTTP/1.1 answer (by its
/// content-length; `certplay serve` always sends one).
fn answer_complete(received: &[u8]) -> bool {
    let text = String::from_utf8_lossy(received);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())
            .flatten()
    });
    length.is_some_and(|length| body.len() >= length)
}
