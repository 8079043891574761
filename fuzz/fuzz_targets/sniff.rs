//! Content detection on any bytes: no panic, no hang; the format chosen for a pair reads both
//! sides; a file paired with itself gets the format it gets alone.
#![no_main]

use confdrift::normalize::{Format, sniff};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let at = data
        .windows(5)
        .position(|w| w == b"\n===\n")
        .map_or(data.len() / 2, |i| i + 1);
    let (base, live) = data.split_at(at);
    let live = live.strip_prefix(b"===\n").unwrap_or(live);
    let pair = sniff::pair(base, live);
    if pair.format != Format::Text {
        for side in [base, live] {
            assert!(
                pair.format.parse(side).is_ok(),
                "{} chosen ({}) but a side does not parse",
                pair.format.name(),
                pair.why
            );
        }
    }
    assert_eq!(sniff::pair(base, base).format, sniff::one(base).format);
});
