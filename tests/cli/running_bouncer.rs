//! The running PgBouncer as the third side: each test starts its own pgbouncer on Debian's
//! pgbouncer.ini (`fixtures/upstream/pgbouncer/pgbouncer.ini`, its socket pointed into a
//! temporary directory, no TCP listener, `auth_type = trust`, confdrift's user `confdrift` one
//! of `stats_users`, read-only; as nobody when the test runs as root, since pgbouncer refuses
//! root), changes it the way operators do (`SET` on the admin console, a file edit without
//! `RELOAD` or restart), and `confdrift check` must find exactly `runtime_only` or `not_applied` there, with the
//! baseline, file and running values side by side, and nothing at all on a freshly started
//! server. A missing pgbouncer is a failure, never a skip (`.ci/run` installs it).

use crate::harness::Fleet;
use serde_json::Value as Json;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};

const SAMPLE: &str = include_str!("../../fixtures/upstream/pgbouncer/pgbouncer.ini");

/// Socket names only (no TCP listener): any number not used by another test of this run.
static PORT: AtomicU16 = AtomicU16::new(36432);

/// One pgbouncer of a test, killed when dropped.
pub struct Bouncer {
    root: PathBuf,
    _dir: Option<tempfile::TempDir>,
    port: u16,
    child: Option<Child>,
    /// With a password, `auth_type = md5` and both users have it; else `trust`.
    password: Option<String>,
}

impl Bouncer {
    /// A pgbouncer on Debian's pgbouncer.ini, `databases` after its `[databases]` header, and
    /// the test's own `[pgbouncer]` keys last (the last one wins).
    pub fn start(databases: &str) -> Bouncer {
        let dir = tempfile::tempdir().unwrap();
        let mut b = Bouncer::start_at(dir.path(), databases, None);
        b._dir = Some(dir);
        b
    }

    /// The same in `root`, with `password` for both users when given.
    pub fn start_at(root: &std::path::Path, databases: &str, password: Option<&str>) -> Bouncer {
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o777)).unwrap();
        let b = Bouncer {
            root: root.to_path_buf(),
            _dir: None,
            port: PORT.fetch_add(1, Ordering::Relaxed),
            child: None,
            password: password.map(str::to_string),
        };
        b.write(&SAMPLE.replacen("[databases]\n", &format!("[databases]\n{databases}"), 1));
        let mut b = b;
        b.up();
        b
    }

    pub fn conf(&self) -> PathBuf {
        self.root.join("pgbouncer.ini")
    }

    pub fn connect(&self) -> String {
        format!(
            "host={} port={} dbname=pgbouncer user=confdrift",
            self.root.display(),
            self.port
        )
    }

    /// Writes pgbouncer.ini: `text`, then the test's own keys.
    pub fn write(&self, text: &str) {
        let text = format!(
            "{text}\nlogfile =\npidfile =\nlisten_addr =\nlisten_port = {}\nunix_socket_dir = {d}\nauth_type = {}\nauth_file = {d}/userlist.txt\nadmin_users = admin\nstats_users = confdrift\n",
            self.port,
            if self.password.is_some() {
                "md5"
            } else {
                "trust"
            },
            d = self.root.display()
        );
        let users = self.root.join("userlist.txt");
        let p = self.password.as_deref().unwrap_or("");
        std::fs::write(
            &users,
            format!("\"admin\" \"{p}\"\n\"confdrift\" \"{p}\"\n"),
        )
        .unwrap();
        std::fs::set_permissions(&users, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::write(self.conf(), text).unwrap();
        std::fs::set_permissions(self.conf(), std::fs::Permissions::from_mode(0o644)).unwrap();
    }

    /// Replaces `from` by `to` in pgbouncer.ini.
    pub fn edit(&self, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.conf()).unwrap();
        assert!(text.contains(from), "{from:?} not in pgbouncer.ini");
        std::fs::write(self.conf(), text.replacen(from, to, 1)).unwrap();
    }

    pub fn line_of(&self, start: &str) -> u64 {
        let conf = std::fs::read_to_string(self.conf()).unwrap();
        conf.lines()
            .position(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start:?}")) as u64
            + 1
    }

    fn up(&mut self) {
        let mut cmd = crate::harness::unprivileged("pgbouncer");
        let child = cmd
            .arg(self.conf())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pgbouncer is needed: apt-get install pgbouncer (.ci/run does)");
        self.child = Some(child);
        for _ in 0..1000 {
            if self.console("SHOW VERSION").is_some() {
                return;
            }
            if let Some(c) = self.child.as_mut()
                && c.try_wait().unwrap().is_some()
            {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let out = self.child.take().unwrap().wait_with_output().ok();
        panic!(
            "pgbouncer did not come up: {}",
            out.map(|o| String::from_utf8_lossy(&o.stderr).to_string())
                .unwrap_or_default()
        );
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// A command on the admin console, as its admin user `admin` (confdrift connects as
    /// `confdrift`, one of `stats_users`: read-only); its output when it succeeded.
    pub fn console(&self, command: &str) -> Option<String> {
        let admin = self.connect().replace("user=confdrift", "user=admin");
        let mut psql = Command::new("psql");
        if let Some(p) = &self.password {
            psql.env("PGPASSWORD", p);
        }
        let out = psql
            .args(["-X", "-q", "-A", "-t", "-w", "-d", &admin, "-c", command])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .expect("psql is needed: apt-get install postgresql-client (.ci/run does)");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    pub fn run(&self, command: &str) {
        assert!(self.console(command).is_some(), "{command} on the console");
    }
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A fleet whose group `pool` reads `b`'s pgbouncer.ini on this machine and asks `b` what it
/// runs, with the file as it is now as its baseline.
fn fleet(b: &Bouncer, connect: &str) -> Fleet {
    let conf = b.conf().display().to_string();
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"pool\"\nhosts = [\"pool-1\"]\ntransport = \"local\"\nfiles = [{conf:?}]\n\n\
         [[group.running]]\nfile = {conf:?}\nserver = \"pgbouncer\"\nconnect = {connect:?}\ntimeout = 5\n"
    ));
    f.group_baseline("pool", &conf, &std::fs::read_to_string(b.conf()).unwrap());
    f.commit("baseline");
    f
}

fn found(report: &Json) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["key"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = p
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
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

const DATABASES: &str = "app = host=/tmp dbname=appdb pool_size=7 reserve_pool=2\nother = host=db1 port=05432 pool_mode=Transaction\n";

#[test]
fn a_fresh_pgbouncer_on_debians_pgbouncer_ini_gives_no_finding() {
    for databases in ["", DATABASES] {
        let b = Bouncer::start(databases);
        let f = fleet(&b, &b.connect());
        let (code, report, stderr) = check(&f);
        assert_eq!(found(&report), Vec::<(String, String)>::new(), "{report:#}");
        assert_eq!(
            (code, &report["errors"], &report["notices"]),
            (0, &serde_json::json!([]), &Json::Null),
            "{report:#}\n{stderr}"
        );
    }
}

#[test]
fn set_on_the_console_is_runtime_only_and_reload_sets_it_back() {
    let b = Bouncer::start(DATABASES);
    let f = fleet(&b, &b.connect());
    b.run("SET default_pool_size = 30");
    b.run("SET pool_mode = 'Transaction'");
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    // `other` falls back to the running default_pool_size: found once, on the key.
    assert_eq!(
        found(&report),
        pairs(&[
            ("runtime_only", "pgbouncer.default_pool_size"),
            ("runtime_only", "pgbouncer.pool_mode"),
        ])
    );
    let n = finding(&report, "runtime_only", "pgbouncer.default_pool_size");
    assert_eq!(
        (
            &n["baseline"],
            &n["file_value"],
            &n["running"],
            &n["source"]
        ),
        (
            &Json::Null,
            &Json::from("20"),
            &Json::from("30"),
            &Json::from("SHOW CONFIG")
        ),
        "{n:#}"
    );
    let message = n["message"].as_str().unwrap();
    assert!(
        message.contains("SET") && message.contains("the default"),
        "{message}"
    );
    crate::formats::assert_valid(&report);
    // RELOAD reads the files again: what SET did is gone.
    b.run("RELOAD");
    let (code, report, _) = check(&f);
    assert_eq!((code, found(&report)), (0, Vec::new()), "{report:#}");
}

#[test]
fn a_file_edit_without_reload_is_not_applied_and_reload_applies_it() {
    let b = Bouncer::start(DATABASES);
    let f = fleet(&b, &b.connect());
    b.edit(
        "auth_type = md5\n",
        "auth_type = md5\nmax_client_conn = 500\n",
    );
    b.edit("pool_size=7", "pool_size=9");
    b.edit("other = ", "new = host=db2\nother = ");
    let line = b.line_of("max_client_conn = 500");
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(
        found(&report),
        pairs(&[
            ("added", "databases.new"),
            ("added", "pgbouncer.max_client_conn"),
            ("changed", "databases.app"),
            ("not_applied", "databases.app.pool_size"),
            ("not_applied", "databases.new"),
            ("not_applied", "pgbouncer.max_client_conn"),
        ])
    );
    let n = finding(&report, "not_applied", "pgbouncer.max_client_conn");
    assert_eq!(
        (&n["line"], &n["file_value"], &n["running"]),
        (&Json::from(line), &Json::from("500"), &Json::from("100"))
    );
    let message = n["message"].as_str().unwrap();
    assert!(
        message.contains("reload needed (RELOAD on the console, or SIGHUP)"),
        "{message}"
    );
    let d = finding(&report, "not_applied", "databases.app.pool_size");
    assert_eq!(
        (&d["file_value"], &d["running"], &d["source"]),
        (
            &Json::from(9),
            &Json::from(7),
            &Json::from("SHOW DATABASES")
        ),
        "{d:#}"
    );
    crate::formats::assert_valid(&report);
    b.run("RELOAD");
    let (_, report, _) = check(&f);
    assert_eq!(
        found(&report),
        pairs(&[
            ("added", "databases.new"),
            ("added", "pgbouncer.max_client_conn"),
            ("changed", "databases.app"),
        ]),
        "{report:#}"
    );
}

#[test]
fn a_key_read_at_start_only_is_not_applied_until_a_restart() {
    let b = Bouncer::start("");
    let f = fleet(&b, &b.connect());
    b.edit(
        "auth_type = md5\n",
        "auth_type = md5\nlisten_backlog = 256\n",
    );
    b.run("RELOAD");
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(
        found(&report),
        pairs(&[
            ("added", "pgbouncer.listen_backlog"),
            ("not_applied", "pgbouncer.listen_backlog"),
        ])
    );
    let n = finding(&report, "not_applied", "pgbouncer.listen_backlog");
    assert_eq!(
        (&n["file_value"], &n["running"]),
        (&Json::from("256"), &Json::from("128"))
    );
    assert!(
        n["message"].as_str().unwrap().contains("restart needed"),
        "{n:#}"
    );
}

#[test]
fn a_pgbouncer_that_is_down_is_trouble_for_its_host_and_file_only() {
    let mut b = Bouncer::start("");
    let f = fleet(&b, &b.connect());
    b.stop();
    let (code, report, _) = check(&f);
    assert_eq!(code, 2, "{report:#}");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(errors[0]["host"], "pool-1");
    assert_eq!(errors[0]["file"], b.conf().display().to_string());
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("running pgbouncer server") && message.contains("cannot connect"),
        "{message}"
    );
    // The file itself is still compared: an edit is found.
    b.edit(
        "auth_type = md5\n",
        "auth_type = md5\nmax_client_conn = 500\n",
    );
    let (_, report, _) = check(&f);
    assert_eq!(
        found(&report),
        pairs(&[("added", "pgbouncer.max_client_conn")]),
        "{report:#}"
    );
}

#[test]
fn a_password_in_connect_is_refused_with_its_line() {
    for connect in [
        "host=/run/postgresql port=6432 dbname=pgbouncer password=Tr0ub4dor",
        "postgresql://confdrift:Tr0ub4dor@db:6432/pgbouncer",
    ] {
        let f = Fleet::new(&format!(
            "[[group]]\nname = \"pool\"\nhosts = [\"pool-1\"]\ntransport = \"local\"\nfiles = [\"/etc/pgbouncer/pgbouncer.ini\"]\n\n\
             [[group.running]]\nfile = \"/etc/pgbouncer/pgbouncer.ini\"\nserver = \"pgbouncer\"\nconnect = {connect:?}\n"
        ));
        f.commit("config");
        let out = f.run(&["check"]);
        assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains("confdrift.toml:7:") && out.stderr.contains(".pgpass"),
            "{}",
            out.stderr
        );
        assert!(!format!("{}{}", out.stdout, out.stderr).contains("Tr0ub4dor"));
    }
}

#[test]
fn a_password_from_pgpassfile_is_never_shown_nor_on_a_command_line() {
    const PASSWORD: &str = "P00l-Admin-Secret-77";
    let dir = tempfile::tempdir().unwrap();
    let b = Bouncer::start_at(dir.path(), "", Some(PASSWORD));
    let f = fleet(&b, &b.connect());
    let passfile = f.write("pgpass", format!("*:*:pgbouncer:confdrift:{PASSWORD}\n"));
    std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o600)).unwrap();
    b.run("SET default_pool_size = 33");
    // ps is sampled while confdrift runs, until a sample caught psql at work.
    let mut caught = false;
    for _ in 0..40 {
        let (out, seen, psql) = crate::running_pg::sampled_run(&f, &passfile);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        for text in seen.iter().chain([&stdout, &stderr]) {
            assert!(!text.contains(PASSWORD), "the password shows: {text}");
        }
        let report: Json = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            found(&report),
            pairs(&[("runtime_only", "pgbouncer.default_pool_size")]),
            "{report:#}\n{stderr}"
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
    assert_eq!(report["errors"][0]["host"], "pool-1");
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("running pgbouncer server"), "{message}");
    assert!(!out.stdout.contains(PASSWORD) && !out.stderr.contains(PASSWORD));
}

#[test]
fn over_ssh_the_console_is_asked_on_the_host() {
    use crate::sshd::{Behaviour, Lab};
    let mut lab = Lab::new();
    // The pgbouncer's files and socket at the lab's mount point, which the host's sshd binds
    // over itself: the host's files are the server's own, at the paths the server names them.
    std::fs::set_permissions(lab.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = lab.mount.join("pgbouncer");
    std::fs::create_dir(&root).unwrap();
    let b = Bouncer::start_at(&root, "", None);
    let mount = lab.mount.clone();
    lab.host("pool-1", Behaviour::Serve(mount));
    let conf = b.conf().display().to_string();
    let f = Fleet::new(&format!(
        "[ssh]\nconfig = {:?}\n\n[[group]]\nname = \"pool\"\nhosts = [\"pool-1\"]\ntransport = \"ssh\"\nfiles = [{conf:?}]\n\n\
         [[group.running]]\nfile = {conf:?}\nserver = \"pgbouncer\"\nconnect = {:?}\n",
        lab.ssh_config().display().to_string(),
        b.connect()
    ));
    f.group_baseline("pool", &conf, &std::fs::read_to_string(b.conf()).unwrap());
    f.commit("baseline");
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    b.run("SET max_client_conn = 250");
    let out = f.run(&["check", "--format", "json", "-v"]);
    let report = out.json();
    assert_eq!(
        found(&report),
        pairs(&[("runtime_only", "pgbouncer.max_client_conn")]),
        "{report:#}\n{}",
        out.stderr
    );
    let n = finding(&report, "runtime_only", "pgbouncer.max_client_conn");
    assert_eq!(n["running"], "250", "{n:#}");
    // -v traces the ssh command that ran psql on the host.
    assert!(
        out.stderr.contains("(running server)") && out.stderr.contains("-- pool-1 sh -s"),
        "{}",
        out.stderr
    );
}
