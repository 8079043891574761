//! Ruby's Psych 4 (`Psych::ScalarScanner#tokenize`, as `YAML.unsafe_load` runs it for Rails'
//! `config/*.yml`): what it makes of an untagged plain scalar. Its regular expressions are
//! copied as written; in Ruby `^` and `$` match at every line, `\s` is ASCII whitespace and
//! `[[:alpha:]]` is any letter.

use super::{Reading, ruby_number};
use regex::Regex;
use std::sync::LazyLock;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

/// `%r{^[^\d.:-]?[[:alpha:]_\s!@#$%\^&*(){}<>|/\\~;=]+}`: looks like a word.
static WORDISH: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^[^0-9.:-]?[\p{Alphabetic}_ \t\n\x0B\x0C\r!@#$%^&*(){}<>|/\\~;=]+"));
static NOT_YTONF: LazyLock<Regex> = LazyLock::new(|| re(r"(?mi)^[^ytonf~]"));
static NULL: LazyLock<Regex> = LazyLock::new(|| re(r"(?mi)^null$"));
static TRUE: LazyLock<Regex> = LazyLock::new(|| re(r"(?mi)^(yes|true|on)$"));
static FALSE: LazyLock<Regex> = LazyLock::new(|| re(r"(?mi)^(no|false|off)$"));
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?m)^-?[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t\n\x0B\x0C\r]+)",
        r"([0-9]{1,2}):([0-9][0-9]):([0-9][0-9])(?:\.[0-9]*)?",
        r"(?:[ \t\n\x0B\x0C\r]*(?:Z|[-+][0-9]{1,2}:?(?:[0-9][0-9])?))?$"
    ))
});
static DATE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^([0-9]{4})-(1[012]|0[0-9]|[0-9])-([12][0-9]|3[01]|0[0-9]|[0-9])$"));
static INF: LazyLock<Regex> = LazyLock::new(|| re(r"(?mi)^\+?\.inf$"));
static NEG_INF: LazyLock<Regex> = LazyLock::new(|| re(r"(?mi)^-\.inf$"));
static NAN: LazyLock<Regex> = LazyLock::new(|| re(r"(?mi)^\.nan$"));
static SYMBOL: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^:."));
static SEXAGESIMAL_INT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}$"));
static SEXAGESIMAL_FLOAT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}\.[0-9_]*$"));
static FLOAT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^(?:[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?)$"));
static INTEGER: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?m)^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+",
        r"|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$"
    ))
});

/// What `tokenize` returns for `s` (or raises: [`Reading::Other`]).
pub(super) fn read(s: &str) -> Reading {
    if s.is_empty() {
        return Reading::Null;
    }
    if WORDISH.is_match(s) || s.contains('\n') {
        return if s.chars().count() > 5 || NOT_YTONF.is_match(s) {
            Reading::Str
        } else if s == "~" || NULL.is_match(s) {
            Reading::Null
        } else if TRUE.is_match(s) {
            Reading::Bool(true)
        } else if FALSE.is_match(s) {
            Reading::Bool(false)
        } else {
            Reading::Str
        };
    }
    if let Some(time) = TIME.captures(s) {
        // `Time.utc` refuses what is out of range; `tokenize` then keeps the string.
        let field = |i: usize| {
            time.get(i)
                .map_or(0, |m| m.as_str().parse::<u32>().unwrap_or(99))
        };
        let date_ok = DATE_IN_TIME.captures(s).is_some_and(|d| {
            let part = |i: usize| {
                d.get(i)
                    .map_or(0, |m| m.as_str().parse::<u32>().unwrap_or(99))
            };
            (1..=12).contains(&part(1)) && (1..=31).contains(&part(2))
        });
        return if date_ok && field(1) <= 24 && field(2) <= 59 && field(3) <= 60 {
            Reading::Timestamp
        } else {
            Reading::Str
        };
    }
    if let Some(date) = DATE.captures(s) {
        // `Date.strptime`: a real day of the (proleptic Gregorian) calendar, else the string.
        let part = |i: usize| {
            date.get(i)
                .map_or(0, |m| m.as_str().parse::<u32>().unwrap_or(0))
        };
        return if real_day(part(1), part(2), part(3)) {
            Reading::Timestamp
        } else {
            Reading::Str
        };
    }
    if INF.is_match(s) {
        return Reading::Float(f64::INFINITY);
    }
    if NEG_INF.is_match(s) {
        return Reading::Float(f64::NEG_INFINITY);
    }
    if NAN.is_match(s) {
        return Reading::Float(f64::NAN);
    }
    if SYMBOL.is_match(s) {
        return Reading::Other;
    }
    if SEXAGESIMAL_INT.is_match(s) {
        return sexagesimal_int(s);
    }
    if SEXAGESIMAL_FLOAT.is_match(s) {
        return sexagesimal_float(s);
    }
    if FLOAT.is_match(s) {
        if s.trim_start_matches(['-', '+']) == "." {
            return Reading::Str;
        }
        return float(s);
    }
    if INTEGER.is_match(s) {
        return integer(s);
    }
    Reading::Str
}

/// The month and day of a `TIME` match (`Time.utc` takes day 31 of any month).
static DATE_IN_TIME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^-?[0-9]{4}-([0-9]{1,2})-([0-9]{1,2})"));

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

/// `i += n.to_i * 60 ** (e - 2).abs` over the parts: `1:30` is 1 hour 30 minutes (5400).
fn sexagesimal_int(s: &str) -> Reading {
    let mut total: i128 = 0;
    for (e, part) in s.split(':').enumerate() {
        let Ok(n) = ruby_number(part, false).parse::<i128>() else {
            return Reading::Other;
        };
        let weight = 60_i128.pow(e.abs_diff(2) as u32);
        match n.checked_mul(weight).and_then(|v| total.checked_add(v)) {
            Some(v) => total = v,
            None => return Reading::Other,
        }
    }
    Reading::Int(total)
}

/// The same with `to_f`, summed left to right.
fn sexagesimal_float(s: &str) -> Reading {
    let mut total = 0.0_f64;
    for (e, part) in s.split(':').enumerate() {
        let n: f64 = ruby_number(part, true).parse().unwrap_or(0.0);
        total += n * 60_f64.powi(e.abs_diff(2) as i32);
    }
    Reading::Float(total)
}

/// `Float(string.gsub(/[,_]|\.([Ee]|$)/, '\1'))`.
fn float(s: &str) -> Reading {
    let mut cleaned: String = s.chars().filter(|c| !matches!(c, ',' | '_')).collect();
    if let Some(dot) = cleaned.find(['e', 'E']).and_then(|e| e.checked_sub(1))
        && cleaned.as_bytes().get(dot) == Some(&b'.')
    {
        cleaned.remove(dot);
    }
    if cleaned.ends_with('.') {
        cleaned.pop();
    }
    cleaned.parse().map_or(Reading::Other, Reading::Float)
}

/// `Integer(string.gsub(/[,_]/, ''))`: `0b`, `0x`, a leading `0` for octal.
fn integer(s: &str) -> Reading {
    let cleaned: String = s.chars().filter(|c| !matches!(c, ',' | '_')).collect();
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
    };
    let (radix, digits) = if let Some(d) = digits.strip_prefix("0b") {
        (2, d)
    } else if let Some(d) = digits.strip_prefix("0x") {
        (16, d)
    } else if digits.len() > 1
        && let Some(d) = digits.strip_prefix('0')
    {
        (8, d)
    } else {
        (10, digits)
    };
    match i128::from_str_radix(digits, radix) {
        Ok(v) if !digits.is_empty() && !digits.starts_with(['+', '-']) => {
            Reading::Int(if negative { -v } else { v })
        }
        _ => Reading::Other,
    }
}
