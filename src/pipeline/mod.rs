//! The check pipeline. For each host: collect its files, parse each and diff it against the
//! baseline, read it with its includes, judge it by the rules; then the checks across hosts
//! and the waivers over the whole fleet. No printing here: the command renders the report.
//!
//! The stages are the modules below, in the order a file goes through them: [`select`] (which
//! hosts), [`baseline_docs`] (the baseline blobs, parsed once) and [`baseline_follow`] (the
//! baseline's own includes), [`compare`] (one file against its baseline), [`program`] (what
//! the program refuses, explicit defaults; with [`mycnf`] and [`bouncer`] for MariaDB and
//! PgBouncer), [`ssh_hosts`] (ssh_config host by host) and [`effective`] (includes, and changes
//! that change nothing the program runs with; both told what is known by [`scope`]),
//! [`running`] (the running servers against their files), [`judge`] (rules and facts), [`support`] (what a narrowed selection still reads).

mod baseline_docs;
mod baseline_follow;
mod bouncer;
pub mod collect_into;
mod compare;
pub mod dirs;
mod effective;
mod judge;
pub mod lint;
pub mod merge;
mod mycnf;
mod pghba_order;
pub mod program;
mod running;
mod scope;
pub mod select;
mod ssh_hosts;
mod sshd_refusals;
mod support;

use crate::baseline::{Baseline, BaselineFile};
use crate::collect;
use crate::config::{Config, Group};
use crate::normalize::Format;
use crate::report::{Finding, HostRun, Problem, Report};
use crate::rules::{Facts, Rules, today, waiver};
use crate::secret;
use crate::tree::ParseError;
use anyhow::Result;
use baseline_docs::ParsedBaseline;
use rayon::prelude::*;
use select::{Selection, default_jobs, select};
use std::collections::{BTreeMap, BTreeSet};

/// One host as a member of one group (a host in two groups is checked twice).
struct Target<'a> {
    group: &'a Group,
    host: &'a str,
    expected: BTreeMap<String, BaselineFile>,
    /// The baseline files of `expected` no file entry selects: included by one that is, each
    /// with the format it is read in (its includer's) and the entry file it was reached from.
    followed: Vec<(String, Format, String)>,
    /// Every path or glob the baseline's includes name.
    asked: BTreeSet<String>,
    /// Not selected, but read for the checks across hosts (see [`support`]).
    support: bool,
}

impl Target<'_> {
    /// The format `path` is read in: its file entry's, or its includer's (on the baseline's
    /// side, or in `snap`), else detected from its name.
    fn format_of(&self, snap: Option<&collect::Snapshot>, path: &str) -> Format {
        if self.group.files.iter().any(|s| s.matches(path)) {
            return self.group.format_of(path);
        }
        snap.and_then(|s| s.followed.get(path).copied())
            .or_else(|| {
                self.followed
                    .iter()
                    .find(|(p, _, _)| p == path)
                    .map(|(_, f, _)| *f)
            })
            .unwrap_or_else(|| self.group.format_of(path))
    }

    /// Whether `path`'s format is decided by its content: a file entry of the group selects
    /// it, forces no format, and its name says nothing (see [`crate::normalize::sniff`]).
    fn sniffs(&self, path: &str) -> bool {
        self.group.files.iter().any(|s| s.matches(path)) && self.group.sniffs(path)
    }

    /// Trouble with this host (and `file`, and the place `e` points at).
    fn problem(&self, file: Option<&str>, e: Option<&ParseError>, message: String) -> Problem {
        Problem {
            host: Some(self.host.to_string()),
            file: file.map(str::to_string),
            line: e.map(|e| e.line),
            column: e.map(|e| e.column),
            message,
        }
    }
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
    /// Notes for the report (once each).
    notices: Vec<String>,
    /// Files whose format their content decided: path, format, why.
    detected: Vec<(String, Format, String)>,
}

/// One host, top to bottom: collect its files; compare each with its baseline (parse, diff);
/// read each as its program does (refusals, explicit defaults); read each with its includes;
/// ask its running servers and compare them with their files; judge each by the rules.
fn check_host(t: &Target, parsed: &ParsedBaseline, rules: &Rules) -> HostResult {
    let mut out = HostResult::default();
    let vars = t.group.vars.get(t.host);
    let snap = match collect::collect_following(
        &t.group.transport,
        t.host,
        vars,
        &t.group.files,
        &t.followed,
    ) {
        Ok(s) => s,
        Err(msg) => {
            out.errors.push(t.problem(None, None, msg));
            return out;
        }
    };
    collection_notes(t, &snap, &mut out);
    let mut compared = compare::files(t, parsed, &snap, &mut out);
    program::settle(t, &snap, &mut compared, &mut out);
    through_includes(t, &snap, &mut compared, &mut out);
    running::settle(t, &compared, rules, &mut out);
    let version_of = |path: &str| t.group.version_of(path);
    for (file, effective) in effective::views(compared, &version_of) {
        let effective = effective.as_ref().map(|(b, l)| (b.as_ref(), l.as_ref()));
        judge::settle(t, rules, file, effective, &mut out);
    }
    out
}

/// What following includes met: a required include missing on the host (trouble), one naming
/// something outside the entry file's area (a notice: not read).
fn collection_notes(t: &Target, snap: &collect::Snapshot, out: &mut HostResult) {
    for (file, line, message) in &snap.trouble {
        let mut p = t.problem(Some(file), None, message.clone());
        p.line = (*line > 0).then_some(*line);
        out.errors.push(p);
    }
    for (file, line, pattern, area) in &snap.outside {
        let notice = format!(
            "{file}:{line}: includes {pattern}, outside {area}: not read (list it in `files` to compare it)"
        );
        if !out.notices.contains(&notice) {
            out.notices.push(notice);
        }
    }
}

/// The stages that read a host's files through their includes (ssh_config host by host;
/// PostgreSQL and sshd), with what the group lists and the collection asked for.
fn through_includes(
    t: &Target,
    snap: &collect::Snapshot,
    compared: &mut [compare::Compared],
    out: &mut HostResult,
) {
    let known = |pattern: &str| {
        let probe = pattern.replace('*', "confdrift-probe");
        snap.asked.contains(pattern)
            || t.asked.contains(pattern)
            || t.group.files.iter().any(|s| s.matches(&probe))
    };
    let listed = |path: &str| t.group.files.iter().any(|s| s.matches(path));
    let version_of = |path: &str| t.group.version_of(path);
    let scope = scope::Scope {
        known: &known,
        listed: &listed,
        version_of: &version_of,
    };
    for (file, line, message) in
        ssh_hosts::settle_host(&scope, compared, &mut out.notices, &mut out.findings)
    {
        let mut p = t.problem(Some(&file), None, message);
        p.line = Some(line);
        out.errors.push(p);
    }
    for (file, line, message) in effective::refused_includes(&scope, compared) {
        let mut p = t.problem(Some(&file), None, message);
        p.line = Some(line);
        out.errors.push(p);
    }
    effective::drop_without_effect(&scope, compared, &mut out.notices, &mut out.findings);
}

/// `confdrift check`: the selected hosts (and those the checks across hosts need), each
/// checked in parallel, then the checks across hosts and the waivers, into one report.
pub fn check(
    cfg: &Config,
    sel: &Selection,
    reference: &str,
    jobs: Option<usize>,
    quiet: bool,
) -> Result<Report> {
    let started = std::time::SystemTime::now();
    let clock = std::time::Instant::now();
    let mut targets = select(cfg, sel)?;
    let narrowed = sel.shard.is_none() && !(sel.hosts.is_empty() && sel.groups.is_empty());
    let (extra, scope) = support::support(cfg, &targets);
    let selected_count = targets.len();
    if narrowed {
        targets.extend(extra);
    }
    let baseline = Baseline::open(&cfg.baseline, reference)?;
    let mut report = Report {
        baseline: baseline.info.clone(),
        notices: baseline.notes.clone(),
        ..Report::default()
    };
    let mut cache = baseline_follow::Cache::new();
    let targets: Vec<Target> = targets
        .into_iter()
        .enumerate()
        .map(|(i, (group, host))| {
            let all = baseline.files_for(&group.name, host);
            let mut expected: BTreeMap<String, BaselineFile> = all
                .iter()
                .filter(|(path, _)| group.files.iter().any(|s| s.matches(path)))
                .map(|(p, f)| (p.clone(), f.clone()))
                .collect();
            let (followed, asked) =
                baseline_follow::follow(&baseline, group, &all, &mut expected, &mut cache);
            Target {
                group,
                host,
                expected,
                followed,
                asked,
                support: i >= selected_count,
            }
        })
        .collect();
    let parsed = baseline_docs::parse(&baseline, &targets, &mut report.errors);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or_else(|| default_jobs(targets.iter().map(|t| t.group))))
        .build()?;
    let bar = crate::progress::hosts(targets.len(), quiet);
    let results: Vec<HostResult> = pool.install(|| {
        targets
            .par_iter()
            .map(|t| {
                let r = check_host(t, &parsed, &cfg.rules);
                bar.inc(1);
                r
            })
            .collect()
    });
    bar.finish_and_clear();

    let mut hosts = BTreeSet::new();
    let mut facts = Vec::with_capacity(results.len());
    // The formats files were read in by their content, for the checks across hosts (which
    // secrets their values hold): the first host's reading of each group's file.
    let mut by_content: BTreeMap<(String, String), Format> = BTreeMap::new();
    for (t, r) in targets.iter().zip(&results) {
        for (file, format, _) in &r.detected {
            if *format != Format::Text {
                by_content
                    .entry((t.group.name.clone(), file.clone()))
                    .or_insert(*format);
            }
        }
    }
    for (t, r) in targets.iter().zip(results) {
        let up = !r.errors.iter().any(|e| e.file.is_none());
        if t.support {
            // Read for the checks across hosts only: its trouble where they needed it.
            let group = t.group.name.as_str();
            report
                .errors
                .extend(
                    r.errors
                        .into_iter()
                        .filter(|e| scope.needs(group, e))
                        .map(|mut e| {
                            e.message = format!(
                                "{} (read for the checks across hosts of the selection)",
                                e.message
                            );
                            e
                        }),
                );
            facts.push((t.host, group, r.facts, up));
            continue;
        }
        hosts.insert(t.host);
        report.host_runs.push(HostRun {
            host: t.host.to_string(),
            group: t.group.name.clone(),
            up,
            files: r.paths.clone(),
            yaml_1_1: t.group.yaml_1_1_files(&r.paths),
        });
        for (file, format, why) in &r.detected {
            if crate::collect::verbose() {
                eprintln!(
                    "confdrift: {}: {file}: read as {} ({why})",
                    t.host,
                    format.label()
                );
            }
            report.add_detected(Some(t.host), file, format.label(), why);
        }
        report.findings.extend(r.findings);
        report.errors.extend(r.errors);
        for n in r.notices {
            if !report.notices.contains(&n) {
                report.notices.push(n);
            }
        }
        report.files += r.files;
        facts.push((t.host, t.group.name.as_str(), r.facts, up));
    }
    report.hosts = hosts.len();
    let views: Vec<(&str, &str, &Facts, bool)> =
        facts.iter().map(|(h, g, f, up)| (*h, *g, f, *up)).collect();
    let format_in = |group: &str, file: &str| {
        by_content
            .get(&(group.to_string(), file.to_string()))
            .copied()
            .unwrap_or_else(|| cfg.format_in(group, file))
    };
    if sel.shard.is_none() {
        let (found, trouble) = cfg.rules.across_hosts(&views, &format_in, true);
        report
            .findings
            .extend(found.into_iter().filter(|f| !narrowed || scope.reports(f)));
        report.errors.extend(trouble);
    } else {
        // A shard sees only its own hosts: a sum over a part of the fleet would understate
        // the demand. Its report carries the values instead; `merge` runs the checks.
        let key = match secret::key::cached() {
            Ok(k) => k.as_ref(),
            Err(_) => None,
        };
        for (host, group, f, up) in &views {
            let format = |file: &str| format_in(group, file);
            report.facts.push(crate::rules::facts_json::to_json(
                host, group, *up, f, &format, key,
            ));
        }
        report.notices.push(
            "checks across hosts (capacity, unique, outliers) need every shard: `confdrift merge` runs them over the shards' JSON reports".to_string(),
        );
    }
    let findings = std::mem::take(&mut report.findings);
    report.findings = waiver::apply(&cfg.rules.waivers, findings, &today(), &mut report.notices);
    report.set_timing(started, clock);
    report.show_raw_bytes();
    report.sort();
    Ok(report)
}
