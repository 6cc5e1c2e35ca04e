//! Issuing a plan natively: the keys are made on threads (core has no
//! threads, for the browser's sake, and RSA key generation is most of the
//! time), then core issues; the files are written through [`SafeDir`].

use std::path::{Path, PathBuf};

use certplay_core::{
    Error as CoreError, IssuedPlan, KeyPair, KeyType, Materials, OutputFile, Plan,
};

use crate::files::{Access, Entry, Existing, FileError, SafeDir};
use crate::Error;

/// Issues `plan` now. Keys the materials do not bring are made here, one
/// thread each.
pub fn issue_plan(plan: &Plan, mut materials: Materials) -> Result<IssuedPlan, Error> {
    // Check before spending seconds on RSA keys.
    plan.check(time::OffsetDateTime::now_utc())?;
    let needed: Vec<(String, KeyType)> = plan
        .keys_needed()
        .into_iter()
        .filter(|(name, _)| !materials.keys.contains_key(name))
        .collect();
    let made: Vec<(String, Result<KeyPair, Error>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = needed
            .into_iter()
            .map(|(name, key_type)| {
                (
                    name,
                    scope.spawn(move || generate(key_type).map_err(Error::Core)),
                )
            })
            .collect();
        handles
            .into_iter()
            .map(|(name, handle)| {
                let key = handle.join().unwrap_or(Err(Error::KeygenPanicked));
                (name, key)
            })
            .collect()
    });
    for (name, key) in made {
        materials.keys.insert(name, key?);
    }
    Ok(plan.issue_with(materials, time::OffsetDateTime::now_utc())?)
}

/// One key pair. RSA comes from aws-lc-rs (several times faster than the
/// pure-Rust generator core uses in the browser), handed to core as PKCS#8.
pub fn generate(key_type: KeyType) -> Result<KeyPair, CoreError> {
    use aws_lc_rs::encoding::AsDer;
    let size = match key_type {
        KeyType::Rsa2048 => aws_lc_rs::rsa::KeySize::Rsa2048,
        KeyType::Rsa3072 => aws_lc_rs::rsa::KeySize::Rsa3072,
        KeyType::Rsa4096 => aws_lc_rs::rsa::KeySize::Rsa4096,
        KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::Ed25519 => {
            return KeyPair::generate(key_type)
        }
    };
    let pair = aws_lc_rs::rsa::KeyPair::generate(size).map_err(|_| {
        CoreError::Crypto(format!(
            "generating an {} key failed",
            key_type.description()
        ))
    })?;
    let der = pair
        .as_der()
        .map_err(|_| CoreError::Crypto("encoding an RSA key failed".into()))?;
    KeyPair::from_pkcs8_der(der.as_ref())
}

/// Writes every file of `issued` into `dir` (created 0700 if missing):
/// keys 0600 and the rest 0644, each via a new file renamed into place.
/// Unless `existing` is [`Existing::Replace`], any file already there stops
/// the whole write before anything is written; a symbolic link or a
/// directory in the way always does. Returns the paths written.
pub fn write_issued(
    dir: &Path,
    issued: &IssuedPlan,
    existing: Existing,
) -> Result<Vec<PathBuf>, Error> {
    write_files(dir, &issued.files()?, existing)
}

/// [`write_issued`] for files already made (`IssuedPlan::files`), so that
/// what is written and what is reported are the same list, built once.
pub fn write_files(
    dir: &Path,
    files: &[OutputFile],
    existing: Existing,
) -> Result<Vec<PathBuf>, Error> {
    let safe = SafeDir::open(dir)?;
    let mut names = Vec::new();
    for file in files {
        let path = safe.join(&file.name);
        match safe.entry(&file.name)? {
            Entry::Missing => {}
            Entry::Symlink => return Err(FileError::Symlink { path }.into()),
            Entry::Other => return Err(FileError::NotAFile { path }.into()),
            Entry::File => names.push(file.name.clone()),
        }
    }
    if existing == Existing::Refuse && !names.is_empty() {
        return Err(Error::AlreadyThere {
            dir: dir.to_path_buf(),
            names,
        });
    }
    let mut written = Vec::new();
    for file in files {
        let access = if file.private() {
            Access::Private
        } else {
            Access::Public
        };
        written.push(safe.write(&file.name, file.contents.as_bytes(), access, existing)?);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use certplay_core::read::Certificate;
    use certplay_core::verify;

    use super::*;

    fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = fs::read_dir(dir)
            .expect("read dir")
            .map(|e| {
                let e = e.expect("entry");
                let name = e.file_name().to_string_lossy().into_owned();
                (name, fs::read(e.path()).unwrap_or_default())
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn nothing_is_written_when_a_file_is_in_the_way() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("out");
        let issued = issue_plan(&Plan::default(), Materials::default()).expect("issue");
        write_issued(&dir, &issued, Existing::Refuse).expect("first");
        fs::remove_file(dir.join("ca.crt")).expect("rm");
        let before = snapshot(&dir);
        let refused = write_issued(&dir, &issued, Existing::Refuse).expect_err("exists");
        let message = refused.to_string();
        assert!(
            message.contains("--force") && message.contains("ca.key, server.crt"),
            "{message}"
        );
        assert_eq!(snapshot(&dir), before, "ca.crt must not have been written");
        write_issued(&dir, &issued, Existing::Replace).expect("forced");
        assert_eq!(
            fs::read(dir.join("ca.crt")).expect("ca.crt"),
            issued.entries[0].cert_pem.as_bytes()
        );
    }

    #[test]
    fn a_link_is_refused_even_with_force() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("out");
        fs::create_dir(&dir).expect("mkdir");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).expect("chmod");
        let precious = root.path().join("precious.key");
        fs::write(&precious, b"mine").expect("write");
        std::os::unix::fs::symlink(&precious, dir.join("ca.key")).expect("link");
        let issued = issue_plan(&Plan::default(), Materials::default()).expect("issue");
        let refused = write_issued(&dir, &issued, Existing::Replace).expect_err("link");
        assert!(refused.to_string().contains("symbolic link"), "{refused}");
        assert_eq!(fs::read(&precious).expect("read"), b"mine");
        assert!(!dir.join("ca.crt").exists(), "nothing written");
    }

    #[test]
    fn native_rsa_keys_of_every_size_sign() {
        for key_type in [KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096] {
            let plan = Plan {
                key_type,
                ..certplay_core::Preset::ServerOnly.plan()
            };
            let issued = issue_plan(&plan, Materials::default()).expect("issue");
            // The key type read back from the certificate (self-signed:
            // one key, as RSA-4096 takes long), and the key checked by a
            // signature: the certificate verifies under itself (webpki with
            // core's RustCrypto provider).
            let entry = issued.entry("server").expect("server");
            let cert = Certificate::from_der(&entry.cert_der).expect("readable");
            assert_eq!(KeyType::of(&cert.public_key.kind), Some(key_type));
            let check = verify::Check {
                anchors: std::slice::from_ref(&cert),
                intermediates: &[],
                crls: &[],
                purpose: verify::Purpose::Server {
                    host: "localhost".into(),
                },
                at: issued.issued_at.unix_timestamp() + 60,
            };
            verify::verify(&cert, &check, &verify::provider::verifying())
                .unwrap_or_else(|e| panic!("{key_type}: {e}"));
        }
    }
}
