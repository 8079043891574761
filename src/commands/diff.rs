//! `confdrift diff OLD NEW`: two local files or directories compared as `check` compares a
//! host with its baseline (see [`crate::pipeline::dirs`]).

use super::render::finish;
use crate::cli::DiffArgs;
use crate::exit::Outcome;
use crate::normalize::{Format, YamlVersion};
use crate::report::Report;

pub fn run(a: &DiffArgs) -> anyhow::Result<Outcome> {
    let report = diff_report(a)?;
    Ok(finish(&a.common.render, &report))
}

fn diff_report(a: &DiffArgs) -> anyhow::Result<Report> {
    let forced = match &a.as_format {
        None => None,
        Some(name) => Some(Format::from_name(name).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown format {name:?} for --as; expected one of {}",
                Format::names().join(", ")
            )
        })?),
    };
    let yaml = a.yaml.as_deref().and_then(YamlVersion::from_name);
    let mut report = crate::pipeline::dirs::diff_paths(
        &a.old,
        &a.new,
        forced,
        yaml,
        a.program_version.as_deref(),
    )?;
    report.errors.extend(crate::secret::unverified_problem());
    Ok(report)
}
