//! fleetgen: writes a synthetic fleet for `benches/fleet.sh` and checks a confdrift report
//! against what it planted.
//!
//! ```text
//! cargo run --release --example fleetgen -- --out DIR --hosts N [--seed S]
//!     [--reformat-percent 30] [--drift-percent 2]
//! cargo run --release --example fleetgen -- verify DIR REPORT.json
//! ```
//!
//! See `fleet/mod.rs` for the layout it writes and `verify.rs` for what `verify` checks.

mod fleet;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: fleetgen --out DIR --hosts N [--seed S] [--reformat-percent P] [--drift-percent P]\n       fleetgen verify DIR REPORT.json";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("verify") => match &args[1..] {
            [dir, report] => verify::verify(&PathBuf::from(dir), &PathBuf::from(report)),
            _ => Err(USAGE.to_string()),
        },
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => options(&args).and_then(|o| generate(&o)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleetgen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn options(args: &[String]) -> Result<fleet::Options, String> {
    let mut o = fleet::Options {
        out: PathBuf::new(),
        hosts: 0,
        seed: 1,
        reformat_percent: 30,
        drift_percent: 2,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs a value\n{USAGE}"))
        };
        let num = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{a}: expected a non-negative integer, got {v:?}"))
        };
        match a.as_str() {
            "--out" => o.out = PathBuf::from(value()?),
            "--hosts" => o.hosts = num(value()?)? as usize,
            "--seed" => o.seed = num(value()?)?,
            "--reformat-percent" => o.reformat_percent = num(value()?)?.min(100) as u32,
            "--drift-percent" => o.drift_percent = num(value()?)?.min(100) as u32,
            _ => return Err(format!("unknown argument {a:?}\n{USAGE}")),
        }
    }
    if o.out.as_os_str().is_empty() || o.hosts == 0 {
        return Err(format!("--out and --hosts are required\n{USAGE}"));
    }
    Ok(o)
}

fn generate(o: &fleet::Options) -> Result<(), String> {
    let g = fleet::generate(o)?;
    let drifted: std::collections::BTreeSet<&str> =
        g.planted.iter().map(|p| p.host.as_str()).collect();
    println!(
        "fleetgen: {} hosts, {} files, {:.1} MB live; {} reformatted-but-equivalent hosts, {} drifted hosts ({} planted changes); seed {}; written to {}",
        g.hosts.len(),
        g.files,
        g.bytes as f64 / 1e6,
        g.reformatted.len(),
        drifted.len(),
        g.planted.len(),
        o.seed,
        o.out.display()
    );
    Ok(())
}
