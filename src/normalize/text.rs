//! The fallback for formats confdrift does not understand: the file's significant lines
//! (not blank, not a `#` or `;` comment), each with its line number, for a line diff.

/// One significant line: its 1-based number and its text with surrounding whitespace trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub number: u32,
    pub text: String,
}

pub fn significant_lines(text: &str) -> Vec<Line> {
    text.lines()
        .enumerate()
        .filter_map(|(i, raw)| {
            let t = raw.trim();
            if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
                None
            } else {
                Some(Line {
                    number: i as u32 + 1,
                    text: t.split_whitespace().collect::<Vec<_>>().join(" "),
                })
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_blank_lines_and_spacing_are_dropped() {
        let lines = significant_lines("# header\n\n  a   b\n; note\nc\n");
        assert_eq!(
            lines,
            vec![
                Line {
                    number: 3,
                    text: "a b".into()
                },
                Line {
                    number: 5,
                    text: "c".into()
                },
            ]
        );
    }
}
