//! A mapping's entries, in the order and with the precedence the previous reader gave them:
//! - Entries are read as they come; a repeated key replaces the earlier value (last wins).
//! - `<<` entries are captured and their keys added after the mapping's own, skipping keys
//!   already present (explicit keys win, earlier merges win over later ones).
//! - Once a key compares as an integer (`1`, `0x1`), the rest of the mapping is captured
//!   first, repeated keys resolved by that identity (the last one, at its own place), merged
//!   entries added, and only then read.
//!
//! Captured entries are read (and their errors met) only when added, as before; an entry a
//! later one replaces may never be read at all.

use super::capture::{Captured, Events, Fp, FpSet, Pending, capture_key, capture_node};
use super::error::{Loc, Result, YamlError};
use super::events::{Ev, Kind, Replay, Source, deferring};
use super::scalar::{self, SfTag};
use super::shape::{Key, Shape, key};

const MERGE_VALUE: &str = "YAML merge value must be mapping or sequence of mappings";

/// Whether an entry (or node) was read, or the reader gives up (see [`super::stream`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flow {
    Done,
    GiveUp,
}

/// Where a mapping's entries go.
pub(super) trait Entries<'a> {
    /// The entry `key` whose value is the next node of `src`.
    fn read<S: Source<'a>>(&mut self, key: Key<'a>, src: &mut S, depth: usize) -> Result<Flow>;

    /// The entry `key` with a captured value.
    fn insert(&mut self, key: Key<'a>, value: Events<'a>, depth: usize) -> Result<Flow>;
}

/// Reads the entries of the mapping whose start was just taken from `src` (at `depth`, the
/// mapping's own level), up to and with its end, into `out`.
pub(super) fn read_mapping<'a, S: Source<'a>, E: Entries<'a>>(
    src: &mut S,
    depth: usize,
    out: &mut E,
) -> Result<Flow> {
    let mut seen: Vec<Fp<'a>> = Vec::new();
    let mut merges: Vec<Vec<Pending<'a>>> = Vec::new();
    while !src.take_end(true)? {
        let key_node = capture_key(src)?;
        if key_node.is_merge_key() {
            take_merge(src, &mut merges)?;
            continue;
        }
        if key_node.fp.contains_integer() {
            for entry in rest_by_identity(src, key_node, &seen, merges)? {
                let name = key(entry.key.events, depth)?;
                if out.insert(name, entry.value, depth)? == Flow::GiveUp {
                    return Ok(Flow::GiveUp);
                }
            }
            return Ok(Flow::Done);
        }
        let name = key(key_node.events, depth)?;
        seen.push(key_node.fp);
        if out.read(name, src, depth)? == Flow::GiveUp {
            return Ok(Flow::GiveUp);
        }
    }
    if !merges.is_empty() {
        let mut seen: FpSet<'a> = seen.into_iter().collect();
        for entry in merges.into_iter().flatten() {
            if seen.contains(&entry.key.fp) {
                continue;
            }
            let fp = entry.key.fp.clone();
            let name = key(entry.key.events, depth)?;
            if out.insert(name, entry.value, depth)? == Flow::GiveUp {
                return Ok(Flow::GiveUp);
            }
            seen.insert(fp);
        }
    }
    Ok(Flow::Done)
}

/// The value of a `<<` key just taken: its entries join `merges` (as one batch, in order).
fn take_merge<'a, S: Source<'a>>(src: &mut S, merges: &mut Vec<Vec<Pending<'a>>>) -> Result<()> {
    src.peek()?;
    let reference = src.reference();
    let batch = merge_value(src, reference)?;
    if !batch.is_empty() {
        merges.push(batch);
    }
    Ok(())
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
                None if src.take_end(true)? => break,
                None => capture_key(src)?,
            };
            if key.is_merge_key() {
                take_merge(src, &mut merges)?;
                continue;
            }
            let (value, _) = capture_node(src)?;
            explicit.push(Pending { key, value });
        }
        let mut entries = last_wins(explicit);
        let mut seen: FpSet<'a> = seen.iter().cloned().collect();
        for entry in &entries {
            seen.insert(entry.key.fp.clone());
        }
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
    let mut seen = FpSet::default();
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
            let (node, loc) = capture_node(src)?;
            merged_entries(node.into_vec(), loc, reference)
        }
        Shape::Seq => {
            src.next()?;
            list_entries(src)
        }
        Shape::Scalar | Shape::SeqEnd | Shape::MapEnd => Err(YamlError::at(loc, MERGE_VALUE)),
    }
}

/// The entries each element of a merged list brings, in order (the list's start was taken).
fn list_entries<'a, S: Source<'a>>(src: &mut S) -> Result<Vec<Pending<'a>>> {
    let mut entries = Vec::new();
    while !src.take_end(false)? {
        let element_reference = src.reference();
        let (element, loc) = capture_node(src)?;
        entries.extend(merged_entries(element.into_vec(), loc, element_reference)?);
    }
    Ok(entries)
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
            list_entries(&mut replay)
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
    while !src.take_end(true)? {
        let key = capture_key(src)?;
        if key.is_merge_key() {
            src.peek()?;
            let reference = src.reference();
            nested.push(merge_value(src, reference)?);
            continue;
        }
        let (value, _) = capture_node(src)?;
        fields.push(Pending { key, value });
    }
    let mut entries = last_wins(fields);
    entries.extend(nested.into_iter().flatten());
    Ok(entries)
}
