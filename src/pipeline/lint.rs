//! The engine of `confdrift lint`: the config file, the inventory and the rules are valid (loading the config
//! checks them), and the baseline itself at `--baseline-ref` keeps every rule and capacity check.
//! A CI gate: a commit that types a tiny pool limit into the intended state fails before it ships.

use crate::baseline::Baseline;
use crate::config::Config;
use crate::normalize::{Document, Format};
use crate::pipeline::select::{Selection, select};
use crate::report::{Finding, HostRun, Problem, Report};
use crate::rules::{Facts, FileCtx, Included, today, waiver};
use anyhow::Result;
use git2::Oid;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub fn lint(cfg: &Config, reference: &str) -> Result<Report> {
    lint_baseline(cfg, &Baseline::open(&cfg.baseline, reference)?)
}

/// [`lint`] of a baseline already opened (at a ref, or as the work tree holds it).
pub fn lint_baseline(cfg: &Config, baseline: &Baseline) -> Result<Report> {
    let started = std::time::SystemTime::now();
    let clock = std::time::Instant::now();
    let mut report = Report {
        lint: true,
        baseline: baseline.info.clone(),
        notices: baseline.notes.clone(),
        ..Report::default()
    };
    let targets = select(cfg, &Selection::default())?;
    let mut parsed: HashMap<(Oid, &'static str), Option<Document>> = HashMap::new();
    let mut facts: Vec<(&str, &str, Facts)> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut seen_sources = BTreeSet::new();
    let mut used_rules = vec![false; cfg.rules.rules.len()];
    let mut follow_cache = super::baseline_follow::Cache::new();
    let mut sniffed: HashMap<Oid, Option<crate::normalize::sniff::Sniffed>> = HashMap::new();
    for (group, host) in &targets {
        let mut host_facts = Facts::default();
        let files = baseline.files_for(&group.name, host);
        // The files the entries select, and those they include (in their includer's format),
        // as check reads the baseline.
        let mut expected: BTreeMap<String, crate::baseline::BaselineFile> = files
            .iter()
            .filter(|(p, _)| group.files.iter().any(|s| s.matches(p)))
            .map(|(p, f)| (p.clone(), f.clone()))
            .collect();
        let (followed, _) = super::baseline_follow::follow(
            baseline,
            group,
            &files,
            &mut expected,
            &mut follow_cache,
        );
        let chosen: Vec<(&String, &crate::baseline::BaselineFile, Format)> = expected
            .iter()
            .map(|(p, f)| {
                let followed = followed.iter().find(|(q, _, _)| q == p);
                let mut format = followed.map_or_else(|| group.format_of(p), |(_, f, _)| *f);
                if followed.is_none() && format == Format::Text && group.sniffs(p) {
                    // Its name says nothing: its content decides (normalize::sniff).
                    let s = sniffed.entry(f.oid).or_insert_with(|| {
                        baseline
                            .read(f.oid)
                            .ok()
                            .map(|bytes| crate::normalize::sniff::one(&bytes))
                    });
                    if let Some(s) = s {
                        format = s.format;
                        report.add_detected(Some(host), p, s.format.label(), &s.why);
                    }
                }
                (p, f, format)
            })
            .collect();
        // Every file parsed first, so that a postgresql.conf's includes can be followed.
        for &(_, file, format) in &chosen {
            parsed.entry((file.oid, format.label())).or_insert_with(|| {
                match baseline.read(file.oid) {
                    Err(e) => {
                        report.errors.push(problem(
                            &file.source,
                            None,
                            format!("cannot read baseline blob: {e}"),
                        ));
                        None
                    }
                    Ok(bytes) => match format.parse(&bytes) {
                        Ok(doc) => Some(doc),
                        Err(e) => {
                            report.errors.push(problem(
                                &file.source,
                                Some((e.line, e.column)),
                                format!("baseline file does not parse: {}", e.message),
                            ));
                            None
                        }
                    },
                }
            });
        }
        let tree_of = |file: &crate::baseline::BaselineFile, format: Format| {
            parsed
                .get(&(file.oid, format.label()))
                .and_then(|d| d.as_ref())
                .and_then(Document::tree)
        };
        // The files of one format (a file's includes are read in its format).
        let paths_in = |name: &str| -> Vec<&str> {
            chosen
                .iter()
                .filter(|(_, _, f)| f.name() == name)
                .map(|(p, _, _)| p.as_str())
                .collect()
        };
        // What sshd does not start with in what it runs with, each sshd_config no other
        // includes read through the includes the baseline holds.
        let sshd: Vec<(&str, &crate::tree::Tree)> = chosen
            .iter()
            .filter(|(_, _, f)| f.name() == "sshd")
            .filter_map(|&(p, file, f)| Some((p.as_str(), tree_of(file, f)?)))
            .collect();
        let version_of = |p: &str| group.version_of(p).map(str::to_string);
        for (path, line, message) in super::sshd_refusals::unstartable_in(&sshd, &version_of) {
            let source = files
                .get(&path)
                .map_or(path.as_str(), |b| b.source.as_str());
            let p = Problem {
                line: Some(line),
                ..problem(source, None, message)
            };
            if !report.errors.contains(&p) {
                report.errors.push(p);
            }
        }
        for &(path, file, format) in &chosen {
            let Some(own) = tree_of(file, format) else {
                continue;
            };
            if seen_sources.insert(file.source.clone()) {
                report.files += 1;
                // What the program would refuse in the intended state, once per baseline file.
                let version = super::program::version_in(group, path, format);
                let bytes = baseline.read(file.oid).unwrap_or_default();
                for (line, message) in super::program::refusals(format, path, version, own, &bytes)
                {
                    report.errors.push(Problem {
                        line: Some(line),
                        column: None,
                        ..problem(&file.source, None, message)
                    });
                }
            }
            for (i, r) in cfg.rules.rules.iter().enumerate() {
                if !used_rules[i]
                    && r.covers(&group.name, Some(host), path)
                    && own.iter().any(|(k, _)| r.key_for(format).is_match(k))
                {
                    used_rules[i] = true;
                }
            }
            // What the program runs with, through the includes, as check's judge reads it.
            let effective = super::effective::resolver(format.name()).and_then(|resolve| {
                let name = format.name();
                let lookup = |p: &str| {
                    chosen
                        .iter()
                        .find(|(q, _, f)| q.as_str() == p && f.name() == name)
                        .and_then(|&(_, file, format)| tree_of(file, format))
                };
                resolve(
                    path,
                    Some(own),
                    &lookup,
                    &paths_in(name),
                    group.version_of(path),
                )
            });
            let tree = effective.as_ref().map_or(own, |e| &e.tree);
            let from = effective.as_ref().map(|e| &e.from);
            let ctx = FileCtx {
                group: &group.name,
                host: Some(host),
                file: path,
                format,
                baseline_source: Some(&file.source),
                included: Included {
                    live: None,
                    base: from,
                },
            };
            for mut f in cfg.rules.apply_file(&ctx, Some(tree), None, Vec::new()) {
                // A value an included file set is named with that file's baseline.
                let source = if f.file == *path {
                    &file.source
                } else {
                    match files.get(&f.file) {
                        Some(b) => {
                            f.baseline_source = Some(b.source.clone());
                            &b.source
                        }
                        None => &file.source,
                    }
                };
                // A group file's finding is the same for every host of the group: say it once.
                if source.contains("/groups/") || source.starts_with("groups/") {
                    f.host = None;
                }
                if !findings.contains(&f) {
                    findings.push(f);
                }
            }
            // What the server runs with is what the checks across hosts read.
            let ctx = FileCtx {
                included: Included {
                    live: from,
                    base: None,
                },
                ..ctx
            };
            cfg.rules.gather(&ctx, tree, true, &mut host_facts);
        }
        report.host_runs.push(HostRun {
            host: host.to_string(),
            group: group.name.clone(),
            up: true,
            files: files.keys().cloned().collect(),
            yaml_1_1: group.yaml_1_1_files(files.keys()),
        });
        facts.push((host, &group.name, host_facts));
    }
    let views: Vec<(&str, &str, &Facts, bool)> =
        facts.iter().map(|(h, g, f)| (*h, *g, f, true)).collect();
    let format_in = |group: &str, file: &str| cfg.format_in(group, file);
    let (across, trouble) = cfg.rules.across_hosts(&views, &format_in, false);
    for mut f in across {
        // Values here are the baseline's.
        f.baseline = f.live.take();
        f.baseline_line = f.line.take();
        findings.push(f);
    }
    report.errors.extend(trouble);
    for r in &cfg.rules.rules {
        if let Some((key, format)) = r.impossible_key() {
            report.errors.push(Problem {
                host: None,
                file: Some(cfg.path.display().to_string()),
                line: u32::try_from(r.line).ok(),
                column: None,
                message: format!(
                    "the rule {:?} names the key {key:?}, which no {format} file can hold; \
                     expected a key as that file's reader writes it",
                    r.label
                ),
            });
        }
    }
    for (i, r) in cfg.rules.rules.iter().enumerate() {
        if !used_rules[i] && r.key.literal().is_some() && !r.secret {
            report.notices.push(format!(
                "the rule at line {} ({}) matches no key of any baseline file; is the key or file misspelled?",
                r.line, r.label
            ));
        }
    }
    report.hosts = targets
        .iter()
        .map(|(_, h)| *h)
        .collect::<BTreeSet<_>>()
        .len();
    report.findings = waiver::apply(&cfg.rules.waivers, findings, &today(), &mut report.notices);
    report.set_timing(started, clock);
    report.show_raw_bytes();
    report.sort();
    Ok(report)
}

fn problem(source: &str, at: Option<(u32, u32)>, message: String) -> Problem {
    Problem {
        host: None,
        file: Some(source.to_string()),
        line: at.map(|a| a.0),
        column: at.map(|a| a.1),
        message,
    }
}
