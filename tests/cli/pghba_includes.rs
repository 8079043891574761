//! pg_hba.conf through its `include`, `include_if_exists`, `include_dir` lines and `@file`
//! lists, judged by PostgreSQL 17 itself (Debian 13's, unpacked beside this Debian 12 by
//! `.ci/trixie-postgres.sh`: 16 added the include lines, bookworm has 15). The server's
//! `pg_hba_file_rules` reads the files afresh on every query and names each rule's file and
//! line. For each set of files: the rules the server reads, written out flat as one file, are
//! no drift to `confdrift check` against the files with includes (confdrift's rule list
//! through the includes is the server's); edits inside included files, `@file` lists and
//! `include_dir`'s order are named by rule, a move as `moved` when it changes which rule
//! matches first; a missing `include`, `@file` or directory and an include circle are
//! trouble at the line the server marks. A missing server is a failure, never a skip.

use crate::harness::{Fleet, app_config, ok, running_as_root};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;

/// Where `.ci/trixie-postgres.sh` unpacks PostgreSQL 17 unless told otherwise.
const DEFAULT_BIN: &str = "/var/cache/confdrift/trixie-postgres/root/usr/lib/postgresql/17/bin";

/// The directory of the host's pg_hba.conf (as Debian lays out PostgreSQL 17).
const DIR: &str = "/etc/postgresql/17/main";

fn bin() -> PathBuf {
    let bin = std::env::var("CONFDRIFT_PG17_BIN").unwrap_or_else(|_| DEFAULT_BIN.to_string());
    let bin = PathBuf::from(bin);
    assert!(
        bin.join("postgres").exists(),
        "PostgreSQL 17 is missing at {}: run .ci/trixie-postgres.sh (.ci/run does)",
        bin.display()
    );
    bin
}

/// A command of PostgreSQL 17's, as `postgres` when the tests run as root.
fn server(program: &str) -> Command {
    let path = bin().join(program);
    if running_as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

/// What the server reads: (rule, file, line) of its rules, (file, line, error) of its errors.
type Read = (Vec<(String, String, u32)>, Vec<(String, u32, String)>);

/// A PostgreSQL 17 server whose `hba_file` is `hba/pg_hba.conf` in its directory, stopped when
/// dropped.
struct Pg17 {
    dir: tempfile::TempDir,
}

impl Pg17 {
    fn start() -> Pg17 {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let root = root.as_path();
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        if running_as_root() {
            ok(Command::new("chown").arg("postgres:postgres").arg(root));
        }
        let data = root.join("data");
        ok(server("initdb")
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
            .args(["--locale", "C.UTF-8", "-D"])
            .arg(&data));
        let pg = Pg17 { dir };
        pg.write(&[
            ("pg_hba.conf", "local all all trust\n"),
            ("pg_ident.conf", ""),
        ]);
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).unwrap();
        text.push_str(&format!(
            "unix_socket_directories = '{}'\nlisten_addresses = ''\nhba_file = '{}'\n\
             ident_file = '{}'\n",
            root.display(),
            pg.hba().join("pg_hba.conf").display(),
            pg.hba().join("pg_ident.conf").display()
        ));
        std::fs::write(&conf, text).unwrap();
        ok(server("pg_ctl")
            .args(["-w", "-t", "60", "-D"])
            .arg(&data)
            .arg("-l")
            .arg(root.join("log"))
            .arg("start"));
        pg
    }

    fn hba(&self) -> PathBuf {
        self.dir.path().join("hba")
    }

    /// Replaces the files of the `hba` directory with `files` (name relative to it, text).
    fn write(&self, files: &[(&str, &str)]) {
        let hba = self.hba();
        let _ = std::fs::remove_dir_all(&hba);
        std::fs::create_dir_all(&hba).unwrap();
        std::fs::set_permissions(&hba, std::fs::Permissions::from_mode(0o755)).unwrap();
        for (name, text) in files {
            let p = hba.join(name);
            let parent = p.parent().unwrap();
            std::fs::create_dir_all(parent).unwrap();
            std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::write(&p, text).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }

    /// Runs SQL as the superuser; its unaligned output.
    fn sql(&self, sql: &str) -> String {
        ok(Command::new("psql")
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(format!(
                "host={} dbname=postgres user=postgres",
                self.dir.path().display()
            ))
            .args(["-c", sql]))
    }

    /// What the server reads from `files` as its pg_ident.conf: the mappings as
    /// `map|system user|pg user`, sorted (any line that matches may be used), and (file, line,
    /// error) of each line it refuses.
    fn read_ident(&self, files: &[(&str, &str)]) -> (Vec<String>, Vec<(String, u32, String)>) {
        self.write(files);
        let out = self.sql(
            "SELECT file_name, line_number, coalesce(error, ''), coalesce(map_name, ''), \
             coalesce(sys_name, ''), coalesce(pg_username, '') FROM pg_ident_file_mappings",
        );
        let prefix = format!("{}/", self.hba().display());
        let (mut maps, mut errors) = (Vec::new(), Vec::new());
        for row in out.lines() {
            let cols: Vec<&str> = row.split('|').collect();
            if cols[2].is_empty() {
                maps.push(cols[3..].join("|"));
            } else {
                errors.push((
                    cols[0].trim_start_matches(&prefix).to_string(),
                    cols[1].parse().unwrap(),
                    cols[2].replace(&prefix, ""),
                ));
            }
        }
        maps.sort();
        maps.dedup();
        (maps, errors)
    }

    /// What the server reads from `files`: its rules in order as
    /// `type|databases|users|address|netmask|method|options` with the file (relative to the
    /// hba directory) and line of each, and (file, line, error) of each line it refuses.
    fn read(&self, files: &[(&str, &str)]) -> Read {
        self.write(files);
        let out = ok(Command::new("psql")
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(format!(
                "host={} dbname=postgres user=postgres",
                self.dir.path().display()
            ))
            .args([
                "-c",
                "SELECT file_name, line_number, coalesce(error, ''), coalesce(type, ''), \
                 coalesce(array_to_string(database, ','), ''), \
                 coalesce(array_to_string(user_name, ','), ''), coalesce(address, ''), \
                 coalesce(netmask, ''), coalesce(auth_method, ''), \
                 coalesce(array_to_string(options, ' '), '') \
                 FROM pg_hba_file_rules ORDER BY rule_number NULLS LAST, file_name, line_number",
            ]));
        let prefix = format!("{}/", self.hba().display());
        let (mut rules, mut errors) = (Vec::new(), Vec::new());
        for row in out.lines() {
            let cols: Vec<&str> = row.split('|').collect();
            assert_eq!(cols.len(), 10, "{row}");
            let file = cols[0].trim_start_matches(&prefix).to_string();
            let line: u32 = cols[1].parse().unwrap();
            if cols[2].is_empty() {
                rules.push((cols[3..].join("|"), file, line));
            } else {
                errors.push((file, line, cols[2].replace(&prefix, "")));
            }
        }
        (rules, errors)
    }
}

impl Drop for Pg17 {
    fn drop(&mut self) {
        let _ = server("pg_ctl")
            .args(["-w", "-t", "30", "-m", "immediate", "-D"])
            .arg(self.dir.path().join("data"))
            .arg("stop")
            .output();
    }
}

/// The server's rules written out as one pg_hba.conf, one line per rule it read.
fn flat(rules: &[(String, String, u32)]) -> String {
    rules
        .iter()
        .map(|(r, _, _)| {
            let c: Vec<&str> = r.split('|').collect();
            let fields: Vec<&str> = c.iter().copied().filter(|f| !f.is_empty()).collect();
            fields.join(" ") + "\n"
        })
        .collect()
}

/// What `confdrift check` says of a host whose baseline is `base` and whose files are `live`
/// (names relative to [`DIR`]; pg_hba.conf is the listed file, the rest is reached through
/// it): exit code, (file, key, kind) of the findings, (file, line, message) of the errors,
/// files relative to DIR.
type Said = (
    i32,
    Vec<(String, String, String)>,
    Vec<(String, u64, String)>,
);

fn check(base: &[(&str, &str)], live: &[(&str, &str)]) -> Said {
    check_listed("pg_hba.conf", base, live)
}

/// [`check`] with `listed` (relative to DIR) the file the group lists.
fn check_listed(listed: &str, base: &[(&str, &str)], live: &[(&str, &str)]) -> Said {
    let f = Fleet::new(&app_config(&["db-1"], &[&format!("{DIR}/{listed}")]));
    for (name, text) in base {
        f.group_baseline("app", &format!("{DIR}/{name}"), text);
    }
    for (name, text) in live {
        f.live("db-1", &format!("{DIR}/{name}"), text);
    }
    f.commit("baseline");
    let out = f.run(&["check", "--format", "json"]);
    let r = out.json();
    let rel = |v: &serde_json::Value| {
        v.as_str()
            .unwrap_or("")
            .trim_start_matches(&format!("{DIR}/"))
            .to_string()
    };
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let mut findings: Vec<(String, String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (rel(&x["file"]), s(&x["key"]), s(&x["kind"])))
        .collect();
    findings.sort();
    let errors = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                rel(&e["file"]),
                e["line"].as_u64().unwrap_or(0),
                s(&e["message"]),
            )
        })
        .collect();
    (out.code, findings, errors)
}

/// A pool's pg_hba.conf split over included files: an application rule whose databases and
/// users are `@file` lists (one naming another, relative to its own directory), `include_dir`
/// files (a hidden one and one not named `.conf`, which the server skips), an
/// `include_if_exists` of nothing.
fn split() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "pg_hba.conf",
            "local   all             postgres                                peer\n\
             include pg_hba.d/app.conf\n\
             include_dir conf.d\n\
             include_if_exists absent.conf\n\
             host    all             all             all                     reject\n",
        ),
        (
            "pg_hba.d/app.conf",
            "# the application\n\
             host @dbs app 10.0.0.0/8 scram-sha-256\n\
             host @dbs @../users 10.1.0.0 255.255.0.0 md5\n",
        ),
        (
            "pg_hba.d/dbs",
            "app, reports # the two databases\nbilling\n",
        ),
        ("users", "alice,bob\n@more\n"),
        ("more", "carol\n"),
        (
            "conf.d/10-pgbouncer.conf",
            "host all pgbouncer 10.2.0.0/16 scram-sha-256\n",
        ),
        ("conf.d/20-deny.conf", "host all all 10.2.0.0/16 reject\n"),
        ("conf.d/.hidden.conf", "host all all all trust\n"),
        ("conf.d/notes.txt", "host all all all trust\n"),
    ]
}

fn with(
    files: &[(&'static str, &'static str)],
    name: &str,
    text: &'static str,
) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = files.iter().copied().filter(|(n, _)| *n != name).collect();
    let name: &'static str = Box::leak(name.to_string().into_boxed_str());
    out.push((name, text));
    out
}

fn without(
    files: &[(&'static str, &'static str)],
    name: &str,
) -> Vec<(&'static str, &'static str)> {
    files.iter().copied().filter(|(n, _)| *n != name).collect()
}

#[test]
fn the_rules_through_includes_and_names_files_are_the_servers() {
    let pg = Pg17::start();
    let files = split();
    let (rules, errors) = pg.read(&files);
    assert!(errors.is_empty(), "{errors:?}");
    // The server read every file in place: `@file` lists expanded, include_dir in name order,
    // the hidden file and notes.txt skipped.
    let seen: Vec<(&str, u32)> = rules.iter().map(|(_, f, l)| (f.as_str(), *l)).collect();
    assert_eq!(
        seen,
        vec![
            ("pg_hba.conf", 1),
            ("pg_hba.d/app.conf", 2),
            ("pg_hba.d/app.conf", 3),
            ("conf.d/10-pgbouncer.conf", 1),
            ("conf.d/20-deny.conf", 1),
            ("pg_hba.conf", 5),
        ]
    );
    assert_eq!(
        rules[2].0,
        "host|app,reports,billing|alice,bob,carol|10.1.0.0|255.255.0.0|md5|"
    );
    // The same rules, flat: the server reads them alike, and confdrift finds no drift either
    // way (the files come and go through the includes without changing a rule).
    let flat = flat(&rules);
    let (flat_rules, _) = pg.read(&[("pg_hba.conf", &flat)]);
    let strip =
        |r: &[(String, String, u32)]| r.iter().map(|(x, _, _)| x.clone()).collect::<Vec<_>>();
    assert_eq!(strip(&flat_rules), strip(&rules));
    let flat_files = [("pg_hba.conf", flat.as_str())];
    assert_eq!(check(&flat_files, &files), (0, vec![], vec![]));
    assert_eq!(check(&files, &flat_files), (0, vec![], vec![]));
    assert_eq!(check(&files, &files), (0, vec![], vec![]));
}

#[test]
fn edits_in_included_files_are_named_by_rule_as_the_server_reads_them() {
    let pg = Pg17::start();
    let files = split();
    let (base_rules, _) = pg.read(&files);
    let app = files
        .iter()
        .find(|(n, _)| *n == "pg_hba.d/app.conf")
        .unwrap()
        .1;
    let k = |rule: &str, leaf: &str| format!("\"{rule}\".{leaf}");

    // A method changed in an included file: the file's own rule, as written there.
    let edited = with(
        &files,
        "pg_hba.d/app.conf",
        Box::leak(app.replace("scram-sha-256", "md5").into_boxed_str()),
    );
    let (rules, _) = pg.read(&edited);
    assert_ne!(rules, base_rules);
    assert_eq!(
        check(&files, &edited),
        (
            1,
            vec![(
                "pg_hba.d/app.conf".to_string(),
                k("host @dbs app 10.0.0.0/8", "method"),
                "changed".to_string()
            )],
            vec![]
        )
    );

    // A database added to the `@file` list: the server reads one more database on the rules
    // that name it; confdrift names the rules it adds, where the rules are.
    let more = with(
        &files,
        "pg_hba.d/dbs",
        "app, reports # the two databases\nbilling\nledger\n",
    );
    let (rules, _) = pg.read(&more);
    assert!(
        rules[1].0.contains("app,reports,billing,ledger"),
        "{rules:?}"
    );
    let (code, findings, errors) = check(&files, &more);
    assert_eq!((code, errors), (1, vec![]));
    let methods: Vec<&(String, String, String)> = findings
        .iter()
        .filter(|(_, key, _)| key.ends_with(".method"))
        .collect();
    assert_eq!(
        methods,
        vec![
            &(
                "pg_hba.d/app.conf".to_string(),
                k("host ledger alice 10.1.0.0/16", "method"),
                "added".to_string()
            ),
            &(
                "pg_hba.d/app.conf".to_string(),
                k("host ledger app 10.0.0.0/8", "method"),
                "added".to_string()
            ),
            &(
                "pg_hba.d/app.conf".to_string(),
                k("host ledger bob 10.1.0.0/16", "method"),
                "added".to_string()
            ),
            &(
                "pg_hba.d/app.conf".to_string(),
                k("host ledger carol 10.1.0.0/16", "method"),
                "added".to_string()
            ),
        ]
    );
    assert!(
        findings
            .iter()
            .all(|(file, key, _)| file == "pg_hba.d/app.conf" && key.contains("ledger")),
        "{findings:?}"
    );

    // include_dir's order: 10-pgbouncer.conf renamed 30-: the server now tries the reject of
    // 10.2.0.0/16 first, which decides pgbouncer's connections from there; a move.
    let renamed = {
        let mut v = without(&files, "conf.d/10-pgbouncer.conf");
        v.push((
            "conf.d/30-pgbouncer.conf",
            "host all pgbouncer 10.2.0.0/16 scram-sha-256\n",
        ));
        v
    };
    let (rules, _) = pg.read(&renamed);
    let order =
        |r: &[(String, String, u32)]| r.iter().map(|(x, _, _)| x.clone()).collect::<Vec<_>>();
    let deny = order(&rules)
        .iter()
        .position(|r| r.starts_with("host|all|all|10.2.0.0"))
        .unwrap();
    let bouncer = order(&rules)
        .iter()
        .position(|r| r.contains("pgbouncer"))
        .unwrap();
    assert!(deny < bouncer, "{rules:?}");
    let (code, findings, errors) = check(&files, &renamed);
    assert_eq!((code, errors), (1, vec![]));
    assert_eq!(
        findings,
        vec![
            (
                "conf.d/20-deny.conf".to_string(),
                k("host all all 10.2.0.0/16", "after"),
                "moved".to_string()
            ),
            // The file is new to the baseline, and brings the move.
            (
                "conf.d/30-pgbouncer.conf".to_string(),
                String::new(),
                "unexpected_file".to_string()
            ),
            (
                "conf.d/30-pgbouncer.conf".to_string(),
                k("host all pgbouncer 10.2.0.0/16", "after"),
                "moved".to_string()
            ),
        ]
    );

    // A rename that leaves the order of rules matching the same connections as it was: the
    // server lists the same rules, confdrift finds nothing.
    let harmless = {
        let mut v = without(&files, "conf.d/20-deny.conf");
        v.push(("conf.d/05-deny.conf", "host all all 10.3.0.0/16 reject\n"));
        v
    };
    let base = with(
        &files,
        "conf.d/20-deny.conf",
        "host all all 10.3.0.0/16 reject\n",
    );
    let (a, _) = pg.read(&base);
    let (b, _) = pg.read(&harmless);
    assert_ne!(order(&a), order(&b));
    let (mut sa, mut sb) = (order(&a), order(&b));
    sa.sort();
    sb.sort();
    assert_eq!(sa, sb);
    assert_eq!(check(&base, &harmless), (0, vec![], vec![]));
}

#[test]
fn missing_files_and_include_circles_are_trouble_where_the_server_marks_them() {
    let pg = Pg17::start();
    let good = "local all all peer\n";
    for (what, files, (file, line)) in [
        (
            "include of a missing file",
            vec![("pg_hba.conf", "local all all peer\ninclude nothing.conf\n")],
            ("pg_hba.conf", 2),
        ),
        (
            "@file that is missing",
            vec![(
                "pg_hba.conf",
                "local all all peer\nhost @nothing all all md5\n",
            )],
            ("pg_hba.conf", 2),
        ),
        (
            "include_dir of a missing directory",
            vec![(
                "pg_hba.conf",
                "local all all peer\n\ninclude_dir nothing.d\n",
            )],
            ("pg_hba.conf", 3),
        ),
    ] {
        let (_, errors) = pg.read(&files);
        assert_eq!(errors.len(), 1, "{what}: {errors:?}");
        assert_eq!(
            (errors[0].0.as_str(), errors[0].1),
            (file, line),
            "{what}: {errors:?}"
        );
        let (code, _, errs) = check(&[("pg_hba.conf", good)], &files);
        assert_eq!(code, 2, "{what}");
        assert_eq!(errs.len(), 1, "{what}: {errs:?}");
        assert_eq!(
            (errs[0].0.as_str(), errs[0].1),
            (file, u64::from(line)),
            "{what}: {errs:?}"
        );
        assert!(
            errs[0]
                .2
                .contains("the program refuses to start without it"),
            "{what}: {errs:?}"
        );
    }
    // An include_if_exists of nothing: the server reads on.
    let files = vec![(
        "pg_hba.conf",
        "local all all peer\ninclude_if_exists nothing.conf\n",
    )];
    assert_eq!(pg.read(&files).1, vec![]);
    assert_eq!(check(&files, &files), (0, vec![], vec![]));

    // Circles: the server reads on until the 11th level, where the line that would open the
    // next is an error; confdrift says the same file, line and words.
    for (what, files) in [
        (
            "a file including itself",
            vec![
                (
                    "pg_hba.conf",
                    "local all all peer\ninclude pg_hba.d/loop.conf\n",
                ),
                ("pg_hba.d/loop.conf", "# again\ninclude loop.conf\n"),
            ],
        ),
        (
            "an @file naming itself",
            vec![
                (
                    "pg_hba.conf",
                    "local all all peer\nhost @names all all md5\n",
                ),
                ("names", "app\n@names\n"),
            ],
        ),
    ] {
        let (_, errors) = pg.read(&files);
        assert!(!errors.is_empty(), "{what}");
        let (file, line, message) = &errors[0];
        assert!(
            message.contains("maximum nesting depth exceeded"),
            "{what}: {errors:?}"
        );
        let (code, _, errs) = check(&files, &files);
        assert_eq!(code, 2, "{what}: {errs:?}");
        assert!(
            errs.iter().any(|(f, l, m)| f == file
                && *l == u64::from(*line)
                && m.contains("maximum nesting depth exceeded")),
            "{what}: server {errors:?}, confdrift {errs:?}"
        );
    }
}

#[test]
fn pg_ident_conf_through_its_includes_as_postgresql_17_reads_it() {
    let pg = Pg17::start();
    let split = vec![
        (
            "pg_ident.conf",
            "omicron bryanh bryanh\ninclude_dir pg_ident.d\ninclude_if_exists absent.conf\n",
        ),
        (
            "pg_ident.d/10-ops.conf",
            "ops deploy postgres\nomicron bryanh admin\n",
        ),
        ("pg_ident.d/.old.conf", "ops root postgres\n"),
    ];
    let (maps, errors) = pg.read_ident(&split);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        maps,
        vec![
            "omicron|bryanh|admin",
            "omicron|bryanh|bryanh",
            "ops|deploy|postgres"
        ]
    );
    // The same maps in one file: no drift either way.
    let flat = [(
        "pg_ident.conf",
        "omicron bryanh admin\nomicron bryanh bryanh\nops deploy postgres\n",
    )];
    assert_eq!(pg.read_ident(&flat), (maps.clone(), vec![]));
    assert_eq!(
        check_listed("pg_ident.conf", &flat, &split),
        (0, vec![], vec![])
    );
    assert_eq!(
        check_listed("pg_ident.conf", &split, &flat),
        (0, vec![], vec![])
    );
    // A mapping added in an included file: named there, by map and system user.
    let mut more = split.clone();
    more[1].1 = "ops deploy postgres\nomicron bryanh admin\nops ci postgres\n";
    let (m, _) = pg.read_ident(&more);
    assert_ne!(m, maps);
    assert_eq!(
        check_listed("pg_ident.conf", &split, &more),
        (
            1,
            vec![(
                "pg_ident.d/10-ops.conf".to_string(),
                "ops.ci".to_string(),
                "added".to_string()
            )],
            vec![]
        )
    );
    // A file including itself: refused at the 11th level, at the server's file and line.
    let looped = [
        (
            "pg_ident.conf",
            "omicron bryanh bryanh\ninclude pg_ident.d/loop.conf\n",
        ),
        ("pg_ident.d/loop.conf", "\ninclude loop.conf\n"),
    ];
    let (_, errors) = pg.read_ident(&looped);
    let (file, line, message) = &errors[0];
    assert!(
        message.contains("maximum nesting depth exceeded"),
        "{errors:?}"
    );
    let (code, _, errs) = check_listed("pg_ident.conf", &looped, &looped);
    assert_eq!(code, 2, "{errs:?}");
    assert!(
        errs.iter().any(|(f, l, m)| f == file
            && *l == u64::from(*line)
            && m.contains("maximum nesting depth exceeded")),
        "server {errors:?}, confdrift {errs:?}"
    );
    // A missing include: trouble at its line, as the server marks it.
    let missing = [(
        "pg_ident.conf",
        "omicron bryanh bryanh\ninclude nothing.conf\n",
    )];
    let (_, errors) = pg.read_ident(&missing);
    assert_eq!((errors[0].0.as_str(), errors[0].1), ("pg_ident.conf", 2));
    let (code, _, errs) = check_listed("pg_ident.conf", &flat, &missing);
    assert_eq!(code, 2);
    assert_eq!(
        (errs[0].0.as_str(), errs[0].1),
        ("pg_ident.conf", 2),
        "{errs:?}"
    );
}
