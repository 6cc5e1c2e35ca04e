//! The one error type of the server and of every command: every way
//! `certplay` can fail, in words that name the file or flag, what was
//! found, and the fix.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::files::FileError;
use crate::input::ReadError;

/// Everything that stops the server or a command, as one enum.
#[derive(Debug)]
pub enum Error {
    /// A file named by a flag could not be read.
    Read {
        /// The flag that named it (`--ca`, `--cert`, `--key`; empty for a
        /// file named without a flag).
        flag: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it was not read.
        source: ReadError,
    },
    /// Core refused the material (with its own words and fix).
    Core(certplay_core::Error),
    /// Core refused what a flag named (`--plan bad.toml`, `--key`): its
    /// words, after the flag.
    In {
        /// The flag, and the file when core's words do not name it.
        what: String,
        /// What core said.
        source: certplay_core::Error,
    },
    /// A private key file is encrypted and no password came with it.
    KeyPassword {
        /// The key's flag (`--key`, `--ca-key`): its password flag is the
        /// same with `-pass`.
        flag: &'static str,
        /// What core said.
        source: certplay_core::Error,
    },
    /// A flag's value cannot be used as given.
    Flag {
        /// The flag.
        flag: &'static str,
        /// Its value, as given.
        value: String,
        /// Why, and what would do.
        why: String,
    },
    /// The flags given cannot work together, or one is missing that clap
    /// cannot tell: what to give instead.
    Usage(String),
    /// A file holds none of what its flag needs.
    Empty {
        /// The file.
        file: String,
        /// What it should hold ("certificate", "CRL").
        what: &'static str,
    },
    /// A directory or file was refused or could not be written.
    Files(FileError),
    /// A file in the demo directory that certplay did not make (or that
    /// changed since), and the set there cannot be used as it is.
    NotOurs {
        /// The file certplay would have had to replace.
        path: PathBuf,
        /// The marker file that lists what certplay made.
        marker: PathBuf,
        /// Why the set there cannot be used as it is.
        why: String,
        /// How to go on, in words.
        fix: &'static str,
    },
    /// Files are already where an issued set would go; nothing was written.
    AlreadyThere {
        /// The directory.
        dir: PathBuf,
        /// The files that are there.
        names: Vec<String>,
    },
    /// A key-generating thread panicked (a bug in a crypto crate).
    KeygenPanicked,
    /// A listener could not be opened.
    Bind {
        /// What the listener is for ("the mTLS server", "the page").
        what: &'static str,
        /// The address asked for.
        address: SocketAddr,
        /// The flag that picks another port.
        flag: &'static str,
        /// What the OS said.
        source: io::Error,
    },
    /// The async runtime or another OS facility failed.
    Io(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read { flag: "", path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            Error::Read { flag, path, source } => {
                write!(f, "cannot read {flag} {}: {source}", path.display())
            }
            Error::Core(e) => e.fmt(f),
            Error::In { what, source } => write!(f, "{what}: {source}"),
            Error::KeyPassword { flag, source } => write!(
                f,
                "{source} ({flag}-pass pass:TEXT | env:VARIABLE | file:PATH)"
            ),
            Error::Flag { flag, value, why } => write!(f, "{flag} {value}: {why}"),
            Error::Usage(what) => f.write_str(what),
            Error::Empty { file, what } => write!(f, "{file}: no {what} in it"),
            Error::Files(e) => e.fmt(f),
            Error::NotOurs {
                path,
                marker,
                why,
                fix,
            } => write!(
                f,
                "{} was not made by certplay (it is not listed in {}, or it changed since), \
                 so certplay will not replace it; the set there cannot be used as it is: {why}. \
                 {fix}",
                path.display(),
                marker.display()
            ),
            Error::AlreadyThere { dir, names } => write!(
                f,
                "{} already holds {}: nothing was written; pass --force to replace them, \
                 or choose another directory",
                dir.display(),
                names.join(", ")
            ),
            Error::KeygenPanicked => {
                write!(f, "key generation panicked (a bug: please report it)")
            }
            Error::Bind {
                what,
                address,
                flag,
                source,
            } => write!(
                f,
                "cannot listen on {address} for {what}: {source} (another server on that port? pick one with {flag})"
            ),
            Error::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Read { source, .. } => Some(source),
            Error::Bind { source, .. } | Error::Io(source) => Some(source),
            Error::Core(e) | Error::In { source: e, .. } | Error::KeyPassword { source: e, .. } => {
                Some(e)
            }
            Error::Files(e) => Some(e),
            Error::NotOurs { .. }
            | Error::AlreadyThere { .. }
            | Error::KeygenPanicked
            | Error::Flag { .. }
            | Error::Usage(_)
            | Error::Empty { .. } => None,
        }
    }
}

impl From<certplay_core::Error> for Error {
    fn from(e: certplay_core::Error) -> Self {
        Error::Core(e)
    }
}

impl From<FileError> for Error {
    fn from(e: FileError) -> Self {
        Error::Files(e)
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}
