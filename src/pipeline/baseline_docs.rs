//! The baseline blobs a run needs, read and parsed once per blob and format (in parallel),
//! whatever number of hosts share them.

use super::Target;
use crate::baseline::Baseline;
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
}

/// Reads and parses every baseline blob the targets need, once per blob and format.
pub(super) fn parse(
    baseline: &Baseline,
    targets: &[Target],
    errors: &mut Vec<Problem>,
) -> ParsedBaseline {
    let mut wanted: BTreeMap<(Oid, &'static str), (Format, &str)> = BTreeMap::new();
    for t in targets {
        for (path, file) in &t.expected {
            let format = t.format_of(None, path);
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
    ParsedBaseline { docs: out, bytes }
}
