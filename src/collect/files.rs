//! A group's `files` entry: an absolute path or glob, and the format each file it selects is
//! read as (forced, or detected from the name once).

use crate::normalize::{Format, YamlVersion};
use anyhow::{Context, Result, bail};
use globset::{GlobBuilder, GlobMatcher};

/// One `files` entry of a group: an absolute path or glob, an optional forced format, and the
/// YAML version its YAML files are read as (the entry's `yaml`, else the group's).
#[derive(Clone, Debug)]
pub struct FileSpec {
    pub pattern: String,
    pub format: Option<Format>,
    pub yaml: Option<YamlVersion>,
    /// The program's major version (`"15"`): which defaults table its files are read with
    /// (the entry's `version`, else the group's).
    pub version: Option<String>,
    /// Present when `pattern` holds glob characters.
    pub glob: Option<GlobMatcher>,
    /// For a plain path with no `format`: the format detected from its name, once.
    detected: Option<Format>,
}

impl FileSpec {
    /// Whether `path` (absolute) is selected by this entry.
    pub fn matches(&self, path: &str) -> bool {
        match &self.glob {
            Some(glob) => glob.is_match(path),
            None => self.pattern == path,
        }
    }

    /// The format `path` is read as: the entry's `format`, or detected from the name (YAML
    /// 1.1 for the paths of `YAML_1_1_PATHS`); YAML as the entry's `yaml` version says.
    pub fn format_for(&self, path: &str) -> Format {
        let format = match (self.format, self.detected) {
            (Some(f), _) => f,
            (None, Some(f)) if self.glob.is_none() && path == self.pattern => f,
            _ => Format::detect(path),
        };
        match self.yaml {
            Some(version) => format.with_yaml(version),
            None => format,
        }
    }
}

impl FileSpec {
    /// A file entry for an absolute path or glob, refusing `.` and `..` components.
    pub fn new(pattern: &str, format: Option<Format>) -> Result<FileSpec> {
        if !pattern.starts_with('/')
            || pattern.split('/').any(|s| s == ".." || s == ".")
            || pattern.contains(['\n', '\0'])
        {
            bail!("file {pattern:?}: expected an absolute path without . or .. components");
        }
        let glob = if pattern.contains(['*', '?', '[', '{']) {
            // `*` stays within one path segment, as in a shell; `**` crosses segments.
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .with_context(|| format!("file {pattern:?}: invalid glob"))?;
            Some(glob.compile_matcher())
        } else {
            None
        };
        let detected = (format.is_none() && glob.is_none()).then(|| Format::detect(pattern));
        Ok(FileSpec {
            pattern: pattern.to_string(),
            format,
            yaml: None,
            version: None,
            glob,
            detected,
        })
    }
}
