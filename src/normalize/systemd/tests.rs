//! The systemd unit reader's unit tests: lines, lists, environment, values, errors.

use super::*;
use crate::normalize::testutil::*;

const UNIT: &str = "\
# a comment
; another
[Unit]
Description=Pool of connections
After=network.target
After=postgresql.service network.target
Wants=network-online.target

[Service]
Type=notify
Environment=POOL_MAX=100 \"GREETING=hello world\"
Environment=POOL_MAX=200
ExecStartPre=/bin/true
ExecStart=/usr/sbin/pgbouncer \\
  /etc/pgbouncer/pgbouncer.ini
ExecReload=/bin/kill -HUP $MAINPID
LimitNOFILE=65536
TimeoutStartSec=1min 30s
PrivateTmp=yes
ReadWritePaths=/var/lib/a /var/lib/b
ReadWritePaths=/var/log/c

[Install]
WantedBy=multi-user.target
";

#[test]
fn settings_lists_and_environment() {
    let t = parse(UNIT).unwrap();
    assert_eq!(get(&t, "Unit.Description"), (&s("Pool of connections"), 4));
    assert_eq!(
        get(&t, "Unit.After"),
        (&s("network.target postgresql.service"), 6)
    );
    assert_eq!(get(&t, "Service.Environment.POOL_MAX"), (&s("200"), 12));
    assert_eq!(
        get(&t, "Service.Environment.GREETING"),
        (&s("hello world"), 11)
    );
    assert_eq!(
        get(&t, "Service.ExecStart[0]"),
        (&s("/usr/sbin/pgbouncer /etc/pgbouncer/pgbouncer.ini"), 14)
    );
    assert_eq!(get(&t, "Service.LimitNOFILE"), (&s("65536"), 17));
    assert_eq!(get(&t, "Service.PrivateTmp").0, &Value::Bool(true));
    assert!(get(&t, "Service.TimeoutStartSec").0.same(&Value::Int(90)));
    assert_eq!(get(&t, "Service.ReadWritePaths[1]"), (&s("/var/lib/b"), 20));
    assert_eq!(get(&t, "Service.ReadWritePaths[2]"), (&s("/var/log/c"), 21));
    assert_eq!(get(&t, "Install.WantedBy"), (&s("multi-user.target"), 24));
}

#[test]
fn equivalent_spellings_are_the_same() {
    let base = parse(UNIT).unwrap();
    let rewritten = "\
[Unit]
Wants = network-online.target
After=network.target postgresql.service
Description = Pool of connections
[Service]
Type=notify
Environment=GREETING=hello\\x20world POOL_MAX=1
Environment='POOL_MAX=200'
ExecStartPre=/bin/true
ExecStart=/usr/sbin/pgbouncer    \"/etc/pgbouncer/pgbouncer.ini\"
ExecReload=/bin/kill -HUP $MAINPID
LimitNOFILE=65536:65536
TimeoutStartSec=90s
PrivateTmp=true
ReadWritePaths=/var/lib/a
ReadWritePaths=/var/lib/b /var/log/c
[Install]
WantedBy=multi-user.target
";
    let t = parse(rewritten).unwrap();
    assert!(same_tree(&base, &t), "{:?}", drift(&base, &t));
}

#[test]
fn an_empty_assignment_empties_a_list_but_not_a_set() {
    let t = parse(
        "[Unit]\nAfter=a.target\nAfter=\n[Service]\nExecStart=/a\nExecStart=\nExecStart=/b\n\
         Environment=A=1\nEnvironment=\nEnvironment=B=2\n",
    )
    .unwrap();
    assert_eq!(get(&t, "Unit.After"), (&s("a.target"), 2));
    assert_eq!(get(&t, "Service.ExecStart"), (&Value::EmptyList, 6));
    assert_eq!(get(&t, "Service.ExecStart[0]"), (&s("/b"), 7));
    assert!(t.get("Service.ExecStart[1]").is_none());
    assert_eq!(get(&t, "Service.Environment"), (&Value::EmptyMap, 9));
    assert!(t.get("Service.Environment.A").is_none());
    assert_eq!(get(&t, "Service.Environment.B"), (&s("2"), 10));
}

#[test]
fn comments_continuations_and_escapes_as_systemd_reads_them() {
    let t = parse(
        "[Service]\nExecStart=/usr/bin/env \\\n# skipped\n  A=1 \\\n  B=2\n\
         Environment=\"C=x y\" D=e\\x41 'E=q r' F=a\"b c\"d\nUser=app # not a comment\n",
    )
    .unwrap();
    assert_eq!(
        get(&t, "Service.ExecStart[0]"),
        (&s("/usr/bin/env A=1 B=2"), 2)
    );
    assert_eq!(get(&t, "Service.Environment.C").0, &s("x y"));
    assert_eq!(get(&t, "Service.Environment.D").0, &s("eA"));
    assert_eq!(get(&t, "Service.Environment.E").0, &s("q r"));
    assert_eq!(get(&t, "Service.Environment.F").0, &s("ab cd"));
    assert_eq!(get(&t, "Service.User").0, &s("app # not a comment"));
    let t = parse("[X-Mine]\nAnything=1\n[Service]\nX-Note=2\n").unwrap();
    assert_eq!(get(&t, "X-Mine.Anything").0, &s("1"));
}

#[test]
fn lines_systemd_ignores_are_errors() {
    let cases: &[(&str, u32, &str)] = &[
        (
            "[Service]\nLimitNOFLE=1\n",
            2,
            "unknown key 'LimitNOFLE' in section [Service]",
        ),
        ("[Servce]\nType=simple\n", 1, "unknown section 'Servce'"),
        ("Type=simple\n", 1, "outside of a section"),
        ("[Service]\nType simple\n", 2, "missing '='"),
        ("[Service\n", 1, "invalid section header"),
        ("[Service]\n=x\n", 2, "missing key name"),
        (
            "[Service]\nEnvironment=A=1 B\n",
            2,
            "invalid environment assignment",
        ),
        (
            "[Service]\nEnvironment=1A=1\n",
            2,
            "invalid environment assignment",
        ),
        ("[Service]\nEnvironment=\"A=1\n", 2, "unbalanced quotes"),
    ];
    for &(text, line, msg) in cases {
        let e = parse(text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert!(e.message.contains(msg), "{text:?}: {e}");
    }
}

#[test]
fn no_error_names_an_environment_value() {
    let e = parse("[Service]\nEnvironment=PGPASSWORD=hunter2zQx9 broken\n").unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
}

#[test]
fn junk_never_panics() {
    for junk in [
        "",
        "\\",
        "[",
        "[]",
        "[Service]\n\\",
        "[Service]\nEnvironment=\\",
        "[Service]\nExecStart='",
        "[Service]\nTimeoutStartSec=1.2.3min",
        "[Service]\nTimeoutStartSec=99999999999999999999y",
        "[Service]\nEnvironment=A=\\u12345678",
        "\u{feff}[Unit]\nDescription=x",
    ] {
        let _ = parse(junk);
    }
}
