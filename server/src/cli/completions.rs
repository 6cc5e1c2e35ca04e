//! `certplay completions SHELL`: clap's own generator for the command line
//! as it is defined, so completions never go stale.

use clap::Args;
use clap_complete::Shell;

use crate::cli::output;

/// Which shell.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the completion script of `command` (certplay's) for the shell.
pub fn run(args: &CompletionsArgs, mut command: clap::Command) {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "certplay", &mut script);
    output::emit(&String::from_utf8_lossy(&script));
}
