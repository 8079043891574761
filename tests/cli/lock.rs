//! The repository lock (`.git/confdrift.lock`): `accept` alone, `check`s side by side but never
//! during an accept; a second run waits a bounded time, then exits 2 naming the lock.

use crate::baseline_repo::{command, commit_count, run_env, with_identity};
use crate::harness::{Fleet, app_config};
use std::fs::{File, OpenOptions};
use std::path::Path;
use std::time::{Duration, Instant};

const DB: &str = "/etc/app/db.yml";
const SHORT: [(&str, &str); 1] = [("CONFDRIFT_LOCK_TIMEOUT", "0.3")];

fn fleet() -> Fleet {
    let f = Fleet::new(&app_config(&["app-1"], &[DB]));
    with_identity(&f);
    f.group_baseline("app", DB, "pool: 50\n");
    f.live("app-1", DB, "pool: 50\n");
    f.commit("Intended state");
    f
}

fn lock_file(f: &Fleet) -> File {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(f.path().join(".git/confdrift.lock"))
        .unwrap()
}

fn gave_up(out: &crate::harness::Output) {
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("holds the lock") && out.stderr.contains(".git/confdrift.lock"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("gave up after waiting 0.3s"),
        "{}",
        out.stderr
    );
}

/// This test process holds the lock as an accept would: check and accept both give up.
#[test]
fn runs_give_up_on_an_exclusive_holder_with_exit_2() {
    let f = fleet();
    let held = lock_file(&f);
    held.lock().unwrap();
    gave_up(&run_env(f.path(), &["check"], &SHORT));
    gave_up(&run_env(f.path(), &["accept", "-m", "x"], &SHORT));
    held.unlock().unwrap();
    assert_eq!(run_env(f.path(), &["check"], &SHORT).code, 0);
}

/// Held shared, as a check holds it: another check runs alongside, an accept gives up.
#[test]
fn checks_share_the_lock_and_an_accept_waits_for_them() {
    let f = fleet();
    let held = lock_file(&f);
    held.lock_shared().unwrap();
    assert_eq!(run_env(f.path(), &["check"], &SHORT).code, 0);
    f.live("app-1", DB, "pool: 5\n");
    let before = commit_count(&f);
    gave_up(&run_env(f.path(), &["accept", "-m", "x"], &SHORT));
    assert_eq!(commit_count(&f), before);
    drop(held);
    assert_eq!(run_env(f.path(), &["accept", "-m", "x"], &SHORT).code, 0);
    assert_eq!(commit_count(&f), before + 1);
}

/// Two confdrift processes: a check held up inside its collection (a command transport that
/// waits for a file), and an accept started meanwhile, which gives up naming the check.
#[test]
fn an_accept_during_a_running_check_exits_2_and_the_check_finishes() {
    let config = format!(
        "[[group]]\nname = \"app\"\nhosts = [\"app-1\"]\ntransport = \"command\"\n\
         command = [\"sh\", \"-c\", \"touch started; while [ ! -e release ]; do sleep 0.02; done; cat fleet/{{host}}{{path}}\"]\n\
         files = [\"{DB}\"]\n"
    );
    let f = Fleet::new(&config);
    with_identity(&f);
    f.group_baseline("app", DB, "pool: 50\n");
    f.live("app-1", DB, "pool: 5\n");
    f.commit("Intended state");

    let check = command(f.path(), &["check"], &[])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&f.path().join("started"));
    let out = run_env(f.path(), &["accept", "-m", "x"], &SHORT);
    gave_up(&out);
    assert!(out.stderr.contains("confdrift check"), "{}", out.stderr);

    std::fs::write(f.path().join("release"), "").unwrap();
    let checked = check.wait_with_output().unwrap();
    assert_eq!(
        checked.status.code(),
        Some(1),
        "the check ran to its end: drift"
    );
    let out = run_env(f.path(), &["accept", "-m", "x"], &SHORT);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// Waits until `path` exists (the check started collecting); a bound so a broken check fails
/// the test instead of hanging it.
fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
