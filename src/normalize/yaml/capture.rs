//! Whole nodes taken out of the event stream to be read later, and their fingerprints.
//!
//! Mapping keys are captured before they are read, and so are merged entries and the entries
//! of a mapping whose keys are compared as integers (see [`super::entries`]). A fingerprint is a
//! key's identity when keys are compared: integers by value (`1`, `0x1`, `+1` are one key),
//! other scalars by text and tag, collections by their contents.

use super::error::{Loc, Result, YamlError};
use super::events::{Ev, Kind, Source, deferring};
use super::scalar::{self, SfTag, Tag};
use granit_parser::ScalarStyle;
use std::borrow::Cow;
use std::collections::HashSet;
use std::rc::Rc;

/// The tag part of a fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum FpTag {
    Semantic(SfTag),
    Custom(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Fp<'a> {
    RecursiveAlias(usize),
    Integer {
        negative: bool,
        magnitude: u128,
    },
    Scalar {
        value: Cow<'a, str>,
        tag: FpTag,
    },
    Sequence {
        tag: FpTag,
        elements: Vec<Fp<'a>>,
    },
    /// Entries sorted: a mapping's entries have no order.
    Mapping {
        tag: FpTag,
        entries: Vec<(Fp<'a>, Fp<'a>)>,
    },
}

impl Fp<'_> {
    /// Whether integer identity can differ from the key's spelling (`1` and `0x1`).
    pub fn contains_integer(&self) -> bool {
        match self {
            Fp::Integer { .. } => true,
            Fp::Sequence { elements, .. } => elements.iter().any(Fp::contains_integer),
            Fp::Mapping { entries, .. } => entries
                .iter()
                .any(|(k, v)| k.contains_integer() || v.contains_integer()),
            Fp::Scalar { .. } | Fp::RecursiveAlias(_) => false,
        }
    }
}

fn fp_tag(tag: Option<&Tag>, implicit: SfTag) -> FpTag {
    let kind = SfTag::of(tag);
    if let Some(tag) = tag
        && (kind == SfTag::Other
            || (implicit == SfTag::Map && kind == SfTag::Map && tag.spelling == "!map"))
    {
        return FpTag::Custom(tag.spelling.clone());
    }
    FpTag::Semantic(if matches!(kind, SfTag::None | SfTag::NonSpecific) {
        implicit
    } else if implicit == SfTag::String && kind.can_parse_into_string() {
        SfTag::String
    } else {
        kind
    })
}

fn scalar_fp<'a>(value: &Cow<'a, str>, style: ScalarStyle, tag: Option<&Tag>) -> Fp<'a> {
    let kind = SfTag::of(tag);
    let plain = kind == SfTag::None && matches!(style, ScalarStyle::Plain);
    let t = scalar::trim(value);
    if kind == SfTag::Int || (plain && scalar::may_be_number(t)) {
        let integer = if t.starts_with('-') {
            scalar::signed(t).map(|v| (v < 0, v.unsigned_abs()))
        } else {
            scalar::unsigned(t).map(|v| (false, v))
        };
        if let Some((negative, magnitude)) = integer {
            return Fp::Integer {
                negative,
                magnitude,
            };
        }
    }
    let tag = if kind == SfTag::None && scalar::is_null(kind, value, style) {
        FpTag::Semantic(SfTag::Null)
    } else {
        fp_tag(tag, SfTag::String)
    };
    Fp::Scalar {
        value: value.clone(),
        tag,
    }
}

/// A set of fingerprints: searched in a list while small (most mappings), hashed once large.
#[derive(Default)]
pub(super) struct FpSet<'a> {
    list: Vec<Fp<'a>>,
    hashed: HashSet<Fp<'a>>,
}

impl<'a> FpSet<'a> {
    const SMALL: usize = 16;

    pub fn contains(&self, fp: &Fp<'a>) -> bool {
        if self.hashed.is_empty() {
            self.list.contains(fp)
        } else {
            self.hashed.contains(fp)
        }
    }

    /// Adds `fp`; whether it was new.
    pub fn insert(&mut self, fp: Fp<'a>) -> bool {
        if !self.hashed.is_empty() {
            return self.hashed.insert(fp);
        }
        if self.list.contains(&fp) {
            return false;
        }
        self.list.push(fp);
        if self.list.len() > Self::SMALL {
            self.hashed = self.list.drain(..).collect();
        }
        true
    }
}

impl<'a> FromIterator<Fp<'a>> for FpSet<'a> {
    fn from_iter<I: IntoIterator<Item = Fp<'a>>>(iter: I) -> FpSet<'a> {
        let mut set = FpSet::default();
        for fp in iter {
            set.insert(fp);
        }
        set
    }
}

/// The events of one node: a scalar alone, or a collection from its start to its end.
pub(super) enum Events<'a> {
    One(Ev<'a>),
    Many(Vec<Ev<'a>>),
}

impl<'a> Events<'a> {
    pub fn first(&self) -> Option<&Ev<'a>> {
        match self {
            Events::One(ev) => Some(ev),
            Events::Many(events) => events.first(),
        }
    }

    pub fn into_vec(self) -> Vec<Ev<'a>> {
        match self {
            Events::One(ev) => vec![ev],
            Events::Many(events) => events,
        }
    }
}

pub(super) struct Captured<'a> {
    pub events: Events<'a>,
    pub fp: Fp<'a>,
}

impl Captured<'_> {
    /// A plain (or `!!merge`) `<<` scalar.
    pub fn is_merge_key(&self) -> bool {
        match &self.events {
            Events::One(Ev {
                kind: Kind::Scalar { value, style, tag },
                ..
            }) => {
                value == "<<"
                    && match tag {
                        Some(tag) => tag.kind == SfTag::Merge,
                        None => matches!(style, ScalarStyle::Plain),
                    }
            }
            _ => false,
        }
    }
}

/// A key and its value, captured to be read later.
pub(super) struct Pending<'a> {
    pub key: Captured<'a>,
    pub value: Events<'a>,
}

/// Takes the next node out of `src` without its fingerprint (a value, not a key).
pub(super) fn capture_node<'a, S: Source<'a>>(src: &mut S) -> Result<(Events<'a>, Loc)> {
    deferring(src, |src| {
        let first = take(src)?;
        let loc = first.loc;
        let mapping = match first.kind {
            Kind::Scalar { .. } | Kind::RecursiveAlias { .. } => {
                return Ok((Events::One(first), loc));
            }
            Kind::SeqStart { .. } => false,
            Kind::MapStart { .. } => true,
            Kind::SeqEnd | Kind::MapEnd => return Err(unexpected_end(loc)),
        };
        // Whether each open collection is a mapping.
        let mut open = vec![mapping];
        let mut events = vec![first];
        while let Some(&mapping) = open.last() {
            let end = match src.peek()? {
                None => return Err(YamlError::eof(src.last_loc())),
                Some(ev) => matches!(
                    (&ev.kind, mapping),
                    (Kind::SeqEnd, false) | (Kind::MapEnd, true)
                ),
            };
            let ev = take(src)?;
            if end {
                open.pop();
            } else {
                match ev.kind {
                    Kind::SeqStart { .. } => open.push(false),
                    Kind::MapStart { .. } => open.push(true),
                    Kind::SeqEnd | Kind::MapEnd => return Err(unexpected_end(ev.loc)),
                    Kind::Scalar { .. } | Kind::RecursiveAlias { .. } => {}
                }
            }
            events.push(ev);
        }
        Ok((Events::Many(events), loc))
    })
}

/// The next event, marked with how it reached the reader.
fn take<'a, S: Source<'a>>(src: &mut S) -> Result<Ev<'a>> {
    src.peek()?;
    let origin = src.origin();
    let Some(mut ev) = src.next()? else {
        return Err(YamlError::eof(src.last_loc()));
    };
    ev.origin = origin;
    Ok(ev)
}

fn unexpected_end(loc: Loc) -> YamlError {
    YamlError::at(loc, "unexpected container end while reading key")
}

/// Takes the next node out of `src` with its fingerprint: a key (recursive aliases in it are
/// kept, to fail if it is ever read).
pub(super) fn capture_key<'a, S: Source<'a>>(src: &mut S) -> Result<Captured<'a>> {
    deferring(src, |src| {
        let ev = take(src)?;
        if let Kind::Scalar { value, style, tag } = &ev.kind {
            let fp = scalar_fp(value, *style, tag.as_deref());
            return Ok(Captured {
                events: Events::One(ev),
                fp,
            });
        }
        let mut events = Vec::new();
        let fp = capture_rest(src, ev, &mut events)?;
        Ok(Captured {
            events: Events::Many(events),
            fp,
        })
    })
}

/// Captures the node `ev` starts (already taken from `src`) into `out`.
fn capture_rest<'a, S: Source<'a>>(
    src: &mut S,
    ev: Ev<'a>,
    out: &mut Vec<Ev<'a>>,
) -> Result<Fp<'a>> {
    let tag_of = |tag: &Option<Rc<Tag>>, implicit| fp_tag(tag.as_deref(), implicit);
    let fp = match &ev.kind {
        Kind::RecursiveAlias { anchor } => Fp::RecursiveAlias(*anchor),
        Kind::Scalar { value, style, tag } => scalar_fp(value, *style, tag.as_deref()),
        Kind::SeqEnd | Kind::MapEnd => return Err(unexpected_end(ev.loc)),
        Kind::SeqStart { tag } => {
            let tag = tag_of(tag, SfTag::Seq);
            out.push(ev);
            let mut elements = Vec::new();
            while !capture_end(src, out, false)? {
                elements.push(capture_child(src, out)?);
            }
            return Ok(Fp::Sequence { tag, elements });
        }
        Kind::MapStart { tag } => {
            let tag = tag_of(tag, SfTag::Map);
            out.push(ev);
            let mut entries = Vec::new();
            while !capture_end(src, out, true)? {
                let key = capture_child(src, out)?;
                let value = capture_child(src, out)?;
                entries.push((key, value));
            }
            entries.sort();
            return Ok(Fp::Mapping { tag, entries });
        }
    };
    out.push(ev);
    Ok(fp)
}

fn capture_child<'a, S: Source<'a>>(src: &mut S, out: &mut Vec<Ev<'a>>) -> Result<Fp<'a>> {
    let ev = take(src)?;
    capture_rest(src, ev, out)
}

/// Takes the collection's end into `out` if it is next; an error at the end of the input.
fn capture_end<'a, S: Source<'a>>(
    src: &mut S,
    out: &mut Vec<Ev<'a>>,
    mapping: bool,
) -> Result<bool> {
    let end = match src.peek()? {
        None => return Err(YamlError::eof(src.last_loc())),
        Some(ev) => matches!(
            (&ev.kind, mapping),
            (Kind::SeqEnd, false) | (Kind::MapEnd, true)
        ),
    };
    if end {
        let origin = src.origin();
        if let Some(mut ev) = src.next()? {
            ev.origin = origin;
            out.push(ev);
        }
    }
    Ok(end)
}
