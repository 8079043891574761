//! The pg_hba.conf reader's unit tests: tokens, keys, order, errors.

use super::*;
use crate::normalize::testutil::*;

fn key(rule: &str, leaf: &str) -> String {
    let mut k = String::new();
    push_key(&mut k, rule);
    for part in leaf.split('.') {
        push_key(&mut k, part);
    }
    k
}

const SAMPLE: &str = "\
# TYPE  DATABASE        USER            ADDRESS                 METHOD
local   all             postgres                                peer
local   all             all                                     peer
host    all             all             127.0.0.1/32            scram-sha-256
host    app,reports     app             10.0.0.0 255.0.0.0      scram-sha-256
host    replication     all             10.0.1.0/24             md5 # standby
hostssl all             +admins         0.0.0.0/0               cert clientcert=verify-full map=certs
host    all             all             all                     reject
";

#[test]
fn rules_are_keyed_by_what_they_match() {
    let t = parse(SAMPLE).unwrap();
    assert_eq!(
        get(&t, &key("local all postgres", "method")),
        (&s("peer"), 2)
    );
    assert_eq!(
        get(&t, &key("host all all 127.0.0.1/32", "method")),
        (&s("scram-sha-256"), 4)
    );
    assert_eq!(
        get(&t, &key("host app app 10.0.0.0/8", "method")),
        (&s("scram-sha-256"), 5)
    );
    assert_eq!(get(&t, &key("host reports app 10.0.0.0/8", "method")).1, 5);
    assert_eq!(
        get(&t, &key("host replication all 10.0.1.0/24", "method")).1,
        6
    );
    assert_eq!(
        get(
            &t,
            &key("hostssl all +admins 0.0.0.0/0", "options.clientcert")
        )
        .0,
        &s("verify-full")
    );
    // `local all all` comes after `local all postgres`, which matches some of its connections.
    assert_eq!(
        get(&t, &key("local all all", "after")),
        (&s("local all postgres"), 3)
    );
    // The replication rule overlaps no earlier rule: `all` is never a replication connection.
    assert!(
        t.get(&key("host replication all 10.0.1.0/24", "after"))
            .is_none()
    );
    assert_eq!(
        get(&t, &key("host all all all", "after")).0,
        &s(
            "host all all 127.0.0.1/32; host app app 10.0.0.0/8; host reports app 10.0.0.0/8; \
            hostssl all +admins 0.0.0.0/0"
        )
    );
}

#[test]
fn equivalent_spellings_are_the_same_rules() {
    let base = parse(SAMPLE).unwrap();
    let rewritten = "\
local all postgres peer
local all all ident
host all all 127.0.0.1 255.255.255.255 scram-sha-256
host \"app\" app 10.1.2.3/8 scram-sha-256  # host bits are masked
host reports \\
     app 10.0.0.0/8 scram-sha-256
host replication all 10.0.1.0 255.255.255.0 md5
hostssl all +admins 0.0.0.0/0 cert map=certs,clientcert=verify-full
host all all all reject
";
    let t = parse(rewritten).unwrap();
    assert!(same_tree(&base, &t), "{:?}", drift(&base, &t));
    // A move past a rule that matches other connections changes nothing.
    let moved = SAMPLE.replace(
        "host    replication     all             10.0.1.0/24             md5 # standby\n",
        "",
    ) + "host replication all 10.0.1.0/24 md5\n";
    assert!(same_tree(&base, &parse(&moved).unwrap()));
}

#[test]
fn a_move_that_changes_the_first_match_is_drift_on_the_moved_rules() {
    let base = parse(SAMPLE).unwrap();
    let lines: Vec<&str> = SAMPLE.lines().collect();
    let mut swapped = lines.clone();
    swapped.swap(1, 2);
    let t = parse(&(swapped.join("\n") + "\n")).unwrap();
    assert_eq!(
        drift(&base, &t),
        vec![
            key("local all all", "after"),
            key("local all postgres", "after")
        ]
    );
    let changed = SAMPLE.replace("md5 # standby", "trust");
    assert_eq!(
        drift(&base, &parse(&changed).unwrap()),
        vec![key("host replication all 10.0.1.0/24", "method")]
    );
}

#[test]
fn the_tokenizer_reads_as_postgresql() {
    let t = parse("host db1,,db2 , u1 ::1/128 md5 # c\n").unwrap();
    assert!(t.get(&key("host db1 u1 ::1/128", "method")).is_some());
    assert!(t.get(&key("host db2 u1 ::1/128", "method")).is_some());
    // A quoted keyword is a name; `""` is a quote; a quote inside a word keeps the keyword.
    let t =
        parse("host \"all\" a\"ll\" 10.0.0.1/32 md5\nlocal \"a\"\"b\" \"x y\" trust\n").unwrap();
    assert!(
        t.get(&key("host \"all\" all 10.0.0.1/32", "method"))
            .is_some()
    );
    assert!(t.get(&key("local \"a\"\"b\" \"x y\"", "method")).is_some());
    // samegroup is samerole; `ident` on local is `peer`; host names have no case.
    let t = parse("local samegroup all ident\nhost all all DB.Example.COM md5\n").unwrap();
    assert_eq!(get(&t, &key("local samerole all", "method")).0, &s("peer"));
    assert!(
        t.get(&key("host all all db.example.com", "method"))
            .is_some()
    );
    // inet_aton's short forms, a zone, a non-prefix netmask.
    let t = parse(
        "host all all 010.1 255.0.0.0 md5\nhost all all fe80::1%lo/64 md5\n\
         host all all 10.0.0.0 255.0.255.0 md5\n",
    )
    .unwrap();
    assert!(t.get(&key("host all all 8.0.0.0/8", "method")).is_some());
    assert!(t.get(&key("host all all fe80::/64", "method")).is_some());
    assert!(
        t.get(&key("host all all 10.0.0.0 mask 255.0.255.0", "method"))
            .is_some()
    );
    // A comment ending in `\` goes on on the next line, as PostgreSQL reads it.
    let t = parse("# note \\\nlocal all all trust\nlocal all x trust\n").unwrap();
    assert_eq!(t.len(), 1);
}

#[test]
fn a_rule_that_is_never_reached_is_not_kept() {
    let t = parse("host a,b u 10.0.0.0/8 md5\nhost b u 10.1.0.0 255.0.0.0 trust\n").unwrap();
    assert_eq!(
        get(&t, &key("host b u 10.0.0.0/8", "method")),
        (&s("md5"), 1)
    );
}

#[test]
fn includes_are_rules_at_their_place() {
    let t = parse("local all all peer\ninclude_dir conf.d\nhost all all all md5\n").unwrap();
    assert_eq!(
        get(&t, &key("include_dir conf.d", "after")),
        (&s("local all all"), 2)
    );
    assert_eq!(
        get(&t, &key("host all all all", "after")).0,
        &s("include_dir conf.d")
    );
    let e = parse("include a b\n").unwrap_err();
    assert!(e.message.contains("PostgreSQL 15 has none"), "{e}");
}

#[test]
fn lines_postgresql_marks_as_errors() {
    let cases: &[(&str, u32, u32, &str)] = &[
        ("host\n", 1, 5, "end-of-line before database specification"),
        ("host all\n", 1, 9, "end-of-line before role specification"),
        (
            "host all all\n",
            1,
            13,
            "end-of-line before IP address specification",
        ),
        (
            "host all all 10.0.0.0/8\n",
            1,
            24,
            "end-of-line before authentication method",
        ),
        (
            "host all all 10.0.0.0\n",
            1,
            22,
            "end-of-line before netmask specification",
        ),
        ("host db1#x u1 all md5\n", 1, 9, "end-of-line before role"),
        (
            "LOCAL all all trust\n",
            1,
            1,
            "invalid connection type \"LOCAL\"",
        ),
        (
            "host,local all all all md5\n",
            1,
            6,
            "multiple values specified for connection type",
        ),
        ("host all all 10.0.0.0/33 md5\n", 1, 14, "invalid CIDR mask"),
        (
            "host all all example.com/24 md5\n",
            1,
            14,
            "host name and CIDR mask",
        ),
        (
            "host all all 10.0.0.1 md5\n",
            1,
            23,
            "invalid IP mask \"md5\"",
        ),
        (
            "host all all 10.0.0.0 ::1 md5\n",
            1,
            23,
            "IP address and mask do not match",
        ),
        (
            "host all all all MD5\n",
            1,
            18,
            "invalid authentication method \"MD5\"",
        ),
        (
            "host all all all sspi\n",
            1,
            18,
            "not supported by this build",
        ),
        (
            "host all all all peer\n",
            1,
            18,
            "only supported on local sockets",
        ),
        (
            "local all all gss\n",
            1,
            15,
            "not supported on local sockets",
        ),
        (
            "host all all all cert\n",
            1,
            18,
            "only supported on hostssl",
        ),
        (
            "host all all all md5 map=x\n",
            1,
            22,
            "only valid for authentication methods ident",
        ),
        (
            "host all all all md5 clientcert=verify-ca\n",
            1,
            22,
            "\"hostssl\" rows",
        ),
        (
            "local all all peer bogus=1\n",
            1,
            20,
            "unrecognized authentication option name: \"bogus\"",
        ),
        (
            "local all all peer map\n",
            1,
            20,
            "not in name=value format",
        ),
        (
            "host all all all ldap ldapserver=x\n",
            1,
            18,
            "requires argument",
        ),
        ("local all all \\\n trust x=1\n", 2, 8, "unrecognized"),
    ];
    for &(text, line, col, msg) in cases {
        let e = parse(text).unwrap_err();
        assert_eq!((e.line, e.column), (line, col), "{text:?}: {e}");
        assert!(e.message.contains(msg), "{text:?}: {e}");
    }
}

#[test]
fn long_lists_and_many_rules_stay_bounded() {
    let dbs: Vec<String> = (0..100).map(|i| format!("d{i}")).collect();
    let t = parse(&format!(
        "host {} {} all md5\n",
        dbs.join(","),
        dbs.join(",")
    ))
    .unwrap();
    assert_eq!(t.len(), 1, "a 100 x 100 line is one rule");
    let many: String = (0..200)
        .map(|i| format!("host d{i} all all md5\n"))
        .collect();
    let t = parse(&(many + "host all all all reject\n")).unwrap();
    let after = get(&t, &key("host all all all", "after")).0.to_string();
    assert!(after.contains("and 168 more (digest "), "{after}");
    let too_many: String = (0..10_001)
        .map(|i| format!("local d{i} all trust\n"))
        .collect();
    assert!(
        parse(&too_many)
            .unwrap_err()
            .message
            .contains("more than 10000 rules")
    );
}

#[test]
fn junk_never_panics() {
    for junk in [
        "",
        "\\",
        "\"",
        "\"\"",
        ",",
        "#",
        "host \"",
        "host all all /",
        "host all all 1.2.3.4/-1 md5",
        "include",
        "host all all 0x/8 md5",
        "host all all 1.2.3.4.5/8 md5",
        "host all all 4294967296 md5",
        "local é é trust",
        "\\\n\\\n",
    ] {
        let _ = parse(junk);
    }
}
