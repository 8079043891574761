//! One host's connection variables as the inventory sets them: where and as whom to connect
//! (`ansible_host`, `ansible_port`, `ansible_user`), with which key and extra ssh options,
//! over ssh or locally (`ansible_connection`), and whether to read as another user through
//! `sudo -n` (`ansible_become*`). Values are checked as they are read, because they end up on
//! an ssh command line; variables that would change the connection but that confdrift does not
//! use are remembered by name (never by value) so that they can be warned about.

use std::collections::BTreeSet;

/// How a host is reached (`ansible_connection`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    /// `ssh`, `smart` (Ansible's default), `ansible.builtin.ssh`.
    Ssh,
    /// `local`, `ansible.builtin.local`: this machine's own files.
    Local,
    /// Anything else (`docker`, `winrm`, `paramiko`, ...): not a way confdrift reads files.
    Other(String),
}

/// One host's connection variables from the inventory (and, for become, from its group in
/// confdrift.toml, which the inventory overrides).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostVars {
    /// `ansible_host` (or `ansible_ssh_host`): the address to connect to.
    pub ansible_host: Option<String>,
    /// `ansible_port` (or `ansible_ssh_port`), 1-65535.
    pub ansible_port: Option<u16>,
    /// `ansible_user` (or `ansible_ssh_user`).
    pub ansible_user: Option<String>,
    /// `ansible_ssh_private_key_file` (or `ansible_private_key_file`): ssh's `-i`.
    pub private_key_file: Option<String>,
    /// `ansible_ssh_common_args`, split like a shell line: ssh options only.
    pub ssh_common_args: Vec<String>,
    /// `ansible_ssh_extra_args`, likewise.
    pub ssh_extra_args: Vec<String>,
    /// `ansible_connection`.
    pub connection: Option<Connection>,
    /// `ansible_become`.
    pub become_enabled: Option<bool>,
    /// `ansible_become_user` (or `ansible_sudo_user`); root when not set.
    pub become_user: Option<String>,
    /// `ansible_become_method`; only sudo is supported.
    pub become_method: Option<String>,
    /// Variables set for this host that would change the connection but that confdrift does
    /// not use: names only, never values (some are passwords).
    pub unused: BTreeSet<&'static str>,
}

impl HostVars {
    /// The user to read files as through `sudo -n`, when become is on. A become method other
    /// than sudo is an error.
    pub fn sudo_user(&self) -> Result<Option<&str>, String> {
        if self.become_enabled != Some(true) {
            return Ok(None);
        }
        match self.become_method.as_deref() {
            None | Some("sudo" | "ansible.builtin.sudo") => {}
            Some(other) => {
                return Err(format!(
                    "become method {other:?} is not supported: confdrift becomes another user \
                     with sudo only (sudo -n, never a password prompt)"
                ));
            }
        }
        Ok(Some(self.become_user.as_deref().unwrap_or("root")))
    }
}

/// Variables that change how Ansible connects but that confdrift does not use, each with what
/// confdrift does instead. From the ssh connection plugin's and the sudo become plugin's
/// options; left out on purpose: pipelining (confdrift always sends its script on standard
/// input in one session), tty, timeouts, retries, control paths and scp/sftp settings
/// (confdrift copies no files).
const UNUSED: &[(&str, &str)] = &[
    ("ansible_password", PASSWORD),
    ("ansible_ssh_pass", PASSWORD),
    ("ansible_ssh_password", PASSWORD),
    ("ansible_private_key", KEY_TEXT),
    ("ansible_ssh_private_key", KEY_TEXT),
    ("ansible_private_key_passphrase", PASSPHRASE),
    ("ansible_ssh_private_key_passphrase", PASSPHRASE),
    (
        "ansible_ssh_pkcs11_provider",
        "set PKCS11Provider in your ssh config, or with -o in ansible_ssh_common_args",
    ),
    (
        "ansible_ssh_executable",
        "confdrift runs the ssh found on its PATH",
    ),
    (
        "ansible_ssh_args",
        "put ssh options in ansible_ssh_common_args, ansible_ssh_extra_args or [ssh] options",
    ),
    ("ansible_host_key_checking", HOST_KEYS),
    ("ansible_ssh_host_key_checking", HOST_KEYS),
    ("ansible_become_password", SUDO_PASSWORD),
    ("ansible_become_pass", SUDO_PASSWORD),
    ("ansible_sudo_pass", SUDO_PASSWORD),
    (
        "ansible_become_exe",
        "become runs the sudo found on the host's PATH",
    ),
    (
        "ansible_sudo_exe",
        "become runs the sudo found on the host's PATH",
    ),
    ("ansible_become_flags", SUDO_FLAGS),
    ("ansible_sudo_flags", SUDO_FLAGS),
];

const PASSWORD: &str = "ssh runs with BatchMode=yes and never sends a password: use a key \
                        (ansible_ssh_private_key_file) or an ssh agent";
const KEY_TEXT: &str = "confdrift takes key files, not key text: use \
                        ansible_ssh_private_key_file or an ssh agent";
const PASSPHRASE: &str = "ssh runs with BatchMode=yes and never asks for a passphrase: load \
                          the key into an ssh agent (ssh-add)";
const HOST_KEYS: &str = "confdrift never turns host key checking off: known_hosts and your \
                         ssh config decide";
const SUDO_PASSWORD: &str = "become runs sudo -n, which never sends a password: allow \
                             NOPASSWD for confdrift's read command (sh -s)";
const SUDO_FLAGS: &str = "become runs sudo -n -u USER -- sh -s, with no other flags";

/// What confdrift does instead of `var`, when `var` is one it does not use.
pub fn unused_reason(var: &str) -> Option<&'static str> {
    UNUSED.iter().find(|(name, _)| *name == var).map(|e| e.1)
}

/// Whether `var` is one whose value confdrift reads (so a mapping or list there is an error).
pub fn is_used(var: &str) -> bool {
    matches!(
        var,
        "ansible_host"
            | "ansible_ssh_host"
            | "ansible_port"
            | "ansible_ssh_port"
            | "ansible_user"
            | "ansible_ssh_user"
            | "ansible_group_priority"
            | "ansible_private_key_file"
            | "ansible_ssh_private_key_file"
            | "ansible_ssh_common_args"
            | "ansible_ssh_extra_args"
            | "ansible_connection"
            | "ansible_become"
            | "ansible_become_user"
            | "ansible_sudo_user"
            | "ansible_become_method"
    )
}

/// Connection variables as set in one scope (a group or a host), old and new spellings kept
/// apart until the end.
#[derive(Clone, Debug, Default)]
pub(super) struct RawVars {
    host: Option<String>,
    ssh_host: Option<String>,
    pub(super) port: Option<u16>,
    ssh_port: Option<u16>,
    user: Option<String>,
    ssh_user: Option<String>,
    key: Option<String>,
    ssh_key: Option<String>,
    common_args: Option<Vec<String>>,
    extra_args: Option<Vec<String>>,
    connection: Option<Connection>,
    become_enabled: Option<bool>,
    become_user: Option<String>,
    sudo_user: Option<String>,
    become_method: Option<String>,
    unused: BTreeSet<&'static str>,
}

impl RawVars {
    /// Sets `key` if it is a connection variable; other keys are ignored. `None` is a YAML null.
    pub(super) fn set(&mut self, key: &str, value: Option<&str>) -> Result<(), String> {
        if let Some(&(name, _)) = UNUSED.iter().find(|(name, _)| *name == key) {
            if value.is_some() {
                self.unused.insert(name);
            }
            return Ok(());
        }
        let need = || value.ok_or_else(|| format!("{key} is null: expected a value"));
        match key {
            "ansible_host"
            | "ansible_ssh_host"
            | "ansible_user"
            | "ansible_ssh_user"
            | "ansible_become_user"
            | "ansible_sudo_user" => {
                let v = need()?.trim();
                crate::names::check_name(key, v).map_err(|e| e.to_string())?;
                let slot = match key {
                    "ansible_host" => &mut self.host,
                    "ansible_ssh_host" => &mut self.ssh_host,
                    "ansible_user" => &mut self.user,
                    "ansible_ssh_user" => &mut self.ssh_user,
                    "ansible_become_user" => &mut self.become_user,
                    _ => &mut self.sudo_user,
                };
                *slot = Some(v.to_string());
            }
            "ansible_port" | "ansible_ssh_port" => {
                let port = parse_port(key, need()?)?;
                let slot = if key == "ansible_port" {
                    &mut self.port
                } else {
                    &mut self.ssh_port
                };
                *slot = Some(port);
            }
            "ansible_private_key_file" | "ansible_ssh_private_key_file" => {
                let v = need()?.trim();
                if v.is_empty() || v.chars().any(char::is_control) {
                    return Err(format!(
                        "invalid {key} {v:?}: expected the path of a private key file"
                    ));
                }
                let slot = if key == "ansible_private_key_file" {
                    &mut self.key
                } else {
                    &mut self.ssh_key
                };
                *slot = Some(v.to_string());
            }
            "ansible_ssh_common_args" | "ansible_ssh_extra_args" => {
                let args = ssh_args(key, value.unwrap_or(""))?;
                if key == "ansible_ssh_common_args" {
                    self.common_args = Some(args);
                } else {
                    self.extra_args = Some(args);
                }
            }
            "ansible_connection" => {
                self.connection = Some(match need()?.trim() {
                    "ssh" | "smart" | "ansible.builtin.ssh" => Connection::Ssh,
                    "local" | "ansible.builtin.local" => Connection::Local,
                    other => Connection::Other(other.to_string()),
                });
            }
            "ansible_become" => self.become_enabled = Some(parse_bool(key, need()?)?),
            "ansible_become_method" => self.become_method = Some(need()?.trim().to_string()),
            _ => {}
        }
        Ok(())
    }

    /// `other`'s settings win.
    pub(super) fn overlay(&mut self, other: &RawVars) {
        fn over<T: Clone>(mine: &mut Option<T>, theirs: &Option<T>) {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        }
        over(&mut self.host, &other.host);
        over(&mut self.ssh_host, &other.ssh_host);
        over(&mut self.port, &other.port);
        over(&mut self.ssh_port, &other.ssh_port);
        over(&mut self.user, &other.user);
        over(&mut self.ssh_user, &other.ssh_user);
        over(&mut self.key, &other.key);
        over(&mut self.ssh_key, &other.ssh_key);
        over(&mut self.common_args, &other.common_args);
        over(&mut self.extra_args, &other.extra_args);
        over(&mut self.connection, &other.connection);
        over(&mut self.become_enabled, &other.become_enabled);
        over(&mut self.become_user, &other.become_user);
        over(&mut self.sudo_user, &other.sudo_user);
        over(&mut self.become_method, &other.become_method);
        self.unused.extend(other.unused.iter().copied());
    }

    /// The old spelling wins where both are set (see the inventory module's documentation).
    pub(super) fn resolve(self) -> HostVars {
        HostVars {
            ansible_host: self.ssh_host.or(self.host),
            ansible_port: self.ssh_port.or(self.port),
            ansible_user: self.ssh_user.or(self.user),
            private_key_file: self.ssh_key.or(self.key),
            ssh_common_args: self.common_args.unwrap_or_default(),
            ssh_extra_args: self.extra_args.unwrap_or_default(),
            connection: self.connection,
            become_enabled: self.become_enabled,
            become_user: self.sudo_user.or(self.become_user),
            become_method: self.become_method,
            unused: self.unused,
        }
    }
}

pub(super) fn parse_port(key: &str, value: &str) -> Result<u16, String> {
    let v = value.trim();
    match v.parse::<u16>() {
        Ok(port) if port > 0 && v.bytes().all(|b| b.is_ascii_digit()) => Ok(port),
        _ => Err(format!(
            "invalid {key} {value:?}: expected a port number from 1 to 65535"
        )),
    }
}

/// A boolean as Ansible reads one (`yes`, `true`, `on`, `1`, `y`, `t` and their opposites, in
/// any case). Anything else is an error rather than Ansible's silent false: a misspelt
/// `ansible_become=ture` must not quietly read as someone else.
pub fn parse_bool(key: &str, value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" | "y" | "t" | "1.0" => Ok(true),
        "no" | "false" | "off" | "0" | "n" | "f" | "0.0" => Ok(false),
        _ => Err(format!(
            "invalid {key} {value:?}: expected true or false (yes/no, on/off, 1/0)"
        )),
    }
}

/// ssh's options that take a value (OpenSSH's `ssh.c` getopt string).
const WITH_VALUE: &str = "BbcDEeFIiJLlmOoPpQRSWw";
/// ssh's options without a value that confdrift lets through.
const FLAGS: &str = "46AaCgKkMqTvXxYy";
/// Options that would stop confdrift's collector from running or being read: background (-f),
/// no command (-N), no standard input (-n), a tty that rewrites the output (-t), a subsystem
/// instead of a command (-s), stdio forwarding (-W), or no connection at all (-G, -O, -Q, -V).
const REFUSED: &str = "fGNnOQstVW";

/// `ansible_ssh_common_args` / `ansible_ssh_extra_args`: split like a shell line (as Ansible
/// does, with Python's `shlex.split`), then checked to be ssh options and their values only. A
/// word that is no option (a destination, a command), `--`, an option value starting with `-`,
/// a control character, or an option that would stop the collector is an error naming it.
pub fn ssh_args(key: &str, value: &str) -> Result<Vec<String>, String> {
    let words = super::words::split_words_with(value, false).map_err(|m| format!("{key}: {m}"))?;
    if let Some(w) = words.iter().find(|w| w.chars().any(char::is_control)) {
        return Err(format!(
            "{key}: {w:?} holds a control character: expected ssh options"
        ));
    }
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        let Some(cluster) = word
            .strip_prefix('-')
            .filter(|c| !c.is_empty() && *c != "-")
        else {
            return Err(format!(
                "{key}: {word:?} is not an ssh option: only options such as -o Key=Value or \
                 -J bastion may appear here, never a destination, a command or --"
            ));
        };
        for (at, c) in cluster.char_indices() {
            if REFUSED.contains(c) {
                return Err(format!(
                    "{key}: ssh option -{c} would stop confdrift's collector: expected options \
                     that only change how to connect"
                ));
            }
            if FLAGS.contains(c) {
                continue;
            }
            if !WITH_VALUE.contains(c) {
                return Err(format!("{key}: -{c} is not an ssh option"));
            }
            let attached = &cluster[at + c.len_utf8()..];
            let option_value = if attached.is_empty() {
                i += 1;
                words
                    .get(i)
                    .ok_or_else(|| format!("{key}: ssh option -{c} needs a value"))?
                    .as_str()
            } else {
                attached
            };
            if option_value.starts_with('-') || option_value.is_empty() {
                return Err(format!(
                    "{key}: the value of -{c} is {option_value:?}: expected a value, not an option"
                ));
            }
            break;
        }
        i += 1;
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &str) -> Result<Vec<String>, String> {
        ssh_args("ansible_ssh_common_args", v)
    }

    #[test]
    fn ssh_args_are_split_like_a_shell_and_must_be_options() {
        assert_eq!(
            args(
                r#"-o ProxyCommand="ssh -W %h:%p -q bastion" -J jump -oServerAliveInterval=5 -4C"#
            )
            .unwrap(),
            [
                "-o",
                "ProxyCommand=ssh -W %h:%p -q bastion",
                "-J",
                "jump",
                "-oServerAliveInterval=5",
                "-4C"
            ]
        );
        assert_eq!(args("  ").unwrap(), Vec::<String>::new());
        // '#' is no comment here (shlex.split without comments, as Ansible splits them)
        assert_eq!(args("-o Tag=#1").unwrap(), ["-o", "Tag=#1"]);
        for (bad, why) in [
            ("evil.example.com", "is not an ssh option"),
            ("-o A=1 -- other-host", "is not an ssh option"),
            ("-", "is not an ssh option"),
            ("-o", "needs a value"),
            (
                "-J -oProxyCommand=touch/tmp/x",
                "expected a value, not an option",
            ),
            ("-N", "would stop confdrift's collector"),
            ("-tt", "would stop confdrift's collector"),
            ("-Cn", "would stop confdrift's collector"),
            ("-Z", "is not an ssh option"),
            ("-o 'A=1\nB=2'", "control character"),
            ("-o 'unclosed", "unclosed quote"),
        ] {
            let e = args(bad).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
            assert!(e.starts_with("ansible_ssh_common_args: "), "{e}");
        }
    }

    #[test]
    fn booleans_as_ansible_reads_them_and_typos_refused() {
        for t in ["yes", "True", "on", "1", "y", "T"] {
            assert_eq!(parse_bool("ansible_become", t), Ok(true), "{t}");
        }
        for f in ["no", "FALSE", "off", "0", "n"] {
            assert_eq!(parse_bool("ansible_become", f), Ok(false), "{f}");
        }
        assert!(parse_bool("ansible_become", "ture").is_err());
    }

    #[test]
    fn become_is_sudo_only_and_defaults_to_root() {
        let mut v = HostVars::default();
        assert_eq!(v.sudo_user(), Ok(None));
        v.become_method = Some("su".into());
        assert_eq!(v.sudo_user(), Ok(None), "not in effect without become");
        v.become_enabled = Some(true);
        assert!(
            v.sudo_user()
                .unwrap_err()
                .contains("\"su\" is not supported")
        );
        v.become_method = Some("sudo".into());
        assert_eq!(v.sudo_user(), Ok(Some("root")));
        v.become_user = Some("postgres".into());
        assert_eq!(v.sudo_user(), Ok(Some("postgres")));
    }

    #[test]
    fn unused_variables_are_kept_by_name_only() {
        let mut raw = RawVars::default();
        raw.set("ansible_ssh_pass", Some("hunter2")).unwrap();
        raw.set("ansible_become_password", None).unwrap();
        raw.set("ansible_python_interpreter", Some("/usr/bin/python3"))
            .unwrap();
        let v = raw.resolve();
        assert_eq!(
            v.unused.iter().copied().collect::<Vec<_>>(),
            ["ansible_ssh_pass"]
        );
        assert!(!format!("{v:?}").contains("hunter2"));
        assert!(
            unused_reason("ansible_ssh_pass")
                .unwrap()
                .contains("never sends a password")
        );
        assert_eq!(unused_reason("ansible_ssh_pipelining"), None);
    }

    #[test]
    fn old_spellings_win_and_values_are_checked() {
        let mut raw = RawVars::default();
        raw.set("ansible_ssh_private_key_file", Some("~/.ssh/db"))
            .unwrap();
        raw.set("ansible_private_key_file", Some("~/.ssh/other"))
            .unwrap();
        raw.set("ansible_sudo_user", Some("postgres")).unwrap();
        raw.set("ansible_become_user", Some("root")).unwrap();
        raw.set("ansible_connection", Some("local")).unwrap();
        let v = raw.clone().resolve();
        assert_eq!(v.private_key_file.as_deref(), Some("~/.ssh/db"));
        assert_eq!(v.become_user.as_deref(), Some("postgres"));
        assert_eq!(v.connection, Some(Connection::Local));
        assert!(
            raw.set("ansible_become_user", Some("-oProxyCommand=x"))
                .is_err()
        );
        assert!(raw.set("ansible_private_key_file", Some("")).is_err());
        assert!(raw.set("ansible_become", Some("maybe")).is_err());
        raw.set("ansible_connection", Some("winrm")).unwrap();
        assert_eq!(
            raw.resolve().connection,
            Some(Connection::Other("winrm".into()))
        );
    }
}
