//! Host, group and user names as confdrift accepts them from a config or an inventory: they end
//! up on ssh and sudo command lines and in paths, so only a safe alphabet passes.

use anyhow::{Result, bail};

/// Letters, digits and `. _ - @ :` only, not starting with `-`, not `.` or `..`.
pub fn check_name(what: &str, name: &str) -> Result<()> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | ':');
    if name.is_empty()
        || name.starts_with('-')
        || name == "."
        || name == ".."
        || !name.chars().all(ok_char)
    {
        bail!(
            "invalid {what} name {name:?}: expected letters, digits and . _ - @ : only, not starting with '-'"
        );
    }
    Ok(())
}
