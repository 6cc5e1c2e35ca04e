//! The demo set: with no certificate flags, `certplay serve` uses
//! `./certplay-demo/`, making it with core the first time (and again when
//! it is missing, broken or about to expire).
//!
//! certplay only ever replaces files it made itself: the directory keeps a
//! marker, [`MARKER`], in `sha256sum` format, listing each file certplay
//! wrote with its SHA-256. A file that is not listed there, or whose bytes
//! changed, is somebody's own (a `--demo-dir` pointed at a person's PKI with
//! their `ca.key`): certplay refuses and says how to go on, and every file
//! stays as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use certplay_core::{IssuedPlan, KeyType, Materials, Plan};
use sha2::{Digest, Sha256};

use crate::files::{Access, Entry, Existing, FileError, SafeDir};
use crate::Error;

/// Reissue the demo set when it has less than this left.
const MIN_REMAINING_SECS: i64 = 24 * 60 * 60;

/// The file, in the demo directory, that lists what certplay made there
/// (`sha256sum -c made-by-certplay.sha256` checks it).
pub const MARKER: &str = "made-by-certplay.sha256";

/// What happened to the demo directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoSet {
    /// A valid set was already there and is used as it is.
    Reused,
    /// A new set was written.
    Created,
}

/// Makes sure `dir` holds a valid demo set; returns whether it made one.
/// With `key_type`, a valid set of another key type is replaced; without
/// it, any valid set is reused and a new one is ECDSA P-256. Only files
/// certplay made are ever replaced.
pub fn ensure(dir: &Path, key_type: Option<KeyType>) -> Result<DemoSet, Error> {
    let safe = SafeDir::open(dir)?;
    let why = match check(&safe, key_type) {
        Ok(()) => {
            for warning in readable_keys(&safe) {
                tracing::warn!("{warning}");
            }
            return Ok(DemoSet::Reused);
        }
        Err(why) => why,
    };
    let marker = Marker::read(&safe)?;
    let plan = Plan {
        key_type: key_type.unwrap_or_default(),
        ..Plan::default()
    };
    let issued = crate::issuing::issue_plan(&plan, Materials::default())?;
    let files = issued.files()?;
    let replacing = only_ours(
        &safe,
        &marker,
        files.iter().map(|f| f.name.as_str()),
        &why,
        "To serve your own files pass --ca, --cert and --key; for a demo set pass --demo-dir \
         with a new or empty directory",
    )?;
    if replacing {
        tracing::info!("making a new demo set in {}: {why}", dir.display());
    }
    // The marker lists the old and the new files while they are swapped, so
    // that a set interrupted half way is still recognised as ours.
    let mut both = marker;
    both.add_set(&issued)?;
    both.write(&safe)?;
    crate::issuing::write_issued(dir, &issued, Existing::Replace)?;
    let mut new = Marker::default();
    new.add_set(&issued)?;
    new.write(&safe)?;
    Ok(DemoSet::Created)
}

/// Writes `files` (name, contents, who may read it) into `dir`, replacing
/// only files that certplay made there (listed in its [`MARKER`] with the
/// bytes they still have): anything else in the way (a person's file, a
/// changed one, a link, a directory) stops it before a byte is written,
/// with `fix` in the error. The marker then lists the new files.
pub fn replace_made(
    dir: &Path,
    files: &[(String, Vec<u8>, Access)],
    fix: &'static str,
) -> Result<(), Error> {
    let safe = SafeDir::open(dir)?;
    let marker = Marker::read(&safe)?;
    only_ours(
        &safe,
        &marker,
        files.iter().map(|(name, _, _)| name.as_str()),
        "certplay makes its files fresh at every start",
        fix,
    )?;
    // As in `ensure`: the marker lists the old and the new files while
    // they are swapped.
    let mut both = marker;
    let mut new = Marker::default();
    for (name, contents, _) in files {
        both.add(name, sha256_hex(contents));
        new.add(name, sha256_hex(contents));
    }
    both.write(&safe)?;
    for (name, contents, access) in files {
        safe.write(name, contents, *access, Existing::Replace)?;
    }
    new.write(&safe)?;
    Ok(())
}

/// Checks that every file of `names` already in `dir` is one certplay
/// made (listed in `marker` with the bytes it still has), nothing else:
/// returns whether any is there to be replaced. Otherwise the error names
/// the first one in the way, `why` the set cannot be used and `fix`.
fn only_ours<'a>(
    dir: &SafeDir,
    marker: &Marker,
    names: impl Iterator<Item = &'a str>,
    why: &str,
    fix: &'static str,
) -> Result<bool, Error> {
    let mut replacing = false;
    for name in names {
        let path = dir.join(name);
        match dir.entry(name)? {
            Entry::Missing => {}
            Entry::Symlink => return Err(FileError::Symlink { path }.into()),
            Entry::Other => return Err(FileError::NotAFile { path }.into()),
            Entry::File => {
                if !marker.lists(name, &sha256_hex(&dir.read(name)?)) {
                    return Err(Error::NotOurs {
                        path,
                        marker: dir.join(MARKER),
                        why: why.to_owned(),
                        fix,
                    });
                }
                replacing = true;
            }
        }
    }
    Ok(replacing)
}

/// A warning for each private key of a reused set that group or others
/// may read (certplay writes them 0600; a copy or an editor may not keep
/// that), with the command that fixes it.
fn readable_keys(dir: &SafeDir) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    ["ca.key", "server.key", "client.key"]
        .iter()
        .filter_map(|name| {
            let path = dir.join(name);
            let mode = std::fs::symlink_metadata(&path).ok()?.mode() & 0o777;
            (mode & 0o077 != 0).then(|| {
                format!(
                    "{} has mode {mode:04o}: other users of this machine can read this \
                     private key; fix it with `chmod 600 {}`",
                    path.display(),
                    path.display()
                )
            })
        })
        .collect()
}

/// Why the set in the directory cannot be used as it is, in words.
fn check(dir: &SafeDir, key_type: Option<KeyType>) -> Result<(), String> {
    let tls = crate::cli::input::load_tls(
        &dir.join("ca.crt"),
        &dir.join("server.crt"),
        &dir.join("server.key"),
        None,
    )
    .map_err(|e| e.to_string())?;
    if let (Some(wanted), Some(server)) = (key_type, tls.cert_chain.first()) {
        let held = &server.info.public_key.kind;
        if KeyType::of(held) != Some(wanted) {
            return Err(format!(
                "it holds {held} keys, {} was asked for",
                wanted.description()
            ));
        }
    }
    if let Some(warning) = tls.warnings.first() {
        return Err(warning.clone());
    }
    let client = dir.read("client.crt").map_err(|e| e.to_string())?;
    let key = dir.read("client.key").map_err(|e| e.to_string())?;
    let certs = certplay_core::read_certificates(certplay_core::Source::new("client.crt", &client))
        .map_err(|e| e.to_string())?;
    certplay_core::read_private_key(certplay_core::Source::new("client.key", &key))
        .map_err(|e| e.to_string())?;
    let now = crate::unix_now();
    for cert in tls.cert_chain.iter().chain(&tls.client_cas).chain(&certs) {
        if cert.info.not_after.0 - now < MIN_REMAINING_SECS {
            return Err(format!(
                "{} expires at {}",
                cert.info.subject,
                certplay_core::format_time(cert.info.not_after.0)
            ));
        }
    }
    Ok(())
}

/// The marker's content: file name -> the SHA-256s (hex) certplay wrote.
#[derive(Debug, Default)]
struct Marker {
    made: BTreeMap<String, Vec<String>>,
}

impl Marker {
    /// Reads the marker; a missing one lists nothing. Lines that are not
    /// `HEX  NAME` are ignored (then the file they meant is not ours).
    fn read(dir: &SafeDir) -> Result<Marker, FileError> {
        let bytes = match dir.entry(MARKER)? {
            Entry::Missing => return Ok(Marker::default()),
            _ => dir.read(MARKER)?,
        };
        let mut marker = Marker::default();
        for line in String::from_utf8_lossy(&bytes).lines() {
            if let Some((hash, name)) = line.split_once("  ") {
                if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    marker.add(name, hash.to_ascii_lowercase());
                }
            }
        }
        Ok(marker)
    }

    fn lists(&self, name: &str, hash: &str) -> bool {
        self.made
            .get(name)
            .is_some_and(|hashes| hashes.iter().any(|h| h == hash))
    }

    fn add(&mut self, name: &str, hash: String) {
        let hashes = self.made.entry(name.to_owned()).or_default();
        if !hashes.contains(&hash) {
            hashes.push(hash);
        }
    }

    fn add_set(&mut self, issued: &IssuedPlan) -> Result<(), Error> {
        for file in issued.files()? {
            self.add(&file.name, sha256_hex(file.contents.as_bytes()));
        }
        Ok(())
    }

    fn write(&self, dir: &SafeDir) -> Result<PathBuf, FileError> {
        let mut text = String::new();
        for (name, hashes) in &self.made {
            for hash in hashes {
                text.push_str(&format!("{hash}  {name}\n"));
            }
        }
        dir.write(MARKER, text.as_bytes(), Access::Public, Existing::Replace)
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// Every file in `dir` with its bytes and mode, to compare before/after.
    fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32, bool)> {
        fs::read_dir(dir)
            .expect("list")
            .map(|e| {
                let e = e.expect("entry");
                let meta = fs::symlink_metadata(e.path()).expect("stat");
                let bytes = if meta.is_file() {
                    fs::read(e.path()).expect("read")
                } else {
                    Vec::new()
                };
                (
                    e.file_name().to_string_lossy().into_owned(),
                    (
                        bytes,
                        meta.permissions().mode(),
                        meta.file_type().is_symlink(),
                    ),
                )
            })
            .collect()
    }

    #[test]
    fn made_then_reused_then_replaced_only_while_it_is_ours() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("demo");
        assert_eq!(ensure(&dir, None).expect("made"), DemoSet::Created);
        let marker = fs::read_to_string(dir.join(MARKER)).expect("marker");
        assert_eq!(
            marker.lines().count(),
            7,
            "the blog's six files and the plan: {marker}"
        );
        assert_eq!(ensure(&dir, None).expect("reused"), DemoSet::Reused);
        // A broken file that certplay made is replaced...
        fs::write(dir.join("server.crt"), b"garbage").expect("write");
        // (the marker no longer matches server.crt: it was changed)
        let refused = ensure(&dir, None).expect_err("changed file is not ours");
        assert!(refused.to_string().contains("server.crt"), "{refused}");
        // ...but an unchanged set of the wrong key type is ours to replace.
        fs::remove_file(dir.join("server.crt")).expect("rm");
        assert_eq!(ensure(&dir, None).expect("remade"), DemoSet::Created);
        assert_eq!(
            ensure(&dir, Some(KeyType::Rsa2048)).expect("other type"),
            DemoSet::Created
        );
        let marker = fs::read_to_string(dir.join(MARKER)).expect("marker");
        assert_eq!(
            marker.lines().count(),
            7,
            "the blog's six files and the plan: {marker}"
        );
    }

    #[test]
    fn someone_elses_pki_is_never_overwritten() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("my-pki");
        // A person's own set (made by certplay's issue, but not as a demo
        // set: no marker), that this run cannot use as it is.
        let issued = Plan::default().issue().expect("issue");
        crate::issuing::write_issued(&dir, &issued, Existing::Refuse).expect("written");
        let before = snapshot(&dir);
        let refused = ensure(&dir, Some(KeyType::Rsa2048)).expect_err("not ours");
        let message = refused.to_string();
        assert!(matches!(refused, Error::NotOurs { .. }), "{message}");
        assert!(message.contains("not made by certplay"), "{message}");
        assert!(message.contains("--demo-dir"), "{message}");
        assert_eq!(snapshot(&dir), before, "every file stays as it was");
    }

    #[test]
    fn a_symlinked_key_keeps_every_file_as_it_was() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("demo");
        ensure(&dir, None).expect("made");
        let elsewhere = root.path().join("elsewhere.key");
        fs::write(&elsewhere, b"precious").expect("write");
        fs::remove_file(dir.join("ca.key")).expect("rm");
        std::os::unix::fs::symlink(&elsewhere, dir.join("ca.key")).expect("link");
        fs::write(dir.join("server.crt"), b"broken").expect("write");
        let before = snapshot(&dir);
        let refused = ensure(&dir, None).expect_err("symlink");
        assert!(refused.to_string().contains("ca.key"), "{refused}");
        assert_eq!(snapshot(&dir), before);
        assert_eq!(fs::read(&elsewhere).expect("read"), b"precious");
    }

    #[test]
    fn a_foreign_or_open_directory_is_refused_before_anything_is_read() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("demo");
        fs::create_dir(&dir).expect("mkdir");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).expect("chmod");
        let refused = ensure(&dir, None).expect_err("world-writable");
        assert!(refused.to_string().contains("chmod go-w"), "{refused}");
        assert!(snapshot(&dir).is_empty());
        if crate::files::current_uid() == 0 {
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
            std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).expect("chown");
            let refused = ensure(&dir, None).expect_err("foreign owner");
            assert!(refused.to_string().contains("not to you"), "{refused}");
            assert!(snapshot(&dir).is_empty());
        }
    }
}
