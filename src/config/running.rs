//! A group's `[[group.running]]` entries: the running servers whose configuration is compared
//! with the group's files, each checked when the config is read (with its line): a server kind
//! confdrift can ask, the entry file listed in the group's `files`, and a connection string
//! without a password (passwords come from `.pgpass`, `PGPASSFILE` or a service file, never a
//! command line, where `ps` shows them).

use crate::collect::FileSpec;
use crate::collect::running::{RunningSpec, Server};
use anyhow::{Result, bail};
use serde::Deserialize;
use std::time::Duration;

/// Seconds for connecting, and for the query, when `timeout` is not given.
const DEFAULT_TIMEOUT: u64 = 10;

/// One `[[group.running]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRunning {
    file: String,
    server: String,
    connect: String,
    timeout: Option<u64>,
}

/// The entries of group `group` resolved; `at` gives the line of a byte offset of the config
/// file `config`.
pub(super) fn resolve(
    config: &std::path::Path,
    group: &str,
    raw: Vec<toml::Spanned<RawRunning>>,
    files: &[FileSpec],
    at: impl Fn(usize) -> usize,
) -> Result<Vec<RunningSpec>> {
    let mut out = Vec::with_capacity(raw.len());
    for entry in raw {
        let line = at(entry.span().start);
        let r = entry.into_inner();
        let here = format!(
            "{}:{line}: group {group:?}: [[group.running]]",
            config.display()
        );
        let server = match r.server.as_str() {
            "postgresql" => Server::Postgresql,
            "redis" => Server::Redis,
            "mariadb" => Server::Mariadb,
            "pgbouncer" | "mysql" => bail!(
                "{here}: server {:?} is not yet supported (postgresql, redis and mariadb are, for now)",
                r.server
            ),
            other => bail!(
                "{here}: unknown server {other:?}; expected postgresql, redis or mariadb (pgbouncer and mysql are to come)"
            ),
        };
        if !r.file.starts_with('/') || r.file.contains(['*', '?', '[', '{']) {
            bail!(
                "{here}: file {:?}: expected the absolute path of the server's main file (no glob)",
                r.file
            );
        }
        if !files.iter().any(|s| s.matches(&r.file)) {
            bail!(
                "{here}: file {:?} is not in the group's `files`, so it is never collected to compare with",
                r.file
            );
        }
        let connect = r.connect.trim();
        if connect.is_empty() || connect.chars().any(char::is_control) {
            bail!(
                "{here}: `connect` must be one line, as {} takes it",
                server.client()
            );
        }
        if let Some(why) = server.password_in(connect) {
            bail!(
                "{here}: `connect` refused: {why}. Passwords never go on a command line (ps shows them): {}",
                server.password_from()
            );
        }
        out.push(RunningSpec {
            file: r.file,
            server,
            connect: connect.to_string(),
            timeout: Duration::from_secs(r.timeout.unwrap_or(DEFAULT_TIMEOUT).clamp(1, 3600)),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn load(running: &str) -> anyhow::Result<Config> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("confdrift.toml");
        let text = format!(
            "[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"local\"\n\
             files = [\"/etc/postgresql/15/main/postgresql.conf\"]\n\n[[group.running]]\n{running}"
        );
        std::fs::write(&path, text).unwrap();
        Config::load(&path)
    }

    const FILE: &str = "file = \"/etc/postgresql/15/main/postgresql.conf\"\n";

    fn err(running: &str) -> String {
        format!("{:#}", load(running).unwrap_err())
    }

    #[test]
    fn an_entry_is_read_with_its_defaults() {
        let cfg = load(&format!(
            "{FILE}server = \"postgresql\"\nconnect = \"host=/var/run/postgresql dbname=postgres user={{host}}\"\n"
        ))
        .unwrap();
        let r = &cfg.groups[0].running[0];
        assert_eq!(r.timeout.as_secs(), 10);
        assert_eq!(
            r.connect_for("db-1"),
            "host=/var/run/postgresql dbname=postgres user=db-1"
        );
    }

    #[test]
    fn what_is_wrong_is_said_with_its_line() {
        let e = err(&format!(
            "{FILE}server = \"postgresql\"\nconnect = \"host=db password=hunter2\"\n"
        ));
        assert!(e.contains("confdrift.toml:7: group \"db\""), "{e}");
        assert!(
            e.contains("holds password=") && e.contains(".pgpass"),
            "{e}"
        );
        assert!(!e.contains("hunter2"), "{e}");
        let e = err(&format!(
            "{FILE}server = \"postgresql\"\nconnect = \"postgresql://u:hunter2@db/x\"\n"
        ));
        assert!(
            e.contains("user:password@") && !e.contains("hunter2"),
            "{e}"
        );
        let e = err(&format!("{FILE}server = \"pgbouncer\"\nconnect = \"x\"\n"));
        assert!(
            e.contains(":7: ") && e.contains("\"pgbouncer\" is not yet supported"),
            "{e}"
        );
        let e = err(&format!("{FILE}server = \"oracle\"\nconnect = \"x\"\n"));
        assert!(e.contains("unknown server \"oracle\""), "{e}");
        let e = err(&format!(
            "{FILE}server = \"postgresql\"\nconnect = \"x\"\ntimeout = 5\nuser = \"x\"\n"
        ));
        assert!(
            e.contains(":12:1:") && e.contains("unknown field `user`"),
            "{e}"
        );
        let e = err("file = \"/etc/other.conf\"\nserver = \"postgresql\"\nconnect = \"x\"\n");
        assert!(e.contains("not in the group's `files`"), "{e}");
    }
}
