//! The fast path: leaves written straight into the [`Tree`] as the events come, without
//! building the nested [`Node`] document first.
//!
//! It reads exactly as [`super::build`] does (same events, same order, same errors) and gives
//! the same tree, but it cannot take back a leaf once written. So when a mapping repeats a
//! key (whose earlier value the later one replaces), including a merged or integer-identity
//! entry spelled like a key already written (`'1'` and `1`), it gives up and [`super::parse`]
//! reads the file again with the general reader. That is rare in config files.
//!
//! - Lists whose first item is a mapping may be keyed by identity (`[name=web]`), which needs
//!   all their items: they are built as nodes and flattened as the general reader does.
//! - Several documents: the first one's paths get their `[0]` when a second one starts.

use super::Version;
use super::build;
use super::capture::Events;
use super::entries::{Entries, Flow, read_mapping};
use super::error::{Loc, Result, YamlError};
use super::events::{Kind, Replay, Source};
use super::live::Live;
use super::shape::{Key, Shape, alias_of, enter, reference_of};
use crate::normalize::nodes::{Located, Node};
use crate::tree::{self, Tree, Value};
use std::borrow::Cow;
use std::collections::HashSet;

/// The tree being written and the path of the node being read.
struct Sink {
    tree: Tree,
    path: String,
}

impl Sink {
    fn leaf(&mut self, value: Value, line: u32) {
        self.tree.insert(self.path.clone(), value, line);
    }

    /// The first document's paths, once there turn out to be several: `[0]` in front.
    fn index_first_document(&mut self) {
        let mut indexed = Tree::new();
        for (key, entry) in self.tree.iter() {
            let mut path = String::from("[0]");
            if !key.is_empty() && !key.starts_with('[') {
                path.push('.');
            }
            path.push_str(key);
            indexed.insert(path, entry.value.clone(), entry.line);
        }
        self.tree = indexed;
    }
}

/// The tree of `text`, or `None` when the general reader has to read it.
pub(super) fn parse(text: &str, version: Version) -> Result<Option<Tree>> {
    let mut src = Live::new(text, version);
    let mut sink = Sink {
        tree: Tree::new(),
        path: String::new(),
    };
    let mut documents = 0;
    while let Some(line) = build::next_document(&mut src)? {
        sink.path.clear();
        if documents > 0 {
            if documents == 1 {
                sink.index_first_document();
            }
            tree::push_index(&mut sink.path, documents);
        }
        if value(&mut src, 0, line, &mut sink)? == Flow::GiveUp {
            return Ok(None);
        }
        documents += 1;
    }
    src.finish()?;
    Ok(Some(sink.tree))
}

/// The next node of `src`, referenced at `line`, into the tree at the sink's path.
fn value<'a, S: Source<'a>>(src: &mut S, depth: usize, line: u32, sink: &mut Sink) -> Result<Flow> {
    let (shape, loc) = match src.peek()? {
        None => {
            sink.leaf(Value::Null, line);
            return Ok(Flow::Done);
        }
        Some(ev) => (Shape::of(ev), ev.loc),
    };
    match shape {
        Shape::Scalar => {
            let Some(ev) = src.next()? else {
                return Err(YamlError::eof(src.last_loc()));
            };
            sink.leaf(build::leaf(ev)?, line);
            Ok(Flow::Done)
        }
        Shape::Seq => sequence(src, depth, loc, line, sink),
        Shape::Map => mapping(src, depth, loc, line, sink),
        other => Err(other.unexpected(loc)),
    }
}

fn sequence<'a, S: Source<'a>>(
    src: &mut S,
    depth: usize,
    loc: Loc,
    line: u32,
    sink: &mut Sink,
) -> Result<Flow> {
    let depth = enter(depth, loc)?;
    src.next()?;
    let first_is_mapping = match src.peek()? {
        None => return Err(YamlError::eof(src.last_loc())),
        Some(ev) => matches!(ev.kind, Kind::MapStart { .. }),
    };
    if first_is_mapping {
        // Perhaps keyed by identity: that takes all the items.
        let list = build::sequence_items::<Node, _>(src, depth)?;
        Located::new(Node::List(list), line).flatten_into(&mut sink.path, &mut sink.tree);
        return Ok(Flow::Done);
    }
    let mut index = 0;
    while !src.take_end(false)? {
        let (defined, reference, alias) = build::next_node(src)?;
        let len = sink.path.len();
        tree::push_index(&mut sink.path, index);
        let flow = value(src, depth, reference.line_or_first(), sink)
            .map_err(|e| e.through(alias, defined))?;
        sink.path.truncate(len);
        if flow == Flow::GiveUp {
            return Ok(flow);
        }
        index += 1;
    }
    if index == 0 {
        sink.leaf(Value::EmptyList, line);
    }
    Ok(Flow::Done)
}

/// The keys of a mapping written so far, as text: a list while small, hashed once large.
#[derive(Default)]
struct Keys<'a> {
    small: Vec<Cow<'a, str>>,
    large: HashSet<Cow<'a, str>>,
}

impl<'a> Keys<'a> {
    const SMALL: usize = 16;

    /// Adds `key`; whether it was new.
    fn insert(&mut self, key: Cow<'a, str>) -> bool {
        if !self.large.is_empty() {
            return self.large.insert(key);
        }
        if self.small.contains(&key) {
            return false;
        }
        self.small.push(key);
        if self.small.len() > Self::SMALL {
            self.large = self.small.drain(..).collect();
        }
        true
    }

    fn is_empty(&self) -> bool {
        self.small.is_empty() && self.large.is_empty()
    }
}

/// A mapping's entries into the tree; gives up on a key already written.
struct MapLeaves<'a, 's> {
    sink: &'s mut Sink,
    keys: Keys<'a>,
}

impl<'a> MapLeaves<'a, '_> {
    /// The entry's path, or `None` when its key was written already.
    fn enter(&mut self, name: Cow<'a, str>) -> Option<usize> {
        let len = self.sink.path.len();
        tree::push_key(&mut self.sink.path, &name);
        self.keys.insert(name).then_some(len)
    }
}

impl<'a> Entries<'a> for MapLeaves<'a, '_> {
    fn read<S: Source<'a>>(&mut self, key: Key<'a>, src: &mut S, depth: usize) -> Result<Flow> {
        let Some(len) = self.enter(key.name) else {
            return Ok(Flow::GiveUp);
        };
        let (defined, reference, alias) = build::next_node(src)?;
        let flow = value(src, depth, reference.line_or_first(), self.sink)
            .map_err(|e| e.through(alias, defined))?;
        self.sink.path.truncate(len);
        Ok(flow)
    }

    fn insert(&mut self, key: Key<'a>, value: Events<'a>, depth: usize) -> Result<Flow> {
        let Some(len) = self.enter(key.name) else {
            return Ok(Flow::GiveUp);
        };
        let flow = captured_value(value, depth, self.sink)?;
        self.sink.path.truncate(len);
        Ok(flow)
    }
}

fn mapping<'a, S: Source<'a>>(
    src: &mut S,
    depth: usize,
    loc: Loc,
    line: u32,
    sink: &mut Sink,
) -> Result<Flow> {
    let depth = enter(depth, loc)?;
    src.next()?;
    let mut entries = MapLeaves {
        sink,
        keys: Keys::default(),
    };
    if read_mapping(src, depth, &mut entries)? == Flow::GiveUp {
        return Ok(Flow::GiveUp);
    }
    if entries.keys.is_empty() {
        entries.sink.leaf(Value::EmptyMap, line);
    }
    Ok(Flow::Done)
}

/// A captured value into the tree, at the line it counts as referenced at.
fn captured_value(events: Events<'_>, depth: usize, sink: &mut Sink) -> Result<Flow> {
    let Some(first) = events.first() else {
        sink.leaf(Value::Null, 1);
        return Ok(Flow::Done);
    };
    let (defined, line, alias) = (
        first.loc,
        reference_of(first).line_or_first(),
        alias_of(first),
    );
    let flow = match events {
        Events::One(ev) if matches!(ev.kind, Kind::Scalar { .. }) => build::leaf(ev).map(|v| {
            sink.leaf(v, line);
            Flow::Done
        }),
        events => value(&mut Replay::new(events.into_vec()), depth, line, sink),
    };
    flow.map_err(|e| e.through(alias, defined))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(tree: &Tree) -> Vec<(&str, u32)> {
        tree.iter().map(|(k, e)| (k, e.line)).collect()
    }

    #[test]
    fn most_files_are_read_in_one_pass() {
        for text in [
            "default: &d\n  pool: 5\nprod:\n  <<: *d\n  host: db\n",
            "---\nkind: A\n---\nkind: B\nitems: [1, 2]\n",
            "- {name: web, port: 80}\n- {name: db, port: 5432}\n",
            "l: [x, {y: 1}]\nempty: {}\nnone: []\n",
            "1: one\n2: two\n",
        ] {
            assert!(parse(text, Version::V1_2).unwrap().is_some(), "{text}");
        }
        let t = parse("---\nkind: A\n---\n- x\n---\nz\n", Version::V1_2)
            .unwrap()
            .unwrap();
        assert_eq!(keys(&t), [("[0].kind", 2), ("[1][0]", 4), ("[2]", 6)]);
    }

    #[test]
    fn a_repeated_key_is_left_to_the_general_reader() {
        for text in [
            "a:\n  x: 1\nb: 2\na:\n  y: 3\n",
            "m: &m {'1': merged}\nc:\n  1: one\n  <<: *m\n",
            "c:\n  '1': one\n  <<: {1: merged}\n",
            "c: {1: a, '1': b}\n",
        ] {
            assert!(parse(text, Version::V1_2).unwrap().is_none(), "{text}");
        }
        let t = super::super::parse("a:\n  x: 1\nb: 2\na:\n  y: 3\n").unwrap();
        assert_eq!(keys(&t), [("a.y", 5), ("b", 3)]);
    }
}
