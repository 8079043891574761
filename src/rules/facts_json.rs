//! A host's [`Facts`] as JSON, so that the report of a sharded run carries what `merge` needs
//! to run the checks across hosts (capacity, unique, outliers) over the whole fleet.
//!
//! Secrets never leave in clear: a value the catalogue hides is written as its keyed
//! fingerprint when a secret key is configured (equal secrets stay equal), and is left out
//! otherwise (counted in `secrets_left_out`, so `merge` can say that those keys were not
//! compared): comparing `[redacted]` with `[redacted]` would invent equal values.

use super::file::{Fact, Facts};
use crate::normalize::Format;
use crate::secret::{self, SecretKey};
use crate::tree::{Tree, Value};
use serde_json::{Value as Json, json};

/// `facts` of `host` (in `group`; `up`: reachable) as one JSON object.
pub fn to_json(
    host: &str,
    group: &str,
    up: bool,
    facts: &Facts,
    format_of: &dyn Fn(&str) -> Format,
    key: Option<&SecretKey>,
) -> Json {
    let mut left_out = 0usize;
    let mut keep = |file: &str, k: &str, v: &Value| -> Option<Json> {
        let format = format_of(file);
        if secret::redact(format, k, v) == *v {
            return Some(value_to_json(v));
        }
        match key.and_then(|sk| secret::protect_value(sk, format, k, v)) {
            Some(fp) => Some(value_to_json(&fp)),
            None => {
                left_out += 1;
                None
            }
        }
    };
    let unique: Vec<Json> = facts
        .unique
        .iter()
        .filter_map(|(rule, file, k, v, line, shown)| {
            let value = keep(file, k, v)?;
            Some(json!([rule, file, k, value, line, value_to_json(shown)]))
        })
        .collect();
    let mut numbers_of = |list: &[Fact]| -> Vec<Json> {
        list.iter()
            .filter_map(|n| {
                let value = keep(&n.file, &n.key, &n.value)?;
                Some(json!([n.file, n.key, value, n.line, n.from]))
            })
            .collect()
    };
    let numbers = numbers_of(&facts.numbers);
    let base_numbers = numbers_of(&facts.base_numbers);
    let running_numbers = numbers_of(&facts.running_numbers);
    let unbaselined: Vec<Json> = facts
        .unbaselined
        .iter()
        .map(|(file, tree)| {
            let entries: Vec<Json> = tree
                .iter()
                .filter_map(|(k, e)| Some(json!([k, keep(file, k, &e.value)?, e.line])))
                .collect();
            json!([file, entries])
        })
        .collect();
    json!({
        "host": host,
        "group": group,
        "up": up,
        "unique": unique,
        "numbers": numbers,
        "base_numbers": base_numbers,
        "running_numbers": running_numbers,
        "unbaselined": unbaselined,
        "secrets_left_out": left_out,
    })
}

/// One host's facts read back: (host, group, facts, up, secrets left out).
pub type HostFacts = (String, String, Facts, bool, usize);

/// Reads what [`to_json`] wrote; an error names what was expected.
pub fn from_json(j: &Json) -> Result<HostFacts, String> {
    let s = |v: &Json, what: &str| -> Result<String, String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("expected {what} as a string"))
    };
    let n = |v: &Json, what: &str| -> Result<u64, String> {
        v.as_u64()
            .ok_or_else(|| format!("expected {what} as a number"))
    };
    let list = |v: &Json, what: &str| -> Result<Vec<Json>, String> {
        v.as_array()
            .cloned()
            .ok_or_else(|| format!("expected {what} as a list"))
    };
    let line = |v: &Json| n(v, "a line").map(|l| u32::try_from(l).unwrap_or(u32::MAX));
    let mut facts = Facts::default();
    for u in list(&j["unique"], "unique")? {
        let rule = usize::try_from(n(&u[0], "a rule index")?).unwrap_or(usize::MAX);
        facts.unique.push((
            rule,
            s(&u[1], "a file")?,
            s(&u[2], "a key")?,
            value_from_json(&u[3])?,
            line(&u[4])?,
            value_from_json(&u[5])?,
        ));
    }
    for (field, into) in [
        ("numbers", &mut facts.numbers),
        ("base_numbers", &mut facts.base_numbers),
        ("running_numbers", &mut facts.running_numbers),
    ] {
        // Reports of builds before running servers have no running numbers.
        if field == "running_numbers" && j.get(field).is_none() {
            continue;
        }
        for x in list(&j[field], field)? {
            into.push(Fact {
                file: s(&x[0], "a file")?,
                key: s(&x[1], "a key")?,
                value: value_from_json(&x[2])?,
                line: line(&x[3])?,
                from: x[4].as_str().map(str::to_string),
            });
        }
    }
    for f in list(&j["unbaselined"], "unbaselined")? {
        let mut tree = Tree::new();
        for e in list(&f[1], "entries")? {
            tree.insert(s(&e[0], "a key")?, value_from_json(&e[1])?, line(&e[2])?);
        }
        facts.unbaselined.push((s(&f[0], "a file")?, tree));
    }
    Ok((
        s(&j["host"], "host")?,
        s(&j["group"], "group")?,
        facts,
        j["up"].as_bool().ok_or("expected up as true or false")?,
        usize::try_from(n(&j["secrets_left_out"], "secrets_left_out")?).unwrap_or(usize::MAX),
    ))
}

/// A value, losslessly: numbers that are floats and quantities are tagged.
fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(f) => json!({ "float": f.to_string() }),
        Value::Str(s) => json!(s),
        Value::Quantity { amount, text } => json!({ "amount": amount, "text": text }),
        Value::Typed { tag, text } => json!({ "tag": tag, "text": text }),
        Value::EmptyMap => json!({}),
        Value::EmptyList => json!([]),
    }
}

fn value_from_json(j: &Json) -> Result<Value, String> {
    Ok(match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Int(n.as_i64().ok_or("expected an integer")?),
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(a) if a.is_empty() => Value::EmptyList,
        Json::Object(o) if o.is_empty() => Value::EmptyMap,
        Json::Object(o) if o.contains_key("tag") => {
            // The tags a YAML 1.1 reader gives a scalar it keeps as written.
            let tag = match o["tag"].as_str() {
                Some("timestamp") => "timestamp",
                Some("float") => "float",
                Some("yaml-1.1-unsettled") => "yaml-1.1-unsettled",
                _ => return Err("expected a known tag".into()),
            };
            Value::Typed {
                tag,
                text: o
                    .get("text")
                    .and_then(Json::as_str)
                    .ok_or("expected a typed value's text")?
                    .to_string(),
            }
        }
        Json::Object(o) => match (o.get("float"), o.get("amount"), o.get("text")) {
            (Some(f), None, None) => Value::Float(
                f.as_str()
                    .and_then(|t| t.parse().ok())
                    .ok_or("expected a float as text")?,
            ),
            (None, Some(a), Some(t)) => Value::Quantity {
                amount: a.as_f64().ok_or("expected an amount")?,
                text: t.as_str().ok_or("expected a quantity's text")?.to_string(),
            },
            _ => return Err("expected a value".into()),
        },
        Json::Array(_) => return Err("expected a value, not a list".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_go_through_json_and_back_without_their_secrets() {
        let mut facts = Facts::default();
        facts.numbers.push(Fact {
            file: "/etc/app.yml".into(),
            key: "pool".into(),
            value: Value::Int(40),
            line: 3,
            from: None,
        });
        facts.numbers.push(Fact {
            file: "/etc/pg.conf".into(),
            key: "shared_buffers".into(),
            value: Value::Quantity {
                amount: 16384.0,
                text: "128MB".into(),
            },
            line: 9,
            from: Some("/etc/conf.d/x.conf".into()),
        });
        let mut tree = Tree::new();
        tree.insert("a", Value::Float(0.5), 1);
        tree.insert("db.password", Value::text("hunter2-x"), 2);
        tree.insert("e", Value::EmptyList, 3);
        facts.unbaselined.push(("/etc/app.yml".into(), tree));
        facts.unique.push((
            0,
            "/etc/app.yml".into(),
            "id".into(),
            Value::text("7"),
            4,
            Value::text("7"),
        ));
        let yaml = |_: &str| Format::from_name("yaml").unwrap();
        let j = to_json("h", "g", true, &facts, &yaml, None);
        assert!(!j.to_string().contains("hunter2"), "{j}");
        let (host, group, back, up, left_out) = from_json(&j).unwrap();
        assert_eq!(
            (host.as_str(), group.as_str(), up, left_out),
            ("h", "g", true, 1)
        );
        assert_eq!(back.numbers[1].value, facts.numbers[1].value);
        assert_eq!(back.numbers[1].from, facts.numbers[1].from);
        assert_eq!(back.unique, facts.unique);
        assert_eq!(back.unbaselined[0].1.len(), 2, "the secret is left out");
        assert_eq!(
            back.unbaselined[0].1.get("a").unwrap().value,
            Value::Float(0.5)
        );

        // With a key, the secret travels as its fingerprint.
        let key = SecretKey::from_text("0123456789abcdef0123", secret::KeySource::Env).unwrap();
        let j = to_json("h", "g", true, &facts, &yaml, Some(&key));
        assert!(!j.to_string().contains("hunter2"), "{j}");
        let (.., left_out) = from_json(&j).unwrap();
        assert_eq!(left_out, 0);
        assert!(from_json(&json!({"host": 1})).is_err());
    }
}
