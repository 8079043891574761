//! Include chains the program refuses to start with: a file read again in its own chain, and
//! nesting past the program's limit (PostgreSQL 10, PgBouncer 10, sshd 16, php-fpm 5 files;
//! Redis has none and crashes on a circle). For each case the real program (`postgres -C`,
//! `sshd -t`, `redis-server`, `pgbouncer`, `php-fpm8.2 -t`) says whether it starts, and `confdrift check` must report
//! trouble at the including line exactly when it does not.

use crate::harness::Fleet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// One case: the entry file's name, and each file's text (`{d}` is the directory).
struct Case {
    program: &'static str,
    name: &'static str,
    files: Vec<(String, String)>,
}

/// A chain of `depth` includes from the entry file down, the last file setting something;
/// `back`: the last file includes the entry file instead (a circle).
fn chain(program: &'static str, depth: usize, back: bool) -> Case {
    let (entry, include, setting): (&str, fn(&str) -> String, &str) = match program {
        "postgresql" => (
            "postgresql.conf",
            |p| format!("include '{p}'\n"),
            "max_connections = 7\n",
        ),
        "sshd" => (
            "sshd_config",
            |p| format!("Include {p}\n"),
            "MaxStartups 7\n",
        ),
        "redis" => (
            "redis.conf",
            |p| format!("include {p}\n"),
            "maxclients 70\n",
        ),
        "php-fpm" => (
            "php-fpm.conf",
            |p| format!("include = {p}\n"),
            "log_limit = 2048\n",
        ),
        _ => (
            "pgbouncer.ini",
            |p| format!("%include {p}\n"),
            "max_client_conn = 7\n",
        ),
    };
    let name = |i: usize| {
        if i == 0 {
            entry.to_string()
        } else {
            format!("c{i}.conf")
        }
    };
    let mut files = Vec::new();
    for i in 0..=depth {
        let text = if i < depth {
            include(&format!("{{d}}/{}", name(i + 1)))
        } else if back {
            include(&format!("{{d}}/{entry}"))
        } else {
            setting.to_string()
        };
        files.push((name(i), text));
    }
    Case {
        program,
        name: entry,
        files,
    }
}

/// Writes the case into `dir` (the entry file with what the program needs to start around
/// the chain).
fn write(case: &Case, dir: &Path, port: u16) {
    let d = dir.display().to_string();
    for (i, (name, text)) in case.files.iter().enumerate() {
        let mut text = text.replace("{d}", &d);
        if i == 0 {
            text = match case.program {
                "sshd" => format!("HostKey {d}/hostkey\n{text}"),
                "redis" => format!("port 0\nunixsocket {d}/redis.sock\n{text}"),
                "pgbouncer" => format!(
                    "[databases]\n[pgbouncer]\nlisten_addr =\nunix_socket_dir = {d}\nlisten_port = {port}\nauth_type = trust\nlogfile =\npidfile =\n{text}"
                ),
                // A pool, then the chain from the global section.
                "php-fpm" => format!(
                    "[www]\nuser = nobody\ngroup = nogroup\nlisten = {d}/www.sock\npm = static\npm.max_children = 2\n[global]\npid = {d}/fpm.pid\nerror_log = {d}/fpm.log\n{text}"
                ),
                _ => text,
            };
        }
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
}

/// Runs a server for up to a second: whether it was still up (it started).
fn stays_up(mut cmd: Command) -> bool {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(50));
        if child.try_wait().unwrap().is_some() {
            return false;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    true
}

/// Whether the real program starts with the case's entry file.
fn program_starts(case: &Case, dir: &Path) -> bool {
    let entry = dir.join(case.name);
    match case.program {
        "postgresql" => {
            let out = crate::running_pg::as_server("postgres")
                .arg(format!("--config-file={}", entry.display()))
                .args(["-C", "max_connections"])
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&out.stderr);
            !said.contains("maximum nesting depth exceeded")
                && !said.contains("configuration file recursion")
        }
        "sshd" => Command::new("/usr/sbin/sshd")
            .arg("-t")
            .arg("-f")
            .arg(&entry)
            .output()
            .expect("sshd (.ci/run installs openssh-server)")
            .status
            .success(),
        "php-fpm" => Command::new("php-fpm8.2")
            .arg("-t")
            .arg("-y")
            .arg(&entry)
            .output()
            .expect("php-fpm8.2 (.ci/run installs php8.2-fpm)")
            .status
            .success(),
        "redis" => {
            let mut c = Command::new("redis-server");
            c.arg(&entry);
            stays_up(c)
        }
        _ => {
            let mut c = crate::harness::unprivileged("pgbouncer");
            c.arg(&entry);
            stays_up(c)
        }
    }
}

#[test]
fn include_circles_and_nesting_past_the_limit_are_trouble_as_each_program_refuses_them() {
    let mut cases = Vec::new();
    for (program, limit) in [
        ("postgresql", 10),
        ("sshd", 16),
        ("redis", 20),
        ("pgbouncer", 10),
        // php-fpm opens 5 files in a chain: the entry file and 4 levels.
        ("php-fpm", 4),
    ] {
        cases.push(chain(program, 0, true)); // includes itself
        cases.push(chain(program, 1, true)); // a circle of two
        cases.push(chain(program, limit, false));
        cases.push(chain(program, limit + 1, false));
    }
    let mut port = 36900;
    let mut checked = 0;
    for case in &cases {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        // pgbouncer (as nobody) makes its socket there.
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o777)).unwrap();
        port += 1;
        write(case, &root, port);
        if case.program == "sshd" {
            let key = root.join("hostkey");
            let ok = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(&key)
                .status()
                .unwrap()
                .success();
            assert!(ok);
        }
        let starts = program_starts(case, &root);
        let entry = root.join(case.name).display().to_string();
        let f = Fleet::new(&format!(
            "[[group]]\nname = \"g\"\nhosts = [\"h-1\"]\ntransport = \"local\"\nfiles = [{entry:?}]\n"
        ));
        f.group_baseline("g", &entry, &std::fs::read_to_string(&entry).unwrap());
        f.commit("baseline");
        let out = f.run(&["check", "--format", "json"]);
        let report = out.json();
        let refused: Vec<String> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap().to_string())
            .filter(|m| m.contains("being read already") || m.contains("past the nesting limit"))
            .collect();
        let depth = case.files.len() - 1;
        assert_eq!(
            refused.is_empty(),
            starts,
            "{} with {depth} levels{}: the program {}, confdrift said {refused:?}\n{report:#}",
            case.program,
            if case.files.last().unwrap().1.contains(case.name) {
                " back to itself"
            } else {
                ""
            },
            if starts { "starts" } else { "refuses" }
        );
        if !starts {
            assert_eq!(out.code, 2, "{report:#}");
            assert_eq!(refused.len(), 1, "one line, once: {refused:?}");
        }
        checked += 1;
    }
    assert_eq!(checked, 20);
}
