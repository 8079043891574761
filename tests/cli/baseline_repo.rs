//! Helpers for the tests of the baseline's life in git (accept, init, blame, secrets, lock):
//! runs of `confdrift` with a controlled environment, and git inspection.

use crate::harness::{Fleet, Output};
use std::path::Path;
use std::process::Command;

/// A secret key for the tests (any text of 16 bytes or more).
pub const KEY: &str = "dGVzdC1rZXktZm9yLWNvbmZkcmlmdC10ZXN0cy0wMDE=";

/// `confdrift ARGS` in `dir` with `env` on top of a clean environment: no config, no secret key
/// (and no key file found under a nonexistent config home), colour off.
pub fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = command(dir, args, env);
    let out = cmd.output().unwrap();
    Output {
        code: out
            .status
            .code()
            .expect("confdrift was killed by a signal (a panic?)"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The command `run_env` runs, to spawn it instead.
pub fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_confdrift"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("CONFDRIFT_CONFIG")
        .env_remove("CONFDRIFT_SECRET_KEY")
        .env_remove("CONFDRIFT_SECRET_KEY_FILE")
        .env_remove("CONFDRIFT_LOCK_TIMEOUT")
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .env("XDG_CONFIG_HOME", dir.join("no-such-config-home"))
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// The fleet's repository with a committer of its own (git config, as an operator has).
pub fn with_identity(f: &Fleet) {
    f.git(&["config", "user.name", "Repo Owner"]);
    f.git(&["config", "user.email", "owner@example.com"]);
}

pub fn commit_count(f: &Fleet) -> usize {
    f.git(&["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap()
}

pub fn head(f: &Fleet) -> String {
    f.git(&["rev-parse", "HEAD"]).trim().to_string()
}

/// `git fsck --strict` passes (and says nothing is dangling or broken beyond what git allows).
pub fn fsck(f: &Fleet) {
    let out = Command::new("git")
        .args(["fsck", "--strict", "--no-progress"])
        .current_dir(f.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git fsck --strict failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A file's content at a commit, `None` when it is not there.
pub fn show(f: &Fleet, rev: &str, path: &str) -> Option<String> {
    let out = Command::new("git")
        .args(["show", &format!("{rev}:{path}")])
        .current_dir(f.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap())
}

/// `git status --porcelain` of the baseline directory: empty when work tree and index match HEAD.
pub fn baseline_status(f: &Fleet) -> String {
    f.git(&[
        "status",
        "--porcelain",
        "--untracked-files=all",
        "--",
        "baselines",
    ])
}

/// Every object of the repository, as `git cat-file -p` prints it (blobs, trees, commits).
pub fn all_objects_text(f: &Fleet) -> String {
    let list = f.git(&["rev-list", "--objects", "--all"]);
    let mut all = String::new();
    let mut count = 0;
    for line in list.lines() {
        let id = line.split_whitespace().next().unwrap();
        all.push_str(&f.git(&["cat-file", "-p", id]));
        all.push('\n');
        count += 1;
    }
    // Objects not reachable from any ref are in the object store too; git fsck lists them.
    let unreachable = f.git(&["fsck", "--unreachable", "--no-progress"]);
    for line in unreachable.lines() {
        if let Some(id) = line.split_whitespace().nth(2) {
            all.push_str(&f.git(&["cat-file", "-p", id]));
            count += 1;
        }
    }
    assert!(count > 0, "the repository has objects");
    all
}
