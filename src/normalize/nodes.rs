//! The intermediate document shared by the structured readers (YAML, TOML, JSON): a nested
//! value whose every node knows its 1-based line, flattened into a [`Tree`] once parsed.
//!
//! Readers build this instead of writing leaves directly so that a repeated key replaces the
//! whole earlier value (`{"a": {"x": 1}, "a": {"y": 2}}` is `a.y` only, as every JSON, YAML
//! and TOML loader reads it), not merges its leaves.
//!
//! # List items keyed by identity
//!
//! A list whose items are all mappings that carry a scalar identity field is keyed by that
//! field instead of by position, so that inserting or removing one item does not shift every
//! later one into a "changed" finding:
//!
//! ```text
//! servers:                      servers[name=web].port = 80
//!   - name: web                 servers[name=web].name = web
//!     port: 80                  servers[name="db 1"].port = 5432
//!   - name: db 1
//!     port: 5432
//! ```
//!
//! - The identity field is the first of [`IDENTITY_FIELDS`] (`name`, `id`, `key`, `job_name`)
//!   that *every* item of the list has as a scalar (string, number or boolean), with values
//!   that are all different. Values are compared as written out (`id: 1` and `id: "1"` are the
//!   same identity, as quoting never counts). Otherwise the list keeps positions
//!   (`servers[0].port`): lists of scalars, items without the field, a repeated value.
//! - The segment is `[FIELD=VALUE]`, which can never be mistaken for a position `[0]`. A value
//!   that is empty or holds `.`, `[`, `]`, `=`, `"`, `\` or whitespace is quoted the way key
//!   segments are: `[name="web.1"]`, with `"` and `\` escaped by a backslash.
//! - The item's own identity field stays a leaf (`servers[name=web].name`), and every leaf
//!   keeps its line.

use crate::tree::Map;
use crate::tree::{self, Tree, Value};
use std::collections::HashSet;

/// Fields that identify an item of a list of mappings, in order of preference (see the module
/// documentation). `job_name` is what Prometheus `scrape_configs` items are known by.
pub(crate) const IDENTITY_FIELDS: &[&str] = &["name", "id", "key", "job_name"];

/// A node and the line of the file it was read from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Located {
    pub node: Node,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    Leaf(Value),
    /// Keys in file order; inserting a key again replaces the value and its line.
    Map(Map<String, Located>),
    List(Vec<Located>),
}

impl Located {
    pub fn new(node: Node, line: u32) -> Located {
        Located { node, line }
    }

    /// Adds the leaves under this node to `tree`, their paths starting with `path`.
    /// Recursion depth is the nesting depth, which every reader bounds before this runs.
    pub fn flatten_into(&self, path: &mut String, tree: &mut Tree) {
        self.flatten_with(path, tree, IDENTITY_FIELDS);
    }

    /// [`Located::flatten_into`], lists of mappings keyed by the first of `fields` that
    /// identifies their items (a format whose program knows its lists by other fields, such
    /// as Kubernetes' `containerPort` and `mountPath`).
    pub fn flatten_with(&self, path: &mut String, tree: &mut Tree, fields: &[&'static str]) {
        match &self.node {
            Node::Leaf(value) => tree.insert(path.clone(), value.clone(), self.line),
            Node::Map(map) if map.is_empty() => {
                tree.insert(path.clone(), Value::EmptyMap, self.line)
            }
            Node::List(list) if list.is_empty() => {
                tree.insert(path.clone(), Value::EmptyList, self.line)
            }
            Node::Map(map) => {
                let len = path.len();
                for (key, child) in map {
                    tree::push_key(path, key);
                    child.flatten_with(path, tree, fields);
                    path.truncate(len);
                }
            }
            Node::List(list) => {
                let len = path.len();
                match identities(list, fields) {
                    Some((field, values)) => {
                        for (child, value) in list.iter().zip(&values) {
                            push_identity(path, field, value);
                            child.flatten_with(path, tree, fields);
                            path.truncate(len);
                        }
                    }
                    None => {
                        for (i, child) in list.iter().enumerate() {
                            tree::push_index(path, i);
                            child.flatten_with(path, tree, fields);
                            path.truncate(len);
                        }
                    }
                }
            }
        }
    }
}

/// The identity field of a list and each item's value of it, when every item is a mapping
/// with that field as a scalar and the values are all different.
fn identities(list: &[Located], fields: &[&'static str]) -> Option<(&'static str, Vec<String>)> {
    if fields.is_empty()
        || list.is_empty()
        || !list.iter().all(|item| matches!(item.node, Node::Map(_)))
    {
        return None;
    }
    fields.iter().find_map(|&field| {
        let mut seen = HashSet::with_capacity(list.len());
        let mut values = Vec::with_capacity(list.len());
        for item in list {
            let Node::Map(map) = &item.node else {
                return None;
            };
            let value = match map.get(field).map(|v| &v.node) {
                Some(Node::Leaf(
                    v @ (Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_)),
                )) => v.to_string(),
                _ => return None,
            };
            if !seen.insert(value.clone()) {
                return None;
            }
            values.push(value);
        }
        Some((field, values))
    })
}

/// Appends an identity segment (`[name=web]`, `[name="web.1"]`).
fn push_identity(path: &mut String, field: &str, value: &str) {
    path.push('[');
    path.push_str(field);
    path.push('=');
    let needs_quotes = value.is_empty()
        || value
            .chars()
            .any(|c| matches!(c, '.' | '[' | ']' | '=' | '"' | '\\') || c.is_whitespace());
    if needs_quotes {
        path.push('"');
        for c in value.chars() {
            if c == '"' || c == '\\' {
                path.push('\\');
            }
            path.push(c);
        }
        path.push('"');
    } else {
        path.push_str(value);
    }
    path.push(']');
}

/// Byte offset -> 1-based line and column (in characters), for readers whose parser reports
/// byte offsets.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of every '\n'.
    newlines: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let newlines = text
            .bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i)
            .collect();
        LineIndex { text, newlines }
    }

    /// The 1-based line holding byte `offset` (offsets past the end are on the last line).
    pub fn line(&self, offset: usize) -> u32 {
        let line = self.newlines.partition_point(|&nl| nl < offset) + 1;
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    /// The 1-based line and character column of byte `offset`.
    pub fn line_column(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let index = self.newlines.partition_point(|&nl| nl < offset);
        let start = if index == 0 {
            0
        } else {
            self.newlines[index - 1] + 1
        };
        // `offset` may fall inside a multi-byte character: count the whole characters before it.
        let before = self.text.get(start..offset).map_or_else(
            || {
                self.text[start..]
                    .char_indices()
                    .take_while(|&(i, c)| start + i + c.len_utf8() <= offset)
                    .count()
            },
            |s| s.chars().count(),
        );
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let column = u32::try_from(before + 1).unwrap_or(u32::MAX);
        (line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_maps_offsets_to_lines_and_columns() {
        let text = "ab\ncdé\n\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.line(0), 1);
        assert_eq!(index.line(2), 1, "the newline belongs to its line");
        assert_eq!(index.line(3), 2);
        assert_eq!(index.line(8), 3);
        assert_eq!(index.line(9), 4);
        assert_eq!(index.line_column(4), (2, 2));
        assert_eq!(index.line_column(7), (2, 4), "é is one column");
        assert_eq!(index.line_column(6), (2, 3), "inside é");
        assert_eq!(index.line_column(100), (4, 2), "past the end");
    }

    fn keys(tree: &Tree) -> Vec<(&str, u32)> {
        tree.iter().map(|(k, e)| (k, e.line)).collect()
    }

    #[test]
    fn list_items_with_a_name_are_keyed_by_it() {
        let t = super::super::yaml::parse(
            "servers:\n  - name: web\n    port: 80\n  - name: db 1\n    port: 5432\n",
        )
        .unwrap();
        assert_eq!(
            keys(&t),
            vec![
                ("servers[name=web].name", 2),
                ("servers[name=web].port", 3),
                ("servers[name=\"db 1\"].name", 4),
                ("servers[name=\"db 1\"].port", 5),
            ]
        );
    }

    #[test]
    fn identity_field_preference_quoting_and_fallbacks() {
        let yaml = |s: &str| super::super::yaml::parse(s).unwrap();
        // `id` when not every item has a `name`; numbers and quoted numbers are one identity.
        let t = yaml("l:\n- {id: 1, name: a, v: x}\n- {id: '2', v: y}\n");
        assert_eq!(t.get("l[id=2].v").unwrap().value, Value::text("y"));
        assert_eq!(t.get("l[id=1].name").unwrap().line, 2);
        // Values with dots, brackets, `=`, quotes or backslashes are quoted and escaped.
        let t = yaml("l:\n- key: 'a.b'\n- key: 'x=]'\n- key: 'q\"\\'\n- key: ''\n");
        let k: Vec<&str> = t.iter().map(|(k, _)| k).collect();
        assert_eq!(
            k,
            [
                r#"l[key="a.b"].key"#,
                r#"l[key="x=]"].key"#,
                r#"l[key="q\"\\"].key"#,
                r#"l[key=""].key"#
            ]
        );
        // Repeated identity, a missing field, a non-scalar field, scalars: positions.
        for text in [
            "l:\n- {name: a, v: 1}\n- {name: a, v: 2}\n",
            "l:\n- {name: a, v: 1}\n- {v: 2}\n",
            "l:\n- {name: [a], v: 1}\n",
            "l:\n- {name: ~, v: 1}\n",
            "l:\n- {name: a}\n- b\n",
        ] {
            let t = yaml(text);
            assert!(
                t.get("l[0].v").is_some() || t.get("l[1]").is_some(),
                "{t:?}"
            );
            assert!(t.iter().all(|(k, _)| !k.contains('=')), "{t:?}");
        }
        // A repeated `name` falls through to a unique `id`.
        let t = yaml("l:\n- {name: a, id: 1}\n- {name: a, id: 2}\n");
        assert!(t.get("l[id=2].name").is_some(), "{t:?}");
    }

    #[test]
    fn inserting_an_item_in_front_adds_keys_and_changes_none() {
        let before = "spec:\n  containers:\n  - name: app\n    image: app:1.2\n    ports:\n    - containerPort: 8080\n  - name: sidecar\n    image: envoy:1.27\n";
        let after = "spec:\n  containers:\n  - name: init-db\n    image: busybox\n  - name: app\n    image: app:1.2\n    ports:\n    - containerPort: 8080\n  - name: sidecar\n    image: envoy:1.27\n";
        let a = super::super::yaml::parse(before).unwrap();
        let b = super::super::yaml::parse(after).unwrap();
        let added: Vec<&str> = b
            .iter()
            .map(|(k, _)| k)
            .filter(|k| a.get(k).is_none())
            .collect();
        assert_eq!(
            added,
            [
                "spec.containers[name=init-db].name",
                "spec.containers[name=init-db].image"
            ]
        );
        assert!(
            a.iter()
                .all(|(k, e)| b.get(k).is_some_and(|o| o.value.same(&e.value)))
        );
        assert_eq!(b.get("spec.containers[name=app].image").unwrap().line, 6);
    }

    #[test]
    fn repeated_key_replaces_the_whole_value() {
        let mut inner = Map::default();
        inner.insert("x".to_string(), Located::new(Node::Leaf(Value::Int(1)), 2));
        let mut root = Map::default();
        root.insert("a".to_string(), Located::new(Node::Map(inner), 2));
        root.insert(
            "a".to_string(),
            Located::new(Node::Leaf(Value::text("y")), 5),
        );
        let mut tree = Tree::new();
        Located::new(Node::Map(root), 1).flatten_into(&mut String::new(), &mut tree);
        assert_eq!(tree.len(), 1);
        assert_eq!(tree.get("a").unwrap().line, 5);
    }
}
