//! `confdrift accept`: the live state into the baseline as exactly one git commit, by host and
//! by group, refusing uncommitted baseline edits, atomic under kill -9, serialized when two run.

use crate::baseline_repo::{
    baseline_status, command, commit_count, fsck, head, run_env, show, with_identity,
};
use crate::harness::{Fleet, app_config, kinds};

const DB: &str = "/etc/app/db.yml";
const BASE: &str = "production:\n  pool: 50\n  timeout: 5000\n";
const GROUP_FILE: &str = "baselines/groups/app/etc/app/db.yml";

/// Three app hosts matching their committed group baseline.
fn app_fleet() -> Fleet {
    let f = Fleet::new(&app_config(&["app-1", "app-2", "app-3"], &[DB]));
    with_identity(&f);
    f.group_baseline("app", DB, BASE);
    for h in ["app-1", "app-2", "app-3"] {
        f.live(h, DB, BASE);
    }
    f.commit("Intended state");
    f
}

fn accept(f: &Fleet, args: &[&str]) -> crate::harness::Output {
    let mut all = vec!["accept"];
    all.extend_from_slice(args);
    run_env(f.path(), &all, &[])
}

fn changed_paths(f: &Fleet) -> String {
    f.git(&["diff", "--name-status", "HEAD^", "HEAD"])
}

#[test]
fn accept_by_host_writes_a_host_file_in_one_commit() {
    let f = app_fleet();
    let small = "production:\n  pool: 5\n  timeout: 5000\n";
    f.live("app-2", DB, small);
    assert_eq!(f.run(&["check"]).code, 1);
    let (before, old) = (commit_count(&f), head(&f));

    let out = accept(&f, &["--host", "app-2", "-m", "app-2 runs a small pool"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("write  baselines/hosts/app-2/etc/app/db.yml"),
        "{}",
        out.stdout
    );
    assert_eq!(commit_count(&f), before + 1);
    assert_eq!(f.git(&["rev-parse", "HEAD^"]).trim(), old);
    assert_eq!(
        f.git(&["log", "-1", "--format=%s|%an <%ae>|%cn"]).trim(),
        "app-2 runs a small pool|Repo Owner <owner@example.com>|Repo Owner"
    );
    assert_eq!(
        changed_paths(&f),
        "A\tbaselines/hosts/app-2/etc/app/db.yml\n"
    );
    assert_eq!(
        show(&f, "HEAD", "baselines/hosts/app-2/etc/app/db.yml").as_deref(),
        Some(small)
    );
    assert_eq!(show(&f, "HEAD", GROUP_FILE).as_deref(), Some(BASE));
    fsck(&f);
    assert_eq!(
        baseline_status(&f),
        "",
        "work tree and index match the commit"
    );
    assert_eq!(
        std::fs::read_to_string(f.path().join("baselines/hosts/app-2/etc/app/db.yml")).unwrap(),
        small
    );
    let check = f.run(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
}

#[test]
fn accept_by_group_writes_the_group_file_and_drops_redundant_host_files() {
    let f = app_fleet();
    f.host_baseline("app-3", DB, "production:\n  pool: 70\n  timeout: 5000\n");
    f.commit("app-3 is bigger");
    let raised = "production:\n  pool: 80\n  timeout: 5000\n";
    for h in ["app-1", "app-2", "app-3"] {
        f.live(h, DB, raised);
    }
    let before = commit_count(&f);
    let out = accept(
        &f,
        &[
            "--group",
            "app",
            "-m",
            "Raise the pool to 80\n\nAfter the load test.",
            "--author",
            "Alice Example <alice@example.com>",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(commit_count(&f), before + 1);
    assert_eq!(
        changed_paths(&f),
        "M\tbaselines/groups/app/etc/app/db.yml\nD\tbaselines/hosts/app-3/etc/app/db.yml\n"
    );
    assert_eq!(
        f.git(&["log", "-1", "--format=%an <%ae>|%cn|%s|%b"]).trim(),
        "Alice Example <alice@example.com>|Repo Owner|Raise the pool to 80|After the load test."
    );
    assert_eq!(show(&f, "HEAD", GROUP_FILE).as_deref(), Some(raised));
    assert!(!f.path().join("baselines/hosts/app-3").exists());
    fsck(&f);
    assert_eq!(baseline_status(&f), "");
    assert_eq!(f.run(&["check"]).code, 0);
}

#[test]
fn some_hosts_of_a_group_get_host_files_even_when_they_agree() {
    let f = app_fleet();
    let raised = "production:\n  pool: 80\n  timeout: 5000\n";
    f.live("app-1", DB, raised);
    f.live("app-2", DB, raised);
    let out = accept(&f, &["--host", "app-1", "--host", "app-2", "-m", "canary"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        changed_paths(&f),
        "A\tbaselines/hosts/app-1/etc/app/db.yml\nA\tbaselines/hosts/app-2/etc/app/db.yml\n"
    );
    assert_eq!(show(&f, "HEAD", GROUP_FILE).as_deref(), Some(BASE));
}

#[test]
fn nothing_to_accept_records_nothing() {
    let f = app_fleet();
    // The same meaning, written differently, is no drift and nothing to accept.
    f.live("app-1", DB, "production: {timeout: 5000, pool: 50}\n");
    let before = commit_count(&f);
    let out = accept(&f, &["-m", "no-op"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("nothing to accept"), "{}", out.stdout);
    assert_eq!(commit_count(&f), before);
}

#[test]
fn uncommitted_baseline_changes_are_refused() {
    let f = app_fleet();
    f.live("app-2", DB, "production:\n  pool: 5\n  timeout: 5000\n");
    let before = commit_count(&f);
    let refused = |f: &Fleet, what: &str| {
        let out = accept(f, &["--host", "app-2", "-m", "x"]);
        assert_eq!(out.code, 2, "{}", out.stdout);
        assert!(
            out.stderr.contains("uncommitted changes") && out.stderr.contains(what),
            "{}",
            out.stderr
        );
        assert_eq!(commit_count(f), before);
    };
    // Modified in the work tree.
    f.write(GROUP_FILE, "production:\n  pool: 1\n");
    refused(
        &f,
        "baselines/groups/app/etc/app/db.yml (modified in the work tree)",
    );
    f.git(&["checkout", "--", "baselines"]);
    // Staged.
    f.host_baseline("app-1", DB, BASE);
    f.git(&["add", "baselines"]);
    refused(&f, "baselines/hosts/app-1/etc/app/db.yml (staged)");
    // Untracked.
    f.git(&["reset", "-q"]);
    refused(&f, "baselines/hosts/app-1/etc/app/db.yml (untracked)");
    std::fs::remove_dir_all(f.path().join("baselines/hosts")).unwrap();
    // Changes elsewhere in the repository (the fleet here) do not matter.
    let out = accept(&f, &["--host", "app-2", "-m", "x"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(commit_count(&f), before + 1);
}

#[test]
fn an_older_baseline_ref_brings_the_accepted_drift_back() {
    let f = app_fleet();
    f.live("app-2", DB, "production:\n  pool: 5\n  timeout: 5000\n");
    assert_eq!(accept(&f, &["--host", "app-2", "-m", "small pool"]).code, 0);
    assert_eq!(f.run(&["check"]).code, 0);
    let out = f.run(&["check", "--baseline-ref", "HEAD~1", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    assert_eq!(
        kinds(&r),
        [(
            "app-2".to_string(),
            DB.to_string(),
            "production.pool".to_string(),
            "changed".to_string()
        )]
    );
    assert_eq!(
        (&r["findings"][0]["baseline"], &r["findings"][0]["live"]),
        (&serde_json::json!(50), &serde_json::json!(5))
    );
}

#[test]
fn only_the_named_files_are_accepted() {
    let f = Fleet::new(&app_config(&["app-1"], &[DB, "/etc/app/extra.ini"]));
    with_identity(&f);
    f.group_baseline("app", DB, BASE);
    f.group_baseline("app", "/etc/app/extra.ini", "[a]\nb = 1\n");
    f.commit("Intended state");
    f.live("app-1", DB, "production:\n  pool: 9\n");
    f.live("app-1", "/etc/app/extra.ini", "[a]\nb = 2\n");
    let out = accept(&f, &["--file", DB, "-m", "db only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(changed_paths(&f), format!("M\t{GROUP_FILE}\n"));
    let out = accept(&f, &["--file", "/etc/other.yml", "-m", "x"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--file \"/etc/other.yml\""),
        "{}",
        out.stderr
    );
}

#[test]
fn trouble_on_any_host_accepts_nothing() {
    let f = Fleet::new(&app_config(&["app-1", "app-4"], &[DB]));
    with_identity(&f);
    f.group_baseline("app", DB, BASE);
    f.live("app-1", DB, "production:\n  pool: 9\n");
    f.commit("Intended state");
    let before = commit_count(&f);
    let out = accept(&f, &["-m", "x"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("nothing accepted: 1 problem"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("app-4: host unreachable"),
        "{}",
        out.stderr
    );
    assert_eq!(commit_count(&f), before);
    // An unparsable live file is named with its line.
    f.live("app-4", DB, "production:\n  pool: [9\n");
    let out = accept(&f, &["-m", "x"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("app-4:/etc/app/db.yml:"),
        "{}",
        out.stderr
    );
    assert_eq!(commit_count(&f), before);
}

#[test]
fn message_and_author_are_checked() {
    let f = app_fleet();
    f.live("app-2", DB, "production:\n  pool: 5\n");
    let out = accept(&f, &["-m", "  "]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("commit message (-m) is empty"),
        "{}",
        out.stderr
    );
    let out = accept(&f, &["-m", "x", "--author", "nobody"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("expected \"Name <email>\""),
        "{}",
        out.stderr
    );
    // Without -m, the message says what was accepted.
    let out = run_env(f.path(), &["accept", "--host", "app-2"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        f.git(&["log", "-1", "--format=%B"]).trim(),
        "Accept the live state of host app-2\n\nwrite  baselines/hosts/app-2/etc/app/db.yml"
    );
    f.live("app-2", DB, "production:\n  pool: 6\n");
    // No identity anywhere: say how to give one.
    f.git(&["config", "--unset", "user.name"]);
    f.git(&["config", "--unset", "user.email"]);
    let home = f.path().join("empty-home");
    let out = run_env(
        f.path(),
        &["accept", "-m", "x"],
        &[("HOME", home.to_str().unwrap())],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no author for the commit"),
        "{}",
        out.stderr
    );
}

/// A kill -9 at any point of an accept leaves the repository as it was or as it would be
/// after it, never in between: `git fsck --strict` passes, HEAD is the old commit or one new
/// commit on top of it with the whole new content.
#[test]
fn killed_at_random_points_the_repository_is_before_or_after() {
    let f = Fleet::new(&app_config(&["app-1"], &[DB]));
    with_identity(&f);
    f.group_baseline("app", DB, "production:\n  pool: 0\n");
    f.live("app-1", DB, "production:\n  pool: 0\n");
    f.commit("start");
    let accept_cmd = |i: u32| {
        let msg = format!("pool {i}");
        let mut c = command(f.path(), &["accept", "-m", &msg], &[]);
        c.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    // One whole run sets the span the kills are spread over.
    f.live("app-1", DB, "production:\n  pool: 1\n");
    let t = std::time::Instant::now();
    assert!(accept_cmd(1).status().unwrap().success());
    let span = t.elapsed().as_micros().max(1000) as u64 * 3 / 2;

    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let (mut before, mut after, mut lagging) = (0, 0, 0);
    for i in 2..=40u32 {
        let old_head = head(&f);
        let old_count = commit_count(&f);
        let old_content = show(&f, "HEAD", GROUP_FILE).unwrap();
        let new_content = format!("production:\n  pool: {i}\n");
        f.live("app-1", DB, &new_content);

        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let delay = (seed >> 33) % span;
        let mut child = accept_cmd(i).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_micros(delay));
        let _ = child.kill();
        let _ = child.wait();

        // A kill while git held one of its own lock files leaves it behind, as a killed git
        // would; an operator removes it. It can only be the index's (after the commit) or
        // the branch's (before the ref moved).
        let git_dir = f.path().join(".git");
        let index_lock = git_dir.join("index.lock");
        let ref_lock = git_dir.join("refs/heads/main.lock");
        let had_index_lock = index_lock.exists();
        let _ = std::fs::remove_file(&index_lock);
        let _ = std::fs::remove_file(&ref_lock);
        fsck(&f);

        let now = head(&f);
        if now == old_head {
            before += 1;
            assert!(
                !had_index_lock,
                "the index is only written after the commit"
            );
            assert_eq!(show(&f, "HEAD", GROUP_FILE).unwrap(), old_content);
            assert_eq!(
                baseline_status(&f),
                "",
                "nothing changes in the work tree before the commit"
            );
        } else {
            after += 1;
            assert_eq!(f.git(&["rev-parse", "HEAD^"]).trim(), old_head);
            assert_eq!(commit_count(&f), old_count + 1);
            assert_eq!(show(&f, "HEAD", GROUP_FILE).unwrap(), new_content);
            assert_eq!(
                f.git(&["log", "-1", "--format=%s"]).trim(),
                format!("pool {i}")
            );
            if !baseline_status(&f).is_empty() {
                // Killed between the ref move and the work tree: accept says so, and how
                // to finish.
                lagging += 1;
                let out = run_env(f.path(), &["accept", "-m", "next"], &[]);
                assert_eq!(out.code, 2);
                assert!(
                    out.stderr.contains("an accept was interrupted")
                        && out.stderr.contains("git checkout HEAD -- baselines"),
                    "{}",
                    out.stderr
                );
                f.git(&["checkout", "HEAD", "--", "baselines"]);
                assert_eq!(baseline_status(&f), "");
            }
        }
    }
    eprintln!(
        "kills: {before} before the commit, {after} after it ({lagging} before the work tree)"
    );
    // The repository stays usable: a last accept runs through and the fleet is clean.
    let out = run_env(f.path(), &["accept", "-m", "last"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    fsck(&f);
    assert_eq!(f.run(&["check"]).code, 0);
}

/// Two accepts started together both land, one after the other, as two commits.
#[test]
fn two_concurrent_accepts_are_serialized() {
    let f = app_fleet();
    for round in 0..3 {
        let before = commit_count(&f);
        f.live(
            "app-1",
            DB,
            format!("production:\n  pool: {}\n", 100 + round),
        );
        f.live(
            "app-2",
            DB,
            format!("production:\n  pool: {}\n", 200 + round),
        );
        let env = [("CONFDRIFT_LOCK_TIMEOUT", "120")];
        let spawn = |host: &str| {
            command(
                f.path(),
                &[
                    "accept",
                    "--host",
                    host,
                    "-m",
                    &format!("{host} round {round}"),
                ],
                &env,
            )
            .output()
        };
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| spawn("app-1"));
            let b = s.spawn(|| spawn("app-2"));
            (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
        });
        assert!(
            a.status.success() && b.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&a.stderr),
            String::from_utf8_lossy(&b.stderr)
        );
        assert_eq!(commit_count(&f), before + 2);
        let subjects = f.git(&["log", "-2", "--format=%s"]);
        assert!(
            subjects.contains(&format!("app-1 round {round}")),
            "{subjects}"
        );
        assert!(
            subjects.contains(&format!("app-2 round {round}")),
            "{subjects}"
        );
        assert_eq!(
            f.git(&["diff", "--name-only", "HEAD~2", "HEAD"]),
            "baselines/hosts/app-1/etc/app/db.yml\nbaselines/hosts/app-2/etc/app/db.yml\n"
        );
        fsck(&f);
        assert_eq!(baseline_status(&f), "");
        assert_eq!(f.run(&["check"]).code, 0);
    }
}

/// A file whose name confdrift does not know is read by its content, as `check` reads it: a
/// PHP-FPM pool under an unknown name gets its password stored as a fingerprint on its key
/// (not the whole line), so `check` then compares the file by key; and a rewrite that means the
/// same to php-fpm is nothing to accept.
#[test]
fn files_of_unknown_names_are_accepted_by_their_content() {
    let path = "/etc/app/current";
    let www = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/upstream/php8.2-fpm/www.conf"
    ))
    .unwrap();
    let f = Fleet::new(&app_config(&["app-1", "app-2", "app-3"], &[path]));
    with_identity(&f);
    f.group_baseline("app", path, &www);
    for h in ["app-1", "app-2", "app-3"] {
        f.live(h, path, &www);
    }
    f.commit("Intended state");
    let key = [("CONFDRIFT_SECRET_KEY", crate::baseline_repo::KEY)];
    let with_password = |pw: &str| {
        www.replace("pm.max_children = 5", "pm.max_children = 50")
            + &format!("env[DB_PASSWORD] = {pw}\n")
    };
    f.live("app-3", path, with_password("Hunter2-prod-77"));
    // Comments gone and blanks around `=` changed: the same pool for php-fpm.
    let rewritten: String = www
        .lines()
        .filter(|l| !l.trim_start().starts_with(';') && !l.trim().is_empty())
        .map(|l| format!("{}\n", l.replacen(" = ", "=", 1)))
        .collect();
    f.live("app-2", path, &rewritten);

    let out = run_env(
        f.path(),
        &["accept", "--host", "app-2", "-m", "reformatted"],
        &key,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("nothing to accept"), "{}", out.stdout);

    let out = run_env(
        f.path(),
        &[
            "accept",
            "--host",
            "app-3",
            "-m",
            "app-3 runs more children",
        ],
        &key,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let written = show(&f, "HEAD", "baselines/hosts/app-3/etc/app/current").unwrap();
    assert!(
        written.contains("env[DB_PASSWORD] = hmac-sha256:") && !written.contains("Hunter2"),
        "{written}"
    );
    let check = run_env(f.path(), &["check", "--format", "json"], &key);
    assert_eq!(check.code, 0, "{}", check.stdout);
    let r = check.json();
    let formats: Vec<&str> = r["detected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["format"].as_str().unwrap())
        .collect();
    assert!(
        !formats.is_empty() && formats.iter().all(|f| *f == "phpfpm"),
        "{r}"
    );
    // A new password on app-3: one change, on its key.
    f.live("app-3", path, with_password("Hunter3-prod-78"));
    let check = run_env(f.path(), &["check", "--format", "json"], &key);
    assert_eq!(check.code, 1, "{}", check.stderr);
    let r = check.json();
    assert_eq!(
        kinds(&r),
        vec![(
            "app-3".to_string(),
            path.to_string(),
            "www.env.DB_PASSWORD".to_string(),
            "changed".to_string()
        )],
        "{r}"
    );
    assert!(!r.to_string().contains("Hunter"), "{r}");
}
