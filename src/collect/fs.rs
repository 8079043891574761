//! Reading files from a directory on this machine: the `dir` transport (`<root>/<host>/...`)
//! and the `local` transport (`/`).

use super::{Fetched, MAX_FILE_BYTES, Snapshot};
use crate::collect::FileSpec;
use std::io::Read;
use std::path::{Path, PathBuf};

pub fn collect(root: &Path, specs: &[FileSpec]) -> Snapshot {
    let mut snap = Snapshot::default();
    for spec in specs {
        match &spec.glob {
            None => {
                let fetched = read(&under(root, &spec.pattern));
                snap.files.insert(spec.pattern.clone(), fetched);
            }
            Some(_) => {
                for path in expand(root, spec) {
                    let fetched = read(&under(root, &path));
                    snap.files.insert(path, fetched);
                }
            }
        }
    }
    snap
}

/// `root` joined with an absolute path.
fn under(root: &Path, abs: &str) -> PathBuf {
    root.join(abs.trim_start_matches('/'))
}

/// The absolute paths of regular files under `root` that a glob entry matches, walking only
/// below the glob's literal prefix (`/etc/nginx/conf.d/*.conf` walks `/etc/nginx/conf.d`).
fn expand(root: &Path, spec: &FileSpec) -> Vec<String> {
    let literal: Vec<&str> = spec
        .pattern
        .split('/')
        .take_while(|seg| !seg.contains(['*', '?', '[', '{']))
        .collect();
    let rest = spec.pattern.split('/').count() - literal.len();
    let base = literal.join("/");
    let mut walk = walkdir::WalkDir::new(under(root, &base)).follow_links(false);
    if !spec.pattern.contains("**") {
        walk = walk.max_depth(rest);
    }
    let mut out = Vec::new();
    for entry in walk.into_iter().filter_map(Result::ok) {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let Some(rel) = rel.to_str() else { continue };
        let abs = format!("/{rel}");
        if spec.matches(&abs) {
            out.push(abs);
        }
    }
    out
}

fn read(path: &Path) -> Fetched {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Fetched::Missing,
        Err(e) => return Fetched::Failed(format!("cannot read: {e}")),
    };
    let size = match file.metadata() {
        Ok(m) if !m.is_file() => return Fetched::Failed("not a regular file".into()),
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            return Fetched::Failed(format!(
                "too large: {} bytes, the limit is {MAX_FILE_BYTES}",
                m.len()
            ));
        }
        Err(e) => return Fetched::Failed(format!("cannot read: {e}")),
        Ok(m) => m.len(),
    };
    // Sized from the metadata: `take` hides the length, so `read_to_end` would grow from small.
    let mut bytes = Vec::with_capacity(size as usize + 1);
    match file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes) {
        Ok(n) if n as u64 > MAX_FILE_BYTES => {
            Fetched::Failed(format!("too large: the limit is {MAX_FILE_BYTES} bytes"))
        }
        Ok(_) => Fetched::Present(bytes),
        Err(e) => Fetched::Failed(format!("cannot read: {e}")),
    }
}
