//! A certificate's card: its fields as `index.html`'s card templates name
//! them ([`CardField`]), read from the certificate itself.

use certplay_core::read::model::GeneralName;
use certplay_core::read::Certificate;
use certplay_core::ExtendedKeyUsage;

use crate::protocol::{Card, CardField};

/// The card of a certificate given as DER, or why it cannot be read.
pub fn card(der: &[u8]) -> Card {
    Certificate::from_der(der)
        .map(|cert| card_fields(&cert))
        .map_err(|e| e.to_string())
}

/// A card's fields, as `index.html`'s `#card-template` names them, read
/// from the certificate itself (core's typed model, shown openssl's way).
pub fn card_fields(cert: &Certificate) -> Vec<(CardField, String)> {
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    let basic_constraints = match cert.basic_constraints() {
        Some((true, _)) => "CA:TRUE",
        Some((false, _)) => "CA:FALSE",
        None => "absent",
    };
    let issuer = if cert.self_issued() {
        format!("{} (self-signed)", cert.issuer)
    } else {
        cert.issuer.to_string()
    };
    // RFC 5280's short purpose names (serverAuth), as openssl's config files
    // and certplay's plans write them.
    let eku = cert
        .extended_key_usage()
        .unwrap_or_default()
        .iter()
        .map(|p| {
            ExtendedKeyUsage::of(&p.oid).map_or_else(|| p.to_string(), |p| p.name().to_owned())
        })
        .collect();
    [
        (CardField::Subject, cert.subject.to_string()),
        (CardField::Issuer, issuer),
        (CardField::Serial, cert.serial.to_string()),
        (CardField::NotBefore, cert.not_before.to_string()),
        (CardField::NotAfter, cert.not_after.to_string()),
        (
            CardField::Sans,
            list(cert.subject_alt_names().iter().map(san_text).collect()),
        ),
        (CardField::Eku, list(eku)),
        (
            CardField::KeyUsage,
            list(
                cert.key_usage()
                    .unwrap_or_default()
                    .iter()
                    .map(|k| (*k).to_owned())
                    .collect(),
            ),
        ),
        (CardField::BasicConstraints, basic_constraints.to_owned()),
        (CardField::KeyType, cert.public_key.kind.to_string()),
        (CardField::Signature, cert.signature_algorithm.to_string()),
        (CardField::Version, format!("v{}", cert.version)),
        (CardField::Sha256, cert.sha256_fingerprint.to_string()),
    ]
    .into()
}

/// A SAN the way the plan editor writes it (`IP:::1`, not openssl's
/// `IP Address:0:0:0:0:0:0:0:1`), so the card reads like what was typed.
fn san_text(name: &GeneralName) -> String {
    let ip = |bytes: &[u8]| -> Option<std::net::IpAddr> {
        <[u8; 4]>::try_from(bytes)
            .map(std::net::IpAddr::from)
            .or_else(|_| <[u8; 16]>::try_from(bytes).map(std::net::IpAddr::from))
            .ok()
    };
    match name {
        GeneralName::Ip(bytes) => match ip(bytes.bytes()) {
            Some(address) => format!("IP:{address}"),
            None => name.to_string(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use certplay_core::Plan;

    use super::*;

    /// A card names purposes as plans and openssl's config files do.
    #[test]
    fn purposes_by_their_rfc_5280_names() {
        let issued = Plan::default().issue().unwrap();
        let eku = |name: &str| {
            let cert = Certificate::from_der(&issued.entry(name).unwrap().cert_der).unwrap();
            card_fields(&cert)
                .into_iter()
                .find(|(field, _)| *field == CardField::Eku)
                .map(|(_, value)| value)
        };
        assert_eq!(eku("server").as_deref(), Some("serverAuth"));
        assert_eq!(eku("client").as_deref(), Some("clientAuth"));
        assert_eq!(eku("ca").as_deref(), Some("none"));
    }
}
