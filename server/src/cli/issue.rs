//! `certplay issue`: a plan (the blog's set, a preset, or a plan file, with
//! flags for the common changes) issued natively into a directory.

use std::path::{Path, PathBuf};
use std::time::Instant;

use certplay_core::commands::{Curl, HostName, Serve, Target};
use certplay_core::{
    FileKind, IssuedPlan, KeyType, Materials, OutputFile, Plan, Preset, Profile, San,
};
use clap::Args;

use crate::cli::{input, output};
use crate::issuing::{issue_plan, write_files};
use crate::Error;

/// Issue a PKI into a directory: by default the blog's set (ca, server,
/// client); any shape with --preset, --plan or the flags below.
///
/// Examples:
///   certplay issue --out pki
///   certplay issue --out pki --key-type p384 --intermediate --client alice --client bob
///   certplay issue --out pki --plan certplay-plan.toml
///   certplay issue --out more --ca-cert ca.crt --ca-key ca.key --client carol
///   certplay issue --out pki --key server=my-server.key
///
/// Every file is new: nothing that exists is replaced unless --force. Keys
/// are written with mode 0600, the directory is created with mode 0700.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct IssueArgs {
    /// Directory to write into (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// Start from a preset: blog, intermediate, two-clients, server-only.
    #[arg(long, value_name = "NAME", conflicts_with = "plan")]
    preset: Option<Preset>,
    /// Start from a plan file (TOML, as written into certplay-plan.toml; or JSON).
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// Key type of every entry: rsa2048, rsa3072, rsa4096, p256, p384, ed25519.
    #[arg(long, value_name = "TYPE")]
    key_type: Option<KeyType>,
    /// Days until every certificate expires.
    #[arg(long, value_name = "N")]
    days: Option<u32>,
    /// The server's subjectAltNames, repeated (DNS name, IP address, or
    /// DNS:/IP:/email:/URI: prefixed); replaces the defaults.
    #[arg(long, value_name = "NAME")]
    san: Vec<San>,
    /// A client certificate with this name (file stem and CN), repeated;
    /// replaces the default `client`.
    #[arg(long, value_name = "NAME")]
    client: Vec<String>,
    /// Put an intermediate CA between the root and the leaves (each leaf
    /// then also gets NAME-chain.crt).
    #[arg(long)]
    intermediate: bool,
    /// Issue from a CA you already have instead of making a root: its
    /// certificate (PEM or DER), followed by the chain above it when it is
    /// an intermediate (any order; up to and including the root, or the
    /// root left out; in one file or with --ca-cert repeated). Each CA
    /// above it becomes a certificate-only entry.
    #[arg(long, value_name = "FILE", requires = "ca_key")]
    ca_cert: Vec<PathBuf>,
    /// ... and the private key of the issuing CA (the lowest of --ca-cert; PEM or DER: PKCS#8, PKCS#1, SEC1, or
    /// encrypted PKCS#8 with --ca-key-pass).
    #[arg(long, value_name = "FILE", requires = "ca_cert")]
    ca_key: Option<PathBuf>,
    /// The password of an encrypted --ca-key: pass:TEXT, env:VARIABLE or file:PATH.
    #[arg(long, value_name = "SPEC", requires = "ca_key")]
    ca_key_pass: Option<String>,
    /// Use a private key you have for an entry instead of a new one
    /// (ENTRY=FILE, repeated; PEM or DER, PKCS#8/PKCS#1/SEC1 or encrypted
    /// PKCS#8 with --key-pass). The entry takes the key's type; its key
    /// file is not written (you have it).
    #[arg(long, value_name = "ENTRY=FILE")]
    key: Vec<String>,
    /// The password of encrypted --key files: pass:TEXT, env:VARIABLE or file:PATH.
    #[arg(long, value_name = "SPEC")]
    key_pass: Option<String>,
    /// Replace files that already exist in --out.
    #[arg(long)]
    force: bool,
}

/// `certplay issue`.
pub fn run(args: &IssueArgs) -> Result<(), Error> {
    let mut plan = match (&args.plan, args.preset) {
        (Some(path), _) => input::plan(path)?,
        (None, Some(preset)) => preset.plan(),
        (None, None) => Plan::default(),
    };
    if let Some(key_type) = args.key_type {
        plan.set_key_type(key_type);
    }
    if args.intermediate {
        plan.add_intermediate();
    }
    if !args.client.is_empty() {
        plan.set_clients(&args.client);
    }
    if !args.san.is_empty() {
        plan.set_server_sans(&args.san);
    }
    if let Some(days) = args.days {
        plan.set_days(days);
    }
    let mut materials = Materials::default();
    let mut anchor = None;
    if let (false, Some(key)) = (args.ca_cert.is_empty(), &args.ca_key) {
        let password = input::optional_password("--ca-key-pass", args.ca_key_pass.as_deref())?;
        let chain = input::existing_chain(&args.ca_cert, key, password.as_deref())?;
        for warning in &chain.warnings {
            println!("certplay: warning: {warning}");
        }
        let names = chain
            .put_into(&mut plan, &mut materials, None)
            .map_err(|source| Error::In {
                what: "--ca-cert".into(),
                source,
            })?;
        anchor = names.last().cloned();
    }
    let password = input::optional_password("--key-pass", args.key_pass.as_deref())?;
    let mut imported = Vec::new();
    for spec in &args.key {
        let (name, file) = spec.split_once('=').ok_or_else(|| Error::Flag {
            flag: "--key",
            value: spec.clone(),
            why: "give ENTRY=FILE, e.g. --key server=server.key".into(),
        })?;
        let key = input::private_key("--key", Path::new(file), password.as_deref())?;
        let names: Vec<String> = plan.entries.iter().map(|e| e.name.clone()).collect();
        let entry = plan
            .entries
            .iter_mut()
            .find(|e| e.name == name)
            .ok_or_else(|| Error::Flag {
                flag: "--key",
                value: spec.clone(),
                why: format!(
                    "the plan has no entry {name:?} (it has {})",
                    names.join(", ")
                ),
            })?;
        entry.key_type = Some(key.key_type());
        materials.keys.insert(name.to_owned(), key);
        imported.push((name.to_owned(), file.to_owned()));
    }

    let started = Instant::now();
    let mut issued = issue_plan(&plan, materials)?;
    for entry in &mut issued.entries {
        if imported.iter().any(|(name, _)| *name == entry.name) {
            // The person has this key already: no second copy on disk.
            entry.key_pem = None;
        }
    }
    let elapsed = started.elapsed();
    let files = issued.files()?;
    write_files(&args.out, &files, output::existing(args.force))?;
    let trusted = anchor.as_deref();
    report(
        &args.out,
        &issued,
        &files,
        elapsed.as_millis(),
        &imported,
        trusted,
    );
    let dir = args.out.join("").display().to_string();
    if let Some(note) = issued.anchor_note(&dir) {
        println!("certplay: note: {note}; give the root in --ca-cert too to have it written as the root file");
    }
    for (name, file) in &imported {
        println!("certplay: {name} uses your key {file} (no {name}.key written)");
    }
    Ok(())
}

/// What was written, what each file is for (with the flag that takes it),
/// the warnings, and the commands to try.
/// `imported`: (entry, key file) of keys the person brought; `trusted`:
/// the topmost CA given, when it is not a root.
fn report(
    out: &Path,
    issued: &IssuedPlan,
    files: &[OutputFile],
    millis: u128,
    imported: &[(String, String)],
    trusted: Option<&str>,
) {
    let key_types: std::collections::BTreeSet<&str> = issued
        .entries
        .iter()
        .filter_map(|e| e.key_type.map(KeyType::description))
        .collect();
    println!(
        "certplay: issued {} certificate(s) ({}) in {millis} ms into {}/",
        issued.entries.len(),
        key_types.into_iter().collect::<Vec<_>>().join(", "),
        out.display()
    );
    for file in files {
        let anchor = file.entry.is_some() && file.entry.as_deref() == trusted;
        let hint = match file.kind {
            FileKind::Certificate(Profile::RootCa) => " (serve --ca, curl --cacert)",
            FileKind::Certificate(_) if anchor => " (serve --ca, curl --cacert: see the note)",
            FileKind::Chain(profile) if profile.serves() => " (serve --cert)",
            FileKind::Chain(_) => " (curl --cert)",
            FileKind::Certificate(profile) if profile.serves() => " (serve --cert)",
            FileKind::Certificate(Profile::Client) => " (curl --cert)",
            FileKind::PrivateKey(profile) if profile.serves() => " (serve --key)",
            FileKind::PrivateKey(Profile::Client) => " (curl --key)",
            FileKind::Plan => " (certplay issue --plan)",
            _ => "",
        };
        println!("  {:<24} {}{hint}", file.name, file.purpose());
    }
    for warning in &issued.warnings {
        println!("certplay: warning: {warning}");
    }
    if let Some(commands) = try_commands(out, issued, imported) {
        println!("Try it:\n{commands}");
    }
}

/// `certplay serve` with the plan's files, and one curl per client, built
/// by core's one builder of printed commands.
fn try_commands(out: &Path, issued: &IssuedPlan, imported: &[(String, String)]) -> Option<String> {
    let plan = &issued.plan;
    let server = plan.entries.iter().find(|e| e.profile.serves())?;
    let root = plan.issuers_of(server).last().copied().unwrap_or(server);
    let path = |name: String| out.join(name).display().to_string();
    // A key the person brought stays where it is.
    let key_path = |entry: &str| match imported.iter().find(|(name, _)| name == entry) {
        Some((_, file)) => file.clone(),
        None => path(format!("{entry}.key")),
    };
    let cert_path = |entry: &str| match issued.entry(entry).and_then(|e| e.chain_pem.as_ref()) {
        Some(_) => path(format!("{entry}-chain.crt")),
        None => path(format!("{entry}.crt")),
    };
    issued.entry(&server.name)?;
    let (ca, cert, key) = (
        path(format!("{}.crt", root.name)),
        cert_path(&server.name),
        key_path(&server.name),
    );
    let serve = Serve {
        ca: &ca,
        cert: &cert,
        key: &key,
        crls: &[],
        port: 3001,
    };
    let target = Target::new(&HostName::from_sans(&server.sans), serve.listens_on());
    let mut lines = vec![format!("  {}", serve.line())];
    for client in plan.entries.iter().filter(|e| e.profile.is_client()) {
        let (cert, key) = (cert_path(&client.name), key_path(&client.name));
        let curl = Curl {
            cacert: &ca,
            client: Some((&cert, &key)),
            target: &target,
        };
        lines.push(format!("  {}", curl.line()));
    }
    Some(lines.join("\n"))
}
