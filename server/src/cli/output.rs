//! What the commands write: files through [`SafeDir`] (never replacing a
//! file unless `--force`, never through a link), and text on standard
//! output that survives a reader going away.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::files::{Access, Entry, Existing, FileError, SafeDir};
use crate::Error;

/// Writes `text` to standard output. A reader that went away (`certplay
/// inspect x.pem | head -1`) is not an error: the rest is not wanted.
pub fn emit(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("certplay: cannot write to standard output: {e}");
        }
    }
}

/// How `inspect` and `verify` end: their exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Exit 0: everything read (inspect), the chain is valid (verify).
    Valid,
    /// Exit 1: the chain is refused.
    Invalid,
    /// Exit 2: an input could not be read.
    Unreadable,
}

impl Verdict {
    /// The process's exit code.
    pub fn code(self) -> u8 {
        match self {
            Verdict::Valid => 0,
            Verdict::Invalid => 1,
            Verdict::Unreadable => 2,
        }
    }
}

/// One line of what `serve` says on standard output. A server keeps
/// serving when nobody reads it any more (`certplay serve | head -3`).
pub fn say(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
}

/// `--force` as what to do with a file that exists.
pub fn existing(force: bool) -> Existing {
    if force {
        Existing::Replace
    } else {
        Existing::Refuse
    }
}

/// Fails before anything is written when one of `names` is in the way.
pub fn refuse_existing<'a>(
    dir: &SafeDir,
    names: impl Iterator<Item = &'a str>,
    existing: Existing,
) -> Result<(), Error> {
    for name in names {
        if dir.entry(name)? != Entry::Missing && existing == Existing::Refuse {
            return Err(FileError::Exists {
                path: dir.join(name),
            }
            .into());
        }
    }
    Ok(())
}

/// Writes one file named by `--out` through [`SafeDir`] (its directory
/// made 0700 if missing, refused if others may write there; the file
/// never replaced unless `force`).
pub fn write_new(
    out: &Path,
    contents: &[u8],
    access: Access,
    force: bool,
) -> Result<PathBuf, Error> {
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::Flag {
            flag: "--out",
            value: out.display().to_string(),
            why: "name a file".into(),
        })?;
    let dir = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    Ok(SafeDir::open(dir)?.write(name, contents, access, existing(force))?)
}
