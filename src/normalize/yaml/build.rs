//! The general reader: the document as nested nodes (scalars resolved, every value with the
//! line it is referenced at, mappings read as [`super::entries`] says). It builds either
//! [`Node`]s, flattened into the tree afterwards ([`super::stream`] is the fast path; this
//! reads what it gives up on), or [`Item`]s, every entry kept with its key's line, for
//! callers that read a document themselves ([`super::read_document`]).
//!
//! Recursion is bounded: every level is a nested collection, refused past the nesting limit
//! ([`enter`]).

use super::capture::Events;
use super::document::{Entry, Item, ItemNode};
use super::entries::{Entries, Flow, read_mapping};
use super::error::{Loc, Result, YamlError};
use super::events::{Ev, Kind, Replay, Source};
use super::live::Live;
use super::scalar::{self, Scalar, SfTag};
use super::shape::{Key, Shape, alias_of, enter, reference_of};
use crate::normalize::nodes::{Located, Node};
use crate::tree::Map;
use crate::tree::Value;

/// What the general reader builds: [`Node`]s (a repeated key replaces the earlier value) or
/// [`ItemNode`]s (every entry kept, with its key's line).
pub(super) trait Build: Sized {
    /// A node with the line it is referenced at.
    type Item;
    /// Where a mapping's entries go as they are read.
    type Map<'a>: Entries<'a> + Default;
    fn leaf(value: Value) -> Self;
    /// The node of a scalar event.
    fn scalar(ev: Ev<'_>) -> Result<Self> {
        leaf(ev).map(Self::leaf)
    }
    fn item(node: Self, line: u32) -> Self::Item;
    fn list(items: Vec<Self::Item>) -> Self;
    fn map(map: Self::Map<'_>) -> Self;
}

impl Build for Node {
    type Item = Located;
    type Map<'a> = MapNodes;
    fn leaf(value: Value) -> Node {
        Node::Leaf(value)
    }
    fn item(node: Node, line: u32) -> Located {
        Located::new(node, line)
    }
    fn list(items: Vec<Located>) -> Node {
        Node::List(items)
    }
    fn map(map: MapNodes) -> Node {
        Node::Map(map.0)
    }
}

impl Build for ItemNode {
    type Item = Item;
    type Map<'a> = MapEntries;
    fn leaf(value: Value) -> ItemNode {
        ItemNode::Leaf(value)
    }
    /// A plain scalar that is an infinite or NaN float (`.inf`, `.nan`, `1e999`) is refused,
    /// as `serde-saphyr` refused it by default (the Ansible inventory reader used it so).
    fn scalar(ev: Ev<'_>) -> Result<ItemNode> {
        if let Kind::Scalar { value, style, tag } = &ev.kind
            && scalar::is_non_finite_float(value, *style, SfTag::of(tag.as_deref()))
        {
            return Err(YamlError::at(
                ev.loc,
                format!(
                    "non-finite float `{}` rejected by the configured policy",
                    value.trim()
                ),
            ));
        }
        leaf(ev).map(ItemNode::Leaf)
    }
    fn item(node: ItemNode, line: u32) -> Item {
        Item { node, line }
    }
    fn list(items: Vec<Item>) -> ItemNode {
        ItemNode::List(items)
    }
    fn map(map: MapEntries) -> ItemNode {
        ItemNode::Map(map.0)
    }
}

/// The documents of `text` read from `src` (null documents left out), each with the line it
/// starts at.
pub(super) fn documents<T: Build>(mut src: Live<'_>) -> Result<Vec<T::Item>> {
    let mut documents = Vec::new();
    while let Some(line) = next_document(&mut src)? {
        let node = value::<T, _>(&mut src, 0)?;
        documents.push(T::item(node, line));
    }
    src.finish()?;
    Ok(documents)
}

/// The one document of `src` (`None` when there is none), a null one too; a second document
/// is an error, in the words of `serde-saphyr`'s `from_str`, which read inventories before.
pub(super) fn single_document<T: Build>(mut src: Live<'_>) -> Result<Option<T::Item>> {
    let document = match src.peek()? {
        None => None,
        Some(_) => {
            let line = src.reference().line_or_first();
            Some(T::item(value::<T, _>(&mut src, 0)?, line))
        }
    };
    if let Some(ev) = src.peek()? {
        return Err(YamlError::at(
            ev.loc,
            "multiple YAML documents detected; use from_str_multiple or \
             from_str_multiple_with_options",
        ));
    }
    src.finish()?;
    Ok(document)
}

/// Skips null documents (`~`, `null`, empty); the line the next document is referenced at.
pub(super) fn next_document(src: &mut Live<'_>) -> Result<Option<u32>> {
    loop {
        let null = match src.peek()? {
            None => return Ok(None),
            Some(Ev {
                kind: Kind::Scalar { value, style, tag },
                ..
            }) => scalar::is_null(SfTag::of(tag.as_deref()), value, *style),
            Some(_) => false,
        };
        if !null {
            return Ok(Some(src.reference().line_or_first()));
        }
        src.next()?;
    }
}

/// The next node of `src`.
fn value<'a, T: Build, S: Source<'a>>(src: &mut S, depth: usize) -> Result<T> {
    let (kind, loc) = match src.peek()? {
        None => return Ok(T::leaf(Value::Null)),
        Some(ev) => (Shape::of(ev), ev.loc),
    };
    match kind {
        Shape::Scalar => match src.next()? {
            Some(ev) => T::scalar(ev),
            None => Err(YamlError::eof(src.last_loc())),
        },
        Shape::Seq => sequence(src, depth, loc),
        Shape::Map => mapping(src, depth, loc),
        other => Err(other.unexpected(loc)),
    }
}

/// The value of a scalar event.
pub(super) fn leaf(ev: Ev<'_>) -> Result<Value> {
    let Kind::Scalar { value, style, tag } = ev.kind else {
        return Err(YamlError::at(ev.loc, "expected string scalar"));
    };
    Ok(
        match scalar::resolve(value, style, SfTag::of(tag.as_deref()), ev.loc)? {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::I64(i) => Value::Int(i),
            Scalar::U64(u) => {
                i64::try_from(u).map_or_else(|_| Value::Str(u.to_string()), Value::Int)
            }
            Scalar::F64(f) => Value::Float(f),
            Scalar::Str(s) => Value::Str(s.into_owned()),
            Scalar::Typed(why, s) => Value::Typed {
                tag: why.tag(),
                text: s.into_owned(),
            },
        },
    )
}

/// A captured value, and where it counts as referenced.
fn captured_value<T: Build>(events: Events<'_>, depth: usize) -> Result<(T, Loc)> {
    let Some(first) = events.first() else {
        return Ok((T::leaf(Value::Null), Loc::UNKNOWN));
    };
    let (defined, reference, alias) = (first.loc, reference_of(first), alias_of(first));
    let node = match events {
        Events::One(ev) if matches!(ev.kind, Kind::Scalar { .. }) => T::scalar(ev),
        events => value::<T, _>(&mut Replay::new(events.into_vec()), depth),
    };
    Ok((node.map_err(|e| e.through(alias, defined))?, reference))
}

/// The sequence starting at `loc`, the next event of `src`.
fn sequence<'a, T: Build, S: Source<'a>>(src: &mut S, depth: usize, loc: Loc) -> Result<T> {
    let depth = enter(depth, loc)?;
    src.next()?;
    sequence_items::<T, _>(src, depth).map(T::list)
}

/// The items of a sequence whose start was taken, up to and with its end.
pub(super) fn sequence_items<'a, T: Build, S: Source<'a>>(
    src: &mut S,
    depth: usize,
) -> Result<Vec<T::Item>> {
    let mut list = Vec::new();
    while !src.take_end(false)? {
        let (defined, reference, alias) = next_node(src)?;
        let node = value::<T, _>(src, depth).map_err(|e| e.through(alias, defined))?;
        list.push(T::item(node, reference.line_or_first()));
    }
    Ok(list)
}

/// Where the next node of `src` starts, where it is referenced, the alias it came through.
pub(super) fn next_node<'a, S: Source<'a>>(src: &mut S) -> Result<(Loc, Loc, Option<Loc>)> {
    let defined = match src.peek()? {
        Some(ev) => ev.loc,
        None => src.last_loc(),
    };
    Ok((defined, src.reference(), src.alias()))
}

/// A mapping's entries as nodes: a repeated key replaces the earlier value, in its place.
#[derive(Default)]
pub(super) struct MapNodes(Map<String, Located>);

impl<'a> Entries<'a> for MapNodes {
    fn read<S: Source<'a>>(&mut self, key: Key<'a>, src: &mut S, depth: usize) -> Result<Flow> {
        let (defined, reference, alias) = next_node(src)?;
        let node = value::<Node, _>(src, depth).map_err(|e| e.through(alias, defined))?;
        self.0.insert(
            key.name.into_owned(),
            Located::new(node, reference.line_or_first()),
        );
        Ok(Flow::Done)
    }

    fn insert(&mut self, key: Key<'a>, value: Events<'a>, depth: usize) -> Result<Flow> {
        let (node, reference) = captured_value::<Node>(value, depth)?;
        self.0.insert(
            key.name.into_owned(),
            Located::new(node, reference.line_or_first()),
        );
        Ok(Flow::Done)
    }
}

/// A mapping's entries as they are read, repeated keys too, each with its key's line.
#[derive(Default)]
pub(super) struct MapEntries(Vec<Entry>);

impl MapEntries {
    /// One entry, in file order: the key with its line, the value with the line it starts at.
    fn push(&mut self, key: Key<'_>, node: ItemNode, line: u32) -> Result<Flow> {
        self.0.push(Entry {
            key: key.name.into_owned(),
            line: key.line,
            value: Item { node, line },
        });
        Ok(Flow::Done)
    }
}

impl<'a> Entries<'a> for MapEntries {
    fn read<S: Source<'a>>(&mut self, key: Key<'a>, src: &mut S, depth: usize) -> Result<Flow> {
        let (defined, reference, alias) = next_node(src)?;
        let node = value::<ItemNode, _>(src, depth).map_err(|e| e.through(alias, defined))?;
        self.push(key, node, reference.line_or_first())
    }

    fn insert(&mut self, key: Key<'a>, value: Events<'a>, depth: usize) -> Result<Flow> {
        let (node, reference) = captured_value::<ItemNode>(value, depth)?;
        self.push(key, node, reference.line_or_first())
    }
}

/// The mapping starting at `loc`, the next event of `src`.
fn mapping<'a, T: Build, S: Source<'a>>(src: &mut S, depth: usize, loc: Loc) -> Result<T> {
    let depth = enter(depth, loc)?;
    src.next()?;
    let mut entries = T::Map::<'a>::default();
    read_mapping(src, depth, &mut entries)?;
    Ok(T::map(entries))
}
