//! Who set each baseline line a finding points at: git blame (through git2) of the baseline
//! file at the compared commit, once per file that has findings, after the check is done.

use crate::config::Config;
use crate::report::{CommitInfo, Report};
use git2::{BlameOptions, Oid, Repository};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// Fills `baseline_commit` of every finding with a baseline line (`changed`, `removed`, and
/// rule findings on a baseline value). Blame trouble (a shallow clone, a file git cannot
/// blame) leaves findings unannotated: it never fails the check.
pub fn annotate(cfg: &Config, report: &mut Report) {
    let Some(info) = &report.baseline else {
        return;
    };
    let files: BTreeSet<String> = report
        .findings
        .iter()
        .filter(|f| f.baseline_line.is_some())
        .filter_map(|f| f.baseline_source.clone())
        .collect();
    if files.is_empty() {
        return;
    }
    let (Ok(repo), Ok(commit)) = (
        Repository::discover(&cfg.baseline.repo),
        Oid::from_str(&info.commit),
    ) else {
        return;
    };
    let mut commits: HashMap<Oid, CommitInfo> = HashMap::new();
    for file in files {
        let mut opts = BlameOptions::new();
        opts.newest_commit(commit);
        let Ok(blame) = repo.blame_file(Path::new(&file), Some(&mut opts)) else {
            continue;
        };
        for f in report
            .findings
            .iter_mut()
            .filter(|f| f.baseline_source.as_deref() == Some(file.as_str()))
        {
            let Some(hunk) = f.baseline_line.and_then(|l| blame.get_line(l as usize)) else {
                continue;
            };
            let id = hunk.final_commit_id();
            if let std::collections::hash_map::Entry::Vacant(slot) = commits.entry(id) {
                let Some(sig) = hunk.final_signature() else {
                    continue;
                };
                slot.insert(commit_info(&repo, id, &sig));
            }
            f.baseline_commit = commits.get(&id).cloned();
        }
    }
}

/// Blame's commit, for a finding.
fn commit_info(repo: &Repository, id: Oid, sig: &git2::Signature) -> CommitInfo {
    let summary = repo
        .find_commit(id)
        .ok()
        .and_then(|c| c.summary().ok().flatten().map(str::to_string))
        .unwrap_or_default();
    let name = String::from_utf8_lossy(sig.name_bytes()).into_owned();
    let email = String::from_utf8_lossy(sig.email_bytes()).into_owned();
    let author = if email.is_empty() {
        name
    } else {
        format!("{name} <{email}>")
    };
    let when = sig.when();
    CommitInfo {
        id: id.to_string(),
        author,
        date: rfc3339(when.seconds(), when.offset_minutes()),
        summary,
    }
}

/// `2026-11-02T09:30:00+01:00` for a git time (seconds since the epoch, offset in minutes).
pub fn rfc3339(seconds: i64, offset_minutes: i32) -> String {
    let local = seconds + i64::from(offset_minutes) * 60;
    let (y, m, d) = crate::dates::civil_from_days(local.div_euclid(86_400));
    let rem = local.rem_euclid(86_400);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.unsigned_abs();
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        off / 60,
        off % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_times_in_rfc3339_with_their_offset() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(rfc3339(1_700_000_000, 0), "2023-11-14T22:13:20+00:00");
        assert_eq!(rfc3339(1_700_000_000, 60), "2023-11-14T23:13:20+01:00");
        assert_eq!(rfc3339(1_700_000_000, -330), "2023-11-14T16:43:20-05:30");
        assert_eq!(rfc3339(951_782_400, 0), "2000-02-29T00:00:00+00:00");
        assert_eq!(rfc3339(-1, 0), "1969-12-31T23:59:59+00:00");
    }
}
