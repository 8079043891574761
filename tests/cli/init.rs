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

    // Again: refused, naming the file, and nothing written.
    f.live("app-1", "/etc/app/new.conf", "y = 2\n");
    let out = run_env(f.path(), &["init", "--from-live"], &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("never overwrites")
            && out.stderr.contains("baselines/groups/app/etc/app/db.yml"),
        "{}",
        out.stderr
    );
    assert!(!b.join("hosts/app-1/etc/app/new.conf").exists());
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
