//! The running PostgreSQL server as the third side: each test starts its own PostgreSQL 15
//! (`initdb` and `pg_ctl` into a temporary directory, a unix socket there, no TCP listener),
//! changes it the way operators do (a file edit with or without a reload, `ALTER SYSTEM`, a
//! line the server refuses), and `confdrift check` must find exactly `not_applied`,
//! `runtime_only` or `rejected` there, with the baseline, file and running values side by
//! side, and nothing at all on a freshly started server. The server runs as the `postgres`
//! system user when the tests run as root (postgres refuses root), and is stopped at the end.
//! A missing server is a failure, never a skip (`.ci/run` installs postgresql).

use crate::harness::Fleet;
use serde_json::Value as Json;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = "/usr/lib/postgresql/15/bin";

/// One PostgreSQL server of a test, stopped when dropped.
pub struct Pg {
    dir: tempfile::TempDir,
    pub data: PathBuf,
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// A command of the server's, run as `postgres` when the tests run as root.
fn as_server(program: &str) -> Command {
    let path = format!("{BIN}/{program}");
    assert!(
        Path::new(&path).exists(),
        "{path} is missing: install postgresql-15 (.ci/run does)"
    );
    if running_as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &path]);
        c
    } else {
        Command::new(path)
    }
}

fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Pg {
    /// A new cluster (`initdb`, trust for the `postgres` role on the socket), the socket and
    /// port written into its postgresql.conf (the server runs what its files say), started.
    pub fn start() -> Pg {
        let pg = Pg::init();
        pg.append("listen_addresses = ''\n");
        pg.up();
        pg
    }

    /// A new cluster, not started; its postgresql.conf names the socket directory.
    pub fn init() -> Pg {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        if running_as_root() {
            // The server writes its data directory and socket here.
            ok(Command::new("chown")
                .arg("postgres:postgres")
                .arg(dir.path()));
        }
        let data = dir.path().join("data");
        ok(as_server("initdb")
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
            .args(["--locale", "C.UTF-8", "-D"])
            .arg(&data));
        let pg = Pg { dir, data };
        pg.append(&format!(
            "unix_socket_directories = '{}'\n",
            pg.dir.path().display()
        ));
        pg
    }

    pub fn up(&self) {
        ok(as_server("pg_ctl")
            .args(["-w", "-t", "60", "-D"])
            .arg(&self.data)
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .arg("start"));
    }

    pub fn stop(&self) {
        let _ = as_server("pg_ctl")
            .args(["-w", "-t", "60", "-m", "fast", "-D"])
            .arg(&self.data)
            .arg("stop")
            .output();
    }

    pub fn conf(&self) -> PathBuf {
        self.data.join("postgresql.conf")
    }

    pub fn auto_conf(&self) -> PathBuf {
        self.data.join("postgresql.auto.conf")
    }

    /// Appends to postgresql.conf (its owner and mode stay the server's).
    pub fn append(&self, text: &str) {
        let mut conf = std::fs::read_to_string(self.conf()).unwrap();
        conf.push_str(text);
        std::fs::write(self.conf(), conf).unwrap();
    }

    /// Replaces a whole line of postgresql.conf.
    pub fn edit(&self, from: &str, to: &str) {
        let conf = std::fs::read_to_string(self.conf()).unwrap();
        assert!(conf.contains(from), "no {from:?} in postgresql.conf");
        std::fs::write(self.conf(), conf.replacen(from, to, 1)).unwrap();
    }

    /// The line of postgresql.conf that starts with `start`.
    pub fn line_of(&self, start: &str) -> u64 {
        let conf = std::fs::read_to_string(self.conf()).unwrap();
        conf.lines()
            .position(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start:?}")) as u64
            + 1
    }

    /// The connection string for the `postgres` role over the socket.
    pub fn connect(&self) -> String {
        format!(
            "host={} dbname=postgres user=postgres",
            self.dir.path().display()
        )
    }

    /// Runs SQL as the superuser; its unaligned output.
    pub fn sql(&self, sql: &str) -> String {
        ok(Command::new("psql")
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.connect())
            .args(["-c", sql]))
    }

    /// `pg_reload_conf()`, and a moment for the postmaster and its children to take it.
    pub fn reload(&self) {
        self.sql("SELECT pg_reload_conf()");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = as_server("pg_ctl")
            .args(["-w", "-t", "30", "-m", "immediate", "-D"])
            .arg(&self.data)
            .arg("stop")
            .output();
    }
}

/// A fleet whose group `db` reads `pg`'s postgresql.conf (and, through it, the auto.conf
/// beside it) on this machine and asks `pg` what it runs, with the files as they are now as
/// its baseline.
pub fn fleet(pg: &Pg, connect: &str) -> Fleet {
    let conf = pg.conf().display().to_string();
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"local\"\nfiles = [{conf:?}]\n\n\
         [[group.running]]\nfile = {conf:?}\nserver = \"postgresql\"\nconnect = {connect:?}\n"
    ));
    baseline(&f, pg);
    f
}

/// The server's files as they are now, as group `db`'s baseline, committed.
pub fn baseline(f: &Fleet, pg: &Pg) {
    for p in [pg.conf(), pg.auto_conf()] {
        let text = std::fs::read_to_string(&p).unwrap();
        f.group_baseline("db", &p.display().to_string(), &text);
    }
    f.commit("baseline");
}

/// The findings of a run, as (kind, key) pairs.
fn found(report: &Json) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["key"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn finding<'a>(report: &'a Json, kind: &str, key: &str) -> &'a Json {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == kind && f["key"] == key)
        .unwrap_or_else(|| panic!("no {kind} finding on {key}: {report:#}"))
}

fn check(f: &Fleet) -> (i32, Json, String) {
    let out = f.run(&["check", "--format", "json"]);
    let report = out.json();
    (out.code, report, out.stderr)
}

#[test]
fn a_fresh_server_with_its_own_files_gives_no_finding() {
    let pg = Pg::start();
    let f = fleet(&pg, &pg.connect());
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    assert_eq!(found(&report), Vec::<(String, String)>::new());
    assert_eq!(report["errors"], serde_json::json!([]));
}

#[test]
fn a_file_edit_without_reload_is_not_applied_and_a_reload_applies_it() {
    let pg = Pg::start();
    let f = fleet(&pg, &pg.connect());
    pg.append("work_mem = 16MB\n");
    let line = pg.line_of("work_mem = 16MB");
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(
        found(&report),
        [
            ("added".to_string(), "work_mem".to_string()),
            ("not_applied".to_string(), "work_mem".to_string())
        ]
    );
    let n = finding(&report, "not_applied", "work_mem");
    assert_eq!(n["file"], pg.conf().display().to_string());
    assert_eq!(n["line"], line);
    assert_eq!(n["baseline"], Json::Null);
    assert_eq!(n["file_value"], "16MB");
    assert_eq!(n["running"], "4MB");
    assert_eq!(n["source"], "default");
    let message = n["message"].as_str().unwrap();
    assert!(message.contains("reload needed"), "{message}");

    pg.reload();
    let (_, report, _) = check(&f);
    assert_eq!(
        found(&report),
        [("added".to_string(), "work_mem".to_string())],
        "{report:#}"
    );
}

#[test]
fn max_connections_edited_and_reloaded_needs_a_restart() {
    let pg = Pg::start();
    let f = fleet(&pg, &pg.connect());
    pg.edit("max_connections = 100", "max_connections = 150");
    let line = pg.line_of("max_connections = 150");
    pg.reload();
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(
        found(&report),
        [
            ("changed".to_string(), "max_connections".to_string()),
            ("not_applied".to_string(), "max_connections".to_string())
        ]
    );
    let n = finding(&report, "not_applied", "max_connections");
    assert_eq!(n["line"], line);
    assert_eq!(n["baseline_line"], line);
    assert_eq!(
        (&n["baseline"], &n["file_value"], &n["running"]),
        (&Json::from(100), &Json::from(150), &Json::from(100))
    );
    assert_eq!(
        n["source"],
        format!("configuration file {}:{line}", pg.conf().display())
    );
    let message = n["message"].as_str().unwrap();
    assert!(message.contains("restart needed"), "{message}");

    // A restart applies it: nothing left but the file's own change.
    pg.stop();
    pg.up();
    let (_, report, _) = check(&f);
    assert_eq!(
        found(&report),
        [("changed".to_string(), "max_connections".to_string())],
        "{report:#}"
    );
}
