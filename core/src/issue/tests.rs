use x509_cert::der::{Decode, Encode};

use super::*;
use crate::oid::db::rfc5280::{ID_KP_CLIENT_AUTH, ID_KP_SERVER_AUTH};
use crate::plan::{NameConstraints, Preset, Serial, Validity};
use crate::read::model::{GeneralName, Hex, Oid};
use crate::read::Certificate;
use crate::Source;

fn read(der: &[u8]) -> Certificate {
    Certificate::from_der(der).unwrap()
}

fn purposes(c: &Certificate) -> Vec<Oid> {
    c.extended_key_usage().unwrap().to_vec()
}

fn purpose(oid: crate::oid::ObjectIdentifier) -> Vec<Oid> {
    vec![Oid::new(oid)]
}

/// The blog's server names: DNS:localhost, IP:127.0.0.1, IP:::1.
fn blog_server_names() -> Vec<GeneralName> {
    let mut v6 = vec![0; 15];
    v6.push(1);
    vec![
        GeneralName::Dns("localhost".into()),
        GeneralName::Ip(Hex(vec![127, 0, 0, 1])),
        GeneralName::Ip(Hex(v6)),
    ]
}

fn names(issued: &IssuedPlan) -> Vec<String> {
    issued
        .files()
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect()
}

fn cert(issued: &IssuedPlan, name: &str) -> x509_cert::Certificate {
    x509_cert::Certificate::from_der(&issued.entry(name).unwrap().cert_der).unwrap()
}

#[test]
fn the_default_plan_is_the_blogs_set() {
    let issued = Plan::default().issue().unwrap();
    assert_eq!(
        names(&issued),
        [
            "ca.crt",
            "ca.key",
            "server.crt",
            "server.key",
            "client.crt",
            "client.key",
            PLAN_FILE_NAME
        ]
    );
    let ca = read(&issued.entry("ca").unwrap().cert_der);
    assert_eq!(ca.subject.to_string(), "CN=my-ca");
    assert!(ca.is_ca());
    assert_eq!(
        ca.key_usage(),
        Some(&["digitalSignature", "keyCertSign", "cRLSign"][..])
    );
    let server = read(&issued.entry("server").unwrap().cert_der);
    assert_eq!(server.version, 3);
    assert_eq!(server.issuer.to_string(), "CN=my-ca");
    assert_eq!(server.subject_alt_names(), blog_server_names());
    assert_eq!(purposes(&server), purpose(ID_KP_SERVER_AUTH));
    assert_eq!(server.key_usage(), Some(&["digitalSignature"][..]));
    let client = read(&issued.entry("client").unwrap().cert_der);
    assert_eq!(client.subject.to_string(), "CN=my-client");
    assert_eq!(purposes(&client), purpose(ID_KP_CLIENT_AUTH));
    // notBefore lies a little in the past, for clients whose clock lags.
    let now = issued.issued_at.unix_timestamp();
    let not_before = server.not_before.0;
    assert!(
        not_before <= now - 3000 && not_before >= now - 3700,
        "{not_before}"
    );
    assert_eq!(server.not_after.0 - now, 365 * 86_400);
    assert!(issued.warnings.is_empty(), "{:?}", issued.warnings);
}

#[test]
fn an_intermediate_and_two_named_clients() {
    let mut plan = Plan {
        key_type: KeyType::EcdsaP384,
        ..Plan::default()
    };
    plan.add_intermediate();
    plan.set_clients(&["alice".into(), "bob".into()]);
    let issued = plan.issue().unwrap();
    assert_eq!(
        names(&issued),
        [
            "ca.crt",
            "ca.key",
            "intermediate.crt",
            "intermediate.key",
            "server.crt",
            "server.key",
            "server-chain.crt",
            "alice.crt",
            "alice.key",
            "alice-chain.crt",
            "bob.crt",
            "bob.key",
            "bob-chain.crt",
            PLAN_FILE_NAME
        ]
    );
    let intermediate = read(&issued.entry("intermediate").unwrap().cert_der);
    assert_eq!(intermediate.issuer.to_string(), "CN=my-ca");
    assert!(intermediate.is_ca());
    let alice = read(&issued.entry("alice").unwrap().cert_der);
    assert_eq!(
        (alice.subject.to_string(), alice.issuer.to_string()),
        ("CN=alice".to_owned(), "CN=my-intermediate-ca".to_owned())
    );
    assert_eq!(
        KeyType::of(&alice.public_key.kind),
        Some(KeyType::EcdsaP384)
    );
    let chain = issued.entry("bob").unwrap().chain_pem.clone().unwrap();
    let blocks = pem::parse_many(chain).unwrap();
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0].contents(), issued.entry("bob").unwrap().cert_der);
    assert_eq!(
        blocks[1].contents(),
        issued.entry("intermediate").unwrap().cert_der
    );
    // pathLenConstraint 0 on the intermediate.
    let der = cert(&issued, "intermediate");
    let ext = der
        .tbs_certificate
        .extensions
        .unwrap()
        .into_iter()
        .find(|e| e.extn_id == x509_cert::der::oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS)
        .unwrap();
    let constraints =
        x509_cert::ext::pkix::BasicConstraints::from_der(ext.extn_value.as_bytes()).unwrap();
    assert_eq!(
        (constraints.ca, constraints.path_len_constraint),
        (true, Some(0))
    );
}

#[test]
fn every_key_type_issues() {
    // RSA-3072/4096 are slow to generate: one test each is enough, elsewhere.
    for key_type in [
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::Ed25519,
        KeyType::Rsa2048,
    ] {
        let plan = Plan {
            key_type,
            ..Plan::default()
        };
        let issued = plan.issue().unwrap();
        for entry in &issued.entries {
            assert_eq!(entry.key_type, Some(key_type));
            let read_back = read(&entry.cert_der);
            assert_eq!(KeyType::of(&read_back.public_key.kind), Some(key_type));
        }
        let server = read(&issued.entry("server").unwrap().cert_der);
        let expected: &[&str] = if key_type == KeyType::Rsa2048 {
            &["digitalSignature", "keyEncipherment"]
        } else {
            &["digitalSignature"]
        };
        assert_eq!(server.key_usage(), Some(expected), "{key_type}");
    }
}

#[test]
fn presets_and_a_full_plan_round_trip_as_toml_and_json() {
    let mut full = Preset::Intermediate.plan();
    let ca = full.entries.first_mut().unwrap();
    ca.subject.organization = Some("Acme".into());
    ca.subject.country = Some("DE".into());
    ca.name_constraints = NameConstraints {
        permitted: vec![
            Subtree::parse("DNS:example.com").unwrap(),
            Subtree::parse("IP:10.0.0.0/8").unwrap(),
        ],
        excluded: vec![Subtree::parse("DNS:bad.example.com").unwrap()],
    };
    let server = full.entries.get_mut(2).unwrap();
    server.sans = [
        "www.example.com",
        "*.example.com",
        "10.1.2.3",
        "email:ops@example.com",
        "URI:spiffe://example.com/web",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    server.serial = Some(Serial::parse("01:02:03").unwrap());
    server.key_type = Some(KeyType::Ed25519);
    server.validity = Validity::Relative {
        days: 30,
        starts_in_days: -60,
    };
    server.extended_key_usage = Some(vec![
        ExtendedKeyUsage::ServerAuth,
        ExtendedKeyUsage::ClientAuth,
    ]);
    let client = full.entries.get_mut(3).unwrap();
    client.validity = Validity::Fixed {
        not_before: time::macros::datetime!(2030-01-01 00:00 UTC),
        not_after: time::macros::datetime!(2031-01-01 00:00 UTC),
    };
    client.key_usage = Some(vec![KeyUsage::DigitalSignature, KeyUsage::KeyAgreement]);
    let mut plans: Vec<Plan> = Preset::ALL.iter().map(|p| p.plan()).collect();
    plans.push(full);
    for plan in plans {
        let toml = plan.to_toml().unwrap();
        assert_eq!(Plan::from_toml(&toml).unwrap(), plan, "{toml}");
        let json = plan.to_json().unwrap();
        assert_eq!(Plan::from_json(&json).unwrap(), plan, "{json}");
    }
}

#[test]
fn the_plan_file_reads_like_the_docs() {
    let toml = Plan::default().to_toml().unwrap();
    assert!(
        toml.contains("[[entry]]\nname = \"server\"\nprofile = \"server\"\nissuer = \"ca\""),
        "{toml}"
    );
    assert!(
        toml.contains("sans = [\"DNS:localhost\", \"IP:127.0.0.1\", \"IP:::1\"]"),
        "{toml}"
    );
    let written = "key_type = \"p384\"\n[[entry]]\nname = \"ca\"\nprofile = \"root-ca\"\nsubject = { common_name = \"x\" }\n";
    let plan = Plan::from_toml(written).unwrap();
    assert_eq!(plan.key_type, KeyType::EcdsaP384);
    assert_eq!(plan.entries[0].validity, Validity::days(365));
}

#[test]
fn bad_plans_name_the_entry_and_field() {
    let now = OffsetDateTime::now_utc();
    let field_of = |plan: &Plan| match plan.check(now) {
        Err(Error::Plan { entry, field, .. }) => (entry, field),
        other => panic!("{other:?}"),
    };
    let mut plan = Plan::default();
    plan.entries[2].name = "server".into();
    assert_eq!(field_of(&plan), ("server".into(), PlanField::Name));
    let mut plan = Plan::default();
    plan.entries[2].issuer = Some("server".into());
    assert_eq!(field_of(&plan), ("client".into(), PlanField::Issuer));
    let mut plan = Plan::default();
    plan.entries[1].issuer = Some("client".into());
    assert_eq!(field_of(&plan), ("server".into(), PlanField::Issuer));
    let mut plan = Plan::default();
    plan.entries[1].subject.common_name = " ".into();
    assert_eq!(field_of(&plan), ("server".into(), PlanField::Subject));
    let mut plan = Plan::default();
    plan.entries[1].path_len = Some(1);
    assert_eq!(field_of(&plan), ("server".into(), PlanField::PathLen));
    let mut plan = Plan::default();
    plan.entries[0].name = "../ca".into();
    assert_eq!(field_of(&plan), ("../ca".into(), PlanField::Name));
    let mut plan = Plan::default();
    plan.entries[2].validity = Validity::days(0);
    assert_eq!(field_of(&plan), ("client".into(), PlanField::Validity));
    let mut plan = Plan::default();
    plan.entries[0].subject.country = Some("Germany".into());
    let message = plan.check(now).unwrap_err().to_string();
    assert!(
        message.starts_with("entry \"ca\", subject: country"),
        "{message}"
    );
    // A broken SAN in a plan file names itself.
    let bad = Plan::default()
        .to_toml()
        .unwrap()
        .replace("DNS:localhost", "not a name!");
    let message = Plan::from_toml(&bad).unwrap_err().to_string();
    assert!(message.contains("not a name!"), "{message}");
    assert!(Plan::from_toml("entry = 3").is_err());
    assert!(Plan::from_json("{").is_err());
}

#[test]
fn expired_and_not_yet_valid_are_warned_and_issued() {
    let mut plan = Plan::default();
    plan.entries[2].validity = Validity::Relative {
        days: 10,
        starts_in_days: -40,
    };
    plan.entries[1].validity = Validity::Relative {
        days: 10,
        starts_in_days: 5,
    };
    plan.entries[1].sans.clear();
    let issued = plan.issue().unwrap();
    let fields: Vec<(&str, PlanField)> = issued
        .warnings
        .iter()
        .map(|w| (w.entry.as_str(), w.field))
        .collect();
    assert_eq!(
        fields,
        [
            ("server", PlanField::Sans),
            ("server", PlanField::Validity),
            ("client", PlanField::Validity)
        ]
    );
    let now = issued.issued_at.unix_timestamp();
    let client = read(&issued.entry("client").unwrap().cert_der);
    assert!(client.not_after.0 < now - 29 * 86_400);
    let server = read(&issued.entry("server").unwrap().cert_der);
    assert!(server.not_before.0 > now + 4 * 86_400);
}

#[test]
fn serial_and_name_constraints_are_written() {
    let mut plan = Plan::default();
    plan.entries[1].serial = Some(Serial::parse("0a:bc").unwrap());
    plan.entries[0].name_constraints.permitted = vec![Subtree::parse("DNS:localhost").unwrap()];
    let issued = plan.issue().unwrap();
    assert_eq!(
        cert(&issued, "server")
            .tbs_certificate
            .serial_number
            .as_bytes(),
        [0x0a, 0xbc]
    );
    let ca = cert(&issued, "ca");
    assert!(ca
        .tbs_certificate
        .extensions
        .unwrap()
        .iter()
        .any(
            |e| e.extn_id == x509_cert::der::oid::db::rfc5280::ID_CE_NAME_CONSTRAINTS && e.critical
        ));
}

#[test]
fn an_existing_ca_signs_without_being_reissued() {
    let first = Plan::default().issue().unwrap();
    let ca = first.entry("ca").unwrap();
    let existing = ExistingCa::read(
        Source::new("ca.crt", ca.cert_pem.as_bytes()),
        Source::new("ca.key", ca.key_pem.as_deref().unwrap().as_bytes()),
    )
    .unwrap();
    let mut plan = Plan::default();
    plan.set_clients(&["carol".into()]);
    assert_eq!(
        plan.use_existing_root().map(|e| e.name.clone()),
        Some("ca".into())
    );
    let missing = plan.issue().unwrap_err();
    assert!(
        matches!(
            missing,
            Error::Plan {
                field: PlanField::Existing,
                ..
            }
        ),
        "{missing}"
    );
    let mut materials = Materials::default();
    materials.existing.insert("ca".into(), existing);
    let second = plan
        .issue_with(materials, OffsetDateTime::now_utc())
        .unwrap();
    assert_eq!(
        second.entry("ca").unwrap().cert_der,
        ca.cert_der,
        "not re-issued"
    );
    assert_eq!(
        second.entry("ca").unwrap().key_pem,
        None,
        "its key is not written again"
    );
    assert_eq!(
        names(&second),
        [
            "ca.crt",
            "server.crt",
            "server.key",
            "carol.crt",
            "carol.key",
            PLAN_FILE_NAME
        ]
    );
    let root = cert(&first, "ca");
    let carol = cert(&second, "carol");
    // The issuer name equals the CA's subject byte for byte.
    assert_eq!(
        carol.tbs_certificate.issuer.to_der().unwrap(),
        root.tbs_certificate.subject.to_der().unwrap()
    );

    // Another CA's key, or a leaf as CA, is refused.
    let other = Plan::default().issue().unwrap();
    let wrong_key = ExistingCa::read(
        Source::new("ca.crt", ca.cert_pem.as_bytes()),
        Source::new(
            "other.key",
            other
                .entry("ca")
                .unwrap()
                .key_pem
                .as_deref()
                .unwrap()
                .as_bytes(),
        ),
    )
    .unwrap_err();
    assert!(
        matches!(wrong_key, Error::KeyMismatch { .. }),
        "{wrong_key}"
    );
    let server = first.entry("server").unwrap();
    let leaf = ExistingCa::read(
        Source::new("server.crt", server.cert_pem.as_bytes()),
        Source::new("server.key", server.key_pem.as_deref().unwrap().as_bytes()),
    )
    .unwrap_err();
    assert!(leaf.to_string().contains("not a CA certificate"), "{leaf}");
}

#[test]
fn given_keys_are_used_and_checked() {
    let plan = Plan::default();
    let mut materials = Materials::default();
    let key = KeyPair::generate(KeyType::EcdsaP256).unwrap();
    let spki = key.public_key_info_der().unwrap();
    materials.keys.insert("server".into(), key);
    let issued = plan
        .issue_with(materials, OffsetDateTime::now_utc())
        .unwrap();
    assert_eq!(
        cert(&issued, "server")
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap(),
        spki
    );
    let mut materials = Materials::default();
    materials.keys.insert(
        "client".into(),
        KeyPair::generate(KeyType::Ed25519).unwrap(),
    );
    let err = plan
        .issue_with(materials, OffsetDateTime::now_utc())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Plan {
                field: PlanField::KeyType,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn the_zip_holds_every_file() {
    use std::io::Read;
    let mut plan = Preset::Intermediate.plan();
    plan.set_days(30);
    let issued = plan.issue().unwrap();
    let bytes = issued.to_zip().unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let files = issued.files().unwrap();
    assert_eq!(archive.len(), files.len());
    for file in files {
        let mut entry = archive.by_name(&file.name).unwrap();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        assert_eq!(text, file.contents, "{}", file.name);
        assert!(entry.last_modified().unwrap().year() >= 2025);
        let mode = entry.unix_mode().unwrap() & 0o777;
        assert_eq!(mode, if file.private() { 0o600 } else { 0o644 });
    }
}

#[test]
fn serials_are_positive_and_distinct() {
    let a = random_serial();
    let b = random_serial();
    assert_ne!(a, b);
    let bytes = a.to_bytes();
    assert_eq!(bytes.len(), 16);
    assert!(bytes[0] & 0x80 == 0 && bytes[0] != 0);
}

#[test]
fn names_split_on_commas_and_spaces() {
    assert_eq!(
        split_names(" localhost, 127.0.0.1\n::1 ,,"),
        ["localhost", "127.0.0.1", "::1"]
    );
}

/// A root and an intermediate (pathLen 0, names limited to localhost and
/// loopback), issued by certplay: the chain a company would give.
fn company_chain() -> IssuedPlan {
    let mut plan = Preset::Intermediate.plan();
    let intermediate = plan
        .entries
        .iter_mut()
        .find(|e| e.name == "intermediate")
        .unwrap();
    intermediate.name_constraints = NameConstraints {
        permitted: vec![
            Subtree::parse("DNS:localhost").unwrap(),
            Subtree::parse("IP:127.0.0.0/8").unwrap(),
            Subtree::parse("IP:::1/128").unwrap(),
        ],
        excluded: vec![],
    };
    plan.issue().unwrap()
}

fn given_chain(set: &IssuedPlan, key_of: &str) -> Result<ExistingChain, Error> {
    let der = |name: &str| set.entry(name).unwrap().cert_der.clone();
    let key = set.entry(key_of).unwrap().key_pem.clone().unwrap();
    let key = read_private_key(Source::new("k.key", key.as_bytes()))
        .unwrap()
        .into_pair()
        .unwrap();
    // Root first: any order is sorted by who signed whom.
    ExistingChain::from_certificates(
        "chain.pem",
        &[der("ca"), der("intermediate")],
        "k.key",
        key,
        OffsetDateTime::now_utc().unix_timestamp(),
    )
}

#[test]
fn a_given_chain_signs_leaves_whose_chain_files_stop_below_the_root() {
    let company = company_chain();
    let chain = given_chain(&company, "intermediate").unwrap();
    assert!(chain.root_given());
    assert!(chain.warnings.is_empty(), "{:?}", chain.warnings);
    let mut plan = Plan::default();
    plan.set_clients(&["alice".into(), "bob".into()]);
    let mut materials = Materials::default();
    let names = chain.put_into(&mut plan, &mut materials, None).unwrap();
    assert_eq!(names, ["intermediate", "ca"]);
    let issued = plan
        .issue_with(materials, OffsetDateTime::now_utc())
        .unwrap();
    let ours = |name: &str| issued.entry(name).unwrap();
    assert_eq!(ours("ca").cert_der, company.entry("ca").unwrap().cert_der);
    assert_eq!(
        (ours("ca").key_pem.as_ref(), ours("ca").key_type),
        (None, Some(KeyType::EcdsaP256)),
        "certificate-only: no key, its type read from the certificate"
    );
    assert_eq!(ours("intermediate").key_pem, None);
    for leaf in ["server", "alice", "bob"] {
        let chain = ours(leaf).chain_pem.clone().unwrap();
        assert_eq!(
            chain,
            format!("{}{}", ours(leaf).cert_pem, ours("intermediate").cert_pem),
            "{leaf}: the leaf and the intermediate, not the root"
        );
        assert_eq!(
            read(&ours(leaf).cert_der).issuer.der,
            read(&ours("intermediate").cert_der).subject.der
        );
    }
}

#[test]
fn a_given_chain_refuses_in_words() {
    let company = company_chain();
    // A server name its name constraints do not permit.
    let mut plan = Plan::default();
    plan.set_server_sans(&[San::parse("shop.example.com").unwrap()]);
    let mut materials = Materials::default();
    given_chain(&company, "intermediate")
        .unwrap()
        .put_into(&mut plan, &mut materials, None)
        .unwrap();
    let refused = plan
        .issue_with(materials, OffsetDateTime::now_utc())
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("DNS:shop.example.com is outside what")
            && refused.contains("permit only DNS:localhost"),
        "{refused}"
    );
    // A CA under it: its pathLenConstraint 0 allows none.
    let mut plan = Preset::Intermediate.plan();
    let mut materials = Materials::default();
    let chain = given_chain(&company, "intermediate").unwrap();
    let names = chain
        .put_into(&mut plan, &mut materials, Some("ca"))
        .unwrap();
    assert_eq!(names, ["intermediate-2", "ca"]);
    let refused = plan
        .issue_with(materials, OffsetDateTime::now_utc())
        .unwrap_err()
        .to_string();
    assert!(refused.contains("pathLenConstraint 0"), "{refused}");
    // The root's key, and a key of nothing given.
    let wrong = given_chain(&company, "ca").unwrap_err().to_string();
    assert!(wrong.contains("lowest CA of the chain"), "{wrong}");
    let other = given_chain(&company, "server").unwrap_err().to_string();
    assert!(other.contains("is not the private key of"), "{other}");
}
