//! The running PostgreSQL server as the third side: each test starts its own PostgreSQL 15
//! (`initdb` and `pg_ctl` into a temporary directory, a unix socket there, no TCP listener),
//! changes it the way operators do (a file edit with or without a reload, `ALTER SYSTEM`, a
//! line the server refuses), and `confdrift check` must find exactly `not_applied`,
//! `runtime_only` or `rejected` there, with the baseline, file and running values side by
//! side, and nothing at all on a freshly started server. The server runs as the `postgres`
//! system user when the tests run as root (postgres refuses root), and is stopped at the end.
//! A missing server is a failure, never a skip (`.ci/run` installs postgresql).

use crate::harness::{Fleet, ok, running_as_root};
use serde_json::Value as Json;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = "/usr/lib/postgresql/15/bin";

/// One PostgreSQL server of a test, stopped when dropped.
pub struct Pg {
    /// The directory holding the data directory, the socket and the log.
    root: PathBuf,
    _dir: Option<tempfile::TempDir>,
    pub data: PathBuf,
}

/// A command of the server's, run as `postgres` when the tests run as root.
pub(crate) fn as_server(program: &str) -> Command {
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
        let mut pg = Pg::init_at(dir.path());
        pg._dir = Some(dir);
        pg
    }

    /// A new cluster in `root/data`, the socket in `root` (made the server's).
    pub fn init_at(root: &Path) -> Pg {
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        if running_as_root() {
            // The server writes its data directory and socket here.
            ok(Command::new("chown").arg("postgres:postgres").arg(root));
        }
        let data = root.join("data");
        ok(as_server("initdb")
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
            .args(["--locale", "C.UTF-8", "-D"])
            .arg(&data));
        let pg = Pg {
            root: root.to_path_buf(),
            _dir: None,
            data,
        };
        pg.append(&format!("unix_socket_directories = '{}'\n", root.display()));
        pg
    }

    pub fn up(&self) {
        ok(as_server("pg_ctl")
            .args(["-w", "-t", "60", "-D"])
            .arg(&self.data)
            .arg("-l")
            .arg(self.root.join("log"))
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
        format!("host={} dbname=postgres user=postgres", self.root.display())
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
        .find(|f| f["kind"] == kind && f["key"].as_str().unwrap_or("") == key)
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
    crate::formats::assert_valid(&report);
    // Text: the three values side by side, each with where it comes from.
    let text = f.run(&["check"]).stdout;
    let conf = pg.conf().display().to_string();
    for want in [
        format!("baseline 100  baselines/groups/db{conf}:{line}"),
        format!("file     150  db-1:{conf}:{line}"),
        format!("running  100  configuration file {conf}:{line}"),
    ] {
        assert!(text.contains(&want), "{want:?} in:\n{text}");
    }
    let md = f.run(&["check", "--format", "markdown"]).stdout;
    assert!(md.contains("file 150, running 100"), "{md}");
    let prom = f.run(&["check", "--format", "prometheus"]).stdout;
    assert!(
        prom.contains(
            "confdrift_running_findings{host=\"db-1\",group=\"db\",kind=\"not_applied\"} 1"
        ),
        "{prom}"
    );

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

#[test]
fn alter_system_is_a_file_change_when_auto_conf_is_collected() {
    let pg = Pg::start();
    let f = fleet(&pg, &pg.connect());
    pg.sql("ALTER SYSTEM SET work_mem = '8MB'");
    let auto = pg.auto_conf().display().to_string();
    // Written, not applied yet.
    let (_, report, _) = check(&f);
    assert_eq!(
        found(&report),
        [
            ("added".to_string(), "work_mem".to_string()),
            ("not_applied".to_string(), "work_mem".to_string())
        ],
        "{report:#}"
    );
    let n = finding(&report, "not_applied", "work_mem");
    assert_eq!(
        (&n["file"], &n["line"]),
        (&Json::from(auto.clone()), &Json::from(3))
    );
    assert!(n["message"].as_str().unwrap().contains("reload needed"));
    // Applied: the file's own change only, on auto.conf.
    pg.reload();
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(
        found(&report),
        [("added".to_string(), "work_mem".to_string())],
        "{report:#}"
    );
    assert_eq!(report["findings"][0]["file"], auto);
}

#[test]
fn values_set_outside_the_collected_files_are_runtime_only_with_their_source() {
    // postgresql.conf outside the data directory without data_directory in it: confdrift
    // looks for postgresql.auto.conf beside it and finds none, while the server writes and
    // reads the one in its data directory.
    let pg = Pg::init();
    pg.append("listen_addresses = ''\n");
    let etc = pg.data.parent().unwrap().join("etc");
    std::fs::create_dir(&etc).unwrap();
    // The server reads pg_hba.conf and pg_ident.conf beside its config_file.
    for name in ["postgresql.conf", "pg_hba.conf", "pg_ident.conf"] {
        std::fs::copy(pg.data.join(name), etc.join(name)).unwrap();
    }
    if running_as_root() {
        ok(Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&etc));
    }
    let conf = etc.join("postgresql.conf");
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"local\"\nfiles = [{c:?}]\n\n\
         [[group.running]]\nfile = {c:?}\nserver = \"postgresql\"\nconnect = {:?}\n",
        pg.connect(),
        c = conf.display().to_string()
    ));
    f.group_baseline(
        "db",
        &conf.display().to_string(),
        &std::fs::read_to_string(&conf).unwrap(),
    );
    f.commit("baseline");
    ok(as_server("pg_ctl")
        .args(["-w", "-t", "60", "-D"])
        .arg(&pg.data)
        .arg("-l")
        .arg(pg.data.parent().unwrap().join("log"))
        .arg("-o")
        .arg(format!("-c config_file={}", conf.display()))
        .arg("start"));
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 0, "fresh: {report:#}\n{stderr}");

    pg.sql("ALTER SYSTEM SET work_mem = '8MB'");
    pg.sql("ALTER ROLE postgres SET maintenance_work_mem = '100MB'");
    // confdrift bounds its own query with statement_timeout: what the role sets still shows.
    pg.sql("ALTER ROLE postgres SET statement_timeout = '5min'");
    pg.reload();
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(
        found(&report),
        [
            (
                "runtime_only".to_string(),
                "maintenance_work_mem".to_string()
            ),
            ("runtime_only".to_string(), "statement_timeout".to_string()),
            ("runtime_only".to_string(), "work_mem".to_string())
        ],
        "{report:#}"
    );
    let w = finding(&report, "runtime_only", "work_mem");
    assert_eq!(w["file"], conf.display().to_string());
    assert_eq!(
        (&w["file_value"], &w["running"]),
        (&Json::from("4MB"), &Json::from("8MB"))
    );
    assert_eq!(
        w["source"],
        format!("ALTER SYSTEM ({}:3)", pg.auto_conf().display())
    );
    let m = finding(&report, "runtime_only", "maintenance_work_mem");
    assert_eq!(m["running"], "100MB");
    assert_eq!(m["source"], "user (ALTER ROLE ... SET)");
    let t = finding(&report, "runtime_only", "statement_timeout");
    assert_eq!(
        (&t["file_value"], &t["running"]),
        (&Json::from("0"), &Json::from("5min"))
    );

    // accept writes files, never what a server runs: nothing to take here.
    let head = f.git(&["rev-parse", "HEAD"]);
    let out = f.run(&["accept", "-m", "take all", "--author", "T <t@example.com>"]);
    assert_eq!(
        f.git(&["rev-parse", "HEAD"]),
        head,
        "{}{}",
        out.stdout,
        out.stderr
    );
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("nothing to accept"), "{}", out.stdout);
}

#[test]
fn lines_the_server_refuses_are_rejected_with_its_words() {
    let pg = Pg::start();
    let f = fleet(&pg, &pg.connect());
    // A bad value refuses its own line; the rest of the reload applies.
    pg.append("work_mem = 10s\nmaintenance_work_mem = 100MB\n");
    let bad = pg.line_of("work_mem = 10s");
    pg.reload();
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(
        found(&report),
        [
            ("added".to_string(), "maintenance_work_mem".to_string()),
            ("added".to_string(), "work_mem".to_string()),
            ("rejected".to_string(), "work_mem".to_string())
        ],
        "{report:#}"
    );
    let r = finding(&report, "rejected", "work_mem");
    assert_eq!(
        (&r["line"], &r["severity"]),
        (&Json::from(bad), &Json::from("critical"))
    );
    assert_eq!(
        (&r["file_value"], &r["running"]),
        (&Json::from("10s"), &Json::from("4MB"))
    );
    let message = r["message"].as_str().unwrap();
    assert!(
        message.contains("setting could not be applied") && message.contains("\"10s\""),
        "{message}"
    );

    // An unknown setting makes the server refuse the whole file: what is pending stays so.
    pg.edit("work_mem = 10s", "work_mem = 16MB\nno_such_setting = 1");
    let unknown = pg.line_of("no_such_setting");
    pg.reload();
    let (_, report, stderr) = check(&f);
    let r = finding(&report, "rejected", "no_such_setting");
    assert_eq!(r["line"], unknown);
    let message = r["message"].as_str().unwrap();
    assert!(
        message.contains("unrecognized configuration parameter")
            && message.contains("no change in its files applies"),
        "{message}"
    );
    let n = finding(&report, "not_applied", "work_mem");
    let message = n["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("after fixing {}:{unknown}", pg.conf().display())),
        "{message}"
    );
    assert!(stderr.is_empty() || !stderr.contains("panick"), "{stderr}");

    // A syntax error: the server names the line, not a setting.
    pg.edit("no_such_setting = 1", "work_mem = 64 MB");
    let syntax = pg.line_of("work_mem = 64 MB");
    pg.reload();
    let (code, report, _) = check(&f);
    assert_eq!(code, 2, "confdrift cannot read the file either: {report:#}");
    let r = finding(&report, "rejected", "");
    assert_eq!(
        (&r["file"], &r["line"], &r["key"]),
        (
            &Json::from(pg.conf().display().to_string()),
            &Json::from(syntax),
            &Json::Null
        )
    );
    assert!(
        r["message"].as_str().unwrap().contains("syntax error"),
        "{r}"
    );
    assert!(
        report["errors"][0]["line"] == syntax,
        "confdrift's own reading names the line too: {report:#}"
    );
}

#[test]
fn a_server_that_is_down_is_trouble_for_its_host_and_file_only() {
    let up = Pg::start();
    let down = Pg::start();
    down.stop();
    // One socket directory per host name: db-1's server runs, db-2's is down.
    let sockets = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(up.data.parent().unwrap(), sockets.path().join("db-1")).unwrap();
    std::os::unix::fs::symlink(down.data.parent().unwrap(), sockets.path().join("db-2")).unwrap();
    let conf = up.conf().display().to_string();
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"db\"\nhosts = [\"db-1\", \"db-2\"]\ntransport = \"local\"\nfiles = [{conf:?}]\n\n\
         [[group.running]]\nfile = {conf:?}\nserver = \"postgresql\"\nconnect = \"host={}/{{host}} dbname=postgres user=postgres\"\ntimeout = 5\n",
        sockets.path().display()
    ));
    baseline(&f, &up);
    up.append("work_mem = 16MB\n");
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 2, "{report:#}\n{stderr}");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(
        (&errors[0]["host"], &errors[0]["file"]),
        (&Json::from("db-2"), &Json::from(conf))
    );
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("running postgresql server") && message.contains("cannot connect"),
        "{message}"
    );
    // db-1 was checked all the same (both hosts read the same files here).
    let on_1: Vec<&Json> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["host"] == "db-1")
        .collect();
    assert!(
        on_1.iter()
            .any(|x| x["kind"] == "not_applied" && x["key"] == "work_mem"),
        "{report:#}"
    );
}

#[test]
fn a_password_in_connect_is_refused_with_its_line() {
    let f = Fleet::new(
        "[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"local\"\nfiles = [\"/etc/postgresql/15/main/postgresql.conf\"]\n\n\
         [[group.running]]\nfile = \"/etc/postgresql/15/main/postgresql.conf\"\nserver = \"postgresql\"\n\
         connect = \"host=/var/run/postgresql user=confdrift password=Tr0ub4dor\"\n",
    );
    f.commit("config");
    let out = f.run(&["check"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("confdrift.toml:7:") && out.stderr.contains("password"),
        "{}",
        out.stderr
    );
    assert!(!format!("{}{}", out.stdout, out.stderr).contains("Tr0ub4dor"));
}

/// A run of `confdrift check --format json` in `f` with `PGPASSFILE`, and every command line
/// `ps` showed while it ran; whether one of them was psql's.
pub fn sampled_run(f: &Fleet, passfile: &Path) -> (std::process::Output, Vec<String>, bool) {
    let child = Command::new(env!("CARGO_BIN_EXE_confdrift"))
        .args(["check", "--format", "json"])
        .current_dir(f.path())
        .env_remove("CONFDRIFT_CONFIG")
        .env("PGPASSFILE", passfile)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let out = Command::new("ps")
                    .args(["-eo", "ppid=,args="])
                    .output()
                    .unwrap();
                seen.push(String::from_utf8_lossy(&out.stdout).into_owned());
            }
            seen
        })
    };
    let out = child.wait_with_output().unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let seen = sampler.join().unwrap();
    let psql = seen.iter().any(|s| {
        // Debian's psql is a wrapper (perl) that execs the real one: either shows `psql`.
        s.lines().any(|l| {
            l.trim_start().starts_with(&format!("{pid} ")) && l.contains("psql") && l.contains("-X")
        })
    });
    (out, seen, psql)
}

#[test]
fn a_password_from_pgpassfile_is_never_shown_nor_on_a_command_line() {
    const PASSWORD: &str = "Corr3ct-H0rse-Battery";
    let pg = Pg::init();
    pg.append("listen_addresses = ''\npassword_encryption = 'scram-sha-256'\n");
    std::fs::write(
        pg.data.join("pg_hba.conf"),
        "local all postgres trust\nlocal all confdrift scram-sha-256\n",
    )
    .unwrap();
    pg.up();
    pg.sql(&format!(
        "CREATE ROLE confdrift LOGIN PASSWORD '{PASSWORD}'; GRANT pg_read_all_settings TO confdrift"
    ));
    let connect = format!(
        "host={} dbname=postgres user=confdrift",
        pg.data.parent().unwrap().display()
    );
    let f = fleet(&pg, &connect);
    let passfile = f.write("pgpass", format!("*:*:*:confdrift:{PASSWORD}\n"));
    std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o600)).unwrap();

    // ps is sampled while confdrift runs, until a sample caught psql at work.
    let mut caught = false;
    for _ in 0..40 {
        let (out, seen, psql) = sampled_run(&f, &passfile);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
        for text in seen
            .iter()
            .chain([&stdout.to_string(), &stderr.to_string()])
        {
            assert!(!text.contains(PASSWORD), "the password shows: {text}");
        }
        let report: Json = serde_json::from_str(&stdout).unwrap();
        assert_eq!(found(&report), Vec::<(String, String)>::new());
        // A role that is no superuser may not read pg_file_settings: said, not trouble.
        assert!(
            report["notices"]
                .to_string()
                .contains("pg_file_settings is not readable"),
            "{report:#}"
        );
        if psql {
            caught = true;
            break;
        }
    }
    assert!(caught, "no ps sample caught psql running in 40 runs");

    // Without the password file: trouble naming host and file, and still no password.
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    let report = out.json();
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("cannot connect") && message.contains("password"),
        "{message}"
    );
    assert_eq!(report["errors"][0]["host"], "db-1");
    assert!(!out.stdout.contains(PASSWORD) && !out.stderr.contains(PASSWORD));
}

#[test]
fn over_ssh_psql_runs_on_the_host() {
    use crate::sshd::{Behaviour, Lab};
    let mut lab = Lab::new();
    // The cluster lives at the lab's mount point, which the host's sshd binds over itself:
    // the host's files are the server's own, at the paths the server names them by.
    std::fs::set_permissions(lab.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = lab.mount.join("pg");
    std::fs::create_dir(&root).unwrap();
    let pg = Pg::init_at(&root);
    pg.append("listen_addresses = ''\n");
    pg.up();
    let mount = lab.mount.clone();
    lab.host("db-1", Behaviour::Serve(mount));
    let conf = pg.conf().display().to_string();
    let f = Fleet::new(&format!(
        "[ssh]\nconfig = {:?}\n\n[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"ssh\"\nfiles = [{conf:?}]\n\n\
         [[group.running]]\nfile = {conf:?}\nserver = \"postgresql\"\nconnect = {:?}\n",
        lab.ssh_config().display().to_string(),
        pg.connect()
    ));
    baseline(&f, &pg);
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 0, "{report:#}\n{stderr}");

    pg.append("work_mem = 16MB\n");
    let out = f.run(&["check", "--format", "json", "-v"]);
    let report = out.json();
    let n = finding(&report, "not_applied", "work_mem");
    assert_eq!(
        (&n["file_value"], &n["running"]),
        (&Json::from("16MB"), &Json::from("4MB"))
    );
    // -v traces the ssh command that ran psql on the host, with no secret in it.
    assert!(
        out.stderr.contains("(running server)") && out.stderr.contains("-- db-1 sh -s"),
        "{}",
        out.stderr
    );
}

/// Every `#name = value` line of PostgreSQL 15's own postgresql.conf.sample, uncommented and
/// written after initdb's settings: the server runs every one of them as written, so confdrift
/// must read each value as the server shows it (units, enums, booleans, lists, quoting) and
/// find nothing. Left out: the file locations, includes and the listener, which the test sets.
#[test]
fn every_setting_of_the_sample_as_written_is_what_the_server_runs() {
    const SAMPLE: &str =
        include_str!("../../fixtures/upstream/postgresql-15/postgresql.conf.sample");
    const FIXED: &[&str] = &[
        "data_directory",
        "hba_file",
        "ident_file",
        "external_pid_file",
        "include",
        "include_dir",
        "include_if_exists",
        "listen_addresses",
        "port",
        "unix_socket_directories",
    ];
    let pg = Pg::init();
    let mut uncommented = String::new();
    let mut count = 0;
    for line in SAMPLE.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let name = rest.split(" = ").next().unwrap_or("");
        if !rest.contains(" = ")
            || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            || FIXED.contains(&name)
        {
            continue;
        }
        uncommented.push_str(rest);
        uncommented.push('\n');
        count += 1;
    }
    assert!(count > 280, "{count} settings");
    // The sample first, then initdb's own values and the test's socket (the last one wins).
    let initdb = std::fs::read_to_string(pg.conf()).unwrap();
    // The server shows the connection's own socket for the TCP keepalives (0 on a unix
    // socket), and `(disabled)` for an archive_command while archiving is off: not findings.
    let shown_otherwise =
        "tcp_keepalives_idle = 60\ntcp_user_timeout = 10s\narchive_command = 'cp %p /nowhere/%f'\n";
    std::fs::write(
        pg.conf(),
        format!("{uncommented}{initdb}{shown_otherwise}listen_addresses = ''\n"),
    )
    .unwrap();
    pg.up();
    let f = fleet(&pg, &pg.connect());
    let (code, report, stderr) = check(&f);
    assert_eq!(found(&report), Vec::<(String, String)>::new(), "{report:#}");
    assert_eq!(
        (code, &report["errors"]),
        (0, &serde_json::json!([])),
        "{stderr}"
    );
}

#[test]
fn secret_settings_are_redacted_on_every_side() {
    let pg = Pg::start();
    let conf = pg.conf().display().to_string();
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"local\"\nfiles = [{conf:?}]\n\n\
         [[group.running]]\nfile = {conf:?}\nserver = \"postgresql\"\nconnect = {:?}\n\n\
         [[rule]]\nkey = \"cluster_name\"\nsecret = true\n\n[[rule]]\nkey = \"work_mem\"\nsecret = true\n",
        pg.connect()
    ));
    baseline(&f, &pg);
    // cluster_name waits for a restart; work_mem's value is refused by the reload.
    pg.append("cluster_name = 'Sup3rSecretName'\nwork_mem = 77s\n");
    pg.reload();
    let (_, report, _) = check(&f);
    let n = finding(&report, "not_applied", "cluster_name");
    assert_eq!(n["file_value"], "[redacted]");
    let r = finding(&report, "rejected", "work_mem");
    assert_eq!(
        (&r["file_value"], &r["running"]),
        (&Json::from("[redacted]"), &Json::from("[redacted]"))
    );
    for format in ["json", "text", "markdown", "github", "junit"] {
        let out = f.run(&["check", "--format", format]);
        for secret in ["Sup3rSecretName", "77s", "4MB"] {
            assert!(
                !out.stdout.contains(secret) && !out.stderr.contains(secret),
                "{secret} shows in {format}:\n{}{}",
                out.stdout,
                out.stderr
            );
        }
    }
}

#[test]
fn a_server_that_never_answers_is_trouble_within_the_timeout() {
    // A socket that accepts and never says a word, where the server's would be.
    let dir = tempfile::tempdir().unwrap();
    let listener =
        std::os::unix::net::UnixListener::bind(dir.path().join(".s.PGSQL.5432")).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"/etc/postgresql/15/main/postgresql.conf\"]\n\n\
         [[group.running]]\nfile = \"/etc/postgresql/15/main/postgresql.conf\"\nserver = \"postgresql\"\n\
         connect = \"host={} dbname=postgres user=postgres\"\ntimeout = 2\n",
        dir.path().display()
    ));
    f.live(
        "db-1",
        "/etc/postgresql/15/main/postgresql.conf",
        "max_connections = 100\n",
    );
    f.group_baseline(
        "db",
        "/etc/postgresql/15/main/postgresql.conf",
        "max_connections = 100\n",
    );
    f.commit("baseline");
    let start = std::time::Instant::now();
    let (code, report, _) = check(&f);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(code, 2, "{report:#}");
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("running postgresql server") && message.contains("timeout"),
        "{message}"
    );
}

#[test]
fn the_command_transport_asks_the_server_through_the_groups_shell() {
    let pg = Pg::start();
    let conf = pg.conf().display().to_string();
    // The "host" is reached by a program of the user's; here a shell that checks it was
    // given the host's name, then reads its script on standard input.
    let config = |shell: &str| {
        format!(
            "[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"command\"\ncommand = [\"cat\", \"{{path}}\"]\n{shell}files = [{conf:?}]\n\n\
             [[group.running]]\nfile = {conf:?}\nserver = \"postgresql\"\nconnect = {:?}\n",
            pg.connect()
        )
    };
    let fleet_with = |shell: &str| {
        let f = Fleet::new(&config(shell));
        f.group_baseline("db", &conf, &std::fs::read_to_string(pg.conf()).unwrap());
        f.commit("baseline");
        f
    };
    let with_shell = fleet_with(
        "shell = [\"sh\", \"-c\", \"test \\\"$0\\\" = db-1 && exec sh -s\", \"{host}\"]\n",
    );
    let without = fleet_with("");
    let (code, report, stderr) = check(&with_shell);
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    pg.append("work_mem = 16MB\n");
    let out = with_shell.run(&["check", "--format", "json", "-v"]);
    let report = out.json();
    assert_eq!(
        found(&report),
        vec![
            ("added".to_string(), "work_mem".to_string()),
            ("not_applied".to_string(), "work_mem".to_string())
        ],
        "{report:#}\n{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("sh -c test \"$0\" = db-1 && exec sh -s db-1 (running server)"),
        "{}",
        out.stderr
    );
    // Without `shell`: trouble that says what to set; the file is still compared.
    let (code, report, _) = check(&without);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(
        found(&report),
        vec![("added".to_string(), "work_mem".to_string())],
        "the file is still compared"
    );
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("through the group's `shell`, which is not set"),
        "{message}"
    );
    // A `shell` with {path}, or empty, is a config error.
    for bad in ["shell = [\"cat\", \"{path}\"]\n", "shell = []\n"] {
        let out = Fleet::new(&config(bad)).run(&["check"]);
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(out.stderr.contains("`shell`"), "{}", out.stderr);
    }
}

/// A capacity check reads what the server runs now with `source = "running"`, what the file
/// says without: `max_connections` raised in the file and reloaded, not restarted.
#[test]
fn a_capacity_check_can_judge_what_the_server_runs_now() {
    let pg = Pg::start();
    let conf = pg.conf().display().to_string();
    let config = |source: &str| {
        format!(
            "[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"local\"\nfiles = [{conf:?}]\n\n\
             [[group.running]]\nfile = {conf:?}\nserver = \"postgresql\"\nconnect = {connect:?}\n\n\
             [[group]]\nname = \"app\"\nhosts = [\"app-1\", \"app-2\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
             files = [\"/etc/app/database.yml\"]\n\n\
             [[capacity]]\nname = \"app pools fit in PostgreSQL\"\n\
             demand = {{ group = \"app\", file = \"/etc/app/database.yml\", key = \"pool\" }}\n\
             supply = {{ group = \"db\", file = {conf:?}, key = \"max_connections\"{source} }}\n",
            connect = pg.connect()
        )
    };
    let fleet_with = |source: &str| {
        let f = Fleet::new(&config(source));
        for host in ["app-1", "app-2"] {
            f.live(host, "/etc/app/database.yml", "pool: 60\n");
        }
        f.group_baseline("app", "/etc/app/database.yml", "pool: 60\n");
        baseline(&f, &pg);
        f
    };
    let by_file = fleet_with("");
    let by_running = fleet_with(", source = \"running\"");
    pg.edit("max_connections = 100", "max_connections = 150");
    pg.reload();
    // The file: 150 fits 60 + 60.
    let (_, report, stderr) = check(&by_file);
    assert!(
        !found(&report).iter().any(|(k, _)| k == "capacity"),
        "{report:#}\n{stderr}"
    );
    // The server still runs 100: 120 does not fit.
    let (code, report, stderr) = check(&by_running);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    let c = finding(&report, "capacity", "max_connections");
    assert_eq!(c["live"], 100, "{c:#}");
    assert!(c["line"].is_null(), "{c:#}");
    let message = c["message"].as_str().unwrap();
    assert!(
        message.contains("60 + 60 = 120 > max_connections 100")
            && message.contains("as the running server runs it"),
        "{message}"
    );
    // A source the config does not know, and a running source without a running server, are
    // config errors.
    let bad = Fleet::new(&config(", source = \"live\""));
    let out = bad.run(&["check"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("expected \"file\" or \"running\""),
        "{}",
        out.stderr
    );
    let no_server = config(", source = \"running\"").replace("[[group.running]]", "[[unused]]");
    let no_server = no_server.replace(
        &format!(
            "[[unused]]\nfile = {conf:?}\nserver = \"postgresql\"\nconnect = {:?}\n",
            pg.connect()
        ),
        "",
    );
    let out = Fleet::new(&no_server).run(&["check"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("has no [[group.running]] entry for the file"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_rule_can_judge_what_the_server_runs_now() {
    let pg = Pg::start();
    let conf = pg.conf().display().to_string();
    let config = |rules: &str| {
        format!(
            "[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"local\"\nfiles = [{conf:?}]\n\n\
             [[group.running]]\nfile = {conf:?}\nserver = \"postgresql\"\nconnect = {connect:?}\n\n{rules}",
            connect = pg.connect()
        )
    };
    let rules = |source: &str| {
        format!(
            "[[rule]]\nfile = {conf:?}\nkey = \"max_connections\"\nmin = 120{source}\n\n\
             [[rule]]\nfile = {conf:?}\nkey = \"work_mem\"\nmax = \"16MB\"{source}\n"
        )
    };
    let fleet_with = |source: &str| {
        let f = Fleet::new(&config(&rules(source)));
        baseline(&f, &pg);
        f
    };
    pg.edit("max_connections = 100", "max_connections = 150");
    let by_file = fleet_with("");
    let by_running = fleet_with("\nsource = \"running\"");
    pg.reload();
    pg.sql("ALTER ROLE postgres SET work_mem = '64MB'");
    // The file: 150 is above the minimum and work_mem is at its default: no rule is broken.
    let (code, report, stderr) = check(&by_file);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    let kinds = found(&report);
    assert!(
        !kinds
            .iter()
            .any(|(k, _)| k == "out_of_range" || k == "violation"),
        "{report:#}"
    );
    // The server still runs 100 connections (a restart is due) and 64MB for the role.
    let (code, report, stderr) = check(&by_running);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    let m = finding(&report, "out_of_range", "max_connections");
    assert_eq!(m["running"], 100, "{m:#}");
    assert!(m["line"].is_null(), "{m:#}");
    let message = m["message"].as_str().unwrap();
    assert!(
        message.contains("max_connections 100 is below the minimum 120")
            && message.contains("as the running server runs it"),
        "{message}"
    );
    assert!(m["rule"].as_str().unwrap().ends_with("(running)"), "{m:#}");
    assert!(
        m["source"]
            .as_str()
            .unwrap()
            .starts_with("configuration file "),
        "{m:#}"
    );
    crate::formats::assert_valid(&report);
    let w = finding(&report, "out_of_range", "work_mem");
    assert_eq!(w["running"], "64MB", "{w:#}");
    let text = by_running.run(&["check"]).stdout;
    assert!(
        text.contains("work_mem 64MB is above the maximum 16MB as the running server runs it"),
        "{text}"
    );
    assert_eq!(w["source"], "user (ALTER ROLE ... SET)", "{w:#}");
    // The running rules judge the server only: the file's values break nothing.
    assert_eq!(
        found(&report)
            .iter()
            .filter(|(k, _)| k == "out_of_range" || k == "violation")
            .count(),
        2,
        "{report:#}"
    );
    // What a running rule cannot be, and one without a server, are config errors.
    for (bad, says) in [
        (
            "[[rule]]\nkey = \"max_connections\"\nmin = 1\nsource = \"running\"\n".to_string(),
            "name it with `file`",
        ),
        (
            format!(
                "[[rule]]\nfile = {conf:?}\nkey = \"port\"\nrequired = true\nmin = 1\nsource = \"running\"\n"
            ),
            "`required` judges the file, not its running server",
        ),
        (
            format!(
                "[[rule]]\nfile = {conf:?}\nkey = \"port\"\nseverity = \"critical\"\nsource = \"running\"\n"
            ),
            "give it min, max, one_of or pattern",
        ),
        (
            "[[rule]]\nfile = \"/etc/other.conf\"\nkey = \"port\"\nmin = 1\nsource = \"running\"\n"
                .to_string(),
            "but no group has a [[group.running]] entry for that file",
        ),
    ] {
        let out = Fleet::new(&config(&bad)).run(&["check"]);
        assert_eq!(out.code, 2, "{bad}\n{}", out.stderr);
        assert!(out.stderr.contains(says), "{bad}\n{}", out.stderr);
    }
}

#[test]
fn accept_from_running_writes_what_the_server_runs_into_postgresql_conf() {
    let pg = Pg::start();
    let f = fleet(&pg, &pg.connect());
    let conf = pg.conf().display().to_string();
    let in_baseline =
        || std::fs::read_to_string(f.path().join(format!("baselines/groups/db{conf}"))).unwrap();
    pg.edit("max_connections = 100", "max_connections = 150");
    pg.reload();
    pg.sql("ALTER ROLE postgres SET work_mem = '64MB'");
    let line = pg.line_of("max_connections");
    // A plain accept takes the file's 150; --from running takes what the server runs.
    let out = f.run(&["accept", "-m", "the file's values"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(in_baseline().contains("max_connections = 150"));
    let out = f.run(&["accept", "--from", "running", "-m", "the server's values"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!(
            "db-1:{conf}: max_connections = '100' (what the running server runs)"
        )) && out.stdout.contains(&format!(
            "db-1:{conf}: not written: work_mem comes from user (ALTER ROLE ... SET), not from a file"
        )),
        "{}",
        out.stdout
    );
    // Written over the file's own line: the restart it waits for is the only difference.
    let base = in_baseline();
    assert_eq!(
        base.lines().nth(line as usize - 1),
        Some("max_connections = '100'"),
        "{base}"
    );
    assert!(!base.contains("work_mem = '64MB'"), "{base}");
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    let drift = finding(&report, "changed", "max_connections");
    assert_eq!(
        (&drift["baseline"], &drift["live"]),
        (&Json::from(100), &Json::from(150))
    );
    finding(&report, "not_applied", "max_connections");
}
