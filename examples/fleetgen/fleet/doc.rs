//! A small document model (maps, lists, scalars) and its writers for YAML, JSON, TOML and Java
//! properties: one canonical layout (the baseline) and, given a random stream, a rewrite that
//! means the same (keys reordered, requoted, other indentation, flow or inline tables, comments)
//! as a config-management tool or a hand edit would leave it.

use super::rng::Rng;

#[derive(Clone, Debug)]
pub enum V {
    S(String),
    I(i64),
    B(bool),
    M(Map),
    L(Vec<V>),
}

pub type Map = Vec<(String, V)>;

/// `m(&[("port", 8080.into()), ...])` without the noise.
pub fn m(entries: Vec<(&str, V)>) -> V {
    V::M(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

impl From<&str> for V {
    fn from(s: &str) -> V {
        V::S(s.to_string())
    }
}
impl From<String> for V {
    fn from(s: String) -> V {
        V::S(s)
    }
}
impl From<i64> for V {
    fn from(i: i64) -> V {
        V::I(i)
    }
}
impl From<bool> for V {
    fn from(b: bool) -> V {
        V::B(b)
    }
}

impl V {
    fn is_scalar(&self) -> bool {
        matches!(self, V::S(_) | V::I(_) | V::B(_))
    }

    fn map(&self) -> Option<&Map> {
        match self {
            V::M(m) => Some(m),
            _ => None,
        }
    }

    /// The value at a path of map keys.
    pub fn at_mut(&mut self, path: &[&str]) -> Option<&mut V> {
        let mut cur = self;
        for seg in path {
            let V::M(map) = cur else { return None };
            cur = &mut map.iter_mut().find(|(k, _)| k == seg)?.1;
        }
        Some(cur)
    }
}

/// A list whose items are all maps with a distinct `name`: confdrift keys it by name, so its
/// order is not meaningful and a rewrite may shuffle it.
fn is_named_list(items: &[V]) -> bool {
    let names: Vec<&V> = items
        .iter()
        .filter_map(|i| i.map()?.iter().find(|(k, _)| k == "name").map(|(_, v)| v))
        .collect();
    names.len() == items.len()
        && !items.is_empty()
        && names.iter().enumerate().all(|(i, a)| {
            names[..i]
                .iter()
                .all(|b| !matches!((a, b), (V::S(x), V::S(y)) if x == y))
        })
}

/// The same document with map keys (and named list items) in a random order.
pub fn shuffled(v: &V, rng: &mut Rng) -> V {
    match v {
        V::M(map) => {
            let mut out: Map = map
                .iter()
                .map(|(k, v)| (k.clone(), shuffled(v, rng)))
                .collect();
            rng.shuffle(&mut out);
            V::M(out)
        }
        V::L(items) => {
            let mut out: Vec<V> = items.iter().map(|i| shuffled(i, rng)).collect();
            if is_named_list(items) {
                rng.shuffle(&mut out);
            }
            V::L(out)
        }
        s => s.clone(),
    }
}

/// How a rewrite lays a file out; `Style::canonical()` is the baseline's layout.
pub struct Style {
    indent: usize,
    /// Maps of scalars on one line (YAML flow, TOML inline table).
    flow: bool,
    /// TOML: tables of scalars as dotted keys in their parent instead.
    dotted: bool,
    /// Quote strings differently (0: canonical, else drawn per value).
    requote: bool,
    comments: bool,
    rng: Option<Rng>,
}

impl Style {
    pub fn canonical() -> Style {
        Style {
            indent: 2,
            flow: false,
            dotted: false,
            requote: false,
            comments: true,
            rng: None,
        }
    }

    pub fn rewrite(mut rng: Rng) -> Style {
        Style {
            indent: *rng.pick(&[2, 4, 3]),
            flow: rng.chance(50),
            dotted: rng.chance(50),
            requote: rng.chance(70),
            comments: rng.chance(30),
            rng: Some(rng),
        }
    }

    /// 0, 1 or 2: which of a format's quoting styles a value gets.
    fn quote_choice(&mut self) -> usize {
        match (&mut self.rng, self.requote) {
            (Some(r), true) => r.below(3),
            _ => 0,
        }
    }

    fn pad(&self, depth: usize) -> String {
        " ".repeat(self.indent * depth)
    }
}

/// A YAML plain scalar is safe for these strings: no indicator first, no `: ` or ` #`, and not
/// something YAML would read as a number, boolean or null.
fn yaml_plain_ok(s: &str) -> bool {
    let first_ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '/');
    let chars_ok = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+".contains(c));
    let special = ["true", "false", "yes", "no", "on", "off", "null", "y", "n"];
    first_ok && chars_ok && !special.contains(&s.to_ascii_lowercase().as_str())
}

fn dquote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn yaml_scalar(v: &V, st: &mut Style, flow: bool) -> String {
    match v {
        V::S(s) => match st.quote_choice() {
            0 if yaml_plain_ok(s) && !(flow && s.contains(':')) => s.clone(),
            1 if !s.contains('\'') => format!("'{s}'"),
            _ => dquote(s),
        },
        V::I(i) => i.to_string(),
        V::B(b) => b.to_string(),
        _ => unreachable!("not a scalar"),
    }
}

fn yaml_flow(v: &V, st: &mut Style) -> String {
    match v {
        V::M(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}: {}", yaml_flow(v, st)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        V::L(items) => {
            let items: Vec<String> = items.iter().map(|i| yaml_flow(i, st)).collect();
            format!("[{}]", items.join(", "))
        }
        s => yaml_scalar(s, st, true),
    }
}

fn yaml_map(map: &Map, depth: usize, st: &mut Style, out: &mut String) {
    for (k, v) in map {
        let pad = st.pad(depth);
        match v {
            V::M(inner) if inner.iter().all(|(_, v)| v.is_scalar()) && st.flow => {
                out.push_str(&format!("{pad}{k}: {}\n", yaml_flow(v, st)));
            }
            V::M(inner) => {
                out.push_str(&format!("{pad}{k}:\n"));
                yaml_map(inner, depth + 1, st, out);
            }
            V::L(items) if items.iter().all(V::is_scalar) => {
                if st.flow || st.rng.is_none() {
                    out.push_str(&format!("{pad}{k}: {}\n", yaml_flow(v, st)));
                } else {
                    out.push_str(&format!("{pad}{k}:\n"));
                    for i in items {
                        let s = yaml_scalar(i, st, false);
                        out.push_str(&format!("{pad}{}- {s}\n", st.pad(1)));
                    }
                }
            }
            V::L(items) => {
                out.push_str(&format!("{pad}{k}:\n"));
                for item in items {
                    let V::M(inner) = item else {
                        unreachable!("lists hold scalars or maps")
                    };
                    // The item's map one level deeper; its first line then starts with "- ".
                    let mut body = String::new();
                    yaml_map(inner, depth + 2, st, &mut body);
                    let width = st.pad(depth + 2).len();
                    let mut dash = format!("{}-", st.pad(depth + 1));
                    while dash.len() < width {
                        dash.push(' ');
                    }
                    out.push_str(&dash);
                    out.push_str(&body[width..]);
                }
            }
            s => {
                let s = yaml_scalar(s, st, false);
                out.push_str(&format!("{pad}{k}: {s}\n"));
            }
        }
    }
}

pub fn yaml(doc: &V, title: &str, mut st: Style) -> String {
    let mut out = String::new();
    if st.comments {
        out.push_str(&format!(
            "# {title}\n# Managed by config management; local edits are reported as drift.\n\n"
        ));
    } else {
        out.push_str("---\n");
    }
    yaml_map(doc.map().expect("a map"), 0, &mut st, &mut out);
    out
}

fn json_value(v: &V, depth: usize, st: &mut Style, out: &mut String) {
    let (nl, pad, inner) = if st.indent == 0 {
        (String::new(), String::new(), String::new())
    } else {
        ("\n".to_string(), st.pad(depth), st.pad(depth + 1))
    };
    let colon = if st.indent == 0 { ":" } else { ": " };
    match v {
        V::M(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                out.push_str(if i == 0 { "" } else { "," });
                out.push_str(&format!("{nl}{inner}{}{colon}", dquote(k)));
                json_value(v, depth + 1, st, out);
            }
            out.push_str(&format!("{nl}{pad}}}"));
        }
        V::L(items) if items.iter().all(V::is_scalar) => {
            let s: Vec<String> = items.iter().map(json_scalar).collect();
            out.push_str(&format!(
                "[{}]",
                s.join(if st.indent == 0 { "," } else { ", " })
            ));
        }
        V::L(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "" } else { "," });
                out.push_str(&format!("{nl}{inner}"));
                json_value(item, depth + 1, st, out);
            }
            out.push_str(&format!("{nl}{pad}]"));
        }
        s => out.push_str(&json_scalar(s)),
    }
}

fn json_scalar(v: &V) -> String {
    match v {
        V::S(s) => dquote(s),
        V::I(i) => i.to_string(),
        V::B(b) => b.to_string(),
        _ => unreachable!("not a scalar"),
    }
}

pub fn json(doc: &V, mut st: Style) -> String {
    if st.rng.is_some() && !st.flow {
        st.indent = 0; // compact, as `jq -c` writes it
    }
    let mut out = String::new();
    json_value(doc, 0, &mut st, &mut out);
    out.push('\n');
    out
}

fn toml_scalar(v: &V, st: &mut Style) -> String {
    match v {
        V::S(s) if st.quote_choice() == 1 && !s.contains('\'') => format!("'{s}'"),
        V::S(s) => dquote(s),
        V::L(items) => {
            let s: Vec<String> = items.iter().map(|i| toml_scalar(i, st)).collect();
            format!("[{}]", s.join(", "))
        }
        V::M(map) => {
            let s: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k} = {}", toml_scalar(v, st)))
                .collect();
            format!("{{ {} }}", s.join(", "))
        }
        s => json_scalar(s),
    }
}

fn is_leaf_table(v: &V) -> bool {
    v.map()
        .is_some_and(|m| m.iter().all(|(_, v)| v.is_scalar()))
}

fn is_table_array(v: &V) -> bool {
    matches!(v, V::L(items) if !items.is_empty() && items.iter().all(|i| i.map().is_some()))
}

fn toml_table(path: &str, map: &Map, st: &mut Style, out: &mut String) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    // Key/value lines first: scalars, scalar lists, and leaf tables written inline or dotted.
    let mut deferred = Vec::new();
    for (k, v) in map {
        let scalars = v.is_scalar() || matches!(v, V::L(items) if items.iter().all(V::is_scalar));
        if scalars || (is_leaf_table(v) && st.rng.is_some() && st.flow) {
            out.push_str(&format!("{k} = {}\n", toml_scalar(v, st)));
        } else if is_leaf_table(v) && st.rng.is_some() && st.dotted {
            for (kk, vv) in v.map().unwrap() {
                out.push_str(&format!("{k}.{kk} = {}\n", toml_scalar(vv, st)));
            }
        } else {
            deferred.push((k, v));
        }
    }
    for (k, v) in deferred {
        if is_table_array(v) {
            let V::L(items) = v else { unreachable!() };
            for item in items {
                out.push_str(&format!("\n[[{}]]\n", join(k)));
                toml_table(&join(k), item.map().unwrap(), st, out);
            }
        } else {
            let inner = v.map().expect("tables, table arrays or scalars");
            out.push_str(&format!("\n[{}]\n", join(k)));
            toml_table(&join(k), inner, st, out);
        }
    }
}

pub fn toml(doc: &V, title: &str, mut st: Style) -> String {
    let mut out = String::new();
    if st.comments {
        out.push_str(&format!("# {title}\n\n"));
    }
    toml_table("", doc.map().expect("a map"), &mut st, &mut out);
    out
}

/// Java properties: the document is a flat map of dotted keys to scalars.
pub fn properties(doc: &V, title: &str, mut st: Style) -> String {
    let mut out = String::new();
    if st.comments {
        out.push_str(&format!("# {title}\n# Managed by config management.\n"));
    }
    let mut prev_section = "";
    for (k, v) in doc.map().expect("a map") {
        let section = k.split('.').next().unwrap_or("");
        let value = match v {
            V::S(s) => s.clone(),
            s => json_scalar(s),
        };
        match &mut st.rng {
            None => {
                if section != prev_section {
                    out.push_str(&format!("\n# {section}\n"));
                }
                out.push_str(&format!("{k}={value}\n"));
            }
            Some(r) => {
                let sep = *r.pick(&["=", " = ", ": ", " : ", " ", "\t"]);
                let lead = if r.chance(10) { "  " } else { "" };
                if r.chance(5) {
                    out.push_str("\n! reviewed\n");
                }
                out.push_str(&format!("{lead}{k}{sep}{value}\n"));
            }
        }
        prev_section = section;
    }
    out
}
