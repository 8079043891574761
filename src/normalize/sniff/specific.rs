//! The evidence content detection asks of a program's own reader before it is preferred to a
//! generic one (haproxy.cfg, pg_hba.conf, pg_ident.conf, systemd units, PHP-FPM pools,
//! Docker Compose): what the reader accepting the file does not prove by itself. See
//! [`super`]'s documentation for when each is tried.

use super::super::pghba::{fields, logical_lines};
use super::super::{Format, line_number};
use crate::tree::Tree;

/// HAProxy 2.6's section keywords (src/cfgparse.c's `cfg_register_section` calls).
pub(super) const HAPROXY_SECTIONS: &[&str] = &[
    "global",
    "defaults",
    "frontend",
    "backend",
    "listen",
    "peers",
    "resolvers",
    "userlist",
    "mailers",
    "cache",
    "program",
    "http-errors",
    "ring",
    "log-forward",
];

/// The sections a haproxy.cfg has at least one of.
const HAPROXY_PROXIES: &[&str] = &["global", "defaults", "frontend", "backend", "listen"];

/// Directives only HAProxy writes so (doc/configuration.txt): a haproxy.cfg has one of them.
const HAPROXY_DIRECTIVES: &[&str] = &[
    "mode",
    "bind",
    "server",
    "default-server",
    "timeout",
    "option",
    "balance",
    "maxconn",
    "default_backend",
    "use_backend",
    "acl",
    "http-request",
    "http-response",
    "tcp-request",
    "stats",
    "errorfile",
    "retries",
    "nbthread",
    "ca-base",
    "crt-base",
];

/// pg_hba.conf's connection types (PostgreSQL 16's `parse_hba_line`).
pub(super) const HBA_TYPES: &[&str] = &[
    "local",
    "host",
    "hostssl",
    "hostnossl",
    "hostgssenc",
    "hostnogssenc",
];

/// PostgreSQL 16's include directives in pg_hba.conf and pg_ident.conf.
pub(super) const PG_INCLUDES: &[&str] = &["include", "include_if_exists", "include_dir"];

/// systemd's unit file sections (systemd 252, `systemd --dump-configuration-items`).
pub(super) const UNIT_SECTIONS: &[&str] = &[
    "Unit",
    "Service",
    "Install",
    "Socket",
    "Timer",
    "Mount",
    "Automount",
    "Swap",
    "Path",
    "Slice",
    "Scope",
];

/// php-fpm 8.2's `[global]` options (`ini_fpm_global_options`, sapi/fpm/fpm/fpm_conf.c).
const FPM_GLOBAL: &[&str] = &[
    "pid",
    "error_log",
    "syslog.facility",
    "syslog.ident",
    "log_buffering",
    "log_level",
    "log_limit",
    "emergency_restart_threshold",
    "emergency_restart_interval",
    "process_control_timeout",
    "process.max",
    "process.priority",
    "daemonize",
    "rlimit_files",
    "rlimit_core",
    "events.mechanism",
    "systemd_interval",
];

/// php-fpm 8.2's pool options (`ini_fpm_pool_options`, sapi/fpm/fpm/fpm_conf.c).
const FPM_POOL: &[&str] = &[
    "prefix",
    "user",
    "group",
    "listen",
    "listen.backlog",
    "listen.owner",
    "listen.group",
    "listen.mode",
    "listen.allowed_clients",
    "listen.acl_users",
    "listen.acl_groups",
    "listen.setfib",
    "process.priority",
    "process.dumpable",
    "pm",
    "pm.max_children",
    "pm.start_servers",
    "pm.min_spare_servers",
    "pm.max_spare_servers",
    "pm.max_spawn_rate",
    "pm.process_idle_timeout",
    "pm.max_requests",
    "pm.status_path",
    "pm.status_listen",
    "ping.path",
    "ping.response",
    "access.log",
    "access.format",
    "slowlog",
    "request_slowlog_timeout",
    "request_slowlog_trace_depth",
    "request_terminate_timeout",
    "request_terminate_timeout_track_finished",
    "rlimit_files",
    "rlimit_core",
    "chroot",
    "chdir",
    "catch_workers_output",
    "decorate_workers_output",
    "clear_env",
    "security.limit_extensions",
    "apparmor_hat",
];

/// php-fpm's array options (names matched exactly).
const FPM_ARRAYS: &[&str] = &[
    "php_value",
    "php_admin_value",
    "php_flag",
    "php_admin_flag",
    "env",
];

/// The top-level keys of the Compose specification (`x-` extensions aside).
const COMPOSE_TOP: &[&str] = &[
    "version", "name", "services", "networks", "volumes", "configs", "secrets", "include",
];

/// The first word of a line.
pub(super) fn first_word(t: &str) -> &str {
    t.split([' ', '\t']).next().unwrap_or("")
}

/// What the quick classifier takes as a hint of a program's format, from one significant
/// line (`raw` as written, `t` trimmed): cheap prefix tests only.
#[derive(Default)]
pub(super) struct Hints {
    /// The first significant line opens a HAProxy section at its start.
    pub haproxy: bool,
    /// The first significant line starts with a pg_hba connection type or an include.
    pub hba: bool,
    /// The first significant line has three words, no `=` and no `:`: maybe a pg_ident map
    /// line.
    pub ident: bool,
    /// The first `[section]` is one of systemd's.
    pub unit: bool,
    /// A `pm...` or `listen...` key, or a `[global]` section: maybe PHP-FPM.
    pub fpm: bool,
    /// `services:` at a line's start: maybe Compose.
    pub services: bool,
    /// An `apiVersion:` line: maybe Kubernetes manifests.
    pub api_version: bool,
}

impl Hints {
    /// From the first significant line. HAProxy's sections and pg_hba's connection types are
    /// lowercase words without `=` or `:`: other lines skip those tests.
    pub(super) fn first(&mut self, raw: &str, t: &str) {
        // Not `key = value` nor `key: value`: those are other formats' lines.
        if t.contains(['=', ':']) || !t.starts_with(|c: char| c.is_ascii_lowercase()) {
            self.ident = !t.contains(['=', ':']) && t.split_whitespace().take(4).count() == 3;
            return;
        }
        let word = first_word(t);
        self.haproxy = !raw.starts_with([' ', '\t']) && HAPROXY_SECTIONS.contains(&word);
        self.hba = HBA_TYPES.contains(&word) || PG_INCLUDES.contains(&word);
        self.ident = t.split_whitespace().take(4).count() == 3;
    }

    /// From any significant line; `first_header` when it is the file's first `[section]`.
    /// Runs on every line of the quick part: one byte decides which prefix is tested.
    pub(super) fn line(&mut self, raw: &str, t: &str, first_header: bool) {
        match t.as_bytes().first() {
            Some(b'[') if first_header => {
                let name = &t[1..t.len() - 1];
                self.unit = UNIT_SECTIONS.contains(&name);
                self.fpm |= name == "global";
            }
            Some(b'p' | b'l') if !self.fpm => {
                let rest = t
                    .strip_prefix("pm")
                    .or_else(|| t.strip_prefix("listen"))
                    .unwrap_or("-");
                self.fpm = rest.starts_with([' ', '\t', '=', '.']);
            }
            Some(b's') => self.services |= raw.starts_with("services:"),
            Some(b'a') => self.api_version |= t.starts_with("apiVersion:"),
            _ => {}
        }
    }
}

/// Whether the line-shaped file `text`, which `name`'s reader read without error, is that
/// program's file; `None` when this module has nothing to add.
pub(super) fn explains(name: &str, text: &str, tree: &Tree) -> Option<Result<(), String>> {
    Some(match name {
        "haproxy" => haproxy(text),
        "pghba" if tree.is_empty() => Err("no rule".to_string()),
        "pghba" => Ok(()),
        "pgident" => pgident(text),
        "systemd" => systemd(text),
        "phpfpm" => phpfpm(text),
        "compose" => compose(tree),
        _ => return None,
    })
}

/// Why each specific format was chosen, for people.
pub(super) fn how(format: Format) -> Option<&'static str> {
    Some(match format.name() {
        "haproxy" => {
            "global/defaults/frontend/backend/listen sections of directives (HAProxy's haproxy.cfg)"
        }
        "pghba" => {
            "rules of a connection type (local, host, hostssl, ...), database, user, [address,] method (PostgreSQL's pg_hba.conf)"
        }
        "pgident" => {
            "lines of three names, MAPNAME SYSTEM-USERNAME PG-USERNAME (PostgreSQL's pg_ident.conf; weak evidence: tried last)"
        }
        "systemd" => {
            "[Unit]/[Service]/... sections whose every key is systemd 252's (a systemd unit)"
        }
        "phpfpm" => {
            "[global] and pool sections whose every key is a php-fpm 8.2 option, a pool with pm or listen (PHP-FPM's php-fpm.conf or a pool file)"
        }
        "compose" => {
            "YAML whose top level is a services: mapping and Compose's own keys (a Docker Compose file)"
        }
        "k8s" => "YAML documents that are all Kubernetes objects, each with apiVersion and kind",
        _ => return None,
    })
}

/// A directive keyword: lowercase letters, digits, `-`, `_` and `.`.
fn keyword(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_lowercase())
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// haproxy.cfg: the first significant line opens a section; section keywords at a line's
/// start open sections, one of them a proxy or `global`; every other line is a directive,
/// one of them HAProxy's own ([`HAPROXY_DIRECTIVES`]).
fn haproxy(text: &str) -> Result<(), String> {
    let mut sections = 0;
    let (mut proxy, mut own) = (false, false);
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let n = line_number(i);
        let word = first_word(t);
        if !raw.starts_with([' ', '\t']) && HAPROXY_SECTIONS.contains(&word) {
            sections += 1;
            proxy |= HAPROXY_PROXIES.contains(&word);
            continue;
        }
        if sections == 0 {
            return Err(format!("line {n} comes before any section"));
        }
        if !keyword(word) {
            return Err(format!("line {n} does not start with a directive keyword"));
        }
        own |= HAPROXY_DIRECTIVES.contains(&word);
    }
    if !proxy {
        Err("no global, defaults, frontend, backend or listen section".to_string())
    } else if !own {
        Err("no directive of HAProxy's own (mode, bind, server, timeout, option, ...)".to_string())
    } else {
        Ok(())
    }
}

/// A name as maps and roles are usually written: a letter or `_`, then letters, digits,
/// `_`, `-`, `.`, `@`, `$`, `\`, not ending a sentence.
fn name_like(word: &str) -> bool {
    word.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && !word.ends_with(['.', '-'])
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | '$' | '\\'))
}

/// pg_ident.conf: every line three names (a system user may be a `/regex`, a PostgreSQL user
/// `\1`), or an include; none starts with a pg_hba connection type; and a map of several
/// lines or a regular expression (one line per map is `.properties` too, which is tried
/// first).
fn pgident(text: &str) -> Result<(), String> {
    let mut maps = std::collections::HashSet::new();
    let (mut repeated, mut regex) = (false, false);
    for l in logical_lines(text) {
        let f = fields(&l.text);
        let Some(first) = f.first() else {
            continue;
        };
        let n = l.line();
        let word = first[0].text.as_str();
        if PG_INCLUDES.contains(&word) {
            continue;
        }
        if HBA_TYPES.contains(&word) {
            return Err(format!(
                "line {n} starts with a pg_hba.conf connection type"
            ));
        }
        if f.len() != 3 {
            return Err(format!(
                "line {n} has {} fields, not MAPNAME SYSTEM-USERNAME PG-USERNAME",
                f.len()
            ));
        }
        let (map, system, user) = (&f[0][0].text, &f[1][0].text, &f[2][0].text);
        let pattern = system.starts_with('/') && system.len() > 1;
        let user_ok = name_like(user) || (pattern && user.contains("\\1"));
        if !(name_like(map) && (pattern || name_like(system)) && user_ok) {
            return Err(format!("line {n} is not three names"));
        }
        regex |= pattern;
        repeated |= !maps.insert(map.clone());
    }
    if maps.is_empty() {
        Err("no map line".to_string())
    } else if !(repeated || regex) {
        Err("no map of several lines and no regular expression".to_string())
    } else {
        Ok(())
    }
}

/// A systemd unit: a section of systemd's own, not only `X-` ones (the reader refuses keys
/// and sections systemd does not know).
fn systemd(text: &str) -> Result<(), String> {
    let own = text.lines().any(|raw| {
        let t = raw.trim();
        t.starts_with('[') && !t.starts_with("[X-")
    });
    if own {
        Ok(())
    } else {
        Err("no section of systemd's own".to_string())
    }
}

/// A PHP-FPM file: every key a php-fpm option of its section (`[global]`'s or a pool's), and
/// a pool with `pm` or `listen`, or `[global]` with an `include`.
fn phpfpm(text: &str) -> Result<(), String> {
    let mut section: Option<String> = None;
    let (mut pool, mut global, mut include) = (false, false, false);
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with(';') {
            continue;
        }
        let n = line_number(i);
        if let Some(inner) = t.strip_prefix('[') {
            let name = inner.split(']').next().unwrap_or("");
            let name: String = name.chars().filter(|&c| c != '"' && c != '\'').collect();
            global |= name.eq_ignore_ascii_case("global");
            section = Some(name.to_ascii_lowercase());
            continue;
        }
        let key = t.split('=').next().unwrap_or("").trim();
        let (known, pooled) = match key.split_once('[') {
            Some((array, _)) => (FPM_ARRAYS.contains(&array.trim_end()), false),
            None => {
                let key = key.to_ascii_lowercase();
                match section.as_deref() {
                    _ if key == "include" => {
                        include = true;
                        (true, false)
                    }
                    None => (false, false),
                    Some("global") => (FPM_GLOBAL.contains(&key.as_str()), false),
                    Some(_) => (
                        FPM_POOL.contains(&key.as_str()),
                        key == "pm" || key.starts_with("pm.") || key.starts_with("listen"),
                    ),
                }
            }
        };
        if !known {
            return Err(format!("line {n} is not a php-fpm option of its section"));
        }
        pool |= pooled;
    }
    if pool || (global && include) {
        Ok(())
    } else {
        Err("no pool with pm or listen, and no [global] with include".to_string())
    }
}

/// A Compose file: a `services` mapping, and no top-level key but Compose's (or `x-`).
fn compose(tree: &Tree) -> Result<(), String> {
    let mut services = false;
    for (key, _) in tree.iter() {
        let top = key.split(['.', '[']).next().unwrap_or("");
        if top.starts_with("x-") {
            continue;
        }
        if !COMPOSE_TOP.contains(&top) {
            return Err("a top-level key is not Compose's".to_string());
        }
        services |= key.starts_with("services.");
    }
    if services {
        Ok(())
    } else {
        Err("no services: mapping".to_string())
    }
}
