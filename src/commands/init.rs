//! `confdrift init`: a starting confdrift.toml and baseline directory, or with `--from-live`
//! a baseline filled from the hosts (see [`crate::init`]).

use crate::cli::InitArgs;
use crate::exit::Outcome;
use crate::init::{self, Request};

pub fn run(a: &InitArgs) -> anyhow::Result<Outcome> {
    init::run(&Request {
        config: a.config.clone(),
        from_live: a.from_live,
        git_init: a.git_init,
        jobs: a.jobs,
    })
    .map(|()| Outcome::Clean)
}
