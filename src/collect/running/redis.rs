//! Redis's running configuration through `redis-cli`: `CONFIG GET *` (every setting as the
//! server runs it, `CONFIG SET`s included) and `HELLO` (the server's version), sent on
//! redis-cli's standard input, answered in its `--csv` form.
//!
//! In `--csv` each reply is one line: an array's strings each in double quotes with redis'
//! own escapes (`sdscatrepr`: `\\ \" \n \r \t \a \b \xHH`), so no value can forge a line or a
//! field; an error reply is `ERROR,"..."`. redis-cli reading commands from its standard input
//! exits 0 whatever happens: a server it cannot reach leaves no line on its standard output and
//! its words on its standard error.
//!
//! `connect` is `redis://host[:port][/db]`, `rediss://...` (TLS) or `unix:///path/to/socket`,
//! with an optional `?user=NAME` (an ACL user, `--user`). The password comes from
//! `REDISCLI_AUTH` in confdrift's environment only: redis-cli reads it from its own
//! environment (over ssh, the script on ssh's standard input exports it, so it is never on a
//! command line). redis-cli takes whatever stands before an `@` in a URI as a password, so a
//! `connect` with an `@` is refused ([`password_in`]).

use super::{Invocation, Running, RunningSetting, RunningSpec};
use std::process::ExitStatus;

/// Settings read at most (Redis 7.0 has about 200, 400 names with the aliases).
const MAX_SETTINGS: usize = 20_000;

/// The environment variable redis-cli reads its password from.
pub const AUTH_ENV: &str = "REDISCLI_AUTH";

/// The commands, one a line.
const COMMANDS: &str = "CONFIG GET *\nHELLO\n";

/// How redis-cli reaches the server, as `connect` says it.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    args: Vec<String>,
}

/// redis-cli's arguments for `connect`, or why it cannot be used.
fn target(connect: &str) -> Result<Target, String> {
    let c = connect.trim();
    let (scheme, rest) = c
        .split_once("://")
        .ok_or("expected a URI: redis://host:port, rediss://host:port or unix:///path")?;
    if rest.contains('@') {
        return Err(
            "it holds user info (user:password@): redis-cli reads what stands before @ as a password"
                .to_string(),
        );
    }
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut args = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("user", name)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
                args.extend(["--user".to_string(), name.to_string()]);
            }
            Some((k, _))
                if k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("pass") =>
            {
                return Err("it holds a password= parameter".to_string());
            }
            _ => {
                return Err(format!(
                    "unknown parameter {pair:?} (only user=NAME is taken)"
                ));
            }
        }
    }
    match scheme {
        "unix" => {
            if !rest.starts_with('/') {
                return Err("unix:// takes an absolute socket path: unix:///path".to_string());
            }
            args.extend(["-s".to_string(), rest.to_string()]);
        }
        "redis" | "rediss" => {
            let (hostport, db) = rest.split_once('/').unwrap_or((rest, ""));
            let (host, port) = match hostport.rsplit_once(':') {
                Some((h, p)) if !h.ends_with(':') || h.starts_with('[') => (h, Some(p)),
                _ => (hostport, None),
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() {
                return Err("no host: redis://host:port".to_string());
            }
            args.extend(["-h".to_string(), host.to_string()]);
            if let Some(p) = port {
                p.parse::<u16>()
                    .map_err(|_| format!("port {p:?} is not a port number"))?;
                args.extend(["-p".to_string(), p.to_string()]);
            }
            if !db.is_empty() {
                db.parse::<u32>()
                    .map_err(|_| format!("database {db:?} is not a number"))?;
                args.extend(["-n".to_string(), db.to_string()]);
            }
            if scheme == "rediss" {
                args.push("--tls".to_string());
            }
        }
        other => return Err(format!("unknown scheme {other}://")),
    }
    Ok(Target { args })
}

/// Why `connect` must not be used: it holds a password, or is no URI redis-cli can take.
pub fn password_in(connect: &str) -> Option<String> {
    target(connect).err()
}

/// redis-cli's command for `spec` on `host`; `auth` is `REDISCLI_AUTH` as confdrift has it.
pub(super) fn invocation(spec: &RunningSpec, host: &str, auth: Option<String>) -> Invocation {
    let mut args = vec!["--csv".to_string(), "--no-auth-warning".to_string()];
    // Checked when the config was read; `{host}` may only make a name of it.
    args.extend(target(&spec.connect_for(host)).map_or_else(|_| Vec::new(), |t| t.args));
    let mut env = vec![("LC_ALL", "C".to_string())];
    if let Some(a) = auth {
        env.push((AUTH_ENV, a));
    }
    Invocation {
        program: "redis-cli",
        args,
        env,
        stdin: COMMANDS.to_string(),
    }
}

/// What redis-cli answered: the settings, or why there are none (its own words).
pub(super) fn answer(stdout: &[u8], status: ExitStatus, stderr: &str) -> Result<Running, String> {
    let said: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let said: String = said.join("; ").chars().take(600).collect();
    if !status.success() {
        return Err(match status.code() {
            Some(c) => format!("redis-cli exited with {c}: {said}"),
            None => format!("redis-cli was killed: {said}"),
        });
    }
    let text = String::from_utf8_lossy(stdout);
    if text.trim().is_empty() {
        return Err(if said.is_empty() {
            "no answer".to_string()
        } else {
            format!("cannot connect: {said}")
        });
    }
    parse(&text).map_err(|e| match said.is_empty() {
        true => e,
        false => format!("{e} (redis-cli said: {said})"),
    })
}

/// Reads the two replies: `CONFIG GET *`, then `HELLO`.
pub(super) fn parse(text: &str) -> Result<Running, String> {
    let mut lines = text.lines();
    let config = lines.next().ok_or("no reply to CONFIG GET")?;
    let fields = csv(config).map_err(|e| format!("the reply to CONFIG GET: {e}"))?;
    if fields.first().map(String::as_str) == Some("ERROR") && config.starts_with("ERROR,") {
        return Err(format!(
            "the server refused CONFIG GET: {}",
            fields.get(1).map_or("", String::as_str)
        ));
    }
    if fields.len() % 2 != 0 || fields.is_empty() {
        return Err("the reply to CONFIG GET is not name and value pairs".to_string());
    }
    if fields.len() / 2 > MAX_SETTINGS {
        return Err("the reply to CONFIG GET holds more settings than any server has".to_string());
    }
    let mut running = Running::default();
    for kv in fields.chunks(2) {
        let name = &kv[0];
        if name.is_empty()
            || name.len() > 256
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(format!(
                "the reply to CONFIG GET names no setting: {name:?}"
            ));
        }
        running.settings.insert(
            name.to_ascii_lowercase(),
            RunningSetting {
                value: kv[1].clone(),
                ..RunningSetting::default()
            },
        );
    }
    let hello = lines
        .next()
        .ok_or("no reply to HELLO (the answer was cut short)")?;
    if lines.any(|l| !l.trim().is_empty()) {
        return Err("more lines than the two replies".to_string());
    }
    if hello.starts_with("ERROR,") {
        running
            .notices
            .push("the server does not say its version (HELLO refused: Redis before 6?): give the group's `version`".to_string());
        return Ok(running);
    }
    let hello = csv(hello.trim_end_matches(',')).map_err(|e| format!("the reply to HELLO: {e}"))?;
    let version = hello
        .chunks(2)
        .find(|kv| kv[0] == "version")
        .and_then(|kv| kv.get(1))
        .ok_or("the reply to HELLO holds no version")?;
    running.version_num = version_num(version)
        .ok_or_else(|| format!("the server's version {version:?} is not one"))?;
    Ok(running)
}

/// `7.0.15` as `70015` (major, minor and patch in two digits each, as `Running::major` reads
/// it: `7.0`).
fn version_num(v: &str) -> Option<u32> {
    let mut parts = v
        .split('.')
        .map(|p| p.parse::<u32>().ok().filter(|&n| n < 100));
    let major = parts.next()??;
    let minor = parts.next()??;
    let patch = parts.next().unwrap_or(Some(0))?;
    (major > 0 && parts.next().is_none()).then_some(major * 10_000 + minor * 100 + patch)
}

/// One `--csv` line: fields separated by `,`, each a `"..."` with `sdscatrepr` escapes or a
/// bare word (a number, `NULL`, `ERROR`).
fn csv(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'"') {
            let mut field = Vec::new();
            i += 1;
            loop {
                match b.get(i) {
                    None => return Err("an unterminated string".to_string()),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => {
                        let c = *b.get(i + 1).ok_or("an escape at the end")?;
                        i += 2;
                        field.push(match c {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'a' => 7,
                            b'b' => 8,
                            b'\\' | b'"' => c,
                            b'x' => {
                                let hex = b
                                    .get(i..i + 2)
                                    .and_then(|h| std::str::from_utf8(h).ok())
                                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                                    .ok_or("a bad \\x escape")?;
                                i += 2;
                                hex
                            }
                            _ => return Err(format!("an unknown escape \\{}", c as char)),
                        });
                    }
                    Some(&c) => {
                        field.push(c);
                        i += 1;
                    }
                }
            }
            out.push(String::from_utf8_lossy(&field).into_owned());
        } else {
            let end = b[i..]
                .iter()
                .position(|&c| c == b',')
                .map_or(b.len(), |p| i + p);
            let word = &line[i..end];
            if word.contains('"') {
                return Err("a quote inside a bare field".to_string());
            }
            out.push(word.to_string());
            i = end;
        }
        match b.get(i) {
            None => return Ok(out),
            Some(b',') => i += 1,
            Some(_) => return Err("no comma after a string".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_uris() {
        let args = |c: &str| target(c).map(|t| t.args.join(" "));
        assert_eq!(
            args("unix:///run/redis/redis.sock").unwrap(),
            "-s /run/redis/redis.sock"
        );
        assert_eq!(args("redis://db-1:6380/2").unwrap(), "-h db-1 -p 6380 -n 2");
        assert_eq!(args("redis://db-1").unwrap(), "-h db-1");
        assert_eq!(
            args("rediss://[::1]:6379?user=confdrift").unwrap(),
            "--user confdrift -h ::1 -p 6379 --tls"
        );
        for bad in [
            "redis://:secret@db",
            "redis://user:secret@db",
            "redis://secret@db",
            "redis://db?password=x",
            "unix://relative.sock",
            "redis://db:port",
            "db:6379",
            "http://db",
        ] {
            assert!(password_in(bad).is_some(), "{bad}");
        }
        let e = password_in("redis://u:hunter2@db").unwrap();
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn the_password_is_in_the_environment_only() {
        let spec = RunningSpec {
            file: "/etc/redis/redis.conf".into(),
            server: super::super::Server::Redis,
            connect: "unix:///run/redis/{host}.sock?user=confdrift".into(),
            timeout: std::time::Duration::from_secs(5),
        };
        let inv = invocation(&spec, "cache-1", Some("s3cret".into()));
        assert_eq!(
            inv.args.join(" "),
            "--csv --no-auth-warning --user confdrift -s /run/redis/cache-1.sock"
        );
        assert!(inv.env.contains(&(AUTH_ENV, "s3cret".to_string())));
        // Over ssh: exported by the script on ssh's standard input, never an argument.
        let script = super::super::script(&inv);
        assert!(
            script.contains("export REDISCLI_AUTH='s3cret'\n"),
            "{script}"
        );
        let exec = script.lines().find(|l| l.starts_with("exec ")).unwrap();
        assert!(!exec.contains("s3cret"), "{exec}");
    }

    #[test]
    fn replies_are_read_and_checked() {
        let r = parse(
            "\"maxmemory\",\"0\",\"save\",\"3600 1\",\"masteruser\",\"a\\\"b\\n\\x01\"\n\
             \"server\",\"redis\",\"version\",\"7.0.15\",\"proto\",2,\"modules\",\n",
        )
        .unwrap();
        assert_eq!(r.major(), "7.0");
        assert_eq!(r.settings["save"].value, "3600 1");
        assert_eq!(r.settings["masteruser"].value, "a\"b\n\u{1}");
        for (bad, why) in [
            (
                "ERROR,\"NOAUTH Authentication required.\"\n",
                "refused CONFIG GET",
            ),
            ("\"a\",\"1\",\"b\"\nx\n", "pairs"),
            ("\"a\",\"1\"\n", "cut short"),
            ("\"a\",\"1\n", "unterminated"),
            ("\"a b\",\"1\"\n\"version\",\"7.0.1\"\n", "names no setting"),
            ("\"a\",\"1\"\n\"version\",\"x\"\n", "not one"),
            ("\"a\",\"1\"\n\"version\",\"7.0.1\"\nmore\n", "more lines"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(why), "{e} (expected {why})");
        }
        let r = parse("\"a\",\"1\"\nERROR,\"ERR unknown command 'HELLO'\"\n").unwrap();
        assert_eq!(r.version_num, 0);
        assert_eq!(r.notices.len(), 1);
    }
}
