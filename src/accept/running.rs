//! `accept --from running`: the values the running servers run with, where they differ from
//! their files (`not_applied`, `runtime_only`), written into the live files before they become
//! the baseline. Each value goes into the `[[group.running]]` entry's file, in that file's own
//! syntax: over the line that sets it when nothing after that line can set it again, else
//! appended at the end, where it wins.

use super::live::TargetLive;
use crate::config::Config;
use crate::normalize::Format;
use crate::pipeline::select::Selection;
use crate::report::{Finding, Kind};
use crate::secret;
use crate::tree::Value;

/// Asks the selected hosts' running servers (one `check` of the selection) and writes what
/// they run into `live`. Returns what was written, one line each, and the trouble (a server
/// that could not be asked, a value that cannot be written): with any, nothing is accepted.
pub fn overlay(
    cfg: &Config,
    sel: &Selection,
    only: &[String],
    jobs: Option<usize>,
    live: &mut [TargetLive],
) -> (Vec<String>, Vec<String>) {
    let report = match crate::pipeline::check(cfg, sel, "HEAD", jobs, true) {
        Ok(r) => r,
        Err(e) => {
            return (
                Vec::new(),
                vec![format!("asking the running servers: {e:#}")],
            );
        }
    };
    let mut problems: Vec<String> = report
        .errors
        .iter()
        .filter(|p| p.message.starts_with("running "))
        .map(|p| p.to_string())
        .collect();
    let mut written = Vec::new();
    for f in report
        .findings
        .iter()
        .filter(|f| matches!(f.kind, Kind::NotApplied | Kind::RuntimeOnly))
    {
        match write_one(cfg, f, only, live) {
            Ok(Some(w)) => written.push(w),
            Ok(None) => {}
            Err(e) => problems.push(format!(
                "{}:{}: {}: {e}",
                f.host.as_deref().unwrap_or("?"),
                f.file,
                f.key.as_deref().unwrap_or("?")
            )),
        }
    }
    (written, problems)
}

/// Writes one finding's running value into its host's entry file; `None` when the file is
/// not selected.
fn write_one(
    cfg: &Config,
    f: &Finding,
    only: &[String],
    live: &mut [TargetLive],
) -> Result<Option<String>, String> {
    let (Some(host), Some(group), Some(key)) = (&f.host, &f.group, &f.key) else {
        return Ok(None);
    };
    let Some(g) = cfg.groups.iter().find(|g| &g.name == group) else {
        return Ok(None);
    };
    let spec = g
        .running
        .iter()
        .find(|s| s.file == f.file)
        .or_else(|| {
            let format = g.format_of(&f.file).name();
            g.running
                .iter()
                .find(|s| g.format_of(&s.file).name() == format)
        })
        .ok_or("no [[group.running]] entry reads this file")?;
    if !only.is_empty() && !only.contains(&spec.file) {
        return Ok(None);
    }
    let format = g.format_of(&spec.file);
    if let Some(source) = f.source.as_deref().filter(|s| !from_a_file(s)) {
        return Ok(Some(format!(
            "{host}:{}: not written: {key} comes from {source}, not from a file",
            spec.file
        )));
    }
    let Some(value) = &f.running else {
        return Err("the server did not say what it runs".into());
    };
    if secret::is_secret_key(format, key) || value.to_string() == secret::REDACTED {
        return Err(
            "a secret setting: the server's value is never written; edit the file by hand".into(),
        );
    }
    let Some(target) = live
        .iter_mut()
        .find(|t| t.host == host && &t.group.name == group)
    else {
        return Ok(None);
    };
    let Some(file) = target.files.get_mut(&spec.file) else {
        return Ok(None);
    };
    let Some(content) = file.content.as_mut() else {
        return Err(format!("{} is not on the host", spec.file));
    };
    let line = set(format, content, key, value)?;
    Ok(Some(format!(
        "{host}:{}: {line} (what the running server runs)",
        spec.file
    )))
}

/// Whether a value the server reports with this source is one a file could set: PostgreSQL's
/// `ALTER ROLE/DATABASE ... SET`, command line and environment are not (written into
/// postgresql.conf they would mean something else).
fn from_a_file(source: &str) -> bool {
    ![
        "user",
        "database",
        "global",
        "command line",
        "environment variable",
        "client",
        "session",
    ]
    .iter()
    .any(|s| source.starts_with(s))
}

/// One line of a file, as far as writing a setting needs to know.
#[derive(Debug, PartialEq)]
enum Line {
    /// A setting, by its key as the reader writes it (lowercase, `_` for MariaDB's `-`).
    Sets(String),
    /// A line that pulls in other files, which may set anything again.
    Include,
    /// `[name]`, lowercase.
    Section(String),
    Other,
}

/// Sets `key` to `value` in `content` as `format`'s program reads it; returns the line
/// written.
fn set(format: Format, content: &mut Vec<u8>, key: &str, value: &Value) -> Result<String, String> {
    let (line, section) = match format.name() {
        "pgconf" => (
            format!("{key} = '{}'", value.to_string().replace('\'', "''")),
            None,
        ),
        "redis" if key.contains('.') => {
            return Err("a keyed directive: edit the file by hand".into());
        }
        "redis" => {
            let v = value.to_string();
            let v = if v.is_empty() { "\"\"".to_string() } else { v };
            (format!("{key} {v}"), None)
        }
        "mycnf" => (format!("{key} = {value}"), Some("mysqld")),
        "pgbouncer" if key.contains('.') => {
            return Err("a database's or user's entry: edit the file by hand".into());
        }
        "pgbouncer" => (format!("{key} = {value}"), Some("pgbouncer")),
        other => return Err(format!("cannot write {other} files from a running server")),
    };
    if line.contains('\n') {
        return Err("the value spans lines".into());
    }
    let mut lines: Vec<Vec<u8>> = content.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    if lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }
    let kinds: Vec<Line> = {
        let mut current: Option<String> = None;
        lines
            .iter()
            .map(|l| {
                let k = classify(format, &String::from_utf8_lossy(l));
                if let Line::Section(s) = &k {
                    current = Some(s.clone());
                }
                match (&k, section) {
                    // A setting of another section is not this one.
                    // (A value set in another group the program reads, `[mariadb]`, is
                    // overridden by the one appended at the end.)
                    (Line::Sets(_), Some(want)) if current.as_deref() != Some(want) => Line::Other,
                    _ => k,
                }
            })
            .collect()
    };
    let wanted = normal(format, key);
    let last_set = kinds.iter().rposition(|k| *k == Line::Sets(wanted.clone()));
    let last_include = kinds.iter().rposition(|k| *k == Line::Include);
    match last_set {
        Some(i) if last_include.is_none_or(|inc| inc < i) => {
            lines[i] = line.clone().into_bytes();
            // Earlier lines of the same key change nothing now; they stay as they were.
        }
        _ => {
            if let Some(s) = section {
                lines.push(Vec::new());
                lines.push(format!("[{s}]").into_bytes());
            }
            lines.push(line.clone().into_bytes());
        }
    }
    let mut out = lines.join(&b'\n');
    out.push(b'\n');
    *content = out;
    Ok(line)
}

/// A key as `format`'s reader writes it.
fn normal(format: Format, key: &str) -> String {
    match format.name() {
        "mycnf" => key.to_ascii_lowercase().replace('-', "_"),
        "pgbouncer" => key.to_string(),
        _ => key.to_ascii_lowercase(),
    }
}

fn classify(format: Format, line: &str) -> Line {
    let t = line.trim();
    if t.is_empty() {
        return Line::Other;
    }
    match format.name() {
        "pgconf" => {
            if t.starts_with('#') {
                return Line::Other;
            }
            let word: String = t
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            match word.to_ascii_lowercase().as_str() {
                "" => Line::Other,
                "include" | "include_dir" | "include_if_exists" => Line::Include,
                w => Line::Sets(w.to_string()),
            }
        }
        "redis" => {
            if t.starts_with('#') {
                return Line::Other;
            }
            match t.split_whitespace().next().map(str::to_ascii_lowercase) {
                Some(w) if w == "include" => Line::Include,
                Some(w) => Line::Sets(w),
                None => Line::Other,
            }
        }
        "mycnf" | "pgbouncer" => {
            if t.starts_with('#') || t.starts_with(';') {
                return Line::Other;
            }
            if t.starts_with("!include") || t.starts_with("%include") {
                return Line::Include;
            }
            if let Some(s) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                return Line::Section(s.trim().to_ascii_lowercase());
            }
            let name = t.split(['=', ' ', '\t']).next().unwrap_or("").trim();
            if name.is_empty() {
                Line::Other
            } else {
                Line::Sets(normal(format, name))
            }
        }
        _ => Line::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(format: &str, text: &str, key: &str, value: Value) -> String {
        let mut c = text.as_bytes().to_vec();
        set(Format::from_name(format).unwrap(), &mut c, key, &value).unwrap();
        String::from_utf8(c).unwrap()
    }

    #[test]
    fn a_setting_is_written_over_its_line_unless_an_include_follows() {
        assert_eq!(
            after(
                "pgconf",
                "port = 5432\nwork_mem = 4MB # x\n",
                "work_mem",
                Value::text("64MB")
            ),
            "port = 5432\nwork_mem = '64MB'\n"
        );
        assert_eq!(
            after(
                "pgconf",
                "work_mem = 4MB\ninclude_dir = 'conf.d'\n",
                "work_mem",
                Value::text("64MB")
            ),
            "work_mem = 4MB\ninclude_dir = 'conf.d'\nwork_mem = '64MB'\n"
        );
        assert_eq!(
            after(
                "redis",
                "maxmemory 0\nsave 60 1",
                "maxmemory",
                Value::text("52428800")
            ),
            "maxmemory 52428800\nsave 60 1\n"
        );
    }

    #[test]
    fn option_files_are_written_in_a_group_the_program_reads() {
        assert_eq!(
            after(
                "mycnf",
                "[client]\nmax_connections = 1\n[mysqld]\nmax-connections = 10\n",
                "max_connections",
                Value::text("500")
            ),
            "[client]\nmax_connections = 1\n[mysqld]\nmax_connections = 500\n"
        );
        assert_eq!(
            after(
                "pgbouncer",
                "[databases]\nx = host=a\n",
                "max_client_conn",
                Value::text("9")
            ),
            "[databases]\nx = host=a\n\n[pgbouncer]\nmax_client_conn = 9\n"
        );
    }

    #[test]
    fn what_cannot_be_written_says_so() {
        let mut c = b"client-output-buffer-limit pubsub 1 2 3\n".to_vec();
        let redis = Format::from_name("redis").unwrap();
        assert!(
            set(
                redis,
                &mut c,
                "client-output-buffer-limit.pubsub",
                &Value::text("x")
            )
            .is_err()
        );
        let yaml = Format::from_name("yaml").unwrap();
        assert!(set(yaml, &mut c, "a", &Value::text("x")).is_err());
    }
}
