//! Hostile and broken input: each is trouble (exit 2) with a message naming host, file, line
//! and column, and the real drift beside it is still reported.

use crate::harness::{Fleet, app_config, kinds};

/// A fleet where app-1 has real drift in app.properties and `bad` is written as app-1's
/// `/etc/app/<name>`; the baseline of that file is `good`.
fn fleet_with(name: &str, good: &str, bad: &[u8]) -> Fleet {
    let file = format!("/etc/app/{name}");
    let f = Fleet::new(&app_config(
        &["app-1", "app-2"],
        &["/etc/app/app.properties", &file],
    ));
    f.group_baseline("app", "/etc/app/app.properties", "pool=50\n");
    f.group_baseline("app", &file, good);
    f.commit("baseline");
    f.live("app-1", "/etc/app/app.properties", "pool=5\n");
    f.live("app-1", &file, bad);
    f.live("app-2", "/etc/app/app.properties", "pool=50\n");
    f.live("app-2", &file, good);
    f
}

/// Runs check; asserts exit 2, the pool drift still reported, and one error; returns it.
fn one_error(f: &Fleet) -> serde_json::Value {
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(
        out.code, 2,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let r = out.json();
    let k = kinds(&r);
    assert!(
        k.contains(&(
            "app-1".into(),
            "/etc/app/app.properties".into(),
            "pool".into(),
            "changed".into()
        )),
        "the real drift is still reported: {k:?}"
    );
    assert_eq!(r["errors"].as_array().unwrap().len(), 1, "{}", out.stdout);
    assert_eq!(r["summary"]["errors"], 1);
    r["errors"][0].clone()
}

#[test]
fn truncated_json() {
    let f = fleet_with(
        "app.json",
        "{\"pool\": 50, \"hosts\": [\"a\", \"b\"]}\n",
        b"{\"pool\": 50,\n \"hosts\": [\"a\",",
    );
    let e = one_error(&f);
    assert_eq!(e["host"], "app-1");
    assert_eq!(e["file"], "/etc/app/app.json");
    assert_eq!(e["line"], 2);
    assert!(e["column"].as_u64().unwrap() > 1, "{e}");
}

#[test]
fn broken_yaml_names_line_and_column_in_the_text_report() {
    let f = fleet_with(
        "database.yml",
        "production:\n  pool: 50\n  hosts: [a, b]\n",
        b"production:\n  pool: 50\n  hosts: [a, b\n",
    );
    let e = one_error(&f);
    assert_eq!(e["file"], "/etc/app/database.yml");
    assert!(e["line"].as_u64().unwrap() >= 3, "{e}");
    let text = f.run(&["check"]);
    assert_eq!(text.code, 2);
    assert!(
        text.stdout.contains("error: app-1:/etc/app/database.yml:"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("1 error"), "{}", text.stdout);
}

/// Still trouble since issue 16: YAML is UTF-8 only, and a NUL byte is trouble in every
/// structured format. The same bytes in a file of no structured format are a binary file,
/// compared by hash (tests/cli/bytes.rs).
#[test]
fn binary_garbage() {
    let mut garbage = b"pool: 50\n".to_vec();
    garbage.extend((0u8..=255).cycle().take(4096));
    let f = fleet_with("settings.yml", "pool: 50\n", &garbage);
    let e = one_error(&f);
    assert_eq!(e["line"], 2);
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("not a text file"), "{e}");
    assert!(
        message.contains("format = \"binary\""),
        "says how to watch it: {e}"
    );
}

#[test]
fn an_empty_file_is_a_file_with_no_keys() {
    let f = fleet_with("settings.toml", "pool = 50\nname = \"x\"\n", b"");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let k = kinds(&out.json());
    assert!(k.contains(&(
        "app-1".into(),
        "/etc/app/settings.toml".into(),
        "pool".into(),
        "removed".into()
    )));
    assert!(k.contains(&(
        "app-1".into(),
        "/etc/app/settings.toml".into(),
        "name".into(),
        "removed".into()
    )));
}

#[test]
fn a_missing_host_directory_is_an_unreachable_host() {
    let f = Fleet::new(&app_config(
        &["app-1", "app-9"],
        &["/etc/app/app.properties"],
    ));
    f.group_baseline("app", "/etc/app/app.properties", "pool=50\n");
    f.commit("baseline");
    f.live("app-1", "/etc/app/app.properties", "pool=5\n");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 2);
    let r = out.json();
    assert_eq!(kinds(&r).len(), 1, "app-1's drift is reported");
    assert_eq!(r["errors"][0]["host"], "app-9");
    assert_eq!(r["errors"][0]["file"], serde_json::Value::Null);
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unreachable")
    );
}

#[test]
fn a_baseline_that_does_not_parse_is_reported_once_not_per_host() {
    let f = Fleet::new(&app_config(
        &["app-1", "app-2"],
        &["/etc/app/a.json", "/etc/app/b.properties"],
    ));
    f.group_baseline("app", "/etc/app/a.json", "{\"x\": [1,}\n");
    f.group_baseline("app", "/etc/app/b.properties", "y=1\n");
    f.commit("broken baseline");
    for h in ["app-1", "app-2"] {
        f.live(h, "/etc/app/a.json", "{\"x\": [1]}\n");
        f.live(h, "/etc/app/b.properties", "y=2\n");
    }
    let r = f.run(&["check", "--format", "json"]);
    assert_eq!(r.code, 2);
    let r = r.json();
    assert_eq!(r["errors"].as_array().unwrap().len(), 1);
    assert_eq!(
        r["errors"][0]["file"],
        "baselines/groups/app/etc/app/a.json"
    );
    assert_eq!(r["errors"][0]["line"], 1);
    assert_eq!(kinds(&r).len(), 2, "both hosts' other drift is reported");
}

#[test]
fn unknown_config_key_names_the_key_and_line() {
    let f = Fleet::new(
        "[baseline]\ndir = \"baselines\"\n\n[[group]]\nname = \"app\"\nhost = [\"a\"]\n",
    );
    let out = f.run(&["check"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("confdrift.toml:6:1: unknown field `host`"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_ref_that_does_not_exist() {
    let f = Fleet::new(&app_config(&["app-1"], &["/etc/app.properties"]));
    f.group_baseline("app", "/etc/app.properties", "x=1\n");
    f.commit("baseline");
    f.live("app-1", "/etc/app.properties", "x=1\n");
    let out = f.run(&["check", "--baseline-ref", "release-9"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("ref \"release-9\" does not name a commit"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_baseline_outside_git_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("confdrift.toml"),
        app_config(&["a"], &["/etc/x.yml"]),
    )
    .unwrap();
    let out = crate::harness::run_in(dir.path(), &["check"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("is not inside a git repository"),
        "{}",
        out.stderr
    );
}

/// Not trouble since issue 16: nothing committed under the baseline directory yet is an empty
/// baseline, with a note (tests/cli/getting_started.rs has the rest).
#[test]
fn a_missing_baseline_directory_at_the_ref() {
    let f = Fleet::new(&app_config(&["app-1"], &["/etc/app.properties"]));
    f.write("README", "no baseline yet\n");
    f.commit("empty");
    f.live("app-1", "/etc/app.properties", "x=1\n");
    let out = f.run(&["check"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("note: the baseline is empty: \"baselines\" is not in HEAD"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("unexpected_file"), "{}", out.stdout);
}

#[test]
fn no_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::harness::run_in(dir.path(), &["check"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no confdrift.toml"), "{}", out.stderr);
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::harness::run_in(dir.path(), &["check", "--format", "xml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("invalid value 'xml'"), "{}", out.stderr);
    assert_eq!(crate::harness::run_in(dir.path(), &["--version"]).code, 0);
}
