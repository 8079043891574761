//! Become: reading a host's files as another user (root by default) by running the collector
//! script of [`super::remote`] under `sudo -n`, on the host over ssh or on this machine. `-n`
//! means sudo never prompts: where it would need a password it refuses, and that refusal is an
//! error naming the host and the way out, never a hang.

use super::process::{self, RunError};
use super::{MAX_FILE_BYTES, Snapshot, remote};
use crate::collect::FileSpec;
use std::process::Command;
use std::time::{Duration, Instant};

/// The command that runs the collector script (read on standard input) as `user`.
pub fn argv(user: &str) -> [&str; 7] {
    ["sudo", "-n", "-u", user, "--", "sh", "-s"]
}

/// What to say when sudo did not run the collector: `None` when it did (the script printed
/// something) or when standard error does not read like sudo's.
pub fn refusal(user: &str, stdout: &[u8], stderr: &str) -> Option<String> {
    if !stdout.is_empty() {
        return None;
    }
    let line = stderr.lines().rev().map(str::trim).find(|l| {
        l.starts_with("sudo:")
            || l.contains("sudo: not found")
            || l.contains("sudo: command not found")
            || l.contains("sudoers")
            || l.contains("is not allowed to execute")
    })?;
    if line.contains("sudo: not found") || line.contains("sudo: command not found") {
        return Some("sudo is not installed on the host (become runs sudo -n)".to_string());
    }
    let reason = line.strip_prefix("sudo:").unwrap_or(line).trim();
    if reason.contains("password is required") || reason.contains("terminal is required") {
        return Some(format!(
            "sudo refused ({reason}; allow NOPASSWD for confdrift's read command ({}) or \
             connect as a user who can read the files)",
            argv(user).join(" ")
        ));
    }
    Some(format!("sudo refused ({reason})"))
}

/// This machine's files read as `user` through `sudo -n`.
pub fn collect_local(
    host: &str,
    user: &str,
    specs: &[FileSpec],
    timeout: Duration,
) -> Result<Snapshot, String> {
    let nonce = remote::nonce();
    let script = remote::script(specs, &nonce, MAX_FILE_BYTES);
    let words = argv(user);
    let mut cmd = Command::new(words[0]);
    cmd.args(&words[1..]);
    super::trace(host, format_args!("{}", words.join(" ")));
    let start = Instant::now();
    let finished = match process::run(cmd, script.as_bytes(), timeout, remote::MAX_HOST_BYTES) {
        Ok(f) => f,
        Err(RunError::Spawn(e)) => {
            return Err(format!(
                "cannot run sudo on this machine (become runs sudo -n): {e}"
            ));
        }
        Err(RunError::TimedOut(_)) => {
            return Err(format!("timed out after {}s (sudo)", timeout.as_secs()));
        }
        Err(RunError::TooMuchOutput(n)) => {
            return Err(format!("sudo sent more than {n} bytes; stopped reading"));
        }
    };
    super::trace(
        host,
        format_args!(
            "sudo exited with {} after {:.2}s",
            finished
                .status
                .code()
                .map_or("a signal".into(), |c| c.to_string()),
            start.elapsed().as_secs_f64()
        ),
    );
    for line in finished.stderr.lines() {
        super::trace(host, format_args!("sudo said: {line}"));
    }
    if let Some(why) = refusal(user, &finished.stdout, &finished.stderr) {
        return Err(why);
    }
    remote::parse_output(&finished.stdout, specs, &nonce, MAX_FILE_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sudo_refusals_say_why_and_what_to_do() {
        let r = refusal("root", b"", "sudo: a password is required").unwrap();
        assert_eq!(
            r,
            "sudo refused (a password is required; allow NOPASSWD for confdrift's read command \
             (sudo -n -u root -- sh -s) or connect as a user who can read the files)"
        );
        assert_eq!(
            refusal("postgres", b"", "sudo: unknown user postgres").unwrap(),
            "sudo refused (unknown user postgres)"
        );
        assert!(
            refusal("root", b"", "sh: 1: sudo: not found")
                .unwrap()
                .contains("not installed")
        );
        assert_eq!(refusal("root", b"x", "sudo: whatever"), None, "it ran");
        assert_eq!(refusal("root", b"", "Connection closed"), None);
    }
}
