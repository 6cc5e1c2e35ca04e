//! NIST PKITS through certplay's verify (rustls/webpki): every `Valid*` and
//! `Invalid*` end-entity certificate, its chain found by issuer name among
//! the suite's CA certificates, the CRLs of those CAs, at 2020-01-01.
//!
//! Every case's verdict is pinned: NIST's (the certificate's name) unless
//! the case is one of the known disagreements below, each named with its
//! cause (and, where certplay refuses, the kind of reason it gives). The
//! test fails when any case changes its verdict (an `Invalid*` chain that
//! starts being accepted fails even if another case got fixed), when a
//! listed disagreement no longer disagrees (the list is then stale), when
//! the number of cases is not [`CASES`], and when any file of the suite
//! (certificate or CRL) does not parse.
//!
//! All disagreements are webpki's documented scope, not certplay bugs; this
//! harness gives every CRL of the chain's issuers and lets a certificate
//! that no CRL covers pass, as `certplay verify --crl` does.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use certplay_core::read::{self, Certificate, Crl, Item};
use certplay_core::verify::{self, Check, Purpose, ReasonKind};

const AT: i64 = 1_577_836_800; // 2020-01-01T00:00:00Z, inside every PKITS validity

/// `Valid*` and `Invalid*` files in `tests/data/pkits/certs`.
const CASES: usize = 203;

/// Why certplay (webpki) and NIST disagree on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// Certificate policies, policy mappings, inhibitAnyPolicy,
    /// requireExplicitPolicy: webpki does not process policies and refuses
    /// their critical extensions.
    Policies,
    /// Delta CRLs, indirect CRLs, issuingDistributionPoint, onlySomeReasons:
    /// webpki refuses to load such CRLs.
    UnsupportedCrl,
    /// A missing, stale or wrong CRL (or one for other reasons or another
    /// issuer) leaves the status unknown, and unknown is allowed.
    RevocationUnknown,
    /// keyUsage without keyCertSign on a CA: webpki does not check a CA's
    /// keyUsage.
    CaKeyUsage,
    /// Directory-name, RFC 822 and URI name constraints: webpki supports only
    /// DNS and IP constraints; some show as a bad signature of the
    /// constrained CA because path building tried every same-named
    /// candidate.
    NameConstraintKinds,
    /// Name chaining across case, whitespace or string type: webpki compares
    /// names byte for byte.
    NameChaining,
    /// subjectUniqueID/issuerUniqueID: webpki rejects the fields.
    UniqueIds,
    /// DSA signatures: webpki does not verify DSA.
    Dsa,
    /// A CA certificate (CA:TRUE) as end entity: webpki refuses it as a leaf.
    CaAsLeaf,
    /// A notBefore before 1970 (1950, as UTCTime): certplay reads it with
    /// its real dates, but rustls/webpki read no date before 1970, so the
    /// chain is refused with words that say so.
    TimeBefore1970,
    /// Self-issued CA certificates (key rollover, a separate CRL signing key):
    /// webpki checks a CRL only with its issuer's certified key and builds
    /// one path through same-named CAs.
    SelfIssued,
}

/// certplay's verdict on a case: it accepts the chain, refuses it with this
/// kind of reason, or cannot read the end-entity certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Valid,
    Refused(ReasonKind),
    Unreadable,
}

use Cause::*;
use ReasonKind as K;
use Verdict::{Refused, Unreadable, Valid};

/// Every case where certplay's verdict is not NIST's, by name (74 of 203).
#[rustfmt::skip]
const DISAGREEMENTS: &[(&str, Cause, Verdict)] = &[
    // Invalid* chains that certplay accepts (13).
    ("InvalidBadCRLIssuerNameTest5EE.crt", RevocationUnknown, Valid),
    ("InvalidIDPwithindirectCRLTest26EE.crt", RevocationUnknown, Valid),
    ("InvalidMissingCRLTest1EE.crt", RevocationUnknown, Valid),
    ("InvalidOldCRLnextUpdateTest11EE.crt", RevocationUnknown, Valid),
    ("InvalidWrongCRLTest6EE.crt", RevocationUnknown, Valid),
    ("InvalidcRLIssuerTest27EE.crt", RevocationUnknown, Valid),
    ("InvalidcRLIssuerTest31EE.crt", RevocationUnknown, Valid),
    ("InvalidcRLIssuerTest32EE.crt", RevocationUnknown, Valid),
    ("InvaliddistributionPointTest2EE.crt", RevocationUnknown, Valid),
    ("InvaliddistributionPointTest3EE.crt", RevocationUnknown, Valid),
    ("Invalidpre2000CRLnextUpdateTest12EE.crt", RevocationUnknown, Valid),
    ("InvalidkeyUsageCriticalkeyCertSignFalseTest1EE.crt", CaKeyUsage, Valid),
    ("InvalidkeyUsageNotCriticalkeyCertSignFalseTest2EE.crt", CaKeyUsage, Valid),
    // Valid* chains that certplay refuses (61).
    ("ValidBasicSelfIssuedCRLSigningKeyTest6EE.crt", SelfIssued, Refused(K::Crl)),
    ("ValidBasicSelfIssuedNewWithOldTest3EE.crt", SelfIssued, Refused(K::BadSignature)),
    ("ValidBasicSelfIssuedNewWithOldTest4EE.crt", SelfIssued, Refused(K::Crl)),
    ("ValidBasicSelfIssuedOldWithNewTest1EE.crt", SelfIssued, Refused(K::BadSignature)),
    ("ValidSelfIssuedpathLenConstraintTest15EE.crt", SelfIssued, Refused(K::BadSignature)),
    ("ValidSelfIssuedpathLenConstraintTest17EE.crt", SelfIssued, Refused(K::BadSignature)),
    ("ValidSeparateCertificateandCRLKeysTest19EE.crt", SelfIssued, Refused(K::Crl)),
    ("ValidDNandRFC822nameConstraintsTest27EE.crt", NameConstraintKinds, Refused(K::BadSignature)),
    ("ValidDNnameConstraintsTest1EE.crt", NameConstraintKinds, Refused(K::BadSignature)),
    ("ValidDNnameConstraintsTest4EE.crt", NameConstraintKinds, Refused(K::BadSignature)),
    ("ValidDNnameConstraintsTest5EE.crt", NameConstraintKinds, Refused(K::NameConstraintViolated)),
    ("ValidDNnameConstraintsTest6EE.crt", NameConstraintKinds, Refused(K::NameConstraintViolated)),
    ("ValidDNnameConstraintsTest11EE.crt", NameConstraintKinds, Refused(K::NameConstraintViolated)),
    ("ValidDNnameConstraintsTest14EE.crt", NameConstraintKinds, Refused(K::BadSignature)),
    ("ValidDNnameConstraintsTest18EE.crt", NameConstraintKinds, Refused(K::NameConstraintViolated)),
    ("ValidDNnameConstraintsTest19EE.crt", NameConstraintKinds, Refused(K::BadSignature)),
    ("ValidRFC822nameConstraintsTest21EE.crt", NameConstraintKinds, Refused(K::NameConstraintViolated)),
    ("ValidRFC822nameConstraintsTest23EE.crt", NameConstraintKinds, Refused(K::NameConstraintViolated)),
    ("ValidRFC822nameConstraintsTest25EE.crt", NameConstraintKinds, Refused(K::NameConstraintViolated)),
    ("ValidURInameConstraintsTest34EE.crt", NameConstraintKinds, Refused(K::NameConstraintViolated)),
    ("ValidURInameConstraintsTest36EE.crt", NameConstraintKinds, Refused(K::NameConstraintViolated)),
    ("ValidDSAParameterInheritanceTest5EE.crt", Dsa, Refused(K::UnsupportedSignatureAlgorithm)),
    ("ValidDSASignaturesTest4EE.crt", Dsa, Refused(K::UnsupportedSignatureAlgorithm)),
    ("ValidNameChainingCapitalizationTest5EE.crt", NameChaining, Refused(K::UnknownIssuer)),
    ("ValidNameChainingWhitespaceTest3EE.crt", NameChaining, Refused(K::UnknownIssuer)),
    ("ValidNameChainingWhitespaceTest4EE.crt", NameChaining, Refused(K::UnknownIssuer)),
    ("ValidRolloverfromPrintableStringtoUTF8StringTest10EE.crt", NameChaining, Refused(K::UnknownIssuer)),
    ("ValidUTF8StringCaseInsensitiveMatchTest11EE.crt", NameChaining, Refused(K::UnknownIssuer)),
    ("ValidNameUIDsTest6EE.crt", UniqueIds, Refused(K::BadEncoding)),
    ("ValidPolicyMappingTest1EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidPolicyMappingTest3EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidPolicyMappingTest5EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidPolicyMappingTest6EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidPolicyMappingTest9EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidPolicyMappingTest11EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidPolicyMappingTest12EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidPolicyMappingTest13EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidPolicyMappingTest14EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidSelfIssuedinhibitAnyPolicyTest7EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidSelfIssuedinhibitAnyPolicyTest9EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidSelfIssuedinhibitPolicyMappingTest7EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidSelfIssuedrequireExplicitPolicyTest6EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidinhibitAnyPolicyTest2EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidinhibitPolicyMappingTest2EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidinhibitPolicyMappingTest4EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidrequireExplicitPolicyTest1EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidrequireExplicitPolicyTest2EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidrequireExplicitPolicyTest4EE.crt", Policies, Refused(K::UnhandledCriticalExtension)),
    ("ValidIDPwithindirectCRLTest22EE.crt", UnsupportedCrl, Refused(K::Crl)),
    ("ValiddeltaCRLTest2EE.crt", UnsupportedCrl, Refused(K::Crl)),
    ("ValiddeltaCRLTest5EE.crt", UnsupportedCrl, Refused(K::Crl)),
    ("ValiddeltaCRLTest7EE.crt", UnsupportedCrl, Refused(K::Crl)),
    ("ValiddeltaCRLTest8EE.crt", UnsupportedCrl, Refused(K::Crl)),
    ("ValiddistributionPointTest5EE.crt", UnsupportedCrl, Refused(K::Crl)),
    ("ValiddistributionPointTest7EE.crt", UnsupportedCrl, Refused(K::Crl)),
    ("ValidonlyContainsCACertsTest13EE.crt", UnsupportedCrl, Refused(K::Crl)),
    ("ValidonlySomeReasonsTest18EE.crt", UnsupportedCrl, Refused(K::Crl)),
    ("ValidonlySomeReasonsTest19EE.crt", UnsupportedCrl, Refused(K::Crl)),
    ("ValidpathLenConstraintTest8EE.crt", CaAsLeaf, Refused(K::CaUsedAsLeaf)),
    ("ValidpathLenConstraintTest14EE.crt", CaAsLeaf, Refused(K::CaUsedAsLeaf)),
    ("Validpre2000UTCnotBeforeDateTest3EE.crt", TimeBefore1970, Refused(K::Other)),
];

/// Every file of `dir`, by name, read whole.
fn load(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .map(|p| {
            let name = p.file_name().expect("a file name").to_string_lossy();
            (name.into_owned(), std::fs::read(&p).expect("reading"))
        })
        .collect()
}

/// The suite read: every certificate that parses, by file name; the CRLs;
/// and what did not parse (a failure unless it is a pinned `Unreadable`
/// case).
struct Suite {
    certs: BTreeMap<String, Certificate>,
    unreadable: BTreeMap<String, String>,
    crls: Vec<Crl>,
}

fn read_suite(base: &Path) -> Suite {
    let mut suite = Suite {
        certs: BTreeMap::new(),
        unreadable: BTreeMap::new(),
        crls: Vec::new(),
    };
    for (name, der) in load(&base.join("certs")) {
        match Certificate::from_der(&der) {
            Ok(cert) => {
                suite.certs.insert(name, cert);
            }
            Err(e) => {
                suite.unreadable.insert(name, e.to_string());
            }
        }
    }
    for (name, der) in load(&base.join("crls")) {
        let crl = read::read(&name, &der).map(|items| {
            items.into_iter().find_map(|i| match i {
                Item::Crl(c) => Some(*c),
                _ => None,
            })
        });
        match crl {
            Ok(Some(crl)) => suite.crls.push(crl),
            Ok(None) => {
                suite.unreadable.insert(name, "no CRL in it".into());
            }
            Err(e) => {
                suite.unreadable.insert(name, e.to_string());
            }
        }
    }
    suite
}

fn is_case(name: &str) -> bool {
    name.starts_with("Valid") || name.starts_with("Invalid")
}

/// certplay's verdict on `leaf`, given every CA reachable from it by issuer
/// name and the CRLs of those CAs and the anchor, and its words.
fn judge(
    leaf: &Certificate,
    anchor: &Certificate,
    cas: &[&Certificate],
    crls: &[Crl],
) -> (Verdict, String) {
    let mut chain: Vec<Certificate> = Vec::new();
    let mut wanted = vec![leaf.issuer.der.clone()];
    while let Some(issuer) = wanted.pop() {
        for ca in cas.iter().filter(|c| c.subject.der == issuer) {
            if !chain.iter().any(|c| c.der == ca.der) {
                chain.push((*ca).clone());
                wanted.push(ca.issuer.der.clone());
            }
        }
    }
    let names: Vec<&Vec<u8>> = chain
        .iter()
        .map(|c| &c.subject.der)
        .chain([&anchor.subject.der])
        .collect();
    let chain_crls: Vec<Crl> = crls
        .iter()
        .filter(|c| names.contains(&&c.issuer.der))
        .cloned()
        .collect();
    let check = Check {
        anchors: std::slice::from_ref(anchor),
        intermediates: &chain,
        crls: &chain_crls,
        purpose: Purpose::Client,
        at: AT,
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    match verify::verify(leaf, &check, &provider) {
        Ok(()) => (Valid, "valid".to_owned()),
        Err(reason) => (
            Refused(reason.kind()),
            format!("refused ({:?}: {reason})", reason.kind()),
        ),
    }
}

#[test]
fn every_pkits_case_keeps_its_pinned_verdict() {
    let suite = read_suite(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pkits"));
    let anchor = &suite.certs["TrustAnchorRootCertificate.crt"];
    let cas: Vec<&Certificate> = suite
        .certs
        .iter()
        .filter(|(n, c)| !is_case(n) && c.is_ca() && c.der != anchor.der)
        .map(|(_, c)| c)
        .collect();
    let pinned: BTreeMap<&str, (Cause, Verdict)> = DISAGREEMENTS
        .iter()
        .map(|(name, cause, verdict)| (*name, (*cause, *verdict)))
        .collect();
    assert_eq!(pinned.len(), DISAGREEMENTS.len(), "a name listed twice");

    let mut failures = Vec::new();
    let mut names: Vec<&String> = suite.certs.keys().chain(suite.unreadable.keys()).collect();
    names.sort();
    let (mut cases, mut agree, mut listed_seen) = (0, 0, 0);
    for name in names {
        let (got, said) = match (suite.certs.get(name), suite.unreadable.get(name)) {
            (Some(leaf), _) if is_case(name) => judge(leaf, anchor, &cas, &suite.crls),
            (_, Some(error)) if is_case(name) => (Unreadable, format!("unreadable ({error})")),
            (_, Some(error)) => {
                failures.push(format!("{name}: does not parse: {error}"));
                continue;
            }
            _ => continue, // a CA certificate or a CRL that parsed
        };
        cases += 1;
        let nist_valid = name.starts_with("Valid");
        match pinned.get(name.as_str()) {
            Some((cause, verdict)) => {
                listed_seen += 1;
                if got != *verdict {
                    failures.push(format!(
                        "{name}: pinned as a known disagreement ({cause:?}, {verdict:?}), \
                         certplay now says {said}"
                    ));
                }
            }
            None if (got == Valid) == nist_valid => agree += 1,
            None => failures.push(format!(
                "{name}: NIST says {}, certplay says {said}",
                if nist_valid { "valid" } else { "invalid" },
            )),
        }
    }
    if listed_seen != DISAGREEMENTS.len() {
        let missing: Vec<&str> = DISAGREEMENTS
            .iter()
            .map(|(n, _, _)| *n)
            .filter(|n| !suite.certs.contains_key(*n) && !suite.unreadable.contains_key(*n))
            .collect();
        failures.push(format!("pinned but not in the suite: {missing:?}"));
    }
    eprintln!(
        "PKITS: {cases} cases, {agree} agree with NIST, {} known disagreements, {} CRLs",
        DISAGREEMENTS.len(),
        suite.crls.len()
    );
    assert!(
        failures.is_empty(),
        "{} PKITS failure(s):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert_eq!(cases, CASES, "PKITS cases run");
    assert_eq!(
        agree + DISAGREEMENTS.len(),
        CASES,
        "every case accounted for"
    );
}
