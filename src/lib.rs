//! confdrift: collect live config files, normalize them, compare them with the intended state
//! kept in git, and report drift.
//!
//! `run` is the whole program: parse the arguments, then [`commands::run`] runs the command,
//! renders its report and maps the outcome to an exit status in one place ([`exit`]). The
//! layers, lowest first, are listed in ARCHITECTURE.md.

pub mod accept;
pub mod baseline;
pub mod blame;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod config;
pub mod dates;
pub mod diff;
pub mod exit;
pub mod init;
pub mod inventory;
pub mod keyglob;
pub mod lock;
pub mod names;
pub mod normalize;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod rules;
pub mod secret;
pub mod shard;
pub mod state;
pub mod tree;

use clap::Parser;
use cli::Cli;
use exit::Outcome;
use std::ffi::OsString;
use std::process::ExitCode;

/// Runs confdrift with these arguments (the first is the program name).
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    match Cli::try_parse_from(args) {
        Ok(cli) => commands::run(&cli),
        Err(e) => {
            let _ = e.print();
            if e.use_stderr() {
                Outcome::Trouble.into()
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
