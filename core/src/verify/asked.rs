//! What a server asks of a client certificate (its CertificateRequest: the
//! CA names it accepts), and whether a client's chain would suit it, told
//! before or beside the handshake: `certplay connect` prints it next to
//! the server's alert, and the page can say it of a pasted
//! "Acceptable client certificate CA names" block.

use std::fmt;

use rustls::AlertDescription;
use serde::Serialize;

use super::{alert_name, Reason};
use crate::escape::escape;
use crate::read::model::{Name, Oid, Time};
use crate::read::{Certificate, SClient};

/// Why a server that asked with these CA names would likely refuse a
/// client's chain, one finding each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Misfit {
    /// No certificate of the chain names, as its issuer or its subject, one
    /// of the CA names the server listed: the chain does not lead to a CA
    /// it trusts (a client picking by these names would not send it).
    NotFromAskedCa {
        /// The issuers the chain leads to, from the leaf up.
        issuers: Vec<Name>,
        /// The CA names the server listed.
        asked: Vec<Name>,
    },
    /// A certificate of the chain that any verifier refuses as it is
    /// (expired, not yet valid, without clientAuth, X.509 v1).
    Refused(Reason),
}

impl fmt::Display for Misfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFromAskedCa { issuers, asked } => write!(
                f,
                "not from a CA it asked for: the chain leads to {}, and the server listed {}",
                names(issuers),
                names(asked)
            ),
            Self::Refused(reason) => write!(f, "{reason}"),
        }
    }
}

/// A server's alert about the client's certificate, in the client's
/// words: the mirror of [`Reason::ServerCertificateRefused`], which is the
/// server's view of a client's alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClientCertificateRefused {
    /// The alert the server sent.
    #[serde(with = "super::alert::serde_alert")]
    pub alert: AlertDescription,
}

impl fmt::Display for ClientCertificateRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server ended the handshake with TLS alert {}",
            alert_name(self.alert)
        )?;
        f.write_str(match self.alert {
            AlertDescription::CertificateRequired => {
                ": it requires a client certificate and got none"
            }
            AlertDescription::HandshakeFailure => {
                ": no certificate it accepts (OpenSSL servers send this when a required \
                 certificate is missing)"
            }
            AlertDescription::UnknownCA => {
                ": it does not trust the CA that issued the client certificate (or an \
                 intermediate it needs was not sent)"
            }
            AlertDescription::BadCertificate => {
                ": it refused the client certificate (a signature that does not verify, a \
                 chain it cannot build)"
            }
            AlertDescription::DecryptError => {
                ": a signature does not verify: the client certificate's, with the CA it \
                 trusts (a CA with the same name and another key?), or the proof of the \
                 client's key"
            }
            AlertDescription::UnsupportedCertificate => {
                ": the client certificate's key type or purpose does not suit it (no \
                 clientAuth in extendedKeyUsage?)"
            }
            AlertDescription::CertificateExpired => {
                ": it finds the client certificate expired or not yet valid"
            }
            AlertDescription::CertificateRevoked => ": it finds the client certificate revoked",
            AlertDescription::CertificateUnknown => {
                ": it refused the client certificate for a reason it does not name"
            }
            AlertDescription::AccessDenied => {
                ": the client certificate is valid, but not allowed in"
            }
            AlertDescription::ProtocolVersion => ": no TLS version in common",
            _ => "",
        })
    }
}

fn names(list: &[Name]) -> String {
    if list.is_empty() {
        return "no name".into();
    }
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The findings for a client `chain` (leaf first, then what is sent with
/// it) at `at` (Unix seconds), against the CA names a server listed
/// (`asked`; an empty list names none, so any chain may do). Empty: nothing
/// certplay can see stands against it (the server may still not trust the
/// CA that carries a listed name).
pub fn misfits(chain: &[Certificate], asked: &[Name], at: i64) -> Vec<Misfit> {
    let mut found = Vec::new();
    let listed = |name: &Name| asked.iter().any(|a| !a.rdns.is_empty() && a.same_as(name));
    if !asked.is_empty()
        && !chain
            .iter()
            .any(|c| listed(&c.issuer) || (c.is_ca() && listed(&c.subject)))
    {
        found.push(Misfit::NotFromAskedCa {
            issuers: chain.iter().map(|c| c.issuer.clone()).collect(),
            asked: asked.to_vec(),
        });
    }
    let Some(leaf) = chain.first() else {
        return found;
    };
    for c in chain {
        if c.not_after.0 < at {
            found.push(Misfit::Refused(Reason::Expired {
                subject: Some(c.subject.clone()),
                not_after: c.not_after,
                at: Time(at),
            }));
        } else if c.not_before.0 > at {
            found.push(Misfit::Refused(Reason::NotYetValid {
                subject: Some(c.subject.clone()),
                not_before: c.not_before,
                at: Time(at),
            }));
        }
    }
    let client_auth = Oid::new(const_oid::db::rfc5280::ID_KP_CLIENT_AUTH);
    if let Some(purposes) = leaf.extended_key_usage() {
        if !purposes.contains(&client_auth) {
            found.push(Misfit::Refused(Reason::WrongPurpose {
                subject: Some(leaf.subject.clone()),
                required: client_auth,
                present: purposes.to_vec(),
            }));
        }
    }
    if leaf.version == 1 {
        found.push(Misfit::Refused(Reason::V1Certificate {
            subject: Some(leaf.subject.clone()),
        }));
    }
    found
}

/// certplay's prediction in words, one line each, for a server that
/// asked (`asked`) with CA names against which a client chain was found to
/// have `misfits`: what `certplay connect` prints beside the server's own
/// answer, and the inspector says of pasted `openssl s_client` output.
pub fn prediction(asked: bool, misfits: &[Misfit]) -> Vec<String> {
    if !asked {
        return vec![
            "not asked for: the server did not request a client certificate, so a client \
             sends none"
                .into(),
        ];
    }
    if misfits.is_empty() {
        return vec![
            "nothing it can see stands against this certificate (the server still decides \
             whether it trusts the CA that carries a listed name)"
                .into(),
        ];
    }
    misfits.iter().map(ToString::to_string).collect()
}

/// What pasted `openssl s_client` output says the server asks of client
/// certificates, and certplay's prediction for each client certificate
/// given: what `certplay inspect --client` and the page's inspector show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerAsks {
    /// The server sent a CertificateRequest.
    pub asks_for_client_certificate: bool,
    /// The CA names it listed, RFC 4514.
    pub ca_names: Vec<String>,
    /// Lines of the CA names block that are not names, as pasted.
    pub unreadable_names: Vec<String>,
    /// One per client certificate given.
    pub clients: Vec<ClientPrediction>,
}

/// certplay's prediction for one client certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientPrediction {
    /// Where it came from (a file name, an issued entry).
    pub label: String,
    /// Its subject.
    pub subject: String,
    /// Asked for, and nothing certplay can see stands against it.
    pub fits: bool,
    /// What stands against it.
    pub misfits: Vec<Misfit>,
    /// [`prediction`]'s words.
    pub words: Vec<String>,
}

impl ServerAsks {
    /// The prediction at `at` (Unix seconds) for each of `clients` (a
    /// label and the chain, leaf first) against what `server` asked.
    pub fn predict(server: &SClient, clients: &[(String, Vec<Certificate>)], at: i64) -> Self {
        Self {
            asks_for_client_certificate: server.asked,
            ca_names: server.ca_names.iter().map(ToString::to_string).collect(),
            unreadable_names: server.unreadable_names.clone(),
            clients: clients
                .iter()
                .map(|(label, chain)| {
                    let found = misfits(chain, &server.ca_names, at);
                    ClientPrediction {
                        label: label.clone(),
                        subject: chain
                            .first()
                            .map(|c| c.subject.to_string())
                            .unwrap_or_default(),
                        fits: server.asked && found.is_empty(),
                        words: prediction(server.asked, &found),
                        misfits: found,
                    }
                })
                .collect(),
        }
    }
}

impl fmt::Display for ServerAsks {
    /// Several lines, each ending in a newline, escaped for a terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("openssl s_client output: ")?;
        if !self.asks_for_client_certificate {
            f.write_str("the server did not ask for a client certificate\n")?;
        } else if self.ca_names.is_empty() {
            f.write_str(
                "the server asks for a client certificate and lists no CA names (any \
                 certificate may be sent)\n",
            )?;
        } else {
            writeln!(
                f,
                "the server asks for a client certificate; CA names it lists ({}):",
                self.ca_names.len()
            )?;
            for name in &self.ca_names {
                writeln!(f, "  {}", escape(name))?;
            }
        }
        for line in &self.unreadable_names {
            writeln!(f, "  not a name certplay reads: {}", escape(line))?;
        }
        for client in &self.clients {
            let verdict = if client.fits {
                "likely accepted"
            } else if self.asks_for_client_certificate {
                "likely refused"
            } else {
                "not sent"
            };
            writeln!(
                f,
                "with the client certificate {} ({}): {verdict}",
                escape(&client.subject),
                escape(&client.label)
            )?;
            for line in &client.words {
                writeln!(f, "  certplay's prediction: {}", escape(line))?;
            }
        }
        Ok(())
    }
}

// Issuing needs the native key generators.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::read::read_name;
    use crate::Plan;

    fn issued() -> (Certificate, Certificate) {
        let set = Plan::default().issue().expect("the default set issues");
        let cert = |name: &str| {
            let entry = set
                .entries
                .iter()
                .find(|e| e.name == name)
                .expect("the default set has it");
            Certificate::from_der(entry.cert_der.as_ref()).expect("it reads")
        };
        (cert("ca"), cert("client"))
    }

    #[test]
    fn a_client_of_a_listed_ca_fits_and_others_do_not() {
        let (ca, client) = issued();
        let now = client.not_before.0.saturating_add(60);
        let asked = read_name(&ca.subject.der).expect("a name reads back");
        assert_eq!(asked, ca.subject);
        assert!(misfits(
            std::slice::from_ref(&client),
            std::slice::from_ref(&asked),
            now
        )
        .is_empty());
        assert!(misfits(std::slice::from_ref(&client), &[], now).is_empty());

        let other = read_name(&client.subject.der).expect("reads");
        let found = misfits(std::slice::from_ref(&client), &[other], now);
        assert!(
            matches!(found.as_slice(), [Misfit::NotFromAskedCa { .. }]),
            "{found:?}"
        );
        assert!(found[0].to_string().contains("CN=my-ca"), "{}", found[0]);

        let later = client.not_after.0.saturating_add(1);
        let found = misfits(std::slice::from_ref(&client), &[asked], later);
        assert!(
            matches!(found.as_slice(), [Misfit::Refused(Reason::Expired { .. })]),
            "{found:?}"
        );
    }

    #[test]
    fn a_server_certificate_lacks_client_auth() {
        let set = Plan::default().issue().expect("issues");
        let server = set
            .entries
            .iter()
            .find(|e| e.name == "server")
            .expect("has a server");
        let server = Certificate::from_der(server.cert_der.as_ref()).expect("reads");
        let found = misfits(std::slice::from_ref(&server), &[], server.not_before.0);
        assert!(
            matches!(
                found.as_slice(),
                [Misfit::Refused(Reason::WrongPurpose { .. })]
            ),
            "{found:?}"
        );
    }

    #[test]
    fn garbage_is_not_a_name() {
        assert!(read_name(&[0x30, 0x05, 0x01]).is_err());
        assert!(read_name(&[]).is_err());
    }
}
