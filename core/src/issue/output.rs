//! The files of an issued plan, what each is for, and one zip of them all.
//!
//! | file | what it is |
//! |---|---|
//! | `NAME.crt` | the entry's certificate (PEM) |
//! | `NAME.key` | its private key (unencrypted PKCS#8 PEM; mode 0600) |
//! | `NAME-chain.crt` | a leaf issued by an intermediate: the leaf, then the intermediates up to (not including) the root: what a server sends, or a client presents |
//! | `certplay-plan.toml` | the plan itself, to issue the same shape again |

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::IssuedPlan;
use crate::plan::Profile;
use crate::Error;

/// The plan's own file in every output.
pub const PLAN_FILE_NAME: &str = "certplay-plan.toml";

/// What an output file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// An entry's certificate.
    Certificate(Profile),
    /// An entry's private key.
    PrivateKey(Profile),
    /// A leaf followed by its intermediates.
    Chain(Profile),
    /// The plan (TOML).
    Plan,
}

/// One file of an issued plan.
#[derive(Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// The file name (`ca.crt`, `server-chain.crt`, ...).
    pub name: String,
    /// The entry it belongs to (`None` for the plan).
    pub entry: Option<String>,
    /// What it holds.
    pub kind: FileKind,
    /// The text.
    pub contents: String,
}

impl std::fmt::Debug for OutputFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputFile")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl OutputFile {
    /// True for private keys: written 0600, never shown, never sent.
    pub fn private(&self) -> bool {
        matches!(self.kind, FileKind::PrivateKey(_))
    }

    /// What the file is for, in one sentence (facts only: each front end
    /// adds its own hint, such as the flag that takes it).
    pub fn purpose(&self) -> &'static str {
        match self.kind {
            FileKind::Certificate(Profile::RootCa) => {
                "The root CA certificate: what servers and clients trust."
            }
            FileKind::Certificate(Profile::IntermediateCa) => {
                "An intermediate CA certificate: sent along in the chains it signs."
            }
            FileKind::Certificate(Profile::Server) => "A server certificate.",
            FileKind::Certificate(Profile::Client) => "A client certificate.",
            FileKind::Certificate(Profile::ServerClient) => "A server and client certificate.",
            FileKind::PrivateKey(profile) if profile.is_ca() => {
                "A CA's secret key: needed only to issue more certificates. Keep it private."
            }
            FileKind::PrivateKey(_) => {
                "A private key: it stays with whoever presents the certificate."
            }
            FileKind::Chain(_) => {
                "The certificate followed by its intermediate CAs: what a TLS peer presents."
            }
            FileKind::Plan => "The plan: issue the same shape again from it.",
        }
    }
}

impl IssuedPlan {
    /// Every file, in plan order: per entry its certificate, key and chain;
    /// then the plan.
    pub fn files(&self) -> Result<Vec<OutputFile>, Error> {
        let mut files = Vec::new();
        for (entry, issued) in self.plan.entries.iter().zip(&self.entries) {
            let file = |suffix: &str, kind, contents: &str| OutputFile {
                name: format!("{}{suffix}", entry.name),
                entry: Some(entry.name.clone()),
                kind,
                contents: contents.to_owned(),
            };
            files.push(file(
                ".crt",
                FileKind::Certificate(entry.profile),
                &issued.cert_pem,
            ));
            if let Some(key) = &issued.key_pem {
                files.push(file(".key", FileKind::PrivateKey(entry.profile), key));
            }
            if let Some(chain) = &issued.chain_pem {
                files.push(file("-chain.crt", FileKind::Chain(entry.profile), chain));
            }
        }
        files.push(OutputFile {
            name: PLAN_FILE_NAME.into(),
            entry: None,
            kind: FileKind::Plan,
            contents: self.plan.to_toml()?,
        });
        Ok(files)
    }

    /// All files in one zip (stored, not compressed: they are small and the
    /// page stays small). Keys get Unix mode 0600, the rest 0644; every entry
    /// is dated at the moment of issuing.
    pub fn to_zip(&self) -> Result<Vec<u8>, Error> {
        self.to_zip_with(&[])
    }

    /// [`IssuedPlan::to_zip`] with `extra` files after the plan's own (DER
    /// files, CRLs, PKCS#12 files, certificates signed from CSRs). A name
    /// used twice is an error: a zip tool would keep only one of them.
    pub fn to_zip_with(&self, extra: &[ExtraFile]) -> Result<Vec<u8>, Error> {
        let own = self.files()?;
        let all = own
            .iter()
            .map(|f| (f.name.as_str(), f.contents.as_bytes(), f.private()))
            .chain(
                extra
                    .iter()
                    .map(|f| (f.name.as_str(), f.contents.as_slice(), f.private)),
            );
        zip_files(all, self.issued_at)
    }
}

/// `files` (name, contents, private) in one zip, stored, each dated
/// `dated`: keys (private) get Unix mode 0600, the rest 0644. A name used
/// twice is an error: a zip tool would keep only one of them.
pub fn zip_files<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8], bool)>,
    dated: time::OffsetDateTime,
) -> Result<Vec<u8>, Error> {
    let dated = zip_time(dated);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let mut names: Vec<&str> = Vec::new();
    for (name, contents, private) in files {
        if names.contains(&name) {
            return Err(Error::input(
                "zip",
                format!("two files are named {name}: rename one of them"),
            ));
        }
        names.push(name);
        let mode = if private { 0o600 } else { 0o644 };
        let mut options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .unix_permissions(mode);
        if let Some(dated) = dated {
            options = options.last_modified_time(dated);
        }
        zip.start_file(name, options).map_err(zip_error)?;
        zip.write_all(contents)
            .map_err(|e| Error::Crypto(format!("writing the zip: {e}")))?;
    }
    let cursor = zip.finish().map_err(zip_error)?;
    Ok(cursor.into_inner())
}

/// A file for [`IssuedPlan::to_zip_with`] beyond the plan's own.
#[derive(Clone, PartialEq, Eq)]
pub struct ExtraFile {
    /// The file name in the zip.
    pub name: String,
    /// The bytes.
    pub contents: Vec<u8>,
    /// A private key or a PKCS#12 file: Unix mode 0600 in the zip.
    pub private: bool,
}

impl std::fmt::Debug for ExtraFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtraFile")
            .field("name", &self.name)
            .field("private", &self.private)
            .finish_non_exhaustive()
    }
}

fn zip_time(t: time::OffsetDateTime) -> Option<zip::DateTime> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let year = u16::try_from(t.year()).ok()?;
    zip::DateTime::from_date_and_time(
        year,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
    .ok()
}

fn zip_error(e: zip::result::ZipError) -> Error {
    Error::Crypto(format!("writing the zip: {e}"))
}
