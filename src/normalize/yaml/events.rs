//! The events the tree is built from, where they were read, and the replay of captured ones.
//!
//! [`Live`](super::live::Live) reads them from the parser (expanding aliases); [`Replay`] plays
//! back a captured node, as the mapping reader does for merged entries and for mappings whose
//! repeated keys are only known once the mapping has been read to its end.

use super::error::{Loc, Result, YamlError};
use super::scalar::Tag;
use granit_parser::ScalarStyle;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::rc::Rc;

/// How an event reached the reader: as written, replayed by an alias (the alias's location),
/// or as part of a merged mapping (the location the merge value is referenced at).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    Direct,
    Alias(Loc),
    Merge(Loc),
}

#[derive(Clone, Debug)]
pub(super) enum Kind<'a> {
    Scalar {
        value: Cow<'a, str>,
        style: ScalarStyle,
        tag: Option<Rc<Tag>>,
    },
    SeqStart {
        tag: Option<Rc<Tag>>,
    },
    SeqEnd,
    MapStart {
        tag: Option<Rc<Tag>>,
    },
    MapEnd,
    /// An alias to a node that is still being read (`a: &a [*a]`); an error wherever it is
    /// used, but only once it is used (a captured node may never be).
    RecursiveAlias {
        anchor: usize,
    },
}

#[derive(Clone, Debug)]
pub(super) struct Ev<'a> {
    pub kind: Kind<'a>,
    pub loc: Loc,
    pub origin: Origin,
}

/// A stream of events with one event of lookahead.
pub(super) trait Source<'a> {
    fn peek(&mut self) -> Result<Option<&Ev<'a>>>;
    fn next(&mut self) -> Result<Option<Ev<'a>>>;
    /// Where the last event taken (or peeked) was.
    fn last_loc(&self) -> Loc;
    /// While set, a recursive alias is handed out as an event instead of being an error.
    fn set_defer_recursive(&mut self, defer: bool) -> bool;
    /// How the peeked event reached the reader.
    fn origin(&self) -> Origin;

    /// Where the peeked node is referenced: the alias or merge it came through, else itself.
    fn reference(&self) -> Loc;

    /// The alias the peeked node came through, if any.
    fn alias(&self) -> Option<Loc> {
        match self.origin() {
            Origin::Alias(loc) => Some(loc),
            Origin::Direct | Origin::Merge(_) => None,
        }
    }

    /// Takes the end of the collection being read if it is next (a mapping's end when
    /// `mapping`, else a sequence's); whether it was. The input ending there is an error.
    fn take_end(&mut self, mapping: bool) -> Result<bool> {
        let end = match self.peek()? {
            None => return Err(YamlError::eof(self.last_loc())),
            Some(ev) => matches!(
                (&ev.kind, mapping),
                (Kind::MapEnd, true) | (Kind::SeqEnd, false)
            ),
        };
        if end {
            self.next()?;
        }
        Ok(end)
    }
}

/// Runs `f` with recursive aliases handed out as events (see [`Source::set_defer_recursive`]).
pub(super) fn deferring<'a, S: Source<'a>, T>(
    src: &mut S,
    f: impl FnOnce(&mut S) -> Result<T>,
) -> Result<T> {
    let before = src.set_defer_recursive(true);
    let result = f(src);
    src.set_defer_recursive(before);
    result
}

/// Plays back captured events. With a merge reference, every event that did not come through
/// an alias counts as referenced there.
pub(super) struct Replay<'a> {
    events: VecDeque<Ev<'a>>,
    merge_reference: Option<Loc>,
    /// The last event taken; before any, the first one (as the previous reader had it).
    last: Loc,
    defer: bool,
}

impl<'a> Replay<'a> {
    pub fn new(events: Vec<Ev<'a>>) -> Replay<'a> {
        Replay {
            last: events.first().map_or(Loc::UNKNOWN, |ev| ev.loc),
            events: events.into(),
            merge_reference: None,
            defer: false,
        }
    }

    pub fn merged(events: Vec<Ev<'a>>, reference: Loc) -> Replay<'a> {
        Replay {
            merge_reference: Some(reference),
            ..Replay::new(events)
        }
    }

    fn check(&self, ev: &Ev<'a>) -> Result<()> {
        if !self.defer && matches!(ev.kind, Kind::RecursiveAlias { .. }) {
            return Err(YamlError::recursive_alias(ev.loc));
        }
        Ok(())
    }
}

impl<'a> Source<'a> for Replay<'a> {
    fn peek(&mut self) -> Result<Option<&Ev<'a>>> {
        if let Some(ev) = self.events.front() {
            self.check(ev)?;
        }
        Ok(self.events.front())
    }

    fn next(&mut self) -> Result<Option<Ev<'a>>> {
        if let Some(ev) = self.events.front() {
            self.check(ev)?;
        }
        let ev = self.events.pop_front();
        if let Some(ev) = &ev {
            self.last = ev.loc;
        }
        Ok(ev)
    }

    fn last_loc(&self) -> Loc {
        self.last
    }

    fn set_defer_recursive(&mut self, defer: bool) -> bool {
        std::mem::replace(&mut self.defer, defer)
    }

    fn origin(&self) -> Origin {
        let own = self.events.front().map_or(Origin::Direct, |ev| ev.origin);
        match (own, self.merge_reference) {
            (Origin::Alias(_), _) => own,
            (_, Some(reference)) => Origin::Merge(reference),
            (_, None) => own,
        }
    }

    fn reference(&self) -> Loc {
        match self.origin() {
            Origin::Alias(loc) | Origin::Merge(loc) => loc,
            Origin::Direct => self.events.front().map_or(self.last, |ev| ev.loc),
        }
    }
}
