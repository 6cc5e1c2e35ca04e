//! The lab's handshake natively: the blog's set gets `Hello World` in TLS
//! 1.3 and 1.2 with P-256 and RSA-2048, message by message; each refusal
//! carries the reason `certplay serve`'s own explanation path in core gives
//! for the same files (the native server built with ring, and
//! [`MtlsServer::judge`]), compared as typed values, not as words.

use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls_pki_types::{CertificateDer, UnixTime};

use super::*;
use crate::{ClientAuth, IssuedPlan, KeyType, MtlsServer, Plan, ServerTls, Source, Validity};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn file(set: &IssuedPlan, name: &str) -> String {
    set.files()
        .unwrap()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .contents
}

/// `certplay serve --ca ca.crt --cert server.crt --key server.key` of
/// `set`, with `provider` (the lab's, or ring as natively).
fn server(set: &IssuedPlan, provider: CryptoProvider, tls13_only: bool) -> MtlsServer {
    let (ca, cert, key) = (
        file(set, "ca.crt"),
        file(set, "server.crt"),
        file(set, "server.key"),
    );
    let tls = ServerTls::read(
        Source::new("ca.crt", ca.as_bytes()),
        Source::new("server.crt", cert.as_bytes()),
        Source::new("server.key", key.as_bytes()),
        now(),
    )
    .unwrap();
    MtlsServer::for_serve(&tls, provider, tls13_only, ClientAuth::Required).unwrap()
}

/// `curl --cacert ca.crt [--cert NAME.crt --key NAME.key] https://HOST`
/// with `cacert` from `trust` and the identity `name` from `set`.
fn client(trust: &IssuedPlan, set: &IssuedPlan, name: Option<&str>, host: &str) -> LabClient {
    let ca = file(trust, "ca.crt");
    let identity = name.map(|n| {
        (
            file(set, &format!("{n}.crt")),
            file(set, &format!("{n}.key")),
        )
    });
    let files = ClientFiles {
        cacert: Source::new("ca.crt", ca.as_bytes()),
        identity: identity.as_ref().map(|(cert, key)| {
            (
                Source::new("client.crt", cert.as_bytes()),
                Source::new("client.key", key.as_bytes()),
            )
        }),
        host,
    };
    LabClient::from_pem(files, Arc::new(crypto::provider())).unwrap()
}

fn names(transcript: &Transcript) -> Vec<String> {
    transcript
        .messages
        .iter()
        .map(|m| format!("{} {}", m.from, m.body.name()))
        .collect()
}

fn ring() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

const TLS13: [&str; 12] = [
    "client ClientHello",
    "server ServerHello",
    "server EncryptedExtensions",
    "server CertificateRequest",
    "server Certificate",
    "server CertificateVerify",
    "server Finished",
    "client Certificate",
    "client CertificateVerify",
    "client Finished",
    "client HTTP request",
    "server HTTP response",
];

const TLS12: [&str; 15] = [
    "client ClientHello",
    "server ServerHello",
    "server Certificate",
    "server ServerKeyExchange",
    "server CertificateRequest",
    "server ServerHelloDone",
    "client Certificate",
    "client ClientKeyExchange",
    "client CertificateVerify",
    "client ChangeCipherSpec",
    "client Finished",
    "server ChangeCipherSpec",
    "server Finished",
    "client HTTP request",
    "server HTTP response",
];

#[test]
fn the_blogs_set_says_hello_world_in_tls13_and_tls12() {
    for key_type in [KeyType::EcdsaP256, KeyType::Rsa2048] {
        let set = Plan {
            key_type,
            ..Plan::default()
        }
        .issue()
        .unwrap();
        let server = server(&set, crypto::provider(), false);
        for (versions, expected) in [
            (TlsVersions::Tls13AndTls12, &TLS13[..]),
            (TlsVersions::Tls12Only, &TLS12[..]),
        ] {
            let lab = client(&set, &set, Some("client"), "localhost").with_versions(versions);
            let transcript = handshake(&server, &lab, now()).unwrap();
            let context = format!("{key_type:?} {versions:?}: {transcript:#?}");
            assert_eq!(
                transcript.outcome,
                Outcome::Answered {
                    status: 200,
                    body: "Hello World\n".into()
                },
                "{context}"
            );
            assert_eq!(names(&transcript), expected, "{context}");
            check_facts(&transcript, key_type, versions, &context);
        }
    }
}

/// What a person reads in the transcript: SNI, the CA names asked for,
/// both chains, the schemes.
fn check_facts(transcript: &Transcript, key_type: KeyType, versions: TlsVersions, context: &str) {
    let body = |from: Side, name: &str| {
        transcript
            .messages
            .iter()
            .find(|m| m.from == from && m.body.name() == name)
            .map(|m| m.body.clone())
            .unwrap_or_else(|| panic!("no {from} {name}: {context}"))
    };
    let Body::ClientHello {
        server_name,
        versions: offered,
        cipher_suites,
        groups,
        signature_schemes,
        alpn,
    } = body(Side::Client, "ClientHello")
    else {
        unreachable!()
    };
    assert_eq!(server_name.as_deref(), Some("localhost"), "{context}");
    let offered: Vec<String> = offered.iter().map(ToString::to_string).collect();
    match versions {
        TlsVersions::Tls12Only => assert_eq!(offered, ["TLSv1_2"], "{context}"),
        _ => assert_eq!(offered, ["TLSv1_3", "TLSv1_2"], "{context}"),
    }
    assert!(cipher_suites.len() >= 3, "{context}");
    assert_eq!(
        groups.first().map(ToString::to_string).as_deref(),
        Some("X25519"),
        "{context}"
    );
    assert!(!signature_schemes.is_empty(), "{context}");
    assert_eq!(alpn, ["http/1.1"], "{context}");

    let Body::ServerHello {
        version,
        cipher_suite,
        group,
    } = body(Side::Server, "ServerHello")
    else {
        unreachable!()
    };
    let tls12 = versions == TlsVersions::Tls12Only;
    assert_eq!(
        version.to_string(),
        if tls12 { "TLSv1_2" } else { "TLSv1_3" },
        "{context}"
    );
    assert_eq!(transcript.version, Some(version), "{context}");
    assert!(
        cipher_suite
            .to_string()
            .starts_with(if tls12 { "TLS_ECDHE_" } else { "TLS13_" }),
        "{context}"
    );
    assert_eq!(
        group.map(|g| g.to_string()).as_deref(),
        Some("X25519"),
        "{context}"
    );

    let Body::CertificateRequest {
        ca_names,
        signature_schemes,
    } = body(Side::Server, "CertificateRequest")
    else {
        unreachable!()
    };
    let ca_names: Vec<String> = ca_names.iter().map(ToString::to_string).collect();
    assert_eq!(ca_names, ["CN=my-ca"], "{context}");
    assert!(!signature_schemes.is_empty(), "{context}");

    let subject = |from: Side| match body(from, "Certificate") {
        Body::Certificate { chain } => match chain.first() {
            Some(ChainEntry::Certificate {
                subject,
                issuer,
                not_before,
                not_after,
            }) => {
                assert_eq!(issuer.to_string(), "CN=my-ca", "{context}");
                assert!(not_before < not_after, "{context}");
                subject.to_string()
            }
            other => panic!("{other:?}: {context}"),
        },
        _ => unreachable!(),
    };
    assert_eq!(subject(Side::Server), "CN=localhost");
    assert_eq!(subject(Side::Client), "CN=my-client");

    let scheme = |from: Side| match body(from, "CertificateVerify") {
        Body::CertificateVerify { signature_scheme } => signature_scheme.to_string(),
        _ => unreachable!(),
    };
    let client_scheme = scheme(Side::Client);
    match key_type {
        KeyType::EcdsaP256 => assert_eq!(client_scheme, "ECDSA_NISTP256_SHA256", "{context}"),
        _ => assert!(client_scheme.starts_with("RSA_"), "{context}"),
    }
    let server_scheme = match tls12 {
        true => match body(Side::Server, "ServerKeyExchange") {
            Body::ServerKeyExchange {
                signature_scheme, ..
            } => signature_scheme.map(|s| s.to_string()).unwrap_or_default(),
            _ => unreachable!(),
        },
        false => scheme(Side::Server),
    };
    assert_eq!(server_scheme, client_scheme, "{context}");

    let Body::HttpRequest { request_line } = body(Side::Client, "HTTP request") else {
        unreachable!()
    };
    assert_eq!(request_line, "GET / HTTP/1.1", "{context}");
}

/// The lab's pure-Rust server and a server with ring (as `certplay serve`
/// runs natively) say the same, message by message.
#[test]
fn ring_and_the_lab_provider_give_the_same_transcript() {
    let set = Plan::default().issue().unwrap();
    for versions in [TlsVersions::Tls13AndTls12, TlsVersions::Tls12Only] {
        let lab = client(&set, &set, Some("client"), "localhost").with_versions(versions);
        let at = now();
        let ours = handshake(&server(&set, crypto::provider(), false), &lab, at).unwrap();
        let native = handshake(&server(&set, ring(), false), &lab, at).unwrap();
        assert_eq!(ours, native, "{versions:?}");
    }
}

fn unix(seconds: i64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(seconds).unwrap()))
}

fn not_after(set: &IssuedPlan, name: &str) -> i64 {
    crate::read::Certificate::from_der(&set.entry(name).unwrap().cert_der)
        .unwrap()
        .not_after
        .0
}

/// The refusal of a handshake, checked against the native server's own
/// explanation: the same handshake with ring, and `judge` on `chain` (what
/// the client presents).
fn refused_by_server(
    set: &IssuedPlan,
    lab: &LabClient,
    chain: &[CertificateDer<'_>],
    at: i64,
    versions: TlsVersions,
) -> (Refused, crate::verify::Reason) {
    let ours = handshake(&server(set, crypto::provider(), false), lab, at).unwrap();
    let native = handshake(&server(set, ring(), false), lab, at).unwrap();
    assert_eq!(ours, native, "{versions:?}");
    let Outcome::Refused(refused) = ours.outcome.clone() else {
        panic!("not refused: {ours:#?}")
    };
    assert_eq!(refused.by, Side::Server, "{refused:#?}");
    let reason = refused.reason.clone();
    let judged = server(set, ring(), false)
        .judge(chain, unix(at))
        .unwrap_err();
    assert_eq!(reason, judged, "{versions:?}");
    // The server stopped at the client's Certificate.
    let names = names(&ours);
    assert_eq!(
        names.get(names.len().saturating_sub(2)..),
        Some(&["client Certificate".to_owned(), "server Alert".to_owned()][..]),
        "{names:?}"
    );
    (refused, reason)
}

fn der(set: &IssuedPlan, name: &str) -> Vec<CertificateDer<'static>> {
    vec![CertificateDer::from(
        set.entry(name).unwrap().cert_der.clone(),
    )]
}

#[test]
fn each_refusal_by_the_server_has_serves_reason() {
    // A client certificate that expires long before the server's.
    let mut plan = Plan::default();
    for entry in &mut plan.entries {
        if entry.profile.is_client() {
            entry.validity = Validity::Relative {
                days: 30,
                starts_in_days: 0,
            };
        }
    }
    let set = plan.issue().unwrap();
    let other = Plan::default().issue().unwrap();
    let now = now();
    for versions in [TlsVersions::Tls13AndTls12, TlsVersions::Tls12Only] {
        let tls13 = versions != TlsVersions::Tls12Only;
        let lab = |identity: Option<(&IssuedPlan, &str)>| {
            match identity {
                Some((from, name)) => client(&set, from, Some(name), "localhost"),
                None => client(&set, &set, None, "localhost"),
            }
            .with_versions(versions)
        };

        let (refused, reason) = refused_by_server(&set, &lab(None), &[], now, versions);
        assert_eq!(reason.kind().name(), "no-client-certificate");
        assert_eq!(refused.client_finished, tls13, "{refused:#?}");

        let (refused, reason) = refused_by_server(
            &set,
            &lab(Some((&other, "client"))),
            &der(&other, "client"),
            now,
            versions,
        );
        assert_eq!(reason.kind().name(), "same-name-other-ca", "{reason}");
        assert_eq!(refused.client_finished, tls13, "{refused:#?}");

        let expired_at = not_after(&set, "client") + 1;
        let (_, reason) = refused_by_server(
            &set,
            &lab(Some((&set, "client"))),
            &der(&set, "client"),
            expired_at,
            versions,
        );
        assert!(
            matches!(
                reason,
                crate::verify::Reason::Expired { at, .. } if at.0 == expired_at
            ),
            "{reason:?}"
        );

        // The server's certificate as the client's: serverAuth only.
        let (_, reason) = refused_by_server(
            &set,
            &lab(Some((&set, "server"))),
            &der(&set, "server"),
            now,
            versions,
        );
        assert_eq!(reason.kind().name(), "wrong-purpose", "{reason}");
    }
}

#[test]
fn a_server_certificate_for_another_name_is_refused_by_the_client() {
    let set = Plan::default().issue().unwrap();
    for versions in [TlsVersions::Tls13AndTls12, TlsVersions::Tls12Only] {
        let lab = client(&set, &set, Some("client"), "example.com").with_versions(versions);
        let transcript = handshake(&server(&set, crypto::provider(), false), &lab, now()).unwrap();
        let Outcome::Refused(refused) = &transcript.outcome else {
            panic!("{transcript:#?}")
        };
        assert_eq!(refused.by, Side::Client);
        let reason = &refused.reason;
        // What `certplay verify --host example.com` says of the same chain.
        let leaf =
            crate::read::Certificate::from_der(&set.entry("server").unwrap().cert_der).unwrap();
        let anchor =
            crate::read::Certificate::from_der(&set.entry("ca").unwrap().cert_der).unwrap();
        let check = crate::verify::Check {
            anchors: std::slice::from_ref(&anchor),
            intermediates: &[],
            crls: &[],
            purpose: crate::verify::Purpose::Server {
                host: "example.com".into(),
            },
            at: transcript.at.0,
        };
        let verdict =
            crate::verify::verify(&leaf, &check, &Arc::new(crypto::provider())).unwrap_err();
        assert_eq!(reason, &verdict, "{versions:?}");
        assert_eq!(reason.kind().name(), "name-mismatch", "{reason}");
        // The server only sees the alert, and says so.
        assert_eq!(
            refused.server_log,
            Some(crate::verify::Reason::ServerCertificateRefused {
                alert: rustls::AlertDescription::BadCertificate
            }),
            "{refused:#?}"
        );
        // The client stopped at the server's Certificate: it checked no
        // signature and sent no certificate of its own.
        let expected: &[&str] = match versions {
            TlsVersions::Tls12Only => &[
                "client ClientHello",
                "server ServerHello",
                "server Certificate",
                "server ServerKeyExchange",
                "server CertificateRequest",
                "server ServerHelloDone",
                "client Alert",
            ],
            _ => &[
                "client ClientHello",
                "server ServerHello",
                "server EncryptedExtensions",
                "server CertificateRequest",
                "server Certificate",
                "client Alert",
            ],
        };
        assert_eq!(names(&transcript), expected, "{transcript:#?}");
        assert_eq!(
            refused.alert.map(|a| a.to_string()).as_deref(),
            Some("bad_certificate")
        );
    }
}

#[test]
fn a_tls12_client_meets_tls13_only() {
    let set = Plan::default().issue().unwrap();
    let lab = client(&set, &set, Some("client"), "localhost").with_versions(TlsVersions::Tls12Only);
    let transcript = handshake(&server(&set, crypto::provider(), true), &lab, now()).unwrap();
    assert_eq!(
        names(&transcript),
        ["client ClientHello", "server Alert"],
        "{transcript:#?}"
    );
    let Outcome::Refused(refused) = &transcript.outcome else {
        panic!("{transcript:#?}")
    };
    assert_eq!(refused.by, Side::Server);
    // And with TLS 1.3 allowed, the same server answers.
    let lab = client(&set, &set, Some("client"), "localhost");
    let transcript = handshake(&server(&set, crypto::provider(), true), &lab, now()).unwrap();
    assert!(matches!(
        transcript.outcome,
        Outcome::Answered { status: 200, .. }
    ));
}

#[test]
fn a_key_that_is_not_the_certificates_is_refused_before_connecting() {
    let set = Plan::default().issue().unwrap();
    let (ca, cert, key) = (
        file(&set, "ca.crt"),
        file(&set, "client.crt"),
        file(&set, "server.key"),
    );
    let files = ClientFiles {
        cacert: Source::new("ca.crt", ca.as_bytes()),
        identity: Some((
            Source::new("client.crt", cert.as_bytes()),
            Source::new("client.key", key.as_bytes()),
        )),
        host: "localhost",
    };
    let err = LabClient::from_pem(files, Arc::new(crypto::provider())).unwrap_err();
    assert!(matches!(err, crate::Error::KeyMismatch { .. }), "{err}");
}

#[test]
fn a_transcript_round_trips_through_json() {
    let set = Plan::default().issue().unwrap();
    let lab = client(&set, &set, Some("client"), "localhost");
    let transcript = handshake(&server(&set, crypto::provider(), false), &lab, now()).unwrap();
    let json = serde_json::to_string(&transcript).unwrap();
    assert!(json.contains("\"message\":\"client-hello\""), "{json}");
    let back: Transcript = serde_json::from_str(&json).unwrap();
    // A Name's DER stays out of JSON; everything else comes back.
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    assert_eq!(back.outcome, transcript.outcome);

    // A refusal: its alert by name, its reason typed.
    let other = Plan::default().issue().unwrap();
    let lab = client(&set, &other, Some("client"), "localhost");
    let refused = handshake(&server(&set, crypto::provider(), false), &lab, now()).unwrap();
    let json = serde_json::to_string(&refused.outcome).unwrap();
    assert!(json.contains("\"alert\":\"decrypt_error\""), "{json}");
    assert!(
        json.contains("\"reason\":{\"same-name-other-ca\""),
        "{json}"
    );
    let back: Outcome = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
}

/// `certplay serve --client-auth optional`: the handshake takes another
/// CA's client, and the answer is 401 with serve's reason.
#[test]
fn client_auth_optional_answers_401_with_the_reason() {
    let set = Plan::default().issue().unwrap();
    let other = Plan::default().issue().unwrap();
    let (ca, cert, key) = (
        file(&set, "ca.crt"),
        file(&set, "server.crt"),
        file(&set, "server.key"),
    );
    let tls = ServerTls::read(
        Source::new("ca.crt", ca.as_bytes()),
        Source::new("server.crt", cert.as_bytes()),
        Source::new("server.key", key.as_bytes()),
        now(),
    )
    .unwrap();
    let server =
        MtlsServer::for_serve(&tls, crypto::provider(), false, ClientAuth::Optional).unwrap();
    let at = now();
    let transcript = handshake(
        &server,
        &client(&set, &other, Some("client"), "localhost"),
        at,
    )
    .unwrap();
    let judged = server.judge(&der(&other, "client"), unix(at)).unwrap_err();
    assert_eq!(
        transcript.outcome,
        Outcome::Answered {
            status: 401,
            body: format!(
                "401 Unauthorized: this server wants a valid client certificate: {judged}\n"
            ),
        }
    );
    assert_eq!(names(&transcript), TLS13, "{transcript:#?}");
}

#[test]
fn the_key_log_has_the_secrets_wireshark_needs_for_each_version() {
    let set = Plan {
        key_type: KeyType::EcdsaP256,
        ..Plan::default()
    }
    .issue()
    .unwrap();
    let server = server(&set, crypto::provider(), false);
    for (versions, labels) in [
        (
            TlsVersions::Tls13AndTls12,
            &[
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                "CLIENT_TRAFFIC_SECRET_0",
                "SERVER_TRAFFIC_SECRET_0",
            ][..],
        ),
        (TlsVersions::Tls12Only, &["CLIENT_RANDOM"][..]),
    ] {
        let lines = Arc::new(KeyLogLines::default());
        let lab = client(&set, &set, Some("client"), "localhost")
            .with_versions(versions)
            .with_key_log(lines.clone());
        handshake(&server, &lab, now()).unwrap();
        let text = lines.text();
        for label in labels {
            let line = text
                .lines()
                .find(|l| l.split(' ').next() == Some(*label))
                .unwrap_or_else(|| panic!("{versions:?}: no {label} in {text}"));
            let words: Vec<&str> = line.split(' ').collect();
            // LABEL, 32 bytes of client random, the secret: hex.
            assert_eq!(words.len(), 3, "{line}");
            assert_eq!(words[1].len(), 64, "{line}");
            assert!(words[2].len() >= 64, "{line}");
            assert!(words[1..]
                .iter()
                .all(|w| w.chars().all(|c| c.is_ascii_hexdigit())));
        }
    }
}
