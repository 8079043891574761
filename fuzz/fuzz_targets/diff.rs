//! Two inputs read with the same format, then compared: no panic, no hang, and for key trees
//! the comparison is consistent (a key is reported at most once, as added, removed or changed
//! according to which sides hold it, and the reverse comparison reports as many keys).
#![no_main]

use confdrift::diff::diff;
use confdrift::normalize::Document;
use confdrift::report::Kind;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

/// The two files are separated by the first occurrence of this line; without it the input
/// is cut in half.
const SEPARATOR: &[u8] = b"\n===\n";

fuzz_target!(|data: &[u8]| {
    let Some((format, input)) = common::split(data) else {
        return;
    };
    let (old, new) = match input.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
        Some(at) => (&input[..at + 1], &input[at + SEPARATOR.len()..]),
        None => input.split_at(input.len() / 2),
    };
    let (Ok(old), Ok(new)) = (format.parse(old), format.parse(new)) else {
        return;
    };
    let changes = diff(&old, &new);
    if let (Document::Tree(o), Document::Tree(n)) = (&old, &new) {
        let mut seen = std::collections::HashSet::new();
        for c in &changes {
            assert!(
                seen.insert(c.key.as_str()),
                "key {:?} reported twice",
                c.key
            );
            let (in_old, in_new) = (o.get(&c.key).is_some(), n.get(&c.key).is_some());
            let expected = match (in_old, in_new) {
                (true, true) => Kind::Changed,
                (true, false) => Kind::Removed,
                (false, true) => Kind::Added,
                (false, false) => panic!("key {:?} is on neither side", c.key),
            };
            assert_eq!(c.kind, expected, "key {:?}", c.key);
        }
        // Comparing the other way round finds the same keys.
        assert_eq!(diff(&new, &old).len(), changes.len());
    }
});
