//! The previous YAML reader, kept for tests only: `serde-saphyr`'s `Spanned<T>` visitor over
//! the same `granit-parser` events. The differential tests (`main.rs`) hold confdrift's reader
//! to producing exactly what this one produces (keys, values, lines, errors). `serde-saphyr`
//! is a dev-dependency for this file alone: the binary reads YAML with its own reader only.
//!
//! It builds the reader's public [`Item`]s (every entry the visitor is given, in order) and
//! turns them into a tree as the reader does (`yaml::items_to_tree`), so that the two differ
//! in how they read the events and in nothing else.

use confdrift::normalize::yaml::{self, Entry, Item, ItemNode};
use confdrift::tree::{ParseError, Tree, Value};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::options::DuplicateKeyPolicy;
use serde_saphyr::{MessageFormatter, NonFiniteFloatPolicy, Spanned};
use std::fmt;

/// Stack for the reference's thread: `serde-saphyr` uses tens of KiB of stack per nesting
/// level in debug builds, enough to overflow a test thread before its own depth limit
/// refuses the file. Reserved, not committed, memory.
const PARSER_STACK: usize = 16 << 20;

/// The previous `yaml::parse`, on a helper thread with a big stack as it ran before.
pub fn parse(text: &str) -> Result<Tree, ParseError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("yaml-reference".into())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, || parse_on_this_thread(text))
            .expect("a thread for the reference reader")
            .join()
            .unwrap_or_else(|_| Err(ParseError::new(1, 1, "reference reader panicked")))
    })
}

fn parse_on_this_thread(text: &str) -> Result<Tree, ParseError> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: DuplicateKeyPolicy::LastWins,
        non_finite_float_policy: NonFiniteFloatPolicy::AsString,
        with_snippet: false,
        budget: Some(previous_budget()),
    };
    let documents: Vec<Spanned<YamlNode>> =
        serde_saphyr::from_str_multiple_with_options(text, options).map_err(to_parse_error)?;
    Ok(yaml::items_to_tree(
        documents.into_iter().map(located).collect(),
    ))
}

/// A node with the line it is referenced at.
fn located(node: Spanned<YamlNode>) -> Item {
    Item {
        node: node.value.0,
        line: line_of(&node.referenced, 1),
    }
}

/// The budget the previous reader had: `serde-saphyr`'s default without the alias/anchor
/// ratio. It counts a file's own values and events with the replayed ones, so it refuses a
/// file of more than 250,000 values even without an alias; the event reader does not (see
/// `budget.rs`, and the differential test `a_big_file_without_aliases_is_read_only_now`).
fn previous_budget() -> serde_saphyr::budget::Budget {
    let mut budget = serde_saphyr::budget::Budget::default();
    budget.enforce_alias_anchor_ratio = false;
    budget
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
    // The crate's location suffix goes with the further lines.
    ParseError::new(line, column, yaml::one_line_message(&message))
}

/// The crate's safety budget, in plain words.
fn budget_message(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    use yaml::{DEPTH_MESSAGE, limits_message, nodes_message};
    match breach {
        B::Depth { .. } => DEPTH_MESSAGE.into(),
        B::Nodes { nodes } => nodes_message(*nodes),
        other => limits_message(other),
    }
}

/// One YAML node, deserialized through `deserialize_any` with the line of each child.
struct YamlNode(ItemNode);

impl<'de> Deserialize<'de> for YamlNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor).map(YamlNode)
    }
}

struct NodeVisitor;

fn leaf(value: Value) -> ItemNode {
    ItemNode::Leaf(value)
}

fn int_leaf(i: i128) -> ItemNode {
    leaf(i64::try_from(i).map_or_else(|_| Value::Str(i.to_string()), Value::Int))
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = ItemNode;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<ItemNode, E> {
        Ok(leaf(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<ItemNode, E> {
        Ok(leaf(Value::Int(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<ItemNode, E> {
        Ok(int_leaf(i128::from(v)))
    }
    fn visit_i128<E>(self, v: i128) -> Result<ItemNode, E> {
        Ok(int_leaf(v))
    }
    fn visit_u128<E>(self, v: u128) -> Result<ItemNode, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => leaf(Value::Int(i)),
            Err(_) => leaf(Value::Str(v.to_string())),
        })
    }
    fn visit_f64<E>(self, v: f64) -> Result<ItemNode, E> {
        Ok(leaf(Value::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<ItemNode, E> {
        Ok(leaf(Value::Str(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<ItemNode, E> {
        Ok(leaf(Value::Str(v)))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<ItemNode, E> {
        Ok(leaf(Value::Str(String::from_utf8_lossy(v).into_owned())))
    }
    fn visit_unit<E>(self) -> Result<ItemNode, E> {
        Ok(leaf(Value::Null))
    }
    fn visit_none<E>(self) -> Result<ItemNode, E> {
        Ok(leaf(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<ItemNode, D::Error> {
        YamlNode::deserialize(d).map(|n| n.0)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<ItemNode, D::Error> {
        YamlNode::deserialize(d).map(|n| n.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ItemNode, A::Error> {
        let mut list = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<YamlNode>>()? {
            list.push(located(item));
        }
        Ok(ItemNode::List(list))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ItemNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(YamlKey(key)) = map.next_key::<YamlKey>()? {
            let value = map.next_value::<Spanned<YamlNode>>()?;
            entries.push(Entry {
                key,
                line: 0, // the key's line: not compared, the tree has none
                value: located(value),
            });
        }
        Ok(ItemNode::Map(entries))
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
