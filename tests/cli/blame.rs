//! Findings name who set the baseline line they point at (git blame at the compared commit),
//! and a check says when the work tree's baseline is not what it compares against.

use crate::harness::{Fleet, app_config};

const DB: &str = "/etc/app/db.yml";
const FILE: &str = "baselines/groups/app/etc/app/db.yml";

/// Commits everything as `name <email>` at `date` (git's own date format).
fn commit_as(f: &Fleet, name: &str, email: &str, date: &str, message: &str) -> String {
    f.git(&["add", "-A"]);
    let out = std::process::Command::new("git")
        .args(["commit", "-q", "-m", message])
        .current_dir(f.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", name)
        .env("GIT_AUTHOR_EMAIL", email)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_NAME", name)
        .env("GIT_COMMITTER_EMAIL", email)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    f.git(&["rev-parse", "HEAD"]).trim().to_string()
}

/// Alice set the file, Bob later raised the pool; the host has changed both lines and added one.
fn history() -> (Fleet, String, String) {
    let f = Fleet::new(&app_config(&["app-1"], &[DB]));
    f.group_baseline("app", DB, "production:\n  pool: 50\n  timeout: 5000\n");
    let alice = commit_as(
        &f,
        "Alice Admin",
        "alice@example.com",
        "2026-01-02T10:00:00+01:00",
        "Initial pools",
    );
    f.group_baseline("app", DB, "production:\n  pool: 60\n  timeout: 5000\n");
    let bob = commit_as(
        &f,
        "Bob Builder",
        "bob@example.com",
        "2026-03-04T05:06:07-05:00",
        "Raise the pool\n\nLoad test 12.",
    );
    f.live(
        "app-1",
        DB,
        "production:\n  pool: 5\n  timeout: 1\n  extra: 1\n",
    );
    // The live fleet is in the repository in these tests: commit it, so that the work tree's
    // baseline is exactly HEAD's.
    f.git(&["add", "-A"]);
    f.git(&["commit", "-q", "-m", "fleet snapshot"]);
    (f, alice, bob)
}

#[test]
fn findings_carry_the_commit_that_set_their_baseline_line() {
    let (f, alice, bob) = history();
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let by_key = |k: &str| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["key"] == k)
            .unwrap_or_else(|| panic!("no finding for {k}: {r}"))
            .clone()
    };
    assert_eq!(
        by_key("production.pool")["baseline_commit"],
        serde_json::json!({
            "id": bob,
            "author": "Bob Builder <bob@example.com>",
            "date": "2026-03-04T05:06:07-05:00",
            "summary": "Raise the pool",
        })
    );
    assert_eq!(
        by_key("production.timeout")["baseline_commit"],
        serde_json::json!({
            "id": alice,
            "author": "Alice Admin <alice@example.com>",
            "date": "2026-01-02T10:00:00+01:00",
            "summary": "Initial pools",
        })
    );
    let added = by_key("production.extra");
    assert!(
        added.get("baseline_commit").is_none(),
        "an added key has no baseline line to blame: {added}"
    );

    let text = f.run(&["check"]).stdout;
    let line = format!(
        "        set by   Bob Builder <bob@example.com>, 2026-03-04, {} \"Raise the pool\"\n",
        &bob[..7]
    );
    assert!(text.contains(&line), "{text}");
    assert!(
        !text.contains("note:"),
        "the work tree matches HEAD: {text}"
    );

    // Blame follows the compared commit: at Alice's commit, the pool line is hers.
    let old = f.run(&["check", "--baseline-ref", &alice, "--format", "json"]);
    let pool = old.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == "production.pool")
        .unwrap()
        .clone();
    assert_eq!(pool["baseline"], 50);
    assert_eq!(pool["baseline_commit"]["id"], alice.as_str());
}

#[test]
fn a_work_tree_baseline_unlike_the_compared_commit_is_a_warning() {
    let (f, alice, _) = history();
    f.write(FILE, "production:\n  pool: 5\n  timeout: 1\n  extra: 1\n");
    let out = f.run(&["check"]);
    assert_eq!(out.code, 1, "a warning, not trouble: {}", out.stdout);
    assert!(
        out.stdout
            .contains("note: the work tree's baselines/ differs from the compared commit")
            && out.stdout.contains(FILE)
            && out
                .stdout
                .contains("only committed baseline files are compared"),
        "{}",
        out.stdout
    );
    f.git(&["checkout", "--", "baselines"]);
    assert!(!f.run(&["check"]).stdout.contains("note:"));
    // Against an older commit, the work tree (at HEAD) differs from it.
    let old = f.run(&["check", "--baseline-ref", &alice]);
    assert_eq!(old.code, 1);
    assert!(
        old.stdout.contains(&format!(
            "differs from the compared commit {} ({alice}) in 1 file",
            &alice[..7]
        )),
        "{}",
        old.stdout
    );
}

#[test]
fn a_long_commit_subject_is_cut_only_on_a_terminal() {
    let f = Fleet::new(&app_config(&["app-1"], &[DB]));
    f.group_baseline("app", DB, "production:\n  pool: 50\n");
    let subject = format!(
        "Raise the pool for the spring sale {}",
        "and more words ".repeat(5)
    );
    let subject = subject.trim_end().to_string();
    commit_as(
        &f,
        "Alice Admin",
        "alice@example.com",
        "2026-01-02T03:04:05Z",
        &subject,
    );
    f.live("app-1", DB, "production:\n  pool: 5\n");
    let out = f.run(&["check"]);
    assert!(subject.chars().count() > 60);
    assert!(
        out.stdout.contains(&format!("\"{subject}\"")),
        "a pipe gets the whole subject: {}",
        out.stdout
    );
}
