//! Running servers: the configuration a server runs with, asked of the server itself with its
//! own command-line client (`psql`), run where the group's transport runs commands: on this
//! machine for the `dir` and `local` transports, on the host over ssh (a script on ssh's
//! standard input, as the file collector is). One file per server kind beside this one: it
//! builds the client's command and reads its answer back into a [`Running`].
//!
//! Connection details come from the client's own mechanisms (a libpq service file, `.pgpass`,
//! `PGPASSFILE`): a connection string holding a password is refused when the config is read
//! ([`Server::password_in`]), so nothing secret is ever on a command line. The client's
//! output is hostile input: bounded in size, every row checked, a bad row is an error.

pub mod mariadb;
pub mod pgbouncer;
pub mod postgresql;
pub mod redis;

use super::process::{self, RunError};
use super::{Transport, remote, ssh, trace};
use crate::inventory::{Connection, HostVars};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

/// The answer of a server larger than this is not read.
const MAX_ANSWER_BYTES: u64 = 8 * 1024 * 1024;

/// The kinds of running servers confdrift can ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    Postgresql,
    Redis,
    Mariadb,
    Pgbouncer,
}

impl Server {
    pub fn name(self) -> &'static str {
        match self {
            Server::Postgresql => "postgresql",
            Server::Redis => "redis",
            Server::Mariadb => "mariadb",
            Server::Pgbouncer => "pgbouncer",
        }
    }

    /// The client program it is asked with.
    pub fn client(self) -> &'static str {
        match self {
            Server::Postgresql => "psql",
            Server::Redis => "redis-cli",
            Server::Mariadb => "mariadb",
            Server::Pgbouncer => "psql",
        }
    }

    /// Why `connect` must not be used: it holds a password (visible in `ps` on a command line).
    pub fn password_in(self, connect: &str) -> Option<String> {
        match self {
            Server::Postgresql => postgresql::password_in(connect),
            Server::Redis => redis::password_in(connect),
            Server::Mariadb => mariadb::password_in(connect),
            Server::Pgbouncer => pgbouncer::password_in(connect),
        }
    }

    /// Where its password comes from instead.
    pub fn password_from(self) -> &'static str {
        match self {
            Server::Postgresql | Server::Pgbouncer => {
                "use ~/.pgpass, PGPASSFILE or a service file (service=NAME)"
            }
            Server::Redis => {
                "set REDISCLI_AUTH in confdrift's environment (and the ACL user as ?user=NAME)"
            }
            Server::Mariadb => {
                "use an option file the client reads (defaults-extra-file=PATH, defaults-group-suffix=SUFFIX, ~/.my.cnf)"
            }
        }
    }
}

/// A `[[group.running]]` entry, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunningSpec {
    /// The entry file whose effective configuration the server runs (`postgresql.conf`).
    pub file: String,
    pub server: Server,
    /// How the client connects (a libpq connection string or URI), `{host}` replaced by the
    /// host's name.
    pub connect: String,
    /// For connecting and for the query each (the whole run gets twice this, ssh's own
    /// connection time besides).
    pub timeout: Duration,
}

impl RunningSpec {
    /// The connection string for `host`.
    pub fn connect_for(&self, host: &str) -> String {
        self.connect.replace("{host}", host)
    }
}

/// One setting as the server runs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunningSetting {
    /// As the server shows it in its base unit (`16384` for `shared_buffers`).
    pub value: String,
    /// The base unit (`8kB`, `kB`, `ms`, `s`), empty for none.
    pub unit: String,
    /// Where the value came from, in the server's words (`configuration file`, `default`,
    /// `command line`, `database`, `user`, ...).
    pub source: String,
    /// The file and line that set it, when `source` is a file and the role may see it.
    pub file: Option<String>,
    pub line: Option<u32>,
    /// The file says another value that needs a restart to apply.
    pub pending_restart: bool,
    /// When a change can apply (`postmaster`: at start; `sighup`: on reload; `internal`:
    /// never).
    pub context: String,
}

/// One line of the server's configuration files as the server reads them now
/// (`pg_file_settings`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSetting {
    pub file: String,
    pub line: u32,
    /// None for a line that could not be read at all (a syntax error).
    pub name: Option<String>,
    pub value: Option<String>,
    pub applied: bool,
    /// The server's own words, when it refused the line.
    pub error: Option<String>,
}

/// What a server runs with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Running {
    /// `server_version_num` (`150018`); Redis's version the same way (`70015`: 7.0.15).
    pub version_num: u32,
    /// Every setting by its name in lower case.
    pub settings: BTreeMap<String, RunningSetting>,
    /// How the server reads its files now; `None` when the role may not ask.
    pub file_settings: Option<Vec<FileSetting>>,
    /// Worth saying (a view the role may not read).
    pub notices: Vec<String>,
}

impl Running {
    /// The major version as the packages name it (`15`; `9.6` before PostgreSQL 10).
    pub fn major(&self) -> String {
        let n = self.version_num;
        if n >= 100_000 {
            (n / 10_000).to_string()
        } else {
            format!("{}.{}", n / 10_000, n / 100 % 100)
        }
    }
}

/// A client's command: program, arguments, environment, and what it reads on standard input.
struct Invocation {
    program: &'static str,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    stdin: String,
}

/// Asks the server `spec` names, for `host`, what it runs with.
pub fn read(
    transport: &Transport,
    host: &str,
    vars: Option<&HostVars>,
    spec: &RunningSpec,
) -> Result<Running, String> {
    let inv = match spec.server {
        Server::Postgresql => postgresql::invocation(spec, host),
        Server::Redis => redis::invocation(spec, host, std::env::var(redis::AUTH_ENV).ok()),
        Server::Mariadb => mariadb::invocation(spec, host),
        Server::Pgbouncer => pgbouncer::invocation(spec, host),
    };
    let answer = match transport {
        Transport::Dir { .. } | Transport::Local => local(host, &inv, spec.timeout)?,
        Transport::Ssh(settings) => match vars.and_then(|v| v.connection.as_ref()) {
            Some(Connection::Local) => local(host, &inv, spec.timeout)?,
            Some(Connection::Other(other)) => {
                return Err(format!("ansible_connection={other} is not supported"));
            }
            Some(Connection::Ssh) | None => {
                let cmd = ssh::shell(settings, host, vars);
                trace(host, format_args!("{} (running server)", ssh::shown(&cmd)));
                let limit = settings.connect_timeout + spec.timeout * 2;
                let f = finish(process::run(
                    cmd,
                    script(&inv).as_bytes(),
                    limit,
                    MAX_ANSWER_BYTES,
                ))?;
                if f.status.code() == Some(255) && f.stdout.is_empty() {
                    let said = f.stderr.lines().last().unwrap_or("").trim();
                    return Err(if said.is_empty() {
                        "ssh: connection failed".to_string()
                    } else {
                        said.to_string()
                    });
                }
                if f.status.code() == Some(127) && f.stdout.is_empty() {
                    return Err(format!(
                        "{} is not installed on the host (the running server is asked with it)",
                        inv.program
                    ));
                }
                f
            }
        },
        Transport::Command {
            shell: Some(shell),
            timeout,
            ..
        } => {
            let argv: Vec<String> = shell.iter().map(|a| a.replace("{host}", host)).collect();
            let mut cmd = Command::new(&argv[0]);
            cmd.args(&argv[1..]);
            trace(host, format_args!("{} (running server)", argv.join(" ")));
            let limit = *timeout + spec.timeout * 2;
            match process::run(cmd, script(&inv).as_bytes(), limit, MAX_ANSWER_BYTES) {
                Err(RunError::Spawn(e)) => {
                    return Err(format!("cannot run {:?} (the group's shell): {e}", argv[0]));
                }
                other => {
                    let f = finish(other)?;
                    if f.status.code() == Some(127) && f.stdout.is_empty() {
                        return Err(format!(
                            "{} is not installed on the host, or the group's shell did not start (exit 127)",
                            inv.program
                        ));
                    }
                    f
                }
            }
        }
        Transport::Command { shell: None, .. } => {
            return Err(format!(
                "the command transport runs {} on the host through the group's `shell`, which is not set: e.g. shell = [\"kubectl\", \"exec\", \"-i\", \"{{host}}\", \"--\", \"sh\", \"-s\"]",
                inv.program
            ));
        }
    };
    match spec.server {
        Server::Postgresql => postgresql::answer(&answer.stdout, answer.status, &answer.stderr),
        Server::Redis => redis::answer(&answer.stdout, answer.status, &answer.stderr),
        Server::Mariadb => mariadb::answer(&answer.stdout, answer.status, &answer.stderr),
        Server::Pgbouncer => pgbouncer::answer(&answer.stdout, answer.status, &answer.stderr),
    }
}

/// The client run on this machine.
fn local(host: &str, inv: &Invocation, timeout: Duration) -> Result<process::Finished, String> {
    let mut cmd = Command::new(inv.program);
    cmd.args(&inv.args);
    for (k, v) in &inv.env {
        cmd.env(k, v);
    }
    trace(
        host,
        format_args!("{} {} (running server)", inv.program, inv.args.join(" ")),
    );
    match process::run(cmd, inv.stdin.as_bytes(), timeout * 2, MAX_ANSWER_BYTES) {
        Err(RunError::Spawn(e)) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
            "{} is not installed on this machine (the running server is asked with it)",
            inv.program
        )),
        other => finish(other),
    }
}

fn finish(run: Result<process::Finished, RunError>) -> Result<process::Finished, String> {
    match run {
        Ok(f) => Ok(f),
        Err(RunError::Spawn(e)) => Err(format!("cannot run the client: {e}")),
        Err(RunError::TimedOut(stderr)) => Err(match stderr.lines().last() {
            Some(l) => format!("timed out; the client said: {l}"),
            None => "timed out".to_string(),
        }),
        Err(RunError::TooMuchOutput(n)) => {
            Err(format!("the server's answer exceeds {n} bytes; not read"))
        }
    }
}

/// The POSIX `sh` script that runs the client on a host: its environment, then the client
/// with its input in a quoted here-document (nothing in it is expanded by the shell).
fn script(inv: &Invocation) -> String {
    const END: &str = "CONFDRIFT_END_OF_INPUT";
    debug_assert!(!inv.stdin.lines().any(|l| l == END));
    let mut s = String::from(
        "# confdrift: asks a running server what it runs with (read-only)\nexport LC_ALL=C\n",
    );
    for (k, v) in &inv.env {
        s.push_str(&format!("export {k}={}\n", remote::sh_quote(v)));
    }
    s.push_str("exec ");
    s.push_str(inv.program);
    for a in &inv.args {
        s.push(' ');
        s.push_str(&remote::sh_quote(a));
    }
    s.push_str(&format!(" <<'{END}'\n{}\n{END}\n", inv.stdin.trim_end()));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_quotes_everything_and_expands_nothing() {
        let inv = Invocation {
            program: "psql",
            args: vec!["-d".into(), "host=/run/x dbname='it''s'".into()],
            env: vec![("PGCONNECT_TIMEOUT", "10".into())],
            stdin: "SELECT '$HOME', `id`;\n".into(),
        };
        let s = script(&inv);
        assert!(s.contains("export PGCONNECT_TIMEOUT='10'\n"), "{s}");
        assert!(
            s.contains("exec psql '-d' 'host=/run/x dbname='\\''it'\\'''\\''s'\\''' <<'CONFDRIFT_END_OF_INPUT'\nSELECT '$HOME', `id`;\nCONFDRIFT_END_OF_INPUT\n"),
            "{s}"
        );
    }

    #[test]
    fn major_versions() {
        let r = |n| Running {
            version_num: n,
            ..Running::default()
        };
        assert_eq!(r(150018).major(), "15");
        assert_eq!(r(90624).major(), "9.6");
    }
}
