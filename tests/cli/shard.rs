//! `--shard K/N` and `merge`: shards partition the hosts stably, and merging the shards'
//! JSON reports gives the unsharded run's report and exit status.

use crate::formats::{assert_valid, fixture, run_env};
use crate::harness::Fleet;

/// The report without what differs between any two runs: timing.
fn untimed(mut r: serde_json::Value) -> serde_json::Value {
    let o = r.as_object_mut().unwrap();
    assert!(
        o.remove("started_at").is_some(),
        "a check report has started_at"
    );
    assert!(o.remove("duration_seconds").is_some());
    r
}

fn hosts_of(r: &serde_json::Value) -> Vec<String> {
    r["host_runs"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| h["host"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn shards(f: &Fleet, n: u32) -> Vec<String> {
    (1..=n)
        .map(|k| {
            let name = format!("shard-{k}.json");
            let out = f.run(&[
                "check",
                "--shard",
                &format!("{k}/{n}"),
                "--output",
                &name,
                "--format",
                "json",
            ]);
            assert!(out.code <= 2, "{}", out.stderr);
            name
        })
        .collect()
}

#[test]
fn three_shards_merged_equal_the_unsharded_run() {
    let f = fixture();
    let whole = f.run(&["check", "--format", "json"]);
    assert_eq!(whole.code, 2, "app-3 is unreachable");
    let whole = whole.json();

    let names = shards(&f, 3);
    let mut seen = Vec::new();
    for name in &names {
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f.path().join(name)).unwrap()).unwrap();
        seen.extend(hosts_of(&r));
    }
    seen.sort();
    assert_eq!(
        seen,
        ["app-1", "app-2", "app-3", "db-1"],
        "each host in exactly one shard"
    );

    let mut args = vec!["merge", "--format", "json"];
    args.extend(names.iter().map(String::as_str));
    let merged = f.run(&args);
    assert_eq!(
        merged.code, 2,
        "the merged exit status is the unsharded one"
    );
    let merged = merged.json();
    assert_valid(&merged);
    assert_eq!(untimed(merged.clone()), untimed(whole.clone()));

    // The merged run spans its shards.
    let d = merged["duration_seconds"].as_f64().unwrap();
    assert!(d >= 0.0);

    // Every other format reads the same from the merge as from the run.
    for format in ["text", "markdown", "github"] {
        let mut args = vec!["merge", "--format", format];
        args.extend(names.iter().map(String::as_str));
        let m = f.run(&args);
        let w = f.run(&["check", "--format", format]);
        assert_eq!((m.code, &m.stdout), (w.code, &w.stdout), "{format}");
    }
}

#[test]
fn merge_exit_status_follows_fail_on_and_the_shards_trouble() {
    let f = fixture();
    std::fs::remove_dir_all(f.path().join("fleet/app-3").as_path()).ok();
    // Without app-3 in the selection, no trouble: drift only.
    let a = f.run(&[
        "check", "--group", "db", "--format", "json", "--output", "db.json",
    ]);
    assert_eq!(a.code, 1);
    let b = f.run(&[
        "check",
        "--host",
        "app-1",
        "--format",
        "json",
        "--output",
        "app1.json",
    ]);
    assert_eq!(b.code, 0);
    assert_eq!(f.run(&["merge", "db.json", "app1.json"]).code, 1);
    assert_eq!(f.run(&["merge", "app1.json"]).code, 0);
    assert_eq!(
        f.run(&["merge", "--fail-on", "critical", "db.json", "app1.json"])
            .code,
        0
    );
    let q = f.run(&["merge", "-q", "app1.json"]);
    assert_eq!((q.code, q.stdout.len()), (0, 0));
    let new = f.run(&["merge", "--fail-on", "new", "db.json"]);
    assert_eq!(new.code, 2);
    assert!(
        new.stderr.contains("made without --state"),
        "{}",
        new.stderr
    );
    // A shard that had trouble makes the merge trouble.
    let c = f.run(&[
        "check",
        "--host",
        "app-3",
        "--format",
        "json",
        "--output",
        "app3.json",
    ]);
    assert_eq!(c.code, 2);
    let m = f.run(&[
        "merge",
        "db.json",
        "app1.json",
        "app3.json",
        "--format",
        "prometheus",
    ]);
    assert_eq!(m.code, 2);
    assert!(
        m.stdout.contains("confdrift_host_up{host=\"app-3\"} 0"),
        "{}",
        m.stdout
    );
    assert!(m.stdout.contains("confdrift_errors 1"), "{}", m.stdout);
}

#[test]
fn merge_refuses_other_baselines_schemas_and_the_same_shard_twice() {
    let f = fixture();
    let old = f
        .git(&["rev-parse", "--short=7", "HEAD"])
        .trim()
        .to_string();
    shards(&f, 2);
    f.group_baseline(
        "db",
        "/etc/postgresql/postgresql.conf",
        "max_connections = 100\nshared_buffers = 2GB\n",
    );
    f.commit("Lower max_connections");
    let new = f
        .git(&["rev-parse", "--short=7", "HEAD"])
        .trim()
        .to_string();
    f.run(&[
        "check",
        "--shard",
        "2/2",
        "--format",
        "json",
        "--output",
        "later.json",
    ]);

    let out = f.run(&["merge", "shard-1.json", "later.json"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(&format!(
            "cannot merge later.json with shard-1.json: they compare against different baselines ({new} \"Lower max_connections\" in later.json, {old} \"Intended state\" in shard-1.json); run every shard at the same --baseline-ref"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");

    let twice = f.run(&["merge", "shard-1.json", "shard-2.json", "shard-1.json"]);
    assert_eq!(twice.code, 2);
    assert!(
        twice
            .stderr
            .contains("is in shard-1.json and again in shard-1.json"),
        "{}",
        twice.stderr
    );

    let text = std::fs::read_to_string(f.path().join("shard-2.json")).unwrap();
    f.write(
        "v3.json",
        text.replace("\"confdrift/v2\"", "\"confdrift/v3\""),
    );
    let schema = f.run(&["merge", "shard-1.json", "v3.json"]);
    assert_eq!(schema.code, 2);
    assert!(
        schema.stderr.contains(
            "error: v3.json\n  caused by: schema \"confdrift/v3\"; expected \"confdrift/v2\" or \"confdrift/v1\""
        ),
        "{}",
        schema.stderr
    );
    // A shard written before v2 (no running servers) merges as it did.
    f.write(
        "v1.json",
        text.replace("\"confdrift/v2\"", "\"confdrift/v1\""),
    );
    let v2 = f.run(&["merge", "shard-1.json", "shard-2.json"]);
    let v1 = f.run(&["merge", "shard-1.json", "v1.json"]);
    assert_eq!(
        (v1.code, &v1.stdout),
        (v2.code, &v2.stdout),
        "{}",
        v1.stderr
    );

    f.write(
        "broken.json",
        "{\"schema\": \"confdrift/v2\",\n \"summary\": ",
    );
    let broken = f.run(&["merge", "broken.json"]);
    assert_eq!(broken.code, 2);
    assert!(
        broken
            .stderr
            .contains("broken.json\n  caused by: line 2 column"),
        "{}",
        broken.stderr
    );
    let missing = f.run(&["merge", "nope.json"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("cannot read report nope.json"),
        "{}",
        missing.stderr
    );
    assert_eq!(f.run(&["merge"]).code, 2, "at least one report");
}

#[test]
fn a_host_stays_in_its_shard_whatever_the_other_hosts() {
    let names: Vec<String> = (1..=12).map(|i| format!("web-{i}")).collect();
    let quoted = |xs: &[String]| {
        xs.iter()
            .map(|x| format!("{x:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let shard_of = |hosts: &[String]| {
        let f = Fleet::new(&format!(
            "[[group]]\nname = \"web\"\nhosts = [{}]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"/etc/a.conf\"]\n",
            quoted(hosts)
        ));
        f.group_baseline("web", "/etc/a.conf", "a = 1\n");
        f.commit("base");
        for h in hosts {
            f.live(h, "/etc/a.conf", "a = 1\n");
        }
        let mut map = std::collections::BTreeMap::new();
        for k in 1..=4 {
            let r = f.run(&["check", "--shard", &format!("{k}/4"), "--format", "json"]);
            assert_eq!(r.code, 0, "{}", r.stderr);
            for h in hosts_of(&r.json()) {
                assert!(map.insert(h, k).is_none(), "a host in two shards");
            }
        }
        assert_eq!(map.len(), hosts.len());
        map
    };
    let all = shard_of(&names);
    let mut fewer: Vec<String> = names.iter().rev().step_by(2).cloned().collect();
    fewer.push("db-9".to_string());
    let some = shard_of(&fewer);
    for (h, k) in &some {
        if let Some(before) = all.get(h) {
            assert_eq!(before, k, "{h} moved");
        }
    }
    assert!(
        all.values()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            >= 3,
        "hosts spread: {all:?}"
    );
}

#[test]
fn auto_reads_the_kubernetes_job_completion_index() {
    let f = fixture();
    for index in 0..3 {
        let auto = run_env(
            f.path(),
            &["check", "--shard", "auto/3", "--format", "json"],
            &[("JOB_COMPLETION_INDEX", &index.to_string())],
        );
        let fixed = f.run(&[
            "check",
            "--shard",
            &format!("{}/3", index + 1),
            "--format",
            "json",
        ]);
        assert_eq!(auto.code, fixed.code);
        assert_eq!(hosts_of(&auto.json()), hosts_of(&fixed.json()));
    }
    let env = run_env(
        f.path(),
        &["check", "--format", "json"],
        &[("CONFDRIFT_SHARD", "2/3")],
    );
    let flag = f.run(&["check", "--shard", "2/3", "--format", "json"]);
    assert_eq!(hosts_of(&env.json()), hosts_of(&flag.json()));

    let unset = f.run(&["check", "--shard", "auto/3"]);
    assert_eq!(unset.code, 2);
    assert!(
        unset.stderr.contains("JOB_COMPLETION_INDEX is not set"),
        "{}",
        unset.stderr
    );
    let out_of_range = run_env(
        f.path(),
        &["check", "--shard", "auto/3"],
        &[("JOB_COMPLETION_INDEX", "3")],
    );
    assert_eq!(out_of_range.code, 2);
    assert!(
        out_of_range
            .stderr
            .contains("JOB_COMPLETION_INDEX=\"3\"; expected 0 to 2"),
        "{}",
        out_of_range.stderr
    );
    for bad in ["0/3", "4/3", "1/0", "half", "auto/none"] {
        let out = f.run(&["check", "--shard", bad]);
        assert_eq!(out.code, 2, "{bad}");
        assert!(
            out.stderr.contains("expected K/N with 1 <= K <= N"),
            "{bad}: {}",
            out.stderr
        );
    }
}

#[test]
fn merged_shards_keep_their_state_marks_for_fail_on_new() {
    let f = fixture();
    let run = |k: u32| {
        let out = f.run(&[
            "check",
            "--shard",
            &format!("{k}/2"),
            "--state",
            &format!("state-{k}.json"),
            "--format",
            "json",
            "--output",
            &format!("s{k}.json"),
        ]);
        assert!(out.code <= 2, "{}", out.stderr);
    };
    run(1);
    run(2);
    let first = f.run(&[
        "merge",
        "--fail-on",
        "new",
        "--format",
        "json",
        "s1.json",
        "s2.json",
    ]);
    assert_eq!(first.code, 2, "app-3 is still unreachable");
    let statuses: Vec<String> = first.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses.len(), 8);
    assert!(statuses.iter().all(|s| s == "new"), "{statuses:?}");

    // app-3 back and clean, nothing new: the merge passes --fail-on new despite known drift.
    f.live(
        "app-3",
        "/etc/app/app.yml",
        std::fs::read_to_string(f.path().join("fleet/app-1/etc/app/app.yml")).unwrap(),
    );
    f.live("app-3", "/etc/app/extra.conf", "a = 1\n");
    run(1);
    run(2);
    let again = f.run(&["merge", "--fail-on", "new", "s1.json", "s2.json"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(
        again
            .stdout
            .contains("8 findings (0 critical, 8 warning, 0 info), 0 new"),
        "{}",
        again.stdout
    );
    assert_eq!(f.run(&["merge", "s1.json", "s2.json"]).code, 1);
}

/// Every scenario with checks across hosts, sharded three ways and merged: the findings and
/// the exit status are the unsharded run's, capacity sums and outliers included.
#[test]
fn merged_shards_run_the_checks_across_hosts_over_the_whole_fleet() {
    for name in [
        "autoscaled-pools",
        "quiet-outlier",
        "include-override",
        "pool-too-low",
    ] {
        let f = crate::rules::scenario(name);
        let whole = f.run(&["check", "--format", "json"]);
        let names = shards(&f, 3);
        for n in &names {
            let text = std::fs::read_to_string(f.path().join(n)).unwrap();
            assert_valid(&serde_json::from_str(&text).unwrap());
        }
        let mut args = vec!["merge", "--format", "json"];
        args.extend(names.iter().map(String::as_str));
        let merged = f.run(&args);
        assert_eq!(merged.code, whole.code, "{name}: {}", merged.stderr);
        let (w, m) = (whole.json(), merged.json());
        assert_valid(&m);
        assert_eq!(m["findings"], w["findings"], "{name}");
        assert_eq!(m["errors"], w["errors"], "{name}");
        assert!(
            w["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["kind"] == "capacity" || x["kind"] == "outlier")
                || name == "pool-too-low"
                || name == "include-override",
            "{name}: the scenario has checks across hosts"
        );
        assert!(m.get("facts").is_none(), "{name}: facts are for merge only");
    }
}
