//! Kubernetes manifests: multi-document YAML whose documents are API objects, read as kubectl
//! reads them (`sigs.k8s.io/yaml`, which converts YAML to JSON with go-yaml v2: YAML 1.1, so
//! `replicas: 010` is 8), and keyed so that what kubectl would apply is compared, not the file's
//! layout.
//!
//! - Each object is keyed by `Kind/namespace/name` (`Kind/name` without a namespace: kubectl
//!   puts it in the context's namespace, which is not the same statement as an explicit one;
//!   `Kind` alone without a name), so reordering documents is no change:
//!   `Deployment/db/pgbouncer.spec.replicas`. A second object with the same identity replaces
//!   the first whole, as applying the file does. A `kind: List`'s `items` are objects of their
//!   own. A document that is not an object (no `apiVersion` or `kind`) keeps its index
//!   (`[2].foo`), as in plain YAML.
//! - Lists of mappings are keyed by the fields Kubernetes merges them by
//!   ([`LIST_KEYS`]): containers, env, volumes by `name`, container ports by `containerPort`
//!   when not all are named, a Service's by `port`, volume mounts by `mountPath`
//!   (`containers[name=app].env[name=DB_POOL_SIZE].value`).
//! - A ConfigMap's `data` entry and a Secret's `stringData` entry named like a file confdrift
//!   knows (`postgresql.conf: |`) is read in that file's format ([`Format::detect`] of the
//!   entry's name), its keys under the entry's
//!   (`ConfigMap/db/pg.data."postgresql.conf".max_connections`), each at its line in the
//!   manifest when the entry is a literal block (`|`), else at the entry's line. Other entries
//!   (and a Secret's base64 `data`) are one value each. Every value of a Secret's `data` and
//!   `stringData` is a secret (the catalogue's Kubernetes row).
//!
//! [`parse_yaml`] is the reader of every `.yaml`/`.yml` file: a file whose every document is an
//! object is read here, any other as plain YAML ([`yaml::parse`]).

use super::nodes::{Located, Node};
use super::{Document, Format, YamlVersion, yaml};
use crate::tree::{self, Map, ParseError, Tree, Value};

/// The fields list items are known by, in order of preference: Kubernetes' strategic merge
/// keys (`patchMergeKey` in k8s.io/api core/v1 types.go: `name` for containers, env, volumes;
/// `containerPort` for container ports, `port` for a Service's, `mountPath` for volume mounts,
/// `devicePath` for volume devices, `ip` for host aliases), then the generic ones.
pub(crate) const LIST_KEYS: &[&str] = &[
    "name",
    "containerPort",
    "port",
    "mountPath",
    "devicePath",
    "ip",
    "id",
    "key",
    "job_name",
];

/// A manifest file (`format = "k8s"`): read as YAML 1.1, objects keyed by identity.
pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let documents = yaml::documents(text, YamlVersion::V1_1)?;
    manifests(text, documents)
}

/// A `.yaml` file: manifests when every document is a Kubernetes object, else plain YAML 1.2.
pub fn parse_yaml(text: &str) -> Result<Tree, ParseError> {
    as_manifests(text).unwrap_or_else(|| yaml::parse(text))
}

/// The manifests of `text` when every document is an object (a broken entry is an error then);
/// `None` when some document is not one (content detection asks this: `normalize::sniff`).
pub fn as_manifests(text: &str) -> Option<Result<Tree, ParseError>> {
    if !mentions_object(text) {
        return None;
    }
    let documents = yaml::documents(text, YamlVersion::V1_1).ok()?;
    if documents.is_empty() || !documents.iter().all(is_object) {
        return None;
    }
    Some(manifests(text, documents))
}

/// The cheap test first: most YAML files are not manifests.
fn mentions_object(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"apiVersion").is_some()
        && memchr::memmem::find(text.as_bytes(), b"kind").is_some()
}

/// The text of a scalar node (`None` for anything else and null).
fn scalar(node: Option<&Located>) -> Option<String> {
    match node.map(|n| &n.node) {
        Some(Node::Leaf(Value::Null)) | None => None,
        Some(Node::Leaf(v)) => Some(v.to_string()),
        _ => None,
    }
}

fn map_of(node: &Located) -> Option<&Map<String, Located>> {
    match &node.node {
        Node::Map(m) => Some(m),
        _ => None,
    }
}

/// A mapping with scalar `apiVersion` and `kind`.
fn is_object(node: &Located) -> bool {
    map_of(node)
        .is_some_and(|m| scalar(m.get("apiVersion")).is_some() && scalar(m.get("kind")).is_some())
}

/// `Kind/namespace/name`, `Kind/name`, or `Kind`.
fn identity(object: &Map<String, Located>) -> String {
    let kind = scalar(object.get("kind")).unwrap_or_default();
    let meta = object.get("metadata").and_then(map_of);
    let name = meta.and_then(|m| scalar(m.get("name")));
    let namespace = meta.and_then(|m| scalar(m.get("namespace")));
    match (namespace, name) {
        (Some(ns), Some(name)) => format!("{kind}/{ns}/{name}"),
        (None, Some(name)) => format!("{kind}/{name}"),
        (_, None) => kind,
    }
}

/// The objects of a document: itself, or a `kind: List`'s items that are objects.
fn objects(document: Located) -> Vec<Located> {
    let is_list = map_of(&document).is_some_and(|m| {
        scalar(m.get("kind")).as_deref() == Some("List")
            && matches!(m.get("items").map(|i| &i.node), Some(Node::List(items)) if items.iter().all(is_object))
    });
    if !is_list {
        return vec![document];
    }
    match document.node {
        Node::Map(mut m) => match m.shift_remove("items").map(|i| i.node) {
            Some(Node::List(items)) => items,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn manifests(text: &str, documents: Vec<Located>) -> Result<Tree, ParseError> {
    let several = documents.len() > 1;
    let mut keyed: Map<String, Located> = Map::default();
    let mut others = Vec::new();
    for (index, document) in documents.into_iter().enumerate() {
        for object in objects(document) {
            match map_of(&object).filter(|_| is_object(&object)) {
                Some(m) => {
                    keyed.insert(identity(m), object);
                }
                None => others.push((index, object)),
            }
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut tree = Tree::new();
    for (id, object) in &keyed {
        let mut path = String::new();
        tree::push_key(&mut path, id);
        flatten_object(object, &mut path, &mut tree, &lines)?;
    }
    for (index, document) in others {
        let mut path = String::new();
        if several {
            tree::push_index(&mut path, index);
        }
        document.flatten_with(&mut path, &mut tree, LIST_KEYS);
    }
    Ok(tree)
}

/// An object's leaves; a ConfigMap's `data` and a Secret's `stringData` entries read by name.
fn flatten_object(
    object: &Located,
    path: &mut String,
    tree: &mut Tree,
    lines: &[&str],
) -> Result<(), ParseError> {
    let Node::Map(fields) = &object.node else {
        object.flatten_with(path, tree, LIST_KEYS);
        return Ok(());
    };
    let kind = scalar(fields.get("kind"));
    let files = match kind.as_deref() {
        Some("ConfigMap") => "data",
        Some("Secret") => "stringData",
        _ => "",
    };
    let len = path.len();
    for (key, value) in fields {
        tree::push_key(path, key);
        match &value.node {
            Node::Map(entries) if key == files && !entries.is_empty() => {
                let at = path.len();
                for (name, entry) in entries {
                    tree::push_key(path, name);
                    file_entry(name, entry, path, tree, lines)?;
                    path.truncate(at);
                }
            }
            _ => value.flatten_with(path, tree, LIST_KEYS),
        }
        path.truncate(len);
    }
    Ok(())
}

/// One `data` entry: read in the format its name says, else one value.
fn file_entry(
    name: &str,
    entry: &Located,
    path: &mut String,
    tree: &mut Tree,
    lines: &[&str],
) -> Result<(), ParseError> {
    let Node::Leaf(Value::Str(content)) = &entry.node else {
        entry.flatten_with(path, tree, LIST_KEYS);
        return Ok(());
    };
    let format = Format::detect(name);
    let inner = match format {
        Format::Structured(spec) => {
            // A YAML entry is read as plain YAML: manifests inside manifests are not unfolded.
            let read = match format.yaml_version() {
                Some(YamlVersion::V1_1) => yaml::parse_1_1(content),
                Some(YamlVersion::V1_2) => yaml::parse(content),
                None if spec.name == "k8s" => yaml::parse_1_1(content),
                None => format.parse(content.as_bytes()).map(|d| match d {
                    Document::Tree(t) => t,
                    Document::Lines(_) | Document::Binary(_) => Tree::new(),
                }),
            };
            Some(read)
        }
        Format::Text | Format::Binary => None,
    };
    let Some(inner) = inner else {
        tree.insert(path.clone(), Value::Str(content.clone()), entry.line);
        return Ok(());
    };
    let block = literal_block(lines, entry.line);
    let inner = inner.map_err(|e| {
        let (line, column) = match block {
            Some((at, indent)) => (at.saturating_add(e.line), e.column.saturating_add(indent)),
            None => (entry.line, 1),
        };
        ParseError::new(
            line,
            column,
            format!(
                "in the entry {name} (read as {}): {}",
                format.name(),
                e.message
            ),
        )
    })?;
    if inner.is_empty() {
        tree.insert(path.clone(), Value::Str(content.clone()), entry.line);
        return Ok(());
    }
    let len = path.len();
    for (key, e) in inner.iter() {
        if !key.is_empty() && !key.starts_with('[') {
            path.push('.');
        }
        path.push_str(key);
        let line = match block {
            Some((at, _)) if e.line != tree::WHOLE_FILE => at.saturating_add(e.line),
            _ => entry.line,
        };
        tree.insert(path.clone(), e.value.clone(), line);
        path.truncate(len);
    }
    Ok(())
}

/// When the block scalar whose content starts at line `line` (1-based; the parser places a
/// block scalar at its first line that is not blank) is a literal block (`key: |`, `|-`, `|2`, a
/// comment after it, or `|` alone on its line), the line of its indicator and the
/// indentation of its content: the content's lines are the lines after it, one for one.
fn literal_block(lines: &[&str], line: u32) -> Option<(u32, u32)> {
    let mut index = usize::try_from(line).ok()?.checked_sub(2)?;
    while lines.get(index)?.trim().is_empty() {
        index = index.checked_sub(1)?;
    }
    let text = lines.get(index)?;
    let code = match text.find(" #") {
        Some(at) => &text[..at],
        None => text,
    };
    let code = code.trim_end();
    let (before, indicator) = match code.rsplit_once([' ', '\t']) {
        Some(split) => split,
        None => ("", code),
    };
    let header = indicator.strip_prefix('|')?;
    let before = before.trim_end();
    if !header.chars().all(|c| matches!(c, '-' | '+' | '1'..='9'))
        || !(before.is_empty() || before.ends_with(':'))
    {
        return None;
    }
    let indent = lines[index + 1..]
        .iter()
        .find(|l| !l.trim().is_empty())
        .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
    Some((u32::try_from(index + 1).ok()?, u32::try_from(indent).ok()?))
}

/// The first segment of a key path and the rest after its `.` (empty at the end): a quoted
/// segment unquoted (`\"` and `\\` unescaped), as [`tree::push_key`] writes them.
fn first_segment(key: &str) -> Option<(std::borrow::Cow<'_, str>, &str)> {
    let Some(quoted) = key.strip_prefix('"') else {
        let end = key.find(['.', '[']).unwrap_or(key.len());
        let rest = &key[end..];
        return Some((key[..end].into(), rest.strip_prefix('.').unwrap_or(rest)));
    };
    let mut text = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => text.push(chars.next()?.1),
            '"' => {
                let rest = &quoted[i + 1..];
                return Some((text.into(), rest.strip_prefix('.').unwrap_or(rest)));
            }
            c => text.push(c),
        }
    }
    None
}

/// Whether `key` may be under an object of `kind` (the cheap test, before [`object_field`]:
/// the secret catalogue asks it of every key of every YAML file).
pub fn under_kind(key: &str, kind: &str) -> bool {
    key.strip_prefix('"')
        .unwrap_or(key)
        .strip_prefix(kind)
        .is_some_and(|rest| rest.starts_with(['/', '.', '"']))
}

/// The kind of the object a manifest key is under and the object's field it names, with
/// the rest of the key: `("Secret", "data", "password")` of `Secret/db/pg.data.password`.
pub fn object_field(key: &str) -> Option<(String, String, &str)> {
    let (object, rest) = first_segment(key)?;
    let kind = object.split('/').next().unwrap_or_default().to_string();
    let (field, rest) = first_segment(rest)?;
    Some((kind, field.into_owned(), rest))
}

/// For a key inside a ConfigMap's `data` or a Secret's `stringData` entry read in its own
/// format, that format and the key in it: (`pgbouncer`, `databases.app`) of
/// `ConfigMap/db/b.data."pgbouncer.ini".databases.app`. The secret catalogue applies that
/// format's rows to the entry's keys.
pub fn entry_key(key: &str) -> Option<(Format, &str)> {
    if !under_kind(key, "ConfigMap") && !under_kind(key, "Secret") {
        return None;
    }
    let (kind, field, rest) = object_field(key)?;
    if !matches!(
        (kind.as_str(), field.as_str()),
        ("ConfigMap", "data") | ("Secret", "stringData")
    ) {
        return None;
    }
    let (name, inner) = first_segment(rest)?;
    match Format::detect(&name) {
        format @ Format::Structured(_) => Some((format, inner)),
        Format::Text | Format::Binary => None,
    }
}

/// Whether `key` is a whole ConfigMap `data` entry (or a Secret's) whose name says no format
/// confdrift reads: one value holding a file, which the secret catalogue reads line by line.
pub fn is_text_entry(key: &str) -> bool {
    if !under_kind(key, "ConfigMap") && !under_kind(key, "Secret") {
        return false;
    }
    let Some((kind, field, rest)) = object_field(key) else {
        return false;
    };
    let known = matches!(
        (kind.as_str(), field.as_str()),
        ("ConfigMap", "data") | ("Secret", "data" | "stringData")
    );
    known
        && first_segment(rest).is_some_and(|(name, inner)| {
            inner.is_empty() && !matches!(Format::detect(&name), Format::Structured(_))
        })
}

#[cfg(test)]
mod tests;
