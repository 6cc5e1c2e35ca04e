//! The pure-Rust provider against rustls' ring provider: every cipher
//! suite, key exchange group and key type certplay issues, in both
//! directions, with client certificates, and data both ways. ring is the
//! reference: if both ends agree on every byte, the record protection, key
//! exchange, HKDF/PRF and signatures are right.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls::{
    ClientConfig, ClientConnection, ConnectionCommon, RootCertStore, ServerConfig,
    ServerConnection, SupportedCipherSuite,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use crate::{IssuedPlan, KeyType, Plan};

fn ring() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

fn lab() -> CryptoProvider {
    super::provider()
}

/// A provider offering only `suite` and `group` (by name) of `base`.
fn only(
    base: CryptoProvider,
    suite: SupportedCipherSuite,
    group: rustls::NamedGroup,
) -> CryptoProvider {
    let mut provider = base;
    provider
        .cipher_suites
        .retain(|s| s.suite() == suite.suite());
    provider.kx_groups.retain(|g| g.name() == group);
    assert_eq!(provider.cipher_suites.len(), 1, "{suite:?}");
    assert_eq!(provider.kx_groups.len(), 1, "{group:?}");
    provider
}

fn der(set: &IssuedPlan, name: &str) -> CertificateDer<'static> {
    CertificateDer::from(set.entry(name).unwrap().cert_der.clone())
}

fn key(set: &IssuedPlan, name: &str) -> PrivateKeyDer<'static> {
    let pem = set.entry(name).unwrap().key_pem.clone().unwrap();
    let block = pem::parse(pem).unwrap();
    PrivateKeyDer::try_from(block.contents().to_vec()).unwrap()
}

fn server_config(set: &IssuedPlan, provider: CryptoProvider) -> ServerConfig {
    let provider = Arc::new(provider);
    let mut roots = RootCertStore::empty();
    roots.add(der(set, "ca")).unwrap();
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![der(set, "server")], key(set, "server"))
        .unwrap();
    // Small records, so that an answer takes many and sequence numbers
    // count up.
    config.max_fragment_size = Some(512);
    config
}

fn client_config(
    set: &IssuedPlan,
    provider: CryptoProvider,
    version: &'static rustls::SupportedProtocolVersion,
) -> ClientConfig {
    let mut roots = RootCertStore::empty();
    roots.add(der(set, "ca")).unwrap();
    ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[version])
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(vec![der(set, "client")], key(set, "client"))
        .unwrap()
}

/// Moves what `from` has to send into `to`, and lets `to` process it.
fn send<A, B>(from: &mut ConnectionCommon<A>, to: &mut ConnectionCommon<B>) -> bool {
    let mut bytes = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut bytes).unwrap();
    }
    let mut rest = bytes.as_slice();
    while !rest.is_empty() {
        to.read_tls(&mut rest).unwrap();
        to.process_new_packets().unwrap();
    }
    !bytes.is_empty()
}

/// A full handshake, then a request and an answer.
fn handshake(client: ClientConfig, server: ServerConfig) -> (ClientConnection, ServerConnection) {
    let name = ServerName::try_from("localhost").unwrap();
    let mut client = ClientConnection::new(Arc::new(client), name).unwrap();
    let mut server = ServerConnection::new(Arc::new(server)).unwrap();
    while send(&mut client, &mut server) | send(&mut server, &mut client) {}
    assert!(!client.is_handshaking() && !server.is_handshaking());
    assert!(
        server.peer_certificates().is_some(),
        "no client certificate"
    );

    client
        .writer()
        .write_all(b"GET / HTTP/1.1\r\n\r\n")
        .unwrap();
    send(&mut client, &mut server);
    let mut request = [0; 18];
    server.reader().read_exact(&mut request).unwrap();
    assert_eq!(&request, b"GET / HTTP/1.1\r\n\r\n");
    // Many records' worth (the server's are at most 512 bytes).
    let answer: Vec<u8> = (0..12_000u32).map(|i| i.to_le_bytes()[0]).collect();
    server.writer().write_all(&answer).unwrap();
    send(&mut server, &mut client);
    let mut received = vec![0; answer.len()];
    client.reader().read_exact(&mut received).unwrap();
    assert_eq!(received, answer);
    (client, server)
}

#[test]
fn every_suite_group_and_key_type_talks_to_ring_both_ways() {
    let versions = [&rustls::version::TLS13, &rustls::version::TLS12];
    for key_type in [
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::Ed25519,
        KeyType::Rsa2048,
    ] {
        let set = Plan {
            key_type,
            ..Plan::default()
        }
        .issue()
        .unwrap();
        let is_rsa = key_type.rsa_bits().is_some();
        for suite in lab().cipher_suites {
            // A TLS 1.2 suite is for one kind of key.
            let fits = match suite {
                SupportedCipherSuite::Tls13(_) => true,
                SupportedCipherSuite::Tls12(s) => {
                    is_rsa == format!("{:?}", s.common.suite).contains("_RSA_")
                }
            };
            if !fits {
                continue;
            }
            let version = versions
                .into_iter()
                .find(|v| v.version == suite.version().version)
                .unwrap();
            for group in lab().kx_groups.iter().map(|g| g.name()) {
                for (client, server, which) in
                    [(lab(), ring(), "lab client"), (ring(), lab(), "lab server")]
                {
                    let (client, _) = handshake(
                        client_config(&set, only(client, suite, group), version),
                        server_config(&set, only(server, suite, group)),
                    );
                    let context = format!("{key_type:?} {suite:?} {group:?} {which}");
                    assert_eq!(client.negotiated_cipher_suite(), Some(suite), "{context}");
                    assert_eq!(
                        client.negotiated_key_exchange_group().map(|g| g.name()),
                        Some(group),
                        "{context}"
                    );
                }
            }
        }
    }
}

/// The lab negotiates what `certplay serve` would with the same client:
/// the same suites, groups and signature schemes in the same order.
#[test]
fn the_same_choices_as_ring() {
    let names = |p: &CryptoProvider| {
        (
            p.cipher_suites
                .iter()
                .map(|s| s.suite())
                .collect::<Vec<_>>(),
            p.kx_groups.iter().map(|g| g.name()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(names(&lab()), names(&ring()));
    for key_type in [KeyType::EcdsaP256, KeyType::Rsa2048] {
        let set = Plan {
            key_type,
            ..Plan::default()
        }
        .issue()
        .unwrap();
        for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
            let schemes = |client: CryptoProvider, server: CryptoProvider| {
                let (client, server) = handshake(
                    client_config(&set, client, version),
                    server_config(&set, server),
                );
                (
                    client.negotiated_cipher_suite(),
                    server.negotiated_cipher_suite(),
                    client.negotiated_key_exchange_group().map(|g| g.name()),
                )
            };
            assert_eq!(
                schemes(lab(), lab()),
                schemes(ring(), ring()),
                "{key_type:?} {version:?}"
            );
        }
    }
}

#[test]
fn each_key_type_signs_what_ring_verifies() {
    use rustls::SignatureScheme as S;
    let provider = lab();
    for (key_type, schemes) in [
        (KeyType::EcdsaP256, vec![S::ECDSA_NISTP256_SHA256]),
        (KeyType::EcdsaP384, vec![S::ECDSA_NISTP384_SHA384]),
        (KeyType::Ed25519, vec![S::ED25519]),
        (
            KeyType::Rsa2048,
            vec![
                S::RSA_PSS_SHA256,
                S::RSA_PSS_SHA384,
                S::RSA_PSS_SHA512,
                S::RSA_PKCS1_SHA256,
                S::RSA_PKCS1_SHA384,
                S::RSA_PKCS1_SHA512,
            ],
        ),
        (
            KeyType::Rsa3072,
            vec![S::RSA_PSS_SHA256, S::RSA_PKCS1_SHA256],
        ),
    ] {
        let pair = crate::KeyPair::generate(key_type).unwrap();
        let pem = pair.to_pkcs8_pem().unwrap();
        let der = PrivateKeyDer::try_from(pem::parse(pem).unwrap().contents().to_vec()).unwrap();
        let signing = provider.key_provider.load_private_key(der).unwrap();
        let spki = signing.public_key().unwrap();
        assert_eq!(
            spki.as_ref(),
            pair.public_key_info_der().unwrap().as_slice()
        );
        for scheme in schemes {
            let signer = signing.choose_scheme(&[scheme]).unwrap();
            assert_eq!(signer.scheme(), scheme);
            let signature = signer.sign(b"certplay").unwrap();
            let (_, algorithms) = ring()
                .signature_verification_algorithms
                .mapping
                .iter()
                .find(|(s, _)| *s == scheme)
                .copied()
                .unwrap();
            let public_key = subject_public_key(spki.as_ref());
            assert!(
                algorithms.iter().any(|a| a
                    .verify_signature(&public_key, b"certplay", &signature)
                    .is_ok()),
                "{key_type:?} {scheme:?}"
            );
        }
        // Not every scheme fits every key.
        assert!(signing.choose_scheme(&[S::ECDSA_NISTP521_SHA512]).is_none());
    }
}

/// The subjectPublicKey BIT STRING's contents of a SubjectPublicKeyInfo.
fn subject_public_key(spki: &[u8]) -> Vec<u8> {
    use der::Decode;
    let info = x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(spki).unwrap();
    info.subject_public_key.raw_bytes().to_vec()
}

#[test]
fn tampered_records_are_refused() {
    let set = Plan::default().issue().unwrap();
    for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
        let (mut client, mut server) = handshake(
            client_config(&set, lab(), version),
            server_config(&set, lab()),
        );
        client.writer().write_all(b"hello").unwrap();
        let mut bytes = Vec::new();
        client.write_tls(&mut bytes).unwrap();
        let last = bytes.last_mut().unwrap();
        *last ^= 1;
        server.read_tls(&mut bytes.as_slice()).unwrap();
        assert_eq!(
            server.process_new_packets().unwrap_err(),
            rustls::Error::DecryptError,
            "{version:?}"
        );
    }
}
