//! The fallback for formats confdrift does not understand: the file's significant lines
//! (not blank, not a `#` or `;` comment), each with its line number, for a line diff. A PEM
//! private key block (`-----BEGIN ... PRIVATE KEY-----` to its `-----END ...` line) is one
//! line, its lines joined by a space: a secret is hidden, fingerprinted and compared whole.

/// One significant line: its 1-based number and its text with surrounding whitespace
/// trimmed and runs of whitespace as one space; `last` is the number of its last line (a
/// private key block spans several).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub number: u32,
    pub last: u32,
    pub text: String,
}

pub fn significant_lines(text: &str) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut in_key = false;
    for (i, raw) in text.lines().enumerate() {
        let number = super::line_number(i);
        let t = raw.trim();
        let words = t.split_whitespace().collect::<Vec<_>>().join(" ");
        if in_key && let Some(block) = out.last_mut() {
            if !words.is_empty() {
                block.text.push(' ');
                block.text.push_str(&words);
            }
            block.last = number;
            in_key = !closes_private_key(t);
            continue;
        }
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        in_key = opens_private_key(t) && !closes_private_key(after_begin(t));
        out.push(Line {
            number,
            last: number,
            text: words,
        });
    }
    out
}

/// The text after the `-----BEGIN ...-----` marker (a block may open and close on one line).
fn after_begin(t: &str) -> &str {
    t.find("-----BEGIN")
        .and_then(|b| t[b + 10..].find("-----").map(|e| &t[b + 10 + e + 5..]))
        .unwrap_or("")
}

/// Whether a line opens a PEM private key block (a line diff keeps such a block as one unit).
pub fn opens_private_key(line: &str) -> bool {
    line.contains("-----BEGIN") && line.contains("PRIVATE KEY")
}

/// Whether a line closes a PEM private key block.
pub fn closes_private_key(line: &str) -> bool {
    line.contains("-----END") && line.contains("PRIVATE KEY")
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
                    last: 3,
                    text: "a b".into()
                },
                Line {
                    number: 5,
                    last: 5,
                    text: "c".into()
                },
            ]
        );
    }

    #[test]
    fn a_private_key_block_is_one_line() {
        let text =
            "a\n-----BEGIN EC PRIVATE KEY-----\nMHcC\n\n# x\n-----END EC PRIVATE KEY-----\nb\n";
        let lines = significant_lines(text);
        let texts: Vec<(&str, u32, u32)> = lines
            .iter()
            .map(|l| (l.text.as_str(), l.number, l.last))
            .collect();
        assert_eq!(
            texts,
            [
                ("a", 1, 1),
                (
                    "-----BEGIN EC PRIVATE KEY----- MHcC # x -----END EC PRIVATE KEY-----",
                    2,
                    6
                ),
                ("b", 7, 7)
            ]
        );
        // Opened and closed on one line; a certificate is not a key.
        let one = significant_lines(
            "-----BEGIN PRIVATE KEY----- x -----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nc\n",
        );
        assert_eq!(one.len(), 3);
    }
}
