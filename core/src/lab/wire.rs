//! What travels between the lab's two connections: TLS records carried in
//! memory (no sockets), and the HTTP/1.1 request and answer over them, as
//! curl and `certplay serve` write them.

use std::io::Read;

use rustls::{ConnectionCommon, Error as TlsError};

/// Everything `from` has to send.
pub(super) fn flush<D>(from: &mut ConnectionCommon<D>) -> Vec<u8> {
    let mut bytes = Vec::new();
    while from.wants_write() {
        // Writing into a Vec does not fail.
        if from.write_tls(&mut bytes).is_err() {
            break;
        }
    }
    bytes
}

/// Gives `bytes` to `to` and lets it process them; its first error stops it.
pub(super) fn deliver<D>(bytes: &[u8], to: &mut ConnectionCommon<D>) -> Result<(), TlsError> {
    let mut rest = bytes;
    while !rest.is_empty() {
        match to.read_tls(&mut rest) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(TlsError::General(e.to_string())),
        }
        to.process_new_packets()?;
    }
    Ok(())
}

/// Reads what plaintext `reader` has, without waiting for more.
pub(super) fn read_available(mut reader: impl Read) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => received.extend(buffer.iter().take(n)),
        }
    }
    received
}

/// The request the lab client sends, as curl does.
pub(super) fn request(host: &str) -> String {
    format!("GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: certplay-lab\r\nAccept: */*\r\n\r\n")
}

/// The HTTP/1.1 response `certplay serve` writes with `status` and `body`.
pub(super) fn response(status: u16, body: &str) -> String {
    let reason = if status == 200 { "OK" } else { "Unauthorized" };
    format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}
