//! `confdrift check`: select hosts, read the baseline once, collect and compare hosts in
//! parallel, and gather findings and trouble into one report.

use crate::baseline::{Baseline, BaselineFile, blob_id};
use crate::collect::{self, Fetched};
use crate::config::{Config, Group};
use crate::diff::{Change, diff};
use crate::normalize::{Document, Format};
use crate::report::{Finding, HostRun, Kind, Problem, Report, Severity};
use crate::secret;
use crate::tree::ParseError;
use anyhow::{Result, bail};
use git2::Oid;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Severity of plain drift (no rule says otherwise).
const DRIFT_SEVERITY: Severity = Severity::Warning;

/// Which hosts to check: the union of `--host` and `--group`; everything when both are empty.
#[derive(Debug, Default)]
pub struct Selection {
    pub hosts: Vec<String>,
    pub groups: Vec<String>,
}

/// One host as a member of one group (a host in two groups is checked twice).
struct Target<'a> {
    group: &'a Group,
    host: &'a str,
    expected: BTreeMap<String, BaselineFile>,
}

type ParsedBaseline = HashMap<(Oid, &'static str), Result<Arc<Document>, ParseError>>;

pub fn check(
    cfg: &Config,
    sel: &Selection,
    reference: &str,
    jobs: Option<usize>,
    quiet: bool,
) -> Result<Report> {
    let started = std::time::SystemTime::now();
    let clock = std::time::Instant::now();
    let targets = select(cfg, sel)?;
    let baseline = Baseline::open(&cfg.baseline, reference)?;
    let mut report = Report {
        baseline: Some(baseline.info.clone()),
        ..Report::default()
    };
    let targets: Vec<Target> = targets
        .into_iter()
        .map(|(group, host)| {
            let expected = baseline
                .files_for(&group.name, host)
                .into_iter()
                .filter(|(path, _)| group.files.iter().any(|s| s.matches(path)))
                .collect();
            Target {
                group,
                host,
                expected,
            }
        })
        .collect();
    let parsed = parse_baseline(&baseline, &targets, &mut report.errors);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or_else(|| default_jobs(targets.iter().map(|t| t.group))))
        .build()?;
    let bar = crate::progress::hosts(targets.len(), quiet);
    let results: Vec<(Vec<Finding>, Vec<Problem>, usize)> = pool.install(|| {
        targets
            .par_iter()
            .map(|t| {
                let r = check_target(t, &parsed);
                bar.inc(1);
                r
            })
            .collect()
    });
    bar.finish_and_clear();

    let mut hosts = BTreeSet::new();
    for (t, (findings, errors, files)) in targets.iter().zip(results) {
        hosts.insert(t.host);
        report.host_runs.push(HostRun {
            host: t.host.to_string(),
            group: t.group.name.clone(),
            up: !errors.iter().any(|e| e.file.is_none()),
        });
        report.findings.extend(findings);
        report.errors.extend(errors);
        report.files += files;
    }
    report.hosts = hosts.len();
    report.started_at = started
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs_f64());
    report.duration_seconds = Some(clock.elapsed().as_secs_f64());
    report.sort();
    Ok(report)
}

/// Hosts in parallel by default: one per CPU for local files; for hosts over the network,
/// where the time is spent waiting, 16 at once (or more on a large machine).
pub(crate) fn default_jobs<'a>(mut groups: impl Iterator<Item = &'a Group>) -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let remote = groups.any(|g| {
        matches!(
            g.transport,
            crate::config::Transport::Ssh(_) | crate::config::Transport::Command { .. }
        )
    });
    if remote { cpus.max(16) } else { cpus }
}

/// The (group, host) pairs to check, refusing names the config does not know.
pub(crate) fn select<'a>(cfg: &'a Config, sel: &Selection) -> Result<Vec<(&'a Group, &'a str)>> {
    let known_hosts = cfg.all_hosts();
    for h in &sel.hosts {
        if !known_hosts.contains(&h.as_str()) {
            bail!(
                "unknown host {h:?}: it is in no group of {}",
                cfg.path.display()
            );
        }
    }
    for g in &sel.groups {
        if !cfg.groups.iter().any(|grp| &grp.name == g) {
            let names: Vec<&str> = cfg.groups.iter().map(|g| g.name.as_str()).collect();
            bail!("unknown group {g:?}; the groups are: {}", names.join(", "));
        }
    }
    let all = sel.hosts.is_empty() && sel.groups.is_empty();
    let mut out = Vec::new();
    for group in &cfg.groups {
        for host in &group.hosts {
            if all || sel.groups.contains(&group.name) || sel.hosts.contains(host) {
                out.push((group, host.as_str()));
            }
        }
    }
    Ok(out)
}

/// Reads and parses every baseline blob the targets need, once per blob and format.
fn parse_baseline(
    baseline: &Baseline,
    targets: &[Target],
    errors: &mut Vec<Problem>,
) -> ParsedBaseline {
    let mut wanted: BTreeMap<(Oid, &'static str), (Format, &str)> = BTreeMap::new();
    for t in targets {
        for (path, file) in &t.expected {
            let format = format_of(t.group, path);
            wanted
                .entry((file.oid, format.name()))
                .or_insert((format, file.source.as_str()));
        }
    }
    let mut blobs = Vec::with_capacity(wanted.len());
    for (key, (format, source)) in wanted {
        match baseline.read(key.0) {
            Ok(bytes) => blobs.push((key, format, source, bytes)),
            Err(e) => errors.push(Problem {
                host: None,
                file: Some(source.to_string()),
                line: None,
                column: None,
                message: format!("cannot read baseline blob: {e}"),
            }),
        }
    }
    let parsed: Vec<_> = blobs
        .par_iter()
        .map(|(key, format, source, bytes)| (*key, *source, format.parse(bytes).map(Arc::new)))
        .collect();
    let mut out = HashMap::with_capacity(parsed.len());
    for (key, source, result) in parsed {
        if let Err(e) = &result {
            errors.push(Problem {
                host: None,
                file: Some(source.to_string()),
                line: Some(e.line),
                column: Some(e.column),
                message: format!("baseline file does not parse: {}", e.message),
            });
        }
        out.insert(key, result);
    }
    out
}

/// The format of `path`: the first matching file entry's `format`, else detected.
fn format_of(group: &Group, path: &str) -> Format {
    group
        .files
        .iter()
        .find(|s| s.matches(path))
        .map_or_else(|| Format::detect(path), |s| s.format_for(path))
}

/// Collects one host and compares each of its files; returns findings, trouble, files compared.
fn check_target(t: &Target, parsed: &ParsedBaseline) -> (Vec<Finding>, Vec<Problem>, usize) {
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    let problem = |file: Option<&str>, e: Option<&ParseError>, message: String| Problem {
        host: Some(t.host.to_string()),
        file: file.map(str::to_string),
        line: e.map(|e| e.line),
        column: e.map(|e| e.column),
        message,
    };
    let vars = t.group.vars.get(t.host);
    let snap = match collect::collect(&t.group.transport, t.host, vars, &t.group.files) {
        Ok(s) => s,
        Err(msg) => {
            errors.push(problem(None, None, msg));
            return (findings, errors, 0);
        }
    };
    let paths: BTreeSet<&String> = t.expected.keys().chain(snap.files.keys()).collect();
    let mut files = 0;
    for path in paths {
        let finding = |kind: Kind, message: String| Finding {
            host: Some(t.host.to_string()),
            group: Some(t.group.name.clone()),
            file: path.clone(),
            kind,
            severity: DRIFT_SEVERITY,
            baseline_source: t.expected.get(path).map(|b| b.source.clone()),
            message,
            ..Finding::default()
        };
        match (t.expected.get(path), snap.files.get(path)) {
            (_, Some(Fetched::Failed(msg))) => errors.push(problem(Some(path), None, msg.clone())),
            (Some(b), Some(Fetched::Present(bytes))) => {
                files += 1;
                if blob_id(bytes) == Some(b.oid) {
                    continue;
                }
                let format = format_of(t.group, path);
                let Some(Ok(base_doc)) = parsed.get(&(b.oid, format.name())) else {
                    continue; // baseline unreadable or unparsable: already reported once
                };
                match format.parse(bytes) {
                    Err(e) => errors.push(problem(Some(path), Some(&e), e.message.clone())),
                    Ok(live_doc) => {
                        for c in secret::match_fingerprints(diff(base_doc, &live_doc)) {
                            findings.push(from_change(t, path, b, c));
                        }
                    }
                }
            }
            (Some(b), _) => {
                files += 1;
                findings.push(finding(
                    Kind::MissingFile,
                    format!("missing on the host; the baseline has {}", b.source),
                ));
            }
            (None, Some(Fetched::Present(_))) => {
                files += 1;
                findings.push(finding(
                    Kind::UnexpectedFile,
                    "on the host, but no baseline file matches it".to_string(),
                ));
            }
            (None, _) => {} // listed, but neither intended nor present: nothing to compare
        }
    }
    (findings, errors, files)
}

/// A finding from a key change, with secret values redacted.
pub fn finding_from_change(
    host: Option<&str>,
    group: Option<&str>,
    file: &str,
    baseline_source: Option<&str>,
    c: Change,
) -> Finding {
    let baseline = c
        .baseline
        .as_ref()
        .map(|e| secret::redact(&c.key, &e.value));
    let live = c.live.as_ref().map(|e| secret::redact(&c.key, &e.value));
    let message = match (&baseline, &live) {
        (Some(b), Some(l)) if b == l => "changed (secret value)".to_string(),
        (Some(b), Some(l)) => format!("changed from {} to {}", short(b), short(l)),
        (None, Some(l)) => format!("added on the host: {}", short(l)),
        (Some(b), None) => format!("removed on the host; the baseline has {}", short(b)),
        (None, None) => "changed".to_string(),
    };
    Finding {
        host: host.map(str::to_string),
        group: group.map(str::to_string),
        file: file.to_string(),
        line: c.live.as_ref().map(|e| e.line),
        baseline_line: c.baseline.as_ref().map(|e| e.line),
        key: Some(c.key),
        kind: c.kind,
        severity: DRIFT_SEVERITY,
        baseline,
        live,
        baseline_source: baseline_source.map(str::to_string),
        message,
        ..Finding::default()
    }
}

fn from_change(t: &Target, path: &str, b: &BaselineFile, c: Change) -> Finding {
    finding_from_change(Some(t.host), Some(&t.group.name), path, Some(&b.source), c)
}

/// A value for a one-line message: the first line, at most 60 characters.
fn short(v: &crate::tree::Value) -> String {
    let s = v.to_string();
    let first = s.lines().next().unwrap_or("");
    let mut out: String = first.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
