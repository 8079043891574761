//! Content detection (`normalize::sniff`) through the real binary: real upstream files
//! renamed to names confdrift does not know are compared by key, in one format on both sides,
//! with the format and why in the notes, `-v` and the JSON report's `detected`; `--as` and
//! `format =` still decide; and every file of `fixtures/upstream/` that has structure is read
//! by key, by its name or by its content.

use crate::formats::assert_valid;
use crate::harness::{Fleet, app_config, kinds, run_in};
use confdrift::normalize::{Document, Format, sniff};

fn fixture(rel: &str) -> String {
    let path = format!("{}/fixtures/upstream/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `text` without blank lines and lines whose first non-blank character is in `comment`.
fn strip(text: &str, comment: &[char]) -> String {
    text.lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.is_empty() || t.starts_with(comment))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `confdrift diff OLD NEW --format json` on two files written under unknown names.
fn diff(old: &str, new: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    diff_named("settings", old, new, extra)
}

/// [`diff`], the files named `old/NAME` and `new/NAME`.
fn diff_named(name: &str, old: &str, new: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = if name == "settings" {
        ("old.settings".to_string(), "new.settings".to_string())
    } else {
        (format!("old/{name}"), format!("new/{name}"))
    };
    for (path, text) in [(&a, old), (&b, new)] {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let mut args = vec!["diff", "--format", "json", a.as_str(), b.as_str()];
    args.extend(extra);
    let out = run_in(dir.path(), &args);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    let r = out.json();
    assert_valid(&r);
    (out.code, r)
}

fn keys(r: &serde_json::Value) -> Vec<(String, String, u64)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key"].as_str().unwrap_or("").to_string(),
                f["kind"].as_str().unwrap().to_string(),
                f["line"]
                    .as_u64()
                    .or(f["baseline_line"].as_u64())
                    .unwrap_or(0),
            )
        })
        .collect()
}

fn detected(r: &serde_json::Value) -> (String, String) {
    let d = &r["detected"][0];
    (
        d["format"].as_str().unwrap_or("").to_string(),
        d["why"].as_str().unwrap_or("").to_string(),
    )
}

/// Real files renamed, an edit, an equivalent rewrite (comments and blank lines gone, spacing
/// around `=` changed), and the format each is read in.
#[test]
fn renamed_upstream_files_are_compared_by_key() {
    for (rel, format, comment, edit, key, line) in [
        (
            "php8.2-fpm/www.conf",
            "phpfpm",
            &[';'][..],
            ("pm.max_children = 5", "pm.max_children = 50"),
            "www.pm.max_children",
            127,
        ),
        (
            "zookeeper/zoo.cfg",
            "properties",
            &['#'][..],
            ("clientPort=2181", "clientPort=2281"),
            "clientPort",
            14,
        ),
        (
            "kafka/server.properties",
            "properties",
            &['#'][..],
            ("num.network.threads=3", "num.network.threads=16"),
            "num.network.threads",
            44,
        ),
        (
            "nginx-common/sites-available-default",
            "nginx",
            &['#'][..],
            ("listen 80 default_server;", "listen 8080 default_server;"),
            "server.listen[0]",
            22,
        ),
    ] {
        let original = fixture(rel);
        assert!(original.contains(edit.0), "{rel}");
        // Equal to itself and to a copy without comments and blank lines.
        for same in [original.clone(), strip(&original, comment)] {
            let (code, r) = diff(&original, &same, &[]);
            assert_eq!((code, keys(&r)), (0, vec![]), "{rel}");
            let (f, why) = detected(&r);
            assert_eq!(f, format, "{rel}: {why}");
            assert!(why.starts_with("its content: "), "{rel}: {why}");
        }
        // A real edit, named by key and line.
        let edited = original.replacen(edit.0, edit.1, 1);
        let (code, r) = diff(&original, &edited, &[]);
        assert_eq!(code, 1, "{rel}");
        assert_eq!(
            keys(&r),
            vec![(key.to_string(), "changed".to_string(), line)],
            "{rel}"
        );
        assert_eq!(detected(&r).0, format);
        let notice = r["notices"][0].as_str().unwrap();
        assert!(
            notice.starts_with(&format!("new.settings: read as {format} (its content")),
            "{notice}"
        );
    }
}

/// Debian's pg_hba.conf and a pg_ident.conf: the package's samples filled in as `initdb`
/// fills the first (as tests/cli/pghba_judge.rs does), the second with the map lines of
/// PostgreSQL's documentation (its sample holds comments only).
fn pg_files() -> [(&'static str, String); 2] {
    let hba = fixture("postgresql-15/pg_hba.conf.sample")
        .replace("@authcomment@", "")
        .replace("@remove-line-for-nolocal@", "")
        .replace("@authmethodlocal@", "peer")
        .replace("@authmethodhost@", "scram-sha-256");
    let ident = fixture("postgresql-15/pg_ident.conf.sample")
        + "omicron bryanh bryanh\nomicron ann ann\n# bob has user name robert on these machines\n\
           omicron robert bob\n# bryanh can also connect as guest1\nomicron bryanh guest1\n";
    [
        ("postgresql-15/pg_hba.conf.sample, as initdb fills it", hba),
        ("postgresql-15/pg_ident.conf.sample, with map lines", ident),
    ]
}

/// A file, its text, its format, an edit, the key and line the edit is named by.
type Case = (
    String,
    String,
    &'static str,
    (String, String),
    &'static str,
    u64,
);

/// Every upstream file of the formats with a program's own reader (HAProxy, pg_hba.conf,
/// pg_ident.conf, systemd units and drop-ins, PHP-FPM, Compose, Kubernetes), copied to a name
/// confdrift does not know: read in that program's format, equal to itself, and a real edit
/// named by that format's key and line.
#[test]
fn program_files_under_unknown_names_are_read_by_their_program_reader() {
    let [hba, ident] = pg_files();
    let unit_description = |rel: &str| {
        let text = fixture(rel);
        let line = text
            .lines()
            .find(|l| l.starts_with("Description="))
            .unwrap()
            .to_string();
        (line.clone(), format!("{line} (edited)"))
    };
    let mut cases: Vec<Case> = Vec::new();
    let mut add = |rel: &str, format, edit: (&str, &str), key, line| {
        let text = fixture(rel);
        let edit = (edit.0.to_string(), edit.1.to_string());
        cases.push((rel.to_string(), text, format, edit, key, line));
    };
    add(
        "haproxy/basic-config-edge.cfg",
        "haproxy",
        ("timeout client 1m", "timeout client 2m"),
        "frontend.pub1.timeout.client",
        47,
    );
    add(
        "haproxy/content-sw-sample.cfg",
        "haproxy",
        ("maxconn         10000", "maxconn         12000"),
        "global.maxconn",
        11,
    );
    add(
        "haproxy/haproxy.cfg",
        "haproxy",
        ("timeout connect 5000", "timeout connect 6000"),
        "defaults.timeout.connect",
        25,
    );
    add(
        "haproxy/option-http_proxy.cfg",
        "haproxy",
        ("maxconn         20000", "maxconn         30000"),
        "global.maxconn",
        6,
    );
    add(
        "haproxy/quick-test.cfg",
        "haproxy",
        ("timeout client 60s", "timeout client 90s"),
        "listen.p.timeout.client",
        16,
    );
    add(
        "haproxy/socks4.cfg",
        "haproxy",
        ("timeout connect 5000", "timeout connect 6000"),
        "defaults.timeout.connect",
        11,
    );
    add(
        "haproxy/transparent_proxy.cfg",
        "haproxy",
        ("timeout connect\t\t30s", "timeout connect\t\t40s"),
        "backend.TransparentBack_http.timeout.connect",
        12,
    );
    add(
        "mariadb-server/mariadb@bootstrap.service.d/use_galera_new_cluster.conf",
        "systemd",
        ("Type=oneshot", "Type=simple"),
        "Service.Type",
        15,
    );
    add(
        "php8.2-fpm/php-fpm.conf",
        "phpfpm",
        ("pid = /run/php/php8.2-fpm.pid", "pid = /run/php/fpm.pid"),
        "global.pid",
        19,
    );
    add(
        "php8.2-fpm/www.conf",
        "phpfpm",
        ("pm.max_children = 5", "pm.max_children = 50"),
        "www.pm.max_children",
        127,
    );
    add(
        "awesome-compose/compose.yaml",
        "compose",
        ("- MYSQL_HOST=db", "- MYSQL_HOST=db2"),
        "services.nc.environment.MYSQL_HOST",
        14,
    );
    add(
        "kubernetes-examples/cassandra-statefulset.yaml",
        "k8s",
        ("replicas: 3", "replicas: 5"),
        "StatefulSet/cassandra.spec.replicas",
        9,
    );
    add(
        "kubernetes-examples/guestbook-all-in-one.yaml",
        "k8s",
        ("replicas: 2", "replicas: 4"),
        "Deployment/redis-replica.spec.replicas",
        72,
    );
    for (rel, line) in [
        ("postgresql-common/postgresql@.service", 7),
        ("pgbouncer/pgbouncer.service", 2),
        ("redis-server/redis-server.service", 2),
        ("nginx-common/nginx.service", 14),
        ("openssh-server/ssh.service", 2),
        ("mariadb-server/mariadb@.service", 147),
    ] {
        let (from, to) = unit_description(rel);
        cases.push((
            rel.to_string(),
            fixture(rel),
            "systemd",
            (from, to),
            "Unit.Description",
            line,
        ));
    }
    cases.push((
        hba.0.to_string(),
        hba.1,
        "pghba",
        (
            "host    all             all             127.0.0.1/32            scram-sha-256"
                .to_string(),
            "host    all             all             127.0.0.1/32            md5".to_string(),
        ),
        "\"host all all 127.0.0.1/32\".method",
        87,
    ));
    cases.push((
        ident.0.to_string(),
        ident.1,
        "pgident",
        (
            "omicron robert bob".to_string(),
            "omicron robert rob".to_string(),
        ),
        "omicron.robert",
        46,
    ));
    // Every upstream file of those formats is in the list.
    let listed: Vec<&str> = cases.iter().map(|c| c.0.as_str()).collect();
    let root = format!("{}/fixtures/upstream", env!("CARGO_MANIFEST_DIR"));
    for entry in walk(std::path::Path::new(&root)) {
        let rel = entry.strip_prefix(&root).unwrap().to_string_lossy();
        let rel = rel.trim_start_matches('/');
        let format = Format::detect(&format!("/{rel}"));
        if ["haproxy", "systemd", "phpfpm", "compose", "k8s"].contains(&format.name()) {
            assert!(
                listed.contains(&rel),
                "{rel} ({}) is not tested",
                format.name()
            );
        }
    }
    assert_eq!(cases.len(), 21);
    for (rel, text, format, (from, to), key, line) in cases {
        let (code, r) = diff_named("current", &text, &text, &[]);
        assert_eq!((code, keys(&r)), (0, vec![]), "{rel}");
        let (f, why) = detected(&r);
        assert_eq!(f, format, "{rel}: {why}");
        assert!(why.starts_with("its content: "), "{rel}: {why}");
        assert!(text.contains(&from), "{rel}: {from}");
        let edited = text.replacen(&from, &to, 1);
        let (code, r) = diff_named("current", &text, &edited, &[]);
        assert_eq!((code, detected(&r).0.as_str()), (1, format), "{rel}");
        let found = keys(&r);
        assert!(
            found.contains(&(key.to_string(), "changed".to_string(), line)),
            "{rel}: {found:?}"
        );
        assert!(
            found
                .iter()
                .all(|(_, kind, l)| kind == "changed" && *l == line),
            "{rel}: {found:?}"
        );
    }
}

/// Files close to those formats that must not be taken for them: a `.properties` file, nginx
/// files, option files and plain INI, Helm values and Prometheus' YAML, prose.
#[test]
fn look_alikes_are_not_taken_for_program_formats() {
    for (rel, format) in [
        ("tomcat10/catalina.properties", "properties"),
        ("zookeeper/zoo.cfg", "properties"),
        ("nginx-common/sites-available-default", "nginx"),
        ("nginx-common/fastcgi.conf", "nginx"),
        ("mysql-common/my.cnf.fallback", "mycnf"),
        ("pgbouncer/pgbouncer.ini", "ini"),
        ("bitnami-charts/values.yaml", "yaml 1.2"),
        ("prometheus/prometheus.yml", "yaml 1.2"),
    ] {
        let text = fixture(rel);
        let (_, r) = diff_named("current", &text, &text, &[]);
        assert_eq!(detected(&r).0, format, "{rel}: {}", detected(&r).1);
    }
    for (text, format) in [
        ("[global]\nworkgroup = WORKGROUP\nsecurity = user\n", "ini"),
        ("[Unit]\nName=x\n", "ini"),
        ("Do not edit this file.\nIt is managed.\n", "text"),
        (
            "127.0.0.1 localhost app\n127.0.1.1 host1 host1.example\n",
            "text",
        ),
        ("listen 80\nserver_name example.com\n", "properties"),
    ] {
        let (_, r) = diff_named("current", text, text, &[]);
        assert_eq!(detected(&r).0, format, "{text}: {}", detected(&r).1);
    }
}

/// ZooKeeper's and Kafka's files, by their names and renamed: Java's Properties reads
/// `key = value`, `key: value` and `key value` alike, and the order of the lines does not count;
/// an edit is named by key and line.
#[test]
fn zoo_cfg_and_server_properties_by_name_and_by_content() {
    for (rel, name, edit, key, line) in [
        (
            "zookeeper/zoo.cfg",
            "zoo.cfg",
            ("syncLimit=5", "syncLimit=10"),
            "syncLimit",
            8,
        ),
        (
            "kafka/server.properties",
            "server.properties",
            ("log.retention.hours=168", "log.retention.hours=72"),
            "log.retention.hours",
            105,
        ),
    ] {
        let original = fixture(rel);
        let mut lines: Vec<String> = strip(&original, &['#'])
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let (k, v) = l.split_once('=').unwrap();
                match i % 3 {
                    0 => format!("{k} : {v}"),
                    1 => format!("{k} {v}"),
                    _ => format!("{k}   =   {v}"),
                }
            })
            .collect();
        lines.reverse();
        let rewritten = lines.join("\n") + "\n";
        let edited = original.replacen(edit.0, edit.1, 1);
        assert_ne!(edited, original);
        for file in [name, "settings"] {
            let (code, r) = diff_named(file, &original, &rewritten, &[]);
            assert_eq!((code, keys(&r)), (0, vec![]), "{file}: {rewritten}");
            let (code, r) = diff_named(file, &original, &edited, &[]);
            assert_eq!(code, 1);
            assert_eq!(
                keys(&r),
                vec![(key.to_string(), "changed".to_string(), line)],
                "{file}"
            );
            let notice = r["notices"][0].as_str().unwrap();
            let why: &[&str] = if file == name {
                &["(its name zoo.cfg)", "(its extension .properties)"]
            } else {
                &["(its content: "]
            };
            assert!(
                why.iter()
                    .any(|w| notice.contains(&format!("read as properties {w}"))),
                "{notice}"
            );
        }
    }
}

#[test]
fn as_and_format_still_decide() {
    let zoo = fixture("zookeeper/zoo.cfg");
    let edited = zoo.replace("tickTime=2000", "tickTime=3000");
    let (code, r) = diff(&zoo, &edited, &["--as", "text"]);
    assert_eq!(code, 1);
    assert!(r.get("detected").is_none(), "{r}");
    assert_eq!(keys(&r)[0].0, "@@ -2,1 +2,1 @@");
    assert!(r["notices"][0].as_str().unwrap().ends_with("(--as)"));

    let f = Fleet::new(
        "[[group]]\nname = \"app\"\nhosts = [\"app-1\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\n  { path = \"/etc/zk/main.conf\", format = \"text\" },\n  \"/etc/zk/other.conf\",\n]\n",
    );
    f.group_baseline("app", "/etc/zk/main.conf", &zoo);
    f.group_baseline("app", "/etc/zk/other.conf", &zoo);
    f.commit("baseline");
    f.live("app-1", "/etc/zk/main.conf", &edited);
    f.live("app-1", "/etc/zk/other.conf", &edited);
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    assert_valid(&r);
    let found: Vec<(String, String)> = kinds(&r)
        .into_iter()
        .map(|(_, file, key, _)| (file, key))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "/etc/zk/main.conf".to_string(),
                "@@ -2,1 +2,1 @@".to_string()
            ),
            ("/etc/zk/other.conf".to_string(), "tickTime".to_string()),
        ]
    );
    let d = r["detected"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{r}");
    assert_eq!(d[0]["file"], "/etc/zk/other.conf");
}

/// `check`: the baseline and each host's file read in one format, decided on the pair; the
/// JSON report says which and why, once per file with the hosts; `-v` says it on stderr.
#[test]
fn check_reads_renamed_files_by_content_and_says_so() {
    let www = fixture("php8.2-fpm/www.conf");
    let f = Fleet::new(&app_config(
        &["app-1", "app-2", "app-3", "app-4"],
        &["/etc/php/pools/www.pool"],
    ));
    f.group_baseline("app", "/etc/php/pools/www.pool", &www);
    f.commit("baseline");
    f.live("app-1", "/etc/php/pools/www.pool", &www);
    f.live("app-2", "/etc/php/pools/www.pool", strip(&www, &[';']));
    f.live(
        "app-3",
        "/etc/php/pools/www.pool",
        www.replace("pm.max_children = 5", "pm.max_children = 50"),
    );
    // app-4's file no longer reads as PHP-FPM's (a line without `=`): both sides line by line.
    f.live(
        "app-4",
        "/etc/php/pools/www.pool",
        www.replace("pm = dynamic", "pm dynamic"),
    );
    let out = f.run(&["check", "--format", "json", "-v"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    assert_valid(&r);
    let file = "/etc/php/pools/www.pool";
    assert_eq!(
        kinds(&r),
        vec![
            (
                "app-3".to_string(),
                file.to_string(),
                "www.pm.max_children".to_string(),
                "changed".to_string()
            ),
            (
                "app-4".to_string(),
                file.to_string(),
                "@@ -116,1 +116,1 @@".to_string(),
                "changed".to_string()
            ),
        ]
    );
    let detected = r["detected"].as_array().unwrap();
    let ini: Vec<&serde_json::Value> = detected
        .iter()
        .filter(|d| d["format"] == "phpfpm")
        .collect();
    assert_eq!(ini.len(), 1, "{detected:?}");
    assert_eq!(
        ini[0]["hosts"],
        serde_json::json!(["app-1", "app-2", "app-3"])
    );
    let text: Vec<&serde_json::Value> = detected.iter().filter(|d| d["format"] == "text").collect();
    assert_eq!(text.len(), 1, "{detected:?}");
    assert_eq!(text[0]["hosts"], serde_json::json!(["app-4"]));
    let why = text[0]["why"].as_str().unwrap();
    assert!(
        why.contains("the baseline reads as phpfpm, but the live file does not")
            && why.contains("line 116"),
        "{why}"
    );
    // Said as a note too (a reader explained one side only), and on stderr with -v.
    assert!(
        r["notices"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with(&format!("{file}: read as text"))),
        "{r}"
    );
    assert!(
        out.stderr.contains(&format!(
            "confdrift: app-3: {file}: read as phpfpm (its content"
        )),
        "{}",
        out.stderr
    );
    let quiet = f.run(&["check", "--format", "json"]);
    assert!(!quiet.stderr.contains("read as"), "{}", quiet.stderr);
}

/// A file only on the host is read by its content (the rules apply to it); a lint of the
/// baseline reads the baseline's copy by its content.
#[test]
fn unexpected_and_linted_files_are_read_by_content() {
    let zoo = fixture("zookeeper/zoo.cfg");
    let config = format!(
        "{}\n[[rule]]\nfile = \"/etc/zk/*.conf\"\nkey = \"maxClientCnxns\"\nmax = 100\n",
        app_config(&["app-1"], &["/etc/zk/*.conf"])
    );
    let f = Fleet::new(&config);
    let big = format!("{zoo}maxClientCnxns=500\n");
    f.group_baseline("app", "/etc/zk/main.conf", &big);
    f.commit("baseline");
    f.live("app-1", "/etc/zk/main.conf", &big);
    f.live("app-1", "/etc/zk/extra.conf", &big);
    let out = f.run(&["check", "--format", "json"]);
    let r = out.json();
    assert_valid(&r);
    let found: Vec<(String, String)> = kinds(&r)
        .into_iter()
        .map(|(_, file, key, kind)| (file, format!("{key} {kind}")))
        .collect();
    assert!(
        found.contains(&(
            "/etc/zk/extra.conf".into(),
            "maxClientCnxns out_of_range".into()
        )) && found.contains(&(
            "/etc/zk/main.conf".into(),
            "maxClientCnxns out_of_range".into()
        )),
        "{found:?}"
    );
    let lint = f.run(&["lint", "--format", "json"]);
    let r = lint.json();
    assert_valid(&r);
    assert_eq!(r["findings"][0]["key"], "maxClientCnxns", "{r}");
    assert_eq!(r["detected"][0]["format"], "properties", "{r}");
}

/// Files of `fixtures/upstream/` that are not compared by key, and why.
/// Upstream files that do not parse in their format, on purpose of the tests that hold them.
const BROKEN: &[(&str, &str)] = &[(
    "kubernetes-examples/prometheus-adapter.yaml",
    "its ConfigMap's config.yaml entry is over-indented upstream (line 122): an error at that line, as tests/cli/k8s.rs checks",
)];

const UNSTRUCTURED: &[(&str, &str)] = &[
    (
        "postgresql-15/postgresql.conf.sample",
        "every setting is commented out: nothing to key (installed as postgresql.conf, it is read by that name)",
    ),
    (
        "postgresql-15/pg_hba.conf.sample",
        "a sample under another name, with @placeholders@ for initdb (installed as pg_hba.conf, it is read by that name: tests/cli/pghba_judge.rs)",
    ),
    (
        "postgresql-15/pg_ident.conf.sample",
        "every line is a comment: nothing to key (installed as pg_ident.conf, it is read by that name)",
    ),
    (
        "pgbouncer/examples-userlist.txt",
        "a userlist sample under another name (installed as userlist.txt, it is read by that name)",
    ),
    (
        "ruby-railties/mysql.yml.tt",
        "an ERB template whose <% %> lines are not YAML until Rails renders it",
    ),
];

/// Every file of `fixtures/upstream/` with structure is compared by key: its name, or else its
/// content, picks a reader that reads it (not lines), except those listed above.
#[test]
fn every_structured_upstream_file_is_compared_by_key() {
    let root = format!("{}/fixtures/upstream", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in walk(std::path::Path::new(&root)) {
        let rel = entry
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .trim_start_matches('/')
            .to_string();
        if rel == "SOURCES.md" {
            continue;
        }
        seen += 1;
        let bytes = std::fs::read(&entry).unwrap();
        let by_name = Format::detect(&format!("/{rel}"));
        let format = match by_name {
            Format::Text => sniff::one(&bytes).format,
            f => f,
        };
        let listed = UNSTRUCTURED.iter().find(|(p, _)| *p == rel);
        match (format, listed) {
            (Format::Text, Some(_)) => {}
            (Format::Text, None) => {
                panic!("{rel}: read line by line: {}", sniff::one(&bytes).why)
            }
            (f, Some((_, why))) => panic!(
                "{rel} is listed as unstructured ({why}) but reads as {}",
                f.name()
            ),
            (f, None) if BROKEN.iter().any(|(p, _)| *p == rel) => {
                assert!(
                    f.parse(&bytes).is_err(),
                    "{rel} parses now: take it off BROKEN"
                );
            }
            (f, None) => match f.parse(&bytes) {
                // Read by its content: keys. By its name: its reader's (a file of comments
                // only, like Debian's 50-client.cnf, holds none).
                Ok(Document::Tree(t)) => assert!(by_name != Format::Text || !t.is_empty()),
                other => panic!("{rel} as {}: {other:?}", f.name()),
            },
        }
    }
    assert!(seen >= 50, "{seen} files");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A password in a file read by its content is hidden as in one read by its name.
#[test]
fn secrets_in_files_read_by_content_are_not_shown() {
    let zoo = fixture("zookeeper/zoo.cfg");
    let old = format!("{zoo}ssl.keyStore.password=Kx9-first-secret\n");
    let new = format!("{zoo}ssl.keyStore.password=Kx9-second-secret\n");
    let (code, r) = diff(&old, &new, &[]);
    assert_eq!(code, 1);
    assert_eq!(detected(&r).0, "properties");
    assert_eq!(keys(&r)[0].0, "ssl.keyStore.password");
    let shown = r.to_string();
    assert!(
        !shown.contains("first-secret") && !shown.contains("second-secret"),
        "{shown}"
    );
}

/// Hostile files under unknown names: every reader tried is bounded (nesting, line length,
/// repeated keys), so the guess ends, in bounded time, with an answer, never a crash.
#[test]
fn hostile_files_under_unknown_names_end_in_bounded_time() {
    let deep = "[".repeat(100_000);
    let long = format!("a={}\n", "x".repeat(4 << 20));
    let repeated = "a=1\n".repeat(100_000);
    let yaml_deep = (0..200)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect::<String>();
    for (text, format) in [
        (&deep, "text"),
        (&long, "properties"),
        (&repeated, "text"),
        (&yaml_deep, "text"),
    ] {
        let started = std::time::Instant::now();
        let (code, r) = diff(text, text, &[]);
        assert_eq!(code, 0);
        assert_eq!(detected(&r).0, format, "{}", detected(&r).1);
        assert!(
            started.elapsed().as_secs() < 60,
            "{format}: {:?}",
            started.elapsed()
        );
    }
}

/// Outliers among hosts (files with no baseline) read by content: the file is keyed (one
/// outlier, on its key), and a password in a connection string stays hidden.
#[test]
fn outliers_of_files_read_by_content_hide_their_secrets() {
    let f = Fleet::new(&app_config(
        &["app-1", "app-2", "app-3", "app-4"],
        &["/etc/pool/main.pool"],
    ));
    f.commit("empty baseline");
    let pool = |pw: &str| format!("[databases]\nmain = host=db1 dbname=main password={pw}\n");
    for h in ["app-1", "app-2", "app-3"] {
        f.live(h, "/etc/pool/main.pool", pool("Shared-Pw-1"));
    }
    f.live("app-4", "/etc/pool/main.pool", pool("Other-Pw-4"));
    let out = f.run(&["check", "--format", "json"]);
    let r = out.json();
    let outliers: Vec<_> = kinds(&r)
        .into_iter()
        .filter(|(_, _, _, kind)| kind == "outlier")
        .collect();
    assert_eq!(outliers.len(), 1, "{r}");
    assert_eq!(outliers[0].0, "app-4");
    assert_eq!(outliers[0].2, "databases.main");
    let text = f.run(&["check"]).stdout;
    for shown in [r.to_string(), text] {
        assert!(
            !shown.contains("Shared-Pw-1") && !shown.contains("Other-Pw-4"),
            "{shown}"
        );
    }
}
