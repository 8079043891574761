//! Helpers shared by the readers' unit tests.

use crate::tree::{Tree, Value};

/// The value and line at `key`; panics naming the keys there are when it is absent.
pub fn get<'t>(t: &'t Tree, key: &str) -> (&'t Value, u32) {
    let e = t.get(key).unwrap_or_else(|| {
        panic!(
            "missing key {key}; have {:?}",
            t.iter().map(|(k, _)| k).collect::<Vec<_>>()
        )
    });
    (&e.value, e.line)
}

/// A plain string value.
pub fn s(v: &str) -> Value {
    Value::text(v)
}

/// Same keys (in any order) and semantically the same values; lines ignored.
pub fn same_tree(a: &Tree, b: &Tree) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|(k, e)| b.get(k).is_some_and(|o| o.value.same(&e.value)))
}

/// The keys whose values differ, or that only one side has.
pub fn drift(a: &Tree, b: &Tree) -> Vec<String> {
    let mut out: Vec<String> = a
        .iter()
        .filter(|(k, e)| !b.get(k).is_some_and(|o| o.value.same(&e.value)))
        .map(|(k, _)| k.to_string())
        .collect();
    out.extend(
        b.iter()
            .filter(|(k, _)| a.get(k).is_none())
            .map(|(k, _)| k.to_string()),
    );
    out
}

/// Keys and values sorted by key: the content of a tree without its lines or order.
pub fn content(tree: &Tree) -> Vec<(String, Value)> {
    let mut v: Vec<_> = tree
        .iter()
        .map(|(k, e)| (k.to_string(), e.value.clone()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}
