//! What the differential tests share: confdrift's verdict on a pair of files (`confdrift diff
//! --program-version V --format json`), and running many pairs on a few threads.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Mutex;

/// What confdrift said of a pair.
pub struct Verdict {
    pub code: i32,
    /// The keys of its findings, list indexes dropped (`port[1]` is `port`).
    pub keys: BTreeSet<String>,
    /// How many errors (trouble) it reported.
    pub errors: usize,
    /// The lines its errors name.
    pub error_lines: Vec<u32>,
}

/// `confdrift diff --program-version version` of `a` and `b`, each written as `name` in a
/// directory of its own.
pub fn diff(name: &str, version: &str, a: &str, b: &str) -> Verdict {
    let dir = tempfile::tempdir().unwrap();
    for (side, text) in [("a", a), ("b", b)] {
        std::fs::create_dir(dir.path().join(side)).unwrap();
        std::fs::write(dir.path().join(side).join(name), text).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_confdrift"))
        .args(["diff", "--program-version", version, "--format", "json"])
        .arg(dir.path().join("a").join(name))
        .arg(dir.path().join("b").join(name))
        .output()
        .unwrap();
    verdict(&out)
}

/// What a `--format json` run said.
fn verdict(out: &std::process::Output) -> Verdict {
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let keys = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["key"].as_str())
        .map(|k| k.split('[').next().unwrap_or(k).to_string())
        .collect();
    Verdict {
        code: out.status.code().unwrap_or(-1),
        keys,
        errors: json["errors"].as_array().map_or(0, Vec::len),
        error_lines: json["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["line"].as_u64())
            .filter_map(|l| u32::try_from(l).ok())
            .collect(),
    }
}

/// Writes each side's files (name relative to `under`, text) into `dir/a/under` and
/// `dir/b/under`, both made even when a side has no file; returns the two roots.
pub fn write_sides(
    dir: &std::path::Path,
    under: &str,
    base: &[(String, String)],
    live: &[(String, String)],
) -> (std::path::PathBuf, std::path::PathBuf) {
    for (side, files) in [("a", base), ("b", live)] {
        let root = dir.join(side).join(under);
        std::fs::create_dir_all(&root).unwrap();
        for (name, text) in files {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }
    (dir.join("a"), dir.join("b"))
}

/// `confdrift diff --program-version version OLD NEW` of two directories.
pub fn diff_dirs(old: &std::path::Path, new: &std::path::Path, version: &str) -> Verdict {
    let out = Command::new(env!("CARGO_BIN_EXE_confdrift"))
        .args(["diff", "--program-version", version, "--format", "json"])
        .arg(old)
        .arg(new)
        .output()
        .unwrap();
    verdict(&out)
}

/// Calls `f` with every item and its index, on `threads` threads.
pub fn each_in_parallel<T: Sync>(items: &[T], threads: usize, f: impl Fn(usize, &T) + Sync) {
    let next = Mutex::new(0usize);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    let Some(item) = items.get(i) else { break };
                    f(i, item);
                }
            });
        }
    });
}
