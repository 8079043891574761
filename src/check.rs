//! `confdrift check`: select hosts, read the baseline once, collect and compare hosts in
//! parallel, and gather findings and trouble into one report.

use crate::baseline::{Baseline, BaselineFile};
use crate::collect::{self, Fetched};
use crate::config::{Config, Group};
use crate::diff::{Change, diff_with};
use crate::includes::{self, Effective};
use crate::normalize::{Document, Format};
use crate::report::{Finding, HostRun, Kind, Problem, Report};
use crate::rules::{Facts, FileCtx, Included, Rules, today, waiver};
use crate::secret;
use crate::tree::{ParseError, Tree};
use anyhow::{Result, bail};
use git2::Oid;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

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
    /// Not selected, but read for the checks across hosts (see [`crate::support`]).
    support: bool,
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
    let mut targets = select(cfg, sel)?;
    let narrowed = sel.shard.is_none() && !(sel.hosts.is_empty() && sel.groups.is_empty());
    let (extra, scope) = crate::support::support(cfg, &targets);
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
    let targets: Vec<Target> = targets
        .into_iter()
        .enumerate()
        .map(|(i, (group, host))| {
            let expected = baseline
                .files_for(&group.name, host)
                .into_iter()
                .filter(|(path, _)| group.files.iter().any(|s| s.matches(path)))
                .collect();
            Target {
                group,
                host,
                expected,
                support: i >= selected_count,
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
            yaml_1_1: yaml_1_1_files(t.group, &r.paths),
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

/// Hosts in parallel by default: one per CPU for local files; for hosts over the network,
/// where the time is spent waiting, 16 at once (or more on a large machine).
pub(crate) fn default_jobs<'a>(mut groups: impl Iterator<Item = &'a Group>) -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let remote = groups.any(|g| {
        matches!(
            g.transport,
            crate::collect::Transport::Ssh(_) | crate::collect::Transport::Command { .. }
        )
    });
    if remote { cpus.max(16) } else { cpus }
}

/// The (group, host) pairs to check, refusing names the config does not know.
pub(crate) fn select<'a>(cfg: &'a Config, sel: &Selection) -> Result<Vec<(&'a Group, &'a str)>> {
    let known_hosts: std::collections::HashSet<&str> = cfg.all_hosts().into_iter().collect();
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
                .entry((file.oid, format.label()))
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

/// Which of `paths` the group reads as YAML 1.1 (for the report).
pub(crate) fn yaml_1_1_files<'a>(
    group: &Group,
    paths: impl IntoIterator<Item = &'a String>,
) -> Vec<String> {
    paths
        .into_iter()
        .filter(|p| format_of(group, p).yaml_version() == Some(crate::normalize::YamlVersion::V1_1))
        .cloned()
        .collect()
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
    // postgresql.conf-format files, kept until every file is read so that a file's includes
    // can be followed (the included ones may come later in path order).
    let mut pg = PgFiles::default();
    for path in paths {
        let finding = |kind: Kind, message: String| Finding {
            host: Some(t.host.to_string()),
            group: Some(t.group.name.clone()),
            file: path.clone(),
            kind,
            severity: crate::rules::drift::DRIFT_SEVERITY,
            baseline_source: t.expected.get(path).map(|b| b.source.clone()),
            message,
            ..Finding::default()
        };
        let format = format_of(t.group, path);
        let base_doc = t
            .expected
            .get(path)
            .and_then(|b| parsed.docs.get(&(b.oid, format.label())));
        // The file's trees (live `None` when it is missing) and its drift, for the rules.
        let (base, live, changes): (Option<&Tree>, Live, Vec<Change>) =
            match (t.expected.get(path), snap.files.get(path)) {
                (_, Some(Fetched::Failed(msg))) => {
                    out.errors.push(problem(Some(path), None, msg.clone()));
                    continue;
                }
                (Some(b), Some(Fetched::Present(bytes))) => {
                    out.files += 1;
                    out.paths.push(path.clone());
                    let Some(Ok(base_doc)) = base_doc else {
                        continue; // baseline unreadable or unparsable: already reported once
                    };
                    // Byte for byte: cheaper than hashing the live file to compare blob ids.
                    if parsed.bytes.get(&b.oid).is_some_and(|raw| raw == bytes) {
                        // The same bytes: no drift, and the live values are the baseline's.
                        (base_doc.tree(), Live::Same, Vec::new())
                    } else {
                        match format.parse(bytes) {
                            Err(e) => {
                                out.errors
                                    .push(problem(Some(path), Some(&e), e.message.clone()));
                                continue;
                            }
                            Ok(live_doc) => {
                                let changes = secret::match_fingerprints(
                                    format,
                                    diff_with(base_doc, &live_doc, &|k| {
                                        secret::is_secret_key(format, k)
                                    }),
                                );
                                (base_doc.tree(), Live::Own(live_doc), changes)
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
                    let Some(Ok(doc)) = base_doc else { continue };
                    (doc.tree(), Live::Missing, Vec::new())
                }
                (None, Some(Fetched::Present(bytes))) => {
                    out.files += 1;
                    out.paths.push(path.clone());
                    out.findings.push(finding(
                        Kind::UnexpectedFile,
                        "on the host, but no baseline file matches it".to_string(),
                    ));
                    if matches!(format, Format::Text | Format::Binary) {
                        continue;
                    }
                    // No baseline: the rules still apply, and outliers are found among peers.
                    match format.parse(bytes) {
                        Err(e) => {
                            out.errors
                                .push(problem(Some(path), Some(&e), e.message.clone()));
                            continue;
                        }
                        Ok(doc) => (None, Live::Own(doc), Vec::new()),
                    }
                }
                (None, _) => continue, // listed, but neither intended nor present
            };
        let baselined = base_doc.is_some();
        let file = Compared {
            path,
            format,
            base,
            live,
            changes,
            baselined,
        };
        if format.name() == "pgconf" {
            pg.files.push(file);
        } else {
            settle(t, rules, file, None, &mut out);
        }
    }
    pg.settle(t, rules, &mut out);
    out
}

/// A file's live side, as far as the rules are concerned.
enum Live {
    /// Byte for byte the baseline.
    Same,
    Own(Document),
    Missing,
}

/// One file of one host, compared; waiting for its rules.
struct Compared<'a> {
    path: &'a String,
    format: Format,
    base: Option<&'a Tree>,
    live: Live,
    changes: Vec<Change>,
    baselined: bool,
}

impl Compared<'_> {
    fn live_tree(&self) -> Option<&Tree> {
        match &self.live {
            Live::Same => self.base,
            Live::Own(doc) => doc.tree(),
            Live::Missing => None,
        }
    }
}

/// Applies the rules to one compared file and gathers what checks across hosts need.
/// `effective` holds the trees read with the file's includes (postgresql.conf).
fn settle(
    t: &Target,
    rules: &Rules,
    mut file: Compared,
    effective: Option<(Option<&Effective>, Option<&Effective>)>,
    out: &mut HostResult,
) {
    let changes = std::mem::take(&mut file.changes);
    let (base_eff, live_eff) = effective.unwrap_or((None, None));
    let ctx = FileCtx {
        group: &t.group.name,
        host: Some(t.host),
        file: file.path,
        format: file.format,
        baseline_source: t.expected.get(file.path).map(|b| b.source.as_str()),
        included: Included {
            live: live_eff.map(|e| &e.from),
            base: base_eff.map(|e| &e.from),
        },
    };
    let own_live = file.live_tree();
    let base = base_eff.map(|e| &e.tree).or(file.base);
    let live = live_eff.map(|e| &e.tree).or(own_live);
    let found = rules.apply_file(&ctx, base, live, changes);
    if effective.is_none() {
        out.findings.extend(found);
    } else {
        for mut f in found {
            if f.file == *file.path {
                out.findings.push(f);
                continue;
            }
            // A value an included file set: named with that file's baseline; folded into
            // that file's own finding on the same line, as a rule's message is into drift.
            f.baseline_source = f
                .baseline_line
                .and_then(|_| t.expected.get(&f.file))
                .map(|b| b.source.clone());
            let same = out
                .findings
                .iter_mut()
                .find(|g| g.file == f.file && g.key == f.key && g.line == f.line);
            match same {
                Some(g) if g.kind == f.kind => {}
                Some(g) if g.kind.is_drift() => {
                    g.severity = g.severity.max(f.severity);
                    g.message = f.message;
                    g.rule = f.rule;
                    g.hint = g.hint.take().or(f.hint);
                }
                _ => out.findings.push(f),
            }
        }
    }
    if let Some(tree) = base {
        rules.gather_base(&ctx, tree, &mut out.facts);
    }
    if let Some(tree) = live {
        rules.gather(&ctx, tree, true, &mut out.facts);
        if !file.baselined
            && let Some(own) = own_live
        {
            out.facts
                .unbaselined
                .push((file.path.to_string(), own.clone()));
        }
    }
}

/// The effective settings of `path` when it has includes that change something.
fn follow<'t>(
    path: &str,
    tree: Option<&'t Tree>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
) -> Option<Effective> {
    tree.filter(|t| includes::has_includes(t))
        .and_then(|tree| includes::resolve(path, tree, lookup, paths))
}

/// The postgresql.conf-format files of one host.
#[derive(Default)]
struct PgFiles<'a> {
    files: Vec<Compared<'a>>,
}

impl<'a> PgFiles<'a> {
    fn find(&self, path: &str) -> Option<&Compared<'a>> {
        self.files.iter().find(|f| f.path == path)
    }

    /// Applies the rules to every file, each read with the files it includes (both sides).
    fn settle(self, t: &Target, rules: &Rules, out: &mut HostResult) {
        let base_paths: Vec<&str> = self
            .files
            .iter()
            .filter(|f| f.base.is_some())
            .map(|f| f.path.as_str())
            .collect();
        let live_paths: Vec<&str> = self
            .files
            .iter()
            .filter(|f| f.live_tree().is_some())
            .map(|f| f.path.as_str())
            .collect();
        let mut resolved = Vec::with_capacity(self.files.len());
        for f in &self.files {
            resolved.push((
                follow(
                    f.path,
                    f.base,
                    &|p| self.find(p).and_then(|g| g.base),
                    &base_paths,
                ),
                follow(
                    f.path,
                    f.live_tree(),
                    &|p| self.find(p).and_then(Compared::live_tree),
                    &live_paths,
                ),
            ));
        }
        // Files with no includes first, so a finding on an included file is its own.
        let mut order: Vec<_> = self.files.into_iter().zip(resolved).collect();
        order.sort_by_key(|(_, (b, l))| b.is_some() || l.is_some());
        for (file, (base, live)) in order {
            let effective =
                (base.is_some() || live.is_some()).then_some((base.as_ref(), live.as_ref()));
            settle(t, rules, file, effective, out);
        }
    }
}
