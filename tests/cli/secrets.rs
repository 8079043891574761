//! Secrets never leave the host in clear: not in any report format or `-v` output, not in any
//! git object after `accept` (they are written as keyed fingerprints), and a rotated secret is
//! still found.

use crate::baseline_repo::{KEY, all_objects_text, commit_count, run_env, with_identity};
use crate::harness::Fleet;

const DB: &str = "/etc/app/db.yml";
const PROPS: &str = "/etc/app/app.properties";
const AGENT: &str = "/etc/app/agent.cfg";

const PASSWORD: &str = "hunter2-Zq8";
const URL_PASSWORD: &str = "pgPw-77xQ";
const PROP_PASSWORD: &str = "s3cr3t-Prop-41";
const TOKEN: &str = "tok-ABC123xyz";
const ROTATED: [&str; 3] = ["n3w-Secret-99", "pgPw-rotated-5", "tok-Rotated-777"];

fn secrets() -> Vec<&'static str> {
    let mut all = vec![PASSWORD, URL_PASSWORD, PROP_PASSWORD, TOKEN];
    all.extend(ROTATED);
    all
}

fn db(password: &str, url_password: &str) -> String {
    format!(
        "production:\n  pool: 50\n  password: {password}\n  url: postgres://app:{url_password}@db-1:5432/app\n"
    )
}

fn agent(token: &str) -> String {
    format!("endpoint https://collector.example.com\napi_token={token}\n")
}

/// Two hosts with secrets in YAML, properties, and an unknown format. The fleet directory is
/// git-ignored: only what confdrift writes reaches the repository.
fn fleet() -> Fleet {
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"app\"\nhosts = [\"app-1\", \"app-2\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"{DB}\", \"{PROPS}\", \"{AGENT}\"]\n"
    ));
    with_identity(&f);
    f.write(".gitignore", "fleet/\n");
    for h in ["app-1", "app-2"] {
        f.live(h, DB, db(PASSWORD, URL_PASSWORD));
        f.live(
            h,
            PROPS,
            format!("spring.datasource.username=app\nspring.datasource.password={PROP_PASSWORD}\n"),
        );
        f.live(h, AGENT, agent(TOKEN));
    }
    f.commit("confdrift config");
    f
}

const WITH_KEY: [(&str, &str); 1] = [("CONFDRIFT_SECRET_KEY", KEY)];

fn assert_no_secret(what: &str, text: &str) {
    for s in secrets() {
        assert!(!text.contains(s), "{what} shows the secret {s:?}:\n{text}");
    }
}

/// Every report format and `-v`, stdout and stderr, with `env`; returns the exit codes.
fn every_output(f: &Fleet, env: &[(&str, &str)]) -> Vec<i32> {
    let mut codes = Vec::new();
    for args in [
        vec!["check"],
        vec!["check", "--format", "json"],
        vec!["check", "-v"],
        vec!["check", "-vv", "--format", "json"],
    ] {
        let out = run_env(f.path(), &args, env);
        assert_no_secret(&format!("{args:?} stdout"), &out.stdout);
        assert_no_secret(&format!("{args:?} stderr"), &out.stderr);
        codes.push(out.code);
    }
    codes
}

#[test]
fn accepted_secrets_are_fingerprints_in_every_git_object_and_match_the_live_ones() {
    let f = fleet();
    let out = run_env(f.path(), &["accept", "-m", "Intended state"], &WITH_KEY);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_no_secret("accept's output", &format!("{}{}", out.stdout, out.stderr));
    let objects = all_objects_text(&f);
    assert_no_secret("a git object", &objects);
    assert!(objects.contains("hmac-sha256:"), "{objects}");
    let group_file =
        std::fs::read_to_string(f.path().join("baselines/groups/app/etc/app/db.yml")).unwrap();
    assert!(
        group_file.starts_with("production:\n  pool: 50\n  password: hmac-sha256:")
            && group_file.contains("url: postgres://app:hmac-sha256:"),
        "fingerprints at the values' own places: {group_file}"
    );

    // Unchanged secrets are no drift, in every format.
    assert_eq!(every_output(&f, &WITH_KEY), [0, 0, 0, 0]);

    // Rotated on app-2: found, and shown only as [redacted].
    f.live("app-2", DB, db(ROTATED[0], ROTATED[1]));
    f.live("app-2", AGENT, agent(ROTATED[2]));
    assert_eq!(every_output(&f, &WITH_KEY), [1, 1, 1, 1]);
    let r = run_env(f.path(), &["check", "--format", "json"], &WITH_KEY).json();
    let found: Vec<(String, String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["host"].as_str().unwrap().to_string(),
                x["key"].as_str().unwrap().to_string(),
                x["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = |k: &str| ("app-2".to_string(), k.to_string(), "changed".to_string());
    // agent.cfg's name says nothing: accept read it by its content as check does
    // (`.properties`), so its token is a fingerprint on its key and is compared by key.
    assert_eq!(
        found,
        [
            want("api_token"),
            want("production.password"),
            want("production.url"),
        ]
    );
    let token = &r["findings"][0];
    assert_eq!(
        (&token["baseline"], &token["live"], &token["message"]),
        (
            &"[redacted]".into(),
            &"[redacted]".into(),
            &"changed (secret value)".into()
        )
    );
    let pw = &r["findings"][1];
    assert_eq!(
        (&pw["baseline"], &pw["live"]),
        (&"[redacted]".into(), &"[redacted]".into())
    );
    assert_eq!(
        r["findings"][2]["live"],
        "postgres://app:[redacted]@db-1:5432/app"
    );

    // Accepting the rotation keeps every object clean, old and new secrets alike.
    let out = run_env(
        f.path(),
        &["accept", "--host", "app-2", "-m", "Rotated"],
        &WITH_KEY,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_no_secret("a git object", &all_objects_text(&f));
    assert_eq!(every_output(&f, &WITH_KEY), [0, 0, 0, 0]);
}

#[test]
fn without_a_key_secrets_are_refused_and_fingerprints_cannot_be_checked() {
    let f = fleet();
    let before = commit_count(&f);
    let out = run_env(f.path(), &["accept", "-m", "x"], &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("app-1:/etc/app/db.yml:3: holds a secret (key production.password)")
            && out.stderr.contains("no secret key is configured")
            && out.stderr.contains("head -c 32 /dev/urandom | base64")
            && out.stderr.contains("CONFDRIFT_SECRET_KEY"),
        "{}",
        out.stderr
    );
    assert_no_secret("accept's refusal", &out.stderr);
    assert_eq!(commit_count(&f), before);
    assert_no_secret("a git object", &all_objects_text(&f));

    // Recorded with a key; checked without one: trouble, and still no secret shown.
    assert_eq!(run_env(f.path(), &["accept", "-m", "x"], &WITH_KEY).code, 0);
    let codes = every_output(&f, &[]);
    assert_eq!(codes, [2, 2, 2, 2]);
    let out = run_env(f.path(), &["check"], &[]);
    assert!(
        out.stdout
            .contains("the baseline holds secret fingerprints that cannot be compared"),
        "{}",
        out.stdout
    );
    // Another key does not match: every secret reads as rotated.
    let other = [("CONFDRIFT_SECRET_KEY", "a-different-key-of-some-length")];
    assert_eq!(every_output(&f, &other), [1, 1, 1, 1]);
}

#[test]
fn the_key_may_be_a_file_outside_the_repository_but_not_inside() {
    let f = fleet();
    let outside = tempfile::tempdir().unwrap();
    let key_file = outside.path().join("secret.key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let inside = f.path().join("secret.key");
    std::fs::write(&inside, format!("{KEY}\n")).unwrap();

    let out = run_env(
        f.path(),
        &["accept", "-m", "x"],
        &[("CONFDRIFT_SECRET_KEY_FILE", inside.to_str().unwrap())],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("is inside the repository"),
        "{}",
        out.stderr
    );

    let env = [("CONFDRIFT_SECRET_KEY_FILE", key_file.to_str().unwrap())];
    assert_eq!(run_env(f.path(), &["accept", "-m", "x"], &env).code, 0);
    // The same key from the environment gives the same fingerprints: no drift.
    assert_eq!(run_env(f.path(), &["check"], &WITH_KEY).code, 0);
    // The default place, ~/.config/confdrift/secret.key, under $XDG_CONFIG_HOME.
    let xdg = outside.path().join("xdg");
    std::fs::create_dir_all(xdg.join("confdrift")).unwrap();
    std::fs::copy(&key_file, xdg.join("confdrift/secret.key")).unwrap();
    let env = [("XDG_CONFIG_HOME", xdg.to_str().unwrap())];
    assert_eq!(run_env(f.path(), &["check"], &env).code, 0);

    let short = [("CONFDRIFT_SECRET_KEY", "short")];
    let out = run_env(f.path(), &["accept", "-m", "x"], &short);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("too short"), "{}", out.stderr);
}

#[test]
fn diff_matches_a_fingerprinted_baseline_file_too() {
    let f = fleet();
    assert_eq!(run_env(f.path(), &["accept", "-m", "x"], &WITH_KEY).code, 0);
    let base = "baselines/groups/app/etc/app/db.yml";
    let live = "fleet/app-1/etc/app/db.yml";
    assert_eq!(run_env(f.path(), &["diff", base, live], &WITH_KEY).code, 0);
    f.live("app-1", DB, db(ROTATED[0], URL_PASSWORD));
    let out = run_env(f.path(), &["diff", base, live], &WITH_KEY);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("production.password"), "{}", out.stdout);
    assert_no_secret("diff", &out.stdout);
}
