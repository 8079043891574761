//! Shared by the fuzz targets: which format an input is read as.

use confdrift::normalize::Format;
use std::sync::OnceLock;

/// `CONFDRIFT_FUZZ_FORMAT=<name>` pins every input to one format (the whole input is the
/// file). Unset, the first byte selects the format: `Format::names()[byte % count]`, so formats
/// added to the table are fuzzed without touching the targets.
fn pinned() -> Option<Format> {
    static PINNED: OnceLock<Option<Format>> = OnceLock::new();
    *PINNED.get_or_init(|| {
        let name = std::env::var("CONFDRIFT_FUZZ_FORMAT").ok()?;
        let format = Format::from_name(&name).unwrap_or_else(|| {
            panic!(
                "CONFDRIFT_FUZZ_FORMAT={name:?}: expected one of {}",
                Format::names().join(", ")
            )
        });
        Some(format)
    })
}

/// The format and the rest of the input, or `None` for an empty input in selector mode.
pub fn split(data: &[u8]) -> Option<(Format, &[u8])> {
    if let Some(format) = pinned() {
        return Some((format, data));
    }
    let (&selector, rest) = data.split_first()?;
    let names = Format::names();
    let name = names[usize::from(selector) % names.len()];
    Some((
        Format::from_name(name).expect("names() lists only known names"),
        rest,
    ))
}
