//! The engine of `confdrift diff OLD NEW`: the same normalization and report as `check`, for
//! two local files or two directories compared file by file. `baseline` is OLD's value and `live` is NEW's.

use crate::collect::MAX_FILE_BYTES;
use crate::diff::diff_with;
use crate::normalize::{Format, YamlVersion};
use crate::report::{Finding, Kind, Problem, Report, Severity};
use crate::rules::drift::finding_from_change;
use anyhow::{Result, bail};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

/// `forced`: the format of every file (else detected from its name); `yaml`: the version
/// YAML files are read as (else 1.2, or 1.1 for the paths `Format::detect` knows);
/// `version`: the version of the program that reads the files (its defaults table).
pub fn diff_paths(
    old: &Path,
    new: &Path,
    forced: Option<Format>,
    yaml: Option<YamlVersion>,
    version: Option<&str>,
) -> Result<Report> {
    let mut report = Report::default();
    let mut how = How {
        forced,
        yaml,
        version,
        pg_alone: true,
        dirs: false,
    };
    match (old.is_dir(), new.is_dir()) {
        (false, false) => {
            let name = new.to_string_lossy();
            if let Some(d) = diff_file(old, new, &name, how, None, &mut report) {
                let Diffed {
                    format,
                    old_name,
                    changes,
                    ..
                } = d;
                for c in changes {
                    report.findings.push(finding_from_change(
                        format,
                        None,
                        None,
                        &name,
                        Some(&old_name),
                        c,
                    ));
                }
            }
            report.files = 1;
        }
        (true, true) => {
            let rel = |root: &Path| -> BTreeSet<String> {
                walkdir::WalkDir::new(root)
                    .into_iter()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_file())
                    .filter_map(|e| {
                        let r = e.path().strip_prefix(root).ok()?;
                        r.to_str().map(str::to_string)
                    })
                    .collect()
            };
            let (olds, news) = (rel(old), rel(new));
            // Explicit defaults only where no other postgresql.conf-format file can set the
            // value (see pipeline::defaults).
            let pg = |n: &&String| forced.unwrap_or_else(|| Format::detect(n)).name() == "pgconf";
            how.pg_alone = olds.union(&news).filter(pg).count() <= 1;
            how.dirs = true;
            let included = included_formats(old, new, &olds, &news, how);
            let mut diffed = Vec::new();
            let mut whole = Vec::new();
            for name in olds.union(&news) {
                let (o, n) = (old.join(name), new.join(name));
                let by = included.get(name).map(|(f, by)| (*f, by.as_str()));
                match (olds.contains(name), news.contains(name)) {
                    (true, true) => diffed.extend(diff_file(&o, &n, name, how, by, &mut report)),
                    (true, false) => {
                        whole.push(whole_file(
                            name,
                            Kind::MissingFile,
                            format!("only in {}", old.display()),
                        ));
                        diffed.extend(one_side(&o, name, how, by, true, &mut report));
                    }
                    _ => {
                        whole.push(whole_file(
                            name,
                            Kind::UnexpectedFile,
                            format!("only in {}", new.display()),
                        ));
                        diffed.extend(one_side(&n, name, how, by, false, &mut report));
                    }
                }
                report.files += 1;
            }
            through_includes(diffed, whole, (old, new), how, &included, &mut report);
        }
        _ => bail!(
            "cannot compare a file with a directory: {} and {}",
            old.display(),
            new.display()
        ),
    }
    report.show_raw_bytes();
    report.sort();
    Ok(report)
}

fn whole_file(name: &str, kind: Kind, message: String) -> Finding {
    Finding {
        host: None,
        group: None,
        file: name.to_string(),
        kind,
        severity: Severity::Warning,
        message,
        ..Finding::default()
    }
}

/// How files are read: `--as` and `--yaml`.
#[derive(Clone, Copy)]
struct How<'a> {
    forced: Option<Format>,
    yaml: Option<YamlVersion>,
    version: Option<&'a str>,
    /// No other postgresql.conf-format file is compared beside this one.
    pg_alone: bool,
    /// Two directories: ssh_config is read host by host with its includes after every file
    /// is read ([`through_includes`]), not file by file.
    dirs: bool,
}

/// One file of a pair, read and diffed, waiting for the stage that reads files through their
/// includes (directories) or for its findings (two files).
struct Diffed {
    name: String,
    format: Format,
    old_name: String,
    old: Option<crate::normalize::Document>,
    new: Option<crate::normalize::Document>,
    changes: Vec<crate::diff::Change>,
}

/// A file of one side only, parsed when its program reads it through includes (its settings
/// may change what another file's program runs with), with what the program refuses in it;
/// its whole-file finding is made apart.
fn one_side(
    path: &Path,
    name: &str,
    how: How,
    included: Option<(Format, &str)>,
    old_side: bool,
    report: &mut Report,
) -> Option<Diffed> {
    let format = how
        .forced
        .or(included.map(|(f, _)| f))
        .unwrap_or_else(|| Format::detect(name));
    if !matches!(
        format.name(),
        "pgconf"
            | "sshd"
            | "ssh"
            | "nginx"
            | "mycnf"
            | "redis"
            | "pgbouncer"
            | "phpfpm"
            | "systemd"
    ) {
        return None;
    }
    let bytes = read(path).ok();
    let doc = bytes.as_ref().and_then(|b| format.parse(b).ok());
    // What its program refuses in it, as in a file both sides hold.
    if let (Some(bytes), Some(tree)) = (&bytes, doc.as_ref().and_then(|d| d.tree())) {
        for (line, message) in super::program::refusals(format, name, how.version, tree, bytes) {
            report.errors.push(Problem {
                host: None,
                file: Some(path.display().to_string()),
                line: Some(line),
                column: None,
                message,
            });
        }
    }
    let (old, new) = if old_side { (doc, None) } else { (None, doc) };
    Some(Diffed {
        name: name.to_string(),
        format,
        old_name: path.display().to_string(),
        old,
        new,
        changes: Vec::new(),
    })
}

/// The files of either directory that a file of a program that reads includes names (on
/// either side), with its format and the includer's name: `conf.d/a.conf`, which
/// `include_dir = 'conf.d'` names, is read as postgresql.conf whatever its name says.
fn included_formats(
    old: &Path,
    new: &Path,
    olds: &BTreeSet<String>,
    news: &BTreeSet<String>,
    how: How,
) -> std::collections::BTreeMap<String, (Format, String)> {
    let mut out: std::collections::BTreeMap<String, (Format, String)> = Default::default();
    if how.forced.is_some() {
        return out;
    }
    let names: Vec<&String> = olds.union(news).collect();
    // Each with the entry file it was reached from (nginx resolves relative includes against
    // its main file's directory).
    let mut frontier: Vec<(&String, Format, String)> = names
        .iter()
        .map(|n| (*n, Format::detect(n)))
        .filter(|(_, f)| crate::normalize::follow::can_include(*f))
        .map(|(n, f)| (n, f, format!("/{n}")))
        .collect();
    for _ in 0..crate::collect::follow_limits::MAX_ROUNDS {
        let mut next = Vec::new();
        for (name, format, entry) in frontier.drain(..) {
            let abs = format!("/{name}");
            for root in [old, new] {
                let Ok(bytes) = read(&root.join(name)) else {
                    continue;
                };
                for inc in crate::normalize::follow::includes_in(format, &abs, &entry, &bytes) {
                    let Ok(spec) = crate::collect::FileSpec::new(&inc.pattern, None) else {
                        continue;
                    };
                    for other in &names {
                        let base = other.rsplit('/').next().unwrap_or(other);
                        if *other != name
                            && !out.contains_key(*other)
                            && !(inc.skip_dot_files && base.starts_with('.'))
                            && spec.matches(&format!("/{other}"))
                            && inc.admits(&format!("/{other}"))
                        {
                            let format = inc.format.unwrap_or(format);
                            out.insert((*other).clone(), (format, name.clone()));
                            next.push((*other, format, entry.clone()));
                        }
                    }
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    out
}

/// The files of two directories read through their includes as their programs read them
/// (PostgreSQL, sshd: see [`super::effective`]), then their findings. What an include names is
/// known when its directory is one of the compared ones (`conf.d`; `/etc/ssh/sshd_config.d`
/// when the directories hold copies of `/`, as `collect --out` writes them).
fn through_includes(
    diffed: Vec<Diffed>,
    whole: Vec<Finding>,
    roots: (&Path, &Path),
    how: How,
    included: &std::collections::BTreeMap<String, (Format, String)>,
    report: &mut Report,
) {
    use super::compare::{Compared, Live};
    let paths: Vec<String> = diffed.iter().map(|d| format!("/{}", d.name)).collect();
    let dirs: BTreeSet<&str> = paths
        .iter()
        .map(|p| {
            p.rfind('/')
                .map_or("/", |i| if i == 0 { "/" } else { &p[..i] })
        })
        .collect();
    let known = |pattern: &str| {
        let literal = pattern
            .split('/')
            .take_while(|seg| !seg.contains(['*', '?', '[', '{']))
            .collect::<Vec<_>>()
            .join("/");
        let dir = if literal.len() < pattern.len() {
            literal
        } else {
            literal
                .rfind('/')
                .map_or("/".to_string(), |i| literal[..i.max(1)].to_string())
        };
        // A glob whose directory is beside compared files (nginx's `modules-enabled/*.conf`
        // beside nginx.conf) and holds none on either side matches nothing there.
        let beside = pattern.contains(['*', '?', '['])
            && dir
                .rfind('/')
                .is_some_and(|i| dirs.contains(&dir[..i.max(1)]));
        dirs.contains(dir.as_str()) || beside
    };
    // A file no include names is one the program reads first: as good as listed.
    let listed = |path: &str| !included.contains_key(path.trim_start_matches('/'));
    let version_of = |_: &str| how.version;
    let scope = super::scope::Scope {
        known: &known,
        listed: &listed,
        version_of: &version_of,
    };
    let mut rest = Vec::with_capacity(diffed.len());
    let mut files: Vec<Compared> = Vec::with_capacity(diffed.len());
    for (d, path) in diffed.into_iter().zip(&paths) {
        let Diffed {
            name,
            format,
            old_name,
            old,
            new,
            changes,
        } = d;
        rest.push((name, old_name, old));
        files.push(Compared {
            path,
            format,
            base: None,
            live: match new {
                Some(doc) => Live::Own(doc),
                None => Live::Missing,
            },
            changes,
            baselined: false,
        });
    }
    for (f, (_, _, old)) in files.iter_mut().zip(&rest) {
        f.base = old.as_ref().and_then(|d| d.tree());
        f.baselined = old.is_some();
    }
    // What sshd does not start with, on each side, each sshd_config no other includes read
    // through its includes.
    for (root, old_side) in [(roots.0, true), (roots.1, false)] {
        let sshd: Vec<(&str, &crate::tree::Tree)> = files
            .iter()
            .filter(|f| f.format.name() == "sshd")
            .filter_map(|f| {
                Some((
                    f.path.as_str(),
                    if old_side { f.base? } else { f.live_tree()? },
                ))
            })
            .collect();
        let version = |_: &str| how.version.map(str::to_string);
        for (file, line, message) in super::sshd_refusals::unstartable_in(&sshd, &version) {
            report.errors.push(Problem {
                host: None,
                file: Some(
                    root.join(file.trim_start_matches('/'))
                        .display()
                        .to_string(),
                ),
                line: Some(line),
                column: None,
                message,
            });
        }
    }
    let mut whole: Vec<Finding> = whole
        .into_iter()
        .map(|mut w| {
            w.file = format!("/{}", w.file);
            w
        })
        .collect();
    for (file, line, message) in
        super::ssh_hosts::settle_host(&scope, &mut files, &mut report.notices, &mut whole)
    {
        report.errors.push(Problem {
            host: None,
            file: Some(file.trim_start_matches('/').to_string()),
            line: Some(line),
            column: None,
            message,
        });
    }
    super::effective::drop_without_effect(&scope, &mut files, &mut report.notices, &mut whole);
    for w in &mut whole {
        w.file.remove(0);
    }
    report.findings.extend(whole);
    for (f, (name, old_name, _)) in files.into_iter().zip(&rest) {
        for c in f.changes {
            report.findings.push(finding_from_change(
                f.format,
                None,
                None,
                name,
                Some(old_name),
                c,
            ));
        }
    }
    // The names as given: `conf.d/a.conf`, not the `/conf.d/a.conf` the stage read.
    for n in &mut report.notices {
        for p in &paths {
            if n.starts_with(p.as_str()) {
                n.remove(0);
            }
            *n = n.replace(&format!(" {p}:"), &format!(" {}:", &p[1..]));
        }
    }
}

fn diff_file(
    old: &Path,
    new: &Path,
    name: &str,
    how: How,
    included: Option<(Format, &str)>,
    report: &mut Report,
) -> Option<Diffed> {
    // The old side names its own file: `old/x.yml:2`, not only `line 2`.
    let old_name = old.display().to_string();
    let (detected, why) = match (included, Format::detect_why(name)) {
        (Some((format, by)), _) => (format, format!("included by {by}")),
        (None, (Format::Text, _)) => Format::detect_why(&old.to_string_lossy()),
        (None, found) => found,
    };
    let (mut format, mut why) = match how.forced {
        Some(f) => (f, "--as".to_string()),
        None => (detected, why),
    };
    if how.forced.is_none()
        && included.is_none()
        && format == Format::Text
        && let (Ok(a), Ok(b)) = (read(old), read(new))
    {
        // No name says: the content of both sides does (see normalize::sniff).
        let s = crate::normalize::sniff::pair(&a, &b);
        report.add_detected(None, name, s.format.label(), &s.why);
        (format, why) = (s.format, s.why);
    }
    if let Some(version) = how.yaml.or(detected.yaml_version()) {
        format = format.with_yaml(version);
    }
    if format.yaml_version() == Some(YamlVersion::V1_1) {
        let why = if how.yaml.is_some() {
            "--yaml 1.1".to_string()
        } else {
            format!(
                "{}; --yaml 1.2 reads it as YAML 1.2",
                crate::normalize::yaml_1_1_reader(name)
            )
        };
        report
            .notices
            .push(format!("{name}: read as YAML 1.1 ({why})"));
    } else {
        report
            .notices
            .push(format!("{name}: read as {} ({why})", format.name()));
    }
    let mut docs = Vec::with_capacity(2);
    let mut texts = Vec::with_capacity(2);
    for path in [old, new] {
        let shown = path.display().to_string();
        let problem = |line, column, message| Problem {
            host: None,
            file: Some(shown.clone()),
            line,
            column,
            message,
        };
        match read(path) {
            Err(msg) => report.errors.push(problem(None, None, msg)),
            Ok(bytes) => match format.parse(&bytes) {
                Ok(doc) => {
                    docs.push((doc, path));
                    texts.push(bytes);
                }
                Err(e) => report
                    .errors
                    .push(problem(Some(e.line), Some(e.column), e.message)),
            },
        }
    }
    for ((doc, path), bytes) in docs.iter().zip(&texts) {
        let Some(tree) = doc.tree() else { continue };
        let mut refused = super::program::refusals(format, name, how.version, tree, bytes);
        if format.name() == "sshd" && !how.dirs {
            // Two files: each is what sshd runs with (directories: see through_includes).
            let version = |_: &str| how.version.map(str::to_string);
            let alone = super::sshd_refusals::unstartable_in(&[(name, tree)], &version);
            refused.extend(alone.into_iter().map(|(_, line, message)| (line, message)));
        }
        for (line, message) in refused {
            report.errors.push(Problem {
                host: None,
                file: Some(path.display().to_string()),
                line: Some(line),
                column: None,
                message,
            });
        }
    }
    if let [(o, _), (n, _)] = docs.as_slice() {
        let mut changes = crate::secret::match_fingerprints(
            format,
            diff_with(o, n, &|k| crate::secret::is_secret_key(format, k)),
        );
        let includes = [o, n].iter().any(|d| {
            d.tree()
                .is_some_and(crate::normalize::includes::has_includes)
        });
        if how.pg_alone
            && !includes
            && let Some(notice) =
                super::program::drop_explicit_defaults(format, name, how.version, &mut changes)
        {
            report.notices.push(notice);
        }
        let drop = match format.name() {
            "sshd" => Some(super::program::drop_sshd_defaults as fn(_, _, _, _, _) -> _),
            "redis" => Some(super::program::drop_redis_defaults as fn(_, _, _, _, _) -> _),
            "ssh" if !how.dirs => Some(super::ssh_hosts::settle as fn(_, _, _, _, _) -> _),
            "pgbouncer" => Some(super::program::drop_pgbouncer_defaults as fn(_, _, _, _, _) -> _),
            "mycnf" => Some(super::mycnf::settle as fn(_, _, _, _, _) -> _),
            "pghba" => Some(super::pghba_order::settle as fn(_, _, _, _, _) -> _),
            "phpfpm" => Some(super::program::drop_phpfpm_headers as fn(_, _, _, _, _) -> _),
            _ => None,
        };
        if let Some(drop) = drop
            && let Some(notice) = drop(name, how.version, o.tree(), n.tree(), &mut changes)
        {
            report.notices.push(notice);
        }
        let mut docs = docs.into_iter();
        let (Some((o, _)), Some((n, _))) = (docs.next(), docs.next()) else {
            return None;
        };
        return Some(Diffed {
            name: name.to_string(),
            format,
            old_name,
            old: Some(o),
            new: Some(n),
            changes,
        });
    }
    None
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("too large: the limit is {MAX_FILE_BYTES} bytes"));
    }
    Ok(bytes)
}
