//! One file of one host against its baseline: taken from what was collected, parsed in its
//! format, diffed (secrets compared as written, and matched with their fingerprints). Trouble
//! and whole-file findings (missing, unexpected) are recorded here; rules come later.

use super::baseline_docs::ParsedBaseline;
use super::{HostResult, Target};
use crate::collect::{Fetched, Snapshot};
use crate::diff::{Change, diff_with};
use crate::normalize::{Document, Format, sniff};
use crate::report::{Finding, Kind};
use crate::secret;
use crate::tree::Tree;
use std::collections::BTreeSet;

/// A file's live side, as far as the rules are concerned.
pub(super) enum Live {
    /// Byte for byte the baseline.
    Same,
    Own(Document),
    Missing,
}

/// One file of one host, compared; waiting for its rules.
pub(super) struct Compared<'a> {
    pub(super) path: &'a String,
    pub(super) format: Format,
    pub(super) base: Option<&'a Tree>,
    pub(super) live: Live,
    pub(super) changes: Vec<Change>,
    pub(super) baselined: bool,
}

impl Compared<'_> {
    pub(super) fn live_tree(&self) -> Option<&Tree> {
        match &self.live {
            Live::Same => self.base,
            Live::Own(doc) => doc.tree(),
            Live::Missing => None,
        }
    }
}

/// Every file of the host (in the baseline, collected, or both) in path order, compared.
pub(super) fn files<'a>(
    t: &'a Target,
    parsed: &'a ParsedBaseline,
    snap: &'a Snapshot,
    out: &mut HostResult,
) -> Vec<Compared<'a>> {
    let paths: BTreeSet<&String> = t.expected.keys().chain(snap.files.keys()).collect();
    paths
        .into_iter()
        .filter_map(|path| file(t, parsed, snap, path, out))
        .collect()
}

/// One file compared; none when there is nothing to judge (trouble, already recorded).
fn file<'a>(
    t: &'a Target,
    parsed: &'a ParsedBaseline,
    snap: &'a Snapshot,
    path: &'a String,
    out: &mut HostResult,
) -> Option<Compared<'a>> {
    let finding = |kind: Kind, message: String| Finding {
        host: Some(t.host.to_string()),
        group: Some(t.group.name.clone()),
        file: path.clone(),
        kind,
        severity: crate::rules::drift::DRIFT_SEVERITY,
        baseline_source: t.expected.get(path).map(|b| b.source.clone()),
        message,
        ..Finding::default()
    };
    let mut format = t.format_of(Some(snap), path);
    if format == Format::Text && t.sniffs(path) {
        // Its name says nothing: its content decides, the same on both sides.
        let base = t.expected.get(path).map(|b| b.oid);
        let sniffed = match (base, snap.files.get(path)) {
            (Some(oid), Some(Fetched::Present(live))) => match parsed.bytes.get(&oid) {
                Some(raw) if raw == live => parsed.sniffed.get(&oid).cloned(),
                Some(raw) => Some(sniff::pair(raw, live)),
                None => None,
            },
            (Some(oid), _) => parsed.sniffed.get(&oid).cloned(),
            (None, Some(Fetched::Present(live))) => Some(sniff::one(live)),
            (None, _) => None,
        };
        if let Some(s) = sniffed {
            format = s.format;
            let notice = format!("{path}: read as {} ({})", s.format.label(), s.why);
            if s.note && !out.notices.contains(&notice) {
                out.notices.push(notice);
            }
            out.detected.push((path.clone(), s.format, s.why));
        }
    }
    let base_doc = t
        .expected
        .get(path)
        .and_then(|b| parsed.docs.get(&(b.oid, format.label())));
    // The file's trees (live `None` when it is missing) and its drift, for the rules.
    let (base, live, changes): (Option<&Tree>, Live, Vec<Change>) =
        match (t.expected.get(path), snap.files.get(path)) {
            (_, Some(Fetched::Failed(msg))) => {
                out.errors.push(t.problem(Some(path), None, msg.clone()));
                return None;
            }
            (Some(b), Some(Fetched::Present(bytes))) => {
                out.files += 1;
                out.paths.push(path.clone());
                let Some(Ok(base_doc)) = base_doc else {
                    return None; // baseline unreadable or unparsable: already reported once
                };
                // Byte for byte: cheaper than hashing the live file to compare blob ids.
                if parsed.bytes.get(&b.oid).is_some_and(|raw| raw == bytes) {
                    // The same bytes: no drift, and the live values are the baseline's.
                    (base_doc.tree(), Live::Same, Vec::new())
                } else {
                    match format.parse(bytes) {
                        Err(e) => {
                            out.errors
                                .push(t.problem(Some(path), Some(&e), e.message.clone()));
                            return None;
                        }
                        Ok(live_doc) => {
                            let changes = secret::match_fingerprints(
                                format,
                                diff_with(base_doc, &live_doc, &|k| {
                                    secret::is_secret_key(format, k)
                                }),
                            );
                            (base_doc.tree(), Live::Own(live_doc), changes)
                        }
                    }
                }
            }
            (Some(b), _) => {
                out.files += 1;
                out.paths.push(path.clone());
                out.findings.push(finding(
                    Kind::MissingFile,
                    format!("missing on the host; the baseline has {}", b.source),
                ));
                let Some(Ok(doc)) = base_doc else { return None };
                (doc.tree(), Live::Missing, Vec::new())
            }
            (None, Some(Fetched::Present(bytes))) => {
                out.files += 1;
                out.paths.push(path.clone());
                out.findings.push(finding(
                    Kind::UnexpectedFile,
                    "on the host, but no baseline file matches it".to_string(),
                ));
                if matches!(format, Format::Text | Format::Binary) {
                    return None;
                }
                // No baseline: the rules still apply, and outliers are found among peers.
                match format.parse(bytes) {
                    Err(e) => {
                        out.errors
                            .push(t.problem(Some(path), Some(&e), e.message.clone()));
                        return None;
                    }
                    Ok(doc) => (None, Live::Own(doc), Vec::new()),
                }
            }
            (None, _) => return None, // listed, but neither intended nor present
        };
    let baselined = base_doc.is_some();
    Some(Compared {
        path,
        format,
        base,
        live,
        changes,
        baselined,
    })
}
