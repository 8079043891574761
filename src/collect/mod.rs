//! Collecting live files from hosts. A transport turns (host, file entries) into a
//! [`Snapshot`]; a host it cannot reach at all is an `Err` naming the cause.

mod command;
mod fs;
mod process;
mod remote;
mod ssh;

use crate::config::{FileSpec, Transport};
use std::collections::BTreeMap;

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
}

/// Reads the files of `host` named by `specs`.
pub fn collect(
    transport: &Transport,
    host: &str,
    vars: Option<&crate::inventory::HostVars>,
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
        Transport::Local => Ok(fs::collect(std::path::Path::new("/"), specs)),
        Transport::Ssh(settings) => ssh::collect(settings, host, vars, specs),
        Transport::Command { argv, timeout } => command::collect(argv, *timeout, host, specs),
    }
}
