//! `confdrift lint`: the config file, the inventory and the rules are valid (loading the config
//! checks them), and the baseline itself at `--baseline-ref` keeps every rule and capacity check.
//! A CI gate: a commit that types a tiny pool limit into the intended state fails before it ships.

use crate::baseline::Baseline;
use crate::check::{Selection, format_of, select};
use crate::config::Config;
use crate::normalize::Document;
use crate::report::{Finding, HostRun, Problem, Report};
use crate::rules::{Facts, FileCtx, today, waiver};
use anyhow::Result;
use git2::Oid;
use std::collections::{BTreeSet, HashMap};

pub fn lint(cfg: &Config, reference: &str) -> Result<Report> {
    let started = std::time::SystemTime::now();
    let clock = std::time::Instant::now();
    let baseline = Baseline::open(&cfg.baseline, reference)?;
    let mut report = Report {
        baseline: Some(baseline.info.clone()),
        ..Report::default()
    };
    let targets = select(cfg, &Selection::default())?;
    let mut parsed: HashMap<(Oid, &'static str), Option<Document>> = HashMap::new();
    let mut facts: Vec<(&str, &str, Facts)> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut seen_sources = BTreeSet::new();
    let mut used_rules = vec![false; cfg.rules.rules.len()];
    for (group, host) in &targets {
        let mut host_facts = Facts::default();
        let files = baseline.files_for(&group.name, host);
        for (path, file) in files
            .iter()
            .filter(|(p, _)| group.files.iter().any(|s| s.matches(p)))
        {
            let format = format_of(group, path);
            let doc = parsed.entry((file.oid, format.name())).or_insert_with(|| {
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
            let Some(tree) = doc.as_ref().and_then(Document::tree) else {
                continue;
            };
            if seen_sources.insert(file.source.clone()) {
                report.files += 1;
            }
            for (i, r) in cfg.rules.rules.iter().enumerate() {
                if !used_rules[i]
                    && r.covers(&group.name, Some(host), path)
                    && tree.iter().any(|(k, _)| r.key.is_match(k))
                {
                    used_rules[i] = true;
                }
            }
            let ctx = FileCtx {
                group: &group.name,
                host: Some(host),
                file: path,
                format,
                baseline_source: Some(&file.source),
            };
            for mut f in cfg.rules.apply_file(&ctx, Some(tree), None, Vec::new()) {
                // A group file's finding is the same for every host of the group: say it once.
                if file.source.contains("/groups/") || file.source.starts_with("groups/") {
                    f.host = None;
                }
                if !findings.contains(&f) {
                    findings.push(f);
                }
            }
            cfg.rules.gather(&ctx, tree, true, &mut host_facts);
        }
        report.host_runs.push(HostRun {
            host: host.to_string(),
            group: group.name.clone(),
            up: true,
            files: files.keys().cloned().collect(),
        });
        facts.push((host, &group.name, host_facts));
    }
    let views: Vec<(&str, &str, &Facts, bool)> =
        facts.iter().map(|(h, g, f)| (*h, *g, f, true)).collect();
    let format_in = |group: &str, file: &str| crate::check::format_in(cfg, group, file);
    let (across, trouble) = cfg.rules.across_hosts(&views, &format_in, false);
    for mut f in across {
        // Values here are the baseline's.
        f.baseline = f.live.take();
        f.baseline_line = f.line.take();
        findings.push(f);
    }
    report.errors.extend(trouble);
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
