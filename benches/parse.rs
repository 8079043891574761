//! Parse throughput per format: `cargo bench --bench parse`.
//!
//! For every name in `Format::names()` an input of a few MiB is built from the real files under
//! `fixtures/` (copied again and again with distinct keys, so the tree grows with the input),
//! written to a temporary file, and timed two ways, median of several runs:
//! - read: `std::fs::read` of that file (page cache warm) and the UTF-8 check, the floor any
//!   parser sits on;
//! - parse: `Format::parse` of the bytes in memory (its own UTF-8 check included).
//!
//! Size: `CONFDRIFT_BENCH_MIB` (default 4) MiB per format. A quick smoke run for CI (64 KiB per
//! format, 1 run each) with `--quick` or `CONFDRIFT_BENCH_QUICK=1`, and whenever the binary is
//! not started by `cargo bench` (which passes `--bench`), e.g. by `cargo test --benches`.
//! `CONFDRIFT_BENCH_RUNS` overrides the number of timed runs (default 7);
//! `CONFDRIFT_BENCH_FORMATS=yaml,toml` measures only those formats.
//!
//! An input its parser refuses at full size is halved until it parses, and the table shows the
//! size that was measured (the YAML reader refused 4 MiB as a possible alias bomb until its
//! limits counted only what aliases copy).

use confdrift::normalize::{Document, Format};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick")
        || !args.iter().any(|a| a == "--bench")
        || std::env::var_os("CONFDRIFT_BENCH_QUICK").is_some_and(|v| v != "0");
    let mib: f64 = env_num("CONFDRIFT_BENCH_MIB").unwrap_or(if quick { 1.0 / 16.0 } else { 4.0 });
    let runs = env_num("CONFDRIFT_BENCH_RUNS")
        .map_or(if quick { 1 } else { 7 }, |r: f64| r.max(1.0) as usize);
    let target = (mib * 1024.0 * 1024.0) as usize;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("confdrift-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");

    println!("{runs} run(s) per measurement, median; MB = 10^6 bytes");
    println!(
        "{:<12} {:>9} {:>8} {:>12} {:>12} {:>7}",
        "format", "input MiB", "keys", "read MB/s", "parse MB/s", "ratio"
    );
    let only: Option<Vec<String>> = std::env::var("CONFDRIFT_BENCH_FORMATS")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    for name in Format::names() {
        if only.as_ref().is_some_and(|o| !o.iter().any(|n| n == name)) {
            continue;
        }
        let format = Format::from_name(name).expect("listed name");
        let mut size = target;
        let input = loop {
            let Some(input) = build(name, root, size) else {
                break None;
            };
            match format.parse(input.as_bytes()) {
                Ok(_) => break Some(input),
                Err(e) if size > 64 << 10 => {
                    println!(
                        "{name:<12} refused at {} bytes ({e:?}): halving",
                        input.len()
                    );
                    size /= 2;
                }
                Err(e) => panic!("{name}: the built input does not parse: {e:?}"),
            }
        };
        let Some(input) = input else {
            println!("{name:<12} (no fixture to build an input from)");
            continue;
        };
        let path = dir.join(format!("input.{name}"));
        std::fs::write(&path, &input).expect("write input");
        let size = input.len() as f64;
        drop(input);

        let read = median(runs, || {
            let bytes = std::fs::read(black_box(&path)).expect("read input");
            black_box(std::str::from_utf8(&bytes).is_ok());
        });
        let bytes = std::fs::read(&path).expect("read input");
        let keys = match format.parse(&bytes).expect("parsed above") {
            Document::Tree(t) => t.len(),
            Document::Lines(l) => l.len(),
            Document::Binary(_) => 1,
        };
        let parse = median(runs, || {
            black_box(format.parse(black_box(&bytes)).is_ok());
        });
        let mbps = |d: Duration| size / 1e6 / d.as_secs_f64();
        println!(
            "{name:<12} {:>9.2} {keys:>8} {:>12.0} {:>12.1} {:>6.0}x",
            size / 1048576.0,
            mbps(read),
            mbps(parse),
            parse.as_secs_f64() / read.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn env_num(var: &str) -> Option<f64> {
    let v = std::env::var(var).ok()?;
    Some(
        v.parse()
            .unwrap_or_else(|_| panic!("{var}={v:?}: expected a number")),
    )
}

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm-up: page cache, allocator
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every fixture file, relative to the repository root.
fn fixtures(root: &Path) -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_none_or(|e| e != "md") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root.join("fixtures"), &mut out);
    out.iter()
        .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned())
        .collect()
}

/// One copy of realistic content for `name`, with keys made distinct by `n`.
fn copy(name: &str, root: &Path, n: usize) -> Option<String> {
    let fleet_yml =
        ["app-1", "app-2", "app-3"].map(|h| format!("fixtures/fleet/{h}/etc/myapp/database.yml"));
    Some(match name {
        "yaml" => {
            let mut out = String::new();
            for (i, f) in fleet_yml.iter().enumerate() {
                out.push_str(&format!("copy_{n}_{i}:\n"));
                // Each file becomes a mapping under its own key (so no `---` marker).
                for line in read(root, f).lines().filter(|l| *l != "---") {
                    let line = line.replace("&default", &format!("&default_{n}_{i}"));
                    let line = line.replace("*default", &format!("*default_{n}_{i}"));
                    out.push_str(&format!("  {line}\n"));
                }
            }
            out
        }
        "toml" => {
            let mut out = String::new();
            for f in ["confdrift.toml", "Cargo.toml"] {
                let prefix = format!("copy_{n}_{}", f.replace('.', "_"));
                out.push_str(&format!("[{prefix}]\n"));
                for line in read(root, f).lines() {
                    if let Some(rest) = line.strip_prefix("[[") {
                        out.push_str(&format!("[[{prefix}.{rest}\n"));
                    } else if let Some(rest) = line.strip_prefix('[') {
                        out.push_str(&format!("[{prefix}.{rest}\n"));
                    } else {
                        out.push_str(line);
                        out.push('\n');
                    }
                }
            }
            out
        }
        "json" => {
            // The TOML and YAML copies as JSON objects, pretty-printed as tools write them.
            let toml: serde_json::Value = toml::from_str(&copy("toml", root, n)?).ok()?;
            let yaml: serde_json::Value = serde_saphyr::from_str(&copy("yaml", root, n)?).ok()?;
            let mut out = serde_json::to_string_pretty(&serde_json::json!([toml, yaml])).ok()?;
            out.push('\n');
            out
        }
        "pgconf" => {
            // The fleet's file, and the upstream sample with its settings uncommented.
            let mut out = String::new();
            let fleet = read(
                root,
                "fixtures/fleet/db-1/etc/postgresql/15/main/postgresql.conf",
            );
            let sample = read(
                root,
                "fixtures/upstream/postgresql-15/postgresql.conf.sample",
            );
            let sample = sample.lines().map(|l| match l.strip_prefix('#') {
                Some(s) if s.starts_with(|c: char| c.is_ascii_lowercase()) && s.contains(" = ") => {
                    s
                }
                _ => l,
            });
            for line in fleet.lines().chain(sample) {
                let t = line.trim_start();
                if n > 0 && t.starts_with(|c: char| c.is_ascii_lowercase()) {
                    out.push_str(&format!("copy{n}.{t}\n"));
                } else {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            out
        }
        "ini" | "mycnf" => {
            let dir = if name == "ini" { "/pgbouncer/" } else { ".cnf" };
            let mut out = String::new();
            for (i, f) in fixtures(root)
                .iter()
                .filter(|f| f.contains(dir))
                .enumerate()
            {
                for line in read(root, f).lines() {
                    match line.strip_prefix('[').and_then(|s| s.split_once(']')) {
                        Some((section, rest)) => {
                            out.push_str(&format!("[{section}_{n}_{i}]{rest}\n"))
                        }
                        None => {
                            out.push_str(line);
                            out.push('\n');
                        }
                    }
                }
            }
            out
        }
        "properties" => {
            let mut out = String::new();
            for (i, f) in fleet_yml.iter().enumerate() {
                let f = f.replace("database.yml", "application.properties");
                for line in read(root, &f).lines() {
                    if line.starts_with(['#', '!']) || line.trim().is_empty() {
                        out.push_str(line);
                    } else {
                        out.push_str(&format!("copy{n}_{i}.{line}"));
                    }
                    out.push('\n');
                }
            }
            out
        }
        "text" => fixtures(root).iter().map(|f| read(root, f)).collect(),
        // A format added later: its fixtures as they are (repeated keys, last wins).
        other => {
            let files: Vec<String> = fixtures(root)
                .into_iter()
                .filter(|f| Format::detect(f).name() == other)
                .collect();
            if files.is_empty() {
                return None;
            }
            files.iter().map(|f| read(root, f)).collect()
        }
    })
}

/// Copies of [`copy`] until the input holds at least `target` bytes.
fn build(name: &str, root: &Path, target: usize) -> Option<String> {
    let mut out = String::new();
    let mut n = 0;
    while out.len() < target {
        out.push_str(&copy(name, root, n)?);
        n += 1;
    }
    // JSON is one document: the copies become the members of one top-level array.
    if name == "json" {
        let values: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&out)
            .into_iter()
            .collect::<Result<_, _>>()
            .ok()?;
        out = serde_json::to_string_pretty(&values).ok()?;
    }
    Some(out)
}
