//! YAML files, read from the events of `granit-parser` (YAML 1.2 core schema).
//!
//! - Booleans are strict: only `true`/`false` (any case); `yes`, `on`, `off` are strings. A
//!   file read as YAML 1.1 ([`parse_1_1`]) has its plain scalars read as Ruby's Psych and PyYAML
//!   read them instead (see [`v11`]): `no` is false there, `0777` is 511.
//! - Anchors and aliases are resolved and merge keys (`<<: *base`, `<<: [*a, *b]`) expanded:
//!   keys written in the mapping win over merged ones, earlier merges over later ones.
//! - Repeated keys: the last one wins, as most YAML loaders do.
//! - Lines: every leaf gets the line where it is *referenced* in the document. For a value
//!   reached through an alias (`pool: *n`) that is the alias's line; for keys brought in by a
//!   merge (`<<: *default`) it is the line of the merge value (the alias), not of the
//!   anchored definition.
//! - `.inf` / `.nan` (and decimals that overflow `f64`) are kept as strings, so that they
//!   compare equal to themselves.
//! - Several documents (`---`): with one non-empty document paths are as usual; with two or
//!   more each document's paths start with its index (`[0].kind`, `[1].metadata.name`).
//!   Empty (or `~`) documents produce nothing and take no index.
//! - Hostile input is refused, not expanded: nesting deeper than 64 levels, more than 250,000
//!   values copied through aliases (a billion-laughs file), and the other limits of
//!   [`budget`]; a file's own values are not limited (16 MiB bounds them). Errors name the
//!   line and column and what was expected.
//!
//! How it reads, a module each:
//! - [`live`]: the parser's events, aliases expanded by replaying what their anchor recorded,
//!   every event counted against the [`budget`];
//! - [`stream`]: the fast path, leaves written straight into the tree; [`build`]: the general
//!   reader (nested nodes, flattened by `nodes.rs`), for the files the fast path gives up on
//!   (a key repeated in a mapping);
//! - [`entries`]: a mapping's entries, merges and repeated keys, for both; [`capture`]: the
//!   nodes kept to be read later, and key identities; [`scalar`]: what a scalar is; [`v11`]:
//!   what a YAML 1.1 plain scalar is.
//!
//! It behaves exactly as the reader it replaced, `serde-saphyr`'s `Spanned<T>` visitor over
//! the same events: same keys, values, lines and errors, down to which of several errors is
//! met first, except where [`budget`] says it does not (a file of more than 250,000 values of
//! its own is read; the previous reader refused it). The differential tests
//! (`tests/yaml_differential/`) hold it to that, through the items marked as theirs below.
//! Ansible inventories are read with it too ([`read_document`], `inventory/yaml.rs`). It recurses
//! once per nesting level, at most 64 deep, so it runs on the caller's thread: no helper
//! thread per file.
//!
//! Where things are, a leaf first: [`error`] (where, and what went wrong) and [`document`]
//! (the items [`read_document`] gives) import nothing of the reader; [`shape`] is what every
//! reader knows of a node before reading it; [`build`] and [`stream`] read through
//! [`entries`], which reads through [`capture`].

mod budget;
mod build;
mod capture;
mod document;
mod entries;
mod error;
mod events;
mod live;
mod scalar;
mod shape;
mod stream;
mod v11;

use super::YamlVersion as Version;
use super::nodes;

#[cfg(test)]
use crate::tree::Value;
use crate::tree::{ParseError, Tree};
pub use document::{Entry, Item, ItemNode};

/// A YAML file read as YAML 1.2 (the core schema).
pub fn parse(text: &str) -> Result<Tree, ParseError> {
    parse_as(text, Version::V1_2)
}

/// A YAML file read as the programs that read YAML 1.1 read it (see [`v11`]).
pub fn parse_1_1(text: &str) -> Result<Tree, ParseError> {
    parse_as(text, Version::V1_1)
}

/// The one document of a YAML 1.2 file as an [`Item`] (`None` when there is none), for a
/// caller that reads a document itself: every mapping entry kept in the order read, repeated
/// keys too, each key with its line. The Ansible inventory reader reads YAML with this.
///
/// Values, lines and errors are those of [`parse`], with the differences the inventory reader
/// had with `serde-saphyr`'s `from_str` before: a second document is an error, and so is a
/// plain infinite or NaN float (`.inf`, `.nan`, `1e999`); values copied through aliases are
/// not held to 250,000 (the million replayed events still refuse an alias bomb).
pub fn read_document(text: &str) -> Result<Option<Item>, ParseError> {
    let src = live::Live::with_budget(text, Version::V1_2, budget::Budget::without_value_limit());
    build::single_document::<ItemNode>(src).map_err(to_parse_error)
}

/// The documents of a file as nodes, each with the line it starts at (null documents left
/// out), for a reader that keys documents itself (Kubernetes manifests, `k8s.rs`). Values,
/// lines and errors are those of [`parse`] read as `version`.
pub(crate) fn documents(text: &str, version: Version) -> Result<Vec<nodes::Located>, ParseError> {
    build::documents::<nodes::Node>(live::Live::new(text, version)).map_err(to_parse_error)
}

fn parse_as(text: &str, version: Version) -> Result<Tree, ParseError> {
    match stream::parse(text, version).map_err(to_parse_error)? {
        Some(tree) => Ok(tree),
        None => parse_with_nodes_as(text, version),
    }
}

/// The general reader alone (see [`build`]), without the fast path [`parse`] tries first.
/// For the differential tests (`tests/yaml_differential/`), which hold both to the same
/// result.
#[doc(hidden)]
pub fn parse_with_nodes(text: &str) -> Result<Tree, ParseError> {
    parse_with_nodes_as(text, Version::V1_2)
}

fn parse_with_nodes_as(text: &str, version: Version) -> Result<Tree, ParseError> {
    let src = live::Live::new(text, version);
    let documents = build::documents::<nodes::Node>(src).map_err(to_parse_error)?;
    Ok(flatten(documents))
}

/// Documents read as nodes, as one tree: with two or more, each document's paths start with
/// its index.
fn flatten(documents: Vec<nodes::Located>) -> Tree {
    let mut tree = Tree::new();
    let several = documents.len() > 1;
    for (index, document) in documents.iter().enumerate() {
        let mut path = String::new();
        if several {
            crate::tree::push_index(&mut path, index);
        }
        document.flatten_into(&mut path, &mut tree);
    }
    tree
}

/// Documents as [`parse`] makes a tree of them (a repeated key replacing the earlier value in
/// its place, lists keyed by identity). For the differential tests' reference reader
/// (`tests/yaml_differential/reference.rs`), which builds [`Item`]s from `serde-saphyr`.
#[doc(hidden)]
pub fn items_to_tree(documents: Vec<Item>) -> Tree {
    flatten(documents.into_iter().map(located).collect())
}

fn located(item: Item) -> nodes::Located {
    let node = match item.node {
        ItemNode::Leaf(value) => nodes::Node::Leaf(value),
        ItemNode::List(items) => nodes::Node::List(items.into_iter().map(located).collect()),
        ItemNode::Map(entries) => {
            let mut map =
                crate::tree::Map::with_capacity_and_hasher(entries.len(), Default::default());
            for entry in entries {
                map.insert(entry.key, located(entry.value));
            }
            nodes::Node::Map(map)
        }
    };
    nodes::Located::new(node, item.line)
}

/// What the reader says when a file goes over a limit of its [`budget`], in the words the
/// previous reader's budget is translated to. For the differential tests' reference reader.
#[doc(hidden)]
pub use budget::{DEPTH_MESSAGE, limits_message, nodes_message};

fn to_parse_error(err: error::YamlError) -> ParseError {
    let (line, column) = err
        .loc
        .map_or((1, 1), |l| (l.line_or_first(), l.column.max(1)));
    ParseError::new(line, column, one_line_message(&err.message))
}

/// A parser message as shown on one line after `file:LINE:COL:`: its first line, without
/// control characters, saying what is missing where the scanner only says what is open.
/// Public for the differential tests' reference reader, which words its errors so.
#[doc(hidden)]
pub fn one_line_message(message: &str) -> String {
    let message = message.lines().next().unwrap_or("").trim();
    let message: String = message.chars().filter(|c| !c.is_control()).collect();
    match message.as_str() {
        "" => "invalid YAML".to_string(),
        "unclosed bracket '['" => "unclosed bracket '[': expected ']'".to_string(),
        "unclosed bracket '{'" => "unclosed bracket '{': expected '}'".to_string(),
        _ => message,
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

    /// Behaviour of the previous reader kept as it was (the differential tests compare every
    /// input with it); written down here so that changing it is a decision, not an accident.
    #[test]
    fn quirks_of_the_previous_reader_are_kept() {
        // A mapping with an integer key is read to its end first: a repeated key then takes
        // its last place, and a merged `1` is a different key from an explicit `'1'`.
        let t = parse("1: a\nb: 2\nc: 3\nb: 4\n").unwrap();
        assert_eq!(
            leaves(&t),
            vec![
                ("1", &Value::text("a"), 1),
                ("c", &Value::Int(3), 3),
                ("b", &Value::Int(4), 4)
            ]
        );
        let t = parse("c:\n  '1': one\n  <<: {1: merged}\n").unwrap();
        assert_eq!(leaves(&t), vec![("c.1", &Value::text("merged"), 3)]);
        // A merged value a mapping's own key overrides is never read, so never refused.
        let t = parse("c:\n  <<: {x: !!int abc}\n  x: 1\n").unwrap();
        assert_eq!(leaves(&t), vec![("c.x", &Value::Int(1), 3)]);
        // Keys merged from a block mapping are at the line the mapping starts on.
        let t = parse("c:\n  <<:\n    x: 1\n    y: 2\n").unwrap();
        assert_eq!(get(&t, "c.y").1, 3);
    }

    /// The previous reader refused 100 aliases or more at over 10 per anchor; a compose file
    /// giving its defaults to 150 services is read now, each service with the merged keys at
    /// the line of its own merge, and a bomb is still refused.
    #[test]
    fn many_merges_of_one_anchor_are_read() {
        let mut text = String::from(
            "x-defaults: &defaults\n  restart: always\n  mem_limit: 512m\nservices:\n",
        );
        for i in 0..150 {
            text.push_str(&format!(
                "  svc{i}:\n    <<: *defaults\n    image: app:{i}\n"
            ));
        }
        let t = parse(&text).unwrap();
        assert_eq!(t.len(), 2 + 150 * 3);
        assert_eq!(
            get(&t, "services.svc149.restart"),
            (&Value::text("always"), 6 + 149 * 3)
        );
        assert_eq!(
            get(&t, "services.svc149.image"),
            (&Value::text("app:149"), 7 + 149 * 3)
        );
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            bomb.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                vec![format!("*a{}", i - 1); 10].join(", ")
            ));
        }
        let e = parse(&bomb).unwrap_err();
        assert!(e.message.contains("possible alias bomb"), "{e:?}");
    }

    /// A big file without aliases (260,000 keys, 260,000 values and a list) is read whole: the
    /// limits that stop alias bombs count only what aliases copy (issue 16 item 16). A bomb
    /// after it is still refused.
    #[test]
    fn a_large_file_without_aliases_is_read() {
        let mut text: String = (0..260_000).map(|i| format!("key{i}: {i}\n")).collect();
        text.push_str("list:\n");
        text.push_str(&"  - item\n".repeat(100_000));
        let t = parse(&text).unwrap();
        assert_eq!(t.len(), 360_000);
        assert_eq!(get(&t, "key259999"), (&Value::Int(259_999), 260_000));
        assert_eq!(get(&t, "list[99999]"), (&Value::text("item"), 360_001));
        assert_eq!(parse_with_nodes(&text).unwrap(), t);

        text.push_str("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            text.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                vec![format!("*a{}", i - 1); 10].join(", ")
            ));
        }
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("possible alias bomb"), "{e:?}");
        assert!(e.line > 360_002, "{e:?}");
    }

    /// The previous reader refused more than 32 comment lines where the parser looks ahead
    /// for a key; comments are not read at all now.
    #[test]
    fn any_number_of_comment_lines_before_a_key_is_read() {
        for n in [32, 33, 5000] {
            let t = parse(&format!(
                "a:\n{}  b: 1\n",
                "  # commented-out default\n".repeat(n)
            ))
            .unwrap();
            assert_eq!(leaves(&t), vec![("a.b", &Value::Int(1), n as u32 + 2)]);
        }
        let t = parse(&format!("- {}\n  x\n", "# c\n ".repeat(40))).unwrap();
        assert_eq!(leaves(&t), vec![("[0]", &Value::text("x"), 42)]);
    }
}
