//! pgbouncer.ini as PgBouncer reads it, from its own table (`scripts/defaults/pgbouncer.sh`):
//! what it refuses to start with (an unknown `[pgbouncer]` key, a number, time or enum word it
//! cannot read; trouble naming file and line), and explicit defaults (a key written out at its
//! default on one side and absent on the other is no drift; [`super::program`] applies it). The
//! version is given
//! (`version = "1.18"`, `--program-version 1.18`): pgbouncer.ini's path does not name it.

use crate::diff::Change;
use crate::normalize::defaults::Table;
use crate::normalize::pgbouncer_value;
use crate::report::Kind;
use crate::tree::{Tree, Value};

/// The `[pgbouncer]` keys of `tree` PgBouncer `version` refuses to start with, with their
/// lines; nothing without the version's table.
pub(crate) fn refusals(version: Option<&str>, tree: &Tree) -> Vec<(u32, String)> {
    let Some(table) = version.and_then(crate::normalize::defaults::pgbouncer) else {
        return Vec::new();
    };
    let refused = |line: u32, why: String| {
        (
            line,
            format!(
                "PgBouncer {} refuses to start with this line: {why}",
                table.version
            ),
        )
    };
    let mut out: Vec<(u32, String)> = tree
        .iter()
        .filter_map(|(path, e)| {
            let key = path.strip_prefix("pgbouncer.")?;
            refusal(table, key, &e.value).map(|why| refused(e.line, why))
        })
        .collect();
    for (path, e) in tree.iter() {
        let Some((section, name)) = path.split_once('.') else {
            continue;
        };
        if matches!(section, "databases" | "users")
            && let Err(why) = crate::normalize::pgbouncer_entry(
                section,
                name.trim_matches('"'),
                &e.value.to_string(),
            )
        {
            out.push(refused(e.line, format!("[{section}] {name}: {why}")));
        }
    }
    // TLS from clients needs a key and a certificate (src/sbuf.c, sbuf_tls_setup).
    if let Some(mode) = tree.get("pgbouncer.client_tls_sslmode")
        && mode.value.to_string() != "disable"
        && table
            .enum_value("client_tls_sslmode", &mode.value.to_string())
            .is_some()
    {
        let missing: Vec<&str> = ["client_tls_key_file", "client_tls_cert_file"]
            .into_iter()
            .filter(|k| {
                tree.get(&format!("pgbouncer.{k}"))
                    .is_none_or(|e| e.value.to_string().is_empty())
            })
            .collect();
        if !missing.is_empty() {
            out.push(refused(
                mode.line,
                format!(
                    "client_tls_sslmode = {} needs {} set",
                    mode.value,
                    missing.join(" and ")
                ),
            ));
        }
    }
    out
}

fn refusal(table: &Table, key: &str, value: &Value) -> Option<String> {
    let Some(vartype) = table.vartype(key) else {
        return Some(format!(
            "unknown parameter \"{key}\" in [pgbouncer] (keys are matched exactly, in lower case)"
        ));
    };
    let read = matches!(value, Value::Quantity { .. });
    let expected = match vartype {
        "INT" | "UINT" if !read => "an integer (decimal, 0x hexadecimal or 0 octal)",
        "TIME" if !read => "a number of seconds, fractions allowed, without a unit",
        "ENUM" if table.enum_value(key, &value.to_string()).is_none() => {
            return Some(format!(
                "invalid value \"{value}\" for \"{key}\"; expected one of: {}",
                table.enum_words(key).join(", ")
            ));
        }
        _ => return None,
    };
    Some(format!(
        "invalid value \"{value}\" for \"{key}\"; expected {expected}"
    ))
}

/// Whether `c` adds or removes a `[pgbouncer]` key at PgBouncer's default (by `table`).
pub(crate) fn at_default(table: &Table, c: &Change) -> bool {
    let side = match c.kind {
        Kind::Added => c.live.as_ref(),
        Kind::Removed => c.baseline.as_ref(),
        _ => None,
    };
    let Some(key) = c.key.strip_prefix("pgbouncer.") else {
        return false;
    };
    side.is_some_and(|e| {
        table.default_text(key).is_some_and(|d| {
            let d = pgbouncer_value(key, d);
            d == e.value || d.same(&e.value)
        })
    })
}
