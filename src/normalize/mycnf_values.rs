//! One line of a MariaDB option file as the server reads it, from the server's own table
//! (`defaults/mariadb-<version>.tsv`, generated from `mariadbd --help` and the server's
//! `INFORMATION_SCHEMA.SYSTEM_VARIABLES` by `scripts/defaults/mariadb.sh`), following
//! `handle_options`, `findopt`, `setval` and `getopt_ll`/`getopt_ull` of MariaDB's
//! `mysys/my_getopt.c`:
//!
//! - the groups the server reads are the ones `mariadbd --help` lists (`[mysqld]`, `[server]`,
//!   `[mysqld-10.11]`, `[mariadb]`, ...), matched in any case;
//! - a name is an option's when it is the option's name (`-` and `_` alike, in any case, as
//!   mariadbd 10.11 matches them), or a prefix of exactly one option's name (`key_buffer` is
//!   `key_buffer_size`; a prefix of two is refused); two names of one variable (the table's
//!   `alias` rows: `log_slow_query` and `slow_query_log`) are one option; only a name that
//!   is no option is read with the prefixes `skip-`,
//!   `disable-`, `enable-`, `loose-` (and `maximum-`, `autoset-`, left as written here);
//! - `skip-x` and `disable-x` give `x` the value 0 (`skip-x=0` gives 1), `enable-x` gives 1;
//!   a bare option is 1 (a text option's empty string); an unknown `loose-` option and a value
//!   a `loose-` option refuses are ignored, anything else unknown or refused stops the server;
//! - booleans read `1`/`0`, `ON`/`OFF`, `TRUE`/`FALSE` in any case, anything else as OFF;
//!   numbers take one suffix K M G T P E (any case; powers of 1024), then are held to the
//!   option's bounds and rounded down to its block size; enum and set values are read in any
//!   case, as a unique prefix too; other text stays as written.

use super::defaults::Table;
use crate::tree::Value;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// What the server does with one line of a group it reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// The option it sets and the value it then runs with, in one spelling per value.
    Sets(&'static str, String),
    /// Nothing: an unknown `loose-` option, a value a `loose-` option refuses.
    Ignored,
    /// Read, but not judged here (`maximum-`, `autoset-`).
    Other,
    /// It refuses to start, for this reason.
    Refused(String),
}

/// The parts of a table only MariaDB's has.
struct Server {
    groups: Vec<&'static str>,
    /// Every option's name in lower case, and as the table spells it.
    names: Vec<(String, &'static str)>,
    args: HashMap<&'static str, &'static str>,
    blocks: HashMap<&'static str, u128>,
}

static SERVERS: LazyLock<Mutex<HashMap<&'static str, &'static Server>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn server(t: &'static Table) -> &'static Server {
    let mut cache = SERVERS.lock().unwrap_or_else(|e| e.into_inner());
    cache.entry(t.version).or_insert_with(|| {
        Box::leak(Box::new(Server {
            groups: t.rows("group").filter_map(|r| r.first().copied()).collect(),
            names: {
                let mut v: Vec<(String, &'static str)> =
                    t.names().map(|n| (n.to_lowercase(), n)).collect();
                v.sort_unstable();
                v
            },
            args: t
                .rows("arg")
                .filter_map(|r| Some((*r.first()?, *r.get(1)?)))
                .collect(),
            blocks: t
                .rows("block")
                .filter_map(|r| Some((*r.first()?, r.get(1)?.parse().ok()?)))
                .collect(),
        }))
    })
}

/// Whether the server reads group `name` (as the reader wrote it: lower case).
pub fn is_server_group(t: &'static Table, name: &str) -> bool {
    server(t)
        .groups
        .iter()
        .any(|g| g.eq_ignore_ascii_case(name))
}

/// `findopt`: the option `name` is, exactly or as a unique prefix; `Err` with the two first
/// candidates when it is a prefix of several.
fn find(t: &'static Table, name: &str) -> Result<Option<&'static str>, String> {
    let name = name.to_lowercase();
    let names = &server(t).names;
    // Sorted: the names `name` starts begin where `name` would be.
    let from = names.partition_point(|(n, _)| n.as_str() < name.as_str());
    let found: Vec<&'static str> = names[from..]
        .iter()
        .take_while(|(n, _)| n.starts_with(&name))
        .map(|(_, n)| *n)
        .collect();
    if let Some((_, exact)) = names.get(from).filter(|(n, _)| *n == name) {
        return Ok(Some(t.alias(exact).unwrap_or(exact)));
    }
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(t.alias(one).unwrap_or(one))),
        [a, b, ..] => Err(format!("ambiguous option '--{name}' ({a}, {b})")),
    }
}

/// The option a written name (`-` already `_`) sets, without its value: for naming findings.
pub fn option_name(t: &'static Table, written: &str) -> Option<&'static str> {
    match read(t, written, &Value::Bool(true)) {
        Reading::Sets(name, _) => Some(name),
        _ => resolve(t, written).ok().flatten().map(|(name, ..)| name),
    }
}

const PREFIXES: &[&str] = &["skip", "disable", "enable", "maximum", "loose", "autoset"];

/// An option found: its name, the special prefix read on the way (an index of [`PREFIXES`])
/// and whether `loose-` was among them.
type Found = (&'static str, Option<usize>, bool);

/// The option a written name sets; `Err` with the reason when it is ambiguous, or with the
/// name left when none is found (empty after `loose-`).
fn resolve(t: &'static Table, written: &str) -> Result<Option<Found>, String> {
    if let Some(found) = find(t, written)? {
        return Ok(Some((found, None, false)));
    }
    let mut rest = written;
    let mut loose = false;
    let mut i = 0;
    while i < PREFIXES.len() {
        let p = PREFIXES[i];
        let head = rest.get(..p.len()).filter(|h| h.eq_ignore_ascii_case(p));
        if let Some(after) = head.and_then(|_| rest[p.len()..].strip_prefix('_')) {
            rest = after;
            loose |= p == "loose";
            if let Some(found) = find(t, rest).map_err(|e| format!("{e} after '{p}-'"))? {
                return Ok(Some((found, Some(i), loose)));
            }
            i = 0;
            continue;
        }
        i += 1;
    }
    Err(if loose {
        String::new()
    } else {
        rest.to_string()
    })
}

/// What the server does with `written = value` (`Value::Bool(true)` for a bare option) in a
/// group it reads.
pub fn read(t: &'static Table, written: &str, value: &Value) -> Reading {
    let given: Option<String> = match value {
        Value::Bool(true) => None,
        v => Some(v.to_string()),
    };
    let (option, prefix, loose) = match resolve(t, written) {
        Ok(Some(found)) => found,
        Ok(None) => return Reading::Ignored,
        Err(e) if e.is_empty() => return Reading::Ignored,
        Err(e) if e.starts_with("ambiguous") => return Reading::Refused(e),
        Err(_) => {
            return Reading::Refused(if given.is_some() {
                format!("unknown variable '{}'", written.replace('_', "-"))
            } else {
                format!("unknown option '--{}'", written.replace('_', "-"))
            });
        }
    };
    let zero = given.as_deref() == Some("0");
    let arg: Option<String> = match prefix.map(|i| PREFIXES[i]) {
        Some("skip" | "disable") => Some(if zero { "1" } else { "0" }.into()),
        Some("enable") => Some(if zero { "0" } else { "1" }.into()),
        Some("maximum" | "autoset") => return Reading::Other,
        _ => given,
    };
    let vartype = t.vartype(option).unwrap_or("STRING");
    let srv = server(t);
    match (srv.args.get(option).copied(), &arg) {
        (Some("none"), Some(_)) if vartype != "BOOLEAN" => {
            return Reading::Refused(format!(
                "option '--{}' cannot take an argument",
                option.replace('_', "-")
            ));
        }
        (Some("required"), None) => {
            return Reading::Refused(format!(
                "option '--{}' requires an argument",
                option.replace('_', "-")
            ));
        }
        _ => {}
    }
    // No argument: `enabled_my_option`, "1" (a text option's empty string).
    let bare = arg.is_none();
    let arg = arg.unwrap_or_else(|| "1".into());
    let refused = |loose: bool| {
        if loose {
            Reading::Ignored
        } else {
            Reading::Refused(format!("Error while setting value '{arg}' to '{option}'"))
        }
    };
    let value = match vartype {
        "BOOLEAN" => {
            let on = ["1", "true", "on"]
                .iter()
                .any(|w| arg.eq_ignore_ascii_case(w));
            (if on { "ON" } else { "OFF" }).to_string()
        }
        "INTEGER" | "UNSIGNED" => {
            let (n, ok) = number(&arg, vartype == "UNSIGNED");
            let n = limit(n, t.bounds(option), srv.blocks.get(option).copied());
            if !ok && !loose {
                return refused(false);
            }
            n.to_string()
        }
        "REAL" => match arg.trim_start().parse::<f64>() {
            Ok(x) if x.is_finite() => {
                let (lo, hi) = t.bounds(option).unwrap_or((f64::MIN, 0.0));
                let x = if hi != 0.0 && x > hi { hi } else { x };
                x.max(lo).to_string()
            }
            _ => return refused(loose),
        },
        "ENUM" => match t
            .enum_exact(option, &arg.to_lowercase())
            .or_else(|| pick(&t.enum_values(option), &arg))
        {
            Some(v) => v.to_string(),
            None if arg.bytes().all(|b| b.is_ascii_digit()) && !arg.is_empty() => {
                format!("#{arg}")
            }
            None => return refused(loose),
        },
        "SET" => {
            let values = t.enum_values(option);
            let mut picked = Vec::new();
            for part in arg.split(',').filter(|p| !p.is_empty()) {
                match pick(&values, part) {
                    Some(v) => picked.push(v),
                    // A set's number: compared as written.
                    None if arg.bytes().all(|b| b.is_ascii_digit()) => {
                        return Reading::Sets(option, format!("#{arg}"));
                    }
                    None => return refused(loose),
                }
            }
            picked.sort_unstable();
            picked.dedup();
            picked.join(",")
        }
        _ if bare => String::new(),
        // Character sets and collations by name in any case (a running server reports
        // `LATIN1` as `latin1`).
        _ if matches!(option, "character_set_server" | "collation_server") => arg.to_lowercase(),
        // The binary log is named by its base name: `mysql-bin.log` is `mysql-bin` (what
        // mariadbd prints, and the name of its files, `mysql-bin.000001`).
        _ if option == "log_bin" => match arg.rsplit_once('/') {
            Some((dir, file)) => format!("{dir}/{}", file.split('.').next().unwrap_or(file)),
            None => arg.split('.').next().unwrap_or(&arg).to_string(),
        },
        _ => arg.clone(),
    };
    Reading::Sets(option, value)
}

/// The group and option name of a key the mycnf reader wrote (`mysqld.max_connections`);
/// none for a top-level key, a list element or a name with a `.` (a key cache's option).
pub fn split_key(key: &str) -> Option<(String, &str)> {
    let (group, rest) = if let Some(quoted) = key.strip_prefix('"') {
        let end = quoted.find("\".")?;
        (
            quoted[..end].replace("\\\"", "\"").replace("\\\\", "\\"),
            &quoted[end + 2..],
        )
    } else {
        let (g, r) = key.split_once('.')?;
        (g.to_string(), r)
    };
    (!rest.contains(['[', '"', '.'])).then_some((group, rest))
}

/// MariaDB 10.11 reads `utf8` as `utf8mb3` (its default `old_mode`), in collation names too.
pub fn utf8mb3(name: &str) -> String {
    let lower = name.to_lowercase();
    match lower.strip_prefix("utf8") {
        Some(rest) if rest.is_empty() || rest.starts_with('_') => format!("utf8mb3{rest}"),
        _ => lower,
    }
}

/// The collation the server gives character set `charset` when no line names one (the
/// table's `charset` rows).
pub fn default_collation(t: &'static Table, charset: &str) -> Option<String> {
    t.rows("charset")
        .find(|r| r[0] == utf8mb3(charset))
        .and_then(|r| r.get(1))
        .map(|c| c.to_string())
}

/// `find_type`: the value `word` is among `values`, in any case, exactly or as a unique
/// prefix.
fn pick(values: &[&'static str], word: &str) -> Option<&'static str> {
    if let Some(v) = values.iter().find(|v| v.eq_ignore_ascii_case(word)) {
        return Some(v);
    }
    let lower = word.to_lowercase();
    let mut found = values
        .iter()
        .filter(|v| !word.is_empty() && v.to_lowercase().starts_with(&lower));
    match (found.next(), found.next()) {
        (Some(v), None) => Some(v),
        _ => None,
    }
}

/// `eval_num_suffix_ll`/`_ull`: `strtoll` then one suffix letter; (value, accepted).
fn number(arg: &str, unsigned: bool) -> (i128, bool) {
    if unsigned && arg.starts_with('-') {
        return (0, false);
    }
    let s = arg.trim_start();
    let (sign, digits_from) = match s.as_bytes().first() {
        Some(b'-') => (-1i128, 1),
        Some(b'+') => (1, 1),
        _ => (1, 0),
    };
    let body = &s[digits_from..];
    let end = body.bytes().take_while(u8::is_ascii_digit).count();
    let digits = &body[..end];
    let Ok(n) = (if digits.is_empty() {
        Ok(0)
    } else {
        digits.parse::<i128>()
    }) else {
        return (0, false);
    };
    let n = sign * n;
    let range_ok = if unsigned {
        n <= u64::MAX as i128
    } else {
        n >= i64::MIN as i128 && n <= i64::MAX as i128
    };
    if !range_ok {
        return (0, false);
    }
    // No digits: `strtoll` stops at the start, and the first character is the "suffix".
    let rest = if digits.is_empty() { s } else { &body[end..] };
    let shift = match rest.bytes().next() {
        None => 0,
        Some(b'k' | b'K') => 10,
        Some(b'm' | b'M') => 20,
        Some(b'g' | b'G') => 30,
        Some(b't' | b'T') => 40,
        Some(b'p' | b'P') => 50,
        Some(b'e' | b'E') => 60,
        Some(_) => return (0, false),
    };
    let wrapped = if unsigned {
        (n as u64).wrapping_shl(shift) as i128
    } else {
        (n as i64).wrapping_shl(shift) as i128
    };
    (wrapped, true)
}

/// `getopt_ll_limit_value`/`getopt_ull_limit_value`: the bounds, then the block size.
fn limit(n: i128, bounds: Option<(f64, f64)>, block: Option<u128>) -> i128 {
    let Some((lo, hi)) = bounds else { return n };
    let (lo, hi) = (lo as i128, hi as i128);
    let mut n = if hi != 0 && n > 0 && n > hi { hi } else { n };
    if let Some(b) = block.filter(|b| *b > 1) {
        n = n / b as i128 * b as i128;
    }
    n.max(lo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::defaults::mariadb;

    fn sets(written: &str, value: &str) -> Reading {
        let t = mariadb("10.11").unwrap();
        read(t, written, &Value::Str(value.into()))
    }

    #[test]
    fn names_prefixes_and_values_as_mariadbd_reads_them() {
        let t = mariadb("10.11").unwrap();
        assert!(is_server_group(t, "mysqld") && is_server_group(t, "mariadb-10.11"));
        assert!(!is_server_group(t, "client") && !is_server_group(t, "mysqld_safe"));
        let s = |o: &'static str, v: &str| Reading::Sets(o, v.to_string());
        assert_eq!(sets("key_buffer", "1G"), s("key_buffer_size", "1073741824"));
        assert_eq!(
            sets("key_buffer_size", "1048576k"),
            s("key_buffer_size", "1073741824")
        );
        assert_eq!(
            sets("max_connections", "200000"),
            s("max_connections", "100000")
        );
        assert_eq!(
            sets("loose_max_connections", "300"),
            s("max_connections", "300")
        );
        assert_eq!(
            sets("skip_name_resolve", "on"),
            s("skip_name_resolve", "ON")
        );
        assert_eq!(
            read(t, "skip_name_resolve", &Value::Bool(true)),
            s("skip_name_resolve", "ON")
        );
        assert_eq!(
            sets("skip_external_locking", "1"),
            s("external_locking", "OFF")
        );
        assert_eq!(
            sets("enable_external_locking", "0"),
            s("external_locking", "OFF")
        );
        assert_eq!(sets("binlog_format", "row"), s("binlog_format", "ROW"));
        assert_eq!(sets("loose_nosuch_option", "1"), Reading::Ignored);
        assert!(matches!(sets("nosuch_option", "1"), Reading::Refused(_)));
        assert!(matches!(
            sets("max_connections", "12x"),
            Reading::Refused(_)
        ));
        assert!(matches!(sets("binlog_format", "rows"), Reading::Refused(_)));
        assert!(
            matches!(sets("innodb_buffer", "1"), Reading::Refused(e) if e.contains("ambiguous"))
        );
        assert!(matches!(
            read(t, "max_connections", &Value::Bool(true)),
            Reading::Refused(_)
        ));
        assert_eq!(option_name(t, "key_buffer"), Some("key_buffer_size"));
        assert_eq!(
            option_name(t, "loose_skip_name_resolve"),
            Some("skip_name_resolve")
        );
    }
}
