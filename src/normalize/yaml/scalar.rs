//! Tags and scalars: what a scalar's text, style and tag make of it (YAML 1.2 core schema,
//! strict booleans), for values and for mapping keys.
//!
//! - Explicit core tags decide first: `!!null` is null whatever the text, `!!bool` must be
//!   `true`/`false`, `!!int`/`!!float` must parse as one.
//! - Untagged (or custom-tagged) plain scalars: null (`~`, `null`, empty), then `true`/`false`
//!   (any case), then integers (decimal without a leading zero, `0x`, `0o`, `0b`, `_` between
//!   digits), then floats; anything else is a string.
//! - Quoted and block scalars, `!!str` and `!` are strings; `!!binary` is decoded base64 text.
//! - `.inf`, `.nan` and decimals overflowing `f64` become the strings `.inf`, `-.inf`, `.nan`,
//!   so that they compare equal to themselves.

use super::error::{Loc, Result, YamlError};
use granit_parser::ScalarStyle;
use std::borrow::Cow;

/// What a tag means to the reader (the previous reader's classification).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum SfTag {
    None,
    Int,
    Float,
    Bool,
    Null,
    Seq,
    Map,
    TimeStamp,
    Binary,
    String,
    Merge,
    Value,
    NonSpecific,
    Include,
    Degrees,
    Radians,
    Other,
    /// A YAML 1.1 scalar compared as written (set by `v11`, never by a tag in the file).
    Typed(AsWritten),
}

/// Why a YAML 1.1 plain scalar is compared as written (see `v11`); its `Value::Typed` tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum AsWritten {
    /// Both readers read a timestamp: a date or time, no type of the tree's.
    Timestamp,
    /// `.inf`, `-.inf`, `.nan` in any of their spellings, kept as the first (the tree holds
    /// infinities and NaN as strings, which a quoted `'.inf'` would equal).
    NonFinite,
    /// The readers read it differently, or one of them refuses it.
    Unsettled,
}

impl AsWritten {
    pub fn tag(self) -> &'static str {
        match self {
            AsWritten::Timestamp => "timestamp",
            AsWritten::NonFinite => "float",
            AsWritten::Unsettled => "yaml-1.1-unsettled",
        }
    }
}

/// Which kind of node a tag may stand on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum NodeKind {
    Scalar,
    Sequence,
    Mapping,
}

const YAML_NAMESPACE: &str = "tag:yaml.org,2002:";

/// Tag spellings outside the core schema that the reader knows, with their meaning.
const KNOWN_TAGS: &[(&str, SfTag)] = &[
    ("!!int", SfTag::Int),
    ("!int", SfTag::Int),
    ("tag:yaml.org,2002:int", SfTag::Int),
    ("tag:yaml.org,2002:!int", SfTag::Int),
    ("!!float", SfTag::Float),
    ("!float", SfTag::Float),
    ("tag:yaml.org,2002:float", SfTag::Float),
    ("tag:yaml.org,2002:!float", SfTag::Float),
    ("!!bool", SfTag::Bool),
    ("!bool", SfTag::Bool),
    ("tag:yaml.org,2002:bool", SfTag::Bool),
    ("tag:yaml.org,2002:!bool", SfTag::Bool),
    ("!!null", SfTag::Null),
    ("!null", SfTag::Null),
    ("tag:yaml.org,2002:null", SfTag::Null),
    ("tag:yaml.org,2002:!null", SfTag::Null),
    ("!!seq", SfTag::Seq),
    ("!seq", SfTag::Seq),
    ("tag:yaml.org,2002:seq", SfTag::Seq),
    ("tag:yaml.org,2002:!seq", SfTag::Seq),
    ("!!map", SfTag::Map),
    ("!map", SfTag::Map),
    ("tag:yaml.org,2002:map", SfTag::Map),
    ("tag:yaml.org,2002:!map", SfTag::Map),
    ("!!str", SfTag::String),
    ("!str", SfTag::String),
    ("tag:yaml.org,2002:str", SfTag::String),
    ("tag:yaml.org,2002:!str", SfTag::String),
    ("!!timestamp", SfTag::TimeStamp),
    ("!timestamp", SfTag::TimeStamp),
    ("tag:yaml.org,2002:timestamp", SfTag::TimeStamp),
    ("tag:yaml.org,2002:!timestamp", SfTag::TimeStamp),
    ("!time", SfTag::TimeStamp),
    ("tag:yaml.org,2002:time", SfTag::TimeStamp),
    ("tag:yaml.org,2002:!time", SfTag::TimeStamp),
    ("!!binary", SfTag::Binary),
    ("!binary", SfTag::Binary),
    ("tag:yaml.org,2002:binary", SfTag::Binary),
    ("tag:yaml.org,2002:!binary", SfTag::Binary),
    ("!include", SfTag::Include),
    ("tag:yaml.org,2002:include", SfTag::Include),
    ("tag:yaml.org,2002:!include", SfTag::Include),
    ("!degrees", SfTag::Degrees),
    ("tag:yaml.org,2002:degrees", SfTag::Degrees),
    ("tag:yaml.org,2002:!degrees", SfTag::Degrees),
    ("!radians", SfTag::Radians),
    ("tag:yaml.org,2002:radians", SfTag::Radians),
    ("tag:yaml.org,2002:!radians", SfTag::Radians),
    ("!", SfTag::NonSpecific),
    ("!!", SfTag::NonSpecific),
];

/// A node's tag: its meaning and its resolved spelling (`tag:yaml.org,2002:str`, `!custom`).
#[derive(Debug)]
pub(super) struct Tag {
    pub kind: SfTag,
    pub spelling: String,
}

impl Tag {
    pub fn new(tag: &granit_parser::Tag) -> Tag {
        let spelling = tag.to_string();
        Tag {
            kind: classify(tag, &spelling),
            spelling,
        }
    }
}

fn classify(tag: &granit_parser::Tag, spelling: &str) -> SfTag {
    const INCLUDE: [&str; 3] = [
        "!include",
        "tag:yaml.org,2002:include",
        "tag:yaml.org,2002:!include",
    ];
    if INCLUDE.iter().any(|i| {
        spelling
            .strip_prefix(i)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('#'))
    }) {
        return SfTag::Include;
    }
    let core = match tag.core_suffix() {
        Some("null") => Some(SfTag::Null),
        Some("bool") => Some(SfTag::Bool),
        Some("int") => Some(SfTag::Int),
        Some("float") => Some(SfTag::Float),
        Some("map") => Some(SfTag::Map),
        Some("seq") => Some(SfTag::Seq),
        Some("str") => Some(SfTag::String),
        _ => None,
    };
    if let Some(core) = core {
        return core;
    }
    match tag.suffix_in_namespace(YAML_NAMESPACE).as_deref() {
        Some("merge") => return SfTag::Merge,
        Some("value") => return SfTag::Value,
        _ => {}
    }
    KNOWN_TAGS
        .iter()
        .find(|(s, _)| *s == spelling)
        .map_or(SfTag::Other, |&(_, t)| t)
}

impl SfTag {
    pub fn of(tag: Option<&Tag>) -> SfTag {
        tag.map_or(SfTag::None, |t| t.kind)
    }

    /// The node kind the tag requires, if any.
    pub fn requires(self) -> Option<NodeKind> {
        match self {
            SfTag::Int
            | SfTag::Float
            | SfTag::Bool
            | SfTag::Null
            | SfTag::TimeStamp
            | SfTag::Binary
            | SfTag::String
            | SfTag::Merge
            | SfTag::Value
            | SfTag::Include
            | SfTag::Degrees
            | SfTag::Radians
            | SfTag::Typed(_) => Some(NodeKind::Scalar),
            SfTag::Seq => Some(NodeKind::Sequence),
            SfTag::Map => Some(NodeKind::Mapping),
            SfTag::None | SfTag::NonSpecific | SfTag::Other => None,
        }
    }

    /// Tags that keep the text as written.
    pub fn forces_string(self) -> bool {
        matches!(self, SfTag::String | SfTag::NonSpecific)
    }

    pub fn can_parse_into_string(self) -> bool {
        matches!(
            self,
            SfTag::None
                | SfTag::String
                | SfTag::Merge
                | SfTag::Value
                | SfTag::Other
                | SfTag::Include
                | SfTag::NonSpecific
        )
    }

    fn is_core(self) -> bool {
        matches!(
            self,
            SfTag::Int
                | SfTag::Float
                | SfTag::Bool
                | SfTag::Null
                | SfTag::Seq
                | SfTag::Map
                | SfTag::String
        )
    }
}

/// ASCII padding around a scalar that conversions ignore.
pub(super) fn trim(s: &str) -> &str {
    let pad = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let bytes = s.as_bytes();
    let start = bytes.iter().position(|c| !pad(c)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|c| !pad(c)).map_or(start, |i| i + 1);
    // Padding is ASCII, so both ends are character boundaries.
    s.get(start..end).unwrap_or(s)
}

/// Whether trimmed text can be a number at all: integers and floats start with a digit, a
/// sign or a dot (`.5`, `.inf`); `inf`, `nan` spelled out are strings.
pub(super) fn may_be_number(t: &str) -> bool {
    t.as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'))
}

/// Plain `~`, `null` (any case) or nothing.
fn nullish(value: &str, style: ScalarStyle) -> bool {
    matches!(style, ScalarStyle::Plain)
        && (value.is_empty() || value == "~" || value.eq_ignore_ascii_case("null"))
}

/// Whether the scalar is null: tagged `!!null`, or null-like and not held to a type.
pub(super) fn is_null(tag: SfTag, value: &str, style: ScalarStyle) -> bool {
    tag == SfTag::Null
        || (!tag.is_core()
            && !tag.forces_string()
            && !matches!(tag, SfTag::Binary | SfTag::Typed(_))
            && nullish(value, style))
}

/// What a scalar resolved to.
#[derive(Debug, PartialEq)]
pub(super) enum Scalar<'a> {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(Cow<'a, str>),
    Typed(AsWritten, Cow<'a, str>),
}

/// Resolves a scalar read at `loc`.
pub(super) fn resolve(
    value: Cow<'_, str>,
    style: ScalarStyle,
    tag: SfTag,
    loc: Loc,
) -> Result<Scalar<'_>> {
    match tag {
        SfTag::Typed(why) => return Ok(Scalar::Typed(why, value)),
        SfTag::Null => return Ok(Scalar::Null),
        SfTag::Bool => {
            let t = trim(&value);
            return if t.eq_ignore_ascii_case("true") {
                Ok(Scalar::Bool(true))
            } else if t.eq_ignore_ascii_case("false") {
                Ok(Scalar::Bool(false))
            } else {
                Err(YamlError::at(
                    loc,
                    "invalid boolean (strict mode expects true/false)",
                ))
            };
        }
        SfTag::Int if trim(&value).starts_with('-') => {
            return signed(&value)
                .and_then(|v| i64::try_from(v).ok())
                .map(Scalar::I64)
                .ok_or_else(|| YamlError::at(loc, "invalid i64"));
        }
        SfTag::Int => {
            return unsigned(&value)
                .and_then(|v| u64::try_from(v).ok())
                .map(Scalar::U64)
                .ok_or_else(|| YamlError::at(loc, "invalid u64"));
        }
        SfTag::Float => {
            return float(&value)
                .map(float_scalar)
                .ok_or_else(|| YamlError::at(loc, "invalid floating point"));
        }
        _ => {}
    }
    if is_null(tag, &value, style) {
        return Ok(Scalar::Null);
    }
    let plain = matches!(style, ScalarStyle::Plain);
    if !plain || !tag.can_parse_into_string() || tag == SfTag::Binary || tag.forces_string() {
        if tag == SfTag::Binary {
            let bytes = decode_base64(&value)
                .ok_or_else(|| YamlError::at(loc, "invalid !!binary base64"))?;
            return String::from_utf8(bytes)
                .map(|s| Scalar::Str(Cow::Owned(s)))
                .map_err(|_| {
                    YamlError::at(
                        loc,
                        "!!binary scalar is not valid UTF-8 so cannot be stored into string. \
                         If you just use !!binary for documentation/annotation, set \
                         ignore_binary_tag_for_string in Options",
                    )
                });
        }
        if !tag.can_parse_into_string() {
            return Err(YamlError::at(
                loc,
                "cannot deserialize tagged scalar into string",
            ));
        }
        return Ok(Scalar::Str(value));
    }
    let t = trim(&value);
    if t.eq_ignore_ascii_case("true") {
        return Ok(Scalar::Bool(true));
    }
    if t.eq_ignore_ascii_case("false") {
        return Ok(Scalar::Bool(false));
    }
    if !may_be_number(t) {
        return Ok(Scalar::Str(value));
    }
    if t.starts_with('-') {
        if !leading_zero_decimal(t)
            && let Some(v) = signed(t).and_then(|v| i64::try_from(v).ok())
        {
            return Ok(Scalar::I64(v));
        }
    } else if let Some(v) = unsigned(t).and_then(|v| u64::try_from(v).ok()) {
        return Ok(Scalar::U64(v));
    }
    if let Some(v) = float(&value) {
        return Ok(float_scalar(v));
    }
    Ok(Scalar::Str(value))
}

/// Whether a scalar resolves to an infinite or NaN float (`.inf`, `-.Inf`, `.nan`, `1e999`):
/// tagged `!!float`, or plain and read by the schema (as [`resolve`] reads it).
pub(super) fn is_non_finite_float(value: &str, style: ScalarStyle, tag: SfTag) -> bool {
    let schema = matches!(style, ScalarStyle::Plain)
        && tag.can_parse_into_string()
        && !tag.forces_string()
        && !matches!(
            tag,
            SfTag::Binary | SfTag::Int | SfTag::Bool | SfTag::Null | SfTag::Typed(_)
        );
    (tag == SfTag::Float || schema) && float(value).is_some_and(|f| !f.is_finite())
}

/// A finite float as itself; infinities and NaN as their YAML spelling.
fn float_scalar(v: f64) -> Scalar<'static> {
    if v.is_finite() {
        Scalar::F64(v)
    } else if v.is_nan() {
        Scalar::Str(Cow::Borrowed(".nan"))
    } else if v.is_sign_negative() {
        Scalar::Str(Cow::Borrowed("-.inf"))
    } else {
        Scalar::Str(Cow::Borrowed(".inf"))
    }
}

/// `0127`, `+0127`, `-0127`: a decimal with a redundant leading zero (not an integer).
fn leading_zero_decimal(t: &str) -> bool {
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    digits
        .strip_prefix('0')
        .and_then(|rest| rest.chars().next())
        .is_some_and(|next| !matches!(next, 'x' | 'X' | 'o' | 'O' | 'b' | 'B'))
}

/// The radix a `0x`/`0o`/`0b` prefix selects (10 without one), and the digits after it.
fn radix_and_digits(rest: &str) -> (u32, &str) {
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(digits) = rest.strip_prefix(prefix) {
            return (radix, digits);
        }
    }
    (10, rest)
}

/// Digits in `radix`, with single `_` allowed between them; `None` on overflow.
fn digits_u128(digits: &str, radix: u32) -> Option<u128> {
    let bytes = digits.as_bytes();
    let mut value: u128 = 0;
    let mut saw = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let prev_ok = i > 0 && bytes[i - 1] != b'_';
            let next_ok = bytes.get(i + 1).is_some_and(|&n| n != b'_');
            if !prev_ok || !next_ok {
                return None;
            }
            continue;
        }
        let d = char::from(b).to_digit(16)?;
        if d >= radix || (radix == 10 && !b.is_ascii_digit()) {
            return None;
        }
        value = value
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(d))?;
        saw = true;
    }
    saw.then_some(value)
}

/// A signed integer (`-17`, `+0x1F`, `-0o17`, `1_000`).
pub(super) fn signed(s: &str) -> Option<i128> {
    let t = trim(s);
    let (negative, rest) = match t.strip_prefix('+') {
        Some(r) => (false, r),
        None => match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t),
        },
    };
    let (radix, digits) = radix_and_digits(rest);
    if radix == 10 && digits.starts_with('0') && digits != "0" {
        return None;
    }
    let magnitude = digits_u128(digits, radix)?;
    if negative {
        if magnitude == i128::MAX.unsigned_abs() + 1 {
            Some(i128::MIN)
        } else {
            i128::try_from(magnitude).ok()?.checked_neg()
        }
    } else {
        i128::try_from(magnitude).ok()
    }
}

/// A non-negative integer (`17`, `+0x1F`).
pub(super) fn unsigned(s: &str) -> Option<u128> {
    let t = trim(s);
    if t.starts_with('-') {
        return None;
    }
    let rest = t.strip_prefix('+').unwrap_or(t);
    let (radix, digits) = radix_and_digits(rest);
    if radix == 10 && digits.starts_with('0') && digits != "0" {
        return None;
    }
    digits_u128(digits, radix)
}

/// A YAML 1.2 float: `.inf`/`.nan` in any case and sign, or a decimal (which may overflow
/// to infinity; `inf`, `nan` and the like spelled without the dot are not floats).
fn float(s: &str) -> Option<f64> {
    let t = trim(s);
    if [".nan", "+.nan", "-.nan"]
        .iter()
        .any(|n| t.eq_ignore_ascii_case(n))
    {
        return Some(f64::NAN);
    }
    if t.eq_ignore_ascii_case(".inf") || t.eq_ignore_ascii_case("+.inf") {
        return Some(f64::INFINITY);
    }
    if t.eq_ignore_ascii_case("-.inf") {
        return Some(f64::NEG_INFINITY);
    }
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    // What Rust's float parser could accept; anything else is not worth a try.
    if !unsigned
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_digit() || b"._iInN".contains(b))
    {
        return None;
    }
    let parsed = t.parse::<f64>().ok()?;
    if parsed.is_finite() {
        return Some(parsed);
    }
    // Overflowing numerals count, not the spelled-out `inf`/`infinity`/`nan`.
    (parsed.is_infinite() && unsigned.as_bytes().first().is_some_and(u8::is_ascii_digit))
        .then_some(parsed)
}

/// Base64 as in `!!binary` (whitespace ignored, padding checked); `None` when malformed.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    fn sextet(b: u8) -> Option<u32> {
        Some(u32::from(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let cleaned: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !cleaned.len().is_multiple_of(4) {
        return None;
    }
    let chunks = cleaned.len() / 4;
    let mut out = Vec::with_capacity(chunks * 3);
    for (idx, chunk) in cleaned.chunks_exact(4).enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 0 && idx + 1 != chunks {
            return None;
        }
        let a = sextet(chunk[0])?;
        let b = sextet(chunk[1])?;
        let c = match chunk[2] {
            b'=' if pad < 2 => return None,
            b'=' => 0,
            byte => sextet(byte)?,
        };
        let d = match chunk[3] {
            b'=' if pad == 0 => return None,
            b'=' => 0,
            byte => sextet(byte)?,
        };
        if (pad == 2 && (b & 0x0F) != 0) || (pad == 1 && (c & 0x03) != 0) {
            return None;
        }
        let triple = (a << 18) | (b << 12) | (c << 6) | d;
        let [_, x, y, z] = triple.to_be_bytes();
        out.push(x);
        if pad < 2 {
            out.push(y);
        }
        if pad == 0 {
            out.push(z);
        }
        if pad > 2 {
            return None;
        }
    }
    Some(out)
}
