//! `certplay serve --keylog FILE`: the TLS secrets of every handshake in
//! the NSS key log format (what curl and browsers write to
//! `SSLKEYLOGFILE`), so that Wireshark can decrypt a capture of them. Only
//! when asked; the file is new (never replaced, never through a link),
//! mode 0600, in a directory only its owner may write.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rustls::KeyLog;

use crate::files::{FileError, SafeDir};
use crate::Error;

/// An NSS key log file being written.
#[derive(Debug)]
pub struct KeyLogFile {
    path: PathBuf,
    file: Mutex<File>,
}

impl KeyLogFile {
    /// Creates `path`: a new file, 0600. Refused when something is there
    /// already (a file, a link), or when its directory may be written by
    /// others.
    pub fn create(path: &Path) -> Result<Self, Error> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::Flag {
                flag: "--keylog",
                value: path.display().to_string(),
                why: "name a file".into(),
            })?;
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let dir = SafeDir::open(dir)?;
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(dir.join(name))
            .map_err(|source| match source.kind() {
                io::ErrorKind::AlreadyExists => Error::Flag {
                    flag: "--keylog",
                    value: path.display().to_string(),
                    why: "something is there already, and certplay never writes over it: \
                          remove it or name a new file"
                        .into(),
                },
                _ => FileError::Io {
                    path: path.to_path_buf(),
                    action: "create",
                    source,
                }
                .into(),
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Where the keys go.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let mut line =
            String::with_capacity(label.len() + 2 * (client_random.len() + secret.len()) + 3);
        line.push_str(label);
        line.push(' ');
        hex(&mut line, client_random);
        line.push(' ');
        hex(&mut line, secret);
        line.push('\n');
        // A poisoned lock only means another writer panicked mid-line.
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Err(e) = file.write_all(line.as_bytes()) {
            tracing::warn!("cannot write the key log {}: {e}", self.path.display());
        }
    }

    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

fn hex(into: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for byte in bytes {
        for nibble in [byte >> 4, byte & 0xf] {
            into.push(char::from(DIGITS[usize::from(nibble)]));
        }
    }
}
