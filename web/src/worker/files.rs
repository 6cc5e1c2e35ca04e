//! The files the worker makes from a kept set: CRLs, the zip, DER keys,
//! and a person's own CA read and checked.

use certplay_core::read::lint::{self, LintId};
use certplay_core::read::Certificate;
use certplay_core::{
    CrlParams, Error, ExistingChain, ExtraFile, GivenCa, IssuedCrl, IssuedEntry, IssuedPlan,
    KeyPair, Pkcs12Encoding, Pkcs12Password, Revocation, RevocationReason, Source,
};

use crate::protocol::{Everything, CRL_DAYS};

/// A CA a person brought, as read and checked: its certificate (with the
/// chain above it) and key.
pub struct OwnCa {
    /// Every certificate given, DER: the issuing CA first, then the ones
    /// above it, nearest first.
    pub chain: Vec<Vec<u8>>,
    /// Its private key, unencrypted PKCS#8 DER (it stays in the worker).
    pub key_der: Vec<u8>,
    /// What the page shows: subject, key type, validity (and the chain
    /// above it).
    pub summary: String,
    /// What verifiers will say of its dates, in core's lint words, and
    /// what rustls will refuse below it (core's
    /// [`GivenCa::rustls_warning`]).
    pub warnings: Vec<String>,
    /// The chain as the plan needs it, the issuing CA first.
    pub links: Vec<certplay_core::GivenLink>,
}

/// Reads a person's CA with the chain above it and checks them as
/// `certplay issue --ca-cert --ca-key` does ([`ExistingChain`]: sorted by
/// who signed whom, each a CA that may sign, the key is the lowest one's);
/// what verifiers will say of their dates comes from core's lints.
pub fn load_ca(
    cert: Source<'_>,
    key: Source<'_>,
    password: Option<&str>,
    now: time::OffsetDateTime,
) -> Result<OwnCa, Error> {
    let ders: Vec<Vec<u8>> = certplay_core::read_certificates(cert)?
        .into_iter()
        .map(|c| c.der.to_vec())
        .collect();
    if ders.is_empty() {
        return Err(invalid(cert.name, "no certificate in this file"));
    }
    let pair = certplay_core::read_private_key(key.with_password(password))?.into_pair()?;
    let key_der = pair.to_pkcs8_der()?;
    let key_type = pair.description();
    let chain =
        ExistingChain::from_certificates(cert.name, &ders, key.name, pair, now.unix_timestamp())?;
    let sorted: Vec<&Certificate> = std::iter::once(chain.issuing.given().certificate())
        .chain(chain.above.iter().map(GivenCa::certificate))
        .collect();
    let warnings = sorted
        .iter()
        .flat_map(|info| lint::certificate(info, now.unix_timestamp()))
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
        .chain(
            std::iter::once(chain.issuing.given())
                .chain(&chain.above)
                .filter_map(|ca| ca.rustls_warning(cert.name)),
        )
        .collect();
    let info = chain.issuing.given().certificate();
    let mut summary = format!(
        "{}, {key_type}, valid from {} to {}",
        info.subject, info.not_before, info.not_after
    );
    if !chain.above.is_empty() {
        let above: Vec<String> = chain.above.iter().map(GivenCa::subject).collect();
        let anchor = if chain.root_given() {
            "up to the root"
        } else {
            "the root not given: the topmost is what servers must trust"
        };
        summary.push_str(&format!("; above it {} ({anchor})", above.join(", then ")));
    } else if !chain.root_given() {
        summary.push_str("; its root not given: it is what servers must trust");
    }
    Ok(OwnCa {
        links: chain.links(),
        chain: sorted.iter().map(|c| c.der.clone()).collect(),
        key_der,
        summary,
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
