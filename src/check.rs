//! `confdrift check`: select hosts, read the baseline once, collect and compare hosts in
//! parallel, and gather findings and trouble into one report.

use crate::baseline::{Baseline, BaselineFile};
use crate::collect::{self, Fetched};
use crate::config::{Config, Group};
use crate::diff::{Change, diff};
use crate::normalize::{Document, Format};
use crate::report::{Finding, HostRun, Kind, Problem, Report, Severity};
use crate::rules::{Facts, FileCtx, Rules, today, waiver};
use crate::secret;
use crate::tree::ParseError;
use anyhow::{Result, bail};
use git2::Oid;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Severity of plain drift (no rule says otherwise).
const DRIFT_SEVERITY: Severity = Severity::Warning;

/// Which hosts to check: the union of `--host` and `--group`; everything when both are empty;
/// then only those of the `--shard`.
#[derive(Debug, Default)]
pub struct Selection {
    pub hosts: Vec<String>,
    pub groups: Vec<String>,
    pub shard: Option<crate::shard::Shard>,
}

/// One host as a member of one group (a host in two groups is checked twice).
struct Target<'a> {
    group: &'a Group,
    host: &'a str,
    expected: BTreeMap<String, BaselineFile>,
}

/// The baseline blobs the targets need: their bytes (live files are compared with them
/// byte for byte before anything is parsed) and their documents, parsed once per format.
struct ParsedBaseline {
    docs: HashMap<(Oid, &'static str), Result<Arc<Document>, ParseError>>,
    bytes: HashMap<Oid, Vec<u8>>,
}

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
    let results: Vec<HostResult> = pool.install(|| {
        targets
            .par_iter()
            .map(|t| {
                let r = check_target(t, &parsed, &cfg.rules);
                bar.inc(1);
                r
            })
            .collect()
    });
    bar.finish_and_clear();

    let mut hosts = BTreeSet::new();
    let mut facts = Vec::with_capacity(results.len());
    for (t, r) in targets.iter().zip(results) {
        hosts.insert(t.host);
        let up = !r.errors.iter().any(|e| e.file.is_none());
        report.host_runs.push(HostRun {
            host: t.host.to_string(),
            group: t.group.name.clone(),
            up,
            files: r.paths.clone(),
        });
        report.findings.extend(r.findings);
        report.errors.extend(r.errors);
        report.files += r.files;
        facts.push((t.host, t.group.name.as_str(), r.facts, up));
    }
    report.hosts = hosts.len();
    let views: Vec<(&str, &str, &Facts, bool)> =
        facts.iter().map(|(h, g, f, up)| (*h, *g, f, *up)).collect();
    let format_in = |group: &str, file: &str| format_in(cfg, group, file);
    if sel.shard.is_none() {
        let (found, trouble) = cfg.rules.across_hosts(&views, &format_in, true);
        report.findings.extend(found);
        report.errors.extend(trouble);
    } else if !cfg.rules.capacity.is_empty() || cfg.rules.rules.iter().any(|r| r.unique) {
        // A shard sees only its own hosts: a sum over a part of the fleet would understate
        // the demand, so the checks across hosts are not guessed at.
        report.notices.push(
            "checks across hosts (capacity, unique, outliers) are skipped in a sharded run; run them unsharded or with `confdrift lint`".to_string(),
        );
    }
    let findings = std::mem::take(&mut report.findings);
    report.findings = waiver::apply(&cfg.rules.waivers, findings, &today(), &mut report.notices);
    report.set_timing(started, clock);
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
            let selected = all || sel.groups.contains(&group.name) || sel.hosts.contains(host);
            if selected && sel.shard.is_none_or(|s| s.contains(host)) {
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
    let bytes: HashMap<Oid, Vec<u8>> = blobs
        .into_iter()
        .map(|(key, _, _, bytes)| (key.0, bytes))
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
    ParsedBaseline { docs: out, bytes }
}

/// The format of `file` as read for `group` (by name).
pub(crate) fn format_in(cfg: &Config, group: &str, file: &str) -> Format {
    cfg.groups
        .iter()
        .find(|g| g.name == group)
        .map_or_else(|| Format::detect(file), |g| format_of(g, file))
}

/// The format of `path`: the first matching file entry's `format`, else detected.
pub(crate) fn format_of(group: &Group, path: &str) -> Format {
    group
        .files
        .iter()
        .find(|s| s.matches(path))
        .map_or_else(|| Format::detect(path), |s| s.format_for(path))
}

/// What one host's check produced.
#[derive(Default)]
struct HostResult {
    findings: Vec<Finding>,
    errors: Vec<Problem>,
    /// Files compared.
    files: usize,
    /// Their paths.
    paths: Vec<String>,
    /// Values the checks across hosts need.
    facts: Facts,
}

/// Collects one host and compares each of its files with the baseline and the rules.
fn check_target(t: &Target, parsed: &ParsedBaseline, rules: &Rules) -> HostResult {
    let mut out = HostResult::default();
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
            out.errors.push(problem(None, None, msg));
            return out;
        }
    };
    let paths: BTreeSet<&String> = t.expected.keys().chain(snap.files.keys()).collect();
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
        let format = format_of(t.group, path);
        let ctx = FileCtx {
            group: &t.group.name,
            host: Some(t.host),
            file: path,
            format,
            baseline_source: t.expected.get(path).map(|b| b.source.as_str()),
        };
        let base_doc = t
            .expected
            .get(path)
            .and_then(|b| parsed.docs.get(&(b.oid, format.name())));
        match (t.expected.get(path), snap.files.get(path)) {
            (_, Some(Fetched::Failed(msg))) => {
                out.errors.push(problem(Some(path), None, msg.clone()))
            }
            (Some(b), Some(Fetched::Present(bytes))) => {
                out.files += 1;
                out.paths.push(path.clone());
                let Some(Ok(base_doc)) = base_doc else {
                    continue; // baseline unreadable or unparsable: already reported once
                };
                let base = base_doc.tree();
                // Byte for byte: cheaper than hashing the live file to compare blob ids.
                if parsed.bytes.get(&b.oid).is_some_and(|raw| raw == bytes) {
                    // The same bytes: no drift, and the live values are the baseline's.
                    if let Some(tree) = base {
                        out.findings
                            .extend(rules.apply_file(&ctx, base, base, Vec::new()));
                        rules.gather(&ctx, tree, true, &mut out.facts);
                    }
                    continue;
                }
                match format.parse(bytes) {
                    Err(e) => out
                        .errors
                        .push(problem(Some(path), Some(&e), e.message.clone())),
                    Ok(live_doc) => {
                        let changes = secret::match_fingerprints(diff(base_doc, &live_doc));
                        let live = live_doc.tree();
                        out.findings
                            .extend(rules.apply_file(&ctx, base, live, changes));
                        if let Some(tree) = live {
                            rules.gather(&ctx, tree, true, &mut out.facts);
                        }
                    }
                }
            }
            (Some(b), _) => {
                out.files += 1;
                out.paths.push(path.clone());
                out.findings.push(finding(
                    Kind::MissingFile,
                    format!("missing on the host; the baseline has {}", b.source),
                ));
                if let Some(Ok(doc)) = base_doc {
                    out.findings
                        .extend(rules.apply_file(&ctx, doc.tree(), None, Vec::new()));
                }
            }
            (None, Some(Fetched::Present(bytes))) => {
                out.files += 1;
                out.paths.push(path.clone());
                out.findings.push(finding(
                    Kind::UnexpectedFile,
                    "on the host, but no baseline file matches it".to_string(),
                ));
                if matches!(format, Format::Text) {
                    continue;
                }
                // No baseline: the rules still apply, and outliers are found among peers.
                match format.parse(bytes) {
                    Err(e) => out
                        .errors
                        .push(problem(Some(path), Some(&e), e.message.clone())),
                    Ok(doc) => {
                        if let Some(tree) = doc.tree() {
                            out.findings.extend(rules.apply_file(
                                &ctx,
                                None,
                                Some(tree),
                                Vec::new(),
                            ));
                            rules.gather(&ctx, tree, false, &mut out.facts);
                        }
                    }
                }
            }
            (None, _) => {} // listed, but neither intended nor present: nothing to compare
        }
    }
    out
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
