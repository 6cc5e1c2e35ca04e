//! `certplay diff A B`: two certificates, two chain files, or two sets
//! (directories or zips) compared field by field by core's
//! [`certplay_core::diff`], each difference with what it does. Exit 0 the
//! same, 1 different, 2 unreadable, as `diff` does.

use std::fmt::Write as _;
use std::io::{Cursor, Read as _};
use std::path::{Path, PathBuf};

use certplay_core::diff::{self, Diff, File, Side};
use certplay_core::escape::escape;
use certplay_core::read;
use clap::Args;
use serde::Serialize;

use crate::cli::input;
use crate::cli::output::{self, Verdict};
use crate::Error;

/// The most files certplay reads from one directory or zip.
const MAX_FILES: usize = 1000;

/// What `certplay diff` compares.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The first: a certificate or chain file (PEM or DER), a directory
    /// of a set (`certplay issue --out DIR`, the blog's openssl files), or
    /// a zip of one (the page's download).
    #[arg(value_name = "A")]
    a: PathBuf,
    /// The second, of the same kind.
    #[arg(value_name = "B")]
    b: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// `certplay diff A B` as JSON: the two inputs as named, then core's diff.
#[derive(Serialize)]
struct Report<'a> {
    a: &'a str,
    b: &'a str,
    #[serde(flatten)]
    diff: &'a Diff,
}

/// `certplay diff`: the differences are printed; an input that cannot be
/// read is the error (exit 2).
pub fn run(args: &DiffArgs) -> Result<Verdict, Error> {
    let a = side("A", &args.a)?;
    let b = side("B", &args.b)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let diff = diff::files(&a, &b, now);
    let (name_a, name_b) = (args.a.display().to_string(), args.b.display().to_string());
    let out = if args.json {
        let report = Report {
            a: &name_a,
            b: &name_b,
            diff: &diff,
        };
        match serde_json::to_string_pretty(&report) {
            Ok(json) => format!("{}\n", certplay_core::escape::json(&json)),
            Err(e) => {
                eprintln!("certplay: cannot write JSON: {e}");
                return Ok(Verdict::Unreadable);
            }
        }
    } else {
        text(&name_a, &name_b, &diff)
    };
    output::emit(&out);
    Ok(if diff.same {
        Verdict::Valid
    } else {
        Verdict::Invalid
    })
}

/// One side: a directory's files, a zip's files, or one file.
fn side(flag: &'static str, path: &Path) -> Result<Vec<File>, Error> {
    if path.is_dir() {
        return directory(flag, path);
    }
    let input = input::file(flag, path)?;
    if input.bytes.starts_with(b"PK\x03\x04") {
        return unzip(flag, path, &input.bytes);
    }
    let items = read::read(&input.name, &input.bytes)?;
    Ok(vec![File {
        name: input.name,
        items,
    }])
}

/// The regular files of `dir` (not its subdirectories), by name.
fn directory(flag: &'static str, dir: &Path) -> Result<Vec<File>, Error> {
    let io = |source: std::io::Error| Error::Read {
        flag,
        path: dir.to_path_buf(),
        source: source.into(),
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .take(MAX_FILES)
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let input = input::file(flag, path)?;
            Ok(named(
                path.file_name()
                    .map_or_else(|| input.name.clone(), |n| n.to_string_lossy().into_owned()),
                &input.bytes,
            ))
        })
        .collect()
}

/// The files of a zip (stored or deflated), each by its own name, each at
/// most what certplay reads from one file.
fn unzip(flag: &'static str, path: &Path, bytes: &[u8]) -> Result<Vec<File>, Error> {
    let broken = |e: zip::result::ZipError| Error::Flag {
        flag,
        value: path.display().to_string(),
        why: format!("a zip that cannot be read: {e}"),
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(broken)?;
    let mut files = Vec::new();
    for i in 0..archive.len().min(MAX_FILES) {
        let entry = archive.by_index(i).map_err(broken)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .enclosed_name()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| entry.name().to_owned());
        let mut contents = Vec::new();
        let limit = u64::try_from(crate::input::LIMIT).unwrap_or(u64::MAX);
        entry
            .take(limit.saturating_add(1))
            .read_to_end(&mut contents)
            .map_err(|e| Error::Flag {
                flag,
                value: format!("{}: {name}", path.display()),
                why: format!("cannot be unpacked: {e}"),
            })?;
        if contents.len() > crate::input::LIMIT {
            return Err(Error::Flag {
                flag,
                value: format!("{}: {name}", path.display()),
                why: format!(
                    "unpacks to more than certplay reads from one file ({} bytes)",
                    crate::input::LIMIT
                ),
            });
        }
        files.push(named(name, &contents));
    }
    files.sort_by(|x, y| x.name.cmp(&y.name));
    Ok(files)
}

/// A file of a set: what core reads in it (nothing, when it is not PEM
/// or DER: a serial file, a plan).
fn named(name: String, bytes: &[u8]) -> File {
    File {
        items: read::read(&name, bytes).unwrap_or_default(),
        name,
    }
}

/// The diff in words: each pair of certificates, each difference with
/// both values and its effects, then what only one side has.
fn text(a: &str, b: &str, diff: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "A: {}\nB: {}", escape(a), escape(b));
    for pair in &diff.pairs {
        let count = match pair.differences.len() {
            0 => "the same".to_owned(),
            1 => "1 difference".to_owned(),
            n => format!("{n} differences"),
        };
        let _ = writeln!(out, "\n== {pair}: {count}");
        for d in &pair.differences {
            let _ = writeln!(
                out,
                "{}\n    A  {}\n    B  {}",
                d.name,
                d.shown(Side::A),
                d.shown(Side::B)
            );
            for effect in &d.effects {
                let _ = writeln!(out, "    -> {effect}");
            }
        }
    }
    if !diff.others.is_empty() || !diff.alone.is_empty() {
        out.push('\n');
    }
    for other in &diff.others {
        let _ = writeln!(out, "{other}");
    }
    for alone in &diff.alone {
        let _ = writeln!(out, "{alone}");
    }
    let _ = writeln!(out, "\ncertplay: {}", diff.summary());
    out
}
