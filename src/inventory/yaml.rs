//! The YAML inventory reader: groups with `hosts`, `vars` and `children` into a [`Builder`]
//! (see the semantics in [`super`]), the YAML read by the config files' reader
//! ([`crate::normalize::yaml::read_document`]). Must not parse YAML itself, nor resolve groups
//! or variables: [`Builder::finish`] does, for both formats.

use super::Inventory;
use super::build::{Builder, err};
use super::vars;
use crate::normalize::yaml::{Item, ItemNode};
use crate::tree::{ParseError, Value};
use std::borrow::Cow;

/// Parses a YAML inventory (see the module documentation).
pub fn parse_yaml(text: &str) -> Result<Inventory, ParseError> {
    let document = crate::normalize::yaml::read_document(text).map_err(in_old_words)?;
    let mut b = Builder::new();
    let top = match &document {
        Some(Item {
            node: ItemNode::Map(entries),
            ..
        }) => entries,
        Some(Item {
            node: ItemNode::Leaf(Value::Null),
            ..
        })
        | None => {
            return Err(err(
                1,
                "empty YAML inventory: expected a mapping of groups such as `all:`",
            ));
        }
        Some(other) => {
            return Err(err(
                other.line,
                "expected a mapping of groups such as `all:` at the top of the inventory",
            ));
        }
    };
    for entry in top {
        yaml_group(&mut b, &entry.key, entry.line, Some(&entry.value))?;
    }
    b.finish()
}

/// A YAML reader's error as inventory errors read before the inventory was read with the
/// config files' YAML reader (`serde-saphyr`'s words): the place repeated at the end, brackets
/// not saying what closes them, complex keys named as the inventory's own reader named them.
fn in_old_words(e: ParseError) -> ParseError {
    let message = match e.message.as_str() {
        "unclosed bracket '[': expected ']'" => "unclosed bracket '['",
        "unclosed bracket '{': expected '}'" => "unclosed bracket '{'",
        "expected a scalar mapping key, found a sequence used as a key"
        | "expected a scalar mapping key, found a mapping used as a key" => {
            "expected a scalar mapping key, found a mapping or list used as a key"
        }
        other => other,
    };
    let message = format!("{message} at line {}, column {}", e.line, e.column);
    ParseError::new(e.line, e.column, message)
}

/// A mapping entry: key, the key's line, value.
type Entry<'a, V> = (Cow<'a, str>, u32, V);

/// A scalar as text, as Ansible's YAML loader hands it over: numbers and booleans as the
/// reader resolved them (`0x10` is `16`, `True` is `true`).
fn text_of(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Str(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

/// A mapping's entries as (key, key line, value), or the one-entry form Ansible accepts for
/// `hosts: h1` / `children: web`; null is empty.
fn entries<'a>(
    what: &str,
    owner: &str,
    value: &'a Item,
) -> Result<Vec<Entry<'a, Option<&'a Item>>>, ParseError> {
    match &value.node {
        ItemNode::Leaf(Value::Null) => Ok(Vec::new()),
        ItemNode::Leaf(v) => Ok(vec![(text_of(v), value.line, None)]),
        ItemNode::Map(map) => Ok(map
            .iter()
            .map(|e| (Cow::Borrowed(e.key.as_str()), e.line, Some(&e.value)))
            .collect()),
        ItemNode::List(_) => Err(err(
            value.line,
            format!("{what} of group {owner:?} is a list: expected a mapping"),
        )),
    }
}

fn yaml_group(
    b: &mut Builder,
    name: &str,
    line: u32,
    data: Option<&Item>,
) -> Result<usize, ParseError> {
    let g = b.group(name, line)?;
    let Some(data) = data else { return Ok(g) };
    let map = match &data.node {
        ItemNode::Leaf(Value::Null) => return Ok(g),
        ItemNode::Map(map) => map,
        _ => {
            return Err(err(
                data.line.max(line),
                format!("group {name:?}: expected a mapping with hosts, vars or children"),
            ));
        }
    };
    for section in map {
        let (at, value) = (section.line, &section.value);
        match section.key.as_str() {
            "hosts" => {
                for (pattern, host_line, vars) in entries("hosts", name, value)? {
                    let hosts = b.add_hosts(g, &pattern, host_line)?;
                    let Some(vars) = vars else { continue };
                    for (var, var_line, v) in host_vars_of(&pattern, vars)? {
                        b.set_host_var(&hosts, &var, scalar(&var, v)?.as_deref(), var_line)?;
                    }
                }
            }
            "vars" => {
                let vars = match &value.node {
                    ItemNode::Leaf(Value::Null) => Vec::new(),
                    ItemNode::Map(_) => entries("vars", name, value)?,
                    _ => {
                        return Err(err(
                            at,
                            format!("vars of group {name:?}: expected a mapping"),
                        ));
                    }
                };
                for (var, var_line, v) in vars {
                    let Some(v) = v else { continue };
                    b.set_group_var(g, &var, scalar(&var, v)?.as_deref(), var_line)?;
                }
            }
            "children" => {
                for (child, child_line, child_data) in entries("children", name, value)? {
                    let c = yaml_group(b, &child, child_line, child_data)?;
                    b.add_child(g, c, child_line)?;
                }
            }
            other => {
                return Err(err(
                    at,
                    format!(
                        "unexpected key {other:?} in group {name:?}: expected hosts, vars or children"
                    ),
                ));
            }
        }
    }
    Ok(g)
}

/// A host's variables: a mapping or null.
fn host_vars_of<'a>(host: &str, vars: &'a Item) -> Result<Vec<Entry<'a, &'a Item>>, ParseError> {
    match &vars.node {
        ItemNode::Leaf(Value::Null) => Ok(Vec::new()),
        ItemNode::Map(map) => Ok(map
            .iter()
            .map(|e| (Cow::Borrowed(e.key.as_str()), e.line, &e.value))
            .collect()),
        _ => Err(err(
            vars.line,
            format!("variables of host {host:?}: expected a mapping or nothing"),
        )),
    }
}

/// A variable's value as text: scalars only (null is `None`); only connection variables are
/// checked, others may be anything.
fn scalar<'a>(var: &str, value: &'a Item) -> Result<Option<Cow<'a, str>>, ParseError> {
    match &value.node {
        ItemNode::Leaf(Value::Null) => Ok(None),
        ItemNode::Leaf(v) => Ok(Some(text_of(v))),
        ItemNode::Map(_) | ItemNode::List(_) if vars::is_used(var) => Err(err(
            value.line,
            format!("{var}: expected a single value, found a mapping or list"),
        )),
        ItemNode::Map(_) | ItemNode::List(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::HostVars;
    use crate::inventory::tests::{names, yaml_err};

    #[test]
    fn yaml_details() {
        // String shorthands, null groups, a group in two places adds up.
        let inv = parse_yaml(
            "all:\n  children:\n    web:\n      hosts: w1\n    ops:\n      children: web\n    \
             empty:\n    web2:\n      hosts: {w2: }\n  hosts:\n    solo:\nweb:\n  hosts:\n    w3:\n",
        )
        .unwrap();
        assert_eq!(inv.groups["web"], names(&["w1", "w3"]));
        assert_eq!(inv.groups["ops"], names(&["w1", "w3"]));
        assert_eq!(inv.groups["empty"], Vec::<String>::new());
        assert_eq!(inv.groups["ungrouped"], names(&["solo"]));
        let e = yaml_err("all:\n  host:\n    w1:\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unexpected key \"host\""), "{e}");
        let e = yaml_err("all:\n  hosts:\n    - w1\n");
        assert!(e.message.contains("expected a mapping"), "{e}");
        let e = yaml_err("all:\n  hosts:\n    w1:\n      ansible_host: [a, b]\n");
        assert_eq!(e.line, 4);
        let e = yaml_err("all:\n  hosts:\n    w1:\n      ansible_user: ~\n");
        assert!(e.message.contains("null"), "{e}");
        let e = yaml_err("");
        assert!(e.message.contains("empty YAML inventory"), "{e}");
        let e = yaml_err("- all\n");
        assert!(e.message.contains("mapping of groups"), "{e}");
        let e = yaml_err("all:\n  hosts: {w1: \n");
        assert!(e.line >= 2, "{e}");
        // Other variables may hold anything.
        let inv = parse_yaml(
            "all:\n  vars:\n    ntp: [a, b]\n    yes_no: yes\n  hosts:\n    h:\n      x: {y: 1}\n",
        )
        .unwrap();
        assert_eq!(inv.hosts["h"], HostVars::default());
        // One anchor given to 120 hosts (over the 10 aliases per anchor serde-saphyr's default
        // budget allows) is an ordinary inventory.
        let mut text = String::from("all:\n  vars:\n    base: &v {ansible_port: 2222}\n  hosts:\n");
        for i in 0..120 {
            text.push_str(&format!("    h{i}: *v\n"));
        }
        let inv = parse_yaml(&text).unwrap();
        assert_eq!(inv.groups["all"].len(), 120);
        assert_eq!(inv.hosts["h119"].ansible_port, Some(2222));
    }

    #[test]
    fn a_big_yaml_inventory_is_read_and_a_bomb_refused() {
        let mut text = String::from("all:\n  hosts:\n");
        for i in 0..63_000 {
            text.push_str(&format!("    h{i}: {{ansible_port: {}}}\n", 1 + i % 60_000));
        }
        let inv = parse_yaml(&text).unwrap();
        assert_eq!(inv.groups["all"].len(), 63_000);
        assert_eq!(inv.hosts["h62999"].ansible_port, Some(3_000));

        let mut bomb = String::from("all:\n  vars:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            bomb.push_str(&format!(
                "    a{i}: &a{i} [{}]\n",
                vec![format!("*a{}", i - 1); 10].join(", ")
            ));
        }
        bomb.push_str("  hosts:\n    h:\n");
        // Refused by the copies kept for anchors, or by the alias replay limit.
        let e = yaml_err(&bomb);
        assert!(
            e.message.contains("RecordedAnchorEvents") || e.message.contains("alias replay"),
            "{e}"
        );
    }
}
