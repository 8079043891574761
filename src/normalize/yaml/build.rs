//! Nodes from events: scalars resolved, sequences and mappings built with the line every
//! value is referenced at, merge keys expanded, repeated keys resolved.
//!
//! Mappings follow the previous reader exactly, including when it read what:
//! - Entries are read as they come; a repeated key replaces the earlier value (last wins).
//! - `<<` entries are captured and their keys added after the mapping's own, skipping keys
//!   already present (explicit keys win, earlier merges win over later ones).
//! - Once a key compares as an integer (`1`, `0x1`), the rest of the mapping is captured
//!   first, repeated keys resolved by that identity, then read.
//!
//! Recursion is bounded: every level is a nested collection, refused past [`MAX_DEPTH`].

use super::budget::{DEPTH_MESSAGE, MAX_DEPTH};
use super::capture::{Captured, Events, Fp, Pending, capture};
use super::events::{Ev, Kind, Loc, Origin, Replay, Result, Source, YamlError, deferring};
use super::live::Live;
use super::scalar::{self, Scalar, SfTag};
use crate::normalize::nodes::{Located, Node};
use crate::tree::Value;
use indexmap::IndexMap;
use std::collections::HashSet;

const MERGE_VALUE: &str = "YAML merge value must be mapping or sequence of mappings";

/// The documents of `text` (null documents left out), each with the line it starts at.
pub(super) fn documents(text: &str) -> Result<Vec<Located>> {
    let mut src = Live::new(text);
    let mut documents = Vec::new();
    loop {
        let null = match src.peek()? {
            None => break,
            Some(Ev {
                kind: Kind::Scalar { value, style, tag },
                ..
            }) => scalar::is_null(SfTag::of(tag.as_deref()), value, *style),
            Some(_) => false,
        };
        if null {
            src.next()?;
            continue;
        }
        let reference = src.reference();
        let node = value(&mut src, 0)?;
        documents.push(Located::new(node, reference.line_or_first()));
    }
    src.finish()?;
    Ok(documents)
}

/// One level deeper, refused past the limit.
fn enter(depth: usize, loc: Loc) -> Result<usize> {
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
        Shape::SeqEnd => Err(YamlError::at(loc, "unexpected sequence end")),
        Shape::MapEnd => Err(YamlError::at(loc, "unexpected mapping end")),
        Shape::Recursive => Err(YamlError::recursive_alias(loc)),
    }
}

#[derive(Clone, Copy)]
enum Shape {
    Scalar,
    Seq,
    Map,
    SeqEnd,
    MapEnd,
    Recursive,
}

impl Shape {
    fn of(ev: &Ev<'_>) -> Shape {
        match ev.kind {
            Kind::Scalar { .. } => Shape::Scalar,
            Kind::SeqStart { .. } => Shape::Seq,
            Kind::MapStart { .. } => Shape::Map,
            Kind::SeqEnd => Shape::SeqEnd,
            Kind::MapEnd => Shape::MapEnd,
            Kind::RecursiveAlias { .. } => Shape::Recursive,
        }
    }
}

fn scalar_value(ev: Ev<'_>) -> Result<Node> {
    let Kind::Scalar { value, style, tag } = ev.kind else {
        return Err(YamlError::at(ev.loc, "expected string scalar"));
    };
    let value = match scalar::resolve(value, style, SfTag::of(tag.as_deref()), ev.loc)? {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::I64(i) => Value::Int(i),
        Scalar::U64(u) => i64::try_from(u).map_or_else(|_| Value::Str(u.to_string()), Value::Int),
        Scalar::F64(f) => Value::Float(f),
        Scalar::Str(s) => Value::Str(s.into_owned()),
    };
    Ok(Node::Leaf(value))
}

/// A key as text: scalars of any type stringified (`1: a` is key `1`, `~: a` is `null`).
fn key_text(scalar: Scalar<'_>) -> String {
    match scalar {
        Scalar::Null => "null".to_string(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::I64(i) => i.to_string(),
        Scalar::U64(u) => u.to_string(),
        Scalar::F64(f) => f.to_string(),
        Scalar::Str(s) => s.into_owned(),
    }
}

/// Where a captured node counts as referenced: the alias or merge it came through, or itself.
fn reference_of(ev: &Ev<'_>) -> Loc {
    match ev.origin {
        Origin::Alias(loc) | Origin::Merge(loc) => loc,
        Origin::Direct => ev.loc,
    }
}

/// A captured key as text; complex keys (sequences, mappings) are refused.
fn key(key: Events<'_>, depth: usize) -> Result<String> {
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
    let (defined, reference) = (first.loc, reference_of(first));
    let alias = match first.origin {
        Origin::Alias(loc) => Some(loc),
        Origin::Direct | Origin::Merge(_) => None,
    };
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
    let mut list = Vec::new();
    loop {
        let defined = match src.peek()? {
            None => return Err(YamlError::eof(src.last_loc())),
            Some(ev) if matches!(ev.kind, Kind::SeqEnd) => break,
            Some(ev) => ev.loc,
        };
        let (reference, alias) = (src.reference(), src.alias());
        let node = value(src, depth).map_err(|e| e.through(alias, defined))?;
        list.push(Located::new(node, reference.line_or_first()));
    }
    src.next()?;
    Ok(Node::List(list))
}

/// A mapping being built: its entries and the identities of the keys read so far.
struct MapBuilder<'a> {
    depth: usize,
    entries: IndexMap<String, Located>,
    seen: Vec<Fp<'a>>,
}

impl<'a> MapBuilder<'a> {
    /// Reads a captured entry into the mapping.
    fn insert(&mut self, entry: Pending<'a>) -> Result<()> {
        let name = key(entry.key.events, self.depth)?;
        let (node, reference) = captured_value(entry.value.events, self.depth)?;
        self.entries
            .insert(name, Located::new(node, reference.line_or_first()));
        Ok(())
    }
}

/// The mapping starting at `loc`, the next event of `src`.
fn mapping<'a, S: Source<'a>>(src: &mut S, depth: usize, loc: Loc) -> Result<Node> {
    let depth = enter(depth, loc)?;
    src.next()?;
    let mut map = MapBuilder {
        depth,
        entries: IndexMap::new(),
        seen: Vec::new(),
    };
    let mut merges: Vec<Vec<Pending<'a>>> = Vec::new();
    loop {
        match src.peek()? {
            None => return Err(YamlError::eof(src.last_loc())),
            Some(ev) if matches!(ev.kind, Kind::MapEnd) => {
                src.next()?;
                break;
            }
            Some(_) => {}
        }
        let key_node = capture(src)?;
        if key_node.is_merge_key() {
            src.peek()?;
            let reference = src.reference();
            let batch = merge_value(src, reference)?;
            if !batch.is_empty() {
                merges.push(batch);
            }
            continue;
        }
        if key_node.fp.contains_integer() {
            for entry in rest_by_identity(src, key_node, &map.seen, merges)? {
                map.insert(entry)?;
            }
            return Ok(Node::Map(map.entries));
        }
        let name = key(key_node.events, depth)?;
        map.seen.push(key_node.fp);
        let defined = match src.peek()? {
            Some(ev) => ev.loc,
            None => src.last_loc(),
        };
        let (reference, alias) = (src.reference(), src.alias());
        let node = value(src, depth).map_err(|e| e.through(alias, defined))?;
        map.entries
            .insert(name, Located::new(node, reference.line_or_first()));
    }
    if !merges.is_empty() {
        let mut seen: HashSet<Fp<'a>> = std::mem::take(&mut map.seen).into_iter().collect();
        for entry in merges.into_iter().flatten() {
            if seen.contains(&entry.key.fp) {
                continue;
            }
            let fp = entry.key.fp.clone();
            map.insert(entry)?;
            seen.insert(fp);
        }
    }
    Ok(Node::Map(map.entries))
}

/// The entries of the rest of a mapping once a key compares as an integer, `first` being that
/// key: captured to the mapping's end, repeated keys resolved by identity (the last wins, at
/// its own place), then merged entries whose keys are not present (`seen` were read already).
fn rest_by_identity<'a, S: Source<'a>>(
    src: &mut S,
    first: Captured<'a>,
    seen: &[Fp<'a>],
    mut merges: Vec<Vec<Pending<'a>>>,
) -> Result<Vec<Pending<'a>>> {
    deferring(src, |src| {
        let mut explicit = Vec::new();
        let mut next_key = Some(first);
        loop {
            let key = match next_key.take() {
                Some(key) => key,
                None => match src.peek()? {
                    None => return Err(YamlError::eof(src.last_loc())),
                    Some(ev) if matches!(ev.kind, Kind::MapEnd) => {
                        src.next()?;
                        break;
                    }
                    Some(_) => capture(src)?,
                },
            };
            if key.is_merge_key() {
                src.peek()?;
                let reference = src.reference();
                let batch = merge_value(src, reference)?;
                if !batch.is_empty() {
                    merges.push(batch);
                }
                continue;
            }
            let value = capture(src)?;
            explicit.push(Pending { key, value });
        }
        let mut entries = last_wins(explicit);
        let mut seen: HashSet<Fp<'a>> = seen.iter().cloned().collect();
        seen.extend(entries.iter().map(|e| e.key.fp.clone()));
        for entry in merges.into_iter().flatten() {
            if seen.insert(entry.key.fp.clone()) {
                entries.push(entry);
            }
        }
        Ok(entries)
    })
}

/// Of entries with the same key identity, the last one, at its own place.
fn last_wins(mut entries: Vec<Pending<'_>>) -> Vec<Pending<'_>> {
    let mut seen = HashSet::with_capacity(entries.len());
    entries.reverse();
    entries.retain(|e| seen.insert(e.key.fp.clone()));
    entries.reverse();
    entries
}

/// The entries a `<<` value brings, read from `src`: a mapping, a list of mappings, or null.
/// `reference` is where the value is referenced (the alias, or the value itself).
fn merge_value<'a, S: Source<'a>>(src: &mut S, reference: Loc) -> Result<Vec<Pending<'a>>> {
    let (shape, loc, null) = match src.peek()? {
        None => return Err(YamlError::eof(src.last_loc())),
        Some(ev) => (Shape::of(ev), ev.loc, is_null_scalar(ev)),
    };
    match shape {
        Shape::Recursive => Err(YamlError::recursive_alias(loc)),
        Shape::Scalar if null => {
            src.next()?;
            Ok(Vec::new())
        }
        Shape::Map => {
            let node = capture(src)?;
            merged_entries(node.events.into_vec(), node.loc, reference)
        }
        Shape::Seq => {
            src.next()?;
            let mut entries = Vec::new();
            loop {
                match src.peek()? {
                    None => return Err(YamlError::eof(src.last_loc())),
                    Some(ev) if matches!(ev.kind, Kind::SeqEnd) => {
                        src.next()?;
                        break;
                    }
                    Some(_) => {}
                }
                let element_reference = src.reference();
                let element = capture(src)?;
                entries.extend(merged_entries(
                    element.events.into_vec(),
                    element.loc,
                    element_reference,
                )?);
            }
            Ok(entries)
        }
        Shape::Scalar | Shape::SeqEnd | Shape::MapEnd => Err(YamlError::at(loc, MERGE_VALUE)),
    }
}

fn is_null_scalar(ev: &Ev<'_>) -> bool {
    match &ev.kind {
        Kind::Scalar { value, style, tag } => {
            scalar::is_null(SfTag::of(tag.as_deref()), value, *style)
        }
        _ => false,
    }
}

/// The entries a captured merge value brings, each referenced at `reference` unless it came
/// through an alias of its own.
fn merged_entries<'a>(events: Vec<Ev<'a>>, loc: Loc, reference: Loc) -> Result<Vec<Pending<'a>>> {
    let mut replay = Replay::merged(events, reference);
    let (shape, at, null) = match replay.peek()? {
        None => return Err(YamlError::eof(loc)),
        Some(ev) => (Shape::of(ev), ev.loc, is_null_scalar(ev)),
    };
    match shape {
        Shape::Scalar if null => Ok(Vec::new()),
        Shape::Map => mapping_entries(&mut replay),
        Shape::Seq => {
            replay.next()?;
            let mut entries = Vec::new();
            loop {
                match replay.peek()? {
                    None => return Err(YamlError::eof(replay.last_loc())),
                    Some(ev) if matches!(ev.kind, Kind::SeqEnd) => {
                        replay.next()?;
                        break;
                    }
                    Some(_) => {}
                }
                let element_reference = replay.reference();
                let element = capture(&mut replay)?;
                entries.extend(merged_entries(
                    element.events.into_vec(),
                    element.loc,
                    element_reference,
                )?);
            }
            Ok(entries)
        }
        _ => Err(YamlError::at(at, MERGE_VALUE)),
    }
}

/// The entries of a merged mapping: its own (repeated keys: the last), then its merges'.
fn mapping_entries<'a, S: Source<'a>>(src: &mut S) -> Result<Vec<Pending<'a>>> {
    match src.next()? {
        Some(ev) if matches!(ev.kind, Kind::MapStart { .. }) => {}
        _ => return Err(YamlError::at(src.last_loc(), MERGE_VALUE)),
    }
    let mut fields = Vec::new();
    let mut nested = Vec::new();
    loop {
        match src.peek()? {
            None => return Err(YamlError::eof(src.last_loc())),
            Some(ev) if matches!(ev.kind, Kind::MapEnd) => {
                src.next()?;
                break;
            }
            Some(_) => {}
        }
        let key = capture(src)?;
        if key.is_merge_key() {
            src.peek()?;
            let reference = src.reference();
            nested.push(merge_value(src, reference)?);
            continue;
        }
        let value = capture(src)?;
        fields.push(Pending { key, value });
    }
    let mut entries = last_wins(fields);
    entries.extend(nested.into_iter().flatten());
    Ok(entries)
}
