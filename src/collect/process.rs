//! Running a collector process (ssh, or a user's command) with a deadline and bounded output:
//! a host that stalls is killed at the deadline, one that floods is cut off at the cap.

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    /// The last, printable part of standard error (at most 8 KiB).
    pub stderr: String,
}

#[derive(Debug)]
pub enum RunError {
    /// The program could not be started (not installed?).
    Spawn(std::io::Error),
    /// Still running at the deadline: killed. Carries what stderr said so far.
    TimedOut(String),
    /// More than the cap on standard output: killed.
    TooMuchOutput(u64),
}

const STDERR_KEEP: usize = 8 * 1024;

/// Runs `cmd`, writing `stdin` to it, until it exits or `timeout` passes.
///
/// The pipes are read by detached threads: if a grandchild (a ProxyJump ssh, say) keeps a pipe
/// open after the kill, its reader is abandoned rather than waited for.
pub fn run(
    mut cmd: Command,
    stdin: &[u8],
    timeout: Duration,
    max_stdout: u64,
) -> Result<Finished, RunError> {
    let deadline = Instant::now() + timeout;
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(RunError::Spawn)?;
    let (Some(mut input), Some(out), Some(mut err)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(RunError::Spawn(std::io::Error::other("no pipes")));
    };
    let stdin = stdin.to_vec();
    // A host that never reads its input must not block us: the deadline below still applies.
    std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let (err_tx, err_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(n) = err.read(&mut chunk) {
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.len() > 4 * STDERR_KEEP {
                buf.drain(..buf.len() - STDERR_KEEP);
            }
        }
        let _ = err_tx.send(buf);
    });
    let (out_tx, out_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let read = out.take(max_stdout + 1).read_to_end(&mut buf);
        let _ = out_tx.send(match read {
            Ok(_) if buf.len() as u64 > max_stdout => Err(max_stdout),
            _ => Ok(buf),
        });
    });
    let result = match out_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(stdout)) => match wait_until(&mut child, deadline) {
            Some(status) => Ok((status, stdout)),
            None => Err(RunError::TimedOut(String::new())),
        },
        Ok(Err(cap)) => Err(RunError::TooMuchOutput(cap)),
        Err(_) => Err(RunError::TimedOut(String::new())),
    };
    if result.is_err() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let stderr = err_rx
        .recv_timeout(Duration::from_millis(500))
        .map(|b| printable_tail(&b))
        .unwrap_or_default();
    match result {
        Ok((status, stdout)) => Ok(Finished {
            status,
            stdout,
            stderr,
        }),
        Err(RunError::TimedOut(_)) => Err(RunError::TimedOut(stderr)),
        Err(e) => Err(e),
    }
}

/// Waits for the child to exit, polling briefly: its output is already closed.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
            _ => return None,
        }
    }
}

/// The last 8 KiB of what a program wrote to stderr, with control characters (a hostile host's
/// terminal escapes) replaced and blank lines dropped.
fn printable_tail(bytes: &[u8]) -> String {
    let start = bytes.len().saturating_sub(STDERR_KEEP);
    String::from_utf8_lossy(&bytes[start..])
        .lines()
        .map(|l| {
            l.chars()
                .map(|c| if c.is_control() { '?' } else { c })
                .collect::<String>()
        })
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c").arg(script);
        c
    }

    #[test]
    fn output_stdin_and_status() {
        let f = run(
            sh("cat; echo oops >&2; exit 3"),
            b"hello",
            Duration::from_secs(5),
            100,
        )
        .unwrap();
        assert_eq!(f.stdout, b"hello");
        assert_eq!(f.stderr, "oops");
        assert_eq!(f.status.code(), Some(3));
    }

    #[test]
    fn a_stalled_process_is_killed_at_the_deadline() {
        let t = Instant::now();
        let e = run(
            sh("echo partial; echo stuck >&2; exec sleep 30"),
            b"",
            // long enough for a loaded machine to start sh and let it write "stuck"
            Duration::from_secs(1),
            100,
        );
        assert!(
            matches!(e, Err(RunError::TimedOut(ref s)) if s == "stuck"),
            "{e:?}"
        );
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_flood_is_cut_off() {
        let e = run(sh("yes"), b"", Duration::from_secs(5), 10_000);
        assert!(matches!(e, Err(RunError::TooMuchOutput(10_000))), "{e:?}");
    }

    #[test]
    fn terminal_escapes_from_a_host_are_neutralized() {
        assert_eq!(printable_tail(b"\x1b[2Jbad\r\n\n ok\n"), "?[2Jbad\n ok");
    }
}
