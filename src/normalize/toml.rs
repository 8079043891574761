//! TOML files, read with the `toml` crate's span-carrying document (`toml::de::DeTable`).
//!
//! - Tables become nested paths; a quoted key with dots stays one segment
//!   (`plugins."io.containerd.grpc.v1.cri".cni.bin_dir`); arrays and arrays of tables get
//!   indexes (`servers[0].host`), or the item's identity when every table has a unique
//!   `name`, `id`, ... (`servers[name=web].host`, see `nodes`). Inline tables equal the same
//!   standard tables.
//! - Datetimes are strings of their TOML text as the crate prints them (RFC 3339, so
//!   `1979-05-27 07:32:00Z` and `1979-05-27T07:32:00Z` are equal).
//! - Integers that do not fit `i64` and non-finite floats (`inf`, `nan`) are strings.
//! - Every leaf gets the line of its value. A table with no keys (`[empty]`) is an
//!   `EmptyMap` leaf at the line of its header.
//! - The crate enforces TOML's rules (duplicate keys and tables are errors) and bounds
//!   nesting itself (about 80 levels): deeper input is a parse error.

use super::nodes::{LineIndex, Located, Node};
use crate::tree::Map;
use crate::tree::{ParseError, Tree, Value};
use toml::Spanned;
use toml::de::{DeInteger, DeTable, DeValue};

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let lines = LineIndex::new(text);
    let document = DeTable::parse(text).map_err(|e| to_parse_error(&e, &lines))?;
    let mut tree = Tree::new();
    // An empty document is no keys at all, not an empty-table leaf.
    if !document.get_ref().is_empty() {
        let root = Located::new(table(document.get_ref(), &lines), 1);
        root.flatten_into(&mut String::new(), &mut tree);
    }
    Ok(tree)
}

fn to_parse_error(err: &toml::de::Error, lines: &LineIndex) -> ParseError {
    let (line, column) = err
        .span()
        .map_or((1, 1), |span| lines.line_column(span.start));
    let message = err.message().lines().next().unwrap_or("").trim();
    let message = if message.is_empty() {
        "invalid TOML".to_string()
    } else if message.contains("recursion") {
        format!("nesting too deep: expected fewer nested tables, arrays or dotted keys ({message})")
    } else {
        message.to_string()
    };
    ParseError::new(line, column, message)
}

fn table(table: &DeTable, lines: &LineIndex) -> Node {
    let mut entries = Map::with_capacity_and_hasher(table.len(), Default::default());
    for (key, value) in table.iter() {
        entries.insert(key.get_ref().to_string(), located(value, lines));
    }
    Node::Map(entries)
}

fn located(value: &Spanned<DeValue>, lines: &LineIndex) -> Located {
    let line = lines.line(value.span().start);
    let node = match value.get_ref() {
        DeValue::String(s) => Node::Leaf(Value::Str(s.to_string())),
        DeValue::Integer(i) => Node::Leaf(integer(i)),
        DeValue::Float(f) => Node::Leaf(match f.as_str().parse::<f64>() {
            Ok(x) if x.is_finite() => Value::Float(x),
            _ => Value::Str(f.to_string()),
        }),
        DeValue::Boolean(b) => Node::Leaf(Value::Bool(*b)),
        DeValue::Datetime(d) => Node::Leaf(Value::Str(d.to_string())),
        DeValue::Array(items) => Node::List(items.iter().map(|v| located(v, lines)).collect()),
        DeValue::Table(t) => table(t, lines),
    };
    Located::new(node, line)
}

fn integer(i: &DeInteger) -> Value {
    match i64::from_str_radix(i.as_str(), i.radix()) {
        Ok(n) => Value::Int(n),
        Err(_) => match i128::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Str(n.to_string()),
            Err(_) => Value::Str(i.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::*;

    const CONTAINERD: &str = r#"# containerd config
version = 2
root = "/var/lib/containerd"

[grpc]
  address = "/run/containerd/containerd.sock"
  max_recv_message_size = 16_777_216

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.9"
  enable_selinux = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/opt/cni/bin"
    conf_dir = '/etc/cni/net.d'

[metrics]

[[servers]]
host = "a.example"
ports = [
  80,
  443,
]
[[servers]]
host = "b.example"
started = 1979-05-27 07:32:00Z
ratio = 0.75
big = 0x7FFF_FFFF_FFFF_FFFF
huge = 9_999_999_999_999_999_999
"#;

    #[test]
    fn containerd_style_keys_values_and_lines() {
        let t = parse(CONTAINERD).unwrap();
        assert_eq!(get(&t, "version"), (&Value::Int(2), 2));
        assert_eq!(get(&t, "root").1, 3);
        assert_eq!(
            get(&t, "grpc.max_recv_message_size"),
            (&Value::Int(16_777_216), 7)
        );
        let cri = r#"plugins."io.containerd.grpc.v1.cri""#;
        assert_eq!(
            get(&t, &format!("{cri}.sandbox_image")),
            (&Value::text("registry.k8s.io/pause:3.9"), 10)
        );
        assert_eq!(
            get(&t, &format!("{cri}.enable_selinux")),
            (&Value::Bool(false), 11)
        );
        assert_eq!(
            get(&t, &format!("{cri}.cni.bin_dir")),
            (&Value::text("/opt/cni/bin"), 14)
        );
        assert_eq!(get(&t, &format!("{cri}.cni.conf_dir")).1, 15);
        assert_eq!(get(&t, "metrics"), (&Value::EmptyMap, 17));
        assert_eq!(get(&t, "servers[0].host"), (&Value::text("a.example"), 20));
        assert_eq!(get(&t, "servers[0].ports[0]"), (&Value::Int(80), 22));
        assert_eq!(get(&t, "servers[0].ports[1]"), (&Value::Int(443), 23));
        assert_eq!(get(&t, "servers[1].host").1, 26);
        assert_eq!(
            get(&t, "servers[1].started"),
            (&Value::text("1979-05-27T07:32:00Z"), 27)
        );
        assert_eq!(get(&t, "servers[1].ratio"), (&Value::Float(0.75), 28));
        assert_eq!(get(&t, "servers[1].big").0, &Value::Int(i64::MAX));
        assert_eq!(
            get(&t, "servers[1].huge").0,
            &Value::text("9999999999999999999")
        );
        assert_eq!(t.len(), 17);
    }

    #[test]
    fn inline_tables_quoting_order_and_comments_do_not_change_the_tree() {
        let standard =
            "[server]\nhost = \"db\"  # primary\nport = 5432\n\n[server.tls]\nenabled = true\n";
        let inline = "server = { port = 5432, tls = { enabled = true }, host = 'db' }\n";
        let dotted =
            "server.tls.enabled = true\n\"server\".'host' = \"\"\"db\"\"\"\nserver.port = 5_432\n";
        let a = parse(standard).unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(content(&a), content(&parse(inline).unwrap()));
        assert_eq!(content(&a), content(&parse(dotted).unwrap()));
        assert_ne!(
            content(&a),
            content(&parse(&inline.replace("5432", "5433")).unwrap())
        );
        // Same instant, other spelling.
        assert_eq!(
            content(&parse("t = 1979-05-27T07:32:00Z").unwrap()),
            content(&parse("t = 1979-05-27 07:32:00Z").unwrap())
        );
    }

    #[test]
    fn special_values() {
        let t = parse("a = inf\nb = -inf\nc = nan\nd = []\ne = {}\nf = 0o755\n").unwrap();
        assert_eq!(get(&t, "a").0, &Value::text("inf"));
        assert_eq!(get(&t, "b").0, &Value::text("-inf"));
        assert_eq!(get(&t, "c").0, &Value::text("nan"));
        assert_eq!(get(&t, "d"), (&Value::EmptyList, 4));
        assert_eq!(get(&t, "e"), (&Value::EmptyMap, 5));
        assert_eq!(get(&t, "f").0, &Value::Int(0o755));
        assert!(
            parse("g = -0b11\n").is_err(),
            "TOML has no signed binary integers"
        );
    }

    #[test]
    fn empty_input_is_an_empty_tree() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("# nothing\n\n").unwrap().is_empty());
    }

    #[test]
    fn broken_input_reports_line_and_column() {
        let e = parse("name = \"x\"\nports = [1, 2\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 14), "{e:?}");
        assert!(e.message.contains("expected `]`"), "{e:?}");

        let e = parse("a = 1\nb = \"unterminated\n").unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");

        let e = parse("[a]\nb = 1\n\n[a]\n").unwrap_err();
        assert_eq!((e.line, e.column), (4, 2), "{e:?}");
        assert!(e.message.contains("duplicate key"), "{e:?}");

        let e = parse("key = \n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 7), "{e:?}");
        assert!(e.message.contains("expected"), "{e:?}");

        let e = parse("[servers\nhost = 1\n").unwrap_err();
        assert_eq!(e.line, 1, "{e:?}");
        assert!(!e.message.contains('\n') && !e.message.is_empty());
    }

    #[test]
    fn deep_nesting_is_refused_without_panic() {
        let deep = format!("a = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let e = parse(&deep).unwrap_err();
        assert_eq!(e.line, 1);
        let deep_inline = format!("a = {}\n", "{b = ".repeat(10_000) + &"}".repeat(10_000));
        assert!(parse(&deep_inline).is_err());
        let deep_tables = format!("[{}]\nx = 1\n", vec!["k"; 100_000].join("."));
        let e = parse(&deep_tables).unwrap_err();
        assert!(e.message.starts_with("nesting too deep"), "{e:?}");
        let e = parse(&format!("{} = 1\n", vec!["k"; 100_000].join("."))).unwrap_err();
        assert!(e.message.starts_with("nesting too deep"), "{e:?}");
        let ok = format!("a = {}1{}\n", "[".repeat(20), "]".repeat(20));
        assert_eq!(parse(&ok).unwrap().len(), 1);
    }
}
