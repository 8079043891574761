//! PostgreSQL judges confdrift on postgresql.conf with `include_dir = 'conf.d'`: pairs of a
//! host's files where settings move between postgresql.conf and conf.d, the include moves above
//! or below a setting, conf.d's files swap values or change their order, an included file
//! overrides a hand edit. For each pair the server says which settings it runs with
//! differently (`postgres -C` on both sides), and `confdrift check` must name exactly those
//! settings, and exit 0 when there are none.

use crate::harness::Fleet;
use std::collections::BTreeSet;
use std::process::Command;

const DIR: &str = "/etc/postgresql/15/main";

/// One side: the files under DIR, by name relative to it.
type Side = Vec<(String, String)>;

struct Pair {
    what: String,
    base: Side,
    live: Side,
}

fn side(files: &[(&str, &str)]) -> Side {
    files
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

fn pairs() -> Vec<Pair> {
    let inc = "include_dir = 'conf.d'\n";
    let mut out = Vec::new();
    for (k, v, w, x) in [
        ("max_connections", "100", "200", "300"),
        ("work_mem", "4MB", "8MB", "16MB"),
        ("wal_level", "replica", "logical", "minimal"),
        ("shared_buffers", "256MB", "512MB", "1GB"),
        ("synchronous_commit", "on", "off", "local"),
    ] {
        let set = |val: &str| format!("{k} = {val}\n");
        let mut add = |what: &str, base: &[(&str, &str)], live: &[(&str, &str)]| {
            out.push(Pair {
                what: format!("{k}: {what}"),
                base: side(base),
                live: side(live),
            });
        };
        let (sv, sw, sx) = (set(v), set(w), set(x));
        let conf = |before: &str, after: &str| format!("{before}{inc}{after}");
        add(
            "moved into conf.d, same value",
            &[("postgresql.conf", &conf(&sv, "")), ("conf.d/a.conf", "")],
            &[("postgresql.conf", &conf("", "")), ("conf.d/a.conf", &sv)],
        );
        add(
            "moved into conf.d, value changed",
            &[("postgresql.conf", &conf(&sv, "")), ("conf.d/a.conf", "")],
            &[("postgresql.conf", &conf("", "")), ("conf.d/a.conf", &sw)],
        );
        add(
            "edited in postgresql.conf where conf.d overrides it",
            &[("postgresql.conf", &conf(&sv, "")), ("conf.d/a.conf", &sw)],
            &[("postgresql.conf", &conf(&sx, "")), ("conf.d/a.conf", &sw)],
        );
        add(
            "edited in conf.d where postgresql.conf sets it after the include",
            &[("postgresql.conf", &conf("", &sv)), ("conf.d/a.conf", &sw)],
            &[("postgresql.conf", &conf("", &sv)), ("conf.d/a.conf", &sx)],
        );
        add(
            "the include moved from below the setting to above it",
            &[("postgresql.conf", &conf(&sv, "")), ("conf.d/a.conf", &sw)],
            &[("postgresql.conf", &conf("", &sv)), ("conf.d/a.conf", &sw)],
        );
        add(
            "the include moved, both values the same",
            &[("postgresql.conf", &conf(&sv, "")), ("conf.d/a.conf", &sv)],
            &[("postgresql.conf", &conf("", &sv)), ("conf.d/a.conf", &sv)],
        );
        add(
            "conf.d's two files swap their values",
            &[
                ("postgresql.conf", &conf("", "")),
                ("conf.d/a.conf", &sv),
                ("conf.d/b.conf", &sw),
            ],
            &[
                ("postgresql.conf", &conf("", "")),
                ("conf.d/a.conf", &sw),
                ("conf.d/b.conf", &sv),
            ],
        );
        add(
            "a conf.d file renamed before the other",
            &[
                ("postgresql.conf", &conf("", "")),
                ("conf.d/10-a.conf", &sv),
                ("conf.d/20-b.conf", &sw),
            ],
            &[
                ("postgresql.conf", &conf("", "")),
                ("conf.d/30-a.conf", &sv),
                ("conf.d/20-b.conf", &sw),
            ],
        );
        add(
            "the value conf.d repeats removed from it",
            &[("postgresql.conf", &conf("", &sv)), ("conf.d/a.conf", &sv)],
            &[("postgresql.conf", &conf("", &sv)), ("conf.d/a.conf", "")],
        );
        add(
            "set in conf.d as well, where postgresql.conf wins",
            &[("postgresql.conf", &conf("", &sv)), ("conf.d/a.conf", "")],
            &[("postgresql.conf", &conf("", &sv)), ("conf.d/a.conf", &sx)],
        );
        add(
            "moved out of conf.d to the end of postgresql.conf",
            &[("postgresql.conf", &conf("", "")), ("conf.d/a.conf", &sw)],
            &[("postgresql.conf", &conf("", &sw)), ("conf.d/a.conf", "")],
        );
    }
    // Explicit defaults through an include: 100 is PostgreSQL 15's max_connections.
    out.push(Pair {
        what: "max_connections written out at its default in conf.d".into(),
        base: side(&[("postgresql.conf", inc), ("conf.d/a.conf", "")]),
        live: side(&[
            ("postgresql.conf", inc),
            ("conf.d/a.conf", "max_connections = 100\n"),
        ]),
    });
    out.push(Pair {
        what: "max_connections at its default removed from conf.d".into(),
        base: side(&[
            ("postgresql.conf", inc),
            ("conf.d/a.conf", "max_connections = 100\nport = 5433\n"),
        ]),
        live: side(&[("postgresql.conf", inc), ("conf.d/a.conf", "port = 5433\n")]),
    });
    out
}

/// The settings any file of either side names (include directives aside).
fn named(p: &Pair) -> BTreeSet<String> {
    p.base
        .iter()
        .chain(&p.live)
        .flat_map(|(_, t)| t.lines())
        .filter_map(|l| l.split([' ', '=']).next())
        .filter(|n| !n.is_empty() && !n.starts_with("include"))
        .map(str::to_string)
        .collect()
}

/// What the server runs with, for each named setting, on one side.
fn server(bin: &std::path::Path, files: &Side, names: &BTreeSet<String>) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    names
        .iter()
        .map(|n| {
            let out = Command::new(bin)
                .args(["-C", n, "-D"])
                .arg(dir.path())
                .env_clear()
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).trim_end().to_string()
        })
        .collect()
}

/// confdrift's verdict: its exit code and the setting keys it names.
fn confdrift(p: &Pair) -> (i32, BTreeSet<String>) {
    let config = format!(
        "[[group]]\nname = \"app\"\nhosts = [\"db\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
         files = [\"{DIR}/postgresql.conf\", \"{DIR}/conf.d/*.conf\"]\n"
    );
    let f = Fleet::new(&config);
    for (name, text) in &p.base {
        f.group_baseline("app", &format!("{DIR}/{name}"), text);
    }
    f.commit("baseline");
    for (name, text) in &p.live {
        f.live("db", &format!("{DIR}/{name}"), text);
    }
    let out = f.run(&["check", "--format", "json"]);
    let keys = out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["key"].as_str().map(str::to_string))
        .collect();
    (out.code, keys)
}

/// confdrift's verdict as `diff --program-version 15 OLD NEW` of two directories holding each
/// side's files: its exit code and the setting keys it names.
fn confdrift_diff(p: &Pair) -> (i32, BTreeSet<String>) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = crate::verdict::write_sides(dir.path(), "", &p.base, &p.live);
    let v = crate::verdict::diff_dirs(&a, &b, "15");
    (v.code, v.keys)
}

#[test]
fn confdrift_follows_include_dir_as_postgresql_15_does() {
    let bin = crate::bytes::postgres();
    let pairs = pairs();
    let mut disagreements = Vec::new();
    for p in &pairs {
        let names = named(p);
        let (base, live) = (server(&bin, &p.base, &names), server(&bin, &p.live, &names));
        let differ: BTreeSet<String> = names
            .iter()
            .zip(base.iter().zip(&live))
            .filter(|(_, (b, l))| b != l)
            .map(|(n, _)| n.clone())
            .collect();
        for (how, (code, keys)) in [("check", confdrift(p)), ("diff", confdrift_diff(p))] {
            let agreed = keys == differ && (code == 0) == differ.is_empty();
            if !agreed {
                disagreements.push(format!(
                    "{}: PostgreSQL: {differ:?}; confdrift {how}: exit {code}, {keys:?}",
                    p.what
                ));
            }
        }
    }
    eprintln!(
        "{} pairs with includes, {} disagreements",
        pairs.len(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} pairs judged otherwise than PostgreSQL:\n{}",
        disagreements.len(),
        pairs.len(),
        disagreements.join("\n")
    );
}
