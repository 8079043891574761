//! Docker Compose files (`compose.yaml`, `docker-compose.yml`, `docker-compose.*.yml`, ...):
//! YAML 1.2 (compose-go reads them with go-yaml v3), keyed the way Compose means them.
//!
//! - Services, networks, volumes, configs and secrets are mappings already: keyed by name,
//!   never by position.
//! - `environment`, `labels` and `build.args` may be written as a list (`- KEY=value`,
//!   `- KEY`) or a mapping (`KEY: value`, `KEY:`); Compose reads both as one mapping
//!   (`docker-compose config` prints the mapping), so both are keyed by name here:
//!   `services.db.environment.MYSQL_USER`. `- KEY=value` splits at the first `=`. As
//!   `config` of Compose v1 (1.29) and v2 (2.26) prints them: `- KEY` alone in `environment`
//!   is `KEY:` with no value (null: taken from the shell), not `KEY=` (the empty string); a
//!   bare label `- com.example.x` is the empty string. A bare build argument is null here, as
//!   Compose v2 reads it: the shell's value, or none at all (the Dockerfile's default) when
//!   the shell has none; v1 printed and passed the empty string instead. A list item that is
//!   not a string stays at its index.
//! - A service's `ports` are read as Compose v2 reads them ([`compose_ports`]): the short
//!   syntax and the long one are one model (`"80:80"` is `ports[0].target` 80,
//!   `ports[0].published` "80", `protocol` tcp, `mode` ingress), a range one port per number;
//!   still by position, as `config` prints them.
//! - Everything else is YAML as written (`deploy.replicas`, `command`).

use super::compose_ports::{self, Port};
use crate::tree::{Entry, ParseError, Tree, Value, push_key};
use indexmap::IndexMap;

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let tree = super::yaml::parse(text)?;
    let mut out = Tree::new();
    // A service's port items, by list and index: (field, entry) of each ("" for a scalar).
    let mut ports: IndexMap<&str, Items> = IndexMap::new();
    for (key, entry) in tree.iter() {
        if let Some((list, index, field)) = port_item(key) {
            let item = ports.entry(list).or_default().entry(index).or_default();
            item.push((field, entry));
            continue;
        }
        match by_name(key, &entry.value) {
            Some((path, value)) => out.insert(path, value, entry.line),
            None => out.insert(key, entry.value.clone(), entry.line),
        }
    }
    // Ranges expand: at most this many ports per file (a hostile `1-65535:1-65535` on every
    // line must not take the memory); past it, items are kept as written.
    let mut budget = MAX_PORTS;
    for (list, items) in ports {
        let mut at = 0;
        for (index, fields) in items {
            let line = fields.iter().map(|(_, e)| e.line).min().unwrap_or(0);
            let read: Option<Vec<Port>> = match fields.as_slice() {
                [("", entry)] => match &entry.value {
                    Value::Str(s) => compose_ports::short(s, budget),
                    Value::Int(n) => compose_ports::short(&n.to_string(), budget),
                    _ => None,
                },
                _ if fields
                    .iter()
                    .all(|(f, _)| !f.is_empty() && !f.contains(['.', '['])) =>
                {
                    compose_ports::long(&fields).map(|p| vec![p])
                }
                _ => None,
            };
            let read = read.filter(|r| r.len() <= budget);
            match read {
                Some(read) => {
                    budget -= read.len();
                    for port in read {
                        for (field, value) in port {
                            out.insert(format!("{list}[{at}].{field}"), value, line);
                        }
                        at += 1;
                    }
                }
                // Kept as written (under its own index, so it never matches a read one).
                None => {
                    for (field, entry) in fields {
                        let key = match field {
                            "" => format!("{list}[{index}]"),
                            f => format!("{list}[{index}].{f}"),
                        };
                        out.insert(key, entry.value.clone(), entry.line);
                    }
                    at += 1;
                }
            }
        }
    }
    Ok(out)
}

/// One `ports` list's items by index: (field, entry) of each ("" for a scalar item).
type Items<'t> = IndexMap<&'t str, Vec<(&'t str, &'t Entry)>>;

/// How many ports a file's short-syntax ranges may expand to ([`parse`]).
const MAX_PORTS: usize = 10_000;

/// `services.web.ports[2].target` → (`services.web.ports`, `2`, `target`); the field is ""
/// for a scalar item.
fn port_item(key: &str) -> Option<(&str, &str, &str)> {
    let rest = key.strip_prefix("services.")?;
    let at = rest.find(".ports[")?;
    // The service's name is one segment: quoted when it holds a dot.
    let name = &rest[..at];
    if name.is_empty() || (!name.starts_with('"') && name.contains(['.', '['])) {
        return None;
    }
    let list = &key[.."services.".len() + at + ".ports".len()];
    let tail = &key[list.len() + 1..];
    let (index, field) = tail.split_once(']')?;
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match field {
        "" => Some((list, index, "")),
        f => Some((list, index, f.strip_prefix('.')?)),
    }
}

/// The mapping key and value of a `- KEY=value` item of an `environment`, `labels` or
/// `build.args` list under a top-level section: `services.db.environment[2]` with
/// `MYSQL_USER=nc` is `services.db.environment.MYSQL_USER` = `nc`.
fn by_name(key: &str, value: &Value) -> Option<(String, Value)> {
    let Value::Str(item) = value else {
        return None;
    };
    let (list, index) = key.strip_suffix(']')?.rsplit_once('[')?;
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let section = list.split('.').next()?;
    if !matches!(
        section,
        "services" | "networks" | "volumes" | "configs" | "secrets"
    ) {
        return None;
    }
    let named = [".environment", ".labels", ".build.args"]
        .iter()
        .any(|suffix| list.ends_with(suffix));
    if !named {
        return None;
    }
    let (name, value) = match item.split_once('=') {
        Some((name, value)) => (name, Value::text(value)),
        // A bare label is the empty string; a bare variable or build argument has no value
        // (it is taken from the environment).
        None if list.ends_with(".labels") => (item.as_str(), Value::text("")),
        None => (item.as_str(), Value::Null),
    };
    if name.is_empty() {
        return None;
    }
    let mut path = list.to_string();
    push_key(&mut path, name);
    Some((path, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPSTREAM: &str = include_str!("../../fixtures/upstream/awesome-compose/compose.yaml");

    #[test]
    fn environment_lists_are_keyed_by_name() {
        let t = parse(UPSTREAM).unwrap();
        let e = t.get("services.db.environment.MYSQL_USER").unwrap();
        assert_eq!((&e.value, e.line), (&Value::text("nextcloud"), 35));
        assert!(t.get("services.db.environment[0]").is_none());
        assert_eq!(
            t.get("services.nc.networks[1]").map(|e| &e.value),
            Some(&Value::text("dbnet"))
        );
    }

    #[test]
    fn a_list_and_a_mapping_are_the_same() {
        let list = parse(
            "services:\n  web:\n    environment:\n      - A=1\n      - B\n      - C=x=y\n      - D=\n    labels:\n      - com.example.tier=front\n      - com.example.bare\n",
        )
        .unwrap();
        let map = parse(
            "services:\n  web:\n    labels:\n      com.example.tier: front\n      com.example.bare: ''\n    environment:\n      C: x=y\n      A: 1\n      B:\n      D: ''\n",
        )
        .unwrap();
        assert_eq!(list.len(), map.len());
        for (k, e) in list.iter() {
            let other = map.get(k).unwrap_or_else(|| panic!("{k} missing"));
            assert!(e.value.same(&other.value), "{k}");
        }
        assert_eq!(
            list.get("services.web.labels.\"com.example.tier\"")
                .map(|e| &e.value),
            Some(&Value::text("front"))
        );
        assert_eq!(
            list.get("services.web.environment.B").map(|e| &e.value),
            Some(&Value::Null)
        );
        assert_eq!(
            list.get("services.web.environment.D").map(|e| &e.value),
            Some(&Value::text(""))
        );
    }

    #[test]
    fn short_and_long_ports_are_one_model_and_ranges_are_bounded() {
        let short = parse("services:\n  web:\n    ports:\n      - 80:80\n      - \"127.0.0.1:53:53/udp\"\n      - 9000-9001\n").unwrap();
        let long = parse("services:\n  web:\n    ports:\n      - {target: 80, published: 80}\n      - target: 53\n        published: \"53\"\n        host_ip: 127.0.0.1\n        protocol: udp\n        mode: ingress\n      - {target: 9000}\n      - {target: 9001, protocol: tcp}\n").unwrap();
        assert_eq!(short.len(), long.len());
        for (k, e) in short.iter() {
            let other = long.get(k).unwrap_or_else(|| panic!("{k} missing"));
            assert!(e.value.same(&other.value), "{k}");
        }
        assert_eq!(
            short.get("services.web.ports[1].host_ip").map(|e| e.line),
            Some(5)
        );
        let hostile = format!(
            "services:\n  web:\n    ports:\n{}",
            "      - 1-65535:1-65535\n".repeat(50)
        );
        let t = parse(&hostile).unwrap();
        assert_eq!(t.get("services.web.ports[49]").map(|e| e.line), Some(53));
        assert!(t.len() < 60);
    }

    #[test]
    fn other_lists_stay_by_position() {
        let t = parse("services:\n  web:\n    command:\n      - A=1\n    ports:\n      - 80:80\nx-env:\n  environment:\n    - A=1\n").unwrap();
        assert!(t.get("services.web.command[0]").is_some());
        assert!(t.get("services.web.ports[0].target").is_some());
        assert!(t.get("x-env.environment[0]").is_some());
    }
}
