//! The demo set: with no certificate flags, `certplay serve` uses
//! `./certplay-demo/`, making it with core the first time (and again when
//! it is missing, broken or about to expire).

use std::fs;
use std::io::Write;
use std::path::Path;

use certplay_core::{KeyPair, KeyType, Pki, PkiKeys, PkiParams};

/// Reissue the demo set when it has less than this left.
const MIN_REMAINING_SECS: i64 = 24 * 60 * 60;

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
/// it, any valid set is reused and a new one is ECDSA P-256.
pub fn ensure(dir: &Path, key_type: Option<KeyType>) -> Result<DemoSet, String> {
    match check(dir, key_type) {
        Ok(()) => return Ok(DemoSet::Reused),
        Err(why) if dir.join("ca.crt").exists() => {
            tracing::info!("making a new demo set in {}: {why}", dir.display());
        }
        Err(_) => {}
    }
    let params = PkiParams {
        key_type: key_type.unwrap_or_default(),
        ..PkiParams::default()
    };
    write_set(dir, &issue(&params)?)?;
    Ok(DemoSet::Created)
}

/// Issues the set `params` describes, valid from now. The three key pairs
/// are made on three threads: RSA key generation is most of the time, and
/// core (which has no threads, for the browser's sake) makes them one by one.
pub fn issue(params: &PkiParams) -> Result<Pki, String> {
    params.check().map_err(|e| e.to_string())?;
    let key_type = params.key_type;
    let [ca, server, client] = std::thread::scope(|scope| {
        let spawn = || scope.spawn(move || KeyPair::generate(key_type));
        let handles = [spawn(), spawn(), spawn()];
        handles.map(|h| match h.join() {
            Ok(key) => key.map_err(|e| e.to_string()),
            Err(_) => Err("key generation panicked".to_owned()),
        })
    });
    let keys = PkiKeys {
        ca: ca?,
        server: server?,
        client: client?,
    };
    params
        .issue_with(keys, time::OffsetDateTime::now_utc())
        .map_err(|e| e.to_string())
}

/// Writes the six files of a set into `dir` (keys with mode 0600).
pub fn write_set(dir: &Path, pki: &Pki) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for file in pki.files() {
        let path = dir.join(file.name);
        write_file(&path, file.contents.as_bytes(), file.private)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

fn check(dir: &Path, key_type: Option<KeyType>) -> Result<(), String> {
    let tls = crate::load_tls(
        &dir.join("ca.crt"),
        &dir.join("server.crt"),
        &dir.join("server.key"),
    )?;
    if let (Some(wanted), Some(server)) = (key_type, tls.cert_chain.first()) {
        if server.info.public_key != wanted.description() {
            return Err(format!(
                "it holds {} keys, {} was asked for",
                server.info.public_key,
                wanted.description()
            ));
        }
    }
    if let Some(warning) = tls.warnings.first() {
        return Err(warning.clone());
    }
    let client = fs::read(dir.join("client.crt")).map_err(|e| e.to_string())?;
    let key = fs::read(dir.join("client.key")).map_err(|e| e.to_string())?;
    let certs =
        certplay_core::read_certificates(certplay_core::PemSource::new("client.crt", &client))
            .map_err(|e| e.to_string())?;
    certplay_core::read_private_key(certplay_core::PemSource::new("client.key", &key))
        .map_err(|e| e.to_string())?;
    let now = crate::unix_now();
    for cert in tls.cert_chain.iter().chain(&tls.client_cas).chain(&certs) {
        if cert.info.not_after - now < MIN_REMAINING_SECS {
            return Err(format!(
                "{} expires at {}",
                cert.info.subject,
                cert.info.not_after_text()
            ));
        }
    }
    Ok(())
}

fn write_file(path: &Path, contents: &[u8], private: bool) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    let mut file = options.open(path)?;
    file.write_all(contents)
}
