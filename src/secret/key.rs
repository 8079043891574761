//! The key of the secret fingerprints: `$CONFDRIFT_SECRET_KEY`, else the file named by
//! `$CONFDRIFT_SECRET_KEY_FILE`, else `~/.config/confdrift/secret.key` (under
//! `$XDG_CONFIG_HOME` when set). Never inside the baseline repository.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Shortest key accepted, in bytes (32 random bytes in base64 are 44).
const MIN_LEN: usize = 16;

/// How to make a key, for every message that needs one.
pub const HOW_TO: &str = "create a key outside the repository: \
     mkdir -p ~/.config/confdrift && (umask 077; head -c 32 /dev/urandom | base64 > ~/.config/confdrift/secret.key) \
     (or point CONFDRIFT_SECRET_KEY_FILE at such a file, or set CONFDRIFT_SECRET_KEY)";

pub struct SecretKey {
    pub(super) bytes: Vec<u8>,
    pub source: KeySource,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    Env,
    File(PathBuf),
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({:?})", self.source)
    }
}

impl SecretKey {
    /// A key from its text (surrounding whitespace dropped).
    pub fn from_text(text: &str, source: KeySource) -> Result<SecretKey, String> {
        let t = text.trim();
        if t.len() < MIN_LEN {
            let from = match &source {
                KeySource::Env => "CONFDRIFT_SECRET_KEY".to_string(),
                KeySource::File(p) => p.display().to_string(),
            };
            return Err(format!(
                "the secret key from {from} is too short ({} bytes; at least {MIN_LEN}); {HOW_TO}",
                t.len()
            ));
        }
        Ok(SecretKey {
            bytes: t.as_bytes().to_vec(),
            source,
        })
    }

    /// Refuses a key file inside the repository at `workdir`: it would end up committed.
    pub fn check_outside(&self, workdir: &Path) -> Result<(), String> {
        let KeySource::File(p) = &self.source else {
            return Ok(());
        };
        let canon = |x: &Path| x.canonicalize().unwrap_or_else(|_| x.to_path_buf());
        if canon(p).starts_with(canon(workdir)) {
            return Err(format!(
                "the secret key file {} is inside the repository {}; move it outside (it must never be committed)",
                p.display(),
                workdir.display()
            ));
        }
        Ok(())
    }
}

/// The configured key, if any; an error when one is configured but unusable.
pub fn load() -> Result<Option<SecretKey>, String> {
    if let Some(text) = std::env::var_os("CONFDRIFT_SECRET_KEY").filter(|v| !v.is_empty()) {
        let text = text
            .into_string()
            .map_err(|_| "CONFDRIFT_SECRET_KEY is not valid UTF-8".to_string())?;
        return SecretKey::from_text(&text, KeySource::Env).map(Some);
    }
    if let Some(p) = std::env::var_os("CONFDRIFT_SECRET_KEY_FILE").filter(|v| !v.is_empty()) {
        return read_file(Path::new(&p)).map(Some);
    }
    match default_file() {
        Some(p) if p.exists() => read_file(&p).map(Some),
        _ => Ok(None),
    }
}

/// [`load`], once per process.
pub fn cached() -> &'static Result<Option<SecretKey>, String> {
    static KEY: OnceLock<Result<Option<SecretKey>, String>> = OnceLock::new();
    KEY.get_or_init(load)
}

fn default_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("confdrift").join("secret.key"))
}

fn read_file(p: &Path) -> Result<SecretKey, String> {
    let text = std::fs::read_to_string(p)
        .map_err(|e| format!("cannot read the secret key file {}: {e}", p.display()))?;
    SecretKey::from_text(&text, KeySource::File(p.to_path_buf()))
}
