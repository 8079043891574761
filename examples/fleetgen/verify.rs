//! `fleetgen verify DIR REPORT.json`: confdrift's JSON report holds exactly the planted changes
//! (`DIR/planted.tsv`) as `changed` findings, its drifted hosts are the planted hosts, and it
//! names no trouble. Prints what differs and fails otherwise.

use std::collections::BTreeSet;
use std::path::Path;

type Key = (String, String, String);

pub fn verify(dir: &Path, report: &Path) -> Result<(), String> {
    let planted_path = dir.join("planted.tsv");
    let planted = std::fs::read_to_string(&planted_path)
        .map_err(|e| format!("{}: {e}", planted_path.display()))?;
    let want: BTreeSet<Key> = planted
        .lines()
        .enumerate()
        .map(|(i, l)| match l.split('\t').collect::<Vec<_>>()[..] {
            [host, _group, file, key] => Ok((host.into(), file.into(), key.into())),
            _ => Err(format!(
                "{}:{}: expected host, group, file, key separated by tabs",
                planted_path.display(),
                i + 1
            )),
        })
        .collect::<Result<_, _>>()?;
    let text = std::fs::read_to_string(report).map_err(|e| format!("{}: {e}", report.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a JSON report: {e}", report.display()))?;
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let mut got = BTreeSet::new();
    let mut problems = Vec::new();
    for f in json["findings"].as_array().into_iter().flatten() {
        if f["kind"] != "changed" {
            problems.push(format!("unexpected finding kind: {f}"));
        }
        got.insert((s(&f["host"]), s(&f["file"]), s(&f["key"])));
    }
    for e in json["errors"].as_array().into_iter().flatten() {
        problems.push(format!("trouble reported: {e}"));
    }
    for k in got.difference(&want) {
        problems.push(format!("FALSE POSITIVE: {} {} {}", k.0, k.1, k.2));
    }
    for k in want.difference(&got) {
        problems.push(format!("MISSED: {} {} {}", k.0, k.1, k.2));
    }
    let hosts: BTreeSet<&str> = want.iter().map(|k| k.0.as_str()).collect();
    let reported = json["summary"]["drifted_hosts"].as_u64();
    if reported != Some(hosts.len() as u64) {
        problems.push(format!(
            "summary.drifted_hosts is {reported:?}, planted on {} hosts",
            hosts.len()
        ));
    }
    if problems.is_empty() {
        println!(
            "verify: ok: {} planted changes on {} hosts found, 0 false positives, 0 errors",
            want.len(),
            hosts.len()
        );
        Ok(())
    } else {
        Err(format!("verify FAILED:\n  {}", problems.join("\n  ")))
    }
}
