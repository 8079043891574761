//! The intermediate document shared by the structured readers (YAML, TOML, JSON): a nested
//! value whose every node knows its 1-based line, flattened into a [`Tree`] once parsed.
//!
//! Readers build this instead of writing leaves directly so that a repeated key replaces the
//! whole earlier value (`{"a": {"x": 1}, "a": {"y": 2}}` is `a.y` only, as every JSON, YAML
//! and TOML loader reads it), not merges its leaves.

use crate::tree::{self, Tree, Value};
use indexmap::IndexMap;

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
    Map(IndexMap<String, Located>),
    List(Vec<Located>),
}

impl Located {
    pub fn new(node: Node, line: u32) -> Located {
        Located { node, line }
    }

    /// Adds the leaves under this node to `tree`, their paths starting with `path`.
    /// Recursion depth is the nesting depth, which every reader bounds before this runs.
    pub fn flatten_into(&self, path: &mut String, tree: &mut Tree) {
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
                    child.flatten_into(path, tree);
                    path.truncate(len);
                }
            }
            Node::List(list) => {
                let len = path.len();
                for (i, child) in list.iter().enumerate() {
                    tree::push_index(path, i);
                    child.flatten_into(path, tree);
                    path.truncate(len);
                }
            }
        }
    }
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

    #[test]
    fn repeated_key_replaces_the_whole_value() {
        let mut inner = IndexMap::new();
        inner.insert("x".to_string(), Located::new(Node::Leaf(Value::Int(1)), 2));
        let mut root = IndexMap::new();
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
