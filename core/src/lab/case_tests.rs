//! Every case of the lab, natively: the prediction (core's verification,
//! before any handshake) and the in-memory handshake (core's provider)
//! agree on who refuses, with which alert and which kind of reason, and
//! that kind is the one the case is about.

use super::*;
use crate::verify::ReasonKind;
use crate::{IssuedPlan, KeyType, Plan, Preset, ServerTls};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The kind of refusal each case is about (`None`: accepted by rustls).
fn expected(case: Case) -> Option<ReasonKind> {
    Some(match case {
        Case::AsIssued | Case::CaWithoutKeyCertSign | Case::ClientKeyMismatch => return None,
        Case::NoClientCertificate => ReasonKind::NoClientCertificate,
        Case::ClientExpired | Case::ServerExpired => ReasonKind::Expired,
        Case::ClientNotYetValid => ReasonKind::NotYetValid,
        Case::ClientWithoutClientAuth => ReasonKind::WrongPurpose,
        Case::ClientFromOtherCa
        | Case::ClientChainWithoutIntermediate
        | Case::ServerChainWithoutIntermediate => ReasonKind::UnknownIssuer,
        Case::ClientFromSameNameCa => ReasonKind::SameNameOtherCa,
        Case::ClientX509V1 => ReasonKind::V1Certificate,
        Case::ClientRevoked => ReasonKind::Revoked,
        Case::PathLengthExceeded => ReasonKind::PathLenExceeded,
        Case::NameConstraintViolated => ReasonKind::NameConstraintViolated,
        Case::ServerForOtherName => ReasonKind::NameMismatch,
        Case::Tls12ClientTls13Server => ReasonKind::Incompatible,
    })
}

/// What the in-memory handshake said, in the prediction's terms.
fn observed(case: &Mutated, at: i64) -> String {
    match run(case, &crypto::provider(), at) {
        Err(crate::Error::KeyMismatch { .. }) => "key-mismatch".into(),
        Err(other) => format!("error {other}"),
        Ok(transcript) => match transcript.outcome {
            Outcome::Answered { status, body } => {
                if status == 200 && body == "Hello World\n" {
                    "accepted".into()
                } else {
                    format!("answered {status} {body:?}")
                }
            }
            Outcome::Refused(refused) => format!(
                "refused by {} {} {}",
                refused.by,
                refused.alert.map(|a| a.to_string()).unwrap_or_default(),
                refused.reason.kind()
            ),
        },
    }
}

fn predicted(prediction: &Prediction) -> String {
    match &prediction.verdict {
        Verdict::Refused { by, alert, reason } => format!(
            "refused by {by} {} {}",
            crate::verify::alert_name(*alert),
            reason.kind()
        ),
        other => other.name().into(),
    }
}

fn check_all(set: &IssuedPlan, label: &str) {
    let at = now();
    let mut failures = Vec::new();
    for case in Case::ALL {
        let broken = mutate(set, case).unwrap_or_else(|e| panic!("{label} {case}: {e}"));
        let versions: &[TlsVersions] = if case.sets_versions() {
            &[TlsVersions::Tls12Only]
        } else {
            &[TlsVersions::Tls13Only, TlsVersions::Tls12Only]
        };
        for versions in versions {
            let broken = broken.clone().offering(*versions);
            let prediction = predict(&broken, at).unwrap();
            let (p, o) = (predicted(&prediction), observed(&broken, at));
            let kind_ok = prediction.verdict.kind() == expected(case);
            if p != o || !kind_ok {
                failures.push(format!(
                    "{label} {case} {versions:?}: predicted {p}, handshake {o}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_case_of_the_blogs_set_is_predicted_as_the_handshake_ends() {
    for key_type in [KeyType::EcdsaP256, KeyType::Rsa2048] {
        let set = Plan {
            key_type,
            ..Plan::default()
        }
        .issue()
        .unwrap();
        check_all(&set, &format!("blog {key_type:?}"));
    }
}

#[test]
fn every_case_of_an_intermediate_set_is_predicted_as_the_handshake_ends() {
    let set = Preset::Intermediate.plan().issue().unwrap();
    check_all(&set, "intermediate");
}

#[test]
fn the_set_itself_stays_as_it_was() {
    let set = Plan::default().issue().unwrap();
    let before = set.clone();
    for case in Case::ALL {
        let broken = mutate(&set, case).unwrap();
        assert_eq!(set, before, "{case}");
        let names: Vec<&str> = broken.files.iter().map(|f| f.name.as_str()).collect();
        for needed in [
            &broken.serve.ca,
            &broken.serve.cert,
            &broken.serve.key,
            &broken.client.cacert,
        ] {
            assert!(
                names.contains(&needed.as_str()),
                "{case}: {needed} not in {names:?}"
            );
        }
    }
}

#[test]
fn case_names_round_trip() {
    for case in Case::ALL {
        assert_eq!(case.name().parse::<Case>(), Ok(case));
        let json = serde_json::to_string(&case).unwrap();
        assert_eq!(json, format!("\"{}\"", case.name()));
    }
}

#[test]
fn a_set_under_an_existing_ca_runs_as_issued_and_says_why_it_breaks_no_further() {
    let first = Plan::default().issue().unwrap();
    let ca = first.entry("ca").unwrap();
    let existing = crate::ExistingCa::read(
        crate::Source::new("ca.crt", ca.cert_pem.as_bytes()),
        crate::Source::new("ca.key", ca.key_pem.as_deref().unwrap().as_bytes()),
    )
    .unwrap();
    let mut plan = Plan::default();
    assert!(plan.use_existing_root().is_some());
    let mut materials = crate::Materials::default();
    materials.existing.insert("ca".into(), existing);
    let set = plan
        .issue_with(materials, time::OffsetDateTime::now_utc())
        .unwrap();

    // As issued: the set itself, its CA certificate as given.
    let as_issued = mutate(&set, Case::AsIssued).unwrap();
    assert_eq!(as_issued.file("ca.crt"), Some(ca.cert_pem.as_str()));
    assert_eq!(observed(&as_issued, now()), "accepted");
    assert_eq!(predicted(&predict(&as_issued, now()).unwrap()), "accepted");
    // Breaking it signs again with the CA's key, which certplay does not hold.
    let refused = mutate(&set, Case::ClientExpired).unwrap_err().to_string();
    assert!(refused.contains("existing CA"), "{refused}");
}

#[test]
fn a_case_zip_holds_its_folder_as_certplay_lab_writes_it() {
    let set = Plan::default().issue().unwrap();
    let broken = mutate(&set, Case::ClientRevoked).unwrap();
    let case = index_case(&broken, now(), clients::Clients::CHECKED).unwrap();
    let zip = broken
        .to_zip(&case, time::OffsetDateTime::now_utc())
        .unwrap();
    let text = String::from_utf8_lossy(&zip);
    for file in &broken.files {
        assert!(
            text.contains(&format!("client-revoked/{}", file.name)),
            "{}",
            file.name
        );
    }
    assert!(text.contains("client-revoked/commands.txt"));
    assert!(
        text.contains(&case.commands()),
        "commands.txt is stored as written"
    );
    assert!(
        case.commands().contains("--crl ca.crl"),
        "{}",
        case.commands()
    );
}

/// The keys a case's copy adds are the ones [`new_keys`] lists, and
/// [`mutate_with`] puts the spare keys it is given in their place (the
/// page's tools worker gives it WebCrypto's RSA keys, since core makes
/// none in the page): every key of the copy is the set's own or a spare,
/// and every spare is used.
#[test]
fn the_keys_a_copy_adds_are_the_spares_given() {
    let set = Plan::default().issue().unwrap();
    let own: Vec<&str> = set
        .entries
        .iter()
        .filter_map(|e| e.key_pem.as_deref())
        .collect();
    let mut added = 0;
    for case in Case::ALL {
        let types = new_keys(&set, case).unwrap();
        let spares: Vec<crate::KeyPair> = types
            .iter()
            .map(|t| crate::KeyPair::generate(*t).unwrap())
            .collect();
        let spare_pems: Vec<String> = spares.iter().map(|k| k.to_pkcs8_pem().unwrap()).collect();
        let broken = mutate_with(&set, case, spares).unwrap();
        let keys: Vec<&str> = broken
            .files
            .iter()
            .filter(|f| f.private)
            .map(|f| f.contents.as_str())
            .collect();
        for key in &keys {
            assert!(
                own.contains(key) || spare_pems.iter().any(|s| s == key),
                "{case}: a key that is neither the set's nor a spare"
            );
        }
        for spare in &spare_pems {
            assert!(keys.contains(&spare.as_str()), "{case}: a spare unused");
        }
        added += types.len();
    }
    // Another CA (twice), an intermediate (client and server side), an
    // intermediate and a sub-CA, the client's other key.
    assert_eq!(
        [
            Case::ClientFromOtherCa,
            Case::PathLengthExceeded,
            Case::ClientKeyMismatch
        ]
        .map(|case| new_keys(&set, case).unwrap().len()),
        [1, 2, 1]
    );
    assert_eq!(added, 7);
}

/// The page's path to a transcript: the lab's wasm module is given the
/// case's files as DER (read where the set is kept), runs the handshake
/// without reading a certificate, hands it back as JSON, and the tools
/// worker names its certificates and reasons. For every case, both TLS
/// versions and two key types, that is the transcript core's own
/// handshake of the case's files gives; a key that is not the
/// certificate's is refused before any handshake in the same words.
#[test]
fn the_lab_modules_handshake_named_after_it_is_cores_transcript() {
    let provider = crypto::provider();
    let at = now();
    for key_type in [KeyType::EcdsaP256, KeyType::Rsa2048] {
        let set = Plan {
            key_type,
            ..Plan::default()
        }
        .issue()
        .unwrap();
        for case in Case::ALL {
            for versions in [TlsVersions::Tls13Only, TlsVersions::Tls12Only] {
                let broken = mutate(&set, case).unwrap().offering(versions);
                let context = format!("{key_type:?} {case} {versions:?}");
                let Served::Listens(read) = ReadCase::read(&broken, at).unwrap() else {
                    panic!("{context}: certplay serve refuses the case's server files");
                };
                let input: HandshakeInput =
                    serde_json::from_str(&serde_json::to_string(&read.input).unwrap()).unwrap();
                let keylog = std::sync::Arc::new(KeyLogLines::default());
                let raw = run_input(&input, &provider, at, keylog.clone()).unwrap();
                match (run(&broken, &provider, at), raw) {
                    (Ok(native), Some(raw)) => {
                        let raw: RawTranscript =
                            serde_json::from_str(&serde_json::to_string(&raw).unwrap()).unwrap();
                        let answered = matches!(native.outcome, Outcome::Answered { .. });
                        assert_eq!(read.explain(raw), native, "{context}");
                        // The secrets of a handshake that got as far as keys.
                        if answered {
                            assert!(!keylog.text().is_empty(), "{context}: no key log");
                        }
                    }
                    (Err(refused @ crate::Error::KeyMismatch { .. }), None) => {
                        assert_eq!(
                            read.key_refusal.map(|e| e.to_string()),
                            Some(refused.to_string()),
                            "{context}"
                        );
                    }
                    (native, raw) => panic!(
                        "{context}: natively {:?}, in the lab module's way {}",
                        native.map(|t| t.outcome),
                        if raw.is_some() {
                            "a handshake"
                        } else {
                            "a refused key"
                        }
                    ),
                }
            }
        }
    }
}

/// A lab case whose server files `certplay serve` refuses to start with:
/// the as-issued set with the server's `--key` swapped for the client's.
fn server_key_swapped(set: &IssuedPlan) -> Mutated {
    let mut broken = mutate(set, Case::AsIssued).unwrap();
    let client_key = broken
        .client
        .identity
        .as_ref()
        .map(|(_, key)| broken.file(key).unwrap().to_owned())
        .unwrap();
    let server_key = broken.serve.key.clone();
    let file = broken
        .files
        .iter_mut()
        .find(|f| f.name == server_key)
        .unwrap();
    file.contents = client_key;
    broken
}

/// Where `certplay serve` refuses to start with a case's server files, the
/// lab goes through the same checks and says so in serve's words: the
/// prediction, the page's path (the case read for the lab module) and the
/// in-memory handshake all give `ServerTls::read`'s refusal, and curl is
/// expected to find no server.
#[test]
fn a_server_side_serve_refuses_is_refused_in_serves_words_everywhere() {
    let at = now();
    let set = Plan::default().issue().unwrap();
    let broken = server_key_swapped(&set);
    let serve_says = ServerTls::read(
        broken.source(&broken.serve.ca).unwrap(),
        broken.source(&broken.serve.cert).unwrap(),
        broken.source(&broken.serve.key).unwrap(),
        at,
    )
    .unwrap_err();
    assert!(
        matches!(serve_says, crate::Error::KeyMismatch { .. }),
        "{serve_says}"
    );
    let words = serve_says.to_string();
    assert!(
        words.starts_with(&format!(
            "{} is not the private key of {}",
            broken.serve.key, broken.serve.cert
        )),
        "{words}"
    );

    let prediction = predict(&broken, at).unwrap();
    assert_eq!(
        prediction.verdict,
        Verdict::ServeRefuses {
            words: words.clone()
        }
    );
    assert_eq!(prediction.verdict.short(), "serve-refuses");
    assert_eq!(
        prediction.verdict.words(),
        format!("certplay serve refuses to start: {words}")
    );
    match ReadCase::read(&broken, at).unwrap() {
        Served::Refuses(refusal) => assert_eq!(refusal, serve_says),
        Served::Listens(_) => panic!("the lab module would handshake with a server serve refuses"),
    }
    assert_eq!(
        run(&broken, &crypto::provider(), at).unwrap_err(),
        serve_says
    );

    let clients = clients::Clients::CHECKED;
    assert_eq!(
        clients.curl(&prediction).to_string(),
        "exit 7: Couldn't connect to server"
    );
    let index = index_case(&broken, at, clients).unwrap();
    assert!(index.serve_warnings.is_empty());
    for run in &index.runs {
        assert_eq!(run.outcome, "serve-refuses");
        assert_eq!(run.reason, None);
    }
    assert!(
        index
            .commands()
            .contains(&format!("certplay serve refuses to start: {words}")),
        "{}",
        index.commands()
    );
}

/// Where `certplay serve` starts but warns (a server certificate that has
/// expired, one whose issuer is not in `--ca`), the lab has its warnings,
/// word for word: in the case read for the lab module, in `lab.json` and
/// in the case's `commands.txt`; a sound server side has none.
#[test]
fn the_lab_has_serves_warnings_word_for_word() {
    let at = now();
    let set = Plan::default().issue().unwrap();
    for case in Case::ALL {
        let broken = mutate(&set, case).unwrap();
        let tls = ServerTls::read(
            broken.source(&broken.serve.ca).unwrap(),
            broken.source(&broken.serve.cert).unwrap(),
            broken.source(&broken.serve.key).unwrap(),
            at,
        )
        .unwrap_or_else(|e| panic!("{case}: serve refuses: {e}"));
        let Served::Listens(read) = ReadCase::read(&broken, at).unwrap() else {
            panic!("{case}: the lab says serve refuses");
        };
        assert_eq!(read.warnings, tls.warnings, "{case}");
        let index = index_case(&broken, at, clients::Clients::CHECKED).unwrap();
        assert_eq!(index.serve_warnings, tls.warnings, "{case}");
        for warning in &tls.warnings {
            assert!(
                index
                    .commands()
                    .contains(&format!("# certplay serve warns: {warning}\n")),
                "{case}: {}",
                index.commands()
            );
        }
        let warned = !tls.warnings.is_empty();
        let expected = matches!(
            case,
            Case::ServerExpired | Case::ServerChainWithoutIntermediate
        );
        assert_eq!(warned, expected, "{case}: {:?}", tls.warnings);
    }
    let expired = mutate(&set, Case::ServerExpired).unwrap();
    let Served::Listens(read) = ReadCase::read(&expired, at).unwrap() else {
        panic!("serve refuses the expired server");
    };
    assert!(
        read.warnings
            .iter()
            .any(|w| w.starts_with(&format!("{} (CN=localhost) expired at", expired.serve.cert))),
        "{:?}",
        read.warnings
    );
}
