//! How a group's live files are read: the transport (a directory of fetched files, this
//! machine, OpenSSH, a user's command) and its settings, as confdrift.toml resolves them.

use std::path::PathBuf;
use std::time::Duration;

/// How live files are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `<root>/<host>/<absolute path>` on this machine (the layout Ansible's `fetch` writes).
    Dir { root: PathBuf },
    /// This machine's own filesystem; the host name is only a label.
    Local,
    /// The system OpenSSH client, one connection per host.
    Ssh(SshSettings),
    /// A user's program run once per file (`kubectl exec {host} -- cat {path}`), no shell.
    Command {
        argv: Vec<String>,
        timeout: Duration,
        /// `shell`: the argv (with `{host}`) that starts a POSIX shell on the host reading
        /// its script on standard input (`kubectl exec -i {host} -- sh -s`), for the running
        /// servers' clients. None: running servers cannot be asked through this transport.
        shell: Option<Vec<String>>,
    },
}

/// How `ssh` is run: the user's own ssh config applies unless `config` names another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshSettings {
    /// Passed as `-F`.
    pub config: Option<PathBuf>,
    /// Extra arguments placed before the destination (`-o ServerAliveInterval=5`).
    pub options: Vec<String>,
    pub connect_timeout: Duration,
    /// For one host, connection included.
    pub timeout: Duration,
}
