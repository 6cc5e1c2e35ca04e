//! The files the worker makes from a kept set: CRLs, the zip, DER keys,
//! and a person's own CA read and checked.

use certplay_core::read::lint::{self, LintId};
use certplay_core::read::Certificate;
use certplay_core::{
    CrlParams, Error, ExistingCa, ExtraFile, IssuedCrl, IssuedEntry, IssuedPlan, KeyPair,
    Pkcs12Encoding, Pkcs12Password, Revocation, RevocationReason, Source,
};

use crate::protocol::{Everything, CRL_DAYS};

/// A CA a person brought, as read and checked: its certificate and key.
pub struct OwnCa {
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// Its private key, unencrypted PKCS#8 DER (it stays in the worker).
    pub key_der: Vec<u8>,
    /// What the page shows: subject, key type, validity.
    pub summary: String,
    /// What verifiers will say of its dates, in core's lint words.
    pub warnings: Vec<String>,
}

/// Reads a person's CA and checks it as `certplay issue --ca-cert --ca-key`
/// does ([`ExistingCa`]: a CA, and the key is its key); what verifiers will
/// say of its dates comes from core's lints.
pub fn load_ca(
    cert: Source<'_>,
    key: Source<'_>,
    password: Option<&str>,
    now: time::OffsetDateTime,
) -> Result<OwnCa, Error> {
    let certificates = certplay_core::read_certificates(cert)?;
    let der = certificates
        .first()
        .map(|c| c.der.to_vec())
        .ok_or_else(|| invalid(cert.name, "no certificate in this file"))?;
    let pair = certplay_core::read_private_key(key.with_password(password))?.into_pair()?;
    let key_der = pair.to_pkcs8_der()?;
    let key_type = pair.description();
    ExistingCa::from_der(cert.name, &der, key.name, pair)?;
    let info = Certificate::from_der(&der)?;
    let warnings = lint::certificate(&info, now.unix_timestamp())
        .into_iter()
        .filter(|lint| {
            matches!(
                lint.id,
                LintId::Expired | LintId::NotYetValid | LintId::ExpiringSoon
            )
        })
        .map(|lint| {
            let consequence = if lint.id == LintId::ExpiringSoon {
                "what it signs stops verifying then"
            } else {
                "verifiers refuse every certificate it signs until it is valid"
            };
            format!(
                "{}: {}: {consequence} ({})",
                cert.name, lint.message, lint.fix
            )
        })
        .collect();
    Ok(OwnCa {
        cert_der: der,
        key_der,
        summary: format!(
            "{}, {key_type}, valid from {} to {}",
            info.subject, info.not_before, info.not_after
        ),
        warnings,
    })
}

/// An error about `field`, in words.
pub fn invalid(field: &str, reason: impl Into<String>) -> Error {
    Error::InvalidInput {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// The CRL of the CA entry `ca` listing those of `revoked` it issued (a
/// CRL speaks only for its own CA's certificates). `set` holds the CA's key.
pub fn crl(
    set: &IssuedPlan,
    ca: &str,
    revoked: &[(String, RevocationReason)],
    now: time::OffsetDateTime,
) -> Result<IssuedCrl, Error> {
    let revoked = revoked
        .iter()
        .filter(|(name, _)| set.plan.entry(name).and_then(|e| e.issuer.as_deref()) == Some(ca))
        .map(|(name, reason)| {
            let serial = set
                .entry(name)
                .and_then(IssuedEntry::serial)
                .ok_or_else(|| {
                    invalid(
                        "serial to revoke",
                        format!("{name}.crt has no readable serial number"),
                    )
                })?;
            Ok(Revocation {
                serial,
                reason: *reason,
                revoked_at: now,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    set.issue_crl(ca, &CrlParams::new(now, CRL_DAYS, revoked))
}

/// The zip: the set's own files, the certificates signed from CSRs and,
/// with `everything`, the DER of every certificate and key, each CA's CRL
/// (PEM and DER) and each leaf's PKCS#12 file (modern encoding). `set`
/// holds the keys of the person's own CAs to sign their CRLs; the zip
/// never carries those keys.
pub fn zip(
    set: &IssuedPlan,
    signed: &[(String, String)],
    everything: Option<&Everything>,
    now: time::OffsetDateTime,
) -> Result<Vec<u8>, Error> {
    let file = |name: String, contents: Vec<u8>, private: bool| ExtraFile {
        name,
        contents,
        private,
    };
    let mut extra: Vec<ExtraFile> = signed
        .iter()
        .map(|(stem, pem)| file(format!("{stem}.crt"), pem.clone().into_bytes(), false))
        .collect();
    // The key of a CA the person brought is here only to sign its CRL: the
    // person has it, the zip does not carry it again.
    let mut listed = set.clone();
    for (planned, issued) in listed.plan.entries.iter().zip(listed.entries.iter_mut()) {
        if planned.existing {
            issued.key_pem = None;
        }
    }
    if let Some(Everything { revoked, password }) = everything {
        let password = Pkcs12Password::new(password)?;
        for (planned, issued) in listed.plan.entries.iter().zip(&listed.entries) {
            let name = &issued.name;
            extra.push(file(
                format!("{name}.crt.der"),
                issued.cert_der.clone(),
                false,
            ));
            if issued.key_pem.is_some() {
                let key_file = format!("{name}.key");
                let der = entry_key(set, name)?.to_pkcs8_der()?;
                extra.push(file(format!("{key_file}.der"), der, true));
            }
            if planned.profile.is_ca() && set.entry(name).is_some_and(|e| e.key_pem.is_some()) {
                let crl = crl(set, name, revoked, now)?;
                let der = crl.der.clone();
                extra.push(file(format!("{name}.crl"), crl.pem.into_bytes(), false));
                extra.push(file(format!("{name}.crl.der"), der, false));
            } else if issued.key_pem.is_some() {
                let p12 = set.pkcs12(name, Pkcs12Encoding::Modern, password.clone())?;
                extra.push(file(format!("{name}.p12"), p12, true));
            }
        }
        for (stem, pem) in signed {
            let der = pem::parse(pem)
                .map(pem::Pem::into_contents)
                .map_err(|e| invalid(&format!("{stem}.crt"), e.to_string()))?;
            extra.push(file(format!("{stem}.crt.der"), der, false));
        }
    }
    listed.to_zip_with(&extra)
}

/// The private key of `entry` in `set`.
pub fn entry_key(set: &IssuedPlan, entry: &str) -> Result<KeyPair, Error> {
    let key_pem = set
        .entry(entry)
        .and_then(|e| e.key_pem.as_deref())
        .ok_or_else(|| invalid(entry, "the set holds no private key for this entry"))?;
    certplay_core::read_private_key(Source::new(&format!("{entry}.key"), key_pem.as_bytes()))?
        .into_pair()
}
