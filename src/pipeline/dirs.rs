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
    };
    match (old.is_dir(), new.is_dir()) {
        (false, false) => {
            let name = new.to_string_lossy();
            diff_file(old, new, &name, how, &mut report);
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
            for name in olds.union(&news) {
                let (o, n) = (old.join(name), new.join(name));
                match (olds.contains(name), news.contains(name)) {
                    (true, true) => diff_file(&o, &n, name, how, &mut report),
                    (true, false) => report.findings.push(whole_file(
                        name,
                        Kind::MissingFile,
                        format!("only in {}", old.display()),
                    )),
                    _ => report.findings.push(whole_file(
                        name,
                        Kind::UnexpectedFile,
                        format!("only in {}", new.display()),
                    )),
                }
                report.files += 1;
            }
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
}

fn diff_file(old: &Path, new: &Path, name: &str, how: How, report: &mut Report) {
    // The old side names its own file: `old/x.yml:2`, not only `line 2`.
    let old_name = old.display().to_string();
    let (detected, why) = match Format::detect_why(name) {
        (Format::Text, _) => Format::detect_why(&old.to_string_lossy()),
        found => found,
    };
    let (mut format, why) = match how.forced {
        Some(f) => (f, "--as".to_string()),
        None => (detected, why),
    };
    if let Some(version) = how.yaml.or(detected.yaml_version()) {
        format = format.with_yaml(version);
    }
    if format.yaml_version() == Some(YamlVersion::V1_1) {
        let why = if how.yaml.is_some() {
            "--yaml 1.1"
        } else {
            "a Rails config file, read by Ruby's Psych; --yaml 1.2 reads it as YAML 1.2"
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
                Ok(doc) => docs.push((doc, path)),
                Err(e) => report
                    .errors
                    .push(problem(Some(e.line), Some(e.column), e.message)),
            },
        }
    }
    for (doc, path) in &docs {
        let Some(tree) = doc.tree() else { continue };
        for (line, message) in super::program::refusals(format, name, how.version, tree) {
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
            "mycnf" => Some(super::mycnf::settle as fn(_, _, _, _, _) -> _),
            _ => None,
        };
        if let Some(drop) = drop
            && let Some(notice) = drop(name, how.version, o.tree(), n.tree(), &mut changes)
        {
            report.notices.push(notice);
        }
        for c in changes {
            report.findings.push(finding_from_change(
                format,
                None,
                None,
                name,
                Some(&old_name),
                c,
            ));
        }
    }
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
