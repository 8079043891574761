//! Events read from `granit-parser`: document and stream markers skipped (comments are not read),
//! anchored nodes recorded, aliases expanded by replaying the recording, every event counted
//! against the [`Budget`] (the limits on values and events hold replays only).

use super::budget::{Budget, Seen};
use super::error::{Loc, Result, YamlError};
use super::events::{Ev, Kind, Origin, Source};
use super::scalar::{NodeKind, SfTag, Tag};
use super::{Version, v11};
use granit_parser::{ErrorKind, Event, Parser, ScalarStyle, ScanError, StrInput};
use std::borrow::Cow;
use std::rc::Rc;

/// Replays far beyond what the value budget allows are refused outright.
const MAX_REPLAYED_EVENTS: usize = 1_000_000;
/// Bytes of `tag:yaml.org,2002:merge`, as the budget counts a replayed `!!merge` key.
const MERGE_TAG_BYTES: usize = "tag:yaml.org,2002:merge".len();

/// The parser options the previous reader used, except comments: it had them emitted (to
/// count them against its budget), and the parser then refused more than 32 comment lines
/// where it looks ahead for a key (`a:` then 33 commented-out lines then `  b: 1`), a real
/// file refused for its comments. Comments carry nothing to compare; not emitting them also
/// reads about 17% faster.
fn parser_options() -> granit_parser::Options {
    granit_parser::options! {
        simple_key_max_lookahead: 1024,
        flow_nesting_limit: 255,
        block_nesting_limit: 255,
        emit_comments: false,
    }
}

/// An alias being replayed.
struct Injection<'a> {
    events: Rc<[Ev<'a>]>,
    next: usize,
    /// Where the alias is.
    reference: Loc,
}

/// An anchored collection being recorded: its anchor, how deep inside it the reader is, and
/// where its events start in [`Recorder::events`].
struct Frame {
    anchor: usize,
    depth: usize,
    start: usize,
}

/// Records the events of anchored collections until they end. Frames nest, so one buffer
/// holds them all.
#[derive(Default)]
struct Recorder<'a> {
    events: Vec<Ev<'a>>,
    frames: Vec<Frame>,
}

pub(super) struct Live<'a> {
    parser: Parser<'a, StrInput<'a>>,
    look: Option<Ev<'a>>,
    last: Loc,
    defer: bool,
    injection: Option<Injection<'a>>,
    /// Recorded anchored nodes by anchor id, for the current document.
    anchors: Vec<Option<Rc<[Ev<'a>]>>>,
    recorder: Recorder<'a>,
    budget: Budget,
    replayed: usize,
    /// YAML 1.1: plain scalars are read as [`v11`] says.
    v11: bool,
}

impl<'a> Live<'a> {
    pub fn new(text: &'a str, version: Version) -> Live<'a> {
        Live::with_budget(text, version, Budget::default())
    }

    /// [`Live::new`], counting events against `budget`.
    pub fn with_budget(text: &'a str, version: Version, budget: Budget) -> Live<'a> {
        Live {
            v11: version == Version::V1_1,
            parser: Parser::with_options(StrInput::new(text), parser_options()),
            look: None,
            last: Loc::UNKNOWN,
            defer: false,
            injection: None,
            anchors: Vec::new(),
            recorder: Recorder::default(),
            budget,
            replayed: 0,
        }
    }

    /// The checks made once the whole stream is read.
    pub fn finish(&mut self) -> Result<()> {
        self.budget
            .finish()
            .map_err(|breach| YamlError::at(self.last, breach.to_string()))
    }

    fn check(&self, ev: &Ev<'a>) -> Result<()> {
        if !self.defer && matches!(ev.kind, Kind::RecursiveAlias { .. }) {
            return Err(YamlError::recursive_alias(ev.loc));
        }
        Ok(())
    }

    /// The next event of the stream: from the alias being replayed, else from the parser.
    fn pump(&mut self) -> Result<Option<Ev<'a>>> {
        if let Some(ev) = self.replay_next()? {
            return Ok(Some(ev));
        }
        while let Some(item) = self.parser.next() {
            let (event, span) = item.map_err(scan_error)?;
            let loc = Loc::from_marker(&span.start);
            self.last = loc;
            match event {
                Event::Scalar(value, style, anchor, tag) => {
                    return self.scalar(value, style, anchor, tag, loc).map(Some);
                }
                Event::SequenceStart(_, anchor, tag) => {
                    return self.start(false, anchor, tag, loc).map(Some);
                }
                Event::MappingStart(_, anchor, tag) => {
                    return self.start(true, anchor, tag, loc).map(Some);
                }
                Event::SequenceEnd => return self.end(false, loc).map(Some),
                Event::MappingEnd => return self.end(true, loc).map(Some),
                Event::Alias(anchor) => {
                    if let Some(ev) = self.alias(anchor, loc)? {
                        return Ok(Some(ev));
                    }
                    if let Some(ev) = self.replay_next()? {
                        return Ok(Some(ev));
                    }
                }
                Event::DocumentStart(..) => {
                    self.observe(loc, Seen::DocumentStart)?;
                    self.reset_document();
                }
                Event::DocumentEnd => {
                    self.observe(loc, Seen::Marker)?;
                    self.reset_document();
                }
                Event::StreamStart | Event::StreamEnd => self.observe(loc, Seen::Marker)?,
                Event::Comment(..) => {} // not emitted: see `parser_options`
                _ => {
                    self.observe(loc, Seen::Marker)?;
                    return Err(YamlError::at(loc, "unsupported event from granit-parser"));
                }
            }
        }
        Ok(None)
    }

    /// The next event of the alias being replayed, if one is.
    fn replay_next(&mut self) -> Result<Option<Ev<'a>>> {
        let Some(injection) = &mut self.injection else {
            return Ok(None);
        };
        let Some(ev) = injection.events.get(injection.next) else {
            self.injection = None;
            return Ok(None);
        };
        let mut ev = ev.clone();
        injection.next += 1;
        let reference = injection.reference;
        ev.origin = Origin::Alias(reference);
        self.replayed += 1;
        if self.replayed > MAX_REPLAYED_EVENTS {
            return Err(YamlError::at(
                ev.loc,
                format!(
                    "alias replay limit exceeded: total_replayed_events={} > {MAX_REPLAYED_EVENTS}",
                    self.replayed
                ),
            ));
        }
        let seen = match &ev.kind {
            Kind::Scalar { value, style, tag } => {
                let merge_tag = SfTag::of(tag.as_deref()) == SfTag::Merge;
                Seen::Scalar {
                    value,
                    style: *style,
                    tagged: merge_tag,
                    tag_bytes: if merge_tag { MERGE_TAG_BYTES } else { 0 },
                    merge_tag,
                    anchor: 0,
                }
            }
            Kind::RecursiveAlias { .. } => Seen::Scalar {
                value: "",
                style: ScalarStyle::Plain,
                tagged: false,
                tag_bytes: 0,
                merge_tag: false,
                anchor: 0,
            },
            Kind::SeqStart { .. } | Kind::MapStart { .. } => Seen::Start {
                mapping: matches!(ev.kind, Kind::MapStart { .. }),
                tag_bytes: 0,
                anchor: 0,
            },
            Kind::SeqEnd => Seen::End { mapping: false },
            Kind::MapEnd => Seen::End { mapping: true },
        };
        self.budget.observe_replayed(seen).map_err(|breach| {
            YamlError::at(ev.loc, breach.to_string()).through(Some(reference), ev.loc)
        })?;
        self.record(&ev)?;
        self.last = ev.loc;
        Ok(Some(ev))
    }

    fn observe(&mut self, loc: Loc, seen: Seen<'_>) -> Result<()> {
        self.budget
            .observe(seen)
            .map_err(|breach| YamlError::at(loc, breach.to_string()))
    }

    fn scalar(
        &mut self,
        value: Cow<'a, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<Cow<'_, granit_parser::Tag>>,
        loc: Loc,
    ) -> Result<Ev<'a>> {
        let (tagged, tag_bytes) = tag_size(tag.as_deref());
        let checked = tag
            .as_deref()
            .map(|t| checked_tag(t, NodeKind::Scalar, loc));
        let merge_tag = matches!(&checked, Some(Ok(t)) if t.kind == SfTag::Merge);
        self.observe(
            loc,
            Seen::Scalar {
                value: &value,
                style,
                tagged,
                tag_bytes,
                merge_tag,
                anchor,
            },
        )?;
        let tag = checked.transpose()?;
        let (value, style, tag) =
            if self.v11 && tag.is_none() && matches!(style, ScalarStyle::Plain) {
                v11::rewrite(value)
            } else {
                (value, style, tag)
            };
        let ev = Ev {
            kind: Kind::Scalar { value, style, tag },
            loc,
            origin: Origin::Direct,
        };
        self.record(&ev)?;
        if anchor != 0 {
            self.record_copy(&ev)?;
            self.store(anchor, Rc::from(vec![ev.clone()]));
        }
        Ok(ev)
    }

    fn start(
        &mut self,
        mapping: bool,
        anchor: usize,
        tag: Option<Cow<'_, granit_parser::Tag>>,
        loc: Loc,
    ) -> Result<Ev<'a>> {
        let (_, tag_bytes) = tag_size(tag.as_deref());
        self.observe(
            loc,
            Seen::Start {
                mapping,
                tag_bytes,
                anchor,
            },
        )?;
        let node = if mapping {
            NodeKind::Mapping
        } else {
            NodeKind::Sequence
        };
        let tag = tag
            .as_deref()
            .map(|t| checked_tag(t, node, loc))
            .transpose()?;
        let ev = Ev {
            kind: if mapping {
                Kind::MapStart { tag }
            } else {
                Kind::SeqStart { tag }
            },
            loc,
            origin: Origin::Direct,
        };
        for frame in &mut self.recorder.frames {
            frame.depth += 1;
        }
        let mut copies = self.recorder.frames.len();
        if anchor != 0 {
            self.record_copy(&ev)?;
            self.recorder.frames.push(Frame {
                anchor,
                depth: 1,
                start: self.recorder.events.len(),
            });
        }
        if !self.recorder.frames.is_empty() {
            while copies > 0 {
                self.record_copy(&ev)?;
                copies -= 1;
            }
            self.recorder.events.push(ev.clone());
        }
        Ok(ev)
    }

    fn end(&mut self, mapping: bool, loc: Loc) -> Result<Ev<'a>> {
        self.observe(loc, Seen::End { mapping })?;
        let ev = Ev {
            kind: if mapping { Kind::MapEnd } else { Kind::SeqEnd },
            loc,
            origin: Origin::Direct,
        };
        self.record(&ev)?;
        for frame in &mut self.recorder.frames {
            frame.depth = frame
                .depth
                .checked_sub(1)
                .ok_or_else(|| YamlError::at(loc, "internal depth underflow"))?;
        }
        while let Some(frame) = self.recorder.frames.pop_if(|f| f.depth == 0) {
            let events = self.recorder.events.get(frame.start..).unwrap_or_default();
            let events = Rc::from(events);
            self.store(frame.anchor, events);
        }
        if self.recorder.frames.is_empty() {
            self.recorder.events.clear();
        }
        Ok(ev)
    }

    /// An alias: replayed from its recording, or, when it names a node still being read, a
    /// [`Kind::RecursiveAlias`] event.
    fn alias(&mut self, anchor: usize, loc: Loc) -> Result<Option<Ev<'a>>> {
        self.budget
            .observe_alias()
            .map_err(|breach| YamlError::at(loc, breach.to_string()))?;
        if self.recorder.frames.iter().any(|f| f.anchor == anchor) {
            let ev = Ev {
                kind: Kind::RecursiveAlias { anchor },
                loc,
                origin: Origin::Direct,
            };
            self.record(&ev)?;
            return Ok(Some(ev));
        }
        let Some(Some(events)) = self.anchors.get(anchor) else {
            return Err(YamlError::at(loc, "alias references unknown anchor"));
        };
        self.injection = Some(Injection {
            events: Rc::clone(events),
            next: 0,
            reference: loc,
        });
        Ok(None)
    }

    fn store(&mut self, anchor: usize, events: Rc<[Ev<'a>]>) {
        if anchor >= self.anchors.len() {
            self.anchors.resize(anchor + 1, None);
        }
        if let Some(slot) = self.anchors.get_mut(anchor) {
            *slot = Some(events);
        }
    }

    /// Adds `ev` to the anchored collections being recorded.
    fn record(&mut self, ev: &Ev<'a>) -> Result<()> {
        if self.recorder.frames.is_empty() {
            return Ok(());
        }
        for _ in 0..self.recorder.frames.len() {
            self.record_copy(ev)?;
        }
        self.recorder.events.push(ev.clone());
        Ok(())
    }

    /// Counts one copy of `ev` kept for an anchor.
    fn record_copy(&mut self, ev: &Ev<'a>) -> Result<()> {
        let reference = self.injection.as_ref().map(|i| i.reference);
        self.budget
            .observe_recorded_copy(owned_bytes(ev))
            .map_err(|breach| YamlError::at(ev.loc, breach.to_string()).through(reference, ev.loc))
    }

    /// Anchors are per document.
    fn reset_document(&mut self) {
        self.injection = None;
        self.recorder.events.clear();
        self.recorder.frames.clear();
        self.anchors.clear();
        self.replayed = 0;
    }
}

impl<'a> Source<'a> for Live<'a> {
    fn peek(&mut self) -> Result<Option<&Ev<'a>>> {
        if self.look.is_none() {
            self.look = self.pump()?;
        }
        if let Some(ev) = &self.look {
            self.check(ev)?;
            self.last = ev.loc;
        }
        Ok(self.look.as_ref())
    }

    fn next(&mut self) -> Result<Option<Ev<'a>>> {
        let ev = match self.look.take() {
            Some(ev) => ev,
            None => match self.pump()? {
                Some(ev) => ev,
                None => return Ok(None),
            },
        };
        self.check(&ev)?;
        self.last = ev.loc;
        Ok(Some(ev))
    }

    fn last_loc(&self) -> Loc {
        self.last
    }

    fn set_defer_recursive(&mut self, defer: bool) -> bool {
        std::mem::replace(&mut self.defer, defer)
    }

    fn origin(&self) -> Origin {
        self.look.as_ref().map_or(Origin::Direct, |ev| ev.origin)
    }

    fn reference(&self) -> Loc {
        match &self.look {
            Some(ev) => match ev.origin {
                Origin::Alias(loc) | Origin::Merge(loc) => loc,
                Origin::Direct => ev.loc,
            },
            None => self.last,
        }
    }
}

/// Whether there is a tag, and its bytes (handle and suffix) as the budget counts them.
fn tag_size(tag: Option<&granit_parser::Tag>) -> (bool, usize) {
    tag.map_or((false, 0), |t| {
        let (handle, suffix) = t.parts();
        (true, handle.len().saturating_add(suffix.len()))
    })
}

/// The tag, refused on a node kind it cannot stand on (`!!str [1]`, `!!map 5`).
fn checked_tag(tag: &granit_parser::Tag, node: NodeKind, loc: Loc) -> Result<Rc<Tag>> {
    let checked = Tag::new(tag);
    if let Some(required) = checked.kind.requires()
        && required != node
    {
        return Err(if checked.kind == SfTag::Include {
            YamlError::at(
                loc,
                "!include currently only supports the scalar form: !include <path>",
            )
        } else {
            YamlError::at(loc, format!("unsupported tag `{}`", tag.original()))
        });
    }
    Ok(Rc::new(checked))
}

/// Bytes of text an event owns (not borrowed from the input), as anchor recording counts them.
fn owned_bytes(ev: &Ev<'_>) -> usize {
    let tag_bytes = |tag: &Option<Rc<Tag>>| tag.as_ref().map_or(0, |t| t.spelling.len());
    match &ev.kind {
        Kind::Scalar { value, tag, .. } => {
            let value_bytes = match value {
                Cow::Borrowed(_) => 0,
                Cow::Owned(v) => v.len(),
            };
            value_bytes.saturating_add(tag_bytes(tag))
        }
        Kind::SeqStart { tag } | Kind::MapStart { tag } => tag_bytes(tag),
        Kind::SeqEnd | Kind::MapEnd | Kind::RecursiveAlias { .. } => 0,
    }
}

fn scan_error(err: ScanError) -> YamlError {
    let loc = Loc::from_marker(err.marker());
    match err.kind() {
        ErrorKind::UnknownAnchor => YamlError::at(loc, "alias references unknown anchor"),
        _ => YamlError::at(loc, err.info()),
    }
}
