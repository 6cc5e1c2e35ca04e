//! The commands that try the downloaded files, with the plan's file names:
//! the server's chain file for `--cert` when it has one (a server under an
//! intermediate must send it), one curl per client with its chain file.

use certplay_core::commands::{shell_word, Curl, HostName, Serve, Target};
use certplay_core::{Entry, IssuedPlan, Plan};

use crate::protocol::{Card, CardField};

/// The port the commands use: 3001, so that the mTLS server does not collide
/// with the `certplay` that serves this page (3000 or 8080).
pub const PORT: u16 = 3001;

/// The commands shown under "Next steps".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextSteps {
    /// `#next-serve`: run the mTLS server with the issued files.
    pub serve: String,
    /// `#next-curl`: the requests that succeed, one line per client.
    pub curl: String,
    /// `#next-curl-no-cert`: the same request without a client
    /// certificate, which the server refuses.
    pub curl_without_certificate: String,
}

/// Which files play which part, as file names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles {
    /// The root certificate both sides trust (`--ca`, `--cacert`).
    pub ca: String,
    /// The server's certificate (its chain file if it has one) and key.
    pub server: Option<(String, String)>,
    /// The server's names (host names and IP addresses).
    pub server_names: Vec<HostName>,
    /// Each client's certificate (chain file if any) and key.
    pub clients: Vec<(String, String)>,
}

impl Roles {
    /// The parts in an issued plan: the first entry that serves is the
    /// server; entries with the client profile are the clients.
    pub fn of(issued: &IssuedPlan) -> Self {
        let plan = &issued.plan;
        let cert = |entry: &Entry| {
            let chained = issued
                .entry(&entry.name)
                .is_some_and(|e| e.chain_pem.is_some());
            if chained {
                format!("{}-chain.crt", entry.name)
            } else {
                format!("{}.crt", entry.name)
            }
        };
        let root = |entry: &Entry| {
            format!(
                "{}.crt",
                plan.issuers_of(entry)
                    .last()
                    .map_or(&entry.name, |e| &e.name)
            )
        };
        let server = plan.entries.iter().find(|e| e.profile.serves());
        let clients: Vec<&Entry> = plan
            .entries
            .iter()
            .filter(|e| e.profile.is_client() && Some(*e) != server)
            .collect();
        let ca = server
            .or_else(|| clients.first().copied())
            .map(root)
            .unwrap_or_else(|| "ca.crt".into());
        Self {
            ca,
            server: server.map(|s| (cert(s), format!("{}.key", s.name))),
            server_names: server.map(server_names).unwrap_or_default(),
            clients: clients
                .iter()
                .map(|c| (cert(c), format!("{}.key", c.name)))
                .collect(),
        }
    }

    /// The roles of a plan's blog shape, before anything is issued.
    pub fn blog(plan: &Plan) -> Self {
        Self {
            ca: "ca.crt".into(),
            server: Some(("server.crt".into(), "server.key".into())),
            server_names: plan.entry("server").map(server_names).unwrap_or_default(),
            clients: vec![("client.crt".into(), "client.key".into())],
        }
    }
}

fn server_names(entry: &Entry) -> Vec<HostName> {
    HostName::from_sans(&entry.sans)
}

/// The commands for `roles`, built by core's one builder of printed
/// commands: curl connects to one of the server's names, `localhost`, or
/// another DNS name (`--resolve`), or an address (`--connect-to`).
pub fn next_steps(roles: &Roles) -> NextSteps {
    let ca = &roles.ca;
    let Some((cert, key)) = &roles.server else {
        let none = "# this plan has no server certificate: add an entry with the server profile"
            .to_owned();
        return NextSteps {
            serve: none.clone(),
            curl: none.clone(),
            curl_without_certificate: none,
        };
    };
    let serve = Serve {
        ca,
        cert,
        key,
        crls: &[],
        port: PORT,
    };
    let target = Target::new(&roles.server_names, serve.listens_on());
    let curl = |client: Option<(&str, &str)>| {
        Curl {
            cacert: ca,
            client,
            target: &target,
        }
        .line()
    };
    let serve = serve.line();
    let curl_without_certificate = curl(None);
    let curl = if roles.clients.is_empty() {
        "# this plan has no client certificate: add a client to try mutual TLS".to_owned()
    } else {
        roles
            .clients
            .iter()
            .map(|(cert, key)| curl(Some((cert, key))))
            .collect::<Vec<_>>()
            .join("\n")
    };
    NextSteps {
        serve,
        curl,
        curl_without_certificate,
    }
}

/// Core's note naming the file servers and clients must trust when a CA
/// brought as "my own CA" came without its root (its subject and issuer as
/// the worker read them back for the cards, in plan order), with the
/// page's way to give the root.
pub fn anchor_note(plan: &Plan, cards: &[Card]) -> Option<String> {
    let top = plan.unrooted_anchor()?;
    let at = plan.entries.iter().position(|e| e.name == top.name)?;
    let fields = cards.get(at)?.as_ref().ok()?;
    let field = |wanted: CardField| {
        fields
            .iter()
            .find(|(field, _)| *field == wanted)
            .map(|(_, value)| value.as_str())
    };
    let note = certplay_core::trust_note(
        &format!("{}.crt", top.name),
        field(CardField::Subject)?,
        field(CardField::Issuer)?,
    );
    Some(format!(
        "Note: {note}. Pick a certificate file that holds the root too (beside your CA, in any \
         order) to have the root among the files."
    ))
}

/// The command that issues the page's plan file (`certplay-plan.toml`)
/// again. A plan whose CA is the person's own (`existing`) needs that CA
/// with the chain above it: each certificate (`NAME.crt`, among the
/// downloads) and `key_file`, the issuing CA's key as they picked it (the
/// page does not offer it again);
/// `encrypted` adds the flag for its password (never the password itself).
/// It writes into `pki/`, so that it runs as printed where the page's files
/// were downloaded.
pub fn reproduce(plan: &Plan, key_file: Option<&str>, encrypted: bool) -> String {
    let mut command = "certplay issue --plan certplay-plan.toml".to_owned();
    // The issuing CA is the existing entry that signs the others' leaves;
    // the chain above it is given too (the downloads hold each certificate
    // in its own file), in any order.
    let existing: Vec<&Entry> = plan.entries.iter().filter(|e| e.existing).collect();
    let issuing = existing
        .iter()
        .find(|e| !existing.iter().any(|o| o.issuer.as_ref() == Some(&e.name)));
    if let Some(own) = issuing {
        let key = key_file.map_or_else(|| format!("{}.key", own.name), str::to_owned);
        for entry in &existing {
            command.push_str(&format!(
                " --ca-cert {}",
                shell_word(&format!("{}.crt", entry.name))
            ));
        }
        command.push_str(&format!(" --ca-key {}", shell_word(&key)));
        if encrypted {
            command.push_str(" --ca-key-pass env:CA_KEY_PASS");
        }
    }
    // A folder of its own: where the downloads are, the plan file and the
    // CA's certificates already exist, and certplay replaces nothing.
    command.push_str(" --out pki");
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    use certplay_core::Preset;

    fn names(list: &[&str]) -> Roles {
        let sans: Vec<certplay_core::San> = list.iter().map(|s| s.parse().unwrap()).collect();
        Roles {
            server_names: HostName::from_sans(&sans),
            ..Roles::blog(&Plan::default())
        }
    }

    #[test]
    fn the_roles_follow_the_plan() {
        let mut plan = Preset::Intermediate.plan();
        plan.set_clients(&["alice".into(), "bob".into()]);
        let issued = plan.issue().unwrap();
        let steps = next_steps(&Roles::of(&issued));
        assert_eq!(
            steps.serve,
            "certplay serve --ca ca.crt --cert server-chain.crt --key server.key --port 3001"
        );
        assert_eq!(
            steps.curl,
            "curl --cacert ca.crt --cert alice-chain.crt --key alice.key https://localhost:3001\n\
             curl --cacert ca.crt --cert bob-chain.crt --key bob.key https://localhost:3001"
        );
        let blog = Plan::default().issue().unwrap();
        assert_eq!(Roles::of(&blog), Roles::blog(&Plan::default()));
    }

    #[test]
    fn the_blogs_names_give_the_blogs_commands() {
        let steps = next_steps(&names(&["localhost", "127.0.0.1", "::1"]));
        assert_eq!(
            steps.serve,
            "certplay serve --ca ca.crt --cert server.crt --key server.key --port 3001"
        );
        assert_eq!(
            steps.curl,
            "curl --cacert ca.crt --cert client.crt --key client.key https://localhost:3001"
        );
        assert_eq!(
            steps.curl_without_certificate,
            "curl --cacert ca.crt https://localhost:3001"
        );
    }

    #[test]
    fn the_command_line_names_an_own_ca() {
        let mut plan = Plan::default();
        assert_eq!(
            reproduce(&plan, None, false),
            "certplay issue --plan certplay-plan.toml --out pki"
        );
        plan.use_existing_root();
        assert_eq!(
            reproduce(&plan, Some("ca.key"), false),
            "certplay issue --plan certplay-plan.toml --ca-cert ca.crt --ca-key ca.key --out pki"
        );
        assert_eq!(
            reproduce(&plan, Some("my CA's key.pem"), true),
            "certplay issue --plan certplay-plan.toml --ca-cert ca.crt \
             --ca-key 'my CA'\\''s key.pem' --ca-key-pass env:CA_KEY_PASS --out pki"
        );
        // An intermediate with its root: both certificates, its key.
        let mut chained = Plan::default();
        let link = |root: bool, common_name: &str| certplay_core::GivenLink {
            root,
            common_name: common_name.into(),
        };
        chained.stand_in("ca", &[link(false, "Issuing"), link(true, "Root")]);
        assert_eq!(
            reproduce(&chained, Some("inter.key"), false),
            "certplay issue --plan certplay-plan.toml --ca-cert ca.crt \
             --ca-cert intermediate.crt --ca-key inter.key --out pki"
        );
    }

    #[test]
    fn other_names_are_reachable_on_loopback() {
        // An address it does not listen on: curl connects to where it does.
        assert!(next_steps(&names(&["::1"]))
            .curl
            .ends_with(" --connect-to '[::1]:3001:127.0.0.1:3001' 'https://[::1]:3001'"));
        assert!(next_steps(&names(&["127.0.0.2"]))
            .curl
            .ends_with(" --connect-to 127.0.0.2:3001:127.0.0.1:3001 https://127.0.0.2:3001"));
        assert!(next_steps(&names(&["127.0.0.1", "localhost"]))
            .curl
            .ends_with(" https://localhost:3001"));
        assert!(next_steps(&names(&["API.example.test"]))
            .curl
            .ends_with(" --resolve api.example.test:3001:127.0.0.1 https://api.example.test:3001"));
        assert!(next_steps(&names(&["*.example.test"]))
            .curl
            .ends_with(" https://www.example.test:3001"));
    }
}
