//! The inspector's reading, in the worker: any PEM or DER (certificates,
//! chains, CSRs, keys, CRLs, PKCS#12 files) the way `openssl x509 -text`
//! shows it, and field by field with its lints beside it. A PKCS#12 file's
//! key shows its type, size, public key SHA-256 and which certificate it
//! belongs to; never the secret.

use certplay_core::read::{self, lint, text, Certificate, Item, KeyFormat, Pkcs12, PrivateKey};
use certplay_core::{verify, IssuedPlan};

use crate::protocol::{Candidate, Der, Inspection, View};

/// Reads `bytes` (named `name` in messages) at `now` (Unix seconds),
/// opening a PKCS#12 file with `password`. When `bytes` is `openssl
/// s_client` output, `clients` (a label and the chain, leaf first) are
/// tried against what that server asked.
pub fn inspect(
    name: &str,
    bytes: &[u8],
    now: i64,
    password: Option<&str>,
    clients: &[(String, Vec<Certificate>)],
) -> Inspection {
    let server = read::read_s_client(bytes)
        .map(|server| verify::ServerAsks::predict(&server, clients, now).to_string());
    let items = match read::read_with_password(name, bytes, password) {
        Err(e) => {
            return Inspection {
                text: String::new(),
                lints: Vec::new(),
                summary: e.to_string(),
                locked: None,
                certificates: Vec::new(),
                crls: Vec::new(),
                views: Vec::new(),
                server,
            }
        }
        Ok(items) => items,
    };
    // What a PKCS#12 file holds counts (and is linted) like the rest.
    let p12s: Vec<&Pkcs12> = items
        .iter()
        .filter_map(|i| match i {
            Item::Pkcs12(p) => Some(&**p),
            _ => None,
        })
        .collect();
    let all: Vec<&Item> = items
        .iter()
        .chain(p12s.iter().flat_map(|p| p.contents.iter()))
        .collect();
    let certs: Vec<&Certificate> = all
        .iter()
        .filter_map(|i| match i {
            Item::Certificate(c) => Some(&**c),
            _ => None,
        })
        .collect();
    let mut lints = Vec::new();
    for c in &certs {
        for l in lint::certificate(c, now) {
            lints.push((c.subject.to_string(), l));
        }
    }
    let views = all.iter().filter_map(|i| view(i, &certs, now)).collect();
    let mut text = text::items(&items);
    for key in all.iter().filter_map(|i| match i {
        Item::PrivateKey(k) => Some(k),
        _ => None,
    }) {
        text.push_str(&key_matches(key, &certs));
    }
    let count = |f: fn(&Item) -> bool| all.iter().filter(|i| f(i)).count();
    let mut summary = format!(
        "{name}: {} certificate(s), {} CSR(s), {} key(s), {} CRL(s), {} unreadable block(s); {} lint(s)",
        count(|i| matches!(i, Item::Certificate(_))),
        count(|i| matches!(i, Item::Csr(_))),
        count(|i| matches!(i, Item::PrivateKey(_) | Item::PublicKey(_))),
        count(|i| matches!(i, Item::Crl(_))),
        count(|i| matches!(i, Item::Unreadable { .. })),
        lints.len()
    );
    let locked = p12s.iter().find_map(|p| p.locked.clone());
    match &locked {
        Some(why) => summary = format!("{name}: a PKCS#12 file; {why}"),
        None if !p12s.is_empty() => summary.push_str(" (PKCS#12 opened)"),
        None => {}
    }
    let candidates = certs
        .iter()
        .enumerate()
        .map(|(at, c)| Candidate {
            label: format!("read {}: {}", at.saturating_add(1), c.subject),
            ca: c.basic_constraints().is_some_and(|(ca, _)| ca),
            root: c.basic_constraints().is_some_and(|(ca, _)| ca) && c.issuer == c.subject,
            der: Der(c.der.clone()),
        })
        .collect();
    let crls = all
        .iter()
        .filter_map(|i| match i {
            Item::Crl(c) => Some(Der(c.der.clone())),
            _ => None,
        })
        .collect();
    Inspection {
        text,
        lints,
        summary,
        locked,
        certificates: candidates,
        crls,
        views,
        server,
    }
}

/// The client certificates of an issued set, each with the chain it sends
/// (its chain file's certificates when it has one), labelled by file.
pub fn issued_clients(set: &IssuedPlan) -> Vec<(String, Vec<Certificate>)> {
    set.plan
        .entries
        .iter()
        .filter(|e| e.profile.is_client())
        .filter_map(|entry| {
            let issued = set.entry(&entry.name)?;
            let pem = issued.chain_pem.as_ref().unwrap_or(&issued.cert_pem);
            let chain: Vec<Certificate> =
                read::read_certificates(read::Source::new(&entry.name, pem.as_bytes()))
                    .ok()?
                    .into_iter()
                    .map(|c| c.info)
                    .collect();
            Some((format!("{}.crt", entry.name), chain))
        })
        .collect()
}

/// The structured view of one item (`None` for a PKCS#12 wrapper: what it
/// holds has views of its own).
fn view(item: &Item, certs: &[&Certificate], now: i64) -> Option<View> {
    let field = |name: &str, value: String| (name.to_owned(), value);
    let or_none = |items: Vec<String>| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    let id = |id: Option<&certplay_core::read::model::Hex>| {
        id.map_or_else(|| "absent".to_owned(), ToString::to_string)
    };
    Some(match item {
        Item::Certificate(c) => View {
            title: format!("Certificate: {}", c.subject),
            fields: vec![
                field("Subject", c.subject.to_string()),
                field(
                    "Issuer",
                    if c.self_issued() {
                        format!("{} (self-signed)", c.issuer)
                    } else {
                        c.issuer.to_string()
                    },
                ),
                field("Serial number", c.serial.to_string()),
                field("Version", format!("v{}", c.version)),
                field("Not before", c.not_before.to_string()),
                field("Not after", c.not_after.to_string()),
                field(
                    "Subject alternative names",
                    or_none(
                        c.subject_alt_names()
                            .iter()
                            .map(ToString::to_string)
                            .collect(),
                    ),
                ),
                field("Public key", key_text(&c.public_key.kind)),
                field(
                    "Key usage",
                    c.key_usage()
                        .map_or_else(|| "absent".to_owned(), |k| k.join(", ")),
                ),
                field(
                    "Extended key usage",
                    c.extended_key_usage().map_or_else(
                        || "absent (any purpose)".to_owned(),
                        |p| or_none(p.iter().map(ToString::to_string).collect()),
                    ),
                ),
                field(
                    "Basic constraints",
                    match c.basic_constraints() {
                        Some((true, Some(n))) => format!("CA:TRUE, pathlen:{n}"),
                        Some((true, None)) => "CA:TRUE".to_owned(),
                        Some((false, _)) => "CA:FALSE".to_owned(),
                        None => "absent".to_owned(),
                    },
                ),
                field("Subject key identifier", id(c.subject_key_id())),
                field("Authority key identifier", id(c.authority_key_id())),
                field("Signature algorithm", c.signature_algorithm.to_string()),
                field("SHA-1 fingerprint", c.sha1_fingerprint.to_string()),
                field("SHA-256 fingerprint", c.sha256_fingerprint.to_string()),
            ],
            lints: lint::certificate(c, now),
        },
        Item::Csr(c) => View {
            title: format!("Certificate request: {}", c.subject),
            fields: vec![
                field("Subject", c.subject.to_string()),
                field("Public key", key_text(&c.public_key.kind)),
                field(
                    "Requested extensions",
                    or_none(
                        c.requested_extensions
                            .iter()
                            .map(|e| text::extension_name(&e.id))
                            .collect(),
                    ),
                ),
                field("Signature algorithm", c.signature_algorithm.to_string()),
            ],
            lints: Vec::new(),
        },
        Item::Crl(c) => View {
            title: format!("CRL: {}", c.issuer),
            fields: vec![
                field("Issuer", c.issuer.to_string()),
                field("This update", c.this_update.to_string()),
                field(
                    "Next update",
                    c.next_update
                        .map_or_else(|| "none".to_owned(), |t| t.to_string()),
                ),
                field(
                    "Revoked serial numbers",
                    or_none(c.revoked.iter().map(|r| r.serial.to_string()).collect()),
                ),
                field("Signature algorithm", c.signature_algorithm.to_string()),
            ],
            lints: Vec::new(),
        },
        Item::PrivateKey(k) => View {
            title: "Private key (the secret is not shown)".to_owned(),
            fields: vec![
                field(
                    "Format",
                    match k.format {
                        KeyFormat::Pkcs8 => "PKCS#8",
                        KeyFormat::Pkcs1 => "PKCS#1",
                        KeyFormat::Sec1 => "SEC1",
                        KeyFormat::EncryptedPkcs8 => "encrypted PKCS#8",
                    }
                    .to_owned(),
                ),
                field(
                    "Type",
                    k.kind
                        .as_ref()
                        .map_or_else(|| "unknown until decrypted".to_owned(), key_text),
                ),
                field(
                    "Public key SHA-256",
                    k.public_key_sha256
                        .as_ref()
                        .map_or_else(|| "not derivable here".to_owned(), ToString::to_string),
                ),
                field(
                    "Matches",
                    or_none(
                        certs
                            .iter()
                            .filter(|c| k.matches(c) == Some(true))
                            .map(|c| c.subject.to_string())
                            .collect(),
                    ),
                ),
            ],
            lints: Vec::new(),
        },
        Item::PublicKey(k) => View {
            title: "Public key".to_owned(),
            fields: vec![
                field("Type", key_text(&k.kind)),
                field("SHA-256 of SubjectPublicKeyInfo", k.spki_sha256.to_string()),
            ],
            lints: Vec::new(),
        },
        Item::Unreadable {
            label,
            block,
            error,
        } => View {
            title: format!("Block {block} ({label}): unreadable"),
            fields: vec![field("Why", error.clone())],
            lints: Vec::new(),
        },
        Item::Pkcs12(_) => return None,
    })
}

fn key_text(kind: &certplay_core::read::model::KeyKind) -> String {
    format!("{kind} ({} bit)", kind.bits())
}

/// Whether `key` is the private half of each certificate (by the SHA-256 of
/// the public key), a line each; never anything of the secret.
fn key_matches(key: &PrivateKey, certs: &[&Certificate]) -> String {
    let kind = key
        .kind
        .as_ref()
        .map_or_else(|| "encrypted".to_owned(), |k| k.to_string());
    certs
        .iter()
        .filter_map(|cert| {
            key.matches(cert).map(|yes| {
                format!(
                    "Private key ({kind}) {} the certificate {}\n",
                    if yes { "matches" } else { "does not match" },
                    cert.subject
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use certplay_core::read::lint::LintId;

    use super::*;

    #[test]
    fn an_issued_ca_is_shown_without_lints() {
        let issued = certplay_core::Plan::default().issue().unwrap();
        let ca = issued.entry("ca").unwrap();
        let now = read::Certificate::from_der(&ca.cert_der)
            .unwrap()
            .not_before
            .0
            + 60;
        let shown = inspect("ca.crt", ca.cert_pem.as_bytes(), now, None, &[]);
        assert!(shown.text.contains("Subject: CN = my-ca"), "{}", shown.text);
        assert!(shown.lints.is_empty(), "{:?}", shown.lints);
        assert!(
            shown.summary.starts_with("ca.crt: 1 certificate(s)"),
            "{}",
            shown.summary
        );
        let view = &shown.views[0];
        assert_eq!(view.title, "Certificate: CN=my-ca");
        let field = |name: &str| {
            view.fields
                .iter()
                .find(|(f, _)| f == name)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert!(field("Basic constraints").starts_with("CA:TRUE"));
        assert_eq!(field("Issuer"), "CN=my-ca (self-signed)");
        assert!(field("Subject key identifier").contains(':'));
        assert!(view.lints.is_empty(), "{:?}", view.lints);
        // Past its notAfter, the lint sits beside the certificate's fields.
        let server = issued.entry("server").unwrap();
        let later = read::Certificate::from_der(&server.cert_der)
            .unwrap()
            .not_after
            .0
            + 60;
        let expired = inspect("server.crt", server.cert_pem.as_bytes(), later, None, &[]);
        let view = &expired.views[0];
        assert!(
            view.fields.contains(&(
                "Subject alternative names".into(),
                "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1".into()
            )),
            "{view:?}"
        );
        assert!(
            view.lints
                .iter()
                .any(|l| l.id == LintId::Expired && l.fix == "re-issue it"),
            "{view:?}"
        );
        assert!(
            expired
                .lints
                .iter()
                .any(|(subject, l)| subject == "CN=localhost" && l.id == LintId::Expired),
            "{:?}",
            expired.lints
        );
        // The reply's encoding (postcard) carries the typed lints across.
        let bytes = postcard::to_allocvec(&expired).unwrap();
        assert_eq!(postcard::from_bytes::<Inspection>(&bytes).unwrap(), expired);
        let garbage = inspect("x", b"garbage", now, None, &[]);
        assert!(
            garbage.summary.contains("neither PEM"),
            "{}",
            garbage.summary
        );
    }

    #[test]
    fn a_pkcs12_file_asks_for_its_password_and_opens_with_it() {
        use certplay_core::{Pkcs12Encoding, Pkcs12Password};
        let issued = certplay_core::Plan::default().issue().unwrap();
        let p12 = issued
            .pkcs12(
                "client",
                Pkcs12Encoding::Modern,
                Pkcs12Password::new("right one").unwrap(),
            )
            .unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();

        let closed = inspect("client.p12", &p12, now, None, &[]);
        assert!(
            closed
                .locked
                .as_deref()
                .unwrap()
                .contains("give its password"),
            "{closed:?}"
        );
        assert!(closed.summary.starts_with("client.p12: a PKCS#12 file; "));

        let wrong = inspect("client.p12", &p12, now, Some("wrong"), &[]);
        assert!(
            wrong.summary.contains("the password is wrong"),
            "{}",
            wrong.summary
        );
        assert!(wrong.locked.is_some());

        let open = inspect("client.p12", &p12, now, Some("right one"), &[]);
        assert_eq!(open.locked, None);
        assert!(
            open.summary
                .starts_with("client.p12: 2 certificate(s), 0 CSR(s), 1 key(s)"),
            "{}",
            open.summary
        );
        assert!(
            open.text.contains("Subject: CN = my-client"),
            "{}",
            open.text
        );
        assert!(open.text.contains("Subject: CN = my-ca"), "{}", open.text);
        assert!(
            open.text.contains("the secret is not shown")
                && open.text.contains("Public key SHA-256"),
            "{}",
            open.text
        );
        assert!(
            open.text.contains(") matches the certificate CN=my-client"),
            "{}",
            open.text
        );
        assert!(!open.text.contains("PRIVATE KEY"), "{}", open.text);
    }
}
