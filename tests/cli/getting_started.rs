//! The README's getting-started steps, run as written: the `sh` block under "Starting a
//! baseline: init", line by line, in a fresh directory, with `$EDITOR` listing a small fleet.
//! Also: a baseline directory that is not (yet) at the ref is an empty baseline, not trouble.

use crate::harness::{Fleet, app_config, kinds};
use std::path::Path;
use std::process::Command;

/// The commands of the README's first `sh` block after `## Starting a baseline: init`, with
/// comments and continuation comment lines dropped.
fn readme_steps() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let section = readme
        .split_once("## Starting a baseline: init")
        .expect("the README has the init section")
        .1;
    let block = section
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .expect("the init section has a sh block")
        .0;
    block
        .lines()
        .map(|l| l.split_once(" #").map_or(l, |(cmd, _)| cmd).trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// `sh -c STEP` in `dir` with `confdrift` on the PATH, `$EDITOR` set, and a git identity.
fn run_step(dir: &Path, step: &str, editor: &Path) -> (i32, String, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_confdrift"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .args(["-c", step])
        .current_dir(dir)
        .env("PATH", path)
        .env("EDITOR", editor)
        .env_remove("CONFDRIFT_CONFIG")
        .env("XDG_CONFIG_HOME", dir.join("no-such-config-home"))
        .env("NO_COLOR", "1")
        .env("GIT_AUTHOR_NAME", "New User")
        .env("GIT_AUTHOR_EMAIL", "new@example.com")
        .env("GIT_COMMITTER_NAME", "New User")
        .env("GIT_COMMITTER_EMAIL", "new@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_readme_getting_started_steps_work_as_written() {
    let steps = readme_steps();
    assert!(
        steps.iter().any(|s| s == "confdrift init --git-init")
            && steps.iter().any(|s| s == "confdrift check"),
        "{steps:?}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("drift");
    std::fs::create_dir(&repo).unwrap();
    // Three hosts outside the repository; app-3 has a smaller pool than its peers.
    let fleet = tmp.path().join("fleet");
    for (host, pool) in [("app-1", 50), ("app-2", 50), ("app-3", 5)] {
        let p = fleet.join(host).join("etc/app/db.yml");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, format!("production:\n  pool: {pool}\n")).unwrap();
    }
    // The "editor": lists the group, as an operator would by hand.
    let editor = tmp.path().join("editor.sh");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\ncat >> \"$1\" <<'EOF'\n\n[[group]]\nname = \"app\"\nhosts = [\"app-1\", \"app-2\", \"app-3\"]\ntransport = \"dir\"\nroot = \"{}\"\nfiles = [\"/etc/app/db.yml\"]\nEOF\n",
            fleet.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    let mut checks = 0;
    for step in &steps {
        let (code, stdout, stderr) = run_step(&repo, step, &editor);
        let said = format!("step {step:?} exited {code}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        if step == "confdrift check" {
            checks += 1;
            if checks == 1 {
                // The first look, on an empty baseline: drift, never trouble.
                assert_eq!(code, 1, "{said}");
                assert!(!stdout.contains("error"), "{said}");
                assert!(
                    stdout.contains("unexpected_file") && stdout.contains("outlier"),
                    "{said}"
                );
                assert!(
                    stdout.contains("note: ") && stdout.contains("empty"),
                    "{said}"
                );
                continue;
            }
        }
        assert_eq!(code, 0, "{said}");
    }
    assert_eq!(
        checks, 2,
        "a first look and a check after the commit: {steps:?}"
    );
}

#[test]
fn a_baseline_directory_not_yet_committed_is_an_empty_baseline_with_a_note() {
    let f = Fleet::new(&app_config(&["app-1", "app-2"], &["/etc/app.properties"]));
    f.write(".gitignore", "fleet/\n");
    f.commit("config only");
    f.live("app-1", "/etc/app.properties", "pool=5\n");
    f.live("app-2", "/etc/app.properties", "pool=5\n");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(
        out.code, 1,
        "drift, not trouble: {}\n{}",
        out.stdout, out.stderr
    );
    let r = out.json();
    assert_eq!(r["summary"]["errors"], 0, "{}", out.stdout);
    let k = kinds(&r);
    assert_eq!(k.len(), 2, "{k:?}");
    assert!(k.iter().all(|f| f.3 == "unexpected_file"), "{k:?}");
    assert_eq!(r["baseline"]["ref"], "HEAD");
    let notes = r["notices"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("the baseline is empty")),
        "{notes:?}"
    );
    let text = f.run(&["check"]);
    assert!(
        text.stdout
            .contains("note: the baseline is empty: \"baselines\" is not in HEAD"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("confdrift init --from-live"),
        "{}",
        text.stdout
    );

    // No commit at all yet (`init --git-init` made the repository): the same.
    let g = Fleet::new(&app_config(&["app-1"], &["/etc/app.properties"]));
    g.live("app-1", "/etc/app.properties", "pool=5\n");
    let out = g.run(&["check"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("note: the baseline is empty: the repository has no commit yet"),
        "{}",
        out.stdout
    );
    // lint has nothing to check, and says why.
    let out = g.run(&["lint"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("the baseline is empty"),
        "{}",
        out.stdout
    );
    // A ref that names nothing stays trouble.
    let out = g.run(&["check", "--baseline-ref", "release-9"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
}
