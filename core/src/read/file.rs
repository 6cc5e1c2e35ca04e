//! One reader per artifact, for every file certplay takes: certificates (a
//! chain or a bundle), CRLs and certificate requests here, the private key
//! beside the key pair it makes ([`crate::read_private_key`]). Each takes
//! PEM or DER, told apart without flags, and refuses another kind of
//! artifact by naming what the file holds. Core does no I/O: a reader takes
//! the file's bytes and its name, for the words.

use std::fmt;

use rustls_pki_types::CertificateDer;

use super::{find, first_tlv, pem_blocks, Certificate, Crl, Csr, PemBlock};
use crate::Error;

/// The largest input certplay reads: far above any real chain or CRL a
/// person pastes, small enough that the page never stalls on a stray file.
pub const MAX_INPUT: usize = 4 * 1024 * 1024;

/// A file as a reader takes it: its name as the person gave it (for
/// messages), its bytes (PEM or DER), and the password that opens it when
/// it is an encrypted private key or a PKCS#12 file.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    /// The name to use in messages, e.g. `server.crt`.
    pub name: &'a str,
    /// The file's contents.
    pub bytes: &'a [u8],
    /// The password of an encrypted private key or a PKCS#12 file.
    pub password: Option<&'a str>,
}

impl<'a> Source<'a> {
    /// A source named `name` holding `bytes`, without a password.
    pub fn new(name: &'a str, bytes: &'a [u8]) -> Self {
        Self {
            name,
            bytes,
            password: None,
        }
    }

    /// The same source, opened with `password` (`None`: none given).
    pub fn with_password(self, password: Option<&'a str>) -> Self {
        Self { password, ..self }
    }
}

impl fmt::Debug for Source<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the password.
        f.debug_struct("Source")
            .field("name", &self.name)
            .field("bytes", &self.bytes.len())
            .field("password", &self.password.map(|_| "…"))
            .finish()
    }
}

/// A certificate as DER together with what it says (core's typed reading).
#[derive(Debug, Clone)]
pub struct ReadCertificate {
    /// The DER bytes.
    pub der: CertificateDer<'static>,
    /// What they say.
    pub info: Certificate,
}

/// Reads the certificates of a file: every `CERTIFICATE` block of a PEM
/// bundle or chain (text around them allowed), or one DER certificate. At
/// least one must be there.
pub fn read_certificates(source: Source<'_>) -> Result<Vec<ReadCertificate>, Error> {
    const LABELS: [&str; 3] = ["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"];
    let read = |label: &str, der: &[u8]| {
        // OpenSSL's "trusted certificate": a certificate, then trust settings.
        let der = match label {
            "TRUSTED CERTIFICATE" => first_tlv(der).unwrap_or(der),
            _ => der,
        };
        let info = Certificate::from_der(der).map_err(|e| named(source.name, e))?;
        Ok(ReadCertificate {
            der: CertificateDer::from(der.to_vec()),
            info,
        })
    };
    match encoded(&source)? {
        Encoded::Pem(blocks) => from_blocks(source.name, &blocks, &LABELS, read),
        Encoded::Der(der) => read("", der)
            .map(|cert| vec![cert])
            .map_err(|e| not_der_of(&source, "a certificate", e)),
    }
}

/// Reads the CRLs of a file: every `X509 CRL` block of a PEM file (text
/// around them allowed), or one DER CRL. At least one must be there.
pub fn read_crls(source: Source<'_>) -> Result<Vec<Crl>, Error> {
    let read = |_: &str, der: &[u8]| Crl::from_der(der).map_err(|e| named(source.name, e));
    match encoded(&source)? {
        Encoded::Pem(blocks) => from_blocks(source.name, &blocks, &["X509 CRL"], read),
        Encoded::Der(der) => read("", der)
            .map(|crl| vec![crl])
            .map_err(|e| not_der_of(&source, "a certificate revocation list", e)),
    }
}

/// Reads the certificate signing request (PKCS#10) of a file: the first
/// `CERTIFICATE REQUEST` block of a PEM file, or a DER request. Its
/// signature is not checked here: signing it does that
/// ([`crate::ExistingCa::sign_csr`]).
pub fn read_csr(source: Source<'_>) -> Result<Csr, Error> {
    const LABELS: [&str; 2] = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];
    let read = |_: &str, der: &[u8]| Csr::from_der(der).map_err(|e| named(source.name, e));
    match encoded(&source)? {
        Encoded::Pem(blocks) => from_blocks(source.name, &blocks, &LABELS, read)?
            .into_iter()
            .next()
            .ok_or_else(|| Error::NoPem {
                file: source.name.into(),
                expected: "CERTIFICATE REQUEST",
                found: Vec::new(),
            }),
        Encoded::Der(der) => read("", der)
            .map_err(|e| not_der_of(&source, "a certificate signing request (PKCS#10)", e)),
    }
}

/// A file's bytes before anything in them is read: PEM blocks, or DER.
pub(crate) enum Encoded<'a> {
    /// Every PEM block (at least one).
    Pem(Vec<PemBlock>),
    /// No `-----BEGIN` line: DER, or something else entirely.
    Der(&'a [u8]),
}

/// Tells PEM from DER, after refusing what no reader takes: a file larger
/// than [`MAX_INPUT`], an empty one, a PEM block cut short.
pub(crate) fn encoded<'a>(source: &Source<'a>) -> Result<Encoded<'a>, Error> {
    let bytes = source.bytes;
    if bytes.len() > MAX_INPUT {
        return Err(Error::input(
            source.name,
            format!(
                "{} bytes is more than certplay reads ({MAX_INPUT} bytes, 4 MiB); \
                 is this really a certificate, key or CRL?",
                bytes.len()
            ),
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::input(source.name, "is empty"));
    }
    let blocks = pem_blocks(bytes);
    if !blocks.is_empty() {
        return Ok(Encoded::Pem(blocks));
    }
    if let Some(start) = find(bytes, b"-----BEGIN ") {
        return Err(Error::Malformed {
            what: source.name.into(),
            reason: cut_short(bytes.get(start..).unwrap_or_default(), source.name),
        });
    }
    Ok(Encoded::Der(bytes))
}

/// Why a PEM block that starts at `from` has no end, with the openssl
/// command that reads its kind (a CRL is checked with `openssl crl`, not
/// `openssl x509`).
fn cut_short(from: &[u8], name: &str) -> String {
    let known = [
        ("X509 CRL", "openssl crl"),
        ("CERTIFICATE REQUEST", "openssl req"),
        ("NEW CERTIFICATE REQUEST", "openssl req"),
        ("CERTIFICATE", "openssl x509"),
        ("TRUSTED CERTIFICATE", "openssl x509"),
        ("PRIVATE KEY", "openssl pkey"),
        ("ENCRYPTED PRIVATE KEY", "openssl pkey"),
        ("RSA PRIVATE KEY", "openssl pkey"),
        ("EC PRIVATE KEY", "openssl pkey"),
        ("PUBLIC KEY", "openssl pkey -pubin"),
    ];
    let kind = known.iter().find(|(label, _)| {
        let begin = [b"-----BEGIN ", label.as_bytes(), b"-----"].concat();
        from.starts_with(&begin)
    });
    match kind {
        Some((label, openssl)) => format!(
            "a -----BEGIN {label}----- line without its matching -----END {label}----- \
             line: the PEM was cut short (`{openssl} -in {name} -noout` says the same); \
             copy the whole file again"
        ),
        None => {
            "a -----BEGIN line without its matching -----END line (was the PEM cut short?)".into()
        }
    }
}

/// Reads every block labelled one of `labels`; a block of that kind that
/// does not decode is an error, blocks of other kinds are passed over. At
/// least one must be there.
fn from_blocks<T>(
    name: &str,
    blocks: &[PemBlock],
    labels: &[&'static str],
    read: impl Fn(&str, &[u8]) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    let read = blocks
        .iter()
        .enumerate()
        .filter(|(_, block)| labels.contains(&block.label.as_str()))
        .map(|(i, block)| match &block.der {
            Ok(der) => read(&block.label, der),
            Err(reason) => Err(Error::Malformed {
                what: name.into(),
                reason: format!(
                    "block {} (-----BEGIN {}-----): {reason}",
                    i.saturating_add(1),
                    block.label
                ),
            }),
        })
        .collect::<Result<Vec<T>, Error>>()?;
    if read.is_empty() {
        let expected = labels.first().copied().unwrap_or_default();
        return Err(Error::NoPem {
            file: name.into(),
            expected,
            found: blocks.iter().map(|b| b.label.clone()).collect(),
        });
    }
    Ok(read)
}

/// Why DER bytes are not `expected`: another artifact, named; or neither
/// PEM nor DER; or DER that is broken, with the parser's words.
pub(crate) fn not_der_of(source: &Source<'_>, expected: &'static str, error: Error) -> Error {
    if let Some(found) = der_kind(source) {
        return Error::WrongArtifact {
            file: source.name.into(),
            found,
            expected,
            labels: Vec::new(),
        };
    }
    let reason = if source.bytes.first() == Some(&0x30) {
        match error {
            Error::Malformed { reason, .. } => format!("not {expected} in DER: {reason}"),
            other => return other,
        }
    } else {
        format!(
            "neither PEM (no -----BEGIN line) nor DER (DER starts with byte 0x30); \
             expected {expected}"
        )
    };
    Error::Malformed {
        what: source.name.into(),
        reason,
    }
}

/// What DER bytes hold, in words, when they are an artifact certplay knows
/// (feature `wrong-file-names`, on by default: it reaches every reader,
/// PKCS#12 and CSRs included; the handshake lab's wasm, which reads only
/// what the page issued, goes without).
#[cfg(feature = "wrong-file-names")]
fn der_kind(source: &Source<'_>) -> Option<&'static str> {
    super::read_der(source.name, source.bytes, None)
        .ok()
        .map(|item| kind_of_item(&item))
}

#[cfg(not(feature = "wrong-file-names"))]
fn der_kind(_source: &Source<'_>) -> Option<&'static str> {
    None
}

/// A kind of artifact in words, as a person would name it.
#[cfg(feature = "wrong-file-names")]
fn kind_of_item(item: &super::Item) -> &'static str {
    use super::Item;
    match item {
        Item::Certificate(_) => "a certificate",
        Item::Csr(_) => "a certificate signing request",
        Item::Crl(_) => "a certificate revocation list",
        Item::PrivateKey(_) => "a private key",
        Item::PublicKey(_) => "a public key (its private key is a separate file)",
        Item::Pkcs12(_) => "a PKCS#12 file",
        Item::Unreadable { .. } => "something certplay cannot read",
    }
}

/// What a PEM label holds, in words, for the ones a person mixes up.
pub(crate) fn kind_of_label(label: &str) -> Option<&'static str> {
    Some(match label {
        "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CERTIFICATE" => "a certificate",
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => "a certificate signing request",
        "PUBLIC KEY" | "RSA PUBLIC KEY" => "a public key (its private key is a separate file)",
        "X509 CRL" => "a certificate revocation list",
        "PKCS7" => "a PKCS#7 bundle",
        _ => return None,
    })
}

/// A reader's error, with the file's name in it.
pub(crate) fn named(name: &str, e: Error) -> Error {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CrlParams, Plan};

    #[test]
    fn certificates_are_read_from_a_pem_bundle_and_from_der() {
        let issued = Plan::default().issue().unwrap();
        let (ca, server) = (issued.entry("ca").unwrap(), issued.entry("server").unwrap());
        let bundle = format!("a bundle\r\n{}\n{}", server.cert_pem, ca.cert_pem);
        let read = read_certificates(Source::new("chain.pem", bundle.as_bytes())).unwrap();
        let subjects: Vec<String> = read.iter().map(|c| c.info.subject.to_string()).collect();
        assert_eq!(subjects, ["CN=localhost", "CN=my-ca"]);
        let read = read_certificates(Source::new("ca.der", &ca.cert_der)).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].der.as_ref(), ca.cert_der.as_slice());
    }

    #[test]
    fn another_artifact_is_named_as_pem_and_as_der() {
        let issued = Plan::default().issue().unwrap();
        let server = issued.entry("server").unwrap();
        let key_pem = server.key_pem.as_deref().unwrap();
        let err = read_certificates(Source::new("server.key", key_pem.as_bytes())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "server.key: expected a PEM block -----BEGIN CERTIFICATE-----, found only \
             -----BEGIN PRIVATE KEY-----"
        );
        let key_der = crate::read_private_key(Source::new("server.key", key_pem.as_bytes()))
            .unwrap()
            .pair
            .unwrap()
            .to_pkcs8_der()
            .unwrap();
        let err = read_certificates(Source::new("server.key.der", &key_der)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "server.key.der: this holds a private key (DER), not a certificate"
        );
        let err = read_csr(Source::new("ca.der", &server.cert_der)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ca.der: this holds a certificate (DER), not a certificate signing request (PKCS#10)"
        );
        let err = read_certificates(Source::new("notes.txt", b"hello")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("notes.txt: malformed: neither PEM (no -----BEGIN line) nor DER"),
            "{err}"
        );
        let err = read_certificates(Source::new("ca.crt", b"\n")).unwrap_err();
        assert_eq!(err.to_string(), "ca.crt: is empty");
    }

    #[test]
    fn crls_are_read_from_pem_and_der_and_anything_else_is_named() {
        let issued = Plan::default().issue().unwrap();
        let crl = issued
            .issue_crl(
                "ca",
                &CrlParams::new(time::OffsetDateTime::now_utc(), 1, vec![]),
            )
            .unwrap();
        let two = format!("text before\n{}{}", crl.pem, crl.pem);
        assert_eq!(
            read_crls(Source::new("a.crl", two.as_bytes()))
                .unwrap()
                .len(),
            2
        );
        assert_eq!(read_crls(Source::new("a.der", &crl.der)).unwrap().len(), 1);
        let cert = &issued.entry("ca").unwrap().cert_pem;
        let error = read_crls(Source::new("ca.crt", cert.as_bytes())).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("ca.crt: expected a PEM block -----BEGIN X509 CRL-----"),
            "{error}"
        );
        let error = read_crls(Source::new("junk", b"\x30\x03abc")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("junk: malformed: not a certificate revocation list in DER: "),
            "{error}"
        );
        for cut in 0..crl.der.len() {
            let _ = read_crls(Source::new("cut", crl.der.get(..cut).unwrap()));
        }
    }

    #[test]
    fn a_csr_is_read_from_pem_and_der() {
        let issued = Plan::default().issue().unwrap();
        let key = crate::KeyPair::generate(crate::KeyType::EcdsaP256).unwrap();
        let csr = crate::CsrParams::new("svc", vec![]).request(&key).unwrap();
        let text = format!("a request\n{}", csr.pem);
        let read = read_csr(Source::new("svc.csr", text.as_bytes())).unwrap();
        assert_eq!(read.subject.to_string(), "CN=svc");
        assert_eq!(read.der, csr.der);
        assert_eq!(
            read_csr(Source::new("svc.der", &csr.der)).unwrap().der,
            csr.der
        );
        let cert = &issued.entry("ca").unwrap().cert_pem;
        let err = read_csr(Source::new("ca.crt", cert.as_bytes())).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("ca.crt: expected a PEM block -----BEGIN CERTIFICATE REQUEST-----"),
            "{err}"
        );
    }

    /// Issue 23: a truncated PEM CRL was told to convert with `openssl
    /// x509 -inform der`, the wrong tool for a CRL.
    #[test]
    fn a_pem_cut_short_is_named_with_the_openssl_command_of_its_kind() {
        let issued = Plan::default().issue().unwrap();
        let now = time::OffsetDateTime::now_utc();
        let crl = issued
            .issue_crl("ca", &crate::CrlParams::new(now, 7, Vec::new()))
            .unwrap();
        let ca = issued.entry("ca").unwrap();
        for (pem, said) in [
            (&crl.pem, "openssl crl -in cut.pem"),
            (&ca.cert_pem, "openssl x509 -in cut.pem"),
        ] {
            let cut = &pem.as_bytes()[..pem.len() / 2];
            for err in [
                read_crls(Source::new("cut.pem", cut)).unwrap_err(),
                read_certificates(Source::new("cut.pem", cut)).unwrap_err(),
                crate::read::read("cut.pem", cut).unwrap_err(),
            ] {
                let err = err.to_string();
                assert!(
                    err.contains("the PEM was cut short") && err.contains(said),
                    "{err}"
                );
                if said.contains("crl") {
                    assert!(!err.contains("x509"), "{err}");
                }
            }
        }
    }

    #[test]
    fn every_truncation_and_garbage_is_an_error_not_a_panic() {
        let issued = Plan::default().issue().unwrap();
        let ca = issued.entry("ca").unwrap();
        for end in 0..ca.cert_der.len() {
            let cut = Source::new("cut", &ca.cert_der[..end]);
            assert!(read_certificates(cut).is_err());
            assert!(read_crls(cut).is_err());
            assert!(read_csr(cut).is_err());
        }
        for end in 0..ca.cert_pem.len() {
            let _ = read_certificates(Source::new("cut", &ca.cert_pem.as_bytes()[..end]));
        }
        let large = vec![b' '; MAX_INPUT + 1];
        let err = read_certificates(Source::new("big", &large)).unwrap_err();
        assert!(
            err.to_string().contains("more than certplay reads"),
            "{err}"
        );
    }
}
