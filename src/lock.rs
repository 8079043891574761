//! One file lock per baseline repository, `<git dir>/confdrift.lock`, so that an `accept`
//! never interleaves with another `accept` or with a `check` (overlapping cron runs, a CI job
//! and an operator at the same time).
//!
//! `accept` takes it exclusively; `check` takes it shared, so checks run side by side (they
//! only read git objects) but never while an accept is writing, and an accept waits for
//! running checks. A waiter polls until a deadline (10 s, or `$CONFDRIFT_LOCK_TIMEOUT`
//! seconds), then gives up with an error naming the lock and its holder. The lock is the
//! kernel's (`flock`), so a killed holder releases it at once: there is nothing stale to clean.

use crate::config::BaselineConfig;
use anyhow::{Result, anyhow};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a second run waits for the lock when `$CONFDRIFT_LOCK_TIMEOUT` is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Readers (`check`): any number at once, none while a writer holds the lock.
    Shared,
    /// A writer (`accept`): alone.
    Exclusive,
}

/// A held lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct Lock {
    _file: File,
    pub path: PathBuf,
}

/// The lock file of the repository whose git directory is `git_dir` (shared by all its
/// worktrees: pass the common directory).
pub fn path_in(git_dir: &Path) -> PathBuf {
    git_dir.join("confdrift.lock")
}

/// The wait: `$CONFDRIFT_LOCK_TIMEOUT` seconds (decimals allowed), else 10 s.
pub fn timeout() -> Result<Duration> {
    match std::env::var("CONFDRIFT_LOCK_TIMEOUT") {
        Err(_) => Ok(DEFAULT_TIMEOUT),
        Ok(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                anyhow!(
                    "CONFDRIFT_LOCK_TIMEOUT={s:?}: expected a number of seconds, such as 10 or 0.5"
                )
            }),
    }
}

/// The lock of the repository holding the baseline, for `check` (shared). `None` when there is
/// nothing to lock: no repository (the check itself reports that), or a read-only git
/// directory (a check changes nothing there; said on stderr).
pub fn for_check(cfg: &BaselineConfig) -> Result<Option<Lock>> {
    let Ok(repo) = git2::Repository::discover(&cfg.repo) else {
        return Ok(None);
    };
    let path = path_in(repo.commondir());
    if let Err(e) = open(&path) {
        crate::progress::warn(format_args!(
            "warning: not locking {} ({e}); an accept running now may change the baseline under this check",
            path.display()
        ));
        return Ok(None);
    }
    acquire(&path, Mode::Shared, "check", timeout()?).map(Some)
}

/// The exclusive lock of `repo`, for a command that writes to it.
pub fn for_writer(repo: &git2::Repository, command: &str) -> Result<Lock> {
    acquire(
        &path_in(repo.commondir()),
        Mode::Exclusive,
        command,
        timeout()?,
    )
}

fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// Takes the lock at `path` for `command` (`check`, `accept`), waiting at most `wait`.
pub fn acquire(path: &Path, mode: Mode, command: &str, wait: Duration) -> Result<Lock> {
    let mut file =
        open(path).map_err(|e| anyhow!("cannot open the lock file {}: {e}", path.display()))?;
    let deadline = Instant::now() + wait;
    loop {
        let tried = match mode {
            Mode::Shared => file.try_lock_shared(),
            Mode::Exclusive => file.try_lock(),
        };
        match tried {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(POLL.min(deadline.saturating_duration_since(Instant::now())));
            }
            Err(TryLockError::WouldBlock) => {
                let holder = holder(&mut file);
                return Err(anyhow!(
                    "another confdrift run{holder} holds the lock {}; gave up after waiting {}\n\
                     hint: runs of accept never overlap other runs on the same baseline repository; \
                     retry when it is done, or raise CONFDRIFT_LOCK_TIMEOUT (seconds)",
                    path.display(),
                    seconds(wait),
                ));
            }
            Err(TryLockError::Error(e)) => {
                return Err(anyhow!("cannot lock {}: {e}", path.display()));
            }
        }
    }
    // Who holds it, for the message of a run that gives up waiting: one line per holder.
    // A shared holder keeps the notes of the others that are still running; a note of a run
    // that has ended is dropped (and never named, see `holder`).
    let own = std::process::id();
    let mut note = match mode {
        Mode::Shared => live_holders(&mut file)
            .into_iter()
            .filter(|(pid, _)| *pid != own)
            .map(|(pid, cmd)| format!("{pid} {cmd}\n"))
            .collect(),
        Mode::Exclusive => String::new(),
    };
    note.push_str(&format!("{own} {command}\n"));
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(note.as_bytes()));
    Ok(Lock {
        _file: file,
        path: path.to_path_buf(),
    })
}

/// ` (pid 1234, confdrift accept)` from the holders' notes, naming only runs that are still
/// going; nothing when none is known.
fn holder(file: &mut File) -> String {
    let live: Vec<String> = live_holders(file)
        .into_iter()
        .map(|(pid, cmd)| format!("pid {pid}, confdrift {cmd}"))
        .collect();
    if live.is_empty() {
        String::new()
    } else {
        format!(" ({})", live.join("; "))
    }
}

/// The (pid, command) notes of the lock file whose process is still a confdrift run.
fn live_holders(file: &mut File) -> Vec<(u32, String)> {
    let mut text = String::new();
    if file.rewind().is_err() || file.read_to_string(&mut text).is_err() {
        return Vec::new();
    }
    text.lines()
        .filter_map(|l| {
            let (pid, cmd) = l.trim().split_once(' ')?;
            let pid: u32 = pid.parse().ok()?;
            (!cmd.is_empty() && is_confdrift(pid)).then(|| (pid, cmd.to_string()))
        })
        .collect()
}

/// Whether `pid` is a running confdrift (its command line names it): a note's pid may have
/// ended, or been reused by another program. Where `/proc` is missing, the note is believed.
fn is_confdrift(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|c| c.windows(9).any(|w| w == b"confdrift"))
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}s")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_holders_coexist_and_exclude_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        let a = acquire(&path, Mode::Shared, "check", Duration::ZERO).unwrap();
        let b = acquire(&path, Mode::Shared, "check", Duration::ZERO).unwrap();
        let err = acquire(&path, Mode::Exclusive, "accept", Duration::from_millis(120))
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds the lock"), "{err}");
        assert!(err.contains("confdrift check"), "{err}");
        assert!(err.contains("0.12s"), "{err}");
        drop((a, b));
        let w = acquire(&path, Mode::Exclusive, "accept", Duration::ZERO).unwrap();
        let err = acquire(&path, Mode::Shared, "check", Duration::ZERO).unwrap_err();
        assert!(err.to_string().contains("confdrift accept"), "{err}");
        drop(w);
        acquire(&path, Mode::Shared, "check", Duration::ZERO).unwrap();
    }

    #[test]
    fn only_holders_still_running_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        // A run that has ended left its note; this process holds the lock now.
        let mut ended = std::process::Command::new("true").spawn().unwrap();
        let gone = ended.id();
        ended.wait().unwrap();
        std::fs::write(&path, format!("{gone} accept\n")).unwrap();
        let held = acquire(&path, Mode::Shared, "check", Duration::ZERO).unwrap();
        let err = acquire(&path, Mode::Exclusive, "accept", Duration::ZERO)
            .unwrap_err()
            .to_string();
        let me = std::process::id();
        assert!(
            err.contains(&format!("(pid {me}, confdrift check)"))
                && !err.contains(&gone.to_string()),
            "{err}"
        );
        drop(held);
        // Nobody running: no pid named at all.
        let mut f = open(&path).unwrap();
        std::fs::write(&path, format!("{gone} check\n")).unwrap();
        assert_eq!(holder(&mut f), "");
    }
}
