//! The running MariaDB server as the third side: each test starts its own MariaDB 10.11
//! (`mariadb-install-db` into a temporary directory, `mariadbd` on a unix socket there, no TCP
//! listener) on Debian's own option files (`fixtures/upstream`: `mariadb.cnf` including
//! `mariadb.conf.d/`, its directories moved into the temporary one, and a file of the test's
//! own read last for the data directory, socket and logs), changes it the way operators do
//! (`SET GLOBAL`, an option file edited without a restart), and `confdrift check` must find
//! exactly `runtime_only` or `not_applied` there, with the baseline, file and running values
//! side by side, and nothing at all on a freshly started server. The server runs as root with
//! `--user=root` when the tests run as root, and is stopped when the test ends. A missing
//! server is a failure, never a skip (`.ci/run` installs mariadb-server). Only MariaDB is
//! tested: the `mysql` server kind is not supported yet.

use crate::harness::{Fleet, ok, running_as_root};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const UPSTREAM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/upstream");

/// The option files of Debian's packages the server reads, as installed under `mariadb.conf.d`.
const CONF_D: &[(&str, &str)] = &[
    ("mariadb-server/50-server.cnf", "50-server.cnf"),
    ("mariadb-server/50-mysqld_safe.cnf", "50-mysqld_safe.cnf"),
    ("mariadb-client/50-client.cnf", "50-client.cnf"),
    (
        "mariadb-client/50-mysql-clients.cnf",
        "50-mysql-clients.cnf",
    ),
];

/// One MariaDB server of a test, stopped when dropped.
pub struct Maria {
    root: PathBuf,
    _dir: Option<tempfile::TempDir>,
    server: Option<Child>,
}

impl Maria {
    /// Debian's files in a new directory, a data directory made, not started; `edit` may
    /// change 50-server.cnf first.
    pub fn init(edit: impl Fn(String) -> String) -> Maria {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Maria::init_at(dir.path(), edit);
        m._dir = Some(dir);
        m
    }

    /// The same in `root`.
    pub fn init_at(root: &Path, edit: impl Fn(String) -> String) -> Maria {
        let root = root.to_path_buf();
        let conf_d = root.join("mariadb.conf.d");
        std::fs::create_dir_all(&conf_d).unwrap();
        std::fs::create_dir_all(root.join("conf.d")).unwrap();
        let main = std::fs::read_to_string(format!("{UPSTREAM}/mariadb-common/mariadb.cnf"))
            .unwrap()
            .replace("/etc/mysql/", &format!("{}/", root.display()));
        std::fs::write(root.join("my.cnf"), main).unwrap();
        for (from, to) in CONF_D {
            let mut text = std::fs::read_to_string(format!("{UPSTREAM}/{from}")).unwrap();
            if *to == "50-server.cnf" {
                text = edit(text);
            }
            std::fs::write(conf_d.join(to), text).unwrap();
        }
        let r = root.display();
        std::fs::write(
            conf_d.join("99-test.cnf"),
            format!(
                "# the test's own: where this server keeps its files\n[mysqld]\ndatadir = {r}/data\n\
                 socket = {r}/mysqld.sock\npid-file = {r}/mysqld.pid\nlog-error = {r}/error.log\n\
                 skip-networking\n\
                 # the tests start several servers at once: each its own temporary tables\n\
                 # (in a shared /tmp, two of them took each other's)\n\
                 tmpdir = {r}/tmp\n"
            ),
        )
        .unwrap();
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        let m = Maria {
            root,
            _dir: None,
            server: None,
        };
        let mut install = Command::new("mariadb-install-db");
        install
            .arg(format!("--defaults-file={}", m.conf().display()))
            .args(["--skip-test-db", "--auth-root-authentication-method=socket"]);
        if running_as_root() {
            install.arg("--user=root");
        }
        let out = install.output().unwrap_or_else(|e| {
            panic!(
                "mariadb-install-db is needed: apt-get install mariadb-server (.ci/run does): {e}"
            )
        });
        assert!(
            out.status.success(),
            "mariadb-install-db: {}{}\nerror.log:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(m.root.join("error.log")).unwrap_or_default()
        );
        m
    }

    /// Debian's files as they are, started.
    pub fn start() -> Maria {
        let mut m = Maria::init(|t| t);
        m.up();
        m
    }

    pub fn up(&mut self) {
        let mut cmd = Command::new("mariadbd");
        cmd.arg(format!("--defaults-file={}", self.conf().display()));
        if running_as_root() {
            cmd.arg("--user=root");
        }
        cmd.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        self.server = Some(
            cmd.spawn()
                .expect("mariadbd (.ci/run installs mariadb-server)"),
        );
        let start = Instant::now();
        loop {
            let ping = Command::new("mariadb")
                .arg("--no-defaults")
                .arg(format!("--socket={}", self.socket().display()))
                .args(["-e", "SELECT 1"])
                .output()
                .unwrap();
            if ping.status.success() {
                return;
            }
            if let Some(status) = self.server.as_mut().unwrap().try_wait().unwrap() {
                let log = std::fs::read_to_string(self.root.join("error.log")).unwrap_or_default();
                panic!("mariadbd exited with {status}:\n{log}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "mariadbd does not answer within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn conf(&self) -> PathBuf {
        self.root.join("my.cnf")
    }

    pub fn conf_d(&self, name: &str) -> PathBuf {
        self.root.join("mariadb.conf.d").join(name)
    }

    /// Every option file the server reads.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut v = vec![self.conf()];
        v.extend(CONF_D.iter().map(|(_, to)| self.conf_d(to)));
        v.push(self.conf_d("99-test.cnf"));
        v
    }

    pub fn socket(&self) -> PathBuf {
        self.root.join("mysqld.sock")
    }

    /// Runs SQL as root over the socket.
    pub fn sql(&self, sql: &str) -> String {
        ok(Command::new("mariadb")
            .arg("--no-defaults")
            .arg(format!("--socket={}", self.socket().display()))
            .args(["-N", "-B", "-e", sql]))
    }

    /// Replaces text in an option file.
    pub fn edit(&self, file: &Path, from: &str, to: &str) {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(text.contains(from), "no {from:?} in {}", file.display());
        std::fs::write(file, text.replacen(from, to, 1)).unwrap();
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(30) {
                if child.try_wait().ok().flatten().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Maria {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The line of `file` that starts with `start`.
fn line_of(file: &Path, start: &str) -> u64 {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .position(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line {start:?} in {}", file.display())) as u64
        + 1
}

/// A fleet whose group `db` reads `m`'s option files on this machine and asks `m` what it
/// runs through `connect`, with the files as they are now as its baseline.
pub fn fleet(m: &Maria, connect: &str) -> Fleet {
    let files: Vec<String> = m.files().iter().map(|p| p.display().to_string()).collect();
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"local\"\nfiles = {files:?}\n\n\
         [[group.running]]\nfile = {:?}\nserver = \"mariadb\"\nconnect = {connect:?}\n",
        files[0]
    ));
    for p in m.files() {
        let text = std::fs::read_to_string(&p).unwrap();
        f.group_baseline("db", &p.display().to_string(), &text);
    }
    f.commit("baseline");
    f
}

fn root_connect(m: &Maria) -> String {
    format!("socket={}", m.socket().display())
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

fn pair(kind: &str, key: &str) -> (String, String) {
    (kind.to_string(), key.to_string())
}

#[test]
fn a_fresh_server_on_debians_files_gives_no_finding() {
    let m = Maria::start();
    let f = fleet(&m, &root_connect(&m));
    let (code, report, stderr) = check(&f);
    assert_eq!(found(&report), Vec::<(String, String)>::new(), "{report:#}");
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(code, 0, "{report:#}\n{stderr}");
}

/// 50-server.cnf with every commented-out setting that needs no other file or directory
/// uncommented: sizes with units (`128M`, `1G`, `192K`), enums, a set, a bare boolean.
fn uncommented(text: String) -> String {
    const LEFT: &[&str] = &[
        "#user",
        "#datadir",
        "#tmpdir",
        "#general_log_file",
        "#log_error",
        "#log_slow_query_file",
        "#log_bin",
        "#ssl",
        "#require-secure",
        "#innodb_buffer_pool_size",
    ];
    text.lines()
        .map(|l| {
            let setting = l.starts_with('#')
                && l[1..].starts_with(|c: char| c.is_ascii_lowercase())
                && !LEFT.iter().any(|p| l.starts_with(p));
            if setting { &l[1..] } else { l }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn every_setting_of_debians_server_file_uncommented_is_what_the_server_runs() {
    let mut m = Maria::init(uncommented);
    let text = std::fs::read_to_string(m.conf_d("50-server.cnf")).unwrap();
    let lines = text
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .count();
    assert!(lines >= 20, "{lines} settings:\n{text}");
    m.up();
    let f = fleet(&m, &root_connect(&m));
    let (code, report, stderr) = check(&f);
    assert_eq!(found(&report), Vec::<(String, String)>::new(), "{report:#}");
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    // The server does run them: a size written with its unit.
    assert_eq!(m.sql("SELECT @@max_allowed_packet").trim(), "1073741824");
}

#[test]
fn set_global_is_runtime_only_with_its_source() {
    let m = Maria::start();
    let f = fleet(&m, &root_connect(&m));
    m.sql("SET GLOBAL max_connections = 300");
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(found(&report), [pair("runtime_only", "max_connections")]);
    let n = finding(&report, "runtime_only", "max_connections");
    assert_eq!(n["file"], m.conf().display().to_string());
    assert_eq!(n["line"], Json::Null);
    assert_eq!(n["baseline"], Json::Null);
    assert_eq!(
        (&n["file_value"], &n["running"], &n["source"]),
        (
            &Json::from(151),
            &Json::from(300),
            &Json::from("SET GLOBAL")
        )
    );
    let message = n["message"].as_str().unwrap();
    assert!(
        message.contains("set outside the collected files"),
        "{message}"
    );
    crate::formats::assert_valid(&report);

    // Set back to what the files say: nothing (the origin stays SQL, the value is the same).
    m.sql("SET GLOBAL max_connections = DEFAULT");
    let (code, report, _) = check(&f);
    assert_eq!((code, found(&report)), (0, vec![]), "{report:#}");
}

#[test]
fn an_option_file_edit_without_a_restart_is_not_applied() {
    let m = Maria::start();
    let f = fleet(&m, &root_connect(&m));
    let server = m.conf_d("50-server.cnf");
    // A dynamic variable set by a file at start, one the server runs at its default, and one
    // read at start only (a bare boolean).
    m.edit(
        &server,
        "character-set-server  = utf8mb4",
        "character-set-server  = latin1",
    );
    m.edit(
        &server,
        "collation-server      = utf8mb4_general_ci",
        "collation-server      = latin1_swedish_ci",
    );
    m.edit(
        &server,
        "#max_allowed_packet     = 1G",
        "max_allowed_packet     = 1G",
    );
    m.edit(&server, "#skip-name-resolve", "skip-name-resolve");
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    let running: Vec<(String, String)> = found(&report)
        .into_iter()
        .filter(|(k, _)| k == "not_applied" || k == "runtime_only")
        .collect();
    assert_eq!(
        running,
        [
            pair("not_applied", "character_set_server"),
            pair("not_applied", "collation_server"),
            pair("not_applied", "max_allowed_packet"),
            pair("not_applied", "skip_name_resolve"),
        ],
        "{report:#}"
    );
    let cs = finding(&report, "not_applied", "character_set_server");
    let cs_line = line_of(&server, "character-set-server");
    assert_eq!(
        (&cs["line"], &cs["baseline_line"]),
        (&cs_line.into(), &cs_line.into())
    );
    assert_eq!(
        (
            &cs["baseline"],
            &cs["file_value"],
            &cs["running"],
            &cs["source"]
        ),
        (
            &Json::from("utf8mb4"),
            &Json::from("latin1"),
            &Json::from("utf8mb4"),
            &Json::from("option file or command line, read at start")
        )
    );
    let message = cs["message"].as_str().unwrap();
    assert!(
        message.contains("restart needed, or SET GLOBAL character_set_server = latin1"),
        "{message}"
    );
    let p = finding(&report, "not_applied", "max_allowed_packet");
    assert_eq!(
        (&p["file_value"], &p["running"], &p["source"]),
        (
            &Json::from(1073741824),
            &Json::from(16777216),
            &Json::from("compiled-in default")
        )
    );
    let s = finding(&report, "not_applied", "skip_name_resolve");
    assert_eq!(
        (&s["file_value"], &s["running"]),
        (&"ON".into(), &"OFF".into())
    );
    let message = s["message"].as_str().unwrap();
    assert!(
        message.contains("restart needed: the server reads it at start only"),
        "{message}"
    );
    // Text: the three values side by side.
    let text = f.run(&["check"]).stdout;
    let server_path = server.display().to_string();
    for want in [
        format!("baseline utf8mb4  baselines/groups/db{server_path}:{cs_line}"),
        format!("file     latin1   db-1:{server_path}:{cs_line}"),
        "running  utf8mb4  option file or command line, read at start".to_string(),
    ] {
        assert!(text.contains(&want), "{want:?} in:\n{text}");
    }
}

#[test]
fn a_server_that_is_down_is_trouble_for_its_host_and_file() {
    let mut m = Maria::start();
    let f = fleet(&m, &root_connect(&m));
    m.stop();
    let (code, report, _) = check(&f);
    assert_eq!(code, 2, "{report:#}");
    let e = &report["errors"][0];
    assert_eq!(e["host"], "db-1");
    assert_eq!(e["file"], m.conf().display().to_string());
    let message = e["message"].as_str().unwrap();
    assert!(
        message.contains("running mariadb server") && message.contains("Can't connect"),
        "{message}"
    );
}

#[test]
fn a_password_in_connect_is_refused_with_its_line() {
    let m = Maria::init(|t| t);
    let f = fleet(&m, "socket=/x password=Tr0ub4dor");
    let out = f.run(&["check"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("confdrift.toml:7:"), "{}", out.stderr);
    assert!(out.stderr.contains("option file"), "{}", out.stderr);
    assert!(!format!("{}{}", out.stdout, out.stderr).contains("Tr0ub4dor"));
}

#[test]
fn a_password_from_an_option_file_is_never_shown_nor_on_a_command_line() {
    const PASSWORD: &str = "Corr3ct-H0rse-Battery";
    let m = Maria::start();
    m.sql(&format!(
        "CREATE USER confdrift@localhost IDENTIFIED BY '{PASSWORD}'"
    ));
    let dir = tempfile::tempdir().unwrap();
    let client = dir.path().join("confdrift.cnf");
    std::fs::write(
        &client,
        format!("[client]\nuser = confdrift\npassword = {PASSWORD}\n"),
    )
    .unwrap();
    let connect = format!(
        "defaults-extra-file={} socket={}",
        client.display(),
        m.socket().display()
    );
    let f = fleet(&m, &connect);
    let mut caught = false;
    for _ in 0..40 {
        let (out, seen, client_seen) = sampled_run(&f);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
        for text in seen.iter().chain([&stdout, &stderr]) {
            assert!(!text.contains(PASSWORD), "the password shows: {text}");
        }
        let report: Json = serde_json::from_str(&stdout).unwrap();
        assert_eq!(found(&report), Vec::<(String, String)>::new(), "{report:#}");
        if client_seen {
            caught = true;
            break;
        }
    }
    assert!(
        caught,
        "no ps sample caught the mariadb client running in 40 runs"
    );

    // A wrong password: trouble naming host and file, the client's words, no password.
    std::fs::write(
        &client,
        "[client]\nuser = confdrift\npassword = wrong-0ne\n",
    )
    .unwrap();
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    let report = out.json();
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("Access denied"), "{message}");
    assert!(!out.stdout.contains("wrong-0ne") && !out.stderr.contains("wrong-0ne"));
}

/// A run of `confdrift check --format json` in `f`, and every command line `ps` showed while it
/// ran; whether one of them was the mariadb client's.
fn sampled_run(f: &Fleet) -> (std::process::Output, Vec<String>, bool) {
    let child = Command::new(env!("CARGO_BIN_EXE_confdrift"))
        .args(["check", "--format", "json"])
        .current_dir(f.path())
        .env_remove("CONFDRIFT_CONFIG")
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
    let client = seen.iter().any(|s| {
        s.lines().any(|l| {
            l.trim_start().starts_with(&format!("{pid} "))
                && l.contains("mariadb")
                && l.contains("--defaults-extra-file=")
        })
    });
    (out, seen, client)
}

#[test]
fn a_server_that_never_answers_is_trouble_within_the_timeout() {
    // A socket that accepts and never says a word, where the server's would be.
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("mysqld.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"/etc/mysql/my.cnf\"]\n\n\
         [[group.running]]\nfile = \"/etc/mysql/my.cnf\"\nserver = \"mariadb\"\n\
         connect = \"socket={}\"\ntimeout = 2\n",
        socket.display()
    ));
    f.live(
        "db-1",
        "/etc/mysql/my.cnf",
        "[mysqld]\nmax_connections = 100\n",
    );
    f.group_baseline(
        "db",
        "/etc/mysql/my.cnf",
        "[mysqld]\nmax_connections = 100\n",
    );
    f.commit("baseline");
    let start = Instant::now();
    let (code, report, _) = check(&f);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(code, 2, "{report:#}");
    let message = report["errors"][0]["message"].as_str().unwrap();
    // The client's own --connect-timeout (from `timeout`) or confdrift's deadline, whichever
    // comes first.
    assert!(
        message.starts_with("running mariadb server")
            && (message.contains("timeout") || message.contains("handshake")),
        "{message}"
    );
}

#[test]
fn over_ssh_the_client_runs_on_the_host() {
    use crate::sshd::{Behaviour, Lab};
    use std::os::unix::fs::PermissionsExt;
    let mut lab = Lab::new();
    // The server's files and socket at the lab's mount point, which the host's sshd binds
    // over itself: the host's files are the server's own, at the paths the server names them.
    std::fs::set_permissions(lab.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = lab.mount.join("mariadb");
    std::fs::create_dir(&root).unwrap();
    let mut m = Maria::init_at(&root, |t| t);
    m.up();
    let mount = lab.mount.clone();
    lab.host("db-1", Behaviour::Serve(mount));
    let files: Vec<String> = m.files().iter().map(|p| p.display().to_string()).collect();
    let f = Fleet::new(&format!(
        "[ssh]\nconfig = {:?}\n\n[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"ssh\"\nfiles = {files:?}\n\n\
         [[group.running]]\nfile = {:?}\nserver = \"mariadb\"\nconnect = {:?}\n",
        lab.ssh_config().display().to_string(),
        files[0],
        root_connect(&m)
    ));
    for p in m.files() {
        let text = std::fs::read_to_string(&p).unwrap();
        f.group_baseline("db", &p.display().to_string(), &text);
    }
    f.commit("baseline");
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    m.sql("SET GLOBAL max_connections = 321");
    let out = f.run(&["check", "--format", "json", "-v"]);
    let report = out.json();
    assert_eq!(
        found(&report),
        vec![pair("runtime_only", "max_connections")],
        "{report:#}"
    );
    let n = finding(&report, "runtime_only", "max_connections");
    assert_eq!(n["running"], 321, "{n:#}");
    // -v traces the ssh command that ran the client on the host.
    assert!(
        out.stderr.contains("(running server)") && out.stderr.contains("-- db-1 sh -s"),
        "{}",
        out.stderr
    );
}
