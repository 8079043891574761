//! YAML 1.1 (issue 16 item 15): files read as the programs that read YAML 1.1 read them, held
//! to those programs' own readers, Ruby's Psych and PyYAML (`tests/yaml11/load.rb`, `load.py`).
//! Ruby (`apt-get install ruby`) and PyYAML (`apt-get install python3-yaml`) must be installed:
//! without them these tests fail, they never skip.
//!
//! Run with `--nocapture` to see the counts.

mod rails;
mod readers;
mod scalars;

use crate::harness::{Fleet, app_config};

const BASELINE_DB: &str = "\
default: &default
  adapter: postgresql
  encoding: unicode
  pool: 5
production:
  <<: *default
  database: blog_production
  prepared_statements: false
  advisory_locks: true
";

const LIVE_DB: &str = "\
default: &default
  adapter: postgresql
  encoding: unicode
  pool: 5
production:
  <<: *default
  database: blog_production
  prepared_statements: no
  advisory_locks: on
";

/// `confdrift diff` reads a Rails application's config/database.yml as YAML 1.1 and says so:
/// `no` is `false`. `--yaml 1.2` reads it as YAML 1.2, where `no` is a string.
#[test]
fn diff_reads_a_rails_database_yml_as_yaml_1_1() {
    let f = Fleet::new("");
    let old = f.write("old/config/database.yml", BASELINE_DB);
    let new = f.write("new/config/database.yml", LIVE_DB);
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let out = f.run(&["diff", old, new]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("read as YAML 1.1"), "{}", out.stdout);
    let out = f.run(&["diff", old, new, "--yaml", "1.2", "--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let report = out.json();
    let keys: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "production.advisory_locks",
            "production.prepared_statements"
        ]
    );
}

/// `yaml = "1.1"` in confdrift.toml: a file anywhere is read as YAML 1.1, and the JSON report
/// names the files read so.
#[test]
fn check_reads_yaml_1_1_where_the_config_says_so() {
    for (yaml, code) in [("", 1), ("yaml = \"1.1\"\n", 0)] {
        let config = app_config(&["app-1"], &["/etc/myapp/database.yml"])
            .replace("files =", &format!("{yaml}files ="));
        let f = Fleet::new(&config);
        f.group_baseline("app", "/etc/myapp/database.yml", BASELINE_DB);
        f.live("app-1", "/etc/myapp/database.yml", LIVE_DB);
        f.commit("baseline");
        let out = f.run(&["check", "--format", "json"]);
        assert_eq!(out.code, code, "{yaml}{}{}", out.stdout, out.stderr);
        let run = &out.json()["host_runs"][0];
        if code == 0 {
            assert_eq!(
                run["yaml_1_1"],
                serde_json::json!(["/etc/myapp/database.yml"])
            );
        } else {
            assert!(run.get("yaml_1_1").is_none(), "{run}");
        }
    }
}
