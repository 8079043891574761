//! `confdrift completions SHELL`: the shell completion script on stdout.

use super::render::print_bytes;
use crate::cli::{Cli, CompletionsArgs};
use crate::exit::Outcome;
use clap::CommandFactory;

pub fn run(a: &CompletionsArgs) -> anyhow::Result<Outcome> {
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut Cli::command(), "confdrift", &mut script);
    print_bytes(&script).map(|()| Outcome::Clean)
}
