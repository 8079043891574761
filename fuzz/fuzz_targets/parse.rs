//! Every parser, on any bytes: no panic, no hang, no unbounded allocation; and a parsed
//! document never drifts from itself.
#![no_main]

use confdrift::diff::diff;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((format, input)) = common::split(data) else {
        return;
    };
    if let Ok(doc) = format.parse(input) {
        let changes = diff(&doc, &doc);
        assert!(
            changes.is_empty(),
            "{} document differs from itself: {changes:?}",
            format.name()
        );
    }
});
