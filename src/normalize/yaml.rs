//! YAML files, read with `serde-saphyr` (YAML 1.2 core schema).
//!
//! - Booleans are strict: only `true`/`false`; `yes`, `on`, `off` are strings.
//! - Anchors and aliases are resolved and merge keys (`<<: *base`) expanded; the crate's
//!   default budget and alias-replay limits stay on, so a billion-laughs file or nesting
//!   deeper than 64 levels is a parse error, not a hang.
//! - Repeated keys: the last one wins (`DuplicateKeyPolicy::LastWins`), as most YAML loaders do.
//! - Lines: every leaf gets the line where it is *referenced* in the document. For a value
//!   reached through an alias (`pool: *n`) that is the alias's line; for keys brought in by a
//!   merge (`<<: *default`) it is the line of the `<<` entry, not of the anchored definition.
//! - `.inf` / `.nan` (and decimals that overflow `f64`) are kept as strings, so that they
//!   compare equal to themselves.
//! - Several documents (`---`): with one non-empty document paths are as usual; with two or
//!   more each document's paths start with its index (`[0].kind`, `[1].metadata.name`).
//!   Empty (or `~`) documents produce nothing and take no index.

use super::nodes::{Located, Node};
use crate::tree::{ParseError, Tree, Value};
use indexmap::IndexMap;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::options::DuplicateKeyPolicy;
use serde_saphyr::{MessageFormatter, NonFiniteFloatPolicy, Spanned};
use std::fmt;

#[cfg(test)]
mod differential;
#[cfg(test)]
mod serde_reference;

/// Stack for the parsing thread. The crate recurses once per nesting level (at most 64, its
/// default depth budget) and in debug builds a level costs tens of kilobytes, more than the
/// 2 MiB a spawned thread gets by default; reserved, not committed, memory.
const PARSER_STACK: usize = 16 << 20;

/// Runs a YAML parse on a helper thread with a 16 MiB stack: serde-saphyr uses tens of KiB of
/// stack per nesting level in debug builds, enough to overflow a normal thread before its own
/// depth limit refuses the file. `None` when the helper panicked. Without a thread to spare
/// (resource limits) it runs here instead.
pub(crate) fn on_parser_stack<T: Send>(name: &str, f: impl Fn() -> T + Send + Sync) -> Option<T> {
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name(name.into())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, &f)
        {
            Ok(handle) => handle.join().ok(),
            Err(_) => Some(f()),
        }
    })
}

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    on_parser_stack("yaml-reader", || parse_on_this_thread(text)).unwrap_or_else(|| {
        Err(ParseError::new(
            1,
            1,
            "internal error in the YAML reader: expected a document it can read",
        ))
    })
}

fn parse_on_this_thread(text: &str) -> Result<Tree, ParseError> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: DuplicateKeyPolicy::LastWins,
        non_finite_float_policy: NonFiniteFloatPolicy::AsString,
        with_snippet: false,
    };
    let documents: Vec<Spanned<YamlNode>> =
        serde_saphyr::from_str_multiple_with_options(text, options).map_err(to_parse_error)?;
    let mut tree = Tree::new();
    let several = documents.len() > 1;
    for (index, document) in documents.into_iter().enumerate() {
        let mut path = String::new();
        if several {
            crate::tree::push_index(&mut path, index);
        }
        let root = Located::new(document.value.0, line_of(&document.referenced, 1));
        root.flatten_into(&mut path, &mut tree);
    }
    Ok(tree)
}

fn line_of(location: &serde_saphyr::Location, fallback: u32) -> u32 {
    match u32::try_from(location.line()) {
        Ok(0) | Err(_) => fallback,
        Ok(line) => line,
    }
}

fn to_parse_error(err: serde_saphyr::Error) -> ParseError {
    let err = err.without_snippet();
    let (line, column) = err.location().map_or((1, 1), |l| {
        (
            line_of(&l, 1),
            u32::try_from(l.column()).unwrap_or(1).max(1),
        )
    });
    // Wrappers that only add context: the message is the wrapped error's.
    let mut inner = err;
    while let serde_saphyr::Error::AliasError { error, .. }
    | serde_saphyr::Error::WithSnippet { error, .. } = inner
    {
        inner = error;
    }
    let message = match inner {
        serde_saphyr::Error::Budget { breach, .. } => budget_message(breach),
        _ => serde_saphyr::DefaultMessageFormatter
            .format_message(inner)
            .into_owned(),
    };
    // The message is shown on one line after `file:LINE:COL:`; the crate's location suffix
    // and any control characters are not wanted there.
    let message = message.lines().next().unwrap_or("").trim();
    let message: String = message.chars().filter(|c| !c.is_control()).collect();
    let message = match message.as_str() {
        "" => "invalid YAML".to_string(),
        // The scanner says what is open; say what is missing too.
        "unclosed bracket '['" => "unclosed bracket '[': expected ']'".to_string(),
        "unclosed bracket '{'" => "unclosed bracket '{': expected '}'".to_string(),
        _ => message,
    };
    ParseError::new(line, column, message)
}

/// The crate's safety budget, in plain words.
fn budget_message(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    match breach {
        B::Depth { .. } => {
            "nesting too deep: expected at most 64 levels of nested mappings and lists".into()
        }
        B::Nodes { nodes } => format!(
            "too many values ({nodes} after expanding aliases, a possible alias bomb): \
             expected at most 250000"
        ),
        other => format!(
            "document exceeds the YAML reader's safety limits ({other:?}): \
             expected a smaller document with fewer aliases"
        ),
    }
}

/// One YAML node, deserialized through `deserialize_any` with the line of each child.
struct YamlNode(Node);

impl<'de> Deserialize<'de> for YamlNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor).map(YamlNode)
    }
}

struct NodeVisitor;

fn leaf(value: Value) -> Node {
    Node::Leaf(value)
}

fn int_leaf(i: i128) -> Node {
    leaf(i64::try_from(i).map_or_else(|_| Value::Str(i.to_string()), Value::Int))
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(leaf(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(leaf(Value::Int(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(int_leaf(i128::from(v)))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(int_leaf(v))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => leaf(Value::Int(i)),
            Err(_) => leaf(Value::Str(v.to_string())),
        })
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(leaf(Value::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(leaf(Value::Str(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(leaf(Value::Str(v)))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Node, E> {
        Ok(leaf(Value::Str(String::from_utf8_lossy(v).into_owned())))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(leaf(Value::Null))
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(leaf(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        YamlNode::deserialize(d).map(|n| n.0)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        YamlNode::deserialize(d).map(|n| n.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut list = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<YamlNode>>()? {
            list.push(Located::new(item.value.0, line_of(&item.referenced, 1)));
        }
        Ok(Node::List(list))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = IndexMap::new();
        while let Some(YamlKey(key)) = map.next_key::<YamlKey>()? {
            let value = map.next_value::<Spanned<YamlNode>>()?;
            entries.insert(
                key,
                Located::new(value.value.0, line_of(&value.referenced, 1)),
            );
        }
        Ok(Node::Map(entries))
    }
}

/// A mapping key: scalars of any type are stringified (`1: a` is key `1`, `~: a` is `null`).
struct YamlKey(String);

impl<'de> Deserialize<'de> for YamlKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeyVisitor).map(YamlKey)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a scalar mapping key (a string, number, boolean or null)")
    }

    fn visit_bool<E>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i128<E>(self, v: i128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u128<E>(self, v: u128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<String, E> {
        Ok(String::from_utf8_lossy(v).into_owned())
    }
    fn visit_unit<E>(self) -> Result<String, E> {
        Ok("null".to_string())
    }
    fn visit_none<E>(self) -> Result<String, E> {
        Ok("null".to_string())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        YamlKey::deserialize(d).map(|k| k.0)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        YamlKey::deserialize(d).map(|k| k.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<String, A::Error> {
        Err(de::Error::custom(
            "expected a scalar mapping key, found a sequence used as a key",
        ))
    }
    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<String, A::Error> {
        Err(de::Error::custom(
            "expected a scalar mapping key, found a mapping used as a key",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::*;

    /// (key, value, line) of every leaf, in file order.
    fn leaves(tree: &Tree) -> Vec<(&str, &Value, u32)> {
        tree.iter().map(|(k, e)| (k, &e.value, e.line)).collect()
    }

    const DATABASE_YML: &str = "\
# Rails database configuration
default: &default
  adapter: postgresql
  encoding: unicode
  pool: 5
  timeout: 5000

development:
  <<: *default
  database: app_development

production:
  <<: *default
  database: app_production
  pool: 50
  host: db.internal
  password: ~
  replicas: [db-r1, db-r2]
  ssl: yes
";

    #[test]
    fn rails_database_yml_keys_values_and_lines() {
        let t = parse(DATABASE_YML).unwrap();
        assert_eq!(get(&t, "default.adapter"), (&Value::text("postgresql"), 3));
        assert_eq!(get(&t, "default.pool"), (&Value::Int(5), 5));
        assert_eq!(get(&t, "development.database").1, 10);
        assert_eq!(
            get(&t, "production.database"),
            (&Value::text("app_production"), 14)
        );
        // The explicit key overrides the merged one, at its own line.
        assert_eq!(get(&t, "production.pool"), (&Value::Int(50), 15));
        assert_eq!(get(&t, "production.host").1, 16);
        assert_eq!(get(&t, "production.password"), (&Value::Null, 17));
        assert_eq!(
            get(&t, "production.replicas[0]"),
            (&Value::text("db-r1"), 18)
        );
        assert_eq!(
            get(&t, "production.replicas[1]"),
            (&Value::text("db-r2"), 18)
        );
        // Strict booleans: `yes` stays a string.
        assert_eq!(get(&t, "production.ssl"), (&Value::text("yes"), 19));
        // Merged keys are at the line of their `<<` entry in this mapping.
        assert_eq!(
            get(&t, "production.adapter"),
            (&Value::text("postgresql"), 13)
        );
        assert_eq!(get(&t, "production.timeout"), (&Value::Int(5000), 13));
        assert_eq!(get(&t, "development.pool"), (&Value::Int(5), 9));
        assert_eq!(get(&t, "development.encoding").1, 9);
        assert_eq!(t.len(), 4 + 5 + 10);
    }

    #[test]
    fn aliases_take_the_line_where_they_are_used() {
        let t = parse("base: &b\n  x: 1\nlimit: &n 10\ncopy: *b\nother:\n  max: *n\n").unwrap();
        assert_eq!(
            leaves(&t),
            vec![
                ("base.x", &Value::Int(1), 2),
                ("limit", &Value::Int(10), 3),
                ("copy.x", &Value::Int(1), 4),
                ("other.max", &Value::Int(10), 6),
            ]
        );
    }

    #[test]
    fn scalar_types() {
        let t = parse(
            "n: ~\nn2: null\nn3:\ni: -42\nf: 0.5\ne: 1e3\nb: true\non: off\nq: '5432'\n\
             big: 99999999999999999999999\nu: 18446744073709551615\ninf: .inf\n\
             hex: 0x1F\n1: one\ntrue: t\nempty_map: {}\nempty_list: []\n",
        )
        .unwrap();
        assert_eq!(get(&t, "n").0, &Value::Null);
        assert_eq!(get(&t, "n2").0, &Value::Null);
        assert_eq!(get(&t, "n3").0, &Value::Null);
        assert_eq!(get(&t, "i").0, &Value::Int(-42));
        assert_eq!(get(&t, "f").0, &Value::Float(0.5));
        assert_eq!(get(&t, "e").0, &Value::Float(1000.0));
        assert_eq!(get(&t, "b").0, &Value::Bool(true));
        assert_eq!(get(&t, "on").0, &Value::text("off"));
        assert_eq!(get(&t, "q").0, &Value::text("5432"));
        assert!(matches!(get(&t, "big").0, Value::Float(_) | Value::Str(_)));
        assert_eq!(get(&t, "u").0, &Value::text("18446744073709551615"));
        assert_eq!(get(&t, "inf").0, &Value::text(".inf"));
        assert_eq!(get(&t, "hex").0, &Value::Int(31));
        assert_eq!(get(&t, "1").0, &Value::text("one"));
        assert_eq!(get(&t, "true").0, &Value::text("t"));
        assert_eq!(get(&t, "empty_map"), (&Value::EmptyMap, 16));
        assert_eq!(get(&t, "empty_list"), (&Value::EmptyList, 17));
    }

    #[test]
    fn keys_with_dots_are_one_segment() {
        let t =
            parse("plugins:\n  \"io.containerd.grpc.v1.cri\":\n    sandbox: pause:3.9\n").unwrap();
        assert_eq!(
            get(&t, r#"plugins."io.containerd.grpc.v1.cri".sandbox"#).0,
            &Value::text("pause:3.9")
        );
    }

    #[test]
    fn style_order_quoting_and_comments_do_not_change_the_tree() {
        let block =
            "# comment\nserver:\n  host: example.com\n  ports:\n    - 80\n    - 443\n  tls: true\n";
        let flow = "server: {tls: true, ports: [80, 443], \"host\": 'example.com'}  # inline\n";
        let reordered =
            "server:\n  tls: true   # on\n\n  'ports': [80,\n    443]\n  host: \"example.com\"\n";
        let a = parse(block).unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(content(&a), content(&parse(flow).unwrap()));
        assert_eq!(content(&a), content(&parse(reordered).unwrap()));
        assert_ne!(
            content(&a),
            content(&parse(&block.replace("443", "8443")).unwrap())
        );
    }

    #[test]
    fn repeated_key_last_wins() {
        let t = parse("a:\n  x: 1\nb: 2\na:\n  y: 3\n").unwrap();
        assert_eq!(
            leaves(&t),
            vec![("a.y", &Value::Int(3), 5), ("b", &Value::Int(2), 3)]
        );
    }

    #[test]
    fn multiple_documents_are_prefixed_with_their_index() {
        let text = "---\nkind: Service\nmetadata:\n  name: web\n---\n---\nkind: Deployment\nspec:\n  replicas: 3\n...\n";
        let t = parse(text).unwrap();
        assert_eq!(
            leaves(&t),
            vec![
                ("[0].kind", &Value::text("Service"), 2),
                ("[0].metadata.name", &Value::text("web"), 4),
                ("[1].kind", &Value::text("Deployment"), 7),
                ("[1].spec.replicas", &Value::Int(3), 9),
            ]
        );
        // One document, with or without markers: plain paths.
        let one = parse("---\nkind: Service\n---\n").unwrap();
        assert_eq!(leaves(&one), vec![("kind", &Value::text("Service"), 2)]);
    }

    #[test]
    fn empty_and_scalar_documents() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("# only a comment\n\n").unwrap().is_empty());
        assert!(parse("---\n...\n").unwrap().is_empty());
        let t = parse("\nhello\n").unwrap();
        assert_eq!(leaves(&t), vec![("", &Value::text("hello"), 2)]);
        let t = parse("- a\n- b\n").unwrap();
        assert_eq!(
            leaves(&t),
            vec![("[0]", &Value::text("a"), 1), ("[1]", &Value::text("b"), 2)]
        );
    }

    #[test]
    fn broken_input_reports_line_and_column() {
        let e = parse("a: [1, 2\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 4), "{e:?}");
        assert_eq!(e.message, "unclosed bracket '[': expected ']'");

        let e = parse("name: app\nlist: [1, 2\nother: 3\n").unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");

        let e = parse("a: 1\n b: 2\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 3), "{e:?}");
        assert!(e.message.contains("not allowed"), "{e:?}");

        let e = parse("a:\n  - 1\n  b: 2\n").unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");
        assert!(e.message.contains("expected"), "{e:?}");

        let e = parse("x: 1\ny: *missing\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 4), "{e:?}");
        assert!(e.message.contains("anchor"), "{e:?}");

        let e = parse("? [a, b]\n: 1\n").unwrap_err();
        assert!(e.message.contains("expected a scalar mapping key"), "{e:?}");
        assert!(!e.message.contains('\n') && !e.message.is_empty());
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                vec![format!("*a{p}"); 9].join(", ")
            ));
        }
        // Refused by the crate's alias budget (a billion leaves would otherwise be built).
        let e = parse(&text).unwrap_err();
        assert!(e.line > 1, "{e:?}");
        assert!(e.message.contains("alias bomb"), "{e:?}");
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        // Runs on the test's own (2 MiB) thread on purpose.
        let block: String = (0..500)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let e = parse(&block).unwrap_err();
        assert_eq!(e.line, 65, "{e:?}");
        assert!(e.message.contains("nesting too deep"), "{e:?}");
        let flow = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let e = parse(&flow).unwrap_err();
        assert_eq!(e.line, 1);
        // The deepest nesting the crate allows still parses.
        let ok: String = (0..63)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let t = parse(&ok).unwrap();
        assert_eq!(t.len(), 1);
    }
}
