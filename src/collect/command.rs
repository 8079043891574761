//! The `command` transport: a user's argv template run once per file, without a shell
//! (`["kubectl", "exec", "{host}", "--", "cat", "{path}"]`, `["docker", "exec", ...]`).

use super::process::{self, RunError};
use super::{Fetched, MAX_FILE_BYTES, Snapshot};
use crate::collect::FileSpec;
use std::process::Command;
use std::time::{Duration, Instant};

pub fn collect(
    argv: &[String],
    timeout: Duration,
    host: &str,
    specs: &[FileSpec],
) -> Result<Snapshot, String> {
    let deadline = Instant::now() + timeout;
    let mut snap = Snapshot::default();
    let mut failures = Vec::new();
    for spec in specs {
        let args: Vec<String> = argv
            .iter()
            .map(|a| a.replace("{host}", host).replace("{path}", &spec.pattern))
            .collect();
        let mut cmd = Command::new(&args[0]);
        cmd.args(&args[1..]);
        let left = deadline.saturating_duration_since(Instant::now());
        let fetched = match process::run(cmd, b"", left, MAX_FILE_BYTES) {
            Err(RunError::Spawn(e)) => return Err(format!("cannot run {:?}: {e}", args[0])),
            Err(RunError::TimedOut(_)) => {
                return Err(format!(
                    "timed out after {}s (command timeout)",
                    timeout.as_secs()
                ));
            }
            Err(RunError::TooMuchOutput(n)) => {
                Fetched::Failed(format!("too large: the limit is {n} bytes"))
            }
            Ok(f) if f.status.success() => Fetched::Present(f.stdout),
            Ok(f) => {
                let said = f.stderr.lines().last().unwrap_or("").trim().to_string();
                let code = f
                    .status
                    .code()
                    .map_or("a signal".to_string(), |c| c.to_string());
                failures.push(format!("{} exited with {code}: {said}", args[0]));
                if said.contains("No such file") {
                    Fetched::Missing
                } else {
                    Fetched::Failed(format!("{} exited with {code}: {said}", args[0]))
                }
            }
        };
        snap.files.insert(spec.pattern.clone(), fetched);
    }
    // Every file failing the same way means the host itself is out of reach (a pod gone).
    if !specs.is_empty()
        && failures.len() == specs.len()
        && !snap.files.values().any(|f| *f == Fetched::Missing)
    {
        return Err(failures.swap_remove(0));
    }
    Ok(snap)
}
