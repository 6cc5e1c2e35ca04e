use std::sync::Arc;

use rustls::CertificateError;

use super::*;
use crate::issue::blog_set::{self, BlogSet as Pki};
use crate::read::Certificate;
use crate::KeyType;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn cert(der: &[u8]) -> Certificate {
    Certificate::from_der(der).unwrap()
}

fn at(pki: &Pki) -> i64 {
    cert(&pki.ca.cert_der).not_before.0 + 60
}

fn check<'a>(anchors: &'a [Certificate], purpose: Purpose, at: i64) -> Check<'a> {
    Check {
        anchors,
        intermediates: &[],
        crls: &[],
        purpose,
        at,
    }
}

fn server(host: &str) -> Purpose {
    Purpose::Server { host: host.into() }
}

#[test]
fn an_issued_set_verifies_for_its_purposes() {
    let pki = blog_set::issue("my-ca");
    let anchors = [cert(&pki.ca.cert_der)];
    let now = at(&pki);
    verify(
        &cert(&pki.server.cert_der),
        &check(&anchors, server("localhost"), now),
        &provider(),
    )
    .unwrap();
    verify(
        &cert(&pki.server.cert_der),
        &check(&anchors, server("127.0.0.1"), now),
        &provider(),
    )
    .unwrap();
    verify(
        &cert(&pki.client.cert_der),
        &check(&anchors, Purpose::Client, now),
        &provider(),
    )
    .unwrap();
}

#[test]
fn each_refusal_names_the_certificates() {
    let pki = blog_set::issue("my-ca");
    let anchors = [cert(&pki.ca.cert_der)];
    let now = at(&pki);
    let why = |der: &[u8], purpose: Purpose, at: i64| {
        verify(&cert(der), &check(&anchors, purpose, at), &provider()).unwrap_err()
    };
    let r = why(&pki.server.cert_der, server("example.com"), now);
    assert_eq!(r.kind(), "name-mismatch");
    assert!(
        r.to_string()
            .contains("not valid for example.com; its subjectAltName has DNS:localhost"),
        "{r}"
    );
    let r = why(&pki.server.cert_der, Purpose::Client, now);
    assert_eq!(r.kind(), "wrong-purpose", "{r}");
    assert!(
        r.to_string()
            .contains("CN=localhost is not for clientAuth (extendedKeyUsage: serverAuth)"),
        "{r}"
    );
    let later = cert(&pki.client.cert_der).not_after.0 + 10;
    let r = why(&pki.client.cert_der, Purpose::Client, later);
    assert!(
        r.to_string()
            .starts_with("expired: CN=my-client expired at"),
        "{r}"
    );
    let r = why(&pki.client.cert_der, Purpose::Client, now - 86_400);
    assert!(
        r.to_string().starts_with("not yet valid: CN=my-client"),
        "{r}"
    );
    let r = why(&pki.ca.cert_der, Purpose::Client, now);
    assert_eq!(r.kind(), "ca-used-as-leaf", "{r}");

    let other = blog_set::issue("other-ca");
    let r = why(&other.client.cert_der, Purpose::Client, now);
    assert_eq!(
        r.to_string(),
        "unknown issuer: CN=my-client was issued by CN=other-ca, which is not a trusted CA \
         (trusted: CN=my-ca); missing intermediate? CN=other-ca is not among the certificates given"
    );
}

#[test]
fn a_different_ca_with_the_same_name_is_named_with_both_key_ids() {
    let p256 = blog_set::issue("my-ca");
    let anchors = [cert(&p256.ca.cert_der)];
    for key_type in [KeyType::EcdsaP256, KeyType::Rsa2048] {
        let other = blog_set::of(key_type);
        let leaf = cert(&other.client.cert_der);
        let r = verify(
            &leaf,
            &check(&anchors, Purpose::Client, at(&p256)),
            &provider(),
        )
        .unwrap_err();
        assert_eq!(r.kind(), "same-name-other-ca", "{key_type:?}: {r}");
        let text = r.to_string();
        let aki = leaf.authority_key_id().unwrap().to_string();
        let ski = anchors[0].subject_key_id().unwrap().to_string();
        assert!(text.contains(&aki) && text.contains(&ski), "{text}");
        assert!(
            text.starts_with(
                "issued by a different CA with the same name: CN=my-client names CN=my-ca"
            ),
            "{text}"
        );
    }
}

/// Every rustls CertificateError and webpki Error variant has words: none
/// comes out as Debug text.
#[test]
#[allow(deprecated)]
fn every_error_variant_has_words() {
    use rustls::pki_types::{ServerName, UnixTime};
    use webpki::Error as W;
    let pki = blog_set::issue("my-ca");
    let anchors = [cert(&pki.ca.cert_der)];
    let leaf = cert(&pki.client.cert_der);
    let c = check(&anchors, Purpose::Client, at(&pki));
    let t = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1));
    let mut errors: Vec<rustls::Error> = vec![
        CertificateError::BadEncoding.into(),
        CertificateError::Expired.into(),
        CertificateError::ExpiredContext {
            time: t,
            not_after: t,
        }
        .into(),
        CertificateError::NotValidYet.into(),
        CertificateError::NotValidYetContext {
            time: t,
            not_before: t,
        }
        .into(),
        CertificateError::Revoked.into(),
        CertificateError::UnhandledCriticalExtension.into(),
        CertificateError::UnknownIssuer.into(),
        CertificateError::UnknownRevocationStatus.into(),
        CertificateError::ExpiredRevocationList.into(),
        CertificateError::ExpiredRevocationListContext {
            time: t,
            next_update: t,
        }
        .into(),
        CertificateError::BadSignature.into(),
        CertificateError::UnsupportedSignatureAlgorithm.into(),
        CertificateError::UnsupportedSignatureAlgorithmContext {
            signature_algorithm_id: vec![1],
            supported_algorithms: vec![],
        }
        .into(),
        CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
            signature_algorithm_id: vec![1],
            public_key_algorithm_id: vec![2],
        }
        .into(),
        CertificateError::NotValidForName.into(),
        CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("x.example").unwrap(),
            presented: vec![],
        }
        .into(),
        CertificateError::InvalidPurpose.into(),
        CertificateError::InvalidOcspResponse.into(),
        CertificateError::ApplicationVerificationFailure.into(),
    ];
    for crl in [
        rustls::CertRevocationListError::BadSignature,
        rustls::CertRevocationListError::InvalidCrlNumber,
        rustls::CertRevocationListError::InvalidRevokedCertSerialNumber,
        rustls::CertRevocationListError::IssuerInvalidForCrl,
        rustls::CertRevocationListError::ParseError,
        rustls::CertRevocationListError::UnsupportedCrlVersion,
        rustls::CertRevocationListError::UnsupportedCriticalExtension,
        rustls::CertRevocationListError::UnsupportedDeltaCrl,
        rustls::CertRevocationListError::UnsupportedIndirectCrl,
        rustls::CertRevocationListError::UnsupportedRevocationReason,
        rustls::CertRevocationListError::UnsupportedSignatureAlgorithm,
    ] {
        errors.push(rustls::Error::InvalidCertRevocationList(crl));
    }
    let webpki_errors = [
        W::BadDer,
        W::BadDerTime,
        W::CaUsedAsEndEntity,
        W::CertDistrusted,
        W::CertExpired {
            time: t,
            not_after: t,
        },
        W::CertNotValidYet {
            time: t,
            not_before: t,
        },
        W::CertRevoked,
        W::CrlExpired {
            time: t,
            next_update: t,
        },
        W::EmptyEkuExtension,
        W::EndEntityUsedAsCa,
        W::ExtensionValueInvalid,
        W::InvalidCertValidity,
        W::InvalidCrlNumber,
        W::InvalidNetworkMaskConstraint,
        W::InvalidSerialNumber,
        W::InvalidCrlSignatureForPublicKey,
        W::InvalidSignatureForPublicKey,
        W::IssuerNotCrlSigner,
        W::MalformedDnsIdentifier,
        W::MalformedExtensions,
        W::MalformedNameConstraint,
        W::MaximumNameConstraintComparisonsExceeded,
        W::MaximumPathBuildCallsExceeded,
        W::MaximumPathDepthExceeded,
        W::MaximumSignatureChecksExceeded,
        W::NameConstraintViolation,
        W::PathLenConstraintViolated,
        W::RequiredEkuNotFound,
        W::SignatureAlgorithmMismatch,
        W::UnknownIssuer,
        W::UnknownRevocationStatus,
        W::UnsupportedCertVersion,
        W::UnsupportedCriticalExtension,
        W::UnsupportedCrlIssuingDistributionPoint,
        W::UnsupportedCrlVersion,
        W::UnsupportedDeltaCrl,
        W::UnsupportedIndirectCrl,
        W::UnsupportedNameType,
        W::UnsupportedRevocationReason,
        W::UnsupportedRevocationReasonsPartitioning,
        W::UnsupportedCrlSignatureAlgorithm,
        W::UnsupportedSignatureAlgorithm,
        W::UnsupportedCrlSignatureAlgorithmForPublicKey,
        W::UnsupportedSignatureAlgorithmForPublicKey,
    ];
    for w in webpki_errors {
        errors.push(CertificateError::Other(rustls::OtherError(Arc::new(w))).into());
    }
    for e in &errors {
        let reason = explain(e, Some(&leaf), &c);
        let text = reason.to_string();
        assert!(
            !text.contains('{')
                && !text.contains("Context")
                && !text.contains("certplay does not know"),
            "{e:?} -> {text}"
        );
        let refusal = crate::Refusal::from_tls_error(e, Some(&leaf.der), &anchors).to_string();
        assert!(
            !refusal.contains('{') && !refusal.contains("Context"),
            "{e:?} -> {refusal}"
        );
    }
}
