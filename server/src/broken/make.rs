//! The certificates of `certplay serve --broken`: one plan issued at one
//! moment (core's plan and issuing), then what a plan cannot say made with
//! the lab's mutations: the X.509 v1 certificate, the RSA-1024 one, and the
//! CRL that revokes the `revoked` certificate.

use certplay_core::lab;
use certplay_core::{
    read_private_key, CrlParams, Entry, IssuedPlan, KeyPair, Materials, Plan, Preset, Revocation,
    RevocationReason, San, Source, Subject, Validity,
};

use super::Endpoint;
use crate::Error;

/// The certificates of every endpoint, made at one moment.
pub(super) struct Made {
    pub(super) issued: IssuedPlan,
    pub(super) crl_pem: String,
    /// The x509-v1 endpoint's certificate.
    v1_pem: String,
    /// The rsa-1024 endpoint's certificate and key.
    weak: (String, String),
}

/// The plan every endpoint's certificate comes from: a root CA and an
/// intermediate (ca.crt is the root), another root no client trusts, one
/// server entry per endpoint that serves its own certificate, and a
/// client.
fn plan() -> Result<Plan, Error> {
    let base = Preset::Intermediate.plan();
    let entry = |name: &str| {
        base.entry(name)
            .cloned()
            .ok_or_else(|| Error::Usage(format!("the intermediate preset has no {name} entry")))
    };
    let template = entry("server")?;
    let ca = Entry {
        subject: Subject::cn("certplay broken CA"),
        ..entry("ca")?
    };
    let intermediate = Entry {
        subject: Subject::cn("certplay broken intermediate CA"),
        ..entry("intermediate")?
    };
    let other = Entry {
        name: "other-ca".into(),
        subject: Subject::cn("certplay untrusted CA"),
        ..ca.clone()
    };
    let client = entry("client")?;
    let server = |endpoint: Endpoint, issuer: Option<&str>| Entry {
        name: endpoint.name().into(),
        issuer: issuer.map(str::to_owned),
        ..template.clone()
    };
    let below = Some(intermediate.name.as_str());
    let entries = vec![
        server(Endpoint::Good, below),
        Entry {
            validity: Validity::Relative {
                days: 30,
                starts_in_days: -60,
            },
            ..server(Endpoint::Expired, below)
        },
        Entry {
            validity: Validity::Relative {
                days: 365,
                starts_in_days: 30,
            },
            ..server(Endpoint::NotYetValid, below)
        },
        Entry {
            sans: vec![San::DnsName(lab::OTHER_NAME.into())],
            subject: Subject::cn(lab::OTHER_NAME),
            ..server(Endpoint::WrongHost, below)
        },
        server(Endpoint::SelfSigned, None),
        server(Endpoint::UntrustedRoot, Some(other.name.as_str())),
        server(Endpoint::IncompleteChain, below),
        // Issued by the root, so that a client checks the one CRL the
        // root signs (OpenSSL's CRL check covers every CA below the root).
        server(Endpoint::Revoked, Some(ca.name.as_str())),
        Entry {
            sans: Vec::new(),
            ..server(Endpoint::NoSubjectAltName, below)
        },
        server(Endpoint::X509V1, below),
        server(Endpoint::Rsa1024, below),
        Entry {
            issuer: Some(ca.name.clone()),
            ..client
        },
    ];
    Ok(Plan {
        key_type: base.key_type,
        entries: [ca, intermediate, other]
            .into_iter()
            .chain(entries)
            .collect(),
    })
}

/// Issues the plan now, then makes what a plan cannot say: the v1
/// certificate, the RSA-1024 one (its key is of a size certplay does not
/// issue), and the CRL revoking the `revoked` certificate.
pub(super) fn make() -> Result<Made, Error> {
    let issued = crate::issuing::issue_plan(&plan()?, Materials::default())?;
    let intermediate = pair_of(&issued, "intermediate")?;
    let der = |name: &str| {
        issued
            .entry(name)
            .map(|e| e.cert_der.clone())
            .ok_or_else(|| Error::Usage(format!("no {name} certificate was issued")))
    };
    let v1_pem = lab::certificate_pem(&lab::to_v1(&der(Endpoint::X509V1.name())?, &intermediate)?);
    let (weak_key, weak_spki) = lab::rsa_key(1024)?;
    let weak_pem = lab::certificate_pem(&lab::with_public_key(
        &der(Endpoint::Rsa1024.name())?,
        &weak_spki,
        &intermediate,
    )?);
    let serial = issued
        .entry(Endpoint::Revoked.name())
        .and_then(|e| e.serial())
        .ok_or_else(|| Error::Usage("the revoked certificate has no serial".into()))?;
    let revoked = Revocation {
        serial,
        reason: RevocationReason::KeyCompromise,
        revoked_at: issued.issued_at,
    };
    let crl_pem = issued
        .issue_crl("ca", &CrlParams::new(issued.issued_at, 30, vec![revoked]))?
        .pem;
    Ok(Made {
        issued,
        crl_pem,
        v1_pem,
        weak: (weak_pem, weak_key),
    })
}

/// The chain (PEM) and key (PKCS#8 PEM) `endpoint` serves.
pub(super) fn served(made: &Made, endpoint: Endpoint) -> Result<(String, String), Error> {
    let issued = &made.issued;
    let name = endpoint.entry();
    let intermediate = pem_of(issued, "intermediate")?;
    let own_chain = || {
        issued
            .entry(name)
            .and_then(|e| e.chain_pem.clone().or_else(|| Some(e.cert_pem.clone())))
            .ok_or_else(|| Error::Usage(format!("no {name} certificate was issued")))
    };
    let chain = match endpoint {
        Endpoint::SelfSigned
        | Endpoint::UntrustedRoot
        | Endpoint::IncompleteChain
        | Endpoint::Revoked => pem_of(issued, name)?,
        Endpoint::X509V1 => format!("{}{intermediate}", made.v1_pem),
        Endpoint::Rsa1024 => format!("{}{intermediate}", made.weak.0),
        _ => own_chain()?,
    };
    let key = match endpoint {
        Endpoint::Rsa1024 => made.weak.1.clone(),
        _ => key_of(issued, name)?,
    };
    Ok((chain, key))
}

pub(super) fn pem_of(issued: &IssuedPlan, name: &str) -> Result<String, Error> {
    issued
        .entry(name)
        .map(|e| e.cert_pem.clone())
        .ok_or_else(|| Error::Usage(format!("no {name} certificate was issued")))
}

pub(super) fn key_of(issued: &IssuedPlan, name: &str) -> Result<String, Error> {
    issued
        .entry(name)
        .and_then(|e| e.key_pem.clone())
        .ok_or_else(|| Error::Usage(format!("no {name} key was made")))
}

fn pair_of(issued: &IssuedPlan, name: &str) -> Result<KeyPair, Error> {
    let pem = key_of(issued, name)?;
    let file = format!("{name}.key");
    Ok(read_private_key(Source::new(&file, pem.as_bytes()))?.into_pair()?)
}
