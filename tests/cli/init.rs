//! `confdrift init`: a commented config and the baseline directories; `--from-live` seeds the
//! baseline from the hosts (majority per group, host files for the rest); never overwrites.

use crate::baseline_repo::{run_env, with_identity};
use crate::harness::{Fleet, app_config};
use std::path::Path;

const DB: &str = "/etc/app/db.yml";

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn init_scaffolds_a_config_and_never_overwrites_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = run_env(d, &["init"], &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("not inside a git repository") && out.stderr.contains("--git-init"),
        "{}",
        out.stderr
    );
    assert!(!d.join("confdrift.toml").exists());

    let out = run_env(d, &["init", "--git-init"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(d.join(".git").is_dir());
    assert!(d.join("baselines/groups").is_dir() && d.join("baselines/hosts").is_dir());
    let config = read(&d.join("confdrift.toml"));
    assert!(config.contains("[baseline]") && config.contains("confdrift init --from-live"));
    // The template is a valid config (no groups yet): collect accepts it.
    let out = run_env(d, &["collect", "--out", "snap"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);

    std::fs::write(d.join("confdrift.toml"), "# mine\n").unwrap();
    let out = run_env(d, &["init"], &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("confdrift.toml already exists"),
        "{}",
        out.stderr
    );
    assert_eq!(read(&d.join("confdrift.toml")), "# mine\n");
}

#[test]
fn from_live_seeds_group_majorities_and_host_files() {
    let f = Fleet::new(&app_config(
        &["app-1", "app-2", "app-3"],
        &[DB, "/etc/app/*.conf"],
    ));
    with_identity(&f);
    let common = "production:\n  pool: 50\n";
    f.live("app-1", DB, common);
    f.live("app-2", DB, "production: {pool: 50}\n"); // the same meaning
    f.live("app-3", DB, "production:\n  pool: 5\n");
    f.live("app-2", "/etc/app/extra.conf", "x = 1\n");
    f.write(".gitignore", "fleet/\n");

    let out = run_env(f.path(), &["init", "--from-live"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let b = f.path().join("baselines");
    assert_eq!(read(&b.join("groups/app/etc/app/db.yml")), common);
    assert_eq!(
        read(&b.join("hosts/app-3/etc/app/db.yml")),
        "production:\n  pool: 5\n"
    );
    assert_eq!(read(&b.join("hosts/app-2/etc/app/extra.conf")), "x = 1\n");
    assert!(!b.join("groups/app/etc/app/extra.conf").exists());
    assert!(!b.join("hosts/app-1").exists() && !b.join("hosts/app-2/etc/app/db.yml").exists());
    assert!(
        out.stdout.contains("seeded 3 baseline files"),
        "{}",
        out.stdout
    );

    // Nothing is committed by init; once committed, the fleet has no drift.
    assert_eq!(f.git(&["rev-list", "--all"]), "");
    f.commit("Seeded from the live state");
    assert_eq!(f.run(&["check"]).code, 0);

    // Again (since issue 16): only what is missing is written; the files already there stay.
    f.live("app-1", "/etc/app/new.conf", "y = 2\n");
    let out = run_env(f.path(), &["init", "--from-live"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("seeded 1 baseline file") && out.stdout.contains("3 already there"),
        "{}",
        out.stdout
    );
    assert_eq!(read(&b.join("hosts/app-1/etc/app/new.conf")), "y = 2\n");
    assert_eq!(read(&b.join("groups/app/etc/app/db.yml")), common);
}

#[test]
fn from_live_needs_a_config_with_groups_and_reports_unreachable_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_env(dir.path(), &["init", "--from-live", "--git-init"], &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("does not exist") && out.stderr.contains("run `confdrift init` first"),
        "{}",
        out.stderr
    );
    assert_eq!(run_env(dir.path(), &["init", "--git-init"], &[]).code, 0);
    let out = run_env(dir.path(), &["init", "--from-live"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("has no [[group]]"), "{}", out.stderr);

    // An unreachable host is left out and named; the others are seeded; exit 2.
    let f = Fleet::new(&app_config(&["app-1", "app-2", "gone"], &[DB]));
    f.live("app-1", DB, "pool: 1\n");
    f.live("app-2", DB, "pool: 1\n");
    let out = run_env(f.path(), &["init", "--from-live"], &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("gone: host unreachable"),
        "{}",
        out.stderr
    );
    assert_eq!(
        read(&f.path().join("baselines/groups/app/etc/app/db.yml")),
        "pool: 1\n"
    );
}

/// Issue 16, item 13: a run that had to leave hosts out can be run again; it writes what is
/// missing, never a file that exists, and says exactly what to do next.
#[test]
fn from_live_is_rerun_to_fill_in_the_hosts_left_out() {
    let f = Fleet::new(&app_config(&["app-1", "app-2", "app-3"], &[DB]));
    with_identity(&f);
    f.write(".gitignore", "fleet/\n");
    f.live("app-1", DB, "production:\n  pool: 50\n");
    f.live("app-2", DB, "production:\n  pool: 50\n");
    // app-3 is unreachable (no directory) on the first run.
    let out = run_env(f.path(), &["init", "--from-live"], &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let b = f.path().join("baselines");
    assert_eq!(
        read(&b.join("groups/app/etc/app/db.yml")),
        "production:\n  pool: 50\n"
    );
    assert!(out.stdout.contains("from 2 of 3 hosts"), "{}", out.stdout);
    assert!(
        out.stderr.contains("app-3: host unreachable")
            && out
                .stderr
                .contains("then run `confdrift init --from-live` again")
            && out.stderr.contains("never overwrites")
            && out.stderr.contains("confdrift accept --host app-3"),
        "the way out is spelled out: {}",
        out.stderr
    );

    // app-3 is back, with a smaller pool: the second run writes its own file, nothing else.
    f.live("app-3", DB, "production:\n  pool: 20\n");
    let out = run_env(f.path(), &["init", "--from-live"], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        read(&b.join("hosts/app-3/etc/app/db.yml")),
        "production:\n  pool: 20\n"
    );
    assert_eq!(
        read(&b.join("groups/app/etc/app/db.yml")),
        "production:\n  pool: 50\n"
    );
    assert!(
        out.stdout.contains("seeded 1 baseline file")
            && out.stdout.contains("1 already there")
            && out.stdout.contains("hosts/app-3/etc/app/db.yml"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "next: review the files, then commit them: git add -A baselines && git commit -m"
        ),
        "{}",
        out.stdout
    );
    // A third run has nothing to add.
    let out = run_env(f.path(), &["init", "--from-live"], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("seeded 0 baseline files"),
        "{}",
        out.stdout
    );
    f.commit("Baseline from the live state");
    assert_eq!(f.run(&["check"]).code, 0);

    // A file that exists with other content is listed and left alone, with the way on.
    f.live("app-3", DB, "production:\n  pool: 30\n");
    let out = run_env(f.path(), &["init", "--from-live"], &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        read(&b.join("hosts/app-3/etc/app/db.yml")),
        "production:\n  pool: 20\n",
        "never overwritten"
    );
    assert!(
        out.stderr.contains("baselines/hosts/app-3/etc/app/db.yml")
            && out.stderr.contains("left alone")
            && out
                .stderr
                .contains("confdrift accept --host app-3 --file /etc/app/db.yml"),
        "{}",
        out.stderr
    );
}

/// The secret key was missing on the first run: the host holding a secret is left out, and a
/// run with the key fills it in, as a fingerprint.
#[test]
fn from_live_fills_in_a_host_once_the_secret_key_is_there() {
    let conf = "/etc/redis/redis.conf";
    let f = Fleet::new(&app_config(&["cache-1", "cache-2"], &[conf]));
    f.write(".gitignore", "fleet/\n");
    f.live("cache-1", conf, "maxmemory 1gb\n");
    f.live(
        "cache-2",
        conf,
        "maxmemory 1gb\nrequirepass Hunter2-prod-77\n",
    );
    let out = run_env(f.path(), &["init", "--from-live"], &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("cache-2"), "{}", out.stderr);
    let host_file = f
        .path()
        .join("baselines/hosts/cache-2/etc/redis/redis.conf");
    assert!(!host_file.exists());

    let key = [("CONFDRIFT_SECRET_KEY", crate::baseline_repo::KEY)];
    let out = run_env(f.path(), &["init", "--from-live"], &key);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let written = read(&host_file);
    assert!(
        written.contains("requirepass hmac-sha256:") && !written.contains("Hunter2"),
        "{written}"
    );
    f.commit("Baseline from the live state");
    assert_eq!(run_env(f.path(), &["check"], &key).code, 0);
}

/// The seeded baseline is linted: a broken critical rule is a warning naming file, line and
/// rule (the files are still written: they are what the hosts have).
#[test]
fn from_live_warns_when_the_seeded_baseline_breaks_a_critical_rule() {
    let config = format!(
        "{}\n[[rule]]\nkey = \"production.pool\"\nmin = 10\nseverity = \"critical\"\n",
        app_config(&["app-1", "app-2"], &[DB])
    );
    let f = Fleet::new(&config);
    f.live("app-1", DB, "production:\n  pool: 5\n");
    f.live("app-2", DB, "production:\n  pool: 5\n");
    let out = run_env(f.path(), &["init", "--from-live"], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("warning: ")
            && out.stderr.contains("critical")
            && out
                .stderr
                .contains("baselines/groups/app/etc/app/db.yml:2 production.pool")
            && out.stderr.contains("below the minimum 10"),
        "{}",
        out.stderr
    );
    assert!(
        f.path()
            .join("baselines/groups/app/etc/app/db.yml")
            .exists()
    );
}

/// A file whose name confdrift does not know is seeded by its content, as `check` reads it: a
/// PHP-FPM pool under an unknown name is one group file (a host whose copy means the same to
/// php-fpm needs none of its own), its password a fingerprint on its key; `check` then reads
/// it by key.
#[test]
fn from_live_reads_files_of_unknown_names_by_their_content() {
    let path = "/etc/app/current";
    let www = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/upstream/php8.2-fpm/www.conf"
    ))
    .unwrap()
        + "env[DB_PASSWORD] = Hunter2-prod-77\n";
    let f = Fleet::new(&app_config(&["app-1", "app-2", "app-3"], &[path]));
    with_identity(&f);
    f.write(".gitignore", "fleet/\n");
    f.live("app-1", path, &www);
    f.live("app-2", path, &www);
    let rewritten: String = www
        .lines()
        .filter(|l| !l.trim_start().starts_with(';') && !l.trim().is_empty())
        .map(|l| format!("{}\n", l.replacen(" = ", "=", 1)))
        .collect();
    f.live("app-3", path, &rewritten);
    let key = [("CONFDRIFT_SECRET_KEY", crate::baseline_repo::KEY)];
    let out = run_env(f.path(), &["init", "--from-live"], &key);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let b = f.path().join("baselines");
    let group = read(&b.join("groups/app/etc/app/current"));
    assert!(
        group.contains("env[DB_PASSWORD] = hmac-sha256:") && !group.contains("Hunter2"),
        "{group}"
    );
    assert!(!b.join("hosts").join("app-3").exists(), "{}", out.stdout);
    f.commit("Seeded from the live state");
    let check = run_env(f.path(), &["check", "--format", "json"], &key);
    assert_eq!(check.code, 0, "{}", check.stdout);
    f.live(
        "app-1",
        path,
        www.replace("pm.max_children = 5", "pm.max_children = 50"),
    );
    let check = run_env(f.path(), &["check", "--format", "json"], &key);
    assert_eq!(check.code, 1, "{}", check.stderr);
    let r = check.json();
    let found: Vec<(String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["host"].as_str().unwrap().to_string(),
                x["key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [("app-1".to_string(), "www.pm.max_children".to_string())],
        "{r}"
    );
    assert_eq!(r["detected"][0]["format"], "phpfpm", "{r}");
}
