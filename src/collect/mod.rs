//! Collecting live files from hosts. A transport turns (host, file entries) into a
//! [`Snapshot`]; a host it cannot reach at all is an `Err` naming the cause.

mod command;
mod files;
mod follow;
mod fs;
mod hostkey;
mod process;
mod remote;
pub mod running;
mod ssh;
mod sudo;
mod transport;

use crate::inventory::{Connection, HostVars};
use crate::normalize::Format;
use std::collections::{BTreeMap, BTreeSet};

pub use files::FileSpec;
pub use follow::collect_following;

/// How far collection follows includes.
pub mod follow_limits {
    pub use super::follow::{MAX_FOLLOWED, MAX_ROUNDS};
}
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;
pub use transport::{SshSettings, Transport};

/// `-v` given this many times: at 1 and above, each ssh (and sudo) run is traced on stderr.
static VERBOSITY: AtomicU8 = AtomicU8::new(0);

/// Sets how much the collectors trace on stderr (the count of `-v`).
pub fn set_verbosity(level: u8) {
    VERBOSITY.store(level, Ordering::Relaxed);
}

/// Whether `-v` was given (the pipeline traces what it decided too).
pub fn verbose() -> bool {
    VERBOSITY.load(Ordering::Relaxed) > 0
}

/// One trace line about `host` on stderr, when `-v` was given.
fn trace(host: &str, line: std::fmt::Arguments) {
    if VERBOSITY.load(Ordering::Relaxed) > 0 {
        eprintln!("confdrift: {host}: {line}");
    }
}

/// How long a local read through sudo may take (the local transport has no timeout setting).
const LOCAL_TIMEOUT: Duration = Duration::from_secs(60);

/// Files larger than this are not read (a hostile or broken host must not exhaust memory).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// What became of one live file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    Present(Vec<u8>),
    /// Not there (a listed path that does not exist).
    Missing,
    /// There, but could not be read: permission, too large, not a regular file.
    Failed(String),
}

/// A host's live files by absolute path. Listed paths are always present as keys (possibly
/// `Missing`); glob entries contribute the paths they matched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub files: BTreeMap<String, Fetched>,
    /// The files collected because a collected file includes them (no file entry selects
    /// them), each with the format it is read in: its includer's.
    pub followed: BTreeMap<String, Format>,
    /// Every include the collection asked the host for (a path or glob, as [`follow`] writes
    /// it), found or not: what the host has there is known.
    pub asked: BTreeSet<String>,
    /// Includes the program would refuse to start without, missing on the host: (the
    /// including file, its line, the message).
    pub trouble: Vec<(String, u32, String)>,
    /// Includes not followed because they name something outside the entry file's area (see
    /// [`crate::normalize::follow::area`]): (the including file, its line, what it names, the
    /// area).
    pub outside: Vec<(String, u32, String, String)>,
}

/// Reads the files of `host` named by `specs`.
pub fn collect(
    transport: &Transport,
    host: &str,
    vars: Option<&HostVars>,
    specs: &[FileSpec],
) -> Result<Snapshot, String> {
    match transport {
        Transport::Dir { root } => {
            let host_root = root.join(host);
            if !host_root.is_dir() {
                return Err(format!(
                    "host unreachable: no directory {} (dir transport reads <root>/<host>/<path>)",
                    host_root.display()
                ));
            }
            Ok(fs::collect(&host_root, specs))
        }
        Transport::Local => local(host, vars, specs, LOCAL_TIMEOUT),
        // An inventory's `ansible_connection` says how this one host is reached.
        Transport::Ssh(settings) => match vars.and_then(|v| v.connection.as_ref()) {
            Some(Connection::Local) => local(host, vars, specs, settings.timeout),
            Some(Connection::Other(other)) => Err(format!(
                "ansible_connection={other} is not supported: confdrift reads files over ssh or \
                 on this machine (ansible_connection=ssh or local)"
            )),
            Some(Connection::Ssh) | None => ssh::collect(settings, host, vars, specs),
        },
        Transport::Command { argv, timeout, .. } => command::collect(argv, *timeout, host, specs),
    }
}

/// This machine's files, directly or, with become, through `sudo -n`.
fn local(
    host: &str,
    vars: Option<&HostVars>,
    specs: &[FileSpec],
    timeout: Duration,
) -> Result<Snapshot, String> {
    match vars.map(HostVars::sudo_user).transpose()?.flatten() {
        None => Ok(fs::collect(std::path::Path::new("/"), specs)),
        Some(user) => sudo::collect_local(host, user, specs, timeout),
    }
}
