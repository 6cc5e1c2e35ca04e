//! The client's key log, for Wireshark.

use std::sync::Mutex;

use rustls::KeyLog;

/// The NSS key log of a client's handshakes (the format of curl's and
/// Firefox's `SSLKEYLOGFILE`, which Wireshark reads): one line a secret,
/// `LABEL CLIENT_RANDOM SECRET` in hex.
#[derive(Debug, Default)]
pub struct KeyLogLines(Mutex<String>);

impl KeyLogLines {
    /// The lines written so far.
    pub fn text(&self) -> String {
        // A poisoned lock only means a writer panicked between lines.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl KeyLog for KeyLogLines {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        use std::fmt::Write as _;
        let mut text = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        // Writing into a String does not fail.
        let _ = writeln!(text, "{label} {} {}", hex(client_random), hex(secret));
    }
}
