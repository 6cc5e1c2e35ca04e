//! Reading a private key a person already has, from any file certplay
//! takes a key from: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), as PEM or DER, and
//! encrypted PKCS#8 with its password (feature `encrypted-keys`). When the
//! file holds something else, the error names what it holds.

use std::fmt;

use rustls_pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};

use super::KeyPair;
use crate::read::{encoded, kind_of_label, named, not_der_of, Encoded, KeyFormat, Source};
use crate::Error;

/// What a key file must hold, in the words of an error.
const EXPECTED: &str = "a private key (PKCS#8, PKCS#1 or SEC1)";

/// A private key read from a file.
pub struct ReadKey {
    /// The key as rustls takes it: PKCS#8, PKCS#1 or SEC1 DER as the file
    /// held it (an encrypted key decrypted).
    pub der: PrivateKeyDer<'static>,
    /// The key pair, when certplay signs with this kind of key; else why
    /// not (an RSA-1024 key, a P-521 key, ...), with the file's name.
    pub pair: Result<KeyPair, Error>,
}

impl ReadKey {
    /// The key pair, or why certplay cannot sign with this key.
    pub fn into_pair(self) -> Result<KeyPair, Error> {
        self.pair
    }
}

impl fmt::Debug for ReadKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        f.debug_struct("ReadKey")
            .field("pair", &self.pair)
            .finish_non_exhaustive()
    }
}

/// Reads the private key in `source`: PEM (the first key block; an EC
/// PARAMETERS block before it is passed over) or DER, in PKCS#8, PKCS#1 or
/// SEC1, or encrypted PKCS#8 opened with `source.password`. A file that
/// holds a certificate, a CSR, a public key, an OpenSSH, PuTTY or
/// legacy-encrypted key is refused with an error that says so.
pub fn read_private_key(source: Source<'_>) -> Result<ReadKey, Error> {
    match encoded(&source)? {
        Encoded::Pem(blocks) => {
            for block in &blocks {
                let label = block.label.as_str();
                if block.legacy_encrypted {
                    return Err(Error::input(
                        source.name,
                        format!(
                            "this is a legacy OpenSSL-encrypted key (-----BEGIN {label}----- with \
                             Proc-Type: 4,ENCRYPTED), which certplay does not decrypt; convert it \
                             to encrypted PKCS#8 with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in {} \
                             -out key.p8",
                            source.name
                        ),
                    ));
                }
                let format = match label {
                    "PRIVATE KEY" => KeyFormat::Pkcs8,
                    "RSA PRIVATE KEY" => KeyFormat::Pkcs1,
                    "EC PRIVATE KEY" => KeyFormat::Sec1,
                    "ENCRYPTED PRIVATE KEY" => KeyFormat::EncryptedPkcs8,
                    "OPENSSH PRIVATE KEY" => return Err(openssh(source.name)),
                    // openssl ecparam -genkey writes the curve before the key.
                    _ => continue,
                };
                let der = block.der.as_ref().map_err(|reason| Error::Malformed {
                    what: source.name.into(),
                    reason: format!("-----BEGIN {label}-----: {reason}"),
                })?;
                return key(&source, format, der);
            }
            let labels: Vec<String> = blocks.iter().map(|b| b.label.clone()).collect();
            let found = blocks.first().and_then(|b| kind_of_label(&b.label));
            Err(match found {
                Some(found) => Error::WrongArtifact {
                    file: source.name.into(),
                    found,
                    expected: EXPECTED,
                    labels,
                },
                None => Error::NoPem {
                    file: source.name.into(),
                    expected: "PRIVATE KEY",
                    found: labels,
                },
            })
        }
        Encoded::Der(der) => {
            if der.starts_with(b"PuTTY-User-Key-File") {
                return Err(Error::input(
                    source.name,
                    "this is a PuTTY key (.ppk); export it as OpenSSH or PKCS#8 with puttygen",
                ));
            }
            // DER has no label: the first structure that reads decides.
            let format = [
                KeyFormat::Pkcs8,
                KeyFormat::Pkcs1,
                KeyFormat::Sec1,
                KeyFormat::EncryptedPkcs8,
            ]
            .into_iter()
            .find(|format| crate::read::PrivateKey::from_der(der, *format).is_ok());
            match format {
                Some(format) => key(&source, format, der),
                None => Err(not_der_of(
                    &source,
                    EXPECTED,
                    Error::Malformed {
                        what: source.name.into(),
                        reason: "no private key structure certplay knows".into(),
                    },
                )),
            }
        }
    }
}

/// The key of `der`, in `format`.
fn key(source: &Source<'_>, format: KeyFormat, der: &[u8]) -> Result<ReadKey, Error> {
    let (der, pair) = match format {
        KeyFormat::Pkcs8 => (
            PrivateKeyDer::from(PrivatePkcs8KeyDer::from(der.to_vec())),
            KeyPair::from_pkcs8_der(der),
        ),
        KeyFormat::Pkcs1 => (
            PrivateKeyDer::from(PrivatePkcs1KeyDer::from(der.to_vec())),
            KeyPair::from_pkcs1_der(der),
        ),
        KeyFormat::Sec1 => (
            PrivateKeyDer::from(PrivateSec1KeyDer::from(der.to_vec())),
            KeyPair::from_sec1_der(der),
        ),
        KeyFormat::EncryptedPkcs8 => {
            let plain = decrypt(source, der)?;
            return key(source, KeyFormat::Pkcs8, &plain);
        }
    };
    let pair = match pair {
        Ok(pair) => Ok(pair),
        // A key rustls may still use, but certplay does not sign with.
        Err(e @ Error::UnsupportedKey { .. }) => Err(named(source.name, e)),
        Err(e) => return Err(named(source.name, e)),
    };
    Ok(ReadKey { der, pair })
}

fn openssh(name: &str) -> Error {
    Error::input(
        name,
        "this is an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----), which \
         certplay does not read; convert a copy to PKCS#8 with: \
         cp KEY copy && ssh-keygen -p -m PKCS8 -N '' -f copy",
    )
}

/// Decrypts an EncryptedPrivateKeyInfo (PBES2: PBKDF2 or scrypt with
/// AES-CBC, what OpenSSL 3 writes) into the PKCS#8 DER inside.
#[cfg(feature = "encrypted-keys")]
fn decrypt(source: &Source<'_>, der: &[u8]) -> Result<Vec<u8>, Error> {
    let name = source.name;
    let Some(password) = source.password else {
        return Err(Error::EncryptedKey { file: name.into() });
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
    Ok(plain.as_bytes().to_vec())
}

/// Without the `encrypted-keys` feature, certplay says how to decrypt.
#[cfg(not(feature = "encrypted-keys"))]
fn decrypt(source: &Source<'_>, _der: &[u8]) -> Result<Vec<u8>, Error> {
    match source.password {
        None => Err(Error::EncryptedKey {
            file: source.name.into(),
        }),
        Some(_) => Err(Error::input(
            source.name,
            "this certplay was built without encrypted-key support (the encrypted-keys \
             feature); decrypt the key first: openssl pkey -in KEY -out plain.key",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeyType;

    fn read(name: &str, bytes: &[u8], password: Option<&str>) -> Result<ReadKey, Error> {
        read_private_key(Source::new(name, bytes).with_password(password))
    }

    #[test]
    fn pem_and_der_in_every_format_read() {
        for key_type in [KeyType::EcdsaP256, KeyType::Ed25519, KeyType::Rsa2048] {
            let key = KeyPair::generate(key_type).unwrap();
            let pem = key.to_pkcs8_pem().unwrap();
            let der = key.to_pkcs8_der().unwrap();
            for (name, bytes) in [("k.pem", pem.as_bytes()), ("k.der", der.as_slice())] {
                let again = read(name, bytes, None).unwrap();
                assert!(matches!(again.der, PrivateKeyDer::Pkcs8(_)), "{name}");
                assert_eq!(again.der.secret_der(), der.as_slice());
                let pair = again.into_pair().unwrap();
                assert_eq!(pair.public_key_info_der(), key.public_key_info_der());
            }
        }
        // PKCS#1 and SEC1, as PEM and as DER.
        let rsa = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
        let pkcs1 = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_der(&rsa).unwrap();
        let ec = p256::SecretKey::random(&mut rand_core::OsRng);
        let sec1 = ec.to_sec1_der().unwrap();
        for (label, der) in [
            ("RSA PRIVATE KEY", pkcs1.as_bytes()),
            ("EC PRIVATE KEY", sec1.as_slice()),
        ] {
            let pem = ::pem::encode(&::pem::Pem::new(label, der.to_vec()));
            for bytes in [pem.as_bytes(), der] {
                let again = read("k", bytes, None).unwrap();
                assert_eq!(again.der.secret_der(), der, "{label}");
                assert!(again.pair.is_ok(), "{label}");
                let expected = match label {
                    "RSA PRIVATE KEY" => matches!(again.der, PrivateKeyDer::Pkcs1(_)),
                    _ => matches!(again.der, PrivateKeyDer::Sec1(_)),
                };
                assert!(expected, "{label}");
            }
        }
    }

    #[test]
    fn a_key_certplay_does_not_sign_with_still_reads() {
        // RSA-1024: rustls may load it; certplay does not sign with it.
        let rsa = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 1024).unwrap();
        let der = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&rsa).unwrap();
        let read = read("small.key", der.as_bytes(), None).unwrap();
        let err = read.into_pair().unwrap_err();
        assert_eq!(
            err.to_string(),
            "small.key: unsupported private key: RSA-1024; certplay signs with RSA-2048, \
             RSA-3072 and RSA-4096"
        );
    }

    #[test]
    fn other_artifacts_are_named() {
        let issued = crate::Plan::default().issue().unwrap();
        let ca = issued.entry("ca").unwrap();
        let err = read("ca.crt", ca.cert_pem.as_bytes(), None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "ca.crt: this holds a certificate (-----BEGIN CERTIFICATE-----), not a private key \
             (PKCS#8, PKCS#1 or SEC1)"
        );
        let err = read("ca.der", &ca.cert_der, None).unwrap_err().to_string();
        assert_eq!(
            err,
            "ca.der: this holds a certificate (DER), not a private key (PKCS#8, PKCS#1 or SEC1)"
        );
        let ssh = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
        let err = read("id_ed25519", ssh, None).unwrap_err().to_string();
        assert!(err.contains("OpenSSH private key"), "{err}");
        let legacy = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let err = read("old.key", legacy, None).unwrap_err().to_string();
        assert!(err.contains("legacy OpenSSL-encrypted"), "{err}");
        let err = read("notes.txt", b"a key?", None).unwrap_err().to_string();
        assert!(
            err.starts_with("notes.txt: malformed: neither PEM (no -----BEGIN line) nor DER"),
            "{err}"
        );
    }

    #[test]
    fn truncated_and_garbage_keys_are_errors_not_panics() {
        let key = KeyPair::generate(KeyType::EcdsaP384).unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        let der = key.to_pkcs8_der().unwrap();
        for end in 0..der.len() {
            assert!(read("k", &der[..end], Some("x")).is_err());
        }
        for end in 0..pem.len() {
            let _ = read("k", &pem.as_bytes()[..end], None);
        }
        for bytes in [&b""[..], b"\x30", b"\x30\x00", b"garbage", &[0x30; 64]] {
            assert!(read("k", bytes, Some("x")).is_err());
        }
    }

    #[cfg(feature = "encrypted-keys")]
    #[test]
    fn encrypted_pkcs8_reads_with_its_password() {
        let key = KeyPair::generate(KeyType::EcdsaP256).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        let info = pkcs8::PrivateKeyInfo::try_from(der.as_slice()).unwrap();
        let encrypted = info.encrypt(rand_core::OsRng, "secret").unwrap();
        let pem = ::pem::encode(&::pem::Pem::new(
            "ENCRYPTED PRIVATE KEY",
            encrypted.as_bytes().to_vec(),
        ));
        let again = read("enc.key", pem.as_bytes(), Some("secret")).unwrap();
        assert_eq!(again.der.secret_der(), der.as_slice());
        let pair = again.into_pair().unwrap();
        assert_eq!(pair.public_key_info_der(), key.public_key_info_der());
        let err = read("enc.key", pem.as_bytes(), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("encrypted PKCS#8") && err.contains("give its password"),
            "{err}"
        );
        let err = read("enc.key", pem.as_bytes(), Some("wrong"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("password does not decrypt"), "{err}");
        let from_der = read("enc.der", encrypted.as_bytes(), Some("secret")).unwrap();
        assert_eq!(from_der.der.secret_der(), der.as_slice());
    }

    #[cfg(feature = "encrypted-keys")]
    #[test]
    fn an_encrypted_der_key_matches_its_certificate() {
        let pki = crate::issue::blog_set::issue("my-ca");
        let encrypt = |key_pem: &str| {
            let der = ::pem::parse(key_pem).unwrap().into_contents();
            let info = pkcs8::PrivateKeyInfo::try_from(der.as_slice()).unwrap();
            info.encrypt(rand_core::OsRng, "secret")
                .unwrap()
                .as_bytes()
                .to_vec()
        };
        use sha2::Digest as _;
        let server = crate::read::Certificate::from_der(&pki.server.cert_der).unwrap();
        let read_key = |der: &[u8]| {
            let key = read("server.der", der, Some("secret")).unwrap();
            let spki = key.into_pair().unwrap().public_key_info_der().unwrap();
            let sha256 = crate::read::model::Hex(sha2::Sha256::digest(&spki).to_vec());
            sha256 == server.public_key.spki_sha256
        };
        assert!(read_key(&encrypt(&pki.server.key_pem)), "the server's key");
        assert!(!read_key(&encrypt(&pki.client.key_pem)), "the client's key");
    }
}
