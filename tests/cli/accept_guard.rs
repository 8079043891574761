//! `accept` refuses a baseline that breaks a critical rule through a postgresql.conf include,
//! judged by the value the server would run with (the include-override scenario: a rule on
//! postgresql.conf's max_connections, and conf.d/ read after it through `include_dir`).

use crate::baseline_repo::{commit_count, run_env, show, with_identity};
use crate::harness::{Fleet, Output};
use crate::rules::scenario;

const CONF: &str = "/etc/postgresql/15/main/postgresql.conf";
const TUNING: &str = "/etc/postgresql/15/main/conf.d/50-tuning.conf";
const BASE: &str = "baselines/groups/db/etc/postgresql/15/main";

fn accept(f: &Fleet, extra: &[&str]) -> Output {
    let mut args = vec!["accept", "--group", "db", "-m", "db tier as it runs"];
    args.extend_from_slice(extra);
    run_env(f.path(), &args, &[])
}

/// Refused, naming `item` (file, line, key, ...); nothing is recorded.
fn refused(f: &Fleet, out: &Output, item: &str) {
    let commits = commit_count(f);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("would break critical rules") && out.stderr.contains(item),
        "expected {item:?} in: {}",
        out.stderr
    );
    assert_eq!(commit_count(f), commits, "nothing recorded");
}

/// Replaces `from` (which it must hold) with `to` in db-1's live postgresql.conf.
fn edit_conf(f: &Fleet, from: &str, to: &str) {
    let rel = format!("fleet/db-1{CONF}");
    let text = std::fs::read_to_string(f.path().join(&rel)).unwrap();
    assert!(text.contains(from), "{text}");
    f.write(&rel, text.replace(from, to));
}

#[test]
fn a_low_limit_written_into_conf_d_is_refused_and_an_overridden_one_is_not() {
    let f = scenario("include-override");
    with_identity(&f);
    let start = commit_count(&f);

    // conf.d sets 60, read after postgresql.conf's 300: the server would run with 60.
    let out = accept(&f, &[]);
    refused(
        &f,
        &out,
        &format!(
            "{BASE}/conf.d/50-tuning.conf:3: max_connections: the baseline's max_connections 60 is below the minimum 100 (the baseline sets it in {TUNING}, included by {CONF})"
        ),
    );
    assert!(!out.stderr.contains("postgresql.conf:4"), "{}", out.stderr);
    assert_eq!(commit_count(&f), start);

    // postgresql.conf's own 50 is overridden by conf.d's 150: the server runs with 150.
    edit_conf(&f, "max_connections = 300", "max_connections = 50");
    f.live("db-1", TUNING, "work_mem = 16MB\nmax_connections = 150\n");
    let out = accept(&f, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(commit_count(&f), start + 1);
    let stored = show(&f, "HEAD", &format!("{BASE}/postgresql.conf")).unwrap();
    assert!(stored.contains("max_connections = 50"), "{stored}");

    // The override goes away on the host: accepting that would leave 50 in force.
    std::fs::remove_file(f.path().join(format!("fleet/db-1{TUNING}"))).unwrap();
    let out = accept(&f, &[]);
    refused(
        &f,
        &out,
        &format!("{BASE}/postgresql.conf:4: max_connections: the baseline's max_connections 50"),
    );
}

#[test]
fn a_rule_the_untouched_files_already_break_is_left_to_check_and_lint() {
    let f = scenario("include-override");
    with_identity(&f);
    // The db tier as it runs, conf.d's 60 included, recorded on purpose.
    let out = accept(&f, &["--force"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    let start = commit_count(&f);

    // An unrelated edit of postgresql.conf is accepted: the accept writes no part of the
    // breakage, which check and lint still report.
    edit_conf(&f, "work_mem = 4MB", "work_mem = 8MB");
    let out = accept(&f, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(commit_count(&f), start + 1);
    let lint = f.run(&["lint", "--format", "json"]);
    assert_eq!(lint.code, 1, "{}", lint.stderr);
    assert!(lint.stdout.contains("\"out_of_range\""), "{}", lint.stdout);

    // Adding the include that brings the low value in is the accept's doing: refused.
    edit_conf(&f, "include_dir = 'conf.d'", "#include_dir = 'conf.d'");
    assert_eq!(accept(&f, &[]).code, 0);
    edit_conf(&f, "#include_dir = 'conf.d'", "include_dir = 'conf.d'");
    let out = accept(&f, &[]);
    refused(
        &f,
        &out,
        &format!("{BASE}/conf.d/50-tuning.conf:3: max_connections: "),
    );
}
