//! The baseline blobs a run needs, read and parsed once per blob and format (in parallel),
//! whatever number of hosts share them.

use super::Target;
use crate::baseline::Baseline;
use crate::normalize::sniff::{self, Sniffed};
use crate::normalize::{Document, Format};
use crate::report::Problem;
use crate::tree::ParseError;
use git2::Oid;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The baseline blobs the targets need: their bytes (live files are compared with them
/// byte for byte before anything is parsed) and their documents, parsed once per format.
pub(super) struct ParsedBaseline {
    pub(super) docs: HashMap<(Oid, &'static str), Result<Arc<Document>, ParseError>>,
    pub(super) bytes: HashMap<Oid, Vec<u8>>,
    /// The blobs of files whose content decides their format: what it says, alone (their
    /// documents in `docs` under every format that explains them).
    pub(super) sniffed: HashMap<Oid, Sniffed>,
}

/// Reads and parses every baseline blob the targets need, once per blob and format.
pub(super) fn parse(
    baseline: &Baseline,
    targets: &[Target],
    errors: &mut Vec<Problem>,
) -> ParsedBaseline {
    let mut wanted: BTreeMap<(Oid, &'static str), (Format, &str)> = BTreeMap::new();
    let mut to_sniff = std::collections::BTreeSet::new();
    for t in targets {
        for (path, file) in &t.expected {
            let format = t.format_of(None, path);
            if format == Format::Text && t.sniffs(path) {
                to_sniff.insert(file.oid);
            }
            wanted
                .entry((file.oid, format.label()))
                .or_insert((format, file.source.as_str()));
        }
    }
    let mut blobs = Vec::with_capacity(wanted.len());
    for (key, (format, source)) in wanted {
        match baseline.read(key.0) {
            Ok(bytes) => blobs.push((key, format, source, bytes)),
            Err(e) => errors.push(Problem {
                host: None,
                file: Some(source.to_string()),
                line: None,
                column: None,
                message: format!("cannot read baseline blob: {e}"),
            }),
        }
    }
    let parsed: Vec<_> = blobs
        .par_iter()
        .map(|(key, format, source, bytes)| (*key, *source, format.parse(bytes).map(Arc::new)))
        .collect();
    // Only blobs that would be text: what their content says, and their documents in each
    // format that explains them (the live side is read in one of those, see `sniff::pair`).
    let sniffs: Vec<_> = blobs
        .par_iter()
        .filter(|(key, _, _, _)| key.1 == "text" && to_sniff.contains(&key.0))
        .map(|(key, _, _, bytes)| (key.0, sniff::explaining(bytes)))
        .collect();
    let bytes: HashMap<Oid, Vec<u8>> = blobs
        .into_iter()
        .map(|(key, _, _, bytes)| (key.0, bytes))
        .collect();
    let mut out = HashMap::with_capacity(parsed.len());
    for (key, source, result) in parsed {
        if let Err(e) = &result {
            errors.push(Problem {
                host: None,
                file: Some(source.to_string()),
                line: Some(e.line),
                column: Some(e.column),
                message: format!("baseline file does not parse: {}", e.message),
            });
        }
        out.insert(key, result);
    }
    let mut sniffed = HashMap::with_capacity(sniffs.len());
    for (oid, found) in sniffs {
        if let Ok(found) = &found {
            for (format, tree) in found {
                out.insert(
                    (oid, format.label()),
                    Ok(Arc::new(Document::Tree(tree.clone()))),
                );
            }
        }
        sniffed.insert(oid, sniff::one_of(found));
    }
    ParsedBaseline {
        docs: out,
        bytes,
        sniffed,
    }
}
