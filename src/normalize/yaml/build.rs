//! The general reader: the document as nested [`Node`]s (scalars resolved, every value with
//! the line it is referenced at, mappings read as [`super::entries`] says), flattened into the
//! tree afterwards. [`super::stream`] is the fast path; this reads what it gives up on.
//!
//! Recursion is bounded: every level is a nested collection, refused past [`MAX_DEPTH`].

use super::Version;
use super::budget::{DEPTH_MESSAGE, MAX_DEPTH};
use super::capture::Events;
use super::entries::{Entries, Flow, read_mapping};
use super::events::{Ev, Kind, Loc, Origin, Replay, Result, Source, YamlError};
use super::live::Live;
use super::scalar::{self, Scalar, SfTag};
use crate::normalize::nodes::{Located, Node};
use crate::tree::Value;
use indexmap::IndexMap;
use std::borrow::Cow;

/// The documents of `text` (null documents left out), each with the line it starts at.
pub(super) fn documents(text: &str, version: Version) -> Result<Vec<Located>> {
    let mut src = Live::new(text, version);
    let mut documents = Vec::new();
    while let Some(line) = next_document(&mut src)? {
        let node = value(&mut src, 0)?;
        documents.push(Located::new(node, line));
    }
    src.finish()?;
    Ok(documents)
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

/// One level deeper, refused past the limit.
pub(super) fn enter(depth: usize, loc: Loc) -> Result<usize> {
    let depth = depth + 1;
    if depth > MAX_DEPTH {
        return Err(YamlError::at(loc, DEPTH_MESSAGE));
    }
    Ok(depth)
}

/// The next node of `src`.
fn value<'a, S: Source<'a>>(src: &mut S, depth: usize) -> Result<Node> {
    let (kind, loc) = match src.peek()? {
        None => return Ok(Node::Leaf(Value::Null)),
        Some(ev) => (Shape::of(ev), ev.loc),
    };
    match kind {
        Shape::Scalar => match src.next()? {
            Some(ev) => scalar_value(ev),
            None => Err(YamlError::eof(src.last_loc())),
        },
        Shape::Seq => sequence(src, depth, loc),
        Shape::Map => mapping(src, depth, loc),
        other => Err(other.unexpected(loc)),
    }
}

#[derive(Clone, Copy)]
pub(super) enum Shape {
    Scalar,
    Seq,
    Map,
    SeqEnd,
    MapEnd,
    Recursive,
}

impl Shape {
    pub fn of(ev: &Ev<'_>) -> Shape {
        match ev.kind {
            Kind::Scalar { .. } => Shape::Scalar,
            Kind::SeqStart { .. } => Shape::Seq,
            Kind::MapStart { .. } => Shape::Map,
            Kind::SeqEnd => Shape::SeqEnd,
            Kind::MapEnd => Shape::MapEnd,
            Kind::RecursiveAlias { .. } => Shape::Recursive,
        }
    }

    /// The error for a node of this shape where a value should start.
    pub fn unexpected(self, loc: Loc) -> YamlError {
        match self {
            Shape::SeqEnd => YamlError::at(loc, "unexpected sequence end"),
            Shape::MapEnd => YamlError::at(loc, "unexpected mapping end"),
            Shape::Recursive => YamlError::recursive_alias(loc),
            Shape::Scalar | Shape::Seq | Shape::Map => YamlError::at(loc, "expected a value"),
        }
    }
}

fn scalar_value(ev: Ev<'_>) -> Result<Node> {
    leaf(ev).map(Node::Leaf)
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

/// A key as text: scalars of any type stringified (`1: a` is key `1`, `~: a` is `null`).
fn key_text(scalar: Scalar<'_>) -> Cow<'_, str> {
    match scalar {
        Scalar::Null => Cow::Borrowed("null"),
        Scalar::Bool(b) => Cow::Borrowed(if b { "true" } else { "false" }),
        Scalar::I64(i) => Cow::Owned(i.to_string()),
        Scalar::U64(u) => Cow::Owned(u.to_string()),
        Scalar::F64(f) => Cow::Owned(f.to_string()),
        Scalar::Str(s) | Scalar::Typed(_, s) => s,
    }
}

/// Where a captured node counts as referenced: the alias or merge it came through, or itself.
pub(super) fn reference_of(ev: &Ev<'_>) -> Loc {
    match ev.origin {
        Origin::Alias(loc) | Origin::Merge(loc) => loc,
        Origin::Direct => ev.loc,
    }
}

/// The alias a captured node came through, if any.
pub(super) fn alias_of(ev: &Ev<'_>) -> Option<Loc> {
    match ev.origin {
        Origin::Alias(loc) => Some(loc),
        Origin::Direct | Origin::Merge(_) => None,
    }
}

/// A captured key as text; complex keys (sequences, mappings) are refused.
pub(super) fn key(key: Events<'_>, depth: usize) -> Result<Cow<'_, str>> {
    let Some(first) = key.first() else {
        return Err(YamlError::somewhere("expected a scalar mapping key"));
    };
    let reference = reference_of(first);
    let (loc, shape) = (first.loc, Shape::of(first));
    let result = match key {
        Events::One(Ev {
            kind: Kind::Scalar { value, style, tag },
            loc,
            ..
        }) => scalar::resolve(value, style, SfTag::of(tag.as_deref()), loc).map(key_text),
        _ => match shape {
            Shape::Recursive => Err(YamlError::recursive_alias(loc)),
            Shape::Seq => enter(depth, loc).and(Err(YamlError::somewhere(
                "expected a scalar mapping key, found a sequence used as a key",
            ))),
            Shape::Map => enter(depth, loc).and(Err(YamlError::somewhere(
                "expected a scalar mapping key, found a mapping used as a key",
            ))),
            Shape::Scalar | Shape::SeqEnd | Shape::MapEnd => {
                Err(YamlError::at(loc, "expected a scalar mapping key"))
            }
        },
    };
    result.map_err(|mut e| {
        if e.loc.is_none() {
            e.loc = (reference != Loc::UNKNOWN).then_some(reference);
        }
        e
    })
}

/// A captured value, and where it counts as referenced.
fn captured_value(events: Events<'_>, depth: usize) -> Result<(Node, Loc)> {
    let Some(first) = events.first() else {
        return Ok((Node::Leaf(Value::Null), Loc::UNKNOWN));
    };
    let (defined, reference, alias) = (first.loc, reference_of(first), alias_of(first));
    let node = match events {
        Events::One(ev) if matches!(ev.kind, Kind::Scalar { .. }) => scalar_value(ev),
        events => value(&mut Replay::new(events.into_vec()), depth),
    };
    Ok((node.map_err(|e| e.through(alias, defined))?, reference))
}

/// The sequence starting at `loc`, the next event of `src`.
fn sequence<'a, S: Source<'a>>(src: &mut S, depth: usize, loc: Loc) -> Result<Node> {
    let depth = enter(depth, loc)?;
    src.next()?;
    sequence_items(src, depth).map(Node::List)
}

/// The items of a sequence whose start was taken, up to and with its end.
pub(super) fn sequence_items<'a, S: Source<'a>>(src: &mut S, depth: usize) -> Result<Vec<Located>> {
    let mut list = Vec::new();
    while !src.take_end(false)? {
        let (defined, reference, alias) = next_node(src)?;
        let node = value(src, depth).map_err(|e| e.through(alias, defined))?;
        list.push(Located::new(node, reference.line_or_first()));
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

/// A mapping's entries as nodes.
struct MapNodes(IndexMap<String, Located>);

impl<'a> Entries<'a> for MapNodes {
    fn read<S: Source<'a>>(
        &mut self,
        name: Cow<'a, str>,
        src: &mut S,
        depth: usize,
    ) -> Result<Flow> {
        let (defined, reference, alias) = next_node(src)?;
        let node = value(src, depth).map_err(|e| e.through(alias, defined))?;
        self.0.insert(
            name.into_owned(),
            Located::new(node, reference.line_or_first()),
        );
        Ok(Flow::Done)
    }

    fn insert(&mut self, name: Cow<'a, str>, value: Events<'a>, depth: usize) -> Result<Flow> {
        let (node, reference) = captured_value(value, depth)?;
        self.0.insert(
            name.into_owned(),
            Located::new(node, reference.line_or_first()),
        );
        Ok(Flow::Done)
    }
}

/// The mapping starting at `loc`, the next event of `src`.
fn mapping<'a, S: Source<'a>>(src: &mut S, depth: usize, loc: Loc) -> Result<Node> {
    let depth = enter(depth, loc)?;
    src.next()?;
    let mut entries = MapNodes(IndexMap::new());
    read_mapping(src, depth, &mut entries)?;
    Ok(Node::Map(entries.0))
}
