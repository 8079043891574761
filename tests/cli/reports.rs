//! The report formats: the text report as a snapshot, the JSON report's fields, `--output`.

use crate::harness::{Fleet, app_config};

fn drifted_fleet() -> Fleet {
    let f = Fleet::new(&app_config(
        &["app-1", "app-2"],
        &["/etc/app/database.yml", "/etc/app/hosts"],
    ));
    f.group_baseline(
        "app",
        "/etc/app/database.yml",
        "production:\n  pool: 50\n  timeout: 5000\n  password: hunter2-secret\n",
    );
    f.group_baseline("app", "/etc/app/hosts", "10.0.0.5 db-1\n10.0.0.6 db-2\n");
    f.commit("Intended state");
    f.live(
        "app-1",
        "/etc/app/database.yml",
        "production:\n  pool: 50\n  timeout: 5000\n  password: hunter2-secret\n",
    );
    f.live("app-1", "/etc/app/hosts", "10.0.0.5 db-1\n10.0.0.6 db-2\n");
    f.live(
        "app-2",
        "/etc/app/database.yml",
        "production:\n  pool: 5\n  password: rotated-secret\n  checkout_timeout: 2\n",
    );
    f.live("app-2", "/etc/app/hosts", "10.0.0.9 db-1\n10.0.0.6 db-2\n");
    f
}

#[test]
fn text_report_snapshot() {
    let f = drifted_fleet();
    let out = f.run(&["check"]);
    assert_eq!(out.code, 1);
    let head = f.git(&["rev-parse", "--short=7", "HEAD"]);
    let date = f.git(&["log", "-1", "--format=%as"]);
    let text = out
        .stdout
        .replace(head.trim(), "<commit>")
        .replace(date.trim(), "<date>");
    insta::assert_snapshot!(text);
}

#[test]
fn json_report_fields() {
    let f = drifted_fleet();
    let r = f.run(&["check", "--format", "json"]).json();
    assert_eq!(r["schema"], "confdrift/v2");
    assert_eq!(r["baseline"]["ref"], "HEAD");
    assert_eq!(r["baseline"]["summary"], "Intended state");
    assert_eq!(r["baseline"]["commit"].as_str().unwrap().len(), 40);
    let s = &r["summary"];
    assert_eq!(
        (
            s["hosts"].as_u64(),
            s["files"].as_u64(),
            s["drifted_hosts"].as_u64()
        ),
        (Some(2), Some(4), Some(1))
    );
    assert_eq!(
        (s["findings"].as_u64(), s["errors"].as_u64()),
        (Some(5), Some(0))
    );
    assert_eq!(
        s["by_severity"],
        serde_json::json!({"critical": 0, "warning": 5, "info": 0})
    );
    let keys: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "production.checkout_timeout",
            "production.password",
            "production.pool",
            "production.timeout",
            "@@ -1,1 +1,1 @@",
        ]
    );
    let file_of = |i: usize| r["findings"][i]["file"].as_str().unwrap().to_string();
    assert_eq!(file_of(0), "/etc/app/database.yml");
    assert_eq!(file_of(4), "/etc/app/hosts");
    let pw = &r["findings"][1];
    assert_eq!(pw["key"], "production.password");
    assert_eq!(pw["baseline"], "[redacted]");
    assert_eq!(pw["live"], "[redacted]");
    assert_eq!(pw["kind"], "changed");
    let hunk = &r["findings"][4];
    assert_eq!(hunk["baseline"], "10.0.0.5 db-1");
    assert_eq!(hunk["live"], "10.0.0.9 db-1");
    let finding_keys: Vec<&String> = r["findings"][2].as_object().unwrap().keys().collect();
    assert_eq!(
        finding_keys,
        [
            "host",
            "group",
            "file",
            "key",
            "kind",
            "severity",
            "baseline",
            "live",
            "line",
            "baseline_line",
            "baseline_file",
            "message",
            "baseline_commit"
        ]
    );
}

#[test]
fn output_file_is_written_whole_and_stdout_stays_empty() {
    let f = drifted_fleet();
    let out = f.run(&["check", "--format", "json", "--output", "report.json"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    let written = std::fs::read_to_string(f.path().join("report.json")).unwrap();
    let r: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(r["summary"]["findings"], 5);
    let leftovers: Vec<_> = std::fs::read_dir(f.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
    let bad = f.run(&["check", "--output", "no/such/dir/report.txt"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("cannot write report to no/such/dir/report.txt"),
        "{}",
        bad.stderr
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let f = drifted_fleet();
    let piped = f.run(&["check"]);
    assert!(!piped.stdout.contains('\x1b'), "no colour in a pipe");
    let always = f.run(&["check", "--color", "always"]);
    assert!(always.stdout.contains("\x1b["), "{}", always.stdout);
    let to_file = f.run(&["check", "--color", "always", "--output", "r.txt"]);
    assert_eq!(to_file.code, 1);
    let written = std::fs::read_to_string(f.path().join("r.txt")).unwrap();
    assert!(!written.contains('\x1b'), "never colour in a file");
}

/// Every count counts what it names: hosts reached, files that differ, hosts (not group
/// baseline files) with findings.
#[test]
fn counts_count_what_they_name() {
    // check: app-3 cannot be reached (no directory); the headline says so.
    let f = crate::formats::fixture();
    let out = f.run(&["check"]);
    let head = out.stdout.lines().next().unwrap_or("").to_string();
    assert!(head.contains("of 4 hosts"), "{head}");
    assert!(head.contains("1 could not be checked"), "{head}");
    let out = f.run(&["collect", "--out", "snap"]);
    assert!(
        out.stdout.contains(" from 3 of 4 hosts into "),
        "{}",
        out.stdout
    );

    // diff of two directories: 2 of 4 files differ.
    let dir = tempfile::tempdir().unwrap();
    for (side, b) in [("a", "1"), ("b", "2")] {
        let d = dir.path().join(side);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("same.yml"), "x: 1\n").unwrap();
        std::fs::write(d.join("same.conf"), "y = 1\n").unwrap();
        std::fs::write(d.join("pool.yml"), format!("pool: {b}\n")).unwrap();
        std::fs::write(d.join("app.properties"), format!("a.b={b}\nc=1\n")).unwrap();
    }
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let text = crate::harness::run_in(
        dir.path(),
        &["diff", a.to_str().unwrap(), b.to_str().unwrap()],
    );
    assert!(
        text.stdout.starts_with("confdrift: DRIFT in 2 of 4 files:"),
        "{}",
        text.stdout
    );
    let json = crate::harness::run_in(
        dir.path(),
        &[
            "diff",
            "--format",
            "json",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
    )
    .json();
    assert_eq!(
        (&json["summary"]["hosts"], &json["summary"]["drifted_hosts"]),
        (&0.into(), &0.into())
    );

    // lint: findings in a group's baseline file are on no host.
    let fleet = crate::rules::scenario("baseline-breaks-rule");
    fleet.group_baseline(
        "app",
        "/etc/myapp/database.yml",
        "production:\n  adapter: postgresql\n  pool: 4\n",
    );
    fleet.commit("tune");
    let out = fleet.run(&["lint"]);
    assert!(
        out.stdout
            .starts_with("confdrift: RULE VIOLATIONS in the baseline on 0 of 2 hosts and 1 group:"),
        "{}",
        out.stdout
    );
}
