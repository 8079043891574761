//! YAML 1.1 plain scalars, read as the programs that read YAML 1.1 read them: Ruby's Psych
//! (Rails' `config/*.yml`) and PyYAML, each emulated in its own module from its own source.
//!
//! Where the two agree on a null, boolean, integer, float or string, the scalar is that value
//! (`no` is false, `0777` is 511, `1_000` is 1000, `0b101` is 5, `1:30:15` is 5415, `1e3` is a
//! string). Where they do not, or agree only on a value the tree has no room for (a
//! timestamp; an infinity or NaN, which the tree keeps as the string `.inf`), it becomes a
//! [`Value::Typed`](crate::tree::Value::Typed), compared as written (infinities in one
//! spelling): equal to the same spelling, never to a string or a number, so that no reading of
//! it can hide a change.
//! What they disagree on (the tests check each against the real readers):
//! - `y`, `n`: strings to both (go-yaml v2 reads booleans there; not emulated);
//! - case: Psych ignores it (`yEs`, `NuLL`, `.iNf`), PyYAML knows three spellings;
//! - `1:30`: 5400 to Psych (hours:minutes), 90 to PyYAML; negative and 4-part sexagesimals;
//! - `1,000`, `-.5`, `+.5`: numbers to Psych only; `1__0`, `1_`: integers to PyYAML only;
//! - `:name`: a Symbol to Psych (Rails loads with `unsafe_load`), a string to PyYAML;
//! - `=`: refused by PyYAML.
//!
//! Only untagged plain scalars are read this way; quoted and block scalars are strings, and
//! tagged ones are read as in YAML 1.2. `<<` is left alone: it is the merge key to both.

mod psych;
mod pyyaml;

use super::scalar::{AsWritten, SfTag, Tag};
use granit_parser::ScalarStyle;
use std::borrow::Cow;
use std::rc::Rc;

/// What one reader makes of a plain scalar.
#[derive(Clone, Copy, Debug)]
pub(super) enum Reading {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str,
    /// A date or a time.
    Timestamp,
    /// Anything else: a Ruby symbol, an integer past 128 bits, an error.
    Other,
}

impl PartialEq for Reading {
    /// Equal values of the same type; NaN equals NaN (both readers give one for `.nan`).
    fn eq(&self, other: &Reading) -> bool {
        use Reading::*;
        match (self, other) {
            (Null, Null) | (Str, Str) | (Timestamp, Timestamp) | (Other, Other) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
            _ => false,
        }
    }
}

/// The reading both readers agree on, or why the scalar is compared as written.
pub(super) fn read(text: &str) -> Result<Reading, AsWritten> {
    // Most strings, quickly: a word starting with another letter than those of `yes`, `no`,
    // `true`, `false`, `on`, `off` and `null` is a string to both (Psych's first test, and no
    // PyYAML resolver starts with it).
    if text
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() && !b"yYnNtTfFoO".contains(b))
    {
        return Ok(Reading::Str);
    }
    let (psych, pyyaml) = (psych::read(text), pyyaml::read(text));
    match (psych, pyyaml) {
        (Reading::Timestamp, Reading::Timestamp) => Err(AsWritten::Timestamp),
        (Reading::Other, _) | (_, Reading::Other) => Err(AsWritten::Unsettled),
        (a, b) if a == b => Ok(a),
        _ => Err(AsWritten::Unsettled),
    }
}

/// An untagged plain scalar of a YAML 1.1 file, as the YAML 1.2 reader is to read it: the
/// agreed value spelled the 1.2 way (`false`, `511`, `'1e3'`), or tagged as written.
pub(super) fn rewrite(value: Cow<'_, str>) -> (Cow<'_, str>, ScalarStyle, Option<Rc<Tag>>) {
    let plain = ScalarStyle::Plain;
    if value == "<<" {
        return (value, plain, None);
    }
    let text = match read(&value) {
        Ok(Reading::Null) => Cow::Borrowed("null"),
        Ok(Reading::Bool(b)) => Cow::Borrowed(if b { "true" } else { "false" }),
        Ok(Reading::Int(i)) => Cow::Owned(i.to_string()),
        Ok(Reading::Float(f)) if f.is_finite() => Cow::Owned(format!("{f:?}")),
        Ok(Reading::Float(f)) => return as_written(non_finite(f), AsWritten::NonFinite),
        Ok(Reading::Str) => return (value, ScalarStyle::SingleQuoted, None),
        Ok(Reading::Timestamp | Reading::Other) => return as_written(value, AsWritten::Unsettled),
        Err(why) => return as_written(value, why),
    };
    (text, plain, None)
}

fn as_written(value: Cow<'_, str>, why: AsWritten) -> (Cow<'_, str>, ScalarStyle, Option<Rc<Tag>>) {
    let tag = Tag {
        kind: SfTag::Typed(why),
        spelling: why.tag().to_string(),
    };
    (value, ScalarStyle::Plain, Some(Rc::new(tag)))
}

/// `.nan`, `.inf` or `-.inf`.
fn non_finite(f: f64) -> Cow<'static, str> {
    Cow::Borrowed(if f.is_nan() {
        ".nan"
    } else if f > 0.0 {
        ".inf"
    } else {
        "-.inf"
    })
}

/// Digits with single `_` between them, from `bytes[*at]` on, into `out`; whether any.
fn ruby_digits(bytes: &[u8], at: &mut usize, out: &mut String) -> bool {
    let start = out.len();
    while let Some(&b) = bytes.get(*at) {
        let underscore =
            b == b'_' && out.len() > start && bytes.get(*at + 1).is_some_and(u8::is_ascii_digit);
        if b.is_ascii_digit() {
            out.push(char::from(b));
        } else if !underscore {
            break;
        }
        *at += 1;
    }
    out.len() > start
}

/// The number Ruby's `String#to_i` (or, with `fraction`, `#to_f`) reads at the start of a
/// sexagesimal's part (`-1`, `30`, `1_0`, `30.5`): a sign, digits with single `_` between
/// them, a fraction; what follows is ignored, and nothing readable is 0.
fn ruby_number(part: &str, fraction: bool) -> String {
    let bytes = part.as_bytes();
    let mut text = String::new();
    let mut at = 0;
    if let Some(&sign @ (b'-' | b'+')) = bytes.first() {
        text.push(char::from(sign));
        at = 1;
    }
    if !ruby_digits(bytes, &mut at, &mut text) {
        return "0".into();
    }
    if fraction && bytes.get(at) == Some(&b'.') {
        let mut rest = String::from(".");
        at += 1;
        if ruby_digits(bytes, &mut at, &mut rest) {
            text.push_str(&rest);
        }
    }
    text
}

#[cfg(test)]
mod tests;
