//! `confdrift accept`: the selected hosts' live files recorded into the baseline as one git
//! commit (see [`crate::accept`]).

use crate::accept::{self, Request};
use crate::cli::AcceptArgs;
use crate::exit::Outcome;

pub fn run(a: &AcceptArgs) -> anyhow::Result<Outcome> {
    accept::run(&Request {
        config: a.config.clone(),
        hosts: a.select.hosts.clone(),
        groups: a.select.groups.clone(),
        shard: a.select.shard.is_some(),
        files: a.files.clone(),
        message: a.message.clone(),
        author: a.author.clone(),
        force: a.force,
        jobs: a.jobs,
        from_running: a.from.as_deref() == Some("running"),
    })
    .map(|()| Outcome::Clean)
}
