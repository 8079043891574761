//! `confdrift man [COMMAND]`: the roff manual page on stdout.

use super::render::print_bytes;
use crate::cli::{Cli, ManArgs};
use crate::exit::Outcome;
use clap::CommandFactory;

pub fn run(a: &ManArgs) -> anyhow::Result<Outcome> {
    man_page(a.command.as_deref()).map(|()| Outcome::Clean)
}

/// `confdrift man [COMMAND]`: the roff page on stdout.
fn man_page(sub: Option<&str>) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match sub {
        None => cmd,
        Some(name) => {
            let names: Vec<String> = cmd
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            let found = cmd.find_subcommand(name).cloned().ok_or_else(|| {
                anyhow::anyhow!(
                    "no command {name:?}; the commands are: {}",
                    names.join(", ")
                )
            })?;
            // A one-shot command: the page's name lives as long as the process anyway.
            found
                .name(format!("confdrift-{name}").leak() as &'static str)
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    print_bytes(&out)
}
