//! `confdrift diff OLD NEW`: files and directories, with `--as`.

use crate::harness::{Fleet, kinds, run_in};

#[test]
fn two_files_with_the_same_normalization() {
    let f = Fleet::new("");
    let old = f.write("old/app.yml", "a:\n  pool: 50\n  host: db\n");
    let new = f.write("new/app.yml", "# comment\na: {host: \"db\", pool: 60}\n");
    let out = f.run(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let fnd = &r["findings"][0];
    assert_eq!(fnd["key"], "a.pool");
    assert_eq!(fnd["baseline"], 50);
    assert_eq!(fnd["live"], 60);
    assert_eq!(fnd["host"], serde_json::Value::Null);
    assert_eq!(fnd["group"], serde_json::Value::Null);
    assert_eq!(
        (fnd["baseline_line"].as_u64(), fnd["line"].as_u64()),
        (Some(2), Some(2))
    );

    let same = f.write("new/same.yml", "a: {host: db, pool: 50}\n");
    assert_eq!(
        f.run(&["diff", old.to_str().unwrap(), same.to_str().unwrap()])
            .code,
        0
    );
}

#[test]
fn directories_file_by_file() {
    let f = Fleet::new("");
    f.write("a/etc/x.properties", "k=1\n");
    f.write("a/etc/gone.json", "{}\n");
    f.write("b/etc/x.properties", "k=2\n");
    f.write("b/etc/new.toml", "z = 1\n");
    let out = run_in(f.path(), &["diff", "a", "b", "--format", "json"]);
    assert_eq!(out.code, 1);
    let k: Vec<(String, String)> = kinds(&out.json()).into_iter().map(|k| (k.1, k.3)).collect();
    assert_eq!(
        k,
        [
            ("etc/gone.json".to_string(), "missing_file".to_string()),
            ("etc/new.toml".into(), "unexpected_file".into()),
            ("etc/x.properties".into(), "changed".into()),
        ]
    );
}

#[test]
fn as_forces_a_format_for_a_misleading_extension() {
    let f = Fleet::new("");
    let old = f.write("old.conf", "[server]\nport = 1\n");
    let new = f.write("new.conf", "[server]\n# moved\nport = 2\n");
    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());
    let as_toml = f
        .run(&["diff", o, n, "--as", "toml", "--format", "json"])
        .json();
    assert_eq!(as_toml["findings"][0]["key"], "server.port");
    // No --as: the name says nothing, the content is INI (normalize::sniff).
    let by_content = f.run(&["diff", o, n, "--format", "json"]).json();
    assert_eq!(by_content["findings"][0]["key"], "server.port");
    assert_eq!(by_content["detected"][0]["format"], "ini");
    let as_text = f
        .run(&["diff", o, n, "--as", "text", "--format", "json"])
        .json();
    assert_eq!(as_text["findings"][0]["key"], "@@ -2,1 +3,1 @@");
    let bad = f.run(&["diff", o, n, "--as", "xml"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("unknown format \"xml\""),
        "{}",
        bad.stderr
    );
}

#[test]
fn unparsable_side_is_trouble() {
    let f = Fleet::new("");
    let old = f.write("old.json", "{\"a\": 1}");
    let new = f.write("new.json", "{\"a\": 1,,}");
    let out = f.run(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("new.json:1:"), "{}", out.stdout);
    let missing = f.run(&["diff", old.to_str().unwrap(), "nope.json"]);
    assert_eq!(missing.code, 2);
}

#[test]
fn diff_help_lists_every_format_as_takes() {
    let out = crate::harness::run_in(std::path::Path::new("."), &["diff", "--help"]);
    for name in confdrift::normalize::Format::names() {
        assert!(
            out.stdout.contains(name),
            "--as {name} is not listed:\n{}",
            out.stdout
        );
    }
}

#[test]
fn diff_says_which_format_it_read_each_file_as_and_why() {
    let dir = tempfile::tempdir().unwrap();
    for side in ["a", "b"] {
        let d = dir.path().join(side);
        std::fs::create_dir_all(d.join("sysctl.d")).unwrap();
        std::fs::write(d.join("postgresql.conf"), "max_connections = 100\n").unwrap();
        std::fs::write(d.join("app.yml"), "pool: 5\n").unwrap();
        std::fs::write(
            d.join("sysctl.d/10-net.conf"),
            "net.core.somaxconn = 1024\n",
        )
        .unwrap();
        std::fs::write(d.join("hosts"), "127.0.0.1 localhost\n").unwrap();
    }
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let r = crate::harness::run_in(
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
    let notes: Vec<&str> = r["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        [
            "app.yml: read as yaml (its extension .yml)",
            "hosts: read as text (no reader explains every line (as properties, line 1 does not look like a setting; as toml, line 1: key with no value, expected `=`; as yaml, a bare value, not a mapping or list): compared line by line; --as FORMAT or format = reads it as another)",
            "postgresql.conf: read as pgconf (its name postgresql.conf)",
            "sysctl.d/10-net.conf: read as sysctl (its path matches sysctl.d/*.conf)",
        ]
    );
    let forced = crate::harness::run_in(
        dir.path(),
        &[
            "diff",
            "--as",
            "ini",
            a.join("hosts").to_str().unwrap(),
            b.join("hosts").to_str().unwrap(),
        ],
    );
    assert!(
        forced.stdout.contains("read as ini (--as)"),
        "{}",
        forced.stdout
    );
}

#[test]
fn the_old_side_names_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("old.yml"), dir.path().join("new.yml"));
    std::fs::write(&a, "a: 1\nb: 2\n").unwrap();
    std::fs::write(&b, "a: 1\nb: 3\n").unwrap();
    let out = crate::harness::run_in(
        dir.path(),
        &["diff", a.to_str().unwrap(), b.to_str().unwrap()],
    );
    assert!(
        out.stdout
            .contains(&format!("baseline 2  {}:2", a.display())),
        "{}",
        out.stdout
    );
}
