//! The engine of `confdrift merge A.json B.json ...`: joins the JSON reports of sharded runs into one report
//! (and so one exit status). Refuses reports of another schema, reports checked against
//! different baseline commits, and a host reported twice (the same shard given twice). The
//! checks across hosts (capacity, unique, outliers), which no shard can run alone, run here
//! over the values the shards' reports carry, with the rules of confdrift.toml.

use crate::config::Config;
use crate::report::{Report, read_report};
use crate::rules::facts_json;
use crate::rules::{Facts, today, waiver};
use anyhow::{Context, Result, anyhow, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn merge(paths: &[PathBuf], config: Option<&Path>) -> Result<Report> {
    let mut reports = Vec::with_capacity(paths.len());
    for p in paths {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read report {}", p.display()))?;
        let report = read_report(&text).with_context(|| format!("{}", p.display()))?;
        reports.push((p.as_path(), report));
    }
    let Some(((first_path, first), rest)) = reports.split_first() else {
        bail!("merge: no report given; expected one or more JSON reports of `check --format json`");
    };
    let mut seen: BTreeMap<&str, (usize, &Path)> = BTreeMap::new();
    for (i, (path, r)) in reports.iter().enumerate() {
        if r.baseline.as_ref().map(|b| &b.commit) != first.baseline.as_ref().map(|b| &b.commit) {
            let show = |r: &Report| match &r.baseline {
                Some(b) => format!("{} {:?}", b.short_id(), b.summary),
                None => "no baseline (a `diff` report)".to_string(),
            };
            bail!(
                "cannot merge {} with {}: they compare against different baselines ({} in {}, {} in {}); \
                 run every shard at the same --baseline-ref",
                path.display(),
                first_path.display(),
                show(r),
                path.display(),
                show(first),
                first_path.display()
            );
        }
        for h in &r.host_runs {
            match seen.get(h.host.as_str()) {
                Some((j, other)) if *j != i => bail!(
                    "cannot merge: host {:?} is in {} and again in {}; give each shard's report once",
                    h.host,
                    other.display(),
                    path.display()
                ),
                _ => {
                    seen.insert(&h.host, (i, path));
                }
            }
        }
    }
    let mut merged = first.clone();
    for (_, r) in rest {
        merged.hosts += r.hosts;
        merged.files += r.files;
        merged.findings.extend(r.findings.iter().cloned());
        merged.errors.extend(r.errors.iter().cloned());
        merged.resolved.extend(r.resolved.iter().cloned());
        merged.host_runs.extend(r.host_runs.iter().cloned());
        for n in &r.notices {
            if !merged.notices.contains(n) {
                merged.notices.push(n.clone());
            }
        }
        for d in &r.detected {
            for h in &d.hosts {
                merged.add_detected(Some(h), &d.file, &d.format, &d.why);
            }
        }
    }
    if !seen.is_empty() {
        merged.hosts = seen.len();
    }
    // The span of every shard: from the first start to the last end.
    let spans: Vec<(f64, f64)> = reports
        .iter()
        .filter_map(|(_, r)| Some((r.started_at?, r.started_at? + r.duration_seconds?)))
        .collect();
    if spans.len() == reports.len() {
        let start = spans.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
        let end = spans.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
        merged.started_at = Some(start);
        merged.duration_seconds = Some(end - start);
    } else {
        merged.started_at = None;
        merged.duration_seconds = None;
    }
    merged.facts = reports
        .iter()
        .flat_map(|(_, r)| r.facts.iter().cloned())
        .collect();
    if !merged.facts.is_empty() {
        across_hosts(&mut merged, config)?;
    }
    merged.sort();
    // Trouble that belongs to no host (the baseline's own) is reported by every shard once.
    merged.errors.dedup();
    Ok(merged)
}

/// The checks across hosts over every shard's values, as an unsharded run makes them.
fn across_hosts(merged: &mut Report, config: Option<&Path>) -> Result<()> {
    let cfg = Config::locate(config).context(
        "merge runs the checks across hosts (capacity, unique, outliers) with the rules of confdrift.toml; give --config",
    )?;
    let mut hosts = Vec::with_capacity(merged.facts.len());
    let mut left_out = 0;
    for (i, j) in merged.facts.iter().enumerate() {
        let (host, group, facts, up, secrets) =
            facts_json::from_json(j).map_err(|e| anyhow!("facts[{i}]: {e}"))?;
        left_out += secrets;
        hosts.push((host, group, facts, up));
    }
    let views: Vec<(&str, &str, &Facts, bool)> = hosts
        .iter()
        .map(|(h, g, f, up)| (h.as_str(), g.as_str(), f, *up))
        .collect();
    let format_in = |group: &str, file: &str| cfg.format_in(group, file);
    let (found, trouble) = cfg.rules.across_hosts(&views, &format_in, true);
    merged.findings.extend(waiver::apply(
        &cfg.rules.waivers,
        found,
        &today(),
        &mut merged.notices,
    ));
    merged.errors.extend(trouble);
    merged
        .notices
        .retain(|n| !n.starts_with("checks across hosts (capacity, unique, outliers) need"));
    if left_out > 0 {
        merged.notices.push(format!(
            "{left_out} secret value{} left out of the checks across hosts: without a secret key the shards cannot compare secrets without showing them",
            if left_out == 1 { " was" } else { "s were" }
        ));
    }
    merged.facts.clear();
    Ok(())
}
