//! Collection that follows includes: the listed files first, then, round after round, every
//! file a collected one includes (as its program resolves the directive, see
//! [`crate::normalize::follow`]), over the same transport (globs expanded on the host), read
//! in the includer's format. Bounded: [`MAX_ROUNDS`] levels of nesting, [`MAX_FOLLOWED`]
//! files, whatever a hostile file names.

use super::{Fetched, FileSpec, Snapshot, Transport, collect};
use crate::inventory::HostVars;
use crate::normalize::Format;
use crate::normalize::follow::{self, Include};

/// Levels of includes followed (PostgreSQL's own nesting limit is 10).
pub const MAX_ROUNDS: usize = 10;

/// Files collected through includes for one host at most.
pub const MAX_FOLLOWED: usize = 256;

/// The files of `host` named by `specs`, then those they include; `also` names files to read
/// besides (with their format): those the baseline's own includes name, so that a file the
/// host no longer includes is still compared.
pub fn collect_following(
    transport: &Transport,
    host: &str,
    vars: Option<&HostVars>,
    specs: &[FileSpec],
    also: &[(String, Format)],
) -> Result<Snapshot, String> {
    let mut all: Vec<FileSpec> = specs.to_vec();
    for (path, format) in also {
        if !specs.iter().any(|s| s.matches(path))
            && let Ok(spec) = FileSpec::new(path, Some(*format))
        {
            all.push(spec);
        }
    }
    let mut snap = collect(transport, host, vars, &all)?;
    let format_of = |snap: &Snapshot, path: &str| -> Format {
        snap.followed.get(path).copied().unwrap_or_else(|| {
            all.iter()
                .find(|s| s.matches(path))
                .map_or_else(|| Format::detect(path), |s| s.format_for(path))
        })
    };
    for (path, format) in also {
        if !specs.iter().any(|s| s.matches(path)) {
            snap.followed.insert(path.clone(), *format);
        }
    }
    let mut scanned: Vec<String> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        // Every collected file not read for its includes yet: what it names, not yet asked.
        let mut wanted: Vec<(Include, Format, String)> = Vec::new();
        for (path, fetched) in &snap.files {
            let Fetched::Present(bytes) = fetched else {
                continue;
            };
            if scanned.contains(path) {
                continue;
            }
            scanned.push(path.clone());
            let format = format_of(&snap, path);
            if !follow::may_include(format, path, bytes) {
                continue;
            }
            let Ok(doc) = format.parse(bytes) else {
                continue; // the comparison reports it, with its line
            };
            let Some(tree) = doc.tree() else { continue };
            for inc in follow::includes(format, path, tree) {
                if !snap.asked.contains(&inc.pattern)
                    && !wanted.iter().any(|(w, _, _)| w.pattern == inc.pattern)
                {
                    wanted.push((inc, format, path.clone()));
                }
            }
        }
        if wanted.is_empty() {
            break;
        }
        if snap.asked.len() + wanted.len() > MAX_FOLLOWED {
            let (_, _, from) = &wanted[0];
            snap.trouble.push((
                from.clone(),
                0,
                format!("includes more files than confdrift follows ({MAX_FOLLOWED}): the rest were not read"),
            ));
            wanted.truncate(MAX_FOLLOWED.saturating_sub(snap.asked.len()));
        }
        let mut round = Vec::with_capacity(wanted.len());
        for (inc, format, _) in &wanted {
            snap.asked.insert(inc.pattern.clone());
            // Already collected (a listed file, or a glob of the group's): read as listed.
            if snap.files.contains_key(&inc.pattern) {
                continue;
            }
            if let Ok(spec) = FileSpec::new(&inc.pattern, Some(*format)) {
                round.push(spec);
            }
        }
        if round.is_empty() {
            continue;
        }
        let more = collect(transport, host, vars, &round)?;
        for (inc, format, from) in &wanted {
            let literal = round
                .iter()
                .find(|s| s.pattern == inc.pattern)
                .is_some_and(|s| s.glob.is_none());
            if inc.required
                && literal
                && matches!(more.files.get(&inc.pattern), Some(Fetched::Missing))
            {
                snap.trouble.push((
                    from.clone(),
                    inc.line,
                    format!(
                        "includes {}, which is not on the host: the program refuses to start without it",
                        inc.pattern
                    ),
                ));
            }
            for (path, fetched) in &more.files {
                let name = &path[path.rfind('/').map_or(0, |i| i + 1)..];
                let matched = if literal {
                    *path == inc.pattern
                } else {
                    FileSpec::new(&inc.pattern, None).is_ok_and(|s| s.matches(path))
                };
                if !matched
                    || matches!(fetched, Fetched::Missing)
                    || (inc.skip_dot_files && name.starts_with('.'))
                    || snap.files.contains_key(path)
                {
                    continue;
                }
                if snap.followed.len() >= MAX_FOLLOWED {
                    snap.trouble.push((
                        from.clone(),
                        inc.line,
                        format!(
                            "includes more files than confdrift follows ({MAX_FOLLOWED}): the rest were not read"
                        ),
                    ));
                    return Ok(snap);
                }
                snap.followed.insert(path.clone(), *format);
                snap.files.insert(path.clone(), fetched.clone());
            }
        }
    }
    Ok(snap)
}
