//! A tiny harness: a temp directory holding a git repository with a baseline, a fleet in the
//! dir layout, and a confdrift.toml; the real binary run inside it.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub struct Fleet {
    pub dir: tempfile::TempDir,
}

impl Fleet {
    /// An empty git repository with `config` as confdrift.toml.
    pub fn new(config: &str) -> Fleet {
        let dir = tempfile::tempdir().expect("temp dir");
        let fleet = Fleet { dir };
        fleet.git(&["init", "-q", "-b", "main"]);
        fleet.write("confdrift.toml", config);
        fleet
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (relative to the repository root), creating directories.
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    /// Writes a live file of `host` (dir transport root `fleet/`).
    pub fn live(&self, host: &str, abs: &str, content: impl AsRef<[u8]>) -> PathBuf {
        self.write(&format!("fleet/{host}{abs}"), content)
    }

    /// Writes a group baseline file (not committed yet).
    pub fn group_baseline(&self, group: &str, abs: &str, content: &str) {
        self.write(&format!("baselines/groups/{group}{abs}"), content);
    }

    pub fn host_baseline(&self, host: &str, abs: &str, content: &str) {
        self.write(&format!("baselines/hosts/{host}{abs}"), content);
    }

    /// Commits everything; returns the commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    pub fn git(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_AUTHOR_NAME", "Test Author")
            .env("GIT_AUTHOR_EMAIL", "author@example.com")
            .env("GIT_COMMITTER_NAME", "Test Author")
            .env("GIT_COMMITTER_EMAIL", "author@example.com")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git must be installed for the tests");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `confdrift ARGS` in the repository root, colour off.
    pub fn run(&self, args: &[&str]) -> Output {
        run_in(self.path(), args)
    }
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    let out = Command::cargo_bin("confdrift")
        .unwrap()
        .args(args)
        .current_dir(dir)
        .env_remove("CONFDRIFT_CONFIG")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Output {
        code: out
            .status
            .code()
            .expect("confdrift was killed by a signal (a panic?)"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The findings of a JSON report as (host, file, key, kind) tuples, in report order.
pub fn kinds(report: &serde_json::Value) -> Vec<(String, String, String, String)> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (s(&f["host"]), s(&f["file"]), s(&f["key"]), s(&f["kind"])))
        .collect()
}

/// A config for one `app` group over `hosts` reading `files` from `fleet/`.
pub fn app_config(hosts: &[&str], files: &[&str]) -> String {
    let q = |xs: &[&str]| {
        xs.iter()
            .map(|x| format!("{x:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "[[group]]\nname = \"app\"\nhosts = [{}]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [{}]\n",
        q(hosts),
        q(files)
    )
}

/// Whether the tests run as root (the servers that refuse root are then run as their user).
pub fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Runs `cmd`, which must succeed: its standard output.
pub fn ok(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `program` as the tests run servers that refuse root (pgbouncer): as nobody when the tests
/// run as root, else as the tests' own user.
pub fn unprivileged(program: &str) -> std::process::Command {
    if running_as_root() {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", program]);
        c
    } else {
        std::process::Command::new(program)
    }
}
