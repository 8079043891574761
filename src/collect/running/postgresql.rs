//! PostgreSQL's running configuration through `psql`: one read-only, time-bounded transaction
//! reads `server_version_num`, `pg_settings` and, when the role may (a superuser, or one
//! granted `SELECT` on it and `EXECUTE` on `pg_show_all_file_settings()`), `pg_file_settings`.
//!
//! psql prints unaligned rows with NUL between fields and after each row (`-A -t -z -0`):
//! PostgreSQL text cannot hold a NUL, so no value can forge a field. Each row starts with a
//! tag that fixes how many fields follow (`V` version, `S` a setting, `F` a line of the
//! files, `N` the files' view not readable, `E` the end). `-X` ignores `~/.psqlrc`, `-w` never
//! prompts for a password, `ON_ERROR_STOP` makes an error the exit status.

use super::{FileSetting, Invocation, Running, RunningSetting, RunningSpec};
use std::process::ExitStatus;

/// Rows of each kind read at most (PostgreSQL 15 has about 350 settings).
const MAX_SETTINGS: usize = 20_000;
const MAX_FILE_LINES: usize = 100_000;

/// The query, fed to psql on standard input; `{timeout}` is the statement timeout in ms.
/// `statement_timeout` is read before the transaction sets its own (which would hide an
/// `ALTER ROLE ... SET statement_timeout` behind the source `session`).
const SQL: &str = r"BEGIN READ ONLY;
SELECT 'S', name, coalesce(setting, ''), coalesce(unit, ''), source, coalesce(sourcefile, ''), coalesce(sourceline::text, ''), pending_restart, context FROM pg_catalog.pg_settings WHERE name = 'statement_timeout';
SET LOCAL statement_timeout = {timeout};
SELECT 'V', pg_catalog.current_setting('server_version_num');
SELECT 'S', name, coalesce(setting, ''), coalesce(unit, ''), source, coalesce(sourcefile, ''), coalesce(sourceline::text, ''), pending_restart, context FROM pg_catalog.pg_settings WHERE name <> 'statement_timeout';
SELECT pg_catalog.has_table_privilege('pg_catalog.pg_file_settings', 'SELECT') AND pg_catalog.has_function_privilege('pg_catalog.pg_show_all_file_settings()', 'EXECUTE') AS confdrift_file_settings \gset
\if :confdrift_file_settings
SELECT 'F', coalesce(sourcefile, ''), coalesce(sourceline, 0), coalesce(name, ''), coalesce(setting, ''), applied, coalesce(error, '') FROM pg_catalog.pg_file_settings;
\else
SELECT 'N', 'pg_file_settings';
\endif
SELECT 'E', 'end';
COMMIT;
";

/// psql's command for `spec` on `host`.
pub(super) fn invocation(spec: &RunningSpec, host: &str) -> Invocation {
    let secs = spec.timeout.as_secs().max(1);
    let args = [
        "-X",
        "-q",
        "-A",
        "-t",
        "-z",
        "-0",
        "-w",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
    ]
    .iter()
    .map(|a| a.to_string())
    .chain([spec.connect_for(host), "-f".into(), "-".into()])
    .collect();
    Invocation {
        program: "psql",
        args,
        env: vec![
            ("LC_ALL", "C".into()),
            ("PGCONNECT_TIMEOUT", secs.to_string()),
            ("PGCLIENTENCODING", "UTF8".into()),
            ("PGAPPNAME", "confdrift".into()),
        ],
        stdin: SQL.replace("{timeout}", &(secs * 1000).to_string()),
    }
}

/// What psql answered: the settings, or why there are none (psql's own words).
pub(super) fn answer(stdout: &[u8], status: ExitStatus, stderr: &str) -> Result<Running, String> {
    if !status.success() {
        let said: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let said = said.join("; ");
        let said: String = said.chars().take(600).collect();
        return Err(match status.code() {
            Some(2) => format!("cannot connect: {said}"),
            Some(3) => format!("the query failed: {said}"),
            Some(c) => format!("psql exited with {c}: {said}"),
            None => format!("psql was killed: {said}"),
        });
    }
    parse(stdout)
}

/// Reads psql's rows.
pub(super) fn parse(out: &[u8]) -> Result<Running, String> {
    let mut fields = out.split(|&b| b == 0);
    let mut running = Running::default();
    let mut file_settings = Vec::new();
    let mut readable = true;
    let mut ended = false;
    let mut version = false;
    let mut row = 0usize;
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    while let Some(tag) = fields.next() {
        if tag.is_empty() && fields.clone().all(<[u8]>::is_empty) {
            break; // after the last row's terminator
        }
        row += 1;
        if ended {
            return Err(format!("row {row}: more after the end"));
        }
        let width = match tag {
            b"V" | b"N" | b"E" => 1,
            b"S" => 8,
            b"F" => 6,
            _ => return Err(format!("row {row}: unknown row {:?}", text(tag))),
        };
        let f: Vec<&[u8]> = fields.by_ref().take(width).collect();
        if f.len() < width {
            return Err(format!("row {row}: cut short (the answer ends mid-row)"));
        }
        let bad = |what: &str| format!("row {row}: {what}");
        match tag {
            b"V" => {
                running.version_num = std::str::from_utf8(f[0])
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .filter(|&n| n >= 80_000)
                    .ok_or_else(|| bad("server_version_num is not a version number"))?;
                version = true;
            }
            b"S" => {
                if running.settings.len() >= MAX_SETTINGS {
                    return Err(bad("more settings than any server has"));
                }
                let name = setting_name(f[0]).ok_or_else(|| bad("not a setting name"))?;
                let setting = RunningSetting {
                    value: text(f[1]),
                    unit: text(f[2]),
                    source: text(f[3]),
                    file: (!f[4].is_empty()).then(|| text(f[4])),
                    line: number(f[5]).map_err(|()| bad("sourceline is not a number"))?,
                    pending_restart: flag(f[6]).ok_or_else(|| bad("pending_restart not t or f"))?,
                    context: text(f[7]),
                };
                running.settings.insert(name, setting);
            }
            b"F" => {
                if file_settings.len() >= MAX_FILE_LINES {
                    return Err(bad("more lines than a configuration has"));
                }
                let name = match f[2] {
                    [] => None,
                    n => Some(setting_name(n).ok_or_else(|| bad("not a setting name"))?),
                };
                file_settings.push(FileSetting {
                    file: text(f[0]),
                    line: number(f[1])
                        .ok()
                        .flatten()
                        .ok_or_else(|| bad("sourceline is not a number"))?,
                    name,
                    value: (!f[3].is_empty()).then(|| text(f[3])),
                    applied: flag(f[4]).ok_or_else(|| bad("applied not t or f"))?,
                    error: (!f[5].is_empty()).then(|| text(f[5])),
                });
            }
            b"N" => readable = false,
            _ => ended = true,
        }
    }
    if !ended {
        return Err("the answer was cut short (no end row)".to_string());
    }
    if !version || running.settings.is_empty() {
        return Err("the answer holds no version or no settings".to_string());
    }
    if readable {
        running.file_settings = Some(file_settings);
    } else {
        running.notices.push(
            "pg_file_settings is not readable by the role confdrift connects as: lines the server refused are not known (grant it SELECT on pg_file_settings and EXECUTE on pg_show_all_file_settings(), or connect as a superuser)".to_string(),
        );
    }
    Ok(running)
}

/// A setting's name in lower case: letters, digits, `_` and the `.` of a custom class.
fn setting_name(b: &[u8]) -> Option<String> {
    let ok = !b.is_empty()
        && b.len() <= 256
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.'));
    ok.then(|| String::from_utf8_lossy(b).to_ascii_lowercase())
}

/// An empty field (`None`) or a line number.
fn number(b: &[u8]) -> Result<Option<u32>, ()> {
    if b.is_empty() {
        return Ok(None);
    }
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Some)
        .ok_or(())
}

fn flag(b: &[u8]) -> Option<bool> {
    match b {
        b"t" => Some(true),
        b"f" => Some(false),
        _ => None,
    }
}

/// Why a libpq connection string (`key=value ...`) or URI (`postgresql://...`) must not be
/// used: it holds a password. None when it holds none (or is a bare database name).
pub fn password_in(connect: &str) -> Option<String> {
    let c = connect.trim();
    if c.starts_with("postgresql://") || c.starts_with("postgres://") {
        return uri_password(c);
    }
    if !c.contains('=') {
        return None; // psql takes it as a database name
    }
    match conninfo(c) {
        Err(e) => Some(format!("not a libpq connection string: {e}")),
        Ok(pairs) => pairs.iter().find_map(|(k, v)| match k.as_str() {
            "password" => Some("it holds password=".to_string()),
            // libpq reads a dbname that is itself a connection string or URI as one.
            "dbname" => password_in(v),
            _ => None,
        }),
    }
}

/// `postgresql://user:secret@host/db?password=...`: the user-info part (up to the first `@`
/// before any `/`, as libpq reads it) with a `:`, or a `password` parameter.
fn uri_password(uri: &str) -> Option<String> {
    let rest = uri.split_once("://").map_or(uri, |(_, r)| r);
    let stop = rest.find(['@', '/']).unwrap_or(rest.len());
    if rest[stop..].starts_with('@') && rest[..stop].contains(':') {
        return Some("it holds a password (user:password@)".to_string());
    }
    let query = rest.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .any(|p| percent_decoded(p.split('=').next().unwrap_or("")) == "password")
        .then(|| "it holds a password= parameter".to_string())
}

fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// libpq's `conninfo_parse`: `keyword = value` pairs separated by spaces; a value is a word or
/// a single-quoted string, `\` escaping the next character in either.
fn conninfo(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(format!("missing \"=\" after {key:?}"));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => return Err(format!("unterminated quoted value of {key:?}")),
                    Some('\'') => break,
                    Some('\\') => value.extend(chars.next()),
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        out.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_connection_strings_are_found() {
        for bad in [
            "host=/run/postgresql password=x",
            "host=db password = 'a b'",
            "dbname='host=x password=y'",
            "postgresql://u:secret@db/postgres",
            "postgres://db/postgres?sslmode=require&password=x",
            "postgresql://db/p?%70assword=x",
            "host='unterminated",
        ] {
            assert!(password_in(bad).is_some(), "{bad}");
        }
        for good in [
            "host=/var/run/postgresql port=5432 dbname=postgres user=confdrift",
            "service=main",
            "postgres",
            "postgresql://confdrift@db:5432/postgres?sslmode=require",
            "postgresql:///postgres?host=/run/postgresql",
            "host=db passfile=/etc/confdrift/pgpass",
            "application_name='pass word=1'",
        ] {
            assert_eq!(password_in(good), None, "{good}");
        }
    }

    fn rows(rows: &[&[&str]]) -> Vec<u8> {
        let mut out = Vec::new();
        for r in rows {
            for f in *r {
                out.extend_from_slice(f.as_bytes());
                out.push(0);
            }
        }
        out
    }

    #[test]
    fn rows_are_read_and_checked() {
        let s = [
            "S",
            "DateStyle",
            "ISO, MDY",
            "",
            "configuration file",
            "/d/postgresql.conf",
            "711",
            "f",
            "user",
        ];
        let good = rows(&[
            &["V", "150018"],
            &s,
            &[
                "F",
                "/d/postgresql.conf",
                "822",
                "",
                "",
                "f",
                "syntax error",
            ],
            &["E", "end"],
        ]);
        let r = parse(&good).unwrap();
        assert_eq!(r.major(), "15");
        let d = &r.settings["datestyle"];
        assert_eq!((d.value.as_str(), d.line), ("ISO, MDY", Some(711)));
        let f = &r.file_settings.as_ref().unwrap()[0];
        assert_eq!(
            (f.name.as_ref(), f.error.as_deref()),
            (None, Some("syntax error"))
        );

        let no_files = rows(&[
            &["V", "150018"],
            &s,
            &["N", "pg_file_settings"],
            &["E", "end"],
        ]);
        let r = parse(&no_files).unwrap();
        assert!(r.file_settings.is_none() && r.notices.len() == 1);

        for (bad, why) in [
            (rows(&[&["V", "150018"], &s]), "cut short"),
            (good[..good.len() - 8].to_vec(), "cut short"),
            (rows(&[&["V", "x"], &s, &["E", "end"]]), "version"),
            (
                rows(&[&["V", "150018"], &["Z", "1"], &["E", "end"]]),
                "unknown row",
            ),
            (
                rows(&[
                    &["V", "150018"],
                    &["S", "a b", "", "", "", "", "", "f", ""],
                    &["E", "end"],
                ]),
                "setting name",
            ),
            (
                rows(&[
                    &["V", "150018"],
                    &["S", "a", "", "", "", "", "x", "f", ""],
                    &["E", "end"],
                ]),
                "sourceline",
            ),
            (
                rows(&[&["V", "150018"], &s, &["E", "end"], &["E", "end"]]),
                "after the end",
            ),
            (b"garbage".to_vec(), "unknown row"),
            (Vec::new(), "cut short"),
        ] {
            let e = parse(&bad).unwrap_err();
            assert!(e.contains(why), "{e} (expected {why})");
        }
    }
}
