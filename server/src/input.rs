//! The one way certplay reads a file: every command, every flag, the page
//! directory and SIGHUP reloads go through [`read`] (or [`read_open`] for a
//! file opened with other flags, [`read_stdin`] for `-`), which stops at
//! [`LIMIT`] and says so, whatever the file is: a regular file, a device
//! such as `/dev/zero` that never ends, a FIFO, a pipe from `<(...)`.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The most certplay reads from one file: core's own input limit (4 MiB),
/// far above any certificate, key, CRL or bundle a person uses.
pub const LIMIT: usize = certplay_core::read::MAX_INPUT;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// What the OS said (missing, no permission, a directory, ...).
    Io(io::Error),
    /// More than [`LIMIT`] bytes: reading stopped there.
    TooLarge {
        /// The size, when the file is a regular file that says it.
        size: Option<u64>,
    },
    /// Text was expected (a plan, a password) and the bytes are not UTF-8.
    NotText,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => e.fmt(f),
            ReadError::TooLarge { size: Some(size) } => write!(
                f,
                "{size} bytes is more than certplay reads ({LIMIT} bytes, 4 MiB); is it the \
                 file you meant?"
            ),
            ReadError::TooLarge { size: None } => write!(
                f,
                "it goes on past the {LIMIT} bytes (4 MiB) certplay reads from one file, so \
                 certplay stopped reading there; is it the file you meant?"
            ),
            ReadError::NotText => write!(f, "it is not UTF-8 text"),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io(e) => Some(e),
            ReadError::TooLarge { .. } | ReadError::NotText => None,
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Reads the file at `path` (following a symbolic link, as `cat` does), at
/// most [`LIMIT`] bytes of it.
pub fn read(path: &Path) -> Result<Vec<u8>, ReadError> {
    read_open(File::open(path)?)
}

/// [`read`] for a file already opened (with `O_NOFOLLOW`, say). A regular
/// file that says it is too large is refused before a byte is read.
pub fn read_open(file: File) -> Result<Vec<u8>, ReadError> {
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(ReadError::Io(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory",
        )));
    }
    if meta.is_file() && meta.len() > limit() {
        return Err(ReadError::TooLarge {
            size: Some(meta.len()),
        });
    }
    bounded(file)
}

/// Standard input, at most [`LIMIT`] bytes of it.
pub fn read_stdin() -> Result<Vec<u8>, ReadError> {
    bounded(io::stdin().lock())
}

/// [`read`] for text: a plan, a password file.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    String::from_utf8(read(path)?).map_err(|_| ReadError::NotText)
}

/// The first line of the file at `path`, without its line ending: how
/// `--password-file` and openssl's `file:` password are read.
pub fn first_line(path: &Path) -> Result<String, ReadError> {
    let text = read_text(path)?;
    Ok(text.lines().next().unwrap_or_default().to_owned())
}

/// Reads at most one byte past the limit: that byte says "too large"
/// without reading what follows.
fn bounded(reader: impl Read) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(limit().saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() > LIMIT {
        return Err(ReadError::TooLarge { size: None });
    }
    Ok(bytes)
}

fn limit() -> u64 {
    u64::try_from(LIMIT).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endless_and_large_files_stop_at_the_limit() {
        for endless in ["/dev/zero", "/dev/urandom"] {
            let refused = read(Path::new(endless)).expect_err("must stop");
            assert!(
                matches!(refused, ReadError::TooLarge { size: None }),
                "{endless}: {refused}"
            );
            assert!(refused.to_string().contains("4 MiB"), "{refused}");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let big = dir.path().join("big.pem");
        std::fs::write(&big, vec![b'A'; LIMIT + 1]).expect("write");
        assert!(matches!(
            read(&big),
            Err(ReadError::TooLarge { size: Some(size) }) if size == limit() + 1
        ));
        let fits = dir.path().join("fits.pem");
        std::fs::write(&fits, vec![b'A'; LIMIT]).expect("write");
        assert_eq!(read(&fits).expect("read").len(), LIMIT);
        assert!(matches!(read(dir.path()), Err(ReadError::Io(_))));
    }

    #[test]
    fn a_pipe_stops_at_the_limit_too() {
        let mut child = std::process::Command::new("head")
            .args(["-c", "20000000", "/dev/zero"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("head");
        let stdout = child.stdout.take().expect("piped");
        assert!(matches!(
            bounded(stdout),
            Err(ReadError::TooLarge { size: None })
        ));
        let _ = child.kill();
        let _ = child.wait();
    }

    #[test]
    fn text_and_first_lines() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pw = dir.path().join("pw.txt");
        std::fs::write(&pw, "secret\r\nsecond line\n").expect("write");
        assert_eq!(first_line(&pw).expect("read"), "secret");
        std::fs::write(&pw, [0xff, 0xfe]).expect("write");
        assert!(matches!(first_line(&pw), Err(ReadError::NotText)));
    }
}
