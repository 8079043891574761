//! PgBouncer itself judges confdrift on pgbouncer.ini: pairs built from Debian's pgbouncer.ini
//! (`fixtures/upstream/pgbouncer/pgbouncer.ini`) by rewrites that keep what pgbouncer runs with
//! (a key written out at its default, spacing, enum words in capitals, integers in hexadecimal
//! or octal, times with fractions or exponents, a key repeated, keys a second `[pgbouncer]`
//! header sets back; `[databases]` connection strings reordered, requoted, with `port=5432`)
//! and edits that change it. For each side a real pgbouncer, started on a unix socket in a
//! temporary directory with no TCP listener, says with `SHOW CONFIG`, `SHOW DATABASES` and
//! `SHOW USERS` on its admin console what it runs with, and `confdrift diff --program-version
//! 1.18` must name exactly the keys that differ. A side pgbouncer refuses to start with is counted apart, and
//! confdrift must report trouble for it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU16, Ordering};

const SAMPLE: &str = include_str!("../../fixtures/upstream/pgbouncer/pgbouncer.ini");
const TABLE: &str = include_str!("../../src/normalize/defaults/pgbouncer-1.18.tsv");

/// Keys the start-up fixes (the test's own socket, console and files): the same on both sides,
/// never judged, never edited.
pub(crate) const FIXED: &[&str] = &[
    "conffile",
    "listen_addr",
    "listen_port",
    "unix_socket_dir",
    "logfile",
    "pidfile",
    "auth_type",
    "admin_users",
    "user",
];

static PORT: AtomicU16 = AtomicU16::new(16432);

struct Pair {
    what: String,
    a: String,
    b: String,
}

/// Each key of PgBouncer 1.18's table: its type and default.
fn table() -> BTreeMap<&'static str, (&'static str, &'static str)> {
    TABLE
        .lines()
        .filter_map(|l| match l.split('\t').collect::<Vec<_>>().as_slice() {
            ["setting", name, kind, default, _, _] => Some((*name, (*kind, *default))),
            _ => None,
        })
        .collect()
}

fn enum_words(key: &str) -> Vec<&'static str> {
    TABLE
        .lines()
        .filter_map(|l| match l.split('\t').collect::<Vec<_>>().as_slice() {
            ["enum", name, _, value] if *name == key => Some(*value),
            _ => None,
        })
        .collect()
}

/// What pgbouncer runs with for `conf` (its `[pgbouncer]` section last, so that the test's own
/// keys appended at the end are in it); `None` when it refuses to start.
fn bouncer(conf: &str) -> Option<BTreeMap<String, String>> {
    bouncer_with(conf, &[])
}

/// [`bouncer`] with `files` (path relative to `/`, text) beside `conf`: written in the run's
/// directory, every `%include /` of them and of `conf` pointed there.
pub(crate) fn bouncer_with(
    conf: &str,
    files: &[(String, String)],
) -> Option<BTreeMap<String, String>> {
    let port = PORT.fetch_add(1, Ordering::Relaxed);
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let here =
        |text: &str| text.replace("%include /", &format!("%include {}/", dir.path().display()));
    for (name, text) in files {
        let path = dir.path().join(name);
        for d in path
            .ancestors()
            .skip(1)
            .take_while(|d| d.starts_with(dir.path()) && *d != dir.path())
        {
            std::fs::create_dir_all(d).unwrap();
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::write(&path, here(text)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let conf = here(conf);
    let file = dir.path().join("pgbouncer.ini");
    // The sample's own log and pid files are not the test's to write (with `verbose` pgbouncer
    // opens the log file while it reads the configuration).
    let conf = conf
        .replace("logfile = /var/log/postgresql/pgbouncer.log", "logfile =")
        .replace("pidfile = /var/run/postgresql/pgbouncer.pid", "pidfile =");
    let text = format!(
        "{conf}\nlisten_addr =\nlisten_port = {port}\nunix_socket_dir = {}\nlogfile =\npidfile =\nauth_type = any\nadmin_users = admin\n",
        dir.path().display()
    );
    std::fs::write(&file, text).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    // pgbouncer refuses to run as root: the test runs it as nobody then.
    let mut cmd = crate::harness::unprivileged("pgbouncer");
    let mut child = cmd
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pgbouncer is needed for this test: apt-get install pgbouncer (.ci/run does)");
    let sock = dir.path().join(format!(".s.PGSQL.{port}"));
    let mut config = None;
    // Up to 10 s for a loaded machine; a pgbouncer that refuses its file exits at once.
    for _ in 0..1000 {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if sock.exists() {
            let out = Command::new("timeout")
                .args(["5", "psql", "-h"])
                .arg(dir.path())
                .args(["-p", &port.to_string(), "-U", "admin", "-At", "-F", "\t"])
                .args([
                    "-c",
                    "SHOW CONFIG",
                    "-c",
                    "SHOW DATABASES",
                    "-c",
                    "SHOW USERS",
                ])
                .arg("pgbouncer")
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .output()
                .expect("psql is needed for this test: apt-get install postgresql-client");
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            if out.status.success() && text.lines().count() > 50 {
                config = Some(text.lines().filter_map(row).collect());
                break;
            }
            // Up but deaf (a 5 s timeout): counted as refused.
            if out.status.code() == Some(124) {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    config
}

/// One row of SHOW CONFIG (key, value, default, changeable), SHOW DATABASES (name, host, port,
/// database, force_user, pool_size, min_pool_size, reserve_pool, pool_mode, max_connections,
/// and counters left out) or SHOW USERS (name, pool_mode), as `section.name` and what the
/// row says; the console's own database and user, and the test's fixed keys, left out.
fn row(line: &str) -> Option<(String, String)> {
    let f: Vec<&str> = line.split('\t').collect();
    match f.len() {
        4 if !FIXED.contains(&f[0]) => Some((format!("pgbouncer.{}", f[0]), f[1].to_string())),
        13 if f[0] != "pgbouncer" => Some((format!("databases.{}", f[0]), f[1..10].join(" "))),
        2 if f[0] != "pgbouncer" => Some((format!("users.{}", f[0]), f[1].to_string())),
        _ => None,
    }
}

/// The sample with `from` (a whole line) replaced by `to`.
fn with(from: &str, to: &str) -> String {
    let mut out = String::new();
    let mut done = false;
    for line in SAMPLE.lines() {
        if !done && line == from {
            out.push_str(to);
            done = true;
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    assert!(done, "no line {from:?} in the sample");
    out
}

fn pairs() -> Vec<Pair> {
    let table = table();
    let mut out = Vec::new();
    let mut pair = |what: String, a: String, b: String| out.push(Pair { what, a, b });
    let base = SAMPLE.to_string();
    let mut seen = BTreeSet::new();
    let mut section = "";
    for line in SAMPLE.lines() {
        if let Some(s) = line.strip_prefix('[') {
            section = s.trim_end_matches(']');
            continue;
        }
        let Some((key, value)) = line.trim_start_matches(';').split_once(" = ") else {
            continue;
        };
        let Some(&(kind, default)) = table.get(key) else {
            continue;
        };
        // disable_pqexec = 1 shuts the console's simple queries out: SHOW CONFIG cannot be
        // asked (pairs with it are left out).
        if section != "pgbouncer"
            || FIXED.contains(&key)
            || key == "disable_pqexec"
            || value.contains('<')
        {
            continue;
        }
        seen.insert(key);
        let written = format!("{key} = {value}");
        // The line as written, and spaced otherwise.
        pair(
            format!("{key}: {written:?}"),
            base.clone(),
            with(line, &written),
        );
        pair(
            format!("{key}: without spaces"),
            with(line, &written),
            with(line, &format!("{key}={value}")),
        );
        pair(
            format!("{key}: spaces and a tab"),
            with(line, &written),
            with(line, &format!("   {key}  =\t {value}   ")),
        );
        pair(
            format!("{key}: the key in capitals"),
            with(line, &written),
            with(line, &format!("{} = {value}", key.to_uppercase())),
        );
        pair(
            format!("{key}: repeated, the last as before"),
            with(line, &written),
            with(line, &format!("{key} = {default}x\n{written}")),
        );
        let mut alike = Vec::new();
        let mut edits = Vec::new();
        match kind {
            "INT" | "UINT" => {
                if let Ok(n) = value.parse::<i64>() {
                    alike.push(format!("{n:#x}"));
                    alike.push(format!("+{n}"));
                    if n > 0 {
                        alike.push(format!("0{n:o}"));
                    }
                    edits.push((n + 1).to_string());
                    edits.push(format!("{n}.0"));
                    edits.push("yes".to_string());
                }
            }
            "TIME" => {
                if let Ok(n) = value.parse::<i64>() {
                    alike.push(format!("{n}.0"));
                    alike.push(format!("{n}e0"));
                    alike.push(format!("{n}.0000001"));
                    edits.push(format!("{n}.5"));
                    edits.push(format!("{}", n + 1));
                    edits.push(format!("{n}s"));
                }
            }
            "ENUM" => {
                alike.push(value.to_uppercase());
                alike.push(format!("{}{}", &value[..1].to_uppercase(), &value[1..]));
                edits.extend(
                    enum_words(key)
                        .into_iter()
                        .filter(|w| *w != value)
                        .take(2)
                        .map(String::from),
                );
                edits.push(format!("'{value}'"));
            }
            _ => {
                if value.chars().any(|c| c.is_ascii_lowercase()) {
                    edits.push(value.to_uppercase());
                }
                edits.push(format!("'{value}'"));
                edits.push(format!("{value} ; a comment?"));
            }
        }
        for v in alike.iter().chain(&edits) {
            pair(
                format!("{key}: {value:?} and {v:?}"),
                with(line, &written),
                with(line, &format!("{key} = {v}")),
            );
        }
    }
    // Every other key of the table written out at its default, at the end of [pgbouncer].
    for (key, (kind, default)) in &table {
        if seen.contains(key) || FIXED.contains(key) || *key == "disable_pqexec" {
            continue;
        }
        pair(
            format!("{key}: written out at its default"),
            base.clone(),
            format!("{base}{key} = {default}\n"),
        );
        if *kind == "INT" && *default != "0" {
            pair(
                format!("{key}: edited"),
                base.clone(),
                format!("{base}{key} = 1\n"),
            );
        }
    }
    // [databases] and [users]: SHOW DATABASES and SHOW USERS show what pgbouncer made of them
    // (not a password, connect_query, client_encoding, max_user_connections: those are left
    // unedited).
    let bardb = ";bardb = host=localhost dbname=bazdb";
    let forcedb = ";forcedb = host=localhost port=300 user=baz password=foo client_encoding=UNICODE datestyle=ISO connect_query='SELECT 1'";
    let nondefault = ";nondefaultdb = pool_size=50 reserve_pool=10";
    let user1 = ";user1 = pool_mode=transaction max_user_connections=10";
    for (from, a, b) in [
        (";foodb =", ";foodb =", "foodb ="),
        (";foodb =", "foodb =", "foodb = dbname=foodb port=5432"),
        (";foodb =", "foodb =", "foodb = dbname=other"),
        (bardb, bardb, "bardb = host=localhost dbname=bazdb"),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb = dbname=bazdb host=localhost",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb =   host=localhost    dbname=bazdb  ",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb = host='localhost' dbname='bazdb'",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb = host=localhost dbname=bazdb port=5432",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb = host=localhost dbname=bazdb port=05432",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb = host=otherhost host=localhost dbname=bazdb",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb = host=127.0.0.1 dbname=bazdb",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb = host=localhost dbname=bardb",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bardb",
            "bardb = host=localhost",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb = host=localhost dbname=bazdb port=5433",
        ),
        (
            bardb,
            "bardb = host=localhost pool_mode=transaction",
            "bardb = host=localhost pool_mode=Transaction",
        ),
        (
            bardb,
            "bardb = host=localhost pool_mode=transaction",
            "bardb = host=localhost pool_mode=session",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb2 = host=localhost dbname=bazdb",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb = hots=localhost dbname=bazdb",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb = host=localhost dbname=bazdb port=0",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb = host= dbname=bazdb",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb = host=localhost pool_mode=sessions",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "bardb = host='localhost dbname=bazdb",
        ),
        (
            bardb,
            "bardb = host=localhost dbname=bazdb",
            "pgbouncer = host=localhost",
        ),
        (forcedb, forcedb, &forcedb[1..]),
        (
            forcedb,
            &forcedb[1..],
            "forcedb = connect_query='SELECT 1' datestyle=ISO client_encoding=UNICODE password=foo user=baz port=300 host=localhost",
        ),
        (
            forcedb,
            &forcedb[1..],
            &forcedb[1..].replace("user=baz", "user=qux"),
        ),
        (
            forcedb,
            &forcedb[1..],
            &forcedb[1..].replace("port=300", "port=0300"),
        ),
        (
            forcedb,
            &forcedb[1..],
            &forcedb[1..].replace("port=300", "port=301"),
        ),
        (nondefault, nondefault, &nondefault[1..]),
        (
            nondefault,
            &nondefault[1..],
            "nondefaultdb = reserve_pool=10 pool_size=50",
        ),
        (
            nondefault,
            &nondefault[1..],
            "nondefaultdb = pool_size=050 reserve_pool=10",
        ),
        (
            nondefault,
            &nondefault[1..],
            "nondefaultdb = pool_size=51 reserve_pool=10",
        ),
        (
            nondefault,
            &nondefault[1..],
            "nondefaultdb = pool_size=50 reserve_pool=11",
        ),
        (
            nondefault,
            &nondefault[1..],
            "nondefaultdb = pool_size=50 reserve_pool=10 max_db_connections=5",
        ),
        (user1, user1, &user1[1..]),
        (
            user1,
            &user1[1..],
            "user1 = max_user_connections=10 pool_mode=transaction",
        ),
        (
            user1,
            &user1[1..],
            "user1 = pool_mode=TRANSACTION max_user_connections=010",
        ),
        (
            user1,
            &user1[1..],
            "user1 = pool_mode=statement max_user_connections=10",
        ),
        (
            user1,
            &user1[1..],
            "user1 = pool_mode=statements max_user_connections=10",
        ),
        (user1, &user1[1..], "user1 = host=localhost"),
    ] {
        pair(format!("{a:?} and {b:?}"), with(from, a), with(from, b));
    }
    for (what, add) in [
        ("unix_socket_mode as octal", "unix_socket_mode = 0777"),
        ("unix_socket_mode as hex", "unix_socket_mode = 0x1ff"),
        ("unix_socket_mode 0700", "unix_socket_mode = 0700"),
        ("max_packet_size -1", "max_packet_size = -1"),
        (
            "max_client_conn before a second [pgbouncer] header",
            "max_client_conn = 50\n[pgbouncer]",
        ),
        (
            "auth_user before a second [pgbouncer] header",
            "auth_user = bar\n[pgbouncer]",
        ),
        (
            "a second [pgbouncer] header with a comment after it",
            "[pgbouncer] ; again",
        ),
        ("an unknown key", "max_client_connections = 100"),
        ("a key with no '='", "max_client_conn 100"),
        ("a quoted key", "\"max_client_conn\" = 100"),
        ("an unknown section", "[PgBouncer]"),
        ("log_connections = yes", "log_connections = yes"),
        ("log_connections = 0", "log_connections = 0"),
        ("verbose = 2", "verbose = 2"),
        ("server_lifetime 1.5e3", "server_lifetime = 1.5e3"),
        (
            "server_lifetime 0.0000001 rounds to 0",
            "server_lifetime = 0.0000001",
        ),
        ("server_lifetime -1", "server_lifetime = -1"),
        ("an empty integer", "max_client_conn ="),
        ("an empty string", "server_reset_query ="),
        (
            "a trailing comment in an integer",
            "max_client_conn = 100 ; x",
        ),
    ] {
        pair(what.to_string(), base.clone(), format!("{base}{add}\n"));
    }
    out
}

#[test]
fn confdrift_sees_pgbouncer_ini_as_pgbouncer_1_18_does() {
    let version = Command::new("pgbouncer")
        .arg("--version")
        .output()
        .expect("pgbouncer is needed for this test: apt-get install pgbouncer (.ci/run does)");
    let version = String::from_utf8_lossy(&version.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    assert!(
        version.starts_with("PgBouncer 1.18."),
        "the table is PgBouncer 1.18's; this is {version}"
    );
    let pairs = pairs();
    let cache: Mutex<HashMap<String, Option<BTreeMap<String, String>>>> =
        Mutex::new(HashMap::new());
    let ask = |conf: &str| {
        if let Some(v) = cache.lock().unwrap().get(conf) {
            return v.clone();
        }
        let v = bouncer(conf);
        cache.lock().unwrap().insert(conf.to_string(), v.clone());
        v
    };
    // (agreed, refused, refusals confdrift reported, disagreements, refusals it missed)
    let results = Mutex::new((0usize, 0usize, 0usize, Vec::new(), Vec::new()));
    crate::verdict::each_in_parallel(&pairs, 4, |_, p| {
        let ours = crate::verdict::diff("pgbouncer.ini", "1.18", &p.a, &p.b);
        let (Some(a), Some(b)) = (ask(&p.a), ask(&p.b)) else {
            let mut r = results.lock().unwrap();
            r.1 += 1;
            if ours.errors > 0 {
                r.2 += 1;
            } else {
                r.4.push(p.what.clone());
            }
            return;
        };
        let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        let differ: BTreeSet<String> = names
            .into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .cloned()
            .collect();
        let keys: BTreeSet<String> = ours
            .keys
            .iter()
            .filter(|k| {
                !FIXED
                    .iter()
                    .any(|f| k.strip_prefix("pgbouncer.") == Some(*f))
            })
            .cloned()
            .collect();
        let mut r = results.lock().unwrap();
        if keys == differ && ours.errors == 0 {
            r.0 += 1;
        } else {
            r.3.push(format!(
                "{}: PgBouncer: {differ:?}; confdrift: exit {}, {} errors, {:?}",
                p.what, ours.code, ours.errors, ours.keys
            ));
        }
    });
    let (agreed, refused, caught, disagreements, missed) = results.into_inner().unwrap();
    eprintln!(
        "{version}: {} pairs, {agreed} agreed, {} disagreed, {refused} refused by pgbouncer \
         ({caught} reported as trouble by confdrift)",
        pairs.len(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} pairs judged otherwise than {version}:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(
        missed.is_empty(),
        "pgbouncer refuses, confdrift saw no trouble:\n{}",
        missed.join("\n")
    );
    assert!(agreed >= 60, "only {agreed} pairs were judged");
}

#[test]
fn check_reads_pgbouncer_ini_with_the_groups_version() {
    let path = "/etc/pgbouncer/pgbouncer.ini";
    let config = crate::harness::app_config(&["db-1"], &[path]);
    let run = |config: &str, live: &str| {
        let f = crate::harness::Fleet::new(config);
        f.group_baseline(
            "app",
            path,
            "[databases]\napp = host=db\n[pgbouncer]\npool_mode = transaction\nmax_client_conn = 500\n",
        );
        f.commit("baseline");
        f.live("db-1", path, live);
        let out = f.run(&["check", "--format", "json"]);
        let keys: Vec<String> = out.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["key"].as_str().unwrap().to_string())
            .collect();
        let errors: Vec<String> = out.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{}:{} {}", e["file"], e["line"], e["message"]))
            .collect();
        (out.code, keys, errors)
    };
    let versioned = config.replace("files =", "version = \"1.18\"\nfiles =");
    // Case of an enum word, hexadecimal, a default written out: what PgBouncer 1.18 runs with
    // is the same.
    let same = "[databases]\napp = host=db\n[pgbouncer]\npool_mode = Transaction\nmax_client_conn = 0x1f4\nserver_lifetime = 3600.0\n";
    assert_eq!(run(&versioned, same), (0, Vec::new(), Vec::new()));
    // Without the version the default is not assumed.
    assert_eq!(
        run(&config, same).1,
        vec!["pgbouncer.server_lifetime".to_string()]
    );
    // A key PgBouncer does not know (keys are matched exactly) is trouble with its line.
    let (code, _, errors) = run(
        &versioned,
        "[databases]\napp = host=db\n[pgbouncer]\npool_mode = transaction\nMax_Client_Conn = 500\n",
    );
    assert_eq!(code, 2, "{errors:?}");
    assert!(
        errors.len() == 1 && errors[0].contains(":5 ") && errors[0].contains("unknown parameter"),
        "{errors:?}"
    );
}
