//! MariaDB's running configuration through the `mariadb` client: one read-only, time-bounded
//! transaction reads `information_schema.SYSTEM_VARIABLES` (each global variable's value, where
//! it came from: `COMPILE-TIME`, `CONFIG`, `COMMAND-LINE`, `SQL` for `SET GLOBAL`, `AUTO`,
//! `ENVIRONMENT`; and whether it is `READ_ONLY`, set at start only). Any user may read it: no
//! privilege is needed.
//!
//! `connect` holds the client's own connection options as `name=value` words (a bare absolute
//! path is the socket): `defaults-extra-file`, `defaults-file`, `defaults-group-suffix` (the
//! option files that hold the user and password, read by the client itself), `socket`, `host`,
//! `port`, `user`, `protocol`. Nothing else goes on the command line: a password there (any
//! name the client would take as `--password`) is refused when the config is read.
//!
//! The client prints batch rows (`--batch --skip-raw`): fields between tabs, rows ending in a
//! newline, a tab, newline, backslash or NUL inside a value escaped (`\t`, `\n`, `\\`, `\0`),
//! so no value can forge a field or a row. Each row starts with a tag that fixes its width
//! (`S` a variable, `E` the end). The user's option files may ask for other output (`xml`,
//! `html`, `vertical`, `raw`): each is turned off on the command line, after them.

use super::{Invocation, Running, RunningSetting, RunningSpec};
use std::process::ExitStatus;

/// Variables read at most (MariaDB 10.11 has about 700).
const MAX_SETTINGS: usize = 20_000;

/// The query, fed to the client on standard input; `{timeout}` is in seconds.
const SQL: &str = "SET SESSION max_statement_time = {timeout};
START TRANSACTION READ ONLY;
SELECT 'S', LOWER(VARIABLE_NAME), GLOBAL_VALUE, GLOBAL_VALUE_ORIGIN, READ_ONLY FROM information_schema.SYSTEM_VARIABLES WHERE GLOBAL_VALUE IS NOT NULL;
SELECT 'E', 'end';
COMMIT;
";

/// The options `connect` may name, as the client spells them; the first three must come
/// first on its command line.
const OPTIONS: &[&str] = &[
    "defaults-file",
    "defaults-extra-file",
    "defaults-group-suffix",
    "socket",
    "host",
    "port",
    "user",
    "protocol",
];

/// `connect` read: (option, value) pairs, the option as [`OPTIONS`] spells it.
pub(super) fn options(connect: &str) -> Result<Vec<(&'static str, String)>, String> {
    let mut out = Vec::new();
    for word in connect.split_whitespace() {
        let (name, value) = match word.split_once('=') {
            Some((n, v)) => (n.trim_start_matches('-').replace('_', "-"), v),
            None if word.starts_with('/') => ("socket".to_string(), word),
            None => {
                let n = word.trim_start_matches('-').replace('_', "-");
                return Err(if is_password(&n) {
                    "it names a password option".to_string()
                } else {
                    format!("{word:?} is not name=value (or the socket's absolute path)")
                });
            }
        };
        if is_password(&name) {
            return Err("it holds a password".to_string());
        }
        let Some(option) = OPTIONS.iter().find(|o| **o == name) else {
            return Err(format!(
                "unknown option {name:?} (expected {})",
                OPTIONS.join(", ")
            ));
        };
        if value.is_empty() {
            return Err(format!("{name} has no value"));
        }
        out.push((*option, value.to_string()));
    }
    if out.is_empty() {
        return Err("it names no connection".to_string());
    }
    Ok(out)
}

/// Whether the client would read `name` as `--password` (a unique prefix of it, `-p`).
fn is_password(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "p" || (n.len() >= 4 && "password".starts_with(&n)) || n.contains("pass")
}

/// Why `connect` must not be used: it holds a password, or is not the client's options.
pub fn password_in(connect: &str) -> Option<String> {
    options(connect).err()
}

/// The client's command for `spec` on `host`.
pub(super) fn invocation(spec: &RunningSpec, host: &str) -> Invocation {
    let secs = spec.timeout.as_secs().max(1);
    // Checked when the config was read.
    let opts = options(&spec.connect_for(host)).unwrap_or_default();
    let mut args: Vec<String> = opts
        .iter()
        .filter(|(o, _)| o.starts_with("defaults-"))
        .map(|(o, v)| format!("--{o}={v}"))
        .collect();
    args.extend(
        [
            "--batch",
            "--skip-column-names",
            "--skip-raw",
            "--skip-vertical",
            "--skip-xml",
            "--skip-html",
            "--skip-line-numbers",
            "--skip-show-warnings",
            "--skip-reconnect",
            "--skip-binary-mode",
            "--skip-progress-reports",
        ]
        .iter()
        .map(|a| a.to_string()),
    );
    args.push(format!("--connect-timeout={secs}"));
    args.extend(
        opts.iter()
            .filter(|(o, _)| !o.starts_with("defaults-"))
            .map(|(o, v)| format!("--{o}={v}")),
    );
    Invocation {
        program: "mariadb",
        args,
        env: vec![("LC_ALL", "C".into())],
        stdin: SQL.replace("{timeout}", &secs.to_string()),
    }
}

/// What the client answered: the variables, or why there are none (its own words).
pub(super) fn answer(stdout: &[u8], status: ExitStatus, stderr: &str) -> Result<Running, String> {
    if !status.success() {
        let said: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let said: String = said.join("; ").chars().take(600).collect();
        return Err(match status.code() {
            Some(c) => format!("mariadb exited with {c}: {said}"),
            None => format!("mariadb was killed: {said}"),
        });
    }
    parse(stdout)
}

/// Reads the client's rows. The version is the `version` variable's (`10.11.19-MariaDB-...`:
/// `version_num` 101119).
pub(super) fn parse(out: &[u8]) -> Result<Running, String> {
    let mut running = Running::default();
    let mut ended = false;
    let text = String::from_utf8_lossy(out);
    let mut rows = text.split('\n');
    let mut row = 0usize;
    while let Some(line) = rows.next() {
        if line.is_empty() && rows.clone().all(str::is_empty) {
            break;
        }
        row += 1;
        let bad = |what: &str| format!("row {row}: {what}");
        if ended {
            return Err(bad("more after the end"));
        }
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            ["E", "end"] => ended = true,
            ["S", name, value, origin, read_only] => {
                if running.settings.len() >= MAX_SETTINGS {
                    return Err(bad("more variables than any server has"));
                }
                let ok = !name.is_empty()
                    && name.len() <= 256
                    && name
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
                if !ok {
                    return Err(bad("not a variable name"));
                }
                let context = match *read_only {
                    "YES" => "read-only",
                    "NO" => "dynamic",
                    _ => return Err(bad("READ_ONLY is not YES or NO")),
                };
                if !origin
                    .bytes()
                    .all(|c| c.is_ascii_uppercase() || c == b'-' || c == b'_')
                {
                    return Err(bad("not a value origin"));
                }
                running.settings.insert(
                    name.to_string(),
                    RunningSetting {
                        value: unescape(value).ok_or_else(|| bad("a bad escape"))?,
                        source: origin.to_string(),
                        context: context.to_string(),
                        ..RunningSetting::default()
                    },
                );
            }
            [tag, ..] => return Err(bad(&format!("unknown row {tag:?} of {} fields", f.len()))),
            [] => return Err(bad("empty")),
        }
    }
    if !ended {
        return Err("the answer was cut short (no end row)".to_string());
    }
    let version = running
        .settings
        .get("version")
        .map(|s| s.value.clone())
        .ok_or("the answer holds no version")?;
    running.version_num = version_num(&version).ok_or("the version is not a version")?;
    Ok(running)
}

/// `10.11.19-MariaDB-0+deb12u1` as 101119.
fn version_num(v: &str) -> Option<u32> {
    let mut parts = v.split(['.', '-']).map(|p| p.parse::<u32>().ok());
    let (a, b, c) = (parts.next()??, parts.next()??, parts.next()??);
    (b < 100 && c < 100).then_some(a * 10_000 + b * 100 + c)
}

/// The major version as option tables name it (`10.11`) of a `version_num`.
pub fn major(version_num: u32) -> String {
    format!("{}.{}", version_num / 10_000, version_num / 100 % 100)
}

/// The client's batch escapes undone.
fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            't' => '\t',
            'n' => '\n',
            '\\' => '\\',
            '0' => '\0',
            _ => return None,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_takes_the_clients_options_and_never_a_password() {
        let o = options("defaults-group-suffix=_confdrift /run/mysqld/mysqld.sock").unwrap();
        assert_eq!(
            o,
            [
                ("defaults-group-suffix", "_confdrift".to_string()),
                ("socket", "/run/mysqld/mysqld.sock".to_string())
            ]
        );
        for bad in [
            "password=x",
            "--password=x",
            "pass=x",
            "passw=x",
            "socket=/s p",
            "p=x",
            "ssl-passphrase=x",
        ] {
            assert!(password_in(bad).is_some(), "{bad}");
        }
        assert!(password_in("host=db user=confdrift port=3306").is_none());
        assert!(password_in("init-command=x").unwrap().contains("unknown"));
        assert!(password_in("").is_some());
    }

    #[test]
    fn the_command_line_puts_the_option_files_first() {
        let spec = RunningSpec {
            file: "/etc/mysql/my.cnf".into(),
            server: super::super::Server::Mariadb,
            connect: "socket=/run/{host}.sock defaults-extra-file=/etc/c.cnf".into(),
            timeout: std::time::Duration::from_secs(5),
        };
        let inv = invocation(&spec, "db-1");
        assert_eq!(inv.args[0], "--defaults-extra-file=/etc/c.cnf");
        assert_eq!(inv.args.last().unwrap(), "--socket=/run/db-1.sock");
        assert!(inv.args.contains(&"--connect-timeout=5".to_string()));
        assert!(inv.stdin.contains("max_statement_time = 5;"));
    }

    #[test]
    fn rows_are_read_and_checked() {
        let good = "S\tversion\t10.11.19-MariaDB-0+deb12u1\tCOMPILE-TIME\tYES\n\
                    S\tinit_connect\ta\\tb\\nc\\\\\tSQL\tNO\nE\tend\n";
        let r = parse(good.as_bytes()).unwrap();
        assert_eq!(
            (r.version_num, major(r.version_num)),
            (101119, "10.11".into())
        );
        let s = &r.settings["init_connect"];
        assert_eq!(
            (s.value.as_str(), s.source.as_str(), s.context.as_str()),
            ("a\tb\nc\\", "SQL", "dynamic")
        );
        for (bad, why) in [
            ("S\tversion\t10.11.1\tCONFIG\tYES\n", "cut short"),
            ("S\tversion\t10.11.1\tCONFIG\tMAYBE\nE\tend\n", "READ_ONLY"),
            ("S\tVersion\t10.11.1\tCONFIG\tYES\nE\tend\n", "name"),
            ("S\tversion\tx\\q\tCONFIG\tYES\nE\tend\n", "escape"),
            ("S\tversion\t10.11.1\tCONFIG\nE\tend\n", "unknown row"),
            ("E\tend\nE\tend\n", "after the end"),
            ("S\tport\t1\tCONFIG\tYES\nE\tend\n", "no version"),
            ("", "cut short"),
        ] {
            let e = parse(bad.as_bytes()).unwrap_err();
            assert!(e.contains(why), "{e} (expected {why})");
        }
    }
}
