//! The `ssh` transport: the system OpenSSH client, so the user's own `~/.ssh/config`, agent,
//! known_hosts and ProxyJump apply. One connection per host runs the collector script of
//! [`super::remote`] and brings back every file of that host.

use super::process::{self, RunError};
use super::{MAX_FILE_BYTES, Snapshot, remote};
use crate::config::{FileSpec, SshSettings};
use crate::inventory::HostVars;
use std::process::Command;
use std::time::{Duration, Instant};

/// At most this much output is read from one host, whatever it sends.
const MAX_HOST_BYTES: u64 = 256 * 1024 * 1024;

/// `ssh` exits with 255 when the connection or authentication failed.
const SSH_CONNECTION_FAILED: i32 = 255;

/// The arguments for one host. The destination follows `--`, so it can never be read as an
/// option (host names are checked too, in config).
pub fn command(settings: &SshSettings, host: &str, vars: Option<&HostVars>) -> Command {
    let mut cmd = Command::new("ssh");
    if let Some(cfg) = &settings.config {
        cmd.arg("-F").arg(cfg);
    }
    cmd.args(["-T", "-o", "BatchMode=yes"])
        .arg("-o")
        .arg(format!(
            "ConnectTimeout={}",
            settings.connect_timeout.as_secs()
        ))
        .args(&settings.options);
    // Inventory variables, as Ansible passes them (values were checked when it was read).
    if let Some(v) = vars {
        if let Some(addr) = &v.ansible_host {
            cmd.arg("-o").arg(format!("HostName={addr}"));
        }
        if let Some(port) = v.ansible_port {
            cmd.arg("-p").arg(port.to_string());
        }
        if let Some(user) = &v.ansible_user {
            cmd.arg("-l").arg(user);
        }
    }
    cmd.args(["--", host, "sh", "-s"]);
    cmd
}

pub fn collect(
    settings: &SshSettings,
    host: &str,
    vars: Option<&HostVars>,
    specs: &[FileSpec],
) -> Result<Snapshot, String> {
    let nonce = nonce();
    let script = remote::script(specs, &nonce, MAX_FILE_BYTES);
    let deadline = Instant::now() + settings.timeout;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out(settings.timeout, ""));
        }
        let finished = match process::run(
            command(settings, host, vars),
            script.as_bytes(),
            left,
            MAX_HOST_BYTES,
        ) {
            Ok(f) => f,
            Err(RunError::Spawn(e)) => return Err(format!("cannot run ssh: {e}")),
            Err(RunError::TimedOut(stderr)) => return Err(timed_out(settings.timeout, &stderr)),
            Err(RunError::TooMuchOutput(n)) => {
                return Err(format!(
                    "the host sent more than {n} bytes; stopped reading"
                ));
            }
        };
        let last_words = last_line(&finished.stderr);
        if finished.status.code() == Some(SSH_CONNECTION_FAILED) && finished.stdout.is_empty() {
            // One retry on a failed connection, within the same deadline.
            if attempt == 1 {
                std::thread::sleep(Duration::from_millis(200).min(left / 4));
                continue;
            }
            return Err(if last_words.is_empty() {
                "ssh: connection failed".to_string()
            } else {
                last_words.to_string()
            });
        }
        return remote::parse_output(&finished.stdout, specs, &nonce, MAX_FILE_BYTES).map_err(
            |e| {
                if last_words.is_empty() {
                    e
                } else {
                    format!("{e}; ssh said: {last_words}")
                }
            },
        );
    }
}

fn timed_out(limit: Duration, stderr: &str) -> String {
    let mut msg = format!("timed out after {}s (ssh timeout)", limit.as_secs());
    if let Some(l) = stderr.lines().last() {
        msg.push_str("; ssh said: ");
        msg.push_str(l);
    }
    msg
}

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or("").trim()
}

/// A fresh random token that frames this run's output.
fn nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::from("CONFDRIFT-");
    for i in 0..2u8 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_destination_comes_after_double_dash_with_batch_mode() {
        let s = SshSettings {
            config: Some("/x/ssh_config".into()),
            options: vec!["-o".into(), "ServerAliveInterval=5".into()],
            connect_timeout: Duration::from_secs(7),
            timeout: Duration::from_secs(60),
        };
        let cmd = command(&s, "deploy@10.0.0.7", None);
        let args: Vec<_> = cmd.get_args().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(
            args,
            [
                "-F",
                "/x/ssh_config",
                "-T",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=7",
                "-o",
                "ServerAliveInterval=5",
                "--",
                "deploy@10.0.0.7",
                "sh",
                "-s"
            ]
        );
        assert!(!args.contains(&"StrictHostKeyChecking=no"));
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(nonce(), nonce());
        assert_eq!(nonce().len(), "CONFDRIFT-".len() + 32);
    }
}
