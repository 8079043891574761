//! pg_hba.conf judged by PostgreSQL 15 itself: the file is written as the server's
//! `pg_hba.conf` (never reloaded, so the server keeps authenticating with its own), and
//! `pg_hba_file_rules`, which reads the file again on every query, shows each rule as the
//! server reads it, or the error on its line. Rewrites the server reads as the same rules
//! (one rule per database × user, in order, the first of the same match kept) are no drift
//! to `confdrift diff`; edits the server reads differently are drift named by the rule's key;
//! a line the server marks with an error is trouble at that line. Debian's pg_hba.conf is
//! the package's `pg_hba.conf.sample` filled in as `initdb` fills it (Debian's methods: peer
//! and scram-sha-256).

use crate::harness::Fleet;
use crate::running_pg::Pg;
use std::os::unix::fs::PermissionsExt;

/// What the server reads from `text`: (line, error) for each line it refuses, and its rules
/// one per database × user as `type|database|user|address|netmask|method|options`, in
/// order, a rule matching what an earlier one matches left out (never reached).
fn server_view(pg: &Pg, text: &str) -> (Vec<String>, Vec<(u32, String)>) {
    let path = pg.data.join("pg_hba.conf");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = pg.sql(
        "SELECT r.line_number, coalesce(r.error, ''), coalesce(r.type, ''), coalesce(d, ''), \
         coalesce(u, ''), coalesce(r.address, ''), coalesce(r.netmask, ''), \
         coalesce(r.auth_method, ''), coalesce(array_to_string(r.options, ','), '') \
         FROM pg_hba_file_rules r \
         LEFT JOIN LATERAL unnest(r.database) WITH ORDINALITY AS dd(d, di) ON true \
         LEFT JOIN LATERAL unnest(r.user_name) WITH ORDINALITY AS uu(u, ui) ON true \
         ORDER BY r.line_number, di, ui",
    );
    let (mut rules, mut errors, mut seen) = (Vec::new(), Vec::new(), Vec::new());
    for row in out.lines() {
        let cols: Vec<&str> = row.split('|').collect();
        assert_eq!(cols.len(), 9, "{row}");
        if !cols[1].is_empty() {
            errors.push((cols[0].parse().unwrap(), cols[1].to_string()));
            continue;
        }
        let matched = cols[2..7].join("|");
        if !seen.contains(&matched) {
            seen.push(matched);
            rules.push(cols[2..].join("|"));
        }
    }
    (rules, errors)
}

/// What `confdrift diff` says: exit code, (key, kind) of the findings, (line, message) of
/// the errors.
type Said = (i32, Vec<(String, String)>, Vec<(u64, String)>);

/// An edit: what it is, the edited file, and the (key, kind) of the findings it must give.
type Edit<'a> = (&'a str, String, Vec<(String, &'a str)>);

/// `confdrift diff` of two pg_hba.conf files: exit code, (key, kind) of each finding, and
/// (line, message) of each error.
fn confdrift(f: &Fleet, old: &str, new: &str) -> Said {
    let a = f.write("old/pg_hba.conf", old);
    let b = f.write("new/pg_hba.conf", new);
    let out = f.run(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let r = out.json();
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let findings = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (s(&x["key"]), s(&x["kind"])))
        .collect();
    let errors = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap_or(0), s(&e["message"])))
        .collect();
    (out.code, findings, errors)
}

/// Debian's pg_hba.conf: the package's sample filled in as `initdb` fills it.
fn debian() -> String {
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/upstream/postgresql-15/pg_hba.conf.sample"
    ))
    .unwrap();
    sample
        .replace("@authcomment@", "")
        .replace("@remove-line-for-nolocal@", "")
        .replace("@authmethodlocal@", "peer")
        .replace("@authmethodhost@", "scram-sha-256")
}

/// Debian's file with the rules a pool's database server adds.
fn base() -> String {
    debian()
        + "\
# applications
host    app,reports     app             10.0.0.0/8              scram-sha-256
hostnossl all           +admins         192.168.0.0 255.255.0.0 md5
host    all             pgbouncer       db.example.com          scram-sha-256
hostssl all             all             0.0.0.0/0               scram-sha-256 clientcert=verify-ca
host    all             all             all                     reject
"
}

fn key(rule: &str, leaf: &str) -> String {
    format!("\"{rule}\".{leaf}")
}

#[test]
fn rewrites_the_server_reads_as_the_same_rules_are_no_drift() {
    let pg = Pg::start();
    let f = Fleet::new("");
    let base = base();
    let (base_view, errors) = server_view(&pg, &base);
    // hostssl on a server without SSL: the server's state, not the file's (see the README).
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].1.contains("SSL is disabled"), "{errors:?}");
    let no_ssl = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with("hostssl"))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    let base = no_ssl(&base);
    assert_eq!(server_view(&pg, &base), (base_view.clone(), vec![]));
    assert_eq!(base_view.len(), 11, "{base_view:#?}");
    let stripped: String = base
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join("\t") + "\n")
        .collect();
    let rewrites = [
        ("comments, blank lines and spacing", stripped.clone()),
        (
            "CIDR masks as netmasks and back",
            stripped
                .replace("127.0.0.1/32", "127.0.0.1 255.255.255.255")
                .replace("::1/128", "::1 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
                .replace("192.168.0.0\t255.255.0.0", "192.168.0.0/16"),
        ),
        (
            "plain words quoted",
            stripped
                .replace("local\tall\tpostgres", "\"local\"\tall\t\"postgres\"")
                .replace("+admins", "+\"admins\"")
                .replace("pgbouncer", "\"pgbouncer\"")
                .replace("reject", "\"reject\""),
        ),
        (
            "a comma list split into lines, a line continued",
            stripped.replace(
                "host\tapp,reports\tapp\t10.0.0.0/8\tscram-sha-256\n",
                "host app app \\\n  10.0.0.0/8 scram-sha-256 # app\nhost reports app 10.0.0.0/8 scram-sha-256\n",
            ),
        ),
        (
            "a list with a repeat and blanks after its commas",
            stripped.replace("app,reports", "app, reports,app"),
        ),
        (
            "a rule repeated below itself (never reached)",
            stripped.replace(
                "host\tall\tall\tall\treject\n",
                "host\tall\tpgbouncer\tdb.example.com\tmd5\nhost\tall\tall\tall\treject\n",
            ),
        ),
    ];
    for (what, text) in &rewrites {
        let (view, errors) = server_view(&pg, text);
        assert_eq!(
            (&view, &errors),
            (&base_view, &vec![]),
            "{what}: the server reads it the same"
        );
        let (code, findings, errs) = confdrift(&f, &base, text);
        assert_eq!((code, findings, errs), (0, vec![], vec![]), "{what}");
    }
}

#[test]
fn edits_the_server_reads_differently_are_named_by_rule() {
    let pg = Pg::start();
    let f = Fleet::new("");
    let base: String = base()
        .lines()
        .filter(|l| !l.starts_with("hostssl"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (base_view, _) = server_view(&pg, &base);
    let app = "host    app,reports     app             10.0.0.0/8              scram-sha-256\n";
    let reject = "host    all             all             all                     reject\n";
    let edits: Vec<Edit> = vec![
        (
            "a method changed",
            base.replace(app, &app.replace("scram-sha-256", "md5")),
            vec![
                (key("host app app 10.0.0.0/8", "method"), "changed"),
                (key("host reports app 10.0.0.0/8", "method"), "changed"),
            ],
        ),
        (
            "an address narrowed",
            base.replace("10.0.0.0/8", "10.1.0.0/16"),
            vec![
                (key("host app app 10.0.0.0/8", "method"), "removed"),
                (key("host reports app 10.0.0.0/8", "method"), "removed"),
                (key("host app app 10.1.0.0/16", "method"), "added"),
                (key("host reports app 10.1.0.0/16", "method"), "added"),
            ],
        ),
        (
            "a user removed from a list",
            base.replace("app,reports", "app"),
            vec![(key("host reports app 10.0.0.0/8", "method"), "removed")],
        ),
        (
            "an option added",
            base.replace(
                "db.example.com          scram-sha-256",
                "db.example.com          ldap ldapbasedn=dc=example",
            ),
            vec![
                (
                    key("host all pgbouncer db.example.com", "method"),
                    "changed",
                ),
                (
                    key("host all pgbouncer db.example.com", "options.ldapbasedn"),
                    "added",
                ),
            ],
        ),
    ];
    for (what, text, want) in &edits {
        let (view, errors) = server_view(&pg, text);
        assert!(errors.is_empty(), "{what}: {errors:?}");
        assert_ne!(view, base_view, "{what}: the server reads it differently");
        let (code, mut findings, _) = confdrift(&f, &base, text);
        let mut want: Vec<(String, String)> = want
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect();
        findings.sort();
        want.sort();
        assert_eq!((code, findings), (1, want), "{what}");
    }

    // The catch-all moved to the top: the server's order changes and so does every rule's
    // first match over TCP; each rule it now comes before says so.
    let moved = base
        .replace(reject, "")
        .replacen("# TYPE", &format!("{reject}# TYPE"), 1);
    let (view, _) = server_view(&pg, &moved);
    assert_eq!(view[0], "host|all|all|all||reject|");
    assert_ne!(view, base_view);
    let (code, findings, _) = confdrift(&f, &base, &moved);
    assert_eq!(code, 1);
    let after: Vec<&str> = findings.iter().map(|(k, _)| k.as_str()).collect();
    for rule in [
        "host all all 127.0.0.1/32",
        "host all all ::1/128",
        "host app app 10.0.0.0/8",
        "host all pgbouncer db.example.com",
    ] {
        assert!(
            findings.contains(&(key(rule, "after"), "moved".to_string())),
            "{rule}: {findings:?}"
        );
    }
    // A move is a `moved` finding, whose message names the rule it now comes after.
    assert!(
        findings.iter().all(|(_, kind)| kind == "moved"),
        "{findings:?}"
    );
    let a = f.write("old/pg_hba.conf", &base);
    let b = f.write("new/pg_hba.conf", &moved);
    let text = f.run(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(text.code, 1);
    let json = f.run(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = json.json();
    crate::formats::assert_valid(&report);
    // Named at the rule's line on each side.
    let line_of =
        |text: &str| text.lines().position(|l| l == reject.trim_end()).unwrap() as u64 + 1;
    let catch_all = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == key("host all all all", "after").as_str())
        .expect("the catch-all's move");
    assert_eq!(
        (
            catch_all["line"].as_u64(),
            catch_all["baseline_line"].as_u64()
        ),
        (Some(line_of(&moved)), Some(line_of(&base)))
    );
    assert!(
        catch_all["message"]
            .as_str()
            .unwrap()
            .starts_with("moved: now before \"host all all 127.0.0.1/32\""),
        "{catch_all}"
    );
    assert!(
        text.stdout.contains("moved")
            && text
                .stdout
                .contains("now after \"host all all all\", which matches first where both match"),
        "{}",
        text.stdout
    );
    assert!(
        !after.iter().any(|k| k.starts_with("\"local")),
        "local rules never meet a host rule: {findings:?}"
    );

    // A replication rule moved below the others: the server lists it elsewhere, but no
    // connection it matches is matched by the rules it moved past; no drift.
    let repl = "host    replication     all             ::1/128                 scram-sha-256\n";
    let moved = base.replace(repl, "") + repl;
    let (view, _) = server_view(&pg, &moved);
    let (mut a, mut b) = (view.clone(), base_view.clone());
    a.sort();
    b.sort();
    assert!(
        view != base_view && a == b,
        "the same rules in another order"
    );
    assert_eq!(confdrift(&f, &base, &moved).0, 0);
}

#[test]
fn lines_the_server_marks_with_an_error_are_trouble_at_that_line() {
    let pg = Pg::start();
    let f = Fleet::new("");
    let good = "local all all peer\n";
    for bad in [
        "host all all 10.0.0.0/33 md5",
        "host all all example.com/24 md5",
        "host all all 10.0.0.1 md5",
        "host all all 10.0.0.0 ::1 md5",
        "LOCAL all all trust",
        "host all all all MD5",
        "host all all all sspi",
        "host all all all peer",
        "local all all gss",
        "host all all all cert",
        "host all all all md5 map=x",
        "host all all all md5 clientcert=verify-ca",
        "local all all peer bogus=1",
        "local all all peer map",
        "host all all all ldap ldapserver=x",
        "host,local all all all md5",
        "host all all 10.0.0.0/8,10.0.0.0/16 md5",
        "host all all all md5,trust",
        "host db1#x u1 all md5",
        "host all all",
    ] {
        let text = format!("{good}# a comment\n{bad}\n{good}");
        let (_, errors) = server_view(&pg, &text);
        assert_eq!(errors.len(), 1, "{bad}: {errors:?}");
        assert_eq!(errors[0].0, 3, "{bad}");
        let (code, findings, errs) = confdrift(&f, good, &text);
        assert_eq!((code, findings.len(), errs.len()), (2, 0, 1), "{bad}");
        assert_eq!(errs[0].0, 3, "{bad}: {errs:?}");
        // The server's own words.
        let server = errors[0].1.split(':').next().unwrap().to_string();
        assert!(
            errs[0].1.contains(&server),
            "{bad}: server {:?}, confdrift {:?}",
            errors[0].1,
            errs[0].1
        );
    }
    // PostgreSQL 16's include lines are read as 16 reads them; 15 refuses them.
    let text = format!("{good}include pg_hba.d/app.conf\n");
    let (_, errors) = server_view(&pg, &text);
    assert_eq!(
        errors,
        vec![(2, "invalid connection type \"include\"".to_string())]
    );
    let (code, findings, _) = confdrift(&f, good, &text);
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        vec![(
            key("include pg_hba.d/app.conf", "after"),
            "added".to_string()
        )]
    );
}

#[test]
fn ldap_and_radius_secrets_never_appear_in_output() {
    let f = Fleet::new("");
    let rule = |pw: &str| {
        format!(
            "host all all 10.0.0.0/8 ldap ldapserver=ldap.example.com ldapbasedn=dc=example \
             ldapbinddn=cn=pg ldapbindpasswd={pw}\n\
             host all all 10.1.0.0/16 radius radiusservers=r.example.com radiussecrets={pw}-r\n"
        )
    };
    for format in ["json", "text"] {
        let a = f.write("old/pg_hba.conf", rule("Old-zQx9"));
        let b = f.write("new/pg_hba.conf", rule("New-wV3r"));
        let out = f.run(&[
            "diff",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(out.code, 1, "{}", out.stderr);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(
            all.contains("ldapbindpasswd") && all.contains("radiussecrets"),
            "{all}"
        );
        for secret in ["zQx9", "wV3r"] {
            assert!(!all.contains(secret), "{secret} in {all}");
        }
    }
}

/// What the server reads from `text` as its pg_ident.conf: the mappings as
/// `map|system user|pg user`, sorted (any line that matches may be used), and (line, error).
fn ident_view(pg: &Pg, text: &str) -> (Vec<String>, Vec<(u32, String)>) {
    let path = pg.data.join("pg_ident.conf");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = pg.sql(
        "SELECT line_number, coalesce(error, ''), coalesce(map_name, ''), \
         coalesce(sys_name, ''), coalesce(pg_username, '') FROM pg_ident_file_mappings",
    );
    let (mut maps, mut errors) = (Vec::new(), Vec::new());
    for row in out.lines() {
        let cols: Vec<&str> = row.split('|').collect();
        if !cols[1].is_empty() {
            errors.push((cols[0].parse().unwrap(), cols[1].to_string()));
        } else {
            maps.push(cols[2..].join("|"));
        }
    }
    maps.sort();
    maps.dedup();
    (maps, errors)
}

#[test]
fn pg_ident_conf_as_the_server_reads_it() {
    let pg = Pg::start();
    let f = Fleet::new("");
    let diff = |old: &str, new: &str| {
        let a = f.write("old/pg_ident.conf", old);
        let b = f.write("new/pg_ident.conf", new);
        let out = f.run(&[
            "diff",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--format",
            "json",
        ]);
        let r = out.json();
        let keys: Vec<String> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["key"].as_str().unwrap().to_string())
            .collect();
        let errors: Vec<u64> = r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["line"].as_u64().unwrap())
            .collect();
        (out.code, keys, errors)
    };
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/upstream/postgresql-15/pg_ident.conf.sample"
    ))
    .unwrap();
    let base = format!(
        "{sample}omicron bryanh bryanh\nomicron ann ann\nomicron bryanh admin\n\
         certs /^(.*)@example\\.com$ \\1\n"
    );
    let (base_view, errors) = ident_view(&pg, &base);
    assert_eq!((base_view.len(), errors.len()), (4, 0), "{base_view:?}");
    for (what, text) in [
        (
            "reordered, quoted, without comments",
            "certs \"/^(.*)@example\\.com$\" \\1\nomicron bryanh admin\n\"omicron\" \"ann\" ann\n\
             omicron bryanh bryanh\n"
                .to_string(),
        ),
        (
            "a line continued, a line repeated, a field the server ignores",
            format!("{base}omicron \\\n  ann ann\nomicron bryanh admin ignored\n"),
        ),
    ] {
        assert_eq!(
            ident_view(&pg, &text),
            (base_view.clone(), vec![]),
            "{what}"
        );
        assert_eq!(diff(&base, &text), (0, vec![], vec![]), "{what}");
    }
    for (what, text, key) in [
        (
            "a mapping removed",
            base.replace("omicron bryanh admin\n", ""),
            "omicron.bryanh",
        ),
        (
            "another target",
            base.replace("ann ann", "ann analyst"),
            "omicron.ann",
        ),
        (
            "a map added",
            format!("{base}ops deploy postgres\n"),
            "ops.deploy",
        ),
    ] {
        let (view, errors) = ident_view(&pg, &text);
        assert!(errors.is_empty() && view != base_view, "{what}");
        assert_eq!(
            diff(&base, &text),
            (1, vec![key.to_string()], vec![]),
            "{what}"
        );
    }
    for bad in ["m2 a,b c", "m3 a", "\"m\" a b,c"] {
        let text = format!("omicron ann ann\n{bad}\n");
        let (_, errors) = ident_view(&pg, &text);
        assert_eq!(errors.len(), 1, "{bad}");
        assert_eq!(errors[0].0, 2, "{bad}");
        let (code, _, lines) = diff("omicron ann ann\n", &text);
        assert_eq!((code, lines), (2, vec![2]), "{bad}");
    }
}
