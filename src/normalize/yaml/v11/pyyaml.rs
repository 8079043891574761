//! PyYAML 6 (`yaml.safe_load`, YAML 1.1 resolvers and `SafeConstructor`): what it makes of an
//! untagged plain scalar. The resolvers' regular expressions are copied as written, tried in
//! the order PyYAML registers them for the scalar's first character.

use super::Reading;
use regex::Regex;
use std::sync::LazyLock;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

static BOOL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")
});
static FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?",
        r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",
        r"|[-+]?\.(?:inf|Inf|INF)",
        r"|\.(?:nan|NaN|NAN))$"
    ))
});
static INT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)",
        r"|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
    ))
});
static NULL: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:~|null|Null|NULL|)$"));
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?:([0-9]{4})-([0-9][0-9])-([0-9][0-9])",
        r"|[0-9]{4}-([0-9][0-9]?)-([0-9][0-9]?)(?:[Tt]|[ \t]+)([0-9][0-9]?)",
        r":([0-9][0-9]):([0-9][0-9])(?:\.[0-9]*)?",
        r"(?:[ \t]*(?:Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)$"
    ))
});

/// What `safe_load` gives for `s` (or raises: [`Reading::Other`]).
pub(super) fn read(s: &str) -> Reading {
    let first = s.chars().next();
    let may = |chars: &str| first.is_none_or(|c| chars.contains(c));
    if first.is_some() && may("yYnNtTfFoO") && BOOL.is_match(s) {
        return Reading::Bool(matches!(
            s.to_ascii_lowercase().as_str(),
            "yes" | "true" | "on"
        ));
    }
    if first.is_some() && may("-+0123456789.") && FLOAT.is_match(s) {
        return float(s);
    }
    if first.is_some() && may("-+0123456789") && INT.is_match(s) {
        return int(s);
    }
    if s == "<<" || s == "=" {
        // The merge and value tags: no constructor for them as a value.
        return Reading::Other;
    }
    if may("~nN") && NULL.is_match(s) {
        return Reading::Null;
    }
    if let Some(t) = TIMESTAMP.captures(s) {
        return timestamp(&t);
    }
    Reading::Str
}

/// `construct_yaml_float`: `_` dropped, lowercased, a sign, `.inf`, `.nan`, base 60.
fn float(s: &str) -> Reading {
    let value = s.replace('_', "").to_ascii_lowercase();
    let (sign, value) = sign(&value);
    match value {
        ".inf" => Reading::Float(sign * f64::INFINITY),
        ".nan" => Reading::Float(f64::NAN),
        v if v.contains(':') => {
            let mut total = 0.0_f64;
            let mut base = 1.0_f64;
            for part in v.split(':').rev() {
                let Ok(digit) = part.parse::<f64>() else {
                    return Reading::Other;
                };
                total += digit * base;
                base *= 60.0;
            }
            Reading::Float(sign * total)
        }
        v => v
            .parse::<f64>()
            .map_or(Reading::Other, |f| Reading::Float(sign * f)),
    }
}

/// `construct_yaml_int`: `_` dropped, a sign, `0`, `0b`, `0x`, octal, base 60, decimal.
fn int(s: &str) -> Reading {
    let value = s.replace('_', "");
    let (sign, value) = sign(&value);
    let parse = |digits: &str, radix| {
        if digits.is_empty() || digits.starts_with(['+', '-']) {
            return None;
        }
        i128::from_str_radix(digits, radix).ok()
    };
    let magnitude = if value == "0" {
        Some(0)
    } else if let Some(d) = value.strip_prefix("0b") {
        parse(d, 2)
    } else if let Some(d) = value.strip_prefix("0x") {
        parse(d, 16)
    } else if value.starts_with('0') {
        parse(value, 8)
    } else if value.contains(':') {
        let mut total: Option<i128> = Some(0);
        let mut base: i128 = 1;
        for part in value.split(':').rev() {
            total = total
                .zip(parse(part, 10))
                .and_then(|(t, d)| d.checked_mul(base).and_then(|v| t.checked_add(v)));
            base = base.saturating_mul(60);
        }
        total
    } else {
        parse(value, 10)
    };
    match magnitude {
        Some(m) if sign < 0.0 => Reading::Int(-m),
        Some(m) => Reading::Int(m),
        None => Reading::Other,
    }
}

/// A leading `-` (-1) or `+` (1) taken off.
fn sign(value: &str) -> (f64, &str) {
    match value.as_bytes().first() {
        Some(b'-') => (-1.0, &value[1..]),
        Some(b'+') => (1.0, &value[1..]),
        _ => (1.0, value),
    }
}

/// `construct_yaml_timestamp`: a date or a datetime, or an error when a field is out of range
/// (`datetime` and `timezone` check them).
fn timestamp(t: &regex::Captures<'_>) -> Reading {
    let field = |i: usize| t.get(i).map(|m| m.as_str().parse::<u32>().unwrap_or(99));
    let year = t
        .get(0)
        .and_then(|m| m.as_str().get(..4))
        .and_then(|y| y.parse().ok())
        .unwrap_or(0);
    let (month, day) = match (field(2), field(3)) {
        (Some(m), Some(d)) => (m, d),
        _ => (field(4).unwrap_or(0), field(5).unwrap_or(0)),
    };
    let time_ok = field(6).is_none_or(|h| h <= 23)
        && field(7).is_none_or(|m| m <= 59)
        && field(8).is_none_or(|s| s <= 59)
        && field(10).unwrap_or(0) * 60 + field(11).unwrap_or(0) < 24 * 60;
    if year >= 1 && real_day(year, month, day) && time_ok {
        Reading::Timestamp
    } else {
        Reading::Other
    }
}

fn real_day(year: u32, month: u32, day: u32) -> bool {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}
