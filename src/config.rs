//! `confdrift.toml`: the schema (serde, unknown keys rejected with their line) and its
//! resolution into a [`Config`] with every default applied and every path made absolute.

mod access;
mod running;

use crate::collect::{FileSpec, SshSettings, Transport};
use crate::inventory::HostVars;
use crate::names::check_name;
use crate::normalize::{Format, YamlVersion};
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    baseline: RawBaseline,
    #[serde(default)]
    ssh: RawSsh,
    inventory: Option<RawInventory>,
    #[serde(default, rename = "group")]
    groups: Vec<RawGroup>,
    #[serde(default, rename = "rule")]
    rules: Vec<toml::Spanned<crate::rules::RawRule>>,
    #[serde(default)]
    capacity: Vec<toml::Spanned<crate::rules::RawCapacity>>,
    #[serde(default, rename = "waiver")]
    waivers: Vec<toml::Spanned<crate::rules::RawWaiver>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseline {
    repo: Option<PathBuf>,
    dir: Option<PathBuf>,
    #[serde(rename = "ref")]
    reference: Option<String>,
}

/// `[inventory]`: an Ansible inventory (INI or YAML) whose groups supply hosts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInventory {
    ansible: PathBuf,
}

/// `[ssh]`, and a group's own `ssh = { ... }` (its keys win over `[ssh]`'s).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSsh {
    config: Option<PathBuf>,
    options: Option<Vec<String>>,
    connect_timeout: Option<u64>,
    timeout: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    name: String,
    #[serde(default)]
    hosts: Vec<String>,
    transport: TransportKind,
    root: Option<PathBuf>,
    ssh: Option<RawSsh>,
    /// `command` transport: argv template with `{host}` and `{path}`.
    command: Option<Vec<String>>,
    /// `command` transport: seconds for one host (default 60).
    timeout: Option<u64>,
    /// `command` transport: argv template with `{host}` that starts `sh` reading stdin on the
    /// host, for the running servers' clients.
    shell: Option<Vec<String>>,
    /// ssh and local transports: read the files through `sudo -n` (`become` is a Rust keyword).
    #[serde(rename = "become")]
    escalate: Option<bool>,
    /// The user `become` reads as (default root).
    become_user: Option<String>,
    /// Only "sudo".
    become_method: Option<String>,
    /// The YAML version the group's programs read (`"1.1"` or `"1.2"`), for its YAML files.
    yaml: Option<RawYaml>,
    /// The major version of the program that reads the group's files (`"15"`).
    version: Option<String>,
    files: Vec<RawFile>,
    /// `[[group.running]]`: the servers that run the group's files.
    #[serde(default)]
    running: Vec<toml::Spanned<running::RawRunning>>,
}

/// `yaml = "1.1"` (or the bare number `1.1`, which TOML reads as a float).
#[derive(Clone, Copy, Debug)]
struct RawYaml(YamlVersion);

impl<'de> Deserialize<'de> for RawYaml {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = RawYaml;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a YAML version, \"1.1\" or \"1.2\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawYaml, E> {
                YamlVersion::from_name(v).map(RawYaml).ok_or_else(|| {
                    E::custom(format!(
                        "unknown YAML version {v:?}: expected \"1.1\" (Ruby's Psych, PyYAML) or \"1.2\""
                    ))
                })
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawYaml, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum TransportKind {
    Dir,
    Local,
    Ssh,
    Command,
}

/// A file entry: a path or glob, or a table `{ path = "...", format = "..." }`.
#[derive(Debug)]
enum RawFile {
    Path(String),
    Table(RawFileTable),
}

// Written by hand rather than `#[serde(untagged)]`, whose error ("did not match any variant")
// would hide the real cause, such as a misspelled key in the table.
impl<'de> Deserialize<'de> for RawFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawFile;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a path, or a table { path = \"...\", format = \"...\" }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawFile, E> {
                Ok(RawFile::Path(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawFile, A::Error> {
                RawFileTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawFile::Table)
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFileTable {
    path: String,
    format: Option<String>,
    yaml: Option<RawYaml>,
    version: Option<String>,
}

/// The resolved configuration.
#[derive(Debug)]
pub struct Config {
    /// The config file it was read from.
    pub path: PathBuf,
    pub baseline: BaselineConfig,
    pub groups: Vec<Group>,
    /// `[[rule]]`, `[[capacity]]` and `[[waiver]]`, compiled.
    pub rules: crate::rules::Rules,
}

#[derive(Debug)]
pub struct BaselineConfig {
    /// Where to look for the git repository (discovered upwards from here).
    pub repo: PathBuf,
    /// The baseline directory, absolute; must lie inside the repository.
    pub dir: PathBuf,
    /// The commit-ish compared against.
    pub reference: String,
}

#[derive(Debug)]
pub struct Group {
    pub name: String,
    pub hosts: Vec<String>,
    /// Connection variables from the inventory (`ansible_host`, `ansible_port`, `ansible_user`,
    /// key, ssh arguments, connection, become), with the group's own `become` under them.
    pub vars: std::collections::BTreeMap<String, HostVars>,
    pub transport: Transport,
    pub files: Vec<FileSpec>,
    /// The running servers compared with the files (`[[group.running]]`).
    pub running: Vec<crate::collect::running::RunningSpec>,
}

impl Config {
    /// Finds and loads the config file: `--config`, else `./confdrift.toml`, else `$CONFDRIFT_CONFIG`.
    pub fn locate(explicit: Option<&Path>) -> Result<Config> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let local = PathBuf::from("confdrift.toml");
                match std::env::var_os("CONFDRIFT_CONFIG") {
                    _ if local.is_file() => local,
                    Some(env) => PathBuf::from(env),
                    None => bail!(
                        "no confdrift.toml in the current directory and $CONFDRIFT_CONFIG is not set\n\
                         hint: pass --config PATH, or run confdrift where confdrift.toml lives"
                    ),
                }
            }
        };
        Config::load(&path)
    }

    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let raw: RawConfig = toml::from_str(&text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(&text, s.start)).unwrap_or((1, 1));
            anyhow::anyhow!("{}:{line}:{col}: {}", path.display(), e.message().trim())
        })?;
        resolve(raw, path, &text).map_err(|e| e.context("invalid config file"))
    }

    /// All host names, in config order, without repeats.
    pub fn all_hosts(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.groups
            .iter()
            .flat_map(|g| &g.hosts)
            .map(String::as_str)
            .filter(|h| seen.insert(*h))
            .collect()
    }
}

impl Config {
    /// The format of `file` as read for `group` (by name).
    pub fn format_in(&self, group: &str, file: &str) -> Format {
        self.groups
            .iter()
            .find(|g| g.name == group)
            .map_or_else(|| Format::detect(file), |g| g.format_of(file))
    }
}

impl Group {
    /// The format of `path`: the first matching file entry's `format`, else detected.
    pub fn format_of(&self, path: &str) -> Format {
        self.files
            .iter()
            .find(|s| s.matches(path))
            .map_or_else(|| Format::detect(path), |s| s.format_for(path))
    }

    /// Whether `path`'s format is decided by its content ([`crate::normalize::sniff`]): no
    /// file entry forces a format on it and its name says nothing (it would be read as text).
    pub fn sniffs(&self, path: &str) -> bool {
        self.files
            .iter()
            .find(|s| s.matches(path))
            .is_none_or(|s| s.format.is_none())
            && self.format_of(path) == Format::Text
    }

    /// The version of the program that reads `path`: its file entry's or the group's
    /// `version`, else none (the reader may still find one in the path).
    pub fn version_of(&self, path: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|s| s.matches(path))
            .and_then(|s| s.version.as_deref())
    }

    /// Which of `paths` the group reads as YAML 1.1 (for the report).
    pub fn yaml_1_1_files<'a>(&self, paths: impl IntoIterator<Item = &'a String>) -> Vec<String> {
        paths
            .into_iter()
            .filter(|p| self.format_of(p).yaml_version() == Some(YamlVersion::V1_1))
            .cloned()
            .collect()
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn resolve(raw: RawConfig, path: PathBuf, text: &str) -> Result<Config> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let repo = raw
        .baseline
        .repo
        .map(|r| dir.join(r))
        .unwrap_or_else(|| dir.clone());
    let baseline = BaselineConfig {
        dir: repo.join(raw.baseline.dir.unwrap_or_else(|| "baselines".into())),
        repo,
        reference: raw.baseline.reference.unwrap_or_else(|| "HEAD".into()),
    };
    let inventory = match &raw.inventory {
        Some(inv) => Some(crate::inventory::load(&dir.join(&inv.ansible))?),
        None => None,
    };
    let mut groups: Vec<Group> = Vec::new();
    for mut g in raw.groups {
        let mut vars = std::collections::BTreeMap::new();
        if let Some(inv) = &inventory {
            access::merge_inventory(&g.name, &mut g.hosts, &mut vars, inv)?;
        }
        check_name("group", &g.name)?;
        if groups.iter().any(|o| o.name == g.name) {
            bail!("group {:?} is defined twice", g.name);
        }
        for h in &g.hosts {
            check_name("host", h).with_context(|| format!("in group {:?}", g.name))?;
        }
        let ssh_only = |what: &str, present: bool| -> Result<()> {
            if present {
                bail!(
                    "group {:?}: `{what}` does not apply to this transport",
                    g.name
                );
            }
            Ok(())
        };
        if g.transport != TransportKind::Ssh {
            ssh_only("ssh", g.ssh.is_some())?;
        }
        if g.transport != TransportKind::Command {
            ssh_only("command", g.command.is_some())?;
            ssh_only("timeout", g.timeout.is_some())?;
            ssh_only("shell", g.shell.is_some())?;
        }
        let transport = match (g.transport, g.root) {
            (TransportKind::Ssh, None) => {
                Transport::Ssh(ssh_settings(&raw.ssh, g.ssh.as_ref(), &dir))
            }
            (TransportKind::Command, None) => Transport::Command {
                argv: command_template(&g.name, g.command.as_deref())?,
                timeout: Duration::from_secs(g.timeout.unwrap_or(60).max(1)),
                shell: g.shell.map(|s| shell_template(&g.name, s)).transpose()?,
            },
            (TransportKind::Dir, Some(root)) => Transport::Dir {
                root: dir.join(root),
            },
            (TransportKind::Dir, None) => bail!(
                "group {:?}: transport \"dir\" needs `root`, the directory holding <host>/<absolute path>",
                g.name
            ),
            (TransportKind::Local, None) => Transport::Local,
            (_, Some(_)) => bail!(
                "group {:?}: `root` only applies to transport \"dir\"",
                g.name
            ),
        };
        let become_keys = access::GroupBecome {
            enabled: g.escalate,
            user: g.become_user,
            method: g.become_method,
        };
        let reads_as_a_user = matches!(transport, Transport::Ssh(_) | Transport::Local);
        access::apply_become(&g.name, &become_keys, reads_as_a_user, &g.hosts, &mut vars)?;
        let group_yaml = g.yaml.map(|y| y.0);
        let group_version = g.version.as_deref().map(major_version).transpose()?;
        let files = g
            .files
            .into_iter()
            .map(|f| file_spec(f, group_yaml, group_version.as_deref()))
            .collect::<Result<Vec<_>>>()
            .with_context(|| format!("in group {:?}", g.name))?;
        if matches!(transport, Transport::Command { .. })
            && let Some(f) = files.iter().find(|f| f.glob.is_some())
        {
            bail!(
                "group {:?}: file {:?}: globs need the ssh, dir or local transport (the command transport reads one named file at a time)",
                g.name,
                f.pattern
            );
        }
        let running =
            running::resolve(&path, &g.name, g.running, &files, |at| line_col(text, at).0)?;
        groups.push(Group {
            name: g.name,
            hosts: g.hosts,
            vars,
            transport,
            files,
            running,
        });
    }
    for w in access::unused_warnings(
        groups
            .iter()
            .filter(|g| matches!(g.transport, Transport::Ssh(_) | Transport::Local))
            .map(|g| (g.hosts.as_slice(), &g.vars)),
    ) {
        eprintln!("{w}");
    }
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    let rules = crate::rules::Rules::compile(raw.rules, raw.capacity, raw.waivers, &names, |at| {
        line_col(text, at).0
    })
    .with_context(|| path.display().to_string())?;
    crate::secret::declare_secrets(
        rules
            .rules
            .iter()
            .filter(|r| r.secret)
            .map(|r| r.key.clone())
            .collect(),
        rules
            .rules
            .iter()
            .filter(|r| r.not_secret.is_some())
            .map(|r| r.key.clone())
            .collect(),
    );
    for c in &rules.capacity {
        for (group, file) in c.reads() {
            let g = groups.iter().find(|g| g.name == group);
            if !g.is_some_and(|g| g.files.iter().any(|s| s.matches(file))) {
                bail!(
                    "{}: [[capacity]] {:?} reads {file} on group {group:?}, but that group does not list the file in `files`, so it is never collected",
                    path.display(),
                    c.name
                );
            }
        }
        for (group, file) in c.running_reads() {
            let g = groups.iter().find(|g| g.name == group);
            if !g.is_some_and(|g| g.running.iter().any(|r| r.file == file)) {
                bail!(
                    "{}: [[capacity]] {:?} reads the running server of {file} on group {group:?} (source = \"running\"), but that group has no [[group.running]] entry for the file",
                    path.display(),
                    c.name
                );
            }
        }
    }
    for (group, file, line) in rules.running_reads() {
        let runs = |g: &&Group| g.running.iter().any(|r| file.matches(&r.file));
        if !groups
            .iter()
            .filter(|g| group.is_none_or(|n| g.name == n))
            .any(|g| runs(&g))
        {
            bail!(
                "{}: [[rule]] at line {line} judges the running server of {} (source = \"running\"), but {} [[group.running]] entry for that file",
                path.display(),
                file.pattern,
                group.map_or("no group has a".to_string(), |g| format!(
                    "group {g:?} has no"
                )),
            );
        }
    }
    Ok(Config {
        path,
        baseline,
        groups,
        rules,
    })
}

/// `[ssh]` with a group's own `ssh = {...}` over it, and the defaults.
fn ssh_settings(global: &RawSsh, group: Option<&RawSsh>, dir: &Path) -> SshSettings {
    let pick = |f: fn(&RawSsh) -> Option<u64>, default: u64| {
        group
            .and_then(f)
            .or_else(|| f(global))
            .unwrap_or(default)
            .max(1)
    };
    SshSettings {
        config: group
            .and_then(|g| g.config.clone())
            .or_else(|| global.config.clone())
            .map(|c| dir.join(c)),
        options: group
            .and_then(|g| g.options.clone())
            .or_else(|| global.options.clone())
            .unwrap_or_default(),
        connect_timeout: Duration::from_secs(pick(|s| s.connect_timeout, 10)),
        timeout: Duration::from_secs(pick(|s| s.timeout, 60)),
    }
}

fn command_template(group: &str, argv: Option<&[String]>) -> Result<Vec<String>> {
    let Some(argv) = argv.filter(|a| !a.is_empty() && !a[0].is_empty()) else {
        bail!(
            "group {group:?}: transport \"command\" needs `command`, e.g. [\"kubectl\", \"exec\", \"{{host}}\", \"--\", \"cat\", \"{{path}}\"]"
        );
    };
    if !argv.iter().any(|a| a.contains("{path}")) {
        bail!("group {group:?}: `command` must contain {{path}} where the file's path goes");
    }
    Ok(argv.to_vec())
}

/// `shell = [...]` of a command group: a program, and no `{path}` (it reads a script).
fn shell_template(group: &str, argv: Vec<String>) -> Result<Vec<String>> {
    if argv.first().is_none_or(|p| p.is_empty()) {
        bail!(
            "group {group:?}: `shell` is empty; it starts a shell on the host that reads its script on standard input, e.g. [\"kubectl\", \"exec\", \"-i\", \"{{host}}\", \"--\", \"sh\", \"-s\"]"
        );
    }
    if argv.iter().any(|a| a.contains("{path}")) {
        bail!("group {group:?}: `shell` reads a script on standard input: it takes no {{path}}");
    }
    Ok(argv)
}

/// A program version as written in `version`: `"15"` or `"15.4"` (digits and dots).
fn major_version(v: &str) -> Result<String> {
    let ok = !v.is_empty()
        && v.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        bail!("version {v:?}: expected the program's version, such as \"15\" or \"15.4\"");
    }
    Ok(v.to_string())
}

/// A file entry; `group_yaml` and `group_version` are the group's, for an entry without its
/// own.
fn file_spec(
    raw: RawFile,
    group_yaml: Option<YamlVersion>,
    group_version: Option<&str>,
) -> Result<FileSpec> {
    let (pattern, format, yaml, version) = match raw {
        RawFile::Path(p) => (p, None, None, None),
        RawFile::Table(t) => (t.path, t.format, t.yaml.map(|y| y.0), t.version),
    };
    let version = version
        .as_deref()
        .map(major_version)
        .transpose()
        .with_context(|| format!("file {pattern:?}"))?;
    let format = match format {
        None => None,
        Some(name) => Some(Format::from_name(&name).with_context(|| {
            format!(
                "file {pattern:?}: unknown format {name:?}; expected one of {}",
                Format::names().join(", ")
            )
        })?),
    };
    let mut spec = FileSpec::new(&pattern, format)?;
    if yaml.is_some() && spec.glob.is_none() && spec.format_for(&pattern).yaml_version().is_none() {
        bail!(
            "file {pattern:?}: `yaml` applies to YAML files, and this one is read as {}; add format = \"yaml\"",
            spec.format_for(&pattern).name()
        );
    }
    spec.yaml = yaml.or(group_yaml);
    spec.version = version.or(group_version.map(str::to_string));
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("confdrift.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(&path)
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let err =
            load("[baseline]\ndir = \"b\"\n\n[[group]]\nname = \"app\"\nhostz = []\n").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains(":6:1:"), "{msg}");
        assert!(msg.contains("unknown field `hostz`"), "{msg}");
    }

    #[test]
    fn file_entries_say_what_is_wrong() {
        let base = "[[group]]\nname = \"g\"\nhosts = []\ntransport = \"local\"\n";
        let err = load(&format!(
            "{base}files = [{{ path = \"/x\", fromat = \"toml\" }}]\n"
        ))
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown field `fromat`"),
            "{err:#}"
        );
        let err = load(&format!("{base}files = [5]\n")).unwrap_err();
        assert!(
            format!("{err:#}").contains("expected a path, or a table"),
            "{err:#}"
        );
    }

    #[test]
    fn relative_paths_follow_the_config_file() {
        let cfg = load(
            "[[group]]\nname = \"app\"\nhosts = [\"a\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"/etc/x.yml\", { path = \"/etc/y.conf\", format = \"toml\" }, \"/etc/nginx/*.conf\"]\n",
        )
        .unwrap();
        let g = &cfg.groups[0];
        let Transport::Dir { root } = &g.transport else {
            panic!("dir transport expected")
        };
        assert!(root.is_absolute() && root.ends_with("fleet"));
        assert_eq!(g.files[1].format.map(|f| f.name()), Some("toml"));
        assert!(g.files[2].matches("/etc/nginx/site.conf"));
        assert!(!g.files[2].matches("/etc/nginx/sub/site.conf"));
        assert!(!g.files[0].matches("/etc/y.yml"));
        assert_eq!(cfg.baseline.reference, "HEAD");
    }

    #[test]
    fn become_applies_to_the_ssh_and_local_transports_with_sudo_only() {
        let group = |rest: &str| {
            format!("[[group]]\nname = \"g\"\nhosts = [\"a\"]\n{rest}files = [\"/x\"]\n")
        };
        let err = load(&group("transport = \"dir\"\nroot = \"r\"\nbecome = true\n")).unwrap_err();
        assert!(
            format!("{err:#}").contains("`become` applies to the ssh and local transports only"),
            "{err:#}"
        );
        let err = load(&group(
            "transport = \"ssh\"\nbecome = true\nbecome_method = \"su\"\n",
        ))
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("\"su\" is not supported"),
            "{err:#}"
        );
        let err = load(&group(
            "transport = \"ssh\"\nbecome = true\nbecome_user = \"-x\"\n",
        ))
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("invalid become_user"),
            "{err:#}"
        );
        let cfg = load(&group(
            "transport = \"local\"\nbecome = true\nbecome_user = \"nobody\"\n",
        ))
        .unwrap();
        assert_eq!(cfg.groups[0].vars["a"].sudo_user(), Ok(Some("nobody")));
        let cfg = load(&group("transport = \"ssh\"\n")).unwrap();
        assert!(cfg.groups[0].vars.is_empty(), "no become unless asked");
    }

    #[test]
    fn the_yaml_version_of_a_file_or_a_group() {
        let cfg = load(
            "[[group]]\nname = \"app\"\nhosts = []\ntransport = \"local\"\nyaml = \"1.1\"\n\
             files = [\"/etc/app/a.yml\", { path = \"/etc/app/b.yml\", yaml = \"1.2\" }, \"/etc/app/c.conf\"]\n\
             [[group]]\nname = \"web\"\nhosts = []\ntransport = \"local\"\n\
             files = [{ path = \"/etc/web/*.yml\", yaml = 1.1 }, { path = \"/etc/web/x.cfg\", format = \"yaml\", yaml = \"1.1\" }, \"/etc/web/plain.yml\", \"/srv/blog/config/database.yml\", { path = \"/srv/shop/config/database.yml\", yaml = \"1.2\" }]\n",
        )
        .unwrap();
        let label =
            |g: usize, f: usize, path: &str| cfg.groups[g].files[f].format_for(path).label();
        assert_eq!(label(0, 0, "/etc/app/a.yml"), "yaml 1.1");
        assert_eq!(label(0, 1, "/etc/app/b.yml"), "yaml 1.2");
        assert_eq!(label(0, 2, "/etc/app/c.conf"), "text");
        assert_eq!(label(1, 0, "/etc/web/site.yml"), "yaml 1.1");
        assert_eq!(label(1, 1, "/etc/web/x.cfg"), "yaml 1.1");
        assert_eq!(label(1, 2, "/etc/web/plain.yml"), "yaml 1.2");
        // A Rails application's config/database.yml is read as YAML 1.1 unless told otherwise.
        assert_eq!(label(1, 3, "/srv/blog/config/database.yml"), "yaml 1.1");
        assert_eq!(label(1, 4, "/srv/shop/config/database.yml"), "yaml 1.2");

        let base = "[[group]]\nname = \"g\"\nhosts = []\ntransport = \"local\"\n";
        let err = load(&format!(
            "{base}files = [{{ path = \"/x.yml\", yaml = \"1.3\" }}]\n"
        ))
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown YAML version \"1.3\""),
            "{err:#}"
        );
        let err = load(&format!(
            "{base}files = [{{ path = \"/etc/x.conf\", yaml = \"1.1\" }}]\n"
        ))
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("`yaml` applies to YAML files"),
            "{err:#}"
        );
    }

    #[test]
    fn hostile_names_and_paths_are_refused() {
        for bad in ["-oProxyCommand=x", "../etc", "a b", "a;b", ""] {
            assert!(check_name("host", bad).is_err(), "{bad}");
        }
        assert!(check_name("host", "deploy@10.0.0.7").is_ok());
        let err = load("[[group]]\nname = \"g\"\nhosts = []\ntransport = \"local\"\nfiles = [\"/etc/../shadow\"]\n")
            .unwrap_err();
        assert!(format!("{err:#}").contains("absolute path without"));
    }
}
