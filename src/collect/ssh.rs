//! The `ssh` transport: the system OpenSSH client, so the user's own `~/.ssh/config`, agent,
//! known_hosts and ProxyJump apply. One connection per host runs the collector script of
//! [`super::remote`] (through `sudo -n` with become, see [`super::sudo`]) and brings back every
//! file of that host. A host key failure says which one it is ([`super::hostkey`]); `-v` traces
//! each run: its command line, how long it took and all ssh said.

use super::hostkey::{self, Target};
use super::process::{self, Finished, RunError};
use super::{MAX_FILE_BYTES, Snapshot, remote, sudo, trace};
use crate::collect::{FileSpec, SshSettings};
use crate::inventory::HostVars;
use std::process::Command;
use std::time::{Duration, Instant};

/// `ssh` exits with 255 when the connection or authentication failed.
const SSH_CONNECTION_FAILED: i32 = 255;

/// ssh's options and destination for one host, up to and including the destination, which
/// follows `--` so it can never be read as an option (host names are checked too, in config;
/// inventory values when the inventory is read).
fn options(settings: &SshSettings, host: &str, vars: Option<&HostVars>) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(cfg) = &settings.config {
        args.extend(["-F".to_string(), cfg.display().to_string()]);
    }
    args.extend(["-T", "-o", "BatchMode=yes", "-o"].map(String::from));
    args.push(format!(
        "ConnectTimeout={}",
        settings.connect_timeout.as_secs()
    ));
    args.extend(settings.options.iter().cloned());
    // Inventory variables, as Ansible passes them. ssh takes the first value it is given for an
    // option, so BatchMode and ConnectTimeout above cannot be undone here.
    if let Some(v) = vars {
        if let Some(key) = &v.private_key_file {
            args.extend(["-i".to_string(), key.clone()]);
        }
        args.extend(v.ssh_common_args.iter().cloned());
        args.extend(v.ssh_extra_args.iter().cloned());
        if let Some(addr) = &v.ansible_host {
            args.extend(["-o".to_string(), format!("HostName={addr}")]);
        }
        if let Some(port) = v.ansible_port {
            args.extend(["-p".to_string(), port.to_string()]);
        }
        if let Some(user) = &v.ansible_user {
            args.extend(["-l".to_string(), user.clone()]);
        }
    }
    args.extend(["--".to_string(), host.to_string()]);
    args
}

/// The command for one host: ssh running the collector (`sh -s`), through `sudo -n` when
/// become is on.
pub fn command(settings: &SshSettings, host: &str, vars: Option<&HostVars>) -> Command {
    let mut cmd = Command::new("ssh");
    cmd.args(options(settings, host, vars));
    match vars.and_then(|v| v.sudo_user().ok().flatten()) {
        Some(user) => cmd.args(sudo::argv(user)),
        None => cmd.args(["sh", "-s"]),
    };
    cmd
}

/// The command for one host that runs a script (`sh -s`) as the user ssh logs in as, never
/// through become: a running server's client (see [`super::running`]) connects as that user.
pub fn shell(settings: &SshSettings, host: &str, vars: Option<&HostVars>) -> Command {
    let mut cmd = Command::new("ssh");
    cmd.args(options(settings, host, vars)).args(["sh", "-s"]);
    cmd
}

pub fn collect(
    settings: &SshSettings,
    host: &str,
    vars: Option<&HostVars>,
    specs: &[FileSpec],
) -> Result<Snapshot, String> {
    let sudo_user = vars.map(HostVars::sudo_user).transpose()?.flatten();
    let nonce = remote::nonce();
    let script = remote::script(specs, &nonce, MAX_FILE_BYTES);
    let deadline = Instant::now() + settings.timeout;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out(settings.timeout, ""));
        }
        let cmd = command(settings, host, vars);
        trace(host, format_args!("{}", shown(&cmd)));
        let start = Instant::now();
        let run = process::run(cmd, script.as_bytes(), left, remote::MAX_HOST_BYTES);
        traced(host, &run, start.elapsed());
        let finished = match run {
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
            if let Some(problem) = hostkey::classify(&finished.stderr) {
                // Not retried: the same key would be refused again.
                let target = query_target(settings, host, vars);
                return Err(hostkey::explain(&problem, target.as_ref(), host));
            }
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
        if let Some(user) = sudo_user
            && let Some(why) = sudo::refusal(user, &finished.stdout, &finished.stderr)
        {
            return Err(why);
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

/// `-v`: how the run ended, how long it took, and all ssh said on standard error.
fn traced(host: &str, run: &Result<Finished, RunError>, took: Duration) {
    let secs = took.as_secs_f64();
    let (how, stderr) = match run {
        Ok(f) => (
            format!(
                "ssh exited with {} after {secs:.2}s",
                f.status.code().map_or("a signal".into(), |c| c.to_string())
            ),
            f.stderr.as_str(),
        ),
        Err(RunError::TimedOut(e)) => (
            format!("ssh killed at the deadline after {secs:.2}s"),
            e.as_str(),
        ),
        Err(RunError::Spawn(e)) => (format!("ssh could not start: {e}"), ""),
        Err(RunError::TooMuchOutput(n)) => (
            format!("ssh killed after {secs:.2}s: more than {n} bytes"),
            "",
        ),
    };
    trace(host, format_args!("{how}"));
    for line in stderr.lines() {
        trace(host, format_args!("ssh said: {line}"));
    }
}

/// A command line as it could be typed into a shell (for `-v`; it holds no secrets: confdrift
/// never passes a password, and the script goes on standard input).
pub(super) fn shown(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| hostkey::quote(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The host name, port and known_hosts file ssh would use for `host` (`ssh -G`, which reads
/// the configuration without connecting); `None` when that fails.
fn query_target(settings: &SshSettings, host: &str, vars: Option<&HostVars>) -> Option<Target> {
    let mut cmd = Command::new("ssh");
    cmd.arg("-G").args(options(settings, host, vars));
    let f = process::run(cmd, b"", Duration::from_secs(5), 1024 * 1024).ok()?;
    if !f.status.success() {
        return None;
    }
    Target::parse(&String::from_utf8_lossy(&f.stdout))
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
    fn inventory_keys_arguments_and_become_reach_the_command_line() {
        let s = SshSettings {
            config: None,
            options: vec![],
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
        };
        let vars = HostVars {
            ansible_user: Some("deploy".into()),
            private_key_file: Some("~/.ssh/db key".into()),
            ssh_common_args: vec!["-o".into(), "ProxyJump=bastion".into()],
            ssh_extra_args: vec!["-4".into()],
            become_enabled: Some(true),
            become_user: Some("postgres".into()),
            ..HostVars::default()
        };
        let cmd = command(&s, "db-1", Some(&vars));
        assert_eq!(
            shown(&cmd),
            "ssh -T -o BatchMode=yes -o ConnectTimeout=10 -i '~/.ssh/db key' -o \
             ProxyJump=bastion -4 -l deploy -- db-1 sudo -n -u postgres -- sh -s"
        );
    }
}
