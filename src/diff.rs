//! Tree × Tree → changes. Pure: no I/O, no colour, no knowledge of hosts.

use crate::normalize::{Document, Line};
use crate::report::Kind;
use crate::tree::{Entry, Value};

/// One difference between a baseline document and a live one.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub key: String,
    /// `Changed`, `Added` (live only) or `Removed` (baseline only).
    pub kind: Kind,
    pub baseline: Option<Entry>,
    pub live: Option<Entry>,
}

pub fn diff(baseline: &Document, live: &Document) -> Vec<Change> {
    diff_with(baseline, live, &|_| false)
}

/// [`diff`], with the keys for which `as_text` holds compared as written: a secret's `0123`
/// and `123` are different passwords, whatever number they spell.
pub fn diff_with(
    baseline: &Document,
    live: &Document,
    as_text: &dyn Fn(&str) -> bool,
) -> Vec<Change> {
    match (baseline, live) {
        (Document::Tree(b), Document::Tree(l)) => {
            let mut out = Vec::new();
            for (key, be) in b.iter() {
                match l.get(key) {
                    Some(le)
                        if le.value.same(&be.value)
                            && (le.value == be.value
                                || !as_text(key)
                                || le.value.to_string() == be.value.to_string()) => {}
                    Some(le) => out.push(change(key, Kind::Changed, Some(be), Some(le))),
                    None => out.push(change(key, Kind::Removed, Some(be), None)),
                }
            }
            for (key, le) in l.iter() {
                if b.get(key).is_none() {
                    out.push(change(key, Kind::Added, None, Some(le)));
                }
            }
            out
        }
        (Document::Lines(b), Document::Lines(l)) => diff_lines(b, l),
        (Document::Binary(b), Document::Binary(l)) if b == l => Vec::new(),
        // A binary file (or a text file that became one, or stopped being one): one change
        // of the whole content, never showing it.
        (b @ Document::Binary(_), l) | (b, l @ Document::Binary(_)) => vec![Change {
            key: CONTENT.to_string(),
            kind: Kind::Changed,
            baseline: Some(whole(b)),
            live: Some(whole(l)),
        }],
        // Both sides are always read with the same format; a mix means one is not a tree.
        (b, l) => diff_lines(&as_lines(b), &as_lines(l)),
    }
}

/// The key of a binary file's one change.
pub const CONTENT: &str = "content";

/// What a side of a binary file's change shows: its short hash and size, or for a side that
/// is text, how many significant lines (never any content).
fn whole(doc: &Document) -> Entry {
    let value = match doc {
        Document::Binary(d) => d.to_string(),
        Document::Lines(l) => format!("text, {} significant lines", l.len()),
        Document::Tree(t) => format!("text, {} keys", t.len()),
    };
    Entry {
        value: Value::Str(value),
        line: crate::tree::WHOLE_FILE,
    }
}

fn change(key: &str, kind: Kind, b: Option<&Entry>, l: Option<&Entry>) -> Change {
    Change {
        key: key.to_string(),
        kind,
        baseline: b.cloned(),
        live: l.cloned(),
    }
}

fn as_lines(doc: &Document) -> Vec<Line> {
    match doc {
        Document::Lines(l) => l.clone(),
        Document::Binary(_) => Vec::new(),
        Document::Tree(t) => t
            .iter()
            .map(|(k, e)| Line {
                number: e.line,
                last: e.line,
                text: format!("{k} = {}", e.value),
            })
            .collect(),
    }
}

/// Line diff of significant lines: one change per hunk, keyed by its unified-diff header
/// (`@@ -12,2 +12,3 @@`, real line numbers, counts of significant lines).
fn diff_lines(old: &[Line], new: &[Line]) -> Vec<Change> {
    let old_text: Vec<&str> = old.iter().map(|l| l.text.as_str()).collect();
    let new_text: Vec<&str> = new.iter().map(|l| l.text.as_str()).collect();
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old_text, &new_text);
    let mut out = Vec::new();
    for group in similar::group_diff_ops(ops, 0) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_range = first.old_range().start..last.old_range().end;
        let new_range = first.new_range().start..last.new_range().end;
        let side = |lines: &[Line], range: std::ops::Range<usize>| -> Option<Entry> {
            let slice = &lines[range];
            let first = slice.first()?;
            let text: Vec<&str> = slice.iter().map(|l| l.text.as_str()).collect();
            Some(Entry {
                value: Value::Str(text.join("\n")),
                line: first.number,
            })
        };
        let start_of =
            |lines: &[Line], idx: usize| lines.get(idx).or(lines.last()).map_or(0, |l| l.number);
        let key = format!(
            "@@ -{},{} +{},{} @@",
            start_of(old, old_range.start),
            old_range.len(),
            start_of(new, new_range.start),
            new_range.len()
        );
        let baseline = side(old, old_range);
        let live = side(new, new_range);
        let kind = match (&baseline, &live) {
            (Some(_), Some(_)) => Kind::Changed,
            (None, _) => Kind::Added,
            (_, None) => Kind::Removed,
        };
        out.push(Change {
            key,
            kind,
            baseline,
            live,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Format;
    use crate::tree::Tree;

    fn tree(items: &[(&str, Value, u32)]) -> Document {
        let mut t = Tree::new();
        for (k, v, l) in items {
            t.insert(*k, v.clone(), *l);
        }
        Document::Tree(t)
    }

    #[test]
    fn changed_added_removed_with_both_lines() {
        let b = tree(&[
            ("a", Value::Int(50), 7),
            ("b", Value::text("x"), 8),
            ("c", Value::Bool(true), 9),
        ]);
        let l = tree(&[
            ("c", Value::text("true"), 2),
            ("a", Value::Int(5), 3),
            ("d", Value::Null, 4),
        ]);
        let changes = diff(&b, &l);
        let summary: Vec<(&str, Kind, Option<u32>, Option<u32>)> = changes
            .iter()
            .map(|c| {
                (
                    c.key.as_str(),
                    c.kind,
                    c.baseline.as_ref().map(|e| e.line),
                    c.live.as_ref().map(|e| e.line),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("a", Kind::Changed, Some(7), Some(3)),
                ("b", Kind::Removed, Some(8), None),
                ("d", Kind::Added, None, Some(4)),
            ]
        );
    }

    #[test]
    fn text_fallback_reports_hunks_with_line_numbers() {
        let old = Format::Text
            .parse(b"# hosts\n127.0.0.1 localhost\n10.0.0.5 db-1\n10.0.0.6 db-2\n")
            .unwrap();
        let new = Format::Text
            .parse(b"127.0.0.1   localhost\n\n10.0.0.9 db-1\n10.0.0.6 db-2\n10.0.0.7 db-3\n")
            .unwrap();
        let changes = diff(&old, &new);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].kind, Kind::Changed);
        assert_eq!(changes[0].key, "@@ -3,1 +3,1 @@");
        assert_eq!(
            changes[0].live.as_ref().unwrap().value,
            Value::text("10.0.0.9 db-1")
        );
        assert_eq!(changes[1].kind, Kind::Added);
        assert_eq!(changes[1].live.as_ref().unwrap().line, 5);
        assert!(diff(&old, &old).is_empty());
    }

    #[test]
    fn secrets_are_compared_as_written() {
        let f = Format::from_name("redis").unwrap();
        let old = f.parse(b"requirepass 0123\nmaxclients 100\n").unwrap();
        let new = f.parse(b"requirepass 123\nmaxclients 100.0\n").unwrap();
        let secret = |k: &str| k == "requirepass";
        let keys: Vec<String> = diff_with(&old, &new, &secret)
            .into_iter()
            .map(|c| c.key)
            .collect();
        assert_eq!(keys, ["requirepass"]);
        assert!(
            diff(&old, &new).is_empty(),
            "numbers elsewhere stay semantic"
        );
    }
}
