//! Importing a private key a person already has: PKCS#8, PKCS#1 (RSA),
//! SEC1 (EC), as PEM or DER, and encrypted PKCS#8 with its password. When
//! the file holds something else, the error names what it holds.

use super::KeyPair;
use crate::read::{read, Item};
use crate::{Error, PemSource};

/// The largest key file certplay reads: an RSA-4096 PEM is about 3.3 KB.
const MAX_KEY_FILE: usize = 64 * 1024;

impl KeyPair {
    /// Reads the private key in `source` (PEM or DER: PKCS#8, PKCS#1, SEC1,
    /// or encrypted PKCS#8 when `password` is given). A file that holds a
    /// certificate, a CSR, a public key, an OpenSSH or legacy-encrypted key
    /// is refused with an error that says so.
    pub fn import(source: PemSource<'_>, password: Option<&str>) -> Result<Self, Error> {
        let name = source.name;
        let bytes = source.bytes;
        if bytes.len() > MAX_KEY_FILE {
            return Err(Error::input(
                name,
                format!(
                    "{} bytes is far more than a private key (at most {MAX_KEY_FILE} read)",
                    bytes.len()
                ),
            ));
        }
        if bytes.first() == Some(&0x30) {
            return import_der(name, bytes, password);
        }
        let text = String::from_utf8_lossy(bytes);
        if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
            return Err(Error::input(
                name,
                "this is an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----), which \
                 certplay does not read; convert a copy to PKCS#8 with: \
                 cp KEY copy && ssh-keygen -p -m PKCS8 -N '' -f copy",
            ));
        }
        if text.starts_with("PuTTY-User-Key-File") {
            return Err(Error::input(
                name,
                "this is a PuTTY key (.ppk); export it as OpenSSH or PKCS#8 with puttygen",
            ));
        }
        let blocks = pem::parse_many(bytes).map_err(|e| Error::Malformed {
            what: name.into(),
            reason: format!("broken PEM: {e}"),
        })?;
        if blocks.is_empty() {
            return Err(Error::NoPem {
                file: name.into(),
                expected: "PRIVATE KEY",
                found: vec![],
            });
        }
        for block in &blocks {
            let encrypted_legacy = block
                .headers()
                .get("Proc-Type")
                .is_some_and(|v| v.contains("ENCRYPTED"));
            if encrypted_legacy {
                return Err(Error::input(
                    name,
                    format!(
                        "this is a legacy OpenSSL-encrypted key (-----BEGIN {}----- with \
                         Proc-Type: 4,ENCRYPTED), which certplay does not decrypt; convert it to \
                         encrypted PKCS#8 with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in {name} -out key.p8",
                        block.tag()
                    ),
                ));
            }
            let der = block.contents();
            match block.tag() {
                "PRIVATE KEY" => return Self::from_pkcs8_der(der).map_err(|e| named(name, e)),
                "RSA PRIVATE KEY" => return Self::from_pkcs1_der(der).map_err(|e| named(name, e)),
                "EC PRIVATE KEY" => return Self::from_sec1_der(der).map_err(|e| named(name, e)),
                "ENCRYPTED PRIVATE KEY" => return decrypt(name, der, password),
                // openssl ecparam -genkey writes the curve before the key.
                "EC PARAMETERS" => continue,
                _ => continue,
            }
        }
        let labels: Vec<String> = blocks.iter().map(|b| b.tag().to_owned()).collect();
        let what = blocks.first().map(|b| kind_of_label(b.tag()));
        Err(match what {
            Some(Some(kind)) => Error::input(
                name,
                format!(
                    "this holds {kind} (-----BEGIN {}-----), not a private key",
                    labels.join("-----, -----BEGIN ")
                ),
            ),
            _ => Error::NoPem {
                file: name.into(),
                expected: "PRIVATE KEY",
                found: labels,
            },
        })
    }
}

/// What a PEM label holds, in words, for the ones a person mixes up.
fn kind_of_label(label: &str) -> Option<&'static str> {
    Some(match label {
        "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CERTIFICATE" => "a certificate",
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => "a certificate signing request",
        "PUBLIC KEY" | "RSA PUBLIC KEY" => "a public key (its private key is a separate file)",
        "X509 CRL" => "a certificate revocation list",
        "PKCS7" => "a PKCS#7 bundle",
        _ => return None,
    })
}

/// The error of a key reader, with the file's name in it.
fn named(name: &str, e: Error) -> Error {
    match e {
        Error::Malformed { reason, .. } => Error::Malformed {
            what: name.into(),
            reason,
        },
        Error::UnsupportedKey { reason, .. } => Error::UnsupportedKey {
            file: name.into(),
            reason,
        },
        other => other,
    }
}

/// DER has no label: try each private key structure, then say what it is.
fn import_der(name: &str, der: &[u8], password: Option<&str>) -> Result<KeyPair, Error> {
    if p256::pkcs8::PrivateKeyInfo::try_from(der).is_ok() {
        return KeyPair::from_pkcs8_der(der).map_err(|e| named(name, e));
    }
    if rsa_private_key(der) {
        return KeyPair::from_pkcs1_der(der).map_err(|e| named(name, e));
    }
    if let Ok(key) = KeyPair::from_sec1_der(der) {
        return Ok(key);
    }
    if encrypted_info(der) {
        return decrypt(name, der, password);
    }
    let found = match read(name, der) {
        Ok(items) => match items.first() {
            Some(Item::Certificate(_)) => "a certificate",
            Some(Item::Csr(_)) => "a certificate signing request",
            Some(Item::Crl(_)) => "a certificate revocation list",
            Some(Item::PublicKey(_)) => "a public key (its private key is a separate file)",
            _ => "DER that is no private key certplay knows",
        },
        Err(_) => "DER that is no private key certplay knows",
    };
    Err(Error::input(
        name,
        format!("this is {found}, not a private key (PKCS#8, PKCS#1 or SEC1)"),
    ))
}

fn rsa_private_key(der: &[u8]) -> bool {
    use rsa::pkcs1::der::Decode;
    rsa::pkcs1::RsaPrivateKey::from_der(der).is_ok()
}

/// True when `der` has the shape of an EncryptedPrivateKeyInfo (RFC 5958,
/// section 3): an AlgorithmIdentifier and an OCTET STRING.
fn encrypted_info(der: &[u8]) -> bool {
    use x509_cert::der::asn1::OctetStringRef;
    use x509_cert::der::{Decode, Reader, SliceReader};
    use x509_cert::spki::AlgorithmIdentifierOwned;
    let Ok(mut reader) = SliceReader::new(der) else {
        return false;
    };
    reader
        .sequence(|r| {
            AlgorithmIdentifierOwned::decode(r)?;
            OctetStringRef::decode(r)?;
            Ok(())
        })
        .and_then(|()| reader.finish(()))
        .is_ok()
}

/// Decrypts an EncryptedPrivateKeyInfo (PBES2: PBKDF2 or scrypt with
/// AES-CBC, what OpenSSL 3 writes) and reads the key inside.
#[cfg(feature = "encrypted-keys")]
fn decrypt(name: &str, der: &[u8], password: Option<&str>) -> Result<KeyPair, Error> {
    let Some(password) = password else {
        return Err(needs_password(name));
    };
    let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der).map_err(|e| {
        Error::input(
            name,
            format!(
                "an encrypted PKCS#8 key whose encryption certplay cannot undo ({e}); certplay \
                 decrypts PBES2 with PBKDF2 or scrypt and AES-CBC (openssl pkcs8 -topk8 -v2 aes-256-cbc)"
            ),
        )
    })?;
    if let Some(params) = info.encryption_algorithm.pbes2() {
        crate::pbe::pbes2_within_limits(params).map_err(|why| Error::input(name, why))?;
    }
    let plain = info.decrypt(password).map_err(|_| {
        Error::input(
            name,
            "the password does not decrypt this key (or the file is damaged)",
        )
    })?;
    KeyPair::from_pkcs8_der(plain.as_bytes()).map_err(|e| named(name, e))
}

/// Without the `encrypted-keys` feature, certplay says how to decrypt.
#[cfg(not(feature = "encrypted-keys"))]
fn decrypt(name: &str, _der: &[u8], password: Option<&str>) -> Result<KeyPair, Error> {
    match password {
        None => Err(needs_password(name)),
        Some(_) => Err(Error::input(
            name,
            "this certplay was built without encrypted-key support (the encrypted-keys \
             feature); decrypt the key first: openssl pkey -in KEY -out plain.key",
        )),
    }
}

fn needs_password(name: &str) -> Error {
    Error::input(
        name,
        "this is an encrypted PKCS#8 key (-----BEGIN ENCRYPTED PRIVATE KEY-----): give its password",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeyType;

    #[test]
    fn pem_and_der_pkcs8_import() {
        for key_type in [KeyType::EcdsaP256, KeyType::Ed25519] {
            let key = KeyPair::generate(key_type).unwrap();
            let pem = key.to_pkcs8_pem().unwrap();
            let again = KeyPair::import(PemSource::new("k.pem", pem.as_bytes()), None).unwrap();
            assert_eq!(again.public_key_info_der(), key.public_key_info_der());
            let der = ::pem::parse(&pem).unwrap().into_contents();
            let again = KeyPair::import(PemSource::new("k.der", &der), None).unwrap();
            assert_eq!(again.public_key_info_der(), key.public_key_info_der());
        }
    }

    #[test]
    fn other_artifacts_are_named() {
        let issued = crate::Plan::default().issue().unwrap();
        let ca = issued.entry("ca").unwrap();
        let err = KeyPair::import(PemSource::new("ca.crt", ca.cert_pem.as_bytes()), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ca.crt") && err.contains("a certificate"),
            "{err}"
        );
        let err = KeyPair::import(PemSource::new("ca.der", &ca.cert_der), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("this is a certificate"), "{err}");
        let ssh = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
        let err = KeyPair::import(PemSource::new("id_ed25519", ssh), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("OpenSSH private key"), "{err}");
        let legacy = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let err = KeyPair::import(PemSource::new("old.key", legacy), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("legacy OpenSSL-encrypted"), "{err}");
    }

    #[test]
    fn truncated_and_garbage_keys_are_errors_not_panics() {
        let key = KeyPair::generate(KeyType::EcdsaP384).unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        let der = ::pem::parse(&pem).unwrap().into_contents();
        for end in 0..der.len() {
            assert!(KeyPair::import(PemSource::new("k", &der[..end]), Some("x")).is_err());
        }
        for end in 0..pem.len() {
            let _ = KeyPair::import(PemSource::new("k", &pem.as_bytes()[..end]), None);
        }
        for bytes in [&b""[..], b"\x30", b"\x30\x00", b"garbage", &[0x30; 64]] {
            assert!(KeyPair::import(PemSource::new("k", bytes), Some("x")).is_err());
        }
    }

    #[cfg(feature = "encrypted-keys")]
    #[test]
    fn encrypted_pkcs8_imports_with_its_password() {
        let key = KeyPair::generate(KeyType::EcdsaP256).unwrap();
        let der = ::pem::parse(key.to_pkcs8_pem().unwrap())
            .unwrap()
            .into_contents();
        let info = pkcs8::PrivateKeyInfo::try_from(der.as_slice()).unwrap();
        let encrypted = info.encrypt(rand_core::OsRng, "secret").unwrap();
        let pem = ::pem::encode(&::pem::Pem::new(
            "ENCRYPTED PRIVATE KEY",
            encrypted.as_bytes().to_vec(),
        ));
        let source = PemSource::new("enc.key", pem.as_bytes());
        let again = KeyPair::import(source, Some("secret")).unwrap();
        assert_eq!(again.public_key_info_der(), key.public_key_info_der());
        let err = KeyPair::import(source, None).unwrap_err().to_string();
        assert!(
            err.contains("encrypted PKCS#8") && err.contains("password"),
            "{err}"
        );
        let err = KeyPair::import(source, Some("wrong"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("password does not decrypt"), "{err}");
        let again = KeyPair::import(
            PemSource::new("enc.der", encrypted.as_bytes()),
            Some("secret"),
        );
        assert!(again.is_ok());
    }
}
