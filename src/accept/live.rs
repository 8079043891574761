//! The live files of the selected hosts as they would be written into the baseline: collected
//! with the check's transports, secrets replaced by their fingerprints. Any trouble is
//! collected, never half-written: the caller writes nothing when there is some.

use crate::collect::{self, Fetched};
use crate::config::Group;
use crate::normalize::Format;
use crate::secret::{self, SecretKey, leak::Seen};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// One live file, ready for the baseline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveFile {
    pub format: Format,
    /// `None`: the host does not have it (a listed file absent, or a baseline file missing).
    pub content: Option<Vec<u8>>,
}

/// One selected host as a member of one group, and its files by absolute path.
pub struct TargetLive<'a> {
    pub group: &'a Group,
    pub host: &'a str,
    /// False when the host could not be reached or a file of it could not be read: it then
    /// says nothing about any file.
    pub complete: bool,
    pub files: BTreeMap<String, LiveFile>,
    /// The secret values its files hold in clear, for the scan before anything is written.
    pub secrets: Seen,
}

/// Refuses when a file about to be written (`rel` under the baseline directory) holds a
/// secret value any of the hosts' files held in clear.
pub fn refuse_leaks(
    live: &[TargetLive],
    edits: &BTreeMap<String, Option<Vec<u8>>>,
) -> Result<(), String> {
    let mut seen = Seen::default();
    for t in live {
        seen.merge(&t.secrets);
    }
    secret::leak::refuse_leaks(
        &seen,
        edits
            .iter()
            .filter_map(|(rel, c)| c.as_deref().map(|b| (rel.as_str(), b))),
    )
}

/// `problems` worded for people, with how to make a secret key when one was missing.
pub fn explain(problems: &[String]) -> String {
    let mut out = problems.join("\n  ");
    if problems.iter().any(|p| p.contains(secret::NO_KEY)) {
        out.push_str("\nhint: ");
        out.push_str(secret::HOW_TO);
    }
    out
}

/// Collects `targets` (at most `jobs` at once). `expected(group, host)` names the paths the
/// baseline has for the host (a missing one is recorded as absent); `only`, when not empty,
/// keeps just those paths. Returns the hosts' files and the trouble, one line each.
pub fn gather<'a>(
    targets: &[(&'a Group, &'a str)],
    expected: &(dyn Fn(&Group, &str) -> BTreeSet<String> + Sync),
    only: &[String],
    key: Option<&SecretKey>,
    jobs: usize,
) -> (Vec<TargetLive<'a>>, Vec<String>) {
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(p) => p,
        Err(e) => {
            return (
                Vec::new(),
                vec![format!("cannot start worker threads: {e}")],
            );
        }
    };
    let results: Vec<(TargetLive, Vec<String>)> = pool.install(|| {
        targets
            .par_iter()
            .map(|(group, host)| one(group, host, expected(group, host), only, key))
            .collect()
    });
    let mut out = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for (t, p) in results {
        out.push(t);
        problems.extend(p);
    }
    (out, problems)
}

fn one<'a>(
    group: &'a Group,
    host: &'a str,
    expected: BTreeSet<String>,
    only: &[String],
    key: Option<&SecretKey>,
) -> (TargetLive<'a>, Vec<String>) {
    let mut t = TargetLive {
        group,
        host,
        complete: false,
        files: BTreeMap::new(),
        secrets: Seen::default(),
    };
    let mut problems = Vec::new();
    let snap = match collect::collect_following(
        &group.transport,
        host,
        group.vars.get(host),
        &group.files,
        &[],
    ) {
        Ok(s) => s,
        Err(msg) => {
            problems.push(format!("{host}: {msg}"));
            return (t, problems);
        }
    };
    for (file, line, message) in &snap.trouble {
        problems.push(format!("{host}:{file}:{line}: {message}"));
    }
    // A baseline file no entry selects is the host's when an include still names it.
    let asked: Vec<collect::FileSpec> = snap
        .asked
        .iter()
        .filter_map(|p| collect::FileSpec::new(p, None).ok())
        .collect();
    let expected: BTreeSet<String> = expected
        .into_iter()
        .filter(|p| group.files.iter().any(|s| s.matches(p)) || asked.iter().any(|s| s.matches(p)))
        .collect();
    let paths: BTreeSet<&String> = expected.iter().chain(snap.files.keys()).collect();
    for path in paths {
        if !only.is_empty() && !only.contains(path) {
            continue;
        }
        let mut format = snap
            .followed
            .get(path)
            .copied()
            .unwrap_or_else(|| group.format_of(path));
        if let Some(Fetched::Present(bytes)) = snap.files.get(path)
            && format == Format::Text
            && !snap.followed.contains_key(path)
            && group.sniffs(path)
        {
            // Its name says nothing: its content decides, as `check` reads the file it writes
            // (normalize::sniff), so secrets are fingerprinted on their keys and a rewrite
            // that means the same is nothing to accept.
            format = crate::normalize::sniff::one(bytes).format;
        }
        let content = match snap.files.get(path) {
            Some(Fetched::Present(bytes)) => match secret::protect_file(format, bytes, key) {
                Ok(b) => {
                    if b != *bytes {
                        t.secrets.add_file(format, bytes);
                    }
                    Some(b)
                }
                Err(e) => {
                    let at = match e.column {
                        Some(c) => format!("{}:{c}", e.line),
                        None => e.line.to_string(),
                    };
                    problems.push(format!("{host}:{path}:{at}: {}", e.message));
                    continue;
                }
            },
            Some(Fetched::Failed(msg)) => {
                problems.push(format!("{host}:{path}: {msg}"));
                continue;
            }
            // Listed but neither on the host nor in the baseline: nothing to record.
            Some(Fetched::Missing) | None if !expected.contains(path) => continue,
            Some(Fetched::Missing) | None => None,
        };
        t.files.insert(path.clone(), LiveFile { format, content });
    }
    t.complete = problems.is_empty();
    (t, problems)
}
