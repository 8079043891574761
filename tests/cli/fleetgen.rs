//! The benchmark's fleet generator (`examples/fleetgen`) at a small size: confdrift must find
//! exactly the planted drift, and none of the reformatted-but-equivalent files.

use crate::harness::{kinds, run_in};
use std::collections::BTreeSet;
use std::path::Path;

#[allow(dead_code)] // the example's own main uses parts the test does not
#[path = "../../examples/fleetgen/fleet/mod.rs"]
mod fleet;

fn generate(dir: &Path, hosts: usize, seed: u64, reformat: u32, drift: u32) -> fleet::Generated {
    fleet::generate(&fleet::Options {
        out: dir.to_path_buf(),
        hosts,
        seed,
        reformat_percent: reformat,
        drift_percent: drift,
    })
    .expect("the generator writes the fleet")
}

/// Every file under `root`, as paths relative to it.
fn files(root: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(root).unwrap().display().to_string())
        .collect()
}

/// Runs `confdrift check --format json` on a generated fleet and checks the report against
/// what was planted; returns the hosts whose files differ from the baseline only in form.
fn check_finds_exactly_the_planted_drift(dir: &Path, g: &fleet::Generated) -> Vec<String> {
    let out = run_in(&dir.join("repo"), &["check", "--format", "json"]);
    assert_eq!(out.code, 1, "drift was planted: exit 1\n{}", out.stderr);
    let report = out.json();
    assert_eq!(report["errors"], serde_json::json!([]), "no trouble");
    let got: BTreeSet<(String, String, String, String)> = kinds(&report).into_iter().collect();
    let want: BTreeSet<(String, String, String, String)> = g
        .planted
        .iter()
        .map(|p| {
            (
                p.host.clone(),
                p.file.clone(),
                p.key.clone(),
                "changed".to_string(),
            )
        })
        .collect();
    assert!(!want.is_empty(), "at least one host is drifted");
    assert_eq!(got, want, "exactly the planted changes, nothing else");
    let drifted: BTreeSet<&str> = g.planted.iter().map(|p| p.host.as_str()).collect();
    assert_eq!(report["summary"]["drifted_hosts"], drifted.len());
    assert_eq!(report["summary"]["hosts"], g.hosts.len());

    // Not vacuous: hosts outside the planted list hold files whose bytes differ from the
    // baseline (what `diff -r` reports) and that confdrift rightly called equivalent.
    let expected = dir.join("expected");
    let live = dir.join("fleet");
    assert_eq!(
        files(&expected),
        files(&live),
        "the same files laid out for diff -r"
    );
    let mut reformatted = BTreeSet::new();
    for rel in files(&live) {
        let host = rel.split('/').next().unwrap().to_string();
        let a = std::fs::read(expected.join(&rel)).unwrap();
        let b = std::fs::read(live.join(&rel)).unwrap();
        if a != b && !drifted.contains(host.as_str()) {
            reformatted.insert(host);
        }
    }
    let listed: BTreeSet<String> = g
        .reformatted
        .iter()
        .filter(|h| !drifted.contains(h.as_str()))
        .cloned()
        .collect();
    assert_eq!(reformatted, listed);
    reformatted.into_iter().collect()
}

#[test]
fn default_mix_finds_every_planted_change_and_no_false_positive() {
    let dir = tempfile::tempdir().unwrap();
    let g = generate(dir.path(), 60, 7, 30, 2);
    assert_eq!(g.hosts.len(), 60);
    let groups: BTreeSet<&str> = g.hosts.iter().map(|(grp, _)| grp.as_str()).collect();
    assert_eq!(groups, BTreeSet::from(["api", "app", "db"]));
    let reformatted = check_finds_exactly_the_planted_drift(dir.path(), &g);
    // About 30% of 60 hosts.
    assert!(
        (12..=20).contains(&reformatted.len()),
        "{} reformatted hosts",
        reformatted.len()
    );
    // The lists the benchmark script reads.
    let tsv = std::fs::read_to_string(dir.path().join("planted.tsv")).unwrap();
    assert_eq!(tsv.lines().count(), g.planted.len());
    let listed = std::fs::read_to_string(dir.path().join("drifted-hosts.txt")).unwrap();
    let planted_hosts: BTreeSet<&str> = g.planted.iter().map(|p| p.host.as_str()).collect();
    assert_eq!(listed.lines().collect::<BTreeSet<_>>(), planted_hosts);
}

#[test]
fn every_host_rewritten_still_only_the_planted_drift() {
    let dir = tempfile::tempdir().unwrap();
    let g = generate(dir.path(), 40, 11, 100, 10);
    let reformatted = check_finds_exactly_the_planted_drift(dir.path(), &g);
    let drifted: BTreeSet<&str> = g.planted.iter().map(|p| p.host.as_str()).collect();
    assert_eq!(drifted.len(), 4, "10% of 40 hosts");
    assert_eq!(
        reformatted.len(),
        36,
        "every other host holds a rewritten file"
    );
}

#[test]
fn the_same_seed_writes_the_same_fleet() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    let ga = generate(a.path(), 30, 5, 30, 5);
    let gb = generate(b.path(), 30, 5, 30, 5);
    generate(c.path(), 30, 6, 30, 5);
    assert_eq!(ga.planted, gb.planted);
    let read_all = |root: &Path| -> Vec<(String, Vec<u8>)> {
        files(&root.join("fleet"))
            .into_iter()
            .map(|rel| {
                let bytes = std::fs::read(root.join("fleet").join(&rel)).unwrap();
                (rel, bytes)
            })
            .collect()
    };
    assert_eq!(read_all(a.path()), read_all(b.path()));
    assert_ne!(
        read_all(a.path()),
        read_all(c.path()),
        "another seed, another fleet"
    );
}

#[test]
fn refuses_a_directory_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let err = fleet::generate(&fleet::Options {
        out: dir.path().to_path_buf(),
        hosts: 3,
        seed: 1,
        reformat_percent: 30,
        drift_percent: 2,
    })
    .err()
    .expect("an error");
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
        "mine"
    );
}
