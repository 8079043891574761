//! PgBouncer's running configuration through its admin console: `psql` to the `pgbouncer`
//! database asks `SHOW VERSION`, `SHOW CONFIG` (key, value, default, changeable) and `SHOW
//! DATABASES` (the per-database pools). The console takes no transaction and no SQL but its
//! own commands, one per statement; they only read.
//!
//! psql prints each result unaligned with its header row, fields separated by NUL (`-A -z`),
//! rows by a newline, and a marker line (`\echo`) before each result and at the end: a marker
//! has no NUL, a row of two fields or more has one, so no value can forge a marker; a value
//! holding a newline cuts its row short, which is an error. Columns are found by the header's
//! names (later versions add columns). `-X` ignores `~/.psqlrc`, `-w` never prompts for a
//! password, `ON_ERROR_STOP` makes an error the exit status.

use super::{Invocation, Running, RunningSetting, RunningSpec};
use std::process::ExitStatus;

/// Rows of each kind read at most.
const MAX_ROWS: usize = 100_000;

/// The console's commands, fed to psql on standard input.
const COMMANDS: &str = r"\pset footer off
\echo CONFDRIFT-VERSION
SHOW VERSION;
\echo CONFDRIFT-CONFIG
SHOW CONFIG;
\echo CONFDRIFT-DATABASES
SHOW DATABASES;
\echo CONFDRIFT-END
";

/// SHOW DATABASES's columns compared, and the `[databases]` parameter each shows.
pub const DATABASE_COLUMNS: &[(&str, &str)] = &[
    ("host", "host"),
    ("port", "port"),
    ("database", "dbname"),
    ("force_user", "user"),
    ("pool_size", "pool_size"),
    ("min_pool_size", "min_pool_size"),
    ("reserve_pool", "reserve_pool"),
    ("pool_mode", "pool_mode"),
    ("max_connections", "max_db_connections"),
];

/// psql's command for `spec` on `host`.
pub(super) fn invocation(spec: &RunningSpec, host: &str) -> Invocation {
    let secs = spec.timeout.as_secs().max(1);
    let args = ["-X", "-q", "-A", "-z", "-w", "-v", "ON_ERROR_STOP=1", "-d"]
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
        stdin: COMMANDS.to_string(),
    }
}

/// Why `connect` must not be used: as for PostgreSQL (the console is reached with libpq).
pub fn password_in(connect: &str) -> Option<String> {
    super::postgresql::password_in(connect)
}

/// What psql answered: the settings, or why there are none (psql's own words).
pub(super) fn answer(stdout: &[u8], status: ExitStatus, stderr: &str) -> Result<Running, String> {
    if !status.success() {
        let said: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let said: String = said.join("; ").chars().take(600).collect();
        return Err(match status.code() {
            Some(2) => format!("cannot connect to the admin console: {said}"),
            Some(3) => format!("the admin console refused a command: {said}"),
            Some(c) => format!("psql exited with {c}: {said}"),
            None => format!("psql was killed: {said}"),
        });
    }
    parse(stdout)
}

/// The version as a number: `PgBouncer 1.18.0` is 11800 (so that [`Running::major`] is `1.18`).
fn version(text: &str) -> Option<u32> {
    let v = text.strip_prefix("PgBouncer ")?;
    let v = v
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()?;
    let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
    let (major, minor) = (parts.next()??, parts.next()??);
    let patch = parts.next().flatten().unwrap_or(0);
    (major < 100 && minor < 100 && patch < 100).then_some(major * 10_000 + minor * 100 + patch)
}

/// Reads psql's output: `SHOW CONFIG` rows as settings (`context` is `changeable`'s yes or
/// no), `SHOW DATABASES` rows as settings `databases.<name>.<parameter>`.
pub(super) fn parse(out: &[u8]) -> Result<Running, String> {
    let text = String::from_utf8_lossy(out);
    let mut running = Running::default();
    let mut part = "";
    let mut header: Option<Vec<&str>> = None;
    let mut rows = 0usize;
    let mut ended = false;
    for (i, line) in text.lines().enumerate() {
        let bad = |what: &str| format!("line {}: {what}", i + 1);
        if ended {
            return Err(bad("more after the end"));
        }
        if let Some(marker) = line.strip_prefix("CONFDRIFT-")
            && !line.contains('\0')
        {
            match marker {
                "VERSION" | "CONFIG" | "DATABASES" => part = marker,
                "END" => ended = true,
                _ => return Err(bad("unknown marker")),
            }
            header = None;
            continue;
        }
        if part.is_empty() {
            return Err(bad("a row before any marker"));
        }
        let fields: Vec<&str> = line.split('\0').collect();
        let Some(names) = &header else {
            header = Some(fields);
            continue;
        };
        if fields.len() != names.len() {
            return Err(bad(&format!(
                "{} fields where the header has {} (a value holding a newline?)",
                fields.len(),
                names.len()
            )));
        }
        rows += 1;
        if rows > MAX_ROWS {
            return Err(bad("more rows than any pgbouncer has"));
        }
        let col = |name: &str| names.iter().position(|n| *n == name).map(|i| fields[i]);
        match part {
            "VERSION" => {
                running.version_num = col("version")
                    .and_then(version)
                    .ok_or_else(|| bad("not a PgBouncer version"))?;
            }
            "CONFIG" => {
                let (Some(key), Some(value), Some(changeable)) =
                    (col("key"), col("value"), col("changeable"))
                else {
                    return Err(bad("SHOW CONFIG without key, value or changeable"));
                };
                if !name_ok(key) || !matches!(changeable, "yes" | "no") {
                    return Err(bad("not a setting, or changeable not yes or no"));
                }
                running.settings.insert(
                    key.to_string(),
                    RunningSetting {
                        value: value.to_string(),
                        source: "SHOW CONFIG".to_string(),
                        context: changeable.to_string(),
                        ..RunningSetting::default()
                    },
                );
            }
            "DATABASES" => {
                let name = col("name").ok_or_else(|| bad("SHOW DATABASES without name"))?;
                if name.is_empty() {
                    return Err(bad("a database without a name"));
                }
                for (column, parameter) in DATABASE_COLUMNS {
                    if let Some(v) = col(column) {
                        running.settings.insert(
                            format!("databases.{name}.{parameter}"),
                            RunningSetting {
                                value: v.to_string(),
                                source: "SHOW DATABASES".to_string(),
                                context: "yes".to_string(),
                                ..RunningSetting::default()
                            },
                        );
                    }
                }
            }
            _ => return Err(bad("a row before any marker")),
        }
    }
    if !ended {
        return Err("the answer was cut short (no end marker)".to_string());
    }
    if running.version_num == 0
        || !running
            .settings
            .keys()
            .any(|k| !k.starts_with("databases."))
    {
        return Err("the answer holds no version or no settings".to_string());
    }
    Ok(running)
}

/// A `[pgbouncer]` key: letters, digits and `_`.
fn name_ok(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 256
        && key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// A database's name and parameter from a setting's key (`databases.app.pool_size`).
pub fn database_key(key: &str) -> Option<(&str, &str)> {
    key.strip_prefix("databases.")?.rsplit_once('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(lines: &[&str]) -> Vec<u8> {
        let mut s = lines.join("\n").replace('|', "\0");
        s.push('\n');
        s.into_bytes()
    }

    const GOOD: &[&str] = &[
        "CONFDRIFT-VERSION",
        "version",
        "PgBouncer 1.18.0",
        "CONFDRIFT-CONFIG",
        "key|value|default|changeable",
        "default_pool_size|20|20|yes",
        "listen_port|6432|6432|no",
        "CONFDRIFT-DATABASES",
        "name|host|port|database|force_user|pool_size|min_pool_size|reserve_pool|pool_mode|max_connections|current_connections|paused|disabled",
        "app.x|/tmp|5432|appdb||7|0|2||0|0|0|0",
        "CONFDRIFT-END",
    ];

    #[test]
    fn rows_are_read_and_checked() {
        let r = parse(&out(GOOD)).unwrap();
        assert_eq!((r.version_num, r.major().as_str()), (11800, "1.18"));
        assert_eq!(r.settings["listen_port"].context, "no");
        assert_eq!(r.settings["databases.app.x.pool_size"].value, "7");
        assert_eq!(r.settings["databases.app.x.dbname"].value, "appdb");
        assert_eq!(
            database_key("databases.app.x.pool_size"),
            Some(("app.x", "pool_size"))
        );
        let cut = |n: usize| {
            let mut v = GOOD.to_vec();
            v.remove(n);
            v
        };
        for (bad, why) in [
            (cut(10), "cut short"),
            (cut(2), "no version"),
            (
                [&GOOD[..9], &["app|/tmp|5432"], &GOOD[9..]].concat(),
                "fields where the header",
            ),
            (
                [&GOOD[..2], &["PgBouncer x"], &GOOD[3..]].concat(),
                "not a PgBouncer version",
            ),
            ([GOOD, &["x"]].concat(), "more after the end"),
            (
                [
                    &[
                        "CONFDRIFT-CONFIG",
                        "key|value|default|changeable",
                        "a b|1|1|yes",
                    ][..],
                    GOOD,
                ]
                .concat(),
                "not a setting",
            ),
            (vec!["garbage"], "before any marker"),
        ] {
            let e = parse(&out(&bad)).map(|_| ()).unwrap_err();
            assert!(e.contains(why), "{e} (expected {why})");
        }
        assert!(parse(b"").unwrap_err().contains("cut short"));
    }
}
