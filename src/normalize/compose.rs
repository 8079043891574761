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
//! - Everything else is YAML as written (`deploy.replicas`, `ports`, `command`): a port list
//!   is still compared by position, and `"80:80"` is not the same as the long syntax.

use crate::tree::{ParseError, Tree, Value, push_key};

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let tree = super::yaml::parse(text)?;
    let mut out = Tree::new();
    for (key, entry) in tree.iter() {
        match by_name(key, &entry.value) {
            Some((path, value)) => out.insert(path, value, entry.line),
            None => out.insert(key, entry.value.clone(), entry.line),
        }
    }
    Ok(out)
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
    fn other_lists_stay_by_position() {
        let t = parse("services:\n  web:\n    command:\n      - A=1\n    ports:\n      - 80:80\nx-env:\n  environment:\n    - A=1\n").unwrap();
        assert!(t.get("services.web.command[0]").is_some());
        assert!(t.get("services.web.ports[0]").is_some());
        assert!(t.get("x-env.environment[0]").is_some());
    }
}
