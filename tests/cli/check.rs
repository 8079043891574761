//! `confdrift check` on fleets built in temp dirs: each kind of finding, baseline refs,
//! host overrides, selection.

use crate::harness::{Fleet, app_config, kinds};

const DB_YML: &str =
    "production:\n  adapter: postgresql\n  host: db-1\n  pool: 50\n  timeout: 5000\n";

fn t(h: &str, f: &str, k: &str, kind: &str) -> (String, String, String, String) {
    (h.into(), f.into(), k.into(), kind.into())
}

#[test]
fn changed_added_removed_with_lines_on_both_sides() {
    let f = Fleet::new(&app_config(&["app-1", "app-2"], &["/etc/app/database.yml"]));
    f.group_baseline("app", "/etc/app/database.yml", DB_YML);
    f.commit("baseline");
    f.live("app-1", "/etc/app/database.yml", DB_YML);
    f.live(
        "app-2",
        "/etc/app/database.yml",
        "# edited by hand\nproduction:\n  adapter: postgresql\n  pool: 5\n  timeout: 5000\n  reaping_frequency: 10\n",
    );
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    assert_eq!(
        kinds(&r),
        vec![
            t(
                "app-2",
                "/etc/app/database.yml",
                "production.host",
                "removed"
            ),
            t(
                "app-2",
                "/etc/app/database.yml",
                "production.pool",
                "changed"
            ),
            t(
                "app-2",
                "/etc/app/database.yml",
                "production.reaping_frequency",
                "added"
            ),
        ]
    );
    let pool = &r["findings"][1];
    assert_eq!(pool["baseline"], 50);
    assert_eq!(pool["live"], 5);
    assert_eq!(pool["line"], 4);
    assert_eq!(pool["baseline_line"], 4);
    assert_eq!(pool["group"], "app");
    assert_eq!(r["findings"][0]["line"], serde_json::Value::Null);
    assert_eq!(r["findings"][0]["baseline_line"], 3);
    assert_eq!(r["findings"][2]["line"], 6);
    assert_eq!(r["summary"]["hosts"], 2);
    assert_eq!(r["summary"]["files"], 2);
    assert_eq!(r["summary"]["drifted_hosts"], 1);
}

#[test]
fn comments_order_whitespace_and_quoting_are_not_drift() {
    let f = Fleet::new(&app_config(
        &["app-1"],
        &["/etc/app/database.yml", "/etc/app/app.properties"],
    ));
    f.group_baseline("app", "/etc/app/database.yml", DB_YML);
    f.group_baseline("app", "/etc/app/app.properties", "a.b=1\nc = two\n");
    f.commit("baseline");
    f.live(
        "app-1",
        "/etc/app/database.yml",
        "# reformatted\nproduction: {timeout: 5000, pool: \"50\", host: 'db-1', adapter: postgresql}\n",
    );
    f.live(
        "app-1",
        "/etc/app/app.properties",
        "# x\n\nc:two\n   a.b  =  1\n",
    );
    let out = f.run(&["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("confdrift: no drift in 1 host (2 files)"),
        "{}",
        out.stdout
    );
}

#[test]
fn missing_and_unexpected_files_with_globs() {
    let cfg = app_config(
        &["web-1"],
        &["/etc/nginx/conf.d/*.conf", "/etc/app/main.toml"],
    );
    let f = Fleet::new(&cfg);
    f.group_baseline("app", "/etc/nginx/conf.d/a.conf", "server_tokens off;\n");
    f.group_baseline("app", "/etc/nginx/conf.d/b.conf", "gzip on;\n");
    f.group_baseline("app", "/etc/app/main.toml", "port = 1\n");
    // a baseline file no entry selects is ignored
    f.group_baseline("app", "/etc/other/x.conf", "x\n");
    f.commit("baseline");
    f.live("web-1", "/etc/nginx/conf.d/a.conf", "server_tokens off;\n");
    f.live("web-1", "/etc/nginx/conf.d/c.conf", "gzip off;\n");
    f.live(
        "web-1",
        "/etc/nginx/conf.d/sub/deep.conf",
        "ignored: * stays in one segment\n",
    );
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        kinds(&out.json()),
        vec![
            t("web-1", "/etc/app/main.toml", "", "missing_file"),
            t("web-1", "/etc/nginx/conf.d/b.conf", "", "missing_file"),
            t("web-1", "/etc/nginx/conf.d/c.conf", "", "unexpected_file"),
        ]
    );
}

#[test]
fn host_override_wins_over_the_group_file() {
    let f = Fleet::new(&app_config(
        &["app-1", "app-2"],
        &["/etc/app/app.properties"],
    ));
    f.group_baseline("app", "/etc/app/app.properties", "threads=8\n");
    f.host_baseline("app-2", "/etc/app/app.properties", "threads=16\n");
    f.commit("baseline");
    f.live("app-1", "/etc/app/app.properties", "threads=16\n");
    f.live("app-2", "/etc/app/app.properties", "threads=16\n");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1);
    let r = out.json();
    assert_eq!(
        kinds(&r),
        vec![t("app-1", "/etc/app/app.properties", "threads", "changed")]
    );
    assert_eq!(
        r["findings"][0]["baseline_file"],
        "baselines/groups/app/etc/app/app.properties"
    );
}

#[test]
fn baseline_ref_selects_the_intended_state_and_ignores_the_work_tree() {
    let f = Fleet::new(&app_config(&["app-1"], &["/etc/app/app.properties"]));
    f.group_baseline("app", "/etc/app/app.properties", "pool=50\n");
    let first = f.commit("pool 50");
    f.group_baseline("app", "/etc/app/app.properties", "pool=5\n");
    f.commit("pool 5 accepted");
    f.live("app-1", "/etc/app/app.properties", "pool=5\n");
    // uncommitted edits to the baseline never count
    f.group_baseline("app", "/etc/app/app.properties", "pool=999\n");

    let now = f.run(&["check"]);
    assert_eq!(now.code, 0, "{}", now.stdout);
    assert!(now.stdout.contains("\"pool 5 accepted\""), "{}", now.stdout);

    for reference in ["HEAD~1", first.as_str(), &first[..8]] {
        let old = f.run(&["check", "--baseline-ref", reference, "--format", "json"]);
        assert_eq!(old.code, 1, "{reference}: {}", old.stderr);
        let r = old.json();
        assert_eq!(r["findings"][0]["baseline"], 50);
        assert_eq!(r["findings"][0]["live"], 5);
        assert_eq!(r["baseline"]["commit"], first.as_str());
        assert_eq!(r["baseline"]["summary"], "pool 50");
    }
}

#[test]
fn host_and_group_selection() {
    let cfg = format!(
        "{}\n[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"/etc/db.properties\"]\n",
        app_config(&["app-1", "app-2"], &["/etc/app.properties"])
    );
    let f = Fleet::new(&cfg);
    f.group_baseline("app", "/etc/app.properties", "x=1\n");
    f.group_baseline("db", "/etc/db.properties", "y=1\n");
    f.commit("baseline");
    for h in ["app-1", "app-2"] {
        f.live(h, "/etc/app.properties", "x=2\n");
    }
    f.live("db-1", "/etc/db.properties", "y=2\n");
    let hosts = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["check", "--format", "json"];
        a.extend_from_slice(args);
        let out = f.run(&a);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        kinds(&out.json()).into_iter().map(|k| k.0).collect()
    };
    assert_eq!(hosts(&[]), ["app-1", "app-2", "db-1"]);
    assert_eq!(hosts(&["--host", "app-2"]), ["app-2"]);
    assert_eq!(hosts(&["--group", "db"]), ["db-1"]);
    assert_eq!(
        hosts(&["--group", "db", "--host", "app-1"]),
        ["app-1", "db-1"]
    );

    let unknown = f.run(&["check", "--host", "app-9"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown host \"app-9\""),
        "{}",
        unknown.stderr
    );
    let unknown = f.run(&["check", "--group", "cache"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("the groups are: app, db"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn fail_on_threshold_and_quiet() {
    let f = Fleet::new(&app_config(&["app-1"], &["/etc/app.properties"]));
    f.group_baseline("app", "/etc/app.properties", "x=1\n");
    f.commit("baseline");
    f.live("app-1", "/etc/app.properties", "x=2\n");
    // plain drift is a warning: it fails `any` and `warning`, not `critical`
    assert_eq!(f.run(&["check", "--fail-on", "warning"]).code, 1);
    let crit = f.run(&["check", "--fail-on", "critical"]);
    assert_eq!(crit.code, 0);
    assert!(
        crit.stdout.contains("DRIFT"),
        "still reported: {}",
        crit.stdout
    );

    f.live("app-1", "/etc/app.properties", "x=1\n");
    let quiet = f.run(&["check", "-q"]);
    assert_eq!(
        (quiet.code, quiet.stdout.as_str(), quiet.stderr.as_str()),
        (0, "", "")
    );
}

#[test]
fn secrets_never_reach_the_report() {
    let f = Fleet::new(&app_config(
        &["app-1"],
        &["/etc/app/database.yml", "/etc/app/app.properties"],
    ));
    f.group_baseline(
        "app",
        "/etc/app/database.yml",
        "production:\n  password: old-Secret-1\n  url: postgres://app:old-Secret-2@db/app\n",
    );
    f.group_baseline(
        "app",
        "/etc/app/app.properties",
        "db.api_token=old-Secret-3\n",
    );
    f.commit("baseline");
    f.live(
        "app-1",
        "/etc/app/database.yml",
        "production:\n  password: new-Secret-1\n  url: postgres://app:new-Secret-2@db/app2\n",
    );
    f.live(
        "app-1",
        "/etc/app/app.properties",
        "db.api_token=new-Secret-3\n",
    );
    for format in ["text", "json"] {
        let out = f.run(&["check", "--format", format, "-v"]);
        assert_eq!(out.code, 1, "{}", out.stderr);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(!all.contains("Secret-"), "{format} leaks a secret:\n{all}");
        assert!(all.contains("[redacted]"), "{all}");
    }
    let r = f.run(&["check", "--format", "json"]).json();
    assert_eq!(
        r["summary"]["findings"], 3,
        "changes to secrets are still reported"
    );
    assert_eq!(
        r["findings"][2]["live"], "postgres://app:[redacted]@db/app2",
        "the rest of a URL is kept"
    );
}

#[test]
fn local_transport_reads_this_machine() {
    // The "live" files are real absolute paths on this machine (inside a temp dir).
    let live = tempfile::tempdir().unwrap();
    let live_dir = live.path().canonicalize().unwrap();
    let abs = format!("{}/app.properties", live_dir.display());
    let cfg = format!(
        "[[group]]\nname = \"self\"\nhosts = [\"localhost\"]\ntransport = \"local\"\nfiles = [{abs:?}, \"{}/*.yml\"]\n",
        live_dir.display()
    );
    let f = Fleet::new(&cfg);
    f.group_baseline("self", &abs, "threads=8\n");
    f.commit("baseline");
    std::fs::write(&abs, "threads=4\n").unwrap();
    std::fs::write(live_dir.join("extra.yml"), "a: 1\n").unwrap();
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let yml = format!("{}/extra.yml", live_dir.display());
    assert_eq!(
        kinds(&out.json()),
        vec![
            t("localhost", &abs, "threads", "changed"),
            t("localhost", &yml, "", "unexpected_file"),
        ]
    );
}

#[test]
fn hosts_are_checked_in_parallel_with_the_same_result() {
    let hosts: Vec<String> = (0..24).map(|i| format!("app-{i:02}")).collect();
    let names: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let f = Fleet::new(&app_config(&names, &["/etc/app.properties"]));
    f.group_baseline("app", "/etc/app.properties", "pool=50\n");
    f.commit("baseline");
    for (i, h) in names.iter().enumerate() {
        let pool = if i % 5 == 0 { 5 } else { 50 };
        f.live(h, "/etc/app.properties", format!("# {h}\npool = {pool}\n"));
    }
    let one = f.run(&["check", "--format", "json", "-j", "1"]);
    let many = f.run(&["check", "--format", "json", "-j", "8"]);
    assert_eq!(one.code, 1);
    // The same report, but for when it ran and how long it took.
    let untimed = |o: &crate::harness::Output| {
        let mut r = o.json();
        let m = r.as_object_mut().unwrap();
        m.remove("started_at");
        m.remove("duration_seconds");
        r
    };
    assert_eq!(untimed(&one), untimed(&many));
    assert_eq!(
        many.stderr, "",
        "no progress bar when stderr is not a terminal"
    );
    let drifted: Vec<String> = kinds(&one.json()).into_iter().map(|k| k.0).collect();
    assert_eq!(drifted, ["app-00", "app-05", "app-10", "app-15", "app-20"]);
}
