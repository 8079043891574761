//! The subcommands: each file turns one command's parsed arguments into engine calls and a
//! report, and nothing more. Rendering (colour, width, files, stdout) and the exit status are
//! decided here, once, for every command ([`render`]).

mod accept;
mod check;
mod collect;
mod completions;
mod diff;
mod init;
mod lint;
mod man;
mod merge;
mod render;

use crate::cli::{Cli, Command, CommonArgs, FailOn};
use crate::exit::Outcome;
use std::process::ExitCode;

/// Runs one parsed command line and maps its outcome to the exit status.
pub fn run(cli: &Cli) -> ExitCode {
    let verbose = match &cli.command {
        Command::Check(a) => a.common.verbose,
        Command::Collect(a) => a.common.verbose,
        Command::Diff(a) => a.common.verbose,
        Command::Lint(a) => a.common.verbose,
        _ => 0,
    };
    crate::collect::set_verbosity(verbose);
    let result = match &cli.command {
        Command::Check(a) => check::run(a),
        Command::Diff(a) => untracked(&a.common).and_then(|()| diff::run(a)),
        Command::Lint(a) => untracked(&a.common).and_then(|()| lint::run(a)),
        Command::Accept(a) => accept::run(a),
        Command::Init(a) => init::run(a),
        Command::Collect(a) => untracked(&a.common).and_then(|()| collect::run(a)),
        Command::Merge(a) => merge::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => man::run(a),
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(e) => {
            render::print_error(&e);
            Outcome::Trouble.into()
        }
    }
}

/// `--fail-on new` compares with the last run, which only `check --state` remembers.
fn untracked(common: &CommonArgs) -> anyhow::Result<()> {
    if common.render.fail_on == FailOn::New {
        anyhow::bail!(
            "--fail-on new needs --state FILE (new means: not in the last run's state), which only `check` takes"
        );
    }
    Ok(())
}

/// `--host`, `--group` and `--shard` (auto read from the environment here, once).
fn selection(s: &crate::cli::SelectArgs) -> anyhow::Result<crate::pipeline::select::Selection> {
    let shard = match s.shard {
        None => None,
        Some(spec) => {
            let index = std::env::var(crate::shard::INDEX_VAR).ok();
            Some(spec.resolve(index.as_deref()).map_err(anyhow::Error::msg)?)
        }
    };
    Ok(crate::pipeline::select::Selection {
        hosts: s.hosts.clone(),
        groups: s.groups.clone(),
        shard,
    })
}
