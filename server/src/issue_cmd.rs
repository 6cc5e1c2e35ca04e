//! `certplay issue`: a plan (the blog's set, a preset, or a plan file, with
//! flags for the common changes) issued natively into a directory.

use std::path::{Path, PathBuf};
use std::time::Instant;

use certplay_core::commands::{Curl, HostName, Serve, Target};
use certplay_core::{
    read_certificates, ExistingCa, FileKind, IssuedPlan, KeyType, Materials, OutputFile, Plan,
    Preset, Profile, San, Source,
};
use certplay_server::files::Existing;
use certplay_server::input;
use certplay_server::issuing::{issue_plan, write_files};
use clap::Args;

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
    /// certificate (PEM or DER).
    #[arg(long, value_name = "FILE", requires = "ca_key")]
    ca_cert: Option<PathBuf>,
    /// ... and its private key (PEM or DER: PKCS#8, PKCS#1, SEC1, or
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

pub fn run(args: &IssueArgs) -> Result<(), String> {
    let mut plan = match (&args.plan, args.preset) {
        (Some(path), _) => read_plan(path)?,
        (None, Some(preset)) => preset.plan(),
        (None, None) => Plan::default(),
    };
    if let Some(key_type) = args.key_type {
        plan.key_type = key_type;
        for entry in &mut plan.entries {
            entry.key_type = None;
        }
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
    if let (Some(cert), Some(key)) = (&args.ca_cert, &args.ca_key) {
        let root = plan
            .use_existing_root()
            .map(|e| e.name.clone())
            .ok_or("--ca-cert/--ca-key: the plan has no root CA entry to stand for that CA")?;
        let password = args
            .ca_key_pass
            .as_deref()
            .map(crate::csr_cmd::password)
            .transpose()?;
        materials
            .existing
            .insert(root, read_existing(cert, key, password.as_deref())?);
    }
    let password = args
        .key_pass
        .as_deref()
        .map(crate::csr_cmd::password)
        .transpose()?;
    let mut imported = Vec::new();
    for spec in &args.key {
        let (name, file) = spec.split_once('=').ok_or_else(|| {
            format!("--key {spec}: give ENTRY=FILE, e.g. --key server=server.key")
        })?;
        let key = crate::csr_cmd::read_key("--key", Path::new(file), password.as_deref())?;
        let names: Vec<String> = plan.entries.iter().map(|e| e.name.clone()).collect();
        let entry = plan
            .entries
            .iter_mut()
            .find(|e| e.name == name)
            .ok_or_else(|| {
                format!(
                    "--key {spec}: the plan has no entry {name:?} (it has {})",
                    names.join(", ")
                )
            })?;
        entry.key_type = Some(key.key_type());
        materials.keys.insert(name.to_owned(), key);
        imported.push((name.to_owned(), file.to_owned()));
    }

    let started = Instant::now();
    let mut issued = issue_plan(&plan, materials).map_err(|e| e.to_string())?;
    for entry in &mut issued.entries {
        if imported.iter().any(|(name, _)| *name == entry.name) {
            // The person has this key already: no second copy on disk.
            entry.key_pem = None;
        }
    }
    let elapsed = started.elapsed();
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    let files = issued.files().map_err(|e| e.to_string())?;
    write_files(&args.out, &files, existing).map_err(|e| e.to_string())?;
    report(&args.out, &issued, &files, elapsed.as_millis(), &imported);
    for (name, file) in &imported {
        println!("certplay: {name} uses your key {file} (no {name}.key written)");
    }
    Ok(())
}

/// Reads a plan file: JSON when it starts with `{`, TOML otherwise.
pub fn read_plan(path: &Path) -> Result<Plan, String> {
    let text = input::read_text(path)
        .map_err(|e| format!("cannot read --plan {}: {e}", path.display()))?;
    let parsed = if text.trim_start().starts_with('{') {
        Plan::from_json(&text)
    } else {
        Plan::from_toml(&text)
    };
    parsed.map_err(|e| format!("--plan {}: {e}", path.display()))
}

fn read_existing(cert: &Path, key: &Path, password: Option<&str>) -> Result<ExistingCa, String> {
    let cert_bytes =
        input::read(cert).map_err(|e| format!("cannot read --ca-cert {}: {e}", cert.display()))?;
    let cert_name = cert.display().to_string();
    let der = read_certificates(Source::new(&cert_name, &cert_bytes))
        .map_err(|e| e.to_string())?
        .first()
        .map(|c| c.der.to_vec())
        .ok_or_else(|| format!("{cert_name}: no certificate"))?;
    // The same reading as `certplay sign --ca-key` (PEM or DER, encrypted
    // PKCS#8 with its password), and as the page's "my own CA".
    let pair = crate::csr_cmd::read_key("--ca-key", key, password)?;
    ExistingCa::from_der(&cert_name, &der, &key.display().to_string(), pair)
        .map_err(|e| e.to_string())
}

/// What was written, what each file is for (with the flag that takes it),
/// the warnings, and the commands to try.
/// `imported`: (entry, key file) of keys the person brought.
fn report(
    out: &Path,
    issued: &IssuedPlan,
    files: &[OutputFile],
    millis: u128,
    imported: &[(String, String)],
) {
    let key_types: std::collections::BTreeSet<&str> = issued
        .entries
        .iter()
        .map(|e| e.key_type.description())
        .collect();
    println!(
        "certplay: issued {} certificate(s) ({}) in {millis} ms into {}/",
        issued.entries.len(),
        key_types.into_iter().collect::<Vec<_>>().join(", "),
        out.display()
    );
    for file in files {
        let hint = match file.kind {
            FileKind::Certificate(Profile::RootCa) => " (serve --ca, curl --cacert)",
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
