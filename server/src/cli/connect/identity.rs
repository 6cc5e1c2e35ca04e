//! The client certificate `certplay connect` presents: `--cert` with
//! `--key` (PEM or DER, an encrypted key with `--key-pass`), or a PKCS#12
//! `--cert` opened with `--password` (core's reader, the key's own
//! certificate put first).

use super::*;

pub(super) fn client(args: &ConnectArgs) -> Result<Option<ClientFiles>, Error> {
    let Some(cert) = &args.cert else {
        return Ok(None);
    };
    let cert_file = input::file("--cert", cert)?;
    let (certs, key_der, key_flag) = match &args.key {
        Some(key) => {
            let certs = read_certificates(cert_file.source())?;
            let password = input::optional_password("--key-pass", args.key_pass.as_deref())?;
            let key_file = input::file("--key", key)?;
            let key_der = read_private_key(
                Source::new(&key_file.name, &key_file.bytes).with_password(password.as_deref()),
            )
            .map_err(|source| match source {
                certplay_core::Error::EncryptedKey { .. } => Error::KeyPassword {
                    flag: "--key",
                    source,
                },
                source => Error::In {
                    what: "--key".into(),
                    source,
                },
            })?
            .der;
            let certs: Vec<(CertificateDer<'static>, Certificate)> =
                certs.into_iter().map(|c| (c.der, c.info)).collect();
            (certs, key_der, ("--key", key.display().to_string()))
        }
        None => pkcs12(args, &cert_file)?,
    };
    let provider = CRYPTO.provider();
    let signing = provider
        .key_provider
        .load_private_key(key_der)
        .map_err(|e| Error::Flag {
            flag: key_flag.0,
            value: key_flag.1.clone(),
            why: format!("TLS cannot sign with this key: {e}"),
        })?;
    let ders = certs.iter().map(|c| c.0.clone()).collect();
    let certified = CertifiedKey::new(ders, signing);
    if let Err(e) = certified.keys_match() {
        if !matches!(
            e,
            rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)
        ) {
            return Err(Error::Usage(format!(
                "--cert {} and {} {} do not belong together ({e})",
                cert.display(),
                key_flag.0,
                key_flag.1
            )));
        }
    }
    Ok(Some(ClientFiles {
        key: Arc::new(certified),
        chain: certs.into_iter().map(|c| c.1).collect(),
    }))
}

/// A certificate with its DER, read.
type ReadCert = (CertificateDer<'static>, Certificate);

/// A client's certificates, its key, and the flag and file the key came
/// from.
type ReadIdentity = (
    Vec<ReadCert>,
    PrivateKeyDer<'static>,
    (&'static str, String),
);

/// The certificates (the one of the key first) and key of a PKCS#12
/// `--cert`, opened with `--password`; the flag and file to name when
/// the key does not sign.
fn pkcs12(args: &ConnectArgs, file: &input::Input) -> Result<ReadIdentity, Error> {
    let password = input::optional_password("--password", args.password.as_deref())?;
    let opened = read::pkcs12_identity(&file.name, &file.bytes, password.as_deref().unwrap_or(""))
        .map_err(|source| Error::In {
            what: "--cert".into(),
            source,
        })?;
    let Some((key, ders)) = opened else {
        return Err(Error::Usage(format!(
            "--cert {} needs --key with its private key (or a PKCS#12 file with --password)",
            file.name
        )));
    };
    let mut certs = Vec::new();
    for der in ders {
        let info = Certificate::from_der(&der).map_err(|source| Error::In {
            what: format!("--cert {}", file.name),
            source,
        })?;
        certs.push((CertificateDer::from(der), info));
    }
    // The key's certificate first (files list a chain in any order).
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key));
    if let Ok(signing) = CRYPTO
        .provider()
        .key_provider
        .load_private_key(key_der.clone_key())
    {
        if let Some(at) = certs.iter().position(|(der, _)| {
            CertifiedKey::new(vec![der.clone()], signing.clone())
                .keys_match()
                .is_ok()
        }) {
            let own = certs.remove(at);
            certs.insert(0, own);
        }
    }
    Ok((certs, key_der, ("--cert", file.name.clone())))
}
