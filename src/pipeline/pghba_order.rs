//! pg_hba.conf's order, settled: a rule's `after` (the earlier rules that can match some of
//! the same connections) changes whenever such a rule is added or removed above it, and that
//! add or removal is already its own finding. An `after` change is kept only when another set
//! of the rules both sides have comes before it (a move that changes which rule matches
//! first), and is then a `moved` finding; or when one side's list is too long to compare (a
//! digest), as a change.

use crate::diff::Change;
use crate::report::Kind;
use crate::tree::{Entry, Tree, Value, push_key};
use std::collections::BTreeSet;

/// Drops the `after` changes that added or removed rules explain.
pub(crate) fn settle(
    _path: &str,
    _version: Option<&str>,
    base: Option<&Tree>,
    live: Option<&Tree>,
    changes: &mut Vec<Change>,
) -> Option<String> {
    let (Some(base), Some(live)) = (base, live) else {
        return None;
    };
    let mut kept = Vec::with_capacity(changes.len());
    for mut c in std::mem::take(changes) {
        match order_change(base, live, &c) {
            Order::Other => kept.push(c),
            Order::Moved => {
                c.kind = Kind::Moved;
                // No earlier rule on a side: an empty list, at the rule's line there.
                let rule = c.key.strip_suffix(".after").unwrap_or(&c.key).to_string();
                for (side, tree) in [(&mut c.baseline, base), (&mut c.live, live)] {
                    if side.is_none() {
                        *side = tree.get(&format!("{rule}.method")).map(|e| Entry {
                            value: Value::text(""),
                            line: e.line,
                        });
                    }
                }
                kept.push(c);
            }
            Order::Explained => {}
        }
    }
    *changes = kept;
    None
}

/// What a change is to the order of the rules.
enum Order {
    /// Not an `after` of a rule on both sides, or a list too long to compare: kept as it is.
    Other,
    /// The rules on both sides that come before it are in another order: a move.
    Moved,
    /// Only rules added or removed changed its `after`: their own findings say it.
    Explained,
}

fn order_change(base: &Tree, live: &Tree, c: &Change) -> Order {
    let Some(rule) = c.key.strip_suffix(".after") else {
        return Order::Other;
    };
    // A rule added or removed carries its own `after`.
    if !(exists(base, rule) && exists(live, rule)) {
        return Order::Other;
    }
    let list = |e: Option<&crate::tree::Entry>| -> Option<Vec<String>> {
        let text = e.map(|e| e.value.to_string()).unwrap_or_default();
        if text.contains("more (digest ") {
            return None;
        }
        Some(
            text.split("; ")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        )
    };
    let (Some(old), Some(new)) = (list(c.baseline.as_ref()), list(c.live.as_ref())) else {
        return Order::Other;
    };
    let both = |name: &String| {
        let mut k = String::new();
        push_key(&mut k, name);
        exists(base, &k) && exists(live, &k)
    };
    // Which rules come first, not their order among themselves: two rules above it that swap
    // are their own moves, not this rule's.
    let old: BTreeSet<&String> = old.iter().filter(|n| both(n)).collect();
    let new: BTreeSet<&String> = new.iter().filter(|n| both(n)).collect();
    if old == new {
        Order::Explained
    } else {
        Order::Moved
    }
}

/// Whether `rule` (a quoted key segment) is a rule or include directive of `tree`.
fn exists(tree: &Tree, rule: &str) -> bool {
    tree.get(&format!("{rule}.method")).is_some() || tree.get(&format!("{rule}.after")).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;
    use crate::normalize::{Document, Format};

    fn kinds(a: &str, b: &str) -> Vec<(String, Kind)> {
        let f = Format::from_name("pghba").unwrap();
        let (Document::Tree(x), Document::Tree(y)) = (
            f.parse(a.as_bytes()).unwrap(),
            f.parse(b.as_bytes()).unwrap(),
        ) else {
            panic!("trees")
        };
        let mut c = diff(&Document::Tree(x.clone()), &Document::Tree(y.clone()));
        settle("pg_hba.conf", None, Some(&x), Some(&y), &mut c);
        c.into_iter().map(|c| (c.key, c.kind)).collect()
    }

    fn changes(a: &str, b: &str) -> Vec<String> {
        let f = Format::from_name("pghba").unwrap();
        let (Document::Tree(x), Document::Tree(y)) = (
            f.parse(a.as_bytes()).unwrap(),
            f.parse(b.as_bytes()).unwrap(),
        ) else {
            panic!("trees")
        };
        let mut c = diff(&Document::Tree(x.clone()), &Document::Tree(y.clone()));
        settle("pg_hba.conf", None, Some(&x), Some(&y), &mut c);
        c.into_iter().map(|c| c.key).collect()
    }

    #[test]
    fn an_added_rule_is_one_change_and_a_move_that_matters_stays() {
        let base = "host all all 127.0.0.1/32 md5\nhost all all all reject\n";
        let added =
            "host all all 127.0.0.1/32 md5\nhost app app 10.0.0.0/8 md5\nhost all all all reject\n";
        assert_eq!(
            changes(base, added),
            vec!["\"host app app 10.0.0.0/8\".method"]
        );
        assert_eq!(
            changes(added, base),
            vec!["\"host app app 10.0.0.0/8\".method"]
        );
        let moved = "host all all all reject\nhost all all 127.0.0.1/32 md5\n";
        assert_eq!(
            changes(base, moved),
            vec![
                "\"host all all all\".after",
                "\"host all all 127.0.0.1/32\".after"
            ]
        );
        // Added above a rule that moved: the move is still found.
        let both =
            "host all all all reject\nhost app app 10.0.0.0/8 md5\nhost all all 127.0.0.1/32 md5\n";
        assert!(changes(base, both).contains(&"\"host all all 127.0.0.1/32\".after".to_string()));
    }

    #[test]
    fn a_move_that_changes_which_rule_matches_first_is_moved_an_add_is_not() {
        let base = "host all all 127.0.0.1/32 md5\nhost all all all reject\n";
        let moved = "host all all all reject\nhost all all 127.0.0.1/32 md5\n";
        assert_eq!(
            kinds(base, moved),
            vec![
                ("\"host all all all\".after".to_string(), Kind::Moved),
                (
                    "\"host all all 127.0.0.1/32\".after".to_string(),
                    Kind::Moved
                ),
            ]
        );
        // Added above: the added rule's own finding, no move.
        let added =
            "host all all 10.0.0.0/8 md5\nhost all all 127.0.0.1/32 md5\nhost all all all reject\n";
        assert_eq!(
            kinds(base, added),
            vec![(
                "\"host all all 10.0.0.0/8\".method".to_string(),
                Kind::Added
            )]
        );
        // Past a rule that matches other connections: PostgreSQL decides the same, no finding.
        let base = "host all all 127.0.0.1/32 md5\nhost all all 10.0.0.0/8 md5\n";
        let past = "host all all 10.0.0.0/8 md5\nhost all all 127.0.0.1/32 md5\n";
        assert!(kinds(base, past).is_empty());
    }
}
