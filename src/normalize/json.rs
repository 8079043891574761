//! JSON files (RFC 8259), read by a small recursive-descent reader that knows the byte
//! offset of every value, so that every leaf gets its line and every error a line:column.
//! `serde_json` cannot report where a value was, only where it failed.
//!
//! - Strict JSON: no comments, no trailing commas, no single quotes, no leading zeros,
//!   control characters must be escaped; error messages follow `serde_json`'s wording
//!   (`expected `,` or `]``, `EOF while parsing an object`, `trailing characters`).
//!   An error at the end of the input points just past the last character read.
//! - Integers that fit `i64` are `Int`; other numbers are `Float` when finite in `f64`;
//!   anything bigger (`1e400`, `123456789012345678901234567890`) stays a string of its text.
//! - Arrays of objects with a unique `name`, `id`, ... are keyed by it (`servers[name=web]`,
//!   see `nodes`); other arrays by position (`servers[0]`).
//! - Repeated keys: the last one wins (as `serde_json` and JavaScript do).
//! - Nesting deeper than 256 objects/arrays is refused (stack safety).
//! - An empty (whitespace-only) file is an empty tree, like an empty YAML or TOML file.
//!   A scalar root (`42`) is one leaf at the empty path.

use super::nodes::{LineIndex, Located, Node};
use crate::tree::Map;
use crate::tree::{ParseError, Tree, Value};

/// Deepest nesting of objects and arrays accepted.
const MAX_DEPTH: usize = 256;

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        lines: LineIndex::new(text),
    };
    reader.skip_whitespace();
    let mut tree = Tree::new();
    if reader.pos == reader.bytes.len() {
        return Ok(tree);
    }
    let root = reader.value(0)?;
    reader.skip_whitespace();
    if reader.pos != reader.bytes.len() {
        return Err(reader.error_here("trailing characters"));
    }
    root.flatten_into(&mut String::new(), &mut tree);
    Ok(tree)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    lines: LineIndex<'a>,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn error_at(&self, offset: usize, message: &str) -> ParseError {
        let (line, column) = self.lines.line_column(offset);
        ParseError::new(line, column, message)
    }

    fn error_here(&self, message: &str) -> ParseError {
        self.error_at(self.pos, message)
    }

    /// An error for input that ended too early: just past the last non-blank character.
    fn error_eof(&self, message: &str) -> ParseError {
        let end = self.text.trim_end_matches([' ', '\t', '\n', '\r']).len();
        self.error_at(end, message)
    }

    /// Expects the current byte to be `b`; the error says what was expected.
    fn expect(&mut self, b: u8, message: &str, eof_message: &str) -> Result<(), ParseError> {
        match self.peek() {
            Some(c) if c == b => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.error_here(message)),
            None => Err(self.error_eof(eof_message)),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Located, ParseError> {
        let start = self.pos;
        let line = self.lines.line(start);
        let node = match self.peek() {
            None => return Err(self.error_eof("EOF while parsing a value")),
            Some(b'{') => self.object(depth + 1)?,
            Some(b'[') => self.array(depth + 1)?,
            Some(b'"') => Node::Leaf(Value::Str(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => Node::Leaf(self.number()?),
            Some(_) => return Err(self.error_here("expected value")),
        };
        Ok(Located::new(node, line))
    }

    fn check_depth(&self, depth: usize) -> Result<(), ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error_here(
                "nesting too deep: expected at most 256 levels of nested objects and arrays",
            ));
        }
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Result<Node, ParseError> {
        self.check_depth(depth)?;
        self.pos += 1; // '{'
        let mut entries = Map::default();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Node::Map(entries));
        }
        loop {
            match self.peek() {
                Some(b'"') => {}
                Some(b'}') => return Err(self.error_here("trailing comma")),
                Some(_) => return Err(self.error_here("key must be a string")),
                None => return Err(self.error_eof("EOF while parsing an object")),
            }
            let key = self.string()?;
            self.skip_whitespace();
            self.expect(b':', "expected `:`", "EOF while parsing an object")?;
            self.skip_whitespace();
            let value = self.value(depth)?;
            entries.insert(key, value);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Node::Map(entries));
                }
                Some(_) => return Err(self.error_here("expected `,` or `}`")),
                None => return Err(self.error_eof("EOF while parsing an object")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Node, ParseError> {
        self.check_depth(depth)?;
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Node::List(items));
        }
        loop {
            match self.peek() {
                Some(b']') => return Err(self.error_here("trailing comma")),
                None => return Err(self.error_eof("EOF while parsing a list")),
                Some(_) => {}
            }
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Node::List(items));
                }
                Some(_) => return Err(self.error_here("expected `,` or `]`")),
                None => return Err(self.error_eof("EOF while parsing a list")),
            }
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Node, ParseError> {
        let rest = &self.bytes[self.pos..];
        if rest.starts_with(word.as_bytes()) {
            self.pos += word.len();
            return Ok(Node::Leaf(value));
        }
        // How far the input agrees with the word: the error is at the first difference.
        let same = rest
            .iter()
            .zip(word.as_bytes())
            .take_while(|(a, b)| a == b)
            .count();
        if same == rest.len() {
            return Err(self.error_eof("EOF while parsing a value"));
        }
        Err(self.error_at(self.pos + same, "expected value"))
    }

    /// A string starting at the current `"`; returns its unescaped text.
    fn string(&mut self) -> Result<String, ParseError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        let mut run_start = self.pos;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error_eof("EOF while parsing a string"));
            };
            match b {
                b'"' => {
                    out.push_str(&self.text[run_start..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[run_start..self.pos]);
                    self.pos += 1;
                    self.escape(&mut out)?;
                    run_start = self.pos;
                }
                0x00..=0x1F => {
                    return Err(self.error_here(
                        "control character (\\u0000-\\u001F) found while parsing a string",
                    ));
                }
                _ => self.pos += 1,
            }
        }
    }

    /// One escape after its backslash.
    fn escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        let Some(b) = self.peek() else {
            return Err(self.error_eof("EOF while parsing a string"));
        };
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                match first {
                    0xD800..=0xDBFF => {
                        // A leading surrogate must be followed by `\u` and a trailing one.
                        if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                            return Err(self.error_here("lone leading surrogate in hex escape"));
                        }
                        self.pos += 2;
                        let second = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(self.error_at(self.pos - 4, "invalid unicode code point"));
                        }
                        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                        char::from_u32(code).ok_or_else(|| {
                            self.error_at(self.pos - 4, "invalid unicode code point")
                        })?
                    }
                    _ => char::from_u32(first)
                        .ok_or_else(|| self.error_at(self.pos - 4, "invalid unicode code point"))?,
                }
            }
            _ => return Err(self.error_at(self.pos - 1, "invalid escape")),
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut code = 0;
        for _ in 0..4 {
            let Some(b) = self.peek() else {
                return Err(self.error_eof("EOF while parsing a string"));
            };
            let digit = (b as char)
                .to_digit(16)
                .ok_or_else(|| self.error_here("invalid escape: expected 4 hex digits"))?;
            code = code * 16 + digit;
            self.pos += 1;
        }
        Ok(code)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.error_here("invalid number"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            None => return Err(self.error_eof("EOF while parsing a value")),
            Some(_) => return Err(self.error_here("invalid number")),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.number_error());
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.number_error());
            }
        }
        let text = &self.text[start..self.pos];
        if integer && let Ok(i) = text.parse::<i64>() {
            return Ok(Value::Int(i));
        }
        Ok(match text.parse::<f64>() {
            Ok(f) if f.is_finite() && !integer => Value::Float(f),
            // Too big for i64 (integers) or for f64: kept exactly as written.
            _ => Value::Str(text.to_string()),
        })
    }

    fn number_error(&self) -> ParseError {
        if self.pos == self.bytes.len() {
            self.error_eof("EOF while parsing a value")
        } else {
            self.error_here("invalid number")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::*;

    const PACKAGE_JSON: &str = r#"{
  "name": "web-frontend",
  "version": "2.4.1",
  "private": true,
  "scripts": {
    "build": "vite build",
    "test": "vitest run"
  },
  "engines": { "node": ">=20" },
  "files": [],
  "config": {},
  "workspaces": [
    "packages/ui",
    "packages/api"
  ],
  "publishConfig": { "registry.url": "https://npm.example.com", "access": null },
  "limits": { "max": 9223372036854775807, "over": 9223372036854775808, "ratio": 0.25,
              "exp": 1E3, "huge": 1e400, "neg": -12 },
  "escaped": "tab\there \u00e9 \ud83d\ude00 \"q\" \/"
}
"#;

    #[test]
    fn package_json_keys_values_and_lines() {
        let t = parse(PACKAGE_JSON).unwrap();
        assert_eq!(get(&t, "name"), (&Value::text("web-frontend"), 2));
        assert_eq!(get(&t, "private"), (&Value::Bool(true), 4));
        assert_eq!(get(&t, "scripts.build"), (&Value::text("vite build"), 6));
        assert_eq!(get(&t, "scripts.test").1, 7);
        assert_eq!(get(&t, "engines.node"), (&Value::text(">=20"), 9));
        assert_eq!(get(&t, "files"), (&Value::EmptyList, 10));
        assert_eq!(get(&t, "config"), (&Value::EmptyMap, 11));
        assert_eq!(get(&t, "workspaces[0]"), (&Value::text("packages/ui"), 13));
        assert_eq!(get(&t, "workspaces[1]"), (&Value::text("packages/api"), 14));
        assert_eq!(
            get(&t, r#"publishConfig."registry.url""#),
            (&Value::text("https://npm.example.com"), 16)
        );
        assert_eq!(get(&t, "publishConfig.access"), (&Value::Null, 16));
        assert_eq!(get(&t, "limits.max"), (&Value::Int(i64::MAX), 17));
        assert_eq!(
            get(&t, "limits.over").0,
            &Value::text("9223372036854775808")
        );
        assert_eq!(get(&t, "limits.ratio").0, &Value::Float(0.25));
        assert_eq!(get(&t, "limits.exp"), (&Value::Float(1000.0), 18));
        assert_eq!(get(&t, "limits.huge").0, &Value::text("1e400"));
        assert_eq!(get(&t, "limits.neg").0, &Value::Int(-12));
        assert_eq!(
            get(&t, "escaped"),
            (&Value::text("tab\there é 😀 \"q\" /"), 19)
        );
        assert_eq!(t.len(), 19);
    }

    #[test]
    fn whitespace_order_and_escapes_do_not_change_the_tree() {
        let pretty = "{\n  \"a\": 1,\n  \"b\": [true, null],\n  \"c\": {\"d\": \"x\"}\n}\n";
        let compact = r#"{"c":{"d":"\u0078"},"b":[true,null],"a":1}"#;
        let spaced = "\r\n\t{ \"b\" : [ true , null ] ,\"a\"\n:\n1 , \"c\" : { \"d\" : \"x\" } }  ";
        let a = parse(pretty).unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(content(&a), content(&parse(compact).unwrap()));
        assert_eq!(content(&a), content(&parse(spaced).unwrap()));
        assert_ne!(
            content(&a),
            content(&parse(&compact.replace("1", "2")).unwrap())
        );
    }

    #[test]
    fn repeated_key_last_wins() {
        let t = parse("{\"a\": {\"x\": 1},\n\"b\": 2,\n\"a\": {\"y\": 3}}").unwrap();
        assert_eq!(t.get("a.x"), None);
        assert_eq!(get(&t, "a.y"), (&Value::Int(3), 3));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn empty_and_scalar_roots() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse(" \n\t\r\n").unwrap().is_empty());
        assert_eq!(get(&parse("\n42\n").unwrap(), ""), (&Value::Int(42), 2));
        assert_eq!(get(&parse("{}").unwrap(), ""), (&Value::EmptyMap, 1));
    }

    #[test]
    fn broken_input_reports_line_and_column() {
        let cases: &[(&str, (u32, u32), &str)] = &[
            ("{\"a\": [1, 2", (1, 12), "EOF while parsing a list"),
            ("{\n  \"a\": [1 2]\n}", (2, 11), "expected `,` or `]`"),
            (
                "{\n  \"a\": 1\n  \"b\": 2\n}",
                (3, 3),
                "expected `,` or `}`",
            ),
            ("{\"a\": 1,}", (1, 9), "trailing comma"),
            ("[1,\n]", (2, 1), "trailing comma"),
            ("{a: 1}", (1, 2), "key must be a string"),
            ("{\"a\" 1}", (1, 6), "expected `:`"),
            ("{\"a\": }", (1, 7), "expected value"),
            ("{\"a\": tru }", (1, 10), "expected value"),
            ("{\"a\": 01}", (1, 8), "invalid number"),
            ("{\"a\": \"x\ny\"}", (1, 9), "control character"),
            ("{\"a\": \"\\q\"}", (1, 9), "invalid escape"),
            ("{\"a\": \"\\ud800\"}", (1, 14), "lone leading surrogate"),
            ("{\"a\": \"é", (1, 9), "EOF while parsing a string"),
            ("{\"a\": 1}\n{\"b\": 2}", (2, 1), "trailing characters"),
            ("{\"a\": 1 // comment\n}", (1, 9), "expected `,` or `}`"),
            ("{\n  \"a\": 1,\n\n", (2, 10), "EOF while parsing an object"),
            ("{'a': 1}", (1, 2), "key must be a string"),
        ];
        for (text, at, message) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!((e.line, e.column), *at, "{text:?}: {e:?}");
            assert!(e.message.contains(message), "{text:?}: {e:?}");
            // serde_json agrees that it is invalid, and on the line when not at the end
            // (it puts a raw newline in a string at column 0 of the next line).
            let theirs = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
            if !theirs.is_eof() && theirs.column() > 0 {
                assert_eq!(theirs.line(), e.line as usize, "{text:?}: {theirs}");
            }
        }
    }

    #[test]
    fn accepts_exactly_what_serde_json_accepts() {
        let inputs = [
            "0",
            "-0",
            "-0.0e-0",
            "1E+2",
            "1.5e",
            ".5",
            "+1",
            "1.",
            "[-]",
            "-a",
            "\"\\u00\"",
            "\"\\uD834\\uDD1E\"",
            "\"\\uDD1E\"",
            "true",
            "True",
            "nul",
            "[1,2,]",
            "[,]",
            "{,}",
            "{\"a\":1}x",
            "\"\u{7f}\"",
            "\"\\/\"",
            "[[]]",
            "{\"\":\"\"}",
            "\u{a0}1",
        ];
        for text in inputs {
            let ours = parse(text);
            let theirs = serde_json::from_str::<serde_json::Value>(text);
            assert_eq!(
                ours.is_ok(),
                theirs.is_ok(),
                "{text:?}: {ours:?} vs {theirs:?}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_panic() {
        let ok = format!("{}1{}", "[".repeat(256), "]".repeat(256));
        assert_eq!(parse(&ok).unwrap().len(), 1);
        let deep = format!("{}1{}", "[".repeat(257), "]".repeat(257));
        let e = parse(&deep).unwrap_err();
        assert_eq!((e.line, e.column), (1, 257));
        assert!(e.message.contains("nesting too deep"), "{e:?}");
        let hostile = "{\"a\":".repeat(1_000_000);
        let e = parse(&hostile).unwrap_err();
        assert!(e.message.contains("nesting too deep"), "{e:?}");
    }
}
