//! Parsing config files into a [`Tree`]: one file per format, one table that says which
//! format a file name means. Adding a format is one new file and one row in [`FORMATS`].

pub mod binary;
mod compose;
mod compose_ports;
pub mod defaults;
mod dotenv;
pub mod follow;
pub mod glob3;
mod haproxy;
mod htpasswd;
pub mod includes;
mod ini;
mod json;
pub mod k8s;
mod keyvalue;
pub mod mycnf_includes;
pub mod mycnf_values;
mod nginx;
pub mod nginx_includes;
mod nodes;
pub mod openssh_includes;
mod pgbouncer;
pub mod pgbouncer_includes;
mod pgconf;
mod pghba;
pub mod pghba_includes;
mod pgident;
pub mod pgident_includes;
mod pgnames;
mod pgpass;
mod phpfpm;
pub mod phpfpm_includes;
mod properties;
pub mod raw;
pub mod redis_includes;
pub mod sniff;
pub mod ssh_includes;
pub mod sshclient;
pub mod systemd;
pub mod systemd_dropins;
#[cfg(test)]
mod testutil;
mod text;
mod toml;
mod userlist;
pub mod yaml;

pub(crate) use keyvalue::convtime;
pub use keyvalue::{RawLine, openssh_lines, redis_value, ssh_value, sshd_value};
pub use pgbouncer::{
    entry as pgbouncer_entry, entry_pairs as pgbouncer_entry_pairs, pgbouncer_value,
};
pub use pgconf::{running_value, setting_value};
pub use text::{Line, closes_private_key, opens_private_key};

use crate::tree::{ParseError, Tree};

/// What a parser reads: the file's text, without NUL bytes; UTF-8, or for formats read as
/// bytes, decoded losslessly by [`raw::decode`].
type ParseFn = fn(&str) -> Result<Tree, ParseError>;

/// Which bytes a format's files may hold besides UTF-8 text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bytes {
    /// UTF-8 only: the format says so (JSON, RFC 8259 §8.1; TOML 1.0; YAML as libyaml,
    /// PyYAML, go-yaml and serde read it), and its programs refuse anything else.
    Utf8,
    /// Any byte but NUL: the programs lex bytes with an ASCII syntax, so a byte that is not
    /// UTF-8 (a Latin-1 comment or value) is part of the comment or value it stands in.
    Any,
}

/// One supported format: its name (as in `format = "..."` and `--as`), the file names and
/// extensions it is detected from, and its parser.
pub struct FormatSpec {
    pub name: &'static str,
    pub file_names: &'static [&'static str],
    pub extensions: &'static [&'static str],
    /// Name patterns for files whose name alone is not enough: `.env.*` (the file name), or
    /// `sysctl.d/*.conf` (the last segments of the path). One `*` per segment at most.
    pub patterns: &'static [&'static str],
    pub bytes: Bytes,
    parse: ParseFn,
}

/// The table of structured formats, in detection order. A file matched by none of them is
/// compared line by line (see [`Format::Text`]).
pub static FORMATS: &[FormatSpec] = &[
    FormatSpec {
        name: "yaml",
        file_names: &[],
        patterns: &[],
        extensions: &["yml", "yaml"],
        bytes: Bytes::Utf8,
        // Plain YAML, or Kubernetes manifests when every document is an object (`k8s.rs`).
        parse: k8s::parse_yaml,
    },
    // Kubernetes manifests by their path; any YAML file whose documents are all objects is
    // read as manifests too (`k8s::parse_yaml`).
    FormatSpec {
        name: "k8s",
        file_names: &[],
        patterns: &[
            "*.k8s.yaml",
            "*.k8s.yml",
            "k8s/*.yaml",
            "k8s/*.yml",
            "manifests/*.yaml",
            "manifests/*.yml",
        ],
        extensions: &[],
        bytes: Bytes::Utf8,
        parse: k8s::parse,
    },
    FormatSpec {
        name: "compose",
        file_names: &[
            "compose.yaml",
            "compose.yml",
            "docker-compose.yml",
            "docker-compose.yaml",
        ],
        patterns: &[
            "compose.*.yaml",
            "compose.*.yml",
            "docker-compose.*.yml",
            "docker-compose.*.yaml",
        ],
        extensions: &[],
        bytes: Bytes::Utf8,
        parse: compose::parse,
    },
    FormatSpec {
        name: "toml",
        file_names: &[],
        patterns: &[],
        extensions: &["toml"],
        bytes: Bytes::Utf8,
        parse: toml::parse,
    },
    FormatSpec {
        name: "json",
        file_names: &[],
        patterns: &[],
        extensions: &["json"],
        bytes: Bytes::Utf8,
        parse: json::parse,
    },
    FormatSpec {
        name: "pgconf",
        file_names: &[
            "postgresql.conf",
            "postgresql.auto.conf",
            "pgpool.conf",
            "recovery.conf",
        ],
        // `include_dir = 'conf.d'` beside postgresql.conf in the usual data and config
        // directories: Debian's /etc/postgresql/<version>/<cluster>, the PGDG and RHEL
        // packages' /var/lib/pgsql[/<version>]/data, the container image's
        // /var/lib/postgresql/data.
        patterns: &[
            "postgresql/*/*/conf.d/*.conf",
            "pgsql/*/data/conf.d/*.conf",
            "pgsql/data/conf.d/*.conf",
            "postgresql/data/conf.d/*.conf",
        ],
        extensions: &[],
        bytes: Bytes::Any,
        parse: pgconf::parse,
    },
    FormatSpec {
        name: "pghba",
        file_names: &["pg_hba.conf"],
        patterns: &[],
        extensions: &[],
        bytes: Bytes::Any,
        parse: pghba::parse,
    },
    FormatSpec {
        name: "pgident",
        file_names: &["pg_ident.conf"],
        patterns: &[],
        extensions: &[],
        bytes: Bytes::Any,
        parse: pgident::parse,
    },
    // Only through pg_hba.conf's `@file` (or `format = "pgnames"`): no name of its own.
    FormatSpec {
        name: "pgnames",
        file_names: &[],
        patterns: &[],
        extensions: &[],
        bytes: Bytes::Any,
        parse: pgnames::parse,
    },
    FormatSpec {
        name: "ini",
        file_names: &["php.ini"],
        patterns: &[],
        extensions: &["ini"],
        bytes: Bytes::Any,
        parse: ini::parse,
    },
    FormatSpec {
        name: "pgbouncer",
        file_names: &["pgbouncer.ini"],
        patterns: &[],
        extensions: &[],
        bytes: Bytes::Any,
        parse: pgbouncer::parse,
    },
    FormatSpec {
        name: "mycnf",
        file_names: &["my.cnf"],
        patterns: &[],
        extensions: &["cnf"],
        bytes: Bytes::Any,
        parse: ini::parse_mycnf,
    },
    FormatSpec {
        name: "properties",
        // ZooKeeper's zoo.cfg: java.util.Properties (QuorumPeerConfig.parse). Kafka's
        // server.properties and the rest of config/*.properties go by their extension.
        file_names: &["zoo.cfg"],
        patterns: &[],
        extensions: &["properties"],
        bytes: Bytes::Any,
        parse: properties::parse,
    },
    FormatSpec {
        name: "env",
        file_names: &[".env"],
        patterns: &[".env.*"],
        extensions: &["env"],
        bytes: Bytes::Any,
        parse: dotenv::parse,
    },
    FormatSpec {
        name: "sshd",
        file_names: &["sshd_config"],
        patterns: &["sshd_config.d/*.conf"],
        extensions: &[],
        bytes: Bytes::Any,
        parse: keyvalue::parse_sshd,
    },
    FormatSpec {
        name: "ssh",
        file_names: &["ssh_config"],
        patterns: &["ssh_config.d/*.conf"],
        extensions: &[],
        bytes: Bytes::Any,
        parse: keyvalue::parse_ssh,
    },
    FormatSpec {
        name: "redis",
        file_names: &["redis.conf", "sentinel.conf"],
        patterns: &["redis-*.conf", "redis/*.conf"],
        extensions: &[],
        bytes: Bytes::Any,
        parse: keyvalue::parse_redis,
    },
    FormatSpec {
        name: "sysctl",
        file_names: &["sysctl.conf"],
        patterns: &["sysctl.d/*.conf"],
        extensions: &[],
        bytes: Bytes::Any,
        parse: keyvalue::parse_sysctl,
    },
    FormatSpec {
        name: "systemd",
        file_names: &[],
        // Drop-ins: `<unit>.d/*.conf` beside (or in another directory than) the unit.
        patterns: &[
            "*.service.d/*.conf",
            "*.socket.d/*.conf",
            "*.timer.d/*.conf",
            "*.mount.d/*.conf",
            "*.automount.d/*.conf",
            "*.path.d/*.conf",
            "*.target.d/*.conf",
            "*.slice.d/*.conf",
            // A unit type's drop-ins, read by every unit of the type (`service.d/`).
            "system/service.d/*.conf",
            "system/socket.d/*.conf",
            "system/timer.d/*.conf",
            "system/mount.d/*.conf",
            "system/automount.d/*.conf",
            "system/path.d/*.conf",
            "system/target.d/*.conf",
            "system/slice.d/*.conf",
        ],
        extensions: &[
            "service",
            "socket",
            "timer",
            "mount",
            "automount",
            "path",
            "target",
            "slice",
        ],
        bytes: Bytes::Any,
        parse: systemd::parse,
    },
    FormatSpec {
        name: "nginx",
        file_names: &["nginx.conf"],
        patterns: &[
            "nginx/conf.d/*.conf",
            "nginx/sites-available/*",
            "nginx/sites-enabled/*",
        ],
        extensions: &[],
        bytes: Bytes::Any,
        parse: nginx::parse,
    },
    FormatSpec {
        name: "phpfpm",
        file_names: &["php-fpm.conf"],
        // Debian's /etc/php/<version>/fpm/pool.d, RHEL's /etc/php-fpm.d, the container
        // image's /usr/local/etc/php-fpm.d; `www.conf` (the pool every package ships) as a
        // pattern, after nginx's, so that nginx/conf.d/www.conf stays nginx's.
        patterns: &["fpm/pool.d/*.conf", "php-fpm.d/*.conf", "www.conf"],
        extensions: &[],
        bytes: Bytes::Any,
        parse: phpfpm::parse,
    },
    FormatSpec {
        name: "haproxy",
        file_names: &["haproxy.cfg"],
        patterns: &["haproxy/*.cfg", "haproxy/conf.d/*.cfg"],
        extensions: &[],
        bytes: Bytes::Any,
        parse: haproxy::parse,
    },
    // Credential stores: files that hold nothing but secrets.
    FormatSpec {
        name: "pgpass",
        // `pgpass.conf` is libpq's name for it on Windows.
        file_names: &[".pgpass", "pgpass", "pgpass.conf"],
        patterns: &[],
        extensions: &["pgpass"],
        bytes: Bytes::Any,
        parse: pgpass::parse,
    },
    FormatSpec {
        name: "userlist",
        file_names: &["userlist.txt"],
        patterns: &[],
        extensions: &[],
        bytes: Bytes::Any,
        parse: userlist::parse,
    },
    FormatSpec {
        name: "htpasswd",
        file_names: &[".htpasswd", "htpasswd"],
        patterns: &[],
        extensions: &["htpasswd"],
        bytes: Bytes::Any,
        parse: htpasswd::parse,
    },
];

/// YAML as the programs that read YAML 1.1 read it (Ruby's Psych, PyYAML): not in [`FORMATS`],
/// chosen by [`Format::with_yaml`], by `yaml = "1.1"` in `confdrift.toml`, or by the file's
/// path ([`YAML_1_1_PATHS`]). Its name is `yaml`, like the YAML 1.2 entry's.
static YAML_1_1: FormatSpec = FormatSpec {
    name: "yaml",
    file_names: &[],
    extensions: &[],
    patterns: &[],
    bytes: Bytes::Utf8,
    parse: yaml::parse_1_1,
};

/// Files read by programs that read YAML 1.1, by the last segments of their path (as
/// [`FormatSpec::patterns`]): a Rails application's own `config/*.yml` files (Ruby's Psych),
/// and the same files where Debian's `redmine` package keeps them (`/etc/redmine/<instance>/`).
pub const YAML_1_1_PATHS: &[&str] = &[
    "config/database.yml",
    "config/cable.yml",
    "config/storage.yml",
    "config/cache.yml",
    "config/queue.yml",
    "config/recurring.yml",
    "config/secrets.yml",
    "config/configuration.yml",
    "redmine/*/database.yml",
    "redmine/*/configuration.yml",
    // Helm values: a chart's `values.yaml` and the `-f values-prod.yaml` beside it, read by
    // `sigs.k8s.io/yaml` (go-yaml v2) in helm's pkg/chartutil/values.go (ReadValues).
    "values.yaml",
    "values.yml",
    "values-*.yaml",
    "values-*.yml",
];

/// Who reads a file of [`YAML_1_1_PATHS`] as YAML 1.1, for people.
pub fn yaml_1_1_reader(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.starts_with("values.") || name.starts_with("values-") {
        "a Helm values file, read by sigs.k8s.io/yaml (go-yaml v2)"
    } else {
        "a Rails config file, read by Ruby's Psych"
    }
}

/// The YAML version a program reads, as `yaml = "1.1"` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YamlVersion {
    /// Ruby's Psych (Rails), PyYAML (Ansible, cloud-init), go-yaml v2: `no` is false, `0777`
    /// is octal.
    V1_1,
    /// YAML 1.2's core schema, the default: `no` is a string, `0777` is 777.
    V1_2,
}

impl YamlVersion {
    pub fn from_name(name: &str) -> Option<YamlVersion> {
        match name.trim() {
            "1.1" => Some(YamlVersion::V1_1),
            "1.2" => Some(YamlVersion::V1_2),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            YamlVersion::V1_1 => "1.1",
            YamlVersion::V1_2 => "1.2",
        }
    }
}

/// The format a file is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Structured(&'static FormatSpec),
    /// Unknown formats: significant lines compared with a line diff; binary content (see
    /// [`binary::looks_binary`]) by hash, as [`Format::Binary`].
    Text,
    /// Binary files, compared by content hash ([`binary`]).
    Binary,
}

impl std::fmt::Debug for FormatSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for FormatSpec {
    /// The same entry: YAML 1.1 and YAML 1.2 share a name, not a parser.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}
impl Eq for FormatSpec {}

impl Format {
    /// The format named `name` (`yaml`, `k8s`, `compose`, `toml`, `json`, `ini`, `pgbouncer`,
    /// `mycnf`, `properties`, `pgconf`, `env`, `sshd`, `ssh`, `redis`, `sysctl`, `nginx`,
    /// `phpfpm`, `haproxy`, `pghba`, `pgident`, `pgnames`, `systemd`, `pgpass`, `userlist`,
    /// `htpasswd`, `text`, `binary`).
    pub fn from_name(name: &str) -> Option<Format> {
        if name.eq_ignore_ascii_case("text") {
            return Some(Format::Text);
        }
        if name.eq_ignore_ascii_case("binary") {
            return Some(Format::Binary);
        }
        FORMATS
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .map(Format::Structured)
    }

    /// Every name `from_name` accepts, for error messages and `--help`.
    pub fn names() -> Vec<&'static str> {
        FORMATS
            .iter()
            .map(|f| f.name)
            .chain(["text", "binary"])
            .collect()
    }

    pub fn name(&self) -> &'static str {
        match self {
            Format::Structured(spec) => spec.name,
            Format::Text => "text",
            Format::Binary => "binary",
        }
    }

    /// [`Format::detect`], and why, for people: `its name postgresql.conf`, `its extension
    /// .yml`, or that nothing was known and lines are compared.
    pub fn detect_why(path: &str) -> (Format, String) {
        let format = Format::detect(path);
        let name = path.rsplit('/').next().unwrap_or(path);
        let why = match format {
            Format::Text => "no known file name or extension: compared line by line; \
                             --as FORMAT reads it as another format"
                .to_string(),
            Format::Binary => format!(
                "its extension .{}: a binary file, compared by content hash",
                name.rsplit_once('.').map_or("", |(_, e)| e)
            ),
            Format::Structured(spec) if spec.file_names.contains(&name) => {
                format!("its name {name}")
            }
            Format::Structured(spec) => {
                match spec.patterns.iter().find(|p| path_matches(path, p)) {
                    Some(p) => format!("its path matches {p}"),
                    None => format!(
                        "its extension .{}",
                        name.rsplit_once('.').map_or("", |(_, e)| e)
                    ),
                }
            }
        };
        (format, why)
    }

    /// The name with the YAML version (`yaml 1.1`, `yaml 1.2`): what a file was read as.
    pub fn label(&self) -> &'static str {
        match self.yaml_version() {
            Some(YamlVersion::V1_1) => "yaml 1.1",
            Some(YamlVersion::V1_2) => "yaml 1.2",
            None => self.name(),
        }
    }

    /// For YAML, the version it is read as.
    pub fn yaml_version(&self) -> Option<YamlVersion> {
        match self {
            Format::Structured(spec) if std::ptr::eq(*spec, &YAML_1_1) => Some(YamlVersion::V1_1),
            Format::Structured(spec) if spec.name == "yaml" => Some(YamlVersion::V1_2),
            _ => None,
        }
    }

    /// YAML read as `version`; any other format as it is.
    pub fn with_yaml(self, version: YamlVersion) -> Format {
        match (self.yaml_version(), version) {
            (None, _) => self,
            (Some(_), YamlVersion::V1_1) => Format::Structured(&YAML_1_1),
            (Some(_), YamlVersion::V1_2) => Format::from_name("yaml").unwrap_or(self),
        }
    }

    /// Detects the format from the file's name: well-known names first, then the extension;
    /// YAML files of [`YAML_1_1_PATHS`] are read as YAML 1.1.
    pub fn detect(path: &str) -> Format {
        let format = Format::detect_by_name(path);
        if format.yaml_version().is_some() && YAML_1_1_PATHS.iter().any(|p| path_matches(path, p)) {
            return format.with_yaml(YamlVersion::V1_1);
        }
        format
    }

    fn detect_by_name(path: &str) -> Format {
        let name = path.rsplit('/').next().unwrap_or(path);
        if let Some(spec) = FORMATS.iter().find(|f| f.file_names.contains(&name)) {
            return Format::Structured(spec);
        }
        if let Some(spec) = FORMATS
            .iter()
            .find(|f| f.patterns.iter().any(|p| path_matches(path, p)))
        {
            return Format::Structured(spec);
        }
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        if ext
            .as_deref()
            .is_some_and(|e| binary::EXTENSIONS.contains(&e))
        {
            return Format::Binary;
        }
        ext.and_then(|ext| {
            FORMATS
                .iter()
                .find(|f| f.extensions.contains(&ext.as_str()))
        })
        .map(Format::Structured)
        .unwrap_or(Format::Text)
    }

    /// A rule's key pattern as this format's reader writes keys: keywords lowercased in
    /// sshd, ssh, redis and postgresql.conf files (`PermitRootLogin` is `permitrootlogin`),
    /// the group lowercased and `-` as `_` in MariaDB/MySQL option files
    /// (`mysqld.bind-address` is `mysqld.bind_address`). Quoted segments stay as written.
    /// `None` when the pattern is already in that form.
    pub fn key_pattern(&self, pattern: &str) -> Option<String> {
        let out = match self.name() {
            "sshd" | "ssh" | "redis" | "pgconf" => {
                map_unquoted(pattern, |_, c| c.to_ascii_lowercase())
            }
            "mycnf" => map_unquoted(pattern, |segment, c| match (segment, c) {
                (0, c) => c.to_ascii_lowercase(),
                (_, '-') => '_',
                (_, c) => c,
            }),
            _ => return None,
        };
        (out != pattern).then_some(out)
    }

    /// Whether a plain key (already in [`Format::key_pattern`]'s form) is one this format's
    /// reader can write: a keyword of letters and digits in sshd/ssh files (under
    /// `match.X.`/`host.X.`), a name of letters, digits and `_` (and one `.` for extension
    /// settings) in postgresql.conf, letters, digits, `-` and `.` in redis.conf; with a list
    /// index `[N]` where the reader makes lists. `None`: any key may occur (YAML, JSON, ...).
    pub fn can_have_key(&self, key: &str) -> Option<bool> {
        let key = key.split('[').next().unwrap_or(key);
        let word = |w: &str, ok: &dyn Fn(char) -> bool| !w.is_empty() && w.chars().all(ok);
        Some(match self.name() {
            "sshd" | "ssh" => {
                let keyword = match key.split_once('.') {
                    Some(("match" | "host", rest)) => rest.rsplit('.').next().unwrap_or(""),
                    Some(_) => return Some(false),
                    None => key,
                };
                word(keyword, &|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            }
            "pgconf" => {
                let mut parts = key.split('.');
                let ok = parts.by_ref().take(2).all(|p| {
                    word(p, &|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$'
                    }) && !p.starts_with(|c: char| c.is_ascii_digit())
                });
                ok && parts.next().is_none()
            }
            "redis" => word(key, &|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' || c == '_'
            }),
            _ => return None,
        })
    }

    /// Parses a file's bytes. A file read as `text` whose content is not text is read as
    /// binary.
    pub fn parse(&self, bytes: &[u8]) -> Result<Document, ParseError> {
        match self {
            Format::Binary => Ok(Document::Binary(binary::digest(bytes))),
            Format::Text if binary::looks_binary(bytes) => {
                Ok(Document::Binary(binary::digest(bytes)))
            }
            Format::Text => {
                let text = raw::text_for(bytes, Bytes::Any, "text")?;
                Ok(Document::Lines(text::significant_lines(&text)))
            }
            Format::Structured(spec) => {
                let text = raw::text_for(bytes, spec.bytes, spec.name)?;
                (spec.parse)(&text).map(Document::Tree)
            }
        }
    }
}

/// `pattern` with `f(segment index, char)` applied to every character outside double quotes.
fn map_unquoted(pattern: &str, f: impl Fn(usize, char) -> char) -> String {
    let mut out = String::with_capacity(pattern.len());
    let (mut quoted, mut escaped, mut segment) = (false, false, 0);
    for c in pattern.chars() {
        if quoted {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                quoted = true;
                out.push(c);
            }
            '.' => {
                segment += 1;
                out.push(c);
            }
            c => out.push(f(segment, c)),
        }
    }
    out
}

/// Whether the last segments of `path` match `pattern`, segment by segment; a segment of the
/// pattern may hold one `*` (any text, possibly empty, without `/`).
fn path_matches(path: &str, pattern: &str) -> bool {
    let mut path_segments = path.rsplit('/');
    pattern.rsplit('/').all(|want| {
        path_segments
            .next()
            .is_some_and(|seg| match want.split_once('*') {
                Some((prefix, suffix)) => {
                    seg.len() >= prefix.len() + suffix.len()
                        && seg.starts_with(prefix)
                        && seg.ends_with(suffix)
                }
                None => seg == want,
            })
    })
}

/// A parsed file: a key tree, for unknown formats its significant lines, for binary files
/// their hash.
#[derive(Clone, Debug, PartialEq)]
pub enum Document {
    Tree(Tree),
    Lines(Vec<Line>),
    Binary(binary::Digest),
}

impl Document {
    /// The key tree, for formats that have keys (rules apply to those only).
    pub fn tree(&self) -> Option<&Tree> {
        match self {
            Document::Tree(t) => Some(t),
            Document::Lines(_) | Document::Binary(_) => None,
        }
    }
}

/// 1-based column of byte offset `at` in `line`, counted in characters (for readers' errors).
pub(crate) fn column(line: &str, at: usize) -> u32 {
    let at = at.min(line.len());
    let n = line.get(..at).map_or(at, |s| s.chars().count());
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

/// 1-based line number of a 0-based line index.
pub(crate) fn line_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_name_then_extension() {
        assert_eq!(Format::detect("/etc/myapp/database.yml").name(), "yaml");
        assert_eq!(
            Format::detect("/etc/postgresql/15/main/postgresql.conf").name(),
            "pgconf"
        );
        assert_eq!(
            Format::detect("/etc/pgbouncer/pgbouncer.ini").name(),
            "pgbouncer"
        );
        assert_eq!(Format::detect("/etc/mysql/my.cnf").name(), "mycnf");
        assert_eq!(
            Format::detect("/etc/mysql/mariadb.conf.d/50-server.cnf").name(),
            "mycnf"
        );
        assert_eq!(Format::detect("/etc/app/Config.JSON").name(), "json");
        assert_eq!(Format::detect("/etc/hosts").name(), "text");
        assert_eq!(Format::from_name("TOML").map(|f| f.name()), Some("toml"));
        assert_eq!(Format::from_name("xml"), None);
    }

    #[test]
    fn detection_of_env_keyword_nginx_and_credential_store_files() {
        for (path, format) in [
            ("/srv/app/.env", "env"),
            ("/srv/app/.env.production", "env"),
            ("/srv/app/app.env", "env"),
            ("/srv/app/.envrc", "text"),
            ("/etc/ssh/sshd_config", "sshd"),
            ("/etc/ssh/sshd_config.d/10-hardening.conf", "sshd"),
            ("/etc/ssh/ssh_config", "ssh"),
            ("/etc/ssh/ssh_config.d/proxy.conf", "ssh"),
            ("/etc/redis/redis.conf", "redis"),
            ("/etc/redis/sentinel.conf", "redis"),
            ("/etc/redis/redis-cache.conf", "redis"),
            ("/etc/sysctl.conf", "sysctl"),
            ("/etc/sysctl.d/99-tuning.conf", "sysctl"),
            ("/etc/sysctl.d/README", "text"),
            ("/etc/nginx/nginx.conf", "nginx"),
            ("/etc/nginx/sites-available/default", "nginx"),
            ("/etc/nginx/sites-enabled/app", "nginx"),
            ("/etc/nginx/conf.d/gzip.conf", "nginx"),
            ("/etc/httpd/conf.d/ssl.conf", "text"),
            ("/etc/postgresql/15/main/conf.d/50-tuning.conf", "pgconf"),
            ("/etc/postgresql/16/replica/conf.d/x.conf", "pgconf"),
            ("/var/lib/pgsql/16/data/conf.d/memory.conf", "pgconf"),
            ("/var/lib/pgsql/data/conf.d/memory.conf", "pgconf"),
            ("/var/lib/postgresql/data/conf.d/memory.conf", "pgconf"),
            ("/etc/postgresql/15/main/conf.d/README", "text"),
            ("/etc/postgresql/conf.d/x.conf", "text"),
            ("/etc/app/conf.d/x.conf", "text"),
            ("sysctl.d/x.conf", "sysctl"),
            ("x.conf", "text"),
            ("/home/deploy/.pgpass", "pgpass"),
            ("/etc/pgbouncer/pgpass", "pgpass"),
            ("/srv/backup/replica.pgpass", "pgpass"),
            ("/srv/backup/REPLICA.PGPASS", "pgpass"),
            (
                "C:/Users/app/AppData/Roaming/postgresql/pgpass.conf",
                "pgpass",
            ),
            ("/etc/pgbouncer/userlist.txt", "userlist"),
            ("/etc/pgbouncer/users.txt", "text"),
            ("/etc/nginx/.htpasswd", "htpasswd"),
            ("/etc/apache2/htpasswd", "htpasswd"),
            ("/etc/httpd/conf/admin.htpasswd", "htpasswd"),
            ("/etc/apache2/.htdigest", "text"),
            ("/srv/deploy/k8s/app.yaml", "k8s"),
            ("/etc/kubernetes/manifests/kube-apiserver.yaml", "k8s"),
            ("deploy/shop.k8s.yml", "k8s"),
            ("deploy/shop.yaml", "yaml"),
            ("/etc/zookeeper/conf/zoo.cfg", "properties"),
            ("/opt/kafka/config/server.properties", "properties"),
            ("/srv/app/compose.yaml", "compose"),
            ("/srv/app/compose.yml", "compose"),
            ("/srv/app/docker-compose.yml", "compose"),
            ("/srv/app/docker-compose.yaml", "compose"),
            ("/srv/app/docker-compose.prod.yml", "compose"),
            ("/srv/app/compose.override.yaml", "compose"),
            ("/srv/app/my-compose.yml", "yaml"),
            ("/etc/postgresql/15/main/pg_hba.conf", "pghba"),
            ("/etc/postgresql/15/main/pg_ident.conf", "pgident"),
            ("/lib/systemd/system/pgbouncer.service", "systemd"),
            (
                "/etc/systemd/system/pgbouncer.service.d/override.conf",
                "systemd",
            ),
            ("/etc/systemd/system/pgbouncer.socket", "systemd"),
            ("/etc/systemd/system/backup.timer", "systemd"),
            ("/etc/systemd/system/app.service.d/README", "text"),
            ("/etc/systemd/system/service.d/10-all.conf", "systemd"),
            ("/lib/systemd/system/pool-.service.d/10-a.conf", "systemd"),
        ] {
            assert_eq!(Format::detect(path).name(), format, "{path}");
        }
        for name in [
            "env", "sshd", "ssh", "redis", "sysctl", "nginx", "pgpass", "userlist", "htpasswd",
            "compose",
        ] {
            assert_eq!(Format::from_name(name).map(|f| f.name()), Some(name));
        }
    }

    #[test]
    fn rails_config_files_are_read_as_yaml_1_1() {
        for (path, label) in [
            ("/srv/blog/config/database.yml", "yaml 1.1"),
            ("/var/www/shop/shared/config/cable.yml", "yaml 1.1"),
            ("config/storage.yml", "yaml 1.1"),
            ("/etc/redmine/default/database.yml", "yaml 1.1"),
            ("/usr/share/redmine/config/configuration.yml", "yaml 1.1"),
            ("/etc/myapp/database.yml", "yaml 1.2"),
            ("charts/pgbouncer/values.yaml", "yaml 1.1"),
            ("deploy/values-prod.yaml", "yaml 1.1"),
            ("deploy/my-values.yaml", "yaml 1.2"),
            ("/srv/node-app/config/default.yml", "yaml 1.2"),
            ("/srv/blog/config/database.yml.example", "text"),
            ("/srv/blog/config/application.rb", "text"),
        ] {
            assert_eq!(Format::detect(path).label(), label, "{path}");
        }
        let yaml = Format::from_name("yaml").unwrap();
        assert_eq!(yaml.label(), "yaml 1.2");
        let v11 = yaml.with_yaml(YamlVersion::V1_1);
        assert_eq!((v11.name(), v11.label()), ("yaml", "yaml 1.1"));
        assert_ne!(v11, yaml);
        assert_eq!(v11.with_yaml(YamlVersion::V1_2), yaml);
        let toml = Format::from_name("toml").unwrap();
        assert_eq!(toml.with_yaml(YamlVersion::V1_1), toml);
        assert_eq!(toml.yaml_version(), None);
    }

    #[test]
    fn rule_keys_are_read_as_the_format_writes_keys() {
        let f = |name: &str, p: &str| Format::from_name(name).unwrap().key_pattern(p);
        assert_eq!(
            f("sshd", "PermitRootLogin").as_deref(),
            Some("permitrootlogin")
        );
        assert_eq!(
            f("sshd", "match.\"User Bob\".X11Forwarding").as_deref(),
            Some("match.\"User Bob\".x11forwarding")
        );
        assert_eq!(f("redis", "MaxMemory").as_deref(), Some("maxmemory"));
        assert_eq!(
            f("pgconf", "Max_Connections").as_deref(),
            Some("max_connections")
        );
        assert_eq!(
            f("mycnf", "MySQLd.max-connections").as_deref(),
            Some("mysqld.max_connections")
        );
        assert_eq!(f("sshd", "permitrootlogin"), None);
        assert_eq!(f("yaml", "Production.Pool"), None);
        let can = |name: &str, k: &str| Format::from_name(name).unwrap().can_have_key(k);
        assert_eq!(can("pgconf", "max_connections"), Some(true));
        assert_eq!(can("pgconf", "pg_stat_statements.max"), Some(true));
        assert_eq!(can("pgconf", "max-connections"), Some(false));
        assert_eq!(can("pgconf", "a.b.c"), Some(false));
        assert_eq!(can("sshd", "port[0]"), Some(true));
        assert_eq!(can("sshd", "match.\"User bob\".x11forwarding"), Some(true));
        assert_eq!(can("sshd", "permit_root_login"), Some(false));
        assert_eq!(
            can("redis", "client-output-buffer-limit.replica"),
            Some(true)
        );
        assert_eq!(can("redis", "max memory"), Some(false));
        assert_eq!(can("yaml", "anything at all"), None);
    }
}
