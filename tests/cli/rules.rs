//! Rules on the outage scenarios of `fixtures/scenarios/`, and on small fleets built here:
//! each finding's kind, severity, message and the exit status.

use crate::harness::{Fleet, app_config, kinds};
use serde_json::Value;
use std::path::Path;

/// A scenario copied into a temporary git repository with its baseline committed.
pub(crate) fn scenario(name: &str) -> Fleet {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios")
        .join(name);
    let config = std::fs::read_to_string(src.join("confdrift.toml")).unwrap();
    let fleet = Fleet::new(&config);
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(&src).unwrap().to_str().unwrap();
            fleet.write(rel, std::fs::read(entry.path()).unwrap());
        }
    }
    fleet.commit("scenario");
    fleet
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

#[test]
fn a_pool_far_too_low_on_one_host_is_critical() {
    let fleet = scenario("pool-too-low");
    let out = fleet.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let f = findings(&r);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["host"], "app-2");
    assert_eq!(f[0]["key"], "production.pool");
    assert_eq!(f[0]["kind"], "changed");
    assert_eq!(f[0]["severity"], "critical");
    assert_eq!(f[0]["baseline"], 40);
    assert_eq!(f[0]["live"], 2);
    assert_eq!(f[0]["line"], 5);
    assert_eq!(f[0]["rule"], "production.pool in [10, 100]");
    assert_eq!(f[0]["message"], "pool 2 is below the minimum 10");
    assert!(f[0]["hint"].as_str().unwrap().contains("time out"));
    // Critical is at or above every threshold.
    assert_eq!(fleet.run(&["check", "--fail-on", "critical"]).code, 1);
    let text = fleet.run(&["check"]).stdout;
    assert!(text.contains("1 critical"), "{text}");
    assert!(
        text.contains("why      pool 2 is below the minimum 10"),
        "{text}"
    );
    assert!(text.contains("hint     requests queue"), "{text}");
}

#[test]
fn pools_of_a_grown_app_tier_exceeding_max_connections_is_a_capacity_finding() {
    let fleet = scenario("autoscaled-pools");
    let out = fleet.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let f = findings(&r);
    assert_eq!(f.len(), 1, "no host drifted; only the sum is wrong: {f:#?}");
    assert_eq!(f[0]["kind"], "capacity");
    assert_eq!(f[0]["severity"], "critical");
    assert_eq!(f[0]["host"], "db-1");
    assert_eq!(f[0]["key"], "max_connections");
    assert_eq!(f[0]["live"], 200);
    assert_eq!(
        (&f[0]["baseline"], &f[0]["baseline_line"]),
        (&200.into(), &2.into()),
        "the baseline's value beside the live one"
    );
    assert_eq!(f[0]["rule"], "client pools fit in PostgreSQL");
    assert_eq!(
        f[0]["message"],
        "40 + 40 + 40 + 120 + 5×4 = 260 > max_connections 200 − superuser_reserved_connections 3 = 197; largest: batch-1 (120)"
    );

    // Scale the web tier down to two hosts and the batch pool to 80: 40 + 40 + 80 + 20 = 180 fits.
    fleet.write(
        "confdrift.toml",
        std::fs::read_to_string(fleet.path().join("confdrift.toml"))
            .unwrap()
            .replace(r#"["web-1", "web-2", "web-3"]"#, r#"["web-1", "web-2"]"#),
    );
    let props = "/etc/batch/application.properties";
    let text = "spring.datasource.url=jdbc:postgresql://db-1:5432/batch\nspring.datasource.hikari.maximum-pool-size=80\n";
    fleet.live("batch-1", props, text);
    fleet.group_baseline("batch", props, text);
    fleet.commit("smaller");
    let out = fleet.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn a_capacity_check_that_cannot_read_a_host_says_so() {
    let fleet = scenario("autoscaled-pools");
    // web-2's file no longer sets the pool, and the demand has no default: trouble, named.
    fleet.live(
        "web-2",
        "/etc/myapp/database.yml",
        "production:\n  adapter: postgresql\n",
    );
    let out = fleet.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 2);
    let r = out.json();
    let errors = r["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e["host"] == "web-2"
            && e["message"]
                .as_str()
                .unwrap()
                .contains("sets no production.pool; give the capacity check a `default`")),
        "{errors:#?}"
    );
}

#[test]
fn one_host_quietly_different_from_its_peers_is_an_outlier_without_any_baseline() {
    let fleet = scenario("quiet-outlier");
    let out = fleet.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let outliers: Vec<(String, String, String)> = findings(&r)
        .iter()
        .filter(|f| f["kind"] == "outlier")
        .map(|f| {
            (
                f["host"].as_str().unwrap().to_string(),
                f["key"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        outliers,
        vec![
            (
                "cache-4".into(),
                "maxclients".into(),
                "differs from 3 of 4 hosts of group cache, which have 10000".into()
            ),
            (
                "cache-4".into(),
                "maxmemory".into(),
                "differs from 3 of 4 hosts of group cache, which have 2gb".into()
            ),
        ],
        "cache-3 only reorders and respaces: not an outlier"
    );
    let f = findings(&r)
        .iter()
        .find(|f| f["key"] == "maxmemory")
        .unwrap();
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["live"], "64mb");
    assert_eq!(f["line"], 3);
}

#[test]
fn outliers_need_a_majority_and_respect_ignore() {
    let conf = "port 6379\nmaxmemory 2gb\n";
    let mut config = app_config(&["a", "b", "c", "d"], &["/etc/redis/redis.conf"]);
    config.push_str("[[rule]]\nkey = \"maxmemory\"\nignore = true\n");
    let fleet = Fleet::new(&config);
    fleet.write("baselines/README", "empty\n");
    for (h, port) in [("a", 1), ("b", 1), ("c", 2), ("d", 2)] {
        fleet.live(
            h,
            "/etc/redis/redis.conf",
            conf.replace("6379", &format!("{port}")),
        );
    }
    fleet.live("d", "/etc/redis/redis.conf", "port 2\nmaxmemory 1mb\n");
    fleet.commit("c");
    let r = fleet.run(&["check", "--format", "json"]).json();
    let got: Vec<_> = kinds(&r).into_iter().filter(|k| k.3 == "outlier").collect();
    assert!(
        got.is_empty(),
        "2 against 2 is no majority; maxmemory is ignored: {got:?}"
    );
}

#[test]
fn a_baseline_commit_that_breaks_a_rule_fails_lint_and_the_one_before_passes() {
    let fleet = scenario("baseline-breaks-rule");
    let good = fleet.git(&["rev-parse", "HEAD"]).trim().to_string();
    let out = fleet.run(&["lint"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    fleet.group_baseline(
        "app",
        "/etc/myapp/database.yml",
        "production:\n  adapter: postgresql\n  pool: 4\n",
    );
    fleet.group_baseline(
        "app",
        "/etc/postgresql/15/main/postgresql.conf",
        "max_connections = 100\nshared_buffers = 16GB\n",
    );
    fleet.commit("tune the pool");
    let out = fleet.run(&["lint", "--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = out.json();
    let f = findings(&r);
    assert_eq!(
        f.len(),
        2,
        "a group file's finding is reported once, not per host: {f:#?}"
    );
    let pool = f.iter().find(|f| f["key"] == "production.pool").unwrap();
    assert_eq!(pool["kind"], "out_of_range");
    assert_eq!(pool["severity"], "critical");
    assert_eq!(pool["host"], Value::Null);
    assert_eq!(pool["baseline"], 4);
    assert_eq!(pool["live"], Value::Null);
    assert_eq!(pool["baseline_line"], 3);
    assert_eq!(
        pool["baseline_file"],
        "baselines/groups/app/etc/myapp/database.yml"
    );
    assert_eq!(
        pool["message"],
        "the baseline's pool 4 is below the minimum 10"
    );
    // 16GB of 8 kB pages is above "8GB", read in the setting's own unit.
    let sb = f.iter().find(|f| f["key"] == "shared_buffers").unwrap();
    assert_eq!(sb["severity"], "warning");
    assert_eq!(
        sb["message"],
        "the baseline's shared_buffers 16GB is above the maximum 8GB"
    );

    // The older commit passes; check at HEAD reports the bad baseline on every host too.
    assert_eq!(fleet.run(&["lint", "--baseline-ref", &good]).code, 0);
    let r = fleet.run(&["check", "--format", "json"]).json();
    let hosts: Vec<_> = findings(&r)
        .iter()
        .filter(|f| f["key"] == "production.pool")
        .map(|f| (f["host"].clone(), f["kind"].clone(), f["message"].clone()))
        .collect();
    assert_eq!(hosts.len(), 2, "{hosts:?}");
    assert!(hosts.iter().all(|(_, k, _)| k == "changed"), "{hosts:?}");
    assert!(
        hosts
            .iter()
            .all(|(_, _, m)| m == "the baseline's pool 4 is below the minimum 10"),
        "live 40 is fine; the baseline is not: {hosts:?}"
    );
}

#[test]
fn unique_values_must_differ_per_host() {
    let mut config = app_config(&["db-1", "db-2", "db-3"], &["/etc/mysql/my.cnf"]);
    config.push_str(
        "[[rule]]\nfile = \"/etc/mysql/my.cnf\"\nkey = \"mysqld.server_id\"\nunique = true\nseverity = \"critical\"\n",
    );
    let fleet = Fleet::new(&config);
    for (h, id) in [("db-1", 1), ("db-2", 2), ("db-3", 1)] {
        let text = format!("[mysqld]\nserver-id = {id}\nmax_connections = 500\n");
        fleet.live(h, "/etc/mysql/my.cnf", &text);
        fleet.host_baseline(h, "/etc/mysql/my.cnf", &text);
    }
    fleet.commit("c");
    let out = fleet.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1);
    let r = out.json();
    let got: Vec<_> = findings(&r)
        .iter()
        .map(|f| {
            (
                f["host"].as_str().unwrap(),
                f["kind"].as_str().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "db-1",
                "violation",
                "server_id 1 is also set on db-3; it must differ on every host"
            ),
            (
                "db-3",
                "violation",
                "server_id 1 is also set on db-1; it must differ on every host"
            ),
        ]
    );
    // lint sees the same in the baseline.
    let out = fleet.run(&["lint", "--format", "json"]);
    assert_eq!(out.code, 1);
    assert_eq!(findings(&out.json()).len(), 2);
}

#[test]
fn ignore_tolerance_and_severity_shape_plain_drift() {
    let mut config = app_config(&["app-1"], &["/etc/app.yml"]);
    config.push_str(concat!(
        "[[rule]]\nkey = \"build.timestamp\"\nignore = true\n",
        "[[rule]]\nkey = \"cache.size\"\ntolerance = \"10%\"\n",
        "[[rule]]\nkey = \"timeouts.*\"\ntolerance = \"5s\"\n",
        "[[rule]]\nkey = \"log.level\"\nseverity = \"info\"\n",
        "[[rule]]\nkey = \"db.pool\"\nseverity = \"critical\"\nhint = \"see runbook 7\"\n",
    ));
    let fleet = Fleet::new(&config);
    fleet.group_baseline(
        "app",
        "/etc/app.yml",
        "build: {timestamp: 1}\ncache: {size: 1000}\ntimeouts: {read: 30s}\nlog: {level: warn}\ndb: {pool: 10}\n",
    );
    fleet.live(
        "app-1",
        "/etc/app.yml",
        "build: {timestamp: 2}\ncache: {size: 1090}\ntimeouts: {read: 34s}\nlog: {level: debug}\ndb: {pool: 11}\n",
    );
    fleet.commit("c");
    let r = fleet.run(&["check", "--format", "json"]).json();
    let got: Vec<_> = findings(&r)
        .iter()
        .map(|f| (f["key"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(got, vec![("db.pool", "critical"), ("log.level", "info")]);
    let pool = &findings(&r)[0];
    assert_eq!(pool["hint"], "see runbook 7");
    assert_eq!(pool["rule"], "db.pool is critical");
    // db.pool's drift is critical, so even --fail-on critical fails.
    assert_eq!(fleet.run(&["check", "--fail-on", "critical"]).code, 1);

    // Beyond the tolerance it is drift again.
    fleet.live(
        "app-1",
        "/etc/app.yml",
        "build: {timestamp: 2}\ncache: {size: 1200}\ntimeouts: {read: 36s}\nlog: {level: warn}\ndb: {pool: 10}\n",
    );
    let r = fleet.run(&["check", "--format", "json"]).json();
    let keys: Vec<_> = findings(&r)
        .iter()
        .map(|f| f["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys, vec!["cache.size", "timeouts.read"]);
    assert_eq!(fleet.run(&["check", "--fail-on", "critical"]).code, 0);
}

#[test]
fn one_of_pattern_required_and_secret_rules() {
    let mut config = app_config(&["app-1"], &["/etc/app.properties"]);
    config.push_str(concat!(
        "[[rule]]\nkey = \"log.level\"\none_of = [\"info\", \"warn\", \"error\"]\n",
        "[[rule]]\nkey = \"db.url\"\npattern = \"jdbc:postgresql://[a-z0-9.-]+:5432/.*\"\nseverity = \"critical\"\n",
        "[[rule]]\nkey = \"db.pool\"\nrequired = true\n",
        "[[rule]]\nkey = \"db.pin\"\nsecret = true\npattern = \"[0-9]{6}\"\n",
    ));
    let fleet = Fleet::new(&config);
    let base =
        "log.level=info\ndb.url=jdbc:postgresql://db-1:5432/app\ndb.pool=10\ndb.pin=123456\n";
    fleet.group_baseline("app", "/etc/app.properties", base);
    fleet.live(
        "app-1",
        "/etc/app.properties",
        "log.level=trace\ndb.url=jdbc:postgresql://db-1:6432/app\ndb.pin=98765x\n",
    );
    fleet.commit("c");
    let out = fleet.run(&["check", "--format", "json"]);
    assert!(
        !out.stdout.contains("98765x") && !out.stdout.contains("123456"),
        "{}",
        out.stdout
    );
    let r = out.json();
    let got: Vec<_> = findings(&r)
        .iter()
        .map(|f| {
            (
                f["key"].as_str().unwrap(),
                f["kind"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "db.pin",
                "changed",
                "warning",
                "pin [redacted] does not match [0-9]{6}"
            ),
            (
                "db.pool",
                "removed",
                "warning",
                "required key db.pool is missing"
            ),
            (
                "db.url",
                "changed",
                "critical",
                "url jdbc:postgresql://db-1:6432/app does not match jdbc:postgresql://[a-z0-9.-]+:5432/.*"
            ),
            (
                "log.level",
                "changed",
                "warning",
                "level trace is not one of [info, warn, error]"
            ),
        ]
    );
}

#[test]
fn waivers_hide_until_they_expire_and_then_say_so() {
    let waiver = |expires: &str| {
        let mut c = app_config(&["app-1", "app-2"], &["/etc/app.yml"]);
        c.push_str(&format!(
            "[[waiver]]\nhost = \"app-2\"\nkey = \"db.pool\"\nreason = \"load test\"\nowner = \"alice\"\nexpires = {expires}\n"
        ));
        c
    };
    let fleet = Fleet::new(&waiver("2999-12-31"));
    fleet.group_baseline("app", "/etc/app.yml", "db: {pool: 10}\n");
    fleet.live("app-1", "/etc/app.yml", "db: {pool: 10}\n");
    fleet.live("app-2", "/etc/app.yml", "db: {pool: 99}\n");
    fleet.commit("c");
    let out = fleet.run(&["check"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("1 finding waived until 2999-12-31"),
        "{}",
        out.stdout
    );

    fleet.write("confdrift.toml", waiver("2000-01-31"));
    let out = fleet.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1);
    let r = out.json();
    let f = &findings(&r)[0];
    assert_eq!(f["host"], "app-2");
    assert_eq!(
        f["message"],
        "changed from 10 to 99 (waiver expired on 2000-01-31: load test; owner alice)"
    );
}

#[test]
fn bad_rules_are_named_with_their_line() {
    let cases = [
        (
            "[[rule]]\nkey = \"a\"\nmin = \"lots\"\n",
            "min = \"lots\": expected a number or a quantity",
        ),
        (
            "[[rule]]\nkey = \"a\"\npattern = \"(\"\n",
            "pattern \"(\" is not a valid regular expression",
        ),
        ("[[rule]]\nkey = \"a\"\nmaxx = 3\n", "unknown field `maxx`"),
        ("[[rule]]\nkey = \"a\"\n", "does nothing"),
        (
            "[[rule]]\nkey = \"a\"\nmin = 5\nmax = 1\n",
            "min 5 is above max 1",
        ),
        (
            "[[capacity]]\nname = \"x\"\ndemand = { group = \"app\", file = \"/etc/other.yml\", key = \"pool\" }\nsupply = { group = \"app\", file = \"/etc/app.yml\", key = \"max\" }\n",
            "reads /etc/other.yml on group \"app\", but that group does not list the file",
        ),
        (
            "[[waiver]]\nkey = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"someday\"\n",
            "expected a date",
        ),
    ];
    for (extra, expected) in cases {
        let mut config = app_config(&["app-1"], &["/etc/app.yml"]);
        config.push('\n');
        config.push_str(extra);
        let fleet = Fleet::new(&config);
        let out = fleet.run(&["lint"]);
        assert_eq!(out.code, 2, "{extra}");
        assert!(out.stderr.contains(expected), "{extra}\n{}", out.stderr);
        if !expected.contains("unknown field") && !expected.contains("reads") {
            assert!(
                out.stderr.contains("at line 8"),
                "names the table's line: {}",
                out.stderr
            );
        }
    }
}

#[test]
fn pgbouncer_pools_against_clients_and_against_postgresql() {
    let config = r#"
[[group]]
name = "app"
hosts = ["app-1", "app-2"]
transport = "dir"
root = "fleet"
files = ["/etc/myapp/database.yml"]

[[group]]
name = "db"
hosts = ["db-1"]
transport = "dir"
root = "fleet"
files = ["/etc/pgbouncer/pgbouncer.ini", "/etc/postgresql/15/main/postgresql.conf"]

[[capacity]]
name = "app pools fit in pgbouncer"
demand = { group = "app", file = "/etc/myapp/database.yml", key = "production.pool" }
supply = { group = "db", file = "/etc/pgbouncer/pgbouncer.ini", key = "pgbouncer.max_client_conn" }

[[capacity]]
name = "pgbouncer server pools fit in PostgreSQL"
per_host = true
demand = { group = "db", file = "/etc/pgbouncer/pgbouncer.ini", key = "pgbouncer.default_pool_size", multiplier = { count = "databases.*" } }
supply = { group = "db", file = "/etc/postgresql/15/main/postgresql.conf", key = "max_connections", reserve = { key = "superuser_reserved_connections", default = 3 } }
"#;
    let fleet = Fleet::new(config);
    let pool = "production:\n  pool: 400\n";
    let ini = "[databases]\napp = host=127.0.0.1 dbname=app\nreports = host=127.0.0.1 dbname=reports\n\n[pgbouncer]\nmax_client_conn = 600\ndefault_pool_size = 60\n";
    let pg = "max_connections = 100\n";
    for h in ["app-1", "app-2"] {
        fleet.live(h, "/etc/myapp/database.yml", pool);
    }
    fleet.group_baseline("app", "/etc/myapp/database.yml", pool);
    fleet.live("db-1", "/etc/pgbouncer/pgbouncer.ini", ini);
    fleet.group_baseline("db", "/etc/pgbouncer/pgbouncer.ini", ini);
    fleet.live("db-1", "/etc/postgresql/15/main/postgresql.conf", pg);
    fleet.group_baseline("db", "/etc/postgresql/15/main/postgresql.conf", pg);
    fleet.commit("c");
    let out = fleet.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let got: Vec<_> = findings(&r)
        .iter()
        .map(|f| (f["key"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "pgbouncer.max_client_conn",
                "400 + 400 = 800 > pgbouncer.max_client_conn 600; largest: app-1 (400)"
            ),
            (
                "max_connections",
                "60×2 = 120 > max_connections 100 − superuser_reserved_connections 3 = 97"
            ),
        ]
    );
    // The same checks hold the baseline to account in lint.
    let out = fleet.run(&["lint", "--format", "json"]);
    assert_eq!(out.code, 1);
    let r = out.json();
    assert_eq!(findings(&r).len(), 2);
    assert_eq!(findings(&r)[0]["baseline"], 600);
    assert_eq!(findings(&r)[0]["live"], Value::Null);
}

#[test]
fn accept_refuses_a_state_that_breaks_a_critical_rule_unless_forced() {
    use crate::baseline_repo::{KEY, commit_count, fsck, run_env, show, with_identity};
    let mut config = app_config(&["app-1", "app-2"], &["/etc/app.yml"]);
    config.push_str(concat!(
        "[[rule]]\nkey = \"db.pool\"\nmin = 10\nseverity = \"critical\"\n",
        "[[rule]]\nkey = \"**.api_pin\"\nsecret = true\n",
    ));
    let fleet = Fleet::new(&config);
    with_identity(&fleet);
    fleet.write(".gitignore", "fleet/\n"); // the live files are the hosts', not the repository's
    fleet.group_baseline("app", "/etc/app.yml", "db: {pool: 40}\n");
    for h in ["app-1", "app-2"] {
        fleet.live(
            h,
            "/etc/app.yml",
            "db: {pool: 2}\nauth: {api_pin: 864209}\n",
        );
    }
    fleet.commit("c");
    let before = commit_count(&fleet);
    let env = [("CONFDRIFT_SECRET_KEY", KEY)];
    let out = run_env(
        fleet.path(),
        &["accept", "--group", "app", "-m", "hotfix"],
        &env,
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("would break critical rules"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("baselines/groups/app/etc/app.yml:1: db.pool: the baseline's pool 2 is below the minimum 10"),
        "{}",
        out.stderr
    );
    assert_eq!(commit_count(&fleet), before, "nothing recorded");

    let out = run_env(
        fleet.path(),
        &["accept", "--group", "app", "-m", "hotfix", "--force"],
        &env,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    assert_eq!(commit_count(&fleet), before + 1);
    fsck(&fleet);
    // The rule-declared secret went in as a fingerprint, never in clear.
    let stored = show(&fleet, "HEAD", "baselines/groups/app/etc/app.yml").unwrap();
    assert!(stored.contains("hmac-sha256:"), "{stored}");
    assert!(!stored.contains("864209"), "{stored}");
    let objects = fleet.git(&["rev-list", "--objects", "--all"]);
    for line in objects.lines() {
        let id = line.split(' ').next().unwrap();
        let body = fleet.git(&["cat-file", "-p", id]);
        assert!(!body.contains("864209"), "object {line} holds the secret");
    }
    // And the check that follows reports the critical pool, with the pin matched, not shown.
    let out = run_env(fleet.path(), &["check", "--format", "json"], &env);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stdout.contains("864209"));
    let r = out.json();
    let got: Vec<_> = findings(&r)
        .iter()
        .map(|f| {
            (
                f["host"].as_str().unwrap(),
                f["kind"].as_str().unwrap(),
                f["key"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("app-1", "out_of_range", "db.pool"),
            ("app-2", "out_of_range", "db.pool")
        ]
    );
}

#[test]
fn a_setting_overridden_through_include_dir_is_judged_by_the_value_the_server_runs_with() {
    let fleet = scenario("include-override");
    let conf = "/etc/postgresql/15/main/postgresql.conf";
    let tuning = "/etc/postgresql/15/main/conf.d/50-tuning.conf";
    let out = fleet.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let f = findings(&r);
    assert_eq!(f.len(), 3, "{f:#?}");

    // The hand edit in postgresql.conf is drift, but the server never reads it.
    let raised = f.iter().find(|f| f["file"] == conf).unwrap();
    assert_eq!(raised["kind"], "changed");
    assert_eq!(raised["severity"], "warning");
    assert_eq!(
        (raised["baseline"].clone(), raised["live"].clone()),
        (200.into(), 300.into())
    );
    assert_eq!(
        raised["message"],
        format!("changed from 200 to 300; no effect on the host: {tuning} line 3 sets it later")
    );

    // The value it runs with breaks the rule on postgresql.conf: named at conf.d's line, folded
    // into that file's own drift.
    let low = f
        .iter()
        .find(|f| f["file"] == tuning && f["kind"] == "added")
        .unwrap();
    assert_eq!(low["key"], "max_connections");
    assert_eq!(low["severity"], "critical");
    assert_eq!(low["live"], 60);
    assert_eq!(low["line"], 3);
    assert_eq!(low["rule"], "max_connections >= 100");
    assert_eq!(
        low["message"],
        format!(
            "max_connections 60 is below the minimum 100 (read through an include of {conf}); the baseline sets it in {conf} line 4"
        )
    );

    // And the capacity check adds up against 60, not against 200 or 300.
    let cap = f.iter().find(|f| f["kind"] == "capacity").unwrap();
    assert_eq!(
        (cap["file"].clone(), cap["line"].clone()),
        (tuning.into(), 3.into())
    );
    assert_eq!(
        cap["message"],
        format!(
            "40 + 40 = 80 > max_connections 60 − superuser_reserved_connections 3 = 57; largest: web-1 (40); max_connections is set in {tuning}, included by {conf}"
        )
    );
    let text = fleet.run(&["check"]).stdout;
    assert!(text.contains("no effect on the host"), "{text}");

    // Without the include, the host runs with postgresql.conf's 300: only plain drift is left.
    fleet.write(
        &format!("fleet/db-1{conf}"),
        std::fs::read_to_string(fleet.path().join(format!("fleet/db-1{conf}")))
            .unwrap()
            .replace("include_dir = 'conf.d'", "#include_dir = 'conf.d'"),
    );
    let r = fleet.run(&["check", "--format", "json"]).json();
    let kinds: Vec<_> = findings(&r)
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap(),
                f["key"].as_str().unwrap(),
                f["kind"].as_str().unwrap(),
            )
        })
        .collect();
    // The server no longer reads conf.d: its work_mem and maintenance_work_mem stop applying
    // too, each named where the value it ran with or runs with now is set.
    assert_eq!(
        kinds,
        [
            (tuning, "maintenance_work_mem", "removed"),
            (tuning, "max_connections", "added"),
            (conf, "max_connections", "changed"),
            (conf, "work_mem", "changed"),
        ],
        "{r:#}"
    );
    assert!(
        findings(&r).iter().all(|f| f["severity"] == "warning"),
        "{r:#}"
    );
    // The directive itself is said once, as the cause: the findings are what it changed.
    assert!(
        r["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains(&format!(
                "{conf}: include directives changed: include_dir[0] removed (line 9)"
            ))),
        "{r:#}"
    );

    // lint follows the baseline's includes the same way: the baseline's conf.d setting 60
    // breaks the rule on postgresql.conf, said once for the group.
    fleet.group_baseline("db", tuning, "work_mem = 16MB\nmax_connections = 60\n");
    fleet.commit("tune");
    let out = fleet.run(&["lint", "--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = out.json();
    let broken: Vec<_> = findings(&r)
        .iter()
        .filter(|f| f["kind"] == "out_of_range")
        .collect();
    assert_eq!(broken.len(), 1, "{r:#}");
    assert_eq!(broken[0]["file"], tuning);
    assert_eq!(broken[0]["host"], Value::Null);
    assert_eq!(broken[0]["baseline"], 60);
    assert_eq!(broken[0]["baseline_line"], 2);
    assert_eq!(
        broken[0]["baseline_file"],
        "baselines/groups/db/etc/postgresql/15/main/conf.d/50-tuning.conf"
    );
    let cap = findings(&r)
        .iter()
        .find(|f| f["kind"] == "capacity")
        .unwrap();
    assert_eq!(cap["file"], tuning);
}

#[test]
fn rule_keys_are_read_the_way_the_file_reads_keys() {
    let sshd = "/etc/ssh/sshd_config";
    let cnf = "/etc/mysql/mariadb.conf.d/50-server.cnf";
    let f = Fleet::new(&format!(
        "{}\n[[rule]]\nkey = \"PermitRootLogin\"\none_of = [\"no\", \"prohibit-password\"]\nseverity = \"critical\"\n\n\
         [[rule]]\nfile = \"{cnf}\"\nkey = \"MySQLd.max-connections\"\nmin = 100\n",
        app_config(&["db-1"], &[sshd, cnf])
    ));
    f.group_baseline("app", sshd, "PermitRootLogin no\n");
    f.group_baseline("app", cnf, "[mysqld]\nmax_connections = 200\n");
    f.commit("Intended state");
    f.live("db-1", sshd, "PermitRootLogin yes\n");
    f.live("db-1", cnf, "[mysqld]\nmax-connections = 20\n");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let got: Vec<(String, String, String)> = findings(&r)
        .iter()
        .map(|x| {
            (
                x["key"].as_str().unwrap().to_string(),
                x["severity"].as_str().unwrap().to_string(),
                x["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "mysqld.max_connections".to_string(),
                "warning".to_string(),
                "max_connections 20 is below the minimum 100".to_string()
            ),
            (
                "permitrootlogin".to_string(),
                "critical".to_string(),
                "permitrootlogin yes is not one of [no, prohibit-password]".to_string()
            ),
        ]
    );
}

#[test]
fn selecting_hosts_narrows_the_report_not_the_guard_rails() {
    let fleet = scenario("autoscaled-pools");
    let full = "40 + 40 + 40 + 120 + 5×4 = 260 > max_connections 200 − superuser_reserved_connections 3 = 197; largest: batch-1 (120)";
    for selection in [
        vec!["--group", "db"],
        vec!["--group", "db", "--host", "web-1"],
        vec!["--host", "web-1"],
        vec!["--group", "web"],
    ] {
        let mut args = vec!["check", "--format", "json"];
        args.extend(&selection);
        let out = fleet.run(&args);
        assert_eq!(out.code, 1, "{selection:?}: {}", out.stdout);
        let r = out.json();
        let f = findings(&r);
        assert_eq!(f.len(), 1, "{selection:?}: {f:#?}");
        assert_eq!(
            (&f[0]["kind"], &f[0]["message"]),
            (&"capacity".into(), &full.into()),
            "{selection:?}: the sum over every host, whatever is selected"
        );
        assert!(
            r["errors"].as_array().unwrap().is_empty(),
            "{selection:?}: {}",
            r["errors"]
        );
    }
    // The hosts read for the sum are not reported as checked.
    let r = fleet
        .run(&["check", "--format", "json", "--host", "web-1"])
        .json();
    assert_eq!(r["summary"]["hosts"], 1, "{r}");
    // A host the sum needs but cannot read is trouble, named, for a selection that needs it.
    fleet.live(
        "web-2",
        "/etc/myapp/database.yml",
        "production:\n  adapter: postgresql\n",
    );
    let out = fleet.run(&["check", "--format", "json", "--group", "db"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    let r = out.json();
    assert!(
        r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["host"] == "web-2"
                && e["message"]
                    .as_str()
                    .unwrap()
                    .contains("sets no production.pool")),
        "{}",
        r["errors"]
    );
}

#[test]
fn lint_checks_the_edits_about_to_be_committed_and_says_so() {
    let fleet = scenario("baseline-breaks-rule");
    // Edited, not committed: lint reads the work tree, says so, and fails.
    fleet.group_baseline(
        "app",
        "/etc/myapp/database.yml",
        "production:\n  adapter: postgresql\n  pool: 4\n",
    );
    let out = fleet.run(&["lint", "--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = out.json();
    assert!(
        r["notices"][0]
            .as_str()
            .unwrap()
            .starts_with("linting the work tree: 1 uncommitted change under baselines"),
        "{}",
        r["notices"]
    );
    assert_eq!(r["baseline"]["ref"], "work tree");
    let f = findings(&r);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (&f[0]["key"], &f[0]["baseline_line"]),
        (&"production.pool".into(), &3.into())
    );
    let text = fleet.run(&["lint"]);
    assert!(
        text.stdout.contains("linting the work tree"),
        "{}",
        text.stdout
    );
    // The last commit, when asked for.
    assert_eq!(fleet.run(&["lint", "--baseline-ref", "HEAD"]).code, 0);
    // Once committed, there is nothing to say: HEAD is linted.
    fleet.commit("tune the pool");
    let out = fleet.run(&["lint", "--format", "json"]);
    assert_eq!(out.code, 1);
    assert!(out.json()["notices"].is_null(), "{}", out.stdout);
}

#[test]
fn a_constant_reserve_reads_as_a_number_once() {
    let fleet = scenario("autoscaled-pools");
    let config = std::fs::read_to_string(fleet.path().join("confdrift.toml")).unwrap();
    let fixed = config.replace(
        r#"reserve = { key = "superuser_reserved_connections", default = 3 }"#,
        "reserve = 3",
    );
    assert_ne!(fixed, config, "the scenario has a keyed reserve");
    fleet.write("confdrift.toml", fixed);
    let r = fleet.run(&["check", "--format", "json"]).json();
    assert_eq!(
        findings(&r)[0]["message"],
        "40 + 40 + 40 + 120 + 5×4 = 260 > max_connections 200 − 3 = 197; largest: batch-1 (120)"
    );
}

#[test]
fn a_rule_key_no_file_of_its_format_can_hold_is_a_lint_error() {
    let conf = "/etc/postgresql/15/main/postgresql.conf";
    let f = Fleet::new(&format!(
        "{}\n[[rule]]\nfile = \"{conf}\"\nkey = \"max-connections\"\nmin = 100\n",
        app_config(&["db-1"], &[conf])
    ));
    f.group_baseline("app", conf, "max_connections = 200\n");
    f.commit("Intended state");
    let out = f.run(&["lint", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    let r = out.json();
    let e = &r["errors"][0];
    assert!(
        e["file"].as_str().unwrap().ends_with("confdrift.toml"),
        "{e}"
    );
    assert_eq!(e["line"], 8, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("names the key \"max-connections\", which no pgconf file can hold"),
        "{e}"
    );
}

/// Debian's MariaDB files (mariadb-common, mariadb-server 10.11) on two hosts, `mariadb.cnf`
/// as `/etc/mysql/my.cnf`, 50-server.cnf edited per host by `edit`; rules and a capacity
/// check on my.cnf, which reads the others through `!includedir`.
fn mariadb_fleet(edit: &dyn Fn(&str, String) -> String) -> Fleet {
    let upstream = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/upstream");
    let main = std::fs::read_to_string(format!("{upstream}/mariadb-common/mariadb.cnf")).unwrap();
    let server =
        std::fs::read_to_string(format!("{upstream}/mariadb-server/50-server.cnf")).unwrap();
    let fleet = Fleet::new(
        "[[group]]\nname = \"db\"\nhosts = [\"db-1\", \"db-2\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
         version = \"10.11\"\nfiles = [\"/etc/mysql/my.cnf\", \"/etc/mysql/mariadb.conf.d/*.cnf\"]\n\n\
         [[group]]\nname = \"app\"\nhosts = [\"app-1\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
         files = [\"/etc/app/database.yml\"]\n\n\
         [[rule]]\nfile = \"/etc/mysql/my.cnf\"\nkey = \"mysqld.max_connections\"\nmax = 1000\n\n\
         [[capacity]]\nname = \"app pools fit in MariaDB\"\n\
         demand = { group = \"app\", file = \"/etc/app/database.yml\", key = \"pool\" }\n\
         supply = { group = \"db\", file = \"/etc/mysql/my.cnf\", key = \"mysqld.max_connections\" }\n",
    );
    fleet.live("app-1", "/etc/app/database.yml", "pool: 300\n");
    fleet.group_baseline("app", "/etc/app/database.yml", "pool: 300\n");
    fleet.group_baseline("db", "/etc/mysql/my.cnf", &main);
    fleet.group_baseline("db", "/etc/mysql/mariadb.conf.d/50-server.cnf", &server);
    for host in ["db-1", "db-2"] {
        fleet.live(host, "/etc/mysql/my.cnf", &main);
        fleet.live(
            host,
            "/etc/mysql/mariadb.conf.d/50-server.cnf",
            edit(host, server.clone()),
        );
    }
    fleet.commit("baseline");
    fleet
}

#[test]
fn mariadb_rules_and_capacity_judge_what_the_server_runs_through_its_includes() {
    let conf_d = "/etc/mysql/mariadb.conf.d/50-server.cnf";
    // db-1: `[mariadb] max-connections = 2000` in 50-server.cnf, read through my.cnf's
    // !includedir: the server runs 2000, above the rule's 1000. db-2: 5000 in [mysqld], then
    // 200 in [mariadb] further down: the server runs 200, no rule is broken.
    let fleet = mariadb_fleet(&|host, text| match host {
        "db-1" => text.replace("[mariadb]\n", "[mariadb]\nmax-connections = 2000\n"),
        _ => text
            .replace("#max_connections        = 100", "max_connections = 5000")
            .replace("[mariadb]\n", "[mariadb]\nmax_connections = 200\n"),
    });
    let out = fleet.run(&["check", "--format", "json"]);
    let r = out.json();
    let f = findings(&r);
    let broken: Vec<_> = f
        .iter()
        .filter(|f| f["kind"] != "capacity" && f["rule"].is_string())
        .collect();
    assert_eq!(broken.len(), 1, "{f:#?}");
    let b = broken[0];
    assert_eq!(
        (&b["host"], &b["file"], &b["key"], &b["live"]),
        (
            &Value::from("db-1"),
            &Value::from(conf_d),
            &Value::from("mariadb.max_connections"),
            &Value::from(2000)
        ),
        "{b:#}"
    );
    assert_eq!(
        b["kind"], "added",
        "folded into the file's own drift: {b:#}"
    );
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .starts_with("max_connections 2000 is above the maximum 1000 (read through an include of /etc/mysql/my.cnf)"),
        "{b:#}"
    );
    // db-2's 5000 is no drift: the server never runs it (200 comes later).
    assert!(
        !f.iter().any(|f| f["host"] == "db-2" && f["live"] == 5000),
        "{f:#?}"
    );
    // The capacity check reads the values the servers run: db-2's 200, named where it is set.
    let cap: Vec<_> = f.iter().filter(|f| f["kind"] == "capacity").collect();
    assert_eq!(cap.len(), 1, "{f:#?}");
    assert_eq!(
        (&cap[0]["host"], &cap[0]["file"], &cap[0]["live"]),
        (
            &Value::from("db-2"),
            &Value::from(conf_d),
            &Value::from(200)
        ),
        "{:#}",
        cap[0]
    );
    assert!(
        cap[0]["message"].as_str().unwrap().ends_with(
            "mysqld.max_connections 200; mysqld.max_connections is set in /etc/mysql/mariadb.conf.d/50-server.cnf, included by /etc/mysql/my.cnf"
        ),
        "{:#}",
        cap[0]
    );
    // lint reads the baseline through the same includes: a baseline at 2000 breaks the rule.
    let fleet = mariadb_fleet(&|_, text| text);
    let server = std::fs::read_to_string(fleet.path().join(format!("baselines/groups/db{conf_d}")))
        .unwrap()
        .replace("[mariadb]\n", "[mariadb]\nmax_connections = 2000\n");
    fleet.group_baseline("db", conf_d, &server);
    fleet.commit("raise");
    let out = fleet.run(&["lint", "--format", "json"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    let l = findings(&r);
    assert!(
        l.iter().any(|f| f["kind"] == "out_of_range"
            && f["file"] == conf_d
            && f["live"].is_null()
            && f["baseline"] == 2000),
        "{l:#?}"
    );
}
