//! Numbers for rules, after unit normalization: `min = "128MB"` against `shared_buffers =
//! 16384` (postgresql.conf, in 8 kB pages), or `max = "30s"` against `timeout: 45s` (YAML).
//!
//! postgresql.conf values and bounds both go through the server's own reading of the setting,
//! so they land in the setting's base unit. Everywhere else a number may carry a memory unit
//! (`B`, `k`/`kB`/`KiB`, `M`/`MB`/`Mi`, `G`/`GB`/`Gi`, `T`/`TB`/`Ti`; base 1024, as
//! PostgreSQL, the JVM and Kubernetes read them) or a time unit (`ns`, `us`, `ms`, `s`, `m`/`min`,
//! `h`, `d`); a bare number beside a unit counts as bytes or milliseconds.

use crate::normalize::{Format, setting_value, sshd_value};
use crate::tree::Value;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dim {
    /// No unit (or a postgresql.conf setting's base unit).
    Plain,
    Bytes,
    Millis,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number {
    pub value: f64,
    pub dim: Dim,
}

impl Number {
    pub fn plain(value: f64) -> Number {
        Number {
            value,
            dim: Dim::Plain,
        }
    }

    /// Both numbers in one unit, or `None` when one is a size and the other a duration.
    pub fn comparable(self, other: Number) -> Option<(f64, f64)> {
        match (self.dim, other.dim) {
            (a, b) if a == b => Some((self.value, other.value)),
            (Dim::Plain, _) | (_, Dim::Plain) => Some((self.value, other.value)),
            _ => None,
        }
    }
}

/// Whether values of this file are read as postgresql.conf settings.
fn is_pgconf(format: Format) -> bool {
    format.name() == "pgconf"
}

/// The number a value stands for, if it is one.
pub fn of_value(format: Format, v: &Value) -> Option<Number> {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Quantity { .. } => v.as_f64().map(Number::plain),
        Value::Str(_) if is_pgconf(format) => v.as_f64().map(Number::plain),
        Value::Str(s) => parse(s),
        _ => None,
    }
}

/// A rule's bound written as text (`"128MB"`), read as a value of `key` in this file would be.
pub fn of_text(format: Format, key: &str, text: &str) -> Option<Number> {
    if is_pgconf(format) {
        let name = key.rsplit('.').next().unwrap_or(key);
        return setting_value(name, text).as_f64().map(Number::plain);
    }
    parse(text)
}

/// A rule's value as the file's reader reads it for `key`: `hot_standby` is `replica` for
/// PostgreSQL's `wal_level`, `prohibit-password` is `without-password` for sshd.
pub fn read_as(format: Format, key: &str, value: &Value) -> Value {
    let name = key.rsplit('.').next().unwrap_or(key);
    let name = name.split('[').next().unwrap_or(name);
    match (format.name(), value) {
        ("pgconf", Value::Str(s)) => setting_value(name, s),
        ("sshd", Value::Str(s)) => sshd_value(name, s),
        _ => value.clone(),
    }
}

/// `50`, `0.5`, `512MB`, `1.5 GiB`, `30s`, `250ms`.
pub fn parse(text: &str) -> Option<Number> {
    let t = text.trim();
    let split = t
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || ((c == '-' || c == '+') && i == 0)
                || ((c == 'e' || c == 'E')
                    && t[i + 1..].starts_with(|d: char| d.is_ascii_digit() || d == '-')
                    && i > 0))
        })
        .map_or(t.len(), |(i, _)| i);
    let (num, unit) = (&t[..split], t[split..].trim());
    let value: f64 = num.parse().ok().filter(|v: &f64| v.is_finite())?;
    let (dim, scale) = match unit {
        "" => (Dim::Plain, 1.0),
        "B" | "b" => (Dim::Bytes, 1.0),
        "k" | "K" | "kB" | "KB" | "kb" | "KiB" | "Ki" => (Dim::Bytes, 1024.0),
        "M" | "MB" | "mb" | "MiB" | "Mi" => (Dim::Bytes, 1024.0 * 1024.0),
        "g" | "G" | "GB" | "gb" | "GiB" | "Gi" => (Dim::Bytes, 1024.0 * 1024.0 * 1024.0),
        "t" | "T" | "TB" | "tb" | "TiB" | "Ti" => (Dim::Bytes, 1024.0f64.powi(4)),
        "ns" => (Dim::Millis, 1e-6),
        "us" | "µs" => (Dim::Millis, 1e-3),
        "ms" => (Dim::Millis, 1.0),
        "s" | "sec" => (Dim::Millis, 1000.0),
        "m" | "min" => (Dim::Millis, 60_000.0),
        "h" => (Dim::Millis, 3_600_000.0),
        "d" => (Dim::Millis, 86_400_000.0),
        _ => return None,
    };
    Some(Number {
        value: value * scale,
        dim,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(name: &str) -> Format {
        Format::from_name(name).unwrap()
    }

    #[test]
    fn sizes_and_durations_in_one_unit() {
        assert_eq!(parse("512MB").unwrap().value, 512.0 * 1048576.0);
        assert_eq!(parse("1.5 GiB").unwrap().value, 1.5 * 1073741824.0);
        assert_eq!(
            parse("30s").unwrap(),
            Number {
                value: 30000.0,
                dim: Dim::Millis
            }
        );
        assert_eq!(parse("2m").unwrap().value, 120000.0);
        assert_eq!(parse("-1").unwrap(), Number::plain(-1.0));
        assert_eq!(parse("1e3").unwrap(), Number::plain(1000.0));
        assert!(parse("fast").is_none());
        assert!(parse("10 parsecs").is_none());
        assert!(parse("").is_none());
    }

    #[test]
    fn postgresql_bounds_follow_the_setting_base_unit() {
        let pg = fmt("pgconf");
        // shared_buffers counts 8 kB pages: 128MB is 16384 of them.
        assert_eq!(
            of_text(pg, "shared_buffers", "128MB").unwrap().value,
            16384.0
        );
        let v = setting_value("shared_buffers", "16384");
        assert_eq!(of_value(pg, &v).unwrap().value, 16384.0);
        // statement_timeout counts milliseconds.
        assert_eq!(
            of_text(pg, "statement_timeout", "1min").unwrap().value,
            60000.0
        );
        assert_eq!(of_text(pg, "max_connections", "200").unwrap().value, 200.0);
    }

    #[test]
    fn sizes_and_durations_do_not_compare() {
        let a = parse("1s").unwrap();
        let b = parse("1MB").unwrap();
        assert!(a.comparable(b).is_none());
        assert_eq!(parse("500").unwrap().comparable(a), Some((500.0, 1000.0)));
        let y = fmt("yaml");
        assert_eq!(of_value(y, &Value::text("45s")).unwrap().value, 45000.0);
        assert_eq!(of_value(y, &Value::Int(5)).unwrap().value, 5.0);
        assert!(of_value(y, &Value::Bool(true)).is_none());
    }
}
