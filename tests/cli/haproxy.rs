//! HAProxy's haproxy.cfg against HAProxy 2.6 itself: `haproxy -c` accepts each equivalent
//! rewrite (and confdrift finds no drift in it) and each edit (which confdrift names by key and
//! line), and refuses each trouble case (which confdrift reports as an error with its line).
//! HAProxy 2.6 prints no dump of what it read, so what a rewrite means is from its source and
//! documentation (README, "HAProxy"). Also Debian 12's haproxy.cfg and the package's examples,
//! a capacity check on a server's `maxconn`, and the passwords of `stats auth` and userlists.

use crate::harness::Fleet;
use std::process::Command;

const BASE: &str = r#"# A load balancer in front of a web tier and a PostgreSQL pair.
global
	log /dev/log	local0
	maxconn 4096
	user haproxy
	group haproxy

defaults
	log	global
	mode	http
	option	httplog
	option	dontlognull
	maxconn 2000
	timeout connect 5000
	timeout client  50000
	timeout server  50000
	retries 3

userlist ops
	user bob insecure-password Bobs-old-pw
	user amy password $5$abc$def

frontend web
	bind :8080
	acl is_api path_beg /api
	acl is_static path_end .css .js
	http-request deny if { src 192.0.2.1 }
	http-request set-header X-Forwarded-Proto http
	use_backend api if is_api
	default_backend app

backend app
	balance roundrobin
	option httpchk GET /health
	server app1 10.0.0.11:8080 check maxconn 50 weight 10
	server app2 10.0.0.12:8080 check maxconn 50 weight 10

backend api
	server api1 10.0.0.21:8080 check

listen pg
	bind :5433
	mode tcp
	option tcplog
	balance leastconn
	server db1 10.0.0.5:5432 maxconn 100 check inter 2s
	server db2 10.0.0.6:5432 maxconn 100 check inter 2s backup

listen stats
	bind :8404
	stats enable
	stats uri /stats
	stats auth admin:Admins-old-pw
"#;

/// Whether `haproxy -c` accepts `cfg`, and what it said.
fn haproxy_accepts(dir: &std::path::Path, cfg: &str) -> (bool, String) {
    let file = dir.join("under-test.cfg");
    std::fs::write(&file, cfg).unwrap();
    let out = Command::new("haproxy")
        .args(["-c", "-f"])
        .arg(&file)
        .output()
        .expect("haproxy must be installed for this test (.ci/run installs haproxy)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// `confdrift diff --format json` of `a` and `b` written as haproxy.cfg: the findings' (key,
/// live line, or baseline line when there is no live one), the errors' lines, the exit status.
fn confdrift(dir: &std::path::Path, a: &str, b: &str) -> (Vec<(String, u64)>, Vec<u64>, i32) {
    let out = run(dir, a, b, "json");
    let json: serde_json::Value =
        serde_json::from_str(&out.0).unwrap_or_else(|e| panic!("{e}: {}", out.1));
    let keys = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let line = f["line"]
                .as_u64()
                .or(f["baseline_line"].as_u64())
                .unwrap_or(0);
            (f["key"].as_str().unwrap_or("").to_string(), line)
        })
        .collect();
    let errors = json["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["line"].as_u64().unwrap_or(0))
        .collect();
    (keys, errors, out.2)
}

/// `confdrift diff --format FORMAT` of `a` and `b`: stdout, stderr, exit status.
fn run(dir: &std::path::Path, a: &str, b: &str, format: &str) -> (String, String, i32) {
    for (side, text) in [("a", a), ("b", b)] {
        std::fs::create_dir_all(dir.join(side)).unwrap();
        std::fs::write(dir.join(side).join("haproxy.cfg"), text).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_confdrift"))
        .args(["diff", "--format", format])
        .arg(dir.join("a/haproxy.cfg"))
        .arg(dir.join("b/haproxy.cfg"))
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
        out.status.code().unwrap_or(-1),
    )
}

/// Drops `#` comment lines and blank lines.
fn strip(text: &str) -> String {
    text.lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.is_empty() || t.starts_with('#'))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The 1-based line of the first line holding `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u64 + 1)
        .unwrap_or_else(|| panic!("no line {needle}"))
}

fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

/// What a case is, the file it makes, and the keys (with lines) confdrift must name; none: no drift.
type Case<'a> = (&'a str, String, Vec<(&'a str, u64)>);

#[test]
fn haproxy_accepts_each_rewrite_and_confdrift_names_each_edit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = BASE;
    let e = |from: &str, to: &str| replace(a, from, to);
    let swap = |x: &str, y: &str| {
        let t = replace(a, x, "\u{1}");
        let t = replace(&t, y, x);
        replace(&t, "\u{1}", y)
    };
    let db1 = "server db1 10.0.0.5:5432 maxconn 100 check inter 2s";
    let cases: Vec<Case> = vec![
        ("comments and blank lines dropped", strip(a), vec![]),
        (
            "a server's options in another order",
            e(db1, "server db1 10.0.0.5:5432 inter 2000 check maxconn 100"),
            vec![],
        ),
        (
            "servers in another order",
            swap(
                "server app1 10.0.0.11:8080 check maxconn 50 weight 10",
                "server app2 10.0.0.12:8080 check maxconn 50 weight 10",
            ),
            vec![],
        ),
        (
            "spacing and quoting",
            e(
                db1,
                "  server \"db1\"\t'10.0.0.5:5432'  maxconn \"100\" check inter 2s   # primary",
            ),
            vec![],
        ),
        (
            "a timeout in seconds",
            e("timeout connect 5000", "timeout connect 5s"),
            vec![],
        ),
        (
            "options in another order",
            swap("option\thttplog", "option\tdontlognull"),
            vec![],
        ),
        (
            "acls of other names in another order",
            swap(
                "acl is_api path_beg /api",
                "acl is_static path_end .css .js",
            ),
            vec![],
        ),
        (
            "backends in another order",
            swap(
                "backend app\n\tbalance roundrobin\n\toption httpchk GET /health\n\tserver app1 10.0.0.11:8080 check maxconn 50 weight 10\n\tserver app2 10.0.0.12:8080 check maxconn 50 weight 10\n",
                "backend api\n\tserver api1 10.0.0.21:8080 check\n",
            ),
            vec![],
        ),
        (
            "timeout connect moved from defaults into every backend and listen",
            replace(a, "\ttimeout connect 5000\n", "")
                .replace(
                    "\tbalance roundrobin\n",
                    "\tbalance roundrobin\n\ttimeout connect 5s\n",
                )
                .replace("\tserver api1", "\ttimeout connect 5000\n\tserver api1")
                .replace(
                    "\tbalance leastconn\n",
                    "\tbalance leastconn\n\ttimeout connect 5s\n",
                )
                .replace(
                    "\tstats enable\n",
                    "\tstats enable\n\ttimeout connect 5000ms\n",
                ),
            vec![],
        ),
        (
            "bind addresses spelled otherwise (the IPv4 wildcard, a port with a 0)",
            e("bind :8080", "bind *:8080")
                .replace("bind :5433", "bind 0.0.0.0:5433")
                .replace("bind :8404", "bind ipv4@:08404"),
            vec![],
        ),
        (
            "a server's maxconn 100 -> 200",
            e(db1, "server db1 10.0.0.5:5432 maxconn 200 check inter 2s"),
            vec![("listen.pg.server.db1.maxconn", line_of(a, db1))],
        ),
        (
            "a server's address",
            e("10.0.0.21:8080", "10.0.0.22:8080"),
            vec![("backend.api.server.api1.address", line_of(a, "server api1"))],
        ),
        (
            "http-request rules swapped",
            swap(
                "http-request deny if { src 192.0.2.1 }",
                "http-request set-header X-Forwarded-Proto http",
            ),
            vec![
                (
                    "frontend.web.http-request[0]",
                    line_of(a, "http-request deny"),
                ),
                (
                    "frontend.web.http-request[1]",
                    line_of(a, "http-request set-header"),
                ),
            ],
        ),
        (
            "the defaults' maxconn, inherited by the frontend and the listens (named there, not at the defaults: every proxy that runs it is named)",
            e("maxconn 2000", "maxconn 3000"),
            vec![
                ("frontend.web.maxconn", line_of(a, "maxconn 2000")),
                ("listen.pg.maxconn", line_of(a, "maxconn 2000")),
                ("listen.stats.maxconn", line_of(a, "maxconn 2000")),
            ],
        ),
        (
            "a balance algorithm",
            e("balance leastconn", "balance roundrobin"),
            vec![("listen.pg.balance", line_of(a, "balance leastconn"))],
        ),
        (
            "an option of the defaults turned off in the frontend",
            e("\tbind :8080\n", "\tbind :8080\n\tno option dontlognull\n"),
            vec![(
                "frontend.web.option.dontlognull",
                line_of(a, "bind :8080") + 1,
            )],
        ),
    ];
    let mut wrong = Vec::new();
    for (what, b, want) in &cases {
        let (ok, said) = haproxy_accepts(d, b);
        if !ok {
            wrong.push(format!("{what}: haproxy refuses it: {said}"));
            continue;
        }
        let (mut keys, errors, _) = confdrift(d, a, b);
        keys.sort();
        let mut want: Vec<(String, u64)> = want.iter().map(|(k, l)| (k.to_string(), *l)).collect();
        want.sort();
        if keys != want || !errors.is_empty() {
            wrong.push(format!(
                "{what}: confdrift {keys:?}, errors {errors:?}; want {want:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn what_haproxy_refuses_is_trouble_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = BASE;
    assert!(haproxy_accepts(d, a).0, "{}", haproxy_accepts(d, a).1);
    for (what, from, to) in [
        (
            "a time with a unit HAProxy does not know",
            "timeout client  50000",
            "timeout client 50x",
        ),
        (
            "a server's check interval with a unit HAProxy does not know",
            "maxconn 100 check inter 2s\n",
            "maxconn 100 check inter 2x\n",
        ),
        (
            "a server without an address",
            "server api1 10.0.0.21:8080 check",
            "server api1",
        ),
        ("a frontend without a name", "frontend web", "frontend"),
        ("an unclosed quote", "user haproxy", "user \"haproxy"),
    ] {
        let b = replace(a, from, to);
        let (ok, _) = haproxy_accepts(d, &b);
        assert!(!ok, "{what}: haproxy accepts it");
        let (_, errors, code) = confdrift(d, a, &b);
        assert_eq!((errors, code), (vec![line_of(a, from.trim())], 2), "{what}");
    }
    // A directive before any section.
    let b = format!("maxconn 10\n{a}");
    assert!(!haproxy_accepts(d, &b).0);
    assert_eq!(confdrift(d, a, &b).1, vec![1]);
}

#[test]
fn debians_haproxy_cfg_and_the_examples() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/upstream/haproxy");
    for name in [
        "haproxy.cfg",
        "basic-config-edge.cfg",
        "content-sw-sample.cfg",
        "option-http_proxy.cfg",
        "quick-test.cfg",
        "socks4.cfg",
        "transparent_proxy.cfg",
    ] {
        let text = std::fs::read_to_string(format!("{root}/{name}")).unwrap();
        assert_eq!(confdrift(d, &text, &text), (vec![], vec![], 0), "{name}");
        assert_eq!(
            confdrift(d, &text, &strip(&text)),
            (vec![], vec![], 0),
            "{name}"
        );
    }
    let debian = std::fs::read_to_string(format!("{root}/haproxy.cfg")).unwrap();
    assert!(haproxy_accepts(d, &debian).0);
    // Equivalent: the same timeout in seconds.
    let same = replace(&debian, "timeout connect 5000", "timeout connect 5s");
    assert!(haproxy_accepts(d, &same).0);
    assert_eq!(confdrift(d, &debian, &same).0, vec![]);
    // An edit, named by key and line.
    let edited = replace(&debian, "timeout client  50000", "timeout client  60000");
    assert_eq!(
        confdrift(d, &debian, &edited).0,
        vec![("defaults.timeout.client".to_string(), 26)]
    );
    let edited = replace(
        &debian,
        "errorfile 503 /etc/haproxy/errors/503.http",
        "errorfile 503 /etc/haproxy/errors/busy.http",
    );
    assert_eq!(
        confdrift(d, &debian, &edited).0,
        vec![("defaults.errorfile.503".to_string(), 33)]
    );
}

#[test]
fn a_capacity_check_sees_a_servers_maxconn() {
    let cfg = "/etc/haproxy/haproxy.cfg";
    let pg = "/etc/postgresql/15/main/postgresql.conf";
    let fleet = Fleet::new(&format!(
        "[[group]]\nname = \"lb\"\nhosts = [\"lb-1\", \"lb-2\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"{cfg}\"]\n\n\
         [[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"{pg}\"]\n\n\
         [[capacity]]\nname = \"HAProxy's connections fit in PostgreSQL\"\n\
         demand = {{ group = \"lb\", file = \"{cfg}\", key = \"listen.pg.server.db1.maxconn\" }}\n\
         supply = {{ group = \"db\", file = \"{pg}\", key = \"max_connections\" }}\n"
    ));
    for host in ["lb-1", "lb-2"] {
        fleet.live(host, cfg, BASE);
    }
    fleet.group_baseline("lb", cfg, BASE);
    fleet.live("db-1", pg, "max_connections = 150\n");
    fleet.group_baseline("db", pg, "max_connections = 150\n");
    fleet.commit("baseline");
    let out = fleet.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = out.json();
    let f = r["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["kind"], "capacity");
    assert_eq!(
        f[0]["message"],
        "100 + 100 = 200 > max_connections 150; largest: lb-1 (100)"
    );
}

#[test]
fn passwords_in_haproxy_cfg_never_show() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = BASE;
    let b = replace(
        &replace(a, "Bobs-old-pw", "Bobs-new-pw"),
        "admin:Admins-old-pw",
        "admin:Admins-new-pw",
    );
    let b = replace(&b, "$5$abc$def", "$5$xyz$uvw");
    assert!(haproxy_accepts(d, &b).0);
    let (mut keys, _, _) = confdrift(d, a, &b);
    keys.sort();
    let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "listen.stats.stats.auth[0]",
            "userlist.ops.user.amy.password",
            "userlist.ops.user.bob.insecure-password",
        ]
    );
    for format in ["text", "json", "markdown"] {
        let (out, err, _) = run(d, a, &b, format);
        for secret in ["Bobs-", "Admins-", "abc$def", "xyz$uvw"] {
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{format}: {out}{err}"
            );
        }
    }
}
