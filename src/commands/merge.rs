//! `confdrift merge A.json B.json ...`: the shards' reports joined into one (see
//! [`crate::pipeline::merge`]), rendered, and one exit status.

use super::render::finish;
use crate::cli::{FailOn, MergeArgs};
use crate::exit::Outcome;

pub fn run(a: &MergeArgs) -> anyhow::Result<Outcome> {
    let report = crate::pipeline::merge::merge(&a.inputs, a.config.as_deref())?;
    let render = &a.render;
    if render.fail_on == FailOn::New
        && !report.findings.is_empty()
        && report.findings.iter().all(|f| f.status.is_none())
    {
        eprintln!(
            "error: --fail-on new: these reports were made without --state, so no finding is marked new or known"
        );
        return Ok(Outcome::Trouble);
    }
    Ok(finish(render, &report))
}
