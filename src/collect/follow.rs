//! Collection that follows includes: the listed files first, then, round after round, every
//! file a collected one includes (as its program resolves the directive, see
//! [`crate::normalize::follow`]), over the same transport (globs expanded on the host), read
//! in the includer's format. Bounded: [`MAX_ROUNDS`] levels of nesting, [`MAX_FOLLOWED`]
//! files, whatever a hostile file names.

use super::{Fetched, FileSpec, Snapshot, Transport, collect};
use crate::inventory::HostVars;
use crate::normalize::Format;
use crate::normalize::follow::{self, Include};

/// Levels of includes followed: sshd's nesting limit (16, the deepest of the programs'), and
/// one more, so that a chain past a program's limit is seen and named.
pub const MAX_ROUNDS: usize = 17;

/// Files collected through includes for one host at most.
pub const MAX_FOLLOWED: usize = 256;

/// The files of `host` named by `specs`, then those they include; `also` names files to read
/// besides (with their format and the entry file they were reached from): those the
/// baseline's own includes name, so that a file the host no longer includes is still compared.
pub fn collect_following(
    transport: &Transport,
    host: &str,
    vars: Option<&HostVars>,
    specs: &[FileSpec],
    also: &[(String, Format, String)],
) -> Result<Snapshot, String> {
    let mut extra: Vec<FileSpec> = Vec::new();
    for (path, format, _) in also {
        if !specs.iter().any(|s| s.matches(path))
            && let Ok(spec) = FileSpec::new(path, Some(*format))
        {
            extra.push(spec);
        }
    }
    let all: std::borrow::Cow<[FileSpec]> = if extra.is_empty() {
        std::borrow::Cow::Borrowed(specs)
    } else {
        std::borrow::Cow::Owned(specs.iter().cloned().chain(extra).collect())
    };
    let mut snap = collect(transport, host, vars, &all)?;
    let format_of = |snap: &Snapshot, path: &str| -> Format {
        snap.followed.get(path).copied().unwrap_or_else(|| {
            all.iter()
                .find(|s| s.matches(path))
                .map_or_else(|| Format::detect(path), |s| s.format_for(path))
        })
    };
    // The entry file each followed file was reached from (nginx resolves relative includes
    // against its main file's directory).
    let mut entries: std::collections::BTreeMap<String, String> = Default::default();
    for (path, format, entry) in also {
        if !specs.iter().any(|s| s.matches(path)) {
            snap.followed.insert(path.clone(), *format);
            entries.insert(path.clone(), entry.clone());
        }
    }
    let mut scanned: Vec<String> = Vec::new();
    // The area each followed file's includes stay within: its entry file's.
    let mut areas: std::collections::BTreeMap<String, String> = Default::default();
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
            let area = areas
                .get(path)
                .cloned()
                .unwrap_or_else(|| follow::area(path));
            let entry = entries.get(path).unwrap_or(path);
            for inc in follow::includes_in(format, path, entry, bytes) {
                if !follow::within(&area, &inc) {
                    snap.outside
                        .push((path.clone(), inc.line, inc.pattern.clone(), area.clone()));
                    continue;
                }
                // One glob per pattern; the directories systemd's units admit, together.
                if let Some((w, _, _)) =
                    wanted.iter_mut().find(|(w, _, _)| w.pattern == inc.pattern)
                {
                    if !w.only_dirs.is_empty() && !inc.only_dirs.is_empty() {
                        for d in inc.only_dirs {
                            if !w.only_dirs.contains(&d) {
                                w.only_dirs.push(d);
                            }
                        }
                    }
                } else if !snap.asked.contains(&inc.pattern) {
                    let format = inc.format.unwrap_or(format);
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
        // One entry per wanted include (compiled once): none when already collected (a
        // listed file, or a glob of the group's: read as listed) or not a valid path.
        let specs: Vec<Option<FileSpec>> = wanted
            .iter()
            .map(|(inc, format, _)| {
                snap.asked.insert(inc.pattern.clone());
                if snap.files.contains_key(&inc.pattern) {
                    return None;
                }
                compiled(&inc.pattern).map(|mut spec| {
                    spec.format = Some(*format);
                    spec
                })
            })
            .collect();
        let mut round: Vec<FileSpec> = specs.iter().flatten().cloned().collect();
        // A directory the program needs, asked as a path: a directory is "not a regular
        // file" to every transport, nothing there is missing.
        let dirs: Vec<&str> = wanted
            .iter()
            .zip(&specs)
            .filter(|(_, s)| s.is_some())
            .filter_map(|((inc, _, _), _)| inc.dir.as_deref())
            .filter(|d| !snap.files.contains_key(*d))
            .collect();
        round.extend(
            dirs.iter()
                .filter_map(|d| compiled(&crate::normalize::follow::glob_escape(d))),
        );
        if round.is_empty() {
            continue;
        }
        let more = collect(transport, host, vars, &round)?;
        for ((inc, format, from), spec) in wanted.iter().zip(&specs) {
            let Some(spec) = spec else { continue };
            if let Some(d) = &inc.dir
                && matches!(more.files.get(d), Some(Fetched::Missing))
            {
                snap.trouble.push((
                    from.clone(),
                    inc.line,
                    format!(
                        "includes the directory {d}, which is not on the host: the program refuses to start without it"
                    ),
                ));
            }
            if inc.required
                && spec.glob.is_none()
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
                if !spec.matches(path)
                    || !inc.admits(path)
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
                let area = areas
                    .get(from)
                    .cloned()
                    .unwrap_or_else(|| follow::area(from));
                areas.insert(path.clone(), area);
                let entry = entries.get(from).unwrap_or(from).clone();
                entries.insert(path.clone(), entry);
                snap.followed.insert(path.clone(), *format);
                snap.files.insert(path.clone(), fetched.clone());
            }
        }
    }
    Ok(snap)
}

/// An include's path or glob as a file entry, compiled once per run whatever number of hosts
/// name it (hosts of one group usually name the same ones).
fn compiled(pattern: &str) -> Option<FileSpec> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<String, FileSpec>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(spec) = cache.lock().ok().and_then(|c| c.get(pattern).cloned()) {
        return Some(spec);
    }
    let spec = FileSpec::new(pattern, None).ok()?;
    if let Ok(mut c) = cache.lock() {
        if c.len() >= 4096 {
            c.clear(); // a hostile fleet naming ever new paths keeps it bounded
        }
        c.insert(pattern.to_string(), spec.clone());
    }
    Some(spec)
}
