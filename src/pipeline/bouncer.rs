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

/// What PgBouncer refuses to start with in `tree` (at `path`), with the lines: always, in the
/// file it reads first (`pgbouncer.ini`), a key before any section that no `%include` above it
/// can have put in one, and no `[pgbouncer]` section where no `%include` can bring one; with
/// `version`'s table, the `[pgbouncer]` keys and entries it cannot read.
pub(crate) fn refusals(path: &str, version: Option<&str>, tree: &Tree) -> Vec<(u32, String)> {
    let mut out = main_file_refusals(path, tree);
    let Some(table) = version.and_then(crate::normalize::defaults::pgbouncer) else {
        return out;
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
    out.extend(tree.iter().filter_map(|(path, e)| {
        let key = path.strip_prefix("pgbouncer.")?;
        refusal(table, key, &e.value).map(|why| refused(e.line, why))
    }));
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

/// What pgbouncer refuses in the file it reads first whatever its version: a key before any
/// section (unless an `%include` above it may leave one), no `[pgbouncer]` section (unless an
/// `%include` may bring one). Any other file is read where an `%include` puts it.
fn main_file_refusals(path: &str, tree: &Tree) -> Vec<(u32, String)> {
    if path.rsplit('/').next() != Some("pgbouncer.ini") {
        return Vec::new();
    }
    let first_include = tree
        .iter()
        .filter(|(k, _)| k.starts_with("%include["))
        .map(|(_, e)| e.line)
        .min();
    let first_header = tree
        .iter()
        .filter(|(k, _)| k.starts_with("%section["))
        .map(|(_, e)| e.line)
        .min();
    let mut out = Vec::new();
    let before = first_include.into_iter().chain(first_header).min();
    if let Some(line) = tree
        .iter()
        .filter(|(k, _)| !k.starts_with('%') && (!k.contains('.') || k.starts_with('"')))
        .map(|(_, e)| e.line)
        .filter(|&l| before.is_none_or(|b| l < b))
        .min()
    {
        out.push((
            line,
            "a key before any section: pgbouncer refuses it (put it under [pgbouncer])".to_string(),
        ));
    }
    let main = tree
        .iter()
        .any(|(k, e)| k.starts_with("%section[") && e.value.to_string() == "pgbouncer");
    if !main && first_include.is_none() && tree.iter().any(|(k, _)| !k.starts_with('%')) {
        out.push((
            1,
            "no [pgbouncer] section: pgbouncer refuses a configuration without it".to_string(),
        ));
    }
    out
}

/// PgBouncer `version`'s compiled-in value of a `[pgbouncer]` key (`pgbouncer.listen_port`).
pub(crate) fn default_entry(version: &str, key: &str) -> Option<crate::tree::Entry> {
    let table = crate::normalize::defaults::pgbouncer(version)?;
    let name = key.strip_prefix("pgbouncer.")?;
    Some(crate::tree::Entry {
        value: pgbouncer_value(name, table.default_text(name)?),
        line: 0,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(path: &str, text: &str) -> Vec<u32> {
        let doc = crate::normalize::Format::from_name("pgbouncer")
            .unwrap()
            .parse(text.as_bytes())
            .unwrap();
        refusals(path, None, doc.tree().unwrap())
            .into_iter()
            .map(|(line, _)| line)
            .collect()
    }

    #[test]
    fn what_the_main_file_may_not_hold_an_included_file_may() {
        let main = "/etc/pgbouncer/pgbouncer.ini";
        // A key before any section, no [pgbouncer] section: refused in the main file.
        assert_eq!(refused(main, "x = 1\n[pgbouncer]\n"), [1]);
        assert_eq!(refused(main, "[databases]\nx = host=a\n"), [1]);
        // An include above may put the key in a section, or bring [pgbouncer].
        assert!(refused(main, "%include /etc/pgbouncer/a.ini\nx = 1\n").is_empty());
        assert!(refused(main, "[databases]\n%include /etc/pgbouncer/a.ini\n").is_empty());
        // Another file is read where an include puts it.
        assert!(refused("/etc/pgbouncer/databases.ini", "app = host=db\n").is_empty());
    }
}
