//! Certificate revocation lists (RFC 5280, section 5): a CA says which of
//! the certificates it issued are no longer to be trusted, why and since
//! when. rcgen writes them (X.509 v2 CRL with authorityKeyIdentifier and
//! cRLNumber), signed with core's pure-Rust keys, so the page and the CLI
//! make the same CRL.

use std::fmt;
use std::str::FromStr;

use rcgen::{CertificateRevocationListParams, KeyIdMethod, RevokedCertParams, SerialNumber};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::plan::Serial;
use crate::Error;

/// Why a certificate was revoked: CRLReason (RFC 5280, section 5.3.1).
/// Exhaustive: every code RFC 5280 defines (7 is unused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum RevocationReason {
    /// unspecified (0). RFC 5280 asks to leave the reasonCode out instead,
    /// so a CRL entry with this reason has no reasonCode extension.
    #[default]
    Unspecified,
    /// keyCompromise (1): the private key is known to others.
    KeyCompromise,
    /// cACompromise (2): the issuing CA's key is known to others.
    CaCompromise,
    /// affiliationChanged (3): the subject's name or relation changed.
    AffiliationChanged,
    /// superseded (4): replaced by a new certificate.
    Superseded,
    /// cessationOfOperation (5): no longer needed.
    CessationOfOperation,
    /// certificateHold (6): suspended, may be lifted later.
    CertificateHold,
    /// removeFromCRL (8): lifts a hold; meant for delta CRLs. Verifiers
    /// such as webpki still treat a listed certificate as revoked.
    RemoveFromCrl,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
    /// aACompromise (10): an attribute authority's key is known to others.
    AaCompromise,
}

impl RevocationReason {
    /// Every reason, in the order of their codes.
    pub const ALL: [Self; 10] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::CaCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::CertificateHold,
        Self::RemoveFromCrl,
        Self::PrivilegeWithdrawn,
        Self::AaCompromise,
    ];

    /// The RFC 5280 name, as `openssl ca -crl_reason` takes it and
    /// `openssl crl -text` shows it in words (`keyCompromise`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::CaCompromise => "cACompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::CertificateHold => "certificateHold",
            Self::RemoveFromCrl => "removeFromCRL",
            Self::PrivilegeWithdrawn => "privilegeWithdrawn",
            Self::AaCompromise => "aACompromise",
        }
    }

    /// The reasonCode's value (RFC 5280, section 5.3.1).
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
            Self::RemoveFromCrl => 8,
            Self::PrivilegeWithdrawn => 9,
            Self::AaCompromise => 10,
        }
    }

    fn rcgen(self) -> rcgen::RevocationReason {
        use rcgen::RevocationReason as R;
        match self {
            Self::Unspecified => R::Unspecified,
            Self::KeyCompromise => R::KeyCompromise,
            Self::CaCompromise => R::CaCompromise,
            Self::AffiliationChanged => R::AffiliationChanged,
            Self::Superseded => R::Superseded,
            Self::CessationOfOperation => R::CessationOfOperation,
            Self::CertificateHold => R::CertificateHold,
            Self::RemoveFromCrl => R::RemoveFromCrl,
            Self::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
            Self::AaCompromise => R::AaCompromise,
        }
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RevocationReason {
    type Err = Error;

    /// The RFC 5280 name in any case, with or without `-`/`_`
    /// (`keyCompromise`, `key-compromise`, `KEYCOMPROMISE`), or the code.
    fn from_str(s: &str) -> Result<Self, Error> {
        let wanted = s.trim().to_ascii_lowercase().replace(['-', '_', ' '], "");
        Self::ALL
            .into_iter()
            .find(|r| r.name().to_ascii_lowercase() == wanted || r.code().to_string() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|r| r.name()).collect();
                Error::input(
                    "revocation reason",
                    format!(
                        "unknown reason {s:?}; choose one of {} (RFC 5280, 5.3.1)",
                        names.join(", ")
                    ),
                )
            })
    }
}

impl TryFrom<String> for RevocationReason {
    type Error = Error;

    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

impl From<RevocationReason> for &'static str {
    fn from(reason: RevocationReason) -> Self {
        reason.name()
    }
}

/// One certificate to list as revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// userCertificate: the certificate's serial number.
    pub serial: Serial,
    /// reasonCode.
    pub reason: RevocationReason,
    /// revocationDate.
    pub revoked_at: OffsetDateTime,
}

impl Revocation {
    /// Parses `SERIAL` or `SERIAL:REASON` as a person types it: the serial
    /// in hex as openssl prints it, with or without colons
    /// (`3F:A2:01:keyCompromise`, `3fa201`); no reason means unspecified.
    pub fn parse(text: &str, revoked_at: OffsetDateTime) -> Result<Self, Error> {
        let text = text.trim();
        let bad_serial = |reason: String| {
            Error::input(
                "serial to revoke",
                format!("{reason}; write SERIAL or SERIAL:REASON, e.g. 3F:A2:01:keyCompromise"),
            )
        };
        // A reason name always has letters beyond a-f, so a last part that
        // is a reason cannot be the serial's last octet.
        let (serial, reason) = match text.rsplit_once(':') {
            Some((serial, last)) if last.chars().any(|c| !c.is_ascii_hexdigit()) => {
                (serial, last.parse()?)
            }
            _ => (text, RevocationReason::Unspecified),
        };
        Ok(Self {
            serial: Serial::parse(serial).map_err(bad_serial)?,
            reason,
            revoked_at,
        })
    }
}

/// What a CRL says besides its issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlParams {
    /// revokedCertificates; may be empty (a CRL that revokes nothing is
    /// still a statement: nothing is revoked until nextUpdate).
    pub revoked: Vec<Revocation>,
    /// thisUpdate: when this CRL was issued.
    pub this_update: OffsetDateTime,
    /// nextUpdate: when the next CRL is due; verifiers that check it refuse
    /// the CRL (and so the certificates it covers) after it.
    pub next_update: OffsetDateTime,
    /// cRLNumber (RFC 5280, section 5.2.3): grows with every CRL of an issuer.
    pub number: u64,
}

impl CrlParams {
    /// A CRL issued at `now`, due again in `days` days, numbered by `now`'s
    /// Unix time (so a later CRL of the same CA has a larger number without
    /// a counter file to keep).
    pub fn new(now: OffsetDateTime, days: u32, revoked: Vec<Revocation>) -> Self {
        let now = now.replace_nanosecond(0).unwrap_or(now);
        Self {
            revoked,
            this_update: now,
            next_update: now + time::Duration::days(i64::from(days)),
            number: u64::try_from(now.unix_timestamp()).unwrap_or(1),
        }
    }

    /// rcgen's parameters, after the checks rcgen does not make.
    pub(super) fn to_rcgen(
        &self,
        key_identifier: Vec<u8>,
    ) -> Result<CertificateRevocationListParams, Error> {
        if self.next_update <= self.this_update {
            return Err(Error::input(
                "nextUpdate",
                "must come after thisUpdate; give the CRL at least one day",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for revocation in &self.revoked {
            if !seen.insert(revocation.serial.bytes()) {
                return Err(Error::input(
                    "serial to revoke",
                    format!(
                        "serial {} is listed twice; list each certificate once",
                        revocation.serial
                    ),
                ));
            }
        }
        Ok(CertificateRevocationListParams {
            this_update: self.this_update,
            next_update: self.next_update,
            crl_number: SerialNumber::from_slice(&self.number.to_be_bytes()),
            issuing_distribution_point: None,
            revoked_certs: self
                .revoked
                .iter()
                .map(|r| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(r.serial.bytes()),
                    revocation_time: r.revoked_at,
                    reason_code: Some(r.reason.rcgen()),
                    invalidity_date: None,
                })
                .collect(),
            // rcgen without its crypto feature cannot hash a key: the
            // issuer's subjectKeyIdentifier goes in as it is (RFC 5280,
            // section 5.2.1: the AKI must match it).
            key_identifier_method: KeyIdMethod::PreSpecified(key_identifier),
        })
    }
}

/// A signed CRL.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCrl {
    /// DER (`openssl crl -inform der`).
    pub der: Vec<u8>,
    /// PEM (`-----BEGIN X509 CRL-----`).
    pub pem: String,
}

impl IssuedCrl {
    pub(super) fn from_der(der: Vec<u8>) -> Self {
        let pem = pem::encode_config(
            &pem::Pem::new("X509 CRL", der.clone()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        );
        Self { der, pem }
    }
}

impl fmt::Debug for IssuedCrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCrl")
            .field("der_bytes", &self.der.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::model::ExtensionValue;
    use crate::read::{Certificate, Crl};
    use crate::Plan;

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    #[test]
    fn reasons_parse_by_their_rfc_names_in_any_case_and_by_code() {
        for reason in RevocationReason::ALL {
            assert_eq!(reason.name().parse::<RevocationReason>().unwrap(), reason);
            assert_eq!(
                reason
                    .code()
                    .to_string()
                    .parse::<RevocationReason>()
                    .unwrap(),
                reason
            );
        }
        assert_eq!(
            "key-compromise".parse::<RevocationReason>().unwrap(),
            RevocationReason::KeyCompromise
        );
        assert_eq!(
            "REMOVEFROMCRL".parse::<RevocationReason>().unwrap(),
            RevocationReason::RemoveFromCrl
        );
        let unknown = "stolen"
            .parse::<RevocationReason>()
            .unwrap_err()
            .to_string();
        assert!(unknown.contains("keyCompromise, cACompromise"), "{unknown}");
    }

    #[test]
    fn serials_parse_with_or_without_colons_and_an_optional_reason() {
        let at = now();
        let parse = |text: &str| Revocation::parse(text, at).unwrap();
        let plain = parse("3fa201");
        assert_eq!(plain.serial.bytes(), [0x3f, 0xa2, 0x01]);
        assert_eq!(plain.reason, RevocationReason::Unspecified);
        let colons = parse("3F:A2:01:keyCompromise");
        assert_eq!(colons.serial, plain.serial);
        assert_eq!(colons.reason, RevocationReason::KeyCompromise);
        // A last octet that is hex stays part of the serial.
        assert_eq!(parse("3F:A2:01").serial, plain.serial);
        assert_eq!(parse("00:C3:01:superseded").serial.bytes(), [0xc3, 0x01]);
        let bad = Revocation::parse("xyz:keyCompromise", at)
            .unwrap_err()
            .to_string();
        assert!(
            bad.contains("not a hex number") && bad.contains("SERIAL:REASON"),
            "{bad}"
        );
        let bad_reason = Revocation::parse("3F:stolen", at).unwrap_err().to_string();
        assert!(bad_reason.contains("unknown reason"), "{bad_reason}");
    }

    #[test]
    fn a_plan_ca_revokes_a_client_and_the_crl_reads_back() {
        let issued = Plan::default().issue().unwrap();
        let client = issued.entry("client").unwrap();
        let serial = client.serial().unwrap();
        let at = now();
        let params = CrlParams::new(
            at,
            7,
            vec![Revocation {
                serial: serial.clone(),
                reason: RevocationReason::KeyCompromise,
                revoked_at: at.replace_nanosecond(0).unwrap(),
            }],
        );
        let crl = issued.issue_crl("ca", &params).unwrap();
        assert!(
            crl.pem.starts_with("-----BEGIN X509 CRL-----\n"),
            "{}",
            crl.pem
        );
        assert_eq!(pem::parse(&crl.pem).unwrap().contents(), crl.der.as_slice());

        let read = Crl::from_der(&crl.der).unwrap();
        let ca = Certificate::from_der(&issued.entry("ca").unwrap().cert_der).unwrap();
        assert_eq!(read.version, 2);
        assert_eq!(read.issuer.der, ca.subject.der);
        assert_eq!(read.this_update.0, at.unix_timestamp());
        assert_eq!(
            read.next_update.unwrap().0,
            at.unix_timestamp() + 7 * 86_400
        );
        let [entry] = read.revoked.as_slice() else {
            panic!("{:?}", read.revoked)
        };
        assert_eq!(Serial::from_bytes(entry.serial.bytes()), serial);
        assert_eq!(entry.reason, Some("keyCompromise"));
        assert_eq!(entry.date.0, at.unix_timestamp());
        // authorityKeyIdentifier = the CA's subjectKeyIdentifier; a cRLNumber.
        let ski = ca.extensions.iter().find_map(|e| match &e.value {
            ExtensionValue::SubjectKeyIdentifier(id) => Some(id.clone()),
            _ => None,
        });
        let aki = read.extensions.iter().find_map(|e| match &e.value {
            ExtensionValue::AuthorityKeyIdentifier { key_identifier, .. } => key_identifier.clone(),
            _ => None,
        });
        assert!(ski.is_some());
        assert_eq!(aki, ski);
        assert!(read
            .extensions
            .iter()
            .any(|e| matches!(e.value, ExtensionValue::CrlNumber(_))));
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn webpki_refuses_the_revoked_client_and_accepts_the_other() {
        use crate::verify::{verify, Check, Purpose, Reason};
        let issued = crate::Preset::TwoClients.plan().issue().unwrap();
        let clients: Vec<_> = issued
            .plan
            .entries
            .iter()
            .filter(|e| e.profile.is_client())
            .map(|e| issued.entry(&e.name).unwrap())
            .collect();
        let [revoked, kept] = clients.as_slice() else {
            panic!("two clients expected")
        };
        let at = now();
        let params = CrlParams::new(
            at,
            30,
            vec![Revocation {
                serial: revoked.serial().unwrap(),
                reason: RevocationReason::Superseded,
                revoked_at: at,
            }],
        );
        let crl = Crl::from_der(&issued.issue_crl("ca", &params).unwrap().der).unwrap();
        let anchors = [Certificate::from_der(&issued.entry("ca").unwrap().cert_der).unwrap()];
        let crls = [crl];
        let check = Check {
            anchors: &anchors,
            intermediates: &[],
            crls: &crls,
            purpose: Purpose::Client,
            at: at.unix_timestamp() + 60,
        };
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let refused = verify(
            &Certificate::from_der(&revoked.cert_der).unwrap(),
            &check,
            &provider,
        )
        .unwrap_err();
        assert!(matches!(refused, Reason::Revoked { .. }), "{refused}");
        verify(
            &Certificate::from_der(&kept.cert_der).unwrap(),
            &check,
            &provider,
        )
        .unwrap();
    }

    #[test]
    fn bad_params_are_refused_with_the_field() {
        let issued = Plan::default().issue().unwrap();
        let at = now();
        let serial = issued.entry("client").unwrap().serial().unwrap();
        let twice = Revocation {
            serial,
            reason: RevocationReason::Unspecified,
            revoked_at: at,
        };
        let params = CrlParams::new(at, 1, vec![twice.clone(), twice]);
        let error = issued.issue_crl("ca", &params).unwrap_err().to_string();
        assert!(error.contains("listed twice"), "{error}");
        let mut backwards = CrlParams::new(at, 1, vec![]);
        backwards.next_update = backwards.this_update;
        let error = issued.issue_crl("ca", &backwards).unwrap_err().to_string();
        assert!(error.starts_with("nextUpdate"), "{error}");
        let error = issued
            .issue_crl("nope", &CrlParams::new(at, 1, vec![]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("no entry \"nope\""), "{error}");
        // A leaf is no CA.
        let error = issued
            .issue_crl("client", &CrlParams::new(at, 1, vec![]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("not a CA certificate"), "{error}");
    }
}
