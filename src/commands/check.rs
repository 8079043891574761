//! `confdrift check`: the selected hosts against the baseline (see [`crate::pipeline`]), with
//! blame and state, rendered; `--state` is saved only when the report was written.

use super::render::{emit, verdict};
use crate::cli::{CheckArgs, FailOn};
use crate::config::Config;
use crate::exit::Outcome;
use crate::state::State;

pub fn run(a: &CheckArgs) -> anyhow::Result<Outcome> {
    if a.common.render.fail_on == FailOn::New && a.state.is_none() {
        anyhow::bail!(
            "--fail-on new needs --state FILE: new means not in the last run's state, and without a state file nothing is remembered"
        );
    }
    let sel = super::selection(&a.select)?;
    let cfg = Config::locate(a.common.config.as_deref())?;
    let reference = a
        .baseline_ref
        .clone()
        .unwrap_or_else(|| cfg.baseline.reference.clone());
    let state = a.state.as_deref().map(State::open).transpose()?;
    let _lock = crate::lock::for_check(&cfg.baseline)?;
    let mut report = crate::pipeline::check(&cfg, &sel, &reference, a.jobs, a.common.render.quiet)?;
    crate::blame::annotate(&cfg, &mut report);
    crate::baseline::worktree::notice(&cfg.baseline, &mut report);
    report.errors.extend(crate::secret::unverified_problem());
    let now = crate::state::now();
    let tracked = match state {
        Some(Ok(st)) => {
            let remember = st.track(&mut report, &now);
            Some((st, remember))
        }
        Some(Err(problem)) => {
            report.errors.push(problem);
            report.sort();
            None
        }
        None => None,
    };
    let render = &a.common.render;
    if !emit(render, &report) {
        // Not written: the state stays as it was, so nothing new is silently marked known.
        return Ok(Outcome::Trouble);
    }
    if let Some((st, remember)) = tracked {
        st.save(&remember, &now)?;
    }
    Ok(verdict(render, &report))
}
