//! The running Redis server as the third side: each test starts its own redis-server on
//! Debian's redis.conf (`fixtures/upstream/redis-server/redis.conf`, its socket, directory and
//! log pointed into a temporary directory, no TCP listener), changes it the way operators do
//! (`CONFIG SET` without `CONFIG REWRITE`, a file edit without a restart), and `confdrift
//! check` must find exactly `runtime_only` or `not_applied` there, with the baseline, file and
//! running values side by side, and nothing at all on a freshly started server. A password
//! comes from `REDISCLI_AUTH` only and shows in no report and in no `ps` sample. A missing
//! server is a failure, never a skip (`.ci/run` installs redis-server).

use crate::harness::Fleet;
use serde_json::Value as Json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const SAMPLE: &str = include_str!("../../fixtures/upstream/redis-server/redis.conf");

/// One redis-server of a test, killed when dropped.
pub struct Redis {
    root: PathBuf,
    _dir: Option<tempfile::TempDir>,
    child: Option<Child>,
    password: Option<String>,
}

impl Redis {
    /// A server on Debian's redis.conf with `extra` after it (and the test's own socket,
    /// directory and log, the last lines: the last one wins).
    pub fn start(extra: &str) -> Redis {
        Redis::start_with(extra, None)
    }

    /// The same, `requirepass` set to `password` (given to redis-cli in its environment).
    pub fn start_with(extra: &str, password: Option<&str>) -> Redis {
        let dir = tempfile::tempdir().unwrap();
        let mut r = Redis::start_at(dir.path(), extra, password);
        r._dir = Some(dir);
        r
    }

    /// The same, its files and socket in `root`.
    pub fn start_at(root: &std::path::Path, extra: &str, password: Option<&str>) -> Redis {
        let mut r = Redis {
            root: root.to_path_buf(),
            _dir: None,
            child: None,
            password: password.map(str::to_string),
        };
        let extra = match password {
            Some(p) => format!("{extra}requirepass {p}\n"),
            None => extra.to_string(),
        };
        let extra = extra.as_str();
        r.write(&format!("{SAMPLE}{extra}"));
        r.up();
        r
    }

    pub fn conf(&self) -> PathBuf {
        self.root.join("redis.conf")
    }

    pub fn socket(&self) -> PathBuf {
        self.root.join("redis.sock")
    }

    pub fn connect(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// Writes redis.conf: `text`, then the test's own lines.
    pub fn write(&self, text: &str) {
        let d = self.root.display();
        std::fs::write(
            self.conf(),
            format!(
                "{text}\nport 0\nunixsocket {d}/redis.sock\ndir {d}\ndaemonize no\npidfile {d}/redis.pid\nlogfile {d}/redis.log\n"
            ),
        )
        .unwrap();
    }

    /// Appends to redis.conf.
    pub fn append(&self, text: &str) {
        let mut conf = std::fs::read_to_string(self.conf()).unwrap();
        conf.push_str(text);
        std::fs::write(self.conf(), conf).unwrap();
    }

    pub fn line_of(&self, start: &str) -> u64 {
        let conf = std::fs::read_to_string(self.conf()).unwrap();
        conf.lines()
            .position(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start:?}")) as u64
            + 1
    }

    pub fn up(&mut self) {
        let _ = std::fs::remove_file(self.socket());
        let child = Command::new("redis-server")
            .arg(self.conf())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is needed: apt-get install redis-server (.ci/run does)");
        self.child = Some(child);
        for _ in 0..500 {
            if self.socket().exists() && self.cli(&["PING"]).is_some_and(|o| o == "PONG") {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!(
            "redis-server did not come up: {}",
            std::fs::read_to_string(self.root.join("redis.log")).unwrap_or_default()
        );
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.up();
    }

    /// A command's output through redis-cli (the password, when set, in its environment).
    pub fn cli(&self, args: &[&str]) -> Option<String> {
        let mut c = Command::new("redis-cli");
        c.arg("-s").arg(self.socket()).args(args);
        c.env_remove("REDISCLI_AUTH");
        if let Some(p) = &self.password {
            c.env("REDISCLI_AUTH", p);
        }
        let out = c.stdin(Stdio::null()).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    pub fn set(&self, name: &str, value: &str) {
        let out = self.cli(&["CONFIG", "SET", name, value]);
        assert_eq!(out.as_deref(), Some("OK"), "CONFIG SET {name} {value}");
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A fleet whose group `cache` reads `r`'s redis.conf on this machine and asks `r` what it
/// runs, with the file as it is now as its baseline.
fn fleet(r: &Redis, connect: &str) -> Fleet {
    let conf = r.conf().display().to_string();
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"cache\"\nhosts = [\"cache-1\"]\ntransport = \"local\"\nfiles = [{conf:?}]\n\n\
         [[group.running]]\nfile = {conf:?}\nserver = \"redis\"\nconnect = {connect:?}\ntimeout = 5\n"
    ));
    baseline(&f, r);
    f
}

fn baseline(f: &Fleet, r: &Redis) {
    let conf = r.conf().display().to_string();
    f.group_baseline("cache", &conf, &std::fs::read_to_string(r.conf()).unwrap());
    f.commit("baseline");
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

#[test]
fn a_fresh_server_on_debians_redis_conf_gives_no_finding() {
    let r = Redis::start("");
    let f = fleet(&r, &r.connect());
    let (code, report, stderr) = check(&f);
    assert_eq!(found(&report), Vec::<(String, String)>::new(), "{report:#}");
    assert_eq!(
        (code, &report["errors"], &report["notices"]),
        (0, &serde_json::json!([]), &Json::Null),
        "{report:#}\n{stderr}"
    );
}

/// Values written in other forms than `CONFIG GET` prints them: sizes with units, `save` over
/// several lines, a client class's limits, capitals, an old name: the same on both sides.
#[test]
fn values_in_other_forms_are_what_the_server_runs() {
    let r = Redis::start(
        "maxmemory 1gb\nsave 900 1\nsave 300 10\nclient-output-buffer-limit slave 512mb 128mb 60\n\
         appendonly YES\nslave-read-only no\nhz 20\nproto-max-bulk-len 64m\nmaxmemory-policy NOEVICTION\n",
    );
    let f = fleet(&r, &r.connect());
    let (code, report, stderr) = check(&f);
    assert_eq!(found(&report), Vec::<(String, String)>::new(), "{report:#}");
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn config_set_without_rewrite_is_runtime_only_and_rewrite_makes_it_a_file_change() {
    let r = Redis::start("");
    let f = fleet(&r, &r.connect());
    r.set("maxmemory", "50mb");
    r.set("save", "60 5");
    r.set("client-output-buffer-limit", "pubsub 64mb 16mb 90");
    r.set("maxmemory-policy", "allkeys-lru");
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(
        found(&report),
        pairs(&[
            ("runtime_only", "maxmemory"),
            ("runtime_only", "save"),
            ("runtime_only", "client-output-buffer-limit.pubsub"),
            ("runtime_only", "maxmemory-policy"),
        ])
    );
    let n = finding(&report, "runtime_only", "maxmemory");
    assert_eq!(
        (
            &n["baseline"],
            &n["file_value"],
            &n["running"],
            &n["source"]
        ),
        (
            &Json::Null,
            &Json::from(0),
            &Json::from(52428800),
            &Json::from("CONFIG GET")
        )
    );
    assert_eq!(n["file"], r.conf().display().to_string());
    let message = n["message"].as_str().unwrap();
    assert!(
        message.contains("CONFIG SET without CONFIG REWRITE") && message.contains("the default"),
        "{message}"
    );
    let s = finding(&report, "runtime_only", "save");
    assert_eq!(
        (&s["file_value"], &s["running"]),
        (&Json::from("3600 1 300 100 60 10000"), &Json::from("60 5"))
    );
    crate::formats::assert_valid(&report);
    let text = f.run(&["check"]).stdout;
    assert!(
        text.contains("running  52428800") && text.contains("file     0"),
        "{text}"
    );

    // CONFIG REWRITE writes them into the file: the file's own changes, nothing running.
    assert_eq!(r.cli(&["CONFIG", "REWRITE"]).as_deref(), Some("OK"));
    let (_, report, _) = check(&f);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| !["runtime_only", "not_applied"].contains(&x["kind"].as_str().unwrap())),
        "{report:#}"
    );
    assert!(!found(&report).is_empty(), "{report:#}");
}

#[test]
fn a_file_edit_without_restart_is_not_applied_and_a_restart_applies_it() {
    let mut r = Redis::start("");
    let f = fleet(&r, &r.connect());
    r.append("maxmemory 100mb\nsave \"\"\n");
    let line = r.line_of("maxmemory 100mb");
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(
        found(&report),
        pairs(&[
            ("added", "maxmemory"),
            ("added", "save[0]"),
            ("not_applied", "maxmemory"),
            ("not_applied", "save"),
        ])
    );
    let n = finding(&report, "not_applied", "maxmemory");
    assert_eq!(
        (&n["line"], &n["baseline"]),
        (&Json::from(line), &Json::Null)
    );
    assert_eq!(
        (&n["file_value"], &n["running"]),
        (&Json::from("100mb"), &Json::from(0))
    );
    let message = n["message"].as_str().unwrap();
    assert!(
        message.contains("restart needed, or CONFIG SET") && message.contains("no reload"),
        "{message}"
    );
    r.restart();
    let (_, report, _) = check(&f);
    assert_eq!(
        found(&report),
        pairs(&[("added", "maxmemory"), ("added", "save[0]")]),
        "{report:#}"
    );
}

#[test]
fn a_server_that_is_down_is_trouble_for_its_host_and_file_only() {
    let mut r = Redis::start("");
    let f = fleet(&r, &r.connect());
    r.stop();
    let (code, report, _) = check(&f);
    assert_eq!(code, 2, "{report:#}");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(errors[0]["host"], "cache-1");
    assert_eq!(errors[0]["file"], r.conf().display().to_string());
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("running redis server") && message.contains("cannot connect"),
        "{message}"
    );
}

#[test]
fn a_password_in_connect_is_refused_with_its_line() {
    for connect in ["redis://:Tr0ub4dor@127.0.0.1:6379", "redis://Tr0ub4dor@db"] {
        let f = Fleet::new(&format!(
            "[[group]]\nname = \"cache\"\nhosts = [\"cache-1\"]\ntransport = \"local\"\nfiles = [\"/etc/redis/redis.conf\"]\n\n\
             [[group.running]]\nfile = \"/etc/redis/redis.conf\"\nserver = \"redis\"\nconnect = {connect:?}\n"
        ));
        f.commit("config");
        let out = f.run(&["check"]);
        assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains("confdrift.toml:7:") && out.stderr.contains("REDISCLI_AUTH"),
            "{}",
            out.stderr
        );
        assert!(!format!("{}{}", out.stdout, out.stderr).contains("Tr0ub4dor"));
    }
}

/// A run of `confdrift check --format json` in `f` with `REDISCLI_AUTH` (when given), and
/// every command line `ps` showed while it ran; whether one of them was redis-cli's.
fn sampled_run(f: &Fleet, auth: Option<&str>) -> (std::process::Output, Vec<String>, bool) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_confdrift"));
    cmd.args(["check", "--format", "json"])
        .current_dir(f.path())
        .env_remove("CONFDRIFT_CONFIG")
        .env_remove("REDISCLI_AUTH")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(a) = auth {
        cmd.env("REDISCLI_AUTH", a);
    }
    let child = cmd.spawn().unwrap();
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
    let cli = seen.iter().any(|s| {
        s.lines().any(|l| {
            l.trim_start().starts_with(&format!("{pid} ")) && l.contains("redis-cli --csv")
        })
    });
    (out, seen, cli)
}

#[test]
fn a_password_from_rediscli_auth_is_never_shown_nor_on_a_command_line() {
    const PASSWORD: &str = "Corr3ct-H0rse-Battery";
    let mut r = Redis::start_with("", Some(PASSWORD));
    let f = fleet(&r, &r.connect());
    let mut caught = false;
    for _ in 0..40 {
        let (out, seen, cli) = sampled_run(&f, Some(PASSWORD));
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
        for text in seen.iter().chain([&stdout, &stderr]) {
            assert!(!text.contains(PASSWORD), "the password shows: {text}");
        }
        let report: Json = serde_json::from_str(&stdout).unwrap();
        assert_eq!(found(&report), Vec::<(String, String)>::new(), "{report:#}");
        if cli {
            caught = true;
            break;
        }
    }
    assert!(caught, "no ps sample caught redis-cli running in 40 runs");

    // A requirepass changed at run time: runtime_only, redacted on every side.
    r.set("requirepass", "N3w-S3cret-Value");
    r.password = Some("N3w-S3cret-Value".to_string());
    let (out, _, _) = sampled_run(&f, Some("N3w-S3cret-Value"));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let report: Json = serde_json::from_str(&stdout).unwrap();
    assert_eq!(found(&report), pairs(&[("runtime_only", "requirepass")]));
    let n = finding(&report, "runtime_only", "requirepass");
    assert_eq!(
        (&n["file_value"], &n["running"], &n["baseline"]),
        (
            &Json::from("[redacted]"),
            &Json::from("[redacted]"),
            &Json::from("[redacted]")
        )
    );
    for secret in [PASSWORD, "N3w-S3cret-Value"] {
        assert!(!stdout.contains(secret), "{stdout}");
    }

    // Without REDISCLI_AUTH: trouble naming host and file, and still no password.
    let (out, _, _) = sampled_run(&f, None);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    let report: Json = serde_json::from_str(&stdout).unwrap();
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("NOAUTH"), "{message}");
    assert_eq!(report["errors"][0]["host"], "cache-1");
    for secret in [PASSWORD, "N3w-S3cret-Value"] {
        assert!(!stdout.contains(secret), "{stdout}");
    }
}

#[test]
fn over_ssh_redis_cli_runs_on_the_host_with_the_password_in_its_environment_only() {
    use crate::sshd::{Behaviour, Lab};
    use std::os::unix::fs::PermissionsExt;
    const PASSWORD: &str = "Ssh-P4ssw0rd-Over-Stdin";
    let mut lab = Lab::new();
    // The server's files at the lab's mount point, which the host's sshd binds over itself:
    // the host's files are the server's own, at the paths the server names them by.
    std::fs::set_permissions(lab.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = lab.mount.join("redis");
    std::fs::create_dir(&root).unwrap();
    let r = Redis::start_at(&root, "", Some(PASSWORD));
    let mount = lab.mount.clone();
    lab.host("cache-1", Behaviour::Serve(mount));
    let conf = r.conf().display().to_string();
    let f = Fleet::new(&format!(
        "[ssh]\nconfig = {:?}\n\n[[group]]\nname = \"cache\"\nhosts = [\"cache-1\"]\ntransport = \"ssh\"\nfiles = [{conf:?}]\n\n\
         [[group.running]]\nfile = {conf:?}\nserver = \"redis\"\nconnect = {:?}\n",
        lab.ssh_config().display().to_string(),
        r.connect()
    ));
    baseline(&f, &r);
    r.set("maxmemory", "10mb");
    let mut caught = false;
    for _ in 0..20 {
        let (out, seen, _) = sampled_run(&f, Some(PASSWORD));
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        for text in seen.iter().chain([&stdout, &stderr]) {
            assert!(!text.contains(PASSWORD), "the password shows: {text}");
        }
        let report: Json = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            found(&report),
            pairs(&[("runtime_only", "maxmemory")]),
            "{report:#}\n{stderr}"
        );
        // redis-cli ran on the host, under the host's sshd (not a child of confdrift).
        if seen
            .iter()
            .any(|s| s.contains("redis-cli --csv") && !s.contains(PASSWORD))
        {
            caught = true;
            break;
        }
    }
    assert!(caught, "no ps sample caught redis-cli running in 20 runs");
}

#[test]
fn a_rule_with_source_running_judges_config_set_values_in_the_files_units() {
    let r = Redis::start("");
    let conf = r.conf().display().to_string();
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"cache\"\nhosts = [\"cache-1\"]\ntransport = \"local\"\nfiles = [{conf:?}]\n\n\
         [[group.running]]\nfile = {conf:?}\nserver = \"redis\"\nconnect = {connect:?}\ntimeout = 5\n\n\
         [[rule]]\nfile = {conf:?}\nkey = \"maxmemory\"\nmax = \"1gb\"\nsource = \"running\"\n\n\
         [[rule]]\nfile = {conf:?}\nkey = \"maxmemory-policy\"\none_of = [\"allkeys-lru\", \"noeviction\"]\nsource = \"running\"\n",
        connect = r.connect()
    ));
    baseline(&f, &r);
    // Within the rules: nothing but what CONFIG SET changed.
    r.set("maxmemory", "512mb");
    let (_, report, stderr) = check(&f);
    assert_eq!(
        found(&report),
        pairs(&[("runtime_only", "maxmemory")]),
        "{stderr}"
    );
    r.set("maxmemory", "2gb");
    r.set("maxmemory-policy", "volatile-ttl");
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(
        found(&report),
        pairs(&[
            ("runtime_only", "maxmemory"),
            ("runtime_only", "maxmemory-policy"),
            ("out_of_range", "maxmemory"),
            ("violation", "maxmemory-policy"),
        ])
    );
    let m = finding(&report, "out_of_range", "maxmemory");
    assert_eq!(m["running"], 2147483648u64, "{m:#}");
    assert!(
        m["message"].as_str().unwrap().contains(
            "maxmemory 2147483648 is above the maximum 1gb as the running server runs it"
        ),
        "{m:#}"
    );
    crate::formats::assert_valid(&report);
}

#[test]
fn accept_writes_running_values_only_when_asked_with_from_running() {
    let r = Redis::start("");
    let conf = r.conf().display().to_string();
    // The version: CONFIG REWRITE writes out defaults (`save`, `user default ...`), which
    // its table knows to be no change.
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"cache\"\nhosts = [\"cache-1\"]\ntransport = \"local\"\nversion = \"7.0\"\n\
         files = [{conf:?}]\n\n[[group.running]]\nfile = {conf:?}\nserver = \"redis\"\nconnect = {:?}\n",
        r.connect()
    ));
    baseline(&f, &r);
    let in_baseline =
        || std::fs::read_to_string(f.path().join(format!("baselines/groups/cache{conf}"))).unwrap();
    let before = in_baseline();
    r.set("maxmemory", "50mb");
    // Without --from running the server's value is never written: the file is as accepted.
    let out = f.run(&["accept", "-m", "nothing new in the files"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("nothing to accept"), "{}", out.stdout);
    assert_eq!(in_baseline(), before);
    // With it, the value goes into the baseline's redis.conf in the file's syntax.
    let out = f.run(&["accept", "--from", "running", "-m", "the cache needs 50mb"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!(
            "cache-1:{conf}: maxmemory 52428800 (what the running server runs)"
        )),
        "{}",
        out.stdout
    );
    let after = in_baseline();
    assert!(after.ends_with("\nmaxmemory 52428800\n"), "{after}");
    assert_eq!(after.lines().count(), before.lines().count() + 1);
    // The file now differs from what is intended, and the server runs the baseline's value,
    // which its file does not give it yet; CONFIG REWRITE puts it into the file, and then all
    // three agree.
    let (code, report, stderr) = check(&f);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    let drift = finding(&report, "removed", "maxmemory");
    assert_eq!(drift["baseline"], 52428800, "{drift:#}");
    let n = finding(&report, "not_applied", "maxmemory");
    assert!(
        n["message"]
            .as_str()
            .unwrap()
            .contains("(the baseline's value)"),
        "{n:#}"
    );
    assert_eq!(r.cli(&["CONFIG", "REWRITE"]).as_deref(), Some("OK"));
    let (_, report, stderr) = check(&f);
    // (CONFIG REWRITE also writes out the default user, `user default on nopass ~* &* +@all`,
    // which is drift as Redis 7.0 sees it: read from a file, the user gets `sanitize-payload`
    // in ACL LIST, the built-in one does not.)
    assert_eq!(found(&report), pairs(&[("added", "user[0]")]), "{stderr}");
    // A server that cannot be asked: nothing is accepted.
    drop(r);
    let out = f.run(&["accept", "--from", "running", "-m", "x"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("nothing accepted: 1 problem with the running servers"),
        "{}",
        out.stderr
    );
}
