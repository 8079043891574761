//! Limits on what a YAML file may make the reader do, so that a hostile file is refused
//! quickly: at most 64 levels of nesting, 250,000 values and a million events copied through
//! aliases (an alias bomb is refused before it is expanded), 50,000 aliases and anchors,
//! 10,000 merge keys, 1,024 documents, and 64 MiB of scalars and of copies kept for anchors
//! (a million copies at most).
//!
//! The limits on values and events count what aliases replay, not what the file holds itself:
//! a file is at most 16 MiB (`collect::MAX_FILE_BYTES`), which bounds its own values and
//! events as it bounds a JSON file's, while a few lines of aliases could otherwise expand to
//! billions. A big honest file (260,000 keys, no alias) is read whole.
//!
//! These are otherwise the limits, counters and messages of the previous reader (serde-saphyr's
//! default budget, counted over the same parser events in the same order), so a hostile file
//! it refused is refused here too, in the same words; with three exceptions:
//! - it counted every value and event, its own and replayed ones alike, so it refused a file
//!   of more than 250,000 values without a single alias as "a possible alias bomb";
//! - comments, which it counted too and which are not read at all now (see
//!   `live::parser_options`);
//! - its alias/anchor ratio (no more than 10 aliases per anchor once there are 100), which
//!   refused ordinary files such as a compose or CI file giving `<<: *defaults` to 100 services.
//!   An alias bomb is refused without it: every alias replay counts towards the 250,000 values
//!   and the million events.

use granit_parser::ScalarStyle;
use std::collections::HashSet;
use std::fmt;

const MAX_EVENTS: usize = 1_000_000;
const MAX_ALIASES: usize = 50_000;
const MAX_ANCHORS: usize = 50_000;
const MAX_RECORDED_ANCHOR_EVENTS: usize = 1_000_000;
const MAX_RECORDED_ANCHOR_BYTES: usize = 64 << 20;
pub(super) const MAX_DEPTH: usize = 64;
const MAX_DOCUMENTS: usize = 1_024;
const MAX_NODES: usize = 250_000;
const MAX_SCALAR_BYTES: usize = 64 << 20;
const MAX_MERGE_KEYS: usize = 10_000;

/// The limit a file went over, named as the previous reader named it (`{:?}`); `Events` and
/// `Nodes` count what aliases replay.
#[derive(Clone, Debug)]
#[allow(
    dead_code,
    reason = "the counts are read by `Debug`, which spells them in messages"
)]
pub(super) enum Breach {
    Events { events: usize },
    Aliases { aliases: usize },
    Anchors { anchors: usize },
    Depth { depth: usize },
    Documents { documents: usize },
    Nodes { nodes: usize },
    ScalarBytes { total_scalar_bytes: usize },
    MergeKeys { merge_keys: usize },
    SequenceUnbalanced,
    RecordedAnchorEvents { recorded_anchor_events: usize },
    RecordedAnchorBytes { recorded_anchor_bytes: usize },
}

impl fmt::Display for Breach {
    /// In plain words, saying what was expected.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Breach::Depth { .. } => f.write_str(DEPTH_MESSAGE),
            Breach::Nodes { nodes } => f.write_str(&nodes_message(*nodes)),
            other => f.write_str(&limits_message(other)),
        }
    }
}

/// Too many values copied through aliases: the message for a likely alias bomb.
pub fn nodes_message(nodes: usize) -> String {
    format!(
        "too many values copied through aliases ({nodes}, a possible alias bomb): \
         expected at most {MAX_NODES}"
    )
}

/// Any other limit, named by `breach`'s `Debug` (as serde-saphyr's budget names it).
pub fn limits_message(breach: &dyn fmt::Debug) -> String {
    format!(
        "document exceeds the YAML reader's safety limits ({breach:?}): \
         expected a smaller document with fewer aliases"
    )
}

pub const DEPTH_MESSAGE: &str =
    "nesting too deep: expected at most 64 levels of nested mappings and lists";

/// What the budget is told about one event.
pub(super) enum Seen<'e> {
    Scalar {
        value: &'e str,
        style: ScalarStyle,
        /// Whether it has a tag, the tag's bytes (handle and suffix), whether it is `!!merge`.
        tagged: bool,
        tag_bytes: usize,
        merge_tag: bool,
        anchor: usize,
    },
    Start {
        mapping: bool,
        tag_bytes: usize,
        anchor: usize,
    },
    End {
        mapping: bool,
    },
    DocumentStart,
    /// Stream start and end, document end.
    Marker,
}

#[derive(Clone, Copy)]
enum Container {
    Sequence {
        from_mapping_value: bool,
    },
    Mapping {
        expecting_key: bool,
        from_mapping_value: bool,
    },
}

#[derive(Default)]
pub(super) struct Budget {
    /// Events and values replayed by aliases (the file's own are not counted).
    events: usize,
    aliases: usize,
    nodes: usize,
    documents: usize,
    scalar_bytes: usize,
    merge_keys: usize,
    recorded_events: usize,
    recorded_bytes: usize,
    depth: usize,
    max_depth: usize,
    anchors: HashSet<usize>,
    containers: Vec<Container>,
    breached: Option<Breach>,
    /// Values copied through aliases are not limited (see [`Budget::without_value_limit`]).
    values_unlimited: bool,
}

impl Budget {
    /// The budget without the limit on values copied through aliases, as `serde-saphyr`'s
    /// budget for Ansible inventories had it (an inventory giving `*vars` to many hosts copies
    /// many values): an alias bomb is still refused by the million replayed events
    /// (`live::MAX_REPLAYED_EVENTS`) and the copies kept for anchors.
    pub fn without_value_limit() -> Budget {
        Budget {
            values_unlimited: true,
            ..Budget::default()
        }
    }

    /// Counts one event read from the parser: the file's own, not held to the limits on
    /// replayed values and events.
    pub fn observe(&mut self, seen: Seen<'_>) -> Result<(), Breach> {
        self.sticky(|b| b.observe_inner(seen, false))
    }

    /// Counts one event replayed by an alias.
    pub fn observe_replayed(&mut self, seen: Seen<'_>) -> Result<(), Breach> {
        self.sticky(|b| b.observe_inner(seen, true))
    }

    /// Counts an alias in the parser's events (its replay is counted event by event).
    pub fn observe_alias(&mut self) -> Result<(), Breach> {
        self.sticky(|b| {
            b.aliases += 1;
            if b.aliases > MAX_ALIASES {
                return Err(Breach::Aliases { aliases: b.aliases });
            }
            Ok(())
        })
    }

    /// Counts one copy of an event kept for an anchor, `owned_bytes` of text with it.
    pub fn observe_recorded_copy(&mut self, owned_bytes: usize) -> Result<(), Breach> {
        self.sticky(|b| {
            b.recorded_events = b.recorded_events.saturating_add(1);
            if b.recorded_events > MAX_RECORDED_ANCHOR_EVENTS {
                return Err(Breach::RecordedAnchorEvents {
                    recorded_anchor_events: b.recorded_events,
                });
            }
            b.recorded_bytes = b.recorded_bytes.saturating_add(owned_bytes);
            if b.recorded_bytes > MAX_RECORDED_ANCHOR_BYTES {
                return Err(Breach::RecordedAnchorBytes {
                    recorded_anchor_bytes: b.recorded_bytes,
                });
            }
            Ok(())
        })
    }

    /// The end of the stream: the breach, if a limit was passed.
    pub fn finish(&mut self) -> Result<(), Breach> {
        match &self.breached {
            Some(breach) => Err(breach.clone()),
            None => Ok(()),
        }
    }

    /// Once over a limit, every later event is refused with the same breach.
    fn sticky(&mut self, f: impl FnOnce(&mut Budget) -> Result<(), Breach>) -> Result<(), Breach> {
        if let Some(breach) = &self.breached {
            return Err(breach.clone());
        }
        let result = f(self);
        if let Err(breach) = &result {
            self.breached = Some(breach.clone());
        }
        result
    }

    fn observe_inner(&mut self, seen: Seen<'_>, replayed: bool) -> Result<(), Breach> {
        if replayed {
            self.events += 1;
            if self.events > MAX_EVENTS {
                return Err(Breach::Events {
                    events: self.events,
                });
            }
        }
        match seen {
            Seen::Scalar {
                value,
                style,
                tagged,
                tag_bytes,
                merge_tag,
                anchor,
            } => {
                if replayed {
                    self.bump_nodes()?;
                }
                self.bump_scalar_bytes(value.len().saturating_add(tag_bytes))?;
                self.record_anchor(anchor)?;
                self.scalar(value, style, merge_tag, tagged)?;
            }
            Seen::Start {
                mapping,
                tag_bytes,
                anchor,
            } => {
                if replayed {
                    self.bump_nodes()?;
                }
                self.depth = self.depth.saturating_add(1);
                self.max_depth = self.max_depth.max(self.depth);
                if self.max_depth > MAX_DEPTH {
                    return Err(Breach::Depth {
                        depth: self.max_depth,
                    });
                }
                self.bump_scalar_bytes(tag_bytes)?;
                let from_mapping_value = self.entering_container();
                self.containers.push(if mapping {
                    Container::Mapping {
                        expecting_key: true,
                        from_mapping_value,
                    }
                } else {
                    Container::Sequence { from_mapping_value }
                });
                self.record_anchor(anchor)?;
            }
            Seen::End { mapping } => {
                self.depth = self
                    .depth
                    .checked_sub(1)
                    .ok_or(Breach::SequenceUnbalanced)?;
                let from_mapping_value = match (mapping, self.containers.pop()) {
                    (false, Some(Container::Sequence { from_mapping_value }))
                    | (
                        true,
                        Some(Container::Mapping {
                            from_mapping_value, ..
                        }),
                    ) => from_mapping_value,
                    _ => return Err(Breach::SequenceUnbalanced),
                };
                if from_mapping_value {
                    self.finish_value();
                }
            }
            Seen::DocumentStart => {
                self.documents += 1;
                if self.documents > MAX_DOCUMENTS {
                    return Err(Breach::Documents {
                        documents: self.documents,
                    });
                }
            }
            Seen::Marker => {}
        }
        Ok(())
    }

    fn bump_nodes(&mut self) -> Result<(), Breach> {
        self.nodes += 1;
        if self.nodes > MAX_NODES && !self.values_unlimited {
            return Err(Breach::Nodes { nodes: self.nodes });
        }
        Ok(())
    }

    fn bump_scalar_bytes(&mut self, bytes: usize) -> Result<(), Breach> {
        self.scalar_bytes = self.scalar_bytes.saturating_add(bytes);
        if self.scalar_bytes > MAX_SCALAR_BYTES {
            return Err(Breach::ScalarBytes {
                total_scalar_bytes: self.scalar_bytes,
            });
        }
        Ok(())
    }

    fn record_anchor(&mut self, anchor: usize) -> Result<(), Breach> {
        if anchor != 0 && self.anchors.insert(anchor) && self.anchors.len() > MAX_ANCHORS {
            return Err(Breach::Anchors {
                anchors: self.anchors.len(),
            });
        }
        Ok(())
    }

    /// A scalar as a mapping key (a `<<` there counts as a merge key) or value.
    fn scalar(
        &mut self,
        value: &str,
        style: ScalarStyle,
        merge_tag: bool,
        tagged: bool,
    ) -> Result<(), Breach> {
        if let Some(Container::Mapping { expecting_key, .. }) = self.containers.last_mut() {
            if *expecting_key {
                if value == "<<" && (merge_tag || !tagged && matches!(style, ScalarStyle::Plain)) {
                    self.merge_keys += 1;
                    if self.merge_keys > MAX_MERGE_KEYS {
                        return Err(Breach::MergeKeys {
                            merge_keys: self.merge_keys,
                        });
                    }
                }
                *expecting_key = false;
            } else {
                self.finish_value();
            }
        }
        Ok(())
    }

    /// Whether a container starts as a mapping value (its end then completes that entry).
    fn entering_container(&mut self) -> bool {
        match self.containers.last_mut() {
            Some(Container::Mapping { expecting_key, .. }) if *expecting_key => {
                *expecting_key = false;
                false
            }
            Some(Container::Mapping { .. }) => true,
            _ => false,
        }
    }

    fn finish_value(&mut self) {
        if let Some(Container::Mapping { expecting_key, .. }) = self.containers.last_mut() {
            *expecting_key = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(value: &str, anchor: usize) -> Seen<'_> {
        Seen::Scalar {
            value,
            style: ScalarStyle::Plain,
            tagged: false,
            tag_bytes: 0,
            merge_tag: false,
            anchor,
        }
    }

    /// Observes `seen` until it is refused; how many were accepted and the breach's name.
    fn accepted_until_breach(
        mut seen: impl FnMut(&mut Budget) -> Result<(), Breach>,
    ) -> (usize, String) {
        let mut budget = Budget::default();
        for accepted in 0.. {
            if let Err(breach) = seen(&mut budget) {
                let name = format!("{breach:?}");
                // Once over, every later event is refused the same way.
                assert_eq!(
                    format!("{:?}", budget.observe(Seen::Marker).unwrap_err()),
                    name
                );
                return (accepted, name);
            }
        }
        unreachable!()
    }

    #[test]
    fn each_limit_refuses_the_first_event_over_it() {
        let (n, b) = accepted_until_breach(|b| b.observe_replayed(Seen::Marker));
        assert_eq!((n, b.as_str()), (1_000_000, "Events { events: 1000001 }"));
        let (n, b) = accepted_until_breach(|b| b.observe_replayed(scalar("x", 0)));
        assert_eq!((n, b.as_str()), (250_000, "Nodes { nodes: 250001 }"));
        let (n, b) = accepted_until_breach(|b| b.observe_alias());
        assert_eq!((n, b.as_str()), (50_000, "Aliases { aliases: 50001 }"));
        let mut id = 0;
        let (n, b) = accepted_until_breach(|b| {
            id += 1;
            b.observe(scalar("x", id))
        });
        assert_eq!((n, b.as_str()), (50_000, "Anchors { anchors: 50001 }"));
        let (n, b) = accepted_until_breach(|b| b.observe(Seen::DocumentStart));
        assert_eq!((n, b.as_str()), (1_024, "Documents { documents: 1025 }"));
        let (n, _) = accepted_until_breach(|b| b.observe_recorded_copy(0));
        assert_eq!(n, 1_000_000);
        let (n, b) = accepted_until_breach(|b| {
            b.observe(Seen::Start {
                mapping: false,
                tag_bytes: 0,
                anchor: 0,
            })
        });
        assert_eq!((n, b.as_str()), (64, "Depth { depth: 65 }"));
        // A `<<` counts as a merge key only where a mapping expects a key.
        let (n, b) = accepted_until_breach(|b| {
            b.observe(Seen::Start {
                mapping: true,
                tag_bytes: 0,
                anchor: 0,
            })?;
            b.observe(scalar("<<", 0))?;
            b.observe(scalar("<<", 0))?;
            b.observe(Seen::End { mapping: true })
        });
        assert_eq!((n, b.as_str()), (10_000, "MergeKeys { merge_keys: 10001 }"));
        assert!(matches!(
            Budget::default().observe(Seen::End { mapping: true }),
            Err(Breach::SequenceUnbalanced)
        ));
    }

    /// Only replays count towards the values and events: the file's own never do (16 MiB
    /// bounds them), and replays are refused as before once they pass the limit.
    #[test]
    fn a_files_own_values_and_events_are_not_limited() {
        let mut budget = Budget::default();
        for _ in 0..2_000_000 {
            budget.observe(scalar("x", 0)).unwrap();
            budget.observe(Seen::Marker).unwrap();
        }
        for _ in 0..250_000 {
            budget.observe_replayed(scalar("x", 0)).unwrap();
        }
        let breach = budget.observe_replayed(scalar("x", 0)).unwrap_err();
        assert_eq!(format!("{breach:?}"), "Nodes { nodes: 250001 }");
        assert!(
            breach.to_string().contains("copied through aliases"),
            "{breach}"
        );
    }

    #[test]
    fn many_aliases_of_one_anchor_are_counted_not_refused() {
        let mut budget = Budget::default();
        budget.observe(scalar("x", 1)).unwrap();
        for _ in 0..1000 {
            budget.observe_alias().unwrap();
        }
        assert!(budget.finish().is_ok());
        assert_eq!(budget.aliases, 1000);
    }
}
