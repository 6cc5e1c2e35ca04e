//! The one error type of certplay-core.

use std::fmt;

/// Everything that can go wrong in core, in words a person can act on.
///
/// Every variant's `Display` is one line that says what is wrong and, where
/// there is one, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A form field or parameter is not acceptable.
    InvalidInput {
        /// Which input (a form field's label, a flag).
        field: String,
        /// Why it is not acceptable.
        reason: String,
    },
    /// Generating a key or signing failed inside a crypto library.
    Crypto(String),
    /// A PEM file holds no block of the kind that was needed.
    NoPem {
        /// The file's name, as the person gave it.
        file: String,
        /// What was expected (e.g. "CERTIFICATE").
        expected: &'static str,
        /// The PEM labels that were found instead (may be empty).
        found: Vec<String>,
    },
    /// A file holds another kind of artifact than the one that was needed
    /// (a certificate given as a key, a key as a CSR, ...).
    WrongArtifact {
        /// The file's name, as the person gave it.
        file: String,
        /// What it holds, in words (`a certificate`).
        found: &'static str,
        /// What was needed, in words (`a private key (PKCS#8, PKCS#1 or SEC1)`).
        expected: &'static str,
        /// Its PEM labels; empty for DER.
        labels: Vec<String>,
    },
    /// A private key is encrypted with a passphrase, and none was given.
    EncryptedKey {
        /// The key file's name.
        file: String,
    },
    /// A private key is of a kind certplay cannot use.
    UnsupportedKey {
        /// The key file's name.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The private key does not belong to the certificate.
    KeyMismatch {
        /// The key file's name.
        key_file: String,
        /// The certificate file's name.
        cert_file: String,
        /// The certificate's subject.
        subject: String,
    },
    /// An X.509 v1 certificate, which rustls/webpki refuses.
    V1Certificate {
        /// The certificate file's name.
        file: String,
        /// The certificate's subject.
        subject: String,
    },
    /// An entry of a plan cannot be issued as it stands.
    Plan {
        /// The entry's name (or `plan` for the plan as a whole).
        entry: String,
        /// The field at fault.
        field: crate::PlanField,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// Bytes that do not parse as the DER structure they claim to be.
    Malformed {
        /// Where the bytes came from (file name or "input").
        what: String,
        /// What the parser said.
        reason: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidInput { field, reason } => write!(f, "{field}: {reason}"),
            Self::Crypto(reason) => write!(f, "cryptographic operation failed: {reason}"),
            Self::NoPem {
                file,
                expected,
                found,
            } if found.is_empty() => {
                write!(f, "{file}: no PEM block -----BEGIN {expected}----- found")
            }
            Self::NoPem {
                file,
                expected,
                found,
            } => write!(
                f,
                "{file}: expected a PEM block -----BEGIN {expected}-----, found only {}",
                found
                    .iter()
                    .map(|l| format!("-----BEGIN {l}-----"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::WrongArtifact {
                file,
                found,
                expected,
                labels,
            } => {
                let how = if labels.is_empty() {
                    "DER".to_owned()
                } else {
                    labels
                        .iter()
                        .map(|l| format!("-----BEGIN {l}-----"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                write!(f, "{file}: this holds {found} ({how}), not {expected}")
            }
            Self::EncryptedKey { file } => write!(
                f,
                "{file}: the private key is encrypted with a passphrase (an encrypted PKCS#8 key): \
                 give its password, or decrypt it once: openssl pkey -in {file} -out {file}.plain"
            ),
            Self::UnsupportedKey { file, reason } => {
                write!(f, "{file}: unsupported private key: {reason}")
            }
            Self::KeyMismatch {
                key_file,
                cert_file,
                subject,
            } => write!(
                f,
                "{key_file} is not the private key of {cert_file} ({subject}): \
                 their public keys differ; pass the key that was made together with that certificate"
            ),
            Self::V1Certificate { file, subject } => write!(
                f,
                "{file} ({subject}) is an X.509 v1 certificate: it has no extensions (no subjectAltName, \
                 no extendedKeyUsage) and rustls refuses v1. `openssl x509 -req` makes v1 unless given \
                 -extfile; re-issue it with an extension file, or issue the set with certplay"
            ),
            Self::Plan {
                entry,
                field,
                reason,
            } => write!(f, "entry {entry:?}, {field}: {reason}"),
            Self::Malformed { what, reason } => write!(f, "{what}: malformed: {reason}"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    pub(crate) fn input(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn plan(entry: &str, field: crate::PlanField, reason: impl Into<String>) -> Self {
        Self::Plan {
            entry: entry.into(),
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn crypto(e: impl fmt::Display) -> Self {
        Self::Crypto(e.to_string())
    }
}
