//! What the commands read: files through the one bounded reader
//! ([`crate::input`]), each artifact through core's one reader of it
//! (certificates, private keys with their password, CRLs, plans), and
//! passwords from a flag, a file or the environment. Every error names the
//! flag and the file.

use std::path::{Path, PathBuf};

use certplay_core::{
    read_certificates, read_private_key, ExistingCa, ExistingChain, KeyPair, Plan, ReadCertificate,
    ReadKey, ServerTls, Source, PLAN_FILE_NAME,
};

use crate::input::{self, ReadError};
use crate::{unix_now, Crypto, Error};

/// A file's name, as the person gave it (for messages), and its bytes.
#[derive(Debug)]
pub struct Input {
    /// `ca.crt`, or `(stdin)`.
    pub name: String,
    /// What it holds, at most [`input::LIMIT`] bytes.
    pub bytes: Vec<u8>,
}

impl Input {
    /// Core's view of it.
    pub fn source(&self) -> Source<'_> {
        Source::new(&self.name, &self.bytes)
    }
}

/// Reads the file `flag` names.
pub fn file(flag: &'static str, path: &Path) -> Result<Input, Error> {
    let bytes = input::read(path).map_err(|source| read_error(flag, path, source))?;
    Ok(Input {
        name: path.display().to_string(),
        bytes,
    })
}

/// [`file`], where `-` is standard input.
pub fn file_or_stdin(flag: &'static str, path: &Path) -> Result<Input, Error> {
    if path.as_os_str() != "-" {
        return file(flag, path);
    }
    let bytes = input::read_stdin().map_err(|source| read_error(flag, path, source))?;
    Ok(Input {
        name: "(stdin)".into(),
        bytes,
    })
}

fn read_error(flag: &'static str, path: &Path, source: ReadError) -> Error {
    let path = if path.as_os_str() == "-" {
        PathBuf::from("standard input")
    } else {
        path.to_path_buf()
    };
    Error::Read { flag, path, source }
}

/// The certificates of the file `flag` names (PEM or DER; at least one).
pub fn certificates(flag: &'static str, path: &Path) -> Result<Vec<ReadCertificate>, Error> {
    let input = file(flag, path)?;
    read_certificates(input.source()).map_err(Error::from)
}

/// The first certificate of the file `flag` names.
pub fn certificate(flag: &'static str, path: &Path) -> Result<ReadCertificate, Error> {
    certificates(flag, path)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Empty {
            file: path.display().to_string(),
            what: "certificate",
        })
}

/// The private key of the file `flag` names: PEM or DER, PKCS#8, PKCS#1
/// or SEC1, or encrypted PKCS#8 with `password` (`FLAG-pass`).
pub fn private_key(
    flag: &'static str,
    path: &Path,
    password: Option<&str>,
) -> Result<KeyPair, Error> {
    let input = file(flag, path)?;
    read_private_key(input.source().with_password(password))
        .and_then(ReadKey::into_pair)
        .map_err(|source| key_error(flag, source))
}

/// Core's words for a key, with the flag that gives its password when it
/// needs one.
fn key_error(flag: &'static str, source: certplay_core::Error) -> Error {
    match source {
        certplay_core::Error::EncryptedKey { .. } => Error::KeyPassword { flag, source },
        source => Error::In {
            what: flag.into(),
            source,
        },
    }
}

/// A plan file (`--plan`): JSON when it starts with `{`, TOML otherwise.
pub fn plan(path: &Path) -> Result<Plan, Error> {
    let text = input::read_text(path).map_err(|source| read_error("--plan", path, source))?;
    let parsed = if text.trim_start().starts_with('{') {
        Plan::from_json(&text)
    } else {
        Plan::from_toml(&text)
    };
    parsed.map_err(|source| Error::In {
        what: format!("--plan {}", path.display()),
        source,
    })
}

/// The plan certplay wrote into `dir` when it issued a set there, if any.
pub fn plan_beside(dir: &Path) -> Option<Plan> {
    let text = input::read_text(&dir.join(PLAN_FILE_NAME)).ok()?;
    Plan::from_toml(&text).ok()
}

/// A password as openssl's `-passin` takes it: `pass:TEXT`,
/// `env:VARIABLE` or `file:PATH` (its first line), given with `flag`.
pub fn password_spec(flag: &'static str, spec: &str) -> Result<String, Error> {
    if let Some(text) = spec.strip_prefix("pass:") {
        return Ok(text.to_owned());
    }
    if let Some(var) = spec.strip_prefix("env:") {
        return std::env::var(var).map_err(|_| Error::Flag {
            flag,
            value: spec.to_owned(),
            why: format!("the password variable {var} is not set (or not UTF-8)"),
        });
    }
    if let Some(path) = spec.strip_prefix("file:") {
        let path = Path::new(path);
        return input::first_line(path).map_err(|source| read_error(flag, path, source));
    }
    Err(Error::Flag {
        flag,
        value: format!("{spec:?}"),
        why: "give the password as pass:TEXT, env:VARIABLE or file:PATH".into(),
    })
}

/// [`password_spec`] of an optional flag.
pub fn optional_password(flag: &'static str, spec: Option<&str>) -> Result<Option<String>, Error> {
    spec.map(|spec| password_spec(flag, spec)).transpose()
}

/// The password of `--password P` or `--password-file FILE` (its first
/// line), if either was given.
pub fn password(given: Option<&str>, file: Option<&Path>) -> Result<Option<String>, Error> {
    match (given, file) {
        (Some(password), _) => Ok(Some(password.to_owned())),
        (None, Some(file)) => input::first_line(file)
            .map(Some)
            .map_err(|source| read_error("--password-file", file, source)),
        (None, None) => Ok(None),
    }
}

/// Reads `--ca`, `--cert` and `--key` (its password from `--key-pass`)
/// and checks them; the error is one line that names the file and the fix.
pub fn load_tls(
    ca: &Path,
    cert: &Path,
    key: &Path,
    key_password: Option<&str>,
) -> Result<ServerTls, Error> {
    let (ca, cert, key) = (
        file("--ca", ca)?,
        file("--cert", cert)?,
        file("--key", key)?,
    );
    ServerTls::read(
        ca.source(),
        cert.source(),
        key.source().with_password(key_password),
        unix_now(),
    )
    .map_err(|e| match e {
        certplay_core::Error::EncryptedKey { .. } => Error::KeyPassword {
            flag: "--key",
            source: e,
        },
        e => e.into(),
    })
}

/// Adds the CRLs of `--crl` files (PEM or DER) to `tls`: each must be
/// signed by a CA of `--ca`; one past its nextUpdate adds a warning.
pub fn load_crls(tls: &mut ServerTls, files: &[PathBuf]) -> Result<(), Error> {
    let read: Vec<Input> = files
        .iter()
        .map(|path| file("--crl", path))
        .collect::<Result<_, _>>()?;
    let sources: Vec<Source<'_>> = read.iter().map(Input::source).collect();
    tls.add_crls(&sources, &Crypto::default().provider(), unix_now())?;
    Ok(())
}

/// A CA a person has: its certificate (`--ca-cert`, PEM or DER) and its
/// private key (`--ca-key`, any form [`private_key`] reads, its password
/// from `--ca-key-pass`), checked to belong together.
pub fn existing_ca(cert: &Path, key: &Path, password: Option<&str>) -> Result<ExistingCa, Error> {
    let certificate = certificate("--ca-cert", cert)?;
    let pair = private_key("--ca-key", key, password)?;
    Ok(ExistingCa::from_der(
        &cert.display().to_string(),
        &certificate.der,
        &key.display().to_string(),
        pair,
    )?)
}

/// A CA a person has with the chain above it: `--ca-cert` (the issuing CA
/// and the certificates above it, in any order and any number of files,
/// PEM or DER) and the issuing
/// CA's private key (`--ca-key`, its password from `--ca-key-pass`),
/// sorted and checked as a whole.
pub fn existing_chain(
    certs: &[PathBuf],
    key: &Path,
    password: Option<&str>,
) -> Result<ExistingChain, Error> {
    let mut ders: Vec<Vec<u8>> = Vec::new();
    for cert in certs {
        ders.extend(
            certificates("--ca-cert", cert)?
                .into_iter()
                .map(|c| c.der.to_vec()),
        );
    }
    let names: Vec<String> = certs.iter().map(|c| c.display().to_string()).collect();
    let pair = private_key("--ca-key", key, password)?;
    Ok(ExistingChain::from_certificates(
        &names.join(" + "),
        &ders,
        &key.display().to_string(),
        pair,
        unix_now(),
    )?)
}
