//! The previous YAML reader, kept for tests only: `serde-saphyr`'s `Spanned<T>` visitor over
//! the same `granit-parser` events. The differential tests (`differential.rs`) hold the event
//! reader to producing exactly what this one produces (keys, values, lines, errors).
//! `serde-saphyr` stays a dependency for Ansible inventories (`inventory.rs`), so keeping
//! this reference costs nothing at run time.

use crate::normalize::nodes::{Located, Node};
use crate::tree::{ParseError, Tree, Value};
use indexmap::IndexMap;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::options::DuplicateKeyPolicy;
use serde_saphyr::{MessageFormatter, NonFiniteFloatPolicy, Spanned};
use std::fmt;

/// The previous `yaml::parse`, on a helper thread with a big stack as it ran before.
pub(super) fn parse(text: &str) -> Result<Tree, ParseError> {
    crate::normalize::on_parser_stack("yaml-reference", || parse_on_this_thread(text))
        .unwrap_or_else(|| Err(ParseError::new(1, 1, "reference reader panicked")))
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
    ParseError::new(line, column, super::one_line_message(&message))
}

/// The crate's safety budget, in plain words.
fn budget_message(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use super::budget::{DEPTH_MESSAGE, limits_message, nodes_message};
    use serde_saphyr::budget::BudgetBreach as B;
    match breach {
        B::Depth { .. } => DEPTH_MESSAGE.into(),
        B::Nodes { nodes } => nodes_message(*nodes),
        other => limits_message(other),
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
