//! Debian's pg_hba.conf and systemd units (fixtures/upstream, see SOURCES.md) read through
//! the library, as `upstream.rs` reads the other formats: the keys and lines expected, clean
//! against itself, a copy without comments and blank lines and equivalent rewrites, and real
//! edits named by key and line.

use confdrift::diff::diff;
use confdrift::normalize::{Document, Format};
use confdrift::report::Kind;
use confdrift::tree::Value;

fn fixture(rel: &str) -> String {
    let path = format!("{}/fixtures/upstream/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse(format: &str, text: &str) -> Document {
    match Format::from_name(format).unwrap().parse(text.as_bytes()) {
        Ok(doc @ Document::Tree(_)) => doc,
        other => panic!("{other:?} for:\n{text}"),
    }
}

fn at<'d>(doc: &'d Document, key: &str) -> (&'d Value, u32) {
    let t = doc.tree().unwrap();
    let e = t.get(key).unwrap_or_else(|| {
        panic!(
            "no {key}; have {:?}",
            t.iter().map(|(k, _)| k).collect::<Vec<_>>()
        )
    });
    (&e.value, e.line)
}

fn changes(a: &Document, b: &Document) -> Vec<(String, Kind, Option<u32>, Option<u32>)> {
    diff(a, b)
        .into_iter()
        .map(|c| {
            (
                c.key,
                c.kind,
                c.baseline.map(|e| e.line),
                c.live.map(|e| e.line),
            )
        })
        .collect()
}

fn assert_clean(format: &str, a: &str, b: &str) {
    let (x, y) = (parse(format, a), parse(format, b));
    assert_eq!(changes(&x, &y), vec![], "rewritten:\n{b}");
    assert_eq!(changes(&y, &x), vec![]);
}

fn strip(text: &str, comment: &[char]) -> String {
    text.lines()
        .filter(|l| !(l.trim().is_empty() || l.trim_start().starts_with(comment)))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
    text.replacen(from, to, 1)
}

/// Debian's pg_hba.conf: the sample as `initdb` fills it in with Debian's methods.
fn pg_hba() -> String {
    fixture("postgresql-15/pg_hba.conf.sample")
        .replace("@authcomment@", "")
        .replace("@remove-line-for-nolocal@", "")
        .replace("@authmethodlocal@", "peer")
        .replace("@authmethodhost@", "scram-sha-256")
}

#[test]
fn pg_hba_conf_keys_rewrites_and_edits() {
    let text = pg_hba();
    let doc = parse("pghba", &text);
    let line = |start: &str| text.lines().position(|l| l.starts_with(start)).unwrap() as u32 + 1;
    let l = line("local   all");
    assert_eq!(
        at(&doc, "\"local all all\".method"),
        (&Value::text("peer"), l)
    );
    let h = line("host    all             all             127.0.0.1/32");
    assert_eq!(
        at(&doc, "\"host all all 127.0.0.1/32\".method"),
        (&Value::text("scram-sha-256"), h)
    );
    assert_eq!(
        at(&doc, "\"host replication all ::1/128\".method").1,
        line("host    replication     all             ::1/128")
    );
    assert_eq!(
        doc.tree().unwrap().len(),
        6,
        "six rules, none after another that matches the same"
    );
    // The unfilled sample is what PostgreSQL would refuse: `@authcomment@` reads a file.
    let sample = fixture("postgresql-15/pg_hba.conf.sample");
    assert!(
        Format::from_name("pghba")
            .unwrap()
            .parse(sample.as_bytes())
            .is_err()
    );

    assert_clean("pghba", &text, &text);
    let stripped = strip(&text, &['#']);
    assert_clean("pghba", &text, &stripped);
    let respaced: String = stripped
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") + "  # note\n")
        .collect();
    assert_clean("pghba", &text, &respaced);
    assert_clean(
        "pghba",
        &text,
        &once(
            &stripped,
            "all             all             127.0.0.1/32            scram-sha-256",
            "all all 127.0.0.1 255.255.255.255 \"scram-sha-256\"",
        ),
    );
    // local rules moved below the host rules: no connection changes its rule.
    let (local, host): (Vec<&str>, Vec<&str>) =
        stripped.lines().partition(|l| l.starts_with("local"));
    let moved: String = host
        .iter()
        .chain(local.iter())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_clean("pghba", &text, &moved);

    let edited = once(
        &text,
        "all             all             127.0.0.1/32            scram-sha-256",
        "all             all             127.0.0.1/32            trust",
    );
    assert_eq!(
        changes(&doc, &parse("pghba", &edited)),
        vec![(
            "\"host all all 127.0.0.1/32\".method".to_string(),
            Kind::Changed,
            Some(h),
            Some(h)
        )]
    );
    let widened = format!("{text}host all all 0.0.0.0/0 md5\n");
    let n = widened.lines().count() as u32;
    let c = changes(&doc, &parse("pghba", &widened));
    assert!(
        c.contains(&(
            "\"host all all 0.0.0.0/0\".method".to_string(),
            Kind::Added,
            None,
            Some(n)
        )),
        "{c:?}"
    );
}

/// Every Debian unit: its own tree, the copy without comments, the expected keys.
#[test]
fn debian_units_keys_rewrites_and_edits() {
    for (rel, key, value) in [
        (
            "pgbouncer/pgbouncer.service",
            "Service.ExecStart[0]",
            "/usr/sbin/pgbouncer /etc/pgbouncer/pgbouncer.ini",
        ),
        (
            "redis-server/redis-server.service",
            "Service.LimitNOFILE",
            "65535",
        ),
        (
            "nginx-common/nginx.service",
            "Service.ExecStart[0]",
            "/usr/sbin/nginx -g \"daemon on; master_process on;\"",
        ),
        (
            "openssh-server/ssh.service",
            "Service.ExecReload[1]",
            "/bin/kill -HUP $MAINPID",
        ),
        (
            "postgresql-common/postgresql@.service",
            "Service.ExecStart[0]",
            "-/usr/bin/pg_ctlcluster --skip-systemctl-redirect %i start",
        ),
        (
            "mariadb-server/mariadb@.service",
            "Service.LimitNOFILE",
            "32768",
        ),
        (
            "mariadb-server/mariadb@bootstrap.service.d/use_galera_new_cluster.conf",
            "Service.ExecStart[1]",
            "/usr/bin/false",
        ),
    ] {
        let text = fixture(rel);
        let doc = parse("systemd", &text);
        let (v, line) = at(&doc, key);
        assert_eq!(v.to_string(), value, "{rel}");
        let name = key.split(['.', '[']).nth(1).unwrap();
        assert!(
            text.lines()
                .nth(line as usize - 1)
                .unwrap()
                .starts_with(&format!("{name}=")),
            "{rel}: line {line}"
        );
        assert_clean("systemd", &text, &text);
        assert_clean("systemd", &text, &strip(&text, &['#', ';']));
        let spaced: String = strip(&text, &['#', ';'])
            .lines()
            .map(|l| l.replacen('=', " = ", 1) + "\n")
            .collect();
        assert_clean("systemd", &text, &spaced);
    }
    // redis: the limit, a path list, the boolean spelled another way; real edits named.
    let text = fixture("redis-server/redis-server.service");
    let doc = parse("systemd", &text);
    let line = |start: &str| text.lines().position(|l| l.starts_with(start)).unwrap() as u32 + 1;
    assert_clean(
        "systemd",
        &text,
        &once(&text, "PrivateTmp=true", "PrivateTmp=yes"),
    );
    assert_clean(
        "systemd",
        &text,
        &once(
            &text,
            "ReadWritePaths=-/var/lib/redis\nReadWritePaths=-/var/log/redis",
            "ReadWritePaths=-/var/lib/redis -/var/log/redis",
        ),
    );
    assert_clean(
        "systemd",
        &text,
        &once(&text, "TimeoutStopSec=0", "TimeoutStopSec=0s"),
    );
    let l = line("LimitNOFILE");
    assert_eq!(
        changes(
            &doc,
            &parse(
                "systemd",
                &once(&text, "LimitNOFILE=65535", "LimitNOFILE=100000")
            )
        ),
        vec![(
            "Service.LimitNOFILE".to_string(),
            Kind::Changed,
            Some(l),
            Some(l)
        )]
    );
    let l = line("ReadWritePaths=-/var/log/redis");
    assert_eq!(
        changes(
            &doc,
            &parse(
                "systemd",
                &once(
                    &text,
                    "ReadWritePaths=-/var/log/redis",
                    "ReadWritePaths=-/srv/log/redis"
                )
            )
        ),
        vec![(
            "Service.ReadWritePaths[1]".to_string(),
            Kind::Changed,
            Some(l),
            Some(l)
        )]
    );
    let r = line("Restart=always");
    assert_eq!(
        changes(
            &doc,
            &parse(
                "systemd",
                &once(&text, "Restart=always", "Restart=on-failure")
            )
        ),
        vec![(
            "Service.Restart".to_string(),
            Kind::Changed,
            Some(r),
            Some(r)
        )]
    );
}
