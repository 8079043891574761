use super::*;

const WWW_CONF: &str = include_str!("../../../fixtures/upstream/php8.2-fpm/www.conf");
const ZOO_CFG: &str = include_str!("../../../fixtures/upstream/zookeeper/zoo.cfg");
const KAFKA: &str = include_str!("../../../fixtures/upstream/kafka/server.properties");
const COMPOSE: &str = include_str!("../../../fixtures/upstream/awesome-compose/compose.yaml");
const POLICY: &str =
    include_str!("../../../fixtures/upstream/golang-github-containers-common/policy.json");
const FASTCGI: &str = include_str!("../../../fixtures/upstream/nginx-common/fastcgi.conf");
const MYCNF_FALLBACK: &str =
    include_str!("../../../fixtures/upstream/mysql-common/my.cnf.fallback");
const SHORTNAMES: &str =
    include_str!("../../../fixtures/upstream/golang-github-containers-common/shortnames.conf");

fn name(text: &str) -> &'static str {
    one(text.as_bytes()).format.name()
}

#[test]
fn each_candidate_on_real_files() {
    assert_eq!(name(WWW_CONF), "phpfpm");
    assert_eq!(name(ZOO_CFG), "properties");
    assert_eq!(name(KAFKA), "properties");
    assert_eq!(name(COMPOSE), "compose");
    assert_eq!(name(POLICY), "json");
    assert_eq!(name(SHORTNAMES), "toml");
    assert_eq!(name(FASTCGI), "nginx");
    assert_eq!(name(MYCNF_FALLBACK), "mycnf");
}

#[test]
fn small_files_of_each_shape() {
    for (text, format) in [
        ("[www]\nuser = www-data\npm.max_children = 5\n", "phpfpm"),
        ("[www]\nuser = www-data\ngroup = www-data\n", "ini"),
        ("; c\n[a]\nx = 1\n[b]\nx = 2\n", "ini"),
        ("maxclients 100\ntimeout 30\n", "properties"),
        ("a=1\nb: 2\n# c\n! c\nc 3\n", "properties"),
        ("a = 1\nlong = one \\\n   two\n", "properties"),
        ("db:\n  pool: 5\n  host: x\nweb:\n  pool: 5\n", "yaml"),
        ("- a\n- b\n", "yaml"),
        ("{\"a\": {\"b\": [1, 2]}}", "json"),
        ("[1, 2]", "json"),
        (
            "[[servers]]\nname = \"a\"\n[[servers]]\nname = \"b\"\n",
            "toml",
        ),
        ("a = [\n  1,\n  2,\n]\n", "toml"),
        (
            "worker_processes 4;\nevents {\n  worker_connections 768; # per worker\n}\n",
            "nginx",
        ),
        (
            "[mysqld]\nskip-name-resolve\nmax_connections = 100 # peak\n",
            "mycnf",
        ),
        ("!includedir /etc/mysql/conf.d/\n", "mycnf"),
    ] {
        assert_eq!(name(text), format, "{text}");
    }
}

#[test]
fn what_no_reader_fully_explains_is_text() {
    for (text, why) in [
        // A repeated key: one of its lines would be lost.
        ("Include a.conf\nInclude b.conf\n", "line 1"),
        // Prose: sentences, not settings.
        (
            "This file is managed by Puppet.\nDo not edit.\n",
            "does not look like a setting",
        ),
        ("<?xml version=\"1.0\"?>\n<a/>\n", "XML"),
        // A section header, then a line neither INI nor an option file reads.
        ("[mysqld]\nskip name resolve\n", "as ini"),
        ("# only comments\n\n", "nothing but comments"),
        ("42\n", "line"),
        ("\"just a string\"", "bare value"),
        // Apache-style blocks.
        (
            "<VirtualHost *:80>\n  ServerName x\n</VirtualHost>\n",
            "XML",
        ),
        // Braces, but statements without `;`: not nginx.
        ("server {\n  listen 80\n}\n", "as nginx, line 3"),
        (
            "127.0.0.1 localhost\n::1 localhost ip6-localhost\n",
            "line 1 does not look like a setting",
        ),
    ] {
        let s = one(text.as_bytes());
        assert_eq!(s.format, Format::Text, "{text}: {}", s.why);
        assert!(s.why.contains(why), "{text}: {}", s.why);
        assert!(s.why.contains("compared line by line"), "{}", s.why);
    }
    assert_eq!(one(b"\x00\x01\x02binary").format, Format::Text);
}

#[test]
fn ambiguous_files_take_the_most_literal_reader_first() {
    // Flat `key: value`: .properties first (values as written), YAML too.
    let s = one(b"a: 1\nb: x\n");
    assert_eq!(s.format.name(), "properties");
    assert!(s.why.contains("yaml too"), "{}", s.why);
    // `key = value` with TOML values: .properties first, TOML too.
    let found = explaining(b"a = 1\nb = \"x\"\n").unwrap();
    let names: Vec<_> = found.iter().map(|(f, _)| f.name()).collect();
    assert_eq!(names, ["properties", "toml"]);
    // With sections: INI before TOML.
    let found = explaining(b"[s]\na = 1\n").unwrap();
    let names: Vec<_> = found.iter().map(|(f, _)| f.name()).collect();
    assert_eq!(names, ["ini", "mycnf", "toml"]);
}

#[test]
fn only_the_first_quick_bytes_choose_the_readers_but_all_lines_are_checked() {
    let mut text = String::new();
    while text.len() < QUICK_BYTES + 100 {
        text.push_str(&format!("key{} = {}\n", text.len(), text.len()));
    }
    assert_eq!(name(&text), "properties");
    // A line after the quick part that is no setting still counts.
    text.push_str("this line is a sentence.\n");
    assert_eq!(name(&text), "text");
}

#[test]
fn both_sides_are_read_in_one_format() {
    let zoo = ZOO_CFG.as_bytes();
    let edited = ZOO_CFG.replace("tickTime=2000", "tickTime = 3000");
    let s = pair(zoo, edited.as_bytes());
    assert_eq!(s.format.name(), "properties");
    assert!(s.why.starts_with("its content: "), "{}", s.why);
    // The live side turned into YAML: no format explains both, lines are compared.
    let s = pair(b"a=1\nb=2\n", b"a:\n  b: 2\n");
    assert_eq!(s.format, Format::Text);
    assert!(
        s.why.contains("baseline reads as properties") && s.why.contains("yaml"),
        "{}",
        s.why
    );
    // One side no longer reads at all.
    let s = pair(b"a=1\n", b"a=1\na=2\n");
    assert_eq!(s.format, Format::Text);
    assert!(s.why.contains("the live file does not"), "{}", s.why);
    let s = pair(b"<a/>", b"a=1\n");
    assert_eq!(s.format, Format::Text);
    assert!(s.why.contains("the baseline does not"), "{}", s.why);
    // Both sides prose: text.
    assert_eq!(pair(b"Hello there.\n", b"Bye now.\n").format, Format::Text);
}

#[test]
fn when_readers_disagree_the_one_that_finds_the_change_is_kept() {
    let f = |n: &str| Format::from_name(n).unwrap();
    let tree = |v: &str| {
        let mut t = Tree::new();
        t.insert("a", crate::tree::Value::text(v), 1);
        t
    };
    // The first reader reads both sides as the same, the second finds a difference.
    let s = choose(
        Ok(vec![(f("ini"), tree("x")), (f("toml"), tree("x"))]),
        Ok(vec![(f("ini"), tree("x")), (f("toml"), tree("y"))]),
    );
    assert_eq!(s.format.name(), "toml");
    assert!(s.why.contains("must not hide"), "{}", s.why);
    // Both agree: the first.
    let s = choose(
        Ok(vec![(f("ini"), tree("x")), (f("toml"), tree("x"))]),
        Ok(vec![(f("ini"), tree("y")), (f("toml"), tree("y"))]),
    );
    assert_eq!(s.format.name(), "ini");
    // The live side is explained only by a reader the baseline is not: text.
    let s = choose(
        Ok(vec![(f("ini"), tree("x"))]),
        Ok(vec![(f("toml"), tree("x"))]),
    );
    assert_eq!(s.format, Format::Text);
    assert!(s.why.contains("no format explains both"), "{}", s.why);
}

#[test]
fn a_baseline_holding_a_secret_line_stored_whole_is_read_by_lines() {
    // What `accept` writes for a secret line of a file compared by lines.
    let stored = "endpoint https://collector.example.com\nhmac-sha256:b599867d3ad76451fbd60829e7232aa09f8130fc068b5eb5307d3a8abcf8757b\n";
    let live = "endpoint https://collector.example.com\napi_token=tok-ABC123xyz\n";
    assert_eq!(name(live), "properties");
    let s = pair(stored.as_bytes(), live.as_bytes());
    assert_eq!(s.format, Format::Text);
    assert!(
        s.why.contains("line 2 is a secret stored whole"),
        "{}",
        s.why
    );
}

#[test]
fn why_never_quotes_a_line() {
    for text in [
        "password hunter2-Zq8 is set.\n",
        "[s]\nsecret hunter2-Zq8\n",
        "a=1\na=hunter2-Zq8\n",
        "server {\n  password hunter2-Zq8\n}\n",
    ] {
        let s = one(text.as_bytes());
        assert_eq!(s.format, Format::Text, "{text}");
        assert!(!s.why.contains("hunter2"), "{}", s.why);
    }
}

/// Program-specific readers, each from the smallest file that shows its evidence, and files
/// that look close but must not be taken for them.
#[test]
fn program_formats_by_their_evidence_and_not_without_it() {
    for (text, format) in [
        (
            "global\n  maxconn 100\ndefaults\n  mode http\nbackend db\n  server db1 10.0.0.5:5432 maxconn 10\n",
            "haproxy",
        ),
        // Directives at a line's start are HAProxy's too.
        ("frontend web\nbind :80\ndefault_backend app\n", "haproxy"),
        (
            "local all postgres peer\nhost all all 10.0.0.0/8 scram-sha-256\n",
            "pghba",
        ),
        ("host all all 127.0.0.1/32 md5\n", "pghba"),
        (
            "omicron bryanh bryanh\nomicron ann ann\nomicron bryanh guest1\n",
            "pgident",
        ),
        (
            "certs /^(.*)@example\\.com$ \\1\ncerts /^(.*)@corp$ \\1\n",
            "pgident",
        ),
        ("[Service]\nLimitNOFILE=65536\n", "systemd"),
        (
            "[Unit]\nDescription=x\n[Service]\nExecStart=/bin/x\nExecStart=/bin/y\n",
            "systemd",
        ),
        (
            "[global]\npid = /run/php-fpm.pid\ninclude = /etc/php/pool.d/*.conf\n",
            "phpfpm",
        ),
        (
            "[app]\nlisten = 9000\npm = static\nphp_admin_value[memory_limit] = 64M\n",
            "phpfpm",
        ),
        ("services:\n  db:\n    image: postgres\n", "compose"),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n",
            "k8s",
        ),
        // Not those.
        ("listen 80\nserver_name x\n", "properties"),
        ("global\n  foo bar\n", "text"),
        ("[global]\nworkgroup = WORKGROUP\nsecurity = user\n", "ini"),
        ("[www]\nuser = a\npm = static\nmemory = 5\n", "ini"),
        ("[Unit]\nFoo=bar\n", "ini"),
        ("[Service]\nExecStart=/bin/x\n[Database]\nhost=x\n", "ini"),
        ("[X-Mine]\nA=b\n", "ini"),
        (
            "127.0.0.1 localhost foo\n10.0.0.2 db db.example\n10.0.0.2 db2 x\n",
            "text",
        ),
        ("Do not edit.\nThis is managed.\n", "text"),
        ("a b c\na b d e\n", "text"),
        ("local all peer\nlocal all peer\n", "text"),
        ("version: \"3\"\nnetworks:\n  a: {}\n", "yaml"),
        ("services:\n  a:\n    image: x\nfoo: 2\n", "yaml"),
        ("services:\n  - a\n", "yaml"),
        (
            "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nname: x\n",
            "yaml",
        ),
    ] {
        let s = one(text.as_bytes());
        assert_eq!(s.format.name(), format, "{text}: {}", s.why);
    }
}

/// The program's reader keys a real edit; when it reads two sides as the same but the generic
/// reader finds a difference, the generic one is kept (a guess never hides drift).
#[test]
fn a_program_reader_shown_by_its_evidence_reads_both_sides_as_the_program_does() {
    let base = "services:\n  db:\n    environment:\n      - A=1\n";
    let edited = "services:\n  db:\n    environment:\n      - A=2\n";
    let s = pair(base.as_bytes(), edited.as_bytes());
    assert_eq!((s.format.name(), s.note), ("compose", false), "{}", s.why);
    // The same for Compose, not for plain YAML: Compose's reading is the program's.
    let as_map = "services:\n  db:\n    environment:\n      A: \"1\"\n";
    let s = pair(base.as_bytes(), as_map.as_bytes());
    assert_eq!((s.format.name(), s.note), ("compose", false), "{}", s.why);
    // systemd reads `yes` and `true` alike; INI does not, and is not asked.
    let s = pair(
        b"[Service]\nPrivateTmp=yes\n",
        b"[Service]\nPrivateTmp=true\n",
    );
    assert_eq!((s.format.name(), s.note), ("systemd", false), "{}", s.why);
    // Among generic readers the rule holds (`when_readers_disagree_the_one_that_finds_the_change_is_kept`).
    let s = pair(
        b"[Service]\nLimitNOFILE=1024\n",
        b"[Service]\nLimitNOFILE=4096\n",
    );
    assert_eq!((s.format.name(), s.note), ("systemd", false), "{}", s.why);
}
