//! php-fpm.conf's `include` against php-fpm 8.2 itself: for trees of php-fpm.conf and pool
//! files, `php-fpm8.2 -tt -y php-fpm.conf` prints every pool and option as it read them
//! through the includes. confdrift's reading through the includes must give each pool the
//! values php-fpm prints, and `confdrift diff` of two trees must find no drift exactly where
//! php-fpm prints the same (pairs of trees, 0 disagreements). Also: a capacity check and a
//! rule on the pools through php-fpm.conf alone (collection follows the glob), passwords in
//! an included pool never shown, and an include chain php-fpm refuses.

use crate::harness::Fleet;
use crate::phpfpm::fpm_sections;
use confdrift::normalize::{Document, Format, phpfpm_includes};
use confdrift::tree::Tree;
use std::path::Path;

const POOL: &str = include_str!("../../fixtures/upstream/php8.2-fpm/www.conf");

const FPM: &str = "/etc/php/8.2/fpm";

/// A tree of files: (path under `/`, text), `@ROOT@` standing for where the tree is.
type Files = Vec<(String, String)>;

fn main_conf(after: &str) -> String {
    format!(
        "[global]\npid = @ROOT@/fpm.pid\nerror_log = @ROOT@/fpm.log\ninclude = @ROOT@{FPM}/pool.d/*.conf\n{after}"
    )
}

const API: &str = "[api]\nuser = www-data\ngroup = www-data\nlisten = /run/php/$pool.sock\npm = static\npm.max_children = 8\nphp_admin_value[memory_limit] = 64M\nenv[DB_PASSWORD] = Api-secret-1\n";

fn www(max: u32) -> String {
    POOL.replace("/run/php/php8.2-fpm.sock", "/run/php/www-fpm.sock")
        .replace(
            "pm.max_children = 5\n",
            &format!("pm.max_children = {max}\n"),
        )
}

fn tree(files: &[(&str, &str)]) -> Files {
    files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

fn base() -> Files {
    tree(&[
        (&format!("{FPM}/php-fpm.conf"), &main_conf("")),
        (&format!("{FPM}/pool.d/www.conf"), &www(5)),
        (&format!("{FPM}/pool.d/api.conf"), API),
    ])
}

/// Writes `files` under `root`, `@ROOT@` replaced by `prefix`.
fn write(root: &Path, files: &Files, prefix: &str) {
    let _ = std::fs::remove_dir_all(root);
    for (p, t) in files {
        let path = root.join(p.trim_start_matches('/'));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t.replace("@ROOT@", prefix)).unwrap();
    }
}

/// What php-fpm read through php-fpm.conf: each section, its lines sorted (FPM prints
/// `php_value[...]` in reverse order), the tree's own directory dropped from paths.
fn fpm_dump(root: &Path, files: &Files) -> Result<Vec<Vec<String>>, String> {
    let prefix = root.display().to_string();
    write(root, files, &prefix);
    let conf = root.join(FPM.trim_start_matches('/')).join("php-fpm.conf");
    let mut sections = fpm_sections(&conf)?;
    for s in &mut sections {
        s.retain(|line| !line.starts_with("configuration file "));
        for line in &mut s[1..] {
            *line = line.replace(&prefix, "");
        }
    }
    for s in &mut sections {
        s[1..].sort();
    }
    // Pools in any order (php-fpm's is the order it met them: no difference in what runs).
    sections.sort();
    Ok(sections)
}

/// confdrift's reading of php-fpm.conf through its includes (the tree as on a host).
fn ours(files: &Files) -> Tree {
    let format = Format::from_name("phpfpm").unwrap();
    let trees: Vec<(String, Tree)> = files
        .iter()
        .map(|(p, t)| {
            let t = t.replace("@ROOT@", "");
            match format.parse(t.as_bytes()) {
                Ok(Document::Tree(tree)) => (p.clone(), tree),
                other => panic!("{p}: {other:?}"),
            }
        })
        .collect();
    let paths: Vec<&str> = trees.iter().map(|(p, _)| p.as_str()).collect();
    let lookup = |p: &str| trees.iter().find(|(q, _)| q == p).map(|(_, t)| t);
    let root = format!("{FPM}/php-fpm.conf");
    let main = &trees.iter().find(|(p, _)| *p == root).unwrap().1;
    phpfpm_includes::read_through(&root, main, &lookup, &paths).tree
}

/// The options compared with php-fpm's dump, as it prints them.
const OPTIONS: &[&str] = &[
    "user",
    "listen",
    "pm",
    "pm.max_children",
    "pm.start_servers",
    "pm.min_spare_servers",
    "pm.max_spare_servers",
    "pm.max_requests",
    "request_terminate_timeout",
];

/// Each pool's options (of [`OPTIONS`]) and arrays that confdrift's reading sets, as php-fpm
/// prints them: `[www]`, then `pm.max_children = 5`, `php_admin_value[memory_limit] = 64M`.
fn from_tree(t: &Tree) -> Vec<Vec<String>> {
    let mut pools: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (key, e) in t.iter() {
        let Some((pool, rest)) = key.split_once('.') else {
            continue;
        };
        if pool == "global" || pool.starts_with('%') {
            continue;
        }
        let lines = pools.entry(pool.to_string()).or_default();
        let v = e.value.to_string();
        if OPTIONS.contains(&rest) {
            let v = if rest == "request_terminate_timeout" {
                format!("{v}s")
            } else {
                v
            };
            lines.push(format!("{rest} = {v}"));
        } else if let Some((array, name)) = rest.split_once('.')
            && ["php_value", "php_admin_value", "env"].contains(&array)
        {
            let name = name.split('[').next().unwrap().trim_matches('"');
            lines.push(format!("{array}[{name}] = {v}"));
        }
    }
    pools
        .into_iter()
        .map(|(pool, mut lines)| {
            lines.sort();
            let mut s = vec![format!("[{pool}]")];
            s.extend(lines);
            s
        })
        .collect()
}

/// php-fpm's pools with only the lines confdrift's reading names (the others are defaults).
fn dump_as_tree(dump: &[Vec<String>], mine: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut pools: Vec<Vec<String>> = dump
        .iter()
        .filter(|s| s[0] != "[global]")
        .map(|s| {
            let want: Vec<&String> = mine
                .iter()
                .find(|m| m[0] == s[0])
                .map(|m| m[1..].iter().collect())
                .unwrap_or_default();
            let keys: Vec<&str> = want
                .iter()
                .map(|w| w.split(" = ").next().unwrap())
                .collect();
            let mut out = vec![s[0].clone()];
            out.extend(
                s[1..]
                    .iter()
                    .filter(|l| keys.contains(&l.split(" = ").next().unwrap()))
                    .cloned(),
            );
            out
        })
        .collect();
    pools.sort();
    pools
}

/// `confdrift diff a b` of two trees as on a host: exit code and (file, key) of the findings.
fn diff(f: &Fleet, a: &Files, b: &Files) -> (i32, Vec<(String, String)>, String) {
    write(&f.path().join("a"), a, "");
    write(&f.path().join("b"), b, "");
    let out = f.run(&["diff", "a", "b", "--format", "json"]);
    let r = out.json();
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let findings = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (s(&x["file"]), s(&x["key"])))
        .collect();
    (out.code, findings, out.stdout)
}

fn with(mut files: Files, path: &str, text: &str) -> Files {
    files.retain(|(p, _)| p != path);
    if !text.is_empty() {
        files.push((path.to_string(), text.to_string()));
    }
    files
}

#[test]
fn pools_through_the_include_read_as_php_fpm_8_2_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let f = Fleet::new("");
    let main = format!("{FPM}/php-fpm.conf");
    let pool = |n: &str| format!("{FPM}/pool.d/{n}");
    let b = base();
    let api_here = main_conf(API);
    let headerless = API.replacen("[api]\n", "", 1);
    // (what, tree)
    let trees: Vec<(&str, Files)> = vec![
        ("Debian's layout: two pools in pool.d", b.clone()),
        (
            "the api pool moved into php-fpm.conf, after the include",
            with(with(b.clone(), &main, &api_here), &pool("api.conf"), ""),
        ),
        (
            "the api pool's file renamed (still before www.conf)",
            with(
                with(b.clone(), &pool("api.conf"), ""),
                &pool("a-api.conf"),
                API,
            ),
        ),
        (
            "www's pm.max_children overridden by a file read after",
            with(
                with(b.clone(), &pool("www.conf"), &www(20)),
                &pool("zz-override.conf"),
                "[www]\npm.max_children = 5\n",
            ),
        ),
        (
            "a line after the include goes on in the last pool read (www)",
            with(
                with(b.clone(), &pool("www.conf"), &www(3)),
                &main,
                &main_conf("pm.max_children = 5\n"),
            ),
        ),
        (
            "a dot file in pool.d is not read",
            with(
                b.clone(),
                &pool(".old.conf"),
                "[www]\npm.max_children = 99\n",
            ),
        ),
        (
            "a file the glob does not match is not read",
            with(
                b.clone(),
                &pool("api.conf.bak"),
                "[api]\npm.max_children = 99\n",
            ),
        ),
        (
            "upper case before lower case (byte order): B.conf's value loses to b.conf's",
            with(
                with(b.clone(), &pool("B.conf"), "[www]\npm.max_children = 11\n"),
                &pool("b.conf"),
                "[www]\npm.max_children = 5\n",
            ),
        ),
        (
            "a header-less file included inside the api pool's section",
            with(
                with(
                    with(b.clone(), &pool("api.conf"), ""),
                    &main,
                    &main_conf(&format!("[api]\ninclude = @ROOT@{FPM}/api.d/*.conf\n")),
                ),
                &format!("{FPM}/api.d/api.conf"),
                &headerless,
            ),
        ),
        (
            "www's pm.max_children raised",
            with(b.clone(), &pool("www.conf"), &www(50)),
        ),
        (
            "a later file raises it",
            with(b.clone(), &pool("zz.conf"), "[www]\npm.max_children = 9\n"),
        ),
        (
            "a line after the include raises www's",
            with(b.clone(), &main, &main_conf("pm.max_children = 9\n")),
        ),
        (
            "the api pool's file gone",
            with(b.clone(), &pool("api.conf"), ""),
        ),
        (
            "a third pool",
            with(
                b.clone(),
                &pool("web.conf"),
                &API.replace("[api]", "[web]").replace("= 8", "= 4"),
            ),
        ),
        (
            "an array value in a later file",
            with(
                b.clone(),
                &pool("zz.conf"),
                "[api]\nphp_admin_value[memory_limit] = 256M\n",
            ),
        ),
    ];
    // Files php-fpm does not read are compared as files of their own (a file added is
    // drift): those trees are held to php-fpm's reading, not paired.
    let unread = [
        "a dot file in pool.d is not read",
        "a file the glob does not match is not read",
    ];
    // confdrift's reading through the includes gives each pool what php-fpm prints.
    let mut dumps = Vec::new();
    for (what, files) in &trees {
        let dump = fpm_dump(&dir.path().join("fpm"), files)
            .unwrap_or_else(|e| panic!("{what}: php-fpm refuses it: {e}"));
        let mine = from_tree(&ours(files));
        assert_eq!(
            mine,
            dump_as_tree(&dump, &mine),
            "{what}: confdrift (left) and php-fpm (right)"
        );
        dumps.push(dump);
    }
    // Pairs: no drift exactly where php-fpm prints the same.
    let mut disagreements = Vec::new();
    let mut same = 0;
    let mut pairs = 0;
    for (i, (what_a, a)) in trees.iter().enumerate() {
        for (j, (what_b, b)) in trees.iter().enumerate() {
            if i == j
                || (i != 0 && j != 0) && (i + j) % 3 != 0
                || unread.contains(what_a)
                || unread.contains(what_b)
            {
                continue;
            }
            pairs += 1;
            let php_same = dumps[i] == dumps[j];
            same += usize::from(php_same);
            let (code, findings, out) = diff(&f, a, b);
            if (code == 0) != php_same || code == 2 {
                disagreements.push(format!(
                    "{what_a} -> {what_b}: php-fpm same {php_same}, confdrift {code} {findings:?} {out}"
                ));
            }
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
    assert!(same >= 10, "{same} of {pairs} pairs php-fpm reads the same");
    assert!(
        pairs - same >= 10,
        "{same} of {pairs} pairs php-fpm reads the same"
    );
    eprintln!("{pairs} pairs, {same} read the same by php-fpm, 0 disagreements");
}

/// A fleet of PHP hosts whose group lists php-fpm.conf alone: collection follows its include.
fn php_fleet(extra: &str) -> Fleet {
    Fleet::new(&format!(
        "[[group]]\nname = \"php\"\nhosts = [\"php-1\", \"php-2\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"{FPM}/php-fpm.conf\"]\n{extra}"
    ))
}

/// Writes `files` as the live files of `hosts` and as the group's baseline.
fn settle(f: &Fleet, hosts: &[&str], files: &Files, baseline: bool) {
    for (p, t) in files {
        let t = t.replace("@ROOT@", "");
        for h in hosts {
            f.live(h, p, &t);
        }
        if baseline {
            f.group_baseline("php", p, &t);
        }
    }
}

#[test]
fn a_capacity_check_and_a_rule_see_the_pools_through_php_fpm_conf() {
    let pg = "/etc/postgresql/15/main/postgresql.conf";
    let f = php_fleet(&format!(
        "\n[[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"{pg}\"]\n\n\
         [[capacity]]\nname = \"PHP workers fit in PostgreSQL\"\n\
         demand = {{ group = \"php\", file = \"{FPM}/php-fpm.conf\", key = \"www.pm.max_children\" }}\n\
         supply = {{ group = \"db\", file = \"{pg}\", key = \"max_connections\" }}\n\n\
         [[rule]]\nname = \"api pool small\"\nfile = \"{FPM}/php-fpm.conf\"\nkey = \"api.pm.max_children\"\nmax = 10\n"
    ));
    let files = with(base(), &format!("{FPM}/pool.d/www.conf"), &www(60));
    settle(&f, &["php-1", "php-2"], &files, true);
    f.live("db-1", pg, "max_connections = 100\n");
    f.group_baseline("db", pg, "max_connections = 100\n");
    f.commit("baseline");
    let out = f.run(&["check", "--format", "json"]);
    let r = out.json();
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{r:#}");
    assert_eq!(findings[0]["kind"], "capacity");
    assert_eq!(
        findings[0]["message"],
        "60 + 60 = 120 > max_connections 100; largest: php-1 (60)"
    );
    // A later pool file raises api's pool past the rule on one host: named there.
    f.live(
        "php-2",
        &format!("{FPM}/pool.d/zz-api.conf"),
        "[api]\npm.max_children = 12\n",
    );
    let out = f.run(&["check", "--format", "json"]);
    let r = out.json();
    let rule: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| {
            x["message"]
                .as_str()
                .unwrap()
                .contains("above the maximum 10 (read through an include")
        })
        .collect();
    assert_eq!(rule.len(), 1, "{r:#}");
    assert_eq!(rule[0]["host"], "php-2");
    assert_eq!(rule[0]["key"], "api.pm.max_children");
    assert_eq!(rule[0]["live"], 12);
}

#[test]
fn a_password_in_an_included_pool_never_shows() {
    let f = php_fleet("");
    settle(&f, &["php-1", "php-2"], &base(), true);
    f.commit("baseline");
    assert_eq!(f.run(&["check"]).code, 0);
    // Changed in the included file on one host; set again, overriding it, by php-fpm.conf
    // after the include on the other (the api pool is not the last read: www is).
    let api = format!("{FPM}/pool.d/api.conf");
    f.live("php-1", &api, API.replace("Api-secret-1", "Api-secret-2"));
    f.live(
        "php-2",
        &format!("{FPM}/php-fpm.conf"),
        main_conf("[api]\nenv[DB_PASSWORD] = Api-secret-3\n").replace("@ROOT@", ""),
    );
    for format in ["json", "text"] {
        let out = f.run(&["check", "--format", format, "-v"]);
        assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(all.contains("DB_PASSWORD"), "{all}");
        for secret in ["secret-1", "secret-2", "secret-3"] {
            assert!(!all.contains(secret), "{secret} in {all}");
        }
    }
}
