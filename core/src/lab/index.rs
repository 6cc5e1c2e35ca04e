//! A whole lab for a set: every case's broken copy, the lines that serve
//! it and connect to it (core's one builder of printed commands), and what
//! each stack is expected to do: `DIR/lab.json` of `certplay lab`, and
//! the table the parity test fills with what each stack then did.

use std::fmt::Write as _;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::case::Case;
use super::clients::{difference, Clients, Expected};
use super::input::server_tls;
use super::mutate::{mutate, CaseFile, ClientSetup, Mutated, ServeSetup};
use super::predict::{predict, Prediction};
use super::setup::{TlsVersion, TlsVersions};
use crate::commands::{shell_line, SClient};
use crate::verify::ReasonKind;
use crate::{Error, IssuedPlan, Plan, San, PLAN_FILE_NAME};

/// The port every printed `certplay serve` listens on, and every curl and
/// openssl line connects to (`certplay serve`'s default).
pub const PORT: u16 = 3001;

/// The file in each case's folder that holds its command lines
/// ([`IndexCase::commands`]).
pub const COMMANDS_FILE: &str = "commands.txt";

/// `lab.json`: every case of one set, in [`Case::ALL`]'s order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabIndex {
    /// The curl and OpenSSL versions the expectations are for.
    pub clients: Clients,
    /// The moment (Unix seconds) the predictions are for.
    pub at: i64,
    /// The port in every command line ([`PORT`]): a test that serves
    /// elsewhere puts its own port in its place.
    pub port: u16,
    /// The cases.
    pub cases: Vec<IndexCase>,
}

/// One case of [`LabIndex`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexCase {
    /// The case (`client-expired`).
    pub name: Case,
    /// What it breaks.
    pub description: String,
    /// How to fix it.
    pub fix: String,
    /// Its folder (the case's name); every file name in the command lines
    /// is relative to it.
    pub dir: String,
    /// `certplay serve`'s arguments.
    pub serve: Vec<String>,
    /// What `certplay serve` warns of as it starts with the case's files
    /// (its `WARN` lines), none for a sound server side or where it
    /// refuses to start (the runs' verdict says so).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serve_warnings: Vec<String>,
    /// The files serve is given, by name.
    pub serve_files: ServeSetup,
    /// The files curl is given, by name (the versions it offers are each
    /// run's).
    pub client_files: ClientSetup,
    /// The names the client expects the server to have (the original
    /// server certificate's).
    pub server_names: Vec<San>,
    /// Where the stacks differ by design, and why.
    pub difference: Option<String>,
    /// One run per TLS version the client offers (one for the case that is
    /// itself about versions).
    pub runs: Vec<IndexRun>,
}

/// One client run of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexRun {
    /// The TLS versions the client offers.
    pub offers: TlsVersions,
    /// curl's arguments.
    pub curl: Vec<String>,
    /// `openssl s_client`'s arguments.
    pub openssl: Vec<String>,
    /// What core predicts (rustls: `certplay serve` and the lab).
    pub prediction: Prediction,
    /// `accepted`, `refused` or `key-mismatch`.
    pub outcome: String,
    /// The reason's kind, for a refusal.
    pub reason: Option<ReasonKind>,
    /// What curl does.
    pub curl_expected: Expected,
    /// What `openssl s_client` does.
    pub openssl_expected: Expected,
}

impl IndexCase {
    /// The case's `commands.txt` (in `certplay lab`'s folders and the
    /// page's zip of a case): what it breaks, its fix, and the lines to run
    /// in its folder, each client line with what it is expected to print.
    pub fn commands(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(text, "# {}: {}", self.name, self.description);
        let _ = writeln!(text, "# fix: {}", self.fix);
        if let Some(difference) = &self.difference {
            let _ = writeln!(text, "# expected difference: {difference}");
        }
        let _ = writeln!(text, "# run in this folder; first the server:");
        let _ = writeln!(text, "{}", shell_line(&self.serve));
        for warning in &self.serve_warnings {
            let _ = writeln!(text, "# certplay serve warns: {warning}");
        }
        for run in &self.runs {
            let version = run
                .prediction
                .version
                .map_or("no common TLS version".to_owned(), |v| v.to_string());
            let _ = writeln!(
                text,
                "\n# {version}: {}; curl: {}",
                run.prediction.verdict.words(),
                run.curl_expected
            );
            let _ = writeln!(text, "{}", shell_line(&run.curl));
            let _ = writeln!(text, "# openssl s_client: {}", run.openssl_expected);
            let _ = writeln!(text, "{}", shell_line(&run.openssl));
        }
        text
    }
}

/// The TLS versions each case's client offers: TLS 1.3 only, then TLS 1.2
/// only; the case about versions keeps its own.
pub fn runs_of(case: Case) -> Vec<Option<TlsVersion>> {
    if case.sets_versions() {
        vec![None]
    } else {
        vec![Some(TlsVersion::Tls13), Some(TlsVersion::Tls12)]
    }
}

/// Every case of `set`, its broken copy and its index entry, predicted at
/// `at` (Unix seconds) for `clients`.
pub fn every_case(
    set: &IssuedPlan,
    at: i64,
    clients: Clients,
) -> Result<(LabIndex, Vec<Mutated>), Error> {
    let mut cases = Vec::new();
    let mut copies = Vec::new();
    for case in Case::ALL {
        let broken = mutate(set, case)?;
        cases.push(index_case(&broken, at, clients)?);
        copies.push(broken);
    }
    let index = LabIndex {
        clients,
        at,
        port: PORT,
        cases,
    };
    Ok((index, copies))
}

/// The index entry of one broken copy.
pub fn index_case(broken: &Mutated, at: i64, clients: Clients) -> Result<IndexCase, Error> {
    let mut runs = Vec::new();
    for version in runs_of(broken.case) {
        let run = match version {
            Some(version) => broken.clone().offering(version.only()),
            None => broken.clone(),
        };
        let prediction = predict(&run, at)?;
        runs.push(IndexRun {
            offers: run.client.versions,
            curl: run.curl_argv("", PORT),
            openssl: openssl_argv(&run, PORT),
            outcome: prediction.verdict.name().into(),
            reason: prediction.verdict.kind(),
            curl_expected: clients.curl(&prediction),
            openssl_expected: clients.openssl(&prediction),
            prediction,
        });
    }
    Ok(IndexCase {
        name: broken.case,
        description: broken.case.description().into(),
        fix: broken.case.fix().into(),
        dir: broken.case.name().into(),
        serve: broken.serve_argv("", PORT),
        serve_warnings: server_tls(broken, &crate::verify::provider::verifying(), at)
            .map(|tls| tls.warnings)
            .unwrap_or_default(),
        serve_files: broken.serve.clone(),
        client_files: broken.client.clone(),
        server_names: broken.server_names.clone(),
        difference: difference(broken.case).map(str::to_owned),
        runs,
    })
}

/// `openssl s_client` for `broken` against its server on `port`.
pub fn openssl_argv(broken: &Mutated, port: u16) -> Vec<String> {
    let listen = SocketAddr::from(([127, 0, 0, 1], port));
    let target = broken.target(listen);
    SClient {
        cacert: &broken.client.cacert,
        client: broken
            .client
            .identity
            .as_ref()
            .map(|(cert, key)| (cert.as_str(), key.as_str())),
        target: &target,
        listen,
    }
    .argv_offering(broken.client.versions)
}

impl Mutated {
    /// The case's folder as `certplay lab` writes it (its files, and
    /// `case`'s [`COMMANDS_FILE`]) in one zip, under the case's name, every
    /// file dated `dated`.
    pub fn to_zip(&self, case: &IndexCase, dated: time::OffsetDateTime) -> Result<Vec<u8>, Error> {
        let commands = case.commands();
        let named: Vec<(String, &[u8], bool)> = self
            .files
            .iter()
            .map(|f| (f.name.as_str(), f.contents.as_bytes(), f.private))
            .chain([(COMMANDS_FILE, commands.as_bytes(), false)])
            .map(|(name, contents, private)| (format!("{}/{name}", case.dir), contents, private))
            .collect();
        crate::zip_files(named.iter().map(|(n, c, p)| (n.as_str(), *c, *p)), dated)
    }

    /// The broken copy `case` describes, from its folder's `files` (as
    /// `certplay lab` wrote them, the plan among them: it must read).
    pub fn from_index(case: &IndexCase, files: Vec<CaseFile>) -> Result<Self, Error> {
        files
            .iter()
            .find(|f| f.name == PLAN_FILE_NAME)
            .map(|f| Plan::from_toml(&f.contents))
            .ok_or_else(|| {
                Error::input("lab case", format!("{} has no {PLAN_FILE_NAME}", case.dir))
            })??;
        Ok(Self {
            case: case.name,
            files,
            serve: case.serve_files.clone(),
            client: case.client_files.clone(),
            server_names: case.server_names.clone(),
        })
    }
}
