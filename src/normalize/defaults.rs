//! The programs' own tables, generated from the programs (`scripts/defaults/`), never typed
//! from memory: each setting's compiled-in default (the value an absent setting has), the
//! spellings the program reads as one enum value, and the old names it still reads. One table
//! per program and major version; the version is chosen by the caller (a group's `version`,
//! or the path the packaging puts the file at), and with none known no default is assumed.

use crate::tree::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

/// One setting of a table.
#[derive(Debug, Clone)]
struct Setting {
    vartype: &'static str,
    default: Option<Cow<'static, str>>,
    /// A number's bounds, in its base unit.
    bounds: Option<(f64, f64)>,
}

/// One program version's table.
#[derive(Debug)]
pub struct Table {
    /// `postgresql`.
    pub program: &'static str,
    /// The major version (`15`).
    pub version: &'static str,
    /// Which build it was generated from (`postgres (PostgreSQL) 15.18 (Debian ...)`).
    pub source: &'static str,
    /// Setting name (lower case) → its type (`INTEGER`, `ENUM`, ...) and default as the
    /// program prints it; `None` when it depends on the machine (a data directory path).
    settings: HashMap<&'static str, Setting>,
    /// (setting, spelling in lower case) → the enum value it means.
    enums: HashMap<(&'static str, &'static str), &'static str>,
    /// Old setting name → the setting it sets.
    aliases: HashMap<&'static str, &'static str>,
    /// String settings the program reads in any case.
    folds: std::collections::HashSet<&'static str>,
    /// Settings read as a time (`2m` is 120 seconds).
    times: std::collections::HashSet<&'static str>,
    /// Settings the program takes but runs without (not supported by its build).
    ignored: std::collections::HashSet<&'static str>,
    /// Every keyword the program takes, where the table lists them (ssh_config).
    keywords: std::collections::HashSet<&'static str>,
    /// Keywords of which every line adds a value (ssh_config).
    lists: std::collections::HashSet<&'static str>,
    /// Keywords whose values the program checks: `enum`, `time` or `number`.
    strict: HashMap<&'static str, &'static str>,
    /// Settings a second `[pgbouncer]` header leaves as they were (no default to go back to).
    kept: std::collections::HashSet<&'static str>,
    /// The rows of a kind only one program's table has (MariaDB's `group`, `arg`, `block`, `moves`).
    other: Vec<Vec<&'static str>>,
    /// Keywords the program takes inside a `Match` block (sshd_config).
    in_match: std::collections::HashSet<&'static str>,
}

impl Table {
    fn parse(program: &'static str, version: &'static str, text: &'static str) -> Table {
        let mut t = Table {
            program,
            version,
            source: "",
            settings: HashMap::new(),
            enums: HashMap::new(),
            aliases: HashMap::new(),
            folds: std::collections::HashSet::new(),
            times: std::collections::HashSet::new(),
            ignored: std::collections::HashSet::new(),
            keywords: std::collections::HashSet::new(),
            lists: std::collections::HashSet::new(),
            strict: HashMap::new(),
            kept: std::collections::HashSet::new(),
            other: Vec::new(),
            in_match: std::collections::HashSet::new(),
        };
        for line in text.lines() {
            if let Some(comment) = line.strip_prefix("# ") {
                t.source = comment
                    .split(" reports ")
                    .next()
                    .and_then(|s| {
                        s.strip_prefix("PostgreSQL defaults as ")
                            .or_else(|| s.strip_prefix("sshd_config as "))
                            .or_else(|| s.strip_prefix("redis.conf as "))
                            .or_else(|| s.strip_prefix("ssh_config as "))
                            .or_else(|| s.strip_prefix("pgbouncer.ini as "))
                            .or_else(|| s.strip_prefix("MariaDB options as "))
                    })
                    .unwrap_or(comment);
                continue;
            }
            let fields: Vec<&'static str> = line.split('\t').collect();
            match fields.as_slice() {
                ["setting", name, vartype, value, min, max] => {
                    let bounds = min.parse().ok().zip(max.parse().ok());
                    t.settings.insert(
                        name,
                        Setting {
                            vartype,
                            default: (*value != "-").then_some(Cow::Borrowed(*value)),
                            bounds,
                        },
                    );
                }
                ["enum", name, spelling, value] => {
                    t.enums.insert((name, spelling), value);
                }
                ["setting", name, value] => {
                    // One row per line the program prints: a keyword may have several.
                    let joined = match t.settings.get(name).and_then(|s| s.default.as_deref()) {
                        Some(before) => Cow::Owned(format!("{before}\n{value}")),
                        None => Cow::Borrowed(*value),
                    };
                    t.settings.insert(
                        name,
                        Setting {
                            vartype: "",
                            default: Some(joined),
                            bounds: None,
                        },
                    );
                }
                ["keeps", name] => {
                    t.kept.insert(name);
                }
                ["ignored", name] => {
                    t.ignored.insert(name);
                }
                ["time", name] => {
                    t.times.insert(name);
                }
                ["fold", name] => {
                    t.folds.insert(name);
                }
                ["alias", old, new] => {
                    t.aliases.insert(old, new);
                }
                ["keyword", name] => {
                    t.keywords.insert(name);
                }
                ["list", name] => {
                    t.lists.insert(name);
                }
                ["strict", name, kind] => {
                    t.strict.insert(name, kind);
                }
                [kind, ..]
                    if matches!(
                        *kind,
                        "group"
                            | "arg"
                            | "block"
                            | "moves"
                            | "unseen"
                            | "charset"
                            | "collation"
                            | "unit"
                    ) || matches!(*kind, "algorithm" | "algorithms" | "ipqos") =>
                {
                    t.other.push(fields.clone())
                }
                ["match", name] => {
                    t.in_match.insert(name);
                }
                // Which warning a taken, ignored keyword gets: for the reader of the table.
                ["deprecated" | "unsupported", _] => {}
                // A generated file: anything else is a bug in the generator, caught by tests.
                _ => {}
            }
        }
        t
    }

    /// The setting's type as the program declares it (`BOOLEAN`, `INTEGER`, `REAL`, `ENUM`,
    /// `STRING`).
    pub fn vartype(&self, name: &str) -> Option<&'static str> {
        self.settings.get(name).map(|s| s.vartype)
    }

    /// The default as the program prints it; none for an unknown setting or one whose default
    /// depends on the machine.
    pub fn default_text(&self, name: &str) -> Option<&str> {
        self.settings.get(name).and_then(|s| s.default.as_deref())
    }

    /// The enum value `spelling` means for setting `name` (enum spellings are read in any
    /// case); none when the program does not accept it.
    pub fn enum_value(&self, name: &str, spelling: &str) -> Option<&'static str> {
        self.enums
            .get(&(name, spelling.to_lowercase().as_str()))
            .copied()
    }

    /// The words an enum setting takes, as the program prints them, sorted.
    pub fn enum_words(&self, name: &str) -> Vec<&'static str> {
        let mut words: Vec<&'static str> = self
            .enums
            .iter()
            .filter(|((n, _), _)| *n == name)
            .map(|(_, v)| *v)
            .collect();
        words.sort_unstable();
        words.dedup();
        words
    }

    /// Whether the program reads this string setting in any case (`DateStyle`).
    pub fn folds_case(&self, name: &str) -> bool {
        self.folds.contains(name)
    }

    /// The value `spelling` means, matched as written (a keyword that reads any case is
    /// looked up in lower case by the caller).
    pub fn enum_exact(&self, name: &str, spelling: &str) -> Option<&'static str> {
        self.enums.get(&(name, spelling)).copied()
    }

    /// Whether the program takes this setting but runs without it.
    pub fn ignores(&self, name: &str) -> bool {
        self.ignored.contains(name)
    }

    /// Whether the program reads this setting as a time.
    pub fn is_time(&self, name: &str) -> bool {
        self.times.contains(name)
    }

    /// Whether a second `[pgbouncer]` header leaves this setting as it was.
    pub fn keeps(&self, name: &str) -> bool {
        self.kept.contains(name)
    }

    /// The setting an old name sets (`sort_mem` → `work_mem`).
    pub fn alias(&self, name: &str) -> Option<&'static str> {
        self.aliases.get(name).copied()
    }

    /// Whether the program takes this keyword (a table that lists its keywords).
    pub fn takes(&self, name: &str) -> bool {
        self.keywords.contains(name)
    }

    /// Whether every line of this keyword adds a value.
    pub fn is_list(&self, name: &str) -> bool {
        self.lists.contains(name)
    }

    /// How the program checks this keyword's value (`enum`, `time`, `number`), if it does.
    pub fn strict(&self, name: &str) -> Option<&'static str> {
        self.strict.get(name).copied()
    }

    /// Whether `word` is one of the enum words of `name` or what the program prints for one,
    /// in the same case.
    pub fn takes_word_exact(&self, name: &str, word: &str) -> bool {
        self.enum_exact(name, word).is_some()
            || self
                .enums
                .iter()
                .any(|((n, _), v)| *n == name && *v == word)
    }

    /// The enum words of `name` as written (in lower case), in order.
    pub fn enum_spellings(&self, name: &str) -> Vec<String> {
        let mut words: Vec<String> = self
            .enums
            .keys()
            .filter(|(n, _)| *n == name)
            .map(|(_, w)| w.to_lowercase())
            .collect();
        words.sort_unstable();
        words.dedup();
        words
    }

    /// Whether the program takes this keyword inside a `Match` block.
    pub fn takes_in_match(&self, name: &str) -> bool {
        self.in_match.contains(name)
    }

    /// Whether `word` is one of the enum words of `name`, as written (in any case) or as the
    /// program prints it.
    pub fn takes_word(&self, name: &str, word: &str) -> bool {
        self.enum_value(name, word).is_some()
            || self
                .enums
                .iter()
                .any(|((n, _), v)| *n == name && v.eq_ignore_ascii_case(word))
    }

    /// The settings the table has a default for, in name order.
    pub fn printed(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.settings.keys().copied().collect();
        names.sort_unstable();
        names
    }

    /// The rows of `kind` only one program's table has, without their kind (MariaDB's
    /// `group`, `arg`, `block`), in the table's order.
    pub fn rows(&self, kind: &str) -> impl Iterator<Item = &[&'static str]> {
        let kind = kind.to_string();
        self.other
            .iter()
            .filter(move |r| r[0] == kind)
            .map(|r| &r[1..])
    }

    /// The unit a number written without one is in (`kB`, `8kB`, `ms`: PostgreSQL's `unit`
    /// rows), if the setting has one.
    pub fn unit(&self, name: &str) -> Option<&'static str> {
        self.rows("unit").find(|r| r[0] == name).map(|r| r[1])
    }

    /// Every setting's name.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.settings.keys().copied()
    }

    /// A number's bounds, in its base unit.
    pub fn bounds(&self, name: &str) -> Option<(f64, f64)> {
        self.settings.get(name).and_then(|s| s.bounds)
    }

    /// The values an enum or set setting takes, as the program spells them.
    pub fn enum_values(&self, name: &str) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self
            .enums
            .iter()
            .filter(|((n, _), _)| *n == name)
            .map(|(_, v)| *v)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// How many settings the table knows.
    pub fn len(&self) -> usize {
        self.settings.len()
    }

    /// Whether the table is empty (never, for a shipped table).
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty()
    }
}

/// The tables shipped for one program: its versions (as the lookup names them) and, in the
/// same order, each version's table, parsed when first asked for.
macro_rules! shipped {
    ($versions:ident, $tables:ident, $program:literal, [$($version:literal),+ $(,)?]) => {
        #[doc = concat!("The ", $program, " versions confdrift ships a table for.")]
        pub const $versions: &[&str] = &[$($version),+];
        static $tables: [LazyLock<Table>; $versions.len()] = [$(LazyLock::new(|| {
            Table::parse(
                $program,
                $version,
                include_str!(concat!("defaults/", $program, "-", $version, ".tsv")),
            )
        })),+];
    };
}

/// The table of `version` among a program's shipped ones: that version exactly, never a
/// neighbour (defaults change between versions; an unknown one gets no table).
fn shipped(
    versions: &[&str],
    tables: &'static [LazyLock<Table>],
    version: &str,
) -> Option<&'static Table> {
    let i = versions.iter().position(|v| *v == version)?;
    Some(&*tables[i])
}

/// `major.minor` of a version (`9.2p1`, `7.0.15`, `10.11.6`); `None` without a minor part.
fn major_minor(version: &str) -> Option<String> {
    let mut parts = version.split(['.', 'p']);
    let (major, minor) = (parts.next()?, parts.next()?);
    Some(format!("{major}.{minor}"))
}

shipped!(OPENSSH_VERSIONS, OPENSSH, "openssh", ["8.4", "9.2", "10.0"]);

/// The sshd_config table of OpenSSH `version` (`"9.2"`, or `"9.2p1"`: major.minor).
pub fn openssh(version: &str) -> Option<&'static Table> {
    shipped(OPENSSH_VERSIONS, &OPENSSH, &major_minor(version)?)
}

/// The table whose spellings sshd_config values are read with when no version is known
/// (Debian bookworm's OpenSSH 9.2).
pub fn openssh_spellings() -> &'static Table {
    openssh("9.2").expect("shipped")
}

shipped!(SSH_VERSIONS, SSH, "ssh", ["8.4", "9.2", "10.0"]);

/// The ssh_config table of OpenSSH `version`'s client (`"9.2"`, or `"9.2p1"`: major.minor).
pub fn ssh(version: &str) -> Option<&'static Table> {
    shipped(SSH_VERSIONS, &SSH, &major_minor(version)?)
}

/// The table whose spellings and old names ssh_config values are read with when no version
/// is known (Debian bookworm's OpenSSH 9.2).
pub fn ssh_spellings() -> &'static Table {
    ssh("9.2").expect("shipped")
}

shipped!(REDIS_VERSIONS, REDIS, "redis", ["6.0", "7.0", "8.0"]);

/// The redis.conf table of Redis `version` (`"7.0"`, or `"7.0.15"`: major.minor).
pub fn redis(version: &str) -> Option<&'static Table> {
    shipped(REDIS_VERSIONS, &REDIS, &major_minor(version)?)
}

/// The table whose spellings and old names redis.conf is read with when no version is known
/// (Debian bookworm's Redis 7.0).
pub fn redis_spellings() -> &'static Table {
    redis("7.0").expect("shipped")
}

shipped!(
    PGBOUNCER_VERSIONS,
    PGBOUNCER,
    "pgbouncer",
    ["1.15", "1.18", "1.24"]
);

/// The pgbouncer.ini table of PgBouncer `version` (`"1.18"`, or `"1.18.0"`: major.minor).
pub fn pgbouncer(version: &str) -> Option<&'static Table> {
    shipped(PGBOUNCER_VERSIONS, &PGBOUNCER, &major_minor(version)?)
}

shipped!(
    MARIADB_VERSIONS,
    MARIADB,
    "mariadb",
    ["10.5", "10.11", "11.8"]
);

/// The server option table of MariaDB `version` (`"10.11"`, or `"10.11.6"`: major.minor).
pub fn mariadb(version: &str) -> Option<&'static Table> {
    shipped(MARIADB_VERSIONS, &MARIADB, &major_minor(version)?)
}

/// The table pgbouncer.ini's values are typed with when no version is known (Debian
/// bookworm's PgBouncer 1.18).
pub fn pgbouncer_spellings() -> &'static Table {
    pgbouncer("1.18").expect("shipped")
}

/// The table whose groups, option names and spellings option files are read with when no
/// version is known (Debian bookworm's MariaDB 10.11).
pub fn mariadb_spellings() -> &'static Table {
    mariadb("10.11").expect("shipped")
}

shipped!(
    POSTGRESQL_VERSIONS,
    POSTGRESQL,
    "postgresql",
    ["13", "14", "15", "16", "17"]
);

/// The PostgreSQL table of major version `version` (`"15"`, or `"15.4"`: the major part).
pub fn postgresql(version: &str) -> Option<&'static Table> {
    shipped(POSTGRESQL_VERSIONS, &POSTGRESQL, version.split('.').next()?)
}

/// The table whose spellings and old names are read when no version is known: enum spellings
/// and old names do not change between versions the way defaults do (Debian bookworm's
/// PostgreSQL 15).
pub fn postgresql_spellings() -> &'static Table {
    postgresql("15").expect("shipped")
}

/// The table a PostgreSQL setting's value is read with, whatever the version: PostgreSQL 15's
/// ([`postgresql_spellings`]), or for a setting it does not have, the newest shipped table
/// that has it (the shipped tables agree on every setting's unit; types and spellings are
/// that table's).
pub fn postgresql_reading(name: &str) -> &'static Table {
    let spellings = postgresql_spellings();
    if spellings.vartype(name).is_some() {
        return spellings;
    }
    POSTGRESQL_VERSIONS
        .iter()
        .rev()
        .filter_map(|v| postgresql(v))
        .find(|t| t.vartype(name).is_some())
        .unwrap_or(spellings)
}

/// The PostgreSQL major version a path names the way the packages lay files out:
/// `/etc/postgresql/16/main/` (Debian), `/var/lib/pgsql/16/data/` (RHEL and PGDG).
pub fn postgresql_version_in_path(path: &str) -> Option<&str> {
    let parts: Vec<&str> = path.split('/').collect();
    parts.windows(2).find_map(|w| {
        let numbered = !w[1].is_empty() && w[1].bytes().all(|b| b.is_ascii_digit() || b == b'.');
        (matches!(w[0], "postgresql" | "pgsql") && numbered).then_some(w[1])
    })
}

/// Why the program refuses `value` (as the format's reader typed it) for setting `key`, in
/// the program's terms; none when it takes it. Settings with a `.` (an extension's
/// `class.name`, which the server takes as a placeholder) and include directives are not
/// judged here.
pub fn refusal(table: &Table, key: &str, value: &Value) -> Option<String> {
    if key.contains(['.', '[']) {
        return None;
    }
    let Some(setting) = table.settings.get(key) else {
        return Some(format!(
            "unrecognized configuration parameter \"{key}\" (PostgreSQL {} refuses to start or reload with it)",
            table.version
        ));
    };
    let invalid = |expected: String| {
        Some(format!(
            "invalid value for parameter \"{key}\": \"{value}\"; expected {expected}"
        ))
    };
    match (setting.vartype, value) {
        ("BOOLEAN", Value::Bool(_)) => None,
        ("BOOLEAN", _) => invalid("on, off, true, false, yes, no, 1 or 0".into()),
        ("ENUM", Value::Str(s)) if table.enum_value(key, s).is_some() => None,
        ("ENUM", _) => {
            let mut values: Vec<&str> = table
                .enums
                .iter()
                .filter(|((name, spelling), v)| *name == key && spelling.eq_ignore_ascii_case(v))
                .map(|(_, v)| *v)
                .collect();
            values.sort_unstable();
            invalid(format!("one of: {}", values.join(", ")))
        }
        ("INTEGER" | "REAL", v) => match (v.as_f64(), setting.bounds) {
            (None, _) => invalid(format!(
                "a number{}",
                if matches!(v, Value::Str(s) if s.chars().any(|c| c.is_ascii_alphabetic())) {
                    " with a unit this setting takes (units are case-sensitive: kB, MB, GB, TB; ms, s, min, h, d)"
                } else {
                    ""
                }
            )),
            (Some(n), Some((min, max))) if n < min || n > max => Some(format!(
                "{value} is outside the valid range for parameter \"{key}\" ({min} .. {max})"
            )),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `value` of setting `key` is the default in `table`, as `read` (the format's own
/// reading of a value) types both.
pub fn is_default(table: &Table, key: &str, value: &Value, read: fn(&str, &str) -> Value) -> bool {
    let Some(text) = table.default_text(key) else {
        return false;
    };
    let default = read(key, text);
    value == &default || value.same(&default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_reads_whole() {
        let t = postgresql("15").unwrap();
        assert!(t.len() > 300, "{}", t.len());
        assert!(t.source.contains("15."), "{}", t.source);
        assert_eq!(t.vartype("shared_buffers"), Some("INTEGER"));
        assert_eq!(t.default_text("max_connections"), Some("100"));
        assert_eq!(t.default_text("data_directory"), None);
        assert_eq!(t.enum_value("wal_level", "HOT_STANDBY"), Some("replica"));
        assert_eq!(t.enum_value("wal_level", "replicas"), None);
        assert_eq!(t.alias("sort_mem"), Some("work_mem"));
        assert!(t.folds_case("datestyle") && !t.folds_case("log_line_prefix"));
        let read = crate::normalize::setting_value;
        assert_eq!(
            refusal(t, "max_connections", &read("max_connections", "0x64")),
            None
        );
        assert!(
            refusal(t, "max_connections", &read("max_connections", "0"))
                .unwrap()
                .contains("outside the valid range")
        );
        assert!(
            refusal(t, "work_mem", &read("work_mem", "1MIN"))
                .unwrap()
                .contains("case-sensitive")
        );
        assert!(
            refusal(t, "wal_level", &read("wal_level", "replicas"))
                .unwrap()
                .contains("logical, minimal, replica")
        );
        assert!(
            refusal(t, "max_conections", &read("max_conections", "1"))
                .unwrap()
                .contains("unrecognized")
        );
        assert_eq!(
            refusal(t, "pg_stat_statements.max", &Value::Str("x".into())),
            None
        );
        assert!(postgresql("12").is_none() && postgresql("9.6").is_none());
        assert_eq!(postgresql("16.4").unwrap().version, "16");
        assert_eq!(openssh("10.0p2").unwrap().version, "10.0");
        assert!(openssh("10").is_none() && openssh("9.3").is_none() && redis("7.2").is_none());
    }

    #[test]
    fn versions_from_the_packages_paths() {
        assert_eq!(
            postgresql_version_in_path("/etc/postgresql/16/main/conf.d/a.conf"),
            Some("16")
        );
        assert_eq!(
            postgresql_version_in_path("/var/lib/pgsql/15/data/postgresql.conf"),
            Some("15")
        );
        assert_eq!(postgresql_version_in_path("/etc/postgresql/main/x"), None);
        assert_eq!(postgresql_version_in_path("/srv/pg/postgresql.conf"), None);
    }
}
