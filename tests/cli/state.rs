//! `--state FILE` across runs: new, then known (first seen kept), then resolved; trouble and
//! narrower selections never resolve what they did not check; `--fail-on new`.

use crate::formats::{assert_valid, run_env};
use crate::harness::{Fleet, Output, app_config};

fn fleet() -> Fleet {
    let f = Fleet::new(&app_config(&["app-1", "app-2"], &["/etc/app/app.yml"]));
    f.group_baseline(
        "app",
        "/etc/app/app.yml",
        "pool: 50\ntimeout: 5\npassword: hunter2\n",
    );
    f.commit("Intended state");
    f.live(
        "app-1",
        "/etc/app/app.yml",
        "pool: 50\ntimeout: 5\npassword: hunter2\n",
    );
    f.live(
        "app-2",
        "/etc/app/app.yml",
        "pool: 5\ntimeout: 5\npassword: rotated-pw\n",
    );
    f
}

fn check(f: &Fleet, extra: &[&str]) -> Output {
    let mut args = vec!["check", "--state", "state.json", "--format", "json"];
    args.extend_from_slice(extra);
    f.run(&args)
}

/// (host, key, status, first_seen) of each finding (or resolved finding).
fn tracked(list: &serde_json::Value) -> Vec<(String, String, String, String)> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_string();
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        s(&f["host"]),
                        s(&f["key"]),
                        s(&f["status"]),
                        s(&f["first_seen"]),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// RFC 3339 UTC to the second: `2026-01-02T03:04:05Z`.
fn is_rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn three_runs_new_then_known_then_resolved() {
    let f = fleet();
    // 1: everything is new.
    let one = check(&f, &["--fail-on", "new"]);
    assert_eq!(one.code, 1, "new drift fails: {}", one.stderr);
    let r1 = one.json();
    assert_valid(&r1);
    let t1 = tracked(&r1["findings"]);
    assert_eq!(t1.len(), 2);
    assert!(t1.iter().all(|t| t.2 == "new"), "{t1:?}");
    let first_seen = t1[0].3.clone();
    assert!(is_rfc3339_utc(&first_seen), "{first_seen}");
    assert!(r1.get("resolved").is_none());

    // 2: the same drift is known, first seen at run 1; a new drift is new.
    f.live(
        "app-1",
        "/etc/app/app.yml",
        "pool: 50\ntimeout: 9\npassword: hunter2\n",
    );
    let two = check(&f, &["--fail-on", "new"]);
    assert_eq!(two.code, 1, "app-1's timeout is new");
    let r2 = two.json();
    assert_valid(&r2);
    let t2 = tracked(&r2["findings"]);
    assert_eq!(
        t2.iter()
            .map(|t| (t.0.as_str(), t.1.as_str(), t.2.as_str()))
            .collect::<Vec<_>>(),
        [
            ("app-1", "timeout", "new"),
            ("app-2", "password", "known"),
            ("app-2", "pool", "known")
        ]
    );
    assert_eq!(t2[1].3, first_seen);
    assert_eq!(t2[2].3, first_seen);

    // 2b: nothing new: --fail-on new passes although drift remains.
    let again = check(&f, &["--fail-on", "new"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert_eq!(
        check(&f, &[]).code,
        1,
        "--fail-on any still fails on known drift"
    );

    // 3: app-2's pool is fixed: resolved, with its first-seen time; the rest known.
    f.live(
        "app-2",
        "/etc/app/app.yml",
        "pool: 50\ntimeout: 5\npassword: rotated-pw\n",
    );
    let three = check(&f, &[]);
    let r3 = three.json();
    assert_valid(&r3);
    assert_eq!(
        tracked(&r3["resolved"]),
        [(
            "app-2".to_string(),
            "pool".to_string(),
            "resolved".to_string(),
            first_seen.clone()
        )]
    );
    assert_eq!(r3["resolved"][0]["live"], 5, "as it was last seen");
    let t3 = tracked(&r3["findings"]);
    assert!(t3.iter().all(|t| t.2 == "known"), "{t3:?}");

    // The text report says so too; the next run has nothing left to resolve.
    f.live(
        "app-1",
        "/etc/app/app.yml",
        "pool: 50\ntimeout: 5\npassword: hunter2\n",
    );
    let text = f.run(&["check", "--state", "state.json"]);
    assert!(
        text.stdout.starts_with("confdrift: DRIFT on 1 of 2 hosts: 1 finding (0 critical, 1 warning, 0 info), 0 new; 1 resolved"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(&format!("[known since {first_seen}]")),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("resolved app-1:/etc/app/app.yml:2 timeout (changed, first seen "),
        "{}",
        text.stdout
    );
    let md = f.run(&["check", "--state", "state.json", "--format", "markdown"]);
    assert!(md.stdout.contains("0 new"), "{}", md.stdout);
    assert!(
        !md.stdout.contains("Resolved since"),
        "resolved once only: {}",
        md.stdout
    );

    // Secrets stay redacted in the state file.
    let state = std::fs::read_to_string(f.path().join("state.json")).unwrap();
    assert!(state.contains("confdrift-state/v1"));
    assert!(
        !state.contains("rotated-pw") && !state.contains("hunter2"),
        "{state}"
    );
    assert!(f.path().join("state.json.lock").exists());
}

#[test]
fn what_was_not_checked_is_never_resolved() {
    let f = fleet();
    let r1 = check(&f, &[]).json();
    let first_seen = r1["findings"][0]["first_seen"]
        .as_str()
        .unwrap()
        .to_string();

    // Only app-1 is selected: app-2's findings are kept, not resolved.
    let only = check(&f, &["--host", "app-1"]);
    assert_eq!(only.code, 0);
    assert!(only.json().get("resolved").is_none(), "{}", only.stdout);

    // app-2 is unreachable: trouble, nothing of app-2 resolved.
    std::fs::rename(f.path().join("fleet/app-2"), f.path().join("app-2.away")).unwrap();
    let down = check(&f, &[]);
    assert_eq!(down.code, 2);
    assert!(down.json().get("resolved").is_none(), "{}", down.stdout);

    // app-2's file does not parse: its findings are kept too.
    std::fs::rename(f.path().join("app-2.away"), f.path().join("fleet/app-2")).unwrap();
    f.live("app-2", "/etc/app/app.yml", "pool: [5\n");
    let bad = check(&f, &[]);
    assert_eq!(bad.code, 2);
    assert!(bad.json().get("resolved").is_none(), "{}", bad.stdout);

    // Back as it was: both findings are known, first seen in the first run.
    f.live(
        "app-2",
        "/etc/app/app.yml",
        "pool: 5\ntimeout: 5\npassword: rotated-pw\n",
    );
    let back = check(&f, &["--fail-on", "new"]);
    assert_eq!(back.code, 0, "nothing new: {}", back.stdout);
    let t = tracked(&back.json()["findings"]);
    assert_eq!(t.len(), 2);
    assert!(
        t.iter().all(|t| t.2 == "known" && t.3 == first_seen),
        "{t:?}"
    );
}

#[test]
fn fail_on_new_without_state_is_an_argument_error() {
    let f = fleet();
    for args in [
        &["check", "--fail-on", "new"][..],
        &[
            "diff",
            "--fail-on",
            "new",
            "fleet/app-1/etc/app/app.yml",
            "fleet/app-2/etc/app/app.yml",
        ],
    ] {
        let out = f.run(args);
        assert_eq!(out.code, 2, "{args:?}");
        assert!(
            out.stderr.contains("--fail-on new needs --state FILE"),
            "{}",
            out.stderr
        );
        assert_eq!(out.stdout, "");
    }
    let env = run_env(f.path(), &["check"], &[("CONFDRIFT_FAIL_ON", "new")]);
    assert_eq!(env.code, 2);
    let with_env_state = run_env(
        f.path(),
        &["check", "--fail-on", "new", "-q"],
        &[("CONFDRIFT_STATE", "env-state.json")],
    );
    assert_eq!(with_env_state.code, 1, "{}", with_env_state.stderr);
    assert!(f.path().join("env-state.json").exists());
}

#[test]
fn an_unreadable_state_file_is_trouble_and_is_left_alone() {
    let f = fleet();
    f.write(
        "state.json",
        "{\n  \"schema\": \"confdrift-state/v1\",\n  \"findings\": [oops]\n}\n",
    );
    let out = f.run(&["check", "--state", "state.json"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stdout.contains("error: state.json:3: state file unreadable, findings not tracked and the file left as it is: expected value at line 3 column 16"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("production") || out.stdout.contains("pool"),
        "findings are still reported"
    );
    let kept = std::fs::read_to_string(f.path().join("state.json")).unwrap();
    assert!(kept.contains("[oops]"));

    f.write(
        "state.json",
        "{\"schema\": \"something/v9\", \"findings\": []}",
    );
    let other = f.run(&["check", "--state", "state.json"]);
    assert_eq!(other.code, 2);
    assert!(
        other
            .stdout
            .contains("schema Some(\"something/v9\"); expected \"confdrift-state/v1\""),
        "{}",
        other.stdout
    );
}

#[test]
fn a_report_that_cannot_be_written_leaves_the_state_as_it_was() {
    let f = fleet();
    let out = f.run(&[
        "check",
        "--state",
        "state.json",
        "--output",
        "no/such/dir/r.txt",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        !f.path().join("state.json").exists(),
        "nothing was shown, so nothing is known"
    );
    let first = check(&f, &[]).json();
    assert!(tracked(&first["findings"]).iter().all(|t| t.2 == "new"));
}

#[test]
fn a_second_run_on_the_same_state_is_refused_while_the_first_holds_it() {
    let f = fleet();
    let lock = std::fs::File::create(f.path().join("state.json.lock")).unwrap();
    lock.try_lock().unwrap();
    let out = check(&f, &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("another confdrift run is using state.json"),
        "{}",
        out.stderr
    );
    // unlock, not just close: a child that another test thread is spawning at this moment
    // holds a copy of the descriptor until it execs, and would keep a closed lock alive
    lock.unlock().unwrap();
    drop(lock);
    let after = check(&f, &[]);
    assert_eq!(after.code, 1, "{}", after.stderr);
}

/// A db host and two app hosts; `capacity` holds the `[[capacity]]` tables.
fn capacity_fleet(capacity: &str) -> Fleet {
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"app\"\nhosts = [\"app-1\", \"app-2\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"/etc/app/app.yml\"]\n\n\
         [[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"/etc/postgresql/15/main/postgresql.conf\"]\n{capacity}"
    ));
    f.group_baseline("app", "/etc/app/app.yml", "pool: 50\n");
    f.group_baseline(
        "db",
        "/etc/postgresql/15/main/postgresql.conf",
        "max_connections = 120\n",
    );
    f.commit("Intended state");
    for h in ["app-1", "app-2"] {
        f.live(h, "/etc/app/app.yml", "pool: 50\n");
    }
    f.live(
        "db-1",
        "/etc/postgresql/15/main/postgresql.conf",
        "max_connections = 120\n",
    );
    f
}

const APP_FITS: &str = "\n[[capacity]]\nname = \"app pools fit\"\ndemand = [{ group = \"app\", file = \"/etc/app/app.yml\", key = \"pool\" }]\nsupply = { group = \"db\", file = \"/etc/postgresql/15/main/postgresql.conf\", key = \"max_connections\" }\n";
const WITH_HEADROOM: &str = "\n[[capacity]]\nname = \"app pools fit with headroom\"\ndemand = [{ group = \"app\", file = \"/etc/app/app.yml\", key = \"pool\", multiplier = 2 }]\nsupply = { group = \"db\", file = \"/etc/postgresql/15/main/postgresql.conf\", key = \"max_connections\" }\n";

/// (kind, rule, status) of each finding.
fn by_rule(r: &serde_json::Value) -> Vec<(String, String, String)> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_string();
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (s(&f["kind"]), s(&f["rule"]), s(&f["status"])))
        .collect()
}

#[test]
fn a_second_rule_on_a_flagged_key_and_a_moved_value_are_new() {
    let f = capacity_fleet(APP_FITS);
    // 100 + 3 reserved > 97: fine; drop max_connections to 90: the first rule fires.
    f.live(
        "db-1",
        "/etc/postgresql/15/main/postgresql.conf",
        "max_connections = 90\n",
    );
    let one = check(&f, &["--fail-on", "new"]);
    assert_eq!(one.code, 1, "{}", one.stdout);
    let kinds = by_rule(&one.json());
    assert!(
        kinds.contains(&("capacity".into(), "app pools fit".into(), "new".into())),
        "{kinds:?}"
    );

    // A second capacity rule starts firing on the same max_connections: new, so cron alerts.
    let config = std::fs::read_to_string(f.path().join("confdrift.toml")).unwrap();
    f.write("confdrift.toml", format!("{config}{WITH_HEADROOM}"));
    let two = check(&f, &["--fail-on", "new"]);
    assert_eq!(two.code, 1, "the second rule is new: {}", two.stdout);
    let kinds = by_rule(&two.json());
    assert!(
        kinds.contains(&("capacity".into(), "app pools fit".into(), "known".into()))
            && kinds.contains(&(
                "capacity".into(),
                "app pools fit with headroom".into(),
                "new".into()
            )),
        "{kinds:?}"
    );

    // Known drift whose live value moves again is new again; the old value is resolved.
    assert_eq!(check(&f, &["--fail-on", "new"]).code, 0, "nothing new");
    f.live(
        "db-1",
        "/etc/postgresql/15/main/postgresql.conf",
        "max_connections = 80\n",
    );
    let three = check(&f, &["--fail-on", "new"]);
    assert_eq!(three.code, 1, "{}", three.stdout);
    let r3 = three.json();
    let drift: Vec<_> = r3["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "changed")
        .map(|x| (x["live"].clone(), x["status"].clone()))
        .collect();
    assert_eq!(drift, [(80.into(), "new".into())]);
    assert!(
        r3["resolved"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["kind"] == "changed" && x["live"] == 90),
        "{}",
        r3["resolved"]
    );
}

#[test]
fn the_cron_recipe_prints_nothing_while_only_known_drift_remains() {
    let f = fleet();
    let cron = ["check", "-q", "--state", "state.json", "--fail-on", "new"];
    let first = f.run(&cron);
    assert_eq!(first.code, 1);
    assert!(
        first.stdout.contains("DRIFT"),
        "new drift is printed: {}",
        first.stdout
    );
    let second = f.run(&cron);
    assert_eq!(
        (second.code, second.stdout.as_str(), second.stderr.as_str()),
        (0, "", ""),
        "exit 0: nothing to mail"
    );
    // Info below --fail-on is no reason to print either.
    let info = f.run(&["check", "-q", "--fail-on", "critical"]);
    assert_eq!((info.code, info.stdout.as_str()), (0, ""));
    // Still printed when the run fails.
    assert!(!f.run(&["check", "-q"]).stdout.is_empty());
}
