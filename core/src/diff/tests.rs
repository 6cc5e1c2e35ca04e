use super::*;
use crate::plan::Plan;
use crate::read::lint::Severity;

fn set(issued: &crate::IssuedPlan) -> Vec<File> {
    issued
        .files()
        .unwrap()
        .into_iter()
        .map(|f| File {
            items: crate::read::read(&f.name, f.contents.as_bytes()).unwrap_or_default(),
            name: f.name,
        })
        .collect()
}

fn file<'a>(files: &'a [File], name: &str) -> &'a File {
    files.iter().find(|f| f.name == name).unwrap()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn fields(p: &Pair) -> Vec<String> {
    p.differences.iter().map(|d| d.name.clone()).collect()
}

#[test]
fn a_certificate_is_the_same_as_itself() {
    let issued = Plan::default().issue().unwrap();
    let files = set(&issued);
    let server = file(&files, "server.crt");
    let diff = super::files(
        std::slice::from_ref(server),
        std::slice::from_ref(server),
        now(),
    );
    assert!(diff.same, "{diff:#?}");
    assert_eq!(diff.count(), 0);
    assert_eq!(diff.pairs.len(), 1);
}

#[test]
fn two_issues_of_one_plan_differ_only_in_what_each_issue_makes_anew() {
    let a = set(&Plan::default().issue().unwrap());
    let b = set(&Plan::default().issue().unwrap());
    let diff = super::files(&a, &b, now());
    assert!(!diff.same);
    // Every certificate file paired by name, nothing alone.
    let paired: Vec<&str> = diff.pairs.iter().map(|p| p.a.file.as_str()).collect();
    for name in ["ca.crt", "server.crt", "client.crt"] {
        assert!(paired.contains(&name), "{name} not paired: {paired:?}");
    }
    assert!(diff.alone.is_empty(), "{:?}", diff.alone);
    let server = diff
        .pairs
        .iter()
        .find(|p| p.a.file == "server.crt")
        .unwrap();
    let names = fields(server);
    for expected in [
        "serialNumber",
        "subjectPublicKeyInfo",
        "subjectKeyIdentifier",
    ] {
        assert!(names.contains(&expected.to_owned()), "{names:?}");
    }
    for same in [
        "version",
        "subject",
        "issuer",
        "subjectAltName",
        "extKeyUsage",
    ] {
        assert!(
            !names.contains(&same.to_owned()),
            "{same} differs: {names:?}"
        );
    }
    // None of it matters to a TLS stack.
    for d in diff.pairs.iter().flat_map(|p| &p.differences) {
        assert!(!d.effects.is_empty(), "{d:?} has no effect");
        assert!(
            d.effects.iter().all(|e| e.severity == Severity::Notice),
            "{d:#?}"
        );
    }
}

#[test]
fn a_missing_purpose_is_named_with_who_refuses_it() {
    let files = set(&Plan::default().issue().unwrap());
    let client = file(&files, "client.crt");
    let server = file(&files, "server.crt");
    let diff = super::files(
        std::slice::from_ref(client),
        std::slice::from_ref(server),
        now(),
    );
    let eku = diff.pairs[0]
        .differences
        .iter()
        .find(|d| d.name == "extKeyUsage")
        .unwrap();
    assert!(
        eku.a.as_deref().unwrap().contains("Client Authentication"),
        "{eku:?}"
    );
    let refusal = eku
        .effects
        .iter()
        .find(|e| e.side == Some(Side::B) && e.severity == Severity::Error)
        .unwrap_or_else(|| panic!("{eku:#?}"));
    assert!(refusal.words.contains("without clientAuth"), "{refusal}");
    assert!(refusal.to_string().starts_with("B: Error: "), "{refusal}");
}

#[test]
fn sets_pair_files_by_role_when_names_differ_and_list_the_rest() {
    let a = set(&Plan::default().issue().unwrap());
    let mut b = set(&Plan::default().issue().unwrap());
    for f in &mut b {
        if f.name == "server.crt" {
            f.name = "web.pem".into();
        }
    }
    b.push(File {
        name: "notes.txt".into(),
        items: Vec::new(),
    });
    let diff = super::files(&a, &b, now());
    let web = diff.pairs.iter().find(|p| p.b.file == "web.pem").unwrap();
    assert_eq!(web.a.file, "server.crt");
    assert_eq!(web.a.role, Role::Server);
    let alone: Vec<(Side, &str)> = diff
        .alone
        .iter()
        .map(|a| (a.side, a.file.as_str()))
        .collect();
    assert_eq!(alone, [(Side::B, "notes.txt")]);
}

#[test]
fn a_chain_longer_on_one_side_lists_the_extra_certificate() {
    let issued = Plan::default().issue().unwrap();
    let files = set(&issued);
    let server = file(&files, "server.crt");
    let ca = file(&files, "ca.crt");
    let mut chain = server.clone();
    chain.items.extend(ca.items.iter().cloned());
    let diff = super::files(std::slice::from_ref(server), &[chain], now());
    assert!(!diff.same);
    assert_eq!(diff.pairs.len(), 1);
    assert!(diff.pairs[0].differences.is_empty());
    assert_eq!(diff.alone.len(), 1);
    assert_eq!(diff.alone[0].side, Side::B);
    assert!(diff.alone[0].what.contains("CN=my-ca"), "{:?}", diff.alone);
}
