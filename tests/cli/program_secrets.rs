//! The credentials the programs themselves define (the catalogue in `src/secret/catalogue.rs`),
//! on real upstream files (`fixtures/upstream/`): never in any report format, `-v`, error,
//! state file or git object, rotations still found, unchanged secrets after `accept` clean,
//! a secret repeated where it cannot be fingerprinted refused before anything is written.

use crate::baseline_repo::{KEY, all_objects_text, commit_count, run_env, with_identity};
use crate::harness::Fleet;

const WITH_KEY: [(&str, &str); 1] = [("CONFDRIFT_SECRET_KEY", KEY)];

const REDIS: &str = "/etc/redis/redis.conf";
const SENTINEL: &str = "/etc/redis/sentinel.conf";
const PGBOUNCER: &str = "/etc/pgbouncer/pgbouncer.ini";
const USERLIST: &str = "/etc/pgbouncer/userlist.txt";
const PGCONF: &str = "/etc/postgresql/15/main/postgresql.conf";
const CLIENT_CNF: &str = "/etc/mysql/mariadb.conf.d/50-client.cnf";
const DOTENV: &str = "/srv/app/.env";
const PGPASS: &str = "/var/lib/postgresql/.pgpass";
const HTPASSWD: &str = "/etc/nginx/.htpasswd";

fn upstream(rel: &str) -> String {
    let path = format!("{}/fixtures/upstream/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One set of secrets, one per catalogued credential the fleet uses; `tag` makes each set's
/// values distinct.
struct Secrets {
    tag: &'static str,
}

impl Secrets {
    fn v(&self, what: &str) -> String {
        format!("{what}-{}-Zq81x", self.tag)
    }

    /// A token of a well-known shape, distinct per set.
    fn token(&self, prefix: &str, len: usize) -> String {
        let fill: String = self.tag.chars().cycle().take(len).collect();
        format!("{prefix}{fill}")
    }

    fn key_body(&self) -> String {
        format!("MIIEowIBAAKCAQEA{}x7bq98pXYk", self.tag)
    }

    fn all(&self) -> Vec<String> {
        let mut out: Vec<String> = [
            "requirepass",
            "masterauth",
            "aclpw",
            "tlspass",
            "authpass",
            "sentinelpass",
            "pgbdb",
            "userlist",
            "conninfo",
            "mycnf",
            "pgpass",
            "htpasswd",
        ]
        .iter()
        .map(|w| self.v(w))
        .collect();
        out.push(self.key_body());
        out.push(self.token("ghp_", 36));
        out.push(self.token("sk_live_", 24));
        out
    }

    fn files(&self) -> Vec<(&'static str, String)> {
        let redis = format!(
            "{}\nrequirepass {}\nmasterauth {}\nuser app on >{} ~cache:* +@read\ntls-key-file-pass {}\n",
            upstream("redis-server/redis.conf"),
            self.v("requirepass"),
            self.v("masterauth"),
            self.v("aclpw"),
            self.v("tlspass"),
        );
        let sentinel = format!(
            "{}\nsentinel auth-pass mymaster {}\nsentinel sentinel-pass {}\n",
            upstream("redis-sentinel/sentinel.conf"),
            self.v("authpass"),
            self.v("sentinelpass"),
        );
        let pgbouncer = upstream("pgbouncer/pgbouncer.ini").replacen(
            "[databases]\n",
            &format!(
                "[databases]\napp = host=10.0.0.5 port=5432 dbname=app password={}\n",
                self.v("pgbdb")
            ),
            1,
        );
        let userlist = format!(
            "{}\"app\" \"{}\"\n",
            upstream("pgbouncer/examples-userlist.txt"),
            self.v("userlist")
        );
        let pgconf = format!(
            "{}\nprimary_conninfo = 'host=primary user=replicator password={} sslmode=require'\n",
            upstream("postgresql-15/postgresql.conf.sample"),
            self.v("conninfo"),
        );
        let cnf = format!(
            "{}\n[client]\npassword = {}\n",
            upstream("mariadb-client/50-client.cnf"),
            self.v("mycnf"),
        );
        let env = format!(
            "APP_ENV=production\nPRIVATE_KEY=\"-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\"\nDEPLOY=\"{}\"\nBILLING={}\n",
            self.key_body(),
            self.token("ghp_", 36),
            self.token("sk_live_", 24),
        );
        let pgpass = format!("db.example.com:5432:app:app:{}\n", self.v("pgpass"));
        let htpasswd = format!("admin:{}\n", self.v("htpasswd"));
        vec![
            (REDIS, redis),
            (SENTINEL, sentinel),
            (PGBOUNCER, pgbouncer),
            (USERLIST, userlist),
            (PGCONF, pgconf),
            (CLIENT_CNF, cnf),
            (DOTENV, env),
            (PGPASS, pgpass),
            (HTPASSWD, htpasswd),
        ]
    }
}

const OLD: Secrets = Secrets { tag: "Old" };
const NEW: Secrets = Secrets { tag: "Rot" };

fn fleet() -> Fleet {
    let files: Vec<String> = OLD
        .files()
        .iter()
        .map(|(p, _)| format!("\"{p}\""))
        .collect();
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"data\"\nhosts = [\"h1\", \"h2\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [{}]\n",
        files.join(", ")
    ));
    with_identity(&f);
    f.write(".gitignore", "fleet/\nstate.json\n");
    for h in ["h1", "h2"] {
        for (path, text) in OLD.files() {
            f.live(h, path, text);
        }
    }
    f.commit("confdrift config");
    f
}

/// The passwords of PgBouncer's example userlist.txt, never rotated here.
const UPSTREAM: &[&str] = &["\"asdasd\"", "\"fake\""];

fn assert_none(what: &str, text: &str, sets: &[&Secrets]) {
    for secret in UPSTREAM {
        assert!(!text.contains(secret), "{what} shows {secret:?}:\n{text}");
    }
    for s in sets {
        for secret in s.all() {
            assert!(!text.contains(&secret), "{what} shows {secret:?}:\n{text}");
        }
    }
}

/// Every report format and `-v`: the exit codes.
fn every_output(f: &Fleet, sets: &[&Secrets]) -> Vec<i32> {
    let mut codes = Vec::new();
    for args in [
        vec!["check"],
        vec!["check", "-vv"],
        vec!["check", "--format", "json"],
        vec!["check", "--format", "junit"],
        vec!["check", "--format", "markdown"],
        vec!["check", "--format", "prometheus"],
        vec!["check", "--format", "github"],
        vec!["check", "--state", "state.json"],
    ] {
        let out = run_env(f.path(), &args, &WITH_KEY);
        assert_none(&format!("{args:?} stdout"), &out.stdout, sets);
        assert_none(&format!("{args:?} stderr"), &out.stderr, sets);
        codes.push(out.code);
    }
    let state = std::fs::read_to_string(f.path().join("state.json")).unwrap();
    assert_none("the state file", &state, sets);
    codes
}

#[test]
fn program_credentials_never_leave_the_host_in_clear() {
    let f = fleet();
    let out = run_env(f.path(), &["accept", "-m", "Intended state"], &WITH_KEY);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_none("accept's output", &(out.stdout + &out.stderr), &[&OLD]);
    let objects = all_objects_text(&f);
    assert_none("a git object", &objects, &[&OLD]);
    let redis =
        std::fs::read_to_string(f.path().join("baselines/groups/data/etc/redis/redis.conf"))
            .unwrap();
    assert!(
        redis.contains("\nrequirepass hmac-sha256:")
            && redis.contains("\nuser app on >hmac-sha256:")
            && redis.contains(" ~cache:* +@read\n"),
        "fingerprints at the secrets' own places"
    );

    // Unchanged secrets after accept: no drift, in every format.
    assert_eq!(every_output(&f, &[&OLD]), [0; 8]);

    // Every credential rotated on h2: each found, none shown.
    for (path, text) in NEW.files() {
        f.live("h2", path, text);
    }
    assert_eq!(every_output(&f, &[&OLD, &NEW]), [1; 8]);
    let r = run_env(f.path(), &["check", "--format", "json"], &WITH_KEY).json();
    let mut found: Vec<(String, String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            assert_eq!(x["host"], "h2", "{x}");
            (
                x["file"].as_str().unwrap().to_string(),
                x["key"].as_str().unwrap().to_string(),
                x["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    let changed = |file: &str, key: &str| (file.to_string(), key.to_string(), "changed".into());
    let mut want = vec![
        changed(REDIS, "requirepass"),
        changed(REDIS, "masterauth"),
        changed(REDIS, "user[0]"),
        changed(REDIS, "tls-key-file-pass"),
        changed(SENTINEL, "sentinel[1]"),
        changed(SENTINEL, "sentinel[2]"),
        changed(PGBOUNCER, "databases.app"),
        changed(USERLIST, "app"),
        changed(PGCONF, "primary_conninfo"),
        changed(CLIENT_CNF, "client.password"),
        changed(DOTENV, "PRIVATE_KEY"),
        changed(DOTENV, "DEPLOY"),
        changed(DOTENV, "BILLING"),
        changed(PGPASS, "\"db.example.com:5432:app:app\""),
        changed(HTPASSWD, "admin"),
    ];
    want.sort();
    let keys_only = |v: &[(String, String, String)]| -> Vec<(String, String)> {
        v.iter().map(|(f, k, _)| (f.clone(), k.clone())).collect()
    };
    // Sentinel's list indexes depend on the upstream file's own `sentinel` lines.
    let sentinel_found: Vec<_> = found.iter().filter(|x| x.0 == SENTINEL).cloned().collect();
    assert_eq!(sentinel_found.len(), 2, "{found:?}");
    let found: Vec<_> = found.into_iter().filter(|x| x.0 != SENTINEL).collect();
    let want: Vec<_> = want.into_iter().filter(|x| x.0 != SENTINEL).collect();
    assert_eq!(keys_only(&found), keys_only(&want));
    assert!(found.iter().all(|x| x.2 == "changed"), "{found:?}");
    let shown: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["live"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        shown.iter().all(|s| s.contains("[redacted]")),
        "every live value is redacted: {shown:?}"
    );
    assert!(
        shown.contains(&"app on >[redacted] ~cache:* +@read".to_string())
            && shown
                // As pgbouncer reads it: `port=5432` and `dbname=app` (the entry's name) are
                // what it takes anyway.
                .contains(&"host=10.0.0.5 password=[redacted]".to_string()),
        "the rest of the value stays readable: {shown:?}"
    );

    // Accepting the rotation: every object still clean, old and new alike, and no drift.
    let out = run_env(
        f.path(),
        &["accept", "--host", "h2", "-m", "Rotated"],
        &WITH_KEY,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_none("a git object", &all_objects_text(&f), &[&OLD, &NEW]);
    assert_eq!(every_output(&f, &[&OLD, &NEW]), [0; 8]);
}

#[test]
fn a_secret_repeated_where_it_cannot_be_fingerprinted_is_refused_before_any_write() {
    let f = fleet();
    // A comment keeping the old password: fingerprints only replace values.
    let redis = OLD.files()[0].1.clone();
    f.live(
        "h1",
        REDIS,
        format!(
            "{redis}# rotated 2026-11-02, was: {}\n",
            OLD.v("requirepass")
        ),
    );
    let before = commit_count(&f);
    let out = run_env(f.path(), &["accept", "-m", "x"], &WITH_KEY);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let lines = redis.lines().count() + 1;
    assert!(
        out.stderr.contains("would be written in clear at")
            && out
                .stderr
                .contains(&format!("etc/redis/redis.conf:{lines}")),
        "{}",
        out.stderr
    );
    assert_none("the refusal", &out.stderr, &[&OLD]);
    assert_eq!(commit_count(&f), before);
    assert_none("a git object", &all_objects_text(&f), &[&OLD]);
}

#[test]
fn unparsable_lines_holding_secrets_are_errors_without_the_secret() {
    let f = fleet();
    f.live(
        "h1",
        REDIS,
        format!("requirepass \"{}\n", OLD.v("requirepass")),
    );
    f.live("h1", DOTENV, format!("TOKEN=\"{}\n", OLD.v("mycnf")));
    f.live("h1", USERLIST, format!("\"app\" \"{}\n", OLD.v("userlist")));
    for args in [vec!["check"], vec!["check", "--format", "json", "-v"]] {
        let out = run_env(f.path(), &args, &WITH_KEY);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert_none("an error", &(out.stdout + &out.stderr), &[&OLD]);
    }
}

#[test]
fn a_built_in_credential_is_made_visible_only_with_a_reason() {
    let f = fleet();
    let out = run_env(f.path(), &["accept", "-m", "Intended state"], &WITH_KEY);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let config = std::fs::read_to_string(f.path().join("confdrift.toml")).unwrap();
    f.write(
        "confdrift.toml",
        format!("{config}\n[[rule]]\nkey = \"requirepass\"\nsecret = false\n"),
    );
    let out = run_env(f.path(), &["check"], &WITH_KEY);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("declares a built-in credential not secret (requirepass)")
            && out.stderr.contains("not_secret = \"reason\""),
        "{}",
        out.stderr
    );
    f.write(
        "confdrift.toml",
        format!(
            "{config}\n[[rule]]\nkey = \"requirepass\"\nnot_secret = \"a lab instance with a public password\"\n"
        ),
    );
    f.live("h2", REDIS, NEW.files()[0].1.clone());
    let out = run_env(f.path(), &["check", "--host", "h2"], &WITH_KEY);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains(&NEW.v("requirepass")),
        "shown on purpose: {}",
        out.stdout
    );
    assert_none(
        "the other credentials",
        &out.stdout,
        &[&Secrets { tag: "Old" }],
    );
}

#[test]
fn init_from_live_writes_program_credentials_only_as_fingerprints() {
    let f = fleet();
    let out = run_env(f.path(), &["init", "--from-live"], &WITH_KEY);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut written = String::new();
    for entry in walkdir::WalkDir::new(f.path().join("baselines")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            written.push_str(&std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    assert!(written.contains("hmac-sha256"), "seeded files: {written}");
    assert_none("a seeded baseline file", &written, &[&OLD]);
    // The seeded baseline, committed, matches the live secrets: no drift.
    f.commit("seeded");
    assert_eq!(every_output(&f, &[&OLD]), [0; 8]);
}
