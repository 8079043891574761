//! The database hosts' files, built from the real upstream files under `fixtures/upstream/`:
//! `postgresql.conf` (PostgreSQL 15's 800-line sample with 44 settings uncommented, as Debian
//! ships it) and `pgbouncer.ini` (pgbouncer's own file with its settings filled in). A rewrite
//! drops the comments, reorders, changes key case, separators, quoting and units
//! (`128MB` -> `131072kB`, `30s` -> `30000ms`) and adds a stale earlier assignment that a later
//! one overrides: all of it means the same to PostgreSQL and pgbouncer.

use super::rng::Rng;

const PG_SAMPLE: &str =
    include_str!("../../../fixtures/upstream/postgresql-15/postgresql.conf.sample");
const PGBOUNCER: &str = include_str!("../../../fixtures/upstream/pgbouncer/pgbouncer.ini");

/// `(name, value as written)` in file order.
pub type Settings = Vec<(String, String)>;

pub fn postgresql_settings(max_connections: i64) -> Settings {
    [
        ("data_directory", "'/var/lib/postgresql/15/main'"),
        ("hba_file", "'/etc/postgresql/15/main/pg_hba.conf'"),
        ("ident_file", "'/etc/postgresql/15/main/pg_ident.conf'"),
        ("external_pid_file", "'/var/run/postgresql/15-main.pid'"),
        ("listen_addresses", "'*'"),
        ("port", "5432"),
        ("max_connections", "MAXCONN"),
        ("superuser_reserved_connections", "3"),
        ("unix_socket_directories", "'/var/run/postgresql'"),
        ("tcp_keepalives_idle", "60"),
        ("ssl", "on"),
        ("ssl_cert_file", "'/etc/ssl/certs/ssl-cert-snakeoil.pem'"),
        ("ssl_key_file", "'/etc/ssl/private/ssl-cert-snakeoil.key'"),
        ("shared_buffers", "2GB"),
        ("work_mem", "16MB"),
        ("maintenance_work_mem", "256MB"),
        ("dynamic_shared_memory_type", "posix"),
        ("effective_io_concurrency", "200"),
        ("max_worker_processes", "8"),
        ("wal_level", "replica"),
        ("wal_buffers", "16MB"),
        ("checkpoint_timeout", "15min"),
        ("max_wal_size", "4GB"),
        ("min_wal_size", "1GB"),
        ("random_page_cost", "1.1"),
        ("effective_cache_size", "6GB"),
        ("log_rotation_age", "1d"),
        ("log_rotation_size", "100MB"),
        ("log_min_duration_statement", "500ms"),
        ("log_checkpoints", "on"),
        ("log_line_prefix", "'%m [%p] %q%u@%d '"),
        ("log_timezone", "'Etc/UTC'"),
        ("cluster_name", "'15/main'"),
        ("autovacuum_naptime", "30s"),
        ("statement_timeout", "30s"),
        ("idle_in_transaction_session_timeout", "10min"),
        ("datestyle", "'iso, mdy'"),
        ("timezone", "'Etc/UTC'"),
        ("lc_messages", "'en_US.UTF-8'"),
        ("lc_monetary", "'en_US.UTF-8'"),
        ("lc_numeric", "'en_US.UTF-8'"),
        ("lc_time", "'en_US.UTF-8'"),
        ("default_text_search_config", "'pg_catalog.english'"),
        ("include_dir", "'conf.d'"),
    ]
    .iter()
    .map(|(k, v)| {
        let v = if *v == "MAXCONN" {
            max_connections.to_string()
        } else {
            v.to_string()
        };
        (k.to_string(), v)
    })
    .collect()
}

pub const PG_DRIFT: &[&str] = &[
    "max_connections",
    "work_mem",
    "shared_buffers",
    "statement_timeout",
];

/// A drifted value: a different setting, as an operator's hand edit would make it.
pub fn drifted(value: &str) -> String {
    match value.parse::<i64>() {
        Ok(n) => (n / 2).max(1).to_string(),
        Err(_) => {
            let (num, unit): (String, String) = value.chars().partition(|c| c.is_ascii_digit());
            format!("{}{unit}", num.parse::<i64>().unwrap_or(1) * 4)
        }
    }
}

/// The value token of a `name = value ...` text: a quoted string or one word.
fn split_value(rest: &str) -> (&str, &str) {
    if let Some(q) = rest.strip_prefix('\'') {
        let end = q.find('\'').map_or(rest.len(), |i| i + 2);
        rest.split_at(end)
    } else {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest.split_at(end)
    }
}

/// The baseline postgresql.conf: the sample with each setting's commented line uncommented.
pub fn postgresql_conf(settings: &Settings) -> String {
    let mut out = String::with_capacity(PG_SAMPLE.len() + 512);
    let mut done = vec![false; settings.len()];
    for line in PG_SAMPLE.lines() {
        let hit = line.strip_prefix('#').and_then(|l| {
            let (name, rest) = l.split_once(" = ")?;
            let i = settings.iter().position(|(k, _)| k == name)?;
            (!done[i]).then_some((i, rest))
        });
        match hit {
            Some((i, rest)) => {
                done[i] = true;
                let (_, tail) = split_value(rest);
                let (k, v) = &settings[i];
                out.push_str(&format!("{k} = {v}{tail}\n"));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for (i, (k, v)) in settings.iter().enumerate() {
        if !done[i] {
            out.push_str(&format!("{k} = {v}\n"));
        }
    }
    out
}

/// The same value in another unit of the same amount, as the server reads it.
fn respell_unit(v: &str, rng: &mut Rng) -> String {
    let digits: String = v.chars().take_while(|c| c.is_ascii_digit()).collect();
    let unit = &v[digits.len()..];
    let Ok(n) = digits.parse::<i64>() else {
        return v.to_string();
    };
    let smaller = match unit {
        "GB" => Some((1024, "MB")),
        "MB" => Some((1024, "kB")),
        "min" => Some((60, "s")),
        "s" => Some((1000, "ms")),
        "h" => Some((60, "min")),
        "d" => Some((24, "h")),
        _ => None,
    };
    match smaller {
        Some((f, u)) if rng.chance(70) => format!("{}{u}", n * f),
        _ => v.to_string(),
    }
}

const BOOL_SPELLINGS: &[&str] = &["on", "true", "yes", "On", "TRUE", "1"];

/// postgresql.conf as a config-management template would render the same settings.
pub fn postgresql_conf_rewrite(settings: &Settings, rng: &mut Rng) -> String {
    let mut lines = Vec::new();
    // A stale assignment first: the later one wins, so it means nothing.
    let (stale_k, _) = rng.pick(settings);
    if !stale_k.starts_with("include") {
        lines.push(format!("{stale_k} = 1"));
    }
    let mut order: Vec<&(String, String)> = settings.iter().collect();
    rng.shuffle(&mut order);
    for (k, v) in order {
        let key = match rng.below(4) {
            0 => k.to_ascii_uppercase(),
            1 => {
                let mut c = k.chars();
                c.next().map_or_else(String::new, |f| {
                    f.to_ascii_uppercase().to_string() + c.as_str()
                })
            }
            _ => k.clone(),
        };
        let mut value = if v == "on" {
            rng.pick(BOOL_SPELLINGS).to_string()
        } else {
            respell_unit(v, rng)
        };
        let bare = value.trim_matches('\'');
        // What PostgreSQL's lexer reads unquoted as one word: a letter or `_` first, then
        // letters, digits and `_ - . : /` (a path or a `+` needs its quotes).
        let plain = bare.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && bare
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-./:".contains(c));
        if value.starts_with('\'') && plain && rng.chance(50) {
            value = bare.to_string();
        } else if !value.starts_with('\'') && rng.chance(30) {
            value = format!("'{value}'");
        }
        let sep = *rng.pick(&[" = ", "=", " ", "\t= "]);
        let comment = if rng.chance(15) { "\t# tuned" } else { "" };
        lines.push(format!("{key}{sep}{value}{comment}"));
    }
    let mut out = String::from("# Rendered by config management; do not edit.\n");
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// `(section, key, value)`; `[databases]` entries first.
pub type IniSettings = Vec<(String, String, String)>;

pub fn pgbouncer_settings(db_host: &str, pool: i64) -> IniSettings {
    let mut s: IniSettings = vec![(
        "databases".into(),
        "myapp".into(),
        format!("host={db_host} port=5432 dbname=myapp"),
    )];
    for (k, v) in [
        ("logfile", "/var/log/postgresql/pgbouncer.log".to_string()),
        ("pidfile", "/var/run/postgresql/pgbouncer.pid".to_string()),
        ("listen_addr", "*".to_string()),
        ("listen_port", "6432".to_string()),
        ("unix_socket_dir", "/var/run/postgresql".to_string()),
        ("auth_type", "scram-sha-256".to_string()),
        ("auth_file", "/etc/pgbouncer/userlist.txt".to_string()),
        ("admin_users", "postgres".to_string()),
        ("stats_users", "stats, postgres".to_string()),
        ("pool_mode", "transaction".to_string()),
        ("server_reset_query", "DISCARD ALL".to_string()),
        (
            "ignore_startup_parameters",
            "extra_float_digits".to_string(),
        ),
        ("max_client_conn", "2000".to_string()),
        ("default_pool_size", pool.to_string()),
        ("min_pool_size", "5".to_string()),
        ("reserve_pool_size", "5".to_string()),
        ("reserve_pool_timeout", "3".to_string()),
        ("max_db_connections", "150".to_string()),
        ("log_connections", "0".to_string()),
        ("log_disconnections", "0".to_string()),
        ("server_lifetime", "3600".to_string()),
        ("server_idle_timeout", "600".to_string()),
        ("query_wait_timeout", "60".to_string()),
        ("client_idle_timeout", "0".to_string()),
        ("tcp_keepalive", "1".to_string()),
    ] {
        s.push(("pgbouncer".into(), k.into(), v));
    }
    s
}

pub const PGBOUNCER_DRIFT: &[&str] = &[
    "pgbouncer.default_pool_size",
    "pgbouncer.max_client_conn",
    "pgbouncer.max_db_connections",
];

/// The baseline pgbouncer.ini: upstream's file, each setting set where upstream has it (the
/// active line, else its first commented-out line), `[databases]` entries after the header.
pub fn pgbouncer_ini(settings: &IniSettings) -> String {
    let mut out = String::with_capacity(PGBOUNCER.len() + 512);
    let mut done = vec![false; settings.len()];
    let active: Vec<&str> = PGBOUNCER
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k))
        .filter(|k| !k.starts_with(';'))
        .collect();
    let mut section = String::new();
    for line in PGBOUNCER.lines() {
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
            out.push_str(line);
            out.push('\n');
            for (i, (sec, k, v)) in settings.iter().enumerate() {
                if *sec == section && section == "databases" {
                    done[i] = true;
                    out.push_str(&format!("{k} = {v}\n"));
                }
            }
            continue;
        }
        let name = match line.strip_prefix(';') {
            Some(l) => l
                .split_once(" = ")
                .map(|(k, _)| k)
                .filter(|k| !active.contains(k)),
            None => line.split_once(" = ").map(|(k, _)| k),
        };
        let hit = name.and_then(|name| {
            settings
                .iter()
                .position(|(s, k, _)| *s == section && k == name)
                .filter(|i| !done[*i])
        });
        match hit {
            Some(i) => {
                done[i] = true;
                out.push_str(&format!("{} = {}\n", settings[i].1, settings[i].2));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for (i, (s, k, v)) in settings.iter().enumerate() {
        assert!(done[i], "pgbouncer.ini has no place for [{s}] {k} = {v}");
    }
    out
}

/// pgbouncer.ini without comments, sections and keys in another order, other spacing.
pub fn pgbouncer_ini_rewrite(settings: &IniSettings, rng: &mut Rng) -> String {
    let mut sections = vec!["pgbouncer", "databases", "users"];
    if rng.chance(50) {
        sections.reverse();
    }
    let mut out = String::from("; generated by config management\n");
    for sec in sections {
        out.push_str(&format!("\n[{sec}]\n"));
        let mut entries: Vec<&(String, String, String)> =
            settings.iter().filter(|(s, _, _)| s == sec).collect();
        rng.shuffle(&mut entries);
        for (_, k, v) in entries {
            let sep = *rng.pick(&[" = ", "=", "  =  ", "\t= "]);
            out.push_str(&format!("{k}{sep}{v}\n"));
        }
    }
    out
}
