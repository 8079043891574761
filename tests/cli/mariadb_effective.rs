//! MariaDB's server itself judges confdrift on option files: pairs built from Debian's files
//! (`fixtures/upstream/mariadb-*`, `mysql-common`) and a realistic my.cnf by rewrites that may
//! keep what the server runs with (an option moved between the server's groups, `-` for `_`,
//! `loose-`, a unique prefix, values in other case or units, explicit defaults) and edits that
//! change it (values, an option moved into `[client]`, a later group overriding, the order of
//! a repeated option). For each pair `mariadbd --defaults-file=F --verbose --help` prints the
//! values it runs with on both sides, and `confdrift diff --program-version 10.11` must name
//! exactly the options that differ (its findings in the groups the server reads, mapped to the
//! option they set). Pairs the server refuses are counted apart; confdrift must report trouble
//! for exactly those.

use confdrift::normalize::defaults::mariadb;
use confdrift::normalize::mycnf_values::{is_server_group, option_name};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::Command;
use std::sync::Mutex;

const BASES: &[(&str, &str)] = &[
    ("realistic my.cnf", REALISTIC),
    (
        "50-server.cnf",
        include_str!("../../fixtures/upstream/mariadb-server/50-server.cnf"),
    ),
    (
        "wsrep.cnf",
        include_str!("../../fixtures/upstream/mariadb-server/wsrep.cnf"),
    ),
    // Its `!includedir`s read the files the installed packages put in /etc/mysql.
    (
        "mariadb.cnf",
        include_str!("../../fixtures/upstream/mariadb-common/mariadb.cnf"),
    ),
    (
        "50-client.cnf",
        include_str!("../../fixtures/upstream/mariadb-client/50-client.cnf"),
    ),
    (
        "mysqldump.cnf",
        include_str!("../../fixtures/upstream/mysql-common/mysqldump.cnf"),
    ),
];

const REALISTIC: &str = "\
# A primary's my.cnf, as an operator writes one.
[client]
port = 3306
socket = /run/mysqld/mysqld.sock

[mysqld]
bind-address = 0.0.0.0
port = 3306
max_connections = 500
max_allowed_packet = 64M
key_buffer_size = 32M
thread_cache_size = 128
innodb_buffer_pool_size = 4G
innodb_log_file_size = 1G
innodb_flush_log_at_trx_commit = 2
innodb_flush_method = O_DIRECT
innodb_file_per_table = ON
skip-name-resolve
log_bin = /var/log/mysql/mysql-bin.log
binlog_format = ROW
slow_query_log = 1
long_query_time = 2
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
sql_mode = STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION
wait_timeout = 600
tmp_table_size = 64M
max_heap_table_size = 64M
server_id = 1
local_infile = OFF

[mysqldump]
quick
max_allowed_packet = 16M
";

/// Options whose default the pairs write out explicitly.
const DEFAULTS: &[&str] = &[
    "max_connections",
    "key_buffer_size",
    "max_allowed_packet",
    "wait_timeout",
    "innodb_buffer_pool_size",
    "innodb_flush_log_at_trx_commit",
    "binlog_format",
    "slow_query_log",
    "long_query_time",
    "thread_cache_size",
    "tmp_table_size",
    "sort_buffer_size",
    "join_buffer_size",
    "innodb_file_per_table",
    "sql_mode",
    "character_set_server",
    "port",
    "skip_name_resolve",
    "local_infile",
    "innodb_log_buffer_size",
    "max_heap_table_size",
    "net_read_timeout",
    "query_cache_type",
    "transaction_isolation",
    "log_warnings",
];

struct Pair {
    what: String,
    a: String,
    b: String,
}

/// The values mariadbd runs with for an option file; `None` when it refuses it.
fn server(conf: &str) -> Option<BTreeMap<String, String>> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("my.cnf");
    std::fs::write(&file, conf).unwrap();
    server_at(&file)
}

/// The values mariadbd runs with when it reads `file` (and what that includes); `None` when
/// it refuses them.
pub(crate) fn server_at(file: &std::path::Path) -> Option<BTreeMap<String, String>> {
    let mut cmd = Command::new("mariadbd");
    cmd.arg(format!("--defaults-file={}", file.display()))
        .args(["--verbose", "--help"]);
    if is_root() {
        cmd.arg("--user=root");
    }
    let out = cmd
        .output()
        .expect("mariadbd is needed for this test: apt-get install mariadb-server (.ci/run does)");
    // A plugin whose options it cannot read is disabled (InnoDB: then the server cannot use
    // its default storage engine): refused too.
    if !out.status.success() || String::from_utf8_lossy(&out.stderr).contains("Disabling plugin") {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let table = text.split_once("\n------").map(|(_, t)| t)?;
    Some(
        table
            .lines()
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .map(|l| {
                let (name, value) = l.split_at(l.len().min(61));
                (name.trim().replace('-', "_"), value.trim().to_string())
            })
            // The server's id, made of its host name and port: no setting of its own.
            .filter(|(name, _)| name != "server_uid")
            // --help prints a character set or collation as written; the running server
            // (`SELECT @@character_set_server`) by its name in lower case.
            .map(|(name, value)| match name.as_str() {
                "character_set_server" | "collation_server" => (name, value.to_lowercase()),
                _ => (name, value),
            })
            .collect(),
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// One option line of a file: (line index, group, name as written, value).
type Line = (usize, String, String, Option<String>);

fn option_lines(text: &str) -> Vec<Line> {
    let mut group = String::new();
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with(';') || l.starts_with('!') {
            continue;
        }
        if let Some(g) = l.strip_prefix('[') {
            group = g.trim_end_matches(']').trim().to_lowercase();
            continue;
        }
        match l.split_once('=') {
            Some((n, v)) => out.push((
                i,
                group.clone(),
                n.trim().to_string(),
                Some(v.trim().to_string()),
            )),
            None => out.push((i, group.clone(), l.to_string(), None)),
        }
    }
    out
}

fn with_line(text: &str, at: usize, new: Option<&str>) -> String {
    let mut out = String::new();
    for (i, l) in text.lines().enumerate() {
        match (i == at, new) {
            (true, Some(n)) => out.push_str(n),
            (true, None) => continue,
            _ => out.push_str(l),
        }
        out.push('\n');
    }
    out
}

fn line(name: &str, value: &Option<String>) -> String {
    match value {
        Some(v) => format!("{name} = {v}"),
        None => name.to_string(),
    }
}

/// Another spelling of a value: units, case, boolean words.
fn respell(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = value.to_lowercase();
    if let Ok(n) = value.parse::<u64>()
        && n >= 1024
        && n % 1024 == 0
    {
        out.push(format!("{}K", n / 1024));
    }
    for (unit, next) in [("g", "M"), ("m", "K")] {
        if let Some(n) = lower.strip_suffix(unit).and_then(|n| n.parse::<u64>().ok()) {
            out.push(format!("{}{next}", n * 1024));
            out.push(format!("{n}{}", unit.to_uppercase()));
            out.push(format!("{n}{unit}"));
        }
    }
    match lower.as_str() {
        "on" | "1" | "true" => out.extend(["TRUE".into(), "on".into(), "1".into()]),
        "off" | "0" | "false" => out.extend(["FALSE".into(), "off".into(), "0".into()]),
        _ => {}
    }
    if value.chars().any(|c| c.is_ascii_alphabetic()) && !value.contains('/') {
        out.push(lower.clone());
        out.push(value.to_uppercase());
    }
    out.retain(|v| v != value);
    out.sort();
    out.dedup();
    out
}

/// A value that should change what the option runs with.
fn changed(value: &Option<String>) -> String {
    let Some(v) = value else { return "0".into() };
    let lower = v.to_lowercase();
    if let Ok(n) = v.parse::<u64>() {
        return (n * 2 + 2).to_string();
    }
    if let Some(n) = lower.strip_suffix('m').and_then(|n| n.parse::<u64>().ok()) {
        return format!("{}M", n * 2);
    }
    if let Some(n) = lower.strip_suffix('g').and_then(|n| n.parse::<u64>().ok()) {
        return format!("{}G", n * 2);
    }
    match lower.as_str() {
        "on" | "true" => "OFF".into(),
        "off" | "false" => "ON".into(),
        "row" => "MIXED".into(),
        "innodb" => "Aria".into(),
        "o_direct" => "fsync".into(),
        _ => format!("{v}2"),
    }
}

/// The shortest prefix of `name` (length 6 at least) that sets it, when one is shorter.
fn prefix(name: &str) -> Option<String> {
    let t = mariadb("10.11").unwrap();
    let full = name.replace('-', "_");
    let target = option_name(t, &full)?;
    (6..full.len())
        .map(|n| &full[..n])
        .find(|p| {
            option_name(t, p) == Some(target) && t.names().filter(|o| o.starts_with(p)).count() == 1
        })
        .map(str::to_string)
}

fn pairs() -> Vec<Pair> {
    let mut out = Vec::new();
    let t = mariadb("10.11").unwrap();
    let mut push = |what: String, a: &str, b: String| {
        out.push(Pair {
            what,
            a: a.to_string(),
            b,
        })
    };
    for (base_name, base) in BASES {
        let includes = base.contains("!include");
        for (i, group, name, value) in option_lines(base) {
            let what = |w: &str| format!("{base_name}: [{group}] {name}: {w}");
            let l = line(&name, &value);
            let swapped = if name.contains('-') {
                name.replace('-', "_")
            } else {
                name.replace('_', "-")
            };
            push(
                what("- and _"),
                base,
                with_line(base, i, Some(&line(&swapped, &value))),
            );
            push(
                what("loose-"),
                base,
                with_line(base, i, Some(&line(&format!("loose-{name}"), &value))),
            );
            if let Some(p) = prefix(&name) {
                push(
                    what(&format!("prefix {p}")),
                    base,
                    with_line(base, i, Some(&line(&p, &value))),
                );
            }
            for v in value.iter().flat_map(|v| respell(v)) {
                push(
                    what(&format!("value {v}")),
                    base,
                    with_line(base, i, Some(&line(&name, &Some(v)))),
                );
            }
            if value.is_none() {
                for v in ["1", "ON", "true", "0"] {
                    push(
                        what(&format!("= {v}")),
                        base,
                        with_line(base, i, Some(&format!("{name} = {v}"))),
                    );
                }
            }
            for g in [
                "server",
                "mysqld-10.11",
                "mariadb",
                "client-server",
                "client",
                "mysqld_safe",
            ] {
                if g == group {
                    continue;
                }
                let moved = format!("[{g}]\n{l}\n{}", with_line(base, i, None));
                push(what(&format!("moved to a first [{g}]")), base, moved);
                if !includes {
                    let moved = format!("{}[{g}]\n{l}\n", with_line(base, i, None));
                    push(what(&format!("moved to a last [{g}]")), base, moved);
                }
            }
            let other = changed(&value);
            push(
                what(&format!("value {other}")),
                base,
                with_line(base, i, Some(&line(&name, &Some(other.clone())))),
            );
            push(what("removed"), base, with_line(base, i, None));
            if !includes {
                push(
                    what("a later [mariadb] overrides"),
                    base,
                    format!("{base}[mariadb]\n{name} = {other}\n"),
                );
                let a = format!("{base}[mariadb]\n{name} = {other}\n");
                let b = format!("[mariadb]\n{name} = {other}\n{base}");
                push(what("repeated, in the other order"), &a, b);
            }
        }
        {
            for option in DEFAULTS {
                let Some(d) = t.default_text(option) else {
                    continue;
                };
                let mut spellings = vec![d.to_string()];
                spellings.extend(respell(d).into_iter().take(2));
                for v in spellings {
                    // Before the includes, where a file has them: a file included later wins
                    // either way.
                    let b = if includes {
                        format!("[mysqld]\n{option} = {v}\n{base}")
                    } else {
                        format!("{base}[mysqld]\n{option} = {v}\n")
                    };
                    push(
                        format!("{base_name}: explicit default {option} = {v}"),
                        base,
                        b,
                    );
                }
            }
        }
    }
    let base = REALISTIC;
    for (what, extra) in [
        (
            "refused: an unknown option",
            "[mysqld]\nmax_connection_limit = 10\n",
        ),
        (
            "refused: an ambiguous prefix",
            "[mysqld]\nlog_slow_q = 10\n",
        ),
        (
            "refused: an InnoDB value it cannot read",
            "[mysqld]\ninnodb_flush_log_at_trx_commit = on\n",
        ),
        (
            "refused: an option before any group",
            "max_connections = 10\n",
        ),
        (
            "refused: an argument to an option that takes none",
            "[mysqld]\nskip_grant_tables = 1\n",
        ),
        ("an option in capitals", "[mysqld]\nMAX_CONNECTIONS = 600\n"),
        ("a prefix in capitals", "[mysqld]\nSKIP-slow-query-log\n"),
        (
            "a new name for an old one",
            "[mysqld]\nlog_slow_query = 1\n",
        ),
        (
            "an old name's value by its new name",
            "[mysqld]\nlog_slow_query_time = 5\n",
        ),
        ("an enum by its number", "[mysqld]\nbinlog_format = 2\n"),
        (
            "refused: a value it cannot read",
            "[mysqld]\nwait_timeout = 10 minutes\n",
        ),
        (
            "a loose value the server cannot read",
            "[mysqld]\nloose-wait_timeout = 1.5\n",
        ),
        (
            "refused: an ambiguous InnoDB prefix",
            "[mysqld]\ninnodb_buffer = 1G\n",
        ),
        (
            "refused: a number without its argument",
            "[mysqld]\nwait_timeout\n",
        ),
        (
            "an enum value it does not take",
            "[mysqld]\nbinlog_format = rows\n",
        ),
        (
            "a boolean it does not read",
            "[mysqld]\nskip_name_resolve = yes\n",
        ),
        ("skip- of a boolean", "[mysqld]\nskip-slow-query-log\n"),
        ("disable- of a boolean", "[mysqld]\ndisable-local-infile\n"),
        ("enable- of a boolean", "[mysqld]\nenable-local-infile\n"),
        ("over the maximum", "[mysqld]\nmax_connections = 200000\n"),
        ("the maximum", "[mysqld]\nmax_connections = 100000\n"),
        ("below the minimum", "[mysqld]\nmax_connections = 1\n"),
        ("a block size", "[mysqld]\nkey_buffer_size = 33554433\n"),
        ("a suffix with a B", "[mysqld]\nkey_buffer_size = 32MB\n"),
        ("an enum prefix", "[mysqld]\nbinlog_format = mix\n"),
        (
            "a set in another order",
            "[mysqld]\nsql_mode = no_engine_substitution,strict_trans_tables\n",
        ),
    ] {
        push(
            format!("realistic my.cnf: {what}"),
            base,
            format!("{base}{extra}"),
        );
    }
    out
}

/// The options confdrift's findings name, in the groups the server reads.
pub(crate) fn named(keys: &BTreeSet<String>) -> BTreeSet<String> {
    let t = mariadb("10.11").unwrap();
    keys.iter()
        .filter_map(|k| {
            let (group, name) = if let Some(q) = k.strip_prefix('"') {
                let (g, rest) = q.split_once("\".")?;
                (g.to_string(), rest)
            } else {
                let (g, rest) = k.split_once('.')?;
                (g.to_string(), rest)
            };
            if !is_server_group(t, &group) {
                return None;
            }
            Some(option_name(t, name).map_or_else(|| name.to_string(), str::to_string))
        })
        .collect()
}

/// Whether the options confdrift names are the variables that differ: each named option
/// differs, itself or through what it moves, and each variable that differs is a named
/// option, another name of one, or a variable one moves (the table's `moves` rows, found by
/// setting each option alone: `max_connections` sizes `back_log`; `expire_logs_days` is
/// `binlog_expire_logs_seconds` in days).
pub(crate) fn explains(named: &BTreeSet<String>, differ: &BTreeSet<String>) -> bool {
    let t = mariadb("10.11").unwrap();
    let reach = |o: &str| -> BTreeSet<String> {
        let mut v: BTreeSet<String> = t
            .rows("moves")
            .filter(|r| r[0].eq_ignore_ascii_case(o))
            .map(|r| r[1].to_string())
            .collect();
        v.extend(
            t.names()
                .filter(|n| t.alias(n) == Some(o))
                .map(str::to_string),
        );
        // The server's collation is its character set's default one, unless set.
        if o == "character_set_server" {
            v.insert("collation_server".to_string());
        }
        v.insert(o.to_string());
        v
    };
    let reached: Vec<BTreeSet<String>> = named.iter().map(|o| reach(o)).collect();
    reached.iter().all(|r| r.iter().any(|v| differ.contains(v)))
        && differ.iter().all(|v| reached.iter().any(|r| r.contains(v)))
}

#[test]
fn confdrift_judges_option_files_as_mariadbd_does() {
    let version = Command::new("mariadbd")
        .arg("--version")
        .output()
        .expect("mariadbd is needed for this test: apt-get install mariadb-server (.ci/run does)");
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    assert!(
        version.contains("Ver 10.11."),
        "the table is MariaDB 10.11's; this is {version}"
    );
    let pairs = pairs();
    let cache: Mutex<HashMap<String, Option<BTreeMap<String, String>>>> =
        Mutex::new(HashMap::new());
    let ask = |conf: &str| {
        if let Some(v) = cache.lock().unwrap().get(conf) {
            return v.clone();
        }
        let v = server(conf);
        cache.lock().unwrap().insert(conf.to_string(), v.clone());
        v
    };
    // (agreed, differing pairs among them, refused, disagreements, refused and reported,
    // only options --help does not print)
    let results = Mutex::new((0usize, 0usize, 0usize, Vec::new(), 0usize, 0usize));
    crate::verdict::each_in_parallel(&pairs, 2, |_, p| {
        let ours = crate::verdict::diff("my.cnf", "10.11", &p.a, &p.b);
        let (Some(a), Some(b)) = (ask(&p.a), ask(&p.b)) else {
            let mut r = results.lock().unwrap();
            r.2 += 1;
            if ours.errors > 0 {
                r.4 += 1;
            } else if !p.what.contains(": refused: ") {
                eprintln!("refused by mariadbd, no trouble in confdrift: {}", p.what);
            } else {
                r.3.push(format!(
                    "{}: mariadbd refuses it, confdrift reports no trouble",
                    p.what
                ));
            }
            return;
        };
        let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        let differ: BTreeSet<String> = names
            .into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .cloned()
            .collect();
        // Options whose value --help does not print (the table's `unseen` rows: log_bin's
        // file name, collation_server) are left out: the server cannot be asked of them.
        let all_named = named(&ours.keys);
        let t = mariadb("10.11").unwrap();
        let ours_named: BTreeSet<String> = all_named
            .iter()
            .filter(|o| !t.rows("unseen").any(|r| r[0].eq_ignore_ascii_case(o)))
            .cloned()
            .collect();
        let mut r = results.lock().unwrap();
        if ours_named.len() < all_named.len() && ours_named.is_empty() && differ.is_empty() {
            r.5 += 1;
            return;
        }
        if ours.errors > 0 {
            r.3.push(format!(
                "{}: mariadbd starts, confdrift reports trouble",
                p.what
            ));
        } else if explains(&ours_named, &differ) {
            r.0 += 1;
            r.1 += usize::from(!differ.is_empty());
        } else {
            r.3.push(format!(
                "{}: mariadbd: {differ:?}; confdrift: exit {}, {:?}",
                p.what, ours.code, ours.keys
            ));
        }
    });
    let (agreed, differing, refused, disagreements, reported, unseen) =
        results.into_inner().unwrap();
    eprintln!(
        "{version}: {} pairs, {agreed} agreed ({differing} where the server runs otherwise), {} disagreed, {refused} refused by the server ({reported} of them reported as trouble by confdrift), {unseen} not judged (only options whose value --help does not print)",
        pairs.len(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} pairs judged otherwise than {version}:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(agreed >= 100, "only {agreed} pairs were judged");
}

#[test]
fn check_reads_my_cnf_with_the_groups_version() {
    let path = "/etc/mysql/my.cnf";
    let config = crate::harness::app_config(&["db1"], &[path]);
    let run = |config: &str, live: &str| {
        let f = crate::harness::Fleet::new(config);
        f.group_baseline(
            "app",
            path,
            "[mysqld]\nmax_connections = 500\nkey_buffer_size = 32M\nskip-name-resolve\n[client]\nport = 3306\n",
        );
        f.commit("baseline");
        f.live("db1", path, live);
        let out = f.run(&["check", "--format", "json"]);
        let json = out.json();
        let keys: Vec<String> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["key"].as_str().unwrap().to_string())
            .collect();
        let lines: Vec<u64> = json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["line"].as_u64())
            .collect();
        (out.code, keys, lines)
    };
    let versioned = config.replace("files =", "version = \"10.11\"\nfiles =");
    // Moved between the server's groups, a unique prefix, a unit, a boolean's spelling, an
    // explicit default: what the server runs with is the same.
    let same = "[mariadb]\nkey_buffer = 32768K\n[server]\nmax-connections = 500\nskip_name_resolve = ON\nwait_timeout = 28800\n[client]\nport = 3306\n";
    assert_eq!(run(&versioned, same), (0, Vec::new(), Vec::new()));
    // Without the version, the options are compared as written.
    assert_eq!(run(&config, same).0, 1);
    // A later group overrides; an option the server does not know is trouble on its line.
    let changed = "[mysqld]\nmax_connections = 500\nkey_buffer_size = 32M\nskip-name-resolve\n[mariadb]\nmax_connections = 900\nmax_conection_limit = 5\n[client]\nport = 3306\n";
    let (code, keys, lines) = run(&versioned, changed);
    assert_eq!(code, 2);
    assert!(
        keys.contains(&"mariadb.max_connections".to_string()),
        "{keys:?}"
    );
    assert_eq!(lines, [7]);
}
