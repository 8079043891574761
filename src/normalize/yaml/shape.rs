//! What the readers share about a node before reading it: its [`Shape`] (what its first
//! event says it is), where it counts as referenced, the nesting limit, and a mapping key as
//! text ([`Key`]). Reads no collection itself: [`super::build`], [`super::stream`] and
//! [`super::entries`] do, importing this (never the other way round).

use super::budget::{DEPTH_MESSAGE, MAX_DEPTH};
use super::capture::Events;
use super::error::{Loc, Result, YamlError};
use super::events::{Ev, Kind, Origin};
use super::scalar::{self, Scalar, SfTag};
use std::borrow::Cow;

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

/// One level deeper, refused past the limit.
pub(super) fn enter(depth: usize, loc: Loc) -> Result<usize> {
    let depth = depth + 1;
    if depth > MAX_DEPTH {
        return Err(YamlError::at(loc, DEPTH_MESSAGE));
    }
    Ok(depth)
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

/// A mapping key: its text, and the line it counts as referenced at (the alias or merge it
/// came through, or itself).
pub(super) struct Key<'a> {
    pub name: Cow<'a, str>,
    pub line: u32,
}

/// A captured key as text; complex keys (sequences, mappings) are refused.
pub(super) fn key(key: Events<'_>, depth: usize) -> Result<Key<'_>> {
    let Some(first) = key.first() else {
        return Err(YamlError::somewhere("expected a scalar mapping key"));
    };
    let reference = reference_of(first);
    let line = reference.line_or_first();
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
    result.map(|name| Key { name, line }).map_err(|mut e| {
        if e.loc.is_none() {
            e.loc = (reference != Loc::UNKNOWN).then_some(reference);
        }
        e
    })
}
