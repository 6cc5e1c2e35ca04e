//! `certplay lab`: every way the handshake lab breaks a set, one folder
//! each (its files, and the serve, curl and openssl lines that run it),
//! and `lab.json`, what each is expected to do.

use std::fmt::Write as _;
use std::path::PathBuf;

use certplay_core::lab::{self, clients::Clients, LabIndex, Mutated};
use certplay_core::{KeyType, Materials, Plan, Preset};
use clap::Args;

use crate::cli::{input, output};
use crate::files::{Access, Entry, FileError, SafeDir};
use crate::issuing::issue_plan;
use crate::Error;

/// Break a set on purpose, in every way the handshake lab knows: one
/// folder per case with its files and the lines that serve it and connect
/// to it, and DIR/lab.json with what certplay serve, curl and openssl are
/// expected to do (curl 7.88.1 with OpenSSL 3.0).
///
/// Examples:
///   certplay lab --out lab
///   certplay lab --out lab --preset intermediate --key-type rsa2048
///   cd lab/client-expired && certplay serve $(...)   # see commands.txt
///
/// Every file is new: nothing that exists is replaced unless --force. Keys
/// are written with mode 0600, directories are created with mode 0700.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct LabArgs {
    /// Directory to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Start from a preset: blog, intermediate, two-clients.
    #[arg(long, value_name = "NAME", conflicts_with = "plan")]
    preset: Option<Preset>,
    /// Start from a plan file (TOML, as written into certplay-plan.toml; or JSON).
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// Key type of every entry: rsa2048, rsa3072, rsa4096, p256, p384, ed25519.
    #[arg(long, value_name = "TYPE")]
    key_type: Option<KeyType>,
    /// Replace files that already exist in --out.
    #[arg(long)]
    force: bool,
}

/// The file in each case's folder that holds its command lines.
pub const COMMANDS: &str = lab::COMMANDS_FILE;
/// The index at the top of `--out`.
pub const INDEX: &str = "lab.json";

/// `certplay lab`.
pub fn run(args: &LabArgs) -> Result<(), Error> {
    let mut plan = match (&args.plan, args.preset) {
        (Some(path), _) => input::plan(path)?,
        (None, Some(preset)) => preset.plan(),
        (None, None) => Plan::default(),
    };
    if let Some(key_type) = args.key_type {
        plan.set_key_type(key_type);
    }
    let set = issue_plan(&plan, Materials::default())?;
    let at = time::OffsetDateTime::now_utc().unix_timestamp();
    let (index, copies) = lab::every_case(&set, at, Clients::CHECKED)?;
    write(args, &index, &copies)?;
    output::emit(&summary(args, &index));
    Ok(())
}

/// Every case's files and lines, then `lab.json`; nothing at all when a
/// file is in the way (without `--force`).
fn write(args: &LabArgs, index: &LabIndex, copies: &[Mutated]) -> Result<(), Error> {
    let root = SafeDir::open(&args.out)?;
    let existing = output::existing(args.force);
    let mut in_the_way = Vec::new();
    if root.entry(INDEX)? != Entry::Missing {
        in_the_way.push(INDEX.to_owned());
    }
    for (case, copy) in index.cases.iter().zip(copies) {
        match root.entry(&case.dir)? {
            Entry::Missing => {}
            Entry::Symlink => {
                return Err(FileError::Symlink {
                    path: root.join(&case.dir),
                }
                .into())
            }
            Entry::File => {
                return Err(FileError::NotAFile {
                    path: root.join(&case.dir),
                }
                .into())
            }
            Entry::Other => {
                let dir = SafeDir::open(&root.join(&case.dir))?;
                let names = copy.files.iter().map(|f| f.name.as_str());
                for name in names.chain([COMMANDS]) {
                    if dir.entry(name)? != Entry::Missing {
                        in_the_way.push(format!("{}/{name}", case.dir));
                    }
                }
            }
        }
    }
    if !in_the_way.is_empty() && !args.force {
        return Err(Error::AlreadyThere {
            dir: args.out.clone(),
            names: in_the_way,
        });
    }
    for (case, copy) in index.cases.iter().zip(copies) {
        let dir = SafeDir::open(&root.join(&case.dir))?;
        for file in &copy.files {
            let access = if file.private {
                Access::Private
            } else {
                Access::Public
            };
            dir.write(&file.name, file.contents.as_bytes(), access, existing)?;
        }
        dir.write(
            COMMANDS,
            case.commands().as_bytes(),
            Access::Public,
            existing,
        )?;
    }
    let json =
        serde_json::to_string_pretty(index).map_err(|e| Error::Usage(format!("lab.json: {e}")))?;
    root.write(INDEX, json.as_bytes(), Access::Public, existing)?;
    Ok(())
}

fn exits(run: &lab::IndexRun) -> String {
    run.curl_expected
        .printed
        .iter()
        .map(|p| p.exit.to_string())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// One line per case: its folder, what the first run is expected to do,
/// and the fix.
fn summary(args: &LabArgs, index: &LabIndex) -> String {
    let mut text = format!(
        "certplay: wrote {} cases into {}/ (each folder: its files and {COMMANDS}; {INDEX}: \
         what serve, curl {} and openssl {} are expected to do)\n",
        index.cases.len(),
        args.out.display(),
        index.clients.curl,
        index.clients.openssl,
    );
    for case in &index.cases {
        let Some(run) = case.runs.first() else {
            continue;
        };
        let _ = writeln!(
            text,
            "  {:<34} {:<12} curl exit {:<8} {}",
            case.dir,
            run.outcome,
            exits(run),
            case.fix
        );
    }
    text
}
