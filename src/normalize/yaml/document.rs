//! A YAML document as read, for callers that interpret a document themselves (the Ansible
//! inventory reader): every mapping entry in the order it was read, repeated keys too, each
//! key and each value with its line. Holds the types only; [`super::build`] reads them.

use crate::tree::Value;

/// A node and the line it is referenced at: for a node reached through an alias the alias's
/// line, for an entry brought in by a merge the line of the merge value.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub node: ItemNode,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemNode {
    /// A scalar, resolved as the config files' reader resolves it (YAML 1.2 core schema).
    Leaf(Value),
    /// Entries in the order read (merged ones after the mapping's own); a repeated key is
    /// kept as often as it was written.
    Map(Vec<Entry>),
    List(Vec<Item>),
}

/// A mapping entry: its key as text, the line the key is referenced at, its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub line: u32,
    pub value: Item,
}
