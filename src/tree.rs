//! The normalized form every parser produces: an ordered map from key path to a scalar value
//! and the 1-based line it was read from. Containers are flattened to their leaves, so the same
//! dotted key in a `.properties` and a `.yml` file lands on the same path.

use indexmap::IndexMap;

/// An insertion-ordered map hashed with foldhash: the trees' keys are hashed on every parse and
/// every comparison, and SipHash (std's) took a tenth of a check's instructions.
pub type Map<K, V> = IndexMap<K, V, Keyed>;

/// foldhash keyed once per process from the operating system's randomness (drawn through
/// std's `RandomState`), so a hostile file cannot choose keys that collide ahead of time.
/// (foldhash's own `RandomState` is seeded from addresses and the clock.)
#[derive(Clone, Debug)]
pub struct Keyed(foldhash::fast::SeedableRandomState);

impl Default for Keyed {
    fn default() -> Keyed {
        use std::hash::BuildHasher;
        static SEED: std::sync::OnceLock<(u64, foldhash::SharedSeed)> = std::sync::OnceLock::new();
        let (per_map, shared) = SEED.get_or_init(|| {
            let os = std::hash::RandomState::new();
            (
                os.hash_one(1u8),
                foldhash::SharedSeed::from_u64(os.hash_one(2u8)),
            )
        });
        Keyed(foldhash::fast::SeedableRandomState::with_seed(
            *per_map, shared,
        ))
    }
}

impl std::hash::BuildHasher for Keyed {
    type Hasher = foldhash::fast::FoldHasher<'static>;

    fn build_hasher(&self) -> Self::Hasher {
        self.0.build_hasher()
    }
}
use std::fmt;

/// One normalized scalar. Equality is semantic (see [`Value::same`]), not structural.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A number with a unit, kept as written (`128MB`) and compared by `amount`, the quantity
    /// in the setting's base unit (`16384` pages of 8 kB), so `128MB` = `131072kB` = `16384`.
    Quantity {
        amount: f64,
        text: String,
    },
    /// An empty mapping or list: a leaf of its own so that `x: {}` differs from no `x` at all.
    EmptyMap,
    EmptyList,
    /// A scalar compared as written, of a type the others cannot hold: in YAML 1.1, a
    /// timestamp (`2001-12-14`, a date to Ruby and Python), or a scalar the YAML 1.1 readers
    /// read differently (`yEs` is true to Ruby's Psych, a string to PyYAML). Equal only to the
    /// same tag and text: never to a string, a number or a boolean.
    Typed {
        tag: &'static str,
        text: String,
    },
}

impl Value {
    /// Semantic equality: quoting never counts, so a string that spells a number or a
    /// boolean equals that number or boolean (`"5432"` = `5432`, `50` = `50.0`).
    pub fn same(&self, other: &Value) -> bool {
        if self == other {
            return true;
        }
        match (self.as_f64(), other.as_f64()) {
            (Some(a), Some(b)) => return a == b,
            (Some(_), None) | (None, Some(_)) => return false,
            _ => {}
        }
        match (self.as_bool(), other.as_bool()) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }

    /// The value as a number, when it is one or is a string that spells one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Quantity { amount, .. } => Some(*amount),
            Value::Str(s) => parse_number(s),
            _ => None,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Str(s) if s == "true" => Some(true),
            Value::Str(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// A plain string value for scalars read from untyped formats (properties, INI, ...).
    pub fn text(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    /// The value for a JSON report: numbers stay numbers, everything else is its display text.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or_else(|| serde_json::Value::String(f.to_string())),
            Value::Str(s) => match s.parse::<i64>() {
                Ok(i) if i.to_string() == *s => serde_json::Value::from(i),
                _ => serde_json::Value::String(s.clone()),
            },
            Value::Quantity { text, .. } | Value::Typed { text, .. } => {
                serde_json::Value::String(text.clone())
            }
            Value::EmptyMap => serde_json::json!({}),
            Value::EmptyList => serde_json::json!([]),
        }
    }
}

/// Parses a decimal, hex-free number the way an operator reads one (`50`, `-3`, `0.5`, `1e3`).
fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let first = t.as_bytes().first()?;
    if !(first.is_ascii_digit() || *first == b'-' || *first == b'+' || *first == b'.') {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) | Value::Quantity { text: s, .. } | Value::Typed { text: s, .. } => {
                f.write_str(s)
            }
            Value::EmptyMap => f.write_str("{}"),
            Value::EmptyList => f.write_str("[]"),
        }
    }
}

/// The line of a value that is the whole file's (a binary file's hash), not one line's.
pub const WHOLE_FILE: u32 = 0;

/// A value and the 1-based line of the live or baseline file it was read from
/// ([`WHOLE_FILE`] for a binary file's hash).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub value: Value,
    pub line: u32,
}

/// Appends one segment to a dotted key path. Segments holding `.`, `[`, `]`, `"` or spaces
/// are quoted (`plugins."io.containerd.grpc.v1.cri".cni`) so that a path reads back unambiguously.
pub fn push_key(path: &mut String, segment: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    // Bytes first (most keys are plain ASCII); the characters only when one may need it.
    let maybe = segment.bytes().any(|b| {
        matches!(b, b'.' | b'[' | b']' | b'"' | b'\\' | b' ' | b'\t'..=b'\r') || b >= 0x80
    });
    let needs_quotes = segment.is_empty()
        || (maybe
            && segment
                .chars()
                .any(|c| matches!(c, '.' | '[' | ']' | '"' | '\\') || c.is_whitespace()));
    if needs_quotes {
        path.push('"');
        for c in segment.chars() {
            if c == '"' || c == '\\' {
                path.push('\\');
            }
            path.push(c);
        }
        path.push('"');
    } else {
        path.push_str(segment);
    }
}

/// Appends a list index (`servers[0]`).
pub fn push_index(path: &mut String, index: usize) {
    use fmt::Write;
    let _ = write!(path, "[{index}]");
}

/// The normalized content of one file: leaves in file order, keyed by dotted path.
/// Inserting a key that is already present replaces its value and line (last one wins),
/// which is what most formats do with a repeated key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tree {
    entries: Map<String, Entry>,
}

impl Tree {
    pub fn new() -> Tree {
        Tree::default()
    }

    pub fn insert(&mut self, key: impl Into<String>, value: Value, line: u32) {
        self.entries.insert(key.into(), Entry { value, line });
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// The stored key and its entry.
    pub fn get_key_value(&self, key: &str) -> Option<(&str, &Entry)> {
        self.entries
            .get_key_value(key)
            .map(|(k, e)| (k.as_str(), e))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(k, e)| (k.as_str(), e))
    }
}

/// Where a parser gave up: 1-based line and column, and what it expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl ParseError {
    pub fn new(line: u32, column: u32, message: impl Into<String>) -> ParseError {
        ParseError {
            line,
            column,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_number_spelling_are_not_drift() {
        assert!(Value::text("5432").same(&Value::Int(5432)));
        assert!(Value::Int(50).same(&Value::Float(50.0)));
        assert!(Value::text("true").same(&Value::Bool(true)));
        assert!(!Value::Int(5).same(&Value::Int(50)));
        assert!(!Value::text("5a").same(&Value::Int(5)));
        assert!(!Value::Null.same(&Value::text("")));
    }

    #[test]
    fn key_segments_with_dots_are_quoted() {
        let mut p = String::new();
        push_key(&mut p, "plugins");
        push_key(&mut p, "io.containerd.grpc.v1.cri");
        push_key(&mut p, "cni");
        push_index(&mut p, 0);
        assert_eq!(p, r#"plugins."io.containerd.grpc.v1.cri".cni[0]"#);
    }

    /// Every whitespace character is quoted, ASCII or not (the byte scan must not miss the
    /// vertical tab, NEL, NBSP or an em space), and plain keys, ASCII or not, are not.
    #[test]
    fn key_segments_with_any_whitespace_are_quoted() {
        for ws in [
            '\u{b}', '\u{c}', '\r', '\u{85}', '\u{a0}', '\u{2003}', '\u{3000}',
        ] {
            let mut p = String::new();
            push_key(&mut p, &format!("a{ws}b"));
            assert_eq!(p, format!("\"a{ws}b\""), "{:?}", ws);
        }
        for plain in ["max_connections", "größe", "名前", "a-b_c"] {
            let mut p = String::new();
            push_key(&mut p, plain);
            assert_eq!(p, plain);
        }
    }

    #[test]
    fn last_assignment_wins_and_keeps_its_line() {
        let mut t = Tree::new();
        t.insert("max_connections", Value::Int(100), 3);
        t.insert("max_connections", Value::Int(200), 9);
        assert_eq!(t.len(), 1);
        assert_eq!(t.get("max_connections").unwrap().line, 9);
    }
}
